/* Request hooks: which scheme a request speaks, the challenge responses, and
 * stripping credentials before the request goes on. */
#include "ntlm.h"

#include <string.h>
#include <strings.h>

#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mod_auth.h>

#include "agw_b64.h"
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

/* NTLM authenticates a connection; HTTP/2 multiplexes requests of any
 * origin on one, so NTLM is never offered nor run there. */
static int is_h2(const request_rec *r)
{
    return r->proto_num >= HTTP_VERSION(2, 0);
}

/* mod_http2 resets a stream whose 403 carries this note with the
 * HTTP_1_1_REQUIRED error (RFC 9113 section 8.2.3, the note mod_ssl sets
 * for a forbidden renegotiation): the client retries over HTTP/1.1. */
static int h2_refuse(request_rec *r)
{
    agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30033)
             "NTLM requested over HTTP/%d from %s: NTLM is bound to a"
             " connection, which HTTP/2 shares; the stream is reset with"
             " HTTP_1_1_REQUIRED so that the client retries over HTTP/1.1",
             HTTP_VERSION_MAJOR(r->proto_num), r->useragent_ip);
    apr_table_setn(r->notes, "ssl-renegotiate-forbidden",
                   "authgw-ntlm-needs-http/1.1");
    ap_discard_request_body(r);
    return HTTP_FORBIDDEN;
}

static int basic_offered(request_rec *r)
{
    ntlm_kind k = ntlm_kind_of(r);
    return ntlm_dir_of(r)->basic_fallback
        && (k == NTLM_KIND_INTEGRATED || k == NTLM_KIND_NTLM);
}

int ntlm_offer(request_rec *r, const ntlm_wire *w)
{
    ntlm_kind k = ntlm_kind_of(r);
    const char *vals[4];
    int n = 0;

    if (k != NTLM_KIND_NTLM)
        vals[n++] = NTLM_AUTH_NEGOTIATE;
    /* Negotiate (Kerberos) and Basic authenticate the request and stay on
     * HTTP/2; NTLM does not.  Where NTLM is the method, HTTP/1.1. */
    if (is_h2(r) && k == NTLM_KIND_NTLM)
        return h2_refuse(r);
    if (k != NTLM_KIND_NEGOTIATE && !is_h2(r))
        vals[n++] = NTLM_AUTH_NTLM;
    if (basic_offered(r)) {
        const char *realm = ap_auth_name(r);
        vals[n++] = apr_pstrcat(r->pool, "Basic realm=\"",
                                realm ? realm : "", "\"", NULL);
    }
    vals[n] = NULL;
    return ntlm_challenge(r, w, vals);
}

/* After a logon: the SSO session cookie, when this location wants one.  A
 * session that cannot be issued does not undo the logon. */
static int issue_session(request_rec *r, int rc, const char *method)
{
    int st;
    /* On a forward proxy a Set-Cookie would be taken for the origin's. */
    if (rc != OK || !r->user || !ntlm_dir_of(r)->session_cookie
        || r->proxyreq == PROXYREQ_PROXY
        || apr_table_get(r->notes, AUTHGW_NOTE_FAILOPEN))
        return rc;
    if (!ntlm_session_issue) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(30024)
                 "AuthGWNTLMSessionCookie On needs mod_authgw_forms, which is"
                 " not loaded: no session cookie issued");
        return rc;
    }
    st = ntlm_session_issue(r, r->user, method);
    if (st != OK)
        agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(30025)
                 "%s logon of '%s': the session cookie could not be issued"
                 " (status %d); the next connection will authenticate again",
                 method, agw_log_item(r->pool, r->user), st);
    else
        agw_rlog(APLOG_MARK, APLOG_DEBUG, 0, r, AGWNO(30026)
                 "session cookie issued to '%s' after a %s logon",
                 agw_log_item(r->pool, r->user), method);
    return rc;
}

/* The user of a valid SSO session cookie, when this location accepts one. */
static int session_user(request_rec *r)
{
    const char *user;
    if (!ntlm_dir_of(r)->session_cookie || !ntlm_session_user
        || r->proxyreq == PROXYREQ_PROXY)
        return DECLINED;
    user = ntlm_session_user(r);
    if (!user)
        return DECLINED;
    r->user = apr_pstrdup(r->pool, user);
    r->ap_auth_type = (char *)ap_auth_type(r);
    agw_note_logon(r, "cookie", NULL);
    agw_rlog(APLOG_MARK, APLOG_TRACE1, 0, r, AGWNO(30027)
             "session cookie of '%s' accepted instead of a handshake",
             agw_log_item(r->pool, r->user));
    return OK;
}

