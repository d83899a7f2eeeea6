/* Languages of the logon pages: the Accept-Language header (RFC 9110
 * section 12.5.4) matched against the languages a template set has, and the
 * files that hold each language's strings. */
#ifndef AGW_LANG_H
#define AGW_LANG_H

#include <stddef.h>

#include <apr_pools.h>
#include <apr_tables.h>

/* Language ranges of one header that are looked at; the rest are ignored. */
#define AGW_LANG_MAX_RANGES 32
/* Longest tag accepted (the length RFC 5646 section 4.4.1 asks to keep). */
#define AGW_LANG_MAX_TAG 35

/* 1 when tag is a language tag as a file name or a directive may give it:
 * 1 to 8 letters, then any number of "-" and 1 to 8 letters or digits, at
 * most AGW_LANG_MAX_TAG characters in all ("en", "de-CH", "zh-Hant"). */
int agw_lang_tag_ok(const char *tag);

/* Which of the n tags in avail (compared without regard to case) the
 * Accept-Language value header asks for first; -1 when none is acceptable,
 * when header is NULL or has no well-formed range.
 *
 * Ranges are taken by q-value, highest first, the earlier one first among
 * equals; q=0 rules out what it matches.  A range matches the tag equal to
 * it or to the range cut at a '-' ("fr-CH" matches "fr", as RFC 4647
 * lookup does), else a tag it is a prefix of ("fr" matches "fr-CA"); "*"
 * matches the first tag of avail not ruled out.  Malformed elements are
 * skipped, never fatal. */
int agw_lang_choose(const char *header, const char *const *avail, int n);

/* Parses the text of a strings file (len bytes, need not be NUL-terminated):
 * UTF-8 lines "key = value", blank lines and lines starting with '#'; keys
 * are lower-case letters, digits, '_', '.' and '-'; values are trimmed; a
 * leading byte-order mark is skipped.  Each pair goes into out as
 * prefix+key.  Returns NULL, or what is wrong with *line set to the line
 * (0 for the whole file). */
const char *agw_strings_parse(apr_pool_t *p, const char *text, size_t len,
                              const char *prefix, apr_table_t *out,
                              int *line);

#endif
