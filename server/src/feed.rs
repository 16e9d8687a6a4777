//! The daily feed (資格確認実績の連携, product.md §2 IV): each morning, for every 実施機関, the
//! previous JST day's verifications of its recipients. `onshi daily-feed` builds a day on
//! demand (and can write each office's file); `onshi serve` runs [`spawn_scheduler`].
//!
//! The feed is read from `verifications` by (office_number, verified_date); a build records
//! in `daily_feeds` (`store::feeds`) that the day was delivered and how many verifications it
//! held. Building a day again replaces that row and rewrites the files: nothing is ever listed
//! twice. The same build stores the day's alerts for each office (`crate::alerts`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use domain::api::{FeedRow, Role};
use domain::feed::FeedEntry;

use crate::auth::Caller;
use crate::db::{now_text, Db};
use crate::store::feeds;
use crate::store::verifications::{self, StoredVerification};

/// One office's build of a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    pub office_number: String,
    pub office_name: String,
    pub count: u64,
}

/// Build (or rebuild) the feed of `date` for every office, in one transaction.
pub async fn build(db: &Db, date: NaiveDate) -> anyhow::Result<Vec<Built>> {
    let date_text = date.to_string();
    let rows = verifications::count_by_office_on(&db.pool, date).await?;
    // The day's alerts (`crate::alerts`): only the recipients verified that day can bring one.
    let day_alerts = crate::alerts::derive_day(db, date).await?;
    let built_at = now_text();
    let mut tx = db.pool.begin().await?;
    for row in &rows {
        feeds::record(
            &mut tx,
            &row.office_number,
            &date_text,
            row.count,
            &built_at,
        )
        .await?;
    }
    crate::alerts::store(&mut tx, &day_alerts, &built_at).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|row| Built {
            office_number: row.office_number,
            office_name: row.office_name,
            count: u64::try_from(row.count).unwrap_or(0),
        })
        .collect())
}

fn instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The feed file's lines for one office and day, oldest first, and the recipients they name
/// (ids, for the audit of whoever reads or writes the file).
pub async fn day_file(
    db: &Db,
    office: &str,
    date: NaiveDate,
) -> anyhow::Result<(Vec<FeedEntry>, Vec<i64>)> {
    let (verifications, ids) = verifications::of_office_on(db, office, date).await?;
    Ok((verifications.into_iter().filter_map(entry).collect(), ids))
}

/// A stored verification as its feed line (none when its stored instant is unreadable).
fn entry(v: StoredVerification) -> Option<FeedEntry> {
    Some(FeedEntry {
        verified_at: instant(&v.verified_at)?,
        institution_code: v.institution_code,
        office_number: v.office_number,
        recipient_number: v.recipient_number,
        reference: v.reference_class,
        validity: v.validity,
    })
}

/// The feed as the office reads it on screen (names joined), oldest first.
pub async fn rows(db: &Db, office: &str, date: NaiveDate) -> anyhow::Result<Vec<FeedRow>> {
    let rows = verifications::of_office_on_named(&db.pool, office, date).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let v = row.verification;
            let at = domain::jst::to_jst(instant(&v.verified_at)?);
            Some(FeedRow {
                verified_at: at.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
                institution_code: v.institution_code,
                institution_name: row.institution_name.unwrap_or_default(),
                recipient_number: v.recipient_number,
                recipient_name: row.recipient_name.unwrap_or_default(),
                recipient_id: row.recipient_id,
                reference: v.reference_class,
                validity: v.validity,
                offline: v.offline,
            })
        })
        .collect())
}

/// The office staff `caller` fetched (opened or downloaded) its feed of `date`: the first
/// fetch of a built day is recorded for the operator's 日次連携の未取得 count.
pub async fn fetched(
    db: &Db,
    caller: &Caller,
    office: &str,
    date: NaiveDate,
) -> anyhow::Result<()> {
    if matches!(caller.role, Role::Caseworker | Role::Supervisor) {
        feeds::mark_fetched(&db.pool, office, date, &now_text(), &caller.actor_id).await?;
    }
    Ok(())
}

/// How many offices' files [`write_files`] audits in one transaction: one commit per office
/// took most of a national day's time; a batch holds SQLite's write lock well under a second.
pub const AUDIT_BATCH_OFFICES: usize = 100;

