//! `/login`: two tabs — 職員・医療機関の方 (login ID + password) and
//! マイナンバーカードでログイン (the recipient's card, see `card_login`).
//! Once signed in, either way, the page moves to the role's home.

use domain::api::LoginRequest;
use domain::error::FieldError;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use crate::api;
use crate::components::{ErrorBanner, PageHeading};
use crate::pages::card_login::CardLogin;
use crate::session::{home_path, use_session};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Staff,
    Card,
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(role) = session.role() {
            if crate::app::leave_for(home_path(role)) {
                return;
            }
            navigate(
                home_path(role),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });

    let tab = RwSignal::new(Tab::Staff);
    let staff_tab = NodeRef::<html::Button>::new();
    let card_tab = NodeRef::<html::Button>::new();
    // Arrow keys move between tabs (WAI-ARIA tabs pattern, automatic activation).
    let on_tab_key = move |ev: KeyboardEvent| {
        let next = match ev.key().as_str() {
            "ArrowLeft" | "ArrowRight" => match tab.get_untracked() {
                Tab::Staff => Tab::Card,
                Tab::Card => Tab::Staff,
            },
            "Home" => Tab::Staff,
            "End" => Tab::Card,
            _ => return,
        };
        ev.prevent_default();
        tab.set(next);
        let target = if next == Tab::Staff {
            staff_tab
        } else {
            card_tab
        };
        if let Some(button) = target.get_untracked() {
            let _ = button.focus();
        }
    };
    let selected = move |which: Tab| move || if tab.get() == which { "true" } else { "false" };
    let tab_index = move |which: Tab| move || if tab.get() == which { "0" } else { "-1" };

    view! {
        <section class="page login-page">
            <PageHeading title="ログイン" testid="login-heading"/>
            <div class="tabs">
                <div class="tab-list" role="tablist" aria-label="ログインの方法" on:keydown=on_tab_key>
                    <button
                        type="button"
                        role="tab"
                        id="tab-staff"
                        class="tab"
                        aria-controls="panel-staff"
                        aria-selected=selected(Tab::Staff)
                        tabindex=tab_index(Tab::Staff)
                        data-testid="login-tab-staff"
                        node_ref=staff_tab
                        on:click=move |_| tab.set(Tab::Staff)
                    >
                        "職員・医療機関の方"
                    </button>
                    <button
                        type="button"
                        role="tab"
                        id="tab-card"
                        class="tab"
                        aria-controls="panel-card"
                        aria-selected=selected(Tab::Card)
                        tabindex=tab_index(Tab::Card)
                        data-testid="login-tab-card"
                        node_ref=card_tab
                        on:click=move |_| tab.set(Tab::Card)
                    >
                        "マイナンバーカードでログイン"
                    </button>
                </div>
                <div
                    role="tabpanel"
                    id="panel-staff"
                    class="tab-panel"
                    aria-labelledby="tab-staff"
                    hidden=move || tab.get() != Tab::Staff
                >
                    <PasswordForm/>
                </div>
                <div
                    role="tabpanel"
                    id="panel-card"
                    class="tab-panel"
                    aria-labelledby="tab-card"
                    hidden=move || tab.get() != Tab::Card
                >
                    <CardLogin/>
                </div>
            </div>
        </section>
    }
}

const LOGIN_FIELD: &[&str] = &["ログインID", "login"];
const PASSWORD_FIELD: &[&str] = &["パスワード", "password"];

fn message_for(errors: &[FieldError], names: &[&str]) -> Option<String> {
    errors
        .iter()
        .find(|error| names.contains(&error.field.as_str()))
        .map(|error| error.message.clone())
}

/// 福祉事務所, 医療機関・薬局 and the operator: the ID and password they were given.
#[component]
fn PasswordForm() -> impl IntoView {
    let session = use_session();
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let field_errors = RwSignal::new(Vec::<FieldError>::new());
    let busy = RwSignal::new(false);
    let login_input = NodeRef::<html::Input>::new();
    let password_input = NodeRef::<html::Input>::new();

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let login_value = login.get_untracked().trim().to_string();
        let password_value = password.get_untracked();
        let mut missing = Vec::new();
        if login_value.is_empty() {
            missing.push(FieldError::new(
                "ログインID",
                "ログインIDを入力してください。",
            ));
        }
        if password_value.is_empty() {
            missing.push(FieldError::new(
                "パスワード",
                "パスワードを入力してください。",
            ));
        }
        if !missing.is_empty() {
            let first = if login_value.is_empty() {
                login_input
            } else {
                password_input
            };
            field_errors.set(missing);
            error.set(Some("入力内容を確認してください。".to_string()));
            if let Some(input) = first.get_untracked() {
                let _ = input.focus();
            }
            return;
        }
        busy.set(true);
        error.set(None);
        field_errors.set(Vec::new());
        spawn_local(async move {
            let request = LoginRequest {
                login: login_value,
                password: password_value,
            };
            match api::login(&request).await {
                // The page moves to the role's home (see `LoginPage`).
                Ok(info) => session.signed_in(info),
                Err(failure) => {
                    if failure.is_unauthenticated() {
                        password.set(String::new());
                    }
                    field_errors.set(failure.fields().to_vec());
                    error.set(Some(failure.message()));
                }
            }
            busy.set(false);
        });
    };

    let login_error = move || field_errors.with(|errors| message_for(errors, LOGIN_FIELD));
    let password_error = move || field_errors.with(|errors| message_for(errors, PASSWORD_FIELD));

    view! {
        <form class="form login-form" on:submit=on_submit novalidate=true data-testid="login-form">
            <p class="hint">"福祉事務所、医療機関・薬局の方は、通知されたログインIDとパスワードを入力してください。"</p>
            {move || error.get().map(|message| view! { <ErrorBanner message=message/> })}
            <div class="field">
                <label for="login-id">"ログインID"</label>
                <input
                    id="login-id"
                    name="username"
                    type="text"
                    autocomplete="username"
                    autocapitalize="off"
                    spellcheck="false"
                    required=true
                    data-testid="login-id"
                    node_ref=login_input
                    aria-invalid=move || if login_error().is_some() { "true" } else { "false" }
                    aria-describedby=move || login_error().map(|_| "login-id-error")
                    bind:value=login
                />
                {move || login_error().map(|message| view! {
                    <p class="field-error" id="login-id-error" data-testid="login-id-error">{message}</p>
                })}
            </div>
            <div class="field">
                <label for="login-password">"パスワード"</label>
                <input
                    id="login-password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required=true
                    data-testid="login-password"
                    node_ref=password_input
                    aria-invalid=move || if password_error().is_some() { "true" } else { "false" }
                    aria-describedby=move || password_error().map(|_| "login-password-error")
                    bind:value=password
                />
                {move || password_error().map(|message| view! {
                    <p class="field-error" id="login-password-error" data-testid="login-password-error">{message}</p>
                })}
            </div>
            <button type="submit" class="button button-primary" data-testid="login-submit" disabled=move || busy.get()>
                {move || if busy.get() { "ログインしています…" } else { "ログイン" }}
            </button>
        </form>
    }
}
