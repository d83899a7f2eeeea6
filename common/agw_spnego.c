#include "agw_spnego.h"

#include <string.h>

#include <apr_strings.h>

/* The shapes, RFC 2743 §3.1 and RFC 4178 §4.2:
 *
 *   60 L  InitialContextToken  [APPLICATION 0] IMPLICIT SEQUENCE
 *     06 L  thisMech            1.3.6.1.5.5.2 (SPNEGO)
 *     a0 L  negTokenInit        [0]
 *       30 L  NegTokenInit      SEQUENCE
 *         a0 L  mechTypes       [0] SEQUENCE OF OBJECT IDENTIFIER (30 L 06 L ..)
 *         a1 L  reqFlags        [1] BIT STRING                     OPTIONAL
 *         a2 L  mechToken       [2] OCTET STRING                   OPTIONAL
 *         a3 L  mechListMIC     [3] OCTET STRING                   OPTIONAL
 *
 *   a1 L  negTokenResp          [1]
 *     30 L  NegTokenResp        SEQUENCE
 *       a0 L  negState          [0] ENUMERATED (0..3)              OPTIONAL
 *       a1 L  supportedMech     [1] OBJECT IDENTIFIER              OPTIONAL
 *       a2 L  responseToken     [2] OCTET STRING                   OPTIONAL
 *       a3 L  mechListMIC       [3] OCTET STRING                   OPTIONAL
 */

#define T_SEQUENCE 0x30
#define T_OID 0x06
#define T_OCTETS 0x04
#define T_BITS 0x03
#define T_ENUM 0x0a
#define T_APP0 0x60
#define T_CTX(n) (0xa0 | (n))

static const unsigned char o_spnego[] = { 0x2b, 6, 1, 5, 5, 2 };
static const unsigned char o_ntlmssp[] = { 0x2b, 6, 1, 4, 1, 0x82, 0x37, 2, 2,
                                           0x0a };
static const unsigned char o_krb5[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 1,
                                        2, 2 };
static const unsigned char o_ms_krb5[] = { 0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12,
                                           1, 2, 2 };
static const unsigned char o_negoex[] = { 0x2b, 6, 1, 4, 1, 0x82, 0x37, 2, 2,
                                          0x1e };

const agw_spnego_buf agw_oid_spnego = { o_spnego, sizeof o_spnego };
const agw_spnego_buf agw_oid_ntlmssp = { o_ntlmssp, sizeof o_ntlmssp };
const agw_spnego_buf agw_oid_krb5 = { o_krb5, sizeof o_krb5 };
const agw_spnego_buf agw_oid_ms_krb5 = { o_ms_krb5, sizeof o_ms_krb5 };
const agw_spnego_buf agw_oid_negoex = { o_negoex, sizeof o_negoex };

const char *agw_spnego_reason(agw_spnego_status st)
{
    switch (st) {
    case AGW_SPNEGO_OK: return "ok";
    case AGW_SPNEGO_OTHER_MECH: return "other-mechanism";
    case AGW_SPNEGO_NOT_GSS: return "not-a-gss-token";
    case AGW_SPNEGO_TRUNCATED: return "truncated";
    case AGW_SPNEGO_BAD_DER: return "not-der";
    case AGW_SPNEGO_BAD_TAG: return "unexpected-field";
    case AGW_SPNEGO_TRAILING: return "trailing-bytes";
    case AGW_SPNEGO_BAD_OID: return "bad-oid";
    case AGW_SPNEGO_TOO_MANY: return "too-many-mechanisms";
    case AGW_SPNEGO_BAD_VALUE: return "bad-value";
    case AGW_SPNEGO_NOROOM: return "too-large";
    }
    return "unknown";
}

/* ---- decoding ------------------------------------------------------------ */

/* The tag of the next element, or -1 at the end. */
static int peek(const agw_spnego_buf *in)
{
    return in->len ? in->p[0] : -1;
}

/* Takes the next element, which must have tag want, off the front of in;
 * its contents into *c. */
