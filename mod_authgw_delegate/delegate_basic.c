/* AuthGWDelegate basic: "Authorization: Basic" built from the user name and
 * password the user logged on with.
 *
 * Where the password comes from:
 * - httpd's AuthType Basic (or any receipt that authenticated this request
 *   with Basic): the request's own Authorization header, whose user must be
 *   the one authenticated;
 * - a forms session: the password mod_authgw_forms keeps with it, sealed
 *   under a key only the session cookie carries (authgw_session_credentials);
 *   for AuthGWFormType passcode-password, the delegation password and user. */
#include "delegate.h"

#include <string.h>

#include <http_log.h>

#include "agw_basic.h"
#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_delegate);

/* The user and password of the request's Authorization: Basic when they
 * authenticated r (httpd's AuthType Basic, the forms Basic fallback); 0,
 * or -1. */
static int from_basic(request_rec *r, const deleg_req *q, const char **user,
                      const char **pw)
{
    const char *why;

    if (!r->ap_auth_type || strcasecmp(r->ap_auth_type, "Basic")
        || agw_basic_parse(r->pool, q->client_authz, user, pw, &why)
               != AGW_BASIC_OK)
        return -1;
    agw_secret_note(r, *pw);
    return r->user && !strcmp(*user, r->user) ? 0 : -1;
}

deleg_source deleg_password(request_rec *r, const deleg_req *q,
                            const char **user, const char **pw)
{
    if (from_basic(r, q, user, pw) == 0)
        return DELEG_FROM_BASIC;
    if (r->user && deleg_fn.credentials
        && deleg_fn.credentials(r, user, pw) == OK)
        return DELEG_FROM_SESSION;
    agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(50004)
             "AuthGWDelegate %s for %s: no password of user '%s' to"
             " delegate (authenticated by %s; a session issued after a"
             " challenge, by NTLM or Negotiate, or by a passcode keeps"
             " none); the request goes without credentials",
             deleg_methods[q->dir->method].name, deleg_backend(r),
             agw_log_item(r->pool, r->user),
             r->ap_auth_type ? r->ap_auth_type : "nothing");
    return DELEG_FROM_NOTHING;
}

void deleg_basic_request(request_rec *r, deleg_req *q)
{
    const char *user = NULL, *pw = NULL, *value;

    q->source = deleg_password(r, q, &user, &pw);
    if (q->source == DELEG_FROM_NOTHING)
        return;
    value = agw_basic_encode(r->pool, user, pw);
    if (!value) {
        /* RFC 7617: no colon or control character in a Basic user name */
        agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(50005)
                 "AuthGWDelegate basic for %s: Basic cannot carry the user"
                 " name '%s' (a colon or a control character); the request"
                 " goes without credentials", deleg_backend(r),
                 agw_log_item(r->pool, user));
        q->source = DELEG_FROM_NOTHING;
        return;
    }
    agw_secret_note(r, value + 6);
    apr_table_setn(r->headers_in, "Authorization", value);
    q->sent = 1;
    deleg_core.stat(AGW_M_DELEGATE, AGW_C_ATTEMPTS, 1);
}
