//! 「新しいバージョンがあります」 with a button that switches to it.

use leptos::prelude::*;

use crate::service_worker::{activate_update, UpdateAvailable};

#[component]
pub fn UpdateBanner() -> impl IntoView {
    let available = use_context::<UpdateAvailable>()
        .map(|UpdateAvailable(signal)| signal)
        .unwrap_or_else(|| RwSignal::new(false));
    let pressed = RwSignal::new(false);
    move || {
        available.get().then(|| {
            view! {
                <div class="banner banner-update" role="status" data-testid="update-banner">
                    <p class="banner-text">
                        "新しいバージョンがあります。入力中の内容がなければ、再読み込みして切り替えてください。"
                    </p>
                    <div class="banner-actions">
                        <button
                            type="button"
                            class="button"
                            data-testid="update-reload"
                            disabled=move || pressed.get()
                            on:click=move |_| {
                                pressed.set(true);
                                activate_update();
                            }
                        >
                            "再読み込み"
                        </button>
                    </div>
                </div>
            }
        })
    }
}
