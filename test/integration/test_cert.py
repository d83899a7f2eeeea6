"""Client certificates: AuthType GatewayCertificate, the two-factor form
(AuthGWFormRequireCertificate), AuthGWCertificate* constraints, revocation
through mod_ssl, Kerberos constrained delegation for a certificate user, and
AuthGWSessionBindIP.

A test CA made here with the openssl command issues the certificates:
  good      UPN ctalice@gw.test, clientAuth + smartcardLogon, policy P1
  wrongeku  the same user, clientAuth only
  otherca   the same user, from another CA
  revoked   the same user, revoked (the CRL is mod_ssl's
            SSLCARevocationFile)
  bob       UPN ctbob@gw.test (a two-factor logon as ctalice with it fails)
  disabled  UPN ctdis@gw.test, an account disabled in AD
  smartcard subject "CN=Smart Card 42", no UPN: AD's altSecurityIdentities
            of ctbob names it (AuthGWCertificateMap ldap)
httpd listens with mod_ssl on a loopback port (SSLVerifyClient
optional_no_ca, so that authgw sees and logs a certificate mod_ssl could not
verify; a revoked one is refused by mod_ssl in the handshake, whatever the
mode).  Users and accounts here start with "ct" (the AD is shared).
"""

import http.cookiejar
import json
import os
import re
import shutil
import subprocess

import pytest
import requests

import harness
import services
from harness import backend_view, header

MODULES = ("core", "forms", "ssl")
PW = {"ctalice": "Ct-Al1ce!pass", "ctbob": "Ct-B0b!pass", "ctdis": "Ct-D1s!pass",
      "ctsvc": "Ct-Svc!pass-1"}
KCD_GW = ("ctgw", "Ct-Gw!pass-1")       # the gateway's account for kcd
KCD_WEB = ("ctweb", "Ct-Web!pass-1")    # the published server's account
GW_HOST, WEB_HOST = "ctgw.gw.test", "ctweb.gw.test"
POLICY = "1.3.6.1.4.1.55555.1.1"
CA_SUBJECT = "/O=AuthGW Test/CN=Cert Test CA"
SECRETS = list(PW.values()) + [KCD_GW[1], KCD_WEB[1]]


# ---------------------------------------------------------------------------
# the test PKI
# ---------------------------------------------------------------------------

def _openssl(*args, cwd):
    p = subprocess.run(["openssl"] + list(args), cwd=cwd, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, "openssl %s: %s" % (" ".join(args), p.stderr)


CA_CNF = """[ca]
default_ca = test
[test]
database = {d}/index.txt
crlnumber = {d}/crlnumber
default_md = sha256
default_crl_days = 2
"""

EXT = """[v3]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
{lines}
"""


def _ca(d, name, subject):
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", name + ".key", "-out", name + ".pem", "-days", "2",
             "-subj", subject, "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)


def _issue(d, ca, name, subject, serial, lines):
    harness.write_file(os.path.join(d, name + ".ext"), EXT.format(lines=lines))
    _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", name + ".key", "-subj", subject, "-out",
             name + ".csr", cwd=d)
    _openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey",
             ca + ".key", "-set_serial", str(serial), "-days", "1", "-extfile",
             name + ".ext", "-extensions", "v3", "-out", name + ".pem", cwd=d)
    os.chmod(os.path.join(d, name + ".key"), 0o644)
    return (os.path.join(d, name + ".pem"), os.path.join(d, name + ".key"))


def _user_ext(upn, eku="clientAuth, 1.3.6.1.4.1.311.20.2.2", policy=POLICY):
    lines = ["extendedKeyUsage = " + eku,
             "certificatePolicies = " + policy]
    if upn:
        lines.append("subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:%s,"
                     " email:%s" % (upn, upn.replace("@gw.test", "@example.test")))
    return "\n".join(lines)