/// Write (replace) `dir/<公費負担者番号>_<YYYYMMDD>.csv` for each built office, header-only
/// when the office had no verifications. Each file is written beside and renamed into place;
/// the recipients it names are audited after it, [`AUDIT_BATCH_OFFICES`] offices a transaction.
pub async fn write_files(
    db: &Db,
    date: NaiveDate,
    dir: &Path,
    built: &[Built],
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::with_capacity(built.len());
    let detail = format!("資格確認実績の日次連携ファイル（{date}）");
    for batch in built.chunks(AUDIT_BATCH_OFFICES) {
        let mut read = Vec::with_capacity(batch.len());
        for office in batch {
            let (entries, ids) = day_file(db, &office.office_number, date).await?;
            let text = domain::feed::verification_log_csv(&entries);
            let name = domain::feed::feed_file_name(&office.office_number, date);
            let path = dir.join(&name);
            let partial = dir.join(format!(".{name}.partial"));
            std::fs::write(&partial, text.as_bytes())
                .with_context(|| format!("cannot write {}", partial.display()))?;
            std::fs::rename(&partial, &path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let caller = crate::audit::command_caller(
                &office.office_number,
                &office.office_name,
                "onshi daily-feed",
            );
            read.push((caller, ids));
            written.push(path);
        }
        let accesses: Vec<crate::audit::BatchAccess<'_>> = read
            .iter()
            .map(|(caller, ids)| crate::audit::BatchAccess {
                caller,
                action: "feed.export",
                recipient_ids: ids,
                detail: &detail,
            })
            .collect();
        crate::audit::record_batch(db, &accesses).await?;
    }
    Ok(written)
}

/// `--feed-time HH:MM` for clap.
pub fn parse_feed_time(text: &str) -> Result<NaiveTime, String> {
    domain::feed::parse_time_of_day(text)
}

/// `onshi daily-feed [--date YYYY-MM-DD] [--out DIR]`.
pub async fn run_cli(db: &Db, date: Option<&str>, out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let date = match date {
        Some(text) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| anyhow::anyhow!("--date: 日付は YYYY-MM-DD で指定してください: {text}"))?,
        None => domain::feed::feed_date(Utc::now()),
    };
    let built = build(db, date).await?;
    let total: u64 = built.iter().map(|b| b.count).sum();
    println!(
        "{date} の資格確認実績を {} 事務所に配信しました（計 {total} 件）。",
        built.len()
    );
    for b in &built {
        println!("  {} {}: {} 件", b.office_number, b.office_name, b.count);
    }
    if let Some(dir) = out {
        for path in write_files(db, date, dir, &built).await? {
            println!("  {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_once(db: &Db, date: NaiveDate) {
    match build(db, date).await {
        Ok(built) => tracing::info!(
            "daily feed {date}: {} offices, {} verifications",
            built.len(),
            built.iter().map(|b| b.count).sum::<u64>()
        ),
        Err(e) => tracing::error!("daily feed {date} failed: {e:#}"),
    }
}

/// Whether the morning's feed is due now: the time has passed today (JST) and the day it
/// covers has not been built.
async fn missed(db: &Db, at: NaiveTime, now: DateTime<Utc>) -> anyhow::Result<bool> {
    if domain::jst::to_jst(now).time() < at {
        return Ok(false);
    }
    let n = feeds::count_on(&db.pool, &domain::feed::feed_date(now).to_string()).await?;
    Ok(n == 0)
}

/// The scheduler inside `onshi serve`: every day at `at` (JST) build yesterday's feed for every
/// office. A server started after that time builds the missed feed at once. Several instances
/// may run it: a rebuild replaces, so the result is the same.
pub fn spawn_scheduler(db: Db, at: NaiveTime) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        match missed(&db, at, Utc::now()).await {
            Ok(true) => run_once(&db, domain::feed::feed_date(Utc::now())).await,
            Ok(false) => {}
            Err(e) => tracing::error!("daily feed: {e:#}"),
        }
        let mut next = domain::feed::next_run(Utc::now(), at);
        tracing::info!("daily feed scheduled at {at} JST, next {next}");
        loop {
            let now = Utc::now();
            if now >= next {
                run_once(&db, domain::feed::feed_date(now)).await;
                next = domain::feed::next_run(Utc::now(), at);
                continue;
            }
            // Wake at least hourly so a changed system clock is noticed.
            let wait = (next - now)
                .to_std()
                .unwrap_or_default()
                .min(std::time::Duration::from_secs(3600));
            tokio::time::sleep(wait).await;
        }
    })
}
