/* Base64url (RFC 4648 §5) without padding, strict.
 *
 * Cookies and tokens carry binary data in this alphabet.  APR's and OpenSSL's
 * decoders accept padding, white space or stray characters, so an altered
 * cookie could decode to the same bytes; this one accepts exactly one spelling
 * of each byte string (no padding, no white space, zero trailing bits). */
#ifndef AGW_B64_H
#define AGW_B64_H

#include <stddef.h>

/* Characters needed to encode n bytes (no terminating NUL). */
size_t agw_b64_enc_len(size_t n);
/* Upper bound of bytes that m characters decode to. */
size_t agw_b64_dec_max(size_t m);

/* Writes agw_b64_enc_len(n) characters and a NUL; out must hold that plus 1. */
void agw_b64_encode(const unsigned char *in, size_t n, char *out);

/* Returns 0 and sets *outlen, or -1 when the input is not canonical
 * base64url or does not fit in cap bytes. */
int agw_b64_decode(const char *in, size_t m, unsigned char *out, size_t cap,
                   size_t *outlen);

#endif
