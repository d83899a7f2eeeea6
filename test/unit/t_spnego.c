/* SPNEGO (RFC 4178) codec, the mechListMIC as an NTLMSSP signature, and the
 * reading of Authorization headers (agw_authhdr).
 *
 * The exchange below was captured on this project's machines from real
 * software: MIT krb5 1.20's SPNEGO with the gss-ntlmssp 1.2 mechanism on
 * both sides (python3-gssapi, initiator without a Kerberos ticket and
 * NTLM_USER_FILE "GW:alice:Al1ce-Ntlm!", acceptor with the same file), for
 * the service HTTP@gw.gw.test. */
#include <string.h>

#include <apr_strings.h>

#include "agw_authhdr.h"
#include "agw_b64.h"
#include "agw_ntlm.h"
#include "agw_ntlm_crypto.h"
#include "agw_spnego.h"
#include "t_ntlm.h"

/* Initiator: NegTokenInit { mechTypes { NTLMSSP }, mechToken NEGOTIATE }. */
static const char *const C0 =
    "604806062b0601050502a03e303ca00e300c060a2b06010401823702020aa22a"
    "04284e544c4d5353500001000000178208e20000000000000000000000000000"
    "0000060200000000000f";
/* Acceptor: NegTokenResp { accept-incomplete, NTLMSSP, CHALLENGE }. */
static const char *const S0 =
    "a18199308196a0030a0101a10c060a2b06010401823702020aa28180047e4e54"
    "4c4d5353500002000000040004003800000015828ae2b9f1326acfadda630000"
    "000000000000420042003c000000060200000000000f56004d00010004005600"
    "4d000200160057004f0052004b00530054004100540049004f004e0003000400"
    "76006d000600040000000000070008002c9434c8f57cdd0100000000";
/* Initiator: NegTokenResp { accept-incomplete, AUTHENTICATE, mechListMIC }. */
static const char *const C1 =
    "a18201333082012fa0030a0101a28201120482010e4e544c4d53535000030000"
    "000000000058000000940094005800000004000400ec0000000a000a00f00000"
    "0004000400fa00000010001000fe00000015828ae2060200000000000f72ca85"
    "04650c8988f815027c8e74617e569dd602d8eed51eb03146ac7e2b89c0010100"
    "00000000002c9434c8f57cdd0191261e718b33cd90000000000100040056004d"
    "000200160057004f0052004b00530054004100540049004f004e000300040076"
    "006d000600040002000000070008002c9434c8f57cdd0109001e004800540054"
    "0050002f00670077002e00670077002e00740065007300740000000000000000"
    "004700570061006c0069006300650056004d00987c43c4beba84e94f59cdaaae"
    "9afbe1a3120410010000005ffadcd378cfaee300000000";
/* Acceptor: NegTokenResp { accept-completed, mechListMIC }. */
static const char *const S1 =
    "a11b3019a0030a0100a312041001000000edbf5cae7364438e00000000";

/* The same initiator with a Kerberos ticket for HTTP/gw.gw.test (Samba AD,
 * realm GW.TEST) as well: NegTokenInit { mechTypes { Kerberos, NTLMSSP },
 * mechToken AP-REQ }; and, once the acceptor selected NTLMSSP, its
 * NegTokenResp { accept-incomplete, NEGOTIATE }. */
