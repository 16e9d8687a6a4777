//! 番号入力: 公費負担者番号 + 受給者番号 + 生年月日, checked as the receptionist types
//! with the same domain code the server uses (全角 digits, spaces and hyphens accepted;
//! 生年月日 in 和暦 or 西暦). Enter submits; the first field has focus.

use domain::error::FieldError;
use domain::numbers::{normalize_digits, PublicPayerNumber, RecipientNumber};
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Shown;
use crate::components::card_reader::focus_after_render;
use crate::components::{ErrorBanner, Loading};
use crate::reception::{Reception, VerifyError};

/// The state of one field as typed so far.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FieldState {
    /// Nothing to say yet (still typing).
    Quiet,
    /// Valid; the words confirm what was understood.
    Ok(String),
    Error(String),
}

fn office_state(value: &str, show_errors: bool) -> FieldState {
    match PublicPayerNumber::parse(value) {
        Ok(_) => FieldState::Ok("検証番号 OK".to_string()),
        Err(e) if show_errors || normalize_digits(value).chars().count() >= 8 => {
            FieldState::Error(e.message())
        }
        Err(_) => FieldState::Quiet,
    }
}

fn recipient_state(value: &str, show_errors: bool) -> FieldState {
    match RecipientNumber::parse(value) {
        Ok(_) => FieldState::Ok("検証番号 OK".to_string()),
        Err(e) if show_errors || normalize_digits(value).chars().count() >= 7 => {
            FieldState::Error(e.message())
        }
        Err(_) => FieldState::Quiet,
    }
}

fn birth_state(value: &str, show_errors: bool, today: chrono::NaiveDate) -> FieldState {
    match domain::wareki::parse_date_input(value) {
        Ok(date) if date > today => {
            FieldState::Error("生年月日が今日より後の日付です。確認してください。".to_string())
        }
        Ok(date) => FieldState::Ok(format!(
            "{} と読み取りました",
            domain::wareki::format_date(date)
        )),
        Err(e) if show_errors => FieldState::Error(e.message()),
        Err(_) => FieldState::Quiet,
    }
}

#[component]
pub(super) fn NumberForm(reception: Reception, shown: RwSignal<Option<Shown>>) -> impl IntoView {
    let office = RwSignal::new(String::new());
    let recipient = RwSignal::new(String::new());
    let birth = RwSignal::new(String::new());
    let touched = RwSignal::new([false; 3]);
    let submitted = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let server_errors = RwSignal::new(Vec::<FieldError>::new());
    let office_input = NodeRef::<html::Input>::new();
    let recipient_input = NodeRef::<html::Input>::new();
    let birth_input = NodeRef::<html::Input>::new();
    focus_after_render(office_input);

    let show =
        move |i: usize| submitted.get() || touched.with(|t| t.get(i).copied().unwrap_or(false));
    let server_error = move |field: &'static str| {
        server_errors.with(|errors| {
            errors
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone())
        })
    };
    let office_view = Memo::new(move |_| match server_error(PublicPayerNumber::FIELD) {
        Some(message) => FieldState::Error(message),
        None => office_state(&office.get(), show(0)),
    });
    let recipient_view = Memo::new(move |_| match server_error(RecipientNumber::FIELD) {
        Some(message) => FieldState::Error(message),
        None => recipient_state(&recipient.get(), show(1)),
    });
    let birth_view = Memo::new(move |_| match server_error(domain::api::FIELD_BIRTH_DATE) {
        Some(message) => FieldState::Error(message),
        None => birth_state(&birth.get(), show(2), reception.today()),
    });
    let touch = move |i: usize| {
        move |_| {
            touched.update(|t| {
                if let Some(flag) = t.get_mut(i) {
                    *flag = true;
                }
            })
        }
    };
    // Typing again clears what the server said about the earlier input.
    let edited = move || server_errors.set(Vec::new());

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        submitted.set(true);
        error.set(None);
        let states = [
            (office_view.get_untracked(), office_input),
            (recipient_view.get_untracked(), recipient_input),
            (birth_view.get_untracked(), birth_input),
        ];
        if let Some((_, input)) = states
            .iter()
            .find(|(state, _)| !matches!(state, FieldState::Ok(_)))
        {
            error.set(Some("入力内容を確認してください。".to_string()));
            if let Some(input) = input.get_untracked() {
                let _ = input.focus();
            }
            return;
        }
        busy.set(true);
        shown.set(None);
        let (o, r, b) = (
            office.get_untracked(),
            recipient.get_untracked(),
            birth.get_untracked(),
        );
        spawn_local(async move {
            match reception.verify_number(o, r, b).await {
                Ok(answer) => shown.set(Some(Shown::from(answer))),
                Err(VerifyError::Fields(errors)) => {
                    server_errors.set(errors);
                    error.set(Some("入力内容を確認してください。".to_string()));
                }
                Err(VerifyError::Message(message)) => error.set(Some(message)),
            }
            busy.set(false);
        });
    };

    view! {
        <form class="form verify-form" on:submit=on_submit novalidate=true data-testid="verify-number-form">
            <p class="hint">
                "医療券・調剤券や保護受給証の番号を入力して Enter で確認します。全角数字・ハイフン・空白はそのままで構いません。"
            </p>
            // 番号入力 always goes with 本人確認 (seed report §2.2.11): a number alone is no proof.
            <p class="notice identity-reminder" data-testid="identity-reminder">
                <strong>"本人確認をしてから入力してください。"</strong>
                " 保護決定通知書（または福祉事務所の「資格確認のご案内」・保護受給証）を見せてもらい、氏名と生年月日がご本人と合うことを確かめます。"
            </p>
            {move || error.get().map(|message| view! { <ErrorBanner message=message/> })}
            <div class="verify-fields">
                <Field
                    id="verify-office"
                    label="公費負担者番号（8桁）"
                    hint="例: 12131017"
                    testid="verify-office"
                    inputmode="numeric"
                    value=office
                    state=office_view
                    node_ref=office_input
                    on_blur=Callback::new(touch(0))
                    on_edit=Callback::new(move |_| edited())
                />
                <Field
                    id="verify-recipient"
                    label="受給者番号（7桁）"
                    hint="例: 1234566"
                    testid="verify-recipient"
                    inputmode="numeric"
                    value=recipient
                    state=recipient_view
                    node_ref=recipient_input
                    on_blur=Callback::new(touch(1))
                    on_edit=Callback::new(move |_| edited())
                />
                <Field
                    id="verify-birth"
                    label="生年月日（和暦・西暦）"
                    hint="例: S35.4.1 / 昭和35年4月1日 / 1960-04-01"
                    testid="verify-birth"
                    inputmode="text"
                    value=birth
                    state=birth_view
                    node_ref=birth_input
                    on_blur=Callback::new(touch(2))
                    on_edit=Callback::new(move |_| edited())
                />
            </div>
            <div class="button-row">
                <button type="submit" class="button button-primary button-large" data-testid="verify-submit" disabled=move || busy.get()>
                    {move || if busy.get() { "確認しています…" } else { "資格を確認する（Enter）" }}
                </button>
            </div>
            {move || busy.get().then(|| view! { <Loading text="資格を確認しています…"/> })}
        </form>
    }
}

