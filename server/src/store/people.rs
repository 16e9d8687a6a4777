//! 被保護者 and their 資格: the `people`, `recipients` (person link, 個人番号 digest) and
//! `qualification_events` tables as the rest of the server sees them.
//!
//! A person may hold a record (公費負担者番号 + 受給者番号) at several offices over time
//! (転居); each record's 資格 is the history of its registered decisions, from which
//! `domain::qualification::QualificationHistory` derives the covered periods. Nothing here
//! decides scope: callers pass the office they are allowed to read, and what is read of
//! another office (a 転居) is only its covered periods and its name and phone.

use std::collections::HashMap;

use anyhow::Context as _;
use chrono::NaiveDate;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::{AnyConnection, AnyExecutor, Row as _};

use domain::paper::CardStatus;
use domain::qualification::{
    CoveredPeriod, QualificationHistory, QualificationKind, QualifiedPeriod,
};

use crate::db::{Db, DbRow};
use crate::keys::Keys;

/// Registered decisions in the order they apply: by 効力発生日; on one day a 開始・再開
/// comes before a 停止・廃止 (a grant can only follow a loss on a later day), then as entered.
const HISTORY_ORDER: &str =
    "e.effective_date, CASE WHEN e.kind IN ('start', 'restart') THEN 0 ELSE 1 END, e.id";

fn parse_date(s: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").with_context(|| format!("stored date {s}"))
}

fn decision(kind: &str, effective: &str) -> anyhow::Result<(QualificationKind, NaiveDate)> {
    let kind = QualificationKind::from_code(kind)
        .with_context(|| format!("stored qualification kind {kind}"))?;
    Ok((kind, parse_date(effective)?))
}

/// The registered 資格 history of one record.
pub async fn history(
    conn: &mut AnyConnection,
    recipient_id: i64,
) -> anyhow::Result<QualificationHistory> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT e.kind, e.effective_date FROM qualification_events e \
         WHERE e.recipient_id = $1 AND e.status = 'registered' ORDER BY {HISTORY_ORDER}"
    )))
    .bind(recipient_id)
    .fetch_all(&mut *conn)
    .await?;
    let decisions = rows
        .iter()
        .map(|r| decision(&r.try_get::<String, _>(0)?, &r.try_get::<String, _>(1)?))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(QualificationHistory::new(decisions))
}

/// The histories of many records (ids not found have none).
pub async fn histories(
    db: &Db,
    recipient_ids: &[i64],
) -> anyhow::Result<HashMap<i64, QualificationHistory>> {
    let history_sql = |count: usize| {
        format!(
            "SELECT e.recipient_id, e.kind, e.effective_date FROM qualification_events e \
             WHERE e.status = 'registered' AND e.recipient_id IN ({}) \
             ORDER BY e.recipient_id, {HISTORY_ORDER}",
            crate::db::placeholders(1, count)
        )
    };
    // SQLite: through the fast path on a blocking thread (a 一括照会 reads a thousand).
    let rows: Vec<(i64, String, String)> = match db.sqlite.clone() {
        Some(fast) => {
            let ids = recipient_ids.to_vec();
            fast.blocking(move |conn| {
                let mut rows = Vec::new();
                for chunk in ids.chunks(500) {
                    let mut statement = conn.prepare(&history_sql(chunk.len()))?;
                    let mut found = statement.query(rusqlite::params_from_iter(chunk))?;
                    while let Some(row) = found.next()? {
                        rows.push((row.get(0)?, row.get(1)?, row.get(2)?));
                    }
                }
                Ok(rows)
            })
            .await?
        }
        None => {
            let mut rows = Vec::new();
            for chunk in recipient_ids.chunks(500) {
                let mut query = sqlx::query_as(sqlx::AssertSqlSafe(history_sql(chunk.len())));
                for id in chunk {
                    query = query.bind(*id);
                }
                rows.extend(query.fetch_all(&db.pool).await?);
            }
            rows
        }
    };
    let mut out: HashMap<i64, QualificationHistory> = HashMap::new();
    for (id, kind, effective) in rows {
        out.entry(id)
            .or_default()
            .decisions
            .push(decision(&kind, &effective)?);
    }
    Ok(out)
}

/// The histories of every record of one office, by record id.
pub async fn office_histories(
    db: &Db,
    office: &str,
) -> anyhow::Result<HashMap<i64, QualificationHistory>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT e.recipient_id, e.kind, e.effective_date FROM qualification_events e \
         JOIN recipients r ON r.id = e.recipient_id \
         WHERE r.office_number = $1 AND e.status = 'registered' ORDER BY e.recipient_id, {HISTORY_ORDER}"
    )))
    .bind(office)
    .fetch_all(&db.pool)
    .await?;
    let mut out: HashMap<i64, QualificationHistory> = HashMap::new();
    for row in rows {
        let id: i64 = row.try_get(0)?;
        let d = decision(&row.try_get::<String, _>(1)?, &row.try_get::<String, _>(2)?)?;
        out.entry(id).or_default().decisions.push(d);
    }
    Ok(out)
}

/// The same person's record at another office (a 転居): what a verification of the old
/// numbers may say about it — its covered periods and whom to phone, never its numbers.
#[derive(Debug, Clone)]
pub struct OtherRecord {
    pub recipient_id: i64,
    pub office_number: String,
    pub office_name: String,
    pub office_phone: String,
    /// 閲覧制限 on that record: nothing of that office may be shown.
    pub restricted: bool,
    pub periods: Vec<CoveredPeriod>,
}

impl OtherRecord {
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.periods.iter().any(|p| p.covers(date))
    }
}

/// The person's records at other offices than `recipient_id`'s, in record order: the one
/// query for "the same person elsewhere" (verification, the recipient page, 転居, cards).
pub async fn other_records(
    conn: &mut AnyConnection,
    recipient_id: i64,
) -> anyhow::Result<Vec<OtherRecord>> {
    let rows: Vec<(i64, String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT o2.id, o2.office_number, f.name, f.phone, o2.restricted \
         FROM recipients r JOIN recipients o2 ON o2.person_id = r.person_id AND o2.id <> r.id \
         JOIN offices f ON f.number = o2.office_number \
         WHERE r.id = $1 AND o2.office_number <> r.office_number ORDER BY o2.id",
    )
    .bind(recipient_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, office_number, office_name, phone, restricted) in rows {
        out.push(OtherRecord {
            recipient_id: id,
            office_number,
            office_name,
            office_phone: phone.unwrap_or_default(),
            restricted: restricted != 0,
            periods: history(conn, id).await?.periods(),
        });
    }
    Ok(out)
}

/// The covered periods of other offices' records of every person of `office`, by this
/// office's record id (for the 請求前資格確認 of a whole office).
pub async fn office_elsewhere(
    db: &Db,
    office: &str,
) -> anyhow::Result<HashMap<i64, Vec<CoveredPeriod>>> {
    let rows = sqlx::query(
        "SELECT r.id, o2.id FROM recipients r \
         JOIN recipients o2 ON o2.person_id = r.person_id AND o2.office_number <> r.office_number \
         WHERE r.office_number = $1",
    )
    .bind(office)
    .fetch_all(&db.pool)
    .await?;
    let pairs: Vec<(i64, i64)> = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<anyhow::Result<_>>()?;
    let others: Vec<i64> = pairs.iter().map(|p| p.1).collect();
    let histories = histories(db, &others).await?;
    let mut out: HashMap<i64, Vec<CoveredPeriod>> = HashMap::new();
    for (mine, other) in pairs {
        if let Some(h) = histories.get(&other) {
            out.entry(mine).or_default().extend(h.periods());
        }
    }
    Ok(out)
}

