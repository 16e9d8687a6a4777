//! Group commit of 資格確認: every verification the server answers (number entry, card,
//! onshi XML, the outbox's sync) is written by one writer (on SQLite a thread of its own that
//! waits for the disk, on PostgreSQL a task), which takes whatever
//! verifications are waiting and writes them, with their consents and audit rows, in one
//! transaction — one commit (one fsync) for all of them instead of one each, and no two
//! writers waiting for SQLite's write lock.
//!
//! Nothing is weakened: a caller's `record` returns only after the transaction that holds its
//! verification has committed (durable once acknowledged), each verification is written with
//! its audit rows or not at all, and `client_id` stays the idempotency key (a repeated id,
//! stored before or earlier in the same batch, is answered `None`: the caller replays the
//! stored one). When a batch fails, each of its verifications is written again alone, so one
//! bad verification fails only its own request.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};

use domain::api::{ConsentRecord, ConsentRequest};
use domain::codes::{QualificationValidity, ReferenceClass};
use domain::numbers::InstitutionCode;

use crate::audit::{self, Access};
use crate::auth::Caller;
use crate::db::{now_text, Db};
use crate::store::verifications::{self, NewVerification, Source};

/// Verifications written in one transaction at most.
const MAX_BATCH: usize = 256;
/// Verifications waiting for the writer at most; more wait to be queued.
const QUEUE: usize = 4096;

/// A verification to store, with what its audit rows say.
#[derive(Debug, Clone)]
pub struct Verification {
    pub client_id: String,
    pub verified_at: DateTime<Utc>,
    pub institution: InstitutionCode,
    pub office_number: String,
    pub recipient_number: String,
    pub reference_class: ReferenceClass,
    pub validity: QualificationValidity,
    pub source: Source,
    /// Who verified (the audit log's actor).
    pub caller: Caller,
    /// Whose data the verification showed, and the audit row's detail (`None`: nobody's).
    pub audit: Option<(i64, String)>,
    /// The 本人同意 given with it, if any (recorded with its own audit row).
    pub consent: Option<ConsentRequest>,
}

impl Verification {
    fn as_new(&self) -> NewVerification<'_> {
        NewVerification {
            client_id: &self.client_id,
            verified_at: self.verified_at,
            institution: &self.institution,
            office_number: &self.office_number,
            recipient_number: &self.recipient_number,
            reference_class: self.reference_class,
            validity: self.validity,
            source: self.source,
        }
    }
}

/// What [`Recorder::record`] answers: the stored id and consent, or `None` when the
/// `client_id` was already stored (nothing written).
pub type Recorded = Option<(i64, Option<ConsentRecord>)>;

struct Job {
    verification: Verification,
    reply: Reply,
}

/// The writer of one database's verifications. Cheap to clone; its task starts with the
/// first verification (inside the server's runtime).
#[derive(Clone)]
pub struct Recorder(Arc<Inner>);

struct Inner {
    db: Db,
    jobs: OnceLock<mpsc::Sender<Job>>,
}

impl Recorder {
    pub fn new(db: Db) -> Recorder {
        Recorder(Arc::new(Inner {
            db,
            jobs: OnceLock::new(),
        }))
    }

    /// Store a verification, its consent and audit rows; returns once they are committed.
    pub async fn record(&self, verification: Verification) -> anyhow::Result<Recorded> {
        let jobs = self.0.jobs.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(QUEUE);
            match self.0.db.sqlite.clone() {
                // SQLite: a thread of its own that waits for the disk (no hand-over from a
                // task to the blocking pool and back for every batch).
                Some(fast) => {
                    let started = std::thread::Builder::new()
                        .name("onshi-verification-writer".into())
                        .spawn(move || run_sqlite(&fast, receiver));
                    if let Err(e) = started {
                        // `record` then answers that the writer has stopped.
                        tracing::error!("cannot start the verification writer: {e}");
                    }
                }
                None => {
                    tokio::spawn(run(self.0.db.clone(), receiver));
                }
            }
            sender
        });
        let (reply, answer) = oneshot::channel();
        jobs.send(Job {
            verification,
            reply,
        })
        .await
        .map_err(|_| anyhow::anyhow!("the verification writer has stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the verification writer stopped before answering"))?
    }
}

/// The writer task (PostgreSQL): each round takes every verification waiting (at most
/// [`MAX_BATCH`]) and writes them in one transaction; while it commits, the next ones queue up.
async fn run(db: Db, mut jobs: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (items, replies): (Vec<Verification>, Vec<_>) =
            batch.drain(..).map(|j| (j.verification, j.reply)).unzip();
        if let Some(replies) = answer(replies, write_pool(&db, &items).await) {
            // Nothing of the batch was written: each alone, so that only a verification
            // that cannot be written fails.
            for (item, reply) in items.iter().zip(replies) {
                let alone = write_pool(&db, std::slice::from_ref(item)).await;
                let _ = reply.send(alone.map(|mut r| r.pop().flatten()));
            }
        }
    }
}

type Reply = oneshot::Sender<anyhow::Result<Recorded>>;

/// Answer a batch's callers with what its transaction wrote, or its error when it was one
/// verification; when a batch of several failed, nothing is answered and the callers are
/// given back, for each verification to be written alone.
fn answer(replies: Vec<Reply>, written: anyhow::Result<Vec<Recorded>>) -> Option<Vec<Reply>> {
    match written {
        Ok(recorded) => {
            for (reply, r) in replies.into_iter().zip(recorded) {
                let _ = reply.send(Ok(r));
            }
            None
        }
        Err(e) if replies.len() == 1 => {
            if let Some(reply) = replies.into_iter().next() {
                let _ = reply.send(Err(e));
            }
            None
        }
        Err(_) => Some(replies),
    }
}

