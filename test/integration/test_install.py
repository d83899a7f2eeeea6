"""make install puts the modules where apxs says, and Debian's a2enmod can
enable them with their dependencies, giving a configuration httpd accepts."""
import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MODS = Path("/etc/apache2/mods-enabled")


def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


@pytest.mark.skipif(not Path("/usr/sbin/a2enmod").exists(), reason="not a Debian apache2")
def test_make_install_and_a2enmod(tmp_path):
    libexec = run("apxs", "-q", "LIBEXECDIR").stdout.strip()
    r = run("make", "install", cwd=REPO)
    assert r.returncode == 0, r.stdout + r.stderr
    for m in ("core", "forms", "ntlm", "radius", "delegate"):
        assert Path(libexec, f"mod_authgw_{m}.so").is_file()
        assert Path(f"/etc/apache2/mods-available/authgw_{m}.load").is_file()
    # the logon-page templates, for administrators to copy (AuthGWFormTemplates)
    prefix = re.search(r"^prefix = (.*)$", (REPO / "Makefile").read_text(), re.M).group(1)
    templates = Path(prefix, "share", "authgw", "templates")
    for f in ("layout.html", "logon-password.html", "password.html",
              "expiry-warning.html", "mobile/layout.html", "lang/en.txt", "lang/de.txt",
              "lang/fr.txt"):
        assert (templates / f).is_file(), templates / f
    was_enabled = {p.name for p in MODS.iterdir()}
    try:
        r = run("a2enmod", "-q", "authgw_forms")
        assert r.returncode == 0, r.stdout + r.stderr
        enabled = {p.name for p in MODS.iterdir()}
        # its dependencies come along
        for need in ("authgw_forms.load", "authgw_core.load", "authgw_core.conf",
                     "socache_shmcb.load"):
            assert need in enabled
        # Debian's own configuration, with our modules in it, passes configtest
        env = dict(os.environ)
        r = run("bash", "-c", ". /etc/apache2/envvars && mkdir -p \"$APACHE_RUN_DIR\" \"$APACHE_LOCK_DIR\" \"$APACHE_LOG_DIR\" && apache2 -t", env=env)
        assert r.returncode == 0, r.stdout + r.stderr
        r = run("bash", "-c", ". /etc/apache2/envvars && apache2 -M")
        assert "authgw_forms_module" in r.stdout and "authgw_core_module" in r.stdout
    finally:
        for p in MODS.iterdir():
            if p.name not in was_enabled:
                p.unlink()