/* Authorization: Basic, decoded token "user:password", checked by the
 * AuthGWNTLMBasicProvider providers in order: the next one only when the
 * previous one does not know the user. */
static int basic_check(request_rec *r, const ntlm_wire *w,
                       const unsigned char *tok, apr_size_t len)
{
    const char *colon, *user, *pw, *which = "file";
    authn_status res;

    colon = tok ? memchr(tok, ':', len) : NULL;
    if (!colon || colon == (const char *)tok || memchr(tok, '\0', len)) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30028)
                 "%s: Basic credentials from %s are not 'user:password'",
                 w->in_header, r->useragent_ip);
        return ntlm_offer(r, w);
    }
    user = apr_pstrmemdup(r->pool, (const char *)tok,
                          (apr_size_t)(colon - (const char *)tok));
    pw = apr_pstrmemdup(r->pool, colon + 1,
                        len - (apr_size_t)(colon - (const char *)tok) - 1);
    apr_table_setn(r->notes, AUTHGW_NOTE_RECEIPT, "basic");
    ntlm_stat(AGW_M_BASIC, AGW_C_ATTEMPTS);
    res = agw_providers_check(r, ntlm_dir_of(r)->basic_providers, user, pw,
                              NULL, NULL, &which);
    switch (res) {
    case AUTH_GRANTED:
        r->user = (char *)user;
        r->ap_auth_type = "Basic";
        agw_note_logon(r, "basic", which);
        ntlm_stat(AGW_M_BASIC, AGW_C_SUCCESSES);
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30030)
                 "Basic logon of '%s' from %s (provider %s)%s",
                 agw_log_item(r->pool, user), r->useragent_ip, which,
                 agw_is_https(r) ? "" : " over plain HTTP");
        return OK;
    case AUTH_GENERAL_ERROR:
        ntlm_stat(AGW_M_BASIC, AGW_C_ERRORS);
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(30031)
                 "failed Basic logon: user '%s' from %s, reason"
                 " validator-error: provider %s could not check it",
                 agw_log_item(r->pool, user), r->useragent_ip, which);
        if (ntlm_core.failopen(r, AGW_FO_UNREACHABLE, which,
                               ntlm_dir_of(r)->basic_providers, "basic") == OK)
            return OK;
        return HTTP_SERVICE_UNAVAILABLE;
    default:
        ntlm_stat(AGW_M_BASIC, AGW_C_FAILURES);
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(30032)
                 "failed Basic logon: user '%s' from %s, reason %s (provider"
                 " %s)", agw_log_item(r->pool, user), r->useragent_ip,
                 res == AUTH_USER_NOT_FOUND ? "unknown-user"
                 : res == AUTH_DENIED ? "wrong-password" : "refused", which);
        if ((res == AUTH_DENIED || res == AUTH_USER_NOT_FOUND)
            && ntlm_core.failopen(r, AGW_FO_REFUSED, which,
                                  ntlm_dir_of(r)->basic_providers, "basic")
               == OK)
            return OK;
        return ntlm_offer(r, w);
    }
}

const char *ntlm_header_value(request_rec *r, const char *scheme,
                              const void *bytes, apr_size_t n)
{
    char *b64 = apr_palloc(r->pool, agw_b64std_enc_len(n) + 1);
    agw_b64std_encode(bytes, n, b64);
    return apr_pstrcat(r->pool, scheme, " ", b64, NULL);
}

/* A Negotiate token that carries NTLMSSP: raw, in SPNEGO, or (listed
 * after Kerberos) to be chosen in SPNEGO because this location has no
 * Kerberos keys. */
static int negotiate_is_ntlm(request_rec *r, const agw_authhdr *h)
{
    return h->kind == AGW_TOK_NTLMSSP || h->kind == AGW_TOK_SPNEGO_NTLM
        || h->kind == AGW_TOK_SPNEGO_RESP
        || (h->kind == AGW_TOK_SPNEGO_INIT && h->ntlm_index >= 0
            && !ntlm_gss_available(r));
}

