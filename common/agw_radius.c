#include "agw_radius.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <apr_strings.h>

#include "agw_bytes.h"

#define MA_ATTR_LEN (2 + AGW_RADIUS_AUTH_LEN)

static const unsigned char zeros[AGW_RADIUS_AUTH_LEN];

const char *agw_radius_reason(agw_radius_status st)
{
    switch (st) {
    case AGW_RADIUS_OK: return "ok";
    case AGW_RADIUS_VALUE_TOO_LARGE: return "value-too-large";
    case AGW_RADIUS_PACKET_TOO_LARGE: return "packet-too-large";
    case AGW_RADIUS_PASSWORD_TOO_LONG: return "password-too-long";
    case AGW_RADIUS_EMPTY_VALUE: return "empty-value";
    case AGW_RADIUS_MISSING_ATTRIBUTE: return "missing-attribute";
    case AGW_RADIUS_NO_SECRET: return "no-secret";
    case AGW_RADIUS_CRYPTO: return "crypto-failure";
    case AGW_RADIUS_TRUNCATED: return "truncated";
    case AGW_RADIUS_BAD_LENGTH: return "bad-length";
    case AGW_RADIUS_UNEXPECTED_CODE: return "unexpected-code";
    case AGW_RADIUS_WRONG_IDENTIFIER: return "wrong-identifier";
    case AGW_RADIUS_BAD_ATTRIBUTE_LENGTH: return "bad-attribute-length";
    case AGW_RADIUS_BAD_AUTHENTICATOR: return "bad-authenticator";
    case AGW_RADIUS_NO_MA: return "no-message-authenticator";
    case AGW_RADIUS_DUPLICATE_MA: return "duplicate-message-authenticator";
    case AGW_RADIUS_BAD_MA_LENGTH: return "bad-message-authenticator-length";
    case AGW_RADIUS_BAD_MA: return "bad-message-authenticator";
    case AGW_RADIUS_BAD_STATE: return "bad-state";
    case AGW_RADIUS_BAD_SESSION_TIMEOUT: return "bad-session-timeout";
    case AGW_RADIUS_NUL_IN_TEXT: return "nul-in-text";
    }
    return "unknown";
}

/* --- MD5 and HMAC-MD5 over a list of byte ranges ------------------------- */

/* The authenticators cover a packet with one field swapped or zeroed; hashing
 * it as ranges avoids copying the packet to patch it. */
typedef struct {
    const void *p;
    size_t n;
} range;

static int md5_ranges(const range *v, int nv, unsigned char out[16])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int olen = 0;
    int i, ok = c && EVP_DigestInit_ex(c, EVP_md5(), NULL) == 1;
    for (i = 0; ok && i < nv; i++)
        ok = EVP_DigestUpdate(c, v[i].p, v[i].n) == 1;
    ok = ok && EVP_DigestFinal_ex(c, out, &olen) == 1 && olen == 16;
    EVP_MD_CTX_free(c);
    return ok ? 0 : -1;
}

/* HMAC-MD5 through EVP_PKEY (the HMAC_CTX API is deprecated in OpenSSL 3);
 * a key per packet, so nothing is prepared ahead as the key ring does. */
static int hmac_md5_ranges(const void *key, size_t klen, const range *v,
                           int nv, unsigned char out[16])
{
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_HMAC, NULL, key, klen);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    size_t olen = 16;
    int i, ok = pk && c
        && EVP_DigestSignInit(c, NULL, EVP_md5(), NULL, pk) == 1;
    for (i = 0; ok && i < nv; i++)
        ok = EVP_DigestSignUpdate(c, v[i].p, v[i].n) == 1;
    ok = ok && EVP_DigestSignFinal(c, out, &olen) == 1 && olen == 16;
    EVP_MD_CTX_free(c);
    EVP_PKEY_free(pk);
    return ok ? 0 : -1;
}

/* --- User-Password (RFC 2865 §5.2) ---------------------------------------- */

