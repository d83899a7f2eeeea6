/* The shared store: one httpd socache instance for the whole server, as
 * mod_authn_socache and mod_ssl use it.  shmcb (the default) lives in shared
 * memory of this machine; redis and memcache serve a farm of gateways. */
#include "core.h"

#include <string.h>

#include <apr_strings.h>
#include <http_log.h>
#include <http_main.h>
#include <util_mutex.h>

#include "agw_logno.h"

APLOG_USE_MODULE(authgw_core);

#define KEY_MAX 512

int core_store_check(apr_pool_t *pconf, server_rec *s)
{
    core_conf *c = ap_get_module_config(s->module_config, &authgw_core_module);
    const char *err;

    if (c->store)
        return OK;
    c->store = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, "shmcb",
                                  AP_SOCACHE_PROVIDER_VERSION);
    if (!c->store) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, AGWNO(10001)
                     "the default session store (shmcb) needs mod_socache_shmcb:"
                     " add 'LoadModule socache_shmcb_module"
                     " .../mod_socache_shmcb.so', or choose another with"
                     " AuthGWStore");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    err = c->store->create(&c->store_inst, NULL, pconf, pconf);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, AGWNO(10002)
                     "the default session store cannot be created: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    c->store_spec = "shmcb";
    return OK;
}

static apr_status_t store_destroy(void *data)
{
    core_conf *c = data;
    c->store->destroy(c->store_inst, ap_server_conf);
    return APR_SUCCESS;
}

int core_store_init(apr_pool_t *pconf, server_rec *s)
{
    core_conf *c = ap_get_module_config(s->module_config, &authgw_core_module);
    struct ap_socache_hints hints = { 64, 512, 3600 * APR_USEC_PER_SEC };
    apr_status_t rv;

    if (c->store->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
        rv = ap_global_mutex_create(&c->store_mutex, NULL, AGW_STORE_MUTEX,
                                    NULL, s, pconf, 0);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, AGWNO(10003)
                         "cannot create the session store mutex; check the"
                         " 'Mutex' directive and DefaultRuntimeDir");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    rv = c->store->init(c->store_inst, "authgw", &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, AGWNO(10004)
                     "cannot initialise the session store '%s'", c->store_spec);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_cleanup_register(pconf, c, store_destroy, apr_pool_cleanup_null);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, AGWNO(10005)
                 "session store '%s' ready", c->store_spec);
    return OK;
}

void core_store_child_init(apr_pool_t *p, server_rec *s)
{
    core_conf *c = ap_get_module_config(s->module_config, &authgw_core_module);
    apr_status_t rv;
    if (!c->store_mutex)
        return;
    rv = apr_global_mutex_child_init(&c->store_mutex,
                                     apr_global_mutex_lockfile(c->store_mutex), p);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, AGWNO(10006)
                     "cannot re-open the session store mutex in a child");
}

/* ns ":" key, in buf; returns its length or 0 when too long. */
static unsigned int make_key(unsigned char *buf, const char *ns,
                             const unsigned char *key, unsigned int keylen)
{
    size_t nl = strlen(ns);
    if (nl + 1 + keylen > KEY_MAX)
        return 0;
    memcpy(buf, ns, nl);
    buf[nl] = ':';
    memcpy(buf + nl + 1, key, keylen);
    return (unsigned int)(nl + 1 + keylen);
}

static void lock(core_conf *c)
{
    if (c->store_mutex)
        apr_global_mutex_lock(c->store_mutex);
}

static void unlock(core_conf *c)
{
    if (c->store_mutex)
        apr_global_mutex_unlock(c->store_mutex);
}

apr_status_t authgw_store_get(server_rec *s, const char *ns,
                            const unsigned char *key, unsigned int keylen,
                            unsigned char *val, unsigned int *vallen,
                            apr_pool_t *p)
{
    core_conf *c = core_get();
    unsigned char k[KEY_MAX];
    unsigned int kl = make_key(k, ns, key, keylen);
    apr_status_t rv;
    if (!kl)
        return APR_EINVAL;
    lock(c);
    rv = c->store->retrieve(c->store_inst, s, k, kl, val, vallen, p);
    unlock(c);
    return rv;
}

apr_status_t authgw_store_put(server_rec *s, const char *ns,
                            const unsigned char *key, unsigned int keylen,
                            apr_time_t expiry, const unsigned char *val,
                            unsigned int vallen, apr_pool_t *p)
{
    core_conf *c = core_get();
    unsigned char k[KEY_MAX];
    unsigned int kl = make_key(k, ns, key, keylen);
    apr_status_t rv;
    if (!kl)
        return APR_EINVAL;
    lock(c);
    rv = c->store->store(c->store_inst, s, k, kl, expiry,
                         (unsigned char *)val, vallen, p);
    unlock(c);
    return rv;
}

apr_status_t authgw_store_del(server_rec *s, const char *ns,
                            const unsigned char *key, unsigned int keylen,
                            apr_pool_t *p)
{
    core_conf *c = core_get();
    unsigned char k[KEY_MAX];
    unsigned int kl = make_key(k, ns, key, keylen);
    apr_status_t rv;
    if (!kl)
        return APR_EINVAL;
    lock(c);
    rv = c->store->remove(c->store_inst, s, k, kl, p);
    unlock(c);
    return rv;
}
