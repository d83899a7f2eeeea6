#include "agw_authhdr.h"

#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include "agw_b64.h"
#include "agw_ntlm.h"

static int is_ntlmssp(const unsigned char *t, size_t n)
{
    return n >= 8 && !memcmp(t, "NTLMSSP", 8);
}

static void set_ntlm(agw_authhdr *h, const unsigned char *t, size_t n)
{
    h->ntlm = t;
    h->ntlm_len = n;
    h->ntlm_type = agw_ntlm_msg_type(t, n);
}

static void malformed(agw_authhdr *h, const char *why)
{
    h->kind = AGW_TOK_MALFORMED;
    h->why = why;
    h->ntlm = NULL;
    h->ntlm_len = 0;
    h->ntlm_type = 0;
}

/* SPNEGO's inner token, which only NTLMSSP may be here. */
static int inner_ntlm(agw_authhdr *h, const char *what)
{
    const agw_spnego_buf *t = &h->spnego.token;
    if (!h->spnego.has_token)
        return 0;
    if (!is_ntlmssp(t->p, t->len)) {
        malformed(h, what);
        return -1;
    }
    set_ntlm(h, t->p, t->len);
    return 0;
}

static void negotiate_token(apr_pool_t *p, agw_authhdr *h)
{
    agw_spnego_token *s = &h->spnego;
    agw_spnego_status st;

    if (is_ntlmssp(h->token, h->len)) {
        h->kind = AGW_TOK_NTLMSSP;
        set_ntlm(h, h->token, h->len);
        return;
    }
    st = agw_spnego_decode(h->token, h->len, s);
    if (st == AGW_SPNEGO_OTHER_MECH) {
        h->kind = AGW_TOK_GSS;
        return;
    }
    if (st == AGW_SPNEGO_NOT_GSS) {
        malformed(h, "neither NTLMSSP nor a GSS-API token");
        return;
    }
    if (st != AGW_SPNEGO_OK) {
        malformed(h, apr_pstrcat(p, "SPNEGO token not DER as RFC 4178 has"
                                 " it: ", agw_spnego_reason(st), NULL));
        return;
    }
    if (s->kind == AGW_SPNEGO_RESP) {
        /* Only an acceptor names the mechanism or asks for a MIC. */
        if (s->supported_mech.len)
            malformed(h, "the client's NegTokenResp names a supportedMech");
        else if (s->neg_state == AGW_SPNEGO_REQUEST_MIC)
            malformed(h, "the client's NegTokenResp says request-mic");
        else if (inner_ntlm(h, "the responseToken of a later SPNEGO leg is"
                               " not NTLMSSP (only NTLMSSP takes several"
                               " legs here)") == 0)
            h->kind = AGW_TOK_SPNEGO_RESP;
        return;
    }
    if (agw_spnego_mech_index(s, &agw_oid_spnego) >= 0) {
        malformed(h, "SPNEGO offered inside SPNEGO");
        return;
    }
    if (agw_spnego_oid_eq(&s->mechs[0], &agw_oid_ntlmssp)) {
        if (inner_ntlm(h, "the mechToken for NTLMSSP is not an NTLMSSP"
                          " message") == 0)
            h->kind = AGW_TOK_SPNEGO_NTLM;
        return;
    }
    h->kind = AGW_TOK_SPNEGO_INIT;
    h->ntlm_index = agw_spnego_mech_index(s, &agw_oid_ntlmssp);
}

void agw_authhdr_parse(apr_pool_t *p, const char *v, size_t max_token,
                       agw_authhdr *out)
{
    const char *sp = v;
    size_t m, cap;

    memset(out, 0, sizeof *out);
    out->ntlm_index = -1;
    while (*sp && *sp != ' ' && *sp != '\t')
        sp++;
    out->scheme_name = apr_pstrmemdup(p, v, (size_t)(sp - v));
    if (!strcasecmp(out->scheme_name, "NTLM"))
        out->scheme = AGW_AUTH_NTLM;
    else if (!strcasecmp(out->scheme_name, "Negotiate"))
        out->scheme = AGW_AUTH_NEGOTIATE;
    else if (!strcasecmp(out->scheme_name, "Basic"))
        out->scheme = AGW_AUTH_BASIC;
    else
        return;
    while (*sp == ' ')
        sp++;
    m = strlen(sp);
    while (m && sp[m - 1] == ' ')
        m--;
    if (m == 0)
        return;
    cap = agw_b64std_dec_max(m);
    if (cap > max_token) {
        out->kind = AGW_TOK_BAD_BASE64;
        out->why = "token too long";
        return;
    }
    out->token = apr_palloc(p, cap + 1);
    if (agw_b64std_decode(sp, m, out->token, cap + 1, &out->len)) {
        out->token = NULL;
        out->kind = AGW_TOK_BAD_BASE64;
        out->why = "token not canonical base64";
        return;
    }
    switch (out->scheme) {
    case AGW_AUTH_BASIC:
        out->kind = AGW_TOK_BASIC;
        break;
    case AGW_AUTH_NTLM:
        if (!is_ntlmssp(out->token, out->len)) {
            malformed(out, "not an NTLMSSP message");
            break;
        }
        out->kind = AGW_TOK_NTLMSSP;
        set_ntlm(out, out->token, out->len);
        break;
    default:
        negotiate_token(p, out);
    }
}
