/* RADIUS codec: checking replies.  Each test sends a real request through the
 * codec, answers it with the test server of t_radius_srv.c, and decodes. */
#include <string.h>

#include "t_radius.h"

#define SECRET "s3cret-shared-with-the-radius-server"
#define SLEN (sizeof SECRET - 1)

static const unsigned char nas_ip[4] = { 10, 0, 0, 1 };

/* Sends a request for alice and returns what the reply must match. */
static agw_radius_pending send_request(void)
{
    agw_radius_request rq = {
        .id = 7,
        .user = "alice", .user_len = 5,
        .password = "pw", .password_len = 2,
        .nas_ip4 = nas_ip,
    };
    unsigned char pkt[AGW_RADIUS_MAX_LEN];
    agw_radius_pending sent;
    size_t n;
    ck_assert_int_eq(agw_radius_build_request(&rq, SECRET, SLEN, pkt,
                                              sizeof pkt, &n, &sent),
                     AGW_RADIUS_OK);
    return sent;
}

static agw_radius_status decode(const agw_radius_pending *sent,
                                const unsigned char *b, size_t n,
                                agw_radius_reply *rp)
{
    return agw_radius_decode_reply(tp, sent, SECRET, SLEN, b, n, rp);
}

/* A signed reply of a code: Message-Authenticator first, a Reply-Message. */
static void simple_reply(srv_pkt *k, const agw_radius_pending *sent, int code)
{
    srv_start(k, code, sent->id);
    srv_ma(k);
    srv_attr(k, AGW_RADIUS_REPLY_MESSAGE, "hello", 5);
    srv_sign(k, sent->auth, SECRET);
}

START_TEST(accept_round_trip)
{
    agw_radius_pending sent = send_request();
    static const unsigned char timeout[4] = { 0, 0, 0x0e, 0x10 };
    agw_radius_reply rp;
    const agw_radius_octets *o;
    srv_pkt k;

    srv_start(&k, AGW_RADIUS_ACCESS_ACCEPT, sent.id);
    srv_ma(&k);
    srv_attr(&k, AGW_RADIUS_REPLY_MESSAGE, "Welcome, ", 9);
    srv_attr(&k, AGW_RADIUS_CLASS, "\x00\x01", 2);
    srv_attr(&k, AGW_RADIUS_FILTER_ID, "staff", 5);
    srv_attr(&k, 6, "\x00\x00\x00\x01", 4); /* Service-Type: ignored */
    srv_attr(&k, AGW_RADIUS_REPLY_MESSAGE, "alice.", 6);
    srv_attr(&k, AGW_RADIUS_SESSION_TIMEOUT, timeout, 4);
    srv_attr(&k, AGW_RADIUS_CLASS, "second", 6);
    srv_attr(&k, AGW_RADIUS_FILTER_ID, "vpn", 3);
    srv_attr(&k, 26, "\x00\x00\x01\x37\x01\x03x", 7); /* a VSA: ignored */
    srv_sign(&k, sent.auth, SECRET);

    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_OK);
    ck_assert_int_eq(rp.code, AGW_RADIUS_ACCESS_ACCEPT);
    ck_assert_str_eq(rp.message, "Welcome, alice.");
    ck_assert_uint_eq(rp.message_len, 15);
    ck_assert_ptr_null(rp.state.p);
    ck_assert_int_eq(rp.classes->nelts, 2);
    o = &APR_ARRAY_IDX(rp.classes, 0, agw_radius_octets);
    ck_assert_uint_eq(o->len, 2);
    ck_assert_mem_eq(o->p, "\x00\x01", 2);
    o = &APR_ARRAY_IDX(rp.classes, 1, agw_radius_octets);
    ck_assert_uint_eq(o->len, 6);
    ck_assert_mem_eq(o->p, "second", 6);
    ck_assert_int_eq(rp.filter_ids->nelts, 2);
    ck_assert_str_eq((const char *)APR_ARRAY_IDX(rp.filter_ids, 0,
                                                 agw_radius_octets).p, "staff");
    ck_assert_str_eq((const char *)APR_ARRAY_IDX(rp.filter_ids, 1,
                                                 agw_radius_octets).p, "vpn");
    ck_assert(rp.has_session_timeout);
    ck_assert_uint_eq(rp.session_timeout, 3600);
}
END_TEST

