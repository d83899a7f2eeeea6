/* NTLMSSP inside SPNEGO (RFC 4178), what a Windows or MIT/gss-ntlmssp
 * client sends under Negotiate when Kerberos is not possible:
 *
 *   NegTokenInit { mechTypes { NTLMSSP, ... }, mechToken NEGOTIATE }
 *     <- NegTokenResp { accept-incomplete, NTLMSSP, CHALLENGE }
 *   NegTokenResp { AUTHENTICATE, mechListMIC }
 *     <- NegTokenResp { accept-completed, mechListMIC }   (on the 200)
 *
 * When NTLMSSP is listed but not first, and this location has no Kerberos
 * keys, NTLMSSP is selected with an answer that carries no token
 * (request-mic); the NEGOTIATE then comes in a NegTokenResp, and the
 * mechListMIC is required both ways.  The legs share the connection state
 * of raw NTLM (ntlm_handshake.c); only the wrapping and the MIC are here. */
#include "ntlm.h"

#include <string.h>

#include <apr_strings.h>
#include <http_log.h>

#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_ntlm);

int ntlm_spnego_keep(ntlm_conn *st, const agw_spnego_buf *mech_types,
                     int mic_required)
{
    if (mech_types->len > sizeof st->mech_types)
        return -1;
    memcpy(st->mech_types, mech_types->p, mech_types->len);
    st->mech_types_len = mech_types->len;
    st->spnego = 1;
    st->mic_required = mic_required;
    return 0;
}

const char *ntlm_spnego_value(request_rec *r, int neg_state, int name_mech,
                              const unsigned char *tok, apr_size_t len,
                              const unsigned char *mic)
{
    agw_spnego_token t;
    /* The fields around the token and the MIC take at most 63 bytes. */
    apr_size_t cap = len + 96, n;
    unsigned char *buf = apr_palloc(r->pool, cap);

    memset(&t, 0, sizeof t);
    t.kind = AGW_SPNEGO_RESP;
    t.neg_state = neg_state;
    if (name_mech)
        t.supported_mech = agw_oid_ntlmssp;
    t.has_token = tok != NULL;
    t.token.p = tok;
    t.token.len = len;
    t.has_mic = mic != NULL;
    t.mic.p = mic;
    t.mic.len = mic ? AGW_NTLM_SIG_LEN : 0;
    if (agw_spnego_encode(&t, buf, cap, &n) != AGW_SPNEGO_OK)
        return NULL;
    return ntlm_header_value(r, NTLM_AUTH_NEGOTIATE, buf, n);
}

ntlm_vresult ntlm_spnego_finish(request_rec *r, const ntlm_wire *w,
                                const ntlm_conn *st,
                                const agw_ntlm_authenticate *a,
                                const ntlm_vout *vo,
                                const agw_spnego_token *tok, const char **why)
{
    /* RFC 4178 §5: the MICs are exchanged when the client sent one, and
     * must be when NTLMSSP was not its first choice. */
    int need = st->mic_required || tok->has_mic, ok = 1;
    unsigned char mic[AGW_NTLM_SIG_LEN];
    agw_ntlm_sig_ctx c;
    const char *v;

    if (st->mic_required && !tok->has_mic) {
        *why = "no mechListMIC, which RFC 4178 requires when NTLMSSP was not"
               " the client's first mechanism";
        return NTLM_V_REFUSED;
    }
    if (need && !vo->has_key) {
        *why = "no session key for the mechListMIC (NTLMv1 with a key from"
               " the LM hash)";
        return NTLM_V_REFUSED;
    }
    if (tok->has_mic) {
        ok = agw_ntlm_sig_init(&c, a->flags, vo->exported, 1) == 0
            && agw_ntlm_sig_check(&c, st->mech_types, st->mech_types_len,
                                  tok->mic.p, tok->mic.len);
        agw_ntlm_sig_wipe(&c);
        if (!ok) {
            *why = "wrong mechListMIC (the mechanism list was altered, or"
                   " the client's session key differs)";
            return NTLM_V_REFUSED;
        }
    }
    if (need) {
        ok = agw_ntlm_sig_init(&c, a->flags, vo->exported, 0) == 0
            && agw_ntlm_sig_make(&c, st->mech_types, st->mech_types_len,
                                 mic) == 0;
        agw_ntlm_sig_wipe(&c);
    }
    v = ok ? ntlm_spnego_value(r, AGW_SPNEGO_ACCEPT_COMPLETED, 0, NULL, 0,
                               need ? mic : NULL)
           : NULL;
    memset(mic, 0, sizeof mic);
    if (!v) {
        *why = "the final SPNEGO answer could not be built";
        return NTLM_V_ERROR;
    }
    apr_table_addn(r->err_headers_out, w->out_header, v);
    return NTLM_V_OK;
}

/* NTLMSSP chosen without a NEGOTIATE yet: the client's first choice sent
 * without a token, or a later one in its list (mic_required). */
