/* Kerberos pure logic for the authgw-kerberos provider (no krb5 library
 * here): the user name typed at the gateway → the client principal, the
 * NTSTATUS that Active Directory KDCs put in a KRB-ERROR's e-data, and the
 * reason of a refused kpasswd change. */
#ifndef AGW_KERB_H
#define AGW_KERB_H

#include <stddef.h>
#include <stdint.h>

#include <apr_pools.h>

typedef enum {
    AGW_KERB_NAME_OK = 0,
    AGW_KERB_NAME_FOREIGN, /* another realm or domain: not this provider's */
    AGW_KERB_NAME_INVALID  /* not a user name at all */
} agw_kerb_name;

/* Maps a user name to the name part of a principal of realm, one rule per
 * spelling:
 *   user          → user @ realm
 *   user@r        → user @ realm, FOREIGN unless r is realm
 *   DOMAIN\user   → user @ realm, FOREIGN unless DOMAIN is netbios or realm
 * Realms and domains are compared without regard to ASCII case; netbios
 * NULL means the realm's first label.  INVALID:
 * empty parts, more than one '@' or '\', both, a '/' (which would name
 * another principal component), control characters, or more than
 * AGW_KERB_NAME_MAX bytes.  *name is in p. */
#define AGW_KERB_NAME_MAX 256
agw_kerb_name agw_kerb_map_user(const char *user, const char *realm,
                                const char *netbios, apr_pool_t *p,
                                const char **name);

/* The NTSTATUS carried by a KRB-ERROR's e-data, in either of AD's forms:
 * METHOD-DATA holding a PA-PW-SALT (padata-type 3) of 12 bytes (NTSTATUS,
 * reserved, flags; little-endian), or KERB-ERROR-DATA of data-type
 * KERB_ERR_TYPE_EXTENDED (3) holding a KERB-EXT-ERROR (MS-KILE 2.2.1).
 * Returns 0 and *status, or -1 when there is none or the DER is malformed. */
int agw_kerb_edata_status(const unsigned char *p, size_t n, uint32_t *status);

#define AGW_NT_PASSWORD_EXPIRED 0xC0000071u
#define AGW_NT_ACCOUNT_DISABLED 0xC0000072u
#define AGW_NT_ACCOUNT_EXPIRED 0xC0000193u
#define AGW_NT_PASSWORD_MUST_CHANGE 0xC0000224u
#define AGW_NT_ACCOUNT_LOCKED_OUT 0xC0000234u

/* The account note (authgw.h AUTHGW_NOTE_ACCOUNT) for an NTSTATUS, or NULL. */
const char *agw_kerb_account_state(uint32_t status);

/* kpasswd result codes (RFC 3244). */
#define AGW_KPASSWD_SUCCESS 0
#define AGW_KPASSWD_SOFTERROR 4
#define AGW_KPASSWD_ACCESSDENIED 5

/* Why the KDC refused a new password, fit for AUTHGW_NOTE_PASSWORD_REFUSED:
 * "too-short", "complexity", "history", "min-age" when the result string
 * says so (Samba's texts), else "policy" (Windows sends a binary policy
 * block that does not say which rule failed).  NULL when result_code is
 * neither a policy refusal nor access denied (a protocol error). */
const char *agw_kerb_kpasswd_reason(int result_code, const unsigned char *s,
                                    size_t n);

#endif
