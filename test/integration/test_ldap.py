"""The authn provider "authgw-ldap" (hosted in mod_authgw_core) against the
real Samba AD DC of the test session, behind the forms logon and httpd's
AuthType Basic: what a user sees, what the backend sees, what the log says.

Users, groups and OUs of this file start with "ld".  The DC's certificate
names DC1.gw.test (no IP address), so servers are addressed as
dc1.gw.test and verified against samba_ad.ca_cert.

Run: flock /tmp/agw-samba.lock /usr/bin/python3 -m pytest -q test_ldap.py
"""

import os
import re
import subprocess
import time

import pytest
import requests

import harness
from harness import backend_view, get, header, logon, page_text

MODULES = ("core", "forms")

PW = {
    "ldalice": "Ld-alice-Pw1!",
    "ldbob": "Ld-bob-Pw1!",
    "ldpartner": "Ld-partner-Pw1!",
    "lddisabled": "Ld-disabled-Pw1!",
    "ldmust": "Ld-must-Pw1!",
    "ldexpired": "Ld-expired-Pw1!",
    "ldsvc": "Ld-svc-Pw1!",
}
PARTNERS_OU = "OU=LdPartners"
UNAVAILABLE = "The logon service is unavailable"
INCORRECT = "The user name or password is incorrect"


@pytest.fixture(scope="module")
def ad(samba_ad):
    """The DC with this file's accounts: ldalice in ldinner, itself in
    ldouter (nested); ldpartner only in OU=LdPartners; a disabled user, one
    that must change its password, one whose account expired; the service
    account ldsvc (no rights beyond Domain Users)."""
    ad = samba_ad
    for user in ("ldalice", "ldbob", "lddisabled", "ldexpired", "ldsvc"):
        ad.add_user(user, PW[user])
    ad.add_user("ldmust", PW["ldmust"], must_change_at_next_login=True)
    ad.samba_tool("user", "disable", "lddisabled")
    ad.samba_tool("user", "setexpiry", "ldexpired", "--days=0")
    ad.samba_tool("ou", "create", "%s,%s" % (PARTNERS_OU, ad.base_dn))
    ad.add_user("ldpartner", PW["ldpartner"], userou=PARTNERS_OU)
    ad.add_group("ldinner")
    ad.add_group("ldouter")
    ad.add_member("ldinner", "ldalice")
    ad.add_member("ldouter", "ldinner")
    return ad


@pytest.fixture(scope="module")
def svc_pw_file():
    d = harness.new_dir("ldap-pw")
    path = harness.write_file(os.path.join(d, "ldsvc.pw"), PW["ldsvc"] + "\n", 0o600)
    yield path
    harness.shutil.rmtree(d, ignore_errors=True)


def directory(ad, pw_file, servers=None, base=None, extra="", account="ldsvc"):
    """The lines of one directory (a <Location> or an alias section), bound
    as the service account ``account`` whose password is in pw_file."""
    servers = servers or ["ldaps://%s" % ad.dc_host]
    return "\n".join([
        "AuthGWLDAPServer " + " ".join(servers),
        'AuthGWLDAPBase "%s"' % (base or "CN=Users," + ad.base_dn),
        'AuthGWLDAPBind simple "CN=%s,CN=Users,%s" %s' % (account, ad.base_dn, pw_file),
        "AuthGWLDAPCACert %s" % ad.ca_cert,
        "AuthGWLDAPTimeout 3",
        extra,
    ])


