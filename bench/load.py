#!/usr/bin/python3
"""Load test (issue 7): a gateway under a mix of logons, session-cookie
requests and logoffs from wrk, with `apache2 -k graceful` in the middle.

Prints, as figures:
- errors: answers other than those the mix expects, and wrk's socket errors;
- sessions lost: sessions made before the run that no longer open a page
  after it (and cookie requests sent to the logon form during the run);
- memory: the resident size of httpd's children after a warm-up, just before
  the graceful restart (the old generation) and at the end (the new one).

Exits 0 when the figures were measured, whether or not they are clean (a
benchmark reports); non-zero when something is broken (httpd did not start,
a logon failed, wrk failed).

Environment: LOAD_SECONDS (default 60), LOAD_CONNECTIONS (200),
LOAD_SESSIONS (500 sessions for the cookie requests), LOAD_LOGOFFS (3000
sessions to log off), LOAD_WARMUP (5 s), LOAD_GRACEFUL (1; 0 runs the same
mix without the restart, the control for the socket errors), LOAD_KEEPALIVE
(1; 0 sends every request on a connection of its own: a graceful restart
closes the old generation's idle kept-alive connections, and a request a
client writes into one at that instant is lost to a client that does not
retry, as wrk does not).
"""
import concurrent.futures
import http.client
import os
import re
import subprocess
import time
import urllib.parse

from benchlib import harness

SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
CONNS = int(os.environ.get("LOAD_CONNECTIONS", "200"))
N_SESSIONS = int(os.environ.get("LOAD_SESSIONS", "500"))
N_LOGOFFS = int(os.environ.get("LOAD_LOGOFFS", "3000"))
WARMUP = int(os.environ.get("LOAD_WARMUP", "5"))
GRACEFUL = os.environ.get("LOAD_GRACEFUL", "1") != "0"
KEEPALIVE = os.environ.get("LOAD_KEEPALIVE", "1") != "0"
THREADS = 2
LUA_CLOSE = "false" if KEEPALIVE else "true"
USER, PASSWORD = "loaduser", "L0ad-bench-pass"

# Room for two generations of children during the graceful restart, and a
# thread per wrk connection in each generation.  AsyncRequestWorkerFactor:
# the event MPM closes kept-alive connections of a child whose connections
# outnumber ThreadsPerChild + factor x idle workers (default factor 2); with
# every worker busy hashing passwords, it did so under requests wrk had
# already sent, and wrk, unlike a browser (RFC 9112 9.3.1), does not retry.
MPM = {"ServerLimit": 8, "ThreadLimit": 128, "ThreadsPerChild": 128,
       "MaxRequestWorkers": 256, "StartServers": 2, "MinSpareThreads": 128,
       "MaxSpareThreads": 256, "AsyncRequestWorkerFactor": 50}

# One cycle of ten requests per wrk thread: a logon (302 to the return
# address), eight cookie requests (200) on sessions made before the run,
# and a logoff (200) of a session of its own, until those run out.  A 302
# to the logon form is a lost session; any other status an error.
LUA = r"""
local logon_body = "%(body)s"
local pre = "%(pre)s"
local cookies = { %(cookies)s }
local logoffs = { %(logoffs)s }
local nthreads = %(threads)d
local close = %(close)s
local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

function init(args)
   n = 0
   lo_next = tid + 1
   logons, ok, lost, other, first_other, logoffs_sent = 0, 0, 0, 0, 0, 0
end

-- with LOAD_KEEPALIVE=0 every request asks for its own connection
local function h(t)
   if close then t["Connection"] = "close" end
   return t
end

function request()
   n = n + 1
   local k = n %% 10
   if k == 0 then
      return wrk.format("POST", "/.authgw/logon",
         h({ ["Content-Type"] = "application/x-www-form-urlencoded",
             ["Cookie"] = "AuthGWPre=" .. pre }), logon_body)
   end
   if k == 9 and lo_next <= #logoffs then
      local c = logoffs[lo_next]
      lo_next = lo_next + nthreads
      logoffs_sent = logoffs_sent + 1
      return wrk.format("GET", "/.authgw/logoff",
         h({ ["Cookie"] = "AuthGWSession=" .. c }), nil)
   end
   return wrk.format("GET", "/index.html",
      h({ ["Cookie"] = "AuthGWSession=" .. cookies[(n %% #cookies) + 1] }), nil)
end

function response(status, headers, body)
   if status == 200 then
      ok = ok + 1
   elseif status == 302 then
      if string.find(headers["Location"] or "", "/.authgw/logon", 1, true) then
         lost = lost + 1
      else
         logons = logons + 1
      end
   else
      if other == 0 then first_other = status end
      other = other + 1
   end
end

function done(summary, latency, requests)
   local t = { logons = 0, ok = 0, lost = 0, other = 0, logoffs_sent = 0 }
   local f = 0
   for _, th in ipairs(threads) do
      for name, _ in pairs(t) do t[name] = t[name] + th:get(name) end
      if f == 0 then f = th:get("first_other") end
   end
   io.write(string.format("MIX logons=%%d ok=%%d lost=%%d other=%%d first_other=%%d"
      .. " logoffs=%%d\n", t.logons, t.ok, t.lost, t.other, f, t.logoffs_sent))
end
"""


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        resp.read()
        return resp.status, resp.getheaders()
    finally:
        conn.close()


