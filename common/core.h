/* mod_authgw_core's own declarations (not for the other modules: they use
 * authgw.h). */
#ifndef AGW_CORE_H
#define AGW_CORE_H

#include <httpd.h>
#include <http_config.h>
#include <ap_socache.h>
#include <apr_global_mutex.h>
#include <apr_shm.h>

#include "authgw.h"
#include "core_krb5.h"
#include "core_ldap.h"

#define AGW_STORE_MUTEX "authgw-store"
/* shmcb without a size: 8 MiB of anonymous shared memory, some 14 000
 * entries (shmcb's own default, 512 000 bytes, holds under a thousand
 * sessions). */
#define AGW_SHMCB_DEFAULT_ARGS "(8388608)"

typedef struct {
    /* AuthGWSecretFile */
    const char *secret_file;
    agw_keyring keys;
    int keys_set;
    /* AuthGWStore */
    const char *store_spec;
    const char *store_name; /* the socache provider */
    const char *store_args;
    const ap_socache_provider_t *store;
    ap_socache_instance_t *store_inst;
    apr_global_mutex_t *store_mutex;
    /* counters in shared memory (AGW_M_COUNT x AGW_C_COUNT) */
    apr_uint64_t *stats;
} core_conf;

/* Per directory. */
typedef struct {
    int cache;             /* AuthGWCredentialCache */
    apr_int64_t cache_ttl; /* seconds */
    unsigned int cache_set:1;
    /* AuthGWFailOpen (core_failopen.c) */
    int failopen;              /* agw_fo_policy */
    apr_int64_t failopen_ttl;  /* seconds a validator stays marked down */
    const char *failopen_user; /* AuthGWFailOpenUser */
    const char *failopen_header; /* AuthGWFailOpenHeader; NULL: none */
    unsigned int failopen_set:1, failopen_user_set:1, failopen_header_set:1;
    core_krb5_dir krb5;    /* Kerberos identity (core_krb5.c) */
    core_ldap_dir ldap;    /* authgw-ldap (core_ldap.h) */
} core_dir;

extern module AP_MODULE_DECLARE_DATA authgw_core_module;

void *core_create_dir(apr_pool_t *p, char *dir);
void *core_merge_dir(apr_pool_t *p, void *base, void *add);
const char *core_cmd_credcache(cmd_parms *cmd, void *dc, const char *onoff,
                               const char *ttl);
int authgw_credcache_check(request_rec *r, const char *provider,
                           const char *user, const char *password);
void authgw_credcache_store(request_rec *r, const char *provider,
                            const char *user, const char *password);

/* core_failopen.c: AuthGWFailOpen */
void core_failopen_create_dir(core_dir *c);
void core_failopen_merge_dir(core_dir *c, const core_dir *base,
                             const core_dir *add);
const char *core_cmd_failopen(cmd_parms *cmd, void *dc, const char *policy,
                              const char *ttl);
const char *core_cmd_failopen_user(cmd_parms *cmd, void *dc, const char *arg);
const char *core_cmd_failopen_header(cmd_parms *cmd, void *dc,
                                     const char *arg);
int authgw_failopen(request_rec *r, agw_fo_case c, const char *which,
                    const apr_array_header_t *providers, const char *method);
int core_failopen_fixups(request_rec *r);

/* The single configuration: every core directive is global. */
core_conf *core_get(void);

void *core_create_server(apr_pool_t *p, server_rec *s);
const char *core_cmd_secret_file(cmd_parms *cmd, void *dc, const char *arg);
const char *core_cmd_store(cmd_parms *cmd, void *dc, const char *arg);

int core_store_check(apr_pool_t *pconf, server_rec *s);
int core_store_init(apr_pool_t *pconf, server_rec *s);
void core_store_child_init(apr_pool_t *p, server_rec *s);
apr_status_t authgw_store_get(server_rec *s, const char *ns,
                            const unsigned char *key, unsigned int keylen,
                            unsigned char *val, unsigned int *vallen,
                            apr_pool_t *p);
apr_status_t authgw_store_put(server_rec *s, const char *ns,
                            const unsigned char *key, unsigned int keylen,
                            apr_time_t expiry, const unsigned char *val,
                            unsigned int vallen, apr_pool_t *p);
apr_status_t authgw_store_del(server_rec *s, const char *ns,
                            const unsigned char *key, unsigned int keylen,
                            apr_pool_t *p);

int core_keys_init(apr_pool_t *pconf, server_rec *s);
const agw_keyring *authgw_keyring(void);

int core_stats_init(apr_pool_t *pconf, server_rec *s);
void authgw_stat_add(agw_method m, agw_counter c, apr_uint64_t n);
int core_status_hook(request_rec *r, int flags);

/* core_authz.c: Require authgw-group */
#include <mod_auth.h>
extern const authz_provider core_group_provider;

#endif