/// The record a card finds: the card was issued to one record of a person; after a 転居
/// the person's current record is the one whose 資格 covers `today`, else the one whose
/// latest period began last (ties: the newer record).
pub async fn current_record(db: &Db, recipient_id: i64, today: NaiveDate) -> anyhow::Result<i64> {
    let mut conn = db.pool.acquire().await?;
    let others = other_records(&mut conn, recipient_id).await?;
    if others.is_empty() {
        return Ok(recipient_id);
    }
    let own = history(&mut conn, recipient_id).await?.periods();
    let key = |periods: &[CoveredPeriod], id: i64| {
        let covers = periods.iter().any(|p| p.covers(today));
        let latest = periods.iter().map(|p| p.from).max();
        (covers, latest, id)
    };
    Ok(others
        .iter()
        .map(|o| key(&o.periods, o.recipient_id))
        .chain([key(&own, recipient_id)])
        .max()
        .map_or(recipient_id, |k| k.2))
}

/// Keyed digest of a 個人番号 (12 digits): equal numbers give equal digests, and without
/// `data.key` the digest tells nothing (no dictionary of 10^11 numbers can be built).
pub fn individual_number_digest(keys: &Keys, number: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&keys.digest_key())
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(b"onshi individual number v1:");
    mac.update(number.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Fill the digest of records stored before digests existed. Idempotent; run at start.
pub async fn backfill_digests(db: &Db, keys: &Keys) -> anyhow::Result<u64> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, individual_number FROM recipients \
         WHERE individual_number IS NOT NULL AND individual_number_digest IS NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut done = 0;
    for (id, sealed) in rows {
        let number = keys.open(&sealed)?;
        sqlx::query("UPDATE recipients SET individual_number_digest = $2 WHERE id = $1")
            .bind(id)
            .bind(individual_number_digest(keys, &number))
            .execute(&db.pool)
            .await?;
        done += 1;
    }
    Ok(done)
}

/// Give every record that has none its own person (new records, imports, the seed).
pub async fn ensure_people(conn: &mut AnyConnection) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO people (id, created_at) SELECT id, created_at FROM recipients WHERE person_id IS NULL",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE recipients SET person_id = id WHERE person_id IS NULL")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Someone registered at another office with the same 個人番号: a 転居 candidate.
#[derive(Debug, Clone)]
pub struct TransferCandidate {
    pub recipient_id: i64,
    pub person_id: i64,
    pub office_number: String,
    pub office_name: String,
    pub name_kana: String,
    pub birth_date: String,
    pub periods: Vec<CoveredPeriod>,
}

/// Records at other offices than `office` with this 個人番号 digest, newest first.
pub async fn by_digest_elsewhere(
    db: &Db,
    digest: &str,
    office: &str,
) -> anyhow::Result<Vec<TransferCandidate>> {
    let rows = sqlx::query(
        "SELECT r.id, r.person_id, r.office_number, o.name, r.name_kana, r.birth_date \
         FROM recipients r JOIN offices o ON o.number = r.office_number \
         WHERE r.individual_number_digest = $1 AND r.office_number <> $2 ORDER BY r.id DESC",
    )
    .bind(digest)
    .bind(office)
    .fetch_all(&db.pool)
    .await?;
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    let mut histories = histories(db, &ids).await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get(0)?;
            Ok(TransferCandidate {
                recipient_id: id,
                person_id: r.try_get::<Option<i64>, _>(1)?.unwrap_or(id),
                office_number: r.try_get(2)?,
                office_name: r.try_get(3)?,
                name_kana: r.try_get(4)?,
                birth_date: r.try_get(5)?,
                periods: histories.remove(&id).unwrap_or_default().periods(),
            })
        })
        .collect()
}

/// Store (or clear) the digest of a record's 個人番号.
pub async fn set_digest(
    conn: &mut AnyConnection,
    recipient_id: i64,
    digest: Option<&str>,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE recipients SET individual_number_digest = $2 WHERE id = $1")
        .bind(recipient_id)
        .bind(digest)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Link a record to an existing person (the 転居 the caseworker confirmed).
pub async fn link_person(
    conn: &mut AnyConnection,
    recipient_id: i64,
    person_id: i64,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE recipients SET person_id = $2 WHERE id = $1")
        .bind(recipient_id)
        .bind(person_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A decision to write into a record's history.
#[derive(Debug, Clone)]
pub struct NewDecision<'a> {
    pub recipient_id: i64,
    pub kind: QualificationKind,
    pub effective: NaiveDate,
    pub decision: NaiveDate,
    /// `registered` or `pending`.
    pub status: &'a str,
    pub registration_due: Option<NaiveDate>,
    /// UTC RFC 3339.
    pub at: &'a str,
    /// Login (or `import`, `移管:公費負担者番号`).
    pub by: &'a str,
    /// decision | import
    pub source: &'a str,
    pub linked_event_id: Option<i64>,
}

/// Append a decision; its id.
pub async fn insert_decision(conn: &mut AnyConnection, d: &NewDecision<'_>) -> anyhow::Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO qualification_events (recipient_id, kind, effective_date, decision_date, registered_at, \
         registered_by, status, registration_due, recorded_at, recorded_by, source, linked_event_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $5, $6, $9, $10) RETURNING id",
    )
    .bind(d.recipient_id)
    .bind(d.kind.code())
    .bind(d.effective.to_string())
    .bind(d.decision.to_string())
    .bind(d.at)
    .bind(d.by)
    .bind(d.status)
    .bind(d.registration_due.map(|x| x.to_string()))
    .bind(d.source)
    .bind(d.linked_event_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Keep the record's 資格取得日/資格喪失日 (what lists and exchange files show: the latest
/// period) in step with its history.
pub async fn refresh_current_period(
    conn: &mut AnyConnection,
    recipient_id: i64,
    now: &str,
) -> anyhow::Result<QualificationHistory> {
    let h = history(conn, recipient_id).await?;
    let current = h.current();
    sqlx::query(
        "UPDATE recipients SET qualified_from = $2, qualified_until = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(recipient_id)
    .bind(current.from.map(|d| d.to_string()))
    .bind(current.until.map(|d| d.to_string()))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(h)
}

/// Replace the decisions an exchange file gave a record (source `import`) by its new
/// 資格取得日/資格喪失日, unless the record has decisions registered here, which then
/// stand (returns false).
pub async fn replace_imported_pair(
    conn: &mut AnyConnection,
    recipient_id: i64,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    at: &str,
) -> anyhow::Result<bool> {
    let (decided,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM qualification_events WHERE recipient_id = $1 AND status = 'registered' AND source <> 'import'",
    )
    .bind(recipient_id)
    .fetch_one(&mut *conn)
    .await?;
    if decided > 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM qualification_events WHERE recipient_id = $1 AND source = 'import'")
        .bind(recipient_id)
        .execute(&mut *conn)
        .await?;
    let Some(from) = from else {
        return Ok(true);
    };
    let pair = [
        (QualificationKind::Start, Some(from)),
        (QualificationKind::Abolish, until),
    ];
    for (kind, effective) in pair {
        if let Some(effective) = effective {
            insert_decision(
                conn,
                &NewDecision {
                    recipient_id,
                    kind,
                    effective,
                    decision: effective,
                    status: "registered",
                    registration_due: None,
                    at,
                    by: "import",
                    source: "import",
                    linked_event_id: None,
                },
            )
            .await?;
        }
    }
    Ok(true)
}

/// Make every record without decisions of its own take its 資格 from its stored
/// 資格取得日/資格喪失日 pair (as an import would), and give each record its person.
/// For records written by other means than this store (a hand-made or restored database).
pub async fn adopt_pairs(conn: &mut AnyConnection, at: &str) -> anyhow::Result<()> {
    let rows: Vec<(i64, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT id, qualified_from, qualified_until FROM recipients ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
    for (id, from, until) in rows {
        let from = from.as_deref().map(parse_date).transpose()?;
        let until = until.as_deref().map(parse_date).transpose()?;
        replace_imported_pair(conn, id, from, until, at).await?;
    }
    ensure_people(conn).await
}

/// Who a signed-in recipient is: their record's numbers and name.
#[derive(Debug, Clone)]
pub struct RecipientIdentity {
    pub office_number: String,
    pub recipient_number: String,
    pub name: String,
}

/// The numbers and name of a record, if it exists.
pub async fn identity(db: &Db, recipient_id: i64) -> anyhow::Result<Option<RecipientIdentity>> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT office_number, recipient_number, name FROM recipients WHERE id = $1",
    )
    .bind(recipient_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(
        |(office_number, recipient_number, name)| RecipientIdentity {
            office_number,
            recipient_number,
            name,
        },
    ))
}

/// The record with these numbers: (id, name), if registered.
pub async fn by_numbers(
    db: &Db,
    office_number: &str,
    recipient_number: &str,
) -> anyhow::Result<Option<(i64, String)>> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM recipients WHERE office_number = $1 AND recipient_number = $2",
    )
    .bind(office_number)
    .bind(recipient_number)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row)
}

