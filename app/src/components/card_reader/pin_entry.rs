//! Step 3: the PIN unlocks the card's key; the caller then uses the unlocked card.

use std::rc::Rc;

use domain::card::{unlock, validate_pin, CardError, CardFile};
use gloo_timers::future::TimeoutFuture;
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{focus_after_render, Step, Unlocked};
use crate::pin_tries::{self, MAX_PIN_TRIES};

#[component]
pub(super) fn PinEntry(
    card: CardFile,
    after_face: bool,
    /// The button's words (「ログイン」, 「カードで確認」).
    submit: &'static str,
    step: RwSignal<Step>,
    error: RwSignal<Option<String>>,
    busy: RwSignal<Option<&'static str>>,
    on_unlocked: Callback<Unlocked>,
) -> impl IntoView {
    let pin = RwSignal::new(String::new());
    let pin_input = NodeRef::<html::Input>::new();
    focus_after_render(pin_input);
    let serial = card.certificate.serial.clone();
    let remaining = RwSignal::new(MAX_PIN_TRIES.saturating_sub(pin_tries::failures(&serial)));

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked().is_some() {
            return;
        }
        let pin_value = ascii_digits(&pin.get_untracked());
        if let Err(problem) = validate_pin(&pin_value) {
            error.set(Some(problem.message()));
            if let Some(input) = pin_input.get_untracked() {
                let _ = input.focus();
            }
            return;
        }
        let serial = card.certificate.serial.clone();
        if pin_tries::is_locked(&serial) {
            step.set(Step::Locked);
            return;
        }
        let card = card.clone();
        error.set(None);
        busy.set(Some("カードの鍵を開いています…"));
        spawn_local(async move {
            // Let 「カードの鍵を開いています…」 paint before the key derivation blocks the page.
            TimeoutFuture::new(30).await;
            let unlocked = unlock(&card, &pin_value);
            pin.set(String::new());
            match unlocked {
                Ok(unlocked) => {
                    pin_tries::reset(&serial);
                    busy.set(None);
                    on_unlocked.run(Rc::new(unlocked));
                }
                Err(CardError::WrongPin) => {
                    let failures = pin_tries::record_failure(&serial);
                    busy.set(None);
                    if failures >= MAX_PIN_TRIES {
                        error.set(None);
                        step.set(Step::Locked);
                    } else {
                        let left = MAX_PIN_TRIES - failures;
                        remaining.set(left);
                        error.set(Some(format!(
                            "暗証番号が違います。あと{left}回間違えると、このカードはロックされます。"
                        )));
                        // The step may have been left meanwhile: then there is no input.
                        if let Some(input) = pin_input.try_get_untracked().flatten() {
                            let _ = input.focus();
                        }
                    }
                }
                Err(problem) => {
                    busy.set(None);
                    error.set(Some(problem.message()));
                }
            }
        });
    };

    view! {
        <form class="form pin-form" on:submit=on_submit novalidate=true data-testid="card-pin-form">
            {after_face.then(|| view! {
                <p class="notice-ok" data-testid="face-ok">
                    "顔認証で本人と確認できました。カードの鍵を開くため、暗証番号を入力してください。"
                </p>
            })}
            <div class="field">
                <label for="card-pin">"3. 暗証番号（数字4桁）"</label>
                <input
                    id="card-pin"
                    class="pin-input"
                    type="password"
                    inputmode="numeric"
                    autocomplete="off"
                    maxlength="4"
                    data-testid="card-pin"
                    aria-describedby="card-pin-hint"
                    node_ref=pin_input
                    bind:value=pin
                />
                <p class="hint" id="card-pin-hint" data-testid="card-pin-remaining">
                    {move || format!(
                        "利用者証明用の暗証番号です。あと{}回間違えると、このブラウザではこのカードを使えなくなります。",
                        remaining.get()
                    )}
                </p>
            </div>
            <button
                type="submit"
                class="button button-primary"
                data-testid="card-submit"
                disabled=move || busy.get().is_some()
            >
                {submit}
            </button>
        </form>
    }
}

/// 全角 digits typed with a Japanese IME count as digits.
fn ascii_digits(input: &str) -> String {
    input
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::ascii_digits;

    #[test]
    fn full_width_pin_digits_become_ascii() {
        for (typed, want) in [
            ("1234", "1234"),
            ("１２３４", "1234"),
            (" １2３4 ", "1234"),
            ("12a4", "12a4"),
        ] {
            assert_eq!(ascii_digits(typed), want);
        }
    }
}
