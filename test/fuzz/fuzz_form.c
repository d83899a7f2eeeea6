/* libFuzzer: the x-www-form-urlencoded parser (logon bodies, query strings). */
#include <string.h>

#include <apr_general.h>

#include "agw_form.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static int init;
    apr_pool_t *p;
    apr_table_t *t;

    if (!init)
        init = apr_initialize() == APR_SUCCESS;
    apr_pool_create(&p, NULL);
    if (!agw_form_parse(p, (const char *)data, size, AGW_FORM_MAX_FIELDS, &t)) {
        /* every value is a NUL-free C string */
        const apr_array_header_t *a = apr_table_elts(t);
        const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
        int i;
        for (i = 0; i < a->nelts; i++)
            if (strlen(e[i].key) > size || strlen(e[i].val) > size)
                __builtin_trap();
    }
    apr_pool_destroy(p);
    return 0;
}
