//! One 医療券・調剤券 as the recipient reads it, and the note for a month without one.

use domain::api::{PortalTicket, PORTAL_RESTRICTED_NOTICE};
use leptos::prelude::*;

use crate::components::{DateRangeJa, Ruby};
use crate::format::yen;

/// A phone number as a link the phone can dial.
pub fn tel_href(phone: &str) -> String {
    format!("tel:{}", phone.replace(['-', ' ', '(', ')'], ""))
}

/// 本人支払額 in plain words.
pub fn self_pay_text(amount: i64) -> String {
    if amount == 0 {
        "0円（窓口での支払いはありません）".to_string()
    } else {
        format!("{}（窓口で支払います）", yen(amount))
    }
}

/// 閲覧制限: why no institution is named on this page, and whom to ask (the office, when
/// known, with a number the phone can dial).
#[component]
pub fn RestrictedNotice(
    #[prop(optional)] office_name: String,
    #[prop(optional)] office_phone: String,
) -> impl IntoView {
    let office = (!office_name.is_empty()).then(|| {
        let phone = (!office_phone.is_empty()).then(|| {
            view! { " "<a class="tap" href=tel_href(&office_phone)>{office_phone.clone()}</a> }
        });
        view! { <p>"担当: "{office_name}{phone}</p> }
    });
    view! {
        <div class="restriction restriction-on" role="note" data-testid="restricted-notice">
            <p><strong>{PORTAL_RESTRICTED_NOTICE}</strong></p>
            <p>"ご本人を守るため、医療機関・薬局の名前や所在地はこのページに表示しません。"</p>
            {office}
        </div>
    }
}

#[component]
pub fn PortalTicketCard(ticket: PortalTicket) -> impl IntoView {
    let phone = ticket.institution_phone.clone();
    view! {
        <li class="ticket" data-testid="portal-ticket">
            <p class="ticket-kind">
                <span class="badge">{ticket.ticket_type_label.clone()}</span>
                " "
                {ticket.treatment_type_label.clone()}
                {ticket.retroactive.then(|| view! {
                    " "<span class="badge badge-warn" title="急病などで、受診の後に発行された券です">"あとから発行"</span>
                })}
            </p>
            <p class="ticket-institution" data-testid="portal-ticket-institution">
                <strong>{ticket.institution_name.clone()}</strong>
            </p>
            <dl class="ticket-details">
                <div>
                    <dt>"使える期間（"<Ruby word="有効期間" reading="ゆうこうきかん"/>"）"</dt>
                    <dd><DateRangeJa from=Some(ticket.valid_from.clone()) until=Some(ticket.valid_until.clone())/></dd>
                </div>
                <div>
                    <dt><Ruby word="本人支払額" reading="ほんにんしはらいがく"/></dt>
                    <dd data-testid="portal-ticket-self-pay">{self_pay_text(ticket.self_pay_amount)}</dd>
                </div>
                {ticket.prescriber_name.clone().map(|name| view! {
                    <div>
                        <dt><Ruby word="処方箋" reading="しょほうせん"/>"を出した医療機関"</dt>
                        <dd>{name}</dd>
                    </div>
                })}
                {phone.map(|phone| view! {
                    <div>
                        <dt>"電話"</dt>
                        <dd><a class="tap" href=tel_href(&phone)>{phone.clone()}</a></dd>
                    </div>
                })}
                {ticket.institution_address.clone().map(|address| view! {
                    <div><dt>"所在地"</dt><dd>{address}</dd></div>
                })}
                {(!ticket.institution_code.is_empty()).then(|| view! {
                    <div>
                        <dt>"医療機関コード"</dt>
                        <dd>{ticket.institution_code.clone()}</dd>
                    </div>
                })}
            </dl>
        </li>
    }
}

/// This month has no ticket: what to do before going to a doctor.
#[component]
pub fn NoTicketNote(office_name: String, office_phone: String, ended: bool) -> impl IntoView {
    let phone_link = (!office_phone.is_empty()).then(|| {
        view! { <a class="tap" href=tel_href(&office_phone)>{office_phone.clone()}</a> }
    });
    if ended {
        view! {
            <div class="notice" data-testid="no-ticket-note">
                <p><strong>"今月の医療券・調剤券はありません。"</strong></p>
                <p>
                    "医療扶助が終わっているため、医療券・調剤券は発行されません。医療機関にかかる前に、"
                    {office_name}"（電話 "{phone_link}"）へ相談してください。"
                </p>
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="notice" data-testid="no-ticket-note">
                <p><strong>"今月の医療券・調剤券はまだありません。"</strong></p>
                <p>
                    "病院・診療所・薬局にかかるときは、その前に担当の"
                    <Ruby word="福祉事務所" reading="ふくしじむしょ"/>
                    "（"{office_name}"、電話 "{phone_link}"）へ連絡してください。"
                    "福祉事務所が医療券・調剤券を発行し、かかる医療機関を登録します。"
                </p>
                <p>
                    <strong>"急な病気やけがのとき"</strong>
                    "は、夜間・休日など連絡できなければ先に受診してかまいません。そのあと、できるだけ早く福祉事務所へ連絡してください。"
                </p>
            </div>
        }
        .into_any()
    }
}
