"""The example configurations of docs/examples/ pass `apachectl configtest`
with every module they name, once their files (keys, keytab, certificates,
secrets) exist: an example that rots fails here.

Each file's paths are swapped for real files made here; the keytab holds
the example's principals (ktutil, no KDC needed), the certificates are
self-signed.
"""

import glob
import os
import re
import subprocess

import pytest

import harness
from services import free_port

EXAMPLES = sorted(glob.glob(os.path.join(harness.REPO, "docs", "examples", "*.conf")))
OURS = ("core", "forms", "ntlm", "radius", "delegate")


def modules_of(text):
    """The modules the example's a2enmod line names, ours by short name."""
    m = re.search(r"^# a2enmod (.*)$", text, re.M)
    assert m, "the example names its modules on an '# a2enmod' line"
    mods = []
    for name in m.group(1).split():
        short = name[len("authgw_"):] if name.startswith("authgw_") else name
        if short not in harness.DEFAULT_HTTPD_MODULES:
            mods.append(short)
    return ["core"] + [x for x in OURS[1:] if x in mods] + \
        [x for x in mods if x not in OURS]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("examples")
    os.chmod(d, 0o755)
    made = {}

    def put(name, text, mode=0o644):
        p = d / name
        p.write_text(text)
        os.chmod(p, mode)
        return str(p)

    made["key"] = str(d / "tls.key")
    made["cert"] = str(d / "tls.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", made["key"], "-out", made["cert"], "-days", "2",
                    "-subj", "/CN=example.com"], check=True, capture_output=True)
    os.chmod(made["key"], 0o644)
    made["secret"] = put("cookie.keys", os.urandom(32).hex() + "\n")
    made["text"] = put("secret.txt", "not-a-real-secret-1\n")
    return made, d


def keytab_for(d, text):
    """A keytab with a key for every AuthGWKerberosPrincipal of text."""
    path = os.path.join(d, "gw-%d.keytab" % abs(hash(text)))
    script = ""
    for princ in re.findall(r"AuthGWKerberosPrincipal\s+(\S+)", text):
        script += ("addent -password -p %s -k 1 -e aes256-cts-hmac-sha1-96\n"
                   "Example-keytab-pw1\n" % princ)
    script += "wkt %s\nquit\n" % path
    subprocess.run(["ktutil"], input=script, text=True, check=True,
                   capture_output=True)
    os.chmod(path, 0o644)
    return path


def localised(text, made, d):
    ssl = {".key": made["key"], ".pem": made["cert"]}

    def swap(m):
        path = m.group(0)
        if path.endswith(".keytab"):
            return keytab_for(d, text)
        if path.endswith("cookie.keys"):
            return made["secret"]
        for ext, real in ssl.items():
            if path.startswith("/etc/ssl/") and path.endswith(ext):
                return real
        return made["text"]
    text = re.sub(r"/etc/(?:authgw|ssl)/[^\s\"]+", swap, text)
    return re.sub(r"^Listen \d+$", "Listen %d" % free_port(), text, flags=re.M)


@pytest.mark.parametrize("path", EXAMPLES, ids=os.path.basename)
def test_example_passes_configtest(make_httpd, files, path):
    made, d = files
    with open(path) as f:
        text = f.read()
    h = make_httpd(localised(text, made, str(d)), modules=modules_of(text),
                   start=False)
    rc, out = h.configtest()
    assert rc == 0, "%s:\n%s" % (os.path.basename(path), out)


def test_every_scenario_has_an_example():
    names = {os.path.basename(p) for p in EXAMPLES}
    assert {"intranet-forms-kcd.conf", "forward-proxy-integrated.conf",
            "radius-otp.conf", "farm-redis.conf"} <= names, names