def session_value(headers):
    for k, v in headers:
        if k.lower() == "set-cookie" and v.startswith("AuthGWSession="):
            return v.split(";", 1)[0].split("=", 1)[1]
    return None


def make_sessions(gw, page, n):
    """n fresh sessions, made by posting one logon page's form n times."""
    body = urllib.parse.urlencode({"username": USER, "password": PASSWORD,
                                   "return": "/index.html",
                                   "csrf_token": page.csrf})
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "Cookie": "AuthGWPre=" + page.pre_cookie}

    def one(_):
        status, h = request(gw.port, "POST", "/.authgw/logon", body, headers)
        v = session_value(h)
        if status != 302 or not v:
            raise SystemExit("logon failed (%d):\n%s" % (status, gw.error_log()[-2000:]))
        return v

    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        return list(ex.map(one, range(n)))


def still_valid(gw, cookies):
    def one(c):
        status, _ = request(gw.port, "GET", "/index.html",
                            headers={"Cookie": "AuthGWSession=" + c})
        return status == 200

    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        return sum(ex.map(one, cookies))


def children_rss_kib(gw):
    """{pid: RSS in KiB} of the parent's children (the workers)."""
    out = {}
    for pid in harness._children_of(gw.read_pid()):
        try:
            with open("/proc/%d/status" % pid) as f:
                m = re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M)
            if m:
                out[pid] = int(m.group(1))
        except FileNotFoundError:
            pass
    return out