static const char *const KRB5_INIT =
    "6082057606062b0601050502a082056a30820566a019301706092a864886f712"
    "010202060a2b06010401823702020aa2820547048205436082053f06092a8648"
    "86f71201020201006e82052e3082052aa003020105a10302010ea20703050020"
    "000000a3820446618204423082043ea003020105a1091b0747572e54455354a2"
    "1d301ba003020103a11430121b04485454501b0a67772e67772e74657374a382"
    "040b30820407a003020117a103020102a28203f9048203f571decd27e2b633aa"
    "40ac5336126c9dd5306fdfa1d665ea20ad5f2603b0c05ac00f1a9939f8abd805"
    "a5b45885740237c5c3895becf9f91876d400797eee74fea0cf7ee0469ba1ee34"
    "fb248eba0c5234bcca67265b47b3f8e522e2a91833ba94dc8f20cc12bcb0987d"
    "71ffc214599a22a7d3d50fbd0eee28f2c47f35d4afa9664f43640df1332f65d6"
    "51d44b60eb02f90c29b8a4aea6fc39883a0816d5d31097616dffe877407ffe05"
    "35ef5bb4ff492114b57d1069b7564aad39589de12376c8f373168ab1076bc492"
    "2b7f971f1e103000152d8cdfb05584f5114fe9f78a4d1ee567c96fb649840ad1"
    "ed1abcf03d8805b66033abc23cee568b6fe7d94dd60b3440ac091aa7120de014"
    "c61c0be5283bc39d97772481f721c40878d3fb2a9c1d0a2e869327a0ae2eee24"
    "fa58a9d735cffb86f0716dccd3af057cff99a27badedbdf8c29e48aedd8a1821"
    "74c5cadc69bbc19de550d30013094a4aad78631dfdf7fb7f53930d7137c40aa0"
    "e967c1bc992de8a4f7e3a784d8d8da151c412bbdb6fc1982a6160eb37f82a386"
    "cad27259f7293cef75d934b96bffa9b1d0f7bcb99d65904a1cc34f4e38ba3644"
    "be7b9b31e87ca7aef1e916338fc23acbae6937f1fa509d3a52846e57955bae52"
    "34049b3e176c2e8c4a01a1d4c22427cf82991cce33e22c47b02c2a9fd929abb9"
    "588972f0e4203e59d82e8121e94b819cc4951b3e503ab44d5932baff4b63c89e"
    "6fec4baa01e42cd4057a28cbd3bc8076e68b044bad1f64b4efac50679b9c29a3"
    "8724726f58224b9cfb264bf770f940248c90efbb59e5568c3cf8fcd44c575e50"
    "0b132af21cd511b733da09bb98b280274d4369160e57d739a50d88df53292694"
    "28c2bbb76a013234bff324b17322d70a1172935cc850602dd2f63f988d7cc105"
    "8607e34c098d1f1b71e77173935208b97b823da9dc9ff0d723f2d509c561dc17"
    "4b16192485b3e4355ba1f0ee04ce738a8910b977dfb34fbcfdb2f70611f57280"
    "dba913453edbb57d64f8c35fbe32d0dfa95e21ef7899d62af0c1b4298b3133f0"
    "6013dfe7cf82ff5c5e08591d1c4c9ad5ba8e059f1dc740b446ad46a37acea9c3"
    "fc2ff67ee07646776b75d3b82746a2c9a441274f7549c135a5ee70b6b86a3f25"
    "d0a2aacf681a770737afcbedb2e5db67626cd863cb43cdd1c1ee2618269e65bb"
    "4d362926afa355e3c00b914da26a328d8c41de60969e8602bccf97f0f1cd3300"
    "8c18f6b2de6dc7149ec059777372616edb8d3336dbf1d8966dd4ad0379889d9b"
    "ce902a9ca75059e3e95fee750b931ef71f913f7e16aad14de2f6f767edb5a1e0"
    "28a39ab9bf73a255e4c3babcf823f94e63c5eac4bc3be3afd7ba58c33fc50a1d"
    "53ad0101cfb8a91973b4522ad3f06870ee2c752c7163ef41e562c58399ab2d04"
    "ac7d58a720f25bec3055a3d2d7a481ca3081c7a003020112a281bf0481bc9e15"
    "5c4605f75b7d034136e16505ce45db35f9bfde777ba25d393efd84cbe09efa8f"
    "c1b57f378a12e7d4409fb56a347fbfc083bdaa6f02b2a7f9d517958ca86f5e9a"
    "a155f92419c931a40ed41e87709bffa85b160727b393a0a076490a59ba5c9994"
    "56755e7c75acb7f24cf629f544c45d58fdecb0eb8176b980b2791f8e8082a413"
    "34cfb744512e1b371a8e0e7ec1cbc634728bee2fe6c6bd58326152f8b295278b"
    "9a12c74febbbfbc2357a9f58cf50f274dd6b7a72c50446aadbc8";
static const char *const NEGOTIATE_AFTER_SELECTION =
    "a1333031a0030a0101a22a04284e544c4d5353500001000000178208e2000000"
    "00000000000000000000000000060200000000000f";

static const char *const PASSWORD = "Al1ce-Ntlm!";

static size_t unhex(const char *h, unsigned char **out)
{
    size_t cap = strlen(h) / 2 + 1;
    *out = apr_palloc(tp, cap);
    return t_unhex(h, *out, cap);
}

static agw_spnego_token decoded(const char *hex, unsigned char **raw,
                                size_t *n)
{
    agw_spnego_token t;
    *n = unhex(hex, raw);
    ck_assert_int_eq(agw_spnego_decode(*raw, *n, &t), AGW_SPNEGO_OK);
    return t;
}

/* DER: what decodes encodes to the same bytes. */
static void round_trip_big(const agw_spnego_token *t, const unsigned char *raw,
                           size_t n)
{
    unsigned char *out = apr_palloc(tp, n);
    size_t on = 0;
    ck_assert_int_eq(agw_spnego_encode(t, out, n, &on), AGW_SPNEGO_OK);
    ck_assert_uint_eq(on, n);
    ck_assert_mem_eq(out, raw, n);
    ck_assert_int_eq(agw_spnego_encode(t, out, n - 1, &on), AGW_SPNEGO_NOROOM);
}

/* ... and any buffer too small is refused. */
static void round_trip(const agw_spnego_token *t, const unsigned char *raw,
                       size_t n)
{
    unsigned char out[512];
    size_t on = 0, cap;
    ck_assert_int_eq(agw_spnego_encode(t, out, sizeof out, &on), AGW_SPNEGO_OK);
    ck_assert_uint_eq(on, n);
    ck_assert_mem_eq(out, raw, n);
    for (cap = 0; cap < n; cap++)
        ck_assert_int_eq(agw_spnego_encode(t, out, cap, &on),
                         AGW_SPNEGO_NOROOM);
}

