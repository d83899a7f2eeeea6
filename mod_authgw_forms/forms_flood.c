/* Flood mitigation: logon attempts a minute per client address, counted in
 * the shared store so that every child and every node of a farm sees the
 * same count.  It limits addresses, never accounts: nobody is locked out by
 * someone else's attempts.
 *
 * A form logon counts when it is posted.  A Basic client sends its
 * credentials with every request (a WebDAV client hundreds a minute), so
 * there only failures count, and the address is refused once they reach the
 * limit. */
#include "forms.h"

#include <apr_strings.h>
#include <http_log.h>

#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_forms);

#define FLOOD_NS "F"

/* The count of this minute for the client's address; with add, one more is
 * counted first. */
static apr_uint32_t flood_count(request_rec *r, apr_int64_t minute, int add)
{
    char *key = apr_psprintf(r->pool, "%s/%" APR_INT64_T_FMT, r->useragent_ip,
                             minute);
    unsigned char v[4];
    unsigned int vl = sizeof v;
    apr_uint32_t count = 0;

    if (forms_core.get(r->server, FLOOD_NS, (const unsigned char *)key,
                       (unsigned int)strlen(key), v, &vl, r->pool) == APR_SUCCESS
        && vl == sizeof v)
        count = (apr_uint32_t)v[0] << 24 | (apr_uint32_t)v[1] << 16
              | (apr_uint32_t)v[2] << 8 | v[3];
    if (!add)
        return count;
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
    return count;
}

static void flood_started(request_rec *r, int limit)
{
    agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(20023)
             "logon attempts from %s reached AuthGWFloodLimit (%d this"
             " minute): refusing its logons until the minute ends",
             r->useragent_ip, limit);
}

static int refuse(request_rec *r, apr_time_t now, apr_int64_t minute)
{
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_psprintf(r->pool, "%" APR_INT64_T_FMT,
                                (minute + 1) * 60 - apr_time_sec(now)));
    forms_core.stat(AGW_M_FORM, AGW_C_FAILURES, 1);
    return HTTP_TOO_MANY_REQUESTS;
}

int forms_flood_check(request_rec *r)
{
    int limit = forms_dir_of(r)->flood_limit;
    apr_time_t now = apr_time_now();
    apr_int64_t minute = apr_time_sec(now) / 60;
    apr_uint32_t count;

    if (limit <= 0)
        return OK;
    count = flood_count(r, minute, 1);
    if (count <= (apr_uint32_t)limit)
        return OK;
    if (count == (apr_uint32_t)limit + 1)
        flood_started(r, limit);
    return refuse(r, now, minute);
}

int forms_flood_over(request_rec *r)
{
    int limit = forms_dir_of(r)->flood_limit;
    apr_time_t now = apr_time_now();
    apr_int64_t minute = apr_time_sec(now) / 60;

    if (limit <= 0 || flood_count(r, minute, 0) < (apr_uint32_t)limit)
        return OK;
    return refuse(r, now, minute);
}

void forms_flood_failed(request_rec *r)
{
    int limit = forms_dir_of(r)->flood_limit;
    if (limit > 0
        && flood_count(r, apr_time_sec(apr_time_now()) / 60, 1)
               == (apr_uint32_t)limit)
        flood_started(r, limit);
}
