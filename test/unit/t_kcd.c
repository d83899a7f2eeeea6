#include <string.h>

#include "agw_kcd.h"
#include "agw_spnego.h"
#include "suites.h"

/* --- AuthGWDelegateSPN ----------------------------------------------------- */

static const char *const spn_ok[] = {
    "HTTP/*", "http/*", "HTTP/*@GW.TEST", "HTTP/backend.gw.test",
    "HTTP/backend.gw.test@GW.TEST", "MSSQLSvc/db.gw.test:1433",
    "HTTP/web_farm", "host/intranet",
};
static const char *const spn_bad[] = {
    "", "HTTP", "HTTP/", "/host", "HTTP//host", "HTTP/a/b", "HTTP/*x",
    "HTTP/x*", "HTTP/**", "HTTP/host@", "HTTP/host@GW TEST", "HTTP/host@a@b",
    "HTTP/ho st", "HTTP/host:", "HTTP/host:80x", "HTTP/host\n",
    "HT TP/host", "HTTP/host\\x", "HTTP/[::1]",
};

START_TEST(spn_accepted)
{
    ck_assert_msg(agw_spn_check(spn_ok[_i]) == NULL, "%s", spn_ok[_i]);
}
END_TEST

START_TEST(spn_refused)
{
    ck_assert_msg(agw_spn_check(spn_bad[_i]) != NULL, "%s", spn_bad[_i]);
}
END_TEST

START_TEST(spn_expanded)
{
    ck_assert_str_eq(agw_spn_for(tp, "HTTP/*", "backend.gw.test"),
                     "HTTP/backend.gw.test");
    ck_assert_str_eq(agw_spn_for(tp, "HTTP/*@GW.TEST", "web"),
                     "HTTP/web@GW.TEST");
    ck_assert_str_eq(agw_spn_for(tp, "HTTP/fixed.gw.test", "other"),
                     "HTTP/fixed.gw.test");
    ck_assert_str_eq(agw_spn_for(tp, "HTTP/fixed.gw.test", NULL),
                     "HTTP/fixed.gw.test");
    ck_assert_ptr_null(agw_spn_for(tp, "HTTP/*", NULL));
}
END_TEST

/* --- the published host ------------------------------------------------------ */

static const struct {
    const char *url, *host;
} hosts[] = {
    { "http://backend.gw.test:8080/app/x?y=1", "backend.gw.test" },
    { "https://Intranet.Example.COM/", "intranet.example.com" },
    { "http://backend", "backend" },
    { "http://user:pw@backend.gw.test/", "backend.gw.test" },
    { "http://a@b@backend.gw.test:1/", "backend.gw.test" },
    { "http://[2001:db8::1]:8080/x", "2001:db8::1" },
    { "balancer://web_farm/owa", "web_farm" },
    { "unix:/run/app.sock|http://app.local/x", "app.local" },
    { "h2c://backend?x", "backend" },
    { "ajp://backend#f", "backend" },
    { "http://backend/p@x.y/", "backend" },
    { "", NULL },
    { "backend.gw.test", NULL },
    { "http:/backend/", NULL },
    { "http://", NULL },
    { "http:///x", NULL },
    { "http://:80/", NULL },
    { "http://[]/", NULL },
    { "http://[::1/", NULL },
    { "http://bad host/", NULL },
    { "http://bad%2ehost/", NULL },
    { "unix:/run/app.sock", NULL },
    { "://backend/", NULL },
};

START_TEST(url_host)
{
    const char *h = agw_url_host(tp, hosts[_i].url);
    if (hosts[_i].host)
        ck_assert_msg(h && !strcmp(h, hosts[_i].host), "%s -> %s",
                      hosts[_i].url, h ? h : "(null)");
    else
        ck_assert_msg(h == NULL, "%s -> %s", hosts[_i].url, h);
}
END_TEST

/* --- SPNEGO ------------------------------------------------------------------- */

START_TEST(spnego_short)
{
    static const unsigned char tok[] = { 1, 2, 3 };
    static const unsigned char want[] = {
        0x60, 0x22, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
        0xa0, 0x18, 0x30, 0x16, 0xa0, 0x0d, 0x30, 0x0b, 0x06, 0x09,
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02,
        0xa2, 0x05, 0x04, 0x03, 1, 2, 3
    };
    size_t n = 0;
    unsigned char *out = agw_kcd_spnego(tp, tok, sizeof tok, &n);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(n, sizeof want);
    ck_assert_int_eq(memcmp(out, want, n), 0);
}
END_TEST

/* The length of the DER element at *p (tag skipped); advances *p past the
 * length octets. */
static size_t der_len(const unsigned char **p)
{
    size_t n = *(*p)++, k, v = 0;
    if (n < 0x80)
        return n;
    for (k = n & 0x7f; k; k--)
        v = (v << 8) | *(*p)++;
    return v;
}

