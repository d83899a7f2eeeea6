#include "agw_ntlm.h"

#include <string.h>

#include <apr_strings.h>

static const unsigned char signature[8] = "NTLMSSP";

/* The mandatory fixed headers; the version (8 bytes) and, in AUTHENTICATE,
 * the MIC (16 bytes) follow when the payload leaves room for them. */
#define NEG_HDR 32
#define CHAL_HDR 48
#define AUTH_HDR 64

const char *agw_ntlm_reason(agw_ntlm_status st)
{
    switch (st) {
    case AGW_NTLM_OK: return "ok";
    case AGW_NTLM_TRUNCATED: return "truncated";
    case AGW_NTLM_BAD_SIGNATURE: return "not-ntlmssp";
    case AGW_NTLM_BAD_TYPE: return "wrong-message-type";
    case AGW_NTLM_BAD_FIELD: return "field-out-of-range";
    case AGW_NTLM_BAD_STRING: return "bad-string";
    case AGW_NTLM_BAD_AV: return "bad-av-pairs";
    case AGW_NTLM_BAD_RESPONSE: return "bad-response";
    case AGW_NTLM_NOROOM: return "too-large";
    case AGW_NTLM_CRYPTO: return "crypto-failure";
    }
    return "unknown";
}

/* ---- text --------------------------------------------------------------- */

/* The next code point of strict UTF-8, or -1. */
static long utf8_next(const unsigned char *s, size_t n, size_t *i)
{
    unsigned c = s[*i];
    size_t need, k;
    long cp, min;

    if (c < 0x80) {
        (*i)++;
        return (long)c;
    }
    /* The lead byte gives the length; 0x80-0xc1 and 0xf5-0xff never lead. */
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
        cp = c & 0x1f;
        min = 0x80;
    }
    else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        cp = c & 0x0f;
        min = 0x800;
    }
    else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        cp = c & 0x07;
        min = 0x10000;
    }
    else {
        return -1;
    }
    if (n - *i - 1 < need)
        return -1;
    for (k = 1; k <= need; k++) {
        unsigned d = s[*i + k];
        if ((d & 0xc0) != 0x80)
            return -1;
        cp = cp << 6 | (long)(d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *i += need + 1;
    return cp;
}

int agw_ntlm_put_utf16(agw_wbuf *w, const char *utf8, size_t n)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t i = 0;

    while (i < n) {
        long cp = utf8_next(s, n, &i);
        if (cp <= 0) {
            w->err = 1;
            return -1;
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            agw_w_le16(w, (uint16_t)(0xd800 | cp >> 10));
            agw_w_le16(w, (uint16_t)(0xdc00 | (cp & 0x3ff)));
        }
        else {
            agw_w_le16(w, (uint16_t)cp);
        }
    }
    return w->err ? -1 : 0;
}

char *agw_ntlm_utf16_to_utf8(apr_pool_t *p, const unsigned char *in, size_t n)
{
    char *out, *o;
    size_t i;

    if (n % 2)
        return NULL;
    /* A unit makes at most 3 bytes; a surrogate pair 4 for two units. */
    o = out = apr_palloc(p, n / 2 * 3 + 1);
    for (i = 0; i < n; i += 2) {
        unsigned long cp = in[i] | (unsigned)in[i + 1] << 8;
        if (cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff))
            return NULL;
        if (cp >= 0xd800 && cp <= 0xdbff) {
            unsigned long lo;
            if (n - i < 4)
                return NULL;
            lo = in[i + 2] | (unsigned)in[i + 3] << 8;
            if (lo < 0xdc00 || lo > 0xdfff)
                return NULL;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 2;
        }
        if (cp < 0x80) {
            *o++ = (char)cp;
        }
        else if (cp < 0x800) {
            *o++ = (char)(0xc0 | cp >> 6);
            *o++ = (char)(0x80 | (cp & 0x3f));
        }
        else if (cp < 0x10000) {
            *o++ = (char)(0xe0 | cp >> 12);
            *o++ = (char)(0x80 | (cp >> 6 & 0x3f));
            *o++ = (char)(0x80 | (cp & 0x3f));
        }
        else {
            *o++ = (char)(0xf0 | cp >> 18);
            *o++ = (char)(0x80 | (cp >> 12 & 0x3f));
            *o++ = (char)(0x80 | (cp >> 6 & 0x3f));
            *o++ = (char)(0x80 | (cp & 0x3f));
        }
    }
    *o = '\0';
    return out;
}

