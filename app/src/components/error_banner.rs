//! An error the user must notice, announced by screen readers (`role="alert"`).

use leptos::prelude::*;

#[component]
pub fn ErrorBanner(
    #[prop(into)] message: String,
    /// An optional action such as 再試行.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="banner banner-error" role="alert" data-testid="error-banner">
            <p class="banner-text">{message}</p>
            {children.map(|children| view! { <div class="banner-actions">{children()}</div> })}
        </div>
    }
}
