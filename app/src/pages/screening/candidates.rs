//! The candidates of the month: a filter by 区分 and sortable columns (buttons in the
//! headers, `aria-sort` on the sorted one). Each row opens to its evidence.

use std::cmp::Ordering;

use domain::api::Category;
use domain::screening::ScreeningRow;
use leptos::prelude::*;

use super::candidate_row::CandidateRow;
use super::{row_key, ScreenedRef};

/// Columns that sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Number,
    Name,
    Institution,
    Category,
    Days,
    Total,
}

impl SortKey {
    fn compare(self, a: &ScreeningRow, b: &ScreeningRow) -> Ordering {
        match self {
            SortKey::Number => a.recipient_number.cmp(&b.recipient_number),
            SortKey::Name => a.recipient_name.cmp(&b.recipient_name),
            SortKey::Institution => a.institution_name.cmp(&b.institution_name),
            SortKey::Category => a.category.cmp(&b.category),
            SortKey::Days => a.days_in_month.cmp(&b.days_in_month),
            SortKey::Total => a.days_in_three_months.cmp(&b.days_in_three_months),
        }
    }
}

/// 区分 choices of the filter: `value` attribute, label, category.
const FILTERS: [(&str, &str, Option<Category>); 4] = [
    ("all", "すべて", None),
    ("frequent", "頻回受診候補", Some(Category::Frequent)),
    (
        "short",
        "短期集中治療の可能性",
        Some(Category::ShortIntensive),
    ),
    ("unentrusted", "未委託受診", Some(Category::Unentrusted)),
];

/// Columns of the table (for the detail row's `colspan`).
pub const COLUMNS: u8 = 8;

#[component]
pub fn CandidateTable(screened: ScreenedRef) -> impl IntoView {
    let filter = RwSignal::new(None::<Category>);
    // (column, ascending); the result's own order (受給者番号, 医療機関コード, 区分) at first.
    let sort = RwSignal::new((SortKey::Number, true));
    let all_rows = StoredValue::new(screened.result.rows.clone());
    let visible = Memo::new(move |_| {
        let chosen = filter.get();
        let (key, ascending) = sort.get();
        let mut rows: Vec<ScreeningRow> = all_rows.with_value(|rows| {
            rows.iter()
                .filter(|row| chosen.is_none_or(|c| row.category == c))
                .cloned()
                .collect()
        });
        // Stable: ties keep the result's order.
        rows.sort_by(|a, b| {
            let order = key.compare(a, b);
            if ascending {
                order
            } else {
                order.reverse()
            }
        });
        rows
    });
    let count = move || visible.with(Vec::len);
    let total = screened.result.rows.len();

    let header = move |key: SortKey, label: &'static str, numeric: bool| {
        let aria_sort = move || {
            let (current, ascending) = sort.get();
            (current == key).then_some(if ascending { "ascending" } else { "descending" })
        };
        let on_click = move |_| {
            sort.update(|(current, ascending)| {
                if *current == key {
                    *ascending = !*ascending;
                } else {
                    *current = key;
                    // Day counts: the largest first.
                    *ascending = !numeric;
                }
            })
        };
        view! {
            <th scope="col" aria-sort=aria_sort class=if numeric { "number" } else { "" }>
                <button type="button" class="sort-button" on:click=on_click data-testid="sort-button">
                    {label}
                    <span class="sort-mark" aria-hidden="true">
                        {move || match sort.get() {
                            (current, true) if current == key => "▲",
                            (current, false) if current == key => "▼",
                            _ => "⇅",
                        }}
                    </span>
                </button>
            </th>
        }
    };

    view! {
        <h2 id="candidates-title">"候補の一覧"</h2>
        <div class="screening-filter field">
            <label for="category-filter">"区分で絞り込む"</label>
            <select
                id="category-filter"
                data-testid="category-filter"
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    let chosen = FILTERS.iter().find(|(v, _, _)| *v == value).and_then(|(_, _, c)| *c);
                    filter.set(chosen);
                }
            >
                {FILTERS.iter().map(|(value, label, _)| view! { <option value=*value>{*label}</option> }).collect_view()}
            </select>
            <p class="muted" role="status" data-testid="candidate-count">
                {move || format!("{}件を表示（全{total}件）", count())}
            </p>
        </div>
        {move || (count() == 0).then(|| view! {
            <p class="empty" data-testid="candidates-empty">"この条件の候補はありません。"</p>
        })}
        <div class="table-wrap" role="region" aria-labelledby="candidates-title" tabindex="0">
            <table class="table screening-table" data-testid="candidates">
                <caption class="visually-hidden">"候補の一覧（列の見出しのボタンで並べ替え）"</caption>
                <thead>
                    <tr>
                        {header(SortKey::Number, "受給者番号", false)}
                        {header(SortKey::Name, "氏名", false)}
                        {header(SortKey::Institution, "医療機関", false)}
                        {header(SortKey::Category, "区分", false)}
                        {header(SortKey::Days, "当月日数", true)}
                        {header(SortKey::Total, "3か月合計", true)}
                        <th scope="col">"対応"</th>
                        <th scope="col">"根拠"</th>
                    </tr>
                </thead>
                <For
                    each=move || visible.get()
                    key=row_key
                    children=move |row| view! { <CandidateRow row=row screened=screened.clone()/> }
                />
            </table>
        </div>
    }
}
