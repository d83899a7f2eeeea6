/* authgw-ldap's pure logic.  The AD strings are what Samba 4.17 answered
 * (see docs/ldap.md); the SID is a real user's objectSid and its primary
 * group's (Domain Users, RID 513) from the same domain. */
#include <string.h>

#include "agw_ldap.h"
#include "suites.h"

static const char *const GW_DOMAINS[] = { "gw.test", "gw", NULL };

static agw_ldap_dirinfo ad_dir(const char *base)
{
    agw_ldap_dirinfo d = { AGW_LDAP_AD, base, "sAMAccountName",
                           "(objectClass=user)", GW_DOMAINS };
    return d;
}

/* The search for name in the AD directory under DC=gw,DC=test; NULL when
 * refused (*why says why). */
static const agw_ldap_search *ad_search(const char *name, const char **why)
{
    static agw_ldap_search s;
    agw_ldap_dirinfo d = ad_dir("DC=gw,DC=test");
    agw_ldap_name n;
    *why = agw_ldap_parse_name(tp, name, &n);
    if (!*why)
        *why = agw_ldap_user_search(tp, &d, &n, &s);
    return *why ? NULL : &s;
}

START_TEST(escape_specials_and_non_ascii)
{
    const char in[] = "a*b(c)d\\e\0f\xc3\xa9 g";
    ck_assert_str_eq(agw_ldap_escape(tp, in, sizeof in - 1),
                     "a\\2Ab\\28c\\29d\\5Ce\\00f\\C3\\A9 g");
    ck_assert_str_eq(agw_ldap_escape(tp, "", 0), "");
}
END_TEST

START_TEST(name_forms)
{
    agw_ldap_name n;
    ck_assert_ptr_null(agw_ldap_parse_name(tp, "alice", &n));
    ck_assert_int_eq(n.form, AGW_LDAP_NAME_PLAIN);
    ck_assert_str_eq(n.user, "alice");
    ck_assert_ptr_null(agw_ldap_parse_name(tp, "GW\\alice", &n));
    ck_assert_int_eq(n.form, AGW_LDAP_NAME_DOMAIN);
    ck_assert_str_eq(n.domain, "GW");
    ck_assert_str_eq(n.user, "alice");
    ck_assert_ptr_null(agw_ldap_parse_name(tp, "a@b@gw.test", &n));
    ck_assert_int_eq(n.form, AGW_LDAP_NAME_UPN);
    ck_assert_str_eq(n.user, "a@b");
    ck_assert_str_eq(n.domain, "gw.test");
    ck_assert_ptr_null(agw_ldap_parse_name(tp, " cn = alice , dc=gw", &n));
    ck_assert_int_eq(n.form, AGW_LDAP_NAME_DN);
    ck_assert_ptr_null(agw_ldap_parse_name(tp, "2.5.4.3=alice", &n));
    ck_assert_int_eq(n.form, AGW_LDAP_NAME_DN);
}
END_TEST

static const char *const bad_names[] = {
    "", "\\", "GW\\", "\\alice", "@gw.test", "alice@", "a\\b\\c", "al\nice",
    "al\x7f" "ice", "cn=a,", "cn=\"a\"", "cn=a\\zz", "cn=#1",
};

START_TEST(name_refused)
{
    agw_ldap_name n;
    ck_assert_ptr_nonnull(agw_ldap_parse_name(tp, bad_names[_i], &n));
}
END_TEST

START_TEST(name_too_long)
{
    char *s = apr_palloc(tp, AGW_LDAP_NAME_MAX + 2);
    agw_ldap_name n;
    memset(s, 'a', AGW_LDAP_NAME_MAX + 1);
    s[AGW_LDAP_NAME_MAX + 1] = '\0';
    ck_assert_ptr_nonnull(agw_ldap_parse_name(tp, s, &n));
    s[AGW_LDAP_NAME_MAX] = '\0';
    ck_assert_ptr_null(agw_ldap_parse_name(tp, s, &n));
    ck_assert_ptr_nonnull(agw_ldap_parse_name(tp, NULL, &n));
}
END_TEST

