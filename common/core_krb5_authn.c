/* The authn provider "authgw-kerberos": a password checked by an AS-REQ to
 * the KDC, and the ticket then verified with the gateway's keytab, so that
 * a KDC that is not the domain's (which would say yes to any password)
 * cannot log anyone on.  Password change through kpasswd (RFC 3244).
 *
 * Each check has a krb5 context of its own: contexts must not be shared
 * between threads, and one per check costs a read of krb5.conf (KDC,
 * default realm), far below the round trips to the KDC. */
#include "core.h"

#include <string.h>

#include <apr_strings.h>
#include <http_log.h>

#include "agw_httpd.h"
#include "agw_kerb.h"

APLOG_USE_MODULE(authgw_core);

#define CHANGEPW_SERVICE "kadmin/changepw"
#define KRB_ERROR_TAG 0x7e /* [APPLICATION 30] */

/* One check of one user. */
typedef struct {
    request_rec *r;
    const core_krb5_dir *d;
    krb5_context k;
    krb5_principal client;
    const char *user;       /* as typed, for the log */
    /* What the KDC said, from the receive hook. */
    int preauth_asked;      /* a reply asked for pre-authentication */
    int checked;            /* the last error came after that: the KDC
                             * had the proof of the password in hand */
    unsigned char *edata;   /* e-data of the last error */
    size_t edata_len;
    apr_uint32_t pw_expires; /* from the expire callback; 0 unknown */
} kcheck;

/* Every reply of the KDC passes here: errors are remembered with their
 * e-data, and whether pre-authentication had been asked for before. */
static krb5_error_code KRB5_CALLCONV recv_hook(krb5_context k, void *data,
                                               krb5_error_code code,
                                               const krb5_data *realm,
                                               const krb5_data *message,
                                               const krb5_data *reply,
                                               krb5_data **new_reply)
{
    kcheck *c = data;
    krb5_error *err = NULL;
    (void)realm;
    (void)message;
    (void)new_reply;
    if (code || !reply || reply->length < 1
        || (unsigned char)reply->data[0] != KRB_ERROR_TAG
        || krb5_rd_error(k, reply, &err))
        return code;
    if ((krb5_error_code)err->error + ERROR_TABLE_BASE_krb5
        == KRB5KDC_ERR_PREAUTH_REQUIRED)
        c->preauth_asked = 1;
    else {
        c->checked = c->preauth_asked;
        c->edata_len = err->e_data.length;
        c->edata = apr_pmemdup(c->r->pool, err->e_data.data, c->edata_len);
    }
    krb5_free_error(k, err);
    return code;
}

static void KRB5_CALLCONV expire_cb(krb5_context k, void *data,
                                    krb5_timestamp password_expiration,
                                    krb5_timestamp account_expiration,
                                    krb5_boolean is_last_req)
{
    kcheck *c = data;
    (void)k;
    (void)account_expiration;
    (void)is_last_req;
    c->pw_expires = (apr_uint32_t)password_expiration;
}

/* Initial credentials for c->client with password: a TGT, or with service
 * a ticket for that service (kadmin/changepw). */
static krb5_error_code get_creds(kcheck *c, const char *password,
                                 const char *service, krb5_creds *creds)
{
    krb5_get_init_creds_opt *o = NULL;
    krb5_init_creds_context icc = NULL;
    krb5_error_code e;

    c->preauth_asked = c->checked = 0;
    c->edata = NULL;
    c->edata_len = 0;
    c->pw_expires = 0;
    if ((e = krb5_get_init_creds_opt_alloc(c->k, &o)))
        return e;
    /* The ticket is only looked at, never kept. */
    krb5_get_init_creds_opt_set_tkt_life(o, 300);
    krb5_get_init_creds_opt_set_renew_life(o, 0);
    krb5_get_init_creds_opt_set_forwardable(o, 0);
    krb5_get_init_creds_opt_set_proxiable(o, 0);
    krb5_get_init_creds_opt_set_expire_callback(c->k, o, expire_cb, c);
    if (!(e = krb5_init_creds_init(c->k, c->client, NULL, NULL, 0, o, &icc))
        && !(e = service ? krb5_init_creds_set_service(c->k, icc, service) : 0)
        && !(e = krb5_init_creds_set_password(c->k, icc, password))
        && !(e = krb5_init_creds_get(c->k, icc)))
        e = krb5_init_creds_get_creds(c->k, icc, creds);
    if (icc)
        krb5_init_creds_free(c->k, icc);
    krb5_get_init_creds_opt_free(c->k, o);
    return e;
}

