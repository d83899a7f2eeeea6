#include "agw_ntlm_crypto.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "agw_md4rc4.h"

static const unsigned char zeros[24];

/* ---- primitives --------------------------------------------------------- */

typedef struct {
    const void *p;
    size_t n;
} part;

/* HMAC_MD5 of the parts, concatenated (EVP_PKEY HMAC: no deprecated API). */
static int hmac_md5(const unsigned char *key, size_t klen, const part *parts,
                    int np, unsigned char out[16])
{
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_HMAC, NULL, key, klen);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    size_t olen = 16;
    int i, ok = pk && c && EVP_DigestSignInit(c, NULL, EVP_md5(), NULL, pk) == 1;

    for (i = 0; ok && i < np; i++)
        ok = parts[i].n == 0
            || EVP_DigestSignUpdate(c, parts[i].p, parts[i].n) == 1;
    ok = ok && EVP_DigestSignFinal(c, out, &olen) == 1 && olen == 16;
    EVP_MD_CTX_free(c);
    EVP_PKEY_free(pk);
    return ok ? 0 : -1;
}

/* 56 key bits into the 8 bytes DES takes (the low bit of each, parity, is
 * ignored by DES and left zero). */
static void des_key(const unsigned char k7[7], unsigned char k8[8])
{
    int i;
    k8[0] = k7[0] & 0xfe;
    for (i = 1; i < 7; i++)
        k8[i] = (unsigned char)((k7[i - 1] << (8 - i)) | (k7[i] >> i)) & 0xfe;
    k8[7] = (unsigned char)(k7[6] << 1);
}

/* One DES block.  Single DES is in OpenSSL 3's legacy provider; three-key
 * 3DES (default provider) with K1 = K2 = K3 computes E(K, D(K, E(K, x))),
 * which is E(K, x). */
static int des_block(const unsigned char k7[7], const unsigned char in[8],
                     unsigned char out[8])
{
    unsigned char k[24];
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0, ok;

    des_key(k7, k);
    memcpy(k + 8, k, 8);
    memcpy(k + 16, k, 8);
    ok = c
        && EVP_EncryptInit_ex(c, EVP_des_ede3_ecb(), NULL, k, NULL) == 1
        && EVP_CIPHER_CTX_set_padding(c, 0) == 1
        && EVP_EncryptUpdate(c, out, &n1, in, 8) == 1
        && EVP_EncryptFinal_ex(c, out + n1, &n2) == 1
        && n1 + n2 == 8;
    EVP_CIPHER_CTX_free(c);
    OPENSSL_cleanse(k, sizeof k);
    return ok ? 0 : -1;
}

/* DESL (§6): the 16-byte key, padded with five zeros, as three DES keys. */
static int desl(const unsigned char k[16], const unsigned char d[8],
                unsigned char out[24])
{
    unsigned char k3[7] = { k[14], k[15], 0, 0, 0, 0, 0 };
    int rv = des_block(k, d, out) || des_block(k + 7, d, out + 8)
             || des_block(k3, d, out + 16) ? -1 : 0;
    OPENSSL_cleanse(k3, sizeof k3);
    return rv;
}

/* ---- one-way functions -------------------------------------------------- */

/* Upper case of one UTF-16 unit, as NTOWFv2 wants the user name: the simple
 * Unicode mappings of ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic.
 * Left alone: ß (no single-unit upper case), and U+0131, U+0138, U+0149,
 * U+017F, whose mapping by Windows we could not confirm. */
