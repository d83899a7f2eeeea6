/* RADIUS codec: the Access-Request and User-Password hiding.  The reply checks
 * are in t_radius_reply.c. */
#include <stdlib.h>
#include <string.h>

#include "t_radius.h"

/* RFC 2865 §7.1: user "nemo", password "arctangent", secret "xyzzy5461". */
static const unsigned char rfc_auth[16] = {
    0x0f, 0x40, 0x3f, 0x94, 0x73, 0x97, 0x80, 0x57,
    0xbd, 0x83, 0xd5, 0xcb, 0x98, 0xf4, 0x22, 0x7a
};
static const unsigned char rfc_hidden[16] = {
    0x0d, 0xbe, 0x70, 0x8d, 0x93, 0xd4, 0x13, 0xce,
    0x31, 0x96, 0xe4, 0x3f, 0x78, 0x2a, 0x0a, 0xee
};
/* Its Access-Accept: Service-Type Login, Login-Service Telnet,
 * Login-IP-Host 192.168.1.3, and no Message-Authenticator. */
static const unsigned char rfc_accept[38] = {
    0x02, 0x00, 0x00, 0x26, 0x86, 0xfe, 0x22, 0x0e,
    0x76, 0x24, 0xba, 0x2a, 0x10, 0x05, 0xf6, 0xbf,
    0x9b, 0x55, 0xe0, 0xb2, 0x06, 0x06, 0x00, 0x00,
    0x00, 0x01, 0x0f, 0x06, 0x00, 0x00, 0x00, 0x00,
    0x0e, 0x06, 0xc0, 0xa8, 0x01, 0x03
};
static const unsigned char nas_ip[4] = { 192, 168, 1, 16 };

#define SECRET "a-shared-secret-of-some-length"

static agw_radius_request full_request(void)
{
    static const unsigned char ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
    agw_radius_request rq = {
        .id = 42,
        .user = "alice", .user_len = 5,
        .password = "correct horse", .password_len = 13,
        .nas_ip4 = nas_ip, .nas_ip6 = ip6,
        .nas_id = "gw1", .nas_id_len = 3,
        .calling_station = "192.0.2.7", .calling_station_len = 9,
        .state = (const unsigned char *)"\x01\x00\x02", .state_len = 3,
    };
    return rq;
}

START_TEST(rfc2865_password_hiding)
{
    unsigned char out[AGW_RADIUS_MAX_PASSWORD];
    size_t n = 0;
    ck_assert_int_eq(agw_radius_hide_password("xyzzy5461", 9, rfc_auth,
                                              "arctangent", 10, out, &n),
                     AGW_RADIUS_OK);
    ck_assert_uint_eq(n, 16);
    ck_assert_mem_eq(out, rfc_hidden, 16);
}
END_TEST

START_TEST(rfc2865_request_carries_the_hidden_password)
{
    agw_radius_request rq = {
        .id = 0, .authenticator = rfc_auth,
        .user = "nemo", .user_len = 4,
        .password = "arctangent", .password_len = 10,
        .nas_ip4 = nas_ip,
    };
    unsigned char pkt[AGW_RADIUS_MAX_LEN];
    const unsigned char *v;
    size_t n = 0, vlen = 0;
    agw_radius_pending sent;

    ck_assert_int_eq(agw_radius_build_request(&rq, "xyzzy5461", 9, pkt,
                                              sizeof pkt, &n, &sent),
                     AGW_RADIUS_OK);
    /* The RFC's packet plus our Message-Authenticator (and no NAS-Port). */
    ck_assert_uint_eq(n, 20 + 18 + 6 + 18 + 6);
    ck_assert_mem_eq(pkt + 4, rfc_auth, 16);
    v = srv_find(pkt, n, AGW_RADIUS_USER_PASSWORD, 0, &vlen);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(vlen, 16);
    ck_assert_mem_eq(v, rfc_hidden, 16);
    v = srv_find(pkt, n, AGW_RADIUS_USER_NAME, 0, &vlen);
    ck_assert_uint_eq(vlen, 4);
    ck_assert_mem_eq(v, "nemo", 4);
    ck_assert(srv_request_ma_ok(pkt, n, "xyzzy5461"));
}
END_TEST

