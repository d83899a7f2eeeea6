"""GatewayForm (mod_authgw_forms + mod_authgw_core) against a real httpd and
the echo backend: what a user and the published server see.

The numbers in the docstrings refer to the items of the forms contract
(logon flow, CSRF, return URL, authz, logoff, time-outs, bad cookies and key
rotation, bodies, reserved paths, header stripping, configtest, children).
"""

import http.client
import os
import re
import time
import urllib.parse

import pytest
import requests

import harness
from harness import (backend_view, get, get_logon_page, get_set_cookie,
                     header, logon, post_logon, set_cookies)
from webclient import cookie_expired

ALICE = ("alice", "Al1ce-pass")
BOB = ("bob", "B0b-pass")

# Error-level lines our modules may write when a test feeds bad input on
# purpose (bad password, forged cookie, CSRF, malformed body).
CLIENT_ERROR_LINES = r"AGW\d+"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def no_store(resp):
    return "no-store" in resp.headers.get("Cache-Control", "").lower()


def assert_logon_redirect(resp, original=None):
    """302 to /.authgw/logon?return=<original>, not cacheable."""
    assert resp.status_code == 302, "expected 302 to logon, got %d: %s" % (
        resp.status_code, resp.text[:300])
    loc = resp.headers.get("Location", "")
    parts = urllib.parse.urlsplit(loc)
    assert parts.path == "/.authgw/logon", loc
    assert no_store(resp), resp.headers.get("Cache-Control")
    if original is not None:
        raw = [v for k, v in (p.partition("=")[::2] for p in parts.query.split("&"))
               if k == "return"]
        assert len(raw) == 1, "one return parameter expected in %r" % loc
        # percent-encoded: the original's own ? & # and spaces never appear raw
        assert not re.search(r"[?&#\s]", raw[0]), loc
        assert urllib.parse.unquote(raw[0]) == original, loc


def assert_no_session(resp):
    """No usable AuthGWSession cookie was issued (clearing one is fine)."""
    for c in set_cookies(resp):
        if c["name"] == "AuthGWSession":
            assert c["value"] in ("", '""') or cookie_expired(c), \
                "a session cookie was issued: " + c["raw"]


def assert_is_form(resp):
    assert resp.headers.get("Content-Type", "").startswith("text/html"), \
        resp.headers.get("Content-Type")
    assert harness.logon_form(resp.text) is not None, \
        "no logon form in the page: " + resp.text[:400]


def resolve(httpd, resp):
    """The absolute URL a browser goes to after a redirect from /.authgw/logon."""
    return urllib.parse.urljoin(httpd.url("/.authgw/logon"), resp.headers["Location"])


def do_logon(httpd, user=ALICE, return_to="/"):
    """Logs on and checks it worked; returns the session cookie value."""
    lg = logon(httpd.base_url, user[0], user[1], return_to=return_to)
    assert lg.resp.status_code == 302, "logon of %s failed: %d %s" % (
        user[0], lg.resp.status_code, harness.page_text(lg.resp.text)[:300])
    assert lg.cookie, "no AuthGWSession cookie after a good logon: %r" % (
        lg.resp.headers.get("Set-Cookie"))
    httpd.forbid_in_log(lg.cookie)
    return lg.cookie


class Browser:
    """Keeps the newest AuthGWSession cookie, as a browser does."""

    def __init__(self, httpd, cookie):
        self.httpd = httpd
        self.cookie = cookie

    def get(self, path, **kw):
        r = get(self.httpd.url(path), session=self.cookie, **kw)
        c = get_set_cookie(r, "AuthGWSession")
        if c is not None and c["value"] and not cookie_expired(c):
            self.cookie = c["value"]
            self.httpd.forbid_in_log(c["value"])
        return r


def fresh_fields(httpd, user=ALICE, return_to="/"):
    """A fresh logon page: (fields for a good POST, pre-logon cookie)."""
    page = get_logon_page(httpd.base_url, return_to)
    assert page.resp.status_code == 200 and page.csrf and page.pre_cookie, \
        "no usable logon page: %d %s" % (page.resp.status_code, page.resp.text[:300])
    return ({"username": user[0], "password": user[1], "return": return_to,
             "csrf_token": page.csrf}, page.pre_cookie)


# ---------------------------------------------------------------------------
# 1. unauthenticated requests
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/app/page?x=1", "/app/page?x=1&y=2", "/",
                                  "/app/deep/er/index.html"])
def test_unauthenticated_get_redirects_to_logon(make_gateway, backend, path):
    httpd = make_gateway()
    r = get(httpd.url(path))
    assert_logon_redirect(r, original=path)
    assert backend.requests == [], "the backend was reached without a session"


@pytest.mark.parametrize("method", ["POST", "HEAD", "DELETE"])
def test_unauthenticated_other_methods_never_reach_backend(make_gateway, backend, method):
    httpd = make_gateway()
    r = requests.request(method, httpd.url("/app/page"), data="a=b" if method == "POST" else None,
                         allow_redirects=False, timeout=15)
    assert r.status_code in (302, 401, 403), r.status_code
    assert backend.requests == []


# ---------------------------------------------------------------------------
# 2. the logon form
# ---------------------------------------------------------------------------