START_TEST(real_client_neg_token_init)
{
    unsigned char *raw, *mt;
    size_t n, mtn = unhex("300c060a2b06010401823702020a", &mt);
    agw_spnego_token t = decoded(C0, &raw, &n);

    ck_assert_int_eq(t.kind, AGW_SPNEGO_INIT);
    ck_assert_uint_eq(t.n_mechs, 1);
    ck_assert(agw_spnego_oid_eq(&t.mechs[0], &agw_oid_ntlmssp));
    ck_assert_uint_eq(t.mech_types.len, mtn);
    ck_assert_mem_eq(t.mech_types.p, mt, mtn);
    ck_assert(t.has_token && !t.has_mic && !t.has_req_flags);
    ck_assert_int_eq(agw_ntlm_msg_type(t.token.p, t.token.len), 1);
    ck_assert_int_eq(t.neg_state, AGW_SPNEGO_STATE_NONE);
    round_trip(&t, raw, n);
}
END_TEST

START_TEST(real_neg_token_resps)
{
    unsigned char *raw;
    size_t n;
    agw_spnego_token t = decoded(S0, &raw, &n);

    ck_assert_int_eq(t.kind, AGW_SPNEGO_RESP);
    ck_assert_int_eq(t.neg_state, AGW_SPNEGO_ACCEPT_INCOMPLETE);
    ck_assert(agw_spnego_oid_eq(&t.supported_mech, &agw_oid_ntlmssp));
    ck_assert_int_eq(agw_ntlm_msg_type(t.token.p, t.token.len), 2);
    ck_assert(!t.has_mic);
    round_trip(&t, raw, n);

    t = decoded(C1, &raw, &n);
    ck_assert_int_eq(t.neg_state, AGW_SPNEGO_ACCEPT_INCOMPLETE);
    ck_assert_uint_eq(t.supported_mech.len, 0);
    ck_assert_int_eq(agw_ntlm_msg_type(t.token.p, t.token.len), 3);
    ck_assert(t.has_mic && t.mic.len == AGW_NTLM_SIG_LEN);
    round_trip(&t, raw, n);

    t = decoded(S1, &raw, &n);
    ck_assert_int_eq(t.neg_state, AGW_SPNEGO_ACCEPT_COMPLETED);
    ck_assert(!t.has_token && t.has_mic);
    round_trip(&t, raw, n);
}
END_TEST

/* The whole exchange as our server sees it: the AUTHENTICATE checks with
 * the password's NT hash, the client's mechListMIC verifies with the
 * ExportedSessionKey, and our mechListMIC is the one the real acceptor
 * sent. */
START_TEST(real_exchange_mech_list_mic)
{
    unsigned char *r0, *rs0, *r1, *rs1, hash[16], sig[AGW_NTLM_SIG_LEN];
    size_t n0, ns0, n1, ns1;
    agw_spnego_token c0 = decoded(C0, &r0, &n0), s0 = decoded(S0, &rs0, &ns0);
    agw_spnego_token c1 = decoded(C1, &r1, &n1), s1 = decoded(S1, &rs1, &ns1);
    agw_ntlm_challenge ch;
    agw_ntlm_authenticate a;
    agw_ntlm_resp resp;
    agw_ntlm_server_in si;
    agw_ntlm_server_out so;
    agw_ntlm_sig_ctx cs, sc;

    ck_assert_int_eq(agw_ntlm_decode_challenge(tp, s0.token.p, s0.token.len,
                                               &ch), AGW_NTLM_OK);
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, c1.token.p, c1.token.len,
                                                  &a), AGW_NTLM_OK);
    ck_assert_int_eq(agw_ntlm_classify(tp, &a, &resp), AGW_NTLM_OK);
    ck_assert_int_eq(resp.kind, AGW_NTLM_RESP_V2);
    ck_assert_str_eq(a.user, "alice");
    ck_assert_str_eq(a.domain, "GW");
    ck_assert_int_eq(agw_ntlm_nt_hash(PASSWORD, strlen(PASSWORD), hash), 0);
    memset(&si, 0, sizeof si);
    si.negotiate = c0.token.p;
    si.negotiate_len = c0.token.len;
    si.challenge = s0.token.p;
    si.challenge_len = s0.token.len;
    si.authenticate = c1.token.p;
    si.authenticate_len = c1.token.len;
    si.auth = &a;
    si.resp = &resp;
    si.server_chal = ch.challenge;
    si.nt_hash = hash;
    /* MsvAvFlags announces the NTLM MIC: it is checked too. */
    ck_assert(resp.av.has_flags && (resp.av.flags & AGW_NTLM_AVF_MIC));
    ck_assert_int_eq(agw_ntlm_server_verify(&si, &so), AGW_NTLM_AUTH_OK);
    ck_assert(so.has_key);

    ck_assert_int_eq(agw_ntlm_sig_init(&cs, a.flags, so.exported, 1), 0);
    ck_assert(agw_ntlm_sig_check(&cs, c0.mech_types.p, c0.mech_types.len,
                                 c1.mic.p, c1.mic.len));
    ck_assert_int_eq(agw_ntlm_sig_init(&sc, a.flags, so.exported, 0), 0);
    ck_assert_int_eq(agw_ntlm_sig_make(&sc, c0.mech_types.p,
                                       c0.mech_types.len, sig), 0);
    ck_assert_mem_eq(sig, s1.mic.p, sizeof sig);

    /* Not with the other direction's keys, nor over other bytes, nor a
     * second time (the sequence number moved on), nor cut short. */
    ck_assert_int_eq(agw_ntlm_sig_init(&sc, a.flags, so.exported, 0), 0);
    ck_assert(!agw_ntlm_sig_check(&sc, c0.mech_types.p, c0.mech_types.len,
                                  c1.mic.p, c1.mic.len));
    ck_assert_int_eq(agw_ntlm_sig_init(&cs, a.flags, so.exported, 1), 0);
    ck_assert(!agw_ntlm_sig_check(&cs, c0.mech_types.p, c0.mech_types.len - 1,
                                  c1.mic.p, c1.mic.len));
    ck_assert_int_eq(agw_ntlm_sig_init(&cs, a.flags, so.exported, 1), 0);
    ck_assert(agw_ntlm_sig_check(&cs, c0.mech_types.p, c0.mech_types.len,
                                 c1.mic.p, c1.mic.len));
    ck_assert(!agw_ntlm_sig_check(&cs, c0.mech_types.p, c0.mech_types.len,
                                  c1.mic.p, c1.mic.len));
    ck_assert_int_eq(agw_ntlm_sig_init(&cs, a.flags, so.exported, 1), 0);
    ck_assert(!agw_ntlm_sig_check(&cs, c0.mech_types.p, c0.mech_types.len,
                                  c1.mic.p, c1.mic.len - 1));
    agw_ntlm_sig_wipe(&cs);
    agw_ntlm_sig_wipe(&sc);
}
END_TEST

