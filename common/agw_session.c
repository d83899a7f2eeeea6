#include "agw_session.h"

#include <string.h>

#include <apr_strings.h>

#include "agw_bytes.h"
#include "agw_seal.h"

#define RECORD_VERSION 2
#define RECORD_VERSION_DELEG 3
#define RECORD_VERSION_BOUND 4
#define DELEG_PURPOSE "authgw delegation password v1"
/* Times past 2^40 s (year 36812) or before 1970 are corrupt; refusing them
 * keeps every sum and difference below far from overflow. */
#define TIME_MAX ((uint64_t)1 << 40)

size_t agw_session_encode(const agw_session *s, unsigned char *buf, size_t cap)
{
    agw_wbuf w;
    int deleg = s->deleg_secret_len > 0;
    int bound = s->client_ip && *s->client_ip;
    agw_w_init(&w, buf, cap);
    agw_w_u8(&w, bound ? RECORD_VERSION_BOUND
                 : deleg ? RECORD_VERSION_DELEG : RECORD_VERSION);
    agw_w_u64(&w, (uint64_t)s->created);
    agw_w_u64(&w, (uint64_t)s->last_seen);
    agw_w_u64(&w, (uint64_t)s->end);
    agw_w_u32(&w, s->flags);
    agw_w_lv16(&w, s->user, strlen(s->user));
    agw_w_lv16(&w, s->method, strlen(s->method));
    agw_w_lv16(&w, s->groups ? s->groups : "", s->groups ? strlen(s->groups) : 0);
    if (bound)
        agw_w_lv16(&w, s->client_ip, strlen(s->client_ip));
    if (deleg || bound) {
        agw_w_lv16(&w, s->deleg_user && deleg ? s->deleg_user : "",
                   s->deleg_user && deleg ? strlen(s->deleg_user) : 0);
        agw_w_lv16(&w, deleg ? s->deleg_secret : (const unsigned char *)"",
                   deleg ? s->deleg_secret_len : 0);
    }
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
    uint8_t ver;
    agw_r_init(&r, buf, len);
    ver = agw_r_u8(&r);
    if (ver != RECORD_VERSION && ver != RECORD_VERSION_DELEG
        && ver != RECORD_VERSION_BOUND)
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
    s->deleg_user = NULL;
    s->deleg_secret = NULL;
    s->deleg_secret_len = 0;
    s->client_ip = NULL;
    if (ver == RECORD_VERSION_BOUND
        && (!(s->client_ip = take_string(p, &r)) || !*s->client_ip))
        return -1;
    if (ver != RECORD_VERSION) {
        s->deleg_user = take_string(p, &r);
        s->deleg_secret = agw_r_lv16(&r, &s->deleg_secret_len);
        if (!s->deleg_user || !s->deleg_secret)
            return -1;
        /* version 3 means a password is kept: an empty one is corrupt;
         * version 4 keeps none as two empty fields */
        if (!s->deleg_secret_len
            && (ver == RECORD_VERSION_DELEG || *s->deleg_user))
            return -1;
        if (!s->deleg_secret_len)
            s->deleg_secret = NULL;
    }
    if (!agw_r_done(&r) || !s->user || !s->method || !s->groups || !*s->user)
        return -1;
    return 0;
}

/* A ring of the one key the session key derives. */
static int session_ring(agw_keyring *kr,
                        const unsigned char key[AGW_SESSION_KEY_LEN])
{
    kr->n = 0;
    return agw_keyring_add(kr, key, AGW_SESSION_KEY_LEN);
}

size_t agw_session_seal_password(const unsigned char key[AGW_SESSION_KEY_LEN],
                                 const char *password, unsigned char *out,
                                 size_t cap)
{
    agw_keyring kr;
    size_t n = 0;
    if (session_ring(&kr, key) == 0
        && agw_seal(&kr, DELEG_PURPOSE, password, strlen(password), out, cap,
                    &n) != AGW_SEAL_OK)
        n = 0;
    agw_keyring_clear(&kr);
    return n;
}

char *agw_session_open_password(apr_pool_t *p,
                                const unsigned char key[AGW_SESSION_KEY_LEN],
                                const unsigned char *sealed, size_t len)
{
    agw_keyring kr;
    char *pw = NULL;
    size_t n;

    if (len < AGW_SEAL_OVERHEAD || session_ring(&kr, key))
        return NULL;
    pw = apr_palloc(p, len - AGW_SEAL_OVERHEAD + 1);
    if (agw_unseal(&kr, DELEG_PURPOSE, sealed, len, (unsigned char *)pw,
                   len - AGW_SEAL_OVERHEAD, &n) != AGW_SEAL_OK)
        pw = NULL;
    else if (memchr(pw, '\0', n)) {
        agw_wipe(pw, n);
        pw = NULL;
    }
    else
        pw[n] = '\0';
    agw_keyring_clear(&kr);
    return pw;
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
