/* The SSO session: issued at logon, found from the cookie on each request,
 * ended at logoff.  The cookie holds only the sealed session id and session
 * key; the record is in the shared store (see agw_session.h), with the
 * delegation password sealed under that key. */
#include "forms.h"

#include <string.h>

#include <apr_strings.h>
#include <http_log.h>

#include "agw_b64.h"
#include "agw_cookie.h"
#include "agw_domain.h"
#include "agw_form.h"
#include "agw_httpd.h"
#include "agw_seal.h"

APLOG_USE_MODULE(authgw_forms);

#define STORE_NS "S"
#define SEALED_MAX (AGW_SESSION_COOKIE_LEN + AGW_SEAL_OVERHEAD)
#define CURRENT_KEY "authgw-forms-current"

/* What one session cookie opens to: the session id and, in cookies issued
 * since delegation exists, the session key. */
typedef struct {
    unsigned char sid[AGW_SID_LEN];
    unsigned char key[AGW_SESSION_KEY_LEN];
    int has_key;
} forms_ticket;

/* The session that authenticated a request, in r->pool's user data (never
 * a note), for delegation later in the same request. */
typedef struct {
    const forms_ticket *t;
    agw_session s;
} forms_current;

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

/* The delegation password the receipt handed over, sealed under the
 * session key into the record; OK, or an HTTP status. */
static int keep_password(request_rec *r, const forms_ticket *t, agw_session *s,
                         unsigned char *buf, size_t cap)
{
    const char *pw = NULL, *du = NULL;

    apr_pool_userdata_get((void **)&pw, AUTHGW_POOL_DELEG_PASSWORD, r->pool);
    apr_pool_userdata_get((void **)&du, AUTHGW_POOL_DELEG_USER, r->pool);
    if (!pw || !*pw)
        return OK;
    s->deleg_user = du ? du : "";
    s->deleg_secret = buf;
    s->deleg_secret_len = agw_session_seal_password(t->key, pw, buf, cap);
    if (s->deleg_secret_len)
        return OK;
    agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20060)
             "the delegation password of user '%s' cannot be sealed (longer"
             " than %" APR_SIZE_T_FMT " bytes, or the crypto library failed)",
             agw_log_item(r->pool, s->user), cap - AGW_SEAL_OVERHEAD);
    return HTTP_INTERNAL_SERVER_ERROR;
}

/* Writes the record of a new session; OK or an HTTP status. */
static int store_record(request_rec *r, const forms_srv *srv,
                        const forms_ticket *t, agw_session *s)
{
    unsigned char rec[AGW_SESSION_MAX];
    unsigned char sealed_pw[FORMS_MAX_SECRET + AGW_SEAL_OVERHEAD];
    size_t rlen;
    apr_status_t rv;
    int rc = keep_password(r, t, s, sealed_pw, sizeof sealed_pw);

    if (rc != OK)
        return rc;
    if (!(rlen = agw_session_encode(s, rec, sizeof rec))) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20002)
                 "the session of user '%s' does not fit in a record; is the"
                 " user name that long?", agw_log_item(r->pool, s->user));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = forms_core.put(r->server, STORE_NS, t->sid, AGW_SID_LEN,
                        apr_time_from_sec(agw_session_store_expiry(s, srv->idle)),
                        rec, (unsigned int)rlen, r->pool);
    if (rv != APR_SUCCESS) {
        agw_rlog(APLOG_MARK, APLOG_ERR, rv, r, AGWNO(20003)
                 "cannot write the session to the store; check AuthGWStore"
                 " (a full shmcb, or redis/memcache out of reach)");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    return OK;
}

