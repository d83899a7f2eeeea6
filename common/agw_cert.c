#include "agw_cert.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define OID_TEXT_MAX 128
#define PEM_MARK "-----BEGIN"

/* A string value as UTF-8 in p, or NULL when it does not convert or holds
 * a NUL or a control character. */
static const char *text_of(apr_pool_t *p, const ASN1_STRING *s)
{
    unsigned char *u = NULL;
    const char *out = NULL;
    int n = ASN1_STRING_to_UTF8(&u, s), i;

    if (n <= 0)
        goto done;
    for (i = 0; i < n; i++)
        if (u[i] < 0x20 || u[i] == 0x7f)
            goto done;
    out = apr_pstrmemdup(p, (const char *)u, (apr_size_t)n);
done:
    OPENSSL_free(u);
    return out;
}

static const char *oid_text(apr_pool_t *p, const ASN1_OBJECT *o)
{
    char buf[OID_TEXT_MAX];
    int n = OBJ_obj2txt(buf, sizeof buf, o, 1);
    return n > 0 && (size_t)n < sizeof buf ? apr_pstrdup(p, buf) : NULL;
}

/* The DN printed with OpenSSL's RFC 2253 escaping (UTF-8 kept as is);
 * x500: in the certificate's order rather than RFC 4514's reverse one. */
static const char *dn_text(apr_pool_t *p, const X509_NAME *n, int x500)
{
    unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
    BIO *b = BIO_new(BIO_s_mem());
    const char *out = NULL;
    char *data;
    long len;

    if (x500)
        flags &= ~XN_FLAG_DN_REV;
    if (b && X509_NAME_print_ex(b, n, 0, flags) >= 0
        && (len = BIO_get_mem_data(b, &data)) >= 0
        && !memchr(data, '\0', (size_t)len))
        out = apr_pstrmemdup(p, data, (apr_size_t)len);
    BIO_free(b);
    return out;
}

static void read_names(apr_pool_t *p, X509 *x, agw_cert *c)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    ASN1_OBJECT *upn = OBJ_txt2obj(AGW_OID_UPN, 1);
    int i;

    for (i = 0; gens && upn && i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        const char *v = NULL;
        if (g->type == GEN_EMAIL) {
            if ((v = text_of(p, g->d.rfc822Name)) && *v)
                APR_ARRAY_PUSH(c->emails, const char *) = v;
        }
        else if (g->type == GEN_OTHERNAME
                 && !OBJ_cmp(g->d.otherName->type_id, upn)
                 && g->d.otherName->value
                 && g->d.otherName->value->type == V_ASN1_UTF8STRING
                 && (v = text_of(p, g->d.otherName->value->value.utf8string))
                 && *v)
            APR_ARRAY_PUSH(c->upns, const char *) = v;
    }
    ASN1_OBJECT_free(upn);
    GENERAL_NAMES_free(gens);
}

/* The EKU and policy OIDs; -1 when an extension is there but malformed
 * (a certificate the constraints cannot be checked on). */
static int read_usages(apr_pool_t *p, X509 *x, agw_cert *c)
{
    int crit, i, rv = 0;
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
    CERTIFICATEPOLICIES *pol;

    if (eku) {
        c->ekus = apr_array_make(p, 4, sizeof(const char *));
        for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
            const char *o = oid_text(p, sk_ASN1_OBJECT_value(eku, i));
            if (o)
                APR_ARRAY_PUSH(c->ekus, const char *) = o;
        }
        EXTENDED_KEY_USAGE_free(eku);
    }
    else if (crit != -1)  /* -1: absent; -2: several; >= 0: undecodable */
        rv = -1;
    pol = X509_get_ext_d2i(x, NID_certificate_policies, &crit, NULL);
    if (pol) {
        for (i = 0; i < sk_POLICYINFO_num(pol); i++) {
            const char *o = oid_text(p, sk_POLICYINFO_value(pol, i)->policyid);
            if (o)
                APR_ARRAY_PUSH(c->policies, const char *) = o;
        }
        CERTIFICATEPOLICIES_free(pol);
    }
    else if (crit != -1)
        rv = -1;
    return rv;
}

static X509 *decode(const unsigned char *buf, size_t len)
{
    X509 *x = NULL;
    if (len >= sizeof PEM_MARK - 1 && !memcmp(buf, PEM_MARK, sizeof PEM_MARK - 1)) {
        BIO *b = BIO_new_mem_buf(buf, (int)len);
        if (b)
            x = PEM_read_bio_X509(b, NULL, NULL, NULL);
        BIO_free(b);
    }
    else {
        const unsigned char *q = buf;
        x = d2i_X509(NULL, &q, (long)len);
        if (x && q != buf + len) {
            X509_free(x);
            x = NULL;
        }
    }
    return x;
}

