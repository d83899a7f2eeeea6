/* AuthGWDelegate kcd: internal declarations shared by delegate_kcd.c (the
 * request) and delegate_kcd_cache.c (the per-process credential cache). */
#ifndef AGW_DELEGATE_KCD_H
#define AGW_DELEGATE_KCD_H

#include <apr_pools.h>
#include <apr_time.h>
#include <gssapi/gssapi.h>
#include <krb5.h>

#include <httpd.h>

/* Entries per process; the least recently used goes first when it is
 * full.  An entry is a user's impersonated credentials with the service
 * tickets got so far: some kilobytes. */
#define KCD_CACHE_MAX 1024
/* krb5 contexts kept for reuse per process (about one per busy thread) */
#define KCD_CONTEXTS_MAX 64

typedef struct kcd_cred kcd_cred;

/* At child start: the lock and the table; the cached credentials are
 * released when p goes (the child exits). */
void kcd_cache_init(apr_pool_t *p);

/* The entry for key while it is good at now (taken: give it back with
 * kcd_cache_release), or NULL.  Expired entries are dropped. */
kcd_cred *kcd_cache_get(const char *key, apr_time_t now);

/* Stores cred (the cache owns it from now on) under key until until, and
 * returns its entry, taken.  When another thread stored the key meanwhile,
 * cred is released and that entry is returned.  *count is the number of
 * entries after the store. */
kcd_cred *kcd_cache_put(const char *key, gss_cred_id_t cred,
                        const char *principal, apr_time_t until,
                        unsigned int *count);

/* Gives a taken entry back. */
void kcd_cache_release(kcd_cred *e);

/* Takes e out of the cache (its credentials failed); still give it back. */
void kcd_cache_forget(kcd_cred *e);

gss_cred_id_t kcd_cred_handle(const kcd_cred *e);

/* The user's service ticket for spn kept with e, or NULL; valid while e is
 * taken (a ticket is never replaced: e ends no later than its tickets). */
const krb5_creds *kcd_cred_ticket(kcd_cred *e, const char *spn);
/* Keeps creds (the entry owns it from now on) as the ticket for spn, and
 * makes e end no later than until. */
void kcd_cred_keep_ticket(kcd_cred *e, const char *spn, krb5_creds *creds,
                          apr_time_t until);

/* A krb5 context for this thread's use, from a small pool (contexts must
 * not be shared between threads; making one costs a profile lookup), or
 * NULL; give it back with kcd_context_give. */
krb5_context kcd_context_take(void);
void kcd_context_give(krb5_context c);
/* The user's principal, as the entry was made for. */
const char *kcd_cred_principal(const kcd_cred *e);

/* Once per process and gateway identity (keytab, principal): the memory
 * credential cache that holds the gateway's own TGT, and the principal the
 * gateway asks for it as.  NULL *principal: look it up (the caller then
 * stores it with kcd_identity_set).  Under the cache's lock. */
typedef struct {
    const char *ccache;     /* "MEMORY:authgw-kcd-N" */
    const char *principal;  /* NULL until known */
} kcd_identity;
kcd_identity kcd_identity_get(const char *id);
void kcd_identity_set(const char *id, const char *principal);

/* krb5.conf's default realm, looked up once per process (NULL: none). */
const char *kcd_default_realm(void);

/* Shared with AuthGWDelegate negotiate (delegate_kcd.c): the user's
 * principal and the published server's SPN, with a realm (OK; DECLINED:
 * the user is not delegated; else the status, logged); and "Negotiate
 * <SPNEGO>" with a fresh authenticator from the service ticket t (OK, or
 * DECLINED when it makes none). */
int deleg_krb_target(request_rec *r, const char **user, const char **spn);
int deleg_krb_token(request_rec *r, const char *user, const char *spn,
                    const krb5_creds *t, const char **value);

#endif
