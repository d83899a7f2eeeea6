"""What the Python benchmarks share: wrk runs with their checks, the wrk
scripts of a form logon and of a 200 answer, and the MPM of a gateway under
load.  The test harness (test/integration) starts httpd and the servers."""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "integration"))

import harness   # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNS = int(os.environ.get("BENCH_CONNECTIONS", "16"))

# Enough threads that wrk's connections never wait for a worker.
MPM = {"ServerLimit": 2, "ThreadLimit": 32, "ThreadsPerChild": 32,
       "MaxRequestWorkers": 64, "StartServers": 2, "MinSpareThreads": 32,
       "MaxSpareThreads": 64}


def wrk(url, lua=None, headers=(), timeout=None):
    """Requests per second; exits when wrk saw errors (a request that took
    longer than timeout, wrk's default 2 s, is one)."""
    cmd = ["wrk", "-t2", "-c%d" % CONNS, "-d%ds" % SECONDS]
    if timeout:
        cmd += ["--timeout", timeout]
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


def logon_lua(gw, tmp, user, password, name="logon.lua"):
    """A wrk script that posts the logon form of gw again and again (one
    page's CSRF token and pre-logon cookie serve every post) and fails on
    anything but the 302 of a logon."""
    page = harness.get_logon_page(gw.base_url, "/")
    body = "username=%s&password=%s&return=%%2F&csrf_token=%s" % (
        user, password, page.csrf)
    path = os.path.join(tmp, name)
    harness.write_file(path, (
        'wrk.method = "POST"\nwrk.body = "%s"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        'wrk.headers["Cookie"] = "AuthGWPre=%s"\n'
        'response = function(status, headers, body)\n'
        '  if status ~= 302 then error("logon answered " .. status) end\nend\n'
    ) % (body, page.pre_cookie))
    return path


def ok200_lua(tmp):
    path = os.path.join(tmp, "ok200.lua")
    harness.write_file(path, 'response = function(status, headers, body)\n'
                       '  if status ~= 200 then error("answered " .. status) end\nend\n')
    return path


def session_cookie(gw, user, password):
    """A fresh session of user at gw (exits when the logon fails)."""
    lg = harness.logon(gw.base_url, user, password)
    if lg.resp.status_code != 302 or not lg.cookie:
        raise SystemExit("logon of %s failed: %d\n%s" % (
            user, lg.resp.status_code, gw.error_log()[-3000:]))
    return lg.cookie


def ratio_line(label, value, target):
    return "ratio %-28s %.2f  (target >= %.2f: %s)" % (
        label, value, target, "PASS" if value >= target else "MISS")
