/* Flood mitigation: logon attempts a minute per client address, counted in
 * the shared store so that every child and every node of a farm sees the
 * same count.  It limits addresses, never accounts: nobody is locked out by
 * someone else's attempts. */
#include "forms.h"

#include <apr_strings.h>
#include <http_log.h>

#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_forms);

#define FLOOD_NS "F"

int forms_flood_check(request_rec *r)
{
    forms_dir *d = forms_dir_of(r);
    apr_time_t now = apr_time_now();
    apr_int64_t minute = apr_time_sec(now) / 60;
    char *key;
    unsigned char v[4];
    unsigned int vl = sizeof v;
    apr_uint32_t count = 0;

    if (d->flood_limit <= 0)
        return OK;
    key = apr_psprintf(r->pool, "%s/%" APR_INT64_T_FMT, r->useragent_ip, minute);
    if (forms_core.get(r->server, FLOOD_NS, (const unsigned char *)key,
                       (unsigned int)strlen(key), v, &vl, r->pool) == APR_SUCCESS
        && vl == sizeof v)
        count = (apr_uint32_t)v[0] << 24 | (apr_uint32_t)v[1] << 16
              | (apr_uint32_t)v[2] << 8 | v[3];
    /* Not atomic: two children may both count n+1.  The limit is a brake on
     * floods, where a few lost increments do not matter. */
    count++;
    v[0] = (unsigned char)(count >> 24);
    v[1] = (unsigned char)(count >> 16);
    v[2] = (unsigned char)(count >> 8);
    v[3] = (unsigned char)count;
    forms_core.put(r->server, FLOOD_NS, (const unsigned char *)key,
                   (unsigned int)strlen(key),
                   apr_time_from_sec((minute + 1) * 60 + 5), v, sizeof v, r->pool);
    if (count <= (apr_uint32_t)d->flood_limit)
        return OK;
    if (count == (apr_uint32_t)d->flood_limit + 1)
        agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(20023)
                 "more than %d logon attempts this minute from %s: refusing"
                 " its logons until the minute ends (AuthGWFloodLimit)",
                 d->flood_limit, r->useragent_ip);
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_psprintf(r->pool, "%" APR_INT64_T_FMT,
                                (minute + 1) * 60 - apr_time_sec(now)));
    forms_core.stat(AGW_M_FORM, AGW_C_FAILURES, 1);
    return HTTP_TOO_MANY_REQUESTS;
}
