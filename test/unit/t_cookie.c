#include "agw_cookie.h"
#include "suites.h"

static apr_array_header_t *values(const char *h, const char *name)
{
    apr_array_header_t *a = apr_array_make(tp, 2, sizeof(char *));
    agw_cookie_values(tp, h, name, a);
    return a;
}

#define V(a, i) APR_ARRAY_IDX(a, i, const char *)

START_TEST(finds_named_cookie_among_others)
{
    apr_array_header_t *a = values("theme=dark; AuthGWSession=abc_-1;x=y", "AuthGWSession");
    ck_assert_int_eq(a->nelts, 1);
    ck_assert_str_eq(V(a, 0), "abc_-1");
}
END_TEST

START_TEST(returns_every_copy)
{
    apr_array_header_t *a = values("S=one; T=2; S=two", "S");
    ck_assert_int_eq(a->nelts, 2);
    ck_assert_str_eq(V(a, 0), "one");
    ck_assert_str_eq(V(a, 1), "two");
}
END_TEST

START_TEST(name_must_match_exactly)
{
    ck_assert_int_eq(values("XS=1; SX=2; s=3", "S")->nelts, 0);
}
END_TEST

START_TEST(joined_headers_and_quotes)
{
    apr_array_header_t *a = values("S=abc, theme=dark; Q=\"quoted\"", "S");
    ck_assert_int_eq(a->nelts, 1);
    ck_assert_str_eq(V(a, 0), "abc");
    a = values("S=abc, theme=dark; Q=\"quoted\"", "Q");
    ck_assert_str_eq(V(a, 0), "quoted");
}
END_TEST

START_TEST(malformed_headers_do_not_crash)
{
    static const char *const h[] = { "", ";", "=;=", "S", "S=", ";;;S=1;;", "=x",
                                     "  S  =  v  ", "\"", "S=\"" };
    apr_array_header_t *a = values(h[_i], "S");
    ck_assert_int_le(a->nelts, 1);
}
END_TEST

START_TEST(strip_keeps_other_cookies)
{
    const char *names[] = { "AuthGWSession", "AuthGWPre", NULL };
    ck_assert_str_eq(agw_cookie_strip(tp, "a=1; AuthGWSession=x; b=2;AuthGWPre=y", names),
                     "a=1; b=2");
    ck_assert_ptr_null(agw_cookie_strip(tp, "AuthGWSession=x", names));
    ck_assert_str_eq(agw_cookie_strip(tp, "flag; AuthGWPre=1", names), "flag");
}
END_TEST

Suite *suite_cookie(void)
{
    Suite *s = suite_create("cookie");
    TCase *t = tcase_create("core");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, finds_named_cookie_among_others);
    tcase_add_test(t, returns_every_copy);
    tcase_add_test(t, name_must_match_exactly);
    tcase_add_test(t, joined_headers_and_quotes);
    tcase_add_loop_test(t, malformed_headers_do_not_crash, 0, 10);
    tcase_add_test(t, strip_keeps_other_cookies);
    suite_add_tcase(s, t);
    return s;
}
