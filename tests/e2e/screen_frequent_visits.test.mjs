// A caseworker screens last month for 頻回受診 and 未委託受診 (product.md §5, issue 6), and for
// 重複調剤・重複受診 (issue 13 item 5, docs/screening.md): the page
// downloads the office's data and runs domain::screening::screen in the browser's WebAssembly.
// It lists exactly the candidates the demo seed planted for the office (and no other office's
// recipients), row for row the same as the server's run and as `onshi screen` (the CSV byte for
// byte), explains a candidate with its calendar (事後委託 days apart from 未委託 days), keeps a
// follow-up across a reload; the office home's 「昨日の資格確認」 leads to the feed page with the
// same count. Pages pass axe-core (no serious/critical violation).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { axeViolations, demo, newPage, ONSHI, signIn } from './harness.mjs';

const TOKYO = '12131017';
const OSAKA = '12270138';

let env;
let seeded;
before(async () => {
  env = await demo();
  seeded = parseReport(env.report);
});
after(async () => {
  await env?.close();
});

/** The seed report's 頻回受診の候補 and 未委託受診 lines, per office. */
function parseReport(report) {
  const frequentLine = report.match(/^頻回受診の候補（(\d{4}-\d{2})）: (.*)$/m);
  const unentrustedLine = report.match(/^未委託受診（(\d{4}-\d{2})）: (.*)$/m);
  assert.ok(frequentLine && unentrustedLine, 'the seed report names the planted candidates');
  assert.equal(frequentLine[1], unentrustedLine[1]);
  const rows = [];
  for (const entry of frequentLine[2].split(' / ')) {
    const m = entry.match(/^(\d{8}) (\d{7})（(短期集中: )?(.+)）$/);
    assert.ok(m, entry);
    rows.push({ office: m[1], recipient: m[2], category: m[3] ? '短期集中治療の可能性' : '頻回受診候補', institution: m[4] });
  }
  for (const entry of unentrustedLine[2].split(' / ')) {
    const m = entry.match(/^(\d{8}) (\d{7})（(\S+) (.+)）$/);
    assert.ok(m, entry);
    const retroactive = [...m[4].matchAll(/(\d{4}-\d{2}-\d{2}) は事後委託済み/g)].map((x) => x[1]);
    const dates = [...m[4].matchAll(/\d{4}-\d{2}-\d{2}/g)].map((x) => x[0]).filter((d) => !retroactive.includes(d));
    rows.push({ office: m[1], recipient: m[2], category: '未委託受診', institution: m[3], dates, retroactive });
  }
  return { month: frequentLine[1], rows };
}

async function signedIn(login) {
  // One test holds the data download with page.route: keep the service worker out of the way.
  const page = await newPage(env.browser, env.url, { serviceWorkers: 'block' });
  await signIn(page, login);
  await page.waitForURL('**/office');
  await page.getByTestId('office-home-heading').waitFor();
  return page;
}

/** The table's rows as the page shows them. */
async function shownRows(page) {
  return page.getByTestId('candidate-row').evaluateAll((rows) =>
    rows.map((r) => ({
      recipient: r.dataset.recipient,
      institution: r.dataset.institution,
      category: r.dataset.category,
      days: r.querySelector('[data-testid=cell-days]').textContent,
      total: r.querySelector('[data-testid=cell-total]').textContent,
      name: r.querySelector('th').textContent,
      institutionText: r.querySelector('td:nth-of-type(2)').textContent,
    })),
  );
}

function cli(office, month, encoding = 'utf-8') {
  const run = spawnSync(ONSHI, ['--data', env.data, 'screen', '--office', office, '--month', month, '--format', 'csv', '--encoding', encoding]);
  assert.equal(run.status, 0, String(run.stderr));
  return run.stdout;
}

async function download(page, testid) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

