/* Reading and checking a template set (forms_tmpl.h), from a directory or
 * from the files embedded at build time.  Everything that can be wrong with
 * a set is found here, at configuration time, so that `httpd -t` names the
 * file and the fix and no request ever meets a broken template. */
#include "forms.h"

#include <string.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>

#include "agw_html.h"
#include "agw_lang.h"

#define LANG_DIR "lang/"
#define LANG_EXT ".txt"
#define SMALL_DIR "mobile/"
#define TEXT_PREFIX "text."
#define MAX_FILE (256 * 1024)
#define BUILTIN "the built-in set"

const forms_templates *forms_builtin;

static const char *const page_file[FORMS_PAGES] = {
    "logon-password.html", "logon-passcode.html",
    "logon-passcode-password.html", "challenge.html", "logged-off.html",
    "password.html", "expiry-warning.html"
};

/* The values each page is given, besides lang, title and text.KEY; then
 * those it must use for its form to work. */
static const char *const page_vars[FORMS_PAGES] = {
    "message message_kind username return csrf_token",
    "message message_kind username return csrf_token",
    "message message_kind username return csrf_token",
    "message challenge csrf_token",
    "",
    "message message_kind username return csrf_token",
    "message days change_url change_kind return"
};
static const char *const page_needs[FORMS_PAGES] = {
    "csrf_token", "csrf_token", "csrf_token", "challenge csrf_token", "",
    "csrf_token", "change_url return"
};
#define COMMON_VARS "lang title"
#define CONTENT "content"

static const struct {
    const char *key, *kind;
} messages[FORMS_MSG_COUNT] = {
    [FORMS_MSG_NONE] = { NULL, "" },
    [FORMS_MSG_BAD_CREDENTIALS] = { "msg.bad_credentials", "error" },
    [FORMS_MSG_EXPIRED_FORM] = { "msg.expired_form", "error" },
    [FORMS_MSG_UNAVAILABLE] = { "msg.unavailable", "error" },
    [FORMS_MSG_PASSWORD_EXPIRED] = { "msg.password_expired", "error" },
    [FORMS_MSG_MUST_CHANGE] = { "msg.must_change", "notice" },
    [FORMS_MSG_ACCOUNT_DISABLED] = { "msg.account_disabled", "error" },
    [FORMS_MSG_ACCOUNT_LOCKED] = { "msg.account_locked", "error" },
    [FORMS_MSG_ACCOUNT_EXPIRED] = { "msg.account_expired", "error" },
    [FORMS_MSG_PASSWORD_CHANGED] = { "msg.password_changed", "notice" },
    [FORMS_MSG_PASSWORD_MISMATCH] = { "msg.password_mismatch", "error" },
    [FORMS_MSG_PASSWORD_TOO_SHORT] = { "msg.password_too_short", "error" },
    [FORMS_MSG_PASSWORD_COMPLEXITY] = { "msg.password_complexity", "error" },
    [FORMS_MSG_PASSWORD_HISTORY] = { "msg.password_history", "error" },
    [FORMS_MSG_PASSWORD_MIN_AGE] = { "msg.password_min_age", "error" },
    [FORMS_MSG_PASSWORD_POLICY] = { "msg.password_policy", "error" },
    [FORMS_MSG_CERT_REQUIRED] = { "msg.certificate_required", "error" },
    [FORMS_MSG_CERT_MISMATCH] = { "msg.certificate_mismatch", "error" },
};

/* Strings the module itself puts in pages, beyond the messages. */
static const char *const code_strings[] = {
    "title", "challenge_prompt", "expiry_today", "expiry_one", "expiry_other",
    NULL
};

const char *forms_msg_key(forms_msg msg)
{
    return msg < FORMS_MSG_COUNT ? messages[msg].key : NULL;
}

const char *forms_msg_kind(forms_msg msg)
{
    return msg < FORMS_MSG_COUNT ? messages[msg].kind : "";
}

/* Where the files come from: a directory, or the embedded ones (dir NULL). */
typedef struct {
    apr_pool_t *p;
    const char *dir;
} source;

static const char *where(const source *src, const char *rel)
{
    return src->dir ? apr_pstrcat(src->p, src->dir, "/", rel, NULL)
                    : apr_pstrcat(src->p, rel, " of " BUILTIN, NULL);
}

/* The file rel of the set as a C string: NULL and *missing when it is not
 * there, NULL and *why when it cannot be read. */
