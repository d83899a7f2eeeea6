/* mod_authgw_core: the owner of authgw's shared state (key ring, session
 * store, counters).  Module record, directives and hook registration only. */
#include "core.h"

#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mod_status.h>
#include <util_mutex.h>

#include "agw_logno.h"


static int core_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    return ap_mutex_register(pconf, AGW_STORE_MUTEX, NULL, APR_LOCK_DEFAULT, 0);
}

static int core_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    (void)ptemp;
    return core_store_check(pconf, s);
}

static int core_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    int rv;
    (void)plog;
    (void)ptemp;
    /* The first pass only checks the configuration: create nothing yet. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;
    if ((rv = core_keys_init(pconf, s)) != OK
        || (rv = core_stats_init(pconf, s)) != OK
        || (rv = core_store_init(pconf, s)) != OK)
        return rv;
    return OK;
}

static void core_child_init(apr_pool_t *p, server_rec *s)
{
    core_store_child_init(p, s);
}

static void core_register_hooks(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "authgw-group",
                              AUTHZ_PROVIDER_VERSION, &core_group_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    /* authgw-ldap (core_ldap*.c) */
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, "authgw-ldap",
                              AUTHN_PROVIDER_VERSION, &core_ldap_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_config(core_ldap_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    APR_REGISTER_OPTIONAL_FN(authgw_ldap_account);
    /* end of authgw-ldap */
    ap_hook_pre_config(core_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(core_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(core_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(core_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    /* after every module's stripping of client-sent identity headers */
    ap_hook_fixups(core_failopen_fixups, NULL, NULL, APR_HOOK_LAST);
    APR_OPTIONAL_HOOK(ap, status_hook, core_status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);
    APR_REGISTER_OPTIONAL_FN(authgw_keyring);
    APR_REGISTER_OPTIONAL_FN(authgw_store_get);
    APR_REGISTER_OPTIONAL_FN(authgw_store_put);
    APR_REGISTER_OPTIONAL_FN(authgw_store_del);
    APR_REGISTER_OPTIONAL_FN(authgw_stat_add);
    APR_REGISTER_OPTIONAL_FN(authgw_credcache_check);
    APR_REGISTER_OPTIONAL_FN(authgw_credcache_store);
    APR_REGISTER_OPTIONAL_FN(authgw_failopen);
    core_krb5_register_hooks(p);
}

static const command_rec core_cmds[] = {
    AP_INIT_TAKE1("AuthGWSecretFile", core_cmd_secret_file, NULL, RSRC_CONF,
                  "file of cookie secrets, one per line, newest first"),
    AP_INIT_TAKE1("AuthGWStore", core_cmd_store, NULL, RSRC_CONF,
                  "session store: shmcb[:/path(bytes)], redis:host:port or"
                  " memcache:host:port"),
    AP_INIT_TAKE12("AuthGWCredentialCache", core_cmd_credcache, NULL,
                   OR_AUTHCFG | RSRC_CONF,
                   "On [seconds] | Off: remember validated credentials"
                   " (default Off; 300 s)"),
    AP_INIT_TAKE12("AuthGWFailOpen", core_cmd_failopen, NULL,
                   OR_AUTHCFG | RSRC_CONF,
                   "off | service | all [seconds]: let requests through"
                   " unauthenticated while a validator cannot be reached"
                   " (default off; a validator stays marked down 30 s)"),
    AP_INIT_TAKE1("AuthGWFailOpenUser", core_cmd_failopen_user, NULL,
                  OR_AUTHCFG | RSRC_CONF,
                  "the user name a request let through by AuthGWFailOpen"
                  " gets (default: empty)"),
    AP_INIT_TAKE1("AuthGWFailOpenHeader", core_cmd_failopen_header, NULL,
                  OR_AUTHCFG | RSRC_CONF,
                  "request header that tells the backend a request was let"
                  " through by AuthGWFailOpen, or None (default"
                  " X-AuthGW-FailOpen)"),
    CORE_KRB5_CMDS,
    CORE_LDAP_CMDS,
    { NULL }
};

AP_DECLARE_MODULE(authgw_core) = {
    STANDARD20_MODULE_STUFF,
    core_create_dir,
    core_merge_dir,
    core_create_server,
    NULL,                 /* every directive is global: nothing to merge */
    core_cmds,
    core_register_hooks,
    AP_MODULE_FLAG_NONE
};