test('the office home links 昨日の資格確認 to the feed page, with the same count', async () => {
  const page = await signedIn('tokyo-cw');
  const home = (await page.getByTestId('count-verifications-yesterday').locator('.stat-number').innerText()).replaceAll(',', '');
  assert.ok(Number(home) > 0, 'the demo seed has verifications yesterday');
  await page.getByTestId('count-verifications-yesterday-link').click();
  await page.waitForURL('**/office/feed');
  await page.getByTestId('feed-heading').waitFor();
  assert.equal(await page.getByTestId('feed-count').innerText(), home);
  assert.equal(await page.getByTestId('feed-row').count(), Number(home));
  const api = await (await page.request.get('/api/office/feed')).json();
  assert.equal(api.rows.length, Number(home));
  for (const number of await page.getByTestId('feed-row').evaluateAll((rows) => rows.map((r) => r.dataset.recipient))) {
    assert.ok(!number.startsWith('15'), `an Osaka recipient in Tokyo's feed: ${number}`);
  }
  const csv = await download(page, 'feed-csv-utf8');
  const served = Buffer.from(await (await page.request.get(`/api/office/feed.csv?date=${api.date}&encoding=utf-8`)).body());
  assert.deepEqual(csv.bytes, served);
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(page.problems, []);
});

test('the feed says what the desk says (未委託・未登録), and a past day without verifications says there were none (issue 14 item 9)', async () => {
  const page = await signedIn('tokyo-cw');
  // A day of the demo with a 6 in the feed.
  let day = null;
  for (let back = 1; back <= 40 && !day; back += 1) {
    const date = new Date(Date.now() + 9 * 3600_000 - back * 86_400_000).toISOString().slice(0, 10);
    const feed = await (await page.request.get(`/api/office/feed?date=${date}`)).json();
    if (feed.rows.some((r) => r.validity === '6')) day = feed;
  }
  assert.ok(day, 'the demo has a 未委託・未登録 verification in the last 40 days');
  await page.goto(`/office/feed?date=${day.date}`);
  const six = page.getByTestId('feed-row').filter({ hasText: '未委託・未登録' });
  await six.first().waitFor();
  assert.equal(await six.count(), day.rows.filter((r) => r.validity === '6').length);
  assert.doesNotMatch(await page.getByTestId('feed-table').innerText(), /有効（未登録）/);

  // Long ago, nobody was verified: none, not 「まだ作成されていません」.
  await page.goto('/office/feed?date=2001-01-10');
  await page.getByTestId('feed-empty').waitFor();
  const built = await page.getByTestId('feed-built').innerText();
  assert.match(built, /資格確認がなかった/);
  assert.doesNotMatch(built, /まだ作成されていません/);
  assert.deepEqual(page.problems, []);
});