/* Sets the cookie: the session id and key, sealed under the cookie key. */
static int send_cookie(request_rec *r, const forms_srv *srv,
                       const forms_ticket *t)
{
    unsigned char payload[AGW_SESSION_COOKIE_LEN], sealed[SEALED_MAX];
    char cookie[SEALED_MAX * 2];
    size_t slen;
    agw_seal_status st;

    memcpy(payload, t->sid, AGW_SID_LEN);
    memcpy(payload + AGW_SID_LEN, t->key, AGW_SESSION_KEY_LEN);
    st = agw_seal(forms_core.keyring(), AGW_SESSION_PURPOSE, payload,
                  sizeof payload, sealed, sizeof sealed, &slen);
    agw_wipe(payload, sizeof payload);
    if (st != AGW_SEAL_OK)
        return HTTP_INTERNAL_SERVER_ERROR;
    agw_b64_encode(sealed, slen, cookie);
    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   agw_set_cookie(r->pool, srv->cookie_name, cookie, "/",
                                  cookie_domain(r, srv), agw_is_https(r), -1));
    return OK;
}

int authgw_session_issue(request_rec *r, const char *user, const char *method)
{
    forms_srv *srv = forms_srv_of(r);
    forms_ticket t;
    apr_int64_t now = apr_time_sec(apr_time_now());
    const char *groups = apr_table_get(r->notes, AUTHGW_NOTE_GROUPS);
    agw_session s = { now, now, now + srv->lifetime, 0, user, method,
                      groups ? groups : "", NULL, NULL, 0,
                      srv->bind_ip ? r->useragent_ip : NULL };
    int rc;

    if (agw_random(t.sid, sizeof t.sid) || agw_random(t.key, sizeof t.key))
        return HTTP_INTERNAL_SERVER_ERROR;
    rc = store_record(r, srv, &t, &s);
    if (rc == OK)
        rc = send_cookie(r, srv, &t);
    agw_wipe(&t, sizeof t);
    return rc;
}

/* Opens one cookie value into t; NULL, or why it does not open. */
static const char *open_cookie(const char *v, forms_ticket *t)
{
    unsigned char raw[SEALED_MAX + 3], pt[AGW_SESSION_COOKIE_LEN];
    size_t rlen, n;
    agw_seal_status st;

    if (agw_b64_decode(v, strlen(v), raw, sizeof raw, &rlen))
        return "not base64url or the wrong size";
    st = agw_unseal(forms_core.keyring(), AGW_SESSION_PURPOSE, raw, rlen, pt,
                    sizeof pt, &n);
    if (st != AGW_SEAL_OK)
        return agw_seal_reason(st);
    /* The id alone: a cookie issued before sessions kept a key. */
    if (n != AGW_SID_LEN && n != AGW_SESSION_COOKIE_LEN)
        return "wrong length";
    memcpy(t->sid, pt, AGW_SID_LEN);
    t->has_key = n == AGW_SESSION_COOKIE_LEN;
    if (t->has_key)
        memcpy(t->key, pt + AGW_SID_LEN, AGW_SESSION_KEY_LEN);
    agw_wipe(pt, sizeof pt);
    return NULL;
}

static apr_status_t wipe_tickets(void *data)
{
    apr_array_header_t *a = data;
    agw_wipe(a->elts, (size_t)a->nalloc * (size_t)a->elt_size);
    return APR_SUCCESS;
}

/* The forms_tickets of the request's session cookies that open. */
static apr_array_header_t *cookie_tickets(request_rec *r, const forms_srv *srv)
{
    apr_array_header_t *vals = apr_array_make(r->pool, 2, sizeof(char *));
    apr_array_header_t *ts;
    const apr_array_header_t *h = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)h->elts;
    int i;

    for (i = 0; i < h->nelts; i++)
        if (e[i].key && !strcasecmp(e[i].key, "Cookie"))
            agw_cookie_values(r->pool, e[i].val, srv->cookie_name, vals);
    /* Room for all of them now, so that no push moves keys around; wiped
     * with the request. */
    ts = apr_array_make(r->pool, vals->nelts ? vals->nelts : 1,
                        sizeof(forms_ticket));
    apr_pool_cleanup_register(r->pool, ts, wipe_tickets,
                              apr_pool_cleanup_null);
    for (i = 0; i < vals->nelts; i++) {
        forms_ticket *t = apr_array_push(ts);
        const char *why = open_cookie(APR_ARRAY_IDX(vals, i, const char *), t);
        if (!why)
            continue;
        ts->nelts--;
        forms_core.stat(AGW_M_SESSION, AGW_C_FAILURES, 1);
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20004)
                 "session cookie from %s refused: %s", r->useragent_ip, why);
    }
    return ts;
}

