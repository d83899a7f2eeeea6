/* NTLM crypto: MD4 and RC4 against their RFCs, the MS-NLMP §4.2 vectors, a
 * real Windows 7 NTLMv2 logon, and whole client-server exchanges in memory. */
#include <stdlib.h>
#include <string.h>

#include "agw_b64.h"
#include "agw_md4rc4.h"
#include "agw_ntlm_crypto.h"
#include "agw_seal.h"
#include "t_ntlm.h"

/* MS-NLMP §4.2.1 common values. */
static const unsigned char server_chal[8] = { 0x01, 0x23, 0x45, 0x67,
                                              0x89, 0xab, 0xcd, 0xef };
static const unsigned char client_chal[8] = { 0xaa, 0xaa, 0xaa, 0xaa,
                                              0xaa, 0xaa, 0xaa, 0xaa };
static const unsigned char random_key[16] = {
    0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
    0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55
};

static void hex_eq(const unsigned char *got, size_t n, const char *hex)
{
    unsigned char want[256];
    size_t wn = t_unhex(hex, want, sizeof want);
    ck_assert_uint_eq(n, wn);
    ck_assert_mem_eq(got, want, n);
}

/* ---- MD4, RC4 ----------------------------------------------------------- */

/* RFC 1320 §A.5 */
static const struct { const char *in, *md; } md4_vec[] = {
    { "", "31d6cfe0d16ae931b73c59d7e0c089c0" },
    { "a", "bde52cb31de33e46245e05fbdbd6fb24" },
    { "abc", "a448017aaf21d8525fc10ae87aa6729d" },
    { "message digest", "d9130a8164549fe818874806e1c7014b" },
    { "abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9" },
    { "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
      "043f8582f241db351ce627e153e7f0e4" },
    { "1234567890123456789012345678901234567890"
      "1234567890123456789012345678901234567890",
      "e33b4ddc9c38f2199c3e7b164fcc0536" },
};

START_TEST(md4_rfc1320)
{
    unsigned char md[16];
    agw_md4(md4_vec[_i].in, strlen(md4_vec[_i].in), md);
    hex_eq(md, 16, md4_vec[_i].md);
}
END_TEST

/* RFC 6229 §2, the 40-bit key 0x0102030405: key stream at offsets 0, 16
 * and 240, drawn in uneven pieces. */
START_TEST(rc4_rfc6229)
{
    static const unsigned char key[5] = { 1, 2, 3, 4, 5 };
    unsigned char zero[256] = { 0 }, ks[256];
    agw_rc4 c;
    agw_rc4_init(&c, key, sizeof key);
    agw_rc4_crypt(&c, zero, ks, 7);
    agw_rc4_crypt(&c, zero, ks + 7, 200);
    agw_rc4_crypt(&c, zero, ks + 207, 49);
    hex_eq(ks, 16, "b2396305f03dc027ccc3524a0a1118a8");
    hex_eq(ks + 16, 16, "6982944f18fc82d589c403a47a0d0919");
    hex_eq(ks + 240, 16, "28cb1132c96ce286421dcaadb8b69eae");
    /* in place, and back */
    memcpy(ks, "attack at dawn", 14);
    agw_rc4_once(key, sizeof key, ks, ks, 14);
    ck_assert(memcmp(ks, "attack at dawn", 14) != 0);
    agw_rc4_once(key, sizeof key, ks, ks, 14);
    ck_assert_mem_eq(ks, "attack at dawn", 14);
}
END_TEST

/* ---- MS-NLMP §4.2.2: NTLMv1 --------------------------------------------- */

START_TEST(msnlmp_v1)
{
    unsigned char nth[16], resp[24], sbk[16], kx[16], enc[16];
    agw_ntlm_buf lm = { NULL, 0 };

    ck_assert_int_eq(agw_ntlm_nt_hash("Password", 8, nth), 0);
    hex_eq(nth, 16, "a4f49c406510bdcab6824ee7c30fd852");
    ck_assert_int_eq(agw_ntlm_v1_response(nth, server_chal, resp), 0);
    hex_eq(resp, 24, "67c43011f30298a2ad35ece64f16331c44bdbed927841f94");
    agw_ntlm_v1_session_base_key(nth, sbk);
    hex_eq(sbk, 16, "d87262b0cde4b1cb7499becccdf10784");
    /* §4.2.2.2: no LM_KEY, no NON_NT_SESSION_KEY: KXKEY = SessionBaseKey */
    ck_assert_int_eq(agw_ntlm_kxkey(AGW_NTLM_RESP_V1, 0, sbk, server_chal, &lm, kx), 0);
    ck_assert_mem_eq(kx, sbk, 16);
    agw_ntlm_encrypt_session_key(kx, random_key, enc);
    hex_eq(enc, 16, "518822b1b3f350c8958682ecbb3e3cb7");
    /* keys from the LM hash are not ours to make */
    ck_assert_int_eq(agw_ntlm_kxkey(AGW_NTLM_RESP_V1, AGW_NTLMSSP_NEGOTIATE_LM_KEY,
                                    sbk, server_chal, &lm, kx), -1);
    ck_assert_int_eq(agw_ntlm_kxkey(AGW_NTLM_RESP_V1,
                                    AGW_NTLMSSP_REQUEST_NON_NT_SESSION_KEY,
                                    sbk, server_chal, &lm, kx), -1);
}
END_TEST

