/* Standard base64 (RFC 4648 §4) with padding, strict.
 *
 * HTTP authentication headers carry NTLM messages in this alphabet
 * ("Authorization: NTLM TlRMTVNTUAAB...").  APR's and OpenSSL's decoders stop
 * at or skip characters outside the alphabet, accept missing padding and
 * non-zero trailing bits, so the bytes a gateway authenticated need not be
 * the only reading of the header; a message is also MAC'd (the NTLM MIC) as
 * the decoded bytes, which must therefore be unambiguous.  This decoder
 * accepts exactly one spelling of each byte string: the alphabet A-Z a-z 0-9
 * + /, '=' padding to a multiple of 4, zero trailing bits, nothing else. */
#ifndef AGW_B64STD_H
#define AGW_B64STD_H

#include <stddef.h>

/* Characters needed to encode n bytes, padding included (no NUL). */
size_t agw_b64std_enc_len(size_t n);
/* Upper bound of bytes that m characters decode to. */
size_t agw_b64std_dec_max(size_t m);

/* Writes agw_b64std_enc_len(n) characters and a NUL; out must hold that
 * plus 1. */
void agw_b64std_encode(const unsigned char *in, size_t n, char *out);

/* Returns 0 and sets *outlen, or -1 when the m characters are not canonical
 * padded base64 or do not fit in cap bytes. */
int agw_b64std_decode(const char *in, size_t m, unsigned char *out, size_t cap,
                      size_t *outlen);

#endif
