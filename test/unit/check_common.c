/* Unit tests of the httpd-free common library. */
#include <stdlib.h>

#include <apr_general.h>

#include "suites.h"

apr_pool_t *tp;

void pool_setup(void)
{
    apr_pool_create(&tp, NULL);
}

void pool_teardown(void)
{
    apr_pool_destroy(tp);
}

int main(void)
{
    SRunner *sr;
    int failed;

    apr_initialize();
    sr = srunner_create(suite_b64());
    srunner_add_suite(sr, suite_basic());
    srunner_add_suite(sr, suite_bytes());
    srunner_add_suite(sr, suite_cert());
    srunner_add_suite(sr, suite_challenge());
    srunner_add_suite(sr, suite_cookie());
    srunner_add_suite(sr, suite_domain());
    srunner_add_suite(sr, suite_failopen());
    srunner_add_suite(sr, suite_form());
    srunner_add_suite(sr, suite_html());
    srunner_add_suite(sr, suite_lang());
    srunner_add_suite(sr, suite_kcd());
    srunner_add_suite(sr, suite_kerb());
    srunner_add_suite(sr, suite_ldap());
    srunner_add_suite(sr, suite_ntlm());
    srunner_add_suite(sr, suite_ntlmcli());
    srunner_add_suite(sr, suite_pac());
    srunner_add_suite(sr, suite_radius());
    srunner_add_suite(sr, suite_record());
    srunner_add_suite(sr, suite_seal());
    srunner_add_suite(sr, suite_session());
    srunner_add_suite(sr, suite_spnego());
    srunner_add_suite(sr, suite_url());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    apr_terminate();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
