"""The authn provider authgw-kerberos (mod_authgw_core) against the real
Samba AD KDC: Basic and the logon form, the spellings of a user name, the
KDC's refusals (wrong password, unknown user, disabled account, expired or
must-change password), the keytab check that stops a KDC which is not the
domain's, the credential cache, the counters, and the configuration checks
of AuthGWKeytab / AuthGWKerberosPrincipal.

httpd finds the KDC through krb5.conf: KRB5_CONFIG in its environment.
Users and service accounts here start with "kb" (the AD is shared by every
test file).
"""

import base64
import html
import os
import re
import shutil
import subprocess
import time
import urllib.parse

import pytest
import requests

import harness
from harness import backend_view, get, header, logon
from test_status import STATUS, counters as status_counters
from webclient import Agent, assert_logged_on, assert_no_session, form_for

MODULES = ("core", "forms")
PW = {
    "kbalice": "Kb-Al1ce!pass",
    "kbbob": "Kb-B0b!pass",
    "kbdis": "Kb-D1s!pass",
    "kbmust": "Kb-Mu5t!pass",
    "kbold": "Kb-0ld!pass",
    "kbsoon": "Kb-S00n!pass",
    "kbchg": "Kb-Chg!pass-1",
    "kbmust2": "Kb-Mu5t2!pass",
    "kbpol": "Kb-P0l!pass",
}
NEW = {"kbchg": "Kb-Chg!pass-2", "kbmust2": "Kb-Mu5t2!new", "kbpol": "Kb-P0l!short"}
SVC = ("kbsvc", "Kb-Svc!pass-1", "HTTP/kbgw.gw.test@GW.TEST")
STALE = ("kbstale", "Kb-Stale!pass-1", "HTTP/kbstale.gw.test@GW.TEST")
SECRETS = list(PW.values()) + list(NEW.values()) + [SVC[1], STALE[1],
                                                    "Kb-Stale!pass-2"]


def _nt_time(seconds_ago):
    return int((time.time() - seconds_ago + 11644473600) * 10**7)


