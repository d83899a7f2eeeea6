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

void agw_challenge_schemes(apr_pool_t *p, const char *value,
                           const char **list)
{
    const char *v = value, *end;

    while (v && *v) {
        while (*v == ',' || apr_isspace(*v))
            v++;
        for (end = v; *end && !apr_isspace(*end) && !strchr(",=\"", *end);
             end++)
            ;
        if (end > v && *end != '"' && !is_param(end))
            *list = apr_pstrcat(p, *list ? *list : "", *list ? ", " : "",
                                apr_pstrmemdup(p, v, (apr_size_t)(end - v)),
                                NULL);
        v = next_piece(end);
    }
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
