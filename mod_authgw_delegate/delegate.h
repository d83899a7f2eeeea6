/* mod_authgw_delegate: internal declarations. */
#ifndef AGW_DELEGATE_H
#define AGW_DELEGATE_H

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <util_filter.h>

#include "authgw.h"

#define DELEG_FILTER "AUTHGW_DELEGATE"

typedef enum {
    DELEG_NONE = 0,
    DELEG_PASSTHROUGH,
    DELEG_BASIC,
    DELEG_NTLM,
    DELEG_NEGOTIATE,
    DELEG_KCD,
    DELEG_SECURID,
    DELEG_COUNT
} deleg_kind;

/* Per directory. */
typedef struct {
    deleg_kind method;     /* AuthGWDelegate */
    const char *where;     /* the section that set it, for log lines */
    const char *header;    /* AuthGWDelegateHeader; NULL: none */
    const char *spn;       /* AuthGWDelegateSPN; NULL: the default */
    /* AuthGWDelegateSecurIDCookie, NULL-terminated; NULL: the default */
    const char *const *securid_cookies;
    unsigned int method_set:1, header_set:1, spn_set:1, securid_cookies_set:1;
} deleg_dir;

/* Where the credentials sent to the published server came from. */
typedef enum {
    DELEG_FROM_NOTHING = 0,
    DELEG_FROM_BASIC,      /* the request's own Authorization: Basic */
    DELEG_FROM_SESSION     /* the password kept with the SSO session */
} deleg_source;

/* One proxied request (r->request_config). */
typedef struct {
    const deleg_dir *dir;
    const char *client_authz; /* the client's Authorization, taken before
                               * any receipt module stripped it */
    deleg_source source;
    int sent;                 /* delegated credentials went out */
    int judged;               /* the answer's status was looked at */
    int drop_body;            /* the answer was replaced: its body goes */
    int status;               /* set by a method: the request ends with it
                               * (kcd: the KDC refused or is unreachable) */
    const char *scheme;       /* set by a method: the challenge scheme that
                               * means "refused" when not the method's own
                               * (negotiate that fell back to NTLM) */
} deleg_req;

/* A delegation method. */
typedef struct {
    const char *name;
    int needs_password;  /* only a receipt that learns a password will do */
    int watch;           /* look at the published server's answer */
    /* the scheme of a challenge that means "your credentials were refused" */
    const char *scheme;
    /* adds what the method sends, after everything else was stripped */
    void (*request)(request_rec *r, deleg_req *q);
} deleg_method;

extern module AP_MODULE_DECLARE_DATA authgw_delegate_module;
extern agw_core_api deleg_core;

/* Functions of the other modules, NULL when they are not loaded. */
typedef struct {
    APR_OPTIONAL_FN_TYPE(authgw_session_credentials) *credentials;
    APR_OPTIONAL_FN_TYPE(authgw_session_end_current) *end_session;
    APR_OPTIONAL_FN_TYPE(authgw_session_cookie_name) *cookie_name;
    APR_OPTIONAL_FN_TYPE(authgw_form_type) *form_type;
    APR_OPTIONAL_FN_TYPE(authgw_radius_otp) *radius_otp;
    APR_OPTIONAL_FN_TYPE(authn_ap_auth_type) *auth_type;
} deleg_fns;
extern deleg_fns deleg_fn;
void deleg_fns_get(void);

/* delegate_config.c */
extern const deleg_method deleg_methods[DELEG_COUNT];
void *deleg_create_dir(apr_pool_t *p, char *dir);
void *deleg_merge_dir(apr_pool_t *p, void *base, void *add);
deleg_dir *deleg_dir_of(const request_rec *r);
const char *deleg_cmd_method(cmd_parms *cmd, void *dc, const char *arg);
const char *deleg_cmd_header(cmd_parms *cmd, void *dc, const char *arg);
/* A header or cookie name (an RFC 9110 token, not empty). */
int deleg_is_token(const char *s);

/* delegate_check.c: refuses, at httpd -t and at start, receipts that
 * cannot give a method what it needs. */
int deleg_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                       server_rec *s);

/* delegate_request.c: the request hooks */
int deleg_fixups_early(request_rec *r);
int deleg_fixups(request_rec *r);
deleg_req *deleg_req_of(request_rec *r);
/* The published server, as a log line names it (no query). */
const char *deleg_backend(request_rec *r);

/* delegate_passthrough.c, delegate_basic.c: the methods */
void deleg_passthrough_request(request_rec *r, deleg_req *q);
void deleg_basic_request(request_rec *r, deleg_req *q);
/* The user name and password to delegate (a Basic receipt's, or the
 * session's), and where they came from; DELEG_FROM_NOTHING is logged. */
deleg_source deleg_password(request_rec *r, const deleg_req *q,
                            const char **user, const char **pw);

/* delegate_ntlm.c: AuthGWDelegate ntlm (the handshake on mod_proxy's
 * backend connection), its hooks; deleg_ntlm_start is also negotiate's
 * fallback. */
void deleg_ntlm_request(request_rec *r, deleg_req *q);
void deleg_ntlm_start(request_rec *r, deleg_req *q, const char *user,
                      const char *pw);
void deleg_ntlm_register_hooks(apr_pool_t *p);

/* delegate_negotiate.c: AuthGWDelegate negotiate */
void deleg_negotiate_request(request_rec *r, deleg_req *q);

/* delegate_securid.c: AuthGWDelegate securid and
 * AuthGWDelegateSecurIDCookie; the cookies of the client's SecurID agent
 * as configured where r is (the default names when not set). */
void deleg_securid_request(request_rec *r, deleg_req *q);
const char *deleg_cmd_securid_cookie(cmd_parms *cmd, void *dc,
                                     const char *args);
const char *const *deleg_securid_cookies(const deleg_dir *d);

/* delegate_kcd.c: Kerberos constrained delegation (AuthGWDelegate kcd,
 * AuthGWDelegateSPN); the check_config rule for kcd (NULL or why not);
 * its child_init hook. */
void deleg_kcd_request(request_rec *r, deleg_req *q);
const char *deleg_cmd_spn(cmd_parms *cmd, void *dc, const char *arg);
const char *deleg_kcd_refusal(request_rec *r, int explicit_here);
void deleg_kcd_register_hooks(apr_pool_t *p);

/* delegate_response.c: the published server's answer */
apr_status_t deleg_out_filter(ap_filter_t *f, apr_bucket_brigade *bb);
/* The user is asked again before anything was sent (the KDC refused the
 * password): the status the fixup ends the request with (302 to the logon
 * form, or 401 with the gateway's Basic challenge). */
int deleg_ask_again_now(request_rec *r, const deleg_req *q);

#endif
