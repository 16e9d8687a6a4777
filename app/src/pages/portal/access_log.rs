//! `/me/access`: 自己情報の提供記録 — every access to the recipient's data, newest first:
//! which office or institution, when, what. The recipient's own use of this page is left
//! out unless they ask for it.

use domain::api::{PortalAccessActor, PortalAccessEntry, PortalAccessLog as AccessLog};
use leptos::prelude::*;

use super::data::{section_view, use_section};
use super::ticket_card::RestrictedNotice;
use crate::api;
use crate::components::{DateJa, PageHeading, Ruby};
use crate::format::group_digits;

#[component]
pub fn PortalAccessLog() -> impl IntoView {
    let page = RwSignal::new(1u32);
    let include_own = RwSignal::new(false);
    let log = use_section(
        move || format!("access-log/{}/{}", page.get(), u8::from(include_own.get())),
        move || api::portal_access_log(page.get(), include_own.get()),
    );
    view! {
        <section class="page">
            <PageHeading title="提供記録（あなたの情報を見た記録）" testid="portal-access-heading"/>
            <p class="lead">
                "あなたの情報を、いつ、どこが見たかの記録（"
                <Ruby word="自己情報" reading="じこじょうほう"/>"の"<Ruby word="提供記録" reading="ていきょうきろく"/>
                "）です。新しいものから順に並んでいます。心当たりのない記録があるときは、担当の福祉事務所に相談してください。"
            </p>
            <label class="check-row">
                <input
                    type="checkbox"
                    data-testid="access-include-own"
                    prop:checked=move || include_own.get()
                    on:change=move |ev| {
                        include_own.set(event_target_checked(&ev));
                        page.set(1);
                    }
                />
                "あなた自身の操作（ログインや、このページでの表示）も表示する"
            </label>
            {section_view(log, move |data: AccessLog| view! { <AccessList data=data page=page/> })}
        </section>
    }
}

#[component]
fn AccessList(data: AccessLog, page: RwSignal<u32>) -> impl IntoView {
    let current = data.page;
    let pages = data.pages;
    let summary = format!(
        "{} / {} ページ（全{}件）",
        current,
        pages,
        group_digits(data.total)
    );
    view! {
        {data.restricted.then(|| view! { <RestrictedNotice/> })}
        {if data.entries.is_empty() {
            view! {
                <p class="empty" data-testid="access-empty">
                    {if data.total == 0 { "まだ記録はありません。" } else { "このページに記録はありません。" }}
                </p>
            }
            .into_any()
        } else {
            view! {
                <ol class="access-list" data-testid="access-list">
                    {data.entries.into_iter().map(|e| view! { <Entry entry=e/> }).collect_view()}
                </ol>
            }
            .into_any()
        }}
        <nav class="pager" aria-label="記録のページ送り">
            <button
                type="button"
                class="button"
                data-testid="access-prev"
                disabled={current <= 1}
                on:click=move |_| page.set(current.saturating_sub(1).max(1))
            >
                "前のページ"
            </button>
            <p class="pager-status" data-testid="access-pages">{summary}</p>
            <button
                type="button"
                class="button"
                data-testid="access-next"
                disabled={current >= pages}
                on:click=move |_| page.set(current + 1)
            >
                "次のページ"
            </button>
        </nav>
    }
}

#[component]
fn Entry(entry: PortalAccessEntry) -> impl IntoView {
    let badge = match entry.actor {
        PortalAccessActor::Institution => "badge badge-institution",
        PortalAccessActor::Office => "badge badge-office",
        PortalAccessActor::OwnSelf => "badge badge-self",
        PortalAccessActor::System => "badge",
    };
    view! {
        <li class="access-entry" data-testid="access-entry">
            <p class="access-when">
                <DateJa iso=entry.date/>
                {(!entry.time.is_empty()).then(|| view! { " "<span class="access-time">{entry.time}</span> })}
            </p>
            <p class="access-who">
                <span class=badge>{entry.actor.label_ja()}</span>
                " "
                <strong data-testid="access-actor">{entry.actor_name}</strong>
            </p>
            <p class="access-what" data-testid="access-what">
                {entry.what}
                {(!entry.detail.is_empty()).then(|| view! {
                    <span class="access-detail">{format!("（{}）", entry.detail)}</span>
                })}
            </p>
        </li>
    }
}
