#include "agw_record.h"

#include <string.h>

#include <apr_strings.h>

#include "agw_bytes.h"

size_t agw_record_encode(unsigned char kind, const char *const *strs, int n,
                         unsigned char *buf, size_t cap)
{
    agw_wbuf w;
    int i;
    if (n < 0 || n > 255)
        return 0;
    agw_w_init(&w, buf, cap);
    agw_w_u8(&w, kind);
    agw_w_u8(&w, (uint8_t)n);
    for (i = 0; i < n; i++)
        agw_w_lv16(&w, strs[i], strlen(strs[i]));
    return w.err ? 0 : w.len;
}

int agw_record_decode(apr_pool_t *p, unsigned char kind, const unsigned char *buf,
                      size_t len, const char **out, int n)
{
    agw_rbuf r;
    int i;
    agw_r_init(&r, buf, len);
    if (agw_r_u8(&r) != kind || agw_r_u8(&r) != n || r.err)
        return -1;
    for (i = 0; i < n; i++) {
        size_t sl;
        const unsigned char *s = agw_r_lv16(&r, &sl);
        if (!s || memchr(s, '\0', sl))
            return -1;
        out[i] = apr_pstrmemdup(p, (const char *)s, sl);
    }
    return agw_r_done(&r) ? 0 : -1;
}
