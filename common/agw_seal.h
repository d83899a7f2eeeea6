/* Sealing of cookies and tokens: AES-256-GCM under a ring of keys.
 *
 * Each secret line of AuthGWSecretFile yields, through HKDF-SHA256, a key id,
 * an encryption key and a MAC key.  The first key of the ring seals; every key
 * opens, so an administrator rotates keys by adding a new first line and
 * dropping the last one later, and nobody is logged off.
 *
 * Sealed layout (all in one string, then base64url):
 *
 *   +------+--------+----------+-----------------+--------+
 *   | ver  | key id | nonce    | ciphertext      | tag    |
 *   | 1 B  | 4 B    | 12 B     | n B             | 16 B   |
 *   +------+--------+----------+-----------------+--------+
 *
 * The version byte and key id are authenticated as associated data, together
 * with the caller's purpose string, so a token sealed for one purpose cannot
 * be replayed as another. */
#ifndef AGW_SEAL_H
#define AGW_SEAL_H

#include <stddef.h>

#define AGW_KEYS_MAX 16
#define AGW_KEY_ID_LEN 4
#define AGW_SEAL_OVERHEAD (1 + AGW_KEY_ID_LEN + 12 + 16)
/* A secret line shorter than this is refused: it would be guessable. */
#define AGW_SECRET_MIN 32

struct evp_mac_ctx_st;

typedef struct {
    unsigned char id[AGW_KEY_ID_LEN];
    unsigned char enc[32];
    unsigned char mac[32];
    /* HMAC-SHA256 keyed with mac, made by agw_keyring_prepare() (NULL
     * before): agw_mac() copies it instead of setting up the key anew. */
    struct evp_mac_ctx_st *hmac;
} agw_key;

typedef struct {
    int n;
    agw_key k[AGW_KEYS_MAX];
} agw_keyring;

typedef enum {
    AGW_SEAL_OK = 0,
    AGW_SEAL_MALFORMED,   /* too short, or an unknown version */
    AGW_SEAL_UNKNOWN_KEY, /* sealed under a key that is not in the ring */
    AGW_SEAL_FORGED,      /* the tag does not verify: altered or forged */
    AGW_SEAL_NOROOM,      /* the caller's buffer is too small */
    AGW_SEAL_CRYPTO       /* the crypto library failed */
} agw_seal_status;

/* A short word for each status, fit for a log line. */
const char *agw_seal_reason(agw_seal_status st);

/* Derives a key from one secret and appends it; -1 when the ring is full or
 * the derivation fails. */
int agw_keyring_add(agw_keyring *kr, const void *secret, size_t len);

/* Reads a secret file's text: one secret per line, the newest first; blank
 * lines and lines starting with '#' are skipped.  Returns NULL, or a message
 * that says what is wrong (with the line number) for the administrator. */
const char *agw_keyring_parse(agw_keyring *kr, const char *text, size_t len,
                              char *errbuf, size_t errlen);

/* Fills the ring with one fresh random key. */
int agw_keyring_random(agw_keyring *kr);

/* Keys every HMAC of the ring once, for a ring that serves many requests
 * (the server's; not a ring made for one call): an HMAC then costs a copy of
 * the keyed state instead of a new key object, about 1 us instead of 20.
 * A copy of the ring by value shares these states: agw_keyring_clear() only
 * the original, after the copies are done with.  -1 when OpenSSL fails (the
 * ring still works, unprepared). */
int agw_keyring_prepare(agw_keyring *kr);

/* Wipes the ring's key material and frees what agw_keyring_prepare() made. */
void agw_keyring_clear(agw_keyring *kr);

int agw_random(void *buf, size_t n);

agw_seal_status agw_seal(const agw_keyring *kr, const char *purpose,
                         const void *pt, size_t ptlen,
                         unsigned char *out, size_t cap, size_t *outlen);

agw_seal_status agw_unseal(const agw_keyring *kr, const char *purpose,
                           const unsigned char *in, size_t inlen,
                           unsigned char *pt, size_t cap, size_t *ptlen);

/* HMAC-SHA256 of purpose || data under key's MAC key. */
int agw_mac(const agw_key *key, const char *purpose, const void *data,
            size_t len, unsigned char out[32]);

/* 1 when some key of the ring produced mac over (purpose, data), compared in
 * constant time. */
int agw_mac_verify(const agw_keyring *kr, const char *purpose,
                   const void *data, size_t len, const unsigned char *mac,
                   size_t maclen);

/* Overwrites n bytes in a way the compiler cannot drop (for keys and
 * passwords that are done with). */
void agw_wipe(void *p, size_t n);

/* Constant-time equality of two byte strings of possibly different lengths
 * (the lengths themselves are not secret). */
int agw_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

#endif
