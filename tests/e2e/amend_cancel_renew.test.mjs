// A caseworker corrects a 医療券 (訂正) and sees the new 本人支払額 on the detail page and
// through the API; cancels (取消) the only ticket a recipient has at a clinic, with a reason,
// and the clinic no longer verifies 資格有効性 1 there; issues next month's tickets from the
// preview (翌月分) and gets exactly as many as were previewed; and prints on B5 instead of A5.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { axeViolations, demo, newPage, signIn } from './harness.mjs';
import { apiAs, jstToday, verifyByNumber, warekiInput } from './reception.mjs';

let env;
let cw;
let office;
/** Tokyo recipients with their detail (fetched once; tickets are re-read where they change). */
let details;
/** The ticket cancelled in the 取消 test: left alone by the others. */
let cancelCase;

before(async () => {
  env = await demo();
  cw = await apiAs(env.url, 'tokyo-cw');
  office = (await cw.get('/api/office/home')).office_number;
  const list = await cw.get('/api/office/recipients?q=');
  details = [];
  for (const item of list.items) details.push(await cw.get(`/api/office/recipients/${item.id}`));

  // 取消: a recipient of this office whose only ticket valid today at the clinic is one ticket.
  const today = jstToday();
  const roster = await (await apiAs(env.url, 'clinic')).get('/api/verify/roster');
  for (const entry of roster.recipients) {
    if (entry.office_number !== office || entry.restricted) continue;
    if (entry.qualified_until && entry.qualified_until < today) continue;
    const valid = entry.tickets.filter((t) => t.valid_from <= today && today <= t.valid_until);
    if (valid.length !== 1 || entry.tickets.length !== 1) continue;
    const detail = details.find((d) => d.recipient_number === entry.recipient_number);
    const view = detail?.tickets_by_month
      .flatMap((m) => m.tickets)
      .find((t) => t.status === 'active' && t.ticket.issue_number === valid[0].issue_number);
    if (view) {
      cancelCase = { entry, detail, view, institution: roster.institution_code };
      break;
    }
  }
  assert.ok(cancelCase, 'a demo recipient with exactly one ticket valid today at the clinic');
});

after(async () => {
  await env?.close();
});

async function signedIn(login) {
  const page = await newPage(env.browser, env.url);
  await signIn(page, login);
  await page.waitForURL(login === 'clinic' ? '**/clinic' : '**/office');
  return page;
}

async function expectAxeClean(page, where) {
  assert.deepEqual(await axeViolations(page), [], `axe on ${where}`);
}

function thisMonth() {
  return jstToday().slice(0, 7);
}

/** An active ticket of this month, of a recipient other than the 取消 case. */
function ticketThisMonth() {
  for (const d of details) {
    if (d.id === cancelCase.detail.id) continue;
    const t = d.tickets_by_month
      .filter((m) => m.month === thisMonth())
      .flatMap((m) => m.tickets)
      .find((x) => x.status === 'active' && x.ticket.ticket_type === '01');
    if (t) return { detail: d, view: t };
  }
  return null;
}

