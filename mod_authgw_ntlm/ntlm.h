/* mod_authgw_ntlm: internal declarations. */
#ifndef AGW_NTLM_MOD_H
#define AGW_NTLM_MOD_H

#include <httpd.h>
#include <http_config.h>
#include <mod_auth.h>

#include "authgw.h"
#include "agw_ntlm.h"

#define NTLM_AUTH_NTLM "NTLM"
#define NTLM_AUTH_NEGOTIATE "Negotiate"
#define NTLM_AUTH_INTEGRATED "Integrated"

/* Largest NEGOTIATE and CHALLENGE kept per connection (for the MIC), and the
 * largest token accepted in a header (decoded). */
#define NTLM_MAX_NEGOTIATE 1024
#define NTLM_MAX_CHALLENGE 1024
#define NTLM_MAX_TOKEN 12288

typedef enum {
    NTLM_KIND_NONE = 0,
    NTLM_KIND_NTLM,
    NTLM_KIND_NEGOTIATE,
    NTLM_KIND_INTEGRATED
} ntlm_kind;

typedef enum {
    NTLM_VALIDATOR_UNSET = 0,
    NTLM_VALIDATOR_FILE,
    NTLM_VALIDATOR_WINBIND
} ntlm_validator;

/* Per directory. */
typedef struct {
    ntlm_validator validator;
    const char *hash_file;   /* file:PATH */
    int allow_v1;            /* AuthGWNTLMAllowV1 */
    const char *nb_domain;   /* AuthGWNTLMDomain, for the CHALLENGE */
    const char *dns_domain;
    int session_cookie;      /* AuthGWNTLMSessionCookie */
    int basic_fallback;      /* AuthGWNTLMBasicFallback */
    apr_array_header_t *basic_providers; /* AuthGWNTLMBasicProvider */
    unsigned int validator_set:1, hash_file_set:1, allow_v1_set:1,
        nb_domain_set:1, dns_domain_set:1, session_cookie_set:1, basic_fallback_set:1, basic_providers_set:1;
} ntlm_dir;

/* One AuthGWNTLMBasicProvider entry. */

/* The SSO session functions of mod_authgw_forms (NULL when not loaded). */
extern APR_OPTIONAL_FN_TYPE(authgw_session_issue) *ntlm_session_issue;
extern APR_OPTIONAL_FN_TYPE(authgw_session_user) *ntlm_session_user;
extern APR_OPTIONAL_FN_TYPE(authgw_session_cookie_name) *ntlm_session_cookie_name;
/* The session cookie name stripped before the backend: mod_authgw_forms
 * exports no way to learn AuthGWCookieName, so this is its default. */
#define NTLM_SESSION_COOKIE "AuthGWSession"

/* NTLM state of one TCP connection (c->conn_config): NTLM authenticates the
 * connection, not the request. */
typedef enum {
    NTLM_CONN_NONE = 0,
    NTLM_CONN_CHALLENGED,    /* a CHALLENGE was sent, its answer is due */
    NTLM_CONN_AUTHENTICATED
} ntlm_conn_state;

typedef struct {
    ntlm_conn_state state;
    int proxy;               /* the handshake ran on Proxy-Authorization */
    apr_pool_t *pool;        /* cleared at each new handshake */
    unsigned char server_chal[AGW_NTLM_CHALLENGE_LEN];
    unsigned char negotiate[NTLM_MAX_NEGOTIATE];
    apr_size_t negotiate_len;
    unsigned char challenge[NTLM_MAX_CHALLENGE];
    apr_size_t challenge_len;
    const char *user;        /* set when AUTHENTICATED */
    const char *groups;      /* the validator's groups note, or NULL */
    const char *scheme;      /* "NTLM" or "Negotiate" */
} ntlm_conn;

/* How the request speaks: 401/WWW-Authenticate/Authorization, or on a
 * forward proxy 407/Proxy-Authenticate/Proxy-Authorization. */
typedef struct {
    int proxy;
    int status;
    const char *in_header;
    const char *out_header;
} ntlm_wire;

extern module AP_MODULE_DECLARE_DATA authgw_ntlm_module;
extern agw_core_api ntlm_core;

/* ntlm_config.c */
void *ntlm_create_dir(apr_pool_t *p, char *dir);
void *ntlm_merge_dir(apr_pool_t *p, void *base, void *add);
ntlm_dir *ntlm_dir_of(const request_rec *r);
const char *ntlm_cmd_validator(cmd_parms *cmd, void *dc, const char *arg);
const char *ntlm_cmd_allow_v1(cmd_parms *cmd, void *dc, int on);
const char *ntlm_cmd_domain(cmd_parms *cmd, void *dc, const char *nb,
                            const char *dns);
const char *ntlm_cmd_session_cookie(cmd_parms *cmd, void *dc, int on);
const char *ntlm_cmd_basic_fallback(cmd_parms *cmd, void *dc, int on);
const char *ntlm_cmd_basic_provider(cmd_parms *cmd, void *dc, const char *arg);

/* ntlm_authn.c: request hooks */
ntlm_kind ntlm_kind_of(request_rec *r);
int ntlm_check_authn(request_rec *r);
int ntlm_fixups(request_rec *r);
/* Sends status with one challenge header per value (NULL-terminated) and
 * keeps the connection open when the client can keep it. */
int ntlm_challenge(request_rec *r, const ntlm_wire *w, const char *const *vals);
/* The bare challenge(s) of the request's AuthType. */
int ntlm_offer(request_rec *r, const ntlm_wire *w);
void ntlm_stat(agw_method m, agw_counter c);

/* ntlm_handshake.c: the NTLMSSP legs; token is the decoded message. */
int ntlm_handshake(request_rec *r, const ntlm_wire *w, const char *scheme,
                   const unsigned char *token, apr_size_t len);
/* OK and r->user set when the connection was authenticated before. */
int ntlm_conn_user(request_rec *r, const ntlm_wire *w);
void ntlm_conn_reset(request_rec *r);

/* ntlm_validate.c */
typedef enum {
    NTLM_V_OK = 0,
    NTLM_V_UNKNOWN,    /* no such user */
    NTLM_V_WRONG,      /* the response does not match */
    NTLM_V_REFUSED,    /* v1 not allowed, bad MIC, ... (reason set) */
    NTLM_V_ERROR       /* the validator could not answer */
} ntlm_vresult;

typedef struct {
    const unsigned char *negotiate;
    apr_size_t negotiate_len;
    const unsigned char *challenge;
    apr_size_t challenge_len;
    const unsigned char *authenticate;
    apr_size_t authenticate_len;
    const agw_ntlm_authenticate *auth;
    const agw_ntlm_resp *resp;
    const unsigned char *server_chal;
} ntlm_vin;

ntlm_vresult ntlm_validate(request_rec *r, const ntlm_dir *d,
                           const ntlm_vin *in, const char **user,
                           const char **why);
/* NetBIOS and DNS names of the domain for the CHALLENGE. */
void ntlm_domain_names(request_rec *r, const ntlm_dir *d, const char **nb,
                       const char **dns);

/* ntlm_gss.c: Kerberos through GSSAPI. */
int ntlm_gss_accept(request_rec *r, const ntlm_wire *w,
                    const unsigned char *token, apr_size_t len);

#endif