static int select_ntlm(request_rec *r, const ntlm_wire *w,
                       const agw_authhdr *h, int mic_required)
{
    ntlm_conn *st;
    const char *vals[2];

    ntlm_conn_reset(r);
    st = ntlm_conn_get(r->connection, 1);
    if (ntlm_spnego_keep(st, &h->spnego.mech_types, mic_required)) {
        ntlm_conn_reset(r);
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30052)
                 "SPNEGO from %s: the mechTypes list is %lu bytes, more"
                 " than the %d kept for its MIC", r->useragent_ip,
                 (unsigned long)h->spnego.mech_types.len,
                 NTLM_MAX_MECHTYPES);
        return HTTP_BAD_REQUEST;
    }
    vals[0] = ntlm_spnego_value(r, mic_required ? AGW_SPNEGO_REQUEST_MIC
                                                : AGW_SPNEGO_ACCEPT_INCOMPLETE,
                                1, NULL, 0, NULL);
    vals[1] = NULL;
    if (!vals[0]) {
        ntlm_conn_reset(r);
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(30053)
                 "could not build the SPNEGO answer selecting NTLMSSP");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    st->state = NTLM_CONN_SELECTED;
    st->proxy = w->proxy;
    st->scheme = NTLM_AUTH_NEGOTIATE;
    agw_rlog(APLOG_MARK, APLOG_DEBUG, 0, r, AGWNO(30051)
             "SPNEGO from %s prefers %s%s: NTLMSSP selected, its NEGOTIATE"
             " is due%s", r->useragent_ip,
             agw_spnego_mech_name(r->pool, &h->spnego.mechs[0]),
             mic_required ? ", which this location cannot accept (no"
                            " AuthGWKeytab)" : " without a token",
             mic_required ? "; the mechListMIC is required" : "");
    return ntlm_challenge(r, w, vals);
}

static const char *msg_name(int type)
{
    return type == 1 ? "NEGOTIATE" : type == 2 ? "CHALLENGE"
         : type == 3 ? "AUTHENTICATE" : "no NTLM message";
}

int ntlm_spnego(request_rec *r, const ntlm_wire *w, const agw_authhdr *h)
{
    ntlm_conn *st = ntlm_conn_get(r->connection, 0);
    agw_spnego_buf mt;
    ntlm_leg leg;
    int want;

    memset(&leg, 0, sizeof leg);
    leg.scheme = NTLM_AUTH_NEGOTIATE;
    leg.msg = h->ntlm;
    leg.len = h->ntlm_len;
    leg.spnego = &h->spnego;
    if (h->kind != AGW_TOK_SPNEGO_RESP) {
        /* A NegTokenInit starts a negotiation over. */
        if (h->kind != AGW_TOK_SPNEGO_NTLM || !h->ntlm)
            return select_ntlm(r, w, h, h->kind != AGW_TOK_SPNEGO_NTLM);
        if (h->ntlm_type != 1) {
            ntlm_conn_reset(r);
            agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30047)
                     "SPNEGO from %s: the NTLMSSP mechToken of a NegTokenInit"
                     " is %s, not a NEGOTIATE", r->useragent_ip,
                     msg_name(h->ntlm_type));
            return HTTP_BAD_REQUEST;
        }
        leg.mech_types = &h->spnego.mech_types;
        leg.name_mech = 1;
        return ntlm_handshake(r, w, &leg);
    }
    if (h->spnego.neg_state == AGW_SPNEGO_REJECT) {
        ntlm_conn_reset(r);
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(30049)
                 "the client %s rejected the SPNEGO negotiation: fresh"
                 " challenge", r->useragent_ip);
        return ntlm_offer(r, w);
    }
    if (!st || !st->spnego || st->proxy != w->proxy
        || (st->state != NTLM_CONN_SELECTED
            && st->state != NTLM_CONN_CHALLENGED)) {
        ntlm_conn_reset(r);
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30048)
                 "SPNEGO NegTokenResp from %s without a negotiation pending"
                 " on this connection (a new connection, or sent twice):"
                 " fresh challenge", r->useragent_ip);
        return ntlm_offer(r, w);
    }
    want = st->state == NTLM_CONN_SELECTED ? 1 : 3;
    if (h->ntlm_type != want) {
        ntlm_conn_reset(r);
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(30050)
                 "SPNEGO NegTokenResp from %s carries %s where an NTLM %s is"
                 " due", r->useragent_ip, msg_name(h->ntlm_type),
                 msg_name(want));
        return HTTP_BAD_REQUEST;
    }
    if (want == 1) {
        /* The NEGOTIATE leg starts afresh: take the list out first. */
        mt.p = apr_pmemdup(r->pool, st->mech_types, st->mech_types_len);
        mt.len = st->mech_types_len;
        leg.mech_types = &mt;
        leg.mic_required = st->mic_required;
    }
    return ntlm_handshake(r, w, &leg);
}
