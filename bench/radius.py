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
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "integration"))

import harness   # noqa: E402
import services  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
USER, PASSWORD, SECRET = "bench", "Bench-pass1", "bench-radius-secret"


def wrk(url, lua=None, headers=()):
    cmd = ["wrk", "-t2", "-c%d" % CONNS, "-d%ds" % SECONDS]
    for h in headers:
        cmd += ["-H", h]
    if lua:
        cmd += ["-s", lua]
    p = subprocess.run(cmd + [url], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("wrk failed against %s:\n%s%s" % (url, p.stdout, p.stderr))
    out = p.stdout
    if "Non-2xx or 3xx" in out or "Socket errors" in out and "timeout" in out:
        raise SystemExit("wrk saw errors against %s:\n%s" % (url, out))
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


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
    mpm = {"ServerLimit": 2, "ThreadLimit": 32, "ThreadsPerChild": 32,
           "MaxRequestWorkers": 64, "StartServers": 2, "MinSpareThreads": 32,
           "MaxSpareThreads": 64}
    gw = harness.Httpd("bench-radius", conf, modules=("core", "forms", "radius"),
                       loglevel="warn", mpm=mpm)
    harness.make_dir(os.path.join(gw.docroot, "basic"))
    harness.write_file(os.path.join(gw.docroot, "basic", "index.html"),
                       "<p>docroot</p>\n")
    try:
        gw.start()
        lg = harness.logon(gw.base_url, USER, PASSWORD)
        if lg.resp.status_code != 302 or not lg.cookie:
            raise SystemExit("logon through RADIUS failed: %d\n%s" % (
                lg.resp.status_code, gw.error_log()[-3000:]))
        page = harness.get_logon_page(gw.base_url, "/")
        body = "username=%s&password=%s&return=%%2F&csrf_token=%s" % (
            USER, PASSWORD, page.csrf)
        lua = os.path.join(tmp, "logon.lua")
        harness.write_file(lua, (
            'wrk.method = "POST"\nwrk.body = "%s"\n'
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
            'wrk.headers["Cookie"] = "AuthGWPre=%s"\n'
            'response = function(status, headers, body)\n'
            '  if status ~= 302 then error("logon answered " .. status) end\nend\n'
        ) % (body, page.pre_cookie))
        basic = "Authorization: Basic " + base64.b64encode(
            ("%s:%s" % (USER, PASSWORD)).encode()).decode()
        ok200 = os.path.join(tmp, "ok200.lua")
        harness.write_file(ok200, 'response = function(status, headers, body)\n'
                           '  if status ~= 200 then error("answered " .. status) end\nend\n')
        rad = radclient_rate(radius)
        logons = wrk(gw.url("/.authgw/logon"), lua=lua)
        # Both of these serve the same small static file from the gateway
        # itself, so that the backend is not what is measured.
        cached = wrk(gw.url("/basic/index.html"), lua=ok200, headers=[basic])
        # The logon run made thousands of sessions; a small shmcb may have
        # dropped the first one, so take a fresh one for the cookie path.
        lg = harness.logon(gw.base_url, USER, PASSWORD)
        cookie = wrk(gw.url("/index.html"), lua=ok200,
                     headers=["Cookie: AuthGWSession=" + lg.cookie])
    finally:
        gw.stop()
        radius.stop()
    r1, r2 = logons / rad, cached / cookie
    print("%-44s %10s" % ("variant", "per second"))
    print("%-44s %10.0f" % ("radclient Access-Requests (baseline)", rad))
    print("%-44s %10.0f" % ("form logons through the gateway", logons))
    print("%-44s %10.0f" % ("Basic with credential cache", cached))
    print("%-44s %10.0f" % ("session cookie path", cookie))
    print("ratio logons/radclient      %.2f  (target >= 0.80: %s)"
          % (r1, "PASS" if r1 >= 0.8 else "MISS"))
    print("ratio cached-Basic/cookie   %.2f  (target >= 0.90: %s)"
          % (r2, "PASS" if r2 >= 0.9 else "MISS"))


if __name__ == "__main__":
    main()
