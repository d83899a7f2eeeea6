"""The logon pages as users see them: the language from Accept-Language or
AuthGWFormLanguage, the small-screen layout by User-Agent, an administrator's
copy of the templates (AuthGWFormTemplates, and what httpd -t refuses), and
AuthGWFormBasicFallback for clients that cannot show a form (real curl
included).  No directory server is needed: the htpasswd file provider checks
the passwords."""

import base64
import json
import os
import re
import shutil
import subprocess

import pytest
import requests

import harness
from conftest import gateway_conf
from harness import backend_view, get, get_logon_page, header, page_text, post_logon

ALICE = ("alice", "Al1ce-pass")
SHIPPED = os.path.join(harness.REPO, "mod_authgw_forms", "templates")

CHROME = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
          " Chrome/126.0.0.0 Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"
          " (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
CURL = "curl/8.5.0"

# Lines our modules write at error level when a test feeds a bad password.
CLIENT_ERRORS = r"AGW\d+"


def page(httpd, lang=None, ua=CHROME, path="/.authgw/logon?return=/app"):
    h = {"User-Agent": ua}
    if lang is not None:
        h["Accept-Language"] = lang
    r = requests.get(httpd.url(path), headers=h, allow_redirects=False, timeout=15)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return r


def html_lang(r):
    m = re.search(r'<html[^>]*\slang="([^"]*)"', r.text)
    return m.group(1) if m else None


def assert_language(r, lang, *words):
    """The page is in lang: header, <html lang>, and words a user reads."""
    assert r.headers.get("Content-Language") == lang, r.headers.get("Content-Language")
    assert html_lang(r) == lang, r.text[:200]
    vary = [v.strip().lower() for v in r.headers.get("Vary", "").split(",")]
    assert "accept-language" in vary and "user-agent" in vary, r.headers.get("Vary")
    text = page_text(r.text)
    for w in words:
        assert w in text, "%r not on the page: %s" % (w, text[:400])


# ---------------------------------------------------------------------------
# languages
# ---------------------------------------------------------------------------