test('訂正: amending a ticket shows the new 本人支払額 and 傷病名 on the detail page and in the API', async () => {
  const found = ticketThisMonth();
  assert.ok(found, 'a demo recipient has a 医療券 this month');
  const { detail, view } = found;
  const newAmount = view.ticket.self_pay_amount === 1200 ? 2500 : 1200;
  const newInjury = '腰痛症';

  const page = await signedIn('tokyo-cw');
  await page.goto(`/office/recipients/${detail.id}`);
  const item = page.getByTestId('office-ticket').filter({ hasText: `交付番号 ${view.ticket.issue_number}` });
  await item.waitFor();
  await item.getByTestId('amend-ticket').click();
  await page.waitForURL(`**/office/tickets/${view.id}/edit`);
  await page.getByTestId('ticket-form').waitFor();
  await expectAxeClean(page, 'the ticket amendment');
  const amount = page.getByRole('textbox', { name: /本人支払額/ });
  await amount.fill(newAmount.toLocaleString('en-US'));
  await page.getByRole('textbox', { name: '傷病名1' }).fill(newInjury);
  await page.getByTestId('ticket-submit').click();
  await page.waitForURL(new RegExp(`/office/recipients/${detail.id}\\?amended=${view.id}$`));
  const amended = page.getByTestId('office-ticket').filter({ hasText: `交付番号 ${view.ticket.issue_number}` });
  await amended.getByRole('status').getByText('医療券を訂正しました').waitFor();
  await amended.getByText(`${newAmount.toLocaleString('en-US')}円`).waitFor();
  await amended.getByText(newInjury).waitFor();
  await expectAxeClean(page, 'the detail after 訂正');

  const api = await (await page.request.get(`/api/office/tickets/${view.id}`)).json();
  assert.equal(api.ticket.self_pay_amount, newAmount);
  assert.equal(api.ticket.injury_names[0], newInjury);
  assert.equal(api.ticket.issue_number, view.ticket.issue_number, 'the 交付番号 is kept');
  assert.equal(api.status, 'active');
  assert.equal(api.updated_by !== null && api.updated_by !== undefined, true, 'the amendment is recorded');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('取消: cancelling the only ticket at the clinic, with a reason; the clinic no longer verifies 1', async () => {
  const { entry, detail, view } = cancelCase;
  const birth = warekiInput(String(entry.birth_date));

  // Before: the clinic verifies 1.
  const clinic = await signedIn('clinic');
  await clinic.goto('/clinic/verify');
  await clinic.getByTestId('verify-heading').waitFor();
  let result = await verifyByNumber(clinic, { office_number: office, recipient_number: entry.recipient_number, birth_date: birth });
  assert.equal(await result.getAttribute('data-validity'), '1', 'verdict 1 before the 取消');

  const page = await signedIn('tokyo-cw');
  await page.goto(`/office/recipients/${detail.id}`);
  const item = page.getByTestId('office-ticket').filter({ hasText: `交付番号 ${view.ticket.issue_number}` });
  await item.waitFor();
  await item.getByTestId('cancel-ticket').click();
  await item.getByTestId('cancel-form').waitFor();
  await expectAxeClean(page, 'the cancel form');
  // Without a reason: refused, with a message.
  await item.getByTestId('cancel-submit').click();
  await item.getByRole('alert').waitFor();
  assert.equal((await (await page.request.get(`/api/office/tickets/${view.id}`)).json()).status, 'active');
  await item.getByLabel('取消の理由').fill('受診先の変更のため');
  await item.getByTestId('cancel-submit').click();
  const cancelled = page.locator('.ticket-cancelled').filter({ hasText: `交付番号 ${view.ticket.issue_number}` });
  await cancelled.getByText('取消', { exact: true }).waitFor();
  await cancelled.getByText('受診先の変更のため').waitFor();
  assert.equal(await cancelled.getByTestId('print-ticket').count(), 0, 'a cancelled ticket is not printed');
  await expectAxeClean(page, 'the detail with a cancelled ticket');

  const api = await (await page.request.get(`/api/office/tickets/${view.id}`)).json();
  assert.equal(api.status, 'cancelled');
  assert.equal(api.cancel_reason, '受診先の変更のため');
  assert.deepEqual(page.problems, []);
  await page.context().close();

  // After: no 資格有効性 1 at the clinic, and the ticket is gone from its roster.
  await clinic.goto('/clinic/verify');
  await clinic.getByTestId('verify-heading').waitFor();
  result = await verifyByNumber(clinic, { office_number: office, recipient_number: entry.recipient_number, birth_date: birth });
  assert.notEqual(await result.getAttribute('data-validity'), '1', 'no verdict 1 after the 取消');
  const roster = await (await clinic.request.get('/api/verify/roster')).json();
  const after = roster.recipients.find((r) => r.office_number === office && r.recipient_number === entry.recipient_number);
  assert.ok(!after || after.tickets.every((t) => t.issue_number !== view.ticket.issue_number));
  await expectAxeClean(clinic, 'the clinic verdict after the 取消');
  assert.deepEqual(clinic.problems, []);
  await clinic.context().close();
});

test('翌月分の券: the preview lists items and skipped with reasons; issuing creates exactly as many', async () => {
  const page = await signedIn('tokyo-cw');
  await page.goto('/office/renew');
  await page.getByTestId('renew-form').waitFor();
  const [previewResponse] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/office/tickets/renew/preview')),
    page.getByTestId('renew-preview').click(),
  ]);
  assert.equal(previewResponse.status(), 200);
  const preview = await previewResponse.json();
  const count = preview.items.length;
  assert.ok(count > 0, 'the demo caseload has tickets to renew');
  await checkPreviewShown(page, preview);
  assert.ok(
    preview.items.every((i) => i.source_ticket_id !== cancelCase.view.id),
    'the cancelled ticket is not renewed',
  );
  await expectAxeClean(page, 'the renewal preview');

  // Next month's tickets of these recipients before issuing.
  const recipients = [...new Set(preview.items.map((i) => i.recipient_id))];
  const nextMonthTickets = async () => {
    let n = 0;
    for (const id of recipients) {
      const d = await (await page.request.get(`/api/office/recipients/${id}`)).json();
      n += d.tickets_by_month
        .filter((m) => m.month === preview.to_month)
        .flatMap((m) => m.tickets)
        .filter((t) => t.status === 'active').length;
    }
    return n;
  };
  const before = await nextMonthTickets();

  const commit = page.getByTestId('renew-commit');
  assert.equal(await commit.innerText(), `${count}件を発行する`);
  const [commitResponse] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/office/tickets/renew') && r.request().method() === 'POST'),
    commit.click(),
  ]);
  assert.equal(commitResponse.status(), 200);
  await page.getByTestId('renew-done').getByText(`${count}件発行しました`).waitFor();
  const created = (await commitResponse.json()).created;
  assert.equal(created.length, count);
  const afterCount = await nextMonthTickets();
  assert.equal(afterCount - before, count, `next-month tickets: ${before} → ${afterCount}`);
  for (const t of created) {
    const view = await (await page.request.get(`/api/office/tickets/${t.id}`)).json();
    assert.equal(view.ticket.treatment_month, preview.to_month);
    assert.ok(view.renewed_from, 'each new ticket names the ticket it was renewed from');
    assert.ok(view.ticket.issue_number, 'each new ticket has its 交付番号');
  }
  await expectAxeClean(page, 'the renewal result');

  // A second preview proposes nothing: every ticket renewed is now skipped, with its reason.
  const [againResponse] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/office/tickets/renew/preview')),
    page.getByTestId('renew-preview').click(),
  ]);
  const again = await againResponse.json();
  assert.equal(again.items.length, 0, 'renewing twice creates nothing more');
  assert.ok(again.skipped.length >= count);
  for (const item of preview.items) {
    const skip = again.skipped.find((s) => s.source_ticket_id === item.source_ticket_id);
    assert.ok(skip, `ticket ${item.source_ticket_id} is listed as skipped`);
    assert.match(skip.reason, /翌月分が既に交付されています（交付番号 \S+）/);
  }
  await checkPreviewShown(page, again);
  assert.equal(await page.getByTestId('renew-commit').isDisabled(), true, 'nothing to issue');
  await expectAxeClean(page, 'the renewal preview with skipped tickets');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

