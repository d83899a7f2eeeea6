/* Negotiate with Kerberos (RFC 4559) through GSSAPI: the service keys come
 * from AuthGWKeytab (a directive of mod_authgw_core, read through
 * authgw_kerberos_identity) through a credential store (no KRB5_KTNAME, so
 * several locations can use several keytabs in one process). */
#include "ntlm.h"

#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <http_log.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_ntlm);

static const char *gss_text(apr_pool_t *p, OM_uint32 maj, OM_uint32 min)
{
    const char *out = "";
    int pass;
    for (pass = 0; pass < 2; pass++) {
        OM_uint32 ctx = 0, m;
        do {
            gss_buffer_desc b = GSS_C_EMPTY_BUFFER;
            if (GSS_ERROR(gss_display_status(&m, pass ? min : maj,
                                             pass ? GSS_C_MECH_CODE
                                                  : GSS_C_GSS_CODE,
                                             GSS_C_NO_OID, &ctx, &b)))
                break;
            out = apr_psprintf(p, "%s%s%.*s", out, *out ? "; " : "",
                               (int)b.length, (const char *)b.value);
            gss_release_buffer(&m, &b);
        } while (ctx);
        if (!min)
            break;
    }
    return out;
}

/* SPNEGO through GSSAPI negotiates Kerberos only: NTLMSSP in SPNEGO is
 * ours (ntlm_spnego.c), and a gss-ntlmssp installed on the host would
 * otherwise check NTLM against its own users. */
static int neg_mechs_krb5(request_rec *r, gss_cred_id_t cred)
{
    gss_OID_desc oids[2];
    gss_OID_set_desc set;
    OM_uint32 maj, min;

    oids[0].length = (OM_uint32)agw_oid_krb5.len;
    oids[0].elements = (void *)agw_oid_krb5.p;
    oids[1].length = (OM_uint32)agw_oid_ms_krb5.len;
    oids[1].elements = (void *)agw_oid_ms_krb5.p;
    set.count = 2;
    set.elements = oids;
    maj = gss_set_neg_mechs(&min, cred, &set);
    if (GSS_ERROR(maj)) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(30054)
                 "GSSAPI cannot limit SPNEGO to Kerberos: %s",
                 gss_text(r->pool, maj, min));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

/* The groups of a Kerberos logon, from the ticket's PAC (whose signature
 * GSSAPI checked with the service key), named through winbind, into the
 * groups note for Require authgw-group.  Without a PAC or without winbind
 * the logon stands, without groups. */
static void pac_groups(request_rec *r, gss_name_t src)
{
    static const char logon_info[] = "urn:mspac:logon-info";
    gss_buffer_desc attr, value = GSS_C_EMPTY_BUFFER;
    gss_buffer_desc display = GSS_C_EMPTY_BUFFER;
    int authenticated = 0, complete = 0, more = -1, kept;
    OM_uint32 maj, min, m;
    agw_pac_logon li;
    agw_pac_status st;
    const char *list, *why = "";

    attr.value = (void *)logon_info;
    attr.length = sizeof logon_info - 1;
    maj = gss_get_name_attribute(&min, src, &attr, &authenticated, &complete,
                                 &value, &display, &more);
    if (GSS_ERROR(maj)) {
        agw_rlog(APLOG_MARK, APLOG_DEBUG, 0, r, AGWNO(30056)
                 "the ticket of '%s' has no PAC logon information (%s): no"
                 " groups", agw_log_item(r->pool, r->user),
                 gss_text(r->pool, maj, min));
        return;
    }
    if (!authenticated) {
        agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(30057)
                 "the PAC of '%s' is not verified by GSSAPI: its groups are"
                 " ignored", agw_log_item(r->pool, r->user));
        goto done;
    }
    st = agw_pac_logon_info(r->pool, value.value, value.length, &li);
    if (st != AGW_PAC_OK) {
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(30058)
                 "the PAC logon information of '%s' is malformed (%s, %lu"
                 " bytes): no groups", agw_log_item(r->pool, r->user),
                 agw_pac_reason(st), (unsigned long)value.length);
        goto done;
    }
    kept = ntlm_sid_groups(r, li.groups, li.n_groups, &list, &why);
    if (kept < 0)
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30059)
                 "the %lu group SIDs in the PAC of '%s' could not be named by"
                 " winbind (%s): no groups for Require authgw-group",
                 (unsigned long)li.n_groups, agw_log_item(r->pool, r->user),
                 why);
    else
        agw_rlog(APLOG_MARK, APLOG_DEBUG, 0, r, AGWNO(30060)
                 "PAC: '%s' is in %d named group(s) of %lu: %s",
                 agw_log_item(r->pool, r->user), kept,
                 (unsigned long)li.n_groups, agw_log_item(r->pool, list));
