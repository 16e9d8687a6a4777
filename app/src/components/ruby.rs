//! A technical word with its reading above it (ふりがな), for readers who do not know
//! the term: 医療券（いりょうけん）. Browsers without ruby support show the reading in
//! brackets after the word (`<rp>`).

use leptos::prelude::*;

#[component]
pub fn Ruby(word: &'static str, reading: &'static str) -> impl IntoView {
    view! {
        <ruby>{word}<rp>"（"</rp><rt>{reading}</rt><rp>"）"</rp></ruby>
    }
}
