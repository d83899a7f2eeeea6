"""The test servers of services.py really work.

Each server is started once per session (Samba AD provisioning takes 5-20 s)
by the fixtures below; every test checks a success and a failure, so that a
server that accepts anything (or nothing) makes the suite fail.

Run: /usr/bin/python3 -m pytest -q test/integration/test_services.py
"""

import os
import pwd
import socket
import subprocess
import uuid

import pytest

try:                                    # test/integration as a package
    from . import services
except ImportError:                     # rootdir-relative import (default)
    import services

RADIUS_USERS = {"alice": "Al1ce!pass", "bob": "b0b secret"}
RADIUS_SECRET = "s3cret-testing"
AD_USER, AD_PASSWORD = "carol", "C4rol!pass"


# --------------------------------------------------------------------------
# Session fixtures (a conftest.py may later offer the same ones)
# --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def redis_server():
    with services.Redis() as r:
        yield r


@pytest.fixture(scope="session")
def memcached_server():
    with services.Memcached() as m:
        yield m


@pytest.fixture(scope="session")
def radius_server():
    with services.FreeRadius(users=RADIUS_USERS, secret=RADIUS_SECRET) as r:
        yield r


@pytest.fixture(scope="session")
def ad_user(samba_ad):
    """A domain user (and a group with it as member)."""
    samba_ad.add_user(AD_USER, AD_PASSWORD, given_name="Carol",
                      surname="Doe", mail_address="carol@gw.test")
    samba_ad.add_group("gw-users")
    samba_ad.add_member("gw-users", AD_USER)
    return AD_USER


def _unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


# --------------------------------------------------------------------------
# Helpers of services.py
# --------------------------------------------------------------------------

def test_free_port_is_bindable():
    port = services.free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_base_dir_is_world_readable():
    mode = os.stat(services.base_dir()).st_mode & 0o777
    assert mode == 0o755


# --------------------------------------------------------------------------
# Redis
# --------------------------------------------------------------------------

def test_redis_set_get_round_trip(redis_server):
    key, value = _unique("k"), _unique("v")
    assert redis_server.command("SET", key, value) == "OK"
    assert redis_server.command("GET", key) == value.encode()
    assert redis_server.command("GET", _unique("missing")) is None
    assert redis_server.command("CONFIG", "GET", "save") == [b"save", b""]


def test_redis_stop_kills_the_server():
    r = services.Redis().start()
    pid, port = r.pid, r.port
    assert r.command("PING") == "PONG"
    r.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(OSError):
        services.resp_command(port, "PING", timeout=1)
    r.stop()                             # idempotent


def test_port_in_use_is_refused(redis_server, memcached_server):
    # Readiness checks must not mistake another server for the new one.
    with pytest.raises(services.ServiceError, match="already in use"):
        services.Redis(port=redis_server.port).start()
    with pytest.raises(services.ServiceError, match="already in use"):
        services.Memcached(port=memcached_server.port).start()


def test_start_failure_reports_the_log():
    bad = services.FreeRadius(users='alice Cleartext-Password := "x" {{\n')
    with pytest.raises(services.ServiceError) as err:
        bad.start()
    message = str(err.value)
    assert "exited with status" in message
    assert "Parse error" in message          # from the server's own log
    assert bad.proc is None


# --------------------------------------------------------------------------
# memcached
# --------------------------------------------------------------------------

def test_memcached_set_get(memcached_server):
    key, value = _unique("k"), _unique("v")
    assert memcached_server.command("set %s 0 60 %d" % (key, len(value)),
                                    value) == "STORED"
    assert memcached_server.command("get %s" % key) == \
        "VALUE %s 0 %d\r\n%s\r\nEND" % (key, len(value), value)
    assert memcached_server.command("get %s" % _unique("missing")) == "END"


# --------------------------------------------------------------------------
# FreeRADIUS
# --------------------------------------------------------------------------

def test_radtest_accepts_known_user(radius_server):
    res = radius_server.radtest("alice", RADIUS_USERS["alice"])
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Received Access-Accept" in res.stdout


def test_radtest_rejects_wrong_password(radius_server):
    res = radius_server.radtest("alice", "wrong-password")
    assert res.returncode != 0
    assert "Received Access-Reject" in res.stdout


def test_radius_stdlib_client(radius_server):
    assert radius_server.authenticate("bob", RADIUS_USERS["bob"]) is True
    assert radius_server.authenticate("bob", RADIUS_USERS["alice"]) is False
    assert radius_server.authenticate("nobody", "x") is False


