/* NTLM crypto, MS-NLMP §3.3 and §3.4.5: one-way functions, challenge
 * responses, session keys, the MIC.
 *
 * NTLMv2 (§3.3.2) is the protocol; NTLMv1 and the NTLM2 session response
 * (§3.3.1, NTLMv1 with extended session security) are only verified, for a
 * gateway configured to allow them (AuthGWNTLMAllowV1 On).  The LM hash is
 * never computed: it needs the clear password, which the server side does
 * not have, so responses that need it (LM-only, NEGOTIATE_LM_KEY,
 * REQUEST_NON_NT_SESSION_KEY without extended session security) give no
 * session key.
 *
 * MD5 and HMAC-MD5 come from OpenSSL's default provider (EVP, no deprecated
 * API); MD4 and RC4 from agw_md4rc4.h (why: see there); DES, which NTLMv1
 * needs for three blocks, as three-key 3DES with the same key thrice (equal
 * to single DES), since OpenSSL 3 puts single DES in the legacy provider.
 * Every comparison of a response or MIC is constant-time (CRYPTO_memcmp). */
#ifndef AGW_NTLM_CRYPTO_H
#define AGW_NTLM_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "agw_md4rc4.h"
#include "agw_ntlm.h"

#define AGW_NTLM_KEY_LEN 16
/* Longest password, user and domain accepted, in UTF-16 code units. */
#define AGW_NTLM_PASSWORD_MAX 256
#define AGW_NTLM_NAME_MAX 512

/* ---- one-way functions -------------------------------------------------- */

/* NTOWFv1: MD4(UTF-16LE(password)), the "NT hash".  -1 when the password is
 * not clean UTF-8 or longer than AGW_NTLM_PASSWORD_MAX. */
int agw_ntlm_nt_hash(const char *password, size_t n,
                     unsigned char out[AGW_NTLM_KEY_LEN]);

/* NTOWFv2: HMAC_MD5(NT hash, UTF-16LE(Uppercase(user) || domain)).  The
 * upper-casing covers ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic;
 * other characters are left as they are. */
int agw_ntlm_ntowfv2(const unsigned char nt_hash[AGW_NTLM_KEY_LEN],
                     const char *user, const char *domain,
                     unsigned char out[AGW_NTLM_KEY_LEN]);

/* ---- NTLMv2 (§3.3.2) ---------------------------------------------------- */

/* Client: NtChallengeResponse = NTProofStr || blob into out (cap bytes),
 * where blob = 01 01 Z(6) time client_chal Z(4) av Z(4) and av is a complete
 * AV pair list (see agw_ntlm_av_client).  -1 when out is too small or the
 * crypto library fails. */
int agw_ntlm_v2_response(const unsigned char ntowfv2[AGW_NTLM_KEY_LEN],
                         const unsigned char server_chal[8],
                         const unsigned char client_chal[8], uint64_t time,
                         const unsigned char *av, size_t avlen,
                         unsigned char *out, size_t cap, size_t *outlen);

/* Client: LmChallengeResponse (LMv2) = HMAC_MD5(NTOWFv2, server || client
 * challenge) || client challenge. */
int agw_ntlm_lmv2_response(const unsigned char ntowfv2[AGW_NTLM_KEY_LEN],
                           const unsigned char server_chal[8],
                           const unsigned char client_chal[8],
                           unsigned char out[24]);

/* SessionBaseKey = HMAC_MD5(NTOWFv2, NTProofStr). */
int agw_ntlm_v2_session_base_key(const unsigned char ntowfv2[AGW_NTLM_KEY_LEN],
                                 const unsigned char nt_proof[16],
                                 unsigned char out[AGW_NTLM_KEY_LEN]);

/* Server: 1 when the NTLMv2 response resp (classified AGW_NTLM_RESP_V2)
 * was made with ntowfv2 over server_chal, and then the SessionBaseKey in
 * sbk; 0 when not; -1 when the crypto library failed. */
int agw_ntlm_v2_verify(const unsigned char ntowfv2[AGW_NTLM_KEY_LEN],
                       const unsigned char server_chal[8],
                       const agw_ntlm_resp *resp,
                       unsigned char sbk[AGW_NTLM_KEY_LEN]);

/* ---- NTLMv1 and NTLM2 session response (§3.3.1) ------------------------- */

/* NTLMv1: DESL(NT hash, server challenge). */
int agw_ntlm_v1_response(const unsigned char nt_hash[AGW_NTLM_KEY_LEN],
                         const unsigned char server_chal[8],
                         unsigned char out[24]);

/* NTLM2 session response: DESL(NT hash, MD5(server || client chal)[0..8]). */
int agw_ntlm_ntlm2_response(const unsigned char nt_hash[AGW_NTLM_KEY_LEN],
                            const unsigned char server_chal[8],
                            const unsigned char client_chal[8],
                            unsigned char out[24]);