static unsigned upcase(unsigned c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 0xe0 && c <= 0xfe && c != 0xf7))
        return c - 0x20;
    if (c == 0xff)
        return 0x178;
    if ((c >= 0x100 && c <= 0x137 && c != 0x131)
        || (c >= 0x14a && c <= 0x177))
        return c & ~1u;                     /* even upper, odd lower */
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
        return c % 2 ? c : c - 1;           /* odd upper, even lower */
    if ((c >= 0x3b1 && c <= 0x3cb && c != 0x3c2) || (c >= 0x430 && c <= 0x44f))
        return c - 0x20;
    if (c == 0x3c2)
        return 0x3a3;                       /* final sigma */
    if (c == 0x3ac)
        return 0x386;
    if (c >= 0x3ad && c <= 0x3af)
        return c - 0x25;
    if (c == 0x3cc)
        return 0x38c;
    if (c == 0x3cd || c == 0x3ce)
        return c - 0x3f;
    if (c >= 0x450 && c <= 0x45f)
        return c - 0x50;
    return c;
}

int agw_ntlm_nt_hash(const char *password, size_t n,
                     unsigned char out[AGW_NTLM_KEY_LEN])
{
    unsigned char u16[2 * AGW_NTLM_PASSWORD_MAX];
    agw_wbuf w;
    int rv = -1;

    agw_w_init(&w, u16, sizeof u16);
    if (agw_ntlm_put_utf16(&w, password, n) == 0) {
        agw_md4(u16, w.len, out);
        rv = 0;
    }
    OPENSSL_cleanse(u16, sizeof u16);
    return rv;
}

int agw_ntlm_ntowfv2(const unsigned char nt_hash[AGW_NTLM_KEY_LEN],
                     const char *user, const char *domain,
                     unsigned char out[AGW_NTLM_KEY_LEN])
{
    unsigned char u[2 * AGW_NTLM_NAME_MAX], d[2 * AGW_NTLM_NAME_MAX];
    agw_wbuf wu, wd;
    size_t i;

    agw_w_init(&wu, u, sizeof u);
    agw_w_init(&wd, d, sizeof d);
    if (agw_ntlm_put_utf16(&wu, user, strlen(user))
        || agw_ntlm_put_utf16(&wd, domain, strlen(domain)))
        return -1;
    for (i = 0; i < wu.len; i += 2) {
        unsigned c = upcase(u[i] | (unsigned)u[i + 1] << 8);
        u[i] = (unsigned char)c;
        u[i + 1] = (unsigned char)(c >> 8);
    }
    {
        part parts[] = { { u, wu.len }, { d, wd.len } };
        return hmac_md5(nt_hash, AGW_NTLM_KEY_LEN, parts, 2, out);
    }
}

/* ---- NTLMv2 ------------------------------------------------------------- */

int agw_ntlm_v2_response(const unsigned char ntowfv2[AGW_NTLM_KEY_LEN],
                         const unsigned char server_chal[8],
                         const unsigned char client_chal[8], uint64_t time,
                         const unsigned char *av, size_t avlen,
                         unsigned char *out, size_t cap, size_t *outlen)
{
    agw_wbuf w;

    agw_w_init(&w, out, cap);
    agw_w_bytes(&w, zeros, 16);        /* NTProofStr, filled in below */
    agw_w_u8(&w, 1);                   /* RespType */
    agw_w_u8(&w, 1);                   /* HiRespType */
    agw_w_bytes(&w, zeros, 6);
    agw_w_le64(&w, time);
    agw_w_bytes(&w, client_chal, 8);
    agw_w_bytes(&w, zeros, 4);
    agw_w_bytes(&w, av, avlen);
    agw_w_bytes(&w, zeros, 4);
    if (w.err)
        return -1;
    {
        part parts[] = { { server_chal, 8 }, { out + 16, w.len - 16 } };
        if (hmac_md5(ntowfv2, AGW_NTLM_KEY_LEN, parts, 2, out))
            return -1;
    }
    *outlen = w.len;
    return 0;
}

