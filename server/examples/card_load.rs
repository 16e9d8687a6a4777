//! Load generator for 資格確認 by マイナンバーカード (`make bench`, scripts/bench-verify.sh):
//! what `wrk` cannot do, because each verification signs a fresh challenge with the card's
//! P-256 key (`domain::card`), as the reception's card reader does.
//!
//! One verification = `GET /api/card/challenge`, the signature, `POST /api/verify/card`
//! (with 本人同意, a fresh `client_id`), over one keep-alive HTTP/1.1 connection per
//! simulated desk; its latency is the whole of that. Prints one line of figures:
//!
//! ```text
//! requests=… seconds=… rps=… p50_ms=… p99_ms=… errors=…
//! ```
//!
//! cargo run --release -p server --example card_load -- --addr 127.0.0.1:8080 \
//!     --cookie 'onshi_session=…' --cards DIR --pin 1234 --connections 8 --seconds 10
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{header, Request};
use hyper_util::rt::TokioIo;
use rand::RngCore;

use domain::api::CardChallenge;
use domain::card::UnlockedCard;

struct Args {
    addr: String,
    cookie: String,
    cards: PathBuf,
    pin: String,
    connections: usize,
    seconds: u64,
}

fn args() -> Args {
    let mut a = Args {
        addr: "127.0.0.1:8080".into(),
        cookie: String::new(),
        cards: PathBuf::from("cards"),
        pin: "1234".into(),
        connections: 8,
        seconds: 10,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--addr" => a.addr = value,
            "--cookie" => a.cookie = value,
            "--cards" => a.cards = PathBuf::from(value),
            "--pin" => a.pin = value,
            "--connections" => a.connections = value.parse().expect("--connections N"),
            "--seconds" => a.seconds = value.parse().expect("--seconds N"),
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

/// Every card file in `dir`, unlocked with `pin`.
fn load_cards(dir: &PathBuf, pin: &str) -> Vec<UnlockedCard> {
    let mut cards = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read the cards directory") {
        let path = entry.expect("directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read a card file");
        let file = domain::card::parse_card_file(&text)
            .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message()));
        let card = domain::card::unlock(&file, pin)
            .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message()));
        cards.push(card);
    }
    assert!(!cards.is_empty(), "no card files in {}", dir.display());
    cards
}

struct Desk {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    addr: String,
    cookie: String,
}

impl Desk {
    async fn connect(addr: &str, cookie: &str) -> Desk {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        Desk {
            sender,
            addr: addr.to_string(),
            cookie: cookie.to_string(),
        }
    }

    async fn call(&mut self, method: &str, path: &str, body: Option<Vec<u8>>) -> (u16, Bytes) {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.addr)
            .header(header::COOKIE, &self.cookie);
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .expect("request");
        let response = self.sender.send_request(request).await.expect("send");
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, bytes)
    }

    /// One card verification; `true` when it was answered with a verdict.
    async fn verify(&mut self, card: &UnlockedCard, client_id: &str) -> bool {
        let (status, body) = self.call("GET", "/api/card/challenge", None).await;
        if status != 200 {
            return false;
        }
        let challenge: CardChallenge = serde_json::from_slice(&body).expect("challenge JSON");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&challenge.challenge)
            .expect("challenge bytes");
        let request = serde_json::json!({
            "client_id": client_id,
            "challenge_id": challenge.challenge_id,
            "certificate": card.certificate(),
            "signature": card.sign(&bytes),
            "consent": { "drug_info": true, "checkup_info": false },
        });
        let (status, body) = self
            .call(
                "POST",
                "/api/verify/card",
                Some(serde_json::to_vec(&request).expect("JSON")),
            )
            .await;
        status == 200 && body.windows(10).any(|w| w == b"\"validity\"")
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = args();
    let cards = Arc::new(load_cards(&args.cards, &args.pin));
    let mut prefix = [0u8; 6];
    rand::rngs::OsRng.fill_bytes(&mut prefix);
    let prefix: String = prefix.iter().map(|b| format!("{b:02x}")).collect();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for desk_no in 0..args.connections {
        let cards = cards.clone();
        let (addr, cookie, prefix) = (args.addr.clone(), args.cookie.clone(), prefix.clone());
        tasks.push(tokio::spawn(async move {
            let mut desk = Desk::connect(&addr, &cookie).await;
            let mut latencies: Vec<u32> = Vec::new();
            let mut errors = 0u64;
            let mut n = 0usize;
            while Instant::now() < deadline {
                // Desks take the cards in turn: concurrent desks verify different people.
                let card = &cards[(desk_no * 7 + n) % cards.len()];
                let client_id = format!("bench-card-{prefix}-{desk_no}-{n}");
                let t = Instant::now();
                if desk.verify(card, &client_id).await {
                    latencies.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
                } else {
                    errors += 1;
                }
                n += 1;
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (latencies, e) = task.await.expect("desk task");
        all.extend(latencies);
        errors += e;
    }
    let seconds = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1;
        f64::from(all[i]) / 1000.0
    };
    println!(
        "requests={} seconds={seconds:.2} rps={:.0} p50_ms={:.2} p99_ms={:.2} errors={errors}",
        all.len(),
        all.len() as f64 / seconds,
        pct(0.50),
        pct(0.99)
    );
}
