/* The UDP exchange: servers in order, each tried 1 + retries times with the
 * same packet (same identifier and authenticator, as RFC 5080 §2.2.1 asks of
 * retransmissions), a silent server held down for AuthGWRadiusDeadTime.
 *
 * Each exchange has its own connected socket: the kernel drops datagrams from
 * any other address, and a reply that fails the codec's checks is logged and
 * ignored while we keep waiting, so a forged packet cannot cut a genuine
 * exchange short. */
#include "radius.h"

#include <string.h>

#include <apr_network_io.h>
#include <apr_strings.h>
#include <http_log.h>

#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_radius);

#define DEAD_NS "R"

static int held_down(request_rec *r, const radius_server *srv)
{
    unsigned char v[8];
    unsigned int vl = sizeof v;
    return radius_core.get(r->server, DEAD_NS, (const unsigned char *)srv->name,
                           (unsigned int)strlen(srv->name), v, &vl, r->pool)
        == APR_SUCCESS;
}

static void hold_down(request_rec *r, const radius_dir *d,
                      const radius_server *srv)
{
    if (d->dead_time > 0)
        radius_core.put(r->server, DEAD_NS, (const unsigned char *)srv->name,
                        (unsigned int)strlen(srv->name),
                        apr_time_now() + apr_time_from_sec(d->dead_time),
                        (const unsigned char *)"1", 1, r->pool);
}

/* 1 when srv gave a verified reply, 0 when it was silent or unusable. */
static int ask(request_rec *r, const radius_server *srv,
               agw_radius_request *rq, agw_radius_reply *reply)
{
    unsigned char pkt[AGW_RADIUS_MAX_LEN], buf[AGW_RADIUS_MAX_LEN];
    apr_sockaddr_t *sa;
    apr_socket_t *sock;
    agw_radius_pending pending;
    agw_radius_status st;
    apr_status_t rv;
    size_t plen;
    int attempt;

    rv = apr_sockaddr_info_get(&sa, srv->host, APR_UNSPEC, srv->port, 0, r->pool);
    if (rv == APR_SUCCESS)
        rv = apr_socket_create(&sock, sa->family, SOCK_DGRAM, APR_PROTO_UDP,
                               r->pool);
    if (rv == APR_SUCCESS)
        rv = apr_socket_connect(sock, sa);
    if (rv != APR_SUCCESS) {
        agw_rlog(APLOG_MARK, APLOG_ERR, rv, r, AGWNO(40001)
                 "RADIUS server %s cannot be reached (address or socket);"
                 " check AuthGWRadiusServer", srv->name);
        return 0;
    }
    if (agw_random(&rq->id, 1))
        return 0;
    rq->authenticator = NULL;
    st = agw_radius_build_request(rq, srv->secret, srv->secret_len, pkt,
                                  sizeof pkt, &plen, &pending);
    if (st != AGW_RADIUS_OK) {
        agw_rlog(APLOG_MARK, APLOG_ERR, 0, r, AGWNO(40002)
                 "cannot build the Access-Request for %s: %s",
                 srv->name, agw_radius_reason(st));
        apr_socket_close(sock);
        return 0;
    }
    for (attempt = 0; attempt <= srv->retries; attempt++) {
        apr_time_t deadline = apr_time_now() + srv->timeout;
        apr_size_t n = plen;
        rv = apr_socket_send(sock, (const char *)pkt, &n);
        while (rv == APR_SUCCESS) {
            apr_interval_time_t left = deadline - apr_time_now();
            if (left <= 0)
                break;
            apr_socket_timeout_set(sock, left);
            n = sizeof buf;
            rv = apr_socket_recv(sock, (char *)buf, &n);
            if (rv != APR_SUCCESS)
                break;
            st = agw_radius_decode_reply(r->pool, &pending, srv->secret,
                                         srv->secret_len, buf, n, reply);
            if (st == AGW_RADIUS_OK) {
                apr_socket_close(sock);
                return 1;
            }
            agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(40003)
                     "a reply from RADIUS server %s was refused: %s; check"
                     " the shared secret, or someone is forging replies",
                     srv->name, agw_radius_reason(st));
        }
        if (rv != APR_SUCCESS && !APR_STATUS_IS_TIMEUP(rv)) {
            /* e.g. ECONNREFUSED: nothing listens there; do not wait */
            agw_rlog(APLOG_MARK, APLOG_WARNING, rv, r, AGWNO(40004)
                     "RADIUS server %s refused the datagram", srv->name);
            break;
        }
    }
    apr_socket_close(sock);
    return 0;
}

radius_result radius_exchange(request_rec *r, const radius_dir *d,
                              agw_radius_request *rq, agw_radius_reply *reply,
                              const char **server)
{
    const radius_server *list = (const radius_server *)d->servers->elts;
    char *tried = apr_pcalloc(r->pool, (apr_size_t)d->servers->nelts);
    int pass, i;

    /* First the servers not held down, then, when none of them answered,
     * the held-down ones: a dead-time never turns a working server away. */
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < d->servers->nelts; i++) {
            const radius_server *srv = &list[i];
            if (tried[i] || (pass == 0 && held_down(r, srv)))
                continue;
            tried[i] = 1;
            *server = srv->name;
            if (ask(r, srv, rq, reply)) {
                if (pass == 1)
                    radius_core.del(r->server, DEAD_NS,
                                    (const unsigned char *)srv->name,
                                    (unsigned int)strlen(srv->name), r->pool);
                return RADIUS_ANSWERED;
            }
            agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(40005)
                     "RADIUS server %s did not answer in time (%d tries);"
                     " trying the next one", srv->name, srv->retries + 1);
            hold_down(r, d, srv);
        }
    }
    return RADIUS_NO_SERVER;
}
