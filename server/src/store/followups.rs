//! The caseworkers' follow-ups of screening candidates: the `screening_followups` table,
//! append-only.
//!
//! [`insert`] writes one; [`by_id`] and [`of_office_in_month`] read them with their
//! recipient's number and name ([`StoredFollowup`], one mapping: [`from_row`]). A row whose
//! category or action is no longer a known code is left out of the reads.

use sqlx::AnyExecutor;

use domain::api::{Followup, FollowupAction};
use domain::screening::Category;

/// A follow-up about to be written.
#[derive(Debug, Clone, Copy)]
pub struct NewFollowup<'a> {
    pub office_number: &'a str,
    pub recipient_id: i64,
    /// `None`: about the recipient (多数医療機関受診).
    pub institution_code: Option<&'a str>,
    /// The screened month, YYYY-MM.
    pub month: &'a str,
    pub category: Option<Category>,
    pub action: FollowupAction,
    pub note: &'a str,
    /// Login.
    pub recorded_by: &'a str,
    pub recorded_by_name: &'a str,
    /// UTC RFC 3339.
    pub recorded_at: &'a str,
}

/// A stored follow-up and its recipient's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFollowup {
    pub followup: Followup,
    pub recipient_id: i64,
}

type FollowupRow = (
    i64,
    i64,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
);

/// The columns of every read, the follow-up as `f` joined with its recipient as `r`.
const SELECT: &str = "SELECT f.id, f.recipient_id, r.recipient_number, r.name, f.institution_code, f.month, f.category, f.action, f.note, f.recorded_by_name, f.recorded_at \
     FROM screening_followups f JOIN recipients r ON r.id = f.recipient_id";

/// The row → value mapping of [`SELECT`]; `None` for an unknown category or action.
fn from_row(row: FollowupRow) -> Option<StoredFollowup> {
    let (
        id,
        recipient_id,
        recipient_number,
        recipient_name,
        institution_code,
        month,
        category,
        action,
        note,
        recorded_by,
        recorded_at,
    ) = row;
    let category = match category {
        Some(label) => Some(Category::ALL.into_iter().find(|c| c.label_ja() == label)?),
        None => None,
    };
    let followup = Followup {
        id,
        recipient_number,
        recipient_name,
        institution_code,
        month,
        category,
        action: FollowupAction::from_code(&action)?,
        note,
        recorded_by,
        recorded_at,
    };
    Some(StoredFollowup {
        followup,
        recipient_id,
    })
}

/// Insert a follow-up; its id.
pub async fn insert<'e>(exec: impl AnyExecutor<'e>, new: &NewFollowup<'_>) -> anyhow::Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO screening_followups (office_number, recipient_id, institution_code, month, category, action, note, recorded_by, recorded_by_name, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(new.office_number)
    .bind(new.recipient_id)
    .bind(new.institution_code.map(str::to_string))
    .bind(new.month)
    .bind(new.category.map(|c| c.label_ja().to_string()))
    .bind(new.action.code())
    .bind(new.note)
    .bind(new.recorded_by)
    .bind(new.recorded_by_name)
    .bind(new.recorded_at)
    .fetch_one(exec)
    .await?;
    Ok(id)
}

/// The follow-up with this id (an error when there is none; `None` when it is unreadable).
pub async fn by_id<'e>(
    exec: impl AnyExecutor<'e>,
    id: i64,
) -> anyhow::Result<Option<StoredFollowup>> {
    let row: FollowupRow = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE f.id = $1")))
        .bind(id)
        .fetch_one(exec)
        .await?;
    Ok(from_row(row))
}

/// An office's follow-ups for a month (YYYY-MM), newest first.
pub async fn of_office_in_month<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    month: &str,
) -> anyhow::Result<Vec<StoredFollowup>> {
    let rows: Vec<FollowupRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE f.office_number = $1 AND f.month = $2 ORDER BY f.recorded_at DESC, f.id DESC"
    )))
    .bind(office)
    .bind(month)
    .fetch_all(exec)
    .await?;
    Ok(rows.into_iter().filter_map(from_row).collect())
}