/* OEM text: its code page is the client's and unknown to us, so only ASCII
 * (without NUL) has one reading. */
static char *oem_to_utf8(apr_pool_t *p, const unsigned char *in, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (in[i] == 0 || in[i] > 0x7f)
            return NULL;
    return apr_pstrmemdup(p, (const char *)in, n);
}

static int put_oem(agw_wbuf *w, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] == 0 || (unsigned char)s[i] > 0x7f) {
            w->err = 1;
            return -1;
        }
    agw_w_bytes(w, s, n);
    return w->err ? -1 : 0;
}

/* True when s can be written as a name: clean UTF-8 for UTF-16, ASCII for
 * OEM, no NUL either way. */
static int text_ok(const char *s, int unicode)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, n;
    if (!s)
        return 1;
    n = strlen(s);
    while (i < n) {
        if (unicode ? utf8_next(u, n, &i) <= 0 : u[i++] > 0x7f)
            return 0;
    }
    return 1;
}

uint64_t agw_ntlm_filetime(int64_t unix_usec)
{
    /* 1601-01-01 to 1970-01-01 in 100 ns units. */
    const int64_t epoch = 116444736000000000LL;
    if (unix_usec <= -epoch / 10)
        return 0;
    if (unix_usec > (INT64_MAX - epoch) / 10)
        return (uint64_t)INT64_MAX;
    return (uint64_t)(unix_usec * 10 + epoch);
}

/* ---- security buffers ------------------------------------------------------
 *
 * Every variable field is described in the fixed header by
 *
 *   +--------+--------+--------------+
 *   | Len    | MaxLen | BufferOffset |
 *   | 2 B LE | 2 B LE | 4 B LE       |
 *   +--------+--------+--------------+
 *
 * MaxLen is ignored on receipt (§2.2.1.1).  An empty field's offset is not
 * looked at (clients put anything there); a non-empty one must lie wholly in
 * the message and at or after the mandatory header. */

typedef struct {
    uint16_t len;
    uint32_t off;
} secbuf;

static void read_secbuf(agw_rbuf *r, secbuf *f)
{
    f->len = agw_r_le16(r);
    (void)agw_r_le16(r);
    f->off = agw_r_le32(r);
}

static agw_ntlm_status view(const unsigned char *msg, size_t len, size_t hdr,
                            const secbuf *f, agw_ntlm_buf *out)
{
    out->p = NULL;
    out->len = 0;
    if (f->len == 0)
        return AGW_NTLM_OK;
    if (f->off < hdr || f->off > len || len - f->off < f->len)
        return AGW_NTLM_BAD_FIELD;
    out->p = msg + f->off;
    out->len = f->len;
    return AGW_NTLM_OK;
}

/* Where the payload begins: the lowest offset of a non-empty field, or the
 * end of the message; optional header parts must end by then. */
static size_t payload_start(size_t len, const secbuf *f, int n)
{
    size_t lo = len;
    int i;
    for (i = 0; i < n; i++)
        if (f[i].len && f[i].off < lo)
            lo = f[i].off;
    return lo;
}

static agw_ntlm_status text(apr_pool_t *p, const agw_ntlm_buf *b, int unicode,
                            const char **out)
{
    if (b->len == 0) {
        *out = "";
        return AGW_NTLM_OK;
    }
    *out = unicode ? agw_ntlm_utf16_to_utf8(p, b->p, b->len)
                   : oem_to_utf8(p, b->p, b->len);
    return *out ? AGW_NTLM_OK : AGW_NTLM_BAD_STRING;
}

/* Signature and MessageType; the reader is left after them. */
static agw_ntlm_status start(agw_rbuf *r, const unsigned char *msg, size_t len,
                             size_t hdr, uint32_t type)
{
    agw_r_init(r, msg, len);
    if (len < sizeof signature || memcmp(msg, signature, sizeof signature))
        return AGW_NTLM_BAD_SIGNATURE;
    agw_r_bytes(r, sizeof signature);
    if (len >= 12 && agw_r_le32(r) != type)
        return AGW_NTLM_BAD_TYPE;
    return len < hdr ? AGW_NTLM_TRUNCATED : AGW_NTLM_OK;
}

