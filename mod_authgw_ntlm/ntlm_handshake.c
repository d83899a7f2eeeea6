/* The NTLMSSP legs over HTTP (MS-NTHT): NEGOTIATE in, CHALLENGE out, then
 * AUTHENTICATE in on the same TCP connection, which is then authenticated
 * for its remaining requests.  The state lives in c->conn_config and dies
 * with the connection. */
#include "ntlm.h"

#include <string.h>

#include <apr_strings.h>
#include <http_connection.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>

#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_ntlm);

/* Windows 10 21H2, NTLMSSP revision 15: what a modern server announces. */
static const unsigned char server_version[AGW_NTLM_VERSION_LEN] = {
    10, 0, 0x61, 0x4a, 0, 0, 0, 15
};

static apr_status_t conn_wipe(void *data)
{
    ntlm_conn *st = data;
    memset(st->server_chal, 0, sizeof st->server_chal);
    st->state = NTLM_CONN_NONE;
    st->user = NULL;
    st->groups = NULL;
    st->spnego = 0;
    st->mic_required = 0;
    st->mech_types_len = 0;
    return APR_SUCCESS;
}

ntlm_conn *ntlm_conn_get(conn_rec *c, int create)
{
    ntlm_conn *st = ap_get_module_config(c->conn_config, &authgw_ntlm_module);
    if (!st && create) {
        st = apr_pcalloc(c->pool, sizeof *st);
        apr_pool_create(&st->pool, c->pool);
        apr_pool_tag(st->pool, "authgw_ntlm_conn");
        apr_pool_cleanup_register(c->pool, st, conn_wipe,
                                  apr_pool_cleanup_null);
        ap_set_module_config(c->conn_config, &authgw_ntlm_module, st);
    }
    return st;
}

void ntlm_conn_reset(request_rec *r)
{
    ntlm_conn *st = ntlm_conn_get(r->connection, 0);
    if (st) {
        conn_wipe(st);
        apr_pool_clear(st->pool);
    }
}

int ntlm_conn_user(request_rec *r, const ntlm_wire *w)
{
    ntlm_conn *st = ntlm_conn_get(r->connection, 0);
    if (!st || st->state != NTLM_CONN_AUTHENTICATED || st->proxy != w->proxy)
        return DECLINED;
    r->user = apr_pstrdup(r->pool, st->user);
    r->ap_auth_type = NTLM_AUTH_NTLM;
    agw_note_logon(r, "ntlm", NULL);
    if (st->groups)
        apr_table_set(r->notes, AUTHGW_NOTE_GROUPS, st->groups);
    agw_rlog(APLOG_MARK, APLOG_TRACE1, 0, r, AGWNO(30005)
             "connection authenticated by NTLM before: user '%s'",
             agw_log_item(r->pool, r->user));
    return OK;
}

static const char *upper(apr_pool_t *p, const char *s, apr_size_t max)
{
    char *u = apr_pstrndup(p, s, max);
    ap_str_toupper(u);
    return u;
}

/* CHALLENGE_MESSAGE for the client's NEGOTIATE into st->challenge. */
static agw_ntlm_status make_challenge(request_rec *r, ntlm_conn *st,
                                      const agw_ntlm_negotiate *neg)
{
    const char *nb_dom, *dns_dom, *host = r->server->server_hostname;
    const char *dot;
    unsigned char ti[768];
    agw_wbuf w;
    agw_ntlm_challenge ch;
    uint32_t f = neg->flags;

    ntlm_domain_names(r, ntlm_dir_of(r), &nb_dom, &dns_dom);
    if (!host || !*host)
        host = "localhost";
    dot = strchr(host, '.');
    memset(&ch, 0, sizeof ch);
    ch.flags = AGW_NTLMSSP_NEGOTIATE_NTLM | AGW_NTLMSSP_NEGOTIATE_TARGET_INFO
        | AGW_NTLMSSP_TARGET_TYPE_DOMAIN | AGW_NTLMSSP_REQUEST_TARGET
        | (f & (AGW_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
                | AGW_NTLMSSP_NEGOTIATE_128 | AGW_NTLMSSP_NEGOTIATE_56
                | AGW_NTLMSSP_NEGOTIATE_KEY_EXCH
                | AGW_NTLMSSP_NEGOTIATE_ALWAYS_SIGN
                | AGW_NTLMSSP_NEGOTIATE_SIGN | AGW_NTLMSSP_NEGOTIATE_SEAL
                | AGW_NTLMSSP_NEGOTIATE_VERSION));
    ch.flags |= (f & AGW_NTLMSSP_NEGOTIATE_UNICODE)
        || !(f & AGW_NTLMSSP_NEGOTIATE_OEM)
        ? AGW_NTLMSSP_NEGOTIATE_UNICODE : AGW_NTLMSSP_NEGOTIATE_OEM;
    ch.target_name = nb_dom;
    if (apr_generate_random_bytes(st->server_chal, sizeof st->server_chal))
        return AGW_NTLM_CRYPTO;
    memcpy(ch.challenge, st->server_chal, sizeof ch.challenge);
    agw_w_init(&w, ti, sizeof ti);
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_NB_DOMAIN, nb_dom);
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_NB_COMPUTER,
                        upper(r->pool, host, dot && dot - host < 15
                                             ? (apr_size_t)(dot - host) : 15));
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_DNS_DOMAIN, dns_dom);
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_DNS_COMPUTER, host);
    agw_ntlm_av_put_u64(&w, AGW_NTLM_AV_TIMESTAMP,
                        agw_ntlm_filetime(apr_time_now()));
    agw_ntlm_av_put_eol(&w);
    if (w.err)
        return AGW_NTLM_NOROOM;
    ch.target_info.p = ti;
    ch.target_info.len = w.len;
    if (ch.flags & AGW_NTLMSSP_NEGOTIATE_VERSION) {
        ch.has_version = 1;
        memcpy(ch.version, server_version, sizeof ch.version);
    }
    return agw_ntlm_encode_challenge(&ch, st->challenge, sizeof st->challenge,
                                     &st->challenge_len);
}

