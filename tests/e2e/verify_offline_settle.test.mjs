// Offline the desk knows only this month's roster (issue 14 item 1): numbers the roster does
// not hold get no verdict (「オフラインでは確認できません」 with what to do), never
// 「該当資格なし」, which the server may not give. Once the outbox is sent, the result on screen
// and 本日の確認 show the server's verdict, 「未送信」 is gone, and where the server's verdict
// differs from the offline answer (here: a ticket cancelled after the roster was kept) the
// desk is told so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, demo, newPage, signIn, startServer } from './harness.mjs';
import { apiAs, demoCases, jstToday, verifyByNumber, warekiInput } from './reception.mjs';

let env;
let cases;
let restarted;
/** A recipient whose only ticket at the clinic today is cancelled after the roster was kept. */
let stale;

before(async () => {
  env = await demo();
  cases = await demoCases(env.url, env.data);
  const cw = await apiAs(env.url, 'tokyo-cw');
  const office = (await cw.get('/api/office/home')).office_number;
  const today = jstToday();
  const roster = await (await apiAs(env.url, 'clinic')).get('/api/verify/roster');
  for (const entry of roster.recipients) {
    if (entry.office_number !== office || entry.restricted) continue;
    if (entry.recipient_number === cases.valid.recipient_number) continue;
    if (entry.qualified_until && entry.qualified_until < today) continue;
    const valid = entry.tickets.filter((t) => t.valid_from <= today && today <= t.valid_until);
    if (valid.length !== 1 || entry.tickets.length !== 1) continue;
    const { items } = await cw.get(`/api/office/recipients?q=${entry.recipient_number}`);
    const item = items.find((i) => i.recipient_number === entry.recipient_number);
    if (!item) continue;
    const detail = await cw.get(`/api/office/recipients/${item.id}`);
    const view = detail.tickets_by_month
      .flatMap((m) => m.tickets)
      .find((t) => t.status === 'active' && t.ticket.issue_number === valid[0].issue_number);
    if (view) {
      stale = { entry, ticketId: view.id, cw };
      break;
    }
  }
  assert.ok(stale, 'a demo recipient with exactly one ticket valid today at the clinic');
});

after(async () => {
  await restarted?.stop();
  await env?.close();
});

const numbers = (r) => ({
  office_number: r.office_number,
  recipient_number: r.recipient_number,
  birth_date: warekiInput(String(r.birth_date)),
});