/// [`run`] on SQLite, on a thread of its own: each round waits for a verification, takes every
/// other one waiting (at most [`MAX_BATCH`]) and writes them in one transaction of a
/// [`crate::db::SqliteFast`] connection; while it commits, the next ones queue up. Ends when
/// the server drops its [`Recorder`].
fn run_sqlite(fast: &crate::db::SqliteFast, mut jobs: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = jobs.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let (items, replies): (Vec<Verification>, Vec<_>) =
            batch.drain(..).map(|j| (j.verification, j.reply)).unzip();
        if let Some(replies) = answer(replies, write_caught(fast, &items)) {
            // Nothing of the batch was written: each alone, as [`run`] does.
            for (item, reply) in items.iter().zip(replies) {
                let alone = write_caught(fast, std::slice::from_ref(item));
                let _ = reply.send(alone.map(|mut r| r.pop().flatten()));
            }
        }
    }
}

/// [`write_sqlite`] on a connection of `fast`; a panic in it fails this batch (its
/// transaction rolled back with the dropped connection), not the writer thread, which goes on
/// with the next verifications (as the blocking pool's task did before it had its own thread).
fn write_caught(
    fast: &crate::db::SqliteFast,
    items: &[Verification],
) -> anyhow::Result<Vec<Recorded>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        fast.with(|conn| write_sqlite(conn, items))
    }))
    .unwrap_or_else(|_| Err(anyhow::anyhow!("the verification writer failed")))
}

/// Write `items` in one transaction through sqlx's pool (PostgreSQL): for each, in order,
/// what [`Recorder::record`] answers; multi-row statements, one round trip each.
async fn write_pool(db: &Db, items: &[Verification]) -> anyhow::Result<Vec<Recorded>> {
    let new: Vec<NewVerification<'_>> = items.iter().map(Verification::as_new).collect();
    let mut tx = db.pool.begin().await?;
    let ids = verifications::insert_batch(&mut tx, &new).await?;
    let now = now_text();
    let mut consents = Vec::new();
    for (v, id) in items.iter().zip(&ids) {
        if let (Some(id), Some(c)) = (id, &v.consent) {
            consents.push(verifications::insert_consent(&mut tx, *id, c, &now).await?);
        }
    }
    let written = Written::new(items, &ids, consents);
    audit::record_all_in(&mut tx, &written.accesses(items)).await?;
    tx.commit().await?;
    Ok(written.recorded)
}

/// Write `items` in one transaction of a [`crate::db::SqliteFast`] connection (SQLite): prepared
/// statements, `BEGIN IMMEDIATE` (the write lock first, shared with sqlx's connections).
fn write_sqlite(
    conn: &mut rusqlite::Connection,
    items: &[Verification],
) -> anyhow::Result<Vec<Recorded>> {
    let new: Vec<NewVerification<'_>> = items.iter().map(Verification::as_new).collect();
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let ids = verifications::insert_batch_sqlite(&tx, &new)?;
    let now = now_text();
    let mut consents = Vec::new();
    for (v, id) in items.iter().zip(&ids) {
        if let (Some(id), Some(c)) = (id, &v.consent) {
            consents.push(verifications::insert_consent_sqlite(&tx, *id, c, &now)?);
        }
    }
    let written = Written::new(items, &ids, consents);
    audit::record_all_sqlite(&tx, &written.accesses(items))?;
    tx.commit()?;
    Ok(written.recorded)
}

/// What a batch wrote, for its answers and its audit rows (the same for both drivers).
struct Written {
    recorded: Vec<Recorded>,
    /// The audit detail of each written consent, by item.
    consent_details: Vec<Option<String>>,
}

impl Written {
    /// `ids`: each item's stored id (`None`: its `client_id` was stored already);
    /// `consents`: the consents written, in item order.
    fn new(items: &[Verification], ids: &[Option<i64>], consents: Vec<ConsentRecord>) -> Written {
        let mut consents = consents.into_iter();
        let recorded: Vec<Recorded> = items
            .iter()
            .zip(ids)
            .map(|(v, id)| {
                id.map(|id| {
                    let consent = v.consent.as_ref().and_then(|_| consents.next());
                    (id, consent)
                })
            })
            .collect();
        let consent_details = recorded
            .iter()
            .map(|r| r.as_ref().and_then(|(_, c)| c.as_ref()).map(consent_detail))
            .collect();
        Written {
            recorded,
            consent_details,
        }
    }

    /// The audit rows: each written verification that showed someone's data, with its
    /// consent's row.
    fn accesses<'a>(&'a self, items: &'a [Verification]) -> Vec<Access<'a>> {
        let mut accesses = Vec::with_capacity(items.len());
        for ((v, r), consent) in items.iter().zip(&self.recorded).zip(&self.consent_details) {
            let (Some(_), Some((recipient_id, detail))) = (r, &v.audit) else {
                continue;
            };
            accesses.push(Access {
                caller: &v.caller,
                action: "verification",
                recipient_id: Some(*recipient_id),
                detail,
            });
            if let Some(consent) = consent {
                accesses.push(Access {
                    caller: &v.caller,
                    action: "consent",
                    recipient_id: Some(*recipient_id),
                    detail: consent,
                });
            }
        }
        accesses
    }
}

/// The audit row's detail of a consent.
pub fn consent_detail(c: &ConsentRecord) -> String {
    let yes = |b: bool| if b { "同意" } else { "同意しない" };
    format!(
        "本人同意 薬剤情報: {}、健診情報: {}",
        yes(c.drug_info),
        yes(c.checkup_info)
    )
}
