/* Placeholder: filled by the ntlm codec work. */
#ifndef AGW_NTLM_H
#define AGW_NTLM_H
#endif
