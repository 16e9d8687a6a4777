//! The office's alerts (`office_alerts`, migration 0010): [`upsert`] writes what a day's
//! feed derived (`domain::alerts`), keyed by office and `AlertDraft::key` so that a rebuilt
//! day updates its alerts instead of adding them again and never touches whether one was
//! handled; [`mark_handled`] records who marked one 対応済み, when and what was done.
//!
//! Reads join the recipient (number, name, 地区担当員) and the caseworker's name; one column
//! list ([`SELECT`]) and one row mapping ([`from_row`]). A row whose kind or action is no
//! longer a known code is left out of the reads.

use sqlx::AnyExecutor;

use domain::alerts::{self, AlertDraft, AlertKind};
use domain::api::{AlertAction, AlertHandling, OfficeAlert};

/// Write (insert, or update the days and dates of) one derived alert of a recipient of
/// `office`; its id. The handled columns are never written here.
pub async fn upsert<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    recipient_id: i64,
    draft: &AlertDraft,
    now: &str,
) -> anyhow::Result<i64> {
    let date = draft.date.to_string();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO office_alerts (office_number, alert_key, kind, recipient_id, institution_code, institution_name, month, first_date, last_date, dates, days_in_month, days_in_three_months, detected_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12, $12) \
         ON CONFLICT (office_number, alert_key) DO UPDATE SET \
           institution_name = excluded.institution_name, \
           first_date = CASE WHEN excluded.first_date < office_alerts.first_date THEN excluded.first_date ELSE office_alerts.first_date END, \
           last_date = CASE WHEN excluded.last_date > office_alerts.last_date THEN excluded.last_date ELSE office_alerts.last_date END, \
           dates = CASE WHEN excluded.last_date >= office_alerts.last_date THEN excluded.dates ELSE office_alerts.dates END, \
           days_in_month = CASE WHEN excluded.last_date >= office_alerts.last_date THEN excluded.days_in_month ELSE office_alerts.days_in_month END, \
           days_in_three_months = CASE WHEN excluded.last_date >= office_alerts.last_date THEN excluded.days_in_three_months ELSE office_alerts.days_in_three_months END, \
           updated_at = excluded.updated_at \
         RETURNING id",
    )
    .bind(office)
    .bind(draft.key())
    .bind(draft.kind.code())
    .bind(recipient_id)
    .bind(&draft.institution_code)
    .bind(&draft.institution_name)
    .bind(&draft.month)
    .bind(&date)
    .bind(alerts::dates_text(&draft.dates))
    .bind(i64::from(draft.days_in_month))
    .bind(draft.days_in_three_months.map(i64::from))
    .bind(now)
    .fetch_one(exec)
    .await?;
    Ok(id)
}

/// One row of [`SELECT`].
#[derive(Debug, Clone, sqlx::FromRow)]
struct AlertRow {
    id: i64,
    kind: String,
    recipient_id: i64,
    recipient_number: String,
    recipient_name: String,
    caseworker_login: Option<String>,
    caseworker_name: Option<String>,
    institution_code: String,
    institution_name: String,
    month: String,
    first_date: String,
    dates: String,
    days_in_month: i64,
    days_in_three_months: Option<i64>,
    detected_at: String,
    handled_action: Option<String>,
    handled_note: Option<String>,
    handled_by_name: Option<String>,
    handled_at: Option<String>,
}

/// The columns of every read: the alert as `a`, its recipient as `r`, the caseworker as `u`.
const SELECT: &str = "SELECT a.id, a.kind, a.recipient_id, r.recipient_number, r.name AS recipient_name, r.caseworker_login, u.display_name AS caseworker_name, \
     a.institution_code, a.institution_name, a.month, a.first_date, a.dates, a.days_in_month, a.days_in_three_months, a.detected_at, \
     a.handled_action, a.handled_note, a.handled_by_name, a.handled_at \
     FROM office_alerts a JOIN recipients r ON r.id = a.recipient_id \
     LEFT JOIN users u ON u.login = r.caseworker_login";

