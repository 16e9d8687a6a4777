//! `/clinic/verify`: 資格確認 at reception (product.md §2 III). Number entry first (it works
//! offline, from the roster kept on this PC); 「マイナンバーカードで確認」 as the second tab.
//! The result replaces nothing on the form: the receptionist can correct a typo and press
//! Enter again; 「次の方」 clears everything and puts the cursor in the first field.
//! An offline answer on screen is replaced by the server's verdict once the outbox is sent,
//! with a notice when that verdict is not what the desk was told offline.

mod card_check;
mod number_form;

use domain::api::{DeskAnswer, VerificationResult};
use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;

use crate::components::card_reader::focus_after_render;
use crate::components::{PageHeading, UnconfirmedView, VerificationResultView};
use crate::reception::{use_reception, Answer, Settlement};
use card_check::CardCheck;
use number_form::NumberForm;

/// What the result area shows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shown {
    pub result: DeskAnswer,
    pub roster_synced_at: Option<String>,
    pub warning: Option<String>,
    /// The server's verdict replaced the offline answer shown first.
    pub settled: Option<Settlement>,
}

impl Shown {
    /// The server's answer to an online check.
    pub fn online(result: VerificationResult) -> Self {
        Shown {
            result: DeskAnswer::Verdict(result),
            roster_synced_at: None,
            warning: None,
            settled: None,
        }
    }
}

