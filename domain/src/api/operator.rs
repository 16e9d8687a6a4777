//! The national operator's routes: the per-office compliance table
//! (`/api/operator/compliance`) and the institution registry (`/api/operator/institutions`).
//! No personal names: recipients appear by 受給者番号 only.

use serde::{Deserialize, Serialize};

/// `GET /api/operator/compliance?month=YYYY-MM`: each office's counts over the period, worst
/// first (by the sum of the three counts, then by office number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ComplianceTable {
    /// First day of the period (ISO).
    pub from: String,
    /// Last day of the period (ISO; today at the latest).
    pub to: String,
    /// The JST day the table was computed for (ISO).
    pub today: String,
    pub offices: Vec<OfficeCompliance>,
}

/// One office's line of the compliance table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OfficeCompliance {
    pub office_number: String,
    pub office_name: String,
    /// 資格 decisions registered (or still waiting) past their 2-開庁日 deadline.
    pub late_registrations: u64,
    /// 医療券・調剤券 issued after the decision day they cover.
    pub late_tickets: u64,
    /// Daily feeds built but never fetched by the office.
    pub unfetched_feeds: u64,
    pub total: u64,
}

/// `GET /api/operator/compliance/{office}?month=`: the cases behind one office's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OfficeComplianceDetail {
    pub from: String,
    pub to: String,
    pub today: String,
    pub office_number: String,
    pub office_name: String,
    pub registrations: Vec<LateRegistration>,
    pub tickets: Vec<LateTicket>,
    pub feeds: Vec<UnfetchedFeed>,
}

/// A 資格 decision registered after its due date, or overdue and not registered yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LateRegistration {
    pub recipient_number: String,
    /// 保護開始・再開・停止・廃止.
    pub kind_label: String,
    pub decision_date: String,
    /// The 2nd 開庁日 after the decision day by the office's calendar (ISO).
    pub due_date: String,
    /// The JST day it was registered (ISO); `None`: not registered yet.
    pub registered_on: Option<String>,
    /// 開庁日 after the due date up to the registration (or today).
    pub open_days_late: u32,
}

/// A 医療券・調剤券 covering a 保護開始・再開 from its start, issued after the decision day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LateTicket {
    pub recipient_number: String,
    pub issue_number: String,
    /// 医療券 or 調剤券.
    pub ticket_type_label: String,
    /// 有効期間の初日 (ISO).
    pub valid_from: String,
    /// The decision day of the 保護開始・再開 the ticket covers from its start (ISO).
    pub decision_date: String,
    /// The JST day it was issued (ISO).
    pub issued_on: String,
    /// Calendar days between the decision day and the issue.
    pub days_late: u32,
    /// Issued as 事後委託 (with its reason).
    pub retroactive: bool,
}

/// A daily feed built for the office and not fetched by it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UnfetchedFeed {
    /// The JST day the feed covers (ISO).
    pub feed_date: String,
    pub verification_count: u64,
    /// UTC RFC 3339.
    pub built_at: String,
}

/// The fields of an institution as typed in the operator's form (dates 和暦 or 西暦,
/// empty: none).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstitutionFields {
    pub name: String,
    pub online_capable: bool,
    pub designated_from: String,
    pub designated_until: String,
    pub abolished_on: String,
    pub postal_code: String,
    pub address: String,
    pub phone: String,
}

/// `POST /api/operator/institutions`: a new institution.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewInstitutionInput {
    pub code: String,
    #[serde(flatten)]
    pub fields: InstitutionFields,
}

/// An institution of the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstitutionRecord {
    pub code: String,
    pub name: String,
    /// 点数表 (from the code's third digit): 医科, 歯科, 調剤 …
    pub score_table: String,
    pub online_capable: bool,
    pub designated_from: Option<String>,
    pub designated_until: Option<String>,
    pub abolished_on: Option<String>,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

/// `GET /api/operator/institutions?q=`: up to `limit` matches by code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstitutionRegistry {
    pub items: Vec<InstitutionRecord>,
    pub limit: u32,
}

/// `GET /api/operator/institutions/{code}` (and the answer to an add or an edit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstitutionDetail {
    pub institution: InstitutionRecord,
    /// The audit trail, newest first.
    pub changes: Vec<InstitutionChange>,
}

/// One field changed by the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstitutionChange {
    /// UTC RFC 3339.
    pub changed_at: String,
    pub changed_by: String,
    pub changed_by_name: String,
    pub field: String,
    pub before: String,
    pub after: String,
}