START_TEST(challenge_state_is_echoed)
{
    agw_radius_pending sent = send_request(), sent2;
    static const unsigned char state[] = { 0x00, 0xff, 0x10, 0x00, 0x42 };
    agw_radius_reply rp;
    agw_radius_request rq = {
        .id = 8, .user = "alice", .user_len = 5,
        .password = "123456", .password_len = 6, .nas_ip4 = nas_ip,
    };
    unsigned char pkt[AGW_RADIUS_MAX_LEN];
    const unsigned char *v;
    size_t n, vlen = 0;
    srv_pkt k;

    srv_start(&k, AGW_RADIUS_ACCESS_CHALLENGE, sent.id);
    srv_attr(&k, AGW_RADIUS_REPLY_MESSAGE, "Enter your ", 11);
    srv_attr(&k, AGW_RADIUS_STATE, state, sizeof state);
    srv_attr(&k, AGW_RADIUS_REPLY_MESSAGE, "one-time code", 13);
    srv_ma(&k); /* last: a server may put it anywhere */
    srv_sign(&k, sent.auth, SECRET);
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_OK);
    ck_assert_int_eq(rp.code, AGW_RADIUS_ACCESS_CHALLENGE);
    ck_assert_str_eq(rp.message, "Enter your one-time code");
    ck_assert_uint_eq(rp.state.len, sizeof state);
    ck_assert_mem_eq(rp.state.p, state, sizeof state);
    ck_assert_int_eq(rp.classes->nelts, 0);
    ck_assert(!rp.has_session_timeout);

    rq.state = rp.state.p;
    rq.state_len = rp.state.len;
    ck_assert_int_eq(agw_radius_build_request(&rq, SECRET, SLEN, pkt,
                                              sizeof pkt, &n, &sent2),
                     AGW_RADIUS_OK);
    v = srv_find(pkt, n, AGW_RADIUS_STATE, 0, &vlen);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(vlen, sizeof state);
    ck_assert_mem_eq(v, state, sizeof state);
}
END_TEST

START_TEST(reject_without_message)
{
    agw_radius_pending sent = send_request();
    agw_radius_reply rp;
    srv_pkt k;

    srv_start(&k, AGW_RADIUS_ACCESS_REJECT, sent.id);
    srv_ma(&k);
    srv_sign(&k, sent.auth, SECRET);
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_OK);
    ck_assert_int_eq(rp.code, AGW_RADIUS_ACCESS_REJECT);
    ck_assert_str_eq(rp.message, "");
    ck_assert_uint_eq(rp.message_len, 0);
}
END_TEST

START_TEST(no_message_authenticator_is_refused)
{
    /* BlastRADIUS: whatever the code, an MD5-only reply is not enough. */
    static const int codes[] = { AGW_RADIUS_ACCESS_ACCEPT,
                                 AGW_RADIUS_ACCESS_REJECT,
                                 AGW_RADIUS_ACCESS_CHALLENGE };
    agw_radius_pending sent = send_request();
    agw_radius_reply rp;
    srv_pkt k;
    size_t i;

    for (i = 0; i < 3; i++) {
        srv_start(&k, codes[i], sent.id);
        srv_attr(&k, AGW_RADIUS_REPLY_MESSAGE, "hi", 2);
        srv_sign(&k, sent.auth, SECRET);
        ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_NO_MA);
        srv_start(&k, codes[i], sent.id);
        srv_sign(&k, sent.auth, SECRET); /* no attributes at all */
        ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_NO_MA);
    }
}
END_TEST

START_TEST(wrong_message_authenticator)
{
    agw_radius_pending sent = send_request();
    agw_radius_reply rp;
    unsigned char other_auth[16];
    srv_pkt k;
    int i;

    /* Any changed bit of the HMAC, with the MD5 recomputed to match. */
    for (i = 0; i < 16 * 8; i++) {
        simple_reply(&k, &sent, AGW_RADIUS_ACCESS_ACCEPT);
        k.b[22 + i / 8] ^= (unsigned char)(1 << (i % 8));
        srv_sign_ra(&k, sent.auth, SECRET);
        ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_BAD_MA);
    }
    /* Keyed with another secret. */
    simple_reply(&k, &sent, AGW_RADIUS_ACCESS_ACCEPT);
    srv_sign_ma(&k, sent.auth, SECRET "!");
    srv_sign_ra(&k, sent.auth, SECRET);
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_BAD_MA);
    /* Computed over another request's authenticator. */
    memcpy(other_auth, sent.auth, 16);
    other_auth[0] ^= 1;
    simple_reply(&k, &sent, AGW_RADIUS_ACCESS_ACCEPT);
    srv_sign_ma(&k, other_auth, SECRET);
    srv_sign_ra(&k, sent.auth, SECRET);
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_BAD_MA);
    /* Left as zeros. */
    srv_start(&k, AGW_RADIUS_ACCESS_ACCEPT, sent.id);
    srv_ma(&k);
    srv_set_length(&k);
    srv_sign_ra(&k, sent.auth, SECRET);
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_BAD_MA);
}
END_TEST

