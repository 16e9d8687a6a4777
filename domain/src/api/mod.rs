//! JSON API types shared by the server and the browser app, so the two cannot drift.
//! One file per route group, re-exported flat: `domain::api::SessionInfo`.
//!
//! Every error the server returns is an [`ApiError`]: a closed [`ErrorCode`] plus a
//! Japanese message for the person at the screen, and field errors where input was bad.
//! With the `schema` feature (server only) every type also derives `schemars::JsonSchema`
//! for `GET /api/openapi.json`.

mod alerts;
mod claims;
mod health;
mod homes;
mod office;
mod operator;
mod portal;
mod screening;
mod session;
mod verify;
mod visits;

pub use alerts::*;
pub use claims::*;
pub use health::*;
pub use homes::*;
pub use office::*;
pub use operator::*;
pub use portal::*;
pub use screening::*;
pub use session::*;
pub use verify::*;
pub use visits::*;
