/* The authn provider "radius": a password or passcode checked by an
 * Access-Request.  An Access-Challenge is handed back to the receipt module
 * through request notes (authgw.h); one-time passcodes are remembered in the
 * shared store so that none is ever sent twice. */
#include "radius.h"

#include <string.h>

#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>

#include "agw_b64.h"
#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_radius);

#define OTP_NS "O"
#define OTP_PURPOSE "authgw otp v1"

/* The store key of a passcode of a user: keyed with the cookie key, so a
 * dump of the store does not reveal which six-digit codes were used, and
 * with the user name folded to lower case, as directories compare names. */
static int otp_key(request_rec *r, const char *user, const char *code,
                   unsigned char mac[32])
{
    const agw_keyring *kr = radius_core.keyring();
    char *u = apr_pstrdup(r->pool, user);
    char *data;
    int rv;
    ap_str_tolower(u);
    data = apr_pstrcat(r->pool, u, "\n", code, NULL);
    rv = agw_mac(&kr->k[0], OTP_PURPOSE, data, strlen(data), mac);
    memset(data, 0, strlen(data));
    return rv;
}

/* 1 when this passcode of this user was seen before; remembers it if not. */
static int otp_replayed(request_rec *r, const unsigned char mac[32])
{
    unsigned char v[4];
    unsigned int vl = sizeof v;
    if (radius_core.get(r->server, OTP_NS, mac, 32, v, &vl, r->pool)
            == APR_SUCCESS)
        return 1;
    radius_core.put(r->server, OTP_NS, mac, 32,
                    apr_time_now() + apr_time_from_sec(RADIUS_OTP_MEMORY),
                    (const unsigned char *)"1", 1, r->pool);
    return 0;
}

static void set_nas_address(request_rec *r, agw_radius_request *rq)
{
    apr_sockaddr_t *la = r->connection->local_addr;
    if (la->family == APR_INET)
        rq->nas_ip4 = la->ipaddr_ptr;
#if APR_HAVE_IPV6
    else if (la->family == APR_INET6)
        rq->nas_ip6 = la->ipaddr_ptr;
#endif
}

/* Class and Filter-Id values that are text become the user's groups. */
static void note_groups(request_rec *r, const agw_radius_reply *reply)
{
    const apr_array_header_t *lists[] = { reply->filter_ids, reply->classes };
    char *groups = "";
    int l, i;

    for (l = 0; l < 2; l++) {
        const agw_radius_octets *o = lists[l] ? (const agw_radius_octets *)lists[l]->elts
                                              : NULL;
        for (i = 0; o && i < lists[l]->nelts; i++) {
            size_t k;
            for (k = 0; k < o[i].len && o[i].p[k] >= 0x20 && o[i].p[k] < 0x7f; k++)
                ;
            if (k == o[i].len && k > 0)
                groups = apr_pstrcat(r->pool, groups,
                                     apr_pstrmemdup(r->pool, (const char *)o[i].p,
                                                    o[i].len), "\n", NULL);
        }
    }
    if (*groups)
        apr_table_setn(r->notes, AUTHGW_NOTE_GROUPS, groups);
}

/* The State of a challenge being answered, from the receipt module. */
static int answer_state(request_rec *r, agw_radius_request *rq)
{
    const char *b = apr_table_get(r->notes, AUTHGW_NOTE_ANSWER_STATE);
    unsigned char *raw;
    size_t n;
    if (!b || !*b)
        return 0;
    raw = apr_palloc(r->pool, agw_b64_dec_max(strlen(b)) + 1);
    if (agw_b64_decode(b, strlen(b), raw, agw_b64_dec_max(strlen(b)) + 1, &n)
        || n == 0 || n > AGW_RADIUS_MAX_VALUE)
        return -1;
    rq->state = raw;
    rq->state_len = n;
    return 1;
}

static authn_status on_challenge(request_rec *r, const char *user,
                                 const agw_radius_reply *reply)
{
    const char *receipt = apr_table_get(r->notes, AUTHGW_NOTE_RECEIPT);
    char *state;

    if (!receipt || strcmp(receipt, "form")) {
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(40006)
                 "RADIUS challenged user '%s', but a %s client cannot answer a"
                 " challenge: refused; use AuthType GatewayForm for users who"
                 " get challenges (SecurID next code, new PIN)",
                 agw_log_item(r->pool, user), receipt ? receipt : "Basic");
        return AUTH_DENIED;
    }
    state = apr_palloc(r->pool, agw_b64_enc_len(reply->state.len) + 1);
    agw_b64_encode(reply->state.p ? reply->state.p : (const unsigned char *)"",
                   reply->state.len, state);
    apr_table_setn(r->notes, AUTHGW_NOTE_CHALLENGE_STATE, state);
    apr_table_setn(r->notes, AUTHGW_NOTE_CHALLENGE_MESSAGE, reply->message);
    agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(40007)
             "RADIUS challenged user '%s'", agw_log_item(r->pool, user));
    return AUTH_DENIED;
}

