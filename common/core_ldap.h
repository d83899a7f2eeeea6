/* authgw-ldap: the directory validator hosted in mod_authgw_core (Active
 * Directory or any LDAPv3 directory, over libldap).  Its per-directory
 * configuration is the member "ldap" of core_dir; its directives are
 * CORE_LDAP_CMDS in the core's command table.
 *
 *   core_ldap_config.c  directives, create/merge, the httpd -t check
 *   core_ldap_conn.c    connections: fail-over, TLS, binds, errors
 *   core_ldap_authn.c   the authn provider "authgw-ldap" */
#ifndef AGW_CORE_LDAP_H
#define AGW_CORE_LDAP_H

#include <httpd.h>
#include <http_config.h>
#include <mod_auth.h>
#include <ldap.h>

#include "agw_ldap.h"

#define CORE_LDAP_DEFAULT_TIMEOUT 5    /* seconds */
#define CORE_LDAP_DEFAULT_DEAD_TIME 30 /* seconds */

typedef enum {
    CORE_LDAP_BIND_USER = 0, /* searches run as the user (no service account) */
    CORE_LDAP_BIND_SIMPLE,   /* a service account's DN and password */
    CORE_LDAP_BIND_GSSAPI    /* the gateway's keytab, SASL GSSAPI */
} core_ldap_bind;

typedef struct {
    const char *url;  /* scheme://host[:port], for libldap and log lines */
    int ldaps;        /* 1: ldaps:// (TLS first); 0: ldap:// with StartTLS */
} core_ldap_server;

typedef struct {
    apr_array_header_t *servers; /* of core_ldap_server, fail-over order */
    const char *base;
    core_ldap_bind bind;
    const char *bind_dn;      /* simple */
    const char *bind_pw;      /* simple: the password file's first line */
    const char *keytab;       /* gssapi */
    const char *principal;    /* gssapi */
    const char *ca_file;      /* NULL: libldap's (ldap.conf TLS_CACERT) */
    agw_ldap_kind kind;
    const char *user_attr;    /* NULL: sAMAccountName (ad) or uid */
    const char *user_filter;  /* NULL: persons (ad) or any entry */
    const char *group_base;   /* NULL: base */
    apr_array_header_t *domains; /* of const char *; NULL: from the base */
    int timeout;              /* seconds */
    int dead_time;            /* seconds */
    unsigned int servers_set:1, base_set:1, bind_set:1, ca_file_set:1,
                 kind_set:1, user_attr_set:1, user_filter_set:1,
                 group_base_set:1, domains_set:1, timeout_set:1,
                 dead_time_set:1;
} core_ldap_dir;

void core_ldap_create_dir(apr_pool_t *p, core_ldap_dir *l);
void core_ldap_merge_dir(apr_pool_t *p, core_ldap_dir *c,
                         const core_ldap_dir *base, const core_ldap_dir *add);

/* check_config hook: every section with AuthGWLDAPServer has a base. */
int core_ldap_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s);

const char *core_ldap_cmd_server(cmd_parms *cmd, void *dc, const char *url);
const char *core_ldap_cmd_base(cmd_parms *cmd, void *dc, const char *dn);
const char *core_ldap_cmd_bind(cmd_parms *cmd, void *dc, int argc,
                               char *const argv[]);
const char *core_ldap_cmd_ca(cmd_parms *cmd, void *dc, const char *file);
const char *core_ldap_cmd_directory(cmd_parms *cmd, void *dc, const char *kind);
const char *core_ldap_cmd_user_attr(cmd_parms *cmd, void *dc, const char *a);
const char *core_ldap_cmd_user_filter(cmd_parms *cmd, void *dc, const char *f);
const char *core_ldap_cmd_group_base(cmd_parms *cmd, void *dc, const char *dn);
const char *core_ldap_cmd_domain(cmd_parms *cmd, void *dc, const char *name);
const char *core_ldap_cmd_timeout(cmd_parms *cmd, void *dc, const char *secs);
const char *core_ldap_cmd_dead_time(cmd_parms *cmd, void *dc, const char *secs);