/// The row → value mapping of [`SELECT`]; `None` for an unknown kind or action.
fn from_row(row: AlertRow) -> Option<OfficeAlert> {
    let handled = match (row.handled_action, row.handled_at) {
        (Some(action), Some(handled_at)) => Some(AlertHandling {
            action: AlertAction::from_code(&action)?,
            note: row.handled_note.unwrap_or_default(),
            handled_by: row.handled_by_name.unwrap_or_default(),
            handled_at,
        }),
        _ => None,
    };
    Some(OfficeAlert {
        id: row.id,
        kind: AlertKind::from_code(&row.kind)?,
        recipient_id: row.recipient_id,
        recipient_number: row.recipient_number,
        recipient_name: row.recipient_name,
        caseworker_login: row.caseworker_login,
        caseworker_name: row.caseworker_name,
        mine: false,
        institution_code: row.institution_code,
        institution_name: row.institution_name,
        month: row.month,
        first_date: row.first_date,
        dates: alerts::parse_dates(&row.dates)
            .into_iter()
            .map(|d| d.to_string())
            .collect(),
        days_in_month: row.days_in_month,
        days_in_three_months: row.days_in_three_months,
        detected_at: row.detected_at,
        handled,
    })
}

/// An office's open alerts, the newest day first.
pub async fn open_of_office<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
) -> anyhow::Result<Vec<OfficeAlert>> {
    let rows: Vec<AlertRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE a.office_number = $1 AND a.handled_at IS NULL \
         ORDER BY a.last_date DESC, a.kind, r.recipient_number, a.institution_code, a.id"
    )))
    .bind(office)
    .fetch_all(exec)
    .await?;
    Ok(rows.into_iter().filter_map(from_row).collect())
}

/// An office's handled alerts, the most recently handled first, at most `limit`.
pub async fn handled_of_office<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    limit: i64,
) -> anyhow::Result<Vec<OfficeAlert>> {
    let rows: Vec<AlertRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE a.office_number = $1 AND a.handled_at IS NOT NULL \
         ORDER BY a.handled_at DESC, a.id DESC LIMIT $2"
    )))
    .bind(office)
    .bind(limit)
    .fetch_all(exec)
    .await?;
    Ok(rows.into_iter().filter_map(from_row).collect())
}

/// The open alerts of one recipient of `office`.
pub async fn open_of_recipient<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    recipient_id: i64,
) -> anyhow::Result<Vec<OfficeAlert>> {
    let rows: Vec<AlertRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE a.office_number = $1 AND a.recipient_id = $2 AND a.handled_at IS NULL \
         ORDER BY a.id"
    )))
    .bind(office)
    .bind(recipient_id)
    .fetch_all(exec)
    .await?;
    Ok(rows.into_iter().filter_map(from_row).collect())
}

/// The alert `id` of `office` (`None` when there is none there, or it is unreadable).
pub async fn of_office<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    id: i64,
) -> anyhow::Result<Option<OfficeAlert>> {
    let row: Option<AlertRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE a.office_number = $1 AND a.id = $2"
    )))
    .bind(office)
    .bind(id)
    .fetch_optional(exec)
    .await?;
    Ok(row.and_then(from_row))
}

/// Who handles an alert, when, and what was done.
#[derive(Debug, Clone, Copy)]
pub struct Handling<'a> {
    pub action: AlertAction,
    pub note: &'a str,
    /// Login.
    pub by: &'a str,
    pub by_name: &'a str,
    /// UTC RFC 3339.
    pub at: &'a str,
}

/// Mark the open alert `id` of `office` handled; `false` when it is not open there.
pub async fn mark_handled<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    id: i64,
    handling: &Handling<'_>,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE office_alerts SET handled_at = $1, handled_by = $2, handled_by_name = $3, handled_action = $4, handled_note = $5 \
         WHERE office_number = $6 AND id = $7 AND handled_at IS NULL",
    )
    .bind(handling.at)
    .bind(handling.by)
    .bind(handling.by_name)
    .bind(handling.action.code())
    .bind(handling.note)
    .bind(office)
    .bind(id)
    .execute(exec)
    .await?;
    Ok(done.rows_affected() == 1)
}
