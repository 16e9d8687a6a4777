//! The office's alerts (`office_alerts`, migration 0010): [`upsert_many`] (and [`upsert`], one)
//! writes what a day's feed derived (`domain::alerts`), keyed by office and `AlertDraft::key`
//! so that a rebuilt day updates its alerts instead of adding them again and never touches
//! whether one was handled; [`mark_handled`] records who marked one 対応済み, when and what was
//! done. What a day's build reads to derive them, for all offices at once, is here too: the
//! day's 資格有効性 6 visits ([`visits_of_day`]) with the tickets naming their institutions
//! ([`tickets_of_day_visits`]), and the recipients of the pairs visited that day with enough
//! days so far in the month, with their months M−2..M so far ([`busy_pairs_of_day`]).
//!
//! Reads join the recipient (number, name, 地区担当員) and the caseworker's name; one column
//! list ([`SELECT`]) and one row mapping ([`from_row`]). A row whose kind or action is no
//! longer a known code is left out of the reads.

use std::collections::HashSet;

use sqlx::{AnyConnection, AnyExecutor, Row as _};

use domain::alerts::{self, AlertDraft, AlertKind};
use domain::api::{AlertAction, AlertHandling, OfficeAlert};

use crate::db::{self, Value};

/// The upsert of [`upsert`] and [`upsert_many`], before its rows: the handled columns are
/// never written; a later day updates the days and dates, an earlier one (rebuilt) only widens
/// `first_date`.
const UPSERT_INTO: &str = "INSERT INTO office_alerts (office_number, alert_key, kind, recipient_id, institution_code, institution_name, month, first_date, last_date, dates, days_in_month, days_in_three_months, detected_at, updated_at) VALUES ";
/// The upsert after its rows.
const UPSERT_ON_CONFLICT: &str = " ON CONFLICT (office_number, alert_key) DO UPDATE SET \
           institution_name = excluded.institution_name, \
           first_date = CASE WHEN excluded.first_date < office_alerts.first_date THEN excluded.first_date ELSE office_alerts.first_date END, \
           last_date = CASE WHEN excluded.last_date > office_alerts.last_date THEN excluded.last_date ELSE office_alerts.last_date END, \
           dates = CASE WHEN excluded.last_date >= office_alerts.last_date THEN excluded.dates ELSE office_alerts.dates END, \
           days_in_month = CASE WHEN excluded.last_date >= office_alerts.last_date THEN excluded.days_in_month ELSE office_alerts.days_in_month END, \
           days_in_three_months = CASE WHEN excluded.last_date >= office_alerts.last_date THEN excluded.days_in_three_months ELSE office_alerts.days_in_three_months END, \
           updated_at = excluded.updated_at";
/// Values bound per row of the upsert.
const UPSERT_VALUES: usize = 12;

/// One row of the upsert from `$first`: the day is both first and last date, `now` both
/// detected and updated.
fn upsert_row(first: usize) -> String {
    let columns = [0, 1, 2, 3, 4, 5, 6, 7, 7, 8, 9, 10, 11, 11];
    let placeholders: Vec<String> = columns.iter().map(|k| format!("${}", first + k)).collect();
    format!("({})", placeholders.join(", "))
}

/// The [`UPSERT_VALUES`] values of one alert, in [`upsert_row`]'s order.
fn upsert_values(new: &NewAlert<'_>, now: &str) -> Vec<Value> {
    let draft = new.draft;
    vec![
        new.office_number.into(),
        draft.key().into(),
        draft.kind.code().into(),
        new.recipient_id.into(),
        draft.institution_code.as_str().into(),
        draft.institution_name.as_str().into(),
        draft.month.as_str().into(),
        draft.date.to_string().into(),
        alerts::dates_text(&draft.dates).into(),
        i64::from(draft.days_in_month).into(),
        draft
            .days_in_three_months
            .map_or(Value::NullInt, |n| Value::Int(i64::from(n))),
        now.into(),
    ]
}

/// A derived alert of a recipient of an office, to store.
#[derive(Debug, Clone, Copy)]
pub struct NewAlert<'a> {
    pub office_number: &'a str,
    pub recipient_id: i64,
    pub draft: &'a AlertDraft,
}

