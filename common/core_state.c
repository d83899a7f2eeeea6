/* Key ring and counters: state created once in the parent and inherited by
 * every child. */
#include "core.h"

#include <string.h>

#include <apr_strings.h>
#include <http_log.h>
#include <http_main.h>
#include <http_protocol.h>
#include <mod_status.h>

#include "agw_logno.h"

APLOG_USE_MODULE(authgw_core);

#define RETAINED_KEYS "authgw-core-random-keys"
#define RETAINED_STATS "authgw-core-stats"

static apr_status_t keys_clear(void *kr)
{
    agw_keyring_clear(kr);
    return APR_SUCCESS;
}

/* The ring of this configuration (in pconf, like c), with its HMACs keyed
 * once for every child; a copy of the retained ring shares none of its
 * state with the original, which is never prepared. */
static int keys_ready(apr_pool_t *pconf, core_conf *c)
{
    /* unprepared, agw_mac() still works, only slower; when OpenSSL cannot
     * make a context now, it fails there too and says so */
    (void)agw_keyring_prepare(&c->keys);
    apr_pool_cleanup_register(pconf, &c->keys, keys_clear,
                              apr_pool_cleanup_null);
    return OK;
}

int core_keys_init(apr_pool_t *pconf, server_rec *s)
{
    core_conf *c = ap_get_module_config(s->module_config, &authgw_core_module);
    agw_keyring *kept;

    if (c->keys_set)
        return keys_ready(pconf, c);
    /* Without a secret file, one random key serves until the next full
     * restart; it is retained across graceful restarts so those log nobody
     * off. */
    kept = ap_retained_data_get(RETAINED_KEYS);
    if (!kept) {
        kept = ap_retained_data_create(RETAINED_KEYS, sizeof *kept);
        if (agw_keyring_random(kept)) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, AGWNO(10007)
                         "cannot make a random cookie key: the system's random"
                         " generator failed");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, AGWNO(10008)
                     "AuthGWSecretFile is not set: cookies are sealed with a"
                     " random key, so sessions end at the next full restart and"
                     " cannot be shared by a farm; set AuthGWSecretFile");
    }
    c->keys = *kept;
    c->keys_set = 1;
    return keys_ready(pconf, c);
}

const agw_keyring *authgw_keyring(void)
{
    return &core_get()->keys;
}

typedef struct {
    apr_shm_t *shm;
    apr_uint64_t *base;
} retained_stats;

int core_stats_init(apr_pool_t *pconf, server_rec *s)
{
    core_conf *c = ap_get_module_config(s->module_config, &authgw_core_module);
    apr_size_t size = sizeof(apr_uint64_t) * AGW_M_COUNT * AGW_C_COUNT;
    /* Keyed by size: a graceful restart into a build with more counters
     * must not index past the old segment. */
    const char *key = apr_psprintf(pconf, RETAINED_STATS "-%" APR_SIZE_T_FMT,
                                   size);
    retained_stats *rs = ap_retained_data_get(key);
    apr_status_t rv;

    if (!rs) {
        rs = ap_retained_data_create(key, sizeof *rs);
        /* In the process pool, so the counters survive graceful restarts. */
        rv = apr_shm_create(&rs->shm, size, NULL, s->process->pool);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, AGWNO(10009)
                         "cannot create %" APR_SIZE_T_FMT " bytes of anonymous"
                         " shared memory for the counters", size);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        rs->base = apr_shm_baseaddr_get(rs->shm);
        memset(rs->base, 0, size);
    }
    c->stats = rs->base;
    return OK;
}

void authgw_stat_add(agw_method m, agw_counter k, apr_uint64_t n)
{
    core_conf *c = core_get();
    if (c->stats && (unsigned)m < AGW_M_COUNT && (unsigned)k < AGW_C_COUNT)
        __atomic_fetch_add(&c->stats[m * AGW_C_COUNT + k], n, __ATOMIC_RELAXED);
}

int core_status_hook(request_rec *r, int flags)
{
    core_conf *c = core_get();
    int m, k;

    if (!c->stats)
        return OK;
    if (flags & AP_STATUS_SHORT) {
        for (m = 0; m < AGW_M_COUNT; m++)
            for (k = 0; k < AGW_C_COUNT; k++)
                ap_rprintf(r, "AuthGW%s%s: %" APR_UINT64_T_FMT "\n",
                           agw_method_names[m], agw_counter_names[k],
                           __atomic_load_n(&c->stats[m * AGW_C_COUNT + k],
                                           __ATOMIC_RELAXED));
        return OK;
    }
    ap_rputs("<hr />\n<h2>authgw</h2>\n<table border=\"1\"><tr><th>method</th>", r);
    for (k = 0; k < AGW_C_COUNT; k++)
        ap_rprintf(r, "<th>%s</th>", agw_counter_names[k]);
    ap_rputs("</tr>\n", r);
    for (m = 0; m < AGW_M_COUNT; m++) {
        ap_rprintf(r, "<tr><td>%s</td>", agw_method_names[m]);
        for (k = 0; k < AGW_C_COUNT; k++)
            ap_rprintf(r, "<td>%" APR_UINT64_T_FMT "</td>",
                       __atomic_load_n(&c->stats[m * AGW_C_COUNT + k],
                                       __ATOMIC_RELAXED));
        ap_rputs("</tr>\n", r);
    }
    ap_rputs("</table>\n", r);
    return OK;
}
