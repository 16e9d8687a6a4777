//! What a reception PC keeps for working offline (product.md §3):
//!
//! - `meta` `clinic.session`: the last [`SessionInfo`] of a clinic sign-in, so that a reload
//!   while the server is unreachable still knows who is at the desk;
//! - `roster`: the 一括照会 roster, one record per institution and 診療年月
//!   (`{医療機関コード}:{YYYY-MM}`), for answering number-entry checks offline;
//! - `results`: the last answers of the desk (key: `client_id`), newest kept: verdicts, and
//!   offline checks the roster could not answer ([`DeskAnswer`]);
//! - `outbox`: number-entry checks answered offline, waiting for `POST /api/verify/sync`,
//!   in `queued_at` order. A record leaves the outbox only when the server acknowledged it.
//!
//! Every record carries its version and the API value as JSON text, so a later change of
//! an API type makes an old record unreadable (then absent), never a broken screen — except
//! in the outbox, where an unreadable record is kept (never silently dropped).

use domain::api::{DeskAnswer, NumberVerifyRequest, Roster, SessionInfo};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{now_text, open, OfflineError, META, OUTBOX, OUTBOX_BY_QUEUED_AT, RESULTS, ROSTER};

/// Version of the records below; a record of another version is treated as absent.
pub const RECORD_VERSION: u32 = 1;
/// How many results are kept on the PC (the newest).
pub const RESULTS_KEPT: usize = 200;
/// How many months of rosters are kept per institution (the latest).
pub const ROSTER_MONTHS_KEPT: usize = 3;

const SESSION_KEY: &str = "clinic.session";

/// A saved API value (`roster`, `results`, `meta`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    version: u32,
    /// Browser clock, UTC RFC 3339.
    saved_at: String,
    payload: String,
}

/// One waiting verification (keyPath `client_id`, index `queued_at`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct OutboxRecord {
    client_id: String,
    /// Browser clock, UTC RFC 3339 with milliseconds: sorts in the order checks were made.
    queued_at: String,
    version: u32,
    /// 医療機関コード of the desk that made the check: only that institution sends it.
    institution_code: String,
    /// The [`NumberVerifyRequest`] as JSON text.
    payload: String,
}

/// A stored value read back, with when it was saved.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved<T> {
    pub data: T,
    pub saved_at: String,
}

/// A queued check read back from the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub request: NumberVerifyRequest,
    pub queued_at: String,
}

fn record<T: Serialize>(value: &T) -> Result<Record, OfflineError> {
    Ok(Record {
        version: RECORD_VERSION,
        saved_at: now_text(),
        payload: serde_json::to_string(value).map_err(|e| OfflineError(e.to_string()))?,
    })
}

fn read<T: DeserializeOwned>(record: Option<Record>) -> Option<Saved<T>> {
    let record = record.filter(|r| r.version == RECORD_VERSION)?;
    let data = serde_json::from_str(&record.payload).ok()?;
    Some(Saved {
        data,
        saved_at: record.saved_at,
    })
}

/// A kept [`DeskAnswer`] ([`DeskAnswer::from_json`], not serde's untagged path).
fn read_answer(record: Option<Record>) -> Option<DeskAnswer> {
    let record = record.filter(|r| r.version == RECORD_VERSION)?;
    DeskAnswer::from_json(&record.payload)
}

fn roster_key(institution_code: &str, month: &str) -> String {
    format!("{institution_code}:{month}")
}

// ---------------------------------------------------------------- session

