/* The interface between the authgw modules.
 *
 * mod_authgw_core owns the state that must be one per process group: the
 * key ring, the session store (an httpd socache instance), its mutex and the
 * counters.  The other modules reach it through these optional functions,
 * retrieved in their optional_fn_retrieve hook; none links against another
 * module. */
#ifndef AUTHGW_H
#define AUTHGW_H

#include <apr_optional.h>
#include <apr_time.h>

#include <httpd.h>

#include "agw_failopen.h"
#include "agw_seal.h"
#include "agw_stats.h"

/* The ring of cookie keys (AuthGWSecretFile). */
APR_DECLARE_OPTIONAL_FN(const agw_keyring *, authgw_keyring, (void));

/* The shared store.  Keys are namespaced by a short purpose string ("S" for
 * sessions, ...).  get: *vallen holds the room in val on entry and the length
 * read on return; APR_NOTFOUND when absent. */
APR_DECLARE_OPTIONAL_FN(apr_status_t, authgw_store_get,
                        (server_rec *s, const char *ns,
                         const unsigned char *key, unsigned int keylen,
                         unsigned char *val, unsigned int *vallen,
                         apr_pool_t *p));
APR_DECLARE_OPTIONAL_FN(apr_status_t, authgw_store_put,
                        (server_rec *s, const char *ns,
                         const unsigned char *key, unsigned int keylen,
                         apr_time_t expiry, const unsigned char *val,
                         unsigned int vallen, apr_pool_t *p));
APR_DECLARE_OPTIONAL_FN(apr_status_t, authgw_store_del,
                        (server_rec *s, const char *ns,
                         const unsigned char *key, unsigned int keylen,
                         apr_pool_t *p));

/* Adds n to a counter. */
APR_DECLARE_OPTIONAL_FN(void, authgw_stat_add,
                        (agw_method m, agw_counter c, apr_uint64_t n));

/* The credential cache (AuthGWCredentialCache), for validators that ask a
 * remote server: check returns 1 when these exact credentials were
 * validated by this provider within the TTL (and restores the groups note),
 * 0 otherwise; store records a validation that succeeded.  Only a keyed
 * hash of the password is kept; a different password is a miss, never a
 * hit.  Both do nothing where the cache is off.  Never use them for
 * one-time passcodes. */
APR_DECLARE_OPTIONAL_FN(int, authgw_credcache_check,
                        (request_rec *r, const char *provider,
                         const char *user, const char *password));
APR_DECLARE_OPTIONAL_FN(void, authgw_credcache_store,
                        (request_rec *r, const char *provider,
                         const char *user, const char *password));

/* The fail-open decision (AuthGWFailOpen in r's location) for a receipt.
 * c says what happened: no credentials, a validator that could not be
 * reached (which names it: it is marked down in the store for every child
 * and every gateway of a farm, for the policy's time-to-live), or refused
 * credentials.  providers (agw_provider elements; NULL: "file") are the
 * validators of r's location, whose marks are looked up.  When the policy
 * lets r through: r->user is AuthGWFailOpenUser, r carries the notes
 * FAILOPEN and METHOD (method), the environment variable AUTHGW_FAILOPEN and
 * later the AuthGWFailOpenHeader request header, a line is logged, and OK
 * is returned.  Otherwise DECLINED: the receipt answers as it would have.
 * A receipt must not issue a session for a request let through. */
APR_DECLARE_OPTIONAL_FN(int, authgw_failopen,
                        (request_rec *r, agw_fo_case c, const char *which,
                         const apr_array_header_t *providers,
                         const char *method));

/* The gateway's Kerberos identity in r's location: the keytab of
 * AuthGWKeytab and the principal of AuthGWKerberosPrincipal (each NULL when
 * unset).  Used by Negotiate receipt, the authgw-kerberos provider and
 * Kerberos delegation, so that one pair of directives serves all three. */
APR_DECLARE_OPTIONAL_FN(void, authgw_kerberos_identity,
                        (request_rec *r, const char **keytab,
                         const char **principal));
/* The realm of AuthGWKerberosRealm in r's location and its NetBIOS
 * domain (each NULL when unset: krb5.conf's default_realm, and the realm's
 * first label), for mapping user names to principals (agw_kerb_map_user)
 * the same way in the authgw-kerberos provider and Kerberos delegation. */
APR_DECLARE_OPTIONAL_FN(void, authgw_kerberos_realm,
                        (request_rec *r, const char **realm,
                         const char **netbios));

/* Exported by mod_authgw_forms, the owner of the SSO session: issue a
 * session for a user authenticated by any receipt method (adds its
 * Set-Cookie to r->err_headers_out; returns OK or an HTTP status), and read
 * the user of the request's session (NULL when there is none). */
