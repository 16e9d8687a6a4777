//! 扶助オン資 server: a thin axum backend over SQLite or PostgreSQL, and the `onshi` command line.
//!
//! A guided tour:
//! - [`http`]: routes, one module per group, merged in [`http::app`];
//! - [`scope`]: the one place that decides what a caller may see;
//! - [`error`]: [`error::ServiceError`], what the services below [`http`] fail with;
//! - [`auth`]: passwords, sessions, tokens; [`audit`]: the 自己情報の提供記録;
//! - [`log`]: the log's defences against injected lines and escape codes;
//! - [`db`]: the database and its migrations (only this crate knows SQL);
//! - [`store`]: one module per aggregate, the only code that writes SQL for its tables;
//! - [`imports`], [`seed`], [`cards`]: what the operator's commands do;
//! - [`feed`], [`screening`]: the daily feed and the screening (product.md §2 IV, §5).
//! - [`recorder`]: the group commit of verifications (one writer, one transaction per batch).
//! - [`health`]: 健診情報 and 薬剤情報: imports, CDA export, 健診 deadline, 向精神薬 screen.
//! - [`terminal`]: `onshi terminal`, the 資格確認端末 folder exchange for レセコン;
//!   [`claims`]: 請求前資格確認 (the 資格情報ファイル check and its sample generator).
//!
//! Domain rules (numbers, dates, verdicts, file formats) live in the `domain` crate.

pub mod alerts;
pub mod archives;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cards;
pub mod claims;
pub mod cli;
pub mod closed_days;
pub mod compliance;
pub mod db;
pub mod deadlines;
pub mod error;
pub mod feed;
pub mod health;
pub mod http;
pub mod imports;
pub mod keys;
pub mod log;
pub mod recorder;
pub mod registry;
pub mod scope;
pub mod screening;
pub mod seed;
pub mod store;
pub mod terminal;
pub mod transfer;
pub mod visits;
