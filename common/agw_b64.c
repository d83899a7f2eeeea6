#include "agw_b64.h"

#include <stdint.h>

/* The two spellings differ only in the last two letters and the padding. */
typedef struct {
    char c62, c63;
    int padded;
} spelling;

static const spelling url = { '-', '_', 0 };
static const spelling std = { '+', '/', 1 };

static char letter(const spelling *s, uint32_t v)
{
    static const char first62[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    return v < 62 ? first62[v] : v == 62 ? s->c62 : s->c63;
}

static int sextet(const spelling *s, char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == s->c62)
        return 62;
    if (c == s->c63)
        return 63;
    return -1;
}

/* Bytes that a body of m unpadded characters holds. */
static size_t body_bytes(size_t m)
{
    return m / 4 * 3 + (m % 4 ? m % 4 - 1 : 0);
}

static void encode(const spelling *s, const unsigned char *in, size_t n,
                   char *out)
{
    size_t i = 0;
    while (n - i >= 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *out++ = letter(s, v >> 18);
        *out++ = letter(s, v >> 12 & 63);
        *out++ = letter(s, v >> 6 & 63);
        *out++ = letter(s, v & 63);
        i += 3;
    }
    if (n - i == 1) {
        *out++ = letter(s, in[i] >> 2);
        *out++ = letter(s, (in[i] & 3) << 4);
    }
    else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];
        *out++ = letter(s, v >> 10);
        *out++ = letter(s, v >> 4 & 63);
        *out++ = letter(s, (v & 15) << 2);
    }
    if (s->padded && n % 3)
        for (i = n % 3; i < 3; i++)
            *out++ = '=';
    *out = '\0';
}

static int decode(const spelling *s, const char *in, size_t m,
                  unsigned char *out, size_t cap, size_t *outlen)
{
    size_t i, o = 0, body = m;
    uint32_t acc = 0;
    int bits = 0;

    if (s->padded) {
        /* A multiple of 4, with '=' only as the last one or two. */
        if (m % 4)
            return -1;
        while (body > 0 && m - body < 2 && in[body - 1] == '=')
            body--;
    }
    if (body % 4 == 1 || body_bytes(body) > cap)
        return -1;
    for (i = 0; i < body; i++) {
        int v = sextet(s, in[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Leftover bits must be zero, or two spellings would decode alike. */
    if (acc != 0)
        return -1;
    *outlen = o;
    return 0;
}

size_t agw_b64_enc_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

size_t agw_b64_dec_max(size_t m)
{
    return body_bytes(m);
}

void agw_b64_encode(const unsigned char *in, size_t n, char *out)
{
    encode(&url, in, n, out);
}

int agw_b64_decode(const char *in, size_t m, unsigned char *out, size_t cap,
                   size_t *outlen)
{
    return decode(&url, in, m, out, cap, outlen);
}

size_t agw_b64std_enc_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

size_t agw_b64std_dec_max(size_t m)
{
    return m / 4 * 3;
}

void agw_b64std_encode(const unsigned char *in, size_t n, char *out)
{
    encode(&std, in, n, out);
}

int agw_b64std_decode(const char *in, size_t m, unsigned char *out, size_t cap,
                      size_t *outlen)
{
    return decode(&std, in, m, out, cap, outlen);
}
