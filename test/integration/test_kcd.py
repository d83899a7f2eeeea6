"""AuthGWDelegate kcd: Kerberos constrained delegation (S4U2Self +
S4U2Proxy) with the gateway's keytab, against the real Samba AD KDC.

  client -> gateway (any receipt; AuthGWDelegate kcd)
         -> published httpd (mod_auth_gssapi: AuthType GSSAPI, krb5)
         -> echo backend (X-Backend-User: whom the published server saw)

The gateway's account kcgw (SPN HTTP/kcgw.gw.test) is trusted for protocol
transition and may delegate to HTTP/kcweb.gw.test, the published server's
SPN (account kcweb, which also holds HTTP/kcother.gw.test: not delegable).
Its keytab holds both kcgw@GW.TEST (what KCD asks as: Samba's KDC refuses an
SPN as a client) and HTTP/kcgw.gw.test@GW.TEST (AuthGWKerberosPrincipal, for
Negotiate receipt and the authgw-kerberos provider).  kcgw.gw.test and
kcweb.gw.test are added to /etc/hosts (127.0.0.1).

Users and accounts here start with "kc" (the AD is shared by every file).
"""

import http.client
import json
import os
import re
import shutil

import pytest

import harness
import services
from harness import backend_view, get, header, interleaved
from harness import basic_authorization as basic
from test_ntlm import curl
from test_radius import current_totp
from webclient import Agent, assert_logged_on

MODULES = ("core", "forms", "delegate")
REALM = "GW.TEST"
PW = {"kcalice": "Kc-Al1ce!pass", "kcbob": "Kc-B0b!pass", "kcotp": "Kc-0tp!pass"}
GW = ("kcgw", "Kc-Gw!pass-1")          # the gateway's account
WEB = ("kcweb", "Kc-Web!pass-1")       # the published server's account
GW_HOST, WEB_HOST = "kcgw.gw.test", "kcweb.gw.test"
GW_SPN = "HTTP/%s@%s" % (GW_HOST, REALM)
OTHER_SPN = "HTTP/kcother.gw.test"     # kcweb's too, not in msDS-AllowedToDelegateTo
TOTP_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
RADIUS_SECRET = "kc-Rad1us-secret"
FILE_USERS = {"kcalice": "Kc-file-al1ce", "kcbob": "Kc-file-b0b",
              "kcghost": "Kc-file-gh0st", "kcfar@OTHER.TEST": "Kc-file-f4r"}
SECRETS = (list(PW.values()) + [GW[1], WEB[1], RADIUS_SECRET]
           + list(FILE_USERS.values()))


# ---------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ad(samba_ad):
    services.ensure_hosts_entries([("127.0.0.1", GW_HOST), ("127.0.0.1", WEB_HOST)])
    for u, pw in PW.items():
        samba_ad.add_user(u, pw)
    samba_ad.add_user(*GW)
    samba_ad.add_spn("HTTP/" + GW_HOST, GW[0])
    samba_ad.samba_tool("delegation", "for-any-protocol", GW[0], "on")
    samba_ad.samba_tool("delegation", "add-service", GW[0], "HTTP/" + WEB_HOST)
    samba_ad.add_user(*WEB)
    samba_ad.add_spn("HTTP/" + WEB_HOST, WEB[0])
    samba_ad.add_spn(OTHER_SPN, WEB[0])
    return samba_ad


@pytest.fixture(scope="module")
def keytabs(ad):
    d = harness.new_dir("kc-keytab")
    gw = ad.export_keytab(os.path.join(d, "gw.keytab"), GW_SPN)
    # exportkeytab adds to an existing keytab
    ad.samba_tool("domain", "exportkeytab", gw, "--principal=%s" % GW[0])
    web = ad.export_keytab(os.path.join(d, "web.keytab"), "HTTP/" + WEB_HOST)
    yield {"gw": gw, "web": web}
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def radius(ad):
    users = '"kcotp"\tTOTP-Secret := "%s", Auth-Type := totp\n' % TOTP_SECRET
    authorize = ('if (&control:Auth-Type == "totp") {\n'
                 '\tupdate request {\n\t\t&TOTP-Password := &User-Password\n\t}\n}\n')
    with services.FreeRadius(users=users, secret=RADIUS_SECRET, reject_delay=0,
                             modules=("totp",), authorize=authorize,
                             authenticate="Auth-Type totp {\n\ttotp\n}\n",
                             sign_replies=True) as r:
        yield r


