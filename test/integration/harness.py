"""Test harness: real Apache httpd 2.4 instances with the authgw modules.

``Httpd`` writes a complete httpd.conf in a world-readable directory of its
own (httpd's children run as www-data), starts ``/usr/sbin/apache2`` on a free
loopback port, stops it by the pid it wrote, and reads its error log.  After a
test, ``Httpd.log_problems()`` lists error-level lines of our modules that the
test did not declare with ``expect_errors``, crashed children, and secrets that
reached a log; the ``make_httpd`` fixture in conftest.py fails the test on
them (like mod_md's test suite).

Also here: helpers to write htpasswd and secret files, and an HTTP client side
of the forms logon (form parsing, Set-Cookie parsing, ``logon()``).
"""

import base64
import html
import html.parser
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

APACHE2 = os.environ.get("AUTHGW_APACHE2", "/usr/sbin/apache2")
HTTPD_MODULES_DIR = os.environ.get("AUTHGW_HTTPD_MODULES_DIR",
                                   "/usr/lib/apache2/modules")
TEST_BASE = os.environ.get("AUTHGW_TEST_DIR", "/tmp/authgw-test")

# short name -> (module identifier, default path relative to the repo root)
AUTHGW_MODULES = {
    "core": ("authgw_core_module", "common/.libs/mod_authgw_core.so"),
    "forms": ("authgw_forms_module", "mod_authgw_forms/.libs/mod_authgw_forms.so"),
    "ntlm": ("authgw_ntlm_module", "mod_authgw_ntlm/.libs/mod_authgw_ntlm.so"),
    "radius": ("authgw_radius_module", "mod_authgw_radius/.libs/mod_authgw_radius.so"),
    "delegate": ("authgw_delegate_module",
                 "mod_authgw_delegate/.libs/mod_authgw_delegate.so"),
}
# load order of ours: core first (it owns the shared state)
AUTHGW_ORDER = ["core", "forms", "ntlm", "radius", "delegate"]

# stock httpd modules every test server loads (log_config and unixd are
# compiled into Debian's apache2)
DEFAULT_HTTPD_MODULES = [
    "mpm_event", "authn_core", "authz_core", "authn_file", "authz_user",
    "authz_host", "auth_basic", "mime", "dir", "alias", "headers", "env",
    "setenvif", "proxy", "proxy_http", "status", "socache_shmcb",
]

ERROR_LEVELS = ("error", "crit", "alert", "emerg")

# Every password, passcode and secret the suite hands out, whichever test
# made it: each httpd's error and access logs (our modules at trace8) are
# searched for all of them when it stops, not only for the ones its own test
# named.  A secret is registered before it is used, so every secret that
# could reach a log is known by then.  Strings shorter than 6 characters
# would match ordinary text and are left out.
SECRETS = set()


def remember_secret(*values):
    SECRETS.update(v for v in values if isinstance(v, str) and len(v) >= 6)
_LOG_LINE = re.compile(r"^\[[^\]]*\] \[([A-Za-z0-9_]+):([a-z0-9]+)\]")
_CRASH = re.compile(r"exit signal|dumped core|AH00052", re.I)


def module_path(short):
    """Path of one of our modules: $AUTHGW_MODULES_DIR/mod_authgw_X.so when
    that variable is set, else the libtool build tree of this repository."""
    ident, rel = AUTHGW_MODULES[short]
    d = os.environ.get("AUTHGW_MODULES_DIR")
    if d:
        return os.path.join(d, os.path.basename(rel))
    return os.path.join(REPO, rel)


def missing_modules(shorts):
    """Those of our modules (short names) whose .so is not built yet."""
    return [module_path(s) for s in shorts if not os.path.isfile(module_path(s))]


def make_dir(path, mode=0o755):
    """mkdir -p, then chmod every component from TEST_BASE down so that
    www-data can traverse it."""
    os.makedirs(path, exist_ok=True)
    p = os.path.abspath(path)
    base = os.path.abspath(TEST_BASE)
    while True:
        os.chmod(p, mode)
        if p == base or p == os.path.dirname(p) or not p.startswith(base):
            break
        p = os.path.dirname(p)
    return path


