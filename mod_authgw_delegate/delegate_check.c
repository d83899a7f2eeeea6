/* Receipt and delegation that cannot work together (TMG's table) are
 * refused when the configuration is read: at httpd -t and at every start.
 *
 * Why here and not in the directive: AuthGWDelegate and the receipt
 * (AuthType, AuthGWFormType, AuthGWRadiusOTP) may sit in different sections
 * and in any order — <Location /> says AuthType, <Location /app> says
 * AuthGWDelegate — so only the merged configuration knows the pair.  The
 * check_config hook runs once everything is read, at httpd -t as well
 * (post_config does not).  For each <Location> path and each <Proxy>
 * section it merges the configurations httpd would merge for a request to
 * that path (the virtual host's defaults, then every matching section in
 * file order) and asks the modules what that merged configuration does.
 * Sections that a path cannot stand for (<LocationMatch>, wildcards, <If>)
 * and <Proxy> sections whose receipt comes from a <Location> are left to
 * the request-time warning AGW50004. */
#include "delegate.h"

#include <string.h>

#include <apr_fnmatch.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <mod_proxy.h>

#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_delegate);

/* What a receipt gives the gateway to delegate. */
typedef struct {
    const char *what;   /* "AuthType NTLM", for the message */
    int none;           /* no AuthType: nobody is authenticated */
    int password;       /* a password that can be sent on */
    int passcode;       /* a one-time passcode (SecurID, via RADIUS) */
} receipt;

static void receipt_of(request_rec *r, receipt *rc)
{
    const char *t = deleg_fn.auth_type ? deleg_fn.auth_type(r) : NULL;
    int otp = deleg_fn.radius_otp && deleg_fn.radius_otp(r);
    const char *ft = deleg_fn.form_type ? deleg_fn.form_type(r) : "password";

    memset(rc, 0, sizeof *rc);
    if (!t) {
        rc->what = "no AuthType";
        rc->none = 1;
        return;
    }
    rc->what = apr_pstrcat(r->pool, "AuthType ", t, NULL);
    if (!strcasecmp(t, "GatewayForm"))
        rc->what = apr_pstrcat(r->pool, rc->what, " with AuthGWFormType ", ft,
                               NULL);
    if (otp)
        rc->what = apr_pstrcat(r->pool, rc->what, " and AuthGWRadiusOTP On",
                               NULL);
    /* The passcode/password form collects the password apart from the
     * passcode; elsewhere a one-time passcode is no password. */
    if (!strcasecmp(t, "Basic")) {
        rc->password = !otp;
        rc->passcode = otp;
    }
    else if (!strcasecmp(t, "GatewayForm")) {
        rc->password = !strcmp(ft, "passcode-password")
            || (!strcmp(ft, "password") && !otp);
        rc->passcode = otp || strcmp(ft, "password");
    }
}

/* TMG pairs RSA SecurID delegation with a SecurID receipt only: the
 * published server's agent trusts users who gave a passcode, and a
 * gateway that let them in with something else would pass them on. */
static const char *securid_refusal(request_rec *r, const deleg_dir *d,
                                   const receipt *rc)
{
    if (rc->passcode)
        return NULL;
    return apr_psprintf(r->pool, "AuthGWDelegate securid (%s) cannot work"
                        " with %s: SecurID delegation follows a SecurID"
                        " passcode logon (AuthGWFormType passcode or"
                        " passcode-password, or AuthGWRadiusOTP On), and this"
                        " receipt takes none.  Use AuthGWDelegate kcd"
                        " (Kerberos constrained delegation, any receipt),"
                        " passthrough (the server's agent asks the client),"
                        " or receive a passcode", d->where, rc->what);
}

/* NULL when the merged configuration of r can work, else why not. */
static const char *refusal(request_rec *r, int explicit_here)
{
    const deleg_dir *d = deleg_dir_of(r);
    const deleg_method *m = &deleg_methods[d->method];
    receipt rc;

    if (d->method == DELEG_KCD)
        return deleg_kcd_refusal(r, explicit_here);
    if (!m->needs_password && d->method != DELEG_SECURID)
        return NULL;
    receipt_of(r, &rc);
    if (rc.none && !explicit_here)
        return NULL;
    if (d->method == DELEG_SECURID && !rc.none)
        return securid_refusal(r, d, &rc);
    if (rc.password)
        return NULL;
    if (rc.none)
        return apr_psprintf(r->pool, "AuthGWDelegate %s in %s has no"
                            " receipt: no AuthType applies there, so nobody"
                            " is authenticated and there is nothing to"
                            " delegate; set AuthType Basic or GatewayForm"
                            " there, or AuthGWDelegate none", m->name,
                            d->where);
    return apr_psprintf(r->pool, "AuthGWDelegate %s (%s) cannot work with %s:"
                        " the gateway never learns a password it could send"
                        " on.  Use AuthGWDelegate kcd (Kerberos constrained"
                        " delegation, which needs no password), passthrough"
                        " or none; or receive"
                        " credentials with AuthType Basic or a password form",
                        m->name, d->where, rc.what);
}

