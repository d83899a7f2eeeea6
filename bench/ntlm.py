#!/usr/bin/python3
"""NTLM and Negotiate benchmark (NTLM/Negotiate issue), side by side in one
run on loopback, against one Samba AD domain controller:

- NTLM handshakes per second (NEGOTIATE, CHALLENGE, AUTHENTICATE on a new
  TCP connection each), authgw's mod_authgw_ntlm against mod_auth_gssapi
  with gss-ntlmssp, with two validators each: a local password file
  (authgw `file:` NT hashes; gss-ntlmssp's NTLM_USER_FILE) and the DC through
  winbind (authgw `winbind`; gss-ntlmssp without a user file, which then
  asks winbind);
- Negotiate (Kerberos) logons per second (one SPNEGO token with a fresh
  AP-REQ on a new connection each), authgw against mod_auth_gssapi
  (GssapiAllowedMech krb5), with the same keytab.

Both servers answer with the same small static file from their docroot, so
no backend is measured.  The load comes from BENCH_CONNECTIONS client
processes (Python: the NTLM messages are computed per handshake, the
Kerberos tokens made by python3-gssapi from a service ticket each process
holds in memory), which share the machine with the servers and the DC: the
ratios are what to read.  Variants run in turn, BENCH_ROUNDS times.

Prints a table and the ratios (target: authgw >= mod_auth_gssapi); exits 0
when the figures were measured, non-zero when something is broken (a server
that does not start, a logon that fails).
Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 8),
BENCH_ROUNDS (default 2), BENCH_ONLY (run the variants whose name holds
this text, e.g. "winbind").
"""
import base64
import contextlib
import multiprocessing
import os
import socket
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "integration"))

import harness    # noqa: E402
import services   # noqa: E402
from test_ntlm import FLAGS, nt_hash, parse_type2, type1, type3   # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CONNS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
USER, PASSWORD, DOMAIN = "benchntlm", "B3nch-Ntlm!pass", "GW"
SERVICE = "gw.gw.test"
SPN = "HTTP/%s@GW.TEST" % SERVICE
MPM = {"ServerLimit": 2, "ThreadLimit": 32, "ThreadsPerChild": 32,
       "MaxRequestWorkers": 64, "StartServers": 2, "MinSpareThreads": 32,
       "MaxSpareThreads": 64}


# ---------------------------------------------------------------------------
# HTTP over a raw socket (little client overhead)
# ---------------------------------------------------------------------------

def request(s, path, auth):
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\n\r\n"
               % (path, SERVICE, auth)).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    auth_in, length = [], 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        k, v = k.strip().lower(), v.strip()
        if k == "www-authenticate":
            auth_in.append(v)
        elif k == "content-length":
            length = int(v)
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise OSError("connection closed")
        body += chunk
    return status, auth_in


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


# With a Version (40 bytes): gss-ntlmssp refuses the 32-byte form.
F_VERSION = 0x02000000
T1 = "NTLM " + base64.b64encode(
    type1(FLAGS | F_VERSION) + bytes([10, 0, 0x61, 0x4a, 0, 0, 0, 15])).decode()


def ntlm_handshake(port, path, h):
    with contextlib.closing(connect(port)) as s:
        status, auth = request(s, path, T1)
        tok = [a for a in auth if a.startswith("NTLM ")]
        if status != 401 or len(tok) != 1:
            raise RuntimeError("NEGOTIATE answered %d %r" % (status, auth))
        _, chal, ti, _ = parse_type2(base64.b64decode(tok[0][5:]))
        t3 = type3(chal, ti, USER, DOMAIN, nthash=h)
        status, _ = request(s, path, "NTLM " + base64.b64encode(t3).decode())
        if status != 200:
            raise RuntimeError("AUTHENTICATE answered %d" % status)