static agw_spnego_status take(agw_spnego_buf *in, int want, agw_spnego_buf *c)
{
    size_t len, hdr, k, nb;

    if (in->len < 2)
        return in->len && in->p[0] != want ? AGW_SPNEGO_BAD_TAG
                                           : AGW_SPNEGO_TRUNCATED;
    if ((in->p[0] & 0x1f) == 0x1f)
        return AGW_SPNEGO_BAD_DER;          /* high tag number form */
    if (in->p[0] != want)
        return AGW_SPNEGO_BAD_TAG;
    len = in->p[1];
    hdr = 2;
    if (len & 0x80) {
        nb = len & 0x7f;
        /* 0x80 is BER's indefinite length; DER allows none, nor more length
         * bytes than needed, nor more than four here. */
        if (nb == 0 || nb > 4)
            return AGW_SPNEGO_BAD_DER;
        if (in->len - 2 < nb)
            return AGW_SPNEGO_TRUNCATED;
        if (in->p[2] == 0)
            return AGW_SPNEGO_BAD_DER;
        for (len = 0, k = 0; k < nb; k++)
            len = len << 8 | in->p[2 + k];
        if (len < 0x80)
            return AGW_SPNEGO_BAD_DER;
        hdr += nb;
    }
    if (in->len - hdr < len)
        return AGW_SPNEGO_TRUNCATED;
    c->p = in->p + hdr;
    c->len = len;
    in->p += hdr + len;
    in->len -= hdr + len;
    return AGW_SPNEGO_OK;
}

/* An explicitly tagged field [n] around one element of tag inner: absent
 * (0, *present unset) when the next tag is not [n]. */
static agw_spnego_status field(agw_spnego_buf *in, int n, int inner,
                               agw_spnego_buf *c, int *present)
{
    agw_spnego_buf f;
    agw_spnego_status st;

    if (peek(in) != T_CTX(n))
        return AGW_SPNEGO_OK;
    st = take(in, T_CTX(n), &f);
    if (st == AGW_SPNEGO_OK)
        st = take(&f, inner, c);
    if (st == AGW_SPNEGO_OK && f.len)
        st = AGW_SPNEGO_TRAILING;
    if (st == AGW_SPNEGO_OK)
        *present = 1;
    return st;
}

/* X.690 §8.19: non-empty; each arc in the fewest bytes (no leading 0x80),
 * the last byte ends an arc. */
static int oid_ok(const agw_spnego_buf *o)
{
    size_t i;
    int start = 1;

    if (o->len == 0 || (o->p[o->len - 1] & 0x80))
        return 0;
    for (i = 0; i < o->len; i++) {
        if (start && o->p[i] == 0x80)
            return 0;
        start = !(o->p[i] & 0x80);
    }
    return 1;
}

static agw_spnego_status mech_list(agw_spnego_buf *seq, agw_spnego_token *t)
{
    agw_spnego_buf f, list, oid;
    agw_spnego_status st;
    const unsigned char *start;

    st = take(seq, T_CTX(0), &f);
    if (st != AGW_SPNEGO_OK)
        return st;
    start = f.p;
    st = take(&f, T_SEQUENCE, &list);
    if (st != AGW_SPNEGO_OK)
        return st;
    if (f.len)
        return AGW_SPNEGO_TRAILING;
    t->mech_types.p = start;
    t->mech_types.len = (size_t)(list.p + list.len - start);
    while (list.len) {
        st = take(&list, T_OID, &oid);
        if (st != AGW_SPNEGO_OK)
            return st;
        if (!oid_ok(&oid))
            return AGW_SPNEGO_BAD_OID;
        if (t->n_mechs == AGW_SPNEGO_MAX_MECHS)
            return AGW_SPNEGO_TOO_MANY;
        t->mechs[t->n_mechs++] = oid;
    }
    return t->n_mechs ? AGW_SPNEGO_OK : AGW_SPNEGO_BAD_VALUE;
}

/* X.690 §8.6: the unused-bits count first (0..7, 0 when nothing follows),
 * and those bits zero (§11.2.1). */