/* Each element's length reaches exactly to the end of the token. */
static void check_nesting(const unsigned char *out, size_t n, size_t toklen)
{
    const unsigned char *p = out, *end = out + n;
    ck_assert_uint_eq(*p++, 0x60);
    ck_assert_uint_eq(der_len(&p), (size_t)(end - p));
    p += 8;                                   /* the SPNEGO OID */
    ck_assert_uint_eq(*p++, 0xa0);
    ck_assert_uint_eq(der_len(&p), (size_t)(end - p));
    ck_assert_uint_eq(*p++, 0x30);
    ck_assert_uint_eq(der_len(&p), (size_t)(end - p));
    p += 15;                                  /* mechTypes */
    ck_assert_uint_eq(*p++, 0xa2);
    ck_assert_uint_eq(der_len(&p), (size_t)(end - p));
    ck_assert_uint_eq(*p++, 0x04);
    ck_assert_uint_eq(der_len(&p), toklen);
    ck_assert_uint_eq((size_t)(end - p), toklen);
}

START_TEST(spnego_lengths)
{
    /* around every change of the length form */
    static const size_t sizes[] = { 0, 0x61, 0x62, 0x7f, 0x80, 0xff, 0x100,
                                    1500, 0xfff0, 0x10000, 70000 };
    size_t i;
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned char *tok = apr_palloc(tp, sizes[i] + 1);
        size_t n = 0;
        unsigned char *out;
        memset(tok, 0xab, sizes[i]);
        out = agw_kcd_spnego(tp, tok, sizes[i], &n);
        ck_assert_ptr_nonnull(out);
        check_nesting(out, n, sizes[i]);
        ck_assert_int_eq(memcmp(out + n - sizes[i], tok, sizes[i]), 0);
        /* and the gateway's own SPNEGO reader takes it back */
        {
            agw_spnego_token back;
            ck_assert_int_eq(agw_spnego_decode(out, n, &back), AGW_SPNEGO_OK);
            ck_assert_int_eq(back.kind, AGW_SPNEGO_INIT);
            ck_assert_uint_eq(back.n_mechs, 1);
            ck_assert(agw_spnego_oid_eq(&back.mechs[0], &agw_oid_krb5));
            ck_assert(back.has_token && back.token.len == sizes[i]);
            ck_assert(!back.has_mic && !back.has_req_flags);
        }
    }
}
END_TEST

START_TEST(spnego_too_big)
{
    size_t n = 0;
    ck_assert_ptr_null(agw_kcd_spnego(tp, (const unsigned char *)"",
                                            AGW_KCD_MAX_TOKEN + 1, &n));
}
END_TEST

/* --- the Kerberos mechanism's token -------------------------------------------- */

START_TEST(krb5_token)
{
    static const unsigned char ap_req[] = { 0x6e, 0x03, 0x02, 0x01, 0x05 };
    static const unsigned char want[] = {
        0x60, 0x12, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01,
        0x02, 0x02, 0x01, 0x00, 0x6e, 0x03, 0x02, 0x01, 0x05
    };
    size_t n = 0, m = 0;
    unsigned char *out = agw_gss_krb5_init_token(tp, ap_req, sizeof ap_req, &n);
    unsigned char *big;
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(n, sizeof want);
    ck_assert_int_eq(memcmp(out, want, n), 0);
    /* a real AP-REQ is ~1.5 KB: two length octets */
    big = apr_pcalloc(tp, 1500);
    out = agw_gss_krb5_init_token(tp, big, 1500, &m);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(m, 4 + 13 + 1500);
    ck_assert_uint_eq(out[1], 0x82);
    ck_assert_uint_eq(((size_t)out[2] << 8) | out[3], 13 + 1500);
    ck_assert_ptr_null(agw_gss_krb5_init_token(tp, big,
                                               AGW_KCD_MAX_TOKEN + 1, &m));
}
END_TEST

START_TEST(krb5_checksum)
{
    static const unsigned char want[AGW_GSS_CKSUM_LEN] = {
        0x10, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x30, 0x01, 0, 0
    };
    unsigned char out[AGW_GSS_CKSUM_LEN];
    memset(out, 0xee, sizeof out);
    agw_gss_krb5_checksum(out, 0x130);
    ck_assert_int_eq(memcmp(out, want, sizeof want), 0);
}
END_TEST

Suite *suite_kcd(void)
{
    Suite *s = suite_create("kcd");
    TCase *t = tcase_create("core");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_loop_test(t, spn_accepted, 0, sizeof spn_ok / sizeof spn_ok[0]);
    tcase_add_loop_test(t, spn_refused, 0, sizeof spn_bad / sizeof spn_bad[0]);
    tcase_add_test(t, spn_expanded);
    tcase_add_loop_test(t, url_host, 0, sizeof hosts / sizeof hosts[0]);
    tcase_add_test(t, spnego_short);
    tcase_add_test(t, spnego_lengths);
    tcase_add_test(t, spnego_too_big);
    tcase_add_test(t, krb5_token);
    tcase_add_test(t, krb5_checksum);
    suite_add_tcase(s, t);
    return s;
}
