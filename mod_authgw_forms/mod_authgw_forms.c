/* mod_authgw_forms: AuthType GatewayForm and the SSO session.  Module record,
 * directive table and hook registration only. */
#include "forms.h"

#include <http_request.h>
#include <http_log.h>
#include <string.h>

#include "agw_logno.h"

agw_core_api forms_core;

/* The built-in template set is read with each configuration, so that every
 * directive after it may rely on it. */
static int forms_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp)
{
    const char *why = forms_templates_load(pconf, NULL, &forms_builtin);
    (void)plog;
    (void)ptemp;
    if (why) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, NULL, AGWNO(20027)
                     "mod_authgw_forms: %s; the module was built from broken"
                     " templates: rebuild it from a released source", why);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static int forms_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    return agw_core_api_attach(&forms_core, s, "mod_authgw_forms");
}

static void forms_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_config(forms_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(forms_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(forms_translate, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_map_to_storage(forms_map_to_storage, NULL, NULL,
                           APR_HOOK_REALLY_FIRST);
    ap_hook_check_access_ex(forms_access_ex, NULL, NULL, APR_HOOK_REALLY_FIRST,
                            AP_AUTH_INTERNAL_PER_URI);
    ap_hook_check_authn(forms_check_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_check_authn(forms_cert_check_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_optional_fn_retrieve(forms_cert_retrieve, NULL, NULL,
                                 APR_HOOK_MIDDLE);
    ap_hook_fixups(forms_fixups, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(forms_handler, NULL, NULL, APR_HOOK_FIRST);
    APR_REGISTER_OPTIONAL_FN(authgw_session_issue);
    APR_REGISTER_OPTIONAL_FN(authgw_session_user);
    APR_REGISTER_OPTIONAL_FN(authgw_session_cookie_name);
    APR_REGISTER_OPTIONAL_FN(authgw_session_credentials);
    APR_REGISTER_OPTIONAL_FN(authgw_session_end_current);
    APR_REGISTER_OPTIONAL_FN(authgw_form_type);
}

#define SRV(name, fn, info, how, help) \
    AP_INIT_##how("AuthGW" #name, fn, info, RSRC_CONF, help)
#define DIR(name, fn, how, help) \
    AP_INIT_##how("AuthGW" #name, fn, NULL, OR_AUTHCFG, help)
/* Not in .htaccess: a directory read there would be read per request. */
#define MAIN(name, fn, info, how, help) \
    AP_INIT_##how("AuthGW" #name, fn, info, RSRC_CONF | ACCESS_CONF, help)

static const command_rec forms_cmds[] = {
    DIR(FormProvider, forms_cmd_provider, ITERATE,
        "authn providers that check form logons, in order (default: file)"),
    DIR(FormMaxBody, forms_cmd_max_body, TAKE1,
        "largest logon form body in bytes (default 8192)"),
    DIR(FormType, forms_cmd_type, TAKE1,
        "password, passcode or passcode-password (default password)"),
    DIR(FormRequireSameUser, forms_cmd_same_user, FLAG,
        "On: the delegation user name must be the logon user name"),
    DIR(FloodLimit, forms_cmd_flood_limit, TAKE1,
        "logon attempts a minute from one address (default 0: no limit)"),
    MAIN(FormTemplates, forms_cmd_templates, NULL, TAKE1,
         "directory of the logon page templates and language strings"
         " (default: the built-in set)"),
    DIR(FormLanguage, forms_cmd_language, TAKE1,
        "language of the logon pages, whatever the browser asks for"),
    MAIN(FormMobileAgents, forms_cmd_agents, NULL, ITERATE,
         "User-Agent parts that get the small-screen pages, or none"),
    DIR(FormBasicFallback, forms_cmd_basic_fallback, FLAG,
        "On: clients of AuthGWFormBasicAgents get 401 Basic, not the form"),
    MAIN(FormBasicAgents, forms_cmd_agents, (void *)1, ITERATE,
         "User-Agent parts of the clients that get Basic, or none"),
    DIR(PasswordExpiryWarn, forms_cmd_expiry_warn, TAKE1,
        "days before a password expires from which the logon shows a"
        " warning (0: never)"),
    DIR(PasswordChange, forms_cmd_password_change, FLAG,
        "On: users change their password at /.authgw/password"),
    DIR(CertificateMap, forms_cmd_cert_map, TAKE1,
        "upn (default), email, subject or ldap: how a client certificate"
        " names its user"),
    DIR(CertificateIssuer, forms_cmd_cert_issuer, TAKE1,
        "a DN (RFC 4514) of an issuer whose certificates count; repeatable"),
    DIR(CertificateEKU, forms_cmd_cert_eku, ITERATE,
        "extended key usages (clientAuth, smartcardLogon or OIDs) of which"
        " a certificate must have one"),
    DIR(CertificatePolicy, forms_cmd_cert_policy, ITERATE,
        "policy OIDs of which a certificate must have one"),
    DIR(FormRequireCertificate, forms_cmd_cert_required, FLAG,
        "On: the form logon also needs the user's client certificate"),
    SRV(SessionIdle, forms_cmd_seconds, NULL, TAKE1,
        "seconds without a request before a session ends (default 1800;"
        " 0: never)"),
    SRV(SessionLifetime, forms_cmd_seconds, (void *)1, TAKE1,
        "seconds after logon when a session ends (default 28800)"),
    SRV(SessionBindIP, forms_cmd_bind_ip, NULL, FLAG,
        "On: a session is valid only from the client address that logged"
        " on"),
    SRV(SSODomain, forms_cmd_sso_domain, NULL, TAKE1,
        "domain the session cookie is valid for, e.g. .example.com"),
    SRV(CookieName, forms_cmd_cookie_name, NULL, TAKE1,
        "name of the session cookie (default AuthGWSession)"),
    { NULL }
};

AP_DECLARE_MODULE(authgw_forms) = {
    STANDARD20_MODULE_STUFF,
    forms_create_dir,
    forms_merge_dir,
    forms_create_srv,
    forms_merge_srv,
    forms_cmds,
    forms_register_hooks,
    AP_MODULE_FLAG_NONE
};