/// Note that the record's person holds a マイナンバーカード registered for 資格確認.
pub async fn set_card_held(conn: &mut AnyConnection, recipient_id: i64) -> anyhow::Result<()> {
    sqlx::query("UPDATE recipients SET card_held = 1, card_registered = 1 WHERE id = $1")
        .bind(recipient_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------- the 台帳 record

/// Columns of [`RecipientRow`], from `recipients r`.
pub const RECIPIENT_COLUMNS: &str = "r.id, r.office_number, r.recipient_number, r.individual_number, r.name, r.name_kana, \
     r.sex, r.birth_date, r.postal_code, r.address, r.case_number, r.card_held, r.card_registered, r.restricted, \
     r.qualified_from, r.qualified_until, r.created_at, r.updated_at, r.caseworker_login, r.restriction_reason, \
     r.restriction_changed_at, r.restriction_changed_by";

/// A `recipients` row as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecipientRow {
    pub id: i64,
    pub office_number: String,
    pub recipient_number: String,
    /// Sealed 個人番号 (`Keys::seal`).
    pub individual_number: Option<String>,
    pub name: String,
    pub name_kana: String,
    pub sex: i64,
    pub birth_date: String,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub case_number: Option<String>,
    pub card_held: i64,
    pub card_registered: i64,
    pub restricted: i64,
    pub qualified_from: Option<String>,
    pub qualified_until: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub caseworker_login: Option<String>,
    pub restriction_reason: Option<String>,
    pub restriction_changed_at: Option<String>,
    pub restriction_changed_by: Option<String>,
}

fn optional_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
}

impl RecipientRow {
    pub fn period(&self) -> QualifiedPeriod {
        QualifiedPeriod {
            from: self.qualified_from.as_deref().and_then(optional_date),
            until: self.qualified_until.as_deref().and_then(optional_date),
        }
    }

    pub fn card_status(&self) -> CardStatus {
        CardStatus {
            card_held: self.card_held != 0,
            card_registered: self.card_registered != 0,
            has_individual_number: self.individual_number.is_some(),
        }
    }

    pub fn sex_code(&self) -> String {
        self.sex.to_string()
    }
}

/// The record with this id in this office (none for another office's id).
pub async fn recipient(
    conn: &mut AnyConnection,
    office: &str,
    id: i64,
) -> anyhow::Result<Option<RecipientRow>> {
    let row: Option<RecipientRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RECIPIENT_COLUMNS} FROM recipients r WHERE r.id = $1 AND r.office_number = $2"
    )))
    .bind(id)
    .bind(office)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row)
}

/// A record of the office that may be the person being registered.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DuplicateRow {
    pub id: i64,
    pub recipient_number: String,
    pub name: String,
    pub name_kana: String,
    pub birth_date: String,
    /// 1 when its 個人番号 is the one being registered.
    pub same_number: i64,
}

/// The records of `office` born on `birth_date` or holding the 個人番号 with this `digest`
/// (the candidates of the duplicate check of a new record, which compares the カナ with
/// `domain::recipient::possible_duplicate`; run it under the office's recipient sequence lock).
pub async fn duplicate_candidates(
    conn: &mut AnyConnection,
    office: &str,
    birth_date: &str,
    digest: Option<&str>,
) -> anyhow::Result<Vec<DuplicateRow>> {
    // No digest is ever empty, so "" matches nothing.
    let rows: Vec<DuplicateRow> = sqlx::query_as(
        "SELECT id, recipient_number, name, name_kana, birth_date, \
         CASE WHEN individual_number_digest = $3 THEN 1 ELSE 0 END AS same_number \
         FROM recipients WHERE office_number = $1 AND (birth_date = $2 OR individual_number_digest = $3) \
         ORDER BY recipient_number",
    )
    .bind(office)
    .bind(birth_date)
    .bind(digest.unwrap_or(""))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows)
}

/// The fields of a record the 台帳 screen writes.
#[derive(Debug, Clone)]
pub struct RecipientFieldsRow<'a> {
    /// Sealed 個人番号.
    pub individual_number: Option<&'a str>,
    pub name: &'a str,
    pub name_kana: &'a str,
    pub sex: i64,
    pub birth_date: &'a str,
    pub postal_code: Option<&'a str>,
    pub address: Option<&'a str>,
    pub case_number: Option<&'a str>,
    pub card_held: bool,
    pub card_registered: bool,
    pub caseworker_login: Option<&'a str>,
}

/// Insert a new record (not restricted); its id.
pub async fn insert_recipient(
    conn: &mut AnyConnection,
    office: &str,
    recipient_number: &str,
    fields: &RecipientFieldsRow<'_>,
    digest: Option<&str>,
    now: &str,
) -> anyhow::Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO recipients (office_number, recipient_number, individual_number, name, name_kana, sex, birth_date, \
         postal_code, address, case_number, card_held, card_registered, restricted, caseworker_login, created_at, updated_at, \
         individual_number_digest) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13, $14, $14, $15) RETURNING id",
    )
    .bind(office)
    .bind(recipient_number)
    .bind(fields.individual_number)
    .bind(fields.name)
    .bind(fields.name_kana)
    .bind(fields.sex)
    .bind(fields.birth_date)
    .bind(fields.postal_code)
    .bind(fields.address)
    .bind(fields.case_number)
    .bind(i64::from(fields.card_held))
    .bind(i64::from(fields.card_registered))
    .bind(fields.caseworker_login)
    .bind(now)
    .bind(digest)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Overwrite the 台帳 fields of the record `id` of `office`.