def ldap_conf(backend_port, secret, dir_lines, require="valid-user",
              location_extra="", extra_sections="", providers="authgw-ldap"):
    """GatewayForm on / and AuthType Basic on /basic/, both through the
    given providers, proxying to the echo backend; /server-status too."""
    return """
AuthGWSecretFile {secret}
AuthGWStore shmcb
ExtendedStatus On
LogFormat "%u account=%{authgw-account}n expires=%{authgw-password-expires}n" notes
CustomLog "{dir}/notes.log" notes
{extra_sections}
<Location />
    AuthType GatewayForm
    AuthName "LDAP test"
    AuthGWFormProvider {providers}
{dir_lines}
    Require {require}
    ProxyPass http://127.0.0.1:{bport}/
    ProxyPassReverse http://127.0.0.1:{bport}/
    RequestHeader set X-Remote-User "expr=%{REMOTE_USER}"
    {location_extra}
</Location>
<Location /basic/>
    AuthType Basic
    AuthName "LDAP Basic"
    AuthBasicProvider {providers}
    RequestHeader set X-Password-Expires "expr=%{note:authgw-password-expires}"
</Location>
<Location /server-status>
    SetHandler server-status
    ProxyPass !
    Require ip 127.0.0.1
</Location>
""".replace("{secret}", secret).replace("{extra_sections}", extra_sections) \
       .replace("{providers}", providers).replace("{dir_lines}", dir_lines) \
       .replace("{require}", require).replace("{bport}", str(backend_port)) \
       .replace("{location_extra}", location_extra)


@pytest.fixture
def gateway(make_httpd, backend, secret, ad, svc_pw_file):
    """gateway(servers=None, base=None, extra="", require=..., ...): a
    started httpd with one directory on / (or, with dir_lines="", only what
    extra_sections and providers say)."""

    def factory(servers=None, base=None, extra="", dir_lines=None, start=True,
                **kw):
        if dir_lines is None:
            dir_lines = directory(ad, svc_pw_file, servers, base, extra)
        conf = ldap_conf(backend.port, secret, dir_lines, **kw)
        h = make_httpd(conf, modules=MODULES, start=start)
        h.forbid_in_log(*PW.values())
        return h

    return factory


def basic(httpd, user, password, path="/basic/"):
    return requests.get(httpd.url(path), auth=(user, password), timeout=20,
                        allow_redirects=False)


def counters(httpd):
    r = requests.get(httpd.url("/server-status?auto"), timeout=10)
    assert r.status_code == 200, r.text[:300]
    return {k: int(v) for k, v in re.findall(r"^(AuthGWLDAP\w+): (\d+)$", r.text, re.M)}


def notes_lines(httpd, done):
    """The lines of the notes log (user, account note, expiry) once
    done(lines) holds, or after 5 s: httpd writes a request's line just
    after the response."""
    deadline = time.time() + 5
    while True:
        try:
            with open(os.path.join(httpd.dir, "notes.log")) as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            lines = []
        if done(lines) or time.time() > deadline:
            return lines
        time.sleep(0.05)


def form_logon(httpd, user, password):
    """The logon form, filled and posted: the session cookie or None, and
    the POST's response."""
    lo = logon(httpd.base_url, user, password)
    return lo.cookie, lo.resp


def logged_on(httpd, user, password, as_user=None):
    """Logs on through the form and returns what the backend saw."""
    cookie, resp = form_logon(httpd, user, password)
    assert resp.status_code == 302 and cookie, "logon failed: %d %s" % (
        resp.status_code, page_text(resp.text)[:300])
    view = backend_view(get(httpd.url("/app"), session=cookie))
    assert header(view, "X-Remote-User") == (as_user or user)
    return view


def assert_refused_form(httpd, user, password):
    cookie, resp = form_logon(httpd, user, password)
    assert resp.status_code == 200 and not cookie, \
        "expected the form again, got %d" % resp.status_code
    assert INCORRECT in page_text(resp.text), page_text(resp.text)[:300]


# ---------------------------------------------------------------------------
# logons
# ---------------------------------------------------------------------------

def test_form_logon(gateway, backend):
    httpd = gateway()
    logged_on(httpd, "ldalice", PW["ldalice"])
    assert "AGW10029" in httpd.error_log()


def test_basic_logon_and_password_expiry(gateway, backend):
    """Basic through the same provider; the password's expiry (Samba:
    42 days after it was set) is in the note for the backend."""
    httpd = gateway()
    r = basic(httpd, "ldalice", PW["ldalice"], "/basic/x")
    view = backend_view(r)
    assert view["path"].startswith("/basic/x")
    assert header(view, "X-Remote-User") == "ldalice"
    expires = int(header(view, "X-Password-Expires"))
    days = (expires - time.time()) / 86400
    assert 41 < days <= 42.01, days


