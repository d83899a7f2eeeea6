"""mod_authgw_delegate (issue 6, first half): what a published server gets
from the gateway, and what the user sees when it asks for credentials.

The published server is a real httpd (a second Httpd instance) with
mod_auth_basic and an htpasswd file of its own; behind it the echo backend
shows what arrived: X-Backend-User is the user the published server
authenticated, and the Authorization header it was given.

  client -> gateway (core, forms, delegate) -> published httpd -> echo

Run: /usr/bin/python3 -m pytest -q test/integration/test_delegate.py
"""

import base64
import re
import threading
import urllib.parse

import pytest
import requests

import harness
from conftest import USERS
from harness import backend_view, header
from harness import basic_authorization as basic
from webclient import Agent, assert_logged_on

MODULES = ("core", "forms", "delegate")

# The gateway checks USERS (alice, bob, from the creds fixture) and carol;
# the published server knows alice and bob with the same passwords, and
# carol with another one, so it refuses what the gateway delegates for her.
CAROL_GW = "C4rol-gateway"
CAROL_PUB = "C4rol-published"
PCUSER = ("pcuser", "91827364")        # the "passcode" of the passcode form

STATUS = """
<Location /server-status>
    SetHandler server-status
    Require ip 127.0.0.1
</Location>
"""


def basic_user(value):
    """The user of an Authorization: Basic value, or None."""
    if not value or not value.startswith("Basic "):
        return None
    return base64.b64decode(value[6:]).decode().split(":", 1)[0]


@pytest.fixture
def published(make_httpd, backend):
    """The published server: /basic needs Basic (realm "published"),
    /nego and /ntlm answer 401 Negotiate and 401 NTLM to everyone, /p407
    answers 407."""
    d = harness.new_dir("published")
    pw = harness.htpasswd(d + "/htpasswd", dict(USERS, carol=CAROL_PUB))
    auth = """
    AuthType Basic
    AuthName "published"
    AuthBasicProvider file
    AuthUserFile %s
    RequestHeader set X-Backend-User "expr=%%{REMOTE_USER}"
""" % pw
    conf = """
<Location /basic>
%(auth)s
    Require valid-user
    ProxyPass http://127.0.0.1:%(echo)d/basic
</Location>
<Location /nego>
    RewriteEngine On
    RewriteRule ^ - [R=401]
    Header always set WWW-Authenticate Negotiate
</Location>
<Location /ntlm>
    RewriteEngine On
    RewriteRule ^ - [R=401]
    Header always set WWW-Authenticate NTLM
</Location>
<Location /p407>
    RewriteEngine On
    RewriteRule ^ - [R=407]
    Header always set Proxy-Authenticate "Basic realm=\\"proxy\\""
</Location>
""" % {"auth": auth, "echo": backend.port}
    h = make_httpd(conf, modules=("rewrite",), name="published")
    h.forbid_in_log(CAROL_PUB, CAROL_GW)
    return h


@pytest.fixture
def gw_users(creds):
    """The gateway's htpasswd: alice, bob, carol, and pcuser's passcode."""
    d = harness.new_dir("gwusers")
    return harness.htpasswd(d + "/htpasswd",
                            dict(USERS, carol=CAROL_GW, **{PCUSER[0]: PCUSER[1]}))


def receipt_lines(receipt, htpasswd):
    """"basic", "form" (htpasswd), or the lines themselves ("AuthType ...")."""
    if receipt.startswith("AuthType"):
        return receipt
    if receipt == "basic":
        return """AuthType Basic
    AuthName "Gateway"
    AuthBasicProvider file
    AuthUserFile %s
    Require valid-user""" % htpasswd
    return """AuthType GatewayForm
    AuthName "Gateway"
    AuthGWFormProvider file
    AuthUserFile %s
    Require valid-user""" % htpasswd


