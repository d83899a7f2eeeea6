"""Passwords that expire, against the real Samba AD through authgw-ldap:
the account-state messages at logon, the expiry warning
(AuthGWPasswordExpiryWarn) and the change page /.authgw/password
(AuthGWPasswordChange).

Users here start with "pw" so that no other test file meets them.  The
test domain's passwords expire after 42 days; its length and complexity
rules are off (services.SambaAD), so the policy refusal comes from a
fine-grained password policy on one user.

Run: /usr/bin/python3 -m pytest -q test/integration/test_password.py
"""

import os
import re

import pytest

from harness import backend_view, header, page_text
from webclient import Agent, assert_logged_on, assert_no_session, form_for

MODULES = ("core", "forms")


def change_form(resp):
    """The change page's form, checked against design.md's field names."""
    form = form_for(resp.text, "/.authgw/password")
    assert form is not None, "no change form: %d %s" % (
        resp.status_code, page_text(resp.text)[:500])
    assert form["method"] == "post"
    for field in ("username", "password", "new_password", "confirm_password",
                  "csrf_token"):
        assert field in form["inputs"], "no field %r: %r" % (field, form["inputs"])
    return form


def post_change(agent, form, user, old, new, confirm=None, csrf=None):
    body = {"username": user, "password": old, "new_password": new,
            "confirm_password": new if confirm is None else confirm,
            "return": form["inputs"].get("return", {}).get("value", "/"),
            "csrf_token": form["inputs"]["csrf_token"]["value"] if csrf is None else csrf}
    return agent.request("POST", "/.authgw/password", fields=body)


@pytest.fixture
def ldap_gateway(make_httpd, backend, secret, samba_ad, tmp_path):
    pwfile = tmp_path / "ldap.pw"
    pwfile.write_text(samba_ad.admin_password + "\n")
    os.chmod(tmp_path, 0o755)
    os.chmod(pwfile, 0o644)

    def factory(location_extra="", provider="authgw-ldap", **kw):
        conf = """
AuthGWSecretFile {secret}
<Location />
    AuthType GatewayForm
    AuthName "Example"
    AuthGWFormProvider {provider}
    AuthGWLDAPServer ldaps://{uri}
    AuthGWLDAPBase "{base}"
    AuthGWLDAPBind simple "CN=Administrator,CN=Users,{base}" {pwfile}
    AuthGWLDAPCACert {ca}
    AuthUserFile {htpasswd}
    Require valid-user
    ProxyPass http://127.0.0.1:{bport}/
    RequestHeader set X-Remote-User "expr=%{{REMOTE_USER}}"
    {extra}
</Location>
""".format(secret=secret, provider=provider, uri=samba_ad.dc_host,
           base=samba_ad.base_dn, pwfile=pwfile, ca=samba_ad.ca_cert,
           htpasswd=kw.get("htpasswd", "/dev/null"), bport=backend.port,
           extra=location_extra)
        return make_httpd(conf, modules=MODULES)

    return factory


def logs(httpd):
    with open(httpd.error_log_path, errors="replace") as f:
        return f.read()


def test_must_change_user_changes_and_is_logged_on(ldap_gateway, samba_ad):
    old, new = "Pw-must-0ld-1", "Pw-must-N3w-2"
    samba_ad.add_user("pwmust", old, must_change_at_next_login=True)
    gw = ldap_gateway("AuthGWPasswordChange On")
    gw.forbid_in_log(old, new)
    a = Agent(gw)
    r = a.logon({"username": "pwmust", "password": old}, return_to="/app/")
    assert r.status_code == 200, r.status_code
    assert_no_session(r)
    form = change_form(r)
    assert form["inputs"]["username"]["value"] == "pwmust"
    assert "AGW20051" in logs(gw) and "reason must-change" in logs(gw)

    r = post_change(a, form, "pwmust", old, new)
    assert_logged_on(gw, a, r, return_to="/app/", user="pwmust")
    assert "AGW20054" in logs(gw)

    # the old password is dead, the new one works
    assert Agent(gw).logon({"username": "pwmust", "password": old}).status_code == 200
    b = Agent(gw)
    assert_logged_on(gw, b, b.logon({"username": "pwmust", "password": new}),
                     user="pwmust")


def test_must_change_without_change_page_is_told(ldap_gateway, samba_ad):
    old = "Pw-nochg-0ld-1"
    samba_ad.add_user("pwnochange", old, must_change_at_next_login=True)
    gw = ldap_gateway()
    gw.forbid_in_log(old)
    a = Agent(gw)
    r = a.logon({"username": "pwnochange", "password": old})
    assert r.status_code == 200
    assert_no_session(r)
    assert form_for(r.text, "/.authgw/password") is None
    assert form_for(r.text, "/.authgw/logon") is not None
    wrong = Agent(gw).logon({"username": "pwnochange", "password": "Wr0ng-pass-x"})
    # the user is told something other than "wrong password"
    assert page_text(r.text) != page_text(wrong.text)
    assert "reason must-change" in logs(gw) and "AuthGWPasswordChange On" in logs(gw)
    assert Agent(gw).get("/.authgw/password").status_code == 404


