/* The authn provider "authgw-ldap": a password checked by a simple bind to
 * Active Directory or an LDAP directory, with groups, password expiry,
 * account states and password change (authgw.h has the notes' contract).
 *
 * One logon (core_ldap_conn.c picks the server):
 *   bind as the service account (AuthGWLDAPBind simple|gssapi), or, with
 *     AuthGWLDAPBind user, as the user (AD accepts DOMAIN\user and UPNs);
 *   search the user's entry under the base (filter values escaped);
 *   bind as that DN with the password: this is the check.  With a service
 *     account this happens on a second connection, so a connection bound as
 *     the service account is never bound as a user, nor the other way;
 *   with a new password, change it, as the user;
 *   read the user's groups on the service account's connection (or the
 *     user's own, without one).
 * With a service account both connections are kept for the next logon
 * (core_ldap_conn.c), the first still bound as the service account, the
 * second as the last user, whose bind the next one's replaces.
 */
#include "core.h"

#include <string.h>

#include <apr_strings.h>
#include <http_log.h>

#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_core);

/* Longest password sent to the directory, in bytes. */
#define PASSWORD_MAX 1024
/* The steps below return CORE_LDAP_GRANTED for "so far, so good". */
#define GO CORE_LDAP_GRANTED
#define IN_CHAIN "1.2.840.113556.1.4.1941" /* LDAP_MATCHING_RULE_IN_CHAIN */

typedef struct {
    request_rec *r;
    agw_ldap_dirinfo info;
    agw_ldap_search search;
    const char *user;
    const char *password;
    const char *newpw;   /* NULL: no change asked */
    /* from the user's entry */
    const char *dn;
    const char *uid;     /* the user attribute's value */
    const char *expiry;  /* AD: msDS-UserPasswordExpiryTimeComputed */
    const char *uac;     /* AD: userAccountControl */
    const char *uac_computed; /* AD: msDS-User-Account-Control-Computed */
    const char *acct_expires; /* AD: accountExpires */
    const char *sid;     /* AD: objectSid */
    size_t sid_len;
    const char *pgid;    /* AD: primaryGroupID */
    int changed;
} logon;

static int is_ad(const core_ldap_conn *c)
{
    return c->d->kind == AGW_LDAP_AD;
}

/* The first value of attr in entry e, NUL-terminated, from r's pool. */
static const char *value_of(core_ldap_conn *c, LDAPMessage *e, const char *attr,
                            size_t *len)
{
    struct berval **v = ldap_get_values_len(c->ld, e, attr);
    char *out = NULL;
    if (v && v[0]) {
        out = apr_pstrmemdup(c->r->pool, v[0]->bv_val, v[0]->bv_len);
        if (len)
            *len = v[0]->bv_len;
    }
    if (v)
        ldap_value_free_len(v);
    return out;
}

static core_ldap_outcome as_service(core_ldap_conn *c)
{
    int rc;
    if (c->bound)
        return GO;
    rc = core_ldap_bind_service(c);
    if (rc == LDAP_SUCCESS)
        return GO;
    if (core_ldap_down(rc)) {
        c->why = core_ldap_err(c, rc);
        return CORE_LDAP_DOWN;
    }
    agw_rlog(APLOG_MARK, APLOG_ERR, 0, c->r, AGWNO(10034)
             "LDAP server %s refused the service account of AuthGWLDAPBind:"
             " %s; check the account and its password file or keytab",
             c->srv->url, c->why ? c->why : core_ldap_err(c, rc));
    return CORE_LDAP_ERROR;
}

