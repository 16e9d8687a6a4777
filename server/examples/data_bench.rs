//! The data-scale figures of `make bench` (scripts/bench-data.sh), each printed as the rows of a
//! Markdown table for docs/benchmarks.md. Release build:
//!
//!     cargo run --release -p server --example data_bench -- roster   --data DIR [--runs N]
//!     cargo run --release -p server --example data_bench -- feed     --data DIR --files DIR [--verifications N] [--date YYYY-MM-DD]
//!     cargo run --release -p server --example data_bench -- screening-sql --data DIR --input FILE [--wasm FILE] [--runs N]
//!
//! `roster` and `feed` run on a database made by `onshi seed --profile national` (DIR is its data
//! directory, or `DATABASE_URL` names it): `roster` adds one clinic with 1,000 医療券 this month
//! (its recipients spread over the Tokyo offices) and a clinic account, then times
//! `GET /api/verify/roster` (一括照会) through the server's router in this process — the server
//! side of the request: session, scope, reads, the read's `audit_log` row, JSON;
//! `feed` adds a JST day of verifications across every office with the store's bulk insert
//! (the seed's batch), then times what `onshi daily-feed --out DIR` does: `feed::build` and
//! `feed::write_files` (each office's file and its audit rows).
//!
//! `screening-sql` loads the screening benchmark's input (domain/examples/screening_bench.rs
//! writes it) into a new SQLite database with the server's schema, then times 頻回受診 as one
//! SQL query and checks it finds the very (受給者番号, 医療機関コード) pairs `screen` finds.
//! The query is the benchmark's reference, not a server path, so it lives here.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{Datelike, Duration as Days, NaiveDate, TimeZone};
use http_body_util::BodyExt as _;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use tower::ServiceExt as _;

use domain::api::{Role, Roster};
use domain::codes::{Presence, QualificationValidity, ReferenceClass, SingleOrCombined};
use domain::codes::{TicketType, TreatmentType};
use domain::numbers::InstitutionCode;
use domain::screening::{self, Category, ScreeningInput};
use domain::ticket::Ticket;
use server::db::{now_text, Db};
use server::keys::Keys;
use server::store;
use server::store::institutions::NewInstitution;
use server::store::offices::NewOffice;
use server::store::tickets::NewTicket;
use server::store::verifications::{NewVerification, Source};

const BENCH_CLINIC_BODY: &str = "131990001";
const BENCH_LOGIN: &str = "bench-roster-clinic";
const BENCH_PASSWORD: &str = "bench-roster-pass";
const ROSTER_TICKETS: usize = 1000;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|k| args.get(k + 1).cloned())
}

fn required(args: &[String], name: &str) -> anyhow::Result<String> {
    arg(args, name).with_context(|| format!("{name} is required"))
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// This process's CPU time so far, user and system, all threads (Linux `/proc/self/stat`;
/// zero elsewhere). Other work on the machine stretches the wall-clock times; this less.
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are 14 and 15.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|t| t.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// The value at quantile `q` (nearest rank) of `times`, sorted here.
fn quantile(times: &mut [Duration], q: f64) -> Duration {
    times.sort();
    let rank = ((q * times.len() as f64).ceil() as usize).clamp(1, times.len().max(1));
    times.get(rank - 1).copied().unwrap_or_default()
}

async fn open(args: &[String]) -> anyhow::Result<(Db, PathBuf)> {
    let dir = PathBuf::from(required(args, "--data")?);
    let url = std::env::var("DATABASE_URL").ok();
    let db = Db::open(url.as_deref(), &dir).await?;
    Ok((db, dir))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("roster") => roster(&args).await,
        Some("feed") => feed(&args).await,
        Some("screening-sql") => screening_sql(&args).await,
        _ => anyhow::bail!("usage: data_bench roster|feed|screening-sql … (see the file's header)"),
    }
}

// ---------------------------------------------------------------------------------------------
// 一括照会
// ---------------------------------------------------------------------------------------------

fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

fn month_end(date: NaiveDate) -> NaiveDate {
    let (y, m) = (date.year(), date.month());
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    next.and_then(|d| d.pred_opt()).unwrap_or(date)
}

