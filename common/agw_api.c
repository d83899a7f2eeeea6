#include "authgw.h"

#include <http_log.h>

#include "agw_logno.h"

int agw_core_api_get(agw_core_api *api)
{
    api->keyring = APR_RETRIEVE_OPTIONAL_FN(authgw_keyring);
    api->get = APR_RETRIEVE_OPTIONAL_FN(authgw_store_get);
    api->put = APR_RETRIEVE_OPTIONAL_FN(authgw_store_put);
    api->del = APR_RETRIEVE_OPTIONAL_FN(authgw_store_del);
    api->stat = APR_RETRIEVE_OPTIONAL_FN(authgw_stat_add);
    api->cache_check = APR_RETRIEVE_OPTIONAL_FN(authgw_credcache_check);
    api->cache_store = APR_RETRIEVE_OPTIONAL_FN(authgw_credcache_store);
    api->kerberos_identity = APR_RETRIEVE_OPTIONAL_FN(authgw_kerberos_identity);
    api->kerberos_realm = APR_RETRIEVE_OPTIONAL_FN(authgw_kerberos_realm);
    api->failopen = APR_RETRIEVE_OPTIONAL_FN(authgw_failopen);
    return api->keyring && api->get && api->put && api->del && api->stat
        && api->cache_check && api->cache_store && api->kerberos_identity
        && api->kerberos_realm && api->failopen
        ? 0 : -1;
}

int agw_core_api_attach(agw_core_api *api, server_rec *s, const char *who)
{
    /* Optional functions are registered when modules load, so they can be
     * taken in post_config, before the optional_fn_retrieve hook runs. */
    if (agw_core_api_get(api) == 0)
        return OK;
    ap_log_error(__FILE__, __LINE__, APLOG_NO_MODULE, APLOG_CRIT, 0, s,
                 AGWNO(10012) "%s needs mod_authgw_core: add 'LoadModule"
                 " authgw_core_module .../mod_authgw_core.so' before it"
                 " (a2enmod authgw_core)", who);
    return HTTP_INTERNAL_SERVER_ERROR;
}