agw_radius_status agw_radius_hide_password(
    const void *secret, size_t secret_len,
    const unsigned char auth[AGW_RADIUS_AUTH_LEN], const void *pw,
    size_t pwlen, unsigned char out[AGW_RADIUS_MAX_PASSWORD], size_t *outlen)
{
    unsigned char b[16];
    const unsigned char *prev = auth;
    size_t n, i, j;

    if (secret_len == 0)
        return AGW_RADIUS_NO_SECRET;
    if (pwlen > AGW_RADIUS_MAX_PASSWORD)
        return AGW_RADIUS_PASSWORD_TOO_LONG;
    /* An empty password still takes one block: the attribute needs 16..128. */
    n = pwlen == 0 ? 16 : (pwlen + 15) / 16 * 16;
    memset(out, 0, n);
    if (pwlen)
        memcpy(out, pw, pwlen);
    for (i = 0; i < n; i += 16) {
        range v[2] = { { secret, secret_len }, { prev, 16 } };
        if (md5_ranges(v, 2, b)) {
            OPENSSL_cleanse(out, n);
            OPENSSL_cleanse(b, sizeof b);
            return AGW_RADIUS_CRYPTO;
        }
        for (j = 0; j < 16; j++)
            out[i + j] ^= b[j];
        prev = out + i;
    }
    OPENSSL_cleanse(b, sizeof b);
    *outlen = n;
    return AGW_RADIUS_OK;
}

/* --- Access-Request --------------------------------------------------------- */

/* A packet writer: every put can fail, the first failure sticks and says why,
 * and the build tests it once at the end. */
typedef struct {
    agw_wbuf w;
    agw_radius_status st;
} pkt_writer;

static void put_attr(pkt_writer *pw, int type, const void *val, size_t n)
{
    if (pw->st != AGW_RADIUS_OK)
        return;
    if (n > AGW_RADIUS_MAX_VALUE) {
        pw->st = AGW_RADIUS_VALUE_TOO_LARGE;
        return;
    }
    agw_w_u8(&pw->w, (uint8_t)type);
    agw_w_u8(&pw->w, (uint8_t)(2 + n));
    agw_w_bytes(&pw->w, val, n);
    if (pw->w.err)
        pw->st = AGW_RADIUS_PACKET_TOO_LARGE;
}

/* An optional text or string attribute: absent when NULL, never empty. */
static void put_opt(pkt_writer *pw, int type, const void *val, size_t n)
{
    if (!val)
        return;
    if (n == 0 && pw->st == AGW_RADIUS_OK)
        pw->st = AGW_RADIUS_EMPTY_VALUE;
    put_attr(pw, type, val, n);
}

agw_radius_status agw_radius_build_request(const agw_radius_request *rq,
                                           const void *secret,
                                           size_t secret_len,
                                           unsigned char *out, size_t cap,
                                           size_t *outlen,
                                           agw_radius_pending *sent)
{
    unsigned char auth[AGW_RADIUS_AUTH_LEN], mac[16];
    pkt_writer pw;
    size_t ma_at;

    if (secret_len == 0)
        return AGW_RADIUS_NO_SECRET;
    /* RFC 2865 §4.1: a User-Name, a NAS-IP-Address or NAS-Identifier (or
     * RFC 3162's NAS-IPv6-Address), and a password or a State. */
    if (!rq->user || (!rq->nas_ip4 && !rq->nas_ip6 && !rq->nas_id)
        || (!rq->password && !rq->state))
        return AGW_RADIUS_MISSING_ATTRIBUTE;
    if (rq->password && rq->password_len > AGW_RADIUS_MAX_PASSWORD)
        return AGW_RADIUS_PASSWORD_TOO_LONG;
    if (rq->authenticator)
        memcpy(auth, rq->authenticator, sizeof auth);
    else if (RAND_bytes(auth, sizeof auth) != 1)
        return AGW_RADIUS_CRYPTO;

    agw_w_init(&pw.w, out, cap < AGW_RADIUS_MAX_LEN ? cap : AGW_RADIUS_MAX_LEN);
    pw.st = AGW_RADIUS_OK;
    agw_w_u8(&pw.w, AGW_RADIUS_ACCESS_REQUEST);
    agw_w_u8(&pw.w, rq->id);
    agw_w_u8(&pw.w, 0); /* length, set at the end */
    agw_w_u8(&pw.w, 0);
    agw_w_bytes(&pw.w, auth, sizeof auth);
    if (pw.w.err)
        return AGW_RADIUS_PACKET_TOO_LARGE;

    /* First, as the BlastRADIUS mitigations ask; zero until signed. */
    ma_at = pw.w.len + 2;
    put_attr(&pw, AGW_RADIUS_MESSAGE_AUTHENTICATOR, zeros, sizeof zeros);
    put_opt(&pw, AGW_RADIUS_USER_NAME, rq->user, rq->user_len);
    if (rq->password) {
        unsigned char hidden[AGW_RADIUS_MAX_PASSWORD];
        size_t hlen = 0;
        agw_radius_status st = agw_radius_hide_password(
            secret, secret_len, auth, rq->password, rq->password_len, hidden,
            &hlen);
        if (st != AGW_RADIUS_OK && pw.st == AGW_RADIUS_OK)
            pw.st = st;
        if (st == AGW_RADIUS_OK)
            put_attr(&pw, AGW_RADIUS_USER_PASSWORD, hidden, hlen);
        OPENSSL_cleanse(hidden, sizeof hidden);
    }
    if (rq->nas_ip4)
        put_attr(&pw, AGW_RADIUS_NAS_IP_ADDRESS, rq->nas_ip4, 4);
    if (rq->nas_ip6)
        put_attr(&pw, AGW_RADIUS_NAS_IPV6_ADDRESS, rq->nas_ip6, 16);
    put_opt(&pw, AGW_RADIUS_NAS_IDENTIFIER, rq->nas_id, rq->nas_id_len);
    put_opt(&pw, AGW_RADIUS_CALLING_STATION_ID, rq->calling_station,
            rq->calling_station_len);
    put_opt(&pw, AGW_RADIUS_STATE, rq->state, rq->state_len);
    if (pw.st != AGW_RADIUS_OK)
        return pw.st;

    out[2] = (unsigned char)(pw.w.len >> 8);
    out[3] = (unsigned char)pw.w.len;
    /* RFC 3579 §3.2: HMAC-MD5 of the whole packet, this field as zeros. */
    {
        range v[1] = { { out, pw.w.len } };
        if (hmac_md5_ranges(secret, secret_len, v, 1, mac))
            return AGW_RADIUS_CRYPTO;
    }
    memcpy(out + ma_at, mac, sizeof mac);
    *outlen = pw.w.len;
    sent->id = rq->id;
    memcpy(sent->auth, auth, sizeof auth);
    return AGW_RADIUS_OK;
}

