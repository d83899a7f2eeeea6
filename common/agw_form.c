#include "agw_form.h"

#include <string.h>

#include "agw_bytes.h"

/* Decodes [s, s+n) into a new string; NULL when malformed. */
static char *decode(apr_pool_t *p, const char *s, size_t n)
{
    char *out = apr_palloc(p, n + 1), *o = out;
    size_t i;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        }
        else if (c == '%') {
            int hi, lo;
            if (n - i < 3 || (hi = agw_hex_digit(s[i + 1])) < 0
                || (lo = agw_hex_digit(s[i + 2])) < 0)
                return NULL;
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (c == '\0')
            return NULL;
        *o++ = c;
    }
    *o = '\0';
    return out;
}

const char *agw_form_parse(apr_pool_t *p, const char *in, size_t len,
                           int max_fields, apr_table_t **out)
{
    apr_table_t *t = apr_table_make(p, 8);
    size_t pos = 0;
    int fields = 0;

    while (pos < len) {
        const char *s = in + pos, *amp = memchr(s, '&', len - pos), *eq;
        size_t n = amp ? (size_t)(amp - s) : len - pos;
        char *name, *value;

        pos += n + (amp != NULL);
        if (n == 0)
            continue;
        if (++fields > max_fields)
            return "too many fields";
        eq = memchr(s, '=', n);
        name = decode(p, s, eq ? (size_t)(eq - s) : n);
        value = eq ? decode(p, eq + 1, n - (size_t)(eq - s) - 1) : "";
        if (!name || !value)
            return "bad percent-escape or NUL";
        if (*name == '\0')
            return "field without a name";
        if (apr_table_get(t, name))
            return "field given twice";
        apr_table_setn(t, name, value);
    }
    *out = t;
    return NULL;
}

char *agw_pct_encode(apr_pool_t *p, const char *s, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, strlen(s) * 3 + 1), *o = out;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~' || (keep_slash && c == '/')) {
            *o++ = (char)c;
        }
        else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}