def test_logon_form(make_gateway):
    httpd = make_gateway()
    r = requests.get(httpd.url("/.authgw/logon?return=/app/page%3Fx%3D1"),
                     allow_redirects=False, timeout=15)
    assert r.status_code == 200, r.status_code
    assert r.headers.get("Content-Type", "").startswith("text/html")
    assert no_store(r), r.headers.get("Cache-Control")
    form = harness.logon_form(r.text)
    assert form is not None, r.text[:500]
    assert form["method"] == "post"
    assert form["action"] == "/.authgw/logon"
    inputs = form["inputs"]
    assert inputs.get("username", {}).get("type") in ("text", "email"), inputs
    assert inputs.get("password", {}).get("type") == "password", inputs
    assert inputs.get("return", {}).get("type") == "hidden", inputs
    assert inputs["return"]["value"] == "/app/page?x=1"
    assert inputs.get("csrf_token", {}).get("type") == "hidden", inputs
    assert len(inputs["csrf_token"]["value"]) >= 16
    assert form["buttons"], "the form has no submit button"
    pre = get_set_cookie(r, "AuthGWPre")
    assert pre is not None and pre["value"], "no AuthGWPre cookie"
    assert pre["attrs"].get("httponly") is True, pre["raw"]
    assert str(pre["attrs"].get("samesite", "")).lower() == "lax", pre["raw"]
    assert pre["attrs"].get("path") in ("/.authgw/", "/.authgw"), pre["raw"]
    assert "secure" not in pre["attrs"], "Secure over plain http: " + pre["raw"]
    assert get_set_cookie(r, "AuthGWSession") is None


def test_logon_form_tokens_differ_per_visit(make_gateway):
    httpd = make_gateway()
    a = get_logon_page(httpd.base_url, "/")
    b = get_logon_page(httpd.base_url, "/")
    assert a.csrf and b.csrf and a.csrf != b.csrf
    assert a.pre_cookie and b.pre_cookie and a.pre_cookie != b.pre_cookie


@pytest.mark.parametrize("value", ['/app/"><script>alert(1)</script>',
                                   "/app/?q=<x>&a='1'", "/app/a'b\"c"])
def test_logon_form_escapes_return(make_gateway, value):
    """A same-origin return with HTML specials is kept in the hidden field,
    HTML-escaped: the markup never breaks out of the attribute."""
    httpd = make_gateway()
    page = get_logon_page(httpd.base_url, value)
    assert page.resp.status_code == 200
    text = page.resp.text
    assert "<script>alert(1)</script>" not in text
    assert '"><script' not in text and "<x>" not in text
    assert page.form is not None
    assert page.return_value == value, page.return_value
    field = re.search(r'<input[^>]*name="return"[^>]*>', text)
    assert field, text[:500]
    attr = re.search(r'value=(["\'])(.*?)\1', field.group(0))
    assert attr, field.group(0)
    for ch in "<>" + attr.group(1):
        assert ch not in attr.group(2), "unescaped %r in %s" % (ch, field.group(0))
    if "&" in value:
        assert "&amp;" in attr.group(2), field.group(0)


def test_redirect_then_form_carries_return(make_gateway):
    """Following the 302 of step 1 gives a form whose hidden return is the
    original path and query."""
    httpd = make_gateway()
    r = get(httpd.url("/app/page?x=1&y=2"))
    assert_logon_redirect(r, "/app/page?x=1&y=2")
    r2 = requests.get(resolve(httpd, r), allow_redirects=False, timeout=15)
    assert r2.status_code == 200
    form = harness.logon_form(r2.text)
    assert form is not None
    assert form["inputs"]["return"]["value"] == "/app/page?x=1&y=2"


# ---------------------------------------------------------------------------
# 3. a good logon
# ---------------------------------------------------------------------------

def test_logon_and_reach_backend(make_gateway, backend):
    httpd = make_gateway()
    r = get(httpd.url("/app/page?x=1"))
    assert_logon_redirect(r, "/app/page?x=1")
    page = harness.LogonPage(requests.get(resolve(httpd, r), allow_redirects=False, timeout=15))
    assert page.form is not None and page.csrf and page.pre_cookie
    fields = {"username": "alice", "password": "Al1ce-pass",
              "return": page.return_value, "csrf_token": page.csrf}
    resp = post_logon(httpd.base_url, fields, pre_cookie=page.pre_cookie)
    assert resp.status_code == 302, harness.page_text(resp.text)[:300]
    assert resolve(httpd, resp) == httpd.url("/app/page?x=1")
    c = get_set_cookie(resp, "AuthGWSession")
    assert c is not None and c["value"], resp.headers.get("Set-Cookie")
    httpd.forbid_in_log(c["value"])
    assert c["attrs"].get("path") == "/", c["raw"]
    assert c["attrs"].get("httponly") is True, c["raw"]
    assert str(c["attrs"].get("samesite", "")).lower() == "lax", c["raw"]
    assert "secure" not in c["attrs"], "Secure cookie over plain http: " + c["raw"]
    assert "domain" not in c["attrs"], "Domain without AuthGWSSODomain: " + c["raw"]
    assert backend.requests == []
    view = backend_view(get(httpd.url("/app/page?x=1"), session=c["value"]))
    assert view["path"] == "/app/page?x=1"
    assert header(view, "X-Remote-User") == "alice"