pub async fn update_recipient(
    conn: &mut AnyConnection,
    office: &str,
    id: i64,
    fields: &RecipientFieldsRow<'_>,
    now: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE recipients SET individual_number = $3, name = $4, name_kana = $5, sex = $6, birth_date = $7, \
         postal_code = $8, address = $9, case_number = $10, card_held = $11, card_registered = $12, \
         caseworker_login = $13, updated_at = $14 WHERE id = $1 AND office_number = $2",
    )
    .bind(id)
    .bind(office)
    .bind(fields.individual_number)
    .bind(fields.name)
    .bind(fields.name_kana)
    .bind(fields.sex)
    .bind(fields.birth_date)
    .bind(fields.postal_code)
    .bind(fields.address)
    .bind(fields.case_number)
    .bind(i64::from(fields.card_held))
    .bind(i64::from(fields.card_registered))
    .bind(fields.caseworker_login)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Set or clear 閲覧制限 on the record `id` of `office`, with why, when and by whom.
pub async fn set_restriction(
    conn: &mut AnyConnection,
    office: &str,
    id: i64,
    restricted: bool,
    reason: &str,
    now: &str,
    by: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE recipients SET restricted = $3, restriction_reason = $4, restriction_changed_at = $5, \
         restriction_changed_by = $6, updated_at = $5 WHERE id = $1 AND office_number = $2",
    )
    .bind(id)
    .bind(office)
    .bind(i64::from(restricted))
    .bind(reason)
    .bind(now)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The 受給者番号 of `office` in `[lo, hi)` (texts compared as stored).
pub async fn recipient_numbers_between(
    conn: &mut AnyConnection,
    office: &str,
    lo: &str,
    hi: &str,
) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT recipient_number FROM recipients WHERE office_number = $1 AND recipient_number >= $2 AND recipient_number < $3",
    )
    .bind(office)
    .bind(lo)
    .bind(hi)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The highest 受給者番号 of `office`, if any.
pub async fn max_recipient_number(
    conn: &mut AnyConnection,
    office: &str,
) -> anyhow::Result<Option<String>> {
    let highest: Option<(Option<String>,)> =
        sqlx::query_as("SELECT MAX(recipient_number) FROM recipients WHERE office_number = $1")
            .bind(office)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(highest.and_then(|h| h.0))
}

// ---------------------------------------------------------------- the 台帳 list

/// One line of the 台帳 list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListRow {
    pub id: i64,
    pub recipient_number: String,
    pub name: String,
    pub name_kana: String,
    pub sex: i64,
    pub birth_date: String,
    pub case_number: Option<String>,
    pub caseworker_login: Option<String>,
    pub qualified_from: Option<String>,
    pub qualified_until: Option<String>,
    pub card_held: i64,
    pub card_registered: i64,
    pub restricted: i64,
    pub pending: i64,
}

/// Which 資格 state the list keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStatus {
    All,
    /// Covered on the given date.
    Active,
    /// Lost before the given date.
    Ended,
    /// Never registered.
    None,
    /// With a decision waiting for registration.
    Pending,
}

/// What the 台帳 list searches for: the typed terms match any of their fields.
#[derive(Debug, Clone, Default)]
pub struct ListFilter<'a> {
    pub recipient_number_prefix: Option<&'a str>,
    pub kana_prefix: Option<&'a str>,
    pub name_contains: Option<&'a str>,
    pub birth_date: Option<NaiveDate>,
    pub case_number: Option<&'a str>,
    /// Something was typed (when no field above could match, nothing is found).
    pub typed: bool,
    pub status: Option<ListStatus>,
    /// Only this caseworker's caseload.
    pub caseworker: Option<&'a str>,
}

/// Bind `value` as the next `$n`; the placeholder.
fn param(binds: &mut Vec<String>, value: String) -> String {
    binds.push(value);
    format!("${}", binds.len())
}

/// Escape `%`, `_` and `\` for `LIKE … ESCAPE '\'`.
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// One page of the office's 台帳 list, by 氏名カナ, and how many match in all.
pub async fn list(
    db: &Db,
    office: &str,
    filter: &ListFilter<'_>,
    today: NaiveDate,
    limit: i64,
    offset: i64,
) -> anyhow::Result<(Vec<ListRow>, i64)> {
    let today = today.to_string();
    let mut binds = vec![office.to_string()];
    let mut conditions = vec!["r.office_number = $1".to_string()];
    let mut any_of = Vec::new();
    if let Some(prefix) = filter.recipient_number_prefix {
        any_of.push(format!(
            "r.recipient_number LIKE {}",
            param(&mut binds, format!("{prefix}%"))
        ));
    }
    if let Some(kana) = filter.kana_prefix {
        let p = param(&mut binds, format!("{}%", like_escape(kana)));
        any_of.push(format!(
            "REPLACE(REPLACE(r.name_kana, '\u{3000}', ''), ' ', '') LIKE {p} ESCAPE '\\'"
        ));
    }
    if let Some(name) = filter.name_contains {
        let p = param(&mut binds, format!("%{}%", like_escape(name)));
        any_of.push(format!(
            "REPLACE(REPLACE(r.name, '\u{3000}', ''), ' ', '') LIKE {p} ESCAPE '\\'"
        ));
    }
    if let Some(birth) = filter.birth_date {
        any_of.push(format!(
            "r.birth_date = {}",
            param(&mut binds, birth.to_string())
        ));
    }
    if let Some(case) = filter.case_number {
        any_of.push(format!(
            "r.case_number = {}",
            param(&mut binds, case.to_string())
        ));
    }
    if filter.typed {
        if any_of.is_empty() {
            // Nothing it could be: an empty result, not the whole office.
            any_of.push("1 = 0".to_string());
        }
        conditions.push(format!("({})", any_of.join(" OR ")));
    }
    match filter.status {
        None | Some(ListStatus::All) => {}
        Some(ListStatus::Active) => {
            let t = param(&mut binds, today.clone());
            conditions.push(format!(
                "r.qualified_from IS NOT NULL AND r.qualified_from <= {t} AND (r.qualified_until IS NULL OR r.qualified_until >= {t})"
            ));
        }
        Some(ListStatus::Ended) => {
            let t = param(&mut binds, today.clone());
            conditions.push(format!("r.qualified_until IS NOT NULL AND r.qualified_until < {t}"));
        }
        Some(ListStatus::None) => conditions.push("r.qualified_from IS NULL".to_string()),
        Some(ListStatus::Pending) => conditions.push(
            "EXISTS (SELECT 1 FROM qualification_events e WHERE e.recipient_id = r.id AND e.status = 'pending')".to_string(),
        ),
    }
    if let Some(me) = filter.caseworker {
        let me = param(&mut binds, me.to_string());
        conditions.push(format!("r.caseworker_login = {me}"));
    }
    let where_sql = conditions.join(" AND ");
    let list_sql = format!(
        "SELECT r.id, r.recipient_number, r.name, r.name_kana, r.sex, r.birth_date, r.case_number, r.caseworker_login, \
         r.qualified_from, r.qualified_until, r.card_held, r.card_registered, r.restricted, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM qualification_events e WHERE e.recipient_id = r.id AND e.status = 'pending') \
         THEN 1 ELSE 0 END AS BIGINT) AS pending \
         FROM recipients r WHERE {where_sql} ORDER BY r.name_kana, r.id LIMIT {limit} OFFSET {offset}"
    );
    let count_sql = format!("SELECT COUNT(*) FROM recipients r WHERE {where_sql}");
    let mut list = sqlx::query_as::<_, ListRow>(sqlx::AssertSqlSafe(list_sql));
    let mut count = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count_sql));
    for value in &binds {
        list = list.bind(value.clone());
        count = count.bind(value.clone());
    }
    let rows = list.fetch_all(&db.pool).await?;
    let (total,) = count.fetch_one(&db.pool).await?;
    Ok((rows, total))
}

