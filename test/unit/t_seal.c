#include <string.h>

#include "agw_seal.h"
#include "suites.h"

#define K1 "first-secret-of-at-least-32-characters-xxxxxxxx"
#define K2 "second-secret-of-at-least-32-characters-yyyyyyy"

static agw_keyring ring(const char *text)
{
    agw_keyring kr;
    char err[256];
    ck_assert_ptr_null(agw_keyring_parse(&kr, text, strlen(text), err, sizeof err));
    return kr;
}

START_TEST(seal_round_trip)
{
    agw_keyring kr = ring(K1 "\n");
    unsigned char out[128], back[64];
    size_t n, m;
    ck_assert_int_eq(agw_seal(&kr, "p", "hello", 5, out, sizeof out, &n), AGW_SEAL_OK);
    ck_assert_uint_eq(n, 5 + AGW_SEAL_OVERHEAD);
    ck_assert_int_eq(agw_unseal(&kr, "p", out, n, back, sizeof back, &m), AGW_SEAL_OK);
    ck_assert_uint_eq(m, 5);
    ck_assert_mem_eq(back, "hello", 5);
}
END_TEST

START_TEST(every_byte_is_authenticated)
{
    agw_keyring kr = ring(K1);
    unsigned char out[128], back[64];
    size_t n, m, i;
    agw_seal(&kr, "p", "hello", 5, out, sizeof out, &n);
    for (i = 0; i < n; i++) {
        out[i] ^= 0x01;
        ck_assert_int_ne(agw_unseal(&kr, "p", out, n, back, sizeof back, &m), AGW_SEAL_OK);
        out[i] ^= 0x01;
    }
    /* truncated */
    ck_assert_int_ne(agw_unseal(&kr, "p", out, n - 1, back, sizeof back, &m), AGW_SEAL_OK);
    ck_assert_int_eq(agw_unseal(&kr, "p", out, 10, back, sizeof back, &m), AGW_SEAL_MALFORMED);
}
END_TEST

START_TEST(purpose_is_bound)
{
    agw_keyring kr = ring(K1);
    unsigned char out[128], back[64];
    size_t n, m;
    agw_seal(&kr, "session", "x", 1, out, sizeof out, &n);
    ck_assert_int_eq(agw_unseal(&kr, "other", out, n, back, sizeof back, &m), AGW_SEAL_FORGED);
}
END_TEST

START_TEST(rotation_newest_seals_all_open)
{
    agw_keyring old = ring(K1), both = ring(K2 "\n" K1 "\n"), only_new = ring(K2);
    unsigned char a[128], b[128], back[64];
    size_t na, nb, m;
    agw_seal(&old, "p", "x", 1, a, sizeof a, &na);
    ck_assert_int_eq(agw_unseal(&both, "p", a, na, back, sizeof back, &m), AGW_SEAL_OK);
    ck_assert_int_eq(agw_unseal(&only_new, "p", a, na, back, sizeof back, &m),
                     AGW_SEAL_UNKNOWN_KEY);
    agw_seal(&both, "p", "y", 1, b, sizeof b, &nb);
    ck_assert_int_eq(agw_unseal(&only_new, "p", b, nb, back, sizeof back, &m), AGW_SEAL_OK);
    ck_assert_int_eq(agw_unseal(&old, "p", b, nb, back, sizeof back, &m), AGW_SEAL_UNKNOWN_KEY);
}
END_TEST

START_TEST(nonces_differ)
{
    agw_keyring kr = ring(K1);
    unsigned char a[64], b[64];
    size_t na, nb;
    agw_seal(&kr, "p", "same", 4, a, sizeof a, &na);
    agw_seal(&kr, "p", "same", 4, b, sizeof b, &nb);
    ck_assert(memcmp(a, b, na) != 0);
}
END_TEST