/* A simple bind as the user: GO, DENIED (*st says why), DOWN or ERROR. */
static core_ldap_outcome bind_user(core_ldap_conn *c, logon *lg, const char *who,
                                   const char *pw, agw_ad_state *st)
{
    int rc = core_ldap_bind_simple(c, who, pw);
    if (rc == LDAP_SUCCESS)
        return GO;
    if (rc == LDAP_INVALID_CREDENTIALS) {
        *st = is_ad(c) ? agw_ad_bind_state(core_ldap_diag(c)) : AGW_AD_BAD_PASSWORD;
        return CORE_LDAP_DENIED;
    }
    if (core_ldap_down(rc)) {
        c->why = core_ldap_err(c, rc);
        return CORE_LDAP_DOWN;
    }
    agw_rlog(APLOG_MARK, APLOG_ERR, 0, c->r, AGWNO(10019)
             "LDAP server %s: the bind as user '%s' failed: %s", c->srv->url,
             agw_log_item(c->r->pool, lg->user), core_ldap_err(c, rc));
    return CORE_LDAP_ERROR;
}

/* The directory said no to the user's password. */
static core_ldap_outcome refused(core_ldap_conn *c, logon *lg, agw_ad_state st,
                                 int service)
{
    request_rec *r = c->r;
    const char *note = is_ad(c) ? agw_ad_state_note(st) : NULL;
    const char *diag = core_ldap_diag(c);
    if (note)
        apr_table_setn(r->notes, AUTHGW_NOTE_ACCOUNT, note);
    agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(10018)
             "LDAP server %s refused user '%s' from %s: %s%s%s%s", c->srv->url,
             agw_log_item(r->pool, lg->user), r->useragent_ip,
             agw_ad_state_reason(st), diag ? " (" : "",
             diag ? agw_log_item(r->pool, diag) : "", diag ? ")" : "");
    if (lg->newpw && !service && agw_ad_state_needs_change(st))
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(10033)
                 "the expired password of user '%s' cannot be changed with"
                 " AuthGWLDAPBind user (no one can bind with it); give a"
                 " service account", agw_log_item(r->pool, lg->user));
    return CORE_LDAP_DENIED;
}

static core_ldap_outcome find_user(core_ldap_conn *c, logon *lg)
{
    const char *ad_attrs[] = {
        "msDS-UserPasswordExpiryTimeComputed", "objectSid", "primaryGroupID",
        "userAccountControl", "msDS-User-Account-Control-Computed",
        "accountExpires", lg->info.user_attr, NULL
    };
    const char *gen_attrs[] = { lg->info.user_attr, NULL };
    request_rec *r = c->r;
    struct timeval tv;
    LDAPMessage *res = NULL, *e;
    char *dn;
    int rc, n = 0;

    tv.tv_sec = c->d->timeout;
    tv.tv_usec = 0;
    /* a size limit of 2 is enough to see that a name is ambiguous */
    rc = ldap_search_ext_s(c->ld, lg->search.base,
                           lg->search.scope_base ? LDAP_SCOPE_BASE
                                                 : LDAP_SCOPE_SUBTREE,
                           lg->search.filter,
                           (char **)(is_ad(c) ? ad_attrs : gen_attrs), 0,
                           NULL, NULL, &tv, 2, &res);
    if (rc == LDAP_SUCCESS || rc == LDAP_SIZELIMIT_EXCEEDED)
        n = ldap_count_entries(c->ld, res);
    else if (core_ldap_down(rc)) {
        c->why = core_ldap_err(c, rc);
        ldap_msgfree(res);
        return CORE_LDAP_DOWN;
    }
    else if (!(rc == LDAP_NO_SUCH_OBJECT && lg->search.scope_base)) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(10016)
                 "LDAP server %s: the search for user '%s' under '%s' failed:"
                 " %s", c->srv->url, agw_log_item(r->pool, lg->user),
                 lg->search.base, core_ldap_err(c, rc));
        ldap_msgfree(res);
        return CORE_LDAP_ERROR;
    }
    if (n != 1) {
        ldap_msgfree(res);
        if (n == 0) {
            agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(10030)
                     "LDAP server %s: no user '%s' under '%s'", c->srv->url,
                     agw_log_item(r->pool, lg->user), lg->search.base);
            return CORE_LDAP_NO_USER;
        }
        agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(10017)
                 "LDAP server %s: the name '%s' matches several entries under"
                 " '%s'; refused (narrow AuthGWLDAPBase or AuthGWLDAPUserFilter)",
                 c->srv->url, agw_log_item(r->pool, lg->user), lg->search.base);
        return CORE_LDAP_DENIED;
    }
    e = ldap_first_entry(c->ld, res);
    dn = ldap_get_dn(c->ld, e);
    lg->dn = dn ? apr_pstrdup(r->pool, dn) : NULL;
    ldap_memfree(dn);
    if (is_ad(c)) {
        lg->expiry = value_of(c, e, "msDS-UserPasswordExpiryTimeComputed", NULL);
        lg->sid = value_of(c, e, "objectSid", &lg->sid_len);
        lg->pgid = value_of(c, e, "primaryGroupID", NULL);
        lg->uac = value_of(c, e, "userAccountControl", NULL);
        lg->uac_computed = value_of(c, e, "msDS-User-Account-Control-Computed",
                                    NULL);
        lg->acct_expires = value_of(c, e, "accountExpires", NULL);
    }
    lg->uid = value_of(c, e, lg->info.user_attr, NULL);
    ldap_msgfree(res);
    return lg->dn && *lg->dn ? GO : CORE_LDAP_ERROR;
}

