/* Who checks an NTLM response: a local NT-hash file, or winbind (an AD
 * member or DC) through libwbclient. */
#include "ntlm.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <http_log.h>
#include <stdbool.h> /* wbclient.h needs it */
#include <wbclient.h>

#include "agw_httpd.h"

APLOG_USE_MODULE(authgw_ntlm);

#define LINE_MAX_LEN 1024

/* One winbind context per thread, kept: libwbclient's contexts are not
 * thread-safe, and a kept one keeps its connection to winbindd (as
 * gss-ntlmssp does), which a logon would otherwise open and close twice.
 * The domain names winbind reports change only when the host joins another
 * domain: asked for once, then every NAMES_TTL.  Thread-local memory is
 * malloc'd: no pool belongs to a thread. */
#define NAMES_TTL apr_time_from_sec(300)

typedef struct {
    struct wbcContext *ctx;
    char *nb, *dns;          /* NULL until asked */
    apr_time_t names_at;
} wb_thread;

static apr_threadkey_t *wb_key;

static void wb_thread_free(void *v)
{
    wb_thread *t = v;
    if (t->ctx)
        wbcCtxFree(t->ctx);
    free(t->nb);
    free(t->dns);
    free(t);
}

void ntlm_validate_child_init(apr_pool_t *p)
{
    if (apr_threadkey_private_create(&wb_key, wb_thread_free, p))
        wb_key = NULL;
}

/* The thread's context; NULL when there is no memory.  Without a thread
 * key (never in a running child) *tmp says the caller frees it. */
static wb_thread *wb_get(int *tmp)
{
    void *v = NULL;
    wb_thread *t;

    *tmp = !wb_key || apr_threadkey_private_get(&v, wb_key) != APR_SUCCESS;
    t = v;
    if (!t) {
        t = calloc(1, sizeof *t);
        if (!t)
            return NULL;
        if (!*tmp && apr_threadkey_private_set(t, wb_key) != APR_SUCCESS)
            *tmp = 1;
    }
    if (!t->ctx)
        t->ctx = wbcCtxCreate();
    if (!t->ctx) {
        if (*tmp)
            wb_thread_free(t);
        return NULL;
    }
    return t;
}

static void wb_names(wb_thread *t)
{
    struct wbcInterfaceDetails *det = NULL;
    apr_time_t now = apr_time_now();

    if (t->nb && now - t->names_at < NAMES_TTL)
        return;
    if (WBC_ERROR_IS_OK(wbcCtxInterfaceDetails(t->ctx, &det)) && det
        && det->netbios_domain && *det->netbios_domain) {
        char *nb = strdup(det->netbios_domain);
        char *dns = strdup(det->dns_domain ? det->dns_domain : "");
        if (nb && dns) {
            free(t->nb);
            free(t->dns);
            t->nb = nb;
            t->dns = dns;
            t->names_at = now;
        }
        else {
            free(nb);
            free(dns);
        }
    }
    if (det)
        wbcFreeMemory(det);
}

void ntlm_domain_names(request_rec *r, const ntlm_dir *d, const char **nb,
                       const char **dns)
{
    *nb = d->nb_domain ? d->nb_domain : "WORKGROUP";
    *dns = d->dns_domain ? d->dns_domain : "";
    if (!d->nb_domain && d->validator == NTLM_VALIDATOR_WINBIND) {
        int tmp;
        wb_thread *t = wb_get(&tmp);
        if (t) {
            wb_names(t);
            if (t->nb) {
                *nb = apr_pstrdup(r->pool, t->nb);
                if (!d->dns_domain)
                    *dns = apr_pstrdup(r->pool, t->dns);
            }
            if (tmp)
                wb_thread_free(t);
        }
    }
    if (!**dns)
        *dns = apr_pstrcat(r->pool, *nb, NULL);
    /* DNS names are lower case by convention. */
    {
        char *l = apr_pstrdup(r->pool, *dns);
        ap_str_tolower(l);
        *dns = l;
    }
}

