//! A polite "loading" line, read by screen readers without interrupting.

use leptos::prelude::*;

#[component]
pub fn Loading(#[prop(into, optional)] text: Option<String>) -> impl IntoView {
    let text = text.unwrap_or_else(|| "読み込んでいます…".to_string());
    view! {
        <p class="loading" role="status" data-testid="loading">
            <span class="spinner" aria-hidden="true"></span>
            {text}
        </p>
    }
}
