/* NTLMSSP codec: messages captured from an ISA Server exchange, the MS-NLMP
 * §4.2 messages, malformed input, round trips.  The crypto checks are in
 * t_ntlm_crypto.c, strict base64 in t_b64std.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agw_b64.h"
#include "agw_ntlm.h"
#include "t_ntlm.h"

/* A Windows client logging on through ISA Server (workstation LABSMOKE3,
 * user _qa in domain LABSMOKE3, an NTLM2 session response), as the base64
 * of the HTTP headers.  The same files seed the fuzzer. */
static const char *const isa_b64[3] = {
    "TlRMTVNTUAABAAAAt7II4gkACQAxAAAACQAJACgAAAAFASgKAAAAD0xBQlNNT0tFM1dPUktH"
    "Uk9VUA==",
    "TlRMTVNTUAACAAAAEAAQADgAAAA1goriluCDYHcYI/sAAAAAAAAAAFQAVABIAAAABQLODgAA"
    "AA9TAFAASQBSAEkAVAAxAEIAAgAQAFMAUABJAFIASQBUADEAQgABABAAUwBQAEkAUgBJAFQA"
    "MQBCAAQAEABzAHAAaQByAGkAdAAxAGIAAwAQAHMAcABpAHIAaQB0ADEAYgAAAAAA",
    "TlRMTVNTUAADAAAAGAAYAHIAAAAYABgAigAAABIAEgBIAAAABgAGAFoAAAASABIAYAAAABAA"
    "EACiAAAANYKI4gUBKAoAAAAPTABBAEIAUwBNAE8ASwBFADMAXwBxAGEATABBAEIAUwBNAE8A"
    "SwBFADMA0NKq8HYYhj8AAAAAAAAAAAAAAAAAAAAAOIiih3mR+AkyM4r99sy1mdFonCu2ILOD"
    "ro1WTTrJ4b4JcXEzUBA2Ig==",
};

/* MS-NLMP §4.2.2.3 and §4.2.4.3, byte for byte. */
const char *const T_MSNLMP_CHAL_V1 =
    "4e544c4d53535000020000000c000c0038000000338202e20123456789abcdef"
    "00000000000000000000000000000000060070170000000f5300650072007600"
    "65007200";
const char *const T_MSNLMP_AUTH_V1 =
    "4e544c4d5353500003000000180018006c00000018001800840000000c000c00"
    "480000000800080054000000100010005c000000100010009c000000358280e2"
    "0501280a0000000f44006f006d00610069006e00550073006500720043004f00"
    "4d005000550054004500520098def7b87f88aa5dafe2df779688a172def11c7d"
    "5ccdef1367c43011f30298a2ad35ece64f16331c44bdbed927841f94518822b1"
    "b3f350c8958682ecbb3e3cb7";
const char *const T_MSNLMP_CHAL_V2 =
    "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef"
    "00000000000000002400240044000000060070170000000f5300650072007600"
    "6500720002000c0044006f006d00610069006e0001000c005300650072007600"
    "6500720000000000";
const char *const T_MSNLMP_AUTH_V2 =
    "4e544c4d5353500003000000180018006c00000054005400840000000c000c00"
    "480000000800080054000000100010005c00000010001000d8000000358288e2"
    "0501280a0000000f44006f006d00610069006e00550073006500720043004f00"
    "4d005000550054004500520086c35097ac9cec102554764a57cccc19aaaaaaaa"
    "aaaaaaaa68cd0ab851e51c96aabc927bebef6a1c010100000000000000000000"
    "00000000aaaaaaaaaaaaaaaa0000000002000c0044006f006d00610069006e00"
    "01000c005300650072007600650072000000000000000000c5dad2544fc97990"
    "94ce1ce90bc9d03e";

