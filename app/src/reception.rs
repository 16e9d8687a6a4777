//! The reception desk of a 指定医療機関 or 指定薬局, provided once at the root (like the
//! session) so that it outlives every page: the month's roster, whether the server answers,
//! the outbox of offline checks and the loop that sends it (product.md §3).
//!
//! - A number-entry check goes to the server; when no answer comes (network down, server
//!   stopped) it is answered from the roster kept on this PC with the same domain code as
//!   the server (`Roster::verify_offline`), queued in the IndexedDB outbox and marked
//!   「オフライン確認（最終同期 …）」. Numbers the roster does not hold get no verdict
//!   offline (「オフラインでは確認できません」, with what to do), only a queued check.
//! - The outbox is sent in order by `POST /api/verify/sync` at start, on the browser's
//!   `online` event and every [`SYNC_INTERVAL_MS`] while something waits. An item leaves
//!   the outbox only after the server acknowledged it; the server keeps one record per
//!   `client_id`, so a resend after a lost answer (reload, server restart) doubles nothing.
//!   The server's verdict then replaces the offline answer on this PC and on screen
//!   ([`Settlement`]); when it differs from what the desk was told offline, the desk is told.
//! - The roster is fetched on visiting the clinic pages (at most every
//!   [`ROSTER_REFRESH_MS`]) and on 「名簿を更新」, and kept per month.

use std::cell::Cell;

use chrono::{DateTime, NaiveDate, Utc};
use domain::api::{
    DeskAnswer, NumberVerifyRequest, Role, Roster, SyncRequest, SyncStatus, VerificationMeta,
    VerificationResult, SYNC_MAX_ITEMS,
};
use domain::codes::QualificationValidity;
use domain::error::FieldError;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::api::{self, Failure};
use crate::offline;
use crate::session::{use_session, Session};

/// How often the outbox is retried while something waits.
pub const SYNC_INTERVAL_MS: u32 = 15_000;
/// A roster younger than this is not fetched again on a page visit.
pub const ROSTER_REFRESH_MS: f64 = 5.0 * 60.0 * 1000.0;

thread_local! {
    static SYNCING: Cell<bool> = const { Cell::new(false) };
}

/// The roster the desk answers offline checks from.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptRoster {
    pub roster: Roster,
    /// Whether it came from the server during this visit (else: from this PC).
    pub fresh: bool,
}

/// A sync item the server refused: shown to the receptionist, then dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncProblem {
    pub recipient_number: String,
    pub verified_at: String,
    pub message: String,
}

/// An offline check the server has stored: its verdict replaces the offline answer.
/// (Kept on this PC while it is an unseen change: `offline::clinic::save_changed_verdicts`.)
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Settlement {
    pub client_id: String,
    pub recipient_number: String,
    /// When the check was made (RFC 3339).
    pub verified_at: String,
    /// What the desk was told offline: a verdict's label, or 「オフラインでは確認できません」.
    pub offline_label: String,
    /// The verdict given offline (`None`: none could be given).
    pub offline_validity: Option<QualificationValidity>,
    /// The server's answer (stored, with its record number).
    pub server: VerificationResult,
}

impl Settlement {
    /// The server's verdict is not the one the desk was given offline.
    pub fn changed(&self) -> bool {
        self.offline_validity != Some(self.server.validity)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Reception {
    /// This month's roster (for the desk's institution), when known.
    pub roster: RwSignal<Option<KeptRoster>>,
    /// A roster download is under way.
    pub roster_loading: RwSignal<bool>,
    /// Why the last roster download failed (not shown for plain unreachability).
    pub roster_error: RwSignal<Option<String>>,
    /// The last call to the server got an answer (`false`: offline).
    pub reachable: RwSignal<bool>,
    /// Checks waiting in the outbox.
    pub pending: RwSignal<usize>,
    /// Queued checks the server refused.
    pub sync_problems: RwSignal<Vec<SyncProblem>>,
    /// Offline checks the server stored during this visit (for the result on screen).
    pub settled: RwSignal<Vec<Settlement>>,
    /// Of those, the ones whose server verdict differs from the offline answer, until the
    /// desk says it has seen them.
    pub changed_verdicts: RwSignal<Vec<Settlement>>,
    /// 医療機関コード the desk was started for.
    started_for: RwSignal<Option<String>>,
    /// `Date.now()` of the last successful roster download.
    roster_fetched_ms: RwSignal<f64>,
    session: Session,
}

/// The answer to a number-entry check, online or offline.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub result: DeskAnswer,
    /// For an offline answer: when the roster was produced by the server (RFC 3339).
    pub roster_synced_at: Option<String>,
    /// Something the receptionist must know besides the result.
    pub warning: Option<String>,
}

/// Why a check got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// Field problems (from the server or found before sending).
    Fields(Vec<FieldError>),
    /// A sentence for the screen.
    Message(String),
}

