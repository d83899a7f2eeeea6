/* mod_authgw_forms: internal declarations. */
#ifndef AGW_FORMS_H
#define AGW_FORMS_H

#include <httpd.h>
#include <http_config.h>
#include <mod_auth.h>

#include "authgw.h"
#include "agw_cert.h"
#include "agw_session.h"
#include "forms_tmpl.h"

#define FORMS_AUTH_TYPE "GatewayForm"
#define FORMS_CERT_AUTH_TYPE "GatewayCertificate"
#define FORMS_HANDLER "authgw-forms"
#define FORMS_PREFIX "/.authgw/"
#define FORMS_RESERVED_NOTE "authgw-reserved"
#define FORMS_PRE_COOKIE AUTHGW_PRE_COOKIE
#define FORMS_CSRF_PURPOSE "authgw csrf v1"
#define FORMS_MAX_NAME 256
#define FORMS_MAX_SECRET 1024

/* Create/merge of a field that honours "unset". */
#define MERGE(field) \
    c->field = add->field##_set ? add->field : base->field; \
    c->field##_set = add->field##_set | base->field##_set

/* Per virtual host: the SSO session, as ISA's web listener holds it. */
typedef struct {
    const char *cookie_name;
    const char *sso_domain;
    apr_int64_t idle;     /* seconds; 0: no idle time-out */
    apr_int64_t lifetime; /* seconds */
    int bind_ip;          /* AuthGWSessionBindIP */
    unsigned int cookie_name_set:1, sso_domain_set:1, idle_set:1,
        lifetime_set:1, bind_ip_set:1;
} forms_srv;

typedef enum {
    FORMS_TYPE_PASSWORD = 0,
    FORMS_TYPE_PASSCODE,
    FORMS_TYPE_PASSCODE_PASSWORD
} forms_type;

/* Per directory: client certificates (forms_cert.c). */
typedef struct {
    agw_cert_map map;                /* AuthGWCertificateMap; default upn */
    apr_array_header_t *issuers;     /* AuthGWCertificateIssuer, DNs */
    apr_array_header_t *ekus;        /* AuthGWCertificateEKU, dotted */
    apr_array_header_t *policies;    /* AuthGWCertificatePolicy, dotted */
    int required;                    /* AuthGWFormRequireCertificate */
    unsigned int map_set:1, issuers_set:1, ekus_set:1, policies_set:1,
        required_set:1;
} forms_cert_dir;

/* Per directory. */
typedef struct {
    apr_array_header_t *providers; /* of agw_provider */
    apr_size_t max_body;
    forms_type type;
    int same_user;   /* AuthGWFormRequireSameUser */
    int flood_limit; /* logon posts a minute per address; 0: no limit */
    const forms_templates *templates; /* AuthGWFormTemplates; NULL: built-in */
    const char *language;             /* AuthGWFormLanguage; NULL: the client's */
    apr_array_header_t *mobile_agents; /* of char *; NULL: the default list */
    int basic_fallback;                /* AuthGWFormBasicFallback */
    apr_array_header_t *basic_agents;  /* of char *; NULL: the default list */
    int expiry_warn;                   /* AuthGWPasswordExpiryWarn, days; 0: off */
    int password_change;               /* AuthGWPasswordChange */
    forms_cert_dir cert;
    unsigned int providers_set:1, max_body_set:1, type_set:1, same_user_set:1,
        flood_limit_set:1, templates_set:1, language_set:1,
        mobile_agents_set:1, basic_fallback_set:1, basic_agents_set:1,
        expiry_warn_set:1, password_change_set:1;
} forms_dir;

extern module AP_MODULE_DECLARE_DATA authgw_forms_module;
extern agw_core_api forms_core;

void *forms_create_srv(apr_pool_t *p, server_rec *s);
void *forms_merge_srv(apr_pool_t *p, void *base, void *add);
void *forms_create_dir(apr_pool_t *p, char *dir);
void *forms_merge_dir(apr_pool_t *p, void *base, void *add);
const char *forms_cmd_provider(cmd_parms *cmd, void *dc, const char *arg);
const char *forms_cmd_seconds(cmd_parms *cmd, void *sc, const char *arg);
const char *forms_cmd_sso_domain(cmd_parms *cmd, void *dc, const char *arg);
const char *forms_cmd_cookie_name(cmd_parms *cmd, void *dc, const char *arg);
const char *forms_cmd_max_body(cmd_parms *cmd, void *dc, const char *arg);
const char *forms_cmd_type(cmd_parms *cmd, void *dc, const char *arg);
const char *forms_cmd_same_user(cmd_parms *cmd, void *dc, int on);
const char *forms_cmd_flood_limit(cmd_parms *cmd, void *dc, const char *arg);
const char *forms_cmd_templates(cmd_parms *cmd, void *dc, const char *arg);
const char *forms_cmd_language(cmd_parms *cmd, void *dc, const char *arg);
const char *forms_cmd_agents(cmd_parms *cmd, void *dc, const char *arg);
const char *forms_cmd_basic_fallback(cmd_parms *cmd, void *dc, int on);
const char *forms_cmd_bind_ip(cmd_parms *cmd, void *dc, int on);