static const char *read_file(const source *src, const char *rel, int *missing,
                             const char **why)
{
    apr_finfo_t fi;
    apr_file_t *f;
    apr_status_t rv;
    const char *path;
    char *buf, err[120];
    int i;

    *missing = 0;
    *why = NULL;
    if (!src->dir) {
        for (i = 0; forms_builtin_files[i].name; i++)
            if (!strcmp(forms_builtin_files[i].name, rel))
                return forms_builtin_files[i].data;
        *missing = 1;
        return NULL;
    }
    path = where(src, rel);
    rv = apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_SIZE, src->p);
    if (APR_STATUS_IS_ENOENT(rv)) {
        *missing = 1;
        return NULL;
    }
    if (rv == APR_SUCCESS && fi.filetype != APR_REG)
        rv = APR_EBADF;
    if (rv == APR_SUCCESS && fi.size > MAX_FILE) {
        *why = apr_psprintf(src->p, "%s is larger than %d bytes", path,
                            MAX_FILE);
        return NULL;
    }
    if (rv == APR_SUCCESS)
        rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY,
                           APR_OS_DEFAULT, src->p);
    if (rv == APR_SUCCESS) {
        buf = apr_palloc(src->p, (apr_size_t)fi.size + 1);
        rv = apr_file_read_full(f, buf, (apr_size_t)fi.size, NULL);
        apr_file_close(f);
        if (rv == APR_SUCCESS) {
            buf[fi.size] = '\0';
            if (strlen(buf) != (size_t)fi.size) {
                *why = apr_psprintf(src->p, "%s holds a NUL byte", path);
                return NULL;
            }
            return buf;
        }
    }
    *why = apr_psprintf(src->p, "%s cannot be read (%s); check that it is a"
                        " file httpd may read", path,
                        apr_strerror(rv, err, sizeof err));
    return NULL;
}

static const char *need_file(const source *src, const char *rel,
                             const char **why)
{
    int missing;
    const char *text = read_file(src, rel, &missing, why);
    if (missing)
        *why = apr_psprintf(src->p, "%s is missing; copy it from the shipped"
                            " templates (see docs/forms.md)", where(src, rel));
    return text;
}

static int in_words(const char *words, const char *name)
{
    size_t n = strlen(name);
    const char *w = words;
    if (!n) /* "{{}}" */
        return 0;
    while ((w = strstr(w, name)) != NULL) {
        if ((w == words || w[-1] == ' ') && (w[n] == ' ' || w[n] == '\0'))
            return 1;
        w += n;
    }
    return 0;
}

static int line_of(const char *text, const char *at)
{
    int line = 1;
    for (; text < at; text++)
        line += *text == '\n';
    return line;
}

/* "a b" -> "{{a}}, {{b}}", for messages. */
static const char *braced(apr_pool_t *p, const char *words)
{
    char *copy = apr_pstrdup(p, words), *last, *w;
    const char *out = NULL;
    for (w = apr_strtok(copy, " ", &last); w; w = apr_strtok(NULL, " ", &last))
        out = apr_pstrcat(p, out ? out : "", out ? ", " : "", "{{", w, "}}",
                          NULL);
    return out ? out : "";
}

/* Checks the placeholders of a template: each is known, each of needs is
 * there; a layout (layout not NULL) holds {{content}} once, and is cut
 * there. */
static const char *check_template(const source *src, const char *rel,
                                  const char *text, const char *vars,
                                  const char *needs, const apr_table_t *en,
                                  forms_look *layout)
{
    const char *s = text, *at, *end;
    apr_table_t *seen = apr_table_make(src->p, 8);
    char *name, *copy, *last, *w;

    while ((at = agw_template_next(src->p, s, &name, &end)) != NULL) {
        if (layout && !strcmp(name, CONTENT)) {
            if (layout->head)
                return apr_psprintf(src->p, "%s line %d: {{content}} a second"
                                    " time; the layout holds it once",
                                    where(src, rel), line_of(text, at));
            layout->head = apr_pstrmemdup(src->p, text, (size_t)(at - text));
            layout->tail = end;
        }
        else if (!in_words(COMMON_VARS, name) && !in_words(vars, name)
                 && (strncmp(name, TEXT_PREFIX, sizeof TEXT_PREFIX - 1)
                     || !apr_table_get(en, name)))
            return apr_psprintf(src->p, "%s line %d: unknown placeholder"
                                " {{%s}}; this page knows %s and {{text.KEY}}"
                                " for each KEY of " LANG_DIR "en" LANG_EXT,
                                where(src, rel), line_of(text, at), name,
                                braced(src->p, apr_pstrcat(src->p, COMMON_VARS,
                                                           " ", vars, NULL)));
        apr_table_setn(seen, name, "");
        s = end;
    }
    if (layout && !layout->head)
        return apr_psprintf(src->p, "%s has no {{content}}: put it where the"
                            " page's form goes", where(src, rel));
    copy = apr_pstrdup(src->p, needs);
    for (w = apr_strtok(copy, " ", &last); w; w = apr_strtok(NULL, " ", &last))
        if (!apr_table_get(seen, w))
            return apr_psprintf(src->p, "%s does not use {{%s}}, without which"
                                " the page cannot work; see the shipped %s",
                                where(src, rel), w, rel);
    return NULL;
}

