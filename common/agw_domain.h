/* Checks of the SSO cookie domain (AuthGWSSODomain). */
#ifndef AGW_DOMAIN_H
#define AGW_DOMAIN_H

#include <stddef.h>

/* NULL when domain may scope the SSO cookie; otherwise why not.  A leading
 * dot is allowed.  Refused: bare top-level domains, IP addresses, names that
 * are not host names, and public suffixes (".co.uk", ".github.io") from the
 * Public Suffix List through libpsl: a cookie for those would be sent to
 * other organisations' sites. */
const char *agw_sso_domain_check(const char *domain);

/* 1 when host equals domain (leading dot ignored) or ends with "."+domain. */
int agw_host_in_domain(const char *host, const char *domain);

/* 1 when s is 1..max characters of letters, digits, '-', '_' and, with
 * dots, '.': a NetBIOS domain (max 15, no dots), a DNS domain or a Kerberos
 * realm as a directive takes it. */
int agw_domain_name_ok(const char *s, size_t max, int dots);

#endif
