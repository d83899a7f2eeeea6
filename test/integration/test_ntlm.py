"""mod_authgw_ntlm: AuthType NTLM / Negotiate / Integrated against real
clients (curl, a small NTLM client written here, requests-ntlm), with the
NT-hash file validator, winbind (a real Samba AD DC) and Kerberos (Samba's
KDC), as an origin/reverse proxy (401) and as a forward proxy (407, CONNECT).
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import time

import pytest

import harness
from harness import header

MODULES = ("core", "ntlm", "proxy_connect")
TOOL = os.path.join(harness.REPO, "mod_authgw_ntlm", "authgw-ntlm-passwd")
USERS = {"alice": "Al1ce-Ntlm!", "bob": "B0b-Ntlm!"}
AD_USERS = {"alice": "Al1ce!pass-AD", "bob": "B0b!pass-AD"}


# ---------------------------------------------------------------------------
# NT hashes and a small NTLM client (so tests control every byte)
# ---------------------------------------------------------------------------

def nt_hash(password):
    """MD4(UTF-16LE(password)) through openssl's legacy provider (hashlib
    refuses MD4 under OpenSSL 3)."""
    out = subprocess.run(["openssl", "dgst", "-md4", "-provider", "legacy",
                          "-provider", "default", "-r"],
                         input=password.encode("utf-16-le"),
                         capture_output=True, check=True).stdout
    return bytes.fromhex(out.split()[0].decode())


def _des_block(key7, data):
    bits = int.from_bytes(key7, "big")
    key8 = bytes((((bits >> (49 - 7 * i)) & 0x7F) << 1) for i in range(8))
    out = subprocess.run(["openssl", "enc", "-des-ecb", "-nopad", "-provider",
                          "legacy", "-provider", "default", "-K", key8.hex()],
                         input=data, capture_output=True, check=True).stdout
    return out[:8]


def desl(key16, data8):
    k = key16 + b"\0" * 5
    return b"".join(_des_block(k[i:i + 7], data8) for i in (0, 7, 14))


F_UNICODE, F_REQ_TARGET, F_NTLM = 0x1, 0x4, 0x200
F_ALWAYS_SIGN, F_ESS, F_TARGET_INFO = 0x8000, 0x80000, 0x800000
F_128, F_56 = 0x20000000, 0x80000000
FLAGS = (F_UNICODE | F_REQ_TARGET | F_NTLM | F_ALWAYS_SIGN | F_ESS
         | F_TARGET_INFO | F_128 | F_56)


def type1(flags=FLAGS):
    return b"NTLMSSP\0" + struct.pack("<II", 1, flags) + b"\0" * 16


def parse_type2(msg):
    assert msg[:8] == b"NTLMSSP\0" and struct.unpack("<I", msg[8:12])[0] == 2
    flags = struct.unpack("<I", msg[20:24])[0]
    chal = msg[24:32]
    tlen, _, toff = struct.unpack("<HHI", msg[40:48])
    ti = msg[toff:toff + tlen]
    avs, i = {}, 0
    while i + 4 <= len(ti):
        aid, alen = struct.unpack("<HH", ti[i:i + 4])
        if aid == 0:
            break
        avs[aid] = ti[i + 4:i + 4 + alen]
        i += 4 + alen
    return flags, chal, ti, avs


def type3(chal, ti, user, domain, password=None, nthash=None, v1=False,
          anonymous=False, flags=FLAGS):
    h = nthash or (nt_hash(password) if password is not None else b"")
    cc = os.urandom(8)
    if anonymous:
        lm, nt = b"\0", b""
    elif v1:
        flags &= ~F_ESS
        nt = desl(h, chal)
        lm = nt
    else:
        k2 = hmac.new(h, (user.upper() + domain).encode("utf-16-le"), "md5").digest()
        ts = struct.pack("<Q", int((time.time() + 11644473600) * 10**7))
        blob = b"\x01\x01" + b"\0" * 6 + ts + cc + b"\0" * 4 + ti + b"\0" * 4
        proof = hmac.new(k2, chal + blob, "md5").digest()
        nt = proof + blob
        lm = hmac.new(k2, chal + cc, "md5").digest() + cc
    fields = [lm, nt, domain.encode("utf-16-le"), user.encode("utf-16-le"),
              "WS".encode("utf-16-le"), b""]
    off, head, payload = 64, b"", b""
    for f in fields:
        head += struct.pack("<HHI", len(f), len(f), off + len(payload))
        payload += f
    return (b"NTLMSSP\0" + struct.pack("<I", 3) + head
            + struct.pack("<I", flags) + payload)


def b64(b):
    return base64.b64encode(b).decode()


class Client:
    """One TCP connection to the gateway (http.client)."""

    def __init__(self, port, proxy=False, scheme="NTLM", target=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        self.proxy = proxy
        self.scheme = scheme
        self.target = target or "/"
        self.in_h = "Proxy-Authorization" if proxy else "Authorization"
        self.out_h = "Proxy-Authenticate" if proxy else "WWW-Authenticate"
        self.sock = None

    def get(self, token=None, headers=None, raw_header=None):
        h = dict(headers or {})
        if raw_header is not None:
            h[self.in_h] = raw_header
        elif token is not None:
            h[self.in_h] = "%s %s" % (self.scheme, b64(token))
        self.conn.request("GET", self.target, headers=h)
        r = self.conn.getresponse()
        r.body = r.read()
        if self.sock is None:
            self.sock = self.conn.sock
        return r

    def same_socket(self):
        return self.conn.sock is not None and self.conn.sock is self.sock

    def challenge(self, r):
        vals = [v for k, v in r.getheaders() if k.lower() == self.out_h.lower()]
        assert len(vals) == 1, vals
        scheme, tok = vals[0].split(" ", 1)
        assert scheme == self.scheme
        return parse_type2(base64.b64decode(tok))

    def logon(self, user, password=None, domain="", **kw):
        r = self.get(type1())
        assert r.status == (407 if self.proxy else 401), (r.status, r.body)
        _, chal, ti, _ = self.challenge(r)
        return self.get(type3(chal, ti, user, domain, password, **kw))

    def close(self):
        self.conn.close()


def view(r):
    assert r.status == 200, (r.status, r.body[:300])
    return json.loads(r.body)


def curl(*args, env=None):
    """curl; returns (status, body, num_connects, stderr)."""
    p = subprocess.run(["curl", "-sS", "-v", "--max-time", "15",
                        "-w", "\n%{http_code} %{num_connects}"] + list(args),
                       capture_output=True, text=True, env=env, timeout=30)
    body, _, tail = p.stdout.rpartition("\n")
    code, conns = tail.split()
    return int(code), body, int(conns), p.stderr


# ---------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------

def hash_file(path, users, domain_users=None):
    """Writes an NT-hash file with the authgw-ntlm-passwd tool."""
    first = True
    for u, pw in list(users.items()) + list((domain_users or {}).items()):
        args = [TOOL] + (["-c"] if first else []) + ["-i", path, u]
        subprocess.run(args, input=pw + "\n", text=True, check=True)
        first = False
    os.chmod(path, 0o644)
    return path


@pytest.fixture
def nthashes():
    d = harness.new_dir("nthash")
    path = hash_file(os.path.join(d, "nthash"), USERS,
                     {"GW\\carol": "C4rol-Ntlm!"})
    yield path
    shutil.rmtree(d, ignore_errors=True)


def ntlm_conf(backend_port, validator, auth_type="NTLM", extra=""):
    return """
<Location />
    AuthType {auth_type}
    AuthName "gw"
    AuthGWNTLMValidator {validator}
    AuthGWNTLMDomain GW gw.test
    {extra}
    Require valid-user
    ProxyPass http://127.0.0.1:{bport}/
    RequestHeader set X-Remote-User "expr=%{REMOTE_USER}"
