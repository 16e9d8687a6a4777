//! 実施機関 (offices), their calendars and the numbers they issue: `offices`,
//! `office_closed_days`, `office_sequences`.

use std::collections::{BTreeSet, HashSet};

use chrono::NaiveDate;
use sqlx::AnyConnection;

use domain::calendar::OfficeCalendar;
use domain::closed_days::ClosedDay;
use domain::numbers::RecipientNumber;

use crate::db::{insert_rows, Db, Value};
use crate::store::{people, tickets};

/// The office's 開庁日 calendar: national rules plus its own closed days.
pub async fn calendar(conn: &mut AnyConnection, office: &str) -> anyhow::Result<OfficeCalendar> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT date FROM office_closed_days WHERE office_number = $1")
            .bind(office)
            .fetch_all(&mut *conn)
            .await?;
    let extra_closed: BTreeSet<NaiveDate> = rows
        .iter()
        .filter_map(|(d,)| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .collect();
    Ok(OfficeCalendar {
        extra_closed,
        ..OfficeCalendar::default()
    })
}

/// One of the office's own closed days as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClosedDayRow {
    pub date: String,
    pub reason: String,
    pub created_at: String,
    pub created_by: String,
}

/// The office's own closed days, newest first.
pub async fn closed_days(
    conn: &mut AnyConnection,
    office: &str,
) -> anyhow::Result<Vec<ClosedDayRow>> {
    let rows = sqlx::query_as(
        "SELECT date, reason, created_at, created_by FROM office_closed_days \
         WHERE office_number = $1 ORDER BY date DESC",
    )
    .bind(office)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows)
}

/// Write one closed day; `on_conflict` (one of the constant clauses below) says what an
/// existing date becomes. Rows written.
async fn write_closed_day(
    conn: &mut AnyConnection,
    office: &str,
    day: &ClosedDay,
    at: &str,
    by: &str,
    on_conflict: &'static str,
) -> anyhow::Result<u64> {
    let sql = format!(
        "INSERT INTO office_closed_days (office_number, date, reason, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (office_number, date) {on_conflict}"
    );
    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(office)
        .bind(day.date.to_string())
        .bind(&day.reason)
        .bind(at)
        .bind(by)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// Add a closed day; false when the office already has that date.
pub async fn insert_closed_day(
    conn: &mut AnyConnection,
    office: &str,
    day: &ClosedDay,
    at: &str,
    by: &str,
) -> anyhow::Result<bool> {
    Ok(write_closed_day(conn, office, day, at, by, "DO NOTHING").await? == 1)
}

/// Add closed days (an import); a date already there gets the new name.
pub async fn upsert_closed_days(
    conn: &mut AnyConnection,
    office: &str,
    days: &[ClosedDay],
    at: &str,
    by: &str,
) -> anyhow::Result<()> {
    const UPDATE: &str = "DO UPDATE SET reason = excluded.reason, \
        created_at = excluded.created_at, created_by = excluded.created_by";
    for day in days {
        write_closed_day(conn, office, day, at, by, UPDATE).await?;
    }
    Ok(())
}

/// Remove a closed day: what was stored, None when the office has no such date.
pub async fn delete_closed_day(
    conn: &mut AnyConnection,
    office: &str,
    date: NaiveDate,
) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as(
        "DELETE FROM office_closed_days WHERE office_number = $1 AND date = $2 RETURNING reason",
    )
    .bind(office)
    .bind(date.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| r.0))
}

/// The office's name, if it exists.
pub async fn name(conn: &mut AnyConnection, office: &str) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT name FROM offices WHERE number = $1")
        .bind(office)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.0))
}

/// The office as printed: name, postal code, address, phone.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OfficeRow {
    pub name: String,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

/// The office as printed, if it exists.
pub async fn printed(db: &Db, office: &str) -> anyhow::Result<Option<OfficeRow>> {
    let row: Option<OfficeRow> =
        sqlx::query_as("SELECT name, postal_code, address, phone FROM offices WHERE number = $1")
            .bind(office)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row)
}