START_TEST(ad_searches)
{
    const char *why;
    const agw_ldap_search *s;

    s = ad_search("alice", &why);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->base, "DC=gw,DC=test");
    ck_assert_int_eq(s->scope_base, 0);
    ck_assert_str_eq(s->filter, "(&(objectClass=user)(sAMAccountName=alice))");
    ck_assert_str_eq(s->bind_name, "alice@gw.test");

    s = ad_search("gw\\alice", &why);
    ck_assert_str_eq(s->filter, "(&(objectClass=user)(sAMAccountName=alice))");
    ck_assert_str_eq(s->bind_name, "gw\\alice");
    ck_assert_ptr_null(ad_search("OTHER\\alice", &why));

    s = ad_search("alice@GW.TEST", &why);
    ck_assert_str_eq(s->filter, "(&(objectClass=user)(|(userPrincipalName="
                     "alice@GW.TEST)(sAMAccountName=alice)))");
    ck_assert_str_eq(s->bind_name, "alice@GW.TEST");
    /* another UPN suffix: the UPN alone */
    s = ad_search("alice@partners.example", &why);
    ck_assert_str_eq(s->filter, "(&(objectClass=user)(userPrincipalName="
                     "alice@partners.example))");

    s = ad_search("CN=Alice,CN=Users,dc=GW, dc=test", &why);
    ck_assert_str_eq(s->base, "CN=Alice,CN=Users,dc=GW, dc=test");
    ck_assert_int_eq(s->scope_base, 1);
    ck_assert_str_eq(s->filter, "(objectClass=user)");
    ck_assert_str_eq(s->bind_name, "CN=Alice,CN=Users,dc=GW, dc=test");
    ck_assert_ptr_null(ad_search("CN=Alice,DC=other,DC=test", &why));
}
END_TEST

/* No name changes the filter's structure: every special is escaped. */
static const char *const injections[] = {
    "*", ")(", "*)(objectClass=*", "al*", "alice)(|(sAMAccountName=*",
    "GW\\*", "*@gw.test", "x)(uid=*)@gw.test", "a\\b)",
};

START_TEST(injection_escaped)
{
    const char *why, *f;
    const agw_ldap_search *s = ad_search(injections[_i], &why);
    size_t opens = 0, closes = 0;
    if (!s)
        return;  /* refused outright is fine too */
    for (f = s->filter; *f; f++) {
        ck_assert(*f != '*');
        opens += *f == '(';
        closes += *f == ')';
    }
    ck_assert_uint_eq(opens, closes);
    ck_assert(!strstr(s->filter, "=*"));
    ck_assert(strstr(s->filter, "\\2A") || strstr(s->filter, "\\28")
              || strstr(s->filter, "\\29") || strstr(s->filter, "\\5C"));
}
END_TEST

START_TEST(generic_searches)
{
    agw_ldap_dirinfo d = { AGW_LDAP_GENERIC, "ou=people,dc=example,dc=org",
                           "uid", NULL, NULL };
    agw_ldap_name n;
    agw_ldap_search s;
    ck_assert_ptr_null(agw_ldap_parse_name(tp, "alice@example.org", &n));
    ck_assert_ptr_null(agw_ldap_user_search(tp, &d, &n, &s));
    ck_assert_str_eq(s.filter, "(&(objectClass=*)(uid=alice@example.org))");
    ck_assert_ptr_null(s.bind_name);
    ck_assert_ptr_null(agw_ldap_parse_name(tp, "EX\\al*", &n));
    ck_assert_ptr_null(agw_ldap_user_search(tp, &d, &n, &s));
    ck_assert_str_eq(s.filter, "(&(objectClass=*)(uid=EX\\5Cal\\2A))");
    ck_assert_ptr_null(agw_ldap_parse_name(tp, "uid=bob,ou=People,dc=example,dc=org", &n));
    ck_assert_ptr_null(agw_ldap_user_search(tp, &d, &n, &s));
    ck_assert_int_eq(s.scope_base, 1);
    ck_assert_str_eq(s.bind_name, "uid=bob,ou=People,dc=example,dc=org");
}
END_TEST