/* --- replies ------------------------------------------------------------- */

/* Reads the next attribute: 1 and its parts, 0 at the end, -1 when it is under
 * 2 bytes or runs past the packet. */
static int next_attr(agw_rbuf *r, int *type, const unsigned char **val,
                     size_t *n)
{
    const unsigned char *h;
    if (r->off == r->len)
        return 0;
    h = agw_r_bytes(r, 2);
    if (!h || h[1] < 2)
        return -1;
    *type = h[0];
    *n = (size_t)h[1] - 2;
    *val = agw_r_bytes(r, *n);
    return *val ? 1 : -1;
}

/* Copies the verified attributes a provider uses into the pool. */
static agw_radius_status extract(apr_pool_t *p, const unsigned char *attrs,
                                 size_t alen, agw_radius_reply *rp)
{
    agw_rbuf r;
    const unsigned char *v;
    size_t n;
    int type, rc;
    char *msg = apr_palloc(p, alen + 1);

    rp->message_len = 0;
    rp->state.p = NULL;
    rp->state.len = 0;
    rp->classes = apr_array_make(p, 2, sizeof(agw_radius_octets));
    rp->filter_ids = apr_array_make(p, 2, sizeof(agw_radius_octets));
    rp->has_session_timeout = 0;
    rp->session_timeout = 0;
    agw_r_init(&r, attrs, alen);
    while ((rc = next_attr(&r, &type, &v, &n)) == 1) {
        agw_radius_octets *o;
        switch (type) {
        case AGW_RADIUS_REPLY_MESSAGE:
            /* Shown to the user as a C string: a NUL would cut it short. */
            if (memchr(v, 0, n))
                return AGW_RADIUS_NUL_IN_TEXT;
            memcpy(msg + rp->message_len, v, n);
            rp->message_len += n;
            break;
        case AGW_RADIUS_STATE:
            /* Which of two States would we echo?  And an empty one cannot be
             * echoed (RFC 2865 §5.24: at least one byte). */
            if (rp->state.p || n == 0)
                return AGW_RADIUS_BAD_STATE;
            rp->state.p = apr_pmemdup(p, v, n);
            rp->state.len = n;
            break;
        case AGW_RADIUS_CLASS:
            o = apr_array_push(rp->classes);
            o->p = apr_pmemdup(p, v, n);
            o->len = n;
            break;
        case AGW_RADIUS_FILTER_ID:
            /* May name a group for authorization: no NUL to truncate it. */
            if (memchr(v, 0, n))
                return AGW_RADIUS_NUL_IN_TEXT;
            o = apr_array_push(rp->filter_ids);
            o->p = (const unsigned char *)apr_pstrmemdup(p, (const char *)v, n);
            o->len = n;
            break;
        case AGW_RADIUS_SESSION_TIMEOUT:
            if (rp->has_session_timeout || n != 4)
                return AGW_RADIUS_BAD_SESSION_TIMEOUT;
            rp->has_session_timeout = 1;
            rp->session_timeout = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16
                                  | (uint32_t)v[2] << 8 | v[3];
            break;
        default:
            break; /* RFC 2865 §5: unknown attributes MAY be ignored */
        }
    }
    if (rc < 0) /* walked once already; kept so the function stands alone */
        return AGW_RADIUS_BAD_ATTRIBUTE_LENGTH;
    msg[rp->message_len] = '\0';
    rp->message = msg;
    return AGW_RADIUS_OK;
}