START_TEST(two_message_authenticators)
{
    agw_radius_pending sent = send_request();
    agw_radius_reply rp;
    srv_pkt k;

    srv_start(&k, AGW_RADIUS_ACCESS_ACCEPT, sent.id);
    srv_ma(&k);
    srv_attr(&k, AGW_RADIUS_REPLY_MESSAGE, "x", 1);
    srv_ma(&k);
    srv_sign(&k, sent.auth, SECRET); /* fills the first one */
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_DUPLICATE_MA);
}
END_TEST

START_TEST(message_authenticator_of_wrong_length)
{
    static const size_t lens[] = { 0, 1, 15, 17, 32 };
    agw_radius_pending sent = send_request();
    unsigned char v[32] = { 0 };
    agw_radius_reply rp;
    srv_pkt k;
    size_t i;

    for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        srv_start(&k, AGW_RADIUS_ACCESS_ACCEPT, sent.id);
        srv_attr(&k, AGW_RADIUS_MESSAGE_AUTHENTICATOR, v, lens[i]);
        srv_sign(&k, sent.auth, SECRET);
        ck_assert_int_eq(decode(&sent, k.b, k.len, &rp),
                         AGW_RADIUS_BAD_MA_LENGTH);
    }
}
END_TEST

START_TEST(wrong_response_authenticator)
{
    agw_radius_pending sent = send_request(), other;
    agw_radius_reply rp;
    srv_pkt k;
    int i;

    for (i = 0; i < 16; i++) {
        simple_reply(&k, &sent, AGW_RADIUS_ACCESS_ACCEPT);
        k.b[4 + i] ^= 0x80;
        ck_assert_int_eq(decode(&sent, k.b, k.len, &rp),
                         AGW_RADIUS_BAD_AUTHENTICATOR);
    }
    /* Signed with another secret. */
    srv_start(&k, AGW_RADIUS_ACCESS_ACCEPT, sent.id);
    srv_ma(&k);
    srv_set_length(&k);
    srv_sign_ma(&k, sent.auth, "another secret");
    srv_sign_ra(&k, sent.auth, "another secret");
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp),
                     AGW_RADIUS_BAD_AUTHENTICATOR);
    /* A genuine reply to another request with the same identifier. */
    other = send_request();
    simple_reply(&k, &other, AGW_RADIUS_ACCESS_ACCEPT);
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp),
                     AGW_RADIUS_BAD_AUTHENTICATOR);
    ck_assert_int_eq(decode(&other, k.b, k.len, &rp), AGW_RADIUS_OK);
}
END_TEST

START_TEST(wrong_identifier)
{
    agw_radius_pending sent = send_request(), shifted;
    agw_radius_reply rp;
    srv_pkt k;

    shifted = sent;
    shifted.id = (uint8_t)(sent.id + 1);
    simple_reply(&k, &shifted, AGW_RADIUS_ACCESS_ACCEPT);
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp),
                     AGW_RADIUS_WRONG_IDENTIFIER);
}
END_TEST

START_TEST(every_truncation)
{
    agw_radius_pending sent = send_request();
    agw_radius_reply rp;
    unsigned char junk[40];
    srv_pkt k;
    size_t n;

    simple_reply(&k, &sent, AGW_RADIUS_ACCESS_ACCEPT);
    for (n = 0; n < k.len; n++)
        ck_assert_int_eq(decode(&sent, k.b, n, &rp), AGW_RADIUS_TRUNCATED);
    /* Octets past the length field are padding (RFC 2865 §3). */
    n = k.len;
    memset(junk, 0xff, sizeof junk);
    srv_raw(&k, junk, sizeof junk);
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_OK);
    ck_assert_str_eq(rp.message, "hello");
    ck_assert_int_eq(decode(&sent, k.b, n, &rp), AGW_RADIUS_OK);
}
END_TEST

