#include "agw_kerb.h"

#include <string.h>

#include <apr_strings.h>

/* --- user name → principal --------------------------------------------- */

static int ascii_ieq(const char *a, size_t an, const char *b)
{
    size_t i;
    if (strlen(b) != an)
        return 0;
    for (i = 0; i < an; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'a' && x <= 'z')
            x -= 32;
        if (y >= 'a' && y <= 'z')
            y -= 32;
        if (x != y)
            return 0;
    }
    return 1;
}

agw_kerb_name agw_kerb_map_user(const char *user, const char *realm,
                                const char *netbios, apr_pool_t *p,
                                const char **name)
{
    size_t len = strlen(user), i, ats = 0, bss = 0;
    const char *at = NULL, *bs = NULL;

    if (len == 0 || len > AGW_KERB_NAME_MAX)
        return AGW_KERB_NAME_INVALID;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)user[i];
        if (c < 0x20 || c == 0x7f || c == '/')
            return AGW_KERB_NAME_INVALID;
        if (c == '@') {
            ats++;
            at = user + i;
        }
        else if (c == '\\') {
            bss++;
            bs = user + i;
        }
    }
    if (ats + bss > 1)
        return AGW_KERB_NAME_INVALID;
    if (at) {
        if (at == user || !at[1])
            return AGW_KERB_NAME_INVALID;
        if (!ascii_ieq(at + 1, strlen(at + 1), realm))
            return AGW_KERB_NAME_FOREIGN;
        *name = apr_pstrmemdup(p, user, (apr_size_t)(at - user));
        return AGW_KERB_NAME_OK;
    }
    if (bs) {
        size_t dl = (size_t)(bs - user);
        if (dl == 0 || !bs[1])
            return AGW_KERB_NAME_INVALID;
        if (!netbios) {
            const char *dot = strchr(realm, '.');
            netbios = dot ? apr_pstrmemdup(p, realm, (apr_size_t)(dot - realm))
                          : realm;
        }
        if (!ascii_ieq(user, dl, netbios) && !ascii_ieq(user, dl, realm))
            return AGW_KERB_NAME_FOREIGN;
        *name = apr_pstrdup(p, bs + 1);
        return AGW_KERB_NAME_OK;
    }
    *name = apr_pstrdup(p, user);
    return AGW_KERB_NAME_OK;
}

/* --- e-data ---------------------------------------------------------------
 *
 * A DER reader for the few shapes needed here; single-byte tags, definite
 * lengths only (DER has no other), every length checked against what is
 * left. */

typedef struct {
    const unsigned char *p;
    size_t n;
} der;

/* Reads one TLV of tag from d into *v; advances d.  -1 on any mismatch. */
static int der_take(der *d, unsigned char tag, der *v)
{
    size_t len, i, nb;
    if (d->n < 2 || d->p[0] != tag)
        return -1;
    len = d->p[1];
    i = 2;
    if (len & 0x80) {
        nb = len & 0x7f;
        if (nb == 0 || nb > 4 || d->n - 2 < nb)
            return -1;
        for (len = 0; nb; nb--)
            len = (len << 8) | d->p[i++];
    }
    if (d->n - i < len)
        return -1;
    v->p = d->p + i;
    v->n = len;
    d->p += i + len;
    d->n -= i + len;
    return 0;
}

/* [tag] INTEGER, small and non-negative; -1 otherwise. */
static long der_int(der *d, unsigned char ctx_tag)
{
    der e, v;
    long x = 0;
    size_t i;
    if (der_take(d, ctx_tag, &e) || der_take(&e, 0x02, &v) || v.n == 0
        || v.n > 4 || (v.p[0] & 0x80))
        return -1;
    for (i = 0; i < v.n; i++)
        x = (x << 8) | v.p[i];
    return x;
}

/* [tag] OCTET STRING */
static int der_octets(der *d, unsigned char ctx_tag, der *v)
{
    der e;
    return der_take(d, ctx_tag, &e) || der_take(&e, 0x04, v) ? -1 : 0;
}

static uint32_t le32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16
         | (uint32_t)b[3] << 24;
}

#define PA_PW_SALT 3
#define KERB_ERR_TYPE_EXTENDED 3
#define KERB_EXT_ERROR_LEN 12

int agw_kerb_edata_status(const unsigned char *p, size_t n, uint32_t *status)
{
    der all = { p, n }, seq, el, v;

    if (der_take(&all, 0x30, &seq) || seq.n == 0)
        return -1;
    if (seq.p[0] == 0xa1) {
        /* KERB-ERROR-DATA ::= SEQUENCE { data-type [1] INTEGER,
         *                                data-value [2] OCTET STRING OPTIONAL } */
        if (der_int(&seq, 0xa1) != KERB_ERR_TYPE_EXTENDED
            || der_octets(&seq, 0xa2, &v) || v.n != KERB_EXT_ERROR_LEN)
            return -1;
        *status = le32(v.p);
        return 0;
    }
    /* METHOD-DATA ::= SEQUENCE OF PA-DATA { padata-type [1] Int32,
     *                                       padata-value [2] OCTET STRING } */
    while (seq.n) {
        if (der_take(&seq, 0x30, &el))
            return -1;
        if (der_int(&el, 0xa1) == PA_PW_SALT && der_octets(&el, 0xa2, &v) == 0
            && v.n == KERB_EXT_ERROR_LEN) {
            *status = le32(v.p);
            return 0;
        }
    }
    return -1;
}

const char *agw_kerb_account_state(uint32_t status)
{
    switch (status) {
    case AGW_NT_PASSWORD_EXPIRED: return "password-expired";
    case AGW_NT_PASSWORD_MUST_CHANGE: return "must-change";
    case AGW_NT_ACCOUNT_DISABLED: return "disabled";
    case AGW_NT_ACCOUNT_EXPIRED: return "account-expired";
    case AGW_NT_ACCOUNT_LOCKED_OUT: return "locked";
    default: return NULL;
    }
}

/* --- kpasswd -------------------------------------------------------------- */

static int has_word(const unsigned char *s, size_t n, const char *w)
{
    size_t wl = strlen(w), i;
    for (i = 0; wl <= n && i <= n - wl; i++)
        if (ascii_ieq((const char *)s + i, wl, w))
            return 1;
    return 0;
}

/* Windows' policy block: 30 bytes that start with two zero bytes. */
#define AD_POLICY_LEN 30

const char *agw_kerb_kpasswd_reason(int result_code, const unsigned char *s,
                                    size_t n)
{
    if (result_code != AGW_KPASSWD_SOFTERROR
        && result_code != AGW_KPASSWD_ACCESSDENIED)
        return NULL;
    if (!s || (n == AD_POLICY_LEN && s[0] == 0 && s[1] == 0))
        return "policy";
    if (has_word(s, n, "too short"))
        return "too-short";
    if (has_word(s, n, "complexity"))
        return "complexity";
    if (has_word(s, n, "history"))
        return "history";
    if (has_word(s, n, "password age"))
        return "min-age";
    return "policy";
}