#[component]
#[allow(clippy::too_many_arguments)]
fn Field(
    id: &'static str,
    label: &'static str,
    hint: &'static str,
    testid: &'static str,
    inputmode: &'static str,
    value: RwSignal<String>,
    state: Memo<FieldState>,
    node_ref: NodeRef<html::Input>,
    on_blur: Callback<()>,
    on_edit: Callback<()>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let state_id = format!("{id}-state");
    let described = format!("{hint_id} {state_id}");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                type="text"
                inputmode=inputmode
                autocomplete="off"
                spellcheck="false"
                data-testid=testid
                aria-describedby=described
                aria-invalid=move || if matches!(state.get(), FieldState::Error(_)) { "true" } else { "false" }
                node_ref=node_ref
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    on_edit.run(());
                }
                on:blur=move |_| on_blur.run(())
            />
            <p class="hint" id=hint_id>{hint}</p>
            <p id=state_id class="field-state" aria-live="polite" data-testid=format!("{testid}-state")>
                {move || match state.get() {
                    FieldState::Quiet => ().into_any(),
                    FieldState::Ok(words) => view! {
                        <span class="field-ok"><span aria-hidden="true">"✓ "</span>{words}</span>
                    }
                    .into_any(),
                    FieldState::Error(message) => view! {
                        <span class="field-error">{message}</span>
                    }
                    .into_any(),
                }}
            </p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_speak_up_only_when_there_is_something_to_say() {
        let today = chrono::NaiveDate::from_ymd_opt(2024, 4, 10).unwrap_or_default();
        assert_eq!(office_state("1213", false), FieldState::Quiet);
        assert!(matches!(office_state("12131017", false), FieldState::Ok(_)));
        assert!(matches!(
            office_state("１２１３１０１７", false),
            FieldState::Ok(_)
        ));
        // The last digit typed, wrong 検証番号: said at once.
        assert!(
            matches!(office_state("12131018", false), FieldState::Error(m) if m.contains("検証番号"))
        );
        assert!(matches!(office_state("1213", true), FieldState::Error(_)));
        assert!(matches!(
            recipient_state("123-4566", false),
            FieldState::Ok(_)
        ));
        assert!(matches!(
            recipient_state("1234567", false),
            FieldState::Error(_)
        ));
        assert!(
            matches!(birth_state("S35.4.1", false, today), FieldState::Ok(w) if w.contains("昭和35年4月1日"))
        );
        assert_eq!(birth_state("S35", false, today), FieldState::Quiet);
        assert!(matches!(
            birth_state("S35", true, today),
            FieldState::Error(_)
        ));
        assert!(matches!(
            birth_state("2024-04-11", false, today),
            FieldState::Error(_)
        ));
    }
}