START_TEST(no_room)
{
    agw_keyring kr = ring(K1);
    unsigned char out[AGW_SEAL_OVERHEAD + 3], back[2];
    size_t n, m;
    ck_assert_int_eq(agw_seal(&kr, "p", "four", 4, out, sizeof out, &n), AGW_SEAL_NOROOM);
    ck_assert_int_eq(agw_seal(&kr, "p", "thr", 3, out, sizeof out, &n), AGW_SEAL_OK);
    ck_assert_int_eq(agw_unseal(&kr, "p", out, n, back, sizeof back, &m), AGW_SEAL_NOROOM);
}
END_TEST

START_TEST(key_file_parsing)
{
    agw_keyring kr;
    char err[256];
    const char *text = "# comment\n\n  " K1 "  \r\n" K2 "\n";
    ck_assert_ptr_null(agw_keyring_parse(&kr, text, strlen(text), err, sizeof err));
    ck_assert_int_eq(kr.n, 2);
    ck_assert_ptr_nonnull(agw_keyring_parse(&kr, "short\n", 6, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "line 1"));
    ck_assert_ptr_nonnull(agw_keyring_parse(&kr, "# only\n\n", 8, err, sizeof err));
    ck_assert_ptr_nonnull(agw_keyring_parse(&kr, "", 0, err, sizeof err));
}
END_TEST

START_TEST(mac_verify_and_ct_equal)
{
    agw_keyring kr = ring(K2 "\n" K1), old = ring(K1);
    unsigned char mac[32];
    ck_assert_int_eq(agw_mac(&old.k[0], "csrf", "pre", 3, mac), 0);
    ck_assert(agw_mac_verify(&kr, "csrf", "pre", 3, mac, 32));
    ck_assert(!agw_mac_verify(&kr, "csrf", "prf", 3, mac, 32));
    ck_assert(!agw_mac_verify(&kr, "other", "pre", 3, mac, 32));
    ck_assert(!agw_mac_verify(&kr, "csrf", "pre", 3, mac, 31));
    ck_assert(agw_ct_equal("abc", 3, "abc", 3));
    ck_assert(!agw_ct_equal("abc", 3, "abd", 3));
    ck_assert(!agw_ct_equal("abc", 3, "ab", 2));
}
END_TEST

START_TEST(prepared_ring_macs_alike)
{
    agw_keyring plain = ring(K2 "\n" K1), prep = ring(K2 "\n" K1);
    unsigned char a[32], b[32];
    int i;
    ck_assert_int_eq(agw_keyring_prepare(&prep), 0);
    ck_assert_ptr_nonnull(prep.k[1].hmac);
    /* again: the states are made once */
    ck_assert_int_eq(agw_keyring_prepare(&prep), 0);
    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(agw_mac(&plain.k[i], "credcache", "u\npw", 4, a), 0);
        ck_assert_int_eq(agw_mac(&prep.k[i], "credcache", "u\npw", 4, b), 0);
        ck_assert_mem_eq(a, b, sizeof a);
        /* the prepared state is copied, never advanced */
        ck_assert_int_eq(agw_mac(&prep.k[i], "credcache", "u\npw", 4, b), 0);
        ck_assert_mem_eq(a, b, sizeof a);
    }
    ck_assert_int_eq(agw_mac(&prep.k[1], "credcache", "u\npx", 4, b), 0);
    ck_assert_mem_ne(a, b, sizeof a);
    ck_assert(agw_mac_verify(&prep, "credcache", "u\npw", 4, a, 32));
    agw_keyring_clear(&prep);
    ck_assert_int_eq(prep.n, 0);
}
END_TEST

Suite *suite_seal(void)
{
    Suite *s = suite_create("seal");
    TCase *t = tcase_create("core");
    tcase_add_test(t, seal_round_trip);
    tcase_add_test(t, every_byte_is_authenticated);
    tcase_add_test(t, purpose_is_bound);
    tcase_add_test(t, rotation_newest_seals_all_open);
    tcase_add_test(t, nonces_differ);
    tcase_add_test(t, no_room);
    tcase_add_test(t, key_file_parsing);
    tcase_add_test(t, mac_verify_and_ct_equal);
    tcase_add_test(t, prepared_ring_macs_alike);
    suite_add_tcase(s, t);
    return s;
}
