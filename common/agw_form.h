/* application/x-www-form-urlencoded bodies and query strings.
 *
 * Strict where leniency would be a risk: a malformed %-escape, a decoded NUL,
 * a field name given twice (which of two "username" fields would a provider
 * see?) or more fields than allowed make the whole input malformed. */
#ifndef AGW_FORM_H
#define AGW_FORM_H

#include <stddef.h>

#include <apr_pools.h>
#include <apr_tables.h>

#define AGW_FORM_MAX_FIELDS 32

/* Parses len bytes into *out (names and values decoded, NUL-terminated).
 * Returns NULL, or a short reason when the input is malformed. */
const char *agw_form_parse(apr_pool_t *p, const char *in, size_t len,
                           int max_fields, apr_table_t **out);

/* Percent-encodes everything but RFC 3986 unreserved characters and, when
 * keep_slash is set, '/'. */
char *agw_pct_encode(apr_pool_t *p, const char *s, int keep_slash);

#endif
