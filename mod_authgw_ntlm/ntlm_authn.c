/* Request hooks: which scheme a request speaks, the challenge responses, and
 * stripping credentials before the request goes on. */
#include "ntlm.h"

#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>

#include "agw_b64std.h"
#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_ntlm);

ntlm_kind ntlm_kind_of(request_rec *r)
{
    const char *t = ap_auth_type(r);
    if (!t)
        return NTLM_KIND_NONE;
    if (!strcasecmp(t, NTLM_AUTH_NTLM))
        return NTLM_KIND_NTLM;
    if (!strcasecmp(t, NTLM_AUTH_NEGOTIATE))
        return NTLM_KIND_NEGOTIATE;
    if (!strcasecmp(t, NTLM_AUTH_INTEGRATED))
        return NTLM_KIND_INTEGRATED;
    return NTLM_KIND_NONE;
}

void ntlm_stat(agw_method m, agw_counter c)
{
    if (ntlm_core.stat)
        ntlm_core.stat(m, c, 1);
}

static void wire_of(request_rec *r, ntlm_wire *w)
{
    w->proxy = r->proxyreq == PROXYREQ_PROXY;
    w->status = w->proxy ? HTTP_PROXY_AUTHENTICATION_REQUIRED
                         : HTTP_UNAUTHORIZED;
    w->in_header = w->proxy ? "Proxy-Authorization" : "Authorization";
    w->out_header = w->proxy ? "Proxy-Authenticate" : "WWW-Authenticate";
}

/* An HTTP/1.0 proxy client asks for keep-alive with Proxy-Connection (as
 * IE and ISA's clients do); httpd only reads Connection. */
static void honour_proxy_keepalive(request_rec *r, const ntlm_wire *w)
{
    const char *pc = apr_table_get(r->headers_in, "Proxy-Connection");
    if (!w->proxy || r->proto_num >= HTTP_VERSION(1, 1) || !pc
        || apr_table_get(r->headers_in, "Connection"))
        return;
    if (ap_find_token(r->pool, pc, "keep-alive")) {
        apr_table_setn(r->headers_in, "Connection", "Keep-Alive");
        apr_table_setn(r->err_headers_out, "Proxy-Connection", "Keep-Alive");
    }
}

int ntlm_challenge(request_rec *r, const ntlm_wire *w, const char *const *vals)
{
    for (; *vals; vals++)
        apr_table_addn(r->err_headers_out, w->out_header, *vals);
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    honour_proxy_keepalive(r, w);
    /* The next leg comes on this connection: read away any body now, or
     * httpd would have to close it. */
    ap_discard_request_body(r);
    return w->status;
}

int ntlm_offer(request_rec *r, const ntlm_wire *w)
{
    ntlm_kind k = ntlm_kind_of(r);
    const char *both[] = { NTLM_AUTH_NEGOTIATE, NTLM_AUTH_NTLM, NULL };
    const char *ntlm[] = { NTLM_AUTH_NTLM, NULL };
    const char *neg[] = { NTLM_AUTH_NEGOTIATE, NULL };
    return ntlm_challenge(r, w, k == NTLM_KIND_INTEGRATED ? both
                          : k == NTLM_KIND_NTLM ? ntlm : neg);
}

/* "Scheme token": the scheme and the decoded token; 0, or -1 when the
 * token is not strict base64 or too long. */
static int split_header(request_rec *r, const char *h, const char **scheme,
                        unsigned char **tok, apr_size_t *toklen)
{
    const char *sp = h;
    apr_size_t m;

    while (*sp && !apr_isspace(*sp))
        sp++;
    *scheme = apr_pstrmemdup(r->pool, h, (apr_size_t)(sp - h));
    while (*sp == ' ')
        sp++;
    m = strlen(sp);
    while (m && sp[m - 1] == ' ')
        m--;
    *tok = NULL;
    *toklen = 0;
    if (m == 0)
        return 0;
    if (agw_b64std_dec_max(m) > NTLM_MAX_TOKEN)
        return -1;
    *tok = apr_palloc(r->pool, agw_b64std_dec_max(m) + 1);
    return agw_b64std_decode(sp, m, *tok, agw_b64std_dec_max(m) + 1, toklen);
}

static int is_ntlmssp(const unsigned char *t, apr_size_t n)
{
    return n >= 8 && !memcmp(t, "NTLMSSP", 8);
}

int ntlm_check_authn(request_rec *r)
{
    ntlm_kind k = ntlm_kind_of(r);
    ntlm_wire w;
    const char *h, *scheme;
    unsigned char *tok;
    apr_size_t toklen;

    if (k == NTLM_KIND_NONE)
        return DECLINED;
    if (!ntlm_core.stat) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(30002)
                 "AuthType %s needs mod_authgw_core: load it before"
                 " mod_authgw_ntlm", ap_auth_type(r));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    wire_of(r, &w);
    if (!ap_is_initial_req(r)) {
        /* A subrequest or internal redirect carries the credentials of the
         * request it comes from, already used: an NTLM answer is good once
         * and a Kerberos authenticator would be a replay.  It is who that
         * request authenticated. */
        const request_rec *ini = r;
        while (ini->main || ini->prev)
            ini = ini->main ? ini->main : ini->prev;
        if (ini->user) {
            r->user = ini->user;
            r->ap_auth_type = ini->ap_auth_type;
            return OK;
        }
        if (ntlm_conn_user(r, &w) == OK)
            return OK;
        return ntlm_offer(r, &w);
    }
    h = apr_table_get(r->headers_in, w.in_header);
    if (!h) {
        /* NTLM (also raw NTLMSSP in Negotiate) authenticates the connection:
         * later requests carry nothing. */
        if (ntlm_conn_user(r, &w) == OK)
            return OK;
        return ntlm_offer(r, &w);
    }
    if (split_header(r, h, &scheme, &tok, &toklen)) {
        ntlm_conn_reset(r);
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30003)
                 "%s: the %s token is not canonical base64 or longer than %d"
                 " bytes", w.in_header, agw_log_item(r->pool, scheme),
                 NTLM_MAX_TOKEN);
        return HTTP_BAD_REQUEST;
    }
    if (tok && !strcasecmp(scheme, NTLM_AUTH_NTLM) && k != NTLM_KIND_NEGOTIATE)
        return ntlm_handshake(r, &w, NTLM_AUTH_NTLM, tok, toklen);
    if (tok && !strcasecmp(scheme, NTLM_AUTH_NEGOTIATE)
        && k != NTLM_KIND_NTLM) {
        /* Raw NTLMSSP in Negotiate (what Windows sends when Kerberos is
         * not possible) is NTLM, answered under the Negotiate name. */
        if (is_ntlmssp(tok, toklen))
            return ntlm_handshake(r, &w, NTLM_AUTH_NEGOTIATE, tok, toklen);
        ntlm_conn_reset(r);
        return ntlm_gss_accept(r, &w, tok, toklen);
    }
    /* Any other credentials start over, whatever this connection did
     * before (the NTLM legs handle their own state). */
    ntlm_conn_reset(r);
    /* "Authorization: NTLM" with no token, Basic, or a scheme not offered
     * here. */
    agw_rlog(APLOG_MARK, APLOG_DEBUG, 0, r, AGWNO(30004)
             "%s without a token of an offered scheme ('%s'): challenge",
             w.in_header, agw_log_item(r->pool, scheme));
    return ntlm_offer(r, &w);
}

int ntlm_fixups(request_rec *r)
{
    static const char *const none[] = { NULL };
    if (ntlm_kind_of(r) != NTLM_KIND_NONE)
        agw_strip_credentials(r, none);
    return DECLINED;
}
