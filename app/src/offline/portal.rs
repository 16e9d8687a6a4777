//! The recipient portal's last answers, kept so that the portal still shows something
//! (with 「最終更新 …」) when the network is down.
//!
//! One record per section (`home`, `tickets`, `profile`, …) and owner (公費負担者番号 +
//! 受給者番号). Only one owner's data is ever kept: saving for another recipient first
//! clears the store, and signing out clears it ([`forget`]), so a shared PC shows nobody
//! else's data.

use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{open, OfflineError, META, PORTAL};

/// Version of [`PortalRecord`]; a record of another version is treated as absent.
pub const RECORD_VERSION: u32 = 1;
/// `meta` key: whose portal data the `portal` store holds.
const OWNER_KEY: &str = "portal.owner";

/// One stored answer. `payload` is the API answer as JSON text, so that a change of the
/// API type only makes an old record unreadable (then absent), never a broken screen.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PortalRecord {
    key: String,
    version: u32,
    owner: String,
    section: String,
    /// When it was saved (browser clock, UTC RFC 3339).
    saved_at: String,
    payload: String,
}

/// A stored answer, read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved<T> {
    pub data: T,
    pub saved_at: String,
}

/// The owner key of a signed-in recipient.
pub fn owner_key(office_number: &str, recipient_number: &str) -> String {
    format!("{office_number}:{recipient_number}")
}

fn record_key(owner: &str, section: &str) -> String {
    format!("{owner}/{section}")
}

thread_local! {
    /// Set by [`forget`] (sign-out): an answer that arrives after it is not kept, so a save
    /// racing the sign-out cannot bring the data back. Cleared by [`allow_saves`].
    static FORGOTTEN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Someone signed in: their answers are kept again.
pub fn allow_saves() {
    FORGOTTEN.with(|f| f.set(false));
}

/// Keeps `data` as the last answer of `section` for `owner` (nothing after a sign-out).
pub async fn save<T: Serialize>(owner: &str, section: &str, data: &T) -> Result<(), OfflineError> {
    if FORGOTTEN.with(std::cell::Cell::get) {
        return Ok(());
    }
    let payload = serde_json::to_string(data).map_err(|e| OfflineError(e.to_string()))?;
    let record = PortalRecord {
        key: record_key(owner, section),
        version: RECORD_VERSION,
        owner: owner.to_string(),
        section: section.to_string(),
        saved_at: super::now_text(),
        payload,
    };
    let db = open().await?;
    let tx = db
        .transaction([PORTAL, META])
        .with_mode(TransactionMode::Readwrite)
        .build()?;
    let portal = tx.object_store(PORTAL)?;
    let meta = tx.object_store(META)?;
    let current: Option<String> = meta.get(OWNER_KEY).serde()?.await?;
    if current.as_deref() != Some(owner) {
        portal.clear()?.await?;
        meta.put(owner.to_string())
            .with_key(OWNER_KEY)
            .without_key_type()
            .serde()?
            .await?;
    }
    portal.put(record).serde()?.await?;
    tx.commit().await?;
    Ok(())
}

/// The last answer of `section`: for `owner` when known (signed in), else for whoever's
/// data is kept (the session could not be checked: offline).
pub async fn load<T: DeserializeOwned>(
    owner: Option<&str>,
    section: &str,
) -> Result<Option<Saved<T>>, OfflineError> {
    let db = open().await?;
    let tx = db
        .transaction([PORTAL, META])
        .with_mode(TransactionMode::Readonly)
        .build()?;
    let meta = tx.object_store(META)?;
    let kept: Option<String> = meta.get(OWNER_KEY).serde()?.await?;
    let Some(kept) = kept.filter(|kept| owner.is_none_or(|owner| owner == kept)) else {
        return Ok(None);
    };
    let portal = tx.object_store(PORTAL)?;
    let record: Option<PortalRecord> = portal.get(record_key(&kept, section)).serde()?.await?;
    Ok(record
        .filter(|r| r.version == RECORD_VERSION && r.owner == kept)
        .and_then(|r| {
            serde_json::from_str(&r.payload).ok().map(|data| Saved {
                data,
                saved_at: r.saved_at,
            })
        }))
}

/// Removes every kept portal answer (on sign-out).
pub async fn forget() -> Result<(), OfflineError> {
    FORGOTTEN.with(|f| f.set(true));
    let db = open().await?;
    let tx = db
        .transaction([PORTAL, META])
        .with_mode(TransactionMode::Readwrite)
        .build()?;
    tx.object_store(PORTAL)?.clear()?.await?;
    tx.object_store(META)?.delete(OWNER_KEY).await?;
    tx.commit().await?;
    Ok(())
}
