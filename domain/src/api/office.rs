//! The 福祉事務所 portal: 被保護者台帳, 資格情報, 医療券/調剤券 (issue, amend, cancel, print,
//! next month's renewal), registration deadlines and the supervisor's view.
//!
//! Dates in responses are ISO (`YYYY-MM-DD`, months `YYYY-MM`); the browser formats them
//! with `domain::wareki`. The print endpoint is the exception: it carries the 和暦 strings
//! the paper form shows, ready to print. Dates and amounts in requests are what people
//! typed (和暦, 全角 digits …); the server parses them with the same domain functions the
//! browser uses for as-you-type checks, and answers 422 with one [`FieldError`] per field.
//!
//! [`FieldError`]: crate::error::FieldError

use serde::{Deserialize, Serialize};

use crate::codes::{Presence, SingleOrCombined, TicketType, TreatmentType};
use crate::paper::PaperReason;
use crate::qualification::{CoveredPeriod, DeadlineState, QualificationKind, QualificationStatus};
use crate::ticket::Ticket;

// ---------------------------------------------------------------- 被保護者台帳

/// `POST /api/office/recipients` (create) and `PUT /api/office/recipients/{id}` (edit).
/// Every field is the text as typed; `domain::recipient::validate_recipient` checks it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecipientInput {
    /// 氏名 (required).
    pub name: String,
    /// 氏名カナ: 全角カタカナ; a half-width space between 姓 and 名 is turned into a 全角 one.
    pub name_kana: String,
    /// 性別 code: "1" 男, "2" 女.
    pub sex: String,
    /// 生年月日 as typed: 1960-04-01, 昭和35年4月1日, S35.4.1 …
    pub birth_date: String,
    /// 郵便番号 (optional): 123-4567 or 1234567.
    #[serde(default)]
    pub postal_code: String,
    /// 住所 (optional).
    #[serde(default)]
    pub address: String,
    /// ケース番号 (世帯の記録番号, optional): letters, digits and hyphens.
    #[serde(default)]
    pub case_number: String,
    /// 個人番号 (12 digits, optional). Create: absent or "" = none. Edit: absent = keep the
    /// stored number, "" = remove it, digits = replace it. Never sent back in clear.
    #[serde(default)]
    pub individual_number: Option<String>,
    /// マイナンバーカードを保有.
    #[serde(default)]
    pub card_held: bool,
    /// 利用申込 (健康保険証・医療券としての利用登録) 済み. Needs `card_held`.
    #[serde(default)]
    pub card_registered: bool,
    /// 地区担当員 (login ID of a caseworker or supervisor of the office). Create: absent =
    /// the caller when a caseworker. Edit: absent = unchanged, "" = unassigned.
    #[serde(default)]
    pub caseworker_login: Option<String>,
    /// Edit only: if sent, must equal the stored 受給者番号 (it never changes). Create:
    /// must be absent; the app issues the number.
    #[serde(default)]
    pub recipient_number: Option<String>,
    /// Create only: register even though a record of the office may be the same person
    /// (the same 氏名カナ, spaces and 半角/全角 aside, and 生年月日, or the same 個人番号):
    /// the first attempt answers 409 with those records in `ApiError::duplicates`.
    #[serde(default)]
    pub confirm_duplicate: bool,
    /// Create only: the 個人番号 is registered at another office and this is the same
    /// person moving here (転居): link the records (the first attempt answers 409
    /// `transfer_candidate` naming that office).
    #[serde(default)]
    pub confirm_transfer: bool,
}

/// A record of the office that may be the person being registered (the 409 of a create).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PossibleDuplicate {
    pub id: i64,
    pub recipient_number: String,
    pub name: String,
    pub name_kana: String,
    /// ISO date.
    pub birth_date: String,
    /// Its 個人番号 is the one typed (then it is the same person, not just perhaps).
    pub same_individual_number: bool,
}

/// `GET /api/office/recipients?q=&status=&mine=&page=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecipientPage {
    pub items: Vec<RecipientListItem>,
    /// Matches in all pages.
    pub total: u64,
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
    /// How `q` was read, e.g. ["受給者番号", "氏名カナ", "生年月日"].
    pub searched_as: Vec<String>,
}