def gateway_conf(secret, htpasswd, target, receipt="form", location_extra="",
                 root_extra="", store="shmcb", path="/app"):
    """AuthType on <Location /> (the logon form lives at /.authgw/), the
    published site under ``path``."""
    return """
AuthGWSecretFile %(secret)s
AuthGWStore %(store)s
<Location />
    %(receipt)s
    %(root_extra)s
</Location>
<Location %(path)s>
    ProxyPass %(target)s
    %(extra)s
</Location>
""" % {"secret": secret, "store": store, "receipt": receipt_lines(receipt, htpasswd),
       "root_extra": root_extra, "path": path, "target": target,
       "extra": location_extra} + STATUS


@pytest.fixture
def make_gw(make_httpd, secret, gw_users):
    def factory(target, receipt="form", location_extra="", modules=MODULES, **kw):
        conf = gateway_conf(secret, gw_users, target, receipt, location_extra, **kw)
        h = make_httpd(conf, modules=modules, name="gateway")
        h.forbid_in_log(CAROL_GW, CAROL_PUB, PCUSER[1])
        return h
    return factory


def counters(httpd):
    r = requests.get(httpd.url("/server-status?auto"), timeout=15)
    assert r.status_code == 200, r.text[:300]
    return {k: int(v) for k, v in re.findall(r"^(AuthGW\w+): (\d+)$", r.text, re.M)}


def form_agent(gw, user, password, return_to="/app/"):
    a = Agent(gw)
    r = a.logon({"username": user, "password": password}, return_to=return_to)
    assert r.status_code == 302 and a.session, r.text[:300]
    return a


# ---------------------------------------------------------------------------
# none (the default)
# ---------------------------------------------------------------------------

FORGED = {
    "X-Remote-User": "mallory",
    "X_Remote_User": "mallory",
    "X-Forwarded-User": "mallory",
    "Proxy-Authorization": basic("mallory", "x"),
}


def test_none_strips_basic_receipt_credentials(make_gw, backend):
    """Under httpd's own AuthType Basic the client's Authorization reached
    the backend before; with the delegation module (default none) nothing
    of the user's credentials, cookies or forged identity gets through."""
    gw = make_gw("http://127.0.0.1:%d/echo" % backend.port, receipt="basic")
    h = dict(FORGED, Authorization=basic("alice", USERS["alice"]),
             Cookie="AuthGWSession=abc; theme=dark; AuthGWPre=def")
    view = backend_view(requests.get(gw.url("/app/x"), headers=h, timeout=15))
    assert view["path"] == "/echo/x"
    for name in ("Authorization", "Proxy-Authorization", "X-Remote-User",
                 "X_Remote_User", "X-Forwarded-User"):
        assert header(view, name) is None, (name, view["headers"])
    assert header(view, "Cookie") == "theme=dark"


def test_none_strips_form_session(make_gw, backend):
    gw = make_gw("http://127.0.0.1:%d/echo" % backend.port)
    a = form_agent(gw, "alice", USERS["alice"])
    view = backend_view(a.get("/app/y", headers=dict(FORGED, Authorization=basic("alice", "x"))))
    assert header(view, "Authorization") is None
    assert header(view, "Cookie") is None, view["headers"]
    assert header(view, "X-Remote-User") is None


def test_none_alert_when_published_server_asks(make_gw, published):
    """The published server wants Basic, the rule delegates nothing: the
    client gets the 401 without a challenge it could not answer, and an
    alert names the location, the server and the scheme."""
    gw = make_gw(published.url("/basic"), receipt="basic")
    r = requests.get(gw.url("/app/doc"), auth=("alice", USERS["alice"]), timeout=15)
    assert r.status_code == 401
    assert "WWW-Authenticate" not in r.headers, r.headers
    log = gw.error_log()
    m = re.search(r"\[authgw_delegate:warn\].*AGW50001: alert: .*", log)
    assert m, log[-2000:]
    line = m.group(0)
    assert published.url("/basic/doc") in line, line
    assert "(401, Basic)" in line and "/app/doc" in line
    assert "AuthGWDelegate is none there (the default)" in line
    assert counters(gw)["AuthGWDelegateErrors"] == 1