@pytest.fixture(scope="module")
def pki():
    d = harness.new_dir("ct-pki")
    _ca(d, "ca", CA_SUBJECT)
    _ca(d, "other", "/O=Elsewhere/CN=Other CA")
    alice = "/DC=test/DC=gw/CN=Users/CN=ctalice"
    certs = {
        "server": _issue(d, "ca", "server", "/CN=127.0.0.1", 1,
                         "extendedKeyUsage = serverAuth\n"
                         "subjectAltName = IP:127.0.0.1, DNS:%s" % GW_HOST),
        "good": _issue(d, "ca", "good", alice, 2, _user_ext("ctalice@gw.test")),
        "wrongeku": _issue(d, "ca", "wrongeku", alice, 3,
                           _user_ext("ctalice@gw.test", eku="clientAuth")),
        "otherca": _issue(d, "other", "otherca", alice, 4,
                          _user_ext("ctalice@gw.test")),
        "revoked": _issue(d, "ca", "revoked", alice, 5, _user_ext("ctalice@gw.test")),
        "bob": _issue(d, "ca", "bob", "/CN=ctbob", 6, _user_ext("ctbob@gw.test")),
        "disabled": _issue(d, "ca", "disabled", "/CN=ctdis", 7,
                           _user_ext("ctdis@gw.test")),
        "smartcard": _issue(d, "ca", "smartcard", "/CN=Smart Card 42", 8,
                            _user_ext(None)),
    }
    harness.write_file(os.path.join(d, "index.txt"), "")
    harness.write_file(os.path.join(d, "crlnumber"), "01\n")
    harness.write_file(os.path.join(d, "ca.cnf"), CA_CNF.format(d=d))
    _openssl("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem",
             "-revoke", "revoked.pem", cwd=d)
    _openssl("ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem",
             "-gencrl", "-out", "ca.crl", cwd=d)
    certs["ca"] = os.path.join(d, "ca.pem")
    certs["crl"] = os.path.join(d, "ca.crl")
    yield certs
    shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------------------
# the directory
# ---------------------------------------------------------------------------

def _ldapmodify(ad, ldif):
    env = dict(os.environ, LDAPTLS_REQCERT="never")
    p = subprocess.run(["ldapmodify", "-x", "-H", ad.ldaps_uri, "-D",
                        "%s@%s" % (ad.admin_user, ad.dns_domain), "-w",
                        ad.admin_password], input=ldif, capture_output=True,
                       text=True, env=env, timeout=30)
    assert p.returncode == 0, p.stderr


@pytest.fixture(scope="module")
def ad(samba_ad):
    for u, pw in PW.items():
        samba_ad.add_user(u, pw)
    samba_ad.samba_tool("user", "disable", "ctdis")
    samba_ad.add_group("ctstaff")
    samba_ad.add_member("ctstaff", "ctalice")
    # the explicit mapping of the smart card to ctbob
    _ldapmodify(samba_ad, "dn: CN=ctbob,CN=Users,%s\nchangetype: modify\n"
                "add: altSecurityIdentities\naltSecurityIdentities: X509:<I>"
                "O=AuthGW Test,CN=Cert Test CA<S>CN=Smart Card 42\n"
                % samba_ad.base_dn)
    return samba_ad


@pytest.fixture(scope="module")
def svc_pw(ad):
    d = harness.new_dir("ct-pw")
    yield harness.write_file(os.path.join(d, "svc.pw"), PW["ctsvc"] + "\n", 0o600)
    shutil.rmtree(d, ignore_errors=True)


def directory(ad, pw_file):
    return "\n    ".join([
        "AuthGWLDAPServer ldaps://%s" % ad.dc_host,
        'AuthGWLDAPBase "CN=Users,%s"' % ad.base_dn,
        'AuthGWLDAPBind simple "CN=ctsvc,CN=Users,%s" %s' % (ad.base_dn, pw_file),
        "AuthGWLDAPCACert %s" % ad.ca_cert,
    ])


# ---------------------------------------------------------------------------
# the gateway: mod_ssl on a loopback port
# ---------------------------------------------------------------------------

def cert_location(path, extra="", require="valid-user"):
    return """
    <Location %s>
        AuthType GatewayCertificate
        AuthName "Certificates"
        Require %s
        ProxyPass http://127.0.0.1:{bport}/
        RequestHeader set X-Remote-User "expr=%%{REMOTE_USER}"
        %s
    </Location>""" % (path, require, extra)


def gateway_conf(pki, secret, sections, server_extra=""):
    return """
AuthGWSecretFile %(secret)s
Listen 127.0.0.1:{sport}
%(server_extra)s
<VirtualHost 127.0.0.1:{sport}>
    ServerName 127.0.0.1
    SSLEngine on
    SSLCertificateFile %(cert)s
    SSLCertificateKeyFile %(key)s
    SSLCACertificateFile %(ca)s
    SSLCARevocationFile %(crl)s
    SSLCARevocationCheck chain no_crl_for_cert_ok
    SSLVerifyClient optional_no_ca
    SSLVerifyDepth 2
    %(sections)s
</VirtualHost>
""" % {"secret": secret, "cert": pki["server"][0], "key": pki["server"][1],
       "ca": pki["ca"], "crl": pki["crl"], "sections": sections,
       "server_extra": server_extra}