@pytest.mark.parametrize("name", ["GW\\ldalice", "gw\\ldalice", "ldalice@gw.test",
                                  "ldalice@GW.TEST"])
def test_domain_and_upn_names(gateway, backend, name):
    """DOMAIN\\user and user@realm find the same account; the backend sees
    the name as the user typed it."""
    httpd = gateway()
    view = backend_view(basic(httpd, name, PW["ldalice"], "/basic/"))
    assert header(view, "X-Remote-User") == name
    logged_on(httpd, name, PW["ldalice"])


def test_dn_as_name(gateway, backend, ad):
    httpd = gateway()
    dn = "CN=ldalice,CN=Users," + ad.base_dn
    assert backend_view(basic(httpd, dn, PW["ldalice"]))
    # a DN outside the base is not this directory's
    assert basic(httpd, "CN=Administrator,CN=Users," + ad.base_dn + "x",
                 ad.admin_password).status_code == 401


def test_wrong_password(gateway):
    httpd = gateway()
    assert_refused_form(httpd, "ldalice", "wrong-Pw1!")
    assert basic(httpd, "ldalice", "wrong-Pw1!").status_code == 401
    log = httpd.error_log()
    assert re.search(r"AGW10018: .*refused user 'ldalice' from 127\.0\.0\.1: "
                     r"bad-password .*data 52e", log), log[-2000:]
    # the form's POST and the Basic request: neither carries an account state
    lines = notes_lines(httpd, lambda ls: sum("ldalice account" in x for x in ls) >= 1)
    assert all("account=-" in line for line in lines), lines


def test_empty_password_refused_before_any_bind(gateway):
    """AD takes a simple bind with an empty password for an anonymous bind,
    which succeeds: the provider refuses it before asking."""
    httpd = gateway()
    before = counters(httpd)
    assert basic(httpd, "ldalice", "").status_code == 401
    assert basic(httpd, "", "x").status_code == 401
    after = counters(httpd)
    assert after["AuthGWLDAPAttempts"] == before["AuthGWLDAPAttempts"]
    assert "AGW10027" in httpd.error_log()
    assert "AGW10018" not in httpd.error_log()


def test_unknown_user(gateway):
    httpd = gateway()
    assert_refused_form(httpd, "ldnobody", "Whatever-1")
    assert basic(httpd, "ldnobody", "Whatever-1").status_code == 401
    assert "AGW10030" in httpd.error_log()


def test_other_domain_is_not_this_directory(gateway):
    httpd = gateway()
    assert basic(httpd, "OTHER\\ldalice", PW["ldalice"]).status_code == 401
    assert re.search(r"AGW10028: user name 'OTHER\\\\+ldalice' is not one of",
                     httpd.error_log()), httpd.error_log()[-1500:]


@pytest.mark.parametrize("name", ["*", "ld*", "*)(sAMAccountName=*", "ldalice)(|(cn=*",
                                  "\\", "GW\\*", "*@gw.test", "ldali\\2a",
                                  "ldalice\\", "ld*ice"])
def test_filter_injection_logs_no_one_on(gateway, backend, name):
    httpd = gateway()
    assert basic(httpd, name, PW["ldalice"]).status_code == 401
    cookie, resp = form_logon(httpd, name, PW["ldalice"])
    assert resp.status_code == 200 and not cookie
    assert "AGW10029" not in httpd.error_log()