/* Malformed tokens: hex, and the status expected. */
static const struct {
    const char *hex, *what;
    agw_spnego_status st;
} bad[] = {
    { "", "empty", AGW_SPNEGO_NOT_GSS },
    { "30030a0101", "a bare SEQUENCE", AGW_SPNEGO_NOT_GSS },
    { "a0053003a00130", "a bare NegTokenInit", AGW_SPNEGO_NOT_GSS },
    { "60", "tag alone", AGW_SPNEGO_TRUNCATED },
    { "6080", "indefinite length (BER)", AGW_SPNEGO_BAD_DER },
    { "60850100000000", "five length bytes", AGW_SPNEGO_BAD_DER },
    { "60810406022b06", "long form for a short length", AGW_SPNEGO_BAD_DER },
    { "6082000406022b06", "a leading zero length byte", AGW_SPNEGO_BAD_DER },
    { "60840fffffff", "a length past the end", AGW_SPNEGO_TRUNCATED },
    { "6008062b0601050502", "OID longer than its element", AGW_SPNEGO_TRUNCATED },
    { "6000", "no thisMech", AGW_SPNEGO_TRUNCATED },
    { "600206000000", "bytes after the token", AGW_SPNEGO_TRAILING },
    { "60020600", "empty OID", AGW_SPNEGO_BAD_OID },
    { "600406028001", "OID arc with a leading 0x80", AGW_SPNEGO_BAD_OID },
    { "6003060186", "OID ending inside an arc", AGW_SPNEGO_BAD_OID },
    /* thisMech SPNEGO, then: */
    { "600a06062b0601050502a100", "NegTokenResp inside the framing",
      AGW_SPNEGO_BAD_TAG },
    { "600c06062b0601050502a0023000", "no mechTypes", AGW_SPNEGO_TRUNCATED },
    { "601006062b0601050502a0063004a0023000", "mechTypes empty",
      AGW_SPNEGO_BAD_VALUE },
    { "601c06062b0601050502a0123010a00e310c060a2b06010401823702020a",
      "mechTypes a SET", AGW_SPNEGO_BAD_TAG },
    { "602406062b0601050502a01a3018a00e300c060a2b06010401823702020a"
      "a4060404deadbeef", "unknown field [4]", AGW_SPNEGO_BAD_TAG },
    { "602406062b0601050502a01a3018a00e300c060a2b06010401823702020a"
      "a3020400a2020400", "fields out of order", AGW_SPNEGO_BAD_TAG },
    { "602406062b0601050502a01a3018a00e300c060a2b06010401823702020a"
      "a2020400a2020400", "a field twice", AGW_SPNEGO_BAD_TAG },
    { "602006062b0601050502a0163014a00e300c060a2b06010401823702020a"
      "a2022400", "constructed OCTET STRING", AGW_SPNEGO_BAD_TAG },
    { "602206062b0601050502a0183016a00e300c060a2b06010401823702020a"
      "a10403020105", "reqFlags with unused bits set", AGW_SPNEGO_BAD_VALUE },
    { "602106062b0601050502a0173015a00e300c060a2b06010401823702020a"
      "a103030101", "reqFlags unused bits, no byte", AGW_SPNEGO_BAD_VALUE },
    { "601f06062b0601050502a0153013a00e300c060a2b06010401823702020a"
      "1f0100", "long-form tag after the fields", AGW_SPNEGO_BAD_TAG },
    { "601106062b0601050502a0073005a0031f0100", "long-form tag",
      AGW_SPNEGO_BAD_DER },
    { "601d06062b0601050502a0133011a00e300c060a2b06010401823702020a"
      "a2", "a field's tag alone", AGW_SPNEGO_TRUNCATED },
    /* NegTokenResp */
    { "a1023000a1", "bytes after a NegTokenResp", AGW_SPNEGO_TRAILING },
    { "a1073005a0030a0104", "negState 4", AGW_SPNEGO_BAD_VALUE },
    { "a1083006a0040a020001", "negState in two bytes", AGW_SPNEGO_BAD_VALUE },
    { "a1073005a0030a01ff", "negState 255", AGW_SPNEGO_BAD_VALUE },
    { "a1073005a0030201ff", "negState not ENUMERATED", AGW_SPNEGO_BAD_TAG },
    { "a1073005a1030601ff", "supportedMech ending inside an arc",
      AGW_SPNEGO_BAD_OID },
    { "a1083006a0030a0100ff", "garbage after negState", AGW_SPNEGO_BAD_TAG },
    { "a1093007a0050a01000000", "trailing in negState's field",
      AGW_SPNEGO_TRAILING },
    { "a1033001a0", "NegTokenResp truncated", AGW_SPNEGO_TRUNCATED },
    { "a1053005a0030a", "inner length beyond the outer",
      AGW_SPNEGO_TRUNCATED },
    { "a1083006a104a002a000", "nested [0]s where an OID is",
      AGW_SPNEGO_BAD_TAG },
};

