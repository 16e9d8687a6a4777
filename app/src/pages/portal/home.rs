//! `/me`: the recipient's own page — who they are registered as, how long their
//! 医療扶助 runs, and where this month's 医療券・調剤券 let them go.

use domain::api::{RecipientHome, TicketBrief};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::data::{section_view, use_section};
use super::ticket_card::{self_pay_text, tel_href, NoTicketNote, RestrictedNotice};
use crate::api;
use crate::components::{DateJa, DateRangeJa, PageHeading, Ruby};
use crate::format::{month_label, ticket_type_label, treatment_type_label};
use crate::session::use_session;

/// The home answer with the server's date it was for, kept together (offline, the
/// month shown must be the month of the data, not of the device's clock).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct HomeData {
    home: RecipientHome,
    today: String,
}

#[component]
pub fn RecipientHome() -> impl IntoView {
    let session = use_session();
    let home = use_section(
        || "home".to_string(),
        move || {
            let today = session
                .info
                .with(|info| info.as_ref().map(|info| info.today.clone()))
                .unwrap_or_default();
            async move {
                let home = session.check(api::recipient_home().await)?;
                Ok(HomeData { home, today })
            }
        },
    );
    view! {
        <section class="page">
            <PageHeading title="わたしの医療扶助" testid="recipient-home-heading"/>
            {section_view(home, |data: HomeData| view! { <RecipientOverview home=data.home today=data.today/> })}
        </section>
    }
}

#[component]
fn RecipientOverview(home: RecipientHome, today: String) -> impl IntoView {
    let month = month_label(&today);
    let ended = has_ended(home.qualified_until.as_deref(), &today);
    let phone_href = tel_href(&home.office_phone);

    view! {
        <div class="org-card" data-testid="recipient-card">
            <p class="org-name" data-testid="recipient-name">{home.name.clone()}" 様"</p>
            <dl class="org-facts">
                <div>
                    <dt><Ruby word="受給者番号" reading="じゅきゅうしゃばんごう"/></dt>
                    <dd data-testid="recipient-number">{home.recipient_number.clone()}</dd>
                </div>
                <div>
                    <dt>"担当の"<Ruby word="福祉事務所" reading="ふくしじむしょ"/></dt>
                    <dd data-testid="recipient-office">{home.office_name.clone()}</dd>
                </div>
                <div>
                    <dt>"電話番号"</dt>
                    <dd><a href=phone_href data-testid="recipient-office-phone">{home.office_phone.clone()}</a></dd>
                </div>
            </dl>
        </div>

        <h2>"医療扶助を受けられる期間"</h2>
        <p class="plain" data-testid="recipient-qualification">
            <Qualification from=home.qualified_from.clone() until=home.qualified_until.clone() today=today/>
        </p>

        <h2>
            "今月の"<Ruby word="医療券" reading="いりょうけん"/>"・"<Ruby word="調剤券" reading="ちょうざいけん"/>
            {format!("（{month}）")}
        </h2>
        {home.restricted.then(|| view! {
            <RestrictedNotice office_name=home.office_name.clone() office_phone=home.office_phone.clone()/>
        })}
        {if home.tickets_this_month.is_empty() {
            view! {
                <NoTicketNote office_name=home.office_name.clone() office_phone=home.office_phone.clone() ended=ended/>
            }
            .into_any()
        } else {
            view! {
                <p class="hint">
                    "医療券・調剤券は、券に書かれた医療機関・薬局で使えます。ほかの医療機関にかかるときは、先に福祉事務所へ連絡してください。"
                </p>
                <ul class="tickets" data-testid="tickets">
                    {home.tickets_this_month.into_iter().map(|ticket| view! { <Ticket ticket=ticket/> }).collect_view()}
                </ul>
            }
            .into_any()
        }}
        <p class="more-link">
            <a class="button" href="/me/tickets">"前の月の医療券・調剤券を見る"</a>
        </p>
    }
}

/// 資格喪失日 is already past. (ISO dates compare correctly as strings.)
fn has_ended(until: Option<&str>, today: &str) -> bool {
    until.is_some_and(|until| !today.is_empty() && until < today)
}

/// 資格期間 in plain words.
#[component]
fn Qualification(from: Option<String>, until: Option<String>, today: String) -> impl IntoView {
    let ended = has_ended(until.as_deref(), &today);
    let not_started = from
        .as_deref()
        .is_some_and(|from| !today.is_empty() && from > today.as_str());
    match (from, until) {
        (None, _) => view! {
            "資格の情報はまだ登録されていません。福祉事務所にお問い合わせください。"
        }
        .into_any(),
        (Some(_), Some(until)) if ended => view! {
            "医療扶助は " <DateJa iso=until/> " で終わっています。医療機関にかかる前に、福祉事務所に相談してください。"
        }
        .into_any(),
        (Some(from), Some(until)) => view! {
            <DateJa iso=from/> " から " <DateJa iso=until/> " まで、医療扶助を受けられます。"
        }
        .into_any(),
        (Some(from), None) if not_started => view! {
            <DateJa iso=from/> " から医療扶助を受けられます。"
        }
        .into_any(),
        (Some(from), None) => view! {
            <DateJa iso=from/> " から医療扶助を受けています。終わりの日は決まっていません。"
        }
        .into_any(),
    }
}

#[component]
fn Ticket(ticket: TicketBrief) -> impl IntoView {
    let pay = self_pay_text(ticket.self_pay_amount);
    view! {
        <li class="ticket" data-testid="ticket">
            <p class="ticket-kind">
                <span class="badge">{ticket_type_label(&ticket.ticket_type)}</span>
                " "
                {treatment_type_label(&ticket.treatment_type)}
            </p>
            <h3 class="ticket-institution" data-testid="ticket-institution">{ticket.institution_name}</h3>
            <dl class="ticket-details">
                <div>
                    <dt>"使える期間（"<Ruby word="有効期間" reading="ゆうこうきかん"/>"）"</dt>
                    <dd><DateRangeJa from=Some(ticket.valid_from) until=Some(ticket.valid_until)/></dd>
                </div>
                <div>
                    <dt><Ruby word="本人支払額" reading="ほんにんしはらいがく"/></dt>
                    <dd data-testid="ticket-self-pay">{pay}</dd>
                </div>
                {(!ticket.institution_code.is_empty()).then(|| view! {
                    <div><dt>"医療機関コード"</dt><dd>{ticket.institution_code}</dd></div>
                })}
            </dl>
        </li>
    }
}
