#include "authgw.h"

int agw_core_api_get(agw_core_api *api)
{
    api->keyring = APR_RETRIEVE_OPTIONAL_FN(authgw_keyring);
    api->get = APR_RETRIEVE_OPTIONAL_FN(authgw_store_get);
    api->put = APR_RETRIEVE_OPTIONAL_FN(authgw_store_put);
    api->del = APR_RETRIEVE_OPTIONAL_FN(authgw_store_del);
    api->stat = APR_RETRIEVE_OPTIONAL_FN(authgw_stat_add);
    api->cache_check = APR_RETRIEVE_OPTIONAL_FN(authgw_credcache_check);
    api->cache_store = APR_RETRIEVE_OPTIONAL_FN(authgw_credcache_store);
    return api->keyring && api->get && api->put && api->del && api->stat
        && api->cache_check && api->cache_store ? 0 : -1;
}