START_TEST(malformed_refused)
{
    unsigned char *raw;
    size_t n;
    agw_spnego_token t;

    n = unhex(bad[_i].hex, &raw);
    ck_assert_msg(agw_spnego_decode(raw, n, &t) == bad[_i].st,
                  "%s: got %s", bad[_i].what,
                  agw_spnego_reason(agw_spnego_decode(raw, n, &t)));
}
END_TEST

/* Every prefix of a real token is refused, and so is every token with a
 * byte changed in a length or a tag (it can still decode when the byte is
 * inside a value). */
START_TEST(truncated_and_corrupted)
{
    const char *const all[] = { C0, S0, C1, S1 };
    unsigned char *raw;
    size_t n, k;
    agw_spnego_token t;
    int i;

    for (i = 0; i < 4; i++) {
        n = unhex(all[i], &raw);
        for (k = 0; k < n; k++)
            ck_assert_int_ne(agw_spnego_decode(raw, k, &t), AGW_SPNEGO_OK);
        for (k = 0; k < n && k < 40; k++) {
            unsigned char keep = raw[k];
            raw[k] ^= 0x01;
            if (agw_spnego_decode(raw, n, &t) == AGW_SPNEGO_OK) {
                unsigned char out[512];
                size_t on;
                /* Whatever still decodes is DER all the same. */
                ck_assert_int_eq(agw_spnego_encode(&t, out, sizeof out, &on),
                                 AGW_SPNEGO_OK);
                ck_assert(on == n && !memcmp(out, raw, n));
            }
            raw[k] = keep;
        }
    }
}
END_TEST

/* Wraps the n bytes at b in a tag and DER length (b has room). */
static size_t wrap(unsigned char *b, size_t n, unsigned char tag)
{
    size_t h = n < 0x80 ? 2 : 3;
    ck_assert_uint_lt(n, 0x100);
    memmove(b + h, b, n);
    b[0] = tag;
    if (h == 2) {
        b[1] = (unsigned char)n;
    }
    else {
        b[1] = 0x81;
        b[2] = (unsigned char)n;
    }
    return n + h;
}

START_TEST(mech_list_limits)
{
    agw_spnego_token t, back;
    unsigned char out[400];
    size_t on, i;

    memset(&t, 0, sizeof t);
    t.kind = AGW_SPNEGO_INIT;
    t.neg_state = AGW_SPNEGO_STATE_NONE;
    t.n_mechs = AGW_SPNEGO_MAX_MECHS;
    for (i = 0; i < t.n_mechs; i++)
        t.mechs[i] = i % 2 ? agw_oid_krb5 : agw_oid_negoex;
    ck_assert_int_eq(agw_spnego_encode(&t, out, sizeof out, &on), AGW_SPNEGO_OK);
    ck_assert_int_eq(agw_spnego_decode(out, on, &back), AGW_SPNEGO_OK);
    ck_assert_uint_eq(back.n_mechs, AGW_SPNEGO_MAX_MECHS);
    ck_assert_int_eq(agw_spnego_mech_index(&back, &agw_oid_krb5), 1);
    ck_assert_int_eq(agw_spnego_mech_index(&back, &agw_oid_ntlmssp), -1);
    /* One more does not fit the table: refused, not cut short. */
    for (on = 0, i = 0; i <= AGW_SPNEGO_MAX_MECHS; i++) {
        out[on++] = 0x06;
        out[on++] = (unsigned char)agw_oid_krb5.len;
        memcpy(out + on, agw_oid_krb5.p, agw_oid_krb5.len);
        on += agw_oid_krb5.len;
    }
    on = wrap(out, wrap(out, wrap(out, wrap(out, on, 0x30), 0xa0), 0x30),
              0xa0);
    memmove(out + 2 + agw_oid_spnego.len, out, on);
    out[0] = 0x06;
    out[1] = (unsigned char)agw_oid_spnego.len;
    memcpy(out + 2, agw_oid_spnego.p, agw_oid_spnego.len);
    on = wrap(out, on + 2 + agw_oid_spnego.len, 0x60);
    ck_assert_int_eq(agw_spnego_decode(out, on, &back), AGW_SPNEGO_TOO_MANY);
    out[on - 1] ^= 1;  /* still read as far as the table allows */
    ck_assert_int_eq(agw_spnego_decode(out, on, &back), AGW_SPNEGO_TOO_MANY);
}
END_TEST

