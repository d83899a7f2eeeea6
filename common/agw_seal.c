#include "agw_seal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#define SEAL_VERSION 1
#define NONCE_LEN 12
#define TAG_LEN 16

const char *agw_seal_reason(agw_seal_status st)
{
    switch (st) {
    case AGW_SEAL_OK: return "ok";
    case AGW_SEAL_MALFORMED: return "malformed";
    case AGW_SEAL_UNKNOWN_KEY: return "unknown-key";
    case AGW_SEAL_FORGED: return "forged-or-altered";
    case AGW_SEAL_NOROOM: return "too-large";
    case AGW_SEAL_CRYPTO: return "crypto-failure";
    }
    return "unknown";
}

/* The algorithms, fetched once per process: given EVP_aes_256_gcm() or a
 * digest name, OpenSSL 3 looks them up in its provider store, under a lock,
 * at every init. */
static pthread_once_t algs_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *aes_gcm;
static EVP_MAC *hmac_alg;

static void fetch_algs(void)
{
    aes_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

static void algs(void)
{
    pthread_once(&algs_once, fetch_algs);
}

/* A new HMAC-SHA256 context keyed with key, or NULL. */
static EVP_MAC_CTX *hmac_new(const unsigned char key[32])
{
    OSSL_PARAM p[2];
    EVP_MAC_CTX *c;

    algs();
    c = hmac_alg ? EVP_MAC_CTX_new(hmac_alg) : NULL;
    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                            (char *)"SHA256", 0);
    p[1] = OSSL_PARAM_construct_end();
    if (c && EVP_MAC_init(c, key, 32, p) != 1) {
        EVP_MAC_CTX_free(c);
        c = NULL;
    }
    return c;
}

static int hkdf(const void *secret, size_t len, const char *info,
                unsigned char *out, size_t outlen)
{
    static const unsigned char salt[] = "authgw key derivation v1";
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    int ok = c
        && EVP_PKEY_derive_init(c) > 0
        && EVP_PKEY_CTX_set_hkdf_md(c, EVP_sha256()) > 0
        && EVP_PKEY_CTX_set1_hkdf_salt(c, salt, sizeof salt - 1) > 0
        && EVP_PKEY_CTX_set1_hkdf_key(c, secret, (int)len) > 0
        && EVP_PKEY_CTX_add1_hkdf_info(c, (const unsigned char *)info,
                                       (int)strlen(info)) > 0
        && EVP_PKEY_derive(c, out, &outlen) > 0;
    EVP_PKEY_CTX_free(c);
    return ok ? 0 : -1;
}

int agw_keyring_add(agw_keyring *kr, const void *secret, size_t len)
{
    agw_key *k;
    if (kr->n >= AGW_KEYS_MAX || len == 0)
        return -1;
    k = &kr->k[kr->n];
    k->hmac = NULL;
    if (hkdf(secret, len, "id", k->id, sizeof k->id)
        || hkdf(secret, len, "enc", k->enc, sizeof k->enc)
        || hkdf(secret, len, "mac", k->mac, sizeof k->mac)) {
        OPENSSL_cleanse(k, sizeof *k);
        return -1;
    }
    kr->n++;
    return 0;
}

const char *agw_keyring_parse(agw_keyring *kr, const char *text, size_t len,
                              char *errbuf, size_t errlen)
{
    size_t pos = 0;
    int line = 0;

    kr->n = 0;
    while (pos < len) {
        const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl != NULL);
        line++;
        while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        while (n && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        if (n == 0 || *s == '#')
            continue;
        if (n < AGW_SECRET_MIN) {
            snprintf(errbuf, errlen, "line %d holds a secret of %zu characters;"
                     " each needs at least %d (make one with"
                     " 'openssl rand -base64 48')", line, n, AGW_SECRET_MIN);
            return errbuf;
        }
        if (agw_keyring_add(kr, s, n)) {
            snprintf(errbuf, errlen, "line %d: more than %d secrets, or key"
                     " derivation failed", line, AGW_KEYS_MAX);
            return errbuf;
        }
    }
    if (kr->n == 0) {
        snprintf(errbuf, errlen, "no secret in the file; put one per line"
                 " (make one with 'openssl rand -base64 48')");
        return errbuf;
    }
    return NULL;
}

int agw_keyring_random(agw_keyring *kr)
{
    unsigned char secret[48];
    int rv;
    kr->n = 0;
    if (agw_random(secret, sizeof secret))
        return -1;
    rv = agw_keyring_add(kr, secret, sizeof secret);
    OPENSSL_cleanse(secret, sizeof secret);
    return rv;
}

int agw_keyring_prepare(agw_keyring *kr)
{
    int i, rv = 0;
    for (i = 0; i < kr->n; i++)
        if (!kr->k[i].hmac && !(kr->k[i].hmac = hmac_new(kr->k[i].mac)))
            rv = -1;
    return rv;
}

void agw_keyring_clear(agw_keyring *kr)
{
    int i;
    for (i = 0; i < kr->n && i < AGW_KEYS_MAX; i++)
        EVP_MAC_CTX_free(kr->k[i].hmac);
    agw_wipe(kr, sizeof *kr);
}

