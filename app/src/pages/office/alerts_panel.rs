//! The office home's alerts (issue 13 item 1): open 未委託受診 and 頻回受診 alerts from the
//! daily feed, the signed-in 地区担当員's own recipients first (and a filter to show only
//! them), each with the recipient, institution and dates, a 事後委託 path to the prefilled
//! ticket form, and 「対応済みにする」 with what was done; handled ones in a history (処理済み)
//! with who and when.

use domain::api::{AlertAction, AlertHandleRequest, AlertKind, AlertList, OfficeAlert};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use super::ticket_form::Prefill;
use crate::api;
use crate::components::DateJa;
use crate::format::instant_ja;
use crate::pages::screening::followup_form::{note_problem, NOTE_MAX};
use crate::session::use_session;

#[component]
pub fn AlertsPanel() -> impl IntoView {
    let session = use_session();
    let list = LocalResource::new(move || async move { session.check(api::office_alerts().await) });
    let reload = Callback::new(move |_: ()| list.refetch());
    view! {
        <section class="alerts-panel" aria-labelledby="alerts-title" data-testid="alerts">
            <h2 id="alerts-title">"アラート"</h2>
            {move || match list.get() {
                None => view! { <p class="muted">"アラートを読み込んでいます…"</p> }.into_any(),
                Some(Ok(list)) => view! { <AlertLists list=list reload=reload/> }.into_any(),
                Some(Err(failure)) => view! {
                    <p class="field-error" role="alert" data-testid="alerts-error">{failure.message()}</p>
                }
                .into_any(),
            }}
        </section>
    }
}

/// Own recipients first, then the newest.
fn ordered(mut alerts: Vec<OfficeAlert>) -> Vec<OfficeAlert> {
    alerts.sort_by_key(|a| !a.mine);
    alerts
}

#[component]
fn AlertLists(list: AlertList, reload: Callback<()>) -> impl IntoView {
    let has_mine = list.open.iter().any(|a| a.mine);
    // A caseworker sees their own recipients' alerts by default, and can show the office's.
    let only_mine = RwSignal::new(has_mine);
    let open = StoredValue::new(ordered(list.open));
    let of_kind = move |kind: AlertKind| -> Vec<OfficeAlert> {
        let mine_only = only_mine.get();
        open.with_value(|all| {
            all.iter()
                .filter(|a| a.kind == kind && (!mine_only || a.mine))
                .cloned()
                .collect()
        })
    };
    let handled = list.handled;
    let handled_count = handled.len();
    view! {
        {has_mine.then(|| view! {
            <div class="field check-field">
                <label class="check">
                    <input type="checkbox" data-testid="alerts-only-mine"
                        prop:checked=move || only_mine.get()
                        on:change=move |ev| only_mine.set(event_target_checked(&ev))/>
                    "自分の担当の受給者のみ表示"
                </label>
            </div>
        })}
        <h3 id="alerts-unentrusted-title">"未委託受診（医療券のない医療機関での受診）"</h3>
        {move || {
            let rows = of_kind(AlertKind::Unentrusted);
            alert_table(rows, AlertKind::Unentrusted, reload)
        }}
        <h3 id="alerts-frequent_visits-title">"頻回受診（月の受診日数が基準に達した受給者）"</h3>
        <p class="hint">"同じ医療機関での当月の受診日数が15日以上、かつ3か月で40日以上（スクリーニングと同じ基準）。"</p>
        {move || {
            let rows = of_kind(AlertKind::FrequentVisits);
            alert_table(rows, AlertKind::FrequentVisits, reload)
        }}
        <details class="alerts-history" data-testid="alerts-history">
            <summary>{format!("処理済みのアラート（{handled_count}件）")}</summary>
            {if handled.is_empty() {
                view! { <p class="empty">"処理済みのアラートはまだありません。"</p> }.into_any()
            } else {
                view! { <HistoryTable handled=handled/> }.into_any()
            }}
        </details>
    }
}