size_t t_unhex(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = strlen(hex) / 2, i;
    ck_assert_uint_eq(strlen(hex) % 2, 0);
    ck_assert_uint_le(n, cap);
    for (i = 0; i < n; i++) {
        unsigned v;
        ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
    return n;
}

/* The i-th ISA message, decoded, in a heap block of exactly its size (so
 * that the sanitizer sees any read past it). */
static unsigned char *isa(int i, size_t *n)
{
    size_t len = strlen(isa_b64[i]);
    unsigned char *m = malloc(agw_b64std_dec_max(len));
    ck_assert_int_eq(agw_b64std_decode(isa_b64[i], len, m,
                                       agw_b64std_dec_max(len), n), 0);
    return realloc(m, *n);
}

static unsigned char *exact_copy(const unsigned char *m, size_t n)
{
    unsigned char *c = malloc(n ? n : 1);
    memcpy(c, m, n);
    return c;
}

/* ---- the captured exchange ---------------------------------------------- */

START_TEST(isa_negotiate)
{
    static const unsigned char ver[8] = { 5, 1, 0x28, 0x0a, 0, 0, 0, 0x0f };
    agw_ntlm_negotiate m;
    size_t n;
    unsigned char *msg = isa(0, &n);

    ck_assert_int_eq(agw_ntlm_msg_type(msg, n), 1);
    ck_assert_int_eq(agw_ntlm_decode_negotiate(tp, msg, n, &m), AGW_NTLM_OK);
    ck_assert_uint_eq(m.flags, 0xe208b2b7);
    ck_assert(m.flags & AGW_NTLMSSP_NEGOTIATE_UNICODE);
    ck_assert(m.flags & AGW_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY);
    ck_assert(m.flags & AGW_NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED);
    ck_assert(m.flags & AGW_NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED);
    ck_assert_str_eq(m.domain, "WORKGROUP");
    ck_assert_str_eq(m.workstation, "LABSMOKE3");
    ck_assert(m.has_version);
    ck_assert_mem_eq(m.version, ver, 8);
    free(msg);
}
END_TEST

START_TEST(isa_challenge)
{
    static const unsigned char chal[8] = { 0x96, 0xe0, 0x83, 0x60,
                                           0x77, 0x18, 0x23, 0xfb };
    agw_ntlm_challenge m;
    agw_ntlm_av av;
    size_t n;
    unsigned char *msg = isa(1, &n);

    ck_assert_int_eq(agw_ntlm_msg_type(msg, n), 2);
    ck_assert_int_eq(agw_ntlm_decode_challenge(tp, msg, n, &m), AGW_NTLM_OK);
    ck_assert_uint_eq(m.flags, 0xe28a8235);
    ck_assert(m.flags & AGW_NTLMSSP_NEGOTIATE_TARGET_INFO);
    ck_assert(m.flags & AGW_NTLMSSP_TARGET_TYPE_SERVER);
    ck_assert_str_eq(m.target_name, "SPIRIT1B");
    ck_assert_mem_eq(m.challenge, chal, 8);
    ck_assert(m.has_version);
    ck_assert_uint_eq(m.target_info.len, 84);
    ck_assert_int_eq(agw_ntlm_av_parse(tp, m.target_info.p, m.target_info.len,
                                       &av), AGW_NTLM_OK);
    ck_assert_str_eq(av.nb_domain, "SPIRIT1B");
    ck_assert_str_eq(av.nb_computer, "SPIRIT1B");
    ck_assert_str_eq(av.dns_domain, "spirit1b");
    ck_assert_str_eq(av.dns_computer, "spirit1b");
    ck_assert_ptr_null(av.dns_tree);
    ck_assert_ptr_null(av.target_name);
    ck_assert(!av.has_flags && !av.has_timestamp);
    ck_assert_uint_eq(av.channel_bindings.len, 0);
    ck_assert_uint_eq(av.len, 84);
    free(msg);
}
END_TEST

START_TEST(isa_authenticate)
{
    static const unsigned char cc[8] = { 0xd0, 0xd2, 0xaa, 0xf0,
                                         0x76, 0x18, 0x86, 0x3f };
    agw_ntlm_authenticate m;
    agw_ntlm_resp r;
    size_t n;
    unsigned char *msg = isa(2, &n);

    ck_assert_int_eq(agw_ntlm_msg_type(msg, n), 3);
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, msg, n, &m), AGW_NTLM_OK);
    ck_assert_uint_eq(m.flags, 0xe2888235);
    ck_assert_str_eq(m.user, "_qa");
    ck_assert_str_eq(m.domain, "LABSMOKE3");
    ck_assert_str_eq(m.workstation, "LABSMOKE3");
    ck_assert_uint_eq(m.lm.len, 24);
    ck_assert_uint_eq(m.nt.len, 24);
    ck_assert_uint_eq(m.session_key.len, 16);
    ck_assert(m.has_version);
    ck_assert(!m.has_mic); /* the payload starts at 72 */
    ck_assert_int_eq(agw_ntlm_classify(tp, &m, &r), AGW_NTLM_OK);
    ck_assert_int_eq(r.kind, AGW_NTLM_RESP_NTLM2_SESSION);
    ck_assert_str_eq(agw_ntlm_resp_name(r.kind), "NTLM2-session");
    ck_assert_mem_eq(r.client_challenge, cc, 8);
    free(msg);
}
END_TEST

/* Every proper prefix of each message is refused, and no decoder reads past
 * the prefix (each is an exact-size heap copy). */
START_TEST(every_truncation_refused)
{
    size_t n, i;
    unsigned char *msg = isa(_i, &n);
    for (i = 0; i < n; i++) {
        unsigned char *c = exact_copy(msg, i);
        agw_ntlm_negotiate m1;
        agw_ntlm_challenge m2;
        agw_ntlm_authenticate m3;
        agw_ntlm_status st = _i == 0 ? agw_ntlm_decode_negotiate(tp, c, i, &m1)
                           : _i == 1 ? agw_ntlm_decode_challenge(tp, c, i, &m2)
                           : agw_ntlm_decode_authenticate(tp, c, i, &m3);
        ck_assert_int_ne(st, AGW_NTLM_OK);
        free(c);
    }
    free(msg);
}
END_TEST

START_TEST(wrong_signature_and_type)
{
    size_t n;
    unsigned char *msg = isa(2, &n);
    agw_ntlm_authenticate m3;
    agw_ntlm_negotiate m1;
    agw_ntlm_challenge m2;

    ck_assert_int_eq(agw_ntlm_decode_negotiate(tp, msg, n, &m1), AGW_NTLM_BAD_TYPE);
    ck_assert_int_eq(agw_ntlm_decode_challenge(tp, msg, n, &m2), AGW_NTLM_BAD_TYPE);
    msg[8] = 4; /* no such type */
    ck_assert_int_eq(agw_ntlm_msg_type(msg, n), 0);
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, msg, n, &m3), AGW_NTLM_BAD_TYPE);
    msg[8] = 3;
    msg[7] = 'X'; /* "NTLMSSPX" */
    ck_assert_int_eq(agw_ntlm_msg_type(msg, n), 0);
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, msg, n, &m3),
                     AGW_NTLM_BAD_SIGNATURE);
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, msg, 0, &m3),
                     AGW_NTLM_BAD_SIGNATURE);
    free(msg);
}
END_TEST

