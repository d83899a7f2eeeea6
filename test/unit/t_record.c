#include <string.h>

#include "agw_record.h"
#include "suites.h"

START_TEST(round_trip)
{
    const char *in[] = { "GW\\alice", "", "radius", "c3RhdGU" }, *out[4];
    unsigned char buf[128];
    size_t n = agw_record_encode('C', in, 4, buf, sizeof buf);
    ck_assert_uint_gt(n, 0);
    ck_assert_int_eq(agw_record_decode(tp, 'C', buf, n, out, 4), 0);
    ck_assert_str_eq(out[0], "GW\\alice");
    ck_assert_str_eq(out[1], "");
    ck_assert_str_eq(out[3], "c3RhdGU");
}
END_TEST

START_TEST(refuses_other_kind_count_and_damage)
{
    const char *in[] = { "a", "bc" }, *out[3];
    unsigned char buf[64];
    size_t n = agw_record_encode('C', in, 2, buf, sizeof buf), i;
    ck_assert_int_eq(agw_record_decode(tp, 'F', buf, n, out, 2), -1);
    ck_assert_int_eq(agw_record_decode(tp, 'C', buf, n, out, 3), -1);
    for (i = 0; i < n; i++)
        ck_assert_int_eq(agw_record_decode(tp, 'C', buf, i, out, 2), -1);
    buf[n] = 'x';
    ck_assert_int_eq(agw_record_decode(tp, 'C', buf, n + 1, out, 2), -1);
    buf[n - 1] = '\0'; /* a NUL inside a string */
    ck_assert_int_eq(agw_record_decode(tp, 'C', buf, n, out, 2), -1);
}
END_TEST

START_TEST(refuses_no_room)
{
    const char *in[] = { "0123456789" };
    unsigned char buf[10];
    ck_assert_uint_eq(agw_record_encode('C', in, 1, buf, sizeof buf), 0);
}
END_TEST

Suite *suite_record(void)
{
    Suite *s = suite_create("record");
    TCase *t = tcase_create("core");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, round_trip);
    tcase_add_test(t, refuses_other_kind_count_and_damage);
    tcase_add_test(t, refuses_no_room);
    suite_add_tcase(s, t);
    return s;
}