static int bits_ok(const agw_spnego_buf *b)
{
    unsigned unused;
    if (b->len == 0 || b->p[0] > 7 || (b->len == 1 && b->p[0]))
        return 0;
    unused = b->p[0];
    return b->len == 1 || (b->p[b->len - 1] & ((1u << unused) - 1)) == 0;
}

static agw_spnego_status neg_init(agw_spnego_buf *in, agw_spnego_token *t)
{
    agw_spnego_buf app, oid, choice, seq;
    agw_spnego_status st;

    st = take(in, T_APP0, &app);
    if (st == AGW_SPNEGO_OK && in->len)
        st = AGW_SPNEGO_TRAILING;
    if (st == AGW_SPNEGO_OK)
        st = take(&app, T_OID, &oid);
    if (st != AGW_SPNEGO_OK)
        return st;
    if (!oid_ok(&oid))
        return AGW_SPNEGO_BAD_OID;
    if (!agw_spnego_oid_eq(&oid, &agw_oid_spnego)) {
        /* Another mechanism's inner token is not ours to parse. */
        t->this_mech = oid;
        return AGW_SPNEGO_OTHER_MECH;
    }
    st = take(&app, T_CTX(0), &choice);
    if (st == AGW_SPNEGO_OK && app.len)
        st = AGW_SPNEGO_TRAILING;
    if (st == AGW_SPNEGO_OK)
        st = take(&choice, T_SEQUENCE, &seq);
    if (st == AGW_SPNEGO_OK && choice.len)
        st = AGW_SPNEGO_TRAILING;
    if (st == AGW_SPNEGO_OK)
        st = mech_list(&seq, t);
    if (st == AGW_SPNEGO_OK)
        st = field(&seq, 1, T_BITS, &t->req_flags, &t->has_req_flags);
    if (st == AGW_SPNEGO_OK && t->has_req_flags && !bits_ok(&t->req_flags))
        st = AGW_SPNEGO_BAD_VALUE;
    if (st == AGW_SPNEGO_OK)
        st = field(&seq, 2, T_OCTETS, &t->token, &t->has_token);
    if (st == AGW_SPNEGO_OK)
        st = field(&seq, 3, T_OCTETS, &t->mic, &t->has_mic);
    /* Anything left is a field we do not know, or one out of order. */
    if (st == AGW_SPNEGO_OK && seq.len)
        st = AGW_SPNEGO_BAD_TAG;
    return st;
}

static agw_spnego_status neg_resp(agw_spnego_buf *in, agw_spnego_token *t)
{
    agw_spnego_buf choice, seq, e;
    agw_spnego_status st;
    int has_state = 0, has_mech = 0;

    t->kind = AGW_SPNEGO_RESP;
    st = take(in, T_CTX(1), &choice);
    if (st == AGW_SPNEGO_OK && in->len)
        st = AGW_SPNEGO_TRAILING;
    if (st == AGW_SPNEGO_OK)
        st = take(&choice, T_SEQUENCE, &seq);
    if (st == AGW_SPNEGO_OK && choice.len)
        st = AGW_SPNEGO_TRAILING;
    if (st == AGW_SPNEGO_OK)
        st = field(&seq, 0, T_ENUM, &e, &has_state);
    if (st != AGW_SPNEGO_OK)
        return st;
    if (has_state) {
        /* DER: one content byte for 0..3. */
        if (e.len != 1 || e.p[0] > AGW_SPNEGO_REQUEST_MIC)
            return AGW_SPNEGO_BAD_VALUE;
        t->neg_state = e.p[0];
    }
    st = field(&seq, 1, T_OID, &t->supported_mech, &has_mech);
    if (st == AGW_SPNEGO_OK && has_mech && !oid_ok(&t->supported_mech))
        st = AGW_SPNEGO_BAD_OID;
    if (st == AGW_SPNEGO_OK)
        st = field(&seq, 2, T_OCTETS, &t->token, &t->has_token);
    if (st == AGW_SPNEGO_OK)
        st = field(&seq, 3, T_OCTETS, &t->mic, &t->has_mic);
    if (st == AGW_SPNEGO_OK && seq.len)
        st = AGW_SPNEGO_BAD_TAG;
    return st;
}

