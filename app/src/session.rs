//! Who is signed in, provided once at the root of the app.
//!
//! Pages never own this state: they read it through [`use_session`], so it survives
//! navigation. The server is the only judge of a session (an HttpOnly cookie the app
//! cannot read); the app asks `GET /api/session` once at start and after that trusts
//! sign-in answers, and any `unauthenticated` error from a later call.

use domain::api::{Role, SessionInfo};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Failure};

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
}

impl Session {
    fn new() -> Self {
        Session {
            info: RwSignal::new(None),
            check: RwSignal::new(SessionCheck::Checking),
        }
    }

    /// Asks the server who is signed in (at start, and when the user presses 再試行).
    pub fn refresh(self) {
        self.check.set(SessionCheck::Checking);
        spawn_local(async move {
            match api::session().await {
                Ok(info) => {
                    self.info.set(Some(info));
                    self.check.set(SessionCheck::Done);
                }
                Err(failure) if failure.is_unauthenticated() => {
                    self.info.set(None);
                    self.check.set(SessionCheck::Done);
                }
                Err(failure) => self.check.set(SessionCheck::Failed(failure.message())),
            }
        });
    }

    pub fn signed_in(self, info: SessionInfo) {
        self.info.set(Some(info));
        self.check.set(SessionCheck::Done);
    }

    /// The server said the session is gone (expired, signed out elsewhere).
    pub fn signed_out(self) {
        self.info.set(None);
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
