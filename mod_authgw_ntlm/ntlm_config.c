#include "ntlm.h"

#include <string.h>
#include <strings.h>

#include <apr_strings.h>
#include <http_log.h>
#include <mod_auth.h>
#include "agw_domain.h"
#include "agw_httpd.h"

void *ntlm_create_dir(apr_pool_t *p, char *dir)
{
    ntlm_dir *c = apr_pcalloc(p, sizeof *c);
    (void)dir;
    return c;
}

#define MERGE(field) \
    c->field = add->field##_set ? add->field : base->field; \
    c->field##_set = add->field##_set | base->field##_set

void *ntlm_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    ntlm_dir *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof *c);
    MERGE(validator);
    MERGE(hash_file);
    MERGE(allow_v1);
    MERGE(nb_domain);
    MERGE(dns_domain);
    MERGE(session_cookie);
    MERGE(basic_fallback);
    MERGE(basic_providers);
    return c;
}

ntlm_dir *ntlm_dir_of(const request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &authgw_ntlm_module);
}

const char *ntlm_cmd_validator(cmd_parms *cmd, void *dc, const char *arg)
{
    ntlm_dir *c = dc;

    if (!strcasecmp(arg, "winbind")) {
        c->validator = NTLM_VALIDATOR_WINBIND;
        c->hash_file = NULL;
    }
    else if (!strncasecmp(arg, "file:", 5) && arg[5]) {
        c->validator = NTLM_VALIDATOR_FILE;
        c->hash_file = ap_server_root_relative(cmd->pool, arg + 5);
        if (!c->hash_file)
            return apr_psprintf(cmd->pool, "AuthGWNTLMValidator: bad path"
                                " '%s'", arg + 5);
    }
    else
        return apr_psprintf(cmd->pool, "AuthGWNTLMValidator: '%s' is not"
                            " 'winbind' or 'file:/path/to/nthash-file'", arg);
    c->validator_set = 1;
    c->hash_file_set = 1;
    return NULL;
}

const char *ntlm_cmd_allow_v1(cmd_parms *cmd, void *dc, int on)
{
    ntlm_dir *c = dc;
    (void)cmd;
    c->allow_v1 = on;
    c->allow_v1_set = 1;
    return NULL;
}

const char *ntlm_cmd_domain(cmd_parms *cmd, void *dc, const char *nb,
                            const char *dns)
{
    ntlm_dir *c = dc;
    (void)cmd;
    if (!agw_domain_name_ok(nb, 15, 0))
        return "AuthGWNTLMDomain: the NetBIOS domain name takes 1-15 letters,"
               " digits, '-' or '_' (e.g. EXAMPLE)";
    if (dns && !agw_domain_name_ok(dns, 255, 1))
        return "AuthGWNTLMDomain: the DNS domain name takes letters, digits,"
               " '-', '_' and '.' (e.g. example.com)";
    c->nb_domain = apr_pstrdup(cmd->pool, nb);
    ap_str_toupper((char *)c->nb_domain);
    c->nb_domain_set = 1;
    c->dns_domain = dns;
    c->dns_domain_set = 1;
    return NULL;
}

const char *ntlm_cmd_session_cookie(cmd_parms *cmd, void *dc, int on)
{
    ntlm_dir *c = dc;
    (void)cmd;
    /* mod_authgw_forms registers its functions when it is loaded, before
     * any <Location> is read: refuse here, so that httpd -t says it too. */
    if (on && !APR_RETRIEVE_OPTIONAL_FN(authgw_session_issue))
        return "AuthGWNTLMSessionCookie On needs mod_authgw_forms (the owner"
               " of the SSO session): add 'LoadModule authgw_forms_module"
               " .../mod_authgw_forms.so' before this directive (a2enmod"
               " authgw_forms), or set AuthGWNTLMSessionCookie Off";
    c->session_cookie = on;
    c->session_cookie_set = 1;
    return NULL;
}

const char *ntlm_cmd_basic_fallback(cmd_parms *cmd, void *dc, int on)
{
    ntlm_dir *c = dc;
    (void)cmd;
    c->basic_fallback = on;
    c->basic_fallback_set = 1;
    return NULL;
}

const char *ntlm_cmd_basic_provider(cmd_parms *cmd, void *dc, const char *arg)
{
    ntlm_dir *c = dc;
    c->basic_providers_set = 1;
    return agw_provider_add(cmd, &c->basic_providers, arg);
}
