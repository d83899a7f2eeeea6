#include <apr_tables.h>

#include "agw_html.h"
#include "suites.h"

START_TEST(escapes_markup)
{
    ck_assert_str_eq(agw_html_escape(tp, "<a href=\"x\">'&'</a>"),
                     "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}
END_TEST

START_TEST(renders_with_escaping)
{
    apr_table_t *v = apr_table_make(tp, 2);
    apr_table_setn(v, "return", "\"><script>alert(1)</script>");
    apr_table_setn(v, "t", "T");
    ck_assert_str_eq(agw_template_render(tp, "<i v=\"{{return}}\">{{ t }}{{missing}}</i>", v),
                     "<i v=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\">T</i>");
}
END_TEST

START_TEST(unclosed_placeholder_is_literal)
{
    apr_table_t *v = apr_table_make(tp, 1);
    ck_assert_str_eq(agw_template_render(tp, "a {{b", v), "a {{b");
    ck_assert_str_eq(agw_template_render(tp, "", v), "");
}
END_TEST

START_TEST(placeholders_in_order)
{
    const char *t = "<p>{{ a }}</p>{{text.b}}{{c", *at, *end;
    char *name;
    at = agw_template_next(tp, t, &name, &end);
    ck_assert_ptr_eq(at, t + 3);
    ck_assert_str_eq(name, "a");
    ck_assert_str_eq(end, "</p>{{text.b}}{{c");
    at = agw_template_next(tp, end, &name, &end);
    ck_assert_str_eq(name, "text.b");
    ck_assert_str_eq(end, "{{c");
    ck_assert_ptr_null(agw_template_next(tp, end, &name, &end));
}
END_TEST

Suite *suite_html(void)
{
    Suite *s = suite_create("html");
    TCase *t = tcase_create("core");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, escapes_markup);
    tcase_add_test(t, renders_with_escaping);
    tcase_add_test(t, unclosed_placeholder_is_literal);
    tcase_add_test(t, placeholders_in_order);
    suite_add_tcase(s, t);
    return s;
}
