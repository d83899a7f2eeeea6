#include "agw_ntlm.h"
#include "suites.h"

Suite *suite_ntlm(void)
{
    return suite_create("ntlm");
}
