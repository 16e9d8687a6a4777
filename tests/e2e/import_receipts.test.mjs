// The caseworker imports 薬剤情報 from a レセ電 file in the browser: the file is read in
// WebAssembly first (a summary of receipts and drugs), then sent with a progress bar, and the
// server's report is shown. The drugs then count in the office's 向精神薬 screen.
//
// The samples in docs/samples/receipts are about sample recipients the demo office does not
// have: the CP932 sample is read and refused for them; the import itself uses a small file
// written here for a demo recipient. レセ電 is CP932, but the parser also takes UTF-8
// (docs/file-layouts.md §16), so the file is written in UTF-8 with the sample's structure.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { axeViolations, demo, newPage, signIn } from './harness.mjs';
import { apiAs, jstToday } from './reception.mjs';

const here = new URL('.', import.meta.url).pathname;
const SAMPLE = resolve(here, '../../docs/samples/receipts/1311234569_202405.csv');
/** ゾルピデム酒石酸塩錠５ｍｇ「見本」 of the demo's 医薬品マスター (docs/samples/receipts/drug-master.csv). */
const ZOLPIDEM = '629990003';
/** 内服 days: more than 30 of one ingredient flags the recipient. */
const DAYS = 31;

let env;
let office;
let person;
let institution;
let month;

before(async () => {
  env = await demo();
  const cw = await apiAs(env.url, 'tokyo-cw');
  office = (await cw.get('/api/office/home')).office_number;
  month = jstToday().slice(0, 7);
  const list = await cw.get('/api/office/recipients?q=');
  // A qualified, unrestricted recipient with a 医科 ticket this month (its institution issues
  // the receipt), not already flagged by the screen this month.
  const screened = await cw.get(`/api/office/screening/psychotropic?month=${month}`);
  const flagged = new Set(screened.candidates.map((c) => c.recipient_id));
  for (const item of list.items) {
    if (item.restricted || flagged.has(item.id) || item.qualification_status !== 'active') continue;
    const detail = await cw.get(`/api/office/recipients/${item.id}`);
    const ticket = detail.tickets_by_month
      .flatMap((m) => m.tickets)
      .find((t) => t.status === 'active' && t.ticket.treatment_month === month && t.ticket.institution_code[2] === '1');
    if (ticket) {
      person = detail;
      institution = ticket.ticket;
      break;
    }
  }
  assert.ok(person, 'a demo recipient with a 医科 ticket this month');
});

after(async () => {
  await env?.close();
});

/** One 医科 レセ電 file (the sample's layout): one receipt, one 内服 of ゾルピデム for DAYS days. */
function receiptFile() {
  const code = institution.institution_code;
  const yyyymm = month.replace('-', '');
  const re = ['RE', '1', '1212', yyyymm, person.name, person.sex, person.birth_date.replaceAll('-', '')];
  while (re.length < 36) re.push('');
  re.push(person.name_kana);
  const iy = ['IY', '21', '5', ZOLPIDEM, '1', '1', String(DAYS)];
  while (iy.length < 44) iy.push('');
  iy[13] = '1'; // 算定日: day 1
  const lines = [
    ['IR', '1', code.slice(0, 2), code[2], code.slice(3), '', institution.institution_name, yyyymm, '00', ''].join(','),
    re.join(','),
    ['KO', office, person.recipient_number, '', '1', '245', '0', '', '', '', '', ''].join(','),
    ['SY', '0000999', `${yyyymm}01`, '', '', '不眠症', '01', ''].join(','),
    iy.join(','),
    ['GO', '1', '245', '99'].join(','),
  ];
  return Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');
}

async function openImport(page) {
  await signIn(page, 'tokyo-cw');
  await page.waitForURL('**/office');
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '健診・薬剤情報' }).click();
  await page.waitForURL('**/office/health-import');
  await page.getByTestId('health-import-heading').waitFor();
  await page.getByTestId('receipts-section').waitFor();
}

