/* The SSO session: issued at logon, found from the cookie on each request,
 * ended at logoff.  The cookie holds only the sealed session id; the record
 * is in the shared store (see agw_session.h). */
#include "forms.h"

#include <string.h>

#include <apr_strings.h>
#include <http_log.h>

#include "agw_b64.h"
#include "agw_cookie.h"
#include "agw_domain.h"
#include "agw_httpd.h"
#include "agw_seal.h"

APLOG_USE_MODULE(authgw_forms);

#define STORE_NS "S"
#define SEALED_MAX (AGW_SID_LEN + AGW_SEAL_OVERHEAD)

static const char *cookie_domain(request_rec *r, const forms_srv *srv)
{
    if (!srv->sso_domain)
        return NULL;
    if (r->hostname && agw_host_in_domain(r->hostname, srv->sso_domain))
        return srv->sso_domain;
    agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(20001)
             "the host '%s' is outside AuthGWSSODomain '%s': the session"
             " cookie is issued for this host only; publish the site under"
             " that domain or change AuthGWSSODomain",
             agw_log_item(r->pool, r->hostname), srv->sso_domain);
    return NULL;
}

int authgw_session_issue(request_rec *r, const char *user, const char *method)
{
    forms_srv *srv = forms_srv_of(r);
    unsigned char sid[AGW_SID_LEN], rec[AGW_SESSION_MAX], sealed[SEALED_MAX];
    char cookie[AGW_SID_LEN * 2 + AGW_SEAL_OVERHEAD * 2];
    apr_int64_t now = apr_time_sec(apr_time_now());
    const char *groups = apr_table_get(r->notes, AUTHGW_NOTE_GROUPS);
    agw_session s = { now, now, now + srv->lifetime, 0, user, method,
                      groups ? groups : "" };
    size_t rlen, slen;
    apr_status_t rv;
    agw_seal_status st;

    if (agw_random(sid, sizeof sid))
        return HTTP_INTERNAL_SERVER_ERROR;
    if (!(rlen = agw_session_encode(&s, rec, sizeof rec))) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20002)
                 "the session of user '%s' does not fit in a record; is the"
                 " user name that long?", agw_log_item(r->pool, user));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = forms_core.put(r->server, STORE_NS, sid, sizeof sid,
                        apr_time_from_sec(agw_session_store_expiry(&s, srv->idle)),
                        rec, (unsigned int)rlen, r->pool);
    if (rv != APR_SUCCESS) {
        agw_rlog(APLOG_MARK, APLOG_ERR, rv, r, AGWNO(20003)
                 "cannot write the session to the store; check AuthGWStore"
                 " (a full shmcb, or redis/memcache out of reach)");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    st = agw_seal(forms_core.keyring(), AGW_SESSION_PURPOSE, sid, sizeof sid,
                  sealed, sizeof sealed, &slen);
    if (st != AGW_SEAL_OK)
        return HTTP_INTERNAL_SERVER_ERROR;
    agw_b64_encode(sealed, slen, cookie);
    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   agw_set_cookie(r->pool, srv->cookie_name, cookie, "/",
                                  cookie_domain(r, srv), agw_is_https(r), -1));
    return OK;
}

/* The session ids in the request's session cookies that open. */
static apr_array_header_t *cookie_sids(request_rec *r, const forms_srv *srv)
{
    apr_array_header_t *vals = apr_array_make(r->pool, 2, sizeof(char *));
    apr_array_header_t *sids = apr_array_make(r->pool, 1, AGW_SID_LEN);
    const apr_array_header_t *h = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)h->elts;
    int i;

    for (i = 0; i < h->nelts; i++)
        if (e[i].key && !strcasecmp(e[i].key, "Cookie"))
            agw_cookie_values(r->pool, e[i].val, srv->cookie_name, vals);
    for (i = 0; i < vals->nelts; i++) {
        const char *v = APR_ARRAY_IDX(vals, i, const char *);
        unsigned char raw[SEALED_MAX + 3], sid[AGW_SID_LEN];
        size_t rlen, slen;
        agw_seal_status st;
        const char *why = "not base64url or the wrong size";

        if (agw_b64_decode(v, strlen(v), raw, sizeof raw, &rlen) == 0) {
            st = agw_unseal(forms_core.keyring(), AGW_SESSION_PURPOSE, raw,
                            rlen, sid, sizeof sid, &slen);
            if (st == AGW_SEAL_OK && slen == AGW_SID_LEN) {
                memcpy(apr_array_push(sids), sid, AGW_SID_LEN);
                continue;
            }
            why = st == AGW_SEAL_OK ? "wrong length" : agw_seal_reason(st);
        }
        forms_core.stat(AGW_M_SESSION, AGW_C_FAILURES, 1);
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20004)
                 "session cookie from %s refused: %s", r->useragent_ip, why);
    }
    return sids;
}

