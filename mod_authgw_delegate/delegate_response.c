/* The published server's answer, seen by an output filter before any of it
 * is sent (mod_proxy sets the status and headers before it passes the
 * first data on).
 *
 * - 401 with a challenge of the method's own scheme after the gateway sent
 *   credentials: the server refused them.  As ISA does, the user is asked
 *   again by the receipt: a forms session is ended and the browser sent to
 *   the logon form; under AuthType Basic the gateway's own Basic challenge
 *   replaces the server's.
 * - any other 401, or a 407: the server wants authentication the rule does
 *   not give (the alert): a warning line and the Delegate Errors counter;
 *   its challenge headers are removed, since the client could not answer
 *   them (its Authorization never reaches the server) and a 407 would have
 *   the browser prompt for proxy credentials of the gateway's.
 * AuthGWDelegate passthrough installs no filter: everything goes through. */
#include "delegate.h"

#include <string.h>

#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>

#include "agw_basic.h"
#include "agw_challenge.h"
#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_delegate);

/* The schemes of the challenges in one table, comma-separated. */
static void add_schemes(apr_pool_t *p, apr_table_t *t, const char *hdr,
                        const char **list)
{
    const apr_array_header_t *a = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
    int i;

    for (i = 0; i < a->nelts; i++)
        if (e[i].key && !strcasecmp(e[i].key, hdr) && e[i].val)
            agw_challenge_schemes(p, e[i].val, list);
}

static const char *challenge_schemes(request_rec *r, const char *hdr)
{
    const char *list = NULL;
    add_schemes(r->pool, r->headers_out, hdr, &list);
    add_schemes(r->pool, r->err_headers_out, hdr, &list);
    return list;
}

static void drop_challenges(request_rec *r, const char *hdr)
{
    apr_table_unset(r->headers_out, hdr);
    apr_table_unset(r->err_headers_out, hdr);
}

/* The server asked for something this rule does not send. */
static void alert(request_rec *r, const deleg_req *q, const char *hdr,
                  const char *schemes)
{
    const deleg_dir *d = q->dir;
    agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(50001)
             "alert: the published server %s asked for authentication"
             " (%d, %s) at %s, but AuthGWDelegate is %s there (%s); its"
             " challenge is not passed to the client.  Let the server accept"
             " the gateway's delegation, or choose the method it expects",
             deleg_backend(r), r->status, schemes ? schemes : "no scheme",
             agw_log_item(r->pool, r->uri), deleg_methods[d->method].name,
             d->where ? d->where : "the default");
    deleg_core.stat(AGW_M_DELEGATE, AGW_C_ERRORS, 1);
    drop_challenges(r, hdr);
}

/* The server refused the delegated credentials: ask the user again.
 * Returns 1 when the answer was replaced by a redirect. */
static int ask_again(request_rec *r, const deleg_req *q)
{
    const char *logon = NULL;

    deleg_core.stat(AGW_M_DELEGATE, AGW_C_FAILURES, 1);
    drop_challenges(r, "WWW-Authenticate");
    if (q->source == DELEG_FROM_SESSION && deleg_fn.end_session)
        logon = deleg_fn.end_session(r);
    if (logon) {
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(50006)
                 "the published server %s refused the delegated credentials"
                 " of user '%s': the session is ended and the user asked to"
                 " log on again", deleg_backend(r),
                 agw_log_item(r->pool, r->user));
        r->status = HTTP_MOVED_TEMPORARILY;
        r->status_line = NULL;
        apr_table_clear(r->headers_out);
        apr_table_setn(r->headers_out, "Location", logon);
        apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
        ap_set_content_type(r, "text/plain");
        ap_set_content_length(r, 0);
        return 1;
    }
    /* Basic receipt: the gateway's own challenge, so the browser asks the
     * user for the password again. */
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   agw_basic_challenge(r->pool, ap_auth_name(r)));
    agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(50007)
             "the published server %s refused the delegated credentials of"
             " user '%s': the gateway's Basic challenge asks the user again",
             deleg_backend(r), agw_log_item(r->pool, r->user));
    return 0;
}

int deleg_ask_again_now(request_rec *r, const deleg_req *q)
{
    return ask_again(r, q) ? HTTP_MOVED_TEMPORARILY : HTTP_UNAUTHORIZED;
}

/* Looks at the status and headers; returns 1 when the body must go. */
static int judge(request_rec *r, deleg_req *q)
{
    const deleg_method *m = &deleg_methods[q->dir->method];
    const char *hdr = r->status == HTTP_UNAUTHORIZED ? "WWW-Authenticate"
        : r->status == HTTP_PROXY_AUTHENTICATION_REQUIRED ? "Proxy-Authenticate"
        : NULL;
    const char *schemes, *refused = q->scheme ? q->scheme : m->scheme;

    if (!hdr) {
        /* kcd: the server's mutual-authentication token answers the
         * gateway's handshake, not the client's */
        if (q->sent)
            drop_challenges(r, "WWW-Authenticate");
        if (q->sent && r->status < 500)
            deleg_core.stat(AGW_M_DELEGATE, AGW_C_SUCCESSES, 1);
        return 0;
    }
    schemes = challenge_schemes(r, hdr);
    if (r->status == HTTP_UNAUTHORIZED && refused
        && agw_challenge_offers(schemes, refused)
        && q->source != DELEG_FROM_NOTHING)
        return ask_again(r, q);
    alert(r, q, hdr, schemes);
    return 0;
}

apr_status_t deleg_out_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    deleg_req *q = f->ctx;
    apr_bucket *b, *next;

    if (!q->judged) {
        q->judged = 1;
        q->drop_body = judge(f->r, q);
    }
    if (!q->drop_body) {
        ap_remove_output_filter(f);
        return ap_pass_brigade(f->next, bb);
    }
    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = next) {
        next = APR_BUCKET_NEXT(b);
        if (!APR_BUCKET_IS_METADATA(b))
            apr_bucket_delete(b);
    }
    return APR_BRIGADE_EMPTY(bb) ? APR_SUCCESS : ap_pass_brigade(f->next, bb);
}