</Location>
""".replace("{auth_type}", auth_type).replace("{validator}", validator) \
   .replace("{extra}", extra).replace("{bport}", str(backend_port))


def proxy_conf(validator, connect_ports, extra=""):
    return """
ProxyRequests On
AllowCONNECT {ports}
<Proxy "*">
    AuthType NTLM
    AuthName "proxy"
    AuthGWNTLMValidator {validator}
    {extra}
    Require valid-user
    RequestHeader set X-Remote-User "expr=%{REMOTE_USER}"
</Proxy>
""".replace("{validator}", validator).replace("{extra}", extra) \
   .replace("{ports}", " ".join(str(p) for p in connect_ports))


@pytest.fixture
def gw(make_httpd, backend, nthashes):
    def factory(validator=None, auth_type="NTLM", extra="", modules=MODULES):
        h = make_httpd(ntlm_conf(backend.port, validator or "file:" + nthashes,
                                 auth_type, extra), modules=modules)
        h.forbid_in_log(*USERS.values(), *AD_USERS.values())
        return h
    return factory


# ---------------------------------------------------------------------------
# NT-hash file validator
# ---------------------------------------------------------------------------

def test_no_credentials_challenges(gw):
    h = gw()
    c = Client(h.port)
    r = c.get()
    assert r.status == 401
    assert r.getheader("WWW-Authenticate") == "NTLM"
    # the 401 keeps the connection
    r = c.get(type1())
    assert r.status == 401 and c.same_socket()
    flags, chal, ti, avs = c.challenge(r)
    assert len(chal) == 8 and flags & F_TARGET_INFO
    assert avs[2].decode("utf-16-le") == "GW"          # NbDomainName
    assert avs[4].decode("utf-16-le") == "gw.test"     # DnsDomainName
    assert 1 in avs and 3 in avs and 7 in avs          # computer names, time
    # a fresh challenge every time
    r2 = c.get(type1())
    assert c.challenge(r2)[1] != chal


def test_curl_right_password(gw, backend):
    h = gw()
    code, body, conns, err = curl("--ntlm", "-u", "alice:" + USERS["alice"],
                                  h.url("/app"))
    assert code == 200, err
    v = json.loads(body)
    assert header(v, "X-Remote-User") == "alice"
    assert header(v, "Authorization") is None
    assert conns == 1, err   # the whole handshake on one TCP connection


@pytest.mark.parametrize("user,pw", [("alice", "wrong"), ("nobody", "x"),
                                     ("bob", USERS["alice"])])
def test_curl_wrong_password_or_user(gw, user, pw):
    h = gw()
    code, body, _, err = curl("--ntlm", "-u", "%s:%s" % (user, pw), h.url("/"))
    assert code == 401, err
    assert "failed NTLM logon" in h.error_log()


def test_domain_line_needs_its_domain(gw):
    h = gw()
    c = Client(h.port)
    assert view(c.logon("carol", "C4rol-Ntlm!", domain="GW"))
    c2 = Client(h.port)
    assert c2.logon("carol", "C4rol-Ntlm!", domain="OTHER").status == 401


def test_tool_replaces_a_line(tmp_path):
    p = str(tmp_path / "h")
    hash_file(p, {"alice": "one", "bob": "two"})
    subprocess.run([TOOL, "-i", p, "ALICE"], input="three\n", text=True,
                   check=True)
    lines = open(p).read().splitlines()
    assert len(lines) == 2
    assert "ALICE:" + nt_hash("three").hex() in lines
    assert "bob:" + nt_hash("two").hex() in lines


def test_connection_stays_authenticated_and_identities_apart(gw):
    h = gw()
    a, b = Client(h.port), Client(h.port)
    assert header(view(a.logon("alice", USERS["alice"])), "X-Remote-User") == "alice"
    assert header(view(b.logon("bob", USERS["bob"])), "X-Remote-User") == "bob"
    for _ in range(2):
        assert header(view(a.get()), "X-Remote-User") == "alice"
        assert header(view(b.get()), "X-Remote-User") == "bob"
    assert a.same_socket() and b.same_socket()
    # a new connection knows nobody
    assert Client(h.port).get().status == 401
    # different credentials on a's connection re-run the handshake
    assert a.get(raw_header="Basic YWxpY2U6eA==").status == 401
    assert a.get().status == 401
    assert header(view(a.logon("bob", USERS["bob"])), "X-Remote-User") == "bob"


def test_subrequest_uses_the_logon(gw):
    """mod_dir's subrequest for index.html sees the same (already used)
    AUTHENTICATE: it must take the main request's user, not re-check it."""
    h = gw(extra="")
    h.stop()
    h.write_conf(h.conf_body + """
Alias /files/ "{docroot}/"
<Location /files/>
    ProxyPass !
    AuthType NTLM
    AuthGWNTLMValidator file:%s
    Require valid-user
</Location>
<Files "index.html">
    AuthName "another realm: the subrequest's configuration differs"
</Files>
""" % h.conf_body.split("file:")[1].split()[0])
    h.start()
    c = Client(h.port, target="/files/")
    r = c.logon("alice", USERS["alice"])
    assert r.status == 200 and b"docroot" in r.body, (r.status, r.body[:200])
    r = c.get()
    assert r.status == 200 and b"docroot" in r.body


def test_type3_without_challenge_and_replay(gw):
    h = gw()
    c = Client(h.port)
    r = c.get(type1())
    _, chal, ti, _ = c.challenge(r)
    t3 = type3(chal, ti, "alice", "", USERS["alice"])
    fresh = Client(h.port)
    r = fresh.get(t3)                 # another connection: no challenge
    assert r.status == 401 and r.getheader("WWW-Authenticate") == "NTLM"
    assert view(c.get(t3))            # the right connection
    assert c.get(t3).status == 401    # the challenge is used once
    assert "without a pending CHALLENGE" in h.error_log()


def test_ntlmv1_refused_by_default_allowed_on_demand(gw):
    h = gw()
    assert Client(h.port).logon("alice", USERS["alice"], v1=True).status == 401
    assert "NTLMv1" in h.error_log() or "v1" in h.error_log()
    h2 = gw(extra="AuthGWNTLMAllowV1 On")
    assert view(Client(h2.port).logon("alice", USERS["alice"], v1=True))


def test_anonymous_refused(gw):
    h = gw()
    assert Client(h.port).logon("", anonymous=True).status == 401
    assert "anonymous NTLM logon" in h.error_log()


MALFORMED = [
    ("NTLM !!!notbase64", 400),
    ("NTLM TlRMTVNTUAABAAAA", 400),                          # truncated
    ("NTLM " + b64(b"NOTNTLM\0" + b"\0" * 40), 400),
    ("NTLM " + b64(b"NTLMSSP\0\x02\0\0\0" + b"\0" * 40), 400),  # type 2
    ("NTLM " + b64(b"NTLMSSP\0\x01\0\0\0" + b"\0" * 4 + b"\xff" * 20), 400),
    ("NTLM " + "QUFB" * 5000, 400),                          # too long
    ("NTLM", 401),
    ("Basic YWxpY2U6QWwxY2UtTnRsbSE=", 401),
]


def test_malformed_tokens(gw):
    h = gw()
    for value, status in MALFORMED:
        c = Client(h.port)
        r = c.get(raw_header=value)
        assert r.status == status, value
        c.close()
    # every child still serves
    assert view(Client(h.port).logon("alice", USERS["alice"]))


