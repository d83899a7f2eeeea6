/* AuthGWDelegate securid (TMG's "RSA SecurID" delegation): the published
 * server runs an RSA SecurID web agent, and what it gets from the gateway
 * is the client's SecurID agent cookie, nothing else: no Authorization, no
 * Proxy-Authorization, none of the gateway's cookies, no client-sent
 * identity header (all stripped in delegate_request.c, as for none).
 *
 * The gateway does not make that cookie: its format and key belong to the
 * RSA agents (the node secret), so a RADIUS SecurID logon at the gateway
 * issues the gateway's own session cookie only.  The SecurID cookie comes
 * from the published server's agent (its logon page, which reaches the
 * client through the gateway like any page) or from another agent of the
 * same cookie domain (RSA's domain cookie).
 *
 * The names are RSA's: "rsa-local" (the agent's own cookie since ACE/Agent
 * 4.4; "webid2" before) and "webid2_dom" (the domain cookie).  Under every
 * other method except passthrough these cookies are stripped: they are the
 * client's credentials for the server itself ("the client cannot
 * authenticate directly"). */
#include "delegate.h"

#include <string.h>

#include <apr_strings.h>
#include <http_log.h>

#include "agw_cookie.h"
#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_delegate);

static const char *const default_cookies[] = { "rsa-local", "webid2_dom",
                                               NULL };

const char *const *deleg_securid_cookies(const deleg_dir *d)
{
    return d->securid_cookies ? d->securid_cookies : default_cookies;
}

const char *deleg_cmd_securid_cookie(cmd_parms *cmd, void *dc, const char *args)
{
    deleg_dir *c = dc;
    apr_array_header_t *names = apr_array_make(cmd->pool, 2, sizeof(char *));
    const char *name;

    while (*(name = ap_getword_conf(cmd->pool, &args))) {
        if (!deleg_is_token(name))
            return apr_psprintf(cmd->pool, "AuthGWDelegateSecurIDCookie: '%s'"
                                " is not a cookie name (letters, digits and"
                                " '-', '_', e.g. rsa-local)", name);
        if (!strcasecmp(name, AUTHGW_SESSION_COOKIE)
            || !strcasecmp(name, AUTHGW_PRE_COOKIE))
            return apr_psprintf(cmd->pool, "AuthGWDelegateSecurIDCookie: '%s'"
                                " is the gateway's own cookie, which never"
                                " reaches a published server; name the"
                                " SecurID agent's (default rsa-local"
                                " webid2_dom)", name);
        APR_ARRAY_PUSH(names, const char *) = name;
    }
    if (!names->nelts)
        return "AuthGWDelegateSecurIDCookie: name at least one cookie, e.g."
               " rsa-local webid2_dom";
    APR_ARRAY_PUSH(names, const char *) = NULL;
    c->securid_cookies = (const char *const *)names->elts;
    c->securid_cookies_set = 1;
    return NULL;
}

/* "rsa-local, webid2_dom", for log lines */
static const char *joined(apr_pool_t *p, const char *const *names)
{
    const char *s = names[0];
    const char *const *n;
    for (n = names + 1; *n; n++)
        s = apr_pstrcat(p, s, ", ", *n, NULL);
    return s;
}

/* Everything else was stripped before; the agent's cookies stayed. */
void deleg_securid_request(request_rec *r, deleg_req *q)
{
    const char *const *names = deleg_securid_cookies(q->dir);
    const char *cookie = apr_table_get(r->headers_in, "Cookie");
    apr_array_header_t *vals = apr_array_make(r->pool, 1, sizeof(char *));
    const char *const *n;
    int i;

    for (n = names; *n; n++)
        agw_cookie_values(r->pool, cookie, *n, vals);
    if (!vals->nelts) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(50100)
                 "AuthGWDelegate securid for %s: user '%s' has no SecurID"
                 " cookie (%s) yet; the published server's agent will ask"
                 " for a passcode", deleg_backend(r),
                 agw_log_item(r->pool, r->user), joined(r->pool, names));
        return;
    }
    for (i = 0; i < vals->nelts; i++)
        agw_secret_note(r, APR_ARRAY_IDX(vals, i, const char *));
    q->sent = 1;
    deleg_core.stat(AGW_M_DELEGATE, AGW_C_ATTEMPTS, 1);
}
