// The office home's alerts (issue 13 item 1): on the demo data the caseworker signed in sees
// yesterday's 未委託受診 and the month's 頻回受診 alerts for their own recipients, follows the
// 事後委託 path to the ticket form prefilled with the institution and the day, marks an alert
// 対応済み, and finds it in the 処理済み history with their name. The page passes axe-core.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, demo, newPage, signIn } from './harness.mjs';
import { jstToday } from './reception.mjs';

let env;
before(async () => {
  env = await demo();
});
after(async () => {
  await env?.close();
});

function yesterday() {
  const d = new Date(`${jstToday()}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

async function officeHome(login) {
  const page = await newPage(env.browser, env.url);
  await signIn(page, login);
  await page.waitForURL('**/office');
  await page.getByTestId('office-home-heading').waitFor();
  await page.getByTestId('alert-row').first().waitFor();
  return page;
}

test('the caseworker sees both alert kinds, issues the 事後委託 ticket that settles one and marks another handled', async () => {
  const page = await officeHome('tokyo-cw');
  assert.match(env.report, /^アラート（.*）: [1-9]\d*件$/m, 'the seed built the alerts');

  // Their own recipients only, by default, each marked.
  assert.equal(await page.getByTestId('alerts-only-mine').isChecked(), true);
  const rows = page.getByTestId('alert-row');
  assert.equal(await rows.count(), await page.getByTestId('alert-mine').count());

  // Yesterday's 未委託 visit: recipient, institution, the day in 和暦 and 西暦.
  const day = yesterday();
  const unentrusted = page.locator(`[data-testid=alert-row][data-kind=unentrusted]:has(time[datetime="${day}"])`);
  assert.equal(await unentrusted.count(), 1, `one 未委託 alert of ${day}`);
  const [y, m, d] = day.split('-');
  assert.match(await unentrusted.innerText(), new RegExp(`\\(${y}/${m}/${d}\\)`));
  const recipientName = await unentrusted.locator('th a').innerText();
  const institutionName = (await unentrusted.locator('td').first().innerText()).split('\n')[0].trim();
  assert.ok(recipientName && institutionName);

  // The month's 頻回受診: the count of days and the dates.
  const frequent = page.locator('[data-testid=alert-row][data-kind=frequent_visits]');
  assert.ok((await frequent.count()) >= 1, 'a 頻回受診 alert');
  assert.match(await frequent.first().getByTestId('alert-days').innerText(), /: \d+日（3か月で\d+日）/);

  assert.deepEqual(await axeViolations(page), []);

  // The 事後委託 path: the ticket form for that recipient, with the institution and the day.
  const unentrustedId = await unentrusted.getAttribute('data-id');
  await unentrusted.getByTestId('alert-retroactive').click();
  await page.waitForURL(/\/office\/recipients\/\d+\/tickets\/new\?institution=\d{10}&from=\d{4}-\d{2}-\d{2}$/);
  await page.getByTestId('ticket-prefill').waitFor();
  assert.match(await page.getByTestId('ticket-recipient').innerText(), new RegExp(recipientName));
  assert.equal(await page.locator('#t-from').inputValue(), day);
  await page.getByTestId('t-institution-chosen').getByText(institutionName).waitFor();
  await page.locator('#t-retroactive').waitFor();
  assert.deepEqual(await axeViolations(page), []);
  // Issued, the ticket settles the alert (事後委託, in 処理済み below).
  await page.getByRole('textbox', { name: '傷病名1' }).fill('急性胃腸炎');
  await page.locator('#t-retroactive').fill('夜間の急病（救急外来）');
  await page.getByTestId('ticket-submit').click();
  await page.waitForURL(/\/office\/recipients\/\d+\?issued=\d+$/);

  // Back home: mark a 頻回受診 alert handled with what was done.
  await page.goto('/office');
  await page.getByTestId('alert-row').first().waitFor();
  const target = page.locator('[data-testid=alert-row][data-kind=frequent_visits]').first();
  const id = await target.getAttribute('data-id');
  await target.getByTestId('alert-handle').click();
  // 対象外 without a reason is refused on the page.
  await target.getByTestId('alert-action').selectOption('not_applicable');
  await target.getByTestId('alert-save').click();
  assert.match(await target.getByTestId('alert-error').innerText(), /理由/);
  await target.getByTestId('alert-action').selectOption('guidance');
  await target.getByTestId('alert-note').fill('通院について本人と面談');
  await target.getByTestId('alert-save').click();
  await page.locator(`[data-testid=alert-row][data-id="${id}"]`).waitFor({ state: 'detached' });

  // It is in the 処理済み history with who and what, and stays there after a reload.
  await page.reload();
  await page.getByTestId('alert-row').first().waitFor();
  assert.equal(await page.locator(`[data-testid=alert-row][data-id="${id}"]`).count(), 0);
  await page.getByTestId('alerts-history').locator('summary').click();
  const handled = page.locator(`[data-testid=alert-handled-row][data-id="${id}"]`);
  await handled.waitFor();
  assert.equal(await handled.getByTestId('alert-handled-by').innerText(), '山川 太郎');
  assert.match(await handled.getByTestId('alert-handled-action').innerText(), /指導（通院について本人と面談）/);
  assert.equal(await page.locator(`[data-testid=alert-row][data-id="${unentrustedId}"]`).count(), 0);
  const settled = page.locator(`[data-testid=alert-handled-row][data-id="${unentrustedId}"]`);
  assert.match(await settled.getByTestId('alert-handled-action').innerText(), /事後委託.*交付番号/);
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(page.problems, []);
});

test('the supervisor sees the office alerts, none marked as their own', async () => {
  const page = await officeHome('tokyo-sv');
  assert.equal(await page.getByTestId('alerts-only-mine').count(), 0, 'no caseload, no filter');
  assert.equal(await page.getByTestId('alert-mine').count(), 0);
  assert.ok((await page.locator('[data-testid=alert-row][data-kind=unentrusted]').count()) >= 1);
  assert.deepEqual(page.problems, []);
});
