/* The auth-schemes of WWW-Authenticate and Proxy-Authenticate values
 * (RFC 9110 section 11.6.1), as a published server sends them back through
 * the gateway. */
#ifndef AGW_CHALLENGE_H
#define AGW_CHALLENGE_H

#include <apr_pools.h>

/* Appends to *list (NULL at first; ", " between entries) the scheme of each
 * challenge in one header value: "Negotiate, Basic realm=\"a, b\"" gives
 * "Negotiate, Basic".  Auth-params (name=value, quoted strings with their
 * escapes) are skipped; token68 data after a scheme is not a scheme. */
void agw_challenge_schemes(apr_pool_t *p, const char *value,
                           const char **list);

/* 1 when scheme is in a list made by agw_challenge_schemes (case ignored). */
int agw_challenge_offers(const char *list, const char *scheme);

/* The token68 that follows scheme (case ignored) in one WWW-Authenticate
 * value ("NTLM TlRM...", or "Basic realm=x, NTLM TlRM..."): a copy in p;
 * "" when the scheme comes alone or with auth-params; NULL when the value
 * offers no such challenge. */
const char *agw_challenge_token(apr_pool_t *p, const char *value,
                                const char *scheme);

#endif
