/* The client certificate directives: AuthGWCertificateMap, -Issuer, -EKU,
 * -Policy and AuthGWFormRequireCertificate (forms_cert.c uses them). */
#include "forms.h"

#include <apr_strings.h>

#include "agw_cert.h"

void forms_cert_merge(forms_cert_dir *c, const forms_cert_dir *base,
                      const forms_cert_dir *add)
{
    MERGE(map);
    MERGE(issuers);
    MERGE(ekus);
    MERGE(policies);
    MERGE(required);
}

const char *forms_cmd_cert_map(cmd_parms *cmd, void *dc, const char *arg)
{
    static const char *const names[] = { "upn", "email", "subject", "ldap" };
    forms_cert_dir *c = &((forms_dir *)dc)->cert;
    size_t i;
    (void)cmd;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(arg, names[i])) {
            c->map = (agw_cert_map)i;
            c->map_set = 1;
            return NULL;
        }
    return "AuthGWCertificateMap: use upn (the smart-card default), email,"
           " subject or ldap";
}

/* The first use in a section replaces the inherited list. */
static apr_array_header_t *own_list(cmd_parms *cmd, apr_array_header_t **l,
                                    unsigned int *set)
{
    if (!*set) {
        *l = apr_array_make(cmd->pool, 4, sizeof(const char *));
        *set = 1;
    }
    return *l;
}

const char *forms_cmd_cert_issuer(cmd_parms *cmd, void *dc, const char *arg)
{
    forms_cert_dir *c = &((forms_dir *)dc)->cert;
    unsigned int set = c->issuers_set;
    if (!strchr(arg, '='))
        return apr_psprintf(cmd->pool, "AuthGWCertificateIssuer: '%s' is not"
                            " a DN; give the issuer as openssl x509 -noout"
                            " -issuer -nameopt RFC2253 prints it, in quotes",
                            arg);
    APR_ARRAY_PUSH(own_list(cmd, &c->issuers, &set), const char *) = arg;
    c->issuers_set = set;
    return NULL;
}

const char *forms_cmd_cert_eku(cmd_parms *cmd, void *dc, const char *arg)
{
    forms_cert_dir *c = &((forms_dir *)dc)->cert;
    unsigned int set = c->ekus_set;
    const char *oid = agw_cert_eku_oid(arg);
    if (!oid)
        return apr_psprintf(cmd->pool, "AuthGWCertificateEKU: '%s' is neither"
                            " clientAuth, smartcardLogon, serverAuth,"
                            " emailProtection, anyExtendedKeyUsage nor a"
                            " dotted OID", arg);
    APR_ARRAY_PUSH(own_list(cmd, &c->ekus, &set), const char *) = oid;
    c->ekus_set = set;
    return NULL;
}

const char *forms_cmd_cert_policy(cmd_parms *cmd, void *dc, const char *arg)
{
    forms_cert_dir *c = &((forms_dir *)dc)->cert;
    unsigned int set = c->policies_set;
    if (!agw_cert_oid_ok(arg))
        return apr_psprintf(cmd->pool, "AuthGWCertificatePolicy: '%s' is not"
                            " a dotted OID such as 1.3.6.1.4.1.311.21.8.1",
                            arg);
    APR_ARRAY_PUSH(own_list(cmd, &c->policies, &set), const char *) = arg;
    c->policies_set = set;
    return NULL;
}

const char *forms_cmd_cert_required(cmd_parms *cmd, void *dc, int on)
{
    forms_cert_dir *c = &((forms_dir *)dc)->cert;
    (void)cmd;
    c->required = on;
    c->required_set = 1;
    return NULL;
}
