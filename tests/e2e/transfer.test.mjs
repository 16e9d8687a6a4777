// 転居 (issue 11): a recipient of みなと台区 moves to なにわ北市. The Osaka caseworker registers
// them with their 個人番号, is told that the person is registered at another office and
// confirms the 転居; registering the 保護開始 sends the Tokyo office a 廃止 to register, which
// the Tokyo caseworker registers from the recipient page. A clinic typing the old numbers
// then sees 「無効（新しい資格あり）」 with the Osaka office to phone (never its numbers), and
// the recipient's card — issued for the Tokyo record — still signs them in, now to Osaka.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PIN, axeViolations, demo, newPage, signIn } from './harness.mjs';
import { apiAs, jstToday, verifyByNumber, warekiInput } from './reception.mjs';

const TOKYO = '12131017';

let env;
let card; // { file, number }
before(async () => {
  env = await demo();
  const dir = join(env.data, 'demo-cards');
  const cards = readdirSync(dir)
    .filter((f) => f.startsWith(`${TOKYO}-`) && f.endsWith('.card.json'))
    .sort()
    .map((f) => ({ file: join(dir, f), subject: JSON.parse(readFileSync(join(dir, f), 'utf8')).certificate.subject }));
  // A Tokyo card holder without 閲覧制限.
  const tokyo = await apiAs(env.url, 'tokyo-cw');
  for (const c of cards) {
    const found = await tokyo.get(`/api/office/recipients?q=${c.subject.recipient_number}`);
    const item = found.items.find((i) => i.recipient_number === c.subject.recipient_number);
    if (item && !item.restricted) {
      card = { file: c.file, number: c.subject.recipient_number, id: item.id };
      break;
    }
  }
  assert.ok(card, 'a demo card of the Tokyo office');
});
after(async () => {
  await env?.close();
});

/** A valid 個人番号: 11 digits + the mod-11 check digit (weights 6,5,4,3,2,7,6,5,4,3,2). */
function individualNumber(body) {
  const weights = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
  const sum = [...body].reduce((s, c, i) => s + Number(c) * weights[i], 0);
  const r = sum % 11;
  return body + String(r <= 1 ? 0 : 11 - r);
}

async function signedIn(login, home) {
  const page = await newPage(env.browser, env.url);
  await signIn(page, login);
  await page.waitForURL(`**/${home}`);
  return page;
}

