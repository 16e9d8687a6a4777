// The reception desk keeps working when the server is unreachable (product.md §3): the
// 一括照会 roster (table and CSV in UTF-8 or CP932) is kept in IndexedDB; with the server
// stopped a number-entry check is answered from it and marked 「オフライン確認（最終同期 …）」,
// queued, survives a reload of the page, and is sent once when the server is back — the
// server's log then holds exactly one record of it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { axeViolations, demo, newPage, signIn, startServer } from './harness.mjs';
import { apiAs, demoCases, verifyByNumber } from './reception.mjs';

let env;
let cases;
let restarted;
before(async () => {
  env = await demo();
  cases = await demoCases(env.url, env.data);
});
after(async () => {
  await restarted?.stop();
  await env?.close();
});

async function downloadText(page, testid, encoding) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
  const bytes = readFileSync(await download.path());
  return { name: download.suggestedFilename(), bytes, text: new TextDecoder(encoding).decode(bytes) };
}

test('一括照会, then offline: verify from the roster, reload, restart the server, one record', async () => {
  const page = await newPage(env.browser, env.url);
  await signIn(page, 'clinic');
  await page.waitForURL('**/clinic');

  // 一括照会: this month's tickets as a table and as CSV for the レセコン.
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '一括照会' }).click();
  await page.waitForURL('**/clinic/roster');
  const api = await apiAs(env.url, 'clinic');
  const roster = await api.get('/api/verify/roster');
  const ticketCount = roster.recipients.reduce((n, r) => n + r.tickets.length, 0);
  await page.getByTestId('roster-table').waitFor();
  assert.equal(await page.getByTestId('roster-row').count(), ticketCount);
  assert.equal(await page.getByTestId('roster-month').inputValue(), roster.month);
  assert.deepEqual(await axeViolations(page), []);
  const utf8 = await downloadText(page, 'roster-csv-utf8', 'utf-8');
  assert.match(utf8.name, new RegExp(`roster-\\d{10}-${roster.month}\\.csv`));
  assert.ok(utf8.text.startsWith('診療年月,公費負担者番号,受給者番号,氏名'), utf8.text.slice(0, 80));
  assert.equal(utf8.text.trimEnd().split('\r\n').length, ticketCount + 1);
  assert.ok(utf8.text.includes(cases.valid.name));
  const sjis = await downloadText(page, 'roster-csv-cp932', 'shift_jis');
  assert.equal(sjis.text, utf8.text, 'the CP932 file holds the same text');
  await page.getByTestId('roster-status').getByText(/最終同期/).waitFor();

  // The app shell is cached by the service worker, so a reload works offline.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '資格確認' }).click();
  await page.waitForURL('**/clinic/verify');

  // The server goes away.
  const port = env.server.port;
  await env.server.stop();

  const result = await verifyByNumber(page, cases.valid);
  assert.equal(await page.getByTestId('verdict-label').innerText(), '有効');
  assert.match(await page.getByTestId('offline-mark').innerText(), /^オフライン確認（最終同期 令和\d+年\d+月\d+日 \d+:\d\d）$/);
  assert.equal(await result.getAttribute('data-validity'), '1');
  assert.ok((await page.getByTestId('result-ticket').count()) >= 1, 'the roster holds the tickets');
  await page.getByTestId('offline-banner').waitFor();
  assert.equal(await page.getByTestId('outbox-pending').innerText(), '未送信 1件');
  assert.deepEqual(await axeViolations(page), []);

  // The roster's CSV is written here from the kept roster: in CP932 with the browser's own
  // Shift_JIS table (app/src/cp932.rs), byte for byte the server's file.
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '一括照会' }).click();
  await page.getByTestId('roster-table').waitFor();
  const offlineSjis = await downloadText(page, 'roster-csv-cp932', 'shift_jis');
  assert.ok(offlineSjis.bytes.equals(sjis.bytes), 'the offline CP932 file equals the server\'s');
  const offlineUtf8 = await downloadText(page, 'roster-csv-utf8', 'utf-8');
  assert.equal(offlineUtf8.text, utf8.text);
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '資格確認' }).click();
  await page.waitForURL('**/clinic/verify');

  // What needs the network says so.
  await page.getByTestId('verify-tab-card').click();
  assert.match(await page.getByTestId('card-offline-note').innerText(), /通信が必要/);

  // Reloading the page loses nothing: the app, the session and the outbox are on this PC.
  await page.reload();
  await page.getByTestId('verify-heading').waitFor();
  await page.getByTestId('offline-banner').waitFor();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="outbox-pending"]')?.textContent === '未送信 1件',
  );

  // The server comes back on the same address: the outbox is sent once.
  restarted = await startServer(env.data, { port });
  await page.waitForFunction(
    () => document.querySelector('[data-testid="outbox-pending"]')?.getAttribute('data-count') === '0',
    null,
    { timeout: 45_000 },
  );
  await page.getByTestId('offline-banner').waitFor({ state: 'detached', timeout: 20_000 });

  const after = await apiAs(restarted.url, 'clinic');
  const records = () =>
    after
      .get('/api/verify/today')
      .then((t) => t.items.filter((i) => i.recipient_number === cases.valid.recipient_number && i.offline));
  const stored = await records();
  assert.equal(stored.length, 1, JSON.stringify(stored));
  assert.equal(stored[0].validity, '1');
  assert.equal(stored[0].reference_class, '2');

  // Another reload and another sync round double nothing.
  await page.reload();
  await page.getByTestId('verify-heading').waitFor();
  await page.getByTestId('outbox-send').waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('outbox-pending').innerText(), '未送信 0件');
  assert.equal((await records()).length, 1);

  // 本日の確認 shows it as an offline check, from the server.
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '本日の確認' }).click();
  const row = page.locator(`[data-testid="today-row"][data-recipient="${cases.valid.recipient_number}"]`);
  await row.first().waitFor();
  assert.equal(await row.count(), 1);
  assert.match(await row.innerText(), /オフライン/);
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
