/* The PAC's logon information (MS-PAC §2.5), as MIT GSSAPI gives it
 * ("urn:mspac:logon-info").  The buffer below is real: the ticket of
 * pacuser (in the group pactest-finance) from Samba 4.17's KDC, realm
 * GW.TEST, accepted with python3-gssapi on this project's machines. */
#include <string.h>

#include <apr_strings.h>

#include "agw_pac.h"
#include "suites.h"
#include "t_ntlm.h"

static const char *const LOGON_INFO =
    "01100800cccccccca801000000000000000002006825ebb1057ddd01ffffffff"
    "ffffff7fffffffffffffff7ff6f51ab0057ddd01f6f51ab0057ddd01f67574a5"
    "069edd010e000e00040002000000000008000200000000000c00020000000000"
    "1000020000000000140002000000000018000200010000004e04000001020000"
    "020000001c000200200000000000000000000000000000000000000006000800"
    "2000020004000600240002002800020000000000000000001000000000000000"
    "000000000000000000000000000000000000000000000000010000002c000200"
    "0000000000000000000000000700000000000000070000007000610063007500"
    "7300650072000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "000000000200000001020000070000004f040000070000000400000000000000"
    "0300000044004300310000000300000000000000020000004700570004000000"
    "0104000000000005150000003b761a1b90414d22bc869ca50100000030000200"
    "070000000100000001010000000000120100000000000000";

#define DOMAIN_SID "S-1-5-21-454719035-575488400-2778498748"

/* Byte offsets in LOGON_INFO. */
#define AT_REFERENT 16
#define AT_NAME_LEN (20 + 48)          /* EffectiveName.Length */
#define AT_GROUP_COUNT (20 + 108)
#define AT_GROUP_PTR (20 + 112)
#define AT_GROUP_MAXCOUNT 324
#define AT_DOMAIN_SID_REV 384
#define AT_DOMAIN_SID_N 385

static unsigned char pac[512];
static size_t pac_len;

static void load(void)
{
    pac_len = t_unhex(LOGON_INFO, pac, sizeof pac);
}

static agw_pac_status decode(agw_pac_logon *li)
{
    return agw_pac_logon_info(tp, pac, pac_len, li);
}

START_TEST(real_logon_info)
{
    agw_pac_logon li;

    load();
    ck_assert_int_eq(decode(&li), AGW_PAC_OK);
    ck_assert_str_eq(li.user, "pacuser");
    ck_assert_str_eq(li.domain, "GW");
    ck_assert_str_eq(agw_sid_text(tp, &li.domain_sid), DOMAIN_SID);
    ck_assert_uint_eq(li.user_rid, 1102);
    ck_assert_uint_eq(li.primary_rid, 513);
    ck_assert_uint_eq(li.n_groups, 3);
    ck_assert_str_eq(agw_sid_text(tp, &li.groups[0]), DOMAIN_SID "-513");
    ck_assert_str_eq(agw_sid_text(tp, &li.groups[1]), DOMAIN_SID "-1103");
    /* ExtraSids: "Authentication authority asserted identity" */
    ck_assert_str_eq(agw_sid_text(tp, &li.groups[2]), "S-1-18-1");
}
END_TEST

/* Every prefix is refused; nothing is read past it (ASan watches). */
START_TEST(truncated)
{
    agw_pac_logon li;
    unsigned char *copy;
    size_t k;

    load();
    for (k = 0; k < pac_len; k++) {
        copy = apr_pmemdup(tp, pac, k);
        ck_assert_int_ne(agw_pac_logon_info(tp, copy, k, &li), AGW_PAC_OK);
    }
}
END_TEST

static void set32(size_t at, unsigned v)
{
    pac[at] = (unsigned char)v;
    pac[at + 1] = (unsigned char)(v >> 8);
    pac[at + 2] = (unsigned char)(v >> 16);
    pac[at + 3] = (unsigned char)(v >> 24);
}

START_TEST(refused)
{
    agw_pac_logon li;

    load();
    pac[0] = 2;                                   /* version */
    ck_assert_int_eq(decode(&li), AGW_PAC_BAD_HEADER);
    load();
    pac[1] = 0x00;                                /* big-endian */
    ck_assert_int_eq(decode(&li), AGW_PAC_BAD_HEADER);
    load();
    set32(8, 0x1a4);                              /* object length not 8n */
    ck_assert_int_eq(decode(&li), AGW_PAC_BAD_HEADER);
    load();
    set32(8, 0x1b0);                              /* longer than the buffer */
    ck_assert_int_eq(decode(&li), AGW_PAC_TRUNCATED);
    load();
    set32(8, 0x1a0);                              /* shorter */
    ck_assert_int_eq(decode(&li), AGW_PAC_TRAILING);
    load();
    set32(AT_REFERENT, 0);
    ck_assert_int_eq(decode(&li), AGW_PAC_BAD_POINTER);
    load();
    set32(AT_GROUP_COUNT, 3);                     /* MaxCount says 2 */
    ck_assert_int_eq(decode(&li), AGW_PAC_BAD_COUNT);
    load();
    set32(AT_GROUP_COUNT, 0x7fffffff);
    ck_assert_int_eq(decode(&li), AGW_PAC_TRUNCATED);
    load();
    set32(AT_GROUP_PTR, 0);                       /* NULL with a count */
    ck_assert_int_eq(decode(&li), AGW_PAC_BAD_POINTER);
    load();
    set32(AT_GROUP_MAXCOUNT, 1);
    ck_assert_int_eq(decode(&li), AGW_PAC_BAD_COUNT);
    load();
    pac[AT_NAME_LEN] = 0x0d;                      /* odd Length */
    ck_assert_int_eq(decode(&li), AGW_PAC_BAD_STRING);
    load();
    pac[AT_NAME_LEN] = 0x0c;                      /* ActualCount disagrees */
    ck_assert_int_eq(decode(&li), AGW_PAC_BAD_STRING);
    load();
    pac[AT_DOMAIN_SID_REV] = 2;
    ck_assert_int_eq(decode(&li), AGW_PAC_BAD_SID);
    load();
    pac[AT_DOMAIN_SID_N] = 5;                     /* MaxCount says 4 */
    ck_assert_int_eq(decode(&li), AGW_PAC_BAD_SID);
}
END_TEST

START_TEST(padding_only)
{
    agw_pac_logon li;

    /* eight more bytes inside the object: more than its padding */
    load();
    memset(pac + pac_len, 0, 8);
    pac_len += 8;
    set32(8, 0x1b0);
    ck_assert_int_eq(decode(&li), AGW_PAC_TRAILING);
}
END_TEST

START_TEST(sid_text)
{
    agw_sid s;
    memset(&s, 0, sizeof s);
    s.revision = 1;
    s.authority[0] = 0x12;
    s.authority[5] = 0x34;
    s.n = 2;
    s.sub[0] = 4294967295u;
    ck_assert_str_eq(agw_sid_text(tp, &s), "S-1-0x120000000034-4294967295-0");
    s.authority[0] = 0;
    s.n = 0;
    ck_assert_str_eq(agw_sid_text(tp, &s), "S-1-52");
}
END_TEST

Suite *suite_pac(void)
{
    Suite *s = suite_create("pac");
    TCase *t = tcase_create("pac");
    tcase_add_checked_fixture(t, pool_setup, pool_teardown);
    tcase_add_test(t, real_logon_info);
    tcase_add_test(t, truncated);
    tcase_add_test(t, refused);
    tcase_add_test(t, padding_only);
    tcase_add_test(t, sid_text);
    suite_add_tcase(s, t);
    return s;
}