/* The outcome of a password change (result code rc). */
static core_ldap_outcome changed(core_ldap_conn *c, logon *lg, int rc)
{
    request_rec *r = c->r;
    const char *diag, *reason;

    if (rc == LDAP_SUCCESS) {
        apr_table_setn(r->notes, AUTHGW_NOTE_PASSWORD_CHANGED, "1");
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(10020)
                 "LDAP server %s changed the password of user '%s' (from %s)",
                 c->srv->url, agw_log_item(r->pool, lg->user), r->useragent_ip);
        lg->password = lg->newpw;
        lg->changed = 1;
        return GO;
    }
    diag = core_ldap_diag(c);
    if (rc == LDAP_CONSTRAINT_VIOLATION || rc == LDAP_INVALID_CREDENTIALS) {
        reason = rc == LDAP_INVALID_CREDENTIALS ? AGW_LDAP_WRONG_CURRENT
                                                : agw_ldap_pw_refusal(diag);
        if (!strcmp(reason, AGW_LDAP_WRONG_CURRENT)) {
            agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(10021)
                     "LDAP server %s: the current password given by user '%s'"
                     " from %s to change it is wrong", c->srv->url,
                     agw_log_item(r->pool, lg->user), r->useragent_ip);
            return CORE_LDAP_DENIED;
        }
        apr_table_setn(r->notes, AUTHGW_NOTE_PASSWORD_REFUSED, reason);
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(10022)
                 "LDAP server %s refused the new password of user '%s': %s%s%s%s",
                 c->srv->url, agw_log_item(r->pool, lg->user), reason,
                 diag ? " (" : "", diag ? agw_log_item(r->pool, diag) : "",
                 diag ? ")" : "");
        return CORE_LDAP_DENIED;
    }
    /* Never DOWN: the change may have been made, so it is not repeated on
     * another server. */
    agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(10023)
             "LDAP server %s: changing the password of user '%s' failed: %s",
             c->srv->url, agw_log_item(r->pool, lg->user), core_ldap_err(c, rc));
    return CORE_LDAP_ERROR;
}

/* AD: unicodePwd delete (the current value) + add (the new one): a change,
 * which AD grants every principal but checks against the current password;
 * a replace would be a reset. */
