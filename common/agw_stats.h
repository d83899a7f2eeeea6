/* Per-method counters kept in shared memory by mod_authgw_core.
 *
 * Receipt methods (how credentials arrive) and validators (who checks them)
 * share one table; mod_status shows it as "AuthGW<Method><Counter>: N". */
#ifndef AGW_STATS_H
#define AGW_STATS_H

typedef enum {
    AGW_M_FORM = 0,
    AGW_M_BASIC,
    AGW_M_NTLM,
    AGW_M_NEGOTIATE,
    AGW_M_SESSION,   /* requests admitted by an SSO session cookie */
    AGW_M_PROVIDER,  /* Apache authn providers called from the form */
    AGW_M_RADIUS,    /* the radius provider */
    AGW_M_LDAP,      /* the authgw-ldap provider */
    AGW_M_KERBEROS,  /* the authgw-kerberos provider */
    AGW_M_DELEGATE,  /* delegation to published servers: Attempts are
                      * requests sent with delegated credentials,
                      * Successes those the server accepted, Failures
                      * those it refused (the user is asked again), Errors
                      * the alerts: a server asked for authentication the
                      * rule does not delegate */
    AGW_M_COUNT
} agw_method;

typedef enum {
    AGW_C_ATTEMPTS = 0,
    AGW_C_SUCCESSES,
    AGW_C_FAILURES,
    AGW_C_ERRORS,     /* the validator could not be reached or failed */
    AGW_C_LATENCY_US, /* total microseconds spent in the validator */
    AGW_C_COUNT
} agw_counter;

extern const char *const agw_method_names[AGW_M_COUNT];
extern const char *const agw_counter_names[AGW_C_COUNT];

#endif