/* The record of a ticket's session when it is valid (refreshing its idle
 * time when due); 0, or -1. */
static int valid_session(request_rec *r, const forms_srv *srv,
                         const forms_ticket *t, apr_int64_t now,
                         agw_session *s)
{
    unsigned char rec[AGW_SESSION_MAX];
    unsigned int rlen = sizeof rec;
    agw_session_state state;
    apr_status_t rv;

    rv = forms_core.get(r->server, STORE_NS, t->sid, AGW_SID_LEN, rec, &rlen,
                        r->pool);
    if (rv != APR_SUCCESS) {
        agw_rlog(APLOG_MARK, APLOG_INFO, rv, r, AGWNO(20005)
                 "session cookie from %s names no session in the store"
                 " (logged off, expired, or the store was restarted)",
                 r->useragent_ip);
        forms_core.stat(AGW_M_SESSION, AGW_C_FAILURES, 1);
        return -1;
    }
    if (agw_session_decode(r->pool, rec, rlen, s)) {
        agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(20006)
                 "a session record in the store is malformed; it is"
                 " ignored (another version of authgw sharing the store?)");
        return -1;
    }
    /* Bound by AuthGWSessionBindIP when it was issued: a copy of the
     * cookie from elsewhere is no session (and the owner's stays). */
    if (s->client_ip && strcmp(s->client_ip, r->useragent_ip)) {
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(20100)
                 "session of user '%s' was issued to %s and is bound to it"
                 " (AuthGWSessionBindIP); its cookie came from %s: refused",
                 agw_log_item(r->pool, s->user), s->client_ip,
                 r->useragent_ip);
        forms_core.stat(AGW_M_SESSION, AGW_C_FAILURES, 1);
        return -1;
    }
    state = agw_session_check(s, now, srv->idle);
    if (state != AGW_SESSION_VALID) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(20007)
                 "session of user '%s' from %s has %s",
                 agw_log_item(r->pool, s->user), r->useragent_ip,
                 state == AGW_SESSION_IDLE ? "been idle too long"
                                           : "reached its lifetime");
        forms_core.del(r->server, STORE_NS, t->sid, AGW_SID_LEN, r->pool);
        forms_core.stat(AGW_M_SESSION, AGW_C_FAILURES, 1);
        return -1;
    }
    if (agw_session_needs_touch(s, now, srv->idle)) {
        s->last_seen = now;
        rlen = (unsigned int)agw_session_encode(s, rec, sizeof rec);
        rv = forms_core.put(r->server, STORE_NS, t->sid, AGW_SID_LEN,
                            apr_time_from_sec(agw_session_store_expiry(s, srv->idle)),
                            rec, rlen, r->pool);
        if (rv != APR_SUCCESS)
            agw_rlog(APLOG_MARK, APLOG_WARNING, rv, r, AGWNO(20008)
                     "cannot refresh the idle time of a session in the"
                     " store; the user may be asked to log on early");
    }
    return 0;
}