def set_pwd_last_set(ad, user, seconds_ago):
    """Backdates a password (AD lets pwdLastSet be written only as 0 or -1;
    Samba's password-hash bypass control, on the local sam.ldb, allows any
    value): with the domain's 42-day maximum age the password expires."""
    code = ("import sys\n"
            "from samba.samdb import SamDB\n"
            "from samba.param import LoadParm\n"
            "from samba.auth import system_session\n"
            "lp = LoadParm(); lp.load(sys.argv[2])\n"
            "db = SamDB(url=sys.argv[1], lp=lp, session_info=system_session())\n"
            "db.modify_ldif(sys.stdin.read(),"
            " controls=['local_oid:1.3.6.1.4.1.7165.4.3.12:0'])\n")
    ldif = ("dn: CN=%s,CN=Users,%s\nchangetype: modify\nreplace: pwdLastSet\n"
            "pwdLastSet: %d\n" % (user, ad.base_dn, _nt_time(seconds_ago)))
    subprocess.run(["/usr/bin/python3", "-c", code,
                    os.path.join(ad.targetdir, "private", "sam.ldb"),
                    ad.smb_conf], input=ldif, text=True, check=True,
                   capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def ad(samba_ad):
    for u, pw in PW.items():
        samba_ad.add_user(u, pw,
                          must_change_at_next_login=u in ("kbmust", "kbmust2"))
    samba_ad.samba_tool("user", "disable", "kbdis")
    set_pwd_last_set(samba_ad, "kbold", 60 * 86400)     # expired 18 days ago
    set_pwd_last_set(samba_ad, "kbsoon", 40 * 86400)    # expires in 2 days
    for name, pw, spn in (SVC, STALE):
        samba_ad.add_user(name, pw)
        samba_ad.add_spn(spn.split("@")[0], name)
    return samba_ad


@pytest.fixture(scope="module")
def keytabs(ad):
    d = harness.new_dir("kb-keytab")
    good = ad.export_keytab(os.path.join(d, "gw.keytab"), SVC[2])
    stale = ad.export_keytab(os.path.join(d, "stale.keytab"), STALE[2])
    # The service account's password changes after the export: the keytab
    # holds a key the KDC no longer uses, as a fake KDC's tickets would.
    ad.samba_tool("user", "setpassword", STALE[0],
                  "--newpassword=Kb-Stale!pass-2")
    yield {"good": good, "stale": stale}
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def krb5_env(ad, monkeypatch):
    monkeypatch.setenv("KRB5_CONFIG", ad.krb5_conf)


NOTES_LOG = ('CustomLog "{dir}/notes.log" "%u account=%{authgw-account}n'
             ' expires=%{authgw-password-expires}n"')

def kb_conf(backend_port, secret, keytab, principal=SVC[2], extra=""):
    """/ is the logon form, /basic/ is Basic; both ask authgw-kerberos."""
    ident = "AuthGWKeytab %s\n    AuthGWKerberosPrincipal %s" % (keytab, principal)
    return """
AuthGWSecretFile {secret}
{notes}
<Location />
    AuthType GatewayForm
    AuthName "Kerberos"
    AuthGWFormProvider authgw-kerberos
    {ident}
    {extra}
    Require valid-user
    ProxyPass http://127.0.0.1:{bport}/
    RequestHeader set X-Remote-User "expr=%{REMOTE_USER}"
</Location>
<Location /basic/>
    AuthType Basic
    AuthName "Kerberos Basic"
    AuthBasicProvider authgw-kerberos
</Location>
{status}
""".replace("{secret}", secret).replace("{notes}", NOTES_LOG) \
   .replace("{ident}", ident).replace("{extra}", extra) \
   .replace("{bport}", str(backend_port)).replace("{status}", STATUS)


@pytest.fixture
def gw(make_httpd, backend, secret, keytabs, krb5_env):
    def factory(keytab="good", principal=SVC[2], extra="", start=True,
                modules=MODULES):
        h = make_httpd(kb_conf(backend.port, secret, keytabs[keytab],
                               principal, extra),
                       modules=modules, start=start)
        h.forbid_in_log(*SECRETS)
        return h
    return factory


def basic(h, user, password, path="/basic/x"):
    return requests.get(h.url(path), auth=(user, password), timeout=15,
                        allow_redirects=False)


def notes(h, want):
    """The notes log once a line matches the regular expression want (the
    access log is written just after the response is sent)."""
    path = os.path.join(h.dir, "notes.log")
    deadline = time.time() + 5
    while True:
        with open(path) as f:
            text = f.read()
        if re.search(want, text, re.M) or time.time() > deadline:
            return text


def counters(h):
    """The AuthGWKerberos* counters, without the prefix."""
    return {k[len("AuthGWKerberos"):]: v for k, v in status_counters(h).items()
            if k.startswith("AuthGWKerberos")}


# ---------------------------------------------------------------------------
# logons
# ---------------------------------------------------------------------------

def test_basic_valid_user_reaches_backend(gw):
    h = gw()
    r = basic(h, "kbalice", PW["kbalice"])
    v = backend_view(r)
    assert header(v, "X-Remote-User") == "kbalice"
    assert "AGW10070" in h.error_log()


def test_form_valid_user_reaches_backend(gw):
    h = gw()
    lg = logon(h.base_url, "kbbob", PW["kbbob"], return_to="/app")
    assert lg.resp.status_code == 302 and lg.cookie, lg.resp.text[:300]
    assert lg.location.endswith("/app")
    assert header(backend_view(get(h.url("/app"), session=lg.cookie)),
                  "X-Remote-User") == "kbbob"


@pytest.mark.parametrize("spelling", ["kbalice@GW.TEST", "kbalice@gw.test",
                                      "GW\\kbalice", "gw.test\\kbalice"])
def test_user_name_spellings(gw, spelling):
    """user@realm (any case) and DOMAIN\\user (NetBIOS name or realm) name
    the same principal; REMOTE_USER is the name as typed."""
    h = gw()
    v = backend_view(basic(h, spelling, PW["kbalice"]))
    assert header(v, "X-Remote-User") == spelling
    lg = logon(h.base_url, spelling, PW["kbalice"])
    assert lg.cookie, lg.resp.text[:300]


@pytest.mark.parametrize("spelling", ["OTHER\\kbalice", "kbalice@OTHER.TEST",
                                      "kb/alice", "GW\\kb@alice"])
def test_names_of_other_realms_are_not_ours(gw, spelling):
    """Another domain or realm, or a name that would be another principal:
    not this provider's user (the KDC is not asked)."""
    h = gw()
    before = counters(h)
    assert basic(h, spelling, PW["kbalice"]).status_code == 401
    assert counters(h)["Attempts"] == before["Attempts"]


def test_wrong_password_and_unknown_user(gw, backend):
    h = gw()
    assert basic(h, "kbalice", "not-her-password").status_code == 401
    assert basic(h, "kbnobody", PW["kbalice"]).status_code == 401
    lg = logon(h.base_url, "kbalice", "not-her-password")
    assert lg.resp.status_code == 200 and not lg.cookie
    lg = logon(h.base_url, "kbnobody", "whatever")
    assert lg.resp.status_code == 200 and not lg.cookie
    log = h.error_log()
    assert "AGW10065" in log and "wrong password" in log
    assert "AGW10066" in log
    assert backend.requests == []


def test_empty_password_never_reaches_the_kdc(gw):
    h = gw()
    before = counters(h)
    assert basic(h, "kbalice", "").status_code == 401
    assert counters(h)["Attempts"] == before["Attempts"]
    assert "AGW10074" in h.error_log()


def test_counters_and_credential_cache(gw):
    """Attempts/Successes/Failures count KDC exchanges; with
    AuthGWCredentialCache a Basic client's repeated password is not sent to
    the KDC again, and a wrong password is never served from the cache."""
    h = gw(extra="AuthGWCredentialCache On 60")
    before = counters(h)
    assert basic(h, "kbalice", PW["kbalice"]).status_code == 200
    assert basic(h, "kbalice", PW["kbalice"]).status_code == 200
    assert basic(h, "kbalice", "wrong-one").status_code == 401
    after = counters(h)
    assert after["Attempts"] - before["Attempts"] == 2
    assert after["Successes"] - before["Successes"] == 2
    assert after["Failures"] - before["Failures"] == 1
    assert after["LatencyMicroseconds"] > before["LatencyMicroseconds"]


# ---------------------------------------------------------------------------
# account state
# ---------------------------------------------------------------------------

def test_disabled_account(gw):
    h = gw()
    assert basic(h, "kbdis", PW["kbdis"]).status_code == 401
    lg = logon(h.base_url, "kbdis", PW["kbdis"])
    assert not lg.cookie
    assert re.search(r"AGW10067.*kbdis.*account disabled", h.error_log())
    assert "kbdis account=disabled" in notes(h, "kbdis account=disabled")


def test_disabled_account_not_told_to_a_stranger(gw):
    """With a wrong password nothing is said about the account."""
    h = gw()
    assert basic(h, "kbdis", "wrong-password").status_code == 401
    assert "kbdis account=-" in notes(h, "kbdis account=")
    assert not re.search(r"kbdis.*account disabled", h.error_log())


@pytest.mark.parametrize("user,state", [("kbold", "password-expired"),
                                        ("kbmust", "must-change")])
def test_expired_and_must_change_passwords(gw, user, state):
    h = gw()
    assert basic(h, user, PW[user]).status_code == 401
    lg = logon(h.base_url, user, PW[user])
    assert not lg.cookie
    assert re.search(r"AGW10067.*%s.*account %s" % (user, state), h.error_log())
    text = notes(h, "%s account=%s" % (user, state))
    assert "%s account=%s" % (user, state) in text
    # a wrong password: no note
    assert basic(h, user, "wrong-password").status_code == 401
    want = "^%s account=-" % user
    assert re.search(want, notes(h, want), re.M)


def test_password_expiry_is_noted(gw):
    h = gw()
    assert basic(h, "kbsoon", PW["kbsoon"]).status_code == 200
    text = notes(h, r"kbsoon account=- expires=\d+")
    m = re.search(r"kbsoon account=- expires=(\d+)", text)
    assert m, text
    left = int(m.group(1)) - time.time()
    assert 1 * 86400 < left < 3 * 86400, left


# ---------------------------------------------------------------------------
# the keytab: a KDC that is not the domain's cannot log anyone on
# ---------------------------------------------------------------------------

def test_stale_keytab_refuses_even_the_right_password(gw, backend):
    """The keytab holds a key the KDC does not use (as when a fake KDC
    answers): the KDC says yes, the ticket it issues for the gateway does
    not open with our key, so the logon is refused."""
    h = gw(keytab="stale", principal=STALE[2])
    h.expect_errors(r"AGW10069", r"AGW20018")
    assert basic(h, "kbalice", PW["kbalice"]).status_code == 500
    lg = logon(h.base_url, "kbalice", PW["kbalice"])
    assert lg.resp.status_code == 503 and not lg.cookie
    log = h.error_log()
    assert "AGW10069" in log and "kbstale" in log
    assert backend.requests == []


def test_first_keytab_entry_is_used_without_principal(make_httpd, backend,
                                                      secret, keytabs,
                                                      krb5_env):
    conf = kb_conf(backend.port, secret, keytabs["good"]).replace(
        "AuthGWKerberosPrincipal %s" % SVC[2], "")
    h = make_httpd(conf, modules=MODULES)
    h.forbid_in_log(*SECRETS)
    assert basic(h, "kbalice", PW["kbalice"]).status_code == 200
    assert re.search(r"AGW10070.*HTTP/kbgw.gw.test@GW.TEST", h.error_log())


def test_no_keytab_no_logon(make_httpd, backend, secret, krb5_env):
    conf = """
<Location /basic/>
    AuthType Basic
    AuthName "Kerberos Basic"
    AuthBasicProvider authgw-kerberos
    Require valid-user
</Location>
"""
    h = make_httpd(conf, modules=MODULES)
    h.forbid_in_log(*SECRETS)
    h.expect_errors(r"AGW10060")
    assert basic(h, "kbalice", PW["kbalice"]).status_code == 500
    assert "AuthGWKeytab" in h.error_log()


def test_configtest_checks_keytab_and_principal(gw, keytabs):
    h = gw(keytab="good", principal="HTTP/nothere.gw.test@GW.TEST",
           start=False)
    rc, out = h.configtest()
    assert rc != 0 and "AuthGWKerberosPrincipal" in out and "no key" in out, out
    h.write_conf(h.conf_body.replace(keytabs["good"], "/nonexistent/gw.keytab"))
    rc, out = h.configtest()
    assert rc != 0 and "AuthGWKeytab" in out and "/nonexistent/gw.keytab" in out, out


# ---------------------------------------------------------------------------
# password change (kpasswd) through the change page /.authgw/password
# ---------------------------------------------------------------------------

@pytest.fixture
def chpw(gw):
    """chpw(user, password, new): posts the change page of a gateway with
    AuthGWPasswordChange On and AuthGWDelegate basic; returns the response
    (chpw.httpd: the gateway)."""
    h = gw(extra="AuthGWPasswordChange On\n    AuthGWDelegate basic",
           modules=MODULES + ("delegate",))

    def change(user, password, new, agent=None):
        agent = agent or Agent(h)
        form = form_for(agent.get("/.authgw/password").text, "/.authgw/password")
        assert form is not None
        return agent.request("POST", "/.authgw/password", fields={
            "username": user, "password": password, "new_password": new,
            "confirm_password": new, "return": "/",
            "csrf_token": form["inputs"]["csrf_token"]["value"]})
    change.httpd = h
    return change


def test_password_change(chpw, ad):
    """The new password works and the old one no longer does; the log says
    so and shows neither."""
    h = chpw.httpd
    a = Agent(h)
    assert_logged_on(h, a, chpw("kbchg", PW["kbchg"], NEW["kbchg"], a),
                     user="kbchg")
    # the session delegates the new password
    view = backend_view(a.get("/"))
    assert header(view, "Authorization") == "Basic " + base64.b64encode(
        ("kbchg:" + NEW["kbchg"]).encode()).decode()
    assert basic(h, "kbchg", NEW["kbchg"]).status_code == 200
    assert basic(h, "kbchg", PW["kbchg"]).status_code == 401
    assert "AGW10071" in h.error_log() and "AGW20054" in h.error_log()


def test_password_change_needs_the_current_password(chpw):
    r = chpw("kbalice", "not-her-password", "Kb-Whatever!1")
    assert r.status_code == 200
    assert_no_session(r)
    assert "AGW20059" in chpw.httpd.error_log()
    assert basic(chpw.httpd, "kbalice", PW["kbalice"]).status_code == 200


def test_must_change_user_changes_then_logs_on(chpw):
    """A password that must be changed cannot log on, but can be changed
    (kadmin/changepw tickets are issued for it): the logon form sends the
    user to the change page, after which they are logged on."""
    h = chpw.httpd
    assert basic(h, "kbmust2", PW["kbmust2"]).status_code == 401
    a = Agent(h)
    r = a.logon({"username": "kbmust2", "password": PW["kbmust2"]})
    assert r.status_code == 200
    assert_no_session(r)
    assert form_for(r.text, "/.authgw/password") is not None, r.text[:500]
    assert_logged_on(h, a, chpw("kbmust2", PW["kbmust2"], NEW["kbmust2"], a),
                     user="kbmust2")
    assert basic(h, "kbmust2", NEW["kbmust2"]).status_code == 200


def test_password_change_refused_by_policy(chpw, ad):
    """A fine-grained password policy on this user only (no domain-wide
    change): the KDC refuses a short password and the page says why."""
    ad.samba_tool("domain", "passwordsettings", "pso", "create", "kbpso", "1",
                  "--min-pwd-length=20", "--complexity=off",
                  "--history-length=0", "--min-pwd-age=0")
    try:
        ad.samba_tool("domain", "passwordsettings", "pso", "apply", "kbpso",
                      "kbpol")
        r = chpw("kbpol", PW["kbpol"], NEW["kbpol"])
        assert r.status_code == 200
        assert_no_session(r)
        assert basic(chpw.httpd, "kbpol", PW["kbpol"]).status_code == 200
        log = chpw.httpd.error_log()
        assert "AGW10072" in log
        assert re.search(r"AGW20058: .*too-short", log), log[-2000:]
    finally:
        ad.samba_tool("domain", "passwordsettings", "pso", "delete", "kbpso",
                      check=False)


@pytest.mark.parametrize("change", [True, False])
def test_expiry_warning_after_form_logon(gw, change):
    """kbsoon's password expires in two days: with AuthGWPasswordExpiryWarn
    5 the form logon shows the warning (the session is issued), whose
    "Change now" link is hidden when the change page is off."""
    h = gw(extra="AuthGWPasswordExpiryWarn 5" +
           ("\n    AuthGWPasswordChange On" if change else ""))
    a = Agent(h)
    r = a.logon({"username": "kbsoon", "password": PW["kbsoon"]}, return_to="/w/")
    assert r.status_code == 200, r.status_code
    assert a.session
    assert re.search(r"\b[12]\b", re.sub(r"<[^>]+>", " ", r.text)), r.text
    links = dict((cls, href) for cls, href in
                 re.findall(r'<a class="([^"]*)" href="([^"]*)"', r.text))
    assert links.get("continue") == "/w/", links
    if change:
        url = urllib.parse.urlsplit(html.unescape(links["change "]))
        assert url.path == "/.authgw/password", links
        assert urllib.parse.parse_qs(url.query) == {"return": ["/w/"],
                                                    "username": ["kbsoon"]}
    else:
        assert "change off" in links, links
    assert "AGW20052" in h.error_log()
    view = backend_view(a.get("/w/"))
    assert header(view, "X-Remote-User") == "kbsoon"