@pytest.fixture(scope="module")
def files():
    d = harness.new_dir("kc-files")
    yield {"htpasswd": harness.htpasswd(os.path.join(d, "htpasswd"), FILE_USERS),
           "radius": harness.write_file(os.path.join(d, "radius.secret"),
                                        RADIUS_SECRET + "\n", 0o600)}
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def krb5_env(ad, monkeypatch):
    monkeypatch.setenv("KRB5_CONFIG", ad.krb5_conf)
    return monkeypatch


@pytest.fixture
def published(make_httpd, backend, keytabs, krb5_env):
    """The published server: Negotiate (Kerberos only) with its own keytab,
    REMOTE_USER passed on to the echo backend."""
    conf = harness.gssapi_published_conf(backend.port, "krb5", keytabs["web"])
    return make_httpd(conf, modules=("auth_gssapi",), name="published")


RECEIPTS = {
    "form": """AuthType GatewayForm
    AuthName "KCD"
    AuthGWFormProvider authgw-kerberos""",
    "basic": """AuthType Basic
    AuthName "KCD"
    AuthBasicProvider authgw-kerberos""",
    "file": """AuthType Basic
    AuthName "KCD"
    AuthBasicProvider file
    AuthUserFile {htpasswd}""",
    "otp": """AuthType GatewayForm
    AuthName "KCD"
    AuthGWFormProvider radius
    AuthGWFormType passcode
    AuthGWRadiusOTP On
    AuthGWRadiusServer 127.0.0.1:{radius_port} {radius_secret} 2 1""",
    "ntlm": """AuthType NTLM
    AuthGWNTLMValidator winbind""",
    "negotiate": "AuthType Negotiate",
}
RECEIPT_MODULES = {"otp": ("radius",), "ntlm": ("ntlm",), "negotiate": ("ntlm",)}


def gw_conf(secret, keytab, port, receipt, files, radius_port=1812, app_extra="",
            root_extra=""):
    r = RECEIPTS[receipt].replace("{htpasswd}", files["htpasswd"]) \
        .replace("{radius_port}", str(radius_port)) \
        .replace("{radius_secret}", files["radius"])
    return """
AuthGWSecretFile %(secret)s
<Location />
    %(receipt)s
    AuthGWKeytab %(keytab)s
    AuthGWKerberosPrincipal %(spn)s
    Require valid-user
    %(root_extra)s
</Location>
<Location /app>
    ProxyPass http://%(web)s:%(port)d/
    AuthGWDelegate kcd
    %(app_extra)s
</Location>
""" % {"secret": secret, "receipt": r, "keytab": keytab, "spn": GW_SPN,
       "root_extra": root_extra, "web": WEB_HOST, "port": port,
       "app_extra": app_extra}


@pytest.fixture
def gateway(make_httpd, secret, keytabs, files, published):
    def factory(receipt, app_extra="", radius_port=1812, start=True):
        conf = gw_conf(secret, keytabs["gw"], published.port, receipt, files,
                       radius_port, app_extra)
        h = make_httpd(conf, modules=MODULES + RECEIPT_MODULES.get(receipt, ()),
                       name="gateway-" + receipt, start=start)
        h.forbid_in_log(*SECRETS)
        return h
    return factory


def seen_as(view, gateway=None):
    """The user the published server authenticated; the token it got is
    SPNEGO and is never in the gateway's logs."""
    authz = header(view, "Authorization") or ""
    assert authz.startswith("Negotiate YII"), authz[:40]   # 0x60 0x82: SPNEGO
    if gateway is not None:
        gateway.forbid_in_log(authz[len("Negotiate "):])
    return header(view, "X-Backend-User")


# ---------------------------------------------------------------------------
# every receipt reaches the Negotiate backend as the user
# ---------------------------------------------------------------------------

def test_form_logon_with_kerberos_provider(gateway):
    h = gateway("form")
    a = Agent(h)
    r = a.logon({"username": "kcalice", "password": PW["kcalice"]}, return_to="/app/x")
    assert_logged_on(h, a, r, "/app/x")
    resp = a.get("/app/x")
    view = backend_view(resp)
    assert seen_as(view, h) == "kcalice@GW.TEST"
    assert view["path"] == "/x"
    assert "WWW-Authenticate" not in resp.headers     # the server's AP-REP stays
    assert "AuthGWSession" not in (header(view, "Cookie") or "")
    assert re.search(r"AGW50046: .*'kcalice' \(kcalice@GW.TEST\) from the KDC"
                     r" \(S4U2Self as kcgw@GW.TEST\)", h.error_log())