def new_dir(kind):
    """A fresh world-readable directory under TEST_BASE/kind/."""
    parent = make_dir(os.path.join(TEST_BASE, kind))
    d = tempfile.mkdtemp(prefix="%s-" % kind, dir=parent)
    os.chmod(d, 0o755)
    return d


def write_file(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def htpasswd(path, users):
    """Writes an htpasswd file (bcrypt) for {user: password}; 0644 so that
    httpd's children can read it."""
    remember_secret(*users.values())
    first = True
    for user, pw in users.items():
        args = ["htpasswd", "-b", "-B", "-C", "5"]
        if first:
            args.append("-c")
        args += [path, user, pw]
        subprocess.run(args, check=True, capture_output=True)
        first = False
    os.chmod(path, 0o644)
    return path


def new_key():
    """One secret line: 64 url-safe characters (at least 32 are required)."""
    return secrets.token_urlsafe(48)


def secret_file(path, lines=1):
    """Writes an AuthGWSecretFile: one key per line, the FIRST line is the
    newest key (it seals), all lines open.  ``lines`` is a list of keys or a
    count of fresh keys.  Returns the list of keys written.  Mode 0640,
    group www-data: readable by httpd (root, and its children's group), not
    by the world."""
    if isinstance(lines, int):
        lines = [new_key() for _ in range(lines)]
    lines = list(lines)
    for k in lines:
        assert len(k) >= 32, "secret lines must have at least 32 characters"
    remember_secret(*lines)
    write_file(path, "".join(k + "\n" for k in lines), mode=0o640)
    try:
        shutil.chown(path, group="www-data")
    except (LookupError, PermissionError):
        os.chmod(path, 0o644)
    return lines


def _subst(text, mapping):
    """Replaces {name} for names in mapping only, so that httpd's own
    %{VAR} and ${VAR} syntax passes through untouched."""
    def rep(m):
        k = m.group(1)
        if k in mapping and not (m.start() > 0 and text[m.start() - 1] in "%$"):
            return str(mapping[k])
        return m.group(0)
    return re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", rep, text)


def _pid_alive(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("State:"):
                    return "Z" not in line.split(":", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return True


def _children_of(pid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            ppid = int(st[st.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            out.append(int(d))
    return out


def _die_with_parent():
    """In the child before exec: SIGTERM when the test process dies."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)      # PR_SET_PDEATHSIG
    except Exception:
        pass


class HttpdError(Exception):
    pass


class Httpd:
    """One Apache httpd instance.

    Httpd(name, conf_body, modules=["core", "forms"], httpd_modules=None,
          loglevel=None, vars=None, mpm=None)

    ``modules``: our modules by short name (core, forms, ntlm, radius,
    delegate; loaded in that order, after the stock ones).  A name that is not
    one of ours is taken as a stock httpd module (e.g. "rewrite").
    ``httpd_modules``: replaces DEFAULT_HTTPD_MODULES.
    ``conf_body``: appended after the generated server part; ``{port}``,
    ``{dir}`` and the keys of ``vars`` are substituted (``%{X}`` is not).
    ``loglevel``: the LogLevel line's arguments; default ``info`` plus
    ``trace8`` for each of our loaded modules.
    ``mpm``: dict of event MPM directives overriding the small defaults.
    """

    def __init__(self, name, conf_body="", modules=("core", "forms"),
                 httpd_modules=None, loglevel=None, vars=None, mpm=None,
                 server_conf=""):
        self.name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:60]
        self.dir = new_dir("httpd")
        self.port = free_port()
        self.conf_path = os.path.join(self.dir, "httpd.conf")
        self.error_log_path = os.path.join(self.dir, "error.log")
        self.access_log_path = os.path.join(self.dir, "access.log")
        self.pid_path = os.path.join(self.dir, "httpd.pid")
        self.run_dir = make_dir(os.path.join(self.dir, "run"))
        self.docroot = make_dir(os.path.join(self.dir, "htdocs"))
        write_file(os.path.join(self.docroot, "index.html"), "<p>docroot</p>\n")
        ours, stock = [], []
        for m in modules:
            (ours if m in AUTHGW_MODULES else stock).append(m)
        self.authgw_modules = [m for m in AUTHGW_ORDER if m in ours]
        self.httpd_modules = list(DEFAULT_HTTPD_MODULES if httpd_modules is None
                                  else httpd_modules)
        for m in stock:
            if m not in self.httpd_modules:
                self.httpd_modules.append(m)
        if loglevel is None:
            loglevel = "info " + " ".join(
                "authgw_%s:trace8" % m for m in self.authgw_modules)
        self.loglevel = loglevel.strip()
        self.mpm = {
            "StartServers": 2,
            "ServerLimit": 2,
            "ThreadLimit": 5,
            "ThreadsPerChild": 5,
            "MaxRequestWorkers": 10,
            "MinSpareThreads": 5,
            "MaxSpareThreads": 10,
            "MaxConnectionsPerChild": 0,
        }
        if mpm:
            self.mpm.update(mpm)
        self.vars = dict(vars or {})
        self.server_conf = server_conf
        self.conf_body = conf_body
        self.expected_errors = []
        self.forbidden_in_log = []
        self._pid = None
        self._proc = None
        self.started = False
        self.write_conf()

    # --- configuration -------------------------------------------------
    def mapping(self):
        m = {"port": self.port, "dir": self.dir, "docroot": self.docroot,
             "url": self.url("")}
        m.update(self.vars)
        return m

    def load_lines(self):
        lines = []
        for m in self.httpd_modules:
            lines.append("LoadModule %s_module %s/mod_%s.so"
                         % (m, HTTPD_MODULES_DIR, m))
        for m in self.authgw_modules:
            lines.append("LoadModule %s %s" % (AUTHGW_MODULES[m][0], module_path(m)))
        return "\n".join(lines)

    def render_conf(self):
        mpm = "\n".join("    %s %s" % kv for kv in self.mpm.items())
        head = """# generated by test/integration/harness.py for test {name}
ServerRoot "{dir}"
DefaultRuntimeDir "{run}"
PidFile "{pid}"
Listen 127.0.0.1:{port}
ServerName 127.0.0.1:{port}
ServerAdmin root@localhost
User www-data
Group www-data

{loads}

<IfModule mpm_event_module>
{mpm}
</IfModule>
Timeout 15
KeepAlive On
KeepAliveTimeout 5
GracefulShutdownTimeout 3

ErrorLog "{errlog}"
LogLevel {loglevel}
LogFormat "%h %l %u %t \\"%r\\" %>s %b pid=%P keepalive=%k" authgwtest
CustomLog "{acclog}" authgwtest

TypesConfig /etc/mime.types
DocumentRoot "{docroot}"
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "{docroot}">
    Require all granted
</Directory>
DirectoryIndex index.html
""".format(name=self.name, dir=self.dir, run=self.run_dir, pid=self.pid_path,
           port=self.port, loads=self.load_lines(), mpm=mpm,
           errlog=self.error_log_path, acclog=self.access_log_path,
           loglevel=self.loglevel, docroot=self.docroot)
        mapping = self.mapping()
        return (head + "\n" + _subst(self.server_conf, mapping) + "\n"
                + _subst(self.conf_body, mapping) + "\n")

    def write_conf(self, conf_body=None, server_conf=None):
        if conf_body is not None:
            self.conf_body = conf_body
        if server_conf is not None:
            self.server_conf = server_conf
        write_file(self.conf_path, self.render_conf())
        return self.conf_path

    def _env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("APACHE_")}
        env["LANG"] = "C"
        return env

    def configtest(self):
        """``apache2 -t -f CONF``: (returncode, stdout+stderr)."""
        p = subprocess.run([APACHE2, "-t", "-f", self.conf_path], env=self._env(),
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout + p.stderr

    # --- process control ----------------------------------------------
    def _ctl(self, action):
        return subprocess.run([APACHE2, "-f", self.conf_path, "-k", action],
                              env=self._env(), capture_output=True, text=True,
                              timeout=60)

    def read_pid(self):
        try:
            with open(self.pid_path) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def _probe(self, timeout=1.0):
        """True when something answers an HTTP request on our port."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
                s.sendall(b"OPTIONS * HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                return s.recv(16).startswith(b"HTTP/")
        except OSError:
            return False

    def _count_resuming(self):
        return self.error_log().count("resuming normal operations")

    def start(self, timeout=20):
        """``apache2 -f CONF -k start -D FOREGROUND`` as our child, in a
        session of its own and with PR_SET_PDEATHSIG, so that a test run
        that is killed outright leaves no httpd behind; then waits until the
        port answers HTTP."""
        if self.started:
            return self
        log = open(os.path.join(self.dir, "apache2.out"), "ab")
        try:
            self._proc = subprocess.Popen(
                [APACHE2, "-f", self.conf_path, "-k", "start", "-D", "FOREGROUND"],
                env=self._env(), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=_die_with_parent)
        finally:
            log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self._proc.poll() is not None:
                break
            if self.read_pid() == self._proc.pid and self._probe():
                self._pid = self._proc.pid
                self.started = True
                return self
            time.sleep(0.05)
        rc = self._proc.poll()
        self._pid = self._proc.pid
        self._kill_hard()
        raise HttpdError("httpd %s did not come up on port %d (exit %r)\n%s"
                         "--- error log ---\n%s"
                         % (self.name, self.port, rc, self._console(), self.error_log()))

    def _console(self):
        try:
            with open(os.path.join(self.dir, "apache2.out"), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stop(self, timeout=15):
        """SIGTERM (what ``-k stop`` sends, without re-reading the
        configuration, whose files a fixture may already have removed);
        SIGKILL to it and its children after ``timeout``."""
        if not self.started:
            return
        proc = self._proc
        if proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._kill_hard()
        self.started = False
        self._pid = None

    def _kill_hard(self):
        pid = self._pid
        if not pid:
            return
        victims = [pid] + _children_of(pid)
        for v in victims:
            try:
                os.kill(v, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.time() + 5
        while any(_pid_alive(v) for v in victims) and time.time() < deadline:
            if self._proc is not None:
                self._proc.poll()          # reap the parent
            time.sleep(0.05)

    def restart(self, conf_body=None):
        """Full stop, rewrite the configuration, start (a new parent)."""
        self.stop()
        self.write_conf(conf_body)
        return self.start()

    def graceful(self, conf_body=None, timeout=20):
        """``-k graceful`` (what an administrator does to reload keys), then
        wait until the new generation reports "resuming normal operations"."""
        self.write_conf(conf_body)
        before = self._count_resuming()
        p = self._ctl("graceful")
        if p.returncode != 0:
            raise HttpdError("graceful failed: %s%s" % (p.stdout, p.stderr))
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self._count_resuming() > before and self._probe():
                time.sleep(0.5)  # let the old generation stop accepting
                return self
            pid = self.read_pid()
            if pid and not _pid_alive(pid):
                break
            time.sleep(0.1)
        raise HttpdError("graceful restart of %s did not complete\n%s"
                         % (self.name, self.error_log()))

    # --- access ----------------------------------------------------------
    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def url(self, path="/"):
        return self.base_url + path

    def error_log(self):
        try:
            with open(self.error_log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def access_log(self):
        try:
            with open(self.access_log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def served_pids(self):
        """pids of the children that served requests (from the access log)."""
        return set(re.findall(r" pid=(\d+) ", self.access_log()))

    # --- the after-test check ------------------------------------------
    def expect_errors(self, *patterns, levels=("error",)):
        """Declares log lines of our modules at ``levels`` (default: error
        only; crit, alert and emerg stay unexpected) that this test provokes
        on purpose (regular expressions searched in the line)."""
        self.expected_errors.extend((re.compile(p), tuple(levels)) for p in patterns)

    def forbid_in_log(self, *strings):
        """Strings (passwords, cookie values) that must never be logged, in
        this httpd's logs and (through SECRETS) in every later one's."""
        self.forbidden_in_log.extend(s for s in strings if s)
        remember_secret(*strings)

    def log_problems(self):
        problems = []
        log = self.error_log()
        for line in log.splitlines():
            if _CRASH.search(line):
                problems.append("crash: " + line)
                continue
            m = _LOG_LINE.match(line)
            if not m:
                continue
            mod, level = m.group(1), m.group(2)
            if (mod.startswith("authgw_") and level in ERROR_LEVELS
                    and not any(level in lv and p.search(line)
                                for p, lv in self.expected_errors)):
                problems.append("unexpected %s: %s" % (level, line))
        for s in set(self.forbidden_in_log) | SECRETS:
            for where, text in (("error log", log), ("access log", self.access_log())):
                if s in text:
                    problems.append("secret %r... appears in the %s" % (s[:6], where))
        return problems

    def cleanup_dir(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------
# Client side of the forms logon
# ---------------------------------------------------------------------------

class FormParser(html.parser.HTMLParser):
    """Collects the forms of a page: [{"method", "action", "inputs": {name:
    {"type", "value"}}, "buttons": [...]}], values HTML-unescaped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._cur = None

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._cur = {"method": a.get("method", "get").lower(),
                         "action": a.get("action"), "inputs": {}, "buttons": []}
            self.forms.append(self._cur)
        elif self._cur is not None and tag in ("input", "button", "textarea", "select"):
            typ = a.get("type", "submit" if tag == "button" else "text").lower()
            if tag == "button" or typ in ("submit", "image"):
                self._cur["buttons"].append(a)
            if "name" in a:
                self._cur["inputs"][a["name"]] = {"type": typ, "value": a.get("value", ""),
                                                  "tag": tag}

    def handle_endtag(self, tag):
        if tag == "form":
            self._cur = None


def parse_forms(text):
    p = FormParser()
    p.feed(text)
    p.close()
    return p.forms


def logon_form(text):
    """The form that posts to /.authgw/logon, or None."""
    for f in parse_forms(text):
        if f["action"] and urllib.parse.urlsplit(f["action"]).path == "/.authgw/logon":
            return f
    return None


def set_cookies(resp):
    """Parsed Set-Cookie headers of a requests response: list of dicts with
    name, value, attrs (lower-case names -> value or True), raw."""
    out = []
    for raw in resp.raw.headers.getlist("Set-Cookie"):
        parts = [p.strip() for p in raw.split(";")]
        name, _, value = parts[0].partition("=")
        attrs = {}
        for p in parts[1:]:
            if not p:
                continue
            k, eq, v = p.partition("=")
            attrs[k.strip().lower()] = v.strip() if eq else True
        out.append({"name": name.strip(), "value": value.strip(), "attrs": attrs,
                    "raw": raw})
    return out


def get_set_cookie(resp, name):
    """The last Set-Cookie of that name, or None."""
    found = None
    for c in set_cookies(resp):
        if c["name"] == name:
            found = c
    return found


def cookie_header(**cookies):
    return "; ".join("%s=%s" % kv for kv in cookies.items())


def is_logon_redirect(resp, base_url=None):
    """302 to /.authgw/logon?..."""
    if resp.status_code != 302:
        return False
    loc = resp.headers.get("Location", "")
    return urllib.parse.urlsplit(loc).path == "/.authgw/logon"


class LogonPage:
    """What GET /.authgw/logon gave: response, form, pre-logon cookie."""

    def __init__(self, resp):
        self.resp = resp
        self.form = logon_form(resp.text) if resp.status_code == 200 else None
        c = get_set_cookie(resp, "AuthGWPre")
        self.pre_cookie = c["value"] if c else None
        self.pre_cookie_attrs = c["attrs"] if c else None

    @property
    def csrf(self):
        if not self.form or "csrf_token" not in self.form["inputs"]:
            return None
        return self.form["inputs"]["csrf_token"]["value"]

    @property
    def return_value(self):
        if not self.form or "return" not in self.form["inputs"]:
            return None
        return self.form["inputs"]["return"]["value"]


def get_logon_page(base_url, return_to=None, headers=None):
    url = base_url + "/.authgw/logon"
    if return_to is not None:
        url += "?return=" + urllib.parse.quote(return_to, safe="/")
    r = requests.get(url, allow_redirects=False, headers=headers or {}, timeout=15)
    return LogonPage(r)


def post_logon(base_url, fields, pre_cookie=None, headers=None, data=None):
    """POSTs the logon form.  ``fields`` is a dict (url-encoded by us) unless
    ``data`` (raw body) is given."""
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    if pre_cookie is not None:
        h["Cookie"] = "AuthGWPre=" + pre_cookie
    if headers:
        h.update(headers)
    body = data if data is not None else urllib.parse.urlencode(fields)
    return requests.post(base_url + "/.authgw/logon", data=body, headers=h,
                         allow_redirects=False, timeout=15)


class Logon:
    """Result of a complete logon: the POST response and the session cookie."""

    def __init__(self, page, resp):
        self.page = page
        self.resp = resp
        c = get_set_cookie(resp, "AuthGWSession")
        self.cookie = c["value"] if c and c["value"] else None
        self.cookie_attrs = c["attrs"] if c else None

    @property
    def location(self):
        return self.resp.headers.get("Location")


def logon(base_url, user, password, return_to="/", headers=None):
    """GET the form, POST it with the credentials; returns a Logon (check
    .cookie and .resp yourself)."""
    page = get_logon_page(base_url, return_to, headers=headers)
    assert page.resp.status_code == 200, page.resp.text[:500]
    assert page.form is not None, "no logon form in: " + page.resp.text[:500]
    fields = {"username": user, "password": password,
              "return": page.return_value if page.return_value is not None else return_to,
              "csrf_token": page.csrf or ""}
    r = post_logon(base_url, fields, pre_cookie=page.pre_cookie, headers=headers)
    return Logon(page, r)


def get(url, session=None, headers=None, **kw):
    """GET without following redirects; ``session`` is an AuthGWSession
    cookie value sent alone (plus whatever Cookie ``headers`` carries)."""
    h = dict(headers or {})
    if session is not None:
        c = "AuthGWSession=" + session
        h["Cookie"] = (h["Cookie"] + "; " + c) if "Cookie" in h else c
    kw.setdefault("timeout", 15)
    return requests.get(url, headers=h, allow_redirects=False, **kw)


def basic_authorization(user, password):
    """The value of an Authorization: Basic header."""
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def interleaved(httpd, requests_of, rounds=4, one_connection=False):
    """GETs of several users in turn on keep-alive connections: one per user,
    or all on ``one_connection``.  ``requests_of`` maps a user to a function
    (round) -> (path, headers).  Returns [(user, round, status, body)]."""
    users = list(requests_of)
    conns = {}
    out = []
    try:
        for i in range(rounds):
            for u in users:
                key = None if one_connection else u
                if key not in conns:
                    conns[key] = http.client.HTTPConnection("127.0.0.1", httpd.port,
                                                            timeout=20)
                c = conns[key]
                path, headers = requests_of[u](i)
                c.request("GET", path, headers=headers)
                r = c.getresponse()
                out.append((u, i, r.status, r.read()))
                assert not r.will_close, "the gateway closed the connection"
    finally:
        for c in conns.values():
            c.close()
    return out


def backend_view(resp):
    """The echo backend's JSON, or an AssertionError that shows the page."""
    assert resp.status_code == 200, "expected the backend, got %d %s: %s" % (
        resp.status_code, resp.headers.get("Location", ""), resp.text[:300])
    assert resp.headers.get("Content-Type", "").startswith("application/json"), \
        resp.text[:300]
    return resp.json()


def header(view, name):
    """Case-insensitive header lookup in the echo backend's view."""
    for k, v in view["headers"].items():
        if k.lower() == name.lower():
            return v
    return None


def page_text(text):
    """Visible text of an HTML page (tags, scripts and styles removed),
    whitespace collapsed."""
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
    text = re.sub(r"(?s)<[^>]*>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def gssapi_published_conf(echo_port, mech, keytab=None, location="/"):
    """A published server's section: mod_auth_gssapi (AuthType GSSAPI) with
    ``mech`` "krb5" (Negotiate with its own ``keytab``) or "ntlmssp" (NTLM
    through gss-ntlmssp, which asks winbind without NTLM_USER_FILE; bound
    to the connection, as NTLM is), then the echo backend, told the user
    the server authenticated in X-Backend-User."""
    store = "    GssapiCredStore keytab:%s\n" % keytab if keytab else ""
    bound = "    GssapiConnectionBound On\n" if mech == "ntlmssp" else ""
    return """
<Location %s>
    AuthType GSSAPI
    AuthName "published"
    GssapiAllowedMech %s
%s%s    Require valid-user
    RequestHeader set X-Backend-User "expr=%%{REMOTE_USER}"
    ProxyPass http://127.0.0.1:%d/
</Location>
""" % (location, mech, store, bound, echo_port)
