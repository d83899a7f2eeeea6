#!/usr/bin/python3
"""Delegation benchmark: requests per second on the session-cookie path of
one gateway, side by side in one run on loopback, for locations that differ
only in AuthGWDelegate (the table METHODS):

- none        -- nothing is delegated (the baseline of every ratio);
- passthrough -- the client's own Authorization (none here) goes through;
- basic       -- Authorization: Basic from the password kept (sealed) with
  the session, opened on every request;
- kcd         -- Authorization: Negotiate with a Kerberos ticket of the user
  (S4U2Self + S4U2Proxy against Samba's KDC), the ticket cache warm: every
  request makes a fresh authenticator, none talks to the KDC;
- securid     -- the client's SecurID agent cookie passes, nothing else;
- ntlm        -- an NTLM logon per request (NEGOTIATE, CHALLENGE,
  AUTHENTICATE on a fresh backend connection, closed after) against
  mod_auth_gssapi with gss-ntlmssp, which validates through winbind at the DC;
- negotiate   -- a Kerberos ticket from the user's password per request (AS
  and TGS exchanges with Samba's KDC) against mod_auth_gssapi (krb5).

Every request carries the session cookie and an RSA agent cookie
(rsa-local), so all methods parse the same header; all but passthrough and
securid strip the agent cookie.

Target: kcd >= 0.9 of basic.  All but ntlm and negotiate proxy to the same
small static file on a plain httpd (which ignores Authorization), so that the
gateway's work is what differs; ntlm and negotiate need a server that checks
what they send, so theirs is the same file behind mod_auth_gssapi, and their
ratio to none includes that server's (and the DC's) work.  Prints medians and ratios; exits 0 when the figures were
measured (whether or not the target is met), non-zero when something is
broken (a server did not start, a logon failed, an answer other than 200,
or a kcd request that reached the KDC after the warm-up).

Needs root (Samba AD on the fixed ports of 127.0.0.1), the build, wrk, and
the machine's one Samba AD slot:

    flock /tmp/agw-samba.lock bench/delegate.py

Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (16),
ROUNDS (3: each variant that many times, interleaved; medians).
"""
import os
import statistics

from benchlib import MPM, harness, ok200_lua, ratio_line, session_cookie, wrk
import services  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "3"))
USER, PASSWORD = "benchkc", "Bench-kc!pass1"
GW_ACCOUNT = ("benchgw", "Bench-gw!pass1")
WEB_ACCOUNT = ("benchweb", "Bench-web!pass1")
WEB_HOST = "backend.gw.test"          # SambaAD's own /etc/hosts name
# AuthGWDelegate METHOD, the lines its <Location> needs besides, and the
# server it proxies to.
METHODS = (
    ("none", "", "static"),
    ("passthrough", "", "static"),
    ("basic", "", "static"),
    ("kcd", "", "static"),
    # httpd -t pairs securid with a passcode receipt only; the form type
    # matters at /.authgw/logon, not on the cookie path measured here
    ("securid", "AuthGWFormType passcode", "static"),
    ("ntlm", "", "ntlm"),
    ("negotiate", "", "negotiate"),
)
VARIANTS = tuple(m[0] for m in METHODS)
SERVER = {m[0]: m[2] for m in METHODS}
RSA_COOKIE = "rsa-local=benchkcZ00Z002Z003D8749DAZ003D8749DAZ00Z00Z9AZ0DXZ3DZC7"


def setup_ad(ad, d):
    ad.add_user(USER, PASSWORD)
    ad.add_user(*GW_ACCOUNT)
    ad.add_spn("HTTP/gw.gw.test", GW_ACCOUNT[0])   # S4U2Self wants one
    ad.samba_tool("delegation", "for-any-protocol", GW_ACCOUNT[0], "on")
    ad.samba_tool("delegation", "add-service", GW_ACCOUNT[0], "HTTP/" + WEB_HOST)
    ad.add_user(*WEB_ACCOUNT)
    ad.add_spn("HTTP/" + WEB_HOST, WEB_ACCOUNT[0])
    return (ad.export_keytab(os.path.join(d, "gw.keytab"), GW_ACCOUNT[0]),
            ad.export_keytab(os.path.join(d, "web.keytab"), "HTTP/" + WEB_HOST))


