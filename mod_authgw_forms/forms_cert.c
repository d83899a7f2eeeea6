/* AuthType GatewayCertificate and the certificate of the two-factor form.
 *
 * mod_ssl does the handshake and verifies the chain, the dates and the
 * revocation lists (SSLVerifyClient, SSLCACertificateFile,
 * SSLCARevocationFile); a certificate it could not verify never reaches
 * here as SUCCESS.  This file reads the verified certificate through
 * mod_ssl's optional function ssl_var_lookup, applies AuthGWCertificate*
 * (agw_cert.c), maps it to an account and asks the directory that the
 * account exists and is enabled (authgw_ldap_account of mod_authgw_core,
 * where an AuthGWLDAPServer applies).  A logon issues the ordinary SSO
 * session, so later requests need no certificate check. */
#include "forms.h"

#include <string.h>

#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <mod_ssl.h>

#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_forms);

static APR_OPTIONAL_FN_TYPE(ssl_var_lookup) *ssl_lookup;
static APR_OPTIONAL_FN_TYPE(authgw_ldap_account) *ldap_account;

void forms_cert_retrieve(void)
{
    ssl_lookup = APR_RETRIEVE_OPTIONAL_FN(ssl_var_lookup);
    ldap_account = APR_RETRIEVE_OPTIONAL_FN(authgw_ldap_account);
}

static const char *const map_names[] = { "upn", "email", "subject", "ldap" };
/* What each mapping looks up in the directory (NULL: the entry's DN). */
static const char *const map_attrs[] = {
    "userPrincipalName", "mail", NULL, "altSecurityIdentities"
};

static const char *ssl_var(request_rec *r, const char *name)
{
    return ssl_lookup(r->pool, r->server, r->connection, r, (char *)name);
}

/* The certificate mod_ssl verified, read; OK or 403/500 (logged). */
static int verified_cert(request_rec *r, agw_cert *c)
{
    const char *verify, *pem, *why;

    if (!ssl_lookup) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20101)
                 "a client certificate is asked for where mod_ssl is not"
                 " loaded: load mod_ssl and serve this site over https with"
                 " SSLVerifyClient optional or require");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    verify = ssl_var(r, "SSL_CLIENT_VERIFY");
    if (!verify || !*verify) {
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20102)
                 "request from %s did not come over TLS, so it has no client"
                 " certificate: refused (publish this site on an SSLEngine on"
                 " virtual host)", r->useragent_ip);
        return HTTP_FORBIDDEN;
    }
    if (!strcmp(verify, "NONE")) {
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20103)
                 "client %s sent no client certificate: refused (reason"
                 " no-certificate)", r->useragent_ip);
        return HTTP_FORBIDDEN;
    }
    if (strcmp(verify, "SUCCESS")) {
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20104)
                 "the client certificate of %s was not verified by mod_ssl"
                 " (%s): refused (reason not-verified; SSLVerifyClient"
                 " optional_no_ca lets such certificates through)",
                 r->useragent_ip, agw_log_item(r->pool, verify));
        return HTTP_FORBIDDEN;
    }
    pem = ssl_var(r, "SSL_CLIENT_CERT");
    why = pem ? agw_cert_parse(r->pool, (const unsigned char *)pem,
                               strlen(pem), c)
              : "mod_ssl gave none";
    if (why) {
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20105)
                 "the client certificate of %s cannot be read: %s: refused"
                 " (reason unreadable)", r->useragent_ip, why);
        return HTTP_FORBIDDEN;
    }
    return OK;
}