// ---------------------------------------------------------------- decisions as recorded

/// A `qualification_events` row as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub recipient_id: i64,
    pub kind: String,
    pub effective_date: String,
    pub decision_date: String,
    pub registered_at: String,
    pub registered_by: String,
    pub status: String,
    pub registration_due: Option<String>,
    pub withdraw_reason: Option<String>,
    /// decision | import | migration | transfer
    pub source: String,
    pub recorded_at: Option<String>,
}

/// Columns of [`EventRow`], from `qualification_events e`.
pub const EVENT_COLUMNS: &str =
    "e.id, e.recipient_id, e.kind, e.effective_date, e.decision_date, e.registered_at, \
     e.registered_by, e.status, e.registration_due, e.withdraw_reason, e.source, e.recorded_at";

/// Every decision recorded on a record (any status), by 効力発生日 then as entered.
pub async fn events(conn: &mut AnyConnection, recipient_id: i64) -> anyhow::Result<Vec<EventRow>> {
    let events: Vec<EventRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {EVENT_COLUMNS} FROM qualification_events e WHERE e.recipient_id = $1 \
         ORDER BY e.effective_date, e.id"
    )))
    .bind(recipient_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(events)
}

/// The decision with this id on a record of `office` (none for another office's).
pub async fn event(
    conn: &mut AnyConnection,
    office: &str,
    event_id: i64,
) -> anyhow::Result<Option<EventRow>> {
    let row: Option<EventRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {EVENT_COLUMNS} FROM qualification_events e JOIN recipients r ON r.id = e.recipient_id \
         WHERE e.id = $1 AND r.office_number = $2"
    )))
    .bind(event_id)
    .bind(office)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row)
}

/// Register a pending decision (nothing happens to one no longer pending).
pub async fn register_event(
    conn: &mut AnyConnection,
    event_id: i64,
    at: &str,
    by: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE qualification_events SET status = 'registered', registered_at = $2, registered_by = $3 \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(event_id)
    .bind(at)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Withdraw a pending decision with its reason (nothing happens to one no longer pending).
pub async fn withdraw_event(
    conn: &mut AnyConnection,
    event_id: i64,
    reason: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE qualification_events SET status = 'withdrawn', withdraw_reason = $2 WHERE id = $1 AND status = 'pending'",
    )
    .bind(event_id)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A decision waiting for registration, with its record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingRow {
    pub event_id: i64,
    pub recipient_id: i64,
    pub recipient_number: String,
    pub recipient_name: String,
    pub caseworker_login: Option<String>,
    pub kind: String,
    pub effective_date: String,
    pub decision_date: String,
    pub registration_due: Option<String>,
    /// decision | import | migration | transfer
    pub source: String,
    pub recorded_at: Option<String>,
}

/// Pending decisions of the office (of `caseworker`'s caseload and the unassigned, when
/// given), by due date then as entered.
pub async fn pending_events(
    conn: &mut AnyConnection,
    office: &str,
    caseworker: Option<&str>,
) -> anyhow::Result<Vec<PendingRow>> {
    let mut sql = "SELECT e.id AS event_id, r.id AS recipient_id, r.recipient_number, r.name AS recipient_name, \
         r.caseworker_login, e.kind, e.effective_date, e.decision_date, e.registration_due, \
         e.source, e.recorded_at \
         FROM qualification_events e JOIN recipients r ON r.id = e.recipient_id \
         WHERE r.office_number = $1 AND e.status = 'pending'"
        .to_string();
    if caseworker.is_some() {
        sql.push_str(" AND (r.caseworker_login = $2 OR r.caseworker_login IS NULL)");
    }
    sql.push_str(" ORDER BY e.registration_due, e.id");
    let mut query = sqlx::query_as::<_, PendingRow>(sqlx::AssertSqlSafe(sql)).bind(office);
    if let Some(login) = caseworker {
        query = query.bind(login);
    }
    Ok(query.fetch_all(&mut *conn).await?)
}

/// How many decisions of a record wait for registration.
pub async fn pending_count(conn: &mut AnyConnection, recipient_id: i64) -> anyhow::Result<i64> {
    let (pending,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM qualification_events WHERE recipient_id = $1 AND status = 'pending'",
    )
    .bind(recipient_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(pending)
}

// ---------------------------------------------------------------- counts

/// Counts of an office's records (of one caseworker's caseload, or overall).
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordCounts {
    pub total: i64,
    /// Covered on the day asked.
    pub active: i64,
    pub without_card: i64,
    pub restricted: i64,
}

/// The office's record counts by 地区担当員 (none: unassigned) on `today`.
pub async fn counts_by_caseworker(
    conn: &mut AnyConnection,
    office: &str,
    today: &str,
) -> anyhow::Result<Vec<(Option<String>, RecordCounts)>> {
    let counts: Vec<(Option<String>, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT caseworker_login, COUNT(*), \
         CAST(COALESCE(SUM(CASE WHEN qualified_from IS NOT NULL AND qualified_from <= $2 \
              AND (qualified_until IS NULL OR qualified_until >= $2) THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN card_held = 0 THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN restricted = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM recipients WHERE office_number = $1 GROUP BY caseworker_login",
    )
    .bind(office)
    .bind(today)
    .fetch_all(&mut *conn)
    .await?;
    Ok(counts
        .into_iter()
        .map(|(login, total, active, without_card, restricted)| {
            (
                login,
                RecordCounts {
                    total,
                    active,
                    without_card,
                    restricted,
                },
            )
        })
        .collect())
}

/// The office's pending decisions by 地区担当員 of their record (none: unassigned).
pub async fn pending_by_caseworker(
    conn: &mut AnyConnection,
    office: &str,
) -> anyhow::Result<Vec<(Option<String>, i64)>> {
    let pending: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT r.caseworker_login, COUNT(*) FROM qualification_events e JOIN recipients r ON r.id = e.recipient_id \
         WHERE r.office_number = $1 AND e.status = 'pending' GROUP BY r.caseworker_login",
    )
    .bind(office)
    .fetch_all(&mut *conn)
    .await?;
    Ok(pending)
}

/// The office's record count, those covered on `today`, and those without a card.
pub async fn office_totals(db: &Db, office: &str, today: &str) -> anyhow::Result<(i64, i64, i64)> {
    let totals: (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), \
                CAST(COALESCE(SUM(CASE WHEN qualified_from IS NOT NULL AND qualified_from <= $2 \
                                   AND (qualified_until IS NULL OR qualified_until >= $2) THEN 1 ELSE 0 END), 0) AS BIGINT), \
                CAST(COALESCE(SUM(CASE WHEN card_held = 0 THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM recipients WHERE office_number = $1",
    )
    .bind(office)
    .bind(today)
    .fetch_one(&db.pool)
    .await?;
    Ok(totals)
}

/// A record as the home screen lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SummaryRow {
    pub id: i64,
    pub recipient_number: String,
    pub name: String,
    pub name_kana: String,
    pub birth_date: String,
    pub qualified_from: Option<String>,
    pub qualified_until: Option<String>,
    pub card_held: i64,
    pub restricted: i64,
}

/// The office's records changed last, newest first.
pub async fn recently_updated(
    db: &Db,
    office: &str,
    limit: i64,
) -> anyhow::Result<Vec<SummaryRow>> {
    let rows: Vec<SummaryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, recipient_number, name, name_kana, birth_date, qualified_from, qualified_until, card_held, restricted \
         FROM recipients WHERE office_number = $1 ORDER BY updated_at DESC, id DESC LIMIT {limit}"
    )))
    .bind(office)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows)
}

/// A record's name, numbers and current period (signed-in recipient's home).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OwnRecord {
    pub name: String,
    pub office_number: String,
    pub recipient_number: String,
    pub qualified_from: Option<String>,
    pub qualified_until: Option<String>,
    /// 閲覧制限 (0/1).
    pub restricted: i64,
}

