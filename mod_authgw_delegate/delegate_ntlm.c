/* AuthGWDelegate ntlm: the gateway runs NTLM's three legs against the
 * published server as the user (the logon's user name and domain, the
 * captured password), on mod_proxy's own backend connection:
 *
 *   leg 1  HEAD <uri>, Authorization: NTLM <NEGOTIATE>       (by us)
 *   leg 2  401, WWW-Authenticate: NTLM <CHALLENGE>           (read by us)
 *   leg 3  the client's request as mod_proxy wrote it, with
 *          Authorization: NTLM <AUTHENTICATE> and Connection: close
 *
 * How: a connection output filter on every outgoing (backend) connection
 * passes everything through, except the first request head written while
 * an ntlm delegation of this thread's request is pending.  mod_proxy runs
 * the whole backend exchange in the thread that ran the request's fixups,
 * so a thread-local pointer names the request.  The filter writes leg 1
 * and reads leg 2 on the same connection (through its input filters: TLS
 * backends work too, and mod_proxy finds any byte after the answer where it
 * left it), then lets mod_proxy's request go with the AUTHENTICATE.
 *
 * Why the connection is closed after the request (proxy-nokeepalive):
 * NTLM authenticates the connection, and servers (IIS, mod_auth_gssapi with
 * GssapiConnectionBound) take later requests on it as the same user without
 * asking.  mod_proxy_http of httpd 2.4 pools backend connections per worker
 * and hands them to any client's request; it has no way to pin one to a
 * client connection.  A connection that carried one user's NTLM logon must
 * therefore never go back to the pool.  See docs/delegation.md. */
#include "delegate.h"

#include <string.h>

#include <apr_strings.h>
#include <http_connection.h>
#include <http_log.h>
#include <http_protocol.h>

#include "agw_b64.h"
#include "agw_challenge.h"
#include "agw_httpd.h"
#include "agw_ntlmcli.h"

APLOG_USE_MODULE(authgw_delegate);

#define NTLM_FILTER "AUTHGW_DELEGATE_NTLM"
/* The longest header line of the server's answer to leg 1. */
#define NTLM_MAX_LINE 16384

typedef struct {
    request_rec *r;
    deleg_req *q;
    const char *user, *domain, *password;
    int done;
} ntlm_job;

/* The ntlm delegation of the request this thread is running. */
static _Thread_local ntlm_job *pending;

static apr_status_t forget_job(void *data)
{
    if (pending == data)
        pending = NULL;
    return APR_SUCCESS;
}

/* "GW\alice" and "alice@gw.test" carry their domain; a bare "alice" takes
 * the domain of AuthGWKerberosRealm's NetBIOS name, else (NULL) the one the
 * server names in its CHALLENGE. */
static void split_user(request_rec *r, const char *who, const char **user,
                       const char **domain)
{
    const char *bs = strchr(who, '\\'), *at = strrchr(who, '@');
    const char *realm = NULL, *netbios = NULL;

    if (bs) {
        *domain = apr_pstrmemdup(r->pool, who, (apr_size_t)(bs - who));
        *user = bs + 1;
        return;
    }
    if (at) {
        *user = apr_pstrmemdup(r->pool, who, (apr_size_t)(at - who));
        *domain = at + 1;
        return;
    }
    *user = who;
    if (deleg_core.kerberos_realm)
        deleg_core.kerberos_realm(r, &realm, &netbios);
    *domain = netbios;
}

void deleg_ntlm_start(request_rec *r, deleg_req *q, const char *user,
                      const char *pw)
{
    ntlm_job *j = apr_pcalloc(r->pool, sizeof *j);

    j->r = r;
    j->q = q;
    j->password = pw;
    split_user(r, user, &j->user, &j->domain);
    q->scheme = "NTLM";
    /* the connection that carries the logon goes to nobody else */
    apr_table_setn(r->subprocess_env, "proxy-nokeepalive", "1");
    pending = j;
    apr_pool_cleanup_register(r->pool, j, forget_job, apr_pool_cleanup_null);
}

