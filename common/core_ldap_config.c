/* authgw-ldap's directives: per directory, so that each
 * <AuthnProviderAlias authgw-ldap NAME> section describes one directory.
 * Everything that can be checked is checked when the configuration is read
 * (httpd -t): URLs, DNs, filters, files; the password file is read then. */
#include "core.h"

#include <string.h>

#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <http_log.h>
#include <http_core.h>
#include <ldap.h>

#include "agw_logno.h"

APLOG_USE_MODULE(authgw_core);

#define SECRET_MAX 1024

/* The sections that name servers, for the check at the end of the
 * configuration (a base may not be missing).  Lives as long as the
 * configuration pool. */
typedef struct {
    const core_ldap_dir *dir;
    const char *file;
    int line;
} ldap_section;

static apr_array_header_t *sections;

static apr_status_t forget_sections(void *unused)
{
    (void)unused;
    sections = NULL;
    return APR_SUCCESS;
}

/* For the check at the end of the configuration.  Not for .htaccess files,
 * read by request threads after it (their sections are checked when
 * used, AGW10026). */
static void remember_section(cmd_parms *cmd, const core_ldap_dir *l)
{
    ldap_section *sec;
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_RUN_MPM)
        return;
    if (!sections) {
        sections = apr_array_make(cmd->pool, 4, sizeof(ldap_section));
        apr_pool_cleanup_register(cmd->pool, NULL, forget_sections,
                                  apr_pool_cleanup_null);
    }
    sec = apr_array_push(sections);
    sec->dir = l;
    sec->file = cmd->directive->filename;
    sec->line = cmd->directive->line_num;
}

static core_ldap_dir *ldir(void *dc)
{
    return &((core_dir *)dc)->ldap;
}

void core_ldap_create_dir(apr_pool_t *p, core_ldap_dir *l)
{
    (void)p;
    memset(l, 0, sizeof *l);
    l->timeout = CORE_LDAP_DEFAULT_TIMEOUT;
    l->dead_time = CORE_LDAP_DEFAULT_DEAD_TIME;
}

#define MERGE(field, bit) \
    c->field = add->bit ? add->field : base->field
#define MERGE1(field) \
    MERGE(field, field##_set); \
    c->field##_set = add->field##_set | base->field##_set

void core_ldap_merge_dir(apr_pool_t *p, core_ldap_dir *c,
                         const core_ldap_dir *base, const core_ldap_dir *add)
{
    (void)p;
    MERGE1(servers);
    MERGE1(base);
    /* the bind method and its arguments go together */
    MERGE(bind, bind_set);
    MERGE(bind_dn, bind_set);
    MERGE(bind_pw, bind_set);
    MERGE(keytab, bind_set);
    MERGE(principal, bind_set);
    c->bind_set = add->bind_set | base->bind_set;
    MERGE1(ca_file);
    MERGE1(kind);
    MERGE1(user_attr);
    MERGE1(user_filter);
    MERGE1(group_base);
    MERGE1(domains);
    MERGE1(timeout);
    MERGE1(dead_time);
}

const char *core_ldap_cmd_server(cmd_parms *cmd, void *dc, const char *url)
{
    core_ldap_dir *l = ldir(dc);
    LDAPURLDesc *u = NULL;
    core_ldap_server *srv;
    const char *why = NULL;
    int rc;

    if (strpbrk(url, " \t,"))
        return apr_psprintf(cmd->pool, "AuthGWLDAPServer: '%s': give one URL"
                            " per argument", url);
    rc = ldap_url_parse(url, &u);
    if (rc != LDAP_URL_SUCCESS)
        why = "is not an LDAP URL";
    else if (strcasecmp(u->lud_scheme, "ldaps") && strcasecmp(u->lud_scheme, "ldap"))
        why = "must start with ldaps:// or ldap:// (StartTLS)";
    else if (!u->lud_host || !*u->lud_host)
        why = "names no host (the host is checked against the server's"
              " certificate)";
    else if ((u->lud_dn && *u->lud_dn) || u->lud_attrs || u->lud_filter
             || u->lud_exts)
        why = "has a DN, attributes, a filter or extensions; give just"
              " scheme://host[:port] and the base in AuthGWLDAPBase";
    if (why) {
        if (u)
            ldap_free_urldesc(u);
        return apr_psprintf(cmd->pool, "AuthGWLDAPServer: '%s' %s", url, why);
    }
    if (!l->servers_set) {
        l->servers = apr_array_make(cmd->pool, 2, sizeof(core_ldap_server));
        l->servers_set = 1;
        remember_section(cmd, l);
    }
    srv = apr_array_push(l->servers);
    srv->ldaps = !strcasecmp(u->lud_scheme, "ldaps");
    srv->url = apr_psprintf(cmd->pool, strchr(u->lud_host, ':')
                            ? "%s://[%s]:%d" : "%s://%s:%d",
                            srv->ldaps ? "ldaps" : "ldap", u->lud_host,
                            u->lud_port ? u->lud_port : srv->ldaps ? 636 : 389);
    ldap_free_urldesc(u);
    return NULL;
}

/* NULL when dn is a well-formed DN ("" included). */
static const char *check_dn(cmd_parms *cmd, const char *dn)
{
    if (agw_ldap_dn_under(cmd->temp_pool, dn, "") < 0)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a DN (write it like"
                            " \"OU=Staff,DC=example,DC=com\")",
                            cmd->cmd->name, dn);
    return NULL;
}

const char *core_ldap_cmd_base(cmd_parms *cmd, void *dc, const char *dn)
{
    core_ldap_dir *l = ldir(dc);
    const char *err = check_dn(cmd, dn);
    if (err)
        return err;
    l->base = dn;
    l->base_set = 1;
    return NULL;
}

const char *core_ldap_cmd_group_base(cmd_parms *cmd, void *dc, const char *dn)
{
    core_ldap_dir *l = ldir(dc);
    const char *err = check_dn(cmd, dn);
    if (err)
        return err;
    l->group_base = dn;
    l->group_base_set = 1;
    return NULL;
}

/* A readable file (relative to ServerRoot): its path, or an error. */
static const char *readable(cmd_parms *cmd, const char *file, const char **path,
                            apr_file_t **f)
{
    apr_status_t rv;
    *path = ap_server_root_relative(cmd->pool, file);
    if (!*path)
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'", cmd->cmd->name,
                            file);
    rv = apr_file_open(f, *path, APR_FOPEN_READ, 0, cmd->temp_pool);
    if (rv != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "%s: cannot read '%s' (%pm)",
                            cmd->cmd->name, *path, &rv);
    return NULL;
}

