/* Where a logon may send the browser back to. */
#ifndef AGW_URL_H
#define AGW_URL_H

/* 1 when target is a same-origin address: a path that starts with exactly
 * one '/', or an absolute URL whose scheme://authority is origin (compared
 * case-insensitively) followed by '/', '?', '#' or nothing.  Control
 * characters, spaces and backslashes anywhere refuse it: browsers read "/\x"
 * as "//x", another host. */
int agw_return_url_ok(const char *target, const char *origin);

#endif