def test_none_alert_on_407(make_gw, published):
    gw = make_gw(published.url("/p407"), receipt="basic",
                 location_extra="AuthGWDelegate none")
    r = requests.get(gw.url("/app/"), auth=("bob", USERS["bob"]), timeout=15)
    assert r.status_code == 407
    # (mod_proxy_http drops Proxy-Authenticate itself: a hop-by-hop header)
    assert "Proxy-Authenticate" not in r.headers
    assert re.search(r"AGW50001: alert: .*\(407, no scheme\).*AuthGWDelegate is none"
                     r" there \(<Location /app>\)", gw.error_log())


# ---------------------------------------------------------------------------
# passthrough
# ---------------------------------------------------------------------------

def test_passthrough_challenge_and_authorization_go_through(make_gw, published):
    """The form session is the gateway's; the published server's Basic
    challenge reaches the browser, and the browser's answer reaches it."""
    gw = make_gw(published.url("/basic"), location_extra="AuthGWDelegate passthrough")
    a = form_agent(gw, "alice", USERS["alice"])
    r = a.get("/app/p")
    assert r.status_code == 401
    assert r.headers.get("WWW-Authenticate") == 'Basic realm="published"'
    view = backend_view(a.get("/app/p", headers={
        "Authorization": basic("bob", USERS["bob"]), "X-Remote-User": "mallory"}))
    assert header(view, "X-Backend-User") == "bob"
    assert basic_user(header(view, "Authorization")) == "bob"
    assert header(view, "Cookie") is None, "the session cookie reached the server"
    assert header(view, "X-Remote-User") is None


# ---------------------------------------------------------------------------
# basic
# ---------------------------------------------------------------------------

def test_basic_after_form_logon(make_gw, published):
    gw = make_gw(published.url("/basic"), location_extra="AuthGWDelegate basic")
    a = form_agent(gw, "alice", USERS["alice"])
    view = backend_view(a.get("/app/page", headers={"Authorization": basic("bob", USERS["bob"])}))
    assert header(view, "X-Backend-User") == "alice"
    assert basic_user(header(view, "Authorization")) == "alice"
    c = counters(gw)
    assert c["AuthGWDelegateAttempts"] == 1 and c["AuthGWDelegateSuccesses"] == 1


def test_basic_after_basic_receipt(make_gw, published):
    gw = make_gw(published.url("/basic"), receipt="basic",
                 location_extra="AuthGWDelegate basic")
    r = requests.get(gw.url("/app/b"), auth=("bob", USERS["bob"]), timeout=15)
    view = backend_view(r)
    assert header(view, "X-Backend-User") == "bob"


def test_basic_passcode_password_form_delegates_its_password(make_gw, published):
    """AuthGWFormType passcode-password: the passcode logs on at the
    gateway, the delegation password (and user, when given) reaches the
    published server."""
    gw = make_gw(published.url("/basic"), location_extra="AuthGWDelegate basic",
                 root_extra="AuthGWFormType passcode-password")
    a = Agent(gw)
    r = a.logon({"username": PCUSER[0], "passcode": PCUSER[1],
                 "deleg_username": "alice", "deleg_password": USERS["alice"]},
                return_to="/app/")
    assert r.status_code == 302 and a.session
    view = backend_view(a.get("/app/"))
    assert header(view, "X-Backend-User") == "alice"
    b = Agent(gw)
    r = b.logon({"username": "bob", "passcode": USERS["bob"],
                 "deleg_password": USERS["bob"]}, return_to="/app/")
    assert header(backend_view(b.get("/app/")), "X-Backend-User") == "bob"


