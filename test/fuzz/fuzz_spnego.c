/* libFuzzer: the Negotiate/NTLM header path end to end -- header value ->
 * strict base64 -> SPNEGO (RFC 4178) -> the NTLMSSP message inside ->
 * its decoder -- on any bytes, taken three ways: as a header value, as a
 * decoded token under "Negotiate " (so that mutations reach SPNEGO without
 * having to be base64), and as a bare SPNEGO token.  Invariants:
 * - SPNEGO that decodes is DER: encoding it again gives the same bytes;
 * - what the header reader points at lies inside the decoded token, and
 *   a refusal says why;
 * - an NTLMSSP message it finds decodes or is refused, never crashes;
 * - an NTLMSSP signature over the mechTypes verifies with the same keys,
 *   once (the sequence number moves on). */
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "agw_authhdr.h"
#include "agw_b64.h"
#include "agw_ntlm.h"
#include "agw_ntlm_crypto.h"
#include "agw_spnego.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
#define MAX_TOKEN 12288

static void inside(const agw_authhdr *h, const unsigned char *p, size_t n)
{
    CHECK(p >= h->token && n <= h->len
          && (size_t)(p - h->token) <= h->len - n);
}

/* DER: decode(x) = t implies encode(t) = x. */
static void same_der(apr_pool_t *p, const agw_spnego_token *t,
                     const unsigned char *in, size_t n)
{
    unsigned char *out = apr_palloc(p, n + 1);
    size_t on = 0;
    CHECK(agw_spnego_encode(t, out, n, &on) == AGW_SPNEGO_OK);
    CHECK(on == n && memcmp(out, in, n) == 0);
    if (n)
        CHECK(agw_spnego_encode(t, out, n - 1, &on) == AGW_SPNEGO_NOROOM);
}

static void mic_round_trip(const agw_spnego_token *t, const unsigned char *d,
                           size_t n)
{
    unsigned char key[16] = { 0 }, sig[AGW_NTLM_SIG_LEN];
    agw_ntlm_sig_ctx a, b;
    uint32_t flags = 0;

    if (t->kind != AGW_SPNEGO_INIT)
        return;
    memcpy(&flags, d, n < 4 ? n : 4);
    memcpy(key, d, n < 16 ? n : 16);
    CHECK(agw_ntlm_sig_init(&a, flags, key, 1) == 0);
    CHECK(agw_ntlm_sig_init(&b, flags, key, 1) == 0);
    CHECK(agw_ntlm_sig_make(&a, t->mech_types.p, t->mech_types.len, sig) == 0);
    CHECK(agw_ntlm_sig_check(&b, t->mech_types.p, t->mech_types.len, sig,
                             sizeof sig));
    CHECK(!agw_ntlm_sig_check(&b, t->mech_types.p, t->mech_types.len, sig,
                              sizeof sig));
}

static void ntlm_message(apr_pool_t *p, const agw_authhdr *h)
{
    agw_ntlm_negotiate neg;
    agw_ntlm_challenge ch;
    agw_ntlm_authenticate a;
    agw_ntlm_resp r;

    if (!h->ntlm)
        return;
    inside(h, h->ntlm, h->ntlm_len);
    CHECK(h->ntlm_len >= 8 && !memcmp(h->ntlm, "NTLMSSP", 8));
    CHECK(h->ntlm_type == agw_ntlm_msg_type(h->ntlm, h->ntlm_len));
    switch (h->ntlm_type) {
    case 1:
        agw_ntlm_decode_negotiate(p, h->ntlm, h->ntlm_len, &neg);
        break;
    case 2:
        agw_ntlm_decode_challenge(p, h->ntlm, h->ntlm_len, &ch);
        break;
    case 3:
        if (agw_ntlm_decode_authenticate(p, h->ntlm, h->ntlm_len, &a)
            == AGW_NTLM_OK)
            agw_ntlm_classify(p, &a, &r);
        break;
    }
}

static void header(apr_pool_t *p, const char *v)
{
    agw_authhdr h;

    agw_authhdr_parse(p, v, MAX_TOKEN, &h);
    CHECK(h.scheme_name != NULL);
    switch (h.kind) {
    case AGW_TOK_NONE:
        CHECK(h.token == NULL);
        break;
    case AGW_TOK_BAD_BASE64:
    case AGW_TOK_MALFORMED:
        CHECK(h.why && *h.why && !h.ntlm);
        break;
    case AGW_TOK_NTLMSSP:
        CHECK(h.ntlm == h.token && h.ntlm_len == h.len);
        break;
    case AGW_TOK_SPNEGO_NTLM:
    case AGW_TOK_SPNEGO_INIT:
    case AGW_TOK_SPNEGO_RESP:
        CHECK(h.scheme == AGW_AUTH_NEGOTIATE);
        same_der(p, &h.spnego, h.token, h.len);
        if (h.kind == AGW_TOK_SPNEGO_INIT)
            CHECK(h.spnego.n_mechs > 0
                  && !agw_spnego_oid_eq(&h.spnego.mechs[0], &agw_oid_ntlmssp));
        if (h.kind != AGW_TOK_SPNEGO_RESP)
            inside(&h, h.spnego.mech_types.p, h.spnego.mech_types.len);
        agw_spnego_mech_name(p, &h.spnego.mechs[0]);
        break;
    case AGW_TOK_GSS:
        CHECK(h.spnego.this_mech.len > 0);
        agw_spnego_mech_name(p, &h.spnego.this_mech);
        break;
    case AGW_TOK_BASIC:
        CHECK(h.scheme == AGW_AUTH_BASIC && h.token);
        break;
    }
    ntlm_message(p, &h);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static int init;
    apr_pool_t *p;
    agw_spnego_token t;
    agw_spnego_status st;
    char *v;

    if (!init)
        init = apr_initialize() == APR_SUCCESS;
    apr_pool_create(&p, NULL);

    /* the bytes as a header value (up to a NUL, as httpd would give it) */
    header(p, apr_pstrmemdup(p, (const char *)data, size));

    /* the bytes as the token of a Negotiate header */
    v = apr_palloc(p, sizeof "Negotiate " + agw_b64std_enc_len(size));
    memcpy(v, "Negotiate ", 10);
    agw_b64std_encode(data, size, v + 10);
    header(p, v);

    /* the bytes as a SPNEGO token */
    st = agw_spnego_decode(data, size, &t);
    if (st == AGW_SPNEGO_OK) {
        same_der(p, &t, data, size);
        mic_round_trip(&t, data, size);
    }
    else {
        CHECK(*agw_spnego_reason(st));
    }
    apr_pool_destroy(p);
    return 0;
}