def test_german_form_for_accept_language_de(make_gateway, backend):
    httpd = make_gateway()
    r = page(httpd, "de")
    assert_language(r, "de", "Benutzername", "Kennwort", "Anmelden")
    assert "User name" not in page_text(r.text)
    # and it works: a logon through the German form
    form = harness.logon_form(r.text)
    pre = harness.get_set_cookie(r, "AuthGWPre")["value"]
    fields = {"username": ALICE[0], "password": ALICE[1],
              "return": form["inputs"]["return"]["value"],
              "csrf_token": form["inputs"]["csrf_token"]["value"]}
    resp = post_logon(httpd.base_url, fields, pre_cookie=pre,
                      headers={"Accept-Language": "de"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/app", resp.text[:300]


def test_french_form_for_regional_range_with_q(make_gateway):
    httpd = make_gateway()
    assert_language(page(httpd, "fr-CH;q=0.9"), "fr", "Nom d’utilisateur",
                    "Mot de passe", "Se connecter")
    # the best q wins, wherever it stands in the header
    assert_language(page(httpd, "en;q=0.3, ja, fr;q=0.5, de-AT;q=0.8"), "de",
                    "Benutzername")


@pytest.mark.parametrize("accept", [None, "ja", "zh-CN, ko;q=0.9", "*;q=0",
                                    "de;q=0, fr;q=0", "de;q=5, garbage;;;, ,"])
def test_english_when_no_language_fits(make_gateway, accept):
    httpd = make_gateway()
    assert_language(page(httpd, accept), "en", "User name", "Password")


def test_forced_language(make_gateway):
    httpd = make_gateway(location_extra="AuthGWFormLanguage fr")
    assert_language(page(httpd, "de, en;q=0.5"), "fr", "Mot de passe")
    assert_language(page(httpd, None), "fr", "Mot de passe")


def test_failure_message_in_the_users_language(make_gateway, backend):
    httpd = make_gateway()
    httpd.expect_errors(CLIENT_ERRORS)
    lp = get_logon_page(httpd.base_url, "/", headers={"Accept-Language": "de-DE,de;q=0.9"})
    fields = {"username": "alice", "password": "wrong", "return": "/",
              "csrf_token": lp.csrf}
    r = post_logon(httpd.base_url, fields, pre_cookie=lp.pre_cookie,
                   headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert r.status_code == 200
    assert_language(r, "de", "Benutzername oder Kennwort ist falsch")
    assert re.search(r'class="msg error"[^>]*>Benutzername oder Kennwort', r.text), r.text
    assert backend.requests == []


def test_logged_off_page_in_french(make_gateway):
    httpd = make_gateway()
    r = requests.get(httpd.url("/.authgw/logoff"), headers={"Accept-Language": "fr"},
                     timeout=15)
    assert r.status_code == 200
    assert_language(r, "fr", "Vous êtes déconnecté", "Se reconnecter")


# ---------------------------------------------------------------------------
# small screens
# ---------------------------------------------------------------------------

def body_class(r):
    m = re.search(r'<body class="([^"]*)"', r.text)
    return m.group(1) if m else None


def test_small_screen_layout_for_iphone(make_gateway):
    httpd = make_gateway()
    phone = page(httpd, "de", ua=IPHONE)
    assert body_class(phone) == "small-screen", phone.text[:600]
    assert "viewport-fit=cover" in phone.text
    assert_language(phone, "de", "Benutzername")
    assert harness.logon_form(phone.text) is not None
    desk = page(httpd, "de", ua=CHROME)
    assert body_class(desk) == "large-screen"
    android = page(httpd, ua="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36"
                             " (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36")
    assert body_class(android) == "small-screen"


def test_mobile_agents_directive(make_gateway):
    httpd = make_gateway(location_extra='AuthGWFormMobileAgents "Kiosk Browser"')
    assert body_class(page(httpd, ua="Mozilla/5.0 kiosk browser/2")) == "small-screen"
    assert body_class(page(httpd, ua=IPHONE)) == "large-screen"
    off = make_gateway(location_extra="AuthGWFormMobileAgents none", name="mobile-none")
    assert body_class(page(off, ua=IPHONE)) == "large-screen"


# ---------------------------------------------------------------------------
# an administrator's templates
# ---------------------------------------------------------------------------

def copy_templates():
    d = os.path.join(harness.new_dir("templates"), "authgw-templates")
    shutil.copytree(SHIPPED, d)
    for root, dirs, files in os.walk(d):
        os.chmod(root, 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    return d


def edit(path, old, new):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert old in text, "%r not in %s" % (old, path)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new, 1))


def test_edited_copy_of_the_templates_is_served(make_gateway, backend):
    d = copy_templates()
    edit(os.path.join(d, "layout.html"), "<main>",
         '<main>\n<img class="logo" alt="Contoso" src="data:,">')
    edit(os.path.join(d, "logon-password.html"), "<form ",
         '<p class="hint">{{text.hint}} ({{username}})</p>\n<form ')
    with open(os.path.join(d, "lang", "en.txt"), "a", encoding="utf-8") as f:
        f.write("hint = Use your Contoso account\n")
    with open(os.path.join(d, "lang", "de.txt"), "a", encoding="utf-8") as f:
        f.write("hint = Melden Sie sich mit Ihrem Contoso-Konto an\n")
    edit(os.path.join(d, "lang", "de.txt"), "username = Benutzername",
         "username = Kennung")
    # a language the shipped set lacks; untranslated keys stay English
    harness.write_file(os.path.join(d, "lang", "nl.txt"),
                       "username = Gebruikersnaam\npassword = Wachtwoord\n")
    httpd = make_gateway(location_extra="AuthGWFormTemplates " + d)

    de = page(httpd, "de")
    assert 'class="logo"' in de.text
    assert "img-src data:" in de.headers["Content-Security-Policy"]
    assert_language(de, "de", "Kennung", "Melden Sie sich mit Ihrem Contoso-Konto an")
    nl = page(httpd, "nl-BE, en;q=0.1")
    assert_language(nl, "nl", "Gebruikersnaam", "Wachtwoord", "Use your Contoso account")
    assert "Log on" in page_text(nl.text)  # the button, not translated: English
    # the template does not escape; the module does
    httpd.expect_errors(CLIENT_ERRORS)
    lp = get_logon_page(httpd.base_url, "/")
    r = post_logon(httpd.base_url, {"username": '<b id="x">"', "password": "x",
                                    "return": "/", "csrf_token": lp.csrf},
                   pre_cookie=lp.pre_cookie)
    assert r.status_code == 200
    assert '<b id="x">' not in r.text
    assert "(&lt;b id=&quot;x&quot;&gt;&quot;)" in r.text, r.text
    # the small screen: no mobile/layout.html in the copy, so the large one
    os.remove(os.path.join(d, "mobile", "layout.html"))
    httpd.restart()
    phone = page(httpd, ua=IPHONE)
    assert body_class(phone) == "large-screen" and 'class="logo"' in phone.text


def test_templates_read_once_at_startup(make_gateway):
    """A change to the files needs a restart: requests never read them."""
    d = copy_templates()
    httpd = make_gateway(location_extra="AuthGWFormTemplates " + d)
    edit(os.path.join(d, "lang", "en.txt"), "username = User name",
         "username = Changed on disk")
    assert "User name" in page_text(page(httpd).text)
    httpd.graceful()
    assert "Changed on disk" in page_text(page(httpd).text)


def _break_unknown_placeholder(d):
    edit(os.path.join(d, "logon-password.html"), "{{username}}", "{{usrname}}")
    return ("logon-password.html line 4: unknown placeholder {{usrname}}",)


def _break_empty_placeholder(d):
    edit(os.path.join(d, "logged-off.html"), "</p>", "{{ }}</p>")
    return ("logged-off.html line 1: unknown placeholder {{}}",)


def _break_missing_file(d):
    os.remove(os.path.join(d, "challenge.html"))
    return ("challenge.html is missing",)


def _break_no_csrf(d):
    edit(os.path.join(d, "logon-passcode.html"), "{{csrf_token}}", "")
    return ("logon-passcode.html does not use {{csrf_token}}",)


def _break_no_content(d):
    edit(os.path.join(d, "mobile", "layout.html"), "{{content}}", "")
    return ("mobile/layout.html has no {{content}}",)


def _break_strings_line(d):
    with open(os.path.join(d, "lang", "fr.txt"), "a", encoding="utf-8") as f:
        f.write("a line without an equals sign\n")
    return ("lang/fr.txt line", "not a 'key = value' line")


def _break_typo_key(d):
    edit(os.path.join(d, "lang", "de.txt"), "passcode =", "pascode =")
    return ("lang/de.txt", "'pascode' is not in lang/en.txt")


def _break_missing_english_key(d):
    edit(os.path.join(d, "lang", "en.txt"), "msg.bad_credentials =", "# msg.bad_credentials =")
    return ("lang/en.txt lacks the key 'msg.bad_credentials'",)


def _break_not_utf8(d):
    with open(os.path.join(d, "lang", "de.txt"), "ab") as f:
        f.write(b"title = Anmeld\xfcng\n")
    return ("lang/de.txt", "not UTF-8")


def _break_lang_name(d):
    shutil.copy(os.path.join(d, "lang", "de.txt"), os.path.join(d, "lang", "de_CH.txt"))
    return ("de_CH.txt", "is not a language tag")


@pytest.mark.parametrize("breakage", [
    _break_unknown_placeholder, _break_empty_placeholder, _break_missing_file, _break_no_csrf, _break_no_content,
    _break_strings_line, _break_typo_key, _break_missing_english_key, _break_not_utf8,
    _break_lang_name], ids=lambda f: f.__name__[7:])
def test_broken_templates_refused_by_configtest(make_gateway, breakage):
    d = copy_templates()
    expected = breakage(d)
    httpd = make_gateway(location_extra="AuthGWFormTemplates " + d, start=False)
    rc, out = httpd.configtest()
    assert rc != 0, "httpd -t accepted broken templates:\n" + out
    assert "AuthGWFormTemplates: " + d in out, out
    for e in expected:
        assert e in out, out


def test_configtest_refuses_missing_directory_and_unknown_language(make_gateway):
    httpd = make_gateway(location_extra="AuthGWFormTemplates /nonexistent/tpl", start=False)
    rc, out = httpd.configtest()
    assert rc != 0 and "/nonexistent/tpl is not a directory" in out, out
    httpd.write_conf(httpd.conf_body.replace("AuthGWFormTemplates /nonexistent/tpl",
                                             "AuthGWFormLanguage nl"))
    rc, out = httpd.configtest()
    assert rc != 0 and "AuthGWFormLanguage" in out and "lang/nl.txt" in out, out
    httpd.write_conf(httpd.conf_body.replace("AuthGWFormLanguage nl",
                                             "AuthGWFormLanguage ../x"))
    rc, out = httpd.configtest()
    assert rc != 0 and "not a language tag" in out, out
    # the shipped set itself passes
    httpd.write_conf(httpd.conf_body.replace("AuthGWFormLanguage ../x",
                                             "AuthGWFormTemplates " + SHIPPED +
                                             "\nAuthGWFormLanguage de"))
    rc, out = httpd.configtest()
    assert rc == 0, out


# ---------------------------------------------------------------------------
# Basic fallback
# ---------------------------------------------------------------------------

FALLBACK = "AuthGWFormBasicFallback On"


def basic(user, password):
    raw = ("%s:%s" % (user, password)).encode()
    return "Basic " + base64.b64encode(raw).decode()


def req(httpd, path="/app/data", ua=CURL, auth=None, **kw):
    h = {"User-Agent": ua}
    if auth is not None:
        h["Authorization"] = auth
    return requests.get(httpd.url(path), headers=h, allow_redirects=False, timeout=15, **kw)


def assert_basic_challenge(r):
    assert r.status_code == 401, (r.status_code, r.headers.get("Location"))
    assert r.headers.get("WWW-Authenticate") == 'Basic realm="Example", charset="UTF-8"', \
        r.headers.get("WWW-Authenticate")
    assert "no-store" in r.headers.get("Cache-Control", "")
    assert "Location" not in r.headers


def curl(httpd, *args):
    """Real curl: (status, headers dict lower-case, body)."""
    p = subprocess.run(["curl", "-sS", "-i", "--max-time", "15", *args,
                        httpd.url("/app/data")], capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    while True:  # --anyauth: the 401 comes first
        head, _, body = out.partition(b"\r\n\r\n")
        if not body.startswith(b"HTTP/"):
            break
        out = body
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_gets_basic_and_logs_on_with_u(make_gateway, backend):
    httpd = make_gateway(location_extra=FALLBACK)
    status, hdrs, _ = curl(httpd)
    assert status == 401, hdrs
    assert hdrs.get("www-authenticate", "").startswith('Basic realm="Example"'), hdrs
    assert backend.requests == []
    status, hdrs, body = curl(httpd, "-u", "%s:%s" % ALICE)
    assert status == 200, body[:300]
    view = json.loads(body)
    assert header(view, "X-Remote-User") == "alice"
    assert header(view, "Authorization") is None, view["headers"]
    assert "authgwsession" not in hdrs.get("set-cookie", "").lower()
    # --anyauth: curl finds Basic from the 401 by itself
    status, _, body = curl(httpd, "--anyauth", "-u", "%s:%s" % ALICE)
    assert status == 200 and json.loads(body)["path"] == "/app/data"


def test_basic_client_without_credentials_gets_401(make_gateway, backend):
    httpd = make_gateway(location_extra=FALLBACK)
    for ua in (CURL, "Microsoft Office Word 2014", "Microsoft-WebDAV-MiniRedir/10.0.19045",
               "Apple-iPhone15C2/2105.95", "Outlook-iOS-Android/1.0", "python-requests/2.31"):
        r = req(httpd, ua=ua)
        assert_basic_challenge(r)
        assert "user-agent" in r.headers.get("Vary", "").lower()
    assert backend.requests == []


def test_basic_logon_reaches_backend_without_authorization(make_gateway, backend):
    httpd = make_gateway(location_extra=FALLBACK)
    r = req(httpd, ua="Microsoft-WebDAV-MiniRedir/10.0", auth=basic(*ALICE))
    view = backend_view(r)
    assert header(view, "X-Remote-User") == "alice"
    assert header(view, "Authorization") is None
    assert harness.get_set_cookie(r, "AuthGWSession") is None


def test_wrong_basic_password_gets_401_again(make_gateway, backend):
    httpd = make_gateway(location_extra=FALLBACK)
    httpd.expect_errors(CLIENT_ERRORS)
    httpd.forbid_in_log("Wr0ng-Guess-77")
    for auth in (basic("alice", "Wr0ng-Guess-77"), basic("nosuchuser", "Wr0ng-Guess-77"),
                 basic("alice", "")):
        assert_basic_challenge(req(httpd, auth=auth))
    assert backend.requests == []
    log = httpd.error_log()
    for reason in ("wrong-password", "unknown-user", "empty-or-oversized"):
        assert re.search(r"AGW20031: failed Basic logon: .* reason " + reason, log), log


@pytest.mark.parametrize("auth", [
    "Basic", "Basic ", "Basic !!!notbase64", "Basic YWxpY2U6eA",
    "Basic YWxpY2U6eA=== ", "Basic YWxpY2U=", "Basic OnBhc3M=",
    "Basic " + "A" * 6000,
    "Basic " + base64.b64encode(b"al\x00ice:Al1ce-pass").decode()])
def test_malformed_basic_gets_400(make_gateway, backend, auth):
    httpd = make_gateway(location_extra=FALLBACK)
    r = req(httpd, auth=auth)
    assert r.status_code == 400, r.status_code
    assert backend.requests == []
    assert "AGW20028" in httpd.error_log()


def test_other_scheme_from_basic_client_gets_401(make_gateway, backend):
    httpd = make_gateway(location_extra=FALLBACK)
    assert_basic_challenge(req(httpd, auth="Bearer abc.def"))
    assert_basic_challenge(req(httpd, auth="NTLM TlRMTVNTUAABAAAAB4IIogAAAAA="))


def test_browsers_still_get_the_form(make_gateway, backend):
    httpd = make_gateway(location_extra=FALLBACK)
    for ua in (CHROME, IPHONE):
        r = req(httpd, ua=ua)
        assert r.status_code == 302 and r.headers["Location"].startswith("/.authgw/logon?"), \
            (ua, r.status_code)
        assert "user-agent" in r.headers.get("Vary", "").lower()
        # a browser's Basic header is not what logs it on
        r = req(httpd, ua=ua, auth=basic(*ALICE))
        assert r.status_code == 302
    assert backend.requests == []


def test_fallback_off_curl_gets_the_form(make_gateway, backend):
    httpd = make_gateway()
    r = req(httpd, ua=CURL, auth=basic(*ALICE))
    assert r.status_code == 302 and r.headers["Location"].startswith("/.authgw/logon?")
    assert "WWW-Authenticate" not in r.headers
    assert backend.requests == []


def test_basic_agents_directive_replaces_the_list(make_gateway, backend):
    httpd = make_gateway(location_extra=FALLBACK + '\nAuthGWFormBasicAgents "Sync-Tool/"')
    assert_basic_challenge(req(httpd, ua="Contoso Sync-Tool/3.1"))
    assert backend_view(req(httpd, ua="Contoso Sync-Tool/3.1",
                            auth=basic(*ALICE)))["path"] == "/app/data"
    assert req(httpd, ua=CURL).status_code == 302


def test_basic_session_cookie_still_wins(make_gateway, backend):
    """A client that logged on with the form keeps its session, whatever its
    User-Agent."""
    httpd = make_gateway(location_extra=FALLBACK)
    lg = harness.logon(httpd.base_url, *ALICE)
    assert lg.cookie
    httpd.forbid_in_log(lg.cookie)
    r = get(httpd.url("/app/s"), session=lg.cookie, headers={"User-Agent": CURL})
    assert header(backend_view(r), "X-Remote-User") == "alice"


def test_basic_failures_count_against_flood_limit(make_gateway, backend):
    httpd = make_gateway(location_extra=FALLBACK + "\nAuthGWFloodLimit 3")
    httpd.expect_errors(CLIENT_ERRORS)
    # successes do not count: a WebDAV client makes many requests
    for _ in range(6):
        assert req(httpd, auth=basic(*ALICE)).status_code == 200
    for _ in range(3):
        assert_basic_challenge(req(httpd, auth=basic("alice", "guess")))
    r = req(httpd, auth=basic(*ALICE))
    assert r.status_code == 429 and int(r.headers["Retry-After"]) <= 60
    assert "AGW20023" in httpd.error_log()


def test_basic_counters_in_server_status(make_httpd, backend, creds, secret):
    # after <Location />, so that this one wins for its path
    httpd = make_httpd(gateway_conf(backend.port, creds.path, secret,
                                    location_extra=FALLBACK) + """
ExtendedStatus On
<Location /server-status>
    SetHandler server-status
    ProxyPass !
    Require ip 127.0.0.1
</Location>""")
    httpd.expect_errors(CLIENT_ERRORS)
    req(httpd, auth=basic(*ALICE))
    req(httpd, auth=basic("alice", "nope"))
    r = get(httpd.url("/server-status?auto"))
    found = dict(re.findall(r"^(AuthGWBasic\w+): (\d+)$", r.text, re.M))
    assert found.get("AuthGWBasicAttempts") == "2", r.text[-800:]
    assert found.get("AuthGWBasicSuccesses") == "1"
    assert found.get("AuthGWBasicFailures") == "1"


# ---------------------------------------------------------------------------
# the shipped password change and expiry warning pages (the module embeds
# these files; the pages are sent by the password-change flow)
# ---------------------------------------------------------------------------

def render_shipped(name, **values):
    """A shipped page template filled as the module fills it: values escaped,
    {{text.KEY}} from lang/en.txt."""
    import html
    strings = {}
    with open(os.path.join(SHIPPED, "lang", "en.txt"), encoding="utf-8") as f:
        for line in f:
            if "=" in line and not line.lstrip().startswith("#"):
                k, _, v = line.partition("=")
                strings["text." + k.strip()] = v.strip()
    with open(os.path.join(SHIPPED, name), encoding="utf-8") as f:
        text = f.read()

    def fill(m):
        k = m.group(1).strip()
        assert k in strings or k in values, "unfilled placeholder %s in %s" % (k, name)
        return html.escape(strings.get(k, values.get(k, "")))
    return re.sub(r"\{\{(.*?)\}\}", fill, text)


def test_shipped_password_form_fields():
    text = render_shipped("password.html", message="", message_kind="", username="alice",
                          csrf_token="tok", **{"return": "/app"})
    forms = harness.parse_forms(text)
    assert len(forms) == 1 and forms[0]["method"] == "post"
    assert forms[0]["action"] == "/.authgw/password"
    inputs = forms[0]["inputs"]
    assert {k: v["type"] for k, v in inputs.items()} == {
        "username": "text", "password": "password", "new_password": "password",
        "confirm_password": "password", "return": "hidden", "csrf_token": "hidden"}
    assert inputs["username"]["value"] == "alice" and inputs["return"]["value"] == "/app"
    assert len(forms[0]["buttons"]) == 1


def test_shipped_expiry_warning_links():
    text = render_shipped("expiry-warning.html", message="Your password expires in 3 days.",
                          days="3", change_url="/.authgw/password?return=%2Fapp",
                          change_kind="", **{"return": "/app"})
    links = dict(re.findall(r'<a class="(\w+) ?" href="([^"]*)"', text))
    assert links == {"change": "/.authgw/password?return=%2Fapp", "continue": "/app"}, text
    assert "Your password expires in 3 days." in text
