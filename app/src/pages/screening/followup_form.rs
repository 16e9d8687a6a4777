//! What the caseworker did about a candidate (主治医確認, 嘱託医協議, 指導, 対象外 with a
//! note), with last month's follow-up for the same recipient and institution beside it.

use domain::api::{Category, Followup, FollowupAction, FollowupRequest};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{followups_for, use_followups};
use crate::api;
use crate::format::instant_ja;
use crate::session::use_session;

/// Longest note the server keeps.
pub const NOTE_MAX: usize = 1000;

/// What is wrong with a follow-up's note (also an alert's): 対象外 needs its reason, and the
/// server keeps [`NOTE_MAX`] characters. `text` is trimmed.
pub fn note_problem(needs_note: bool, text: &str) -> Option<String> {
    if needs_note && text.is_empty() {
        return Some("対象外とするときは、理由をメモに書いてください。".to_string());
    }
    (text.chars().count() > NOTE_MAX).then(|| format!("メモは{NOTE_MAX}文字以内で書いてください。"))
}

#[component]
pub fn FollowupForm(
    recipient_number: String,
    recipient_name: String,
    institution_code: Option<String>,
    category: Option<Category>,
    month: String,
) -> impl IntoView {
    let session = use_session();
    let followups = use_followups();
    let id = format!(
        "followup-{}-{}",
        recipient_number,
        institution_code.as_deref().unwrap_or("all")
    );
    let action = RwSignal::new(None::<FollowupAction>);
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let records = {
        let number = recipient_number.clone();
        let code = institution_code.clone();
        move |previous: bool| -> Vec<Followup> {
            followups.map_or_else(Vec::new, |context| {
                context.list.with(|list| {
                    list.as_ref().map_or_else(Vec::new, |list| {
                        let source = if previous {
                            &list.previous
                        } else {
                            &list.followups
                        };
                        followups_for(source, &number, code.as_deref())
                            .cloned()
                            .collect()
                    })
                })
            })
        }
    };
    let previous_month = move || {
        followups
            .and_then(|c| {
                c.list
                    .with(|l| l.as_ref().map(|l| l.previous_month.clone()))
            })
            .and_then(|month| crate::format::year_month(&month))
            .map_or_else(
                || "前月".to_string(),
                |(year, month)| format!("前月（{}）", domain::wareki::format_month(year, month)),
            )
    };

    let on_submit = {
        let recipient_number = recipient_number.clone();
        let institution_code = institution_code.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            saved.set(None);
            let Some(chosen) = action.get_untracked() else {
                error.set(Some("対応を選んでください。".to_string()));
                return;
            };
            let text = note.get_untracked().trim().to_string();
            if let Some(problem) = note_problem(chosen.needs_note(), &text) {
                error.set(Some(problem));
                return;
            }
            error.set(None);
            busy.set(true);
            let request = FollowupRequest {
                recipient_number: recipient_number.clone(),
                institution_code: institution_code.clone(),
                month: month.clone(),
                category,
                action: chosen,
                note: text,
            };
            spawn_local(async move {
                match session.check(api::office_add_followup(&request).await) {
                    Ok(saved_followup) => {
                        saved.try_set(Some(format!(
                            "「{}」を記録しました。",
                            saved_followup.action.label_ja()
                        )));
                        note.try_set(String::new());
                        if let Some(context) = followups {
                            context.reload();
                        }
                    }
                    Err(failure) => {
                        let detail = failure
                            .fields()
                            .iter()
                            .map(|f| f.message.clone())
                            .collect::<Vec<_>>()
                            .join(" ");
                        let message = if detail.is_empty() {
                            failure.message()
                        } else {
                            detail
                        };
                        error.try_set(Some(message));
                    }
                }
                busy.try_set(false);
            });
        }
    };

    let list_view = move |items: Vec<Followup>| {
        items
            .into_iter()
            .map(|f| {
                view! {
                    <li data-testid="followup-item">
                        <strong>{f.action.label_ja()}</strong>
                        {(!f.note.is_empty()).then(|| format!("「{}」", f.note))}
                        <span class="muted">{format!("（{}、{}）", f.recorded_by, instant_ja(&f.recorded_at))}</span>
                    </li>
                }
            })
            .collect_view()
    };
    let this_month = {
        let records = records.clone();
        move || {
            let items = records(false);
            if items.is_empty() {
                view! { <p class="muted">"今月の対応はまだ記録されていません。"</p> }.into_any()
            } else {
                view! { <ul class="followup-list" data-testid="followups-this-month">{list_view(items)}</ul> }.into_any()
            }
        }
    };
    let last_month = move || {
        let items = records(true);
        if items.is_empty() {
            view! { <p class="muted" data-testid="followups-previous">{format!("{}の対応: 記録なし", previous_month())}</p> }.into_any()
        } else {
            view! {
                <div data-testid="followups-previous">
                    <p>{format!("{}の対応:", previous_month())}</p>
                    <ul class="followup-list">{list_view(items)}</ul>
                </div>
            }
            .into_any()
        }
    };

    let action_id = format!("{id}-action");
    let note_id = format!("{id}-note");
    let error_id = format!("{id}-error");
    view! {
        <section class="followup" data-testid="followup">
            <h4>{format!("{recipient_name}さんへの対応")}</h4>
            {last_month}
            {this_month}
            <form class="followup-form" on:submit=on_submit data-testid="followup-form">
                <div class="field">
                    <label for=action_id.clone()>"対応"</label>
                    <select
                        id=action_id
                        data-testid="followup-action"
                        aria-describedby=move || error.get().map(|_| error_id.clone())
                        on:change=move |ev| action.set(FollowupAction::from_code(&event_target_value(&ev)))
                    >
                        <option value="">"選んでください"</option>
                        {FollowupAction::ALL
                            .iter()
                            .map(|a| view! { <option value=a.code()>{a.label_ja()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for=note_id.clone()>"メモ（対象外のときは理由を必ず）"</label>
                    <textarea
                        id=note_id
                        rows="2"
                        maxlength=NOTE_MAX.to_string()
                        data-testid="followup-note"
                        prop:value=move || note.get()
                        on:input=move |ev| note.set(event_target_value(&ev))
                    ></textarea>
                </div>
                <button type="submit" class="button button-primary" data-testid="followup-save" disabled=move || busy.get()>
                    "対応を記録"
                </button>
            </form>
            {move || error.get().map(|message| view! {
                <p class="field-error" role="alert" id=format!("{id}-error") data-testid="followup-error">{message}</p>
            })}
            {move || saved.get().map(|message| view! {
                <p class="saved" role="status" data-testid="followup-saved">{message}</p>
            })}
        </section>
    }
}
