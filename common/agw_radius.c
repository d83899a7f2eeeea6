#include "agw_radius.h"

/* Keeps the translation unit non-empty until the codec lands. */
typedef int agw_radius_placeholder;