agw_spnego_status agw_spnego_decode(const unsigned char *in, size_t n,
                                    agw_spnego_token *out)
{
    agw_spnego_buf b;

    memset(out, 0, sizeof *out);
    out->neg_state = AGW_SPNEGO_STATE_NONE;
    b.p = in;
    b.len = n;
    switch (peek(&b)) {
    case T_APP0:
        return neg_init(&b, out);
    case T_CTX(1):
        return neg_resp(&b, out);
    default:
        return AGW_SPNEGO_NOT_GSS;
    }
}

/* ---- encoding ------------------------------------------------------------ */

/* Bytes of a tag and length for n content bytes. */
static size_t hdr_len(size_t n)
{
    return n < 0x80 ? 2 : n < 0x100 ? 3 : n < 0x10000 ? 4
         : n < 0x1000000 ? 5 : 6;
}

static size_t tlv_len(size_t n)
{
    return hdr_len(n) + n;
}

/* A field [n] around one element of m content bytes, or 0 when absent. */
static size_t field_len(int present, size_t m)
{
    return present ? tlv_len(tlv_len(m)) : 0;
}

typedef struct {
    unsigned char *p;
    size_t cap, len;
    int err;
} wr;

static void put(wr *w, const void *src, size_t n)
{
    if (w->err || n > w->cap - w->len) {
        w->err = 1;
        return;
    }
    if (n)
        memcpy(w->p + w->len, src, n);
    w->len += n;
}

static void put_hdr(wr *w, unsigned char tag, size_t n)
{
    unsigned char h[6];
    size_t k = hdr_len(n) - 2, i;

    h[0] = tag;
    if (k == 0) {
        h[1] = (unsigned char)n;
    }
    else {
        h[1] = (unsigned char)(0x80 | k);
        for (i = 0; i < k; i++)
            h[2 + i] = (unsigned char)(n >> (8 * (k - 1 - i)));
    }
    put(w, h, k + 2);
}

static void put_field(wr *w, int present, int n, unsigned char tag,
                      const agw_spnego_buf *v)
{
    if (!present)
        return;
    put_hdr(w, T_CTX(n), tlv_len(v->len));
    put_hdr(w, tag, v->len);
    put(w, v->p, v->len);
}

static void encode_init(wr *w, const agw_spnego_token *t)
{
    size_t i, oids = 0, seq;

    for (i = 0; i < t->n_mechs; i++)
        oids += tlv_len(t->mechs[i].len);
    seq = tlv_len(tlv_len(oids))
        + field_len(t->has_req_flags, t->req_flags.len)
        + field_len(t->has_token, t->token.len)
        + field_len(t->has_mic, t->mic.len);
    put_hdr(w, T_APP0, tlv_len(agw_oid_spnego.len) + tlv_len(tlv_len(seq)));
    put_hdr(w, T_OID, agw_oid_spnego.len);
    put(w, agw_oid_spnego.p, agw_oid_spnego.len);
    put_hdr(w, T_CTX(0), tlv_len(seq));
    put_hdr(w, T_SEQUENCE, seq);
    put_hdr(w, T_CTX(0), tlv_len(oids));
    put_hdr(w, T_SEQUENCE, oids);
    for (i = 0; i < t->n_mechs; i++) {
        put_hdr(w, T_OID, t->mechs[i].len);
        put(w, t->mechs[i].p, t->mechs[i].len);
    }
    put_field(w, t->has_req_flags, 1, T_BITS, &t->req_flags);
    put_field(w, t->has_token, 2, T_OCTETS, &t->token);
    put_field(w, t->has_mic, 3, T_OCTETS, &t->mic);
}

