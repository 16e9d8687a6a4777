// A recipient's 受診状況 for the caseworker (issue 13 item 2), on the demo seed: from the
// recipient's page to a calendar per month with the institution's row, the 未委託 day marked
// 「未」 (and said in words), the 事後委託 day 「事」 with its ticket listed, the month's
// counts; 健診 and 薬剤情報 as the portal has them; the period switch; axe-core clean.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, demo, newPage, signIn } from './harness.mjs';

let env;
before(async () => {
  env = await demo();
});
after(async () => {
  await env?.close();
});

/** The seed's 未委託 case with a 事後委託 day: office, 受給者番号, clinic, the two dates. */
function unentrustedCase(report) {
  const m = report.match(/(\d{8}) (\d{7})（(\S+) (\d{4}-\d{2}-\d{2})、(\d{4}-\d{2}-\d{2}) は事後委託済み）/);
  assert.ok(m, `the seed report names a 未委託 case with a 事後委託 day:\n${report}`);
  const [, office, number, clinic, unentrusted, retroactive] = m;
  return { office, number, clinic, unentrusted, retroactive };
}

/** The seed's 向精神薬 case (two clinics' drugs last month, and a 健診): office, 受給者番号. */
function healthCase(report) {
  const m = report.match(/向精神薬スクリーニングの候補（\d{4}-\d{2}）: (\d{8}) (\d{7})/);
  assert.ok(m, `the seed report names a 向精神薬 case:\n${report}`);
  return { office: m[1], number: m[2] };
}

async function signedIn(login) {
  const page = await newPage(env.browser, env.url);
  await signIn(page, login);
  await page.waitForURL('**/office');
  return page;
}

async function recipientId(page, number) {
  const list = await (await page.request.get(`/api/office/recipients?q=${number}`)).json();
  const found = list.items.find((r) => r.recipient_number === number);
  assert.ok(found, `recipient ${number} in the office`);
  return found.id;
}

