/* AuthGWDelegate kcd: Kerberos constrained delegation.  Whatever the
 * receipt (a form with any provider, a RADIUS one-time passcode, Basic,
 * NTLM, Negotiate), the published server gets "Authorization: Negotiate"
 * with a Kerberos ticket of the user, obtained with the gateway's own key:
 *
 * 1. the gateway's TGT, from AuthGWKeytab, into a memory credential cache
 *    of this process (gss_acquire_cred_from with "client_keytab" and
 *    "ccache": no KRB5CCNAME or KRB5_CLIENT_KTNAME, which would be shared
 *    by every thread and location);
 * 2. S4U2Self (protocol transition): a ticket of the user to the gateway
 *    (gss_acquire_cred_impersonate_name), kept in the per-process cache
 *    (delegate_kcd_cache.c) until it ends;
 * 3. S4U2Proxy (constrained delegation): a ticket of the user to the SPN,
 *    asked for inside gss_init_sec_context; a copy is kept with the user's
 *    credentials, and later requests make their token from it with a fresh
 *    authenticator and no exchange with the KDC at all (ticket_token).
 * The Kerberos token is wrapped in SPNEGO here (agw_kcd_spnego):
 * MIT's SPNEGO cannot use impersonated credentials.  See docs/delegation.md
 * ("Kerberos constrained delegation"). */
#include "delegate.h"
#include "delegate_kcd.h"

#include <string.h>

#include <apr_strings.h>
#include <http_log.h>
#include <http_protocol.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

#include "agw_b64.h"
#include "agw_httpd.h"
#include "agw_kcd.h"
#include "agw_kerb.h"

APLOG_USE_MODULE(authgw_delegate);

#define KCD_DEFAULT_SPN "HTTP/*"
/* A user's credentials this close to their end are renewed before a
 * request: the published server's clock may be ahead of ours. */
#define KCD_MARGIN_SEC 60

static gss_OID_desc krb5_mech = {
    9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"
};
static gss_OID_set_desc krb5_only = { 1, &krb5_mech };

/* One delegation. */
typedef struct {
    request_rec *r;
    const char *keytab;
    const char *configured; /* AuthGWKerberosPrincipal, or NULL */
    const char *id;         /* the gateway identity: keytab, principal */
    const char *user;       /* the user's principal */
    const char *spn;        /* the published server's, with a realm */
    const char *gateway;    /* the principal the gateway asks as */
} kcd_req;

typedef enum { STEP_GATEWAY, STEP_SELF, STEP_PROXY } kcd_step;

/* What the Kerberos mechanism said (the KDC's reason), or else GSSAPI. */
static const char *gss_reason(apr_pool_t *p, OM_uint32 maj, OM_uint32 min)
{
    const char *out = "";
    OM_uint32 more = 0, m;
    int type = min ? GSS_C_MECH_CODE : GSS_C_GSS_CODE;
    gss_OID mech = min ? &krb5_mech : GSS_C_NO_OID;

    do {
        gss_buffer_desc b = GSS_C_EMPTY_BUFFER;
        if (GSS_ERROR(gss_display_status(&m, min ? min : maj, type, mech,
                                         &more, &b)))
            break;
        out = apr_psprintf(p, "%s%s%.*s", out, *out ? "; " : "",
                           (int)b.length, (const char *)b.value);
        gss_release_buffer(&m, &b);
    } while (more);
    return *out ? out : apr_psprintf(p, "GSSAPI status %u/%d", maj, (int)min);
}

/* A KDC that cannot be reached is a 503 (try again later); a refusal, a
 * 502 (the gateway cannot get through to the published server). */
static int kdc_status(OM_uint32 min)
{
    switch ((krb5_error_code)min) {
    case KRB5_KDC_UNREACH:
    case KRB5_REALM_CANT_RESOLVE:
    case KRB5KDC_ERR_SVC_UNAVAILABLE:
        return HTTP_SERVICE_UNAVAILABLE;
    default:
        return HTTP_BAD_GATEWAY;
    }
}