START_TEST(rfc2865_response_authenticator)
{
    /* The Accept verifies (so the refusal is for the missing HMAC, not the
     * MD5), and any one changed byte makes it fail some earlier check. */
    agw_radius_pending sent = { .id = 0 };
    agw_radius_reply rp;
    unsigned char pkt[sizeof rfc_accept], ra[16];
    srv_pkt k;
    size_t i;

    memcpy(sent.auth, rfc_auth, 16);
    memcpy(pkt, rfc_accept, sizeof pkt);
    ck_assert_int_eq(agw_radius_decode_reply(tp, &sent, "xyzzy5461", 9, pkt,
                                             sizeof pkt, &rp),
                     AGW_RADIUS_NO_MA);
    for (i = 0; i < sizeof pkt; i++) {
        agw_radius_status st;
        pkt[i] ^= 0x40;
        st = agw_radius_decode_reply(tp, &sent, "xyzzy5461", 9, pkt,
                                     sizeof pkt, &rp);
        ck_assert_msg(st != AGW_RADIUS_NO_MA && st != AGW_RADIUS_OK,
                      "byte %zu: %s", i, agw_radius_reason(st));
        pkt[i] ^= 0x40;
    }
    /* The test server's signer agrees with the RFC too. */
    memcpy(k.b, rfc_accept, sizeof rfc_accept);
    k.len = sizeof rfc_accept;
    memcpy(ra, k.b + 4, 16);
    memset(k.b + 4, 0, 16);
    srv_sign_ra(&k, rfc_auth, "xyzzy5461");
    ck_assert_mem_eq(k.b + 4, ra, 16);
}
END_TEST

START_TEST(password_hiding_lengths)
{
    static const size_t lens[] = { 0, 1, 15, 16, 17, 31, 32, 127, 128 };
    unsigned char pw[AGW_RADIUS_MAX_PASSWORD + 1], out[AGW_RADIUS_MAX_PASSWORD],
        back[AGW_RADIUS_MAX_PASSWORD];
    size_t i, n;

    for (i = 0; i < sizeof pw; i++)
        pw[i] = (unsigned char)('a' + i % 26);
    for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        size_t want = lens[i] == 0 ? 16 : (lens[i] + 15) / 16 * 16, j;
        n = 0;
        ck_assert_int_eq(agw_radius_hide_password(SECRET, strlen(SECRET),
                                                  rfc_auth, pw, lens[i], out, &n),
                         AGW_RADIUS_OK);
        ck_assert_uint_eq(n, want);
        srv_unhide(SECRET, rfc_auth, out, n, back);
        ck_assert_mem_eq(back, pw, lens[i]);
        for (j = lens[i]; j < n; j++)
            ck_assert_uint_eq(back[j], 0);
    }
    ck_assert_int_eq(agw_radius_hide_password(SECRET, strlen(SECRET), rfc_auth,
                                              pw, 129, out, &n),
                     AGW_RADIUS_PASSWORD_TOO_LONG);
    ck_assert_int_eq(agw_radius_hide_password("", 0, rfc_auth, pw, 3, out, &n),
                     AGW_RADIUS_NO_SECRET);
}
END_TEST

START_TEST(password_lengths_in_requests)
{
    static const size_t lens[] = { 0, 16, 17, 128, 129 };
    char pw[130];
    unsigned char pkt[AGW_RADIUS_MAX_LEN], back[AGW_RADIUS_MAX_PASSWORD];
    size_t i;

    memset(pw, 'p', sizeof pw);
    for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        agw_radius_request rq = full_request();
        agw_radius_pending sent;
        const unsigned char *v;
        size_t n = 0, vlen = 0;
        agw_radius_status st;
        rq.password = pw;
        rq.password_len = lens[i];
        st = agw_radius_build_request(&rq, SECRET, strlen(SECRET), pkt,
                                      sizeof pkt, &n, &sent);
        if (lens[i] > 128) {
            ck_assert_int_eq(st, AGW_RADIUS_PASSWORD_TOO_LONG);
            continue;
        }
        ck_assert_int_eq(st, AGW_RADIUS_OK);
        v = srv_find(pkt, n, AGW_RADIUS_USER_PASSWORD, 0, &vlen);
        ck_assert_ptr_nonnull(v);
        ck_assert_uint_eq(vlen, lens[i] == 0 ? 16 : (lens[i] + 15) / 16 * 16);
        srv_unhide(SECRET, sent.auth, v, vlen, back);
        ck_assert_mem_eq(back, pw, lens[i]);
    }
}
END_TEST

