//! What every handler gets: the database, the keys, how to serve and set cookies.

use std::path::PathBuf;
use std::sync::Arc;

use crate::db::Db;
use crate::keys::Keys;
use crate::recorder::Recorder;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub keys: Arc<Keys>,
    /// The built SPA (`dist/`), if it is served by this process.
    pub static_dir: Option<PathBuf>,
    /// Set the `Secure` attribute on cookies (behind TLS).
    pub secure_cookies: bool,
    /// The writer of this database's verifications (group commit); `Recorder::new(db)`.
    pub recorder: Recorder,
}