test('tokyo-cw screens last month in WebAssembly: exactly the seeded candidates, same as the server and the CLI', async () => {
  const page = await signedIn('tokyo-cw');
  // Hold the download to see the progress indicator.
  let release;
  const held = new Promise((r) => (release = r));
  await page.route('**/api/office/screening/data*', async (route) => {
    const response = await route.fetch();
    await held;
    await route.fulfill({ response });
  });
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: 'スクリーニング' }).click();
  await page.waitForURL('**/office/screening');
  const progress = page.getByTestId('screening-progress');
  await progress.waitFor();
  assert.equal(await progress.getAttribute('aria-busy'), 'true');
  assert.match(await page.getByRole('progressbar').getAttribute('aria-valuetext'), /ダウンロード/);
  release();
  const report = page.getByTestId('screening-report');
  await report.waitFor();
  await page.unroute('**/api/office/screening/data*');
  // Last month by default: the month the seed put its frequent visitors in.
  assert.equal(await report.getAttribute('data-month'), seeded.month);
  assert.equal(await page.getByTestId('screening-month').inputValue(), seeded.month);
  assert.match(await page.getByTestId('screening-scope').innerText(), /^対象: .+（前々月〜当月）の資格確認。$/);
  // How the browser computed it is no business of the caseworker's (issue 14 item 9).
  assert.doesNotMatch(await page.getByRole('main').innerText(), /WebAssembly|\d ms/);

  // Exactly the seeded rows of this office, with their 区分.
  const rows = await shownRows(page);
  const expected = seeded.rows.filter((r) => r.office === TOKYO);
  assert.deepEqual(
    rows.map((r) => `${r.recipient} ${r.category}`).sort(),
    expected.map((r) => `${r.recipient} ${r.category}`).sort(),
  );
  const count = (c) => rows.filter((r) => r.category === c).length;
  assert.deepEqual([count('頻回受診候補'), count('短期集中治療の可能性'), count('未委託受診')], [3, 1, 3]);
  for (const e of expected) {
    const row = rows.find((r) => r.recipient === e.recipient && r.category === e.category);
    assert.ok(row.institutionText.includes(e.institution), `${e.recipient}: ${row.institutionText} ∌ ${e.institution}`);
  }
  // No other office's recipient anywhere on the page.
  const text = await page.locator('main').innerText();
  for (const osaka of seeded.rows.filter((r) => r.office === OSAKA)) {
    assert.ok(!text.includes(osaka.recipient), `Osaka's ${osaka.recipient} shown to Tokyo`);
  }

  // Row for row the same as the server's run of the same function.
  const server = await (await page.request.get(`/api/office/screening/result?month=${seeded.month}`)).json();
  assert.deepEqual(
    rows.map((r) => [r.recipient, r.institution, r.category, r.days, r.total]),
    server.rows.map((r) => [
      r.recipient_number,
      r.institution_code,
      r.category,
      `${r.days_in_month}日`,
      r.days_in_three_months == null ? '—' : `${r.days_in_three_months}日`,
    ]),
  );
  assert.equal(await page.getByTestId('count-frequent').locator('.stat-number').innerText(), String(server.summary.frequent));

  // 重複調剤 and 重複受診 (issue 13 item 5): the seed's 重複調剤 of this office, as the server has them.
  const dispensingLine = env.report.match(/^重複調剤（(\d{4}-\d{2})）: (.*)$/m);
  assert.ok(dispensingLine, 'the seed report names its 重複調剤');
  assert.equal(dispensingLine[1], seeded.month);
  const planted = dispensingLine[2].split(' / ').map((e) => e.match(/^(\d{8}) (\d{7})/)).filter((m) => m?.[1] === TOKYO).map((m) => m[2]);
  assert.equal(planted.length, 1);
  const duplicates = page.getByTestId('duplicates');
  await duplicates.getByRole('heading', { name: '重複調剤・重複受診' }).waitFor();
  const dispensing = duplicates.locator('[data-testid=duplicate-row][data-kind=dispensing]');
  assert.deepEqual(await dispensing.evaluateAll((rows) => rows.map((r) => r.dataset.recipient)), planted);
  const dispensingText = await dispensing.innerText();
  assert.match(dispensingText, /重複調剤\s+調剤\s+令和\d+年\d+月12日 \(\d{4}\/\d{2}\/12\)/);
  assert.match(dispensingText, /薬局 1日、.+薬局 1日/);
  assert.deepEqual(
    await duplicates.getByTestId('duplicate-row').evaluateAll((rows) => rows.map((r) => `${r.dataset.recipient} ${r.dataset.kind}`)),
    server.duplicates.map((r) => `${r.recipient_number} ${r.kind === '重複調剤' ? 'dispensing' : 'visits'}`),
  );
  assert.equal(await page.getByTestId('count-duplicate-dispensing').locator('.stat-number').innerText(), String(server.summary.duplicate_dispensing));
  assert.equal(await page.getByTestId('count-duplicate-visits').locator('.stat-number').innerText(), String(server.summary.duplicate_visits));

  // The CSV written in the browser is byte for byte `onshi screen`'s (UTF-8 and CP932).
  const utf8 = await download(page, 'screening-csv-utf8');
  assert.equal(utf8.name, `screening-${TOKYO}-${seeded.month}.csv`);
  assert.deepEqual(utf8.bytes, cli(TOKYO, seeded.month));
  assert.equal(utf8.bytes.toString('utf8').trim().split('\n').length, 1 + expected.length);
  const cp932 = await download(page, 'screening-csv-cp932');
  assert.deepEqual(cp932.bytes, cli(TOKYO, seeded.month, 'cp932'));

  // Filter and sort.
  await page.getByLabel('区分で絞り込む').selectOption('unentrusted');
  assert.deepEqual((await shownRows(page)).map((r) => r.category), ['未委託受診', '未委託受診', '未委託受診']);
  await page.getByLabel('区分で絞り込む').selectOption('all');
  const daysHeader = page.getByTestId('candidates').getByRole('columnheader', { name: /当月日数/ });
  await daysHeader.getByRole('button').click();
  assert.equal(await daysHeader.getAttribute('aria-sort'), 'descending');
  const sorted = (await shownRows(page)).map((r) => parseInt(r.days, 10));
  assert.deepEqual(sorted, [...sorted].sort((a, b) => b - a));
  await daysHeader.getByRole('button').press('Enter');
  assert.equal(await daysHeader.getAttribute('aria-sort'), 'ascending');

  // The trend: six months, this month's count as on the page.
  const trend = page.getByTestId('trend-row');
  await trend.first().waitFor();
  assert.equal(await trend.count(), 6);
  assert.equal(await trend.last().getAttribute('data-month'), seeded.month);
  assert.equal((await trend.last().locator('td').first().innerText()).trim(), String(server.summary.frequent));
  assert.deepEqual(page.problems, []);
});

