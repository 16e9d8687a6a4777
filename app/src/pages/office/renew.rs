//! `/office/renew`: next month's 医療券・調剤券 for the whole caseload (a supervisor: the
//! whole office). First a preview — what will be issued and what is skipped and why —
//! then 「発行する」 commits exactly that plan.

use domain::api::{RenewCommit, RenewPreview, RenewRequest, RenewResult};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use crate::api;
use crate::components::{DateRangeJa, ErrorBanner, PageHeading};
use crate::format::year_month;
use crate::session::use_session;

fn month_ja(month: &str) -> String {
    year_month(month)
        .map(|(y, m)| domain::paper::wareki_month(y, m))
        .unwrap_or_else(|| month.to_string())
}

#[component]
pub fn RenewTickets() -> impl IntoView {
    let session = use_session();
    let from_month = RwSignal::new(String::new());
    let preview = RwSignal::new(None::<RenewPreview>);
    let result = RwSignal::new(None::<RenewResult>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let typed_month = move || {
        let typed = from_month.get_untracked();
        (!typed.trim().is_empty()).then_some(typed)
    };
    let on_preview = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        result.set(None);
        let request = RenewRequest {
            from_month: typed_month(),
            caseworker_login: None,
        };
        spawn_local(async move {
            let answer = api::office_renew_preview(&request).await;
            busy.set(false);
            match session.check(answer) {
                Ok(p) => preview.set(Some(p)),
                Err(failure) => {
                    preview.set(None);
                    error.set(Some(
                        failure
                            .fields()
                            .first()
                            .map(|f| f.message.clone())
                            .unwrap_or_else(|| failure.message()),
                    ));
                }
            }
        });
    };
    let on_commit = move |_| {
        let Some(token) = preview.with_untracked(|p| p.as_ref().map(|p| p.preview_token.clone()))
        else {
            return;
        };
        busy.set(true);
        error.set(None);
        let request = RenewCommit {
            from_month: preview.with_untracked(|p| p.as_ref().map(|p| p.from_month.clone())),
            caseworker_login: None,
            preview_token: token,
        };
        spawn_local(async move {
            let answer = api::office_renew_commit(&request).await;
            busy.set(false);
            match session.check(answer) {
                Ok(r) => {
                    preview.set(None);
                    result.set(Some(r));
                }
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };

    view! {
        <section class="page">
            <PageHeading title="翌月分の医療券・調剤券の一括発行" testid="renew-heading"/>
            <p class="lead">"今月の医療券・調剤券をもとに翌月分を作ります。まずプレビューで内容を確認してください。"</p>
            <form class="form search-form" on:submit=on_preview data-testid="renew-form">
                <div class="field">
                    <label for="renew-from">"もとにする診療年月"</label>
                    <input id="renew-from" type="text" data-testid="renew-from" aria-describedby="renew-from-hint" autocomplete="off"
                        prop:value=move || from_month.get()
                        on:input=move |ev| from_month.set(event_target_value(&ev))/>
                    <p class="hint" id="renew-from-hint">"空欄なら今月（例: 令和6年4月、2024-04）"</p>
                </div>
                <button type="submit" class="button" data-testid="renew-preview" disabled=move || busy.get()>"プレビュー"</button>
            </form>
            {move || error.get().map(|m| view! { <ErrorBanner message=m/> })}
            {move || preview.get().map(|p| {
                let count = p.items.len();
                view! {
                    <h2>{format!("{} → {}", month_ja(&p.from_month), month_ja(&p.to_month))}</h2>
                    <p class="status-line" role="status" data-testid="renew-summary">
                        {format!("発行 {}件、発行しない {}件", count, p.skipped.len())}
                    </p>
                    {(count > 0).then(|| view! {
                        <div class="table-wrap" role="region" aria-label="発行する券" tabindex="0">
                            <table class="table" data-testid="renew-items">
                                <caption>"発行する券"</caption>
                                <thead><tr>
                                    <th scope="col">"受給者"</th><th scope="col">"券種"</th><th scope="col">"指定医療機関"</th>
                                    <th scope="col">"有効期間"</th><th scope="col">"傷病名"</th>
                                </tr></thead>
                                <tbody>
                                    {p.items.into_iter().map(|i| view! {
                                        <tr>
                                            <th scope="row"><A href=format!("/office/recipients/{}", i.recipient_id)>{format!("{} {}", i.recipient_number, i.recipient_name)}</A></th>
                                            <td>{i.ticket.ticket_type.label_ja()}</td>
                                            <td>{i.ticket.institution_name.clone()}</td>
                                            <td><DateRangeJa from=Some(i.ticket.valid_from.to_string()) until=Some(i.ticket.valid_until.to_string())/></td>
                                            <td>{i.ticket.injury_names.join("、")}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    })}
                    {(!p.skipped.is_empty()).then(|| view! {
                        <div class="table-wrap" role="region" aria-label="発行しない券" tabindex="0">
                            <table class="table" data-testid="renew-skipped">
                                <caption>"発行しない券と理由"</caption>
                                <thead><tr>
                                    <th scope="col">"受給者"</th><th scope="col">"指定医療機関"</th><th scope="col">"理由"</th>
                                </tr></thead>
                                <tbody>
                                    {p.skipped.into_iter().map(|s| view! {
                                        <tr>
                                            <th scope="row"><A href=format!("/office/recipients/{}", s.recipient_id)>{format!("{} {}", s.recipient_number, s.recipient_name)}</A></th>
                                            <td>{s.institution_name}</td>
                                            <td>{s.reason}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    })}
                    <div class="button-row">
                        <button type="button" class="button button-primary" data-testid="renew-commit"
                            disabled=move || { busy.get() || count == 0 } on:click=on_commit>
                            {format!("{count}件を発行する")}
                        </button>
                    </div>
                }
            })}
            {move || result.get().map(|r| view! {
                <p class="notice-ok" role="status" data-testid="renew-done">
                    {format!("{}分の医療券・調剤券を{}件発行しました。", month_ja(&r.to_month), r.created.len())}
                </p>
            })}
        </section>
    }
}