int agw_ntlm_msg_type(const unsigned char *msg, size_t len)
{
    agw_rbuf r;
    uint32_t t;
    if (len < 12 || memcmp(msg, signature, sizeof signature))
        return 0;
    agw_r_init(&r, msg + 8, 4);
    t = agw_r_le32(&r);
    return t >= 1 && t <= 3 ? (int)t : 0;
}

/* Encoding: a payload item is appended to pw (which starts right after the
 * header, at hdr) and described by f. */
static void put_item_start(const agw_wbuf *pw, size_t hdr, secbuf *f)
{
    f->off = (uint32_t)(hdr + pw->len);
}

static void put_item_end(agw_wbuf *pw, size_t hdr, secbuf *f)
{
    size_t n = hdr + pw->len - f->off;
    if (n > 0xffff)
        pw->err = 1;
    f->len = (uint16_t)n;
}

static void put_bytes_item(agw_wbuf *pw, size_t hdr, const agw_ntlm_buf *b,
                           secbuf *f)
{
    put_item_start(pw, hdr, f);
    agw_w_bytes(pw, b->p, b->len);
    put_item_end(pw, hdr, f);
}

static void put_text_item(agw_wbuf *pw, size_t hdr, const char *s, int unicode,
                          secbuf *f)
{
    put_item_start(pw, hdr, f);
    if (s && *s) {
        if (unicode)
            agw_ntlm_put_utf16(pw, s, strlen(s));
        else
            put_oem(pw, s, strlen(s));
    }
    put_item_end(pw, hdr, f);
}

static void write_secbuf(agw_wbuf *w, const secbuf *f)
{
    agw_w_le16(w, f->len);
    agw_w_le16(w, f->len);
    agw_w_le32(w, f->off);
}

static void write_start(agw_wbuf *w, uint32_t type)
{
    agw_w_bytes(w, signature, sizeof signature);
    agw_w_le32(w, type);
}

/* Names were checked before writing, so an error here is lack of room (or a
 * field past 65535 bytes). */
static agw_ntlm_status put_status(const agw_wbuf *h, const agw_wbuf *pw)
{
    return h->err || pw->err ? AGW_NTLM_NOROOM : AGW_NTLM_OK;
}

/* ---- NEGOTIATE_MESSAGE (MS-NLMP §2.2.1.1) ----------------------------------
 *
 *    0          8        12       16           24            32        40
 *   +----------+--------+--------+------------+-------------+---------+-----
 *   | NTLMSSP\0| type 1 | flags  | DomainName | Workstation | Version | payload
 *   | 8 B      | 4 B LE | 4 B LE | secbuf 8 B | secbuf 8 B  | 8 B     | (OEM)
 *   +----------+--------+--------+------------+-------------+---------+-----
 *
 * The names are OEM, and meaningful only with their *_SUPPLIED flags; the
 * version is read when NEGOTIATE_VERSION is set and the payload starts at 40
 * or later (a client may set the flag and leave the field out). */

agw_ntlm_status agw_ntlm_decode_negotiate(apr_pool_t *p,
                                          const unsigned char *msg, size_t len,
                                          agw_ntlm_negotiate *out)
{
    agw_rbuf r;
    secbuf f[2];
    agw_ntlm_buf dom, wks;
    agw_ntlm_status st;

    memset(out, 0, sizeof *out);
    out->domain = out->workstation = "";
    if ((st = start(&r, msg, len, NEG_HDR, 1)) != AGW_NTLM_OK)
        return st;
    out->flags = agw_r_le32(&r);
    read_secbuf(&r, &f[0]);
    read_secbuf(&r, &f[1]);
    if ((st = view(msg, len, NEG_HDR, &f[0], &dom)) != AGW_NTLM_OK
        || (st = view(msg, len, NEG_HDR, &f[1], &wks)) != AGW_NTLM_OK)
        return st;
    if ((out->flags & AGW_NTLMSSP_NEGOTIATE_VERSION)
        && payload_start(len, f, 2) >= NEG_HDR + AGW_NTLM_VERSION_LEN) {
        memcpy(out->version, agw_r_bytes(&r, AGW_NTLM_VERSION_LEN),
               AGW_NTLM_VERSION_LEN);
        out->has_version = 1;
    }
    if ((out->flags & AGW_NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED)
        && (st = text(p, &dom, 0, &out->domain)) != AGW_NTLM_OK)
        return st;
    if ((out->flags & AGW_NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED)
        && (st = text(p, &wks, 0, &out->workstation)) != AGW_NTLM_OK)
        return st;
    return AGW_NTLM_OK;
}

