#include "agw_httpd.h"

#include <stdarg.h>
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>

#define SECRETS_KEY "authgw-secrets"

void agw_secret_note(request_rec *r, const char *secret)
{
    apr_array_header_t *list = NULL;
    if (!secret || !*secret)
        return;
    apr_pool_userdata_get((void **)&list, SECRETS_KEY, r->pool);
    if (!list) {
        list = apr_array_make(r->pool, 2, sizeof(const char *));
        apr_pool_userdata_setn(list, SECRETS_KEY, NULL, r->pool);
    }
    APR_ARRAY_PUSH(list, const char *) = secret;
}

static char *redact(apr_pool_t *p, char *msg, const apr_array_header_t *list)
{
    int i;
    for (i = 0; list && i < list->nelts; i++) {
        const char *sec = APR_ARRAY_IDX(list, i, const char *);
        size_t n = strlen(sec);
        char *at;
        while ((at = strstr(msg, sec)) != NULL) {
            *at = '\0';
            msg = apr_pstrcat(p, msg, "[REDACTED]", at + n, NULL);
        }
    }
    return msg;
}

void agw_rlog(const char *file, int line, int module_index, int level,
              apr_status_t status, const request_rec *r, const char *fmt, ...)
{
    apr_array_header_t *list = NULL;
    va_list ap;
    char *msg;

    if (!APLOG_R_MODULE_IS_LEVEL(r, module_index, level))
        return;
    va_start(ap, fmt);
    msg = apr_pvsprintf(r->pool, fmt, ap);
    va_end(ap);
    apr_pool_userdata_get((void **)&list, SECRETS_KEY, r->pool);
    msg = redact(r->pool, msg, list);
    ap_log_rerror_(file, line, module_index, level, status, r, "%s", msg);
}

const char *agw_log_item(apr_pool_t *p, const char *s)
{
    if (!s)
        return "-";
    if (strlen(s) > 256)
        s = apr_pstrcat(p, apr_pstrmemdup(p, s, 256), "...", NULL);
    return ap_escape_logitem(p, s);
}

int agw_read_body(request_rec *r, apr_size_t max, char **body,
                  apr_size_t *len, const char **why)
{
    char *buf = apr_palloc(r->pool, max + 1);
    apr_size_t got = 0;
    long n;

    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK) {
        *why = "the body could not be read";
        return HTTP_BAD_REQUEST;
    }
    if (r->remaining > (apr_off_t)max) {
        *why = "the body is larger than the limit";
        return HTTP_BAD_REQUEST;
    }
    if (ap_should_client_block(r)) {
        for (;;) {
            /* Ask for one byte more than the room left, to see an overrun. */
            char extra;
            n = got < max ? ap_get_client_block(r, buf + got, max - got)
                          : ap_get_client_block(r, &extra, 1);
            if (n < 0) {
                *why = "the body could not be read";
                return HTTP_BAD_REQUEST;
            }
            if (n == 0)
                break;
            if (got == max) {
                *why = "the body is larger than the limit";
                return HTTP_BAD_REQUEST;
            }
            got += (apr_size_t)n;
        }
    }
    buf[got] = '\0';
    *body = buf;
    *len = got;
    return OK;
}

/* Headers through which some backends take an identity on trust. */
static const char *const identity_headers[] = {
    "X-Remote-User", "Remote-User", "X-Forwarded-User", "X-Authenticated-User",
    "X-User", "X-Remote-Group", "X-Forwarded-Groups", "X-Forwarded-Email",
    "X-Forwarded-Preferred-Username", "X-Auth-Request-User", "Auth-User",
    NULL
};

/* Compares header names with '-' and '_' alike: CGI, PHP and others map
 * both to the same variable. */
static int same_name(const char *a, const char *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        char x = apr_tolower(a[i] == '_' ? '-' : a[i]);
        char y = apr_tolower(b[i] == '_' ? '-' : b[i]);
        if (x != y || !x)
            return 0;
    }
    return 1;
}

static int is_identity_header(const char *name)
{
    const char *const *h;
    size_t n = strlen(name);
    if (n > 9 && same_name(name, "X-AuthGW-", 9))
        return 1;
    for (h = identity_headers; *h; h++)
        if (strlen(*h) == n && same_name(name, *h, n))
            return 1;
    return 0;
}

void agw_strip_credentials(request_rec *r, const char *const *cookie_names)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *drop = apr_array_make(r->pool, 4, sizeof(char *));
    apr_array_header_t *cookies = apr_array_make(r->pool, 2, sizeof(char *));
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (!e[i].key)
            continue;
        if (!strcasecmp(e[i].key, "Authorization")
            || !strcasecmp(e[i].key, "Proxy-Authorization")
            || is_identity_header(e[i].key))
            APR_ARRAY_PUSH(drop, const char *) = e[i].key;
        else if (!strcasecmp(e[i].key, "Cookie") && e[i].val) {
            char *kept = agw_cookie_strip(r->pool, e[i].val, cookie_names);
            if (kept)
                APR_ARRAY_PUSH(cookies, char *) = kept;
        }
    }
    for (i = 0; i < drop->nelts; i++)
        apr_table_unset(r->headers_in, APR_ARRAY_IDX(drop, i, const char *));
    apr_table_unset(r->headers_in, "Cookie");
    if (cookies->nelts) {
        char *joined = APR_ARRAY_IDX(cookies, 0, char *);
        for (i = 1; i < cookies->nelts; i++)
            joined = apr_pstrcat(r->pool, joined, "; ",
                                 APR_ARRAY_IDX(cookies, i, char *), NULL);
        apr_table_setn(r->headers_in, "Cookie", joined);
    }
}

char *agw_set_cookie(apr_pool_t *p, const char *name, const char *value,
                     const char *path, const char *domain, int secure,
                     long max_age)
{
    return apr_pstrcat(p, name, "=", value, "; Path=", path,
                       domain ? "; Domain=" : "", domain ? domain : "",
                       max_age == 0
                           ? "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
                           : "",
                       max_age > 0 ? apr_psprintf(p, "; Max-Age=%ld", max_age)
                                   : "",
                       "; HttpOnly; SameSite=Lax", secure ? "; Secure" : "",
                       NULL);
}

int agw_is_https(const request_rec *r)
{
    return strcmp(ap_http_scheme(r), "https") == 0;
}

const char *agw_request_origin(request_rec *r)
{
    return ap_construct_url(r->pool, "", r);
}