def test_malformed_type3_after_challenge(gw):
    h = gw()
    c = Client(h.port)
    c.get(type1())
    t3 = bytearray(type3(b"\0" * 8, b"\0\0\0\0", "alice", "", "x"))
    t3[20:24] = struct.pack("<I", 0xFFFF0000)   # NT response offset far out
    assert c.get(bytes(t3)).status == 400
    assert "malformed NTLM AUTHENTICATE" in h.error_log()


def test_integrated_offers_both(gw):
    h = gw(auth_type="Integrated")
    c = Client(h.port)
    r = c.get()
    assert r.status == 401
    assert [v for k, v in r.getheaders() if k == "WWW-Authenticate"] == \
        ["Negotiate", "NTLM"]
    # raw NTLMSSP inside Negotiate is NTLM under the Negotiate name
    n = Client(h.port, scheme="Negotiate")
    assert header(view(n.logon("alice", USERS["alice"])), "X-Remote-User") == "alice"
    assert header(view(n.get()), "X-Remote-User") == "alice"   # connection-bound


def test_http10_keepalive(gw):
    h = gw()
    s = socket.create_connection(("127.0.0.1", h.port), timeout=10)
    req = ("GET / HTTP/1.0\r\nHost: x\r\nConnection: Keep-Alive\r\n"
           "Authorization: NTLM %s\r\n\r\n" % b64(type1()))
    s.sendall(req.encode())
    head = read_response(s)
    assert head.startswith("HTTP/1.1 401") and "Keep-Alive" in head
    s.close()


def read_response(s):
    """Reads one response (headers + Content-Length body); returns headers."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    text = head.decode("latin-1")
    n = 0
    for line in text.split("\r\n"):
        if line.lower().startswith("content-length:"):
            n = int(line.split(":")[1])
    while len(body) < n:
        body += s.recv(4096)
    return text


def test_requests_ntlm(gw, tmp_path):
    if subprocess.run(["/usr/bin/python3", "-c", "import requests_ntlm"],
                      capture_output=True).returncode:
        pytest.skip("python3-requests-ntlm is not installed")
    h = gw()
    conf = tmp_path / "openssl.cnf"
    conf.write_text("openssl_conf = init\n[init]\nproviders = prov\n"
                    "[prov]\ndefault = d\nlegacy = l\n[d]\nactivate = 1\n"
                    "[l]\nactivate = 1\n")
    script = ("import requests, requests_ntlm, sys\n"
              "r = requests.get(sys.argv[1], auth=requests_ntlm.HttpNtlmAuth("
              "'alice', sys.argv[2]))\n"
              "print(r.status_code); print(r.text)\n")
    p = subprocess.run(["/usr/bin/python3", "-c", script, h.url("/"),
                        USERS["alice"]], capture_output=True, text=True,
                       env=dict(os.environ, OPENSSL_CONF=str(conf)), timeout=30)
    code, _, body = p.stdout.partition("\n")
    assert code == "200", p.stderr
    assert header(json.loads(body), "X-Remote-User") == "alice"


# ---------------------------------------------------------------------------
# forward proxy: 407, CONNECT
# ---------------------------------------------------------------------------

@pytest.fixture
def tls_port():
    """A plain TCP echo on loopback standing for a TLS server behind
    CONNECT."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    import threading

    def serve():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            with c:
                try:
                    data = c.recv(1024)
                    c.sendall(b"ECHO:" + data)
                except OSError:
                    pass
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    srv.close()


@pytest.fixture
def proxy(make_httpd, nthashes, tls_port, backend):
    h = make_httpd(proxy_conf("file:" + nthashes, [tls_port, backend.port]),
                   modules=MODULES)
    h.forbid_in_log(*USERS.values())
    return h


def test_proxy_curl(proxy, backend):
    code, body, conns, err = curl(
        "--proxy-ntlm", "-U", "alice:" + USERS["alice"],
        "-x", "http://127.0.0.1:%d" % proxy.port,
        "http://127.0.0.1:%d/x" % backend.port)
    assert code == 200, err
    v = json.loads(body)
    assert header(v, "Proxy-Authorization") is None
    assert header(v, "X-Remote-User") == "alice"
    assert conns == 1, err


def test_proxy_no_session_cookie(make_httpd, nthashes, backend, secret):
    """On a forward proxy the option does nothing: no Set-Cookie (it would
    be the origin's), and the origin's AuthGWSession cookie passes."""
    h = make_httpd(sso_server(secret) + proxy_conf(
        "file:" + nthashes, [backend.port], "AuthGWNTLMSessionCookie On"),
        modules=SSO_MODULES)
    c = Client(h.port, proxy=True,
               target="http://127.0.0.1:%d/x" % backend.port)
    r = c.logon("alice", USERS["alice"])
    assert session_cookie(r) is None
    v = view(c.get(headers={"Cookie": "AuthGWSession=origin"}))
    assert header(v, "Cookie") == "AuthGWSession=origin"


def test_proxy_no_credentials_407(proxy, backend):
    c = Client(proxy.port, proxy=True,
               target="http://127.0.0.1:%d/" % backend.port)
    r = c.get()
    assert r.status == 407 and r.getheader("Proxy-Authenticate") == "NTLM"
    assert r.getheader("WWW-Authenticate") is None
    assert c.logon("alice", "wrong").status == 407
    assert not backend.paths()


def test_proxy_connect_curl(proxy, backend):
    """curl --proxytunnel: CONNECT with the NTLM legs, then plain HTTP to
    the backend through the tunnel."""
    code, body, conns, err = curl(
        "--proxy-ntlm", "-U", "alice:" + USERS["alice"], "--proxytunnel",
        "-x", "http://127.0.0.1:%d" % proxy.port,
        "http://127.0.0.1:%d/tunnelled" % backend.port)
    assert "CONNECT tunnel established, response 200" in err, err
    assert code == 200, err
    v = json.loads(body)
    assert v["path"] == "/tunnelled"
    assert header(v, "Proxy-Authorization") is None
    assert conns == 1, err


def test_proxy_connect_raw_capture_shape(proxy, tls_port):
    """The capture: HTTP/1.0 CONNECT, Proxy-Connection: Keep-Alive."""
    base = ("CONNECT 127.0.0.1:%d HTTP/1.0\r\nUser-Agent: Mozilla/4.0 "
            "(compatible; MSIE 5.5; Win32)\r\nProxy-Connection: Keep-Alive\r\n"
            "Pragma: no-cache\r\n" % tls_port)
    s = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    s.sendall((base + "\r\n").encode())
    head = read_response(s)
    assert head.startswith("HTTP/1.1 407"), head
    assert "Proxy-Authenticate: NTLM" in head
    s.close()
    s = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    s.sendall((base + "Proxy-Authorization: NTLM %s\r\n\r\n"
               % b64(type1())).encode())
    head = read_response(s)
    assert head.startswith("HTTP/1.1 407"), head
    tok = [l.split(" ", 2)[2] for l in head.split("\r\n")
           if l.lower().startswith("proxy-authenticate: ntlm ")]
    assert tok, head
    assert "connection: close" not in head.lower()
    _, chal, ti, _ = parse_type2(base64.b64decode(tok[0]))
    # same connection: the third leg, then the tunnel
    s.sendall((base + "Proxy-Authorization: NTLM %s\r\n\r\n"
               % b64(type3(chal, ti, "alice", "", USERS["alice"]))).encode())
    head = read_response(s)
    assert head.startswith("HTTP/1.0 200") or head.startswith("HTTP/1.1 200"), head
    s.sendall(b"hello")
    assert s.recv(100) == b"ECHO:hello"
    s.close()


# ---------------------------------------------------------------------------
# AuthGWNTLMSessionCookie: the SSO session of mod_authgw_forms
# ---------------------------------------------------------------------------

