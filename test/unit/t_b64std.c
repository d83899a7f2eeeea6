/* Strict standard base64, the encoding of HTTP NTLM headers. */
#include <string.h>

#include "agw_b64.h"
#include "t_ntlm.h"

/* RFC 4648 §10 */
static const struct { const char *raw, *enc; } vec[] = {
    { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
    { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
};

START_TEST(encodes_rfc4648_vectors)
{
    char out[16];
    agw_b64std_encode((const unsigned char *)vec[_i].raw, strlen(vec[_i].raw), out);
    ck_assert_str_eq(out, vec[_i].enc);
    ck_assert_uint_eq(agw_b64std_enc_len(strlen(vec[_i].raw)), strlen(vec[_i].enc));
}
END_TEST

START_TEST(decodes_rfc4648_vectors)
{
    unsigned char out[16];
    size_t n = 99;
    ck_assert_int_eq(agw_b64std_decode(vec[_i].enc, strlen(vec[_i].enc), out,
                                       sizeof out, &n), 0);
    ck_assert_uint_eq(n, strlen(vec[_i].raw));
    ck_assert_mem_eq(out, vec[_i].raw, n);
}
END_TEST

START_TEST(standard_alphabet_round_trip)
{
    unsigned char raw[256], back[256];
    char enc[400];
    size_t n, i;
    for (i = 0; i < sizeof raw; i++)
        raw[i] = (unsigned char)(255 - i);
    agw_b64std_encode(raw, sizeof raw, enc);
    ck_assert_ptr_nonnull(strchr(enc, '+'));
    ck_assert_ptr_nonnull(strchr(enc, '/'));
    ck_assert_int_eq(agw_b64std_decode(enc, strlen(enc), back, sizeof back, &n), 0);
    ck_assert_uint_eq(n, sizeof raw);
    ck_assert_mem_eq(back, raw, n);
}
END_TEST

static const char *const bad[] = {
    "Zg",        /* padding missing */
    "Zg=",
    "Zm8",
    "Zg===",
    "Zh==",      /* non-zero trailing bits: "Zg==" spelled another way */
    "Zm9=",
    "Zm-v",      /* URL alphabet */
    "Zm_v",
    "Zm9v\r\n",  /* white space */
    "Zm 9v",
    " Zm9v",
    "=Zg=",      /* padding not at the end */
    "Z=g=",
    "Zg=a",
    "====",
    "Z===",
    "Zm9vYg==Zm9v", /* data after padding */
};

START_TEST(refuses_non_canonical_input)
{
    unsigned char out[16];
    size_t n;
    ck_assert_int_eq(agw_b64std_decode(bad[_i], strlen(bad[_i]), out, sizeof out, &n), -1);
}
END_TEST

START_TEST(refuses_nul_and_overrun)
{
    unsigned char out[6];
    size_t n;
    ck_assert_int_eq(agw_b64std_decode("Zm\0v", 4, out, sizeof out, &n), -1);
    ck_assert_int_eq(agw_b64std_decode("Zm9vYmFy", 8, out, 5, &n), -1);
    ck_assert_int_eq(agw_b64std_decode("Zm9vYmE=", 8, out, 5, &n), 0);
    ck_assert_uint_eq(n, 5);
    ck_assert_int_eq(agw_b64std_decode("Zm9vYg==", 8, out, 4, &n), 0);
    ck_assert_uint_eq(n, 4);
}
END_TEST

TCase *tcase_b64std(void)
{
    TCase *t = tcase_create("b64std");
    tcase_add_loop_test(t, encodes_rfc4648_vectors, 0, sizeof vec / sizeof vec[0]);
    tcase_add_loop_test(t, decodes_rfc4648_vectors, 0, sizeof vec / sizeof vec[0]);
    tcase_add_test(t, standard_alphabet_round_trip);
    tcase_add_loop_test(t, refuses_non_canonical_input, 0, sizeof bad / sizeof bad[0]);
    tcase_add_test(t, refuses_nul_and_overrun);
    return t;
}
