/* The NTLM tests live in several files; suite_ntlm() (t_ntlm.c) gathers
 * their test cases into the one "ntlm" suite. */
#ifndef AGW_TEST_NTLM_H
#define AGW_TEST_NTLM_H

#include <stddef.h>

#include "suites.h"

TCase *tcase_ntlm_crypto(void);   /* t_ntlm_crypto.c */
TCase *tcase_ntlm_exchange(void); /* t_ntlm_crypto.c */
TCase *tcase_b64std(void);        /* t_b64std.c */

/* Hex (no separators) to bytes; fails the test on bad input or overrun. */
size_t t_unhex(const char *hex, unsigned char *out, size_t cap);

/* Messages shared by the test files, as hex. */
extern const char *const T_MSNLMP_CHAL_V1;  /* MS-NLMP §4.2.2.3 CHALLENGE */
extern const char *const T_MSNLMP_AUTH_V1;  /* MS-NLMP §4.2.2.3 AUTHENTICATE */
extern const char *const T_MSNLMP_CHAL_V2;  /* MS-NLMP §4.2.4.3 CHALLENGE */
extern const char *const T_MSNLMP_AUTH_V2;  /* MS-NLMP §4.2.4.3 AUTHENTICATE */

#endif
