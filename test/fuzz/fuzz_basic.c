/* libFuzzer: the Authorization: Basic parser. */
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "agw_basic.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static int init;
    apr_pool_t *p;
    const char *user = NULL, *pw = NULL, *why = NULL;

    if (!init)
        init = apr_initialize() == APR_SUCCESS;
    apr_pool_create(&p, NULL);
    switch (agw_basic_parse(p, apr_pstrmemdup(p, (const char *)data, size),
                            &user, &pw, &why)) {
    case AGW_BASIC_OK:
        if (!*user || strchr(user, ':') || strlen(user) + strlen(pw) >= AGW_BASIC_MAX)
            __builtin_trap();
        break;
    case AGW_BASIC_MALFORMED:
        if (!why || user)
            __builtin_trap();
        break;
    case AGW_BASIC_NOT_BASIC:
        break;
    }
    apr_pool_destroy(p);
    return 0;
}