START_TEST(length_field_out_of_range)
{
    agw_radius_pending sent = send_request();
    agw_radius_reply rp;
    srv_pkt k;
    unsigned char fill[253];

    /* Larger than the datagram. */
    simple_reply(&k, &sent, AGW_RADIUS_ACCESS_ACCEPT);
    k.b[3]++;
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_TRUNCATED);
    k.b[2] = 0x10; /* 4096 + a bit, but still over the datagram */
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_BAD_LENGTH);
    /* Under a header. */
    simple_reply(&k, &sent, AGW_RADIUS_ACCESS_ACCEPT);
    k.b[2] = 0;
    k.b[3] = 19;
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_BAD_LENGTH);
    k.b[3] = 0;
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_BAD_LENGTH);
    /* Over 4096, in a datagram that big and correctly signed. */
    memset(fill, 'f', sizeof fill);
    srv_start(&k, AGW_RADIUS_ACCESS_ACCEPT, sent.id);
    srv_ma(&k);
    while (k.len + 255 <= 4096)
        srv_attr(&k, 200, fill, sizeof fill);
    srv_attr(&k, 200, fill, 4096 - k.len - 2);
    ck_assert_uint_eq(k.len, 4096);
    srv_sign(&k, sent.auth, SECRET);
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_OK);
    srv_attr(&k, 200, "z", 1);
    srv_sign(&k, sent.auth, SECRET);
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_BAD_LENGTH);
}
END_TEST

START_TEST(bad_attribute_lengths)
{
    agw_radius_pending sent = send_request();
    agw_radius_reply rp;
    srv_pkt k;
    size_t n;

    /* Length 0 and 1. */
    srv_start(&k, AGW_RADIUS_ACCESS_ACCEPT, sent.id);
    srv_ma(&k);
    srv_raw(&k, "\x12\x00hello", 7);
    srv_sign(&k, sent.auth, SECRET);
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp),
                     AGW_RADIUS_BAD_ATTRIBUTE_LENGTH);
    srv_start(&k, AGW_RADIUS_ACCESS_ACCEPT, sent.id);
    srv_ma(&k);
    srv_raw(&k, "\x12\x01hello", 7);
    srv_sign(&k, sent.auth, SECRET);
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp),
                     AGW_RADIUS_BAD_ATTRIBUTE_LENGTH);
    /* Past the packet's end, though within the datagram. */
    srv_start(&k, AGW_RADIUS_ACCESS_ACCEPT, sent.id);
    srv_ma(&k);
    srv_raw(&k, "\x12\x07hello", 7);
    srv_sign(&k, sent.auth, SECRET);
    n = k.len;
    k.len--;
    srv_sign(&k, sent.auth, SECRET);
    ck_assert_int_eq(decode(&sent, k.b, n, &rp),
                     AGW_RADIUS_BAD_ATTRIBUTE_LENGTH);
    /* A lone type byte at the end. */
    srv_start(&k, AGW_RADIUS_ACCESS_ACCEPT, sent.id);
    srv_ma(&k);
    srv_raw(&k, "\x12", 1);
    srv_sign(&k, sent.auth, SECRET);
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp),
                     AGW_RADIUS_BAD_ATTRIBUTE_LENGTH);
    /* Length 2 (empty) is well formed. */
    srv_start(&k, AGW_RADIUS_ACCESS_ACCEPT, sent.id);
    srv_ma(&k);
    srv_raw(&k, "\x12\x02", 2);
    srv_sign(&k, sent.auth, SECRET);
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_OK);
}
END_TEST

START_TEST(unexpected_codes)
{
    static const int codes[] = { 0, 1, 4, 5, 12, 13, 40, 255 };
    agw_radius_pending sent = send_request();
    agw_radius_reply rp;
    srv_pkt k;
    size_t i;

    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        simple_reply(&k, &sent, codes[i]); /* correctly signed */
        ck_assert_int_eq(decode(&sent, k.b, k.len, &rp),
                         AGW_RADIUS_UNEXPECTED_CODE);
    }
}
END_TEST

