"""Fixtures of the httpd integration tests.

- ``backend``: the echo backend (the published server); after the test it
  fails if any request for a reserved path (/.authgw/...) reached it.
- ``make_httpd(conf_body, modules=("core", "forms"), start=True, **kw)``: an
  ``harness.Httpd``; stopped after the test, and the test fails when its error
  log shows an unexpected error-level line of our modules, a crashed child,
  or a test password.
- ``creds``: an htpasswd file with alice:'Al1ce-pass' and bob:'B0b-pass'.
- ``secret``: a secret file with one fresh key.
- ``redis_server``: services.Redis on loopback (session scope).
- ``make_gateway(**kw)``: a started httpd with GatewayForm in front of the
  backend (see ``gateway_conf``).

Our modules are taken from the build tree (or $AUTHGW_MODULES_DIR).  When
they are not built the tests fail (set AUTHGW_SKIP_UNBUILT=1 to skip them
instead).  The folders of passing tests are removed unless AUTHGW_KEEP_DIRS
is set.
"""

import os
import posixpath
import sys
import urllib.parse

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from echo_backend import EchoBackend  # noqa: E402

USERS = {"alice": "Al1ce-pass", "bob": "B0b-pass"}


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _failed(request):
    rep = getattr(request.node, "rep_call", None)
    return rep is None or rep.failed


def _is_reserved(path):
    """/.authgw/... however spelled (escapes, //, dot segments)."""
    raw = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
    p = posixpath.normpath("/" + raw.lstrip("/"))
    return p.startswith("/.authgw/") or (p == "/.authgw" and raw.endswith("/"))


@pytest.fixture
def backend():
    b = EchoBackend().start()
    yield b
    b.stop()
    leaked = [p for p in b.paths() if _is_reserved(p)]
    assert not leaked, "reserved paths reached the backend: %r" % leaked


class Creds:
    def __init__(self, path, users):
        self.path = path
        self.users = dict(users)


@pytest.fixture
def creds():
    d = harness.new_dir("creds")
    path = harness.htpasswd(os.path.join(d, "htpasswd"), USERS)
    yield Creds(path, USERS)
    harness.shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def secret():
    d = harness.new_dir("secret")
    path = os.path.join(d, "secret")
    harness.secret_file(path, 1)
    yield path
    harness.shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server():
    """A redis-server on loopback (services.Redis), for AuthGWStore redis."""
    if harness.shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    import services
    r = services.Redis().start()
    yield r
    r.stop()


@pytest.fixture(scope="session")
def samba_ad():
    """The one Samba AD domain controller of the test session (its ports are
    fixed, so there can be only one): started once, shared by every file.
    Each file adds the users it needs, with names of its own."""
    import services
    ad = services.SambaAD().start().share_winbind()
    yield ad
    ad.stop()


@pytest.fixture
def make_httpd(request):
    made = []

    def factory(conf_body="", modules=("core", "forms"), start=True, name=None, **kw):
        missing = harness.missing_modules([m for m in modules
                                           if m in harness.AUTHGW_MODULES])
        if missing:
            msg = "authgw modules not built: " + ", ".join(missing)
            if os.environ.get("AUTHGW_SKIP_UNBUILT"):
                pytest.skip(msg)
            pytest.fail(msg + " (run make at the repository root)")
        h = harness.Httpd(name or request.node.name, conf_body, modules=modules, **kw)
        h.forbid_in_log(*USERS.values())
        made.append(h)
        if start:
            h.start()
        return h

    yield factory
    problems = []
    for h in made:
        try:
            h.stop()
        except Exception as e:  # still check the others
            problems.append("stop failed: %s" % e)
        for p in h.log_problems():
            problems.append("%s (%s): %s" % (h.name, h.error_log_path, p))
    if problems:
        pytest.fail("error log check failed:\n" + "\n".join(problems), pytrace=False)
    if not _failed(request) and not os.environ.get("AUTHGW_KEEP_DIRS"):
        for h in made:
            h.cleanup_dir()


def gateway_conf(backend_port, htpasswd, secret, require="valid-user",
                 server_extra="", location_extra="", remote_user_header=True,
                 location="/"):
    """The contract's example: GatewayForm on <Location />, file provider,
    ProxyPass to the echo backend, X-Remote-User set by mod_headers."""
    hdr = ('RequestHeader set X-Remote-User "expr=%{REMOTE_USER}"'
           if remote_user_header else "")
    return """
AuthGWSecretFile {secret}
AuthGWStore shmcb
{server_extra}
<Location {location}>
    AuthType GatewayForm
    AuthName "Example"
    AuthGWFormProvider file
    AuthUserFile {htpasswd}
    Require {require}
    ProxyPass http://127.0.0.1:{bport}/
    ProxyPassReverse http://127.0.0.1:{bport}/
    {hdr}
    {location_extra}
</Location>
""".replace("{secret}", secret).replace("{server_extra}", server_extra) \
       .replace("{location}", location).replace("{htpasswd}", htpasswd) \
       .replace("{require}", require).replace("{bport}", str(backend_port)) \
       .replace("{hdr}", hdr).replace("{location_extra}", location_extra)


@pytest.fixture
def make_gateway(make_httpd, backend, creds, secret):
    """make_gateway(require=..., server_extra=..., location_extra=...,
    secret=path, modules=..., start=True, remote_user_header=True)"""

    def factory(secret_path=None, modules=("core", "forms"), start=True, name=None,
                mpm=None, **kw):
        conf = gateway_conf(backend.port, creds.path, secret_path or secret, **kw)
        return make_httpd(conf, modules=modules, start=start, name=name, mpm=mpm)

    return factory
