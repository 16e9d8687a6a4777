//! The office's alerts (issue 13 item 1): `GET /api/office/alerts` and
//! `POST /api/office/alerts/{id}/handle`. The rules are `crate::alerts`.

use serde::{Deserialize, Serialize};

use super::FollowupAction;
pub use crate::alerts::AlertKind;

/// What was done about an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertAction {
    /// 事後委託 (a ticket issued after the visit).
    RetroactiveTicket,
    /// 主治医確認.
    AttendingDoctor,
    /// 嘱託医協議.
    CommissionedDoctor,
    /// 指導.
    Guidance,
    /// 対象外 (the note says why).
    NotApplicable,
}

impl AlertAction {
    pub const ALL: [AlertAction; 5] = [
        AlertAction::RetroactiveTicket,
        AlertAction::AttendingDoctor,
        AlertAction::CommissionedDoctor,
        AlertAction::Guidance,
        AlertAction::NotApplicable,
    ];

    pub fn label_ja(self) -> &'static str {
        match self.followup() {
            Some(action) => action.label_ja(),
            None => "事後委託（医療券・調剤券を発行）",
        }
    }

    /// The code as stored and sent.
    pub fn code(self) -> &'static str {
        match self.followup() {
            Some(action) => action.code(),
            None => "retroactive_ticket",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    /// The screening follow-up this action also records (none for 事後委託: the ticket is
    /// the record).
    pub fn followup(self) -> Option<FollowupAction> {
        match self {
            AlertAction::RetroactiveTicket => None,
            AlertAction::AttendingDoctor => Some(FollowupAction::AttendingDoctor),
            AlertAction::CommissionedDoctor => Some(FollowupAction::CommissionedDoctor),
            AlertAction::Guidance => Some(FollowupAction::Guidance),
            AlertAction::NotApplicable => Some(FollowupAction::NotApplicable),
        }
    }

    /// 対象外 needs a note saying why.
    pub fn needs_note(self) -> bool {
        self == AlertAction::NotApplicable
    }
}

/// One alert of the caller's office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OfficeAlert {
    pub id: i64,
    pub kind: AlertKind,
    /// 台帳 id of the recipient (the link to the recipient's page).
    pub recipient_id: i64,
    pub recipient_number: String,
    pub recipient_name: String,
    /// The recipient's 地区担当員 (login), if assigned.
    pub caseworker_login: Option<String>,
    pub caseworker_name: Option<String>,
    /// Whether the signed-in caller is the recipient's 地区担当員.
    #[serde(default)]
    pub mine: bool,
    pub institution_code: String,
    pub institution_name: String,
    /// `YYYY-MM`.
    pub month: String,
    /// The first day whose feed found it (`YYYY-MM-DD`).
    pub first_date: String,
    /// 未委託受診: the visit day; 頻回受診: the visit days of the month at the institution so far.
    pub dates: Vec<String>,
    /// The number of `dates`.
    pub days_in_month: i64,
    /// 頻回受診: d(M) + d(M−1) + d(M−2).
    pub days_in_three_months: Option<i64>,
    /// When it was first found (UTC, RFC 3339).
    pub detected_at: String,
    /// Set once marked 対応済み.
    pub handled: Option<AlertHandling>,
}

/// Who marked an alert 対応済み, when, and what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AlertHandling {
    pub action: AlertAction,
    pub note: String,
    /// Staff name.
    pub handled_by: String,
    /// UTC, RFC 3339.
    pub handled_at: String,
}

/// `GET /api/office/alerts`: open alerts (newest first) and the latest handled ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AlertList {
    pub open: Vec<OfficeAlert>,
    /// 処理済み, most recently handled first (at most [`HANDLED_SHOWN`]).
    pub handled: Vec<OfficeAlert>,
}

/// How many handled alerts `GET /api/office/alerts` lists.
pub const HANDLED_SHOWN: i64 = 200;

/// `POST /api/office/alerts/{id}/handle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AlertHandleRequest {
    pub action: AlertAction,
    /// Free text (required for 対象外), up to 1,000 characters.
    #[serde(default)]
    pub note: String,
}