/* The directives, for the core's command table. */
#define CORE_LDAP_CMDS \
    AP_INIT_ITERATE("AuthGWLDAPServer", core_ldap_cmd_server, \
        NULL, OR_AUTHCFG | RSRC_CONF, \
        "ldaps://host[:port] or ldap://host[:port] (StartTLS), in fail-over" \
        " order; ports 3268/3269 reach the global catalog"), \
    AP_INIT_TAKE1("AuthGWLDAPBase", core_ldap_cmd_base, \
        NULL, OR_AUTHCFG | RSRC_CONF, \
        "the DN under which users are searched"), \
    AP_INIT_TAKE_ARGV("AuthGWLDAPBind", core_ldap_cmd_bind, \
        NULL, OR_AUTHCFG | RSRC_CONF, \
        "simple BIND-DN PASSWORD-FILE | gssapi KEYTAB PRINCIPAL | user" \
        " (default user)"), \
    AP_INIT_TAKE1("AuthGWLDAPCACert", core_ldap_cmd_ca, \
        NULL, OR_AUTHCFG | RSRC_CONF, \
        "PEM file of the CAs that sign the directory's certificates"), \
    AP_INIT_TAKE1("AuthGWLDAPDirectory", core_ldap_cmd_directory, \
        NULL, OR_AUTHCFG | RSRC_CONF, \
        "ad | ldap: Active Directory or a generic LDAP directory" \
        " (default ad)"), \
    AP_INIT_TAKE1("AuthGWLDAPUserAttribute", core_ldap_cmd_user_attr, \
        NULL, OR_AUTHCFG | RSRC_CONF, \
        "attribute a user name is matched against (default sAMAccountName" \
        " or uid)"), \
    AP_INIT_TAKE1("AuthGWLDAPUserFilter", core_ldap_cmd_user_filter, \
        NULL, OR_AUTHCFG | RSRC_CONF, \
        "filter every user entry must also match"), \
    AP_INIT_TAKE1("AuthGWLDAPGroupBase", core_ldap_cmd_group_base, \
        NULL, OR_AUTHCFG | RSRC_CONF, \
        "the DN under which groups are searched (default the base)"), \
    AP_INIT_ITERATE("AuthGWLDAPDomain", core_ldap_cmd_domain, \
        NULL, OR_AUTHCFG | RSRC_CONF, \
        "NetBIOS and DNS names of the domain in DOMAIN\\user and user@realm" \
        " (default from the base's DC= parts)"), \
    AP_INIT_TAKE1("AuthGWLDAPTimeout", core_ldap_cmd_timeout, \
        NULL, OR_AUTHCFG | RSRC_CONF, \
        "seconds to connect and for each operation (default 5)"), \
    AP_INIT_TAKE1("AuthGWLDAPDeadTime", core_ldap_cmd_dead_time, \
        NULL, OR_AUTHCFG | RSRC_CONF, \
        "seconds a server that failed is tried last (default 30)")

/* core_ldap_conn.c: one connection to one server, for one logon.  With a
 * service account, connections are kept per child for the next logons (two
 * kinds: bound as the service account, and for users' binds), so that a
 * logon costs no TCP connection, TLS handshake or service bind. */
typedef struct {
    request_rec *r;
    const core_ldap_dir *d;
    const core_ldap_server *srv;
    LDAP *ld;
    int tls_started;  /* libldap began the TLS handshake */
    const char *why;  /* why the server could not be used, for the log */
    const char *key;  /* what a kept connection must match; NULL: not kept */
    int fresh;        /* take no kept connection (a retry) */
    int kept;         /* this one was kept from an earlier logon */
    int bound;        /* ... and is still bound as the service account */
    int reused;       /* this logon used a kept connection of either kind */
} core_ldap_conn;

/* What a logon attempt on one server came to. */
typedef enum {
    CORE_LDAP_GRANTED = 0,
    CORE_LDAP_DENIED,
    CORE_LDAP_NO_USER,
    CORE_LDAP_ERROR,
    CORE_LDAP_DOWN  /* the server could not be used (set why): the next one */
} core_ldap_outcome;

typedef core_ldap_outcome (*core_ldap_attempt)(core_ldap_conn *c, void *ctx);

/* Runs attempt on a connection to each server in turn, those held down by
 * AuthGWLDAPDeadTime last, until one comes to anything but DOWN; DOWN when
 * none did.  Each failed server is logged.  The connection is a new one
 * (TLS established, not bound) or, with a service account, one kept from an
 * earlier logon (c->bound).  After an attempt that came to GRANTED, DENIED
 * or NO_USER it is kept again, after any other it is closed; an attempt
 * that came to DOWN on kept connections is run once more on new ones before
 * the server counts as down (directories close idle connections). */
core_ldap_outcome core_ldap_each_server(request_rec *r, const core_ldap_dir *d,
                                        core_ldap_attempt attempt, void *ctx);
/* A connection to c's server for the user's bind of c's logon: a kept one
 * of that kind, or a new one (an LDAP result code; other->why when it
 * fails).  Give it back with core_ldap_release(). */
int core_ldap_open_user(core_ldap_conn *c, core_ldap_conn *other);
/* Keeps c for a later logon (when keep and c may be kept) or closes it. */
void core_ldap_release(core_ldap_conn *c, int keep);
int core_ldap_bind_simple(core_ldap_conn *c, const char *dn, const char *pw);
/* As the service account (simple or gssapi); sets why when it fails
 * before the server was asked. */
int core_ldap_bind_service(core_ldap_conn *c);
/* 1 when an LDAP result code means the server is out of reach or gone. */
int core_ldap_down(int rc);
/* The server's diagnostic message of the last operation, or NULL. */
const char *core_ldap_diag(core_ldap_conn *c);
/* "Invalid credentials (49): diagnostic", for log lines. */
const char *core_ldap_err(core_ldap_conn *c, int rc);

/* core_ldap_authn.c */
extern const authn_provider core_ldap_provider;
/* The optional function authgw_ldap_account (authgw.h). */
int authgw_ldap_account(request_rec *r, const char *attr, const char *value,
                        const char **user);

#endif
