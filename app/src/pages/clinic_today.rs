//! `/clinic/today`: 本日の確認 — this institution's verifications of the JST day as the
//! server recorded them (newest first), with the checks still waiting on this PC to be
//! sent listed apart. Offline, the results kept on this PC are shown instead.

use domain::api::{DeskAnswer, TodayVerifications};
use domain::codes::QualificationValidity;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Failure};
use crate::components::{ErrorBanner, Loading, PageHeading};
use crate::format::time_ja;
use crate::offline;
use crate::reception::use_reception;
use crate::session::use_session;

#[derive(Debug, Clone, PartialEq)]
enum Shown {
    Loading,
    Server(TodayVerifications),
    /// The server did not answer: what this PC kept.
    Kept(Vec<DeskAnswer>),
    Failed(String),
}

#[component]
pub fn ClinicToday() -> impl IntoView {
    let Some(reception) = use_reception() else {
        return ().into_any();
    };
    let session = use_session();
    let shown = RwSignal::new(Shown::Loading);
    let waiting = RwSignal::new(Vec::<DeskAnswer>::new());

    let load = move || {
        shown.set(Shown::Loading);
        spawn_local(async move {
            let code = session
                .info
                .with_untracked(|info| info.as_ref().and_then(|i| i.institution_code.clone()))
                .unwrap_or_default();
            let kept = offline::clinic::recent_results(&code)
                .await
                .unwrap_or_default();
            let queued: Vec<String> = offline::clinic::outbox(&code)
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|q| q.request.client_id)
                .collect();
            waiting.set(
                kept.iter()
                    .filter(|r| queued.iter().any(|id| id == r.client_id()))
                    .cloned()
                    .collect(),
            );
            let next = match session.check(api::verify_today().await) {
                Ok(today) => {
                    reception.server_answered();
                    Shown::Server(today)
                }
                Err(Failure::Unreachable) => {
                    reception.reachable.set(false);
                    let today = reception.today();
                    Shown::Kept(
                        kept.into_iter()
                            .filter(|r| r.verified_date() == today)
                            .collect(),
                    )
                }
                Err(failure) => Shown::Failed(failure.message()),
            };
            shown.set(next);
        });
    };
    load();
    // A sync just emptied the outbox: the server's list now holds those checks.
    Effect::new(move |previous: Option<usize>| {
        let pending = reception.pending.get();
        if previous.is_some_and(|before| before > pending) {
            load();
        }
        pending
    });

    view! {
        <section class="page today-page">
            <PageHeading title="本日の資格確認" testid="today-heading"/>
            <div class="button-row">
                <button type="button" class="button" data-testid="today-reload" on:click=move |_| load()>
                    "最新の情報に更新"
                </button>
            </div>
            {move || {
                let waiting = waiting.get();
                (!waiting.is_empty()).then(|| view! {
                    <h2>{format!("未送信の確認（{}件）", waiting.len())}</h2>
                    <p class="hint">"オフラインで行った確認です。通信が戻ったら自動で送信します。"</p>
                    <KeptTable results=waiting testid="today-waiting"/>
                })
            }}
            {move || match shown.get() {
                Shown::Loading => view! { <Loading/> }.into_any(),
                Shown::Failed(message) => view! { <ErrorBanner message=message/> }.into_any(),
                Shown::Server(today) => view! { <ServerTable today=today/> }.into_any(),
                Shown::Kept(results) => view! {
                    <p class="notice" data-testid="today-kept">
                        "サーバーに接続できないため、この端末で行った本日の確認を表示しています（ほかの端末の確認は含みません）。"
                    </p>
                    <KeptTable results=results testid="today-kept-table"/>
                }
                .into_any(),
            }}
        </section>
    }
    .into_any()
}

/// A verdict as a badge; `None`: an offline check without a verdict.
fn verdict_badge(validity: Option<QualificationValidity>, label: String) -> impl IntoView {
    let (class, icon) = match validity {
        Some(QualificationValidity::Valid) => ("badge badge-ok", "✓"),
        Some(QualificationValidity::ValidUnregistered) => ("badge badge-warn", "！"),
        Some(QualificationValidity::Invalid | QualificationValidity::InvalidNewQualification) => {
            ("badge badge-bad", "✕")
        }
        Some(QualificationValidity::NotFound) | None => ("badge", "？"),
    };
    view! {
        <span class=class data-testid="today-verdict">
            <span aria-hidden="true">{icon}" "</span>
            {label}
        </span>
    }
}

