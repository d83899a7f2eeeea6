#include "agw_kcd.h"

#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include "agw_bytes.h"
#include "agw_domain.h"
#include "agw_spnego.h"

#define SERVICE_MAX 64
#define HOST_MAX 253

static int name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* n characters of s are name characters, 1 <= n <= max. */
static int name_ok(const char *s, size_t n, size_t max)
{
    size_t i;
    if (n == 0 || n > max)
        return 0;
    for (i = 0; i < n; i++)
        if (!name_char((unsigned char)s[i]))
            return 0;
    return 1;
}

const char *agw_spn_check(const char *spn)
{
    const char *slash = strchr(spn, '/'), *at, *colon, *host;
    size_t hn;

    if (!slash || !name_ok(spn, (size_t)(slash - spn), SERVICE_MAX))
        return "it must start with a service class and a '/', e.g."
               " HTTP/* or HTTP/intranet.example.com";
    host = slash + 1;
    at = strchr(host, '@');
    hn = at ? (size_t)(at - host) : strlen(host);
    if (at && !agw_domain_name_ok(at + 1, 255, 1))
        return "the realm after '@' takes letters, digits, '-', '_' and '.'"
               " (e.g. EXAMPLE.COM)";
    if (hn == 1 && host[0] == '*')
        return NULL;
    colon = memchr(host, ':', hn);
    if (colon) {
        const char *d;
        if (colon + 1 == host + hn)
            return "a ':' after the host must be followed by a port number";
        for (d = colon + 1; d < host + hn; d++)
            if (*d < '0' || *d > '9')
                return "a ':' after the host must be followed by a port"
                       " number";
        hn = (size_t)(colon - host);
    }
    if (!name_ok(host, hn, HOST_MAX))
        return "the host is '*' (the published host) or a host name of"
               " letters, digits, '-', '_' and '.'";
    return NULL;
}

const char *agw_spn_for(apr_pool_t *p, const char *spn, const char *host)
{
    const char *slash = strchr(spn, '/');
    if (!slash || slash[1] != '*' || (slash[2] && slash[2] != '@'))
        return spn;
    if (!host)
        return NULL;
    return apr_pstrcat(p, apr_pstrmemdup(p, spn, (apr_size_t)(slash + 1 - spn)),
                       host, slash + 2, NULL);
}

const char *agw_url_host(apr_pool_t *p, const char *url)
{
    const char *s, *end, *h, *he, *c;
    char *out;
    size_t i;

    if (!strncasecmp(url, "unix:", 5)) {
        url = strchr(url, '|');
        if (!url)
            return NULL;
        url++;
    }
    /* scheme "://" */
    for (s = url; name_char((unsigned char)*s) || *s == '+'; s++)
        ;
    if (s == url || strncmp(s, "://", 3))
        return NULL;
    s += 3;
    end = s + strcspn(s, "/?#");
    /* userinfo ends at the last '@' of the authority */
    for (c = s; c < end; c++)
        if (*c == '@')
            s = c + 1;
    if (*s == '[') {
        h = s + 1;
        he = memchr(h, ']', (size_t)(end - h));
        if (!he || he == h)
            return NULL;
        for (c = h; c < he; c++)
            if (!name_char((unsigned char)*c) && *c != ':')
                return NULL;
    }
    else {
        h = s;
        he = memchr(h, ':', (size_t)(end - h));
        if (!he)
            he = end;
        if (!name_ok(h, (size_t)(he - h), HOST_MAX))
            return NULL;
    }
    if ((size_t)(he - h) > HOST_MAX)
        return NULL;
    out = apr_pstrmemdup(p, h, (apr_size_t)(he - h));
    for (i = 0; out[i]; i++)
        if (out[i] >= 'A' && out[i] <= 'Z')
            out[i] = (char)(out[i] + 32);
    return out;
}

/* --- tokens -----------------------------------------------------------------
 *
 *   60 L                          [APPLICATION 0], RFC 2743 3.1 framing
 *      06 09 2a 86 48 86 f7 12 01 02 02   OID 1.2.840.113554.1.2.2
 *      01 00                      TOK_ID: KRB_AP_REQ
 *      AP-REQ
 *
 * Lengths in DER's definite form: below 128 one byte, else 0x8n and n
 * big-endian bytes. */

static size_t len_len(size_t n)
{
    size_t k = 1;
    if (n < 0x80)
        return 1;
    for (; n; n >>= 8)
        k++;
    return k;
}

unsigned char *agw_gss_krb5_init_token(apr_pool_t *p,
                                       const unsigned char *ap_req, size_t n,
                                       size_t *outlen)
{
    static const unsigned char tok_id[] = { 0x01, 0x00 };
    size_t inner, k, all, i;
    unsigned char *buf;
    agw_wbuf w;

    if (n > AGW_KCD_MAX_TOKEN)
        return NULL;
    inner = 2 + agw_oid_krb5.len + sizeof tok_id + n;
    k = len_len(inner);
    all = 1 + k + inner;
    buf = apr_palloc(p, all);
    agw_w_init(&w, buf, all);
    agw_w_u8(&w, 0x60);
    if (k > 1)
        agw_w_u8(&w, (uint8_t)(0x80 | (k - 1)));
    for (i = k > 1 ? k - 1 : 1; i > 0; i--)
        agw_w_u8(&w, (uint8_t)(inner >> (8 * (i - 1))));
    agw_w_u8(&w, 0x06);
    agw_w_u8(&w, (uint8_t)agw_oid_krb5.len);
    agw_w_bytes(&w, agw_oid_krb5.p, agw_oid_krb5.len);
    agw_w_bytes(&w, tok_id, sizeof tok_id);
    agw_w_bytes(&w, ap_req, n);
    if (w.err || w.len != all)
        return NULL;
    *outlen = all;
    return buf;
}

void agw_gss_krb5_checksum(unsigned char out[AGW_GSS_CKSUM_LEN],
                           unsigned int flags)
{
    static const unsigned char no_bindings[16];
    agw_wbuf w;
    agw_w_init(&w, out, AGW_GSS_CKSUM_LEN);
    agw_w_le32(&w, sizeof no_bindings);
    agw_w_bytes(&w, no_bindings, sizeof no_bindings);
    agw_w_le32(&w, flags);
}

unsigned char *agw_kcd_spnego(apr_pool_t *p, const unsigned char *tok,
                              size_t n, size_t *outlen)
{
    /* the fields around the token take fewer than 64 bytes */
    size_t cap = n + 64;
    unsigned char *buf;
    agw_spnego_token t;

    if (n > AGW_KCD_MAX_TOKEN)
        return NULL;
    memset(&t, 0, sizeof t);
    t.kind = AGW_SPNEGO_INIT;
    t.n_mechs = 1;
    t.mechs[0] = agw_oid_krb5;
    t.has_token = 1;
    t.token.p = tok;
    t.token.len = n;
    buf = apr_palloc(p, cap);
    return agw_spnego_encode(&t, buf, cap, outlen) == AGW_SPNEGO_OK ? buf
                                                                    : NULL;
}
