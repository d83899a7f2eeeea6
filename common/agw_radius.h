/* RADIUS client codec (RFC 2865): the Access-Request we send and the check of
 * the reply to it.
 *
 * Built to resist BlastRADIUS (CVE-2024-3596): an attacker on the path can
 * forge an Access-Accept whose MD5 Response Authenticator verifies, by an MD5
 * chosen-prefix collision, as long as the reply need not carry a valid
 * Message-Authenticator (HMAC-MD5, RFC 3579 §3.2).  So every request carries
 * one, placed first, and every reply -- Accept, Reject or Challenge -- is
 * refused unless it carries exactly one that verifies.
 *
 * Packet (RFC 2865 §3), integers big-endian:
 *
 *   +------+------+--------+---------------------+---------------------+
 *   | code | id   | length | authenticator       | attributes          |
 *   | 1 B  | 1 B  | 2 B    | 16 B                | length - 20 B       |
 *   +------+------+--------+---------------------+---------------------+
 *
 *   length is 20..4096 and covers the whole packet; bytes of the datagram
 *   past it are padding and ignored.
 *
 * Attribute (RFC 2865 §5):
 *
 *   +------+--------+----------------------+
 *   | type | length | value                |
 *   | 1 B  | 1 B    | length - 2 B (<=253) |
 *   +------+--------+----------------------+
 *
 * The Access-Request we build, in this order:
 *
 *   +------------------------------+------------------------------------+
 *   | header                       | code 1, id, length, 16 random B    |
 *   | Message-Authenticator (80)   | 16 B HMAC-MD5, always, first       |
 *   | User-Name (1)                | 1..253 B                           |
 *   | User-Password (2)            | 16..128 B, hidden (RFC 2865 §5.2)  |
 *   | NAS-IP-Address (4)           | 4 B, when given                    |
 *   | NAS-IPv6-Address (95)        | 16 B, when given (RFC 3162)        |
 *   | NAS-Identifier (32)          | 1..253 B, when given               |
 *   | Calling-Station-Id (31)      | 1..253 B, when given               |
 *   | State (24)                   | 1..253 B, echoed from a challenge  |
 *   +------------------------------+------------------------------------+
 */
#ifndef AGW_RADIUS_H
#define AGW_RADIUS_H

#include <stddef.h>
#include <stdint.h>

#include <apr_pools.h>
#include <apr_tables.h>

#define AGW_RADIUS_HDR_LEN 20
#define AGW_RADIUS_AUTH_LEN 16
#define AGW_RADIUS_MAX_LEN 4096
#define AGW_RADIUS_MAX_VALUE 253
#define AGW_RADIUS_MAX_PASSWORD 128

/* Codes (RFC 2865 §3). */
#define AGW_RADIUS_ACCESS_REQUEST 1
#define AGW_RADIUS_ACCESS_ACCEPT 2
#define AGW_RADIUS_ACCESS_REJECT 3
#define AGW_RADIUS_ACCESS_CHALLENGE 11

/* Attribute types (RFC 2865 §5, RFC 3162, RFC 3579). */
#define AGW_RADIUS_USER_NAME 1
#define AGW_RADIUS_USER_PASSWORD 2
#define AGW_RADIUS_NAS_IP_ADDRESS 4
#define AGW_RADIUS_FILTER_ID 11
#define AGW_RADIUS_REPLY_MESSAGE 18
#define AGW_RADIUS_STATE 24
#define AGW_RADIUS_CLASS 25
#define AGW_RADIUS_SESSION_TIMEOUT 27
#define AGW_RADIUS_CALLING_STATION_ID 31
#define AGW_RADIUS_NAS_IDENTIFIER 32
#define AGW_RADIUS_MESSAGE_AUTHENTICATOR 80
#define AGW_RADIUS_NAS_IPV6_ADDRESS 95

/* Why a build or a reply was refused.  Every refusal of a reply has its own
 * code, so the log says which check failed. */
typedef enum {
    AGW_RADIUS_OK = 0,
    /* building a request */
    AGW_RADIUS_VALUE_TOO_LARGE,    /* an attribute value over 253 bytes */
    AGW_RADIUS_PACKET_TOO_LARGE,   /* over 4096 bytes, or over the buffer */
    AGW_RADIUS_PASSWORD_TOO_LONG,  /* over 128 bytes (RFC 2865 §5.2) */
    AGW_RADIUS_EMPTY_VALUE,        /* a value given with length 0 */
    AGW_RADIUS_MISSING_ATTRIBUTE,  /* no User-Name, no NAS identity, or
                                      neither password nor State */
    /* both */
    AGW_RADIUS_NO_SECRET,          /* an empty shared secret */
    AGW_RADIUS_CRYPTO,             /* the crypto library failed */
    /* checking a reply */
    AGW_RADIUS_TRUNCATED,          /* datagram shorter than its length field
                                      or than a header */
    AGW_RADIUS_BAD_LENGTH,         /* length field under 20 or over 4096 */
    AGW_RADIUS_UNEXPECTED_CODE,    /* not Accept, Reject or Challenge */
    AGW_RADIUS_WRONG_IDENTIFIER,   /* not the identifier of our request */
    AGW_RADIUS_BAD_ATTRIBUTE_LENGTH, /* an attribute under 2 bytes or running
                                        past the packet */
    AGW_RADIUS_BAD_AUTHENTICATOR,  /* Response Authenticator does not verify */
    AGW_RADIUS_NO_MA,              /* no Message-Authenticator */
    AGW_RADIUS_DUPLICATE_MA,       /* more than one Message-Authenticator */
    AGW_RADIUS_BAD_MA_LENGTH,      /* a Message-Authenticator not 18 bytes */
    AGW_RADIUS_BAD_MA,             /* Message-Authenticator does not verify */
    AGW_RADIUS_BAD_STATE,          /* State empty or given twice */
    AGW_RADIUS_BAD_SESSION_TIMEOUT, /* not 4 bytes, or given twice */
    AGW_RADIUS_NUL_IN_TEXT         /* a NUL inside Reply-Message or Filter-Id */
} agw_radius_status;

