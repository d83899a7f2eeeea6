/* The reserved path: /.authgw/logon (GET: the form; POST: the logon) and
 * /.authgw/logoff.  Anything else under /.authgw/ is 404. */
#include "forms.h"

#include <string.h>

#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <ap_provider.h>
#include <http_protocol.h>
#include <http_request.h>

#include "agw_b64.h"
#include "agw_cookie.h"
#include "agw_form.h"
#include "agw_httpd.h"
#include "agw_url.h"

APLOG_USE_MODULE(authgw_forms);

#define PRE_LEN 32
#define PRE_B64 43 /* agw_b64_enc_len(PRE_LEN) */

/* The pre-logon token the browser holds, when it is well-formed. */
static int pre_token(request_rec *r, unsigned char raw[PRE_LEN])
{
    apr_array_header_t *vals = apr_array_make(r->pool, 1, sizeof(char *));
    size_t n;
    int i;
    agw_cookie_values(r->pool, apr_table_get(r->headers_in, "Cookie"),
                      FORMS_PRE_COOKIE, vals);
    for (i = 0; i < vals->nelts; i++) {
        const char *v = APR_ARRAY_IDX(vals, i, const char *);
        if (agw_b64_decode(v, strlen(v), raw, PRE_LEN, &n) == 0 && n == PRE_LEN)
            return 1;
    }
    return 0;
}

/* The CSRF token for a pre-logon token: a MAC under the newest key, so only
 * a page this gateway served carries it. */
static const char *csrf_for(request_rec *r, const unsigned char pre[PRE_LEN])
{
    unsigned char mac[32];
    char *out = apr_palloc(r->pool, agw_b64_enc_len(sizeof mac) + 1);
    if (agw_mac(&forms_core.keyring()->k[0], FORMS_CSRF_PURPOSE, pre, PRE_LEN,
                mac))
        return NULL;
    agw_b64_encode(mac, sizeof mac, out);
    return out;
}

/* Makes sure the browser has a pre-logon token and returns the form's CSRF
 * token for it. */
static const char *prepare_csrf(request_rec *r)
{
    unsigned char pre[PRE_LEN];
    char enc[PRE_B64 + 1];

    if (!pre_token(r, pre)) {
        if (agw_random(pre, sizeof pre))
            return NULL;
        agw_b64_encode(pre, sizeof pre, enc);
        apr_table_addn(r->err_headers_out, "Set-Cookie",
                       agw_set_cookie(r->pool, FORMS_PRE_COOKIE, enc, FORMS_PREFIX,
                                      NULL, agw_is_https(r), -1));
    }
    return csrf_for(r, pre);
}

static int csrf_ok(request_rec *r, const char *token)
{
    unsigned char pre[PRE_LEN], mac[32];
    size_t n;
    return token && pre_token(r, pre)
        && agw_b64_decode(token, strlen(token), mac, sizeof mac, &n) == 0
        && agw_mac_verify(forms_core.keyring(), FORMS_CSRF_PURPOSE, pre,
                          PRE_LEN, mac, n);
}

/* Where to go after logon: the return address when it is same-origin. */
static const char *safe_return(request_rec *r, const char *ret)
{
    if (ret && agw_return_url_ok(ret, agw_request_origin(r)))
        return ret;
    if (ret && *ret)
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20010)
                 "return address '%s' is not on this site; sending the"
                 " browser to / instead", agw_log_item(r->pool, ret));
    return "/";
}

static int send_form(request_rec *r, int status, forms_msg msg,
                     const char *ret, const char *user)
{
    const char *csrf = prepare_csrf(r);
    if (!csrf)
        return HTTP_INTERNAL_SERVER_ERROR;
    return forms_page_logon(r, status, msg, safe_return(r, ret), user, csrf);
}

