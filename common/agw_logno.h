/* Log line identifiers.
 *
 * Every log line starts with "AGW<n>: " so that docs/troubleshooting.md can be
 * searched by id.  Blocks: 1xxxx core, 2xxxx forms, 3xxxx ntlm/negotiate,
 * 4xxxx radius, 5xxxx delegation.  Numbers are never reused.
 *
 * Next free: core 10039, forms 20032, ntlm 30056, radius 40017,
 * delegation 50009.
 * Ranges handed out: 10060-10099 Kerberos (next free 10075), 10100-10109
 * forms, 10140-10149 certificate accounts (next free 10145); forms
 * 20050-20059 password pages, 20060-20069 delegation (20063 next),
 * 20100-20139 client certificates and AuthGWSessionBindIP (next free
 * 20119); delegation 50040-50069 Kerberos constrained delegation,
 * 50070-50099 NTLM and Negotiate delegation (50074, 50082 next; 50070
 * is unused), 50100-50119 SecurID delegation and more methods (50102
 * next).  Operations: core 10110-10139 (fail-open; next free 10114),
 * forms 20080-20089, ntlm 30061-30069, radius 40020-40029.
 */
#ifndef AGW_LOGNO_H
#define AGW_LOGNO_H

#define AGWNO(n) "AGW" #n ": "

#endif
