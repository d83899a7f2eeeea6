/* The per-process cache of AuthGWDelegate kcd: each user's impersonated
 * credentials (the S4U2Self ticket, a copy of the gateway's TGT, and the
 * S4U2Proxy service tickets MIT's GSSAPI adds as they are asked for), and
 * a copy of each service ticket for making tokens without GSSAPI, kept
 * until the first of them ends, so that a request of a known user makes
 * no exchange with the KDC.
 *
 * Why per process, not in shared memory: the credentials are live GSSAPI
 * handles over memory credential caches, which cannot be shared between
 * processes; each child fills its own at the cost of one S4U2Self per user
 * and SPN.  Bounded (KCD_CACHE_MAX, least recently used out first) and
 * guarded by one mutex for the threads of a child; entries are counted
 * references, so one evicted while another thread uses it is released by
 * the last user.  The KDC exchanges themselves run outside the lock. */
#include "delegate_kcd.h"

#include <stdlib.h>
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <krb5.h>

typedef struct kcd_ticket {
    struct kcd_ticket *next;
    krb5_creds *creds;
    char spn[];
} kcd_ticket;

struct kcd_cred {
    kcd_cred *prev, *next;  /* most recently used first */
    gss_cred_id_t cred;
    kcd_ticket *tickets;
    apr_time_t until;
    unsigned int refs;      /* 1 while cached, +1 per taker */
    int cached;
    char *principal;        /* in the same allocation as key */
    size_t keylen;
    char key[];
};

static struct {
    apr_thread_mutex_t *lock;
    apr_hash_t *map;        /* key -> kcd_cred */
    kcd_cred *head, *tail;
    unsigned int count;
    apr_pool_t *pool;       /* the child's: identities, default realm */
    apr_hash_t *ids;        /* identity -> kcd_identity */
    unsigned int next_id;
    int realm_known;
    const char *realm;
    /* Held for the child's life, never used for an exchange: MIT's profile
     * library drops the parsed krb5.conf when the last context that uses it
     * goes, and GSSAPI makes a context per call, so without this one every
     * request read krb5.conf four times (a third of a warm request's cost). */
    krb5_context keep;
    krb5_context contexts[KCD_CONTEXTS_MAX];  /* free for the taking */
    unsigned int ncontexts;
} cache;

static void free_ticket(kcd_ticket *t)
{
    /* MIT's free functions do not use the context */
    krb5_free_creds(cache.keep, t->creds);
    free(t);
}

static void destroy(kcd_cred *e)
{
    OM_uint32 min;
    while (e->tickets) {
        kcd_ticket *t = e->tickets;
        e->tickets = t->next;
        free_ticket(t);
    }
    if (e->cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&min, &e->cred);
    free(e);
}

/* Destroys a list of entries chained by next, outside the lock. */
static void destroy_all(kcd_cred *dead)
{
    while (dead) {
        kcd_cred *next = dead->next;
        destroy(dead);
        dead = next;
    }
}

/* Under the lock: drops a reference; an entry nobody holds any more goes
 * on *dead. */
static void unref(kcd_cred *e, kcd_cred **dead)
{
    if (--e->refs == 0) {
        e->next = *dead;
        *dead = e;
    }
}

/* Under the lock: takes e out of the table and the order. */
static void unlink_entry(kcd_cred *e, kcd_cred **dead)
{
    if (!e->cached)
        return;
    e->cached = 0;
    apr_hash_set(cache.map, e->key, (apr_ssize_t)e->keylen, NULL);
    if (e->prev)
        e->prev->next = e->next;
    else
        cache.head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        cache.tail = e->prev;
    e->prev = e->next = NULL;
    cache.count--;
    unref(e, dead);
}

static void to_front(kcd_cred *e)
{
    if (cache.head == e)
        return;
    e->prev->next = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        cache.tail = e->prev;
    e->prev = NULL;
    e->next = cache.head;
    cache.head->prev = e;
    cache.head = e;
}

static apr_status_t clear_all(void *unused)
{
    kcd_cred *dead = NULL;
    (void)unused;
    while (cache.head)
        unlink_entry(cache.head, &dead);
    destroy_all(dead);
    cache.map = NULL;
    while (cache.ncontexts)
        krb5_free_context(cache.contexts[--cache.ncontexts]);
    if (cache.keep)
        krb5_free_context(cache.keep);
    cache.keep = NULL;
    return APR_SUCCESS;
}

void kcd_cache_init(apr_pool_t *p)
{
    memset(&cache, 0, sizeof cache);
    cache.pool = p;
    cache.ids = apr_hash_make(p);
    /* Without a lock (APR built without threads: no threads to guard
     * against either) the table is still made; the cleanup below runs
     * before the mutex's own, which was registered first. */
    if (apr_thread_mutex_create(&cache.lock, APR_THREAD_MUTEX_DEFAULT, p)
        != APR_SUCCESS)
        cache.lock = NULL;
    cache.map = apr_hash_make(p);
    if (krb5_init_context(&cache.keep))
        cache.keep = NULL;  /* no krb5.conf: kcd's requests will say so */
    apr_pool_cleanup_register(p, NULL, clear_all, apr_pool_cleanup_null);
}

static void lock(void)
{
    if (cache.lock)
        apr_thread_mutex_lock(cache.lock);
}

static void unlock(void)
{
    if (cache.lock)
        apr_thread_mutex_unlock(cache.lock);
}