/// The record `id`, if it exists.
pub async fn own_record(db: &Db, id: i64) -> anyhow::Result<Option<OwnRecord>> {
    let row: Option<OwnRecord> = sqlx::query_as(
        "SELECT name, office_number, recipient_number, qualified_from, qualified_until, restricted FROM recipients WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row)
}

/// Every record stored.
pub async fn count_all(db: &Db) -> anyhow::Result<u64> {
    db.count("SELECT COUNT(*) FROM recipients").await
}

/// The stored 資格取得日/資格喪失日 of the records `ids` of `office` (others are left out):
/// (id, from, until).
pub async fn stored_periods(
    conn: &mut AnyConnection,
    office: &str,
    ids: &[i64],
) -> anyhow::Result<Vec<(i64, Option<String>, Option<String>)>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut query = sqlx::query_as::<_, (i64, Option<String>, Option<String>)>(
            sqlx::AssertSqlSafe(format!(
                "SELECT id, qualified_from, qualified_until FROM recipients WHERE office_number = $1 AND id IN ({})",
                crate::db::placeholders(2, chunk.len())
            )),
        )
        .bind(office);
        for id in chunk {
            query = query.bind(*id);
        }
        out.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// Every record of `office`: (id, 受給者番号, name, 生年月日), in no particular order.
pub async fn roster(db: &Db, office: &str) -> anyhow::Result<Vec<(i64, String, String, String)>> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, recipient_number, name, birth_date FROM recipients WHERE office_number = $1",
    )
    .bind(office)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows)
}

/// Every record of `office`: (id, 受給者番号, name), by 受給者番号.
pub async fn numbers_and_names(
    db: &Db,
    office: &str,
) -> anyhow::Result<Vec<(i64, String, String)>> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, recipient_number, name FROM recipients WHERE office_number = $1 ORDER BY recipient_number",
    )
    .bind(office)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows)
}

// ---------------------------------------------------------------- records as verification reads them

/// A record with its office's name and phone, as a 資格確認 reads it.
#[derive(Debug, Clone)]
pub struct VerifiedRecord {
    pub id: i64,
    pub office_number: String,
    pub office_name: String,
    pub office_phone: Option<String>,
    pub recipient_number: String,
    pub name: String,
    pub name_kana: String,
    pub sex: i64,
    pub birth_date: String,
    pub qualified_from: Option<String>,
    pub qualified_until: Option<String>,
    pub restricted: i64,
}

/// Columns of [`VerifiedRecord`], from `recipients r JOIN offices o`.
const VERIFIED_COLUMNS: &str =
    "r.id, r.office_number, o.name, o.phone, r.recipient_number, r.name, r.name_kana, \
     r.sex, r.birth_date, r.qualified_from, r.qualified_until, r.restricted";
const VERIFIED_COLUMN_COUNT: usize = 12;

fn verified_record(row: &impl DbRow) -> anyhow::Result<VerifiedRecord> {
    Ok(VerifiedRecord {
        id: row.col(0)?,
        office_number: row.col(1)?,
        office_name: row.col(2)?,
        office_phone: row.col(3)?,
        recipient_number: row.col(4)?,
        name: row.col(5)?,
        name_kana: row.col(6)?,
        sex: row.col(7)?,
        birth_date: row.col(8)?,
        qualified_from: row.col(9)?,
        qualified_until: row.col(10)?,
        restricted: row.col(11)?,
    })
}

/// The record with these numbers and its registered 資格 history, in one statement (the
/// record's columns repeated on each of its decisions), for a 資格確認.
pub async fn verified_with_history_by_numbers(
    db: &Db,
    office: &str,
    recipient: &str,
) -> anyhow::Result<Option<(VerifiedRecord, QualificationHistory)>> {
    verified_with_history(
        db,
        "r.office_number = $1 AND r.recipient_number = $2",
        vec![office.into(), recipient.into()],
    )
    .await
}

/// The record with this id and its registered 資格 history, in one statement, for a 資格確認.
pub async fn verified_with_history_by_id(
    db: &Db,
    id: i64,
) -> anyhow::Result<Option<(VerifiedRecord, QualificationHistory)>> {
    verified_with_history(db, "r.id = $1", vec![id.into()]).await
}

async fn verified_with_history(
    db: &Db,
    filter: &str,
    binds: Vec<crate::db::Value>,
) -> anyhow::Result<Option<(VerifiedRecord, QualificationHistory)>> {
    let sql = format!(
        "SELECT {VERIFIED_COLUMNS}, e.kind, e.effective_date \
         FROM recipients r JOIN offices o ON o.number = r.office_number \
         LEFT JOIN qualification_events e ON e.recipient_id = r.id AND e.status = 'registered' \
         WHERE {filter} ORDER BY {HISTORY_ORDER}"
    );
    let mut history = RecordWithHistory::default();
    if let Some(fast) = &db.sqlite {
        // The verification hot path on SQLite (`crate::db::SqliteFast`): the same statement.
        fast.with(|conn| {
            let mut statement = conn.prepare_cached(&sql)?;
            let mut rows = statement.query(rusqlite::params_from_iter(&binds))?;
            while let Some(row) = rows.next()? {
                history.add(row)?;
            }
            Ok(())
        })?;
    } else {
        let query = crate::db::bind_values(sqlx::query(sqlx::AssertSqlSafe(sql)), binds);
        for row in query.fetch_all(&db.pool).await? {
            history.add(&row)?;
        }
    }
    Ok(history.finish())
}

/// The rows of [`verified_with_history`] read in order: the record (its columns repeated on
/// each row) and its registered decisions.
#[derive(Default)]
struct RecordWithHistory {
    record: Option<VerifiedRecord>,
    decisions: Vec<(QualificationKind, NaiveDate)>,
}