def test_logon_without_return_goes_to_root(make_gateway, backend):
    httpd = make_gateway()
    fields, pre = fresh_fields(httpd)
    del fields["return"]
    r = post_logon(httpd.base_url, fields, pre_cookie=pre)
    assert r.status_code == 302
    assert resolve(httpd, r) == httpd.url("/")
    c = get_set_cookie(r, "AuthGWSession")
    assert c and c["value"]
    httpd.forbid_in_log(c["value"])


def test_sso_domain_sets_cookie_domain(make_gateway):
    httpd = make_gateway(server_extra="AuthGWSSODomain .example.com")
    lg = logon(httpd.base_url, *ALICE, headers={"Host": "gw.example.com"})
    assert lg.resp.status_code == 302, harness.page_text(lg.resp.text)[:300]
    assert lg.cookie
    httpd.forbid_in_log(lg.cookie)
    assert lg.cookie_attrs.get("domain", "").lstrip(".") == "example.com", lg.resp.headers
    assert lg.cookie_attrs.get("path") == "/"


def test_session_is_per_user(make_gateway, backend):
    httpd = make_gateway()
    a = do_logon(httpd, ALICE)
    b = do_logon(httpd, BOB)
    assert a != b
    assert header(backend_view(get(httpd.url("/x"), session=a)), "X-Remote-User") == "alice"
    assert header(backend_view(get(httpd.url("/x"), session=b)), "X-Remote-User") == "bob"


# ---------------------------------------------------------------------------
# 4. bad credentials
# ---------------------------------------------------------------------------

def _normalise(text, username):
    text = re.sub(r'value="[^"]*"', 'value=""', text)      # tokens, username echo
    text = text.replace(username, "USER")
    return harness.page_text(text)


def test_bad_credentials_generic_message(make_gateway, backend):
    httpd = make_gateway()
    httpd.expect_errors(CLIENT_ERROR_LINES)
    fresh = get_logon_page(httpd.base_url, "/")
    pages = {}
    for label, user, pw in (("wrong-password", "alice", "not-her-password"),
                            ("unknown-user", "nosuchuser", "Al1ce-pass"),
                            ("empty-password", "alice", "")):
        fields, pre = fresh_fields(httpd, (user, pw))
        r = post_logon(httpd.base_url, fields, pre_cookie=pre)
        assert r.status_code == 200, "%s: %d" % (label, r.status_code)
        assert_is_form(r)
        assert_no_session(r)
        pages[label] = _normalise(r.text, user)
    assert pages["wrong-password"] == pages["unknown-user"], \
        "the page tells a wrong password from an unknown user:\n%s\n---\n%s" % (
            pages["wrong-password"], pages["unknown-user"])
    assert pages["wrong-password"] != _normalise(fresh.resp.text, "alice"), \
        "no message on a failed logon"
    low = pages["wrong-password"].lower()
    for leak in ("unknown user", "no such user", "user not found", "does not exist",
                 "wrong password", "incorrect password", "invalid password",
                 "password is wrong", "bad password"):
        assert leak not in low, "the message names the field: %r" % leak
    assert backend.requests == []


def test_retry_after_bad_password(make_gateway, backend):
    """The form shown after a failure can be used to log on."""
    httpd = make_gateway()
    httpd.expect_errors(CLIENT_ERROR_LINES)
    fields, pre = fresh_fields(httpd, ("alice", "typo"), return_to="/app/r")
    r = post_logon(httpd.base_url, fields, pre_cookie=pre)
    assert r.status_code == 200
    page = harness.LogonPage(r)
    assert page.form is not None and page.csrf
    pre2 = page.pre_cookie or pre
    again = {"username": "alice", "password": "Al1ce-pass",
             "return": page.return_value, "csrf_token": page.csrf}
    r2 = post_logon(httpd.base_url, again, pre_cookie=pre2)
    assert r2.status_code == 302, harness.page_text(r2.text)[:300]
    assert resolve(httpd, r2) == httpd.url("/app/r")
    c = get_set_cookie(r2, "AuthGWSession")
    assert c and c["value"]
    httpd.forbid_in_log(c["value"])


# ---------------------------------------------------------------------------
# 5. CSRF
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["missing-token", "empty-token", "wrong-token",
                                  "no-pre-cookie", "token-of-other-pre-cookie",
                                  "pre-cookie-as-token"])