/* Long lengths are written and read in the fewest bytes. */
START_TEST(long_lengths)
{
    static unsigned char big[70000];
    static unsigned char out[70100];
    agw_spnego_token t, back;
    size_t on, sizes[] = { 0, 1, 127, 128, 255, 256, 65535, 65536 }, i;

    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        memset(&t, 0, sizeof t);
        t.kind = AGW_SPNEGO_RESP;
        t.neg_state = AGW_SPNEGO_ACCEPT_INCOMPLETE;
        t.has_token = 1;
        t.token.p = big;
        t.token.len = sizes[i];
        ck_assert_int_eq(agw_spnego_encode(&t, out, sizeof out, &on),
                         AGW_SPNEGO_OK);
        ck_assert_int_eq(agw_spnego_decode(out, on, &back), AGW_SPNEGO_OK);
        ck_assert_uint_eq(back.token.len, sizes[i]);
        ck_assert_ptr_eq(back.token.p, out + on - sizes[i]);
    }
}
END_TEST

START_TEST(other_mechanism_token)
{
    /* A raw Kerberos token's framing: 1.2.840.113554.1.2.2, then the
     * mechanism's own bytes, which are not SPNEGO's to read. */
    unsigned char *raw;
    size_t n = unhex("600f06092a864886f712010202010001ff", &raw);
    agw_spnego_token t;

    ck_assert_int_eq(agw_spnego_decode(raw, n, &t), AGW_SPNEGO_OTHER_MECH);
    ck_assert(agw_spnego_is_kerberos(&t.this_mech));
    ck_assert_str_eq(agw_spnego_mech_name(tp, &t.this_mech), "Kerberos");
}
END_TEST

START_TEST(mech_names)
{
    unsigned char *raw;
    agw_spnego_buf o;

    ck_assert_str_eq(agw_spnego_mech_name(tp, &agw_oid_ntlmssp), "NTLMSSP");
    ck_assert_str_eq(agw_spnego_mech_name(tp, &agw_oid_ms_krb5),
                     "Kerberos (Microsoft OID)");
    o.len = unhex("2b0601040182370202ff7f", &raw);
    o.p = raw;
    ck_assert_str_eq(agw_spnego_mech_name(tp, &o), "1.3.6.1.4.1.311.2.2.16383");
    o.len = unhex("8837", &raw);        /* 2.999 (X.690 §8.19.5 example) */
    o.p = raw;
    ck_assert_str_eq(agw_spnego_mech_name(tp, &o), "2.999");
    o.len = unhex("2affffffffffffffffffff7f", &raw);
    o.p = raw;
    ck_assert_str_eq(agw_spnego_mech_name(tp, &o), "1.2.?");
}
END_TEST

/* ---- Authorization headers ---------------------------------------------- */

static const char *b64_of(const char *hex)
{
    unsigned char *raw;
    size_t n = unhex(hex, &raw);
    char *out = apr_palloc(tp, agw_b64std_enc_len(n) + 1);
    agw_b64std_encode(raw, n, out);
    return out;
}

static agw_authhdr parsed(const char *scheme, const char *hex)
{
    agw_authhdr h;
    agw_authhdr_parse(tp, apr_pstrcat(tp, scheme, hex ? " " : "",
                                      hex ? b64_of(hex) : "", NULL),
                      12288, &h);
    return h;
}

/* NegTokenInit { mechTypes { Kerberos, NTLMSSP }, no mechToken }. */
static const char *const KRB_NTLM =
    "602706062b0601050502a01d301ba019301706092a864886f712010202060a2b06"
    "010401823702020a";