/* ---- MS-NLMP §4.2.3: NTLMv1 with client challenge (NTLM2 session) ------- */

START_TEST(msnlmp_ntlm2_session)
{
    unsigned char nth[16], resp[24], sbk[16], kx[16], lmb[24] = { 0 };
    agw_ntlm_buf lm = { lmb, 24 };

    memcpy(lmb, client_chal, 8); /* §4.2.3.2.1: client challenge, Z(16) */
    agw_ntlm_nt_hash("Password", 8, nth);
    ck_assert_int_eq(agw_ntlm_ntlm2_response(nth, server_chal, client_chal, resp), 0);
    hex_eq(resp, 24, "7537f803ae367128ca458204bde7caf81e97ed2683267232");
    agw_ntlm_v1_session_base_key(nth, sbk);
    ck_assert_int_eq(agw_ntlm_kxkey(AGW_NTLM_RESP_NTLM2_SESSION,
                                    AGW_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
                                    sbk, server_chal, &lm, kx), 0);
    hex_eq(kx, 16, "eb93429a8bd952f8b89c55b87f475edc");
}
END_TEST

/* ---- MS-NLMP §4.2.4: NTLMv2 --------------------------------------------- */

START_TEST(msnlmp_v2)
{
    unsigned char nth[16], key[16], lm[24], nt[128], sbk[16], enc[16], av[64];
    unsigned char msg[256];
    size_t n, mn = t_unhex(T_MSNLMP_AUTH_V2, msg, sizeof msg);
    agw_wbuf w;

    agw_ntlm_nt_hash("Password", 8, nth);
    ck_assert_int_eq(agw_ntlm_ntowfv2(nth, "User", "Domain", key), 0);
    hex_eq(key, 16, "0c868a403bfd7a93a3001ef22ef02e3f");
    ck_assert_int_eq(agw_ntlm_lmv2_response(key, server_chal, client_chal, lm), 0);
    hex_eq(lm, 24, "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");

    /* the AV pairs of §4.2.4: NbDomainName "Domain", NbComputerName "Server" */
    agw_w_init(&w, av, sizeof av);
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_NB_DOMAIN, "Domain");
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_NB_COMPUTER, "Server");
    agw_ntlm_av_put_eol(&w);
    ck_assert_int_eq(agw_ntlm_v2_response(key, server_chal, client_chal, 0, av,
                                          w.len, nt, sizeof nt, &n), 0);
    hex_eq(nt, 16, "68cd0ab851e51c96aabc927bebef6a1c");
    /* the whole response is the one in the §4.2.4.3 AUTHENTICATE, at 0x84 */
    ck_assert_uint_eq(n, 0x54);
    ck_assert_mem_eq(nt, msg + 0x84, n);
    ck_assert_uint_eq(mn, 0xe8);
    ck_assert_int_eq(agw_ntlm_v2_session_base_key(key, nt, sbk), 0);
    hex_eq(sbk, 16, "8de40ccadbc14a82f15cb0ad0de95ca3");
    /* KXKEY = SessionBaseKey; §4.2.4.2.3 */
    agw_ntlm_encrypt_session_key(sbk, random_key, enc);
    hex_eq(enc, 16, "c5dad2544fc9799094ce1ce90bc9d03e");
    /* too small a buffer */
    ck_assert_int_eq(agw_ntlm_v2_response(key, server_chal, client_chal, 0, av,
                                          w.len, nt, n - 1, &n), -1);
}
END_TEST

/* The server checks the §4.2.4 and §4.2.2 AUTHENTICATE messages. */
static agw_ntlm_auth_status check_msg(const char *hex, const char *password,
                                      int allow_v1, agw_ntlm_server_out *so)
{
    static unsigned char msg[256];
    unsigned char nth[16];
    size_t n = t_unhex(hex, msg, sizeof msg);
    agw_ntlm_authenticate a;
    agw_ntlm_resp r;
    agw_ntlm_server_in in;

    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, msg, n, &a), AGW_NTLM_OK);
    ck_assert_int_eq(agw_ntlm_classify(tp, &a, &r), AGW_NTLM_OK);
    agw_ntlm_nt_hash(password, strlen(password), nth);
    memset(&in, 0, sizeof in);
    in.authenticate = msg;
    in.authenticate_len = n;
    in.auth = &a;
    in.resp = &r;
    in.server_chal = server_chal;
    in.nt_hash = nth;
    in.allow_v1 = allow_v1;
    return agw_ntlm_server_verify(&in, so);
}

START_TEST(server_checks_msnlmp_messages)
{
    agw_ntlm_server_out so;
    ck_assert_int_eq(check_msg(T_MSNLMP_AUTH_V2, "Password", 0, &so), AGW_NTLM_AUTH_OK);
    ck_assert(so.has_key);
    ck_assert_mem_eq(so.exported, random_key, 16); /* through KEY_EXCH */
    ck_assert_int_eq(check_msg(T_MSNLMP_AUTH_V2, "password", 0, &so),
                     AGW_NTLM_AUTH_WRONG);
    ck_assert(!so.has_key);

    ck_assert_int_eq(check_msg(T_MSNLMP_AUTH_V1, "Password", 0, &so),
                     AGW_NTLM_AUTH_V1_REFUSED);
    ck_assert_int_eq(check_msg(T_MSNLMP_AUTH_V1, "Password", 1, &so), AGW_NTLM_AUTH_OK);
    ck_assert(so.has_key);
    ck_assert_mem_eq(so.exported, random_key, 16);
    ck_assert_int_eq(check_msg(T_MSNLMP_AUTH_V1, "Passwort", 1, &so),
                     AGW_NTLM_AUTH_WRONG);
}
END_TEST

