//! 健診情報 and 薬剤情報 (issue 7): the samples imported by `onshi import` into a database
//! loaded with the Appendix A samples, the office's HTTP imports and export, the deadline,
//! the 向精神薬 screen, the clinic's consented view, and scope.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use chrono::NaiveDate;
use http_body_util::BodyExt;
use tower::ServiceExt;

use domain::api::Role;

const TOKYO: &str = "12131017";

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/samples")
}

fn sample(path: &str) -> PathBuf {
    samples().join(path)
}

fn onshi(f: &common::Fixture, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onshi"));
    cmd.arg("--data").arg(f.dir.path()).args(args);
    cmd.env_remove("DATABASE_URL");
    if let Some(url) = &f.database_url {
        cmd.env("DATABASE_URL", url);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

async fn count(f: &common::Fixture, sql: &'static str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&f.db.pool).await.unwrap();
    n
}

fn import_ok(f: &common::Fixture, kind: &str, file: &Path) -> String {
    let out = onshi(f, &["import", kind, file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{kind} {}: {}",
        file.display(),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// The Appendix A samples (offices, institutions, recipients), the drug master, and
/// accounts: a caseworker of each office and the sample clinic.
async fn loaded() -> common::Fixture {
    let f = common::empty().await;
    for kind in ["offices", "institutions", "recipients"] {
        import_ok(&f, kind, &sample(&format!("{kind}.csv")));
    }
    let out = import_ok(&f, "drug-master", &sample("receipts/drug-master.csv"));
    assert!(out.contains("医薬品マスター 7 件"), "{out}");
    for (login, role, office, inst) in [
        ("tokyo-cw", Role::Caseworker, Some(TOKYO), None),
        ("osaka-cw", Role::Caseworker, Some("12270138"), None),
        ("clinic", Role::Clinic, None, Some("1311234569")),
        ("other-clinic", Role::Clinic, None, Some("1311200032")),
    ] {
        server::auth::add_user(&f.db, login, common::PASSWORD, role, login, office, inst)
            .await
            .unwrap();
    }
    f
}

struct Reply {
    status: StatusCode,
    json: serde_json::Value,
    bytes: Vec<u8>,
    headers: axum::http::HeaderMap,
}

async fn call(
    app: &Router,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<Vec<u8>>,
) -> Reply {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(c) = cookie {
        builder = builder.header(header::COOKIE, c);
    }
    if body.is_some() {
        builder = builder.header(header::CONTENT_TYPE, "application/octet-stream");
    }
    let request = builder
        .body(body.map_or_else(Body::empty, Body::from))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    Reply {
        status,
        json,
        bytes,
        headers,
    }
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(sample(path)).unwrap()
}

/// Every stored 健診 item, in a stable order, to compare imports.
async fn items_snapshot(
    f: &common::Fixture,
) -> Vec<(String, String, String, Option<String>, Option<String>)> {
    sqlx::query_as(
        "SELECT c.examined_on, i.code, i.kind, i.value, i.unit FROM checkup_items i \
         JOIN checkups c ON c.id = i.checkup_id ORDER BY c.examined_on, i.seq",
    )
    .fetch_all(&f.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn cli_imports_the_samples() {
    let f = loaded().await;
    let out = import_ok(&f, "checkups", &sample("checkups/checkups-cda.zip"));
    assert!(out.contains("3 件の健診結果（55 項目）"), "{out}");
    let from_cda = items_snapshot(&f).await;
    assert_eq!(from_cda.len(), 55);
    // 未実施, 測定不能, 以下, 以上 and coded values are stored as such.
    let kinds: Vec<&str> = from_cda.iter().map(|r| r.2.as_str()).collect();
    for kind in [
        "not_performed",
        "unmeasurable",
        "below_limit",
        "above_limit",
        "coded",
    ] {
        assert!(kinds.contains(&kind), "{kind}");
    }
    // The CSV holds the same 健診: importing it replaces them, nothing doubles.
    let out = import_ok(&f, "checkups", &sample("checkups/checkups.csv"));
    assert!(out.contains("3 件の健診結果"), "{out}");
    assert_eq!(count(&f, "SELECT COUNT(*) FROM checkups").await, 3);
    assert_eq!(items_snapshot(&f).await, from_cda);
    let (source,): (String,) = sqlx::query_as("SELECT source FROM checkups LIMIT 1")
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    assert_eq!(source, "csv");

    let out = import_ok(&f, "receipts", &sample("receipts/1311234569_202405.csv"));
    assert!(out.contains("2 件のレセプトから薬剤情報 5 件"), "{out}");
    import_ok(&f, "receipts", &sample("receipts/1311200032_202405.csv"));
    assert_eq!(count(&f, "SELECT COUNT(*) FROM dispensed_drugs").await, 7);
    // The same file again replaces its receipts' drugs.
    import_ok(&f, "receipts", &sample("receipts/1311200032_202405.csv"));
    assert_eq!(count(&f, "SELECT COUNT(*) FROM dispensed_drugs").await, 7);
    let inherited: (i64, Option<i64>, String) = sqlx::query_as(
        "SELECT times, supply_days, days_of_month FROM dispensed_drugs WHERE drug_code = '629990001' AND institution_code = '1311234569'",
    )
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    assert_eq!(inherited, (30, Some(30), "8".to_string()));
    // Every write is in the audit log, per recipient.
    assert!(
        count(
            &f,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'checkup.import'"
        )
        .await
            >= 3
    );
    assert!(
        count(
            &f,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'drug.import'"
        )
        .await
            >= 2
    );
}

#[tokio::test]
async fn an_import_with_one_bad_record_writes_nothing() {
    let f = loaded().await;
    let audit_before = count(&f, "SELECT COUNT(*) FROM audit_log").await;
    // One row names a recipient nobody registered (a valid 受給者番号).
    let csv = std::fs::read_to_string(sample("checkups/checkups.csv")).unwrap();
    let bad = csv.replacen(
        "12131017,0000026,例示　ゆり",
        "12131017,0000042,例示　ゆり",
        17,
    );
    let path = f.dir.path().join("checkups-bad.csv");
    std::fs::write(&path, &bad).unwrap();
    let out = onshi(&f, &["import", "checkups", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("40行目 受診者 12131017-0000042（受診日 2024-01-20） 受給者番号"),
        "{err}"
    );
    assert!(err.contains("登録されていません"), "{err}");
    assert!(err.contains("何も取り込んでいません"), "{err}");
    assert_eq!(count(&f, "SELECT COUNT(*) FROM checkups").await, 0);
    assert_eq!(
        count(&f, "SELECT COUNT(*) FROM audit_log").await,
        audit_before
    );

    // A wrong birth date is unmatched too, and never shows the registered one.
    let wrong_birth = csv.replace("1948-11-03", "1948-11-04");
    std::fs::write(&path, &wrong_birth).unwrap();
    let out = onshi(&f, &["import", "checkups", path.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert!(err.contains("生年月日（1948-11-04）"), "{err}");
    assert!(!err.contains("1948-11-03"), "{err}");

    // Asked to, the matched records are written and the others listed.
    std::fs::write(&path, &bad).unwrap();
    let out = onshi(
        &f,
        &[
            "import",
            "checkups",
            path.to_str().unwrap(),
            "--skip-unmatched",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("2 件の健診結果"));
    assert!(text(&out.stdout).contains("受給者が見つからない 1 件"));
    assert!(text(&out.stderr).contains("取り込まなかった記録: 40行目"));
    assert_eq!(count(&f, "SELECT COUNT(*) FROM checkups").await, 2);

    // A レセ電 file with one malformed IY record: nothing written, the line named.
    let rece = encoding_rs::SHIFT_JIS
        .decode(&read("receipts/1311234569_202405.csv"))
        .0
        .replacen("629990006", "62999000", 1);
    let (cp932, _, _) = encoding_rs::SHIFT_JIS.encode(&rece);
    let path = f.dir.path().join("rece-bad.csv");
    std::fs::write(&path, &cp932).unwrap();
    let out = onshi(&f, &["import", "receipts", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("15行目 RE（レセプト番号 2） IY 医薬品コード"),
        "{err}"
    );
    assert_eq!(count(&f, "SELECT COUNT(*) FROM dispensed_drugs").await, 0);
    assert_eq!(count(&f, "SELECT COUNT(*) FROM receipt_imports").await, 0);
}

#[tokio::test]
async fn export_then_reimport_keeps_every_value() {
    let f = loaded().await;
    let app = f.app();
    let cw = common::login(&app, "tokyo-cw").await;
    let reply = call(
        &app,
        "POST",
        "/api/office/checkups/import",
        Some(&cw),
        Some(read("checkups/checkups-cda.zip")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json["accepted"], true, "{}", reply.json);
    assert_eq!(reply.json["format"], "cda");
    assert_eq!(
        (reply.json["written"].as_u64(), reply.json["items"].as_u64()),
        (Some(3), Some(55))
    );
    let before = items_snapshot(&f).await;

    let export = call(
        &app,
        "GET",
        "/api/office/checkups/export?fiscal_year=2023",
        Some(&cw),
        None,
    )
    .await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.headers[header::CONTENT_TYPE], "application/zip");
    let disposition = export.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"12131017_12131017_"),
        "{disposition}"
    );
    let archive =
        domain::checkup::parse_archive(&export.bytes, domain::checkup::Limits::DEFAULT).unwrap();
    let sample_checkups = domain::checkup::parse_csv(
        &std::fs::read_to_string(sample("checkups/checkups.csv")).unwrap(),
    )
    .unwrap();
    assert_eq!(archive.checkups.len(), 3);
    for (exported, original) in archive.checkups.iter().zip(&sample_checkups) {
        assert_eq!(exported.items, original.items, "{}", original.label());
        assert_eq!(exported.examined_on, original.examined_on);
        assert_eq!(exported.provider, original.provider);
        assert_eq!(exported.birth_date, original.birth_date);
    }
    // Re-import the export: accepted, nothing doubled, every value the same.
    let again = call(
        &app,
        "POST",
        "/api/office/checkups/import",
        Some(&cw),
        Some(export.bytes.clone()),
    )
    .await;
    assert_eq!(again.json["accepted"], true, "{}", again.json);
    assert_eq!(count(&f, "SELECT COUNT(*) FROM checkups").await, 3);
    assert_eq!(items_snapshot(&f).await, before);
    // Another fiscal year: an empty archive; a bad year: a Japanese field error.
    let empty = call(
        &app,
        "GET",
        "/api/office/checkups/export?fiscal_year=2020",
        Some(&cw),
        None,
    )
    .await;
    let archive =
        domain::checkup::parse_archive(&empty.bytes, domain::checkup::Limits::DEFAULT).unwrap();
    assert!(archive.checkups.is_empty());
    let bad = call(
        &app,
        "GET",
        "/api/office/checkups/export?fiscal_year=R5",
        Some(&cw),
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json["fields"][0]["field"], "年度");
    assert!(
        count(
            &f,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'checkup.export'"
        )
        .await
            >= 3
    );
}

#[tokio::test]
async fn http_imports_refuse_hostile_input_and_other_offices() {
    let f = loaded().await;
    let app = f.app();
    let cw = common::login(&app, "tokyo-cw").await;
    let osaka = common::login(&app, "osaka-cw").await;
    // Tokyo's file uploaded by Osaka: every record refused, nothing written, even when
    // skipping unmatched records (a wrong office is never "unmatched").
    for path in [
        "/api/office/checkups/import",
        "/api/office/checkups/import?skip_unmatched=1",
    ] {
        let reply = call(
            &app,
            "POST",
            path,
            Some(&osaka),
            Some(read("checkups/checkups-cda.zip")),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.json["accepted"], false);
        let errors = reply.json["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 3);
        assert_eq!(errors[0]["field"], "公費負担者番号");
        assert!(errors[0]["file"].as_str().unwrap().contains("/DATA/h"));
        assert!(errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("この福祉事務所（12270138）"));
    }
    let reply = call(
        &app,
        "POST",
        "/api/office/receipts/import",
        Some(&osaka),
        Some(read("receipts/1311234569_202405.csv")),
    )
    .await;
    assert_eq!(reply.json["accepted"], false);
    assert_eq!(reply.json["errors"][0]["field"], "KO 負担者番号");
    assert_eq!(reply.json["errors"][0]["line"], 2);
    // A DOCTYPE inside the archive: refused, with the file and line.
    let doc = domain::checkup::write_document(
        &domain::checkup::parse_csv(
            &std::fs::read_to_string(sample("checkups/checkups.csv")).unwrap(),
        )
        .unwrap()[0],
        NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
    )
    .replacen(
        "<ClinicalDocument",
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n<ClinicalDocument",
        1,
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("ix08_V08.xml", options).unwrap();
    std::io::Write::write_all(
        &mut zip,
        b"<index><interactionType code=\"8\"/><creationTime value=\"20240501\"/><sender><id root=\"1.2.392.200119.6.101\" extension=\"12131017\"/></sender><serviceEventType code=\"1\"/><totalRecordCount value=\"1\"/></index>",
    )
    .unwrap();
    zip.start_file("DATA/h1.xml", options).unwrap();
    std::io::Write::write_all(&mut zip, doc.as_bytes()).unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    let reply = call(
        &app,
        "POST",
        "/api/office/checkups/import",
        Some(&cw),
        Some(bytes.clone()),
    )
    .await;
    assert_eq!(reply.json["accepted"], false);
    assert_eq!(reply.json["errors"][0]["file"], "DATA/h1.xml");
    assert_eq!(reply.json["errors"][0]["line"], 2);
    assert!(reply.json["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("DOCTYPE"));
    // Truncated: refused as a whole.
    let reply = call(
        &app,
        "POST",
        "/api/office/checkups/import",
        Some(&cw),
        Some(bytes[..bytes.len() / 2].to_vec()),
    )
    .await;
    assert_eq!(reply.json["accepted"], false);
    assert!(reply.json["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("途中で切れて"));
    // An empty body is a request error.
    let reply = call(
        &app,
        "POST",
        "/api/office/checkups/import",
        Some(&cw),
        Some(Vec::new()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json["code"], "validation");
    assert_eq!(count(&f, "SELECT COUNT(*) FROM checkups").await, 0);
    // Roles: a clinic or nobody may not import.
    let clinic = common::login(&app, "clinic").await;
    let reply = call(
        &app,
        "POST",
        "/api/office/checkups/import",
        Some(&clinic),
        Some(read("checkups/checkups.csv")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = call(
        &app,
        "POST",
        "/api/office/receipts/import",
        None,
        Some(read("checkups/checkups.csv")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

async fn receipts_loaded() -> common::Fixture {
    let f = loaded().await;
    import_ok(&f, "receipts", &sample("receipts/1311234569_202405.csv"));
    import_ok(&f, "receipts", &sample("receipts/1311200032_202405.csv"));
    import_ok(&f, "checkups", &sample("checkups/checkups-cda.zip"));
    f
}

#[tokio::test]
async fn psychotropic_screen_finds_the_seeded_case() {
    let f = receipts_loaded().await;
    let app = f.app();
    let cw = common::login(&app, "tokyo-cw").await;
    let reply = call(
        &app,
        "GET",
        "/api/office/screening/psychotropic?month=2024-04",
        Some(&cw),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    let screen = &reply.json;
    assert_eq!(screen["month_label"], "令和6年4月 (2024/04)");
    assert_eq!(screen["dispensings_in_month"], 7);
    let candidates = screen["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 1, "{screen}");
    let hanako = &candidates[0];
    assert_eq!(hanako["recipient_number"], "1234566");
    assert_eq!(
        hanako["reasons"],
        serde_json::json!([
            "2か所の医療機関から向精神薬",
            "エチゾラム 44日分（30日分超）"
        ])
    );
    let institutions: Vec<&str> = hanako["institutions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(institutions, ["北町診療所", "みどり内科クリニック"]);
    // Evidence: every 向精神薬 dispensing, with dates; the 屯服 トリアゾラム too (no days).
    let evidence = hanako["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 4, "{hanako}");
    let triazolam = evidence
        .iter()
        .find(|e| e["ingredient"] == "トリアゾラム")
        .unwrap();
    assert_eq!(triazolam["matched_by"], "名称");
    assert_eq!(triazolam["category_label"], "屯服");
    assert_eq!(triazolam["supply_days"], serde_json::Value::Null);
    assert_eq!(triazolam["dates"], serde_json::json!(["2024-04-22"]));
    let etizolam_b = evidence
        .iter()
        .find(|e| e["ingredient"] == "エチゾラム" && e["institution_code"] == "1311200032")
        .unwrap();
    assert_eq!(etizolam_b["quantity"], "1日2錠");
    assert_eq!(etizolam_b["supply_days"], 14);
    assert_eq!(etizolam_b["matched_by"], "薬価基準コード");
    // Audited per candidate.
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'screening.psychotropic'"
        )
        .await,
        1
    );
    // Another office sees none of it; a month without receipts is empty; a bad month is a field error.
    let osaka = common::login(&app, "osaka-cw").await;
    let reply = call(
        &app,
        "GET",
        "/api/office/screening/psychotropic?month=2024-04",
        Some(&osaka),
        None,
    )
    .await;
    assert_eq!(reply.json["candidates"], serde_json::json!([]));
    assert_eq!(reply.json["dispensings_in_month"], 0);
    let reply = call(
        &app,
        "GET",
        "/api/office/screening/psychotropic?month=R6.5",
        Some(&cw),
        None,
    )
    .await;
    assert_eq!(reply.json["month"], "2024-05");
    assert_eq!(reply.json["candidates"], serde_json::json!([]));
    let reply = call(
        &app,
        "GET",
        "/api/office/screening/psychotropic?month=2024-13",
        Some(&cw),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json["fields"][0]["field"], "診療年月");
}

#[tokio::test]
async fn the_deadline_counts_last_fiscal_years_results() {
    let f = receipts_loaded().await;
    let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let d = server::health::deadline(&f.db, TOKYO, today).await.unwrap();
    assert_eq!(d.fiscal_year, 2023);
    assert_eq!(d.fiscal_year_label, "令和5年度");
    assert_eq!(
        (d.period_from.as_str(), d.period_to.as_str()),
        ("2023-04-01", "2024-03-31")
    );
    assert_eq!(d.due_date, "2024-11-01");
    assert_eq!(d.due_date_label, "令和6年11月1日 (2024/11/01)");
    assert_eq!((d.days_left, d.overdue), (153, false));
    // Eligible in FY2023: all four Tokyo sample recipients (one ended 2024-03-31).
    assert_eq!(
        (d.recipients, d.registered_recipients, d.registered_checkups),
        (4, 3, 3)
    );
    assert_eq!(d.by_month.len(), 12);
    assert_eq!(d.by_month[0].month, "2023-04");
    let counted: Vec<(&str, u64)> = d
        .by_month
        .iter()
        .filter(|m| m.checkups > 0)
        .map(|m| (m.month.as_str(), m.checkups))
        .collect();
    assert_eq!(counted, [("2023-09", 1), ("2023-10", 1), ("2024-01", 1)]);
    assert!(d.message.contains("令和6年11月1日"), "{}", d.message);
    let late =
        server::health::deadline(&f.db, TOKYO, NaiveDate::from_ymd_opt(2024, 11, 2).unwrap())
            .await
            .unwrap();
    assert!(late.overdue && late.days_left == -1);
    assert!(late.message.contains("過ぎています"));
    // Over HTTP, for today.
    let app = f.app();
    let cw = common::login(&app, "tokyo-cw").await;
    let reply = call(
        &app,
        "GET",
        "/api/office/checkups/deadline",
        Some(&cw),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.json["due_date"].as_str().unwrap().ends_with("-11-01"));
    let clinic = common::login(&app, "clinic").await;
    let reply = call(
        &app,
        "GET",
        "/api/office/checkups/deadline",
        Some(&clinic),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

/// A stored verification of 1234566 at `institution` today, and its consent.
async fn verification(
    f: &common::Fixture,
    institution: &str,
    reference_class: i64,
    validity: i64,
    date: NaiveDate,
    consent: Option<(i64, i64)>,
) -> i64 {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO verifications (client_id, verified_at, verified_date, institution_code, office_number, \
         recipient_number, reference_class, validity, offline, source) \
         VALUES ($1, $2, $3, $4, '12131017', '1234566', $5, $6, 0, 'online') RETURNING id",
    )
    .bind(format!("test-{institution}-{reference_class}-{validity}-{date}-{consent:?}"))
    .bind(format!("{date}T01:00:00.000000Z"))
    .bind(date.to_string())
    .bind(institution)
    .bind(reference_class)
    .bind(validity)
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    if let Some((drugs, checkups)) = consent {
        sqlx::query(
            "INSERT INTO consents (verification_id, drug_info, checkup_info, recorded_at) VALUES ($1, $2, $3, '2024-01-01T00:00:00.000000Z')",
        )
        .bind(id)
        .bind(drugs)
        .bind(checkups)
        .execute(&f.db.pool)
        .await
        .unwrap();
    }
    id
}

#[tokio::test]
async fn a_clinic_sees_health_data_only_with_the_cards_consent_that_day() {
    let f = receipts_loaded().await;
    let app = f.app();
    let clinic = common::login(&app, "clinic").await;
    let today = server::db::today_jst();
    let yesterday = today.pred_opt().unwrap();
    let card = verification(&f, "1311234569", 1, 1, today, Some((1, 1))).await;
    let audit_before = count(
        &f,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'health.view'",
    )
    .await;

    let reply = call(
        &app,
        "GET",
        &format!("/api/verify/{card}/health"),
        Some(&clinic),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.json);
    let view = &reply.json;
    assert_eq!(view["name"], "見本　花子");
    assert_eq!(
        (view["drug_info"].as_bool(), view["checkup_info"].as_bool()),
        (Some(true), Some(true))
    );
    let medications = view["medications"].as_array().unwrap();
    assert_eq!(medications.len(), 5, "{view}");
    // Newest first: 北町診療所's (4/18) before みどり内科's (4/8, 4/22 → 4/22 first).
    assert_eq!(medications[0]["dispensed_on"], "2024-04-22");
    assert_eq!(
        medications[0]["drug_name"],
        "トリアゾラム錠０．２５ｍｇ「見本」"
    );
    assert_eq!(medications[0]["usage"], "屯服");
    let checkups = view["checkups"].as_array().unwrap();
    assert_eq!(checkups.len(), 1);
    let values = checkups[0]["values"].as_array().unwrap();
    let ldl = values
        .iter()
        .find(|v| v["code"] == "3F077000002327101")
        .unwrap();
    assert_eq!(ldl["value"], "未実施");
    assert_eq!(ldl["numeric"], serde_json::Value::Null);
    let waist = values
        .iter()
        .find(|v| v["code"] == "9N016160100000001")
        .unwrap();
    assert_eq!(waist["reference"]["text"], "90未満", "女性の腹囲");
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'health.view'"
        )
        .await,
        audit_before + 1
    );

    // Consent to 薬剤情報 only: no 健診.
    let drugs_only = verification(&f, "1311234569", 1, 1, today, Some((1, 0))).await;
    let reply = call(
        &app,
        "GET",
        &format!("/api/verify/{drugs_only}/health"),
        Some(&clinic),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json["checkups"], serde_json::json!([]));
    assert_eq!(reply.json["checkup_info"], false);

    // Refused: number entry, 未委託, no consent, yesterday's consent.
    let cases = [
        (
            verification(&f, "1311234569", 2, 1, today, Some((1, 1))).await,
            "番号入力",
        ),
        (
            verification(&f, "1311234569", 1, 6, today, Some((1, 1))).await,
            "未委託",
        ),
        (
            verification(&f, "1311234569", 1, 1, today, None).await,
            "同意していません",
        ),
        (
            verification(&f, "1311234569", 1, 1, today, Some((0, 0))).await,
            "同意していません",
        ),
        (
            verification(&f, "1311234569", 1, 1, yesterday, Some((1, 1))).await,
            "だけ有効",
        ),
    ];
    for (id, part) in cases {
        let reply = call(
            &app,
            "GET",
            &format!("/api/verify/{id}/health"),
            Some(&clinic),
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{part}");
        assert!(
            reply.json["message"].as_str().unwrap().contains(part),
            "{}",
            reply.json
        );
    }
    // Another institution's verification is as if it did not exist; so is a bad id.
    let other = common::login(&app, "other-clinic").await;
    for path in [
        format!("/api/verify/{card}/health"),
        "/api/verify/abc/health".to_string(),
        "/api/verify/999999/health".to_string(),
    ] {
        let reply = call(&app, "GET", &path, Some(&other), None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    // Office staff do not use this route.
    let cw = common::login(&app, "tokyo-cw").await;
    let reply = call(
        &app,
        "GET",
        &format!("/api/verify/{card}/health"),
        Some(&cw),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'health.view'"
        )
        .await,
        audit_before + 2,
        "refusals read nothing"
    );
}

#[tokio::test]
async fn the_portal_reader_returns_everything_of_one_recipient() {
    let f = receipts_loaded().await;
    let (id,): (i64,) = sqlx::query_as(
        "SELECT id FROM recipients WHERE office_number = '12131017' AND recipient_number = '0000018'",
    )
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    let health = server::health::portal_health(&f.db, id).await.unwrap();
    let (medications, checkups) = (health.medications, health.checkups);
    assert_eq!(medications.len(), 2);
    assert_eq!(medications[0].dispenser_name, "みどり内科クリニック");
    assert_eq!(medications[0].dispensed_on, "2024-04-15");
    assert_eq!(medications[0].days, Some(28));
    assert_eq!(checkups.len(), 1);
    assert_eq!(checkups[0].date, "2023-10-03");
    assert_eq!(checkups[0].institution_name.as_deref(), Some("北町診療所"));
    let egfr = checkups[0]
        .values
        .iter()
        .find(|v| v.code == "8A065000002391901")
        .unwrap();
    assert_eq!(
        (egfr.value.as_str(), egfr.unit.as_str()),
        ("68.5", "mL/min/1.73m2")
    );
    let urine = checkups[0]
        .values
        .iter()
        .find(|v| v.code == "1A020000000191111")
        .unwrap();
    assert_eq!(urine.value, "＋");
    assert_eq!(
        urine.reference.as_ref().map(|r| r.text.as_str()),
        Some("（－）")
    );
    // A recipient with nothing: two empty lists.
    let (none,): (i64,) =
        sqlx::query_as("SELECT id FROM recipients WHERE recipient_number = '2000016'")
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    let empty = server::health::portal_health(&f.db, none).await.unwrap();
    assert!(empty.medications.is_empty() && empty.checkups.is_empty());
    assert_eq!(
        empty.note,
        "あなたの薬剤情報・健診結果は、まだ登録されていません。"
    );
}

#[tokio::test]
async fn the_demo_seed_has_health_data_and_a_psychotropic_case() {
    let f = common::empty().await;
    let today = NaiveDate::from_ymd_opt(2024, 6, 15).unwrap();
    let report = server::seed::demo(&f.db, &f.keys, f.dir.path(), today)
        .await
        .unwrap();
    assert!(report.contains("健診結果（令和5年度）: 12 件"), "{report}");
    assert!(
        report.contains("向精神薬スクリーニングの候補（2024-05）: 12131017 "),
        "{report}"
    );
    let caller = server::health::operator_caller("test");
    for office in [TOKYO, "12270138"] {
        let screen = server::health::psychotropic_screen(&f.db, &caller, office, (2024, 5))
            .await
            .unwrap();
        assert_eq!(screen.candidates.len(), 1, "{office}");
        assert_eq!(
            screen.candidates[0].reasons,
            ["2か所の医療機関から向精神薬"]
        );
        let d = server::health::deadline(&f.db, office, today)
            .await
            .unwrap();
        assert_eq!(
            (d.fiscal_year, d.registered_checkups),
            (2023, 6),
            "{office}"
        );
    }
    // The demo 健診 show every state somewhere.
    let kinds: Vec<(String,)> =
        sqlx::query_as("SELECT DISTINCT kind FROM checkup_items ORDER BY kind")
            .fetch_all(&f.db.pool)
            .await
            .unwrap();
    let kinds: Vec<&str> = kinds.iter().map(|k| k.0.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "below_limit",
            "coded",
            "not_performed",
            "numeric",
            "unmeasurable"
        ]
    );
}
