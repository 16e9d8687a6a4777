//! One figure on a home page: a label, a large number, an optional note.
//! Used inside `<dl class="stats">`.

use leptos::prelude::*;

#[component]
pub fn Stat(
    #[prop(into)] label: String,
    #[prop(into)] value: String,
    #[prop(into)] unit: String,
    #[prop(into, optional)] note: Option<String>,
    testid: &'static str,
) -> impl IntoView {
    view! {
        <div class="stat" data-testid=testid>
            <dt class="stat-label">{label}</dt>
            <dd class="stat-value">
                <span class="stat-number">{value}</span>
                <span class="stat-unit">{unit}</span>
            </dd>
            {note.map(|note| view! { <dd class="stat-note">{note}</dd> })}
        </div>
    }
}
