/* libFuzzer: the Cookie header parser and the session-cookie opening path
 * (base64url, then AES-GCM unsealing), fed with any header. */
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "agw_b64.h"
#include "agw_cookie.h"
#include "agw_seal.h"
#include "agw_session.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static int init;
    static agw_keyring kr;
    static const char secret[] = "fuzzing-secret-of-at-least-32-characters";
    const char *names[] = { "AuthGWSession", "AuthGWPre", NULL };
    apr_pool_t *p;
    apr_array_header_t *vals;
    char *h;
    int i;

    if (!init) {
        apr_initialize();
        agw_keyring_add(&kr, secret, sizeof secret - 1);
        init = 1;
    }
    apr_pool_create(&p, NULL);
    h = apr_pstrmemdup(p, (const char *)data, size);
    vals = apr_array_make(p, 2, sizeof(char *));
    agw_cookie_values(p, h, "AuthGWSession", vals);
    for (i = 0; i < vals->nelts; i++) {
        const char *v = APR_ARRAY_IDX(vals, i, const char *);
        unsigned char raw[128], sid[AGW_SID_LEN];
        size_t n, m;
        if (agw_b64_decode(v, strlen(v), raw, sizeof raw, &n) == 0
            && agw_unseal(&kr, AGW_SESSION_PURPOSE, raw, n, sid, sizeof sid, &m)
                   == AGW_SEAL_OK)
            __builtin_trap(); /* nothing forged opens */
    }
    agw_cookie_strip(p, h, names);
    apr_pool_destroy(p);
    return 0;
}
