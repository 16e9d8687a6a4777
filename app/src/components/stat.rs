//! One figure on a home page: a label, a large number (a link to its details when given
//! `href`), an optional note.
//! Used inside `<dl class="stats">`.

use leptos::prelude::*;

#[component]
pub fn Stat(
    #[prop(into)] label: String,
    #[prop(into)] value: String,
    #[prop(into)] unit: String,
    #[prop(into, optional)] note: Option<String>,
    /// Where the figure's details are: the number becomes a link there.
    #[prop(optional)]
    href: Option<&'static str>,
    testid: &'static str,
) -> impl IntoView {
    let number = match href {
        Some(href) => view! {
            <a class="stat-number stat-link" href=href data-testid=format!("{testid}-link")>{value}</a>
        }
        .into_any(),
        None => view! { <span class="stat-number">{value}</span> }.into_any(),
    };
    view! {
        <div class="stat" data-testid=testid>
            <dt class="stat-label">{label}</dt>
            <dd class="stat-value">
                {number}
                <span class="stat-unit">{unit}</span>
            </dd>
            {note.map(|note| view! { <dd class="stat-note">{note}</dd> })}
        </div>
    }
}