done:
    gss_release_buffer(&m, &value);
    gss_release_buffer(&m, &display);
}

int ntlm_gss_available(request_rec *r)
{
    const char *keytab, *principal;
    ntlm_core.kerberos_identity(r, &keytab, &principal);
    return keytab != NULL;
}

/* Acceptor credentials from keytab (for principal when given), limited to
 * Kerberos in SPNEGO. */
static int acquire(request_rec *r, const char *keytab, const char *principal,
                   gss_cred_id_t *cred)
{
    gss_key_value_element_desc el;
    gss_key_value_set_desc store;
    gss_name_t want = GSS_C_NO_NAME;
    OM_uint32 maj, min, m;
    int rc = OK;

    if (principal) {
        gss_buffer_desc pn;
        pn.value = (void *)principal;
        pn.length = strlen(principal);
        maj = gss_import_name(&min, &pn, GSS_KRB5_NT_PRINCIPAL_NAME, &want);
        if (GSS_ERROR(maj)) {
            agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(30018)
                     "AuthGWKerberosPrincipal '%s': %s", principal,
                     gss_text(r->pool, maj, min));
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    el.key = "keytab";
    el.value = keytab;
    store.count = 1;
    store.elements = &el;
    maj = gss_acquire_cred_from(&min, want, GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
                                GSS_C_ACCEPT, &store, cred, NULL, NULL);
    if (GSS_ERROR(maj)) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(30019)
                 "no acceptor credentials from keytab %s%s%s: %s", keytab,
                 principal ? " for " : "", principal ? principal : "",
                 gss_text(r->pool, maj, min));
        rc = HTTP_INTERNAL_SERVER_ERROR;
    }
    else if (neg_mechs_krb5(r, *cred) != OK) {
        gss_release_cred(&m, cred);
        rc = HTTP_INTERNAL_SERVER_ERROR;
    }
    if (want != GSS_C_NO_NAME)
        gss_release_name(&m, &want);
    return rc;
}

/* Acceptor credentials are kept per child, by keytab and principal:
 * acquiring them reads the keytab (and opens the replay cache) at every
 * request otherwise.  A kept handle still reads the keytab at each accept,
 * so a new key version is seen without a restart; MIT's credential handles
 * may be shared by threads. */
static struct {
    apr_pool_t *pool;
    apr_thread_mutex_t *lock;
    apr_hash_t *creds;      /* "keytab\nprincipal" -> gss_cred_id_t */
} kept;

static apr_status_t kept_release(void *data)
{
    apr_hash_index_t *i;
    OM_uint32 m;
    (void)data;
    for (i = apr_hash_first(NULL, kept.creds); i; i = apr_hash_next(i)) {
        gss_cred_id_t c = apr_hash_this_val(i);
        gss_release_cred(&m, &c);
    }
    kept.creds = NULL;
    return APR_SUCCESS;
}

void ntlm_gss_child_init(apr_pool_t *p)
{
    if (apr_pool_create(&kept.pool, p) != APR_SUCCESS
        || apr_thread_mutex_create(&kept.lock, APR_THREAD_MUTEX_DEFAULT,
                                   kept.pool) != APR_SUCCESS) {
        kept.pool = NULL;
        return;
    }
    kept.creds = apr_hash_make(kept.pool);
    apr_pool_cleanup_register(kept.pool, NULL, kept_release,
                              apr_pool_cleanup_null);
}

/* The kept credentials for keytab and principal; *own is set when they
 * could not be kept and the caller releases them. */
