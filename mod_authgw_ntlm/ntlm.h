/* mod_authgw_ntlm: internal declarations. */
#ifndef AGW_NTLM_MOD_H
#define AGW_NTLM_MOD_H

#include <httpd.h>
#include <http_config.h>
#include <mod_auth.h>

#include "authgw.h"
#include "agw_authhdr.h"
#include "agw_ntlm.h"
#include "agw_ntlm_crypto.h"
#include "agw_spnego.h"

#define NTLM_AUTH_NTLM "NTLM"
#define NTLM_AUTH_NEGOTIATE "Negotiate"
#define NTLM_AUTH_INTEGRATED "Integrated"

/* Largest NEGOTIATE and CHALLENGE kept per connection (for the MIC), and the
 * largest token accepted in a header (decoded). */
#define NTLM_MAX_NEGOTIATE 1024
#define NTLM_MAX_CHALLENGE 1024
#define NTLM_MAX_TOKEN 12288
/* Largest DER mechTypes kept per connection (for SPNEGO's mechListMIC):
 * sixteen OIDs of up to 14 bytes. */
#define NTLM_MAX_MECHTYPES 260

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
    NTLM_CONN_SELECTED,      /* SPNEGO: NTLMSSP chosen, its NEGOTIATE is due */
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
    /* SPNEGO (RFC 4178): the legs travel in NegTokenInit/NegTokenResp. */
    int spnego;
    int mic_required;        /* NTLMSSP was not the client's first choice */
    unsigned char mech_types[NTLM_MAX_MECHTYPES]; /* the client's, DER */
    apr_size_t mech_types_len;
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

/* "Scheme <base64 of the n bytes>", for a challenge header. */
const char *ntlm_header_value(request_rec *r, const char *scheme,
                              const void *bytes, apr_size_t n);

/* ntlm_handshake.c: the NTLMSSP legs. */
typedef struct {
    const char *scheme;            /* NTLM or Negotiate */
    const unsigned char *msg;      /* the NTLMSSP message */
    apr_size_t len;
    /* Inside SPNEGO: the client's token (NULL for raw NTLMSSP) ... */
    const agw_spnego_token *spnego;
    /* ... and, for a NEGOTIATE, the client's DER mechTypes, whether the
     * mechListMIC is required, and whether our answer names NTLMSSP (it is
     * the first answer of the negotiation). */
    const agw_spnego_buf *mech_types;
    int mic_required;
    int name_mech;
} ntlm_leg;

int ntlm_handshake(request_rec *r, const ntlm_wire *w, const ntlm_leg *leg);
/* The connection's NTLM state; created on demand. */
ntlm_conn *ntlm_conn_get(conn_rec *c, int create);
/* OK and r->user set when the connection was authenticated before. */
int ntlm_conn_user(request_rec *r, const ntlm_wire *w);
void ntlm_conn_reset(request_rec *r);

/* ntlm_spnego.c: NTLMSSP inside SPNEGO (RFC 4178).  h is a NegTokenInit
 * preferring NTLMSSP, a NegTokenResp, or a NegTokenInit listing NTLMSSP
 * later when this location cannot do Kerberos. */
int ntlm_spnego(request_rec *r, const ntlm_wire *w, const agw_authhdr *h);
/* Keeps the client's mechTypes on the connection; -1 when too long. */
int ntlm_spnego_keep(ntlm_conn *st, const agw_spnego_buf *mech_types,
                     int mic_required);
/* "Negotiate <NegTokenResp>": neg_state, NTLMSSP as supportedMech when
 * name_mech, the responseToken and the mechListMIC when given.  NULL when it
 * cannot be encoded. */
const char *ntlm_spnego_value(request_rec *r, int neg_state, int name_mech,
                              const unsigned char *tok, apr_size_t len,
                              const unsigned char *mic);

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

/* What a successful check yields besides the user. */
typedef struct {
    int has_key;   /* the ExportedSessionKey could be derived */
    unsigned char exported[AGW_NTLM_KEY_LEN];
} ntlm_vout;

ntlm_vresult ntlm_validate(request_rec *r, const ntlm_dir *d,
                           const ntlm_vin *in, const char **user,
                           ntlm_vout *out, const char **why);
/* After a successful check of an AUTHENTICATE that came in SPNEGO: the
 * client's mechListMIC checked (when sent or required), ours produced and
 * the final NegTokenResp set on the response.  NTLM_V_OK, or
 * NTLM_V_REFUSED and why. */
ntlm_vresult ntlm_spnego_finish(request_rec *r, const ntlm_wire *w,
                                const ntlm_conn *st,
                                const agw_ntlm_authenticate *a,
                                const ntlm_vout *vo,
                                const agw_spnego_token *tok, const char **why);
/* child_init: each thread's winbind context. */
void ntlm_validate_child_init(apr_pool_t *p);
/* NetBIOS and DNS names of the domain for the CHALLENGE. */
void ntlm_domain_names(request_rec *r, const ntlm_dir *d, const char **nb,
                       const char **dns);

/* ntlm_gss.c: Kerberos through GSSAPI. */
int ntlm_gss_accept(request_rec *r, const ntlm_wire *w,
                    const unsigned char *token, apr_size_t len);
/* 1 when this location has Kerberos keys (AuthGWKeytab). */
int ntlm_gss_available(request_rec *r);
/* child_init: the per-child store of acceptor credentials. */
void ntlm_gss_child_init(apr_pool_t *p);

#endif
