#include <string.h>

#include <apr_strings.h>
#include <apr_tables.h>

#include "agw_lang.h"
#include "suites.h"

static const char *const avail[] = { "en", "de", "fr" };

static int pick(const char *header)
{
    return agw_lang_choose(header, avail, 3);
}

START_TEST(plain_ranges)
{
    ck_assert_int_eq(pick("de"), 1);
    ck_assert_int_eq(pick("fr"), 2);
    ck_assert_int_eq(pick("en-US,en;q=0.9"), 0);
    ck_assert_int_eq(pick("DE"), 1);
    ck_assert_int_eq(pick("ja, de"), 1);
}
END_TEST

START_TEST(q_values_order)
{
    ck_assert_int_eq(pick("fr-CH;q=0.9"), 2);
    ck_assert_int_eq(pick("en;q=0.5, de;q=0.8, fr;q=0.7"), 1);
    ck_assert_int_eq(pick("en;q=0.8,de;q=0.8"), 0); /* the earlier of equals */
    ck_assert_int_eq(pick("de;q=0.8,en;q=0.8"), 1);
    ck_assert_int_eq(pick("fr;q=1.0, de;q=1"), 2);
    ck_assert_int_eq(pick("de;q=0.001, fr;q=0.000"), 1);
    ck_assert_int_eq(pick("de;q=0, fr;q=0.1"), 2);
    ck_assert_int_eq(pick("de ; q=0.5 , fr ; Q=0.6"), 2);
    ck_assert_int_eq(pick("\tfr\t;\tq=0.5\t"), 2);
}
END_TEST

START_TEST(truncation_and_prefix)
{
    static const char *const regional[] = { "en", "pt-BR", "zh-Hant", "de-CH" };
    ck_assert_int_eq(pick("fr-CH"), 2);
    ck_assert_int_eq(pick("de-DE-1996"), 1);
    ck_assert_int_eq(agw_lang_choose("pt", regional, 4), 1);
    ck_assert_int_eq(agw_lang_choose("zh-Hant-TW", regional, 4), 2);
    ck_assert_int_eq(agw_lang_choose("de-ch", regional, 4), 3);
    /* a sibling region is no match; its language range is */
    ck_assert_int_eq(agw_lang_choose("de-AT, pt-BR;q=0.5", regional, 4), 1);
    ck_assert_int_eq(agw_lang_choose("de-AT, de;q=0.9, pt;q=0.5", regional, 4), 3);
    /* a longer match of an earlier range wins over a later exact one */
    ck_assert_int_eq(agw_lang_choose("zh-Hant-HK, en", regional, 4), 2);
    /* "fr" is not a prefix of "fry" */
    ck_assert_int_eq(agw_lang_choose("fr", (const char *const[]){ "fry" }, 1), -1);
}
END_TEST

START_TEST(wildcard_and_exclusion)
{
    ck_assert_int_eq(pick("*"), 0);
    ck_assert_int_eq(pick("ja, *;q=0.1"), 0);
    ck_assert_int_eq(pick("en;q=0, *"), 1);
    ck_assert_int_eq(pick("en;q=0, de;q=0, *"), 2);
    ck_assert_int_eq(pick("en;q=0, de;q=0, fr;q=0, *"), -1);
    ck_assert_int_eq(pick("fr-CH, fr;q=0"), -1);
    ck_assert_int_eq(pick("*;q=0"), -1);
}
END_TEST

START_TEST(nothing_acceptable)
{
    ck_assert_int_eq(pick(NULL), -1);
    ck_assert_int_eq(pick(""), -1);
    ck_assert_int_eq(pick("ja, zh-CN;q=0.5"), -1);
    ck_assert_int_eq(agw_lang_choose("de", avail, 0), -1);
}
END_TEST

START_TEST(malformed_elements_are_skipped)
{
    ck_assert_int_eq(pick("de;q=2, fr"), 2);
    ck_assert_int_eq(pick("de;q=0.1234, fr;q=0.1"), 2);
    ck_assert_int_eq(pick("de;q=, fr;q=0.1"), 2);
    ck_assert_int_eq(pick("de;q=1.001, fr;q=0.1"), 2);
    ck_assert_int_eq(pick("de;level=1, fr;q=0.1"), 2);
    ck_assert_int_eq(pick("d3, fr;q=0.1"), 2);
    ck_assert_int_eq(pick("toolongtag, fr;q=0.1"), 2);
    ck_assert_int_eq(pick("de--x, -de, de-, fr"), 2);
    ck_assert_int_eq(pick(",,, ,fr"), 2);
    ck_assert_int_eq(pick("de\xc3\xa4, fr"), 2);
    ck_assert_int_eq(pick(";q=1, fr"), 2);
    ck_assert_int_eq(pick("**, fr"), 2);
}
END_TEST

