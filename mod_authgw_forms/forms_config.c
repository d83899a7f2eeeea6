#include "forms.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <http_log.h>

#include "agw_domain.h"
#include "agw_httpd.h"
#include "agw_lang.h"

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

void *forms_merge_srv(apr_pool_t *p, void *basev, void *addv)
{
    forms_srv *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof *c);
    MERGE(cookie_name);
    MERGE(sso_domain);
    MERGE(idle);
    MERGE(lifetime);
    MERGE(bind_ip);
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
    MERGE(templates);
    MERGE(language);
    MERGE(mobile_agents);
    MERGE(basic_fallback);
    MERGE(basic_agents);
    MERGE(expiry_warn);
    MERGE(password_change);
    forms_cert_merge(&c->cert, &base->cert, &add->cert);
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

const char *forms_cmd_bind_ip(cmd_parms *cmd, void *dc, int on)
{
    forms_srv *c = ap_get_module_config(cmd->server->module_config,
                                        &authgw_forms_module);
    (void)dc;
    c->bind_ip = on;
    c->bind_ip_set = 1;
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

const forms_templates *forms_templates_of(const request_rec *r)
{
    const forms_templates *t = forms_dir_of(r)->templates;
    return t ? t : forms_builtin;
}

/* The forced language must be one the set has: checked where both are
 * known, in the section that names them. */
static const char *check_language(cmd_parms *cmd, const forms_dir *c)
{
    const forms_templates *t = c->templates ? c->templates : forms_builtin;
    const char *have;
    int i;
    if (!c->language || !t)
        return NULL;
    for (i = 0; i < t->nlang; i++)
        if (!strcasecmp(t->langs[i], c->language))
            return NULL;
    have = t->langs[0];
    for (i = 1; i < t->nlang; i++)
        have = apr_pstrcat(cmd->pool, have, ", ", t->langs[i], NULL);
    return apr_psprintf(cmd->pool, "AuthGWFormLanguage: %s has no strings for"
                        " '%s' (lang/%s.txt); name one of its languages (%s)"
                        " or add the file to an AuthGWFormTemplates copy",
                        t->origin, c->language, c->language, have);
}

/* Template sets read in this configuration pass, by directory, so that a
 * directory named in several sections is read once. */
#define SETS_KEY "authgw-forms-template-sets"

const char *forms_cmd_templates(cmd_parms *cmd, void *dc, const char *arg)
{
    forms_dir *c = dc;
    const char *dir = ap_server_root_relative(cmd->pool, arg), *why;
    apr_hash_t *sets = NULL;
    const forms_templates *t;

    if (!dir)
        return apr_psprintf(cmd->pool, "AuthGWFormTemplates: '%s' is not a"
                            " valid path", arg);
    apr_pool_userdata_get((void **)&sets, SETS_KEY, cmd->pool);
    if (!sets) {
        sets = apr_hash_make(cmd->pool);
        apr_pool_userdata_setn(sets, SETS_KEY, NULL, cmd->pool);
    }
    t = apr_hash_get(sets, dir, APR_HASH_KEY_STRING);
    if (!t) {
        if ((why = forms_templates_load(cmd->pool, dir, &t)) != NULL)
            return apr_pstrcat(cmd->pool, "AuthGWFormTemplates: ", why, NULL);
        apr_hash_set(sets, dir, APR_HASH_KEY_STRING, t);
    }
    c->templates = t;
    c->templates_set = 1;
    return check_language(cmd, c);
}

const char *forms_cmd_language(cmd_parms *cmd, void *dc, const char *arg)
{
    forms_dir *c = dc;
    if (!agw_lang_tag_ok(arg))
        return apr_psprintf(cmd->pool, "AuthGWFormLanguage: '%s' is not a"
                            " language tag; use e.g. en, de or fr", arg);
    c->language = arg;
    c->language_set = 1;
    return check_language(cmd, c);
}

/* AuthGWFormMobileAgents and AuthGWFormBasicAgents (cmd->info says which):
 * the first use in a section replaces the inherited list; "none" empties
 * it. */
const char *forms_cmd_agents(cmd_parms *cmd, void *dc, const char *arg)
{
    forms_dir *c = dc;
    int basic = cmd->info != NULL;
    apr_array_header_t **list = basic ? &c->basic_agents : &c->mobile_agents;

    if (!(basic ? c->basic_agents_set : c->mobile_agents_set)) {
        *list = apr_array_make(cmd->pool, 8, sizeof(char *));
        if (basic)
            c->basic_agents_set = 1;
        else
            c->mobile_agents_set = 1;
    }
    if (!*arg)
        return apr_psprintf(cmd->pool, "%s: an empty User-Agent part would"
                            " match every client", cmd->cmd->name);
    if (strcasecmp(arg, "none"))
        APR_ARRAY_PUSH(*list, const char *) = arg;
    return NULL;
}

const char *forms_cmd_basic_fallback(cmd_parms *cmd, void *dc, int on)
{
    forms_dir *c = dc;
    (void)cmd;
    c->basic_fallback = on;
    c->basic_fallback_set = 1;
    return NULL;
}

/* Parts of the User-Agent of phones and tablets. */
static const char *const mobile_default[] = {
    "Mobile", "Android", "iPhone", "iPad", "iPod", "Windows Phone",
    "IEMobile", "BlackBerry", "Opera Mini", NULL
};

/* Parts of the User-Agent of clients that cannot show a form: command-line
 * tools and script libraries, Office and the WebDAV redirectors, and
 * Exchange ActiveSync and Outlook clients. */
static const char *const basic_default[] = {
    "curl", "Wget", "python-requests", "Python-urllib", "libwww-perl",
    "Go-http-client", "Java/", "WindowsPowerShell", "Microsoft Office",
    "MSOffice", "Microsoft-WebDAV-MiniRedir", "DavClnt", "WebDAVFS", "gvfs",
    "davfs2", "Microsoft-Server-ActiveSync", "ActiveSync", "Apple-iPhone",
    "Apple-iPad", "Android-Mail", "Outlook", "MSRPC", NULL
};

static int agent_matches(const request_rec *r, const apr_array_header_t *list,
                         const char *const *dflt)
{
    const char *ua = apr_table_get(r->headers_in, "User-Agent");
    int i;

    if (!ua)
        return 0;
    if (!list) {
        for (; *dflt; dflt++)
            if (ap_strcasestr(ua, *dflt))
                return 1;
        return 0;
    }
    for (i = 0; i < list->nelts; i++)
        if (ap_strcasestr(ua, APR_ARRAY_IDX(list, i, const char *)))
            return 1;
    return 0;
}

int forms_is_mobile(const request_rec *r)
{
    return agent_matches(r, forms_dir_of(r)->mobile_agents, mobile_default);
}

int forms_is_basic_client(const request_rec *r)
{
    return agent_matches(r, forms_dir_of(r)->basic_agents, basic_default);
}
