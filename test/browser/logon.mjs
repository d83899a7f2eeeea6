// Headless Chromium logs on through the authgw GatewayForm logon page.
//
//   node logon.mjs BASE_URL USER PASSWORD
//   (or env AUTHGW_BASE_URL, AUTHGW_USER, AUTHGW_PASSWORD)
//
// Opens BASE/app/hello, expects the logon form, fills username and password,
// clicks the submit button, waits for the navigation back to /app/hello and
// prints the JSON the echo backend answered (one line on stdout).  Exits
// non-zero on any failure.  Env SCREENSHOT=path saves a PNG of the logon form;
// SCREENSHOT_AFTER=path one of the page after the logon.  CHROMIUM overrides
// /usr/bin/chromium.  Playwright never downloads a browser here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const base = (process.argv[2] || process.env.AUTHGW_BASE_URL || '').replace(/\/+$/, '');
const user = process.argv[3] || process.env.AUTHGW_USER;
const password = process.argv[4] ?? process.env.AUTHGW_PASSWORD;
const target = process.env.AUTHGW_TARGET || '/app/hello';
const timeout = Number(process.env.AUTHGW_TIMEOUT_MS || 20000);

function fail(msg) {
  console.error('logon.mjs: ' + msg);
  process.exitCode = 1;
}

async function main() {
  if (!base || !user || password === undefined) {
    fail('usage: node logon.mjs BASE_URL USER PASSWORD');
    return;
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authgw-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
        '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      timeout,
    });
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(timeout);

    // 1. the protected page sends the browser to the logon form
    const first = await page.goto(base + target, { waitUntil: 'load' });
    const formUrl = new URL(page.url());
    if (formUrl.pathname !== '/.authgw/logon') {
      throw new Error(`expected the logon form, got ${first && first.status()} at ${page.url()}`);
    }
    if (!first || first.status() !== 200) {
      throw new Error(`logon form answered ${first && first.status()}`);
    }
    const form = page.locator('form[action="/.authgw/logon"]');
    if (await form.count() !== 1) {
      throw new Error('no single <form action="/.authgw/logon"> on ' + page.url());
    }
    const userField = form.locator('input[name="username"]');
    const passField = form.locator('input[name="password"]');
    await userField.waitFor({ state: 'visible' });
    await passField.waitFor({ state: 'visible' });
    if (await passField.getAttribute('type') !== 'password') {
      throw new Error('the password input is not type=password');
    }
    const cookies = await context.cookies(base + '/.authgw/logon');
    if (!cookies.some((c) => c.name === 'AuthGWPre')) {
      throw new Error('no AuthGWPre cookie stored by the browser');
    }
    await userField.fill(user);
    await passField.fill(password);
    if (process.env.SCREENSHOT) {
      await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
    }

    // 2. submit with the form's own button, as a person would
    const submit = form.locator('button[type="submit"], input[type="submit"], button:not([type])').first();
    const [resp] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      submit.click(),
    ]);
    const landed = new URL(page.url());
    if (landed.pathname + landed.search !== target) {
      const text = (await page.textContent('body').catch(() => '')) || '';
      throw new Error(`after submit: ${resp && resp.status()} at ${page.url()}: ${text.trim().slice(0, 300)}`);
    }
    if (!resp || resp.status() !== 200) {
      throw new Error(`backend page answered ${resp && resp.status()}`);
    }
    const session = (await context.cookies(base + '/')).find((c) => c.name === 'AuthGWSession');
    if (!session) {
      throw new Error('no AuthGWSession cookie stored by the browser');
    }
    if (!session.httpOnly) {
      throw new Error('AuthGWSession is not HttpOnly');
    }
    const visible = await page.evaluate(() => document.cookie);
    if (visible.includes('AuthGWSession')) {
      throw new Error('AuthGWSession is visible to page scripts');
    }
    if (process.env.SCREENSHOT_AFTER) {
      await page.screenshot({ path: process.env.SCREENSHOT_AFTER, fullPage: true });
    }
    const body = await resp.text();
    let echoed;
    try {
      echoed = JSON.parse(body);
    } catch (e) {
      throw new Error('the backend page is not JSON: ' + body.slice(0, 300));
    }
    process.stdout.write(JSON.stringify(echoed) + '\n');
  } finally {
    if (context) await context.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
