//! The daily feed and screening on the demo data (issue 6): `onshi screen` and
//! `onshi daily-feed` as the operator runs them (real binary, real database — PostgreSQL
//! through DATABASE_URL when `make test` provides one), the API the browser uses, scope and
//! follow-ups.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate, Weekday};

use common::{send, Fixture, OSAKA, TOKYO};
use domain::numbers::RecipientNumber;
use domain::screening::{self, ScreeningInput, ScreeningResult};

/// The demo is seeded as of this day: M−2..M of the screened month are 2026-08..2026-10,
/// and the seed's three months are 2026-09..2026-11.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}
const MONTH: &str = "2026-10";

async fn demo() -> Fixture {
    let f = common::empty().await;
    server::seed::demo(&f.db, &f.keys, f.dir.path(), today())
        .await
        .unwrap();
    f
}

fn onshi(f: &Fixture, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onshi"));
    cmd.arg("--data").arg(f.dir.path()).args(args);
    cmd.env_remove("DATABASE_URL");
    if let Some(url) = &f.database_url {
        cmd.env("DATABASE_URL", url);
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "onshi {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// 受給者番号 of the k-th demo recipient of the Tokyo office.
fn tokyo(k: u32) -> String {
    RecipientNumber::from_body(&format!("{:06}", 100_001 + k))
        .unwrap()
        .as_str()
        .to_string()
}

/// The seed's clinic days: every day but Sunday; the first `n` of them in October 2026.
fn first_open_days(n: usize) -> Vec<NaiveDate> {
    NaiveDate::from_ymd_opt(2026, 10, 1)
        .unwrap()
        .iter_days()
        .filter(|d| d.weekday() != Weekday::Sun)
        .take(n)
        .collect()
}

/// The clinic whose 入院外 医療券 the recipient holds in October.
async fn clinic_of(f: &Fixture, recipient: &str) -> String {
    let (code,): (String,) = sqlx::query_as(
        "SELECT t.institution_code FROM tickets t JOIN recipients r ON r.id = t.recipient_id \
         WHERE r.office_number = $1 AND r.recipient_number = $2 AND t.treatment_month = $3 \
         AND t.treatment_type = '02' AND t.retroactive_reason IS NULL",
    )
    .bind(TOKYO)
    .bind(recipient)
    .bind(MONTH)
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    code
}

/// The seed's 未委託 institution: the first Tokyo 医科 that is not the recipient's clinic.
fn unentrusted_institution(clinic: &str) -> String {
    server::seed::demo_institutions()
        .unwrap()
        .into_iter()
        .find(|i| i.prefecture == 13 && i.score_table == 1 && i.code != clinic)
        .unwrap()
        .code
}

fn join(dates: &[NaiveDate]) -> String {
    dates
        .iter()
        .map(NaiveDate::to_string)
        .collect::<Vec<_>>()
        .join(";")
}

/// The rows the seed's story puts in the Tokyo office's October, written independently of the
/// screening code: recipients 0–2 visit their clinic on 20 days in September and October
/// (10 in November) → 頻回受診候補 with exactly 40; recipient 3 on 16 days in October and 2 in
/// September → 短期集中; recipients 4–6 have 未委託 visits on 10 and 17 October at another
/// clinic, and recipient 6's first one was covered afterwards by a 事後委託 ticket.
async fn expected_tokyo_csv(f: &Fixture) -> String {
    let mut lines = Vec::new();
    for k in 0..7u32 {
        let number = tokyo(k);
        let clinic = clinic_of(f, &number).await;
        match k {
            0..=2 => {
                let days = first_open_days(20);
                lines.push(format!(
                    "{number},{clinic},頻回受診候補,20,40,{}",
                    join(&days)
                ));
            }
            3 => {
                let days = first_open_days(16);
                lines.push(format!(
                    "{number},{clinic},短期集中治療の可能性,16,18,{}",
                    join(&days)
                ));
            }
            _ => {
                let other = unentrusted_institution(&clinic);
                let dates = if k == 6 {
                    "2026-10-17".to_string()
                } else {
                    "2026-10-10;2026-10-17".to_string()
                };
                let n = dates.split(';').count();
                lines.push(format!("{number},{other},未委託受診,{n},,{dates}"));
            }
        }
    }
    lines.sort();
    let mut csv = String::from(screening::CSV_HEADER);
    csv.push('\n');
    for line in lines {
        csv.push_str(&line);
        csv.push('\n');
    }
    csv
}

async fn login(f: &Fixture, login: &str) -> String {
    let app = f.app();
    let body = serde_json::json!({"login": login, "password": server::seed::DEMO_PASSWORD});
    let reply = send(&app, "POST", "/api/login", None, Some(&body.to_string())).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "login {login}: {}",
        reply.text
    );
    reply.cookie.unwrap()
}

async fn get_json<T: serde::de::DeserializeOwned>(f: &Fixture, cookie: &str, path: &str) -> T {
    let reply = send(&f.app(), "GET", path, Some(cookie), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
    serde_json::from_str(&reply.text).unwrap()
}

#[tokio::test]
async fn onshi_screen_finds_exactly_the_seeded_candidates_and_the_api_and_browser_agree() {
    let f = demo().await;
    let want = expected_tokyo_csv(&f).await;

    let csv = stdout(&onshi(
        &f,
        &[
            "screen", "--office", TOKYO, "--month", MONTH, "--format", "csv",
        ],
    ));
    assert_eq!(csv, want);
    // The 事後委託 date of recipient 6 is not listed; the uncovered one is.
    let line6 = csv.lines().find(|l| l.starts_with(&tokyo(6))).unwrap();
    assert!(line6.ends_with(",1,,2026-10-17"), "{line6}");

    // The JSON output is the same result, with evidence and notes.
    let json = stdout(&onshi(
        &f,
        &[
            "screen", "--office", TOKYO, "--month", MONTH, "--format", "json",
        ],
    ));
    let from_cli: ScreeningResult = serde_json::from_str(&json).unwrap();
    assert_eq!(screening::to_csv(&from_cli), want);
    assert_eq!(from_cli.months, ["2026-08", "2026-09", "2026-10"]);
    let frequent = &from_cli.rows[0];
    assert_eq!(frequent.evidence[1].days.len(), 20, "September");
    assert!(
        frequent.evidence[0].days.is_empty(),
        "August: before the seed"
    );
    assert!(
        frequent
            .single_ticket
            .as_ref()
            .is_some_and(|t| t.injuries.len() == 1),
        "one 医療券 names the clinic in October: {:?}",
        frequent.single_ticket
    );
    let retro = from_cli
        .rows
        .iter()
        .find(|r| r.recipient_number == tokyo(6))
        .unwrap();
    assert_eq!(retro.evidence[2].retroactive, [10]);
    assert_eq!(retro.evidence[2].unentrusted, [17]);
    assert_eq!(
        (
            from_cli.summary.frequent,
            from_cli.summary.short_intensive,
            from_cli.summary.unentrusted
        ),
        (3, 1, 3)
    );

    // --out and CP932.
    let file = f.dir.path().join("screen.csv");
    let out = onshi(
        &f,
        &[
            "screen",
            "--office",
            TOKYO,
            "--month",
            MONTH,
            "--out",
            file.to_str().unwrap(),
            "--encoding",
            "cp932",
        ],
    );
    assert!(stdout(&out).contains("頻回受診候補 3"), "{}", stdout(&out));
    let bytes = std::fs::read(&file).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "really CP932");
    assert_eq!(domain::import::decode_text(&bytes).unwrap(), want);

    // The server's result is the CLI's, and the browser's computation over the data endpoint
    // (the same function, run on the downloaded input) is the server's, row for row.
    let cookie = login(&f, "tokyo-cw").await;
    let path = format!("/api/office/screening/result?month={MONTH}");
    let from_api: ScreeningResult = get_json(&f, &cookie, &path).await;
    assert_eq!(screening::to_csv(&from_api), csv);
    assert_eq!(from_api, from_cli);
    let data: domain::api::ScreeningData = get_json(
        &f,
        &cookie,
        &format!("/api/office/screening/data?month={MONTH}"),
    )
    .await;
    assert_eq!(data.month, MONTH);
    let input: &ScreeningInput = &data.input;
    assert_eq!(input.start, NaiveDate::from_ymd_opt(2026, 8, 1).unwrap());
    let month = screening::parse_month(MONTH, "対象月").unwrap();
    assert_eq!(screening::screen(input, month), from_api);

    // Reading the data is in every included recipient's 自己情報の提供記録.
    let (audited,): (i64,) = sqlx::query_as(
        "SELECT COUNT(DISTINCT recipient_id) FROM audit_log WHERE action = 'screening.data'",
    )
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    assert_eq!(audited as usize, input.recipients.len());
    let (cli_audited,): (i64,) = sqlx::query_as(
        "SELECT COUNT(DISTINCT recipient_id) FROM audit_log WHERE action = 'screening.result' AND actor_id = 'onshi screen'",
    )
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    // The seven candidates, the 重複調剤 and the 重複受診.
    assert_eq!(cli_audited, 9);
}

/// The last `n` Tokyo institutions of a 点数表, by code: where the seed plants its 重複.
fn last_tokyo(table: u8, n: usize) -> Vec<String> {
    let mut codes: Vec<String> = server::seed::demo_institutions()
        .unwrap()
        .into_iter()
        .filter(|i| i.prefecture == 13 && i.score_table == table)
        .map(|i| i.code)
        .collect();
    codes = codes.split_off(codes.len() - n);
    codes.sort();
    codes
}

/// 重複調剤 (two pharmacies on 2026-10-12) and 重複受診 (three 医科 on 10-12..14) as the seed
/// plants them, found by `onshi screen`, the API and the browser's computation alike.
#[tokio::test]
async fn the_demo_has_duplicate_dispensing_and_duplicate_visits() {
    let f = demo().await;
    let cookie = login(&f, "tokyo-cw").await;
    let from_api: ScreeningResult = get_json(
        &f,
        &cookie,
        &format!("/api/office/screening/result?month={MONTH}"),
    )
    .await;
    let shown: Vec<(String, String, Vec<String>, Vec<String>)> = from_api
        .duplicates
        .iter()
        .map(|r| {
            (
                r.kind.label_ja().to_string(),
                r.score_table.clone(),
                r.dates.iter().map(|d| d.to_string()).collect(),
                r.institutions
                    .iter()
                    .map(|i| i.institution_code.clone())
                    .collect(),
            )
        })
        .collect();
    let day = |d: &str| format!("2026-10-{d}");
    let [dispensing, visits] = shown.as_slice() else {
        panic!("one 重複調剤 and one 重複受診: {:?}", from_api.duplicates);
    };
    assert_eq!(
        dispensing,
        &(
            "重複調剤".to_string(),
            "調剤".to_string(),
            vec![day("12")],
            last_tokyo(4, 2)
        )
    );
    // The recipient's own clinic may add its visit days: the planted three are there.
    assert_eq!((visits.0.as_str(), visits.1.as_str()), ("重複受診", "医科"));
    for d in ["12", "13", "14"] {
        assert!(visits.2.contains(&day(d)), "{visits:?}");
    }
    for code in last_tokyo(1, 3) {
        assert!(visits.3.contains(&code), "{visits:?}");
    }
    assert_eq!(
        (
            from_api.summary.duplicate_dispensing,
            from_api.summary.duplicate_visits
        ),
        (1, 1)
    );
    // Only Tokyo's recipients.
    assert!(from_api
        .duplicates
        .iter()
        .all(|r| !r.recipient_name.is_empty()));
    let data: domain::api::ScreeningData = get_json(
        &f,
        &cookie,
        &format!("/api/office/screening/data?month={MONTH}"),
    )
    .await;
    let month = screening::parse_month(MONTH, "対象月").unwrap();
    assert_eq!(
        screening::screen(&data.input, month).duplicates,
        from_api.duplicates
    );
    let file = f.dir.path().join("screen.csv");
    let out = onshi(
        &f,
        &[
            "screen",
            "--office",
            TOKYO,
            "--month",
            MONTH,
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(
        stdout(&out).contains("重複調剤 1、重複受診 1"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test]
async fn screening_is_scoped_to_the_callers_office() {
    let f = demo().await;
    let osaka: Vec<(String,)> =
        sqlx::query_as("SELECT recipient_number FROM recipients WHERE office_number = $1")
            .bind(OSAKA)
            .fetch_all(&f.db.pool)
            .await
            .unwrap();
    let osaka: std::collections::HashSet<String> = osaka.into_iter().map(|(n,)| n).collect();
    let cookie = login(&f, "osaka-cw").await;
    let result: ScreeningResult = get_json(
        &f,
        &cookie,
        &format!("/api/office/screening/result?month={MONTH}"),
    )
    .await;
    assert_eq!(result.office, OSAKA);
    assert!(!result.rows.is_empty());
    assert!(result
        .rows
        .iter()
        .all(|r| osaka.contains(&r.recipient_number)));
    let data: domain::api::ScreeningData = get_json(
        &f,
        &cookie,
        &format!("/api/office/screening/data?month={MONTH}"),
    )
    .await;
    assert!(!data.input.recipients.is_empty());
    assert!(data
        .input
        .recipients
        .iter()
        .all(|r| osaka.contains(&r.number)));
    let feed: domain::api::DailyFeed =
        get_json(&f, &cookie, "/api/office/feed?date=2026-10-01").await;
    assert!(!feed.rows.is_empty());
    assert!(feed
        .rows
        .iter()
        .all(|r| osaka.contains(&r.recipient_number)));
    // The CLI for the Osaka office agrees with the Osaka caseworker's screen.
    let csv = stdout(&onshi(&f, &["screen", "--office", OSAKA, "--month", MONTH]));
    assert_eq!(csv, screening::to_csv(&result));

    // Clinics, recipients and the operator are refused; nobody signed in is asked to sign in.
    let paths = [
        "/api/office/feed",
        "/api/office/feed.csv",
        "/api/office/screening/data?month=2026-10",
        "/api/office/screening/result?month=2026-10",
        "/api/office/screening/followups?month=2026-10",
    ];
    let clinic = login(&f, "clinic").await;
    let operator = login(&f, "operator").await;
    let (recipient_id,): (i64,) = sqlx::query_as(
        "SELECT id FROM recipients WHERE office_number = $1 AND recipient_number = $2",
    )
    .bind(TOKYO)
    .bind(tokyo(0))
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    let token = server::auth::create_session(
        &f.db,
        domain::api::Role::Recipient,
        None,
        Some(recipient_id),
    )
    .await
    .unwrap();
    let recipient = format!("{}={token}", server::auth::SESSION_COOKIE);
    let app = f.app();
    for path in paths {
        for cookie in [&clinic, &operator, &recipient] {
            let reply = send(&app, "GET", path, Some(cookie), None).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path} {cookie}");
        }
        let reply = send(&app, "GET", path, None, None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let body =
        serde_json::json!({"recipient_number": tokyo(0), "month": MONTH, "action": "guidance"})
            .to_string();
    let reply = send(
        &app,
        "POST",
        "/api/office/screening/followups",
        Some(&clinic),
        Some(&body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // Another office's recipient does not exist for this caseworker.
    let reply = send(
        &app,
        "POST",
        "/api/office/screening/followups",
        Some(&cookie),
        Some(&body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
}

#[tokio::test]
async fn daily_feed_rerun_replaces_and_never_duplicates() {
    let f = demo().await;
    let date = "2026-10-01";
    let count = |office: &'static str| {
        let pool = f.db.pool.clone();
        async move {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM verifications WHERE office_number = $1 AND verified_date = $2",
            )
            .bind(office)
            .bind(date)
            .fetch_one(&pool)
            .await
            .unwrap();
            n
        }
    };
    let tokyo_count = count(TOKYO).await;
    assert!(tokyo_count >= 4, "the frequent visitors were there");
    let dir = f.dir.path().join("feeds");
    let file = dir.join(format!("{TOKYO}_20261001.csv"));
    let out = onshi(
        &f,
        &["daily-feed", "--date", date, "--out", dir.to_str().unwrap()],
    );
    assert!(
        stdout(&out).contains(&format!("{TOKYO} ")),
        "{}",
        stdout(&out)
    );
    let first = std::fs::read_to_string(&file).unwrap();
    let rows = domain::import::parse_verification_log(&first).unwrap();
    assert_eq!(rows.len() as i64, tokyo_count);
    assert!(rows.iter().all(|r| r.office.as_str() == TOKYO));
    assert!(rows
        .iter()
        .all(|r| domain::jst::date_of(r.verified_at.to_utc()).to_string() == date));
    assert!(dir.join(format!("{OSAKA}_20261001.csv")).exists());

    // Again: the same file, one build per office.
    onshi(
        &f,
        &["daily-feed", "--date", date, "--out", dir.to_str().unwrap()],
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), first);
    let builds: Vec<(String, i64)> = sqlx::query_as(
        "SELECT office_number, verification_count FROM daily_feeds WHERE feed_date = $1 ORDER BY office_number",
    )
    .bind(date)
    .fetch_all(&f.db.pool)
    .await
    .unwrap();
    assert_eq!(
        builds,
        [
            (TOKYO.to_string(), tokyo_count),
            (OSAKA.to_string(), count(OSAKA).await)
        ]
    );
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(files, 2, "no partial or duplicate files");

    // A verification that arrives late (an offline clinic's queue) is in the rebuilt feed once.
    sqlx::query(
        "INSERT INTO verifications (client_id, verified_at, verified_date, institution_code, office_number, recipient_number, reference_class, validity, offline, source) \
         VALUES ('late-1', '2026-10-01T01:00:00.000000Z', '2026-10-01', $1, $2, $3, 2, 1, 1, 'offline')",
    )
    .bind(server::seed::demo_institutions().unwrap()[0].code.clone())
    .bind(TOKYO)
    .bind(tokyo(1))
    .execute(&f.db.pool)
    .await
    .unwrap();
    let cookie = login(&f, "tokyo-cw").await;
    let feed: domain::api::DailyFeed =
        get_json(&f, &cookie, &format!("/api/office/feed?date={date}")).await;
    assert_eq!(feed.rows.len() as i64, tokyo_count + 1);
    assert_eq!(
        feed.built.as_ref().map(|b| b.count as i64),
        Some(tokyo_count)
    );
    assert!(feed
        .rows
        .iter()
        .any(|r| r.offline && r.recipient_name.contains('　')));
    onshi(
        &f,
        &["daily-feed", "--date", date, "--out", dir.to_str().unwrap()],
    );
    let again = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        again.lines().count() as i64,
        tokyo_count + 2,
        "header + rows"
    );
    let feed: domain::api::DailyFeed =
        get_json(&f, &cookie, &format!("/api/office/feed?date={date}")).await;
    assert_eq!(feed.built.map(|b| b.count as i64), Some(tokyo_count + 1));

    // The download is the file, in UTF-8 or CP932.
    let app = f.app();
    for (encoding, charset) in [("utf-8", "utf-8"), ("cp932", "Shift_JIS")] {
        let reply = send(
            &app,
            "GET",
            &format!("/api/office/feed.csv?date={date}&encoding={encoding}"),
            Some(&cookie),
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.content_type, format!("text/csv; charset={charset}"));
        if encoding == "utf-8" {
            assert_eq!(reply.text, again);
        }
    }
    for bad in [
        "/api/office/feed?date=2026-10-32",
        "/api/office/feed?date=yesterday",
        "/api/office/feed.csv?encoding=latin1",
        "/api/office/screening/result?month=2026-13",
        "/api/office/screening/data?month=10",
    ] {
        let reply = send(&app, "GET", bad, Some(&cookie), None).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(reply.json["message"].is_string(), "{bad}");
    }
}

#[tokio::test]
async fn follow_ups_are_kept_and_shown_the_next_month() {
    let f = demo().await;
    let cookie = login(&f, "tokyo-cw").await;
    let app = f.app();
    let clinic = clinic_of(&f, &tokyo(0)).await;
    let body = serde_json::json!({
        "recipient_number": tokyo(0),
        "institution_code": clinic,
        "month": MONTH,
        "category": "頻回受診候補",
        "action": "attending_doctor",
        "note": "主治医に通院頻度を確認予定",
    });
    let reply = send(
        &app,
        "POST",
        "/api/office/screening/followups",
        Some(&cookie),
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let saved: domain::api::Followup = serde_json::from_str(&reply.text).unwrap();
    assert_eq!(saved.action, domain::api::FollowupAction::AttendingDoctor);
    assert_eq!(saved.recorded_by, "山川 太郎");
    assert_eq!(saved.institution_code.as_deref(), Some(clinic.as_str()));

    let this: domain::api::FollowupList = get_json(
        &f,
        &cookie,
        &format!("/api/office/screening/followups?month={MONTH}"),
    )
    .await;
    assert_eq!(this.followups, std::slice::from_ref(&saved));
    let next: domain::api::FollowupList =
        get_json(&f, &cookie, "/api/office/screening/followups?month=2026-11").await;
    assert_eq!(
        (next.previous_month.as_str(), next.followups.len()),
        ("2026-10", 0)
    );
    assert_eq!(next.previous, std::slice::from_ref(&saved));
    let osaka = login(&f, "osaka-cw").await;
    let other: domain::api::FollowupList = get_json(
        &f,
        &osaka,
        &format!("/api/office/screening/followups?month={MONTH}"),
    )
    .await;
    assert!(other.followups.is_empty());

    // 対象外 needs a reason; every field is checked and named.
    for (body, field) in [
        (
            serde_json::json!({"recipient_number": tokyo(0), "month": MONTH, "action": "not_applicable", "note": "  "}),
            "メモ",
        ),
        (
            serde_json::json!({"recipient_number": tokyo(0), "month": MONTH, "action": "guidance", "note": "確認済み\u{202e}\u{1b}[2J"}),
            "メモ",
        ),
        (
            serde_json::json!({"recipient_number": tokyo(0), "month": MONTH, "action": "guidance", "note": "一行目\u{0}"}),
            "メモ",
        ),
        (
            serde_json::json!({"recipient_number": "1234567", "month": MONTH, "action": "guidance"}),
            "受給者番号",
        ),
        (
            serde_json::json!({"recipient_number": tokyo(0), "month": "2026/13", "action": "guidance"}),
            "対象月",
        ),
        (
            serde_json::json!({"recipient_number": tokyo(0), "month": MONTH, "action": "guidance", "category": "未委託受診"}),
            "医療機関コード",
        ),
    ] {
        let reply = send(
            &app,
            "POST",
            "/api/office/screening/followups",
            Some(&cookie),
            Some(&body.to_string()),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(reply.json["fields"][0]["field"], field, "{}", reply.text);
    }
    let reply = send(
        &app,
        "POST",
        "/api/office/screening/followups",
        Some(&cookie),
        Some(r#"{"recipient_number": "x", "month": "2026-10", "action": "shout"}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM screening_followups")
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1, "nothing half-written");
}

/// `onshi serve` started after its feed time builds the morning's missed feed at once.
#[tokio::test]
async fn serve_builds_a_missed_daily_feed_at_start() {
    let f = demo().await;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onshi"));
    cmd.arg("--data")
        .arg(f.dir.path())
        .args(["serve", "--addr", "127.0.0.1:0", "--feed-time", "00:00"])
        .arg("--static-dir")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("no-such-dir"));
    cmd.env_remove("DATABASE_URL");
    if let Some(url) = &f.database_url {
        cmd.env("DATABASE_URL", url);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let yesterday = domain::feed::feed_date(chrono::Utc::now()).to_string();
    let mut built = 0i64;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM daily_feeds WHERE feed_date = $1")
            .bind(&yesterday)
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
        built = n;
        if n > 0 {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(built, 2, "one build per office for {yesterday}");
}