START_TEST(dn_comparison)
{
    ck_assert_int_eq(agw_ldap_dn_under(tp, "CN=a,DC=gw,DC=test", "dc=GW,dc=Test"), 1);
    ck_assert_int_eq(agw_ldap_dn_under(tp, "CN=a , DC = gw ;DC=test", "DC=gw,DC=test"), 1);
    ck_assert_int_eq(agw_ldap_dn_under(tp, "DC=gw,DC=test", "DC=gw,DC=test"), 1);
    ck_assert_int_eq(agw_ldap_dn_under(tp, "CN=a,DC=gw,DC=test", ""), 1);
    ck_assert_int_eq(agw_ldap_dn_under(tp, "CN=a,DC=\\67w,DC=test", "DC=gw,DC=test"), 1);
    ck_assert_int_eq(agw_ldap_dn_under(tp, "CN=a,DC=gwx,DC=test", "DC=gw,DC=test"), 0);
    ck_assert_int_eq(agw_ldap_dn_under(tp, "DC=test", "DC=gw,DC=test"), 0);
    /* an escaped comma is part of a value, not a separator */
    ck_assert_int_eq(agw_ldap_dn_under(tp, "CN=x,OU=a\\,DC=gw,DC=test",
                                       "DC=gw,DC=test"), 0);
    ck_assert_int_eq(agw_ldap_dn_under(tp, "CN=x+UID=y,DC=t", "DC=t"), 1);
    ck_assert_int_eq(agw_ldap_dn_under(tp, "CN=x+UID=y,DC=t", "CN=x,DC=t"), 0);
    ck_assert_int_eq(agw_ldap_dn_under(tp, "CN=a\\ ,DC=t", "CN=a,DC=t"), 0);
    ck_assert_int_eq(agw_ldap_dn_under(tp, "CN=a  ,DC=t", "CN=a,DC=t"), 1);
    ck_assert_int_eq(agw_ldap_dn_under(tp, "CN=#04024869,DC=t", "DC=t"), 1);
    ck_assert_int_eq(agw_ldap_dn_under(tp, "CN=a,,DC=t", "DC=t"), -1);
    ck_assert_int_eq(agw_ldap_dn_under(tp, "CN=a", "DC=t,"), -1);
}
END_TEST

START_TEST(domains_of_base)
{
    const char *const *d = agw_ldap_base_domains(tp, "OU=Partners,DC=gw,DC=test");
    ck_assert_str_eq(d[0], "gw.test");
    ck_assert_str_eq(d[1], "gw");
    ck_assert_ptr_null(d[2]);
    d = agw_ldap_base_domains(tp, "dc=local");
    ck_assert_str_eq(d[0], "local");
    ck_assert_ptr_null(d[1]);
    d = agw_ldap_base_domains(tp, "DC=a,OU=x,DC=b");
    ck_assert_str_eq(d[0], "b");
    ck_assert_ptr_null(agw_ldap_base_domains(tp, "")[0]);
    ck_assert_ptr_null(agw_ldap_base_domains(tp, "o=Example")[0]);
    ck_assert_ptr_null(agw_ldap_base_domains(tp, "not a dn")[0]);
}
END_TEST

START_TEST(filters)
{
    ck_assert_int_eq(agw_ldap_filter_ok("(objectClass=user)"), 1);
    ck_assert_int_eq(agw_ldap_filter_ok("(&(a=b)(!(c=\\28)))"), 1);
    ck_assert_int_eq(agw_ldap_filter_ok("(a=b)(c=d)"), 0);
    ck_assert_int_eq(agw_ldap_filter_ok("objectClass=user"), 0);
    ck_assert_int_eq(agw_ldap_filter_ok("(a=b"), 0);
    ck_assert_int_eq(agw_ldap_filter_ok("(a=b))"), 0);
    ck_assert_int_eq(agw_ldap_filter_ok("(&())"), 0);
    ck_assert_int_eq(agw_ldap_filter_ok("(a=\\2)"), 0);
    ck_assert_int_eq(agw_ldap_filter_ok("(a=\n)"), 0);
    ck_assert_int_eq(agw_ldap_filter_ok(NULL), 0);
}
END_TEST

