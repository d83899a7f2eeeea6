/* NTLMSSP wire codec (MS-NLMP §2.2): NEGOTIATE, CHALLENGE and AUTHENTICATE
 * messages, AV pairs, and the kind of response an AUTHENTICATE carries.
 *
 * Shared by the NTLM receipt module (server: decodes 1 and 3, encodes 2) and
 * the delegation module (client: encodes 1 and 3, decodes 2).  The crypto of
 * MS-NLMP §3.3 is apart, in agw_ntlm_crypto.h.
 *
 * Decoding never reads past the length it is given and never trusts an
 * offset: a field whose offset and length leave the message, start inside
 * the fixed header, or overflow is a decode error.  Decoded byte fields point
 * into the caller's message (no copy; keep it alive); names are converted to
 * UTF-8 in the caller's pool.  A name holding U+0000, an unpaired surrogate,
 * an odd number of UTF-16 bytes, or (in the OEM character set, whose code
 * page we cannot know) a byte above 0x7F is refused: a user name must have
 * exactly one reading.  The byte layout of each message is drawn above its
 * code in agw_ntlm.c. */
#ifndef AGW_NTLM_H
#define AGW_NTLM_H

#include <stddef.h>
#include <stdint.h>

#include <apr_pools.h>

#include "agw_bytes.h"

/* NegotiateFlags, MS-NLMP §2.2.2.5 (bit letters W..A of the spec). */
#define AGW_NTLMSSP_NEGOTIATE_UNICODE                  0x00000001u /* A */
#define AGW_NTLMSSP_NEGOTIATE_OEM                      0x00000002u /* B */
#define AGW_NTLMSSP_REQUEST_TARGET                     0x00000004u /* C */
#define AGW_NTLMSSP_NEGOTIATE_SIGN                     0x00000010u /* D */
#define AGW_NTLMSSP_NEGOTIATE_SEAL                     0x00000020u /* E */
#define AGW_NTLMSSP_NEGOTIATE_DATAGRAM                 0x00000040u /* F */
#define AGW_NTLMSSP_NEGOTIATE_LM_KEY                   0x00000080u /* G */
#define AGW_NTLMSSP_NEGOTIATE_NTLM                     0x00000200u /* H */
#define AGW_NTLMSSP_ANONYMOUS                          0x00000800u /* J */
#define AGW_NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED      0x00001000u /* K */
#define AGW_NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED 0x00002000u /* L */
#define AGW_NTLMSSP_NEGOTIATE_ALWAYS_SIGN              0x00008000u /* M */
#define AGW_NTLMSSP_TARGET_TYPE_DOMAIN                 0x00010000u /* N */
#define AGW_NTLMSSP_TARGET_TYPE_SERVER                 0x00020000u /* O */
#define AGW_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u /* P */
#define AGW_NTLMSSP_NEGOTIATE_IDENTIFY                 0x00100000u /* Q */
#define AGW_NTLMSSP_REQUEST_NON_NT_SESSION_KEY         0x00400000u /* R */
#define AGW_NTLMSSP_NEGOTIATE_TARGET_INFO              0x00800000u /* S */
#define AGW_NTLMSSP_NEGOTIATE_VERSION                  0x02000000u /* T */
#define AGW_NTLMSSP_NEGOTIATE_128                      0x20000000u /* U */
#define AGW_NTLMSSP_NEGOTIATE_KEY_EXCH                 0x40000000u /* V */
#define AGW_NTLMSSP_NEGOTIATE_56                       0x80000000u /* W */

/* AvId values, MS-NLMP §2.2.2.1. */
#define AGW_NTLM_AV_EOL              0
#define AGW_NTLM_AV_NB_COMPUTER      1
#define AGW_NTLM_AV_NB_DOMAIN        2
#define AGW_NTLM_AV_DNS_COMPUTER     3
#define AGW_NTLM_AV_DNS_DOMAIN       4
#define AGW_NTLM_AV_DNS_TREE         5
#define AGW_NTLM_AV_FLAGS            6
#define AGW_NTLM_AV_TIMESTAMP        7
#define AGW_NTLM_AV_SINGLE_HOST      8
#define AGW_NTLM_AV_TARGET_NAME      9
#define AGW_NTLM_AV_CHANNEL_BINDINGS 10

/* MsvAvFlags bits. */
#define AGW_NTLM_AVF_CONSTRAINED   0x1u /* authentication is constrained */
#define AGW_NTLM_AVF_MIC           0x2u /* the AUTHENTICATE carries a MIC */
#define AGW_NTLM_AVF_UNTRUSTED_SPN 0x4u /* target name from an untrusted source */

#define AGW_NTLM_CHALLENGE_LEN 8
#define AGW_NTLM_VERSION_LEN 8
#define AGW_NTLM_MIC_LEN 16
/* Where the MIC sits in an AUTHENTICATE message that has one. */
#define AGW_NTLM_MIC_OFFSET 72

