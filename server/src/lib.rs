//! 扶助オン資 server: a thin axum backend over SQLite or PostgreSQL, and the `onshi` command line.
//!
//! A guided tour:
//! - [`http`]: routes, one module per group, merged in [`http::app`];
//! - [`scope`]: the one place that decides what a caller may see;
//! - [`auth`]: passwords, sessions, tokens; [`audit`]: the 自己情報の提供記録;
//! - [`db`]: the database and its migrations (only this crate knows SQL);
//! - [`imports`], [`seed`], [`cards`]: what the operator's commands do;
//! - [`feed`], [`screening`]: the daily feed and the screening (product.md §2 IV, §5).
//!
//! Domain rules (numbers, dates, verdicts, file formats) live in the `domain` crate.

pub mod audit;
pub mod auth;
pub mod cards;
pub mod cli;
pub mod db;
pub mod feed;
pub mod http;
pub mod imports;
pub mod keys;
pub mod scope;
pub mod screening;
pub mod seed;