/* The User-Agent lists of AuthGWFormMobileAgents and AuthGWFormBasicAgents:
 * 1 when the request's User-Agent contains one of the entries (case
 * ignored). */
int forms_is_mobile(const request_rec *r);
int forms_is_basic_client(const request_rec *r);

/* The template set of the request's directory (the built-in one when it
 * names none). */
const forms_templates *forms_templates_of(const request_rec *r);
/* forms_tmpl.c: the built-in set, read in pre_config. */
extern const forms_templates *forms_builtin;

/* forms_flood.c: counts a logon attempt from the client's address; OK, or
 * HTTP_TOO_MANY_REQUESTS with Retry-After set. */
int forms_flood_check(request_rec *r);
/* For Basic, where only failures count: OK, or HTTP_TOO_MANY_REQUESTS while
 * the address's failures this minute are at the limit; and counting one. */
int forms_flood_over(request_rec *r);
void forms_flood_failed(request_rec *r);

/* forms_basic.c: the Basic fallback for a request without a session from
 * a client of AuthGWFormBasicAgents: OK with r->user set, or the status
 * (401 with WWW-Authenticate, 400, 429, 503). */
int forms_basic(request_rec *r);

forms_srv *forms_srv_of(const request_rec *r);
forms_dir *forms_dir_of(const request_rec *r);

/* forms_session.c */
int authgw_session_issue(request_rec *r, const char *user, const char *method);
const char *authgw_session_user(request_rec *r);
const char *authgw_session_cookie_name(request_rec *r);
int authgw_session_credentials(request_rec *r, const char **user,
                               const char **password);
const char *authgw_session_end_current(request_rec *r);
const char *authgw_form_type(request_rec *r);
/* At a logon POST (form fields f): hands authgw_session_issue the password
 * to keep for delegation, as AuthGWFormType says. */
void forms_session_keep_password(request_rec *r, apr_table_t *f);
/* Ends every session the request's cookies name; returns how many. */
int forms_session_end(request_rec *r);
/* Adds the Set-Cookie that deletes the session cookie. */
void forms_session_clear_cookie(request_rec *r);

/* forms_cert_config.c */
void forms_cert_merge(forms_cert_dir *c, const forms_cert_dir *base,
                      const forms_cert_dir *add);
const char *forms_cmd_cert_map(cmd_parms *cmd, void *dc, const char *arg);
const char *forms_cmd_cert_issuer(cmd_parms *cmd, void *dc, const char *arg);
const char *forms_cmd_cert_eku(cmd_parms *cmd, void *dc, const char *arg);
const char *forms_cmd_cert_policy(cmd_parms *cmd, void *dc, const char *arg);
const char *forms_cmd_cert_required(cmd_parms *cmd, void *dc, int on);

/* forms_cert.c: the verified client certificate of the request's
 * connection, checked against the directory's constraints and mapped to an
 * account. */
typedef struct {
    const agw_cert *cert;
    const char *name;  /* what AuthGWCertificateMap took from it */
    const char *user;  /* the account: the directory's name for it, or name */
} forms_cert_id;
/* OK with *id filled (and the AUTHGW_NOTE_CERT_* notes and, from the
 * directory, the groups note set), or the status of a refusal (403; 500
 * for a configuration error; 503 when the directory cannot answer), each
 * logged with its own id. */
int forms_cert_identify(request_rec *r, forms_cert_id *id);
/* 1 when the user name typed in the form is the certificate's account:
 * its name in the directory or the name it was mapped from (case
 * ignored). */
int forms_cert_same_user(const forms_cert_id *id, const char *user);
/* check_authn for AuthType GatewayCertificate. */
int forms_cert_check_authn(request_rec *r);
void forms_cert_retrieve(void);
/* The receipt method of the request's session ("form", "certificate",
 * "form+certificate"...), NULL without one. */
const char *forms_session_method(request_rec *r);
#define FORMS_METHOD_CERT "certificate"
#define FORMS_METHOD_FORM_CERT "form+certificate"
/* 1 when the request's session was opened with a client certificate. */
int forms_session_has_cert(request_rec *r);

/* forms_authn.c: request hooks */
int forms_translate(request_rec *r);
int forms_map_to_storage(request_rec *r);
int forms_access_ex(request_rec *r);
int forms_check_authn(request_rec *r);
int forms_fixups(request_rec *r);

/* forms_handler.c */
int forms_handler(request_rec *r);
/* Makes sure the browser has a pre-logon token and returns the form's CSRF
 * token for it (NULL on failure). */
