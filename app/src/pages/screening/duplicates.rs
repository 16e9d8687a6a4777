//! 重複調剤 (one day, `DUPLICATE_PHARMACIES` or more pharmacies) and 重複受診 (one month,
//! `DUPLICATE_VISIT_INSTITUTIONS` or more institutions of one 診療別): the rows of
//! `ScreeningResult::duplicates`, computed by `domain::screening::screen` like the rest.

use domain::screening::{
    DuplicateKind, DuplicateRow, DUPLICATE_PHARMACIES, DUPLICATE_VISIT_INSTITUTIONS,
};
use domain::wareki::format_date;
use leptos::prelude::*;

use super::ScreenedRef;

#[component]
pub fn Duplicates(screened: ScreenedRef) -> impl IntoView {
    let rows: Vec<DuplicateRow> = screened.result.duplicates.clone();
    view! {
        <section class="duplicates" aria-labelledby="duplicates-title" data-testid="duplicates">
            <h2 id="duplicates-title">"重複調剤・重複受診"</h2>
            <p class="muted">
                {format!(
                    "重複調剤: 同じ日に{DUPLICATE_PHARMACIES}か所以上の薬局で資格確認があった人。\
                     重複受診: 当月に同じ診療別（医科または歯科）の医療機関{DUPLICATE_VISIT_INSTITUTIONS}か所以上で受診した人（この事務所の目安）。\
                     どちらも処方や傷病の重なりを確かめるための候補で、判断ではありません。"
                )}
            </p>
            {if rows.is_empty() {
                view! { <p class="empty" data-testid="duplicates-empty">"該当する人はいません。"</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" role="region" aria-labelledby="duplicates-title" tabindex="0">
                        <table class="table">
                            <caption class="visually-hidden">"重複調剤・重複受診の一覧"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"受給者番号"</th>
                                    <th scope="col">"氏名"</th>
                                    <th scope="col">"区分"</th>
                                    <th scope="col">"診療別"</th>
                                    <th scope="col">"日付"</th>
                                    <th scope="col">"医療機関・薬局（当月日数）"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows.into_iter().map(duplicate_row).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
        </section>
    }
}

fn duplicate_row(row: DuplicateRow) -> impl IntoView {
    let kind = match row.kind {
        DuplicateKind::Dispensing => "dispensing",
        DuplicateKind::Visits => "visits",
    };
    let dates = row
        .dates
        .iter()
        .map(|d| format_date(*d))
        .collect::<Vec<_>>()
        .join("、");
    let places = row
        .institutions
        .iter()
        .map(|i| format!("{} {}日", i.institution_name, i.days_in_month))
        .collect::<Vec<_>>()
        .join("、");
    view! {
        <tr data-testid="duplicate-row" data-kind=kind data-recipient=row.recipient_number.clone()>
            <td class="number">{row.recipient_number.clone()}</td>
            <th scope="row">{row.recipient_name.clone()}</th>
            <td>{row.kind.label_ja()}</td>
            <td>{row.score_table.clone()}</td>
            <td>{dates}</td>
            <td>{places}</td>
        </tr>
    }
}
