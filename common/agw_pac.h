/* The user and groups of a Kerberos ticket's PAC (MS-PAC): the
 * KERB_VALIDATION_INFO of its PAC_LOGON_INFO buffer (§2.5), NDR-encoded in
 * a type serialization version 1 (MS-RPCE §2.2.6), as GSSAPI gives it (MIT:
 * the name attribute "urn:mspac:logon-info", once the KDC's signature over
 * the PAC was verified).
 *
 * The decoder reads the fixed structure and its deferred referents in NDR
 * order, little-endian only, and refuses what a DC does not write: a header
 * of another version, a count that disagrees with its array, a NULL pointer
 * with a count, a string whose lengths disagree, a SID of another revision
 * or of more than 15 sub-authorities, bytes past the object buffer or more
 * than its 8-byte padding after the last referent.  Every length is checked
 * against what is left before anything is read or allocated; strings and
 * SIDs are copied out. */
#ifndef AGW_PAC_H
#define AGW_PAC_H

#include <stddef.h>
#include <stdint.h>

#include <apr_pools.h>

#define AGW_SID_MAX_SUBAUTH 15

typedef struct {
    uint8_t revision;
    uint8_t n;                     /* SubAuthorityCount */
    uint8_t authority[6];          /* IdentifierAuthority, big-endian */
    uint32_t sub[AGW_SID_MAX_SUBAUTH];
} agw_sid;

/* LOGON_RESOURCE_GROUPS in UserFlags: ResourceGroupIds are meaningful. */
#define AGW_PAC_RESOURCE_GROUPS 0x200u

typedef struct {
    const char *user;              /* EffectiveName, UTF-8 */
    const char *domain;            /* LogonDomainName, UTF-8 */
    agw_sid domain_sid;            /* LogonDomainId */
    uint32_t user_rid, primary_rid, user_flags;
    /* The group SIDs: GroupIds (each LogonDomainId + RID), then ExtraSids,
     * then, under AGW_PAC_RESOURCE_GROUPS, ResourceGroupIds (each
     * ResourceGroupDomainSid + RID). */
    size_t n_groups;
    agw_sid *groups;
} agw_pac_logon;

typedef enum {
    AGW_PAC_OK = 0,
    AGW_PAC_TRUNCATED,   /* a length or count runs past the end */
    AGW_PAC_BAD_HEADER,  /* not a little-endian type serialization v1 */
    AGW_PAC_BAD_POINTER, /* a NULL top-level pointer, or one NULL with a count */
    AGW_PAC_BAD_COUNT,   /* an array's count disagrees with its field */
    AGW_PAC_BAD_STRING,  /* lengths that disagree, not UTF-16 */
    AGW_PAC_BAD_SID,     /* another revision, too many sub-authorities */
    AGW_PAC_TRAILING     /* bytes past the padding of the last referent */
} agw_pac_status;

agw_pac_status agw_pac_logon_info(apr_pool_t *p, const unsigned char *in,
                                  size_t n, agw_pac_logon *out);

/* A short word for each status, fit for a log line. */
const char *agw_pac_reason(agw_pac_status st);

/* "S-1-5-21-...-513". */
const char *agw_sid_text(apr_pool_t *p, const agw_sid *s);

#endif
