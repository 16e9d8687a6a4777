// Reception verifies eligibility with the mock マイナンバーカード (product.md §2 III): the
// reader loads the card file, 顔認証 (一致/不一致) or PIN (3 tries), the browser signs a
// fresh server challenge in WebAssembly, the recipient answers the 本人同意 screen, and
// the server records the verification and the consent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PIN, axeViolations, demo, newPage, signIn } from './harness.mjs';
import { apiAs, jstToday } from './reception.mjs';

let env;
/** [{ file, office_number, recipient_number, login, entry }] for card holders with a ticket today at `login`. */
let holders;
let cardFiles;
before(async () => {
  env = await demo();
  const dir = join(env.data, 'demo-cards');
  cardFiles = readdirSync(dir)
    .filter((f) => f.endsWith('.card.json'))
    .sort()
    .map((f) => {
      const [office_number, recipient_number] = f.replace('.card.json', '').split('-');
      return { file: join(dir, f), office_number, recipient_number };
    });
  const today = jstToday();
  holders = [];
  for (const login of ['clinic', 'pharmacy', 'dental']) {
    const roster = await (await apiAs(env.url, login)).get('/api/verify/roster');
    for (const card of cardFiles) {
      const entry = roster.recipients.find(
        (r) => r.office_number === card.office_number && r.recipient_number === card.recipient_number,
      );
      if (entry?.tickets.some((t) => t.valid_from <= today && today <= t.valid_until)) holders.push({ ...card, login, entry });
    }
  }
  assert.ok(holders.length >= 2, `card holders with a ticket today: ${holders.length}`);
});
after(async () => {
  await env?.close();
});

async function openCardTab(login) {
  const page = await newPage(env.browser, env.url);
  await signIn(page, login);
  await page.waitForURL('**/clinic');
  await page.goto('/clinic/verify');
  await page.getByTestId('verify-tab-card').click();
  await page.getByTestId('card-file').waitFor({ state: 'attached' });
  return page;
}

test('card with 顔認証 (a mismatch first, then a match), consent to 薬剤情報 only: 有効 and the consent is recorded', async () => {
  const holder = holders[0];
  const page = await openCardTab(holder.login);
  await page.getByTestId('card-file').setInputFiles(holder.file);
  assert.equal(await page.getByTestId('card-holder').innerText(), holder.entry.name);
  await page.getByTestId('card-method-face').click();
  await page.getByTestId('face-mismatch').click();
  assert.match(await page.getByRole('alert').innerText(), /顔認証で本人と確認できませんでした/);
  await page.getByTestId('face-match').click();
  await page.getByTestId('face-ok').waitFor();
  await page.getByTestId('card-pin').fill(DEMO_PIN);
  await page.getByTestId('card-pin').press('Enter');

  // 本人同意: the recipient chooses on the reader's screen.
  await page.getByTestId('consent-form').waitFor();
  assert.deepEqual(await axeViolations(page), []);
  await page.getByLabel(/薬剤情報.*同意する/).check();
  await page.getByTestId('consent-submit').click();

  const result = page.getByTestId('verify-result');
  await result.waitFor();
  assert.equal(await result.getAttribute('data-validity'), '1');
  assert.equal(await page.getByTestId('verdict-label').innerText(), '有効');
  assert.equal(await page.getByTestId('result-name').innerText(), holder.entry.name);
  assert.ok((await page.getByTestId('result-ticket').count()) >= 1);
  assert.equal(await page.getByTestId('consent-drug-state').innerText(), '同意あり');
  assert.equal(await page.getByTestId('consent-checkup-state').innerText(), '同意なし');
  assert.match(await page.getByTestId('result-meta').innerText(), /マイナンバーカード/);
  assert.deepEqual(await axeViolations(page), []);
  // One card reading, one verification: the consent form is gone once the verdict shows,
  // so a second click cannot store a second record (issue 14 item 5).
  await page.getByTestId('card-done').waitFor();
  assert.equal(await page.getByTestId('consent-form').count(), 0);
  assert.equal(await page.getByTestId('consent-submit').count(), 0);

  // The server recorded one card verification with that consent.
  const today = await (await apiAs(env.url, holder.login)).get('/api/verify/today');
  const mine = today.items.filter((i) => i.recipient_number === holder.recipient_number && i.reference_class === '1');
  assert.equal(mine.length, 1);
  assert.equal(mine[0].validity, '1');
  assert.deepEqual({ drug: mine[0].consent?.drug_info, checkup: mine[0].consent?.checkup_info }, { drug: true, checkup: false });

  // 「次の方」 puts the reader back to its first step.
  await page.getByTestId('next-patient').click();
  await page.getByTestId('card-file').waitFor({ state: 'attached' });
  assert.equal(await page.getByTestId('verify-result').count(), 0);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('card with PIN: a wrong PIN leaves two tries, the right one opens it, 同意しない is recorded as no consent', async () => {
  const holder = holders[1];
  const page = await openCardTab(holder.login);
  await page.getByTestId('card-file').setInputFiles(holder.file);
  await page.getByTestId('card-method-pin').click();
  await page.getByTestId('card-pin').fill(DEMO_PIN === '0000' ? '1111' : '0000');
  await page.getByTestId('card-submit').click();
  await page.getByRole('alert').getByText(/あと2回/).waitFor();
  await page.getByTestId('card-pin').fill(DEMO_PIN);
  await page.getByTestId('card-submit').click();
  await page.getByTestId('consent-decline').click();

  await page.getByTestId('verify-result').waitFor();
  assert.equal(await page.getByTestId('verdict-label').innerText(), '有効');
  assert.equal(await page.getByTestId('consent-drug-state').innerText(), '同意なし');
  assert.equal(await page.getByTestId('consent-checkup-state').innerText(), '同意なし');
  const today = await (await apiAs(env.url, holder.login)).get('/api/verify/today');
  const mine = today.items.filter((i) => i.recipient_number === holder.recipient_number && i.reference_class === '1');
  assert.equal(mine.length, 1);
  assert.deepEqual({ drug: mine[0].consent?.drug_info, checkup: mine[0].consent?.checkup_info }, { drug: false, checkup: false });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('three wrong PINs lock the card; reception is told to use number entry', async () => {
  const card = cardFiles.at(-1);
  const page = await openCardTab('clinic');
  await page.getByTestId('card-file').setInputFiles(card.file);
  await page.getByTestId('card-method-pin').click();
  for (const left of [2, 1]) {
    await page.getByTestId('card-pin').fill('9999' === DEMO_PIN ? '8888' : '9999');
    await page.getByTestId('card-submit').click();
    await page.getByRole('alert').getByText(new RegExp(`あと${left}回`)).waitFor();
  }
  await page.getByTestId('card-pin').fill('9999' === DEMO_PIN ? '8888' : '9999');
  await page.getByTestId('card-submit').click();
  const locked = page.getByTestId('card-locked');
  await locked.waitFor();
  assert.match(await locked.innerText(), /番号入力/);
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
