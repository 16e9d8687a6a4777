//! Wrong-PIN count per card, kept for this browser session (sessionStorage, keyed by
//! the certificate serial): three wrong PINs lock the card until the browser closes,
//! as a real card locks after three wrong 利用者証明用 PINs.

use std::cell::RefCell;
use std::collections::HashMap;

pub const MAX_PIN_TRIES: u32 = 3;

thread_local! {
    /// The same counts in memory, for where sessionStorage is unavailable or refuses writes.
    static FALLBACK: RefCell<HashMap<String, u32>> = RefCell::new(HashMap::new());
}

fn key(serial: &str) -> String {
    format!("onshi.card.pin-failures.{serial}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

pub fn failures(serial: &str) -> u32 {
    let stored = storage()
        .and_then(|storage| storage.get_item(&key(serial)).ok().flatten())
        .and_then(|count| count.parse().ok())
        .unwrap_or(0);
    let in_memory = FALLBACK.with(|map| map.borrow().get(serial).copied().unwrap_or(0));
    stored.max(in_memory)
}

pub fn is_locked(serial: &str) -> bool {
    failures(serial) >= MAX_PIN_TRIES
}

/// Counts one wrong PIN; returns the new count.
pub fn record_failure(serial: &str) -> u32 {
    let count = failures(serial).saturating_add(1);
    set(serial, count);
    count
}

/// A right PIN resets the count, as on a real card.
pub fn reset(serial: &str) {
    set(serial, 0);
}

fn set(serial: &str, count: u32) {
    if let Some(storage) = storage() {
        // Refused (quota, policy): the in-memory count below still holds for this page.
        let _ = storage.set_item(&key(serial), &count.to_string());
    }
    FALLBACK.with(|map| {
        map.borrow_mut().insert(serial.to_string(), count);
    });
}
