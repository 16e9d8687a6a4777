// The 被保護者台帳 by user action: search by カナ and by a 和暦 birth date, a supervisor
// reveals a 個人番号 after giving a reason, 閲覧制限 is switched on and off with its
// effects shown, and every office page passes axe-core.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, demo, newPage, signIn } from './harness.mjs';
import { checkDigit, importRecipient } from './reception.mjs';

let env;
before(async () => {
  env = await demo();
});
after(async () => {
  await env?.close();
});

/** 1960-04-01 → 昭和35年4月1日 (the eras the demo birth dates fall in). */
function wareki(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  const key = y * 10000 + m * 100 + d;
  const [era, first] = key >= 20190501 ? ['令和', 2018] : key >= 19890108 ? ['平成', 1988] : ['昭和', 1925];
  const year = y - first;
  return `${era}${year === 1 ? '元' : year}年${m}月${d}日`;
}

async function signedIn(login) {
  const page = await newPage(env.browser, env.url);
  await signIn(page, login);
  await page.waitForURL('**/office');
  return page;
}

async function expectAxeClean(page, where) {
  assert.deepEqual(await axeViolations(page), [], `axe on ${where}`);
}

/** Type `q` in the search box, press Enter, and wait for the answer read as `readAs`. */
async function search(page, q, readAs) {
  await page.goto('/office/recipients');
  await page.getByRole('searchbox', { name: '検索' }).fill(q);
  await page.getByRole('searchbox', { name: '検索' }).press('Enter');
  await page.waitForURL(/q=/);
  await page.getByTestId('search-status').filter({ hasText: readAs }).waitFor();
}

test('a caseworker finds a recipient by カナ and by a 和暦 birth date', async () => {
  const page = await signedIn('tokyo-cw');
  const list = await (await page.request.get('/api/office/recipients?q=')).json();
  const someone = list.items[0];
  assert.ok(someone, 'the demo office has recipients');

  const kanaPrefix = someone.name_kana.split('　')[0];
  await search(page, kanaPrefix, '氏名カナ');
  await page.getByTestId('recipient-results').getByText(someone.recipient_number).waitFor();
  for (const name of await page.getByTestId('recipient-row').locator('.kana').allInnerTexts()) {
    assert.ok(name.startsWith(kanaPrefix), `${name} starts with ${kanaPrefix}`);
  }
  await expectAxeClean(page, 'the search results');

  await search(page, wareki(someone.birth_date), '生年月日');
  await page.getByTestId('recipient-results').getByText(someone.recipient_number).waitFor();

  await page.getByTestId('recipient-results').getByRole('link', { name: someone.name }).click();
  await page.waitForURL(`**/office/recipients/${someone.id}`);
  await page.getByTestId('recipient-number').getByText(someone.recipient_number).waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a supervisor reveals a 個人番号 after giving a reason; a caseworker has no such button', async () => {
  const page = await signedIn('tokyo-sv');
  const list = await (await page.request.get('/api/office/recipients?q=')).json();
  let withNumber = null;
  for (const item of list.items) {
    const detail = await (await page.request.get(`/api/office/recipients/${item.id}`)).json();
    if (detail.individual_number_masked) {
      withNumber = detail;
      break;
    }
  }
  assert.ok(withNumber, 'a demo recipient has a 個人番号');
  await page.goto(`/office/recipients/${withNumber.id}`);
  const shown = page.getByTestId('individual-number');
  await shown.getByText(withNumber.individual_number_masked).waitFor();
  await page.getByTestId('reveal-individual').click();
  await page.getByTestId('reveal-submit').click();
  await page.getByText('表示する理由を入力してください。').waitFor();
  await page.getByLabel('表示する理由').fill('医療機関からの照会に回答するため');
  await page.getByTestId('reveal-submit').click();
  await shown.getByText(/^\d{12}$/).waitFor();
  assert.ok((await shown.innerText()).endsWith(withNumber.individual_number_masked.slice(-4)));
  await expectAxeClean(page, 'the detail with a revealed number');
  await page.context().close();

  const caseworker = await signedIn('tokyo-cw');
  await caseworker.goto(`/office/recipients/${withNumber.id}`);
  await caseworker.getByTestId('individual-number').getByText(withNumber.individual_number_masked).waitFor();
  assert.equal(await caseworker.getByTestId('reveal-individual').count(), 0);
  await caseworker.context().close();
});

