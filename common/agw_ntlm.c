#include "agw_ntlm.h"

/* Keeps the translation unit non-empty until the codec lands. */
typedef int agw_ntlm_placeholder;
