/* Log line identifiers.
 *
 * Every log line starts with "AGW<n>: " so that docs/troubleshooting.md can be
 * searched by id.  Blocks: 1xxxx core, 2xxxx forms, 3xxxx ntlm/negotiate,
 * 4xxxx radius, 5xxxx delegation.  Numbers are never reused.
 *
 * Next free: core 10039, forms 20032, ntlm 30056, radius 40017,
 * delegation 50009.
 * Ranges handed out: 10060-10099 Kerberos (next free 10075), 10100-10109
 * forms, 10150-10159 LDAP connection pool (next free 10151); forms
 * 20050-20059 password pages, 20060-20069 delegation (20062 next);
 * delegation 50040-50069 Kerberos constrained delegation.
 */
#ifndef AGW_LOGNO_H
#define AGW_LOGNO_H

#define AGWNO(n) "AGW" #n ": "

#endif