@pytest.fixture
def gateway(make_httpd, secret, backend, pki):
    def factory(sections, modules=MODULES, server_extra="", start=True):
        sport = harness.free_port()
        conf = gateway_conf(pki, secret, sections, server_extra)
        h = make_httpd(conf, modules=modules, start=start,
                       vars={"sport": sport, "bport": backend.port})
        h.forbid_in_log(*SECRETS)
        h.https = "https://127.0.0.1:%d" % sport
        return h
    return factory


def fetch(h, path, cert=None, headers=None, **kw):
    """GET over https with a client certificate (a key of pki, or None)."""
    return requests.get(h.https + path, cert=cert, verify=h.ca, headers=headers,
                        allow_redirects=False, timeout=20, **kw)


def curl(h, path, cert=None, *args):
    argv = ["curl", "-sS", "--max-time", "15", "--cacert", h.ca,
            "-w", "\n%{http_code}"]
    if cert:
        argv += ["--cert", cert[0], "--key", cert[1]]
    p = subprocess.run(argv + list(args) + [h.https + path], capture_output=True,
                       text=True, timeout=30)
    body, _, code = p.stdout.rpartition("\n")
    return p.returncode, int(code or 0), body, p.stderr


def session_cookie(resp):
    c = harness.get_set_cookie(resp, "AuthGWSession")
    return c["value"] if c and c["value"] else None


def log_has(h, pattern):
    return re.search(pattern, h.error_log()) is not None


@pytest.fixture
def cert_gw(gateway, pki, ad, svc_pw):
    """GatewayCertificate with the directory at /cert/ (and variants)."""
    d = directory(ad, svc_pw)
    sections = "".join([
        # the groups come from the directory
        cert_location("/cert/", d + "\n        AuthGWCertificateEKU smartcardLogon",
                      require="authgw-group ctstaff"),
        cert_location("/nodir/", "AuthGWCertificateMap email"),
        cert_location("/issuer/", 'AuthGWCertificateIssuer "CN=Other CA,O=Elsewhere"'),
        cert_location("/policy/", "AuthGWCertificatePolicy 1.2.3.4.5"),
        cert_location("/policyok/", "AuthGWCertificatePolicy 1.2.3.4.5 " + POLICY),
        cert_location("/ldapmap/", d + "\n        AuthGWCertificateMap ldap"),
        cert_location("/subject/", d + "\n        AuthGWCertificateMap subject"),
    ])
    h = gateway(sections)
    h.ca = pki["ca"]
    return h


# ---------------------------------------------------------------------------
# AuthType GatewayCertificate
# ---------------------------------------------------------------------------

def test_good_certificate_logs_on_with_curl(cert_gw, pki):
    rc, code, body, err = curl(cert_gw, "/cert/x", pki["good"])
    assert (rc, code) == (0, 200), err
    view = json.loads(body)
    assert header(view, "X-Remote-User") == "ctalice"     # sAMAccountName
    assert log_has(cert_gw, r"AGW20114: user 'ctalice' logged on from 127\.0\.0\.1"
                            r" with client certificate 'CN=ctalice,CN=Users,DC=gw,DC=test'")


def test_session_cookie_skips_the_check(cert_gw, pki):
    r = fetch(cert_gw, "/cert/a", pki["good"])
    assert header(backend_view(r), "X-Remote-User") == "ctalice"
    cookie = session_cookie(r)
    assert cookie
    before = cert_gw.error_log().count("AGW20114")
    # no certificate this time: the session alone admits the request
    r2 = fetch(cert_gw, "/cert/b", headers={"Cookie": "AuthGWSession=" + cookie})
    assert header(backend_view(r2), "X-Remote-User") == "ctalice"
    assert "AuthGWSession" not in (header(backend_view(r2), "Cookie") or "")
    assert cert_gw.error_log().count("AGW20114") == before


def test_requests_client_and_email_mapping_without_directory(cert_gw, pki):
    r = fetch(cert_gw, "/nodir/", pki["good"])
    assert header(backend_view(r), "X-Remote-User") == "ctalice@example.test"


def test_no_certificate_refused(cert_gw):
    r = fetch(cert_gw, "/cert/")
    assert r.status_code == 403
    assert log_has(cert_gw, r"AGW20103: client 127\.0\.0\.1 sent no client certificate")


