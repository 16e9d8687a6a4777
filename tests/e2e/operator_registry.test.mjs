// The operator's compliance table and institution registry (issue 13 item 7), in the
// browser on the demo data.
//
// Compliance: the seed leaves the first office a 再開 registered late, a 医療券 issued after
// the decision day it covers and a daily feed nobody fetched; the operator sees each count
// on the first office's line (worst office first) and opens its cases, listed by 受給者番号.
// Registry: the operator finds a clinic, marks it no longer online and 廃止 (typed in 和暦),
// and sees the audit line (field, before → after, who); a new institution with a wrong check
// digit is refused in Japanese, naming the 医療機関コード; the caseworker's picker then shows
// the clinic as 廃止 with its day and does not choose it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, demo, newPage, signIn } from './harness.mjs';
import { apiAs } from './reception.mjs';

let env;
before(async () => {
  env = await demo();
});
after(async () => {
  await env?.close();
});

test('compliance: the seeded cases show on the first office line and in its drill-down', async () => {
  const operator = await apiAs(env.url, 'operator');
  const table = await operator.get('/api/operator/compliance');
  const worst = table.offices[0];
  assert.ok(worst.late_registrations >= 1 && worst.late_tickets >= 1 && worst.unfetched_feeds >= 1, JSON.stringify(worst));

  const page = await newPage(env.browser, env.url);
  await signIn(page, 'operator');
  await page.waitForURL('**/operator');
  const rows = page.getByTestId('compliance-table').getByTestId('compliance-row');
  await rows.first().waitFor();
  const first = rows.first();
  assert.equal(await first.getAttribute('data-office'), worst.office_number);
  assert.equal(await first.getByTestId('late-registrations').innerText(), String(worst.late_registrations));
  assert.equal(await first.getByTestId('late-tickets').innerText(), String(worst.late_tickets));
  assert.equal(await first.getByTestId('unfetched-feeds').innerText(), String(worst.unfetched_feeds));
  await page.getByTestId('compliance-help').locator('summary').click();
  assert.match(await page.getByTestId('compliance-help').innerText(), /2開庁日/);

  await first.getByTestId('compliance-open').click();
  const detail = page.getByTestId('compliance-detail');
  await detail.waitFor();
  const registrations = await detail.getByTestId('detail-registrations').innerText();
  assert.match(registrations, /保護再開/);
  assert.match(registrations, /\d{7}/);
  assert.ok((await detail.getByTestId('detail-tickets').locator('tbody tr').count()) >= 1);
  assert.ok((await detail.getByTestId('detail-feeds').locator('tbody tr').count()) >= 1);
  assert.deepEqual(await axeViolations(page), []);
  await page.close();
});

test('registry: the operator marks a clinic 廃止 and sees the audit line; a wrong code is refused', async () => {
  const operator = await apiAs(env.url, 'operator');
  const clinics = await operator.get('/api/operator/institutions?q=131');
  // Not the first (the demo clinic account's own): another online clinic of Tokyo.
  const clinic = clinics.items.filter((i) => i.online_capable && !i.abolished_on)[1];
  assert.ok(clinic, JSON.stringify(clinics.items.slice(0, 3)));

  const page = await newPage(env.browser, env.url);
  await signIn(page, 'operator');
  await page.waitForURL('**/operator');
  await page.getByTestId('registry-q').fill(clinic.code);
  await page.getByTestId('registry-search').getByRole('button', { name: '検索' }).click();
  const row = page.getByTestId('registry-table').locator(`tr[data-code="${clinic.code}"]`);
  await row.getByTestId('registry-open').click();
  await page.getByTestId('institution-form').waitFor();
  await page.getByTestId('inst-online').uncheck();
  await page.getByLabel('廃止年月日').fill('令和7年3月31日');
  await page.getByTestId('inst-save').click();
  await page.getByTestId('registry-done').waitFor({ state: 'visible' });
  assert.match(await page.getByTestId('registry-done').innerText(), /保存しました/);
  const lines = page.getByTestId('change-trail').getByTestId('change-line');
  const trail = await lines.allInnerTexts();
  assert.ok(trail.some((l) => /廃止年月日/.test(l) && /2025-03-31/.test(l) && /operator/.test(l)), trail.join('\n'));
  assert.ok(trail.some((l) => /オンライン資格確認/.test(l) && /対応/.test(l) && /未対応/.test(l)), trail.join('\n'));
  const stored = await operator.get(`/api/operator/institutions/${clinic.code}`);
  assert.equal(stored.institution.abolished_on, '2025-03-31');
  assert.equal(stored.institution.online_capable, false);

  // A new institution with a wrong 検証番号: named in Japanese, nothing sent.
  await page.getByTestId('registry-new').click();
  const wrong = `${clinic.code.slice(0, 9)}${(Number(clinic.code[9]) + 1) % 10}`;
  await page.getByTestId('inst-code').fill(wrong);
  await page.getByTestId('inst-name').fill('新しい診療所');
  await page.getByTestId('inst-save').click();
  assert.match(await page.getByTestId('inst-code-error').innerText(), /医療機関コード.*検証番号/);
  assert.match(await page.getByTestId('error-summary').innerText(), /医療機関コード/);
  const after = await operator.get(`/api/operator/institutions?q=${wrong}`);
  assert.equal(after.items.length, 0);
  assert.deepEqual(await axeViolations(page), []);
  await page.close();

  // The caseworker's institution picker still finds the abolished clinic, says it is 廃止
  // with the day, and does not choose it.
  const cw = await apiAs(env.url, 'tokyo-cw');
  const recipient = (await cw.get('/api/office/recipients?q=')).items[0];
  const desk = await newPage(env.browser, env.url);
  await signIn(desk, 'tokyo-cw');
  await desk.waitForURL('**/office');
  await desk.goto(`/office/recipients/${recipient.id}/tickets/new`);
  await desk.getByLabel('コードまたは名称で検索').first().fill(clinic.code);
  await desk.getByLabel('コードまたは名称で検索').first().press('Enter');
  await desk.locator('#t-institution-status').getByText('廃止された医療機関です').waitFor();
  const option = desk.getByTestId('t-institution-select').locator(`option[value="${clinic.code}"]`);
  assert.match(await option.innerText(), /廃止 令和7年3月31日/);
  assert.equal((await desk.getByTestId('t-institution-chosen').innerText()).trim(), '未選択');
  await desk.close();
});