/// The office's name and phone, if it exists.
pub async fn name_and_phone(
    conn: &mut AnyConnection,
    office: &str,
) -> anyhow::Result<Option<(String, Option<String>)>> {
    let row: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT name, phone FROM offices WHERE number = $1")
            .bind(office)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row)
}

// ---------------------------------------------------------------- numbers the app issues

/// A per-office number sequence.
#[derive(Debug, Clone, Copy)]
pub enum Sequence<'a> {
    /// 受給者番号: the 6-digit 受給者区分 (+ 検証番号).
    Recipient,
    /// 交付番号 `YYYYMM-NNNNN` of a 診療年月 (`YYYY-MM`).
    Ticket { month: &'a str },
}

impl Sequence<'_> {
    fn key(&self) -> String {
        match self {
            Self::Recipient => "recipient".to_string(),
            Self::Ticket { month } => format!("ticket:{}", month.replace('-', "")),
        }
    }

    fn max(&self) -> i64 {
        match self {
            Self::Recipient => 999_999,
            Self::Ticket { .. } => 99_999,
        }
    }

    /// The number as stored.
    fn text(&self, n: i64) -> anyhow::Result<String> {
        match self {
            Self::Recipient => RecipientNumber::from_body(&format!("{n:06}"))
                .map(String::from)
                .map_err(|e| anyhow::anyhow!("受給者区分 {n}: {e}")),
            Self::Ticket { month } => Ok(format!("{}-{n:05}", month.replace('-', ""))),
        }
    }

    /// The stored numbers in `[lo, hi)` as texts (`lo`, `hi` as [`Self::text`] bounds).
    async fn taken(
        &self,
        conn: &mut AnyConnection,
        office: &str,
        lo: i64,
        hi: i64,
    ) -> anyhow::Result<BTreeSet<String>> {
        match self {
            Self::Recipient => {
                let numbers = people::recipient_numbers_between(
                    &mut *conn,
                    office,
                    &format!("{lo:06}"),
                    &format!("{hi:06}"),
                )
                .await?;
                Ok(numbers.into_iter().collect())
            }
            Self::Ticket { month } => {
                let prefix = month.replace('-', "");
                let lo = format!("{prefix}-{lo:05}");
                let hi = format!("{prefix}-{hi:05}");
                let numbers = tickets::issue_numbers_between(&mut *conn, office, &lo, &hi).await?;
                Ok(numbers.into_iter().collect())
            }
        }
    }

    /// Where a new sequence starts: after the highest number already stored.
    async fn start(&self, conn: &mut AnyConnection, office: &str) -> anyhow::Result<i64> {
        let highest: Option<String> = match self {
            Self::Recipient => people::max_recipient_number(&mut *conn, office).await?,
            Self::Ticket { month } => {
                let prefix = month.replace('-', "");
                let highest = tickets::max_issue_number_between(
                    &mut *conn,
                    office,
                    &format!("{prefix}-00000"),
                    &format!("{prefix}-99999~"),
                )
                .await?;
                highest
            }
        };
        let body = |s: &str| match self {
            Self::Recipient => s.get(..6).and_then(|b| b.parse::<i64>().ok()),
            Self::Ticket { .. } => s
                .get(7..)
                .filter(|n| n.len() == 5)
                .and_then(|n| n.parse::<i64>().ok()),
        };
        let next = highest.and_then(|h| body(&h)).map_or(1, |n| n + 1);
        Ok(if next > self.max() { 1 } else { next })
    }
}

/// Take the office's sequence row for the rest of the transaction (creating it after the
/// highest number already stored): on PostgreSQL the row lock, on SQLite the write lock
/// (the first statement writes, so SQLite never has to upgrade a read). Whatever is checked
/// after this (duplicates, a renewal plan) cannot change under a concurrent request for the
/// same numbers until commit. The next value.
pub async fn lock_sequence(
    conn: &mut AnyConnection,
    office: &str,
    sequence: Sequence<'_>,
) -> anyhow::Result<i64> {
    let key = sequence.key();
    // 0 marks a row created just now: numbers start at 1.
    sqlx::query(
        "INSERT INTO office_sequences (office_number, kind, next_value) VALUES ($1, $2, 0) \
         ON CONFLICT (office_number, kind) DO NOTHING",
    )
    .bind(office)
    .bind(&key)
    .execute(&mut *conn)
    .await?;
    let (next,): (i64,) = sqlx::query_as(
        "UPDATE office_sequences SET next_value = next_value WHERE office_number = $1 AND kind = $2 RETURNING next_value",
    )
    .bind(office)
    .bind(&key)
    .fetch_one(&mut *conn)
    .await?;
    if next > 0 {
        return Ok(next);
    }
    let start = sequence.start(conn, office).await?;
    sqlx::query(
        "UPDATE office_sequences SET next_value = $3 WHERE office_number = $1 AND kind = $2",
    )
    .bind(office)
    .bind(&key)
    .bind(start)
    .execute(&mut *conn)
    .await?;
    Ok(start)
}

