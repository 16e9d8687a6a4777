//! The three steps before the report (download, read, screen) as a progress bar with its
//! text, announced politely to screen readers.

use leptos::prelude::*;

/// Steps in all.
const STEPS: u8 = 3;

#[component]
pub fn ScreeningProgress(step: u8, #[prop(into)] text: String) -> impl IntoView {
    view! {
        <div class="screening-progress" aria-busy="true" data-testid="screening-progress">
            <div
                class="progress-track"
                role="progressbar"
                aria-label="スクリーニングの準備"
                aria-valuemin="0"
                aria-valuemax=STEPS.to_string()
                aria-valuenow=step.to_string()
                aria-valuetext=text.clone()
            >
                // `style:` sets the property through the CSSOM: the CSP allows no style attribute.
                <div
                    class="progress-fill"
                    style:width=format!("{}%", u32::from(step) * 100 / u32::from(STEPS))
                ></div>
            </div>
            <p class="loading" role="status">
                <span class="spinner" aria-hidden="true"></span>
                {text}
            </p>
        </div>
    }
}
