//! The home screen of each role.

use serde::{Deserialize, Serialize};

/// `GET /api/office/home`: the 福祉事務所 home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OfficeHome {
    pub office_number: String,
    pub office_name: String,
    pub office_phone: String,
    pub recipients_active: u64,
    pub recipients_total: u64,
    pub recipients_without_card: u64,
    pub tickets_this_month: u64,
    /// 資格確認実績 of the previous JST day for this office's recipients.
    pub verifications_yesterday: u64,
    pub recent: Vec<RecipientSummary>,
}

/// One line of a recipient list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecipientSummary {
    pub id: i64,
    pub recipient_number: String,
    pub name: String,
    pub name_kana: String,
    pub birth_date: String,
    /// 資格取得日 (ISO) if any.
    pub qualified_from: Option<String>,
    /// 資格喪失日 (ISO) if any.
    pub qualified_until: Option<String>,
    pub has_card: bool,
    pub restricted: bool,
}

/// `GET /api/institution/home`: the clinic/pharmacy reception home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstitutionHome {
    pub institution_code: String,
    pub institution_name: String,
    /// 点数表 label: 医科, 歯科, 調剤, 訪問看護 …
    pub score_table: String,
    pub online_capable: bool,
    /// Tickets naming this institution for the current 診療年月.
    pub tickets_this_month: u64,
    pub verifications_today: u64,
}

/// `GET /api/me/home`: the recipient portal home.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecipientHome {
    pub name: String,
    pub office_number: String,
    pub office_name: String,
    pub office_phone: String,
    pub recipient_number: String,
    pub qualified_from: Option<String>,
    pub qualified_until: Option<String>,
    pub tickets_this_month: Vec<TicketBrief>,
    /// 閲覧制限: the tickets name no institution (the card may be in someone else's hands).
    #[serde(default)]
    pub restricted: bool,
}

/// A ticket as the recipient sees it: where they may go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketBrief {
    /// 01 医療券 / 02 調剤券
    pub ticket_type: String,
    pub treatment_month: String,
    pub institution_code: String,
    pub institution_name: String,
    /// 診療別 code (01 入院 … 05 訪問看護)
    pub treatment_type: String,
    pub valid_from: String,
    pub valid_until: String,
    pub self_pay_amount: i64,
}

/// `GET /api/operator/home`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OperatorHome {
    pub offices: u64,
    pub institutions: u64,
    pub recipients: u64,
    pub tickets: u64,
    pub verifications: u64,
    pub users: u64,
    pub database: String,
}