test('the caseworker reads a recipient’s 受診状況: 未委託 and 事後委託 days marked in words, tickets listed', async () => {
  const seeded = unentrustedCase(env.report);
  assert.equal(seeded.office, '12131017', 'the Tokyo office’s case (tokyo-cw)');
  const page = await signedIn('tokyo-cw');
  const id = await recipientId(page, seeded.number);

  await page.goto(`/office/recipients/${id}`);
  await page.getByTestId('recipient-visits').click();
  await page.waitForURL(`**/office/recipients/${id}/visits`);
  await page.getByTestId('visits-heading').filter({ hasText: seeded.number }).waitFor();

  // Three months, newest first, each headed in 和暦 and 西暦.
  const sections = page.getByTestId('visit-month');
  await sections.first().waitFor();
  assert.equal(await sections.count(), 3);
  const month = seeded.unentrusted.slice(0, 7);
  const section = page.locator(`[data-testid="visit-month"][data-month="${month}"]`);
  const [y, mm] = month.split('-');
  const heading = await section.getByRole('heading', { level: 2 }).innerText();
  assert.match(heading, new RegExp(`^令和\\d+年${Number(mm)}月 \\(${y}/${mm}\\)$`));

  // The clinic's row in the month's table: 未 on the 未委託 day, 事 on the 事後委託 day, each
  // also in words for a screen reader.
  const row = section.getByTestId('visit-row').filter({ hasText: seeded.clinic });
  await row.waitFor();
  const unentrustedCell = row.locator(`td[data-day="${Number(seeded.unentrusted.slice(8))}"]`);
  assert.equal((await unentrustedCell.locator('.cal-mark').innerText()).trim(), '未');
  assert.equal(await unentrustedCell.locator('.visually-hidden').innerText(), '未委託・未登録');
  const retroCell = row.locator(`td[data-day="${Number(seeded.retroactive.slice(8))}"]`);
  assert.equal((await retroCell.locator('.cal-mark').innerText()).trim(), '事');
  assert.equal(await retroCell.locator('.visually-hidden').innerText(), '事後委託');
  const dayHeader = section.getByTestId('visit-grid').locator('thead th').nth(Number(seeded.unentrusted.slice(8)));
  assert.match(await dayHeader.getAttribute('abbr'), new RegExp(`^${Number(mm)}月${Number(seeded.unentrusted.slice(8))}日（[月火水木金土日]）$`));

  // The institution's days in words, its 事後委託 ticket, and the way to issue one.
  const place = section.getByTestId('visit-institution').filter({ hasText: seeded.clinic });
  const unentrustedDay = place.locator(`[data-testid="visit-day"][data-date="${seeded.unentrusted}"]`);
  assert.match(await unentrustedDay.innerText(), /未委託・未登録/);
  const retroDay = place.locator(`[data-testid="visit-day"][data-date="${seeded.retroactive}"]`);
  assert.match(await retroDay.innerText(), /事後委託（交付番号 [\d-]+）/);
  const ticket = place.getByTestId('visit-ticket');
  assert.equal(await ticket.count(), 1);
  assert.match(await ticket.innerText(), /医療券[\s\S]*事後委託/);
  assert.match(await ticket.innerText(), /令和\d+年\d+月\d+日/);
  const issue = place.getByTestId('visit-unentrusted-note').getByRole('link', { name: '医療券・調剤券を発行' });
  await issue.waitFor();
  // The 事後委託 path: the ticket form prefilled with the institution and the 未委託 day.
  const code = await place.getAttribute('data-institution');
  assert.ok((await issue.getAttribute('href')).endsWith(`/tickets/new?institution=${code}&from=${seeded.unentrusted}`));

  // The month's counts: at least the 未委託 day; the visit days at least the clinic's two.
  const unentrustedDays = Number(await section.getByTestId('visits-unentrusted-days').locator('.stat-number').innerText());
  assert.ok(unentrustedDays >= 1, `未委託 days ${unentrustedDays}`);
  const visitDays = Number(await section.getByTestId('visits-visit-days').locator('.stat-number').innerText());
  assert.ok(visitDays >= 2, `visit days ${visitDays}`);

  assert.deepEqual(await axeViolations(page), [], 'axe on the 受診状況');

  // Six months, from the period links (keyboard: a link like any other).
  await page.getByTestId('visits-months-6').focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(`**/office/recipients/${id}/visits?months=6`);
  await page.locator('[data-testid="visit-month"]').nth(5).waitFor();
  assert.equal(await page.getByTestId('visit-month').count(), 6);
  assert.equal(await page.getByTestId('visits-months-6').getAttribute('aria-current'), 'page');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('健診 and 薬剤情報 are shown as the recipient portal has them', async () => {
  const seeded = healthCase(env.report);
  assert.equal(seeded.office, '12131017');
  const page = await signedIn('tokyo-cw');
  const id = await recipientId(page, seeded.number);
  const api = await (await page.request.get(`/api/office/recipients/${id}/visits`)).json();
  assert.ok(api.health.medications.length >= 2, 'the 向精神薬 case has drugs from two clinics');
  assert.ok(api.health.checkups.length >= 1, 'and a 健診');

  await page.goto(`/office/recipients/${id}/visits`);
  const health = page.getByTestId('visits-health');
  await health.getByRole('heading', { name: '薬剤情報・健診' }).waitFor();
  const medications = health.getByTestId('clinic-medication');
  await medications.first().waitFor();
  assert.equal(await medications.count(), api.health.medications.length);
  for (const m of api.health.medications) {
    await health.getByTestId('clinic-medications').getByText(m.drug_name).first().waitFor();
  }
  assert.equal(await health.getByTestId('clinic-checkup').count(), api.health.checkups.length);
  const newest = api.health.checkups.map((c) => c.date).sort().at(-1);
  assert.equal(await health.getByTestId('clinic-checkup').first().getAttribute('data-date'), newest);
  assert.deepEqual(await axeViolations(page), [], 'axe on the 受診状況 with 健診');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('another office’s recipient: the page says not found', async () => {
  const seeded = unentrustedCase(env.report);
  const tokyo = await signedIn('tokyo-cw');
  const id = await recipientId(tokyo, seeded.number);
  await tokyo.context().close();
  const page = await signedIn('osaka-cw');
  await page.goto(`/office/recipients/${id}/visits`);
  await page.getByTestId('visits-not-found').getByText('この受給者は見つかりません').waitFor();
  assert.equal(await page.getByTestId('visit-month').count(), 0);
  await page.context().close();
});