static core_ldap_outcome change_ad(core_ldap_conn *c, logon *lg)
{
    request_rec *r = c->r;
    unsigned char *ov, *nv;
    size_t ol, nl;
    struct berval obv, nbv, *ovals[2], *nvals[2];
    LDAPMod del, add, *mods[3];
    int rc;

    if (agw_ad_unicode_pwd(r->pool, lg->newpw, strlen(lg->newpw), &nv, &nl)) {
        apr_table_setn(r->notes, AUTHGW_NOTE_PASSWORD_REFUSED, "policy");
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(10032)
                 "the new password of user '%s' is not valid UTF-8: refused",
                 agw_log_item(r->pool, lg->user));
        return CORE_LDAP_DENIED;
    }
    if (agw_ad_unicode_pwd(r->pool, lg->password, strlen(lg->password), &ov, &ol)) {
        memset(nv, 0, nl);
        return changed(c, lg, LDAP_INVALID_CREDENTIALS);
    }
    obv.bv_val = (char *)ov;
    obv.bv_len = ol;
    nbv.bv_val = (char *)nv;
    nbv.bv_len = nl;
    ovals[0] = &obv;
    nvals[0] = &nbv;
    ovals[1] = nvals[1] = NULL;
    del.mod_op = LDAP_MOD_DELETE | LDAP_MOD_BVALUES;
    del.mod_type = "unicodePwd";
    del.mod_bvalues = ovals;
    add.mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES;
    add.mod_type = "unicodePwd";
    add.mod_bvalues = nvals;
    mods[0] = &del;
    mods[1] = &add;
    mods[2] = NULL;
    rc = ldap_modify_ext_s(c->ld, lg->dn, mods, NULL, NULL);
    memset(ov, 0, ol);
    memset(nv, 0, nl);
    return changed(c, lg, rc);
}

/* Generic LDAP: the Password Modify extended operation (RFC 3062). */
static core_ldap_outcome change_generic(core_ldap_conn *c, logon *lg)
{
    struct berval id, o, n, gen;
    int rc;
    id.bv_val = (char *)lg->dn;
    id.bv_len = strlen(lg->dn);
    o.bv_val = (char *)lg->password;
    o.bv_len = strlen(lg->password);
    n.bv_val = (char *)lg->newpw;
    n.bv_len = strlen(lg->newpw);
    memset(&gen, 0, sizeof gen);
    rc = ldap_passwd_s(c->ld, &id, &o, &n, &gen, NULL, NULL);
    if (gen.bv_val)
        ber_memfree(gen.bv_val);
    return changed(c, lg, rc);
}

static core_ldap_outcome change(core_ldap_conn *c, logon *lg)
{
    return is_ad(c) ? change_ad(c, lg) : change_generic(c, lg);
}

/* AD refused the user's bind (on u) because the password expired or must
 * be changed, after checking it: the service account (on c) makes the
 * change, which AD grants every principal but checks against the current
 * password again; then the user binds with the new one. */
static core_ldap_outcome change_expired(core_ldap_conn *c, core_ldap_conn *u,
                                        logon *lg)
{
    agw_ad_state st = AGW_AD_UNKNOWN;
    core_ldap_outcome out = change_ad(c, lg);
    if (out != GO)
        return out;
    out = bind_user(u, lg, lg->dn, lg->password, &st);
    /* changed: never try again elsewhere */
    return out == CORE_LDAP_DENIED ? refused(u, lg, st, 1)
         : out == CORE_LDAP_DOWN ? CORE_LDAP_ERROR : out;
}

static int printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

/* The user's groups, one name per line, into the groups note.  AD: every
 * group the user is in, directly or through other groups (the in-chain
 * matching rule), plus the primary group (Domain Users), by sAMAccountName,
 * the names winbind gives too.  Generic: groupOfNames, groupOfUniqueNames
 * and posixGroup entries that list the user, by cn.  A failure leaves the
 * user without groups: the logon stands. */
