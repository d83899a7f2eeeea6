#include "agw_md4rc4.h"

#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

/* ---- MD4, RFC 1320 §3 --------------------------------------------------- */

#define ROTL(x, s) ((uint32_t)((x) << (s)) | ((x) >> (32 - (s))))
#define F(x, y, z) (((x) & (y)) | (~(x) & (z)))
#define G(x, y, z) (((x) & (y)) | ((x) & (z)) | ((y) & (z)))
#define H(x, y, z) ((x) ^ (y) ^ (z))

/* Per round: the order the 16 message words are taken in, the four shifts
 * (repeating), and the added constant. */
static const unsigned char word[3][16] = {
    { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
    { 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15 },
    { 0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15 },
};
static const unsigned char shift[3][4] = {
    { 3, 7, 11, 19 }, { 3, 5, 9, 13 }, { 3, 9, 11, 15 },
};
static const uint32_t add[3] = { 0, 0x5a827999u, 0x6ed9eba1u };

static void md4_block(uint32_t st[4], const unsigned char *blk)
{
    uint32_t x[16], v[4];
    int r, i;

    for (i = 0; i < 16; i++)
        x[i] = blk[4 * i] | (uint32_t)blk[4 * i + 1] << 8
             | (uint32_t)blk[4 * i + 2] << 16 | (uint32_t)blk[4 * i + 3] << 24;
    memcpy(v, st, sizeof v);
    /* The RFC's steps [abcd k s] update A, D, C, B in turn, each from the
     * three that follow it in the cycle A B C D. */
    for (r = 0; r < 3; r++) {
        for (i = 0; i < 16; i++) {
            int n = (4 - i % 4) % 4;
            uint32_t b = v[(n + 1) % 4], c = v[(n + 2) % 4], d = v[(n + 3) % 4];
            uint32_t f = r == 0 ? F(b, c, d) : r == 1 ? G(b, c, d) : H(b, c, d);
            uint32_t t = v[n] + f + x[word[r][i]] + add[r];
            v[n] = ROTL(t, shift[r][i % 4]);
        }
    }
    for (i = 0; i < 4; i++)
        st[i] += v[i];
    OPENSSL_cleanse(x, sizeof x);
}

void agw_md4(const void *data, size_t n, unsigned char out[AGW_MD4_LEN])
{
    const unsigned char *p = data;
    uint32_t st[4] = { 0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u };
    unsigned char last[128];
    uint64_t bits = (uint64_t)n * 8;
    size_t rest = n % 64, tail, i;

    for (; n >= 64; n -= 64, p += 64)
        md4_block(st, p);
    /* Padding (§3.1, §3.2): a one bit, zeros to 56 mod 64, the bit length
     * as 64 bits little-endian. */
    memset(last, 0, sizeof last);
    memcpy(last, p, rest);
    last[rest] = 0x80;
    tail = rest < 56 ? 64 : 128;
    for (i = 0; i < 8; i++)
        last[tail - 8 + i] = (unsigned char)(bits >> (8 * i));
    md4_block(st, last);
    if (tail == 128)
        md4_block(st, last + 64);
    for (i = 0; i < 16; i++)
        out[i] = (unsigned char)(st[i / 4] >> (8 * (i % 4)));
    OPENSSL_cleanse(last, sizeof last);
    OPENSSL_cleanse(st, sizeof st);
}

/* ---- RC4 ---------------------------------------------------------------- */

void agw_rc4_init(agw_rc4 *c, const unsigned char *key, size_t keylen)
{
    unsigned char j = 0, t;
    int i;

    for (i = 0; i < 256; i++)
        c->s[i] = (unsigned char)i;
    for (i = 0; i < 256; i++) {
        j = (unsigned char)(j + c->s[i] + key[(size_t)i % keylen]);
        t = c->s[i];
        c->s[i] = c->s[j];
        c->s[j] = t;
    }
    c->i = c->j = 0;
}

void agw_rc4_crypt(agw_rc4 *c, const unsigned char *in, unsigned char *out,
                   size_t n)
{
    unsigned char i = c->i, j = c->j, t;
    size_t k;

    for (k = 0; k < n; k++) {
        i = (unsigned char)(i + 1);
        j = (unsigned char)(j + c->s[i]);
        t = c->s[i];
        c->s[i] = c->s[j];
        c->s[j] = t;
        out[k] = in[k] ^ c->s[(unsigned char)(c->s[i] + c->s[j])];
    }
    c->i = i;
    c->j = j;
}

void agw_rc4_once(const unsigned char *key, size_t keylen,
                  const unsigned char *in, unsigned char *out, size_t n)
{
    agw_rc4 c;
    agw_rc4_init(&c, key, keylen);
    agw_rc4_crypt(&c, in, out, n);
    OPENSSL_cleanse(&c, sizeof c);
}
