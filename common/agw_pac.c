#include "agw_pac.h"

#include <string.h>

#include <apr_strings.h>

#include "agw_bytes.h"
#include "agw_ntlm.h"

/* The layout, MS-RPCE §2.2.6 and MS-PAC §2.5:
 *
 *   01 10 0800 cccccccc       common header: version 1, little-endian, 8
 *   objlen(4) filler(4)       private header: the object buffer's length
 *   referent(4)               the top-level pointer, not NULL
 *   KERB_VALIDATION_INFO      216 bytes: six FILETIMEs; six
 *                             RPC_UNICODE_STRINGs (Length, MaximumLength,
 *                             pointer); counts, RIDs, flags, pointers
 *   deferred referents, in the order of their pointers, each aligned to 4:
 *     strings: MaxCount Offset ActualCount, then UTF-16LE
 *     GroupIds: MaxCount, then (RelativeId, Attributes) pairs
 *     SIDs: MaxCount(=SubAuthorityCount), Revision, SubAuthorityCount,
 *           IdentifierAuthority(6, big-endian), SubAuthority[]
 *     ExtraSids: MaxCount, (pointer, Attributes) pairs, then each SID
 *   padding to a multiple of 8 */

const char *agw_pac_reason(agw_pac_status st)
{
    switch (st) {
    case AGW_PAC_OK: return "ok";
    case AGW_PAC_TRUNCATED: return "truncated";
    case AGW_PAC_BAD_HEADER: return "bad-header";
    case AGW_PAC_BAD_POINTER: return "bad-pointer";
    case AGW_PAC_BAD_COUNT: return "bad-count";
    case AGW_PAC_BAD_STRING: return "bad-string";
    case AGW_PAC_BAD_SID: return "bad-sid";
    case AGW_PAC_TRAILING: return "trailing-bytes";
    }
    return "unknown";
}

typedef struct {
    uint16_t len, max;
    uint32_t ptr;
} ustr;

typedef struct {
    uint32_t ptr, count;
} array;

static void align4(agw_rbuf *r)
{
    agw_r_bytes(r, (4 - r->off % 4) % 4);
}

static void ustr_hdr(agw_rbuf *r, ustr *u)
{
    u->len = agw_r_le16(r);
    u->max = agw_r_le16(r);
    u->ptr = agw_r_le32(r);
}

static void array_hdr(agw_rbuf *r, array *a)
{
    a->count = agw_r_le32(r);
    a->ptr = agw_r_le32(r);
}

/* A string's characters; as UTF-8 into *out when out is given. */
static agw_pac_status ustr_body(apr_pool_t *p, agw_rbuf *r, const ustr *u,
                                const char **out)
{
    uint32_t maxc, off, act;
    const unsigned char *c;

    if (out)
        *out = "";
    if (u->len % 2 || u->max % 2 || u->len > u->max)
        return AGW_PAC_BAD_STRING;
    if (!u->ptr)
        return u->len ? AGW_PAC_BAD_POINTER : AGW_PAC_OK;
    align4(r);
    maxc = agw_r_le32(r);
    off = agw_r_le32(r);
    act = agw_r_le32(r);
    if (r->err)
        return AGW_PAC_TRUNCATED;
    if (maxc != u->max / 2u || off != 0 || act != u->len / 2u)
        return AGW_PAC_BAD_STRING;
    c = agw_r_bytes(r, 2 * (size_t)act);
    if (!c)
        return AGW_PAC_TRUNCATED;
    if (out && act) {
        *out = agw_ntlm_utf16_to_utf8(p, c, 2 * (size_t)act);
        if (!*out)
            return AGW_PAC_BAD_STRING;
    }
    return AGW_PAC_OK;
}

