// Each demo role signs in through the real form and sees its own home; a wrong password
// gets a Japanese error; the pages pass axe-core with no serious or critical violation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PIN, axeViolations, demo, newPage, signIn } from './harness.mjs';

let env;
before(async () => {
  env = await demo();
});
after(async () => {
  await env?.close();
});

const staff = [
  { login: 'tokyo-cw', path: '/office', text: 'みなと台区福祉事務所' },
  { login: 'tokyo-sv', path: '/office', text: 'みなと台区福祉事務所' },
  { login: 'osaka-cw', path: '/office', text: 'なにわ北市福祉事務所' },
  { login: 'clinic', path: '/clinic', text: 'みなと台中央病院' },
  { login: 'pharmacy', path: '/clinic', text: '薬局' },
  { login: 'operator', path: '/operator', text: 'PostgreSQL|SQLite' },
];

for (const who of staff) {
  test(`${who.login} signs in and sees their home`, async () => {
    const page = await newPage(env.browser, env.url);
    await signIn(page, who.login);
    await page.waitForURL(`**${who.path}`);
    await page.getByRole('main').getByText(new RegExp(who.text)).first().waitFor();
    // The header names who is signed in, and offers sign-out.
    await page.getByRole('button', { name: 'ログアウト' }).waitFor();
    if (who.login === 'operator') {
      // The operator is told how to back up and restore (issue 13 item 7).
      const hint = await page.getByTestId('backup-hint').innerText();
      assert.match(hint, /onshi backup --out/);
      assert.match(hint, /onshi restore --from/);
    }
    assert.deepEqual(await axeViolations(page), []);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });
}

test('a wrong password gets a Japanese error and no session', async () => {
  const page = await newPage(env.browser, env.url);
  await signIn(page, 'tokyo-cw', 'wrong-password');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /ログインIDまたはパスワードが違います/);
  assert.match(page.url(), /\/login$/);
  assert.deepEqual(await axeViolations(page), []);
  await page.context().close();
});

test('a caseworker is sent back to their own home from another role\'s page, and sign-out works', async () => {
  const page = await newPage(env.browser, env.url);
  await signIn(page, 'tokyo-cw');
  await page.waitForURL('**/office');
  // Another role's page is another bundle: it loads, then moves on to the caseworker's home
  // (a new document), so the first navigation never reaches its load event.
  await page.goto('/clinic', { waitUntil: 'commit' });
  await page.waitForURL('**/office');
  await page.getByRole('button', { name: 'ログアウト' }).click();
  // The sign-in page is another bundle too (a new document): wait for it by its commit.
  await page.waitForURL('**/login', { waitUntil: 'commit' });
  await page.getByRole('button', { name: 'ログイン' }).first().waitFor();
  await page.goto('/office', { waitUntil: 'commit' });
  await page.waitForURL('**/login');
  await page.context().close();
});

test('a recipient signs in with the mock マイナンバーカード and PIN and sees their own home', async () => {
  const cards = readdirSync(join(env.data, 'demo-cards')).filter((f) => f.endsWith('.card.json')).sort();
  assert.ok(cards.length > 0, 'the demo seed writes card files');
  const page = await newPage(env.browser, env.url, { width: 375, height: 812 });
  await page.goto('/login');
  await page.getByTestId('login-tab-card').click();
  // The マイナンバーカード comes from the 市区町村, not the 福祉事務所 (issue 14 item 9).
  const tab = await page.getByTestId('card-login').innerText();
  assert.match(tab, /市区町村で交付を受けたマイナンバーカード/);
  assert.doesNotMatch(tab, /福祉事務所から/);
  await page.getByTestId('card-file').setInputFiles(join(env.data, 'demo-cards', cards[0]));
  await page.getByTestId('card-method-pin').click();
  await page.getByTestId('card-pin').fill(DEMO_PIN);
  await page.getByTestId('card-submit').click();
  await page.waitForURL('**/me');
  const number = cards[0].split('-')[1].split('.')[0];
  await page.getByTestId('recipient-number').getByText(number).waitFor();
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