/* Writes a security buffer's len and offset at pos of an AUTHENTICATE. */
static void set_field(unsigned char *m, size_t pos, unsigned len, uint32_t off)
{
    m[pos] = m[pos + 2] = (unsigned char)len;
    m[pos + 1] = m[pos + 3] = (unsigned char)(len >> 8);
    m[pos + 4] = (unsigned char)off;
    m[pos + 5] = (unsigned char)(off >> 8);
    m[pos + 6] = (unsigned char)(off >> 16);
    m[pos + 7] = (unsigned char)(off >> 24);
}

/* The user name field (at 36) of the ISA AUTHENTICATE, set to len/off. */
static agw_ntlm_status with_user(unsigned len, uint32_t off)
{
    size_t n;
    unsigned char *msg = isa(2, &n);
    agw_ntlm_authenticate m;
    agw_ntlm_status st;
    set_field(msg, 36, len, off);
    st = agw_ntlm_decode_authenticate(tp, msg, n, &m);
    free(msg);
    return st;
}

START_TEST(security_buffers_out_of_range)
{
    /* the real one: 6 bytes at 90 of 178 */
    ck_assert_int_eq(with_user(6, 90), AGW_NTLM_OK);
    ck_assert_int_eq(with_user(6, 172), AGW_NTLM_OK);      /* ends at the end */
    ck_assert_int_eq(with_user(6, 173), AGW_NTLM_BAD_FIELD); /* one past */
    ck_assert_int_eq(with_user(2, 178), AGW_NTLM_BAD_FIELD); /* at the end */
    ck_assert_int_eq(with_user(2, 5000), AGW_NTLM_BAD_FIELD);
    /* offset + length wraps around 32 bits */
    ck_assert_int_eq(with_user(0xffff, 0xffffffffu), AGW_NTLM_BAD_FIELD);
    ck_assert_int_eq(with_user(0x10, 0xfffffff8u), AGW_NTLM_BAD_FIELD);
    /* into the fixed header: the signature, the flags */
    ck_assert_int_eq(with_user(8, 0), AGW_NTLM_BAD_FIELD);
    ck_assert_int_eq(with_user(4, 60), AGW_NTLM_BAD_FIELD);
    ck_assert_int_eq(with_user(2, 63), AGW_NTLM_BAD_FIELD);
    /* the version area is allowed to hold payload (curl puts it there) */
    ck_assert_int_eq(with_user(2, 64), AGW_NTLM_OK);
    /* an empty field's offset is not looked at */
    ck_assert_int_eq(with_user(0, 0xffffffffu), AGW_NTLM_OK);
    ck_assert_int_eq(with_user(0, 0), AGW_NTLM_OK);
}
END_TEST

START_TEST(header_bounds_of_each_type)
{
    size_t n;
    unsigned char *m1 = isa(0, &n), *m2;
    agw_ntlm_negotiate d1;
    agw_ntlm_challenge d2;

    /* NEGOTIATE: the domain (at 16) into the header, past the end */
    set_field(m1, 16, 9, 31);
    ck_assert_int_eq(agw_ntlm_decode_negotiate(tp, m1, n, &d1), AGW_NTLM_BAD_FIELD);
    set_field(m1, 16, 9, 50);
    ck_assert_int_eq(agw_ntlm_decode_negotiate(tp, m1, n, &d1), AGW_NTLM_BAD_FIELD);
    set_field(m1, 16, 9, 49);
    ck_assert_int_eq(agw_ntlm_decode_negotiate(tp, m1, n, &d1), AGW_NTLM_OK);
    /* payload at 32 leaves no room for the version: not read */
    set_field(m1, 24, 9, 32);
    memcpy(m1 + 32, "ABCDEFGHI", 9);
    ck_assert_int_eq(agw_ntlm_decode_negotiate(tp, m1, n, &d1), AGW_NTLM_OK);
    ck_assert(!d1.has_version);
    ck_assert_str_eq(d1.workstation, "ABCDEFGHI");
    free(m1);

    m2 = isa(1, &n);
    /* CHALLENGE: TargetInfo (at 40) into the header, or past the end */
    set_field(m2, 40, 84, 47);
    ck_assert_int_eq(agw_ntlm_decode_challenge(tp, m2, n, &d2), AGW_NTLM_BAD_FIELD);
    set_field(m2, 40, 85, 72);
    ck_assert_int_eq(agw_ntlm_decode_challenge(tp, m2, n, &d2), AGW_NTLM_BAD_FIELD);
    set_field(m2, 40, 84, 72);
    ck_assert_int_eq(agw_ntlm_decode_challenge(tp, m2, n, &d2), AGW_NTLM_OK);
    /* a 40-byte CHALLENGE of a server older than Windows 2000 */
    ck_assert_int_eq(agw_ntlm_decode_challenge(tp, m2, 40, &d2), AGW_NTLM_TRUNCATED);
    free(m2);
}
END_TEST

/* ---- names -------------------------------------------------------------- */

