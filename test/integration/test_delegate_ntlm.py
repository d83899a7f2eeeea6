"""AuthGWDelegate ntlm and negotiate (issue 6, items 4 and 5): the gateway
logs on to the published server as the user, with the password of the
logon, against the real Samba AD.

  client -> gateway (form or Basic receipt, file provider; AuthGWDelegate)
         -> published httpd: mod_auth_gssapi with gss-ntlmssp through
            winbind (NTLM), or with krb5 and its keytab (Negotiate)
         -> echo backend (X-Backend-User: whom the published server saw)

The gateway checks passwords in a file of its own: dnalice and dnbob have
their AD passwords there, dncarol another one, so the published server (or
the KDC) refuses what the gateway delegates for her.  The Negotiate server
holds HTTP/dnweb.gw.test (account dnweb); nothing holds
HTTP/dnntlm.gw.test, the name the NTLM server is published under, so
negotiate there gets no ticket and falls back to NTLM.

Users and accounts here start with "dn" (the AD is shared by every file).
"""

import json
import re
import shutil
import os

import pytest
import requests

import harness
import services
from harness import backend_view, header
from harness import basic_authorization as basic
from webclient import Agent, assert_logged_on

MODULES = ("core", "forms", "delegate")
PW = {"dnalice": "Dn-Al1ce!pass", "dnbob": "Dn-B0b!pass", "dncarol": "Dn-C4rol!pass",
      "dndave": "Dn-D4ve!pass", "dneve": "Dn-Ev3!pass"}
CHANGED = "Dn-Chang3d!pass-1"      # dndave's and dneve's AD password after the logon
CAROL_GW = "Dn-C4rol-gateway"       # what the gateway accepts for dncarol
WEB = ("dnweb", "Dn-Web!pass-1")
WEB_HOST, NTLM_HOST = "dnweb.gw.test", "dnntlm.gw.test"
SECRETS = list(PW.values()) + [CAROL_GW, WEB[1], CHANGED]


@pytest.fixture(scope="module")
def ad(samba_ad):
    services.ensure_hosts_entries([("127.0.0.1", WEB_HOST), ("127.0.0.1", NTLM_HOST)])
    for u, pw in PW.items():
        samba_ad.add_user(u, pw)
    samba_ad.add_user(*WEB)
    samba_ad.add_spn("HTTP/" + WEB_HOST, WEB[0])
    return samba_ad


@pytest.fixture(scope="module")
def files(ad):
    d = harness.new_dir("dn-files")
    users = dict(PW, dncarol=CAROL_GW)
    yield {"htpasswd": harness.htpasswd(os.path.join(d, "htpasswd"), users),
           "keytab": ad.export_keytab(os.path.join(d, "web.keytab"), "HTTP/" + WEB_HOST)}
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def krb5_env(ad, monkeypatch):
    monkeypatch.setenv("KRB5_CONFIG", ad.krb5_conf)
    monkeypatch.delenv("NTLM_USER_FILE", raising=False)
    monkeypatch.delenv("KRB5_KTNAME", raising=False)
    return monkeypatch


@pytest.fixture
def ntlm_server(make_httpd, backend, krb5_env):
    """Also logs, per request, the gateway's port: which connection it came on."""
    conf = harness.gssapi_published_conf(backend.port, "ntlmssp") + \
        'CustomLog "{dir}/conn.log" "%{remote}p %m %U %>s %u"\n'
    return make_httpd(conf, modules=("auth_gssapi",), name="published-ntlm")


def connections(server):
    """{gateway's port: [(method, path, status, user), ...]} in order."""
    out = {}
    with open(os.path.join(server.dir, "conn.log")) as f:
        for line in f:
            port, *rest = line.split()
            if rest[0] != "OPTIONS":      # the harness asking whether it is up
                out.setdefault(port, []).append(tuple(rest))
    return out


@pytest.fixture
def nego_server(make_httpd, backend, files, krb5_env):
    return make_httpd(harness.gssapi_published_conf(backend.port, "krb5",
                                                    files["keytab"]),
                      modules=("auth_gssapi",), name="published-nego")


RECEIPTS = {
    "form": """AuthType GatewayForm
    AuthGWFormProvider file""",
    "basic": """AuthType Basic
    AuthBasicProvider file""",
}

STATUS = """
<Location /server-status>
    SetHandler server-status
    Require ip 127.0.0.1
</Location>
"""