/* AuthGWCertificateIssuer, -EKU, -Policy: OK or 403 (logged). */
static int constraints(request_rec *r, const forms_cert_dir *d,
                       const agw_cert *c)
{
    agw_cert_rules rules;
    const char *subj = agw_log_item(r->pool, c->subject);

    rules.issuers = d->issuers;
    rules.ekus = d->ekus;
    rules.policies = d->policies;
    switch (agw_cert_check(c, &rules)) {
    case AGW_CERT_OK:
        return OK;
    case AGW_CERT_BAD_ISSUER:
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20106)
                 "client certificate '%s' of %s was issued by '%s', which is"
                 " not one of AuthGWCertificateIssuer: refused (reason"
                 " issuer)", subj, r->useragent_ip,
                 agw_log_item(r->pool, c->issuer));
        break;
    case AGW_CERT_BAD_EKU:
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20107)
                 "client certificate '%s' of %s has none of the extended key"
                 " usages of AuthGWCertificateEKU (it has %s): refused"
                 " (reason eku)", subj, r->useragent_ip,
                 c->ekus && c->ekus->nelts
                     ? apr_array_pstrcat(r->pool, c->ekus, ' ') : "none");
        break;
    case AGW_CERT_BAD_POLICY:
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20108)
                 "client certificate '%s' of %s has none of the policies of"
                 " AuthGWCertificatePolicy (it has %s): refused (reason"
                 " policy)", subj, r->useragent_ip,
                 c->policies->nelts
                     ? apr_array_pstrcat(r->pool, c->policies, ' ') : "none");
        break;
    }
    return HTTP_FORBIDDEN;
}

/* The directory's word on the mapped name: OK with id->user set, or the
 * status of a refusal (logged). */
static int account(request_rec *r, const forms_cert_dir *d, forms_cert_id *id)
{
    const char *user = NULL, *state;
    int rc = ldap_account ? ldap_account(r, map_attrs[d->map], id->name, &user)
                          : AUTHGW_ACCOUNT_NO_DIRECTORY;

    switch (rc) {
    case AUTHGW_ACCOUNT_OK:
        id->user = user;
        return OK;
    case AUTHGW_ACCOUNT_NO_DIRECTORY:
        if (d->map == AGW_CERT_MAP_LDAP) {
            agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20113)
                     "AuthGWCertificateMap ldap needs the directory, and no"
                     " AuthGWLDAPServer applies here: add AuthGWLDAPServer,"
                     " AuthGWLDAPBase and AuthGWLDAPBind to this location");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        /* The CA vouches for the name; no account is checked. */
        id->user = id->name;
        agw_rlog(APLOG_MARK, APLOG_DEBUG, 0, r, AGWNO(20117)
                 "no AuthGWLDAPServer here: the certificate's name '%s' is"
                 " the user, with no account check",
                 agw_log_item(r->pool, id->name));
        return OK;
    case AUTHGW_ACCOUNT_UNKNOWN:
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20110)
                 "client certificate '%s' of %s maps to '%s' (%s), which the"
                 " directory does not know: refused (reason unknown-account)",
                 agw_log_item(r->pool, id->cert->subject), r->useragent_ip,
                 agw_log_item(r->pool, id->name), map_names[d->map]);
        return HTTP_FORBIDDEN;
    case AUTHGW_ACCOUNT_REFUSED:
        state = apr_table_get(r->notes, AUTHGW_NOTE_ACCOUNT);
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20111)
                 "client certificate '%s' of %s maps to '%s', whose account"
                 " is %s: refused (reason account-%s)",
                 agw_log_item(r->pool, id->cert->subject), r->useragent_ip,
                 agw_log_item(r->pool, id->name), state ? state : "refused",
                 state ? state : "refused");
        return HTTP_FORBIDDEN;
    default:
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20112)
                 "the account of client certificate '%s' could not be looked"
                 " up (see the directory's log lines): refused for now",
                 agw_log_item(r->pool, id->name));
        return HTTP_SERVICE_UNAVAILABLE;
    }
}

