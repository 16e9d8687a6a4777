//! Loading one portal section: from the server when it answers (keeping the answer in
//! IndexedDB for later), else the kept answer with the time it was saved, so that the
//! portal still shows the recipient's tickets on a train with no signal.

use std::future::Future;

use chrono::{DateTime, Timelike, Utc};
use domain::api::Role;
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::api::Failure;
use crate::components::{LoadError, Loading};
use crate::offline::portal;
use crate::session::{use_session, Session};

/// What a section shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded<T> {
    /// Just answered by the server.
    Fresh(T),
    /// The server could not be reached: the last answer kept on this device.
    Kept {
        data: T,
        /// When it was saved (UTC, RFC 3339).
        saved_at: String,
        reason: Failure,
    },
    /// Neither the server nor a kept answer.
    Failed(Failure),
}

/// The signed-in recipient's owner key; `None` when the session is unknown (offline).
fn signed_in_owner(session: Session) -> Option<String> {
    session.info.with(|info| {
        let info = info.as_ref().filter(|info| info.role == Role::Recipient)?;
        Some(portal::owner_key(
            info.office_number.as_deref()?,
            info.recipient_number.as_deref()?,
        ))
    })
}

/// Failures after which the kept answer is better than nothing: no answer at all, or a
/// server in trouble. (A refusal or a validation error is shown as it is.)
fn use_kept_after(failure: &Failure) -> bool {
    match failure {
        Failure::Unreachable | Failure::Unreadable { .. } => true,
        Failure::Api { status, .. } => *status >= 500,
    }
}

/// A section of the portal kept under `key()`, fetched by `fetch()`. Both are called
/// in the resource's tracking scope: signals they read (a page number) refetch it.
pub fn use_section<T, K, F, Fut>(key: K, fetch: F) -> LocalResource<Loaded<T>>
where
    T: Serialize + DeserializeOwned + Clone + 'static,
    K: Fn() -> String + 'static,
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = Result<T, Failure>> + 'static,
{
    let session = use_session();
    LocalResource::new(move || {
        let owner = signed_in_owner(session);
        let key = key();
        let request = fetch();
        async move {
            let Some(owner) = owner else {
                // The session could not be checked: show what this device kept.
                return match portal::load::<T>(None, &key).await {
                    Ok(Some(kept)) => Loaded::Kept {
                        data: kept.data,
                        saved_at: kept.saved_at,
                        reason: Failure::Unreachable,
                    },
                    _ => Loaded::Failed(Failure::Unreachable),
                };
            };
            match request.await {
                Ok(data) => {
                    // A device that refuses storage still shows the fresh answer.
                    let _ = portal::save(&owner, &key, &data).await;
                    Loaded::Fresh(data)
                }
                Err(failure) if failure.is_unauthenticated() => {
                    session.signed_out();
                    Loaded::Failed(failure)
                }
                Err(failure) if use_kept_after(&failure) => {
                    match portal::load::<T>(Some(&owner), &key).await {
                        Ok(Some(kept)) => Loaded::Kept {
                            data: kept.data,
                            saved_at: kept.saved_at,
                            reason: failure,
                        },
                        _ => Loaded::Failed(failure),
                    }
                }
                Err(failure) => Loaded::Failed(failure),
            }
        }
    })
}

/// Renders a section: loading line, the data (with the offline notice when kept), or the
/// error with 再試行.
pub fn section_view<T, V>(
    resource: LocalResource<Loaded<T>>,
    render: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + 'static,
    V: IntoView + 'static,
{
    let session = use_session();
    let retry = Callback::new(move |_| {
        if session.role().is_none() {
            // Offline start: ask again who is signed in; the section follows.
            session.refresh();
        }
        resource.refetch();
    });
    move || match resource.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Loaded::Fresh(data)) => render(data).into_any(),
        Some(Loaded::Kept {
            data,
            saved_at,
            reason,
        }) => view! {
            <KeptNotice saved_at=saved_at reason=reason retry=retry/>
            {render(data)}
        }
        .into_any(),
        Some(Loaded::Failed(failure)) => {
            view! { <LoadError failure=failure retry=retry/> }.into_any()
        }
    }
}

/// 「最終更新 令和7年5月1日 (2025/05/01) 14:03」 from a saved instant (UTC, RFC 3339).
pub fn saved_at_label(saved_at: &str) -> String {
    match DateTime::parse_from_rfc3339(saved_at) {
        Ok(instant) => {
            let jst = domain::jst::to_jst(instant.with_timezone(&Utc));
            format!(
                "{} {:02}:{:02}",
                domain::wareki::format_date(jst.date_naive()),
                jst.hour(),
                jst.minute()
            )
        }
        Err(_) => "不明".to_string(),
    }
}

/// Shown above kept data: why it is not fresh, and how old it is.
#[component]
fn KeptNotice(saved_at: String, reason: Failure, retry: Callback<()>) -> impl IntoView {
    let why = match reason {
        Failure::Unreachable => {
            "インターネットに接続できないため、この端末に保存してある情報を表示しています。"
        }
        _ => "サーバーから情報を受け取れないため、この端末に保存してある情報を表示しています。",
    };
    view! {
        <div class="banner banner-offline" role="status" data-testid="offline-banner">
            <p class="banner-text"><strong>"オフライン表示"</strong>" "{why}</p>
            <p class="banner-text" data-testid="last-updated">
                "最終更新 "{saved_at_label(&saved_at)}
            </p>
            <p class="banner-text">"最新の内容と違うことがあります。接続できたら「再読み込み」を押してください。"</p>
            <div class="banner-actions">
                <button type="button" class="button" data-testid="offline-reload" on:click=move |_| retry.run(())>
                    "再読み込み"
                </button>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_instants_read_in_japan_time() {
        assert_eq!(
            saved_at_label("2025-04-30T15:03:00.000Z"),
            "令和7年5月1日 (2025/05/01) 00:03"
        );
        assert_eq!(saved_at_label("yesterday"), "不明");
    }
}