/* What to do about the usual refusals, for the log line. */
static const char *hint(kcd_step step, OM_uint32 min)
{
    switch ((krb5_error_code)min) {
    case KRB5KDC_ERR_BADOPTION:
        return step == STEP_PROXY
            ? " — constrained delegation failed: the KDC does not let the"
              " gateway's account delegate to this SPN.  Add the SPN to the"
              " account's msDS-AllowedToDelegateTo ('samba-tool delegation"
              " add-service ACCOUNT SPN', or the account's Delegation tab),"
              " allow protocol transition ('samba-tool delegation"
              " for-any-protocol ACCOUNT on': \"use any authentication"
              " protocol\"), and check that the user is not \"sensitive and"
              " cannot be delegated\""
            : " — the KDC refused protocol transition (S4U2Self) to the"
              " gateway's account";
    case KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN:
        return step == STEP_PROXY
            ? " — no account holds this SPN: register it on the published"
              " server's account ('samba-tool spn add SPN ACCOUNT', 'setspn"
              " -S'), or name the right one with AuthGWDelegateSPN"
            : " — the gateway's account has no SPN, which S4U2Self needs:"
              " register one ('samba-tool spn add HTTP/gw.example.com"
              " ACCOUNT', 'setspn -S')";
    case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
        /* MIT names the principal when it is the gateway's own */
        return " — the KDC does not know the client: the user has no"
               " account in the realm or, when the message names it, the"
               " gateway cannot get a TGT as that principal (the keytab"
               " must hold the account's own: 'samba-tool domain"
               " exportkeytab FILE --principal=ACCOUNT')";
    case KRB5KDC_ERR_CLIENT_REVOKED:
        return " — the account is disabled, locked out or expired";
    case KRB5KDC_ERR_PREAUTH_FAILED:
    case KRB5KRB_AP_ERR_BAD_INTEGRITY:
        return " — the keytab's key is not the account's (its password"
               " changed after the export?)";
    case KRB5_KDC_UNREACH:
        return " — check the KDC in krb5.conf (KRB5_CONFIG) and the network";
    default:
        return "";
    }
}

static void kdc_failed(kcd_req *k, kcd_step step, OM_uint32 maj,
                       OM_uint32 min, int status)
{
    request_rec *r = k->r;
    const char *who = agw_log_item(r->pool, r->user);
    const char *why = gss_reason(r->pool, maj, min);

    if (!k->gateway)  /* credentials from the cache: the identity is known */
        k->gateway = kcd_identity_get(k->id).principal;
    deleg_core.stat(AGW_M_DELEGATE, AGW_C_ERRORS, 1);
    if (step == STEP_PROXY)
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(50045)
                 "AuthGWDelegate kcd for user '%s' (%s) to %s: no ticket"
                 " (S4U2Proxy by %s): %s%s; the client gets %d", who, k->user,
                 k->spn, k->gateway, why, hint(step, min), status);
    else
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(50044)
                 "AuthGWDelegate kcd for user '%s' (%s) to %s: %s %s failed:"
                 " %s%s; the client gets %d", who, k->user, k->spn,
                 step == STEP_SELF ? "protocol transition (S4U2Self) by"
                                   : "the TGT from the keytab of",
                 k->gateway, why, hint(step, min), status);
}

/* --- the gateway's principal ---------------------------------------------- */

static const char *krb5_reason(krb5_context c, krb5_error_code e,
                               apr_pool_t *p)
{
    const char *m = krb5_get_error_message(c, e);
    const char *out = apr_pstrdup(p, m);
    krb5_free_error_message(c, m);
    return out;
}

static int one_component(krb5_const_principal p)
{
    return p->length == 1;
}

/* The principal the gateway gets its TGT as: AuthGWKerberosPrincipal when
 * it is an account name (one component); else the keytab's first such
 * principal (samba-tool's export of the account, "gw$" of a computer);
 * else AuthGWKerberosPrincipal or the keytab's first entry, which serve
 * where the KDC takes an SPN as a client name (Windows, when ktpass made
 * it the account's UPN).  Samba's KDC refuses SPNs as clients. */
