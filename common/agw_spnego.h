/* SPNEGO tokens (RFC 4178) as HTTP Negotiate carries them (RFC 4559): the
 * initiator's first token, a NegTokenInit framed as a GSS-API
 * InitialContextToken (RFC 2743 §3.1), and the NegTokenResp of every later
 * leg, both ways.
 *
 * DER only (X.690 §10), because a MIC covers the mechTypes as they were
 * sent and a gateway must read a token one way only: definite lengths in
 * the fewest bytes (at most 4 length bytes), one-byte tags, primitive OCTET
 * STRINGs, minimal OIDs, each field at most once and in the order of the
 * ASN.1, no unknown field and no byte after the last one.  So decoding and
 * encoding again gives back the same bytes.
 *
 * The decoder does not allocate and does not recurse: it walks the fixed
 * shape of RFC 4178 (five levels at most) and points into the caller's
 * bytes; the mechTypes list holds at most AGW_SPNEGO_MAX_MECHS entries. */
#ifndef AGW_SPNEGO_H
#define AGW_SPNEGO_H

#include <stddef.h>

#include <apr_pools.h>

#define AGW_SPNEGO_MAX_MECHS 16

/* negState of a NegTokenResp; AGW_SPNEGO_STATE_NONE when absent. */
#define AGW_SPNEGO_STATE_NONE -1
#define AGW_SPNEGO_ACCEPT_COMPLETED 0
#define AGW_SPNEGO_ACCEPT_INCOMPLETE 1
#define AGW_SPNEGO_REJECT 2
#define AGW_SPNEGO_REQUEST_MIC 3

typedef struct {
    const unsigned char *p; /* may be NULL when len is 0 */
    size_t len;
} agw_spnego_buf;

/* Mechanism OIDs, as the contents of their DER encoding. */
extern const agw_spnego_buf agw_oid_spnego;   /* 1.3.6.1.5.5.2 */
extern const agw_spnego_buf agw_oid_ntlmssp;  /* 1.3.6.1.4.1.311.2.2.10 */
extern const agw_spnego_buf agw_oid_krb5;     /* 1.2.840.113554.1.2.2 */
extern const agw_spnego_buf agw_oid_ms_krb5;  /* 1.2.840.48018.1.2.2 */
extern const agw_spnego_buf agw_oid_negoex;   /* 1.3.6.1.4.1.311.2.2.30 */

typedef enum {
    AGW_SPNEGO_OK = 0,
    AGW_SPNEGO_OTHER_MECH, /* a well-framed GSS-API token of another mechanism
                            * (raw Kerberos): this_mech says which */
    AGW_SPNEGO_NOT_GSS,    /* neither a GSS-API token nor a NegTokenResp */
    AGW_SPNEGO_TRUNCATED,  /* a length runs past the end */
    AGW_SPNEGO_BAD_DER,    /* indefinite or non-minimal length, long tag, ... */
    AGW_SPNEGO_BAD_TAG,    /* a field unknown, repeated, out of order, or of
                            * the wrong type */
    AGW_SPNEGO_TRAILING,   /* bytes after a complete element */
    AGW_SPNEGO_BAD_OID,    /* an OID that is empty or not minimal */
    AGW_SPNEGO_TOO_MANY,   /* more than AGW_SPNEGO_MAX_MECHS mechTypes */
    AGW_SPNEGO_BAD_VALUE,  /* empty mechTypes, negState out of range, a bad
                            * BIT STRING */
    AGW_SPNEGO_NOROOM      /* encoding: the buffer is too small */
} agw_spnego_status;

typedef enum {
    AGW_SPNEGO_INIT = 0, /* NegTokenInit (framed) */
    AGW_SPNEGO_RESP      /* NegTokenResp */
} agw_spnego_kind;

typedef struct {
    agw_spnego_kind kind;
    /* Decoding: the mechanism of an AGW_SPNEGO_OTHER_MECH token. */
    agw_spnego_buf this_mech;
    /* NegTokenInit: mechTypes.  mech_types is the whole DER MechTypeList
     * (SEQUENCE tag and length included), what a mechListMIC covers;
     * decoding sets it, encoding ignores it. */
    agw_spnego_buf mech_types;
    size_t n_mechs;
    agw_spnego_buf mechs[AGW_SPNEGO_MAX_MECHS];
    /* NegTokenInit: reqFlags, the BIT STRING's contents (unused-bits byte
     * first), when has_req_flags. */
    int has_req_flags;
    agw_spnego_buf req_flags;
    /* NegTokenResp. */
    int neg_state;                 /* AGW_SPNEGO_STATE_NONE when absent */
    agw_spnego_buf supported_mech; /* len 0 when absent */
    /* mechToken (NegTokenInit) or responseToken (NegTokenResp). */
    int has_token;
    agw_spnego_buf token;
    int has_mic;
    agw_spnego_buf mic;            /* mechListMIC */
} agw_spnego_token;

/* Decodes a whole token: AGW_SPNEGO_OK and *out filled (pointing into in),
 * AGW_SPNEGO_OTHER_MECH with out->this_mech, or the reason. */
agw_spnego_status agw_spnego_decode(const unsigned char *in, size_t n,
                                    agw_spnego_token *out);

/* Encodes t (a NegTokenInit framed as an InitialContextToken, or a
 * NegTokenResp, by t->kind) into out (cap bytes). */
agw_spnego_status agw_spnego_encode(const agw_spnego_token *t,
                                    unsigned char *out, size_t cap,
                                    size_t *outlen);

/* A short word for each status, fit for a log line. */
const char *agw_spnego_reason(agw_spnego_status st);

int agw_spnego_oid_eq(const agw_spnego_buf *a, const agw_spnego_buf *b);
/* Where oid is in t's mechTypes, or -1. */
int agw_spnego_mech_index(const agw_spnego_token *t, const agw_spnego_buf *oid);
/* 1 for the Kerberos OIDs (RFC 4121 and Microsoft's). */
int agw_spnego_is_kerberos(const agw_spnego_buf *oid);
/* The name of a known mechanism ("NTLMSSP", "Kerberos", ...), else the OID
 * in dotted form (arcs beyond 64 bits are written as "?"). */
const char *agw_spnego_mech_name(apr_pool_t *p, const agw_spnego_buf *oid);

#endif
