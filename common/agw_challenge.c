#include "agw_challenge.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

/* Past the rest of one challenge or auth-param: up to the next ',' that is
 * not inside a quoted string. */
static const char *next_piece(const char *s)
{
    while (*s && *s != ',') {
        if (*s++ != '"')
            continue;
        while (*s && *s != '"')
            s += s[0] == '\\' && s[1] ? 2 : 1;
        if (*s)
            s++;
    }
    return s;
}

/* After a token: '=' (spaces allowed before it) makes it an auth-param's
 * name, not a scheme. */
static int is_param(const char *after)
{
    while (*after == ' ' || *after == '\t')
        after++;
    return *after == '=';
}

/* The next challenge's scheme in *v (s, n), *v moved past that challenge
 * (its token68 or auth-params, up to the next unquoted ','); *after is
 * where the scheme ended.  0 at the end of the value. */
static int next_scheme(const char **v, const char **s, size_t *n,
                       const char **after)
{
    const char *end;

    while (**v) {
        while (**v == ',' || apr_isspace(**v))
            (*v)++;
        for (end = *v; *end && !apr_isspace(*end) && !strchr(",=\"", *end);
             end++)
            ;
        *s = *v;
        *v = next_piece(end);
        if (end > *s && *end != '"' && !is_param(end)) {
            *n = (size_t)(end - *s);
            *after = end;
            return 1;
        }
    }
    return 0;
}

void agw_challenge_schemes(apr_pool_t *p, const char *value,
                           const char **list)
{
    const char *v = value ? value : "", *s, *after;
    size_t n;

    while (next_scheme(&v, &s, &n, &after))
        *list = apr_pstrcat(p, *list ? *list : "", *list ? ", " : "",
                            apr_pstrmemdup(p, s, n), NULL);
}

const char *agw_challenge_token(apr_pool_t *p, const char *value,
                                const char *scheme)
{
    const char *v = value ? value : "", *s, *after, *t;
    size_t n, want = strlen(scheme);

    while (next_scheme(&v, &s, &n, &after)) {
        if (n != want || strncasecmp(s, scheme, n))
            continue;
        /* token68: base64 characters, then '=' padding, then the end of
         * the challenge; "name=value" is an auth-param, no token */
        while (*after == ' ' || *after == '\t')
            after++;
        for (t = after; *t && (apr_isalnum(*t) || strchr("-._~+/", *t)); t++)
            ;
        while (*t == '=')
            t++;
        if (t == after || (*t && *t != ',' && !apr_isspace(*t)))
            return "";
        return apr_pstrmemdup(p, after, (apr_size_t)(t - after));
    }
    return NULL;
}

int agw_challenge_offers(const char *list, const char *scheme)
{
    size_t n = strlen(scheme);
    const char *s = list;

    while (s && *s) {
        if (!strncasecmp(s, scheme, n) && (s[n] == ',' || !s[n]))
            return 1;
        s = strchr(s, ',');
        if (s)
            s += 2;
    }
    return 0;
}