def test_disabled_user_is_told(ldap_gateway, samba_ad):
    pw = "Pw-disabled-1"
    samba_ad.add_user("pwdisabled", pw)
    samba_ad.samba_tool("user", "disable", "pwdisabled")
    gw = ldap_gateway("AuthGWPasswordChange On")
    gw.forbid_in_log(pw)
    r = Agent(gw).logon({"username": "pwdisabled", "password": pw})
    assert r.status_code == 200
    assert_no_session(r)
    assert form_for(r.text, "/.authgw/password") is None
    assert "reason disabled" in logs(gw)
    wrong = Agent(gw).logon({"username": "pwdisabled", "password": "Wr0ng-pass-x"})
    assert_no_session(wrong)
    # a wrong password does not reveal the account's state
    assert logs(gw).count("reason disabled") == 1


@pytest.fixture
def pwuser(samba_ad):
    """pwuser(name, password): a fresh AD user; returns (name, password)."""
    def factory(name, password):
        samba_ad.add_user(name, password)
        return name, password

    return factory


@pytest.fixture
def strict_policy(samba_ad):
    """strict_policy(user): a password policy of 20 characters at least, on
    that user only (no domain-wide change)."""
    made = []

    def apply(user):
        samba_ad.samba_tool("domain", "passwordsettings", "pso", "create",
                            "pwpso", "1", "--min-pwd-length=20",
                            "--complexity=off", "--history-length=0",
                            "--min-pwd-age=0")
        made.append("pwpso")
        samba_ad.samba_tool("domain", "passwordsettings", "pso", "apply",
                            "pwpso", user)
    yield apply
    for pso in made:
        samba_ad.samba_tool("domain", "passwordsettings", "pso", "delete", pso,
                            check=False)


def test_change_refusals(ldap_gateway, pwuser, strict_policy):
    user, pw = pwuser("pwchange", "Pw-change-0ld-1")
    strict_policy(user)
    gw = ldap_gateway("AuthGWPasswordChange On")
    gw.forbid_in_log(pw, "Pw-change-N3w-2", "Xx-wrong-9")
    a = Agent(gw)
    page = a.get("/.authgw/password?return=/x/")
    assert page.status_code == 200
    form = change_form(page)

    # confirmation differs: not sent to the directory
    r = post_change(a, form, user, pw, "Pw-change-N3w-2", confirm="Pw-change-N3w-3")
    assert r.status_code == 200
    assert_no_session(r)
    change_form(r)
    # wrong current password
    r = post_change(a, change_form(r), user, "Xx-wrong-9", "Pw-change-N3w-2")
    assert r.status_code == 200 and "AGW20059" in logs(gw)
    assert_no_session(r)
    # the policy refuses a short one and says why
    r = post_change(a, change_form(r), user, pw, "Ab1")
    assert r.status_code == 200
    assert_no_session(r)
    assert re.search(r"AGW20058: .*too-short", logs(gw)), logs(gw)[-3000:]
    # no CSRF token: forbidden
    r = post_change(a, change_form(r), user, pw, "Pw-change-N3w-2", csrf="")
    assert r.status_code == 403
    # after all that the old password still works
    b = Agent(gw)
    assert_logged_on(gw, b, b.logon({"username": user, "password": pw}), user=user)


def test_voluntary_change_then_new_password_works(ldap_gateway, pwuser):
    user, pw = pwuser("pwvol", "Pw-vol-0ld-1")
    new = "Pw-vol-N3w-2"
    gw = ldap_gateway("AuthGWPasswordChange On")
    gw.forbid_in_log(pw, new)
    a = Agent(gw)
    form = change_form(a.get("/.authgw/password?return=/y/"))
    r = post_change(a, form, user, pw, new)
    assert_logged_on(gw, a, r, return_to="/y/", user=user)
    assert Agent(gw).logon({"username": user, "password": pw}).status_code == 200
    b = Agent(gw)
    assert_logged_on(gw, b, b.logon({"username": user, "password": new}), user=user)


def test_expiry_warning(ldap_gateway, pwuser):
    # A new password expires in 42 days (Samba's default maximum age).
    user, pw = pwuser("pwwarn", "Pw-warn-0ld-1")
    gw = ldap_gateway("AuthGWPasswordChange On\n    AuthGWPasswordExpiryWarn 50")
    gw.forbid_in_log(pw)
    a = Agent(gw)
    r = a.logon({"username": user, "password": pw}, return_to="/z/")
    assert r.status_code == 200, r.status_code
    assert a.session, "the session is issued with the warning"
    assert re.search(r"\b4[12]\b", page_text(r.text)), page_text(r.text)
    links = re.findall(r'href="([^"]+)"', r.text)
    assert "/z/" in links, links
    assert any(l.startswith("/.authgw/password?") for l in links), links
    assert "AGW20052" in logs(gw)
    view = backend_view(a.get("/z/"))
    assert header(view, "X-Remote-User") == user

    quiet = ldap_gateway("AuthGWPasswordExpiryWarn 30")
    b = Agent(quiet)
    assert_logged_on(quiet, b, b.logon({"username": user, "password": pw},
                                       return_to="/z/"), return_to="/z/", user=user)


def test_provider_that_cannot_change(make_gateway, creds):
    gw = make_gateway(modules=MODULES, location_extra="AuthGWPasswordChange On")
    gw.expect_errors("AGW20056")
    a = Agent(gw)
    form = change_form(a.get("/.authgw/password"))
    user, pw = "alice", creds.users["alice"]
    r = post_change(a, form, user, pw, "Other-pass-77")
    assert r.status_code == 200
    assert_no_session(r)
    assert "AGW20056" in logs(gw)
