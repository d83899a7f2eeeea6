/* mod_authgw_radius: the authn provider "radius" (RFC 2865 PAP with
 * Message-Authenticator, fail-over, one-time passcodes, challenges).  Module
 * record, directive table and hook registration only. */
#include "radius.h"

#include <ap_provider.h>
#include <http_request.h>
#include <http_log.h>

#include "agw_logno.h"

agw_core_api radius_core;

static int radius_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    return agw_core_api_attach(&radius_core, s, "mod_authgw_radius");
}

static void radius_register_hooks(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, "radius",
                              AUTHN_PROVIDER_VERSION, &radius_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_post_config(radius_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    APR_REGISTER_OPTIONAL_FN(authgw_radius_otp);
}

#define DIR(name, fn, how, help) \
    AP_INIT_##how("AuthGW" #name, fn, NULL, OR_AUTHCFG | RSRC_CONF, help)

static const command_rec radius_cmds[] = {
    DIR(RadiusServer, radius_cmd_server, TAKE_ARGV,
        "host[:port] secret-file [timeout-seconds] [retries]; repeat for"
        " fail-over, in order"),
    DIR(RadiusOTP, radius_cmd_otp, FLAG,
        "On: passwords are one-time passcodes, never sent twice"),
    DIR(RadiusNASIdentifier, radius_cmd_nas_id, TAKE1,
        "NAS-Identifier sent to the server (default: ServerName)"),
    DIR(RadiusDeadTime, radius_cmd_dead_time, TAKE1,
        "seconds a server that did not answer is tried last (default 30)"),
    { NULL }
};

AP_DECLARE_MODULE(authgw_radius) = {
    STANDARD20_MODULE_STUFF,
    radius_create_dir,
    radius_merge_dir,
    NULL,
    NULL,
    radius_cmds,
    radius_register_hooks,
    AP_MODULE_FLAG_NONE
};
