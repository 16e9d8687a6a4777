//! The page: the month (query `?month=`, last month by default), the download and the
//! screening in WebAssembly with a progress indicator, then the report.

use std::sync::Arc;

use domain::api::ScreeningData;
use domain::screening::{month_label, month_of, parse_month, screen, shift_month};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::candidates::CandidateTable;
use super::csv_export::CsvExport;
use super::duplicates::Duplicates;
use super::many_institutions::ManyInstitutions;
use super::progress::ScreeningProgress;
use super::psychotropic::PsychotropicSection;
use super::trend::CandidateTrend;
use super::{FollowupsContext, Screened, ScreenedRef};
use crate::api::{self, Failure};
use crate::components::{ErrorBanner, LoadError, PageHeading, Stat};
use crate::format::group_digits;
use crate::session::use_session;

/// Where the page is.
#[derive(Debug, Clone)]
enum Phase {
    Downloading,
    Parsing { bytes: usize },
    Screening,
    Ready(ScreenedRef),
    Failed(Failure),
    BadMonth(String),
}

#[component]
pub fn ScreeningPage() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();

    // Last month by the server's calendar (the session's `today`, JST).
    let default_month = move || {
        session
            .info
            .with(|info| {
                info.as_ref()
                    .and_then(|info| domain::wareki::parse_iso_date(&info.today))
            })
            .map(|today| shift_month(month_of(today), -1))
    };
    let requested = Memo::new(move |_| match query.with(|q| q.get("month")) {
        Some(text) if !text.trim().is_empty() => {
            parse_month(&text, "診療年月").map_err(|e| e.message)
        }
        _ => default_month().ok_or_else(|| "今日の日付がわかりません。".to_string()),
    });

    let month_input = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Ok(month) = requested.get() {
            month_input.set(month_label(month));
        }
    });

    let phase = RwSignal::new(Phase::Downloading);
    let generation = StoredValue::new(0u32);
    let reload = RwSignal::new(0u32);
    Effect::new(move |_| {
        reload.track();
        let month = match requested.get() {
            Ok(month) => month,
            Err(message) => {
                phase.set(Phase::BadMonth(message));
                return;
            }
        };
        let this_load = generation.get_value().wrapping_add(1);
        generation.set_value(this_load);
        phase.set(Phase::Downloading);
        spawn_local(async move {
            let outcome = load(month, phase, generation, this_load, session).await;
            if generation.try_get_value() == Some(this_load) {
                phase.try_set(outcome);
            }
        });
    });

    let followups = FollowupsContext {
        list: RwSignal::new(None),
        version: RwSignal::new(0),
    };
    provide_context(followups);
    Effect::new(move |_| {
        followups.version.track();
        let Ok(month) = requested.get() else {
            return;
        };
        let label = month_label(month);
        spawn_local(async move {
            if let Ok(list) = session.check(api::office_followups(&label).await) {
                followups.list.try_set(Some(list));
            }
        });
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        match parse_month(&month_input.get_untracked(), "診療年月") {
            Ok(month) => navigate(
                &format!("/office/screening?month={}", month_label(month)),
                Default::default(),
            ),
            Err(error) => phase.set(Phase::BadMonth(error.message)),
        }
    };

    let retry = Callback::new(move |_| reload.update(|n| *n = n.wrapping_add(1)));

    view! {
        <section class="page screening-page">
            <PageHeading title="頻回受診・未委託受診のスクリーニング" testid="screening-heading"/>
            <p class="lead">
                "資格確認の記録から、頻回受診の候補と医療券のない受診（未委託受診）を、この端末で抽出します。"
                "候補は確認のきっかけであり、判断ではありません。"
            </p>
            <form class="screening-controls" on:submit=on_submit data-testid="screening-month-form">
                <div class="field">
                    <label for="screening-month">"診療年月"</label>
                    <input
                        id="screening-month"
                        type="month"
                        data-testid="screening-month"
                        prop:value=move || month_input.get()
                        on:input=move |ev| month_input.set(event_target_value(&ev))
                    />
                </div>
                <button type="submit" class="button" data-testid="screening-show">"表示"</button>
            </form>
            {move || match phase.get() {
                Phase::Downloading => view! {
                    <ScreeningProgress step=1 text="資格確認の記録をダウンロードしています…（1/3）"/>
                }
                .into_any(),
                Phase::Parsing { bytes } => view! {
                    <ScreeningProgress
                        step=2
                        text=format!("受信したデータ（{} KB）を読み込んでいます…（2/3）", group_digits((bytes / 1024) as u64))
                    />
                }
                .into_any(),
                Phase::Screening => view! {
                    <ScreeningProgress step=3 text="この端末（WebAssembly）で判定しています…（3/3）"/>
                }
                .into_any(),
                Phase::Ready(screened) => view! { <ScreeningReport screened=screened/> }.into_any(),
                Phase::Failed(failure) => view! { <LoadError failure=failure retry=retry/> }.into_any(),
                Phase::BadMonth(message) => view! { <ErrorBanner message=message/> }.into_any(),
            }}
        </section>
    }
}

