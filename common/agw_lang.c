#include "agw_lang.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

/* One element of Accept-Language: the range (not NUL-terminated), its
 * weight in thousandths and its place in the header. */
typedef struct {
    const char *s;
    size_t len;
    int q;
    int order;
} lang_range;

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* language-range = (1*8ALPHA *("-" 1*8alphanum)) / "*"  (RFC 4647 2.1) */
static int range_ok(const char *s, size_t len)
{
    size_t i, part = 0;
    int first = 1;

    if (len == 1 && s[0] == '*')
        return 1;
    if (len == 0 || len > AGW_LANG_MAX_TAG)
        return 0;
    for (i = 0; i < len; i++) {
        if (s[i] == '-') {
            if (part == 0)
                return 0;
            part = 0;
            first = 0;
        }
        else if (!(apr_isalpha(s[i]) || (!first && apr_isdigit(s[i])))
                 || ++part > 8)
            return 0;
    }
    return part > 0;
}

int agw_lang_tag_ok(const char *tag)
{
    return tag && strcmp(tag, "*") && range_ok(tag, strlen(tag));
}

/* weight = OWS ";" OWS "q=" qvalue; qvalue = ( "0" [ "." 0*3DIGIT ] ) /
 * ( "1" [ "." 0*3("0") ] ).  Returns thousandths, or -1. */
static int parse_weight(const char *s, size_t len)
{
    size_t i = 2;
    int q, scale = 100;

    if (len < 3 || (s[0] != 'q' && s[0] != 'Q') || s[1] != '='
        || (s[2] != '0' && s[2] != '1'))
        return -1;
    q = (s[i++] - '0') * 1000;
    if (i < len && s[i] == '.') {
        for (i++; i < len && apr_isdigit(s[i]) && scale; i++, scale /= 10)
            q += (s[i] - '0') * scale;
    }
    return i == len && q <= 1000 ? q : -1;
}

/* One comma-separated element: 0, or -1 when it is malformed. */
static int parse_element(const char *s, size_t len, lang_range *out)
{
    const char *semi;
    size_t rlen;

    while (len && is_ows(s[len - 1]))
        len--;
    semi = memchr(s, ';', len);
    rlen = semi ? (size_t)(semi - s) : len;

    while (rlen && is_ows(s[rlen - 1]))
        rlen--;
    if (!range_ok(s, rlen))
        return -1;
    out->s = s;
    out->len = rlen;
    out->q = 1000;
    if (semi) {
        const char *w = semi + 1;
        size_t wlen = len - (size_t)(w - s);
        while (wlen && is_ows(*w)) {
            w++;
            wlen--;
        }
        out->q = parse_weight(w, wlen);
    }
    return out->q < 0 ? -1 : 0;
}

/* The well-formed ranges of header, by weight then order. */
static int parse_ranges(const char *header, lang_range *r)
{
    const char *s = header;
    int n = 0, i, j;

    while (*s && n < AGW_LANG_MAX_RANGES) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        const char *e = s;
        while (len && is_ows(*e)) {
            e++;
            len--;
        }
        if (len && parse_element(e, len, &r[n]) == 0) {
            r[n].order = n;
            n++;
        }
        if (!comma)
            break;
        s = comma + 1;
    }
    /* insertion sort: stable, and n is small */
    for (i = 1; i < n; i++) {
        lang_range t = r[i];
        for (j = i; j > 0 && r[j - 1].q < t.q; j--)
            r[j] = r[j - 1];
        r[j] = t;
    }
    return n;
}

static int same(const char *tag, const char *s, size_t len)
{
    return strlen(tag) == len && !strncasecmp(tag, s, len);
}

/* The range matches tag exactly or as its prefix ("fr" and "fr-CA"). */
static int covers(const lang_range *r, const char *tag)
{
    return !strncasecmp(tag, r->s, r->len)
        && (tag[r->len] == '\0' || tag[r->len] == '-');
}

static int ruled_out(const lang_range *r, int n, const char *tag)
{
    int i;
    for (i = 0; i < n; i++)
        if (r[i].q == 0 && (r[i].len == 1 && r[i].s[0] == '*' ? 0
                            : covers(&r[i], tag)))
            return 1;
    return 0;
}