class Kerberos:
    """A service ticket in memory (one AS-REQ and one TGS-REQ per process);
    each logon makes a fresh AP-REQ from it."""

    def __init__(self):
        import gssapi
        import gssapi.raw
        self.gssapi = gssapi
        name = gssapi.Name("%s@GW.TEST" % USER, gssapi.NameType.kerberos_principal)
        self.spnego = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")
        krb5 = gssapi.MechType.kerberos
        self.creds = gssapi.raw.acquire_cred_with_password(
            name, PASSWORD.encode(), mechs=[krb5, self.spnego],
            usage="initiate").creds
        # SPNEGO offering Kerberos only, as a browser with a ticket does.
        gssapi.raw.set_neg_mechs(self.creds, [krb5])
        self.target = gssapi.Name("HTTP@" + SERVICE,
                                  gssapi.NameType.hostbased_service)

    def logon(self, port, path):
        ctx = self.gssapi.SecurityContext(name=self.target, creds=self.creds,
                                          mech=self.spnego, usage="initiate")
        tok = "Negotiate " + base64.b64encode(ctx.step()).decode()
        with contextlib.closing(connect(port)) as s:
            status, _ = request(s, path, tok)
        if status != 200:
            raise RuntimeError("Negotiate answered %d" % status)


def worker(args):
    kind, port, path, seconds, h = args
    do = (lambda: ntlm_handshake(port, path, h)) if kind == "ntlm" else None
    if kind == "krb":
        k = Kerberos()
        do = lambda: k.logon(port, path)   # noqa: E731
    do()                                   # warm: tickets, connections
    n, end = 0, time.time() + seconds
    while time.time() < end:
        do()
        n += 1
    return n


def measure(pool, kind, port, path, h=None):
    t0 = time.time()
    counts = pool.map(worker, [(kind, port, path, SECONDS, h)] * CONNS)
    return sum(counts) / (time.time() - t0)


# ---------------------------------------------------------------------------
# servers
# ---------------------------------------------------------------------------

def authgw_conf(hashes, keytab):
    return """
<Location /file/>
    AuthType NTLM
    AuthName bench
    AuthGWNTLMValidator file:%s
    Require valid-user
</Location>
<Location /winbind/>
    AuthType NTLM
    AuthName bench
    AuthGWNTLMValidator winbind
    Require valid-user
</Location>
<Location /krb/>
    AuthType Negotiate
    AuthName bench
    AuthGWKeytab %s
    AuthGWKerberosPrincipal %s
    Require valid-user
</Location>
""" % (hashes, keytab, SPN)


def gssapi_conf(keytab=None):
    conf = """
<Location /ntlm/>
    AuthType GSSAPI
    AuthName bench
    GssapiAllowedMech ntlmssp
    GssapiConnectionBound On
    Require valid-user
</Location>
"""
    if keytab:
        conf += """
<Location /krb/>
    AuthType GSSAPI
    AuthName bench
    GssapiAllowedMech krb5
    GssapiCredStore keytab:%s
    Require valid-user
</Location>
""" % keytab
    return conf


@contextlib.contextmanager
def environ(**kv):
    old = {k: os.environ.get(k) for k in kv}
    os.environ.update({k: v for k, v in kv.items() if v is not None})
    for k, v in kv.items():
        if v is None:
            os.environ.pop(k, None)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def docroots(h, *dirs):
    for d in dirs:
        harness.make_dir(os.path.join(h.docroot, d))
        harness.write_file(os.path.join(h.docroot, d, "index.html"),
                           "<p>bench</p>\n")


