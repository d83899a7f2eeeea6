/* libFuzzer: the Kerberos pure logic of authgw-kerberos.
 *
 * The first input byte picks a mode; the rest is the input:
 *   0  a KRB-ERROR's e-data (from the KDC): agw_kerb_edata_status must not
 *      read past the input, and a status it finds must be the 4 bytes
 *      that end 8 bytes before some position of the input.
 *   1  a user name typed at the gateway (up to the first NUL):
 *      agw_kerb_map_user's accepted name must be a non-empty single
 *      principal component (no '@', '\', '/', control characters) that
 *      occurs in the input.
 *   2  a kpasswd result string with the result code in the next byte. */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "agw_kerb.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static apr_pool_t *pool;

static void edata(const unsigned char *p, size_t n)
{
    /* a copy of exactly n bytes, so ASan sees any overread */
    unsigned char *b = malloc(n ? n : 1);
    uint32_t st;
    memcpy(b, p, n);
    if (agw_kerb_edata_status(b, n, &st) == 0) {
        size_t i;
        int seen = 0;
        for (i = 0; i + 12 <= n && !seen; i++)
            seen = (uint32_t)b[i] == (st & 0xff)
                && (uint32_t)b[i + 1] == ((st >> 8) & 0xff)
                && (uint32_t)b[i + 2] == ((st >> 16) & 0xff)
                && (uint32_t)b[i + 3] == (st >> 24);
        if (!seen)
            abort();
    }
    free(b);
}

static void user(const unsigned char *p, size_t n)
{
    char *u = malloc(n + 1);
    const char *name = NULL;
    const char *netbios = n && (p[0] & 1) ? "CORP" : NULL;
    memcpy(u, p, n);
    u[n] = '\0';
    if (agw_kerb_map_user(u, "GW.TEST", netbios, pool, &name)
        == AGW_KERB_NAME_OK) {
        const char *c;
        if (!*name || !strstr(u, name))
            abort();
        for (c = name; *c; c++)
            if (*c == '@' || *c == '\\' || *c == '/'
                || (unsigned char)*c < 0x20 || *c == 0x7f)
                abort();
    }
    apr_pool_clear(pool);
    free(u);
}

static void kpasswd(const unsigned char *p, size_t n)
{
    unsigned char *b;
    const char *why;
    if (n < 1)
        return;
    b = malloc(n - 1 ? n - 1 : 1);
    memcpy(b, p + 1, n - 1);
    why = agw_kerb_kpasswd_reason(p[0] % 8, b, n - 1);
    if (why && strcmp(why, "policy") && strcmp(why, "too-short")
        && strcmp(why, "complexity") && strcmp(why, "history")
        && strcmp(why, "min-age"))
        abort();
    free(b);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!pool) {
        apr_initialize();
        apr_pool_create(&pool, NULL);
    }
    if (size < 1)
        return 0;
    switch (data[0] % 3) {
    case 0: edata(data + 1, size - 1); break;
    case 1: user(data + 1, size - 1); break;
    default: kpasswd(data + 1, size - 1); break;
    }
    return 0;
}
