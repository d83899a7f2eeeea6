#include "agw_failopen.h"

#include <stddef.h>
#include <strings.h>

static const char *const names[] = { "off", "service", "all" };

int agw_failopen_parse(const char *s)
{
    int i;
    for (i = 0; s && i < (int)(sizeof names / sizeof names[0]); i++)
        if (!strcasecmp(s, names[i]))
            return i;
    return -1;
}

const char *agw_failopen_name(agw_fo_policy p)
{
    return p >= AGW_FO_OFF && p <= AGW_FO_ALL ? names[p] : "off";
}

int agw_failopen_passes(agw_fo_policy p, agw_fo_case c, int down)
{
    switch (c) {
    case AGW_FO_UNREACHABLE:
        return p != AGW_FO_OFF;
    case AGW_FO_NO_CREDENTIALS:
        return p != AGW_FO_OFF && down;
    case AGW_FO_REFUSED:
        /* Outside an outage a wrong password is refused under any policy:
         * "all" widens what passes during an outage, it never opens a
         * healthy gateway. */
        return p == AGW_FO_ALL && down;
    }
    return 0;
}

const char *agw_failopen_reason(agw_fo_case c)
{
    switch (c) {
    case AGW_FO_UNREACHABLE: return "validator-unreachable";
    case AGW_FO_NO_CREDENTIALS: return "no-credentials";
    case AGW_FO_REFUSED: return "credentials-refused";
    }
    return "unknown";
}