test('閲覧制限 is switched on with a reason, shows its effects, and is switched off', async () => {
  const page = await signedIn('tokyo-cw');
  const list = await (await page.request.get('/api/office/recipients?q=')).json();
  const someone = list.items.find((r) => !r.restricted);
  await page.goto(`/office/recipients/${someone.id}`);
  const state = page.getByTestId('restriction-state');
  await state.getByText('閲覧制限なし').waitFor();
  await page.getByTestId('restriction-toggle').click();
  await page.getByText('理由を入力してください。').waitFor();
  await page.getByLabel('閲覧制限をかける理由').fill('DV被害の申出');
  await page.getByTestId('restriction-toggle').click();
  await state.getByText('閲覧制限あり').waitFor();
  assert.ok((await page.getByTestId('restriction-effects').locator('li').count()) > 0);
  await page.getByText('DV被害の申出').first().waitFor();
  await expectAxeClean(page, 'a restricted recipient');

  await page.goto('/office/recipients?q=' + encodeURIComponent(someone.recipient_number));
  await page.getByTestId('recipient-results').getByText('閲覧制限').waitFor();

  await page.goto(`/office/recipients/${someone.id}`);
  await page.getByLabel('解除する理由').fill('申出の取り下げ');
  await page.getByTestId('restriction-toggle').click();
  await state.getByText('閲覧制限なし').waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('every office page passes axe-core', async () => {
  const page = await signedIn('tokyo-cw');
  await page.getByTestId('deadlines').getByRole('heading', { name: '期限超過・本日期限' }).waitFor();
  await page.getByTestId('deadlines').locator('table, .notice-ok').first().waitFor();
  await expectAxeClean(page, '/office');

  const list = await (await page.request.get('/api/office/recipients?q=')).json();
  const id = list.items[0].id;
  const pages = [
    ['/office/recipients', 'recipient-results'],
    ['/office/recipients/new', 'recipient-form'],
    [`/office/recipients/${id}`, 'recipient-facts'],
    [`/office/recipients/${id}/edit`, 'recipient-form'],
    [`/office/recipients/${id}/tickets/new`, 'ticket-form'],
    ['/office/renew', 'renew-form'],
  ];
  for (const [path, testid] of pages) {
    await page.goto(path);
    await page.getByTestId(testid).waitFor();
    await expectAxeClean(page, path);
  }

  // The form's summary after an empty submit, and the renewal preview.
  await page.goto('/office/recipients/new');
  await page.getByTestId('recipient-submit').click();
  await page.getByTestId('error-summary').waitFor();
  await expectAxeClean(page, 'the form with its error summary');
  await page.goto('/office/renew');
  await page.getByTestId('renew-preview').click();
  await page.getByTestId('renew-summary').waitFor();
  await expectAxeClean(page, 'the renewal preview');

  // A ticket's print page, from the first recipient that has one.
  let ticketId = null;
  for (const item of list.items) {
    const detail = await (await page.request.get(`/api/office/recipients/${item.id}`)).json();
    const ticket = detail.tickets_by_month.flatMap((m) => m.tickets).find((t) => t.status === 'active');
    if (ticket) {
      ticketId = ticket.id;
      break;
    }
  }
  assert.ok(ticketId, 'a demo recipient has a ticket');
  await page.goto(`/office/tickets/${ticketId}/print`);
  await page.getByTestId('paper-ticket').waitFor();
  await expectAxeClean(page, 'the print page');
  await page.goto(`/office/tickets/${ticketId}/edit`);
  await page.getByTestId('ticket-form').waitFor();
  await expectAxeClean(page, 'the ticket amendment');
  assert.deepEqual(page.problems, []);
  await page.context().close();

  const supervisor = await signedIn('tokyo-sv');
  await supervisor.getByRole('link', { name: '事務所全体' }).click();
  await supervisor.getByTestId('caseloads').waitFor();
  await expectAxeClean(supervisor, '/office/supervisor');
  assert.deepEqual(supervisor.problems, []);
  await supervisor.context().close();
});

test('registering someone with the same カナ and 生年月日 asks first, then registers', async () => {
  const page = await signedIn('tokyo-cw');
  const list = await (await page.request.get('/api/office/recipients?q=')).json();
  const someone = list.items[0];
  await page.goto('/office/recipients/new');
  await page.getByRole('textbox', { name: /^氏名/ }).first().fill('同姓 同名');
  await page.getByRole('textbox', { name: /氏名カナ/ }).fill(someone.name_kana);
  await page.getByRole('radio', { name: someone.sex === '1' ? '男' : '女' }).check();
  await page.getByRole('textbox', { name: /生年月日/ }).fill(wareki(someone.birth_date));
  await page.getByTestId('recipient-submit').click();
  const warning = page.getByTestId('duplicate-warning');
  await warning.waitFor();
  assert.match(await warning.innerText(), new RegExp(someone.recipient_number));
  await expectAxeClean(page, 'the duplicate warning');
  await page.getByTestId('confirm-duplicate').click();
  await page.waitForURL(/\/office\/recipients\/\d+$/);
  assert.notEqual(page.url().split('/').pop(), String(someone.id));
  await page.getByTestId('recipient-name').getByText('同姓　同名').or(page.getByTestId('recipient-name').getByText('同姓 同名')).waitFor();
  await page.context().close();
});

test('a spacing variant of a registered カナ is shown as a possible duplicate before saving (issue 14 item 6)', async () => {
  // A record from before the 姓と名 spacing rule (imported, or typed without a space).
  const legacy = importRecipient(env.data, {
    recipient_number: `700001${checkDigit('700001')}`,
    name: '試験　太郎',
    name_kana: 'シケンタロウ',
    sex: '1',
    birth_date: '1950-02-03',
    qualified_from: '2024-04-01',
  });
  const page = await signedIn('tokyo-cw');
  await page.goto('/office/recipients/new');
  await page.getByRole('textbox', { name: /^氏名/ }).first().fill('試験 太郎');
  const kana = page.getByRole('textbox', { name: /氏名カナ/ });
  // The hint's rule holds: a カナ without the space between 姓 and 名 is refused.
  assert.match(await page.locator('#r-kana-hint').innerText(), /姓と名の間に空白/);
  await kana.fill('シケンタロウ');
  await kana.press('Tab');
  await page.getByTestId('r-kana-error').getByText('姓と名の間に空白を入れてください').waitFor();
  await kana.fill('シケン タロウ');
  await page.getByTestId('r-kana-error').getByText('姓と名の間').waitFor({ state: 'detached' });
  await page.getByRole('radio', { name: '男' }).check();
  await page.getByRole('textbox', { name: /生年月日/ }).fill('昭和25年2月3日');
  await page.getByTestId('recipient-submit').click();

  const warning = page.getByTestId('duplicate-warning');
  await warning.waitFor();
  assert.match(page.url(), /\/office\/recipients\/new$/, 'nothing is saved before the caseworker decides');
  const rows = warning.getByTestId('duplicate-row');
  assert.equal(await rows.count(), 1);
  const row = await rows.first().innerText();
  assert.match(row, new RegExp(legacy.recipient_number));
  assert.match(row, /シケンタロウ/);
  assert.match(row, /昭和25年2月3日/);
  assert.ok(await rows.first().getByRole('link', { name: '試験　太郎' }).isVisible(), 'the record opens from the list');
  await expectAxeClean(page, 'the possible duplicates');

  await page.getByTestId('confirm-duplicate').click();
  await page.waitForURL(/\/office\/recipients\/\d+$/);
  await page.getByTestId('recipient-name').getByText('試験 太郎').or(page.getByTestId('recipient-name').getByText('試験　太郎')).waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('大正 and 明治 birth dates are accepted where a date is typed: registration, search, reception (issue 14 item 7)', async () => {
  const page = await signedIn('tokyo-cw');
  await page.goto('/office/recipients/new');
  await page.getByRole('textbox', { name: /^氏名/ }).first().fill('大正 花子');
  await page.getByRole('textbox', { name: /氏名カナ/ }).fill('タイショウ ハナコ');
  await page.getByRole('radio', { name: '女' }).check();
  const birth = page.getByRole('textbox', { name: /生年月日/ });
  await birth.fill('大正3年5月6日');
  await page.getByTestId('r-birth-error').getByText('1914/05/06').waitFor();
  await birth.fill('T3.5.6');
  await page.getByTestId('r-birth-error').getByText('大正3年5月6日').waitFor();
  await page.getByTestId('recipient-submit').click();
  await page.waitForURL(/\/office\/recipients\/\d+$/);
  const id = page.url().split('/').pop();
  await page.getByText('大正3年5月6日').first().waitFor();
  const detail = await (await page.request.get(`/api/office/recipients/${id}`)).json();
  assert.equal(detail.birth_date, '1914-05-06');

  await search(page, '大正3年5月6日', '生年月日');
  await page.getByTestId('recipient-results').getByText(detail.recipient_number).waitFor();
  await search(page, 'T3.5.6', '生年月日');
  await page.getByTestId('recipient-results').getByText(detail.recipient_number).waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();

  // The desk reads a 明治 birth date as typed.
  const desk = await newPage(env.browser, env.url);
  await signIn(desk, 'clinic');
  await desk.waitForURL('**/clinic');
  await desk.goto('/clinic/verify');
  const deskBirth = desk.getByTestId('verify-birth');
  await deskBirth.fill('明治44年1月2日');
  await desk.getByText('明治44年1月2日 (1911/01/02) と読み取りました').waitFor();
  await deskBirth.fill('M44.1.2');
  await desk.getByText('明治44年1月2日 (1911/01/02) と読み取りました').waitFor();
  assert.deepEqual(desk.problems, []);
  await desk.context().close();
});

test('at 1280 px the office header keeps ログアウト on its first row, and no 氏名 in the list breaks mid-name (issue 14 item 10)', async () => {
  for (const login of ['tokyo-cw', 'tokyo-sv']) {
    const page = await signedIn(login);
    const brand = await page.locator('.brand').boundingBox();
    const logout = await page.getByTestId('logout').boundingBox();
    const middle = logout.y + logout.height / 2;
    assert.ok(middle > brand.y && middle < brand.y + brand.height, `${login}: ログアウト (y ${logout.y}) on the brand's row (y ${brand.y})`);
    // The links on one row of their own below it.
    const links = await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link').evaluateAll((as) => as.map((a) => a.getBoundingClientRect().top));
    assert.equal(new Set(links.map(Math.round)).size, 1, `${login}: the menu is one row`);
    assert.ok(links[0] > brand.y + brand.height - 1, 'the menu is under the brand');
    const header = await page.locator('.site-header').boundingBox();
    assert.ok(header.height < 120, `${login}: the header is ${header.height}px tall (two rows)`);
    await page.context().close();
  }

  const page = await signedIn('tokyo-cw');
  await page.goto('/office/recipients');
  await page.getByTestId('recipient-row').first().waitFor();
  // Each name and kana on one line: its text has one line box.
  const broken = await page.getByTestId('recipient-row').evaluateAll((rows) =>
    rows.flatMap((row) =>
      [...row.querySelectorAll('.name, .kana')]
        .filter((cell) => {
          const range = document.createRange();
          range.selectNodeContents(cell);
          return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1;
        })
        .map((cell) => cell.innerText),
    ),
  );
  assert.deepEqual(broken, [], 'names broken over two lines');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
