#include "agw_radius.h"
#include "suites.h"

Suite *suite_radius(void)
{
    return suite_create("radius");
}
