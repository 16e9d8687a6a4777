// A caseworker checks the receipts before payment (請求前資格確認, product.md §2 「Also」,
// docs/file-layouts.md §13–§14): they upload the 資格情報ファイル `onshi claims-sample` wrote
// from the demo data, the page lists every seeded problem receipt with its 返戻事由 (the same as
// the CLI says and as the stored review the API returns), filters them by reason, shows a
// 氏名相違 apart as a warning, and downloads the 返戻情報ファイル: a ZIP whose CSV names the
// same receipts with the same codes. A file for another office, a file that is not a ZIP and a
// wrongly named file are refused with a Japanese alert. Pages pass axe-core.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { axeViolations, demo, newPage, ONSHI, signIn } from './harness.mjs';

const TOKYO = '12131017';
const OSAKA = '12270138';

let env;
let tmp;
let month;
let tokyo;
before(async () => {
  env = await demo();
  tmp = mkdtempSync(join(tmpdir(), 'onshi-claims-'));
  month = lastMonth();
  tokyo = claimsSample(TOKYO);
});
after(async () => {
  await env?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Last month (診療年月) in Japan, as YYYY-MM. */
function lastMonth() {
  const jst = new Date(Date.now() + 9 * 3600_000);
  const year = jst.getUTCFullYear();
  const previous = jst.getUTCMonth(); // 0-based this month = 1-based last month
  return previous === 0 ? `${year - 1}-12` : `${year}-${String(previous).padStart(2, '0')}`;
}

/** `onshi claims-sample`: the ZIP it wrote, its receipt count and the problems it seeded. */
function claimsSample(office) {
  const childEnv = { ...process.env, ONSHI_LOG: 'warn' };
  delete childEnv.DATABASE_URL;
  const run = spawnSync(
    ONSHI,
    ['--data', env.data, 'claims-sample', '--office', office, '--month', month, '--out', tmp],
    { encoding: 'utf8', env: childEnv },
  );
  assert.equal(run.status, 0, run.stderr);
  const written = run.stdout.match(/資格情報ファイルを書き出しました: (.+?\.ZIP)（レセプト (\d+) 件/);
  assert.ok(written, run.stdout);
  const problems = [...run.stdout.matchAll(/^\s+(S\d+) (\d\d) (.+)$/gm)].map((m) => ({
    receipt: m[1],
    code: m[2],
    label: m[3].trim(),
  }));
  assert.ok(problems.length >= 5, `the sample seeds problem receipts: ${run.stdout}`);
  return { path: written[1], name: basename(written[1]), receipts: Number(written[2]), problems };
}

async function signedIn(login) {
  const page = await newPage(env.browser, env.url);
  await signIn(page, login);
  await page.waitForURL('**/office');
  return page;
}

/** Pick `file` (a path or { name, mimeType, buffer }) and upload it. */
async function upload(page, file) {
  await page.getByLabel('資格情報ファイル（ZIP）').setInputFiles(file);
  await page.getByRole('button', { name: 'アップロードして確認' }).click();
}

/** The receipts to return as the page lists them. */
async function shownReturns(page) {
  return page.getByTestId('claims-return-row').evaluateAll((rows) =>
    rows.map((r) => ({
      receipt: r.dataset.receipt,
      code: r.dataset.reason,
      label: r.querySelector('[data-testid="claims-reason-label"]').textContent.trim(),
    })),
  );
}

function count(page, testid) {
  return page.getByTestId(testid).locator('.stat-number').textContent();
}

test('a caseworker uploads the 資格情報ファイル, reviews the returns and downloads the 返戻情報ファイル', async () => {
  const page = await signedIn('tokyo-cw');
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '請求前資格確認' }).click();
  await page.waitForURL('**/office/claims');
  await page.getByTestId('claims-heading').waitFor();

  await upload(page, tokyo.path);
  await page.getByTestId('claims-review').waitFor();
  await page.waitForURL(/\/office\/claims\?id=\d+$/);
  const id = new URL(page.url()).searchParams.get('id');

  // The counts, and every seeded problem with the CLI's reason, nothing else.
  assert.equal(await count(page, 'claims-received'), String(tokyo.receipts).replace(/\B(?=(\d{3})+$)/g, ','));
  assert.equal(await count(page, 'claims-returns'), String(tokyo.problems.length));
  assert.equal(await count(page, 'claims-warnings'), '0');
  await page.getByTestId('claims-no-warnings').waitFor();
  const byReceipt = (a, b) => a.receipt.localeCompare(b.receipt);
  const shown = await shownReturns(page);
  assert.deepEqual([...shown].sort(byReceipt), [...tokyo.problems].sort(byReceipt));

  // The stored run the API gives back says the same.
  const stored = await page.request.get(`/api/office/claims-check/${id}`);
  assert.equal(stored.status(), 200);
  const review = await stored.json();
  assert.equal(review.receipt_count, tokyo.receipts);
  assert.deepEqual(
    review.lines.filter((l) => l.reason).map((l) => ({ receipt: l.receipt_id, code: l.reason, label: l.reason_label })),
    shown,
  );

  // The institution's name is looked up for the table.
  const unentrusted = review.lines.find((l) => l.reason === '31');
  if (unentrusted) {
    const list = await (await page.request.get(`/api/office/institutions?q=${unentrusted.institution_code}`)).json();
    const name = list.items.find((i) => i.code === unentrusted.institution_code)?.name;
    assert.ok(name);
    await page.locator(`[data-receipt="${unentrusted.receipt_id}"]`).getByText(name).waitFor();
  }

  // Filter by reason, then back to all.
  const filter = page.getByLabel('返戻事由で絞り込む');
  const someCode = tokyo.problems[1].code;
  await filter.selectOption(someCode);
  const filtered = await shownReturns(page);
  assert.deepEqual(filtered, shown.filter((r) => r.code === someCode));
  await filter.selectOption('');
  assert.equal((await shownReturns(page)).length, shown.length);

  assert.deepEqual(await axeViolations(page), []);

  // The 返戻情報ファイル: a ZIP under the server's name, its CSV naming the same receipts.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: '返戻情報ファイルをダウンロード' }).click(),
  ]);
  const returnName = tokyo.name.replace('_SHIKAKU_', '_HENREI_');
  assert.equal(download.suggestedFilename(), returnName);
  const zip = readFileSync(await download.path());
  assert.equal(zip.subarray(0, 2).toString('latin1'), 'PK');
  const entries = unzip(zip);
  const csvName = returnName.replace(/\.ZIP$/, '.CSV');
  assert.deepEqual(Object.keys(entries), [csvName]);
  const rows = entries[csvName].toString('latin1').split('\r\n').filter(Boolean).slice(1);
  assert.deepEqual(
    rows.map((row) => row.split(',')).map((cells) => ({ receipt: cells[0], code: cells[8] })),
    shown.map(({ receipt, code }) => ({ receipt, code })),
  );
  await page.getByTestId('claims-download-status').getByText(returnName).waitFor();

  // Reopening the address shows the stored run.
  await page.reload();
  await page.getByTestId('claims-review').waitFor();
  assert.deepEqual(await shownReturns(page), shown);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a different 氏名 is shown as a warning, not as a reason to return', async () => {
  const page = await signedIn('tokyo-cw');
  await page.goto('/office/claims');
  // The sample's CSV (CP932) with R000001's 氏名 written differently, sent as UTF-8.
  const original = Object.values(unzip(readFileSync(tokyo.path)))[0];
  const lines = new TextDecoder('shift_jis').decode(original).split(/\r?\n/);
  const at = lines.findIndex((l) => l.startsWith('R000001,'));
  assert.ok(at > 0);
  const cells = lines[at].split(',');
  const registered = cells[5];
  cells[5] = `${registered}子`;
  lines[at] = cells.join(',');
  const csv = Buffer.from(lines.join('\r\n'), 'utf8');
  const buffer = zipStored(tokyo.name.replace(/\.ZIP$/, '.CSV'), csv);

  await upload(page, { name: tokyo.name, mimeType: 'application/zip', buffer });
  await page.getByTestId('claims-review').waitFor();
  assert.equal(await count(page, 'claims-warnings'), '1');
  assert.equal(await count(page, 'claims-returns'), String(tokyo.problems.length));
  const warning = page.getByTestId('claims-warning-row');
  assert.equal(await warning.getAttribute('data-receipt'), 'R000001');
  assert.match(await warning.textContent(), new RegExp(`${registered}子`));
  assert.equal(await page.locator('[data-testid="claims-return-row"][data-receipt="R000001"]').count(), 0);
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a file for another office, a file that is not a ZIP and a wrongly named file are refused', async () => {
  const page = await signedIn('tokyo-cw');
  await page.goto('/office/claims');
  const alert = page.getByRole('alert');

  const osaka = claimsSample(OSAKA);
  await upload(page, osaka.path);
  await alert.waitFor();
  assert.match(await alert.textContent(), new RegExp(`${OSAKA} の福祉事務所あて`));
  assert.equal(await page.getByTestId('claims-review').count(), 0);
  assert.deepEqual(await axeViolations(page), []);

  await upload(page, { name: tokyo.name, mimeType: 'application/zip', buffer: Buffer.from('これは ZIP ではありません') });
  await page.getByTestId('claims-error').getByText(/ZIP/).waitFor();
  assert.match(await alert.textContent(), /[ぁ-んァ-ヶ一-龠]/);
  assert.equal(await page.getByTestId('claims-review').count(), 0);

  await upload(page, { name: 'receipts.zip', mimeType: 'application/zip', buffer: readFileSync(tokyo.path) });
  await page.getByTestId('claims-error').getByText('資格情報ファイルの名前ではありません').waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

// ---------------------------------------------------------------- ZIP, just enough

/** The entries of a ZIP (stored or deflated), by name. */
function unzip(buf) {
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, 'a ZIP ends with its central directory');
  const entries = {};
  let at = buf.readUInt32LE(end + 16);
  for (let i = buf.readUInt16LE(end + 10); i > 0; i--) {
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLength = buf.readUInt16LE(at + 28);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('latin1', at + 46, at + 46 + nameLength);
    const data = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(data, data + size);
    entries[name] = method === 0 ? raw : inflateRawSync(raw);
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return entries;
}

/** A ZIP holding `data` stored (not compressed) as `name`. */
function zipStored(name, data) {
  const fileName = Buffer.from(name, 'latin1');
  const crc = crc32(data);
  const dosDate = (1 << 5) | 1; // 1980-01-01
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(dosDate, 12);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(dosDate, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(local.length + fileName.length + data.length, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

function crc32(buf) {
  let crc = 0xffffffff;
  for (const byte of buf) {
    let c = (crc ^ byte) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
