/* authgw-ldap's pure logic; see agw_ldap.h. */
#include "agw_ldap.h"

#include <limits.h>
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "agw_bytes.h"

static const char HEX[] = "0123456789ABCDEF";

/* Every byte as \XX. */
static char *escape_all(apr_pool_t *p, const unsigned char *v, size_t len)
{
    char *out = apr_palloc(p, 3 * len + 1), *o = out;
    size_t i;
    for (i = 0; i < len; i++) {
        *o++ = '\\';
        *o++ = HEX[v[i] >> 4];
        *o++ = HEX[v[i] & 15];
    }
    *o = '\0';
    return out;
}

char *agw_ldap_escape(apr_pool_t *p, const char *v, size_t len)
{
    char *out = apr_palloc(p, 3 * len + 1), *o = out;
    size_t i;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c >= 0x7f || c == '*' || c == '(' || c == ')'
            || c == '\\') {
            *o++ = '\\';
            *o++ = HEX[c >> 4];
            *o++ = HEX[c & 15];
        }
        else
            *o++ = (char)c;
    }
    *o = '\0';
    return out;
}

/* --- DNs (RFC 4514) ------------------------------------------------------
 * Parsed leniently into RDNs; each RDN is kept normalised (types lower
 * case, values unescaped, trimmed and lower-cased, written in hex) for
 * comparison, and, when it has one attribute, with its type and value. */
typedef struct {
    const char *norm;
    const char *type;  /* NULL for a multi-valued RDN */
    const char *value;
} dn_rdn;

static const char *skip_spaces(const char *s)
{
    while (*s == ' ')
        s++;
    return s;
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)apr_tolower(*s);
}

/* The end of the attribute type (descr or numeric OID) at s; s when there
 * is none. */
static const char *type_end(const char *s)
{
    if (apr_isalpha(*s))
        while (apr_isalnum(*s) || *s == '-')
            s++;
    else if (apr_isdigit(*s))
        while (apr_isdigit(*s) || *s == '.')
            s++;
    return s;
}

/* The attribute type at *s, lower-cased; NULL when there is none. */
static char *dn_type(apr_pool_t *p, const char **s)
{
    const char *e = type_end(*s);
    char *t;
    if (e == *s)
        return NULL;
    t = apr_pstrmemdup(p, *s, (apr_size_t)(e - *s));
    lower(t);
    *s = e;
    return t;
}

/* The value at *s up to an unescaped ',', ';', '+' or the end, unescaped
 * and trimmed of unescaped spaces; NULL when malformed. */
static char *dn_value(apr_pool_t *p, const char **s, size_t *vlen)
{
    const char *c = *s, *e = c;
    char *out;
    size_t n = 0, keep = 0;  /* keep: length up to the last significant byte */

    while (*e && *e != ',' && *e != ';' && *e != '+')
        e += e[0] == '\\' && e[1] ? 2 : 1;
    out = apr_palloc(p, (apr_size_t)(e - c) + 1);

    if (*c == '#') {  /* BER in hex: kept as written */
        const char *b = c++;
        while (agw_hex_digit(*c) >= 0)
            c++;
        if ((c - b) % 2 == 0 || c - b < 3)
            return NULL;
        memcpy(out, b, (size_t)(c - b));
        n = keep = (size_t)(c - b);
        c = skip_spaces(c);
        if (*c && *c != ',' && *c != ';' && *c != '+')
            return NULL;
    }
    else {
        while (*c && *c != ',' && *c != ';' && *c != '+') {
            if (*c == '"')
                return NULL;
            if (*c == '\\') {
                int hi = agw_hex_digit(c[1]), lo = hi >= 0 ? agw_hex_digit(c[2]) : -1;
                if (hi >= 0 && lo >= 0) {
                    out[n++] = (char)(hi * 16 + lo);
                    c += 3;
                }
                else if (c[1] && strchr(" \"#+,;<=>\\", c[1])) {
                    out[n++] = c[1];
                    c += 2;
                }
                else
                    return NULL;
                keep = n;
                continue;
            }
            out[n++] = *c++;
            if (c[-1] != ' ')
                keep = n;
        }
    }
    out[keep] = '\0';
    *vlen = keep;
    *s = c;
    return out;
}