/* ---- a real NTLMv2 logon with MIC and channel bindings ------------------ */

/* A Windows 7 client (WIN7-2-PC, WS2008R2\Administrator, password P@ssw0rd)
 * to an HTTPS server, as kept in gss-ntlmssp's tests (T_NTLMv2_CBT); the
 * NEGOTIATE was not kept, so its MIC cannot be checked here. */
static const char win7_chal[] =
    "4e544c4d53535000020000001000100038000000058289a2a2c5e8ca3084aa72"
    "0000000000000000b600b600480000000601b01d0000000f5700530032003000"
    "3000380052003200020010005700530032003000300038005200320001001600"
    "440043002d005700530032003000300038005200320004001c00770073003200"
    "300030003800720032002e006c006f00630061006c0003003400440043002d00"
    "770073003200300030003800720032002e007700730032003000300038007200"
    "32002e006c006f00630061006c0005001c007700730032003000300038007200"
    "32002e006c006f00630061006c00070008007be73fc30bdecd0100000000";
static const char win7_auth[] =
    "4e544c4d535350000300000018001800940000007c017c01ac00000010001000"
    "580000001a001a006800000012001200820000000000000028020000058288a2"
    "0601b01d0000000ff054a542b090b66c1fea1a2cc82e930b5700530032003000"
    "3000380052003200410064006d0069006e006900730074007200610074006f00"
    "7200570049004e0037002d0032002d0050004300000000000000000000000000"
    "0000000000000000000000005a6a21ae1a44c044693eee59fc5d81e001010000"
    "000000007be73fc30bdecd0127fc118082c2fbdd000000000200100057005300"
    "32003000300038005200320001001600440043002d0057005300320030003000"
    "38005200320004001c00770073003200300030003800720032002e006c006f00"
    "630061006c0003003400440043002d0077007300320030003000380072003200"
    "2e00770073003200300030003800720032002e006c006f00630061006c000500"
    "1c00770073003200300030003800720032002e006c006f00630061006c000700"
    "08007be73fc30bdecd0106000400020000000800300030000000000000000100"
    "0000002000004d6b0d27541022f5ffa673da2bfcfdf1942f257be11a49c95419"
    "7aca8aaf2eaf0a0010006586e99d81c2fc984e47172fd4dd031009003e004800"
    "5400540050002f00640063002d00770073003200300030003800720032002e00"
    "770073003200300030003800720032002e006c006f00630061006c0000000000"
    "0000000000000000";

static const unsigned char win7_server_chal[8] = { 0xa2, 0xc5, 0xe8, 0xca,
                                                   0x30, 0x84, 0xaa, 0x72 };

START_TEST(windows7_ntlmv2)
{
    unsigned char chal[512], auth[1024], nth[16], key[16], sbk[16], cb[16];
    size_t cn = t_unhex(win7_chal, chal, sizeof chal);
    size_t an = t_unhex(win7_auth, auth, sizeof auth);
    agw_ntlm_challenge c;
    agw_ntlm_authenticate a;
    agw_ntlm_resp r;
    agw_ntlm_av sav;
    agw_ntlm_server_in in;
    agw_ntlm_server_out so;

    ck_assert_int_eq(agw_ntlm_decode_challenge(tp, chal, cn, &c), AGW_NTLM_OK);
    ck_assert_str_eq(c.target_name, "WS2008R2");
    ck_assert_int_eq(agw_ntlm_av_parse(tp, c.target_info.p, c.target_info.len, &sav),
                     AGW_NTLM_OK);
    ck_assert_str_eq(sav.dns_computer, "DC-ws2008r2.ws2008r2.local");
    ck_assert_str_eq(sav.dns_tree, "ws2008r2.local");
    ck_assert(sav.has_timestamp && sav.timestamp == 0x01cdde0bc33fe77bULL);

    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, auth, an, &a), AGW_NTLM_OK);
    ck_assert_str_eq(a.user, "Administrator");
    ck_assert_str_eq(a.domain, "WS2008R2");
    ck_assert_str_eq(a.workstation, "WIN7-2-PC");
    ck_assert(a.has_mic);
    hex_eq(a.mic, 16, "f054a542b090b66c1fea1a2cc82e930b");
    ck_assert_int_eq(agw_ntlm_classify(tp, &a, &r), AGW_NTLM_OK);
    ck_assert_int_eq(r.kind, AGW_NTLM_RESP_V2);
    ck_assert(r.av.has_flags && r.av.flags == AGW_NTLM_AVF_MIC);
    ck_assert(r.av.has_timestamp && r.timestamp == sav.timestamp);
    ck_assert_uint_eq(r.av.single_host.len, 48);
    hex_eq(r.av.channel_bindings.p, r.av.channel_bindings.len,
           "6586e99d81c2fc984e47172fd4dd0310");
    ck_assert_str_eq(r.av.target_name, "HTTP/dc-ws2008r2.ws2008r2.local");

    ck_assert_int_eq(agw_ntlm_nt_hash("P@ssw0rd", 8, nth), 0);
    hex_eq(nth, 16, "e19ccf75ee54e06b06a5907af13cef42");
    ck_assert_int_eq(agw_ntlm_ntowfv2(nth, a.user, a.domain, key), 0);
    ck_assert_int_eq(agw_ntlm_v2_verify(key, win7_server_chal, &r, sbk), 1);
    ck_assert_int_eq(agw_ntlm_v2_verify(key, server_chal, &r, sbk), 0);
    /* NTOWFv2 upper-cases the user name, not the domain */
    ck_assert_int_eq(agw_ntlm_ntowfv2(nth, "ADMINISTRATOR", a.domain, key), 0);
    ck_assert_int_eq(agw_ntlm_v2_verify(key, win7_server_chal, &r, sbk), 1);
    ck_assert_int_eq(agw_ntlm_ntowfv2(nth, a.user, "ws2008r2", key), 0);
    ck_assert_int_eq(agw_ntlm_v2_verify(key, win7_server_chal, &r, sbk), 0);

    /* The whole check: the MIC is announced, and without the NEGOTIATE it
     * cannot verify, so the logon is refused. */
    memset(&in, 0, sizeof in);
    in.challenge = chal;
    in.challenge_len = cn;
    in.authenticate = auth;
    in.authenticate_len = an;
    in.auth = &a;
    in.resp = &r;
    in.server_chal = win7_server_chal;
    in.nt_hash = nth;
    ck_assert_int_eq(agw_ntlm_server_verify(&in, &so), AGW_NTLM_AUTH_BAD_MIC);
    ck_assert(!so.has_key);
    in.server_chal = server_chal;
    ck_assert_int_eq(agw_ntlm_server_verify(&in, &so), AGW_NTLM_AUTH_WRONG);
    /* bindings are checked after the MIC; flip the announcement off in a
     * copy of r to reach them */
    {
        agw_ntlm_resp r2 = r;
        r2.av.flags = 0;
        in.resp = &r2;
        in.server_chal = win7_server_chal;
        t_unhex("6586e99d81c2fc984e47172fd4dd0310", cb, sizeof cb);
        in.cb16 = cb;
        ck_assert_int_eq(agw_ntlm_server_verify(&in, &so), AGW_NTLM_AUTH_OK);
        cb[0] ^= 1;
        ck_assert_int_eq(agw_ntlm_server_verify(&in, &so), AGW_NTLM_AUTH_BAD_BINDINGS);
        ck_assert(!so.has_key);
    }
}
END_TEST

