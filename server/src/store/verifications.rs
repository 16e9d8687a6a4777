//! 資格確認の記録: the `verifications` table and the `consents` given at them.
//!
//! A verification is written once, idempotent by the client's `client_id` ([`insert`]:
//! `ON CONFLICT (client_id) DO NOTHING RETURNING id`; the seed's [`insert_many`]); its consent, if any, by
//! [`insert_consent`]. Callers that write a verification with its consent and audit rows
//! open the transaction and pass `&mut *tx`.
//!
//! Reads: [`by_client_id`] and [`by_id`] ([`StoredVerification`], one mapping:
//! [`from_row`]), [`consent`], [`of_institution_on`] (the reception's day),
//! [`count_of_office_on`], [`count_at_institution_on`] and [`count_all`]; for the daily
//! feed [`count_by_office_on`], [`of_office_on`] (with the recipients named) and
//! [`of_office_on_named`]; for the screening [`verdict_days_of_office`] and
//! [`institutions_of_office`]; for a recipient's 受診状況 [`of_recipient_between`].

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{AnyConnection, AnyExecutor, Row as _};

use domain::api::{ConsentRecord, ConsentRequest, VerificationLogEntry};
use domain::codes::{CodeValue, QualificationValidity, ReferenceClass};
use domain::numbers::InstitutionCode;

use crate::db::{self, instant_text, DbRow, Value};

// ---------------------------------------------------------------- records

/// Where a verification came from (the `source` column; `offline` is [`Source::Offline`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// At the reception, answered by the server.
    Online,
    /// Answered by the browser while offline, stored when it synced.
    Offline,
    /// A verification-log import.
    Import,
    /// The demo seed.
    Seed,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Online => "online",
            Source::Offline => "offline",
            Source::Import => "import",
            Source::Seed => "seed",
        }
    }
}

/// A verification about to be written.
#[derive(Debug, Clone, Copy)]
pub struct NewVerification<'a> {
    pub client_id: &'a str,
    pub verified_at: DateTime<Utc>,
    pub institution: &'a InstitutionCode,
    pub office_number: &'a str,
    pub recipient_number: &'a str,
    pub reference_class: ReferenceClass,
    pub validity: QualificationValidity,
    pub source: Source,
}

/// A verification as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVerification {
    pub id: i64,
    pub client_id: String,
    /// UTC RFC 3339.
    pub verified_at: String,
    /// The JST date of `verified_at`.
    pub verified_date: NaiveDate,
    pub institution_code: String,
    pub office_number: String,
    pub recipient_number: String,
    pub reference_class: ReferenceClass,
    pub validity: QualificationValidity,
    pub offline: bool,
}

/// A verification with the names an office's feed screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedVerification {
    pub verification: StoredVerification,
    pub institution_name: Option<String>,
    pub recipient_id: Option<i64>,
    pub recipient_name: Option<String>,
}

/// How many verifications of its recipients an office has on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeCount {
    pub office_number: String,
    pub office_name: String,
    pub count: i64,
}

/// A distinct (recipient, institution, date, verdict) of an office's verifications, as
/// stored (the screening reads and checks the date and code itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictDay {
    pub recipient_number: String,
    pub institution_code: String,
    pub verified_date: String,
    pub validity: i64,
}

/// One line of an institution's day: the entry, and the recipient it names (for 1, 2 and 6
/// when the numbers match a record), whose read the caller audits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayEntry {
    pub recipient_id: Option<i64>,
    pub entry: VerificationLogEntry,
}

// ---------------------------------------------------------------- stored values

/// A one-digit code ("1", "6") as the INTEGER it is stored as.
pub fn code_number(code: &str) -> i64 {
    code.parse().unwrap_or(0)
}

fn code_from_db<T: CodeValue>(n: i64) -> anyhow::Result<T> {
    T::from_code(&n.to_string())
        .ok_or_else(|| anyhow::anyhow!("stored {} 「{n}」 is not a code", T::ITEM))
}

fn date_from_db(s: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").with_context(|| format!("stored date {s}"))
}

fn consent_from_db(drug: i64, checkup: i64, recorded_at: String) -> ConsentRecord {
    ConsentRecord {
        drug_info: drug != 0,
        checkup_info: checkup != 0,
        recorded_at,
    }
}