static int leg_negotiate(request_rec *r, const ntlm_wire *w,
                         const ntlm_leg *leg)
{
    ntlm_conn *st = ntlm_conn_get(r->connection, 1);
    agw_ntlm_negotiate neg;
    agw_ntlm_status ns;
    const char *vals[2];

    /* A new handshake: whatever the connection was is forgotten. */
    ntlm_conn_reset(r);
    ns = agw_ntlm_decode_negotiate(st->pool, leg->msg, leg->len, &neg);
    if (ns == AGW_NTLM_OK && (leg->len > sizeof st->negotiate
                              || (leg->spnego
                                  && ntlm_spnego_keep(st, leg->mech_types,
                                                      leg->mic_required))))
        ns = AGW_NTLM_NOROOM;
    if (ns != AGW_NTLM_OK) {
        ntlm_conn_reset(r);
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30006)
                 "malformed NTLM NEGOTIATE from %s: %s", r->useragent_ip,
                 agw_ntlm_reason(ns));
        return HTTP_BAD_REQUEST;
    }
    memcpy(st->negotiate, leg->msg, leg->len);
    st->negotiate_len = leg->len;
    ns = make_challenge(r, st, &neg);
    vals[0] = ns != AGW_NTLM_OK ? NULL
        : !leg->spnego ? ntlm_header_value(r, leg->scheme, st->challenge,
                                           st->challenge_len)
        : ntlm_spnego_value(r, AGW_SPNEGO_ACCEPT_INCOMPLETE, leg->name_mech,
                            st->challenge, st->challenge_len, NULL);
    if (!vals[0]) {
        ntlm_conn_reset(r);
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(30007)
                 "could not build the NTLM CHALLENGE: %s (names too long?)",
                 ns != AGW_NTLM_OK ? agw_ntlm_reason(ns) : "SPNEGO");
        ntlm_stat(AGW_M_NTLM, AGW_C_ERRORS);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    st->state = NTLM_CONN_CHALLENGED;
    st->proxy = w->proxy;
    st->scheme = leg->scheme;
    vals[1] = NULL;
    agw_rlog(APLOG_MARK, APLOG_DEBUG, 0, r, AGWNO(30008)
             "NTLM NEGOTIATE (flags %08x%s) from %s: CHALLENGE sent",
             (unsigned)neg.flags, leg->spnego ? ", in SPNEGO" : "",
             r->useragent_ip);
    return ntlm_challenge(r, w, vals);
}

