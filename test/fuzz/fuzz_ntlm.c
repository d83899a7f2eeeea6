/* libFuzzer: every NTLM decoder on any bytes (an Authorization header is the
 * client's to write, a CHALLENGE the backend's), with these invariants:
 * - what decodes, re-encodes and decodes to the same fields;
 * - nothing made up verifies as a logon;
 * - a CHALLENGE the client answers is verified by the server side;
 * - the strict base64 decoder accepts only the spelling its encoder writes. */
#include <string.h>

#include <apr_general.h>

#include "agw_b64.h"
#include "agw_ntlm.h"
#include "agw_ntlm_crypto.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static const unsigned char chal8[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const unsigned char hash16[16] = { 0x5a, 0xa5 };

static int same_str(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

static int same_buf(const agw_ntlm_buf *a, const agw_ntlm_buf *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

static void negotiate(apr_pool_t *p, const unsigned char *d, size_t n)
{
    const uint32_t supplied = AGW_NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED
                              | AGW_NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED;
    agw_ntlm_negotiate m, again;
    unsigned char *out;
    size_t on;

    if (agw_ntlm_decode_negotiate(p, d, n, &m) != AGW_NTLM_OK)
        return;
    /* Two fields may overlap in the input, not in the output. */
    out = apr_palloc(p, 2 * n + 64);
    CHECK(agw_ntlm_encode_negotiate(&m, out, 2 * n + 64, &on) == AGW_NTLM_OK);
    CHECK(agw_ntlm_decode_negotiate(p, out, on, &again) == AGW_NTLM_OK);
    CHECK((again.flags & ~supplied) == (m.flags & ~supplied));
    CHECK(same_str(again.domain, m.domain));
    CHECK(same_str(again.workstation, m.workstation));
    CHECK(again.has_version == m.has_version);
}

/* The client answers the CHALLENGE; whatever it sends, the server takes. */
static void answer(apr_pool_t *p, const unsigned char *d, size_t n,
                   const agw_ntlm_challenge *c)
{
    static const unsigned char neg[] = "NTLMSSP\0\1\0\0\0\0\0\0\0";
    static const unsigned char cc[8] = { 9, 9, 9 }, rk[16] = { 7, 7 };
    agw_ntlm_client_in ci;
    agw_ntlm_server_in si;
    agw_ntlm_server_out so;
    agw_ntlm_authenticate a;
    agw_ntlm_resp r;
    unsigned char *out, exported[16];
    size_t cap = 2 * n + 1024, on;

    memset(&ci, 0, sizeof ci);
    ci.negotiate = neg;
    ci.negotiate_len = sizeof neg - 1;
    ci.challenge = d;
    ci.challenge_len = n;
    ci.chal = c;
    ci.flags = 0xffffffffu;
    ci.user = "alice";
    ci.domain = "LAB";
    ci.workstation = "PC";
    ci.nt_hash = hash16;
    ci.client_chal = cc;
    ci.random_key = rk;
    ci.now = 1;
    ci.cb16 = rk;
    ci.spn = "HTTP/gw";
    out = apr_palloc(p, cap);
    if (agw_ntlm_client_authenticate(p, &ci, out, cap, &on, exported)
        != AGW_NTLM_OK)
        return;
    CHECK(agw_ntlm_decode_authenticate(p, out, on, &a) == AGW_NTLM_OK);
    /* The server's own AV pairs, copied through, may be ones we refuse. */
    if (agw_ntlm_classify(p, &a, &r) != AGW_NTLM_OK)
        return;
    CHECK(r.kind == AGW_NTLM_RESP_V2);
    memset(&si, 0, sizeof si);
    si.negotiate = neg;
    si.negotiate_len = sizeof neg - 1;
    si.challenge = d;
    si.challenge_len = n;
    si.authenticate = out;
    si.authenticate_len = on;
    si.auth = &a;
    si.resp = &r;
    si.server_chal = c->challenge;
    si.nt_hash = hash16;
    si.cb16 = rk;
    CHECK(agw_ntlm_server_verify(&si, &so) == AGW_NTLM_AUTH_OK);
    CHECK(so.has_key && memcmp(so.exported, exported, 16) == 0);
}

static void challenge(apr_pool_t *p, const unsigned char *d, size_t n)
{
    agw_ntlm_challenge m, again;
    unsigned char *out;
    size_t on;

    if (agw_ntlm_decode_challenge(p, d, n, &m) != AGW_NTLM_OK)
        return;
    out = apr_palloc(p, 2 * n + 64);
    CHECK(agw_ntlm_encode_challenge(&m, out, 2 * n + 64, &on) == AGW_NTLM_OK);
    CHECK(agw_ntlm_decode_challenge(p, out, on, &again) == AGW_NTLM_OK);
    CHECK(again.flags == m.flags);
    CHECK(same_str(again.target_name, m.target_name));
    CHECK(memcmp(again.challenge, m.challenge, 8) == 0);
    CHECK(same_buf(&again.target_info, &m.target_info));
    CHECK(again.has_version == m.has_version);
    answer(p, d, n, &m);
}

static void authenticate(apr_pool_t *p, const unsigned char *d, size_t n)
{
    agw_ntlm_authenticate m, again;
    agw_ntlm_resp r;
    agw_ntlm_server_in si;
    agw_ntlm_server_out so;
    unsigned char *out;
    size_t on;

    if (agw_ntlm_decode_authenticate(p, d, n, &m) != AGW_NTLM_OK)
        return;
    out = apr_palloc(p, 6 * n + 96);
    CHECK(agw_ntlm_encode_authenticate(&m, out, 6 * n + 96, &on) == AGW_NTLM_OK);
    CHECK(agw_ntlm_decode_authenticate(p, out, on, &again) == AGW_NTLM_OK);
    CHECK(again.flags == m.flags);
    CHECK(same_buf(&again.lm, &m.lm) && same_buf(&again.nt, &m.nt));
    CHECK(same_buf(&again.session_key, &m.session_key));
    CHECK(same_str(again.user, m.user) && same_str(again.domain, m.domain));
    CHECK(same_str(again.workstation, m.workstation));
    CHECK(again.has_version == m.has_version && again.has_mic == m.has_mic);
    CHECK(!m.has_mic || memcmp(again.mic, m.mic, 16) == 0);

    agw_ntlm_classify(p, &m, &r);
    memset(&si, 0, sizeof si);
    si.negotiate = d;
    si.negotiate_len = n;
    si.challenge = d;
    si.challenge_len = n;
    si.authenticate = d;
    si.authenticate_len = n;
    si.auth = &m;
    si.resp = &r;
    si.server_chal = chal8;
    si.nt_hash = hash16;
    si.allow_v1 = 1;
    si.cb16 = hash16;
    /* Nobody holding the hash made these bytes: no logon may succeed. */
    CHECK(agw_ntlm_server_verify(&si, &so) != AGW_NTLM_AUTH_OK);
}

#define B64_RAW 4096

static void base64(const unsigned char *d, size_t n)
{
    static char enc[B64_RAW / 3 * 4 + 8]; /* scratch, too big for a stack */
    unsigned char out[B64_RAW];
    size_t on, m = n > B64_RAW ? B64_RAW : n;

    if (agw_b64std_decode((const char *)d, n, out, sizeof out, &on) == 0) {
        CHECK(agw_b64std_enc_len(on) == n);
        agw_b64std_encode(out, on, enc);
        CHECK(memcmp(enc, d, n) == 0);
    }
    agw_b64std_encode(d, m, enc);
    CHECK(agw_b64std_decode(enc, strlen(enc), out, sizeof out, &on) == 0);
    CHECK(on == m && memcmp(out, d, on) == 0);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static int init;
    apr_pool_t *p;
    agw_ntlm_av av;
    agw_wbuf w;
    unsigned char *buf;

    if (!init)
        init = apr_initialize() == APR_SUCCESS;
    apr_pool_create(&p, NULL);
    agw_ntlm_msg_type(data, size);
    negotiate(p, data, size);
    challenge(p, data, size);
    authenticate(p, data, size);
    if (agw_ntlm_av_parse(p, data, size, &av) == AGW_NTLM_OK)
        CHECK(av.len <= size);
    buf = apr_palloc(p, size + 64);
    agw_w_init(&w, buf, size + 64);
    agw_ntlm_av_client(data, size, AGW_NTLM_AVF_MIC, hash16, "HTTP/x", &w);
    base64(data, size);
    apr_pool_destroy(p);
    return 0;
}
