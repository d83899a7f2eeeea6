"""A browser-like client for the forms logon: keeps cookies by name and path,
reads the logon form and posts it with its CSRF token, and the assertions
every forms test makes about what a user sees."""

import email.utils
import http.cookiejar
import re
import time
import urllib.parse

import requests
import requests.adapters

from harness import backend_view, header, page_text, parse_forms, set_cookies


# ---------------------------------------------------------------------------
# a browser-like client
# ---------------------------------------------------------------------------

class SourceAddressAdapter(requests.adapters.HTTPAdapter):
    """Connects from a given local address (127.0.0.2 is another client)."""

    def __init__(self, source, **kw):
        self.source = source
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kw):
        kw["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kw)


def _path_matches(path, cookie_path):
    if not cookie_path or cookie_path == "/":
        return True
    return path == cookie_path.rstrip("/") or \
        path.startswith(cookie_path if cookie_path.endswith("/") else cookie_path + "/")


class Agent:
    """Keeps cookies by name and path like a browser, one new connection
    per request (so requests spread over httpd's children), optionally
    from another loopback source address."""

    def __init__(self, httpd, source=None):
        self.httpd = httpd
        self.source = source
        self.cookies = {}

    def request(self, method, path, fields=None, headers=None, auth=None):
        s = requests.Session()
        s.trust_env = False
        s.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        if self.source:
            s.mount("http://", SourceAddressAdapter(self.source))
        h = {"Connection": "close"}
        h.update(headers or {})
        p = urllib.parse.urlsplit(path).path
        ck = "; ".join("%s=%s" % (n, v) for n, (v, cp) in self.cookies.items()
                       if _path_matches(p, cp))
        if ck:
            h["Cookie"] = ck
        data = None
        if fields is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
            data = urllib.parse.urlencode(fields)
        try:
            r = s.request(method, self.httpd.url(path), data=data, headers=h,
                          allow_redirects=False, timeout=20, auth=auth)
        finally:
            s.close()
        for c in set_cookies(r):
            if not c["value"] or c["value"] == '""' or cookie_expired(c):
                self.cookies.pop(c["name"], None)
            else:
                self.cookies[c["name"]] = (c["value"], c["attrs"].get("path", "/"))
                if c["name"] == "AuthGWSession":
                    self.httpd.forbid_in_log(c["value"])
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    @property
    def session(self):
        v = self.cookies.get("AuthGWSession")
        return v[0] if v else None

    def logon_page(self, return_to="/"):
        r = self.get("/.authgw/logon?return=" + urllib.parse.quote(return_to, safe="/"))
        assert r.status_code == 200, "logon page: %d %s" % (r.status_code, r.text[:300])
        form = form_for(r.text, "/.authgw/logon")
        assert form is not None, "no logon form: " + r.text[:500]
        return form

    def logon(self, fields, return_to="/", form=None):
        """GET the form (unless given), POST it with ``fields`` plus its
        return and csrf_token; the POST's response."""
        form = form or self.logon_page(return_to)
        body = {"return": form["inputs"].get("return", {}).get("value", return_to),
                "csrf_token": form["inputs"].get("csrf_token", {}).get("value", "")}
        body.update(fields)
        return self.request("POST", "/.authgw/logon", fields=body)

    def answer(self, challenge_resp, response, csrf=None, extra=None):
        """POSTs the challenge page's form with ``response``."""
        form = challenge_form(challenge_resp)
        body = {"response": response,
                "challenge": form["inputs"]["challenge"]["value"],
                "csrf_token": form["inputs"]["csrf_token"]["value"] if csrf is None else csrf}
        body.update(extra or {})
        return self.request("POST", "/.authgw/challenge", fields=body)


def cookie_expired(c):
    """A Set-Cookie (harness.set_cookies) that deletes the cookie."""
    a = c["attrs"]
    if "max-age" in a:
        try:
            return int(a["max-age"]) <= 0
        except ValueError:
            return False
    if "expires" in a:
        try:
            return email.utils.parsedate_to_datetime(a["expires"]).timestamp() < time.time()
        except (TypeError, ValueError):
            return False
    return False


def form_for(text, action_path):
    for f in parse_forms(text):
        if f["action"] and urllib.parse.urlsplit(f["action"]).path == action_path:
            return f
    return None


def resolve(httpd, resp):
    return urllib.parse.urljoin(httpd.url("/.authgw/logon"), resp.headers.get("Location", ""))


def assert_logged_on(httpd, agent, resp, return_to="/", user=None):
    """302 to the return address with a session that reaches the backend as
    ``user``."""
    assert resp.status_code == 302, "logon failed: %d %s" % (
        resp.status_code, page_text(resp.text)[:400])
    assert resolve(httpd, resp) == httpd.url(return_to), resp.headers.get("Location")
    assert agent.session, "no AuthGWSession cookie: %r" % resp.headers.get("Set-Cookie")
    if user is not None:
        view = backend_view(agent.get(return_to))
        assert header(view, "X-Remote-User") == user, view["headers"]


def assert_no_session(resp):
    for c in set_cookies(resp):
        if c["name"] == "AuthGWSession":
            assert c["value"] in ("", '""') or cookie_expired(c), \
                "a session cookie was issued: " + c["raw"]


def assert_refused_form(resp):
    """The logon failed the ordinary way: the form again (200), no session."""
    assert resp.status_code == 200, "expected the form again (200), got %d: %s" % (
        resp.status_code, page_text(resp.text)[:300])
    assert_no_session(resp)
    assert form_for(resp.text, "/.authgw/logon") is not None, \
        "no logon form after a failure: " + resp.text[:400]


def challenge_form(resp):
    """The challenge page's form, checked against the contract."""
    assert resp.status_code == 200, "expected the challenge page (200), got %d: %s" % (
        resp.status_code, page_text(resp.text)[:300])
    assert resp.headers.get("Content-Type", "").startswith("text/html"), \
        resp.headers.get("Content-Type")
    assert re.search(r'<form\s+method="post"\s+action="/\.authgw/challenge"\s*>', resp.text), \
        "no <form method=\"post\" action=\"/.authgw/challenge\"> in: " + resp.text[:800]
    form = form_for(resp.text, "/.authgw/challenge")
    assert form is not None and form["method"] == "post", resp.text[:800]
    inputs = form["inputs"]
    assert "response" in inputs, "no field 'response': %r" % inputs
    for hidden in ("challenge", "csrf_token"):
        assert inputs.get(hidden, {}).get("type") == "hidden", \
            "no hidden field %r: %r" % (hidden, inputs)
        assert inputs[hidden]["value"], "empty hidden field %r" % hidden
    return form
