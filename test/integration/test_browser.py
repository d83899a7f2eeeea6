"""A real browser (headless Debian Chromium driven by playwright-core through
test/browser/logon.mjs) logs on through the GatewayForm page."""

import json
import os
import shutil
import subprocess

import pytest

import harness
from harness import header

BROWSER_DIR = os.path.join(harness.REPO, "test", "browser")
SCRIPT = os.path.join(BROWSER_DIR, "logon.mjs")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NODE = shutil.which("node")


def _node_modules_ready():
    return os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core"))


@pytest.fixture(scope="session")
def browser_ready():
    if NODE is None:
        pytest.skip("node is not installed")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("%s is not installed" % CHROMIUM)
    if not _node_modules_ready():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("test/browser/node_modules is missing and npm is not installed")
        env = dict(os.environ, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1")
        p = subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=BROWSER_DIR,
                           env=env, capture_output=True, text=True, timeout=300)
        if p.returncode != 0 or not _node_modules_ready():
            pytest.skip("npm install in test/browser failed: %s" % (p.stderr[-500:],))
    return True


def run_logon(base_url, user, password, screenshot=None, after=None):
    env = dict(os.environ, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1", CHROMIUM=CHROMIUM)
    env.pop("SCREENSHOT", None)
    if screenshot:
        env["SCREENSHOT"] = screenshot
    if after:
        env["SCREENSHOT_AFTER"] = after
    return subprocess.run([NODE, SCRIPT, base_url, user, password], cwd=BROWSER_DIR,
                          env=env, capture_output=True, text=True, timeout=120)


def test_browser_logon(browser_ready, make_gateway, backend):
    httpd = make_gateway()
    shots = harness.new_dir("browser")
    form_png = os.path.join(shots, "logon-form.png")
    p = run_logon(httpd.base_url, "alice", "Al1ce-pass", screenshot=form_png)
    assert p.returncode == 0, "logon.mjs failed:\n%s\n%s" % (p.stdout, p.stderr)
    lines = [l for l in p.stdout.splitlines() if l.strip()]
    assert lines, "no output from logon.mjs"
    view = json.loads(lines[-1])
    assert view["path"] == "/app/hello"
    assert view["method"] == "GET"
    assert header(view, "X-Remote-User") == "alice"
    cookies = header(view, "Cookie") or ""
    assert "AuthGWSession" not in cookies and "AuthGWPre" not in cookies, cookies
    assert os.path.getsize(form_png) > 1000, "no screenshot of the logon form"
    # the browser's visit is all the backend saw: one GET /app/hello as alice
    seen = [(r["method"], r["path"], header(r, "X-Remote-User")) for r in backend.requests]
    assert ("GET", "/app/hello", "alice") in seen, seen
    assert all(u == "alice" for _, _, u in seen), seen


def test_browser_wrong_password_stays_on_form(browser_ready, make_gateway, backend):
    httpd = make_gateway()
    httpd.expect_errors(r"AGW\d+")
    p = run_logon(httpd.base_url, "alice", "wrong-password")
    assert p.returncode != 0, "logon.mjs claims success with a wrong password:\n" + p.stdout
    assert "/.authgw/logon" in p.stderr, p.stderr
    assert backend.requests == [], "the backend was reached with a wrong password"