kcd_cred *kcd_cache_get(const char *key, apr_time_t now)
{
    kcd_cred *e, *dead = NULL;

    lock();
    e = apr_hash_get(cache.map, key, APR_HASH_KEY_STRING);
    if (e && e->until <= now) {
        unlink_entry(e, &dead);
        e = NULL;
    }
    else if (e) {
        to_front(e);
        e->refs++;
    }
    unlock();
    destroy_all(dead);
    return e;
}

kcd_cred *kcd_cache_put(const char *key, gss_cred_id_t cred,
                        const char *principal, apr_time_t until,
                        unsigned int *count)
{
    size_t kl = strlen(key), pl = strlen(principal);
    kcd_cred *e = calloc(1, sizeof *e + kl + 1 + pl + 1), *old, *dead = NULL;
    OM_uint32 min;

    if (!e) {
        gss_release_cred(&min, &cred);
        return NULL;
    }
    memcpy(e->key, key, kl + 1);
    e->keylen = kl;
    e->principal = e->key + kl + 1;
    memcpy(e->principal, principal, pl + 1);
    e->cred = cred;
    e->until = until;
    lock();
    old = apr_hash_get(cache.map, key, APR_HASH_KEY_STRING);
    if (old && old->until > apr_time_now()) {
        /* another thread was quicker: its entry serves, ours goes */
        old->refs++;
        to_front(old);
        e->next = dead;
        dead = e;
        e = old;
    }
    else {
        if (old)
            unlink_entry(old, &dead);
        e->refs = 2;
        e->cached = 1;
        e->next = cache.head;
        if (cache.head)
            cache.head->prev = e;
        cache.head = e;
        if (!cache.tail)
            cache.tail = e;
        apr_hash_set(cache.map, e->key, (apr_ssize_t)e->keylen, e);
        cache.count++;
        while (cache.count > KCD_CACHE_MAX)
            unlink_entry(cache.tail, &dead);
    }
    *count = cache.count;
    unlock();
    destroy_all(dead);
    return e;
}

void kcd_cache_release(kcd_cred *e)
{
    kcd_cred *dead = NULL;
    lock();
    unref(e, &dead);
    unlock();
    destroy_all(dead);
}

void kcd_cache_forget(kcd_cred *e)
{
    kcd_cred *dead = NULL;
    lock();
    unlink_entry(e, &dead);
    unlock();
    destroy_all(dead);
}

gss_cred_id_t kcd_cred_handle(const kcd_cred *e)
{
    return e->cred;
}

const char *kcd_cred_principal(const kcd_cred *e)
{
    return e->principal;
}

const krb5_creds *kcd_cred_ticket(kcd_cred *e, const char *spn)
{
    const kcd_ticket *t;
    const krb5_creds *c = NULL;
    lock();
    for (t = e->tickets; t && !c; t = t->next)
        if (!strcmp(t->spn, spn))
            c = t->creds;
    unlock();
    return c;
}

void kcd_cred_keep_ticket(kcd_cred *e, const char *spn, krb5_creds *creds,
                          apr_time_t until)
{
    size_t n = strlen(spn);
    kcd_ticket *t = malloc(sizeof *t + n + 1), *p;

    if (!t) {
        krb5_free_creds(cache.keep, creds);
        return;
    }
    t->creds = creds;
    memcpy(t->spn, spn, n + 1);
    lock();
    for (p = e->tickets; p; p = p->next)
        if (!strcmp(p->spn, spn))
            break;
    if (!p) {
        t->next = e->tickets;
        e->tickets = t;
        if (until < e->until)
            e->until = until;
        t = NULL;
    }
    unlock();
    if (t)  /* another thread kept one first */
        free_ticket(t);
}

krb5_context kcd_context_take(void)
{
    krb5_context c = NULL;
    lock();
    if (cache.ncontexts)
        c = cache.contexts[--cache.ncontexts];
    unlock();
    if (!c && krb5_init_context(&c))
        c = NULL;
    return c;
}

void kcd_context_give(krb5_context c)
{
    lock();
    if (cache.ncontexts < KCD_CONTEXTS_MAX) {
        cache.contexts[cache.ncontexts++] = c;
        c = NULL;
    }
    unlock();
    if (c)
        krb5_free_context(c);
}

kcd_identity kcd_identity_get(const char *id)
{
    kcd_identity *k, out;
    lock();
    k = apr_hash_get(cache.ids, id, APR_HASH_KEY_STRING);
    if (!k) {
        /* A name of this process's own: MEMORY caches are per process. */
        k = apr_pcalloc(cache.pool, sizeof *k);
        k->ccache = apr_psprintf(cache.pool, "MEMORY:authgw-kcd-%u",
                                 ++cache.next_id);
        apr_hash_set(cache.ids, apr_pstrdup(cache.pool, id),
                     APR_HASH_KEY_STRING, k);
    }
    out = *k;
    unlock();
    return out;
}

void kcd_identity_set(const char *id, const char *principal)
{
    kcd_identity *k;
    lock();
    k = apr_hash_get(cache.ids, id, APR_HASH_KEY_STRING);
    if (k && !k->principal)
        k->principal = apr_pstrdup(cache.pool, principal);
    unlock();
}

const char *kcd_default_realm(void)
{
    const char *realm;
    lock();
    if (!cache.realm_known && cache.keep) {
        char *def = NULL;
        if (!krb5_get_default_realm(cache.keep, &def)) {
            cache.realm = apr_pstrdup(cache.pool, def);
            krb5_free_default_realm(cache.keep, def);
        }
    }
    cache.realm_known = 1;
    realm = cache.realm;
    unlock();
    return realm;
}
