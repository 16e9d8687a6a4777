//! The real `onshi serve` over TCP: what its log holds after a working session, and what it
//! does with slow or idle clients (issue 15).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::{fixture, Fixture, CLINIC, PASSWORD, TOKYO};

/// A running `onshi serve`, killed when dropped; its log (stderr) in a file.
struct Served {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn log_text(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.log).unwrap()).to_string()
    }

    /// Resident set size of the server process, in KiB (Linux `/proc`).
    fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

/// Start `onshi serve` on a free port of 127.0.0.1 over the fixture's data, with `env` and
/// more `args` for `serve`.
fn serve(f: &Fixture, env: &[(&str, &str)], args: &[&str]) -> Served {
    let log = f.dir.path().join("serve.log");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onshi"));
    cmd.arg("--data")
        .arg(f.dir.path())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .arg("--static-dir")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("no-such-dir"))
        .args(args);
    cmd.env_remove("DATABASE_URL").env_remove("ONSHI_LOG");
    if let Some(url) = &f.database_url {
        cmd.env("DATABASE_URL", url);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut served = Served {
        child,
        addr: "127.0.0.1:1".parse().unwrap(),
        log,
    };
    for _ in 0..300 {
        std::thread::sleep(Duration::from_millis(50));
        let file = std::fs::File::open(&served.log).unwrap();
        let found = BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| {
                let rest = line.split("listening on http://").nth(1)?;
                rest.split_whitespace().next()?.parse::<SocketAddr>().ok()
            });
        if let Some(addr) = found {
            served.addr = addr;
            return served;
        }
    }
    panic!("onshi serve did not start: {}", served.log_text());
}

/// One HTTP/1.1 exchange on a fresh connection (`Connection: close`).
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The session cookie set by this answer (`onshi_session=…`).
    fn cookie(&self) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (name, value) = l.split_once(':')?;
            (name.eq_ignore_ascii_case("set-cookie"))
                .then(|| value.trim().split(';').next().unwrap_or("").to_string())
        })
    }
}