static int acceptor_cred(request_rec *r, const char *keytab,
                         const char *principal, gss_cred_id_t *cred,
                         int *own)
{
    const char *key = apr_pstrcat(r->pool, keytab, "\n",
                                  principal ? principal : "", NULL);
    gss_cred_id_t c;
    OM_uint32 m;
    int rc;

    *own = !kept.creds;
    if (*own)
        return acquire(r, keytab, principal, cred);
    apr_thread_mutex_lock(kept.lock);
    c = apr_hash_get(kept.creds, key, APR_HASH_KEY_STRING);
    apr_thread_mutex_unlock(kept.lock);
    if (c) {
        *cred = c;
        return OK;
    }
    rc = acquire(r, keytab, principal, &c);
    if (rc != OK)
        return rc;
    apr_thread_mutex_lock(kept.lock);
    *cred = apr_hash_get(kept.creds, key, APR_HASH_KEY_STRING);
    if (*cred)                  /* another thread was quicker */
        gss_release_cred(&m, &c);
    else {
        *cred = c;
        apr_hash_set(kept.creds, apr_pstrdup(kept.pool, key),
                     APR_HASH_KEY_STRING, c);
    }
    apr_thread_mutex_unlock(kept.lock);
    return OK;
}

int ntlm_gss_accept(request_rec *r, const ntlm_wire *w,
                    const unsigned char *token, apr_size_t len)
{
    const char *keytab, *principal;
    gss_name_t src = GSS_C_NO_NAME;
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER, nb = GSS_C_EMPTY_BUFFER;
    OM_uint32 maj, min, m;
    int rc, own = 0;

    ntlm_core.kerberos_identity(r, &keytab, &principal);
    if (!keytab) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(30017)
                 "Negotiate (Kerberos) needs AuthGWKeytab in this location");
        ntlm_stat(AGW_M_NEGOTIATE, AGW_C_ERRORS);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ntlm_stat(AGW_M_NEGOTIATE, AGW_C_ATTEMPTS);
    rc = acceptor_cred(r, keytab, principal, &cred, &own);
    if (rc != OK) {
        ntlm_stat(AGW_M_NEGOTIATE, AGW_C_ERRORS);
        return rc;
    }
    in.value = (void *)token;
    in.length = len;
    maj = gss_accept_sec_context(&min, &ctx, cred, &in,
                                 GSS_C_NO_CHANNEL_BINDINGS, &src, NULL, &out,
                                 NULL, NULL, NULL);
    if (maj == GSS_S_COMPLETE) {
        maj = gss_display_name(&min, src, &nb, NULL);
        if (GSS_ERROR(maj) || !nb.length) {
            agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(30020)
                     "Negotiate: the client's name cannot be read: %s",
                     gss_text(r->pool, maj, min));
            ntlm_stat(AGW_M_NEGOTIATE, AGW_C_ERRORS);
            rc = HTTP_INTERNAL_SERVER_ERROR;
            goto done;
        }
        r->user = apr_pstrmemdup(r->pool, nb.value, nb.length);
        r->ap_auth_type = NTLM_AUTH_NEGOTIATE;
        agw_note_logon(r, "negotiate", "keytab");
        pac_groups(r, src);
        if (out.length)
            /* Mutual authentication: the AP-REP rides on the answer. */
            apr_table_addn(r->err_headers_out, w->out_header,
                           ntlm_header_value(r, NTLM_AUTH_NEGOTIATE, out.value,
                                             out.length));
        ntlm_stat(AGW_M_NEGOTIATE, AGW_C_SUCCESSES);
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30021)
                 "Negotiate logon of '%s' from %s",
                 agw_log_item(r->pool, r->user), r->useragent_ip);
        rc = OK;
    }
    else {
        ntlm_stat(AGW_M_NEGOTIATE, AGW_C_FAILURES);
        if (maj == GSS_S_CONTINUE_NEEDED)
            agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(30022)
                     "Negotiate (Kerberos) from %s needs more than one leg"
                     " (SPNEGO without a Kerberos token): refused; the"
                     " client should send its Kerberos token first",
                     r->useragent_ip);
        else
            agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(30023)
                     "failed Negotiate logon from %s, reason"
                     " kerberos-refused (the user's name is inside the"
                     " ticket that failed): %s", r->useragent_ip,
                     gss_text(r->pool, maj, min));
        rc = ntlm_offer(r, w);
    }
done:
    if (nb.length)
        gss_release_buffer(&m, &nb);
    if (out.length)
        gss_release_buffer(&m, &out);
    if (ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&m, &ctx, GSS_C_NO_BUFFER);
    if (src != GSS_C_NO_NAME)
        gss_release_name(&m, &src);
    if (own && cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&m, &cred);
    return rc;
}
