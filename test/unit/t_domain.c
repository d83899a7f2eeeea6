#include "agw_domain.h"
#include "suites.h"

static const char *const good[] = { ".example.com", "example.com", "gw.test",
                                    ".corp.example.co.uk", "intra.example.org" };
static const char *const refused[] = { "com", ".com", ".co.uk", "co.uk",
                                       "github.io", "", ".", "exa mple.com",
                                       "10.0.0.1", "a..b.com", "example.com.",
                                       "-x.com/evil" };

START_TEST(accepts_organisation_domains)
{
    ck_assert_ptr_null(agw_sso_domain_check(good[_i]));
}
END_TEST

START_TEST(refuses_public_suffixes_and_junk)
{
    ck_assert_ptr_nonnull(agw_sso_domain_check(refused[_i]));
}
END_TEST

START_TEST(host_in_domain)
{
    ck_assert(agw_host_in_domain("owa.example.com", ".example.com"));
    ck_assert(agw_host_in_domain("EXAMPLE.com", "example.com"));
    ck_assert(!agw_host_in_domain("badexample.com", "example.com"));
    ck_assert(!agw_host_in_domain("example.com.evil", "example.com"));
    ck_assert(!agw_host_in_domain("com", "example.com"));
}
END_TEST

START_TEST(directive_names)
{
    ck_assert(agw_domain_name_ok("GW", 15, 0));
    ck_assert(agw_domain_name_ok("CORP-01_X", 15, 0));
    ck_assert(!agw_domain_name_ok("GW.TEST", 15, 0));
    ck_assert(agw_domain_name_ok("GW.TEST", 255, 1));
    ck_assert(!agw_domain_name_ok("ABCDEFGHIJKLMNOP", 15, 0));
    ck_assert(!agw_domain_name_ok("", 15, 0));
    ck_assert(!agw_domain_name_ok("gw test", 255, 1));
    ck_assert(!agw_domain_name_ok("gw/test", 255, 1));
}
END_TEST

Suite *suite_domain(void)
{
    Suite *s = suite_create("domain");
    TCase *t = tcase_create("core");
    tcase_add_loop_test(t, accepts_organisation_domains, 0, sizeof good / sizeof good[0]);
    tcase_add_loop_test(t, refuses_public_suffixes_and_junk, 0,
                        sizeof refused / sizeof refused[0]);
    tcase_add_test(t, host_in_domain);
    tcase_add_test(t, directive_names);
    suite_add_tcase(s, t);
    return s;
}
