// Shared by the reception (資格確認) browser tests: the demo cases for each verdict, found
// by asking the seeded database through the real API as the demo institutions, and the
// few steps every test repeats. Nothing is hard-coded but the demo logins.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PASSWORD, ONSHI } from './harness.mjs';

/** A JSON API client signed in as `login` (session cookie kept by hand). */
export async function apiAs(url, login, password = DEMO_PASSWORD) {
  const r = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password }),
  });
  if (!r.ok) throw new Error(`login ${login}: HTTP ${r.status}`);
  const cookie = r.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const call = async (method, path, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { cookie, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return JSON.parse(text);
  };
  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    del: (path) => call('DELETE', path),
  };
}

/** Luhn-style mod-10 検証番号 (the rule of 公費負担者番号 and 受給者番号). */
export function checkDigit(body) {
  let sum = 0;
  [...body].reverse().forEach((ch, i) => {
    const p = Number(ch) * (i % 2 === 0 ? 2 : 1);
    sum += Math.floor(p / 10) + (p % 10);
  });
  return String((10 - (sum % 10)) % 10);
}

/** "YYYY-MM-DD" → 和暦 as a receptionist types it ("S35.4.1"). */
export function warekiInput(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  const eras = [
    ['R', '2019-05-01', 2018],
    ['H', '1989-01-08', 1988],
    ['S', '1926-12-25', 1925],
    ['T', '1912-07-30', 1911],
  ];
  for (const [initial, start, offset] of eras) if (iso >= start) return `${initial}${y - offset}.${m}.${d}`;
  return iso;
}

/** "12131017" → "１２１３１０１７" (what a Japanese IME types). */
export function fullWidth(digits) {
  return [...digits].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join('');
}

export function jstToday() {
  return new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
}

function monthOf(iso, back = 0) {
  const [y, m] = iso.split('-').map(Number);
  const n = y * 12 + (m - 1) - back;
  return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
}

const covers = (t, day) => t.valid_from <= day && day <= t.valid_until;
const qualified = (r, day) => r.qualified_from && r.qualified_from <= day && (!r.qualified_until || day <= r.qualified_until);