/// Download, parse and screen `month`, showing each step. Gives the final phase.
async fn load(
    month: (i32, u32),
    phase: RwSignal<Phase>,
    generation: StoredValue<u32>,
    this_load: u32,
    session: crate::session::Session,
) -> Phase {
    let current = move || generation.try_get_value() == Some(this_load);
    let text = match session.check(api::office_screening_data_text(&month_label(month)).await) {
        Ok(text) => text,
        Err(failure) => return Phase::Failed(failure),
    };
    let bytes = text.len();
    if !current() {
        return Phase::Downloading;
    }
    phase.try_set(Phase::Parsing { bytes });
    // Let the browser paint the step before the parse holds the thread.
    next_paint().await;
    let data: ScreeningData = match serde_json::from_str(&text) {
        Ok(data) => data,
        Err(_) => return Phase::Failed(Failure::Unreadable { status: 200 }),
    };
    drop(text);
    if !current() {
        return Phase::Downloading;
    }
    phase.try_set(Phase::Screening);
    next_paint().await;
    let result = screen(&data.input, month);
    Phase::Ready(Arc::new(Screened {
        month,
        input: data.input,
        result,
    }))
}

async fn next_paint() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

#[component]
fn ScreeningReport(screened: ScreenedRef) -> impl IntoView {
    let summary = screened.result.summary.clone();
    let (year, month_number) = screened.month;
    let month_ja = domain::wareki::format_month(year, month_number);
    let months = screened.result.months.join("、");
    view! {
        <div class="screening-report" data-testid="screening-report" data-month=month_label(screened.month)>
            <h2>{format!("{month_ja}の結果")}</h2>
            <p class="muted" data-testid="screening-scope">
                {format!("対象: {months}（前々月〜当月）の資格確認。")}
            </p>
            <dl class="stats">
                <Stat label="頻回受診候補" value=summary.frequent.to_string() unit="件" testid="count-frequent"/>
                <Stat
                    label="短期集中治療の可能性"
                    value=summary.short_intensive.to_string()
                    unit="件"
                    note="候補ではありません"
                    testid="count-short-intensive"
                />
                <Stat
                    label="未委託受診"
                    value=summary.unentrusted.to_string()
                    unit="件"
                    note=format!("{}日", summary.unentrusted_dates)
                    testid="count-unentrusted"
                />
                <Stat
                    label="多数医療機関受診"
                    value=summary.many_institutions.to_string()
                    unit="人"
                    testid="count-many-institutions"
                />
                <Stat
                    label="重複調剤"
                    value=summary.duplicate_dispensing.to_string()
                    unit="人"
                    testid="count-duplicate-dispensing"
                />
                <Stat
                    label="重複受診"
                    value=summary.duplicate_visits.to_string()
                    unit="件"
                    testid="count-duplicate-visits"
                />
            </dl>
            <CsvExport screened=screened.clone()/>
            <CandidateTable screened=screened.clone()/>
            <ManyInstitutions screened=screened.clone()/>
            <Duplicates screened=screened.clone()/>
            <CandidateTrend month=screened.month summary=summary/>
            <PsychotropicSection month=screened.month/>
        </div>
    }
}