/* The service account's password: the first line of the file. */
static const char *read_password(cmd_parms *cmd, const char *file,
                                 const char **pw)
{
    char buf[SECRET_MAX + 2];
    apr_size_t n = sizeof buf - 1, end;
    const char *path, *err;
    apr_file_t *f;
    apr_status_t rv;

    if ((err = readable(cmd, file, &path, &f)))
        return err;
    rv = apr_file_read_full(f, buf, n, &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF)
        return apr_psprintf(cmd->pool, "AuthGWLDAPBind: cannot read '%s' (%pm)",
                            path, &rv);
    for (end = 0; end < n && buf[end] != '\n' && buf[end] != '\r'; end++)
        ;
    if (end > SECRET_MAX || memchr(buf, '\0', end))
        err = "its first line is longer than 1024 bytes or holds a NUL";
    else if (end == 0)
        err = "it is empty (an empty password would be an anonymous bind)";
    else
        *pw = apr_pstrmemdup(cmd->pool, buf, end);
    memset(buf, 0, sizeof buf);
    if (err)
        return apr_psprintf(cmd->pool, "AuthGWLDAPBind: the password file '%s'"
                            " is unusable: %s; put the service account's"
                            " password on its first line", path, err);
    return NULL;
}

const char *core_ldap_cmd_bind(cmd_parms *cmd, void *dc, int argc,
                               char *const argv[])
{
    core_ldap_dir *l = ldir(dc);
    const char *err, *path;
    apr_file_t *f;

    l->bind_dn = l->bind_pw = l->keytab = l->principal = NULL;
    if (argc == 1 && !strcasecmp(argv[0], "user"))
        l->bind = CORE_LDAP_BIND_USER;
    else if (argc == 3 && !strcasecmp(argv[0], "simple")) {
        /* AD also takes a UPN (svc@example.com) */
        if ((strchr(argv[1], '=') && (err = check_dn(cmd, argv[1])))
            || (err = read_password(cmd, argv[2], &l->bind_pw)))
            return err;
        l->bind = CORE_LDAP_BIND_SIMPLE;
        l->bind_dn = argv[1];
    }
    else if (argc == 3 && !strcasecmp(argv[0], "gssapi")) {
        if ((err = readable(cmd, argv[1], &path, &f)))
            return err;
        apr_file_close(f);
        l->bind = CORE_LDAP_BIND_GSSAPI;
        l->keytab = path;
        l->principal = argv[2];
    }
    else
        return "AuthGWLDAPBind: use 'simple BIND-DN PASSWORD-FILE',"
               " 'gssapi KEYTAB PRINCIPAL' or 'user'";
    l->bind_set = 1;
    return NULL;
}

