// Shared by the reception (資格確認) browser tests: the demo cases for each verdict, found
// by asking the seeded database through the real API as the demo institutions, and the
// few steps every test repeats. Nothing is hard-coded but the demo logins.
import { DEMO_PASSWORD } from './harness.mjs';

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
  return { get: (path) => call('GET', path), post: (path, body) => call('POST', path, body) };
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

/**
 * The demo's cases at the institution `login` (default: みなと台中央病院 = `clinic`):
 * valid (1), unentrusted (6), ended (2), unknown (4), each with the numbers to type.
 */
export async function demoCases(url) {
  const today = jstToday();
  const clinic = await apiAs(url, 'clinic');
  const pharmacy = await apiAs(url, 'pharmacy');
  const dental = await apiAs(url, 'dental');
  const roster = await clinic.get('/api/verify/roster');
  const here = new Set(roster.recipients.map((r) => `${r.office_number}:${r.recipient_number}`));

  const valid = roster.recipients.find(
    (r) => r.office_number === '12131017' && qualified(r, today) && r.tickets.some((t) => covers(t, today)) && !r.restricted,
  );
  // Named by a ticket of another institution this month, by none of ours: 未委託 here.
  const elsewhere = [...(await pharmacy.get('/api/verify/roster')).recipients, ...(await dental.get('/api/verify/roster')).recipients];
  const unentrusted = elsewhere.find(
    (r) => r.office_number === '12131017' && !here.has(`${r.office_number}:${r.recipient_number}`) && qualified(r, today),
  );
  const past = await clinic.get(`/api/verify/roster?month=${monthOf(today, 1)}`);
  const ended = past.recipients.find((r) => r.qualified_until && r.qualified_until < today);
  // A 受給者番号 no recipient has, with a correct 検証番号.
  const taken = new Set([...roster.recipients, ...past.recipients, ...elsewhere].map((r) => r.recipient_number));
  let unknownNumber;
  for (let body = 999999; body > 900000; body--) {
    const n = `${body}${checkDigit(String(body))}`;
    if (!taken.has(n)) {
      unknownNumber = n;
      break;
    }
  }
  const pharmacyRoster = await pharmacy.get('/api/verify/roster');
  const dispensing = pharmacyRoster.recipients.find(
    (r) => qualified(r, today) && r.tickets.some((t) => t.ticket_type === '02' && covers(t, today) && t.prescriber_name),
  );
  for (const [name, value] of Object.entries({ valid, unentrusted, ended, dispensing })) {
    if (!value) throw new Error(`no demo case for ${name}`);
  }
  return {
    today,
    institutionName: roster.institution_name,
    valid,
    unentrusted,
    ended,
    unknown: { office_number: '12131017', recipient_number: unknownNumber, birth_date: '1960-04-01' },
    dispensing,
    clinicApi: clinic,
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
