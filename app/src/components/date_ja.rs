//! A date as everyone reads it here: 和暦 first, 西暦 beside it
//! (令和6年3月1日 (2024/03/01)), formatted by `domain::wareki` like everywhere else.

use leptos::prelude::*;

/// One ISO date (`YYYY-MM-DD`). Anything that is not an ISO date is shown unchanged.
#[component]
pub fn DateJa(#[prop(into)] iso: String) -> impl IntoView {
    let text = domain::wareki::format_iso_date(&iso);
    // "令和6年3月1日 (2024/03/01)": the 西暦 half may wrap onto its own line in narrow cells.
    let (wareki, seireki) = match text.split_once(" (") {
        Some((wareki, rest)) => (wareki.to_string(), Some(format!("({rest}"))),
        None => (text.clone(), None),
    };
    view! {
        <time class="date-ja" datetime=iso>
            <span class="wareki">{wareki}</span>
            {seireki.map(|s| view! { " " <span class="seireki">{s}</span> })}
        </time>
    }
}

/// A period such as 資格期間 or 有効期間: "from 〜 until", either end optional.
#[component]
pub fn DateRangeJa(from: Option<String>, until: Option<String>) -> impl IntoView {
    match (from, until) {
        (Some(from), Some(until)) => view! {
            <span class="date-range"><DateJa iso=from/>" 〜 "<DateJa iso=until/></span>
        }
        .into_any(),
        (Some(from), None) => view! {
            <span class="date-range"><DateJa iso=from/>" から"</span>
        }
        .into_any(),
        (None, Some(until)) => view! {
            <span class="date-range"><DateJa iso=until/>" まで"</span>
        }
        .into_any(),
        (None, None) => view! { <span class="date-range muted">"未登録"</span> }.into_any(),
    }
}
