// A caseworker registers a recipient (a 半角カナ typo is caught on the field first),
// starts 保護 today, issues a 医療券 for みなと台中央病院 for this month and prints it
// (the PDF Chromium prints carries the name, 令和 dates and the institution); the clinic
// then verifies by number and sees 資格有効性 1 with that ticket; a caseworker of another
// office cannot open the recipient, on screen or through the API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { axeViolations, demo, newPage, signIn } from './harness.mjs';

let env;
before(async () => {
  env = await demo();
});
after(async () => {
  await env?.close();
});

const NAME = '試験　春子';
const KANA = 'シケン　ハルコ';
const BIRTH_WAREKI = '昭和35年4月1日';
const INSTITUTION = 'みなと台中央病院';

/** Text of a PDF, whitespace removed (pdftotext from poppler-utils). */
function pdfText(bytes) {
  const dir = mkdtempSync(join(tmpdir(), 'onshi-pdf-'));
  try {
    const file = join(dir, 'ticket.pdf');
    writeFileSync(file, bytes);
    const out = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    if (out.error || out.status !== 0) return null;
    return out.stdout.replace(/\s+/g, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function expectAxeClean(page, where) {
  assert.deepEqual(await axeViolations(page), [], `axe on ${where}`);
}

test('register, start 保護, issue and print a 医療券; the clinic sees it; another office cannot', async () => {
  const page = await newPage(env.browser, env.url);
  await signIn(page, 'tokyo-cw');
  await page.waitForURL('**/office');

  // 被保護者台帳 → 新規登録
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '被保護者台帳' }).click();
  await page.waitForURL('**/office/recipients**');
  await page.getByTestId('new-recipient').click();
  await page.waitForURL('**/office/recipients/new');

  await page.getByLabel('氏名', { exact: false }).first().fill(NAME);
  const kana = page.getByRole('textbox', { name: /氏名カナ/ });
  await kana.fill('ｼｹﾝ ﾊﾙｺ');
  await kana.press('Tab');
  const kanaError = page.getByTestId('r-kana-error');
  await kanaError.getByText('半角カナは使えません').waitFor();
  assert.equal(await kana.getAttribute('aria-invalid'), 'true');
  assert.match(await kana.getAttribute('aria-describedby'), /r-kana-error/);
  await expectAxeClean(page, 'the recipient form with an error');

  await kana.fill(KANA);
  await kanaError.getByText('半角カナ').waitFor({ state: 'detached' });
  await page.getByRole('radio', { name: '女' }).check();
  const birth = page.getByRole('textbox', { name: /生年月日/ });
  await birth.fill(BIRTH_WAREKI);
  await page.getByTestId('r-birth-error').getByText('1960/04/01').waitFor();
  await page.getByTestId('recipient-submit').click();
  await page.waitForURL(/\/office\/recipients\/\d+$/);
  const recipientId = page.url().split('/').pop();
  await page.getByTestId('recipient-name').getByText(NAME).waitFor();
  const recipientNumber = (await page.getByTestId('recipient-number').innerText()).trim();
  const officeNumber = (await page.getByTestId('office-number').innerText()).trim();
  assert.match(recipientNumber, /^\d{7}$/);
  // No card, no 個人番号: paper is needed, and the page says why.
  await page.getByTestId('paper-reasons').getByText('マイナンバーカードを持っていません').waitFor();
  await expectAxeClean(page, 'the recipient detail');

  // 保護開始 today (the form defaults both dates to today).
  await page.getByLabel('異動の種類').selectOption({ label: '保護開始' });
  await page.getByTestId('q-submit').click();
  await page.getByTestId('q-done').getByText('保護開始を登録しました').waitFor();
  await page.getByTestId('qualification-history').getByText('登録済み').waitFor();

  // 医療券 for みなと台中央病院, this month.
  await page.getByTestId('new-ticket').click();
  await page.waitForURL(/\/tickets\/new$/);
  await page.getByTestId('ticket-recipient').getByText(NAME).waitFor();
  await page.getByLabel('コードまたは名称で検索').first().fill('1310110000');
  await page.getByLabel('コードまたは名称で検索').first().press('Enter');
  await page.getByTestId('t-institution-chosen').getByText(INSTITUTION).waitFor();
  await page.getByRole('textbox', { name: '傷病名1' }).fill('高血圧症');
  await expectAxeClean(page, 'the ticket form');
  await page.getByTestId('ticket-submit').click();
  await page.waitForURL(new RegExp(`/office/recipients/${recipientId}\\?issued=\\d+$`));
  const ticket = page.getByTestId('office-ticket').first();
  await ticket.getByText(INSTITUTION).waitFor();
  const issueNumber = (await ticket.locator('.ticket-kind').innerText()).match(/交付番号 (\S+)/)?.[1];
  assert.ok(issueNumber, 'the ticket shows its 交付番号');

  // Print: the paper form, then Chromium's PDF of it.
  await ticket.getByTestId('print-ticket').click();
  await page.waitForURL(/\/office\/tickets\/\d+\/print$/);
  const sheet = page.getByTestId('paper-ticket');
  await sheet.waitFor();
  assert.match(await page.getByTestId('paper-title').innerText(), /医療券・調剤券/);
  assert.equal(await page.locator('.paper-title s').innerText(), '調剤券', 'the unused word is struck out');
  assert.match(await sheet.innerText(), /令和\d+年\d+月\d+日から令和\d+年\d+月\d+日まで/);
  assert.match(await page.getByTestId('paper-birth').innerText(), /昭和35年4月1日/);
  await expectAxeClean(page, 'the print page');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.getByTestId('print-button').isVisible(), false, 'the print button does not print');
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: false });
  await page.emulateMedia({ media: 'screen' });
  const text = pdfText(pdf);
  assert.ok(text !== null, 'pdftotext (poppler-utils) is installed by scripts/bootstrap.sh test');
  assert.ok(text.includes(NAME.replace(/\s+/g, '')), `the PDF names the recipient: ${text.slice(0, 200)}`);
  assert.ok(text.includes('令和'), 'the PDF dates are in 和暦');
  assert.ok(text.includes(INSTITUTION), 'the PDF names the institution');
  assert.ok(text.includes(recipientNumber), 'the PDF carries the 受給者番号');
  assert.deepEqual(page.problems, []);
  await page.context().close();

  // The clinic verifies by number: 資格有効性 1 with the new ticket.
  const clinic = await newPage(env.browser, env.url);
  await signIn(clinic, 'clinic');
  await clinic.waitForURL('**/clinic');
  await clinic.goto('/clinic/verify');
  await clinic.getByTestId('verify-office').fill(officeNumber);
  await clinic.getByTestId('verify-recipient').fill(recipientNumber);
  await clinic.getByTestId('verify-birth').fill(BIRTH_WAREKI);
  await clinic.getByTestId('verify-submit').click();
  const result = clinic.getByTestId('verify-result');
  await result.waitFor();
  assert.equal(await clinic.getByTestId('verdict-label').innerText(), '有効');
  assert.match(await clinic.getByTestId('result-meta').innerText(), /資格有効性コード 1$/);
  const tickets = clinic.getByTestId('result-tickets');
  await tickets.getByText(INSTITUTION).first().waitFor();
  assert.match(await tickets.innerText(), new RegExp(issueNumber));
  await clinic.context().close();

  // Another office's caseworker: 見つかりません, and the API answers 404.
  const osaka = await newPage(env.browser, env.url);
  await signIn(osaka, 'osaka-cw');
  await osaka.waitForURL('**/office');
  await osaka.goto(`/office/recipients/${recipientId}`);
  await osaka.getByTestId('recipient-not-found').getByText('見つかりません').waitFor();
  const api = await osaka.request.get(`/api/office/recipients/${recipientId}`);
  assert.equal(api.status(), 404);
  const tokyoNameShown = await osaka.getByText(NAME).count();
  assert.equal(tokyoNameShown, 0);
  await expectAxeClean(osaka, 'the not-found page');
  await osaka.context().close();
});

