#!/usr/bin/python3
"""Logon helper for bench/forms.sh.

    logon.py authgw    PORT USER PASSWORD PATH EXPECTED_BODY_FILE
    logon.py auth_form PORT USER PASSWORD PATH EXPECTED_BODY_FILE
    logon.py check     PORT PATH EXPECTED_BODY_FILE [COOKIE]

Logs on once (authgw: GET the form, POST the credentials with its CSRF
token and the AuthGWPre cookie; auth_form: POST to mod_auth_form's
form-login-handler), checks that PATH is refused without the cookie and
served (200, the backend's exact body) with it, and prints the Cookie header
value to use ("Name=value").  'check' only checks that PATH answers 200 with
the expected body.  Exits non-zero, with the reason on stderr, when any step
fails.
"""
import http.client
import re
import sys
import urllib.parse

HOST = "127.0.0.1"


def die(msg):
    sys.stderr.write("logon.py: %s\n" % msg)
    sys.exit(1)


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp.getheaders(), data
    finally:
        conn.close()


def set_cookies(headers):
    """name -> value of the Set-Cookie headers of a response."""
    out = {}
    for k, v in headers:
        if k.lower() == "set-cookie":
            pair = v.split(";", 1)[0]
            if "=" in pair:
                name, value = pair.split("=", 1)
                out[name.strip()] = value.strip()
    return out


def expect_served(port, path, expected, cookie=None):
    headers = {"Cookie": cookie} if cookie else {}
    status, _, body = request(port, "GET", path, headers=headers)
    if status != 200:
        die("GET %s on port %s with %s gave %s, not 200"
            % (path, port, "the cookie" if cookie else "no cookie", status))
    if body != expected:
        die("GET %s on port %s: the body is not the backend's file (%d bytes,"
            " expected %d)" % (path, port, len(body), len(expected)))


def expect_refused(port, path, ok_statuses):
    status, _, _ = request(port, "GET", path)
    if status not in ok_statuses:
        die("GET %s on port %s without a cookie gave %s; expected one of %s"
            " (is authentication configured?)" % (path, port, status,
                                                  ok_statuses))


def logon_authgw(port, user, password, path):
    q = urllib.parse.urlencode({"return": path})
    status, headers, body = request(port, "GET", "/.authgw/logon?" + q)
    if status != 200:
        die("GET /.authgw/logon gave %s, not 200" % status)
    pre = set_cookies(headers).get("AuthGWPre")
    if not pre:
        die("GET /.authgw/logon set no AuthGWPre cookie")
    m = re.search(rb'name="csrf_token" value="([^"]*)"', body)
    if not m or not m.group(1):
        die("the logon page carries no csrf_token")
    form = urllib.parse.urlencode({
        "username": user, "password": password, "return": path,
        "csrf_token": m.group(1).decode()})
    status, headers, _ = request(
        port, "POST", "/.authgw/logon", body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Cookie": "AuthGWPre=" + pre})
    session = set_cookies(headers).get("AuthGWSession")
    if status != 302 or not session:
        die("POST /.authgw/logon gave %s%s; expected 302 with an"
            " AuthGWSession cookie" % (status, "" if session else ", no cookie"))
    return "AuthGWSession=" + session


def logon_auth_form(port, user, password, path):
    form = urllib.parse.urlencode({"httpd_username": user,
                                   "httpd_password": password,
                                   "httpd_location": path})
    status, headers, _ = request(
        port, "POST", "/dologin", body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    cookies = set_cookies(headers)
    session = cookies.get("session")
    if status not in (302, 303) or not session:
        die("POST /dologin gave %s with cookies %s; expected a redirect with"
            " a 'session' cookie" % (status, sorted(cookies)))
    return "session=" + session


def main(argv):
    if len(argv) >= 4 and argv[0] == "check":
        port, path, expected = argv[1], argv[2], open(argv[3], "rb").read()
        expect_served(port, path, expected, argv[4] if len(argv) > 4 else None)
        return
    if len(argv) != 6 or argv[0] not in ("authgw", "auth_form"):
        die(__doc__)
    kind, port, user, password, path, expected_file = argv
    expected = open(expected_file, "rb").read()
    if kind == "authgw":
        expect_refused(port, path, (302,))
        cookie = logon_authgw(port, user, password, path)
    else:
        expect_refused(port, path, (401,))
        cookie = logon_auth_form(port, user, password, path)
    expect_served(port, path, expected, cookie)
    print(cookie)


if __name__ == "__main__":
    main(sys.argv[1:])