void deleg_ntlm_request(request_rec *r, deleg_req *q)
{
    const char *user = NULL, *pw = NULL;

    q->source = deleg_password(r, q, &user, &pw);
    if (q->source != DELEG_FROM_NOTHING)
        deleg_ntlm_start(r, q, user, pw);
}

/* --- the backend connection ------------------------------------------------ */

/* Moves the request head at the start of bb into a string (*head, *n); the
 * buckets that held it leave bb.  APR_INCOMPLETE when bb holds no whole
 * head. */
static apr_status_t take_head(apr_bucket_brigade *bb, apr_pool_t *p,
                              char **head, size_t *n)
{
    char *buf = apr_palloc(p, AGW_NTLMCLI_MAX_HEAD);
    size_t have = 0, end = 0;
    apr_bucket *b, *next;
    apr_status_t rv;

    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = next) {
        const char *data;
        apr_size_t len;

        next = APR_BUCKET_NEXT(b);
        if (APR_BUCKET_IS_METADATA(b))
            break;
        rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ);
        if (rv != APR_SUCCESS)
            return rv;
        if (len > AGW_NTLMCLI_MAX_HEAD - have)
            len = AGW_NTLMCLI_MAX_HEAD - have;
        memcpy(buf + have, data, len);
        end = agw_http_head_end(buf, have + len);
        if (end) {
            if (end - have < len)
                apr_bucket_split(b, end - have);
            next = APR_BUCKET_NEXT(b);
            /* the head's buckets go; the body stays in bb */
            while (APR_BRIGADE_FIRST(bb) != next)
                apr_bucket_delete(APR_BRIGADE_FIRST(bb));
            *head = buf;
            *n = end;
            return APR_SUCCESS;
        }
        have += len;
        if (have == AGW_NTLMCLI_MAX_HEAD)
            break;
    }
    return APR_INCOMPLETE;
}

static apr_status_t send_now(ap_filter_t *f, const char *data, size_t n)
{
    apr_bucket_brigade *bb = apr_brigade_create(f->c->pool, f->c->bucket_alloc);
    apr_status_t rv;

    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_transient_create(data, n,
                                                            f->c->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_flush_create(f->c->bucket_alloc));
    rv = ap_pass_brigade(f->next, bb);
    apr_brigade_destroy(bb);
    return rv;
}

/* One line of the server's answer, without its line end. */
static apr_status_t read_line(conn_rec *c, apr_bucket_brigade *bb,
                              apr_pool_t *p, char **line, size_t *n)
{
    char *acc = NULL, *part;
    apr_size_t have = 0, len;
    apr_status_t rv;

    for (;;) {
        rv = ap_get_brigade(c->input_filters, bb, AP_MODE_GETLINE,
                            APR_BLOCK_READ, 0);
        if (rv == APR_SUCCESS && APR_BRIGADE_EMPTY(bb))
            rv = APR_EOF;
        if (rv == APR_SUCCESS)
            rv = apr_brigade_pflatten(bb, &part, &len, p);
        apr_brigade_cleanup(bb);
        if (rv != APR_SUCCESS)
            return rv;
        if (!len)
            return APR_EOF;
        if (have + len > NTLM_MAX_LINE)
            return APR_ENOSPC;
        acc = acc ? apr_pstrcat(p, apr_pstrmemdup(p, acc, have),
                                apr_pstrmemdup(p, part, len), NULL)
                  : part;
        have += len;
        if (acc[have - 1] == '\n')
            break;
    }
    have--;
    if (have && acc[have - 1] == '\r')
        have--;
    *line = acc;
    *n = have;
    return APR_SUCCESS;
}

typedef struct {
    int status;
    const char *token;    /* the NTLM challenge's token68, or NULL */
    int close;            /* the server closes the connection */
} answer;

