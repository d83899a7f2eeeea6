#!/usr/bin/python3
"""RADIUS benchmark (issue 4), side by side in one run on loopback:

1. radclient's own rate of Access-Requests against a FreeRADIUS (the
   baseline: what the RADIUS server can do for any client);
2. form logons per second through the gateway against the same FreeRADIUS
   (each one a POST /.authgw/logon that costs one Access-Request and issues a
   session) -- target >= 0.8 of (1);
3. Basic requests per second with AuthGWCredentialCache On, against
4. requests per second on the session-cookie path -- target (3) >= 0.9 of (4).

Prints a table and the ratios; exits 0 when the figures were measured
(whether or not a target is met), non-zero when something is broken.
Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 16).
"""
import base64
import os
import subprocess
import time

from benchlib import (CONNS, MPM, harness, logon_lua, ok200_lua, ratio_line,
                      session_cookie, wrk)
import services  # noqa: E402

USER, PASSWORD, SECRET = "bench", "Bench-pass1", "bench-radius-secret"


def radclient_rate(radius, n=20000, parallel=CONNS):
    req = ('User-Name = "%s"\nUser-Password = "%s"\n'
           'Message-Authenticator = 0x00\n' % (USER, PASSWORD))
    t0 = time.time()
    p = subprocess.run(["radclient", "-q", "-c", str(n), "-p", str(parallel),
                        "-r", "1", "-t", "3", "%s:%d" % (radius.host, radius.port),
                        "auth", radius.secret], input=req, capture_output=True,
                       text=True)
    dt = time.time() - t0
    if p.returncode != 0:
        raise SystemExit("radclient failed: %s%s" % (p.stdout, p.stderr))
    return n / dt


def main():
    radius = services.FreeRadius(users={USER: PASSWORD}, secret=SECRET,
                                 sign_replies=True).start()
    tmp = harness.new_dir("bench-radius")
    cookie_secret = os.path.join(tmp, "cookie.secret")
    harness.secret_file(cookie_secret, 1)
    rsecret = os.path.join(tmp, "radius.secret")
    harness.write_file(rsecret, SECRET + "\n")
    conf = """
AuthGWSecretFile %(cs)s
<Location />
    AuthType GatewayForm
    AuthGWFormProvider radius
    AuthGWRadiusServer %(host)s:%(port)d %(rs)s 3 1
    Require valid-user
</Location>
<Location /basic/>
    AuthType Basic
    AuthName bench
    AuthBasicProvider radius
    AuthGWCredentialCache On 300
    Require valid-user
</Location>
""" % dict(cs=cookie_secret, host=radius.host, port=radius.port, rs=rsecret)
    gw = harness.Httpd("bench-radius", conf, modules=("core", "forms", "radius"),
                       loglevel="warn", mpm=MPM)
    harness.make_dir(os.path.join(gw.docroot, "basic"))
    harness.write_file(os.path.join(gw.docroot, "basic", "index.html"),
                       "<p>docroot</p>\n")
    try:
        gw.start()
        session_cookie(gw, USER, PASSWORD)
        lua = logon_lua(gw, tmp, USER, PASSWORD)
        basic = "Authorization: Basic " + base64.b64encode(
            ("%s:%s" % (USER, PASSWORD)).encode()).decode()
        ok200 = ok200_lua(tmp)
        rad = radclient_rate(radius)
        logons = wrk(gw.url("/.authgw/logon"), lua=lua)
        # Both of these serve the same small static file from the gateway
        # itself, so that the backend is not what is measured.
        cached = wrk(gw.url("/basic/index.html"), lua=ok200, headers=[basic])
        # The logon run made thousands of sessions; a small shmcb may have
        # dropped the first one, so take a fresh one for the cookie path.
        cookie = wrk(gw.url("/index.html"), lua=ok200, headers=[
            "Cookie: AuthGWSession=" + session_cookie(gw, USER, PASSWORD)])
    finally:
        gw.stop()
        radius.stop()
    r1, r2 = logons / rad, cached / cookie
    print("%-44s %10s" % ("variant", "per second"))
    print("%-44s %10.0f" % ("radclient Access-Requests (baseline)", rad))
    print("%-44s %10.0f" % ("form logons through the gateway", logons))
    print("%-44s %10.0f" % ("Basic with credential cache", cached))
    print("%-44s %10.0f" % ("session cookie path", cookie))
    print(ratio_line("logons/radclient", r1, 0.8))
    print(ratio_line("cached-Basic/cookie", r2, 0.9))


if __name__ == "__main__":
    main()
