//! The page's one `<h1>`, which also names the browser tab.

use leptos::prelude::*;

#[component]
pub fn PageHeading(
    #[prop(into)] title: String,
    /// `data-testid` of the heading, for the browser tests.
    testid: &'static str,
) -> impl IntoView {
    if let Some(document) = web_sys::window().and_then(|window| window.document()) {
        document.set_title(&format!("{title} | 扶助オン資"));
    }
    view! {
        <h1 class="page-title" data-testid=testid>{title}</h1>
    }
}