static agw_pac_status sid_body(agw_rbuf *r, agw_sid *s)
{
    const unsigned char *a;
    uint32_t maxc;
    int i;

    align4(r);
    maxc = agw_r_le32(r);
    s->revision = agw_r_u8(r);
    s->n = agw_r_u8(r);
    a = agw_r_bytes(r, 6);
    if (r->err)
        return AGW_PAC_TRUNCATED;
    if (s->revision != 1 || s->n > AGW_SID_MAX_SUBAUTH || maxc != s->n)
        return AGW_PAC_BAD_SID;
    memcpy(s->authority, a, 6);
    for (i = 0; i < s->n; i++)
        s->sub[i] = agw_r_le32(r);
    return r->err ? AGW_PAC_TRUNCATED : AGW_PAC_OK;
}

/* A conformant array of 8-byte elements: its MaxCount must be the count
 * of its field, and the elements must fit in what is left. */
static agw_pac_status array_body(agw_rbuf *r, const array *a)
{
    uint32_t maxc;

    if (!a->ptr)
        return a->count ? AGW_PAC_BAD_POINTER : AGW_PAC_OK;
    align4(r);
    maxc = agw_r_le32(r);
    if (r->err)
        return AGW_PAC_TRUNCATED;
    if (maxc != a->count)
        return AGW_PAC_BAD_COUNT;
    return a->count > (r->len - r->off) / 8 ? AGW_PAC_TRUNCATED : AGW_PAC_OK;
}

/* GroupIds or ResourceGroupIds: each RID into out[i].sub[0], until
 * with_domain makes them SIDs (GroupIds come before their domain SID). */
static agw_pac_status read_rids(agw_rbuf *r, const array *a, agw_sid *out)
{
    agw_pac_status st = array_body(r, a);
    uint32_t i;

    for (i = 0; st == AGW_PAC_OK && a->ptr && i < a->count; i++) {
        out[i].sub[0] = agw_r_le32(r);
        agw_r_le32(r);                      /* Attributes */
    }
    return st;
}

static agw_pac_status with_domain(agw_sid *out, uint32_t count,
                                  const agw_sid *domain)
{
    uint32_t i, rid;

    if (count && domain->n >= AGW_SID_MAX_SUBAUTH)
        return AGW_PAC_BAD_SID;
    for (i = 0; i < count; i++) {
        rid = out[i].sub[0];
        out[i] = *domain;
        out[i].sub[out[i].n++] = rid;
    }
    return AGW_PAC_OK;
}

static agw_pac_status extra_sids(agw_rbuf *r, const array *a, agw_sid *out)
{
    agw_pac_status st = array_body(r, a);
    uint32_t i;

    if (st != AGW_PAC_OK || !a->ptr)
        return st;
    for (i = 0; i < a->count; i++) {
        /* A NULL SID has no meaning in the list. */
        if (!agw_r_le32(r))
            return AGW_PAC_BAD_POINTER;
        agw_r_le32(r);                      /* Attributes */
    }
    for (i = 0; i < a->count && st == AGW_PAC_OK; i++)
        st = sid_body(r, &out[i]);
    return st;
}

