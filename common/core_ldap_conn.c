/* authgw-ldap's connections, to the servers in order, always under TLS
 * verified against AuthGWLDAPCACert (ldaps://, or StartTLS for ldap://,
 * which is never left out), with AuthGWLDAPTimeout on the connect and on
 * every operation; a server that could not be used is tried last for
 * AuthGWLDAPDeadTime (a mark in the shared store, so every child knows).
 *
 * With a service account, a child keeps the connections of finished logons
 * for the next ones (the pool below): those bound as the service account,
 * and those that only ever carry users' binds, apart, so that a connection
 * bound as the service account is never bound as a user nor the other way.
 * A handle belongs to one logon at a time (taken out of the pool under its
 * mutex), and each has its own TLS context (LDAP_OPT_X_TLS_NEWCTX), so
 * threads never touch each other's libldap state.  With AuthGWLDAPBind
 * user every logon has a connection of its own, closed afterwards: the
 * next logon's search would otherwise run as the last user. */
#include "core.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_strings.h>
#include <http_log.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <sasl/sasl.h>

#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_core);

#define DEAD_NS "L"
/* Idle connections one child keeps, for all servers and sections. */
#define POOL_MAX 32
/* An idle connection older than this is closed rather than used: well
 * before AD drops it (MaxConnIdleTime, 15 minutes) or a firewall forgets it
 * silently, which would cost a logon AuthGWLDAPTimeout. */
#define POOL_IDLE apr_time_from_sec(60)

typedef struct kept_conn {
    struct kept_conn *next;
    LDAP *ld;
    apr_time_t used;
    char key[];
} kept_conn;

/* The child's idle connections, newest first.  Connections are a resource
 * of the process, never shared state: nothing here reaches the store. */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static kept_conn *pool;
static int pool_n;

/* What a connection is for: its kind, server, TLS and timeouts, and for
 * the service account's kind the account (a password file's content is
 * read once per configuration: the DN names the account). */
static const char *pool_key(const core_ldap_conn *c, int service)
{
    const core_ldap_dir *d = c->d;
    return apr_psprintf(c->r->pool, "%s\n%s\n%s\n%d\n%d\n%s\n%s\n%s",
                        service ? "service" : "user", c->srv->url,
                        d->ca_file ? d->ca_file : "", d->timeout,
                        service ? (int)d->bind : -1,
                        service && d->bind_dn ? d->bind_dn : "",
                        service && d->keytab ? d->keytab : "",
                        service && d->principal ? d->principal : "");
}

/* The newest idle connection for key, or NULL; closes the stale ones. */
static LDAP *pool_take(const char *key)
{
    kept_conn **pp = &pool, *k, *stale = NULL;
    apr_time_t now = apr_time_now();
    LDAP *ld = NULL;

    pthread_mutex_lock(&pool_lock);
    while ((k = *pp)) {
        int old = now - k->used > POOL_IDLE;
        if (old || (!ld && !strcmp(k->key, key))) {
            *pp = k->next;
            pool_n--;
            if (old) {
                k->next = stale;
                stale = k;
                continue;
            }
            ld = k->ld;
            free(k);
            continue;
        }
        pp = &k->next;
    }
    pthread_mutex_unlock(&pool_lock);
    while ((k = stale)) {
        stale = k->next;
        ldap_unbind_ext_s(k->ld, NULL, NULL);
        free(k);
    }
    return ld;
}

static void pool_put(const char *key, LDAP *ld)
{
    size_t n = strlen(key);
    kept_conn *k = malloc(sizeof *k + n + 1);

    if (k) {
        memcpy(k->key, key, n + 1);
        k->ld = ld;
        k->used = apr_time_now();
        pthread_mutex_lock(&pool_lock);
        if (pool_n < POOL_MAX) {
            k->next = pool;
            pool = k;
            pool_n++;
            ld = NULL;
        }
        pthread_mutex_unlock(&pool_lock);
    }
    if (ld) {
        ldap_unbind_ext_s(ld, NULL, NULL);
        free(k);
    }
}

int core_ldap_down(int rc)
{
    return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR
        || rc == LDAP_TIMEOUT || rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY;
}

