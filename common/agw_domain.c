#include "agw_domain.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <libpsl.h>

static int is_hostname(const char *d)
{
    size_t label = 0, total = 0;
    int alpha_tld = 0;
    for (; *d; d++, total++) {
        unsigned char c = (unsigned char)*d;
        if (c == '.') {
            if (label == 0 || d[1] == '\0')
                return 0;
            label = 0;
            alpha_tld = 0;
            continue;
        }
        if (!isalnum(c) && c != '-')
            return 0;
        if (++label > 63)
            return 0;
        alpha_tld |= isalpha(c) || c == '-';
    }
    /* The last label holds a letter: "10.0.0.1" is an address, not a name. */
    return total > 0 && total <= 253 && label > 0 && alpha_tld;
}

const char *agw_sso_domain_check(const char *domain)
{
    const psl_ctx_t *builtin;
    psl_ctx_t *latest;
    const char *d = domain;
    int pub;

    if (*d == '.')
        d++;
    if (!is_hostname(d))
        return "is not a DNS domain name (letters, digits, '-' and dots)";
    if (!strchr(d, '.'))
        return "is a bare top-level domain: the cookie would go to every site"
               " under it";
    latest = psl_latest(NULL);
    builtin = latest ? latest : psl_builtin();
    if (!builtin)
        return "cannot be checked: no Public Suffix List was found"
               " (install the 'publicsuffix' package)";
    pub = psl_is_public_suffix(builtin, d);
    psl_free(latest);
    if (pub)
        return "is a public suffix: the cookie would go to other"
               " organisations' sites";
    return NULL;
}

int agw_host_in_domain(const char *host, const char *domain)
{
    size_t hl = strlen(host), dl;
    if (*domain == '.')
        domain++;
    dl = strlen(domain);
    if (hl == dl)
        return strcasecmp(host, domain) == 0;
    return hl > dl && host[hl - dl - 1] == '.'
        && strcasecmp(host + hl - dl, domain) == 0;
}

int agw_domain_name_ok(const char *s, size_t max, int dots)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_'
            && !(dots && *s == '.'))
            return 0;
    return 1;
}
