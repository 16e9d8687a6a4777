//! The recipient's 医療券・調剤券 by 診療年月, each with 訂正, 取消 (with a reason) and
//! 印刷, and why it must go on paper.

use domain::api::{ReasonRequest, RecipientDetail, TicketMonth, TicketStatus, TicketView};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use crate::api;
use crate::components::DateRangeJa;
use crate::format::{year_month, yen};
use crate::session::use_session;

/// The ticket the caseworker has just issued or amended (`verb`: 発行 / 訂正).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JustDone {
    pub ticket_id: i64,
    pub verb: &'static str,
}

#[component]
pub fn TicketMonths(
    recipient_id: i64,
    months: Vec<TicketMonth>,
    updated: Callback<RecipientDetail>,
    just_done: Option<JustDone>,
) -> impl IntoView {
    if months.iter().all(|m| m.tickets.is_empty()) {
        return view! { <p class="empty" data-testid="tickets-empty">"医療券・調剤券はまだ発行されていません。"</p> }.into_any();
    }
    months
        .into_iter()
        .filter(|m| !m.tickets.is_empty())
        .map(|month| {
            let label = year_month(&month.month)
                .map(|(y, m)| domain::paper::wareki_month(y, m))
                .unwrap_or_else(|| month.month.clone());
            let heading_id = format!("month-{}", month.month);
            let labelled_by = heading_id.clone();
            view! {
                <section class="month-block" aria-labelledby=labelled_by data-testid="ticket-month">
                    <h3 id=heading_id>{label}</h3>
                    <ul class="tickets office-tickets">
                        {month.tickets.into_iter().map(|t| {
                            let verb = just_done.filter(|j| j.ticket_id == t.id).map(|j| j.verb);
                            view! { <TicketItem ticket=t recipient_id=recipient_id updated=updated just_done=verb/> }
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
        .collect_view()
        .into_any()
}

#[component]
fn TicketItem(
    ticket: TicketView,
    recipient_id: i64,
    updated: Callback<RecipientDetail>,
    just_done: Option<&'static str>,
) -> impl IntoView {
    let session = use_session();
    let id = ticket.id;
    let cancelling = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let active = ticket.status == TicketStatus::Active;
    let t = ticket.ticket;
    let on_cancel = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = ReasonRequest {
            reason: reason.get_untracked(),
        };
        busy.set(true);
        spawn_local(async move {
            let cancelled = api::office_cancel_ticket(id, &request).await;
            let result = match session.check(cancelled) {
                Ok(_) => session.check(api::office_recipient(recipient_id).await),
                Err(failure) => Err(failure),
            };
            busy.set(false);
            match result {
                Ok(d) => updated.run(d),
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
    let reason_id = format!("cancel-reason-{id}");
    let status = if active { "有効" } else { "取消" };
    view! {
        <li class="ticket" class:ticket-cancelled=!active class:ticket-just-done=just_done.is_some() data-testid="office-ticket">
            {just_done.map(|verb| view! {
                <Confirmation verb=verb kind=t.ticket_type.label_ja() issue_number=t.issue_number.clone() print_href=format!("/office/tickets/{id}/print")/>
            })}
            <p class="ticket-kind">
                <strong>{t.ticket_type.label_ja()}</strong>
                {format!(" 交付番号 {} ・{}", t.issue_number, t.treatment_type.label_ja())}
                <span class=if active { "badge badge-ok" } else { "badge badge-bad" }>{status}</span>
                {ticket.retroactive.then(|| view! { <span class="badge badge-warn">"事後委託"</span> })}
            </p>
            <p class="ticket-institution">{format!("{} {}", t.institution_code.as_str(), t.institution_name)}</p>
            <dl class="ticket-details">
                <div><dt>"有効期間"</dt><dd><DateRangeJa from=Some(t.valid_from.to_string()) until=Some(t.valid_until.to_string())/></dd></div>
                <div><dt>"傷病名"</dt><dd>{if t.injury_names.is_empty() { "—".to_string() } else { t.injury_names.join("、") }}</dd></div>
                <div><dt>"本人支払額"</dt><dd>{yen(t.self_pay_amount)}</dd></div>
                {t.prescriber_name.clone().map(|p| view! { <div><dt>"処方箋発行元"</dt><dd>{p}</dd></div> })}
                {t.retroactive_reason.clone().map(|r| view! { <div><dt>"事後委託の理由"</dt><dd>{r}</dd></div> })}
                {ticket.cancel_reason.clone().map(|r| view! { <div><dt>"取消理由"</dt><dd>{r}</dd></div> })}
            </dl>
            {(active && !ticket.paper_reasons.is_empty()).then(|| view! {
                <div class="notice" data-testid="ticket-paper">
                    <p><strong>"紙の" {t.ticket_type.label_ja()} "が必要です:"</strong></p>
                    <ul>{ticket.paper_reasons.into_iter().map(|p| view! { <li>{p.message}</li> }).collect_view()}</ul>
                </div>
            })}
            {active.then(|| view! {
                <div class="button-row">
                    <A href=format!("/office/tickets/{id}/print") attr:class="button" attr:data-testid="print-ticket">"印刷"</A>
                    <A href=format!("/office/tickets/{id}/edit") attr:class="button" attr:data-testid="amend-ticket">"訂正"</A>
                    <button type="button" class="button button-quiet" data-testid="cancel-ticket" on:click=move |_| cancelling.set(true)>"取消"</button>
                </div>
            })}
            {move || cancelling.get().then(|| {
                let reason_id = reason_id.clone();
                view! {
                    <form class="inline-form" on:submit=on_cancel data-testid="cancel-form">
                        <label for=reason_id.clone()>"取消の理由"</label>
                        <input id=reason_id type="text" autocomplete="off" data-testid="cancel-reason"
                            prop:value=move || reason.get()
                            on:input=move |ev| reason.set(event_target_value(&ev))/>
                        <button type="submit" class="button" data-testid="cancel-submit" disabled=move || busy.get()>"取り消す"</button>
                        <button type="button" class="button button-quiet" on:click=move |_| cancelling.set(false)>"やめる"</button>
                    </form>
                }
            })}
            {move || error.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
        </li>
    }
}

/// 「医療券を発行しました。交付番号 …」 at the top of the ticket just issued, with its print
/// link. It takes the focus, which brings it and the ticket below it into view and has a
/// screen reader read it.
#[component]
fn Confirmation(
    verb: &'static str,
    kind: &'static str,
    issue_number: String,
    print_href: String,
) -> impl IntoView {
    let banner = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(element) = banner.get() {
            request_animation_frame(move || {
                let _ = element.focus();
                element.scroll_into_view_with_bool(true);
            });
        }
    });
    view! {
        <div class="banner banner-ok" role="status" tabindex="-1" node_ref=banner data-testid="ticket-confirmation">
            <p class="banner-text">
                <strong>{format!("{kind}を{verb}しました。")}</strong>
                {format!("交付番号 {issue_number}")}
            </p>
            <div class="banner-actions">
                <A href=print_href attr:class="button button-primary" attr:data-testid="confirmation-print">{format!("この{kind}を印刷する")}</A>
            </div>
        </div>
    }
}