static int logon_get(request_rec *r)
{
    apr_table_t *q = NULL;
    const char *why;

    if (r->args) {
        why = agw_form_parse(r->pool, r->args, strlen(r->args),
                             AGW_FORM_MAX_FIELDS, &q);
        if (why) {
            agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20011)
                     "logon page query from %s is malformed: %s",
                     r->useragent_ip, why);
            return HTTP_BAD_REQUEST;
        }
    }
    return send_form(r, HTTP_OK, FORMS_MSG_NONE,
                     q ? apr_table_get(q, "return") : NULL, NULL);
}

/* Runs the configured providers in order, as mod_auth_basic does: the next
 * one is asked only when this one does not know the user. */
static authn_status check_password(request_rec *r, const char *user,
                                   const char *password, const char **which)
{
    forms_dir *d = forms_dir_of(r);
    forms_provider dflt = { "file", NULL };
    const forms_provider *list = &dflt;
    int i, n = 1;
    authn_status res = AUTH_USER_NOT_FOUND;

    if (d->providers) {
        list = (const forms_provider *)d->providers->elts;
        n = d->providers->nelts;
    }
    else {
        dflt.provider = ap_lookup_provider(AUTHN_PROVIDER_GROUP, "file",
                                           AUTHN_PROVIDER_VERSION);
    }
    for (i = 0; i < n; i++) {
        apr_time_t t0 = apr_time_now();
        *which = list[i].name;
        if (!list[i].provider) {
            agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20012)
                     "no authn provider '%s' is loaded; set AuthGWFormProvider"
                     " or load mod_authn_file", list[i].name);
            return AUTH_GENERAL_ERROR;
        }
        apr_table_setn(r->notes, AUTHN_PROVIDER_NAME_NOTE, list[i].name);
        res = list[i].provider->check_password(r, user, password);
        apr_table_unset(r->notes, AUTHN_PROVIDER_NAME_NOTE);
        forms_core.stat(AGW_M_PROVIDER, AGW_C_ATTEMPTS, 1);
        forms_core.stat(AGW_M_PROVIDER, AGW_C_LATENCY_US,
                        (apr_uint64_t)(apr_time_now() - t0));
        forms_core.stat(AGW_M_PROVIDER,
                        res == AUTH_GRANTED ? AGW_C_SUCCESSES
                        : res == AUTH_GENERAL_ERROR ? AGW_C_ERRORS
                        : AGW_C_FAILURES, 1);
        if (res != AUTH_USER_NOT_FOUND)
            break;
    }
    return res;
}

static const char *failure_reason(authn_status res)
{
    switch (res) {
    case AUTH_DENIED: return "wrong-password";
    case AUTH_USER_NOT_FOUND: return "unknown-user";
    case AUTH_GENERAL_ERROR: return "validator-error";
    default: return "refused";
    }
}

