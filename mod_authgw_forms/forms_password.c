/* Passwords that expire: the account states a directory reports at logon
 * (expired, must change, disabled, locked, account expired), the warning
 * page before a password expires (AuthGWPasswordExpiryWarn), and the change
 * page /.authgw/password (AuthGWPasswordChange).
 *
 * The change goes through the ordinary provider call with the new password
 * in the request pool's user data (authgw.h), so <AuthnProviderAlias>
 * sections and the provider order apply as they do at logon. */
#include "forms.h"

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>

#include "agw_form.h"
#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_forms);

#define DAY 86400
#define MAX_WARN_DAYS 365

const char *forms_cmd_expiry_warn(cmd_parms *cmd, void *dc, const char *arg)
{
    forms_dir *c = dc;
    char *end;
    long v = strtol(arg, &end, 10);
    if (end == arg || *end || v < 0 || v > MAX_WARN_DAYS)
        return apr_psprintf(cmd->pool, "AuthGWPasswordExpiryWarn: '%s' is not"
                            " a number of days from 0 (off) to %d", arg,
                            MAX_WARN_DAYS);
    c->expiry_warn = (int)v;
    c->expiry_warn_set = 1;
    return NULL;
}

const char *forms_cmd_password_change(cmd_parms *cmd, void *dc, int on)
{
    forms_dir *c = dc;
    (void)cmd;
    c->password_change = on;
    c->password_change_set = 1;
    return NULL;
}

static const struct {
    const char *state;
    forms_msg msg;
    int changeable; /* the user can mend it by changing the password */
} account_states[] = {
    { "password-expired", FORMS_MSG_PASSWORD_EXPIRED, 1 },
    { "must-change", FORMS_MSG_MUST_CHANGE, 1 },
    { "disabled", FORMS_MSG_ACCOUNT_DISABLED, 0 },
    { "locked", FORMS_MSG_ACCOUNT_LOCKED, 0 },
    { "account-expired", FORMS_MSG_ACCOUNT_EXPIRED, 0 },
};

/* The refusal reasons of AUTHGW_NOTE_PASSWORD_REFUSED. */
static const struct {
    const char *reason;
    forms_msg msg;
} refusals[] = {
    { "too-short", FORMS_MSG_PASSWORD_TOO_SHORT },
    { "complexity", FORMS_MSG_PASSWORD_COMPLEXITY },
    { "history", FORMS_MSG_PASSWORD_HISTORY },
    { "min-age", FORMS_MSG_PASSWORD_MIN_AGE },
};

static int send_change(request_rec *r, int status, forms_msg msg,
                       const char *user, const char *ret)
{
    const char *csrf = forms_csrf_prepare(r);
    if (!csrf)
        return HTTP_INTERNAL_SERVER_ERROR;
    return forms_page_password(r, status, msg, user ? user : "",
                               forms_safe_return(r, ret), csrf);
}

int forms_account_refused(request_rec *r, const char *user, const char *ret,
                          const char *which)
{
    const char *state = apr_table_get(r->notes, AUTHGW_NOTE_ACCOUNT);
    int change = forms_dir_of(r)->password_change;
    size_t i;

    for (i = 0; i < sizeof account_states / sizeof *account_states; i++)
        if (!strcmp(state, account_states[i].state))
            break;
    forms_core.stat(AGW_M_FORM, AGW_C_FAILURES, 1);
    if (i == sizeof account_states / sizeof *account_states) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20050)
                 "logon failed: user '%s' from %s, provider %s reported the"
                 " unknown account state '%s'; treated as a wrong password",
                 agw_log_item(r->pool, user), r->useragent_ip, which,
                 agw_log_item(r->pool, state));
        return forms_send_logon(r, HTTP_OK, FORMS_MSG_BAD_CREDENTIALS, ret,
                                user);
    }
    agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20051)
             "logon failed: user '%s' from %s, reason %s (provider %s)%s",
             agw_log_item(r->pool, user), r->useragent_ip, state, which,
             account_states[i].changeable && !change
                 ? "; the user cannot log on until an administrator resets"
                   " the password (AuthGWPasswordChange On lets users change"
                   " it themselves)" : "");
    if (account_states[i].changeable && change)
        return send_change(r, HTTP_OK, account_states[i].msg, user, ret);
    return forms_send_logon(r, HTTP_OK, account_states[i].msg, ret, user);
}

