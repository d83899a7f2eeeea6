"""What an administrator reads in the logs.

- The access log: the request notes authgw-method and authgw-validator, in a
  LogFormat of the administrator's (as docs/troubleshooting.md shows), for
  every receipt: form logon, SSO cookie, Basic fallback, NTLM.
- The error log: one line per failed logon, with the user name, the client's
  address and a reason code, in every receipt.
- The suite-wide secret check (harness.SECRETS): a password registered by
  any test is found in any httpd's logs, so the check is real.
"""

import os
import re
import time

import harness
from harness import backend_view, header
from test_ntlm import curl, hash_file
from webclient import Agent

NOTES_FORMAT = ('LogFormat "%u|%{authgw-method}n|%{authgw-validator}n|'
                '%{authgw-failopen}n|%m %U" gwnotes\n'
                'CustomLog "{dir}/notes.log" gwnotes\n')
BASIC_UA = {"User-Agent": "lg-basic-client/2"}
LG_USERS = {"lg_ntlm": "Lg-Ntlm-pass1"}


def notes_lines(h, expect=()):
    """The access log's lines once those in ``expect`` are there: httpd
    writes a request's line after the client has its answer."""
    deadline = time.monotonic() + 10
    while True:
        with open(os.path.join(h.dir, "notes.log")) as f:
            lines = [line.rstrip("\n") for line in f]
        if all(e in lines for e in expect) or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def forms_gateway(make_gateway):
    return make_gateway(server_extra=NOTES_FORMAT,
                        location_extra="AuthGWFormBasicFallback On\n"
                                       "    AuthGWFormBasicAgents lg-basic-client")


def test_access_log_shows_method_and_validator(make_gateway, backend):
    h = forms_gateway(make_gateway)
    a = Agent(h)
    r = a.logon({"username": "alice", "password": "Al1ce-pass"}, return_to="/in")
    assert r.status_code == 302
    assert header(backend_view(a.get("/in")), "X-Remote-User") == "alice"
    r = Agent(h).get("/b", headers=BASIC_UA, auth=("bob", "B0b-pass"))
    assert header(backend_view(r), "X-Remote-User") == "bob"
    lines = notes_lines(h, ("alice|form|file|-|POST /.authgw/logon",
                            "alice|cookie|-|-|GET /in", "bob|basic|file|-|GET /b"))
    assert "alice|form|file|-|POST /.authgw/logon" in lines, lines
    assert "alice|cookie|-|-|GET /in" in lines, lines
    assert "bob|basic|file|-|GET /b" in lines, lines


def test_access_log_ntlm(make_httpd, backend):
    d = harness.new_dir("lg-ntlm")
    hashes = hash_file(os.path.join(d, "nthash"), LG_USERS)
    h = make_httpd(NOTES_FORMAT + """
<Location />
    AuthType NTLM
    AuthName "gw"
    AuthGWNTLMValidator file:%s
    Require valid-user
    ProxyPass http://127.0.0.1:%d/
</Location>
""" % (hashes, backend.port), modules=("core", "ntlm"))
    h.forbid_in_log(*LG_USERS.values())
    code, _, _, err = curl("--ntlm", "-u", "lg_ntlm:" + LG_USERS["lg_ntlm"],
                           h.url("/n"))
    assert code == 200, err
    lines = notes_lines(h, ("lg_ntlm|ntlm|file|-|GET /n",))
    assert "lg_ntlm|ntlm|file|-|GET /n" in lines, lines


FAILED = re.compile(r"AGW(\d+): failed \S+ logon: user '([^']*)' from "
                    r"127\.0\.0\.1, reason ([a-z-]+)|AGW(\d+): logon failed: "
                    r"user '([^']*)' from 127\.0\.0\.1, reason ([a-z-]+)")


def failed_lines(h):
    out = []
    for m in FAILED.finditer(h.error_log()):
        g = m.groups()
        out.append(g[0:3] if g[0] else g[3:6])
    return out


def test_one_line_per_failed_logon_in_every_receipt(make_gateway, make_httpd,
                                                    backend):
    h = forms_gateway(make_gateway)
    h.forbid_in_log("Lg-Wr0ng-1", "Lg-Wr0ng-2", "Lg-Wr0ng-3")
    Agent(h).logon({"username": "alice", "password": "Lg-Wr0ng-1"})
    Agent(h).get("/b", headers=BASIC_UA, auth=("bob", "Lg-Wr0ng-2"))
    Agent(h).logon({"username": "nobody", "password": "Lg-Wr0ng-3"})
    assert failed_lines(h) == [("20019", "alice", "wrong-password"),
                               ("20031", "bob", "wrong-password"),
                               ("20019", "nobody", "unknown-user")]

    d = harness.new_dir("lg-ntlm")
    hashes = hash_file(os.path.join(d, "nthash"), LG_USERS)
    n = make_httpd("""
<Location />
    AuthType NTLM
    AuthName "gw"
    AuthGWNTLMValidator file:%s
    AuthGWNTLMBasicFallback On
    AuthGWNTLMBasicProvider file
    AuthUserFile %s
    Require valid-user
    ProxyPass http://127.0.0.1:%d/
</Location>
""" % (hashes, _htpasswd(d), backend.port),
        modules=("core", "ntlm"))
    n.forbid_in_log("Lg-Wr0ng-4", "Lg-Wr0ng-5")
    code, _, _, _ = curl("--ntlm", "-u", "lg_ntlm:Lg-Wr0ng-4", n.url("/"))
    assert code == 401
    code, _, _, _ = curl("--basic", "-u", "lg_basic:Lg-Wr0ng-5", n.url("/"))
    assert code == 401
    got = failed_lines(n)
    assert any(g[0] == "30014" and g[1].endswith("lg_ntlm")
               and g[2] == "wrong-password" for g in got), got
    assert ("30032", "lg_basic", "wrong-password") in got, got


def _htpasswd(d):
    return harness.htpasswd(os.path.join(d, "htpasswd"), {"lg_basic": "Lg-Basic-ok1"})


def test_secret_check_sees_any_registered_password(backend):
    """A password that another test registered (here: by writing an htpasswd
    file) is found in this httpd's access log, without this test naming
    it: the suite-wide check can fail."""
    d = harness.new_dir("lg-secret")
    harness.htpasswd(os.path.join(d, "htpasswd"), {"lg_x": "Lg-Never-Logged-9"})
    h = harness.Httpd("lg-secret-check", "", modules=("core",))
    try:
        h.start()
        harness.get(h.url("/Lg-Never-Logged-9"))
    finally:
        h.stop()
    problems = h.log_problems()
    assert any("Lg-Nev" in p and "access log" in p for p in problems), problems
    h.cleanup_dir()
    harness.shutil.rmtree(d, ignore_errors=True)
    # the other httpds of the suite must not fail on it
    harness.SECRETS.discard("Lg-Never-Logged-9")
