"""AuthGWFailOpen off | service | all.

The validator that goes away is a FreeRADIUS the test starts and kills (or a
UDP port where nothing listens), and an authgw-ldap server list pointing at a
closed TCP port; the session-scoped Samba AD is never stopped.  Beside it, the
``file`` provider (htpasswd) stays up, so that "wrong password while a
validator is down" can be asked of a validator that answers.

What is checked is what a user and the backend see: 503 under off in every
receipt (forms logon, forms Basic fallback, mod_authgw_ntlm's Basic
fallback), the request let through under service and all with the mark the
backend gets (X-AuthGW-FailOpen, an empty user), a wrong password let
through only under all, and the store-held mark that makes a request without
credentials pass only while a validator is marked down.
"""

import os
import re
import time

import pytest

import harness
import services
from harness import backend_view, header
from webclient import Agent, assert_no_session, assert_refused_form

RADIUS_SECRET = "Fo-radius-shared-7"
RAD_USER = ("fo_radu", "F0-Radius-pw!")
FILE_USER = ("alice", "Al1ce-pass")      # conftest's creds
WRONG = "Wr0ng-F0-guess"
BASIC_UA = {"User-Agent": "fo-basic-client/1.0"}

DOWN_ERRORS = (r"AGW(400(01|05|13)|20018|20030|30031|10015|10031)\b")


@pytest.fixture
def radius_secret_file():
    d = harness.new_dir("fo-radius")
    path = harness.write_file(os.path.join(d, "secret"), RADIUS_SECRET + "\n", 0o600)
    yield path
    harness.shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def radius():
    """A short-lived FreeRADIUS: the test stops it to make the validator
    unreachable."""
    r = services.FreeRadius(users=dict([RAD_USER]), secret=RADIUS_SECRET,
                            reject_delay=0, sign_replies=True).start()
    yield r
    r.stop()


def conf(backend_port, htpasswd, secret, radius_port, radius_secret,
         policy=None, extra=""):
    fo = "AuthGWFailOpen %s" % policy if policy else ""
    return """
AuthGWSecretFile {secret}
<Location />
    AuthType GatewayForm
    AuthName "fail-open"
    AuthGWFormProvider file radius
    AuthUserFile {htpasswd}
    AuthGWRadiusServer 127.0.0.1:{rport} {rsecret} 1 0
    AuthGWFormBasicFallback On
    AuthGWFormBasicAgents fo-basic-client
    {fo}
    {extra}
    Require valid-user
    ProxyPass http://127.0.0.1:{bport}/
    RequestHeader set X-Remote-User "expr=%{REMOTE_USER}"
</Location>
""".replace("{secret}", secret).replace("{htpasswd}", htpasswd) \
       .replace("{rport}", str(radius_port)).replace("{rsecret}", radius_secret) \
       .replace("{fo}", fo).replace("{extra}", extra) \
       .replace("{bport}", str(backend_port))


@pytest.fixture
def gateway(make_httpd, backend, creds, secret, radius_secret_file):
    def factory(radius_port, policy=None, extra="", modules=()):
        h = make_httpd(conf(backend.port, creds.path, secret, radius_port,
                            radius_secret_file, policy, extra),
                       modules=("core", "forms", "radius") + modules)
        h.expect_errors(DOWN_ERRORS)
        h.forbid_in_log(RAD_USER[1], WRONG, RADIUS_SECRET)
        return h
    return factory


def logon(h, user, pw, return_to="/app"):
    return Agent(h).logon({"username": user, "password": pw}, return_to=return_to)


def assert_passed(h, resp, return_to="/app"):
    assert resp.status_code == 302, (resp.status_code, resp.text[:300])
    assert resp.headers["Location"] == return_to
    assert_no_session(resp)


def assert_failopen_view(resp, reason):
    view = backend_view(resp)
    assert header(view, "X-AuthGW-FailOpen") == reason, view["headers"]
    assert header(view, "X-Remote-User") == "", view["headers"]
    return view