SSO_MODULES = ("core", "forms", "ntlm", "proxy_connect")


def sso_server(secret, extra=""):
    return "AuthGWSecretFile %s\nAuthGWStore shmcb\n%s\n" % (secret, extra)


@pytest.fixture
def sso_gw(make_httpd, backend, nthashes, secret):
    def factory(auth_type="NTLM", extra="AuthGWNTLMSessionCookie On",
                server_extra="", modules=SSO_MODULES, start=True):
        conf = sso_server(secret, server_extra) + ntlm_conf(
            backend.port, "file:" + nthashes, auth_type, extra)
        h = make_httpd(conf, modules=modules, start=start)
        h.forbid_in_log(*USERS.values())
        return h
    return factory


def session_cookie(r, name="AuthGWSession"):
    for k, v in r.getheaders():
        if k.lower() == "set-cookie" and v.startswith(name + "="):
            return v.split(";", 1)[0]
    return None


@pytest.mark.parametrize("auth_type", ["NTLM", "Integrated"])
def test_session_cookie_replaces_the_handshake(sso_gw, backend, auth_type):
    h = sso_gw(auth_type=auth_type)
    r = Client(h.port).logon("alice", USERS["alice"])
    assert view(r)
    cookie = session_cookie(r)
    assert cookie, r.getheaders()
    h.forbid_in_log(cookie.split("=", 1)[1])
    # a new connection with only the cookie: the same user, no handshake,
    # and the backend sees neither the session cookie nor credentials
    c = Client(h.port)
    v = view(c.get(headers={"Cookie": "keep=1; " + cookie + "; other=2"}))
    assert header(v, "X-Remote-User") == "alice"
    assert header(v, "Cookie") == "keep=1; other=2"
    assert header(v, "Authorization") is None
    # no cookie, or a forged one: the challenge again
    assert Client(h.port).get().status == 401
    forged = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
    assert Client(h.port).get(headers={"Cookie": forged}).status == 401


def test_session_cookie_with_curl(sso_gw, tmp_path):
    h = sso_gw()
    jar = str(tmp_path / "jar")
    code, _, _, err = curl("--ntlm", "-u", "bob:" + USERS["bob"], "-c", jar,
                           h.url("/a"))
    assert code == 200, err
    code, body, _, err = curl("-b", jar, h.url("/b"))
    assert code == 200, err
    assert header(json.loads(body), "X-Remote-User") == "bob"


def test_session_cookie_off_by_default(sso_gw):
    h = sso_gw(extra="")
    r = Client(h.port).logon("alice", USERS["alice"])
    assert view(r) and session_cookie(r) is None


def test_session_cookie_name_is_stripped_without_the_option(sso_gw):
    """Whatever the option, the backend never sees a session cookie."""
    h = sso_gw(extra="")
    c = Client(h.port)
    assert view(c.logon("alice", USERS["alice"]))
    v = view(c.get(headers={"Cookie": "AuthGWSession=abc; keep=1"}))
    assert header(v, "Cookie") == "keep=1"


def test_renamed_session_cookie_is_stripped(sso_gw):
    """AuthGWCookieName renames the cookie; that name is stripped too."""
    h = sso_gw(extra="", server_extra="AuthGWCookieName CorpSSO")
    c = Client(h.port)
    assert view(c.logon("alice", USERS["alice"]))
    v = view(c.get(headers={"Cookie": "CorpSSO=abc; AuthGWSession=x; keep=1"}))
    assert header(v, "Cookie") == "AuthGWSession=x; keep=1"


def test_session_cookie_needs_forms(sso_gw, make_httpd, backend, nthashes):
    conf = ntlm_conf(backend.port, "file:" + nthashes, "NTLM",
                     "AuthGWNTLMSessionCookie On")
    h = make_httpd(conf, modules=MODULES, start=False)
    rc, out = h.configtest()
    assert rc != 0
    assert "AuthGWNTLMSessionCookie On needs mod_authgw_forms" in out


# ---------------------------------------------------------------------------
# HTTP/2: NTLM needs HTTP/1.1 (HTTP_1_1_REQUIRED through mod_http2)
# ---------------------------------------------------------------------------

@pytest.fixture
def h2_gw(make_httpd, backend, nthashes):
    def factory(auth_type="NTLM", extra=""):
        h = make_httpd("Protocols h2c http/1.1\n" + ntlm_conf(
            backend.port, "file:" + nthashes, auth_type, extra),
            modules=MODULES + ("http2",))
        h.forbid_in_log(*USERS.values())
        return h
    return factory


def h2_challenges(err):
    return [l.split(":", 1)[1].strip() for l in err.splitlines()
            if l.lower().startswith("< www-authenticate:")]


def test_h2_ntlm_needs_http11(h2_gw):
    """Over HTTP/2 the stream is reset with HTTP_1_1_REQUIRED (mod_http2
    does it for a 403 with the 'ssl-renegotiate-forbidden' note): curl
    retries over HTTP/1.1, where the handshake completes."""
    h = h2_gw()
    code, _, conns, err = curl("--http2-prior-knowledge", h.url("/"))
    assert "HTTP_1_1_REQUIRED" in err, err
    assert "< HTTP/2" not in err           # no HTTP/2 answer at all
    assert code == 401 and h2_challenges(err) == ["NTLM"], err
    code, body, conns, err = curl("--http2-prior-knowledge", "--ntlm", "-u",
                                  "alice:" + USERS["alice"], h.url("/"))
    assert code == 200, err
    assert header(json.loads(body), "X-Remote-User") == "alice"
    assert "HTTP_1_1_REQUIRED" in err and conns == 2, err
    # no NTLM message ever answered over HTTP/2
    assert "< HTTP/2" not in err
    assert "AGW30033" in h.error_log()


def test_h2_integrated_offers_negotiate_only(h2_gw):
    h = h2_gw(auth_type="Integrated")
    code, _, _, err = curl("--http2-prior-knowledge", h.url("/"))
    assert code == 401 and "< HTTP/2 401" in err, err
    assert h2_challenges(err) == ["Negotiate"], err
    # raw NTLMSSP in Negotiate, or NTLM: HTTP/1.1 required
    code, body, conns, err = curl("--http2-prior-knowledge", "--ntlm", "-u",
                                  "bob:" + USERS["bob"], h.url("/"))
    assert code == 200 and "HTTP_1_1_REQUIRED" in err, err
    assert header(json.loads(body), "X-Remote-User") == "bob"


# ---------------------------------------------------------------------------
# AuthGWNTLMBasicFallback
# ---------------------------------------------------------------------------

def basic(user, pw):
    return "Basic " + b64(("%s:%s" % (user, pw)).encode())


@pytest.fixture
def htpasswd_files():
    d = harness.new_dir("basic")
    one = harness.htpasswd(os.path.join(d, "one"), {"dave": "D4ve-Basic!"})
    two = harness.htpasswd(os.path.join(d, "two"), {"erin": "Er1n-Basic!",
                                                    "dave": "not-this"})
    yield one, two
    shutil.rmtree(d, ignore_errors=True)


def challenges(r):
    return [v for k, v in r.getheaders() if k.lower() == "www-authenticate"]