/* The RDNs of dn, most specific first; NULL when malformed. */
static apr_array_header_t *dn_parse(apr_pool_t *p, const char *dn)
{
    apr_array_header_t *rdns = apr_array_make(p, 8, sizeof(dn_rdn));
    const char *s = skip_spaces(dn);
    dn_rdn *cur = NULL;

    if (!*s)
        return rdns;
    for (;;) {
        char *type, *value, *norm;
        size_t vlen, i;

        if (!(type = dn_type(p, &s)))
            return NULL;
        s = skip_spaces(s);
        if (*s++ != '=')
            return NULL;
        s = skip_spaces(s);
        if (!(value = dn_value(p, &s, &vlen)))
            return NULL;
        for (i = 0; i < vlen; i++)
            value[i] = (char)apr_tolower(value[i]);
        /* hex keeps a value with ',' or '+' from looking like two */
        norm = apr_pstrcat(p, type, "=", escape_all(p, (unsigned char *)value,
                                                    vlen), NULL);
        if (!cur) {
            cur = apr_array_push(rdns);
            cur->norm = norm;
            cur->type = type;
            cur->value = value;
        }
        else {
            cur->norm = apr_pstrcat(p, cur->norm, "+", norm, NULL);
            cur->type = cur->value = NULL;
        }
        if (!*s)
            return rdns;
        if (*s != '+')
            cur = NULL;
        s = skip_spaces(s + 1);
        if (!*s)
            return NULL;  /* a trailing separator */
    }
}

int agw_ldap_dn_under(apr_pool_t *p, const char *dn, const char *base)
{
    apr_array_header_t *d = dn_parse(p, dn), *b = dn_parse(p, base);
    int i;
    if (!d || !b)
        return -1;
    if (b->nelts > d->nelts)
        return 0;
    for (i = 1; i <= b->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(d, d->nelts - i, dn_rdn).norm,
                   APR_ARRAY_IDX(b, b->nelts - i, dn_rdn).norm))
            return 0;
    return 1;
}

/* 1 when s is one DNS label (letters, digits, '-'; 1 to 63 of them). */
static int dns_label(const char *s)
{
    size_t n = 0;
    for (; apr_isalnum(s[n]) || s[n] == '-'; n++)
        ;
    return n > 0 && n < 64 && !s[n];
}

const char *const *agw_ldap_base_domains(apr_pool_t *p, const char *base)
{
    apr_array_header_t *rdns = dn_parse(p, base);
    const char **out = apr_pcalloc(p, 3 * sizeof *out);
    const char *dns = NULL;
    int i;

    for (i = rdns ? rdns->nelts - 1 : -1; i >= 0; i--) {
        const dn_rdn *r = &APR_ARRAY_IDX(rdns, i, dn_rdn);
        if (!r->type || strcmp(r->type, "dc") || !dns_label(r->value))
            break;
        out[1] = r->value;
        dns = dns ? apr_pstrcat(p, r->value, ".", dns, NULL) : r->value;
    }
    out[0] = dns;
    if (dns && !strcmp(dns, out[1]))
        out[1] = NULL;
    return out;
}

/* --- user names ----------------------------------------------------------- */

/* "attribute=" at the start: the name is a DN. */
static int looks_like_dn(const char *s)
{
    const char *b = skip_spaces(s), *e = type_end(b);
    return e != b && *skip_spaces(e) == '=';
}