def main():
    ad = services.SambaAD().start().share_winbind()
    started = []
    try:
        ad.add_user(USER, PASSWORD)
        ad.add_user("benchsvc", "B3nch-Svc!pass")
        ad.add_spn("HTTP/" + SERVICE, "benchsvc")
        tmp = harness.new_dir("bench-ntlm")
        keytab = ad.export_keytab(os.path.join(tmp, "http.keytab"), SPN)
        h = nt_hash(PASSWORD)
        hashes = os.path.join(tmp, "nthash")
        harness.write_file(hashes, "%s\\%s:%s\n" % (DOMAIN, USER, h.hex()))
        os.chmod(hashes, 0o644)
        users = os.path.join(tmp, "ntlm-users")
        harness.write_file(users, "%s:%s:%s\n" % (DOMAIN, USER, PASSWORD))
        os.chmod(users, 0o644)

        os.environ["KRB5_CONFIG"] = ad.krb5_conf
        gw = harness.Httpd("bench-authgw", authgw_conf(hashes, keytab),
                           modules=("core", "ntlm"), loglevel="warn", mpm=MPM)
        docroots(gw, "file", "winbind", "krb")
        # gss-ntlmssp reads its users from NTLM_USER_FILE, in the server's
        # environment; without it, it asks winbind.
        mg_file = harness.Httpd("bench-gssapi-file", gssapi_conf(),
                                modules=("auth_gssapi",), loglevel="warn",
                                mpm=MPM)
        mg_wb = harness.Httpd("bench-gssapi-winbind", gssapi_conf(keytab),
                              modules=("auth_gssapi",), loglevel="warn",
                              mpm=MPM)
        docroots(mg_file, "ntlm")
        docroots(mg_wb, "ntlm", "krb")
        with environ(NTLM_USER_FILE=None, KRB5_KTNAME=None):
            started.append(gw.start())
            started.append(mg_wb.start())
        with environ(NTLM_USER_FILE=users):
            started.append(mg_file.start())

        variants = [
            ("NTLM, file", "authgw", "ntlm", gw, "/file/"),
            ("NTLM, file", "mod_auth_gssapi", "ntlm", mg_file, "/ntlm/"),
            ("NTLM, winbind", "authgw", "ntlm", gw, "/winbind/"),
            ("NTLM, winbind", "mod_auth_gssapi", "ntlm", mg_wb, "/ntlm/"),
            ("Negotiate (Kerberos)", "authgw", "krb", gw, "/krb/"),
            ("Negotiate (Kerberos)", "mod_auth_gssapi", "krb", mg_wb, "/krb/"),
        ]
        only = os.environ.get("BENCH_ONLY")
        if only:
            variants = [v for v in variants if only.lower() in v[0].lower()]
        # One logon each before measuring: a broken variant stops here.
        for what, who, kind, srv, path in variants:
            try:
                if kind == "ntlm":
                    ntlm_handshake(srv.port, path, h)
                else:
                    Kerberos().logon(srv.port, path)
            except Exception as e:
                raise SystemExit("%s through %s does not work: %s\n%s" % (
                    what, who, e, srv.error_log()[-3000:]))
        rates = {}
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(CONNS) as pool:
            for _ in range(ROUNDS):
                for what, who, kind, srv, path in variants:
                    rates.setdefault((what, who), []).append(
                        measure(pool, kind, srv.port, path, h))
    finally:
        for s in started:
            s.stop()
        ad.stop()

    print("%d client processes, %d round(s) of %.0f s; new connection per"
          " logon" % (CONNS, ROUNDS, SECONDS))
    print("%-22s %-16s %10s  %s" % ("variant", "server", "median/s",
                                    "per round"))
    for (what, who), r in rates.items():
        print("%-22s %-16s %10.0f  %s" % (what, who, statistics.median(r),
                                         " ".join("%.0f" % x for x in r)))
    for what in dict.fromkeys(w for w, _ in rates):
        a, m = rates[(what, "authgw")], rates[(what, "mod_auth_gssapi")]
        ratio = statistics.median(a) / statistics.median(m)
        per = [x / y for x, y in zip(a, m)]
        print("ratio authgw/mod_auth_gssapi, %-22s %.2f (%.2f..%.2f)  target"
              " >= 1.00: %s" % (what, ratio, min(per), max(per),
                                "PASS" if ratio >= 1.0 else "MISS"))


if __name__ == "__main__":
    main()