def test_basic_fallback_offered_and_accepted(make_httpd, backend, nthashes,
                                             htpasswd_files):
    one, two = htpasswd_files
    conf = """
<AuthnProviderAlias file one>
    AuthUserFile %s
</AuthnProviderAlias>
<AuthnProviderAlias file two>
    AuthUserFile %s
</AuthnProviderAlias>
""" % (one, two) + ntlm_conf(backend.port, "file:" + nthashes, "Integrated",
                             "AuthGWNTLMBasicFallback On\n"
                             "    AuthGWNTLMBasicProvider one two")
    h = make_httpd(conf, modules=MODULES)
    h.forbid_in_log("D4ve-Basic!", "Er1n-Basic!")
    c = Client(h.port)
    r = c.get()
    assert r.status == 401
    assert challenges(r) == ["Negotiate", "NTLM", 'Basic realm="gw"']
    # the first provider knows dave: the second one's password is not tried
    v = view(c.get(raw_header=basic("dave", "D4ve-Basic!")))
    assert header(v, "X-Remote-User") == "dave"
    assert header(v, "Authorization") is None
    r = c.get(raw_header=basic("dave", "not-this"))
    assert r.status == 401
    assert challenges(r) == ["Negotiate", "NTLM", 'Basic realm="gw"']
    # erin is unknown to the first: the second one checks her
    v = view(c.get(raw_header=basic("erin", "Er1n-Basic!")))
    assert header(v, "X-Remote-User") == "erin"
    assert c.get(raw_header=basic("nobody", "x")).status == 401
    # Basic authenticates the request, not the connection
    assert c.get().status == 401
    # NTLM still works next to it
    assert header(view(Client(h.port).logon("alice", USERS["alice"])),
                  "X-Remote-User") == "alice"
    log = h.error_log()
    assert "failed Basic logon: user 'dave'" in log
    assert "Basic logon of 'erin'" in log


def test_basic_fallback_curl(make_httpd, backend, nthashes, htpasswd_files):
    pw = harness.htpasswd(htpasswd_files[0] + ".f", {"frank": "Fr4nk-Basic!"})
    h = make_httpd(ntlm_conf(backend.port, "file:" + nthashes, "NTLM",
                             "AuthGWNTLMBasicFallback On\n"
                             "    AuthUserFile " + pw), modules=MODULES)
    h.forbid_in_log("Fr4nk-Basic!")
    r = Client(h.port).get()
    assert challenges(r) == ["NTLM", 'Basic realm="gw"']
    code, body, _, err = curl("--basic", "-u", "frank:Fr4nk-Basic!",
                              h.url("/"))
    assert code == 200, err
    assert header(json.loads(body), "X-Remote-User") == "frank"
    code, _, _, err = curl("--basic", "-u", "frank:wrong", h.url("/"))
    assert code == 401


def test_basic_not_offered_by_default_nor_under_negotiate(gw):
    h = gw(auth_type="Integrated")
    r = Client(h.port).get(raw_header=basic("alice", USERS["alice"]))
    assert r.status == 401 and challenges(r) == ["Negotiate", "NTLM"]
    h2 = gw(auth_type="Negotiate", extra="AuthGWNTLMBasicFallback On")
    r = Client(h2.port).get(raw_header=basic("alice", USERS["alice"]))
    assert r.status == 401 and challenges(r) == ["Negotiate"]


def test_basic_provider_unknown_refused(make_httpd, backend, nthashes):
    h = make_httpd(ntlm_conf(backend.port, "file:" + nthashes, "NTLM",
                             "AuthGWNTLMBasicProvider nosuch"),
                   modules=MODULES, start=False)
    rc, out = h.configtest()
    assert rc != 0 and "unknown authn provider 'nosuch'" in out


# ---------------------------------------------------------------------------
# Samba AD: winbind and Kerberos
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def samba_ad(samba_ad):
    """The suite's one Samba AD (conftest.py), with this file's users and the
    gateway's service account for HTTP/gw.gw.test."""
    for u, pw in AD_USERS.items():
        samba_ad.add_user(u, pw)
    samba_ad.add_user("gwsvc", "Gw-Svc!pass-1")
    samba_ad.add_spn("HTTP/gw.gw.test", "gwsvc")
    return samba_ad


def test_winbind_curl(gw, samba_ad):
    h = gw(validator="winbind", extra="")
    code, body, conns, err = curl("--ntlm", "-u",
                                  "GW\\alice:" + AD_USERS["alice"], h.url("/"))
    assert code == 200, err + h.error_log()[-2000:]
    assert header(json.loads(body), "X-Remote-User").lower() == "gw\\alice"
    code, _, _, err = curl("--ntlm", "-u", "GW\\alice:wrong", h.url("/"))
    assert code == 401
    code, _, _, err = curl("--ntlm", "-u", "GW\\nobody:wrong", h.url("/"))
    assert code == 401


def test_winbind_two_users(gw, samba_ad):
    h = gw(validator="winbind")
    a, b = Client(h.port), Client(h.port)
    assert header(view(a.logon("alice", AD_USERS["alice"], domain="GW")),
                  "X-Remote-User").lower() == "gw\\alice"
    assert header(view(b.logon("bob", AD_USERS["bob"], domain="GW")),
                  "X-Remote-User").lower() == "gw\\bob"
    assert header(view(a.get()), "X-Remote-User").lower() == "gw\\alice"


def test_winbind_groups_for_require(make_httpd, backend, samba_ad):
    """The token groups of a winbind logon (plain names) feed Require
    authgw-group, on the logon request and on the rest of the connection."""
    samba_ad.add_group("ntlmtest-finance")
    samba_ad.add_member("ntlmtest-finance", "alice")
    conf = ntlm_conf(backend.port, "winbind") + """
<Location /fin>
    Require authgw-group ntlmtest-finance
    AuthzSendForbiddenOnFailure On
</Location>
"""
    h = make_httpd(conf, modules=MODULES)
    h.forbid_in_log(*AD_USERS.values())
    a = Client(h.port, target="/fin/x")
    assert header(view(a.logon("alice", AD_USERS["alice"], domain="GW")),
                  "X-Remote-User").lower() == "gw\\alice"
    assert view(a.get())                     # same connection, same groups
    b = Client(h.port, target="/fin/x")
    r = b.logon("bob", AD_USERS["bob"], domain="GW")
    assert r.status == 403, (r.status, r.body[:200])
    b.target = "/"
    assert view(b.get())                     # bob is still logged on
    log = h.error_log()
    assert "ntlmtest-finance" in log and "AGW30035" in log
    assert "Domain Users" in log
    assert "AGW10011" in log                 # bob: in none of the groups


def test_negotiate_kerberos(make_httpd, backend, samba_ad, tmp_path):
    kt = harness.new_dir("keytab")
    keytab = samba_ad.export_keytab(os.path.join(kt, "gw.keytab"),
                                    "HTTP/gw.gw.test@GW.TEST")
    h = make_httpd(ntlm_conf(backend.port, "winbind", "Negotiate",
                             "AuthGWKeytab %s" % keytab), modules=MODULES)
    cc = str(tmp_path / "cc")
    samba_ad.kinit("alice", AD_USERS["alice"], cc)
    env = samba_ad.krb5_env(KRB5CCNAME="FILE:" + cc)
    code, body, _, err = curl("--negotiate", "-u", ":",
                              "http://gw.gw.test:%d/" % h.port, env=env)
    assert code == 200, err + h.error_log()[-2000:]
    assert header(json.loads(body), "X-Remote-User") == "alice@GW.TEST"
    assert header(json.loads(body), "Authorization") is None
    assert "WWW-Authenticate: Negotiate " in err      # mutual auth token
    # no ticket: 401 Negotiate
    code, _, _, err = curl("--negotiate", "-u", ":", "http://gw.gw.test:%d/"
                           % h.port, env=samba_ad.krb5_env(
                               KRB5CCNAME="FILE:" + str(tmp_path / "none")))
    assert code == 401