def test_csrf_refused(make_gateway, backend, case):
    httpd = make_gateway()
    httpd.expect_errors(CLIENT_ERROR_LINES)
    fields, pre = fresh_fields(httpd)
    if case == "missing-token":
        del fields["csrf_token"]
    elif case == "empty-token":
        fields["csrf_token"] = ""
    elif case == "wrong-token":
        fields["csrf_token"] = _flip(fields["csrf_token"], len(fields["csrf_token"]) // 2)
    elif case == "no-pre-cookie":
        pre = None
    elif case == "token-of-other-pre-cookie":
        other_fields, _ = fresh_fields(httpd)
        fields["csrf_token"] = other_fields["csrf_token"]
    elif case == "pre-cookie-as-token":
        fields["csrf_token"] = pre
    r = post_logon(httpd.base_url, fields, pre_cookie=pre)
    assert r.status_code == 403, "%s: got %d" % (case, r.status_code)
    assert_is_form(r)
    assert_no_session(r)
    assert backend.requests == []


# ---------------------------------------------------------------------------
# 6. return URL
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "https://other.example/", "//other.example/", "/\\other.example",
    "\\\\other.example", "javascript:alert(1)", "http://other/", "%2F%2Fother",
    "/app\r\nSet-Cookie: evil=1", "/app\nX-Evil: 1", "/app\rX", "",
    "HTTP://other.example/", " //other.example/", "/\t/other.example",
])
def test_return_offsite_goes_to_root(make_gateway, value):
    httpd = make_gateway()
    fields, pre = fresh_fields(httpd)
    fields["return"] = value
    r = post_logon(httpd.base_url, fields, pre_cookie=pre)
    assert r.status_code == 302, "%r: %d" % (value, r.status_code)
    assert resolve(httpd, r) == httpd.url("/"), "return %r -> Location %r" % (
        value, r.headers.get("Location"))
    assert all(c["name"] != "evil" for c in set_cookies(r))
    assert "X-Evil" not in r.headers
    c = get_set_cookie(r, "AuthGWSession")
    assert c and c["value"], "a good logon with an odd return still logs on"
    httpd.forbid_in_log(c["value"])


@pytest.mark.parametrize("value", ["/app/x?y=1", "/app/x?y=1&z=%2F2", "/a/b/c.html"])
def test_return_same_origin_kept(make_gateway, value):
    httpd = make_gateway()
    fields, pre = fresh_fields(httpd, return_to=value)
    r = post_logon(httpd.base_url, fields, pre_cookie=pre)
    assert r.status_code == 302
    assert resolve(httpd, r) == httpd.url(value), r.headers.get("Location")
    c = get_set_cookie(r, "AuthGWSession")
    assert c and c["value"]
    httpd.forbid_in_log(c["value"])


# ---------------------------------------------------------------------------
# 7. authorization
# ---------------------------------------------------------------------------

def _bob_is_refused(httpd, backend, statuses):
    """bob's credentials are right, but authz refuses him: whether the refusal
    comes at the logon POST or at the first request, he gets one of
    ``statuses`` and never reaches the backend."""
    fields, pre = fresh_fields(httpd, BOB, return_to="/app/")
    r = post_logon(httpd.base_url, fields, pre_cookie=pre)
    c = get_set_cookie(r, "AuthGWSession")
    if c and c["value"] and not cookie_expired(c):
        httpd.forbid_in_log(c["value"])
        r = get(httpd.url("/app/"), session=c["value"])
    assert r.status_code in statuses, "bob got %d %s" % (r.status_code, r.headers)
    assert all(header(v, "X-Remote-User") == "alice" for v in backend.requests), \
        "bob reached the backend"


def test_require_user_forbidden(make_gateway, backend):
    httpd = make_gateway(require="user alice",
                         location_extra="AuthzSendForbiddenOnFailure On")
    httpd.expect_errors(CLIENT_ERROR_LINES)
    alice = do_logon(httpd, ALICE)
    assert header(backend_view(get(httpd.url("/app/"), session=alice)),
                  "X-Remote-User") == "alice"
    _bob_is_refused(httpd, backend, (403,))


def test_require_user_default_status(make_gateway, backend):
    httpd = make_gateway(require="user alice")
    httpd.expect_errors(CLIENT_ERROR_LINES)
    alice = do_logon(httpd, ALICE)
    assert header(backend_view(get(httpd.url("/app/"), session=alice)),
                  "X-Remote-User") == "alice"
    _bob_is_refused(httpd, backend, (401, 403))


# ---------------------------------------------------------------------------
# 8. logoff
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "POST"])
def test_logoff_ends_session(make_gateway, backend, method):
    httpd = make_gateway()
    cookie = do_logon(httpd)
    assert header(backend_view(get(httpd.url("/app/"), session=cookie)),
                  "X-Remote-User") == "alice"
    r = requests.request(method, httpd.url("/.authgw/logoff"),
                         headers={"Cookie": "AuthGWSession=" + cookie},
                         allow_redirects=False, timeout=15)
    assert r.status_code == 200, r.status_code
    assert r.headers.get("Content-Type", "").startswith("text/html")
    c = get_set_cookie(r, "AuthGWSession")
    assert c is not None, "logoff does not clear the cookie"
    assert cookie_expired(c), "the clearing cookie does not expire: " + c["raw"]
    assert c["attrs"].get("path") == "/", "must clear the cookie at its own path: " + c["raw"]
    # the old cookie is dead on the server
    r = get(httpd.url("/app/page"), session=cookie)
    assert_logon_redirect(r, "/app/page")
    assert len(backend.requests) == 1


def test_logoff_without_session(make_gateway):
    httpd = make_gateway()
    r = requests.get(httpd.url("/.authgw/logoff"), allow_redirects=False, timeout=15)
    assert r.status_code == 200


def test_logoff_ends_only_that_session(make_gateway, backend):
    httpd = make_gateway()
    one = do_logon(httpd)
    two = do_logon(httpd)
    r = requests.get(httpd.url("/.authgw/logoff"),
                     headers={"Cookie": "AuthGWSession=" + one},
                     allow_redirects=False, timeout=15)
    assert r.status_code == 200
    assert_logon_redirect(get(httpd.url("/x"), session=one))
    assert header(backend_view(get(httpd.url("/x"), session=two)), "X-Remote-User") == "alice"


