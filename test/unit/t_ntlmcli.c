/* The gateway as an NTLM client: its messages checked by the server side of
 * the same codec, and the HTTP pieces of the handshake. */
#include <string.h>

#include "agw_challenge.h"
#include "agw_ntlm_crypto.h"
#include "agw_ntlmcli.h"
#include "agw_seal.h"
#include <apr_strings.h>

#include "suites.h"

/* A server's CHALLENGE with AV pairs (and a timestamp when ts). */
static size_t server_challenge(unsigned char *out, size_t cap,
                               const unsigned char sc[8], int ts)
{
    unsigned char ti[200];
    agw_ntlm_challenge c;
    agw_wbuf w;
    size_t n;

    agw_w_init(&w, ti, sizeof ti);
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_NB_DOMAIN, "GW");
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_NB_COMPUTER, "WEB");
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_DNS_DOMAIN, "gw.test");
    if (ts)
        agw_ntlm_av_put_u64(&w, AGW_NTLM_AV_TIMESTAMP,
                            agw_ntlm_filetime(1700000000000000LL));
    agw_ntlm_av_put_eol(&w);
    ck_assert_int_eq(w.err, 0);
    memset(&c, 0, sizeof c);
    c.flags = AGW_NTLMSSP_NEGOTIATE_UNICODE | AGW_NTLMSSP_NEGOTIATE_NTLM
              | AGW_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
              | AGW_NTLMSSP_NEGOTIATE_TARGET_INFO | AGW_NTLMSSP_NEGOTIATE_128
              | AGW_NTLMSSP_NEGOTIATE_KEY_EXCH | AGW_NTLMSSP_TARGET_TYPE_DOMAIN;
    c.target_name = "GW";
    memcpy(c.challenge, sc, 8);
    c.target_info.p = ti;
    c.target_info.len = w.len;
    ck_assert_int_eq(agw_ntlm_encode_challenge(&c, out, cap, &n), AGW_NTLM_OK);
    return n;
}

/* Client and server: the server's verdict on the client's AUTHENTICATE. */
static agw_ntlm_auth_status handshake(const char *client_pw, int ts,
                                      int require_mic, const char **user,
                                      const char *domain)
{
    unsigned char neg[64], chal[512], sc[8], nth[16], *auth;
    size_t nn, cn, an;
    agw_ntlm_negotiate nd;
    agw_ntlm_authenticate ad;
    agw_ntlm_resp r;
    agw_ntlm_server_in si;
    agw_ntlm_server_out so;

    ck_assert_int_eq(agw_ntlmcli_negotiate(neg, sizeof neg, &nn), AGW_NTLM_OK);
    ck_assert_int_eq(agw_ntlm_decode_negotiate(tp, neg, nn, &nd), AGW_NTLM_OK);
    ck_assert(nd.has_version);   /* gss-ntlmssp wants the 40-byte form */
    ck_assert(nd.flags & AGW_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY);
    agw_random(sc, sizeof sc);
    cn = server_challenge(chal, sizeof chal, sc, ts);
    ck_assert_int_eq(agw_ntlmcli_authenticate(tp, neg, nn, chal, cn, "ntalice",
                                              domain, client_pw,
                                              "HTTP/web.gw.test",
                                              agw_ntlm_filetime(1700000001000000LL),
                                              &auth, &an), AGW_NTLM_OK);
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, auth, an, &ad), AGW_NTLM_OK);
    ck_assert_int_eq(agw_ntlm_classify(tp, &ad, &r), AGW_NTLM_OK);
    ck_assert_int_eq(r.kind, AGW_NTLM_RESP_V2);
    ck_assert_str_eq(r.av.target_name, "HTTP/web.gw.test");
    ck_assert_str_eq(r.av.nb_computer, "WEB");  /* the server's pairs echoed */
    *user = apr_pstrcat(tp, ad.domain, "\\", ad.user, NULL);
    ck_assert_int_eq(agw_ntlm_nt_hash("Nt-Al1ce!pw", 11, nth), 0);
    memset(&si, 0, sizeof si);
    si.negotiate = neg;
    si.negotiate_len = nn;
    si.challenge = chal;
    si.challenge_len = cn;
    si.authenticate = auth;
    si.authenticate_len = an;
    si.auth = &ad;
    si.resp = &r;
    si.server_chal = sc;
    si.nt_hash = nth;
    si.require_mic = require_mic;
    return agw_ntlm_server_verify(&si, &so);
}

START_TEST(server_accepts_the_right_password)
{
    const char *user;
    /* with the server's timestamp: a MIC, which the server requires */
    ck_assert_int_eq(handshake("Nt-Al1ce!pw", 1, 1, &user, "GW"), AGW_NTLM_AUTH_OK);
    ck_assert_str_eq(user, "GW\\ntalice");
    ck_assert_int_eq(handshake("Nt-Al1ce!pw", 0, 0, &user, "GW"), AGW_NTLM_AUTH_OK);
    /* no domain given: the server's own (its TargetName) */
    ck_assert_int_eq(handshake("Nt-Al1ce!pw", 1, 1, &user, NULL), AGW_NTLM_AUTH_OK);
    ck_assert_str_eq(user, "GW\\ntalice");
}
END_TEST

START_TEST(server_refuses_another_password)
{
    const char *user;
    ck_assert_int_eq(handshake("Nt-Al1ce!old", 1, 1, &user, "GW"), AGW_NTLM_AUTH_WRONG);
}
END_TEST

