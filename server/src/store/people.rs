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

use domain::qualification::{CoveredPeriod, QualificationHistory, QualificationKind};

use crate::db::Db;
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
    let mut out: HashMap<i64, QualificationHistory> = HashMap::new();
    for chunk in recipient_ids.chunks(500) {
        let placeholders = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT e.recipient_id, e.kind, e.effective_date FROM qualification_events e \
             WHERE e.status = 'registered' AND e.recipient_id IN ({placeholders}) \
             ORDER BY e.recipient_id, {HISTORY_ORDER}"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&db.pool).await? {
            let id: i64 = row.try_get(0)?;
            let d = decision(&row.try_get::<String, _>(1)?, &row.try_get::<String, _>(2)?)?;
            out.entry(id).or_default().decisions.push(d);
        }
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

/// The person's records at other offices than `recipient_id`'s.
pub async fn other_records(db: &Db, recipient_id: i64) -> anyhow::Result<Vec<OtherRecord>> {
    let rows = sqlx::query(
        "SELECT o2.id, o2.office_number, f.name, f.phone, o2.restricted \
         FROM recipients r JOIN recipients o2 ON o2.person_id = r.person_id AND o2.id <> r.id \
         JOIN offices f ON f.number = o2.office_number \
         WHERE r.id = $1 AND o2.office_number <> r.office_number ORDER BY o2.id",
    )
    .bind(recipient_id)
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
            Ok(OtherRecord {
                recipient_id: id,
                office_number: r.try_get(1)?,
                office_name: r.try_get(2)?,
                office_phone: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
                restricted: r.try_get::<i64, _>(4)? != 0,
                periods: histories.remove(&id).unwrap_or_default().periods(),
            })
        })
        .collect()
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
    let rows = sqlx::query(
        "SELECT o2.id FROM recipients r JOIN recipients o2 ON o2.person_id = r.person_id \
         WHERE r.id = $1 ORDER BY o2.id",
    )
    .bind(recipient_id)
    .fetch_all(&db.pool)
    .await?;
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    if ids.len() <= 1 {
        return Ok(recipient_id);
    }
    let histories = histories(db, &ids).await?;
    let key = |id: &i64| {
        let periods = histories.get(id).map(|h| h.periods()).unwrap_or_default();
        let covers = periods.iter().any(|p| p.covers(today));
        let latest = periods.iter().map(|p| p.from).max();
        (covers, latest, *id)
    };
    Ok(ids
        .iter()
        .max_by_key(|id| key(id))
        .copied()
        .unwrap_or(recipient_id))
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

/// The offices holding other records of the same person (a 転居), with when their first
/// covered period began: (office name, first 資格取得日), in record order.
pub async fn other_offices(
    conn: &mut AnyConnection,
    recipient_id: i64,
) -> anyhow::Result<Vec<(String, Option<NaiveDate>)>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT o2.id, f.name FROM recipients r \
         JOIN recipients o2 ON o2.person_id = r.person_id AND o2.office_number <> r.office_number \
         JOIN offices f ON f.number = o2.office_number WHERE r.id = $1 ORDER BY o2.id",
    )
    .bind(recipient_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for (id, name) in rows {
        let first = history(conn, id).await?.periods().first().map(|p| p.from);
        out.push((name, first));
    }
    Ok(out)
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