test('a 転居 between offices: confirmed, linked, old numbers answer 3, the card keeps working', async () => {
  const number = individualNumber('20240601123');
  const today = jstToday();

  // Tokyo: the caseworker records the person's 個人番号 (from the マイナンバーカード).
  const tokyo = await signedIn('tokyo-cw', 'office');
  await tokyo.goto(`/office/recipients/${card.id}/edit`);
  await tokyo.getByRole('textbox', { name: /個人番号/ }).fill(number);
  await tokyo.getByTestId('recipient-submit').click();
  await tokyo.waitForURL(`**/office/recipients/${card.id}`);
  const person = await (await tokyo.request.get(`/api/office/recipients/${card.id}`)).json();

  // Osaka: registering the same person asks whether this is a 転居.
  const osaka = await signedIn('osaka-cw', 'office');
  await osaka.goto('/office/recipients/new');
  await osaka.getByRole('textbox', { name: /^氏名/ }).first().fill(person.name);
  await osaka.getByRole('textbox', { name: /氏名カナ/ }).fill(person.name_kana);
  await osaka.getByRole('radio', { name: person.sex === '1' ? '男' : '女' }).check();
  await osaka.getByRole('textbox', { name: /生年月日/ }).fill(warekiInput(person.birth_date));
  await osaka.getByRole('textbox', { name: /個人番号/ }).fill(number);
  await osaka.getByTestId('recipient-submit').click();
  const warning = osaka.getByTestId('transfer-warning');
  await warning.waitFor();
  const said = await warning.innerText();
  assert.match(said, /みなと台区福祉事務所/);
  assert.ok(!said.includes(card.number), 'the other office\'s numbers are never shown');
  assert.deepEqual(await axeViolations(osaka), [], 'axe on the 転居 question');
  await osaka.getByTestId('confirm-transfer').click();
  await osaka.waitForURL(/\/office\/recipients\/\d+$/);
  const osakaId = osaka.url().split('/').pop();

  // Osaka registers its 保護開始 today.
  await osaka.getByTestId('q-kind').selectOption('start');
  await osaka.getByRole('textbox', { name: /効力発生日/ }).fill(today);
  await osaka.getByRole('textbox', { name: /決定日/ }).fill(today);
  await osaka.getByTestId('q-submit').click();
  await osaka.getByTestId('q-done').filter({ hasText: '登録しました' }).waitFor();
  await osaka.getByTestId('qualification-transfers').getByText(/転居元: みなと台区福祉事務所/).waitFor();
  await osaka.getByTestId('qualification-period').first().waitFor();
  const osakaRecord = await (await osaka.request.get(`/api/office/recipients/${osakaId}`)).json();

  // Tokyo: the 廃止 sent by the 転居 waits on the recipient page; the caseworker registers it.
  await tokyo.goto(`/office/recipients/${card.id}`);
  const pendingRow = tokyo.getByTestId('qualification-row').filter({ hasText: '転居先の福祉事務所の保護開始による' });
  await pendingRow.waitFor();
  assert.match(await pendingRow.innerText(), /廃止/);
  assert.deepEqual(await axeViolations(tokyo), [], 'axe on the recipient page with a 転居');
  await pendingRow.getByRole('button', { name: '資格を登録' }).click();
  await tokyo.getByTestId('qualification-transfers').getByText(/転居先: なにわ北市福祉事務所/).waitFor();
  if (process.env.SCREENSHOTS) await tokyo.screenshot({ path: join(process.env.SCREENSHOTS, 'tokyo-record.png'), fullPage: true });
  const tokyoText = await tokyo.locator('main').innerText();
  assert.ok(!tokyoText.includes(osakaRecord.recipient_number), 'Tokyo never sees the Osaka numbers');

  // A Tokyo clinic types the old numbers: 3, the Osaka office to phone, never its numbers.
  const clinic = await signedIn('clinic', 'clinic');
  await clinic.goto('/clinic/verify');
  await clinic.getByTestId('verify-heading').waitFor();
  const result = await verifyByNumber(clinic, {
    office_number: TOKYO,
    recipient_number: card.number,
    birth_date: warekiInput(person.birth_date),
  });
  assert.equal(await result.getAttribute('data-validity'), '3');
  assert.equal(await clinic.getByTestId('verdict-label').innerText(), '無効（新しい資格あり）');
  assert.equal(await clinic.getByTestId('result-office-name').innerText(), 'なにわ北市福祉事務所');
  const resultText = await result.innerText();
  assert.ok(!resultText.includes(osakaRecord.recipient_number) && !resultText.includes(osakaRecord.office_number), resultText);
  assert.match(await clinic.getByTestId('guidance').innerText(), /別の福祉事務所に新しい資格/);
  assert.deepEqual(await axeViolations(clinic), [], 'axe on verdict 3');
  if (process.env.SCREENSHOTS) await clinic.screenshot({ path: join(process.env.SCREENSHOTS, 'verdict-3.png'), fullPage: true });

  // The recipient's card (issued for the Tokyo record) signs in to the Osaka record.
  const me = await newPage(env.browser, env.url, { width: 375, height: 812 });
  await me.goto('/login');
  await me.getByTestId('login-tab-card').click();
  await me.getByTestId('card-file').setInputFiles(card.file);
  await me.getByTestId('card-method-pin').click();
  await me.getByTestId('card-pin').fill(DEMO_PIN);
  await me.getByTestId('card-submit').click();
  await me.waitForURL('**/me');
  assert.equal(await me.getByTestId('recipient-office').innerText(), 'なにわ北市福祉事務所');
  assert.equal(await me.getByTestId('recipient-number').innerText(), osakaRecord.recipient_number);

  for (const page of [tokyo, osaka, clinic, me]) {
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
});