START_TEST(garbage_challenge_is_an_error)
{
    unsigned char neg[64], *auth;
    size_t nn, an;
    ck_assert_int_eq(agw_ntlmcli_negotiate(neg, sizeof neg, &nn), AGW_NTLM_OK);
    ck_assert_int_ne(agw_ntlmcli_authenticate(tp, neg, nn, neg, nn, "a", "B",
                                              "pw", NULL, 0, &auth, &an),
                     AGW_NTLM_OK);
    ck_assert_int_ne(agw_ntlmcli_authenticate(tp, neg, nn,
                                              (const unsigned char *)"NTLMSSP", 8,
                                              "a", "B", "pw", NULL, 0, &auth, &an),
                     AGW_NTLM_OK);
}
END_TEST

START_TEST(challenge_token)
{
    ck_assert_str_eq(agw_challenge_token(tp, "NTLM TlRMTVNTUAACAAAA", "ntlm"),
                     "TlRMTVNTUAACAAAA");
    ck_assert_str_eq(agw_challenge_token(tp, "Basic realm=\"a, NTLM x\", NTLM "
                                         "TlRM+/9=", "NTLM"), "TlRM+/9=");
    ck_assert_str_eq(agw_challenge_token(tp, "Negotiate YIIB==, NTLM", "NTLM"), "");
    ck_assert_str_eq(agw_challenge_token(tp, "NTLM realm=\"x\"", "NTLM"), "");
    ck_assert_str_eq(agw_challenge_token(tp, "NTLM abc=d", "NTLM"), "");
    ck_assert_str_eq(agw_challenge_token(tp, "NTLM abc==", "NTLM"), "abc==");
    ck_assert_ptr_null(agw_challenge_token(tp, "NTLMX abc", "NTLM"));
    ck_assert_ptr_null(agw_challenge_token(tp, "Negotiate abc", "NTLM"));
    ck_assert_ptr_null(agw_challenge_token(tp, "", "NTLM"));
    ck_assert_ptr_null(agw_challenge_token(tp, NULL, "NTLM"));
}
END_TEST

START_TEST(status_and_headers)
{
    const char *n, *v;
    ck_assert_int_eq(agw_http_status_line("HTTP/1.1 401 Unauthorized", 25), 401);
    ck_assert_int_eq(agw_http_status_line("HTTP/1.0 200", 12), 200);
    ck_assert_int_eq(agw_http_status_line("HTTP/1.1 40 x", 13), -1);
    ck_assert_int_eq(agw_http_status_line("HTTP/1.1 099 x", 14), -1);
    ck_assert_int_eq(agw_http_status_line("HTTP/2 200", 10), -1);
    ck_assert_int_eq(agw_http_status_line("HTTP/1.1 2001", 13), -1);
    ck_assert_int_eq(agw_http_header_line(tp, "WWW-Authenticate:  NTLM x \t", 27,
                                          &n, &v), 0);
    ck_assert_str_eq(n, "WWW-Authenticate");
    ck_assert_str_eq(v, "NTLM x");
    ck_assert_int_eq(agw_http_header_line(tp, "X:", 2, &n, &v), 0);
    ck_assert_str_eq(v, "");
    ck_assert_int_eq(agw_http_header_line(tp, ": x", 3, &n, &v), -1);
    ck_assert_int_eq(agw_http_header_line(tp, "A B: x", 6, &n, &v), -1);
    ck_assert_int_eq(agw_http_header_line(tp, " folded", 7, &n, &v), -1);
    ck_assert_int_eq(agw_http_header_line(tp, "novalue", 7, &n, &v), -1);
}
END_TEST

START_TEST(head_rewrite)
{
    static const char head[] =
        "POST /app/x?y=1 HTTP/1.1\r\nHost: web\r\nAuthorization: Basic eA==\r\n"
        "Content-Length: 5\r\nconnection: close\r\nX-A: 1\r\n\r\n";
    static const char *const drop[] = { "Authorization", "Content-Length",
                                        "Connection", NULL };
    size_t n = sizeof head - 1, out;
    char *h;

    ck_assert_uint_eq(agw_http_head_end(head, n), n);
    ck_assert_uint_eq(agw_http_head_end(head, n - 1), 0);
    ck_assert_uint_eq(agw_http_head_end("GET / HTTP/1.1\r\n\r\nbody", 22), 18);
    h = agw_http_head_rewrite(tp, head, n, "HEAD", drop,
                              "Authorization: NTLM T\r\nConnection: keep-alive\r\n",
                              &out);
    ck_assert_ptr_nonnull(h);
    ck_assert_str_eq(apr_pstrmemdup(tp, h, out),
                     "HEAD /app/x?y=1 HTTP/1.1\r\nHost: web\r\nX-A: 1\r\n"
                     "Authorization: NTLM T\r\nConnection: keep-alive\r\n\r\n");
    h = agw_http_head_rewrite(tp, head, n, NULL, NULL, NULL, &out);
    ck_assert_str_eq(apr_pstrmemdup(tp, h, out), head);
    ck_assert_ptr_null(agw_http_head_rewrite(tp, head, n - 2, NULL, NULL, NULL, &out));
    ck_assert_ptr_null(agw_http_head_rewrite(tp, "GET\r\n\r\n", 7, NULL, NULL, NULL, &out));
    ck_assert_ptr_null(agw_http_head_rewrite(tp, "GET / HTTP/1.1\r\n folded\r\n\r\n",
                                             27, NULL, NULL, NULL, &out));
}
END_TEST

Suite *suite_ntlmcli(void)
{
    Suite *s = suite_create("ntlmcli");
    TCase *t = tcase_create("core");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, server_accepts_the_right_password);
    tcase_add_test(t, server_refuses_another_password);
    tcase_add_test(t, garbage_challenge_is_an_error);
    tcase_add_test(t, challenge_token);
    tcase_add_test(t, status_and_headers);
    tcase_add_test(t, head_rewrite);
    suite_add_tcase(s, t);
    return s;
}
