#include <string.h>

#include "agw_seal.h"
#include "agw_session.h"
#include "suites.h"

START_TEST(record_round_trip)
{
    agw_session s = { 1000, 1010, 9000, 3, "GW\\alice", "form", "staff\nvpn",
                      NULL, NULL, 0, NULL }, d;
    unsigned char buf[AGW_SESSION_MAX];
    size_t n = agw_session_encode(&s, buf, sizeof buf);
    ck_assert_uint_gt(n, 0);
    ck_assert_int_eq(agw_session_decode(tp, buf, n, &d), 0);
    ck_assert(d.created == 1000 && d.last_seen == 1010 && d.end == 9000);
    ck_assert_uint_eq(d.flags, 3);
    ck_assert_str_eq(d.user, "GW\\alice");
    ck_assert_str_eq(d.method, "form");
    ck_assert_str_eq(d.groups, "staff\nvpn");
}
END_TEST

START_TEST(decode_refuses_malformed)
{
    agw_session s = { 1, 1, 2, 0, "bob", "form", "", NULL, NULL, 0, NULL }, d;
    unsigned char buf[AGW_SESSION_MAX];
    size_t n = agw_session_encode(&s, buf, sizeof buf), i;
    for (i = 0; i < n; i++) /* every truncation */
        ck_assert_int_eq(agw_session_decode(tp, buf, i, &d), -1);
    buf[n] = 0; /* trailing garbage */
    ck_assert_int_eq(agw_session_decode(tp, buf, n + 1, &d), -1);
    buf[0] = 9; /* unknown version */
    ck_assert_int_eq(agw_session_decode(tp, buf, n, &d), -1);
}
END_TEST

START_TEST(decode_refuses_empty_user_and_nul)
{
    agw_session s = { 1, 1, 2, 0, "", "form", "", NULL, NULL, 0, NULL }, d;
    unsigned char buf[AGW_SESSION_MAX];
    size_t n = agw_session_encode(&s, buf, sizeof buf);
    ck_assert_int_eq(agw_session_decode(tp, buf, n, &d), -1);
    s.user = "a\x01";
    n = agw_session_encode(&s, buf, sizeof buf);
    buf[n - 2 - 2 - 4 - 1] = 0; /* the user's second byte becomes NUL */
    ck_assert_int_eq(agw_session_decode(tp, buf, n, &d), -1);
}
END_TEST

START_TEST(decode_refuses_times_out_of_range)
{
    /* found by fuzz_session: a last-use time of INT64_MIN overflowed the
     * idle check */
    agw_session s = { 1000, INT64_MIN, 9000, 0, "alice", "form", "", NULL,
                      NULL, 0, NULL }, d;
    unsigned char buf[AGW_SESSION_MAX];
    size_t n = agw_session_encode(&s, buf, sizeof buf);
    ck_assert_int_eq(agw_session_decode(tp, buf, n, &d), -1);
    s.last_seen = 1000;
    s.end = (int64_t)1 << 41;
    n = agw_session_encode(&s, buf, sizeof buf);
    ck_assert_int_eq(agw_session_decode(tp, buf, n, &d), -1);
}
END_TEST

START_TEST(encode_refuses_no_room)
{
    agw_session s = { 1, 1, 2, 0, "bob", "form", "", NULL, NULL, 0, NULL };
    unsigned char buf[20];
    ck_assert_uint_eq(agw_session_encode(&s, buf, sizeof buf), 0);
}
END_TEST

START_TEST(clock)
{
    agw_session s = { 100, 100, 1000, 0, "u", "form", "", NULL, NULL, 0, NULL };
    ck_assert_int_eq(agw_session_check(&s, 130, 30), AGW_SESSION_VALID);
    ck_assert_int_eq(agw_session_check(&s, 131, 30), AGW_SESSION_IDLE);
    ck_assert_int_eq(agw_session_check(&s, 500, 0), AGW_SESSION_VALID);
    ck_assert_int_eq(agw_session_check(&s, 1000, 0), AGW_SESSION_EXPIRED);
    ck_assert_int_eq(agw_session_check(&s, 1000, 5000), AGW_SESSION_EXPIRED);
}
END_TEST