APR_DECLARE_OPTIONAL_FN(int, authgw_session_issue,
                        (request_rec *r, const char *user, const char *method));
APR_DECLARE_OPTIONAL_FN(const char *, authgw_session_user, (request_rec *r));
/* The session cookie's name in r's virtual host (AuthGWCookieName), so that
 * every receipt module strips it before proxying. */
APR_DECLARE_OPTIONAL_FN(const char *, authgw_session_cookie_name,
                        (request_rec *r));
/* The default of AuthGWCookieName, and the pre-logon cookie of the logon
 * form (path /.authgw/): neither is ever for a backend. */
#define AUTHGW_SESSION_COOKIE "AuthGWSession"
#define AUTHGW_PRE_COOKIE "AuthGWPre"

/* Delegation (mod_authgw_delegate) and the session.
 *
 * At logon a receipt hands authgw_session_issue the password to keep for
 * delegation through r->pool's user data under DELEG_PASSWORD (and, when
 * the user to delegate as is not the logon user, DELEG_USER): user data,
 * never a note, since a LogFormat can show notes.  The session keeps it
 * sealed under a random key that only the session cookie carries.
 *
 * authgw_session_credentials: the user name and password to present to a
 * published server, kept with the session that authenticated r: OK;
 * DECLINED when r was not authenticated by a session or its session keeps
 * no password; HTTP_INTERNAL_SERVER_ERROR when it cannot be opened (logged).
 * The password is registered for log redaction.
 * authgw_session_end_current: ends the session that authenticated r, adds
 * the Set-Cookie that deletes its cookie and returns the address of the
 * logon form that leads back to r's URL; NULL when r had no session.
 * authgw_form_type: the AuthGWFormType of r's directory ("password",
 * "passcode" or "passcode-password"), also on a stand-in request that
 * carries only per_dir_config (for checks at httpd -t). */
#define AUTHGW_POOL_DELEG_PASSWORD "authgw-deleg-password"
#define AUTHGW_POOL_DELEG_USER "authgw-deleg-user"
APR_DECLARE_OPTIONAL_FN(int, authgw_session_credentials,
                        (request_rec *r, const char **user,
                         const char **password));
APR_DECLARE_OPTIONAL_FN(const char *, authgw_session_end_current,
                        (request_rec *r));
APR_DECLARE_OPTIONAL_FN(const char *, authgw_form_type, (request_rec *r));

/* Exported by mod_authgw_core (authgw-ldap): the account a client
 * certificate maps to, in the directory of r's location (AuthGWLDAPServer,
 * AuthGWLDAPBase, searched as the service account of AuthGWLDAPBind
 * simple or gssapi): the one user entry whose attr equals value, or, with
 * attr NULL, the user entry whose DN is value.  OK: *user is its user
 * attribute (sAMAccountName in AD) and the groups note is set; UNKNOWN: no
 * such entry (or several); REFUSED: AD says the account is disabled,
 * locked or expired (AUTHGW_NOTE_ACCOUNT says which); ERROR: the
 * directory could not answer (logged; fail closed); NO_DIRECTORY: no
 * AuthGWLDAPServer applies to r. */
typedef enum {
    AUTHGW_ACCOUNT_OK = 0,
    AUTHGW_ACCOUNT_UNKNOWN,
    AUTHGW_ACCOUNT_REFUSED,
    AUTHGW_ACCOUNT_ERROR,
    AUTHGW_ACCOUNT_NO_DIRECTORY
} authgw_account;
APR_DECLARE_OPTIONAL_FN(int, authgw_ldap_account,
                        (request_rec *r, const char *attr, const char *value,
                         const char **user));

/* Exported by mod_authgw_radius: 1 when AuthGWRadiusOTP is On in r's
 * directory (r may be a stand-in request, as above). */
APR_DECLARE_OPTIONAL_FN(int, authgw_radius_otp, (request_rec *r));

/* Request notes through which receipt modules and validators talk.
 *
 * RECEIPT: set by the receipt module before it calls authn providers
 * ("form", "basic", ...), so a provider knows whether the client can answer
 * a challenge.  CHALLENGE_STATE / CHALLENGE_MESSAGE: set by a provider that
 * got an Access-Challenge (the state base64url-encoded, the text to show);
 * it then returns AUTH_DENIED.  ANSWER_STATE: set by the receipt module when
 * it calls the provider again with the user's answer.  GROUPS: groups of the
 * authenticated user from the validator, one per line. */