test('offline: not in the roster is not a verdict; after the sync the server verdict replaces it and a change is told', async () => {
  const page = await newPage(env.browser, env.url);
  await signIn(page, 'clinic');
  await page.waitForURL('**/clinic');
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '資格確認' }).click();
  await page.waitForURL('**/clinic/verify');
  await page.getByTestId('roster-status').getByText(/最終同期/).waitFor();

  // After the roster was kept on this PC, the office cancels a ticket in it.
  await stale.cw.post(`/api/office/tickets/${stale.ticketId}/cancel`, { reason: '受診先の変更のため' });

  const port = env.server.port;
  await env.server.stop();

  // In the roster (now stale): the roster's verdict, marked offline and waiting.
  let result = await verifyByNumber(page, numbers(stale.entry));
  assert.equal(await result.getAttribute('data-validity'), '1');
  await page.getByTestId('next-patient').click();
  await page.getByTestId('verify-result').waitFor({ state: 'detached' });

  // Not in the roster: no verdict, what to do instead.
  result = await verifyByNumber(page, numbers(cases.unentrusted));
  assert.equal(await page.getByTestId('verdict-label').innerText(), 'オフラインでは確認できません');
  assert.equal(await result.getAttribute('data-validity'), 'unconfirmed');
  const text = await result.innerText();
  assert.doesNotMatch(text, /該当資格なし|資格有効性 4/);
  assert.match(await page.getByTestId('guidance').innerText(), /資格がないという意味ではありません/);
  assert.match(await page.getByTestId('guidance').innerText(), /電話で照会/);
  assert.match(await page.getByTestId('result-meta').innerText(), /未送信/);
  assert.match(await page.getByTestId('offline-mark').innerText(), /^オフライン確認（最終同期 /);
  assert.equal(await page.getByTestId('outbox-pending').innerText(), '未送信 2件');
  assert.deepEqual(await axeViolations(page), []);

  // 本日の確認 on this PC (another tab): both wait, neither says 該当資格なし.
  const tab = await page.context().newPage();
  await tab.goto(`${env.url}/clinic/today`);
  const waiting = tab.getByTestId('today-waiting');
  await waiting.waitFor();
  const waitingRow = waiting.locator(`[data-testid="kept-row"][data-recipient="${cases.unentrusted.recipient_number}"]`);
  assert.match(await waitingRow.innerText(), /オフラインでは確認できません/);
  assert.doesNotMatch(await waiting.innerText(), /該当資格なし/);
  assert.deepEqual(await axeViolations(tab), []);
  await tab.close();

  // The server is back: the outbox is sent; the card on screen now shows the server's verdict.
  restarted = await startServer(env.data, { port });
  await page.waitForFunction(
    () => document.querySelector('[data-testid="outbox-pending"]')?.getAttribute('data-count') === '0',
    null,
    { timeout: 45_000 },
  );
  await page.getByTestId('settled-notice').waitFor({ timeout: 20_000 });
  assert.equal(await page.getByTestId('verdict-label').innerText(), '未委託・未登録');
  assert.equal(await page.getByTestId('verify-result').getAttribute('data-validity'), '6');
  assert.match(await page.getByTestId('result-meta').innerText(), /記録番号 \d+/);
  assert.doesNotMatch(await page.getByTestId('verify-result').innerText(), /未送信|自動で送信します/);
  assert.match(await page.getByTestId('settled-notice').innerText(), /サーバーの判定は「未委託・未登録」/);

  // The desk is told which answers changed: the stale roster's 有効 and the unconfirmed one.
  const changes = page.getByTestId('verdict-changes');
  await changes.waitFor();
  const staleChange = changes.locator(`[data-testid="verdict-change"][data-recipient="${stale.entry.recipient_number}"]`);
  assert.match(await staleChange.innerText(), /オフライン「有効」→ サーバー「未委託・未登録」/);
  const unconfirmedChange = changes.locator(
    `[data-testid="verdict-change"][data-recipient="${cases.unentrusted.recipient_number}"]`,
  );
  assert.match(await unconfirmedChange.innerText(), /オフライン「オフラインでは確認できません」→ サーバー「未委託・未登録」/);
  assert.deepEqual(await axeViolations(page), []);

  // 本日の確認: the server's verdicts, nothing left waiting.
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '本日の確認' }).click();
  await page.getByTestId('today-table').waitFor();
  assert.equal(await page.getByTestId('today-waiting').count(), 0);
  for (const who of [stale.entry, cases.unentrusted]) {
    const row = page.locator(`[data-testid="today-row"][data-recipient="${who.recipient_number}"]`);
    assert.equal(await row.count(), 1);
    assert.match(await row.getByTestId('today-verdict').innerText(), /未委託・未登録/);
  }
  // What this PC keeps for an offline 本日の確認 is the server's verdict too.
  const kept = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('fujo-onshi');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const all = open.result.transaction('results').objectStore('results').getAll();
          all.onsuccess = () => resolve(all.result.map((r) => JSON.parse(r.payload)));
          all.onerror = () => reject(all.error);
        };
      }),
  );
  for (const who of [stale.entry, cases.unentrusted]) {
    const answer = kept.find((k) => k.recipient_number === who.recipient_number);
    assert.equal(answer?.validity, '6', JSON.stringify(answer));
    assert.ok(answer.verification_id > 0, JSON.stringify(answer));
  }
  // 確認しました puts the notice away.
  await page.getByTestId('verdict-changes-seen').click();
  await changes.waitFor({ state: 'detached' });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
