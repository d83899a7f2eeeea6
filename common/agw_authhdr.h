/* The Authorization (or Proxy-Authorization) header of the NTLM, Negotiate
 * and Basic schemes, read without httpd: the scheme, the token decoded from
 * strict base64 (agw_b64std), and what the token is, down to the NTLMSSP
 * message inside it:
 *
 *   NTLM <b64>       raw NTLMSSP
 *   Negotiate <b64>  raw NTLMSSP (Windows without Kerberos), or a GSS-API
 *                    token: SPNEGO (RFC 4178, agw_spnego.h) whose preferred
 *                    mechanism is NTLMSSP or another one (Kerberos), a later
 *                    SPNEGO leg (NegTokenResp), or a bare mechanism token
 *   Basic <b64>      "user:password"
 *
 * What to do with a token depends on the state of the connection, which
 * the module keeps; this file only reads. */
#ifndef AGW_AUTHHDR_H
#define AGW_AUTHHDR_H

#include <stddef.h>

#include <apr_pools.h>

#include "agw_spnego.h"

typedef enum {
    AGW_AUTH_OTHER = 0,
    AGW_AUTH_NTLM,
    AGW_AUTH_NEGOTIATE,
    AGW_AUTH_BASIC
} agw_auth_scheme;

typedef enum {
    AGW_TOK_NONE = 0,    /* the scheme alone, or a scheme not looked into */
    AGW_TOK_BAD_BASE64,  /* not canonical base64, or too long */
    AGW_TOK_BASIC,       /* Basic: the decoded "user:password" */
    AGW_TOK_NTLMSSP,     /* a raw NTLMSSP message */
    AGW_TOK_SPNEGO_NTLM, /* a NegTokenInit preferring NTLMSSP */
    AGW_TOK_SPNEGO_INIT, /* a NegTokenInit preferring another mechanism */
    AGW_TOK_SPNEGO_RESP, /* a NegTokenResp: the next leg of a negotiation */
    AGW_TOK_GSS,         /* a GSS-API token of another mechanism (Kerberos) */
    AGW_TOK_MALFORMED    /* why says what is wrong */
} agw_tok_kind;

typedef struct {
    agw_auth_scheme scheme;
    const char *scheme_name;   /* as sent (for logs) */
    unsigned char *token;      /* decoded; NULL when none */
    size_t len;
    agw_tok_kind kind;
    const char *why;           /* AGW_TOK_MALFORMED, AGW_TOK_BAD_BASE64 */
    /* The SPNEGO kinds (and the mechanism of AGW_TOK_GSS in
     * spnego.this_mech). */
    agw_spnego_token spnego;
    /* AGW_TOK_SPNEGO_INIT: where NTLMSSP is in mechTypes, or -1. */
    int ntlm_index;
    /* The NTLMSSP message: the raw token, or SPNEGO's mechToken or
     * responseToken when it is one; NULL when there is none. */
    const unsigned char *ntlm;
    size_t ntlm_len;
    int ntlm_type;             /* its MessageType (1..3), or 0 */
} agw_authhdr;

/* Reads the header value v.  Tokens of NTLM, Negotiate and Basic are
 * decoded when their base64 is canonical and decodes to at most max_token
 * bytes; tokens of other schemes are not looked at (AGW_TOK_NONE). */
void agw_authhdr_parse(apr_pool_t *p, const char *v, size_t max_token,
                       agw_authhdr *out);

#endif
