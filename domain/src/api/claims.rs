//! 請求前資格確認 (product.md §2 「Also」, `domain-reference.md` §6.2): the office uploads the
//! 資格情報ファイル, gets one line per receipt back for review, and downloads the
//! 返戻情報ファイル of the receipts to return. Layouts: `docs/file-layouts.md`
//! (資格情報ファイル, 返戻情報ファイル).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::claims::ReturnReason;

/// `POST /api/office/claims-check?name=…`: the body is the ZIP itself; `name` is its file
/// name (`12131017_SHIKAKU_202405.ZIP`). Without it, the name of the CSV inside is used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClaimsCheckQuery {
    #[serde(default)]
    pub name: Option<String>,
}

/// One receipt of the 資格情報ファイル and what the check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClaimsLine {
    /// Line in the CSV (header = 1).
    pub line: usize,
    /// レセプト番号
    pub receipt_id: String,
    /// 医療機関コード
    pub institution_code: String,
    /// 診療年月 `YYYY-MM`
    pub month: String,
    /// 公費負担者番号 as on the receipt.
    pub office_number: String,
    /// 受給者番号 as on the receipt.
    pub recipient_number: String,
    /// 氏名 as on the receipt.
    pub name: String,
    /// 生年月日 as on the receipt.
    pub birth_date: NaiveDate,
    /// 請求点数
    pub points: i64,
    /// 診療日 (empty: not given; the whole month was checked).
    pub visit_dates: Vec<NaiveDate>,
    /// 返戻事由: `None` = no problem found.
    pub reason: Option<ReturnReason>,
    /// The reason in words (返戻事由).
    pub reason_label: Option<String>,
    /// What exactly is wrong, for the caseworker reviewing it.
    pub detail: String,
    /// Differences that are not a reason to return (e.g. how the name is written).
    pub warnings: Vec<String>,
}

/// The review of one 資格情報ファイル: `POST /api/office/claims-check`,
/// `GET /api/office/claims-check/{id}` and `onshi claims-check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ClaimsReview {
    /// The stored run (`None` until stored).
    pub id: Option<i64>,
    /// The file checked.
    pub file_name: String,
    /// 公費負担者番号 of the office (from the file name).
    pub office_number: String,
    /// 請求年月 `YYYY-MM` (from the file name).
    pub billing_month: String,
    /// UTC RFC 3339.
    pub checked_at: String,
    pub receipt_count: usize,
    /// Receipts with a 返戻事由.
    pub return_count: usize,
    /// Every receipt, in file order.
    pub lines: Vec<ClaimsLine>,
}

impl ClaimsReview {
    /// The receipts to return.
    pub fn returns(&self) -> impl Iterator<Item = &ClaimsLine> {
        self.lines.iter().filter(|l| l.reason.is_some())
    }
}