def test_off_is_503_in_every_form_receipt(gateway, backend):
    h = gateway(services.free_udp_port())
    r = logon(h, *RAD_USER)
    assert r.status_code == 503, r.status_code
    assert_no_session(r)
    r = Agent(h).get("/app", headers=BASIC_UA, auth=RAD_USER)
    assert r.status_code == 503, r.status_code
    # the mark is kept, but off lets nothing through
    r = Agent(h).get("/app")
    assert r.status_code == 302 and "/.authgw/logon" in r.headers["Location"]
    assert backend.requests == []
    assert "AGW10110" not in h.error_log()


def test_service_lets_through_only_while_down(gateway, radius, backend):
    h = gateway(radius.port, "service")
    before = Agent(h)
    assert before.logon({"username": RAD_USER[0], "password": RAD_USER[1]}).status_code == 302
    # healthy: no credentials still means the logon form
    r = Agent(h).get("/app")
    assert r.status_code == 302 and "/.authgw/logon" in r.headers["Location"]
    radius.stop()
    # the validator cannot be reached: the logon goes on, without a session
    assert_passed(h, logon(h, *RAD_USER))
    assert re.search(r"AGW10110: .*AuthGWFailOpen service.*form logon .*"
                     r"reason validator-unreachable \(validator 'radius'",
                     h.error_log()), h.error_log()[-2000:]
    # every child sees the mark: requests without credentials pass, marked
    for _ in range(4):
        assert_failopen_view(Agent(h).get("/app"), "no-credentials")
    # a client cannot claim the mark
    view = backend_view(before.get("/app", headers={"X-AuthGW-FailOpen": "forged"}))
    assert header(view, "X-AuthGW-FailOpen") is None
    # the session made before the outage still names its user
    assert header(view, "X-Remote-User") == RAD_USER[0]
    # a wrong password, refused by a validator that answers: not let through
    assert_refused_form(logon(h, FILE_USER[0], WRONG))
    r = Agent(h).get("/app", headers=BASIC_UA, auth=(FILE_USER[0], WRONG))
    assert r.status_code == 401
    # Basic fallback: the radius user's credentials cannot be checked
    assert_failopen_view(Agent(h).get("/app", headers=BASIC_UA, auth=RAD_USER),
                         "validator-unreachable")
    # a right password is still a logon under its own name
    view = backend_view(Agent(h).get("/app", headers=BASIC_UA, auth=FILE_USER))
    assert header(view, "X-Remote-User") == FILE_USER[0]
    assert header(view, "X-AuthGW-FailOpen") is None


def test_delegation_sends_nothing_for_a_request_let_through(gateway):
    h = gateway(services.free_udp_port(), "service",
                "AuthGWDelegate basic\n    AuthGWDelegateHeader X-Deleg-User",
                modules=("delegate",))
    assert_passed(h, logon(h, *RAD_USER))
    view = assert_failopen_view(Agent(h).get("/app"), "no-credentials")
    assert header(view, "Authorization") is None, view["headers"]
    assert header(view, "X-Deleg-User") is None, view["headers"]
    assert "AGW50101" in h.error_log()
    # a user the file validator knows is still delegated as themself
    view = backend_view(Agent(h).get("/app", headers=BASIC_UA, auth=FILE_USER))
    assert header(view, "Authorization") == harness.basic_authorization(*FILE_USER)
    assert header(view, "X-Deleg-User") == FILE_USER[0]
    assert header(view, "X-AuthGW-FailOpen") is None


def test_all_lets_a_wrong_password_through_only_while_down(gateway, radius, backend):
    h = gateway(radius.port, "all 2", "AuthGWFailOpenUser anonymous")
    # healthy: a wrong password is refused under all too
    assert_refused_form(logon(h, FILE_USER[0], WRONG))
    radius.stop()
    assert_passed(h, logon(h, *RAD_USER))
    r = logon(h, FILE_USER[0], WRONG)
    assert_passed(h, r)
    assert "reason credentials-refused" in h.error_log()
    r = Agent(h).get("/app", headers=BASIC_UA, auth=(FILE_USER[0], WRONG))
    view = backend_view(r)
    assert header(view, "X-AuthGW-FailOpen") == "credentials-refused"
    assert header(view, "X-Remote-User") == "anonymous"
    # the mark lives 2 s here: then a request without credentials is asked
    # for them again
    time.sleep(2.5)
    r = Agent(h).get("/app")
    assert r.status_code == 302 and "/.authgw/logon" in r.headers["Location"]
    assert_refused_form(logon(h, FILE_USER[0], WRONG))