const char *authgw_session_user(request_rec *r)
{
    forms_srv *srv = forms_srv_of(r);
    apr_array_header_t *sids = cookie_sids(r, srv);
    apr_int64_t now = apr_time_sec(apr_time_now());
    int i;

    for (i = 0; i < sids->nelts; i++) {
        const unsigned char *sid = (const unsigned char *)sids->elts + i * AGW_SID_LEN;
        unsigned char rec[AGW_SESSION_MAX];
        unsigned int rlen = sizeof rec;
        agw_session s;
        agw_session_state state;
        apr_status_t rv;

        rv = forms_core.get(r->server, STORE_NS, sid, AGW_SID_LEN, rec, &rlen,
                            r->pool);
        if (rv != APR_SUCCESS) {
            agw_rlog(APLOG_MARK, APLOG_INFO, rv, r, AGWNO(20005)
                     "session cookie from %s names no session in the store"
                     " (logged off, expired, or the store was restarted)",
                     r->useragent_ip);
            forms_core.stat(AGW_M_SESSION, AGW_C_FAILURES, 1);
            continue;
        }
        if (agw_session_decode(r->pool, rec, rlen, &s)) {
            agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(20006)
                     "a session record in the store is malformed; it is"
                     " ignored (another version of authgw sharing the store?)");
            continue;
        }
        state = agw_session_check(&s, now, srv->idle);
        if (state != AGW_SESSION_VALID) {
            agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20007)
                     "session of user '%s' from %s has %s",
                     agw_log_item(r->pool, s.user), r->useragent_ip,
                     state == AGW_SESSION_IDLE ? "been idle too long"
                                               : "reached its lifetime");
            forms_core.del(r->server, STORE_NS, sid, AGW_SID_LEN, r->pool);
            forms_core.stat(AGW_M_SESSION, AGW_C_FAILURES, 1);
            continue;
        }
        if (agw_session_needs_touch(&s, now, srv->idle)) {
            s.last_seen = now;
            rlen = (unsigned int)agw_session_encode(&s, rec, sizeof rec);
            rv = forms_core.put(r->server, STORE_NS, sid, AGW_SID_LEN,
                                apr_time_from_sec(agw_session_store_expiry(&s, srv->idle)),
                                rec, rlen, r->pool);
            if (rv != APR_SUCCESS)
                agw_rlog(APLOG_MARK, APLOG_WARNING, rv, r, AGWNO(20008)
                         "cannot refresh the idle time of a session in the"
                         " store; the user may be asked to log on early");
        }
        forms_core.stat(AGW_M_SESSION, AGW_C_SUCCESSES, 1);
        if (*s.groups)
            apr_table_setn(r->notes, AUTHGW_NOTE_GROUPS, s.groups);
        return s.user;
    }
    return NULL;
}

int forms_session_end(request_rec *r)
{
    apr_array_header_t *sids = cookie_sids(r, forms_srv_of(r));
    int i;
    for (i = 0; i < sids->nelts; i++)
        forms_core.del(r->server, STORE_NS,
                       (const unsigned char *)sids->elts + i * AGW_SID_LEN,
                       AGW_SID_LEN, r->pool);
    return sids->nelts;
}

const char *authgw_session_cookie_name(request_rec *r)
{
    return forms_srv_of(r)->cookie_name;
}

void forms_session_clear_cookie(request_rec *r)
{
    forms_srv *srv = forms_srv_of(r);
    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   agw_set_cookie(r->pool, srv->cookie_name, "", "/",
                                  cookie_domain(r, srv), agw_is_https(r), 0));
}