static void read_groups(core_ldap_conn *c, logon *lg)
{
    request_rec *r = c->r;
    const char *esc = agw_ldap_escape(r->pool, lg->dn, strlen(lg->dn));
    const char *attr, *filter, *base, *gsid = NULL;
    const char *attrs[2];
    LDAPMessage *res = NULL, *e;
    apr_array_header_t *names;
    struct timeval tv;
    int rc;

    if (is_ad(c)) {
        if (lg->sid && lg->pgid)
            gsid = agw_ad_group_sid(r->pool, (const unsigned char *)lg->sid,
                                    lg->sid_len, strtoul(lg->pgid, NULL, 10));
        attr = "sAMAccountName";
        filter = apr_pstrcat(r->pool, "(|(member:" IN_CHAIN ":=", esc, ")",
                             gsid ? "(objectSid=" : "", gsid ? gsid : "",
                             gsid ? ")" : "", ")", NULL);
    }
    else {
        attr = "cn";
        filter = apr_pstrcat(r->pool, "(|(member=", esc, ")(uniqueMember=", esc,
                             ")", lg->uid ? "(memberUid=" : "",
                             lg->uid ? agw_ldap_escape(r->pool, lg->uid,
                                                       strlen(lg->uid)) : "",
                             lg->uid ? ")" : "", ")", NULL);
    }
    attrs[0] = attr;
    attrs[1] = NULL;
    base = c->d->group_base ? c->d->group_base : c->d->base;
    tv.tv_sec = c->d->timeout;
    tv.tv_usec = 0;
    rc = ldap_search_ext_s(c->ld, base, LDAP_SCOPE_SUBTREE, filter,
                           (char **)attrs, 0, NULL, NULL, &tv, 0, &res);
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
        agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(10024)
                 "LDAP server %s: the groups of user '%s' could not be read"
                 " under '%s': %s; the user has no groups for Require"
                 " authgw-group", c->srv->url, agw_log_item(r->pool, lg->user),
                 base, core_ldap_err(c, rc));
        ldap_msgfree(res);
        return;
    }
    if (rc == LDAP_SIZELIMIT_EXCEEDED)
        agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(10025)
                 "LDAP server %s: user '%s' is in more groups than the server"
                 " returns at once; some are missing", c->srv->url,
                 agw_log_item(r->pool, lg->user));
    names = apr_array_make(r->pool, 16, sizeof(const char *));
    for (e = ldap_first_entry(c->ld, res); e; e = ldap_next_entry(c->ld, e)) {
        const char *g = value_of(c, e, attr, NULL);
        if (g && *g && printable(g))
            APR_ARRAY_PUSH(names, const char *) = g;
    }
    ldap_msgfree(res);
    if (names->nelts)
        apr_table_setn(r->notes, AUTHGW_NOTE_GROUPS,
                       apr_pstrcat(r->pool, apr_array_pstrcat(r->pool, names, '\n'),
                                   "\n", NULL));
}

/* AuthGWLDAPBind user: everything on one connection, bound as the user
 * (a generic directory is searched anonymously before the user's bind). */
static core_ldap_outcome attempt_as_user(core_ldap_conn *c, logon *lg)
{
    agw_ad_state st = AGW_AD_UNKNOWN;
    const char *early = lg->search.bind_name; /* AD's names, or a DN */
    core_ldap_outcome out = GO;

    if (early && (out = bind_user(c, lg, early, lg->password, &st))
                 == CORE_LDAP_DENIED) {
        if (st != AGW_AD_NO_SUCH_USER)
            return refused(c, lg, st, 0);
        /* AD says 525 only when the name is unknown (Samba never does) */
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, c->r, AGWNO(10038)
                 "LDAP server %s knows no user '%s' (AD data 525)",
                 c->srv->url, agw_log_item(c->r->pool, lg->user));
        return CORE_LDAP_NO_USER;
    }
    if (out == GO)
        out = find_user(c, lg);
    if (out == GO && !early
        && (out = bind_user(c, lg, lg->dn, lg->password, &st))
           == CORE_LDAP_DENIED)
        return refused(c, lg, st, 0);
    if (out == GO && lg->newpw)
        out = change(c, lg);
    if (out == GO)
        read_groups(c, lg);
    return out;
}

