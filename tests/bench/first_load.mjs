// make bench, the app's first load per role (issue 12): the real `onshi serve` over a demo
// database serving the real dist/ (scripts/build-app.sh), opened in headless Chromium.
// For each role's first page: the bytes the browser fetched for it (every response that is
// not the API: page, JS, WebAssembly, CSS, icon), raw and as transferred (the server's gzip),
// and the time to first render (the page's heading shown, from the start of navigation),
// cold (a new browser profile: no HTTP cache, no service worker) and from the service
// worker's cache (a reload once the worker controls the page). Writes a markdown table.
//   ONSHI_BIN=target/debug/onshi ONSHI_DIST=dist node tests/bench/first_load.mjs --runs 5 --out target/bench/app-load.md
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_PIN, demo, newPage, signIn } from '../e2e/harness.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    out: { type: 'string', default: 'target/bench/app-load.md' },
  },
});
const runs = Math.max(1, Number(args.runs));

const roles = [
  { name: 'サインイン (signin)', bundle: 'signin', path: '/login', signIn: null },
  { name: '医療機関 受付 (reception)', bundle: 'reception', path: '/clinic', signIn: (p) => staff(p, 'clinic', '/clinic') },
  { name: '福祉事務所 (office)', bundle: 'office', path: '/office', signIn: (p) => staff(p, 'tokyo-cw', '/office') },
  { name: '福祉事務所 スクリーニング (office-tools)', bundle: 'office-tools', path: '/office/screening', signIn: (p) => staff(p, 'tokyo-cw', '/office') },
  { name: '被保護者ポータル (portal)', bundle: 'portal', path: '/me', signIn: recipient },
  { name: 'システム運用者 (operator)', bundle: 'operator', path: '/operator', signIn: (p) => staff(p, 'operator', '/operator') },
];

async function staff(page, login, home) {
  await signIn(page, login);
  await page.waitForURL(`**${home}`);
}

let cardFile;
async function recipient(page) {
  await page.goto('/login');
  await page.getByTestId('login-tab-card').click();
  await page.getByTestId('card-file').setInputFiles(cardFile);
  await page.getByTestId('card-method-pin').click();
  await page.getByTestId('card-pin').fill(DEMO_PIN);
  await page.getByTestId('card-submit').click();
  await page.waitForURL('**/me');
}

/** Opens `path` and answers { ms, raw, transferred, files }: the time from navigation start
 * to the page's first heading, and the non-API bytes the page fetched. */
async function firstRender(page, path, { reload = false } = {}) {
  const responses = [];
  const onResponse = (response) => {
    const url = new URL(response.url());
    if (!url.pathname.startsWith('/api/')) responses.push(response);
  };
  page.on('response', onResponse);
  if (reload) await page.reload({ waitUntil: 'commit' });
  else await page.goto(path, { waitUntil: 'commit' });
  const ms = await page.waitForFunction(
    () => {
      const heading = document.querySelector('main h1');
      return heading && heading.offsetParent !== null ? performance.now() : false;
    },
    null,
    { polling: 'raf', timeout: 60_000 },
  );
  await page.waitForLoadState('load');
  page.off('response', onResponse);
  let raw = 0;
  let transferred = 0;
  const files = [];
  for (const response of responses) {
    const body = await response.body().catch(() => Buffer.alloc(0));
    const sizes = await response.request().sizes().catch(() => ({ responseBodySize: body.length }));
    raw += body.length;
    transferred += response.fromServiceWorker() ? 0 : sizes.responseBodySize;
    files.push(new URL(response.url()).pathname);
  }
  return { ms: await ms.jsonValue(), raw, transferred, files };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (b) => `${(b / 1000).toFixed(0)} KB`;

const env = await demo();
try {
  const dir = join(env.data, 'demo-cards');
  cardFile = join(dir, readdirSync(dir).filter((f) => f.endsWith('.card.json')).sort()[0]);
  const rows = [];
  for (const role of roles) {
    const cold = [];
    const warm = [];
    let bytes;
    for (let run = 0; run < runs; run++) {
      // Signed in in one profile; the measured profile gets only its cookies.
      let cookies = [];
      if (role.signIn) {
        const login = await newPage(env.browser, env.url);
        await role.signIn(login);
        cookies = await login.context().cookies();
        await login.context().close();
      }
      const page = await newPage(env.browser, env.url);
      await page.context().addCookies(cookies);
      const first = await firstRender(page, role.path);
      cold.push(first.ms);
      bytes = first;
      // From the service worker's cache: once it controls the page, reload.
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
      if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) {
        await page.reload({ waitUntil: 'load' });
      }
      const again = await firstRender(page, role.path, { reload: true });
      warm.push(again.ms);
      if (page.problems.length) throw new Error(`${role.path}: ${page.problems.join('; ')}`);
      await page.context().close();
    }
    rows.push({ role, bytes, cold: median(cold), warm: median(warm) });
    console.error(`${role.bundle}: ${kb(bytes.raw)} raw, ${kb(bytes.transferred)} transferred, cold ${median(cold).toFixed(0)} ms, service worker ${median(warm).toFixed(0)} ms`);
  }
  const version = await env.browser.version();
  let cpu = 'unknown CPU';
  try {
    cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1] ?? cpu;
  } catch {
    /* not Linux */
  }
  const table = [
    '',
    '| Role (first page) | Bundle | Fetched, raw | Fetched, transferred (gzip) | First render, cold | First render, from the service worker |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      ({ role, bytes, cold, warm }) =>
        `| ${role.name} \`${role.path}\` | \`${role.bundle}\` | ${kb(bytes.raw)} | ${kb(bytes.transferred)} | ${cold.toFixed(0)} ms | ${warm.toFixed(0)} ms |`,
    ),
    '',
    `Targets: ≤ 400 KB gzip, ≤ 1 s cold, ≤ 300 ms from the service worker. Median of ${runs} runs; "first render" is the page's first heading shown, from the start of navigation, signed in (the session cookie set, nothing cached); the server on the same machine (no network latency).`,
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu} (${availableParallelism()} cores), headless Chromium ${version} (Debian), \`onshi serve\` (debug build) sending the build's gzip -9 copies of the WebAssembly, JS and CSS (its on-the-fly gzip for the page), the app's \`wasm-release\` bundles (\`scripts/build-app.sh\`), \`tests/bench/first_load.mjs\`.`,
    '',
  ].join('\n');
  writeFileSync(args.out, table);
  console.log(table);
} finally {
  await env.close();
}