/// The verification's columns, as `v` (reads that join name their own columns after these).
const COLUMNS: &str = "v.id, v.client_id, v.verified_at, v.verified_date, v.institution_code, \
                       v.office_number, v.recipient_number, v.reference_class, v.validity, v.offline";

/// The row → value mapping of [`COLUMNS`].
fn from_row(row: &impl DbRow) -> anyhow::Result<StoredVerification> {
    let date: String = row.col(3)?;
    Ok(StoredVerification {
        id: row.col(0)?,
        client_id: row.col(1)?,
        verified_at: row.col(2)?,
        verified_date: date_from_db(&date)?,
        institution_code: row.col(4)?,
        office_number: row.col(5)?,
        recipient_number: row.col(6)?,
        reference_class: code_from_db(row.col(7)?)?,
        validity: code_from_db(row.col(8)?)?,
        offline: row.col::<i64>(9)? != 0,
    })
}

// ---------------------------------------------------------------- writes

/// The columns every insert writes, bound from [`insert_values`].
const INSERT_COLUMNS: [&str; 10] = [
    "client_id",
    "verified_at",
    "verified_date",
    "institution_code",
    "office_number",
    "recipient_number",
    "reference_class",
    "validity",
    "offline",
    "source",
];

fn insert_values(new: &NewVerification<'_>) -> Vec<Value> {
    vec![
        new.client_id.into(),
        instant_text(new.verified_at).into(),
        domain::jst::date_of(new.verified_at).to_string().into(),
        new.institution.as_str().into(),
        new.office_number.into(),
        new.recipient_number.into(),
        code_number(new.reference_class.code()).into(),
        code_number(new.validity.code()).into(),
        i64::from(new.source == Source::Offline).into(),
        new.source.as_str().into(),
    ]
}

/// Insert a verification; its id, or `None` when its `client_id` is already stored
/// (nothing written).
pub async fn insert<'e>(
    exec: impl AnyExecutor<'e>,
    new: &NewVerification<'_>,
) -> anyhow::Result<Option<i64>> {
    let query = db::bind_values(sqlx::query(INSERT_ONE.as_str()), insert_values(new));
    let row = query.fetch_optional(exec).await?;
    row.map(|r| r.try_get::<i64, _>(0))
        .transpose()
        .map_err(Into::into)
}

/// One verification, idempotent by `client_id`: its id, none when the id was stored.
static INSERT_ONE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "INSERT INTO verifications ({}) VALUES ({}) ON CONFLICT (client_id) DO NOTHING RETURNING id",
        INSERT_COLUMNS.join(", "),
        db::placeholders(1, INSERT_COLUMNS.len()),
    )
});