static const char *load_strings(const source *src, const char *rel,
                                apr_table_t *out)
{
    const char *why, *text = need_file(src, rel, &why);
    int line;

    if (!text)
        return why;
    why = agw_strings_parse(src->p, text, strlen(text), TEXT_PREFIX, out,
                            &line);
    if (why && line)
        return apr_psprintf(src->p, "%s line %d: %s", where(src, rel), line,
                            why);
    if (why)
        return apr_psprintf(src->p, "%s: %s", where(src, rel), why);
    return NULL;
}

static const char *need_key(const source *src, const apr_table_t *en,
                            const char *key)
{
    if (apr_table_get(en, apr_pstrcat(src->p, TEXT_PREFIX, key, NULL)))
        return NULL;
    return apr_psprintf(src->p, "%s lacks the key '%s', which the module"
                        " shows; copy its line from the shipped file",
                        where(src, LANG_DIR "en" LANG_EXT), key);
}

/* The keys the module needs must be in English, the fallback. */
static const char *check_english(const source *src, const apr_table_t *en)
{
    const char *const *k;
    const char *why;
    int i;
    for (i = FORMS_MSG_NONE + 1; i < FORMS_MSG_COUNT; i++)
        if ((why = need_key(src, en, messages[i].key)) != NULL)
            return why;
    for (k = code_strings; *k; k++)
        if ((why = need_key(src, en, *k)) != NULL)
            return why;
    return NULL;
}

/* A translation has no key English lacks: that would be a typo. */
static const char *check_translation(const source *src, const char *rel,
                                     const apr_table_t *tr,
                                     const apr_table_t *en)
{
    const apr_array_header_t *a = apr_table_elts(tr);
    const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
    int i;
    for (i = 0; i < a->nelts; i++)
        if (!apr_table_get(en, e[i].key))
            return apr_psprintf(src->p, "%s: the key '%s' is not in "
                                LANG_DIR "en" LANG_EXT "; fix the typo, or add"
                                " it to the English file (the fallback)",
                                where(src, rel),
                                e[i].key + sizeof TEXT_PREFIX - 1);
    return NULL;
}

/* The file name of a language file, without its extension, when it is one;
 * else NULL. */
static const char *lang_of_file(apr_pool_t *p, const char *name)
{
    size_t n = strlen(name), x = sizeof LANG_EXT - 1;
    if (name[0] == '.' || n <= x || strcmp(name + n - x, LANG_EXT))
        return NULL;
    return apr_pstrmemdup(p, name, n - x);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The languages of the set other than English, sorted. */
static const char *list_langs(const source *src, apr_array_header_t *tags)
{
    const char *tag;
    int i;

    if (!src->dir) {
        for (i = 0; forms_builtin_files[i].name; i++) {
            const char *n = forms_builtin_files[i].name;
            if (!strncmp(n, LANG_DIR, sizeof LANG_DIR - 1)
                && (tag = lang_of_file(src->p, n + sizeof LANG_DIR - 1)))
                APR_ARRAY_PUSH(tags, const char *) = tag;
        }
    }
    else {
        const char *path = where(src, LANG_DIR);
        apr_finfo_t fi;
        apr_dir_t *d;
        apr_status_t rv = apr_dir_open(&d, path, src->p);
        char err[120];
        if (rv != APR_SUCCESS)
            return apr_psprintf(src->p, "%s cannot be read (%s); it holds the"
                                " strings of each language", path,
                                apr_strerror(rv, err, sizeof err));
        while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)
               == APR_SUCCESS) {
            if (fi.filetype != APR_REG
                || !(tag = lang_of_file(src->p, fi.name)))
                continue;
            if (!agw_lang_tag_ok(tag)) {
                apr_dir_close(d);
                return apr_psprintf(src->p, "%s%s: '%s' is not a language"
                                    " tag; name the file after its language,"
                                    " e.g. de" LANG_EXT " or pt-BR" LANG_EXT,
                                    path, fi.name, tag);
            }
            APR_ARRAY_PUSH(tags, const char *) = apr_pstrdup(src->p, tag);
        }
        apr_dir_close(d);
    }
    for (i = 0; i < tags->nelts; i++)
        if (!strcasecmp(APR_ARRAY_IDX(tags, i, const char *), "en"))
            APR_ARRAY_IDX(tags, i, const char *) = "";
    qsort(tags->elts, (size_t)tags->nelts, sizeof(char *), by_name);
    return NULL;
}

