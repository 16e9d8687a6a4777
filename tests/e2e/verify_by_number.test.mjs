// Reception verifies eligibility by typing 公費負担者番号, 受給者番号 and 生年月日 (product.md
// §2 III): each verdict (1 有効, 6 未委託・未登録, 2 無効, 4 該当資格なし), as-you-type check
// digits, 全角 and 和暦 input, Enter to submit, 「次の方」, a pharmacy's 調剤券 with its
// 処方箋発行元, and 本日の確認. Every page passes axe-core (no serious/critical violation).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, demo, newPage, signIn } from './harness.mjs';
import { demoCases, fullWidth, verifyByNumber, warekiInput } from './reception.mjs';

let env;
let cases;
before(async () => {
  env = await demo();
  cases = await demoCases(env.url, env.data);
});
after(async () => {
  await env?.close();
});

async function openVerify(login = 'clinic') {
  const page = await newPage(env.browser, env.url);
  await signIn(page, login);
  await page.waitForURL('**/clinic');
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '資格確認' }).click();
  await page.waitForURL('**/clinic/verify');
  await page.getByTestId('verify-heading').waitFor();
  return page;
}

const focusedTestId = (page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid'));

test('1 有効: typed in 全角 and 和暦, check digits checked as typed, Enter submits, the tickets are shown', async () => {
  const page = await openVerify();
  const person = cases.valid;
  // The cursor is in the first field.
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'verify-office');

  // A wrong 検証番号 is flagged as soon as the last digit is typed, before anything is sent.
  const office = page.getByLabel('公費負担者番号（8桁）');
  const wrongLast = String((Number(person.office_number.at(-1)) + 1) % 10);
  await office.fill(person.office_number.slice(0, 7) + wrongLast);
  assert.match(await page.getByTestId('verify-office-state').innerText(), /検証番号が一致しません/);
  await office.fill(fullWidth(person.office_number));
  assert.match(await page.getByTestId('verify-office-state').innerText(), /検証番号 OK/);

  const result = await verifyByNumber(page, {
    office_number: fullWidth(person.office_number),
    recipient_number: `${person.recipient_number.slice(0, 3)}-${person.recipient_number.slice(3)}`,
    birth_date: warekiInput(person.birth_date),
  });
  assert.equal(await result.getAttribute('data-validity'), '1');
  assert.equal(await page.getByTestId('verdict-label').innerText(), '有効');
  assert.equal(await page.getByTestId('result-name').innerText(), person.name);
  assert.equal(await page.getByTestId('result-kana').innerText(), person.name_kana);
  assert.equal(await page.getByTestId('result-sex').innerText(), person.sex === '1' ? '男' : '女');
  assert.match(await page.getByTestId('result-birth').innerText(), new RegExp(person.birth_date.replaceAll('-', '/')));
  assert.match(await page.getByTestId('result-office').innerText(), new RegExp(person.office_phone));

  const todays = person.tickets.filter((t) => t.valid_from <= cases.today && cases.today <= t.valid_until);
  const shown = page.getByTestId('result-ticket');
  assert.equal(await shown.count(), todays.length);
  const first = await shown.first().innerText();
  for (const item of ['有効期間', '本人支払額', '単独・併用', '社会保険', '備考', todays[0].issue_number]) {
    assert.ok(first.includes(item), `ticket shows ${item}: ${first}`);
  }
  if (todays[0].injury_names.length) assert.ok(first.includes(todays[0].injury_names[0]));
  // Number entry carries no consent: no 薬剤情報/健診情報, and the screen says so.
  await page.getByTestId('consent-not-possible').waitFor();
  // Focus is on 「次の方」, whose description is the verdict.
  assert.equal(await focusedTestId(page), 'next-patient');
  assert.deepEqual(await axeViolations(page), []);

  // 「次の方」 clears everything and puts the cursor back in the first field.
  await page.keyboard.press('Enter');
  await page.getByTestId('verify-result').waitFor({ state: 'detached' });
  assert.equal(await office.inputValue(), '');
  assert.equal(await page.getByLabel('受給者番号（7桁）').inputValue(), '');
  await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'verify-office');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('6 未委託・未登録: what to do and the office phone, no ticket, diagnosis or other institution', async () => {
  const page = await openVerify();
  const person = cases.unentrusted;
  await verifyByNumber(page, person);
  assert.equal(await page.getByTestId('verdict-label').innerText(), '未委託・未登録');
  // The onshi code is for the レセコン-minded: not above the verdict, only in the detail line.
  assert.doesNotMatch(await page.getByTestId('verdict').innerText(), /資格有効性|\b6\b/);
  assert.match(await page.getByTestId('result-meta').innerText(), /資格有効性コード 6$/);
  const guidance = await page.getByTestId('guidance').innerText();
  assert.match(guidance, /照会/);
  assert.match(guidance, /急患/);
  assert.ok(guidance.includes(person.office_phone), guidance);
  assert.equal(await page.getByTestId('result-office-phone').innerText(), person.office_phone);
  assert.equal(await page.getByTestId('result-name').innerText(), person.name);
  assert.equal(await page.getByTestId('result-ticket').count(), 0);
  const text = await page.getByRole('main').innerText();
  for (const t of person.tickets) {
    for (const withheld of [t.institution_name, t.issue_number, t.prescriber_name, ...t.injury_names, ...t.remarks]) {
      if (withheld) assert.ok(!text.includes(withheld), `6 must not show ${withheld}`);
    }
  }
  assert.deepEqual(await axeViolations(page), []);
  await page.context().close();
});

test('2 無効 for a recipient whose 保護 ended, and 4 該当資格なし for an unknown number or a wrong birth date', async () => {
  const page = await openVerify();
  await verifyByNumber(page, cases.ended);
  assert.equal(await page.getByTestId('verdict-label').innerText(), '無効');
  assert.equal(await page.getByTestId('result-name').innerText(), cases.ended.name);
  assert.equal(await page.getByTestId('result-ticket').count(), 0);
  assert.match(await page.getByTestId('result-period').innerText(), new RegExp(cases.ended.qualified_until.replaceAll('-', '/')));
  assert.deepEqual(await axeViolations(page), []);

  await page.getByTestId('next-patient').click();
  await verifyByNumber(page, cases.unknown);
  assert.equal(await page.getByTestId('verdict-label').innerText(), '該当資格なし');
  assert.equal(await page.getByTestId('result-person').count(), 0);
  assert.equal(await page.getByTestId('result-office').count(), 0);
  assert.deepEqual(await axeViolations(page), []);

  // The right numbers with a wrong birth date: the same answer, nothing about the person.
  await page.getByTestId('next-patient').click();
  const person = cases.valid;
  const [y, m, d] = person.birth_date.split('-').map(Number);
  const wrong = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  await verifyByNumber(page, { ...person, birth_date: wrong });
  assert.equal(await page.getByTestId('verdict-label').innerText(), '該当資格なし');
  const text = await page.getByRole('main').innerText();
  assert.ok(!text.includes(person.name), 'a wrong birth date reveals nobody');
  assert.ok(!text.includes(person.office_phone), 'nor the office');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('本日の確認 lists this desk’s verifications of the day', async () => {
  const page = await openVerify();
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '本日の確認' }).click();
  await page.waitForURL('**/clinic/today');
  const rows = page.getByTestId('today-row');
  await rows.first().waitFor();
  // The checks of the tests above: 1, 6, 2, 4, 4.
  assert.ok((await rows.count()) >= 5, `rows: ${await rows.count()}`);
  const text = await page.getByTestId('today-table').innerText();
  for (const label of ['有効', '未委託・未登録', '無効', '該当資格なし']) assert.ok(text.includes(label), label);
  assert.ok(text.includes(cases.valid.name));
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a pharmacy sees its 調剤券 with the 処方箋発行元', async () => {
  const page = await openVerify('pharmacy');
  const person = cases.dispensing;
  await verifyByNumber(page, person);
  assert.equal(await page.getByTestId('verdict-label').innerText(), '有効');
  const ticket = page.getByTestId('result-ticket').first();
  assert.equal(await ticket.getByTestId('ticket-type').innerText(), '調剤券');
  const expected = person.tickets.find((t) => t.ticket_type === '02' && t.prescriber_name);
  assert.ok((await ticket.getByTestId('ticket-prescriber').innerText()).includes(expected.prescriber_name));
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
