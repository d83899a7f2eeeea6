/* The SSO session: its record in the shared store, its cookie, its clock.
 *
 * The cookie carries only a sealed random session id; the record lives in the
 * store under that id, so logging off (deleting the record) ends the session
 * everywhere at once, however many copies of the cookie exist.
 *
 * Record layout, big-endian:
 *
 *   +-----+---------+-----------+-----+-------+------+--------+--------+
 *   | ver | created | last seen | end | flags | user | method | groups |
 *   | 1 B | 8 B     | 8 B       | 8 B | 4 B   | lv16 | lv16   | lv16   |
 *   +-----+---------+-----------+-----+-------+------+--------+--------+
 *
 * Times are seconds since the epoch; "end" is the absolute end of life.
 * groups: the user's groups from the validator, one per line ("" if none). */
#ifndef AGW_SESSION_H
#define AGW_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include <apr_pools.h>

#define AGW_SID_LEN 32
#define AGW_SESSION_MAX 2048
#define AGW_SESSION_PURPOSE "authgw session cookie v1"

typedef struct {
    int64_t created;
    int64_t last_seen;
    int64_t end;
    uint32_t flags;
    const char *user;
    const char *method;
    const char *groups;
} agw_session;

typedef enum {
    AGW_SESSION_VALID = 0,
    AGW_SESSION_IDLE,     /* unused for longer than the idle time-out */
    AGW_SESSION_EXPIRED   /* past its absolute lifetime */
} agw_session_state;

/* Encodes s into buf; returns its length, or 0 when it does not fit. */
size_t agw_session_encode(const agw_session *s, unsigned char *buf, size_t cap);

/* Decodes a record; returns 0, or -1 when it is malformed. */
int agw_session_decode(apr_pool_t *p, const unsigned char *buf, size_t len,
                       agw_session *s);

/* idle is in seconds; 0 means no idle time-out. */
agw_session_state agw_session_check(const agw_session *s, int64_t now,
                                    int64_t idle);

/* 1 when last_seen is old enough to be worth writing back: within
 * max(1 s, idle/16), so the idle time-out costs one store write every few
 * requests instead of one each. */
int agw_session_needs_touch(const agw_session *s, int64_t now, int64_t idle);

/* When the store may drop the record: the earlier of the idle and absolute
 * ends. */
int64_t agw_session_store_expiry(const agw_session *s, int64_t idle);

#endif
