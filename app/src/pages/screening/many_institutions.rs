//! 多数医療機関受診: recipients with visit days at many 医科・歯科 institutions in the month
//! (`domain::screening::MANY_INSTITUTIONS` or more), each with the days per institution.

use domain::screening::{ManyInstitutionsRow, MANY_INSTITUTIONS};
use leptos::prelude::*;

use super::followup_form::FollowupForm;
use super::ScreenedRef;

#[component]
pub fn ManyInstitutions(screened: ScreenedRef) -> impl IntoView {
    let rows: Vec<ManyInstitutionsRow> = screened.result.many_institutions.clone();
    let month = screened.result.month.clone();
    view! {
        <section class="many-institutions" aria-labelledby="many-title" data-testid="many-institutions">
            <h2 id="many-title">"多数医療機関受診"</h2>
            <p class="muted">
                {format!("当月に{MANY_INSTITUTIONS}か所以上の医科・歯科の医療機関で受診した人です（この事務所の目安）。")}
            </p>
            {if rows.is_empty() {
                view! { <p class="empty" data-testid="many-empty">"該当する人はいません。"</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" role="region" aria-labelledby="many-title" tabindex="0">
                        <table class="table">
                            <caption class="visually-hidden">"多数医療機関受診の一覧"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"受給者番号"</th>
                                    <th scope="col">"氏名"</th>
                                    <th scope="col" class="number">"医療機関数"</th>
                                    <th scope="col">"医療機関ごとの当月日数"</th>
                                    <th scope="col">"対応"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows.into_iter().map(|row| {
                                    let detail = row.institutions.iter()
                                        .map(|i| format!("{} {}日", i.institution_name, i.days_in_month))
                                        .collect::<Vec<_>>()
                                        .join("、");
                                    view! {
                                        <tr data-testid="many-row" data-recipient=row.recipient_number.clone()>
                                            <td class="number">{row.recipient_number.clone()}</td>
                                            <th scope="row">{row.recipient_name.clone()}</th>
                                            <td class="number">{format!("{}か所", row.institutions.len())}</td>
                                            <td>{detail}</td>
                                            <td>
                                                <details>
                                                    <summary>"対応を記録"</summary>
                                                    <FollowupForm
                                                        recipient_number=row.recipient_number.clone()
                                                        recipient_name=row.recipient_name.clone()
                                                        institution_code=None
                                                        category=None
                                                        month=month.clone()
                                                    />
                                                </details>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
        </section>
    }
}
