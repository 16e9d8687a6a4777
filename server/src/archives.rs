//! Uploaded archives are expanded one at a time, in the whole process.
//!
//! A ZIP is small on the wire and large once expanded: the 資格情報ファイル's CSV (up to
//! `domain::claims::MAX_CSV_BYTES`, then decoded to text) or a 特定健診 archive (each XML up to
//! 1 MiB, 256 MiB read in all). Each request is capped by those limits; this makes the cap
//! hold for the server too: concurrent uploads wait their turn instead of each holding its
//! own expanded copy, so four ZIP bombs at once take no more memory than one. The work runs
//! on the blocking pool, so the runtime keeps answering other requests meanwhile.

use tokio::sync::Semaphore;

static ONE_AT_A_TIME: Semaphore = Semaphore::const_new(1);

/// Run `expand` (CPU and memory heavy, synchronous) when no other archive is being expanded.
pub async fn expand_one_at_a_time<T, F>(expand: F) -> anyhow::Result<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let _turn = ONE_AT_A_TIME.acquire().await?;
    Ok(tokio::task::spawn_blocking(expand).await?)
}