START_TEST(touch_and_store_expiry)
{
    agw_session s = { 100, 100, 100000, 0, "u", "form", "", NULL, NULL, 0, NULL };
    ck_assert(!agw_session_needs_touch(&s, 100, 1600));
    ck_assert(!agw_session_needs_touch(&s, 199, 1600));
    ck_assert(agw_session_needs_touch(&s, 200, 1600));
    ck_assert(agw_session_needs_touch(&s, 101, 2));
    ck_assert(!agw_session_needs_touch(&s, 5000, 0));
    ck_assert(agw_session_store_expiry(&s, 1600) == 1701);
    ck_assert(agw_session_store_expiry(&s, 0) == 100000);
    s.end = 500;
    ck_assert(agw_session_store_expiry(&s, 1600) == 500);
}
END_TEST

static int contains(const unsigned char *b, size_t n, const char *needle)
{
    size_t m = strlen(needle), i;
    for (i = 0; i + m <= n; i++)
        if (!memcmp(b + i, needle, m))
            return 1;
    return 0;
}

/* A session that keeps a password: version 3, and it round-trips. */
static size_t deleg_record(unsigned char *buf, size_t cap,
                           const unsigned char key[AGW_SESSION_KEY_LEN],
                           const char *pw)
{
    static unsigned char sealed[256];
    agw_session s = { 1000, 1010, 9000, 0, "alice", "form", "", NULL, NULL, 0, NULL };
    s.deleg_user = "CORP\\alice";
    s.deleg_secret = sealed;
    s.deleg_secret_len = agw_session_seal_password(key, pw, sealed,
                                                   sizeof sealed);
    ck_assert_uint_eq(s.deleg_secret_len, strlen(pw) + AGW_SEAL_OVERHEAD);
    return agw_session_encode(&s, buf, cap);
}

START_TEST(delegation_password_round_trip)
{
    unsigned char key[AGW_SESSION_KEY_LEN], other[AGW_SESSION_KEY_LEN];
    unsigned char buf[AGW_SESSION_MAX];
    agw_session d;
    size_t n;
    memset(key, 7, sizeof key);
    memset(other, 8, sizeof other);
    n = deleg_record(buf, sizeof buf, key, "S3cret pass");
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_eq(buf[0], 3);
    /* the password is not in the record in the clear */
    ck_assert(!contains(buf, n, "S3cret"));
    ck_assert_int_eq(agw_session_decode(tp, buf, n, &d), 0);
    ck_assert_str_eq(d.user, "alice");
    ck_assert_str_eq(d.deleg_user, "CORP\\alice");
    ck_assert_str_eq(agw_session_open_password(tp, key, d.deleg_secret,
                                               d.deleg_secret_len),
                     "S3cret pass");
    /* another session's key opens nothing */
    ck_assert_ptr_null(agw_session_open_password(tp, other, d.deleg_secret,
                                                 d.deleg_secret_len));
    /* nor do altered bytes */
    ((unsigned char *)d.deleg_secret)[d.deleg_secret_len - 1] ^= 1;
    ck_assert_ptr_null(agw_session_open_password(tp, key, d.deleg_secret,
                                                 d.deleg_secret_len));
    ck_assert_ptr_null(agw_session_open_password(tp, key, d.deleg_secret, 3));
}
END_TEST

START_TEST(version_2_record_still_decodes)
{
    /* a record written before delegation existed (version 2) */
    agw_session s = { 1, 1, 2, 0, "bob", "form", "g", NULL, NULL, 0, NULL }, d;
    unsigned char buf[AGW_SESSION_MAX];
    size_t n = agw_session_encode(&s, buf, sizeof buf);
    ck_assert_uint_eq(buf[0], 2);
    ck_assert_int_eq(agw_session_decode(tp, buf, n, &d), 0);
    ck_assert_ptr_null(d.deleg_secret);
    ck_assert_uint_eq(d.deleg_secret_len, 0);
}
END_TEST

START_TEST(version_3_refuses_malformed)
{
    unsigned char key[AGW_SESSION_KEY_LEN], buf[AGW_SESSION_MAX];
    agw_session d;
    size_t n, i;
    memset(key, 1, sizeof key);
    n = deleg_record(buf, sizeof buf, key, "pw");
    for (i = 0; i < n; i++)
        ck_assert_int_eq(agw_session_decode(tp, buf, i, &d), -1);
    /* version 3 with an empty sealed password */
    buf[n - 2 - (2 + AGW_SEAL_OVERHEAD)] = 0;
    buf[n - 1 - (2 + AGW_SEAL_OVERHEAD)] = 0;
    ck_assert_int_eq(agw_session_decode(tp, buf, n - (2 + AGW_SEAL_OVERHEAD),
                                        &d), -1);
}
END_TEST

