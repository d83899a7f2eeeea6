#include "radius.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <http_log.h>

#include "agw_seal.h"

void *radius_create_dir(apr_pool_t *p, char *dir)
{
    radius_dir *c = apr_pcalloc(p, sizeof *c);
    (void)dir;
    c->dead_time = RADIUS_DEFAULT_DEAD_TIME;
    return c;
}

#define MERGE(field) \
    c->field = add->field##_set ? add->field : base->field; \
    c->field##_set = add->field##_set | base->field##_set

void *radius_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    radius_dir *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof *c);
    MERGE(servers);
    MERGE(otp);
    MERGE(nas_id);
    MERGE(dead_time);
    return c;
}

/* The secret is the file's first line, without its line end. */
static const char *read_secret(cmd_parms *cmd, const char *file,
                               radius_server *srv)
{
    const char *path = ap_server_root_relative(cmd->pool, file);
    char buf[256], *nl;
    apr_file_t *f;
    apr_size_t n = sizeof buf - 1;
    apr_status_t rv;

    if (!path)
        return apr_psprintf(cmd->pool, "AuthGWRadiusServer: invalid path '%s'",
                            file);
    rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, cmd->temp_pool);
    if (rv == APR_SUCCESS) {
        rv = apr_file_read(f, buf, &n);
        apr_file_close(f);
    }
    if (rv != APR_SUCCESS && rv != APR_EOF)
        return apr_psprintf(cmd->pool, "AuthGWRadiusServer: cannot read the"
                            " secret file '%s' (%pm)", path, &rv);
    buf[n] = '\0';
    if ((nl = strpbrk(buf, "\r\n")) != NULL)
        *nl = '\0';
    if (!*buf)
        return apr_psprintf(cmd->pool, "AuthGWRadiusServer: the secret file"
                            " '%s' is empty; put the shared secret on its first"
                            " line", path);
    srv->secret = apr_pstrdup(cmd->pool, buf);
    srv->secret_len = strlen(buf);
    memset(buf, 0, sizeof buf);
    return NULL;
}

const char *radius_cmd_server(cmd_parms *cmd, void *dc, int argc,
                              char *const argv[])
{
    radius_dir *c = dc;
    radius_server *srv;
    char *scope = NULL, *host = NULL;
    apr_port_t port = 0;
    const char *err;

    if (argc < 2 || argc > 4)
        return "AuthGWRadiusServer: use host[:port] secret-file [timeout]"
               " [retries]";
    if (!c->servers_set) {
        c->servers = apr_array_make(cmd->pool, 2, sizeof(radius_server));
        c->servers_set = 1;
    }
    srv = apr_array_push(c->servers);
    memset(srv, 0, sizeof *srv);
    if (apr_parse_addr_port(&host, &scope, &port, argv[0], cmd->pool)
            != APR_SUCCESS || !host || scope)
        return apr_psprintf(cmd->pool, "AuthGWRadiusServer: '%s' is not"
                            " host[:port] ([v6addr]:port for IPv6)", argv[0]);
    srv->name = argv[0];
    srv->host = host;
    srv->port = port ? port : RADIUS_DEFAULT_PORT;
    if ((err = read_secret(cmd, argv[1], srv)) != NULL)
        return err;
    srv->timeout = RADIUS_DEFAULT_TIMEOUT;
    srv->retries = RADIUS_DEFAULT_RETRIES;
    if (argc > 2) {
        char *end;
        double t = strtod(argv[2], &end);
        if (*end || t < 0.1 || t > 60)
            return apr_psprintf(cmd->pool, "AuthGWRadiusServer: timeout '%s'"
                                " is not a number of seconds from 0.1 to 60",
                                argv[2]);
        srv->timeout = (apr_interval_time_t)(t * APR_USEC_PER_SEC);
    }
    if (argc > 3) {
        char *end;
        long n = strtol(argv[3], &end, 10);
        if (*end || n < 0 || n > 10)
            return apr_psprintf(cmd->pool, "AuthGWRadiusServer: retries '%s'"
                                " is not a number from 0 to 10", argv[3]);
        srv->retries = (int)n;
    }
    return NULL;
}

const char *radius_cmd_otp(cmd_parms *cmd, void *dc, int on)
{
    radius_dir *c = dc;
    (void)cmd;
    c->otp = on;
    c->otp_set = 1;
    return NULL;
}

int authgw_radius_otp(request_rec *r)
{
    radius_dir *d = ap_get_module_config(r->per_dir_config,
                                         &authgw_radius_module);
    return d && d->otp;
}

const char *radius_cmd_nas_id(cmd_parms *cmd, void *dc, const char *arg)
{
    radius_dir *c = dc;
    if (!*arg || strlen(arg) > AGW_RADIUS_MAX_VALUE)
        return apr_psprintf(cmd->pool, "AuthGWRadiusNASIdentifier: give 1 to"
                            " %d characters", AGW_RADIUS_MAX_VALUE);
    c->nas_id = arg;
    c->nas_id_set = 1;
    return NULL;
}

const char *radius_cmd_dead_time(cmd_parms *cmd, void *dc, const char *arg)
{
    radius_dir *c = dc;
    char *end;
    long n = strtol(arg, &end, 10);
    if (*end || n < 0 || n > 3600)
        return apr_psprintf(cmd->pool, "AuthGWRadiusDeadTime: '%s' is not a"
                            " number of seconds from 0 to 3600", arg);
    c->dead_time = (int)n;
    c->dead_time_set = 1;
    return NULL;
}