test('after issuing a 医療券 the caseworker is shown it: a confirmation with its 交付番号 and print link, in view (issue 14 item 8)', async () => {
  const page = await newPage(env.browser, env.url);
  await signIn(page, 'tokyo-cw');
  await page.waitForURL('**/office');
  // A demo recipient in 保護 with a long page (the most tickets) and none this month at
  // みなと台中央病院 yet.
  const month = new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 7);
  const list = await (await page.request.get('/api/office/recipients?q=')).json();
  let chosen = null;
  let most = -1;
  for (const item of list.items) {
    const d = await (await page.request.get(`/api/office/recipients/${item.id}`)).json();
    if (d.qualification_status !== 'active') continue;
    const tickets = d.tickets_by_month.flatMap((m) => m.tickets);
    const taken = tickets.some((t) => t.status === 'active' && t.ticket.institution_code === '1310110000' && t.ticket.treatment_month === month);
    if (!taken && tickets.length > most) {
      chosen = d;
      most = tickets.length;
    }
  }
  assert.ok(chosen && most >= 2, 'a demo recipient with tickets already');

  await page.goto(`/office/recipients/${chosen.id}/tickets/new`);
  await page.getByLabel('コードまたは名称で検索').first().fill('1310110000');
  await page.getByLabel('コードまたは名称で検索').first().press('Enter');
  await page.getByTestId('t-institution-chosen').getByText(INSTITUTION).waitFor();
  await page.getByRole('textbox', { name: '傷病名1' }).fill('腰痛症');
  await page.getByTestId('ticket-submit').click();
  await page.waitForURL(new RegExp(`/office/recipients/${chosen.id}\\?issued=\\d+$`));

  const confirmation = page.getByRole('status').filter({ hasText: '医療券を発行しました' });
  await confirmation.waitFor();
  const ticketId = Number(new URL(page.url()).searchParams.get('issued'));
  const stored = await (await page.request.get(`/api/office/tickets/${ticketId}`)).json();
  assert.match(await confirmation.innerText(), new RegExp(`交付番号 ${stored.ticket.issue_number}`));
  // The focus is on the confirmation, so a screen reader reads it and Enter/Tab go on from there.
  await page.waitForFunction(() => document.activeElement?.dataset?.testid === 'ticket-confirmation');
  // The new ticket is in view, not at the bottom of a long page.
  const newTicket = page.getByTestId('office-ticket').filter({ has: page.getByTestId('ticket-confirmation') });
  assert.equal(await newTicket.count(), 1);
  assert.match(await newTicket.innerText(), new RegExp(stored.ticket.issue_number));
  const box = await newTicket.boundingBox();
  const viewport = page.viewportSize();
  assert.ok(box.y >= 0 && box.y < viewport.height, `the ticket starts in view (y = ${box.y})`);
  assert.ok(await page.evaluate(() => window.scrollY > 0), 'the page was scrolled to the ticket');
  await expectAxeClean(page, 'the issue confirmation');

  await confirmation.getByRole('link', { name: 'この医療券を印刷する' }).click();
  await page.waitForURL(`**/office/tickets/${ticketId}/print`);
  await page.getByTestId('paper-ticket').waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the printed form keeps each code, amount and date on one line on A5 (issue 14 item 10)', async () => {
  const page = await newPage(env.browser, env.url);
  await signIn(page, 'tokyo-cw');
  await page.waitForURL('**/office');
  const list = await (await page.request.get('/api/office/recipients?q=')).json();
  let ticket = null;
  for (const item of list.items) {
    const d = await (await page.request.get(`/api/office/recipients/${item.id}`)).json();
    ticket = d.tickets_by_month.flatMap((m) => m.tickets).find((t) => t.status === 'active');
    if (ticket) break;
  }
  assert.ok(ticket, 'a demo ticket');
  await page.goto(`/office/tickets/${ticket.id}/print`);
  await page.getByTestId('paper-ticket').waitFor();
  // What the printer lays out: print media, A5 inside its 8 mm margins (132 mm).
  await page.emulateMedia({ media: 'print' });
  await page.setViewportSize({ width: Math.floor((132 / 25.4) * 96), height: 900 });
  const lines = await page.locator('.paper-grid').evaluate((grid) => {
    const count = (cell) => {
      const range = document.createRange();
      range.selectNodeContents(cell);
      return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    };
    return [...grid.querySelectorAll('th, td')].map((cell) => ({
      text: cell.innerText.replace(/\s+/g, ' ').trim(),
      header: cell.tagName === 'TH',
      lines: count(cell),
    }));
  });
  // Codes (「01 単独」, 「02 なし」), 性別, dates and amounts.
  const codes = lines.filter((c) => !c.header && /^(0\d [^ ]{1,3}|男|女|\S+年\d+月\d+日|[\d,]+円)$/.test(c.text));
  assert.ok(codes.some((c) => /^0[12] (単独|併用)$/.test(c.text)), `単独・併用別 is printed: ${JSON.stringify(codes)}`);
  assert.deepEqual(codes.filter((c) => c.lines > 1), [], 'a code, amount or date wrapped');
  // A label breaks only at a word boundary: 「単独・／併用別」, never 「単独・併／用別」.
  for (const label of lines.filter((c) => c.header)) {
    assert.ok(label.lines <= 2, `${label.text}: ${label.lines} lines`);
    if (label.text.length <= 5) assert.equal(label.lines, 1, `${label.text} wrapped`);
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the supervisor sees staff by name, not login ID, as 交付者 and 地区担当員 (issue 14 item 9)', async () => {
  const page = await newPage(env.browser, env.url);
  await signIn(page, 'tokyo-sv');
  await page.waitForURL('**/office');
  const staff = await (await page.request.get('/api/office/staff')).json();
  const logins = new Set(staff.map((m) => m.login));
  const names = new Set(staff.map((m) => m.display_name));
  await page.goto('/office/supervisor');
  // The tests above issued tickets today as tokyo-cw.
  const issuedBy = page.getByTestId('issued-by');
  await issuedBy.first().waitFor();
  for (const text of await issuedBy.allInnerTexts()) {
    assert.ok(!logins.has(text), `交付者 shown as a login ID: ${text}`);
    assert.ok(names.has(text), `交付者 ${text} is a staff name`);
  }
  assert.ok((await issuedBy.allInnerTexts()).includes(staff.find((m) => m.login === 'tokyo-cw').display_name));
  for (const text of await page.getByTestId('deadline-caseworker').allInnerTexts()) {
    assert.ok(!logins.has(text), `地区担当員 shown as a login ID: ${text}`);
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
