#!/usr/bin/python3
"""Directory benchmark (issue 3), side by side in one run against one Samba
AD domain controller on loopback:

1. form logons per second through authgw-ldap (each POST: a search with the
   service account, the user's bind, the groups search, a session);
2. form logons per second through authgw-kerberos (each POST: an AS
   exchange with the KDC, verified with the gateway's keytab, a session);
3. Basic requests per second with AuthGWCredentialCache On (authgw-ldap),
   against
4. requests per second on the session-cookie path -- target (3) >= 0.9 of (4).

Samba runs as one process ("-M single"), so (1) and (2) measure it more than
the gateway; they are printed for sizing, without a target.
Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 16).
Needs the ports of a Samba AD (88, 389, 636, ...): run it when no test run
is going (flock /tmp/agw-samba.lock bench/directory.py).
"""
import base64
import os

from benchlib import (MPM, harness, logon_lua, ok200_lua, ratio_line,
                      session_cookie, wrk)
import services  # noqa: E402

USER, PASSWORD = "benchdir", "Bench-dir-pass1"
SVC, SVC_PASSWORD = "benchsvc", "Bench-svc-pass1"
SPN = "HTTP/gw.gw.test"


def main():
    ad = services.SambaAD().start()
    tmp = harness.new_dir("bench-directory")
    try:
        ad.add_user(USER, PASSWORD)
        ad.add_user(SVC, SVC_PASSWORD)
        ad.add_spn(SPN, SVC)
        keytab = ad.export_keytab(os.path.join(tmp, "gw.keytab"),
                                  "%s@%s" % (SPN, ad.realm))
        cookie_secret = os.path.join(tmp, "cookie.secret")
        harness.secret_file(cookie_secret, 1)
        pw_file = harness.write_file(os.path.join(tmp, "svc.pw"),
                                     SVC_PASSWORD + "\n")
        ldap = """
    AuthGWLDAPServer ldaps://%(dc)s
    AuthGWLDAPBase "CN=Users,%(base)s"
    AuthGWLDAPBind simple "CN=%(svc)s,CN=Users,%(base)s" %(pw)s
    AuthGWLDAPCACert %(ca)s
""" % dict(dc=ad.dc_host, base=ad.base_dn, svc=SVC, pw=pw_file, ca=ad.ca_cert)
        conf = """
AuthGWSecretFile %(cs)s
<Location />
    AuthType GatewayForm
    AuthGWFormProvider authgw-ldap
    %(ldap)s
    Require valid-user
</Location>
<Location /basic/>
    AuthType Basic
    AuthName bench
    AuthBasicProvider authgw-ldap
    %(ldap)s
    AuthGWCredentialCache On 300
    Require valid-user
</Location>
""" % dict(cs=cookie_secret, ldap=ldap)
        kconf = """
AuthGWSecretFile %(cs)s
<Location />
    AuthType GatewayForm
    AuthGWFormProvider authgw-kerberos
    AuthGWKeytab %(kt)s
    AuthGWKerberosPrincipal %(spn)s@%(realm)s
    Require valid-user
</Location>
""" % dict(cs=cookie_secret, kt=keytab, spn=SPN, realm=ad.realm)
        # httpd finds the KDC through krb5.conf
        os.environ["KRB5_CONFIG"] = ad.krb5_conf
        gw = harness.Httpd("bench-ldap", conf, modules=("core", "forms"),
                           loglevel="warn", mpm=MPM)
        kgw = harness.Httpd("bench-kerberos", kconf, modules=("core", "forms"),
                            loglevel="warn", mpm=MPM)
        harness.make_dir(os.path.join(gw.docroot, "basic"))
        harness.write_file(os.path.join(gw.docroot, "basic", "index.html"),
                           "<p>docroot</p>\n")
        ok200 = ok200_lua(tmp)
        basic = "Authorization: Basic " + base64.b64encode(
            ("%s:%s" % (USER, PASSWORD)).encode()).decode()
        try:
            gw.start()
            kgw.start()
            session_cookie(gw, USER, PASSWORD)
            session_cookie(kgw, USER, PASSWORD)
            ldap_logons = wrk(gw.url("/.authgw/logon"),
                              lua=logon_lua(gw, tmp, USER, PASSWORD, "l.lua"))
            krb_logons = wrk(kgw.url("/.authgw/logon"),
                             lua=logon_lua(kgw, tmp, USER, PASSWORD, "k.lua"))
            # one validation fills the cache; the run measures hits
            warm = harness.get(gw.url("/basic/index.html"),
                               headers={basic.split(": ")[0]: basic.split(": ")[1]})
            if warm.status_code != 200:
                raise SystemExit("Basic through authgw-ldap: %d" % warm.status_code)
            cached = wrk(gw.url("/basic/index.html"), lua=ok200, headers=[basic])
            cookie = wrk(gw.url("/index.html"), lua=ok200, headers=[
                "Cookie: AuthGWSession=" + session_cookie(gw, USER, PASSWORD)])
        finally:
            gw.stop()
            kgw.stop()
    finally:
        ad.stop()
    print("%-44s %10s" % ("variant", "per second"))
    print("%-44s %10.0f" % ("form logons through authgw-ldap", ldap_logons))
    print("%-44s %10.0f" % ("form logons through authgw-kerberos", krb_logons))
    print("%-44s %10.0f" % ("Basic with credential cache (authgw-ldap)", cached))
    print("%-44s %10.0f" % ("session cookie path", cookie))
    print(ratio_line("cached-Basic/cookie", cached / cookie, 0.9))


if __name__ == "__main__":
    main()
