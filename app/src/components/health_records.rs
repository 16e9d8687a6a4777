//! 薬剤情報 and 健診情報 at the clinic desk, shown only because the recipient agreed on the
//! card reader at this visit (product.md §2 III, §4). The caller renders this only for a
//! card verification with verdict 1 and a recorded consent; the server checks the same again
//! (`GET /api/verify/{id}/health`: never by number entry, never 未委託, that day only) and
//! writes the view to the recipient's 提供記録.
//!
//! [`Medications`] and [`Checkups`] are also the office's 受診状況 page's tables
//! (`pages::office::visits`): the same records, read by staff.

use domain::api::{ClinicHealthView, PortalCheckup, PortalMedication};
use leptos::prelude::*;

use crate::api;
use crate::components::trend_chart::number_label;
use crate::components::{DateJa, Loading};
use crate::session::use_session;

#[component]
pub fn ClinicHealthRecords(verification_id: i64) -> impl IntoView {
    let session = use_session();
    let view_data = LocalResource::new(move || async move {
        session.check(api::verify_health(verification_id).await)
    });
    view! {
        <section class="clinic-health" aria-labelledby="clinic-health-title" data-testid="clinic-health">
            <h3 class="result-subtitle" id="clinic-health-title">
                "薬剤情報・健診情報 "
                <span class="badge badge-ok" data-testid="clinic-health-consent">"本人の同意により表示"</span>
            </h3>
            {move || match view_data.get() {
                None => view! { <Loading text="薬剤情報・健診情報を読み込んでいます…"/> }.into_any(),
                Some(Ok(data)) => view! { <HealthBody data=data/> }.into_any(),
                Some(Err(failure)) => view! {
                    <p class="hint" data-testid="clinic-health-refused">{failure.message()}</p>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn HealthBody(data: ClinicHealthView) -> impl IntoView {
    view! {
        <p class="hint" data-testid="clinic-health-note">{data.note.clone()}</p>
        {data.drug_info.then(|| view! { <Medications items=data.medications.clone()/> })}
        {data.checkup_info.then(|| {
            let mut checkups = data.checkups.clone();
            // Newest first at the desk: the latest result is what matters today.
            checkups.reverse();
            view! { <Checkups checkups=checkups/> }
        })}
    }
}

/// 薬剤情報 as one table, newest first.
#[component]
pub fn Medications(items: Vec<PortalMedication>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="empty" data-testid="clinic-medications-none">"薬剤情報の記録はありません。"</p> }
            .into_any();
    }
    let caption = format!("薬剤情報（新しい順、{}件）", items.len());
    view! {
        <div class="table-wrap" role="region" aria-label="薬剤情報" tabindex="0">
            <table class="table" data-testid="clinic-medications">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"調剤日"</th>
                        <th scope="col">"薬品名"</th>
                        <th scope="col">"量・日数"</th>
                        <th scope="col">"用法"</th>
                        <th scope="col">"医療機関・薬局"</th>
                    </tr>
                </thead>
                <tbody>
                    {items.into_iter().map(|m| {
                        let amount = match (m.quantity, m.days) {
                            (Some(q), Some(d)) => format!("{q} ・ {d}日分"),
                            (Some(q), None) => q,
                            (None, Some(d)) => format!("{d}日分"),
                            (None, None) => "—".to_string(),
                        };
                        let place = match m.prescriber_name {
                            Some(p) if p != m.dispenser_name => format!("{}（処方 {p}）", m.dispenser_name),
                            _ => m.dispenser_name,
                        };
                        view! {
                            <tr data-testid="clinic-medication">
                                <td><DateJa iso=m.dispensed_on/></td>
                                <th scope="row">{m.drug_name}</th>
                                <td>{amount}</td>
                                <td>{m.usage.unwrap_or_else(|| "—".to_string())}</td>
                                <td>{place}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Each 健診 as a table of its items, in the order given.
#[component]
pub fn Checkups(checkups: Vec<PortalCheckup>) -> impl IntoView {
    if checkups.is_empty() {
        return view! { <p class="empty" data-testid="clinic-checkups-none">"健診結果の記録はありません。"</p> }
            .into_any();
    }
    checkups
        .into_iter()
        .map(|checkup| view! { <CheckupTable checkup=checkup/> })
        .collect_view()
        .into_any()
}

#[component]
fn CheckupTable(checkup: PortalCheckup) -> impl IntoView {
    let date = domain::wareki::parse_iso_date(&checkup.date)
        .map(domain::wareki::format_date)
        .unwrap_or_else(|| checkup.date.clone());
    let caption = match &checkup.institution_name {
        Some(name) => format!("健診結果 {date}（{name}）"),
        None => format!("健診結果 {date}"),
    };
    let region = caption.clone();
    view! {
        <div class="table-wrap" role="region" aria-label=region tabindex="0">
            <table class="table" data-testid="clinic-checkup" data-date=checkup.date.clone()>
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"項目"</th>
                        <th scope="col">"結果"</th>
                        <th scope="col">"基準範囲"</th>
                    </tr>
                </thead>
                <tbody>
                    {checkup.values.into_iter().map(|v| {
                        let outside = match (&v.reference, v.numeric) {
                            (Some(r), Some(n)) => !r.contains(n),
                            _ => false,
                        };
                        let shown = match v.numeric {
                            Some(n) if v.value.trim().is_empty() => number_label(n),
                            _ => v.value.clone(),
                        };
                        let unit = domain::checkup::display_unit(&v.unit);
                        let value = if unit.is_empty() { shown } else { format!("{shown} {unit}") };
                        view! {
                            <tr data-testid="clinic-checkup-value" data-code=v.code.clone()>
                                <th scope="row">{v.name}</th>
                                <td>
                                    <span data-testid="clinic-checkup-result">{value}</span>
                                    {outside.then(|| view! { " " <span class="badge badge-warn">"範囲外"</span> })}
                                </td>
                                <td>{v.reference.map(|r| r.text).unwrap_or_else(|| "—".to_string())}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
