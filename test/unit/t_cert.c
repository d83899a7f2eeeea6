/* Client certificates made here with libcrypto, as a smart-card CA issues
 * them: a UPN otherName and an e-mail address in the subjectAltName, the
 * clientAuth and smartcardLogon usages, a policy. */
#include <string.h>

#include <apr_strings.h>
#include <openssl/conf.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "agw_cert.h"
#include "suites.h"

static void add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *e;
    CONF *conf = NCONF_new(NULL); /* empty: the policies code wants one */
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509V3_set_nconf(&ctx, conf);
    e = X509V3_EXT_nconf_nid(conf, &ctx, nid, value);
    NCONF_free(conf);
    ck_assert_ptr_nonnull(e);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
}

static void add_name(X509_NAME *n, const char *field, const char *value)
{
    ck_assert(X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8,
                                         (const unsigned char *)value, -1,
                                         -1, 0));
}

/* A certificate (DER in *der) with the given extensions (NULL: none). */
static X509 *make(const char *san, const char *eku, const char *policies)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *subj = X509_NAME_new(), *iss = X509_NAME_new();

    ck_assert_ptr_nonnull(k);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    add_name(subj, "DC", "test");
    add_name(subj, "DC", "gw");
    add_name(subj, "CN", "Alice Müller");
    add_name(iss, "O", "AuthGW Test");
    add_name(iss, "CN", "Test CA, one");
    X509_set_subject_name(x, subj);
    X509_set_issuer_name(x, iss);
    X509_NAME_free(subj);
    X509_NAME_free(iss);
    X509_set_pubkey(x, k);
    if (san)
        add_ext(x, NID_subject_alt_name, san);
    if (eku)
        add_ext(x, NID_ext_key_usage, eku);
    if (policies)
        add_ext(x, NID_certificate_policies, policies);
    ck_assert(X509_sign(x, k, EVP_sha256()) > 0);
    EVP_PKEY_free(k);
    return x;
}

static const char *parse_der(X509 *x, agw_cert *c)
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    const char *why;
    ck_assert_int_gt(n, 0);
    why = agw_cert_parse(tp, der, (size_t)n, c);
    OPENSSL_free(der);
    return why;
}

static const char *parse_pem(X509 *x, agw_cert *c)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data;
    long n;
    const char *why;
    ck_assert(PEM_write_bio_X509(b, x));
    n = BIO_get_mem_data(b, &data);
    why = agw_cert_parse(tp, (const unsigned char *)data, (size_t)n, c);
    BIO_free(b);
    return why;
}

#define SMARTCARD_SAN \
    "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:alice@gw.test," \
    "email:alice@example.com"

START_TEST(smartcard_certificate)
{
    X509 *x = make(SMARTCARD_SAN, "clientAuth,1.3.6.1.4.1.311.20.2.2",
                   "1.3.6.1.4.1.99999.1.1");
    agw_cert c;

    ck_assert_ptr_null(parse_pem(x, &c));
    ck_assert_str_eq(agw_cert_name(&c, AGW_CERT_MAP_UPN), "alice@gw.test");
    ck_assert_str_eq(agw_cert_name(&c, AGW_CERT_MAP_EMAIL), "alice@example.com");
    ck_assert_str_eq(agw_cert_name(&c, AGW_CERT_MAP_SUBJECT),
                     "CN=Alice Müller,DC=gw,DC=test");
    ck_assert_str_eq(c.issuer, "CN=Test CA\\, one,O=AuthGW Test");
    ck_assert_str_eq(agw_cert_name(&c, AGW_CERT_MAP_LDAP),
                     "X509:<I>O=AuthGW Test,CN=Test CA\\, one"
                     "<S>DC=test,DC=gw,CN=Alice Müller");
    ck_assert_int_eq(c.ekus->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(c.ekus, 1, const char *),
                     AGW_OID_SMARTCARD_LOGON);
    ck_assert_str_eq(APR_ARRAY_IDX(c.policies, 0, const char *),
                     "1.3.6.1.4.1.99999.1.1");
    /* DER reads the same */
    ck_assert_ptr_null(parse_der(x, &c));
    ck_assert_str_eq(agw_cert_name(&c, AGW_CERT_MAP_UPN), "alice@gw.test");
    X509_free(x);
}
END_TEST

