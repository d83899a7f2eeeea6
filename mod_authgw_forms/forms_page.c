/* The pages: the directory's template set (forms_tmpl.h) in the client's
 * language and for its screen, rendered with escaping (agw_html.h). */
#include "forms.h"

#include <string.h>

#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>

#include "agw_html.h"
#include "agw_lang.h"

/* A page being made: the set, the language chosen, and the values. */
typedef struct {
    request_rec *r;
    const forms_look *look;
    apr_table_t *vars;
} page;

static int choose_lang(const request_rec *r, const forms_templates *t)
{
    const char *forced = forms_dir_of(r)->language;
    int i = agw_lang_choose(forced ? forced
                            : apr_table_get(r->headers_in, "Accept-Language"),
                            t->langs, t->nlang);
    return i < 0 ? 0 : i;
}

static page begin(request_rec *r)
{
    const forms_templates *t = forms_templates_of(r);
    int lang = choose_lang(r, t);
    const char *realm = ap_auth_name(r);
    page pg;

    pg.r = r;
    pg.look = &t->look[forms_is_mobile(r) ? FORMS_SMALL_SCREEN
                                          : FORMS_LARGE_SCREEN];
    pg.vars = apr_table_copy(r->pool, t->strings[lang]);
    apr_table_setn(pg.vars, "lang", t->langs[lang]);
    apr_table_setn(pg.vars, "title", realm && *realm ? realm
                   : apr_table_get(pg.vars, "text.title"));
    apr_table_setn(r->err_headers_out, "Content-Language", t->langs[lang]);
    return pg;
}

static const char *text(const page *pg, const char *key)
{
    return apr_table_get(pg->vars, apr_pstrcat(pg->r->pool, "text.", key,
                                                NULL));
}

static void set_message(page *pg, forms_msg msg)
{
    const char *key = forms_msg_key(msg);
    apr_table_setn(pg->vars, "message", key ? text(pg, key) : "");
    apr_table_setn(pg->vars, "message_kind", forms_msg_kind(msg));
}

/* A template may hold inline styles and data: images (a logo), nothing
 * that runs or loads from elsewhere. */
static int send_page(request_rec *r, const page *pg, int status,
                     forms_page_id id)
{
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->err_headers_out, "X-Frame-Options", "DENY");
    apr_table_setn(r->err_headers_out, "Referrer-Policy", "no-referrer");
    apr_table_setn(r->err_headers_out, "Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline';"
                   " img-src data:; form-action 'self';"
                   " frame-ancestors 'none'");
    /* The page differs by language and by screen. */
    apr_table_mergen(r->err_headers_out, "Vary", "Accept-Language, User-Agent");
    r->status = status;
    ap_set_content_type(r, "text/html; charset=utf-8");
    if (!r->header_only)
        ap_rvputs(r, agw_template_render(r->pool, pg->look->head, pg->vars),
                  agw_template_render(r->pool, pg->look->page[id], pg->vars),
                  agw_template_render(r->pool, pg->look->tail, pg->vars),
                  NULL);
    return OK;
}

/* A link target we give the browser: a path on this site or an http(s)
 * URL (what safe_return lets through); "/" for anything else, so that no
 * javascript: or data: URL can reach an href. */
static const char *link_target(const char *url)
{
    if (url && ((url[0] == '/' && url[1] != '/' && url[1] != '\\')
                || !strncasecmp(url, "https://", 8)
                || !strncasecmp(url, "http://", 7)))
        return url;
    return "/";
}

int forms_page_logon(request_rec *r, int status, forms_msg msg,
                     const char *ret, const char *username,
                     const char *csrf_token)
{
    page pg = begin(r);
    set_message(&pg, msg);
    apr_table_setn(pg.vars, "return", ret);
    apr_table_setn(pg.vars, "username", username ? username : "");
    apr_table_setn(pg.vars, "csrf_token", csrf_token);
    /* the three logon pages follow forms_type */
    return send_page(r, &pg, status,
                     (forms_page_id)(FORMS_PAGE_LOGON_PASSWORD
                                     + forms_dir_of(r)->type));
}

int forms_page_challenge(request_rec *r, const char *message,
                         const char *challenge_id, const char *csrf_token)
{
    page pg = begin(r);
    apr_table_setn(pg.vars, "message", *message ? message
                   : text(&pg, "challenge_prompt"));
    apr_table_setn(pg.vars, "challenge", challenge_id);
    apr_table_setn(pg.vars, "csrf_token", csrf_token);
    return send_page(r, &pg, HTTP_OK, FORMS_PAGE_CHALLENGE);
}

int forms_page_logged_off(request_rec *r)
{
    page pg = begin(r);
    return send_page(r, &pg, HTTP_OK, FORMS_PAGE_LOGGED_OFF);
}

int forms_page_password(request_rec *r, int status, forms_msg msg,
                        const char *username, const char *ret,
                        const char *csrf_token)
{
    page pg = begin(r);
    set_message(&pg, msg);
    apr_table_setn(pg.vars, "username", username ? username : "");
    apr_table_setn(pg.vars, "return", ret ? ret : "");
    apr_table_setn(pg.vars, "csrf_token", csrf_token);
    return send_page(r, &pg, status, FORMS_PAGE_PASSWORD);
}

/* The expiry_* string for days, with {days} put in. */
static const char *expiry_text(const page *pg, long days)
{
    const char *s = text(pg, days <= 0 ? "expiry_today"
                         : days == 1 ? "expiry_one" : "expiry_other");
    const char *at = strstr(s, "{days}");
    if (!at)
        return s;
    return apr_psprintf(pg->r->pool, "%.*s%ld%s", (int)(at - s), s, days,
                        at + sizeof "{days}" - 1);
}

int forms_page_expiry_warning(request_rec *r, long days, const char *ret,
                              const char *change_url)
{
    page pg = begin(r);
    apr_table_setn(pg.vars, "message", expiry_text(&pg, days));
    apr_table_setn(pg.vars, "days", apr_ltoa(r->pool, days < 0 ? 0 : days));
    apr_table_setn(pg.vars, "return", link_target(ret));
    apr_table_setn(pg.vars, "change_url", link_target(change_url));
    /* without AuthGWPasswordChange there is nowhere to change it here */
    apr_table_setn(pg.vars, "change_kind", change_url ? "" : "off");
    return send_page(r, &pg, HTTP_OK, FORMS_PAGE_EXPIRY_WARNING);
}
