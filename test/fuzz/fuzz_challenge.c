/* libFuzzer: the auth-schemes of a challenge header value, as a published
 * server sends it back through the gateway. */
#include <apr_general.h>
#include <apr_strings.h>

#include "agw_challenge.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static int init;
    apr_pool_t *p;
    const char *list = NULL;

    if (!init)
        init = apr_initialize() == APR_SUCCESS;
    apr_pool_create(&p, NULL);
    agw_challenge_schemes(p, apr_pstrmemdup(p, (const char *)data, size),
                          &list);
    agw_challenge_offers(list, "Basic");
    apr_pool_destroy(p);
    return 0;
}
