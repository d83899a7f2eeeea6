/* libFuzzer: the pure logic of Kerberos constrained delegation.
 *
 * The first input byte picks a mode; the rest (up to the first NUL) is:
 *   0  an AuthGWDelegateSPN value: agw_spn_check must not read past it, and
 *      an accepted template expanded for a published host must be accepted
 *      again and hold no '*'.
 *   1  the URL mod_proxy fetches (its host part can come from a request
 *      through RewriteRule [P]): agw_url_host's host must be non-empty, in
 *      lower case, made of name characters (and ':' for IPv6), and occur
 *      in the URL without regard to case.
 *   2  a Kerberos AP-REQ: agw_gss_krb5_init_token, and agw_kcd_spnego
 *      around that, must each end their output with their input and state
 *      an outer length that reaches exactly to the end; the SPNEGO reader
 *      must give back exactly the Kerberos token. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "agw_kcd.h"
#include "agw_spnego.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static apr_pool_t *pool;

static char *cstr(const unsigned char *p, size_t n)
{
    char *s = malloc(n + 1);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static void spn(const char *s)
{
    const char *x;
    if (agw_spn_check(s))
        return;
    x = agw_spn_for(pool, s, "backend.gw.test");
    if (!x || strchr(x, '*') || agw_spn_check(x))
        abort();
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n))
            return 1;
    return 0;
}

static void host(const char *url)
{
    const char *h = agw_url_host(pool, url), *c;
    if (!h)
        return;
    if (!*h || !contains_nocase(url, h))
        abort();
    for (c = h; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')
              || strchr("-_.:", *c)))
            abort();
}

static size_t der_len(const unsigned char *b, size_t n, size_t *off)
{
    size_t l, k, v = 0;
    if (*off >= n)
        abort();
    l = b[(*off)++];
    if (l < 0x80)
        return l;
    for (k = l & 0x7f; k; k--) {
        if (*off >= n)
            abort();
        v = (v << 8) | b[(*off)++];
    }
    return v;
}

typedef unsigned char *(*wrapper)(apr_pool_t *, const unsigned char *,
                                  size_t, size_t *);

static const unsigned char *wrapped(wrapper w, const unsigned char *in,
                                    size_t n, size_t *len)
{
    size_t off = 1;
    unsigned char *out = w(pool, in, n, len);
    if (!out || *len < n || memcmp(out + *len - n, in, n) || out[0] != 0x60
        || der_len(out, *len, &off) != *len - off)
        abort();
    return out;
}

static void tokens(const unsigned char *p, size_t n)
{
    /* a copy of exactly n bytes, so ASan sees any overread */
    unsigned char *ap_req = malloc(n ? n : 1);
    const unsigned char *gss, *spnego;
    size_t len = 0, len2 = 0;
    agw_spnego_token back;
    memcpy(ap_req, p, n);
    gss = wrapped(agw_gss_krb5_init_token, ap_req, n, &len);
    spnego = wrapped(agw_kcd_spnego, gss, len, &len2);
    if (agw_spnego_decode(spnego, len2, &back) != AGW_SPNEGO_OK
        || back.n_mechs != 1 || !agw_spnego_is_kerberos(&back.mechs[0])
        || !back.has_token || back.token.len != len
        || memcmp(back.token.p, gss, len))
        abort();
    free(ap_req);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *s;
    if (!pool) {
        apr_initialize();
        apr_pool_create(&pool, NULL);
    }
    if (size < 1)
        return 0;
    if (data[0] % 3 == 2) {
        tokens(data + 1, size - 1);
    }
    else {
        s = cstr(data + 1, size - 1);
        if (data[0] % 3 == 0)
            spn(s);
        else
            host(s);
        free(s);
    }
    apr_pool_clear(pool);
    return 0;
}
