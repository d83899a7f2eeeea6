/* The gateway's Kerberos identity: AuthGWKeytab, AuthGWKerberosPrincipal
 * and AuthGWKerberosRealm, per directory, checked when the configuration is
 * read (so `httpd -t` reports a missing keytab or a principal without a
 * key), and handed to the other modules by authgw_kerberos_identity. */
#include "core.h"

#include <string.h>

#include <apr_strings.h>
#include <http_request.h>

#include "agw_domain.h"

void core_krb5_dir_merge(core_krb5_dir *c, const core_krb5_dir *base,
                         const core_krb5_dir *add)
{
    c->keytab = add->keytab_set ? add->keytab : base->keytab;
    c->keytab_set = add->keytab_set | base->keytab_set;
    c->principal = add->principal_set ? add->principal : base->principal;
    c->principal_set = add->principal_set | base->principal_set;
    c->realm = add->realm_set ? add->realm : base->realm;
    c->netbios = add->realm_set ? add->netbios : base->netbios;
    c->realm_set = add->realm_set | base->realm_set;
}

static core_krb5_dir *kdir(void *dc)
{
    return &((core_dir *)dc)->krb5;
}

const char *core_krb5_error(apr_pool_t *p, krb5_context k, krb5_error_code e)
{
    const char *m = krb5_get_error_message(k, e);
    char *s = apr_pstrdup(p, m);
    krb5_free_error_message(k, m);
    return s;
}

/* NULL when principal (if given) is a principal name and keytab (if
 * given) can be read and holds a key, for principal when both are given;
 * otherwise why not. */
static const char *identity_check(apr_pool_t *p, const char *keytab,
                                  const char *principal)
{
    krb5_context k;
    krb5_keytab kt = NULL;
    krb5_kt_cursor cur;
    krb5_keytab_entry ent;
    krb5_principal want = NULL;
    krb5_error_code e;
    const char *why = NULL;

    if ((e = krb5_init_context(&k)))
        return apr_psprintf(p, "the Kerberos library cannot start (error %d):"
                            " check the krb5.conf that KRB5_CONFIG names",
                            (int)e);
    if (principal && (e = krb5_parse_name(k, principal, &want))) {
        why = apr_psprintf(p, "'%s' is not a principal name (%s)", principal,
                           core_krb5_error(p, k, e));
        goto done;
    }
    if (!keytab)
        goto done;
    if ((e = krb5_kt_resolve(k, apr_pstrcat(p, "FILE:", keytab, NULL), &kt))
        || (e = krb5_kt_start_seq_get(k, kt, &cur))) {
        why = apr_psprintf(p, "cannot read the keytab '%s' (%s)", keytab,
                           core_krb5_error(p, k, e));
        goto done;
    }
    e = krb5_kt_next_entry(k, kt, &ent, &cur);
    krb5_kt_end_seq_get(k, kt, &cur);
    if (e) {
        why = apr_psprintf(p, "the keytab '%s' holds no keys (%s)", keytab,
                           core_krb5_error(p, k, e));
        goto done;
    }
    krb5_free_keytab_entry_contents(k, &ent);
    if (want && (e = krb5_kt_get_entry(k, kt, want, 0, 0, &ent)))
        why = apr_psprintf(p, "the keytab '%s' has no key for %s (%s); see"
                           " 'klist -k %s'", keytab, principal,
                           core_krb5_error(p, k, e), keytab);
    else if (want)
        krb5_free_keytab_entry_contents(k, &ent);
done:
    if (want)
        krb5_free_principal(k, want);
    if (kt)
        krb5_kt_close(k, kt);
    krb5_free_context(k);
    return why;
}

const char *core_krb5_cmd_keytab(cmd_parms *cmd, void *dc, const char *arg)
{
    core_krb5_dir *d = kdir(dc);
    const char *path = ap_server_root_relative(cmd->pool, arg), *why;

    if (!path)
        return apr_psprintf(cmd->pool, "AuthGWKeytab: bad path '%s'", arg);
    why = identity_check(cmd->temp_pool, path, d->principal);
    if (why)
        return apr_psprintf(cmd->pool, "AuthGWKeytab: %s; export the"
                            " gateway's keys with 'samba-tool domain"
                            " exportkeytab FILE --principal=HTTP/gw.example.com'"
                            " or ktpass, readable by httpd's user", why);
    d->keytab = path;
    d->keytab_set = 1;
    return NULL;
}

const char *core_krb5_cmd_principal(cmd_parms *cmd, void *dc, const char *arg)
{
    core_krb5_dir *d = kdir(dc);
    const char *why;

    if (!*arg)
        return "AuthGWKerberosPrincipal: name a principal, e.g."
               " HTTP/gw.example.com@EXAMPLE.COM";
    /* Checked against the keytab when AuthGWKeytab came first in this
     * section; otherwise AuthGWKeytab checks it. */
    why = identity_check(cmd->temp_pool, d->keytab, arg);
    if (why)
        return apr_psprintf(cmd->pool, "AuthGWKerberosPrincipal: %s", why);
    d->principal = arg;
    d->principal_set = 1;
    return NULL;
}

const char *core_krb5_cmd_realm(cmd_parms *cmd, void *dc, const char *realm,
                                const char *netbios)
{
    core_krb5_dir *d = kdir(dc);

    if (!agw_domain_name_ok(realm, 255, 1))
        return "AuthGWKerberosRealm: the realm takes letters, digits, '-',"
               " '_' and '.' (e.g. EXAMPLE.COM)";
    if (netbios && !agw_domain_name_ok(netbios, 15, 0))
        return "AuthGWKerberosRealm: the NetBIOS domain name takes 1-15"
               " letters, digits, '-' or '_' (e.g. EXAMPLE)";
    /* Active Directory realms are the DNS domain in upper case. */
    d->realm = apr_pstrdup(cmd->pool, realm);
    ap_str_toupper((char *)d->realm);
    d->netbios = netbios;
    d->realm_set = 1;
    return NULL;
}

const core_krb5_dir *core_krb5_dir_of(const request_rec *r)
{
    const core_dir *d = ap_get_module_config(r->per_dir_config,
                                             &authgw_core_module);
    return &d->krb5;
}

static void authgw_kerberos_identity(request_rec *r, const char **keytab,
                                     const char **principal)
{
    const core_krb5_dir *d = core_krb5_dir_of(r);
    *keytab = d->keytab;
    *principal = d->principal;
}

static void authgw_kerberos_realm(request_rec *r, const char **realm,
                                  const char **netbios)
{
    const core_krb5_dir *d = core_krb5_dir_of(r);
    *realm = d->realm;
    *netbios = d->netbios;
}

void core_krb5_register_hooks(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, CORE_KRB5_PROVIDER,
                              AUTHN_PROVIDER_VERSION, &core_krb5_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    APR_REGISTER_OPTIONAL_FN(authgw_kerberos_identity);
    APR_REGISTER_OPTIONAL_FN(authgw_kerberos_realm);
}
