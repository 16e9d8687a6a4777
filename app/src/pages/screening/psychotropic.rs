//! 向精神薬 screen (product.md §5 「further screens」): recipients of the month whose
//! 薬剤情報 shows a listed 向精神薬 from two or more institutions, or more days of one
//! ingredient than the limit, each with the dispensings that are the evidence. Computed by
//! the server from the imported レセ電 (`GET /api/office/screening/psychotropic`).

use domain::api::{PsychotropicCandidate, PsychotropicEvidence, PsychotropicScreen};
use domain::screening::month_label;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::components::{DateJa, LoadError, Loading};
use crate::session::use_session;

#[component]
pub fn PsychotropicSection(month: (i32, u32)) -> impl IntoView {
    let session = use_session();
    let label = month_label(month);
    let screen = LocalResource::new(move || {
        let label = label.clone();
        async move { session.check(api::office_psychotropic(&label).await) }
    });
    view! {
        <section class="psychotropic" aria-labelledby="psychotropic-title" data-testid="psychotropic">
            <h2 id="psychotropic-title">"向精神薬の重複・長期処方"</h2>
            {move || match screen.get() {
                None => view! { <Loading text="薬剤情報を確認しています…"/> }.into_any(),
                Some(Ok(screen)) => view! { <ScreenBody screen=screen/> }.into_any(),
                Some(Err(failure)) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| screen.refetch())/>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn ScreenBody(screen: PsychotropicScreen) -> impl IntoView {
    let rule = format!(
        "対象成分: {}。{}か所以上の医療機関から処方された方、または1成分が{}日分を超える方を挙げます。",
        screen.ingredients.join("、"),
        screen.min_institutions,
        screen.max_days
    );
    let body = if screen.dispensings_in_month == 0 {
        view! {
            <p class="empty" data-testid="psychotropic-no-data">
                {format!("{}の薬剤情報（レセ電）はまだ取り込まれていないため、確認できません。", screen.month_label)}
                " "
                <A href="/office/health-import">"薬剤情報を取り込む"</A>
            </p>
        }
        .into_any()
    } else if screen.candidates.is_empty() {
        view! {
            <p class="notice-ok" data-testid="psychotropic-none">
                {format!("{}: 該当する方はいません（薬剤情報 {}件を確認）。", screen.month_label, screen.dispensings_in_month)}
            </p>
        }
        .into_any()
    } else {
        let count = screen.candidates.len();
        view! {
            <p data-testid="psychotropic-count">
                {format!("{}: {count}人（薬剤情報 {}件を確認）", screen.month_label, screen.dispensings_in_month)}
            </p>
            <ul class="psychotropic-candidates">
                {screen.candidates.into_iter().map(|c| view! { <Candidate candidate=c/> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <p class="hint">{rule}</p>
        {body}
        <p class="muted">{screen.note}</p>
    }
}

#[component]
fn Candidate(candidate: PsychotropicCandidate) -> impl IntoView {
    let href = format!("/office/recipients/{}", candidate.recipient_id);
    let institutions = candidate
        .institutions
        .iter()
        .map(|i| format!("{}（{}）", i.name, i.code))
        .collect::<Vec<_>>()
        .join("、");
    let days = candidate
        .days_by_ingredient
        .iter()
        .map(|d| format!("{} {}日分", d.ingredient, d.days))
        .collect::<Vec<_>>()
        .join("、");
    let caption = format!("{} さんの処方（根拠）", candidate.name);
    let region = caption.clone();
    view! {
        <li class="psychotropic-candidate" data-testid="psychotropic-candidate">
            <details>
                <summary>
                    <span class="number">{candidate.recipient_number.clone()}</span>
                    " "
                    <strong>{candidate.name.clone()}</strong>
                    {format!("（{}）: {}", candidate.name_kana, candidate.reasons.join("、"))}
                </summary>
                <p><A href=href>"台帳を開く"</A></p>
                <dl class="facts">
                    <div><dt>"医療機関"</dt><dd>{institutions}</dd></div>
                    <div><dt>"成分ごとの日数"</dt><dd>{days}</dd></div>
                </dl>
                <div class="table-wrap" role="region" aria-label=region tabindex="0">
                    <table class="table" data-testid="psychotropic-evidence">
                        <caption>{caption}</caption>
                        <thead>
                            <tr>
                                <th scope="col">"医療機関"</th>
                                <th scope="col">"薬品"</th>
                                <th scope="col">"成分（判定の根拠）"</th>
                                <th scope="col">"区分"</th>
                                <th scope="col">"量・回数"</th>
                                <th scope="col">"算定日"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {candidate.evidence.into_iter().map(|e| view! { <EvidenceRow evidence=e/> }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </details>
        </li>
    }
}

#[component]
fn EvidenceRow(evidence: PsychotropicEvidence) -> impl IntoView {
    let drug = match &evidence.drug_name {
        Some(name) => format!("{name}（{}）", evidence.drug_code),
        None => format!("{}（医薬品マスターにないコード）", evidence.drug_code),
    };
    let amount = match evidence.supply_days {
        Some(days) => format!("{} ×{}（{days}日分）", evidence.quantity, evidence.times),
        None => format!("{} ×{}", evidence.quantity, evidence.times),
    };
    view! {
        <tr>
            <th scope="row">{format!("{}（{}）", evidence.institution_name, evidence.institution_code)}</th>
            <td>{drug}</td>
            <td>{format!("{}（{}）", evidence.ingredient, evidence.matched_by)}</td>
            <td>{format!("{} {}", evidence.category, evidence.category_label)}</td>
            <td>{amount}</td>
            <td>
                {evidence.dates.into_iter().map(|d| view! { <span class="date-chip"><DateJa iso=d/></span>" " }).collect_view()}
            </td>
        </tr>
    }
}