def _keepalive_round(gw, sessions, rounds=8):
    """Requests of several users interleaved, each user on a keep-alive
    connection of its own; returns the mismatches."""
    wrong = []
    for i in range(rounds):
        for user, s in sessions.items():
            r = s.get(gw.url("/app/k%d" % i), allow_redirects=False, timeout=15)
            view = backend_view(r)
            seen = (header(view, "X-Backend-User"), basic_user(header(view, "Authorization")))
            if seen != (user, user):
                wrong.append((user, i, seen))
    return wrong


def _backend_reused(published):
    return any(int(k) > 0 for k in re.findall(r"keepalive=(\d+)", published.access_log()))


def test_basic_users_interleaved_on_keepalive(make_gw, published):
    gw = make_gw(published.url("/basic"), location_extra="AuthGWDelegate basic")
    sessions = {}
    for user in ("alice", "bob"):
        a = form_agent(gw, user, USERS[user])
        s = requests.Session()
        s.headers["Cookie"] = "AuthGWSession=" + a.session
        sessions[user] = s
    assert _keepalive_round(gw, sessions) == []
    assert _backend_reused(published), "the gateway never reused a backend connection"


def test_basic_receipt_users_interleaved_on_keepalive(make_gw, published):
    gw = make_gw(published.url("/basic"), receipt="basic",
                 location_extra="AuthGWDelegate basic")
    sessions = {}
    for user in ("alice", "bob"):
        s = requests.Session()
        s.auth = (user, USERS[user])
        sessions[user] = s
    wrong = []
    threads = [threading.Thread(target=lambda: wrong.extend(_keepalive_round(gw, sessions)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_basic_refused_form_session_asks_again(make_gw, published):
    """carol's gateway password is not her published one: the published
    server refuses it, the session ends and the browser goes to the logon
    form, back to where it was."""
    gw = make_gw(published.url("/basic"), location_extra="AuthGWDelegate basic")
    a = form_agent(gw, "carol", CAROL_GW)
    old = a.session
    r = a.get("/app/doc?x=1")
    assert r.status_code == 302, (r.status_code, r.text[:300])
    loc = urllib.parse.urlsplit(r.headers["Location"])
    assert loc.path == "/.authgw/logon"
    assert urllib.parse.parse_qs(loc.query)["return"] == ["/app/doc?x=1"]
    assert "WWW-Authenticate" not in r.headers
    assert a.session is None, "the session cookie was not deleted"
    # the old cookie no longer opens a session
    r = requests.get(gw.url("/app/doc"), headers={"Cookie": "AuthGWSession=" + old},
                     allow_redirects=False, timeout=15)
    assert harness.is_logon_redirect(r)
    assert re.search(r"AGW50006: the published server .* refused the delegated"
                     r" credentials of user 'carol'", gw.error_log())
    assert counters(gw)["AuthGWDelegateFailures"] == 1


def test_basic_refused_basic_receipt_asks_again(make_gw, published):
    gw = make_gw(published.url("/basic"), receipt="basic",
                 location_extra="AuthGWDelegate basic")
    r = requests.get(gw.url("/app/c"), auth=("carol", CAROL_GW), timeout=15)
    assert r.status_code == 401
    # the gateway's own challenge, not the published server's
    assert r.headers.get("WWW-Authenticate") == 'Basic realm="Gateway", charset="UTF-8"'
    assert "AGW50007" in gw.error_log()


def test_basic_after_forms_basic_fallback(make_gw, published):
    """AuthGWFormBasicFallback (python-requests is one of its clients): the
    Basic credentials it checked are the ones delegated; a refusal is its
    Basic challenge again."""
    gw = make_gw(published.url("/basic"), location_extra="AuthGWDelegate basic",
                 root_extra="AuthGWFormBasicFallback On")
    view = backend_view(requests.get(gw.url("/app/f"), auth=("bob", USERS["bob"]),
                                     timeout=15))
    assert header(view, "X-Backend-User") == "bob"
    assert header(view, "Cookie") is None
    r = requests.get(gw.url("/app/f"), auth=("carol", CAROL_GW), timeout=15)
    assert r.status_code == 401
    assert r.headers.get("WWW-Authenticate") == 'Basic realm="Gateway", charset="UTF-8"'


@pytest.mark.parametrize("scheme", ["Negotiate", "NTLM"])
def test_basic_other_scheme_is_an_alert(make_gw, published, scheme):
    """The server asks for another scheme than the Basic it was sent: the
    alert (a warning and AuthGWDelegateErrors), not a refusal."""
    path = {"Negotiate": "/nego", "NTLM": "/ntlm"}[scheme]
    gw = make_gw(published.url(path), location_extra="AuthGWDelegate basic")
    a = form_agent(gw, "alice", USERS["alice"])
    r = a.get("/app/n")
    assert r.status_code == 401 and "WWW-Authenticate" not in r.headers
    assert a.session, "an alert must not end the session"
    assert re.search(r"\[authgw_delegate:warn\].*AGW50001: alert: .*\(401, %s\)"
                     r".*AuthGWDelegate is basic there \(<Location /app>\)" % scheme,
                     gw.error_log())
    c = counters(gw)
    assert (c["AuthGWDelegateAttempts"], c["AuthGWDelegateErrors"],
            c["AuthGWDelegateFailures"]) == (1, 1, 0), c


def test_store_dump_holds_no_password(make_httpd, secret, gw_users, published,
                                      redis_server):
    """The password kept for delegation is sealed under a key that only the
    client's cookie carries: every value in the store, read raw, holds no
    password in any spelling, and delegation still works."""
    conf = gateway_conf(secret, gw_users, published.url("/basic"),
                        location_extra="AuthGWDelegate basic",
                        store="redis:127.0.0.1:%d" % redis_server.port)
    gw = make_httpd(conf, modules=MODULES + ("socache_redis",), name="gateway")
    a = form_agent(gw, "alice", USERS["alice"])
    assert header(backend_view(a.get("/app/")), "X-Backend-User") == "alice"
    b = form_agent(gw, "bob", USERS["bob"])
    assert header(backend_view(b.get("/app/")), "X-Backend-User") == "bob"
    values = list(redis_server.dump().values())
    assert len([v for v in values if v]) >= 2
    assert_no_password(values, [("alice", USERS["alice"]), ("bob", USERS["bob"])])


def assert_no_password(values, users):
    """No value of a store dump holds a password in any spelling."""
    for user, pw in users:
        for spelling in (pw.encode(), pw.encode("utf-16-le"),
                         base64.b64encode(pw.encode()),
                         base64.b64encode(("%s:%s" % (user, pw)).encode())):
            assert not any(spelling in v for v in values if v), spelling


# ---------------------------------------------------------------------------
# AuthGWDelegateHeader
# ---------------------------------------------------------------------------

def test_identity_header_replaces_forged(make_gw, backend):
    gw = make_gw("http://127.0.0.1:%d/echo" % backend.port,
                 location_extra="AuthGWDelegateHeader X-Employee")
    a = form_agent(gw, "bob", USERS["bob"])
    view = backend_view(a.get("/app/", headers={"X-Employee": "mallory",
                                                "X_Employee": "mallory"}))
    assert header(view, "X-Employee") == "bob"
    assert header(view, "X_Employee") is None


def test_identity_header_without_user_is_removed(make_httpd, secret, backend):
    conf = """
AuthGWSecretFile %s
<Location /open>
    ProxyPass http://127.0.0.1:%d/echo
    AuthGWDelegateHeader X-Employee
</Location>
""" % (secret, backend.port)
    gw = make_httpd(conf, modules=MODULES)
    view = backend_view(requests.get(gw.url("/open"), headers={"X-Employee": "mallory"},
                                     timeout=15))
    assert header(view, "X-Employee") is None


# ---------------------------------------------------------------------------
# httpd -t
# ---------------------------------------------------------------------------

def _configtest(make_httpd, secret, htpasswd, conf_body, modules=MODULES):
    h = make_httpd("AuthGWSecretFile %s\n" % secret + conf_body % {"pw": htpasswd},
                   modules=modules, start=False)
    return h.configtest()


REFUSED = [
    ("ntlm", """
<Location />
    AuthType NTLM
    AuthGWNTLMValidator file:/etc/hostname
    Require valid-user
</Location>
<Location /app>
    ProxyPass http://127.0.0.1:9/
    AuthGWDelegate basic
</Location>""", ("AuthGWDelegate basic (<Location /app>)", "AuthType NTLM", "kcd"),
     MODULES + ("ntlm",)),
    ("passcode", """
<Location />
    AuthType GatewayForm
    AuthGWFormType passcode
    AuthUserFile %(pw)s
    Require valid-user
</Location>
<Location /app>
    AuthGWDelegate basic
    ProxyPass http://127.0.0.1:9/
</Location>""", ("AuthGWDelegate basic", "AuthGWFormType passcode", "kcd"), MODULES),
    ("otp", """
<Location /app>
    AuthType Basic
    AuthName x
    AuthBasicProvider radius
    AuthGWRadiusOTP On
    Require valid-user
    ProxyPass http://127.0.0.1:9/
    AuthGWDelegate basic
</Location>""", ("AuthGWDelegate basic", "AuthType Basic and AuthGWRadiusOTP On", "kcd"),
     MODULES + ("radius",)),
    ("no-receipt", """
<Location /app>
    ProxyPass http://127.0.0.1:9/
    AuthGWDelegate basic
</Location>""", ("AuthGWDelegate basic in <Location /app> has no receipt",), MODULES),
    ("proxy-section", """
<Proxy http://127.0.0.1:9/>
    AuthType Negotiate
    Require valid-user
    AuthGWDelegate basic
</Proxy>
ProxyPass /app http://127.0.0.1:9/""", ("AuthGWDelegate basic (<Proxy http://127.0.0.1:9/>)",
                                         "AuthType Negotiate"), MODULES + ("ntlm",)),
    ("kcd", """
<Location /app>
    AuthGWDelegate kcd
</Location>""", ("AuthGWDelegate kcd in <Location /app> has no receipt",), MODULES),
    ("header", """
<Location /app>
    AuthGWDelegateHeader Authorization
</Location>""", ("AuthGWDelegateHeader: 'Authorization'",), MODULES),
    ("securid-password-form", """
<Location />
    AuthType GatewayForm
    AuthUserFile %(pw)s
    Require valid-user
</Location>
<Location /app>
    ProxyPass http://127.0.0.1:9/
    AuthGWDelegate securid
</Location>""", ("AuthGWDelegate securid (<Location /app>) cannot work with AuthType"
                 " GatewayForm with AuthGWFormType password", "kcd"), MODULES),
    ("securid-no-receipt", """
<Location /app>
    AuthGWDelegate securid
</Location>""", ("AuthGWDelegate securid in <Location /app> has no receipt",), MODULES),
    ("securid-gateway-cookie", """
<Location /app>
    AuthGWDelegateSecurIDCookie rsa-local AuthGWSession
</Location>""", ("AuthGWDelegateSecurIDCookie: 'AuthGWSession' is the gateway's own",),
     MODULES),
    ("securid-not-a-name", """
<Location /app>
    AuthGWDelegateSecurIDCookie "rsa local"
</Location>""", ("AuthGWDelegateSecurIDCookie: 'rsa local' is not a cookie name",),
     MODULES),
]


@pytest.mark.parametrize("name,conf,expect,modules", REFUSED, ids=[c[0] for c in REFUSED])
def test_configtest_refuses(make_httpd, secret, gw_users, name, conf, expect, modules):
    rc, out = _configtest(make_httpd, secret, gw_users, conf, modules)
    assert rc != 0, out
    for e in expect:
        assert e in out, out


ACCEPTED = [
    ("form-password", "", "AuthGWDelegate basic"),
    ("passcode-password", "AuthGWFormType passcode-password", "AuthGWDelegate basic"),
    ("otp-passcode-password", "AuthGWFormType passcode-password\n    AuthGWRadiusOTP On",
     "AuthGWDelegate basic"),
    ("ntlm-passthrough", "AuthType NTLM\n    AuthGWNTLMValidator file:/etc/hostname",
     "AuthGWDelegate passthrough"),
]


@pytest.mark.parametrize("name,root,app", ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_configtest_accepts(make_httpd, secret, gw_users, name, root, app):
    conf = gateway_conf(secret, gw_users, "http://127.0.0.1:9/", location_extra=app,
                        root_extra=root)
    h = make_httpd(conf, modules=MODULES + ("ntlm", "radius"), start=False)
    rc, out = h.configtest()
    assert rc == 0, out


# ---------------------------------------------------------------------------
# sessions from before delegation
# ---------------------------------------------------------------------------

def _seal(secret_line, purpose, plaintext):
    """The cookie sealing of common/agw_seal.c, from the secret file's line:
    HKDF-SHA256 key id and key, AES-256-GCM over purpose NUL || header."""
    import os
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    def hkdf(info, n):
        return HKDF(hashes.SHA256(), n, b"authgw key derivation v1",
                    info).derive(secret_line.encode())
    hdr = b"\x01" + hkdf(b"id", 4)
    nonce = os.urandom(12)
    ct = AESGCM(hkdf(b"enc", 32)).encrypt(nonce, plaintext,
                                          purpose.encode() + b"\0" + hdr)
    return base64.urlsafe_b64encode(hdr + nonce + ct).rstrip(b"=").decode()


def _record_v2(user, now):
    import struct

    def lv(b):
        return struct.pack(">H", len(b)) + b
    return (b"\x02" + struct.pack(">QQQI", now, now, now + 3600, 0)
            + lv(user.encode()) + lv(b"form") + lv(b""))


def test_session_from_before_delegation_still_opens(make_httpd, gw_users,
                                                     published, redis_server):
    """A cookie that carries the session id alone and a version-2 record (as
    written before delegation existed, e.g. by another node of a farm) still
    log the user on; basic delegation then has no password to send, says so,
    and the server's refusal is an alert, not a logon loop."""
    import os
    import time
    d = harness.new_dir("secret")
    line = harness.secret_file(d + "/secret", 1)[0]
    conf = gateway_conf(d + "/secret", gw_users, published.url("/basic"),
                        location_extra="AuthGWDelegate basic",
                        store="redis:127.0.0.1:%d" % redis_server.port)
    gw = make_httpd(conf, modules=MODULES + ("socache_redis",), name="gateway")
    # mod_socache_redis's key: its prefix, then our "S:" + id in hex
    sid = os.urandom(32)
    key = b"authgw:" + (b"S:" + sid).hex().encode()
    redis_server.command("SET", key, _record_v2("alice", int(time.time())))
    cookie = _seal(line, "authgw session cookie v1", sid)
    gw.forbid_in_log(cookie)
    r = requests.get(gw.url("/app/old"), headers={"Cookie": "AuthGWSession=" + cookie},
                     allow_redirects=False, timeout=15)
    assert r.status_code == 401, (r.status_code, r.headers.get("Location"))
    assert "WWW-Authenticate" not in r.headers
    log = gw.error_log()
    assert re.search(r"AGW50004: AuthGWDelegate basic .* no password of user 'alice'", log), log[-1500:]
    assert "AGW50001" in log and "AGW50006" not in log