const char *agw_ldap_parse_name(apr_pool_t *p, const char *name,
                                agw_ldap_name *out)
{
    size_t len = name ? strlen(name) : 0, i;
    const char *sep;

    memset(out, 0, sizeof *out);
    if (len == 0)
        return "the name is empty";
    if (len > AGW_LDAP_NAME_MAX)
        return "the name is too long";
    for (i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return "the name holds control characters";
    out->name = name;
    if (looks_like_dn(name)) {
        apr_array_header_t *rdns = dn_parse(p, name);
        if (!rdns || rdns->nelts == 0)
            return "the name is a malformed DN";
        out->form = AGW_LDAP_NAME_DN;
        return NULL;
    }
    if ((sep = strchr(name, '\\'))) {
        out->form = AGW_LDAP_NAME_DOMAIN;
        out->domain = apr_pstrmemdup(p, name, (apr_size_t)(sep - name));
        out->user = sep + 1;
        if (strchr(out->user, '\\'))
            return "the name has two backslashes";
    }
    else if ((sep = strrchr(name, '@'))) {
        out->form = AGW_LDAP_NAME_UPN;
        out->user = apr_pstrmemdup(p, name, (apr_size_t)(sep - name));
        out->domain = sep + 1;
    }
    else {
        out->form = AGW_LDAP_NAME_PLAIN;
        out->user = name;
    }
    if (!*out->user || (out->domain && !*out->domain))
        return "a part of the name is empty";
    return NULL;
}

static int ours(const agw_ldap_dirinfo *d, const char *domain)
{
    const char *const *n;
    for (n = d->domains; n && *n; n++)
        if (!strcasecmp(*n, domain))
            return 1;
    return 0;
}

/* The first DNS name (one with a dot) of the directory's domains. */
static const char *dns_domain(const agw_ldap_dirinfo *d)
{
    const char *const *n;
    for (n = d->domains; n && *n; n++)
        if (strchr(*n, '.'))
            return *n;
    return NULL;
}

static const char *match(apr_pool_t *p, const char *attr, const char *value)
{
    return apr_pstrcat(p, "(", attr, "=", agw_ldap_escape(p, value, strlen(value)),
                       ")", NULL);
}

const char *agw_ldap_user_search(apr_pool_t *p, const agw_ldap_dirinfo *d,
                                 const agw_ldap_name *n, agw_ldap_search *out)
{
    const char *uf = d->user_filter ? d->user_filter : "(objectClass=*)";
    const char *m;

    memset(out, 0, sizeof *out);
    out->base = d->base;
    if (n->form == AGW_LDAP_NAME_DN) {
        int under = agw_ldap_dn_under(p, n->name, d->base);
        if (under < 0)
            return "the name or the base is a malformed DN";
        if (!under)
            return "the DN lies outside the search base";
        out->base = n->name;
        out->scope_base = 1;
        out->filter = uf;
        out->bind_name = n->name;
        return NULL;
    }
    if (d->kind == AGW_LDAP_GENERIC) {
        out->filter = apr_pstrcat(p, "(&", uf, match(p, d->user_attr, n->name),
                                  ")", NULL);
        return NULL;
    }
    switch (n->form) {
    case AGW_LDAP_NAME_DOMAIN:
        if (!ours(d, n->domain))
            return "the domain is not this directory's (AuthGWLDAPDomain)";
        m = match(p, d->user_attr, n->user);
        out->bind_name = n->name;
        break;
    case AGW_LDAP_NAME_UPN:
        m = match(p, "userPrincipalName", n->name);
        if (ours(d, n->domain))
            m = apr_pstrcat(p, "(|", m, match(p, d->user_attr, n->user), ")",
                            NULL);
        out->bind_name = n->name;
        break;
    default:
        m = match(p, d->user_attr, n->user);
        /* AD refuses a simple bind with a bare account name; every account
         * has the implicit UPN account@dns-domain. */
        out->bind_name = dns_domain(d)
                       ? apr_pstrcat(p, n->user, "@", dns_domain(d), NULL)
                       : n->name;
        break;
    }
    out->filter = apr_pstrcat(p, "(&", uf, m, ")", NULL);
    return NULL;
}

int agw_ldap_filter_ok(const char *f)
{
    size_t n = f ? strlen(f) : 0, i;
    int depth = 0;

    if (n < 3 || f[0] != '(' || f[n - 1] != ')')
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)f[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
        if (c == '\\') {
            if (agw_hex_digit(f[i + 1]) < 0 || agw_hex_digit(f[i + 2]) < 0)
                return 0;
            i += 2;
        }
        else if (c == '(') {
            if (f[i + 1] == ')')
                return 0;
            depth++;
        }
        else if (c == ')') {
            if (--depth < 0 || (depth == 0 && i != n - 1))
                return 0;
        }
    }
    return depth == 0;
}

/* --- what Active Directory says ------------------------------------------- */

agw_ad_state agw_ad_bind_state(const char *diag)
{
    static const struct { unsigned long code; agw_ad_state state; } codes[] = {
        { 0x525, AGW_AD_NO_SUCH_USER }, { 0x52e, AGW_AD_BAD_PASSWORD },
        { 0x530, AGW_AD_LOGON_HOURS }, { 0x531, AGW_AD_WORKSTATION },
        { 0x532, AGW_AD_PASSWORD_EXPIRED }, { 0x533, AGW_AD_DISABLED },
        { 0x701, AGW_AD_ACCOUNT_EXPIRED }, { 0x773, AGW_AD_MUST_CHANGE },
        { 0x775, AGW_AD_LOCKED },
    };
    const char *d = diag;
    size_t i;

    while (d && (d = strstr(d, "data "))) {
        unsigned long code = 0;
        int digits = 0;
        if (d != diag && d[-1] != ' ') {
            d += 5;
            continue;
        }
        d += 5;
        while (agw_hex_digit(*d) >= 0 && digits < 8) {
            code = code * 16 + (unsigned long)agw_hex_digit(*d++);
            digits++;
        }
        if (digits == 0 || (*d && *d != ',' && *d != ' '))
            continue;
        for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
            if (codes[i].code == code)
                return codes[i].state;
        return AGW_AD_OTHER;
    }
    return AGW_AD_UNKNOWN;
}

const char *agw_ad_state_reason(agw_ad_state s)
{
    static const char *const names[] = {
        "refused", "no-such-user", "bad-password", "logon-hours",
        "workstation", "password-expired", "disabled", "account-expired",
        "must-change", "locked", "refused"
    };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "refused";
}

const char *agw_ad_state_note(agw_ad_state s)
{
    switch (s) {
    case AGW_AD_PASSWORD_EXPIRED:
    case AGW_AD_DISABLED:
    case AGW_AD_ACCOUNT_EXPIRED:
    case AGW_AD_MUST_CHANGE:
        return agw_ad_state_reason(s);
    default:
        return NULL;
    }
}

