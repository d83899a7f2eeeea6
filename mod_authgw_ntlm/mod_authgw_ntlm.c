/* mod_authgw_ntlm: AuthType NTLM, Negotiate and Integrated (401 on an origin
 * or reverse proxy, 407 on a forward proxy).  Module record, directive table
 * and hook registration only. */
#include "ntlm.h"

#include <http_request.h>
#include <http_log.h>

#include "agw_logno.h"

agw_core_api ntlm_core;
APR_OPTIONAL_FN_TYPE(authgw_session_issue) *ntlm_session_issue;
APR_OPTIONAL_FN_TYPE(authgw_session_user) *ntlm_session_user;
APR_OPTIONAL_FN_TYPE(authgw_session_cookie_name) *ntlm_session_cookie_name;

static void ntlm_optional_fns(void)
{
    ntlm_session_issue = APR_RETRIEVE_OPTIONAL_FN(authgw_session_issue);
    ntlm_session_user = APR_RETRIEVE_OPTIONAL_FN(authgw_session_user);
    ntlm_session_cookie_name = APR_RETRIEVE_OPTIONAL_FN(authgw_session_cookie_name);
}

static int ntlm_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    return agw_core_api_attach(&ntlm_core, s, "mod_authgw_ntlm");
}

static void ntlm_child_init(apr_pool_t *p, server_rec *s)
{
    (void)s;
    ntlm_gss_child_init(p);
    ntlm_validate_child_init(p);
}

static void ntlm_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_post_config(ntlm_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(ntlm_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_authn(ntlm_check_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_fixups(ntlm_fixups, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_optional_fn_retrieve(ntlm_optional_fns, NULL, NULL,
                                 APR_HOOK_MIDDLE);
}

#define DIR(name, fn, how, help) \
    AP_INIT_##how("AuthGW" #name, fn, NULL, OR_AUTHCFG, help)

static const command_rec ntlm_cmds[] = {
    DIR(NTLMValidator, ntlm_cmd_validator, TAKE1,
        "who checks NTLM responses: winbind or file:/path (NT-hash file)"),
    DIR(NTLMAllowV1, ntlm_cmd_allow_v1, FLAG,
        "On: accept NTLMv1 and NTLM2 session responses (default Off)"),
    DIR(NTLMDomain, ntlm_cmd_domain, TAKE12,
        "NetBIOS [DNS] domain names announced in the NTLM challenge"),
    DIR(NTLMSessionCookie, ntlm_cmd_session_cookie, FLAG,
        "On: issue the SSO session cookie after a logon and accept it"
        " instead of a handshake (needs mod_authgw_forms; default Off)"),
    DIR(NTLMBasicFallback, ntlm_cmd_basic_fallback, FLAG,
        "On: also offer and accept Basic under AuthType NTLM and Integrated"
        " (default Off)"),
    AP_INIT_ITERATE("AuthGWNTLMBasicProvider", ntlm_cmd_basic_provider, NULL,
                    OR_AUTHCFG, "authn providers that check Basic"
                    " credentials, in order (default: file)"),
    { NULL }
};

AP_DECLARE_MODULE(authgw_ntlm) = {
    STANDARD20_MODULE_STUFF,
    ntlm_create_dir,
    ntlm_merge_dir,
    NULL,
    NULL,
    ntlm_cmds,
    ntlm_register_hooks,
    AP_MODULE_FLAG_NONE
};