START_TEST(bad_names_refused)
{
    size_t n;
    unsigned char *msg = isa(2, &n);
    agw_ntlm_authenticate m;
    unsigned char *m1;
    agw_ntlm_negotiate d1;

    /* odd-length UTF-16 user name ("_q" and half a unit) */
    set_field(msg, 36, 5, 90);
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, msg, n, &m), AGW_NTLM_BAD_STRING);
    set_field(msg, 36, 6, 90);
    /* U+0000 inside: "_\0a" would read "_" to C */
    msg[92] = 0;
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, msg, n, &m), AGW_NTLM_BAD_STRING);
    /* a lone high surrogate, then a lone low one */
    msg[92] = 0x00, msg[93] = 0xd8;
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, msg, n, &m), AGW_NTLM_BAD_STRING);
    msg[92] = 0x00, msg[93] = 0xdc;
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, msg, n, &m), AGW_NTLM_BAD_STRING);
    /* a surrogate pair is fine: U+1F600 */
    msg[92] = 0x3d, msg[93] = 0xd8, msg[94] = 0x00, msg[95] = 0xde;
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, msg, n, &m), AGW_NTLM_OK);
    ck_assert_str_eq(m.user, "_\xf0\x9f\x98\x80");
    /* without UNICODE the same bytes are OEM, and a NUL in OEM is refused */
    msg[60] &= (unsigned char)~AGW_NTLMSSP_NEGOTIATE_UNICODE;
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, msg, n, &m), AGW_NTLM_BAD_STRING);
    free(msg);

    /* OEM above 0x7f: no code page to read it with */
    m1 = isa(0, &n);
    m1[40] = 0xe4;
    ck_assert_int_eq(agw_ntlm_decode_negotiate(tp, m1, n, &d1), AGW_NTLM_BAD_STRING);
    /* ... unless its *_SUPPLIED flag says the field means nothing */
    m1[13] &= (unsigned char)~(AGW_NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED >> 8);
    ck_assert_int_eq(agw_ntlm_decode_negotiate(tp, m1, n, &d1), AGW_NTLM_OK);
    ck_assert_str_eq(d1.workstation, "");
    ck_assert_str_eq(d1.domain, "WORKGROUP");
    free(m1);
}
END_TEST

static const char *const good_utf8[] = {
    "plain", "J\xc3\xbcrgen", "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x98\x80x",
    "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", "",
};

START_TEST(utf16_round_trip)
{
    unsigned char buf[64];
    agw_wbuf w;
    char *back;
    agw_w_init(&w, buf, sizeof buf);
    ck_assert_int_eq(agw_ntlm_put_utf16(&w, good_utf8[_i], strlen(good_utf8[_i])), 0);
    back = agw_ntlm_utf16_to_utf8(tp, buf, w.len);
    ck_assert_ptr_nonnull(back);
    ck_assert_str_eq(back, good_utf8[_i]);
}
END_TEST

static const char *const bad_utf8[] = {
    "\xc0\x80",         /* overlong NUL */
    "\xc1\xbf",         /* overlong */
    "\xe0\x80\xaf",     /* overlong '/' */
    "\xed\xa0\x80",     /* a surrogate */
    "\xf4\x90\x80\x80", /* past U+10FFFF */
    "\xe2\x82",         /* truncated */
    "\x80",             /* a lone continuation */
    "a\xff",
};

START_TEST(utf8_refused)
{
    unsigned char buf[64];
    agw_wbuf w;
    agw_w_init(&w, buf, sizeof buf);
    ck_assert_int_eq(agw_ntlm_put_utf16(&w, bad_utf8[_i], strlen(bad_utf8[_i])), -1);
    ck_assert_int_eq(w.err, 1);
}
END_TEST

START_TEST(utf8_nul_refused)
{
    unsigned char buf[16];
    agw_wbuf w;
    agw_w_init(&w, buf, sizeof buf);
    ck_assert_int_eq(agw_ntlm_put_utf16(&w, "a\0b", 3), -1);
}
END_TEST

/* ---- AV pairs ----------------------------------------------------------- */

/* Parses the pairs from an exact-size heap copy; the copy is freed, or
 * handed to *keep when the caller reads byte fields that point into it. */
static agw_ntlm_status av_hex_keep(const char *hex, agw_ntlm_av *av,
                                   unsigned char **keep)
{
    unsigned char buf[256], *c;
    size_t n = t_unhex(hex, buf, sizeof buf);
    agw_ntlm_status st;
    c = exact_copy(buf, n);
    st = agw_ntlm_av_parse(tp, c, n, av);
    if (keep)
        *keep = c;
    else
        free(c);
    return st;
}

static agw_ntlm_status av_hex(const char *hex, agw_ntlm_av *av)
{
    return av_hex_keep(hex, av, NULL);
}

START_TEST(av_pairs)
{
    agw_ntlm_av av;
    unsigned char *keep;
    /* NbDomainName "Domain", NbComputerName "Server", EOL (MS-NLMP §4.2.4) */
    ck_assert_int_eq(av_hex("02000c0044006f006d00610069006e00"
                            "01000c00530065007200760065007200" "00000000", &av),
                     AGW_NTLM_OK);
    ck_assert_str_eq(av.nb_domain, "Domain");
    ck_assert_str_eq(av.nb_computer, "Server");
    ck_assert_uint_eq(av.len, 36);
    /* flags, timestamp, bindings, a target name, an unknown AvId, EOL,
     * padding after EOL */
    ck_assert_int_eq(av_hex_keep("060004000200000007000800" "0102030405060708"
                                 "0a001000" "00112233445566778899aabbccddeeff"
                                 "0900040048005400"
                                 "2a000200ffff" "00000000" "00000000", &av, &keep),
                     AGW_NTLM_OK);
    ck_assert(av.has_flags);
    ck_assert_uint_eq(av.flags, AGW_NTLM_AVF_MIC);
    ck_assert(av.has_timestamp);
    ck_assert(av.timestamp == 0x0807060504030201ULL);
    ck_assert_uint_eq(av.channel_bindings.len, 16);
    ck_assert_uint_eq(av.channel_bindings.p[15], 0xff);
    ck_assert_str_eq(av.target_name, "HT");
    ck_assert_uint_eq(av.len, 58);
    free(keep);
}
END_TEST