/* The principal whose key checks the KDC: AuthGWKerberosPrincipal, or the
 * keytab's first entry. */
static krb5_error_code service_principal(kcheck *c, krb5_keytab kt,
                                         krb5_principal *out)
{
    krb5_kt_cursor cur;
    krb5_keytab_entry ent;
    krb5_error_code e;

    if (c->d->principal)
        return krb5_parse_name(c->k, c->d->principal, out);
    if ((e = krb5_kt_start_seq_get(c->k, kt, &cur)))
        return e;
    e = krb5_kt_next_entry(c->k, kt, &ent, &cur);
    krb5_kt_end_seq_get(c->k, kt, &cur);
    if (e)
        return e;
    e = krb5_copy_principal(c->k, ent.principal, out);
    krb5_free_keytab_entry_contents(c->k, &ent);
    return e;
}

/* The TGT must yield a ticket for our own service that our key opens: only
 * the real KDC knows that key. */
static krb5_error_code verify(kcheck *c, krb5_creds *creds, const char **svc)
{
    krb5_keytab kt = NULL;
    krb5_principal server = NULL;
    krb5_verify_init_creds_opt vo;
    krb5_error_code e;
    char *name = NULL;

    *svc = c->d->principal ? c->d->principal : "(the keytab's first entry)";
    if ((e = krb5_kt_resolve(c->k, apr_pstrcat(c->r->pool, "FILE:",
                                               c->d->keytab, NULL), &kt))
        || (e = service_principal(c, kt, &server)))
        goto done;
    if (!krb5_unparse_name(c->k, server, &name)) {
        *svc = apr_pstrdup(c->r->pool, name);
        krb5_free_unparsed_name(c->k, name);
    }
    krb5_verify_init_creds_opt_init(&vo);
    /* Without this, a keytab that lacks the key lets anything pass. */
    krb5_verify_init_creds_opt_set_ap_req_nofail(&vo, 1);
    e = krb5_verify_init_creds(c->k, creds, server, kt, NULL, &vo);
done:
    if (server)
        krb5_free_principal(c->k, server);
    if (kt)
        krb5_kt_close(c->k, kt);
    return e;
}

static void stat_add(agw_counter what)
{
    authgw_stat_add(AGW_M_KERBEROS, what, 1);
}

/* What a failed AS exchange means for the logon. */
static authn_status refused(kcheck *c, krb5_error_code e, const char *what)
{
    request_rec *r = c->r;
    const char *u = agw_log_item(r->pool, c->user), *state = NULL;
    uint32_t st;

    switch (e) {
    case KRB5KDC_ERR_PREAUTH_FAILED:
    case KRB5KRB_AP_ERR_BAD_INTEGRITY:
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(10065)
                 "%s of user '%s' from %s: wrong password", what, u,
                 r->useragent_ip);
        stat_add(AGW_C_FAILURES);
        return AUTH_DENIED;
    case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(10066)
                 "%s of user '%s' from %s: the KDC knows no such user", what,
                 u, r->useragent_ip);
        stat_add(AGW_C_FAILURES);
        return AUTH_USER_NOT_FOUND;
    case KRB5KDC_ERR_KEY_EXP:
    case KRB5KDC_ERR_CLIENT_REVOKED:
    case KRB5KDC_ERR_NAME_EXP:
    case KRB5KDC_ERR_POLICY:
        /* Told to the user only when the KDC had checked the password
         * (the error answered a pre-authenticated request), so that a
         * stranger learns nothing about the account. */
        if (c->checked) {
            if (c->edata && agw_kerb_edata_status(c->edata, c->edata_len,
                                                  &st) == 0)
                state = agw_kerb_account_state(st);
            else if (e == KRB5KDC_ERR_KEY_EXP)
                state = "password-expired";
        }
        if (state)
            apr_table_setn(r->notes, AUTHGW_NOTE_ACCOUNT, state);
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(10067)
                 "%s of user '%s' from %s refused by the KDC: %s%s%s", what, u,
                 r->useragent_ip, core_krb5_error(r->pool, c->k, e),
                 state ? "; account " : "", state ? state : "");
        stat_add(AGW_C_FAILURES);
        return AUTH_DENIED;
    default:
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(10068)
                 "%s of user '%s' could not be checked: %s; check that the"
                 " KDC of krb5.conf (KRB5_CONFIG in httpd's environment) is"
                 " reachable and the clocks agree", what, u,
                 core_krb5_error(r->pool, c->k, e));
        stat_add(AGW_C_ERRORS);
        return AUTH_GENERAL_ERROR;
    }
}

