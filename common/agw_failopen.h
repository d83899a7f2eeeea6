/* The fail-open policy (AuthGWFailOpen): whether a request whose
 * credentials could not be checked, or were refused, may go on
 * unauthenticated while a validator is down.  Pure decision; the store-held
 * "validator down" mark and the marking of the request are in
 * mod_authgw_core (core_failopen.c). */
#ifndef AGW_FAILOPEN_H
#define AGW_FAILOPEN_H

typedef enum {
    AGW_FO_OFF = 0, /* a validator that cannot be reached is a 503 */
    AGW_FO_SERVICE, /* pass while a validator is down, never on refused
                     * credentials */
    AGW_FO_ALL      /* while a validator is down, refused credentials pass
                     * too */
} agw_fo_policy;

/* What happened to the request at receipt. */
typedef enum {
    AGW_FO_NO_CREDENTIALS, /* it carries none (it would be asked for them) */
    AGW_FO_UNREACHABLE,    /* the validator could not be reached
                            * (AUTH_GENERAL_ERROR) */
    AGW_FO_REFUSED         /* a validator refused them (AUTH_DENIED,
                            * AUTH_USER_NOT_FOUND) */
} agw_fo_case;

/* "off", "service" or "all" in any case; -1 for anything else. */
int agw_failopen_parse(const char *s);

/* The policy's name, as AuthGWFailOpen spells it. */
const char *agw_failopen_name(agw_fo_policy p);

/* 1 when a request in case c goes on under policy p; down says whether a
 * validator of the request's location is marked unreachable (the case
 * AGW_FO_UNREACHABLE implies it). */
int agw_failopen_passes(agw_fo_policy p, agw_fo_case c, int down);

/* The mark a passed request carries (request note, environment variable,
 * header): "validator-unreachable", "no-credentials" or
 * "credentials-refused". */
const char *agw_failopen_reason(agw_fo_case c);

#endif
