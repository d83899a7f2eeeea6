/* mod_authgw_core: the gateway's Kerberos identity (AuthGWKeytab,
 * AuthGWKerberosPrincipal, AuthGWKerberosRealm), shared with the other
 * modules through authgw_kerberos_identity, and the authn provider
 * "authgw-kerberos".  Included by core.h: core_dir embeds core_krb5_dir. */
#ifndef AGW_CORE_KRB5_H
#define AGW_CORE_KRB5_H

#include <httpd.h>
#include <http_config.h>
#include <krb5.h>
#include <mod_auth.h>

#define CORE_KRB5_PROVIDER "authgw-kerberos"

/* Per directory; zero is "unset" (core_create_dir allocates it zeroed). */
typedef struct {
    const char *keytab;    /* AuthGWKeytab */
    const char *principal; /* AuthGWKerberosPrincipal */
    const char *realm;     /* AuthGWKerberosRealm REALM [NETBIOS] */
    const char *netbios;
    unsigned int keytab_set:1, principal_set:1, realm_set:1;
} core_krb5_dir;

/* Called from core_merge_dir. */
void core_krb5_dir_merge(core_krb5_dir *c, const core_krb5_dir *base,
                         const core_krb5_dir *add);

const char *core_krb5_cmd_keytab(cmd_parms *cmd, void *dc, const char *arg);
const char *core_krb5_cmd_principal(cmd_parms *cmd, void *dc, const char *arg);
const char *core_krb5_cmd_realm(cmd_parms *cmd, void *dc, const char *realm,
                                const char *netbios);

/* The entries of the core's directive table. */
#define CORE_KRB5_CMDS \
    AP_INIT_TAKE1("AuthGWKeytab", core_krb5_cmd_keytab, NULL, OR_AUTHCFG, \
                  "keytab holding the gateway's service keys (Negotiate," \
                  " authgw-kerberos, Kerberos delegation)"), \
    AP_INIT_TAKE1("AuthGWKerberosPrincipal", core_krb5_cmd_principal, NULL, \
                  OR_AUTHCFG, "the gateway's service principal in the keytab" \
                  " (default: Negotiate accepts any, authgw-kerberos uses" \
                  " the first)"), \
    AP_INIT_TAKE12("AuthGWKerberosRealm", core_krb5_cmd_realm, NULL, \
                   OR_AUTHCFG, "REALM [NETBIOS-DOMAIN] of the users of" \
                   " authgw-kerberos (default: krb5.conf's default_realm)")

/* The merged settings of r's location. */
const core_krb5_dir *core_krb5_dir_of(const request_rec *r);

/* The text of a krb5 error code, in p. */
const char *core_krb5_error(apr_pool_t *p, krb5_context k, krb5_error_code e);

/* core_krb5_authn.c */
extern const authn_provider core_krb5_provider;

/* Registers the provider and the optional function (from the core's
 * register_hooks). */
void core_krb5_register_hooks(apr_pool_t *p);

#endif