agw_ntlm_status agw_ntlm_encode_negotiate(const agw_ntlm_negotiate *m,
                                          unsigned char *out, size_t cap,
                                          size_t *outlen)
{
    size_t hdr = NEG_HDR + (m->has_version ? AGW_NTLM_VERSION_LEN : 0);
    uint32_t flags = m->flags & ~(AGW_NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED
                                  | AGW_NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED);
    agw_wbuf h, pw;
    secbuf f[2];

    if (!text_ok(m->domain, 0) || !text_ok(m->workstation, 0))
        return AGW_NTLM_BAD_STRING;
    if (cap < hdr)
        return AGW_NTLM_NOROOM;
    agw_w_init(&pw, out + hdr, cap - hdr);
    put_text_item(&pw, hdr, m->domain, 0, &f[0]);
    put_text_item(&pw, hdr, m->workstation, 0, &f[1]);
    if (f[0].len)
        flags |= AGW_NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED;
    if (f[1].len)
        flags |= AGW_NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED;
    agw_w_init(&h, out, hdr);
    write_start(&h, 1);
    agw_w_le32(&h, flags);
    write_secbuf(&h, &f[0]);
    write_secbuf(&h, &f[1]);
    if (m->has_version)
        agw_w_bytes(&h, m->version, AGW_NTLM_VERSION_LEN);
    *outlen = hdr + pw.len;
    return put_status(&h, &pw);
}

/* ---- CHALLENGE_MESSAGE (MS-NLMP §2.2.1.2) ----------------------------------
 *
 *    0          8        12           20       24          32
 *   +----------+--------+------------+--------+-----------+
 *   | NTLMSSP\0| type 2 | TargetName | flags  | Server    |
 *   | 8 B      | 4 B LE | secbuf 8 B | 4 B LE | Challenge |
 *   |          |        |            |        | 8 B       |
 *   +----------+--------+------------+--------+-----------+
 *    32         40           48        56
 *   +----------+------------+---------+---------
 *   | Reserved | TargetInfo | Version | payload
 *   | 8 B zero | secbuf 8 B | 8 B     |
 *   +----------+------------+---------+---------
 *
 * TargetName is UTF-16LE under NEGOTIATE_UNICODE, else OEM; TargetInfo is AV
 * pairs.  Messages shorter than 48 bytes (servers older than Windows 2000)
 * are refused. */

agw_ntlm_status agw_ntlm_decode_challenge(apr_pool_t *p,
                                          const unsigned char *msg, size_t len,
                                          agw_ntlm_challenge *out)
{
    agw_rbuf r;
    secbuf f[2];
    agw_ntlm_buf name;
    agw_ntlm_status st;

    memset(out, 0, sizeof *out);
    out->target_name = "";
    if ((st = start(&r, msg, len, CHAL_HDR, 2)) != AGW_NTLM_OK)
        return st;
    read_secbuf(&r, &f[0]);
    out->flags = agw_r_le32(&r);
    memcpy(out->challenge, agw_r_bytes(&r, AGW_NTLM_CHALLENGE_LEN),
           AGW_NTLM_CHALLENGE_LEN);
    agw_r_bytes(&r, 8);
    read_secbuf(&r, &f[1]);
    if ((st = view(msg, len, CHAL_HDR, &f[0], &name)) != AGW_NTLM_OK
        || (st = view(msg, len, CHAL_HDR, &f[1], &out->target_info))
               != AGW_NTLM_OK)
        return st;
    if ((out->flags & AGW_NTLMSSP_NEGOTIATE_VERSION)
        && payload_start(len, f, 2) >= CHAL_HDR + AGW_NTLM_VERSION_LEN) {
        memcpy(out->version, agw_r_bytes(&r, AGW_NTLM_VERSION_LEN),
               AGW_NTLM_VERSION_LEN);
        out->has_version = 1;
    }
    return text(p, &name, !!(out->flags & AGW_NTLMSSP_NEGOTIATE_UNICODE),
                &out->target_name);
}