#define SAMBA_BIND(code) "80090308: LdapErr: DSID-0C0903A9, comment: " \
    "AcceptSecurityContext error, data " code ", v1db1"

START_TEST(ad_bind_states)
{
    ck_assert_int_eq(agw_ad_bind_state(SAMBA_BIND("52e")), AGW_AD_BAD_PASSWORD);
    ck_assert_int_eq(agw_ad_bind_state(SAMBA_BIND("525")), AGW_AD_NO_SUCH_USER);
    ck_assert_int_eq(agw_ad_bind_state(SAMBA_BIND("530")), AGW_AD_LOGON_HOURS);
    ck_assert_int_eq(agw_ad_bind_state(SAMBA_BIND("531")), AGW_AD_WORKSTATION);
    ck_assert_int_eq(agw_ad_bind_state(SAMBA_BIND("532")), AGW_AD_PASSWORD_EXPIRED);
    ck_assert_int_eq(agw_ad_bind_state(SAMBA_BIND("533")), AGW_AD_DISABLED);
    ck_assert_int_eq(agw_ad_bind_state(SAMBA_BIND("701")), AGW_AD_ACCOUNT_EXPIRED);
    ck_assert_int_eq(agw_ad_bind_state(SAMBA_BIND("773")), AGW_AD_MUST_CHANGE);
    ck_assert_int_eq(agw_ad_bind_state(SAMBA_BIND("775")), AGW_AD_LOCKED);
    ck_assert_int_eq(agw_ad_bind_state("... data 52E"), AGW_AD_BAD_PASSWORD);
    ck_assert_int_eq(agw_ad_bind_state(SAMBA_BIND("0")), AGW_AD_OTHER);
    ck_assert_int_eq(agw_ad_bind_state("metadata 52e, x"), AGW_AD_UNKNOWN);
    ck_assert_int_eq(agw_ad_bind_state("data 52ex"), AGW_AD_UNKNOWN);
    ck_assert_int_eq(agw_ad_bind_state("data 123456789"), AGW_AD_UNKNOWN);
    ck_assert_int_eq(agw_ad_bind_state("Invalid credentials"), AGW_AD_UNKNOWN);
    ck_assert_int_eq(agw_ad_bind_state(NULL), AGW_AD_UNKNOWN);
}
END_TEST

START_TEST(ad_state_notes)
{
    ck_assert_str_eq(agw_ad_state_note(AGW_AD_PASSWORD_EXPIRED), "password-expired");
    ck_assert_str_eq(agw_ad_state_note(AGW_AD_MUST_CHANGE), "must-change");
    ck_assert_str_eq(agw_ad_state_note(AGW_AD_DISABLED), "disabled");
    ck_assert_str_eq(agw_ad_state_note(AGW_AD_ACCOUNT_EXPIRED), "account-expired");
    /* said whatever the password was: nothing for a stranger to learn */
    ck_assert_ptr_null(agw_ad_state_note(AGW_AD_LOCKED));
    ck_assert_ptr_null(agw_ad_state_note(AGW_AD_BAD_PASSWORD));
    ck_assert_ptr_null(agw_ad_state_note(AGW_AD_NO_SUCH_USER));
    ck_assert_ptr_null(agw_ad_state_note(AGW_AD_LOGON_HOURS));
    ck_assert_ptr_null(agw_ad_state_note(AGW_AD_UNKNOWN));
    ck_assert_str_eq(agw_ad_state_reason(AGW_AD_LOCKED), "locked");
    ck_assert_str_eq(agw_ad_state_reason(AGW_AD_OTHER), "refused");
    ck_assert_str_eq(agw_ad_state_reason((agw_ad_state)99), "refused");
    ck_assert_int_eq(agw_ad_state_needs_change(AGW_AD_MUST_CHANGE), 1);
    ck_assert_int_eq(agw_ad_state_needs_change(AGW_AD_PASSWORD_EXPIRED), 1);
    ck_assert_int_eq(agw_ad_state_needs_change(AGW_AD_DISABLED), 0);
}
END_TEST