static core_ldap_outcome attempt_with_service(core_ldap_conn *c, logon *lg)
{
    agw_ad_state st = AGW_AD_UNKNOWN;
    core_ldap_conn u;
    core_ldap_outcome out;

    if ((out = as_service(c)) != GO || (out = find_user(c, lg)) != GO)
        return out;
    if (core_ldap_open_user(c, &u) != LDAP_SUCCESS) {
        c->why = u.why;
        core_ldap_release(&u, 0);
        return CORE_LDAP_DOWN;
    }
    out = bind_user(&u, lg, lg->dn, lg->password, &st);
    if (out == CORE_LDAP_DENIED && lg->newpw && is_ad(c)
        && agw_ad_state_needs_change(st))
        out = change_expired(c, &u, lg);
    else if (out == CORE_LDAP_DENIED)
        out = refused(&u, lg, st, 1);
    else if (out == GO && lg->newpw)
        out = change(&u, lg);
    if (out == CORE_LDAP_DOWN)
        c->why = u.why;
    /* after an error the connection's state is unknown: not kept */
    core_ldap_release(&u, out == GO || out == CORE_LDAP_DENIED);
    if (out == GO)
        read_groups(c, lg);
    return out;
}

static core_ldap_outcome attempt(core_ldap_conn *c, void *ctx)
{
    return c->d->bind == CORE_LDAP_BIND_USER ? attempt_as_user(c, ctx)
                                             : attempt_with_service(c, ctx);
}

/* The what-the-directory-is for agw_ldap, with the defaults filled in. */
static void dirinfo(request_rec *r, const core_ldap_dir *d, agw_ldap_dirinfo *i)
{
    int ad = d->kind == AGW_LDAP_AD;
    i->kind = d->kind;
    i->base = d->base;
    i->user_attr = d->user_attr ? d->user_attr : ad ? "sAMAccountName" : "uid";
    i->user_filter = d->user_filter ? d->user_filter
                   : ad ? "(&(objectCategory=person)(objectClass=user))"
                   : "(objectClass=*)";
    if (d->domains) {
        const char **l = apr_pcalloc(r->pool, (apr_size_t)(d->domains->nelts + 1)
                                              * sizeof *l);
        memcpy(l, d->domains->elts, (apr_size_t)d->domains->nelts * sizeof *l);
        i->domains = l;
    }
    else
        i->domains = agw_ldap_base_domains(r->pool, d->base);
}

static void set_expiry(request_rec *r, const logon *lg)
{
    long long t;
    int rv;
    if (!lg->expiry || lg->changed)
        return;
    rv = agw_ad_filetime(lg->expiry, strlen(lg->expiry), &t);
    if (rv > 0)
        apr_table_setn(r->notes, AUTHGW_NOTE_PASSWORD_EXPIRES,
                       apr_psprintf(r->pool, "%" APR_INT64_T_FMT,
                                    (apr_int64_t)t));
    else if (rv < 0)
        agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(10035)
                 "the password expiry of user '%s' is malformed ('%s'); it is"
                 " not reported", agw_log_item(r->pool, lg->user),
                 agw_log_item(r->pool, lg->expiry));
}

/* The counters of one search's outcome. */
static void tally(core_ldap_outcome out)
{
    authgw_stat_add(AGW_M_LDAP, out == CORE_LDAP_GRANTED ? AGW_C_SUCCESSES
                    : out == CORE_LDAP_NO_USER || out == CORE_LDAP_DENIED
                        ? AGW_C_FAILURES : AGW_C_ERRORS, 1);
}

