//! `/office/screening?month=YYYY-MM`: 頻回受診・未委託受診 screening (product.md §5, issue 6).
//!
//! The page downloads the office's compact input for months M−2..M
//! (`GET /api/office/screening/data`), parses it and runs `domain::screening::screen` here in
//! WebAssembly — the same function the API and `onshi screen` run, so the rows and the CSV are
//! the same. Each candidate opens to its evidence (`recipient_calendar`: every institution's
//! visit days over the three months) and the reason in words; the caseworker records what was
//! done (`/api/office/screening/followups`), shown again next month.
//!
//! One component per file: [`page`] (month, loading, the report), [`progress`],
//! [`candidates`] (filter, sort), [`candidate_row`], [`evidence`], [`month_calendar`],
//! [`followup_form`], [`many_institutions`], [`duplicates`], [`csv_export`], [`trend`].

pub mod candidate_row;
pub mod candidates;
pub mod csv_export;
pub mod duplicates;
pub mod evidence;
pub mod followup_form;
pub mod many_institutions;
pub mod month_calendar;
pub mod page;
pub mod progress;
pub mod psychotropic;
pub mod trend;

pub use page::ScreeningPage;

use chrono::NaiveDate;
use domain::api::{Category, FollowupList, ScreeningInput, ScreeningResult};
use domain::screening::{ScreeningRow, MONTH_DAYS, THREE_MONTH_DAYS};
use leptos::prelude::*;
use std::sync::Arc;

/// A month screened in this browser.
#[derive(Debug)]
pub struct Screened {
    pub month: (i32, u32),
    pub input: ScreeningInput,
    pub result: ScreeningResult,
}

/// The month's follow-ups, shared by every row of the page (reloaded after a save).
#[derive(Debug, Clone, Copy)]
pub struct FollowupsContext {
    pub list: RwSignal<Option<FollowupList>>,
    /// Bumped to reload.
    pub version: RwSignal<u32>,
}

impl FollowupsContext {
    pub fn reload(self) {
        self.version.update(|v| *v = v.wrapping_add(1));
    }
}

pub fn use_followups() -> Option<FollowupsContext> {
    use_context::<FollowupsContext>()
}

/// `Arc` so that rows and panels share one parsed month.
pub type ScreenedRef = Arc<Screened>;

/// The key of a candidate row (also its DOM id suffix): `受給者番号-医療機関コード-区分`.
pub fn row_key(row: &ScreeningRow) -> String {
    let category = match row.category {
        Category::Frequent => "frequent",
        Category::ShortIntensive => "short",
        Category::Unentrusted => "unentrusted",
    };
    format!(
        "{}-{}-{category}",
        row.recipient_number, row.institution_code
    )
}

/// 10月10日、10月17日
pub fn dates_ja(dates: &[NaiveDate]) -> String {
    use chrono::Datelike;
    dates
        .iter()
        .map(|d| format!("{}月{}日", d.month(), d.day()))
        .collect::<Vec<_>>()
        .join("、")
}

/// Why the row is listed, in words.
pub fn reason_ja(row: &ScreeningRow) -> String {
    let days = row.days_in_month;
    let total = row.days_in_three_months.unwrap_or_default();
    match row.category {
        Category::Frequent => format!(
            "当月{days}日（{MONTH_DAYS}日以上）かつ3か月合計{total}日（{THREE_MONTH_DAYS}日以上）"
        ),
        Category::ShortIntensive => format!(
            "当月{days}日（{MONTH_DAYS}日以上）だが3か月合計{total}日（{THREE_MONTH_DAYS}日未満）: 短期集中治療の可能性があり、頻回受診の候補ではありません"
        ),
        Category::Unentrusted => {
            let retroactive = row
                .evidence
                .last()
                .map_or(0, |month| month.retroactive.len());
            let mut text = format!(
                "この医療機関を指定する医療券のない日に資格確認（資格有効性 6: 有効・未登録）が{days}日: {}",
                dates_ja(&row.dates)
            );
            if retroactive > 0 {
                text.push_str(&format!(
                    "（ほかに{retroactive}日は事後委託の医療券が発行済みのため除外）"
                ));
            }
            text
        }
    }
}

/// Short label of the 区分 for the table (the full one is in the CSV).
pub fn category_badge_class(category: Category) -> &'static str {
    match category {
        Category::Frequent => "badge badge-bad",
        Category::ShortIntensive => "badge",
        Category::Unentrusted => "badge badge-warn",
    }
}

/// The follow-up rows about `recipient` and `institution` (none: about the recipient).
pub fn followups_for<'a>(
    list: &'a [domain::api::Followup],
    recipient: &'a str,
    institution: Option<&'a str>,
) -> impl Iterator<Item = &'a domain::api::Followup> + 'a {
    list.iter().filter(move |f| {
        f.recipient_number == recipient && f.institution_code.as_deref() == institution
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use domain::screening::EvidenceMonth;

    fn row(
        category: Category,
        days: u32,
        total: Option<u32>,
        dates: &[&str],
        retroactive: &[u8],
    ) -> ScreeningRow {
        ScreeningRow {
            recipient_number: "1000017".into(),
            recipient_name: "山本　茂".into(),
            institution_code: "1310110000".into(),
            institution_name: "みなと台中央病院".into(),
            category,
            days_in_month: days,
            days_in_three_months: total,
            dates: dates.iter().map(|d| d.parse().unwrap()).collect(),
            evidence: vec![EvidenceMonth {
                month: "2026-10".into(),
                days: Vec::new(),
                unentrusted: Vec::new(),
                retroactive: retroactive.to_vec(),
            }],
            single_ticket: None,
        }
    }

    #[test]
    fn reasons_in_words() {
        let check = |r: ScreeningRow, want: &str| assert_eq!(reason_ja(&r), want);
        check(
            row(Category::Frequent, 20, Some(40), &[], &[]),
            "当月20日（15日以上）かつ3か月合計40日（40日以上）",
        );
        check(
            row(Category::ShortIntensive, 16, Some(18), &[], &[]),
            "当月16日（15日以上）だが3か月合計18日（40日未満）: 短期集中治療の可能性があり、頻回受診の候補ではありません",
        );
        check(
            row(Category::Unentrusted, 2, None, &["2026-10-10", "2026-10-17"], &[]),
            "この医療機関を指定する医療券のない日に資格確認（資格有効性 6: 有効・未登録）が2日: 10月10日、10月17日",
        );
        check(
            row(Category::Unentrusted, 1, None, &["2026-10-17"], &[10]),
            "この医療機関を指定する医療券のない日に資格確認（資格有効性 6: 有効・未登録）が1日: 10月17日（ほかに1日は事後委託の医療券が発行済みのため除外）",
        );
    }
}
