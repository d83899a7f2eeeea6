/* The shared store: one httpd socache instance for the whole server, as
 * mod_authn_socache and mod_ssl use it.  shmcb (the default) lives in shared
 * memory of this machine; redis and memcache serve a farm of gateways.
 *
 * A graceful restart must log nobody off (keys are rotated that way), but
 * httpd rebuilds every socache instance from the configuration pool on each
 * restart, which would empty shmcb.  So a shmcb instance and its mutex are
 * made once and retained across restarts while AuthGWStore is unchanged: old
 * and new children then share one segment under one mutex.  See
 * docs/architecture.md, "Sessions across restarts". */
#include "core.h"

#include <string.h>

#include <apr_strings.h>
#include <http_log.h>
#include <http_main.h>
#include <util_mutex.h>

#include "agw_logno.h"

APLOG_USE_MODULE(authgw_core);

#define KEY_MAX 512
#define RETAINED_STORE "authgw-core-store"

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
    c->store_args = AGW_SHMCB_DEFAULT_ARGS;
    err = c->store->create(&c->store_inst, c->store_args, pconf, pconf);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, AGWNO(10002)
                     "the default session store cannot be created: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    c->store_spec = c->store_name = "shmcb";
    return OK;
}

static apr_status_t store_destroy(void *data)
{
    core_conf *c = data;
    c->store->destroy(c->store_inst, ap_server_conf);
    return APR_SUCCESS;
}

static int store_create(core_conf *c, server_rec *s, apr_pool_t *p,
                        apr_pool_t *mutex_pool)
{
    struct ap_socache_hints hints = { 64, 512, 3600 * APR_USEC_PER_SEC };
    const char *err;
    apr_status_t rv;

    if (c->store->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
        rv = ap_global_mutex_create(&c->store_mutex, NULL, AGW_STORE_MUTEX,
                                    NULL, s, mutex_pool, 0);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, AGWNO(10003)
                         "cannot create the session store mutex; check the"
                         " 'Mutex' directive and DefaultRuntimeDir");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    err = c->store->create(&c->store_inst, c->store_args, p, p);
    rv = err ? APR_EINVAL : c->store->init(c->store_inst, "authgw", &hints, s, p);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, AGWNO(10004)
                     "cannot initialise the session store '%s'%s%s",
                     c->store_spec, err ? ": " : "", err ? err : "");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

typedef struct {
    apr_pool_t *pool;  /* unmanaged: never destroyed, see below */
    const char *spec;
    ap_socache_instance_t *inst;
    apr_global_mutex_t *mutex;
} retained_store;

int core_store_init(apr_pool_t *pconf, server_rec *s)
{
    core_conf *c = ap_get_module_config(s->module_config, &authgw_core_module);
    retained_store *rs;
    int rv;

    if (strcmp(c->store_name, "shmcb")) {
        if ((rv = store_create(c, s, pconf, pconf)) != OK)
            return rv;
        apr_pool_cleanup_register(pconf, c, store_destroy, apr_pool_cleanup_null);
        goto ready;
    }
    rs = ap_retained_data_get(RETAINED_STORE);
    if (!rs)
        rs = ap_retained_data_create(RETAINED_STORE, sizeof *rs);
    if (rs->inst && !strcmp(rs->spec, c->store_spec)) {
        c->store_inst = rs->inst;
        c->store_mutex = rs->mutex;
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, AGWNO(10010)
                     "session store '%s' kept across the restart", c->store_spec);
        return OK;
    }
    /* shmcb registers a cleanup of its own code on the pool it is given;
     * that code is unloaded with the module at each restart, so the pool
     * must never run its cleanups: an unmanaged pool, freed with the
     * process.  The mutex's cleanup is APR's, so it can go in the process
     * pool and be removed at shutdown. */
    if (!rs->pool && apr_pool_create_unmanaged_ex(&rs->pool, NULL, NULL)
                         != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    if ((rv = store_create(c, s, rs->pool, s->process->pool)) != OK)
        return rv;
    rs->spec = apr_pstrdup(rs->pool, c->store_spec);
    rs->inst = c->store_inst;
    rs->mutex = c->store_mutex;
ready:
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

/* ns ":" key in buf (key ":" ns for shmcb); returns its length or 0 when
 * too long.  shmcb chooses the subcache of an entry by the key's first
 * byte: behind a namespace prefix every session would share one subcache,
 * a small fraction of the store, and the oldest sessions would be dropped
 * after about a thousand logons however large the store.  The key (a random
 * session id, a MAC) comes first there.  redis and memcache keep ns ":" key,
 * so that the nodes of a farm on different versions share sessions.  Both
 * spellings are unambiguous: a namespace has no ':'. */
static unsigned int make_key(unsigned char *buf, const char *ns,
                             const unsigned char *key, unsigned int keylen,
                             int key_first)
{
    size_t nl = strlen(ns);
    if (nl + 1 + keylen > KEY_MAX)
        return 0;
    if (key_first) {
        memcpy(buf, key, keylen);
        buf[keylen] = ':';
        memcpy(buf + keylen + 1, ns, nl);
    }
    else {
        memcpy(buf, ns, nl);
        buf[nl] = ':';
        memcpy(buf + nl + 1, key, keylen);
    }
    return (unsigned int)(nl + 1 + keylen);
}

typedef enum { OP_GET, OP_PUT, OP_DEL } store_op;

/* One store operation under the namespaced key, locked when the provider
 * needs it. */
static apr_status_t store_do(store_op op, server_rec *s, const char *ns,
                             const unsigned char *key, unsigned int keylen,
                             apr_time_t expiry, unsigned char *val,
                             unsigned int *vallen, apr_pool_t *p)
{
    core_conf *c = core_get();
    unsigned char k[KEY_MAX];
    unsigned int kl = make_key(k, ns, key, keylen,
                               !strcmp(c->store_name, "shmcb"));
    apr_status_t rv;

    if (!kl)
        return APR_EINVAL;
    if (c->store_mutex)
        apr_global_mutex_lock(c->store_mutex);
    switch (op) {
    case OP_GET:
        rv = c->store->retrieve(c->store_inst, s, k, kl, val, vallen, p);
        break;
    case OP_PUT:
        rv = c->store->store(c->store_inst, s, k, kl, expiry, val, *vallen, p);
        break;
    default:
        rv = c->store->remove(c->store_inst, s, k, kl, p);
    }
    if (c->store_mutex)
        apr_global_mutex_unlock(c->store_mutex);
    return rv;
}

apr_status_t authgw_store_get(server_rec *s, const char *ns,
                              const unsigned char *key, unsigned int keylen,
                              unsigned char *val, unsigned int *vallen,
                              apr_pool_t *p)
{
    return store_do(OP_GET, s, ns, key, keylen, 0, val, vallen, p);
}

apr_status_t authgw_store_put(server_rec *s, const char *ns,
                              const unsigned char *key, unsigned int keylen,
                              apr_time_t expiry, const unsigned char *val,
                              unsigned int vallen, apr_pool_t *p)
{
    /* socache's store() takes a non-const buffer but does not write it */
    return store_do(OP_PUT, s, ns, key, keylen, expiry, (unsigned char *)val,
                    &vallen, p);
}

apr_status_t authgw_store_del(server_rec *s, const char *ns,
                              const unsigned char *key, unsigned int keylen,
                              apr_pool_t *p)
{
    return store_do(OP_DEL, s, ns, key, keylen, 0, NULL, NULL, p);
}