START_TEST(header_kinds)
{
    agw_authhdr h;

    h = parsed("Negotiate", C0);
    ck_assert_int_eq(h.scheme, AGW_AUTH_NEGOTIATE);
    ck_assert_int_eq(h.kind, AGW_TOK_SPNEGO_NTLM);
    ck_assert_int_eq(h.ntlm_type, 1);
    ck_assert_ptr_eq(h.ntlm, h.spnego.token.p);
    h = parsed("negotiate", C1);
    ck_assert_int_eq(h.kind, AGW_TOK_SPNEGO_RESP);
    ck_assert_int_eq(h.ntlm_type, 3);
    h = parsed("Negotiate", S1);            /* a leg without a token */
    ck_assert_int_eq(h.kind, AGW_TOK_SPNEGO_RESP);
    ck_assert_ptr_null(h.ntlm);
    h = parsed("Negotiate", KRB_NTLM);
    ck_assert_int_eq(h.kind, AGW_TOK_SPNEGO_INIT);
    ck_assert_int_eq(h.ntlm_index, 1);
    ck_assert(agw_spnego_is_kerberos(&h.spnego.mechs[0]));
    h = parsed("Negotiate", "600f06092a864886f712010202010001ff");
    ck_assert_int_eq(h.kind, AGW_TOK_GSS);
    h = parsed("Negotiate", "4e544c4d5353500001000000");
    ck_assert_int_eq(h.kind, AGW_TOK_NTLMSSP);
    ck_assert_int_eq(h.ntlm_type, 1);
    h = parsed("NTLM", "4e544c4d5353500003000000");
    ck_assert_int_eq(h.scheme, AGW_AUTH_NTLM);
    ck_assert_int_eq(h.kind, AGW_TOK_NTLMSSP);
    ck_assert_int_eq(h.ntlm_type, 3);
    h = parsed("Basic", "613a62");
    ck_assert_int_eq(h.kind, AGW_TOK_BASIC);
    ck_assert_uint_eq(h.len, 3);
    h = parsed("NTLM", NULL);
    ck_assert_int_eq(h.kind, AGW_TOK_NONE);
    ck_assert_ptr_null(h.token);
    agw_authhdr_parse(tp, "Bearer a.b.c", 100, &h);
    ck_assert_int_eq(h.scheme, AGW_AUTH_OTHER);
    ck_assert_int_eq(h.kind, AGW_TOK_NONE);
    ck_assert_str_eq(h.scheme_name, "Bearer");
    agw_authhdr_parse(tp, "Negotiate  YWJj  ", 100, &h);
    ck_assert_int_eq(h.kind, AGW_TOK_MALFORMED);   /* "abc": not GSS */
    ck_assert_str_eq(h.why, "neither NTLMSSP nor a GSS-API token");
}
END_TEST

START_TEST(real_kerberos_offer)
{
    unsigned char *raw;
    size_t n;
    agw_spnego_token t = decoded(KRB5_INIT, &raw, &n), inner;
    agw_authhdr h;

    ck_assert_uint_eq(t.n_mechs, 2);
    ck_assert(agw_spnego_is_kerberos(&t.mechs[0]));
    ck_assert_int_eq(agw_spnego_mech_index(&t, &agw_oid_ntlmssp), 1);
    round_trip_big(&t, raw, n);
    /* its mechToken is Kerberos's own framed token */
    ck_assert_int_eq(agw_spnego_decode(t.token.p, t.token.len, &inner),
                     AGW_SPNEGO_OTHER_MECH);
    ck_assert(agw_spnego_oid_eq(&inner.this_mech, &agw_oid_krb5));
    h = parsed("Negotiate", KRB5_INIT);
    ck_assert_int_eq(h.kind, AGW_TOK_SPNEGO_INIT);
    ck_assert_int_eq(h.ntlm_index, 1);
    ck_assert_ptr_null(h.ntlm);
    h = parsed("Negotiate", NEGOTIATE_AFTER_SELECTION);
    ck_assert_int_eq(h.kind, AGW_TOK_SPNEGO_RESP);
    ck_assert_int_eq(h.spnego.neg_state, AGW_SPNEGO_ACCEPT_INCOMPLETE);
    ck_assert_int_eq(h.ntlm_type, 1);
}
END_TEST

