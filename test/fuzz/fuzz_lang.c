/* libFuzzer: the Accept-Language matcher (client input on every logon page)
 * and the strings-file parser, on the same bytes. */
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "agw_lang.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const char *const avail[] = { "en", "de", "fr", "pt-BR", "zh-Hant" };
    static int init;
    apr_pool_t *p;
    apr_table_t *t;
    char *header;
    int i, line;

    if (!init)
        init = apr_initialize() == APR_SUCCESS;
    apr_pool_create(&p, NULL);
    header = apr_pstrmemdup(p, (const char *)data, size);
    i = agw_lang_choose(header, avail, 5);
    if (i < -1 || i >= 5)
        __builtin_trap();
    t = apr_table_make(p, 4);
    if (!agw_strings_parse(p, (const char *)data, size, "text.", t, &line)) {
        const apr_array_header_t *a = apr_table_elts(t);
        const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
        for (i = 0; i < a->nelts; i++)
            if (strncmp(e[i].key, "text.", 5) || strlen(e[i].val) > size)
                __builtin_trap();
    }
    apr_pool_destroy(p);
    return 0;
}