/* ---- one-way function details ------------------------------------------- */

START_TEST(ntowfv2_upper_cases_user_names)
{
    unsigned char nth[16], a[16], b[16];
    agw_ntlm_nt_hash("x", 1, nth);
    /* Latin-1, Latin Extended-A, Greek (with tonos), Cyrillic */
    agw_ntlm_ntowfv2(nth, "j\xc3\xbcrgen "                    /* jürgen */
                     "\xc5\x82\xc3\xb3""d\xc5\xba "            /* łódź */
                     "\xcf\x83\xce\xbf\xcf\x86\xce\xaf\xce\xb1 " /* σοφία */
                     "\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd \xd1\x91", /* иван ё */
                     "D", a);
    agw_ntlm_ntowfv2(nth, "J\xc3\x9cRGEN "
                     "\xc5\x81\xc3\x93""D\xc5\xb9 "
                     "\xce\xa3\xce\x9f\xce\xa6\xce\x8a\xce\x91 "
                     "\xd0\x98\xd0\x92\xd0\x90\xd0\x9d \xd0\x81",
                     "D", b);
    ck_assert_mem_eq(a, b, 16);
    /* the domain keeps its case */
    agw_ntlm_ntowfv2(nth, "u", "d", a);
    agw_ntlm_ntowfv2(nth, "u", "D", b);
    ck_assert(memcmp(a, b, 16) != 0);
    /* sharp s has no one-unit upper case and stays */
    agw_ntlm_ntowfv2(nth, "\xc3\x9f", "D", a);
    agw_ntlm_ntowfv2(nth, "SS", "D", b);
    ck_assert(memcmp(a, b, 16) != 0);
    /* names that are not UTF-8 are refused */
    ck_assert_int_eq(agw_ntlm_ntowfv2(nth, "\xff", "D", a), -1);
}
END_TEST

START_TEST(nt_hash_limits)
{
    unsigned char h[16];
    char pw[AGW_NTLM_PASSWORD_MAX + 1];
    memset(pw, 'p', sizeof pw);
    ck_assert_int_eq(agw_ntlm_nt_hash(pw, AGW_NTLM_PASSWORD_MAX, h), 0);
    ck_assert_int_eq(agw_ntlm_nt_hash(pw, AGW_NTLM_PASSWORD_MAX + 1, h), -1);
    ck_assert_int_eq(agw_ntlm_nt_hash("\xc3", 1, h), -1);
    /* a non-ASCII password is hashed as UTF-16 */
    ck_assert_int_eq(agw_ntlm_nt_hash("\xc3\xa9", 2, h), 0);
    {
        unsigned char u16[2] = { 0xe9, 0x00 }, want[16];
        agw_md4(u16, 2, want);
        ck_assert_mem_eq(h, want, 16);
    }
}
END_TEST

