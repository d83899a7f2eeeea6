/* Negotiate with Kerberos (RFC 4559) through GSSAPI: the service keys come
 * from AuthGWKeytab (a directive of mod_authgw_core, read through
 * authgw_kerberos_identity) through a credential store (no KRB5_KTNAME, so
 * several locations can use several keytabs in one process). */
#include "ntlm.h"

#include <string.h>

#include <apr_strings.h>
#include <http_log.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "agw_b64.h"
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

int ntlm_gss_accept(request_rec *r, const ntlm_wire *w,
                    const unsigned char *token, apr_size_t len)
{
    const char *keytab, *principal;
    gss_key_value_element_desc el;
    gss_key_value_set_desc store;
    gss_name_t want = GSS_C_NO_NAME, src = GSS_C_NO_NAME;
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER, nb = GSS_C_EMPTY_BUFFER;
    OM_uint32 maj, min, m;
    int rc;

    ntlm_core.kerberos_identity(r, &keytab, &principal);
    if (!keytab) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(30017)
                 "Negotiate (Kerberos) needs AuthGWKeytab in this location");
        ntlm_stat(AGW_M_NEGOTIATE, AGW_C_ERRORS);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ntlm_stat(AGW_M_NEGOTIATE, AGW_C_ATTEMPTS);
    if (principal) {
        gss_buffer_desc pn;
        pn.value = (void *)principal;
        pn.length = strlen(principal);
        maj = gss_import_name(&min, &pn, GSS_KRB5_NT_PRINCIPAL_NAME, &want);
        if (GSS_ERROR(maj)) {
            agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(30018)
                     "AuthGWKerberosPrincipal '%s': %s", principal,
                     gss_text(r->pool, maj, min));
            ntlm_stat(AGW_M_NEGOTIATE, AGW_C_ERRORS);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    el.key = "keytab";
    el.value = keytab;
    store.count = 1;
    store.elements = &el;
    maj = gss_acquire_cred_from(&min, want, GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
                                GSS_C_ACCEPT, &store, &cred, NULL, NULL);
    if (GSS_ERROR(maj)) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(30019)
                 "no acceptor credentials from keytab %s%s%s: %s", keytab,
                 principal ? " for " : "", principal ? principal : "",
                 gss_text(r->pool, maj, min));
        ntlm_stat(AGW_M_NEGOTIATE, AGW_C_ERRORS);
        rc = HTTP_INTERNAL_SERVER_ERROR;
        goto done;
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
        if (out.length) {
            /* Mutual authentication: the AP-REP rides on the answer. */
            char *b64 = apr_palloc(r->pool, agw_b64std_enc_len(out.length) + 1);
            agw_b64std_encode(out.value, out.length, b64);
            apr_table_addn(r->err_headers_out, w->out_header,
                           apr_pstrcat(r->pool, NTLM_AUTH_NEGOTIATE, " ", b64,
                                       NULL));
        }
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
                     "Negotiate from %s needs more legs (NTLM inside SPNEGO"
                     " is not supported; send raw NTLMSSP or use NTLM)",
                     r->useragent_ip);
        else
            agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(30023)
                     "failed Negotiate logon from %s: %s", r->useragent_ip,
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
    if (cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&m, &cred);
    if (want != GSS_C_NO_NAME)
        gss_release_name(&m, &want);
    return rc;
}