agw_radius_status agw_radius_decode_reply(apr_pool_t *p,
                                          const agw_radius_pending *sent,
                                          const void *secret,
                                          size_t secret_len,
                                          const unsigned char *dgram,
                                          size_t len, agw_radius_reply *reply)
{
    unsigned char want[16];
    agw_radius_reply rp;
    agw_radius_status st;
    agw_rbuf r;
    const unsigned char *v, *ma = NULL;
    size_t plen, n;
    int type, rc, n_ma = 0, ma_len = 0;

    if (secret_len == 0)
        return AGW_RADIUS_NO_SECRET;
    if (len < AGW_RADIUS_HDR_LEN)
        return AGW_RADIUS_TRUNCATED;
    plen = (size_t)dgram[2] << 8 | dgram[3];
    if (plen < AGW_RADIUS_HDR_LEN || plen > AGW_RADIUS_MAX_LEN)
        return AGW_RADIUS_BAD_LENGTH;
    /* RFC 2865 §3: shorter than its length is discarded; octets past the
     * length are padding and ignored -- from here on only plen counts. */
    if (plen > len)
        return AGW_RADIUS_TRUNCATED;
    if (dgram[0] != AGW_RADIUS_ACCESS_ACCEPT
        && dgram[0] != AGW_RADIUS_ACCESS_REJECT
        && dgram[0] != AGW_RADIUS_ACCESS_CHALLENGE)
        return AGW_RADIUS_UNEXPECTED_CODE;
    if (dgram[1] != sent->id)
        return AGW_RADIUS_WRONG_IDENTIFIER;

    agw_r_init(&r, dgram + AGW_RADIUS_HDR_LEN, plen - AGW_RADIUS_HDR_LEN);
    while ((rc = next_attr(&r, &type, &v, &n)) == 1) {
        if (type == AGW_RADIUS_MESSAGE_AUTHENTICATOR && n_ma++ == 0) {
            ma = v;
            ma_len = (int)n + 2;
        }
    }
    if (rc < 0)
        return AGW_RADIUS_BAD_ATTRIBUTE_LENGTH;

    /* RFC 2865 §3: MD5(Code+ID+Length+RequestAuth+Attributes+Secret). */
    {
        range rv[4] = {
            { dgram, 4 },
            { sent->auth, AGW_RADIUS_AUTH_LEN },
            { dgram + AGW_RADIUS_HDR_LEN, plen - AGW_RADIUS_HDR_LEN },
            { secret, secret_len },
        };
        if (md5_ranges(rv, 4, want))
            return AGW_RADIUS_CRYPTO;
        if (CRYPTO_memcmp(want, dgram + 4, AGW_RADIUS_AUTH_LEN) != 0)
            return AGW_RADIUS_BAD_AUTHENTICATOR;
    }

    /* The MD5 above can be forged (BlastRADIUS); this HMAC cannot. */
    if (n_ma == 0)
        return AGW_RADIUS_NO_MA;
    if (n_ma > 1)
        return AGW_RADIUS_DUPLICATE_MA;
    if (ma_len != MA_ATTR_LEN)
        return AGW_RADIUS_BAD_MA_LENGTH;
    /* RFC 3579 §3.2: HMAC-MD5 over the reply with the Request Authenticator in
     * the authenticator field and the Message-Authenticator value as zeros. */
    {
        size_t before = (size_t)(ma - dgram), after = before + 16;
        range mv[5] = {
            { dgram, 4 },
            { sent->auth, AGW_RADIUS_AUTH_LEN },
            { dgram + AGW_RADIUS_HDR_LEN, before - AGW_RADIUS_HDR_LEN },
            { zeros, sizeof zeros },
            { dgram + after, plen - after },
        };
        if (hmac_md5_ranges(secret, secret_len, mv, 5, want))
            return AGW_RADIUS_CRYPTO;
        if (CRYPTO_memcmp(want, ma, 16) != 0)
            return AGW_RADIUS_BAD_MA;
    }

    rp.code = dgram[0];
    st = extract(p, dgram + AGW_RADIUS_HDR_LEN, plen - AGW_RADIUS_HDR_LEN, &rp);
    if (st == AGW_RADIUS_OK)
        *reply = rp;
    return st;
}