START_TEST(no_names)
{
    X509 *x = make(NULL, NULL, NULL);
    agw_cert c;
    ck_assert_ptr_null(parse_der(x, &c));
    ck_assert_ptr_null(agw_cert_name(&c, AGW_CERT_MAP_UPN));
    ck_assert_ptr_null(agw_cert_name(&c, AGW_CERT_MAP_EMAIL));
    ck_assert_ptr_null(c.ekus);
    ck_assert_int_eq(c.policies->nelts, 0);
    X509_free(x);
}
END_TEST

START_TEST(upn_of_another_type_or_oid_ignored)
{
    /* an IA5String UPN and another otherName are not UPNs */
    X509 *x = make("otherName:1.3.6.1.4.1.311.20.2.3;IA5:mallory@gw.test,"
                   "otherName:1.2.3.4;UTF8:eve@gw.test,"
                   "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:bob@gw.test",
                   NULL, NULL);
    agw_cert c;
    ck_assert_ptr_null(parse_der(x, &c));
    ck_assert_int_eq(c.upns->nelts, 1);
    ck_assert_str_eq(agw_cert_name(&c, AGW_CERT_MAP_UPN), "bob@gw.test");
    X509_free(x);
}
END_TEST

START_TEST(control_characters_refused)
{
    X509 *x = make("otherName:1.3.6.1.4.1.311.20.2.3;UTF8:al\tice@gw.test",
                   NULL, NULL);
    agw_cert c;
    ck_assert_ptr_null(parse_der(x, &c));
    ck_assert_int_eq(c.upns->nelts, 0);
    X509_free(x);
}
END_TEST

START_TEST(garbage_refused)
{
    static const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
    X509 *x = make(SMARTCARD_SAN, NULL, NULL);
    unsigned char *der = NULL, *big;
    int n = i2d_X509(x, &der);
    agw_cert c;

    ck_assert_ptr_nonnull(agw_cert_parse(tp, junk, sizeof junk, &c));
    ck_assert_ptr_nonnull(agw_cert_parse(tp, junk, 0, &c));
    ck_assert_ptr_nonnull(agw_cert_parse(tp, (const unsigned char *)
                                         "-----BEGIN CERTIFICATE-----\n", 28,
                                         &c));
    /* trailing bytes after the DER, and every truncation */
    big = apr_palloc(tp, (apr_size_t)n + 1);
    memcpy(big, der, (size_t)n);
    big[n] = 0;
    ck_assert_ptr_nonnull(agw_cert_parse(tp, big, (size_t)n + 1, &c));
    ck_assert_ptr_nonnull(agw_cert_parse(tp, big, (size_t)n - 1, &c));
    ck_assert_ptr_null(agw_cert_parse(tp, big, (size_t)n, &c));
    OPENSSL_free(der);
    X509_free(x);
}
END_TEST

static apr_array_header_t *list(const char *a, const char *b)
{
    apr_array_header_t *l = apr_array_make(tp, 2, sizeof(const char *));
    APR_ARRAY_PUSH(l, const char *) = a;
    if (b)
        APR_ARRAY_PUSH(l, const char *) = b;
    return l;
}

