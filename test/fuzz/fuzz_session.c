/* libFuzzer: the session record decoder (records come from a shared store
 * that another node or version may have written), and the opening of the
 * delegation password it may hold. */
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
        if (s.deleg_secret_len) {
            /* a sealed password from the store, opened with some key */
            static const unsigned char key[AGW_SESSION_KEY_LEN];
            agw_session_open_password(p, key, s.deleg_secret,
                                      s.deleg_secret_len);
        }
    }
    apr_pool_destroy(p);
    return 0;
}