def test_wrong_eku_refused(cert_gw, pki):
    r = fetch(cert_gw, "/cert/", pki["wrongeku"])
    assert r.status_code == 403
    assert log_has(cert_gw, r"AGW20107: .* has none of the extended key usages"
                            r" .*\(it has 1\.3\.6\.1\.5\.5\.7\.3\.2\): refused \(reason eku\)")


def test_other_ca_refused(cert_gw, pki):
    rc, code, _, err = curl(cert_gw, "/cert/", pki["otherca"])
    assert code == 403, err
    assert log_has(cert_gw, r"AGW20104: the client certificate of 127\.0\.0\.1 was not"
                            r" verified by mod_ssl \((GENEROUS|FAILED:[^)]+)\): refused")


def test_revoked_refused_by_mod_ssl(cert_gw, pki):
    rc, code, _, err = curl(cert_gw, "/cert/", pki["revoked"])
    assert code != 200 and rc != 0, (rc, code, err)
    # mod_ssl's own line: the handshake fails, authgw never sees it
    assert re.search(r"AH02276: Certificate Verification: Error \(23\):"
                     r" certificate revoked \[subject: CN=ctalice", cert_gw.error_log())
    assert "AGW20114" not in cert_gw.error_log()


def test_issuer_constraint(cert_gw, pki):
    r = fetch(cert_gw, "/issuer/", pki["good"])
    assert r.status_code == 403
    assert log_has(cert_gw, r"AGW20106: .* was issued by 'CN=Cert Test CA,O=AuthGW"
                            r" Test', which is not one of AuthGWCertificateIssuer")


def test_policy_constraint(cert_gw, pki):
    assert fetch(cert_gw, "/policy/", pki["good"]).status_code == 403
    assert log_has(cert_gw, r"AGW20108: .*\(it has %s\): refused \(reason policy\)"
                   % re.escape(POLICY))
    r = fetch(cert_gw, "/policyok/", pki["good"])
    assert header(backend_view(r), "X-Remote-User") == "ctalice@gw.test"


def test_disabled_account_refused(cert_gw, pki):
    r = fetch(cert_gw, "/cert/", pki["disabled"])
    assert r.status_code == 403
    assert log_has(cert_gw, r"AGW20111: .* maps to 'ctdis@gw.test', whose account is"
                            r" disabled: refused \(reason account-disabled\)")


def test_unknown_account_and_no_upn_refused(cert_gw, pki):
    # the smart card has no UPN at all
    assert fetch(cert_gw, "/cert/", pki["smartcard"]).status_code == 403
    assert log_has(cert_gw, r"AGW20109: client certificate 'CN=Smart Card 42'")
    # its subject is not an entry of the directory
    assert fetch(cert_gw, "/subject/", pki["smartcard"]).status_code == 403
    assert log_has(cert_gw, r"AGW10143: the certificate subject 'CN=Smart Card 42'")


def test_ldap_mapping_through_alt_security_identities(cert_gw, pki):
    r = fetch(cert_gw, "/ldapmap/", pki["smartcard"])
    assert header(backend_view(r), "X-Remote-User") == "ctbob"
    # alice's certificate is mapped to nobody
    assert fetch(cert_gw, "/ldapmap/", pki["good"]).status_code == 403
    assert log_has(cert_gw, r"AGW20110: .* which the directory does not know")


def test_subject_mapping_to_the_entry_dn(cert_gw, pki):
    r = fetch(cert_gw, "/subject/", pki["good"])
    assert header(backend_view(r), "X-Remote-User") == "ctalice"


# ---------------------------------------------------------------------------
# AuthGWSessionBindIP
# ---------------------------------------------------------------------------

def test_bind_ip_refuses_a_replayed_cookie(gateway, pki):
    h = gateway(cert_location("/app/", "AuthGWCertificateMap email"),
                server_extra="AuthGWSessionBindIP On")
    h.ca = pki["ca"]
    r = fetch(h, "/app/", pki["good"])
    cookie = session_cookie(r)
    assert cookie and backend_view(r)
    ck = "Cookie: AuthGWSession=" + cookie
    # the same cookie from the address that logged on
    rc, code, body, err = curl(h, "/app/again", None, "-H", ck)
    assert code == 200 and header(json.loads(body), "X-Remote-User") \
        == "ctalice@example.test", err
    # from another loopback address: no session (and no certificate: 403)
    rc, code, body, err = curl(h, "/app/replay", None, "-H", ck,
                               "--interface", "127.0.0.2")
    assert code == 403, (code, err)
    assert log_has(h, r"AGW20100: session of user 'ctalice@example.test' was issued"
                      r" to 127\.0\.0\.1 .* its cookie came from 127\.0\.0\.2: refused")
    # the owner's session still stands
    rc, code, _, _ = curl(h, "/app/after", None, "-H", ck)
    assert code == 200