typedef enum {
    AGW_NTLM_OK = 0,
    AGW_NTLM_TRUNCATED,     /* shorter than its fixed header */
    AGW_NTLM_BAD_SIGNATURE, /* not "NTLMSSP\0" */
    AGW_NTLM_BAD_TYPE,      /* another MessageType than the one asked for */
    AGW_NTLM_BAD_FIELD,     /* a field's offset/length out of the message */
    AGW_NTLM_BAD_STRING,    /* a name that is not clean UTF-16LE / ASCII */
    AGW_NTLM_BAD_AV,        /* AV pairs malformed, unterminated, duplicated */
    AGW_NTLM_BAD_RESPONSE,  /* a challenge response of no known shape */
    AGW_NTLM_NOROOM,        /* encoding: the caller's buffer is too small */
    AGW_NTLM_CRYPTO         /* building a message: the crypto library failed */
} agw_ntlm_status;

/* A short word for each status, fit for a log line. */
const char *agw_ntlm_reason(agw_ntlm_status st);

/* Bytes inside a message (decoding) or the caller's (encoding). */
typedef struct {
    const unsigned char *p; /* may be NULL when len is 0 */
    size_t len;
} agw_ntlm_buf;

typedef struct {
    uint32_t flags;
    /* UTF-8; OEM in the message; "" when absent */
    const char *domain;
    const char *workstation;
    int has_version;
    unsigned char version[AGW_NTLM_VERSION_LEN];
} agw_ntlm_negotiate;

typedef struct {
    uint32_t flags;
    const char *target_name; /* UTF-8 (on the wire UTF-16LE or OEM, by flags) */
    unsigned char challenge[AGW_NTLM_CHALLENGE_LEN];
    agw_ntlm_buf target_info; /* AV pairs, as bytes (see agw_ntlm_av_parse) */
    int has_version;
    unsigned char version[AGW_NTLM_VERSION_LEN];
} agw_ntlm_challenge;

typedef struct {
    uint32_t flags;
    agw_ntlm_buf lm;          /* LmChallengeResponse */
    agw_ntlm_buf nt;          /* NtChallengeResponse */
    /* UTF-8; on the wire UTF-16LE when flags say UNICODE, else OEM */
    const char *domain;
    const char *user;
    const char *workstation;
    agw_ntlm_buf session_key; /* EncryptedRandomSessionKey */
    int has_version;
    unsigned char version[AGW_NTLM_VERSION_LEN];
    /* Decoding: set when the payload leaves room for the 16 bytes at
     * AGW_NTLM_MIC_OFFSET; whether they are a MIC is said by MsvAvFlags in
     * the NTLMv2 response.  Encoding: reserve them (and the version). */
    int has_mic;
    unsigned char mic[AGW_NTLM_MIC_LEN];
} agw_ntlm_authenticate;

/* The MessageType (1, 2, 3) of a message that starts with the signature, or
 * 0. */
int agw_ntlm_msg_type(const unsigned char *msg, size_t len);

/* Decoders: AGW_NTLM_OK and *out filled, or the reason.  Byte fields of *out
 * point into msg. */
agw_ntlm_status agw_ntlm_decode_negotiate(apr_pool_t *p,
                                          const unsigned char *msg, size_t len,
                                          agw_ntlm_negotiate *out);
agw_ntlm_status agw_ntlm_decode_challenge(apr_pool_t *p,
                                          const unsigned char *msg, size_t len,
                                          agw_ntlm_challenge *out);
agw_ntlm_status agw_ntlm_decode_authenticate(apr_pool_t *p,
                                             const unsigned char *msg,
                                             size_t len,
                                             agw_ntlm_authenticate *out);

/* Encoders: write the message into out (cap bytes), set *outlen.  Names are
 * UTF-8 (NULL is empty).  The NEGOTIATE encoder sets or clears the
 * OEM_*_SUPPLIED flags to match the names given; a version is written when
 * has_version is set (and then NEGOTIATE_VERSION should be in flags). */
agw_ntlm_status agw_ntlm_encode_negotiate(const agw_ntlm_negotiate *m,
                                          unsigned char *out, size_t cap,
                                          size_t *outlen);
agw_ntlm_status agw_ntlm_encode_challenge(const agw_ntlm_challenge *m,
                                          unsigned char *out, size_t cap,
                                          size_t *outlen);
agw_ntlm_status agw_ntlm_encode_authenticate(const agw_ntlm_authenticate *m,
                                             unsigned char *out, size_t cap,
                                             size_t *outlen);

/* ---- AV pairs (MS-NLMP §2.2.2.1) ----------------------------------------- */

typedef struct {
    /* Names in UTF-8, NULL when the pair is absent. */
    const char *nb_computer, *nb_domain, *dns_computer, *dns_domain, *dns_tree;
    const char *target_name;
    int has_flags;
    uint32_t flags;             /* MsvAvFlags */
    int has_timestamp;
    uint64_t timestamp;         /* FILETIME */
    agw_ntlm_buf single_host;   /* raw Single_Host_Data */
    agw_ntlm_buf channel_bindings; /* 16 bytes (MD5 of the bindings) or empty */
    size_t len;                 /* bytes up to and including MsvAvEOL */
} agw_ntlm_av;

