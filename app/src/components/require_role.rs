//! Shows a role's page only to that role: not signed in → /login, another role → its
//! own home. While the start-up session check runs, a loading line is shown instead.

use domain::api::Role;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use crate::components::{ErrorBanner, Loading};
use crate::session::{home_path, use_session, SessionCheck};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Access {
    Checking,
    Unreachable(String),
    Allowed,
    GoTo(&'static str),
}

#[component]
pub fn RequireRole(roles: &'static [Role], children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let access = Memo::new(move |_| match (session.check.get(), session.role()) {
        (_, Some(role)) if roles.contains(&role) => Access::Allowed,
        (_, Some(role)) => Access::GoTo(home_path(role)),
        (SessionCheck::Checking, None) => Access::Checking,
        (SessionCheck::Failed(message), None) => Access::Unreachable(message),
        (SessionCheck::Done, None) => Access::GoTo("/login"),
    });

    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Access::GoTo(path) = access.get() {
            if crate::app::leave_for(path) {
                return;
            }
            navigate(
                path,
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });

    move || match access.get() {
        Access::Allowed => children().into_any(),
        Access::Checking => view! { <Loading text="ログイン状態を確認しています…"/> }.into_any(),
        Access::GoTo(_) => view! { <Loading text="移動しています…"/> }.into_any(),
        Access::Unreachable(message) => view! {
            <ErrorBanner message=message>
                <button type="button" class="button" on:click=move |_| session.refresh()>
                    "再試行"
                </button>
            </ErrorBanner>
        }
        .into_any(),
    }
}