/// One line of the 台帳 search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecipientListItem {
    pub id: i64,
    pub recipient_number: String,
    pub name: String,
    pub name_kana: String,
    /// "1" 男 / "2" 女.
    pub sex: String,
    pub birth_date: String,
    pub case_number: Option<String>,
    pub caseworker_login: Option<String>,
    pub qualified_from: Option<String>,
    pub qualified_until: Option<String>,
    /// Today's 資格 from 資格取得日/資格喪失日.
    pub qualification_status: QualificationStatus,
    pub card_held: bool,
    pub card_registered: bool,
    pub restricted: bool,
    /// A recorded decision waits for its 資格 registration.
    pub pending_registration: bool,
}

/// `GET /api/office/recipients/{id}` and the answer to every change of one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecipientDetail {
    pub id: i64,
    /// 公費負担者番号 of the office.
    pub office_number: String,
    /// 受給者番号 (issued by the app, fixed for the person).
    pub recipient_number: String,
    pub name: String,
    pub name_kana: String,
    /// "1" 男 / "2" 女.
    pub sex: String,
    pub birth_date: String,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub case_number: Option<String>,
    /// `********3214` when a 個人番号 is stored (the full number only through reveal).
    pub individual_number_masked: Option<String>,
    pub card_held: bool,
    pub card_registered: bool,
    pub caseworker_login: Option<String>,
    pub caseworker_name: Option<String>,
    /// 資格取得日 (保護開始・再開日).
    pub qualified_from: Option<String>,
    /// 資格喪失日 (停止・廃止日), inclusive.
    pub qualified_until: Option<String>,
    pub qualification_status: QualificationStatus,
    /// Oldest first, pending and withdrawn decisions included.
    pub qualification_history: Vec<QualificationEventView>,
    /// The covered periods this office's registered decisions give (oldest first): what
    /// verification answers from, each day of each period inclusive.
    #[serde(default)]
    pub qualification_periods: Vec<CoveredPeriod>,
    /// The same person's records at other offices (転居), by office name only.
    #[serde(default)]
    pub transfers: Vec<TransferNote>,
    pub restriction: RestrictionView,
    /// Why a paper 医療券/調剤券 is needed whatever the institution (card, 利用申込, 個人番号);
    /// each ticket adds the institution's own reason.
    pub paper_reasons: Vec<PaperNeed>,
    /// Newest month first: the last 12 months, this month and any later month.
    pub tickets_by_month: Vec<TicketMonth>,
    pub created_at: String,
    pub updated_at: String,
}

/// Another office that holds (or held) a record of the same person: a 転居.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TransferNote {
    /// 転居元 (the person came from there) or 転居先 (moved there).
    pub direction_label: String,
    pub office_name: String,
}

/// One 資格 decision (保護開始・再開・停止・廃止) in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QualificationEventView {
    pub id: i64,
    pub kind: QualificationKind,
    /// 保護開始 / 保護再開 / 停止 / 廃止.
    pub kind_label: String,
    /// 効力発生日 (資格取得日 or 資格喪失日).
    pub effective_date: String,
    /// 決定日.
    pub decision_date: String,
    /// 登録期限: 2 開庁日 after the decision.
    pub due_date: String,
    /// registered / pending / withdrawn.
    pub state: RegistrationState,
    /// When the 資格 was registered (pending: not yet).
    pub registered_at: Option<String>,
    pub registered_by: Option<String>,
    /// Registered after its due date.
    pub registered_late: bool,
    /// For a pending decision: overdue, due today or later.
    pub deadline: Option<DeadlineState>,
    pub withdraw_reason: Option<String>,
    /// Where the decision came from when it was not this office's caseworker: 「転居先の
    /// 保護開始による」, 「取込（生活保護システム）」.
    #[serde(default)]
    pub origin_label: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RegistrationState {
    /// 登録済み: reflected in 資格取得日/資格喪失日 and in verification.
    Registered,
    /// 決定のみ記録（登録待ち）.
    Pending,
    /// 取り下げ (recorded by mistake).
    Withdrawn,
}

/// 閲覧制限 (DV・虐待 victims).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RestrictionView {
    pub restricted: bool,
    pub reason: Option<String>,
    pub changed_at: Option<String>,
    pub changed_by: Option<String>,
    /// What the flag does, in Japanese, for the screen.
    pub effects: Vec<String>,
}

