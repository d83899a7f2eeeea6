#include <string.h>

#include "agw_kerb.h"
#include "suites.h"

/* --- user names ------------------------------------------------------------ */

static const struct {
    const char *user, *netbios, *name;
    agw_kerb_name want;
} names[] = {
    { "alice", NULL, "alice", AGW_KERB_NAME_OK },
    { "alice@GW.TEST", NULL, "alice", AGW_KERB_NAME_OK },
    { "alice@gw.test", NULL, "alice", AGW_KERB_NAME_OK },
    { "GW\\alice", NULL, "alice", AGW_KERB_NAME_OK },
    { "gw\\alice", NULL, "alice", AGW_KERB_NAME_OK },
    { "GW.TEST\\alice", NULL, "alice", AGW_KERB_NAME_OK },
    { "CORP\\alice", "CORP", "alice", AGW_KERB_NAME_OK },
    { "GW\\alice", "CORP", NULL, AGW_KERB_NAME_FOREIGN },
    { "OTHER\\alice", NULL, NULL, AGW_KERB_NAME_FOREIGN },
    { "G\\alice", NULL, NULL, AGW_KERB_NAME_FOREIGN },
    { "GWX\\alice", NULL, NULL, AGW_KERB_NAME_FOREIGN },
    { "alice@OTHER.TEST", NULL, NULL, AGW_KERB_NAME_FOREIGN },
    { "alice@GW.TEST.EVIL", NULL, NULL, AGW_KERB_NAME_FOREIGN },
    { "", NULL, NULL, AGW_KERB_NAME_INVALID },
    { "@GW.TEST", NULL, NULL, AGW_KERB_NAME_INVALID },
    { "alice@", NULL, NULL, AGW_KERB_NAME_INVALID },
    { "\\alice", NULL, NULL, AGW_KERB_NAME_INVALID },
    { "GW\\", NULL, NULL, AGW_KERB_NAME_INVALID },
    { "krbtgt/GW.TEST", NULL, NULL, AGW_KERB_NAME_INVALID },
    { "a@b@GW.TEST", NULL, NULL, AGW_KERB_NAME_INVALID },
    { "GW\\a@GW.TEST", NULL, NULL, AGW_KERB_NAME_INVALID },
    { "GW\\a\\b", NULL, NULL, AGW_KERB_NAME_INVALID },
    { "ali\nce", NULL, NULL, AGW_KERB_NAME_INVALID },
    { "ali\x7f" "ce", NULL, NULL, AGW_KERB_NAME_INVALID },
};

START_TEST(map_user)
{
    const char *name = NULL;
    agw_kerb_name m = agw_kerb_map_user(names[_i].user, "GW.TEST",
                                        names[_i].netbios, tp, &name);
    ck_assert_msg(m == names[_i].want, "%s: %d", names[_i].user, (int)m);
    if (names[_i].name)
        ck_assert_str_eq(name, names[_i].name);
}
END_TEST

START_TEST(map_user_length)
{
    char big[AGW_KERB_NAME_MAX + 2];
    const char *name;
    memset(big, 'a', sizeof big - 1);
    big[AGW_KERB_NAME_MAX] = '\0';
    ck_assert_int_eq(agw_kerb_map_user(big, "GW.TEST", NULL, tp, &name),
                     AGW_KERB_NAME_OK);
    big[AGW_KERB_NAME_MAX] = 'a';
    big[AGW_KERB_NAME_MAX + 1] = '\0';
    ck_assert_int_eq(agw_kerb_map_user(big, "GW.TEST", NULL, tp, &name),
                     AGW_KERB_NAME_INVALID);
}
END_TEST

/* --- e-data ------------------------------------------------------------------ */

/* METHOD-DATA as Samba 4.17's KDC sent it for a disabled account:
 * ETYPE-INFO2, then PA-PW-SALT holding STATUS_ACCOUNT_DISABLED. */
static const unsigned char samba_disabled[] = {
    0x30, 0x42, 0x30, 0x29, 0xa1, 0x03, 0x02, 0x01, 0x13, 0xa2, 0x22, 0x04,
    0x20, 0x30, 0x1e, 0x30, 0x1c, 0xa0, 0x03, 0x02, 0x01, 0x12, 0xa1, 0x0d,
    0x1b, 0x0b, 0x47, 0x57, 0x2e, 0x54, 0x45, 0x53, 0x54, 0x78, 0x64, 0x69,
    0x73, 0xa2, 0x06, 0x04, 0x04, 0x00, 0x00, 0x10, 0x00, 0x30, 0x15, 0xa1,
    0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e, 0x04, 0x0c, 0x72, 0x00, 0x00, 0xc0,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00
};

/* The same reply for a wrong password: ETYPE-INFO2 only. */
static const unsigned char samba_preauth_failed[] = {
    0x30, 0x2b, 0x30, 0x29, 0xa1, 0x03, 0x02, 0x01, 0x13, 0xa2, 0x22, 0x04,
    0x20, 0x30, 0x1e, 0x30, 0x1c, 0xa0, 0x03, 0x02, 0x01, 0x12, 0xa1, 0x0d,
    0x1b, 0x0b, 0x47, 0x57, 0x2e, 0x54, 0x45, 0x53, 0x54, 0x78, 0x64, 0x69,
    0x73, 0xa2, 0x06, 0x04, 0x04, 0x00, 0x00, 0x10, 0x00
};