#define AUTHGW_NOTE_RECEIPT "authgw-receipt"
#define AUTHGW_NOTE_CHALLENGE_STATE "authgw-challenge-state"
#define AUTHGW_NOTE_CHALLENGE_MESSAGE "authgw-challenge-message"
#define AUTHGW_NOTE_ANSWER_STATE "authgw-answer-state"
#define AUTHGW_NOTE_GROUPS "authgw-groups"
/* Set at a logon with a client certificate (AuthType GatewayCertificate,
 * AuthGWFormRequireCertificate): its subject and issuer (RFC 4514) and the
 * name AuthGWCertificateMap took from it. */
#define AUTHGW_NOTE_CERT_SUBJECT "authgw-cert-subject"
#define AUTHGW_NOTE_CERT_ISSUER "authgw-cert-issuer"
#define AUTHGW_NOTE_CERT_NAME "authgw-cert-name"

/* Notes for the access log (LogFormat "%{authgw-method}n ..."), set when a
 * request is let in.  METHOD: how its credentials came ("form", "basic",
 * "ntlm", "negotiate", "cookie" for an SSO session).  VALIDATOR: the authn
 * provider (or NTLM validator: "winbind", "file"; Negotiate: "keytab") that
 * checked them on this request; unset for a session cookie.  FAILOPEN: set
 * only on a request let through by AuthGWFailOpen, to the reason
 * (agw_failopen_reason). */
#define AUTHGW_NOTE_METHOD "authgw-method"
#define AUTHGW_NOTE_VALIDATOR "authgw-validator"
#define AUTHGW_NOTE_FAILOPEN "authgw-failopen"

/* Account state, from a directory validator (authgw-ldap, authgw-kerberos).
 *
 * ACCOUNT: set with AUTH_DENIED when the directory refused a logon for a
 * reason the user must be told: "password-expired", "must-change",
 * "disabled", "locked", "account-expired".  Set only when the directory
 * reports it after checking the password (as AD does), so it never tells a
 * stranger whether an account exists.
 * PASSWORD_EXPIRES: set with AUTH_GRANTED: when the password expires, in
 * seconds since the epoch (decimal); absent when it never expires.
 *
 * Password change goes through the ordinary check_password call, so that
 * <AuthnProviderAlias> sections apply: the receipt module puts the new
 * password in r->pool's user data under the key NEW_PASSWORD (user data, not
 * a note, so that no LogFormat can show it) and calls the provider with the current password; a provider that can
 * change passwords does so as that user and sets PASSWORD_CHANGED to "1"
 * with AUTH_GRANTED, or returns AUTH_DENIED with PASSWORD_REFUSED set to a
 * reason fit to show the user ("too-short", "complexity", "history",
 * "min-age", "policy") when the directory refused the new password.  A
 * provider that cannot change passwords ignores NEW_PASSWORD, so the
 * receipt module must see PASSWORD_CHANGED before it says the change
 * happened. */
#define AUTHGW_NOTE_ACCOUNT "authgw-account"
#define AUTHGW_NOTE_PASSWORD_EXPIRES "authgw-password-expires"
#define AUTHGW_NOTE_NEW_PASSWORD "authgw-new-password"
#define AUTHGW_NOTE_PASSWORD_CHANGED "authgw-password-changed"
#define AUTHGW_NOTE_PASSWORD_REFUSED "authgw-password-refused"

/* The core functions as one table, filled by agw_core_api(). */
typedef struct {
    APR_OPTIONAL_FN_TYPE(authgw_keyring) *keyring;
    APR_OPTIONAL_FN_TYPE(authgw_store_get) *get;
    APR_OPTIONAL_FN_TYPE(authgw_store_put) *put;
    APR_OPTIONAL_FN_TYPE(authgw_store_del) *del;
    APR_OPTIONAL_FN_TYPE(authgw_stat_add) *stat;
    APR_OPTIONAL_FN_TYPE(authgw_credcache_check) *cache_check;
    APR_OPTIONAL_FN_TYPE(authgw_credcache_store) *cache_store;
    APR_OPTIONAL_FN_TYPE(authgw_kerberos_identity) *kerberos_identity;
    APR_OPTIONAL_FN_TYPE(authgw_kerberos_realm) *kerberos_realm;
    APR_OPTIONAL_FN_TYPE(authgw_failopen) *failopen;
} agw_core_api;

/* Retrieves every core function; returns 0, or -1 when mod_authgw_core is
 * not loaded. */
int agw_core_api_get(agw_core_api *api);

/* For a module's post_config: retrieves the core functions, or logs that
 * module needs mod_authgw_core and returns HTTP_INTERNAL_SERVER_ERROR. */
int agw_core_api_attach(agw_core_api *api, server_rec *s, const char *who);

#endif
