//! `/office/recipients/:id/visits?months=N`: one recipient's 受診状況 for the caseworker
//! (issue 13): for each month (newest first, 和暦 and 西暦), one table with a row per
//! institution and a column per day, each visit day marked in text as well as colour
//! (○ 医療券あり, 事 事後委託, 未 未委託・未登録, × 資格なし), the month's visit days; then per
//! institution its days and the tickets that cover them (交付番号, 券種, 有効期間); then
//! 薬剤情報 and 健診 with the clinic desk's tables (`components::health_records`) and the
//! portal's trend charts. The server records every read in the recipient's 提供記録.

use chrono::{Datelike, NaiveDate};
use domain::api::{
    portal_checkup_charts, ErrorCode, PortalHealth, RecipientVisits, VisitCoverage,
    VisitInstitution, VisitMonth,
};
use domain::visits::{VISIT_MONTHS_DEFAULT, VISIT_MONTHS_MAX};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{not_found, recipient_id};
use crate::api;
use crate::components::health_records::{Checkups, Medications};
use crate::components::{DateRangeJa, LoadError, Loading, PageHeading, Stat, TrendChart};
use crate::format::year_month;
use crate::session::use_session;

const WEEKDAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
/// The periods offered as links (any 1..=12 may be typed into the address).
const CHOICES: [u32; 3] = [3, 6, 12];

fn months_param(raw: Option<String>) -> u32 {
    raw.and_then(|m| m.trim().parse::<u32>().ok())
        .filter(|m| (1..=VISIT_MONTHS_MAX).contains(m))
        .unwrap_or(VISIT_MONTHS_DEFAULT)
}

#[component]
pub fn RecipientVisitsPage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let query = use_query_map();
    let months = Memo::new(move |_| months_param(query.with(|q| q.get("months"))));
    let id = Memo::new(move |_| recipient_id(&params.get()));
    let visits = LocalResource::new(move || {
        let (id, months) = (id.get(), months.get());
        async move {
            match id {
                Some(id) => session.check(api::office_recipient_visits(id, months).await),
                None => Err(not_found()),
            }
        }
    });
    let title = move || match visits.get() {
        Some(Ok(v)) => format!("受診状況 {}（{}）", v.name, v.recipient_number),
        _ => "受診状況".to_string(),
    };
    view! {
        <section class="page">
            {move || view! { <PageHeading title=title() testid="visits-heading"/> }}
            <p>
                {move || id.get().map(|id| view! {
                    <A href=format!("/office/recipients/{id}")>"← 被保護者の詳細"</A>
                })}
            </p>
            <nav class="button-row" aria-label="表示する期間">
                {move || {
                    let current = months.get();
                    let base = id.get().unwrap_or_default();
                    CHOICES.iter().map(|n| {
                        let n = *n;
                        view! {
                            <A
                                href=format!("/office/recipients/{base}/visits?months={n}")
                                attr:class=if n == current { "button button-primary" } else { "button" }
                                attr:aria-current=(n == current).then_some("page")
                                attr:data-testid=format!("visits-months-{n}")
                            >
                                {format!("{n}か月")}
                            </A>
                        }
                    }).collect_view()
                }}
            </nav>
            {move || match visits.get() {
                None => view! { <Loading text="受診状況を読み込んでいます…"/> }.into_any(),
                Some(Ok(v)) => view! { <VisitsBody visits=v/> }.into_any(),
                Some(Err(failure)) if failure.code() == Some(ErrorCode::NotFound) => view! {
                    <div class="banner banner-error" role="alert" data-testid="visits-not-found">
                        <p class="banner-text">"この受給者は見つかりません。削除されたか、別の福祉事務所の受給者です。"</p>
                    </div>
                }
                .into_any(),
                Some(Err(failure)) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| visits.refetch())/>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn VisitsBody(visits: RecipientVisits) -> impl IntoView {
    let id = visits.recipient_id;
    view! {
        {visits.restricted.then(|| view! {
            <p class="banner banner-warn" data-testid="visits-restricted">
                "閲覧制限中: 本人のポータルには医療機関・薬局の名前を表示していません。この画面は福祉事務所の職員だけが見られます。"
            </p>
        })}
        <p class="calendar-legend" data-testid="visits-legend">
            "記号: "
            <span class="cal-key cal-visit">"○"</span>" 受診（医療券あり）、"
            <span class="cal-key cal-retroactive">"事"</span>" 事後委託（受診の後に医療券を発行）、"
            <span class="cal-key cal-unentrusted">"未"</span>" 未委託・未登録（その日を委託する医療券がない）、"
            <span class="cal-key cal-ineligible">"×"</span>" 資格なし（無効・該当資格なし）。"
            "受診日数は医科・歯科の資格確認のあった日を数えます（頻回受診の確認と同じ）。"
        </p>
        {visits
            .months
            .into_iter()
            .map(|month| view! { <MonthSection month=month today=visits.today.clone() recipient=id/> })
            .collect_view()}
        <HealthSection health=visits.health/>
    }
}

/// The days of `month` (`YYYY-MM`).
fn month_days(month: &str) -> Vec<NaiveDate> {
    let Some(first) = year_month(month).and_then(|(y, m)| NaiveDate::from_ymd_opt(y, m, 1)) else {
        return Vec::new();
    };
    first
        .iter_days()
        .take_while(|d| d.month() == first.month())
        .collect()
}

fn weekday(date: NaiveDate) -> &'static str {
    WEEKDAYS
        .get(date.weekday().num_days_from_monday() as usize)
        .copied()
        .unwrap_or("")
}

fn coverage_class(coverage: VisitCoverage) -> &'static str {
    match coverage {
        VisitCoverage::Covered => "cal-day cal-visit",
        VisitCoverage::Retroactive => "cal-day cal-retroactive",
        VisitCoverage::Unentrusted => "cal-day cal-unentrusted",
        VisitCoverage::NotEligible => "cal-day cal-ineligible",
    }
}