@pytest.fixture
def gateway(make_httpd, secret, files, ntlm_server, nego_server):
    def factory(receipt="form", method="ntlm"):
        conf = """
AuthGWSecretFile %(secret)s
<Location />
    %(receipt)s
    AuthName "Gateway"
    AuthUserFile %(htpasswd)s
    Require valid-user
</Location>
<Location /ntlm>
    ProxyPass http://%(ntlm_host)s:%(ntlm)d/
    AuthGWDelegate %(method)s
</Location>
<Location /nego>
    ProxyPass http://%(web_host)s:%(nego)d/
    AuthGWDelegate %(method)s
</Location>
%(status)s
""" % {"secret": secret, "receipt": RECEIPTS[receipt], "htpasswd": files["htpasswd"],
       "ntlm_host": NTLM_HOST, "ntlm": ntlm_server.port, "web_host": WEB_HOST,
       "nego": nego_server.port, "method": method, "status": STATUS}
        h = make_httpd(conf, modules=MODULES, name="gateway-%s-%s" % (receipt, method))
        h.forbid_in_log(*SECRETS)
        return h
    return factory


def seen_as(view, scheme, gateway):
    """The account the published server authenticated (without its domain
    or realm); the credentials it got never appear in the gateway's logs."""
    authz = header(view, "Authorization") or ""
    if scheme == "NTLM":      # the AUTHENTICATE (type 3) went with the request
        assert authz.startswith("NTLM TlRMTVNTUAAD"), authz[:40]
    else:                     # SPNEGO around a Kerberos AP-REQ
        assert authz.startswith("Negotiate YII"), authz[:40]
    gateway.forbid_in_log(authz.split(" ", 1)[1])
    user = header(view, "X-Backend-User") or ""
    return re.split(r"[\\@]", user)[1 if "\\" in user else 0].lower()


def counters(gw):
    text = requests.get(gw.url("/server-status?auto"), timeout=15).text
    return {k: int(v) for k, v in re.findall(r"^(AuthGWDelegate\w+): (\d+)$",
                                             text, re.M)}


def check_interleaved(h, prefix, scheme, rounds):
    """dnalice and dnbob take turns, each on a keep-alive connection: each
    sees only themself."""
    for u, i, status, body in harness.interleaved(h, {
            u: (lambda i, u=u: ("%s/%s/%d" % (prefix, u, i),
                                {"Authorization": basic(u, PW[u])}))
            for u in ("dnalice", "dnbob")}, rounds):
        assert status == 200, body[:300]
        assert seen_as(json.loads(body), scheme, h) == u, (u, i)


def form_agent(h, user, password, path):
    a = Agent(h)
    r = a.logon({"username": user, "password": password}, return_to=path)
    assert_logged_on(h, a, r, path)
    return a


# ---------------------------------------------------------------------------
# ntlm
# ---------------------------------------------------------------------------

def test_ntlm_form_logon(gateway):
    h = gateway("form", "ntlm")
    a = form_agent(h, "dnalice", PW["dnalice"], "/ntlm/x")
    r = a.get("/ntlm/x?q=1")
    view = backend_view(r)
    assert seen_as(view, "NTLM", h) == "dnalice"
    assert view["path"] == "/x?q=1"
    assert "WWW-Authenticate" not in r.headers
    assert "AuthGWSession" not in (header(view, "Cookie") or "")
    c = counters(h)
    assert c["AuthGWDelegateAttempts"] == 1 and c["AuthGWDelegateSuccesses"] == 1, c


def test_ntlm_basic_receipt_and_post_body(gateway):
    h = gateway("basic", "ntlm")
    r = requests.post(h.url("/ntlm/form"), data={"a": "1" * 5000},
                      headers={"Authorization": basic("dnbob", PW["dnbob"])}, timeout=15)
    view = backend_view(r)
    assert seen_as(view, "NTLM", h) == "dnbob"
    assert view["method"] == "POST"
    assert len(view["body"]) == len("a=" + "1" * 5000), view.get("body", "")[:80]


def test_ntlm_two_users_interleaved_on_keepalive_connections(gateway, ntlm_server):
    """Two clients, each on one keep-alive connection, take turns: every
    answer is the client's own user, never the other's.  On the published
    server, each backend connection carried one NEGOTIATE (HEAD, 401) and
    then one request, never a second: no logon is left for another user."""
    h = gateway("basic", "ntlm")
    check_interleaved(h, "/ntlm", "NTLM", 4)
    assert counters(h)["AuthGWDelegateAttempts"] == 8
    # per backend connection: the NEGOTIATE, then one request, then closed
    conns = connections(ntlm_server)
    assert len(conns) == 8, conns
    for reqs in conns.values():
        assert len(reqs) == 2, reqs
        (m1, p1, s1, u1), (m2, p2, s2, u2) = reqs
        assert (m1, s1, u1, m2, s2) == ("HEAD", "401", "-", "GET", "200"), reqs
        assert p1 == p2 and u2.lower().endswith(p2.split("/")[1]), reqs


