//! 資格: today's status, the history of 保護開始・再開・停止・廃止 with each registration's
//! due date (2 開庁日 after the decision), pending decisions to register or withdraw, and
//! the form for a new decision.

use domain::api::{
    QualificationEventView, QualificationRequest, ReasonRequest, RecipientDetail, RegistrationState,
};
use domain::error::FieldError;
use domain::qualification::{
    CoveredPeriod, QualificationKind, FIELD_DECISION, FIELD_EFFECTIVE, FIELD_KIND,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::fields::{today, ErrorSummary, FormState, TextField};
use crate::api;
use crate::components::{DateJa, DateRangeJa};
use crate::session::use_session;

const IDS: &[(&str, &str)] = &[
    (FIELD_KIND, "q-kind"),
    (FIELD_EFFECTIVE, "q-effective"),
    (FIELD_DECISION, "q-decision"),
];

#[component]
pub fn QualificationPanel(
    detail: Memo<Option<RecipientDetail>>,
    updated: Callback<RecipientDetail>,
) -> impl IntoView {
    let session = use_session();
    let today = today();
    let today_text = today.map(|d| d.to_string()).unwrap_or_default();
    let kind = RwSignal::new(QualificationKind::Start);
    let effective = RwSignal::new(today_text.clone());
    let decision = RwSignal::new(today_text);
    let register_now = RwSignal::new(true);
    let form = FormState::new();
    let busy = RwSignal::new(false);
    let done = RwSignal::new(None::<String>);

    let client = Memo::new(move |_| {
        let mut errors = Vec::new();
        let mut check = |value: String, field: &str| match domain::wareki::parse_date_input(&value)
        {
            Ok(date) => Some(date),
            Err(e) => {
                errors.push(FieldError::new(field, e.message()));
                None
            }
        };
        let _ = check(effective.get(), FIELD_EFFECTIVE);
        if let (Some(date), Some(today)) = (check(decision.get(), FIELD_DECISION), today) {
            if date > today {
                errors.push(FieldError::new(
                    FIELD_DECISION,
                    "決定日は今日以前の日付にしてください。",
                ));
            }
        }
        errors
    });
    let reading = |value: RwSignal<String>| {
        Signal::derive(move || {
            domain::wareki::parse_date_input(&value.get())
                .ok()
                .map(domain::wareki::format_date)
        })
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.submitted.set(true);
        form.general.set(None);
        done.set(None);
        let Some(id) = detail.with_untracked(|d| d.as_ref().map(|d| d.id)) else {
            return;
        };
        if busy.get_untracked() || !client.with_untracked(Vec::is_empty) {
            return;
        }
        let request = QualificationRequest {
            kind: kind.get_untracked(),
            effective_date: effective.get_untracked(),
            decision_date: decision.get_untracked(),
            register: register_now.get_untracked(),
        };
        let label = request.kind.label_ja();
        busy.set(true);
        spawn_local(async move {
            let result = api::office_record_qualification(id, &request).await;
            busy.set(false);
            match session.check(result) {
                Ok(d) => {
                    form.submitted.set(false);
                    done.set(Some(if request.register {
                        format!("{label}を登録しました。")
                    } else {
                        format!("{label}の決定を記録しました。期限までに資格を登録してください。")
                    }));
                    updated.run(d);
                }
                Err(failure) => form.failed(&failure),
            }
        });
    };

    view! {
        <section class="qualification" aria-labelledby="qualification-title" data-testid="qualification">
            <h2 id="qualification-title">"資格"</h2>
            {move || detail.get().map(|d| view! {
                <p class="status-line" data-testid="qualification-status">
                    {format!("現在の資格: {}", d.qualification_status.label_ja())}
                </p>
                <Periods periods=d.qualification_periods.clone()/>
                {(!d.transfers.is_empty()).then(|| view! {
                    <ul class="plain-list" data-testid="qualification-transfers">
                        {d.transfers.iter().map(|t| view! {
                            <li>{format!("{}: {}（転居。その事務所の資格と医療券はその事務所だけが見られます）", t.direction_label, t.office_name)}</li>
                        }).collect_view()}
                    </ul>
                })}
                <History events=d.qualification_history updated=updated/>
            })}
            <form class="form office-form" novalidate=true on:submit=on_submit data-testid="qualification-form">
                <h3>"資格の異動を登録"</h3>
                <ErrorSummary form=form client=client ids=IDS/>
                <div class="field">
                    <label for="q-kind">"異動の種類"</label>
                    <select id="q-kind" data-testid="q-kind"
                        on:change=move |ev| {
                            if let Some(k) = QualificationKind::from_code(&event_target_value(&ev)) {
                                kind.set(k);
                            }
                            form.edited(FIELD_KIND);
                        }>
                        {QualificationKind::ALL.iter().map(|k| view! {
                            <option value=k.code() selected=move || kind.get() == *k>{k.label_ja()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <TextField id="q-effective" label="効力発生日（開始・再開日 / 停止・廃止日）" field=FIELD_EFFECTIVE form=form
                    value=effective client=client required=true hint="西暦・和暦どちらでも" reading=reading(effective)/>
                <TextField id="q-decision" label="決定日" field=FIELD_DECISION form=form value=decision client=client
                    required=true hint="資格の登録期限は決定日の2開庁日後です" reading=reading(decision)/>
                <label class="check">
                    <input type="checkbox" data-testid="q-register" bind:checked=register_now/>
                    "今すぐ資格を登録する（外すと決定のみ記録し、期限一覧に載ります）"
                </label>
                <div class="button-row"><button type="submit" class="button button-primary" data-testid="q-submit" disabled=move || busy.get()>"登録する"</button></div>
                <p role="status" class="notice-ok" data-testid="q-done" hidden=move || done.with(Option::is_none)>{move || done.get()}</p>
            </form>
        </section>
    }
}

/// The covered periods the registered decisions give: what a clinic's verification answers
/// from (each period's first and last day included).
#[component]
fn Periods(periods: Vec<CoveredPeriod>) -> impl IntoView {
    if periods.is_empty() {
        return view! { <p class="muted" data-testid="qualification-periods">"資格のある期間: なし"</p> }.into_any();
    }
    view! {
        <div data-testid="qualification-periods">
            <p class="field-label">"資格のある期間（医療機関の資格確認はこの期間で判定します）"</p>
            <ul class="plain-list">
                {periods.into_iter().map(|p| view! {
                    <li data-testid="qualification-period">
                        <DateRangeJa from=Some(p.from.to_string()) until=p.until.map(|u| u.to_string())/>
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
    .into_any()
}

#[component]
fn History(
    events: Vec<QualificationEventView>,
    updated: Callback<RecipientDetail>,
) -> impl IntoView {
    if events.is_empty() {
        return view! { <p class="empty" data-testid="qualification-empty">"資格の異動はまだありません。"</p> }.into_any();
    }
    view! {
        <div class="table-wrap" role="region" aria-label="資格の履歴" tabindex="0">
            <table class="table" data-testid="qualification-history">
                <caption>"資格の履歴（古い順）"</caption>
                <thead>
                    <tr>
                        <th scope="col">"異動"</th>
                        <th scope="col">"効力発生日"</th>
                        <th scope="col">"決定日"</th>
                        <th scope="col">"登録期限"</th>
                        <th scope="col">"状態"</th>
                        <th scope="col">"操作"</th>
                    </tr>
                </thead>
                <tbody>
                    {events.into_iter().map(|e| view! { <EventRow event=e updated=updated/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn EventRow(event: QualificationEventView, updated: Callback<RecipientDetail>) -> impl IntoView {
    let session = use_session();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let withdrawing = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let event_id = event.id;
    let state = match event.state {
        RegistrationState::Registered => {
            let at = event
                .registered_at
                .as_deref()
                .map(crate::format::instant_ja)
                .unwrap_or_default();
            let late = if event.registered_late {
                "（期限後）"
            } else {
                ""
            };
            format!("登録済み {at}{late}")
        }
        RegistrationState::Pending => format!(
            "登録待ち（{}）",
            event.deadline.map(|d| d.label_ja()).unwrap_or("期限前")
        ),
        RegistrationState::Withdrawn => format!(
            "取り下げ（{}）",
            event.withdraw_reason.clone().unwrap_or_default()
        ),
    };
    let pending = event.state == RegistrationState::Pending;
    let register = move |_| {
        busy.set(true);
        spawn_local(async move {
            let result = api::office_register_qualification(event_id).await;
            busy.set(false);
            match session.check(result) {
                Ok(d) => updated.run(d),
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    let withdraw = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = ReasonRequest {
            reason: reason.get_untracked(),
        };
        busy.set(true);
        spawn_local(async move {
            let result = api::office_withdraw_qualification(event_id, &request).await;
            busy.set(false);
            match session.check(result) {
                Ok(d) => updated.run(d),
                Err(failure) => error.set(Some(
                    failure
                        .fields()
                        .first()
                        .map(|f| f.message.clone())
                        .unwrap_or_else(|| failure.message()),
                )),
            }
        });
    };
    let reason_id = format!("withdraw-reason-{event_id}");
    view! {
        <tr data-testid="qualification-row">
            <th scope="row">{event.kind_label}</th>
            <td><DateJa iso=event.effective_date/></td>
            <td><DateJa iso=event.decision_date/></td>
            <td><DateJa iso=event.due_date/></td>
            <td>
                {state}
                {event.origin_label.clone().map(|o| view! { <span class="muted block">{o}</span> })}
            </td>
            <td>
                {pending.then(|| view! {
                    <div class="button-row">
                        <button type="button" class="button" on:click=register disabled=move || busy.get()>"資格を登録"</button>
                        <button type="button" class="button button-quiet" on:click=move |_| withdrawing.set(true)>"取り下げ"</button>
                    </div>
                })}
                {move || withdrawing.get().then(|| {
                    let reason_id = reason_id.clone();
                    view! {
                        <form class="inline-form" on:submit=withdraw>
                            <label for=reason_id.clone()>"取り下げの理由"</label>
                            <input id=reason_id type="text" autocomplete="off"
                                prop:value=move || reason.get()
                                on:input=move |ev| reason.set(event_target_value(&ev))/>
                            <button type="submit" class="button" disabled=move || busy.get()>"取り下げる"</button>
                        </form>
                    }
                })}
                {move || error.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
            </td>
        </tr>
    }
}