static authn_status radius_check_password(request_rec *r, const char *user,
                                          const char *password)
{
    radius_dir *d = ap_get_module_config(r->per_dir_config, &authgw_radius_module);
    agw_radius_request rq;
    agw_radius_reply reply;
    const char *server = "-", *alias;
    unsigned char otp_mac[32];
    apr_time_t t0 = apr_time_now();
    radius_result res;

    if (!radius_core.keyring) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(40008)
                 "the radius provider needs mod_authgw_core: load it");
        return AUTH_GENERAL_ERROR;
    }
    if (!d->servers || d->servers->nelts == 0) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(40009)
                 "the radius provider is used where no AuthGWRadiusServer is"
                 " set; add one to this location or its provider alias");
        return AUTH_GENERAL_ERROR;
    }
    agw_secret_note(r, password);
    memset(&rq, 0, sizeof rq);
    if (answer_state(r, &rq) < 0) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(40010)
                 "the challenge state for user '%s' is malformed",
                 agw_log_item(r->pool, user));
        return AUTH_DENIED;
    }
    if (strlen(user) > AGW_RADIUS_MAX_VALUE
        || strlen(password) > AGW_RADIUS_MAX_PASSWORD) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(40011)
                 "user name or password of user '%s' is longer than RADIUS"
                 " carries (253 and 128 bytes)", agw_log_item(r->pool, user));
        return AUTH_DENIED;
    }
    if (d->otp && (otp_key(r, user, password, otp_mac)
                   || otp_replayed(r, otp_mac))) {
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(40012)
                 "one-time passcode of user '%s' from %s was used before:"
                 " refused without asking RADIUS", agw_log_item(r->pool, user),
                 r->useragent_ip);
        radius_core.stat(AGW_M_RADIUS, AGW_C_FAILURES, 1);
        return AUTH_DENIED;
    }
    /* Passcodes are never cached; answers to challenges neither.  The cache
     * is per provider name, so two <AuthnProviderAlias> realms never share
     * an entry. */
    alias = apr_table_get(r->notes, AUTHN_PROVIDER_NAME_NOTE);
    if (!alias)
        alias = "radius";
    if (!d->otp && !rq.state
        && radius_core.cache_check(r, alias, user, password)) {
        radius_core.stat(AGW_M_RADIUS, AGW_C_SUCCESSES, 1);
        return AUTH_GRANTED;
    }
    rq.user = user;
    rq.user_len = strlen(user);
    rq.password = password;
    rq.password_len = strlen(password);
    set_nas_address(r, &rq);
    rq.nas_id = d->nas_id ? d->nas_id
              : r->server->server_hostname ? r->server->server_hostname
              : "authgw";
    rq.nas_id_len = strlen(rq.nas_id);
    rq.calling_station = r->useragent_ip;
    rq.calling_station_len = strlen(r->useragent_ip);

    radius_core.stat(AGW_M_RADIUS, AGW_C_ATTEMPTS, 1);
    res = radius_exchange(r, d, &rq, &reply, &server);
    radius_core.stat(AGW_M_RADIUS, AGW_C_LATENCY_US,
                     (apr_uint64_t)(apr_time_now() - t0));
    if (res == RADIUS_NO_SERVER) {
        /* No server checked the passcode: it is not spent. */
        if (d->otp)
            radius_core.del(r->server, OTP_NS, otp_mac, sizeof otp_mac, r->pool);
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(40013)
                 "no RADIUS server answered for user '%s'; the logon is"
                 " refused (fail closed)", agw_log_item(r->pool, user));
        radius_core.stat(AGW_M_RADIUS, AGW_C_ERRORS, 1);
        return AUTH_GENERAL_ERROR;
    }
    switch (reply.code) {
    case AGW_RADIUS_ACCESS_ACCEPT:
        note_groups(r, &reply);
        if (!d->otp && !rq.state)
            radius_core.cache_store(r, alias, user, password);
        radius_core.stat(AGW_M_RADIUS, AGW_C_SUCCESSES, 1);
        agw_rlog(APLOG_MARK, APLOG_DEBUG, 0, r, AGWNO(40014)
                 "RADIUS server %s accepted user '%s'", server,
                 agw_log_item(r->pool, user));
        return AUTH_GRANTED;
    case AGW_RADIUS_ACCESS_CHALLENGE:
        radius_core.stat(AGW_M_RADIUS, AGW_C_FAILURES, 1);
        return on_challenge(r, user, &reply);
    default:
        radius_core.stat(AGW_M_RADIUS, AGW_C_FAILURES, 1);
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(40015)
                 "RADIUS server %s rejected user '%s'%s%s", server,
                 agw_log_item(r->pool, user), *reply.message ? ": " : "",
                 agw_log_item(r->pool, reply.message));
        return AUTH_DENIED;
    }
}

const authn_provider radius_provider = {
    radius_check_password,
    NULL
};
