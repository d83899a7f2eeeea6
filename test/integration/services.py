"""Real servers on loopback for the authgw integration tests.

Standard library only.  Each class starts one real server (Debian packages
installed on the machine), waits until it really answers, and stops it again
by process id.  Every class works the same way:

    svc = Redis().start()        # start() returns self, raises ServiceError
    ...                          # on failure with the last 40 log lines
    svc.stop()                   # kills the process group, waits for it

    with Memcached() as mc:      # or as a context manager
        ...

and is meant to be wrapped in a pytest session-scoped fixture:

    @pytest.fixture(scope="session")
    def samba_ad():
        with SambaAD() as ad:
            yield ad

Files: everything goes below base_dir(), which is $AUTHGW_TEST_DIR or
/tmp/authgw-test/run-<pid>.  Each service has its own folder there (wiped at
start()) holding its configuration and its log file.  Folders are made 0755
because httpd children (www-data) read keytabs, CA certificates and so on
from them.

Process handling: each server runs in a session (and so a process group) of
its own, so stop() can signal the server and every helper it forked (Samba
starts smbd and winbindd), and with PR_SET_PDEATHSIG so that a test run that
is killed outright (SIGKILL, Ctrl-C twice) does not leave servers behind.
stop() never touches processes outside the group it started.

Traps found while writing this (Debian 12, Samba 4.17, FreeRADIUS 3.2):
  * samba-tool provisioning needs samba-ad-provision, samba-vfs-modules
    and samba-dsdb-modules, which `samba` only recommends: with
    --no-install-recommends they are missing ("Please install
    samba-ad-provision package", then "acl_xattr.so: cannot open shared
    object file").
  * samba-tool domain provision merges the global section of
    /etc/samba/smb.conf into the new smb.conf (log file, passwd program,
    usershare ...): we provision with `-s <empty file>`.
  * libwbclient (ntlm_auth, wbinfo, and whatever C code links it) always
    uses the compiled-in winbind socket directory /run/samba/winbindd:
    with a custom "winbindd socket directory" winbindd listens elsewhere
    and every client fails with "could not obtain winbind separator"
    (no environment variable redirects it in this build, not even the
    selftest ones).  So that setting keeps its default; the pid
    directory and the ncalrpc directory are private to each run.  Samba's
    ports (88, 389, 636, 445, ...) are fixed too, so only one SambaAD can
    run on a machine at a time: start() checks and says so.
"""

import contextlib
import ctypes
import hashlib
import hmac
import os
import pwd
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

__all__ = [
    "ServiceError", "base_dir", "free_port", "free_udp_port",
    "Redis", "Memcached", "FreeRadius", "SambaAD",
    "resp_command", "radius_authenticate", "radius_status",
    "ensure_hosts_entries",
    "ACCESS_ACCEPT", "ACCESS_REJECT", "ACCESS_CHALLENGE",
]

LOOPBACK = "127.0.0.1"
LOG_TAIL_LINES = 40


def _remember_secret(*values):
    """Registers passwords with the test harness, whose log check looks for
    them in every httpd's logs (harness.SECRETS); services.py is also used
    without it."""
    harness = sys.modules.get("harness")
    if harness is not None:
        harness.remember_secret(*values)


class ServiceError(RuntimeError):
    """A server did not start (or a helper command failed)."""


# --------------------------------------------------------------------------
# Folders and ports
# --------------------------------------------------------------------------

_BASE_DIR = None


def _mkdir(path, mode=0o755):
    """mkdir -p, then chmod (the umask must not make it unreadable)."""
    os.makedirs(path, exist_ok=True)
    os.chmod(path, mode)
    return path


def base_dir():
    """The folder of this test run: $AUTHGW_TEST_DIR or /tmp/authgw-test/run-<pid>.

    Created on first use, mode 0755 (with /tmp/authgw-test itself)."""
    global _BASE_DIR
    if _BASE_DIR is None:
        path = os.environ.get("AUTHGW_TEST_DIR")
        if not path:
            root = _mkdir("/tmp/authgw-test")
            _prune_old_runs(root)
            path = os.path.join(root, "run-%d" % os.getpid())
        _BASE_DIR = _mkdir(os.path.abspath(path))
    return _BASE_DIR


def _prune_old_runs(root, max_age=6 * 3600):
    """Remove run-<pid> folders of runs that are over and older than max_age.

    Recent ones stay, for reading their logs after a failure."""
    now = time.time()
    for name in os.listdir(root):
        m = re.fullmatch(r"run-(\d+)", name)
        path = os.path.join(root, name)
        if not m or int(m.group(1)) == os.getpid():
            continue
        try:
            if now - os.stat(path).st_mtime < max_age:
                continue
            os.kill(int(m.group(1)), 0)      # still running: keep it
            continue
        except ProcessLookupError:
            pass
        except OSError:
            continue
        shutil.rmtree(path, ignore_errors=True)


def _service_dir(name):
    """A fresh (emptied) folder for one service, 0755."""
    path = os.path.join(base_dir(), name)
    shutil.rmtree(path, ignore_errors=True)
    return _mkdir(path)


