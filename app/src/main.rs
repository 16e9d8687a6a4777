//! 扶助オン資 browser app: Leptos (client-side rendering) compiled to WebAssembly.
//!
//! A guided tour:
//! - [`app`] builds the page frame (header, update banner, `<main>`) and the routes.
//! - [`session`] holds who is signed in, provided once at the root as a context so it
//!   outlives every page (a signal owned by a page is disposed on navigation).
//! - [`api`] is the only module that talks HTTP: one function per endpoint, serde types
//!   from `domain::api`, every failure turned into a Japanese message.
//! - [`service_worker`] registers `/sw.js` (generated at build time by
//!   `scripts/sw-manifest.sh`) and tells the app when a new version is waiting.
//! - [`offline`] is the only module that knows IndexedDB (database `fujo-onshi`):
//!   the recipient portal's last answers, and the clinic's roster and outbox.
//! - [`reception`] is the clinic desk, provided at the root: the month's roster, the
//!   offline answer from it, and the outbox of offline checks with its sync loop.
//! - `components/` holds one reusable component per file, `pages/` one page per file,
//!   grouped by role.
//!
//! - The app is built once per role (`role-*` features, `domain::bundle::Bundle`,
//!   `scripts/build-app.sh`): each bundle holds only its role's pages, and a path of another
//!   bundle reloads the page (`app::ElsewhereOrNotFound`).
//!
//! Architecture invariant: no `unwrap`/`expect` here; a panic in WebAssembly kills the page.

// A one-role bundle leaves the other roles' helpers unused; the default build (every role)
// is the one the lints check.
#![cfg_attr(
    not(all(
        feature = "role-signin",
        feature = "role-reception",
        feature = "role-reception-lists",
        feature = "role-office",
        feature = "role-office-forms",
        feature = "role-office-tools",
        feature = "role-portal",
        feature = "role-operator"
    )),
    allow(dead_code, unused_imports)
)]

mod api;
mod app;
#[cfg(feature = "role-office-tools")]
mod bench;
mod components;
#[cfg(feature = "role-reception-lists")]
mod cp932;
mod download;
mod format;
mod offline;
mod pages;
mod pin_tries;
mod reception;
mod service_worker;
mod session;
mod upload;

fn main() {
    console_error_panic_hook::set_once();
    remove_boot_message();
    leptos::mount::mount_to_body(app::App);
}

/// `index.html` shows 「読み込んでいます…」 until the WebAssembly has started.
fn remove_boot_message() {
    if let Some(boot) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("boot"))
    {
        boot.remove();
    }
}