static const char *const bad_av[] = {
    "",                                         /* nothing, not even EOL */
    "0200040044006f00",                         /* no EOL */
    "02000c0044006f00" "00000000",              /* value past the end */
    "000002000000",                             /* EOL with a value */
    "0000",                                     /* half an EOL */
    "06000300020000" "00000000",                /* MsvAvFlags of 3 bytes */
    "070004000000000000000000",                 /* timestamp of 4 bytes */
    "0a000800" "0011223344556677" "00000000",   /* bindings of 8 bytes */
    "0600040002000000" "0600040000000000" "00000000", /* MsvAvFlags twice */
    "02000200" "4400" "02000200" "4500" "00000000",   /* NbDomainName twice */
};

START_TEST(av_pairs_refused)
{
    agw_ntlm_av av;
    ck_assert_int_eq(av_hex(bad_av[_i], &av), AGW_NTLM_BAD_AV);
}
END_TEST

START_TEST(av_odd_name_refused)
{
    agw_ntlm_av av;
    ck_assert_int_eq(av_hex("02000300" "440000" "00000000", &av),
                     AGW_NTLM_BAD_STRING);
    ck_assert_int_eq(av_hex("01000200" "0000" "00000000", &av),
                     AGW_NTLM_BAD_STRING);
}
END_TEST

START_TEST(av_build_and_client_list)
{
    static const unsigned char cb[16] = { 1, 2, 3 };
    unsigned char buf[256], out[256];
    agw_wbuf w, o;
    agw_ntlm_av av;

    agw_w_init(&w, buf, sizeof buf);
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_NB_DOMAIN, "Domain");
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_NB_COMPUTER, "Server");
    agw_ntlm_av_put_u32(&w, AGW_NTLM_AV_FLAGS, 1); /* the server's: dropped */
    agw_ntlm_av_put_u64(&w, AGW_NTLM_AV_TIMESTAMP, 42);
    agw_ntlm_av_put_eol(&w);
    ck_assert_int_eq(w.err, 0);

    agw_w_init(&o, out, sizeof out);
    ck_assert_int_eq(agw_ntlm_av_client(buf, w.len, AGW_NTLM_AVF_MIC, cb,
                                        "HTTP/gw.example", &o), AGW_NTLM_OK);
    ck_assert_int_eq(agw_ntlm_av_parse(tp, out, o.len, &av), AGW_NTLM_OK);
    ck_assert_uint_eq(av.len, o.len);
    ck_assert_str_eq(av.nb_domain, "Domain");
    ck_assert_str_eq(av.nb_computer, "Server");
    ck_assert(av.has_timestamp && av.timestamp == 42);
    ck_assert(av.has_flags);
    ck_assert_uint_eq(av.flags, AGW_NTLM_AVF_MIC);
    ck_assert_mem_eq(av.channel_bindings.p, cb, 16);
    ck_assert_str_eq(av.target_name, "HTTP/gw.example");
    /* a server list without EOL is refused, a short buffer reported */
    ck_assert_int_eq(agw_ntlm_av_client(buf, w.len - 4, 0, NULL, NULL, &o),
                     AGW_NTLM_BAD_AV);
    agw_w_init(&o, out, 10);
    ck_assert_int_eq(agw_ntlm_av_client(buf, w.len, 0, NULL, NULL, &o),
                     AGW_NTLM_NOROOM);
}
END_TEST

/* ---- classifier --------------------------------------------------------- */

static agw_ntlm_status classify_as(const char *user, const char *lm,
                                   const char *nt, uint32_t flags,
                                   agw_ntlm_resp *r)
{
    static unsigned char lb[128], nb[128];
    agw_ntlm_authenticate a;
    memset(&a, 0, sizeof a);
    a.user = user;
    a.flags = flags;
    a.lm.len = t_unhex(lm, lb, sizeof lb);
    a.lm.p = a.lm.len ? lb : NULL;
    a.nt.len = t_unhex(nt, nb, sizeof nb);
    a.nt.p = a.nt.len ? nb : NULL;
    return agw_ntlm_classify(tp, &a, r);
}

static agw_ntlm_status classify(const char *lm, const char *nt, uint32_t flags,
                                agw_ntlm_resp *r)
{
    return classify_as("", lm, nt, flags, r);
}

#define Z16 "00000000000000000000000000000000"
#define R24 "0102030405060708090a0b0c0d0e0f101112131415161718"
#define ESS AGW_NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
/* NTProofStr, 01 01 Z(6), time, client challenge, Z(4), EOL, Z(4) */
#define V2HEAD Z16 "0101000000000000" "0000000000000000" "aaaaaaaaaaaaaaaa" \
    "00000000"