#[component]
fn ServerTable(today: TodayVerifications) -> impl IntoView {
    let date = domain::wareki::format_date(today.date);
    let count = today.items.len();
    view! {
        <h2>{format!("{date}の確認（{count}件）")}</h2>
        {if today.items.is_empty() {
            view! { <p class="empty" data-testid="today-empty">"本日の資格確認はまだありません。"</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap" tabindex="0" role="region" aria-label="本日の資格確認の一覧">
                    <table class="table" data-testid="today-table">
                        <thead>
                            <tr>
                                <th scope="col">"時刻"</th>
                                <th scope="col">"結果"</th>
                                <th scope="col">"方法"</th>
                                <th scope="col">"受給者番号"</th>
                                <th scope="col">"氏名（カナ）"</th>
                                <th scope="col">"本人同意"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {today.items.into_iter().map(|item| {
                                let consent = item.consent.as_ref().map(|c| {
                                    let yes = |b: bool| if b { "同意" } else { "—" };
                                    format!("薬剤 {} ／ 健診 {}", yes(c.drug_info), yes(c.checkup_info))
                                }).unwrap_or_else(|| "—".to_string());
                                let how = if item.offline {
                                    format!("{}（オフライン）", item.reference_class.label_ja())
                                } else {
                                    item.reference_class.label_ja().to_string()
                                };
                                view! {
                                    <tr data-testid="today-row" data-offline=item.offline.to_string() data-recipient=item.recipient_number.clone()>
                                        <td class="number">{time_ja(&item.verified_at)}</td>
                                        <td>{verdict_badge(Some(item.validity), item.screen_label.clone())}</td>
                                        <td>{how}</td>
                                        <th scope="row" class="number">
                                            {item.recipient_number.clone()}
                                            <span class="muted">{format!(" ({})", item.office_number)}</span>
                                        </th>
                                        <td>
                                            {item.name.clone().unwrap_or_else(|| "—".to_string())}
                                            {item.name_kana.clone().map(|kana| view! { <br/><span class="muted">{kana}</span> })}
                                        </td>
                                        <td>{consent}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        }}
    }
}

/// Answers kept on this PC (offline answers, or the last online ones).
#[component]
fn KeptTable(results: Vec<DeskAnswer>, testid: &'static str) -> impl IntoView {
    if results.is_empty() {
        return view! { <p class="empty">"この端末で行った本日の確認はありません。"</p> }
            .into_any();
    }
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label="この端末の確認の一覧">
            <table class="table" data-testid=testid>
                <thead>
                    <tr>
                        <th scope="col">"時刻"</th>
                        <th scope="col">"結果"</th>
                        <th scope="col">"方法"</th>
                        <th scope="col">"受給者番号"</th>
                        <th scope="col">"氏名（カナ）"</th>
                    </tr>
                </thead>
                <tbody>
                    {results.into_iter().map(|r| {
                        let class = match &r {
                            DeskAnswer::Verdict(v) => v.reference_class,
                            DeskAnswer::Unconfirmed(_) => domain::codes::ReferenceClass::NumberEntry,
                        };
                        let how = if r.offline() {
                            format!("{}（オフライン）", class.label_ja())
                        } else {
                            class.label_ja().to_string()
                        };
                        let person = r.person().cloned();
                        view! {
                            <tr data-testid="kept-row" data-recipient=r.recipient_number().to_string()>
                                <td class="number">{time_ja(r.verified_at())}</td>
                                <td>{verdict_badge(r.validity(), r.screen_label().to_string())}</td>
                                <td>{how}</td>
                                <th scope="row" class="number">{r.recipient_number().to_string()}</th>
                                <td>
                                    {person.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "—".to_string())}
                                    {person.map(|p| view! { <br/><span class="muted">{p.name_kana}</span> })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