int forms_cert_identify(request_rec *r, forms_cert_id *id)
{
    const forms_cert_dir *d = &forms_dir_of(r)->cert;
    agw_cert *c = apr_pcalloc(r->pool, sizeof *c);
    int rc;

    memset(id, 0, sizeof *id);
    if ((rc = verified_cert(r, c)) != OK || (rc = constraints(r, d, c)) != OK)
        return rc;
    id->cert = c;
    if (!(id->name = agw_cert_name(c, d->map))) {
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20109)
                 "client certificate '%s' of %s has no %s to name its user"
                 " (AuthGWCertificateMap %s): refused (reason no-name)",
                 agw_log_item(r->pool, c->subject), r->useragent_ip,
                 d->map == AGW_CERT_MAP_EMAIL ? "e-mail address"
                                              : "UPN in its subjectAltName",
                 map_names[d->map]);
        return HTTP_FORBIDDEN;
    }
    if ((rc = account(r, d, id)) != OK)
        return rc;
    apr_table_setn(r->notes, AUTHGW_NOTE_CERT_SUBJECT, c->subject);
    apr_table_setn(r->notes, AUTHGW_NOTE_CERT_ISSUER, c->issuer);
    apr_table_setn(r->notes, AUTHGW_NOTE_CERT_NAME, id->name);
    return OK;
}

int forms_cert_same_user(const forms_cert_id *id, const char *user)
{
    return user && (!strcasecmp(user, id->user) || !strcasecmp(user, id->name));
}

#define CERT_USER_KEY "authgw-forms-cert-user"

int forms_cert_second_factor(request_rec *r, const char *user,
                             forms_msg *msg)
{
    const char *done = NULL;
    forms_cert_id id;
    int rc;

    if (!forms_dir_of(r)->cert.required)
        return OK;
    apr_pool_userdata_get((void **)&done, CERT_USER_KEY, r->pool);
    if (done && !strcmp(done, user))
        return OK;
    rc = forms_cert_identify(r, &id);
    if (rc == OK && !forms_cert_same_user(&id, user)) {
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20115)
                 "form logon of '%s' from %s refused: the client certificate"
                 " '%s' is that of '%s' (reason certificate-user-differs)",
                 agw_log_item(r->pool, user), r->useragent_ip,
                 agw_log_item(r->pool, id.cert->subject),
                 agw_log_item(r->pool, id.user));
        rc = HTTP_FORBIDDEN;
        *msg = FORMS_MSG_CERT_MISMATCH;
    }
    else if (rc == OK)
        apr_pool_userdata_setn(apr_pstrdup(r->pool, user), CERT_USER_KEY,
                               NULL, r->pool);
    else
        *msg = rc == HTTP_SERVICE_UNAVAILABLE ? FORMS_MSG_UNAVAILABLE
                                              : FORMS_MSG_CERT_REQUIRED;
    return rc;
}

int forms_session_has_cert(request_rec *r)
{
    const char *m = forms_session_method(r);
    return m && (!strcmp(m, FORMS_METHOD_CERT)
                 || !strcmp(m, FORMS_METHOD_FORM_CERT));
}

static int is_cert_type(request_rec *r)
{
    const char *t = ap_auth_type(r);
    return t && !strcasecmp(t, FORMS_CERT_AUTH_TYPE);
}

int forms_cert_check_authn(request_rec *r)
{
    forms_cert_id id;
    const char *user;
    int rc;

    if (!is_cert_type(r))
        return DECLINED;
    if (!forms_core.keyring) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20118)
                 "AuthType GatewayCertificate needs mod_authgw_core: load it"
                 " before mod_authgw_forms");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* A session counts only when a certificate opened it. */
    user = authgw_session_user(r);
    if (user && forms_session_has_cert(r)) {
        r->user = (char *)user;
        r->ap_auth_type = FORMS_CERT_AUTH_TYPE;
        return OK;
    }
    apr_table_setn(r->notes, AUTHGW_NOTE_RECEIPT, FORMS_METHOD_CERT);
    if ((rc = forms_cert_identify(r, &id)) != OK)
        return rc;
    if ((rc = authgw_session_issue(r, id.user, FORMS_METHOD_CERT)) != OK)
        return rc;
    agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20114)
             "user '%s' logged on from %s with client certificate '%s'"
             " (issuer '%s')", agw_log_item(r->pool, id.user), r->useragent_ip,
             agw_log_item(r->pool, id.cert->subject),
             agw_log_item(r->pool, id.cert->issuer));
    r->user = apr_pstrdup(r->pool, id.user);
    r->ap_auth_type = FORMS_CERT_AUTH_TYPE;
    return OK;
}