START_TEST(classifier)
{
    agw_ntlm_resp r;
    ck_assert_int_eq(classify("", "", 0, &r), AGW_NTLM_OK);
    ck_assert_int_eq(r.kind, AGW_NTLM_RESP_ANONYMOUS);
    ck_assert_int_eq(classify("00", "", 0, &r), AGW_NTLM_OK);
    ck_assert_int_eq(r.kind, AGW_NTLM_RESP_ANONYMOUS);
    ck_assert_int_eq(classify("01", "", 0, &r), AGW_NTLM_BAD_RESPONSE);
    /* empty responses with a user name are not anonymous (§3.2.5.1.2) */
    ck_assert_int_eq(classify_as("admin", "", "", 0, &r), AGW_NTLM_BAD_RESPONSE);
    ck_assert_int_eq(classify_as("admin", "00", "", 0, &r), AGW_NTLM_BAD_RESPONSE);
    ck_assert_int_eq(classify_as(NULL, "00", "", 0, &r), AGW_NTLM_OK);
    ck_assert_int_eq(classify(R24, "", 0, &r), AGW_NTLM_BAD_RESPONSE); /* LM only */
    ck_assert_int_eq(r.kind, AGW_NTLM_RESP_INVALID);

    ck_assert_int_eq(classify(R24, R24, 0, &r), AGW_NTLM_OK);
    ck_assert_int_eq(r.kind, AGW_NTLM_RESP_V1);
    ck_assert_int_eq(classify("", R24, 0, &r), AGW_NTLM_OK);
    ck_assert_int_eq(r.kind, AGW_NTLM_RESP_V1);

    ck_assert_int_eq(classify("aaaaaaaaaaaaaaaa" Z16, R24, ESS, &r), AGW_NTLM_OK);
    ck_assert_int_eq(r.kind, AGW_NTLM_RESP_NTLM2_SESSION);
    ck_assert_uint_eq(r.client_challenge[7], 0xaa);
    ck_assert_int_eq(classify(R24, R24, ESS, &r), AGW_NTLM_BAD_RESPONSE);
    ck_assert_int_eq(classify("aaaaaaaaaaaaaaaa", R24, ESS, &r), AGW_NTLM_BAD_RESPONSE);

    ck_assert_int_eq(classify(R24, V2HEAD "00000000" "00000000", ESS, &r), AGW_NTLM_OK);
    ck_assert_int_eq(r.kind, AGW_NTLM_RESP_V2);
    ck_assert_uint_eq(r.blob.len, 36);
    ck_assert_uint_eq(r.av.len, 4);
    ck_assert_uint_eq(r.client_challenge[0], 0xaa);
    /* the shortest NTLMv2: no padding after EOL */
    ck_assert_int_eq(classify("", V2HEAD "00000000", 0, &r), AGW_NTLM_OK);
    ck_assert_int_eq(r.kind, AGW_NTLM_RESP_V2);

    /* 25..47 bytes: neither v1 nor v2 */
    ck_assert_int_eq(classify("", R24 "00", 0, &r), AGW_NTLM_BAD_RESPONSE);
    ck_assert_int_eq(classify("", "0102", 0, &r), AGW_NTLM_BAD_RESPONSE);
    /* RespType 2 */
    ck_assert_int_eq(classify("", Z16 "0201000000000000" "0000000000000000"
                              "aaaaaaaaaaaaaaaa" "00000000" "00000000", 0, &r),
                     AGW_NTLM_BAD_RESPONSE);
    /* AV pairs without EOL */
    ck_assert_int_eq(classify("", V2HEAD "02000400" "4100", 0, &r),
                     AGW_NTLM_BAD_AV);
    ck_assert_int_eq(r.kind, AGW_NTLM_RESP_INVALID);
}
END_TEST

/* ---- encoders ----------------------------------------------------------- */

START_TEST(negotiate_round_trip)
{
    agw_ntlm_negotiate m = { 0 }, d;
    unsigned char out[128], *c;
    size_t n;
    m.flags = AGW_NTLMSSP_NEGOTIATE_UNICODE | AGW_NTLMSSP_NEGOTIATE_NTLM
              | AGW_NTLMSSP_NEGOTIATE_VERSION;
    m.domain = "WORKGROUP";
    m.workstation = "GW1";
    m.has_version = 1;
    memcpy(m.version, "\x0a\x00\x63\x45\x00\x00\x00\x0f", 8);
    ck_assert_int_eq(agw_ntlm_encode_negotiate(&m, out, sizeof out, &n), AGW_NTLM_OK);
    ck_assert_uint_eq(n, 40 + 9 + 3);
    c = exact_copy(out, n);
    ck_assert_int_eq(agw_ntlm_decode_negotiate(tp, c, n, &d), AGW_NTLM_OK);
    ck_assert_uint_eq(d.flags, m.flags | AGW_NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED
                                | AGW_NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED);
    ck_assert_str_eq(d.domain, "WORKGROUP");
    ck_assert_str_eq(d.workstation, "GW1");
    ck_assert(d.has_version);
    ck_assert_mem_eq(d.version, m.version, 8);
    free(c);

    /* no names: no *_SUPPLIED flags, a 32-byte message */
    m.domain = m.workstation = NULL;
    m.has_version = 0;
    m.flags |= AGW_NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED;
    ck_assert_int_eq(agw_ntlm_encode_negotiate(&m, out, sizeof out, &n), AGW_NTLM_OK);
    ck_assert_uint_eq(n, 32);
    ck_assert_int_eq(agw_ntlm_decode_negotiate(tp, out, n, &d), AGW_NTLM_OK);
    ck_assert(!(d.flags & AGW_NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED));
    ck_assert(!d.has_version); /* the VERSION flag without the field */

    /* OEM cannot carry non-ASCII; a short buffer is reported */
    m.domain = "J\xc3\xbcrgen";
    ck_assert_int_eq(agw_ntlm_encode_negotiate(&m, out, sizeof out, &n),
                     AGW_NTLM_BAD_STRING);
    m.domain = "WORKGROUP";
    ck_assert_int_eq(agw_ntlm_encode_negotiate(&m, out, 31, &n), AGW_NTLM_NOROOM);
    ck_assert_int_eq(agw_ntlm_encode_negotiate(&m, out, 40, &n), AGW_NTLM_NOROOM);
}
END_TEST

