//! The daily feed's builds: the `daily_feeds` table, one row per (office, JST day) built.
//!
//! The feed itself is read from `verifications` (`store::verifications`); a build records
//! here that the day was delivered and how many verifications it held. [`record`] replaces
//! an earlier build of the same day (callers building every office pass a transaction);
//! [`build_of`] reads one, [`count_on`] counts a day's; [`mark_fetched`] records the office's
//! first fetch (the operator's 未取得 count).

use sqlx::{AnyConnection, AnyExecutor};

use domain::api::FeedBuild;

/// Record (or replace) the build of an office's day (`date`: ISO JST date).
pub async fn record(
    conn: &mut AnyConnection,
    office: &str,
    date: &str,
    count: i64,
    built_at: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO daily_feeds (office_number, feed_date, verification_count, built_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (office_number, feed_date) DO UPDATE SET verification_count = excluded.verification_count, built_at = excluded.built_at",
    )
    .bind(office)
    .bind(date)
    .bind(count)
    .bind(built_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The recorded build of an office's day, if any.
pub async fn build_of<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    date: chrono::NaiveDate,
) -> anyhow::Result<Option<FeedBuild>> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT verification_count, built_at FROM daily_feeds WHERE office_number = $1 AND feed_date = $2",
    )
    .bind(office)
    .bind(date.to_string())
    .fetch_optional(exec)
    .await?;
    Ok(row.map(|(count, built_at)| FeedBuild {
        count: u64::try_from(count).unwrap_or(0),
        built_at,
    }))
}

/// How many offices have a recorded build of a day (`date`: ISO JST date).
pub async fn count_on<'e>(exec: impl AnyExecutor<'e>, date: &str) -> anyhow::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM daily_feeds WHERE feed_date = $1")
        .bind(date)
        .fetch_one(exec)
        .await?;
    Ok(n)
}

/// Record that the office fetched its built feed of a day (the first fetch is kept; a day
/// not built yet records nothing).
pub async fn mark_fetched<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    date: chrono::NaiveDate,
    at: &str,
    by: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE daily_feeds SET fetched_at = $3, fetched_by = $4 \
         WHERE office_number = $1 AND feed_date = $2 AND fetched_at IS NULL",
    )
    .bind(office)
    .bind(date.to_string())
    .bind(at)
    .bind(by)
    .execute(exec)
    .await?;
    Ok(())
}