def rss_line(label, rss):
    v = sorted(rss.values())
    return "%-34s children %d  total %7d KiB  mean %6d KiB  max %6d KiB" % (
        label, len(v), sum(v), sum(v) // max(len(v), 1), max(v or [0]))


def wrk_cmd(gw, lua, seconds):
    return ["wrk", "-t%d" % THREADS, "-c%d" % CONNS, "-d%ds" % seconds,
            "--timeout", "10s", "-s", lua, gw.url("/index.html")]


def parse_wrk(out):
    f = {"requests": int(re.search(r"(\d+) requests in", out).group(1)),
         "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                  r"timeout (\d+)", out)
    f["socket"] = dict(zip(("connect", "read", "write", "timeout"),
                           map(int, m.groups()))) if m else {
        "connect": 0, "read": 0, "write": 0, "timeout": 0}
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    f["non23"] = int(m.group(1)) if m else 0
    m = re.search(r"MIX logons=(\d+) ok=(\d+) lost=(\d+) other=(\d+) "
                  r"first_other=(\d+) logoffs=(\d+)", out)
    if not m:
        raise SystemExit("wrk printed no MIX line:\n" + out)
    f.update(zip(("logons", "ok", "lost", "other", "first_other", "logoffs"),
                 map(int, m.groups())))
    return f


def main():
    tmp = harness.new_dir("bench-load")
    secret = os.path.join(tmp, "cookie.secret")
    harness.secret_file(secret, 1)
    htpasswd = harness.htpasswd(os.path.join(tmp, "htpasswd"), {USER: PASSWORD})
    conf = """
# wrk does not retry a request the server closed the connection under
MaxKeepAliveRequests 0
AuthGWSecretFile %(secret)s
# room for every session the run makes: an evicted session would look lost
AuthGWStore "shmcb:%(tmp)s/store(67108864)"
<Location />
    AuthType GatewayForm
    AuthGWFormProvider file
    AuthUserFile %(htpasswd)s
    Require valid-user
</Location>
""" % dict(secret=secret, tmp=tmp, htpasswd=htpasswd)
    gw = harness.Httpd("bench-load", conf, modules=("core", "forms"),
                       loglevel="warn", mpm=MPM)
    try:
        gw.start()
        page = harness.get_logon_page(gw.base_url, "/index.html")
        cookies = make_sessions(gw, page, N_SESSIONS)
        logoffs = make_sessions(gw, page, N_LOGOFFS)
        body = urllib.parse.urlencode({"username": USER, "password": PASSWORD,
                                       "return": "/index.html",
                                       "csrf_token": page.csrf})
        quoted = lambda vs: ", ".join('"%s"' % v for v in vs)  # noqa: E731
        lua = harness.write_file(os.path.join(tmp, "load.lua"), LUA % dict(
            body=body, pre=page.pre_cookie, cookies=quoted(cookies),
            logoffs=quoted([]), threads=THREADS, close=LUA_CLOSE))
        # warm-up: the same mix without logoffs, so that every child has
        # served the mix before the first memory sample
        p = subprocess.run(wrk_cmd(gw, lua, WARMUP), capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit("wrk failed:\n" + p.stdout + p.stderr)
        rss0 = children_rss_kib(gw)
        harness.write_file(lua, LUA % dict(
            body=body, pre=page.pre_cookie, cookies=quoted(cookies),
            logoffs=quoted(logoffs), threads=THREADS, close=LUA_CLOSE))
        t0 = time.time()
        run = subprocess.Popen(wrk_cmd(gw, lua, SECONDS), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        time.sleep(SECONDS / 2)
        rss1 = children_rss_kib(gw)
        tg = time.time()
        if GRACEFUL:
            gw.graceful()
        tg_done = time.time()
        out, _ = run.communicate(timeout=SECONDS + 60)
        if run.returncode != 0:
            raise SystemExit("wrk failed:\n" + out)
        rss2 = children_rss_kib(gw)
        f = parse_wrk(out)
        valid = still_valid(gw, cookies)
    finally:
        gw.stop()
    errors = f["other"] + sum(f["socket"].values())
    if GRACEFUL:
        print("wrk -t%d -c%d -d%ds%s, graceful restart at %.1f s (new"
              " generation up %.1f s later)" % (
                  THREADS, CONNS, SECONDS, "" if KEEPALIVE else
                  ", Connection: close", tg - t0, tg_done - tg))
    else:
        print("wrk -t%d -c%d -d%ds, no restart (LOAD_GRACEFUL=0)" % (
            THREADS, CONNS, SECONDS))
    print("%-34s %d (%.0f/s)" % ("requests", f["requests"], f["rps"]))
    print("%-34s %d" % ("logons (302 to the return address)", f["logons"]))
    print("%-34s %d" % ("200 (cookie requests, logoffs)", f["ok"]))
    print("%-34s %d" % ("logoffs sent", f["logoffs"]))
    print("%-34s %d%s" % ("errors: other statuses", f["other"],
                          " (first %d)" % f["first_other"] if f["other"] else ""))
    print("%-34s %s" % ("errors: socket", ", ".join(
        "%s %d" % kv for kv in f["socket"].items())))
    print("%-34s %d" % ("errors: total", errors))
    print("%-34s %d" % ("sessions lost during the run", f["lost"]))
    print("%-34s %d of %d" % ("sessions lost after the run", N_SESSIONS - valid,
                              N_SESSIONS))
    print(rss_line("RSS after warm-up", rss0))
    print(rss_line("RSS half-way (before the restart)", rss1))
    print(rss_line("RSS at the end", rss2))
    m1 = sum(rss1.values()) / max(len(rss1), 1)
    m2 = sum(rss2.values()) / max(len(rss2), 1)
    print("%-34s %.2f" % ("mean child RSS end / before", m2 / m1 if m1 else 0))
    harness.shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