static authn_status ldap_check_password(request_rec *r, const char *user,
                                        const char *password)
{
    core_dir *cd = ap_get_module_config(r->per_dir_config, &authgw_core_module);
    const core_ldap_dir *d = &cd->ldap;
    const char *alias, *why;
    agw_ldap_name name;
    void *newpw = NULL;
    core_ldap_outcome out;
    apr_time_t t0;
    logon lg;

    agw_secret_note(r, password);
    apr_pool_userdata_get(&newpw, AUTHGW_NOTE_NEW_PASSWORD, r->pool);
    if (newpw)
        agw_secret_note(r, newpw);
    if (!d->servers || !d->servers->nelts || !d->base) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(10026)
                 "the authgw-ldap provider is used where no AuthGWLDAPServer"
                 " and AuthGWLDAPBase are set; add them to this location or"
                 " its provider alias");
        return AUTH_GENERAL_ERROR;
    }
    /* AD and many directories take a simple bind with an empty password
     * for an anonymous one, which succeeds. */
    if (!*user || !*password || (newpw && !*(const char *)newpw)) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(10027)
                 "empty user name or password for '%s' from %s: refused"
                 " before any bind", agw_log_item(r->pool, user), r->useragent_ip);
        authgw_stat_add(AGW_M_LDAP, AGW_C_FAILURES, 1);
        return AUTH_DENIED;
    }
    if (strlen(password) > PASSWORD_MAX
        || (newpw && strlen(newpw) > PASSWORD_MAX)) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(10037)
                 "a password of user '%s' is longer than %d bytes: refused",
                 agw_log_item(r->pool, user), PASSWORD_MAX);
        authgw_stat_add(AGW_M_LDAP, AGW_C_FAILURES, 1);
        return AUTH_DENIED;
    }
    memset(&lg, 0, sizeof lg);
    lg.r = r;
    lg.user = user;
    lg.password = password;
    lg.newpw = newpw;
    dirinfo(r, d, &lg.info);
    if ((why = agw_ldap_parse_name(r->pool, user, &name))
        || (why = agw_ldap_user_search(r->pool, &lg.info, &name, &lg.search))) {
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(10028)
                 "user name '%s' is not one of this directory's: %s",
                 agw_log_item(r->pool, user), why);
        return AUTH_USER_NOT_FOUND;
    }
    /* Cached per provider name: two <AuthnProviderAlias> directories never
     * share an entry.  A change of password always goes to the directory. */
    alias = apr_table_get(r->notes, AUTHN_PROVIDER_NAME_NOTE);
    if (!alias)
        alias = "authgw-ldap";
    if (!newpw && authgw_credcache_check(r, alias, user, password)) {
        agw_rlog(APLOG_MARK, APLOG_DEBUG, 0, r, AGWNO(10036)
                 "user '%s' was validated by %s a short while ago (credential"
                 " cache)", agw_log_item(r->pool, user), alias);
        authgw_stat_add(AGW_M_LDAP, AGW_C_SUCCESSES, 1);
        return AUTH_GRANTED;
    }
    authgw_stat_add(AGW_M_LDAP, AGW_C_ATTEMPTS, 1);
    t0 = apr_time_now();
    out = core_ldap_each_server(r, d, attempt, &lg);
    authgw_stat_add(AGW_M_LDAP, AGW_C_LATENCY_US,
                    (apr_uint64_t)(apr_time_now() - t0));
    tally(out);
    switch (out) {
    case CORE_LDAP_GRANTED:
        set_expiry(r, &lg);
        /* After a change this stores the new password, over the old one. */
        authgw_credcache_store(r, alias, user, lg.password);
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(10029)
                 "user '%s' (%s) logged on through %s", agw_log_item(r->pool, user),
                 agw_log_item(r->pool, lg.dn), alias);
        return AUTH_GRANTED;
    case CORE_LDAP_NO_USER:
        return AUTH_USER_NOT_FOUND;
    case CORE_LDAP_DENIED:
        return AUTH_DENIED;
    case CORE_LDAP_DOWN:
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(10031)
                 "no LDAP server of %s could be used for user '%s'; the logon"
                 " is refused (fail closed)", alias, agw_log_item(r->pool, user));
        /* fall through */
    default:
        return AUTH_GENERAL_ERROR;
    }
}

/* The account a client certificate maps to (authgw_ldap_account): no
 * password is checked, so the directory's account state is read instead
 * of being learnt from a bind.  AD: disabled (userAccountControl 0x2),
 * locked (msDS-User-Account-Control-Computed 0x10), expired
 * (accountExpires in the past).  A generic directory has no standard
 * for these: its entry only has to exist. */
#define UF_ACCOUNTDISABLE 0x2ul
#define UF_LOCKOUT 0x10ul