START_TEST(exported_key_and_mic_edges)
{
    unsigned char kx[16] = { 9 }, out[16], mic[16], auth[100] = { 0 };
    agw_ntlm_buf short_key = { kx, 8 };
    ck_assert_int_eq(agw_ntlm_exported_key(0, kx, NULL, out), 0);
    ck_assert_mem_eq(out, kx, 16);
    ck_assert_int_eq(agw_ntlm_exported_key(AGW_NTLMSSP_NEGOTIATE_KEY_EXCH, kx,
                                           NULL, out), -1);
    ck_assert_int_eq(agw_ntlm_exported_key(AGW_NTLMSSP_NEGOTIATE_KEY_EXCH, kx,
                                           &short_key, out), -1);
    /* a message too short to hold a MIC */
    ck_assert_int_eq(agw_ntlm_mic(kx, NULL, 0, NULL, 0, auth, 87, mic), -1);
    ck_assert_int_eq(agw_ntlm_mic_verify(kx, NULL, 0, NULL, 0, auth, 87), 0);
    /* the MIC field is taken as zeros: what is in it does not change it */
    ck_assert_int_eq(agw_ntlm_mic(kx, NULL, 0, NULL, 0, auth, 88, mic), 0);
    memset(auth + AGW_NTLM_MIC_OFFSET, 0x77, 16);
    ck_assert_int_eq(agw_ntlm_mic(kx, NULL, 0, NULL, 0, auth, 88, out), 0);
    ck_assert_mem_eq(mic, out, 16);
    memcpy(auth + AGW_NTLM_MIC_OFFSET, mic, 16);
    ck_assert_int_eq(agw_ntlm_mic_verify(kx, NULL, 0, NULL, 0, auth, 88), 1);
}
END_TEST

TCase *tcase_ntlm_crypto(void)
{
    TCase *t = tcase_create("crypto");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_loop_test(t, md4_rfc1320, 0, sizeof md4_vec / sizeof md4_vec[0]);
    tcase_add_test(t, rc4_rfc6229);
    tcase_add_test(t, msnlmp_v1);
    tcase_add_test(t, msnlmp_ntlm2_session);
    tcase_add_test(t, msnlmp_v2);
    tcase_add_test(t, server_checks_msnlmp_messages);
    tcase_add_test(t, windows7_ntlmv2);
    tcase_add_test(t, ntowfv2_upper_cases_user_names);
    tcase_add_test(t, nt_hash_limits);
    tcase_add_test(t, exported_key_and_mic_edges);
    return t;
}

/* ---- whole exchanges in memory ------------------------------------------ */

typedef struct {
    const char *client_pw, *server_pw;
    int timestamp;          /* the CHALLENGE carries MsvAvTimestamp: MIC */
    int no_key_exch;
    const unsigned char *client_cb, *server_cb;
    int require_mic, require_cb;
    const char *server_user; /* NTOWFv2 salt the server tries, NULL: as sent */
    int tamper;              /* 1 MIC byte, 2 NEGOTIATE byte, 3 flags byte */
    int no_ti;               /* the CHALLENGE has no TargetInfo */
} xcfg;

#define CLIENT_FLAGS (AGW_NTLMSSP_NEGOTIATE_UNICODE | AGW_NTLMSSP_NEGOTIATE_OEM \
    | AGW_NTLMSSP_REQUEST_TARGET | AGW_NTLMSSP_NEGOTIATE_SIGN \
    | AGW_NTLMSSP_NEGOTIATE_NTLM | AGW_NTLMSSP_NEGOTIATE_ALWAYS_SIGN \
    | AGW_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY \
    | AGW_NTLMSSP_NEGOTIATE_VERSION | AGW_NTLMSSP_NEGOTIATE_128 \
    | AGW_NTLMSSP_NEGOTIATE_KEY_EXCH | AGW_NTLMSSP_NEGOTIATE_56)

static const unsigned char version[8] = { 10, 0, 0x63, 0x45, 0, 0, 0, 15 };

