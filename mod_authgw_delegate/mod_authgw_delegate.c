/* mod_authgw_delegate: delegation to published servers (AuthGWDelegate
 * none, passthrough, basic, ntlm, negotiate, kcd, securid;
 * AuthGWDelegateHeader, AuthGWDelegateSPN, AuthGWDelegateSecurIDCookie).
 * Module record, directive table and hook registration only; see
 * docs/delegation.md. */
#include "delegate.h"

#include <http_core.h>
#include <http_log.h>
#include <http_request.h>
#include <util_filter.h>

#include "agw_logno.h"

agw_core_api deleg_core;
deleg_fns deleg_fn;

void deleg_fns_get(void)
{
    deleg_fn.credentials = APR_RETRIEVE_OPTIONAL_FN(authgw_session_credentials);
    deleg_fn.end_session = APR_RETRIEVE_OPTIONAL_FN(authgw_session_end_current);
    deleg_fn.cookie_name = APR_RETRIEVE_OPTIONAL_FN(authgw_session_cookie_name);
    deleg_fn.form_type = APR_RETRIEVE_OPTIONAL_FN(authgw_form_type);
    deleg_fn.radius_otp = APR_RETRIEVE_OPTIONAL_FN(authgw_radius_otp);
    deleg_fn.auth_type = APR_RETRIEVE_OPTIONAL_FN(authn_ap_auth_type);
}

static int deleg_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    return agw_core_api_attach(&deleg_core, s, "mod_authgw_delegate");
}

static void deleg_register_hooks(apr_pool_t *p)
{
    (void)p;
    /* check_config runs at httpd -t too, unlike post_config. */
    ap_hook_check_config(deleg_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(deleg_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* Before the receipt modules strip the client's Authorization (their
     * fixups run FIRST) ... */
    ap_hook_fixups(deleg_fixups_early, NULL, NULL, APR_HOOK_REALLY_FIRST);
    /* ... and after them and mod_rewrite's [P], before mod_headers. */
    ap_hook_fixups(deleg_fixups, NULL, NULL, APR_HOOK_MIDDLE);
    ap_register_output_filter(DELEG_FILTER, deleg_out_filter, NULL,
                              AP_FTYPE_CONTENT_SET);
    deleg_kcd_register_hooks(p);
    deleg_ntlm_register_hooks(p);
}

#define DIR(name, fn, help) \
    AP_INIT_TAKE1("AuthGW" #name, fn, NULL, ACCESS_CONF, help)

static const command_rec deleg_cmds[] = {
    DIR(Delegate, deleg_cmd_method,
        "how the user's credentials reach the published server: none"
        " (default), passthrough, basic, ntlm, negotiate, kcd, securid"),
    DIR(DelegateSPN, deleg_cmd_spn,
        "the published server's service principal for AuthGWDelegate kcd"
        " and negotiate"
        " (default HTTP/*: '*' is the host of the proxied URL)"),
    DIR(DelegateHeader, deleg_cmd_header,
        "request header that tells the published server the authenticated"
        " user (a client-sent copy is always removed), or Off"),
    AP_INIT_RAW_ARGS("AuthGWDelegateSecurIDCookie", deleg_cmd_securid_cookie,
                     NULL, ACCESS_CONF,
                     "the cookies of the client's RSA SecurID agent that"
                     " AuthGWDelegate securid passes on, and every other"
                     " method but passthrough strips (default rsa-local"
                     " webid2_dom)"),
    { NULL }
};

AP_DECLARE_MODULE(authgw_delegate) = {
    STANDARD20_MODULE_STUFF,
    deleg_create_dir,
    deleg_merge_dir,
    NULL,
    NULL,
    deleg_cmds,
    deleg_register_hooks,
    AP_MODULE_FLAG_NONE
};