def free_port(kind=socket.SOCK_STREAM):
    """A port that is free on 127.0.0.1 right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def free_udp_port():
    """free_port() for UDP (RADIUS)."""
    return free_port(socket.SOCK_DGRAM)


def _tcp_open(port, host=LOOPBACK, timeout=0.5):
    """True if something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _check_port_free(port, kind=socket.SOCK_STREAM, host=LOOPBACK):
    """Raise ServiceError if host:port cannot be bound now.  Readiness checks
    talk to the port, so a server already there would pass them for ours."""
    with socket.socket(socket.AF_INET, kind) as s:
        try:
            s.bind((host, port))
        except OSError as e:
            raise ServiceError("%s:%d/%s is already in use (%s)" % (
                host, port, "udp" if kind == socket.SOCK_DGRAM else "tcp",
                e.strerror))


def _tail(path, lines=LOG_TAIL_LINES):
    """The last `lines` lines of a text file ('' if there is none)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 256 * 1024))
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


# --------------------------------------------------------------------------
# Process handling shared by all services
# --------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1
try:
    _libc = ctypes.CDLL(None, use_errno=True)
except OSError:                                   # pragma: no cover
    _libc = None


def _child_setup():
    """Runs in the child between fork and exec (after setsid): die with us."""
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _group_members(pgid):
    """Pids of live (not zombie) processes in process group pgid, from /proc."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue
        # "pid (comm) state ppid pgrp ..." -- comm may contain spaces/parens.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 2 and fields[0] not in ("Z", "X") and int(fields[2]) == pgid:
            pids.append(int(entry))
    return pids


class Service:
    """Base class: one server process (and its children) with a log file.

    Subclasses set `name`, fill in `_prepare()` (write config, return the
    argv) and `_ready()` (True when the server answers), and may override
    `_after_start()`.  Attributes: .dir (its folder), .log_path, .proc
    (subprocess.Popen), .pid, .startup_seconds (measured by start())."""

    name = "service"
    start_timeout = 30.0       # seconds until _ready() must be true
    stop_timeout = 15.0        # seconds for SIGTERM before SIGKILL
    poll_interval = 0.05

    def __init__(self):
        self.dir = None
        self.log_path = None
        self.proc = None
        self.startup_seconds = None
        self._pending = None       # what _ready() waits for, for messages

    # -- to be filled in by subclasses ------------------------------------
    def _prepare(self):
        raise NotImplementedError

    def _ready(self):
        raise NotImplementedError

    def _after_start(self):
        pass

    def _env(self):
        return None            # None: inherit os.environ

    # -- public -----------------------------------------------------------
    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self):
        """Start the server, wait until it answers, return self."""
        if self.running():
            return self
        t0 = time.monotonic()
        self.dir = self.dir or _service_dir(self.name)
        self.log_path = self.log_path or os.path.join(
            self.dir, "%s.log" % self.name.split("-")[0])
        try:
            argv = self._prepare()
            self._spawn(argv)
            self._wait_until(self._ready, self.start_timeout, "answer")
            self._after_start()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - t0
        return self

    def stop(self):
        """SIGTERM the process group, wait; SIGKILL what is left. Idempotent."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        pgid = proc.pid         # leader of its own session: pgid == pid
        leader_gone = proc.poll() is not None
        if not leader_gone:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        # Wait for the leader without reaping it (WNOWAIT): while it is an
        # unreaped zombie its pid, the pgid, cannot be reused, so the
        # SIGKILL below can only reach processes that we started.
        while not leader_gone and time.monotonic() < deadline:
            try:
                leader_gone = os.waitid(
                    os.P_PID, pgid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
            except ChildProcessError:
                leader_gone = True
            if not leader_gone:
                time.sleep(0.02)
        # Children (smbd, winbindd) may shut down a little after the leader.
        while time.monotonic() < deadline and _group_members(pgid):
            time.sleep(0.02)
        if not leader_gone or _group_members(pgid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        proc.wait()

    def log_tail(self, lines=LOG_TAIL_LINES):
        return _tail(self.log_path, lines) if self.log_path else ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def __repr__(self):
        return "<%s pid=%s dir=%s>" % (type(self).__name__, self.pid, self.dir)

    # -- helpers for subclasses -------------------------------------------
    def _spawn(self, argv):
        if shutil.which(argv[0]) is None:
            raise ServiceError("%s: %s not found (Debian package not installed?)"
                               % (type(self).__name__, argv[0]))
        with open(self.log_path, "ab") as log:
            log.write(("+ %s\n" % " ".join(argv)).encode())
            log.flush()
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, cwd=self.dir, env=self._env(),
                start_new_session=True, preexec_fn=_child_setup)

    def _fail(self, message, log_path=None):
        log_path = log_path or self.log_path
        raise ServiceError("%s: %s\n--- last %d lines of %s ---\n%s" % (
            type(self).__name__, message, LOG_TAIL_LINES, log_path,
            _tail(log_path)))

    def _wait_until(self, check, timeout, what):
        """Poll check() until true; fail early if the server exits."""
        deadline = time.monotonic() + timeout
        delay = self.poll_interval
        last_error = None
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                self._fail("exited with status %s before it would %s"
                           % (self.proc.returncode, what))
            try:
                if check():
                    return
                last_error = None
            except Exception as e:       # a check may raise while starting
                last_error = e
            if time.monotonic() > deadline:
                self._fail("did not %s within %.0f s%s%s" % (
                    what, timeout,
                    " (waiting for: %s)" % self._pending if self._pending else "",
                    " (last error: %r)" % last_error if last_error else ""))
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)

    def _run(self, argv, check=True, input=None, env=None, timeout=120):
        """Run a helper command, output captured as text."""
        res = subprocess.run(argv, input=input, capture_output=True, text=True,
                             env=env, timeout=timeout, cwd=self.dir)
        if check and res.returncode != 0:
            raise ServiceError("%s failed with status %d:\n%s%s" % (
                " ".join(argv), res.returncode, res.stdout, res.stderr))
        return res


# --------------------------------------------------------------------------
# Redis
# --------------------------------------------------------------------------

def _resp_encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def _resp_read(f):
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("connection closed by redis")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise ServiceError("redis error: " + rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)
        return data[:-2]
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_resp_read(f) for _ in range(n)]
    raise ServiceError("bad RESP reply %r" % line)


def resp_command(port, *args, host=LOOPBACK, timeout=5.0):
    """Send one Redis command over a raw socket, return the decoded reply.

    resp_command(p, "SET", "k", "v") -> "OK"; resp_command(p, "GET", "k") -> b"v"."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(_resp_encode(args))
        with s.makefile("rb") as f:
            return _resp_read(f)