/// Creates the desk context at the root. It starts working when a clinic is signed in.
pub fn provide_reception() -> Reception {
    let session = use_session();
    let reception = Reception {
        roster: RwSignal::new(None),
        roster_loading: RwSignal::new(false),
        roster_error: RwSignal::new(None),
        reachable: RwSignal::new(true),
        pending: RwSignal::new(0),
        sync_problems: RwSignal::new(Vec::new()),
        settled: RwSignal::new(Vec::new()),
        changed_verdicts: RwSignal::new(Vec::new()),
        started_for: RwSignal::new(None),
        roster_fetched_ms: RwSignal::new(0.0),
        session,
    };
    provide_context(reception);
    Effect::new(move |_| {
        let code = session.info.with(|info| {
            info.as_ref()
                .filter(|info| info.role == Role::Clinic)
                .and_then(|info| info.institution_code.clone())
        });
        if code == reception.started_for.get_untracked() {
            return;
        }
        // Another desk (or nobody): nothing of the previous one stays on screen.
        reception.roster.set(None);
        reception.roster_error.set(None);
        reception.sync_problems.set(Vec::new());
        reception.settled.set(Vec::new());
        reception.changed_verdicts.set(Vec::new());
        reception.pending.set(0);
        reception.roster_fetched_ms.set(0.0);
        reception.started_for.set(code.clone());
        if code.is_some() {
            reception.start();
        }
    });
    reception.listen_for_online();
    reception.run_sync_loop();
    reception
}

/// The root's desk context.
pub fn use_reception() -> Option<Reception> {
    use_context::<Reception>()
}

impl Reception {
    fn institution_code(self) -> Option<String> {
        self.session.info.with_untracked(|info| {
            info.as_ref()
                .filter(|info| info.role == Role::Clinic)
                .and_then(|info| info.institution_code.clone())
        })
    }

    /// Offline: the session shown is the one kept on this PC, or the last call got no answer.
    pub fn offline(self) -> bool {
        self.session.offline.get() || !self.reachable.get()
    }

    /// The business date: the server's `today` while online, else this PC's clock (JST).
    pub fn today(self) -> NaiveDate {
        let server = self.session.info.with_untracked(|info| {
            info.as_ref()
                .and_then(|info| domain::wareki::parse_iso_date(&info.today))
        });
        match server {
            Some(day) if !self.offline_untracked() => day,
            _ => browser_today(),
        }
    }

    fn offline_untracked(self) -> bool {
        self.session.offline.get_untracked() || !self.reachable.get_untracked()
    }

    /// First steps for a signed-in desk: the kept roster, the outbox count, then the server.
    fn start(self) {
        spawn_local(async move {
            let Some(code) = self.institution_code() else {
                return;
            };
            let month = domain::ticket::month_of(self.today());
            if let Ok(Some(saved)) = offline::clinic::load_roster(&code, &month).await {
                if self.roster.with_untracked(Option::is_none) {
                    self.roster.set(Some(KeptRoster {
                        roster: saved.data,
                        fresh: false,
                    }));
                }
            }
            // Changes not yet seen, shown on another page of the desk (another bundle's page
            // load) or before a reload: still on screen until the desk says it has seen them.
            if let Some(kept) = offline::clinic::changed_verdicts::<Vec<Settlement>>(&code) {
                self.changed_verdicts.update(|changed| {
                    for settlement in kept.into_iter().rev() {
                        if !changed.iter().any(|s| s.client_id == settlement.client_id) {
                            changed.insert(0, settlement);
                        }
                    }
                });
            }
            self.count_pending(&code).await;
            self.sync_now().await;
        });
    }