int agw_ad_state_needs_change(agw_ad_state s)
{
    return s == AGW_AD_PASSWORD_EXPIRED || s == AGW_AD_MUST_CHANGE;
}

/* 100 ns intervals from 1601-01-01 to 1970-01-01. */
#define FILETIME_EPOCH 116444736000000000ULL

int agw_ad_filetime(const char *s, size_t len, long long *secs)
{
    unsigned long long v = 0;
    size_t i;

    if (len == 0 || len > 19)
        return -1;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned long long)(s[i] - '0');
    }
    if (v == 0 || v == (unsigned long long)LLONG_MAX)
        return 0;
    if (v > (unsigned long long)LLONG_MAX || v < FILETIME_EPOCH)
        return -1;
    *secs = (long long)((v - FILETIME_EPOCH) / 10000000ULL);
    return 1;
}

static int has(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (; *s; s++)
        if (!strncasecmp(s, word, n))
            return 1;
    return 0;
}

const char *agw_ldap_pw_refusal(const char *diag)
{
    if (!diag)
        return "policy";
    /* AD and Samba start with the Windows error code: 00000056 is
     * ERROR_INVALID_PASSWORD (the current password), 0000052D
     * ERROR_PASSWORD_RESTRICTION, about which AD says no more.  Samba and
     * OpenLDAP's ppolicy say which rule it was. */
    return !strncmp(diag, "00000056", 8) ? AGW_LDAP_WRONG_CURRENT
         : has(diag, "too short") ? "too-short"
         : has(diag, "complex") || has(diag, "quality") ? "complexity"
         : has(diag, "history") || has(diag, "already used")
           || has(diag, "previous password") ? "history"
         : has(diag, "too young") ? "min-age"
         : "policy";
}

/* --- unicodePwd and SIDs --------------------------------------------------- */

/* The next code point of UTF-8 s[*i..len), or -1 when malformed. */
static long utf8_next(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char c = s[*i];
    size_t n, k;
    long cp, min;

    if (c < 0x80) {
        (*i)++;
        return c;
    }
    if ((c & 0xe0) == 0xc0) {
        n = 1; cp = c & 0x1f; min = 0x80;
    }
    else if ((c & 0xf0) == 0xe0) {
        n = 2; cp = c & 0x0f; min = 0x800;
    }
    else if ((c & 0xf8) == 0xf0) {
        n = 3; cp = c & 0x07; min = 0x10000;
    }
    else
        return -1;
    if (len - *i <= n)
        return -1;
    for (k = 1; k <= n; k++) {
        if ((s[*i + k] & 0xc0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[*i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *i += n + 1;
    return cp;
}

static unsigned char *put16(unsigned char *o, unsigned long u)
{
    *o++ = (unsigned char)(u & 0xff);
    *o++ = (unsigned char)(u >> 8);
    return o;
}

int agw_ad_unicode_pwd(apr_pool_t *p, const char *pw, size_t len,
                       unsigned char **out, size_t *outlen)
{
    const unsigned char *s = (const unsigned char *)pw;
    /* UTF-16 never takes more than twice the bytes of UTF-8. */
    unsigned char *buf = apr_palloc(p, 2 * len + 4), *o = buf;
    size_t i = 0;

    o = put16(o, '"');
    while (i < len) {
        long cp = utf8_next(s, len, &i);
        if (cp <= 0) {
            memset(buf, 0, 2 * len + 4);
            return -1;
        }
        if (cp >= 0x10000) {
            o = put16(o, 0xd800 + (((unsigned long)cp - 0x10000) >> 10));
            o = put16(o, 0xdc00 + (((unsigned long)cp - 0x10000) & 0x3ff));
        }
        else
            o = put16(o, (unsigned long)cp);
    }
    o = put16(o, '"');
    *out = buf;
    *outlen = (size_t)(o - buf);
    return 0;
}

char *agw_ad_group_sid(apr_pool_t *p, const unsigned char *sid, size_t len,
                       unsigned long rid)
{
    unsigned char *g;
    /* revision 1, sub-authority count, 6-byte authority, count x 4 bytes */
    if (len < 12 || sid[0] != 1 || sid[1] == 0 || sid[1] > 15
        || len != 8 + 4 * (size_t)sid[1] || rid > 0xffffffffUL)
        return NULL;
    g = apr_pmemdup(p, sid, len);
    g[len - 4] = (unsigned char)(rid & 0xff);
    g[len - 3] = (unsigned char)((rid >> 8) & 0xff);
    g[len - 2] = (unsigned char)((rid >> 16) & 0xff);
    g[len - 1] = (unsigned char)((rid >> 24) & 0xff);
    return escape_all(p, g, len);
}