/// Keeps the clinic's session for offline reloads.
pub async fn save_session(info: &SessionInfo) -> Result<(), OfflineError> {
    let value = record(info)?;
    let db = open().await?;
    let tx = db
        .transaction(META)
        .with_mode(TransactionMode::Readwrite)
        .build()?;
    tx.object_store(META)?
        .put(value)
        .with_key(SESSION_KEY)
        .without_key_type()
        .serde()?
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The kept clinic session, if any.
pub async fn cached_session() -> Result<Option<SessionInfo>, OfflineError> {
    let db = open().await?;
    let tx = db
        .transaction(META)
        .with_mode(TransactionMode::Readonly)
        .build()?;
    let stored: Option<Record> = tx.object_store(META)?.get(SESSION_KEY).serde()?.await?;
    Ok(read::<SessionInfo>(stored).map(|saved| saved.data))
}

/// `sessionStorage` key: the verdict changes the desk has not yet said it has seen.
const CHANGES_KEY: &str = "onshi-verdict-changes";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Keeps the verdict changes of `institution_code` the desk has not yet said it has seen, for
/// this tab: they stay on screen on the desk's other pages (another bundle, so another page
/// load) and after a reload. Synchronous, so nothing is lost when the page moves right after.
pub fn save_changed_verdicts<T: Serialize>(institution_code: &str, changes: &T) {
    let Some(storage) = session_storage() else {
        return;
    };
    if let Ok(json) = serde_json::to_string(&(institution_code, changes)) {
        let _ = storage.set_item(CHANGES_KEY, &json);
    }
}

/// The kept unseen verdict changes of `institution_code`, if any.
pub fn changed_verdicts<T: DeserializeOwned>(institution_code: &str) -> Option<T> {
    let json = session_storage()?.get_item(CHANGES_KEY).ok().flatten()?;
    let (code, changes): (String, T) = serde_json::from_str(&json).ok()?;
    (code == institution_code).then_some(changes)
}

/// Sign-out (or another role signed in): forget the session, the rosters and the results.
/// The outbox stays: those verifications happened and must still reach the server.
pub async fn forget() -> Result<(), OfflineError> {
    let db = open().await?;
    let tx = db
        .transaction([META, ROSTER, RESULTS])
        .with_mode(TransactionMode::Readwrite)
        .build()?;
    tx.object_store(META)?.delete(SESSION_KEY).await?;
    tx.object_store(ROSTER)?.clear()?.await?;
    tx.object_store(RESULTS)?.clear()?.await?;
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(CHANGES_KEY);
    }
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------- roster

/// Keeps a roster (replacing the one of the same institution and month) and drops the
/// rosters of other institutions and of older months.
pub async fn save_roster(roster: &Roster) -> Result<(), OfflineError> {
    let value = record(roster)?;
    let key = roster_key(&roster.institution_code, &roster.month);
    let db = open().await?;
    let tx = db
        .transaction(ROSTER)
        .with_mode(TransactionMode::Readwrite)
        .build()?;
    let store = tx.object_store(ROSTER)?;
    store
        .put(value)
        .with_key(key.clone())
        .without_key_type()
        .serde()?
        .await?;
    let keys: Vec<String> = store
        .get_all_keys::<String>()
        .primitive()?
        .await?
        .collect::<Result<_, _>>()?;
    let prefix = format!("{}:", roster.institution_code);
    let mut mine: Vec<&String> = keys.iter().filter(|k| k.starts_with(&prefix)).collect();
    mine.sort();
    let keep_from = mine.len().saturating_sub(ROSTER_MONTHS_KEPT);
    let old = mine.iter().take(keep_from).copied();
    let others = keys.iter().filter(|k| !k.starts_with(&prefix));
    for stale in old.chain(others) {
        if *stale != key {
            store.delete(stale.as_str()).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The kept roster of `institution_code` for `month` (`YYYY-MM`).
pub async fn load_roster(
    institution_code: &str,
    month: &str,
) -> Result<Option<Saved<Roster>>, OfflineError> {
    let db = open().await?;
    let tx = db
        .transaction(ROSTER)
        .with_mode(TransactionMode::Readonly)
        .build()?;
    let stored: Option<Record> = tx
        .object_store(ROSTER)?
        .get(roster_key(institution_code, month))
        .serde()?
        .await?;
    Ok(read(stored).filter(|saved: &Saved<Roster>| {
        saved.data.institution_code == institution_code && saved.data.month == month
    }))
}

// ---------------------------------------------------------------- results

/// Keeps an answer (replacing the one with the same `client_id`: the server's verdict
/// replaces the offline one), keeping the newest [`RESULTS_KEPT`].
pub async fn save_result(result: &DeskAnswer) -> Result<(), OfflineError> {
    let value = record(result)?;
    let db = open().await?;
    let tx = db
        .transaction(RESULTS)
        .with_mode(TransactionMode::Readwrite)
        .build()?;
    let store = tx.object_store(RESULTS)?;
    store
        .put(value)
        .with_key(result.client_id().to_string())
        .without_key_type()
        .serde()?
        .await?;
    let count = store.count().primitive()?.await?;
    if usize::try_from(count).unwrap_or(0) > RESULTS_KEPT {
        let keys: Vec<String> = store
            .get_all_keys::<String>()
            .primitive()?
            .await?
            .collect::<Result<_, _>>()?;
        let records: Vec<Record> = store
            .get_all::<Record>()
            .serde()?
            .await?
            .collect::<Result<_, _>>()?;
        // Oldest first by when the check was made; unreadable records count as oldest.
        let mut dated: Vec<(String, &String)> = records
            .iter()
            .zip(&keys)
            .map(|(r, k)| {
                let at = DeskAnswer::from_json(&r.payload)
                    .map(|v| v.verified_at().to_string())
                    .unwrap_or_default();
                (at, k)
            })
            .collect();
        dated.sort();
        let excess = dated.len().saturating_sub(RESULTS_KEPT);
        for (_, key) in dated.into_iter().take(excess) {
            if key != result.client_id() {
                store.delete(key.as_str()).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The kept answers of `institution_code`, newest first.
pub async fn recent_results(institution_code: &str) -> Result<Vec<DeskAnswer>, OfflineError> {
    let db = open().await?;
    let tx = db
        .transaction(RESULTS)
        .with_mode(TransactionMode::Readonly)
        .build()?;
    let records: Vec<Record> = tx
        .object_store(RESULTS)?
        .get_all::<Record>()
        .serde()?
        .await?
        .collect::<Result<_, _>>()?;
    let mut results: Vec<DeskAnswer> = records
        .into_iter()
        .filter_map(|r| read_answer(Some(r)))
        .filter(|r| r.institution_code() == institution_code)
        .collect();
    results.sort_by(|a, b| b.verified_at().cmp(a.verified_at()));
    Ok(results)
}

// ---------------------------------------------------------------- outbox

/// An offline check: the request joins the outbox and its offline answer the results, in
/// one transaction (both or neither).
pub async fn record_offline(
    institution_code: &str,
    request: &NumberVerifyRequest,
    result: &DeskAnswer,
) -> Result<(), OfflineError> {
    let queued = OutboxRecord {
        client_id: request.client_id.clone(),
        queued_at: now_text(),
        version: RECORD_VERSION,
        institution_code: institution_code.to_string(),
        payload: serde_json::to_string(request).map_err(|e| OfflineError(e.to_string()))?,
    };
    let value = record(result)?;
    let db = open().await?;
    let tx = db
        .transaction([OUTBOX, RESULTS])
        .with_mode(TransactionMode::Readwrite)
        .build()?;
    tx.object_store(OUTBOX)?.put(queued).serde()?.await?;
    tx.object_store(RESULTS)?
        .put(value)
        .with_key(result.client_id().to_string())
        .without_key_type()
        .serde()?
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The waiting checks of `institution_code`, in the order they were made.
pub async fn outbox(institution_code: &str) -> Result<Vec<Queued>, OfflineError> {
    let db = open().await?;
    let tx = db
        .transaction(OUTBOX)
        .with_mode(TransactionMode::Readonly)
        .build()?;
    let records: Vec<OutboxRecord> = tx
        .object_store(OUTBOX)?
        .index(OUTBOX_BY_QUEUED_AT)?
        .get_all::<OutboxRecord>()
        .serde()?
        .await?
        .collect::<Result<_, _>>()?;
    Ok(records
        .into_iter()
        .filter(|r| r.institution_code == institution_code && r.version == RECORD_VERSION)
        .filter_map(|r| {
            serde_json::from_str::<NumberVerifyRequest>(&r.payload)
                .ok()
                .map(|request| Queued {
                    request,
                    queued_at: r.queued_at,
                })
        })
        .collect())
}

/// Removes acknowledged checks from the outbox.
pub async fn remove_from_outbox(client_ids: &[String]) -> Result<(), OfflineError> {
    if client_ids.is_empty() {
        return Ok(());
    }
    let db = open().await?;
    let tx = db
        .transaction(OUTBOX)
        .with_mode(TransactionMode::Readwrite)
        .build()?;
    let store = tx.object_store(OUTBOX)?;
    for id in client_ids {
        store.delete(id.as_str()).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// One kept answer, by its `client_id`.
pub async fn load_result(client_id: &str) -> Result<Option<DeskAnswer>, OfflineError> {
    let db = open().await?;
    let tx = db
        .transaction(RESULTS)
        .with_mode(TransactionMode::Readonly)
        .build()?;
    let stored: Option<Record> = tx.object_store(RESULTS)?.get(client_id).serde()?.await?;
    Ok(read_answer(stored))
}
