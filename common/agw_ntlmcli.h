/* The gateway as an NTLM client of a published server (AuthGWDelegate ntlm,
 * and negotiate's fallback), the pure part: the NEGOTIATE it sends, the
 * AUTHENTICATE answering the server's CHALLENGE (NTLMv2 with the server's
 * AV pairs, its timestamp and a MIC, through agw_ntlm_client_authenticate),
 * and the HTTP pieces of the handshake the module drives on the backend
 * connection: the token of a challenge header, the status line and headers
 * of the server's answer, and the request head rewritten for each leg.
 * Everything read here comes from the published server: untrusted, and
 * fuzzed (test/fuzz/fuzz_ntlmcli.c). */
#ifndef AGW_NTLMCLI_H
#define AGW_NTLMCLI_H

#include <stddef.h>
#include <stdint.h>

#include <apr_pools.h>

#include "agw_ntlm.h"

/* The longest NTLMSSP message or request head handled here. */
#define AGW_NTLMCLI_MAX_TOKEN 8192
#define AGW_NTLMCLI_MAX_HEAD 65536

/* The NEGOTIATE: UNICODE, REQUEST_TARGET, NTLM, ALWAYS_SIGN, extended
 * session security, 128, 56, KEY_EXCH and a version (some servers refuse
 * the form without one).  *n is its length; out holds at least 64 bytes. */
agw_ntlm_status agw_ntlmcli_negotiate(unsigned char *out, size_t cap,
                                      size_t *n);

/* The NTLMv2 AUTHENTICATE answering chal (n2 bytes, as the server sent it)
 * to neg (our NEGOTIATE), for user in domain (NULL: the TargetName of the
 * server's CHALLENGE, its domain) with password: fresh random
 * client challenge and session key, the server's time when it sent one
 * (then a MIC), else now (FILETIME).  spn, when not NULL, goes into
 * MsvAvTargetName.  The message is allocated in p. */
agw_ntlm_status agw_ntlmcli_authenticate(apr_pool_t *p,
                                         const unsigned char *neg, size_t n1,
                                         const unsigned char *chal, size_t n2,
                                         const char *user, const char *domain,
                                         const char *password,
                                         const char *spn, uint64_t now,
                                         unsigned char **out, size_t *outlen);

/* "HTTP/1.1 401 Unauthorized" (n bytes, no line end): the status (100-999),
 * or -1. */
int agw_http_status_line(const char *line, size_t n);

/* One header line (n bytes, no line end) "Name: value": the name and the
 * value without the spaces around it, copies in p; -1 when it is no header
 * line (no colon, an empty name or one with spaces, a folded line). */
int agw_http_header_line(apr_pool_t *p, const char *line, size_t n,
                         const char **name, const char **value);

/* The length of the request or response head at the start of buf (up to
 * and including its empty line, CRLF CRLF), or 0 when it does not end
 * within n bytes. */
size_t agw_http_head_end(const char *buf, size_t n);

/* A request head (n bytes, as agw_http_head_end measured it) rewritten:
 * the request line's method replaced by method (NULL: kept), every header
 * named in drop (NULL-terminated, case ignored) removed, the lines of add
 * ("Name: value\r\n" each) appended before the empty line.  In p, with
 * *outlen; NULL when head is not a request head. */
char *agw_http_head_rewrite(apr_pool_t *p, const char *head, size_t n,
                            const char *method, const char *const *drop,
                            const char *add, size_t *outlen);

#endif