static const char *gateway_principal(kcd_req *k, const char **why)
{
    apr_pool_t *p = k->r->pool;
    krb5_context c;
    krb5_keytab kt = NULL;
    krb5_kt_cursor cur;
    krb5_keytab_entry ent;
    krb5_principal want = NULL;
    krb5_error_code e;
    char *name = NULL;
    const char *out = NULL, *first = NULL;

    if (krb5_init_context(&c)) {
        *why = "the Kerberos library cannot start: check the krb5.conf that"
               " KRB5_CONFIG names";
        return NULL;
    }
    if (k->configured && !krb5_parse_name(c, k->configured, &want)
        && one_component(want)) {
        out = k->configured;
        goto done;
    }
    if ((e = krb5_kt_resolve(c, apr_pstrcat(p, "FILE:", k->keytab, NULL), &kt))
        || (e = krb5_kt_start_seq_get(c, kt, &cur))) {
        *why = apr_psprintf(p, "cannot read the keytab %s (%s)", k->keytab,
                            krb5_reason(c, e, p));
        goto done;
    }
    while (!out && !krb5_kt_next_entry(c, kt, &ent, &cur)) {
        if ((!first || one_component(ent.principal))
            && !krb5_unparse_name(c, ent.principal, &name)) {
            if (one_component(ent.principal))
                out = apr_pstrdup(p, name);
            if (!first)
                first = apr_pstrdup(p, name);
            krb5_free_unparsed_name(c, name);
        }
        krb5_free_keytab_entry_contents(c, &ent);
    }
    krb5_kt_end_seq_get(c, kt, &cur);
    if (!out)
        out = k->configured ? k->configured : first;
    if (!out)
        *why = apr_psprintf(p, "the keytab %s holds no keys", k->keytab);
done:
    if (want)
        krb5_free_principal(c, want);
    if (kt)
        krb5_kt_close(c, kt);
    krb5_free_context(c);
    return out;
}

/* --- the KDC ------------------------------------------------------------- */

static gss_name_t import(const char *name, OM_uint32 *maj, OM_uint32 *min)
{
    gss_buffer_desc b;
    gss_name_t n = GSS_C_NO_NAME;
    b.value = (void *)name;
    b.length = strlen(name);
    *maj = gss_import_name(min, &b, GSS_KRB5_NT_PRINCIPAL_NAME, &n);
    return GSS_ERROR(*maj) ? GSS_C_NO_NAME : n;
}

/* The user's credentials from the KDC, stored in the cache under key: OK
 * and *out (taken), or the status for the client. */
static int fresh(kcd_req *k, const kcd_identity *ident, const char *key,
                 kcd_cred **out)
{
    request_rec *r = k->r;
    gss_key_value_element_desc el[2];
    gss_key_value_set_desc store;
    gss_name_t gw, user = GSS_C_NO_NAME;
    gss_cred_id_t gwc = GSS_C_NO_CREDENTIAL, uc = GSS_C_NO_CREDENTIAL;
    OM_uint32 maj, min, m, life = 0;
    kcd_step step = STEP_GATEWAY;
    apr_time_t now = apr_time_now(), margin;
    unsigned int count;
    int st = OK;

    el[0].key = "client_keytab";
    el[0].value = k->keytab;
    el[1].key = "ccache";
    el[1].value = ident->ccache;
    store.count = 2;
    store.elements = el;
    k->gateway = ident->principal;
    gw = import(ident->principal, &maj, &min);
    if (gw != GSS_C_NO_NAME)
        maj = gss_acquire_cred_from(&min, gw, GSS_C_INDEFINITE, &krb5_only,
                                    GSS_C_INITIATE, &store, &gwc, NULL, NULL);
    if (!GSS_ERROR(maj)) {
        step = STEP_SELF;
        user = import(k->user, &maj, &min);
        if (user != GSS_C_NO_NAME)
            maj = gss_acquire_cred_impersonate_name(&min, gwc, user,
                                                    GSS_C_INDEFINITE,
                                                    &krb5_only, GSS_C_INITIATE,
                                                    &uc, NULL, &life);
    }
    if (GSS_ERROR(maj)) {
        st = kdc_status(min);
        kdc_failed(k, step, maj, min, st);
        goto done;
    }
    margin = apr_time_from_sec(life > 2 * KCD_MARGIN_SEC ? KCD_MARGIN_SEC
                                                         : life / 2);
    *out = kcd_cache_put(key, uc, k->user,
                         now + apr_time_from_sec(life) - margin, &count);
    uc = GSS_C_NO_CREDENTIAL;  /* the cache's now */
    if (!*out) {
        agw_rlog(APLOG_MARK, APLOG_CRIT, 0, r, AGWNO(50049)
                 "AuthGWDelegate kcd: out of memory for the credentials of"
                 " user '%s'", agw_log_item(r->pool, r->user));
        st = HTTP_INTERNAL_SERVER_ERROR;
        goto done;
    }
    agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(50046)
             "AuthGWDelegate kcd: credentials of user '%s' (%s) from the KDC"
             " (S4U2Self as %s), good for %u s; %u user(s) in this process's"
             " cache", agw_log_item(r->pool, r->user), k->user,
             ident->principal, (unsigned int)life, count);
done:
    if (uc != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&m, &uc);
    if (gwc != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&m, &gwc);
    if (user != GSS_C_NO_NAME)
        gss_release_name(&m, &user);
    if (gw != GSS_C_NO_NAME)
        gss_release_name(&m, &gw);
    return st;
}

