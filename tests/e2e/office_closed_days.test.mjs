// The office's own 閉庁日 (issue 13 item 4) and the 本人確認 reminder with the printed
// 資格確認のご案内 (item 6), in the browser on the demo data.
//
// 閉庁日: the 査察指導員 adds a day typed in 和暦 and the overdue registration on the office
// home counts one 開庁日 fewer at once; removing it brings the count back. A wrong import line
// is named and nothing is written. A 地区担当員 sees the list but cannot change it.
// ご案内: reception's number form shows the 本人確認 reminder; the office prints an A4 notice
// with the 公費負担者番号 and 受給者番号, reached from the recipient page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, demo, newPage, signIn } from './harness.mjs';
import { apiAs, jstToday, warekiInput } from './reception.mjs';

let env;
let today;
before(async () => {
  env = await demo();
  today = jstToday();
});
after(async () => {
  await env?.close();
});

const addDays = (iso, n) => new Date(new Date(`${iso}T00:00:00Z`).getTime() + n * 86_400_000).toISOString().slice(0, 10);
const weekday = (iso) => new Date(`${iso}T00:00:00Z`).getUTCDay();

/**
 * A pending 保護開始 decided three weeks ago (overdue by several 開庁日) and a day after its
 * due date that is a 開庁日: closing it through the API takes one 開庁日 off (then it is
 * removed again), so the browser steps below start from the office's real calendar.
 */
async function overdueWithOpenDay() {
  const cw = await apiAs(env.url, 'tokyo-cw');
  const sv = await apiAs(env.url, 'tokyo-sv');
  const created = await cw.post('/api/office/recipients', {
    name: '閉庁　確認', name_kana: 'ヘイチョウ　カクニン', sex: '1', birth_date: '1975-05-05',
  });
  const decided = addDays(today, -21);
  await cw.post(`/api/office/recipients/${created.id}/qualification`, {
    kind: 'start', effective_date: decided, decision_date: decided, register: false,
  });
  const find = async () => {
    const list = await sv.get('/api/office/deadlines');
    return list.overdue.find((d) => d.recipient_id === created.id);
  };
  const item = await find();
  assert.ok(item?.open_days_overdue >= 2, JSON.stringify(item));
  for (let d = addDays(item.due_date, 1); d <= today; d = addDays(d, 1)) {
    if (weekday(d) === 0 || weekday(d) === 6) continue;
    await sv.post('/api/office/closed-days', { date: d, reason: '確認用' });
    const open = (await find()).open_days_overdue;
    await sv.del(`/api/office/closed-days/${d}`);
    if (open === item.open_days_overdue - 1) return { item, day: d };
  }
  throw new Error(`no 開庁日 after ${item.due_date}`);
}

async function overdueCell(page, item) {
  await page.goto('/office');
  const row = page
    .locator('table[data-testid="deadlines-overdue"]')
    .getByTestId('deadline-row')
    .filter({ hasText: item.recipient_number });
  return row.getByTestId('deadline-overdue').innerText();
}