/* KERB-ERROR-DATA { data-type 3, data-value KERB-EXT-ERROR } with
 * STATUS_ACCOUNT_LOCKED_OUT, as Windows sends it. */
static const unsigned char windows_locked[] = {
    0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e, 0x04, 0x0c,
    0x34, 0x02, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00
};

START_TEST(edata_forms)
{
    uint32_t st = 0;
    ck_assert_int_eq(agw_kerb_edata_status(samba_disabled,
                                           sizeof samba_disabled, &st), 0);
    ck_assert_uint_eq(st, AGW_NT_ACCOUNT_DISABLED);
    ck_assert_str_eq(agw_kerb_account_state(st), "disabled");
    ck_assert_int_eq(agw_kerb_edata_status(windows_locked,
                                           sizeof windows_locked, &st), 0);
    ck_assert_uint_eq(st, AGW_NT_ACCOUNT_LOCKED_OUT);
    ck_assert_str_eq(agw_kerb_account_state(st), "locked");
    ck_assert_int_eq(agw_kerb_edata_status(samba_preauth_failed,
                                           sizeof samba_preauth_failed, &st),
                     -1);
}
END_TEST

START_TEST(edata_truncated_and_bent)
{
    unsigned char buf[sizeof samba_disabled];
    uint32_t st;
    size_t n;
    /* every prefix is refused (the outer length no longer fits) */
    for (n = 0; n < sizeof samba_disabled; n++)
        ck_assert_int_eq(agw_kerb_edata_status(samba_disabled, n, &st), -1);
    /* a 12-byte salt that is not a status is still returned as bytes, but
     * names no account state */
    memcpy(buf, samba_disabled, sizeof buf);
    memcpy(buf + sizeof buf - 12, "GW.TESTalice", 12);
    ck_assert_int_eq(agw_kerb_edata_status(buf, sizeof buf, &st), 0);
    ck_assert_ptr_null(agw_kerb_account_state(st));
    /* an inner length that overruns its parent */
    memcpy(buf, samba_disabled, sizeof buf);
    buf[sizeof buf - 13] = 0x0d;
    ck_assert_int_eq(agw_kerb_edata_status(buf, sizeof buf, &st), -1);
    /* a negative padata-type */
    memcpy(buf, samba_disabled, sizeof buf);
    buf[51] = 0x83;
    ck_assert_int_eq(agw_kerb_edata_status(buf, sizeof buf, &st), -1);
}
END_TEST

START_TEST(account_states)
{
    ck_assert_str_eq(agw_kerb_account_state(AGW_NT_PASSWORD_EXPIRED),
                     "password-expired");
    ck_assert_str_eq(agw_kerb_account_state(AGW_NT_PASSWORD_MUST_CHANGE),
                     "must-change");
    ck_assert_str_eq(agw_kerb_account_state(AGW_NT_ACCOUNT_EXPIRED),
                     "account-expired");
    ck_assert_ptr_null(agw_kerb_account_state(0));
    ck_assert_ptr_null(agw_kerb_account_state(0xC000006Du));
}
END_TEST

/* --- kpasswd ----------------------------------------------------------------- */

#define S(x) (const unsigned char *)(x), sizeof(x) - 1

START_TEST(kpasswd_reasons)
{
    /* Samba 4.17's texts */
    ck_assert_str_eq(agw_kerb_kpasswd_reason(4, S("Password too short,"
        " password must be at least 10 characters long.")), "too-short");
    ck_assert_str_eq(agw_kerb_kpasswd_reason(4, S("Password does not meet"
        " complexity requirements")), "complexity");
    ck_assert_str_eq(agw_kerb_kpasswd_reason(4, S("Password is already in"
        " password history. New password must not match any of your 3"
        " previous passwords.")), "history");
    ck_assert_str_eq(agw_kerb_kpasswd_reason(4, S("Password change rejected,"
        " password changes may not be permitted on this account, or the"
        " minimum password age may not have elapsed.")), "min-age");
    ck_assert_str_eq(agw_kerb_kpasswd_reason(5, S("denied")), "policy");
    ck_assert_str_eq(agw_kerb_kpasswd_reason(4, NULL, 0), "policy");
    ck_assert_ptr_null(agw_kerb_kpasswd_reason(0, S("Password changed")));
    ck_assert_ptr_null(agw_kerb_kpasswd_reason(2, S("too short")));
}
END_TEST

START_TEST(kpasswd_windows_policy_block)
{
    /* 30 bytes: 0x0000, min length 10, history 24, properties, ... — the
     * texts above must not be looked for in binary */
    unsigned char b[30] = { 0, 0, 0, 0, 0, 10, 0, 0, 0, 24, 0, 0, 0, 1 };
    ck_assert_str_eq(agw_kerb_kpasswd_reason(4, b, sizeof b), "policy");
}
END_TEST

Suite *suite_kerb(void)
{
    Suite *s = suite_create("kerb");
    TCase *t = tcase_create("core");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_loop_test(t, map_user, 0, sizeof names / sizeof names[0]);
    tcase_add_test(t, map_user_length);
    tcase_add_test(t, edata_forms);
    tcase_add_test(t, edata_truncated_and_bent);
    tcase_add_test(t, account_states);
    tcase_add_test(t, kpasswd_reasons);
    tcase_add_test(t, kpasswd_windows_policy_block);
    suite_add_tcase(s, t);
    return s;
}