test('a candidate opens to its evidence; 事後委託 days are not listed as 未委託; a follow-up is kept', async () => {
  const page = await signedIn('tokyo-cw');
  await page.goto(`/office/screening?month=${seeded.month}`);
  await page.getByTestId('screening-report').waitFor();

  // 未委託受診 with one date covered afterwards by a ticket (事後委託).
  const late = seeded.rows.find((r) => r.office === TOKYO && r.category === '未委託受診' && r.retroactive.length > 0);
  assert.ok(late, 'the seed plants a 事後委託 case');
  const lateRow = page.locator(`[data-testid=candidate-row][data-recipient="${late.recipient}"][data-category="未委託受診"]`);
  await lateRow.getByTestId('evidence-toggle').click();
  assert.equal(await lateRow.getByTestId('evidence-toggle').getAttribute('aria-expanded'), 'true');
  const evidence = page.getByTestId('evidence-row');
  await evidence.waitFor();
  const reason = await evidence.getByTestId('evidence-reason').innerText();
  const ja = (iso) => `${Number(iso.slice(5, 7))}月${Number(iso.slice(8, 10))}日`;
  for (const d of late.dates) assert.ok(reason.includes(ja(d)), `${reason} lists ${d}`);
  for (const d of late.retroactive) assert.ok(!reason.includes(ja(d)), `${reason} must not list the 事後委託 date ${d}`);
  assert.match(reason, /事後委託/);
  const own = evidence.locator('[data-testid=institution-calendar].own');
  const month = own.locator(`[data-testid=month-calendar][data-month="${seeded.month}"]`);
  assert.equal(await own.count(), 1);
  for (const d of late.dates) {
    const cell = month.locator(`td[data-day="${Number(d.slice(8))}"]`);
    assert.match(await cell.getAttribute('class'), /cal-unentrusted/);
    assert.match(await cell.innerText(), /未/);
  }
  for (const d of late.retroactive) {
    const cell = month.locator(`td[data-day="${Number(d.slice(8))}"]`);
    assert.match(await cell.getAttribute('class'), /cal-retroactive/);
    assert.match(await cell.innerText(), /事/);
  }
  await lateRow.getByTestId('evidence-toggle').click();
  assert.equal(await page.getByTestId('evidence-row').count(), 0);

  // A 頻回受診候補: the reason in words and the three months of visit days.
  const frequent = seeded.rows.find((r) => r.office === TOKYO && r.category === '頻回受診候補');
  const row = page.locator(`[data-testid=candidate-row][data-recipient="${frequent.recipient}"][data-category="頻回受診候補"]`);
  await row.getByTestId('evidence-toggle').click();
  const panel = page.getByTestId('evidence-row');
  const days = await row.getByTestId('cell-days').innerText();
  const total = await row.getByTestId('cell-total').innerText();
  assert.equal(
    await panel.getByTestId('evidence-reason').innerText(),
    `頻回受診候補: 当月${days}（15日以上）かつ3か月合計${total}（40日以上）`,
  );
  const calendars = panel.locator('[data-testid=institution-calendar].own [data-testid=month-calendar]');
  assert.equal(await calendars.count(), 3);
  const marked = await panel.locator(`[data-testid=institution-calendar].own [data-month="${seeded.month}"] td.cal-visit, [data-testid=institution-calendar].own [data-month="${seeded.month}"] td.cal-unentrusted`).count();
  assert.equal(`${marked}日`, days);
  assert.deepEqual(await axeViolations(page), []);

  // 対象外 needs a note; 主治医確認 is recorded and kept.
  await panel.getByLabel('対応', { exact: true }).selectOption('not_applicable');
  await panel.getByTestId('followup-save').click();
  assert.match(await panel.getByTestId('followup-error').innerText(), /理由/);
  await panel.getByLabel('対応', { exact: true }).selectOption('attending_doctor');
  await panel.getByTestId('followup-note').fill('主治医に通院頻度を確認する');
  await panel.getByTestId('followup-save').click();
  await panel.getByTestId('followup-saved').waitFor();
  await page.waitForFunction(
    (n) => document.querySelector(`[data-testid=candidate-row][data-recipient="${n}"][data-category="頻回受診候補"] [data-testid=cell-followup]`)?.textContent === '主治医確認',
    frequent.recipient,
  );
  await page.reload();
  await page.getByTestId('screening-report').waitFor();
  const again = page.locator(`[data-testid=candidate-row][data-recipient="${frequent.recipient}"][data-category="頻回受診候補"]`);
  await page.waitForFunction(
    (n) => document.querySelector(`[data-testid=candidate-row][data-recipient="${n}"][data-category="頻回受診候補"] [data-testid=cell-followup]`)?.textContent === '主治医確認',
    frequent.recipient,
  );
  await again.getByTestId('evidence-toggle').click();
  const kept = page.getByTestId('evidence-row').getByTestId('followups-this-month');
  assert.match(await kept.innerText(), /主治医確認「主治医に通院頻度を確認する」/);
  // Next month shows it as last month's follow-up.
  const [y, m] = seeded.month.split('-').map(Number);
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  const list = await (await page.request.get(`/api/office/screening/followups?month=${next}`)).json();
  assert.ok(list.previous.some((f) => f.recipient_number === frequent.recipient && f.action === 'attending_doctor'));
  assert.deepEqual(page.problems, []);
});

test("osaka-cw sees only Osaka's candidates", async () => {
  const page = await signedIn('osaka-cw');
  await page.goto(`/office/screening?month=${seeded.month}`);
  await page.getByTestId('screening-report').waitFor();
  const rows = await shownRows(page);
  assert.deepEqual(
    rows.map((r) => `${r.recipient} ${r.category}`).sort(),
    seeded.rows.filter((r) => r.office === OSAKA).map((r) => `${r.recipient} ${r.category}`).sort(),
  );
  const csv = await download(page, 'screening-csv-utf8');
  assert.deepEqual(csv.bytes, cli(OSAKA, seeded.month));
  assert.deepEqual(page.problems, []);
});
