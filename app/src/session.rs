//! Who is signed in, provided once at the root of the app.
//!
//! Pages never own this state: they read it through [`use_session`], so it survives
//! navigation. The server is the only judge of a session (an HttpOnly cookie the app
//! cannot read); the app asks `GET /api/session` once at start and after that trusts
//! sign-in answers, and any `unauthenticated` error from a later call.
//!
//! A reception desk must keep working when the server is unreachable (product.md §3): a
//! clinic's session is kept in IndexedDB (`offline::clinic`), and when `GET /api/session`
//! gets no answer at all (not a 401) the kept session is used, with [`Session::offline`]
//! set so the screen says so. A 401 always means signed out.

use domain::api::{Role, SessionInfo};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Failure};
use crate::offline;

/// Where the start-up session check stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCheck {
    /// `GET /api/session` has not answered yet.
    Checking,
    /// The answer arrived: `info` is the truth.
    Done,
    /// The server could not be asked (network down): the message says so.
    Failed(String),
}

#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub info: RwSignal<Option<SessionInfo>>,
    pub check: RwSignal<SessionCheck>,
    /// `info` is the session kept on this PC: the server could not be asked.
    pub offline: RwSignal<bool>,
}

impl Session {
    fn new() -> Self {
        Session {
            info: RwSignal::new(None),
            check: RwSignal::new(SessionCheck::Checking),
            offline: RwSignal::new(false),
        }
    }

    /// Asks the server who is signed in (at start, and when the user presses 再試行).
    pub fn refresh(self) {
        self.check.set(SessionCheck::Checking);
        spawn_local(async move {
            match api::session().await {
                Ok(info) => self.signed_in(info),
                Err(failure) if failure.is_unauthenticated() => self.signed_out(),
                Err(Failure::Unreachable) => match kept_clinic_session().await {
                    Some(info) => {
                        self.info.set(Some(info));
                        self.offline.set(true);
                        self.check.set(SessionCheck::Done);
                    }
                    None => self
                        .check
                        .set(SessionCheck::Failed(Failure::Unreachable.message())),
                },
                Err(failure) => self.check.set(SessionCheck::Failed(failure.message())),
            }
        });
    }

    pub fn signed_in(self, info: SessionInfo) {
        offline::portal::allow_saves();
        remember_for_offline(&info);
        self.info.set(Some(info));
        self.offline.set(false);
        self.check.set(SessionCheck::Done);
    }

    /// The user pressed ログアウト and the server agreed: the kept data is gone before this
    /// returns (a page left right after keeps none of it), then the session is cleared
    /// unless `leave` moved to another document (which clears it anyway). One navigation:
    /// the page guard does not also move when `leave` did.
    pub async fn sign_out_and(self, leave: impl FnOnce() -> bool) {
        let _ = offline::portal::forget().await;
        let _ = offline::clinic::forget().await;
        if !leave() {
            self.signed_out();
        }
    }

    /// The server said the session is gone (expired, signed out elsewhere).
    pub fn signed_out(self) {
        forget_clinic_data();
        self.info.set(None);
        self.offline.set(false);
        self.check.set(SessionCheck::Done);
    }

    /// Passes an API answer through; `unauthenticated` means the session is gone, so the
    /// app signs out locally and the page guard moves to /login.
    pub fn check<T>(self, result: Result<T, Failure>) -> Result<T, Failure> {
        if matches!(&result, Err(failure) if failure.is_unauthenticated()) {
            self.signed_out();
        }
        result
    }

    pub fn role(self) -> Option<Role> {
        self.info.with(|info| info.as_ref().map(|info| info.role))
    }
}

/// Creates the session context at the root and starts the first check.
pub fn provide_session() -> Session {
    let session = Session::new();
    provide_context(session);
    session.refresh();
    session
}

/// The root's session. (Outside the root, which never happens, a signed-out stand-in.)
pub fn use_session() -> Session {
    use_context::<Session>().unwrap_or_else(|| {
        let session = Session::new();
        session.check.set(SessionCheck::Done);
        session
    })
}

/// The home page of each role.
pub fn home_path(role: Role) -> &'static str {
    match role {
        Role::Caseworker | Role::Supervisor => "/office",
        Role::Clinic => "/clinic",
        Role::Recipient => "/me",
        Role::Operator => "/operator",
    }
}

/// A clinic's session is kept for offline reloads; any other sign-in clears what a
/// clinic kept on this PC.
fn remember_for_offline(info: &SessionInfo) {
    let info = info.clone();
    spawn_local(async move {
        // Not kept (private mode, quota): the desk then needs the server to reload.
        let _ = if info.role == Role::Clinic {
            offline::clinic::save_session(&info).await
        } else {
            offline::clinic::forget().await
        };
    });
}

/// Signed out: the kept session, roster and results go (the outbox stays, see `offline::clinic`).
fn forget_clinic_data() {
    spawn_local(async {
        let _ = offline::clinic::forget().await;
    });
}

async fn kept_clinic_session() -> Option<SessionInfo> {
    offline::clinic::cached_session()
        .await
        .ok()
        .flatten()
        .filter(|info| info.role == Role::Clinic)
}