test('the CP932 sample is read in the browser and refused for recipients the office does not have', async () => {
  const page = await newPage(env.browser, env.url);
  await openImport(page);
  await page.getByTestId('receipts-file').setInputFiles(SAMPLE);
  const preview = page.getByTestId('receipts-preview');
  await preview.waitFor();
  assert.match(await preview.innerText(), /2 件/, 'two receipts read from the CP932 file');
  await page.getByTestId('receipts-upload').click();
  const report = page.getByTestId('receipts-report');
  await report.waitFor();
  assert.equal(await report.getAttribute('data-accepted'), 'false');
  assert.ok((await report.getByTestId('import-errors').getByTestId('record-error').count()) >= 1);
  assert.deepEqual(await axeViolations(page), [], 'axe on the refused report');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a レセ電 file is imported with the progress reaching 100 % and its drug counts in the 向精神薬 screen', async () => {
  const page = await newPage(env.browser, env.url);
  await openImport(page);
  assert.deepEqual(await axeViolations(page), [], 'axe on /office/health-import');
  await page.evaluate(() => {
    window.progressSeen = [];
    new MutationObserver(() => {
      const bar = document.querySelector('[data-testid="receipts-progress"] [role="progressbar"]');
      if (bar) window.progressSeen.push(Number(bar.getAttribute('aria-valuenow')));
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await page.getByTestId('receipts-file').setInputFiles({ name: `${institution.institution_code}_${month.replace('-', '')}.csv`, mimeType: 'text/csv', buffer: receiptFile() });
  const preview = page.getByTestId('receipts-preview');
  await preview.waitFor();
  assert.match(await preview.innerText(), /1 件/);
  assert.deepEqual(await axeViolations(page), [], 'axe on the preview');
  await page.getByTestId('receipts-upload').click();
  const report = page.getByTestId('receipts-report');
  await report.waitFor();
  assert.equal(await report.getAttribute('data-accepted'), 'true', await report.innerText());
  const bar = page.getByTestId('receipts-progress').getByRole('progressbar');
  assert.equal(await bar.getAttribute('aria-valuenow'), '100');
  const seen = await page.evaluate(() => window.progressSeen);
  assert.equal(seen.at(-1), 100, `progress values: ${seen}`);
  assert.equal(await report.getByTestId('import-records').innerText(), '1 件');
  assert.notEqual(await report.getByTestId('import-written').innerText(), '0 件');
  assert.deepEqual(await axeViolations(page), [], 'axe on the report');

  // The drug is the recipient's now: ゾルピデム 31 days flags them in this month's screen.
  const screen = await (await page.request.get(`/api/office/screening/psychotropic?month=${month}`)).json();
  const candidate = screen.candidates.find((c) => c.recipient_id === person.id);
  assert.ok(candidate, `the recipient is in the screen: ${JSON.stringify(screen.candidates.map((c) => c.recipient_number))}`);
  const evidence = candidate.evidence.find((e) => e.drug_code === ZOLPIDEM);
  assert.ok(evidence, JSON.stringify(candidate.evidence));
  assert.equal(evidence.institution_code, institution.institution_code);
  assert.equal(evidence.supply_days, DAYS);
  assert.deepEqual(evidence.dates, [`${month}-01`]);
  assert.ok(candidate.days_by_ingredient.some((d) => d.days === DAYS), JSON.stringify(candidate.days_by_ingredient));
  assert.ok(candidate.reasons.some((r) => r.includes(`${DAYS}日分`)), JSON.stringify(candidate.reasons));

  // The same file again replaces the receipt's drugs: still 31 days, not 62.
  await page.getByTestId('receipts-file').setInputFiles({ name: 'again.csv', mimeType: 'text/csv', buffer: receiptFile() });
  await page.getByTestId('receipts-preview').waitFor();
  await page.getByTestId('receipts-upload').click();
  await page.locator('[data-testid="receipts-report"][data-accepted="true"]').waitFor();
  const again = await (await page.request.get(`/api/office/screening/psychotropic?month=${month}`)).json();
  const twice = again.candidates.find((c) => c.recipient_id === person.id);
  assert.equal(twice.evidence.filter((e) => e.drug_code === ZOLPIDEM).length, 1, 'a receipt imported again replaces its drugs');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
