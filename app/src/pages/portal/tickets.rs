//! `/me/tickets`: this month's 医療券・調剤券 first (or what to do when there is none),
//! then earlier months, newest first, and any later month already issued.

use domain::api::{PortalCoverage, PortalTicketMonth, PortalTickets as Tickets};
use domain::api::{PORTAL_TICKET_MONTHS_DEFAULT, PORTAL_TICKET_MONTHS_MAX};
use leptos::prelude::*;

use super::data::{section_view, use_section};
use super::ticket_card::{NoTicketNote, PortalTicketCard, RestrictedNotice};
use crate::api;
use crate::components::{PageHeading, Ruby};
use crate::format::month_label;

#[component]
pub fn PortalTickets() -> impl IntoView {
    let months = RwSignal::new(PORTAL_TICKET_MONTHS_DEFAULT);
    let tickets = use_section(
        || "tickets".to_string(),
        move || {
            let months = months.get();
            api::portal_tickets(months)
        },
    );
    view! {
        <section class="page">
            <PageHeading title="医療券・調剤券" testid="portal-tickets-heading"/>
            <p class="lead">
                <Ruby word="医療券" reading="いりょうけん"/>"・"<Ruby word="調剤券" reading="ちょうざいけん"/>
                "は、福祉事務所が月ごとに発行します。券に書かれた病院・診療所・薬局で、書かれた期間に使えます。"
            </p>
            {section_view(tickets, move |data: Tickets| view! { <TicketMonths data=data months=months/> })}
        </section>
    }
}

#[component]
fn TicketMonths(data: Tickets, months: RwSignal<u32>) -> impl IntoView {
    let this_month = data.this_month.clone();
    let ended = data.status == PortalCoverage::Ended;
    let current = data
        .months
        .iter()
        .find(|m| m.month == this_month)
        .cloned()
        .unwrap_or(PortalTicketMonth {
            month: this_month.clone(),
            tickets: Vec::new(),
        });
    let later: Vec<PortalTicketMonth> = data
        .months
        .iter()
        .filter(|m| m.month > this_month && !m.tickets.is_empty())
        .cloned()
        .collect();
    let earlier: Vec<PortalTicketMonth> = data
        .months
        .iter()
        .filter(|m| m.month < this_month)
        .cloned()
        .collect();
    let can_show_more = data.months_requested < PORTAL_TICKET_MONTHS_MAX;
    let requested = data.months_requested;
    let restricted = data.restricted.then(|| {
        view! { <RestrictedNotice office_name=data.office_name.clone() office_phone=data.office_phone.clone()/> }
    });

    view! {
        {restricted}
        <section class="month-block" aria-labelledby="tickets-this-month" data-testid="tickets-this-month">
            <h2 id="tickets-this-month">{format!("今月（{}）", month_label(&this_month))}</h2>
            {if current.tickets.is_empty() {
                view! {
                    <NoTicketNote office_name=data.office_name.clone() office_phone=data.office_phone.clone() ended=ended/>
                }
                .into_any()
            } else {
                view! {
                    <p class="hint">"ほかの医療機関にかかるときは、先に福祉事務所へ連絡してください。"</p>
                    <ul class="tickets">
                        {current.tickets.into_iter().map(|t| view! { <PortalTicketCard ticket=t/> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>

        {(!later.is_empty()).then(|| view! {
            <section class="month-block" aria-labelledby="tickets-later">
                <h2 id="tickets-later">"来月以降（発行済み）"</h2>
                {later.into_iter().map(|m| view! { <MonthTickets month=m/> }).collect_view()}
            </section>
        })}

        <section class="month-block" aria-labelledby="tickets-earlier" data-testid="tickets-earlier">
            <h2 id="tickets-earlier">"これまでの月"</h2>
            {earlier.into_iter().map(|m| view! { <MonthTickets month=m/> }).collect_view()}
            {can_show_more.then(|| view! {
                <p>
                    <button
                        type="button"
                        class="button"
                        data-testid="tickets-more"
                        on:click=move |_| months.set((requested * 2).min(PORTAL_TICKET_MONTHS_MAX))
                    >
                        "もっと前の月を見る"
                    </button>
                </p>
            })}
        </section>
    }
}

#[component]
fn MonthTickets(month: PortalTicketMonth) -> impl IntoView {
    view! {
        <div class="month" data-testid="ticket-month">
            <h3>{month_label(&month.month)}</h3>
            {if month.tickets.is_empty() {
                view! { <p class="muted">"この月の医療券・調剤券はありません。"</p> }.into_any()
            } else {
                view! {
                    <ul class="tickets">
                        {month.tickets.into_iter().map(|t| view! { <PortalTicketCard ticket=t/> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </div>
    }
}
