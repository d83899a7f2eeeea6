/* Base64, strict, in the two spellings authgw meets.
 *
 * base64url (RFC 4648 §5) without padding: our cookies and tokens.
 * standard base64 (RFC 4648 §4) with '=' padding: HTTP authentication headers
 * ("Authorization: NTLM TlRMTVNTUAAB...").
 *
 * APR's and OpenSSL's decoders accept padding where there should be none,
 * white space, stray characters and non-zero trailing bits, so one value
 * could be spelt several ways: an altered cookie could open, and the bytes a
 * gateway authenticated (the NTLM MIC covers the decoded message) would not
 * be the only reading of the header.  These decoders accept exactly one
 * spelling of each byte string. */
#ifndef AGW_B64_H
#define AGW_B64_H

#include <stddef.h>

/* base64url, no padding.  enc_len: characters for n bytes (no NUL);
 * dec_max: most bytes m characters decode to. */
size_t agw_b64_enc_len(size_t n);
size_t agw_b64_dec_max(size_t m);
/* Writes agw_b64_enc_len(n) characters and a NUL. */
void agw_b64_encode(const unsigned char *in, size_t n, char *out);
/* 0 and *outlen, or -1 when not canonical or longer than cap bytes. */
int agw_b64_decode(const char *in, size_t m, unsigned char *out, size_t cap,
                   size_t *outlen);

/* Standard base64 with padding; the same contracts. */
size_t agw_b64std_enc_len(size_t n);
size_t agw_b64std_dec_max(size_t m);
void agw_b64std_encode(const unsigned char *in, size_t n, char *out);
int agw_b64std_decode(const char *in, size_t m, unsigned char *out, size_t cap,
                      size_t *outlen);

#endif
