//! 健診情報 and 薬剤情報: the office's imports, export, 健診 deadline and 向精神薬 screen,
//! and the clinic's consented view. The recipient's own view is `PortalHealth` (portal.rs),
//! filled from the same tables.

use serde::{Deserialize, Serialize};

use super::{PortalCheckup, PortalMedication};
use crate::error::RecordError;

/// Query of `POST /api/office/checkups/import` and `POST /api/office/receipts/import`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HealthImportQuery {
    /// `1`: write the records whose recipient is found and list the others in `skipped`.
    /// Default: a record whose recipient is not found is an error, and nothing is written.
    #[serde(default)]
    pub skip_unmatched: Option<String>,
}

impl HealthImportQuery {
    pub fn skip_unmatched(&self) -> bool {
        matches!(
            self.skip_unmatched.as_deref().map(str::trim),
            Some("1" | "true" | "yes")
        )
    }
}

/// The outcome of an import: either everything was written (`accepted`), or nothing was
/// and `errors` says why, record by record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HealthImportReport {
    pub accepted: bool,
    /// How the file was read: `cda` (特定健診 archive), `csv` (健診 CSV), `rece` (レセ電),
    /// `drug_master` (医薬品マスター).
    pub format: String,
    /// Records in the file: checkups, receipts or drugs.
    pub records: u64,
    /// Records written (0 unless accepted).
    pub written: u64,
    /// Items (健診項目) or dispensed drugs written.
    pub items: u64,
    /// Of `written`, the 健診 that replaced one already registered for the same recipient
    /// and 受診日 (an archive imported again). Always 0 for レセ電.
    #[serde(default)]
    pub replaced: u64,
    /// Records left out because their recipient was not found (only with `skip_unmatched=1`).
    pub skipped: Vec<RecordError>,
    pub errors: Vec<RecordError>,
    /// One sentence for the top of the screen.
    pub message: String,
}

/// Query of `GET /api/office/checkups/export`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckupExportQuery {
    /// 年度 (`2023` = 2023-04-01 … 2024-03-31); default: last fiscal year.
    #[serde(default)]
    pub fiscal_year: Option<String>,
}

/// Checkups registered for one month of the fiscal year (by 受診日).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckupMonthCount {
    /// `YYYY-MM`.
    pub month: String,
    pub checkups: u64,
}

/// `GET /api/office/checkups/deadline`: last fiscal year's 健診 results, due 11月1日.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckupDeadline {
    /// JST today (ISO).
    pub today: String,
    /// 年度 (2023 = 2023-04-01 … 2024-03-31).
    pub fiscal_year: i32,
    /// 「令和5年度」.
    pub fiscal_year_label: String,
    pub period_from: String,
    pub period_to: String,
    /// 11月1日 after the year (ISO).
    pub due_date: String,
    /// 「令和6年11月1日 (2024/11/01)」.
    pub due_date_label: String,
    /// Days until the due date (0 on the day, negative after it).
    pub days_left: i64,
    pub overdue: bool,
    /// The office's recipients eligible on at least one day of the year.
    pub recipients: u64,
    /// Of them, those with at least one 健診 registered for the year.
    pub registered_recipients: u64,
    /// 健診 registered for the year (a person may have more than one).
    pub registered_checkups: u64,
    /// Registered per month of 受診日, April first.
    pub by_month: Vec<CheckupMonthCount>,
    /// One sentence: what is due, by when.
    pub message: String,
}

/// Query of `GET /api/office/screening/psychotropic`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PsychotropicQuery {
    /// 診療年月 `YYYY-MM` (和暦 such as `R6.4` accepted); default: last month.
    #[serde(default)]
    pub month: Option<String>,
}

/// An institution, by code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstitutionName {
    pub code: String,
    /// The registered name, else the name in the レセ電 IR record.
    pub name: String,
}

/// Days of one ingredient in the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IngredientDays {
    pub ingredient: String,
    pub days: u32,
}

/// One dispensing shown as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PsychotropicEvidence {
    pub institution_code: String,
    pub institution_name: String,
    pub drug_code: String,
    /// From the 医薬品マスター; `None` when the master lacks the code.
    pub drug_name: Option<String>,
    pub ingredient: String,
    /// 「薬価基準コード」「名称」「医薬品マスターの向精神薬区分」.
    pub matched_by: String,
    /// 診療識別 (21 内服 …) and its name.
    pub category: String,
    pub category_label: String,
    /// 使用量 with the master's unit ("1錠").
    pub quantity: String,
    pub times: u32,
    /// Days supplied (内服 only).
    pub supply_days: Option<u32>,
    /// 算定日 (ISO dates).
    pub dates: Vec<String>,
}

/// One recipient the screen flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PsychotropicCandidate {
    pub recipient_id: i64,
    pub recipient_number: String,
    pub name: String,
    pub name_kana: String,
    /// 「2か所の医療機関から向精神薬」「エチゾラム 44日分（30日分超）」.
    pub reasons: Vec<String>,
    pub institutions: Vec<InstitutionName>,
    pub days_by_ingredient: Vec<IngredientDays>,
    pub evidence: Vec<PsychotropicEvidence>,
}

/// `GET /api/office/screening/psychotropic`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PsychotropicScreen {
    /// `YYYY-MM`.
    pub month: String,
    /// 「令和6年4月 (2024/04)」.
    pub month_label: String,
    /// The listed ingredients (the 会計検査院's five).
    pub ingredients: Vec<String>,
    pub max_days: u32,
    pub min_institutions: u32,
    /// 薬剤情報 records (IY) of the office's recipients for the month (0: no レセ電 has been
    /// imported for it, so the screen has nothing to look at).
    pub dispensings_in_month: u64,
    pub candidates: Vec<PsychotropicCandidate>,
    /// What the screen is and is not.
    pub note: String,
}

/// `GET /api/verify/{verification_id}/health`: what the recipient agreed, at this visit,
/// to show this institution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClinicHealthView {
    pub verification_id: i64,
    /// JST date of the verification (ISO): the consent holds for that day only.
    pub verified_date: String,
    pub name: String,
    pub name_kana: String,
    /// 薬剤情報 agreed (else `medications` is empty).
    pub drug_info: bool,
    /// 健診情報 agreed (else `checkups` is empty).
    pub checkup_info: bool,
    /// Newest first.
    pub medications: Vec<PortalMedication>,
    /// Oldest first.
    pub checkups: Vec<PortalCheckup>,
    pub note: String,
}
