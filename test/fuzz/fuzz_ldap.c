/* libFuzzer: authgw-ldap's parsers of what users type and what directories
 * answer.  The first input byte picks a mode; the rest (made a C string
 * where the parser takes one) is the input:
 *   0  a user name: parsed, then turned into AD and generic searches.  A
 *      filter made from it must be one well-formed filter with no '*' (no
 *      name may widen the search), and a DN search must stay under the base.
 *   1  two DNs (split at the first newline): dn_under, both ways; a DN is
 *      under itself.
 *   2  a bind diagnostic and a password-refusal message.
 *   3  a FILETIME value (the bytes as they are, with their length).
 *   4  a new password for unicodePwd: what is accepted decodes back, from
 *      UTF-16LE with code of our own, to the quoted input.
 *   5  an objectSid (4 bytes of RID first).
 *   6  a filter value: escaped, then unescaped here, gives the input back.
 *   7  a base DN (its domains) and an administrator's filter. */
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "agw_ldap.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define BASE "OU=People,DC=gw,DC=test"
#define UFILTER "(objectClass=user)"

static void check_search(apr_pool_t *p, const agw_ldap_search *s)
{
    const char *f = s->filter;
    if (!agw_ldap_filter_ok(f) || strchr(f, '*'))
        __builtin_trap();
    if (s->scope_base ? agw_ldap_dn_under(p, s->base, BASE) != 1
                      : strcmp(s->base, BASE))
        __builtin_trap();
}

static void names(apr_pool_t *p, const char *in)
{
    static const char *const domains[] = { "gw.test", "gw", NULL };
    agw_ldap_dirinfo ad = { AGW_LDAP_AD, BASE, "sAMAccountName", UFILTER, domains };
    agw_ldap_dirinfo gen = { AGW_LDAP_GENERIC, BASE, "uid", UFILTER, NULL };
    agw_ldap_name n;
    agw_ldap_search s;
    if (agw_ldap_parse_name(p, in, &n))
        return;
    if (!agw_ldap_user_search(p, &ad, &n, &s))
        check_search(p, &s);
    if (!agw_ldap_user_search(p, &gen, &n, &s))
        check_search(p, &s);
}

static void dns(apr_pool_t *p, char *in)
{
    char *nl = strchr(in, '\n');
    if (nl)
        *nl++ = '\0';
    else
        nl = "DC=gw,DC=test";
    if (agw_ldap_dn_under(p, in, nl) >= 0 && agw_ldap_dn_under(p, in, in) != 1)
        __builtin_trap();
    (void)agw_ldap_dn_under(p, nl, in);
}

static void messages(const char *in)
{
    agw_ad_state st = agw_ad_bind_state(in);
    const char *note = agw_ad_state_note(st);
    if (!agw_ad_state_reason(st) || (note && strcmp(note, agw_ad_state_reason(st))))
        __builtin_trap();
    if (!agw_ldap_pw_refusal(in))
        __builtin_trap();
}

static void unicode(apr_pool_t *p, const unsigned char *in, size_t n)
{
    unsigned char *out, *back;
    size_t olen, i, b = 0;
    if (agw_ad_unicode_pwd(p, (const char *)in, n, &out, &olen))
        return;
    /* decode UTF-16LE to UTF-8 and compare with "in" */
    back = apr_palloc(p, 2 * olen + 1);
    for (i = 0; i + 1 < olen; i += 2) {
        unsigned long u = out[i] | (unsigned long)out[i + 1] << 8;
        if (u >= 0xd800 && u < 0xdc00) {
            unsigned long lo;
            if (i + 3 >= olen)
                __builtin_trap();
            lo = out[i + 2] | (unsigned long)out[i + 3] << 8;
            if (lo < 0xdc00 || lo > 0xdfff)
                __builtin_trap();
            u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
            i += 2;
        }
        if (u < 0x80)
            back[b++] = (unsigned char)u;
        else if (u < 0x800) {
            back[b++] = (unsigned char)(0xc0 | u >> 6);
            back[b++] = (unsigned char)(0x80 | (u & 0x3f));
        }
        else if (u < 0x10000) {
            back[b++] = (unsigned char)(0xe0 | u >> 12);
            back[b++] = (unsigned char)(0x80 | ((u >> 6) & 0x3f));
            back[b++] = (unsigned char)(0x80 | (u & 0x3f));
        }
        else {
            back[b++] = (unsigned char)(0xf0 | u >> 18);
            back[b++] = (unsigned char)(0x80 | ((u >> 12) & 0x3f));
            back[b++] = (unsigned char)(0x80 | ((u >> 6) & 0x3f));
            back[b++] = (unsigned char)(0x80 | (u & 0x3f));
        }
    }
    if (olen % 2 || b != n + 2 || back[0] != '"' || back[b - 1] != '"'
        || memcmp(back + 1, in, n))
        __builtin_trap();
}

static int hex(char c)
{
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : c - '0';
}

static void escape(apr_pool_t *p, const unsigned char *in, size_t n)
{
    const char *e = agw_ldap_escape(p, (const char *)in, n);
    size_t i = 0;
    for (; *e; e++) {
        unsigned char c = (unsigned char)*e;
        if (c == '\\') {
            c = (unsigned char)(hex(e[1]) * 16 + hex(e[2]));
            e += 2;
        }
        else if (c == '*' || c == '(' || c == ')' || c < 0x20 || c >= 0x7f)
            __builtin_trap();
        if (i >= n || in[i++] != c)
            __builtin_trap();
    }
    if (i != n)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static int init;
    apr_pool_t *p;
    char *s;
    long long t;

    if (size < 1)
        return 0;
    if (!init)
        init = apr_initialize() == APR_SUCCESS;
    apr_pool_create(&p, NULL);
    s = apr_pstrmemdup(p, (const char *)data + 1, size - 1);
    switch (data[0] & 7) {
    case 0:
        names(p, s);
        break;
    case 1:
        dns(p, s);
        break;
    case 2:
        messages(s);
        break;
    case 3:
        if (agw_ad_filetime((const char *)data + 1, size - 1, &t) == 1 && t < 0)
            __builtin_trap();
        break;
    case 4:
        unicode(p, data + 1, size - 1);
        break;
    case 5:
        if (size >= 5)
            (void)agw_ad_group_sid(p, data + 5, size - 5,
                                   data[1] | (unsigned long)data[2] << 8
                                   | (unsigned long)data[3] << 16
                                   | (unsigned long)data[4] << 24);
        break;
    case 6:
        escape(p, data + 1, size - 1);
        break;
    default: {
        const char *const *d = agw_ldap_base_domains(p, s);
        if (d[0] && (!*d[0] || strchr(d[0], ',')))
            __builtin_trap();
        (void)agw_ldap_filter_ok(s);
        break;
    }
    }
    apr_pool_destroy(p);
    return 0;
}
