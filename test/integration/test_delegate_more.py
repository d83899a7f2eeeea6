"""mod_authgw_delegate (issue 6): AuthGWDelegate securid; logons through a
RADIUS challenge keep no delegation password; basic delegation to a
published server that checks the password against the real Samba AD
(authgw-ldap); users interleaved on one client connection.

The published servers, the gateway factory and the helpers are those of
test_delegate.py.  Users of this file start with "ds".

Run: flock /tmp/agw-samba.lock /usr/bin/python3 -m pytest -q test_delegate_more.py
"""

import json
import os
import re

import pytest

import harness
import services
from conftest import USERS
from harness import backend_view, header, interleaved
from harness import basic_authorization as basic
from test_delegate import (FORGED, MODULES, PCUSER, _configtest, assert_no_password,
                           basic_user, counters, form_agent)
from test_delegate import gw_users, make_gw, published  # noqa: F401 (fixtures)
from test_ldap import directory
from test_radius import challenge_unlang
from webclient import Agent, assert_logged_on, challenge_form

# An RSA web agent's cookies (ACE/Agent 4.4 and later): the agent's own and
# the domain cookie; the values are opaque to the gateway.
RSA_LOCAL = "pcuserZ00Z002Z003D8749DAZ003D8749DAZ00Z00Z9AZ0DXZ3DZC7Z19Z0FL"
RSA_DOM = "pcuserZ00Z002Z003D8749DAZ00Z9AZ0DXZ3DZC7"


def passcode_agent(gw):
    """pcuser logged on with the passcode form (AuthGWFormType passcode)."""
    a = Agent(gw)
    r = a.logon({"username": PCUSER[0], "passcode": PCUSER[1]}, return_to="/app/")
    assert r.status_code == 302 and a.session, r.text[:300]
    return a


def cookie_names(view):
    c = header(view, "Cookie") or ""
    return dict(p.strip().split("=", 1) for p in c.split(";") if p.strip())


# ---------------------------------------------------------------------------
# securid
# ---------------------------------------------------------------------------

def test_securid_passes_the_agent_cookies_only(make_gw, backend):
    """After a passcode logon the published server gets the client's SecurID
    agent cookies and its own application cookies, and no credential of the
    client's or the gateway's."""
    gw = make_gw("http://127.0.0.1:%d/echo" % backend.port,
                 location_extra="AuthGWDelegate securid",
                 root_extra="AuthGWFormType passcode")
    gw.forbid_in_log(RSA_LOCAL, RSA_DOM)
    a = passcode_agent(gw)
    a.cookies.update({"rsa-local": (RSA_LOCAL, "/"), "webid2_dom": (RSA_DOM, "/"),
                      "theme": ("dark", "/")})
    view = backend_view(a.get("/app/x", headers=dict(
        FORGED, Authorization=basic(PCUSER[0], PCUSER[1]))))
    assert cookie_names(view) == {"rsa-local": RSA_LOCAL, "webid2_dom": RSA_DOM,
                                  "theme": "dark"}, view["headers"]
    for name in ("Authorization", "Proxy-Authorization", "X-Remote-User",
                 "X_Remote_User", "X-Forwarded-User"):
        assert header(view, name) is None, (name, view["headers"])
    c = counters(gw)
    assert (c["AuthGWDelegateAttempts"], c["AuthGWDelegateSuccesses"]) == (1, 1), c


def test_securid_without_agent_cookie(make_gw, backend):
    """No SecurID cookie yet: the request goes on (the server's agent will
    ask), the gateway says so, and nothing counts as delegated."""
    gw = make_gw("http://127.0.0.1:%d/echo" % backend.port,
                 location_extra="AuthGWDelegate securid",
                 root_extra="AuthGWFormType passcode")
    a = passcode_agent(gw)
    view = backend_view(a.get("/app/y"))
    assert header(view, "Cookie") is None
    assert "AGW50100: AuthGWDelegate securid for http://127.0.0.1:%d/echo/y: user"\
           " 'pcuser' has no SecurID cookie (rsa-local, webid2_dom)" % backend.port \
        in gw.error_log()
    assert counters(gw)["AuthGWDelegateAttempts"] == 0


