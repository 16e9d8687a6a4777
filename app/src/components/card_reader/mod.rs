//! The mock マイナンバーカード reader, shared by the recipient's sign-in (`/login`) and the
//! reception's card verification (`/clinic/verify`):
//!
//! 1. カードを読み取る: pick the card file; it is parsed in the browser (`domain::card`).
//! 2. 本人確認の方法: 顔認証 (a simulated camera: 「本人と一致」/「一致しない」) or 暗証番号.
//! 3. 暗証番号: the card's key is encrypted under the 4-digit PIN, so this simulation
//!    needs the PIN on both paths; the screen says so in one line before the choice.
//!    Three wrong PINs lock the card for this browser session (`pin_tries`).
//! 4. The unlocked card goes to the caller (`on_unlocked`), which signs a fresh server
//!    challenge with it in WebAssembly. The key never leaves the browser.
//!
//! The caller owns `error` and `busy`, so it can report what happens after the unlock
//! (signing in, the verification) in the same place as the reader's own messages.

mod face_check;
mod pin_entry;

use std::rc::Rc;

use domain::card::{parse_card_file, CardFile, UnlockedCard};
use leptos::ev::Event;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;

use crate::components::{DateJa, ErrorBanner, Loading};
use crate::pin_tries;
use face_check::FaceCheck;
use pin_entry::PinEntry;

/// A card file is a few kilobytes; anything far larger is not one.
const MAX_CARD_FILE_BYTES: f64 = 256.0 * 1024.0;

/// What the reader says, which depends on what the card is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderWords {
    /// The line above the file picker.
    pub intro: &'static str,
    /// The PIN form's button.
    pub submit: &'static str,
    /// After 「一致しない」.
    pub face_mismatch: &'static str,
    /// What to do once the card is locked.
    pub locked_advice: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    PickFile,
    ChooseMethod,
    Face,
    Pin { after_face: bool },
    Locked,
}

/// The unlocked card, handed to the caller (not `Clone`: the key is not copied around).
pub type Unlocked = Rc<UnlockedCard>;

#[component]
pub fn CardReader(
    words: ReaderWords,
    /// Called with the card once its PIN opened it.
    on_unlocked: Callback<Unlocked>,
    error: RwSignal<Option<String>>,
    busy: RwSignal<Option<&'static str>>,
    /// Focus the file picker when the reader appears.
    #[prop(optional)]
    autofocus: bool,
) -> impl IntoView {
    let card = RwSignal::new(None::<CardFile>);
    let step = RwSignal::new(Step::PickFile);
    let file_input = NodeRef::<html::Input>::new();
    if autofocus {
        focus_after_render(file_input);
    }

    let on_file = move |ev: Event| {
        let input: HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        error.set(None);
        if file.size() > MAX_CARD_FILE_BYTES {
            card.set(None);
            step.set(Step::PickFile);
            error.set(Some(
                "選んだファイルはカードのファイルではありません（大きすぎます）。".to_string(),
            ));
            return;
        }
        busy.set(Some("カードを読み取っています…"));
        spawn_local(async move {
            let text = JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|value| value.as_string());
            busy.set(None);
            let Some(text) = text else {
                error.set(Some(
                    "ファイルを読み取れませんでした。もう一度選んでください。".to_string(),
                ));
                return;
            };
            match parse_card_file(&text) {
                Ok(parsed) => {
                    let locked = pin_tries::is_locked(&parsed.certificate.serial);
                    card.set(Some(parsed));
                    step.set(if locked {
                        Step::Locked
                    } else {
                        Step::ChooseMethod
                    });
                }
                Err(problem) => {
                    card.set(None);
                    step.set(Step::PickFile);
                    error.set(Some(problem.message()));
                }
            }
        });
    };

    let choose_other_card = move |_| {
        card.set(None);
        error.set(None);
        step.set(Step::PickFile);
        if let Some(input) = file_input.get_untracked() {
            input.set_value("");
            let _ = input.focus();
        }
    };

    view! {
        <div class="card-login" data-testid="card-login">
            <p class="hint">{words.intro}</p>
            {move || error.get().map(|message| view! { <ErrorBanner message=message/> })}
            <div class="field" hidden=move || card.with(Option::is_some)>
                <label for="card-file">"1. カードを読み取る（カードのファイルを選ぶ）"</label>
                <input
                    id="card-file"
                    type="file"
                    accept=".json,application/json"
                    data-testid="card-file"
                    node_ref=file_input
                    on:change=on_file
                />
            </div>
            {move || card.get().map(|card_file| view! {
                <CardSummary card=card_file/>
                <button
                    type="button"
                    class="button button-quiet"
                    data-testid="card-choose-other"
                    disabled=move || busy.get().is_some()
                    on:click=choose_other_card
                >
                    "別のカードを選ぶ"
                </button>
            })}
            {move || busy.get().map(|text| view! { <Loading text=text/> })}
            {move || match (step.get(), card.get()) {
                (Step::ChooseMethod, Some(_)) => view! { <ChooseMethod step=step error=error/> }.into_any(),
                (Step::Face, Some(_)) => view! {
                    <FaceCheck step=step error=error mismatch=words.face_mismatch/>
                }
                .into_any(),
                (Step::Pin { after_face }, Some(card_file)) => view! {
                    <PinEntry
                        card=card_file
                        after_face=after_face
                        submit=words.submit
                        step=step
                        error=error
                        busy=busy
                        on_unlocked=on_unlocked
                    />
                }
                .into_any(),
                (Step::Locked, Some(_)) => view! { <LockedNotice advice=words.locked_advice/> }.into_any(),
                _ => ().into_any(),
            }}
        </div>
    }
}

