// The caseworker imports 健診 results in the browser (issue 7): the file is read in
// WebAssembly first (errors listed by record and line), then sent with a progress bar, and
// the server's report is shown. The recipient then sees the imported values in the portal,
// and a clinic sees them only after the recipient's consent on the card reader — never by
// number entry.
//
// The sample archive in docs/samples is about sample recipients the demo office does not
// have, so the values are brought in with an archive of the office's own 健診: exported
// through the API, one value changed, and imported again (each 健診 replaces the registered
// one of the same recipient and 受診日).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import zlib from 'node:zlib';
import { DEMO_PASSWORD, DEMO_PIN, axeViolations, demo, newPage, signIn } from './harness.mjs';
import { apiAs, jstToday, verifyByNumber, warekiInput } from './reception.mjs';

const here = new URL('.', import.meta.url).pathname;
const SAMPLE_ARCHIVE = resolve(here, '../../docs/samples/checkups/checkups-cda.zip');
/** 収縮期血圧（1回目）: the value this test changes. */
const SYSTOLIC = '9A751000000000001';
const NEW_SYSTOLIC = '147';

let env;
let office;
/** The card holder whose 健診 is imported: { file, recipient_number, login, entry }. */
let holder;
/** The office's archive with the holder's 収縮期血圧 changed, and how many 健診 it holds. */
let archive;
let archiveRecords;
/** 健診 of the archive already registered (replaced by the import). */
let expectedReplaced;

before(async () => {
  env = await demo();
  const cw = await apiAs(env.url, 'tokyo-cw');
  office = (await cw.get('/api/office/home')).office_number;
  const today = jstToday();
  const [year, month] = today.split('-').map(Number);
  const lastFiscalYear = (month >= 4 ? year : year - 1) - 1;
  const exported = await rawGet(env.url, 'tokyo-cw', `/api/office/checkups/export?fiscal_year=${lastFiscalYear}`);
  const entries = unzip(exported);
  const documents = entries.filter((e) => /\/?DATA\/h[^/]*\.xml$/.test(e.name));
  archiveRecords = documents.length;
  assert.ok(archiveRecords >= 2, `健診 exported: ${archiveRecords}`);

  const dir = join(env.data, 'demo-cards');
  const cards = readdirSync(dir)
    .filter((f) => f.startsWith(`${office}-`) && f.endsWith('.card.json'))
    .sort()
    .map((f) => ({ file: join(dir, f), recipient_number: f.replace('.card.json', '').split('-')[1] }));
  // 受給者番号: the id with root 1.2.392.200119.6.205 (被保険者証等番号), either attribute first.
  const numberOf = (xml) => {
    const m = xml.match(/<id (?:extension="(\d+)" root="1\.2\.392\.200119\.6\.205"|root="1\.2\.392\.200119\.6\.205" extension="(\d+)")/);
    return m?.[1] ?? m?.[2];
  };
  for (const login of ['clinic', 'dental']) {
    const roster = await (await apiAs(env.url, login)).get('/api/verify/roster');
    holder = cards
      .map((card) => ({
        ...card,
        login,
        entry: roster.recipients.find((r) => r.office_number === office && r.recipient_number === card.recipient_number),
      }))
      .find(({ entry }) => entry && !entry.restricted && entry.tickets.some((t) => t.valid_from <= today && today <= t.valid_until));
    if (holder) break;
  }
  assert.ok(holder, 'a card holder with a ticket today at a demo clinic');

  // The holder's 健診 of last year, or (the demo seeds 健診 for other card holders) a new one
  // made from another's: the archive then holds one 健診 more than the office has.
  let document = documents.find((d) => numberOf(d.data.toString('utf8')) === holder.recipient_number);
  expectedReplaced = documents.length;
  if (!document) {
    const [first] = documents;
    const { entry } = holder;
    const xml = first.data
      .toString('utf8')
      .replace(/(<id extension=")\d+(" root="1\.2\.392\.200119\.6\.205"\/>)/, `$1${holder.recipient_number}$2`)
      .replace(/<addr>[\s\S]*?<\/addr>\s*/, '')
      .replace(/<name>[^<]*<\/name>/, `<name>${entry.name}</name>`)
      .replace(/(<administrativeGenderCode code=")\d(")/, `$1${entry.sex}$2`)
      .replace(/(<birthTime value=")\d{8}(")/, `$1${String(entry.birth_date).replaceAll('-', '')}$2`);
    document = { name: first.name.replace(/\d{6}\.xml$/, '999999.xml'), data: Buffer.from(xml, 'utf8') };
    entries.push(document);
    archiveRecords += 1;
    for (const entry of entries) {
      const text = entry.data.toString('utf8');
      if (/ix08_V08\.xml$/.test(entry.name)) {
        entry.data = Buffer.from(text.replace(/totalRecordCount value="\d+"/, `totalRecordCount value="${archiveRecords}"`));
      } else if (/su08_V08\.xml$/.test(entry.name)) {
        entry.data = Buffer.from(text.replace(/totalSubjectCount value="\d+"/, `totalSubjectCount value="${archiveRecords}"`));
      }
    }
  }
  const xml = document.data.toString('utf8');
  const changed = xml.replace(
    new RegExp(`(code="${SYSTOLIC}"[\\s\\S]*?<value xsi:type="PQ" value=")([^"]*)(")`),
    `$1${NEW_SYSTOLIC}$3`,
  );
  assert.notEqual(changed, xml, 'the 収縮期血圧 of the chosen 健診 was found');
  document.data = Buffer.from(changed, 'utf8');
  archive = zip(entries);
});

