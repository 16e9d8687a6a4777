//! The office's daily feed and screening (product.md §2 IV and §5): `/api/office/feed…` and
//! `/api/office/screening/…`.
//!
//! The browser downloads [`ScreeningData`] once for a month and runs
//! [`crate::screening::screen`] on it in WebAssembly; `GET /api/office/screening/result`
//! answers the same function's [`ScreeningResult`] computed on the server.

use serde::{Deserialize, Serialize};

use crate::codes::{QualificationValidity, ReferenceClass};
pub use crate::screening::{Category, ScreeningInput, ScreeningResult};

/// `GET /api/office/screening/data?month=YYYY-MM`: the caller's office, months M−2..M.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScreeningData {
    /// M, `YYYY-MM`.
    pub month: String,
    /// When the server read the data (UTC, RFC 3339).
    pub generated_at: String,
    /// The office's verifications of M−2..M with 資格有効性 1 or 6 (one entry per recipient,
    /// institution, JST date and verdict), the recipients and institutions they name, and the
    /// tickets that can matter (`domain::screening::prune`). Run
    /// `domain::screening::screen(&input, month)` on it.
    pub input: ScreeningInput,
}

/// `GET /api/office/feed?date=YYYY-MM-DD`: one office's verifications of one JST day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DailyFeed {
    pub office_number: String,
    /// The JST day, `YYYY-MM-DD` (default: yesterday).
    pub date: String,
    /// The morning build of this day's feed, if it has run (`onshi daily-feed` or the scheduler).
    pub built: Option<FeedBuild>,
    /// Every verification of the day, oldest first. Verifications that arrive after the build
    /// (offline clinics sending their queue) are listed too.
    pub rows: Vec<FeedRow>,
}

/// A build of a day's feed. Re-building a day replaces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FeedBuild {
    /// Verifications in the feed when it was built.
    pub count: u64,
    /// UTC, RFC 3339.
    pub built_at: String,
}

/// One verification in the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FeedRow {
    /// 資格確認日時 in JST with offset (`2024-04-01T09:12:34+09:00`).
    pub verified_at: String,
    pub institution_code: String,
    pub institution_name: String,
    pub recipient_number: String,
    /// 氏名; empty when the number is not in the office's 台帳 (e.g. 該当資格なし).
    pub recipient_name: String,
    /// For the link to the recipient's page; none when not in the 台帳.
    pub recipient_id: Option<i64>,
    /// 照会区分.
    pub reference: ReferenceClass,
    /// 資格有効性.
    pub validity: QualificationValidity,
    /// Made while the clinic was offline and sent later.
    pub offline: bool,
}

/// What the caseworker did about a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FollowupAction {
    /// 主治医確認 (asked the attending doctor).
    AttendingDoctor,
    /// 嘱託医協議 (discussed with the office's 嘱託医).
    CommissionedDoctor,
    /// 指導 (guidance to the recipient).
    Guidance,
    /// 対象外 (not a case; the note says why).
    NotApplicable,
}

impl FollowupAction {
    pub const ALL: [FollowupAction; 4] = [
        FollowupAction::AttendingDoctor,
        FollowupAction::CommissionedDoctor,
        FollowupAction::Guidance,
        FollowupAction::NotApplicable,
    ];

    pub fn label_ja(self) -> &'static str {
        match self {
            FollowupAction::AttendingDoctor => "主治医確認",
            FollowupAction::CommissionedDoctor => "嘱託医協議",
            FollowupAction::Guidance => "指導",
            FollowupAction::NotApplicable => "対象外",
        }
    }

    /// The code as stored and sent (`attending_doctor` …).
    pub fn code(self) -> &'static str {
        match self {
            FollowupAction::AttendingDoctor => "attending_doctor",
            FollowupAction::CommissionedDoctor => "commissioned_doctor",
            FollowupAction::Guidance => "guidance",
            FollowupAction::NotApplicable => "not_applicable",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    /// 対象外 needs a note saying why.
    pub fn needs_note(self) -> bool {
        self == FollowupAction::NotApplicable
    }
}

/// `POST /api/office/screening/followups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FollowupRequest {
    /// 受給者番号 (of the caller's office).
    pub recipient_number: String,
    /// 医療機関コード of the row; none for 多数医療機関受診 (about the recipient).
    pub institution_code: Option<String>,
    /// The screened month M, `YYYY-MM`.
    pub month: String,
    /// 区分 of the row; none for 多数医療機関受診.
    pub category: Option<Category>,
    pub action: FollowupAction,
    /// Free text (required for 対象外), up to 1,000 characters.
    #[serde(default)]
    pub note: String,
}

/// A recorded follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Followup {
    pub id: i64,
    pub recipient_number: String,
    pub recipient_name: String,
    pub institution_code: Option<String>,
    /// The screened month M, `YYYY-MM`.
    pub month: String,
    pub category: Option<Category>,
    pub action: FollowupAction,
    pub note: String,
    /// Who recorded it (display name).
    pub recorded_by: String,
    /// UTC, RFC 3339.
    pub recorded_at: String,
}

/// `GET /api/office/screening/followups?month=YYYY-MM`: this month's follow-ups and last
/// month's (shown beside this month's candidates), newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FollowupList {
    pub month: String,
    pub previous_month: String,
    pub followups: Vec<Followup>,
    pub previous: Vec<Followup>,
}
