//! The page frame and the routes.
//!
//! | path | who | page |
//! |---|---|---|
//! | `/` | anyone | to the signed-in role's home, or `/login` |
//! | `/login` | signed out | ID + password, or マイナンバーカード |
//! | `/office` | 地区担当員, 査察指導員 | 福祉事務所 home |
//! | `/clinic` | 医療機関・薬局 受付 | institution home |
//! | `/clinic/verify`, `/clinic/roster`, `/clinic/today` | 医療機関・薬局 受付 | 資格確認, 一括照会, 本日の確認 (`reception`; work offline from the kept roster) |
//! | `/me`, `/me/tickets`, `/me/health`, `/me/access`, `/me/profile` | 被保護者 | the portal (`pages::portal`; opens offline with kept data) |
//! | `/office/recipients`, `…/new`, `…/:id`, `…/:id/edit`, `…/:id/tickets/new`, `…/:id/visits` (受診状況) | 地区担当員, 査察指導員 | 被保護者台帳, 資格, 医療券 (`pages::office`) |
//! | `/office/tickets/:id/edit`, `/office/tickets/:id/print`, `/office/renew` | 地区担当員, 査察指導員 | 医療券の訂正・印刷, 翌月分の一括発行 |
//! | `/office/supervisor` | 査察指導員 | 事務所全体 |
//! | `/office/feed?date=`, `/office/screening?month=` | 地区担当員, 査察指導員 | 資格確認の日次連携, 頻回受診・未委託受診スクリーニング (WebAssembly) |
//! | `/office/health-import` | 地区担当員, 査察指導員 | 健診結果・薬剤情報の取り込み (checked in WebAssembly first), 健診の書き出し |
//! | `/office/claims?id=` | 地区担当員, 査察指導員 | 請求前資格確認: 資格情報ファイルの確認, 返戻情報ファイル (`pages::claims`) |
//! | `/operator` | システム運用者 | counts |
//!
//! A role page opened while signed out goes to `/login`; opened by another role, to
//! that role's own home ([`RequireRole`]).

use domain::api::Role;
use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::hooks::use_navigate;
use leptos_router::{path, NavigateOptions};

use crate::components::{
    ErrorBanner, Loading, ReceptionStatus, RequireRole, SiteHeader, UpdateBanner,
};
use crate::pages::claims::ClaimsCheckPage;
use crate::pages::health_import::HealthImportPage;
use crate::pages::office::{
    ClosedDaysPage, RecipientDetailPage, RecipientEdit, RecipientNew, RecipientNoticePage,
    RecipientSearch, RecipientVisitsPage, RenewTickets, SupervisorPage, TicketEdit, TicketNew,
    TicketPrintPage,
};
use crate::pages::portal::{
    PortalAccessLog, PortalHealth, PortalProfile, PortalShell, PortalTickets, RecipientHome,
};
use crate::pages::{
    clinic_home::ClinicHome, clinic_roster::ClinicRoster, clinic_today::ClinicToday,
    clinic_verify::ClinicVerify, login::LoginPage, not_found::NotFound, office_home::OfficeHome,
    operator_home::OperatorHome,
};
use crate::pages::{feed::FeedPage, screening::ScreeningPage};
use crate::reception::provide_reception;
use crate::service_worker::provide_service_worker;
use crate::session::{home_path, provide_session, use_session, SessionCheck};

const OFFICE_ROLES: &[Role] = &[Role::Caseworker, Role::Supervisor];