void agw_wipe(void *p, size_t n)
{
    OPENSSL_cleanse(p, n);
}

int agw_random(void *buf, size_t n)
{
    return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

static const agw_key *find_key(const agw_keyring *kr, const unsigned char *id)
{
    int i;
    for (i = 0; i < kr->n; i++)
        if (memcmp(kr->k[i].id, id, AGW_KEY_ID_LEN) == 0)
            return &kr->k[i];
    return NULL;
}

/* One AES-256-GCM pass; enc selects sealing or opening. */
static int gcm(int enc, const agw_key *k, const unsigned char *nonce,
               const char *purpose, const unsigned char *hdr, size_t hdrlen,
               const unsigned char *in, size_t n, unsigned char *out,
               unsigned char *tag)
{
    EVP_CIPHER_CTX *c;
    int len, ok;

    algs();
    c = aes_gcm ? EVP_CIPHER_CTX_new() : NULL;
    ok = c
        && EVP_CipherInit_ex(c, aes_gcm, NULL, NULL, NULL, enc) == 1
        && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1
        && EVP_CipherInit_ex(c, NULL, NULL, k->enc, nonce, enc) == 1
        && EVP_CipherUpdate(c, NULL, &len, (const unsigned char *)purpose,
                            (int)strlen(purpose) + 1) == 1
        && EVP_CipherUpdate(c, NULL, &len, hdr, (int)hdrlen) == 1
        && (n == 0 || EVP_CipherUpdate(c, out, &len, in, (int)n) == 1)
        && (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1)
        && EVP_CipherFinal_ex(c, out + n, &len) == 1
        && (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1);
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -1;
}

agw_seal_status agw_seal(const agw_keyring *kr, const char *purpose,
                         const void *pt, size_t ptlen,
                         unsigned char *out, size_t cap, size_t *outlen)
{
    const size_t hdr = 1 + AGW_KEY_ID_LEN;
    unsigned char *nonce = out + hdr, *ct = nonce + NONCE_LEN;

    if (kr->n == 0)
        return AGW_SEAL_CRYPTO;
    if (ptlen > cap || cap - ptlen < AGW_SEAL_OVERHEAD || ptlen > 65536)
        return AGW_SEAL_NOROOM;
    out[0] = SEAL_VERSION;
    memcpy(out + 1, kr->k[0].id, AGW_KEY_ID_LEN);
    if (agw_random(nonce, NONCE_LEN)
        || gcm(1, &kr->k[0], nonce, purpose, out, hdr, pt, ptlen, ct,
               ct + ptlen))
        return AGW_SEAL_CRYPTO;
    *outlen = ptlen + AGW_SEAL_OVERHEAD;
    return AGW_SEAL_OK;
}

agw_seal_status agw_unseal(const agw_keyring *kr, const char *purpose,
                           const unsigned char *in, size_t inlen,
                           unsigned char *pt, size_t cap, size_t *ptlen)
{
    const size_t hdr = 1 + AGW_KEY_ID_LEN;
    const agw_key *k;
    unsigned char tag[TAG_LEN];
    size_t n;

    if (inlen < AGW_SEAL_OVERHEAD || in[0] != SEAL_VERSION)
        return AGW_SEAL_MALFORMED;
    n = inlen - AGW_SEAL_OVERHEAD;
    if (n > cap)
        return AGW_SEAL_NOROOM;
    if (!(k = find_key(kr, in + 1)))
        return AGW_SEAL_UNKNOWN_KEY;
    memcpy(tag, in + inlen - TAG_LEN, TAG_LEN);
    if (gcm(0, k, in + hdr, purpose, in, hdr, in + hdr + NONCE_LEN, n, pt, tag)) {
        OPENSSL_cleanse(pt, n);
        return AGW_SEAL_FORGED;
    }
    *ptlen = n;
    return AGW_SEAL_OK;
}

int agw_mac(const agw_key *key, const char *purpose, const void *data,
            size_t len, unsigned char out[32])
{
    /* a copy of the prepared state is never used by two threads at once */
    EVP_MAC_CTX *c = key->hmac ? EVP_MAC_CTX_dup(key->hmac)
                               : hmac_new(key->mac);
    size_t olen = 0;
    int ok = c
        && EVP_MAC_update(c, (const unsigned char *)purpose,
                          strlen(purpose) + 1) == 1
        && EVP_MAC_update(c, data, len) == 1
        && EVP_MAC_final(c, out, &olen, 32) == 1;
    EVP_MAC_CTX_free(c);
    return ok && olen == 32 ? 0 : -1;
}

int agw_mac_verify(const agw_keyring *kr, const char *purpose,
                   const void *data, size_t len, const unsigned char *mac,
                   size_t maclen)
{
    unsigned char want[32];
    int i, found = 0;
    if (maclen != sizeof want)
        return 0;
    for (i = 0; i < kr->n; i++) {
        if (agw_mac(&kr->k[i], purpose, data, len, want) == 0)
            found |= CRYPTO_memcmp(want, mac, sizeof want) == 0;
    }
    OPENSSL_cleanse(want, sizeof want);
    return found;
}

int agw_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    return alen == blen && CRYPTO_memcmp(a, b, alen) == 0;
}
