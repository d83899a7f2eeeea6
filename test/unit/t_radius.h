/* RADIUS codec tests: the test cases of each file, and a small RADIUS server
 * side that builds and signs replies.
 *
 * The server side hashes with its own OpenSSL calls (EVP_Q_digest, EVP_Q_mac)
 * rather than the codec's, so a mistake in the codec's MD5 or HMAC framing
 * cannot cancel out against the same mistake on the other end. */
#ifndef AGW_T_RADIUS_H
#define AGW_T_RADIUS_H

#include <stddef.h>

#include "agw_radius.h"
#include "suites.h"

TCase *tcase_radius_request(void);
TCase *tcase_radius_reply(void);

#define SRV_MAX 8192

/* A packet under construction; len may exceed 4096 to test refusals. */
typedef struct {
    unsigned char b[SRV_MAX];
    size_t len;
} srv_pkt;

/* Header with a zero authenticator and the length left for srv_sign(). */
void srv_start(srv_pkt *k, int code, int id);
/* One attribute, the length byte computed (value up to 253 bytes). */
void srv_attr(srv_pkt *k, int type, const void *val, size_t n);
/* Raw bytes, for malformed attributes. */
void srv_raw(srv_pkt *k, const void *p, size_t n);
/* A Message-Authenticator attribute of zeros, for srv_sign() to fill. */
void srv_ma(srv_pkt *k);

/* Sets the length field to k->len. */
void srv_set_length(srv_pkt *k);
/* Fills the first 18-byte Message-Authenticator as RFC 3579 §3.2 says a server
 * does (Request Authenticator in the header, MA zeroed). */
void srv_sign_ma(srv_pkt *k, const unsigned char *req_auth, const char *secret);
/* Sets the Response Authenticator (RFC 2865 §3), over the length field as is. */
void srv_sign_ra(srv_pkt *k, const unsigned char *req_auth, const char *secret);
/* All three, in the order a server does them. */
void srv_sign(srv_pkt *k, const unsigned char *req_auth, const char *secret);

void srv_md5(const void *a, size_t an, const void *b, size_t bn,
             unsigned char out[16]);
void srv_hmac_md5(const char *secret, const void *data, size_t n,
                  unsigned char out[16]);

/* The value of the nth (from 0) attribute of a type in a packet of len bytes;
 * NULL when there is none or the walk is malformed. */
const unsigned char *srv_find(const unsigned char *pkt, size_t len, int type,
                              int nth, size_t *vlen);

/* Reverses RFC 2865 §5.2 hiding; n is a multiple of 16, out has n bytes. */
void srv_unhide(const char *secret, const unsigned char *auth,
                const unsigned char *hidden, size_t n, unsigned char *out);

/* True when the request's Message-Authenticator verifies. */
int srv_request_ma_ok(const unsigned char *pkt, size_t len, const char *secret);

#endif
