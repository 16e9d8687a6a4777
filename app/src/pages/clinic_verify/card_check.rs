//! マイナンバーカードで確認: the same card reader as the recipient's sign-in (card file,
//! 顔認証 or PIN with 3 tries), then the recipient's 本人同意 for this visit (薬剤情報 /
//! 健診情報, or neither), then a fresh server challenge signed in WebAssembly and
//! `POST /api/verify/card`. Needs the server: offline, the screen says so.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use domain::api::{CardVerifyRequest, ConsentRequest, DeskAnswer, VerificationResult};
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Shown;
use crate::api::{self, Failure};
use crate::components::card_reader::{focus_after_render, CardReader, ReaderWords, Unlocked};
use crate::components::{ErrorBanner, Loading};
use crate::offline;
use crate::reception::{new_client_id, Reception};
use crate::session::use_session;

const WORDS: ReaderWords = ReaderWords {
    intro: "被保護者の方にマイナンバーカード（練習用のカードファイル）をカードリーダーに置いてもらい、本人確認の方法を選んでもらいます。",
    submit: "カードの鍵を開く",
    face_mismatch: "顔認証で本人と確認できませんでした。もう一度お試しいただくか、暗証番号に切り替えてください。確認できない場合は番号入力で確認してください。",
    locked_advice: "このカードでは確認できません。番号入力（公費負担者番号・受給者番号・生年月日）で確認してください。",
};

const OFFLINE_CARD: &str = "マイナンバーカードでの確認と本人同意には、サーバーとの通信が必要です。通信が戻るまでは「番号入力で確認」を使ってください（薬剤情報・健診情報は番号入力では閲覧できません）。";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Reader,
    Consent,
    /// The verdict is shown: one card reading is one verification, so the consent form is
    /// gone and the unlocked card forgotten (「次の方」 starts the reader again).
    Done,
}

#[component]
pub(super) fn CardCheck(reception: Reception, shown: RwSignal<Option<Shown>>) -> impl IntoView {
    let session = use_session();
    let phase = RwSignal::new(Phase::Reader);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(None::<&'static str>);
    let card = StoredValue::new_local(None::<Unlocked>);
    let on_unlocked = Callback::new(move |unlocked: Unlocked| {
        card.set_value(Some(unlocked));
        error.set(None);
        phase.set(Phase::Consent);
    });

    let send = Callback::new(move |consent: ConsentRequest| {
        let Some(unlocked) = card.get_value() else {
            phase.set(Phase::Reader);
            return;
        };
        error.set(None);
        busy.set(Some("資格を確認しています…"));
        spawn_local(async move {
            match verify(&unlocked, consent).await {
                Ok(result) => {
                    card.set_value(None);
                    phase.set(Phase::Done);
                    reception.server_answered();
                    // Kept for 本日の確認 offline; the server has the record either way.
                    let _ =
                        offline::clinic::save_result(&DeskAnswer::Verdict(result.clone())).await;
                    shown.set(Some(Shown::online(result)));
                }
                Err(Failure::Unreachable) => {
                    reception.reachable.set(false);
                    error.set(Some(OFFLINE_CARD.to_string()));
                }
                Err(failure) => {
                    if failure.is_unauthenticated() {
                        session.signed_out();
                    }
                    error.set(Some(failure.message()));
                }
            }
            busy.set(None);
        });
    });

    view! {
        <div class="card-check" data-testid="verify-card">
            {move || reception.offline().then(|| view! {
                <p class="notice" data-testid="card-offline-note">{OFFLINE_CARD}</p>
            })}
            {move || match phase.get() {
                Phase::Reader => view! {
                    <CardReader words=WORDS on_unlocked=on_unlocked error=error busy=busy autofocus=true/>
                }
                .into_any(),
                Phase::Consent => view! {
                    {move || error.get().map(|message| view! { <ErrorBanner message=message/> })}
                    <ConsentForm send=send busy=busy/>
                    {move || busy.get().map(|text| view! { <Loading text=text/> })}
                }
                .into_any(),
                Phase::Done => view! {
                    <p class="notice" data-testid="card-done">
                        "カードで確認しました（結果は下に表示しています）。次の方は「次の方」を押してカードを読み取ってください。"
                    </p>
                }
                .into_any(),
            }}
        </div>
    }
}

/// The recipient answers on the reader's screen: 薬剤情報 and 健診情報, for this visit only.
#[component]
fn ConsentForm(
    send: Callback<ConsentRequest>,
    busy: RwSignal<Option<&'static str>>,
) -> impl IntoView {
    let drug = RwSignal::new(false);
    let checkup = RwSignal::new(false);
    let heading = NodeRef::<html::H3>::new();
    focus_after_render(heading);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked().is_none() {
            send.run(ConsentRequest {
                drug_info: drug.get_untracked(),
                checkup_info: checkup.get_untracked(),
            });
        }
    };
    view! {
        <form class="form consent-form" on:submit=on_submit data-testid="consent-form">
            <h3 tabindex="-1" node_ref=heading>"4. 本人同意（被保護者の方ご本人が選びます）"</h3>
            <p class="notice-ok" data-testid="card-unlocked">"カードで本人を確認できました。"</p>
            <fieldset>
                <legend>"今回の受診で、この医療機関・薬局が見てよい情報"</legend>
                <p class="hint">
                    "同意した情報だけを、今回の受診に限り閲覧できます。同意しなくても資格の確認はできます。"
                </p>
                <label class="check">
                    <input type="checkbox" data-testid="consent-drug" bind:checked=drug/>
                    " 薬剤情報（これまでに処方・調剤された薬）の閲覧に同意する"
                </label>
                <label class="check">
                    <input type="checkbox" data-testid="consent-checkup" bind:checked=checkup/>
                    " 健診情報（健康診査の結果）の閲覧に同意する"
                </label>
            </fieldset>
            <div class="button-row">
                <button type="submit" class="button button-primary button-large" data-testid="consent-submit" disabled=move || busy.get().is_some()>
                    "この内容で資格を確認する"
                </button>
                <button
                    type="button"
                    class="button"
                    data-testid="consent-decline"
                    disabled=move || busy.get().is_some()
                    on:click=move |_| {
                        drug.set(false);
                        checkup.set(false);
                        send.run(ConsentRequest::default());
                    }
                >
                    "同意しないで資格を確認する"
                </button>
            </div>
        </form>
    }
}

/// Fresh challenge → signature in WebAssembly → `POST /api/verify/card`.
async fn verify(card: &Unlocked, consent: ConsentRequest) -> Result<VerificationResult, Failure> {
    let challenge = api::card_challenge().await?;
    let bytes = B64
        .decode(challenge.challenge.as_bytes())
        .map_err(|_| Failure::Unreadable { status: 200 })?;
    let request = CardVerifyRequest {
        client_id: new_client_id(),
        challenge_id: challenge.challenge_id,
        certificate: card.certificate().clone(),
        signature: card.sign(&bytes),
        consent,
    };
    api::verify_card(&request).await
}
