/* Basic fallback (AuthGWFormBasicFallback): clients that cannot show a form
 * (AuthGWFormBasicAgents: curl, Office, WebDAV, ActiveSync...) get 401 Basic
 * instead of the 302 to the logon page, and send Authorization: Basic with
 * each request, checked by the AuthGWFormProvider providers.  No session
 * cookie: these clients seldom keep one, and a credential cache
 * (AuthGWCredentialCache) is the providers' business. */
#include "forms.h"

#include <string.h>

#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>

#include "agw_basic.h"
#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_forms);

static int challenge(request_rec *r)
{
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   agw_basic_challenge(r->pool, ap_auth_name(r)));
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return HTTP_UNAUTHORIZED;
}

static int usable(const char *s, size_t max)
{
    return *s && strlen(s) <= max;
}

static const char *reason(authn_status res)
{
    switch (res) {
    case AUTH_DENIED: return "wrong-password";
    case AUTH_USER_NOT_FOUND: return "unknown-user";
    default: return "refused";
    }
}

int forms_basic(request_rec *r)
{
    const char *user, *pw, *why, *which = "-";
    forms_msg msg;
    authn_status res;
    int rv;

    switch (agw_basic_parse(r->pool, apr_table_get(r->headers_in,
                                                   "Authorization"),
                            &user, &pw, &why)) {
    case AGW_BASIC_NOT_BASIC:
        if (forms_core.failopen(r, AGW_FO_NO_CREDENTIALS, NULL,
                                forms_dir_of(r)->providers, "none") == OK)
            return OK;
        return challenge(r);
    case AGW_BASIC_MALFORMED:
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20028)
                 "Basic credentials from %s refused with 400: %s",
                 r->useragent_ip, why);
        forms_core.stat(AGW_M_BASIC, AGW_C_FAILURES, 1);
        return HTTP_BAD_REQUEST;
    case AGW_BASIC_OK:
        break;
    }
    agw_secret_note(r, pw);
    if ((rv = forms_flood_over(r)) != OK)
        return rv;
    forms_core.stat(AGW_M_BASIC, AGW_C_ATTEMPTS, 1);
    if (!usable(user, FORMS_MAX_NAME) || !usable(pw, FORMS_MAX_SECRET)) {
        /* never ask a directory about an empty password: some take it for
         * an anonymous bind */
        res = AUTH_DENIED;
    }
    else {
        /* a provider must not start a challenge: Basic cannot answer */
        apr_table_setn(r->notes, AUTHGW_NOTE_RECEIPT, "basic");
        res = agw_providers_check(r, forms_dir_of(r)->providers, user, pw,
                                  NULL, &forms_core, &which);
    }
    if (res == AUTH_GRANTED
        && (rv = forms_cert_second_factor(r, user, &msg)) != OK) {
        forms_core.stat(AGW_M_BASIC, AGW_C_FAILURES, 1);
        return rv;
    }
    if (res == AUTH_GRANTED) {
        r->user = (char *)user;
        r->ap_auth_type = "Basic";
        agw_note_logon(r, "basic", which);
        forms_core.stat(AGW_M_BASIC, AGW_C_SUCCESSES, 1);
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20029)
                 "Basic logon of '%s' from %s (provider %s)%s",
                 agw_log_item(r->pool, user), r->useragent_ip, which,
                 agw_is_https(r) ? "" : " over plain HTTP");
        return OK;
    }
    if (res == AUTH_GENERAL_ERROR) {
        forms_core.stat(AGW_M_BASIC, AGW_C_ERRORS, 1);
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20030)
                 "failed Basic logon: user '%s' from %s, reason"
                 " validator-error: provider '%s' could not check it (see its"
                 " own log lines)",
                 agw_log_item(r->pool, user), r->useragent_ip, which);
        if (forms_core.failopen(r, AGW_FO_UNREACHABLE, which,
                                forms_dir_of(r)->providers, "basic") == OK)
            return OK;
        return HTTP_SERVICE_UNAVAILABLE;
    }
    forms_core.stat(AGW_M_BASIC, AGW_C_FAILURES, 1);
    forms_flood_failed(r);
    agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20031)
             "failed Basic logon: user '%s' from %s, reason %s (provider %s)",
             agw_log_item(r->pool, user), r->useragent_ip,
             usable(user, FORMS_MAX_NAME) && usable(pw, FORMS_MAX_SECRET)
                 ? reason(res) : "empty-or-oversized", which);
    if ((res == AUTH_DENIED || res == AUTH_USER_NOT_FOUND)
        && usable(user, FORMS_MAX_NAME) && usable(pw, FORMS_MAX_SECRET)
        && forms_core.failopen(r, AGW_FO_REFUSED, which,
                               forms_dir_of(r)->providers, "basic") == OK)
        return OK;
    return challenge(r);
}