const char *core_ldap_diag(core_ldap_conn *c)
{
    char *m = NULL;
    const char *out = NULL;
    if (c->ld && ldap_get_option(c->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &m)
                 == LDAP_OPT_SUCCESS && m) {
        /* libldap's own filler when the server said nothing */
        if (*m && strcmp(m, "(unknown error code)"))
            out = apr_pstrdup(c->r->pool, m);
        ldap_memfree(m);
    }
    return out;
}

const char *core_ldap_err(core_ldap_conn *c, int rc)
{
    const char *d = core_ldap_diag(c);
    return apr_psprintf(c->r->pool, "%s (%d)%s%s", ldap_err2string(rc), rc,
                        d ? ": " : "", d ? agw_log_item(c->r->pool, d) : "");
}

/* Called by libldap when the TLS handshake is about to start: the TCP
 * connection stands, so a failure after this is TLS's. */
static int tls_starting(LDAP *ld, void *ssl, void *ctx, void *arg)
{
    (void)ld;
    (void)ssl;
    (void)ctx;
    *(int *)arg = 1;
    return 0;
}

/* A new handle for srv, connected, under TLS; an LDAP result code (and
 * c->why when it fails). */
static int open_conn(core_ldap_conn *c)
{
    const core_ldap_dir *d = c->d;
    int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, client = 0;
    int tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2, rc;
    struct timeval tv;

    tv.tv_sec = d->timeout;
    tv.tv_usec = 0;
    rc = ldap_initialize(&c->ld, c->srv->url);
    if (rc == LDAP_SUCCESS
        && (ldap_set_option(c->ld, LDAP_OPT_PROTOCOL_VERSION, &v3)
            || ldap_set_option(c->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF)
            || ldap_set_option(c->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv)
            || ldap_set_option(c->ld, LDAP_OPT_TIMEOUT, &tv)
            /* without it, libldap waits for a TLS handshake with no limit */
            || ldap_set_option(c->ld, LDAP_OPT_CONNECT_ASYNC, LDAP_OPT_ON)
            || ldap_set_option(c->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand)
            || ldap_set_option(c->ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls12)
            || (d->ca_file
                && ldap_set_option(c->ld, LDAP_OPT_X_TLS_CACERTFILE, d->ca_file))
            /* the options above take effect in a context of this handle's own */
            || ldap_set_option(c->ld, LDAP_OPT_X_TLS_NEWCTX, &client)
            /* the SPN of a GSSAPI bind is ldap/<the host as written> */
            || ldap_set_option(c->ld, LDAP_OPT_X_SASL_NOCANON, LDAP_OPT_ON)
            || ldap_set_option(c->ld, LDAP_OPT_X_TLS_CONNECT_CB, tls_starting)
            || ldap_set_option(c->ld, LDAP_OPT_X_TLS_CONNECT_ARG, &c->tls_started))) {
        c->why = "libldap could not set up TLS for the connection (is"
                 " AuthGWLDAPCACert readable by httpd's user?)";
        return LDAP_LOCAL_ERROR;
    }
    if (rc == LDAP_SUCCESS)
        rc = c->srv->ldaps ? ldap_connect(c->ld)
                           : ldap_start_tls_s(c->ld, NULL, NULL);
    if (rc != LDAP_SUCCESS)
        c->why = apr_pstrcat(c->r->pool, core_ldap_err(c, rc), c->tls_started
                             ? "; the TLS handshake failed: is the certificate"
                               " valid for this host name and signed by a CA"
                               " of AuthGWLDAPCACert?" : "", NULL);
    else {
        /* the handle may outlive c (kept): no pointer into it stays */
        ldap_set_option(c->ld, LDAP_OPT_X_TLS_CONNECT_CB, NULL);
        ldap_set_option(c->ld, LDAP_OPT_X_TLS_CONNECT_ARG, NULL);
    }
    return rc;
}

/* c's connection: a kept one of its kind (c->key) or a new one. */
static int connect_kind(core_ldap_conn *c, int service)
{
    if (c->key && !c->fresh && (c->ld = pool_take(c->key))) {
        c->kept = 1;
        c->bound = service;
        return LDAP_SUCCESS;
    }
    return open_conn(c);
}

void core_ldap_release(core_ldap_conn *c, int keep)
{
    if (c->ld && keep && c->key)
        pool_put(c->key, c->ld);
    else if (c->ld)
        ldap_unbind_ext_s(c->ld, NULL, NULL);
    c->ld = NULL;
}

/* A connection of one kind (service: bound as the service account, or for
 * users' binds) to srv, not yet made; kept ones only with a service account
 * and unless fresh. */