START_TEST(state_and_timeout_and_text_checks)
{
    agw_radius_pending sent = send_request();
    agw_radius_reply rp;
    srv_pkt k;

#define REPLY(attrs)                                         \
    do {                                                     \
        srv_start(&k, AGW_RADIUS_ACCESS_CHALLENGE, sent.id); \
        srv_ma(&k);                                          \
        attrs;                                               \
        srv_sign(&k, sent.auth, SECRET);                     \
    } while (0)
    REPLY(srv_attr(&k, AGW_RADIUS_STATE, "a", 1);
          srv_attr(&k, AGW_RADIUS_STATE, "b", 1));
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_BAD_STATE);
    REPLY(srv_attr(&k, AGW_RADIUS_STATE, "", 0));
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_BAD_STATE);
    REPLY(srv_attr(&k, AGW_RADIUS_SESSION_TIMEOUT, "\0\0\1", 3));
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp),
                     AGW_RADIUS_BAD_SESSION_TIMEOUT);
    REPLY(srv_attr(&k, AGW_RADIUS_SESSION_TIMEOUT, "\0\0\0\1", 4);
          srv_attr(&k, AGW_RADIUS_SESSION_TIMEOUT, "\0\0\0\2", 4));
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp),
                     AGW_RADIUS_BAD_SESSION_TIMEOUT);
    REPLY(srv_attr(&k, AGW_RADIUS_REPLY_MESSAGE, "ok\0no", 5));
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_NUL_IN_TEXT);
    REPLY(srv_attr(&k, AGW_RADIUS_FILTER_ID, "admin\0", 6));
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_NUL_IN_TEXT);
    /* Class is binary: NULs are fine. */
    REPLY(srv_attr(&k, AGW_RADIUS_CLASS, "\0\0", 2));
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_OK);
#undef REPLY
}
END_TEST

START_TEST(every_bit_flip_is_refused)
{
    agw_radius_pending sent = send_request();
    agw_radius_reply rp;
    srv_pkt k;
    size_t i;
    int bit;

    srv_start(&k, AGW_RADIUS_ACCESS_ACCEPT, sent.id);
    srv_ma(&k);
    srv_attr(&k, AGW_RADIUS_REPLY_MESSAGE, "hello", 5);
    srv_attr(&k, AGW_RADIUS_CLASS, "c", 1);
    srv_attr(&k, AGW_RADIUS_SESSION_TIMEOUT, "\0\0\0\x3c", 4);
    srv_sign(&k, sent.auth, SECRET);
    ck_assert_int_eq(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_OK);
    for (i = 0; i < k.len; i++) {
        for (bit = 0; bit < 8; bit++) {
            k.b[i] ^= (unsigned char)(1 << bit);
            ck_assert_int_ne(decode(&sent, k.b, k.len, &rp), AGW_RADIUS_OK);
            k.b[i] ^= (unsigned char)(1 << bit);
        }
    }
}
END_TEST

START_TEST(no_secret)
{
    agw_radius_pending sent = send_request();
    agw_radius_reply rp;
    srv_pkt k;

    simple_reply(&k, &sent, AGW_RADIUS_ACCESS_ACCEPT);
    ck_assert_int_eq(agw_radius_decode_reply(tp, &sent, "", 0, k.b, k.len, &rp),
                     AGW_RADIUS_NO_SECRET);
}
END_TEST

TCase *tcase_radius_reply(void)
{
    TCase *t = tcase_create("reply");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, accept_round_trip);
    tcase_add_test(t, challenge_state_is_echoed);
    tcase_add_test(t, reject_without_message);
    tcase_add_test(t, no_message_authenticator_is_refused);
    tcase_add_test(t, wrong_message_authenticator);
    tcase_add_test(t, two_message_authenticators);
    tcase_add_test(t, message_authenticator_of_wrong_length);
    tcase_add_test(t, wrong_response_authenticator);
    tcase_add_test(t, wrong_identifier);
    tcase_add_test(t, every_truncation);
    tcase_add_test(t, length_field_out_of_range);
    tcase_add_test(t, bad_attribute_lengths);
    tcase_add_test(t, unexpected_codes);
    tcase_add_test(t, state_and_timeout_and_text_checks);
    tcase_add_test(t, every_bit_flip_is_refused);
    tcase_add_test(t, no_secret);
    return t;
}