/* SessionBaseKey of both: MD4(NT hash). */
void agw_ntlm_v1_session_base_key(const unsigned char nt_hash[AGW_NTLM_KEY_LEN],
                                  unsigned char out[AGW_NTLM_KEY_LEN]);

/* Server: 1 when resp (AGW_NTLM_RESP_V1 or _NTLM2_SESSION) of a (its
 * AUTHENTICATE) matches nt_hash over server_chal, 0 when not, -1 on a crypto
 * failure. */
int agw_ntlm_v1_verify(const unsigned char nt_hash[AGW_NTLM_KEY_LEN],
                       const unsigned char server_chal[8],
                       const agw_ntlm_authenticate *a,
                       const agw_ntlm_resp *resp);

/* ---- keys (§3.4.5.1, §3.1.5.1.2, §3.2.5.1.2) ---------------------------- */

/* KeyExchangeKey for a response of kind made under flags: the SessionBaseKey
 * for NTLMv2 and plain NTLMv1, HMAC_MD5(SessionBaseKey, server challenge ||
 * LmChallengeResponse[0..8]) for the NTLM2 session response.  -1 when the
 * flags ask for a key from the LM hash (which we never have). */
int agw_ntlm_kxkey(agw_ntlm_resp_kind kind, uint32_t flags,
                   const unsigned char sbk[AGW_NTLM_KEY_LEN],
                   const unsigned char server_chal[8], const agw_ntlm_buf *lm,
                   unsigned char out[AGW_NTLM_KEY_LEN]);

/* Client: EncryptedRandomSessionKey = RC4(KeyExchangeKey, random key). */
void agw_ntlm_encrypt_session_key(const unsigned char kxkey[AGW_NTLM_KEY_LEN],
                                  const unsigned char random[AGW_NTLM_KEY_LEN],
                                  unsigned char out[AGW_NTLM_KEY_LEN]);

/* Server: ExportedSessionKey = RC4(KeyExchangeKey, EncryptedRandomSessionKey)
 * under NEGOTIATE_KEY_EXCH, else the KeyExchangeKey.  -1 when KEY_EXCH is
 * set and enc is not 16 bytes. */
int agw_ntlm_exported_key(uint32_t flags,
                          const unsigned char kxkey[AGW_NTLM_KEY_LEN],
                          const agw_ntlm_buf *enc,
                          unsigned char out[AGW_NTLM_KEY_LEN]);

/* ---- MIC (§3.1.5.1.2, §3.2.5.1.2) --------------------------------------- */

/* HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE), the
 * MIC field (16 bytes at AGW_NTLM_MIC_OFFSET) taken as zeros.  -1 when auth
 * is too short to hold a MIC. */
int agw_ntlm_mic(const unsigned char exported[AGW_NTLM_KEY_LEN],
                 const unsigned char *neg, size_t neglen,
                 const unsigned char *chal, size_t challen,
                 const unsigned char *auth, size_t authlen,
                 unsigned char out[AGW_NTLM_MIC_LEN]);

/* 1 when auth's MIC field holds the right MIC (constant-time), else 0. */
int agw_ntlm_mic_verify(const unsigned char exported[AGW_NTLM_KEY_LEN],
                        const unsigned char *neg, size_t neglen,
                        const unsigned char *chal, size_t challen,
                        const unsigned char *auth, size_t authlen);

/* ---- message signatures (§3.4.4, keys §3.4.5.2-§3.4.5.3) --------------- */

/* HTTP neither signs nor seals, but SPNEGO's mechListMIC (RFC 4178 §5) is
 * an NTLMSSP signature over the DER mechTypes: one signature each way with
 * sequence number 0, each with a fresh handle. */
#define AGW_NTLM_SIG_LEN 16

typedef struct {
    uint32_t flags;          /* the negotiated flags (the AUTHENTICATE's) */
    uint32_t seq;            /* the next SeqNum */
    unsigned char sign_key[AGW_NTLM_KEY_LEN]; /* extended session security */
    agw_rc4 seal;            /* the sealing key's RC4 handle */
} agw_ntlm_sig_ctx;

/* The signing and sealing keys of one direction from the
 * ExportedSessionKey: client 1 for what the client sends, 0 for the
 * server.  -1 when the crypto library fails. */
int agw_ntlm_sig_init(agw_ntlm_sig_ctx *c, uint32_t flags,
                      const unsigned char exported[AGW_NTLM_KEY_LEN],
                      int client);
/* NTLMSSP_MESSAGE_SIGNATURE of msg with the next sequence number: with
 * extended session security HMAC-MD5 (RC4-encrypted under KEY_EXCH), else
 * the RC4-encrypted CRC32. */
