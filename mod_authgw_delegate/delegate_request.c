/* The request hooks: on every request mod_proxy sends to a published server,
 * strip what must not reach it, tell it who the user is when asked, let the
 * method add its credentials, and watch the answer.
 *
 * Why fixups: mod_proxy (ProxyPass, and mod_rewrite's [P]) decides that a
 * request is proxied before or during fixups, and builds the backend request
 * from r->headers_in only in its handler, so every header set or removed
 * here is what the published server gets.  mod_proxy's own proxy_fixups
 * hook would tie this module to mod_proxy's symbols (it would not even load
 * without it).  Fixups of the receipt modules run FIRST and mod_headers'
 * run LAST; ours run in between. */
#include "delegate.h"

#include <string.h>

#include <apr_strings.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>

#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_delegate);

deleg_req *deleg_req_of(request_rec *r)
{
    deleg_req *q = ap_get_module_config(r->request_config,
                                        &authgw_delegate_module);
    if (!q) {
        q = apr_pcalloc(r->pool, sizeof *q);
        ap_set_module_config(r->request_config, &authgw_delegate_module, q);
    }
    return q;
}

/* Requests that mod_proxy sends to a published server: ProxyPass and
 * RewriteRule [P] (PROXYREQ_REVERSE), SetHandler "proxy:..." (marked only
 * in the handler).  A forward proxy's requests are for the origin server,
 * whose own authentication the client answers: not ours. */
static int to_published_server(const request_rec *r)
{
    return r->proxyreq == PROXYREQ_REVERSE
        || (r->proxyreq == PROXYREQ_NONE && r->handler
            && !strncasecmp(r->handler, "proxy:", 6));
}

const char *deleg_backend(request_rec *r)
{
    const char *u = r->filename && !strncmp(r->filename, "proxy:", 6)
                        ? r->filename + 6 : r->handler ? r->handler : "-";
    const char *q = strchr(u, '?');
    return agw_log_item(r->pool, q ? apr_pstrmemdup(r->pool, u,
                                                    (apr_size_t)(q - u)) : u);
}

int deleg_fixups_early(request_rec *r)
{
    deleg_dir *d = deleg_dir_of(r);
    deleg_req *q;

    if (d->method != DELEG_PASSTHROUGH && !deleg_methods[d->method].needs_password)
        return DECLINED;
    q = deleg_req_of(r);
    q->client_authz = apr_table_get(r->headers_in, "Authorization");
    /* An internal redirect shares the headers its first request stripped. */
    if (!q->client_authz && r->prev) {
        deleg_req *pq = ap_get_module_config(r->prev->request_config,
                                             &authgw_delegate_module);
        if (pq)
            q->client_authz = pq->client_authz;
    }
    return DECLINED;
}

static int header_safe(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || *v == 0x7f)
            return 0;
    return 1;
}

/* AuthGWDelegateHeader: the client's copies go, in every spelling; the
 * authenticated user comes in their place. */
static void identity_header(request_rec *r, const char *name)
{
    agw_strip_header(r, name);
    if (!r->user)
        return;
    if (!header_safe(r->user)) {
        agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(50002)
                 "the user name '%s' holds control characters: %s is not"
                 " sent to the published server", agw_log_item(r->pool, r->user),
                 name);
        return;
    }
    apr_table_setn(r->headers_in, name, r->user);
}

/* The gateway's cookies; and the client's SecurID agent cookies too,
 * except where the client may authenticate to the server (passthrough) or
 * they are the delegation (securid). */
static const char *const *stripped_cookies(request_rec *r, const deleg_dir *d)
{
    apr_array_header_t *a = apr_array_make(r->pool, 5, sizeof(char *));
    const char *const *n;

    APR_ARRAY_PUSH(a, const char *) = deleg_fn.cookie_name
        ? deleg_fn.cookie_name(r) : AUTHGW_SESSION_COOKIE;
    APR_ARRAY_PUSH(a, const char *) = AUTHGW_PRE_COOKIE;
    if (d->method != DELEG_PASSTHROUGH && d->method != DELEG_SECURID)
        for (n = deleg_securid_cookies(d); *n; n++)
            APR_ARRAY_PUSH(a, const char *) = *n;
    APR_ARRAY_PUSH(a, const char *) = NULL;
    return (const char *const *)a->elts;
}

/* A request AuthGWFailOpen let through carries nobody's credentials: the
 * server gets what `none` gives it, never a ticket or a password made for
 * the fail-open user name, nor that name as the identity header. */
static int let_through(request_rec *r, const deleg_dir *d,
                       const deleg_method *m)
{
    if (d->header)
        agw_strip_header(r, d->header);
    if (m->needs_password || d->method == DELEG_KCD)
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(50101)
                 "request for %s let through by AuthGWFailOpen: AuthGWDelegate"
                 " %s sends no credentials for it", deleg_backend(r), m->name);
    return DECLINED;
}

int deleg_fixups(request_rec *r)
{
    deleg_dir *d = deleg_dir_of(r);
    const deleg_method *m = &deleg_methods[d->method];
    deleg_req *q;

    if (!to_published_server(r))
        return DECLINED;
    q = deleg_req_of(r);
    q->dir = d;
    agw_strip_credentials(r, stripped_cookies(r, d));
    if (apr_table_get(r->notes, AUTHGW_NOTE_FAILOPEN))
        return let_through(r, d, m);
    if (d->header)
        identity_header(r, d->header);
    if (m->request)
        m->request(r, q);
    if (q->status)
        return q->status;
    if (m->watch)
        ap_add_output_filter(DELEG_FILTER, q, r, r->connection);
    agw_rlog(APLOG_MARK, APLOG_TRACE1, 0, r, AGWNO(50003)
             "request for %s: delegation %s, user '%s'%s", deleg_backend(r),
             m->name, agw_log_item(r->pool, r->user),
             q->sent ? ", credentials sent" : "");
    return DECLINED;
}
