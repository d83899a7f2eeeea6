#include "agw_url.h"

#include <string.h>
#include <strings.h>

int agw_return_url_ok(const char *target, const char *origin)
{
    const char *c;
    size_t olen;

    if (!target || !*target)
        return 0;
    for (c = target; *c; c++) {
        unsigned char u = (unsigned char)*c;
        if (u <= 0x20 || u == 0x7f || u == '\\')
            return 0;
    }
    if (target[0] == '/')
        return target[1] != '/';
    if (!origin || !*origin)
        return 0;
    olen = strlen(origin);
    if (strncasecmp(target, origin, olen) != 0)
        return 0;
    c = target + olen;
    return *c == '\0' || *c == '/' || *c == '?' || *c == '#';
}