static int unhex(const char *s, unsigned char out[AGW_NTLM_KEY_LEN])
{
    int i;
    for (i = 0; i < AGW_NTLM_KEY_LEN; i++) {
        int hi = s[2 * i], lo = hi ? s[2 * i + 1] : 0;
        if (!apr_isxdigit(hi) || !apr_isxdigit(lo))
            return -1;
        hi = apr_isdigit(hi) ? hi - '0' : apr_tolower(hi) - 'a' + 10;
        lo = apr_isdigit(lo) ? lo - '0' : apr_tolower(lo) - 'a' + 10;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return s[2 * AGW_NTLM_KEY_LEN] ? -1 : 0;
}

/* Finds the user's line: "user:hex" fits any domain, "DOMAIN\user:hex" only
 * that domain (names compared without regard to ASCII case).  Returns 1 and
 * the hash and the name as written, 0 when absent, -1 when the file cannot
 * be read. */
static int file_lookup(request_rec *r, const char *path, const char *user,
                       const char *domain, unsigned char hash[AGW_NTLM_KEY_LEN],
                       const char **name, const char **why)
{
    apr_file_t *f;
    char line[LINE_MAX_LEN];
    apr_status_t rv;
    int lineno = 0, found = 0;

    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, r->pool);
    if (rv != APR_SUCCESS) {
        *why = apr_psprintf(r->pool, "cannot open the NT-hash file %s: %pm",
                            path, &rv);
        return -1;
    }
    while (!found && apr_file_gets(line, sizeof line, f) == APR_SUCCESS) {
        char *colon, *bs, *u, *end = line + strlen(line);
        lineno++;
        while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
            *--end = '\0';
        if (!*line || *line == '#')
            continue;
        colon = strrchr(line, ':');
        if (!colon || unhex(colon + 1, hash)) {
            agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(30016)
                     "%s line %d is not 'user:32 hex digits' or"
                     " 'DOMAIN\\user:32 hex digits': skipped", path, lineno);
            continue;
        }
        *colon = '\0';
        bs = strchr(line, '\\');
        u = bs ? bs + 1 : line;
        if (strcasecmp(u, user))
            continue;
        if (bs) {
            *bs = '\0';
            if (strcasecmp(line, domain))
                continue;
            *bs = '\\';
        }
        *name = apr_pstrdup(r->pool, line);
        found = 1;
    }
    memset(line, 0, sizeof line);
    apr_file_close(f);
    if (!found)
        memset(hash, 0, AGW_NTLM_KEY_LEN);
    return found;
}

static ntlm_vresult map_status(agw_ntlm_auth_status st, const char **why)
{
    switch (st) {
    case AGW_NTLM_AUTH_OK:
        return NTLM_V_OK;
    case AGW_NTLM_AUTH_WRONG:
        return NTLM_V_WRONG;
    case AGW_NTLM_AUTH_CRYPTO:
        *why = "the crypto library failed";
        return NTLM_V_ERROR;
    default:
        *why = agw_ntlm_auth_reason(st);
        return NTLM_V_REFUSED;
    }
}

static ntlm_vresult validate_file(request_rec *r, const ntlm_dir *d,
                                  const ntlm_vin *in, const char **user,
                                  ntlm_vout *out, const char **why)
{
    unsigned char hash[AGW_NTLM_KEY_LEN];
    agw_ntlm_server_in si;
    agw_ntlm_server_out so;
    agw_ntlm_auth_status st;
    const char *domains[3];
    int found, i;

    found = file_lookup(r, d->hash_file, in->auth->user, in->auth->domain,
                        hash, user, why);
    if (found < 0)
        return NTLM_V_ERROR;
    if (!found)
        return NTLM_V_UNKNOWN;
    memset(&si, 0, sizeof si);
    si.negotiate = in->negotiate;
    si.negotiate_len = in->negotiate_len;
    si.challenge = in->challenge;
    si.challenge_len = in->challenge_len;
    si.authenticate = in->authenticate;
    si.authenticate_len = in->authenticate_len;
    si.auth = in->auth;
    si.resp = in->resp;
    si.server_chal = in->server_chal;
    si.nt_hash = hash;
    si.allow_v1 = d->allow_v1;
    /* NTOWFv2 salts with the domain as the client spelt it; like Samba, try
     * it upper-cased and empty as well. */
    domains[0] = in->auth->domain;
    domains[1] = apr_pstrdup(r->pool, in->auth->domain);
    ap_str_toupper((char *)domains[1]);
    domains[2] = "";
    st = AGW_NTLM_AUTH_WRONG;
    for (i = 0; i < 3 && st == AGW_NTLM_AUTH_WRONG; i++) {
        if (i > 0 && (in->resp->kind != AGW_NTLM_RESP_V2
                      || !strcmp(domains[i], domains[i - 1])))
            continue;
        si.user = in->auth->user;
        si.domain = domains[i];
        st = agw_ntlm_server_verify(&si, &so);
    }
    if (st == AGW_NTLM_AUTH_OK && so.has_key) {
        out->has_key = 1;
        memcpy(out->exported, so.exported, sizeof out->exported);
    }
    memset(hash, 0, sizeof hash);
    memset(&so, 0, sizeof so);
    return map_status(st, why);
}