/* A logon: AS exchange, then the keytab check. */
static authn_status logon(kcheck *c, const char *password)
{
    request_rec *r = c->r;
    krb5_creds creds;
    krb5_error_code e;
    const char *svc;

    memset(&creds, 0, sizeof creds);
    if ((e = get_creds(c, password, NULL, &creds)))
        return refused(c, e, "logon");
    e = verify(c, &creds, &svc);
    krb5_free_cred_contents(c->k, &creds);
    if (e) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(10069)
                 "logon of user '%s' refused: the KDC's answer could not be"
                 " verified with the key of %s in AuthGWKeytab %s: %s.  Either"
                 " the keytab is stale (export it again after a password"
                 " change of the service account) or the KDC is not the"
                 " domain's", agw_log_item(r->pool, c->user), svc,
                 c->d->keytab, core_krb5_error(r->pool, c->k, e));
        stat_add(AGW_C_ERRORS);
        return AUTH_GENERAL_ERROR;
    }
    if (c->pw_expires)
        apr_table_setn(r->notes, AUTHGW_NOTE_PASSWORD_EXPIRES,
                       apr_psprintf(r->pool, "%u", (unsigned)c->pw_expires));
    agw_rlog(APLOG_MARK, APLOG_DEBUG, 0, r, AGWNO(10070)
             "the KDC accepted user '%s' (verified with %s)",
             agw_log_item(r->pool, c->user), svc);
    stat_add(AGW_C_SUCCESSES);
    return AUTH_GRANTED;
}

/* kpasswd as the user (RFC 3244): a kadmin/changepw ticket from the current
 * password, which the KDC issues even when the password has expired, then
 * the change, then a logon with the new password: the change server's word
 * is not verified by our keytab, the logon is. */
static authn_status change_password(kcheck *c, const char *password,
                                    const char *newpw)
{
    request_rec *r = c->r;
    const char *u = agw_log_item(r->pool, c->user), *reason;
    krb5_creds creds;
    krb5_data rcs = { 0 }, rs = { 0 };
    krb5_error_code e;
    int rc = -1;

    memset(&creds, 0, sizeof creds);
    if ((e = get_creds(c, password, CHANGEPW_SERVICE, &creds)))
        return refused(c, e, "password change");
    e = krb5_change_password(c->k, &creds, newpw, &rc, &rcs, &rs);
    krb5_free_cred_contents(c->k, &creds);
    reason = e ? NULL : agw_kerb_kpasswd_reason(rc, (unsigned char *)rs.data,
                                                rs.length);
    if (!e && rc == AGW_KPASSWD_SUCCESS) {
        apr_table_setn(r->notes, AUTHGW_NOTE_PASSWORD_CHANGED, "1");
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(10071)
                 "user '%s' from %s changed the password", u, r->useragent_ip);
    }
    else if (reason) {
        apr_table_setn(r->notes, AUTHGW_NOTE_PASSWORD_REFUSED, reason);
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(10072)
                 "the KDC refused the new password of user '%s' (%s): %s", u,
                 reason, agw_log_item(r->pool, apr_pstrmemdup(r->pool, rs.data,
                                                              rs.length)));
        stat_add(AGW_C_FAILURES);
    }
    else {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(10073)
                 "password change of user '%s' failed: %s; check the"
                 " kpasswd_server of krb5.conf (port 464)", u,
                 e ? core_krb5_error(r->pool, c->k, e)
                   : apr_psprintf(r->pool, "kpasswd result %d (%s)", rc,
                                  agw_log_item(r->pool, apr_pstrmemdup(
                                      r->pool, rcs.data, rcs.length))));
        stat_add(AGW_C_ERRORS);
    }
    krb5_free_data_contents(c->k, &rcs);
    krb5_free_data_contents(c->k, &rs);
    if (e || rc != AGW_KPASSWD_SUCCESS)
        return reason ? AUTH_DENIED : AUTH_GENERAL_ERROR;
    return logon(c, newpw);
}

