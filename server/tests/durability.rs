//! Durability: the real `onshi serve` under a write load of verifications (a clinic) and
//! 医療券 issues (a caseworker) over HTTP is killed with SIGKILL again and again. After the
//! last restart every acknowledged write is in the database, and resending every request
//! that got no answer (same `client_id`, same ticket) doubles nothing. On SQLite, or on
//! PostgreSQL when `ONSHI_TEST_PG_ADMIN_URL` is set.
//!
//! `make test` runs the short form (`ONSHI_DURABILITY_KILLS`, default 3 kills); `make soak`
//! the long form (scripts/soak.sh sets it), which prints its figures for docs/reliability.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::*;

/// How many recipients the caseworker issues tickets to (one ticket each at most), per kill.
const RECIPIENTS_PER_KILL: usize = 100;

struct Server {
    child: Option<Child>,
    port: u16,
    data: std::path::PathBuf,
    database_url: Option<String>,
}

impl Server {
    fn start(&mut self) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_onshi"));
        cmd.arg("--data")
            .arg(&self.data)
            .args(["serve", "--addr", &format!("127.0.0.1:{}", self.port)])
            .arg("--static-dir")
            .arg(self.data.join("no-app"))
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(url) = &self.database_url {
            cmd.env("DATABASE_URL", url);
        }
        self.child = Some(cmd.spawn().expect("start onshi serve"));
        let started = Instant::now();
        loop {
            if let Ok(reply) = http(self.port, "GET", "/healthz", None, None) {
                if reply.0 == 200 {
                    return;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "onshi serve did not answer /healthz"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL: no shutdown, no flush.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("kill -9");
            child.wait().expect("reap");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One HTTP/1.1 exchange on a fresh connection: (status, body). Any failure to send or to
/// read a whole answer is an error: the request was not acknowledged.
fn http(
    port: u16,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<&str>,
) -> std::io::Result<(u16, String, Option<String>)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let body = body.unwrap_or("");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    if let Some(c) = cookie {
        request.push_str(&format!("Cookie: {c}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let broken = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "incomplete answer");
    let (head, rest) = text.split_once("\r\n\r\n").ok_or_else(broken)?;
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(broken)?;
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    let body = if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        dechunk(rest).ok_or_else(broken)?
    } else {
        let length: usize = header("content-length")
            .and_then(|v| v.parse().ok())
            .ok_or_else(broken)?;
        if rest.len() < length {
            return Err(broken());
        }
        rest[..length].to_string()
    };
    let cookie = header("set-cookie").and_then(|v| v.split(';').next().map(str::to_string));
    Ok((status, body, cookie))
}

fn dechunk(mut rest: &str) -> Option<String> {
    let mut out = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n")?;
        let size = usize::from_str_radix(size.trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        out.push_str(after.get(..size)?);
        rest = after.get(size + 2..)?;
    }
}

fn login(port: u16, name: &str) -> String {
    let body = json!({"login": name, "password": PASSWORD}).to_string();
    let (status, text, cookie) = http(port, "POST", "/api/login", None, Some(&body)).unwrap();
    assert_eq!(status, 200, "{text}");
    cookie.expect("session cookie")
}

fn this_month() -> String {
    domain::api::ticket_month_back(server::db::today_jst(), 0)
}

fn ticket_body() -> String {
    json!({
        "ticket_type": "01", "treatment_month": this_month(), "institution_code": CLINIC,
        "treatment_type": "02", "injury_names": ["高血圧症"], "self_pay_amount": "0",
        "single_or_combined": "01", "social_insurance": "02", "infection_law": "02",
        "elderly_care": "02", "prefectural_expense": "02"
    })
    .to_string()
}

fn verification_body(client_id: &str) -> String {
    json!({"client_id": client_id, "office_number": TOKYO, "recipient_number": "1234566",
           "birth_date": "1960-04-01"})
    .to_string()
}

/// What the clients saw: acknowledged writes, and requests left without an answer.
#[derive(Default)]
struct Ledger {
    /// client_id of every verification the server answered 200.
    verified: BTreeSet<String>,
    /// client_id of verifications sent without an answer.
    unanswered_verifications: BTreeSet<String>,
    /// recipient id → ticket id of every issue the server answered 201.
    issued: BTreeMap<i64, i64>,
    /// recipients whose ticket issue got no answer.
    unanswered_tickets: BTreeSet<i64>,
    refused: Vec<String>,
}

async fn count(f: &Fixture, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    n
}

async fn rows(f: &Fixture, sql: &str) -> Vec<(String, i64)> {
    sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&f.db.pool)
        .await
        .unwrap()
}

/// Recipients of the Tokyo office with 保護開始 registered, written as an import would.
async fn recipients(f: &Fixture, n: usize) -> Vec<i64> {
    let mut values = Vec::new();
    for i in 0..n {
        let body = format!("{:06}", 500_000 + i);
        let number = format!(
            "{body}{}",
            domain::numbers::luhn_check_digit(&body).unwrap()
        );
        values.push(format!(
            "('{TOKYO}', '{number}', '耐久　{i}', 'タイキュウ　テスト', 1, '1970-01-01', '2020-01-01', \
             '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')"
        ));
    }
    for chunk in values.chunks(100) {
        let sql = format!(
            "INSERT INTO recipients (office_number, recipient_number, name, name_kana, sex, birth_date, \
             qualified_from, created_at, updated_at) VALUES {}",
            chunk.join(", ")
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&f.db.pool)
            .await
            .unwrap();
    }
    adopt_pairs(f).await;
    let ids: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM recipients WHERE name_kana = 'タイキュウ　テスト' ORDER BY id",
    )
    .fetch_all(&f.db.pool)
    .await
    .unwrap();
    ids.into_iter().map(|(id,)| id).collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9_and_resending_doubles_nothing() {
    let kills: usize = std::env::var("ONSHI_DURABILITY_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let f = fixture().await;
    let recipient_ids = recipients(&f, (kills + 1) * RECIPIENTS_PER_KILL).await;
    let mut server = Server {
        child: None,
        port: free_port(),
        data: f.dir.path().to_path_buf(),
        database_url: f.database_url.clone(),
    };
    server.start();
    let port = server.port;
    let clinic = login(port, "clinic");
    let caseworker = login(port, "tokyo-cw");
    // The clinic's ticket for the recipient it verifies: verdict 1.
    let tokyo = count(
        &f,
        "SELECT id FROM recipients WHERE recipient_number = '1234566'",
    )
    .await;
    let (status, text, _) = http(
        port,
        "POST",
        &format!("/api/office/recipients/{tokyo}/tickets"),
        Some(&caseworker),
        Some(&ticket_body()),
    )
    .unwrap();
    assert_eq!(status, 201, "{text}");

    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let next_recipient = Arc::new(AtomicU64::new(0));
    let sent = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for worker in 0..4 {
        let (ledger, stop, next_recipient, sent) = (
            ledger.clone(),
            stop.clone(),
            next_recipient.clone(),
            sent.clone(),
        );
        let (clinic, caseworker, ids) = (clinic.clone(), caseworker.clone(), recipient_ids.clone());
        clients.push(std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                sent.fetch_add(1, Ordering::Relaxed);
                if worker % 2 == 0 {
                    let client_id = format!("durability-{worker}-{n}");
                    let body = verification_body(&client_id);
                    match http(
                        port,
                        "POST",
                        "/api/verify/number",
                        Some(&clinic),
                        Some(&body),
                    ) {
                        Ok((200, _, _)) => {
                            ledger.lock().unwrap().verified.insert(client_id);
                        }
                        Ok((status, text, _)) => ledger
                            .lock()
                            .unwrap()
                            .refused
                            .push(format!("verification {status}: {text}")),
                        Err(_) => {
                            ledger
                                .lock()
                                .unwrap()
                                .unanswered_verifications
                                .insert(client_id);
                            std::thread::sleep(Duration::from_millis(20));
                        }
                    }
                } else {
                    let i =
                        usize::try_from(next_recipient.fetch_add(1, Ordering::Relaxed)).unwrap();
                    let Some(&id) = ids.get(i) else {
                        std::thread::sleep(Duration::from_millis(20));
                        continue;
                    };
                    let path = format!("/api/office/recipients/{id}/tickets");
                    match http(port, "POST", &path, Some(&caseworker), Some(&ticket_body())) {
                        Ok((201, text, _)) => {
                            let ticket: Value = serde_json::from_str(&text).unwrap();
                            ledger
                                .lock()
                                .unwrap()
                                .issued
                                .insert(id, ticket["id"].as_i64().unwrap());
                        }
                        Ok((status, text, _)) => ledger
                            .lock()
                            .unwrap()
                            .refused
                            .push(format!("ticket {status}: {text}")),
                        Err(_) => {
                            ledger.lock().unwrap().unanswered_tickets.insert(id);
                            std::thread::sleep(Duration::from_millis(20));
                        }
                    }
                }
            }
        }));
    }
    // Kill the server under load, at varying moments, and bring it back.
    let mut rng = kill_timings(kills as u64);
    for _ in 0..kills {
        let before = sent.load(Ordering::Relaxed);
        let wait = Instant::now();
        // At least a few requests in flight before each kill.
        while sent.load(Ordering::Relaxed) < before + 10 && wait.elapsed() < Duration::from_secs(20)
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(100 + rng() % 400));
        server.kill();
        std::thread::sleep(Duration::from_millis(rng() % 200));
        server.start();
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let mut ledger = Arc::try_unwrap(ledger).ok().unwrap().into_inner().unwrap();
    assert!(
        ledger.refused.is_empty(),
        "refused under load: {:?}",
        ledger.refused
    );

    // Resend what got no answer, and some of what did: one record each, no second ticket.
    let resend_verifications: Vec<String> = ledger
        .unanswered_verifications
        .iter()
        .chain(ledger.verified.iter().take(20))
        .cloned()
        .collect();
    for client_id in &resend_verifications {
        let (status, text, _) = http(
            port,
            "POST",
            "/api/verify/number",
            Some(&clinic),
            Some(&verification_body(client_id)),
        )
        .unwrap();
        assert_eq!(status, 200, "resend {client_id}: {text}");
    }
    let resend_tickets: Vec<i64> = ledger
        .unanswered_tickets
        .iter()
        .chain(ledger.issued.keys().take(20))
        .copied()
        .collect();
    for id in &resend_tickets {
        let (status, text, _) = http(
            port,
            "POST",
            &format!("/api/office/recipients/{id}/tickets"),
            Some(&caseworker),
            Some(&ticket_body()),
        )
        .unwrap();
        match status {
            201 => {
                let ticket: Value = serde_json::from_str(&text).unwrap();
                assert!(
                    !ledger.issued.contains_key(id),
                    "an acknowledged ticket was issued again: {text}"
                );
                ledger.issued.insert(*id, ticket["id"].as_i64().unwrap());
            }
            // Already there: the unanswered request had been written.
            409 => {}
            _ => panic!("resend ticket for {id}: {status} {text}"),
        }
    }
    server.kill();

    // Every acknowledged verification once, every resent one once, nothing else.
    let stored: BTreeMap<String, i64> = rows(
        &f,
        "SELECT client_id, COUNT(*) FROM verifications WHERE client_id LIKE 'durability-%' GROUP BY client_id",
    )
    .await
    .into_iter()
    .collect();
    for client_id in ledger
        .verified
        .iter()
        .chain(&ledger.unanswered_verifications)
    {
        assert_eq!(stored.get(client_id), Some(&1), "verification {client_id}");
    }
    let expected: BTreeSet<&String> = ledger
        .verified
        .iter()
        .chain(&ledger.unanswered_verifications)
        .collect();
    assert_eq!(stored.len(), expected.len(), "verifications nobody sent");
    // Every acknowledged ticket is there; one active ticket per recipient at most.
    let tickets: BTreeMap<i64, i64> = rows(
        &f,
        "SELECT CAST(recipient_id AS TEXT), COUNT(*) FROM tickets WHERE status = 'active' GROUP BY recipient_id",
    )
    .await
    .into_iter()
    .map(|(r, n)| (r.parse().unwrap(), n))
    .collect();
    for (recipient, ticket) in &ledger.issued {
        assert_eq!(tickets.get(recipient), Some(&1), "recipient {recipient}");
        let present = count(
            &f,
            &format!(
                "SELECT COUNT(*) FROM tickets WHERE id = {ticket} AND recipient_id = {recipient}"
            ),
        )
        .await;
        assert_eq!(present, 1, "acknowledged ticket {ticket}");
    }
    for (recipient, n) in &tickets {
        assert_eq!(*n, 1, "recipient {recipient} has {n} active tickets");
        assert!(
            *recipient == tokyo
                || ledger.issued.contains_key(recipient)
                || ledger.unanswered_tickets.contains(recipient),
            "a ticket nobody asked for: recipient {recipient}"
        );
    }
    println!(
        "durability ({}): {kills} kills, {} requests, {} verifications acknowledged, {} unanswered and resent; \
         {} tickets acknowledged, {} unanswered and resent; {} verification rows, {} active tickets; nothing lost, nothing doubled",
        if f.database_url.is_some() { "PostgreSQL" } else { "SQLite" },
        sent.load(Ordering::Relaxed),
        ledger.verified.len(),
        ledger.unanswered_verifications.len(),
        ledger.issued.len(),
        ledger.unanswered_tickets.len(),
        stored.len(),
        tickets.len(),
    );
}

/// A tiny seeded generator for kill timings (xorshift).
fn kill_timings(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