static int leg_authenticate(request_rec *r, const ntlm_wire *w,
                            const ntlm_leg *leg)
{
    const unsigned char *tok = leg->msg;
    apr_size_t len = leg->len;
    ntlm_conn *st = ntlm_conn_get(r->connection, 0);
    agw_ntlm_authenticate a;
    agw_ntlm_resp resp;
    agw_ntlm_status ns;
    ntlm_vin in;
    ntlm_vout vo;
    ntlm_vresult vr;
    const char *user = NULL, *why = NULL;
    apr_time_t t0;

    if (!st || st->state != NTLM_CONN_CHALLENGED || st->proxy != w->proxy
        || st->spnego != (leg->spnego != NULL)) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30009)
                 "NTLM AUTHENTICATE from %s without a pending CHALLENGE on"
                 " this connection (a new connection, or sent twice): fresh"
                 " challenge", r->useragent_ip);
        ntlm_conn_reset(r);
        return ntlm_offer(r, w);
    }
    /* The server challenge is good for one answer. */
    st->state = NTLM_CONN_NONE;
    ns = agw_ntlm_decode_authenticate(r->pool, tok, len, &a);
    if (ns == AGW_NTLM_OK)
        ns = agw_ntlm_classify(r->pool, &a, &resp);
    if (ns != AGW_NTLM_OK) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30010)
                 "malformed NTLM AUTHENTICATE from %s: %s", r->useragent_ip,
                 agw_ntlm_reason(ns));
        ntlm_stat(AGW_M_NTLM, AGW_C_FAILURES);
        return HTTP_BAD_REQUEST;
    }
    ntlm_stat(AGW_M_NTLM, AGW_C_ATTEMPTS);
    if (resp.kind == AGW_NTLM_RESP_ANONYMOUS || !*a.user) {
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(30011)
                 "anonymous NTLM logon from %s refused", r->useragent_ip);
        ntlm_stat(AGW_M_NTLM, AGW_C_FAILURES);
        return ntlm_offer(r, w);
    }
    in.negotiate = st->negotiate;
    in.negotiate_len = st->negotiate_len;
    in.challenge = st->challenge;
    in.challenge_len = st->challenge_len;
    in.authenticate = tok;
    in.authenticate_len = len;
    in.auth = &a;
    in.resp = &resp;
    in.server_chal = st->server_chal;
    t0 = apr_time_now();
    vr = ntlm_validate(r, ntlm_dir_of(r), &in, &user, &vo, &why);
    if (vr == NTLM_V_OK && leg->spnego)
        vr = ntlm_spnego_finish(r, w, st, &a, &vo, leg->spnego, &why);
    memset(&vo, 0, sizeof vo);
    ntlm_core.stat(AGW_M_NTLM, AGW_C_LATENCY_US,
                   (apr_uint64_t)(apr_time_now() - t0));
    switch (vr) {
    case NTLM_V_OK:
        st->state = NTLM_CONN_AUTHENTICATED;
        st->user = apr_pstrdup(st->pool, user);
        if (apr_table_get(r->notes, AUTHGW_NOTE_GROUPS))
            st->groups = apr_pstrdup(st->pool, apr_table_get(
                r->notes, AUTHGW_NOTE_GROUPS));
        r->user = apr_pstrdup(r->pool, user);
        r->ap_auth_type = NTLM_AUTH_NTLM;
        agw_note_logon(r, "ntlm", ntlm_dir_of(r)->validator
                                      == NTLM_VALIDATOR_WINBIND ? "winbind"
                                                                : "file");
        ntlm_stat(AGW_M_NTLM, AGW_C_SUCCESSES);
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30012)
                 "NTLM logon of '%s' (%s%s) from %s",
                 agw_log_item(r->pool, user), agw_ntlm_resp_name(resp.kind),
                 leg->spnego ? ", in SPNEGO" : "", r->useragent_ip);
        return OK;
    case NTLM_V_ERROR:
        ntlm_stat(AGW_M_NTLM, AGW_C_ERRORS);
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(30013)
                 "failed NTLM logon: user '%s\\%s' from %s, reason"
                 " validator-error: it could not be checked: %s",
                 agw_log_item(r->pool, a.domain),
                 agw_log_item(r->pool, a.user), r->useragent_ip,
                 why ? why : "?");
        return HTTP_SERVICE_UNAVAILABLE;
    default:
        ntlm_stat(AGW_M_NTLM, AGW_C_FAILURES);
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(30014)
                 "failed NTLM logon: user '%s\\%s' from %s, reason %s (%s)",
                 agw_log_item(r->pool, a.domain),
                 agw_log_item(r->pool, a.user), r->useragent_ip,
                 vr == NTLM_V_UNKNOWN ? "unknown-user"
                 : vr == NTLM_V_WRONG ? "wrong-password"
                 : why ? why : "refused",
                 agw_ntlm_resp_name(resp.kind));
        return ntlm_offer(r, w);
    }
}

int ntlm_handshake(request_rec *r, const ntlm_wire *w, const ntlm_leg *leg)
{
    switch (agw_ntlm_msg_type(leg->msg, leg->len)) {
    case 1:
        return leg_negotiate(r, w, leg);
    case 3:
        return leg_authenticate(r, w, leg);
    default:
        ntlm_conn_reset(r);
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30015)
                 "%s: not an NTLM NEGOTIATE or AUTHENTICATE message (%lu"
                 " bytes)", w->in_header, (unsigned long)leg->len);
        return HTTP_BAD_REQUEST;
    }
}
