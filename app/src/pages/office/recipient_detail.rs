//! `/office/recipients/:id`: one recipient — 基本情報 (個人番号 masked; a supervisor may
//! reveal it with a reason, which is audited), カード, why paper is needed, 閲覧制限,
//! 資格 history with due dates, and tickets by month.
//!
//! A recipient of another office answers 404 like one that does not exist; the page
//! says 見つかりません.

use domain::api::{ErrorCode, RecipientDetail, RevealRequest, Role};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::qualification_panel::QualificationPanel;
use super::restriction_panel::RestrictionPanel;
use super::ticket_months::{JustDone, TicketMonths};
use super::{not_found, recipient_id, sex_label};
use crate::api::{self, Failure};
use crate::components::{DateJa, DateRangeJa, LoadError, Loading, PageHeading};
use crate::session::use_session;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Loading,
    Loaded,
    NotFound,
    Failed(Failure),
}

#[component]
pub fn RecipientDetailPage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let detail = RwSignal::new(None::<Result<RecipientDetail, Failure>>);
    let load = move || {
        let id = recipient_id(&params.get_untracked());
        detail.set(None);
        spawn_local(async move {
            let result = match id {
                Some(id) => session.check(api::office_recipient(id).await),
                None => Err(not_found()),
            };
            detail.set(Some(result));
        });
    };
    Effect::new(move |_| {
        params.track();
        load();
    });
    // Panels write new answers into `detail`; the page is rebuilt only when loading,
    // loaded and failed change over, so a panel keeps its own state (messages) meanwhile.
    let phase = Memo::new(move |_| match detail.get() {
        None => Phase::Loading,
        Some(Ok(_)) => Phase::Loaded,
        Some(Err(failure)) if failure.code() == Some(ErrorCode::NotFound) => Phase::NotFound,
        Some(Err(failure)) => Phase::Failed(failure),
    });
    let title = move || match detail.get() {
        Some(Ok(d)) => format!("{}（{}）", d.name, d.recipient_number),
        _ => "被保護者".to_string(),
    };

    view! {
        <section class="page">
            {move || view! { <PageHeading title=title() testid="recipient-heading"/> }}
            <p><A href="/office/recipients">"← 被保護者台帳"</A></p>
            {move || match phase.get() {
                Phase::Loading => view! { <Loading/> }.into_any(),
                Phase::Loaded => view! { <Detail detail=detail/> }.into_any(),
                Phase::NotFound => view! {
                    <div class="banner banner-error" role="alert" data-testid="recipient-not-found">
                        <p class="banner-text">"この受給者は見つかりません。削除されたか、別の福祉事務所の受給者です。"</p>
                    </div>
                }
                .into_any(),
                Phase::Failed(failure) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| load())/>
                }
                .into_any(),
            }}
        </section>
    }
}