fn ticket(clinic: &InstitutionCode, month: NaiveDate, serial: usize) -> Ticket {
    Ticket {
        ticket_type: TicketType::Medical,
        issue_number: format!("{}-{:06}", month.format("%Y%m"), 900_000 + serial),
        treatment_month: month.format("%Y-%m").to_string(),
        valid_from: month,
        valid_until: month_end(month),
        institution_code: clinic.clone(),
        institution_name: "一括照会ベンチ内科".to_string(),
        prescriber_code: None,
        prescriber_name: None,
        treatment_type: TreatmentType::Outpatient,
        injury_names: vec!["高血圧症".to_string()],
        self_pay_amount: 0,
        single_or_combined: SingleOrCombined::Single,
        social_insurance: Presence::No,
        infection_law: Presence::No,
        elderly_care: Presence::No,
        prefectural_expense: Presence::No,
        district_contact: "地区 担当".to_string(),
        handling_contact: "取扱 担当".to_string(),
        remarks: Vec::new(),
        retroactive_reason: None,
    }
}

/// The bench clinic with `ROSTER_TICKETS` 医療券 of `month`, 40 recipients from each Tokyo
/// office (prefecture 13, as the clinic), and its account; `dir/bench-verify.env` names the
/// account and one of those recipients (for scripts/bench-verify.sh on this data). Nothing
/// when the clinic is there already.
async fn seed_roster_clinic(
    db: &Db,
    dir: &std::path::Path,
    month: NaiveDate,
) -> anyhow::Result<InstitutionCode> {
    let clinic = InstitutionCode::from_body(BENCH_CLINIC_BODY)
        .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let mut tx = db.pool.begin().await?;
    if store::institutions::name(&mut tx, clinic.as_str())
        .await?
        .is_some()
    {
        return Ok(clinic);
    }
    store::institutions::insert_many(
        &mut tx,
        &[NewInstitution {
            code: clinic.as_str().to_string(),
            name: "一括照会ベンチ内科".to_string(),
            score_table: 1,
            online_capable: true,
            postal_code: None,
            address: None,
            phone: None,
        }],
    )
    .await?;
    let offices: Vec<String> = store::offices::numbers_in_order(&mut tx)
        .await?
        .into_iter()
        .filter(|o| o.get(2..4) == Some("13"))
        .collect();
    let mut chosen: Vec<(String, i64)> = Vec::with_capacity(ROSTER_TICKETS);
    let mut example: Option<(String, String)> = None;
    for office in &offices {
        for (id, number, _) in store::people::numbers_and_names(db, office)
            .await?
            .into_iter()
            .take(40)
        {
            example.get_or_insert_with(|| (office.clone(), number));
            chosen.push((office.clone(), id));
        }
        if chosen.len() >= ROSTER_TICKETS {
            break;
        }
    }
    chosen.truncate(ROSTER_TICKETS);
    anyhow::ensure!(
        chosen.len() == ROSTER_TICKETS,
        "the database has {} Tokyo recipients, not {ROSTER_TICKETS}: seed it with `onshi seed --profile national`",
        chosen.len()
    );
    let tickets: Vec<Ticket> = (0..chosen.len())
        .map(|k| ticket(&clinic, month, k))
        .collect();
    let now = now_text();
    let new: Vec<NewTicket<'_>> = chosen
        .iter()
        .zip(&tickets)
        .map(|((office, id), ticket)| NewTicket {
            office_number: office,
            recipient_id: *id,
            ticket,
            created_at: &now,
            created_by: "bench",
            renewed_from: None,
        })
        .collect();
    store::tickets::insert_many(&mut tx, &new).await?;
    tx.commit().await?;
    server::auth::add_user(
        db,
        BENCH_LOGIN,
        BENCH_PASSWORD,
        Role::Clinic,
        "一括照会ベンチ 受付",
        None,
        Some(clinic.as_str()),
    )
    .await?;
    if let Some((office, number)) = example {
        let birth = store::people::verified_with_history_by_numbers(db, &office, &number)
            .await?
            .map(|(r, _)| r.birth_date)
            .unwrap_or_default();
        std::fs::write(
            dir.join("bench-verify.env"),
            format!(
                "BENCH_VERIFY_LOGIN={BENCH_LOGIN}\nBENCH_VERIFY_PASSWORD={BENCH_PASSWORD}\n\
                 BENCH_VERIFY_INSTITUTION={}\nBENCH_VERIFY_OFFICE={office}\n\
                 BENCH_VERIFY_RECIPIENT={number}\nBENCH_VERIFY_BIRTH_DATE={birth}\n",
                clinic.as_str()
            ),
        )?;
    }
    Ok(clinic)
}