/* The credentials of an offered scheme (NTLM or Negotiate) with a token. */
static int token_check(request_rec *r, const ntlm_wire *w,
                       const agw_authhdr *h)
{
    ntlm_leg leg;

    if (h->kind == AGW_TOK_MALFORMED) {
        ntlm_conn_reset(r);
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30046)
                 "%s: malformed %s token from %s (%lu bytes): %s",
                 w->in_header, agw_log_item(r->pool, h->scheme_name),
                 r->useragent_ip, (unsigned long)h->len, h->why);
        return HTTP_BAD_REQUEST;
    }
    if (h->kind == AGW_TOK_SPNEGO_INIT && h->ntlm_index < 0
        && !ntlm_gss_available(r)) {
        ntlm_conn_reset(r);
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(30055)
                 "SPNEGO from %s offers %lu mechanism(s), %s first: neither"
                 " NTLMSSP nor, without AuthGWKeytab here, Kerberos: fresh"
                 " challenge", r->useragent_ip,
                 (unsigned long)h->spnego.n_mechs,
                 agw_spnego_mech_name(r->pool, &h->spnego.mechs[0]));
        return ntlm_offer(r, w);
    }
    if (h->scheme == AGW_AUTH_NEGOTIATE && !negotiate_is_ntlm(r, h)) {
        /* Kerberos authenticates the request, not the connection. */
        ntlm_conn_reset(r);
        return issue_session(r, ntlm_gss_accept(r, w, h->token, h->len),
                             "negotiate");
    }
    if (is_h2(r))
        return h2_refuse(r);
    if (h->kind != AGW_TOK_NTLMSSP)
        return issue_session(r, ntlm_spnego(r, w, h), "ntlm");
    /* Raw NTLMSSP; in Negotiate (what Windows sends when Kerberos is not
     * possible) it is NTLM, answered under the Negotiate name. */
    memset(&leg, 0, sizeof leg);
    leg.scheme = h->scheme == AGW_AUTH_NTLM ? NTLM_AUTH_NTLM
                                            : NTLM_AUTH_NEGOTIATE;
    leg.msg = h->ntlm;
    leg.len = h->ntlm_len;
    return issue_session(r, ntlm_handshake(r, w, &leg), "ntlm");
}

int ntlm_check_authn(request_rec *r)
{
    ntlm_kind k = ntlm_kind_of(r);
    ntlm_wire w;
    const char *h;
    agw_authhdr ah;

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
        if (!is_h2(r) && ntlm_conn_user(r, &w) == OK)
            return OK;
        return ntlm_offer(r, &w);
    }
    h = apr_table_get(r->headers_in, w.in_header);
    if (!h) {
        /* NTLM (also raw NTLMSSP in Negotiate) authenticates the connection:
         * later requests carry nothing. */
        if (!is_h2(r) && ntlm_conn_user(r, &w) == OK)
            return OK;
        /* On another connection, the SSO session cookie stands for it. */
        if (session_user(r) == OK)
            return OK;
        return ntlm_offer(r, &w);
    }
    agw_authhdr_parse(r->pool, h, NTLM_MAX_TOKEN, &ah);
    if (ah.kind == AGW_TOK_BAD_BASE64) {
        ntlm_conn_reset(r);
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30003)
                 "%s: the %s %s (at most %d bytes decoded)", w.in_header,
                 agw_log_item(r->pool, ah.scheme_name), ah.why,
                 NTLM_MAX_TOKEN);
        return HTTP_BAD_REQUEST;
    }
    if (ah.token && ((ah.scheme == AGW_AUTH_NTLM && k != NTLM_KIND_NEGOTIATE)
                     || (ah.scheme == AGW_AUTH_NEGOTIATE
                         && k != NTLM_KIND_NTLM)))
        return token_check(r, &w, &ah);
    if (ah.scheme == AGW_AUTH_BASIC && basic_offered(r)) {
        /* Basic authenticates this request only. */
        ntlm_conn_reset(r);
        return issue_session(r, basic_check(r, &w, ah.token, ah.len), "basic");
    }
    /* Any other credentials start over, whatever this connection did
     * before (the NTLM legs handle their own state). */
    ntlm_conn_reset(r);
    /* "Authorization: NTLM" with no token, Basic, or a scheme not offered
     * here. */
    agw_rlog(APLOG_MARK, APLOG_DEBUG, 0, r, AGWNO(30004)
             "%s without a token of an offered scheme ('%s'): challenge",
             w.in_header, agw_log_item(r->pool, ah.scheme_name));
    return ntlm_offer(r, &w);
}

int ntlm_fixups(request_rec *r)
{
    /* The session cookie's name as mod_authgw_forms has it configured. */
    const char *names[] = { ntlm_session_cookie_name
                                ? ntlm_session_cookie_name(r)
                                : NTLM_SESSION_COOKIE, NULL };
    static const char *const none[] = { NULL };
    /* A forward proxy's cookies belong to the origin servers. */
    if (ntlm_kind_of(r) != NTLM_KIND_NONE)
        agw_strip_credentials(r, r->proxyreq == PROXYREQ_PROXY ? none : names);
    return DECLINED;
}