/* Client and server in one: NEGOTIATE, CHALLENGE, AUTHENTICATE, check. */
static agw_ntlm_auth_status exchange(const xcfg *x, agw_ntlm_server_out *so,
                                     unsigned char cexp[16], int *had_mic)
{
    unsigned char neg[64], chal[256], auth[512], ti[160], cnth[16], snth[16];
    unsigned char cc[8], rk[16], sc[8];
    size_t nn, cn, an;
    agw_ntlm_negotiate n = { 0 }, nd;
    agw_ntlm_challenge c = { 0 }, cd;
    agw_ntlm_authenticate ad;
    agw_ntlm_client_in ci;
    agw_ntlm_server_in si;
    agw_ntlm_resp r;
    agw_wbuf w;

    /* client: NEGOTIATE */
    n.flags = CLIENT_FLAGS & ~(x->no_key_exch ? AGW_NTLMSSP_NEGOTIATE_KEY_EXCH : 0);
    n.has_version = 1;
    memcpy(n.version, version, 8);
    ck_assert_int_eq(agw_ntlm_encode_negotiate(&n, neg, sizeof neg, &nn), AGW_NTLM_OK);

    /* server: CHALLENGE */
    ck_assert_int_eq(agw_ntlm_decode_negotiate(tp, neg, nn, &nd), AGW_NTLM_OK);
    ck_assert_int_eq(agw_random(sc, sizeof sc), 0);
    agw_w_init(&w, ti, sizeof ti);
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_NB_DOMAIN, "LAB");
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_NB_COMPUTER, "GW1");
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_DNS_DOMAIN, "lab.example");
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_DNS_COMPUTER, "gw1.lab.example");
    if (x->timestamp)
        agw_ntlm_av_put_u64(&w, AGW_NTLM_AV_TIMESTAMP,
                            agw_ntlm_filetime(1700000000000000LL));
    agw_ntlm_av_put_eol(&w);
    ck_assert_int_eq(w.err, 0);
    c.flags = (nd.flags & (CLIENT_FLAGS & ~AGW_NTLMSSP_NEGOTIATE_OEM))
              | AGW_NTLMSSP_NEGOTIATE_TARGET_INFO | AGW_NTLMSSP_TARGET_TYPE_DOMAIN;
    c.target_name = "LAB";
    memcpy(c.challenge, sc, 8);
    c.target_info.p = ti;
    c.target_info.len = w.len;
    if (x->no_ti) {
        c.flags &= ~AGW_NTLMSSP_NEGOTIATE_TARGET_INFO;
        c.target_info.p = NULL;
        c.target_info.len = 0;
    }
    c.has_version = 1;
    memcpy(c.version, version, 8);
    ck_assert_int_eq(agw_ntlm_encode_challenge(&c, chal, sizeof chal, &cn), AGW_NTLM_OK);

    /* client: AUTHENTICATE */
    ck_assert_int_eq(agw_ntlm_decode_challenge(tp, chal, cn, &cd), AGW_NTLM_OK);
    ck_assert_int_eq(agw_ntlm_nt_hash(x->client_pw, strlen(x->client_pw), cnth), 0);
    agw_random(cc, sizeof cc);
    agw_random(rk, sizeof rk);
    memset(&ci, 0, sizeof ci);
    ci.negotiate = neg;
    ci.negotiate_len = nn;
    ci.challenge = chal;
    ci.challenge_len = cn;
    ci.chal = &cd;
    ci.flags = n.flags;
    ci.user = "alice";
    ci.domain = "LAB";
    ci.workstation = "PC7";
    ci.nt_hash = cnth;
    ci.client_chal = cc;
    ci.random_key = rk;
    ci.now = agw_ntlm_filetime(1700000001000000LL);
    ci.cb16 = x->client_cb;
    ci.spn = "HTTP/gw1.lab.example";
    ci.has_version = 1;
    memcpy(ci.version, version, 8);
    ck_assert_int_eq(agw_ntlm_client_authenticate(tp, &ci, auth, sizeof auth, &an,
                                                  cexp), AGW_NTLM_OK);
    if (x->tamper == 1)
        auth[AGW_NTLM_MIC_OFFSET + 5] ^= 0x40;
    if (x->tamper == 2)
        neg[12] ^= AGW_NTLMSSP_NEGOTIATE_SIGN;
    if (x->tamper == 3)
        auth[60] &= (unsigned char)~AGW_NTLMSSP_NEGOTIATE_SIGN;

    /* server: check */
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, auth, an, &ad), AGW_NTLM_OK);
    ck_assert_str_eq(ad.user, "alice");
    ck_assert_str_eq(ad.domain, "LAB");
    ck_assert_str_eq(ad.workstation, "PC7");
    ck_assert_int_eq(agw_ntlm_classify(tp, &ad, &r), AGW_NTLM_OK);
    ck_assert_int_eq(r.kind, AGW_NTLM_RESP_V2);
    ck_assert_str_eq(r.av.target_name, "HTTP/gw1.lab.example");
    if (!x->no_ti)
        ck_assert_str_eq(r.av.dns_computer, "gw1.lab.example");
    *had_mic = ad.has_mic && r.av.has_flags && (r.av.flags & AGW_NTLM_AVF_MIC);
    ck_assert_int_eq(agw_ntlm_nt_hash(x->server_pw, strlen(x->server_pw), snth), 0);
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
    si.nt_hash = snth;
    si.user = x->server_user;
    si.require_mic = x->require_mic;
    si.cb16 = x->server_cb;
    si.require_cb = x->require_cb;
    return agw_ntlm_server_verify(&si, so);
}

static const unsigned char cb_a[16] = { 0xa1, 0xa2, 0xa3 };
static const unsigned char cb_b[16] = { 0xb1, 0xb2, 0xb3 };

START_TEST(exchange_with_mic)
{
    xcfg x = { .client_pw = "S3cret!", .server_pw = "S3cret!", .timestamp = 1 };
    agw_ntlm_server_out so;
    unsigned char cexp[16];
    int mic;
    ck_assert_int_eq(exchange(&x, &so, cexp, &mic), AGW_NTLM_AUTH_OK);
    ck_assert(mic);
    ck_assert(so.has_key);
    ck_assert_mem_eq(so.exported, cexp, 16);
}
END_TEST

START_TEST(exchange_wrong_password)
{
    xcfg x = { .client_pw = "S3cret!", .server_pw = "S3cret?", .timestamp = 1 };
    agw_ntlm_server_out so;
    unsigned char cexp[16];
    int mic;
    ck_assert_int_eq(exchange(&x, &so, cexp, &mic), AGW_NTLM_AUTH_WRONG);
    ck_assert(!so.has_key);
}
END_TEST

