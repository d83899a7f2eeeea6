/* libFuzzer: the session record decoder (records come from a shared store
 * that another node or version may have written). */
#include <apr_general.h>

#include "agw_session.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static int init;
    apr_pool_t *p;
    agw_session s;
    unsigned char again[AGW_SESSION_MAX];

    if (!init)
        init = apr_initialize() == APR_SUCCESS;
    apr_pool_create(&p, NULL);
    if (agw_session_decode(p, data, size, &s) == 0) {
        /* what decodes re-encodes to the same bytes */
        size_t n = agw_session_encode(&s, again, sizeof again);
        if (n != size || __builtin_memcmp(again, data, n))
            __builtin_trap();
        agw_session_check(&s, 0, 10);
    }
    apr_pool_destroy(p);
    return 0;
}
