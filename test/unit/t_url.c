#include "agw_url.h"
#include "suites.h"

#define ORIGIN "https://gw.example.com"

static const char *const ok[] = {
    "/", "/app/x?y=1", "/a#frag", ORIGIN, ORIGIN "/", ORIGIN "/owa/?a=b",
    "HTTPS://GW.EXAMPLE.COM/x", "/%2F/x",
};
static const char *const refused[] = {
    "", "//other.example/", "/\\other.example", "\\\\other", "https://other/",
    "http://gw.example.com/", "https://gw.example.com.evil.net/",
    "https://gw.example.com@evil.net/", "javascript:alert(1)", "%2F%2Fother",
    "/a\r\nSet-Cookie: x=1", "/a b", "/\t/evil", "relative/path", "data:text/html,x",
};

START_TEST(accepts_same_origin)
{
    ck_assert_int_eq(agw_return_url_ok(ok[_i], ORIGIN), 1);
}
END_TEST

START_TEST(refuses_other_places)
{
    ck_assert_int_eq(agw_return_url_ok(refused[_i], ORIGIN), 0);
}
END_TEST

START_TEST(null_is_refused)
{
    ck_assert_int_eq(agw_return_url_ok(NULL, ORIGIN), 0);
    ck_assert_int_eq(agw_return_url_ok(ORIGIN "/x", NULL), 0);
}
END_TEST

Suite *suite_url(void)
{
    Suite *s = suite_create("url");
    TCase *t = tcase_create("core");
    tcase_add_loop_test(t, accepts_same_origin, 0, sizeof ok / sizeof ok[0]);
    tcase_add_loop_test(t, refuses_other_places, 0, sizeof refused / sizeof refused[0]);
    tcase_add_test(t, null_is_refused);
    suite_add_tcase(s, t);
    return s;
}
