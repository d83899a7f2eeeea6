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

#endif