/// [`insert_batch`] in a transaction of [`crate::db::SqliteFast`] (the group commit on
/// SQLite): one prepared statement, run for each in order, so a `client_id` stored before or
/// earlier in the batch is answered `None` as there.
pub fn insert_batch_sqlite(
    tx: &rusqlite::Transaction<'_>,
    new: &[NewVerification<'_>],
) -> anyhow::Result<Vec<Option<i64>>> {
    use rusqlite::OptionalExtension as _;
    let mut statement = tx.prepare_cached(&INSERT_ONE)?;
    let mut ids = Vec::with_capacity(new.len());
    for n in new {
        let values = insert_values(n);
        ids.push(
            statement
                .query_row(rusqlite::params_from_iter(&values), |row| row.get(0))
                .optional()?,
        );
    }
    Ok(ids)
}

/// Insert verifications with one multi-row statement (the group commit of concurrent
/// verifications); for each, in order, its id, or `None` when its `client_id` was stored
/// already — before, or by an earlier one of `new` (only the first of a repeated id is
/// written).
pub async fn insert_batch(
    conn: &mut AnyConnection,
    new: &[NewVerification<'_>],
) -> anyhow::Result<Vec<Option<i64>>> {
    let mut first_of_id: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::with_capacity(new.len());
    let mut written: Vec<&NewVerification<'_>> = Vec::with_capacity(new.len());
    for (i, n) in new.iter().enumerate() {
        if let std::collections::hash_map::Entry::Vacant(e) = first_of_id.entry(n.client_id) {
            e.insert(i);
            written.push(n);
        }
    }
    let mut ids = vec![None; new.len()];
    // At most 64 rows (640 parameters) a statement.
    for chunk in written.chunks(64) {
        let rows = (0..chunk.len())
            .map(|k| {
                format!(
                    "({})",
                    db::placeholders(1 + k * INSERT_COLUMNS.len(), INSERT_COLUMNS.len())
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO verifications ({}) VALUES {rows} ON CONFLICT (client_id) DO NOTHING RETURNING id, client_id",
            INSERT_COLUMNS.join(", "),
        );
        let values = chunk.iter().flat_map(|n| insert_values(n)).collect();
        let query = db::bind_values(sqlx::query(sqlx::AssertSqlSafe(sql)), values);
        for row in query.fetch_all(&mut *conn).await? {
            let id: i64 = row.try_get(0)?;
            let client_id: String = row.try_get(1)?;
            let i = first_of_id
                .get(client_id.as_str())
                .with_context(|| format!("insert returned an unknown client_id {client_id}"))?;
            ids[*i] = Some(id);
        }
    }
    Ok(ids)
}

/// Insert many verifications with multi-row statements (the seed's bulk load; no
/// `client_id` may be stored already).
pub async fn insert_many(
    conn: &mut AnyConnection,
    new: &[NewVerification<'_>],
) -> anyhow::Result<()> {
    let rows: Vec<Vec<Value>> = new.iter().map(insert_values).collect();
    db::insert_rows(conn, "verifications", &INSERT_COLUMNS, &rows).await
}

/// Record the consent given at verification `verification_id`, at `recorded_at`.
pub async fn insert_consent(
    conn: &mut AnyConnection,
    verification_id: i64,
    consent: &ConsentRequest,
    recorded_at: &str,
) -> anyhow::Result<ConsentRecord> {
    sqlx::query(INSERT_CONSENT)
        .bind(verification_id)
        .bind(i64::from(consent.drug_info))
        .bind(i64::from(consent.checkup_info))
        .bind(recorded_at)
        .execute(&mut *conn)
        .await?;
    Ok(consent_record(consent, recorded_at))
}

/// [`insert_consent`] in a transaction of [`crate::db::SqliteFast`].
pub fn insert_consent_sqlite(
    tx: &rusqlite::Transaction<'_>,
    verification_id: i64,
    consent: &ConsentRequest,
    recorded_at: &str,
) -> anyhow::Result<ConsentRecord> {
    tx.prepare_cached(INSERT_CONSENT)?
        .execute(rusqlite::params![
            verification_id,
            i64::from(consent.drug_info),
            i64::from(consent.checkup_info),
            recorded_at
        ])?;
    Ok(consent_record(consent, recorded_at))
}

const INSERT_CONSENT: &str = "INSERT INTO consents (verification_id, drug_info, checkup_info, recorded_at) VALUES ($1, $2, $3, $4)";

fn consent_record(consent: &ConsentRequest, recorded_at: &str) -> ConsentRecord {
    ConsentRecord {
        drug_info: consent.drug_info,
        checkup_info: consent.checkup_info,
        recorded_at: recorded_at.to_string(),
    }
}

// ---------------------------------------------------------------- reads

/// The verification stored under `client_id`.
pub async fn by_client_id<'e>(
    exec: impl AnyExecutor<'e>,
    client_id: &str,
) -> anyhow::Result<Option<StoredVerification>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM verifications v WHERE v.client_id = $1"
    )))
    .bind(client_id)
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The verification with this id (scope: the caller compares its institution).
pub async fn by_id<'e>(
    exec: impl AnyExecutor<'e>,
    id: i64,
) -> anyhow::Result<Option<StoredVerification>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM verifications v WHERE v.id = $1"
    )))
    .bind(id)
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The consent given at verification `verification_id`, if any.
pub async fn consent<'e>(
    exec: impl AnyExecutor<'e>,
    verification_id: i64,
) -> anyhow::Result<Option<ConsentRecord>> {
    let row: Option<(i64, i64, String)> = sqlx::query_as(
        "SELECT drug_info, checkup_info, recorded_at FROM consents WHERE verification_id = $1",
    )
    .bind(verification_id)
    .fetch_optional(exec)
    .await?;
    Ok(row.map(|(drug, checkup, at)| consent_from_db(drug, checkup, at)))
}