START_TEST(header_refusals)
{
    agw_authhdr h;

    agw_authhdr_parse(tp, "NTLM !!!notbase64", 100, &h);
    ck_assert_int_eq(h.kind, AGW_TOK_BAD_BASE64);
    agw_authhdr_parse(tp, "NTLM TlRMTVNTUAABAAAA\tx", 100, &h);
    ck_assert_int_eq(h.kind, AGW_TOK_BAD_BASE64);
    agw_authhdr_parse(tp, "Negotiate QUFBQUFB", 3, &h);
    ck_assert_int_eq(h.kind, AGW_TOK_BAD_BASE64);
    ck_assert_str_eq(h.why, "token too long");
    /* SPNEGO under the NTLM scheme */
    h = parsed("NTLM", C0);
    ck_assert_int_eq(h.kind, AGW_TOK_MALFORMED);
    ck_assert_str_eq(h.why, "not an NTLMSSP message");
    /* a truncated SPNEGO token */
    h = parsed("Negotiate", "604806062b0601050502a03e303ca00e300c060a2b0601");
    ck_assert_int_eq(h.kind, AGW_TOK_MALFORMED);
    ck_assert_ptr_nonnull(strstr(h.why, "truncated"));
    /* SPNEGO within SPNEGO: offered in mechTypes, first or later */
    h = parsed("Negotiate", "601806062b0601050502a00e300ca00a300806062b0601"
                            "050502");
    ck_assert_int_eq(h.kind, AGW_TOK_MALFORMED);
    h = parsed("Negotiate", "602306062b0601050502a0193017a01530130609"
                            "2a864886f71201020206062b0601050502");
    ck_assert_int_eq(h.kind, AGW_TOK_MALFORMED);
    ck_assert_str_eq(h.why, "SPNEGO offered inside SPNEGO");
    /* NTLMSSP chosen, but its mechToken is empty, or another SPNEGO token
     * (one level deeper) */
    h = parsed("Negotiate", "602006062b0601050502a0163014a00e300c060a2b0601"
                            "0401823702020aa2020400");
    ck_assert_int_eq(h.kind, AGW_TOK_MALFORMED);
    h = parsed("Negotiate", "602a06062b0601050502a020301ea00e300c060a2b0601"
                            "0401823702020aa20c040a600806062b0601050502");
    ck_assert_int_eq(h.kind, AGW_TOK_MALFORMED);
    ck_assert_str_eq(h.why, "the mechToken for NTLMSSP is not an NTLMSSP"
                            " message");
    /* a client naming the mechanism or asking for a MIC */
    h = parsed("Negotiate", "a10f300da10b06092a864886f712010202");
    ck_assert_int_eq(h.kind, AGW_TOK_MALFORMED);
    ck_assert_str_eq(h.why, "the client's NegTokenResp names a supportedMech");
    h = parsed("Negotiate", "a1073005a0030a0103");
    ck_assert_str_eq(h.why, "the client's NegTokenResp says request-mic");
    /* a later leg carrying something else than NTLMSSP */
    h = parsed("Negotiate", "a1093007a2050403616263");
    ck_assert_int_eq(h.kind, AGW_TOK_MALFORMED);
    ck_assert_ptr_null(h.ntlm);
}
END_TEST

/* ---- MS-NLMP §4.2.x.4: signatures (sealing first, with the same handle) -- */

static const unsigned char plaintext[] = {
    'P', 0, 'l', 0, 'a', 0, 'i', 0, 'n', 0, 't', 0, 'e', 0, 'x', 0, 't', 0
};

static void wrap_ex(uint32_t flags, const char *exported_hex,
                    const char *sealed_hex, const char *sig_hex)
{
    unsigned char ex[16], sealed[sizeof plaintext], want[sizeof plaintext],
                  sig[16], wsig[16];
    agw_ntlm_sig_ctx c;

    t_unhex(exported_hex, ex, sizeof ex);
    t_unhex(sealed_hex, want, sizeof want);
    t_unhex(sig_hex, wsig, sizeof wsig);
    ck_assert_int_eq(agw_ntlm_sig_init(&c, flags, ex, 1), 0);
    agw_rc4_crypt(&c.seal, plaintext, sealed, sizeof plaintext);
    ck_assert_mem_eq(sealed, want, sizeof want);
    ck_assert_int_eq(agw_ntlm_sig_make(&c, plaintext, sizeof plaintext, sig), 0);
    ck_assert_mem_eq(sig, wsig, sizeof sig);
    agw_ntlm_sig_wipe(&c);
}

START_TEST(msnlmp_signatures)
{
    /* §4.2.2.4: NTLMv1, no extended session security: CRC32 under RC4 with
     * the ExportedSessionKey (the RandomSessionKey, KEY_EXCH). */
    wrap_ex(0xe2028233u, "55555555555555555555555555555555",
            "56fe04d861f9319af0d7238a2e3b4d457fb8",
            "010000000000000009dcd1df2e459d36");
    /* §4.2.3.4: extended session security, 56 bits, no KEY_EXCH: the
     * ExportedSessionKey is the KeyExchangeKey. */
    wrap_ex(0x820a8233u, "eb93429a8bd952f8b89c55b87f475edc",
            "a02372f6530273f3aa1eb90190ce5200c99d",
            "01000000ff2aeb52f681793a00000000");
    /* §4.2.4.4: NTLMv2, 128 bits, KEY_EXCH. */
    wrap_ex(0xe28a8233u, "55555555555555555555555555555555",
            "54e50165bf1936dc996020c1811b0f06fb5f",
            "010000007fb38ec5c55d497600000000");
}
END_TEST

Suite *suite_spnego(void)
{
    Suite *s = suite_create("spnego");
    TCase *t = tcase_create("spnego");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, real_client_neg_token_init);
    tcase_add_test(t, real_neg_token_resps);
    tcase_add_test(t, real_exchange_mech_list_mic);
    tcase_add_loop_test(t, malformed_refused, 0, sizeof bad / sizeof bad[0]);
    tcase_add_test(t, truncated_and_corrupted);
    tcase_add_test(t, mech_list_limits);
    tcase_add_test(t, long_lengths);
    tcase_add_test(t, other_mechanism_token);
    tcase_add_test(t, mech_names);
    tcase_add_test(t, header_kinds);
    tcase_add_test(t, real_kerberos_offer);
    tcase_add_test(t, header_refusals);
    tcase_add_test(t, msnlmp_signatures);
    suite_add_tcase(s, t);
    return s;
}