static const char *load_langs(const source *src, forms_templates *t,
                              apr_table_t *en)
{
    apr_array_header_t *tags = apr_array_make(src->p, 4, sizeof(char *));
    const char *why;
    int i;

    if ((why = list_langs(src, tags)) != NULL)
        return why;
    t->langs = apr_pcalloc(src->p, sizeof(char *) * (size_t)(tags->nelts + 1));
    t->strings = apr_pcalloc(src->p,
                             sizeof(apr_table_t *) * (size_t)(tags->nelts + 1));
    t->langs[0] = "en";
    t->strings[0] = en;
    t->nlang = 1;
    for (i = 0; i < tags->nelts; i++) {
        const char *tag = APR_ARRAY_IDX(tags, i, const char *);
        const char *rel = apr_pstrcat(src->p, LANG_DIR, tag, LANG_EXT, NULL);
        apr_table_t *tr = apr_table_make(src->p, 64);
        if (!*tag) /* English, the fallback, is read first */
            continue;
        if ((why = load_strings(src, rel, tr)) != NULL
            || (why = check_translation(src, rel, tr, en)) != NULL)
            return why;
        t->langs[t->nlang] = tag;
        t->strings[t->nlang] = apr_table_copy(src->p, en);
        apr_table_overlap(t->strings[t->nlang++], tr, APR_OVERLAP_TABLES_SET);
    }
    return NULL;
}

/* The layout and pages under prefix; for the small screen (large given),
 * each file is optional and the large-screen one stands in. */
static const char *load_look(const source *src, const char *prefix,
                             const apr_table_t *en, forms_look *look,
                             const forms_look *large)
{
    const char *rel, *text, *why;
    int i, missing;

    for (i = -1; i < FORMS_PAGES; i++) {
        rel = apr_pstrcat(src->p, prefix, i < 0 ? "layout.html" : page_file[i],
                          NULL);
        text = large ? read_file(src, rel, &missing, &why)
                     : need_file(src, rel, &why);
        if (why)
            return why;
        if (!text && i < 0) {
            look->head = large->head;
            look->tail = large->tail;
        }
        else if (!text)
            look->page[i] = large->page[i];
        else if ((why = check_template(src, rel, text,
                                       i < 0 ? "" : page_vars[i],
                                       i < 0 ? "" : page_needs[i], en,
                                       i < 0 ? look : NULL)) != NULL)
            return why;
        else if (i >= 0)
            look->page[i] = text;
    }
    return NULL;
}

const char *forms_templates_load(apr_pool_t *p, const char *dir,
                                 const forms_templates **out)
{
    source src = { p, dir };
    forms_templates *t = apr_pcalloc(p, sizeof *t);
    apr_table_t *en = apr_table_make(p, 64);
    const char *why;
    apr_finfo_t fi;

    if (dir && (apr_stat(&fi, dir, APR_FINFO_TYPE, p) != APR_SUCCESS
                || fi.filetype != APR_DIR))
        return apr_psprintf(p, "%s is not a directory; name the copy of the"
                            " shipped templates (see docs/forms.md)", dir);
    if ((why = load_strings(&src, LANG_DIR "en" LANG_EXT, en)) != NULL
        || (why = check_english(&src, en)) != NULL
        || (why = load_langs(&src, t, en)) != NULL
        || (why = load_look(&src, "", en, &t->look[FORMS_LARGE_SCREEN], NULL))
               != NULL
        || (why = load_look(&src, SMALL_DIR, en, &t->look[FORMS_SMALL_SCREEN],
                            &t->look[FORMS_LARGE_SCREEN])) != NULL)
        return why;
    t->origin = dir ? dir : BUILTIN;
    *out = t;
    return NULL;
}
