/* The reserved path: /.authgw/logon (GET: the form; POST: the logon),
 * /.authgw/challenge, /.authgw/logoff, and /.authgw/password (in
 * forms_password.c).  Anything else under /.authgw/ is 404. */
#include "forms.h"

#include <string.h>

#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>

#include "agw_b64.h"
#include "agw_cookie.h"
#include "agw_form.h"
#include "agw_httpd.h"
#include "agw_record.h"
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

const char *forms_csrf_prepare(request_rec *r)
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

int forms_csrf_ok(request_rec *r, const char *token)
{
    unsigned char pre[PRE_LEN], mac[32];
    size_t n;
    return token && pre_token(r, pre)
        && agw_b64_decode(token, strlen(token), mac, sizeof mac, &n) == 0
        && agw_mac_verify(forms_core.keyring(), FORMS_CSRF_PURPOSE, pre,
                          PRE_LEN, mac, n);
}

const char *forms_safe_return(request_rec *r, const char *ret)
{
    if (ret && agw_return_url_ok(ret, agw_request_origin(r)))
        return ret;
    if (ret && *ret)
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20010)
                 "return address '%s' is not on this site; sending the"
                 " browser to / instead", agw_log_item(r->pool, ret));
    return "/";
}

int forms_send_logon(request_rec *r, int status, forms_msg msg,
                     const char *ret, const char *user)
{
    const char *csrf = forms_csrf_prepare(r);
    if (!csrf)
        return HTTP_INTERNAL_SERVER_ERROR;
    return forms_page_logon(r, status, msg, forms_safe_return(r, ret), user, csrf);
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
    return forms_send_logon(r, HTTP_OK, FORMS_MSG_NONE,
                     q ? apr_table_get(q, "return") : NULL, NULL);
}

authn_status forms_check_password(request_rec *r, const char *user,
                                   const char *password, const char *only,
                                   const char **which)
{
    authn_status res = agw_providers_check(r, forms_dir_of(r)->providers, user,
                                           password, only, &forms_core, which);
    if (only && strcmp(*which, only)) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20024)
                 "the provider '%s' that challenged is no longer in"
                 " AuthGWFormProvider", only);
        return AUTH_GENERAL_ERROR;
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

int forms_read_post(request_rec *r, apr_table_t **f)
{
    static const char *const secret_fields[] = {
        "password", "passcode", "deleg_password", "response",
        "new_password", "confirm_password", NULL
    };
    const char *ctype = apr_table_get(r->headers_in, "Content-Type");
    const char *why;
    const char *const *sf;
    char *body;
    apr_size_t len;
    int rv;

    if ((rv = forms_flood_check(r)) != OK)
        return rv;
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
    why = agw_form_parse(r->pool, body, len, AGW_FORM_MAX_FIELDS, f);
    memset(body, 0, len); /* the password is in there */
    if (why) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20015)
                 "logon from %s refused: malformed form body: %s",
                 r->useragent_ip, why);
        return HTTP_BAD_REQUEST;
    }
    for (sf = secret_fields; *sf; sf++)
        agw_secret_note(r, apr_table_get(*f, *sf));
    forms_core.stat(AGW_M_FORM, AGW_C_ATTEMPTS, 1);
    return OK;
}

static int refuse_csrf(request_rec *r, const char *ret, const char *user)
{
    agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20016)
             "logon failed: user '%s' from %s, reason csrf-mismatch: the"
             " form's CSRF token does not match the browser's pre-logon"
             " cookie (an old page, cookies blocked, or a cross-site post)",
             agw_log_item(r->pool, user ? user : "-"), r->useragent_ip);
    forms_core.stat(AGW_M_FORM, AGW_C_FAILURES, 1);
    return forms_send_logon(r, HTTP_FORBIDDEN, FORMS_MSG_EXPIRED_FORM, ret, user);
}

/* AuthGWFailOpen let a logon through: back to where the user was going,
 * without a session (the session check lets the next requests through while
 * the validator stays marked down).  DECLINED when it did not. */
static int failopen_logon(request_rec *r, agw_fo_case c, const char *which,
                          const char *ret)
{
    if (forms_core.failopen(r, c, which, forms_dir_of(r)->providers, "form")
        != OK)
        return DECLINED;
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "Location", forms_safe_return(r, ret));
    return HTTP_MOVED_TEMPORARILY;
}

/* checked: a validator refused the credentials (AuthGWFailOpen all may
 * still let them through). */
static int refuse(request_rec *r, const char *user, const char *ret,
                  const char *reason, const char *which, int checked)
{
    int rv;

    agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20019)
             "logon failed: user '%s' from %s, reason %s (provider %s)",
             agw_log_item(r->pool, user), r->useragent_ip, reason, which);
    forms_core.stat(AGW_M_FORM, AGW_C_FAILURES, 1);
    if (checked
        && (rv = failopen_logon(r, AGW_FO_REFUSED, which, ret)) != DECLINED)
        return rv;
    return forms_send_logon(r, HTTP_OK, FORMS_MSG_BAD_CREDENTIALS, ret, user);
}

