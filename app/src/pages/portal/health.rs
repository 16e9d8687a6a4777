//! `/me/health`: くすり (薬剤情報) and 健診 results: each 健診 (newest first) as one table
//! of its items with their reference ranges, and a small chart for each item measured at
//! two 健診 or more. Until this server handles them, the page says so plainly.

use domain::api::{portal_checkup_charts, PortalCheckup, PortalHealth as Health, PortalMedication};
use domain::checkup::display_unit;
use leptos::prelude::*;

use super::data::{section_view, use_section};
use super::ticket_card::RestrictedNotice;
use crate::api;
use crate::components::{DateJa, PageHeading, Ruby, TrendChart};

#[component]
pub fn PortalHealth() -> impl IntoView {
    let health = use_section(|| "health".to_string(), api::portal_health);
    view! {
        <section class="page">
            <PageHeading title="くすり・健診" testid="portal-health-heading"/>
            <p class="lead">
                "病院や薬局で受け取ったお薬の記録（"<Ruby word="薬剤情報" reading="やくざいじょうほう"/>"）と、"
                <Ruby word="健診" reading="けんしん"/>"（健康診断）の結果です。"
            </p>
            {section_view(health, |data: Health| view! { <HealthBody data=data/> })}
        </section>
    }
}

#[component]
fn HealthBody(data: Health) -> impl IntoView {
    if !data.available {
        return view! {
            <div class="empty" data-testid="health-unavailable">
                <p><strong>{data.note}</strong></p>
                <p>"表示されるようになると、次のことがわかります。"</p>
                <ul>
                    <li>"いつ、どの薬局で、どんなお薬を、どれだけ受け取ったか"</li>
                    <li>"血圧や血液検査などの健診の値と、年ごとの移り変わり（グラフ）"</li>
                    <li>"それぞれの値の目安（基準の範囲）と、範囲の外にある値"</li>
                </ul>
                <p>"お薬や健診の結果について知りたいときは、かかっている医療機関・薬局に聞くことができます。"</p>
            </div>
        }
        .into_any();
    }
    // A chart only where there is a change to see; every value is in the table of its visit.
    let charts = portal_checkup_charts(&data.checkups);
    let mut visits = data.checkups.clone();
    visits.sort_by(|a, b| b.date.cmp(&a.date));
    view! {
        {data.restricted.then(|| view! { <RestrictedNotice/> })}
        <p class="hint">{data.note.clone()}</p>
        <section aria-labelledby="health-medications" data-testid="health-medications">
            <h2 id="health-medications">"お薬の記録（"<Ruby word="薬剤情報" reading="やくざいじょうほう"/>"）"</h2>
            {if data.medications.is_empty() {
                view! { <p class="empty">"お薬の記録はありません。"</p> }.into_any()
            } else {
                view! { <Medications items=data.medications/> }.into_any()
            }}
        </section>
        <section aria-labelledby="health-checkups" data-testid="health-checkups">
            <h2 id="health-checkups"><Ruby word="健診" reading="けんしん"/>"の結果"</h2>
            {if data.checkups.is_empty() {
                view! { <p class="empty">"健診の結果はありません。"</p> }.into_any()
            } else {
                view! {
                    {(!charts.is_empty()).then(|| view! {
                        <h3>"2回以上受けた項目の移り変わり"</h3>
                        <div class="trends">
                            {charts.into_iter().map(|t| view! {
                                <TrendChart title=t.name unit=t.unit points=t.points reference=t.reference/>
                            }).collect_view()}
                        </div>
                    })}
                    {visits.into_iter().map(|c| view! { <CheckupVisit checkup=c/> }).collect_view()}
                }
                .into_any()
            }}
        </section>
    }
    .into_any()
}

#[component]
fn Medications(items: Vec<PortalMedication>) -> impl IntoView {
    view! {
        <ul class="medications">
            {items.into_iter().map(|m| view! {
                <li class="medication" data-testid="medication">
                    <p class="medication-name"><strong>{m.drug_name}</strong></p>
                    <dl class="ticket-details">
                        <div><dt>"受け取った日"</dt><dd><DateJa iso=m.dispensed_on/></dd></div>
                        <div><dt>"薬局など"</dt><dd>{m.dispenser_name}</dd></div>
                        {m.prescriber_name.map(|p| view! { <div><dt>"処方した医療機関"</dt><dd>{p}</dd></div> })}
                        {m.usage.map(|u| view! { <div><dt>"飲み方・使い方"</dt><dd>{u}</dd></div> })}
                        {m.quantity.map(|q| view! { <div><dt>"量"</dt><dd>{q}</dd></div> })}
                        {m.days.map(|d| view! { <div><dt>"日数"</dt><dd>{format!("{d}日分")}</dd></div> })}
                    </dl>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// One 健診: its date in 和暦, where, and every item with its value, range and reading.
#[component]
fn CheckupVisit(checkup: PortalCheckup) -> impl IntoView {
    let day = domain::wareki::parse_iso_date(&checkup.date)
        .map(domain::wareki::format_wareki)
        .unwrap_or_else(|| checkup.date.clone());
    let title = match &checkup.institution_name {
        Some(place) => format!("{day}の健診（{place}）"),
        None => format!("{day}の健診"),
    };
    let heading_id = format!("checkup-{}", checkup.date);
    let labelled_by = heading_id.clone();
    let region_label = title.clone();
    view! {
        <section class="checkup-visit" aria-labelledby=labelled_by data-testid="checkup-visit">
            <h3 id=heading_id>{title}</h3>
            <div class="table-wrap" role="region" aria-label=region_label tabindex="0">
                <table class="table checkup-table">
                    <thead><tr>
                        <th scope="col">"項目"</th><th scope="col">"結果"</th>
                        <th scope="col">"基準の範囲"</th><th scope="col">"判定"</th>
                    </tr></thead>
                    <tbody>
                        {checkup.values.into_iter().map(|v| {
                            let within = match (&v.reference, v.numeric) {
                                (Some(r), Some(n)) => Some(r.contains(n)),
                                _ => None,
                            };
                            let unit = display_unit(&v.unit);
                            view! {
                                <tr class=if within == Some(false) { "value-out" } else { "" }>
                                    <th scope="row">{v.name}</th>
                                    <td class="number">{v.value}{(!unit.is_empty()).then(|| format!(" {unit}"))}</td>
                                    <td>{v.reference.map(|r| r.text).unwrap_or_else(|| "—".into())}</td>
                                    <td>{match within {
                                        Some(true) => "範囲内",
                                        Some(false) => "基準の範囲外",
                                        None => "—",
                                    }}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