agw_ntlm_status agw_ntlm_encode_challenge(const agw_ntlm_challenge *m,
                                          unsigned char *out, size_t cap,
                                          size_t *outlen)
{
    size_t hdr = CHAL_HDR + (m->has_version ? AGW_NTLM_VERSION_LEN : 0);
    static const unsigned char zero[8];
    agw_wbuf h, pw;
    secbuf f[2];

    if (!text_ok(m->target_name, !!(m->flags & AGW_NTLMSSP_NEGOTIATE_UNICODE)))
        return AGW_NTLM_BAD_STRING;
    if (cap < hdr)
        return AGW_NTLM_NOROOM;
    agw_w_init(&pw, out + hdr, cap - hdr);
    put_text_item(&pw, hdr, m->target_name,
                  !!(m->flags & AGW_NTLMSSP_NEGOTIATE_UNICODE), &f[0]);
    put_bytes_item(&pw, hdr, &m->target_info, &f[1]);
    agw_w_init(&h, out, hdr);
    write_start(&h, 2);
    write_secbuf(&h, &f[0]);
    agw_w_le32(&h, m->flags);
    agw_w_bytes(&h, m->challenge, AGW_NTLM_CHALLENGE_LEN);
    agw_w_bytes(&h, zero, sizeof zero);
    write_secbuf(&h, &f[1]);
    if (m->has_version)
        agw_w_bytes(&h, m->version, AGW_NTLM_VERSION_LEN);
    *outlen = hdr + pw.len;
    return put_status(&h, &pw);
}

/* ---- AUTHENTICATE_MESSAGE (MS-NLMP §2.2.1.3) -------------------------------
 *
 *    0           8        12             20             28
 *   +-----------+--------+--------------+--------------+
 *   | NTLMSSP\0 | type 3 | LmChallenge- | NtChallenge- |
 *   | 8 B       | 4 B LE | Response     | Response     |
 *   |           |        | secbuf 8 B   | secbuf 8 B   |
 *   +-----------+--------+--------------+--------------+
 *    28           36           44            52
 *   +------------+------------+-------------+-------------------+
 *   | DomainName | UserName   | Workstation | EncryptedRandom-  |
 *   | secbuf 8 B | secbuf 8 B | secbuf 8 B  | SessionKey secbuf |
 *   +------------+------------+-------------+-------------------+
 *    60       64        72        88
 *   +--------+---------+---------+---------
 *   | flags  | Version | MIC     | payload
 *   | 4 B LE | 8 B     | 16 B    |
 *   +--------+---------+---------+---------
 *
 * Names are UTF-16LE under NEGOTIATE_UNICODE, else OEM.  Version and MIC are
 * optional: the version is read when NEGOTIATE_VERSION is set and the payload
 * starts at 72 or later, the MIC bytes whenever it starts at 88 or later. */

agw_ntlm_status agw_ntlm_decode_authenticate(apr_pool_t *p,
                                             const unsigned char *msg,
                                             size_t len,
                                             agw_ntlm_authenticate *out)
{
    agw_rbuf r;
    secbuf f[6];
    agw_ntlm_buf dom, user, wks;
    agw_ntlm_status st;
    size_t pay;
    int i, uni;

    memset(out, 0, sizeof *out);
    out->domain = out->user = out->workstation = "";
    if ((st = start(&r, msg, len, AUTH_HDR, 3)) != AGW_NTLM_OK)
        return st;
    for (i = 0; i < 6; i++)
        read_secbuf(&r, &f[i]);
    out->flags = agw_r_le32(&r);
    if ((st = view(msg, len, AUTH_HDR, &f[0], &out->lm)) != AGW_NTLM_OK
        || (st = view(msg, len, AUTH_HDR, &f[1], &out->nt)) != AGW_NTLM_OK
        || (st = view(msg, len, AUTH_HDR, &f[2], &dom)) != AGW_NTLM_OK
        || (st = view(msg, len, AUTH_HDR, &f[3], &user)) != AGW_NTLM_OK
        || (st = view(msg, len, AUTH_HDR, &f[4], &wks)) != AGW_NTLM_OK
        || (st = view(msg, len, AUTH_HDR, &f[5], &out->session_key))
               != AGW_NTLM_OK)
        return st;
    pay = payload_start(len, f, 6);
    if ((out->flags & AGW_NTLMSSP_NEGOTIATE_VERSION)
        && pay >= AUTH_HDR + AGW_NTLM_VERSION_LEN) {
        memcpy(out->version, msg + AUTH_HDR, AGW_NTLM_VERSION_LEN);
        out->has_version = 1;
    }
    if (pay >= AGW_NTLM_MIC_OFFSET + AGW_NTLM_MIC_LEN) {
        memcpy(out->mic, msg + AGW_NTLM_MIC_OFFSET, AGW_NTLM_MIC_LEN);
        out->has_mic = 1;
    }
    uni = !!(out->flags & AGW_NTLMSSP_NEGOTIATE_UNICODE);
    if ((st = text(p, &dom, uni, &out->domain)) != AGW_NTLM_OK
        || (st = text(p, &user, uni, &out->user)) != AGW_NTLM_OK
        || (st = text(p, &wks, uni, &out->workstation)) != AGW_NTLM_OK)
        return st;
    return AGW_NTLM_OK;
}

