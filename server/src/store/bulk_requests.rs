//! 医療扶助 一括照会 accepted through onshi XML: the `bulk_requests` table.
//!
//! A request is accepted once per `request_key` ([`insert`], `ON CONFLICT DO NOTHING`;
//! [`reception_number_by_key`] finds the number already given), prepared in the background
//! ([`processing`], then [`mark_ready`] with its [`BulkResult`] or [`mark_failed`]), read by
//! its reception number ([`by_reception_number`]) and deleted after a while
//! ([`delete_created_before`]: the result holds personal data).

use sqlx::AnyExecutor;

use domain::api::Roster;

/// `bulk_requests.result`: the 一括照会 and its recipients' ids (for the audit log when
/// it is delivered).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BulkResult {
    pub roster: Roster,
    pub recipient_ids: Vec<i64>,
}

/// A request about to be written.
#[derive(Debug, Clone, Copy)]
pub struct NewBulkRequest<'a> {
    pub reception_number: &'a str,
    pub request_key: &'a str,
    pub institution_code: &'a str,
    /// 診療年月 YYYY-MM.
    pub month: &'a str,
    /// UTC RFC 3339.
    pub created_at: &'a str,
}

/// A `processing` request: what its preparation reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingBulk {
    pub institution_code: String,
    pub month: String,
}

/// Where a stored request stands (the `status` column, and `result` once ready).
#[derive(Debug, Clone)]
pub enum BulkState {
    Processing,
    Ready(BulkResult),
    /// `failed`, or a status that is not known (or `ready` without a result).
    Failed,
}

/// A request as stored; its result is read by [`StoredBulkRequest::state`].
#[derive(Debug, Clone)]
pub struct StoredBulkRequest {
    pub institution_code: String,
    /// UTC RFC 3339.
    pub created_at: String,
    status: String,
    result: Option<String>,
}

impl StoredBulkRequest {
    /// Whether it is still being prepared.
    pub fn is_processing(&self) -> bool {
        self.status == "processing"
    }

    /// Where it stands, its result read (an error when a ready result is unreadable).
    pub fn state(self) -> anyhow::Result<BulkState> {
        Ok(match (self.status.as_str(), self.result) {
            ("ready", Some(json)) => BulkState::Ready(serde_json::from_str(&json)?),
            ("processing", _) => BulkState::Processing,
            _ => BulkState::Failed,
        })
    }
}

/// Delete the requests created before `cutoff` (UTC RFC 3339).
pub async fn delete_created_before<'e>(
    exec: impl AnyExecutor<'e>,
    cutoff: &str,
) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM bulk_requests WHERE created_at < $1")
        .bind(cutoff)
        .execute(exec)
        .await?;
    Ok(())
}

/// The reception number given to the request with this key, if any.
pub async fn reception_number_by_key<'e>(
    exec: impl AnyExecutor<'e>,
    key: &str,
) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT reception_number FROM bulk_requests WHERE request_key = $1")
            .bind(key)
            .fetch_optional(exec)
            .await?;
    Ok(row.map(|r| r.0))
}

/// Insert a `processing` request; `false` when its key or reception number is already
/// stored (nothing written).
pub async fn insert<'e>(
    exec: impl AnyExecutor<'e>,
    new: &NewBulkRequest<'_>,
) -> anyhow::Result<bool> {
    let inserted: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO bulk_requests (reception_number, request_key, institution_code, month, status, created_at) \
         VALUES ($1, $2, $3, $4, 'processing', $5) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(new.reception_number)
    .bind(new.request_key)
    .bind(new.institution_code)
    .bind(new.month)
    .bind(new.created_at)
    .fetch_optional(exec)
    .await?;
    Ok(inserted.is_some())
}

/// The request with this reception number, if it is still `processing`.
pub async fn processing<'e>(
    exec: impl AnyExecutor<'e>,
    reception_number: &str,
) -> anyhow::Result<Option<PendingBulk>> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT institution_code, month FROM bulk_requests WHERE reception_number = $1 AND status = 'processing'",
    )
    .bind(reception_number)
    .fetch_optional(exec)
    .await?;
    Ok(row.map(|(institution_code, month)| PendingBulk {
        institution_code,
        month,
    }))
}

/// Mark a `processing` request ready with its result (a request no longer processing is
/// left as it is).
pub async fn mark_ready<'e>(
    exec: impl AnyExecutor<'e>,
    reception_number: &str,
    result: &BulkResult,
    ready_at: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE bulk_requests SET status = 'ready', result = $1, ready_at = $2 \
         WHERE reception_number = $3 AND status = 'processing'",
    )
    .bind(serde_json::to_string(result)?)
    .bind(ready_at)
    .bind(reception_number)
    .execute(exec)
    .await?;
    Ok(())
}

/// Mark a request failed.
pub async fn mark_failed<'e>(
    exec: impl AnyExecutor<'e>,
    reception_number: &str,
    ready_at: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE bulk_requests SET status = 'failed', ready_at = $1 WHERE reception_number = $2",
    )
    .bind(ready_at)
    .bind(reception_number)
    .execute(exec)
    .await?;
    Ok(())
}

/// The request with this reception number (of any institution: the caller compares).
pub async fn by_reception_number<'e>(
    exec: impl AnyExecutor<'e>,
    reception_number: &str,
) -> anyhow::Result<Option<StoredBulkRequest>> {
    let row: Option<(String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT institution_code, status, result, created_at FROM bulk_requests WHERE reception_number = $1",
    )
    .bind(reception_number)
    .fetch_optional(exec)
    .await?;
    Ok(row.map(
        |(institution_code, status, result, created_at)| StoredBulkRequest {
            institution_code,
            created_at,
            status,
            result,
        },
    ))
}
