/* The directory validator's pure logic (authgw-ldap): how a user name
 * becomes a directory search, RFC 4515 filter escaping, DN comparison, what
 * Active Directory's answers mean (bind diagnostics, password-policy
 * refusals, FILETIME values, SIDs), and AD's unicodePwd encoding of a new
 * password.  No httpd and no libldap here: the core's core_ldap*.c do the
 * talking. */
#ifndef AGW_LDAP_H
#define AGW_LDAP_H

#include <stddef.h>

#include <apr_pools.h>

/* Longest user name (and DN) looked up, in bytes. */
#define AGW_LDAP_NAME_MAX 1024

typedef enum {
    AGW_LDAP_AD = 0,  /* Active Directory (and Samba AD) */
    AGW_LDAP_GENERIC  /* any LDAPv3 directory (OpenLDAP, 389-ds, ...) */
} agw_ldap_kind;

/* RFC 4515 §3 escaping of an assertion value: '*', '(', ')', '\' and every
 * byte outside printable ASCII become \XX, so no value can change the
 * filter's structure.  NUL-terminated, from p. */
char *agw_ldap_escape(apr_pool_t *p, const char *v, size_t len);

/* The forms of a user name. */
typedef enum {
    AGW_LDAP_NAME_PLAIN = 0, /* alice */
    AGW_LDAP_NAME_DOMAIN,    /* GW\alice (NetBIOS domain, account) */
    AGW_LDAP_NAME_UPN,       /* alice@gw.test (user principal name) */
    AGW_LDAP_NAME_DN         /* CN=alice,CN=Users,DC=gw,DC=test */
} agw_ldap_name_form;

typedef struct {
    agw_ldap_name_form form;
    const char *name;   /* the whole name as given */
    const char *user;   /* the account part (PLAIN, DOMAIN, UPN) */
    const char *domain; /* GW or gw.test (DOMAIN, UPN), else NULL */
} agw_ldap_name;

/* Reads a user name: a DN when it starts with "attribute=", else
 * DOMAIN\user (first backslash), else user@realm (last '@'), else plain.
 * Returns NULL, or why it is not a name (empty, empty part, control
 * characters, longer than AGW_LDAP_NAME_MAX, a malformed DN). */
const char *agw_ldap_parse_name(apr_pool_t *p, const char *name,
                                agw_ldap_name *out);

/* What the search needs to know of one directory. */
typedef struct {
    agw_ldap_kind kind;
    const char *base;        /* search base ("" allowed: a global catalog) */
    const char *user_attr;   /* sAMAccountName (ad) or uid (generic) */
    const char *user_filter; /* ANDed with the name's match */
    const char *const *domains; /* NULL-terminated: NetBIOS and DNS names of
                                   this directory's domain (DOMAIN\ and
                                   @realm that mean "an account here") */
} agw_ldap_dirinfo;

/* The search that finds a user's entry. */
typedef struct {
    const char *base;
    int scope_base;        /* 1: read the entry named base (a DN was given) */
    const char *filter;
    const char *bind_name; /* AD: the name to bind with before the entry is
                              known (AuthGWLDAPBind user); NULL for generic */
} agw_ldap_search;

/* How a name is looked up:
 *   AD:      plain and DOMAIN\user -> (user_attr=user), DOMAIN one of ours;
 *            user@realm -> (userPrincipalName=user@realm), or also
 *            (user_attr=user) when realm is one of ours (the implicit UPN);
 *            a DN -> that entry (scope base), when it lies under base.
 *   generic: the whole name -> (user_attr=name); a DN as for AD.
 * Every match is ANDed with user_filter.  Returns NULL, or why this
 * directory does not hold that name (another domain, outside the base). */
const char *agw_ldap_user_search(apr_pool_t *p, const agw_ldap_dirinfo *d,
                                 const agw_ldap_name *n, agw_ldap_search *out);

/* 1 when dn lies at or under base (RFC 4514 DNs compared by attribute type
 * and value, case-insensitively, escapes and spaces around them
 * normalised); 0 when not; -1 when either is malformed. */
