//! 請求前資格確認 runs: the `claims_checks` table, one row per 資格情報ファイル checked, with
//! its review (JSON of `domain::api::ClaimsReview`).
//!
//! [`insert`] stores a run and writes its id into the review; [`review_of_office`] reads one
//! back, for its office only.

use sqlx::AnyPool;

use domain::api::ClaimsReview;

/// Store a run checked by `checked_by` (a login, or the command); its id goes into the
/// review, which is stored with it.
pub async fn insert(
    pool: &AnyPool,
    review: &mut ClaimsReview,
    checked_by: &str,
) -> anyhow::Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO claims_checks (office_number, file_name, billing_month, receipt_count, return_count, checked_at, checked_by, review) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, '') RETURNING id",
    )
    .bind(&review.office_number)
    .bind(&review.file_name)
    .bind(&review.billing_month)
    .bind(i64::try_from(review.receipt_count)?)
    .bind(i64::try_from(review.return_count)?)
    .bind(&review.checked_at)
    .bind(checked_by)
    .fetch_one(pool)
    .await?;
    review.id = Some(id);
    sqlx::query("UPDATE claims_checks SET review = $1 WHERE id = $2")
        .bind(serde_json::to_string(&review)?)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(id)
}

/// A stored run of `office` (`None` for another office's or a missing id).
pub async fn review_of_office<'e>(
    exec: impl sqlx::AnyExecutor<'e>,
    office: &str,
    id: i64,
) -> anyhow::Result<Option<ClaimsReview>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT review FROM claims_checks WHERE id = $1 AND office_number = $2")
            .bind(id)
            .bind(office)
            .fetch_optional(exec)
            .await?;
    row.map(|(json,)| serde_json::from_str(&json).map_err(anyhow::Error::from))
        .transpose()
}
