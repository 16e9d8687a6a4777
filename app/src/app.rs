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
//!
//! Each group of routes is compiled only into its role's bundle (`domain::bundle::Bundle`,
//! the `role-*` features); a path another bundle shows reloads the page
//! ([`ElsewhereOrNotFound`]), so links across bundles are ordinary links.

use domain::api::Role;
use domain::bundle::Bundle;
use leptos::prelude::*;
use leptos::tachys::view::iterators::StaticVec;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::{path, NavigateOptions};

use crate::components::{ErrorBanner, Loading, RequireRole, SiteHeader, UpdateBanner};
use crate::pages::not_found::NotFound;
use crate::service_worker::provide_service_worker;
use crate::session::{home_path, provide_session, use_session, SessionCheck};

#[cfg(any(
    feature = "role-office",
    feature = "role-office-forms",
    feature = "role-office-tools"
))]
const OFFICE_ROLES: &[Role] = &[Role::Caseworker, Role::Supervisor];

/// Whether this build holds the pages of `bundle` (the `role-*` features it was built with).
pub fn holds(bundle: Bundle) -> bool {
    match bundle {
        Bundle::Signin => cfg!(feature = "role-signin"),
        Bundle::Reception => cfg!(feature = "role-reception"),
        Bundle::ReceptionLists => cfg!(feature = "role-reception-lists"),
        Bundle::Office => cfg!(feature = "role-office"),
        Bundle::OfficeForms => cfg!(feature = "role-office-forms"),
        Bundle::OfficeTools => cfg!(feature = "role-office-tools"),
        Bundle::Portal => cfg!(feature = "role-portal"),
        Bundle::Operator => cfg!(feature = "role-operator"),
    }
}

#[component]
pub fn App() -> impl IntoView {
    forget_reload_if_arrived();
    let session = provide_session();
    #[cfg(any(feature = "role-reception", feature = "role-reception-lists"))]
    crate::reception::provide_reception();
    provide_service_worker();
    let clinic = move || session.role() == Some(Role::Clinic);

    view! {
        <Router>
            <a class="skip-link" href="#main">"本文へ移動"</a>
            <SiteHeader/>
            <UpdateBanner/>
            <main id="main" class="main" tabindex="-1">
                {move || clinic().then(reception_status)}
                <Routes fallback=ElsewhereOrNotFound>
                    <SigninRoutes/>
                    <OfficeRoutes/>
                    <OfficeFormsRoutes/>
                    <OfficeToolsRoutes/>
                    <ReceptionRoutes/>
                    <ReceptionListsRoutes/>
                    <PortalRoutes/>
                    <OperatorRoutes/>
                </Routes>
            </main>
            <footer class="site-footer">
                <p>"扶助オン資 — 生活保護 医療扶助のオンライン資格確認"</p>
            </footer>
        </Router>
    }
}

/// The reception desk's status line (roster, outbox), on every page of a clinic's session.
#[cfg(any(feature = "role-reception", feature = "role-reception-lists"))]
fn reception_status() -> impl IntoView {
    view! { <crate::components::ReceptionStatus/> }
}

/// Without the reception desk's pages, a clinic's session has no status line here.
#[cfg(not(any(feature = "role-reception", feature = "role-reception-lists")))]
fn reception_status() -> impl IntoView {}

/// A path this build has no route for: when another bundle shows it (a link from the office
/// home to the screening, the sign-in page moving to a role's home), the page is loaded
/// again so that the server gives that bundle's HTML; otherwise 「ページが見つかりません」.
#[component]
fn ElsewhereOrNotFound() -> impl IntoView {
    let location = use_location();
    let elsewhere = Memo::new(move |_| !holds(Bundle::for_path(&location.pathname.get())));
    // Set when the reload came back to this same bundle (a web server that answers every
    // path with one page): then the page says 見つかりません instead of reloading forever.
    let stuck = RwSignal::new(false);
    Effect::new(move |_| {
        if elsewhere.get() {
            let target = format!(
                "{}{}{}",
                location.pathname.get_untracked(),
                location.search.get_untracked(),
                location.hash.get_untracked()
            );
            if !reload_once_for(&target) {
                stuck.set(true);
            }
        }
    });
    move || {
        if elsewhere.get() && !stuck.get() {
            view! { <Loading text="移動しています…"/> }.into_any()
        } else {
            view! { <NotFound/> }.into_any()
        }
    }
}

/// The route group of a role this bundle does not hold: matches no path. (Not `()`, which
/// matches every path and so would hide the groups after it.)
#[allow(dead_code)]
fn no_routes() -> AnyNestedRoute {
    StaticVec::<AnyNestedRoute>::from(Vec::new()).into_any_nested_route()
}

