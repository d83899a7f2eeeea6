#include <stdio.h>
#include <string.h>

#include "agw_form.h"
#include "suites.h"

static const char *parse(const char *in, apr_table_t **t)
{
    return agw_form_parse(tp, in, strlen(in), AGW_FORM_MAX_FIELDS, t);
}

START_TEST(decodes_fields)
{
    apr_table_t *t;
    ck_assert_ptr_null(parse("username=DOM%5Calice&password=p%26ss+word%3D&return=%2Fa%3Fb%3D1", &t));
    ck_assert_str_eq(apr_table_get(t, "username"), "DOM\\alice");
    ck_assert_str_eq(apr_table_get(t, "password"), "p&ss word=");
    ck_assert_str_eq(apr_table_get(t, "return"), "/a?b=1");
}
END_TEST

START_TEST(empty_values_and_segments)
{
    apr_table_t *t;
    ck_assert_ptr_null(parse("a=&&b&c=%C3%A9", &t));
    ck_assert_str_eq(apr_table_get(t, "a"), "");
    ck_assert_str_eq(apr_table_get(t, "b"), "");
    ck_assert_str_eq(apr_table_get(t, "c"), "\xc3\xa9");
    ck_assert_ptr_null(parse("", &t));
    ck_assert_int_eq(apr_table_elts(t)->nelts, 0);
}
END_TEST

static const char *const malformed[] = {
    "a=%zz", "a=%", "a=%4", "a=1%", "a=%00", "%00=1", "=value",
    "user=a&user=b", "a=%0", "x=%g1",
};

START_TEST(refuses_malformed)
{
    apr_table_t *t;
    ck_assert_ptr_nonnull(parse(malformed[_i], &t));
}
END_TEST

START_TEST(refuses_too_many_fields)
{
    apr_table_t *t;
    char buf[4096] = "";
    int i;
    for (i = 0; i <= AGW_FORM_MAX_FIELDS; i++)
        sprintf(buf + strlen(buf), "f%d=1&", i);
    ck_assert_ptr_nonnull(parse(buf, &t));
    buf[strlen(buf) - 6] = '\0'; /* drop the last field */
    ck_assert_ptr_null(parse(buf, &t));
}
END_TEST

START_TEST(respects_explicit_length)
{
    apr_table_t *t;
    ck_assert_ptr_null(agw_form_parse(tp, "a=1&b=2", 3, 8, &t));
    ck_assert_ptr_null(apr_table_get(t, "b"));
    ck_assert_str_eq(apr_table_get(t, "a"), "1");
}
END_TEST

START_TEST(pct_encode)
{
    ck_assert_str_eq(agw_pct_encode(tp, "/a b?c=d&e", 1), "/a%20b%3Fc%3Dd%26e");
    ck_assert_str_eq(agw_pct_encode(tp, "/x", 0), "%2Fx");
    ck_assert_str_eq(agw_pct_encode(tp, "\r\n", 1), "%0D%0A");
}
END_TEST

Suite *suite_form(void)
{
    Suite *s = suite_create("form");
    TCase *t = tcase_create("core");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, decodes_fields);
    tcase_add_test(t, empty_values_and_segments);
    tcase_add_loop_test(t, refuses_malformed, 0, sizeof malformed / sizeof malformed[0]);
    tcase_add_test(t, refuses_too_many_fields);
    tcase_add_test(t, respects_explicit_length);
    tcase_add_test(t, pct_encode);
    suite_add_tcase(s, t);
    return s;
}