def test_ntlm_refused_password_form_asks_again(gateway):
    h = gateway("form", "ntlm")
    a = form_agent(h, "dncarol", CAROL_GW, "/ntlm/doc")
    r = a.get("/ntlm/doc")
    assert r.status_code == 302, (r.status_code, r.text[:300])
    assert "/.authgw/logon?return=" in r.headers["Location"]
    assert "WWW-Authenticate" not in r.headers
    assert a.session is None
    assert re.search(r"AGW50006: .*refused the delegated credentials of user"
                     r" 'dncarol'", h.error_log())
    assert counters(h)["AuthGWDelegateFailures"] == 1


@pytest.mark.parametrize("method,prefix,user", [("ntlm", "/ntlm", "dndave"),
                                                ("negotiate", "/nego", "dneve")])
def test_password_changed_after_logon_asks_again(gateway, ad, method, prefix, user):
    """The user logs on and is delegated, then the AD password changes: the
    next request finds the kept password refused, and the logon again."""
    h = gateway("form", method)
    a = form_agent(h, user, PW[user], prefix + "/1")
    assert seen_as(backend_view(a.get(prefix + "/1")),
                   "NTLM" if method == "ntlm" else "Negotiate", h) == user
    ad.samba_tool("user", "setpassword", user, "--newpassword=" + CHANGED)
    r = a.get(prefix + "/2")
    assert r.status_code == 302, (r.status_code, r.text[:300])
    assert "/.authgw/logon?return=" in r.headers["Location"]
    assert a.session is None


def test_ntlm_refused_password_basic_asks_again(gateway):
    h = gateway("basic", "ntlm")
    r = requests.get(h.url("/ntlm/c"), auth=("dncarol", CAROL_GW), timeout=15)
    assert r.status_code == 401
    assert r.headers.get("WWW-Authenticate") == 'Basic realm="Gateway", charset="UTF-8"'
    assert "AGW50007" in h.error_log()


# ---------------------------------------------------------------------------
# negotiate
# ---------------------------------------------------------------------------

def test_negotiate_form_logon(gateway):
    h = gateway("form", "negotiate")
    a = form_agent(h, "dnalice", PW["dnalice"], "/nego/x")
    r = a.get("/nego/x")
    assert seen_as(backend_view(r), "Negotiate", h) == "dnalice"
    assert "WWW-Authenticate" not in r.headers    # the server's AP-REP stays


def test_negotiate_two_users_interleaved_on_keepalive_connections(gateway):
    h = gateway("basic", "negotiate")
    check_interleaved(h, "/nego", "Negotiate", 3)


def test_negotiate_password_refused_by_the_kdc_asks_again(gateway):
    h = gateway("form", "negotiate")
    a = form_agent(h, "dncarol", CAROL_GW, "/nego/doc")
    r = a.get("/nego/doc")
    assert r.status_code == 302, (r.status_code, r.text[:300])
    assert "/.authgw/logon?return=" in r.headers["Location"]
    assert a.session is None
    assert re.search(r"AGW50081: .*'dncarol' \(dncarol@GW.TEST\): the KDC refused"
                     r" the password", h.error_log())
    h2 = gateway("basic", "negotiate")
    r = requests.get(h2.url("/nego/c"), auth=("dncarol", CAROL_GW), timeout=15)
    assert r.status_code == 401
    assert r.headers.get("WWW-Authenticate") == 'Basic realm="Gateway", charset="UTF-8"'


def test_negotiate_without_spn_falls_back_to_ntlm(gateway):
    """Nothing holds HTTP/dnntlm.gw.test: no ticket, so NTLM with the same
    password, against the NTLM server."""
    h = gateway("form", "negotiate")
    a = form_agent(h, "dnbob", PW["dnbob"], "/ntlm/f")
    assert seen_as(backend_view(a.get("/ntlm/f")), "NTLM", h) == "dnbob"
    assert re.search(r"AGW50080: .*'dnbob' \(dnbob@GW.TEST\) to"
                     r" HTTP/dnntlm.gw.test@GW.TEST: no Kerberos ticket .*NTLM"
                     r" instead", h.error_log())


# ---------------------------------------------------------------------------
# httpd -t
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["ntlm", "negotiate"])
def test_configtest_refuses_a_receipt_without_password(make_httpd, secret, method):
    conf = """
AuthGWSecretFile %s
<Location />
    AuthType GatewayForm
    AuthGWFormProvider file
    AuthGWFormType passcode
    AuthUserFile /dev/null
    Require valid-user
</Location>
<Location /app>
    ProxyPass http://127.0.0.1:9/
    AuthGWDelegate %s
</Location>
""" % (secret, method)
    h = make_httpd(conf, modules=MODULES, start=False)
    rc, out = h.configtest()
    assert rc != 0
    assert re.search(r"AGW50008: AuthGWDelegate %s \(<Location /app>\) cannot"
                     r" work with AuthType GatewayForm with AuthGWFormType"
                     r" passcode" % method, out), out