test('閉庁日: the supervisor adds a day in 和暦, the deadline moves at once, removing it brings it back', async () => {
  const { item, day } = await overdueWithOpenDay();
  const page = await newPage(env.browser, env.url);
  await signIn(page, 'tokyo-sv');
  await page.waitForURL('**/office');
  const before = `${item.open_days_overdue}開庁日`;
  assert.equal(await overdueCell(page, item), before);

  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '閉庁日' }).click();
  await page.waitForURL('**/office/closed-days');
  await page.getByTestId('closed-days-heading').waitFor();
  await page.getByLabel('日付').fill(warekiInput(day));
  assert.match(await page.getByTestId('closed-day-date-error').innerText(), new RegExp(day.replaceAll('-', '/')));
  await page.getByLabel('名称').fill('市の創立記念日');
  await page.getByLabel('名称').press('Enter');
  await page.getByTestId('closed-days-done').filter({ hasText: '追加しました' }).waitFor();
  const row = page.getByTestId('closed-day-row').filter({ hasText: '市の創立記念日' });
  assert.match(await row.innerText(), new RegExp(day.replaceAll('-', '/')));
  assert.match(await row.innerText(), /令和|平成/);
  assert.deepEqual(await axeViolations(page), []);

  assert.equal(await overdueCell(page, item), `${item.open_days_overdue - 1}開庁日`, 'one 開庁日 fewer at once');

  await page.goto('/office/closed-days');
  await page.getByTestId('closed-day-row').filter({ hasText: '市の創立記念日' }).getByTestId('closed-day-remove').click();
  await page.getByTestId('closed-days-done').filter({ hasText: '削除しました' }).waitFor();
  assert.equal(await page.getByTestId('closed-day-row').filter({ hasText: '市の創立記念日' }).count(), 0);
  assert.equal(await overdueCell(page, item), before, 'the deadline is back');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('閉庁日: an import with a wrong line names it and writes nothing; a good list is added', async () => {
  const page = await newPage(env.browser, env.url);
  await signIn(page, 'tokyo-sv');
  await page.waitForURL('**/office');
  await page.goto('/office/closed-days');
  await page.getByTestId('closed-days-heading').waitFor();
  // The list has drawn (the demo seeds one 閉庁日) before it is counted.
  await page.getByTestId('closed-day-row').first().waitFor();
  const rowsBefore = await page.getByTestId('closed-day-row').count();
  const year = Number(today.slice(0, 4)) + 1;
  const box = page.getByLabel('閉庁日の一覧（1行に1日）');
  await box.fill(`${year}-06-24,庁舎点検\n${year}-02-30\n`);
  await page.getByTestId('closed-day-import-submit').click();
  const errors = page.getByTestId('closed-day-import-errors');
  await errors.getByRole('alert').waitFor();
  assert.match(await errors.innerText(), /2行目「\d{4}-02-30」: 存在しない日付です/);
  assert.equal(await page.getByTestId('closed-day-row').count(), rowsBefore, 'nothing written');

  await box.fill(`日付,名称\n${year}-06-24,庁舎点検\n${year}-06-25,庁舎点検\n`);
  await page.getByTestId('closed-day-import-submit').click();
  await page.getByTestId('closed-days-done').filter({ hasText: '取り込みました' }).waitFor();
  assert.equal(await page.getByTestId('closed-day-row').filter({ hasText: '庁舎点検' }).count(), 2);
  assert.deepEqual(await axeViolations(page), []);
  await page.context().close();

  // A 地区担当員 sees the list and no way to change it.
  const cw = await newPage(env.browser, env.url);
  await signIn(cw, 'tokyo-cw');
  await cw.waitForURL('**/office');
  await cw.goto('/office/closed-days');
  await cw.getByTestId('closed-days-readonly').waitFor();
  assert.equal(await cw.getByTestId('closed-day-row').filter({ hasText: '庁舎点検' }).count(), 2);
  assert.equal(await cw.getByTestId('closed-day-form').count(), 0);
  assert.equal(await cw.getByTestId('closed-day-remove').count(), 0);
  assert.deepEqual(cw.problems, []);
  await cw.context().close();
});

test('番号入力 shows the 本人確認 reminder next to the form', async () => {
  const page = await newPage(env.browser, env.url);
  await signIn(page, 'clinic');
  await page.waitForURL('**/clinic');
  await page.goto('/clinic/verify');
  const form = page.getByTestId('verify-number-form');
  await form.waitFor();
  const reminder = form.getByTestId('identity-reminder');
  assert.ok(await reminder.isVisible());
  assert.match(await reminder.innerText(), /本人確認/);
  assert.match(await reminder.innerText(), /保護決定通知書/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('資格確認のご案内: printed on A4 from the recipient page with both numbers, 和暦 and the office phone', async () => {
  const cw = await apiAs(env.url, 'tokyo-cw');
  const found = await cw.get('/api/office/recipients?status=active');
  const recipient = found.items[0];
  assert.ok(recipient, 'the demo has an active recipient');
  const page = await newPage(env.browser, env.url);
  await signIn(page, 'tokyo-cw');
  await page.waitForURL('**/office');
  await page.goto(`/office/recipients/${recipient.id}`);
  await page.getByTestId('print-notice').click();
  await page.waitForURL(`**/office/recipients/${recipient.id}/notice`);
  const notice = page.getByTestId('paper-notice');
  await notice.waitFor();
  assert.equal(await notice.getByTestId('notice-payer').innerText(), '12131017');
  assert.equal(await notice.getByTestId('notice-recipient-number').innerText(), recipient.recipient_number);
  const text = await notice.innerText();
  assert.match(text, /医療扶助の資格確認のご案内/);
  assert.match(text, /マイナンバーカード/);
  assert.ok(text.includes(recipient.name), text);
  const date = await notice.getByTestId('notice-date').innerText();
  assert.match(date, /^令和\d+年\d+月\d+日 \(\d{4}\/\d{2}\/\d{2}\)$/);
  assert.ok(date.includes(today.replaceAll('-', '/')), date);
  assert.match(await notice.getByTestId('notice-phone').innerText(), /^電話 [\d-]+$/);
  assert.deepEqual(await axeViolations(page), []);

  // On paper: only the notice, on a named A4 page.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.getByTestId('notice-print').isVisible(), false);
  assert.equal(await page.locator('.site-header').isVisible(), false);
  assert.ok(await notice.isVisible());
  assert.equal(await notice.evaluate((e) => getComputedStyle(e).page), 'notice');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
