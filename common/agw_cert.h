/* Client certificates: what authgw reads from the certificate that mod_ssl
 * verified (names, extended key usages, policies), how it maps to a user,
 * and the constraints of AuthGWCertificateIssuer / EKU / Policy.
 *
 * The chain, validity dates and revocation are mod_ssl's (SSLVerifyClient,
 * SSLCACertificateFile, SSLCARevocationFile): this code only reads the leaf
 * certificate it was given, so it never decides that one is trusted. */
#ifndef AGW_CERT_H
#define AGW_CERT_H

#include <stddef.h>

#include <apr_pools.h>
#include <apr_tables.h>

/* Largest certificate accepted, PEM or DER. */
#define AGW_CERT_MAX 65536

#define AGW_OID_UPN "1.3.6.1.4.1.311.20.2.3"
#define AGW_OID_CLIENT_AUTH "1.3.6.1.5.5.7.3.2"
#define AGW_OID_SMARTCARD_LOGON "1.3.6.1.4.1.311.20.2.2"

typedef struct {
    const char *subject;  /* RFC 4514: CN=alice,O=Example,C=DE */
    const char *issuer;
    /* AD's altSecurityIdentities value for this certificate:
     * "X509:<I>" issuer "<S>" subject, each in X.500 order (C=DE,O=...,
     * CN=...), as Active Directory writes it for an explicit mapping. */
    const char *altsec;
    apr_array_header_t *upns;      /* of const char *: UPN otherNames */
    apr_array_header_t *emails;    /* of const char *: rfc822Name SANs */
    apr_array_header_t *ekus;      /* of const char *, dotted; NULL: no EKU
                                    * extension */
    apr_array_header_t *policies;  /* of const char *, dotted */
} agw_cert;

/* Reads one certificate: PEM (the first CERTIFICATE block) or DER (which
 * must be the whole buffer).  NULL, or why it cannot be read.  Names with a
 * NUL or a control character, or that are not UTF-8, are left out of the
 * lists (and make the DN unreadable), so no name is ever cut short. */
const char *agw_cert_parse(apr_pool_t *p, const unsigned char *buf,
                           size_t len, agw_cert *c);

typedef enum {
    AGW_CERT_MAP_UPN = 0,  /* the UPN of the subjectAltName (smart cards) */
    AGW_CERT_MAP_EMAIL,    /* the rfc822Name of the subjectAltName */
    AGW_CERT_MAP_SUBJECT,  /* the subject DN, RFC 4514 */
    AGW_CERT_MAP_LDAP      /* AD's altSecurityIdentities value */
} agw_cert_map;

/* The name the certificate maps to, or NULL when it has none (for UPN and
 * e-mail: the first one). */
const char *agw_cert_name(const agw_cert *c, agw_cert_map how);

/* The constraints; an empty or NULL list sets none. */
typedef struct {
    const apr_array_header_t *issuers;   /* DNs; the issuer must be one */
    const apr_array_header_t *ekus;      /* dotted; one must be present */
    const apr_array_header_t *policies;  /* dotted; one must be present */
} agw_cert_rules;

typedef enum {
    AGW_CERT_OK = 0,
    AGW_CERT_BAD_ISSUER,
    AGW_CERT_BAD_EKU,
    AGW_CERT_BAD_POLICY
} agw_cert_verdict;

agw_cert_verdict agw_cert_check(const agw_cert *c, const agw_cert_rules *r);

/* "clientAuth", "smartcardLogon", ... or a dotted OID: the dotted OID
 * (static or the argument itself), or NULL when it is neither. */
const char *agw_cert_eku_oid(const char *name);
/* 1 when s is a dotted OID (two arcs at least, no leading zeros). */
int agw_cert_oid_ok(const char *s);

/* 1 when two DNs are the same, ignoring ASCII case and blanks around the
 * separators (',', '+', '='): "CN=Test CA, O=Example" is
 * "cn=test ca,o=example". */
int agw_cert_dn_equal(const char *a, const char *b);

#endif
