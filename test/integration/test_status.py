"""Per-method counters in mod_status: attempts, successes and failures of
form logons and session checks, as an administrator reads them."""
import re

from conftest import gateway_conf
from harness import get, logon

# After <Location />, so that its Require wins for this path.
STATUS = """
ExtendedStatus On
<Location /server-status>
    SetHandler server-status
    ProxyPass !
    Require ip 127.0.0.1
</Location>
"""


def counters(httpd):
    r = get(httpd.url("/server-status?auto"))
    assert r.status_code == 200, r.text[:300]
    return {k: int(v) for k, v in re.findall(r"^(AuthGW\w+): (\d+)$", r.text, re.M)}


def gateway(make_httpd, backend, creds, secret):
    return make_httpd(gateway_conf(backend.port, creds.path, secret) + STATUS,
                      modules=("core", "forms"))


def test_status_counts_form_logons(make_httpd, backend, creds, secret):
    httpd = gateway(make_httpd, backend, creds, secret)
    before = counters(httpd)
    for name in ("Form", "Session", "Provider"):
        for c in ("Attempts", "Successes", "Failures", "Errors", "LatencyMicroseconds"):
            assert "AuthGW%s%s" % (name, c) in before
    assert before["AuthGWFormAttempts"] == 0

    bad = logon(httpd.base_url, "alice", "wrong-password")
    assert bad.resp.status_code == 200 and not bad.cookie
    good = logon(httpd.base_url, "alice", "Al1ce-pass")
    assert good.resp.status_code == 302 and good.cookie
    for _ in range(3):
        assert get(httpd.url("/x"), session=good.cookie).status_code == 200
    assert get(httpd.url("/x"), session="garbage").status_code == 302

    after = counters(httpd)
    assert after["AuthGWFormAttempts"] == 2
    assert after["AuthGWFormSuccesses"] == 1
    assert after["AuthGWFormFailures"] == 1
    assert after["AuthGWProviderAttempts"] == 2
    assert after["AuthGWProviderLatencyMicroseconds"] > 0
    assert after["AuthGWSessionSuccesses"] == 3
    assert after["AuthGWSessionFailures"] == 1


def test_status_html_section(make_httpd, backend, creds, secret):
    httpd = gateway(make_httpd, backend, creds, secret)
    r = get(httpd.url("/server-status"))
    assert r.status_code == 200
    assert "<h2>authgw</h2>" in r.text and "Successes" in r.text


def test_module_without_core_refuses_to_start(make_httpd, backend, creds, secret):
    """Every authgw module needs mod_authgw_core; without it httpd does not
    start, and the log says what to load."""
    conf = gateway_conf(backend.port, creds.path, secret).replace(
        "AuthGWSecretFile %s\nAuthGWStore shmcb\n" % secret, "")
    h = make_httpd(conf, modules=("forms",), start=False)
    h.expect_errors(r"AGW10012")
    try:
        h.start(timeout=5)
        started = True
    except Exception:
        started = False
    assert not started
    assert "AGW10012: mod_authgw_forms needs mod_authgw_core" in h.error_log()
