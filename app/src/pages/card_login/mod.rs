//! The recipient signs in with the mock マイナンバーカード (a file standing for the card the
//! 市区町村 issued),
//! through the shared card reader (`components::card_reader`): once the PIN has opened the
//! card, it signs the server's challenge in WebAssembly and the signature and certificate
//! go to `POST /api/card/login`. The key never leaves the browser.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use domain::api::{CardLoginRequest, SessionInfo};
use domain::card::UnlockedCard;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::card_reader::{CardReader, ReaderWords, Unlocked};
use crate::session::use_session;

const WORDS: ReaderWords = ReaderWords {
    intro: "被保護者の方は、お住まいの市区町村で交付を受けたマイナンバーカード（この練習環境ではカードファイル）でログインします。",
    submit: "ログイン",
    face_mismatch: "顔認証で本人と確認できませんでした。もう一度お試しいただくか、暗証番号でログインしてください。",
    locked_advice: "暗証番号がわからない場合は、お住まいの市区町村の窓口で再設定の手続きをしてください（実際のマイナンバーカードと同じです）。",
};

#[component]
pub fn CardLogin() -> impl IntoView {
    let session = use_session();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(None::<&'static str>);
    let on_unlocked = Callback::new(move |card: Unlocked| {
        busy.set(Some("ログインしています…"));
        spawn_local(async move {
            match sign_in(&card).await {
                // The login page moves to /me.
                Ok(info) => session.signed_in(info),
                Err(message) => error.set(Some(message)),
            }
            busy.set(None);
        });
    });
    view! { <CardReader words=WORDS on_unlocked=on_unlocked error=error busy=busy/> }
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
