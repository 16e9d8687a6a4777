//! One candidate: the row, and when opened its evidence and the follow-up form in a row
//! below (built only when opened: a large office has thousands of rows).

use domain::screening::ScreeningRow;
use leptos::prelude::*;

use super::candidates::COLUMNS;
use super::evidence::Evidence;
use super::followup_form::FollowupForm;
use super::{category_badge_class, followups_for, row_key, use_followups, ScreenedRef};

#[component]
pub fn CandidateRow(row: ScreeningRow, screened: ScreenedRef) -> impl IntoView {
    let open = RwSignal::new(false);
    let detail_id = format!("evidence-{}", row_key(&row));
    let followups = use_followups();
    let status = {
        let number = row.recipient_number.clone();
        let code = row.institution_code.clone();
        move || {
            let Some(context) = followups else {
                return String::new();
            };
            context.list.with(|list| {
                let Some(list) = list else {
                    return String::new();
                };
                if let Some(latest) = followups_for(&list.followups, &number, Some(&code)).next() {
                    latest.action.label_ja().to_string()
                } else if let Some(before) =
                    followups_for(&list.previous, &number, Some(&code)).next()
                {
                    format!("未記録（前月: {}）", before.action.label_ja())
                } else {
                    "未記録".to_string()
                }
            })
        }
    };
    let total = row
        .days_in_three_months
        .map_or_else(|| "—".to_string(), |t| format!("{t}日"));
    let toggle_label = {
        let name = row.recipient_name.clone();
        move || {
            if open.get() {
                format!("{name}さんの根拠を閉じる")
            } else {
                format!("{name}さんの根拠を表示")
            }
        }
    };
    let aria_controls = {
        let id = detail_id.clone();
        move || open.get().then(|| id.clone())
    };
    let detail = {
        let row = row.clone();
        move || {
            open.get().then(|| {
                view! {
                    <tr class="evidence-row" id=detail_id.clone() data-testid="evidence-row">
                        <td colspan=COLUMNS.to_string()>
                            <Evidence row=row.clone() screened=screened.clone()/>
                            <FollowupForm
                                recipient_number=row.recipient_number.clone()
                                recipient_name=row.recipient_name.clone()
                                institution_code=Some(row.institution_code.clone())
                                category=Some(row.category)
                                month=screened.result.month.clone()
                            />
                        </td>
                    </tr>
                }
            })
        }
    };
    view! {
        <tbody class="candidate">
            <tr
                data-testid="candidate-row"
                data-recipient=row.recipient_number.clone()
                data-institution=row.institution_code.clone()
                data-category=row.category.label_ja()
            >
                <td class="number" data-testid="cell-number">{row.recipient_number.clone()}</td>
                <th scope="row" class="name">{row.recipient_name.clone()}</th>
                <td>
                    {row.institution_name.clone()}
                    <span class="muted code">{format!(" ({})", row.institution_code)}</span>
                </td>
                <td>
                    <span class=category_badge_class(row.category) data-testid="cell-category">
                        {row.category.label_ja()}
                    </span>
                </td>
                <td class="number" data-testid="cell-days">{format!("{}日", row.days_in_month)}</td>
                <td class="number" data-testid="cell-total">{total}</td>
                <td data-testid="cell-followup">{status}</td>
                <td>
                    <button
                        type="button"
                        class="button button-quiet"
                        data-testid="evidence-toggle"
                        aria-expanded=move || open.get().to_string()
                        aria-controls=aria_controls
                        on:click=move |_| open.update(|o| *o = !*o)
                    >
                        {move || if open.get() { "閉じる" } else { "根拠" }}
                        <span class="visually-hidden">{toggle_label}</span>
                    </button>
                </td>
            </tr>
            {detail}
        </tbody>
    }
}