static void encode_resp(wr *w, const agw_spnego_token *t)
{
    int has_state = t->neg_state != AGW_SPNEGO_STATE_NONE;
    int has_mech = t->supported_mech.len > 0;
    unsigned char state = (unsigned char)t->neg_state;
    agw_spnego_buf sb;
    size_t seq = field_len(has_state, 1)
        + field_len(has_mech, t->supported_mech.len)
        + field_len(t->has_token, t->token.len)
        + field_len(t->has_mic, t->mic.len);

    if (has_state && (t->neg_state < 0 || t->neg_state > 3)) {
        w->err = 1;
        return;
    }
    sb.p = &state;
    sb.len = 1;
    put_hdr(w, T_CTX(1), tlv_len(seq));
    put_hdr(w, T_SEQUENCE, seq);
    put_field(w, has_state, 0, T_ENUM, &sb);
    put_field(w, has_mech, 1, T_OID, &t->supported_mech);
    put_field(w, t->has_token, 2, T_OCTETS, &t->token);
    put_field(w, t->has_mic, 3, T_OCTETS, &t->mic);
}

agw_spnego_status agw_spnego_encode(const agw_spnego_token *t,
                                    unsigned char *out, size_t cap,
                                    size_t *outlen)
{
    wr w = { out, cap, 0, 0 };

    /* Lengths of more than four bytes are refused by the decoder; a token
     * that large is no HTTP header either. */
    if (t->token.len > 0xffffff || t->mic.len > 0xffffff)
        return AGW_SPNEGO_NOROOM;
    if (t->kind == AGW_SPNEGO_INIT)
        encode_init(&w, t);
    else
        encode_resp(&w, t);
    if (w.err)
        return AGW_SPNEGO_NOROOM;
    *outlen = w.len;
    return AGW_SPNEGO_OK;
}

/* ---- mechanisms ---------------------------------------------------------- */

int agw_spnego_oid_eq(const agw_spnego_buf *a, const agw_spnego_buf *b)
{
    return a->len == b->len && (a->len == 0 || !memcmp(a->p, b->p, a->len));
}

int agw_spnego_mech_index(const agw_spnego_token *t, const agw_spnego_buf *oid)
{
    size_t i;
    for (i = 0; i < t->n_mechs; i++)
        if (agw_spnego_oid_eq(&t->mechs[i], oid))
            return (int)i;
    return -1;
}

int agw_spnego_is_kerberos(const agw_spnego_buf *oid)
{
    return agw_spnego_oid_eq(oid, &agw_oid_krb5)
        || agw_spnego_oid_eq(oid, &agw_oid_ms_krb5);
}

const char *agw_spnego_mech_name(apr_pool_t *p, const agw_spnego_buf *oid)
{
    static const struct {
        const agw_spnego_buf *oid;
        const char *name;
    } known[] = {
        { &agw_oid_ntlmssp, "NTLMSSP" }, { &agw_oid_krb5, "Kerberos" },
        { &agw_oid_ms_krb5, "Kerberos (Microsoft OID)" },
        { &agw_oid_negoex, "NEGOEX" }, { &agw_oid_spnego, "SPNEGO" },
    };
    const char *s = "";
    apr_uint64_t arc = 0;
    size_t i, bits = 0;

    for (i = 0; i < sizeof known / sizeof known[0]; i++)
        if (agw_spnego_oid_eq(oid, known[i].oid))
            return known[i].name;
    for (i = 0; i < oid->len; i++) {
        arc = arc << 7 | (oid->p[i] & 0x7f);
        bits += 7;
        if (oid->p[i] & 0x80)
            continue;
        if (bits > 63)
            s = apr_pstrcat(p, s, *s ? "." : "", "?", NULL);
        else if (!*s)   /* the first byte holds two arcs (X.690 §8.19.4) */
            s = arc < 80 ? apr_psprintf(p, "%" APR_UINT64_T_FMT ".%"
                                        APR_UINT64_T_FMT, arc / 40, arc % 40)
                         : apr_psprintf(p, "2.%" APR_UINT64_T_FMT, arc - 80);
        else
            s = apr_psprintf(p, "%s.%" APR_UINT64_T_FMT, s, arc);
        arc = 0;
        bits = 0;
    }
    return *s ? s : "(empty)";
}