static int match(const lang_range *all, int nr, const lang_range *r,
                 const char *const *avail, int n)
{
    size_t len = r->len;
    int i;

    if (r->len == 1 && r->s[0] == '*') {
        for (i = 0; i < n; i++)
            if (!ruled_out(all, nr, avail[i]))
                return i;
        return -1;
    }
    /* the range, then the range cut at each '-' from the right */
    for (;;) {
        for (i = 0; i < n; i++)
            if (same(avail[i], r->s, len) && !ruled_out(all, nr, avail[i]))
                return i;
        while (len && r->s[len - 1] != '-')
            len--;
        if (!len)
            break;
        len--;
    }
    for (i = 0; i < n; i++)
        if (covers(r, avail[i]) && !ruled_out(all, nr, avail[i]))
            return i;
    return -1;
}

int agw_lang_choose(const char *header, const char *const *avail, int n)
{
    lang_range r[AGW_LANG_MAX_RANGES];
    int nr, i, found;

    if (!header)
        return -1;
    nr = parse_ranges(header, r);
    for (i = 0; i < nr && r[i].q > 0; i++)
        if ((found = match(r, nr, &r[i], avail, n)) >= 0)
            return found;
    return -1;
}

/* Length of the UTF-8 sequence at s (at most left bytes), 0 when it is not
 * well-formed (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t left)
{
    size_t n, i;
    unsigned int lo = 0x80, hi = 0xBF;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        if (s[0] == 0xE0)
            lo = 0xA0;
        else if (s[0] == 0xED)
            hi = 0x9F;
    }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        if (s[0] == 0xF0)
            lo = 0x90;
        else if (s[0] == 0xF4)
            hi = 0x8F;
    }
    else
        return 0;
    if (left < n || s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

static const char *check_text(const char *text, size_t len)
{
    size_t i = 0, k;
    while (i < len) {
        if (text[i] == '\0')
            return "a NUL byte in the file";
        if (!(k = utf8_len((const unsigned char *)text + i, len - i)))
            return "the file is not UTF-8";
        i += k;
    }
    return NULL;
}

static int key_char(char c)
{
    return apr_islower(c) || apr_isdigit(c) || c == '_' || c == '.' || c == '-';
}

/* One line, without its end: NULL, or what is wrong with it. */
static const char *parse_line(apr_pool_t *p, const char *s, size_t len,
                              const char *prefix, apr_table_t *out)
{
    const char *eq, *v;
    size_t klen, vlen, i;
    char *key;

    while (len && apr_isspace(s[len - 1]))
        len--;
    while (len && apr_isspace(*s)) {
        s++;
        len--;
    }
    if (!len || *s == '#')
        return NULL;
    if (!(eq = memchr(s, '=', len)))
        return "not a 'key = value' line";
    klen = (size_t)(eq - s);
    while (klen && apr_isspace(s[klen - 1]))
        klen--;
    if (!klen)
        return "no key before '='";
    for (i = 0; i < klen; i++)
        if (!key_char(s[i]))
            return "a key holds only a-z, 0-9, '_', '.' and '-'";
    v = eq + 1;
    vlen = len - (size_t)(v - s);
    while (vlen && apr_isspace(*v)) {
        v++;
        vlen--;
    }
    key = apr_pstrcat(p, prefix, apr_pstrmemdup(p, s, klen), NULL);
    if (apr_table_get(out, key))
        return "the key is given twice";
    apr_table_setn(out, key, apr_pstrmemdup(p, v, vlen));
    return NULL;
}

const char *agw_strings_parse(apr_pool_t *p, const char *text, size_t len,
                              const char *prefix, apr_table_t *out, int *line)
{
    const char *why, *end = text + len, *s = text;

    *line = 0;
    if ((why = check_text(text, len)) != NULL)
        return why;
    if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
        s += 3;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *eol = nl ? nl : end;
        ++*line;
        if ((why = parse_line(p, s, (size_t)(eol - s), prefix, out)) != NULL)
            return why;
        s = nl ? nl + 1 : end;
    }
    return NULL;
}