#[component]
fn CardSummary(card: CardFile) -> impl IntoView {
    let certificate = card.certificate;
    view! {
        <div class="card-summary" data-testid="card-summary">
            <p>
                "読み取ったカード: "
                <strong data-testid="card-holder">{certificate.subject.name}</strong>
                " 様"
            </p>
            <p class="muted">
                "電子証明書の有効期限: " <DateJa iso=certificate.not_after/>
            </p>
        </div>
    }
}

#[component]
fn ChooseMethod(step: RwSignal<Step>, error: RwSignal<Option<String>>) -> impl IntoView {
    let go = move |next: Step| {
        move |_| {
            error.set(None);
            step.set(next);
        }
    };
    view! {
        <fieldset class="method-choice">
            <legend>"2. 本人確認の方法を選んでください"</legend>
            <p class="hint" data-testid="card-method-note">
                "この練習用カードは鍵を暗証番号で守っているため、顔認証を選んだ場合も最後に暗証番号（数字4桁）を入力します。"
            </p>
            <div class="button-row">
                <button type="button" class="button button-primary" data-testid="card-method-face" on:click=go(Step::Face)>
                    "顔認証"
                </button>
                <button
                    type="button"
                    class="button button-primary"
                    data-testid="card-method-pin"
                    on:click=go(Step::Pin { after_face: false })
                >
                    "暗証番号"
                </button>
            </div>
        </fieldset>
    }
}

#[component]
fn LockedNotice(advice: &'static str) -> impl IntoView {
    view! {
        <div class="banner banner-error" role="alert" data-testid="card-locked">
            <p class="banner-text">
                "暗証番号を3回続けて間違えたため、このカードはロックされました。このブラウザを閉じるまで、このカードは使えません。"
            </p>
            <p class="banner-text">{advice}</p>
        </div>
    }
}

/// Moves keyboard focus to an element once it is on screen.
pub fn focus_after_render<E>(target: NodeRef<E>)
where
    E: leptos::html::ElementType,
    E::Output: wasm_bindgen::JsCast + Clone + 'static,
{
    request_animation_frame(move || {
        if let Some(element) = target.try_get_untracked().flatten() {
            if let Ok(element) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element) {
                let _ = element.focus();
            }
        }
    });
}
