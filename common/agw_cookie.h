/* Cookie request headers (RFC 6265 §5.4 form: "a=b; c=d"). */
#ifndef AGW_COOKIE_H
#define AGW_COOKIE_H

#include <apr_pools.h>
#include <apr_tables.h>

/* Appends to vals (an array of const char *) the value of every cookie called
 * name in header; a browser sends several when cookies of the same name exist
 * for several paths or domains, and the caller tries each. */
void agw_cookie_values(apr_pool_t *p, const char *header, const char *name,
                       apr_array_header_t *vals);

/* The header without the cookies whose names are in names (NULL-terminated);
 * NULL when nothing is left. */
char *agw_cookie_strip(apr_pool_t *p, const char *header,
                       const char *const *names);

#endif