agw_ntlm_status agw_ntlm_encode_authenticate(const agw_ntlm_authenticate *m,
                                             unsigned char *out, size_t cap,
                                             size_t *outlen)
{
    static const unsigned char zero[AGW_NTLM_VERSION_LEN];
    size_t hdr = AUTH_HDR;
    int uni = !!(m->flags & AGW_NTLMSSP_NEGOTIATE_UNICODE), i;
    agw_wbuf h, pw;
    secbuf f[6];

    /* The MIC sits after the version, so it brings the version's room. */
    if (m->has_version || m->has_mic)
        hdr += AGW_NTLM_VERSION_LEN;
    if (m->has_mic)
        hdr += AGW_NTLM_MIC_LEN;
    if (!text_ok(m->domain, uni) || !text_ok(m->user, uni)
        || !text_ok(m->workstation, uni))
        return AGW_NTLM_BAD_STRING;
    if (cap < hdr)
        return AGW_NTLM_NOROOM;
    agw_w_init(&pw, out + hdr, cap - hdr);
    put_text_item(&pw, hdr, m->domain, uni, &f[2]);
    put_text_item(&pw, hdr, m->user, uni, &f[3]);
    put_text_item(&pw, hdr, m->workstation, uni, &f[4]);
    put_bytes_item(&pw, hdr, &m->lm, &f[0]);
    put_bytes_item(&pw, hdr, &m->nt, &f[1]);
    put_bytes_item(&pw, hdr, &m->session_key, &f[5]);
    agw_w_init(&h, out, hdr);
    write_start(&h, 3);
    for (i = 0; i < 6; i++)
        write_secbuf(&h, &f[i]);
    agw_w_le32(&h, m->flags);
    if (m->has_version || m->has_mic)
        agw_w_bytes(&h, m->has_version ? m->version : zero,
                    AGW_NTLM_VERSION_LEN);
    if (m->has_mic)
        agw_w_bytes(&h, m->mic, AGW_NTLM_MIC_LEN);
    *outlen = hdr + pw.len;
    return put_status(&h, &pw);
}

/* ---- AV pairs (MS-NLMP §2.2.2.1) -------------------------------------------
 *
 *   +--------+--------+-----------+
 *   | AvId   | AvLen  | Value     |   ... repeated, the last MsvAvEOL (0, 0)
 *   | 2 B LE | 2 B LE | AvLen B   |
 *   +--------+--------+-----------+ */