#define CHALLENGE_NS "C"
#define CHALLENGE_KIND 'C'
#define CHALLENGE_ID_LEN 16
#define CHALLENGE_TTL 300

/* The session is made at the answer, in another request: the delegation
 * password of the first post is not carried over (it would wait in the
 * store, in the challenge record, unsealed: nothing keyed to the client
 * exists yet), so the session keeps none. */
static void drop_delegation_password(request_rec *r, const char *user)
{
    const char *pw = NULL;

    apr_pool_userdata_get((void **)&pw, AUTHGW_POOL_DELEG_PASSWORD, r->pool);
    if (!pw)
        return;
    apr_pool_userdata_setn(NULL, AUTHGW_POOL_DELEG_PASSWORD, NULL, r->pool);
    agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20062)
             "the session of user '%s' will keep no delegation password:"
             " the logon goes through a challenge, so AuthGWDelegate basic"
             " will send nothing for it (AGW50004)",
             agw_log_item(r->pool, user));
}

/* A provider challenged: keep what the answer needs in the store under a
 * fresh id, used once, and ask the user. */
static int start_challenge(request_rec *r, const char *user, const char *which,
                           const char *ret)
{
    const char *state = apr_table_get(r->notes, AUTHGW_NOTE_CHALLENGE_STATE);
    const char *msg = apr_table_get(r->notes, AUTHGW_NOTE_CHALLENGE_MESSAGE);
    const char *fields[] = { user, which, state, forms_safe_return(r, ret) };
    unsigned char id[CHALLENGE_ID_LEN], rec[AGW_RECORD_MAX];
    char idb[32];
    const char *csrf = forms_csrf_prepare(r);
    size_t n = agw_record_encode(CHALLENGE_KIND, fields, 4, rec, sizeof rec);

    if (!n || !csrf || agw_random(id, sizeof id))
        return HTTP_INTERNAL_SERVER_ERROR;
    if (forms_core.put(r->server, CHALLENGE_NS, id, sizeof id,
                       apr_time_now() + apr_time_from_sec(CHALLENGE_TTL), rec,
                       (unsigned int)n, r->pool) != APR_SUCCESS)
        return HTTP_SERVICE_UNAVAILABLE;
    agw_b64_encode(id, sizeof id, idb);
    agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20025)
             "provider %s challenged user '%s' from %s; asking for the answer",
             which, agw_log_item(r->pool, user), r->useragent_ip);
    drop_delegation_password(r, user);
    return forms_page_challenge(r, msg ? msg : "", idb, csrf);
}

/* AuthGWFormRequireCertificate refused: the form again, saying why. */
static int refuse_cert(request_rec *r, int status, forms_msg msg,
                       const char *ret, const char *user)
{
    forms_core.stat(AGW_M_FORM, AGW_C_FAILURES, 1);
    if (status == HTTP_INTERNAL_SERVER_ERROR)
        return status;
    return forms_send_logon(r, status, msg, ret, user);
}

int forms_finish_logon(request_rec *r, const char *user, const char *ret,
                        const char *which)
{
    forms_msg msg = FORMS_MSG_NONE;
    int rv;

    /* every way to a form session passes here: the logon, the answer to a
     * challenge, a password change */
    if ((rv = forms_cert_second_factor(r, user, &msg)) != OK)
        return refuse_cert(r, rv, msg, ret, user);
    rv = authgw_session_issue(r, user, forms_dir_of(r)->cert.required
                                           ? FORMS_METHOD_FORM_CERT : "form");
    if (rv != OK)
        return rv;
    forms_core.stat(AGW_M_FORM, AGW_C_SUCCESSES, 1);
    agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20020)
             "user '%s' logged on from %s (provider %s)",
             agw_log_item(r->pool, user), r->useragent_ip, which);
    r->user = apr_pstrdup(r->pool, user);
    agw_note_logon(r, "form", which);
    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   agw_set_cookie(r->pool, FORMS_PRE_COOKIE, "", FORMS_PREFIX,
                                  NULL, agw_is_https(r), 0));
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    if ((rv = forms_expiry_warning(r, user, forms_safe_return(r, ret))) != DECLINED)
        return rv;
    apr_table_setn(r->headers_out, "Location", forms_safe_return(r, ret));
    return HTTP_MOVED_TEMPORARILY;
}

/* What a provider's answer leads to: a session, a challenge, or the form
 * again. */