int forms_expiry_warning(request_rec *r, const char *user, const char *ret)
{
    forms_dir *d = forms_dir_of(r);
    const char *note = apr_table_get(r->notes, AUTHGW_NOTE_PASSWORD_EXPIRES);
    apr_int64_t expires, left;
    const char *change_url = NULL;
    char *end;

    if (!d->expiry_warn || !note)
        return DECLINED;
    expires = apr_strtoi64(note, &end, 10);
    if (*end || end == note)
        return DECLINED;
    left = expires - apr_time_sec(apr_time_now());
    if (left < 0 || left > (apr_int64_t)d->expiry_warn * DAY)
        return DECLINED;
    if (d->password_change)
        change_url = apr_pstrcat(r->pool, FORMS_PREFIX, "password?return=",
                                 ap_escape_urlencoded(r->pool, ret),
                                 "&username=",
                                 ap_escape_urlencoded(r->pool, user), NULL);
    agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20052)
             "the password of user '%s' expires in %" APR_INT64_T_FMT
             " day(s); showing the warning", agw_log_item(r->pool, user),
             left / DAY);
    return forms_page_expiry_warning(r, (long)(left / DAY), ret, change_url);
}

static int usable(const char *s, size_t max)
{
    return s && *s && strlen(s) <= max;
}

static int password_get(request_rec *r)
{
    apr_table_t *q = NULL;
    const char *user;

    if (r->args && agw_form_parse(r->pool, r->args, strlen(r->args),
                                  AGW_FORM_MAX_FIELDS, &q)) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20053)
                 "password page query from %s is malformed", r->useragent_ip);
        return HTTP_BAD_REQUEST;
    }
    user = q ? apr_table_get(q, "username") : NULL;
    if (!user)
        user = authgw_session_user(r);
    return send_change(r, HTTP_OK, FORMS_MSG_NONE, user,
                       q ? apr_table_get(q, "return") : NULL);
}

static forms_msg refusal_msg(const char *reason)
{
    size_t i;
    for (i = 0; reason && i < sizeof refusals / sizeof *refusals; i++)
        if (!strcmp(reason, refusals[i].reason))
            return refusals[i].msg;
    return FORMS_MSG_PASSWORD_POLICY;
}

/* The change went through: log on with the new password, which proves it
 * works; should the directory not take it yet, the user logs on by hand. */
static int changed(request_rec *r, const char *user, const char *pw,
                   const char *ret, const char *which)
{
    const char *again = "-";
    agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20054)
             "user '%s' from %s changed their password (provider %s)",
             agw_log_item(r->pool, user), r->useragent_ip, which);
    apr_table_unset(r->notes, AUTHGW_NOTE_PASSWORD_CHANGED);
    apr_table_unset(r->notes, AUTHGW_NOTE_ACCOUNT);
    if (forms_check_password(r, user, pw, which, &again) == AUTH_GRANTED) {
        /* the session delegates the new password, as a logon would */
        apr_table_t *kept = apr_table_make(r->pool, 1);
        apr_table_setn(kept, "password", pw);
        forms_session_keep_password(r, kept);
        return forms_finish_logon(r, user, ret, again);
    }
    return forms_send_logon(r, HTTP_OK, FORMS_MSG_PASSWORD_CHANGED, ret, user);
}