agw_ntlm_status agw_ntlm_av_parse(apr_pool_t *p, const unsigned char *in,
                                  size_t n, agw_ntlm_av *av)
{
    agw_rbuf r;
    uint32_t seen = 0;

    memset(av, 0, sizeof *av);
    agw_r_init(&r, in, n);
    for (;;) {
        uint16_t id = agw_r_le16(&r), len = agw_r_le16(&r);
        const unsigned char *v = agw_r_bytes(&r, len);
        const char **name = NULL;
        agw_rbuf vr;

        if (r.err)
            return AGW_NTLM_BAD_AV;
        if (id == AGW_NTLM_AV_EOL) {
            if (len)
                return AGW_NTLM_BAD_AV;
            av->len = r.off;
            return AGW_NTLM_OK;
        }
        if (id > AGW_NTLM_AV_CHANNEL_BINDINGS)
            continue;
        /* One of each: two MsvAvFlags or two bindings would let a sender
         * say one thing to one reader and another to the next. */
        if (seen & (1u << id))
            return AGW_NTLM_BAD_AV;
        seen |= 1u << id;
        agw_r_init(&vr, v, len);
        switch (id) {
        case AGW_NTLM_AV_NB_COMPUTER: name = &av->nb_computer; break;
        case AGW_NTLM_AV_NB_DOMAIN: name = &av->nb_domain; break;
        case AGW_NTLM_AV_DNS_COMPUTER: name = &av->dns_computer; break;
        case AGW_NTLM_AV_DNS_DOMAIN: name = &av->dns_domain; break;
        case AGW_NTLM_AV_DNS_TREE: name = &av->dns_tree; break;
        case AGW_NTLM_AV_TARGET_NAME: name = &av->target_name; break;
        case AGW_NTLM_AV_FLAGS:
            if (len != 4)
                return AGW_NTLM_BAD_AV;
            av->flags = agw_r_le32(&vr);
            av->has_flags = 1;
            break;
        case AGW_NTLM_AV_TIMESTAMP:
            if (len != 8)
                return AGW_NTLM_BAD_AV;
            av->timestamp = agw_r_le64(&vr);
            av->has_timestamp = 1;
            break;
        case AGW_NTLM_AV_SINGLE_HOST:
            av->single_host.p = v;
            av->single_host.len = len;
            break;
        case AGW_NTLM_AV_CHANNEL_BINDINGS:
            if (len != 16)
                return AGW_NTLM_BAD_AV;
            av->channel_bindings.p = v;
            av->channel_bindings.len = len;
            break;
        }
        if (name && !(*name = agw_ntlm_utf16_to_utf8(p, v, len)))
            return AGW_NTLM_BAD_STRING;
    }
}

void agw_ntlm_av_put(agw_wbuf *w, uint16_t id, const void *val, size_t n)
{
    if (n > 0xffff) {
        w->err = 1;
        return;
    }
    agw_w_le16(w, id);
    agw_w_le16(w, (uint16_t)n);
    agw_w_bytes(w, val, n);
}

void agw_ntlm_av_put_str(agw_wbuf *w, uint16_t id, const char *utf8)
{
    size_t at, n;
    agw_w_le16(w, id);
    at = w->len;
    agw_w_le16(w, 0);
    agw_ntlm_put_utf16(w, utf8, strlen(utf8));
    if (w->err)
        return;
    /* Now that the length is known, fill it in. */
    n = w->len - at - 2;
    if (n > 0xffff) {
        w->err = 1;
        return;
    }
    w->p[at] = (unsigned char)n;
    w->p[at + 1] = (unsigned char)(n >> 8);
}

void agw_ntlm_av_put_u32(agw_wbuf *w, uint16_t id, uint32_t v)
{
    agw_w_le16(w, id);
    agw_w_le16(w, 4);
    agw_w_le32(w, v);
}

void agw_ntlm_av_put_u64(agw_wbuf *w, uint16_t id, uint64_t v)
{
    agw_w_le16(w, id);
    agw_w_le16(w, 8);
    agw_w_le64(w, v);
}

void agw_ntlm_av_put_eol(agw_wbuf *w)
{
    agw_w_le16(w, AGW_NTLM_AV_EOL);
    agw_w_le16(w, 0);
}

