#include "agw_session.h"

#include <string.h>

#include <apr_strings.h>

#include "agw_bytes.h"

#define RECORD_VERSION 2
/* Times past 2^40 s (year 36812) or before 1970 are corrupt; refusing them
 * keeps every sum and difference below far from overflow. */
#define TIME_MAX ((uint64_t)1 << 40)

size_t agw_session_encode(const agw_session *s, unsigned char *buf, size_t cap)
{
    agw_wbuf w;
    agw_w_init(&w, buf, cap);
    agw_w_u8(&w, RECORD_VERSION);
    agw_w_u64(&w, (uint64_t)s->created);
    agw_w_u64(&w, (uint64_t)s->last_seen);
    agw_w_u64(&w, (uint64_t)s->end);
    agw_w_u32(&w, s->flags);
    agw_w_lv16(&w, s->user, strlen(s->user));
    agw_w_lv16(&w, s->method, strlen(s->method));
    agw_w_lv16(&w, s->groups ? s->groups : "", s->groups ? strlen(s->groups) : 0);
    return w.err ? 0 : w.len;
}

static const char *take_string(apr_pool_t *p, agw_rbuf *r)
{
    size_t n;
    const unsigned char *b = agw_r_lv16(r, &n);
    if (!b || memchr(b, '\0', n))
        return NULL;
    return apr_pstrmemdup(p, (const char *)b, n);
}

int agw_session_decode(apr_pool_t *p, const unsigned char *buf, size_t len,
                       agw_session *s)
{
    agw_rbuf r;
    agw_r_init(&r, buf, len);
    if (agw_r_u8(&r) != RECORD_VERSION)
        return -1;
    uint64_t created = agw_r_u64(&r), last = agw_r_u64(&r), end = agw_r_u64(&r);
    if (created > TIME_MAX || last > TIME_MAX || end > TIME_MAX)
        return -1;
    s->created = (int64_t)created;
    s->last_seen = (int64_t)last;
    s->end = (int64_t)end;
    s->flags = agw_r_u32(&r);
    s->user = take_string(p, &r);
    s->method = take_string(p, &r);
    s->groups = take_string(p, &r);
    if (!agw_r_done(&r) || !s->user || !s->method || !s->groups || !*s->user)
        return -1;
    return 0;
}

agw_session_state agw_session_check(const agw_session *s, int64_t now,
                                    int64_t idle)
{
    if (now >= s->end)
        return AGW_SESSION_EXPIRED;
    if (idle > 0 && now - s->last_seen > idle)
        return AGW_SESSION_IDLE;
    return AGW_SESSION_VALID;
}

int agw_session_needs_touch(const agw_session *s, int64_t now, int64_t idle)
{
    int64_t step = idle / 16;
    if (idle <= 0)
        return 0;
    return now - s->last_seen >= (step > 1 ? step : 1);
}

int64_t agw_session_store_expiry(const agw_session *s, int64_t idle)
{
    /* One second of grace so that the store never drops a record that the
     * clock check above would still accept. */
    if (idle > 0 && s->last_seen + idle + 1 < s->end)
        return s->last_seen + idle + 1;
    return s->end;
}