/** The preview on screen: the summary, one row per item, one row per skip with its reason. */
async function checkPreviewShown(page, preview) {
  const summary = `発行 ${preview.items.length}件、発行しない ${preview.skipped.length}件`;
  await page.getByTestId('renew-summary').getByText(summary).waitFor();
  assert.equal(await page.getByTestId('renew-items').locator('tbody tr').count(), preview.items.length);
  const skippedRows = page.getByTestId('renew-skipped').locator('tbody tr');
  assert.equal(await skippedRows.count(), preview.skipped.length);
  for (const [i, s] of preview.skipped.entries()) {
    assert.ok(s.reason.trim().length > 0, 'every skip has a reason');
    const row = await skippedRows.nth(i).innerText();
    assert.ok(row.includes(s.reason) && row.includes(s.recipient_number), `skipped row ${i}: ${row}`);
  }
}

/** Page size of a PDF in mm, [width, height] (pdfinfo from poppler-utils). */
function pdfPageSize(bytes) {
  const dir = mkdtempSync(join(tmpdir(), 'onshi-pdf-'));
  try {
    const file = join(dir, 'ticket.pdf');
    writeFileSync(file, bytes);
    const out = spawnSync('pdfinfo', [file], { encoding: 'utf8' });
    assert.ok(!out.error && out.status === 0, 'pdfinfo (poppler-utils) is installed');
    const m = out.stdout.match(/Page size:\s+([\d.]+) x ([\d.]+) pts/);
    assert.ok(m, out.stdout);
    return [Number(m[1]), Number(m[2])].map((pt) => Math.round((pt * 25.4) / 72));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('B5: choosing B5 on the print page prints on 182×257 mm instead of A5', async () => {
  const found = ticketThisMonth();
  assert.ok(found);
  const page = await signedIn('tokyo-cw');
  await page.goto(`/office/tickets/${found.view.id}/print`);
  await page.getByTestId('paper-ticket').waitFor();
  await expectAxeClean(page, 'the print page');
  assert.deepEqual(pdfPageSize(await page.pdf({ preferCSSPageSize: true })), [148, 210], 'A5 by default');

  await page.getByLabel('用紙').selectOption('B5');
  await page.locator('.paper-ticket.paper-b5').waitFor();
  assert.deepEqual(pdfPageSize(await page.pdf({ preferCSSPageSize: true })), [182, 257], 'B5 (JIS) when chosen');
  await expectAxeClean(page, 'the print page on B5');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
