//! `GET /api/office/recipients/{id}/visits`: one recipient's 受診状況 for the caseworker
//! (issue 13): the verifications of the last months by month, institution and JST day, the
//! tickets that cover each day (未委託 marked), and 健診・薬剤情報 as the portal shows them.
//! Built by `crate::visits::visit_months`.

use serde::{Deserialize, Serialize};

use super::PortalHealth;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecipientVisits {
    pub recipient_id: i64,
    pub recipient_number: String,
    pub name: String,
    /// JST today (ISO): the current month's counts run to this day.
    pub today: String,
    pub months_requested: u32,
    /// Newest month first; every asked-for month appears, empty or not.
    pub months: Vec<VisitMonth>,
    /// 健診 and 薬剤情報 exactly as the recipient's portal has them (`crate::health`), with
    /// the places named: 閲覧制限 limits the portal, not the office.
    pub health: PortalHealth,
    /// 閲覧制限 is on (the portal names no institution; this page still does).
    pub restricted: bool,
}

/// One calendar month of verifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VisitMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// 「令和8年10月 (2026/10)」.
    pub label: String,
    /// Distinct visit days (資格有効性 1 or 6 at a 医科・歯科 institution), up to today for
    /// the current month: the count the 頻回受診 rule reads.
    pub visit_days: u32,
    /// Distinct days with a 未委託 visit at any institution.
    pub unentrusted_days: u32,
    /// Institutions with verifications or tickets in the month, by 医療機関コード.
    pub institutions: Vec<VisitInstitution>,
}

/// One institution in one month: its days and the recipient's tickets naming it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VisitInstitution {
    pub institution_code: String,
    pub institution_name: String,
    /// 点数表 (医科, 歯科, 調剤, 訪問看護 …).
    pub score_table: String,
    /// Whether its days count as visit days (医科・歯科).
    pub counted: bool,
    /// Days with a verification, in date order.
    pub days: Vec<VisitDay>,
    /// The recipient's active tickets naming this institution whose 有効期間 meets the month
    /// (事後委託 included), by 有効開始日.
    pub tickets: Vec<VisitTicket>,
}

/// One JST day at one institution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VisitDay {
    /// ISO date.
    pub date: String,
    /// Day of the month (1–31).
    pub day: u32,
    /// Verifications that day.
    pub verifications: u32,
    /// The results that day in words (「有効」「有効（未登録）」…), distinct, in code order.
    pub results: Vec<String>,
    pub coverage: VisitCoverage,
    /// 交付番号 of the tickets whose 有効期間 holds the day.
    pub covered_by: Vec<String>,
}

/// What covers a day's visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum VisitCoverage {
    /// 有効 with a ticket naming the institution for the day.
    Covered,
    /// Verified as 有効（未登録）, and a ticket issued since covers the day (事後委託).
    Retroactive,
    /// Eligible, but no active ticket naming the institution covers the day: 未委託・未登録.
    Unentrusted,
    /// No 資格 that day (無効, 該当資格なし): not a 医療扶助 visit.
    NotEligible,
}

impl VisitCoverage {
    /// The words on the page.
    pub fn label_ja(self) -> &'static str {
        match self {
            VisitCoverage::Covered => "医療券あり",
            VisitCoverage::Retroactive => "事後委託",
            VisitCoverage::Unentrusted => "未委託・未登録",
            VisitCoverage::NotEligible => "資格なし",
        }
    }

    /// The mark in the calendar, read with [`VisitCoverage::label_ja`] (never colour alone).
    pub fn mark(self) -> &'static str {
        match self {
            VisitCoverage::Covered => "○",
            VisitCoverage::Retroactive => "事",
            VisitCoverage::Unentrusted => "未",
            VisitCoverage::NotEligible => "×",
        }
    }
}

/// A ticket as the 受診状況 lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VisitTicket {
    pub ticket_id: i64,
    /// 交付番号.
    pub issue_number: String,
    /// 医療券 / 調剤券.
    pub ticket_type_label: String,
    /// 診療別 (入院外, 歯科, 調剤 …).
    pub treatment_type_label: String,
    /// 有効開始日 (ISO).
    pub valid_from: String,
    /// 有効終了日 (ISO).
    pub valid_until: String,
    /// 事後委託: issued after the visit.
    pub retroactive: bool,
}