/// An institution's verifications of a (JST) date, newest first, with the recipient's name
/// for 1, 2 and 6 (a 4 shows nothing but what was typed) and the consent.
pub async fn of_institution_on<'e>(
    exec: impl AnyExecutor<'e>,
    institution: &InstitutionCode,
    date: NaiveDate,
) -> anyhow::Result<Vec<DayEntry>> {
    type LogRow = (
        i64,
        String,
        i64,
        i64,
        String,
        String,
        i64,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<i64>,
        Option<String>,
    );
    let rows: Vec<LogRow> = sqlx::query_as(
        "SELECT v.id, v.verified_at, v.reference_class, v.validity, v.office_number, v.recipient_number, v.offline, \
                r.id, r.name, r.name_kana, c.drug_info, c.checkup_info, c.recorded_at \
         FROM verifications v \
         LEFT JOIN recipients r ON r.office_number = v.office_number \
              AND r.recipient_number = v.recipient_number AND v.validity <> 4 \
         LEFT JOIN consents c ON c.verification_id = v.id \
         WHERE v.institution_code = $1 AND v.verified_date = $2 \
         ORDER BY v.verified_at DESC, v.id DESC",
    )
    .bind(institution.as_str())
    .bind(date.to_string())
    .fetch_all(exec)
    .await?;
    rows.into_iter()
        .map(|row| {
            let validity: QualificationValidity = code_from_db(row.3)?;
            let consent = match (row.10, row.11, row.12) {
                (Some(drug), Some(checkup), Some(at)) => Some(consent_from_db(drug, checkup, at)),
                _ => None,
            };
            Ok(DayEntry {
                recipient_id: row.7,
                entry: VerificationLogEntry {
                    id: row.0,
                    verified_at: row.1,
                    reference_class: code_from_db(row.2)?,
                    validity,
                    screen_label: validity.screen_label_ja().to_string(),
                    office_number: row.4,
                    recipient_number: row.5,
                    name: row.8,
                    name_kana: row.9,
                    offline: row.6 != 0,
                    consent,
                },
            })
        })
        .collect()
}

/// How many verifications of an office's recipients a (JST) date has.
pub async fn count_of_office_on<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    date: &str,
) -> anyhow::Result<u64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM verifications WHERE office_number = $1 AND verified_date = $2",
    )
    .bind(office)
    .bind(date)
    .fetch_one(exec)
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// How many verifications an institution made on a (JST) date.
pub async fn count_at_institution_on<'e>(
    exec: impl AnyExecutor<'e>,
    institution: &str,
    date: &str,
) -> anyhow::Result<u64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM verifications WHERE institution_code = $1 AND verified_date = $2",
    )
    .bind(institution)
    .bind(date)
    .fetch_one(exec)
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// How many verifications are stored.
pub async fn count_all<'e>(exec: impl AnyExecutor<'e>) -> anyhow::Result<u64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM verifications")
        .fetch_one(exec)
        .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Every office with its count of verifications on a (JST) date (0 for none), by number.
pub async fn count_by_office_on<'e>(
    exec: impl AnyExecutor<'e>,
    date: NaiveDate,
) -> anyhow::Result<Vec<OfficeCount>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT o.number, o.name, COUNT(v.id) FROM offices o \
         LEFT JOIN verifications v ON v.office_number = o.number AND v.verified_date = $1 \
         GROUP BY o.number, o.name ORDER BY o.number",
    )
    .bind(date.to_string())
    .fetch_all(exec)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(office_number, office_name, count)| OfficeCount {
            office_number,
            office_name,
            count,
        })
        .collect())
}

/// An office's verifications of a (JST) date, oldest first, and the recipients they name
/// (ids, each once, ascending; a 受給者番号 not registered names none): the daily feed's file
/// and its audit. On SQLite through [`crate::db::SqliteFast`] on a blocking thread (a
/// national day is 1,250 of these reads, docs/benchmarks.md), else through the pool; the
/// same statement.
pub async fn of_office_on(
    db: &db::Db,
    office: &str,
    date: NaiveDate,
) -> anyhow::Result<(Vec<StoredVerification>, Vec<i64>)> {
    let values: Vec<Value> = vec![office.into(), date.to_string().into()];
    let rows: Vec<(StoredVerification, Option<i64>)> = match db.sqlite.clone() {
        Some(fast) => {
            fast.blocking(move |conn| {
                let mut statement = conn.prepare_cached(&OF_OFFICE_ON)?;
                let mut rows = statement.query(rusqlite::params_from_iter(&values))?;
                let mut found = Vec::new();
                while let Some(row) = rows.next()? {
                    found.push((from_row(row)?, row.col(10)?));
                }
                Ok(found)
            })
            .await?
        }
        None => db::bind_values(sqlx::query(OF_OFFICE_ON.as_str()), values)
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(|row| Ok((from_row(row)?, row.col(10)?)))
            .collect::<anyhow::Result<_>>()?,
    };
    let mut ids: Vec<i64> = rows.iter().filter_map(|(_, id)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok((rows.into_iter().map(|(v, _)| v).collect(), ids))
}

static OF_OFFICE_ON: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS}, r.id FROM verifications v \
         LEFT JOIN recipients r ON r.office_number = v.office_number AND r.recipient_number = v.recipient_number \
         WHERE v.office_number = $1 AND v.verified_date = $2 ORDER BY v.verified_at, v.id"
    )
});