async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.unwrap();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Answer {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

async fn post_json(addr: SocketAddr, path: &str, cookie: Option<&str>, body: &Value) -> Answer {
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(cookie) = cookie {
        headers.push(("Cookie", cookie));
    }
    http(addr, "POST", path, &headers, body.to_string().as_bytes()).await
}

async fn sign_in(addr: SocketAddr, login: &str, password: &str) -> Answer {
    post_json(
        addr,
        "/api/login",
        None,
        &json!({"login": login, "password": password}),
    )
    .await
}

/// Every 12-digit run in `text` that is a valid 個人番号 (check digit included).
fn individual_numbers_in(text: &str) -> Vec<String> {
    let digits: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < digits.len() {
        let run: String = digits[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        if run.len() == 12 && domain::numbers::IndividualNumber::parse(&run).is_ok() {
            found.push(run.clone());
        }
        i += run.len().max(1);
    }
    found
}

/// Issue 15: after sign-ins (right and wrong, with a 個人番号 typed as the login or the
/// password, with forged log lines and escape codes), a 台帳 record with a 個人番号, its
/// reveal, verifications by number and by card, a card sign-in, onshi XML with a bearer
/// token and a sign-out, the server's log (at `debug`) holds no 個人番号, no password, no
/// session or bearer token, no control character and no forged line.
#[tokio::test]
async fn the_log_of_a_working_session_holds_no_secret_and_no_forged_line() {
    let f = fixture().await;
    let card = server::cards::issue(
        &f.db,
        &f.keys,
        TOKYO,
        "1234566",
        "4321",
        server::db::today_jst(),
    )
    .await
    .unwrap();
    let token = server::auth::add_institution_token(&f.db, CLINIC)
        .await
        .unwrap();
    let served = serve(&f, &[("ONSHI_LOG", "debug")], &[]);
    let addr = served.addr;
    let number = "123456789018";
    let mut secrets: Vec<String> = vec![PASSWORD.into(), number.into(), token.clone()];

    // Failed sign-ins: a 個人番号 as the login and as the password, a forged line, a
    // terminal escape, a 1 MB login.
    let forged = "tokyo-cw\n2026-01-01T00:00:00.000000Z  INFO server: forged line";
    for (login, password) in [
        (number, "whatever-1"),
        ("tokyo-cw", number),
        (forged, "whatever-2"),
        ("\u{1b}[2J\u{1b}]0;owned\u{7}tokyo-cw", "whatever-3"),
        (&"A".repeat(1 << 20), "whatever-4"),
    ] {
        let answer = sign_in(addr, login, password).await;
        assert_eq!(answer.status, 401, "{}", answer.body);
        secrets.push(password.into());
    }
    let cw = sign_in(addr, "tokyo-cw", PASSWORD).await.cookie().unwrap();
    let sv = sign_in(addr, "tokyo-sv", PASSWORD).await.cookie().unwrap();
    let clinic = sign_in(addr, "clinic", PASSWORD).await.cookie().unwrap();
    for cookie in [&cw, &sv, &clinic] {
        secrets.push(cookie.split_once('=').unwrap().1.to_string());
    }

    // A 台帳 record with its 個人番号, and the supervisor's reveal.
    let created = post_json(
        addr,
        "/api/office/recipients",
        Some(&cw),
        &json!({"name": "渋谷　恵子", "name_kana": "シブヤ　ケイコ", "sex": "2",
                "birth_date": "1950-03-03", "individual_number": number}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["id"].as_i64().unwrap();
    let revealed = post_json(
        addr,
        &format!("/api/office/recipients/{id}/reveal-individual-number"),
        Some(&sv),
        &json!({"reason": "確認"}),
    )
    .await;
    assert_eq!(revealed.json()["individual_number"], number);

    // Verification by number and by card, and a card sign-in.
    let by_number = post_json(
        addr,
        "/api/verify/number",
        Some(&clinic),
        &json!({"client_id": "log-1", "office_number": TOKYO, "recipient_number": "1234566",
                "birth_date": "1960-04-01", "offline": false}),
    )
    .await;
    assert_eq!(by_number.status, 200, "{}", by_number.body);
    let card = domain::card::parse_card_file(&card).unwrap();
    let unlocked = domain::card::unlock(&card, "4321").unwrap();
    for (path, cookie) in [
        ("/api/verify/card", Some(&clinic)),
        ("/api/card/login", None),
    ] {
        let challenge = http(addr, "GET", "/api/card/challenge", &[], b"")
            .await
            .json();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(challenge["challenge"].as_str().unwrap())
            .unwrap();
        let body = json!({
            "client_id": "log-card-1",
            "challenge_id": challenge["challenge_id"],
            "certificate": unlocked.certificate(),
            "signature": unlocked.sign(&bytes),
            "consent": {"drug_info": false, "checkup_info": false},
        });
        let answer = post_json(addr, path, cookie.map(String::as_str), &body).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        if let Some(cookie) = answer.cookie() {
            secrets.push(cookie.split_once('=').unwrap().1.to_string());
        }
    }

    // onshi XML with the bearer token, a wrong token, and a sign-out.
    let xml = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../docs/samples/onshi/OQSsiquc01req_verdict1_utf8.xml"),
    )
    .unwrap();
    for bearer in [token.as_str(), "not-the-token\r\nX-Forged: 1"] {
        let auth = format!("Bearer {bearer}");
        let answer = http(
            addr,
            "POST",
            "/onshi/OQSsiquc01req",
            &[
                ("Content-Type", "application/xml"),
                ("Authorization", &auth),
            ],
            &xml,
        )
        .await;
        assert!(answer.status > 0);
    }
    let out = post_json(addr, "/api/logout", Some(&cw), &json!({})).await;
    assert_eq!(out.status, 204);

    let log = served.log_text();
    assert!(
        log.contains("sign-in failed"),
        "the failures are logged: {log}"
    );
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "the log holds a secret ({} chars, starting {:?}):\n{log}",
            secret.len(),
            secret.chars().take(4).collect::<String>()
        );
    }
    assert_eq!(individual_numbers_in(&log), Vec::<String>::new(), "{log}");
    for (i, line) in log.lines().enumerate() {
        assert!(
            !line.chars().any(|c| c.is_control()),
            "line {i}: a control character: {line:?}"
        );
        assert!(
            line.len() <= server::log::MAX_LINE_BYTES + 64,
            "line {i}: {} bytes",
            line.len()
        );
        // Every line is an event of the subscriber: it starts with its timestamp.
        assert!(
            line.starts_with("20") && line.as_bytes().get(4) == Some(&b'-'),
            "line {i} is not an event line (forged?): {line:?}"
        );
    }
}

/// Read until the server closes the connection (or `limit` passes); what was read and
/// whether it closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&bytes).to_string(), true),
            Ok(Ok(n)) => bytes.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&bytes).to_string(), false),
        }
    }
}

/// Sockets the server process holds open (Linux `/proc`).
fn open_sockets(served: &Served) -> usize {
    std::fs::read_dir(format!("/proc/{}/fd", served.child.id()))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            std::fs::read_link(e.path())
                .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"))
        })
        .count()
}

