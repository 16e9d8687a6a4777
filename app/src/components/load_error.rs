//! A failed load with a 再試行 button.

use leptos::prelude::*;

use crate::api::Failure;
use crate::components::ErrorBanner;

#[component]
pub fn LoadError(failure: Failure, retry: Callback<()>) -> impl IntoView {
    view! {
        <ErrorBanner message=failure.message()>
            <button type="button" class="button" data-testid="retry" on:click=move |_| retry.run(())>
                "再試行"
            </button>
        </ErrorBanner>
    }
}
