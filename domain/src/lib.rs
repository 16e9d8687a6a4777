//! 扶助オン資 domain: everything that is true regardless of where it runs.
//!
//! This crate is compiled natively (server, CLI) and to wasm32 (the browser app),
//! so the server and the browser compute exactly the same answers.
//!
//! Architecture invariant: no IO, no clock, no randomness. Callers pass `today`,
//! `now` and any random bytes in.

/// The office's alerts from each day's feed: 未委託受診 and the month-to-date 頻回受診 rule.
pub mod alerts;
/// JSON API request/response types shared by server and app.
pub mod api;
/// Which bundle of the browser app (one per role) serves which page path.
pub mod bundle;
/// 開庁日: national holidays (祝日法) and office closed days.
pub mod calendar;
/// The mock マイナンバーカード: key pair, demo-CA certificate, PIN-protected key, challenge signatures.
pub mod card;
/// 健診 results: the item table (JLAC10), the 特定健診 CDA archive and the 健診 CSV, read and written.
pub mod checkup;
/// 請求前資格確認: the 資格情報ファイル, the check of each receipt, the 返戻情報ファイル.
pub mod claims;
/// The office's own 閉庁日 as typed or imported (date and name, line-numbered errors).
pub mod closed_days;
/// Code values of 医療券・調剤券 items and onshi results (診療別, 資格有効性, …), serialized as the code string.
pub mod codes;
/// The operator's compliance rules: late 資格 registration, late tickets, unfetched feeds.
pub mod compliance;
/// A CP932 encoder built from any Shift_JIS decoder (the browser's), the same bytes as `api::encode_cp932`.
pub mod cp932;
/// Field-level validation errors shown to users in Japanese.
pub mod error;
/// The daily feed of verifications to each office (verification-log layout), CSV encodings.
pub mod feed;
/// Appendix A exchange files (offices, institutions, recipients, tickets, verification log).
pub mod import;
/// The operator's registry of institutions: field checks and the audit trail's changes.
pub mod institution;
/// JST day boundaries.
pub mod jst;
/// Number types with their check digits: 公費負担者番号, 受給者番号, 医療機関コード, 保険者番号, 個人番号.
pub mod numbers;
/// onshi-compatible XML for レセコン: request parsing (UTF-8 / Shift_JIS, hostile input refused)
/// and results with the real element names and codes (docs/onshi-xml.md).
pub mod onshi_xml;
/// Paper 医療券/調剤券: when paper is needed, and the printed form with its 和暦 dates.
pub mod paper;
/// 向精神薬: the ingredient list and the screen (two or more institutions, or more than 30 days, in a month).
pub mod psychotropic;
/// 資格情報: 保護開始・再開・停止・廃止 in order, and the 2-開庁日 registration deadline.
pub mod qualification;
/// 電子レセプト (レセ電 CSV, 医科): the records that give 薬剤情報, and the 医薬品マスター.
pub mod receipt;
/// 被保護者台帳: field checks of a recipient as typed, and the search box.
pub mod recipient;
/// 頻回受診・未委託受診 screening (product.md §5): one pure function, native and in WebAssembly.
pub mod screening;
/// Free text: the characters no text field may hold (control, bidi, noncharacters).
pub mod text;
/// 医療券・調剤券: the one ticket type (items of domain-reference.md §1.2).
pub mod ticket;
/// Issuing and amending a 医療券/調剤券 from the caseworker's form (defaults, 資格, 事後委託).
pub mod ticket_form;
/// The eligibility verdict (資格有効性 1, 2, 3, 4, 6) and the tickets shown with it: one pure
/// function used by the server, the browser offline and the onshi XML endpoint.
pub mod verdict;
/// 受診状況 of one recipient: verifications by month, institution and day, with the tickets
/// that cover them (未委託 marked).
pub mod visits;
/// 和暦 ⇄ 西暦 and the display format used everywhere (令和6年3月1日 (2024/03/01)).
pub mod wareki;