class Redis(Service):
    """redis-server on 127.0.0.1:port, no persistence.

    Attributes: .port, .host, .url ("redis://127.0.0.1:PORT").
    Methods: .command(*args) (one RESP command, see resp_command)."""

    name = "redis"

    def __init__(self, port=None):
        super().__init__()
        self.host = LOOPBACK
        self.port = port or free_port()
        self.name = "redis-%d" % self.port

    @property
    def url(self):
        return "redis://%s:%d" % (self.host, self.port)

    def _prepare(self):
        _check_port_free(self.port)
        return ["redis-server", "--bind", self.host, "--port", str(self.port),
                "--save", "", "--appendonly", "no", "--dir", self.dir,
                "--daemonize", "no", "--logfile", "",
                "--pidfile", os.path.join(self.dir, "redis.pid")]

    def _ready(self):
        if resp_command(self.port, "PING", timeout=1.0) != "PONG":
            return False
        # ... and it is ours, not another server on the same port.
        info = resp_command(self.port, "INFO", "server", timeout=1.0).decode()
        return ("process_id:%d\r\n" % self.pid) in info

    def command(self, *args):
        return resp_command(self.port, *args, host=self.host)

    def dump(self):
        """{key: value} of every string key, as an attacker with read
        access would take them: ``redis-cli --scan``, then GET each."""
        out = subprocess.run(["redis-cli", "-h", self.host, "-p", str(self.port),
                              "--scan"], capture_output=True, check=True).stdout
        return {k: self.command("GET", k) for k in out.split(b"\n") if k}


# --------------------------------------------------------------------------
# memcached
# --------------------------------------------------------------------------

class Memcached(Service):
    """memcached on 127.0.0.1:port, TCP only (-U 0).

    Attributes: .port, .host.  Methods: .command(line) sends one text
    protocol line (plus data block, if given) and returns the reply up to
    and including the terminating line (END/STORED/VERSION ...)."""

    name = "memcached"

    def __init__(self, port=None, memory_mb=64):
        super().__init__()
        self.host = LOOPBACK
        self.port = port or free_port()
        self.memory_mb = memory_mb
        self.name = "memcached-%d" % self.port

    def _prepare(self):
        _check_port_free(self.port)
        user = "nobody" if os.geteuid() == 0 else None
        argv = ["memcached", "-l", self.host, "-p", str(self.port), "-U", "0",
                "-m", str(self.memory_mb), "-v"]
        return argv + (["-u", user] if user else [])

    def _ready(self):
        if not self.command("version", timeout=1.0).startswith("VERSION "):
            return False
        # ... and it is ours, not another server on the same port.
        stats = self.command("stats", timeout=1.0)
        return ("STAT pid %d\r\n" % self.pid) in stats

    _TERMINATORS = ("END", "STORED", "NOT_STORED", "EXISTS", "NOT_FOUND",
                    "DELETED", "TOUCHED", "OK", "ERROR", "VERSION ",
                    "CLIENT_ERROR", "SERVER_ERROR")

    def command(self, line, data=None, timeout=5.0):
        """command("set k 0 0 1", b"v") -> "STORED"; command("get k") -> "VALUE k 0 1\\r\\nv\\r\\nEND"."""
        payload = line.encode() + b"\r\n"
        if data is not None:
            payload += (data if isinstance(data, bytes) else data.encode()) + b"\r\n"
        with socket.create_connection((self.host, self.port), timeout=timeout) as s:
            s.sendall(payload)
            buf = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
                last = buf.rstrip(b"\r\n").rsplit(b"\r\n", 1)[-1].decode("utf-8", "replace")
                if buf.endswith(b"\r\n") and last.startswith(self._TERMINATORS):
                    break
            return buf.decode("utf-8", "replace").rstrip("\r\n")


# --------------------------------------------------------------------------
# RADIUS (a minimal stdlib client, RFC 2865 + Message-Authenticator RFC 3579)
# --------------------------------------------------------------------------

ACCESS_REQUEST, ACCESS_ACCEPT, ACCESS_REJECT = 1, 2, 3
ACCESS_CHALLENGE, STATUS_SERVER = 11, 12
_ATTR_USER_NAME, _ATTR_USER_PASSWORD, _ATTR_NAS_IP = 1, 2, 4
_ATTR_MESSAGE_AUTHENTICATOR = 80