def test_securid_server_asking_for_credentials_is_an_alert(make_gw, published):
    """An RSA agent asks with a page of its own; a 401 from the server is a
    scheme the rule does not give: the alert, the challenge taken off."""
    gw = make_gw(published.url("/nego"), location_extra="AuthGWDelegate securid",
                 root_extra="AuthGWFormType passcode")
    a = passcode_agent(gw)
    a.cookies["rsa-local"] = (RSA_LOCAL, "/")
    r = a.get("/app/n")
    assert r.status_code == 401 and "WWW-Authenticate" not in r.headers, r.headers
    assert a.session
    assert re.search(r"AGW50001: alert: .*\(401, Negotiate\).*AuthGWDelegate is"
                     r" securid there \(<Location /app>\)", gw.error_log())
    assert counters(gw)["AuthGWDelegateErrors"] == 1


SENT = {"rsa-local": RSA_LOCAL, "webid2_dom": RSA_DOM, "webid2": "old", "theme": "dark"}


@pytest.mark.parametrize("extra,kept", [
    # none: the client cannot authenticate to the server directly
    ("", {"webid2", "theme"}),
    ("AuthGWDelegate passthrough", set(SENT)),
    ("AuthGWDelegateSecurIDCookie webid2", {"rsa-local", "webid2_dom", "theme"}),
    ("AuthGWDelegate securid\n    AuthGWDelegateSecurIDCookie webid2", set(SENT)),
], ids=["none", "passthrough", "none-named", "securid-named"])
def test_agent_cookies_by_method(make_gw, backend, extra, kept):
    gw = make_gw("http://127.0.0.1:%d/echo" % backend.port, location_extra=extra,
                 root_extra="AuthGWFormType passcode")
    gw.forbid_in_log(RSA_LOCAL, RSA_DOM)
    a = passcode_agent(gw)
    a.cookies.update({k: (v, "/") for k, v in SENT.items()})
    got = cookie_names(backend_view(a.get("/app/z")))
    assert got == {k: SENT[k] for k in kept}, got


@pytest.mark.parametrize("root", [
    "AuthType GatewayForm\n    AuthGWFormType passcode",
    "AuthType GatewayForm\n    AuthGWFormType passcode-password",
    "AuthType GatewayForm\n    AuthGWRadiusOTP On",
    "AuthType Basic\n    AuthName x\n    AuthBasicProvider radius\n    AuthGWRadiusOTP On",
], ids=["passcode", "passcode-password", "password-form-otp", "basic-otp"])
def test_configtest_accepts_securid_after_a_passcode(make_httpd, secret, gw_users, root):
    conf = """
<Location />
    %s
    Require valid-user
</Location>
<Location /app>
    ProxyPass http://127.0.0.1:9/
    AuthGWDelegate securid
</Location>""" % root
    rc, out = _configtest(make_httpd, secret, gw_users, conf, MODULES + ("radius",))
    assert rc == 0, out


# ---------------------------------------------------------------------------
# a logon through a RADIUS challenge keeps no delegation password
# ---------------------------------------------------------------------------

RADIUS_SECRET = "ds-Rad1us-secret"
CHAL_CODE = "735102"        # the answer to the challenge (next tokencode)
# alice's first factor is her password (the one the published server
# knows): if the gateway kept it, basic delegation would log her on there.
AUTHORIZE = challenge_unlang("alice", USERS["alice"], CHAL_CODE,
                             "Enter the next tokencode", "ds-1")


@pytest.fixture(scope="module")
def radius():
    d = harness.new_dir("ds-radius")
    secret = harness.write_file(os.path.join(d, "radius.secret"), RADIUS_SECRET + "\n",
                                0o600)
    with services.FreeRadius(users="", secret=RADIUS_SECRET, reject_delay=0,
                             authorize=AUTHORIZE, sign_replies=True) as r:
        r.secret_file = secret
        yield r
    harness.shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("form_type", ["password", "passcode-password"])
