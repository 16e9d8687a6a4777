//! The recipient signs in with the mock マイナンバーカード (a file the office gave them).
//!
//! 1. カードを読み取る: pick the card file; it is parsed in the browser (`domain::card`).
//! 2. 本人確認の方法: 顔認証 (a simulated camera: 「本人と一致」/「一致しない」) or 暗証番号.
//! 3. 暗証番号: the card's key is encrypted under the 4-digit PIN, so this simulation
//!    needs the PIN on both paths; the screen says so in one line before the choice.
//!    Three wrong PINs lock the card for this browser session (`pin_tries`).
//! 4. The key is unlocked and signs the server's challenge in WebAssembly; the signature
//!    and certificate go to `POST /api/card/login`. The key never leaves the browser.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use domain::api::{CardLoginRequest, SessionInfo};
use domain::card::{parse_card_file, unlock, validate_pin, CardError, CardFile, UnlockedCard};
use gloo_timers::future::TimeoutFuture;
use leptos::ev::{Event, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;

use crate::api;
use crate::components::{DateJa, ErrorBanner, Loading};
use crate::pin_tries::{self, MAX_PIN_TRIES};
use crate::session::use_session;

/// A card file is a few kilobytes; anything far larger is not one.
const MAX_CARD_FILE_BYTES: f64 = 256.0 * 1024.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    PickFile,
    ChooseMethod,
    Face,
    Pin { after_face: bool },
    Locked,
}

#[component]
pub fn CardLogin() -> impl IntoView {
    let card = RwSignal::new(None::<CardFile>);
    let step = RwSignal::new(Step::PickFile);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(None::<&'static str>);
    let file_input = NodeRef::<html::Input>::new();

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
            <p class="hint">
                "被保護者の方は、福祉事務所から受け取ったマイナンバーカード（練習用のカードファイル）でログインします。"
            </p>
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
                (Step::Face, Some(_)) => view! { <FaceCheck step=step error=error/> }.into_any(),
                (Step::Pin { after_face }, Some(card_file)) => view! {
                    <PinEntry card=card_file after_face=after_face step=step error=error busy=busy/>
                }
                .into_any(),
                (Step::Locked, Some(_)) => view! { <LockedNotice/> }.into_any(),
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

/// The 顔認証付きカードリーダー, simulated: the user states the outcome.
#[component]
fn FaceCheck(step: RwSignal<Step>, error: RwSignal<Option<String>>) -> impl IntoView {
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
                    on:click=move |_| error.set(Some(
                        "顔認証で本人と確認できませんでした。もう一度お試しいただくか、暗証番号でログインしてください。".to_string(),
                    ))
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

#[component]
fn PinEntry(
    card: CardFile,
    after_face: bool,
    step: RwSignal<Step>,
    error: RwSignal<Option<String>>,
    busy: RwSignal<Option<&'static str>>,
) -> impl IntoView {
    let session = use_session();
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
            let unlocked = match unlocked {
                Ok(unlocked) => {
                    pin_tries::reset(&serial);
                    unlocked
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
                    return;
                }
                Err(problem) => {
                    busy.set(None);
                    error.set(Some(problem.message()));
                    return;
                }
            };
            busy.set(Some("ログインしています…"));
            match sign_in(&unlocked).await {
                // The login page moves to /me.
                Ok(info) => session.signed_in(info),
                Err(message) => error.set(Some(message)),
            }
            busy.set(None);
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
                "ログイン"
            </button>
        </form>
    }
}

#[component]
fn LockedNotice() -> impl IntoView {
    view! {
        <div class="banner banner-error" role="alert" data-testid="card-locked">
            <p class="banner-text">
                "暗証番号を3回続けて間違えたため、このカードはロックされました。このブラウザを閉じるまで、このカードではログインできません。"
            </p>
            <p class="banner-text">
                "暗証番号がわからない場合は、お住まいの市区町村の窓口で再設定の手続きをしてください（実際のマイナンバーカードと同じです）。"
            </p>
        </div>
    }
}

/// Challenge → signature in WebAssembly → `POST /api/card/login`.
async fn sign_in(card: &UnlockedCard) -> Result<SessionInfo, String> {
    let challenge = api::card_challenge()
        .await
        .map_err(|failure| failure.message())?;
    let bytes = B64.decode(challenge.challenge.as_bytes()).map_err(|_| {
        "サーバーから受け取った確認用のデータを読み取れませんでした。もう一度お試しください。"
            .to_string()
    })?;
    let request = CardLoginRequest {
        challenge_id: challenge.challenge_id,
        certificate: card.certificate().clone(),
        signature: card.sign(&bytes),
    };
    api::card_login(&request)
        .await
        .map_err(|failure| failure.message())
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

/// Moves keyboard focus to a step's first element once it is on screen.
fn focus_after_render<E>(target: NodeRef<E>)
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