after(async () => {
  await env?.close();
});

test('a broken CSV is listed by line in the browser and cannot be sent', async () => {
  const page = await newPage(env.browser, env.url);
  await openImport(page);
  const header = '公費負担者番号,受給者番号,氏名,性別,生年月日,受診日,健診機関番号,健診機関名称,項目コード,結果,単位';
  const csv = `${header}\n${office},1234567,見本　花子,2,1952-04-10,2023-09-12,,,9N001000000000001,abc,cm\n`;
  await page.getByLabel(/健診ファイル/).setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await page.getByTestId('checkups-invalid').waitFor();
  const rows = page.getByTestId('checkups-local-errors').getByTestId('record-error');
  assert.ok((await rows.count()) >= 1);
  assert.match(await rows.first().innerText(), /2行目/);
  assert.equal(await page.getByTestId('checkups-upload').count(), 0, 'no send button for a file with errors');
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the sample archive: read in the browser, refused for unknown recipients, then imported leaving them out', async () => {
  const page = await newPage(env.browser, env.url);
  await openImport(page);
  await page.getByLabel(/健診ファイル/).setInputFiles(SAMPLE_ARCHIVE);
  const preview = page.getByTestId('checkups-preview');
  await preview.waitFor();
  assert.match(await preview.innerText(), /特定健診 CDA アーカイブ/);
  assert.match(await preview.innerText(), /3 件/);
  await page.getByTestId('checkups-upload').click();
  const report = page.getByTestId('checkups-report');
  await report.waitFor();
  assert.equal(await report.getAttribute('data-accepted'), 'false');
  assert.match(await report.getByTestId('import-errors').innerText(), /受給者番号/);
  await page.getByTestId('checkups-skip-unmatched').click();
  await page.locator('[data-testid="checkups-report"][data-accepted="true"]').waitFor();
  assert.equal(await page.getByTestId('import-written').innerText(), '0 件');
  assert.equal(await page.getByTestId('import-skipped').getByTestId('record-error').count(), 3);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('importing the office archive shows the progress reach 100 % and the report; export saves the archive', async () => {
  const page = await newPage(env.browser, env.url);
  await openImport(page);
  // Every value the progress bar takes, to see it move to 100.
  await page.evaluate(() => {
    window.progressSeen = [];
    new MutationObserver(() => {
      const bar = document.querySelector('[data-testid="checkups-progress"] [role="progressbar"]');
      if (bar) window.progressSeen.push(Number(bar.getAttribute('aria-valuenow')));
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await page.getByLabel(/健診ファイル/).setInputFiles({ name: 'kenshin.zip', mimeType: 'application/zip', buffer: archive });
  await page.getByTestId('checkups-preview').waitFor();
  assert.match(await page.getByTestId('checkups-preview').innerText(), new RegExp(`${archiveRecords} 件`));
  await page.getByTestId('checkups-upload').click();
  const report = page.getByTestId('checkups-report');
  await report.waitFor();
  const bar = page.getByTestId('checkups-progress').getByRole('progressbar');
  assert.equal(await bar.getAttribute('aria-valuenow'), '100');
  const seen = await page.evaluate(() => window.progressSeen);
  assert.equal(seen.at(-1), 100, `progress values: ${seen}`);
  assert.equal(await report.getAttribute('data-accepted'), 'true');
  assert.equal(await page.getByTestId('import-written').innerText(), `${archiveRecords} 件`);
  assert.equal(await page.getByTestId('import-replaced').innerText(), `${expectedReplaced} 件`);
  assert.match(await page.getByTestId('import-message').innerText(), /置き換えました/);
  assert.deepEqual(await axeViolations(page), []);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('checkup-export-button').click()]);
  assert.match(download.suggestedFilename(), /^kenshin-\d{4}\.zip$/);
  await page.getByTestId('checkup-export-done').waitFor();

  // The office home shows last fiscal year's 健診 and the 11月1日 due date.
  await page.goto('/office');
  const card = page.getByTestId('checkup-deadline');
  await card.getByTestId('checkup-deadline-due').waitFor();
  assert.match(await card.innerText(), /11月1日/);
  assert.match(await card.getByTestId('checkup-deadline-checkups').innerText(), /\d+件/);
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the recipient sees the imported value in the portal with its reference range', async () => {
  const page = await newPage(env.browser, env.url, { width: 390, height: 844 });
  await page.goto('/login');
  await page.getByTestId('login-tab-card').click();
  await page.getByTestId('card-file').setInputFiles(holder.file);
  await page.getByTestId('card-method-pin').click();
  await page.getByTestId('card-pin').fill(DEMO_PIN);
  await page.getByTestId('card-submit').click();
  await page.waitForURL('**/me');
  await page.getByTestId('portal-nav-health').getByRole('link').click();
  const checkups = page.getByTestId('health-checkups');
  await checkups.waitFor();
  await checkups.getByText(/収縮期血圧/).first().waitFor();
  const text = await checkups.innerText();
  assert.match(text, new RegExp(NEW_SYSTOLIC));
  assert.match(text, /130未満/);
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the clinic sees 健診 only after card consent, and not by number entry', async () => {
  const page = await newPage(env.browser, env.url);
  await signIn(page, holder.login);
  await page.waitForURL('**/clinic');
  await page.goto('/clinic/verify');
  await page.getByTestId('verify-tab-card').click();
  await page.getByTestId('card-file').setInputFiles(holder.file);
  await page.getByTestId('card-method-pin').click();
  await page.getByTestId('card-pin').fill(DEMO_PIN);
  await page.getByTestId('card-submit').click();
  await page.getByTestId('consent-form').waitFor();
  await page.getByLabel(/健診情報.*同意する/).check();
  await page.getByTestId('consent-submit').click();
  const result = page.getByTestId('verify-result');
  await result.waitFor();
  assert.equal(await result.getAttribute('data-validity'), '1');
  const health = page.getByTestId('clinic-health');
  await health.waitFor();
  assert.equal(await health.getByTestId('clinic-health-consent').innerText(), '本人の同意により表示');
  const systolic = health.locator(`[data-testid="clinic-checkup-value"][data-code="${SYSTOLIC}"]`).first();
  await systolic.waitFor();
  assert.match(await systolic.innerText(), new RegExp(NEW_SYSTOLIC));
  assert.match(await systolic.innerText(), /範囲外/);
  assert.deepEqual(await axeViolations(page), []);

  // By number entry: no consent is possible, and nothing of it is shown.
  await page.goto('/clinic/verify');
  await page.getByTestId('verify-heading').waitFor();
  await verifyByNumber(page, {
    office_number: office,
    recipient_number: holder.recipient_number,
    birth_date: warekiInput(String(holder.entry.birth_date)),
  });
  assert.equal(await page.getByTestId('verify-result').getAttribute('data-validity'), '1');
  await page.getByTestId('consent-not-possible').waitFor();
  assert.equal(await page.getByTestId('clinic-health').count(), 0);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

async function openImport(page) {
  await signIn(page, 'tokyo-cw');
  await page.waitForURL('**/office');
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '健診・薬剤情報' }).click();
  await page.waitForURL('**/office/health-import');
  await page.getByTestId('health-import-heading').waitFor();
}

/** GET with a session, the body as bytes. */
async function rawGet(url, login, path) {
  const r = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password: DEMO_PASSWORD }),
  });
  assert.ok(r.ok, `login ${login}`);
  const cookie = r.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const res = await fetch(`${url}${path}`, { headers: { cookie } });
  assert.equal(res.status, 200, `GET ${path}`);
  return Buffer.from(await res.arrayBuffer());
}

/** The entries of a ZIP archive: [{ name, data }] (stored or deflated). */
function unzip(bytes) {
  let end = bytes.length - 22;
  while (end >= 0 && bytes.readUInt32LE(end) !== 0x06054b50) end -= 1;
  assert.ok(end >= 0, 'end of central directory');
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  const entries = [];
  for (let i = 0; i < count; i += 1) {
    assert.equal(bytes.readUInt32LE(at), 0x02014b50, 'central directory header');
    const method = bytes.readUInt16LE(at + 10);
    const size = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const local = bytes.readUInt32LE(at + 42);
    const name = bytes.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const raw = bytes.subarray(start, start + size);
    entries.push({ name, data: method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw) });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** A ZIP archive of `entries`, deflated. */
function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const packed = zlib.deflateRawSync(data);
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
