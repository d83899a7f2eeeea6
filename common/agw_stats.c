#include "agw_stats.h"

const char *const agw_method_names[AGW_M_COUNT] = {
    "Form", "Basic", "NTLM", "Negotiate", "Session", "Provider", "Radius",
    "LDAP", "Kerberos", "Delegate"
};

const char *const agw_counter_names[AGW_C_COUNT] = {
    "Attempts", "Successes", "Failures", "Errors", "LatencyMicroseconds"
};
