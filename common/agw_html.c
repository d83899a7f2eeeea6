#include "agw_html.h"

#include <string.h>

#include <apr_strings.h>

char *agw_html_escape(apr_pool_t *p, const char *s)
{
    size_t n = 0;
    const char *c;
    char *out, *o;

    for (c = s; *c; c++)
        n += strchr("<>&\"'", *c) ? 6 : 1;
    out = o = apr_palloc(p, n + 1);
    for (c = s; *c; c++) {
        switch (*c) {
        case '<': memcpy(o, "&lt;", 4); o += 4; break;
        case '>': memcpy(o, "&gt;", 4); o += 4; break;
        case '&': memcpy(o, "&amp;", 5); o += 5; break;
        case '"': memcpy(o, "&quot;", 6); o += 6; break;
        case '\'': memcpy(o, "&#39;", 5); o += 5; break;
        default: *o++ = *c;
        }
    }
    *o = '\0';
    return out;
}

const char *agw_template_next(apr_pool_t *p, const char *s, char **name,
                              const char **end)
{
    const char *open = strstr(s, "{{"), *close;

    if (!open || !(close = strstr(open + 2, "}}")))
        return NULL;
    *name = apr_pstrmemdup(p, open + 2, (size_t)(close - open - 2));
    apr_collapse_spaces(*name, *name); /* returns the end, not name */
    *end = close + 2;
    return open;
}

char *agw_template_render(apr_pool_t *p, const char *tmpl,
                          const apr_table_t *vars)
{
    apr_array_header_t *parts = apr_array_make(p, 16, sizeof(const char *));
    const char *s = tmpl, *open, *end, *val;
    char *name;

    while ((open = agw_template_next(p, s, &name, &end)) != NULL) {
        APR_ARRAY_PUSH(parts, const char *) = apr_pstrmemdup(p, s, (size_t)(open - s));
        val = apr_table_get(vars, name);
        APR_ARRAY_PUSH(parts, const char *) = val ? agw_html_escape(p, val) : "";
        s = end;
    }
    APR_ARRAY_PUSH(parts, const char *) = s;
    return apr_array_pstrcat(p, parts, 0);
}
