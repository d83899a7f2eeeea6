#include <string.h>

#include "agw_session.h"
#include "suites.h"

START_TEST(record_round_trip)
{
    agw_session s = { 1000, 1010, 9000, 3, "GW\\alice", "form", "staff\nvpn" }, d;
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
    agw_session s = { 1, 1, 2, 0, "bob", "form", "" }, d;
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
    agw_session s = { 1, 1, 2, 0, "", "form", "" }, d;
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
    agw_session s = { 1000, INT64_MIN, 9000, 0, "alice", "form", "" }, d;
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
    agw_session s = { 1, 1, 2, 0, "bob", "form", "" };
    unsigned char buf[20];
    ck_assert_uint_eq(agw_session_encode(&s, buf, sizeof buf), 0);
}
END_TEST

START_TEST(clock)
{
    agw_session s = { 100, 100, 1000, 0, "u", "form", "" };
    ck_assert_int_eq(agw_session_check(&s, 130, 30), AGW_SESSION_VALID);
    ck_assert_int_eq(agw_session_check(&s, 131, 30), AGW_SESSION_IDLE);
    ck_assert_int_eq(agw_session_check(&s, 500, 0), AGW_SESSION_VALID);
    ck_assert_int_eq(agw_session_check(&s, 1000, 0), AGW_SESSION_EXPIRED);
    ck_assert_int_eq(agw_session_check(&s, 1000, 5000), AGW_SESSION_EXPIRED);
}
END_TEST

START_TEST(touch_and_store_expiry)
{
    agw_session s = { 100, 100, 100000, 0, "u", "form", "" };
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
    suite_add_tcase(s, t);
    return s;
}
