//! 扶助オン資 domain: everything that is true regardless of where it runs.
//!
//! This crate is compiled natively (server, CLI) and to wasm32 (the browser app),
//! so the server and the browser compute exactly the same answers.
//!
//! Architecture invariant: no IO, no clock, no randomness. Callers pass `today`,
//! `now` and any random bytes in.

/// JSON API request/response types shared by server and app.
pub mod api;
/// 開庁日: national holidays (祝日法) and office closed days.
pub mod calendar;
/// The mock マイナンバーカード: key pair, demo-CA certificate, PIN-protected key, challenge signatures.
pub mod card;
/// Code values of 医療券・調剤券 items and onshi results (診療別, 資格有効性, …), serialized as the code string.
pub mod codes;
/// Field-level validation errors shown to users in Japanese.
pub mod error;
/// Appendix A exchange files (offices, institutions, recipients, tickets, verification log).
pub mod import;
/// JST day boundaries.
pub mod jst;
/// Number types with their check digits: 公費負担者番号, 受給者番号, 医療機関コード, 保険者番号, 個人番号.
pub mod numbers;
/// 和暦 ⇄ 西暦 and the display format used everywhere (令和6年3月1日 (2024/03/01)).
pub mod wareki;
