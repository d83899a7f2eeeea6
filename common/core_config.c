#include "core.h"

#include <string.h>

#include <apr_file_io.h>
#include <apr_strings.h>
#include <http_log.h>
#include <http_main.h>

core_conf *core_get(void)
{
    return ap_get_module_config(ap_server_conf->module_config,
                                &authgw_core_module);
}

void *core_create_server(apr_pool_t *p, server_rec *s)
{
    (void)s;
    return apr_pcalloc(p, sizeof(core_conf));
}

static core_conf *conf_of(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &authgw_core_module);
}

const char *core_cmd_secret_file(cmd_parms *cmd, void *dc, const char *arg)
{
    core_conf *c = conf_of(cmd);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY), *why;
    const char *path = ap_server_root_relative(cmd->pool, arg);
    char errbuf[256], *text;
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n;
    apr_status_t rv;

    (void)dc;
    if (err)
        return err;
    if (!path)
        return apr_psprintf(cmd->pool, "AuthGWSecretFile: invalid path '%s'", arg);
    rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, cmd->temp_pool);
    if (rv == APR_SUCCESS)
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "AuthGWSecretFile: cannot read '%s' (%pm);"
                            " create it with 'openssl rand -base64 48 > %s'"
                            " readable by root only", path, &rv, path);
    if (fi.size > 64 * 1024) {
        apr_file_close(f);
        return apr_psprintf(cmd->pool, "AuthGWSecretFile: '%s' is larger than"
                            " 64 KiB; it should hold a few lines", path);
    }
    n = (apr_size_t)fi.size;
    text = apr_palloc(cmd->temp_pool, n + 1);
    rv = apr_file_read_full(f, text, n, &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF)
        return apr_psprintf(cmd->pool, "AuthGWSecretFile: cannot read '%s' (%pm)",
                            path, &rv);
    why = agw_keyring_parse(&c->keys, text, n, errbuf, sizeof errbuf);
    memset(text, 0, n);
    if (why)
        return apr_psprintf(cmd->pool, "AuthGWSecretFile: '%s': %s", path, why);
    c->secret_file = path;
    c->keys_set = 1;
    return NULL;
}

const char *core_cmd_store(cmd_parms *cmd, void *dc, const char *arg)
{
    core_conf *c = conf_of(cmd);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    const char *sep = ap_strchr_c(arg, ':'), *args = NULL;
    char *name = apr_pstrdup(cmd->pool, arg);

    (void)dc;
    if (err)
        return err;
    if (sep) {
        name[sep - arg] = '\0';
        args = sep + 1;
    }
    if (strcmp(name, "shmcb") && strcmp(name, "redis") && strcmp(name, "memcache")
        && strcmp(name, "dbm"))
        return apr_psprintf(cmd->pool, "AuthGWStore: unknown store '%s'; use"
                            " shmcb[:/path(bytes)], redis:host:port or"
                            " memcache:host:port", name);
    c->store = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                  AP_SOCACHE_PROVIDER_VERSION);
    if (!c->store)
        return apr_psprintf(cmd->pool, "AuthGWStore: the '%s' store needs"
                            " mod_socache_%s: add 'LoadModule socache_%s_module"
                            " .../mod_socache_%s.so' before this line",
                            name, name, name, name);
    if (!args && !strcmp(name, "shmcb"))
        args = AGW_SHMCB_DEFAULT_ARGS;
    err = c->store->create(&c->store_inst, args, cmd->temp_pool, cmd->pool);
    if (err)
        return apr_psprintf(cmd->pool, "AuthGWStore: %s", err);
    c->store_spec = arg;
    c->store_name = name;
    c->store_args = args;
    return NULL;
}