const char *authgw_session_user(request_rec *r)
{
    forms_srv *srv = forms_srv_of(r);
    apr_array_header_t *ts = cookie_tickets(r, srv);
    apr_int64_t now = apr_time_sec(apr_time_now());
    int i;

    for (i = 0; i < ts->nelts; i++) {
        forms_current *cur = apr_pcalloc(r->pool, sizeof *cur);
        cur->t = &APR_ARRAY_IDX(ts, i, forms_ticket);
        if (valid_session(r, srv, cur->t, now, &cur->s))
            continue;
        apr_pool_userdata_setn(cur, CURRENT_KEY, NULL, r->pool);
        forms_core.stat(AGW_M_SESSION, AGW_C_SUCCESSES, 1);
        if (*cur->s.groups)
            apr_table_setn(r->notes, AUTHGW_NOTE_GROUPS, cur->s.groups);
        return cur->s.user;
    }
    return NULL;
}

int forms_session_end(request_rec *r)
{
    apr_array_header_t *ts = cookie_tickets(r, forms_srv_of(r));
    int i;
    for (i = 0; i < ts->nelts; i++)
        forms_core.del(r->server, STORE_NS,
                       APR_ARRAY_IDX(ts, i, forms_ticket).sid, AGW_SID_LEN,
                       r->pool);
    return ts->nelts;
}

/* The session that authenticated r, or the request it was made for. */
static forms_current *current_of(request_rec *r)
{
    for (; r; r = r->main) {
        forms_current *cur = NULL;
        apr_pool_userdata_get((void **)&cur, CURRENT_KEY, r->pool);
        if (cur)
            return cur;
    }
    return NULL;
}

int authgw_session_credentials(request_rec *r, const char **user,
                               const char **password)
{
    forms_current *cur = current_of(r);
    const char *pw;

    if (!cur || !r->user || strcmp(cur->s.user, r->user)
        || !cur->s.deleg_secret_len || !cur->t->has_key)
        return DECLINED;
    pw = agw_session_open_password(r->pool, cur->t->key, cur->s.deleg_secret,
                                   cur->s.deleg_secret_len);
    if (!pw) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(20061)
                 "the delegation password kept with the session of user '%s'"
                 " does not open with its cookie's key: the store record was"
                 " altered", agw_log_item(r->pool, cur->s.user));
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    agw_secret_note(r, pw);
    *user = *cur->s.deleg_user ? cur->s.deleg_user : cur->s.user;
    *password = pw;
    return OK;
}

const char *authgw_session_end_current(request_rec *r)
{
    forms_current *cur = current_of(r);
    const char *ret;

    if (!cur)
        return NULL;
    forms_core.del(r->server, STORE_NS, cur->t->sid, AGW_SID_LEN, r->pool);
    forms_session_clear_cookie(r);
    ret = agw_pct_encode(r->pool, r->unparsed_uri ? r->unparsed_uri : "/", 1);
    return apr_pstrcat(r->pool, FORMS_PREFIX "logon?return=", ret, NULL);
}

const char *authgw_form_type(request_rec *r)
{
    switch (forms_dir_of(r)->type) {
    case FORMS_TYPE_PASSCODE: return "passcode";
    case FORMS_TYPE_PASSCODE_PASSWORD: return "passcode-password";
    default: return "password";
    }
}

void forms_session_keep_password(request_rec *r, apr_table_t *f)
{
    forms_type type = forms_dir_of(r)->type;
    const char *pw = NULL, *du = NULL;

    /* Kept only where a module can use it. */
    if (!ap_find_linked_module("mod_authgw_delegate.c"))
        return;
    if (type == FORMS_TYPE_PASSWORD)
        pw = apr_table_get(f, "password");
    else if (type == FORMS_TYPE_PASSCODE_PASSWORD) {
        pw = apr_table_get(f, "deleg_password");
        du = apr_table_get(f, "deleg_username");
    }
    if (pw && *pw)
        apr_pool_userdata_setn(pw, AUTHGW_POOL_DELEG_PASSWORD, NULL, r->pool);
    if (du && *du)
        apr_pool_userdata_setn(du, AUTHGW_POOL_DELEG_USER, NULL, r->pool);
}

const char *forms_session_method(request_rec *r)
{
    forms_current *cur = current_of(r);
    return cur ? cur->s.method : NULL;
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
