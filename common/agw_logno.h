/* Log line identifiers.
 *
 * Every log line starts with "AGW<n>: " so that docs/troubleshooting.md can be
 * searched by id.  Blocks: 1xxxx core, 2xxxx forms, 3xxxx ntlm/negotiate,
 * 4xxxx radius, 5xxxx delegation.  Numbers are never reused.
 *
 * Next free in the first block of each module: core 10039, forms 20032,
 * ntlm 30061, radius 40017, delegation 50009.  Ranges handed out since
 * (next free in brackets):
 *   core   10060-10099 Kerberos [10075], 10100-10109 forms [10100],
 *          10110-10139 fail-open [10114], 10140-10149 certificate
 *          accounts [10145], 10150-10159 LDAP connection pool [10151];
 *   forms  20050-20059 password pages [full], 20060-20069 delegation
 *          [20063], 20080-20089 operations [20080], 20100-20139 client
 *          certificates and AuthGWSessionBindIP [20119];
 *   ntlm   30061-30069 operations [30061];
 *   radius 40020-40029 operations [40020];
 *   deleg. 50040-50069 Kerberos constrained delegation [50053],
 *          50070-50099 NTLM and Negotiate [50074, 50082; 50070 unused],
 *          50100-50119 SecurID and more [50102].
 */
#ifndef AGW_LOGNO_H
#define AGW_LOGNO_H

#define AGWNO(n) "AGW" #n ": "

#endif