/* "Negotiate <base64 SPNEGO>" around the Kerberos mechanism's token. */
static int negotiate_value(kcd_req *k, const void *tok, size_t n,
                           const char **value)
{
    request_rec *r = k->r;
    size_t m = 0;
    unsigned char *spnego = agw_kcd_spnego(r->pool, tok, n, &m);
    char *b64;

    if (!spnego) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(50051)
                 "AuthGWDelegate %s: the Kerberos token of user '%s' for %s"
                 " is too large (%lu bytes)",
                 deleg_methods[deleg_dir_of(r)->method].name,
                 agw_log_item(r->pool, r->user),
                 k->spn, (unsigned long)n);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    b64 = apr_palloc(r->pool, agw_b64std_enc_len(m) + 1);
    agw_b64std_encode(spnego, m, b64);
    agw_secret_note(r, b64);
    *value = apr_pstrcat(r->pool, "Negotiate ", b64, NULL);
    return OK;
}

/* The token by GSSAPI from the user's credentials (S4U2Proxy inside,
 * unless GSSAPI has the ticket for the SPN already): OK and *value, or the
 * status for the client. */
static int gss_token(kcd_req *k, kcd_cred *e, const char **value)
{
    gss_name_t target;
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc tok = GSS_C_EMPTY_BUFFER;
    OM_uint32 maj, min, m;
    int st;

    target = import(k->spn, &maj, &min);
    if (target != GSS_C_NO_NAME)
        maj = gss_init_sec_context(&min, kcd_cred_handle(e), &ctx, target,
                                   &krb5_mech, 0, 0, GSS_C_NO_CHANNEL_BINDINGS,
                                   GSS_C_NO_BUFFER, NULL, &tok, NULL, NULL);
    if (GSS_ERROR(maj) || !tok.length) {
        st = kdc_status(min);
        kdc_failed(k, STEP_PROXY, maj, min, st);
    }
    else
        st = negotiate_value(k, tok.value, tok.length, value);
    if (tok.length)
        gss_release_buffer(&m, &tok);
    if (ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&m, &ctx, GSS_C_NO_BUFFER);
    if (target != GSS_C_NO_NAME)
        gss_release_name(&m, &target);
    return st;
}

/* After gss_token: a copy of the service ticket GSSAPI got, kept with the
 * entry, so that the next requests make their tokens with it directly.
 * Without it nothing is lost but speed. */
static void keep_ticket(kcd_req *k, kcd_cred *e)
{
    krb5_context c = kcd_context_take();
    krb5_ccache cc = NULL;
    krb5_creds want, got, *copy;
    OM_uint32 min;

    if (!c)
        return;
    memset(&want, 0, sizeof want);
    if (!krb5_parse_name(c, k->user, &want.client)
        && !krb5_parse_name(c, k->spn, &want.server)
        && !krb5_cc_new_unique(c, "MEMORY", NULL, &cc)
        && !krb5_cc_initialize(c, cc, want.client)
        && !GSS_ERROR(gss_krb5_copy_ccache(&min, kcd_cred_handle(e), cc))
        && !krb5_cc_retrieve_cred(c, cc, 0, &want, &got)) {
        if (!krb5_copy_creds(c, &got, &copy))
            kcd_cred_keep_ticket(e, k->spn, copy,
                                 apr_time_from_sec((apr_uint32_t)got.times.endtime)
                                 - apr_time_from_sec(KCD_MARGIN_SEC));
        krb5_free_cred_contents(c, &got);
    }
    if (cc)
        krb5_cc_destroy(c, cc);
    krb5_free_cred_contents(c, &want);
    kcd_context_give(c);
}

/* The token from the kept service ticket, as GSSAPI's Kerberos mechanism
 * makes it (RFC 4121 4.1: an AP-REQ with a fresh authenticator, a subkey
 * and the 0x8003 checksum, in the mechanism's framing), with a krb5
 * context that lives on: a third of the cost of gss_init_sec_context,
 * which makes and reads a new context (and krb5.conf) several times per
 * call.  OK and *value; DECLINED when it cannot (GSSAPI then does it). */
