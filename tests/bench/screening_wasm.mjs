// make bench (scripts/bench.sh): screen three months of a synthetic 100,000-recipient office
// in the app's own WebAssembly in headless Chromium, and check the CSV against the native one.
//
// Serves dist/ and the input from a throwaway local HTTP server (no `onshi`, no database),
// opens the screening page of the bundle that holds it (dist/office-tools.html, whose Trunk
// start-up script sets window.wasmBindings; the session check is left unanswered so the page
// stays where it is instead of moving to the sign-in page), and calls
// the exported `bench_screen(json, month, runs)` (app/src/bench.rs): the same parse → screen →
// to_csv the caseworker screen runs. Writes a Markdown table to OUT.
//
//   node tests/bench/screening_wasm.mjs --dist dist --input target/bench/screening-input.json \
//     --expected target/bench/screening-result.csv --month 2026-10 --runs 7 --out target/bench/screening-wasm.md
import { createServer } from 'node:http';
import { readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';

const require = createRequire(resolve('tests/package.json'));
const { chromium } = require('playwright-core');

const { values: args } = parseArgs({
  options: {
    dist: { type: 'string', default: 'dist' },
    input: { type: 'string', default: 'target/bench/screening-input.json' },
    expected: { type: 'string', default: 'target/bench/screening-result.csv' },
    month: { type: 'string' },
    runs: { type: 'string', default: '7' },
    out: { type: 'string', default: 'target/bench/screening-wasm.md' },
  },
});
const runs = Number(args.runs);
const dist = resolve(args.dist);
const inputPath = resolve(args.input);
const expected = readFileSync(resolve(args.expected));
// The month: from the input's start (M−2) unless given.
const month = args.month ?? (() => {
  const head = readFileSync(inputPath, { encoding: 'utf8' }).slice(0, 200);
  const start = head.match(/"start":"(\d{4})-(\d{2})-\d{2}"/);
  if (!start) throw new Error('no start date in the input; pass --month');
  const index = Number(start[1]) * 12 + Number(start[2]) - 1 + 2;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
})();

function cpu() {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1] ?? 'unknown CPU';
  } catch {
    return 'unknown CPU';
  }
}

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml' };
const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/bench/input.json') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(readFileSync(inputPath));
    return;
  }
  // Never answered: the page keeps 「ログイン状態を確認しています…」 and stays in this bundle.
  if (path === '/api/session') return;
  // The app's API is not here: answer any other call with a plain 401.
  if (path.startsWith('/api/')) {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{"error":"unauthenticated","code":"unauthenticated","message":"","fields":[]}');
    return;
  }
  let file = join(dist, path);
  if (!file.startsWith(dist) || !existsSync(file) || statSync(file).isDirectory()) file = join(dist, 'office-tools.html');
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
  res.end(readFileSync(file));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage();
  await page.goto(`${base}/office/screening`);
  await page.waitForFunction(() => typeof window.wasmBindings?.bench_screen === 'function', null, { timeout: 60_000 });
  const version = await browser.version();
  const answer = await page.evaluate(
    async ({ month, runs }) => {
      const started = performance.now();
      const json = await (await fetch('/bench/input.json')).text();
      const fetched = performance.now() - started;
      const out = JSON.parse(window.wasmBindings.bench_screen(json, month, runs));
      return { ...out, fetch_ms: fetched, bytes: json.length };
    },
    { month, runs },
  );
  const csv = Buffer.from(answer.csv, 'utf8');
  const same = csv.equals(expected);
  const times = [...answer.screen_ms].sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const lines = answer.csv.trim().split('\n').length;
  const table = [
    '',
    '| | |',
    '|---|---|',
    `| Input | \`target/bench/screening-input.json\`, ${(statSync(inputPath).size / 1e6).toFixed(1)} MB (M−2..M of ${month}) |`,
    `| JSON parse (serde_json in WebAssembly) | ${Math.round(answer.parse_ms)} ms |`,
    `| \`screen\` in WebAssembly | median ${Math.round(median)} ms, best ${Math.round(times[0])} ms over ${times.length} runs |`,
    `| CSV | ${lines} lines, ${same ? 'byte for byte the same as the native result' : '**DIFFERS from the native result**'} |`,
    '',
    `Measured ${new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10)} on ${cpu()} (${availableParallelism()} cores), headless Chromium ${version} (Debian), the app's \`wasm-release\` office-tools bundle (\`scripts/build-app.sh\`), through \`window.wasmBindings.bench_screen\` (app/src/bench.rs).`,
    '',
  ].join('\n');
  writeFileSync(resolve(args.out), table + '\n');
  process.stdout.write(table + '\n');
  if (!same) {
    writeFileSync(resolve(args.out).replace(/\.md$/, '.csv'), csv);
    console.error(`the WebAssembly CSV differs from ${args.expected}`);
    process.exitCode = 1;
  }
} finally {
  await browser.close();
  server.closeAllConnections();
  server.close();
}
