#include "agw_failopen.h"
#include "suites.h"

START_TEST(parses_the_three_policies)
{
    ck_assert_int_eq(agw_failopen_parse("off"), AGW_FO_OFF);
    ck_assert_int_eq(agw_failopen_parse("Service"), AGW_FO_SERVICE);
    ck_assert_int_eq(agw_failopen_parse("ALL"), AGW_FO_ALL);
    ck_assert_int_eq(agw_failopen_parse("on"), -1);
    ck_assert_int_eq(agw_failopen_parse(""), -1);
    ck_assert_int_eq(agw_failopen_parse(NULL), -1);
    ck_assert_str_eq(agw_failopen_name(AGW_FO_SERVICE), "service");
}
END_TEST

START_TEST(off_never_passes)
{
    ck_assert_int_eq(agw_failopen_passes(AGW_FO_OFF, AGW_FO_UNREACHABLE, 1), 0);
    ck_assert_int_eq(agw_failopen_passes(AGW_FO_OFF, AGW_FO_NO_CREDENTIALS, 1), 0);
    ck_assert_int_eq(agw_failopen_passes(AGW_FO_OFF, AGW_FO_REFUSED, 1), 0);
}
END_TEST

START_TEST(service_passes_only_an_outage)
{
    ck_assert_int_eq(agw_failopen_passes(AGW_FO_SERVICE, AGW_FO_UNREACHABLE, 0), 1);
    ck_assert_int_eq(agw_failopen_passes(AGW_FO_SERVICE, AGW_FO_NO_CREDENTIALS, 1), 1);
    ck_assert_int_eq(agw_failopen_passes(AGW_FO_SERVICE, AGW_FO_NO_CREDENTIALS, 0), 0);
    ck_assert_int_eq(agw_failopen_passes(AGW_FO_SERVICE, AGW_FO_REFUSED, 1), 0);
    ck_assert_int_eq(agw_failopen_passes(AGW_FO_SERVICE, AGW_FO_REFUSED, 0), 0);
}
END_TEST

START_TEST(all_passes_refused_credentials_only_while_down)
{
    ck_assert_int_eq(agw_failopen_passes(AGW_FO_ALL, AGW_FO_REFUSED, 1), 1);
    ck_assert_int_eq(agw_failopen_passes(AGW_FO_ALL, AGW_FO_REFUSED, 0), 0);
    ck_assert_int_eq(agw_failopen_passes(AGW_FO_ALL, AGW_FO_NO_CREDENTIALS, 0), 0);
    ck_assert_int_eq(agw_failopen_passes(AGW_FO_ALL, AGW_FO_UNREACHABLE, 0), 1);
}
END_TEST

START_TEST(reasons_are_stable)
{
    ck_assert_str_eq(agw_failopen_reason(AGW_FO_UNREACHABLE), "validator-unreachable");
    ck_assert_str_eq(agw_failopen_reason(AGW_FO_NO_CREDENTIALS), "no-credentials");
    ck_assert_str_eq(agw_failopen_reason(AGW_FO_REFUSED), "credentials-refused");
}
END_TEST

Suite *suite_failopen(void)
{
    Suite *s = suite_create("failopen");
    TCase *t = tcase_create("core");
    tcase_add_test(t, parses_the_three_policies);
    tcase_add_test(t, off_never_passes);
    tcase_add_test(t, service_passes_only_an_outage);
    tcase_add_test(t, all_passes_refused_credentials_only_while_down);
    tcase_add_test(t, reasons_are_stable);
    suite_add_tcase(s, t);
    return s;
}