def _radius_exchange(port, secret, code, attrs, host=LOOPBACK, timeout=1.0,
                     tries=1):
    """Send one RADIUS packet signed with a Message-Authenticator; return
    (reply code, [(attribute type, value bytes)]) after checking the reply's
    Response Authenticator.  attrs is a function of the request
    authenticator returning [(type, bytes)] (User-Password hiding needs it).
    Raises socket.timeout when no reply comes (e.g. a wrong secret)."""
    secret = secret.encode() if isinstance(secret, str) else secret
    ident = random.randrange(256)
    req_auth = os.urandom(16)
    body = b"".join(struct.pack("BB", t, len(v) + 2) + v
                    for t, v in attrs(req_auth))
    body += struct.pack("BB", _ATTR_MESSAGE_AUTHENTICATOR, 18) + b"\0" * 16
    header = struct.pack("!BBH", code, ident, 20 + len(body))
    packet = header + req_auth + body
    mac = hmac.new(secret, packet, hashlib.md5).digest()
    packet = packet[:-16] + mac
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        # connect(): replies only from that server, and an ICMP "port
        # unreachable" (server not up yet) fails fast: ConnectionRefusedError.
        s.connect((host, port))
        for attempt in range(tries):
            s.send(packet)
            try:
                while True:
                    reply = s.recv(4096)
                    if len(reply) >= 20 and reply[1] == ident:
                        break
            except socket.timeout:
                if attempt + 1 == tries:
                    raise
                continue
            break
    rcode, _, length = struct.unpack("!BBH", reply[:4])
    expect = hashlib.md5(reply[:4] + req_auth + reply[20:length] + secret).digest()
    if not hmac.compare_digest(expect, reply[4:20]):
        raise ServiceError("RADIUS reply with a bad Response Authenticator "
                           "(wrong shared secret?)")
    out, i = [], 20
    while i + 2 <= length:
        t, n = reply[i], reply[i + 1]
        if n < 2:
            break
        out.append((t, reply[i + 2:i + n]))
        i += n
    return rcode, out


_SIGN_REPLY = """update reply {
\t&Message-Authenticator := 0x00000000000000000000000000000000
}"""


def _unlang_block(text):
    """Extra unlang for FreeRadius's site: each line indented one tab and
    ended by a newline; '' stays ''."""
    lines = [l for l in text.strip("\n").splitlines()] if text.strip() else []
    return "".join("\t%s\n" % l for l in lines)