/* The server's answer to leg 1: a HEAD, so no body follows its head. */
static apr_status_t read_answer(conn_rec *c, apr_pool_t *p, answer *a)
{
    apr_bucket_brigade *bb = apr_brigade_create(p, c->bucket_alloc);
    char *line;
    size_t n;
    const char *name, *value, *t;
    apr_status_t rv;

    memset(a, 0, sizeof *a);
    do {  /* interim 1xx answers come first */
        rv = read_line(c, bb, p, &line, &n);
        if (rv != APR_SUCCESS)
            return rv;
        a->status = agw_http_status_line(line, n);
        if (a->status < 0)
            return APR_EGENERAL;
        while ((rv = read_line(c, bb, p, &line, &n)) == APR_SUCCESS && n) {
            if (agw_http_header_line(p, line, n, &name, &value))
                return APR_EGENERAL;
            if (!strcasecmp(name, "WWW-Authenticate")
                && (t = agw_challenge_token(p, value, "NTLM")) && *t)
                a->token = t;
            else if (!strcasecmp(name, "Connection")
                     && ap_find_token(p, value, "close"))
                a->close = 1;
        }
        if (rv != APR_SUCCESS)
            return rv;
    } while (a->status < 200);
    return APR_SUCCESS;
}

static const char *const leg_drop[] = {
    "Authorization", "Connection", "Keep-Alive", "Proxy-Connection",
    "Content-Length", "Content-Type", "Transfer-Encoding", "Expect", "TE",
    "Trailer", "Upgrade", NULL
};
static const char *const last_drop[] = {
    "Authorization", "Connection", "Keep-Alive", NULL
};

/* Legs 1 and 2, and the AUTHENTICATE for leg 3: "NTLM <base64>" in *value,
 * NULL when the server asked for no NTLM (the request then goes as it is).
 * An error status when the backend connection cannot go on. */
static apr_status_t handshake(ap_filter_t *f, ntlm_job *j, const char *head,
                              size_t n, const char **value)
{
    request_rec *r = j->r;
    apr_pool_t *p = r->pool;
    unsigned char neg[64], *chal, *auth;
    size_t nn, cn, an, hn;
    char *b64, *leg;
    answer a;
    agw_ntlm_status st;
    apr_status_t rv;
    const char *why;

    *value = NULL;
    if (agw_ntlmcli_negotiate(neg, sizeof neg, &nn) != AGW_NTLM_OK)
        return APR_EGENERAL;
    b64 = apr_palloc(p, agw_b64std_enc_len(nn) + 1);
    agw_b64std_encode(neg, nn, b64);
    leg = agw_http_head_rewrite(p, head, n, "HEAD", leg_drop,
                                apr_pstrcat(p, "Authorization: NTLM ", b64,
                                            "\r\nConnection: keep-alive\r\n",
                                            NULL), &hn);
    if (!leg) {
        why = "mod_proxy's request head cannot be read";
        rv = APR_EGENERAL;
        goto failed;
    }
    rv = send_now(f, leg, hn);
    if (rv == APR_SUCCESS)
        rv = read_answer(f->c, p, &a);
    if (rv != APR_SUCCESS) {
        why = "the server's answer to the NEGOTIATE did not come or is no"
              " HTTP";
        goto failed;
    }
    if (a.status != HTTP_UNAUTHORIZED || !a.token) {
        agw_rlog(APLOG_MARK, APLOG_DEBUG, 0, r, AGWNO(50071)
                 "AuthGWDelegate %s for %s: the server answered %d to the"
                 " NTLM NEGOTIATE, with no NTLM challenge; the request goes"
                 " without credentials", deleg_methods[j->q->dir->method].name,
                 deleg_backend(r), a.status);
        return a.close ? APR_ECONNRESET : APR_SUCCESS;
    }
    if (a.close) {
        why = "the server closes the connection after its challenge";
        rv = APR_ECONNRESET;
        goto failed;
    }
    cn = agw_b64std_dec_max(strlen(a.token));
    chal = apr_palloc(p, cn + 1);
    if (cn > AGW_NTLMCLI_MAX_TOKEN
        || agw_b64std_decode(a.token, strlen(a.token), chal, cn, &cn)) {
        why = "the challenge is not base64";
        rv = APR_EGENERAL;
        goto failed;
    }
    st = agw_ntlmcli_authenticate(p, neg, nn, chal, cn, j->user, j->domain,
                                  j->password, NULL,
                                  agw_ntlm_filetime(apr_time_now()), &auth, &an);
    if (st != AGW_NTLM_OK) {
        why = apr_pstrcat(p, "the CHALLENGE cannot be answered: ",
                          agw_ntlm_reason(st), NULL);
        rv = APR_EGENERAL;
        goto failed;
    }
    b64 = apr_palloc(p, agw_b64std_enc_len(an) + 1);
    agw_b64std_encode(auth, an, b64);
    agw_secret_note(r, b64);
    *value = apr_pstrcat(p, "NTLM ", b64, NULL);
    return APR_SUCCESS;
failed:
    agw_rlog(APLOG_MARK, APLOG_ERR, rv, r, AGWNO(50072)
             "AuthGWDelegate %s for user '%s' to %s: the NTLM handshake"
             " failed: %s; the client gets an error from mod_proxy",
             deleg_methods[j->q->dir->method].name,
             agw_log_item(p, r->user), deleg_backend(r), why);
    deleg_core.stat(AGW_M_DELEGATE, AGW_C_ERRORS, 1);
    return rv;
}