def test_basic_receipt(gateway):
    h = gateway("basic")
    r = get(h.url("/app/"), headers={"Authorization": basic("kcbob", PW["kcbob"])})
    assert seen_as(backend_view(r), h) == "kcbob@GW.TEST"


def test_radius_otp_logon_reaches_negotiate_backend(gateway, radius):
    """The flagship: a one-time passcode checked by RADIUS, no password
    anywhere, and the published server sees the AD user."""
    h = gateway("otp", radius_port=radius.port)
    a = Agent(h)
    r = a.logon({"username": "kcotp", "passcode": current_totp(TOTP_SECRET)},
                return_to="/app/otp")
    assert_logged_on(h, a, r, "/app/otp")
    assert len(radius.auth_log_lines("kcotp")) == 1
    assert seen_as(backend_view(a.get("/app/otp")), h) == "kcotp@GW.TEST"


def test_ntlm_receipt(gateway):
    h = gateway("ntlm")
    code, body, _, err = curl("--ntlm", "-u", "GW\\kcalice:" + PW["kcalice"],
                              h.url("/app/n"))
    assert code == 200, err[-1500:]
    assert seen_as(json.loads(body), h) == "kcalice@GW.TEST"


def test_negotiate_receipt(gateway, ad, tmp_path):
    h = gateway("negotiate")
    cc = str(tmp_path / "cc")
    ad.kinit("kcbob", PW["kcbob"], cc)
    code, body, _, err = curl("--negotiate", "-u", ":",
                              "http://%s:%d/app/k" % (GW_HOST, h.port),
                              env=ad.krb5_env(KRB5CCNAME="FILE:" + cc))
    assert code == 200, err[-1500:]
    assert seen_as(json.loads(body), h) == "kcbob@GW.TEST"


# ---------------------------------------------------------------------------
# users on keep-alive connections, and the cache
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("one_connection", [False, True], ids=["own", "shared"])
def test_two_users_interleaved_on_keepalive_connections(gateway, one_connection):
    """Each user on a keep-alive connection of its own, or both in turn on
    one: every answer is the user who sent the request."""
    h = gateway("file")
    got = interleaved(h, {u: (lambda i, u=u: ("/app/%s/%d" % (u, i), {
        "Authorization": basic(u, FILE_USERS[u])})) for u in ("kcalice", "kcbob")},
        one_connection=one_connection)
    for u, i, status, body in got:
        assert status == 200, body[:300]
        assert seen_as(json.loads(body), h) == u + "@GW.TEST", (u, i)
    # each user's KDC exchange happened at most once per child
    assert len(h.error_log().split("AGW50046")) - 1 <= 4


def kdc_requests(trace):
    with open(trace, errors="replace") as f:
        return len(re.findall(r"Sending request \(\d+ bytes\) to GW\.TEST", f.read()))


def test_warm_cache_makes_no_kdc_exchange(gateway, krb5_env):
    """MIT's own trace (KRB5_TRACE) of every KDC exchange of the gateway:
    the first request of a user asks the KDC (TGT, S4U2Self, S4U2Proxy),
    the next ones on the same child ask nothing."""
    d = harness.new_dir("kc-trace")
    trace = harness.write_file(os.path.join(d, "krb5.trace"), "", 0o666)
    krb5_env.setenv("KRB5_TRACE", trace)
    h = gateway("file")
    c = http.client.HTTPConnection("127.0.0.1", h.port, timeout=20)
    try:
        counts = []
        for i in range(4):
            c.request("GET", "/app/w%d" % i,
                      headers={"Authorization": basic("kcalice", FILE_USERS["kcalice"])})
            r = c.getresponse()
            body = r.read()
            assert r.status == 200, body[:300]
            assert seen_as(json.loads(body), h) == "kcalice@GW.TEST"
            counts.append(kdc_requests(trace))
    finally:
        c.close()
    assert counts[0] >= 3, counts          # AS (the gateway), S4U2Self, S4U2Proxy
    assert counts[1:] == [counts[0]] * 3, counts
    assert h.error_log().count("AGW50046") == 1
    # requests 3 and 4 made only a new authenticator each from the kept
    # ticket: no credential cache was even looked at (GSSAPI would have)
    with open(trace, errors="replace") as f:
        between = f.read().split("Creating authenticator")[-3:-1]
    assert len(between) == 2 and not any("Retrieving" in t for t in between), between
    shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------------------