START_TEST(constraints)
{
    X509 *x = make(SMARTCARD_SAN, "clientAuth", "1.2.3.4");
    X509 *y = make(SMARTCARD_SAN, NULL, NULL);
    agw_cert c, d;
    agw_cert_rules r = { NULL, NULL, NULL };

    ck_assert_ptr_null(parse_der(x, &c));
    ck_assert_ptr_null(parse_der(y, &d));
    ck_assert_int_eq(agw_cert_check(&c, &r), AGW_CERT_OK);
    r.issuers = list("CN=Other CA", "cn = test ca\\, one , o=authgw test");
    ck_assert_int_eq(agw_cert_check(&c, &r), AGW_CERT_OK);
    r.issuers = list("CN=Test CA\\, one", NULL);
    ck_assert_int_eq(agw_cert_check(&c, &r), AGW_CERT_BAD_ISSUER);
    r.issuers = NULL;
    r.ekus = list(AGW_OID_SMARTCARD_LOGON, NULL);
    ck_assert_int_eq(agw_cert_check(&c, &r), AGW_CERT_BAD_EKU);
    r.ekus = list(AGW_OID_SMARTCARD_LOGON, AGW_OID_CLIENT_AUTH);
    ck_assert_int_eq(agw_cert_check(&c, &r), AGW_CERT_OK);
    /* no EKU extension: no usage asked for is there */
    ck_assert_int_eq(agw_cert_check(&d, &r), AGW_CERT_BAD_EKU);
    r.ekus = NULL;
    r.policies = list("1.2.3.5", NULL);
    ck_assert_int_eq(agw_cert_check(&c, &r), AGW_CERT_BAD_POLICY);
    r.policies = list("1.2.3.4", NULL);
    ck_assert_int_eq(agw_cert_check(&c, &r), AGW_CERT_OK);
    ck_assert_int_eq(agw_cert_check(&d, &r), AGW_CERT_BAD_POLICY);
    X509_free(x);
    X509_free(y);
}
END_TEST

START_TEST(oids_and_names)
{
    ck_assert_str_eq(agw_cert_eku_oid("clientAuth"), AGW_OID_CLIENT_AUTH);
    ck_assert_str_eq(agw_cert_eku_oid("SmartCardLogon"), AGW_OID_SMARTCARD_LOGON);
    ck_assert_str_eq(agw_cert_eku_oid("1.2.840.1"), "1.2.840.1");
    ck_assert_ptr_null(agw_cert_eku_oid("client"));
    ck_assert(agw_cert_oid_ok("2.5.29.37.0"));
    ck_assert(!agw_cert_oid_ok("1"));
    ck_assert(!agw_cert_oid_ok("1..2"));
    ck_assert(!agw_cert_oid_ok("1.2."));
    ck_assert(!agw_cert_oid_ok(".1.2"));
    ck_assert(!agw_cert_oid_ok("1.02"));
    ck_assert(!agw_cert_oid_ok("1.2a"));
    ck_assert(!agw_cert_oid_ok(""));
}
END_TEST

START_TEST(dn_equal)
{
    ck_assert(agw_cert_dn_equal("CN=Test CA,O=X", "cn=test ca, o=x"));
    ck_assert(agw_cert_dn_equal("CN=Test CA , O = X", "CN=Test CA,O=X"));
    ck_assert(!agw_cert_dn_equal("CN=Test  CA,O=X", "CN=Test CA,O=X"));
    ck_assert(!agw_cert_dn_equal("CN=Test CA", "CN=Test CA,O=X"));
    ck_assert(!agw_cert_dn_equal("CN=a\\,O=X", "CN=a,O=X"));
    ck_assert(!agw_cert_dn_equal(NULL, "CN=a"));
}
END_TEST

Suite *suite_cert(void)
{
    Suite *s = suite_create("cert");
    TCase *t = tcase_create("core");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, smartcard_certificate);
    tcase_add_test(t, no_names);
    tcase_add_test(t, upn_of_another_type_or_oid_ignored);
    tcase_add_test(t, control_characters_refused);
    tcase_add_test(t, garbage_refused);
    tcase_add_test(t, constraints);
    tcase_add_test(t, oids_and_names);
    tcase_add_test(t, dn_equal);
    suite_add_tcase(s, t);
    return s;
}