static const char *account_state(const logon *lg)
{
    long long t;
    if (lg->uac && (strtoul(lg->uac, NULL, 10) & UF_ACCOUNTDISABLE))
        return "disabled";
    if (lg->uac_computed && (strtoul(lg->uac_computed, NULL, 10) & UF_LOCKOUT))
        return "locked";
    if (lg->acct_expires
        && agw_ad_filetime(lg->acct_expires, strlen(lg->acct_expires), &t) > 0
        && t <= (long long)apr_time_sec(apr_time_now()))
        return "account-expired";
    return NULL;
}

static core_ldap_outcome attempt_account(core_ldap_conn *c, void *ctx)
{
    logon *lg = ctx;
    request_rec *r = c->r;
    const char *state;
    core_ldap_outcome out;

    if ((out = as_service(c)) != GO || (out = find_user(c, lg)) != GO)
        return out;
    if (!lg->uid || !*lg->uid || !printable(lg->uid)) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(10140)
                 "LDAP server %s: the entry '%s' has no usable %s to name its"
                 " user", c->srv->url, agw_log_item(r->pool, lg->dn),
                 lg->info.user_attr);
        return CORE_LDAP_ERROR;
    }
    if (is_ad(c) && (state = account_state(lg))) {
        apr_table_setn(r->notes, AUTHGW_NOTE_ACCOUNT, state);
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(10141)
                 "LDAP server %s: the account '%s' of the certificate of %s"
                 " is %s: refused", c->srv->url,
                 agw_log_item(r->pool, lg->uid), r->useragent_ip, state);
        return CORE_LDAP_DENIED;
    }
    read_groups(c, lg);
    return GO;
}

int authgw_ldap_account(request_rec *r, const char *attr, const char *value,
                        const char **user)
{
    core_dir *cd = ap_get_module_config(r->per_dir_config, &authgw_core_module);
    const core_ldap_dir *d = &cd->ldap;
    core_ldap_outcome out;
    logon lg;

    if (!d->servers || !d->servers->nelts || !d->base)
        return AUTHGW_ACCOUNT_NO_DIRECTORY;
    if (d->bind == CORE_LDAP_BIND_USER) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(10142)
                 "a client certificate is looked up in the directory, which"
                 " needs a service account: set AuthGWLDAPBind simple or"
                 " gssapi (AuthGWLDAPBind user binds with a password the"
                 " certificate user never gives)");
        return AUTHGW_ACCOUNT_ERROR;
    }
    memset(&lg, 0, sizeof lg);
    lg.r = r;
    lg.user = value;
    dirinfo(r, d, &lg.info);
    if (!attr) {
        if (agw_ldap_dn_under(r->pool, value, d->base) != 1) {
            agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(10143)
                     "the certificate subject '%s' is not an entry under"
                     " '%s'", agw_log_item(r->pool, value), d->base);
            return AUTHGW_ACCOUNT_UNKNOWN;
        }
        lg.search.base = value;
        lg.search.scope_base = 1;
        lg.search.filter = lg.info.user_filter;
    }
    else {
        lg.search.base = d->base;
        lg.search.filter = apr_pstrcat(r->pool, "(&", lg.info.user_filter, "(",
                                       attr, "=",
                                       agw_ldap_escape(r->pool, value,
                                                       strlen(value)),
                                       "))", NULL);
    }
    authgw_stat_add(AGW_M_LDAP, AGW_C_ATTEMPTS, 1);
    out = core_ldap_each_server(r, d, attempt_account, &lg);
    tally(out);
    if (out == CORE_LDAP_DOWN)
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(10144)
                 "no LDAP server could be used to look up the account of the"
                 " certificate '%s'; the logon is refused (fail closed)",
                 agw_log_item(r->pool, value));
    if (out == CORE_LDAP_GRANTED)
        *user = lg.uid;
    return out == CORE_LDAP_GRANTED ? AUTHGW_ACCOUNT_OK
         : out == CORE_LDAP_NO_USER ? AUTHGW_ACCOUNT_UNKNOWN
         : out == CORE_LDAP_DENIED ? AUTHGW_ACCOUNT_REFUSED
         : AUTHGW_ACCOUNT_ERROR;
}

const authn_provider core_ldap_provider = {
    ldap_check_password,
    NULL
};
