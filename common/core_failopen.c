/* AuthGWFailOpen: what a receipt does when its validator cannot be reached.
 *
 * The decision is agw_failopen_passes(); here are the directives, the
 * "validator down" mark and the marking of a request let through.  The mark
 * is a store entry per provider name with a short time-to-live, so every
 * child (and every gateway of a farm sharing redis or memcache) agrees that
 * a validator is down once one of them found it so, and forgets it soon
 * after it is back. */
#include "core.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <http_log.h>

#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_core);

#define DOWN_NS "D"
#define DEFAULT_TTL 30
#define DEFAULT_HEADER "X-AuthGW-FailOpen"
#define ENV_NAME "AUTHGW_FAILOPEN"

void core_failopen_create_dir(core_dir *c)
{
    c->failopen = AGW_FO_OFF;
    c->failopen_ttl = DEFAULT_TTL;
    c->failopen_user = "";
    c->failopen_header = DEFAULT_HEADER;
}

void core_failopen_merge_dir(core_dir *c, const core_dir *base,
                             const core_dir *add)
{
    c->failopen = add->failopen_set ? add->failopen : base->failopen;
    c->failopen_ttl = add->failopen_set ? add->failopen_ttl
                                        : base->failopen_ttl;
    c->failopen_set = add->failopen_set | base->failopen_set;
    c->failopen_user = add->failopen_user_set ? add->failopen_user
                                              : base->failopen_user;
    c->failopen_user_set = add->failopen_user_set | base->failopen_user_set;
    c->failopen_header = add->failopen_header_set ? add->failopen_header
                                                  : base->failopen_header;
    c->failopen_header_set = add->failopen_header_set
                           | base->failopen_header_set;
}

const char *core_cmd_failopen(cmd_parms *cmd, void *dc, const char *policy,
                              const char *ttl)
{
    core_dir *c = dc;
    int p = agw_failopen_parse(policy);

    if (p < 0)
        return apr_psprintf(cmd->pool, "AuthGWFailOpen: '%s' is not off,"
                            " service or all", policy);
    if (ttl) {
        char *end;
        apr_int64_t v = apr_strtoi64(ttl, &end, 10);
        if (*end || v < 1 || v > 3600)
            return apr_psprintf(cmd->pool, "AuthGWFailOpen: '%s' is not a"
                                " number of seconds from 1 to 3600 (how long"
                                " a validator stays marked down)", ttl);
        c->failopen_ttl = v;
    }
    c->failopen = p;
    c->failopen_set = 1;
    return NULL;
}

const char *core_cmd_failopen_user(cmd_parms *cmd, void *dc, const char *arg)
{
    core_dir *c = dc;
    const char *s;

    for (s = arg; *s; s++)
        if (apr_iscntrl(*s) || *s == ':')
            return "AuthGWFailOpenUser: a user name without control"
                   " characters or ':'";
    (void)cmd;
    c->failopen_user = arg;
    c->failopen_user_set = 1;
    return NULL;
}

const char *core_cmd_failopen_header(cmd_parms *cmd, void *dc, const char *arg)
{
    core_dir *c = dc;
    const char *s;

    if (!strcasecmp(arg, "none")) {
        c->failopen_header = NULL;
        c->failopen_header_set = 1;
        return NULL;
    }
    for (s = arg; *s; s++)
        if (!apr_isalnum(*s) && *s != '-' && *s != '_')
            return apr_psprintf(cmd->pool, "AuthGWFailOpenHeader: '%s' is"
                                " not a header name (letters, digits, '-')"
                                " or None", arg);
    c->failopen_header = arg;
    c->failopen_header_set = 1;
    return NULL;
}

static core_dir *dir_of(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &authgw_core_module);
}

static void mark_down(request_rec *r, const core_dir *d, const char *which)
{
    static const unsigned char one = '1';
    apr_status_t rv = authgw_store_put(
        r->server, DOWN_NS, (const unsigned char *)which,
        (unsigned int)strlen(which),
        apr_time_now() + apr_time_from_sec(d->failopen_ttl), &one, 1, r->pool);
    if (rv != APR_SUCCESS)
        agw_rlog(APLOG_MARK, APLOG_WARNING, rv, r, AGWNO(10113)
                 "validator '%s' could not be reached, and the store could"
                 " not record it (AuthGWStore): other children will find out"
                 " for themselves", which);
    else
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(10111)
                 "validator '%s' could not be reached: marked down for %"
                 APR_INT64_T_FMT " s (AuthGWFailOpen %s here)", which,
                 d->failopen_ttl, agw_failopen_name(d->failopen));
}

/* 1 when one of the providers is marked down; *which names it. */
static int any_down(request_rec *r, const apr_array_header_t *providers,
                    const char **which)
{
    static const char *const dflt = "file";
    const agw_provider *p = providers ? (const agw_provider *)providers->elts
                                      : NULL;
    int i, n = providers ? providers->nelts : 1;

    for (i = 0; i < n; i++) {
        const char *name = p ? p[i].name : dflt;
        unsigned char v[2];
        unsigned int vl = sizeof v;
        if (authgw_store_get(r->server, DOWN_NS, (const unsigned char *)name,
                             (unsigned int)strlen(name), v, &vl, r->pool)
            == APR_SUCCESS) {
            *which = name;
            return 1;
        }
    }
    return 0;
}

int authgw_failopen(request_rec *r, agw_fo_case c, const char *which,
                    const apr_array_header_t *providers, const char *method)
{
    core_dir *d = dir_of(r);
    const char *reason = agw_failopen_reason(c), *down_one = which;
    int down = 0;

    if (c == AGW_FO_UNREACHABLE && which)
        mark_down(r, d, which);
    if (d->failopen == AGW_FO_OFF)
        return DECLINED;
    down = c == AGW_FO_UNREACHABLE || any_down(r, providers, &down_one);
    if (!agw_failopen_passes(d->failopen, c, down))
        return DECLINED;
    if (c == AGW_FO_NO_CREDENTIALS)
        agw_rlog(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(10112)
                 "fail-open (AuthGWFailOpen %s): request from %s let through"
                 " without credentials as '%s': validator '%s' is marked"
                 " down", agw_failopen_name(d->failopen), r->useragent_ip,
                 d->failopen_user, down_one);
    else
        agw_rlog(APLOG_MARK, APLOG_NOTICE, 0, r, AGWNO(10110)
                 "fail-open (AuthGWFailOpen %s): %s logon from %s let"
                 " through unauthenticated as '%s', reason %s (validator"
                 " '%s' %s)", agw_failopen_name(d->failopen), method,
                 r->useragent_ip, d->failopen_user, reason,
                 down_one ? down_one : "-",
                 c == AGW_FO_UNREACHABLE ? "could not be reached"
                                         : "is marked down");
    r->user = apr_pstrdup(r->pool, d->failopen_user);
    apr_table_setn(r->notes, AUTHGW_NOTE_FAILOPEN, reason);
    apr_table_setn(r->subprocess_env, ENV_NAME, reason);
    agw_note_logon(r, method, NULL);
    return OK;
}

int core_failopen_fixups(request_rec *r)
{
    core_dir *d = dir_of(r);
    const char *reason;

    if (d->failopen == AGW_FO_OFF || !d->failopen_header)
        return DECLINED;
    /* Only this module says a request was let through: never the client. */
    agw_strip_header(r, d->failopen_header);
    reason = apr_table_get(r->notes, AUTHGW_NOTE_FAILOPEN);
    if (reason)
        apr_table_setn(r->headers_in, d->failopen_header, reason);
    return DECLINED;
}