impl From<Answer> for Shown {
    fn from(answer: Answer) -> Self {
        Shown {
            result: answer.result,
            roster_synced_at: answer.roster_synced_at,
            warning: answer.warning,
            settled: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Number,
    Card,
}

#[component]
pub fn ClinicVerify() -> impl IntoView {
    let Some(reception) = use_reception() else {
        return ().into_any();
    };
    let tab = RwSignal::new(Tab::Number);
    let shown = RwSignal::new(None::<Shown>);
    // Each 「次の方」 starts the forms afresh.
    let round = RwSignal::new(0u32);
    let next_button = NodeRef::<html::Button>::new();
    let number_tab = NodeRef::<html::Button>::new();
    let card_tab = NodeRef::<html::Button>::new();

    Effect::new(move |_| {
        if shown.with(Option::is_some) {
            focus_after_render(next_button);
        }
    });
    // The outbox was sent: the offline answer on screen gives way to the server's verdict.
    Effect::new(move |_| {
        reception.settled.with(|settled| {
            let Some(client_id) = shown.with_untracked(|s| {
                s.as_ref()
                    .filter(|s| s.settled.is_none() && s.result.verification_id().is_none())
                    .map(|s| s.result.client_id().to_string())
            }) else {
                return;
            };
            if let Some(settlement) = settled.iter().find(|s| s.client_id == client_id) {
                shown.update(|s| {
                    if let Some(s) = s {
                        s.result = DeskAnswer::Verdict(settlement.server.clone());
                        s.warning = None;
                        s.settled = Some(settlement.clone());
                    }
                });
            }
        });
    });
    let next_patient = move |_| {
        shown.set(None);
        round.update(|r| *r += 1);
    };
    let select = move |next: Tab| {
        if tab.get_untracked() != next {
            shown.set(None);
            tab.set(next);
        }
    };
    // Arrow keys move between tabs (WAI-ARIA tabs pattern, automatic activation).
    let on_tab_key = move |ev: KeyboardEvent| {
        let next = match ev.key().as_str() {
            "ArrowLeft" | "ArrowRight" => match tab.get_untracked() {
                Tab::Number => Tab::Card,
                Tab::Card => Tab::Number,
            },
            "Home" => Tab::Number,
            "End" => Tab::Card,
            _ => return,
        };
        ev.prevent_default();
        select(next);
        let target = if next == Tab::Number {
            number_tab
        } else {
            card_tab
        };
        if let Some(button) = target.get_untracked() {
            let _ = button.focus();
        }
    };
    let selected = move |which: Tab| move || if tab.get() == which { "true" } else { "false" };
    let tab_index = move |which: Tab| move || if tab.get() == which { "0" } else { "-1" };

    view! {
        <section class="page verify-page">
            <PageHeading title="資格確認" testid="verify-heading"/>
            <div class="tabs">
                <div class="tab-list" role="tablist" aria-label="資格確認の方法" on:keydown=on_tab_key>
                    <button
                        type="button"
                        role="tab"
                        id="tab-number"
                        class="tab"
                        aria-controls="panel-number"
                        aria-selected=selected(Tab::Number)
                        tabindex=tab_index(Tab::Number)
                        data-testid="verify-tab-number"
                        node_ref=number_tab
                        on:click=move |_| select(Tab::Number)
                    >
                        "番号入力で確認"
                    </button>
                    <button
                        type="button"
                        role="tab"
                        id="tab-card"
                        class="tab"
                        aria-controls="panel-card"
                        aria-selected=selected(Tab::Card)
                        tabindex=tab_index(Tab::Card)
                        data-testid="verify-tab-card"
                        node_ref=card_tab
                        on:click=move |_| select(Tab::Card)
                    >
                        "マイナンバーカードで確認"
                    </button>
                </div>
                <div
                    role="tabpanel"
                    id="panel-number"
                    class="tab-panel"
                    aria-labelledby="tab-number"
                    hidden=move || tab.get() != Tab::Number
                >
                    {move || {
                        round.get();
                        (tab.get() == Tab::Number)
                            .then(|| view! { <NumberForm reception=reception shown=shown/> })
                    }}
                </div>
                <div
                    role="tabpanel"
                    id="panel-card"
                    class="tab-panel"
                    aria-labelledby="tab-card"
                    hidden=move || tab.get() != Tab::Card
                >
                    {move || {
                        round.get();
                        (tab.get() == Tab::Card)
                            .then(|| view! { <CardCheck reception=reception shown=shown/> })
                    }}
                </div>
            </div>

            {move || shown.get().map(|shown| view! {
                <div class="result-area" data-testid="result-area">
                    <div class="result-actions">
                        <button
                            type="button"
                            class="button button-primary button-large"
                            data-testid="next-patient"
                            aria-describedby="verdict-label"
                            node_ref=next_button
                            on:click=next_patient
                        >
                            "次の方"
                        </button>
                    </div>
                    {shown.warning.map(|warning| view! {
                        <p class="banner banner-error" role="alert" data-testid="result-warning">{warning}</p>
                    })}
                    {shown.settled.map(|settlement| view! { <SettledNotice settlement=settlement/> })}
                    {match shown.result {
                        DeskAnswer::Verdict(result) => view! {
                            <VerificationResultView result=result roster_synced_at=shown.roster_synced_at/>
                        }
                        .into_any(),
                        DeskAnswer::Unconfirmed(check) => view! {
                            <UnconfirmedView check=check roster_synced_at=shown.roster_synced_at/>
                        }
                        .into_any(),
                    }}
                </div>
            })}
        </section>
    }
    .into_any()
}

/// Above a result that was answered offline and has now been stored by the server: what
/// changed, in words the desk cannot miss when the verdict is not the one given offline.
#[component]
fn SettledNotice(settlement: Settlement) -> impl IntoView {
    let server = settlement.server.screen_label.clone();
    if !settlement.changed() {
        return view! {
            <p class="notice notice-ok" role="status" data-testid="settled-notice" data-changed="false">
                {format!("送信しました。サーバーの判定もオフラインの回答と同じ「{server}」です。")}
            </p>
        }
        .into_any();
    }
    let words = match settlement.offline_validity {
        None => format!(
            "送信しました。オフラインでは確認できなかったこの方の、サーバーの判定は「{server}」です。この判定に従って対応してください。"
        ),
        Some(_) => format!(
            "サーバーの判定がオフラインの回答と異なります。オフライン「{}」→ サーバー「{server}」。サーバーの判定に従って対応してください。",
            settlement.offline_label
        ),
    };
    view! {
        <p class="banner banner-warn" role="alert" data-testid="settled-notice" data-changed="true">
            {words}
        </p>
    }
    .into_any()
}