/* A changed MIC, NEGOTIATE or AUTHENTICATE flag fails the MIC. */
START_TEST(exchange_tampered)
{
    xcfg x = { .client_pw = "S3cret!", .server_pw = "S3cret!", .timestamp = 1,
               .tamper = _i + 1 };
    agw_ntlm_server_out so;
    unsigned char cexp[16];
    int mic;
    ck_assert_int_eq(exchange(&x, &so, cexp, &mic), AGW_NTLM_AUTH_BAD_MIC);
    ck_assert(!so.has_key);
}
END_TEST

START_TEST(exchange_without_timestamp)
{
    xcfg x = { .client_pw = "pw", .server_pw = "pw" };
    agw_ntlm_server_out so;
    unsigned char cexp[16];
    int mic;
    ck_assert_int_eq(exchange(&x, &so, cexp, &mic), AGW_NTLM_AUTH_OK);
    ck_assert(!mic);
    ck_assert_mem_eq(so.exported, cexp, 16);
    x.require_mic = 1;
    ck_assert_int_eq(exchange(&x, &so, cexp, &mic), AGW_NTLM_AUTH_BAD_MIC);
    x.tamper = 3; /* without a MIC, flags are not protected */
    x.require_mic = 0;
    ck_assert_int_eq(exchange(&x, &so, cexp, &mic), AGW_NTLM_AUTH_OK);
}
END_TEST

START_TEST(exchange_without_target_info)
{
    xcfg x = { .client_pw = "pw", .server_pw = "pw", .timestamp = 1,
               .no_ti = 1 };
    agw_ntlm_server_out so;
    unsigned char cexp[16];
    int mic;
    ck_assert_int_eq(exchange(&x, &so, cexp, &mic), AGW_NTLM_AUTH_OK);
    ck_assert(!mic); /* no server time, no MIC */
    ck_assert_mem_eq(so.exported, cexp, 16);
}
END_TEST

START_TEST(exchange_without_key_exchange)
{
    xcfg x = { .client_pw = "pw", .server_pw = "pw", .timestamp = 1,
               .no_key_exch = 1 };
    agw_ntlm_server_out so;
    unsigned char cexp[16];
    int mic;
    ck_assert_int_eq(exchange(&x, &so, cexp, &mic), AGW_NTLM_AUTH_OK);
    ck_assert(mic && so.has_key);
    ck_assert_mem_eq(so.exported, cexp, 16);
}
END_TEST

START_TEST(exchange_channel_bindings)
{
    xcfg x = { .client_pw = "pw", .server_pw = "pw", .timestamp = 1,
               .client_cb = cb_a, .server_cb = cb_a };
    agw_ntlm_server_out so;
    unsigned char cexp[16];
    int mic;
    ck_assert_int_eq(exchange(&x, &so, cexp, &mic), AGW_NTLM_AUTH_OK);
    x.server_cb = cb_b;
    ck_assert_int_eq(exchange(&x, &so, cexp, &mic), AGW_NTLM_AUTH_BAD_BINDINGS);
    x.client_cb = NULL; /* a client without bindings: fine unless required */
    ck_assert_int_eq(exchange(&x, &so, cexp, &mic), AGW_NTLM_AUTH_OK);
    x.require_cb = 1;
    ck_assert_int_eq(exchange(&x, &so, cexp, &mic), AGW_NTLM_AUTH_BAD_BINDINGS);
}
END_TEST

START_TEST(exchange_user_name_case)
{
    xcfg x = { .client_pw = "pw", .server_pw = "pw", .timestamp = 1,
               .server_user = "ALICE" };
    agw_ntlm_server_out so;
    unsigned char cexp[16];
    int mic;
    ck_assert_int_eq(exchange(&x, &so, cexp, &mic), AGW_NTLM_AUTH_OK);
    x.server_user = "bob";
    ck_assert_int_eq(exchange(&x, &so, cexp, &mic), AGW_NTLM_AUTH_WRONG);
}
END_TEST

/* Hand-made AUTHENTICATEs of the other kinds, through the server check. */
static agw_ntlm_auth_status check_kind(const char *user,
                                       const unsigned char *lm, size_t lmlen,
                                       const unsigned char *nt, size_t ntlen,
                                       uint32_t flags, const unsigned char *nth,
                                       int allow_v1, agw_ntlm_server_out *so)
{
    static unsigned char msg[256];
    agw_ntlm_authenticate a = { 0 };
    agw_ntlm_resp r;
    agw_ntlm_server_in in;
    size_t n;

    a.flags = flags | AGW_NTLMSSP_NEGOTIATE_UNICODE;
    a.lm.p = lm, a.lm.len = lmlen;
    a.nt.p = nt, a.nt.len = ntlen;
    a.user = user;
    ck_assert_int_eq(agw_ntlm_encode_authenticate(&a, msg, sizeof msg, &n), AGW_NTLM_OK);
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, msg, n, &a), AGW_NTLM_OK);
    if (agw_ntlm_classify(tp, &a, &r) != AGW_NTLM_OK)
        ck_assert_int_eq(r.kind, AGW_NTLM_RESP_INVALID);
    memset(&in, 0, sizeof in);
    in.authenticate = msg;
    in.authenticate_len = n;
    in.auth = &a;
    in.resp = &r;
    in.server_chal = server_chal;
    in.nt_hash = nth;
    in.allow_v1 = allow_v1;
    return agw_ntlm_server_verify(&in, so);
}