def test_challenge_logon_keeps_no_delegation_password(make_gw, published, radius,
                                                      redis_server, form_type):
    receipt = """AuthType GatewayForm
    AuthName "Gateway"
    AuthGWFormProvider radius
    AuthGWFormType %s
    AuthGWRadiusServer 127.0.0.1:%d %s 2 1
    Require valid-user""" % (form_type, radius.port, radius.secret_file)
    gw = make_gw(published.url("/basic"), receipt=receipt,
                 location_extra="AuthGWDelegate basic",
                 store="redis:127.0.0.1:%d" % redis_server.port,
                 modules=MODULES + ("radius", "socache_redis"))
    gw.forbid_in_log(RADIUS_SECRET, CHAL_CODE)
    redis_server.command("FLUSHALL")
    fields = {"username": "alice", "password": USERS["alice"]}
    if form_type == "passcode-password":
        fields = {"username": "alice", "passcode": USERS["alice"],
                  "deleg_password": USERS["alice"]}
    a = Agent(gw)
    r = a.logon(fields, return_to="/app/doc")
    challenge_form(r)
    waiting = redis_server.dump()
    assert waiting, "the challenge is not in the store"
    r = a.answer(r, CHAL_CODE)
    assert_logged_on(gw, a, r, "/app/doc")
    values = list(waiting.values()) + list(redis_server.dump().values())
    assert_no_password(values, [("alice", USERS["alice"]), ("alice", CHAL_CODE)])
    # the published server gets no credentials: its 401 is the alert, the
    # session stays, and no logon loop
    r = a.get("/app/doc")
    assert r.status_code == 401 and "WWW-Authenticate" not in r.headers, r.headers
    assert a.session
    log = gw.error_log()
    assert "AGW20062: the session of user 'alice' will keep no delegation password" in log
    assert "AGW50004: AuthGWDelegate basic" in log and "AGW50001" in log
    assert "AGW50006" not in log
    assert "alice" not in published.access_log()


# ---------------------------------------------------------------------------
# basic delegation to a server that checks the password against AD
# ---------------------------------------------------------------------------

AD_PW = {"dsalice": "Ds-al1ce!pass", "dsbob": "Ds-b0b!pass", "dssvc": "Ds-svc!pass1"}


@pytest.fixture(scope="module")
def ldap_lines(samba_ad):
    """The authgw-ldap lines for the AD, bound as dssvc."""
    for u, pw in AD_PW.items():
        samba_ad.add_user(u, pw)
    d = harness.new_dir("ds-ldap")
    pw_file = harness.write_file(os.path.join(d, "dssvc.pw"), AD_PW["dssvc"] + "\n",
                                 0o600)
    yield directory(samba_ad, pw_file, account="dssvc")
    harness.shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def ldap_published(make_httpd, backend, secret, ldap_lines):
    """A published server whose Basic checks the password with authgw-ldap
    against the AD, and passes the user it saw to the echo backend."""
    conf = """
AuthGWSecretFile %s
<Location /ldap>
    AuthType Basic
    AuthName "published"
    AuthBasicProvider authgw-ldap
%s
    Require valid-user
    RequestHeader set X-Backend-User "expr=%%{REMOTE_USER}"
    ProxyPass http://127.0.0.1:%d/ldap
</Location>
""" % (secret, ldap_lines, backend.port)
    h = make_httpd(conf, modules=("core",), name="published-ldap")
    h.forbid_in_log(*AD_PW.values())
    return h


def test_basic_to_a_server_that_checks_ad(make_gw, ldap_published, ldap_lines):
    """A form logon of an AD user at the gateway (authgw-ldap), basic
    delegation, and the published server checks the same password against
    the AD again: it sees the user who logged on."""
    receipt = """AuthType GatewayForm
    AuthName "Gateway"
    AuthGWFormProvider authgw-ldap
%s
    Require valid-user""" % ldap_lines
    gw = make_gw(ldap_published.url("/ldap"), receipt=receipt,
                 location_extra="AuthGWDelegate basic")
    gw.forbid_in_log(*AD_PW.values())
    for user in ("dsalice", "dsbob"):
        a = form_agent(gw, user, AD_PW[user])
        view = backend_view(a.get("/app/me"))
        assert header(view, "X-Backend-User") == user
        assert basic_user(header(view, "Authorization")) == user
    assert counters(gw)["AuthGWDelegateSuccesses"] == 2


# ---------------------------------------------------------------------------
# two users in turn on one client connection
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("receipt", ["form", "basic"])
def test_basic_users_interleaved_on_one_connection(make_gw, published, receipt):
    """alice's and bob's requests alternate on one keep-alive connection
    (a reverse proxy in front of the gateway does this): each answer is the
    user of that request."""
    gw = make_gw(published.url("/basic"), receipt=receipt,
                 location_extra="AuthGWDelegate basic")
    creds = {}
    for user in ("alice", "bob"):
        if receipt == "form":
            creds[user] = {"Cookie": "AuthGWSession=" + form_agent(gw, user, USERS[user]).session}
        else:
            creds[user] = {"Authorization": basic(user, USERS[user])}
    got = interleaved(gw, {u: (lambda i, u=u: ("/app/k%d" % i, creds[u])) for u in creds},
                      rounds=6, one_connection=True)
    for user, i, status, body in got:
        assert status == 200, body[:300]
        view = json.loads(body)
        assert (header(view, "X-Backend-User"),
                basic_user(header(view, "Authorization"))) == (user, user), (user, i)
