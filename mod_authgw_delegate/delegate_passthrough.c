/* AuthGWDelegate passthrough ("no delegation, but the client may
 * authenticate directly"): the client's Authorization goes to the published
 * server as the client sent it, even when a receipt module stripped it, and
 * the server's challenges go back to the client untouched (no response
 * filter).  Proxy-Authorization and the gateway's cookies stay stripped:
 * they were for the gateway. */
#include "delegate.h"

void deleg_passthrough_request(request_rec *r, deleg_req *q)
{
    if (q->client_authz)
        apr_table_setn(r->headers_in, "Authorization", q->client_authz);
}