    /// Changes `changed_verdicts` and keeps the result on this PC for the desk's other pages.
    pub fn update_changed_verdicts(self, change: impl FnOnce(&mut Vec<Settlement>)) {
        self.changed_verdicts.update(change);
        let Some(code) = self.institution_code() else {
            return;
        };
        self.changed_verdicts
            .with_untracked(|changed| offline::clinic::save_changed_verdicts(&code, changed));
    }

    /// On visiting a clinic page: fetch this month's roster unless it is recent.
    pub fn visit(self) {
        let age = js_sys::Date::now() - self.roster_fetched_ms.get_untracked();
        if self.roster_fetched_ms.get_untracked() == 0.0 || age > ROSTER_REFRESH_MS {
            self.refresh_roster();
        }
    }

    /// 「名簿を更新」: fetch this month's roster now.
    pub fn refresh_roster(self) {
        if self.roster_loading.get_untracked() || self.institution_code().is_none() {
            return;
        }
        self.roster_loading.set(true);
        spawn_local(async move {
            match self.session.check(api::verify_roster(None).await) {
                Ok(roster) => {
                    self.server_answered();
                    self.keep_roster(roster).await;
                    self.roster_error.set(None);
                }
                Err(Failure::Unreachable) => self.reachable.set(false),
                Err(failure) => {
                    self.server_answered();
                    self.roster_error.set(Some(failure.message()));
                }
            }
            self.roster_loading.set(false);
        });
    }

    /// A roster from the server (any month): kept on this PC; this month's is also the desk's.
    pub async fn keep_roster(self, roster: Roster) {
        // Not kept (quota, private mode): offline checks then have no roster; the screen says so.
        let _ = offline::clinic::save_roster(&roster).await;
        if roster.month == domain::ticket::month_of(self.today()) {
            self.roster_fetched_ms.set(js_sys::Date::now());
            self.roster.set(Some(KeptRoster {
                roster,
                fresh: true,
            }));
        }
    }

    /// The server answered: online again. A session taken from this PC is confirmed.
    pub fn server_answered(self) {
        self.reachable.set(true);
        if self.session.offline.get_untracked() {
            self.session.refresh();
        }
    }

    /// Checks by number entry: the server, else the roster on this PC.
    pub async fn verify_number(
        self,
        office_number: String,
        recipient_number: String,
        birth_date: String,
    ) -> Result<Answer, VerifyError> {
        let Some(code) = self.institution_code() else {
            return Err(VerifyError::Message(
                "医療機関・薬局の受付としてログインしてください。".to_string(),
            ));
        };
        let request = NumberVerifyRequest {
            client_id: new_client_id(),
            office_number,
            recipient_number,
            birth_date,
            verified_at: None,
            offline: false,
        };
        let today = self.today();
        if let Err(errors) = request.check(today) {
            return Err(VerifyError::Fields(errors));
        }
        match self.session.check(api::verify_number(&request).await) {
            Ok(result) => {
                self.server_answered();
                // Kept for 本日の確認 offline; a failure here loses nothing on the server.
                let result = DeskAnswer::Verdict(result);
                let _ = offline::clinic::save_result(&result).await;
                Ok(Answer {
                    result,
                    roster_synced_at: None,
                    warning: None,
                })
            }
            Err(Failure::Unreachable) => {
                self.reachable.set(false);
                self.verify_offline(&code, request).await
            }
            Err(failure) => {
                self.server_answered();
                if failure.fields().is_empty() {
                    Err(VerifyError::Message(failure.message()))
                } else {
                    Err(VerifyError::Fields(failure.fields().to_vec()))
                }
            }
        }
    }

