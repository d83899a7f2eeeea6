/* Lists of Apache authn providers, as AuthBasicProvider takes them, for the
 * receipt modules that check passwords themselves (the logon form, the
 * Basic fallback of Integrated). */
#include "agw_httpd.h"

#include <string.h>

#include <ap_provider.h>
#include <apr_strings.h>

const char *agw_provider_add(cmd_parms *cmd, apr_array_header_t **list,
                             const char *arg)
{
    agw_provider *e;

    if (!*list)
        *list = apr_array_make(cmd->pool, 2, sizeof *e);
    e = apr_array_push(*list);
    e->name = arg;
    e->provider = ap_lookup_provider(AUTHN_PROVIDER_GROUP, arg,
                                     AUTHN_PROVIDER_VERSION);
    if (!e->provider)
        return apr_psprintf(cmd->pool, "%s: unknown authn provider '%s'; load"
                            " the module that provides it (mod_authn_file for"
                            " 'file') or define it with <AuthnProviderAlias>",
                            cmd->cmd->name, arg);
    if (!e->provider->check_password)
        return apr_psprintf(cmd->pool, "%s: the authn provider '%s' cannot"
                            " check passwords", cmd->cmd->name, arg);
    return NULL;
}

authn_status agw_providers_check(request_rec *r, const apr_array_header_t *list,
                                 const char *user, const char *password,
                                 const char *only, const agw_core_api *count,
                                 const char **which)
{
    agw_provider dflt = { "file", NULL };
    const agw_provider *p = &dflt;
    authn_status res = AUTH_USER_NOT_FOUND;
    int i, n = 1;

    if (list) {
        p = (const agw_provider *)list->elts;
        n = list->nelts;
    }
    else {
        dflt.provider = ap_lookup_provider(AUTHN_PROVIDER_GROUP, "file",
                                           AUTHN_PROVIDER_VERSION);
    }
    for (i = 0; i < n; i++) {
        apr_time_t t0 = apr_time_now();
        if (only && strcmp(only, p[i].name))
            continue;
        *which = p[i].name;
        if (!p[i].provider) {
            ap_log_rerror(__FILE__, __LINE__, APLOG_NO_MODULE, APLOG_ERR, 0, r,
                          AGWNO(10013) "the authn provider '%s' is not loaded;"
                          " load mod_authn_file, or name providers explicitly",
                          p[i].name);
            return AUTH_GENERAL_ERROR;
        }
        apr_table_setn(r->notes, AUTHN_PROVIDER_NAME_NOTE, p[i].name);
        res = p[i].provider->check_password(r, user, password);
        apr_table_unset(r->notes, AUTHN_PROVIDER_NAME_NOTE);
        if (count) {
            count->stat(AGW_M_PROVIDER, AGW_C_ATTEMPTS, 1);
            count->stat(AGW_M_PROVIDER, AGW_C_LATENCY_US,
                        (apr_uint64_t)(apr_time_now() - t0));
            count->stat(AGW_M_PROVIDER,
                        res == AUTH_GRANTED ? AGW_C_SUCCESSES
                        : res == AUTH_GENERAL_ERROR ? AGW_C_ERRORS
                        : AGW_C_FAILURES, 1);
        }
        if (res != AUTH_USER_NOT_FOUND)
            break;
    }
    return res;
}
