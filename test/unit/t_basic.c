#include <string.h>

#include <apr_strings.h>

#include "agw_b64.h"
#include "agw_basic.h"
#include "suites.h"

static agw_basic_status parse(const char *h, const char **u, const char **pw,
                              const char **why)
{
    *u = *pw = NULL;
    return agw_basic_parse(tp, h, u, pw, why);
}

/* "Basic " + base64 of the n bytes of raw */
static const char *basic_of(const char *raw, size_t n)
{
    char *enc = apr_palloc(tp, agw_b64std_enc_len(n) + 1);
    agw_b64std_encode((const unsigned char *)raw, n, enc);
    return apr_pstrcat(tp, "Basic ", enc, NULL);
}

START_TEST(good_credentials)
{
    const char *u, *pw, *why;
    ck_assert_int_eq(parse("Basic YWxpY2U6QWwxY2UtcGFzcw==", &u, &pw, &why),
                     AGW_BASIC_OK);
    ck_assert_str_eq(u, "alice");
    ck_assert_str_eq(pw, "Al1ce-pass");
    ck_assert_ptr_null(why);
    /* the scheme in any case, spaces around the token */
    ck_assert_int_eq(parse("bAsIc   YWxpY2U6QWwxY2UtcGFzcw==  ", &u, &pw, &why),
                     AGW_BASIC_OK);
    ck_assert_str_eq(u, "alice");
    /* the password may hold ':' and be empty; UTF-8 passes */
    ck_assert_int_eq(parse(basic_of("bob:a:b:c", 9), &u, &pw, &why), AGW_BASIC_OK);
    ck_assert_str_eq(u, "bob");
    ck_assert_str_eq(pw, "a:b:c");
    ck_assert_int_eq(parse(basic_of("bob:", 4), &u, &pw, &why), AGW_BASIC_OK);
    ck_assert_str_eq(pw, "");
    ck_assert_int_eq(parse(basic_of("j\xc3\xbcrgen:p\xc3\xa4ss", 13), &u, &pw, &why),
                     AGW_BASIC_OK);
    ck_assert_str_eq(u, "j\xc3\xbcrgen");
}
END_TEST

START_TEST(other_schemes)
{
    const char *u, *pw, *why;
    ck_assert_int_eq(parse(NULL, &u, &pw, &why), AGW_BASIC_NOT_BASIC);
    ck_assert_int_eq(parse("", &u, &pw, &why), AGW_BASIC_NOT_BASIC);
    ck_assert_int_eq(parse("Bearer abc", &u, &pw, &why), AGW_BASIC_NOT_BASIC);
    ck_assert_int_eq(parse("NTLM TlRMTVNTUAABAAAA", &u, &pw, &why),
                     AGW_BASIC_NOT_BASIC);
    ck_assert_int_eq(parse("Basicx YWxpY2U6eA==", &u, &pw, &why),
                     AGW_BASIC_NOT_BASIC);
    ck_assert_ptr_null(u);
}
END_TEST

START_TEST(malformed_credentials)
{
    const char *u, *pw, *why;
    static const char *const bad[] = {
        "Basic", "Basic ", "Basic    ",
        "Basic YWxpY2U6eA",          /* padding missing */
        "Basic YWxpY2U6eA=",         /* wrong padding */
        "Basic YWxpY2U6eB==",        /* non-zero trailing bits */
        "Basic YWxp Y2U6eA==",       /* a space inside */
        "Basic YWxpY2U6eA==\r\n",    /* a line end */
        "Basic !!!!",
        "Basic YWxpY2U=",            /* "alice": no colon */
        "Basic OnBhc3M=",            /* ":pass": empty user */
        "Basic ====",
        NULL
    };
    int i;
    for (i = 0; bad[i]; i++) {
        ck_assert_msg(parse(bad[i], &u, &pw, &why) == AGW_BASIC_MALFORMED,
                      "accepted: %s", bad[i]);
        ck_assert_ptr_nonnull(why);
        ck_assert_ptr_null(u);
    }
    ck_assert_int_eq(parse(basic_of("al\0ce:x", 7), &u, &pw, &why),
                     AGW_BASIC_MALFORMED);
    ck_assert_int_eq(parse(basic_of("alice:x\0y", 9), &u, &pw, &why),
                     AGW_BASIC_MALFORMED);
    ck_assert_int_eq(parse(basic_of("al\nice:x", 8), &u, &pw, &why),
                     AGW_BASIC_MALFORMED);
}
END_TEST

START_TEST(length_limit)
{
    const char *u, *pw, *why;
    char *raw = apr_palloc(tp, AGW_BASIC_MAX + 2);
    memset(raw, 'a', AGW_BASIC_MAX + 1);
    raw[1] = ':';
    ck_assert_int_eq(parse(basic_of(raw, AGW_BASIC_MAX), &u, &pw, &why),
                     AGW_BASIC_OK);
    ck_assert_uint_eq(strlen(pw), AGW_BASIC_MAX - 2);
    ck_assert_int_eq(parse(basic_of(raw, AGW_BASIC_MAX + 1), &u, &pw, &why),
                     AGW_BASIC_MALFORMED);
}
END_TEST

START_TEST(encode_round_trip)
{
    const char *u, *pw, *why, *h = agw_basic_encode(tp, "CORP\\alice", "p:w d");
    ck_assert_str_eq(h, basic_of("CORP\\alice:p:w d", 16));
    ck_assert_int_eq(parse(h, &u, &pw, &why), AGW_BASIC_OK);
    ck_assert_str_eq(u, "CORP\\alice");
    ck_assert_str_eq(pw, "p:w d");
    /* names Basic cannot carry */
    ck_assert_ptr_null(agw_basic_encode(tp, "a:b", "x"));
    ck_assert_ptr_null(agw_basic_encode(tp, "a\r\nX-Evil: 1", "x"));
    ck_assert_ptr_null(agw_basic_encode(tp, "", "x"));
}
END_TEST

START_TEST(challenge_quotes_the_realm)
{
    ck_assert_str_eq(agw_basic_challenge(tp, "Example \"Corp\" \\ IT"),
                     "Basic realm=\"Example \\\"Corp\\\" \\\\ IT\", charset=\"UTF-8\"");
    ck_assert_str_eq(agw_basic_challenge(tp, NULL),
                     "Basic realm=\"authgw\", charset=\"UTF-8\"");
}
END_TEST

Suite *suite_basic(void)
{
    Suite *s = suite_create("basic");
    TCase *t = tcase_create("core");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, good_credentials);
    tcase_add_test(t, other_schemes);
    tcase_add_test(t, malformed_credentials);
    tcase_add_test(t, length_limit);
    tcase_add_test(t, encode_round_trip);
    tcase_add_test(t, challenge_quotes_the_realm);
    suite_add_tcase(s, t);
    return s;
}
