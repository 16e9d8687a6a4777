//! What the app keeps in the browser: one IndexedDB database, `fujo-onshi`, opened and
//! upgraded here only. Architecture invariant: only `app/src/offline` knows IndexedDB.
//!
//! Stores, all created up front in [`upgrade`] (an index cannot be added to an existing
//! store later with `indexed_db_futures` 0.6, so every store and index is planned here):
//!
//! | store | key | holds |
//! |---|---|---|
//! | `portal` | keyPath `key` | the recipient portal's last answers ([`portal`]) |
//! | `roster` | out-of-line | the clinic's 一括照会 roster, one record per key the writer chooses |
//! | `results` | out-of-line | the clinic's last verification results |
//! | `outbox` | keyPath `client_id`, index `queued_at` | verifications made offline, sent in `queued_at` order |
//! | `meta` | out-of-line | small values (whose portal data is kept, last sync times) |
//!
//! To add a store or an index: raise [`DB_VERSION`] and add one step to [`upgrade`] for
//! the new version (never edit an earlier step: browsers out there have run it). The
//! cache is disposable: a browser may evict it, so every screen says how old its data is.
//!
//! Trap (style.md): a transaction commits as soon as the code awaits anything that is not
//! one of its own requests. Read → compute → write in one function with no network,
//! timer or crypto await between, and end with `tx.commit().await`.

pub mod clinic;
pub mod portal;

use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::prelude::*;

/// The one database of the app.
pub const DB_NAME: &str = "fujo-onshi";
/// Schema version of [`DB_NAME`]; see [`upgrade`].
pub const DB_VERSION: u32 = 1;

/// Store names.
pub const PORTAL: &str = "portal";
pub const ROSTER: &str = "roster";
pub const RESULTS: &str = "results";
pub const OUTBOX: &str = "outbox";
pub const META: &str = "meta";
/// Index of [`OUTBOX`] on each record's `queued_at` (a sortable instant).
pub const OUTBOX_BY_QUEUED_AT: &str = "queued_at";

/// Why the browser store could not be used (private mode, quota, an old browser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineError(pub String);

impl OfflineError {
    /// For the screen.
    pub fn message(&self) -> String {
        "この端末に情報を保存できませんでした（ブラウザの設定で保存が許可されていない可能性があります）。".to_string()
    }
}

impl std::fmt::Display for OfflineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<indexed_db_futures::error::Error> for OfflineError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        OfflineError(e.to_string())
    }
}

impl From<indexed_db_futures::error::OpenDbError> for OfflineError {
    fn from(e: indexed_db_futures::error::OpenDbError) -> Self {
        OfflineError(e.to_string())
    }
}

/// Opens [`DB_NAME`] at [`DB_VERSION`], upgrading it first when needed.
pub async fn open() -> Result<Database, OfflineError> {
    let db = Database::open(DB_NAME)
        .with_version(DB_VERSION)
        .with_on_upgrade_needed(upgrade)
        .await?;
    Ok(db)
}

/// Creates what each version adds, from the browser's version up to [`DB_VERSION`].
/// Stores that already exist are left as they are.
fn upgrade(event: VersionChangeEvent, db: Database) -> indexed_db_futures::Result<()> {
    let old_version = event.old_version() as u64;
    if old_version < 1 {
        let existing: Vec<String> = db.object_store_names().collect();
        let missing = |name: &str| !existing.iter().any(|e| e == name);
        if missing(PORTAL) {
            db.create_object_store(PORTAL)
                .with_key_path("key".into())
                .build()?;
        }
        for name in [ROSTER, RESULTS, META] {
            if missing(name) {
                db.create_object_store(name).build()?;
            }
        }
        if missing(OUTBOX) {
            let outbox = db
                .create_object_store(OUTBOX)
                .with_key_path("client_id".into())
                .build()?;
            outbox
                .create_index(OUTBOX_BY_QUEUED_AT, "queued_at".into())
                .build()?;
        }
    }
    Ok(())
}

/// Now, as the browser's clock says (UTC, RFC 3339): when something was saved.
pub fn now_text() -> String {
    js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}
