/* httpd glue shared by the authgw modules: logging that cannot print a
 * registered secret, bounded body reading, credential stripping before a
 * request is proxied, Set-Cookie construction. */
#ifndef AGW_HTTPD_H
#define AGW_HTTPD_H

#include <httpd.h>
#include <http_log.h>

#include <http_config.h>
#include <mod_auth.h>

#include "agw_logno.h"
#include "agw_cookie.h"
#include "authgw.h"

/* Logs like ap_log_rerror, but every secret registered on r with
 * agw_secret_note() is replaced by "[REDACTED]" first, wherever it shows up.
 * Use with APLOG_MARK and an AGWNO(n) id at the start of fmt. */
void agw_rlog(const char *file, int line, int module_index, int level,
              apr_status_t status, const request_rec *r, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Registers a secret (a password, a passcode) for redaction on r. */
void agw_secret_note(request_rec *r, const char *secret);

/* A client-supplied string made safe for a log line (control characters and
 * quotes escaped, cut at 256 characters). */
const char *agw_log_item(apr_pool_t *p, const char *s);

/* Reads the request body, at most max bytes.  Returns OK and a NUL-terminated
 * copy, or an HTTP status: HTTP_BAD_REQUEST when it is larger than max or
 * cannot be read. *why says what went wrong, for the log. */
int agw_read_body(request_rec *r, apr_size_t max, char **body,
                  apr_size_t *len, const char **why);

/* Removes from the request what must not reach a backend: Authorization,
 * Proxy-Authorization, client-sent identity headers (X-Remote-User and its
 * kin, in any spelling with '-' or '_', and any X-AuthGW-*), and the cookies
 * named in cookie_names (NULL-terminated). */
void agw_strip_credentials(request_rec *r, const char *const *cookie_names);

/* Removes every request header named name in any spelling with '-' or '_'
 * (CGI, PHP and others map both to the same variable). */
void agw_strip_header(request_rec *r, const char *name);

/* A Set-Cookie value.  max_age < 0 makes a browser-session cookie, 0 deletes
 * the cookie.  Always HttpOnly and SameSite=Lax; Secure when secure. */
char *agw_set_cookie(apr_pool_t *p, const char *name, const char *value,
                     const char *path, const char *domain, int secure,
                     long max_age);

/* An authn provider named in a directive (AuthGWFormProvider and the like). */
typedef struct {
    const char *name;
    const authn_provider *provider;
} agw_provider;

/* Directive helper: appends the provider arg to *list (made on first use);
 * NULL, or a message naming the directive when arg is unknown. */
const char *agw_provider_add(cmd_parms *cmd, apr_array_header_t **list,
                             const char *arg);

/* Asks the providers of list (NULL: "file") in order, as mod_auth_basic
 * does: the next one only when this one does not know the user.  With only
 * set, just the provider of that name.  *which names the last one asked.
 * count, when given, adds to the Provider counters. */
authn_status agw_providers_check(request_rec *r, const apr_array_header_t *list,
                                 const char *user, const char *password,
                                 const char *only, const agw_core_api *count,
                                 const char **which);

/* Notes the receipt method and the validator of a request let in, for the
 * access log (AUTHGW_NOTE_METHOD, AUTHGW_NOTE_VALIDATOR; validator may be
 * NULL). */
void agw_note_logon(request_rec *r, const char *method, const char *validator);

/* 1 when the request came in over TLS. */
int agw_is_https(const request_rec *r);

/* scheme://host[:port] of the request, as the browser addressed it. */
const char *agw_request_origin(request_rec *r);

#endif
