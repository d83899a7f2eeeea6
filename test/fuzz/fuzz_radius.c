/* libFuzzer: the RADIUS reply check, fed any datagram as the reply to one fixed
 * Access-Request, and the request builder, fed any field values.
 *
 * The first input byte picks a mode; the rest is the input:
 *   0  the datagram as is.  Nothing the fuzzer makes may be accepted unless it
 *      really verifies: an accepted reply's Response Authenticator and
 *      Message-Authenticator are recomputed here with other OpenSSL calls
 *      (EVP_Q_digest, EVP_Q_mac) than the codec's, over bytes located by a walk
 *      of our own.
 *   1  the datagram signed first, as the server would (length field, our
 *      identifier, the one Message-Authenticator if there is exactly one, the
 *      Response Authenticator), so the extraction behind the checks is fuzzed
 *      too; a well-formed signed reply must then never be refused for its
 *      authenticators.  With bit 2 of the mode byte set, only the Response
 *      Authenticator is signed: the fuzzer's Message-Authenticator must fail.
 *   2  field values for agw_radius_build_request() and a buffer size: what it
 *      builds must fit, be well formed and carry a valid, first
 *      Message-Authenticator.
 *   3  the datagram as in 0, but against a 1-byte secret. */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <openssl/evp.h>

#include "agw_radius.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define SECRET "fuzzing-shared-secret"
#define REQ_ID 0x5a

static const unsigned char req_auth[16] = {
    0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
};

static void md5(const unsigned char *a, size_t an, const char *s,
                unsigned char out[16])
{
    unsigned char buf[AGW_RADIUS_MAX_LEN + 64];
    size_t sn = strlen(s), olen = 0;
    memcpy(buf, a, an);
    memcpy(buf + an, s, sn);
    if (!EVP_Q_digest(NULL, "MD5", NULL, buf, an + sn, out, &olen) || olen != 16)
        __builtin_trap();
}

static void hmac_md5(const char *s, const unsigned char *d, size_t n,
                     unsigned char out[16])
{
    size_t olen = 0;
    if (!EVP_Q_mac(NULL, "HMAC", NULL, "MD5", NULL, s, strlen(s), d, n, out,
                   16, &olen) || olen != 16)
        __builtin_trap();
}

/* Our own walk of a packet of plen bytes: the number of 18-byte
 * Message-Authenticators and the offset of the first one's value (*ma),
 * or -1 when malformed or one of another length is present. */
static int walk(const unsigned char *b, size_t plen, size_t *ma)
{
    size_t off = AGW_RADIUS_HDR_LEN;
    int count = 0;
    while (off < plen) {
        size_t alen;
        if (plen - off < 2)
            return -1;
        alen = b[off + 1];
        if (alen < 2 || alen > plen - off)
            return -1;
        if (b[off] == AGW_RADIUS_MESSAGE_AUTHENTICATOR) {
            if (alen != 18)
                return -1;
            if (count++ == 0)
                *ma = off + 2;
        }
        off += alen;
    }
    return count;
}

/* The Message-Authenticator a server would put at value offset ma, over a
 * reply (authenticator field replaced) or a request (kept). */
static void ma_of(const char *s, const unsigned char *b, size_t plen, size_t ma,
                  int reply, unsigned char out[16])
{
    unsigned char copy[AGW_RADIUS_MAX_LEN];
    memcpy(copy, b, plen);
    if (reply)
        memcpy(copy + 4, req_auth, 16);
    memset(copy + ma, 0, 16);
    hmac_md5(s, copy, plen, out);
}

static void ra_of(const char *s, const unsigned char *b, size_t plen,
                  unsigned char out[16])
{
    unsigned char copy[AGW_RADIUS_MAX_LEN];
    memcpy(copy, b, plen);
    memcpy(copy + 4, req_auth, 16);
    md5(copy, plen, s, out);
}

/* An accepted reply: the authenticators must verify, the fields be sane. */
static void check_accepted(const char *s, const unsigned char *b, size_t len,
                           const agw_radius_reply *rp)
{
    unsigned char want[16];
    size_t plen, ma = 0;
    int i;

    if (len < AGW_RADIUS_HDR_LEN)
        __builtin_trap();
    plen = (size_t)b[2] << 8 | b[3];
    if (plen < AGW_RADIUS_HDR_LEN || plen > len || plen > AGW_RADIUS_MAX_LEN
        || b[1] != REQ_ID || walk(b, plen, &ma) != 1)
        __builtin_trap();
    ra_of(s, b, plen, want);
    if (memcmp(want, b + 4, 16))
        __builtin_trap();
    ma_of(s, b, plen, ma, 1, want);
    if (memcmp(want, b + ma, 16))
        __builtin_trap();
    if (rp->code != b[0] || strlen(rp->message) != rp->message_len
        || rp->message_len > plen || (rp->state.p && !rp->state.len))
        __builtin_trap();
    for (i = 0; i < rp->filter_ids->nelts; i++) {
        const agw_radius_octets *o =
            &APR_ARRAY_IDX(rp->filter_ids, i, agw_radius_octets);
        if (strlen((const char *)o->p) != o->len)
            __builtin_trap();
    }
}

