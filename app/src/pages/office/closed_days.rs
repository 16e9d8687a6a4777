//! `/office/closed-days`: the office's own 閉庁日 (市の創立記念日, 庁舎点検 …). Weekends,
//! national holidays and 年末年始 are closed without an entry. Every office staff member sees
//! the list; the 査察指導員 adds a day (和暦 or 西暦), removes one, or imports a list (one date
//! a line, all or nothing). The 2-開庁日 registration deadlines follow at once.

use domain::api::{ClosedDayImport, ClosedDayInput, ClosedDayItem, ClosedDayList};
use domain::closed_days::parse_entry;
use domain::error::FieldError;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::fields::{FormState, TextField};
use crate::api::{self, Failure};
use crate::components::{DateJa, LoadError, Loading, PageHeading};
use crate::session::use_session;

#[component]
pub fn ClosedDaysPage() -> impl IntoView {
    let session = use_session();
    let list = RwSignal::new(None::<Result<ClosedDayList, Failure>>);
    let load = move || {
        spawn_local(async move {
            list.set(Some(session.check(api::office_closed_days().await)));
        });
    };
    load();
    let done = RwSignal::new(None::<String>);
    let updated = Callback::new(move |(l, message): (ClosedDayList, String)| {
        list.set(Some(Ok(l)));
        done.set(Some(message));
    });
    view! {
        <section class="page">
            <PageHeading title="閉庁日の設定" testid="closed-days-heading"/>
            <p class="lead">
                "土曜日・日曜日・祝日と年末年始は、登録しなくても閉庁日として扱います。"
                "ここには事務所独自の閉庁日（市の創立記念日など）を登録します。"
                "資格登録の期限（2開庁日）にすぐ反映されます。"
            </p>
            <p role="status" class="notice-ok" data-testid="closed-days-done" hidden=move || done.with(Option::is_none)>
                {move || done.get()}
            </p>
            {move || match list.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(failure)) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| load())/>
                }
                .into_any(),
                Some(Ok(l)) => view! { <ClosedDaysView list=l updated=updated/> }.into_any(),
            }}
        </section>
    }
}

/// The first message of a failure: a field's, else the general one.
fn first_message(failure: &Failure) -> String {
    failure
        .fields()
        .first()
        .map(|f| f.message.clone())
        .unwrap_or_else(|| failure.message())
}

