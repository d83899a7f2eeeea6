#include "agw_bytes.h"
#include "suites.h"

START_TEST(writer_refuses_overrun_and_sticks)
{
    unsigned char buf[6];
    agw_wbuf w;
    agw_w_init(&w, buf, sizeof buf);
    agw_w_u32(&w, 0x01020304);
    ck_assert_int_eq(w.err, 0);
    agw_w_u32(&w, 5);
    ck_assert_int_eq(w.err, 1);
    agw_w_u8(&w, 1); /* fits, but the error sticks */
    ck_assert_int_eq(w.err, 1);
    ck_assert_uint_eq(w.len, 4);
}
END_TEST

START_TEST(round_trip_big_endian)
{
    unsigned char buf[32];
    agw_wbuf w;
    agw_rbuf r;
    size_t n;
    const unsigned char *s;
    agw_w_init(&w, buf, sizeof buf);
    agw_w_u8(&w, 7);
    agw_w_u64(&w, 0x1122334455667788ULL);
    agw_w_lv16(&w, "abc", 3);
    ck_assert_int_eq(w.err, 0);
    ck_assert_uint_eq(buf[1], 0x11);
    agw_r_init(&r, buf, w.len);
    ck_assert_uint_eq(agw_r_u8(&r), 7);
    ck_assert(agw_r_u64(&r) == 0x1122334455667788ULL);
    s = agw_r_lv16(&r, &n);
    ck_assert_uint_eq(n, 3);
    ck_assert_mem_eq(s, "abc", 3);
    ck_assert(agw_r_done(&r));
}
END_TEST

START_TEST(reader_refuses_length_past_end)
{
    /* A length prefix of 0xffff over 2 bytes of data. */
    const unsigned char msg[] = { 0xff, 0xff, 'a', 'b' };
    agw_rbuf r;
    size_t n;
    agw_r_init(&r, msg, sizeof msg);
    ck_assert_ptr_null(agw_r_lv16(&r, &n));
    ck_assert_int_eq(r.err, 1);
    ck_assert(!agw_r_done(&r));
    ck_assert_uint_eq(agw_r_u32(&r), 0);
}
END_TEST

START_TEST(lv16_refuses_oversized)
{
    static unsigned char big[70000], buf[80000];
    agw_wbuf w;
    agw_w_init(&w, buf, sizeof buf);
    agw_w_lv16(&w, big, sizeof big);
    ck_assert_int_eq(w.err, 1);
}
END_TEST

Suite *suite_bytes(void)
{
    Suite *s = suite_create("bytes");
    TCase *t = tcase_create("core");
    tcase_add_test(t, writer_refuses_overrun_and_sticks);
    tcase_add_test(t, round_trip_big_endian);
    tcase_add_test(t, reader_refuses_length_past_end);
    tcase_add_test(t, lv16_refuses_oversized);
    suite_add_tcase(s, t);
    return s;
}