/* Parses pairs up to MsvAvEOL; bytes after it are not looked at (an NTLMv2
 * response pads them), av->len says where it ended.  A list without EOL, a
 * pair running past n, EOL with a value, a known pair of the wrong size or a
 * known AvId twice is AGW_NTLM_BAD_AV, a name that is not clean UTF-16LE
 * AGW_NTLM_BAD_STRING; unknown AvIds are skipped. */
agw_ntlm_status agw_ntlm_av_parse(apr_pool_t *p, const unsigned char *in,
                                  size_t n, agw_ntlm_av *av);

/* Builders: append one pair to w (errors stick in w->err, as agw_bytes). */
void agw_ntlm_av_put(agw_wbuf *w, uint16_t id, const void *val, size_t n);
/* A name, UTF-8 in (not NULL), UTF-16LE on the wire. */
void agw_ntlm_av_put_str(agw_wbuf *w, uint16_t id, const char *utf8);
void agw_ntlm_av_put_u32(agw_wbuf *w, uint16_t id, uint32_t v);
void agw_ntlm_av_put_u64(agw_wbuf *w, uint16_t id, uint64_t v);
void agw_ntlm_av_put_eol(agw_wbuf *w);

/* Client side: the AV pairs for an NTLMv2 response built from the server's
 * TargetInfo (n may be 0): each of the server's pairs in order but MsvAvEOL
 * and the three a client asserts (MsvAvFlags, MsvAvChannelBindings,
 * MsvAvTargetName), then MsvAvFlags when avflags is non-zero,
 * MsvAvChannelBindings when cb16 is given, MsvAvTargetName when spn is
 * given, then MsvAvEOL. */
agw_ntlm_status agw_ntlm_av_client(const unsigned char *server, size_t n,
                                   uint32_t avflags, const unsigned char *cb16,
                                   const char *spn, agw_wbuf *w);

/* ---- the response an AUTHENTICATE carries --------------------------------- */

typedef enum {
    AGW_NTLM_RESP_INVALID = 0,    /* none of the shapes below */
    AGW_NTLM_RESP_ANONYMOUS,      /* no user, NT empty, LM empty or Z(1) */
    AGW_NTLM_RESP_V1,             /* 24-byte NT response, no ESS flag */
    AGW_NTLM_RESP_NTLM2_SESSION,  /* 24-byte NT, ESS, LM = client chal + Z(16) */
    AGW_NTLM_RESP_V2              /* NTProofStr + NTLMv2_CLIENT_CHALLENGE */
} agw_ntlm_resp_kind;

/* NTLMv2_RESPONSE (MS-NLMP §2.2.2.8) and its NTLMv2_CLIENT_CHALLENGE
 * (§2.2.2.7), after RespType and HiRespType (both 1):
 *
 *   +------------+----+----+------+-----------+------------+------+----------
 *   | NTProofStr | 01 | 01 | Z(6) | TimeStamp | ClientChal | Z(4) | AV pairs
 *   | 16 B       |    |    |      | 8 B LE    | 8 B        |      | ...
 *   +------------+----+----+------+-----------+------------+------+----------
 *                `- the blob: NTProofStr is HMAC_MD5(NTOWFv2, server challenge
 *                   || blob); its AV pairs end with MsvAvEOL, then padding. */
typedef struct {
    agw_ntlm_resp_kind kind;
    /* NTLM2 session and NTLMv2: the client's 8-byte challenge. */
    const unsigned char *client_challenge;
    /* NTLMv2 only. */
    const unsigned char *nt_proof; /* 16 bytes */
    agw_ntlm_buf blob;             /* from RespType to the end */
    uint64_t timestamp;
    agw_ntlm_av av;
} agw_ntlm_resp;

/* Classifies the challenge responses of a decoded AUTHENTICATE (and parses
 * the NTLMv2 blob).  AGW_NTLM_OK, or AGW_NTLM_BAD_RESPONSE / BAD_AV with
 * kind AGW_NTLM_RESP_INVALID. */
agw_ntlm_status agw_ntlm_classify(apr_pool_t *p, const agw_ntlm_authenticate *a,
                                  agw_ntlm_resp *out);

/* A short name of each kind, fit for a log line ("NTLMv2", ...). */
const char *agw_ntlm_resp_name(agw_ntlm_resp_kind kind);

/* ---- text ----------------------------------------------------------------- */

/* UTF-8 to UTF-16LE, appended to w.  -1 (and w->err) on invalid UTF-8
 * (overlong forms, surrogates, beyond U+10FFFF, truncated) or U+0000. */
int agw_ntlm_put_utf16(agw_wbuf *w, const char *utf8, size_t n);
/* UTF-16LE to a NUL-terminated UTF-8 string in p; NULL on odd length,
 * unpaired surrogates or U+0000. */
char *agw_ntlm_utf16_to_utf8(apr_pool_t *p, const unsigned char *in, size_t n);

/* A Unix time in microseconds as a FILETIME (100 ns since 1601). */
uint64_t agw_ntlm_filetime(int64_t unix_usec);

#endif