const char *agw_cert_parse(apr_pool_t *p, const unsigned char *buf,
                           size_t len, agw_cert *c)
{
    const char *why = NULL, *is, *ss;
    X509 *x;

    memset(c, 0, sizeof *c);
    if (!len || len > AGW_CERT_MAX)
        return "empty or larger than 64 KiB";
    if (!(x = decode(buf, len))) {
        ERR_clear_error();
        return "not a certificate in PEM or DER";
    }
    c->upns = apr_array_make(p, 1, sizeof(const char *));
    c->emails = apr_array_make(p, 1, sizeof(const char *));
    c->policies = apr_array_make(p, 1, sizeof(const char *));
    c->subject = dn_text(p, X509_get_subject_name(x), 0);
    c->issuer = dn_text(p, X509_get_issuer_name(x), 0);
    is = dn_text(p, X509_get_issuer_name(x), 1);
    ss = dn_text(p, X509_get_subject_name(x), 1);
    if (!c->subject || !c->issuer || !is || !ss)
        why = "its subject or issuer name cannot be printed";
    else if (read_usages(p, x, c))
        why = "its extended key usage or policies extension is malformed";
    else {
        c->altsec = apr_pstrcat(p, "X509:<I>", is, "<S>", ss, NULL);
        read_names(p, x, c);
    }
    X509_free(x);
    /* nothing of ours stays queued for the TLS code on this thread */
    ERR_clear_error();
    return why;
}

const char *agw_cert_name(const agw_cert *c, agw_cert_map how)
{
    switch (how) {
    case AGW_CERT_MAP_UPN:
        return c->upns && c->upns->nelts
            ? APR_ARRAY_IDX(c->upns, 0, const char *) : NULL;
    case AGW_CERT_MAP_EMAIL:
        return c->emails && c->emails->nelts
            ? APR_ARRAY_IDX(c->emails, 0, const char *) : NULL;
    case AGW_CERT_MAP_SUBJECT:
        return c->subject && *c->subject ? c->subject : NULL;
    case AGW_CERT_MAP_LDAP:
        return c->altsec;
    }
    return NULL;
}

static int has_any(const apr_array_header_t *have,
                   const apr_array_header_t *want)
{
    int i, j;
    for (i = 0; have && i < have->nelts; i++)
        for (j = 0; j < want->nelts; j++)
            if (!strcmp(APR_ARRAY_IDX(have, i, const char *),
                        APR_ARRAY_IDX(want, j, const char *)))
                return 1;
    return 0;
}

agw_cert_verdict agw_cert_check(const agw_cert *c, const agw_cert_rules *r)
{
    int i, ok;
    if (r->issuers && r->issuers->nelts) {
        for (ok = 0, i = 0; !ok && i < r->issuers->nelts; i++)
            ok = agw_cert_dn_equal(c->issuer,
                                   APR_ARRAY_IDX(r->issuers, i, const char *));
        if (!ok)
            return AGW_CERT_BAD_ISSUER;
    }
    if (r->ekus && r->ekus->nelts && !has_any(c->ekus, r->ekus))
        return AGW_CERT_BAD_EKU;
    if (r->policies && r->policies->nelts && !has_any(c->policies, r->policies))
        return AGW_CERT_BAD_POLICY;
    return AGW_CERT_OK;
}

static const struct {
    const char *name, *oid;
} eku_names[] = {
    { "clientAuth", AGW_OID_CLIENT_AUTH },
    { "smartcardLogon", AGW_OID_SMARTCARD_LOGON },
    { "serverAuth", "1.3.6.1.5.5.7.3.1" },
    { "emailProtection", "1.3.6.1.5.5.7.3.4" },
    { "anyExtendedKeyUsage", "2.5.29.37.0" },
};

const char *agw_cert_eku_oid(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof eku_names / sizeof eku_names[0]; i++)
        if (!strcasecmp(name, eku_names[i].name))
            return eku_names[i].oid;
    return agw_cert_oid_ok(name) ? name : NULL;
}

int agw_cert_oid_ok(const char *s)
{
    int arcs = 0;
    if (strlen(s) >= OID_TEXT_MAX)
        return 0;
    while (*s) {
        const char *start = s;
        while (apr_isdigit(*s))
            s++;
        if (s == start || (*start == '0' && s - start > 1))
            return 0;
        arcs++;
        if (*s == '.' && s[1])
            s++;
        else if (*s)
            return 0;
    }
    return arcs >= 2;
}

static int is_sep(char ch)
{
    return ch == ',' || ch == '+' || ch == '=';
}

/* Skips blanks that stand next to a separator. */
static const char *skip_blanks(const char *s, const char *start)
{
    const char *t = s;
    while (*t == ' ')
        t++;
    if (t != s && (!*t || is_sep(*t) || s == start || is_sep(s[-1])))
        return t;
    return s;
}

int agw_cert_dn_equal(const char *a, const char *b)
{
    const char *a0 = a, *b0 = b;
    if (!a || !b)
        return 0;
    for (;;) {
        a = skip_blanks(a, a0);
        b = skip_blanks(b, b0);
        if (!*a || !*b)
            return !*a && !*b;
        if (apr_tolower(*a) != apr_tolower(*b))
            return 0;
        /* an escaped character is compared as it is, never a separator */
        if (*a == '\\' && a[1] && b[1]) {
            if (a[1] != b[1])
                return 0;
            a++;
            b++;
        }
        a++;
        b++;
        if (is_sep(a[-1])) {
            while (*a == ' ')
                a++;
            while (*b == ' ')
                b++;
        }
    }
}