agw_pac_status agw_pac_logon_info(apr_pool_t *p, const unsigned char *in,
                                  size_t n, agw_pac_logon *out)
{
    agw_rbuf r;
    ustr str[6], server, domain;
    array groups, extra, resource;
    uint32_t objlen, dsid_ptr, rsid_ptr;
    agw_sid rsid, *gids, *xs, *rs;
    agw_pac_status st = AGW_PAC_OK;
    int i;

    memset(out, 0, sizeof *out);
    agw_r_init(&r, in, n);
    if (agw_r_u8(&r) != 1 || agw_r_u8(&r) != 0x10 || agw_r_le16(&r) != 8)
        return r.err ? AGW_PAC_TRUNCATED : AGW_PAC_BAD_HEADER;
    agw_r_le32(&r);                         /* filler */
    objlen = agw_r_le32(&r);
    agw_r_le32(&r);                         /* filler */
    if (r.err)
        return AGW_PAC_TRUNCATED;
    if (objlen % 8)
        return AGW_PAC_BAD_HEADER;
    if (objlen != n - r.off)
        return objlen > n - r.off ? AGW_PAC_TRUNCATED : AGW_PAC_TRAILING;
    if (!agw_r_le32(&r))
        return r.err ? AGW_PAC_TRUNCATED : AGW_PAC_BAD_POINTER;

    /* KERB_VALIDATION_INFO */
    agw_r_bytes(&r, 6 * 8);                 /* FILETIMEs */
    for (i = 0; i < 6; i++)
        ustr_hdr(&r, &str[i]);
    agw_r_le32(&r);                         /* LogonCount, BadPasswordCount */
    out->user_rid = agw_r_le32(&r);
    out->primary_rid = agw_r_le32(&r);
    array_hdr(&r, &groups);
    out->user_flags = agw_r_le32(&r);
    agw_r_bytes(&r, 16);                    /* UserSessionKey */
    ustr_hdr(&r, &server);
    ustr_hdr(&r, &domain);
    dsid_ptr = agw_r_le32(&r);
    agw_r_bytes(&r, 8 + 4 + 4 + 8 + 8 + 4 + 4); /* Reserved1 .. Reserved3 */
    array_hdr(&r, &extra);
    rsid_ptr = agw_r_le32(&r);
    array_hdr(&r, &resource);
    if (r.err)
        return AGW_PAC_TRUNCATED;
    /* Counts cannot exceed what the buffer holds (8 bytes each), so what
     * is allocated is bounded by n. */
    if (groups.count > n / 8 || extra.count > n / 8 || resource.count > n / 8)
        return AGW_PAC_TRUNCATED;
    if (!dsid_ptr || (resource.count && !rsid_ptr))
        return AGW_PAC_BAD_POINTER;
    gids = apr_pcalloc(p, sizeof *gids * (groups.count + extra.count
                                          + resource.count + 1));
    xs = gids + groups.count;
    rs = xs + extra.count;

    /* The deferred referents, in the order of their pointers. */
    for (i = 0; i < 6 && st == AGW_PAC_OK; i++)
        st = ustr_body(p, &r, &str[i], i == 0 ? &out->user : NULL);
    if (st == AGW_PAC_OK)
        st = read_rids(&r, &groups, gids);
    if (st == AGW_PAC_OK)
        st = ustr_body(p, &r, &server, NULL);
    if (st == AGW_PAC_OK)
        st = ustr_body(p, &r, &domain, &out->domain);
    if (st == AGW_PAC_OK)
        st = sid_body(&r, &out->domain_sid);
    if (st == AGW_PAC_OK)
        st = extra_sids(&r, &extra, xs);
    if (st == AGW_PAC_OK && rsid_ptr)
        st = sid_body(&r, &rsid);
    if (st == AGW_PAC_OK)
        st = read_rids(&r, &resource, rs);
    if (st == AGW_PAC_OK && r.err)
        st = AGW_PAC_TRUNCATED;
    /* Only the padding to a multiple of 8 may follow. */
    if (st == AGW_PAC_OK && r.len - r.off >= 8)
        st = AGW_PAC_TRAILING;
    if (st == AGW_PAC_OK)
        st = with_domain(gids, groups.count, &out->domain_sid);
    if (st == AGW_PAC_OK && rsid_ptr)
        st = with_domain(rs, resource.count, &rsid);
    if (st != AGW_PAC_OK)
        return st;
    out->groups = gids;
    out->n_groups = groups.count + extra.count
        + (out->user_flags & AGW_PAC_RESOURCE_GROUPS ? resource.count : 0);
    return AGW_PAC_OK;
}

const char *agw_sid_text(apr_pool_t *p, const agw_sid *s)
{
    apr_uint64_t auth = 0;
    const char *t;
    int i;

    for (i = 0; i < 6; i++)
        auth = auth << 8 | s->authority[i];
    /* MS-DTYP §2.4.2.1: decimal below 2^32, else hexadecimal. */
    t = auth < APR_UINT64_C(0x100000000)
        ? apr_psprintf(p, "S-%u-%" APR_UINT64_T_FMT, s->revision, auth)
        : apr_psprintf(p, "S-%u-0x%012" APR_UINT64_T_HEX_FMT, s->revision,
                       auth);
    for (i = 0; i < s->n; i++)
        t = apr_psprintf(p, "%s-%u", t, (unsigned)s->sub[i]);
    return t;
}
