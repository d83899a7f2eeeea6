/* libFuzzer: what a published server sends the gateway's NTLM client: its
 * challenge header value, status line, header lines, and (as the CHALLENGE
 * message) the bytes of the token; and a request head rewritten. */
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "agw_challenge.h"
#include "agw_ntlmcli.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const char *const drop[] = { "Authorization", "Connection", NULL };
    static int init;
    apr_pool_t *p;
    const char *s, *n, *v;
    unsigned char neg[64], *out;
    size_t nn, outlen;

    if (!init)
        init = apr_initialize() == APR_SUCCESS;
    apr_pool_create(&p, NULL);
    s = apr_pstrmemdup(p, (const char *)data, size);
    agw_challenge_token(p, s, "NTLM");
    agw_http_status_line((const char *)data, size);
    agw_http_header_line(p, (const char *)data, size, &n, &v);
    if (agw_http_head_end((const char *)data, size) == size)
        agw_http_head_rewrite(p, (const char *)data, size, "HEAD", drop,
                              "Authorization: NTLM x\r\n", &outlen);
    if (agw_ntlmcli_negotiate(neg, sizeof neg, &nn) == AGW_NTLM_OK)
        agw_ntlmcli_authenticate(p, neg, nn, data, size, "user", "DOMAIN",
                                 "password", "HTTP/web", 0, &out, &outlen);
    apr_pool_destroy(p);
    return 0;
}