# refusals by the KDC, users not delegated
# ---------------------------------------------------------------------------

def test_spn_not_allowed_for_delegation(gateway):
    h = gateway("file", app_extra="AuthGWDelegateSPN " + OTHER_SPN)
    h.expect_errors(r"AGW50045")
    r = get(h.url("/app/"), headers={"Authorization": basic("kcalice", FILE_USERS["kcalice"])})
    assert r.status_code == 502, r.text[:300]
    line = [ln for ln in h.error_log().splitlines() if "AGW50045" in ln]
    assert line, h.error_log()[-2000:]
    assert "'kcalice'" in line[0] and OTHER_SPN + "@GW.TEST" in line[0]
    assert "KDC can't fulfill requested option" in line[0]
    assert "constrained delegation failed" in line[0]
    assert "the client gets 502" in line[0]


def test_user_unknown_to_the_kdc(gateway):
    h = gateway("file")
    h.expect_errors(r"AGW50044")
    r = get(h.url("/app/"), headers={"Authorization": basic("kcghost", FILE_USERS["kcghost"])})
    assert r.status_code == 502
    assert re.search(r"AGW50044: AuthGWDelegate kcd for user 'kcghost' \(kcghost@GW.TEST\)"
                     r" to HTTP/kcweb.gw.test@GW.TEST: protocol transition \(S4U2Self\)"
                     r" by kcgw@GW.TEST failed: .*not found", h.error_log())


def test_user_of_another_realm_is_not_delegated(gateway):
    """No credentials go; the published server's challenge is the alert."""
    h = gateway("file")
    r = get(h.url("/app/"), headers={"Authorization": basic(
        "kcfar@OTHER.TEST", FILE_USERS["kcfar@OTHER.TEST"])})
    assert r.status_code == 401
    assert "Negotiate" not in r.headers.get("WWW-Authenticate", "")
    log = h.error_log()
    assert re.search(r"AGW50042: .*'kcfar@OTHER.TEST' belongs to another realm", log)
    assert "AGW50001" in log


def test_default_spn_names_the_proxied_host(gateway):
    """HTTP/* is the ProxyPass host; a fixed AuthGWDelegateSPN wins."""
    h = gateway("file", app_extra="AuthGWDelegateSPN HTTP/nosuch.gw.test")
    h.expect_errors(r"AGW50045")
    r = get(h.url("/app/"), headers={"Authorization": basic("kcbob", FILE_USERS["kcbob"])})
    assert r.status_code == 502
    assert re.search(r"AGW50045: .*HTTP/nosuch.gw.test@GW.TEST.*not found", h.error_log())


# ---------------------------------------------------------------------------
# httpd -t
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("receipt", sorted(RECEIPTS))
def test_configtest_accepts_every_receipt(gateway, receipt):
    rc, out = gateway(receipt, start=False).configtest()
    assert rc == 0, out


def test_configtest_refuses_kcd_without_keytab(make_httpd, secret, files, krb5_env):
    conf = """
AuthGWSecretFile %s
<Location />
    AuthType Basic
    AuthName x
    AuthBasicProvider file
    AuthUserFile %s
    Require valid-user
</Location>
<Location /app>
    ProxyPass http://127.0.0.1:9/
    AuthGWDelegate kcd
</Location>
""" % (secret, files["htpasswd"])
    rc, out = make_httpd(conf, modules=MODULES, start=False).configtest()
    assert rc != 0
    assert "AuthGWDelegate kcd in <Location /app> needs the gateway's keytab" in out
    assert "AuthGWKeytab" in out


@pytest.mark.parametrize("body,expect", [
    ("<Location /app>\n    AuthGWKeytab {keytab}\n    AuthGWDelegate kcd\n</Location>",
     "AuthGWDelegate kcd in <Location /app> has no receipt"),
    ("<Location /app>\n    AuthGWDelegateSPN \"HTTP/a b\"\n</Location>",
     "AuthGWDelegateSPN 'HTTP/a b': the host is '*'"),
    ("<Location /app>\n    AuthGWDelegateSPN backend\n</Location>",
     "AuthGWDelegateSPN 'backend': it must start with a service class"),
])
def test_configtest_refusals(make_httpd, secret, keytabs, krb5_env, body, expect):
    conf = "AuthGWSecretFile %s\n" % secret + body.replace("{keytab}", keytabs["gw"])
    rc, out = make_httpd(conf, modules=MODULES, start=False).configtest()
    assert rc != 0
    assert expect in out, out