static int ticket_token(kcd_req *k, const krb5_creds *t, const char **value)
{
    request_rec *r = k->r;
    krb5_context c = kcd_context_take();
    krb5_auth_context ac = NULL;
    krb5_data sum, ap_req = { 0, 0, NULL };
    unsigned char cksum[AGW_GSS_CKSUM_LEN], *tok = NULL;
    krb5_error_code e;
    size_t n = 0;
    int st = DECLINED;

    if (!c)
        return DECLINED;
    agw_gss_krb5_checksum(cksum, GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG);
    sum.magic = KV5M_DATA;
    sum.length = sizeof cksum;
    sum.data = (char *)cksum;
    if (!(e = krb5_auth_con_init(c, &ac))
        && !(e = krb5_auth_con_setflags(c, ac, KRB5_AUTH_CONTEXT_DO_SEQUENCE))
        && !(e = krb5_auth_con_set_req_cksumtype(c, ac, 0x8003))
        && !(e = krb5_mk_req_extended(c, &ac, AP_OPTS_USE_SUBKEY, &sum,
                                      (krb5_creds *)t, &ap_req)))
        tok = agw_gss_krb5_init_token(r->pool, (unsigned char *)ap_req.data,
                                      ap_req.length, &n);
    if (tok)
        st = negotiate_value(k, tok, n, value);
    else
        agw_rlog(APLOG_MARK, APLOG_DEBUG, 0, r, AGWNO(50052)
                 "AuthGWDelegate kcd: the kept ticket of %s for %s makes no"
                 " token (%s); GSSAPI makes it", k->user, k->spn,
                 e ? krb5_reason(c, e, r->pool) : "too large");
    krb5_free_data_contents(c, &ap_req);
    if (ac)
        krb5_auth_con_free(c, ac);
    kcd_context_give(c);
    return st;
}

/* --- the request ---------------------------------------------------------- */

/* The published host: of the URL mod_proxy fetches (ProxyPass and
 * RewriteRule [P] put it in r->filename, SetHandler in r->handler). */
static const char *published_host(request_rec *r)
{
    const char *u = NULL;
    if (r->filename && !strncmp(r->filename, "proxy:", 6))
        u = r->filename + 6;
    else if (r->handler && !strncasecmp(r->handler, "proxy:", 6))
        u = r->handler + 6;
    return u ? agw_url_host(r->pool, u) : NULL;
}

int deleg_krb_target(request_rec *r, const char **user, const char **spnp)
{
    const deleg_dir *d = deleg_dir_of(r);
    const char *method = deleg_methods[d->method].name;
    const char *realm, *netbios, *name, *spn;
    agw_kerb_name m;

    deleg_core.kerberos_realm(r, &realm, &netbios);
    if (!realm && !(realm = kcd_default_realm())) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(50041)
                 "AuthGWDelegate %s knows no realm for the users: set"
                 " AuthGWKerberosRealm, or default_realm in krb5.conf", method);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    m = agw_kerb_map_user(r->user, realm, netbios, r->pool, &name);
    if (m != AGW_KERB_NAME_OK) {
        agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(50042)
                 "AuthGWDelegate %s for %s: user '%s' %s %s; the request"
                 " goes without credentials", method, deleg_backend(r),
                 agw_log_item(r->pool, r->user),
                 m == AGW_KERB_NAME_FOREIGN
                     ? "belongs to another realm or domain than"
                     : "cannot be a principal of realm", realm);
        return DECLINED;
    }
    *user = apr_pstrcat(r->pool, name, "@", realm, NULL);
    spn = agw_spn_for(r->pool, d->spn ? d->spn : KCD_DEFAULT_SPN,
                      published_host(r));
    if (!spn) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(50043)
                 "AuthGWDelegate %s: no host in %s for the SPN %s; name the"
                 " published server's SPN with AuthGWDelegateSPN", method,
                 deleg_backend(r), d->spn ? d->spn : KCD_DEFAULT_SPN);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    *spnp = strchr(spn, '@') ? spn : apr_pstrcat(r->pool, spn, "@", realm,
                                                 NULL);
    return OK;
}

int deleg_krb_token(request_rec *r, const char *user, const char *spn,
                    const krb5_creds *t, const char **value)
{
    kcd_req k;

    memset(&k, 0, sizeof k);
    k.r = r;
    k.user = user;
    k.spn = spn;
    return ticket_token(&k, t, value);
}

/* Fills k: OK; DECLINED when this user is not delegated (the request goes
 * without credentials); or the status for the client. */
