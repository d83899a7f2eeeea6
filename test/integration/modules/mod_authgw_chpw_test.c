/* Test-only module: drives the password-change contract of authgw.h until
 * mod_authgw_forms serves /.authgw/password.  A POST of
 * "provider\nuser\npassword\nnew_password" to a location with
 * "SetHandler authgw-chpw-test" puts the new password in r->pool's user data
 * under AUTHGW_NOTE_NEW_PASSWORD, calls the named authn provider, and
 * answers "<result> changed=<note> refused=<note> account=<note>".
 * Built by the test with apxs; never installed. */
#include <string.h>

#include <apr_strings.h>
#include <ap_provider.h>
#include <httpd.h>
#include <http_config.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mod_auth.h>

#include "authgw.h"

static const char *note(request_rec *r, const char *key)
{
    const char *v = apr_table_get(r->notes, key);
    return v ? v : "-";
}

static int chpw_handler(request_rec *r)
{
    char body[1024], *f[4], *last;
    const authn_provider *p;
    apr_size_t n = 0;
    long got;
    authn_status res;
    int i;

    if (!r->handler || strcmp(r->handler, "authgw-chpw-test"))
        return DECLINED;
    if (ap_setup_client_block(r, REQUEST_CHUNKED_ERROR) != OK)
        return HTTP_BAD_REQUEST;
    while (n < sizeof body - 1
           && (got = ap_get_client_block(r, body + n, sizeof body - 1 - n)) > 0)
        n += (apr_size_t)got;
    body[n] = '\0';
    f[0] = apr_strtok(body, "\n", &last);
    for (i = 1; i < 4; i++)
        f[i] = apr_strtok(NULL, "\n", &last);
    if (!f[3])
        return HTTP_BAD_REQUEST;
    p = ap_lookup_provider(AUTHN_PROVIDER_GROUP, f[0], AUTHN_PROVIDER_VERSION);
    if (!p)
        return HTTP_NOT_FOUND;
    apr_pool_userdata_setn(apr_pstrdup(r->pool, f[3]),
                           AUTHGW_NOTE_NEW_PASSWORD, NULL, r->pool);
    apr_table_setn(r->notes, AUTHN_PROVIDER_NAME_NOTE, f[0]);
    res = p->check_password(r, f[1], f[2]);
    ap_set_content_type(r, "text/plain");
    ap_rprintf(r, "%s changed=%s refused=%s account=%s\n",
               res == AUTH_GRANTED ? "granted"
               : res == AUTH_DENIED ? "denied"
               : res == AUTH_USER_NOT_FOUND ? "not-found" : "error",
               note(r, AUTHGW_NOTE_PASSWORD_CHANGED),
               note(r, AUTHGW_NOTE_PASSWORD_REFUSED),
               note(r, AUTHGW_NOTE_ACCOUNT));
    return OK;
}

static void register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_handler(chpw_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(authgw_chpw_test) = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, NULL, register_hooks,
    AP_MODULE_FLAG_NONE
};