    /// The offline answer from the roster, queued for the server.
    async fn verify_offline(
        self,
        code: &str,
        request: NumberVerifyRequest,
    ) -> Result<Answer, VerifyError> {
        let now = browser_now();
        let date = domain::jst::date_of(now);
        let entry = request.check(date).map_err(VerifyError::Fields)?;
        let month = domain::ticket::month_of(date);
        let kept = self
            .roster
            .with_untracked(|kept| kept.as_ref().map(|k| k.roster.clone()))
            .filter(|roster| roster.covers(date) && roster.institution_code == code);
        let roster = match kept {
            Some(roster) => Some(roster),
            None => offline::clinic::load_roster(code, &month)
                .await
                .ok()
                .flatten()
                .map(|saved| saved.data),
        };
        let Some(roster) = roster else {
            return Err(VerifyError::Message(format!(
                "サーバーに接続できず、この端末に{}の名簿（一括照会）もないため、確認できません。通信が戻ってから確認するか、福祉事務所に電話で照会してください。",
                crate::format::month_label(&date.to_string())
            )));
        };
        let verified_at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let queued = NumberVerifyRequest {
            offline: true,
            verified_at: Some(verified_at.clone()),
            ..request
        };
        let result = roster.verify_offline(&queued.client_id, &entry, &verified_at, date);
        let warning = match offline::clinic::record_offline(code, &queued, &result).await {
            Ok(()) => None,
            Err(problem) => Some(format!(
                "{}この確認は送信待ちに入っていません。通信が戻ったら、もう一度確認してください。",
                problem.message()
            )),
        };
        self.count_pending(code).await;
        Ok(Answer {
            result,
            roster_synced_at: Some(roster.generated_at.clone()),
            warning,
        })
    }

    async fn count_pending(self, code: &str) {
        if let Ok(items) = offline::clinic::outbox(code).await {
            self.pending.set(items.len());
        }
    }

    /// 「今すぐ送信」
    pub fn sync_soon(self) {
        spawn_local(async move { self.sync_now().await });
    }

    /// Sends the outbox, in order; removes what the server acknowledged.
    pub async fn sync_now(self) {
        if SYNCING.with(Cell::get) {
            return;
        }
        let Some(code) = self.institution_code() else {
            return;
        };
        SYNCING.with(|flag| flag.set(true));
        self.send_outbox(&code).await;
        self.count_pending(&code).await;
        SYNCING.with(|flag| flag.set(false));
    }

    async fn send_outbox(self, code: &str) {
        let Ok(queued) = offline::clinic::outbox(code).await else {
            return;
        };
        for chunk in queued.chunks(SYNC_MAX_ITEMS) {
            let request = SyncRequest {
                items: chunk.iter().map(|q| q.request.clone()).collect(),
            };
            let response = match self.session.check(api::verify_sync(&request).await) {
                Ok(response) => response,
                Err(Failure::Unreachable) => {
                    self.reachable.set(false);
                    return;
                }
                // Signed out, or the server refused the whole batch: keep everything.
                Err(_) => return,
            };
            self.server_answered();
            let mut acknowledged = Vec::new();
            let mut settled = Vec::new();
            for item in response.items {
                let Some(sent) = request.items.iter().find(|r| r.client_id == item.client_id)
                else {
                    continue;
                };
                match item.status {
                    SyncStatus::Stored | SyncStatus::AlreadyStored => {
                        settled.push((sent.clone(), item.verification_id, item.validity));
                    }
                    SyncStatus::Rejected => {
                        let message = item
                            .errors
                            .iter()
                            .map(|e| format!("{}: {}", e.field, e.message))
                            .collect::<Vec<_>>()
                            .join(" ");
                        self.sync_problems.update(|problems| {
                            problems.push(SyncProblem {
                                recipient_number: sent.recipient_number.clone(),
                                verified_at: sent.verified_at.clone().unwrap_or_default(),
                                message,
                            })
                        });
                    }
                }
                acknowledged.push(item.client_id);
            }
            if offline::clinic::remove_from_outbox(&acknowledged)
                .await
                .is_err()
            {
                // Still queued: the next send is answered `already_stored`, nothing doubles.
                return;
            }
            for (sent, verification_id, validity) in settled {
                if let Some(settlement) = settle_result(sent, verification_id, validity).await {
                    if settlement.changed() {
                        let settlement = settlement.clone();
                        self.update_changed_verdicts(|changed| changed.push(settlement));
                    }
                    self.settled.update(|settled| settled.push(settlement));
                }
            }
        }
    }

    fn listen_for_online(self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let on_online = Closure::<dyn Fn()>::new(move || self.sync_soon());
        let _ =
            window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
        // Lives as long as the page.
        on_online.forget();
    }

