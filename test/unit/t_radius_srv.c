/* The server side of the RADIUS tests: see t_radius.h. */
#include <string.h>

#include <openssl/evp.h>

#include "t_radius.h"

void srv_start(srv_pkt *k, int code, int id)
{
    memset(k->b, 0, AGW_RADIUS_HDR_LEN);
    k->b[0] = (unsigned char)code;
    k->b[1] = (unsigned char)id;
    k->len = AGW_RADIUS_HDR_LEN;
}

void srv_raw(srv_pkt *k, const void *p, size_t n)
{
    ck_assert_uint_le(n, SRV_MAX - k->len);
    memcpy(k->b + k->len, p, n);
    k->len += n;
}

void srv_attr(srv_pkt *k, int type, const void *val, size_t n)
{
    unsigned char h[2] = { (unsigned char)type, (unsigned char)(n + 2) };
    ck_assert_uint_le(n, 253);
    srv_raw(k, h, 2);
    srv_raw(k, val, n);
}

void srv_ma(srv_pkt *k)
{
    static const unsigned char zero[16];
    srv_attr(k, AGW_RADIUS_MESSAGE_AUTHENTICATOR, zero, sizeof zero);
}

void srv_set_length(srv_pkt *k)
{
    k->b[2] = (unsigned char)(k->len >> 8);
    k->b[3] = (unsigned char)k->len;
}

void srv_md5(const void *a, size_t an, const void *b, size_t bn,
             unsigned char out[16])
{
    unsigned char buf[SRV_MAX + 64];
    size_t olen = 0;
    ck_assert_uint_le(an + bn, sizeof buf);
    memcpy(buf, a, an);
    memcpy(buf + an, b, bn);
    ck_assert_int_eq(EVP_Q_digest(NULL, "MD5", NULL, buf, an + bn, out, &olen), 1);
    ck_assert_uint_eq(olen, 16);
}

void srv_hmac_md5(const char *secret, const void *data, size_t n,
                  unsigned char out[16])
{
    size_t olen = 0;
    ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, "MD5", NULL, secret,
                                    strlen(secret), data, n, out, 16, &olen));
    ck_assert_uint_eq(olen, 16);
}

/* Offset of the first 18-byte Message-Authenticator's value, or 0. */
static size_t ma_offset(const unsigned char *pkt, size_t len)
{
    size_t off = AGW_RADIUS_HDR_LEN;
    while (off + 2 <= len && pkt[off + 1] >= 2 && pkt[off + 1] <= len - off) {
        if (pkt[off] == AGW_RADIUS_MESSAGE_AUTHENTICATOR && pkt[off + 1] == 18)
            return off + 2;
        off += pkt[off + 1];
    }
    return 0;
}

void srv_sign_ma(srv_pkt *k, const unsigned char *req_auth, const char *secret)
{
    unsigned char copy[SRV_MAX], mac[16];
    size_t at = ma_offset(k->b, k->len);
    ck_assert_uint_ne(at, 0);
    memcpy(copy, k->b, k->len);
    memcpy(copy + 4, req_auth, 16);
    memset(copy + at, 0, 16);
    srv_hmac_md5(secret, copy, k->len, mac);
    memcpy(k->b + at, mac, 16);
}

void srv_sign_ra(srv_pkt *k, const unsigned char *req_auth, const char *secret)
{
    unsigned char copy[SRV_MAX];
    memcpy(copy, k->b, k->len);
    memcpy(copy + 4, req_auth, 16);
    srv_md5(copy, k->len, secret, strlen(secret), k->b + 4);
}

void srv_sign(srv_pkt *k, const unsigned char *req_auth, const char *secret)
{
    srv_set_length(k);
    if (ma_offset(k->b, k->len))
        srv_sign_ma(k, req_auth, secret);
    srv_sign_ra(k, req_auth, secret);
}

const unsigned char *srv_find(const unsigned char *pkt, size_t len, int type,
                              int nth, size_t *vlen)
{
    size_t off = AGW_RADIUS_HDR_LEN;
    while (off < len) {
        if (len - off < 2 || pkt[off + 1] < 2 || pkt[off + 1] > len - off)
            return NULL;
        if (pkt[off] == type && nth-- == 0) {
            *vlen = pkt[off + 1] - 2u;
            return pkt + off + 2;
        }
        off += pkt[off + 1];
    }
    return NULL;
}

void srv_unhide(const char *secret, const unsigned char *auth,
                const unsigned char *hidden, size_t n, unsigned char *out)
{
    const unsigned char *prev = auth;
    unsigned char b[16];
    size_t i, j;
    for (i = 0; i < n; i += 16) {
        srv_md5(secret, strlen(secret), prev, 16, b);
        for (j = 0; j < 16; j++)
            out[i + j] = hidden[i + j] ^ b[j];
        prev = hidden + i;
    }
}

int srv_request_ma_ok(const unsigned char *pkt, size_t len, const char *secret)
{
    unsigned char copy[SRV_MAX], mac[16];
    size_t at = ma_offset(pkt, len);
    if (!at || len > sizeof copy)
        return 0;
    memcpy(copy, pkt, len);
    memset(copy + at, 0, 16);
    srv_hmac_md5(secret, copy, len, mac);
    return memcmp(mac, pkt + at, 16) == 0;
}