fn alert_table(rows: Vec<OfficeAlert>, kind: AlertKind, reload: Callback<()>) -> AnyView {
    let code = kind.code();
    if rows.is_empty() {
        return view! {
            <p class="empty" data-testid=format!("alerts-{code}-empty")>"未対応のアラートはありません。"</p>
        }
        .into_any();
    }
    let count = rows.len();
    let title = format!("alerts-{code}-title");
    view! {
        <div class="table-wrap" role="region" aria-labelledby=title tabindex="0">
            <table class="table" data-testid=format!("alerts-{code}")>
                <caption class="visually-hidden">{format!("{} {count}件", kind.label_ja())}</caption>
                <thead>
                    <tr>
                        <th scope="col">"受給者"</th>
                        <th scope="col">"医療機関"</th>
                        <th scope="col">{if kind == AlertKind::Unentrusted { "受診日" } else { "受診日数・受診日" }}</th>
                        <th scope="col">"地区担当員"</th>
                        <th scope="col">"対応"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|alert| view! { <AlertRow alert=alert reload=reload/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The dates of an alert: a 未委託 day, or the month's visit days with the counts.
fn dates_view(alert: &OfficeAlert) -> AnyView {
    match alert.kind {
        AlertKind::Unentrusted => view! {
            {alert.dates.iter().map(|d| view! { <DateJa iso=d.clone()/> }).collect_view()}
        }
        .into_any(),
        AlertKind::FrequentVisits => {
            let days: Vec<String> = alert
                .dates
                .iter()
                .filter_map(|d| d.get(8..10))
                .map(|d| format!("{}日", d.trim_start_matches('0')))
                .collect();
            let month = crate::format::year_month(&alert.month)
                .map(|(y, m)| domain::wareki::format_month(y, m))
                .unwrap_or_else(|| alert.month.clone());
            let total = alert
                .days_in_three_months
                .map(|t| format!("（3か月で{t}日）"))
                .unwrap_or_default();
            view! {
                <p class="alert-days" data-testid="alert-days">{format!("{month}: {}日{total}", alert.days_in_month)}</p>
                <p class="alert-dates">
                    {days.into_iter().enumerate().map(|(k, day)| view! {
                        {(k > 0).then_some("、")}<span class="alert-day">{day}</span>
                    }).collect_view()}
                </p>
            }
            .into_any()
        }
    }
}

#[component]
fn AlertRow(alert: OfficeAlert, reload: Callback<()>) -> impl IntoView {
    let session = use_session();
    let id = alert.id;
    let kind = alert.kind;
    let open_form = RwSignal::new(false);
    let action = RwSignal::new(None::<AlertAction>);
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let retroactive = (kind == AlertKind::Unentrusted)
        .then(|| {
            alert.dates.first().and_then(|d| {
                Prefill::from_query(Some(&alert.institution_code), Some(d))
                    .map(|p| p.href(alert.recipient_id))
            })
        })
        .flatten();
    let actions: Vec<AlertAction> = AlertAction::ALL
        .into_iter()
        .filter(|a| kind == AlertKind::Unentrusted || *a != AlertAction::RetroactiveTicket)
        .collect();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some(chosen) = action.get_untracked() else {
            error.set(Some("対応内容を選んでください。".to_string()));
            return;
        };
        let text = note.get_untracked().trim().to_string();
        if let Some(problem) = note_problem(chosen.needs_note(), &text) {
            error.set(Some(problem));
            return;
        }
        error.set(None);
        busy.set(true);
        let request = AlertHandleRequest {
            action: chosen,
            note: text,
        };
        spawn_local(async move {
            let answer = session.check(api::office_handle_alert(id, &request).await);
            busy.try_set(false);
            match answer {
                Ok(_) => reload.run(()),
                Err(failure) => {
                    error.try_set(Some(failure.message()));
                }
            }
        });
    };
    let form_id = format!("alert-{id}");
    let action_id = format!("{form_id}-action");
    let note_id = format!("{form_id}-note");
    let error_id = format!("{form_id}-error");
    let row_class = if alert.mine {
        "alert-row mine"
    } else {
        "alert-row"
    };
    let dates = dates_view(&alert);
    let recipient_name = alert.recipient_name.clone();
    view! {
        <tr class=row_class data-testid="alert-row" data-kind=kind.code() data-recipient=alert.recipient_number.clone() data-id=id.to_string()>
            <th scope="row" class="name">
                <A href=format!("/office/recipients/{}", alert.recipient_id)>{recipient_name}</A>
                <span class="number">{format!("（{}）", alert.recipient_number)}</span>
                {alert.mine.then(|| view! { " " <span class="badge badge-self" data-testid="alert-mine">"自分の担当"</span> })}
            </th>
            <td>{alert.institution_name.clone()}<br/><span class="number">{alert.institution_code.clone()}</span></td>
            <td>{dates}</td>
            <td>{alert.caseworker_name.clone().unwrap_or_else(|| "未設定".to_string())}</td>
            <td class="alert-actions">
                {retroactive.map(|href| view! {
                    // The ticket form is the office-forms bundle's page: the browser loads it
                    // (`rel="external"`), the router does not push it first.
                    <a href=href class="button" rel="external" data-testid="alert-retroactive">"事後委託の券を発行"</a>
                })}
                <button type="button" class="button" data-testid="alert-handle"
                    aria-expanded=move || open_form.get().to_string()
                    aria-controls=form_id.clone()
                    on:click=move |_| open_form.update(|o| *o = !*o)>"対応済みにする"</button>
                <form id=form_id.clone() class="alert-handle-form" hidden=move || !open_form.get()
                    on:submit=on_submit data-testid="alert-handle-form">
                    <div class="field">
                        <label for=action_id.clone()>"対応内容"</label>
                        <select id=action_id data-testid="alert-action"
                            aria-describedby=move || error.get().map(|_| error_id.clone())
                            on:change=move |ev| action.set(AlertAction::from_code(&event_target_value(&ev)))>
                            <option value="">"選んでください"</option>
                            {actions.iter().map(|a| view! { <option value=a.code()>{a.label_ja()}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for=note_id.clone()>"メモ（対象外のときは理由を必ず）"</label>
                        <textarea id=note_id rows="2" maxlength=NOTE_MAX.to_string() data-testid="alert-note"
                            prop:value=move || note.get()
                            on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                    </div>
                    <button type="submit" class="button button-primary" data-testid="alert-save" disabled=move || busy.get()>
                        "対応済みとして記録"
                    </button>
                    {move || error.get().map(|message| view! {
                        <p class="field-error" role="alert" id=format!("alert-{id}-error") data-testid="alert-error">{message}</p>
                    })}
                </form>
            </td>
        </tr>
    }
}

#[component]
fn HistoryTable(handled: Vec<OfficeAlert>) -> impl IntoView {
    view! {
        <div class="table-wrap" role="region" aria-label="処理済みのアラート" tabindex="0">
            <table class="table" data-testid="alerts-handled">
                <thead>
                    <tr>
                        <th scope="col">"種類"</th>
                        <th scope="col">"受給者"</th>
                        <th scope="col">"医療機関"</th>
                        <th scope="col">"受診日"</th>
                        <th scope="col">"対応内容"</th>
                        <th scope="col">"対応者"</th>
                        <th scope="col">"対応日時"</th>
                    </tr>
                </thead>
                <tbody>
                    {handled.into_iter().map(|alert| {
                        let done = alert.handled.clone();
                        let what = done.as_ref().map(|d| {
                            if d.note.is_empty() {
                                d.action.label_ja().to_string()
                            } else {
                                format!("{}（{}）", d.action.label_ja(), d.note)
                            }
                        });
                        let dates = dates_view(&alert);
                        let recipient_name = alert.recipient_name.clone();
                        view! {
                            <tr data-testid="alert-handled-row" data-id=alert.id.to_string() data-kind=alert.kind.code()>
                                <td>{alert.kind.label_ja()}</td>
                                <th scope="row" class="name">
                                    <A href=format!("/office/recipients/{}", alert.recipient_id)>{recipient_name}</A>
                                </th>
                                <td>{alert.institution_name.clone()}</td>
                                <td>{dates}</td>
                                <td data-testid="alert-handled-action">{what}</td>
                                <td data-testid="alert-handled-by">{done.as_ref().map(|d| d.handled_by.clone())}</td>
                                <td>{done.as_ref().map(|d| instant_ja(&d.handled_at))}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
