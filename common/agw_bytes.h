/* Bounds-checked byte writer and reader.
 *
 * Every put and get checks the remaining room; the first failure sticks, so a
 * codec writes its whole message and tests `err` once at the end.  Integers are
 * big-endian here (our own records); wire codecs with other byte orders add
 * their own getters beside these. */
#ifndef AGW_BYTES_H
#define AGW_BYTES_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    unsigned char *p;
    size_t cap;
    size_t len;
    int err;
} agw_wbuf;

typedef struct {
    const unsigned char *p;
    size_t len;
    size_t off;
    int err;
} agw_rbuf;

void agw_w_init(agw_wbuf *w, void *buf, size_t cap);
void agw_w_bytes(agw_wbuf *w, const void *src, size_t n);
void agw_w_u8(agw_wbuf *w, uint8_t v);
void agw_w_u32(agw_wbuf *w, uint32_t v);
void agw_w_u64(agw_wbuf *w, uint64_t v);
/* A 16-bit length, then the bytes; more than 65535 bytes is an error. */
void agw_w_lv16(agw_wbuf *w, const void *src, size_t n);

void agw_r_init(agw_rbuf *r, const void *buf, size_t len);
/* Points *out at the next n bytes (no copy); NULL and err on overrun. */
const unsigned char *agw_r_bytes(agw_rbuf *r, size_t n);
uint8_t agw_r_u8(agw_rbuf *r);
uint32_t agw_r_u32(agw_rbuf *r);
uint64_t agw_r_u64(agw_rbuf *r);
const unsigned char *agw_r_lv16(agw_rbuf *r, size_t *n);
/* True when the reader is error-free and consumed exactly all input. */
int agw_r_done(const agw_rbuf *r);

/* The value of a hexadecimal digit (either case), or -1. */
int agw_hex_digit(int c);

/* Little-endian forms, for Microsoft wire formats (NTLMSSP). */
void agw_w_le16(agw_wbuf *w, uint16_t v);
void agw_w_le32(agw_wbuf *w, uint32_t v);
void agw_w_le64(agw_wbuf *w, uint64_t v);
uint16_t agw_r_le16(agw_rbuf *r);
uint32_t agw_r_le32(agw_rbuf *r);
uint64_t agw_r_le64(agw_rbuf *r);

#endif
