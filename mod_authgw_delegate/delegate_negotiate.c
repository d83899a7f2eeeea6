/* AuthGWDelegate negotiate: "Authorization: Negotiate" with a Kerberos
 * service ticket of the user for the published server's SPN
 * (AuthGWDelegateSPN, default HTTP/<published host>), obtained with the
 * password of the logon: an AS exchange (krb5_get_init_creds_password)
 * into a memory credential cache, then a TGS exchange for the SPN.  The
 * user's principal, the SPN and the token (a fresh authenticator in SPNEGO)
 * are kcd's (delegate_kcd.c).
 *
 * No ticket (no KDC, no realm, an SPN no account holds): NTLM with the same
 * password, as Windows' Negotiate does (delegate_ntlm.c).  The KDC refusing
 * the password (wrong, expired, the account disabled): the user is asked
 * again, as when a server refuses Basic credentials. */
#include "delegate.h"
#include "delegate_kcd.h"

#include <string.h>

#include <apr_strings.h>
#include <http_log.h>
#include <http_protocol.h>

#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_delegate);

/* The password was refused: asking the user again may help. */
static int password_refused(krb5_error_code e)
{
    return e == KRB5KDC_ERR_PREAUTH_FAILED || e == KRB5KRB_AP_ERR_BAD_INTEGRITY
        || e == KRB5KDC_ERR_KEY_EXP || e == KRB5KDC_ERR_CLIENT_REVOKED;
}

/* The service ticket of user (with pw) for spn into *out; *as says whether
 * the failure, if any, was the AS exchange (the password). */
static krb5_error_code service_ticket(krb5_context c, const char *user,
                                      const char *pw, const char *spn,
                                      krb5_creds **out, int *as)
{
    krb5_principal client = NULL;
    krb5_get_init_creds_opt *opt = NULL;
    krb5_creds tgt, want;
    krb5_ccache cc = NULL;
    krb5_error_code e;
    int have_tgt = 0;

    memset(&tgt, 0, sizeof tgt);
    memset(&want, 0, sizeof want);
    *as = 1;
    if ((e = krb5_parse_name(c, user, &client))
        || (e = krb5_get_init_creds_opt_alloc(c, &opt))
        || (e = krb5_get_init_creds_password(c, &tgt, client, pw, NULL, NULL,
                                             0, NULL, opt)))
        goto done;
    have_tgt = 1;
    *as = 0;
    if (!(e = krb5_cc_new_unique(c, "MEMORY", NULL, &cc))
        && !(e = krb5_cc_initialize(c, cc, client))
        && !(e = krb5_cc_store_cred(c, cc, &tgt))
        && !(e = krb5_copy_principal(c, client, &want.client))
        && !(e = krb5_parse_name(c, spn, &want.server)))
        e = krb5_get_credentials(c, 0, cc, &want, out);
done:
    if (cc)
        krb5_cc_destroy(c, cc);
    if (have_tgt)
        krb5_free_cred_contents(c, &tgt);
    krb5_free_cred_contents(c, &want);
    if (opt)
        krb5_get_init_creds_opt_free(c, opt);
    if (client)
        krb5_free_principal(c, client);
    return e;
}

/* OK and *value; DECLINED: no ticket (NTLM instead); or the status of a
 * request that ends here (the user is asked again). */
static int kerberos(request_rec *r, deleg_req *q, const char *pw,
                    const char **value)
{
    const char *user, *spn, *why;
    krb5_context c;
    krb5_creds *t = NULL;
    krb5_error_code e;
    int as, st;

    if (deleg_krb_target(r, &user, &spn) != OK)
        return DECLINED;  /* logged */
    c = kcd_context_take();
    if (!c)
        return DECLINED;
    e = service_ticket(c, user, pw, spn, &t, &as);
    if (e) {
        why = krb5_get_error_message(c, e);
        if (as && password_refused(e)) {
            agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(50081)
                     "AuthGWDelegate negotiate for user '%s' (%s): the KDC"
                     " refused the password of the logon (%s); the user is"
                     " asked again", agw_log_item(r->pool, r->user), user,
                     why);
            st = deleg_ask_again_now(r, q);
        }
        else {
            agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(50080)
                     "AuthGWDelegate negotiate for user '%s' (%s) to %s: no"
                     " Kerberos ticket (%s: %s); NTLM instead",
                     agw_log_item(r->pool, r->user), user, spn,
                     as ? "AS exchange" : "TGS exchange", why);
            st = DECLINED;
        }
        krb5_free_error_message(c, why);
        kcd_context_give(c);
        return st;
    }
    st = deleg_krb_token(r, user, spn, t, value);
    krb5_free_creds(c, t);
    kcd_context_give(c);
    return st;
}

void deleg_negotiate_request(request_rec *r, deleg_req *q)
{
    const char *user = NULL, *pw = NULL, *value = NULL;
    int st;

    q->source = deleg_password(r, q, &user, &pw);
    if (q->source == DELEG_FROM_NOTHING)
        return;
    st = kerberos(r, q, pw, &value);
    if (st == DECLINED) {
        deleg_ntlm_start(r, q, user, pw);
        return;
    }
    if (st != OK) {
        q->status = st;
        return;
    }
    /* The KDC took the password: a server that refuses the ticket is an
     * alert (its keytab, its clock), which asking the user would not mend. */
    q->scheme = "";
    apr_table_setn(r->headers_in, "Authorization", value);
    q->sent = 1;
    deleg_core.stat(AGW_M_DELEGATE, AGW_C_ATTEMPTS, 1);
}