#[component]
fn MonthSection(month: VisitMonth, today: String, recipient: i64) -> impl IntoView {
    let heading_id = format!("visits-{}", month.month);
    let labelled_by = heading_id.clone();
    let this_month = today.get(..7) == Some(month.month.as_str());
    let note = this_month.then(|| "今月は今日までの日数です".to_string());
    let dates = month_days(&month.month);
    let body = if month.institutions.is_empty() {
        view! { <p class="empty" data-testid="visits-none">"この月の資格確認の記録と医療券・調剤券はありません。"</p> }
            .into_any()
    } else {
        view! {
            <VisitGrid month=month.clone() dates=dates/>
            {month
                .institutions
                .clone()
                .into_iter()
                .map(|institution| view! { <InstitutionDetail institution=institution recipient=recipient/> })
                .collect_view()}
        }
        .into_any()
    };
    view! {
        <section class="visit-month" aria-labelledby=labelled_by data-testid="visit-month" data-month=month.month.clone()>
            <h2 id=heading_id>{month.label.clone()}</h2>
            <dl class="stats">
                {match note {
                    Some(note) => view! {
                        <Stat label="受診日数（医科・歯科）" value=month.visit_days.to_string() unit="日" note=note testid="visits-visit-days"/>
                    }
                    .into_any(),
                    None => view! {
                        <Stat label="受診日数（医科・歯科）" value=month.visit_days.to_string() unit="日" testid="visits-visit-days"/>
                    }
                    .into_any(),
                }}
                <Stat label="未委託・未登録の日" value=month.unentrusted_days.to_string() unit="日" testid="visits-unentrusted-days"/>
            </dl>
            {body}
        </section>
    }
}