int agw_ntlm_sig_make(agw_ntlm_sig_ctx *c, const unsigned char *msg, size_t n,
                      unsigned char sig[AGW_NTLM_SIG_LEN]);
/* 1 when sig (siglen bytes) is msg's signature with the next sequence
 * number (constant-time), else 0. */
int agw_ntlm_sig_check(agw_ntlm_sig_ctx *c, const unsigned char *msg, size_t n,
                       const unsigned char *sig, size_t siglen);
void agw_ntlm_sig_wipe(agw_ntlm_sig_ctx *c);

/* ---- server: one call to check an AUTHENTICATE -------------------------- */

typedef enum {
    AGW_NTLM_AUTH_OK = 0,
    AGW_NTLM_AUTH_ANONYMOUS,    /* an anonymous logon: no user was checked */
    AGW_NTLM_AUTH_V1_REFUSED,   /* NTLMv1 / NTLM2 session, and not allowed */
    AGW_NTLM_AUTH_WRONG,        /* the response does not match the hash */
    AGW_NTLM_AUTH_BAD_MIC,      /* a MIC required or announced is absent or wrong */
    AGW_NTLM_AUTH_BAD_BINDINGS, /* channel bindings absent or not ours */
    AGW_NTLM_AUTH_MALFORMED,    /* a response of no known shape */
    AGW_NTLM_AUTH_CRYPTO        /* the crypto library failed */
} agw_ntlm_auth_status;

const char *agw_ntlm_auth_reason(agw_ntlm_auth_status st);

typedef struct {
    /* The three messages as they were on the wire (for the MIC). */
    const unsigned char *negotiate;
    size_t negotiate_len;
    const unsigned char *challenge;
    size_t challenge_len;
    const unsigned char *authenticate;
    size_t authenticate_len;
    const agw_ntlm_authenticate *auth; /* authenticate, decoded */
    const agw_ntlm_resp *resp;         /* its response, classified */
    const unsigned char *server_chal;  /* the 8 bytes we sent */
    const unsigned char *nt_hash;      /* the account's NT hash, 16 bytes */
    /* The NTOWFv2 salt; NULL means auth->user and auth->domain.  A caller
     * may try again with another spelling of the domain. */
    const char *user;
    const char *domain;
    int allow_v1;     /* AuthGWNTLMAllowV1 */
    int require_mic;  /* NTLMv2 without a MIC is refused */
    /* MD5 of the gss_channel_bindings_struct of this TLS connection, or
     * NULL.  Given, an NTLMv2 response that carries non-zero bindings must
     * carry these; with require_cb it must carry them. */
    const unsigned char *cb16;
    int require_cb;
} agw_ntlm_server_in;

typedef struct {
    int has_key;       /* the ExportedSessionKey could be derived */
    unsigned char exported[AGW_NTLM_KEY_LEN];
} agw_ntlm_server_out;

/* Anonymous → ANONYMOUS (nothing checked); V1 kinds without allow_v1 →
 * V1_REFUSED; then the response against the hash, then (NTLMv2) the MIC when
 * MsvAvFlags announces one or require_mic is set, and channel bindings. */
agw_ntlm_auth_status agw_ntlm_server_verify(const agw_ntlm_server_in *in,
                                            agw_ntlm_server_out *out);

/* ---- client: one call to answer a CHALLENGE ----------------------------- */

typedef struct {
    const unsigned char *negotiate; /* the NEGOTIATE we sent (for the MIC) */
    size_t negotiate_len;
    const unsigned char *challenge; /* the CHALLENGE received */
    size_t challenge_len;
    const agw_ntlm_challenge *chal; /* challenge, decoded */
    uint32_t flags;                 /* the flags we offered in NEGOTIATE */
    const char *user, *domain, *workstation;
    const unsigned char *nt_hash;   /* 16 bytes */
    const unsigned char *client_chal;   /* 8 fresh random bytes */
    const unsigned char *random_key;    /* 16 fresh random bytes (KEY_EXCH) */
    uint64_t now;                   /* FILETIME, when the server sent none */
    const unsigned char *cb16;      /* channel bindings hash, or NULL */
    const char *spn;                /* MsvAvTargetName, or NULL */
    int has_version;
    unsigned char version[AGW_NTLM_VERSION_LEN];
} agw_ntlm_client_in;

/* Builds the NTLMv2 AUTHENTICATE into out (scratch memory from p).  Flags:
 * ours and the server's in common.  When the server sent MsvAvTimestamp, the
 * response uses its time, announces and carries a MIC, and the LM response
 * is Z(24) (§3.1.5.1.2); else LMv2.  exported receives the
 * ExportedSessionKey. */
agw_ntlm_status agw_ntlm_client_authenticate(apr_pool_t *p,
                                             const agw_ntlm_client_in *in,
                                             unsigned char *out, size_t cap,
                                             size_t *outlen,
                                             unsigned char exported[16]);

#endif