START_TEST(filetimes)
{
    long long t = -1;
    ck_assert_int_eq(agw_ad_filetime("134437217820798770", 18, &t), 1);
    ck_assert_int_eq(t, 1799248182LL);
    ck_assert_int_eq(agw_ad_filetime("116444736000000000", 18, &t), 1);
    ck_assert_int_eq(t, 0);
    ck_assert_int_eq(agw_ad_filetime("0", 1, &t), 0);
    ck_assert_int_eq(agw_ad_filetime("9223372036854775807", 19, &t), 0);
    ck_assert_int_eq(agw_ad_filetime("9223372036854775808", 19, &t), -1);
    ck_assert_int_eq(agw_ad_filetime("99999999999999999999", 20, &t), -1);
    ck_assert_int_eq(agw_ad_filetime("1", 1, &t), -1);
    ck_assert_int_eq(agw_ad_filetime("-1", 2, &t), -1);
    ck_assert_int_eq(agw_ad_filetime("12a", 3, &t), -1);
    ck_assert_int_eq(agw_ad_filetime("", 0, &t), -1);
    /* the length is honoured, not a terminator */
    ck_assert_int_eq(agw_ad_filetime("1344372178207987701", 18, &t), 1);
    ck_assert_int_eq(t, 1799248182LL);
}
END_TEST

START_TEST(password_refusals)
{
    ck_assert_str_eq(agw_ldap_pw_refusal("0000052D: Constraint violation - "
        "check_password_restrictions: the password is too short. It should be"
        " equal or longer than 12 characters!"), "too-short");
    ck_assert_str_eq(agw_ldap_pw_refusal("0000052D: Constraint violation - "
        "check_password_restrictions: the password does not meet the"
        " complexity criteria!"), "complexity");
    ck_assert_str_eq(agw_ldap_pw_refusal("0000052D: Constraint violation - "
        "check_password_restrictions: the password was already used"
        " (previous password)!"), "history");
    ck_assert_str_eq(agw_ldap_pw_refusal("0000052D: Constraint violation - "
        "check_password_restrictions: password is too young to change!"),
        "min-age");
    ck_assert_str_eq(agw_ldap_pw_refusal("00000056: Constraint violation - "
        "check_password_restrictions: The old password specified doesn't"
        " match!"), AGW_LDAP_WRONG_CURRENT);
    /* Windows AD says only 52D */
    ck_assert_str_eq(agw_ldap_pw_refusal("0000052D: AtrErr: DSID-03191083, #1:"
        "\n\t0: 0000052D: DSID-03191083, problem 1005 (CONSTRAINT_ATT_TYPE),"
        " data 0, Att 9005a (unicodePwd)\n"), "policy");
    /* OpenLDAP ppolicy */
    ck_assert_str_eq(agw_ldap_pw_refusal("Password fails quality checking policy"),
                     "complexity");
    ck_assert_str_eq(agw_ldap_pw_refusal("Password is in history of old passwords"),
                     "history");
    ck_assert_str_eq(agw_ldap_pw_refusal("Password is too short for policy"),
                     "too-short");
    ck_assert_str_eq(agw_ldap_pw_refusal(""), "policy");
    ck_assert_str_eq(agw_ldap_pw_refusal(NULL), "policy");
}
END_TEST

static void check_pwd(const char *pw, const unsigned char *want, size_t wlen)
{
    unsigned char *out;
    size_t n;
    ck_assert_int_eq(agw_ad_unicode_pwd(tp, pw, strlen(pw), &out, &n), 0);
    ck_assert_uint_eq(n, wlen);
    ck_assert_mem_eq(out, want, wlen);
}

