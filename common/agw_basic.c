#include "agw_basic.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "agw_b64.h"

static agw_basic_status malformed(const char **why, const char *what)
{
    *why = what;
    return AGW_BASIC_MALFORMED;
}

agw_basic_status agw_basic_parse(apr_pool_t *p, const char *header,
                                 const char **user, const char **password,
                                 const char **why)
{
    const char *tok;
    unsigned char *raw;
    const unsigned char *colon;
    size_t m, n, i;

    *why = NULL;
    if (!header || strncasecmp(header, "Basic", 5)
        || (header[5] && header[5] != ' ' && header[5] != '\t'))
        return AGW_BASIC_NOT_BASIC;
    for (tok = header + 5; *tok == ' ' || *tok == '\t'; tok++)
        ;
    m = strlen(tok);
    while (m && (tok[m - 1] == ' ' || tok[m - 1] == '\t'))
        m--;
    if (!m)
        return malformed(why, "no credentials after 'Basic'");
    if (agw_b64std_dec_max(m) > AGW_BASIC_MAX + 2)
        return malformed(why, "the credentials are too long");
    raw = apr_palloc(p, agw_b64std_dec_max(m) + 1);
    if (agw_b64std_decode(tok, m, raw, agw_b64std_dec_max(m), &n))
        return malformed(why, "the credentials are not canonical base64");
    if (n > AGW_BASIC_MAX)
        return malformed(why, "the credentials are too long");
    if (memchr(raw, '\0', n))
        return malformed(why, "the credentials hold a NUL byte");
    if (!(colon = memchr(raw, ':', n)))
        return malformed(why, "the credentials are not 'user:password'");
    if (colon == raw)
        return malformed(why, "the user name is empty");
    for (i = 0; raw + i < colon; i++)
        if (apr_iscntrl(raw[i]))
            return malformed(why, "the user name holds a control character");
    *user = apr_pstrmemdup(p, (const char *)raw, (size_t)(colon - raw));
    *password = apr_pstrmemdup(p, (const char *)colon + 1,
                               n - (size_t)(colon - raw) - 1);
    return AGW_BASIC_OK;
}

const char *agw_basic_encode(apr_pool_t *p, const char *user,
                             const char *password)
{
    const char *u, *plain;
    char *enc;
    size_t n;

    if (!*user)
        return NULL;
    for (u = user; *u; u++)
        if (*u == ':' || apr_iscntrl(*u))
            return NULL;
    plain = apr_pstrcat(p, user, ":", password, NULL);
    n = strlen(plain);
    enc = apr_palloc(p, agw_b64std_enc_len(n) + 1);
    agw_b64std_encode((const unsigned char *)plain, n, enc);
    return apr_pstrcat(p, "Basic ", enc, NULL);
}

const char *agw_basic_challenge(apr_pool_t *p, const char *realm)
{
    char *q, *o;

    if (!realm || !*realm)
        realm = "authgw";
    /* an RFC 9110 quoted-string */
    q = o = apr_palloc(p, strlen(realm) * 2 + 1);
    for (; *realm; realm++) {
        if (*realm == '"' || *realm == '\\')
            *o++ = '\\';
        *o++ = *realm;
    }
    *o = '\0';
    return apr_pstrcat(p, "Basic realm=\"", q, "\", charset=\"UTF-8\"", NULL);
}