def test_negotiate_session_cookie(make_httpd, backend, samba_ad, secret,
                                  tmp_path):
    """A Kerberos logon issues the session cookie; it then stands in for a
    ticket (curl without a credential cache)."""
    kt = harness.new_dir("keytab")
    keytab = samba_ad.export_keytab(os.path.join(kt, "gw.keytab"),
                                    "HTTP/gw.gw.test@GW.TEST")
    h = make_httpd(sso_server(secret) + ntlm_conf(
        backend.port, "winbind", "Integrated",
        "AuthGWKeytab %s\n    AuthGWNTLMSessionCookie On" % keytab),
        modules=SSO_MODULES)
    cc = str(tmp_path / "cc")
    jar = str(tmp_path / "jar")
    samba_ad.kinit("alice", AD_USERS["alice"], cc)
    url = "http://gw.gw.test:%d/" % h.port
    code, _, _, err = curl("--negotiate", "-u", ":", "-c", jar, url,
                           env=samba_ad.krb5_env(KRB5CCNAME="FILE:" + cc))
    assert code == 200, err
    none = samba_ad.krb5_env(KRB5CCNAME="FILE:" + str(tmp_path / "none"))
    code, body, _, err = curl("-b", jar, url, env=none)
    assert code == 200, err
    assert header(json.loads(body), "X-Remote-User") == "alice@GW.TEST"
    assert header(json.loads(body), "Cookie") is None
    code, _, _, _ = curl(url, env=none)
    assert code == 401


def test_basic_fallback_issues_session(sso_gw, htpasswd_files):
    h = sso_gw(auth_type="Integrated",
               extra="AuthGWNTLMSessionCookie On\n"
                     "    AuthGWNTLMBasicFallback On\n"
                     "    AuthUserFile " + htpasswd_files[0])
    h.forbid_in_log("D4ve-Basic!")
    r = Client(h.port).get(raw_header=basic("dave", "D4ve-Basic!"))
    assert view(r)
    cookie = session_cookie(r)
    assert cookie
    v = view(Client(h.port).get(headers={"Cookie": cookie}))
    assert header(v, "X-Remote-User") == "dave"


STATUS = """
ExtendedStatus On
<Location /server-status>
    SetHandler server-status
    ProxyPass !
    Require ip 127.0.0.1
</Location>
"""


def test_counters(make_httpd, backend, nthashes):
    import re
    h = make_httpd(ntlm_conf(backend.port, "file:" + nthashes) + STATUS,
                   modules=MODULES)

    def counters():
        c = http.client.HTTPConnection("127.0.0.1", h.port, timeout=10)
        c.request("GET", "/server-status?auto")
        text = c.getresponse().read().decode()
        return {k: int(v) for k, v in
                re.findall(r"^(AuthGWNTLM\w+): (\d+)$", text, re.M)}

    before = counters()
    assert Client(h.port).logon("alice", "wrong").status == 401
    assert view(Client(h.port).logon("alice", USERS["alice"]))
    after = counters()
    assert after["AuthGWNTLMAttempts"] - before["AuthGWNTLMAttempts"] == 2
    assert after["AuthGWNTLMSuccesses"] - before["AuthGWNTLMSuccesses"] == 1
    assert after["AuthGWNTLMFailures"] - before["AuthGWNTLMFailures"] == 1
    assert after["AuthGWNTLMLatencyMicroseconds"] > before["AuthGWNTLMLatencyMicroseconds"]


def test_integrated_kerberos_and_ntlm(make_httpd, backend, samba_ad, tmp_path):
    """One location, both schemes: curl --negotiate with a ticket, curl
    --ntlm with a password, and requests-kerberos with mutual auth
    required (it checks our AP-REP)."""
    kt = harness.new_dir("keytab")
    keytab = samba_ad.export_keytab(os.path.join(kt, "gw.keytab"),
                                    "HTTP/gw.gw.test@GW.TEST")
    h = make_httpd(ntlm_conf(backend.port, "winbind", "Integrated",
                             "AuthGWKeytab %s\n    AuthGWKerberosPrincipal "
                             "HTTP/gw.gw.test@GW.TEST" % keytab),
                   modules=MODULES)
    cc = str(tmp_path / "cc")
    samba_ad.kinit("bob", AD_USERS["bob"], cc)
    env = samba_ad.krb5_env(KRB5CCNAME="FILE:" + cc)
    url = "http://gw.gw.test:%d/" % h.port
    code, body, _, err = curl("--negotiate", "-u", ":", url, env=env)
    assert code == 200, err
    assert header(json.loads(body), "X-Remote-User") == "bob@GW.TEST"
    code, body, _, err = curl("--ntlm", "-u", "GW\\alice:" + AD_USERS["alice"],
                              url)
    assert code == 200, err
    assert header(json.loads(body), "X-Remote-User").lower() == "gw\\alice"
    if subprocess.run(["/usr/bin/python3", "-c", "import requests_kerberos"],
                      capture_output=True).returncode:
        return
    script = ("import requests, requests_kerberos as k, sys\n"
              "r = requests.get(sys.argv[1], auth=k.HTTPKerberosAuth("
              "mutual_authentication=k.REQUIRED))\n"
              "print(r.status_code); print(r.text)\n")
    p = subprocess.run(["/usr/bin/python3", "-c", script, url],
                       capture_output=True, text=True, env=env, timeout=30)
    code, _, body = p.stdout.partition("\n")
    assert code == "200", p.stderr
    assert header(json.loads(body), "X-Remote-User") == "bob@GW.TEST"


# ---------------------------------------------------------------------------
# NTLM inside SPNEGO (RFC 4178).  The real client is MIT GSSAPI's SPNEGO with
# the gss-ntlmssp mechanism (Debian gss-ntlmssp): curl --negotiate and
# python3-gssapi, without a Kerberos ticket, the password from
# NTLM_USER_FILE; so SPNEGO offers NTLMSSP.
# ---------------------------------------------------------------------------

def gss_ntlmssp_installed():
    d = "/etc/gss/mech.d"
    return os.path.isdir(d) and any(
        "gssntlmssp" in open(os.path.join(d, f)).read()
        for f in os.listdir(d))


needs_gss_ntlmssp = pytest.mark.skipif(
    not gss_ntlmssp_installed(), reason="gss-ntlmssp is not installed "
    "(scripts/install-deps)")


def ntlm_env(tmp_path, user, password, domain="GW", base=None):
    """Environment for a gss-ntlmssp initiator: its user file, and no
    Kerberos ticket unless base (a krb5_env) brings one."""
    f = tmp_path / ("ntlm-users-" + user)
    f.write_text("%s:%s:%s\n" % (domain, user, password))
    env = dict(base or os.environ, NTLM_USER_FILE=str(f), NTLMUSER=user)
    env.setdefault("KRB5CCNAME", "FILE:" + str(tmp_path / "no-ticket"))
    return env


# One SPNEGO logon with python3-gssapi over one connection; the client
# completes its context with our last token, so it checks our mechListMIC.
GSSAPI_CLIENT = r"""
import base64, gssapi, http.client, json, sys
host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
spnego = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")
ctx = gssapi.SecurityContext(
    name=gssapi.Name("HTTP@" + host, gssapi.NameType.hostbased_service),
    mech=spnego, usage="initiate")
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
tok, sent = ctx.step(), []
while True:
    sent.append(base64.b64encode(tok).decode())
    conn.request("GET", path, headers={"Host": "%s:%d" % (host, port),
                 "Authorization": "Negotiate " + sent[-1]})
    r = conn.getresponse()
    body = r.read()
    h = r.getheader("WWW-Authenticate") or ""
    srv = base64.b64decode(h.split(" ", 1)[1]) if h.startswith("Negotiate ") else None
    if r.status != 401 or srv is None:
        break
    tok = ctx.step(srv)
final = srv is not None and r.status == 200
if final:
    ctx.step(srv)
print(json.dumps({"status": r.status, "complete": ctx.complete, "legs": len(sent),
                  "sent": sent, "final": h, "body": body.decode("latin-1")}))
"""