def test_second_directory_tried_in_order(gateway, backend, ad, svc_pw_file):
    """Two <AuthnProviderAlias authgw-ldap ...> directories (CN=Users, then
    OU=LdPartners): a partner is not found in the first and logs on through
    the second; a staff user through the first."""
    sections = "".join(
        "<AuthnProviderAlias authgw-ldap %s>\n%s\n</AuthnProviderAlias>\n"
        % (alias, directory(ad, svc_pw_file, base=base))
        for alias, base in (("staff", "CN=Users," + ad.base_dn),
                            ("partners", "%s,%s" % (PARTNERS_OU, ad.base_dn))))
    httpd = gateway(dir_lines="", extra_sections=sections, providers="staff partners")
    assert header(backend_view(basic(httpd, "ldpartner", PW["ldpartner"])),
                  "X-Remote-User") == "ldpartner"
    assert header(backend_view(basic(httpd, "ldalice", PW["ldalice"])),
                  "X-Remote-User") == "ldalice"
    logged_on(httpd, "ldpartner", PW["ldpartner"])
    assert basic(httpd, "ldpartner", "wrong-Pw1!").status_code == 401
    log = httpd.error_log()
    assert re.search(r"AGW10030: .*no user 'ldpartner' under 'CN=Users", log)
    assert re.search(r"AGW10029: user 'ldpartner' \(CN=ldpartner,OU=LdPartners,.*"
                     r"through partners", log), log[-2000:]


def test_nested_group(gateway, backend):
    """Require authgw-group: ldalice is in ldouter through ldinner; ldbob
    is in neither."""
    httpd = gateway(require="authgw-group ldouter",
                    location_extra="AuthzSendForbiddenOnFailure On")
    logged_on(httpd, "ldalice", PW["ldalice"])
    cookie, resp = form_logon(httpd, "ldbob", PW["ldbob"])
    assert cookie
    assert get(httpd.url("/app"), session=cookie).status_code == 403


def test_primary_group(gateway, backend):
    """The primary group (Domain Users) is named too, as winbind does."""
    httpd = gateway(require='authgw-group "Domain Users"')
    logged_on(httpd, "ldbob", PW["ldbob"])


@pytest.mark.parametrize("user,reason,note,told", [
    ("lddisabled", "disabled", "disabled", "Your account is disabled"),
    ("ldmust", "must-change", "must-change", "You must change your password"),
    ("ldexpired", "account-expired", "account-expired", "Your account has expired"),
])
def test_account_states(gateway, user, reason, note, told):
    """With the right password, AD says why it refused: the log line gives
    the reason, the account note carries it to the receipt module, whose
    form tells the user.  With a wrong password AD says only 52e, so nothing
    about the account shows."""
    httpd = gateway()
    cookie, resp = form_logon(httpd, user, PW[user])
    assert resp.status_code == 200 and not cookie, resp.status_code
    assert told in page_text(resp.text), page_text(resp.text)[:300]
    assert_refused_form(httpd, user, "wrong-Pw1!")
    assert basic(httpd, user, PW[user]).status_code == 401
    log = httpd.error_log()
    assert re.search(r"AGW10018: .*refused user '%s' from 127\.0\.0\.1: %s "
                     % (user, reason), log), log[-2000:]
    assert basic(httpd, user, "wrong-Pw1!").status_code == 401
    # the form's POST and the Basic request said it; the wrong passwords not
    lines = notes_lines(httpd, lambda ls: sum(user + " account" in x for x in ls) >= 3)
    assert sum(" account=%s " % note in line for line in lines) == 2, lines
    assert sum("%s account=- " % user in line for line in lines) == 1, lines


# ---------------------------------------------------------------------------
# servers: TLS, fail-over, global catalog, outage
# ---------------------------------------------------------------------------

