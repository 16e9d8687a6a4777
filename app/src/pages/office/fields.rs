//! The pieces every office form shares: which field errors are shown when, a labelled
//! text field with its hint and error (`aria-describedby`), and the summary at the top.
//!
//! An error appears once the person has left the field (or pressed the submit button),
//! and then follows what they type. An error from the server (422 `fields[]`) is shown
//! on its field until that field is edited.

use domain::error::FieldError;
use leptos::prelude::*;

use crate::api::Failure;

/// The state of one form's error display.
#[derive(Debug, Clone, Copy)]
pub struct FormState {
    /// The submit button was pressed once: every error shows.
    pub submitted: RwSignal<bool>,
    touched: RwSignal<Vec<&'static str>>,
    /// Field errors from the server's last answer.
    pub server: RwSignal<Vec<FieldError>>,
    /// A problem that is not about one field (409, network).
    pub general: RwSignal<Option<String>>,
}

impl FormState {
    pub fn new() -> Self {
        FormState {
            submitted: RwSignal::new(false),
            touched: RwSignal::new(Vec::new()),
            server: RwSignal::new(Vec::new()),
            general: RwSignal::new(None),
        }
    }

    /// The person left the field.
    pub fn touch(self, field: &'static str) {
        if !self.touched.with_untracked(|t| t.contains(&field)) {
            self.touched.update(|t| t.push(field));
        }
    }

    /// The person changed the field: the server's word on it no longer applies.
    pub fn edited(self, field: &str) {
        if self
            .server
            .with_untracked(|s| s.iter().any(|e| e.field == field))
        {
            self.server.update(|s| s.retain(|e| e.field != field));
        }
    }

    /// The error to show on `field` now, given the browser's own checks.
    pub fn shown(self, field: &str, client: &[FieldError]) -> Option<String> {
        if let Some(error) = self
            .server
            .with(|s| s.iter().find(|e| e.field == field).cloned())
        {
            return Some(error.message);
        }
        let visible = self.submitted.get() || self.touched.with(|t| t.contains(&field));
        if !visible {
            return None;
        }
        client
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    }

    /// Takes a failed answer apart: field errors onto their fields, the rest on top.
    pub fn failed(self, failure: &Failure) {
        self.submitted.set(true);
        let fields = failure.fields().to_vec();
        if fields.is_empty() {
            self.general.set(Some(failure.message()));
        } else {
            self.general.set(None);
        }
        self.server.set(fields);
    }
}

impl Default for FormState {
    fn default() -> Self {
        Self::new()
    }
}

/// All errors to list at the top after a submit: the server's, then the browser's for
/// fields the server did not mention.
pub fn summary_errors(form: FormState, client: &[FieldError]) -> Vec<FieldError> {
    if !form.submitted.get() {
        return Vec::new();
    }
    let mut all = form.server.get();
    for error in client {
        if !all.iter().any(|e| e.field == error.field) {
            all.push(error.clone());
        }
    }
    all
}

/// The summary at the top of a form (`role="alert"`), each error linking to its field.
#[component]
pub fn ErrorSummary(
    form: FormState,
    client: Memo<Vec<FieldError>>,
    /// Field name → input id, for the links.
    ids: &'static [(&'static str, &'static str)],
) -> impl IntoView {
    let errors = Memo::new(move |_| client.with(|client| summary_errors(form, client)));
    move || {
        let general = form.general.get();
        let errors = errors.get();
        if errors.is_empty() && general.is_none() {
            return ().into_any();
        }
        view! {
            <div class="banner banner-error error-summary" role="alert" data-testid="error-summary">
                {general.map(|message| view! { <p class="banner-text">{message}</p> })}
                {(!errors.is_empty()).then(|| view! {
                    <p class="banner-text">{format!("入力内容を確認してください（{}件）。", errors.len())}</p>
                    <ul>
                        {errors
                            .into_iter()
                            .map(|error| {
                                let href = ids
                                    .iter()
                                    .find(|(field, _)| *field == error.field)
                                    .map(|(_, id)| format!("#{id}"));
                                let text = format!("{}: {}", error.field, error.message);
                                match href {
                                    Some(href) => view! { <li><a href=href>{text}</a></li> }.into_any(),
                                    None => view! { <li>{text}</li> }.into_any(),
                                }
                            })
                            .collect_view()}
                    </ul>
                })}
            </div>
        }
        .into_any()
    }
}

/// A labelled one-line text input with its hint, its error and (optionally) how the
/// input was read (e.g. a date in 和暦).
#[component]
pub fn TextField(
    id: &'static str,
    label: &'static str,
    /// The field's name in `FieldError.field`.
    field: &'static str,
    form: FormState,
    value: RwSignal<String>,
    client: Memo<Vec<FieldError>>,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional)] inputmode: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] readonly: bool,
    /// How the input was read, shown when there is no error.
    #[prop(optional, into)]
    reading: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let error = Memo::new(move |_| client.with(|client| form.shown(field, client)));
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = format!("{hint_id} {error_id}");
    view! {
        <div class="field" class:field-invalid=move || error.with(Option::is_some)>
            <label for=id>
                {label}
                {required.then(|| view! { <span class="required">"（必須）"</span> })}
            </label>
            <input
                id=id
                type="text"
                data-testid=id
                inputmode=(!inputmode.is_empty()).then_some(inputmode)
                autocomplete=if autocomplete.is_empty() { "off" } else { autocomplete }
                aria-describedby=described
                aria-required=required.then_some("true")
                aria-invalid=move || if error.with(Option::is_some) { "true" } else { "false" }
                readonly=readonly
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    form.edited(field);
                }
                on:blur=move |_| form.touch(field)
            />
            <p class="hint" id=hint_id>{hint}</p>
            <p class="field-state" id=error_id data-testid=format!("{id}-error")>
                {move || match error.get() {
                    Some(message) => view! { <span class="field-error">{message}</span> }.into_any(),
                    None => reading
                        .and_then(|reading| reading.get())
                        .map(|words| view! {
                            <span class="field-ok"><span aria-hidden="true">"✓ "</span>{words}</span>
                        })
                        .into_any(),
                }}
            </p>
        </div>
    }
}

/// Today as the server sees it (JST), from the session; the PC clock is not trusted.
pub fn today() -> Option<chrono::NaiveDate> {
    crate::session::use_session().info.with_untracked(|info| {
        info.as_ref()
            .and_then(|info| domain::wareki::parse_iso_date(&info.today))
    })
}