/// Why paper is needed, with its sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PaperNeed {
    pub reason: PaperReason,
    pub message: String,
}

/// The tickets of one 診療年月.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub tickets: Vec<TicketView>,
}

/// A stored 医療券/調剤券 with its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketView {
    pub id: i64,
    pub recipient_id: i64,
    pub recipient_number: String,
    pub recipient_name: String,
    pub ticket: Ticket,
    pub status: TicketStatus,
    /// The institution takes 医療扶助 online verification.
    pub institution_online: bool,
    /// Empty: no paper needed. Otherwise print it (`GET …/print`).
    pub paper_reasons: Vec<PaperNeed>,
    /// 事後委託: issued after the visit, with its reason (`ticket.retroactive_reason`).
    pub retroactive: bool,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
    pub cancelled_at: Option<String>,
    pub cancelled_by: Option<String>,
    pub cancel_reason: Option<String>,
    /// The ticket this one was renewed from (next month's issue).
    pub renewed_from: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// In force: institutions see it in verification.
    Active,
    /// 取消: no longer shown to anyone outside the office.
    Cancelled,
}

/// `POST /api/office/recipients/{id}/reveal-individual-number` (査察指導員 only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RevealRequest {
    /// 表示する理由 (required; written to the audit log the recipient can read).
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RevealedIndividualNumber {
    pub individual_number: String,
}

/// `PUT /api/office/recipients/{id}/restriction`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RestrictionRequest {
    pub restricted: bool,
    /// 理由 (required both ways; kept with the recipient, not in the audit log).
    pub reason: String,
}

/// A reason, for cancelling a ticket or withdrawing a recorded decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReasonRequest {
    pub reason: String,
}

// ---------------------------------------------------------------- 資格情報

/// `POST /api/office/recipients/{id}/qualification`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QualificationRequest {
    pub kind: QualificationKind,
    /// 効力発生日 as typed (保護開始・再開日 / 停止・廃止日).
    pub effective_date: String,
    /// 決定日 as typed (not in the future). The registration is due 2 開庁日 later.
    pub decision_date: String,
    /// true (default): register now (資格 changes at once). false: record the decision
    /// only; it waits in the deadlines list until `POST …/qualification-events/{id}/register`.
    #[serde(default = "yes")]
    pub register: bool,
}

fn yes() -> bool {
    true
}

/// `GET /api/office/deadlines?all=`: decisions whose 資格 registration is overdue or due
/// today (the caller's caseload; a supervisor, or `all=true`, the whole office).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Deadlines {
    pub today: String,
    pub overdue: Vec<DeadlineItem>,
    pub due_today: Vec<DeadlineItem>,
    /// Pending decisions due later.
    pub upcoming: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeadlineItem {
    pub event_id: i64,
    pub recipient_id: i64,
    pub recipient_number: String,
    pub recipient_name: String,
    pub caseworker_login: Option<String>,
    pub kind: QualificationKind,
    pub kind_label: String,
    pub effective_date: String,
    pub decision_date: String,
    pub due_date: String,
    /// Against today (JST): overdue or due today.
    pub state: DeadlineState,
    /// 開庁日 past the due date (0 when due today, and when only closed days have passed).
    pub open_days_overdue: u32,
}

// ---------------------------------------------------------------- 指定医療機関

/// `GET /api/office/institutions?q=&kind=`: pick the 指定医療機関 by code or name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstitutionList {
    pub items: Vec<InstitutionOption>,
    /// More matched than shown: type more.
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstitutionOption {
    pub code: String,
    pub name: String,
    /// 点数表番号 (1 医科, 3 歯科, 4 調剤, 6 訪問看護 …).
    pub score_table: u8,
    pub score_table_label: String,
    pub online_capable: bool,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// 廃止年月日 (`YYYY-MM-DD`) when the institution was abolished on or before today (JST):
    /// listed after those in force, and a ticket reaching that day is refused.
    #[serde(default)]
    pub abolished_on: Option<String>,
}

// ---------------------------------------------------------------- 医療券/調剤券

