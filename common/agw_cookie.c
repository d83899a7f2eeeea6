#include "agw_cookie.h"

#include <string.h>

#include <apr_strings.h>

/* Calls fn for each "name=value" pair; stops when fn returns non-zero. */
typedef int (*pair_fn)(void *ctx, const char *pair, size_t plen,
                       const char *name, size_t nlen,
                       const char *value, size_t vlen);

/* Pairs end at ';', and also at ',': RFC 6265 values never hold a comma,
 * and httpd joins repeated Cookie headers (which some clients send) with
 * ", ". */
static void each_pair(const char *h, pair_fn fn, void *ctx)
{
    while (*h) {
        const char *end = h + strcspn(h, ";,"), *eq, *n0, *n1, *v0, *v1;
        n0 = h;
        while (n0 < end && (*n0 == ' ' || *n0 == '\t'))
            n0++;
        v1 = end;
        while (v1 > n0 && (v1[-1] == ' ' || v1[-1] == '\t'))
            v1--;
        eq = memchr(n0, '=', (size_t)(v1 - n0));
        if (eq) {
            n1 = eq;
            while (n1 > n0 && (n1[-1] == ' ' || n1[-1] == '\t'))
                n1--;
            v0 = eq + 1;
            while (v0 < v1 && (*v0 == ' ' || *v0 == '\t'))
                v0++;
            if (v1 - v0 >= 2 && *v0 == '"' && v1[-1] == '"') {
                v0++;
                v1--;
            }
            if (fn(ctx, n0, (size_t)(end - n0), n0, (size_t)(n1 - n0), v0,
                   (size_t)(v1 - v0)))
                return;
        }
        else if (v1 > n0 && fn(ctx, n0, (size_t)(v1 - n0), NULL, 0, NULL, 0)) {
            return;
        }
        h = *end ? end + 1 : end;
    }
}

struct find_ctx {
    apr_pool_t *p;
    const char *name;
    size_t nlen;
    apr_array_header_t *vals;
};

static int find_pair(void *c, const char *pair, size_t plen, const char *name,
                     size_t nlen, const char *value, size_t vlen)
{
    struct find_ctx *f = c;
    (void)pair;
    (void)plen;
    if (name && nlen == f->nlen && memcmp(name, f->name, nlen) == 0)
        APR_ARRAY_PUSH(f->vals, const char *) = apr_pstrmemdup(f->p, value, vlen);
    return 0;
}

void agw_cookie_values(apr_pool_t *p, const char *header, const char *name,
                       apr_array_header_t *vals)
{
    struct find_ctx f = { p, name, strlen(name), vals };
    if (header)
        each_pair(header, find_pair, &f);
}

struct strip_ctx {
    const char *const *names;
    char *out;
    size_t len;
};

static int keep_pair(void *c, const char *pair, size_t plen, const char *name,
                     size_t nlen, const char *value, size_t vlen)
{
    struct strip_ctx *s = c;
    const char *const *n;
    (void)value;
    (void)vlen;
    for (n = s->names; name && *n; n++)
        if (strlen(*n) == nlen && memcmp(*n, name, nlen) == 0)
            return 0;
    if (s->len) {
        memcpy(s->out + s->len, "; ", 2);
        s->len += 2;
    }
    /* pair runs to the ';': drop trailing blanks */
    while (plen && (pair[plen - 1] == ' ' || pair[plen - 1] == '\t'))
        plen--;
    memcpy(s->out + s->len, pair, plen);
    s->len += plen;
    return 0;
}

char *agw_cookie_strip(apr_pool_t *p, const char *header,
                       const char *const *names)
{
    /* The output is never longer than the input plus one "; " per pair. */
    struct strip_ctx s = { names, apr_palloc(p, strlen(header) * 2 + 1), 0 };
    each_pair(header, keep_pair, &s);
    s.out[s.len] = '\0';
    return s.len ? s.out : NULL;
}