/// Issue 15 item 2: a connection that sends nothing, half a request head, or half a body,
/// or that stays idle after an answer, or drips its body a byte at a time, is closed by the
/// server's timeouts; past the connection cap the server stops accepting (its sockets stay
/// bounded) and serves the waiting clients once slots free up.
#[tokio::test]
async fn idle_and_slow_clients_are_closed_and_connections_are_capped() {
    let f = fixture().await;
    let served = serve(
        &f,
        &[],
        &[
            "--header-timeout-secs",
            "1",
            "--body-timeout-secs",
            "1",
            "--body-deadline-secs",
            "3",
            "--max-connections",
            "8",
        ],
    );
    let addr = served.addr;
    // Generous bounds: a closed connection is what is asserted, not how fast.
    let limit = Duration::from_secs(20);

    // Nothing sent.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    // Half a request head.
    let mut half_head = TcpStream::connect(addr).await.unwrap();
    half_head
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    // Half a body: 10 of 100 bytes.
    let mut half_body = TcpStream::connect(addr).await.unwrap();
    half_body
        .write_all(b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"login\":")
        .await
        .unwrap();
    // Keep-alive, idle after its answer.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    for (name, stream) in [
        ("nothing sent", &mut idle),
        ("half a head", &mut half_head),
        ("half a body", &mut half_body),
        ("idle keep-alive", &mut kept),
    ] {
        let (text, closed) = read_until_closed(stream, limit).await;
        assert!(closed, "{name}: still open after {limit:?}: {text:?}");
        if name == "idle keep-alive" {
            assert!(text.starts_with("HTTP/1.1 200"), "{name}: {text:?}");
        }
        if name == "half a body" {
            assert!(
                !text.contains(" 200 ") && !text.contains(" 500 "),
                "{name}: {text:?}"
            );
        }
    }

    // A body dripped a byte every 0.5 s never trips the idle timeout, but the deadline.
    let mut drip = TcpStream::connect(addr).await.unwrap();
    drip.write_all(b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        .await
        .unwrap();
    let mut dripped = 0;
    let mut closed = false;
    while dripped < 60 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if drip.write_all(b" ").await.is_err() {
            closed = true;
            break;
        }
        dripped += 1;
        let mut probe = [0u8; 1024];
        if let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(1), drip.read(&mut probe)).await
        {
            let text = String::from_utf8_lossy(&probe[..n]).to_string();
            assert!(n == 0 || !text.contains(" 200 "), "{text:?}");
            closed = true;
            break;
        }
    }
    assert!(closed, "a dripped body was read for {dripped} × 0.5 s");

    // Past the cap: 40 idle connections, the server holds at most 8 of them at once.
    let before = open_sockets(&served);
    let mut crowd = Vec::new();
    for _ in 0..40 {
        crowd.push(TcpStream::connect(addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let during = open_sockets(&served);
    assert!(
        during <= before + 8,
        "{during} sockets with 40 idle clients (before: {before}, cap 8)"
    );
    // A real request waits for a slot and is answered once the idle ones time out.
    let answer = tokio::time::timeout(limit * 3, http(addr, "GET", "/healthz", &[], b""))
        .await
        .expect("answered after the idle connections were closed");
    assert_eq!(answer.status, 200, "{}", answer.body);
    drop(crowd);
    assert!(
        served
            .log_text()
            .lines()
            .all(|l| !l.contains("Too many open files")),
        "{}",
        served.log_text()
    );
}

/// A 資格情報ファイル that is a ZIP bomb: one CSV of `mib` MiB of spaces, deflated.
fn claims_bomb(mib: usize) -> Vec<u8> {
    use std::io::Write as _;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("12131017_SHIKAKU_202405.CSV", options)
        .unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..mib {
        zip.write_all(&chunk).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Issue 15 item 9: four ZIP bombs uploaded at once are expanded one at a time, so the
/// server's memory grows as for one of them, not four; each is refused at its cap.
#[tokio::test]
async fn concurrent_zip_bombs_take_the_memory_of_one() {
    let f = fixture().await;
    let served = serve(&f, &[], &[]);
    let addr = served.addr;
    let bomb = claims_bomb(300);
    assert!(bomb.len() < 2 << 20, "{} bytes", bomb.len());
    let cw = sign_in(addr, "tokyo-cw", PASSWORD).await.cookie().unwrap();
    let baseline = served.rss_kib().unwrap();
    let upload = |bomb: Vec<u8>, cw: String| async move {
        http(
            addr,
            "POST",
            "/api/office/claims-check?name=12131017_SHIKAKU_202405.ZIP",
            &[("Content-Type", "application/zip"), ("Cookie", &cw)],
            &bomb,
        )
        .await
    };
    let uploads: Vec<_> = (0..4)
        .map(|_| tokio::spawn(upload(bomb.clone(), cw.clone())))
        .collect();
    let mut peak = baseline;
    while uploads.iter().any(|u| !u.is_finished()) {
        peak = peak.max(served.rss_kib().unwrap_or(0));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for upload in uploads {
        let answer = upload.await.unwrap();
        assert_eq!(answer.status, 422, "{}", answer.body);
        assert!(answer.body.contains("大きすぎます"), "{}", answer.body);
    }
    let grown_mib = (peak - baseline) / 1024;
    tokio::time::sleep(Duration::from_secs(1)).await;
    eprintln!(
        "RSS baseline {} MiB, peak {} MiB (+{grown_mib} MiB), 1 s after {} MiB",
        baseline / 1024,
        peak / 1024,
        served.rss_kib().unwrap_or(0) / 1024
    );
    // One expansion holds at most MAX_CSV_BYTES (256 MiB) and its copy on the way; four at
    // once would hold four of them.
    let cap_mib = domain::claims::MAX_CSV_BYTES >> 20;
    assert!(
        grown_mib < cap_mib * 2,
        "four bombs at once grew the server by {grown_mib} MiB (one expansion: at most {cap_mib} MiB)"
    );
}
