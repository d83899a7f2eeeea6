/* mod_authgw_radius: internal declarations. */
#ifndef AGW_RADIUS_MOD_H
#define AGW_RADIUS_MOD_H

#include <httpd.h>
#include <http_config.h>
#include <mod_auth.h>

#include "authgw.h"
#include "agw_radius.h"

#define RADIUS_DEFAULT_PORT 1812
#define RADIUS_DEFAULT_TIMEOUT apr_time_from_sec(3)
#define RADIUS_DEFAULT_RETRIES 2
#define RADIUS_DEFAULT_DEAD_TIME 30
/* How long a used one-time passcode is remembered: longer than any OTP
 * scheme's validity window (TOTP: 30-90 s, SecurID: 60 s). */
#define RADIUS_OTP_MEMORY 3600

typedef struct {
    const char *name;        /* host:port as written, for logs */
    const char *host;
    apr_port_t port;
    const char *secret;
    apr_size_t secret_len;
    apr_interval_time_t timeout;
    int retries;
} radius_server;

typedef struct {
    apr_array_header_t *servers; /* of radius_server, in fail-over order */
    int otp;
    const char *nas_id;
    int dead_time;           /* seconds a silent server is skipped */
    unsigned int servers_set:1, otp_set:1, nas_id_set:1, dead_time_set:1;
} radius_dir;

extern module AP_MODULE_DECLARE_DATA authgw_radius_module;
extern agw_core_api radius_core;

void *radius_create_dir(apr_pool_t *p, char *dir);
void *radius_merge_dir(apr_pool_t *p, void *base, void *add);
const char *radius_cmd_server(cmd_parms *cmd, void *dc, int argc,
                              char *const argv[]);
const char *radius_cmd_otp(cmd_parms *cmd, void *dc, int on);
/* Exported: AuthGWRadiusOTP of r's directory, for delegation checks. */
int authgw_radius_otp(request_rec *r);
const char *radius_cmd_nas_id(cmd_parms *cmd, void *dc, const char *arg);
const char *radius_cmd_dead_time(cmd_parms *cmd, void *dc, const char *arg);

/* radius_client.c: one exchange with the first server that answers. */
typedef enum {
    RADIUS_ANSWERED = 0,   /* *reply holds a verified reply */
    RADIUS_NO_SERVER       /* every server was silent or unusable */
} radius_result;

radius_result radius_exchange(request_rec *r, const radius_dir *d,
                              agw_radius_request *rq, agw_radius_reply *reply,
                              const char **server);

/* radius_authn.c: the authn provider "radius". */
extern const authn_provider radius_provider;

#endif