/// [`of_office_on`] with the institution's name and the recipient's id and name.
pub async fn of_office_on_named<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    date: NaiveDate,
) -> anyhow::Result<Vec<NamedVerification>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}, i.name, r.id, r.name FROM verifications v \
         LEFT JOIN institutions i ON i.code = v.institution_code \
         LEFT JOIN recipients r ON r.office_number = v.office_number AND r.recipient_number = v.recipient_number \
         WHERE v.office_number = $1 AND v.verified_date = $2 ORDER BY v.verified_at, v.id"
    )))
    .bind(office)
    .bind(date.to_string())
    .fetch_all(exec)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(NamedVerification {
                verification: from_row(row)?,
                institution_name: row.try_get(10)?,
                recipient_id: row.try_get(11)?,
                recipient_name: row.try_get(12)?,
            })
        })
        .collect()
}

/// Each distinct (recipient, institution, date, verdict) of an office's verifications dated
/// `from..=until` (ISO dates), ordered by all four.
pub async fn verdict_days_of_office<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    from: &str,
    until: &str,
) -> anyhow::Result<Vec<VerdictDay>> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT recipient_number, institution_code, verified_date, validity FROM verifications \
         WHERE office_number = $1 AND verified_date >= $2 AND verified_date <= $3 \
         GROUP BY recipient_number, institution_code, verified_date, validity \
         ORDER BY recipient_number, institution_code, verified_date, validity",
    )
    .bind(office)
    .bind(from)
    .bind(until)
    .fetch_all(exec)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(recipient_number, institution_code, verified_date, validity)| VerdictDay {
                recipient_number,
                institution_code,
                verified_date,
                validity,
            },
        )
        .collect())
}

/// The institutions (code, name) named by an office's verifications dated `from..=until`
/// (ISO dates), by code.
pub async fn institutions_of_office<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    from: &str,
    until: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT i.code, i.name FROM institutions i WHERE i.code IN (\
           SELECT DISTINCT v.institution_code FROM verifications v \
           WHERE v.office_number = $1 AND v.verified_date >= $2 AND v.verified_date <= $3) \
         ORDER BY i.code",
    )
    .bind(office)
    .bind(from)
    .bind(until)
    .fetch_all(exec)
    .await?)
}

/// One verification of a recipient as the 受診状況 reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientVisit {
    pub institution_code: String,
    /// The registered institution's name (none for a code the registry does not hold).
    pub institution_name: Option<String>,
    pub verified_date: NaiveDate,
    pub validity: QualificationValidity,
}

/// The verifications of one recipient (`office` + 受給者番号) dated `from..=until` (JST), in
/// the order they were made.
pub async fn of_recipient_between<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    recipient_number: &str,
    from: NaiveDate,
    until: NaiveDate,
) -> anyhow::Result<Vec<RecipientVisit>> {
    let rows: Vec<(String, Option<String>, String, i64)> = sqlx::query_as(
        "SELECT v.institution_code, i.name, v.verified_date, v.validity FROM verifications v \
         LEFT JOIN institutions i ON i.code = v.institution_code \
         WHERE v.office_number = $1 AND v.recipient_number = $2 \
         AND v.verified_date >= $3 AND v.verified_date <= $4 \
         ORDER BY v.verified_at, v.id",
    )
    .bind(office)
    .bind(recipient_number)
    .bind(from.to_string())
    .bind(until.to_string())
    .fetch_all(exec)
    .await?;
    rows.into_iter()
        .map(|(institution_code, institution_name, date, validity)| {
            Ok(RecipientVisit {
                institution_code,
                institution_name,
                verified_date: date_from_db(&date)?,
                validity: code_from_db(validity)?,
            })
        })
        .collect()
}