def _hide_password(password, secret, req_auth):
    """User-Password hiding of RFC 2865 section 5.2."""
    pw = password.encode() if isinstance(password, str) else password
    pw = pw.ljust(max(16, (len(pw) + 15) // 16 * 16), b"\0")
    secret = secret.encode() if isinstance(secret, str) else secret
    out, prev = b"", req_auth
    for i in range(0, len(pw), 16):
        b = hashlib.md5(secret + prev).digest()
        prev = bytes(x ^ y for x, y in zip(pw[i:i + 16], b))
        out += prev
    return out


def radius_authenticate(port, secret, user, password, host=LOOPBACK,
                        timeout=2.0, tries=2):
    """PAP Access-Request; returns the reply code (ACCESS_ACCEPT, ...)."""
    def attrs(req_auth):
        return [(_ATTR_USER_NAME, user.encode()),
                (_ATTR_USER_PASSWORD, _hide_password(password, secret, req_auth)),
                (_ATTR_NAS_IP, socket.inet_aton(LOOPBACK))]
    return _radius_exchange(port, secret, ACCESS_REQUEST, attrs, host,
                            timeout, tries)[0]


def radius_status(port, secret, host=LOOPBACK, timeout=0.5):
    """Status-Server (RFC 5997); returns the reply code (ACCESS_ACCEPT)."""
    return _radius_exchange(port, secret, STATUS_SERVER,
                            lambda req_auth: [], host, timeout)[0]


class FreeRadius(Service):
    """FreeRADIUS 3 on 127.0.0.1:port/udp with PAP users from a files module.

    users: {name: cleartext password}, or a string that is written as is to
    mods-config/files/authorize (FreeRADIUS "users" file syntax).
    secret: shared secret of the one client, 127.0.0.1, which must send
    Message-Authenticator (require_message_authenticator = yes).
    reject_delay: seconds before an Access-Reject (FreeRADIUS default 1;
    0 here so that tests of wrong passwords stay fast).

    Optional, for tests that need more than PAP (all default to nothing, so
    the site is then exactly the PAP one):
    modules: names of modules in mods-available to enable as well
    (e.g. ("totp",)).
    authorize: unlang inserted in the authorize section after `files` and
    before `pap` (e.g. a challenge round, or `update request {...}`).
    authenticate: unlang inserted in the authenticate section after the
    Auth-Type PAP block (e.g. "Auth-Type totp {\n totp\n}").
    FreeRADIUS wants each { } item on a line of its own.
    sign_replies: put a Message-Authenticator in every reply (Accept,
    Reject, Challenge).  FreeRADIUS 3.2.1 (Debian 12) signs a reply only
    when one is in the reply list (it predates the BlastRADIUS changes of
    3.2.5), and a client that requires one -- like mod_authgw_radius --
    refuses its replies otherwise; we add a zero one at the start of
    authorize, which the server fills in when it encodes the reply.

    Attributes: .port, .host, .secret, .conf_dir.  Methods:
    .authenticate(user, password) -> True/False (stdlib client),
    .radtest(user, password) -> CompletedProcess of Debian's radtest,
    .auth_log_lines(user=None) -> the "Login OK"/"Login incorrect" lines
    FreeRADIUS logged (log { auth = yes }), for counting what it saw."""

    name = "freeradius"

    def __init__(self, users=None, port=None, secret="testing123",
                 reject_delay=0, template="/etc/freeradius/3.0", modules=(),
                 authorize="", authenticate="", sign_replies=False):
        super().__init__()
        self.sign_replies = sign_replies
        self.modules = tuple(modules)
        self.authorize_extra = authorize or ""
        self.authenticate_extra = authenticate or ""
        self.host = LOOPBACK
        self.port = port or free_udp_port()
        self.secret = secret
        self.users = users if users is not None else {}
        if isinstance(self.users, dict):
            _remember_secret(*self.users.values())
        _remember_secret(secret)
        self.reject_delay = reject_delay
        self.template = template
        self.name = "freeradius-%d" % self.port
        self.conf_dir = None

    def _users_file(self):
        if isinstance(self.users, str):
            return self.users
        lines = []
        for user, password in self.users.items():
            for v in (user, password):
                if '"' in v or "\\" in v or "\n" in v:
                    raise ValueError("quote/backslash/newline in %r" % v)
            lines.append('"%s"\tCleartext-Password := "%s"\n' % (user, password))
        return "\n".join(lines)

    def _prepare(self):
        _check_port_free(self.port, socket.SOCK_DGRAM)
        d = self.conf_dir = os.path.join(self.dir, "raddb")
        shutil.copytree(self.template, d, symlinks=True)
        logdir = _mkdir(os.path.join(self.dir, "log"))
        rundir = _mkdir(os.path.join(self.dir, "run"))
        # Not wanted: the inner-tunnel site listens on 127.0.0.1:18120 (and
        # would collide between runs); eap wants certificates.
        for p in ("sites-enabled/inner-tunnel", "mods-enabled/eap",
                  "sites-enabled/default"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(d, p))
        # radiusd.conf: everything inside our folder, no reject delay,
        # log authentications (handy when a test fails).
        conf_path = os.path.join(d, "radiusd.conf")
        with open(conf_path) as f:
            conf = f.read()
        for key, value in (("raddbdir", d), ("logdir", logdir), ("run_dir", rundir)):
            conf, n = re.subn(r"(?m)^%s\s*=.*$" % key, "%s = %s" % (key, value), conf)
            if n != 1:
                raise ServiceError("radiusd.conf: no line '%s = ...'" % key)
        conf = re.sub(r"(?m)^(\s*)reject_delay\s*=.*$",
                      r"\g<1>reject_delay = %s" % self.reject_delay, conf)
        conf = re.sub(r"(?m)^(\s*)auth\s*=\s*no\s*$", r"\g<1>auth = yes", conf)
        with open(conf_path, "w") as f:
            f.write(conf)
        # One site, one listener, PAP.  FreeRADIUS wants each { } item on a
        # line of its own.
        with open(os.path.join(d, "sites-enabled", "default"), "w") as f:
            f.write(
                "server default {\n"
                "listen {\n"
                "\ttype = auth\n"
                "\tipaddr = %s\n"
                "\tport = %d\n"
                "}\n"
                "authorize {\n"
                "%s"
                "\tfiles\n"
                "%s"
                "\tpap\n"
                "}\n"
                "authenticate {\n"
                "\tAuth-Type PAP {\n"
                "\t\tpap\n"
                "\t}\n"
                "%s"
                "}\n"
                "}\n" % (self.host, self.port,
                          _unlang_block(_SIGN_REPLY if self.sign_replies else ""),
                          _unlang_block(self.authorize_extra),
                          _unlang_block(self.authenticate_extra)))
        for m in self.modules:
            src = os.path.join(d, "mods-available", m)
            if not os.path.exists(src):
                raise ServiceError("FreeRadius: no module %r in mods-available" % m)
            dst = os.path.join(d, "mods-enabled", m)
            if not os.path.lexists(dst):
                os.symlink("../mods-available/%s" % m, dst)
        with open(os.path.join(d, "clients.conf"), "w") as f:
            f.write(
                "client localhost {\n"
                "\tipaddr = 127.0.0.1\n"
                "\tsecret = %s\n"
                "\trequire_message_authenticator = yes\n"
                "\tnas_type = other\n"
                "}\n" % self.secret)
        with open(os.path.join(d, "mods-config", "files", "authorize"), "w") as f:
            f.write(self._users_file())
        # The server drops privileges to freerad: it must read the config
        # and write its log and run folders.
        self._chmod_a_rX(d)
        open(self.log_path, "ab").close()
        with contextlib.suppress(KeyError, OSError):
            pw = pwd.getpwnam("freerad")
            for p in (logdir, rundir, self.log_path):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        return ["freeradius", "-f", "-d", d, "-l", self.log_path]

    @staticmethod
    def _chmod_a_rX(top):
        """chmod -R a+rX (symlinks left alone)."""
        for root, dirs, files in os.walk(top):
            for p in [root] + [os.path.join(root, n) for n in files]:
                if os.path.islink(p):
                    continue
                mode = os.stat(p).st_mode
                add = 0o444 | (0o111 if (os.path.isdir(p) or mode & 0o111) else 0)
                os.chmod(p, (mode | add) & 0o7777)

    def _ready(self):
        # Status-Server gets an Access-Accept as soon as the listener works
        # (security.status_server = yes by default).
        return radius_status(self.port, self.secret, self.host) == ACCESS_ACCEPT

    def authenticate(self, user, password):
        """True on Access-Accept, False on Access-Reject (stdlib client)."""
        code = radius_authenticate(self.port, self.secret, user, password, self.host)
        if code not in (ACCESS_ACCEPT, ACCESS_REJECT):
            raise ServiceError("unexpected RADIUS reply code %d" % code)
        return code == ACCESS_ACCEPT

    def radtest(self, user, password):
        """Run `radtest` (radclient); .returncode 0 and "Access-Accept" in
        .stdout on success, returncode 1 and "Access-Reject" on reject."""
        return self._run(["radtest", "-t", "pap", user, password,
                          "%s:%d" % (self.host, self.port), "0", self.secret],
                         check=False, timeout=30)

    def auth_log_lines(self, user=None):
        """The authentication lines FreeRADIUS wrote to its log ("Login OK:
        [user/...]", "Login incorrect ...: [user/...]"), oldest first; only
        those of `user` when given (matched as "[user/" or "[user]")."""
        try:
            with open(self.log_path, errors="replace") as f:
                lines = [l.rstrip("\n") for l in f if "Login " in l]
        except OSError:
            return []
        if user is not None:
            lines = [l for l in lines
                     if ("[%s/" % user) in l or ("[%s]" % user) in l]
        return lines


# --------------------------------------------------------------------------
# Samba Active Directory domain controller
# --------------------------------------------------------------------------

def ensure_hosts_entries(entries, hosts_file="/etc/hosts"):
    """Append "ip name alias..." lines to /etc/hosts unless a line with the
    same address and the same first name exists.  Each name gets its own
    line: Chromium takes the first name of the matching line as the SPN
    host.  Needs root."""
    with open(hosts_file) as f:
        have = set()
        for line in f:
            fields = line.split("#", 1)[0].split()
            if len(fields) >= 2:
                have.add((fields[0], fields[1].lower()))
    missing = [e for e in entries if (e[0], e[1].lower()) not in have]
    if missing:
        with open(hosts_file) as f:
            ends_with_newline = f.read().endswith("\n")
        with open(hosts_file, "a") as f:        # in place: may be a bind mount
            if not ends_with_newline:
                f.write("\n")
            for e in missing:
                f.write(" ".join(e) + "\n")
    return missing


class SambaAD(Service):
    """A Samba 4 Active Directory domain controller on 127.0.0.1.

    Realm GW.TEST, NetBIOS domain GW, DC dc1.gw.test; provisioned anew at
    each start() (about 5 s) into its own folder, so create it once per test
    session.  Listens on the standard ports of 127.0.0.1 (88 Kerberos,
    389 LDAP, 636 LDAPS, 445 SMB, 464 kpasswd, 3268 GC): one per machine.

    Attributes: .realm, .domain, .dc_host, .base_dn, .admin_user,
    .admin_password, .smb_conf, .krb5_conf (set KRB5_CONFIG to it),
    .targetdir, .ca_cert (the DC's self-signed CA, world-readable copy),
    .ldap_uri, .ldaps_uri, .kdc, .host_names.
    Methods: samba_tool(*args), add_user(name, password, **opts),
    add_group(name), add_member(group, *users), add_spn(spn, account),
    export_keytab(path, principal), kinit(principal, password, ccache),
    ldap_bind(user, password), ldapsearch(*args, ...), ntlm_auth(user,
    password), krb5_env(**extra)."""

    name = "samba-ad"
    start_timeout = 120.0
    stop_timeout = 20.0

    REALM = "GW.TEST"
    DOMAIN = "GW"
    ADMIN_PASSWORD = "Passw0rd!Adm1n"
    PORTS = (88, 389, 636, 445, 464, 3268)
    RPC_PORTS = (15100, 15199)

    def __init__(self, realm=REALM, domain=DOMAIN, admin_password=ADMIN_PASSWORD,
                 host_name="dc1", extra_hosts=("gw", "backend")):
        super().__init__()
        self.realm = realm.upper()
        self.domain = domain.upper()
        self.dns_domain = self.realm.lower()
        self.dc_host = "%s.%s" % (host_name, self.dns_domain)
        self.host_name = host_name
        self.base_dn = ",".join("DC=%s" % p for p in self.dns_domain.split("."))
        self.admin_user = "Administrator"
        self.admin_password = admin_password
        _remember_secret(admin_password)
        # Names that resolve to 127.0.0.1, each first on a line of its own.
        self.host_names = [self.dc_host] + ["%s.%s" % (h, self.dns_domain)
                                            for h in extra_hosts]
        self.kdc = LOOPBACK
        self.ldap_uri = "ldap://%s" % LOOPBACK
        self.ldaps_uri = "ldaps://%s" % LOOPBACK
        self.targetdir = self.smb_conf = self.krb5_conf = self.ca_cert = None
        self.provision_seconds = None

    # -- start ------------------------------------------------------------
    # Provisioning needs packages that `samba` only recommends.
    REQUIRED_FILES = (
        ("/usr/share/samba/setup/ad-schema", "samba-ad-provision"),
        ("/usr/lib/x86_64-linux-gnu/samba/vfs/acl_xattr.so", "samba-vfs-modules"),
    )

    def _preflight(self):
        for tool in ("samba", "samba-tool", "kinit", "ldapsearch", "ntlm_auth"):
            if shutil.which(tool) is None:
                raise ServiceError("SambaAD: %s not found; install samba "
                                   "winbind krb5-user ldap-utils" % tool)
        import sysconfig
        multiarch = sysconfig.get_config_var("MULTIARCH") or "x86_64-linux-gnu"
        for path, package in self.REQUIRED_FILES:
            path = path.replace("x86_64-linux-gnu", multiarch)
            if not os.path.exists(path):
                raise ServiceError(
                    "SambaAD: %s is missing: apt-get install %s (samba only "
                    "recommends samba-ad-provision samba-vfs-modules "
                    "samba-dsdb-modules)" % (path, package))

    def _prepare(self):
        self._preflight()
        busy = [p for p in self.PORTS if _tcp_open(p)]
        if busy:
            raise ServiceError(
                "SambaAD: 127.0.0.1 ports %s are already in use (another "
                "Samba, perhaps left over from an earlier test run under "
                "/tmp/authgw-test?); only one SambaAD can run at a time"
                % ", ".join(map(str, busy)))
        try:
            ensure_hosts_entries(
                [(LOOPBACK, self.dc_host, self.host_name)] +
                [(LOOPBACK, n) for n in self.host_names[1:]])
        except PermissionError as e:
            raise ServiceError("SambaAD: cannot add the DC and gateway names "
                               "to /etc/hosts (%s); run as root" % e)
        self.targetdir = os.path.join(self.dir, "ad")
        run = _mkdir(os.path.join(self.dir, "run"))
        logs = _mkdir(os.path.join(self.dir, "log"))
        empty = os.path.join(self.dir, "empty.conf")
        open(empty, "w").close()
        self._write_krb5_conf()
        prov_log = os.path.join(self.dir, "provision.log")
        argv = [
            "samba-tool", "domain", "provision",
            # Without -s it merges /etc/samba/smb.conf into the new one.
            "-s", empty,
            "--realm=%s" % self.realm, "--domain=%s" % self.domain,
            "--server-role=dc", "--dns-backend=NONE",
            "--adminpass=%s" % self.admin_password,
            "--targetdir=%s" % self.targetdir,
            "--host-name=%s" % self.host_name, "--host-ip=%s" % LOOPBACK,
            "--option=interfaces=lo", "--option=bind interfaces only=yes",
            # SASL binds inside TLS without a SASL security layer on top, as
            # Windows AD takes them (authgw-ldap's AuthGWLDAPBind gssapi);
            # simple binds still need TLS.
            "--option=ldap server require strong auth=allow_sasl_over_tls",
            # Private to this run instead of /run/samba and /var/lib/samba.
            # NOT "winbindd socket directory": see the module docstring.
            "--option=pid directory=%s" % run,
            "--option=ncalrpc dir=%s" % os.path.join(run, "ncalrpc"),
            "--option=ntp signd socket directory=%s" % os.path.join(run, "ntp_signd"),
            "--option=log file=%s" % os.path.join(logs, "log.%m"),
            # RPC endpoints out of the kernel's ephemeral range (32768-60999),
            # where the default (49152-) meets the tests' own client sockets.
            "--option=rpc server dynamic port range=%d-%d" % self.RPC_PORTS,
        ]
        t0 = time.monotonic()
        with open(prov_log, "wb") as log:
            res = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, cwd=self.dir,
                                 timeout=self.start_timeout)
        self.provision_seconds = time.monotonic() - t0
        if res.returncode != 0:
            self._fail("samba-tool domain provision failed with status %d"
                       % res.returncode, prov_log)
        self.smb_conf = os.path.join(self.targetdir, "etc", "smb.conf")
        os.chmod(self.targetdir, 0o755)
        os.chmod(os.path.dirname(self.smb_conf), 0o755)
        os.chmod(self.smb_conf, 0o644)
        self._ldap_ok = self._kdc_ok = False
        return ["samba", "-s", self.smb_conf, "-i", "-M", "single",
                "--debuglevel=1"]

    def _write_krb5_conf(self):
        """Our own krb5.conf: the one provisioning writes relies on DNS."""
        self.krb5_conf = os.path.join(self.dir, "krb5.conf")
        with open(self.krb5_conf, "w") as f:
            f.write(
                "[libdefaults]\n"
                "    default_realm = {realm}\n"
                "    dns_lookup_kdc = false\n"
                "    dns_lookup_realm = false\n"
                "    rdns = false\n"
                "    forwardable = true\n"
                "    dns_canonicalize_hostname = false\n"
                "\n"
                "[realms]\n"
                "    {realm} = {{\n"
                "        kdc = {kdc}\n"
                "        admin_server = {kdc}\n"
                "        kpasswd_server = {kdc}\n"
                "    }}\n"
                "\n"
                "[domain_realm]\n"
                "    .{dns} = {realm}\n"
                "    {dns} = {realm}\n".format(realm=self.realm, kdc=self.kdc,
                                               dns=self.dns_domain))
        os.chmod(self.krb5_conf, 0o644)

    def _ready(self):
        # Cheap TCP checks first, then the real thing: an LDAPS simple bind
        # as Administrator, a TGT from the KDC, and winbindd checking a
        # password (wbinfo has no --configfile; ntlm_auth does).
        self._pending = "TCP ports 636 and 88"
        if not (_tcp_open(636) and _tcp_open(88)):
            return False
        if not self._ldap_ok:
            self._pending = "LDAPS simple bind as Administrator"
            self._ldap_ok = self.ldap_bind(self.admin_user + "@" + self.dns_domain,
                                           self.admin_password).returncode == 0
            if not self._ldap_ok:
                return False
        if not self._kdc_ok:
            self._pending = "kinit Administrator"
            cc = os.path.join(self.dir, "ccache-ready")
            self._kdc_ok = self.kinit(self.admin_user, self.admin_password, cc,
                                      check=False).returncode == 0
            if not self._kdc_ok:
                return False
        self._pending = "ntlm_auth (winbindd) for Administrator"
        return self.ntlm_auth(self.admin_user, self.admin_password).returncode == 0

    def _after_start(self):
        # Test-friendly password policy: any password, no lockout, passwords
        # changeable at once and again.  max-pwd-age stays at 42 days.
        self.samba_tool("domain", "passwordsettings", "set",
                        "--complexity=off", "--account-lockout-threshold=0",
                        "--min-pwd-length=0", "--min-pwd-age=0",
                        "--history-length=0")
        # A world-readable copy of the DC's CA certificate (private/ is 0700).
        self.ca_cert = os.path.join(self.dir, "ca.pem")
        shutil.copyfile(os.path.join(self.targetdir, "private", "tls", "ca.pem"),
                        self.ca_cert)
        os.chmod(self.ca_cert, 0o644)

    # -- helpers ----------------------------------------------------------
    def krb5_env(self, **extra):
        """os.environ with KRB5_CONFIG pointing at our krb5.conf (+ extra)."""
        env = dict(os.environ, KRB5_CONFIG=self.krb5_conf)
        env.update(extra)
        return env

    def samba_tool(self, *args, check=True):
        """samba-tool ARGS -s smb.conf; CompletedProcess (text), raises
        ServiceError on failure when check."""
        return self._run(["samba-tool"] + list(args) + ["-s", self.smb_conf],
                         check=check, env=self.krb5_env())

    def add_user(self, name, password, **opts):
        """samba-tool user create NAME PASSWORD --opt=value...; keyword
        names take dashes for underscores (given_name="Al" ->
        --given-name=Al), True gives a bare flag.  Returns the UPN."""
        _remember_secret(password)
        args = ["user", "create", name, password]
        for key, value in opts.items():
            flag = "--" + key.replace("_", "-")
            if value is True:
                args.append(flag)
            elif value not in (None, False):
                args.append("%s=%s" % (flag, value))
        self.samba_tool(*args)
        return "%s@%s" % (name, self.realm)

    def add_group(self, name):
        self.samba_tool("group", "add", name)

    def add_member(self, group, *users):
        self.samba_tool("group", "addmembers", group, ",".join(users))

    def share_winbind(self, group="www-data"):
        """Lets httpd's children (``group``) reach winbind's privileged pipe
        (in production: usermod -aG winbindd_priv www-data)."""
        import grp
        priv = os.path.join(self.targetdir, "state", "winbindd_privileged")
        if os.path.isdir(priv):
            os.chown(priv, 0, grp.getgrnam(group).gr_gid)
            os.chmod(priv, 0o750)
        return self

    def add_spn(self, spn, account):
        self.samba_tool("spn", "add", spn, account)

    def export_keytab(self, path, principal, mode=0o644):
        """Export the keys of principal to a keytab file (replaced if it
        exists); mode 0644 by default so that httpd children can read it."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        self.samba_tool("domain", "exportkeytab", path,
                        "--principal=%s" % principal)
        os.chmod(path, mode)
        return path

    def kinit(self, principal, password, ccache, check=True):
        """kinit into ccache (a path or TYPE:residual) with our krb5.conf."""
        if "@" not in principal:
            principal += "@" + self.realm
        if ":" not in ccache:
            ccache = "FILE:" + ccache
        return self._run(["kinit", "-c", ccache, principal],
                         input=password + "\n", check=check, timeout=30,
                         env=self.krb5_env(KRB5CCNAME=ccache))

    def ldapsearch(self, *args, bind_dn=None, password=None, uri=None,
                   check=False):
        """ldapsearch -LLL -x against LDAPS (certificate not checked); with
        bind_dn/password a simple bind, else anonymous."""
        argv = ["ldapsearch", "-LLL", "-x", "-o", "nettimeout=10",
                "-H", uri or self.ldaps_uri]
        if bind_dn is not None:
            argv += ["-D", bind_dn, "-w", password]
        env = dict(os.environ, LDAPTLS_REQCERT="never")
        return self._run(argv + list(args), check=check, env=env, timeout=30)

    def ldap_bind(self, user, password):
        """A simple bind over LDAPS plus a base-scope read of the domain;
        returncode 0 on success, 49 (invalidCredentials) on a bad password."""
        return self.ldapsearch("-b", self.base_dn, "-s", "base", "dn",
                               bind_dn=user, password=password)

    def ntlm_auth(self, username, password, domain=None):
        """Check a password through winbind like the gateway will:
        returncode 0 and NT_STATUS_OK on success, 1 otherwise."""
        return self._run(["ntlm_auth", "--configfile=%s" % self.smb_conf,
                          "--username=%s" % username,
                          "--domain=%s" % (domain or self.domain),
                          "--password=%s" % password], check=False, timeout=30)