/// `POST /api/office/recipients/{id}/tickets` (issue) and `PUT /api/office/tickets/{id}`
/// (amend). Codes as codes, the rest as typed; the 交付番号 is issued by the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketInput {
    pub ticket_type: TicketType,
    /// 診療年月 as typed: 2024-04, 令和6年4月, R6.4 … (cannot change on amend).
    pub treatment_month: String,
    /// 有効開始日 as typed; "" = the later of today and the 1st of the month (an earlier
    /// date is 事後委託 and needs `retroactive_reason`).
    #[serde(default)]
    pub valid_from: String,
    /// 有効終了日 as typed; "" = the end of the month (or the 資格喪失日 if earlier).
    #[serde(default)]
    pub valid_until: String,
    /// 指定医療機関コード (10 digits; for a 調剤券 the pharmacy).
    pub institution_code: String,
    /// 処方箋発行元医療機関コード (調剤券 only).
    #[serde(default)]
    pub prescriber_code: Option<String>,
    pub treatment_type: TreatmentType,
    /// 傷病名1〜3 (blank ones are dropped; a 医療券 needs at least one).
    #[serde(default)]
    pub injury_names: Vec<String>,
    /// 本人支払額 as typed ("0", "1,200", "１２００円"); "" = 0.
    #[serde(default)]
    pub self_pay_amount: String,
    pub single_or_combined: SingleOrCombined,
    pub social_insurance: Presence,
    pub infection_law: Presence,
    pub elderly_care: Presence,
    pub prefectural_expense: Presence,
    /// 地区担当員名; "" = the recipient's caseworker.
    #[serde(default)]
    pub district_contact: String,
    /// 取扱担当者名; "" = the caller.
    #[serde(default)]
    pub handling_contact: String,
    /// 備考1〜3.
    #[serde(default)]
    pub remarks: Vec<String>,
    /// 事後委託の理由 (emergency, night, holiday …): required when 有効開始日 is before
    /// today (on amend: before today and before the ticket's former 有効開始日).
    #[serde(default)]
    pub retroactive_reason: Option<String>,
}

/// `GET /api/office/tickets/{id}/print`: everything the paper 医療券/調剤券 shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketPrint {
    /// 医療券 or 調剤券: the word kept in the form's title 「医療券・調剤券」.
    pub title: String,
    /// The word struck out in the title.
    pub struck_title: String,
    pub ticket: Ticket,
    /// 「令和6年4月分」.
    pub treatment_month_wareki: String,
    pub valid_from_wareki: String,
    pub valid_until_wareki: String,
    /// 「令和6年4月1日から令和6年4月30日まで」.
    pub validity_wareki: String,
    /// 交付年月日 (ISO) and in 和暦.
    pub issued_on: String,
    pub issued_on_wareki: String,
    pub public_payer_number: String,
    pub recipient_number: String,
    pub office_name: String,
    pub office_postal_code: Option<String>,
    pub office_address: Option<String>,
    pub office_phone: Option<String>,
    pub recipient_name: String,
    pub recipient_name_kana: String,
    pub recipient_sex_label: String,
    pub recipient_birth_date: String,
    pub recipient_birth_date_wareki: String,
    /// Left out (None) under 閲覧制限: the paper goes to the institution.
    pub recipient_postal_code: Option<String>,
    pub recipient_address: Option<String>,
    pub restricted: bool,
    pub institution_address: Option<String>,
    pub institution_phone: Option<String>,
    pub prescriber_name: Option<String>,
    /// Every item in form order, label and printed value (codes with their names).
    pub items: Vec<PrintItem>,
    /// Why this ticket needs paper (empty: printed on request anyway).
    pub paper_reasons: Vec<PaperNeed>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PrintItem {
    pub label: String,
    pub value: String,
}

/// `POST /api/office/tickets/renew/preview`: next month's tickets from this month's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RenewRequest {
    /// The month to renew from, as typed; absent = this month (JST).
    #[serde(default)]
    pub from_month: Option<String>,
    /// Supervisor only: one caseworker's caseload instead of the whole office.
    #[serde(default)]
    pub caseworker_login: Option<String>,
}

