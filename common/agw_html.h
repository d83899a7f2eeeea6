/* HTML output: escaping and a small template language.
 *
 * Templates hold {{name}} placeholders; every value is HTML-escaped when it
 * is put in, so a template author cannot forget to. */
#ifndef AGW_HTML_H
#define AGW_HTML_H

#include <apr_pools.h>
#include <apr_tables.h>

char *agw_html_escape(apr_pool_t *p, const char *s);

/* The next placeholder at or after s: returns where its "{{" is and sets
 * *name (spaces removed, as render reads it) and *end (just past its "}}");
 * NULL when there is none.  Lets a loader check a template's names. */
const char *agw_template_next(apr_pool_t *p, const char *s, char **name,
                              const char **end);

/* Replaces each {{name}} by the escaped value of name in vars (empty when
 * absent).  "{{" without a closing "}}" is copied as it is. */
char *agw_template_render(apr_pool_t *p, const char *tmpl,
                          const apr_table_t *vars);

#endif
