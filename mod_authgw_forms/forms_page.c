/* The pages: the logon form and the logged-off page, from built-in
 * templates rendered with escaping (agw_html.h). */
#include "forms.h"

#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>

#include "agw_html.h"

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>{{title}}</title>\n<style>\n"
    "body{font-family:system-ui,sans-serif;background:#eef1f5;margin:0}\n"
    "main{max-width:22rem;margin:10vh auto;background:#fff;padding:2rem;"
    "border-radius:6px;box-shadow:0 1px 4px #0003}\n"
    "h1{font-size:1.3rem;margin-top:0}label{display:block;margin-top:1rem}\n"
    "input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}\n"
    "button{margin-top:1.5rem;width:100%;padding:.6rem;font-size:1rem}\n"
    ".msg{color:#a00;font-weight:600}.msg:empty{display:none}\n"
    "</style></head>\n<body><main>\n<h1>{{title}}</h1>\n";

static const char logon_open[] =
    "<p class=\"msg\" role=\"alert\">{{message}}</p>\n"
    "<form method=\"post\" action=\"/.authgw/logon\">\n"
    "<label for=\"username\">User name</label>\n"
    "<input id=\"username\" name=\"username\" value=\"{{username}}\""
    " autocomplete=\"username\" autofocus required>\n";

/* The secret fields of each AuthGWFormType. */
static const char field_password[] =
    "<label for=\"password\">Password</label>\n"
    "<input id=\"password\" name=\"password\" type=\"password\""
    " autocomplete=\"current-password\" required>\n";
static const char field_passcode[] =
    "<label for=\"passcode\">Passcode</label>\n"
    "<input id=\"passcode\" name=\"passcode\" type=\"password\""
    " autocomplete=\"one-time-code\" required>\n";
static const char field_deleg_password[] =
    "<label for=\"deleg_password\">Password</label>\n"
    "<input id=\"deleg_password\" name=\"deleg_password\" type=\"password\""
    " autocomplete=\"current-password\" required>\n";

static const char form_close[] =
    "<input type=\"hidden\" name=\"csrf_token\" value=\"{{csrf_token}}\">\n"
    "<button type=\"submit\">{{button}}</button>\n</form>\n</main></body></html>\n";

static const char logon_return[] =
    "<input type=\"hidden\" name=\"return\" value=\"{{return}}\">\n";

static const char challenge_open[] =
    "<p class=\"prompt\" role=\"status\">{{message}}</p>\n"
    "<form method=\"post\" action=\"/.authgw/challenge\">\n"
    "<label for=\"response\">Response</label>\n"
    "<input id=\"response\" name=\"response\" type=\"password\""
    " autocomplete=\"one-time-code\" autofocus required>\n"
    "<input type=\"hidden\" name=\"challenge\" value=\"{{challenge}}\">\n";

static const char logged_off_body[] =
    "<p>You have logged off. Close the browser window to finish.</p>\n"
    "<p><a href=\"/\">Log on again</a></p>\n</main></body></html>\n";

static const char *message_text(forms_msg msg)
{
    switch (msg) {
    case FORMS_MSG_BAD_CREDENTIALS:
        return "The user name or password is incorrect. Please try again.";
    case FORMS_MSG_EXPIRED_FORM:
        return "The logon page has expired. Please enter your credentials again.";
    case FORMS_MSG_UNAVAILABLE:
        return "The logon service is unavailable. Please try again later.";
    case FORMS_MSG_NONE:
        break;
    }
    return "";
}

static int send_page(request_rec *r, int status, const char *tmpl,
                     apr_table_t *vars)
{
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->err_headers_out, "X-Frame-Options", "DENY");
    apr_table_setn(r->err_headers_out, "Referrer-Policy", "no-referrer");
    apr_table_setn(r->err_headers_out, "Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline';"
                   " form-action 'self'; frame-ancestors 'none'");
    r->status = status;
    ap_set_content_type(r, "text/html; charset=utf-8");
    if (!r->header_only)
        ap_rputs(agw_template_render(r->pool, tmpl, vars), r);
    return OK;
}

static apr_table_t *base_vars(request_rec *r)
{
    apr_table_t *v = apr_table_make(r->pool, 8);
    const char *realm = ap_auth_name(r);
    apr_table_setn(v, "title", realm && *realm ? realm : "Log on");
    return v;
}

int forms_page_logon(request_rec *r, int status, forms_msg msg,
                     const char *ret, const char *username,
                     const char *csrf_token)
{
    forms_type type = forms_dir_of(r)->type;
    apr_table_t *v = base_vars(r);
    apr_table_setn(v, "message", message_text(msg));
    apr_table_setn(v, "return", ret);
    apr_table_setn(v, "username", username ? username : "");
    apr_table_setn(v, "csrf_token", csrf_token);
    apr_table_setn(v, "button", "Log on");
    return send_page(r, status,
                     apr_pstrcat(r->pool, page_head, logon_open,
                                 type == FORMS_TYPE_PASSWORD ? field_password
                                                             : field_passcode,
                                 type == FORMS_TYPE_PASSCODE_PASSWORD
                                     ? field_deleg_password : "",
                                 logon_return, form_close, NULL),
                     v);
}

int forms_page_challenge(request_rec *r, const char *message,
                         const char *challenge_id, const char *csrf_token)
{
    apr_table_t *v = base_vars(r);
    apr_table_setn(v, "message", *message ? message
                   : "Enter the response the logon service asks for.");
    apr_table_setn(v, "challenge", challenge_id);
    apr_table_setn(v, "csrf_token", csrf_token);
    apr_table_setn(v, "button", "Continue");
    return send_page(r, HTTP_OK,
                     apr_pstrcat(r->pool, page_head, challenge_open, form_close,
                                 NULL),
                     v);
}

int forms_page_logged_off(request_rec *r)
{
    return send_page(r, HTTP_OK,
                     apr_pstrcat(r->pool, page_head, logged_off_body, NULL),
                     base_vars(r));
}
