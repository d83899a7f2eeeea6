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
 * then, in version 4 only (AuthGWSessionBindIP On), the client address
 * that logged on:
 *
 *   +----------------+
 *   | client address |
 *   | lv16           |
 *   +----------------+
 *
 * and, in version 3 (a session that keeps a password for delegation) and
 * in version 4 (where both are "" when no password is kept):
 *
 *   +------------+------------------------------------------+
 *   | deleg user | delegation password sealed under the     |
 *   | lv16       | session key (agw_seal layout), lv16      |
 *   +------------+------------------------------------------+
 *
 * Times are seconds since the epoch; "end" is the absolute end of life.
 * groups: the user's groups from the validator, one per line ("" if none).
 * deleg user: the name to delegate as when it is not the logon name ("" if
 * it is).  The session key is random per session and travels only in the
 * session cookie, sealed with the session id under the cookie key ring: a
 * dump of the store holds no password, and no cookie opens another
 * session's password.  Version 2 records (no delegation) still decode, and
 * a session without a password is still written as version 2; a session
 * without a bound address as version 2 or 3, so a gateway of the previous
 * release sharing the store reads every session that does not need the
 * address (and refuses, as malformed, those that do). */
#ifndef AGW_SESSION_H
#define AGW_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include <apr_pools.h>

#define AGW_SID_LEN 32
/* The per-session key that seals the delegation password. */
#define AGW_SESSION_KEY_LEN 32
/* What the cookie seals: the session id, then the session key.  A cookie of
 * an older version carries the id alone. */
#define AGW_SESSION_COOKIE_LEN (AGW_SID_LEN + AGW_SESSION_KEY_LEN)
#define AGW_SESSION_MAX 4096
#define AGW_SESSION_PURPOSE "authgw session cookie v1"

typedef struct {
    int64_t created;
    int64_t last_seen;
    int64_t end;
    uint32_t flags;
    const char *user;
    const char *method;
    const char *groups;
    const char *deleg_user;              /* NULL or "": the logon user */
    const unsigned char *deleg_secret;   /* sealed password, or NULL */
    size_t deleg_secret_len;
    const char *client_ip;               /* NULL or "": not bound */
} agw_session;

typedef enum {
    AGW_SESSION_VALID = 0,
    AGW_SESSION_IDLE,     /* unused for longer than the idle time-out */
    AGW_SESSION_EXPIRED   /* past its absolute lifetime */
} agw_session_state;

/* Encodes s into buf (version 4 when it is bound to an address, else 3
 * when it holds a delegation secret, else 2); returns its length, or 0
 * when it does not fit. */
size_t agw_session_encode(const agw_session *s, unsigned char *buf, size_t cap);

/* Decodes a record; returns 0, or -1 when it is malformed. */
int agw_session_decode(apr_pool_t *p, const unsigned char *buf, size_t len,
                       agw_session *s);

/* Seals a delegation password under a session key into out; returns the
 * sealed length (strlen(password) + AGW_SEAL_OVERHEAD), or 0 when out is
 * too small or the crypto library failed. */
size_t agw_session_seal_password(const unsigned char key[AGW_SESSION_KEY_LEN],
                                 const char *password, unsigned char *out,
                                 size_t cap);

/* Opens a sealed delegation password: a pool copy, or NULL when key is not
 * the one it was sealed under, the bytes were altered, or it holds a NUL. */
char *agw_session_open_password(apr_pool_t *p,
                                const unsigned char key[AGW_SESSION_KEY_LEN],
                                const unsigned char *sealed, size_t len);

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