    /// Every [`SYNC_INTERVAL_MS`]: send the outbox while something waits.
    fn run_sync_loop(self) {
        spawn_local(async move {
            loop {
                TimeoutFuture::new(SYNC_INTERVAL_MS).await;
                if self.pending.get_untracked() > 0 || self.offline_untracked() {
                    self.sync_now().await;
                    if self.pending.get_untracked() == 0 && self.offline_untracked() {
                        // Nothing waits: a roster fetch tells whether the server is back.
                        self.refresh_roster();
                    }
                }
            }
        });
    }
}

/// The server's verdict replaces the offline answer among the kept results: the same
/// result with its record number when the verdict agrees, else the server's full answer (a
/// replay of the same `client_id` writes nothing). `None` when this PC kept no answer.
async fn settle_result(
    sent: NumberVerifyRequest,
    verification_id: Option<i64>,
    validity: Option<QualificationValidity>,
) -> Option<Settlement> {
    let kept = offline::clinic::load_result(&sent.client_id).await.ok()??;
    let agreed = verification_id
        .zip(validity)
        .and_then(|(id, validity)| kept.settled(id, validity));
    let server = match agreed {
        Some(DeskAnswer::Verdict(result)) => result,
        _ => match api::verify_number(&sent).await {
            Ok(result) => result,
            // The replay got no answer: the verdict the sync reported, without the person.
            Err(_) => bare_result(&kept, &sent, verification_id?, validity?),
        },
    };
    let _ = offline::clinic::save_result(&DeskAnswer::Verdict(server.clone())).await;
    Some(Settlement {
        client_id: sent.client_id.clone(),
        recipient_number: kept.recipient_number().to_string(),
        verified_at: kept.verified_at().to_string(),
        offline_label: kept.screen_label().to_string(),
        offline_validity: kept.validity(),
        server,
    })
}

/// The stored verdict alone, shaped as any result (nothing personal, no ticket).
fn bare_result(
    kept: &DeskAnswer,
    sent: &NumberVerifyRequest,
    verification_id: i64,
    validity: QualificationValidity,
) -> VerificationResult {
    let meta = VerificationMeta {
        verification_id: Some(verification_id),
        client_id: sent.client_id.clone(),
        institution_code: kept.institution_code().to_string(),
        verified_at: kept.verified_at().to_string(),
        verified_date: kept.verified_date(),
        reference_class: domain::codes::ReferenceClass::NumberEntry,
        office_number: kept.office_number().to_string(),
        recipient_number: kept.recipient_number().to_string(),
        offline: true,
        already_stored: true,
    };
    VerificationResult::new(meta, validity, Vec::new(), None, None, None)
}

/// Now, by this PC's clock.
pub fn browser_now() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// Today in JST by this PC's clock.
pub fn browser_today() -> NaiveDate {
    domain::jst::date_of(browser_now())
}

/// A fresh idempotency key: `crypto.randomUUID()`, or a v4 UUID from
/// `crypto.getRandomValues` where `randomUUID` is not offered (plain http on a LAN name).
pub fn new_client_id() -> String {
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    if let Some(crypto) = &crypto {
        let uuid = crypto.random_uuid();
        if !uuid.is_empty() {
            return uuid;
        }
    }
    let mut bytes = [0u8; 16];
    let filled = crypto
        .as_ref()
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // No crypto at all (very old browser): time and Math.random, still unique enough
        // for one desk's queue.
        let seed = js_sys::Date::now().to_bits() ^ (js_sys::Math::random() * 1e15) as u64;
        for (i, b) in bytes.iter_mut().enumerate() {
            *b =
                (seed.rotate_left((i * 8) as u32) as u8) ^ ((js_sys::Math::random() * 256.0) as u8);
        }
    }
    uuid_from_bytes(bytes)
}

fn uuid_from_bytes(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::uuid_from_bytes;

    #[test]
    fn uuid_v4_shape() {
        let id = uuid_from_bytes([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert!(domain::api::check_client_id(&id).is_ok());
        assert_eq!(
            uuid_from_bytes([0; 16]),
            "00000000-0000-4000-8000-000000000000"
        );
    }
}
