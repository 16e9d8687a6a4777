//! Step 2a: the 顔認証付きカードリーダー, simulated.

use leptos::html;
use leptos::prelude::*;

use super::{focus_after_render, Step};

/// The 顔認証付きカードリーダー, simulated: the user states the outcome.
#[component]
pub(super) fn FaceCheck(
    step: RwSignal<Step>,
    error: RwSignal<Option<String>>,
    /// Shown after 「一致しない」.
    mismatch: &'static str,
) -> impl IntoView {
    let heading = NodeRef::<html::H3>::new();
    focus_after_render(heading);
    view! {
        <section class="face-check" aria-labelledby="face-check-title" data-testid="face-check">
            <h3 id="face-check-title" tabindex="-1" node_ref=heading>"顔認証（模擬）"</h3>
            <div class="camera" aria-hidden="true">
                <svg viewBox="0 0 120 120" width="120" height="120" focusable="false">
                    <circle cx="60" cy="60" r="56" fill="none" stroke="currentColor" stroke-width="3" stroke-dasharray="8 6"/>
                    <ellipse cx="60" cy="56" rx="24" ry="30" fill="none" stroke="currentColor" stroke-width="3"/>
                    <path d="M28 108c6-16 18-22 32-22s26 6 32 22" fill="none" stroke="currentColor" stroke-width="3"/>
                </svg>
            </div>
            <p>"カードリーダーのカメラに顔を向けてください。これは練習用の模擬画面で、撮影はしません。照合の結果を選んでください。"</p>
            <div class="button-row">
                <button
                    type="button"
                    class="button button-primary"
                    data-testid="face-match"
                    on:click=move |_| {
                        error.set(None);
                        step.set(Step::Pin { after_face: true });
                    }
                >
                    "本人と一致"
                </button>
                <button
                    type="button"
                    class="button"
                    data-testid="face-mismatch"
                    on:click=move |_| error.set(Some(mismatch.to_string()))
                >
                    "一致しない"
                </button>
                <button
                    type="button"
                    class="button button-quiet"
                    data-testid="face-use-pin"
                    on:click=move |_| {
                        error.set(None);
                        step.set(Step::Pin { after_face: false });
                    }
                >
                    "暗証番号に切り替える"
                </button>
            </div>
        </section>
    }
}