int agw_ntlm_lmv2_response(const unsigned char ntowfv2[AGW_NTLM_KEY_LEN],
                           const unsigned char server_chal[8],
                           const unsigned char client_chal[8],
                           unsigned char out[24])
{
    part parts[] = { { server_chal, 8 }, { client_chal, 8 } };
    if (hmac_md5(ntowfv2, AGW_NTLM_KEY_LEN, parts, 2, out))
        return -1;
    memcpy(out + 16, client_chal, 8);
    return 0;
}

int agw_ntlm_v2_session_base_key(const unsigned char ntowfv2[AGW_NTLM_KEY_LEN],
                                 const unsigned char nt_proof[16],
                                 unsigned char out[AGW_NTLM_KEY_LEN])
{
    part parts[] = { { nt_proof, 16 } };
    return hmac_md5(ntowfv2, AGW_NTLM_KEY_LEN, parts, 1, out);
}

int agw_ntlm_v2_verify(const unsigned char ntowfv2[AGW_NTLM_KEY_LEN],
                       const unsigned char server_chal[8],
                       const agw_ntlm_resp *resp,
                       unsigned char sbk[AGW_NTLM_KEY_LEN])
{
    unsigned char proof[16];
    int ok;

    if (resp->kind != AGW_NTLM_RESP_V2)
        return 0;
    {
        part parts[] = { { server_chal, 8 }, { resp->blob.p, resp->blob.len } };
        if (hmac_md5(ntowfv2, AGW_NTLM_KEY_LEN, parts, 2, proof))
            return -1;
    }
    ok = CRYPTO_memcmp(proof, resp->nt_proof, sizeof proof) == 0;
    if (ok && agw_ntlm_v2_session_base_key(ntowfv2, proof, sbk))
        ok = -1;
    OPENSSL_cleanse(proof, sizeof proof);
    return ok;
}

/* ---- NTLMv1 and NTLM2 session response ---------------------------------- */

int agw_ntlm_v1_response(const unsigned char nt_hash[AGW_NTLM_KEY_LEN],
                         const unsigned char server_chal[8],
                         unsigned char out[24])
{
    return desl(nt_hash, server_chal, out);
}

int agw_ntlm_ntlm2_response(const unsigned char nt_hash[AGW_NTLM_KEY_LEN],
                            const unsigned char server_chal[8],
                            const unsigned char client_chal[8],
                            unsigned char out[24])
{
    unsigned char both[16], md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    int rv;

    memcpy(both, server_chal, 8);
    memcpy(both + 8, client_chal, 8);
    rv = EVP_Digest(both, sizeof both, md, &mdlen, EVP_md5(), NULL) == 1
             && mdlen == 16 ? desl(nt_hash, md, out) : -1;
    OPENSSL_cleanse(md, sizeof md);
    return rv;
}

void agw_ntlm_v1_session_base_key(const unsigned char nt_hash[AGW_NTLM_KEY_LEN],
                                  unsigned char out[AGW_NTLM_KEY_LEN])
{
    agw_md4(nt_hash, AGW_NTLM_KEY_LEN, out);
}

int agw_ntlm_v1_verify(const unsigned char nt_hash[AGW_NTLM_KEY_LEN],
                       const unsigned char server_chal[8],
                       const agw_ntlm_authenticate *a,
                       const agw_ntlm_resp *resp)
{
    unsigned char want[24];
    int rv;

    if (a->nt.len != sizeof want)
        return 0;
    if (resp->kind == AGW_NTLM_RESP_V1)
        rv = agw_ntlm_v1_response(nt_hash, server_chal, want);
    else if (resp->kind == AGW_NTLM_RESP_NTLM2_SESSION)
        rv = agw_ntlm_ntlm2_response(nt_hash, server_chal,
                                     resp->client_challenge, want);
    else
        return 0;
    if (rv == 0)
        rv = CRYPTO_memcmp(want, a->nt.p, sizeof want) == 0;
    OPENSSL_cleanse(want, sizeof want);
    return rv;
}

/* ---- keys --------------------------------------------------------------- */

