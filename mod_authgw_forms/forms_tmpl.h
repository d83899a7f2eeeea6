/* The template sets of the logon pages: a layout, one template per page,
 * optional small-screen ("mobile/") versions of each, and the strings of
 * each language (lang/TAG.txt).  A set is read once, when the configuration
 * is read: the built-in one (the shipped files, embedded at build time) and
 * one per AuthGWFormTemplates directory; requests only look it up.  See
 * docs/forms.md. */
#ifndef AGW_FORMS_TMPL_H
#define AGW_FORMS_TMPL_H

#include <stddef.h>

#include <apr_pools.h>
#include <apr_tables.h>

/* A file of the set: its name relative to the set's top. */
typedef struct {
    const char *name;
    const char *data;
    size_t len;
} forms_file;

/* The shipped files (forms_builtin.c, made by scripts/embed-templates);
 * ends with a NULL name. */
extern const forms_file forms_builtin_files[];

/* The pages.  The first three follow forms_type. */
typedef enum {
    FORMS_PAGE_LOGON_PASSWORD = 0,
    FORMS_PAGE_LOGON_PASSCODE,
    FORMS_PAGE_LOGON_PASSCODE_PASSWORD,
    FORMS_PAGE_CHALLENGE,
    FORMS_PAGE_LOGGED_OFF,
    FORMS_PAGE_PASSWORD,
    FORMS_PAGE_EXPIRY_WARNING,
    FORMS_PAGES
} forms_page_id;

typedef enum {
    FORMS_LARGE_SCREEN = 0,
    FORMS_SMALL_SCREEN,
    FORMS_VARIANTS
} forms_variant;

/* A layout cut at its {{content}} and the page templates that go there. */
typedef struct {
    const char *head, *tail;
    const char *page[FORMS_PAGES];
} forms_look;

typedef struct {
    const char *origin;              /* the directory, or "the built-in set" */
    forms_look look[FORMS_VARIANTS]; /* small screen: large where absent */
    int nlang;
    const char **langs;              /* the tags; langs[0] is "en" */
    apr_table_t **strings;           /* per language, "text.KEY" -> value,
                                      * English where not translated */
} forms_templates;

/* Reads and checks the set in dir (NULL: the built-in one) into p.
 * Returns NULL, or a message that names the file and the fix. */
const char *forms_templates_load(apr_pool_t *p, const char *dir,
                                 const forms_templates **out);

#endif