/// The renewal plan; nothing is written until [`RenewCommit`] with its `preview_token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RenewPreview {
    pub from_month: String,
    pub to_month: String,
    /// Tickets to create (their 交付番号 are issued on commit).
    pub items: Vec<RenewItem>,
    pub skipped: Vec<RenewSkip>,
    /// Send back to commit exactly this plan.
    pub preview_token: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RenewItem {
    pub source_ticket_id: i64,
    pub recipient_id: i64,
    pub recipient_number: String,
    pub recipient_name: String,
    /// The new ticket (`issue_number` empty until commit).
    pub ticket: Ticket,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RenewSkip {
    pub source_ticket_id: i64,
    pub recipient_id: i64,
    pub recipient_number: String,
    pub recipient_name: String,
    pub institution_name: String,
    /// Why it is not renewed, in Japanese.
    pub reason: String,
}

/// `POST /api/office/tickets/renew`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RenewCommit {
    #[serde(default)]
    pub from_month: Option<String>,
    #[serde(default)]
    pub caseworker_login: Option<String>,
    /// From the preview. If anything changed since, the answer is 409: preview again.
    pub preview_token: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RenewResult {
    pub to_month: String,
    pub created: Vec<TicketView>,
}

// ---------------------------------------------------------------- supervisor

/// `GET /api/office/supervisor` (査察指導員 only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SupervisorView {
    pub today: String,
    /// One row per caseworker of the office (and one with `login` None for unassigned).
    pub caseloads: Vec<CaseloadRow>,
    pub tickets_issued_today: Vec<TicketListItem>,
    pub overdue: Vec<DeadlineItem>,
    pub due_today: Vec<DeadlineItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseloadRow {
    pub login: Option<String>,
    pub display_name: String,
    pub recipients: u64,
    /// 資格 today.
    pub active: u64,
    pub without_card: u64,
    pub restricted: u64,
    /// Active tickets of this month.
    pub tickets_this_month: u64,
    pub pending_registrations: u64,
    pub overdue_registrations: u64,
}

/// A ticket in a list (no diagnoses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketListItem {
    pub ticket_id: i64,
    pub issue_number: String,
    pub recipient_id: i64,
    pub recipient_number: String,
    pub recipient_name: String,
    pub ticket_type: TicketType,
    pub treatment_type: TreatmentType,
    pub treatment_month: String,
    pub institution_code: String,
    pub institution_name: String,
    pub status: TicketStatus,
    pub retroactive: bool,
    pub created_at: String,
    pub created_by: String,
}

/// `GET /api/office/staff`: the office's caseworkers and supervisors (地区担当員 choices).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StaffMember {
    pub login: String,
    pub display_name: String,
    pub role: crate::api::Role,
}

// ---------------------------------------------------------------- 閉庁日

/// `GET /api/office/closed-days`: the office's own 閉庁日 (national holidays, weekends and
/// 年末年始 are known without entry), newest first; whether the caller may change them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClosedDayList {
    pub days: Vec<ClosedDayItem>,
    /// Only the 査察指導員 adds, removes and imports.
    pub may_edit: bool,
    /// The office's 年末年始, e.g. 「12月29日〜1月3日」.
    pub year_end: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClosedDayItem {
    /// ISO date.
    pub date: String,
    /// What it is (may be empty for an imported line without a name).
    pub reason: String,
    /// Also closed anyway (土曜日, a 祝日 …), when so: the day needs no entry.
    pub also: Option<String>,
    pub created_at: String,
    pub created_by: String,
}

/// `POST /api/office/closed-days`: one day, as typed (和暦 or 西暦) with its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClosedDayInput {
    pub date: String,
    pub reason: String,
}

/// `POST /api/office/closed-days/import`: one date a line, optionally `,名称`; all or
/// nothing, each error naming its line. Dates already entered get the new name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClosedDayImport {
    pub text: String,
}

// ---------------------------------------------------------------- 資格確認のご案内

/// `GET /api/office/recipients/{id}/notice`: the printed 「医療扶助の資格確認のご案内」 for the
/// recipient — the two numbers reception types (公費負担者番号, 受給者番号), that a
/// マイナンバーカード can be used, and the office to call. Reading it is audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecipientNotice {
    pub recipient_id: i64,
    pub recipient_name: String,
    pub recipient_name_kana: String,
    /// 公費負担者番号 (the office's 8 digits).
    pub public_payer_number: String,
    /// 受給者番号 (7 digits).
    pub recipient_number: String,
    pub office_name: String,
    pub office_postal_code: Option<String>,
    pub office_address: Option<String>,
    pub office_phone: Option<String>,
    /// ISO date the notice is printed (JST).
    pub issued_on: String,
    /// The first day of 医療扶助 (ISO), when qualified.
    pub qualified_from: Option<String>,
}