# ---------------------------------------------------------------------------
# 9. time-outs
# ---------------------------------------------------------------------------

def test_idle_timeout(make_gateway, backend):
    httpd = make_gateway(server_extra="AuthGWSessionIdle 2\nAuthGWSessionLifetime 600")
    b = Browser(httpd, do_logon(httpd))
    t0 = time.time()
    while time.time() - t0 < 4.5:          # used all the time: stays alive past 2 s
        backend_view(b.get("/app/busy"))
        time.sleep(0.7)
    time.sleep(3.5)                        # idle: gone
    assert_logon_redirect(b.get("/app/idle"), "/app/idle")


def test_lifetime(make_gateway, backend):
    httpd = make_gateway(server_extra="AuthGWSessionIdle 600\nAuthGWSessionLifetime 3")
    b = Browser(httpd, do_logon(httpd))
    t0 = time.time()
    backend_view(b.get("/app/0"))
    last = None
    while time.time() - t0 < 5.5:
        time.sleep(0.9)
        last = b.get("/app/n")
        if time.time() - t0 < 1.8:
            backend_view(last)             # well inside the lifetime
    assert_logon_redirect(last, "/app/n")


# ---------------------------------------------------------------------------
# 10. bad cookies and keys
# ---------------------------------------------------------------------------

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _flip(s, i):
    """Changes the top bit of the 6-bit value of base64url character i, so
    that even the last character (whose low bits may be padding) decodes to
    different bytes."""
    if s[i] in _B64:
        c = _B64[_B64.index(s[i]) ^ 0x20]
    else:
        c = "A"
    return s[:i] + c + s[i + 1:]


@pytest.mark.parametrize("case", ["tampered-middle", "tampered-first", "tampered-last",
                                  "truncated", "one-char-short", "empty", "garbage",
                                  "huge", "doubled", "nul-ish", "pre-cookie", "csrf-token"])