START_TEST(server_other_kinds)
{
    unsigned char nth[16], other[16], lm[24] = { 0 }, nt[24];
    static const unsigned char zero1[1] = { 0 };
    agw_ntlm_server_out so;

    agw_ntlm_nt_hash("Password", 8, nth);
    agw_ntlm_nt_hash("Passw0rd", 8, other);
    /* anonymous: nothing checked, nothing granted; with a user name, no
     * logon at all */
    ck_assert_int_eq(check_kind("", zero1, 1, NULL, 0, 0, nth, 1, &so),
                     AGW_NTLM_AUTH_ANONYMOUS);
    ck_assert_int_eq(check_kind("", NULL, 0, NULL, 0, 0, nth, 0, &so),
                     AGW_NTLM_AUTH_ANONYMOUS);
    ck_assert(!so.has_key);
    ck_assert_int_eq(check_kind("u", NULL, 0, NULL, 0, 0, nth, 0, &so),
                     AGW_NTLM_AUTH_MALFORMED);
    /* LM only */
    ck_assert_int_eq(check_kind("u", lm, 24, NULL, 0, 0, nth, 1, &so),
                     AGW_NTLM_AUTH_MALFORMED);

    /* NTLM2 session response */
    memcpy(lm, client_chal, 8);
    agw_ntlm_ntlm2_response(nth, server_chal, client_chal, nt);
    ck_assert_int_eq(check_kind("u", lm, 24, nt, 24,
                                AGW_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
                                nth, 0, &so), AGW_NTLM_AUTH_V1_REFUSED);
    ck_assert_int_eq(check_kind("u", lm, 24, nt, 24,
                                AGW_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
                                nth, 1, &so), AGW_NTLM_AUTH_OK);
    ck_assert(so.has_key);
    hex_eq(so.exported, 16, "eb93429a8bd952f8b89c55b87f475edc"); /* §4.2.3 */
    ck_assert_int_eq(check_kind("u", lm, 24, nt, 24,
                                AGW_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
                                other, 1, &so), AGW_NTLM_AUTH_WRONG);
    /* the same NT response read as NTLMv1 (ESS flag gone) does not match */
    ck_assert_int_eq(check_kind("u", lm, 24, nt, 24, 0, nth, 1, &so),
                     AGW_NTLM_AUTH_WRONG);

    /* NTLMv1 under LM_KEY: the logon holds, but no session key */
    agw_ntlm_v1_response(nth, server_chal, nt);
    ck_assert_int_eq(check_kind("u", nt, 24, nt, 24, AGW_NTLMSSP_NEGOTIATE_LM_KEY,
                                nth, 1, &so), AGW_NTLM_AUTH_OK);
    ck_assert(!so.has_key);
}
END_TEST

/* The ISA message is an NTLM2 session response: refused unless allowed. */
START_TEST(isa_ntlm2_refused_by_default)
{
    static const char b64[] =
        "TlRMTVNTUAADAAAAGAAYAHIAAAAYABgAigAAABIAEgBIAAAABgAGAFoAAAASABIAYAAAABAA"
        "EACiAAAANYKI4gUBKAoAAAAPTABBAEIAUwBNAE8ASwBFADMAXwBxAGEATABBAEIAUwBNAE8A"
        "SwBFADMA0NKq8HYYhj8AAAAAAAAAAAAAAAAAAAAAOIiih3mR+AkyM4r99sy1mdFonCu2ILOD"
        "ro1WTTrJ4b4JcXEzUBA2Ig==";
    static const unsigned char isa_chal[8] = { 0x96, 0xe0, 0x83, 0x60,
                                               0x77, 0x18, 0x23, 0xfb };
    unsigned char msg[256], nth[16];
    size_t n;
    agw_ntlm_authenticate a;
    agw_ntlm_resp r;
    agw_ntlm_server_in in;
    agw_ntlm_server_out so;

    ck_assert_int_eq(agw_b64std_decode(b64, strlen(b64), msg, sizeof msg, &n), 0);
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, msg, n, &a), AGW_NTLM_OK);
    ck_assert_int_eq(agw_ntlm_classify(tp, &a, &r), AGW_NTLM_OK);
    agw_ntlm_nt_hash("not-the-password", 16, nth);
    memset(&in, 0, sizeof in);
    in.auth = &a;
    in.resp = &r;
    in.server_chal = isa_chal;
    in.nt_hash = nth;
    ck_assert_int_eq(agw_ntlm_server_verify(&in, &so), AGW_NTLM_AUTH_V1_REFUSED);
    in.allow_v1 = 1;
    ck_assert_int_eq(agw_ntlm_server_verify(&in, &so), AGW_NTLM_AUTH_WRONG);
    ck_assert_str_eq(agw_ntlm_auth_reason(AGW_NTLM_AUTH_V1_REFUSED), "ntlmv1-refused");
}
END_TEST

TCase *tcase_ntlm_exchange(void)
{
    TCase *t = tcase_create("exchange");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, exchange_with_mic);
    tcase_add_test(t, exchange_wrong_password);
    tcase_add_loop_test(t, exchange_tampered, 0, 3);
    tcase_add_test(t, exchange_without_timestamp);
    tcase_add_test(t, exchange_without_target_info);
    tcase_add_test(t, exchange_without_key_exchange);
    tcase_add_test(t, exchange_channel_bindings);
    tcase_add_test(t, exchange_user_name_case);
    tcase_add_test(t, server_other_kinds);
    tcase_add_test(t, isa_ntlm2_refused_by_default);
    return t;
}