/// Moves to `path` by loading it anew when another bundle shows it (replacing this entry
/// of the history, as every programmatic move of the app does): true when it did, false when
/// this bundle shows `path` and the router should move. Going through the router first would
/// show the address before the new page loads, then load it again.
pub fn leave_for(path: &str) -> bool {
    let route = path.split(['?', '#']).next().unwrap_or(path);
    if holds(Bundle::for_path(route)) {
        return false;
    }
    web_sys::window().is_some_and(|window| window.location().replace(path).is_ok())
}

/// `sessionStorage` key: the address this tab last reloaded for another bundle.
const RELOADED_FOR: &str = "onshi-bundle-reload";

/// Replaces the page with `target` (the router has already pushed this address), unless the
/// last such reload was for the same address and did not reach its bundle.
fn reload_once_for(target: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    if let Some(storage) = window.session_storage().ok().flatten() {
        if storage.get_item(RELOADED_FOR).ok().flatten().as_deref() == Some(target) {
            let _ = storage.remove_item(RELOADED_FOR);
            return false;
        }
        let _ = storage.set_item(RELOADED_FOR, target);
    }
    window.location().replace(target).is_ok()
}

/// At start: this bundle holds the address it was loaded for, so a reload for it arrived.
fn forget_reload_if_arrived() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let arrived = window
        .location()
        .pathname()
        .is_ok_and(|path| holds(Bundle::for_path(&path)));
    if arrived {
        if let Some(storage) = window.session_storage().ok().flatten() {
            let _ = storage.remove_item(RELOADED_FOR);
        }
    }
}

#[cfg(feature = "role-signin")]
#[component(transparent)]
fn SigninRoutes() -> AnyNestedRoute {
    use crate::pages::login::LoginPage;
    view! {
        <Route path=path!("/") view=RootRedirect/>
        <Route path=path!("/login") view=LoginPage/>
    }
    .into_inner()
    .into_any_nested_route()
}

#[cfg(not(feature = "role-signin"))]
#[component(transparent)]
fn SigninRoutes() -> AnyNestedRoute {
    no_routes()
}

#[cfg(feature = "role-office")]
#[component(transparent)]
fn OfficeRoutes() -> AnyNestedRoute {
    use crate::pages::office::{RecipientDetailPage, RecipientSearch, SupervisorPage};
    use crate::pages::{feed::FeedPage, office_home::OfficeHome};
    view! {
        <Route
            path=path!("/office")
            view=|| view! { <RequireRole roles=OFFICE_ROLES><OfficeHome/></RequireRole> }
        />
        <Route
            path=path!("/office/feed")
            view=|| view! { <RequireRole roles=OFFICE_ROLES><FeedPage/></RequireRole> }
        />
        <Route
            path=path!("/office/recipients")
            view=|| view! { <RequireRole roles=OFFICE_ROLES><RecipientSearch/></RequireRole> }
        />
        // `/office/recipients/new` matches `:id` too: it is the forms bundle's page.
        <Route
            path=path!("/office/recipients/:id")
            view=|| view! {
                <HeldHere>
                    <RequireRole roles=OFFICE_ROLES><RecipientDetailPage/></RequireRole>
                </HeldHere>
            }
        />
        <Route
            path=path!("/office/supervisor")
            view=|| view! { <RequireRole roles=&[Role::Supervisor]><SupervisorPage/></RequireRole> }
        />
    }
    .into_inner()
    .into_any_nested_route()
}

/// A route whose pattern also matches a path another bundle shows: that path is handled as
/// one this bundle has no route for ([`ElsewhereOrNotFound`]).
#[cfg(feature = "role-office")]
#[component]
fn HeldHere(children: ChildrenFn) -> impl IntoView {
    let location = use_location();
    let here = Memo::new(move |_| holds(Bundle::for_path(&location.pathname.get())));
    move || {
        if here.get() {
            children().into_any()
        } else {
            view! { <ElsewhereOrNotFound/> }.into_any()
        }
    }
}

#[cfg(not(feature = "role-office"))]
#[component(transparent)]
fn OfficeRoutes() -> AnyNestedRoute {
    no_routes()
}