def test_bad_cookie_is_no_session(make_gateway, backend, case):
    httpd = make_gateway()
    httpd.expect_errors(CLIENT_ERROR_LINES)
    good = do_logon(httpd)
    page = get_logon_page(httpd.base_url, "/")
    bad = {
        "tampered-middle": _flip(good, len(good) // 2),
        "tampered-first": _flip(good, 0),
        "tampered-last": _flip(good, len(good) - 1),
        "truncated": good[:len(good) // 2],
        "one-char-short": good[:-1],
        "empty": "",
        "garbage": "!!not*base64$$",
        "huge": "A" * 6000,
        "doubled": good + good,
        "nul-ish": good[:10] + "%00" + good[10:],
        "pre-cookie": page.pre_cookie or "x",
        "csrf-token": page.csrf or "x",
    }[case]
    assert bad != good
    r = get(httpd.url("/app/bad"), session=bad)
    assert_logon_redirect(r, "/app/bad")
    assert backend.requests == []
    # and the server is still fine for the real cookie
    assert header(backend_view(get(httpd.url("/app/ok"), session=good)),
                  "X-Remote-User") == "alice"


def _store(request, store, conf):
    """conf with the session store switched to a shared Redis when store ==
    "redis"; returns (conf, modules)."""
    if store == "redis":
        redis = request.getfixturevalue("redis_server")
        return (conf.replace("AuthGWStore shmcb", "AuthGWStore redis:127.0.0.1:%d" % redis.port),
                ("core", "forms", "socache_redis"))
    return conf, ("core", "forms")


@pytest.mark.parametrize("store", ["shmcb", "redis"])
def test_cookie_from_other_key_is_no_session(make_httpd, backend, creds, request, store):
    """A cookie sealed by another gateway with another key is no session.
    With a shared Redis store the session record exists for both gateways,
    so only the key can refuse it (with shmcb the stores differ as well)."""
    from conftest import gateway_conf
    d = harness.new_dir("secret")
    s1, s2 = os.path.join(d, "one"), os.path.join(d, "two")
    harness.secret_file(s1, 1)
    harness.secret_file(s2, 1)
    conf1, mods = _store(request, store, gateway_conf(backend.port, creds.path, s1))
    conf2, _ = _store(request, store, gateway_conf(backend.port, creds.path, s2))
    first = make_httpd(conf1, modules=mods, name="first")
    first.expect_errors(CLIENT_ERROR_LINES)
    second = make_httpd(conf2, modules=mods, name="second")
    foreign = do_logon(second)
    assert header(backend_view(get(second.url("/x"), session=foreign)),
                  "X-Remote-User") == "alice"
    backend.clear()
    assert_logon_redirect(get(first.url("/x"), session=foreign), "/x")
    assert backend.requests == []
    if store == "redis":
        # control: with the same key the shared store does make it a session
        same = make_httpd(conf2, modules=mods, name="same-key")
        assert header(backend_view(get(same.url("/x"), session=foreign)),
                      "X-Remote-User") == "alice"


@pytest.mark.parametrize("store", ["shmcb", "redis"])
def test_key_rotation(make_httpd, backend, creds, request, store):
    """[K1] -> [K2, K1]: the old cookie still works, new ones are sealed with
    K2; -> [K2]: the old cookie is dead.

    shmcb: keys are reloaded by a graceful restart (apachectl graceful, what
    an administrator does); the session records must survive it.  redis: a
    full stop and start (the records live in Redis)."""
    from conftest import gateway_conf
    d = harness.new_dir("secret")
    path = os.path.join(d, "secret")
    k1, k2 = harness.new_key(), harness.new_key()
    harness.secret_file(path, [k1])
    conf, mods = _store(request, store, gateway_conf(backend.port, creds.path, path))
    httpd = make_httpd(conf, modules=mods)
    reload = httpd.restart if store == "redis" else httpd.graceful
    httpd.expect_errors(CLIENT_ERROR_LINES)
    old = do_logon(httpd)
    assert header(backend_view(get(httpd.url("/x"), session=old)), "X-Remote-User") == "alice"

    harness.secret_file(path, [k2, k1])
    reload()
    r = get(httpd.url("/x"), session=old)
    assert r.status_code == 200, (
        "the K1 cookie died when K2 was added (%d %s): was the session record "
        "lost in the %s restart, or the key?" % (r.status_code, r.headers.get("Location"),
                                                  "graceful" if store == "shmcb" else "full"))
    assert header(backend_view(r), "X-Remote-User") == "alice"
    new = do_logon(httpd)
    assert header(backend_view(get(httpd.url("/x"), session=new)), "X-Remote-User") == "alice"

    harness.secret_file(path, [k2])
    reload()
    assert_logon_redirect(get(httpd.url("/x"), session=old), "/x")
    assert header(backend_view(get(httpd.url("/x"), session=new)), "X-Remote-User") == "alice", \
        "a cookie sealed after the rotation must be sealed with K2"


def test_key_rotation_new_cookies_not_sealed_with_old_key(make_httpd, backend, creds, request):
    """With [K2, K1], a fresh logon must not be opened by a gateway holding
    only [K1]: proof that the first line seals.  Both gateways share one
    Redis store, so only the key decides."""
    from conftest import gateway_conf
    d = harness.new_dir("secret")
    k1, k2 = harness.new_key(), harness.new_key()
    both, only1 = os.path.join(d, "both"), os.path.join(d, "only1")
    harness.secret_file(both, [k2, k1])
    harness.secret_file(only1, [k1])
    conf_a, mods = _store(request, "redis", gateway_conf(backend.port, creds.path, both))
    conf_b, _ = _store(request, "redis", gateway_conf(backend.port, creds.path, only1))
    a = make_httpd(conf_a, modules=mods, name="k2k1")
    b = make_httpd(conf_b, modules=mods, name="k1")
    b.expect_errors(CLIENT_ERROR_LINES)
    cookie = do_logon(a)
    assert_logon_redirect(get(b.url("/x"), session=cookie), "/x")
    # control: a cookie sealed by b (K1) opens at a, which still holds K1
    old = do_logon(b)
    assert header(backend_view(get(a.url("/x"), session=old)), "X-Remote-User") == "alice"


# ---------------------------------------------------------------------------
# 11. bodies
# ---------------------------------------------------------------------------

def _raw_post(httpd, body, pre, content_type="application/x-www-form-urlencoded"):
    h = {"Cookie": "AuthGWPre=" + pre}
    if content_type is not None:
        h["Content-Type"] = content_type
    return requests.post(httpd.url("/.authgw/logon"), data=body, headers=h,
                         allow_redirects=False, timeout=15)


def _enc(fields):
    return urllib.parse.urlencode(fields)


@pytest.mark.parametrize("case", [
    "too-large", "bad-escape", "lone-percent", "percent-one-digit", "1000-fields",
    "json-type", "text-plain", "multipart", "no-content-type", "decoded-nul",
    "duplicate-username",
])
def test_bad_body_400(make_gateway, backend, case):
    httpd = make_gateway()
    httpd.expect_errors(CLIENT_ERROR_LINES)
    fields, pre = fresh_fields(httpd)
    good = _enc(fields)
    ctype = "application/x-www-form-urlencoded"
    if case == "too-large":
        body = good + "&pad=" + "a" * 9000
    elif case == "bad-escape":
        body = good + "&x=%zz"
    elif case == "lone-percent":
        body = good + "&x=%"
    elif case == "percent-one-digit":
        body = good + "&x=%4"
    elif case == "1000-fields":
        body = good + "".join("&f%d=" % i for i in range(1000))
        assert len(body) < 8192
    elif case == "json-type":
        body, ctype = good, "application/json"
    elif case == "text-plain":
        body, ctype = good, "text/plain"
    elif case == "multipart":
        body, ctype = good, "multipart/form-data; boundary=xyz"
    elif case == "no-content-type":
        body, ctype = good, None
    elif case == "decoded-nul":
        body = good.replace("username=alice", "username=alice%00bob")
    elif case == "duplicate-username":
        body = good + "&username=bob"
    r = _raw_post(httpd, body, pre, ctype)
    assert r.status_code == 400, "%s: got %d" % (case, r.status_code)
    assert_no_session(r)
    assert backend.requests == []


def test_field_without_equals_is_no_password(make_gateway, backend):
    """'password' without '=' is at most an empty password: never a session."""
    httpd = make_gateway()
    httpd.expect_errors(CLIENT_ERROR_LINES)
    fields, pre = fresh_fields(httpd)
    del fields["password"]
    r = _raw_post(httpd, _enc(fields) + "&password", pre)
    assert r.status_code in (200, 400), r.status_code
    assert_no_session(r)


def test_field_without_equals_elsewhere_is_harmless(make_gateway, backend):
    httpd = make_gateway()
    fields, pre = fresh_fields(httpd)
    r = _raw_post(httpd, _enc(fields) + "&flag", pre)
    assert r.status_code in (302, 400), r.status_code
    if r.status_code == 302:
        c = get_set_cookie(r, "AuthGWSession")
        assert c and c["value"]
        httpd.forbid_in_log(c["value"])


def test_body_at_limit_is_accepted(make_gateway):
    """8192 bytes exactly (AuthGWFormMaxBody default) is still a logon."""
    httpd = make_gateway()
    fields, pre = fresh_fields(httpd)
    good = _enc(fields) + "&pad="
    body = good + "a" * (8192 - len(good))
    assert len(body) == 8192
    r = _raw_post(httpd, body, pre)
    assert r.status_code == 302, r.status_code
    c = get_set_cookie(r, "AuthGWSession")
    assert c and c["value"]
    httpd.forbid_in_log(c["value"])


def test_form_max_body_directive(make_gateway, backend):
    httpd = make_gateway(location_extra="AuthGWFormMaxBody 1024",
                         server_extra="")
    httpd.expect_errors(CLIENT_ERROR_LINES)
    fields, pre = fresh_fields(httpd)
    r = _raw_post(httpd, _enc(fields) + "&pad=" + "a" * 1100, pre)
    assert r.status_code == 400, r.status_code
    assert_no_session(r)


def test_form_content_type_with_charset(make_gateway):
    httpd = make_gateway()
    fields, pre = fresh_fields(httpd)
    r = _raw_post(httpd, _enc(fields), pre,
                  "application/x-www-form-urlencoded; charset=UTF-8")
    assert r.status_code == 302, r.status_code
    c = get_set_cookie(r, "AuthGWSession")
    assert c and c["value"]
    httpd.forbid_in_log(c["value"])


# ---------------------------------------------------------------------------
# 12. reserved paths
# ---------------------------------------------------------------------------

def test_reserved_unknown_is_404(make_gateway, backend):
    httpd = make_gateway()
    assert requests.get(httpd.url("/.authgw/nothing"), allow_redirects=False,
                        timeout=15).status_code == 404
    cookie = do_logon(httpd)
    assert get(httpd.url("/.authgw/nothing"), session=cookie).status_code == 404
    assert backend.requests == []


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_logon_wrong_method_405(make_gateway, backend, method):
    httpd = make_gateway()
    r = requests.request(method, httpd.url("/.authgw/logon"), data="x=1",
                         allow_redirects=False, timeout=15)
    assert r.status_code == 405, r.status_code
    # RFC 9110 15.5.6: a 405 lists the methods the resource supports
    allow = {m.strip().upper() for m in r.headers.get("Allow", "").split(",")}
    assert {"GET", "POST"} <= allow, "Allow: %r" % r.headers.get("Allow")
    assert method not in allow
    assert backend.requests == []


def raw_get(httpd, path, headers=None):
    """GET with the path exactly as given (no client-side normalisation)."""
    c = http.client.HTTPConnection("127.0.0.1", httpd.port, timeout=15)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


@pytest.mark.parametrize("path", ["/.authgw/nothing", "//.authgw/nothing",
                                  "/%2Eauthgw/nothing", "/%2eauthgw/logoff",
                                  "/./.authgw/nothing", "/x/../.authgw/nothing",
                                  "/.authgw/logon/extra", "/.authgw/"])
def test_reserved_paths_never_proxied(make_gateway, backend, path):
    """With a session, every spelling of a reserved path stays on the
    gateway (the backend fixture also checks this after every test)."""
    httpd = make_gateway()
    cookie = do_logon(httpd)
    status, headers, body = raw_get(httpd, path, {"Cookie": "AuthGWSession=" + cookie})
    assert status < 500, (path, status)
    ctype = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    assert not ctype.startswith("application/json"), \
        "%s was proxied: %r" % (path, body[:200])


# ---------------------------------------------------------------------------
# 13. what the backend never receives
# ---------------------------------------------------------------------------

SPOOFED = {
    "Authorization": "Basic YWxpY2U6QWwxY2UtcGFzcw==",
    "Proxy-Authorization": "Basic Ym9iOkIwYi1wYXNz",
    "X-Remote-User": "mallory",
    "Remote-User": "mallory",
    "X-Forwarded-User": "mallory",
    "X-Authenticated-User": "mallory",
    "X-User": "mallory",
}


@pytest.mark.parametrize("remote_user_header", [True, False],
                         ids=["with-RequestHeader", "without-RequestHeader"])
def test_backend_never_sees_credentials(make_gateway, backend, remote_user_header):
    httpd = make_gateway(remote_user_header=remote_user_header)
    cookie = do_logon(httpd)
    page = get_logon_page(httpd.base_url, "/")
    h = dict(SPOOFED)
    h["Cookie"] = "theme=dark; AuthGWSession=%s; AuthGWPre=%s; lang=en" % (
        cookie, page.pre_cookie)
    view = backend_view(requests.get(httpd.url("/app/h"), headers=h,
                                     allow_redirects=False, timeout=15))
    for name in ("Authorization", "Proxy-Authorization", "Remote-User",
                 "X-Forwarded-User", "X-Authenticated-User", "X-User"):
        assert header(view, name) is None, "%s reached the backend: %r" % (
            name, header(view, name))
    xru = header(view, "X-Remote-User")
    if remote_user_header:
        assert xru == "alice", xru
    else:
        assert xru is None, "client's X-Remote-User reached the backend: %r" % xru
    cookies = header(view, "Cookie") or ""
    names = [c.strip().split("=", 1)[0] for c in cookies.split(";") if c.strip()]
    assert "AuthGWSession" not in names and "AuthGWPre" not in names, cookies
    assert cookie not in cookies
    assert "theme" in names and "lang" in names, cookies
    assert "theme=dark" in cookies


def test_backend_cookie_header_dropped_when_only_ours(make_gateway, backend):
    httpd = make_gateway()
    cookie = do_logon(httpd)
    view = backend_view(get(httpd.url("/app/c"), session=cookie))
    cookies = header(view, "Cookie")
    assert not cookies or "AuthGWSession" not in cookies, cookies


def test_backend_never_sees_credentials_with_delegate_module(make_gateway, backend):
    """The same with mod_authgw_delegate loaded (AuthGWDelegate none by
    default)."""
    if harness.missing_modules(["delegate"]):
        pytest.skip("mod_authgw_delegate not built")
    httpd = make_gateway(modules=("core", "forms", "delegate"))
    cookie = do_logon(httpd)
    h = dict(SPOOFED)
    h["Cookie"] = "theme=dark; AuthGWSession=" + cookie
    view = backend_view(requests.get(httpd.url("/app/h"), headers=h,
                                     allow_redirects=False, timeout=15))
    for name in ("Authorization", "Proxy-Authorization", "Remote-User",
                 "X-Forwarded-User", "X-Authenticated-User", "X-User"):
        assert header(view, name) is None, name
    assert header(view, "X-Remote-User") == "alice"
    assert "AuthGWSession" not in (header(view, "Cookie") or "")


# ---------------------------------------------------------------------------
# 14. configtest
# ---------------------------------------------------------------------------

def _configtest(make_httpd, backend, creds, secret, server_extra):
    from conftest import gateway_conf
    h = make_httpd(gateway_conf(backend.port, creds.path, secret, server_extra=server_extra),
                   start=False)
    return h.configtest()


def test_configtest_ok(make_httpd, backend, creds, secret):
    rc, out = _configtest(make_httpd, backend, creds, secret,
                          "AuthGWSSODomain .example.com")
    assert rc == 0, out


def test_configtest_missing_secret_file(make_httpd, backend, creds):
    rc, out = _configtest(make_httpd, backend, creds, "/nonexistent/authgw/secret", "")
    assert rc != 0, out
    assert "AuthGWSecretFile" in out, out


def test_configtest_short_secret(make_httpd, backend, creds):
    d = harness.new_dir("secret")
    path = harness.write_file(os.path.join(d, "short"), "tooshort\n", 0o640)
    rc, out = _configtest(make_httpd, backend, creds, path, "")
    assert rc != 0, out
    assert "AuthGWSecretFile" in out, out


def test_configtest_empty_secret(make_httpd, backend, creds):
    d = harness.new_dir("secret")
    path = harness.write_file(os.path.join(d, "empty"), "", 0o640)
    rc, out = _configtest(make_httpd, backend, creds, path, "")
    assert rc != 0, out
    assert "AuthGWSecretFile" in out, out


@pytest.mark.parametrize("domain", ["com", ".com", ".co.uk", "co.uk"])
def test_configtest_public_suffix_sso_domain(make_httpd, backend, creds, secret, domain):
    rc, out = _configtest(make_httpd, backend, creds, secret, "AuthGWSSODomain " + domain)
    assert rc != 0, "%s accepted: %s" % (domain, out)
    assert "AuthGWSSODomain" in out, out


# ---------------------------------------------------------------------------
# 15. children share sessions
# ---------------------------------------------------------------------------

def test_session_shared_between_children(make_gateway, backend):
    """One cookie, 20 requests on new connections: all reach the backend as
    alice, and they were served by more than one child process (the logon
    ran in one of them), so the session store is shared."""
    httpd = make_gateway()
    cookie = do_logon(httpd)
    for i in range(20):
        r = get(httpd.url("/app/n%d" % i), session=cookie)   # a new connection each
        assert header(backend_view(r), "X-Remote-User") == "alice", i
    served = set(re.findall(r'"GET /app/n\d+ HTTP/1\.1" 200 .* pid=(\d+)',
                            httpd.access_log()))
    extra = 0
    while len(served) < 2 and extra < 60:      # the kernel chose one child: insist
        r = get(httpd.url("/app/m%d" % extra), session=cookie)
        assert header(backend_view(r), "X-Remote-User") == "alice", extra
        extra += 1
        served = set(re.findall(r'"GET /app/[nm]\d+ HTTP/1\.1" 200 .* pid=(\d+)',
                                httpd.access_log()))
    assert len(served) >= 2, "all requests hit one child (%r): nothing was proved" % served