static apr_status_t ntlm_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    ntlm_job *j = pending;
    char *head = NULL, *out;
    size_t n = 0, on;
    const char *value;
    apr_status_t rv;

    if (!j || j->done)
        return ap_pass_brigade(f->next, bb);
    j->done = 1;
    rv = take_head(bb, j->r->pool, &head, &n);
    if (rv != APR_SUCCESS) {
        agw_rlog(APLOG_MARK, APLOG_ERR, rv, j->r, AGWNO(50073)
                 "AuthGWDelegate %s for %s: mod_proxy's first write holds no"
                 " whole request head; the request fails",
                 deleg_methods[j->q->dir->method].name, deleg_backend(j->r));
        return rv == APR_INCOMPLETE ? APR_EGENERAL : rv;
    }
    rv = handshake(f, j, head, n, &value);
    if (rv != APR_SUCCESS) {
        /* mod_proxy may try once more on a new connection (a pooled one
         * that the server had closed): that one needs the legs too */
        j->done = 0;
        return rv;
    }
    out = value ? agw_http_head_rewrite(j->r->pool, head, n, NULL, last_drop,
                                        apr_pstrcat(j->r->pool,
                                                    "Authorization: ", value,
                                                    "\r\nConnection: close\r\n",
                                                    NULL), &on)
                : head;
    if (!value)
        on = n;
    if (!out)
        return APR_EGENERAL;
    if (value) {
        j->q->sent = 1;
        deleg_core.stat(AGW_M_DELEGATE, AGW_C_ATTEMPTS, 1);
    }
    APR_BRIGADE_INSERT_HEAD(bb, apr_bucket_pool_create(out, on, j->r->pool,
                                                       f->c->bucket_alloc));
    return ap_pass_brigade(f->next, bb);
}

static int ntlm_pre_connection(conn_rec *c, void *csd)
{
    (void)csd;
    if (c->outgoing)
        ap_add_output_filter(NTLM_FILTER, NULL, NULL, c);
    return OK;
}

void deleg_ntlm_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_pre_connection(ntlm_pre_connection, NULL, NULL, APR_HOOK_MIDDLE);
    ap_register_output_filter(NTLM_FILTER, ntlm_filter, NULL,
                              AP_FTYPE_CONNECTION);
}