const char *core_ldap_cmd_ca(cmd_parms *cmd, void *dc, const char *file)
{
    core_ldap_dir *l = ldir(dc);
    const char *err, *path;
    apr_file_t *f;
    if ((err = readable(cmd, file, &path, &f)))
        return err;
    apr_file_close(f);
    l->ca_file = path;
    l->ca_file_set = 1;
    return NULL;
}

const char *core_ldap_cmd_directory(cmd_parms *cmd, void *dc, const char *kind)
{
    core_ldap_dir *l = ldir(dc);
    (void)cmd;
    if (!strcasecmp(kind, "ad"))
        l->kind = AGW_LDAP_AD;
    else if (!strcasecmp(kind, "ldap"))
        l->kind = AGW_LDAP_GENERIC;
    else
        return "AuthGWLDAPDirectory: use ad (Active Directory, Samba AD) or"
               " ldap (any other LDAPv3 directory)";
    l->kind_set = 1;
    return NULL;
}

/* 1 when s is letters, digits, '-' and '.' (attribute names, OIDs,
 * NetBIOS and DNS names), at least one. */
static int is_name(const char *s)
{
    size_t i;
    for (i = 0; apr_isalnum(s[i]) || s[i] == '-' || s[i] == '.'; i++)
        ;
    return i > 0 && !s[i];
}

const char *core_ldap_cmd_user_attr(cmd_parms *cmd, void *dc, const char *a)
{
    core_ldap_dir *l = ldir(dc);
    if (!is_name(a))
        return apr_psprintf(cmd->pool, "AuthGWLDAPUserAttribute: '%s' is not"
                            " an attribute name", a);
    l->user_attr = a;
    l->user_attr_set = 1;
    return NULL;
}

const char *core_ldap_cmd_user_filter(cmd_parms *cmd, void *dc, const char *f)
{
    core_ldap_dir *l = ldir(dc);
    if (!agw_ldap_filter_ok(f))
        return apr_psprintf(cmd->pool, "AuthGWLDAPUserFilter: '%s' is not one"
                            " LDAP filter (write it in parentheses, like"
                            " \"(memberOf=CN=VPN,OU=Groups,DC=example,DC=com)\")",
                            f);
    l->user_filter = f;
    l->user_filter_set = 1;
    return NULL;
}

const char *core_ldap_cmd_domain(cmd_parms *cmd, void *dc, const char *name)
{
    core_ldap_dir *l = ldir(dc);
    if (!is_name(name))
        return apr_psprintf(cmd->pool, "AuthGWLDAPDomain: '%s' is not a"
                            " NetBIOS or DNS domain name", name);
    if (!l->domains_set) {
        l->domains = apr_array_make(cmd->pool, 2, sizeof(const char *));
        l->domains_set = 1;
    }
    APR_ARRAY_PUSH(l->domains, const char *) = name;
    return NULL;
}

static const char *seconds(cmd_parms *cmd, const char *arg, int min, int max,
                           int *out)
{
    char *end;
    apr_int64_t v = apr_strtoi64(arg, &end, 10);
    if (!*arg || *end || v < min || v > max)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of seconds"
                            " from %d to %d", cmd->cmd->name, arg, min, max);
    *out = (int)v;
    return NULL;
}

const char *core_ldap_cmd_timeout(cmd_parms *cmd, void *dc, const char *secs)
{
    core_ldap_dir *l = ldir(dc);
    l->timeout_set = 1;
    return seconds(cmd, secs, 1, 300, &l->timeout);
}

const char *core_ldap_cmd_dead_time(cmd_parms *cmd, void *dc, const char *secs)
{
    core_ldap_dir *l = ldir(dc);
    l->dead_time_set = 1;
    return seconds(cmd, secs, 0, 86400, &l->dead_time);
}

int core_ldap_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s)
{
    int i, rv = OK;
    (void)pconf;
    (void)plog;
    (void)ptemp;
    for (i = 0; sections && i < sections->nelts; i++) {
        const ldap_section *sec = &APR_ARRAY_IDX(sections, i, ldap_section);
        if (!sec->dir->base_set) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, s,
                         AGWNO(10014) "AuthGWLDAPServer at %s:%d: no"
                         " AuthGWLDAPBase in the same section; add one, like"
                         " AuthGWLDAPBase \"DC=example,DC=com\"",
                         sec->file, sec->line);
            rv = HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return rv;
}