START_TEST(request_layout)
{
    agw_radius_request rq = full_request();
    unsigned char pkt[AGW_RADIUS_MAX_LEN];
    static const int order[] = {
        AGW_RADIUS_MESSAGE_AUTHENTICATOR, AGW_RADIUS_USER_NAME,
        AGW_RADIUS_USER_PASSWORD, AGW_RADIUS_NAS_IP_ADDRESS,
        AGW_RADIUS_NAS_IPV6_ADDRESS, AGW_RADIUS_NAS_IDENTIFIER,
        AGW_RADIUS_CALLING_STATION_ID, AGW_RADIUS_STATE
    };
    agw_radius_pending sent;
    size_t n = 0, off = 20, i = 0, vlen;
    const unsigned char *v;

    ck_assert_int_eq(agw_radius_build_request(&rq, SECRET, strlen(SECRET), pkt,
                                              sizeof pkt, &n, &sent),
                     AGW_RADIUS_OK);
    ck_assert_uint_eq(pkt[0], AGW_RADIUS_ACCESS_REQUEST);
    ck_assert_uint_eq(pkt[1], 42);
    ck_assert_uint_eq((size_t)pkt[2] << 8 | pkt[3], n);
    ck_assert_uint_eq(sent.id, 42);
    ck_assert_mem_eq(sent.auth, pkt + 4, 16);
    /* Message-Authenticator first, then the rest in the documented order. */
    while (off < n) {
        ck_assert_uint_lt(i, sizeof order / sizeof order[0]);
        ck_assert_int_eq(pkt[off], order[i]);
        ck_assert_uint_ge(pkt[off + 1], 3);
        off += pkt[off + 1];
        i++;
    }
    ck_assert_uint_eq(off, n);
    ck_assert_uint_eq(i, sizeof order / sizeof order[0]);
    ck_assert_uint_eq(pkt[21], 18);
    ck_assert(srv_request_ma_ok(pkt, n, SECRET));
    ck_assert(!srv_request_ma_ok(pkt, n, SECRET "x"));
    v = srv_find(pkt, n, AGW_RADIUS_NAS_IPV6_ADDRESS, 0, &vlen);
    ck_assert_uint_eq(vlen, 16);
    ck_assert_uint_eq(v[0], 0x20);
    v = srv_find(pkt, n, AGW_RADIUS_STATE, 0, &vlen);
    ck_assert_uint_eq(vlen, 3);
    ck_assert_mem_eq(v, "\x01\x00\x02", 3);
    v = srv_find(pkt, n, AGW_RADIUS_CALLING_STATION_ID, 0, &vlen);
    ck_assert_mem_eq(v, "192.0.2.7", 9);
    v = srv_find(pkt, n, AGW_RADIUS_NAS_IP_ADDRESS, 0, &vlen);
    ck_assert_mem_eq(v, nas_ip, 4);
}
END_TEST

START_TEST(random_authenticators_differ)
{
    agw_radius_request rq = full_request();
    unsigned char a[AGW_RADIUS_MAX_LEN], b[AGW_RADIUS_MAX_LEN];
    agw_radius_pending sa, sb;
    size_t na, nb;

    ck_assert_int_eq(agw_radius_build_request(&rq, SECRET, strlen(SECRET), a,
                                              sizeof a, &na, &sa), AGW_RADIUS_OK);
    ck_assert_int_eq(agw_radius_build_request(&rq, SECRET, strlen(SECRET), b,
                                              sizeof b, &nb, &sb), AGW_RADIUS_OK);
    ck_assert_uint_eq(na, nb);
    ck_assert(memcmp(sa.auth, sb.auth, 16) != 0);
    ck_assert_mem_eq(sa.auth, a + 4, 16);
    ck_assert_mem_eq(sb.auth, b + 4, 16);
    /* A retransmission reuses the authenticator and gets the same bytes. */
    rq.authenticator = sa.auth;
    ck_assert_int_eq(agw_radius_build_request(&rq, SECRET, strlen(SECRET), b,
                                              sizeof b, &nb, &sb), AGW_RADIUS_OK);
    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(a, b, na);
}
END_TEST

START_TEST(value_limits)
{
    char big[300];
    unsigned char pkt[AGW_RADIUS_MAX_LEN];
    agw_radius_pending sent;
    size_t n;
    int field;

    memset(big, 'v', sizeof big);
    for (field = 0; field < 4; field++) {
        size_t len;
        for (len = 252; len <= 255; len++) {
            agw_radius_request rq = full_request();
            agw_radius_status want = len <= 253 ? AGW_RADIUS_OK
                                                : AGW_RADIUS_VALUE_TOO_LARGE;
            switch (field) {
            case 0: rq.user = big; rq.user_len = len; break;
            case 1: rq.nas_id = big; rq.nas_id_len = len; break;
            case 2: rq.calling_station = big; rq.calling_station_len = len; break;
            default:
                rq.state = (const unsigned char *)big;
                rq.state_len = len;
            }
            ck_assert_int_eq(agw_radius_build_request(&rq, SECRET,
                                                      strlen(SECRET), pkt,
                                                      sizeof pkt, &n, &sent),
                             want);
        }
    }
}
END_TEST