agw_ntlm_status agw_ntlm_av_client(const unsigned char *server, size_t n,
                                   uint32_t avflags, const unsigned char *cb16,
                                   const char *spn, agw_wbuf *w)
{
    agw_rbuf r;

    /* A server that sent no TargetInfo still gets a list: ours. */
    agw_r_init(&r, server, n);
    while (n) {
        uint16_t id = agw_r_le16(&r), len = agw_r_le16(&r);
        const unsigned char *v = agw_r_bytes(&r, len);
        if (r.err)
            return AGW_NTLM_BAD_AV;
        if (id == AGW_NTLM_AV_EOL)
            break;
        /* The pairs the client asserts are ours to write, once. */
        if (id == AGW_NTLM_AV_FLAGS || id == AGW_NTLM_AV_CHANNEL_BINDINGS
            || id == AGW_NTLM_AV_TARGET_NAME)
            continue;
        agw_ntlm_av_put(w, id, v, len);
    }
    if (avflags)
        agw_ntlm_av_put_u32(w, AGW_NTLM_AV_FLAGS, avflags);
    if (cb16)
        agw_ntlm_av_put(w, AGW_NTLM_AV_CHANNEL_BINDINGS, cb16, 16);
    if (spn)
        agw_ntlm_av_put_str(w, AGW_NTLM_AV_TARGET_NAME, spn);
    agw_ntlm_av_put_eol(w);
    return w->err ? AGW_NTLM_NOROOM : AGW_NTLM_OK;
}

/* ---- the kind of response ----------------------------------------------- */

const char *agw_ntlm_resp_name(agw_ntlm_resp_kind kind)
{
    switch (kind) {
    case AGW_NTLM_RESP_INVALID: return "invalid";
    case AGW_NTLM_RESP_ANONYMOUS: return "anonymous";
    case AGW_NTLM_RESP_V1: return "NTLMv1";
    case AGW_NTLM_RESP_NTLM2_SESSION: return "NTLM2-session";
    case AGW_NTLM_RESP_V2: return "NTLMv2";
    }
    return "unknown";
}

static int all_zero(const unsigned char *b, size_t n)
{
    unsigned char acc = 0;
    while (n--)
        acc |= *b++;
    return acc == 0;
}

/* NTProofStr, then RespType 1, HiRespType 1, Z(6), TimeStamp, client
 * challenge, Z(4): 44 bytes before the AV pairs (§2.2.2.7, §2.2.2.8). */
#define V2_FIXED 28
#define V2_MIN (16 + V2_FIXED + 4)

agw_ntlm_status agw_ntlm_classify(apr_pool_t *p, const agw_ntlm_authenticate *a,
                                  agw_ntlm_resp *out)
{
    agw_rbuf r;
    agw_ntlm_status st;

    memset(out, 0, sizeof *out);
    if (a->nt.len == 0) {
        /* §3.2.5.1.2: anonymous is no user name, an empty NT response and
         * an LM response that is empty or one zero byte.  Empty responses
         * with a user name, or LM alone, are no logon at all. */
        int no_user = !a->user || !*a->user;
        if (no_user
            && (a->lm.len == 0 || (a->lm.len == 1 && a->lm.p[0] == 0))) {
            out->kind = AGW_NTLM_RESP_ANONYMOUS;
            return AGW_NTLM_OK;
        }
        return AGW_NTLM_BAD_RESPONSE;
    }
    if (a->nt.len == 24) {
        if (!(a->flags & AGW_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY)) {
            out->kind = AGW_NTLM_RESP_V1;
            return AGW_NTLM_OK;
        }
        /* §3.3.1: with ESS the LM field carries the client challenge. */
        if (a->lm.len != 24 || !all_zero(a->lm.p + 8, 16))
            return AGW_NTLM_BAD_RESPONSE;
        out->kind = AGW_NTLM_RESP_NTLM2_SESSION;
        out->client_challenge = a->lm.p;
        return AGW_NTLM_OK;
    }
    if (a->nt.len < V2_MIN)
        return AGW_NTLM_BAD_RESPONSE;
    agw_r_init(&r, a->nt.p, a->nt.len);
    out->nt_proof = agw_r_bytes(&r, 16);
    out->blob.p = a->nt.p + 16;
    out->blob.len = a->nt.len - 16;
    if (agw_r_u8(&r) != 1 || agw_r_u8(&r) != 1)
        return AGW_NTLM_BAD_RESPONSE;
    agw_r_bytes(&r, 6);
    out->timestamp = agw_r_le64(&r);
    out->client_challenge = agw_r_bytes(&r, 8);
    agw_r_bytes(&r, 4);
    st = agw_ntlm_av_parse(p, a->nt.p + r.off, a->nt.len - r.off, &out->av);
    if (st != AGW_NTLM_OK) {
        memset(out, 0, sizeof *out);
        return st;
    }
    out->kind = AGW_NTLM_RESP_V2;
    return AGW_NTLM_OK;
}