/* The names of the groups in a winbind logon's token (the primary group and
 * the others the DC reported; index 0 is the user), plain names without the
 * domain, one per line, into the groups note.  A failed look-up leaves the
 * user without groups: the logon stands. */
static void winbind_groups(request_rec *r, struct wbcContext *ctx,
                           const struct wbcAuthUserInfo *info)
{
    struct wbcDomainSid *sids;
    struct wbcDomainInfo *doms = NULL;
    struct wbcTranslatedName *names = NULL;
    int ndoms = 0, n, i, kept = 0;
    char *out = "";
    wbcErr e;

    if (!info->sids || info->num_sids < 2)
        return;
    n = (int)info->num_sids - 1;
    sids = apr_palloc(r->pool, sizeof *sids * (apr_size_t)n);
    for (i = 0; i < n; i++)
        sids[i] = info->sids[i + 1].sid;
    e = wbcCtxLookupSids(ctx, sids, n, &doms, &ndoms, &names);
    if (!WBC_ERROR_IS_OK(e)) {
        agw_rlog(APLOG_MARK, APLOG_WARNING, 0, r, AGWNO(30034)
                 "the groups of '%s\\%s' could not be named by winbind (%s):"
                 " the user has no groups for Require authgw-group",
                 agw_log_item(r->pool, info->domain_name),
                 agw_log_item(r->pool, info->account_name),
                 wbcErrorString(e));
        return;
    }
    for (i = 0; i < n; i++) {
        const struct wbcTranslatedName *t = &names[i];
        if ((t->type != WBC_SID_NAME_DOM_GRP && t->type != WBC_SID_NAME_ALIAS
             && t->type != WBC_SID_NAME_WKN_GRP) || !t->name || !*t->name
             || strchr(t->name, '\n'))
            continue;
        out = apr_pstrcat(r->pool, out, kept ? "\n" : "", t->name, NULL);
        kept++;
    }
    if (names)
        wbcFreeMemory(names);
    if (doms)
        wbcFreeMemory(doms);
    if (kept)
        apr_table_setn(r->notes, AUTHGW_NOTE_GROUPS, out);
    agw_rlog(APLOG_MARK, APLOG_DEBUG, 0, r, AGWNO(30035)
             "winbind: '%s\\%s' is in %d group(s): %s",
             agw_log_item(r->pool, info->domain_name),
             agw_log_item(r->pool, info->account_name), kept,
             agw_log_item(r->pool, out));
}