def test_without_bind_ip_the_cookie_travels(gateway, pki):
    h = gateway(cert_location("/app/", "AuthGWCertificateMap email"))
    h.ca = pki["ca"]
    cookie = session_cookie(fetch(h, "/app/", pki["good"]))
    rc, code, _, err = curl(h, "/app/x", None, "-H",
                            "Cookie: AuthGWSession=" + cookie,
                            "--interface", "127.0.0.2")
    assert code == 200, err


# ---------------------------------------------------------------------------
# AuthGWFormRequireCertificate: password and certificate
# ---------------------------------------------------------------------------

@pytest.fixture
def form_gw(gateway, pki, ad, svc_pw):
    h = gateway("""
    <Location />
        AuthType GatewayForm
        AuthName "Two factors"
        AuthGWFormProvider authgw-ldap
        %s
        AuthGWFormRequireCertificate On
        Require valid-user
        ProxyPass http://127.0.0.1:{bport}/
        RequestHeader set X-Remote-User "expr=%%{REMOTE_USER}"
    </Location>""" % directory(ad, svc_pw))
    h.ca = pki["ca"]
    return h


def form_logon(h, cert, user, password, lang="en"):
    """GET the form and POST it over https with that client certificate;
    returns the POST's response."""
    s = requests.Session()
    s.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    s.trust_env = False
    kw = {"verify": h.ca, "cert": cert, "allow_redirects": False, "timeout": 20}
    hdr = {"Accept-Language": lang}
    page = s.get(h.https + "/.authgw/logon?return=/x", headers=hdr, **kw)
    assert page.status_code == 200, page.text[:300]
    form = harness.logon_form(page.text)
    pre = harness.get_set_cookie(page, "AuthGWPre")["value"]
    fields = {"username": user, "password": password, "return": "/x",
              "csrf_token": form["inputs"]["csrf_token"]["value"]}
    return s.post(h.https + "/.authgw/logon", data=fields,
                  headers=dict(hdr, Cookie="AuthGWPre=" + pre), **kw)


def test_two_factor_logon_with_the_users_certificate(form_gw, pki):
    r = form_logon(form_gw, pki["good"], "ctalice", PW["ctalice"])
    assert r.status_code == 302 and r.headers["Location"] == "/x", r.text[:300]
    cookie = session_cookie(r)
    view = backend_view(fetch(form_gw, "/x", headers={"Cookie": "AuthGWSession=" + cookie}))
    assert header(view, "X-Remote-User") == "ctalice"
    # the UPN the certificate carries serves as the user name too
    r = form_logon(form_gw, pki["good"], "CTALICE@gw.test", PW["ctalice"])
    assert r.status_code == 302, r.text[:300]


def test_two_factor_refuses_another_users_certificate(form_gw, pki):
    r = form_logon(form_gw, pki["bob"], "ctalice", PW["ctalice"])
    assert r.status_code == 403
    assert "belongs to another user" in r.text
    assert not session_cookie(r)
    assert log_has(form_gw, r"AGW20115: form logon of 'ctalice' from 127\.0\.0\.1"
                            r" refused: the client certificate 'CN=ctbob' is that of"
                            r" 'ctbob' \(reason certificate-user-differs\)")


def test_two_factor_without_certificate_sees_the_form_but_is_refused(form_gw, pki):
    r = form_logon(form_gw, None, "ctalice", PW["ctalice"], lang="de")
    assert r.status_code == 403
    assert "Smartcard oder Ihr Client-Zertifikat" in r.text
    assert harness.logon_form(r.text) is not None
    assert not session_cookie(r)
    assert log_has(form_gw, r"AGW20103: client 127\.0\.0\.1 sent no client certificate")
    # the password was never tried
    assert "AGW10029" not in form_gw.error_log()
    r = form_logon(form_gw, None, "ctalice", PW["ctalice"], lang="fr")
    assert "carte à puce" in r.text


