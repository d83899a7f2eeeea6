/* The credential cache: a validation that a remote server performed (RADIUS
 * now; directories and Kerberos later) is remembered for a while, so that a
 * Basic client, which sends its password with every request, does not cost a
 * round trip each time.
 *
 * Store key:   HMAC(key, "credcache key", provider \n user)
 * Store value: HMAC(key, "credcache pw", provider \n user \n password)
 *              followed by the groups the validator reported.
 * A dump of the store reveals no password, and a wrong password can only
 * miss (its MAC differs) — it is then checked by the server as usual. */
#include "core.h"

#include <string.h>

#include <apr_strings.h>
#include <http_log.h>

#include "agw_seal.h"

#define CACHE_NS "K"
#define DEFAULT_TTL 300
#define VALUE_MAX 2048

void *core_create_dir(apr_pool_t *p, char *dir)
{
    core_dir *c = apr_pcalloc(p, sizeof *c);
    (void)dir;
    c->cache_ttl = DEFAULT_TTL;
    core_failopen_create_dir(c);
    core_ldap_create_dir(p, &c->ldap);
    return c;
}

void *core_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    core_dir *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof *c);
    c->cache = add->cache_set ? add->cache : base->cache;
    c->cache_ttl = add->cache_set ? add->cache_ttl : base->cache_ttl;
    c->cache_set = add->cache_set | base->cache_set;
    core_failopen_merge_dir(c, base, add);
    core_krb5_dir_merge(&c->krb5, &base->krb5, &add->krb5);
    core_ldap_merge_dir(p, &c->ldap, &base->ldap, &add->ldap);
    return c;
}

const char *core_cmd_credcache(cmd_parms *cmd, void *dc, const char *onoff,
                               const char *ttl)
{
    core_dir *c = dc;
    if (!strcasecmp(onoff, "on"))
        c->cache = 1;
    else if (!strcasecmp(onoff, "off"))
        c->cache = 0;
    else
        return "AuthGWCredentialCache: use On [seconds] or Off";
    if (ttl) {
        char *end;
        apr_int64_t v = apr_strtoi64(ttl, &end, 10);
        if (*end || v < 1 || v > 86400)
            return apr_psprintf(cmd->pool, "AuthGWCredentialCache: '%s' is not"
                                " a number of seconds from 1 to 86400", ttl);
        c->cache_ttl = v;
    }
    c->cache_set = 1;
    return NULL;
}

static core_dir *dir_of(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &authgw_core_module);
}

/* The MACs that name and check an entry; -1 when the key ring fails. */
static int macs(request_rec *r, const char *provider, const char *user,
                const char *password, unsigned char key[32],
                unsigned char check[32])
{
    const agw_key *k = &authgw_keyring()->k[0];
    char *who = apr_pstrcat(r->pool, provider, "\n", user, NULL);
    char *all = apr_pstrcat(r->pool, who, "\n", password, NULL);
    int rv = agw_mac(k, "authgw credcache key v1", who, strlen(who), key)
          || agw_mac(k, "authgw credcache pw v1", all, strlen(all), check);
    memset(all, 0, strlen(all));
    return rv ? -1 : 0;
}

int authgw_credcache_check(request_rec *r, const char *provider,
                           const char *user, const char *password)
{
    unsigned char key[32], check[32], val[VALUE_MAX + 1];
    unsigned int vl = VALUE_MAX;

    if (!dir_of(r)->cache || macs(r, provider, user, password, key, check))
        return 0;
    if (authgw_store_get(r->server, CACHE_NS, key, sizeof key, val, &vl,
                         r->pool) != APR_SUCCESS
        || vl < sizeof check || !agw_ct_equal(val, sizeof check, check, sizeof check))
        return 0;
    if (vl > sizeof check) {
        val[vl] = '\0';
        apr_table_set(r->notes, AUTHGW_NOTE_GROUPS, (char *)val + sizeof check);
    }
    return 1;
}

void authgw_credcache_store(request_rec *r, const char *provider,
                            const char *user, const char *password)
{
    core_dir *d = dir_of(r);
    const char *groups = apr_table_get(r->notes, AUTHGW_NOTE_GROUPS);
    unsigned char key[32], val[VALUE_MAX];
    size_t gl = groups ? strlen(groups) : 0;

    if (!d->cache || gl > VALUE_MAX - 32
        || macs(r, provider, user, password, key, val))
        return;
    memcpy(val + 32, groups ? groups : "", gl);
    authgw_store_put(r->server, CACHE_NS, key, sizeof key,
                     apr_time_now() + apr_time_from_sec(d->cache_ttl), val,
                     (unsigned int)(32 + gl), r->pool);
}