def gssapi_logon(host, port, env, path="/"):
    p = subprocess.run(["/usr/bin/python3", "-c", GSSAPI_CLIENT, host,
                        str(port), path], capture_output=True, text=True,
                       env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def der(tag, content):
    n = len(content)
    if n < 0x80:
        ln = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        ln = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + ln + content


def der_read(b):
    """(tag, contents, rest) of the element at the start of b."""
    tag, n, i = b[0], b[1], 2
    if n & 0x80:
        k = n & 0x7F
        n, i = int.from_bytes(b[2:2 + k], "big"), 2 + k
    return tag, b[i:i + n], b[i + n:]


OID_SPNEGO = bytes.fromhex("2b0601050502")
OID_NTLMSSP = bytes.fromhex("2b06010401823702020a")
OID_KRB5 = bytes.fromhex("2a864886f712010202")


def neg_init(mechs, token=None, extra=b""):
    seq = der(0xA0, der(0x30, b"".join(der(6, m) for m in mechs)))
    if token is not None:
        seq += der(0xA2, der(4, token))
    seq += extra
    return der(0x60, der(6, OID_SPNEGO) + der(0xA0, der(0x30, seq)))


def neg_resp(token=None, mic=None):
    seq = b""
    if token is not None:
        seq += der(0xA2, der(4, token))
    if mic is not None:
        seq += der(0xA3, der(4, mic))
    return der(0xA1, der(0x30, seq))


def parse_resp(tok):
    """The fields of a NegTokenResp: {0: negState, 1: mech, 2: token, 3: mic}."""
    tag, c, rest = der_read(tok)
    assert tag == 0xA1 and not rest
    tag, seq, rest = der_read(c)
    assert tag == 0x30 and not rest
    out = {}
    while seq:
        tag, f, seq = der_read(seq)
        _, v, _ = der_read(f)
        out[tag & 0x1F] = v[0] if tag == 0xA0 else v
    return out


def negotiate_tokens(r):
    return [base64.b64decode(v.split(" ", 1)[1]) for k, v in r.getheaders()
            if k.lower() == "www-authenticate" and v.startswith("Negotiate ")]


@needs_gss_ntlmssp
def test_spnego_ntlm_curl(gw, tmp_path):
    """curl --negotiate with no ticket: NTLMSSP inside SPNEGO, two legs on
    one connection, the final NegTokenResp (accept-completed + our
    mechListMIC, since the client sent one) on the 200."""
    h = gw(auth_type="Negotiate")
    env = ntlm_env(tmp_path, "alice", USERS["alice"])
    code, body, conns, err = curl("--negotiate", "-u", ":", h.url("/"),
                                  env=env)
    assert code == 200, err + h.error_log()[-2000:]
    assert header(json.loads(body), "X-Remote-User") == "alice"
    assert header(json.loads(body), "Authorization") is None
    assert conns == 1, err
    final = [l.split(" ", 3)[3] for l in err.splitlines()
             if l.startswith("< WWW-Authenticate: Negotiate ")][-1]
    f = parse_resp(base64.b64decode(final))
    assert f[0] == 0 and len(f[3]) == 16 and 2 not in f, f
    assert "NTLM logon of 'alice' (NTLMv2, in SPNEGO)" in h.error_log()
    # wrong password: a fresh challenge, and the log says why
    env = ntlm_env(tmp_path, "alice", "wrong-password")
    code, _, _, err = curl("--negotiate", "-u", ":", h.url("/"), env=env)
    assert code == 401, err
    assert re.search(r"AGW30014.*failed NTLM logon: user 'GW\\\\?alice'.*"
                     r"wrong-password", h.error_log())


@needs_gss_ntlmssp
def test_spnego_ntlm_python_gssapi_checks_our_mic(gw, tmp_path):
    """python3-gssapi completes its SPNEGO context with our final token:
    MIT's SPNEGO verifies our mechListMIC (it fails the step otherwise)."""
    h = gw(auth_type="Integrated")
    v = gssapi_logon("127.0.0.1", h.port, ntlm_env(tmp_path, "bob",
                                                     USERS["bob"]))
    assert v["status"] == 200 and v["complete"] and v["legs"] == 2, v
    assert header(json.loads(v["body"]), "X-Remote-User") == "bob"
    # the client's two tokens as it sent them: NegTokenInit preferring
    # NTLMSSP with the NEGOTIATE, then a NegTokenResp with the MIC
    first, second = (base64.b64decode(t) for t in v["sent"])
    assert first[0] == 0x60 and OID_NTLMSSP in first[:40]
    assert len(parse_resp(second)[3]) == 16


@needs_gss_ntlmssp
def test_spnego_ntlm_winbind(gw, samba_ad, tmp_path):
    """Against the Samba AD DC through winbind: the mechListMIC uses the
    session key winbind returns."""
    h = gw(validator="winbind", auth_type="Negotiate")
    v = gssapi_logon("127.0.0.1", h.port,
                     ntlm_env(tmp_path, "alice", AD_USERS["alice"]))
    assert v["status"] == 200 and v["complete"], (v, h.error_log()[-2000:])
    assert header(json.loads(v["body"]), "X-Remote-User").lower() == "gw\\alice"
    env = ntlm_env(tmp_path, "alice", "Wr0ng!pass")
    code, _, _, err = curl("--negotiate", "-u", ":", h.url("/"), env=env)
    assert code == 401, err


@needs_gss_ntlmssp
def test_spnego_ntlm_selected_after_kerberos(gw, samba_ad, tmp_path):
    """A client with a Kerberos ticket and NTLM credentials offers
    {Kerberos, NTLMSSP} with a Kerberos token; a location without
    AuthGWKeytab selects NTLMSSP (request-mic), and the mechListMIC is then
    required and exchanged both ways (RFC 4178 §5)."""
    h = gw(auth_type="Integrated")
    cc = str(tmp_path / "cc")
    samba_ad.kinit("alice", AD_USERS["alice"], cc)
    env = ntlm_env(tmp_path, "alice", USERS["alice"],
                   base=samba_ad.krb5_env(KRB5CCNAME="FILE:" + cc))
    v = gssapi_logon("gw.gw.test", h.port, env)
    assert v["status"] == 200 and v["complete"] and v["legs"] == 3, \
        (v, h.error_log()[-2000:])
    assert header(json.loads(v["body"]), "X-Remote-User") == "alice"
    first = base64.b64decode(v["sent"][0])
    assert first.index(OID_KRB5) < first.index(OID_NTLMSSP)
    assert "AGW30051" in h.error_log()
    # the same offer from our own client, which sends no MIC: refused
    c = Client(h.port, scheme="Negotiate")
    r = c.get(neg_init([OID_KRB5, OID_NTLMSSP], b"not-a-kerberos-token"))
    assert r.status == 401
    f = parse_resp(negotiate_tokens(r)[0])
    assert f == {0: 3, 1: OID_NTLMSSP}, f        # request-mic, no token
    r = c.get(neg_resp(type1()))
    f = parse_resp(negotiate_tokens(r)[0])
    assert f[0] == 1 and 1 not in f and f[2][:8] == b"NTLMSSP\0"
    _, chal, ti, _ = parse_type2(f[2])
    r = c.get(neg_resp(type3(chal, ti, "alice", "GW", USERS["alice"])))
    assert r.status == 401 and negotiate_tokens(r) == []
    assert "no mechListMIC, which RFC 4178 requires" in h.error_log()


def spnego_legs(c, user, password, mic=None):
    """NEGOTIATE in a NegTokenInit, AUTHENTICATE (with mic) in a
    NegTokenResp, from our own client; returns the last response."""
    r = c.get(neg_init([OID_NTLMSSP], type1()))
    assert r.status == 401, r.status
    f = parse_resp(negotiate_tokens(r)[0])
    assert f[0] == 1 and f[1] == OID_NTLMSSP
    _, chal, ti, _ = parse_type2(f[2])
    return c.get(neg_resp(type3(chal, ti, user, "", password), mic))


def test_spnego_ntlm_own_client(gw):
    """Our own client (no gss-ntlmssp needed): without a MIC from the client
    and NTLMSSP first, no MIC either way; a wrong MIC is refused."""
    h = gw(auth_type="Negotiate")
    c = Client(h.port, scheme="Negotiate")
    r = spnego_legs(c, "alice", USERS["alice"])
    assert header(view(r), "X-Remote-User") == "alice"
    assert parse_resp(negotiate_tokens(r)[0]) == {0: 0}
    assert header(view(c.get()), "X-Remote-User") == "alice"  # connection-bound
    c = Client(h.port, scheme="Negotiate")
    r = spnego_legs(c, "alice", USERS["alice"], mic=b"\1" + b"\0" * 15)
    assert r.status == 401 and negotiate_tokens(r) == []
    assert "wrong mechListMIC" in h.error_log()
    assert c.get().status == 401


SPNEGO_MALFORMED = [
    # (what, token, status, log)
    ("truncated", neg_init([OID_NTLMSSP], type1())[:30], 400,
     "AGW30046.*truncated"),
    ("outer length too long", b"\x60\x84\x00\x00\x10\x00" + neg_init(
        [OID_NTLMSSP], type1())[2:], 400, "AGW30046.*(truncated|not-der)"),
    ("inner length wrong", neg_init([OID_NTLMSSP], type1()).replace(
        b"\xa2\x22\x04\x20", b"\xa2\x22\x04\x21"), 400, "AGW30046"),
    ("indefinite length (BER)", b"\x60\x80" + neg_init(
        [OID_NTLMSSP], type1())[2:] + b"\0\0", 400, "AGW30046.*not-der"),
    ("unknown field", neg_init([OID_NTLMSSP], type1(), der(0xA4, der(4, b"x"))),
     400, "AGW30046.*unexpected-field"),
    ("unknown mechanism only", neg_init([bytes.fromhex("2a0304")],
                                        b"whatever"), 401, "AGW30055"),
    ("SPNEGO in SPNEGO", neg_init([OID_SPNEGO], neg_init([OID_NTLMSSP],
                                                         type1())), 400,
     "AGW30046.*SPNEGO offered inside SPNEGO"),
    ("nested too deep", neg_init([OID_NTLMSSP], neg_init(
        [OID_NTLMSSP], neg_init([OID_NTLMSSP], type1()))), 400,
     "AGW30046.*mechToken for NTLMSSP is not an NTLMSSP message"),
    ("AUTHENTICATE in a NegTokenInit", neg_init(
        [OID_NTLMSSP], b"NTLMSSP\0\3\0\0\0" + b"\0" * 60), 400, "AGW30047"),
    ("later leg, nothing pending", neg_resp(type1()), 401, "AGW30048"),
    ("later leg, not NTLMSSP", neg_resp(b"abc"), 400,
     "AGW30046.*only NTLMSSP takes several legs"),
    ("garbage", b"\x30\x03\x02\x01\x05", 400,
     "AGW30046.*neither NTLMSSP nor a GSS-API token"),
]


@pytest.mark.parametrize("what,token,status,log", SPNEGO_MALFORMED,
                         ids=[m[0] for m in SPNEGO_MALFORMED])
def test_spnego_malformed(gw, what, token, status, log):
    h = gw(auth_type="Negotiate")
    c = Client(h.port, scheme="Negotiate")
    r = c.get(token)
    assert r.status == status, (what, r.status)
    if status == 401:
        assert challenges(r) == ["Negotiate"]
    assert re.search(log, h.error_log()), h.error_log()[-1500:]
    # the child lives on and serves a good logon
    assert view(spnego_legs(Client(h.port, scheme="Negotiate"), "alice",
                            USERS["alice"]))


def test_spnego_wrong_leg_order(gw):
    """A NEGOTIATE where the AUTHENTICATE is due: 400, and the connection
    starts over."""
    h = gw(auth_type="Negotiate")
    c = Client(h.port, scheme="Negotiate")
    assert c.get(neg_init([OID_NTLMSSP], type1())).status == 401
    assert c.get(neg_resp(type1())).status == 400
    assert "AGW30050" in h.error_log()
    assert c.get(neg_resp(type1())).status == 401      # nothing pending now


@needs_gss_ntlmssp
def test_h2_spnego_ntlm_needs_http11(h2_gw, tmp_path):
    """NTLMSSP inside SPNEGO authenticates the connection like raw NTLM:
    over HTTP/2 the stream is reset with HTTP_1_1_REQUIRED and curl's
    retry over HTTP/1.1 logs on."""
    h = h2_gw(auth_type="Negotiate")
    code, body, conns, err = curl("--http2-prior-knowledge", "--negotiate",
                                  "-u", ":", h.url("/"),
                                  env=ntlm_env(tmp_path, "bob", USERS["bob"]))
    assert code == 200 and "HTTP_1_1_REQUIRED" in err, err
    assert header(json.loads(body), "X-Remote-User") == "bob"
    assert "AGW30033" in h.error_log()


def test_negotiate_new_key_version_without_restart(make_httpd, backend,
                                                    samba_ad, tmp_path):
    """Acceptor credentials are kept per child; the keytab is still read at
    each logon, so a new key version (password change of the service
    account, keytab exported again) works without a restart."""
    samba_ad.add_user("ntlmkvno", "Kvno-Svc!pass-1")
    samba_ad.add_spn("HTTP/backend.gw.test", "ntlmkvno")
    kt = os.path.join(harness.new_dir("keytab"), "kvno.keytab")
    samba_ad.export_keytab(kt, "HTTP/backend.gw.test@GW.TEST")
    h = make_httpd(ntlm_conf(backend.port, "winbind", "Negotiate",
                             "AuthGWKeytab %s" % kt), modules=MODULES)
    url = "http://backend.gw.test:%d/" % h.port

    def logon(n):
        cc = str(tmp_path / ("cc%d" % n))
        samba_ad.kinit("bob", AD_USERS["bob"], cc)
        return curl("--negotiate", "-u", ":", url,
                    env=samba_ad.krb5_env(KRB5CCNAME="FILE:" + cc))

    for n in range(2):      # both children, most likely, keep credentials
        code, body, _, err = logon(n)
        assert code == 200, err + h.error_log()[-2000:]
    def kvnos():
        out = subprocess.run(["klist", "-k", kt], capture_output=True,
                             text=True, check=True).stdout
        return {l.split()[0] for l in out.splitlines()[3:] if l.strip()}

    before = kvnos()
    samba_ad.samba_tool("user", "setpassword", "ntlmkvno",
                        "--newpassword=Kvno-Svc!pass-2")
    samba_ad.export_keytab(kt, "HTTP/backend.gw.test@GW.TEST")
    assert kvnos() and kvnos() != before        # the old keys are gone
    for n in range(2, 5):
        code, body, _, err = logon(n)
        assert code == 200, err + h.error_log()[-2000:]
        assert header(json.loads(body), "X-Remote-User") == "bob@GW.TEST"
