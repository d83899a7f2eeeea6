#include "agw_kcd.h"

#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include "agw_bytes.h"
#include "agw_domain.h"

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

/* --- SPNEGO ---------------------------------------------------------------
 *
 *   60 L                          [APPLICATION 0], RFC 2743 3.1 framing
 *      06 06 2b 06 01 05 05 02    OID 1.3.6.1.5.5.2 (SPNEGO)
 *      a0 L                       [0] NegTokenInit
 *         30 L                    SEQUENCE
 *            a0 0d                [0] mechTypes
 *               30 0b             SEQUENCE OF MechType
 *                  06 09 2a 86 48 86 f7 12 01 02 02   1.2.840.113554.1.2.2
 *            a2 L                 [2] mechToken
 *               04 L token        OCTET STRING
 *
 * Lengths in DER's definite form: below 128 one byte, else 0x8n and n
 * big-endian bytes. */

/* The Kerberos mechanism, 1.2.840.113554.1.2.2, as a DER OID. */
#define KRB5_OID 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02

static const unsigned char spnego_oid[] = {
    0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02
};
static const unsigned char mech_types[] = { 0xa0, 0x0d, 0x30, 0x0b, KRB5_OID };
/* the mechanism's OID and TOK_ID 01 00 (KRB_AP_REQ) */
static const unsigned char krb5_head[] = { KRB5_OID, 0x01, 0x00 };

static size_t len_len(size_t n)
{
    size_t k = 1;
    if (n < 0x80)
        return 1;
    for (; n; n >>= 8)
        k++;
    return k;
}

static size_t tlv_size(size_t n)
{
    return 1 + len_len(n) + n;
}

static void put_head(agw_wbuf *w, unsigned char tag, size_t n)
{
    size_t k = len_len(n) - 1, i;
    agw_w_u8(w, tag);
    if (!k) {
        agw_w_u8(w, (uint8_t)n);
        return;
    }
    agw_w_u8(w, (uint8_t)(0x80 | k));
    for (i = k; i > 0; i--)
        agw_w_u8(w, (uint8_t)(n >> (8 * (i - 1))));
}

unsigned char *agw_spnego_krb5_init(apr_pool_t *p, const unsigned char *tok,
                                    size_t n, size_t *outlen)
{
    size_t octets, field, seq, init, all;
    unsigned char *buf;
    agw_wbuf w;

    if (n > AGW_SPNEGO_MAX_TOKEN)
        return NULL;
    octets = tlv_size(n);
    field = tlv_size(octets);
    seq = tlv_size(sizeof mech_types + field);
    init = tlv_size(seq);
    all = tlv_size(sizeof spnego_oid + init);
    buf = apr_palloc(p, all);
    agw_w_init(&w, buf, all);
    put_head(&w, 0x60, sizeof spnego_oid + init);
    agw_w_bytes(&w, spnego_oid, sizeof spnego_oid);
    put_head(&w, 0xa0, seq);
    put_head(&w, 0x30, sizeof mech_types + field);
    agw_w_bytes(&w, mech_types, sizeof mech_types);
    put_head(&w, 0xa2, octets);
    put_head(&w, 0x04, n);
    agw_w_bytes(&w, tok, n);
    if (w.err || w.len != all)
        return NULL;
    *outlen = all;
    return buf;
}

/*   60 L  06 09 2a 86 48 86 f7 12 01 02 02  01 00  AP-REQ */
unsigned char *agw_gss_krb5_init_token(apr_pool_t *p,
                                       const unsigned char *ap_req, size_t n,
                                       size_t *outlen)
{
    size_t all;
    unsigned char *buf;
    agw_wbuf w;

    if (n > AGW_SPNEGO_MAX_TOKEN)
        return NULL;
    all = tlv_size(sizeof krb5_head + n);
    buf = apr_palloc(p, all);
    agw_w_init(&w, buf, all);
    put_head(&w, 0x60, sizeof krb5_head + n);
    agw_w_bytes(&w, krb5_head, sizeof krb5_head);
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