/* sign: 0 leaves the datagram as is, 1 signs it all, 2 only the MD5. */
static void fuzz_reply(apr_pool_t *p, const char *s,
                       const agw_radius_pending *sent, const unsigned char *in,
                       size_t n, int sign)
{
    unsigned char *b = calloc(n ? n : 1, 1); /* exact size: ASan sees overreads */
    agw_radius_reply rp;
    agw_radius_status st;
    int well_signed = 0;

    if (n)
        memcpy(b, in, n);
    if (sign && n >= AGW_RADIUS_HDR_LEN && n <= AGW_RADIUS_MAX_LEN) {
        size_t ma = 0;
        int count;
        b[1] = REQ_ID;
        b[2] = (unsigned char)(n >> 8);
        b[3] = (unsigned char)n;
        count = walk(b, n, &ma);
        if (count == 1 && sign == 1)
            ma_of(s, b, n, ma, 1, b + ma);
        ra_of(s, b, n, b + 4);
        well_signed = count == 1 && sign == 1
            && (b[0] == AGW_RADIUS_ACCESS_ACCEPT || b[0] == AGW_RADIUS_ACCESS_REJECT
                || b[0] == AGW_RADIUS_ACCESS_CHALLENGE);
    }
    st = agw_radius_decode_reply(p, sent, s, strlen(s), b, n, &rp);
    if (st == AGW_RADIUS_OK)
        check_accepted(s, b, n, &rp);
    else if (well_signed && st != AGW_RADIUS_BAD_STATE
             && st != AGW_RADIUS_BAD_SESSION_TIMEOUT
             && st != AGW_RADIUS_NUL_IN_TEXT)
        __builtin_trap(); /* a genuine reply refused */
    if (agw_radius_reason(st)[0] == '\0')
        __builtin_trap();
    free(b);
}

/* Input: id, cap (2 B), five lengths, a flag byte, then the values. */
static void fuzz_build(const unsigned char *in, size_t n)
{
    static const unsigned char ip4[4] = { 192, 0, 2, 1 }, ip6[16] = { 0x20, 1 };
    agw_radius_request rq;
    agw_radius_pending sent;
    const unsigned char *v[5];
    size_t len[5], cap, out_len = 0, pos = 9, ma = 0, i;
    unsigned char *out;
    agw_radius_status st;

    if (n < 9)
        return;
    cap = ((size_t)in[1] << 8 | in[2]) % (AGW_RADIUS_MAX_LEN + 1);
    for (i = 0; i < 5; i++) {
        len[i] = in[3 + i];
        if (len[i] > n - pos) /* short input: shorter values */
            len[i] = n - pos;
        v[i] = in + pos;
        pos += len[i];
    }
    memset(&rq, 0, sizeof rq);
    rq.id = in[0];
    rq.authenticator = (in[8] & 1) ? req_auth : NULL;
    if (!(in[8] & 2)) {
        rq.user = (const char *)v[0];
        rq.user_len = len[0];
    }
    if (!(in[8] & 4)) {
        rq.password = (const char *)v[1];
        rq.password_len = len[1];
    }
    rq.nas_ip4 = (in[8] & 8) ? ip4 : NULL;
    rq.nas_ip6 = (in[8] & 16) ? ip6 : NULL;
    if (!(in[8] & 32)) {
        rq.nas_id = (const char *)v[2];
        rq.nas_id_len = len[2];
    }
    if (in[8] & 64) {
        rq.calling_station = (const char *)v[3];
        rq.calling_station_len = len[3];
    }
    if (in[8] & 128) {
        rq.state = v[4];
        rq.state_len = len[4];
    }
    out = malloc(cap ? cap : 1);
    st = agw_radius_build_request(&rq, SECRET, strlen(SECRET), out, cap,
                                  &out_len, &sent);
    if (st == AGW_RADIUS_OK) {
        unsigned char want[16];
        if (out_len > cap || out_len < AGW_RADIUS_HDR_LEN + 18
            || ((size_t)out[2] << 8 | out[3]) != out_len || out[0] != 1
            || out[1] != rq.id || sent.id != rq.id
            || memcmp(sent.auth, out + 4, 16)
            || out[20] != AGW_RADIUS_MESSAGE_AUTHENTICATOR || out[21] != 18
            || walk(out, out_len, &ma) != 1 || ma != 22)
            __builtin_trap();
        ma_of(SECRET, out, out_len, ma, 0, want);
        if (memcmp(want, out + ma, 16))
            __builtin_trap();
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static int init;
    static agw_radius_pending sent;
    apr_pool_t *p;

    if (!init) {
        unsigned char pkt[AGW_RADIUS_MAX_LEN];
        agw_radius_request rq = {
            .id = REQ_ID, .authenticator = req_auth,
            .user = "fuzz", .user_len = 4,
            .password = "password", .password_len = 8,
            .nas_id = "authgw", .nas_id_len = 6,
        };
        size_t n;
        apr_initialize();
        if (agw_radius_build_request(&rq, SECRET, strlen(SECRET), pkt,
                                     sizeof pkt, &n, &sent) != AGW_RADIUS_OK)
            __builtin_trap();
        init = 1;
    }
    if (size < 1)
        return 0;
    apr_pool_create(&p, NULL);
    switch (data[0] & 3) {
    case 0: fuzz_reply(p, SECRET, &sent, data + 1, size - 1, 0); break;
    case 1:
        fuzz_reply(p, SECRET, &sent, data + 1, size - 1, (data[0] & 4) ? 2 : 1);
        break;
    case 2: fuzz_build(data + 1, size - 1); break;
    default: fuzz_reply(p, "k", &sent, data + 1, size - 1, 0); break;
    }
    apr_pool_destroy(p);
    return 0;
}