int agw_ldap_dn_under(apr_pool_t *p, const char *dn, const char *base);

/* The DNS name and the first label of a base's trailing DC= components:
 * "OU=x,DC=gw,DC=test" -> { "gw.test", "gw", NULL }.  An empty list when
 * there are none (or base is malformed). */
const char *const *agw_ldap_base_domains(apr_pool_t *p, const char *base);

/* 1 when f looks like one LDAP filter: "(...)" with balanced, unescaped
 * parentheses, no empty "()" and no control characters.  For
 * configuration checks; the server has the final word. */
int agw_ldap_filter_ok(const char *f);

/* Active Directory's account states, from the "data XXX" code in the
 * diagnostic message of a refused bind, e.g. "80090308: LdapErr:
 * DSID-0C0903A9, comment: AcceptSecurityContext error, data 52e, v1db1". */
typedef enum {
    AGW_AD_UNKNOWN = 0,      /* no data code */
    AGW_AD_NO_SUCH_USER,     /* 525 */
    AGW_AD_BAD_PASSWORD,     /* 52e */
    AGW_AD_LOGON_HOURS,      /* 530 */
    AGW_AD_WORKSTATION,      /* 531 */
    AGW_AD_PASSWORD_EXPIRED, /* 532 */
    AGW_AD_DISABLED,         /* 533 */
    AGW_AD_ACCOUNT_EXPIRED,  /* 701 */
    AGW_AD_MUST_CHANGE,      /* 773 */
    AGW_AD_LOCKED,           /* 775 */
    AGW_AD_OTHER             /* a data code not listed here */
} agw_ad_state;

agw_ad_state agw_ad_bind_state(const char *diag);

/* A short reason for log lines: "bad-password", "no-such-user",
 * "logon-hours", "workstation", "password-expired", "disabled",
 * "account-expired", "must-change", "locked", "refused". */
const char *agw_ad_state_reason(agw_ad_state s);

/* The AUTHGW_NOTE_ACCOUNT value (authgw.h) of a state, or NULL: only the
 * states AD reports after it has checked the password, so a stranger
 * learns nothing about an account.  AD (and Samba) answer 775 "locked"
 * whatever the password, so it has no note. */
const char *agw_ad_state_note(agw_ad_state s);

/* 1 when a password change may go through the service account: AD refused
 * the user's own bind because the password must be changed. */
int agw_ad_state_needs_change(agw_ad_state s);

/* An AD large integer (decimal, 100 ns since 1601-01-01 UTC, as in
 * msDS-UserPasswordExpiryTimeComputed) in seconds since the epoch: 1 and
 * *secs set; 0 for "never" (0 or 0x7FFFFFFFFFFFFFFF); -1 when malformed or
 * before 1970. */
int agw_ad_filetime(const char *s, size_t len, long long *secs);

/* Why a directory refused a new password, from its diagnostic message:
 * "too-short", "complexity", "history", "min-age" or "policy" (the
 * AUTHGW_NOTE_PASSWORD_REFUSED values), or AGW_LDAP_WRONG_CURRENT when the
 * current password given was wrong (AD's 00000056). */
#define AGW_LDAP_WRONG_CURRENT "wrong-current"
const char *agw_ldap_pw_refusal(const char *diag);

/* AD's unicodePwd value: the password in double quotes, as UTF-16LE.
 * Returns 0 and *out (from p, *outlen bytes), or -1 when pw is not valid
 * UTF-8 (overlong forms, surrogates, beyond U+10FFFF) or holds a NUL.  The
 * caller wipes *out after use. */
int agw_ad_unicode_pwd(apr_pool_t *p, const char *pw, size_t len,
                       unsigned char **out, size_t *outlen);

/* The escaped filter value of the SID of a user's primary group: the
 * user's objectSid (binary) with its last sub-authority replaced by rid
 * (primaryGroupID).  NULL when sid is malformed. */
char *agw_ad_group_sid(apr_pool_t *p, const unsigned char *sid, size_t len,
                       unsigned long rid);

#endif
