#ifndef AGW_TEST_SUITES_H
#define AGW_TEST_SUITES_H

#include <check.h>
#include <apr_pools.h>

/* A pool per test, made in the fixture. */
extern apr_pool_t *tp;
void pool_setup(void);
void pool_teardown(void);

Suite *suite_b64(void);
Suite *suite_basic(void);
Suite *suite_bytes(void);
Suite *suite_cert(void);
Suite *suite_challenge(void);
Suite *suite_cookie(void);
Suite *suite_domain(void);
Suite *suite_failopen(void);
Suite *suite_form(void);
Suite *suite_html(void);
Suite *suite_lang(void);
Suite *suite_kcd(void);
Suite *suite_kerb(void);
Suite *suite_ldap(void);
Suite *suite_ntlm(void);
Suite *suite_ntlmcli(void);
Suite *suite_pac(void);
Suite *suite_radius(void);
Suite *suite_record(void);
Suite *suite_seal(void);
Suite *suite_session(void);
Suite *suite_spnego(void);
Suite *suite_url(void);

#endif
