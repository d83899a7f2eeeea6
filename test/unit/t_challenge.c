#include <string.h>

#include "agw_challenge.h"
#include "suites.h"

static const char *schemes(const char *v)
{
    const char *list = NULL;
    agw_challenge_schemes(tp, v, &list);
    return list ? list : "(none)";
}

START_TEST(one_scheme_per_challenge)
{
    ck_assert_str_eq(schemes("Negotiate"), "Negotiate");
    ck_assert_str_eq(schemes("Basic realm=\"published\""), "Basic");
    ck_assert_str_eq(schemes("Basic realm=\"Gateway\", charset=\"UTF-8\""),
                     "Basic");
    ck_assert_str_eq(schemes("Negotiate, NTLM, Basic realm=\"x\""),
                     "Negotiate, NTLM, Basic");
    /* token68 after a scheme, and '=' padding in it */
    ck_assert_str_eq(schemes("Negotiate YIIBhgYGKwYBBQUC=="), "Negotiate");
    ck_assert_str_eq(schemes("Bearer realm = \"x\", error=\"invalid\""),
                     "Bearer");
}
END_TEST

START_TEST(quoted_strings_hide_commas)
{
    ck_assert_str_eq(schemes("Basic realm=\"a, Digest b\", NTLM"),
                     "Basic, NTLM");
    ck_assert_str_eq(schemes("Basic realm=\"a\\\", Digest\", NTLM"),
                     "Basic, NTLM");
    /* an unterminated quote, a trailing backslash: no overrun */
    ck_assert_str_eq(schemes("Basic realm=\"a, NTLM"), "Basic");
    ck_assert_str_eq(schemes("Basic realm=\"a\\"), "Basic");
    ck_assert_str_eq(schemes(""), "(none)");
    ck_assert_str_eq(schemes(" ,, \"x\" , =y"), "(none)");
}
END_TEST

START_TEST(offers)
{
    ck_assert(agw_challenge_offers("Negotiate, Basic", "basic"));
    ck_assert(agw_challenge_offers("Basic", "Basic"));
    ck_assert(!agw_challenge_offers("BasicX, NTLM", "Basic"));
    ck_assert(!agw_challenge_offers("Negotiate", "Basic"));
    ck_assert(!agw_challenge_offers(NULL, "Basic"));
}
END_TEST

Suite *suite_challenge(void)
{
    Suite *s = suite_create("challenge");
    TCase *t = tcase_create("core");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, one_scheme_per_challenge);
    tcase_add_test(t, quoted_strings_hide_commas);
    tcase_add_test(t, offers);
    suite_add_tcase(s, t);
    return s;
}
