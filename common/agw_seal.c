#include "agw_seal.h"

#include <stdio.h>
#include <string.h>

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

void agw_keyring_clear(agw_keyring *kr)
{
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
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int len, ok;

    ok = c
        && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1
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
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_HMAC, NULL, key->mac,
                                                sizeof key->mac);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    size_t olen = 32;
    int ok = pk && c
        && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, pk) == 1
        && EVP_DigestSignUpdate(c, purpose, strlen(purpose) + 1) == 1
        && EVP_DigestSignUpdate(c, data, len) == 1
        && EVP_DigestSignFinal(c, out, &olen) == 1;
    EVP_MD_CTX_free(c);
    EVP_PKEY_free(pk);
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