def gssapi_backend(name, mech, keytab=None):
    """The 200-byte file behind mod_auth_gssapi (ntlmssp or krb5)."""
    store = "    GssapiCredStore keytab:%s\n" % keytab if keytab else ""
    h = harness.Httpd(name, """
KeepAliveTimeout 30
MaxKeepAliveRequests 0
<Location />
    AuthType GSSAPI
    AuthName bench
    GssapiAllowedMech %s
    GssapiConnectionBound On
%s    Require valid-user
</Location>
""" % (mech, store), modules=("auth_gssapi",), loglevel="warn", mpm=MPM)
    harness.write_file(os.path.join(h.docroot, "static.txt"), "x" * 200)
    return h


def gateway_conf(d, keytab, ports):
    htpasswd = harness.htpasswd(os.path.join(d, "htpasswd"), {USER: PASSWORD})
    secret = os.path.join(d, "secret")
    harness.secret_file(secret, 1)
    locations = "".join("""
<Location /%(v)s/>
    ProxyPass http://%(host)s:%(port)d/
    AuthGWDelegate %(v)s
    %(extra)s
</Location>
""" % {"v": v, "host": WEB_HOST, "port": ports[server], "extra": extra}
        for v, extra, server in METHODS)
    return """
AuthGWSecretFile %(secret)s
AuthGWStore shmcb
<Location />
    AuthType GatewayForm
    AuthName bench
    AuthGWFormProvider file
    AuthUserFile %(htpasswd)s
    AuthGWKeytab %(keytab)s
    Require valid-user
</Location>
%(locations)s
""" % {"secret": secret, "htpasswd": htpasswd, "keytab": keytab,
       "locations": locations}


def kdc_requests(trace):
    with open(trace, errors="replace") as f:
        return f.read().count("Sending request")


def main():
    ad = services.SambaAD().start()
    d = harness.new_dir("bench-delegate")
    os.environ["KRB5_CONFIG"] = ad.krb5_conf
    trace = harness.write_file(os.path.join(d, "krb5.trace"), "", 0o666)
    os.environ["KRB5_TRACE"] = trace
    backend = harness.Httpd("bench-delegate-backend", """
KeepAliveTimeout 30
MaxKeepAliveRequests 0
""", modules=(), loglevel="warn", mpm=MPM)
    harness.write_file(os.path.join(backend.docroot, "static.txt"), "x" * 200)
    ad.share_winbind()
    gw = None
    servers = [backend]
    try:
        keytab, web_keytab = setup_ad(ad, d)
        ntlm = gssapi_backend("bench-delegate-ntlm", "ntlmssp")
        nego = gssapi_backend("bench-delegate-nego", "krb5", web_keytab)
        for h in (backend, ntlm, nego):
            h.start()
            servers.append(h)
        ports = {"static": backend.port, "ntlm": ntlm.port,
                 "negotiate": nego.port}
        gw = harness.Httpd("bench-delegate", gateway_conf(d, keytab, ports),
                           modules=("core", "forms", "delegate"), loglevel="warn",
                           mpm=MPM)
        gw.start()
        cookie = "Cookie: AuthGWSession=%s; %s" % (session_cookie(gw, USER, PASSWORD),
                                                   RSA_COOKIE)
        ok200 = ok200_lua(d)
        # Warm every child's kcd cache: a run on as many connections.
        wrk(gw.url("/kcd/static.txt"), ok200, [cookie], timeout="10s")
        warm = kdc_requests(trace)
        rates = {v: [] for v in VARIANTS}
        for _ in range(ROUNDS):
            for v in VARIANTS:
                before = kdc_requests(trace)
                # ntlm and negotiate wait on the single-process test DC at
                # every request (winbind, the KDC): a queue there is not an error
                slow = SERVER[v] != "static"
                rates[v].append(wrk(gw.url("/%s/static.txt" % v), ok200, [cookie],
                                    timeout="10s" if slow else None))
                if v == "kcd" and kdc_requests(trace) != before:
                    raise SystemExit("kcd talked to the KDC after the warm-up")
    finally:
        if gw:
            gw.stop()
        for h in servers:
            h.stop()
        ad.stop()
    med = {v: statistics.median(r) for v, r in rates.items()}
    print("%-28s %10s %8s   %s" % ("AuthGWDelegate (cookie path)", "median/s",
                                   "vs none", "runs"))
    for v in VARIANTS:
        print("%-28s %10.0f %8.2f   %s" % (v, med[v], med[v] / med["none"],
                                         " ".join("%.0f" % x for x in rates[v])))
    print(ratio_line("kcd/basic", med["kcd"] / med["basic"], 0.9))
    print("KDC exchanges: %d during the warm-up, none after" % warm)


if __name__ == "__main__":
    main()
