#include "agw_ntlmcli.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "agw_ntlm_crypto.h"
#include "agw_seal.h"

#define CLIENT_FLAGS                                                        \
    (AGW_NTLMSSP_NEGOTIATE_UNICODE | AGW_NTLMSSP_REQUEST_TARGET              \
     | AGW_NTLMSSP_NEGOTIATE_NTLM | AGW_NTLMSSP_NEGOTIATE_ALWAYS_SIGN        \
     | AGW_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY                        \
     | AGW_NTLMSSP_NEGOTIATE_VERSION | AGW_NTLMSSP_NEGOTIATE_128             \
     | AGW_NTLMSSP_NEGOTIATE_KEY_EXCH | AGW_NTLMSSP_NEGOTIATE_56)

/* Windows 10.0 build 19041, NTLMSSP revision 15 */
static const unsigned char client_version[AGW_NTLM_VERSION_LEN] = {
    10, 0, 0x61, 0x4a, 0, 0, 0, 15
};

agw_ntlm_status agw_ntlmcli_negotiate(unsigned char *out, size_t cap,
                                      size_t *n)
{
    agw_ntlm_negotiate m;

    memset(&m, 0, sizeof m);
    m.flags = CLIENT_FLAGS;
    m.has_version = 1;
    memcpy(m.version, client_version, sizeof client_version);
    return agw_ntlm_encode_negotiate(&m, out, cap, n);
}

agw_ntlm_status agw_ntlmcli_authenticate(apr_pool_t *p,
                                         const unsigned char *neg, size_t n1,
                                         const unsigned char *chal, size_t n2,
                                         const char *user, const char *domain,
                                         const char *password,
                                         const char *spn, uint64_t now,
                                         unsigned char **out, size_t *outlen)
{
    agw_ntlm_challenge c;
    agw_ntlm_client_in in;
    unsigned char nt[AGW_NTLM_KEY_LEN], cc[8], rk[AGW_NTLM_KEY_LEN],
                  exported[AGW_NTLM_KEY_LEN];
    agw_ntlm_status st;
    size_t cap;

    st = agw_ntlm_decode_challenge(p, chal, n2, &c);
    if (st != AGW_NTLM_OK)
        return st;
    if (!domain)
        domain = c.target_name ? c.target_name : "";
    if (agw_ntlm_nt_hash(password, strlen(password), nt))
        return AGW_NTLM_BAD_STRING;
    if (agw_random(cc, sizeof cc) || agw_random(rk, sizeof rk)) {
        st = AGW_NTLM_CRYPTO;
        goto done;
    }
    memset(&in, 0, sizeof in);
    in.negotiate = neg;
    in.negotiate_len = n1;
    in.challenge = chal;
    in.challenge_len = n2;
    in.chal = &c;
    in.flags = CLIENT_FLAGS;
    in.user = user;
    in.domain = domain;
    in.workstation = "";
    in.nt_hash = nt;
    in.client_chal = cc;
    in.random_key = rk;
    in.now = now;
    in.spn = spn;
    in.has_version = 1;
    memcpy(in.version, client_version, sizeof client_version);
    /* the fixed part, names in UTF-16, the responses with the server's AV
     * pairs, our own pairs and the SPN */
    cap = 128 + 4 * (strlen(user) + strlen(domain)) + 2 * c.target_info.len
          + (spn ? 2 * strlen(spn) : 0) + 256;
    *out = apr_palloc(p, cap);
    st = agw_ntlm_client_authenticate(p, &in, *out, cap, outlen, exported);
done:
    memset(nt, 0, sizeof nt);
    memset(rk, 0, sizeof rk);
    memset(exported, 0, sizeof exported);
    return st;
}

int agw_http_status_line(const char *line, size_t n)
{
    if (n < 12 || memcmp(line, "HTTP/1.", 7) || !apr_isdigit(line[7])
        || line[8] != ' ' || !apr_isdigit(line[9]) || !apr_isdigit(line[10])
        || !apr_isdigit(line[11]) || line[9] == '0'
        || (n > 12 && line[12] != ' '))
        return -1;
    return (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
}

int agw_http_header_line(apr_pool_t *p, const char *line, size_t n,
                         const char **name, const char **value)
{
    const char *colon = memchr(line, ':', n), *v, *e = line + n;
    size_t i;

    if (!colon || colon == line)
        return -1;
    for (i = 0; line + i < colon; i++)
        if (!apr_isgraph(line[i]))
            return -1;
    for (v = colon + 1; v < e && (*v == ' ' || *v == '\t'); v++)
        ;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *name = apr_pstrmemdup(p, line, (apr_size_t)(colon - line));
    *value = apr_pstrmemdup(p, v, (apr_size_t)(e - v));
    return 0;
}

size_t agw_http_head_end(const char *buf, size_t n)
{
    size_t i;

    for (i = 0; i + 4 <= n; i++)
        if (!memcmp(buf + i, "\r\n\r\n", 4))
            return i + 4;
    return 0;
}

static int dropped(const char *line, size_t n, const char *const *drop)
{
    for (; drop && *drop; drop++) {
        size_t k = strlen(*drop);
        if (n > k && line[k] == ':' && !strncasecmp(line, *drop, k))
            return 1;
    }
    return 0;
}

char *agw_http_head_rewrite(apr_pool_t *p, const char *head, size_t n,
                            const char *method, const char *const *drop,
                            const char *add, size_t *outlen)
{
    const char *line, *eol, *end = head + n, *sp;
    char *out, *o;
    size_t alen = add ? strlen(add) : 0;

    if (n < 4 || n > AGW_NTLMCLI_MAX_HEAD || agw_http_head_end(head, n) != n)
        return NULL;
    eol = memchr(head, '\n', n);
    sp = memchr(head, ' ', (size_t)(eol - head));
    if (!sp || sp == head || eol == head || eol[-1] != '\r')
        return NULL;
    o = out = apr_palloc(p, n + alen + (method ? strlen(method) : 0) + 1);
    if (method) {
        memcpy(o, method, strlen(method));
        o += strlen(method);
        line = sp;
    }
    else
        line = head;
    memcpy(o, line, (size_t)(eol + 1 - line));
    o += eol + 1 - line;
    for (line = eol + 1; line < end - 2; line = eol + 1) {
        eol = memchr(line, '\n', (size_t)(end - line));
        /* obsolete line folding: no proxy sends it */
        if (*line == ' ' || *line == '\t')
            return NULL;
        if (dropped(line, (size_t)(eol - line), drop))
            continue;
        memcpy(o, line, (size_t)(eol + 1 - line));
        o += eol + 1 - line;
    }
    if (alen)
        memcpy(o, add, alen);
    o += alen;
    memcpy(o, "\r\n", 2);
    o += 2;
    *outlen = (size_t)(o - out);
    return out;
}