/* The server side builds the MS-NLMP §4.2.4 CHALLENGE byte for byte. */
START_TEST(challenge_encodes_msnlmp_4_2_4)
{
    unsigned char want[128], ti[64], out[128], *c;
    size_t wn = t_unhex(T_MSNLMP_CHAL_V2, want, sizeof want), n;
    agw_ntlm_challenge m = { 0 }, d;
    agw_wbuf w;

    agw_w_init(&w, ti, sizeof ti);
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_NB_DOMAIN, "Domain");
    agw_ntlm_av_put_str(&w, AGW_NTLM_AV_NB_COMPUTER, "Server");
    agw_ntlm_av_put_eol(&w);
    m.flags = 0xe28a8233;
    m.target_name = "Server";
    memcpy(m.challenge, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
    m.target_info.p = ti;
    m.target_info.len = w.len;
    m.has_version = 1;
    memcpy(m.version, "\x06\x00\x70\x17\x00\x00\x00\x0f", 8);
    ck_assert_int_eq(agw_ntlm_encode_challenge(&m, out, sizeof out, &n), AGW_NTLM_OK);
    ck_assert_uint_eq(n, wn);
    ck_assert_mem_eq(out, want, n);

    c = exact_copy(out, n);
    ck_assert_int_eq(agw_ntlm_decode_challenge(tp, c, n, &d), AGW_NTLM_OK);
    ck_assert_uint_eq(d.flags, m.flags);
    ck_assert_str_eq(d.target_name, "Server");
    ck_assert_mem_eq(d.challenge, m.challenge, 8);
    ck_assert_uint_eq(d.target_info.len, w.len);
    ck_assert_mem_eq(d.target_info.p, ti, w.len);
    free(c);
    ck_assert_int_eq(agw_ntlm_encode_challenge(&m, out, n - 1, &n), AGW_NTLM_NOROOM);
}
END_TEST

START_TEST(challenge_msnlmp_4_2_2_decodes)
{
    unsigned char msg[128];
    size_t n = t_unhex(T_MSNLMP_CHAL_V1, msg, sizeof msg);
    agw_ntlm_challenge d;
    ck_assert_int_eq(agw_ntlm_decode_challenge(tp, msg, n, &d), AGW_NTLM_OK);
    ck_assert_uint_eq(d.flags, 0xe2028233);
    ck_assert_str_eq(d.target_name, "Server");
    ck_assert_uint_eq(d.target_info.len, 0);
    ck_assert(d.has_version);
}
END_TEST

/* The MS-NLMP §4.2.4 AUTHENTICATE decodes, and encodes back to itself. */
START_TEST(authenticate_msnlmp_4_2_4_round_trip)
{
    unsigned char msg[256], out[256];
    size_t n = t_unhex(T_MSNLMP_AUTH_V2, msg, sizeof msg), on;
    agw_ntlm_authenticate d;
    agw_ntlm_resp r;

    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, msg, n, &d), AGW_NTLM_OK);
    ck_assert_str_eq(d.user, "User");
    ck_assert_str_eq(d.domain, "Domain");
    ck_assert_str_eq(d.workstation, "COMPUTER");
    ck_assert_uint_eq(d.lm.len, 24);
    ck_assert_uint_eq(d.nt.len, 84);
    ck_assert_uint_eq(d.session_key.len, 16);
    ck_assert(d.has_version && !d.has_mic);
    ck_assert_int_eq(agw_ntlm_classify(tp, &d, &r), AGW_NTLM_OK);
    ck_assert_int_eq(r.kind, AGW_NTLM_RESP_V2);
    ck_assert_str_eq(r.av.nb_domain, "Domain");
    ck_assert_str_eq(r.av.nb_computer, "Server");
    ck_assert(r.timestamp == 0);
    ck_assert_uint_eq(r.client_challenge[0], 0xaa);

    ck_assert_int_eq(agw_ntlm_encode_authenticate(&d, out, sizeof out, &on),
                     AGW_NTLM_OK);
    ck_assert_uint_eq(on, n);
    ck_assert_mem_eq(out, msg, n);
}
END_TEST