impl RecordWithHistory {
    fn add(&mut self, row: &impl DbRow) -> anyhow::Result<()> {
        if self.record.is_none() {
            self.record = Some(verified_record(row)?);
        }
        let kind: Option<String> = row.col(VERIFIED_COLUMN_COUNT)?;
        let effective: Option<String> = row.col(VERIFIED_COLUMN_COUNT + 1)?;
        if let (Some(kind), Some(effective)) = (kind, effective) {
            self.decisions.push(decision(&kind, &effective)?);
        }
        Ok(())
    }

    fn finish(self) -> Option<(VerifiedRecord, QualificationHistory)> {
        let decisions = self.decisions;
        self.record
            .map(|record| (record, QualificationHistory::new(decisions)))
    }
}

/// The records with these ids, for a 資格確認 (ids not found are left out).
pub async fn verified_by_ids(db: &Db, ids: &[i64]) -> anyhow::Result<Vec<VerifiedRecord>> {
    let by_ids_sql = |count: usize| {
        format!(
            "SELECT {VERIFIED_COLUMNS} FROM recipients r JOIN offices o ON o.number = r.office_number \
             WHERE r.id IN ({})",
            crate::db::placeholders(1, count)
        )
    };
    // SQLite: through the fast path on a blocking thread (a 一括照会 reads a thousand).
    if let Some(fast) = db.sqlite.clone() {
        let ids = ids.to_vec();
        return fast
            .blocking(move |conn| {
                let mut found = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(500) {
                    let mut statement = conn.prepare(&by_ids_sql(chunk.len()))?;
                    let mut rows = statement.query(rusqlite::params_from_iter(chunk))?;
                    while let Some(row) = rows.next()? {
                        found.push(verified_record(row)?);
                    }
                }
                Ok(found)
            })
            .await;
    }
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(by_ids_sql(chunk.len())));
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&db.pool).await? {
            found.push(verified_record(&row)?);
        }
    }
    Ok(found)
}

// ---------------------------------------------------------------- imports

/// (公費負担者番号, 受給者番号) of every record stored.
pub async fn all_numbers(db: &Db) -> anyhow::Result<std::collections::HashSet<(String, String)>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT office_number, recipient_number FROM recipients")
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().collect())
}

/// The id of the record with these numbers, if registered.
pub async fn id_by_numbers(
    conn: &mut AnyConnection,
    office_number: &str,
    recipient_number: &str,
) -> anyhow::Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM recipients WHERE office_number = $1 AND recipient_number = $2",
    )
    .bind(office_number)
    .bind(recipient_number)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| r.0))
}

/// Insert the record of an exchange file's row, or update the one with its numbers (a
/// 個人番号 the file leaves out stays); its id. `sealed` and `digest` are the row's
/// 個人番号 sealed and digested, `sex` its code as a number.
pub async fn upsert_imported(
    conn: &mut AnyConnection,
    r: &domain::import::RecipientRow,
    sealed: Option<&str>,
    digest: Option<&str>,
    sex: i64,
    now: &str,
) -> anyhow::Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO recipients (office_number, recipient_number, individual_number, name, name_kana, sex, birth_date, \
         postal_code, address, card_held, card_registered, restricted, qualified_from, qualified_until, created_at, updated_at, \
         individual_number_digest) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16) \
         ON CONFLICT (office_number, recipient_number) DO UPDATE SET \
         individual_number = COALESCE(excluded.individual_number, recipients.individual_number), \
         individual_number_digest = COALESCE(excluded.individual_number_digest, recipients.individual_number_digest), \
         name = excluded.name, name_kana = excluded.name_kana, sex = excluded.sex, birth_date = excluded.birth_date, \
         postal_code = excluded.postal_code, address = excluded.address, card_held = excluded.card_held, \
         card_registered = excluded.card_registered, restricted = excluded.restricted, \
         updated_at = excluded.updated_at RETURNING id",
    )
    .bind(r.office.as_str())
    .bind(r.recipient.as_str())
    .bind(sealed)
    .bind(&r.name)
    .bind(&r.name_kana)
    .bind(sex)
    .bind(r.birth_date.to_string())
    .bind(&r.postal_code)
    .bind(&r.address)
    .bind(i64::from(r.card_registered))
    .bind(i64::from(r.card_registered))
    .bind(i64::from(r.restricted))
    .bind(r.qualified_from.map(|d| d.to_string()))
    .bind(r.qualified_until.map(|d| d.to_string()))
    .bind(now)
    .bind(digest)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

// ---------------------------------------------------------------- the seed

/// A demo record to insert (the seed), with its 資格取得日/資格喪失日.
#[derive(Debug, Clone)]
pub struct SeedRecord<'a> {
    pub office_number: &'a str,
    pub recipient_number: &'a str,
    /// Sealed 個人番号.
    pub individual_number: Option<String>,
    pub name: &'a str,
    pub name_kana: &'a str,
    pub sex: i64,
    pub birth_date: NaiveDate,
    pub postal_code: &'a str,
    pub address: &'a str,
    pub case_number: &'a str,
    pub card_held: bool,
    pub card_registered: bool,
    pub restricted: bool,
    pub qualified_from: NaiveDate,
    pub qualified_until: Option<NaiveDate>,
    pub now: &'a str,
}