static int conclude(request_rec *r, authn_status res, const char *user,
                    const char *ret, const char *which)
{
    int rv;

    if (res == AUTH_GRANTED)
        return forms_finish_logon(r, user, ret, which);
    if (res == AUTH_GENERAL_ERROR) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20018)
                 "logon failed: user '%s' from %s, reason validator-error:"
                 " provider '%s' could not check the password (see its own"
                 " log lines)",
                 agw_log_item(r->pool, user), r->useragent_ip, which);
        forms_core.stat(AGW_M_FORM, AGW_C_ERRORS, 1);
        if ((rv = failopen_logon(r, AGW_FO_UNREACHABLE, which, ret)) != DECLINED)
            return rv;
        return forms_send_logon(r, HTTP_SERVICE_UNAVAILABLE, FORMS_MSG_UNAVAILABLE,
                         ret, user);
    }
    if (apr_table_get(r->notes, AUTHGW_NOTE_CHALLENGE_STATE))
        return start_challenge(r, user, which, ret);
    if (apr_table_get(r->notes, AUTHGW_NOTE_ACCOUNT))
        return forms_account_refused(r, user, ret, which);
    return refuse(r, user, ret, failure_reason(res), which, 1);
}

static int usable(const char *s, size_t max)
{
    return s && *s && strlen(s) <= max;
}

static int logon_post(request_rec *r)
{
    forms_dir *d = forms_dir_of(r);
    const char *user, *secret, *ret, *which = "-";
    forms_msg msg = FORMS_MSG_NONE;
    authn_status res;
    apr_table_t *f;
    int rv;

    if ((rv = forms_read_post(r, &f)) != OK)
        return rv;
    user = apr_table_get(f, "username");
    ret = apr_table_get(f, "return");
    if (!forms_csrf_ok(r, apr_table_get(f, "csrf_token")))
        return refuse_csrf(r, ret, user);
    secret = apr_table_get(f, d->type == FORMS_TYPE_PASSWORD ? "password"
                                                             : "passcode");
    if (!usable(user, FORMS_MAX_NAME) || !usable(secret, FORMS_MAX_SECRET))
        return refuse(r, user, ret, "empty-or-oversized", which, 0);
    if (d->type == FORMS_TYPE_PASSCODE_PASSWORD) {
        const char *du = apr_table_get(f, "deleg_username");
        if (!usable(apr_table_get(f, "deleg_password"), FORMS_MAX_SECRET))
            return refuse(r, user, ret, "no-delegation-password", which, 0);
        if (d->same_user && du && *du && strcasecmp(du, user))
            return refuse(r, user, ret, "delegation-user-differs", which, 0);
    }
    /* the certificate first: without it no password is even tried */
    if ((rv = forms_cert_second_factor(r, user, &msg)) != OK)
        return refuse_cert(r, rv, msg, ret, user);
    apr_table_setn(r->notes, AUTHGW_NOTE_RECEIPT, "form");
    forms_session_keep_password(r, f);
    res = forms_check_password(r, user, secret, NULL, &which);
    return conclude(r, res, user, ret, which);
}

static int challenge_post(request_rec *r)
{
    const char *answer, *idb, *fields[4], *which = "-";
    unsigned char id[CHALLENGE_ID_LEN + 2], rec[AGW_RECORD_MAX];
    unsigned int rlen = sizeof rec;
    authn_status res;
    apr_table_t *f;
    size_t n;
    int rv;

    if ((rv = forms_read_post(r, &f)) != OK)
        return rv;
    if (!forms_csrf_ok(r, apr_table_get(f, "csrf_token")))
        return refuse_csrf(r, NULL, NULL);
    idb = apr_table_get(f, "challenge");
    answer = apr_table_get(f, "response");
    if (!idb || agw_b64_decode(idb, strlen(idb), id, sizeof id, &n)
        || n != CHALLENGE_ID_LEN
        || forms_core.get(r->server, CHALLENGE_NS, id, CHALLENGE_ID_LEN, rec,
                          &rlen, r->pool) != APR_SUCCESS
        || agw_record_decode(r->pool, CHALLENGE_KIND, rec, rlen, fields, 4)) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20026)
                 "challenge answer from %s refused: unknown, used or expired"
                 " challenge", r->useragent_ip);
        forms_core.stat(AGW_M_FORM, AGW_C_FAILURES, 1);
        return forms_send_logon(r, HTTP_OK, FORMS_MSG_EXPIRED_FORM, NULL, NULL);
    }
    /* one answer per challenge */
    forms_core.del(r->server, CHALLENGE_NS, id, CHALLENGE_ID_LEN, r->pool);
    if (!usable(answer, FORMS_MAX_SECRET))
        return refuse(r, fields[0], fields[3], "empty-answer", fields[1], 0);
    apr_table_setn(r->notes, AUTHGW_NOTE_RECEIPT, "form");
    apr_table_setn(r->notes, AUTHGW_NOTE_ANSWER_STATE, fields[2]);
    res = forms_check_password(r, fields[0], answer, fields[1], &which);
    return conclude(r, res, fields[0], fields[3], which);
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
    if (!strcmp(page, "challenge")) {
        if (r->method_number == M_POST)
            return challenge_post(r);
        ap_allow_methods(r, REPLACE_ALLOW, "POST", NULL);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (!strcmp(page, "password"))
        return forms_password(r);
    if (!strcmp(page, "logoff")) {
        if (r->method_number == M_GET || r->method_number == M_POST)
            return logoff(r);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    return HTTP_NOT_FOUND;
}
