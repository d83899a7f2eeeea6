#include "agw_b64std.h"

#include <stdint.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

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
    size_t i = 0;
    while (n - i >= 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *out++ = alphabet[v >> 18];
        *out++ = alphabet[v >> 12 & 63];
        *out++ = alphabet[v >> 6 & 63];
        *out++ = alphabet[v & 63];
        i += 3;
    }
    if (n - i == 1) {
        *out++ = alphabet[in[i] >> 2];
        *out++ = alphabet[(in[i] & 3) << 4];
        *out++ = '=';
        *out++ = '=';
    }
    else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];
        *out++ = alphabet[v >> 10];
        *out++ = alphabet[v >> 4 & 63];
        *out++ = alphabet[(v & 15) << 2];
        *out++ = '=';
    }
    *out = '\0';
}

static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int agw_b64std_decode(const char *in, size_t m, unsigned char *out, size_t cap,
                      size_t *outlen)
{
    size_t i, o = 0, pad = 0;
    uint32_t acc = 0;
    int bits = 0;

    if (m % 4 != 0)
        return -1;
    /* Padding only as the last one or two characters. */
    if (m && in[m - 1] == '=')
        pad = m >= 2 && in[m - 2] == '=' ? 2 : 1;
    if (agw_b64std_dec_max(m) - pad > cap)
        return -1;
    for (i = 0; i < m - pad; i++) {
        int s = sextet(in[i]);
        if (s < 0)
            return -1;
        acc = acc << 6 | (uint32_t)s;
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
