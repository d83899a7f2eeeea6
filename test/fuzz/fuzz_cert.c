/* libFuzzer: the client certificate reader (agw_cert_parse) on any bytes,
 * PEM or DER.  mod_ssl has verified what reaches it in production, but the
 * reader must not rely on that.  Invariants: what parses has printable
 * names, and the name and constraint functions run on it. */
#include <string.h>

#include <apr_general.h>
#include <apr_tables.h>

#include "agw_cert.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static void check_text(const char *s)
{
    for (; s && *s; s++)
        CHECK((unsigned char)*s >= 0x20 && *s != 0x7f);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static int init;
    apr_pool_t *p;
    agw_cert c;
    agw_cert_rules r;
    apr_array_header_t *want;
    int i;

    if (!init)
        init = apr_initialize() == APR_SUCCESS;
    apr_pool_create(&p, NULL);
    if (!agw_cert_parse(p, data, size, &c)) {
        CHECK(c.subject && c.issuer && c.altsec);
        CHECK(!strncmp(c.altsec, "X509:<I>", 8));
        for (i = 0; i < c.upns->nelts; i++)
            check_text(APR_ARRAY_IDX(c.upns, i, const char *));
        for (i = 0; i < c.emails->nelts; i++)
            check_text(APR_ARRAY_IDX(c.emails, i, const char *));
        for (i = AGW_CERT_MAP_UPN; i <= AGW_CERT_MAP_LDAP; i++)
            check_text(agw_cert_name(&c, (agw_cert_map)i));
        want = apr_array_make(p, 1, sizeof(const char *));
        APR_ARRAY_PUSH(want, const char *) = AGW_OID_CLIENT_AUTH;
        r.issuers = NULL;
        r.ekus = want;
        r.policies = want;
        agw_cert_check(&c, &r);
        CHECK(agw_cert_dn_equal(c.issuer, c.issuer));
    }
    apr_pool_destroy(p);
    return 0;
}
