// Shared by the browser tests: start the real `onshi` server on a fresh SQLite database
// seeded with the demo profile, serving the real built app (dist/), and drive Debian's
// Chromium with playwright-core. Nothing is mocked.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const here = new URL('.', import.meta.url).pathname;
export const ONSHI = process.env.ONSHI_BIN ?? resolve(here, '../../target/debug/onshi');
export const DIST = process.env.ONSHI_DIST ?? resolve(here, '../../dist');
export const DEMO_PASSWORD = 'demo-pass';
export const DEMO_PIN = '1234';

export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** Seed a fresh data directory with the demo profile (once per test file). */
export function seedDemo() {
  const data = mkdtempSync(join(tmpdir(), 'onshi-e2e-'));
  const seeded = spawnSync(ONSHI, ['--data', data, 'seed', '--profile', 'demo'], { encoding: 'utf8', env: cleanEnv() });
  if (seeded.status !== 0) throw new Error(`seed failed: ${seeded.stderr}`);
  return { data, report: seeded.stdout };
}

function cleanEnv() {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  env.ONSHI_LOG = env.ONSHI_LOG ?? 'warn';
  return env;
}

/** Start `onshi serve` over `data`; resolves when /healthz answers. `port`: a fixed port
 * (to restart the server where the browser expects it), else a free one. */
export async function startServer(data, { port } = {}) {
  port = port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(ONSHI, ['--data', data, 'serve', '--addr', `127.0.0.1:${port}`, '--static-dir', DIST], {
    env: cleanEnv(),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error('server did not start');
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    },
  };
}

/** A demo environment: seeded data, a running server, a headless Chromium. */
export async function demo() {
  const { data, report } = seedDemo();
  const server = await startServer(data);
  const browser = await launch();
  return {
    data,
    report,
    server,
    browser,
    url: server.url,
    async close() {
      await browser.close();
      await server.stop();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A new page that fails the test on any console error or a request leaving the server. */
/**
 * `serviceWorkers: 'block'` for a test that holds requests with `page.route`: Playwright
 * does not see requests that pass through a service worker's fetch handler, and the app's
 * service worker takes control of the page at a moment the test does not choose.
 */
export async function newPage(browser, baseURL, { width = 1280, height = 900, serviceWorkers = 'allow' } = {}) {
  const context = await browser.newContext({
    baseURL,
    viewport: { width, height },
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    serviceWorkers,
  });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  // The server's Content-Security-Policy: anything it blocks is a problem of the page.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) page.problems.push(`csp: ${m.text()}`);
  });
  page.on('request', (req) => {
    const u = req.url();
    if (!u.startsWith(baseURL) && !u.startsWith('data:') && !u.startsWith('blob:')) page.problems.push(`external request: ${u}`);
  });
  return page;
}

/** Sign in as a staff account through the real form. */
export async function signIn(page, login, password = DEMO_PASSWORD) {
  await page.goto('/login');
  await page.getByLabel('ログインID').fill(login);
  await page.getByLabel('パスワード').fill(password);
  await page.getByLabel('パスワード').press('Enter');
}

const axeSource = readFileSync(resolve(here, '../node_modules/axe-core/axe.min.js'), 'utf8');

/** Serious or critical accessibility violations on the current page (axe-core). */
export async function axeViolations(page) {
  // Evaluated through the DevTools protocol: the page's CSP allows no injected inline script.
  await page.evaluate(`${axeSource}\n;true`);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
