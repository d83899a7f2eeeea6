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
the gateway; they are printed for sizing, without a target.  (4) runs twice
in each round: the second run against the first is the A/A control, the
resolution of the method on this machine.  The runs of (3) and (4) rotate
their order from round to round; medians over the rounds are compared, and
the per-round ratios show the spread.
Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 16),
BENCH_ROUNDS (default 3).
Needs the ports of a Samba AD (88, 389, 636, ...): run it when no test run
is going (flock /tmp/agw-samba.lock bench/directory.py).
"""
import base64
import os
import statistics

from benchlib import (MPM, harness, logon_lua, ok200_lua, ratio_line,
                      session_cookie, wrk)
import services  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
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
            runs = {k: [] for k in ("ldap", "krb", "cached", "cookie", "cookie2")}
            # one validation fills the cache; the runs measure hits
            warm = harness.get(gw.url("/basic/index.html"),
                               headers={basic.split(": ")[0]: basic.split(": ")[1]})
            if warm.status_code != 200:
                raise SystemExit("Basic through authgw-ldap: %d" % warm.status_code)
            for rnd in range(ROUNDS):
                # the DC is one process: with every connection waiting for
                # it, a logon can take longer than wrk's usual 2 s
                runs["ldap"].append(wrk(gw.url("/.authgw/logon"), lua=logon_lua(
                    gw, tmp, USER, PASSWORD, "l.lua"), timeout="10s"))
                runs["krb"].append(wrk(kgw.url("/.authgw/logon"), lua=logon_lua(
                    kgw, tmp, USER, PASSWORD, "k.lua"), timeout="10s"))
                session = "Cookie: AuthGWSession=" + session_cookie(gw, USER, PASSWORD)
                same = [("cached", "/basic/index.html", basic),
                        ("cookie", "/index.html", session),
                        ("cookie2", "/index.html", session)]
                for name, path, header in same[rnd % 3:] + same[:rnd % 3]:
                    runs[name].append(wrk(gw.url(path), lua=ok200, headers=[header]))
                print("round %d: %s" % (rnd + 1, "  ".join(
                    "%s %.0f" % (k, v[-1]) for k, v in runs.items())), flush=True)
        finally:
            gw.stop()
            kgw.stop()
    finally:
        ad.stop()
    med = {k: statistics.median(v) for k, v in runs.items()}
    print("%-44s %10s  %s" % ("variant", "median/s", "per round"))
    for key, label in (("ldap", "form logons through authgw-ldap"),
                       ("krb", "form logons through authgw-kerberos"),
                       ("cached", "Basic with credential cache (authgw-ldap)"),
                       ("cookie", "session cookie path"),
                       ("cookie2", "session cookie path again (A/A)")):
        print("%-44s %10.0f  %s" % (label, med[key], " ".join(
            "%.0f" % v for v in runs[key])))

    def spread(a, b):
        per = [x / y for x, y in zip(runs[a], runs[b])]
        return "(per round %.2f..%.2f)" % (min(per), max(per))
    print(ratio_line("cached-Basic/cookie", med["cached"] / med["cookie"], 0.9),
          spread("cached", "cookie"))
    print("ratio %-28s %.2f  (A/A control)" % ("cookie-again/cookie",
          med["cookie2"] / med["cookie"]), spread("cookie2", "cookie"))


if __name__ == "__main__":
    main()