static int prepare(request_rec *r, kcd_req *k)
{
    int st;

    memset(k, 0, sizeof *k);
    k->r = r;
    deleg_core.kerberos_identity(r, &k->keytab, &k->configured);
    if (!k->keytab) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(50040)
                 "AuthGWDelegate kcd for %s: no AuthGWKeytab applies to %s;"
                 " set the gateway's keytab there", deleg_backend(r),
                 agw_log_item(r->pool, r->uri));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    st = deleg_krb_target(r, &k->user, &k->spn);
    if (st != OK)
        return st;
    k->id = apr_pstrcat(r->pool, k->keytab, "\n",
                        k->configured ? k->configured : "", NULL);
    return OK;
}

/* The user's credentials: from this process's cache, else from the KDC. */
static int user_credentials(kcd_req *k, kcd_cred **e)
{
    request_rec *r = k->r;
    const char *key = apr_pstrcat(r->pool, k->id, "\n", k->user, NULL);
    const char *why = "?";
    kcd_identity ident;

    *e = kcd_cache_get(key, apr_time_now());
    if (*e) {
        agw_rlog(APLOG_MARK, APLOG_TRACE2, 0, r, AGWNO(50047)
                 "AuthGWDelegate kcd: cached credentials of %s", k->user);
        return OK;
    }
    ident = kcd_identity_get(k->id);
    if (!ident.principal) {
        ident.principal = gateway_principal(k, &why);
        if (!ident.principal) {
            agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(50048)
                     "AuthGWDelegate kcd: no principal for the gateway: %s",
                     why);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        kcd_identity_set(k->id, ident.principal);
    }
    return fresh(k, &ident, key, e);
}

void deleg_kcd_request(request_rec *r, deleg_req *q)
{
    kcd_req k;
    kcd_cred *e;
    const char *value = NULL;
    int st;

    if (!r->user) {
        agw_rlog(APLOG_MARK, APLOG_DEBUG, 0, r, AGWNO(50050)
                 "AuthGWDelegate kcd for %s: nobody is authenticated here;"
                 " the request goes without credentials", deleg_backend(r));
        return;
    }
    st = prepare(r, &k);
    if (st == OK)
        st = user_credentials(&k, &e);
    if (st == OK) {
        const krb5_creds *t = kcd_cred_ticket(e, k.spn);
        st = t ? ticket_token(&k, t, &value) : DECLINED;
        if (st == DECLINED) {
            st = gss_token(&k, e, &value);
            if (st == OK)
                keep_ticket(&k, e);
            else
                kcd_cache_forget(e);  /* the next request starts afresh */
        }
        kcd_cache_release(e);
    }
    if (st != OK) {
        if (st != DECLINED)
            q->status = st;
        return;
    }
    apr_table_setn(r->headers_in, "Authorization", value);
    q->sent = 1;
    deleg_core.stat(AGW_M_DELEGATE, AGW_C_ATTEMPTS, 1);
}

/* --- configuration --------------------------------------------------------- */

const char *deleg_cmd_spn(cmd_parms *cmd, void *dc, const char *arg)
{
    deleg_dir *c = dc;
    const char *why = agw_spn_check(arg);

    if (why)
        return apr_psprintf(cmd->pool, "AuthGWDelegateSPN '%s': %s", arg, why);
    c->spn = arg;
    c->spn_set = 1;
    return NULL;
}

const char *deleg_kcd_refusal(request_rec *r, int explicit_here)
{
    const deleg_dir *d = deleg_dir_of(r);
    APR_OPTIONAL_FN_TYPE(authgw_kerberos_identity) *identity =
        APR_RETRIEVE_OPTIONAL_FN(authgw_kerberos_identity);
    const char *keytab = NULL, *principal;

    if (!deleg_fn.auth_type || !deleg_fn.auth_type(r))
        return explicit_here
            ? apr_psprintf(r->pool, "AuthGWDelegate kcd in %s has no"
                           " receipt: no AuthType applies there, so nobody"
                           " is authenticated and there is nobody to"
                           " delegate; set an AuthType there, or"
                           " AuthGWDelegate none", d->where)
            : NULL;
    if (!identity)  /* no mod_authgw_core: post_config says so */
        return NULL;
    identity(r, &keytab, &principal);
    if (keytab)
        return NULL;
    return apr_psprintf(r->pool, "AuthGWDelegate kcd in %s needs the"
                        " gateway's keytab, and no AuthGWKeytab applies"
                        " there: set AuthGWKeytab (the keys of the gateway's"
                        " account, trusted for delegation) in that section"
                        " or one that encloses it", d->where);
}

static void kcd_child_init(apr_pool_t *p, server_rec *s)
{
    (void)s;
    kcd_cache_init(p);
}

void deleg_kcd_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_child_init(kcd_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}