START_TEST(many_ranges_are_bounded)
{
    /* 40 ranges that match nothing, then German: only the first
     * AGW_LANG_MAX_RANGES well-formed ranges are looked at. */
    char *h = apr_pstrdup(tp, "");
    int i;
    for (i = 0; i < 40; i++)
        h = apr_pstrcat(tp, h, "ja, ", NULL);
    ck_assert_int_eq(pick(apr_pstrcat(tp, h, "de", NULL)), -1);
    ck_assert_int_eq(pick(apr_pstrcat(tp, "de, ", h, NULL)), 1);
}
END_TEST

START_TEST(tags)
{
    ck_assert(agw_lang_tag_ok("en"));
    ck_assert(agw_lang_tag_ok("de-CH"));
    ck_assert(agw_lang_tag_ok("zh-Hant-TW"));
    ck_assert(agw_lang_tag_ok("de-1996"));
    ck_assert(!agw_lang_tag_ok("*"));
    ck_assert(!agw_lang_tag_ok(""));
    ck_assert(!agw_lang_tag_ok(NULL));
    ck_assert(!agw_lang_tag_ok("e1"));
    ck_assert(!agw_lang_tag_ok("de_CH"));
    ck_assert(!agw_lang_tag_ok("de-"));
    ck_assert(!agw_lang_tag_ok("../etc"));
    ck_assert(!agw_lang_tag_ok("abcdefghi"));
    ck_assert(!agw_lang_tag_ok("a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r-s"));
}
END_TEST

static const char *parse(const char *text, apr_table_t **t, int *line)
{
    *t = apr_table_make(tp, 4);
    return agw_strings_parse(tp, text, strlen(text), "text.", *t, line);
}

START_TEST(strings_file)
{
    apr_table_t *t;
    int line;
    const char *why = parse("\xEF\xBB\xBF# comment\n\ntitle = Anmelden \r\n"
                            "  msg.x=a = b\nempty =\nlast_line = ü", &t, &line);
    ck_assert_ptr_null(why);
    ck_assert_str_eq(apr_table_get(t, "text.title"), "Anmelden");
    ck_assert_str_eq(apr_table_get(t, "text.msg.x"), "a = b");
    ck_assert_str_eq(apr_table_get(t, "text.empty"), "");
    ck_assert_str_eq(apr_table_get(t, "text.last_line"), "ü");
    ck_assert_ptr_null(apr_table_get(t, "title"));
}
END_TEST

START_TEST(strings_file_errors)
{
    apr_table_t *t;
    int line;
    ck_assert_ptr_nonnull(parse("a = 1\nno equals sign\n", &t, &line));
    ck_assert_int_eq(line, 2);
    ck_assert_ptr_nonnull(parse("a = 1\n\n# c\na = 2\n", &t, &line));
    ck_assert_int_eq(line, 4);
    ck_assert_ptr_nonnull(parse(" = value\n", &t, &line));
    ck_assert_int_eq(line, 1);
    ck_assert_ptr_nonnull(parse("Title = x\n", &t, &line));
    ck_assert_ptr_nonnull(parse("a b = x\n", &t, &line));
    ck_assert_ptr_nonnull(parse("a = \xc3\x28\n", &t, &line));
    ck_assert_int_eq(line, 0);
    ck_assert_ptr_nonnull(parse("a = \xed\xa0\x80\n", &t, &line)); /* surrogate */
    ck_assert_ptr_nonnull(parse("a = \xc0\xaf\n", &t, &line));     /* overlong */
    ck_assert_ptr_nonnull(parse("a = \xf4\x90\x80\x80\n", &t, &line)); /* > U+10FFFF */
    ck_assert_ptr_nonnull(parse("a = \xe2\x82\n", &t, &line));     /* cut short */
    ck_assert_ptr_nonnull(agw_strings_parse(tp, "a = 1\0b = 2", 11, "", t, &line));
}
END_TEST

Suite *suite_lang(void)
{
    Suite *s = suite_create("lang");
    TCase *t = tcase_create("core");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, plain_ranges);
    tcase_add_test(t, q_values_order);
    tcase_add_test(t, truncation_and_prefix);
    tcase_add_test(t, wildcard_and_exclusion);
    tcase_add_test(t, nothing_acceptable);
    tcase_add_test(t, malformed_elements_are_skipped);
    tcase_add_test(t, many_ranges_are_bounded);
    tcase_add_test(t, tags);
    tcase_add_test(t, strings_file);
    tcase_add_test(t, strings_file_errors);
    suite_add_tcase(s, t);
    return s;
}
