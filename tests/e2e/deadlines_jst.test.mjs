// The deadline lists (office home, supervisor view) at 00:30 JST, when the UTC date is still
// yesterday (issue 14 item 2): "today" is the JST day, and a registration past its due date is
// listed and labelled overdue even when only closed days have passed since (a weekend, a
// holiday, the office's own 閉庁日) — never 「本日期限」 under 期限超過.
//
// The browser's clock is set to 00:30 JST today (Playwright's clock); the server's today is its
// own JST day. The office's calendar closes every day after the latest overdue due date up to
// today (as on a Saturday morning after a Friday deadline).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, demo, newPage, signIn } from './harness.mjs';
import { apiAs, jstToday } from './reception.mjs';

let env;
let today;
/** The overdue registration whose due date is the latest. */
let overdue;

/** Close every day in (fromExclusive, toInclusive] through the office's 閉庁日 import. */
async function closeOfficeDays(url, fromExclusive, toInclusive) {
  const days = [];
  for (let d = new Date(`${fromExclusive}T00:00:00Z`); ; ) {
    d = new Date(d.getTime() + 86_400_000);
    const iso = d.toISOString().slice(0, 10);
    if (iso > toInclusive) break;
    days.push(`${iso},臨時閉庁`);
  }
  const sv = await apiAs(url, 'tokyo-sv');
  await sv.post('/api/office/closed-days/import', { text: days.join('\n') });
}

before(async () => {
  env = await demo();
  today = jstToday();
  const cw = await apiAs(env.url, 'tokyo-cw');
  const list = await cw.get('/api/office/deadlines?all=true');
  overdue = [...list.overdue].sort((a, b) => b.due_date.localeCompare(a.due_date))[0];
  assert.ok(overdue, 'the demo seeds an overdue registration');
  await closeOfficeDays(env.url, overdue.due_date, today);
  const closed = await cw.get('/api/office/deadlines?all=true');
  const item = closed.overdue.find((d) => d.event_id === overdue.event_id);
  assert.equal(item?.open_days_overdue, 0, 'no 開庁日 has passed since its due date');
});

after(async () => {
  await env?.close();
});

/** A signed-in page whose clock reads 00:30 JST today (UTC: 15:30 the day before). */
async function atHalfPastMidnight(login) {
  const page = await newPage(env.browser, env.url);
  const night = new Date(`${today}T00:30:00+09:00`);
  await page.clock.setFixedTime(night);
  assert.notEqual(night.toISOString().slice(0, 10), today, 'the UTC date is yesterday');
  await signIn(page, login);
  await page.waitForURL('**/office');
  return page;
}

/** The 「超過」 cell of a deadline row (the fifth cell after the recipient). */
const overdueCell = (row) => row.locator('td').nth(4);

async function assertLabels(table, todayTable) {
  for (const row of await table.getByTestId('deadline-row').all()) {
    assert.notEqual(await overdueCell(row).innerText(), '本日期限', 'an overdue row is not due today');
  }
  const row = table.getByTestId('deadline-row').filter({ hasText: overdue.recipient_number });
  assert.equal(await overdueCell(row).innerText(), '期限超過（期限後は閉庁日）');
  if ((await todayTable.evaluate((e) => e.tagName)) === 'TABLE') {
    for (const due of await todayTable.getByTestId('deadline-row').all()) {
      assert.equal(await overdueCell(due).innerText(), '本日期限');
    }
  }
}

test('office home at 00:30 JST: the overdue row is overdue, not 本日期限', async () => {
  const page = await atHalfPastMidnight('tokyo-cw');
  const overdueTable = page.locator('table[data-testid="deadlines-overdue"]');
  await overdueTable.waitFor();
  await assertLabels(overdueTable, page.getByTestId('deadlines-today'));
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('supervisor view at 00:30 JST: today is the JST day and the overdue row is overdue', async () => {
  const page = await atHalfPastMidnight('tokyo-sv');
  await page.goto('/office/supervisor');
  const overdueTable = page.locator('table[data-testid="supervisor-overdue"]');
  await overdueTable.waitFor();
  const lead = await page.locator('.lead').first().innerText();
  assert.ok(lead.includes(`(${today.replaceAll('-', '/')})`), `${lead}: the JST day ${today}`);
  await assertLabels(overdueTable, page.getByTestId('supervisor-due-today'));
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