async fn send(
    app: &axum::Router,
    request: Request<Body>,
) -> anyhow::Result<(StatusCode, Vec<u8>, Option<String>)> {
    let response = app.clone().oneshot(request).await?;
    let status = response.status();
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    let body = response.into_body().collect().await?.to_bytes().to_vec();
    Ok((status, body, cookie))
}

async fn roster(args: &[String]) -> anyhow::Result<()> {
    let runs: usize = arg(args, "--runs").map_or(Ok(100), |s| s.parse())?;
    let (db, dir) = open(args).await?;
    let keys = Arc::new(Keys::load_or_create(&dir)?);
    let month = month_start(server::db::today_jst());
    let started = Instant::now();
    let clinic = seed_roster_clinic(&db, &dir, month).await?;
    let seeded = started.elapsed();
    let app = server::http::app(server::http::AppState {
        db: db.clone(),
        keys,
        static_dir: None,
        secure_cookies: false,
        recorder: server::recorder::Recorder::new(db.clone()),
    });
    let login = serde_json::json!({"login": BENCH_LOGIN, "password": BENCH_PASSWORD}).to_string();
    let (status, body, cookie) = send(
        &app,
        Request::post("/api/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(login))?,
    )
    .await?;
    anyhow::ensure!(
        status == StatusCode::OK,
        "sign-in: {status} {}",
        String::from_utf8_lossy(&body)
    );
    let cookie = cookie.context("no session cookie")?;
    let path = format!("/api/verify/roster?month={}", month.format("%Y-%m"));
    let mut times = Vec::with_capacity(runs);
    let mut size = 0;
    let mut first = Duration::ZERO;
    let mut cpu_started = cpu();
    for run in 0..=runs {
        let request = Request::get(&path)
            .header(header::COOKIE, &cookie)
            .body(Body::empty())?;
        let started = Instant::now();
        let (status, body, _) = send(&app, request).await?;
        let took = started.elapsed();
        anyhow::ensure!(status == StatusCode::OK, "{path}: {status}");
        if run == 0 {
            // The first read warms the caches; reported apart.
            first = took;
            let roster: Roster = serde_json::from_slice(&body)?;
            let tickets: usize = roster.recipients.iter().map(|r| r.tickets.len()).sum();
            anyhow::ensure!(
                tickets == ROSTER_TICKETS,
                "the 一括照会 lists {tickets} tickets, not {ROSTER_TICKETS}"
            );
            size = body.len();
            cpu_started = cpu();
        } else {
            times.push(took);
        }
    }
    let cpu_per_read = (cpu() - cpu_started) / u32::try_from(runs.max(1))?;
    let recipients = store::people::count_all(&db).await?;
    let tickets: u64 = db.count("SELECT COUNT(*) FROM tickets").await?;
    let median = quantile(&mut times, 0.5);
    let p99 = quantile(&mut times, 0.99);
    let best = times.first().copied().unwrap_or_default();
    println!(
        "| Data | clinic {} with {ROSTER_TICKETS} 医療券 of {} (1,000 recipients of the Tokyo offices) in the national database: {recipients} recipients, {tickets} tickets |",
        clinic.as_str(),
        month.format("%Y-%m")
    );
    println!(
        "| `GET /api/verify/roster` server time | median {}, p99 {}, best {} over {runs} reads (target ≤ 20 ms); first read {} |",
        ms(median),
        ms(p99),
        ms(best),
        ms(first)
    );
    println!(
        "| CPU time (process, all threads) | {} a read on average |",
        ms(cpu_per_read)
    );
    println!(
        "| Response | {:.0} KB JSON; each read also writes one `audit_log` row naming the set of its {ROSTER_TICKETS} recipients (the set stored at the first read) |",
        size as f64 / 1e3
    );
    eprintln!("(bench clinic seeded in {})", ms(seeded));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The daily feed
// ---------------------------------------------------------------------------------------------

/// A JST time on `date` between 08:30 and 18:00, as a UTC instant.
fn at_jst(date: NaiveDate, minute_of_day: u32) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    let local = date
        .and_hms_opt(minute_of_day / 60, minute_of_day % 60, 0)
        .context("time of day")?;
    domain::jst::offset()
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
        .context("JST instant")
}

struct DayRow {
    client_id: String,
    at: chrono::DateTime<chrono::Utc>,
    institution: InstitutionCode,
    office: usize,
    recipient: String,
    reference: ReferenceClass,
    validity: QualificationValidity,
}

async fn feed(args: &[String]) -> anyhow::Result<()> {
    let total: usize = arg(args, "--verifications").map_or(Ok(500_000), |s| s.parse())?;
    let files = PathBuf::from(required(args, "--files")?);
    let date = match arg(args, "--date") {
        Some(text) => NaiveDate::parse_from_str(&text, "%Y-%m-%d")?,
        None => server::db::today_jst() - Days::days(1),
    };
    let (db, _) = open(args).await?;

    // The day: every office gets its share, recipients drawn from its own records (one in a
    // hundred a 受給者番号 that is not there: 資格有効性 4), institutions of its prefecture.
    let started = Instant::now();
    let mut conn = db.pool.acquire().await?;
    let offices = store::offices::numbers_in_order(&mut conn).await?;
    drop(conn);
    anyhow::ensure!(!offices.is_empty(), "no offices: seed the database first");
    let mut by_prefecture: std::collections::HashMap<String, Vec<InstitutionCode>> =
        std::collections::HashMap::new();
    for table in [1u8, 3, 4, 6] {
        for code in store::institutions::codes_of_score_table(&db, table).await? {
            let Ok(code) = InstitutionCode::parse(&code) else {
                continue;
            };
            by_prefecture
                .entry(code.as_str()[..2].to_string())
                .or_default()
                .push(code);
        }
    }
    let mut rng = StdRng::seed_from_u64(20_260_101);
    let mut rows: Vec<DayRow> = Vec::with_capacity(total);
    for (o, office) in offices.iter().enumerate() {
        let share = total / offices.len() + usize::from(o < total % offices.len());
        let numbers: Vec<String> = store::people::numbers_and_names(&db, office)
            .await?
            .into_iter()
            .map(|(_, number, _)| number)
            .collect();
        let institutions = by_prefecture
            .get(office.get(2..4).unwrap_or_default())
            .filter(|list| !list.is_empty())
            .or_else(|| by_prefecture.values().find(|list| !list.is_empty()))
            .context("no institutions: seed the database first")?;
        for k in 0..share {
            let (recipient, validity) = match rng.gen_range(0..1000) {
                0..=9 => (
                    format!("9{:06}", rng.gen_range(0..1_000_000)),
                    QualificationValidity::NotFound,
                ),
                _ if numbers.is_empty() => continue,
                n => (
                    numbers[rng.gen_range(0..numbers.len())].clone(),
                    match n {
                        10..=19 => QualificationValidity::Invalid,
                        20..=49 => QualificationValidity::ValidUnregistered,
                        _ => QualificationValidity::Valid,
                    },
                ),
            };
            rows.push(DayRow {
                client_id: format!("bench-feed:{date}:{office}:{k}"),
                at: at_jst(date, rng.gen_range(510..1080))?,
                institution: institutions[rng.gen_range(0..institutions.len())].clone(),
                office: o,
                recipient,
                reference: if rng.gen_bool(0.6) {
                    ReferenceClass::Card
                } else {
                    ReferenceClass::NumberEntry
                },
                validity,
            });
        }
    }
    let generated = started.elapsed();
    let started = Instant::now();
    for chunk in rows.chunks(50_000) {
        let new: Vec<NewVerification<'_>> = chunk
            .iter()
            .map(|r| NewVerification {
                client_id: &r.client_id,
                verified_at: r.at,
                institution: &r.institution,
                office_number: &offices[r.office],
                recipient_number: &r.recipient,
                reference_class: r.reference,
                validity: r.validity,
                source: Source::Online,
            })
            .collect();
        let mut tx = db.pool.begin().await?;
        store::verifications::insert_many(&mut tx, &new).await?;
        tx.commit().await?;
    }
    let loaded = started.elapsed();
    let stored = store::verifications::count_all(&db.pool).await?;

    // What `onshi daily-feed --date D --out DIR` does.
    let cpu_started = cpu();
    let started = Instant::now();
    let built = server::feed::build(&db, date).await?;
    let build = started.elapsed();
    let started = Instant::now();
    let written = server::feed::write_files(&db, date, &files, &built).await?;
    let write = started.elapsed();
    let cpu_used = cpu() - cpu_started;
    let listed: u64 = built.iter().map(|b| b.count).sum();
    anyhow::ensure!(
        listed == rows.len() as u64,
        "the feed lists {listed} verifications, {} were made",
        rows.len()
    );
    let mut lines = 0usize;
    let mut bytes = 0u64;
    for path in &written {
        let text = std::fs::read_to_string(path)?;
        lines += text.lines().count().saturating_sub(1);
        bytes += text.len() as u64;
    }
    anyhow::ensure!(lines == rows.len(), "the files hold {lines} lines");
    println!(
        "| Day | {date}: {} verifications across {} offices ({} verifications stored in all), loaded with the store's bulk insert in {:.1} s |",
        rows.len(),
        offices.len(),
        stored,
        loaded.as_secs_f64()
    );
    println!(
        "| `feed::build` (count and record every office's day, derive and store its alerts) | {:.2} s |",
        build.as_secs_f64()
    );
    println!(
        "| `feed::write_files` ({} files, {:.1} MB, and their `audit_log` rows) | {:.2} s |",
        written.len(),
        bytes as f64 / 1e6,
        write.as_secs_f64()
    );
    println!(
        "| Total, as `onshi daily-feed --out DIR` | {:.2} s (target ≤ 10 s); CPU time {:.2} s (process, all threads) |",
        (build + write).as_secs_f64(),
        cpu_used.as_secs_f64()
    );
    eprintln!("(day generated in {})", ms(generated));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 頻回受診 as one SQL query
// ---------------------------------------------------------------------------------------------

/// 頻回受診候補 (docs/screening.md): per recipient and 医科・歯科 institution, distinct JST
/// dates with 資格有効性 1 or 6; at least 15 in M and at least 40 over M−2..M.
const FREQUENT_SQL: &str = "\
SELECT recipient_number, institution_code FROM (\
  SELECT DISTINCT recipient_number, institution_code, verified_date FROM verifications \
  WHERE office_number = $1 AND verified_date >= $2 AND verified_date <= $3 \
    AND validity IN (1, 6) AND substr(institution_code, 3, 1) IN ('1', '3')) AS days \
GROUP BY recipient_number, institution_code \
HAVING SUM(CASE WHEN verified_date >= $4 THEN 1 ELSE 0 END) >= 15 AND COUNT(*) >= 40 \
ORDER BY recipient_number, institution_code";

/// (parse, screen) medians in milliseconds from the WebAssembly half's table.
fn wasm_figures(path: &str) -> anyhow::Result<(f64, f64)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    let number_after = |line: &str, after: &str| -> Option<f64> {
        let rest = &line[line.find(after)? + after.len()..];
        let digits: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        digits.parse().ok()
    };
    let parse = text
        .lines()
        .find(|l| l.contains("JSON parse"))
        .and_then(|l| number_after(l, ") |"))
        .context("no JSON parse figure")?;
    let screen = text
        .lines()
        .find(|l| l.contains("`screen` in WebAssembly"))
        .and_then(|l| number_after(l, "median"))
        .context("no screen figure")?;
    Ok((parse, screen))
}

async fn screening_sql(args: &[String]) -> anyhow::Result<()> {
    let runs: usize = arg(args, "--runs").map_or(Ok(3), |s| s.parse())?;
    let input_path = required(args, "--input")?;
    let input: ScreeningInput = serde_json::from_slice(
        &std::fs::read(&input_path).with_context(|| format!("cannot read {input_path}"))?,
    )?;
    let (db, _) = open(args).await?;
    anyhow::ensure!(
        store::verifications::count_all(&db.pool).await? == 0,
        "--data must name a new database"
    );
    let date = |day: u16| input.start + Days::days(i64::from(day));
    let month = input.start + chrono::Months::new(2);
    let until = month_end(month);

    // Load: the office, its institutions and every verification, as the server stores them.
    let started = Instant::now();
    let codes: Vec<InstitutionCode> = input
        .institutions
        .iter()
        .map(|i| InstitutionCode::parse(&i.code).map_err(|e| anyhow::anyhow!("{}: {e}", i.code)))
        .collect::<anyhow::Result<_>>()?;
    let mut tx = db.pool.begin().await?;
    store::offices::insert_many(
        &mut tx,
        &[NewOffice {
            number: input.office.clone(),
            name: "スクリーニングベンチ福祉事務所".to_string(),
            postal_code: None,
            address: None,
            phone: None,
        }],
    )
    .await?;
    let institutions: Vec<NewInstitution> = input
        .institutions
        .iter()
        .zip(&codes)
        .map(|(i, code)| NewInstitution {
            code: code.as_str().to_string(),
            name: i.name.clone(),
            score_table: code.as_str().as_bytes()[2] - b'0',
            online_capable: true,
            postal_code: None,
            address: None,
            phone: None,
        })
        .collect();
    store::institutions::insert_many(&mut tx, &institutions).await?;
    let client_ids: Vec<String> = (0..input.verifications.len())
        .map(|k| format!("bench-screening:{k}"))
        .collect();
    let instants = input
        .verifications
        .iter()
        .enumerate()
        .map(|(k, v)| at_jst(date(v.day), 540 + (k % 480) as u32))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let new: Vec<NewVerification<'_>> = input
        .verifications
        .iter()
        .enumerate()
        .map(|(k, v)| NewVerification {
            client_id: &client_ids[k],
            verified_at: instants[k],
            institution: &codes[v.institution as usize],
            office_number: &input.office,
            recipient_number: &input.recipients[v.recipient as usize].number,
            reference_class: ReferenceClass::Card,
            validity: v.validity,
            source: Source::Import,
        })
        .collect();
    store::verifications::insert_many(&mut tx, &new).await?;
    tx.commit().await?;
    let loaded = started.elapsed();

    let ym = (month.year(), month.month());
    let expected: Vec<(String, String)> = screening::screen(&input, ym)
        .rows
        .into_iter()
        .filter(|r| r.category == Category::Frequent)
        .map(|r| (r.recipient_number, r.institution_code))
        .collect();
    let mut times = Vec::with_capacity(runs);
    let mut found: Vec<(String, String)> = Vec::new();
    let cpu_started = cpu();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        found = sqlx::query_as(FREQUENT_SQL)
            .bind(&input.office)
            .bind(input.start.to_string())
            .bind(until.to_string())
            .bind(month.to_string())
            .fetch_all(&db.pool)
            .await?;
        times.push(started.elapsed());
    }
    anyhow::ensure!(
        found == expected,
        "the SQL finds {} 頻回受診候補, `screen` {}",
        found.len(),
        expected.len()
    );
    let cpu_per_run = (cpu() - cpu_started) / u32::try_from(times.len())?;
    let median = quantile(&mut times, 0.5);
    println!(
        "| Data | `target/bench/screening-input.json` loaded into SQLite with the server's schema (`verifications`, {} rows, {} institutions) in {:.1} s |",
        input.verifications.len(),
        input.institutions.len(),
        loaded.as_secs_f64()
    );
    println!(
        "| 頻回受診 as one SQL query (SQLite) | median {}, best {} over {} runs; CPU time {} a run |",
        ms(median),
        ms(times[0]),
        times.len(),
        ms(cpu_per_run)
    );
    println!(
        "| Agreement | the query finds the same {} 頻回受診候補 (受給者番号, 医療機関コード) as `screen` |",
        found.len()
    );
    if let Some(path) = arg(args, "--wasm") {
        let (parse, screen) = wasm_figures(&path)?;
        let sql = median.as_secs_f64() * 1000.0;
        println!(
            "| WebAssembly (the table above) vs SQL | `screen` in WebAssembly {screen:.0} ms: {:.0} × faster than the SQL; with the JSON parse ({:.0} ms in all) {:.1} × (target ≥ 5 ×, WebAssembly ≤ 1 s) |",
            sql / screen.max(0.1),
            parse + screen,
            sql / (parse + screen).max(0.1)
        );
    }
    Ok(())
}