int agw_ntlm_kxkey(agw_ntlm_resp_kind kind, uint32_t flags,
                   const unsigned char sbk[AGW_NTLM_KEY_LEN],
                   const unsigned char server_chal[8], const agw_ntlm_buf *lm,
                   unsigned char out[AGW_NTLM_KEY_LEN])
{
    switch (kind) {
    case AGW_NTLM_RESP_V2:
        /* §3.3.2: under NTLMv2 the KeyExchangeKey is the SessionBaseKey. */
        memcpy(out, sbk, AGW_NTLM_KEY_LEN);
        return 0;
    case AGW_NTLM_RESP_NTLM2_SESSION: {
        part parts[] = { { server_chal, 8 }, { lm->p, 8 } };
        if (lm->len < 8)
            return -1;
        return hmac_md5(sbk, AGW_NTLM_KEY_LEN, parts, 2, out);
    }
    case AGW_NTLM_RESP_V1:
        /* §3.4.5.1: these two derive the key from the LM hash. */
        if (flags & (AGW_NTLMSSP_NEGOTIATE_LM_KEY
                     | AGW_NTLMSSP_REQUEST_NON_NT_SESSION_KEY))
            return -1;
        memcpy(out, sbk, AGW_NTLM_KEY_LEN);
        return 0;
    default:
        return -1;
    }
}

void agw_ntlm_encrypt_session_key(const unsigned char kxkey[AGW_NTLM_KEY_LEN],
                                  const unsigned char random[AGW_NTLM_KEY_LEN],
                                  unsigned char out[AGW_NTLM_KEY_LEN])
{
    agw_rc4_once(kxkey, AGW_NTLM_KEY_LEN, random, out, AGW_NTLM_KEY_LEN);
}

int agw_ntlm_exported_key(uint32_t flags,
                          const unsigned char kxkey[AGW_NTLM_KEY_LEN],
                          const agw_ntlm_buf *enc,
                          unsigned char out[AGW_NTLM_KEY_LEN])
{
    if (!(flags & AGW_NTLMSSP_NEGOTIATE_KEY_EXCH)) {
        memcpy(out, kxkey, AGW_NTLM_KEY_LEN);
        return 0;
    }
    if (!enc || enc->len != AGW_NTLM_KEY_LEN)
        return -1;
    agw_rc4_once(kxkey, AGW_NTLM_KEY_LEN, enc->p, out, AGW_NTLM_KEY_LEN);
    return 0;
}

/* ---- MIC ---------------------------------------------------------------- */

int agw_ntlm_mic(const unsigned char exported[AGW_NTLM_KEY_LEN],
                 const unsigned char *neg, size_t neglen,
                 const unsigned char *chal, size_t challen,
                 const unsigned char *auth, size_t authlen,
                 unsigned char out[AGW_NTLM_MIC_LEN])
{
    const size_t end = AGW_NTLM_MIC_OFFSET + AGW_NTLM_MIC_LEN;
    part parts[5] = {
        { neg, neglen }, { chal, challen },
        { auth, AGW_NTLM_MIC_OFFSET }, { zeros, AGW_NTLM_MIC_LEN },
        { NULL, 0 },
    };
    if (authlen < end)
        return -1;
    parts[4].p = auth + end;
    parts[4].n = authlen - end;
    return hmac_md5(exported, AGW_NTLM_KEY_LEN, parts, 5, out);
}

int agw_ntlm_mic_verify(const unsigned char exported[AGW_NTLM_KEY_LEN],
                        const unsigned char *neg, size_t neglen,
                        const unsigned char *chal, size_t challen,
                        const unsigned char *auth, size_t authlen)
{
    unsigned char mic[AGW_NTLM_MIC_LEN];
    int ok = agw_ntlm_mic(exported, neg, neglen, chal, challen, auth, authlen,
                          mic) == 0
        && CRYPTO_memcmp(mic, auth + AGW_NTLM_MIC_OFFSET, sizeof mic) == 0;
    OPENSSL_cleanse(mic, sizeof mic);
    return ok;
}

