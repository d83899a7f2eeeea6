#include "agw_httpd.h"

#include <stdarg.h>
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <ap_provider.h>

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

void agw_strip_header(request_rec *r, const char *name)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *drop = apr_array_make(r->pool, 1, sizeof(char *));
    size_t n = strlen(name);
    int i;

    for (i = 0; i < arr->nelts; i++)
        if (e[i].key && strlen(e[i].key) == n && same_name(e[i].key, name, n))
            APR_ARRAY_PUSH(drop, const char *) = e[i].key;
    for (i = 0; i < drop->nelts; i++)
        apr_table_unset(r->headers_in, APR_ARRAY_IDX(drop, i, const char *));
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

/* Lists of Apache authn providers, as AuthBasicProvider takes them, for the
 * receipt modules that check passwords themselves (the logon form, the
 * Basic fallback of Integrated). */
const char *agw_provider_add(cmd_parms *cmd, apr_array_header_t **list,
                             const char *arg)
{
    agw_provider *e;

    if (!*list)
        *list = apr_array_make(cmd->pool, 2, sizeof *e);
    e = apr_array_push(*list);
    e->name = arg;
    e->provider = ap_lookup_provider(AUTHN_PROVIDER_GROUP, arg,
                                     AUTHN_PROVIDER_VERSION);
    if (!e->provider)
        return apr_psprintf(cmd->pool, "%s: unknown authn provider '%s'; load"
                            " the module that provides it (mod_authn_file for"
                            " 'file') or define it with <AuthnProviderAlias>",
                            cmd->cmd->name, arg);
    if (!e->provider->check_password)
        return apr_psprintf(cmd->pool, "%s: the authn provider '%s' cannot"
                            " check passwords", cmd->cmd->name, arg);
    return NULL;
}

authn_status agw_providers_check(request_rec *r, const apr_array_header_t *list,
                                 const char *user, const char *password,
                                 const char *only, const agw_core_api *count,
                                 const char **which)
{
    agw_provider dflt = { "file", NULL };
    const agw_provider *p = &dflt;
    authn_status res = AUTH_USER_NOT_FOUND;
    int i, n = 1;

    if (list) {
        p = (const agw_provider *)list->elts;
        n = list->nelts;
    }
    else {
        dflt.provider = ap_lookup_provider(AUTHN_PROVIDER_GROUP, "file",
                                           AUTHN_PROVIDER_VERSION);
    }
    for (i = 0; i < n; i++) {
        apr_time_t t0 = apr_time_now();
        if (only && strcmp(only, p[i].name))
            continue;
        *which = p[i].name;
        if (!p[i].provider) {
            ap_log_rerror(__FILE__, __LINE__, APLOG_NO_MODULE, APLOG_ERR, 0, r,
                          AGWNO(10013) "the authn provider '%s' is not loaded;"
                          " load mod_authn_file, or name providers explicitly",
                          p[i].name);
            return AUTH_GENERAL_ERROR;
        }
        apr_table_setn(r->notes, AUTHN_PROVIDER_NAME_NOTE, p[i].name);
        res = p[i].provider->check_password(r, user, password);
        apr_table_unset(r->notes, AUTHN_PROVIDER_NAME_NOTE);
        if (count) {
            count->stat(AGW_M_PROVIDER, AGW_C_ATTEMPTS, 1);
            count->stat(AGW_M_PROVIDER, AGW_C_LATENCY_US,
                        (apr_uint64_t)(apr_time_now() - t0));
            count->stat(AGW_M_PROVIDER,
                        res == AUTH_GRANTED ? AGW_C_SUCCESSES
                        : res == AUTH_GENERAL_ERROR ? AGW_C_ERRORS
                        : AGW_C_FAILURES, 1);
        }
        if (res != AUTH_USER_NOT_FOUND)
            break;
    }
    return res;
}

void agw_note_logon(request_rec *r, const char *method, const char *validator)
{
    apr_table_setn(r->notes, AUTHGW_NOTE_METHOD, method);
    if (validator)
        apr_table_setn(r->notes, AUTHGW_NOTE_VALIDATOR, validator);
}
