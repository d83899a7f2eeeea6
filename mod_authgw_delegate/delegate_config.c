/* Per-directory configuration: AuthGWDelegate and AuthGWDelegateHeader. */
#include "delegate.h"

#include <apr_lib.h>
#include <apr_strings.h>

const deleg_method deleg_methods[DELEG_COUNT] = {
    /* name, needs_password, watch, scheme, request */
    [DELEG_NONE] = { "none", 0, 1, NULL, NULL },
    [DELEG_PASSTHROUGH] = { "passthrough", 0, 0, NULL,
                            deleg_passthrough_request },
    [DELEG_BASIC] = { "basic", 1, 1, "Basic", deleg_basic_request },
    [DELEG_NTLM] = { "ntlm", 1, 1, "NTLM", deleg_ntlm_request },
    [DELEG_NEGOTIATE] = { "negotiate", 1, 1, "Negotiate",
                          deleg_negotiate_request },
    [DELEG_KCD] = { "kcd", 0, 1, "Negotiate", deleg_kcd_request },
    [DELEG_SECURID] = { "securid", 0, 1, NULL, deleg_securid_request },
};

void *deleg_create_dir(apr_pool_t *p, char *dir)
{
    deleg_dir *c = apr_pcalloc(p, sizeof *c);
    (void)dir;
    return c;
}

#define MERGE(field) \
    c->field = add->field##_set ? add->field : base->field; \
    c->field##_set = add->field##_set | base->field##_set

void *deleg_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    deleg_dir *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof *c);
    MERGE(method);
    c->where = add->method_set ? add->where : base->where;
    MERGE(header);
    MERGE(spn);
    MERGE(securid_cookies);
    return c;
}

deleg_dir *deleg_dir_of(const request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &authgw_delegate_module);
}

/* "<Location /app>", as the administrator wrote the enclosing section. */
static const char *section_of(cmd_parms *cmd)
{
    const ap_directive_t *sec = cmd->directive ? cmd->directive->parent : NULL;
    if (!sec)
        return "the server configuration";
    return apr_pstrcat(cmd->pool, sec->directive, " ", sec->args, NULL);
}

/* "none, passthrough, basic, ..., kcd or securid": what the directive takes */
static const char *method_list(apr_pool_t *p)
{
    const char *list = deleg_methods[0].name;
    int i;

    for (i = 1; i < DELEG_COUNT - 1; i++)
        list = apr_pstrcat(p, list, ", ", deleg_methods[i].name, NULL);
    return apr_pstrcat(p, list, " or ", deleg_methods[DELEG_COUNT - 1].name,
                       NULL);
}

const char *deleg_cmd_method(cmd_parms *cmd, void *dc, const char *arg)
{
    deleg_dir *c = dc;
    int i;

    for (i = 0; i < DELEG_COUNT; i++)
        if (!strcasecmp(arg, deleg_methods[i].name))
            break;
    if (i == DELEG_COUNT)
        return apr_psprintf(cmd->pool, "AuthGWDelegate: unknown method '%s';"
                            " use %s", arg, method_list(cmd->pool));
    c->method = (deleg_kind)i;
    c->where = section_of(cmd);
    c->method_set = 1;
    return NULL;
}

int deleg_is_token(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!apr_isalnum(*s) && !strchr("!#$%&'*+-.^_`|~", *s))
            return 0;
    return 1;
}

/* Names that carry the request itself, or credentials of their own. */
static const char *const reserved_headers[] = {
    "Authorization", "Proxy-Authorization", "Cookie", "Host", "Connection",
    "Content-Length", "Content-Type", "Transfer-Encoding", "Upgrade", "TE",
    "Expect", NULL
};

const char *deleg_cmd_header(cmd_parms *cmd, void *dc, const char *arg)
{
    deleg_dir *c = dc;
    const char *const *h;

    c->header_set = 1;
    if (!strcasecmp(arg, "Off")) {
        c->header = NULL;
        return NULL;
    }
    if (!*arg)
        return "AuthGWDelegateHeader: name a header, e.g. X-Remote-User";
    if (!deleg_is_token(arg))
        return apr_psprintf(cmd->pool, "AuthGWDelegateHeader: '%s' is not"
                            " a header name (letters, digits and '-', e.g."
                            " X-Remote-User)", arg);
    for (h = reserved_headers; *h; h++)
        if (!strcasecmp(arg, *h))
            return apr_psprintf(cmd->pool, "AuthGWDelegateHeader: '%s' is a"
                                " header the request needs for itself; name"
                                " another, e.g. X-Remote-User", arg);
    c->header = arg;
    return NULL;
}