/** The last day of a `YYYY-MM` month. */
function monthEnd(month) {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

/**
 * The 福祉事務所 registers a 調剤券 (as its 生活保護システム export would, through
 * `onshi import tickets`): this month, naming `pharmacyCode`, prescribed by `prescriberCode`.
 */
export function registerDispensingTicket(data, person, pharmacyCode, prescriberCode) {
  const today = jstToday();
  const month = today.slice(0, 7);
  const header =
    '公費負担者番号,受給者番号,医療券・調剤券別,交付番号,診療年月,有効開始日,有効終了日,指定医療機関コード,処方箋発行元医療機関コード,診療別,傷病名1,傷病名2,傷病名3,本人支払額,単独・併用別,社会保険状況,感染症法該当,後期高齢者医療該当,都道府県費該当,地区担当員名,取扱担当者名,備考1,備考2,備考3';
  const row = [
    person.office_number, person.recipient_number, '02', `${month.replace('-', '')}-E2E01`, month, `${month}-01`, monthEnd(month),
    pharmacyCode, prescriberCode, '04', '', '', '', '0', '01', '02', '02', '02', '02', '山川 太郎', '福祉 一郎', '後発医薬品を使用', '', '',
  ].join(',');
  const file = join(data, 'e2e-tickets.csv');
  writeFileSync(file, `${header}\n${row}\n`);
  const r = spawnSync(ONSHI, ['--data', data, 'import', 'tickets', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`import failed: ${r.stdout} ${r.stderr}`);
}

/**
 * The 福祉事務所 registers (`onshi import recipients`) a recipient whose 保護 ended (廃止)
 * last month: at any institution the verdict is 2 無効.
 */
export function registerEndedRecipient(data, recipientNumber, until) {
  return importRecipient(data, {
    recipient_number: recipientNumber,
    name: '廃止　一郎',
    name_kana: 'ハイシ　イチロウ',
    sex: '1',
    birth_date: '1955-06-15',
    qualified_from: '2020-01-06',
    qualified_until: until,
  });
}

/** One recipient of office 12131017 registered by `onshi import recipients`, as given. */
export function importRecipient(data, given) {
  const header = '公費負担者番号,受給者番号,個人番号,氏名,氏名カナ,性別,生年月日,郵便番号,住所,資格取得日,資格喪失日,カード利用登録,閲覧制限';
  const person = { office_number: '12131017', qualified_until: '', ...given };
  const row = [
    person.office_number, person.recipient_number, '', person.name, person.name_kana, person.sex, person.birth_date, '100-0002',
    '東京都みなと台区一丁目1番1号', person.qualified_from, person.qualified_until, '0', '0',
  ].join(',');
  const file = join(data, 'e2e-recipients.csv');
  writeFileSync(file, `${header}\n${row}\n`);
  const r = spawnSync(ONSHI, ['--data', data, 'import', 'recipients', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`import failed: ${r.stdout} ${r.stderr}`);
  return person;
}

/**
 * The demo's cases at みなと台中央病院 (login `clinic`) and みなと台薬局 (`pharmacy`):
 * valid (1), unentrusted (6), ended (2), unknown (4) and a pharmacy's 調剤券 this month
 * (registered through the import, as an office would), each with the numbers to type.
 */
export async function demoCases(url, data) {
  const today = jstToday();
  const lastMonth = monthOf(today, 1);
  const clinic = await apiAs(url, 'clinic');
  const pharmacy = await apiAs(url, 'pharmacy');
  const roster = await clinic.get('/api/verify/roster');
  const key = (r) => `${r.office_number}:${r.recipient_number}`;
  const here = new Set(roster.recipients.map(key));

  const valid = roster.recipients.find(
    (r) => r.office_number === '12131017' && qualified(r, today) && r.tickets.some((t) => covers(t, today)) && !r.restricted,
  );
  // Patients of another clinic (their 調剤券 last month name it as 処方箋発行元): this month
  // a ticket names that clinic, none names ours, so at ours they are 未委託.
  const pharmacyLast = await pharmacy.get(`/api/verify/roster?month=${lastMonth}`);
  const elsewhere = pharmacyLast.recipients.filter(
    (r) => r.office_number === '12131017' && !here.has(key(r)) && qualified(r, today) && !r.restricted,
  );
  const [unentrusted, dispensingPerson] = elsewhere;
  // Two 受給者番号 no demo recipient has (the demo numbers start at 100001), with a correct
  // 検証番号: one registered as ended last month (2), one left unknown (4).
  const ended = registerEndedRecipient(data, `999998${checkDigit('999998')}`, `${lastMonth}-20`);
  const unknownNumber = `999999${checkDigit('999999')}`;
  for (const [name, value] of Object.entries({ valid, unentrusted, dispensingPerson, ended })) {
    if (!value) throw new Error(`no demo case for ${name}`);
  }
  const prescriber = dispensingPerson.tickets.find((t) => t.prescriber_code)?.prescriber_code;
  registerDispensingTicket(data, dispensingPerson, pharmacyLast.institution_code, prescriber);
  const dispensing = (await pharmacy.get('/api/verify/roster')).recipients.find((r) => key(r) === key(dispensingPerson));
  if (!dispensing) throw new Error('the imported 調剤券 is not in the pharmacy roster');
  return {
    today,
    institutionName: roster.institution_name,
    valid,
    unentrusted,
    ended,
    unknown: { office_number: '12131017', recipient_number: unknownNumber, birth_date: '1960-04-01' },
    dispensing,
  };
}

/** Types the three numbers into the 番号入力 form and presses Enter. */
export async function verifyByNumber(page, { office_number, recipient_number, birth_date }) {
  await page.getByLabel('公費負担者番号（8桁）').fill(office_number);
  await page.getByLabel('受給者番号（7桁）').fill(recipient_number);
  await page.getByLabel('生年月日（和暦・西暦）').fill(birth_date);
  await page.getByLabel('生年月日（和暦・西暦）').press('Enter');
  const result = page.getByTestId('verify-result');
  await result.waitFor();
  return result;
}
