#include "forms.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <http_log.h>

#include "agw_domain.h"
#include "agw_httpd.h"

#define DEFAULT_IDLE 1800
#define DEFAULT_LIFETIME 28800
#define DEFAULT_MAX_BODY 8192

void *forms_create_srv(apr_pool_t *p, server_rec *s)
{
    forms_srv *c = apr_pcalloc(p, sizeof *c);
    (void)s;
    c->cookie_name = "AuthGWSession";
    c->idle = DEFAULT_IDLE;
    c->lifetime = DEFAULT_LIFETIME;
    return c;
}

#define MERGE(field) \
    c->field = add->field##_set ? add->field : base->field; \
    c->field##_set = add->field##_set | base->field##_set

void *forms_merge_srv(apr_pool_t *p, void *basev, void *addv)
{
    forms_srv *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof *c);
    MERGE(cookie_name);
    MERGE(sso_domain);
    MERGE(idle);
    MERGE(lifetime);
    return c;
}

void *forms_create_dir(apr_pool_t *p, char *dir)
{
    forms_dir *c = apr_pcalloc(p, sizeof *c);
    (void)dir;
    c->max_body = DEFAULT_MAX_BODY;
    return c;
}

void *forms_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    forms_dir *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof *c);
    MERGE(providers);
    MERGE(max_body);
    MERGE(type);
    MERGE(same_user);
    MERGE(flood_limit);
    return c;
}

forms_srv *forms_srv_of(const request_rec *r)
{
    return ap_get_module_config(r->server->module_config, &authgw_forms_module);
}

forms_dir *forms_dir_of(const request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &authgw_forms_module);
}

const char *forms_cmd_provider(cmd_parms *cmd, void *dc, const char *arg)
{
    forms_dir *c = dc;
    c->providers_set = 1;
    return agw_provider_add(cmd, &c->providers, arg);
}

/* AuthGWSessionIdle and AuthGWSessionLifetime: cmd->info says which. */
const char *forms_cmd_seconds(cmd_parms *cmd, void *dc, const char *arg)
{
    forms_srv *c = ap_get_module_config(cmd->server->module_config,
                                        &authgw_forms_module);
    int lifetime = cmd->info != NULL;
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);

    (void)dc;
    if (*end || v < 0 || v > 366 * 86400 || (lifetime && v == 0))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of seconds"
                            " between %d and 31622400", cmd->cmd->name, arg,
                            lifetime ? 1 : 0);
    if (lifetime) {
        c->lifetime = v;
        c->lifetime_set = 1;
    }
    else {
        c->idle = v;
        c->idle_set = 1;
    }
    return NULL;
}

const char *forms_cmd_sso_domain(cmd_parms *cmd, void *dc, const char *arg)
{
    forms_srv *c = ap_get_module_config(cmd->server->module_config,
                                        &authgw_forms_module);
    const char *why = agw_sso_domain_check(arg);
    (void)dc;
    if (why)
        return apr_psprintf(cmd->pool, "AuthGWSSODomain: '%s' %s; name your"
                            " organisation's domain, e.g. .example.com", arg, why);
    c->sso_domain = arg[0] == '.' ? arg + 1 : arg;
    c->sso_domain_set = 1;
    return NULL;
}

const char *forms_cmd_cookie_name(cmd_parms *cmd, void *dc, const char *arg)
{
    forms_srv *c = ap_get_module_config(cmd->server->module_config,
                                        &authgw_forms_module);
    const char *s;
    (void)dc;
    for (s = arg; *s; s++)
        if (!apr_isalnum(*s) && *s != '-' && *s != '_')
            return "AuthGWCookieName: use letters, digits, '-' and '_' only";
    if (!*arg || !strcmp(arg, FORMS_PRE_COOKIE))
        return "AuthGWCookieName: choose a non-empty name other than AuthGWPre";
    c->cookie_name = arg;
    c->cookie_name_set = 1;
    return NULL;
}

const char *forms_cmd_max_body(cmd_parms *cmd, void *dc, const char *arg)
{
    forms_dir *c = dc;
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);
    if (*end || v < 256 || v > 1024 * 1024)
        return apr_psprintf(cmd->pool, "AuthGWFormMaxBody: '%s' is not a size"
                            " in bytes between 256 and 1048576", arg);
    c->max_body = (apr_size_t)v;
    c->max_body_set = 1;
    return NULL;
}

const char *forms_cmd_type(cmd_parms *cmd, void *dc, const char *arg)
{
    forms_dir *c = dc;
    (void)cmd;
    if (!strcasecmp(arg, "password"))
        c->type = FORMS_TYPE_PASSWORD;
    else if (!strcasecmp(arg, "passcode"))
        c->type = FORMS_TYPE_PASSCODE;
    else if (!strcasecmp(arg, "passcode-password"))
        c->type = FORMS_TYPE_PASSCODE_PASSWORD;
    else
        return "AuthGWFormType: use password, passcode or passcode-password";
    c->type_set = 1;
    return NULL;
}

const char *forms_cmd_same_user(cmd_parms *cmd, void *dc, int on)
{
    forms_dir *c = dc;
    (void)cmd;
    c->same_user = on;
    c->same_user_set = 1;
    return NULL;
}

const char *forms_cmd_flood_limit(cmd_parms *cmd, void *dc, const char *arg)
{
    forms_dir *c = dc;
    char *end;
    long v = strtol(arg, &end, 10);
    if (*end || v < 0 || v > 100000)
        return apr_psprintf(cmd->pool, "AuthGWFloodLimit: '%s' is not a number"
                            " of logon attempts a minute (0: no limit)", arg);
    c->flood_limit = (int)v;
    c->flood_limit_set = 1;
    return NULL;
}