/* AuthGWSessionBindIP: version 4 carries the address, with or without a
 * kept password; a session that is not bound stays version 2 or 3. */
START_TEST(bound_address_round_trip)
{
    unsigned char key[AGW_SESSION_KEY_LEN], sealed[256], buf[AGW_SESSION_MAX];
    agw_session s = { 1000, 1010, 9000, 0, "alice", "certificate", "", NULL,
                      NULL, 0, NULL }, d;
    size_t n, i;

    s.client_ip = "127.0.0.2";
    n = agw_session_encode(&s, buf, sizeof buf);
    ck_assert_uint_eq(buf[0], 4);
    ck_assert_int_eq(agw_session_decode(tp, buf, n, &d), 0);
    ck_assert_str_eq(d.client_ip, "127.0.0.2");
    ck_assert_ptr_null(d.deleg_secret);
    ck_assert_uint_eq(d.deleg_secret_len, 0);
    for (i = 0; i < n; i++)
        ck_assert_int_eq(agw_session_decode(tp, buf, i, &d), -1);
    /* with a password kept */
    memset(key, 3, sizeof key);
    s.deleg_user = "GW\\alice";
    s.deleg_secret = sealed;
    s.deleg_secret_len = agw_session_seal_password(key, "pw", sealed,
                                                   sizeof sealed);
    n = agw_session_encode(&s, buf, sizeof buf);
    ck_assert_uint_eq(buf[0], 4);
    ck_assert_int_eq(agw_session_decode(tp, buf, n, &d), 0);
    ck_assert_str_eq(d.client_ip, "127.0.0.2");
    ck_assert_str_eq(agw_session_open_password(tp, key, d.deleg_secret,
                                               d.deleg_secret_len), "pw");
    /* not bound: the older versions, readable by the previous release */
    s.client_ip = "";
    n = agw_session_encode(&s, buf, sizeof buf);
    ck_assert_uint_eq(buf[0], 3);
    ck_assert_int_eq(agw_session_decode(tp, buf, n, &d), 0);
    ck_assert_ptr_null(d.client_ip);
}
END_TEST

START_TEST(bound_refuses_malformed)
{
    agw_session s = { 1, 1, 2, 0, "bob", "form", "", NULL, NULL, 0, NULL }, d;
    unsigned char buf[AGW_SESSION_MAX];
    size_t n;

    s.client_ip = "::1";
    n = agw_session_encode(&s, buf, sizeof buf);
    /* a delegation user without a password */
    buf[n - 3] = 1;
    buf[n - 2] = 'x';
    buf[n - 1] = 0;
    buf[n] = 0;
    ck_assert_int_eq(agw_session_decode(tp, buf, n + 1, &d), -1);
    /* an empty address */
    n = agw_session_encode(&s, buf, sizeof buf);
    buf[n - 4 - 3 - 1] = 0;
    memmove(buf + n - 4 - 3, buf + n - 4, 4);
    ck_assert_int_eq(agw_session_decode(tp, buf, n - 3, &d), -1);
}
END_TEST

Suite *suite_session(void)
{
    Suite *s = suite_create("session");
    TCase *t = tcase_create("core");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, record_round_trip);
    tcase_add_test(t, decode_refuses_malformed);
    tcase_add_test(t, decode_refuses_empty_user_and_nul);
    tcase_add_test(t, decode_refuses_times_out_of_range);
    tcase_add_test(t, encode_refuses_no_room);
    tcase_add_test(t, clock);
    tcase_add_test(t, touch_and_store_expiry);
    tcase_add_test(t, delegation_password_round_trip);
    tcase_add_test(t, version_2_record_still_decodes);
    tcase_add_test(t, version_3_refuses_malformed);
    tcase_add_test(t, bound_address_round_trip);
    tcase_add_test(t, bound_refuses_malformed);
    suite_add_tcase(s, t);
    return s;
}
