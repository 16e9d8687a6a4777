//! The top bar: product name, the signed-in person (role, name, office or
//! institution) and ログアウト on one row, the links to the pages of their role below.

use domain::api::{Role, SessionInfo};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use crate::api;
use crate::session::{home_path, use_session};

#[component]
pub fn SiteHeader() -> impl IntoView {
    let session = use_session();
    view! {
        <header class="site-header">
            <div class="site-header-inner">
                <p class="brand">
                    <span class="brand-mark" aria-hidden="true">"扶"</span>
                    <span class="brand-name">"扶助オン資"</span>
                    <span class="brand-sub">"医療扶助オンライン資格確認"</span>
                </p>
                {move || session.info.get().map(|info| view! { <SignedInBar info=info/> })}
            </div>
        </header>
    }
}

#[component]
fn SignedInBar(info: SessionInfo) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let logout_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // "さくら薬局 受付" already names its institution: do not say it twice.
    let organisation = info
        .office_name
        .clone()
        .or_else(|| info.institution_name.clone())
        .filter(|name| !info.display_name.contains(name.as_str()));
    let home = home_path(info.role);

    let on_logout = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        logout_error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::logout().await {
                // Already signed out on the server: the result is the same.
                Ok(()) => finish_logout(session, &navigate).await,
                Err(failure) if failure.is_unauthenticated() => {
                    finish_logout(session, &navigate).await
                }
                Err(failure) => {
                    logout_error.set(Some(format!(
                        "ログアウトできませんでした。{}",
                        failure.message()
                    )));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <div class="who" data-testid="header-user">
            <span class="role-badge" data-testid="header-role">{info.role.label_ja()}</span>
            <span class="who-name" data-testid="header-name">{info.display_name.clone()}</span>
            {organisation.map(|name| view! {
                <span class="who-org" data-testid="header-org">{name}</span>
            })}
        </div>
        <button
            type="button"
            class="button button-quiet logout"
            data-testid="logout"
            on:click=on_logout
            disabled=move || busy.get()
        >
            "ログアウト"
        </button>
        // A row of its own under the brand, who and ログアウト: however many links a role
        // has, ログアウト stays on the first row.
        <nav class="main-nav" aria-label="メインメニュー">
            <ul>
                <li><A href=home exact=true>"ホーム"</A></li>
                {matches!(info.role, Role::Caseworker | Role::Supervisor).then(|| view! {
                    <li><A href="/office/recipients">"被保護者台帳"</A></li>
                    <li><A href="/office/renew">"翌月分の券"</A></li>
                })}
                {(info.role == Role::Supervisor).then(|| view! {
                    <li><A href="/office/supervisor">"事務所全体"</A></li>
                })}
                {matches!(info.role, Role::Caseworker | Role::Supervisor).then(|| view! {
                    <li><A href="/office/feed">"日次連携"</A></li>
                    <li><A href="/office/screening">"スクリーニング"</A></li>
                    <li><A href="/office/health-import">"健診・薬剤情報"</A></li>
                    <li><A href="/office/claims">"請求前資格確認"</A></li>
                    <li><A href="/office/closed-days">"閉庁日"</A></li>
                })}
                {(info.role == Role::Clinic).then(|| view! {
                    <li><A href="/clinic/verify">"資格確認"</A></li>
                    <li><A href="/clinic/roster">"一括照会"</A></li>
                    <li><A href="/clinic/today">"本日の確認"</A></li>
                })}
            </ul>
        </nav>
        {move || logout_error.get().map(|message| view! {
            <p class="header-error" role="alert" data-testid="logout-error">{message}</p>
        })}
    }
}

async fn finish_logout(
    session: crate::session::Session,
    navigate: &impl Fn(&str, NavigateOptions),
) {
    // A shared PC keeps nobody's data after they sign out: forgotten before the page moves.
    session
        .sign_out_and(|| crate::app::leave_for("/login"))
        .await;
    if session.info.with_untracked(Option::is_none) {
        navigate(
            "/login",
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        );
    }
}