def test_failover_past_a_dead_server(gateway, backend, ad):
    httpd = gateway(servers=["ldaps://127.0.0.1:1", "ldaps://%s" % ad.dc_host])
    for _ in range(2):
        assert backend_view(basic(httpd, "ldalice", PW["ldalice"]))
    log = httpd.error_log()
    assert "AGW10015: LDAP server ldaps://127.0.0.1:1 could not be used" in log
    # held down after the first failure: tried last, so not again at once
    assert log.count("AGW10015") == 1, log[-2000:]


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never answers (a hung
    server): its address as host:port."""
    import socket
    import threading
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held, stop = [], threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield "127.0.0.1:%d" % srv.getsockname()[1]
    stop.set()
    t.join()
    for c in held:
        c.close()
    srv.close()


@pytest.mark.parametrize("scheme", ["ldaps", "ldap"])
def test_silent_server_times_out(gateway, backend, ad, silent_server, scheme):
    """A server that takes the connection but never answers (TLS handshake
    or StartTLS) is given up after AuthGWLDAPTimeout, and the next one
    serves the logon."""
    httpd = gateway(servers=["%s://%s" % (scheme, silent_server),
                             "ldaps://%s" % ad.dc_host],
                    extra="AuthGWLDAPTimeout 1")
    t0 = time.monotonic()
    assert backend_view(basic(httpd, "ldalice", PW["ldalice"]))
    assert time.monotonic() - t0 < 5
    assert "AGW10015: LDAP server %s://%s" % (scheme, silent_server) in httpd.error_log()


class CountingProxy:
    """A TCP relay on 127.0.0.1 in front of the DC's LDAPS port (TLS passes
    through it end to end): counts the connections made, and drops them all
    at once, as a directory does with idle connections or at a restart."""

    def __init__(self, upstream_port):
        import socket
        import threading
        self.accepted = 0
        self._socks, self._lock = [], threading.Lock()
        self._srv = socket.socket()
        self._srv.bind(("127.0.0.1", 0))
        self._srv.listen(32)
        self.port = self._srv.getsockname()[1]
        self._up = upstream_port
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import socket
        import threading
        self._srv.settimeout(0.2)
        while not self._stop.is_set():
            try:
                down = self._srv.accept()[0]
            except OSError:
                continue
            up = socket.create_connection(("127.0.0.1", self._up))
            with self._lock:
                self.accepted += 1
                self._socks += [down, up]
            for a, b in ((down, up), (up, down)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a, b):
        import socket
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def drop_all(self):
        import socket
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self):
        self._stop.set()
        self.drop_all()
        self._srv.close()


@pytest.fixture
def dc_proxy():
    p = CountingProxy(636)
    yield p
    p.close()


def test_connections_kept_between_logons(gateway, backend, ad, dc_proxy):
    """With a service account, a child keeps its connections to the
    directory for the next logons (one bound as the service account, one
    for users' binds): ten logons do not make twenty TLS connections.  When
    the directory closes them, the next logon is served on new ones and the
    server is not held down; users and wrong passwords are told apart on
    kept connections as on new ones."""
    httpd = gateway(servers=["ldaps://%s:%d" % (ad.dc_host, dc_proxy.port)])
    for i in range(10):
        user = ("ldalice", "ldbob")[i % 2]
        r = basic(httpd, user, PW[user])
        assert header(backend_view(r), "X-Remote-User") == user
    assert basic(httpd, "ldbob", PW["ldalice"]).status_code == 401
    # at most two per child that served (sequential logons)
    children = len(httpd.served_pids())
    assert 2 <= dc_proxy.accepted <= 2 * children, (dc_proxy.accepted, children)
    dc_proxy.drop_all()
    for user in ("ldalice", "ldbob", "ldalice", "ldbob"):
        r = basic(httpd, user, PW[user])
        assert header(backend_view(r), "X-Remote-User") == user
    log = httpd.error_log()
    assert "AGW10150: LDAP server ldaps://%s:%d: a connection kept from an" \
        " earlier logon failed" % (ad.dc_host, dc_proxy.port) in log, log[-2000:]
    assert "AGW10015" not in log and "AGW10031" not in log, log[-2000:]
    assert counters(httpd)["AuthGWLDAPErrors"] == 0


def test_starttls(gateway, backend, ad):
    httpd = gateway(servers=["ldap://%s" % ad.dc_host])
    assert backend_view(basic(httpd, "GW\\ldalice", PW["ldalice"]))


@pytest.mark.parametrize("url", ["ldaps://{dc}:3269", "ldap://{dc}:3268"])
def test_global_catalog(gateway, backend, ad, url):
    httpd = gateway(servers=[url.format(dc=ad.dc_host)], base=ad.base_dn)
    assert backend_view(basic(httpd, "ldalice@gw.test", PW["ldalice"]))
    assert backend_view(basic(httpd, "ldpartner", PW["ldpartner"]))


def test_directory_down_is_503(gateway):
    httpd = gateway(servers=["ldaps://127.0.0.1:1", "ldap://127.0.0.1:2"])
    httpd.expect_errors(r"AGW10031", r"AGW20018")
    cookie, r = form_logon(httpd, "ldalice", PW["ldalice"])
    assert r.status_code == 503, r.status_code
    assert UNAVAILABLE in page_text(r.text)
    assert not cookie
    c = counters(httpd)
    assert c["AuthGWLDAPErrors"] == 1 and c["AuthGWLDAPSuccesses"] == 0


def test_server_certificate_is_verified(gateway, ad):
    """A certificate that does not name the host (the DC's names
    DC1.gw.test, not 127.0.0.1), or a CA other than AuthGWLDAPCACert, makes
    the server unusable: 503, never a logon."""
    d = harness.new_dir("ldap-ca")
    other_ca = os.path.join(d, "other-ca.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", os.path.join(d, "k.pem"), "-out", other_ca,
                    "-days", "1", "-subj", "/CN=other CA"],
                   check=True, capture_output=True)
    os.chmod(other_ca, 0o644)
    for servers, extra in ((["ldaps://127.0.0.1"], ""),
                           (["ldap://127.0.0.1"], ""),
                           (["ldaps://%s" % ad.dc_host], "AuthGWLDAPCACert %s" % other_ca)):
        httpd = gateway(servers=servers, extra=extra)
        httpd.expect_errors(r"AGW10031", r"AGW20018")
        cookie, r = form_logon(httpd, "ldalice", PW["ldalice"])
        assert r.status_code == 503 and not cookie
        assert re.search(r"AGW10015: .*could not be used: .*TLS handshake failed",
                         httpd.error_log()), httpd.error_log()[-1500:]
        httpd.stop()
    harness.shutil.rmtree(d, ignore_errors=True)


def test_credential_cache_spares_the_directory(gateway, backend):
    httpd = gateway(extra="AuthGWCredentialCache On 60")
    for _ in range(3):
        assert backend_view(basic(httpd, "ldalice", PW["ldalice"]))
    c = counters(httpd)
    assert c["AuthGWLDAPAttempts"] == 1 and c["AuthGWLDAPSuccesses"] == 3, c
    # a wrong password is never a hit
    assert basic(httpd, "ldalice", "wrong-Pw1!").status_code == 401
    assert counters(httpd)["AuthGWLDAPAttempts"] == 2


def test_cache_restores_groups(gateway, backend):
    httpd = gateway(extra="AuthGWCredentialCache On 60",
                    require="authgw-group ldouter")
    for _ in range(2):
        r = basic(httpd, "ldalice", PW["ldalice"], "/basic/app")
        assert r.status_code == 200, r.status_code
    assert counters(httpd)["AuthGWLDAPAttempts"] == 1


# ---------------------------------------------------------------------------
# bind methods
# ---------------------------------------------------------------------------

def test_bind_as_user(gateway, backend, ad):
    """AuthGWLDAPBind user: no service account; the user binds with the
    name typed (AD takes DOMAIN\\user, UPNs, and, for a plain name, the
    implicit UPN name@dns-domain), then reads its own entry and groups."""
    httpd = gateway(extra="AuthGWLDAPBind user", require="authgw-group ldouter")
    for name in ("ldalice", "GW\\ldalice", "ldalice@gw.test"):
        logged_on(httpd, name, PW["ldalice"])
    assert basic(httpd, "ldalice", "wrong-Pw1!").status_code == 401
    assert basic(httpd, "ldmust", PW["ldmust"]).status_code == 401
    assert re.search(r"AGW10018: .*'ldmust' .*must-change", httpd.error_log())


def test_bind_gssapi(gateway, backend, ad, monkeypatch):
    """AuthGWLDAPBind gssapi: the service account's key from a keytab, a
    SASL GSSAPI bind (inside TLS) instead of a password file."""
    d = harness.new_dir("ldap-keytab")
    keytab = ad.export_keytab(os.path.join(d, "ldsvc.keytab"), "ldsvc@" + ad.realm)
    monkeypatch.setenv("KRB5_CONFIG", ad.krb5_conf)
    httpd = gateway(extra="AuthGWLDAPBind gssapi %s ldsvc@%s" % (keytab, ad.realm),
                    require="authgw-group ldouter")
    logged_on(httpd, "ldalice", PW["ldalice"])
    assert basic(httpd, "ldalice", "wrong-Pw1!").status_code == 401
    httpd.stop()
    # a principal the keytab has no key for: the service cannot search
    httpd = gateway(extra="AuthGWLDAPBind gssapi %s nobody@%s" % (keytab, ad.realm))
    httpd.expect_errors(r"AGW10034", r"AGW20018")
    cookie, r = form_logon(httpd, "ldalice", PW["ldalice"])
    assert r.status_code == 503 and not cookie
    assert re.search(r"AGW10034: .*no credentials for nobody@GW.TEST from the keytab",
                     httpd.error_log()), httpd.error_log()[-1500:]
    harness.shutil.rmtree(d, ignore_errors=True)


def test_service_account_by_upn(gateway, backend, svc_pw_file):
    """AD takes the service account's UPN for a simple bind."""
    httpd = gateway(extra="AuthGWLDAPBind simple ldsvc@gw.test %s" % svc_pw_file)
    logged_on(httpd, "ldalice", PW["ldalice"])


def test_wrong_service_password_is_503(gateway, tmp_path):
    d = harness.new_dir("ldap-pw")
    bad = harness.write_file(os.path.join(d, "bad.pw"), "not-the-password\n", 0o600)
    httpd = gateway(extra="AuthGWLDAPBind simple ldsvc@gw.test %s" % bad)
    httpd.expect_errors(r"AGW10034", r"AGW20018")
    cookie, r = form_logon(httpd, "ldalice", PW["ldalice"])
    assert r.status_code == 503 and not cookie
    assert "AGW10034" in httpd.error_log()
    harness.shutil.rmtree(d, ignore_errors=True)


def test_generic_directory_mode(gateway, backend):
    """AuthGWLDAPDirectory ldap, against the same DC: the name as typed
    against the user attribute, groups by member (direct only)."""
    httpd = gateway(extra="AuthGWLDAPDirectory ldap\n"
                          "AuthGWLDAPUserAttribute sAMAccountName",
                    require="authgw-group ldinner")
    logged_on(httpd, "ldalice", PW["ldalice"])
    # no DOMAIN\ parsing in a generic directory
    assert basic(httpd, "GW\\ldalice", PW["ldalice"]).status_code == 401
    assert basic(httpd, "ldmust", PW["ldmust"]).status_code == 401
    assert re.search(r"AGW10018: .*'ldmust' .*: bad-password", httpd.error_log())
    lines = notes_lines(httpd, lambda ls: any("ldmust account" in x for x in ls))
    assert [x for x in lines if x.startswith("ldmust ")] == ["ldmust account=- expires=-"]
    httpd.stop()
    httpd = gateway(extra="AuthGWLDAPDirectory ldap\n"
                          "AuthGWLDAPUserAttribute sAMAccountName",
                    require="authgw-group ldouter")
    cookie, r = form_logon(httpd, "ldalice", PW["ldalice"])
    assert cookie and get(httpd.url("/app"), session=cookie).status_code != 200


@pytest.mark.parametrize("bind", ["simple", "gssapi"])
def test_concurrent_logons(gateway, backend, ad, monkeypatch, bind):
    """Logons at the same time in the threads of both children: each gets
    its own answer (a connection, kept or new, and its TLS context serve one
    logon at a time; GSSAPI credential caches are per logon)."""
    import concurrent.futures
    extra = ""
    if bind == "gssapi":
        d = harness.new_dir("ldap-keytab")
        keytab = ad.export_keytab(os.path.join(d, "ldsvc.keytab"), "ldsvc@" + ad.realm)
        monkeypatch.setenv("KRB5_CONFIG", ad.krb5_conf)
        extra = "AuthGWLDAPBind gssapi %s ldsvc@%s" % (keytab, ad.realm)
    httpd = gateway(extra=extra)
    cases = [("ldalice", PW["ldalice"], 200), ("ldbob", PW["ldbob"], 200),
             ("ldalice", "wrong-Pw1!", 401), ("GW\\ldbob", PW["ldbob"], 200)] * 8

    def one(case):
        user, pw, want = case
        r = basic(httpd, user, pw)
        return (r.status_code == want
                and (want != 200 or header(r.json(), "X-Remote-User") == user))

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        results = list(pool.map(one, cases))
    assert all(results), results
    assert counters(httpd)["AuthGWLDAPSuccesses"] == 24


# ---------------------------------------------------------------------------
# configuration errors (httpd -t)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("lines,directive", [
    ("AuthGWLDAPServer http://dc1.gw.test", "AuthGWLDAPServer"),
    ("AuthGWLDAPServer ldaps://dc1.gw.test/DC=gw,DC=test", "AuthGWLDAPServer"),
    ("AuthGWLDAPServer ldaps://", "AuthGWLDAPServer"),
    ("AuthGWLDAPServer ldaps://dc1.gw.test", "AuthGWLDAPBase"),
    ('AuthGWLDAPServer ldaps://dc1.gw.test\nAuthGWLDAPBase "DC=gw,,x"', "AuthGWLDAPBase"),
    ("AuthGWLDAPBind simple CN=x /nonexistent/pw", "AuthGWLDAPBind"),
    ("AuthGWLDAPBind simple CN=x {empty}", "AuthGWLDAPBind"),
    ("AuthGWLDAPBind anonymous", "AuthGWLDAPBind"),
    ("AuthGWLDAPBind gssapi /nonexistent/keytab gw@GW.TEST", "AuthGWLDAPBind"),
    ("AuthGWLDAPCACert /nonexistent/ca.pem", "AuthGWLDAPCACert"),
    ("AuthGWLDAPDirectory openldap", "AuthGWLDAPDirectory"),
    ("AuthGWLDAPUserFilter objectClass=user", "AuthGWLDAPUserFilter"),
    ("AuthGWLDAPUserFilter (a=b))(c=d", "AuthGWLDAPUserFilter"),
    ("AuthGWLDAPUserAttribute (uid)", "AuthGWLDAPUserAttribute"),
    ("AuthGWLDAPDomain GW/x", "AuthGWLDAPDomain"),
    ("AuthGWLDAPTimeout 0", "AuthGWLDAPTimeout"),
    ("AuthGWLDAPDeadTime soon", "AuthGWLDAPDeadTime"),
])
def test_configuration_errors(make_httpd, backend, secret, tmp_path, lines, directive):
    empty = tmp_path / "empty.pw"
    empty.write_text("\n")
    conf = ldap_conf(backend.port, secret, lines.replace("{empty}", str(empty)))
    h = make_httpd(conf, modules=MODULES, start=False)
    rc, out = h.configtest()
    assert rc != 0, out
    assert directive in out, out


def test_configuration_accepted(make_httpd, backend, secret, ad, svc_pw_file):
    conf = ldap_conf(backend.port, secret, directory(ad, svc_pw_file, extra="\n".join([
        "AuthGWLDAPDirectory ad",
        "AuthGWLDAPUserAttribute sAMAccountName",
        'AuthGWLDAPUserFilter "(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))"',
        'AuthGWLDAPGroupBase "%s"' % ad.base_dn,
        "AuthGWLDAPDomain GW gw.test",
        "AuthGWLDAPDeadTime 0"])))
    h = make_httpd(conf, modules=MODULES, start=False)
    rc, out = h.configtest()
    assert rc == 0, out
