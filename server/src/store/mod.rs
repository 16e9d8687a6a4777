//! Stores: one module per aggregate, and the only code that writes SQL for its tables.
//!
//! - A store takes and returns domain types (`domain::ticket::Ticket`,
//!   `domain::qualification::QualificationHistory` …), plus small record types of its own
//!   for what only the database knows (ids, status, who and when).
//! - Each table has ONE column list and ONE row → value mapping, in its store.
//! - Every query is written once for SQLite and PostgreSQL (`$n` placeholders, dates as ISO
//!   text; see `crate::db`).
//! - Nothing in `store` imports the HTTP layer, the web framework, the command line or the
//!   services above it (`server/tests/architecture.rs` checks this);
//!   errors are `anyhow::Error`, which handlers turn into their internal error with `?`.
//!   Scope checks stay with the callers: a store filters on what it is given.

pub mod alerts;
pub mod audit;
pub mod backup;
pub mod bulk_requests;
pub mod cards;
pub mod claims;
pub mod compliance;
pub mod feeds;
pub mod followups;
pub mod health;
pub mod institutions;
pub mod offices;
pub mod people;
pub mod tickets;
pub mod users;
pub mod verifications;