static int password_post(request_rec *r)
{
    const char *user, *old, *pw, *confirm, *ret, *which = "-", *reason;
    authn_status res;
    apr_table_t *f;
    int rv;

    if ((rv = forms_read_post(r, &f)) != OK)
        return rv;
    user = apr_table_get(f, "username");
    old = apr_table_get(f, "password");
    pw = apr_table_get(f, "new_password");
    confirm = apr_table_get(f, "confirm_password");
    ret = apr_table_get(f, "return");
    if (!forms_csrf_ok(r, apr_table_get(f, "csrf_token"))) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20055)
                 "password change from %s refused: the form's CSRF token does"
                 " not match the browser's pre-logon cookie", r->useragent_ip);
        return send_change(r, HTTP_FORBIDDEN, FORMS_MSG_EXPIRED_FORM, user, ret);
    }
    if (!usable(user, FORMS_MAX_NAME) || !usable(old, FORMS_MAX_SECRET))
        return send_change(r, HTTP_OK, FORMS_MSG_BAD_CREDENTIALS, user, ret);
    if (!usable(pw, FORMS_MAX_SECRET))
        return send_change(r, HTTP_OK, FORMS_MSG_PASSWORD_TOO_SHORT, user, ret);
    if (!confirm || strcmp(pw, confirm))
        return send_change(r, HTTP_OK, FORMS_MSG_PASSWORD_MISMATCH, user, ret);

    apr_table_setn(r->notes, AUTHGW_NOTE_RECEIPT, "form");
    apr_pool_userdata_setn(pw, AUTHGW_NOTE_NEW_PASSWORD, NULL, r->pool);
    res = forms_check_password(r, user, old, NULL, &which);
    apr_pool_userdata_setn(NULL, AUTHGW_NOTE_NEW_PASSWORD, NULL, r->pool);

    if (res == AUTH_GRANTED
        && apr_table_get(r->notes, AUTHGW_NOTE_PASSWORD_CHANGED))
        return changed(r, user, pw, ret, which);
    if (res == AUTH_GRANTED) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20056)
                 "password change for user '%s': provider %s checked the"
                 " current password but cannot change passwords; list"
                 " authgw-ldap or authgw-kerberos in AuthGWFormProvider, or"
                 " turn AuthGWPasswordChange off", agw_log_item(r->pool, user),
                 which);
        return send_change(r, HTTP_OK, FORMS_MSG_UNAVAILABLE, user, ret);
    }
    if (res == AUTH_GENERAL_ERROR) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20057)
                 "password change for user '%s' from %s failed: provider %s"
                 " could not be asked (see its own log lines)",
                 agw_log_item(r->pool, user), r->useragent_ip, which);
        return send_change(r, HTTP_SERVICE_UNAVAILABLE, FORMS_MSG_UNAVAILABLE,
                           user, ret);
    }
    if ((reason = apr_table_get(r->notes, AUTHGW_NOTE_PASSWORD_REFUSED))) {
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20058)
                 "password change for user '%s' from %s refused by the"
                 " directory's password policy: %s (provider %s)",
                 agw_log_item(r->pool, user), r->useragent_ip,
                 agw_log_item(r->pool, reason), which);
        return send_change(r, HTTP_OK, refusal_msg(reason), user, ret);
    }
    if (apr_table_get(r->notes, AUTHGW_NOTE_ACCOUNT))
        return forms_account_refused(r, user, ret, which);
    agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20059)
             "password change for user '%s' from %s refused: the current"
             " password is wrong (provider %s)", agw_log_item(r->pool, user),
             r->useragent_ip, which);
    return send_change(r, HTTP_OK, FORMS_MSG_BAD_CREDENTIALS, user, ret);
}

int forms_password(request_rec *r)
{
    if (!forms_dir_of(r)->password_change)
        return HTTP_NOT_FOUND;
    if (r->method_number == M_GET)
        return password_get(r);
    if (r->method_number == M_POST)
        return password_post(r);
    return HTTP_METHOD_NOT_ALLOWED;
}