def test_radius_wrong_secret_gets_no_answer(radius_server):
    # Message-Authenticator is required: a packet signed with another secret
    # is dropped silently.
    with pytest.raises(socket.timeout):
        services.radius_authenticate(radius_server.port, "not-the-secret",
                                     "alice", RADIUS_USERS["alice"],
                                     timeout=0.5, tries=1)


# --------------------------------------------------------------------------
# Samba AD
# --------------------------------------------------------------------------

def test_ad_names_resolve_to_loopback(samba_ad):
    for name in (samba_ad.dc_host, "gw.gw.test", "backend.gw.test"):
        assert socket.gethostbyname(name) == "127.0.0.1"
    with open(samba_ad.krb5_conf) as f:
        conf = f.read()
    assert "dns_canonicalize_hostname = false" in conf
    assert samba_ad.realm == "GW.TEST" and samba_ad.domain == "GW"


def test_ad_user_can_kinit(samba_ad, ad_user, tmp_path):
    cc = str(tmp_path / "cc")
    samba_ad.kinit(ad_user, AD_PASSWORD, cc)
    klist = subprocess.run(["klist", "-c", cc], capture_output=True, text=True,
                           env=samba_ad.krb5_env())
    assert klist.returncode == 0
    assert "carol@GW.TEST" in klist.stdout
    assert "krbtgt/GW.TEST@GW.TEST" in klist.stdout

    bad = samba_ad.kinit(ad_user, "wrong-password", str(tmp_path / "cc2"),
                         check=False)
    assert bad.returncode != 0
    assert "Password incorrect" in bad.stderr


def test_ad_ldaps_simple_bind(samba_ad, ad_user):
    upn = "%s@%s" % (ad_user, samba_ad.realm.lower())
    ok = samba_ad.ldap_bind(upn, AD_PASSWORD)
    assert ok.returncode == 0, ok.stderr
    assert samba_ad.base_dn in ok.stdout

    bad = samba_ad.ldap_bind(upn, "wrong-password")
    assert bad.returncode == 49, bad.stderr          # invalidCredentials
    assert "Invalid credentials" in bad.stderr


def test_ad_group_membership_visible_in_ldap(samba_ad, ad_user):
    res = samba_ad.ldapsearch(
        "-b", samba_ad.base_dn, "(sAMAccountName=%s)" % ad_user, "memberOf",
        bind_dn="%s@%s" % (ad_user, samba_ad.realm.lower()),
        password=AD_PASSWORD)
    assert res.returncode == 0, res.stderr
    assert "memberOf: CN=gw-users,CN=Users," + samba_ad.base_dn in res.stdout


def test_ad_ntlm_auth(samba_ad, ad_user):
    ok = samba_ad.ntlm_auth(ad_user, AD_PASSWORD)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = samba_ad.ntlm_auth(ad_user, "wrong-password")
    assert bad.returncode != 0
    assert "NT_STATUS_WRONG_PASSWORD" in bad.stdout


def test_ad_keytab_export(samba_ad, ad_user, tmp_path):
    # A service account and keytab; a user's service ticket for
    # HTTP/svc.gw.test must decrypt with that keytab.
    samba_ad.add_user("svctest", "Svc!pass-1")
    samba_ad.add_spn("HTTP/svc.gw.test", "svctest")
    keytab = samba_ad.export_keytab(str(tmp_path / "gw.keytab"),
                                    "HTTP/svc.gw.test")
    assert os.stat(keytab).st_mode & 0o777 == 0o644
    cc = str(tmp_path / "cc")
    samba_ad.kinit(ad_user, AD_PASSWORD, cc)
    res = subprocess.run(["kvno", "-c", cc, "-k", keytab, "HTTP/svc.gw.test"],
                         capture_output=True, text=True, env=samba_ad.krb5_env())
    assert res.returncode == 0, res.stderr
    assert "keytab entry valid" in res.stdout
    res = subprocess.run(["kvno", "-c", cc, "-k", keytab, "HTTP/backend.gw.test"],
                         capture_output=True, text=True, env=samba_ad.krb5_env())
    assert res.returncode != 0                 # no such SPN


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch user")
def test_ad_files_readable_by_www_data(samba_ad):
    try:
        pwd.getpwnam("www-data")
    except KeyError:
        pytest.skip("no www-data user")
    for path in (samba_ad.krb5_conf, samba_ad.ca_cert, samba_ad.smb_conf):
        res = subprocess.run(["runuser", "-u", "www-data", "--", "cat", path],
                             capture_output=True)
        assert res.returncode == 0, (path, res.stderr)