/// One month as a table: a row per institution, a column per day.
#[component]
fn VisitGrid(month: VisitMonth, dates: Vec<NaiveDate>) -> impl IntoView {
    let caption = format!("{}の受診日（医療機関ごと）", month.label);
    let region = caption.clone();
    let header = dates
        .iter()
        .map(|d| {
            let wd = weekday(*d);
            let abbr = format!("{}月{}日（{wd}）", d.month(), d.day());
            let class = match wd {
                "土" => "visit-day-head saturday",
                "日" => "visit-day-head sunday",
                _ => "visit-day-head",
            };
            view! {
                <th scope="col" abbr=abbr class=class>
                    {d.day()}<span class="visit-weekday">{wd}</span>
                </th>
            }
        })
        .collect_view();
    let rows = month
        .institutions
        .iter()
        .map(|institution| {
            let cells = dates
                .iter()
                .map(|d| {
                    let iso = d.to_string();
                    match institution.days.iter().find(|v| v.date == iso) {
                        None => view! { <td class="cal-day"></td> }.into_any(),
                        Some(v) => view! {
                            <td class=coverage_class(v.coverage) data-day=v.day data-coverage=format!("{:?}", v.coverage)>
                                <span class="cal-mark" aria-hidden="true">{v.coverage.mark()}</span>
                                <span class="visually-hidden">{v.coverage.label_ja()}</span>
                            </td>
                        }
                        .into_any(),
                    }
                })
                .collect_view();
            view! {
                <tr data-testid="visit-row" data-institution=institution.institution_code.clone()>
                    <th scope="row" class="visit-place">
                        {institution.institution_name.clone()}
                        <span class="muted">{format!("（{}）", institution.score_table)}</span>
                    </th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" role="region" aria-label=region tabindex="0">
            <table class="visit-grid" data-testid="visit-grid">
                <caption>{caption}</caption>
                <thead>
                    <tr><th scope="col">"医療機関・薬局"</th>{header}</tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// One institution in one month: its days in words and the tickets naming it.
#[component]
fn InstitutionDetail(institution: VisitInstitution, recipient: i64) -> impl IntoView {
    let days = institution.days.len();
    // The first 未委託 day: the 事後委託 path (the ticket form prefilled, as an alert's).
    let unentrusted = institution
        .days
        .iter()
        .find(|d| d.coverage == VisitCoverage::Unentrusted)
        .map(|d| {
            super::ticket_form::Prefill::from_query(
                Some(&institution.institution_code),
                Some(&d.date),
            )
            .map(|prefill| prefill.href(recipient))
            .unwrap_or_else(|| format!("/office/recipients/{recipient}/tickets/new"))
        });
    let title = format!(
        "{}（{}・{}）",
        institution.institution_name, institution.institution_code, institution.score_table
    );
    let day_list = if institution.days.is_empty() {
        view! { <p class="hint">"この月の資格確認はありません（医療券・調剤券だけがあります）。"</p> }.into_any()
    } else {
        view! {
            <ul class="visit-days" aria-label=format!("{}の資格確認の日", institution.institution_name)>
                {institution.days.iter().map(|d| {
                    let date = domain::wareki::format_iso_date(&d.date);
                    let tickets = if d.covered_by.is_empty() {
                        String::new()
                    } else {
                        format!("（交付番号 {}）", d.covered_by.join("・"))
                    };
                    let count = if d.verifications > 1 { format!(" 確認{}回", d.verifications) } else { String::new() };
                    view! {
                        <li data-testid="visit-day" data-date=d.date.clone() data-coverage=format!("{:?}", d.coverage)>
                            <span class=format!("cal-key {}", coverage_class(d.coverage))>{d.coverage.mark()}</span>
                            " "{date}" "<strong>{d.coverage.label_ja()}</strong>{tickets}
                            <span class="muted">{format!(" 確認時の結果: {}{count}", d.results.join("・"))}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let tickets = if institution.tickets.is_empty() {
        view! { <p class="hint" data-testid="visit-no-tickets">"この月にこの医療機関・薬局を委託する医療券・調剤券はありません。"</p> }.into_any()
    } else {
        view! {
            <table class="table" data-testid="visit-tickets">
                <caption>{format!("{}を委託する医療券・調剤券", institution.institution_name)}</caption>
                <thead>
                    <tr>
                        <th scope="col">"交付番号"</th>
                        <th scope="col">"券種"</th>
                        <th scope="col">"診療別"</th>
                        <th scope="col">"有効期間"</th>
                        <th scope="col">"備考"</th>
                    </tr>
                </thead>
                <tbody>
                    {institution.tickets.clone().into_iter().map(|t| view! {
                        <tr data-testid="visit-ticket">
                            <th scope="row">
                                <A href=format!("/office/tickets/{}/edit", t.ticket_id)>{t.issue_number}</A>
                            </th>
                            <td>{t.ticket_type_label}</td>
                            <td>{t.treatment_type_label}</td>
                            <td><DateRangeJa from=Some(t.valid_from) until=Some(t.valid_until)/></td>
                            <td>{if t.retroactive { "事後委託" } else { "" }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="visit-institution" data-testid="visit-institution" data-institution=institution.institution_code.clone()>
            <h3>{title}<span class="muted">{format!(" 資格確認 {days}日")}</span></h3>
            {day_list}
            {unentrusted.map(|href| view! {
                <p class="note" data-testid="visit-unentrusted-note">
                    "未委託・未登録の日があります。受診を確認し、必要なら事後委託の医療券を発行してください: "
                    <A href=href>"医療券・調剤券を発行"</A>
                </p>
            })}
            {tickets}
        </section>
    }
}

/// 薬剤情報 and 健診, the records the recipient's portal shows.
#[component]
fn HealthSection(health: PortalHealth) -> impl IntoView {
    let charts = portal_checkup_charts(&health.checkups);
    let mut checkups = health.checkups.clone();
    checkups.sort_by(|a, b| b.date.cmp(&a.date));
    view! {
        <section class="visit-health" aria-labelledby="visits-health" data-testid="visits-health">
            <h2 id="visits-health">"薬剤情報・健診"</h2>
            <p class="hint">{health.note.clone()}</p>
            <h3>"薬剤情報"</h3>
            <Medications items=health.medications/>
            <h3>"健診結果"</h3>
            {(!charts.is_empty()).then(|| view! {
                <div class="trends">
                    {charts.into_iter().map(|t| view! {
                        <TrendChart title=t.name unit=t.unit points=t.points reference=t.reference/>
                    }).collect_view()}
                </div>
            })}
            <Checkups checkups=checkups/>
        </section>
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_period_in_the_address_falls_back_to_three_months() {
        assert_eq!(months_param(None), 3);
        assert_eq!(months_param(Some("6".into())), 6);
        assert_eq!(months_param(Some("12".into())), 12);
        for bad in ["0", "13", "x", "-1", ""] {
            assert_eq!(months_param(Some(bad.into())), 3, "{bad}");
        }
    }

    #[test]
    fn a_month_has_its_days_with_their_weekdays() {
        let days = month_days("2024-02");
        assert_eq!(days.len(), 29);
        // 2024-02-01 is a Thursday.
        assert_eq!(weekday(days[0]), "木");
        assert_eq!(weekday(days[3]), "日");
        assert_eq!(month_days("2026-12").len(), 31);
        assert!(month_days("junk").is_empty());
    }
}