const char *forms_csrf_prepare(request_rec *r);
/* 1 when token is the CSRF token of the browser's pre-logon cookie. */
int forms_csrf_ok(request_rec *r, const char *token);
/* Where to go after logon: ret when it is same-origin, else "/". */
const char *forms_safe_return(request_rec *r, const char *ret);
/* The parts every POST to the reserved path shares: flood limit, a form
 * body within the limit, parsed strictly, secrets registered for log
 * redaction.  OK or an HTTP status. */
int forms_read_post(request_rec *r, apr_table_t **f);
/* Asks AuthGWFormProvider's providers; with only set, just that one. */
authn_status forms_check_password(request_rec *r, const char *user,
                                  const char *password, const char *only,
                                  const char **which);
/* Issues the session after a logon and sends the browser on to ret. */
int forms_finish_logon(request_rec *r, const char *user, const char *ret,
                       const char *which);

/* forms_page.c */

/* The messages a page shows above its form, in the client's language (the
 * msg.* strings).  Each is styled as an error or as a notice. */
typedef enum {
    FORMS_MSG_NONE = 0,
    FORMS_MSG_BAD_CREDENTIALS,
    FORMS_MSG_EXPIRED_FORM,
    FORMS_MSG_UNAVAILABLE,
    FORMS_MSG_PASSWORD_EXPIRED,    /* the directory says: change it first */
    FORMS_MSG_MUST_CHANGE,         /* notice: must change at next logon */
    FORMS_MSG_ACCOUNT_DISABLED,
    FORMS_MSG_ACCOUNT_LOCKED,
    FORMS_MSG_ACCOUNT_EXPIRED,
    FORMS_MSG_PASSWORD_CHANGED,    /* notice */
    FORMS_MSG_PASSWORD_MISMATCH,   /* new and confirmation differ */
    FORMS_MSG_PASSWORD_TOO_SHORT,  /* the directory refused the new one: */
    FORMS_MSG_PASSWORD_COMPLEXITY,
    FORMS_MSG_PASSWORD_HISTORY,
    FORMS_MSG_PASSWORD_MIN_AGE,
    FORMS_MSG_PASSWORD_POLICY,
    FORMS_MSG_CERT_REQUIRED,       /* AuthGWFormRequireCertificate: none */
    FORMS_MSG_CERT_MISMATCH,       /* ... another user's */
    FORMS_MSG_COUNT
} forms_msg;

/* forms_tmpl.c: the strings key of a message (NULL for none) and its
 * style, "error" or "notice" ("" for none). */
const char *forms_msg_key(forms_msg msg);
const char *forms_msg_kind(forms_msg msg);

/* Each page function sends its page with the headers every page has
 * (no-store, CSP, Content-Language, Vary) and returns OK.  Values are
 * HTML-escaped by the template renderer; URLs given for links must be
 * same-origin (what safe_return gives): any other is replaced by "/". */

/* The logon form of the directory's AuthGWFormType, with status. */
int forms_page_logon(request_rec *r, int status, forms_msg msg,
                     const char *ret, const char *username,
                     const char *csrf_token);
/* The page that asks for the answer to a challenge (message: the
 * server's text; "" for the default prompt). */
int forms_page_challenge(request_rec *r, const char *message,
                         const char *challenge_id, const char *csrf_token);
int forms_page_logged_off(request_rec *r);
/* The password change form: POSTs to /.authgw/password the fields
 * username, password (current), new_password, confirm_password, return
 * and csrf_token. */
int forms_page_password(request_rec *r, int status, forms_msg msg,
                        const char *username, const char *ret,
                        const char *csrf_token);
/* "Your password expires in N days" (today when days <= 0), with a
 * "Change now" link to change_url and a "Continue" link to ret; 200. */
int forms_page_expiry_warning(request_rec *r, long days, const char *ret,
                              const char *change_url);

/* forms_cert.c, AuthGWFormRequireCertificate: OK when it is off, or when
 * the request's client certificate maps to user (checked once a request);
 * else the status of the refusal (logged) and *msg what the form says. */
int forms_cert_second_factor(request_rec *r, const char *user,
                             forms_msg *msg);

/* Sends the logon form with a fresh CSRF token. */
int forms_send_logon(request_rec *r, int status, forms_msg msg,
                     const char *ret, const char *user);

/* forms_password.c: account states, the expiry warning, password change */
const char *forms_cmd_expiry_warn(cmd_parms *cmd, void *dc, const char *arg);
const char *forms_cmd_password_change(cmd_parms *cmd, void *dc, int on);
/* The logon form again, telling the user why the directory refused a known
 * account (AUTHGW_NOTE_ACCOUNT), or the change page where that helps. */
int forms_account_refused(request_rec *r, const char *user, const char *ret,
                          const char *which);
/* After a logon: the warning page when the password expires within
 * AuthGWPasswordExpiryWarn days, else DECLINED. */
int forms_expiry_warning(request_rec *r, const char *user, const char *ret);
/* /.authgw/password */
int forms_password(request_rec *r);

#endif