/* A short word for each status, fit for a log line. */
const char *agw_radius_reason(agw_radius_status st);

/* What to put in an Access-Request.  A value pointer left NULL leaves the
 * attribute out; a non-NULL value of length 0 is refused (RFC 2865 §5: text
 * and strings are at least one byte).  User-Name is required, so is one of
 * NAS-IP-Address, NAS-IPv6-Address or NAS-Identifier, and so is a password or
 * a State. */
typedef struct {
    uint8_t id;
    /* 16 bytes, or NULL to have the codec draw them with RAND_bytes (the
     * normal case; a retransmission reuses the pending authenticator). */
    const unsigned char *authenticator;
    const char *user;
    size_t user_len;
    const char *password;          /* clear text, 0..128 bytes */
    size_t password_len;
    const unsigned char *nas_ip4;  /* 4 bytes, network order */
    const unsigned char *nas_ip6;  /* 16 bytes, network order */
    const char *nas_id;
    size_t nas_id_len;
    const char *calling_station;
    size_t calling_station_len;
    const unsigned char *state;    /* from the Access-Challenge, verbatim */
    size_t state_len;
} agw_radius_request;

/* What a reply is checked against: kept by the caller from the build until the
 * reply comes (or the last retransmission times out). */
typedef struct {
    uint8_t id;
    unsigned char auth[AGW_RADIUS_AUTH_LEN];
} agw_radius_pending;

typedef struct {
    const unsigned char *p;
    size_t len;
} agw_radius_octets;

/* A verified reply; every byte is a copy in the caller's pool. */
typedef struct {
    int code;                      /* AGW_RADIUS_ACCESS_ACCEPT, _REJECT or
                                      _CHALLENGE */
    /* Every Reply-Message, concatenated in order (a server splits a long
     * message over several), NUL-terminated; "" when none. */
    const char *message;
    size_t message_len;
    agw_radius_octets state;       /* p NULL when absent */
    apr_array_header_t *classes;   /* of agw_radius_octets, in order */
    apr_array_header_t *filter_ids; /* of agw_radius_octets, each p also
                                       NUL-terminated, in order */
    int has_session_timeout;
    uint32_t session_timeout;      /* seconds */
} agw_radius_reply;

/* Builds an Access-Request into out (at most cap bytes; AGW_RADIUS_MAX_LEN is
 * always enough) and fills *sent with what the reply must match.  Nothing in
 * *outlen or *sent is meaningful unless AGW_RADIUS_OK is returned. */
agw_radius_status agw_radius_build_request(const agw_radius_request *rq,
                                           const void *secret,
                                           size_t secret_len,
                                           unsigned char *out, size_t cap,
                                           size_t *outlen,
                                           agw_radius_pending *sent);

/* Checks a datagram as the reply to *sent and extracts what a provider needs.
 * Returns AGW_RADIUS_OK and fills *reply only when the reply is well formed,
 * is ours, and both its Response Authenticator and its Message-Authenticator
 * verify under the secret.  A refused datagram is to be dropped, not taken as
 * a reject: keep waiting for the genuine reply until the time-out, so a spoofed
 * one cannot cut a logon short. */
agw_radius_status agw_radius_decode_reply(apr_pool_t *p,
                                          const agw_radius_pending *sent,
                                          const void *secret,
                                          size_t secret_len,
                                          const unsigned char *dgram,
                                          size_t len, agw_radius_reply *reply);

/* RFC 2865 §5.2 hiding of a 0..128-byte password under the secret and the
 * Request Authenticator: padded with NULs to a multiple of 16 (at least 16),
 * each 16-byte block XORed with MD5(secret + previous hidden block, or the
 * authenticator for the first).  Writes 16..128 bytes to out. */
agw_radius_status agw_radius_hide_password(
    const void *secret, size_t secret_len,
    const unsigned char auth[AGW_RADIUS_AUTH_LEN], const void *pw,
    size_t pwlen, unsigned char out[AGW_RADIUS_MAX_PASSWORD], size_t *outlen);

#endif