static void conn_init(core_ldap_conn *c, request_rec *r, const core_ldap_dir *d,
                      const core_ldap_server *srv, int service, int fresh)
{
    memset(c, 0, sizeof *c);
    c->r = r;
    c->d = d;
    c->srv = srv;
    c->fresh = fresh;
    c->key = d->bind != CORE_LDAP_BIND_USER ? pool_key(c, service) : NULL;
}

int core_ldap_open_user(core_ldap_conn *c, core_ldap_conn *other)
{
    int rc;
    conn_init(other, c->r, c->d, c->srv, 0, c->fresh);
    rc = connect_kind(other, 0);
    c->reused |= other->kept;
    return rc;
}

int core_ldap_bind_simple(core_ldap_conn *c, const char *dn, const char *pw)
{
    struct berval cred;
    cred.bv_val = (char *)pw;
    cred.bv_len = strlen(pw);
    return ldap_sasl_bind_s(c->ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

/* Cyrus SASL's prompts: GSSAPI asks only for an authorization identity
 * (none).  The credentials go in here because libldap takes them only once
 * the bind has made its SASL context. */
static int sasl_quiet(LDAP *ld, unsigned flags, void *cred, void *in)
{
    sasl_interact_t *it;
    (void)flags;
    if (ldap_set_option(ld, LDAP_OPT_X_SASL_GSS_CREDS, cred) != LDAP_OPT_SUCCESS)
        return LDAP_LOCAL_ERROR;
    for (it = in; it->id != SASL_CB_LIST_END; it++) {
        it->result = "";
        it->len = 0;
    }
    return LDAP_SUCCESS;
}

/* What GSSAPI says of an error: the mechanism's words when it has any. */
static const char *gss_message(apr_pool_t *p, OM_uint32 major, OM_uint32 minor)
{
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    OM_uint32 ctx = 0, m;
    const char *out;
    int minor_given = minor != 0;
    if (GSS_ERROR(gss_display_status(&m, minor_given ? minor : major,
                                     minor_given ? GSS_C_MECH_CODE : GSS_C_GSS_CODE,
                                     GSS_C_NO_OID, &ctx, &text)))
        return apr_psprintf(p, "GSSAPI error %u/%u", major, minor);
    out = apr_pstrmemdup(p, text.value, text.length);
    gss_release_buffer(&m, &text);
    return out;
}

/* A SASL GSSAPI bind with the keytab's key: the ticket goes into a memory
 * credential cache of this logon alone (no file, no sharing between
 * threads), destroyed afterwards. */
static int bind_gssapi(core_ldap_conn *c)
{
    request_rec *r = c->r;
    const char *ccname = apr_psprintf(r->pool, "MEMORY:authgw-ldap-%" APR_PID_T_FMT
                                      "-%pp", getpid(), (void *)r);
    gss_key_value_element_desc el[2];
    gss_key_value_set_desc store;
    gss_buffer_desc nb;
    gss_OID_set_desc krb5_only;
    gss_name_t name = GSS_C_NO_NAME;
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    OM_uint32 major, minor;
    krb5_context kc;
    krb5_ccache cc;
    ber_len_t no_layer = 0;
    int rc = LDAP_LOCAL_ERROR;

    el[0].key = "client_keytab";
    el[0].value = c->d->keytab;
    el[1].key = "ccache";
    el[1].value = ccname;
    store.count = 2;
    store.elements = el;
    nb.value = (void *)c->d->principal;
    nb.length = strlen(c->d->principal);
    krb5_only.count = 1;
    krb5_only.elements = (gss_OID)gss_mech_krb5;
    major = gss_import_name(&minor, &nb, GSS_C_NT_USER_NAME, &name);
    if (!GSS_ERROR(major))
        major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE, &krb5_only,
                                      GSS_C_INITIATE, &store, &cred, NULL, NULL);
    if (GSS_ERROR(major))
        c->why = apr_psprintf(r->pool, "no credentials for %s from the keytab"
                              " %s: %s", c->d->principal, c->d->keytab,
                              gss_message(r->pool, major, minor));
    /* TLS protects the connection already: no SASL security layer on top
     * (AD refuses one inside TLS; Samba wants "ldap server require strong
     * auth = allow_sasl_over_tls" for this). */
    else if (ldap_set_option(c->ld, LDAP_OPT_X_SASL_SSF_MAX, &no_layer)
             != LDAP_OPT_SUCCESS)
        c->why = "libldap refused the SASL security properties";
    else
        rc = ldap_sasl_interactive_bind_s(c->ld, NULL, "GSSAPI", NULL, NULL,
                                          LDAP_SASL_QUIET, sasl_quiet, cred);
    if (cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&minor, &cred);
    if (name != GSS_C_NO_NAME)
        gss_release_name(&minor, &name);
    if (!krb5_init_context(&kc)) {
        if (!krb5_cc_resolve(kc, ccname, &cc))
            krb5_cc_destroy(kc, cc);
        krb5_free_context(kc);
    }
    return rc;
}

int core_ldap_bind_service(core_ldap_conn *c)
{
    if (c->d->bind == CORE_LDAP_BIND_GSSAPI)
        return bind_gssapi(c);
    return core_ldap_bind_simple(c, c->d->bind_dn, c->d->bind_pw);
}

static int held_down(request_rec *r, const core_ldap_server *srv)
{
    unsigned char v[4];
    unsigned int vl = sizeof v;
    return authgw_store_get(r->server, DEAD_NS, (const unsigned char *)srv->url,
                            (unsigned int)strlen(srv->url), v, &vl, r->pool)
        == APR_SUCCESS;
}

static void mark(request_rec *r, const core_ldap_dir *d,
                 const core_ldap_server *srv, int down)
{
    const unsigned char *k = (const unsigned char *)srv->url;
    unsigned int kl = (unsigned int)strlen(srv->url);
    if (!down)
        authgw_store_del(r->server, DEAD_NS, k, kl, r->pool);
    else if (d->dead_time > 0)
        authgw_store_put(r->server, DEAD_NS, k, kl,
                         apr_time_now() + apr_time_from_sec(d->dead_time),
                         (const unsigned char *)"1", 1, r->pool);
}

/* attempt on srv, on kept connections if there are, and once more on new
 * ones when those turned out to be closed. */
static core_ldap_outcome on_server(request_rec *r, const core_ldap_dir *d,
                                   const core_ldap_server *srv,
                                   core_ldap_attempt attempt, void *ctx,
                                   const char **why)
{
    core_ldap_outcome out = CORE_LDAP_DOWN;
    int fresh;

    for (fresh = 0; fresh < 2; fresh++) {
        core_ldap_conn c;
        conn_init(&c, r, d, srv, 1, fresh);
        /* whatever the error, a server we cannot open is not usable */
        out = connect_kind(&c, 1) == LDAP_SUCCESS ? attempt(&c, ctx)
                                                  : CORE_LDAP_DOWN;
        c.reused |= c.kept;
        core_ldap_release(&c, out == CORE_LDAP_GRANTED
                              || out == CORE_LDAP_DENIED
                              || out == CORE_LDAP_NO_USER);
        *why = c.why;
        if (out != CORE_LDAP_DOWN || !c.reused)
            break;
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(10150)
                 "LDAP server %s: a connection kept from an earlier logon"
                 " failed (%s); trying again on a new one", srv->url,
                 c.why ? c.why : "unknown error");
    }
    return out;
}

core_ldap_outcome core_ldap_each_server(request_rec *r, const core_ldap_dir *d,
                                        core_ldap_attempt attempt, void *ctx)
{
    const core_ldap_server *list = (const core_ldap_server *)d->servers->elts;
    char *tried = apr_pcalloc(r->pool, (apr_size_t)d->servers->nelts);
    int pass, i;

    /* The servers not held down first; then, if none of them could be
     * used, the held-down ones: a dead-time never turns a working server
     * away. */
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < d->servers->nelts; i++) {
            const char *why = NULL;
            core_ldap_outcome out;

            if (tried[i] || (pass == 0 && held_down(r, &list[i])))
                continue;
            tried[i] = 1;
            out = on_server(r, d, &list[i], attempt, ctx, &why);
            if (out != CORE_LDAP_DOWN) {
                if (pass == 1)
                    mark(r, d, &list[i], 0);
                return out;
            }
            agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(10015)
                     "LDAP server %s could not be used: %s; trying the next"
                     " one", list[i].url, why ? why : "unknown error");
            mark(r, d, &list[i], 1);
        }
    }
    return CORE_LDAP_DOWN;
}
