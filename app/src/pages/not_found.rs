//! Any path the app does not know.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::PageHeading;
use crate::session::{home_path, use_session};

#[component]
pub fn NotFound() -> impl IntoView {
    let session = use_session();
    let back = move || match session.role() {
        Some(role) => (home_path(role), "ホームへ戻る"),
        None => ("/login", "ログイン画面へ"),
    };
    view! {
        <section class="page narrow">
            <PageHeading title="ページが見つかりません" testid="not-found-heading"/>
            <p>"お探しのページは見つかりませんでした。アドレスが正しいか確認してください。"</p>
            <p>
                {move || {
                    let (href, label) = back();
                    view! { <A href=href attr:class="button">{label}</A> }
                }}
            </p>
        </section>
    }
}
