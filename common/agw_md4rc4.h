/* MD4 (RFC 1320) and RC4, for NTLM only.
 *
 * NTLM needs MD4 for the NT hash and RC4 for the key exchange.  OpenSSL 3
 * serves both only from its legacy provider: the default provider refuses
 * them, and loading "legacy" would mean a library context (or global provider
 * state) that every module sharing the process must agree on.  Both
 * algorithms are a few dozen lines, need no state beyond the caller's, and
 * are used here on a handful of bytes, never for new designs; so we carry our
 * own, written from RFC 1320 and the RC4 algorithm description, and test them
 * against RFC 1320 §A.5 and RFC 6229. */
#ifndef AGW_MD4RC4_H
#define AGW_MD4RC4_H

#include <stddef.h>

#define AGW_MD4_LEN 16

/* MD4 of n bytes, in one call (NTLM hashes short strings only). */
void agw_md4(const void *data, size_t n, unsigned char out[AGW_MD4_LEN]);

/* RC4 key stream state; the caller owns it and wipes it. */
typedef struct {
    unsigned char s[256];
    unsigned char i, j;
} agw_rc4;

/* keylen must be 1..256. */
void agw_rc4_init(agw_rc4 *c, const unsigned char *key, size_t keylen);
/* XORs n bytes of key stream into in, to out (in and out may be equal). */
void agw_rc4_crypt(agw_rc4 *c, const unsigned char *in, unsigned char *out,
                   size_t n);
/* One message under a fresh key: init, crypt, wipe. */
void agw_rc4_once(const unsigned char *key, size_t keylen,
                  const unsigned char *in, unsigned char *out, size_t n);

#endif
