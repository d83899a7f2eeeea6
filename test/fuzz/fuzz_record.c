/* libFuzzer: the store record decoder (records come from a shared store). */
#include <string.h>

#include <apr_general.h>

#include "agw_record.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static int init;
    apr_pool_t *p;
    const char *out[4];
    unsigned char again[AGW_RECORD_MAX];

    if (!init)
        init = apr_initialize() == APR_SUCCESS;
    apr_pool_create(&p, NULL);
    if (size > 0 && agw_record_decode(p, data[0], data, size, out, 4) == 0) {
        size_t n = agw_record_encode(data[0], out, 4, again, sizeof again);
        if (n != size || memcmp(again, data, n))
            __builtin_trap();
    }
    apr_pool_destroy(p);
    return 0;
}
