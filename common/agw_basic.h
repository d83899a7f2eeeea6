/* The credentials of an "Authorization: Basic" header (RFC 7617). */
#ifndef AGW_BASIC_H
#define AGW_BASIC_H

#include <apr_pools.h>

/* Longest decoded "user:password" accepted, in bytes. */
#define AGW_BASIC_MAX 4096

typedef enum {
    AGW_BASIC_OK = 0,
    AGW_BASIC_NOT_BASIC, /* another scheme, or no header */
    AGW_BASIC_MALFORMED  /* Basic, but not user:password in strict base64 */
} agw_basic_status;

/* Parses an Authorization (or Proxy-Authorization) value.  OK: *user and
 * *password are NUL-terminated copies in p (the user not empty; split at
 * the first ':', as RFC 7617 says).  MALFORMED: *why says what is wrong (no
 * token, not canonical base64, longer than AGW_BASIC_MAX, no ':', an empty
 * user, a control character in the user or a NUL anywhere), for a log line
 * that never holds the password. */
agw_basic_status agw_basic_parse(apr_pool_t *p, const char *header,
                                 const char **user, const char **password,
                                 const char **why);

/* "Basic <base64 of user:password>", for a server the gateway
 * authenticates to; NULL when the user name cannot travel in Basic (empty,
 * or a ':' or control character in it). */
const char *agw_basic_encode(apr_pool_t *p, const char *user,
                             const char *password);

/* A WWW-Authenticate value that asks for Basic credentials in realm (its
 * '"' and '\' escaped; "authgw" when NULL or empty), UTF-8 announced. */
const char *agw_basic_challenge(apr_pool_t *p, const char *realm);

#endif