static ntlm_vresult validate_winbind(request_rec *r, const ntlm_dir *d,
                                     const ntlm_vin *in, const char **user,
                                     ntlm_vout *out, const char **why)
{
    struct wbcContext *ctx;
    wb_thread *t;
    int tmp;
    struct wbcAuthUserParams p;
    struct wbcAuthUserInfo *info = NULL;
    struct wbcAuthErrorInfo *err = NULL;
    const agw_ntlm_authenticate *a = in->auth;
    const agw_ntlm_resp *resp = in->resp;
    ntlm_vresult res;
    wbcErr e;

    if (resp->kind != AGW_NTLM_RESP_V2 && !d->allow_v1) {
        *why = agw_ntlm_auth_reason(AGW_NTLM_AUTH_V1_REFUSED);
        return NTLM_V_REFUSED;
    }
    t = wb_get(&tmp);
    if (!t) {
        *why = "out of memory for a winbind context";
        return NTLM_V_ERROR;
    }
    ctx = t->ctx;
    memset(&p, 0, sizeof p);
    p.account_name = a->user;
    p.domain_name = a->domain;
    p.workstation_name = a->workstation;
    p.parameter_control = WBC_MSV1_0_ALLOW_WORKSTATION_TRUST_ACCOUNT
        | WBC_MSV1_0_ALLOW_SERVER_TRUST_ACCOUNT;
    p.level = WBC_AUTH_USER_LEVEL_RESPONSE;
    memcpy(p.password.response.challenge, in->server_chal, 8);
    /* libwbclient refuses a buffer with a zero length (WBC_ERR_INVALID_PARAM):
     * an empty response (gss-ntlmssp sends no LM response) is NULL. */
    p.password.response.nt_length = (uint32_t)a->nt.len;
    p.password.response.nt_data = a->nt.len
        ? apr_pmemdup(r->pool, a->nt.p, a->nt.len) : NULL;
    p.password.response.lm_length = (uint32_t)a->lm.len;
    p.password.response.lm_data = a->lm.len
        ? apr_pmemdup(r->pool, a->lm.p, a->lm.len) : NULL;
    e = wbcCtxAuthenticateUserEx(ctx, &p, &info, &err);
    if (e == WBC_ERR_SUCCESS && info) {
        res = NTLM_V_OK;
        *user = apr_psprintf(r->pool, "%s\\%s", info->domain_name,
                             info->account_name);
        /* The ExportedSessionKey from the session key winbind derived:
         * for the MIC the client announced, and for SPNEGO's. */
        {
            unsigned char kx[AGW_NTLM_KEY_LEN];
            if (agw_ntlm_kxkey(resp->kind, a->flags, info->user_session_key,
                               in->server_chal, &a->lm, kx) == 0
                && agw_ntlm_exported_key(a->flags, kx, &a->session_key,
                                         out->exported) == 0)
                out->has_key = 1;
            memset(kx, 0, sizeof kx);
        }
        if (resp->kind == AGW_NTLM_RESP_V2 && resp->av.has_flags
            && (resp->av.flags & AGW_NTLM_AVF_MIC)
            && (!out->has_key
                || !agw_ntlm_mic_verify(out->exported, in->negotiate,
                                        in->negotiate_len, in->challenge,
                                        in->challenge_len, in->authenticate,
                                        in->authenticate_len))) {
            res = NTLM_V_REFUSED;
            *why = agw_ntlm_auth_reason(AGW_NTLM_AUTH_BAD_MIC);
        }
        if (res == NTLM_V_OK)
            winbind_groups(r, ctx, info);
        memset(info->user_session_key, 0, sizeof info->user_session_key);
        memset(info->lm_session_key, 0, sizeof info->lm_session_key);
    }
    else if (e == WBC_ERR_AUTH_ERROR) {
        const char *nt = err && err->nt_string ? err->nt_string : "";
        res = strstr(nt, "NO_SUCH_USER") ? NTLM_V_UNKNOWN
            : strstr(nt, "WRONG_PASSWORD") ? NTLM_V_WRONG : NTLM_V_REFUSED;
        *why = apr_pstrdup(r->pool, *nt ? nt : "refused by winbind");
    }
    else {
        res = NTLM_V_ERROR;
        *why = apr_psprintf(r->pool, "winbind: %s%s%s", wbcErrorString(e),
                            err && err->display_string ? ": " : "",
                            err && err->display_string ? err->display_string
                                                       : "");
    }
    if (info)
        wbcFreeMemory(info);
    if (err)
        wbcFreeMemory(err);
    if (tmp)
        wb_thread_free(t);
    return res;
}

ntlm_vresult ntlm_validate(request_rec *r, const ntlm_dir *d,
                           const ntlm_vin *in, const char **user,
                           ntlm_vout *out, const char **why)
{
    ntlm_vresult res;

    memset(out, 0, sizeof *out);
    switch (d->validator) {
    case NTLM_VALIDATOR_FILE:
        res = validate_file(r, d, in, user, out, why);
        break;
    case NTLM_VALIDATOR_WINBIND:
        res = validate_winbind(r, d, in, user, out, why);
        break;
    default:
        *why = "no AuthGWNTLMValidator for this location";
        res = NTLM_V_ERROR;
    }
    if (res != NTLM_V_OK)
        memset(out, 0, sizeof *out);
    return res;
}