#[component]
pub fn App() -> impl IntoView {
    let session = provide_session();
    provide_reception();
    provide_service_worker();
    let clinic = move || session.role() == Some(Role::Clinic);

    view! {
        <Router>
            <a class="skip-link" href="#main">"本文へ移動"</a>
            <SiteHeader/>
            <UpdateBanner/>
            <main id="main" class="main" tabindex="-1">
                {move || clinic().then(|| view! { <ReceptionStatus/> })}
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=RootRedirect/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route
                        path=path!("/office")
                        view=|| view! { <RequireRole roles=OFFICE_ROLES><OfficeHome/></RequireRole> }
                    />
                    <Route
                        path=path!("/office/feed")
                        view=|| view! { <RequireRole roles=OFFICE_ROLES><FeedPage/></RequireRole> }
                    />
                    <Route
                        path=path!("/office/screening")
                        view=|| view! { <RequireRole roles=OFFICE_ROLES><ScreeningPage/></RequireRole> }
                    />
                    <Route
                        path=path!("/office/claims")
                        view=|| view! { <RequireRole roles=OFFICE_ROLES><ClaimsCheckPage/></RequireRole> }
                    />
                    <Route
                        path=path!("/office/health-import")
                        view=|| view! { <RequireRole roles=OFFICE_ROLES><HealthImportPage/></RequireRole> }
                    />
                    <Route
                        path=path!("/office/recipients")
                        view=|| view! { <RequireRole roles=OFFICE_ROLES><RecipientSearch/></RequireRole> }
                    />
                    <Route
                        path=path!("/office/recipients/new")
                        view=|| view! { <RequireRole roles=OFFICE_ROLES><RecipientNew/></RequireRole> }
                    />
                    <Route
                        path=path!("/office/recipients/:id")
                        view=|| view! { <RequireRole roles=OFFICE_ROLES><RecipientDetailPage/></RequireRole> }
                    />
                    <Route
                        path=path!("/office/recipients/:id/edit")
                        view=|| view! { <RequireRole roles=OFFICE_ROLES><RecipientEdit/></RequireRole> }
                    />
                    <Route
                        path=path!("/office/recipients/:id/tickets/new")
                        view=|| view! { <RequireRole roles=OFFICE_ROLES><TicketNew/></RequireRole> }
                    />
                    <Route
                        path=path!("/office/tickets/:id/edit")
                        view=|| view! { <RequireRole roles=OFFICE_ROLES><TicketEdit/></RequireRole> }
                    />
                    <Route
                        path=path!("/office/tickets/:id/print")
                        view=|| view! { <RequireRole roles=OFFICE_ROLES><TicketPrintPage/></RequireRole> }
                    />
                    <Route
                        path=path!("/office/recipients/:id/visits")
                        view=|| view! { <RequireRole roles=OFFICE_ROLES><RecipientVisitsPage/></RequireRole> }
                    />
                    <Route
                        path=path!("/office/recipients/:id/notice")
                        view=|| view! { <RequireRole roles=OFFICE_ROLES><RecipientNoticePage/></RequireRole> }
                    />
                    <Route
                        path=path!("/office/closed-days")
                        view=|| view! { <RequireRole roles=OFFICE_ROLES><ClosedDaysPage/></RequireRole> }
                    />
                    <Route
                        path=path!("/office/renew")
                        view=|| view! { <RequireRole roles=OFFICE_ROLES><RenewTickets/></RequireRole> }
                    />
                    <Route
                        path=path!("/office/supervisor")
                        view=|| view! { <RequireRole roles=&[Role::Supervisor]><SupervisorPage/></RequireRole> }
                    />
                    <Route
                        path=path!("/clinic")
                        view=|| view! { <RequireRole roles=&[Role::Clinic]><ClinicHome/></RequireRole> }
                    />
                    <Route
                        path=path!("/clinic/verify")
                        view=|| view! { <RequireRole roles=&[Role::Clinic]><ClinicVerify/></RequireRole> }
                    />
                    <Route
                        path=path!("/clinic/roster")
                        view=|| view! { <RequireRole roles=&[Role::Clinic]><ClinicRoster/></RequireRole> }
                    />
                    <Route
                        path=path!("/clinic/today")
                        view=|| view! { <RequireRole roles=&[Role::Clinic]><ClinicToday/></RequireRole> }
                    />
                    <ParentRoute path=path!("/me") view=PortalShell>
                        <Route path=path!("") view=RecipientHome/>
                        <Route path=path!("tickets") view=PortalTickets/>
                        <Route path=path!("health") view=PortalHealth/>
                        <Route path=path!("access") view=PortalAccessLog/>
                        <Route path=path!("profile") view=PortalProfile/>
                    </ParentRoute>
                    <Route
                        path=path!("/operator")
                        view=|| view! { <RequireRole roles=&[Role::Operator]><OperatorHome/></RequireRole> }
                    />
                </Routes>
            </main>
            <footer class="site-footer">
                <p>"扶助オン資 — 生活保護 医療扶助のオンライン資格確認"</p>
            </footer>
        </Router>
    }
}

/// `/`: once the session is known, go to the right home.
#[component]
fn RootRedirect() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if session.check.get() == SessionCheck::Checking {
            return;
        }
        let target = match session.role() {
            Some(role) => home_path(role),
            None if session.check.get() == SessionCheck::Done => "/login",
            None => return,
        };
        navigate(
            target,
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        );
    });
    move || match session.check.get() {
        SessionCheck::Failed(message) if session.role().is_none() => view! {
            <ErrorBanner message=message>
                <button type="button" class="button" on:click=move |_| session.refresh()>
                    "再試行"
                </button>
            </ErrorBanner>
        }
        .into_any(),
        _ => view! { <Loading text="ログイン状態を確認しています…"/> }.into_any(),
    }
}