#[cfg(feature = "role-office-forms")]
#[component(transparent)]
fn OfficeFormsRoutes() -> AnyNestedRoute {
    use crate::pages::office::{
        ClosedDaysPage, RecipientEdit, RecipientNew, RenewTickets, TicketEdit, TicketNew,
    };
    view! {
        <Route
            path=path!("/office/recipients/new")
            view=|| view! { <RequireRole roles=OFFICE_ROLES><RecipientNew/></RequireRole> }
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
            path=path!("/office/closed-days")
            view=|| view! { <RequireRole roles=OFFICE_ROLES><ClosedDaysPage/></RequireRole> }
        />
        <Route
            path=path!("/office/renew")
            view=|| view! { <RequireRole roles=OFFICE_ROLES><RenewTickets/></RequireRole> }
        />
    }
    .into_inner()
    .into_any_nested_route()
}

#[cfg(not(feature = "role-office-forms"))]
#[component(transparent)]
fn OfficeFormsRoutes() -> AnyNestedRoute {
    no_routes()
}

#[cfg(feature = "role-office-tools")]
#[component(transparent)]
fn OfficeToolsRoutes() -> AnyNestedRoute {
    use crate::pages::claims::ClaimsCheckPage;
    use crate::pages::health_import::HealthImportPage;
    use crate::pages::office::{RecipientNoticePage, RecipientVisitsPage, TicketPrintPage};
    use crate::pages::screening::ScreeningPage;
    view! {
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
    }
    .into_inner()
    .into_any_nested_route()
}

#[cfg(not(feature = "role-office-tools"))]
#[component(transparent)]
fn OfficeToolsRoutes() -> AnyNestedRoute {
    no_routes()
}

#[cfg(feature = "role-reception")]
#[component(transparent)]
fn ReceptionRoutes() -> AnyNestedRoute {
    use crate::pages::{clinic_home::ClinicHome, clinic_verify::ClinicVerify};
    view! {
        <Route
            path=path!("/clinic")
            view=|| view! { <RequireRole roles=&[Role::Clinic]><ClinicHome/></RequireRole> }
        />
        <Route
            path=path!("/clinic/verify")
            view=|| view! { <RequireRole roles=&[Role::Clinic]><ClinicVerify/></RequireRole> }
        />
    }
    .into_inner()
    .into_any_nested_route()
}

#[cfg(feature = "role-reception-lists")]
#[component(transparent)]
fn ReceptionListsRoutes() -> AnyNestedRoute {
    use crate::pages::{clinic_roster::ClinicRoster, clinic_today::ClinicToday};
    view! {
        <Route
            path=path!("/clinic/roster")
            view=|| view! { <RequireRole roles=&[Role::Clinic]><ClinicRoster/></RequireRole> }
        />
        <Route
            path=path!("/clinic/today")
            view=|| view! { <RequireRole roles=&[Role::Clinic]><ClinicToday/></RequireRole> }
        />
    }
    .into_inner()
    .into_any_nested_route()
}

#[cfg(not(feature = "role-reception-lists"))]
#[component(transparent)]
fn ReceptionListsRoutes() -> AnyNestedRoute {
    no_routes()
}

#[cfg(not(feature = "role-reception"))]
#[component(transparent)]
fn ReceptionRoutes() -> AnyNestedRoute {
    no_routes()
}

#[cfg(feature = "role-portal")]
#[component(transparent)]
fn PortalRoutes() -> AnyNestedRoute {
    use crate::pages::portal::{
        PortalAccessLog, PortalHealth, PortalProfile, PortalShell, PortalTickets, RecipientHome,
    };
    view! {
        <ParentRoute path=path!("/me") view=PortalShell>
            <Route path=path!("") view=RecipientHome/>
            <Route path=path!("tickets") view=PortalTickets/>
            <Route path=path!("health") view=PortalHealth/>
            <Route path=path!("access") view=PortalAccessLog/>
            <Route path=path!("profile") view=PortalProfile/>
        </ParentRoute>
    }
    .into_inner()
    .into_any_nested_route()
}

#[cfg(not(feature = "role-portal"))]
#[component(transparent)]
fn PortalRoutes() -> AnyNestedRoute {
    no_routes()
}

#[cfg(feature = "role-operator")]
#[component(transparent)]
fn OperatorRoutes() -> AnyNestedRoute {
    use crate::pages::operator_home::OperatorHome;
    view! {
        <Route
            path=path!("/operator")
            view=|| view! { <RequireRole roles=&[Role::Operator]><OperatorHome/></RequireRole> }
        />
    }
    .into_inner()
    .into_any_nested_route()
}

#[cfg(not(feature = "role-operator"))]
#[component(transparent)]
fn OperatorRoutes() -> AnyNestedRoute {
    no_routes()
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
        if !leave_for(target) {
            navigate(
                target,
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
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
