/* Small records of strings for the shared store: n strings, each with a
 * 16-bit length, after a one-byte kind and a one-byte count.
 *
 *   +------+-------+----------------+-----+----------------+
 *   | kind | count | len | string 1 | ... | len | string n |
 *   | 1 B  | 1 B   | 2 B | ...      |     | 2 B | ...      |
 *   +------+-------+----------------+-----+----------------+
 *
 * The kind names the record's purpose, so a record written for one purpose
 * never decodes as another. */
#ifndef AGW_RECORD_H
#define AGW_RECORD_H

#include <stddef.h>

#include <apr_pools.h>

#define AGW_RECORD_MAX 4096

/* Returns the encoded length, or 0 when it does not fit in cap. */
size_t agw_record_encode(unsigned char kind, const char *const *strs, int n,
                         unsigned char *buf, size_t cap);

/* Decodes exactly n strings of the given kind into out (pool copies, NUL
 * terminated; a string holding a NUL is refused).  Returns 0 or -1. */
int agw_record_decode(apr_pool_t *p, unsigned char kind, const unsigned char *buf,
                      size_t len, const char **out, int n);

#endif
