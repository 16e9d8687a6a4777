//! The recipient portal (マイナポータル-style), phone first.
//!
//! | path | section |
//! |---|---|
//! | `/me` | ホーム: 資格 and this month's 医療券・調剤券 |
//! | `/me/tickets` | 医療券・調剤券: this month and past months |
//! | `/me/health` | くすり・健診: 薬剤情報 and 健診 results with trend charts |
//! | `/me/access` | 提供記録: who accessed the recipient's data |
//! | `/me/profile` | 資格情報 and 閲覧制限 |
//!
//! [`PortalShell`] guards the routes (recipients only) and draws the section tabs. When the
//! session cannot be checked because the network is down, it still opens the portal, and
//! each section shows what this device kept ([`data`]), with 「最終更新 …」.

mod access_log;
mod data;
mod health;
mod home;
mod profile;
mod ticket_card;
mod tickets;

pub use access_log::PortalAccessLog;
pub use health::PortalHealth;
pub use home::RecipientHome;
pub use profile::PortalProfile;
pub use tickets::PortalTickets;

use domain::api::Role;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

use crate::components::{RequireRole, Ruby};
use crate::session::{use_session, SessionCheck};

const RECIPIENT: &[Role] = &[Role::Recipient];

/// The frame of every `/me` page: recipients only, or anyone when offline (kept data).
#[component]
pub fn PortalShell() -> impl IntoView {
    let session = use_session();
    let offline = Memo::new(move |_| {
        matches!(session.check.get(), SessionCheck::Failed(_)) && session.role().is_none()
    });
    move || {
        if offline.get() {
            view! { <PortalFrame/> }.into_any()
        } else {
            view! { <RequireRole roles=RECIPIENT><PortalFrame/></RequireRole> }.into_any()
        }
    }
}

#[component]
fn PortalFrame() -> impl IntoView {
    view! {
        <div class="portal">
            <PortalNav/>
            <Outlet/>
        </div>
    }
}

/// The section tabs: large targets, one row on a phone.
#[component]
fn PortalNav() -> impl IntoView {
    view! {
        <nav class="portal-nav" aria-label="わたしのページ" data-testid="portal-nav">
            <ul>
                <li data-testid="portal-nav-home"><A href="/me" exact=true>"ホーム"</A></li>
                <li data-testid="portal-nav-tickets">
                    <A href="/me/tickets"><Ruby word="医療券" reading="いりょうけん"/></A>
                </li>
                <li data-testid="portal-nav-health">
                    <A href="/me/health"><span class="tab-part">"くすり・"</span><span class="tab-part"><Ruby word="健診" reading="けんしん"/></span></A>
                </li>
                <li data-testid="portal-nav-access">
                    <A href="/me/access"><Ruby word="提供記録" reading="ていきょうきろく"/></A>
                </li>
                <li data-testid="portal-nav-profile">
                    <A href="/me/profile"><Ruby word="資格情報" reading="しかくじょうほう"/></A>
                </li>
            </ul>
        </nav>
    }
}