START_TEST(every_short_buffer_is_refused)
{
    /* Buffers of exactly cap bytes, so ASan sees any write past them. */
    agw_radius_request rq = full_request();
    unsigned char full[AGW_RADIUS_MAX_LEN];
    agw_radius_pending sent;
    size_t n = 0, cap, m;

    ck_assert_int_eq(agw_radius_build_request(&rq, SECRET, strlen(SECRET), full,
                                              sizeof full, &n, &sent),
                     AGW_RADIUS_OK);
    for (cap = 0; cap <= n; cap++) {
        unsigned char *buf = malloc(cap ? cap : 1);
        ck_assert_int_eq(agw_radius_build_request(&rq, SECRET, strlen(SECRET),
                                                  buf, cap, &m, &sent),
                         cap < n ? AGW_RADIUS_PACKET_TOO_LARGE : AGW_RADIUS_OK);
        free(buf);
    }
}
END_TEST

START_TEST(missing_and_empty)
{
    unsigned char pkt[AGW_RADIUS_MAX_LEN];
    agw_radius_pending sent;
    agw_radius_request rq;
    size_t n;

#define BUILD(r) agw_radius_build_request(&(r), SECRET, strlen(SECRET), pkt, \
                                          sizeof pkt, &n, &sent)
    rq = full_request();
    rq.user = NULL;
    ck_assert_int_eq(BUILD(rq), AGW_RADIUS_MISSING_ATTRIBUTE);
    rq = full_request();
    rq.nas_ip4 = NULL;
    rq.nas_ip6 = NULL;
    rq.nas_id = NULL;
    ck_assert_int_eq(BUILD(rq), AGW_RADIUS_MISSING_ATTRIBUTE);
    rq.nas_id = "gw";
    rq.nas_id_len = 2;
    ck_assert_int_eq(BUILD(rq), AGW_RADIUS_OK);
    rq = full_request();
    rq.nas_ip4 = NULL;
    rq.nas_id = NULL;
    ck_assert_int_eq(BUILD(rq), AGW_RADIUS_OK); /* IPv6 alone identifies */
    rq = full_request();
    rq.password = NULL;
    rq.state = NULL;
    ck_assert_int_eq(BUILD(rq), AGW_RADIUS_MISSING_ATTRIBUTE);
    rq = full_request();
    rq.password = NULL;                        /* a State alone will do */
    ck_assert_int_eq(BUILD(rq), AGW_RADIUS_OK);
    ck_assert_ptr_null(srv_find(pkt, n, AGW_RADIUS_USER_PASSWORD, 0, &n));

    rq = full_request();
    rq.user_len = 0;
    ck_assert_int_eq(BUILD(rq), AGW_RADIUS_EMPTY_VALUE);
    rq = full_request();
    rq.nas_id_len = 0;
    ck_assert_int_eq(BUILD(rq), AGW_RADIUS_EMPTY_VALUE);
    rq = full_request();
    rq.calling_station_len = 0;
    ck_assert_int_eq(BUILD(rq), AGW_RADIUS_EMPTY_VALUE);
    rq = full_request();
    rq.state_len = 0;
    ck_assert_int_eq(BUILD(rq), AGW_RADIUS_EMPTY_VALUE);
    rq = full_request();
    ck_assert_int_eq(agw_radius_build_request(&rq, "", 0, pkt, sizeof pkt, &n,
                                              &sent),
                     AGW_RADIUS_NO_SECRET);
#undef BUILD
}
END_TEST

START_TEST(reasons_are_distinct)
{
    int a, b;
    for (a = AGW_RADIUS_OK; a <= AGW_RADIUS_NUL_IN_TEXT; a++) {
        const char *ra = agw_radius_reason((agw_radius_status)a);
        ck_assert_str_ne(ra, "unknown");
        for (b = a + 1; b <= AGW_RADIUS_NUL_IN_TEXT; b++)
            ck_assert_str_ne(ra, agw_radius_reason((agw_radius_status)b));
    }
    ck_assert_str_eq(agw_radius_reason(AGW_RADIUS_NO_MA),
                     "no-message-authenticator");
}
END_TEST

TCase *tcase_radius_request(void)
{
    TCase *t = tcase_create("request");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, rfc2865_password_hiding);
    tcase_add_test(t, rfc2865_request_carries_the_hidden_password);
    tcase_add_test(t, rfc2865_response_authenticator);
    tcase_add_test(t, password_hiding_lengths);
    tcase_add_test(t, password_lengths_in_requests);
    tcase_add_test(t, request_layout);
    tcase_add_test(t, random_authenticators_differ);
    tcase_add_test(t, value_limits);
    tcase_add_test(t, every_short_buffer_is_refused);
    tcase_add_test(t, missing_and_empty);
    tcase_add_test(t, reasons_are_distinct);
    return t;
}

Suite *suite_radius(void)
{
    Suite *s = suite_create("radius");
    suite_add_tcase(s, tcase_radius_request());
    suite_add_tcase(s, tcase_radius_reply());
    return s;
}