static int logon_post(request_rec *r)
{
    const char *ctype = apr_table_get(r->headers_in, "Content-Type");
    const char *why, *user, *password, *ret, *which = "-";
    apr_table_t *f;
    char *body;
    apr_size_t len;
    authn_status res;
    int rv;

    if (!ctype || strncasecmp(ctype, "application/x-www-form-urlencoded", 33)
        || (ctype[33] && ctype[33] != ';' && ctype[33] != ' ')) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20013)
                 "logon from %s refused: the body is not a form"
                 " (Content-Type '%s')", r->useragent_ip,
                 agw_log_item(r->pool, ctype));
        return HTTP_BAD_REQUEST;
    }
    rv = agw_read_body(r, forms_dir_of(r)->max_body, &body, &len, &why);
    if (rv != OK) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20014)
                 "logon from %s refused: %s (AuthGWFormMaxBody %" APR_SIZE_T_FMT
                 ")", r->useragent_ip, why, forms_dir_of(r)->max_body);
        return rv;
    }
    why = agw_form_parse(r->pool, body, len, AGW_FORM_MAX_FIELDS, &f);
    memset(body, 0, len); /* the password is in there */
    if (why) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20015)
                 "logon from %s refused: malformed form body: %s",
                 r->useragent_ip, why);
        return HTTP_BAD_REQUEST;
    }
    user = apr_table_get(f, "username");
    password = apr_table_get(f, "password");
    ret = apr_table_get(f, "return");
    agw_secret_note(r, password);

    forms_core.stat(AGW_M_FORM, AGW_C_ATTEMPTS, 1);
    if (!csrf_ok(r, apr_table_get(f, "csrf_token"))) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20016)
                 "logon from %s refused: the form's CSRF token does not match"
                 " the browser's pre-logon cookie (an old page, cookies"
                 " blocked, or a cross-site post)", r->useragent_ip);
        forms_core.stat(AGW_M_FORM, AGW_C_FAILURES, 1);
        return send_form(r, HTTP_FORBIDDEN, FORMS_MSG_EXPIRED_FORM, ret, user);
    }
    if (!user || !*user || !password || !*password
        || strlen(user) > FORMS_MAX_NAME || strlen(password) > FORMS_MAX_SECRET) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20017)
                 "logon from %s refused: empty or oversized user name or"
                 " password", r->useragent_ip);
        forms_core.stat(AGW_M_FORM, AGW_C_FAILURES, 1);
        return send_form(r, HTTP_OK, FORMS_MSG_BAD_CREDENTIALS, ret, user);
    }

    res = check_password(r, user, password, &which);
    if (res == AUTH_GENERAL_ERROR) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20018)
                 "logon of user '%s' from %s failed: provider '%s' could not"
                 " check the password (see its own log lines)",
                 agw_log_item(r->pool, user), r->useragent_ip, which);
        forms_core.stat(AGW_M_FORM, AGW_C_ERRORS, 1);
        return send_form(r, HTTP_SERVICE_UNAVAILABLE, FORMS_MSG_UNAVAILABLE,
                         ret, user);
    }
    if (res != AUTH_GRANTED) {
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20019)
                 "logon failed: user '%s' from %s, reason %s (provider %s)",
                 agw_log_item(r->pool, user), r->useragent_ip,
                 failure_reason(res), which);
        forms_core.stat(AGW_M_FORM, AGW_C_FAILURES, 1);
        return send_form(r, HTTP_OK, FORMS_MSG_BAD_CREDENTIALS, ret, user);
    }

    rv = authgw_session_issue(r, user, "form");
    if (rv != OK)
        return rv;
    forms_core.stat(AGW_M_FORM, AGW_C_SUCCESSES, 1);
    agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20020)
             "user '%s' logged on from %s (provider %s)",
             agw_log_item(r->pool, user), r->useragent_ip, which);
    r->user = apr_pstrdup(r->pool, user);
    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   agw_set_cookie(r->pool, FORMS_PRE_COOKIE, "", FORMS_PREFIX,
                                  NULL, agw_is_https(r), 0));
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "Location", safe_return(r, ret));
    return HTTP_MOVED_TEMPORARILY;
}

static int logoff(request_rec *r)
{
    int ended;
    /* A logoff form may carry a body; it has nothing we need. */
    ap_discard_request_body(r);
    ended = forms_session_end(r);
    forms_session_clear_cookie(r);
    agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20021)
             "logoff from %s ended %d session(s)", r->useragent_ip, ended);
    return forms_page_logged_off(r);
}

int forms_handler(request_rec *r)
{
    const char *page;

    if (!r->handler || strcmp(r->handler, FORMS_HANDLER)
        || !apr_table_get(r->notes, FORMS_RESERVED_NOTE))
        return DECLINED;
    page = r->uri + (sizeof FORMS_PREFIX - 1);
    if (strlen(r->uri) < sizeof FORMS_PREFIX - 1)
        return HTTP_NOT_FOUND;
    ap_allow_methods(r, REPLACE_ALLOW, "GET", "HEAD", "POST", NULL);
    if (!strcmp(page, "logon")) {
        if (r->method_number == M_GET)
            return logon_get(r);
        if (r->method_number == M_POST)
            return logon_post(r);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (!strcmp(page, "logoff")) {
        if (r->method_number == M_GET || r->method_number == M_POST)
            return logoff(r);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    return HTTP_NOT_FOUND;
}
