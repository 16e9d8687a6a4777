//! 実施機関 (offices) and their calendars: `offices`, `office_closed_days`.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use sqlx::AnyConnection;

use domain::calendar::OfficeCalendar;

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

/// The office's name, if it exists.
pub async fn name(conn: &mut AnyConnection, office: &str) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT name FROM offices WHERE number = $1")
        .bind(office)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.0))
}

/// Every office's number, in order.
pub async fn numbers(conn: &mut AnyConnection) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT number FROM offices ORDER BY number")
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