START_TEST(unicode_pwd)
{
    static const unsigned char ab[] = { '"', 0, 'a', 0, 'b', 0, '"', 0 };
    static const unsigned char e[] = { '"', 0, 0xe9, 0, 0xac, 0x20, '"', 0 };
    static const unsigned char clef[] = { '"', 0, 0x34, 0xd8, 0x1e, 0xdd, '"', 0 };
    static const unsigned char empty[] = { '"', 0, '"', 0 };
    check_pwd("ab", ab, sizeof ab);
    check_pwd("\xc3\xa9\xe2\x82\xac", e, sizeof e);     /* é€ */
    check_pwd("\xf0\x9d\x84\x9e", clef, sizeof clef);  /* U+1D11E */
    check_pwd("", empty, sizeof empty);
}
END_TEST

static const char *const bad_utf8[] = {
    "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
    "\xe2\x82", "\x80", "a\xff", "\xf8\x88\x80\x80\x80", "\xc3",
};

START_TEST(unicode_pwd_refuses_bad_utf8)
{
    unsigned char *out = NULL;
    size_t n = 0;
    ck_assert_int_eq(agw_ad_unicode_pwd(tp, bad_utf8[_i], strlen(bad_utf8[_i]),
                                        &out, &n), -1);
}
END_TEST

START_TEST(unicode_pwd_refuses_nul)
{
    unsigned char *out;
    size_t n;
    ck_assert_int_eq(agw_ad_unicode_pwd(tp, "a\0b", 3, &out, &n), -1);
}
END_TEST

START_TEST(primary_group_sid)
{
    static const unsigned char user[] = {
        0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x15, 0x00, 0x00, 0x00,
        0x0d, 0xa4, 0xed, 0x81, 0xd2, 0xd0, 0x36, 0xbc, 0xcf, 0xa1, 0xfa, 0xce,
        0x4e, 0x04, 0x00, 0x00
    };
    ck_assert_str_eq(agw_ad_group_sid(tp, user, sizeof user, 513),
                     "\\01\\05\\00\\00\\00\\00\\00\\05\\15\\00\\00\\00\\0D\\A4"
                     "\\ED\\81\\D2\\D0\\36\\BC\\CF\\A1\\FA\\CE\\01\\02\\00\\00");
    ck_assert_ptr_null(agw_ad_group_sid(tp, user, sizeof user - 1, 513));
    ck_assert_ptr_null(agw_ad_group_sid(tp, user, 8, 513));
    {
        unsigned char bad[sizeof user];
        memcpy(bad, user, sizeof user);
        bad[0] = 2;
        ck_assert_ptr_null(agw_ad_group_sid(tp, bad, sizeof bad, 513));
        bad[0] = 1;
        bad[1] = 4;
        ck_assert_ptr_null(agw_ad_group_sid(tp, bad, sizeof bad, 513));
    }
}
END_TEST

Suite *suite_ldap(void)
{
    Suite *s = suite_create("ldap");
    TCase *t = tcase_create("core");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, escape_specials_and_non_ascii);
    tcase_add_test(t, name_forms);
    tcase_add_loop_test(t, name_refused, 0, sizeof bad_names / sizeof bad_names[0]);
    tcase_add_test(t, name_too_long);
    tcase_add_test(t, ad_searches);
    tcase_add_loop_test(t, injection_escaped, 0,
                        sizeof injections / sizeof injections[0]);
    tcase_add_test(t, generic_searches);
    tcase_add_test(t, dn_comparison);
    tcase_add_test(t, domains_of_base);
    tcase_add_test(t, filters);
    tcase_add_test(t, ad_bind_states);
    tcase_add_test(t, ad_state_notes);
    tcase_add_test(t, filetimes);
    tcase_add_test(t, password_refusals);
    tcase_add_test(t, unicode_pwd);
    tcase_add_loop_test(t, unicode_pwd_refuses_bad_utf8, 0,
                        sizeof bad_utf8 / sizeof bad_utf8[0]);
    tcase_add_test(t, unicode_pwd_refuses_nul);
    tcase_add_test(t, primary_group_sid);
    suite_add_tcase(s, t);
    return s;
}
