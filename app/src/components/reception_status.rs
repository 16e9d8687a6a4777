//! The desk's status line on every clinic page: online or offline (and what offline
//! cannot do), the roster kept on this PC with its 「最終同期」, how many checks wait to be
//! sent (「未送信 N件」), checks the server refused, and sent checks whose server verdict is
//! not the one given offline.
//!
//! Visiting a clinic page fetches this month's roster when it is not recent
//! ([`Reception::visit`]).

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::format::{instant_ja, month_label};
use crate::reception::{use_reception, Reception};

#[component]
pub fn ReceptionStatus() -> impl IntoView {
    let Some(reception) = use_reception() else {
        return ().into_any();
    };
    let location = use_location();
    Effect::new(move |_| {
        if location.pathname.get().starts_with("/clinic") {
            reception.visit();
        }
    });
    view! { <StatusBar reception=reception/> }.into_any()
}

#[component]
fn StatusBar(reception: Reception) -> impl IntoView {
    let offline = move || reception.offline();
    let roster_line = move || {
        reception.roster.with(|kept| match kept {
            Some(kept) => format!(
                "名簿（一括照会）: {} {}人（最終同期 {}）",
                month_label(&format!("{}-01", kept.roster.month)),
                kept.roster.recipients.len(),
                instant_ja(&kept.roster.generated_at)
            ),
            None => "名簿（一括照会）: この端末にはまだありません".to_string(),
        })
    };
    let pending = move || reception.pending.get();

    view! {
        <div class="reception-bar" data-testid="reception-bar">
            {move || offline().then(|| view! {
                <div class="offline-banner" role="status" data-testid="offline-banner">
                    <span class="offline-icon" aria-hidden="true">"⚠"</span>
                    <div>
                        <p class="offline-title">"オフライン: サーバーに接続できません"</p>
                        <p>
                            "番号入力の資格確認は、この端末に保存した名簿で行い、通信が戻ったら自動で送信します。"
                            "マイナンバーカードでの確認、本人同意、薬剤情報・健診情報の閲覧は、通信が戻るまで使えません。"
                        </p>
                    </div>
                </div>
            })}
            <div class="reception-bar-line">
                <p class="reception-roster" data-testid="roster-status">
                    {roster_line}
                    {move || reception.roster_loading.get().then_some(" ・ 更新しています…")}
                </p>
                <p
                    class=move || {
                        if pending() > 0 { "reception-pending has-pending" } else { "reception-pending" }
                    }
                    data-testid="outbox-pending"
                    data-count=move || pending().to_string()
                >
                    {move || format!("未送信 {}件", pending())}
                </p>
                {move || (pending() > 0).then(|| view! {
                    <button
                        type="button"
                        class="button button-quiet"
                        data-testid="outbox-send"
                        on:click=move |_| reception.sync_soon()
                    >
                        "今すぐ送信"
                    </button>
                })}
                <button
                    type="button"
                    class="button button-quiet"
                    data-testid="roster-refresh"
                    disabled=move || reception.roster_loading.get()
                    on:click=move |_| reception.refresh_roster()
                >
                    "名簿を更新"
                </button>
            </div>
            {move || reception.roster_error.get().map(|message| view! {
                <p class="field-error" role="alert" data-testid="roster-error">{message}</p>
            })}
            {move || {
                let changed = reception.changed_verdicts.get();
                (!changed.is_empty()).then(|| view! {
                    <div class="banner banner-warn" role="alert" data-testid="verdict-changes">
                        <p class="banner-text">
                            "オフラインで行った確認を送信しました。次の方は、サーバーの判定がオフラインでの回答と異なります。サーバーの判定に従って対応してください（福祉事務所への照会が必要な場合があります）。"
                        </p>
                        <ul>
                            {changed.into_iter().map(|s| view! {
                                <li data-testid="verdict-change" data-recipient=s.recipient_number.clone()>
                                    {format!(
                                        "受給者番号 {} （{}）: オフライン「{}」→ サーバー「{}」",
                                        s.recipient_number,
                                        instant_ja(&s.verified_at),
                                        s.offline_label,
                                        s.server.screen_label
                                    )}
                                </li>
                            }).collect_view()}
                        </ul>
                        <div class="banner-actions">
                            <button
                                type="button"
                                class="button button-quiet"
                                data-testid="verdict-changes-seen"
                                on:click=move |_| reception.update_changed_verdicts(Vec::clear)
                            >
                                "確認しました"
                            </button>
                        </div>
                    </div>
                })
            }}
            {move || {
                let problems = reception.sync_problems.get();
                (!problems.is_empty()).then(|| view! {
                    <div class="banner banner-error" role="alert" data-testid="sync-problems">
                        <p class="banner-text">
                            "オフラインで行った次の確認は、サーバーが受け付けませんでした（記録されていません）。福祉事務所に電話で確認してください。"
                        </p>
                        <ul>
                            {problems.into_iter().map(|p| view! {
                                <li>{format!("受給者番号 {} （{}）: {}", p.recipient_number, instant_ja(&p.verified_at), p.message)}</li>
                            }).collect_view()}
                        </ul>
                        <div class="banner-actions">
                            <button type="button" class="button button-quiet" on:click=move |_| reception.sync_problems.set(Vec::new())>
                                "確認しました"
                            </button>
                        </div>
                    </div>
                })
            }}
        </div>
    }
}