/* The realm of the users: AuthGWKerberosRealm or krb5.conf's default. */
static const char *user_realm(kcheck *c)
{
    char *def = NULL, *out;
    if (c->d->realm)
        return c->d->realm;
    if (krb5_get_default_realm(c->k, &def))
        return NULL;
    out = apr_pstrdup(c->r->pool, def);
    krb5_free_default_realm(c->k, def);
    return out;
}

/* Sets up c: context, realm, client principal.  OK, or the status to
 * return. */
static int prepare(kcheck *c)
{
    request_rec *r = c->r;
    const char *realm, *name;
    krb5_error_code e;
    agw_kerb_name m;

    if (!c->d->keytab) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(10060)
                 "authgw-kerberos is used where no AuthGWKeytab is set: set it"
                 " (and AuthGWKerberosPrincipal) in this location or its"
                 " provider alias; without the gateway's key a fake KDC could"
                 " log anyone on");
        return AUTH_GENERAL_ERROR;
    }
    if ((e = krb5_init_context(&c->k))) {
        c->k = NULL;
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(10061)
                 "the Kerberos library cannot start (error %d): check the"
                 " krb5.conf that KRB5_CONFIG names", (int)e);
        return AUTH_GENERAL_ERROR;
    }
    krb5_set_kdc_recv_hook(c->k, recv_hook, c);
    if (!(realm = user_realm(c))) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(10062)
                 "authgw-kerberos knows no realm: set AuthGWKerberosRealm or"
                 " default_realm in krb5.conf");
        return AUTH_GENERAL_ERROR;
    }
    m = agw_kerb_map_user(c->user, realm, c->d->netbios, r->pool, &name);
    if (m != AGW_KERB_NAME_OK) {
        agw_rlog(APLOG_MARK, APLOG_DEBUG, 0, r, AGWNO(10063)
                 "user name '%s' %s: not for authgw-kerberos of realm %s",
                 agw_log_item(r->pool, c->user),
                 m == AGW_KERB_NAME_FOREIGN ? "names another realm or domain"
                                            : "is not a Kerberos user name",
                 realm);
        return AUTH_USER_NOT_FOUND;
    }
    if ((e = krb5_build_principal_ext(c->k, &c->client,
                                      (unsigned int)strlen(realm), realm,
                                      (unsigned int)strlen(name), name, 0))) {
        c->client = NULL;
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(10064)
                 "no principal for user '%s': %s",
                 agw_log_item(r->pool, c->user),
                 core_krb5_error(r->pool, c->k, e));
        return AUTH_GENERAL_ERROR;
    }
    return OK;
}

static authn_status krb5_check_password(request_rec *r, const char *user,
                                        const char *password)
{
    kcheck c;
    const char *alias = apr_table_get(r->notes, AUTHN_PROVIDER_NAME_NOTE);
    void *newpw = NULL;
    apr_time_t t0 = apr_time_now();
    authn_status res;
    int rv;

    agw_secret_note(r, password);
    apr_pool_userdata_get(&newpw, AUTHGW_NOTE_NEW_PASSWORD, r->pool);
    agw_secret_note(r, newpw);
    if (!*user || !*password || (newpw && !*(const char *)newpw)) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(10074)
                 "empty user name or password from %s: refused without asking"
                 " the KDC", r->useragent_ip);
        return AUTH_DENIED;
    }
    memset(&c, 0, sizeof c);
    c.r = r;
    c.d = core_krb5_dir_of(r);
    c.user = user;
    if (!alias)
        alias = CORE_KRB5_PROVIDER;
    if ((rv = prepare(&c)) != OK) {
        res = (authn_status)rv;
        if (res == AUTH_GENERAL_ERROR)
            stat_add(AGW_C_ERRORS);
    }
    else if (!newpw && authgw_credcache_check(r, alias, user, password)) {
        stat_add(AGW_C_SUCCESSES);
        res = AUTH_GRANTED;
    }
    else {
        stat_add(AGW_C_ATTEMPTS);
        res = newpw ? change_password(&c, password, newpw)
                    : logon(&c, password);
        authgw_stat_add(AGW_M_KERBEROS, AGW_C_LATENCY_US,
                        (apr_uint64_t)(apr_time_now() - t0));
        if (res == AUTH_GRANTED)
            authgw_credcache_store(r, alias, user, newpw ? newpw : password);
    }
    if (c.k) {
        if (c.client)
            krb5_free_principal(c.k, c.client);
        krb5_free_context(c.k);
    }
    return res;
}

const authn_provider core_krb5_provider = {
    krb5_check_password,
    NULL
};
