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

#include <apr_strings.h>
#include <http_log.h>

#include "agw_b64.h"
#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_delegate);

/* The user and password of the request's Authorization: Basic when they
 * authenticated r; 0, or -1. */
static int from_basic(request_rec *r, const deleg_req *q, const char **user,
                      const char **pw)
{
    const char *h = q->client_authz, *dec, *colon;

    if (!h || !r->ap_auth_type || strcasecmp(r->ap_auth_type, "Basic")
        || strncasecmp(h, "Basic ", 6))
        return -1;
    for (h += 6; *h == ' '; h++)
        ;
    /* the decoder mod_auth_basic used on the same header */
    dec = ap_pbase64decode(r->pool, h);
    colon = strchr(dec, ':');
    if (!colon)
        return -1;
    *user = apr_pstrmemdup(r->pool, dec, (apr_size_t)(colon - dec));
    *pw = colon + 1;
    agw_secret_note(r, *pw);
    return r->user && !strcmp(*user, r->user) ? 0 : -1;
}

static deleg_source credentials(request_rec *r, const deleg_req *q,
                                const char **user, const char **pw)
{
    if (from_basic(r, q, user, pw) == 0)
        return DELEG_FROM_BASIC;
    if (r->user && deleg_fn.credentials
        && deleg_fn.credentials(r, user, pw) == OK)
        return DELEG_FROM_SESSION;
    return DELEG_FROM_NOTHING;
}

void deleg_basic_request(request_rec *r, deleg_req *q)
{
    const char *user = NULL, *pw = NULL, *plain;
    char *b64, *value;
    size_t n;

    q->source = credentials(r, q, &user, &pw);
    if (q->source == DELEG_FROM_NOTHING) {
        agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(50004)
                 "AuthGWDelegate basic for %s: no password of user '%s' to"
                 " delegate (authenticated by %s; a session issued after a"
                 " challenge, by NTLM or Negotiate, or by a passcode keeps"
                 " none); the request goes without credentials",
                 deleg_backend(r), agw_log_item(r->pool, r->user),
                 r->ap_auth_type ? r->ap_auth_type : "nothing");
        return;
    }
    if (strchr(user, ':')) {
        /* RFC 7617: Basic cannot carry a user name with a colon. */
        agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(50005)
                 "AuthGWDelegate basic for %s: the user name '%s' holds a"
                 " colon, which Basic cannot carry; the request goes without"
                 " credentials", deleg_backend(r), agw_log_item(r->pool, user));
        q->source = DELEG_FROM_NOTHING;
        return;
    }
    plain = apr_pstrcat(r->pool, user, ":", pw, NULL);
    n = strlen(plain);
    b64 = apr_palloc(r->pool, agw_b64std_enc_len(n) + 1);
    agw_b64std_encode((const unsigned char *)plain, n, b64);
    value = apr_pstrcat(r->pool, "Basic ", b64, NULL);
    agw_secret_note(r, b64);
    apr_table_setn(r->headers_in, "Authorization", value);
    q->sent = 1;
    deleg_core.stat(AGW_M_DELEGATE, AGW_C_ATTEMPTS, 1);
}