/// The loaded recipient; every panel writes its answer back into `detail`.
#[component]
fn Detail(detail: RwSignal<Option<Result<RecipientDetail, Failure>>>) -> impl IntoView {
    let current = Memo::new(move |_| detail.get().and_then(Result::ok));
    let updated = Callback::new(move |d: RecipientDetail| detail.set(Some(Ok(d))));
    let field = move |f: fn(&RecipientDetail) -> String| {
        move || current.with(|d| d.as_ref().map(f).unwrap_or_default())
    };
    let id = current.with_untracked(|d| d.as_ref().map(|d| d.id).unwrap_or_default());
    // The ticket the form just issued or amended, confirmed where it is listed: once, so a
    // later change on this page (a 取消) does not bring it back.
    let query = use_query_map();
    let pending = StoredValue::new(query.with_untracked(|query| {
        let read = |key: &str| query.get(key).and_then(|v| v.parse::<i64>().ok());
        read("issued")
            .map(|id| JustDone {
                ticket_id: id,
                verb: "発行",
            })
            .or_else(|| {
                read("amended").map(|id| JustDone {
                    ticket_id: id,
                    verb: "訂正",
                })
            })
    }));
    let just_done = move || {
        let once = pending.get_value();
        pending.set_value(None);
        once
    };

    view! {
        <div class="button-row page-actions">
            <A href=format!("/office/recipients/{id}/edit") attr:class="button" attr:data-testid="edit-recipient">"基本情報を修正"</A>
            <A href=format!("/office/recipients/{id}/tickets/new") attr:class="button button-primary" attr:data-testid="new-ticket">"医療券・調剤券を発行"</A>
            <A href=format!("/office/recipients/{id}/notice") attr:class="button" attr:data-testid="print-notice">"資格確認のご案内を印刷"</A>
            <A href=format!("/office/recipients/{id}/visits") attr:class="button" attr:data-testid="recipient-visits">"受診状況"</A>
        </div>

        <h2 id="basic-title">"基本情報"</h2>
        <dl class="facts" aria-labelledby="basic-title" data-testid="recipient-facts">
            <div><dt>"公費負担者番号"</dt><dd data-testid="office-number">{field(|d| d.office_number.clone())}</dd></div>
            <div><dt>"受給者番号"</dt><dd data-testid="recipient-number">{field(|d| d.recipient_number.clone())}</dd></div>
            <div><dt>"氏名"</dt><dd data-testid="recipient-name">{field(|d| d.name.clone())}</dd></div>
            <div><dt>"氏名カナ"</dt><dd>{field(|d| d.name_kana.clone())}</dd></div>
            <div><dt>"性別"</dt><dd>{field(|d| sex_label(&d.sex).to_string())}</dd></div>
            <div><dt>"生年月日"</dt><dd>{move || current.get().map(|d| view! { <DateJa iso=d.birth_date/> })}</dd></div>
            <div><dt>"郵便番号"</dt><dd>{field(|d| d.postal_code.clone().unwrap_or_else(|| "—".into()))}</dd></div>
            <div><dt>"住所"</dt><dd>{field(|d| d.address.clone().unwrap_or_else(|| "—".into()))}</dd></div>
            <div><dt>"ケース番号"</dt><dd>{field(|d| d.case_number.clone().unwrap_or_else(|| "—".into()))}</dd></div>
            <div><dt>"地区担当員"</dt><dd>{field(|d| d.caseworker_name.clone().or(d.caseworker_login.clone()).unwrap_or_else(|| "未割当".into()))}</dd></div>
            <div><dt>"個人番号"</dt><dd><IndividualNumber id=id masked=current.with_untracked(|d| d.as_ref().and_then(|d| d.individual_number_masked.clone()))/></dd></div>
        </dl>

        <h2 id="card-title">"マイナンバーカード"</h2>
        <dl class="facts" aria-labelledby="card-title" data-testid="card-facts">
            <div><dt>"カード保有"</dt><dd data-testid="card-held">{field(|d| if d.card_held { "あり" } else { "なし" }.into())}</dd></div>
            <div><dt>"利用申込"</dt><dd data-testid="card-registered">{field(|d| if d.card_registered { "済み" } else { "なし" }.into())}</dd></div>
        </dl>
        {move || current.get().map(|d| if d.paper_reasons.is_empty() {
            view! { <p class="notice-ok" data-testid="paper-none">"カードで資格確認できます（紙の医療券が必要かは指定医療機関によります）。"</p> }.into_any()
        } else {
            view! {
                <div class="notice" data-testid="paper-reasons">
                    <p><strong>"紙の医療券・調剤券が必要です。"</strong></p>
                    <ul>{d.paper_reasons.into_iter().map(|p| view! { <li>{p.message}</li> }).collect_view()}</ul>
                </div>
            }
            .into_any()
        })}

        <RestrictionPanel detail=current updated=updated/>
        <QualificationPanel detail=current updated=updated/>

        <h2 id="tickets-title">"医療券・調剤券"</h2>
        {move || current.get().map(|d| view! { <TicketMonths recipient_id=d.id months=d.tickets_by_month updated=updated just_done=just_done()/> })}

        <p class="hint">
            {move || current.get().map(|d| view! {
                "資格期間: " <DateRangeJa from=d.qualified_from until=d.qualified_until/>
                " ／ 登録 " {crate::format::instant_ja(&d.created_at)}
                " ／ 更新 " {crate::format::instant_ja(&d.updated_at)}
            })}
        </p>
    }
}

/// 個人番号: masked; 査察指導員 may reveal it after giving a reason (audited).
#[component]
fn IndividualNumber(id: i64, masked: Option<String>) -> impl IntoView {
    let session = use_session();
    let Some(masked) = masked else {
        return view! { <span data-testid="individual-number">"未登録"</span> }.into_any();
    };
    let supervisor = session.role() == Some(Role::Supervisor);
    let asking = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let revealed = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = reason.get_untracked();
        if typed.trim().is_empty() {
            error.set(Some("表示する理由を入力してください。".into()));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result =
                api::office_reveal_individual_number(id, &RevealRequest { reason: typed }).await;
            busy.set(false);
            match session.check(result) {
                Ok(number) => {
                    revealed.set(Some(number.individual_number));
                    asking.set(false);
                    error.set(None);
                }
                Err(failure) => error.set(Some(
                    failure
                        .fields()
                        .first()
                        .map(|f| f.message.clone())
                        .unwrap_or_else(|| failure.message()),
                )),
            }
        });
    };
    view! {
        <span data-testid="individual-number">{move || revealed.get().unwrap_or_else(|| masked.clone())}</span>
        {move || (supervisor && revealed.get().is_none() && !asking.get()).then(|| view! {
            " "
            <button type="button" class="button button-quiet" data-testid="reveal-individual" on:click=move |_| asking.set(true)>
                "表示する"
            </button>
        })}
        {move || revealed.get().map(|_| view! {
            <span class="hint" role="status">" 表示した記録が残ります（本人が閲覧できる提供記録）。"</span>
        })}
        {move || asking.get().then(|| view! {
            <form class="inline-form" on:submit=on_submit data-testid="reveal-form">
                <div class="field">
                    <label for="reveal-reason">"表示する理由"</label>
                    <input id="reveal-reason" type="text" data-testid="reveal-reason" autocomplete="off"
                        aria-describedby="reveal-reason-error"
                        prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))/>
                    <p class="field-state" id="reveal-reason-error">
                        {move || error.get().map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                    </p>
                </div>
                <div class="button-row">
                    <button type="submit" class="button button-primary" data-testid="reveal-submit" disabled=move || busy.get()>"理由を記録して表示"</button>
                    <button type="button" class="button button-quiet" on:click=move |_| asking.set(false)>"やめる"</button>
                </div>
            </form>
        })}
    }
    .into_any()
}