def test_ldap_server_at_closed_port(make_httpd, backend, secret):
    dead = services.free_port()
    body = """
AuthGWSecretFile {secret}
<Location />
    AuthType GatewayForm
    AuthName "fail-open ldap"
    AuthGWFormProvider authgw-ldap
    AuthGWLDAPServer ldap://127.0.0.1:{dead}
    AuthGWLDAPBase "DC=gw,DC=test"
    AuthGWLDAPTimeout 1
    AuthGWFormBasicFallback On
    AuthGWFormBasicAgents fo-basic-client
    Require valid-user
    ProxyPass http://127.0.0.1:{bport}/
    RequestHeader set X-Remote-User "expr=%{REMOTE_USER}"
</Location>
<Location /open/>
    AuthGWFailOpen service
</Location>
""".replace("{secret}", secret).replace("{dead}", str(dead)) \
   .replace("{bport}", str(backend.port))
    h = make_httpd(body, modules=("core", "forms"))
    h.expect_errors(DOWN_ERRORS)
    h.forbid_in_log(WRONG)
    r = Agent(h).get("/closed/x", headers=BASIC_UA, auth=("fo_ldap", WRONG))
    assert r.status_code == 503, r.status_code
    assert_failopen_view(Agent(h).get("/open/x", headers=BASIC_UA,
                                      auth=("fo_ldap", WRONG)),
                         "validator-unreachable")
    assert backend.paths() == ["/open/x"]


def test_ntlm_basic_fallback(make_httpd, backend, radius_secret_file):
    d = harness.new_dir("fo-ntlm")
    hashes = harness.write_file(os.path.join(d, "nthash"), "")
    dead = services.free_udp_port()
    body = """
<Location />
    AuthType NTLM
    AuthName "gw"
    AuthGWNTLMValidator file:{hashes}
    AuthGWNTLMBasicFallback On
    AuthGWNTLMBasicProvider radius
    AuthGWNTLMSessionCookie On
    AuthGWRadiusServer 127.0.0.1:{dead} {rsecret} 1 0
    Require valid-user
    ProxyPass http://127.0.0.1:{bport}/
    RequestHeader set X-Remote-User "expr=%{REMOTE_USER}"
</Location>
<Location /open/>
    AuthGWFailOpen service
    AuthGWFailOpenHeader X-Gateway-Unchecked
</Location>
""".replace("{hashes}", hashes).replace("{dead}", str(dead)) \
   .replace("{rsecret}", radius_secret_file).replace("{bport}", str(backend.port))
    h = make_httpd(body, modules=("core", "forms", "ntlm", "radius"))
    h.expect_errors(DOWN_ERRORS)
    h.forbid_in_log(RAD_USER[1], RADIUS_SECRET)
    r = Agent(h).get("/closed/x", auth=RAD_USER)
    assert r.status_code == 503, r.status_code
    r = Agent(h).get("/open/x", auth=RAD_USER,
                     headers={"X-Gateway-Unchecked": "no"})
    view = backend_view(r)
    assert header(view, "X-Gateway-Unchecked") == "validator-unreachable"
    assert header(view, "X-Remote-User") == ""
    # no session cookie is issued for a request let through
    assert harness.get_set_cookie(r, "AuthGWSession") is None, r.headers
    assert backend.paths() == ["/open/x"]
    harness.shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("line,message", [
    ("AuthGWFailOpen maybe", "AuthGWFailOpen: 'maybe' is not off, service or all"),
    ("AuthGWFailOpen all 0", "AuthGWFailOpen: '0' is not a number of seconds"),
    ("AuthGWFailOpenHeader X:Bad", "AuthGWFailOpenHeader: 'X:Bad' is not a header name"),
])
def test_configuration_errors_at_configtest(make_gateway, line, message):
    h = make_gateway(location_extra=line, start=False)
    rc, out = h.configtest()
    assert rc != 0 and message in out, out
