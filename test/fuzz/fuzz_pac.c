/* libFuzzer: the PAC's KERB_VALIDATION_INFO decoder (agw_pac) on any bytes
 * (a ticket's PAC is the KDC's, checked by its signature, but the decoder
 * must not trust that).  Invariants: what decodes has names, SIDs of at most
 * 15 sub-authorities, no more groups than the buffer could hold, and every
 * SID prints. */
#include <string.h>

#include <apr_general.h>

#include "agw_pac.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static int init;
    apr_pool_t *p;
    agw_pac_logon li;
    agw_pac_status st;
    size_t i;

    if (!init)
        init = apr_initialize() == APR_SUCCESS;
    apr_pool_create(&p, NULL);
    st = agw_pac_logon_info(p, data, size, &li);
    CHECK(*agw_pac_reason(st));
    if (st == AGW_PAC_OK) {
        CHECK(li.user && li.domain);
        CHECK(li.n_groups <= size / 8);
        CHECK(li.domain_sid.n <= AGW_SID_MAX_SUBAUTH);
        CHECK(*agw_sid_text(p, &li.domain_sid) == 'S');
        for (i = 0; i < li.n_groups; i++) {
            CHECK(li.groups[i].revision == 1);
            CHECK(li.groups[i].n <= AGW_SID_MAX_SUBAUTH);
            CHECK(*agw_sid_text(p, &li.groups[i]) == 'S');
        }
    }
    apr_pool_destroy(p);
    return 0;
}
