/* "Require authgw-group NAME [NAME ...]": granted when the user is in one of
 * the groups, as the validator that ran reported them (RADIUS Filter-Id and
 * Class, directory groups, Kerberos ticket groups), carried in the session
 * and handed over in the AUTHGW_NOTE_GROUPS request note. */
#include "core.h"

#include <string.h>

#include <apr_strings.h>
#include <http_log.h>
#include <mod_auth.h>

#include "agw_logno.h"

APLOG_USE_MODULE(authgw_core);

static int in_groups(const char *groups, const char *name, size_t n)
{
    const char *g = groups;
    while (g && *g) {
        const char *nl = strchr(g, '\n');
        size_t len = nl ? (size_t)(nl - g) : strlen(g);
        if (len == n && !strncasecmp(g, name, n))
            return 1;
        g = nl ? nl + 1 : NULL;
    }
    return 0;
}

static authz_status group_check(request_rec *r, const char *require_line,
                                const void *parsed)
{
    const char *groups = apr_table_get(r->notes, AUTHGW_NOTE_GROUPS);
    const char *t = require_line, *w;
    (void)parsed;

    if (!r->user)
        return AUTHZ_DENIED_NO_USER;
    while (*(w = ap_getword_conf(r->pool, &t)))
        if (in_groups(groups, w, strlen(w)))
            return AUTHZ_GRANTED;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, AGWNO(10011)
                  "user '%s' is in none of the groups '%s'",
                  ap_escape_logitem(r->pool, r->user), require_line);
    return AUTHZ_DENIED;
}

const authz_provider core_group_provider = {
    group_check,
    NULL
};