/// Issue `count` numbers of `sequence` for the office, skipping numbers already stored
/// (imports), inside the caller's transaction (see [`lock_sequence`]); none when no number
/// is left.
pub async fn issue_numbers(
    conn: &mut AnyConnection,
    office: &str,
    sequence: Sequence<'_>,
    count: usize,
) -> anyhow::Result<Option<Vec<String>>> {
    if count == 0 {
        return Ok(Some(Vec::new()));
    }
    let key = sequence.key();
    let mut next = lock_sequence(conn, office, sequence).await?;
    const WINDOW: i64 = 1000;
    let mut issued = Vec::with_capacity(count);
    let mut scanned = 0i64;
    while issued.len() < count {
        if next > sequence.max() {
            next = 1;
        }
        if scanned > sequence.max() {
            return Ok(None);
        }
        let hi = (next + WINDOW).min(sequence.max() + 1);
        let taken = sequence.taken(conn, office, next, hi).await?;
        for n in next..hi {
            let text = sequence.text(n)?;
            if !taken.contains(&text) && !issued.contains(&text) {
                issued.push(text);
                if issued.len() == count {
                    next = n + 1;
                    break;
                }
            }
        }
        if issued.len() < count {
            scanned += hi - next;
            next = hi;
        }
    }
    sqlx::query(
        "UPDATE office_sequences SET next_value = $3 WHERE office_number = $1 AND kind = $2",
    )
    .bind(office)
    .bind(&key)
    .bind(next)
    .execute(&mut *conn)
    .await?;
    Ok(Some(issued))
}

/// Every office stored.
pub async fn count_all(db: &Db) -> anyhow::Result<u64> {
    db.count("SELECT COUNT(*) FROM offices").await
}

/// The first office number (in order) other than `office`, if any.
pub async fn first_other(db: &Db, office: &str) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT number FROM offices WHERE number <> $1 ORDER BY number")
            .bind(office)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|r| r.0))
}

/// The numbers of every office stored.
pub async fn numbers(db: &Db) -> anyhow::Result<HashSet<String>> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT number FROM offices")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Insert the office, or update the one with its number.
pub async fn upsert(conn: &mut AnyConnection, r: &domain::import::OfficeRow) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO offices (number, name, postal_code, address, phone) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (number) DO UPDATE SET name = excluded.name, postal_code = excluded.postal_code, \
         address = excluded.address, phone = excluded.phone",
    )
    .bind(r.number.as_str())
    .bind(&r.name)
    .bind(&r.postal_code)
    .bind(&r.address)
    .bind(&r.phone)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An office to insert (the seed).
#[derive(Debug, Clone)]
pub struct NewOffice {
    pub number: String,
    pub name: String,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

/// Insert offices, many rows a statement.
pub async fn insert_many(conn: &mut AnyConnection, offices: &[NewOffice]) -> anyhow::Result<()> {
    let rows: Vec<Vec<Value>> = offices
        .iter()
        .map(|o| {
            vec![
                o.number.clone().into(),
                o.name.clone().into(),
                o.postal_code.clone().into(),
                o.address.clone().into(),
                o.phone.clone().into(),
            ]
        })
        .collect();
    insert_rows(
        conn,
        "offices",
        &["number", "name", "postal_code", "address", "phone"],
        &rows,
    )
    .await
}

/// Every office's number, in order.
pub async fn numbers_in_order(conn: &mut AnyConnection) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT number FROM offices ORDER BY number")
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
