#include "agw_bytes.h"

#include <string.h>

void agw_w_init(agw_wbuf *w, void *buf, size_t cap)
{
    w->p = buf;
    w->cap = cap;
    w->len = 0;
    w->err = 0;
}

void agw_w_bytes(agw_wbuf *w, const void *src, size_t n)
{
    if (w->err || n > w->cap - w->len) {
        w->err = 1;
        return;
    }
    if (n)
        memcpy(w->p + w->len, src, n);
    w->len += n;
}

void agw_w_u8(agw_wbuf *w, uint8_t v)
{
    agw_w_bytes(w, &v, 1);
}

void agw_w_u32(agw_wbuf *w, uint32_t v)
{
    unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };
    agw_w_bytes(w, b, sizeof b);
}

void agw_w_u64(agw_wbuf *w, uint64_t v)
{
    agw_w_u32(w, (uint32_t)(v >> 32));
    agw_w_u32(w, (uint32_t)v);
}

void agw_w_lv16(agw_wbuf *w, const void *src, size_t n)
{
    unsigned char b[2] = { n >> 8, n };
    if (n > 0xffff) {
        w->err = 1;
        return;
    }
    agw_w_bytes(w, b, sizeof b);
    agw_w_bytes(w, src, n);
}

void agw_r_init(agw_rbuf *r, const void *buf, size_t len)
{
    r->p = buf;
    r->len = len;
    r->off = 0;
    r->err = 0;
}

const unsigned char *agw_r_bytes(agw_rbuf *r, size_t n)
{
    const unsigned char *at;
    if (r->err || n > r->len - r->off) {
        r->err = 1;
        return NULL;
    }
    at = r->p + r->off;
    r->off += n;
    return at;
}

uint8_t agw_r_u8(agw_rbuf *r)
{
    const unsigned char *b = agw_r_bytes(r, 1);
    return b ? b[0] : 0;
}

uint32_t agw_r_u32(agw_rbuf *r)
{
    const unsigned char *b = agw_r_bytes(r, 4);
    if (!b)
        return 0;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint64_t agw_r_u64(agw_rbuf *r)
{
    uint64_t hi = agw_r_u32(r);
    return hi << 32 | agw_r_u32(r);
}

const unsigned char *agw_r_lv16(agw_rbuf *r, size_t *n)
{
    const unsigned char *b = agw_r_bytes(r, 2);
    *n = b ? ((size_t)b[0] << 8 | b[1]) : 0;
    return b ? agw_r_bytes(r, *n) : NULL;
}

int agw_r_done(const agw_rbuf *r)
{
    return !r->err && r->off == r->len;
}

void agw_w_le16(agw_wbuf *w, uint16_t v)
{
    unsigned char b[2] = { v, v >> 8 };
    agw_w_bytes(w, b, sizeof b);
}

void agw_w_le32(agw_wbuf *w, uint32_t v)
{
    unsigned char b[4] = { v, v >> 8, v >> 16, v >> 24 };
    agw_w_bytes(w, b, sizeof b);
}

void agw_w_le64(agw_wbuf *w, uint64_t v)
{
    agw_w_le32(w, (uint32_t)v);
    agw_w_le32(w, (uint32_t)(v >> 32));
}

uint16_t agw_r_le16(agw_rbuf *r)
{
    const unsigned char *b = agw_r_bytes(r, 2);
    return b ? (uint16_t)(b[0] | b[1] << 8) : 0;
}

uint32_t agw_r_le32(agw_rbuf *r)
{
    const unsigned char *b = agw_r_bytes(r, 4);
    if (!b)
        return 0;
    return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

uint64_t agw_r_le64(agw_rbuf *r)
{
    uint64_t lo = agw_r_le32(r);
    return lo | (uint64_t)agw_r_le32(r) << 32;
}

int agw_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