/// Write (insert, or update the days and dates of) one derived alert of a recipient of
/// `office`; its id. The handled columns are never written here.
pub async fn upsert<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    recipient_id: i64,
    draft: &AlertDraft,
    now: &str,
) -> anyhow::Result<i64> {
    let new = NewAlert {
        office_number: office,
        recipient_id,
        draft,
    };
    let sql = format!(
        "{UPSERT_INTO}{}{UPSERT_ON_CONFLICT} RETURNING id",
        upsert_row(1)
    );
    let query = sqlx::query(sqlx::AssertSqlSafe(sql));
    let row = db::bind_values(query, upsert_values(&new, now))
        .fetch_one(exec)
        .await?;
    Ok(row.try_get::<i64, _>(0)?)
}

/// [`upsert`] many alerts, as many a statement as the backend takes
/// (`db::rows_per_statement`); the same as upserting them one by one in order. An alert whose
/// office and key are already in the statement starts the next one (PostgreSQL updates a row
/// once per statement).
pub async fn upsert_many(
    conn: &mut AnyConnection,
    new: &[NewAlert<'_>],
    now: &str,
) -> anyhow::Result<()> {
    let per_statement = db::rows_per_statement(conn.backend_name(), UPSERT_VALUES);
    let mut rows: Vec<String> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut keys: HashSet<(&str, String)> = HashSet::new();
    for alert in new {
        let key = (alert.office_number, alert.draft.key());
        if rows.len() == per_statement || keys.contains(&key) {
            flush_upserts(&mut *conn, &mut rows, &mut values).await?;
            keys.clear();
        }
        rows.push(upsert_row(values.len() + 1));
        values.extend(upsert_values(alert, now));
        keys.insert(key);
    }
    flush_upserts(conn, &mut rows, &mut values).await
}

/// Run the upsert of `rows` with their `values`, and empty both.
async fn flush_upserts(
    conn: &mut AnyConnection,
    rows: &mut Vec<String>,
    values: &mut Vec<Value>,
) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!("{UPSERT_INTO}{}{UPSERT_ON_CONFLICT}", rows.join(", "));
    let query = sqlx::query(sqlx::AssertSqlSafe(sql));
    db::bind_values(query, std::mem::take(values))
        .execute(conn)
        .await?;
    rows.clear();
    Ok(())
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

// ---------------------------------------------------------------- what a day's build reads

/// The day's verifications (`$1`) of the given 資格有効性 codes (bound from `$2`) whose
/// recipient is in the 台帳: office, recipient and institution, each once. Offices drive the
/// join (`CROSS JOIN` keeps SQLite's order, and `validity` is outside the covering index
/// `verifications_recipient`), so each office's day is read through
/// `verifications (office_number, verified_date)`.
fn day_visits(validities: usize) -> String {
    format!(
        "SELECT DISTINCT r.id, r.office_number, r.recipient_number, r.name, v.institution_code \
         FROM offices o CROSS JOIN verifications v CROSS JOIN recipients r \
         WHERE v.office_number = o.number AND v.verified_date = $1 AND v.validity IN ({}) \
           AND r.office_number = v.office_number AND r.recipient_number = v.recipient_number",
        db::placeholders(2, validities)
    )
}

/// One verification of a recipient of an office, as the alerts of a day read it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DayVerification {
    pub office_number: String,
    pub recipient_id: i64,
    pub recipient_number: String,
    pub recipient_name: String,
    pub institution_code: String,
    /// The registered institution's name; empty for a code the registry does not hold.
    pub institution_name: String,
    /// JST date, ISO.
    pub verified_date: String,
    /// 資格有効性.
    pub validity: i64,
}

/// The day's verifications (`date`, ISO) of 資格有効性 `validity` whose recipient is in the
/// 台帳, for every office, each (recipient, institution) once: what a day's 未委託受診 alerts
/// are derived from.
pub async fn visits_of_day<'e>(
    exec: impl AnyExecutor<'e>,
    date: &str,
    validity: i64,
) -> anyhow::Result<Vec<DayVerification>> {
    let rows: Vec<(i64, String, String, String, String, String)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "WITH d AS ({}) \
             SELECT d.id, d.office_number, d.recipient_number, d.name, d.institution_code, COALESCE(i.name, '') \
             FROM d LEFT JOIN institutions i ON i.code = d.institution_code",
            day_visits(1)
        )))
        .bind(date)
        .bind(validity)
        .fetch_all(exec)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                recipient_id,
                office_number,
                recipient_number,
                recipient_name,
                institution_code,
                institution_name,
            )| {
                DayVerification {
                    office_number,
                    recipient_id,
                    recipient_number,
                    recipient_name,
                    institution_code,
                    institution_name,
                    verified_date: date.to_string(),
                    validity,
                }
            },
        )
        .collect())
}

