/* Kerberos constrained delegation, the pure logic (no httpd, no krb5 here):
 * the service principal name a published server is asked for
 * (AuthGWDelegateSPN, whose host "*" stands for the published host), the
 * host of the URL mod_proxy fetches, and the SPNEGO wrapping of a Kerberos
 * token for "Authorization: Negotiate". */
#ifndef AGW_KCD_H
#define AGW_KCD_H

#include <stddef.h>

#include <apr_pools.h>

/* NULL when spn is a template AuthGWDelegateSPN takes, else why not:
 *   SERVICE/HOST[@REALM]
 * SERVICE: 1-64 letters, digits, '-', '_', '.'; HOST: "*" (the published
 * host) or 1-253 letters, digits, '-', '_', '.', with an optional ":port"
 * (as in MSSQLSvc/db.example.com:1433); REALM as agw_domain_name_ok. */
const char *agw_spn_check(const char *spn);

/* The SPN for a published host: a template's "*" replaced by host (as
 * agw_url_host gives it); a template without "*" as it is.  NULL when the
 * template has "*" and host is NULL. */
const char *agw_spn_for(apr_pool_t *p, const char *spn, const char *host);

/* The host of the absolute URL that mod_proxy fetches
 * ("scheme://[userinfo@]host[:port][/...]"; for a Unix socket
 * "unix:/path|http://host/..." the URL after '|'), in lower case, an IPv6
 * address without its brackets.  NULL when there is none or it holds
 * anything but letters, digits, '-', '_', '.' (and ':' inside brackets). */
const char *agw_url_host(apr_pool_t *p, const char *url);

/* The largest Kerberos token wrapped here (a ticket with a large PAC is
 * some tens of kilobytes; this is no HTTP header any more). */
#define AGW_KCD_MAX_TOKEN (1u << 20)

/* The Kerberos mechanism's initial context token (RFC 1964 1.1, RFC 4121
 * 4.1): the GSS-API framing with the mechanism's OID, TOK_ID 01 00, then
 * the AP-REQ as the Kerberos library encoded it.  *outlen is the length;
 * NULL when n is above AGW_KCD_MAX_TOKEN. */
unsigned char *agw_gss_krb5_init_token(apr_pool_t *p,
                                       const unsigned char *ap_req, size_t n,
                                       size_t *outlen);

/* The authenticator checksum of that token (RFC 4121 4.1.1, checksum type
 * 0x8003) without channel bindings or delegation: Lgth 16, Bnd all zero,
 * then the context flags, little-endian. */
#define AGW_GSS_CKSUM_LEN 24
void agw_gss_krb5_checksum(unsigned char out[AGW_GSS_CKSUM_LEN],
                           unsigned int flags);

/* What "Authorization: Negotiate" carries: a SPNEGO NegTokenInit (RFC 4178,
 * framed) that offers the Kerberos mechanism only and carries tok, its
 * initial context token, as the optimistic mechToken (agw_spnego_encode).
 * Why here: MIT's SPNEGO cannot use impersonated (S4U) credentials.
 * NULL when n is above AGW_KCD_MAX_TOKEN. */
unsigned char *agw_kcd_spnego(apr_pool_t *p, const unsigned char *tok,
                              size_t n, size_t *outlen);

#endif
