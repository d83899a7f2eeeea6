/* Request hooks: the reserved path /.authgw/ is claimed before mod_proxy can
 * map it to a backend and before authorization can refuse it; every other
 * request under AuthType GatewayForm needs a session. */
#include "forms.h"

#include <string.h>

#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>

#include "agw_form.h"
#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_forms);

static int is_gateway_form(request_rec *r)
{
    const char *t = ap_auth_type(r);
    return t && !strcasecmp(t, FORMS_AUTH_TYPE);
}

/* A type whose session cookie this module issued. */
static int is_ours(request_rec *r)
{
    const char *t = ap_auth_type(r);
    return t && (!strcasecmp(t, FORMS_AUTH_TYPE)
                 || !strcasecmp(t, FORMS_CERT_AUTH_TYPE));
}

static int is_reserved(const request_rec *r)
{
    return r->uri && (!strncmp(r->uri, FORMS_PREFIX, sizeof FORMS_PREFIX - 1)
                      || !strcmp(r->uri, "/.authgw"));
}

int forms_translate(request_rec *r)
{
    if (!is_reserved(r) || !is_gateway_form(r))
        return DECLINED;
    r->handler = FORMS_HANDLER;
    r->filename = apr_pstrcat(r->pool, "authgw:", r->uri, NULL);
    apr_table_setn(r->notes, FORMS_RESERVED_NOTE, "1");
    return OK;
}

static int claimed(const request_rec *r)
{
    return r->handler && !strcmp(r->handler, FORMS_HANDLER)
        && apr_table_get(r->notes, FORMS_RESERVED_NOTE);
}

int forms_map_to_storage(request_rec *r)
{
    /* Nothing on disk to walk. */
    return claimed(r) ? OK : DECLINED;
}

int forms_access_ex(request_rec *r)
{
    /* The logon pages must be reachable without a session: OK here makes
     * httpd skip authentication and authorization for them. */
    return claimed(r) ? OK : DECLINED;
}

int forms_check_authn(request_rec *r)
{
    const char *user, *ret;

    if (!is_gateway_form(r))
        return DECLINED;
    if (!forms_core.keyring) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20009)
                 "AuthType GatewayForm needs mod_authgw_core: load it before"
                 " mod_authgw_forms");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    user = authgw_session_user(r);
    if (user && !forms_session_has_cert(r)
        && forms_dir_of(r)->cert.required) {
        /* a session of a logon without the certificate, e.g. from a
         * location of this host that does not ask for one */
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20116)
                 "the session of user '%s' was opened without a client"
                 " certificate and AuthGWFormRequireCertificate is On here:"
                 " asking for a logon", agw_log_item(r->pool, user));
        user = NULL;
    }
    if (user) {
        r->user = (char *)user;
        r->ap_auth_type = FORMS_AUTH_TYPE;
        agw_note_logon(r, "cookie", NULL);
        return OK;
    }
    if (forms_dir_of(r)->basic_fallback) {
        /* the answer depends on the client */
        apr_table_mergen(r->err_headers_out, "Vary", "User-Agent");
        if (forms_is_basic_client(r))
            return forms_basic(r);
    }
    if (forms_core.failopen(r, AGW_FO_NO_CREDENTIALS, NULL,
                            forms_dir_of(r)->providers, "none") == OK)
        return OK;
    /* No session: send the browser to the logon page, to come back here. */
    ret = agw_pct_encode(r->pool, r->unparsed_uri ? r->unparsed_uri : "/", 1);
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, FORMS_PREFIX "logon?return=", ret, NULL));
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return HTTP_MOVED_TEMPORARILY;
}

int forms_fixups(request_rec *r)
{
    const char *names[] = { forms_srv_of(r)->cookie_name, FORMS_PRE_COOKIE,
                            NULL };

    /* The reserved pages read these cookies themselves; they are never
     * proxied. */
    if (is_ours(r) && !claimed(r))
        agw_strip_credentials(r, names);
    return DECLINED;
}