# ---------------------------------------------------------------------------
# AuthGWDelegate kcd for a certificate user
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def kcd_keytabs(ad):
    services.ensure_hosts_entries([("127.0.0.1", GW_HOST), ("127.0.0.1", WEB_HOST)])
    ad.add_user(*KCD_GW)
    ad.add_spn("HTTP/" + GW_HOST, KCD_GW[0])
    ad.samba_tool("delegation", "for-any-protocol", KCD_GW[0], "on")
    ad.samba_tool("delegation", "add-service", KCD_GW[0], "HTTP/" + WEB_HOST)
    ad.add_user(*KCD_WEB)
    ad.add_spn("HTTP/" + WEB_HOST, KCD_WEB[0])
    d = harness.new_dir("ct-keytab")
    gw = ad.export_keytab(os.path.join(d, "gw.keytab"),
                          "HTTP/%s@%s" % (GW_HOST, ad.realm))
    ad.samba_tool("domain", "exportkeytab", gw, "--principal=%s" % KCD_GW[0])
    web = ad.export_keytab(os.path.join(d, "web.keytab"), "HTTP/" + WEB_HOST)
    yield {"gw": gw, "web": web}
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def kcd_gw(make_httpd, gateway, backend, pki, ad, svc_pw, kcd_keytabs, monkeypatch):
    monkeypatch.setenv("KRB5_CONFIG", ad.krb5_conf)
    published = make_httpd("""
<Location />
    AuthType GSSAPI
    AuthName "published"
    GssapiAllowedMech krb5
    GssapiCredStore keytab:%s
    Require valid-user
    RequestHeader set X-Backend-User "expr=%%{REMOTE_USER}"
    ProxyPass http://127.0.0.1:%d/
</Location>
""" % (kcd_keytabs["web"], backend.port), modules=("auth_gssapi",), name="published")
    h = gateway("""
    <Location /app/>
        AuthType GatewayCertificate
        AuthName "Certificates"
        %s
        AuthGWKeytab %s
        AuthGWKerberosPrincipal HTTP/%s@%s
        Require valid-user
        ProxyPass http://%s:%d/
        AuthGWDelegate kcd
    </Location>""" % (directory(ad, svc_pw), kcd_keytabs["gw"], GW_HOST, ad.realm,
                      WEB_HOST, published.port),
                modules=MODULES + ("delegate",))
    h.ca = pki["ca"]
    return h


def test_kcd_to_negotiate_backend_as_the_certificate_user(kcd_gw, pki):
    r = fetch(kcd_gw, "/app/k", pki["good"])
    view = backend_view(r)
    assert (header(view, "Authorization") or "").startswith("Negotiate YII")
    kcd_gw.forbid_in_log(header(view, "Authorization")[len("Negotiate "):])
    assert header(view, "X-Backend-User") == "ctalice@GW.TEST"
    assert view["path"] == "/k"


@pytest.mark.parametrize("method", ["basic", "ntlm", "negotiate"])
def test_password_delegation_refused_for_certificates(gateway, pki, method):
    h = gateway("""
    <Location /app/>
        AuthType GatewayCertificate
        AuthName "Certificates"
        Require valid-user
        ProxyPass http://127.0.0.1:{bport}/
        AuthGWDelegate %s
    </Location>""" % method, modules=MODULES + ("delegate",), start=False)
    rc, out = h.configtest()
    assert rc != 0
    assert re.search(r"AuthGWDelegate %s .*cannot work with AuthType"
                     r" GatewayCertificate" % method, out), out


def test_session_without_certificate_does_not_pass_a_two_factor_location(
        gateway, pki, ad, svc_pw):
    h = gateway("""
    <Location />
        AuthType GatewayForm
        AuthName "One factor"
        AuthGWFormProvider authgw-ldap
        %s
        Require valid-user
        ProxyPass http://127.0.0.1:{bport}/
    </Location>
    <Location /secure/>
        AuthGWFormRequireCertificate On
    </Location>""" % directory(ad, svc_pw))
    h.ca = pki["ca"]
    r = form_logon(h, None, "ctalice", PW["ctalice"])
    cookie = session_cookie(r)
    assert r.status_code == 302 and cookie
    ck = {"Cookie": "AuthGWSession=" + cookie}
    assert backend_view(fetch(h, "/open", headers=ck))
    r = fetch(h, "/secure/x", headers=ck)
    assert harness.is_logon_redirect(r)
    assert log_has(h, r"AGW20116: the session of user 'ctalice' was opened without"
                      r" a client certificate")