#[component]
fn ClosedDaysView(
    list: ClosedDayList,
    updated: Callback<(ClosedDayList, String)>,
) -> impl IntoView {
    let may_edit = list.may_edit;
    let year_end = list.year_end.clone();
    let count = list.days.len();
    let table = if list.days.is_empty() {
        view! { <p data-testid="closed-days-empty">"事務所独自の閉庁日は登録されていません。"</p> }
            .into_any()
    } else {
        let caption = format!("事務所独自の閉庁日（{count}日）");
        let region_label = caption.clone();
        view! {
            <div class="table-wrap" role="region" aria-label=region_label tabindex="0">
                <table class="table" data-testid="closed-days-table">
                    <caption>{caption}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"日付"</th>
                            <th scope="col">"名称"</th>
                            <th scope="col">"登録"</th>
                            {may_edit.then(|| view! { <th scope="col">"操作"</th> })}
                        </tr>
                    </thead>
                    <tbody>
                        {list.days.into_iter().map(|d| view! { <DayRow day=d may_edit=may_edit updated=updated/> }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <p class="hint">{format!("年末年始: {year_end}")}</p>
        {table}
        {if may_edit {
            view! { <AddForm updated=updated/> <ImportForm updated=updated/> }.into_any()
        } else {
            view! { <p class="notice" data-testid="closed-days-readonly">"閉庁日の追加・削除は査察指導員が行います。"</p> }.into_any()
        }}
    }
}

#[component]
fn DayRow(
    day: ClosedDayItem,
    may_edit: bool,
    updated: Callback<(ClosedDayList, String)>,
) -> impl IntoView {
    let session = use_session();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let date = day.date.clone();
    let label = domain::wareki::format_iso_date(&day.date);
    let remove = move |_| {
        let date = date.clone();
        let label = label.clone();
        busy.set(true);
        spawn_local(async move {
            let result = session.check(api::office_remove_closed_day(&date).await);
            busy.set(false);
            match result {
                Ok(l) => updated.run((l, format!("{label} を閉庁日から削除しました。"))),
                Err(failure) => error.set(Some(first_message(&failure))),
            }
        });
    };
    let name = if day.reason.is_empty() {
        "（名称なし）".to_string()
    } else {
        day.reason.clone()
    };
    let delete_label = format!("{} を削除", domain::wareki::format_iso_date(&day.date));
    view! {
        <tr data-testid="closed-day-row">
            <th scope="row"><DateJa iso=day.date.clone()/></th>
            <td>
                {name}
                {day.also.map(|also| view! { <span class="hint">{format!("（{also}のため登録がなくても閉庁日です）")}</span> })}
            </td>
            <td class="hint">
                {format!("{} {}", crate::format::instant_ja(&day.created_at), day.created_by)}
            </td>
            {may_edit.then(|| view! {
                <td>
                    <button type="button" class="button button-quiet" aria-label=delete_label
                        data-testid="closed-day-remove" disabled=move || busy.get() on:click=remove>"削除"</button>
                    {move || error.get().map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                </td>
            })}
        </tr>
    }
}

#[component]
fn AddForm(updated: Callback<(ClosedDayList, String)>) -> impl IntoView {
    let session = use_session();
    let form = FormState::new();
    let date = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let client = Memo::new(move |_| match parse_entry(&date.get(), &reason.get()) {
        Ok(_) => Vec::<FieldError>::new(),
        Err(errors) => errors,
    });
    let reading = Signal::derive(move || {
        domain::wareki::parse_date_input(&date.get())
            .ok()
            .map(domain::wareki::format_date)
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.submitted.set(true);
        if !client.with_untracked(Vec::is_empty) {
            return;
        }
        let request = ClosedDayInput {
            date: date.get_untracked(),
            reason: reason.get_untracked(),
        };
        let shown = reading.get_untracked().unwrap_or_default();
        busy.set(true);
        spawn_local(async move {
            let result = session.check(api::office_add_closed_day(&request).await);
            busy.set(false);
            match result {
                Ok(l) => {
                    date.set(String::new());
                    reason.set(String::new());
                    form.submitted.set(false);
                    updated.run((l, format!("{shown} を閉庁日に追加しました。")));
                }
                Err(failure) => form.failed(&failure),
            }
        });
    };
    view! {
        <section aria-labelledby="closed-day-add-title">
            <h2 id="closed-day-add-title">"閉庁日を追加"</h2>
            <form on:submit=on_submit data-testid="closed-day-form" novalidate=true>
                <TextField id="closed-day-date" label="日付" field=domain::closed_days::FIELD_DATE form=form value=date client=client
                    required=true hint="例: 令和7年6月24日、R7.6.24、2025-06-24" reading=reading/>
                <TextField id="closed-day-reason" label="名称" field=domain::closed_days::FIELD_REASON form=form value=reason client=client
                    required=true hint="例: 市の創立記念日"/>
                {move || form.general.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                <button type="submit" class="button button-primary" data-testid="closed-day-add" disabled=move || busy.get()>"追加"</button>
            </form>
        </section>
    }
}

#[component]
fn ImportForm(updated: Callback<(ClosedDayList, String)>) -> impl IntoView {
    let session = use_session();
    let text = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The same check as the server: nothing is sent while a line is wrong.
        let typed = text.get_untracked();
        if let Err(found) = domain::closed_days::parse_list(&typed) {
            errors.set(found.into_iter().map(|e| e.message).collect());
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = session
                .check(api::office_import_closed_days(&ClosedDayImport { text: typed }).await);
            busy.set(false);
            match result {
                Ok(l) => {
                    errors.set(Vec::new());
                    text.set(String::new());
                    updated.run((l, "閉庁日の一覧を取り込みました。".to_string()));
                }
                Err(failure) => {
                    let fields: Vec<String> =
                        failure.fields().iter().map(|f| f.message.clone()).collect();
                    errors.set(if fields.is_empty() {
                        vec![failure.message()]
                    } else {
                        fields
                    });
                }
            }
        });
    };
    view! {
        <section aria-labelledby="closed-day-import-title">
            <h2 id="closed-day-import-title">"一覧から取り込む"</h2>
            <form on:submit=on_submit data-testid="closed-day-import-form" novalidate=true>
                <div class="field" class:field-invalid=move || !errors.with(Vec::is_empty)>
                    <label for="closed-day-import">"閉庁日の一覧（1行に1日）"</label>
                    <textarea id="closed-day-import" data-testid="closed-day-import" rows="6"
                        aria-describedby="closed-day-import-hint closed-day-import-errors"
                        aria-invalid=move || if errors.with(Vec::is_empty) { "false" } else { "true" }
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                    <p class="hint" id="closed-day-import-hint">
                        "「日付,名称」または日付だけを1行に1日。CSVの見出し行「日付,名称」と # で始まる行は読み飛ばします。"
                        "1行でも誤りがあれば何も登録しません。登録済みの日付は名称を更新します。"
                    </p>
                    <div id="closed-day-import-errors" data-testid="closed-day-import-errors">
                        {move || (!errors.with(Vec::is_empty)).then(|| view! {
                            <ul class="field-error" role="alert">
                                {errors.get().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                            </ul>
                        })}
                    </div>
                </div>
                <button type="submit" class="button" data-testid="closed-day-import-submit" disabled=move || busy.get()>"取り込む"</button>
            </form>
        </section>
    }
}