START_TEST(authenticate_round_trip_with_mic)
{
    static const unsigned char lm[24] = { 1 }, nt[60] = { 2 }, key[16] = { 3 };
    agw_ntlm_authenticate m = { 0 }, d;
    unsigned char out[512], *c;
    size_t n;

    m.flags = AGW_NTLMSSP_NEGOTIATE_UNICODE | AGW_NTLMSSP_NEGOTIATE_VERSION;
    m.lm.p = lm, m.lm.len = sizeof lm;
    m.nt.p = nt, m.nt.len = sizeof nt;
    m.session_key.p = key, m.session_key.len = sizeof key;
    m.domain = "\xd0\x94\xd0\xbe\xd0\xbc"; /* Cyrillic */
    m.user = "J\xc3\xbcrgen";
    m.workstation = "WS";
    m.has_version = 1;
    memcpy(m.version, "12345678", 8);
    m.has_mic = 1;
    memcpy(m.mic, "0123456789abcdef", 16);
    ck_assert_int_eq(agw_ntlm_encode_authenticate(&m, out, sizeof out, &n), AGW_NTLM_OK);
    ck_assert_uint_eq(n, 88 + 6 + 12 + 4 + 24 + 60 + 16);
    ck_assert_mem_eq(out + AGW_NTLM_MIC_OFFSET, m.mic, 16);
    c = exact_copy(out, n);
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, c, n, &d), AGW_NTLM_OK);
    ck_assert_uint_eq(d.flags, m.flags);
    ck_assert_str_eq(d.user, m.user);
    ck_assert_str_eq(d.domain, m.domain);
    ck_assert_str_eq(d.workstation, "WS");
    ck_assert_mem_eq(d.lm.p, lm, 24);
    ck_assert_mem_eq(d.nt.p, nt, 60);
    ck_assert_mem_eq(d.session_key.p, key, 16);
    ck_assert(d.has_version && d.has_mic);
    ck_assert_mem_eq(d.version, m.version, 8);
    ck_assert_mem_eq(d.mic, m.mic, 16);
    free(c);

    /* OEM: the names must be ASCII */
    m.flags &= ~AGW_NTLMSSP_NEGOTIATE_UNICODE;
    ck_assert_int_eq(agw_ntlm_encode_authenticate(&m, out, sizeof out, &n),
                     AGW_NTLM_BAD_STRING);
    m.user = "bob";
    m.domain = "D";
    ck_assert_int_eq(agw_ntlm_encode_authenticate(&m, out, sizeof out, &n), AGW_NTLM_OK);
    ck_assert_int_eq(agw_ntlm_decode_authenticate(tp, out, n, &d), AGW_NTLM_OK);
    ck_assert_str_eq(d.user, "bob");
    /* a field over 65535 bytes */
    {
        static unsigned char big[70000], bigout[80000];
        m.nt.p = big, m.nt.len = sizeof big;
        ck_assert_int_eq(agw_ntlm_encode_authenticate(&m, bigout, sizeof bigout, &n),
                         AGW_NTLM_NOROOM);
    }
}
END_TEST

/* The little-endian getters and putters of agw_bytes, which the codec uses. */
START_TEST(little_endian_bytes)
{
    static const unsigned char want[14] = { 0x02, 0x01, 0x06, 0x05, 0x04, 0x03,
                                            0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0x09,
                                            0x08, 0x07 };
    unsigned char buf[14];
    agw_wbuf w;
    agw_rbuf r;
    agw_w_init(&w, buf, sizeof buf);
    agw_w_le16(&w, 0x0102);
    agw_w_le32(&w, 0x03040506);
    agw_w_le64(&w, 0x0708090a0b0c0d0eULL);
    ck_assert_int_eq(w.err, 0);
    ck_assert_mem_eq(buf, want, sizeof want);
    agw_w_le16(&w, 1);
    ck_assert_int_eq(w.err, 1);
    agw_r_init(&r, buf, sizeof buf);
    ck_assert_uint_eq(agw_r_le16(&r), 0x0102);
    ck_assert_uint_eq(agw_r_le32(&r), 0x03040506);
    ck_assert(agw_r_le64(&r) == 0x0708090a0b0c0d0eULL);
    ck_assert(agw_r_done(&r));
    ck_assert_uint_eq(agw_r_le32(&r), 0);
    ck_assert_int_eq(r.err, 1);
}
END_TEST

START_TEST(filetime)
{
    ck_assert(agw_ntlm_filetime(0) == 116444736000000000ULL);
    ck_assert(agw_ntlm_filetime(1) == 116444736000000010ULL);
    ck_assert(agw_ntlm_filetime(-11644473600000000LL) == 0);
}
END_TEST

Suite *suite_ntlm(void)
{
    Suite *s = suite_create("ntlm");
    TCase *t = tcase_create("codec");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, isa_negotiate);
    tcase_add_test(t, isa_challenge);
    tcase_add_test(t, isa_authenticate);
    tcase_add_loop_test(t, every_truncation_refused, 0, 3);
    tcase_add_test(t, wrong_signature_and_type);
    tcase_add_test(t, security_buffers_out_of_range);
    tcase_add_test(t, header_bounds_of_each_type);
    tcase_add_test(t, bad_names_refused);
    tcase_add_loop_test(t, utf16_round_trip, 0, sizeof good_utf8 / sizeof good_utf8[0]);
    tcase_add_loop_test(t, utf8_refused, 0, sizeof bad_utf8 / sizeof bad_utf8[0]);
    tcase_add_test(t, utf8_nul_refused);
    tcase_add_test(t, av_pairs);
    tcase_add_loop_test(t, av_pairs_refused, 0, sizeof bad_av / sizeof bad_av[0]);
    tcase_add_test(t, av_odd_name_refused);
    tcase_add_test(t, av_build_and_client_list);
    tcase_add_test(t, classifier);
    tcase_add_test(t, negotiate_round_trip);
    tcase_add_test(t, challenge_encodes_msnlmp_4_2_4);
    tcase_add_test(t, challenge_msnlmp_4_2_2_decodes);
    tcase_add_test(t, authenticate_msnlmp_4_2_4_round_trip);
    tcase_add_test(t, authenticate_round_trip_with_mic);
    tcase_add_test(t, little_endian_bytes);
    tcase_add_test(t, filetime);
    suite_add_tcase(s, t);
    suite_add_tcase(s, tcase_ntlm_crypto());
    suite_add_tcase(s, tcase_ntlm_exchange());
    suite_add_tcase(s, tcase_b64std());
    return s;
}