static int location_matches(const core_dir_config *e, const char *path)
{
    size_t n;
    if (!e->d)
        return 0;
    n = strlen(e->d);
    if (e->r)
        return !ap_regexec(e->r, path, 0, NULL, 0);
    if (e->d_is_fnmatch)
        return apr_fnmatch(e->d, path, APR_FNM_PATHNAME) == APR_SUCCESS;
    /* as <Location /app> matches /app, /app/ and /app/x, not /apple */
    return !strncmp(e->d, path, n)
        && (n == 0 || e->d[n - 1] == '/' || path[n] == '/' || !path[n]);
}

static int proxy_matches(const proxy_dir_conf *e, const char *url)
{
    if (!e->p)
        return 0;
    if (e->r)
        return !ap_regexec(e->r, url, 0, NULL, 0);
    if (e->p_is_fnmatch)
        return apr_fnmatch(e->p, url, 0) == APR_SUCCESS;
    return !strncmp(url, e->p, strlen(e->p));
}

typedef struct {
    apr_pool_t *p;
    server_rec *s;
    apr_hash_t *said;  /* messages already logged */
    int failed;
} walk;

/* Checks the configuration a request to path would get: the server's
 * defaults, then every section of secs that matches, in order. */
static void probe(walk *w, apr_array_header_t *secs, const char *path,
                  ap_conf_vector_t *own, module *proxy)
{
    ap_conf_vector_t **v = (ap_conf_vector_t **)secs->elts;
    request_rec *r = apr_pcalloc(w->p, sizeof *r);
    const deleg_dir *mine = ap_get_module_config(own, &authgw_delegate_module);
    const char *why;
    int i;

    r->pool = w->p;
    r->server = w->s;
    r->per_dir_config = w->s->lookup_defaults;
    for (i = 0; i < secs->nelts; i++) {
        int hit = proxy
            ? proxy_matches(ap_get_module_config(v[i], proxy), path)
            : location_matches(ap_get_core_module_config(v[i]), path);
        if (hit)
            r->per_dir_config = ap_merge_per_dir_configs(w->p,
                                                        r->per_dir_config, v[i]);
    }
    /* A <Proxy> section's receipt may come from a <Location>: unknown. */
    if (proxy && !(deleg_fn.auth_type && deleg_fn.auth_type(r)))
        return;
    why = refusal(r, mine && mine->method_set);
    if (!why || apr_hash_get(w->said, why, APR_HASH_KEY_STRING))
        return;
    apr_hash_set(w->said, why, APR_HASH_KEY_STRING, why);
    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_ERR, 0, NULL,
                 AGWNO(50008) "%s (for %s)", why, path);
    w->failed = 1;
}

int deleg_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                       server_rec *s)
{
    module *proxy = ap_find_linked_module("mod_proxy.c");
    walk w = { ptemp, NULL, apr_hash_make(ptemp), 0 };
    int i;

    (void)pconf;
    (void)plog;
    deleg_fns_get();
    for (; s; s = s->next) {
        core_server_config *cs = ap_get_core_module_config(s->module_config);
        ap_conf_vector_t **v = (ap_conf_vector_t **)cs->sec_url->elts;
        w.s = s;
        for (i = 0; i < cs->sec_url->nelts; i++) {
            core_dir_config *e = ap_get_core_module_config(v[i]);
            if (!e->r && !e->d_is_fnmatch && e->d)
                probe(&w, cs->sec_url, e->d, v[i], NULL);
        }
        if (proxy) {
            proxy_server_conf *ps = ap_get_module_config(s->module_config, proxy);
            v = (ap_conf_vector_t **)ps->sec_proxy->elts;
            for (i = 0; i < ps->sec_proxy->nelts; i++) {
                proxy_dir_conf *e = ap_get_module_config(v[i], proxy);
                if (!e->r && !e->p_is_fnmatch && e->p)
                    probe(&w, ps->sec_proxy, e->p, v[i], proxy);
            }
        }
    }
    return w.failed ? HTTP_INTERNAL_SERVER_ERROR : OK;
}