/// For every office, the recipients with a (recipient, institution) pair that has a
/// verification of one of `validities` on `date` and such verifications on at least
/// `min_days` distinct dates `month_from..=date`: all their verifications of those validities
/// dated `from..=date` (ISO dates). What a day's 頻回受診 alerts are derived from: a pair
/// under `min_days` cannot meet the rule, and a pair not seen that day has not changed. Each
/// recipient's verifications are read through `verifications (office_number,
/// recipient_number, verified_date)` (the institution is compared after, not looked up).
pub async fn busy_pairs_of_day<'e>(
    exec: impl AnyExecutor<'e>,
    date: &str,
    validities: &[i64],
    month_from: &str,
    min_days: i64,
    from: &str,
) -> anyhow::Result<Vec<DayVerification>> {
    let n = validities.len();
    let (month_at, min_at, from_at) = (n + 2, n + 3, n + 4);
    let again = db::placeholders(2, n);
    let query = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "WITH day AS ({}), \
         busy AS (\
           SELECT DISTINCT day.id, day.office_number, day.recipient_number, day.name FROM day \
           JOIN verifications v ON v.office_number = day.office_number AND v.recipient_number = day.recipient_number \
             AND v.verified_date >= ${month_at} AND v.verified_date <= $1 AND v.validity IN ({again}) \
           GROUP BY day.id, day.office_number, day.recipient_number, day.name, day.institution_code \
           HAVING COUNT(DISTINCT CASE WHEN v.institution_code = day.institution_code THEN v.verified_date END) >= ${min_at}) \
         SELECT d.office_number, d.id AS recipient_id, d.recipient_number, d.name AS recipient_name, \
           v.institution_code, COALESCE(i.name, '') AS institution_name, v.verified_date, v.validity \
         FROM busy d \
         JOIN verifications v ON v.office_number = d.office_number AND v.recipient_number = d.recipient_number \
           AND v.verified_date >= ${from_at} AND v.verified_date <= $1 AND v.validity IN ({again}) \
         LEFT JOIN institutions i ON i.code = v.institution_code",
        day_visits(n)
    )))
    .bind(date);
    let query = validities.iter().fold(query, |q, v| q.bind(*v));
    Ok(query
        .bind(month_from)
        .bind(min_days)
        .bind(from)
        .fetch_all(exec)
        .await?)
}

/// One active ticket, as a day's alerts read it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DayTicket {
    pub office_number: String,
    pub recipient_number: String,
    pub institution_code: String,
    /// ISO dates.
    pub valid_from: String,
    pub valid_until: String,
    pub injury_name1: Option<String>,
    pub injury_name2: Option<String>,
    pub injury_name3: Option<String>,
}

/// The active tickets of `months` (`YYYY-MM`) naming the institution of a verification of
/// 資格有効性 `validity` on `date` of their recipient, for every office: whether a 未委託 visit
/// of the day is covered (事後委託). Read by `recipient_id`, through
/// `tickets (recipient_id, treatment_month)` (a ticket's office is its recipient's).
pub async fn tickets_of_day_visits<'e>(
    exec: impl AnyExecutor<'e>,
    date: &str,
    validity: i64,
    months: &[String; 3],
) -> anyhow::Result<Vec<DayTicket>> {
    let query = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "WITH d AS ({}) \
         SELECT d.office_number, d.recipient_number, t.institution_code, t.valid_from, t.valid_until, \
           t.injury_name1, t.injury_name2, t.injury_name3 \
         FROM d JOIN tickets t ON t.recipient_id = d.id AND t.institution_code = d.institution_code \
           AND t.status = 'active' AND t.treatment_month IN ({})",
        day_visits(1),
        db::placeholders(3, months.len())
    )))
    .bind(date)
    .bind(validity);
    Ok(months
        .iter()
        .fold(query, |q, m| q.bind(m))
        .fetch_all(exec)
        .await?)
}