/// Insert a demo record; its id. Its decisions are written by [`insert_seed_decision`].
pub async fn insert_seed_record(
    conn: &mut AnyConnection,
    r: &SeedRecord<'_>,
) -> anyhow::Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO recipients (office_number, recipient_number, individual_number, name, name_kana, sex, birth_date, \
         postal_code, address, case_number, card_held, card_registered, restricted, qualified_from, qualified_until, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id",
    )
    .bind(r.office_number)
    .bind(r.recipient_number)
    .bind(r.individual_number.clone())
    .bind(r.name)
    .bind(r.name_kana)
    .bind(r.sex)
    .bind(r.birth_date.to_string())
    .bind(r.postal_code)
    .bind(r.address)
    .bind(r.case_number)
    .bind(i64::from(r.card_held))
    .bind(i64::from(r.card_registered))
    .bind(i64::from(r.restricted))
    .bind(r.qualified_from.to_string())
    .bind(r.qualified_until.map(|d| d.to_string()))
    .bind(r.now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// A registered seed decision (`start` or `abolish`), decided on its 効力発生日.
pub async fn insert_seed_decision(
    conn: &mut AnyConnection,
    recipient_id: i64,
    kind: QualificationKind,
    effective: NaiveDate,
    at: &str,
) -> anyhow::Result<()> {
    let sql = match kind {
        QualificationKind::Start => {
            "INSERT INTO qualification_events (recipient_id, kind, effective_date, decision_date, registered_at, registered_by) \
             VALUES ($1, 'start', $2, $2, $3, 'seed')"
        }
        QualificationKind::Abolish => {
            "INSERT INTO qualification_events (recipient_id, kind, effective_date, decision_date, registered_at, registered_by) \
             VALUES ($1, 'abolish', $2, $2, $3, 'seed')"
        }
        other => anyhow::bail!("seed decision {}", other.code()),
    };
    sqlx::query(sql)
        .bind(recipient_id)
        .bind(effective.to_string())
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A pending 廃止 recorded by `login` (the seed's deadline list).
pub async fn insert_seed_pending_abolish(
    conn: &mut AnyConnection,
    recipient_id: i64,
    effective: NaiveDate,
    decision: NaiveDate,
    due: NaiveDate,
    login: &str,
    at: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO qualification_events (recipient_id, kind, effective_date, decision_date, registered_at, registered_by, \
         status, registration_due, recorded_at, recorded_by) VALUES ($1, 'abolish', $2, $3, $4, $6, 'pending', $5, $4, $6)",
    )
    .bind(recipient_id)
    .bind(effective.to_string())
    .bind(decision.to_string())
    .bind(at)
    .bind(due.to_string())
    .bind(login)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Make every record of `office` the caseload of `login`.
pub async fn assign_office_caseload(
    conn: &mut AnyConnection,
    office: &str,
    login: &str,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE recipients SET caseworker_login = $1 WHERE office_number = $2")
        .bind(login)
        .bind(office)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A minimal record for a large data set (the national seed).
#[derive(Debug, Clone)]
pub struct BulkRecord<'a> {
    pub office_number: &'a str,
    pub recipient_number: String,
    pub name: &'a str,
    pub name_kana: &'a str,
    pub sex: i64,
    pub birth_date: &'a str,
    pub card_held: bool,
    pub qualified_from: &'a str,
    pub now: &'a str,
}

/// Insert records, many a statement; then give each its person.
pub async fn insert_bulk(
    conn: &mut AnyConnection,
    records: &[BulkRecord<'_>],
) -> anyhow::Result<()> {
    let rows: Vec<Vec<crate::db::Value>> = records
        .iter()
        .map(|r| {
            vec![
                r.office_number.into(),
                r.recipient_number.clone().into(),
                r.name.into(),
                r.name_kana.into(),
                r.sex.into(),
                r.birth_date.into(),
                i64::from(r.card_held).into(),
                r.qualified_from.into(),
                r.now.into(),
                r.now.into(),
            ]
        })
        .collect();
    crate::db::insert_rows(
        conn,
        "recipients",
        &[
            "office_number",
            "recipient_number",
            "name",
            "name_kana",
            "sex",
            "birth_date",
            "card_held",
            "qualified_from",
            "created_at",
            "updated_at",
        ],
        &rows,
    )
    .await?;
    ensure_people(conn).await
}

/// Give every record of `office` its 資格 as one registered 保護開始 on its 資格取得日.
pub async fn seed_start_decisions(conn: &mut AnyConnection, office: &str) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO qualification_events (recipient_id, kind, effective_date, decision_date, registered_at, registered_by) \
         SELECT id, 'start', qualified_from, qualified_from, created_at, 'seed' FROM recipients WHERE office_number = $1",
    )
    .bind(office)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The ids of every record of `office`, in order.
pub async fn ids_of_office(conn: &mut AnyConnection, office: &str) -> anyhow::Result<Vec<i64>> {
    let ids: Vec<(i64,)> =
        sqlx::query_as("SELECT id FROM recipients WHERE office_number = $1 ORDER BY id")
            .bind(office)
            .fetch_all(&mut *conn)
            .await?;
    Ok(ids.into_iter().map(|r| r.0).collect())
}

/// An office's records as the 健診・薬剤情報 imports match them: (id, 受給者番号, 生年月日).
pub async fn numbers_and_birth_dates<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
) -> anyhow::Result<Vec<(i64, String, String)>> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, recipient_number, birth_date FROM recipients WHERE office_number = $1",
    )
    .bind(office)
    .fetch_all(exec)
    .await?;
    Ok(rows)
}

/// How many of an office's records were covered at some time between `from` and `to`
/// (by their current period).
pub async fn count_qualified_between<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> anyhow::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM recipients WHERE office_number = $1 AND qualified_from IS NOT NULL \
         AND qualified_from <= $3 AND (qualified_until IS NULL OR qualified_until >= $2)",
    )
    .bind(office)
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_one(exec)
    .await?;
    Ok(n)
}

/// A record of the office: (受給者番号, name, name_kana), if it is the office's.
pub async fn names_in_office<'e>(
    exec: impl AnyExecutor<'e>,
    recipient_id: i64,
    office: &str,
) -> anyhow::Result<Option<(String, String, String)>> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT recipient_number, name, name_kana FROM recipients WHERE id = $1 AND office_number = $2",
    )
    .bind(recipient_id)
    .bind(office)
    .fetch_optional(exec)
    .await?;
    Ok(row)
}

/// The record with these numbers: (id, name, name_kana), if registered.
pub async fn names_by_numbers<'e>(
    exec: impl AnyExecutor<'e>,
    office_number: &str,
    recipient_number: &str,
) -> anyhow::Result<Option<(i64, String, String)>> {
    let row: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT id, name, name_kana FROM recipients WHERE office_number = $1 AND recipient_number = $2",
    )
    .bind(office_number)
    .bind(recipient_number)
    .fetch_optional(exec)
    .await?;
    Ok(row)
}

/// The demo's 健診 people: up to six card holders of the office, covered since `since` and
/// still covered, as (id, 受給者番号, name, sex, 生年月日), by id.
pub async fn demo_card_holders<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    since: NaiveDate,
) -> anyhow::Result<Vec<(i64, String, String, i64, String)>> {
    let rows: Vec<(i64, String, String, i64, String)> = sqlx::query_as(
        "SELECT id, recipient_number, name, sex, birth_date FROM recipients WHERE office_number = $1 \
         AND card_held = 1 AND qualified_until IS NULL AND qualified_from <= $2 ORDER BY id LIMIT 6",
    )
    .bind(office)
    .bind(since.to_string())
    .fetch_all(exec)
    .await?;
    Ok(rows)
}

/// The signed-in recipient's own 資格 for the portal: (公費負担者番号, 受給者番号, 資格取得日,
/// 資格喪失日, office name, office phone, 閲覧制限).
pub type CoverageRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    i64,
);

pub async fn coverage(db: &Db, recipient_id: i64) -> anyhow::Result<Option<CoverageRow>> {
    Ok(sqlx::query_as(
        "SELECT r.office_number, r.recipient_number, r.qualified_from, r.qualified_until, o.name, o.phone, r.restricted \
         FROM recipients r JOIN offices o ON o.number = r.office_number WHERE r.id = $1",
    )
    .bind(recipient_id)
    .fetch_optional(&db.pool)
    .await?)
}

/// The signed-in recipient's profile for the portal: name, kana, birth date, numbers, 資格,
/// 利用申込, 閲覧制限, postal code, address, and the office's name, phone and address.
pub type ProfileRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

pub async fn profile(db: &Db, recipient_id: i64) -> anyhow::Result<Option<ProfileRow>> {
    Ok(sqlx::query_as(
        "SELECT r.name, r.name_kana, r.birth_date, r.office_number, r.recipient_number, \
                r.qualified_from, r.qualified_until, r.card_registered, r.restricted, r.postal_code, r.address, \
                o.name, o.phone, o.address \
         FROM recipients r JOIN offices o ON o.number = r.office_number WHERE r.id = $1",
    )
    .bind(recipient_id)
    .fetch_optional(&db.pool)
    .await?)
}

/// Every record of the office as (id, 受給者番号).
pub async fn ids_and_numbers(db: &Db, office: &str) -> anyhow::Result<Vec<(i64, String)>> {
    Ok(
        sqlx::query_as("SELECT id, recipient_number FROM recipients WHERE office_number = $1")
            .bind(office)
            .fetch_all(&db.pool)
            .await?,
    )
}