/* ---- message signatures ------------------------------------------------ */

/* §3.4.5.2 and §3.4.5.3: the magic constants are hashed with their NUL. */
static const char sign_c2s[] =
    "session key to client-to-server signing key magic constant";
static const char sign_s2c[] =
    "session key to server-to-client signing key magic constant";
static const char seal_c2s[] =
    "session key to client-to-server sealing key magic constant";
static const char seal_s2c[] =
    "session key to server-to-client sealing key magic constant";

static int md5_of(const unsigned char *a, size_t an, const char *b, size_t bn,
                  unsigned char out[16])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned len = 0;
    int ok = c && EVP_DigestInit_ex(c, EVP_md5(), NULL) == 1
        && EVP_DigestUpdate(c, a, an) == 1 && EVP_DigestUpdate(c, b, bn) == 1
        && EVP_DigestFinal_ex(c, out, &len) == 1 && len == 16;
    EVP_MD_CTX_free(c);
    return ok ? 0 : -1;
}

/* CRC-32 of IEEE 802.3 / zlib (reflected 0xedb88320), bit by bit: it runs
 * over a few dozen bytes per logon. */
static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    size_t i;
    int k;
    for (i = 0; i < n; i++) {
        c ^= p[i];
        for (k = 0; k < 8; k++)
            c = c >> 1 ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static void le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

int agw_ntlm_sig_init(agw_ntlm_sig_ctx *c, uint32_t flags,
                      const unsigned char exported[AGW_NTLM_KEY_LEN],
                      int client)
{
    unsigned char seal[AGW_NTLM_KEY_LEN];
    size_t n = AGW_NTLM_KEY_LEN;
    int rv = 0;

    memset(c, 0, sizeof *c);
    c->flags = flags;
    memcpy(seal, exported, AGW_NTLM_KEY_LEN);
    if (flags & AGW_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) {
        /* SEALKEY: 128, 56 or 40 bits of the key, then hashed. */
        n = flags & AGW_NTLMSSP_NEGOTIATE_128 ? 16
            : flags & AGW_NTLMSSP_NEGOTIATE_56 ? 7 : 5;
        rv = md5_of(exported, n, client ? seal_c2s : seal_s2c,
                    sizeof seal_c2s, seal)
            || md5_of(exported, AGW_NTLM_KEY_LEN, client ? sign_c2s : sign_s2c,
                      sizeof sign_c2s, c->sign_key);
        n = AGW_NTLM_KEY_LEN;
    }
    else if (flags & AGW_NTLMSSP_NEGOTIATE_LM_KEY) {
        /* Weakened to 56 or 40 bits with fixed bytes. */
        if (flags & AGW_NTLMSSP_NEGOTIATE_56) {
            seal[7] = 0xa0;
        }
        else {
            seal[5] = 0xe5;
            seal[6] = 0x38;
            seal[7] = 0xb0;
        }
        n = 8;
    }
    if (rv == 0)
        agw_rc4_init(&c->seal, seal, n);
    OPENSSL_cleanse(seal, sizeof seal);
    if (rv)
        agw_ntlm_sig_wipe(c);
    return rv ? -1 : 0;
}

int agw_ntlm_sig_make(agw_ntlm_sig_ctx *c, const unsigned char *msg, size_t n,
                      unsigned char sig[AGW_NTLM_SIG_LEN])
{
    unsigned char seq[4], mac[16];

    le32(seq, c->seq);
    le32(sig, 1);
    if (c->flags & AGW_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) {
        /* §3.4.4.2: HMAC_MD5(SigningKey, SeqNum || Message)[0..7], under
         * KEY_EXCH encrypted with the sealing handle. */
        part parts[] = { { seq, 4 }, { msg, n } };
        if (hmac_md5(c->sign_key, AGW_NTLM_KEY_LEN, parts, 2, mac))
            return -1;
        if (c->flags & AGW_NTLMSSP_NEGOTIATE_KEY_EXCH)
            agw_rc4_crypt(&c->seal, mac, mac, 8);
        memcpy(sig + 4, mac, 8);
        memcpy(sig + 12, seq, 4);
        OPENSSL_cleanse(mac, sizeof mac);
    }
    else {
        /* §3.4.4.1: RC4 over RandomPad (sent as zero), CRC32 and a zero
         * SeqNum, which is then XORed with the sequence number. */
        unsigned char pad[4] = { 0 }, zero[4] = { 0 }, s[4];
        int i;
        agw_rc4_crypt(&c->seal, pad, pad, 4);
        le32(mac, crc32_of(msg, n));
        agw_rc4_crypt(&c->seal, mac, sig + 8, 4);
        agw_rc4_crypt(&c->seal, zero, s, 4);
        memset(sig + 4, 0, 4);
        for (i = 0; i < 4; i++)
            sig[12 + i] = s[i] ^ seq[i];
    }
    c->seq++;
    return 0;
}

int agw_ntlm_sig_check(agw_ntlm_sig_ctx *c, const unsigned char *msg, size_t n,
                       const unsigned char *sig, size_t siglen)
{
    unsigned char want[AGW_NTLM_SIG_LEN];
    int ok = siglen == sizeof want && agw_ntlm_sig_make(c, msg, n, want) == 0
        && CRYPTO_memcmp(want, sig, sizeof want) == 0;
    OPENSSL_cleanse(want, sizeof want);
    return ok;
}

void agw_ntlm_sig_wipe(agw_ntlm_sig_ctx *c)
{
    OPENSSL_cleanse(c, sizeof *c);
}

/* ---- server ------------------------------------------------------------- */

const char *agw_ntlm_auth_reason(agw_ntlm_auth_status st)
{
    switch (st) {
    case AGW_NTLM_AUTH_OK: return "ok";
    case AGW_NTLM_AUTH_ANONYMOUS: return "anonymous";
    case AGW_NTLM_AUTH_V1_REFUSED: return "ntlmv1-refused";
    case AGW_NTLM_AUTH_WRONG: return "wrong-response";
    case AGW_NTLM_AUTH_BAD_MIC: return "bad-mic";
    case AGW_NTLM_AUTH_BAD_BINDINGS: return "bad-channel-bindings";
    case AGW_NTLM_AUTH_MALFORMED: return "malformed";
    case AGW_NTLM_AUTH_CRYPTO: return "crypto-failure";
    }
    return "unknown";
}

static int nonzero(const agw_ntlm_buf *b)
{
    unsigned char acc = 0;
    size_t i;
    for (i = 0; i < b->len; i++)
        acc |= b->p[i];
    return acc != 0;
}

/* The MIC and channel-binding checks of an NTLMv2 response whose
 * NTProofStr verified. */
static agw_ntlm_auth_status v2_extras(const agw_ntlm_server_in *in,
                                      const agw_ntlm_server_out *out)
{
    const agw_ntlm_av *av = &in->resp->av;
    int announced = av->has_flags && (av->flags & AGW_NTLM_AVF_MIC);

    /* The announcement sits in the AV pairs, which NTProofStr covers, so it
     * cannot be stripped; the MIC then covers all three messages. */
    if (announced || in->require_mic) {
        if (!announced || !out->has_key || !in->auth->has_mic
            || !agw_ntlm_mic_verify(out->exported, in->negotiate,
                                    in->negotiate_len, in->challenge,
                                    in->challenge_len, in->authenticate,
                                    in->authenticate_len))
            return AGW_NTLM_AUTH_BAD_MIC;
    }
    if (in->cb16 || in->require_cb) {
        /* All-zero bindings are what a client without them sends. */
        int given = nonzero(&av->channel_bindings);
        if (given ? !in->cb16 || CRYPTO_memcmp(av->channel_bindings.p,
                                               in->cb16, 16) != 0
                  : in->require_cb)
            return AGW_NTLM_AUTH_BAD_BINDINGS;
    }
    return AGW_NTLM_AUTH_OK;
}

agw_ntlm_auth_status agw_ntlm_server_verify(const agw_ntlm_server_in *in,
                                            agw_ntlm_server_out *out)
{
    const agw_ntlm_resp *r = in->resp;
    const agw_ntlm_authenticate *a = in->auth;
    unsigned char key[AGW_NTLM_KEY_LEN], sbk[AGW_NTLM_KEY_LEN],
                  kx[AGW_NTLM_KEY_LEN];
    agw_ntlm_auth_status st = AGW_NTLM_AUTH_OK;
    int m;

    memset(out, 0, sizeof *out);
    switch (r->kind) {
    case AGW_NTLM_RESP_ANONYMOUS:
        return AGW_NTLM_AUTH_ANONYMOUS;
    case AGW_NTLM_RESP_V1:
    case AGW_NTLM_RESP_NTLM2_SESSION:
        if (!in->allow_v1)
            return AGW_NTLM_AUTH_V1_REFUSED;
        m = agw_ntlm_v1_verify(in->nt_hash, in->server_chal, a, r);
        if (m <= 0)
            return m < 0 ? AGW_NTLM_AUTH_CRYPTO : AGW_NTLM_AUTH_WRONG;
        agw_ntlm_v1_session_base_key(in->nt_hash, sbk);
        break;
    case AGW_NTLM_RESP_V2:
        if (agw_ntlm_ntowfv2(in->nt_hash, in->user ? in->user : a->user,
                             in->domain ? in->domain : a->domain, key))
            return AGW_NTLM_AUTH_MALFORMED;
        m = agw_ntlm_v2_verify(key, in->server_chal, r, sbk);
        OPENSSL_cleanse(key, sizeof key);
        if (m <= 0)
            return m < 0 ? AGW_NTLM_AUTH_CRYPTO : AGW_NTLM_AUTH_WRONG;
        break;
    default:
        return AGW_NTLM_AUTH_MALFORMED;
    }
    /* The password was right; a session key is a bonus HTTP does not use,
     * but the MIC needs it. */
    if (agw_ntlm_kxkey(r->kind, a->flags, sbk, in->server_chal, &a->lm, kx) == 0
        && agw_ntlm_exported_key(a->flags, kx, &a->session_key,
                                 out->exported) == 0)
        out->has_key = 1;
    if (r->kind == AGW_NTLM_RESP_V2)
        st = v2_extras(in, out);
    OPENSSL_cleanse(sbk, sizeof sbk);
    OPENSSL_cleanse(kx, sizeof kx);
    if (st != AGW_NTLM_AUTH_OK)
        OPENSSL_cleanse(out, sizeof *out);
    return st;
}

/* ---- client ------------------------------------------------------------- */

/* The server's MsvAvTimestamp, if its TargetInfo has one. */
static int server_time(const agw_ntlm_buf *ti, uint64_t *t)
{
    agw_rbuf r;
    if (ti->len == 0)
        return 0;
    agw_r_init(&r, ti->p, ti->len);
    for (;;) {
        uint16_t id = agw_r_le16(&r), len = agw_r_le16(&r);
        agw_rbuf v;
        const unsigned char *val = agw_r_bytes(&r, len);
        if (r.err || id == AGW_NTLM_AV_EOL)
            return 0;
        if (id == AGW_NTLM_AV_TIMESTAMP && len == 8) {
            agw_r_init(&v, val, 8);
            *t = agw_r_le64(&v);
            return 1;
        }
    }
    return 0;
}

agw_ntlm_status agw_ntlm_client_authenticate(apr_pool_t *p,
                                             const agw_ntlm_client_in *in,
                                             unsigned char *out, size_t cap,
                                             size_t *outlen,
                                             unsigned char exported[16])
{
    const agw_ntlm_challenge *c = in->chal;
    agw_ntlm_authenticate a;
    unsigned char key[AGW_NTLM_KEY_LEN], sbk[AGW_NTLM_KEY_LEN], lm[24],
                  enc[AGW_NTLM_KEY_LEN], *av, *nt;
    size_t avcap, ntlen;
    uint64_t time = in->now;
    int mic = server_time(&c->target_info, &time);
    agw_ntlm_status st;
    agw_wbuf w;

    memset(&a, 0, sizeof a);
    a.flags = in->flags & c->flags;
    /* The client's pairs: MsvAvFlags, bindings, a target name in UTF-16. */
    avcap = c->target_info.len + 8 + 20 + 4
            + (in->spn ? 4 + 2 * strlen(in->spn) : 0) + 4;
    av = apr_palloc(p, avcap);
    agw_w_init(&w, av, avcap);
    st = agw_ntlm_av_client(c->target_info.p, c->target_info.len,
                            mic ? AGW_NTLM_AVF_MIC : 0, in->cb16, in->spn, &w);
    /* avcap fits any list, so "no room" means the SPN was not UTF-8. */
    if (st != AGW_NTLM_OK)
        return st == AGW_NTLM_NOROOM ? AGW_NTLM_BAD_STRING : st;
    nt = apr_palloc(p, 16 + 28 + w.len + 4);
    if (agw_ntlm_ntowfv2(in->nt_hash, in->user ? in->user : "",
                         in->domain ? in->domain : "", key))
        return AGW_NTLM_BAD_STRING;
    /* With a MIC the LM response is Z(24) (§3.1.5.1.2). */
    memset(lm, 0, sizeof lm);
    if (agw_ntlm_v2_response(key, c->challenge, in->client_chal, time, av,
                             w.len, nt, 16 + 28 + w.len + 4, &ntlen)
        || (!mic && agw_ntlm_lmv2_response(key, c->challenge, in->client_chal,
                                           lm))
        || agw_ntlm_v2_session_base_key(key, nt, sbk)) {
        OPENSSL_cleanse(key, sizeof key);
        return AGW_NTLM_CRYPTO;
    }
    OPENSSL_cleanse(key, sizeof key);
    /* NTLMv2: KeyExchangeKey = SessionBaseKey. */
    if (a.flags & AGW_NTLMSSP_NEGOTIATE_KEY_EXCH) {
        agw_ntlm_encrypt_session_key(sbk, in->random_key, enc);
        memcpy(exported, in->random_key, AGW_NTLM_KEY_LEN);
        a.session_key.p = enc;
        a.session_key.len = sizeof enc;
    }
    else {
        memcpy(exported, sbk, AGW_NTLM_KEY_LEN);
    }
    OPENSSL_cleanse(sbk, sizeof sbk);
    a.lm.p = lm;
    a.lm.len = sizeof lm;
    a.nt.p = nt;
    a.nt.len = ntlen;
    a.domain = in->domain;
    a.user = in->user;
    a.workstation = in->workstation;
    a.has_version = in->has_version;
    memcpy(a.version, in->version, sizeof a.version);
    a.has_mic = mic;
    st = agw_ntlm_encode_authenticate(&a, out, cap, outlen);
    if (st == AGW_NTLM_OK && mic
        && agw_ntlm_mic(exported, in->negotiate, in->negotiate_len,
                        in->challenge, in->challenge_len, out, *outlen,
                        out + AGW_NTLM_MIC_OFFSET))
        st = AGW_NTLM_CRYPTO;
    if (st != AGW_NTLM_OK)
        OPENSSL_cleanse(exported, AGW_NTLM_KEY_LEN);
    return st;
}
