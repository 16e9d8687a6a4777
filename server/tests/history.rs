//! 資格 as a history and 転居 (issue 11), end to end through the real router and database:
//! every verification path (number, card, offline outbox, roster, onshi XML, 請求前資格確認)
//! answers from all the covered periods, not the latest one; a person who moves to another
//! office keeps one card, and the old numbers answer 3 無効（新しい資格あり） with the new
//! office's name and phone only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine as _;
use chrono::{Duration, NaiveDate, Utc};
use common::*;
use domain::numbers::IndividualNumber;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

fn today() -> NaiveDate {
    server::db::today_jst()
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A full-month 医療券 at `institution` for every month that any of `days` falls in.
async fn tickets_covering(
    f: &Fixture,
    office: &str,
    recipient: &str,
    institution: &str,
    days: &[NaiveDate],
) {
    let mut months: Vec<String> = days.iter().map(|d| domain::ticket::month_of(*d)).collect();
    months.sort();
    months.dedup();
    for (k, month) in months.iter().enumerate() {
        let (first, last) = domain::ticket::month_bounds(month).unwrap();
        sqlx::query(
            "INSERT INTO tickets (office_number, recipient_id, ticket_type, issue_number, treatment_month, valid_from, valid_until, \
             institution_code, treatment_type, self_pay_amount, single_or_combined, social_insurance, infection_law, elderly_care, \
             prefectural_expense, created_at, created_by) \
             VALUES ($1, (SELECT id FROM recipients WHERE office_number = $1 AND recipient_number = $2), '01', $3, $4, $5, $6, $7, \
             '02', 0, '01', '02', '02', '02', '02', '2026-01-01T00:00:00.000000Z', 'test')",
        )
        .bind(office)
        .bind(recipient)
        .bind(format!("H-{recipient}-{k}"))
        .bind(month)
        .bind(first.to_string())
        .bind(last.to_string())
        .bind(institution)
        .execute(&f.db.pool)
        .await
        .unwrap();
    }
}

/// Register a 資格 decision as the caseworker does.
async fn decide(app: &axum::Router, cw: &str, id: i64, kind: &str, effective: NaiveDate) -> Reply {
    let body = json!({"kind": kind, "effective_date": effective.to_string(),
                      "decision_date": today().min(effective).to_string()})
    .to_string();
    let reply = send(
        app,
        "POST",
        &format!("/api/office/recipients/{id}/qualification"),
        Some(cw),
        Some(&body),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{kind} {effective}: {}",
        reply.text
    );
    reply
}

async fn by_number(
    app: &axum::Router,
    who: &str,
    office: &str,
    number: &str,
    birth: &str,
) -> Reply {
    let body = json!({"client_id": format!("n-{}", uuid_like()), "office_number": office,
                      "recipient_number": number, "birth_date": birth})
    .to_string();
    let reply = send(app, "POST", "/api/verify/number", Some(who), Some(&body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        Utc::now().timestamp_nanos_opt().unwrap_or(0),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

async fn offline(
    app: &axum::Router,
    who: &str,
    office: &str,
    number: &str,
    birth: &str,
    day: NaiveDate,
) -> Value {
    // Noon JST of `day`, no later than now.
    let noon = day.and_hms_opt(3, 0, 0).unwrap().and_utc();
    let at = noon.min(Utc::now() - Duration::minutes(1)).to_rfc3339();
    let body =
        json!({"items": [{"client_id": format!("o-{}", uuid_like()), "office_number": office,
        "recipient_number": number, "birth_date": birth, "verified_at": at, "offline": true}]})
        .to_string();
    let reply = send(app, "POST", "/api/verify/sync", Some(who), Some(&body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json["items"][0]["validity"].clone()
}

async fn card_for(f: &Fixture, office: &str, recipient: &str) -> domain::card::UnlockedCard {
    let json = server::cards::issue(&f.db, &f.keys, office, recipient, "4321", today())
        .await
        .unwrap();
    let card = domain::card::parse_card_file(&json).unwrap();
    domain::card::unlock(&card, "4321").unwrap()
}

async fn signed(app: &axum::Router, card: &domain::card::UnlockedCard) -> Value {
    let challenge = send(app, "GET", "/api/card/challenge", None, None).await;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(challenge.json["challenge"].as_str().unwrap())
        .unwrap();
    json!({
        "challenge_id": challenge.json["challenge_id"],
        "certificate": card.certificate(),
        "signature": card.sign(&bytes),
    })
}

async fn by_card(app: &axum::Router, who: &str, card: &domain::card::UnlockedCard) -> Reply {
    let mut body = signed(app, card).await;
    body["client_id"] = json!(format!("c-{}", uuid_like()));
    body["consent"] = json!({"drug_info": false, "checkup_info": false});
    let reply = send(
        app,
        "POST",
        "/api/verify/card",
        Some(who),
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply
}

/// The onshi XML single check for these numbers: its `QualificationValidity` and the whole text.
async fn onshi_xml(
    app: &axum::Router,
    token: &str,
    office: &str,
    number: &str,
    birth: &str,
) -> (String, String) {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg><MessageHeader><MedicalInstitutionCode>{CLINIC}</MedicalInstitutionCode>\
         <ArbitraryFileIdentifier>H-1</ArbitraryFileIdentifier></MessageHeader><MessageBody><QualificationConfirmSearchInfo>\
         <InsurerNumber>{office}</InsurerNumber><InsuredIdentificationNumber>{number}</InsuredIdentificationNumber>\
         <Birthdate>{}</Birthdate></QualificationConfirmSearchInfo></MessageBody></XmlMsg>",
        birth.replace('-', "")
    );
    let request = Request::builder()
        .method("POST")
        .uri("/onshi/OQSsiquc01req")
        .header(header::CONTENT_TYPE, "application/xml")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(xml))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let validity = text
        .split("<QualificationValidity>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_default()
        .to_string();
    (validity, text)
}

/// A 資格情報ファイル of one receipt per (number, birth, month, dates) row; the findings by receipt id.
async fn claims(
    f: &Fixture,
    office: &str,
    rows: &[(&str, &str, &str, &str, &[&str])],
) -> Vec<(String, Option<String>, String)> {
    let receipts: Vec<domain::claims::Receipt> = rows
        .iter()
        .enumerate()
        .map(
            |(k, (id, number, birth, month, dates))| domain::claims::Receipt {
                line: k + 2,
                receipt_id: (*id).to_string(),
                institution: domain::numbers::InstitutionCode::parse(CLINIC).unwrap(),
                month: (*month).to_string(),
                office_number: office.to_string(),
                recipient_number: (*number).to_string(),
                name: "テスト".into(),
                birth_date: d(birth),
                points: 100,
                visit_dates: dates.iter().map(|s| d(s)).collect(),
            },
        )
        .collect();
    let csv = domain::claims::shikaku_csv(&receipts);
    let name = domain::claims::shikaku_file_name(office, "2024-05", "ZIP");
    let inner = domain::claims::shikaku_file_name(office, "2024-05", "CSV");
    let zip = domain::claims::write_zip(&inner, csv.as_bytes(), d("2024-05-01"));
    let checked = server::claims::check(&f.db, Some(office), Some(&name), &zip)
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{e:?}"));
    checked
        .review
        .lines
        .iter()
        .map(|l| {
            (
                l.receipt_id.clone(),
                l.reason.map(|r| r.code().to_string()),
                l.detail.clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_earlier_period_stays_covered_after_a_suspension_on_every_path() {
    let f = fixture().await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let clinic = login(&app, "clinic").await;
    let token = server::auth::add_institution_token(&f.db, CLINIC)
        .await
        .unwrap();
    let t = today();
    // 東京 一郎 (from 2020-01-01): 停止 today (still covered today), 再開 in 5 days.
    let ichiro = recipient_id(&f, TOKYO, "1234566").await;
    decide(&app, &cw, ichiro, "suspend", t).await;
    let detail = decide(&app, &cw, ichiro, "restart", t + Duration::days(5)).await;
    let periods = detail.json["qualification_periods"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        periods.len(),
        2,
        "both periods on the recipient page: {}",
        detail.text
    );
    // A second person: 開始 60 days ago, 停止 10 days ago, 再開 in 5 days: today is in the gap.
    let body = json!({"name": "履歴　二郎", "name_kana": "リレキ　ジロウ", "sex": "1", "birth_date": "1955-05-05",
                      "card_held": true, "card_registered": true})
    .to_string();
    let created = send(
        &app,
        "POST",
        "/api/office/recipients",
        Some(&cw),
        Some(&body),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let jiro = created.json["id"].as_i64().unwrap();
    let jiro_number = created.json["recipient_number"]
        .as_str()
        .unwrap()
        .to_string();
    decide(&app, &cw, jiro, "start", t - Duration::days(60)).await;
    decide(&app, &cw, jiro, "suspend", t - Duration::days(10)).await;
    decide(&app, &cw, jiro, "restart", t + Duration::days(5)).await;
    let days = [
        t - Duration::days(60),
        t - Duration::days(20),
        t,
        t + Duration::days(5),
    ];
    tickets_covering(&f, TOKYO, "1234566", CLINIC, &days).await;
    tickets_covering(&f, TOKYO, &jiro_number, CLINIC, &days).await;

    // Number entry, online (dated today).
    let one = by_number(&app, &clinic, TOKYO, "1234566", "1960-04-01").await;
    assert_eq!(
        one.json["validity"], "1",
        "today is the 停止日 of the earlier period"
    );
    let gap = by_number(&app, &clinic, TOKYO, &jiro_number, "1955-05-05").await;
    assert_eq!(gap.json["validity"], "2", "today is between 停止 and 再開");
    // Card.
    let card = card_for(&f, TOKYO, &jiro_number).await;
    assert_eq!(by_card(&app, &clinic, &card).await.json["validity"], "2");
    let card = card_for(&f, TOKYO, "1234566").await;
    assert_eq!(by_card(&app, &clinic, &card).await.json["validity"], "1");
    // The offline outbox, dated inside the earlier period and in the gap.
    assert_eq!(
        offline(
            &app,
            &clinic,
            TOKYO,
            &jiro_number,
            "1955-05-05",
            t - Duration::days(20)
        )
        .await,
        "1"
    );
    assert_eq!(
        offline(
            &app,
            &clinic,
            TOKYO,
            &jiro_number,
            "1955-05-05",
            t - Duration::days(10)
        )
        .await,
        "1",
        "停止日"
    );
    assert_eq!(
        offline(
            &app,
            &clinic,
            TOKYO,
            &jiro_number,
            "1955-05-05",
            t - Duration::days(9)
        )
        .await,
        "2"
    );
    // The roster carries every period, and the browser's offline answer agrees.
    let roster = send(&app, "GET", "/api/verify/roster", Some(&clinic), None).await;
    let roster: domain::api::Roster = serde_json::from_value(roster.json).unwrap();
    let entry = roster
        .recipients
        .iter()
        .find(|r| r.recipient_number == jiro_number)
        .unwrap();
    assert_eq!(entry.periods.len(), 2);
    let typed = domain::api::NumberVerifyRequest {
        client_id: "x".into(),
        office_number: TOKYO.into(),
        recipient_number: jiro_number.clone(),
        birth_date: "1955-05-05".into(),
        verified_at: None,
        offline: false,
    }
    .check(t)
    .unwrap();
    let answer = roster.verify_offline("x", &typed, &Utc::now().to_rfc3339(), t);
    assert_eq!(
        answer.validity().map(|v| v.code()),
        Some("2"),
        "offline in the gap"
    );
    // onshi XML.
    assert_eq!(
        onshi_xml(&app, &token, TOKYO, "1234566", "1960-04-01")
            .await
            .0,
        "1"
    );
    assert_eq!(
        onshi_xml(&app, &token, TOKYO, &jiro_number, "1955-05-05")
            .await
            .0,
        "2"
    );
}

#[tokio::test]
async fn claims_check_reads_every_period_of_the_history() {
    let f = fixture().await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    // 開始 2024-01-01 → 停止 2024-01-31 → 再開 2024-03-01, and 開始→廃止→開始 for another.
    let mk = |name: &str, kana: &str| {
        json!({"name": name, "name_kana": kana, "sex": "2", "birth_date": "1970-01-01"}).to_string()
    };
    let a = send(
        &app,
        "POST",
        "/api/office/recipients",
        Some(&cw),
        Some(&mk("停止　花子", "テイシ　ハナコ")),
    )
    .await;
    let b = send(
        &app,
        "POST",
        "/api/office/recipients",
        Some(&cw),
        Some(&mk("廃止　花子", "ハイシ　ハナコ")),
    )
    .await;
    let (a_id, a_no) = (
        a.json["id"].as_i64().unwrap(),
        a.json["recipient_number"].as_str().unwrap().to_string(),
    );
    let (b_id, b_no) = (
        b.json["id"].as_i64().unwrap(),
        b.json["recipient_number"].as_str().unwrap().to_string(),
    );
    decide(&app, &cw, a_id, "start", d("2024-01-01")).await;
    decide(&app, &cw, a_id, "suspend", d("2024-01-31")).await;
    decide(&app, &cw, a_id, "restart", d("2024-03-01")).await;
    decide(&app, &cw, b_id, "start", d("2024-01-01")).await;
    decide(&app, &cw, b_id, "abolish", d("2024-01-31")).await;
    decide(&app, &cw, b_id, "start", d("2024-03-01")).await;
    let months = [d("2024-01-15"), d("2024-02-15"), d("2024-03-15")];
    tickets_covering(&f, TOKYO, &a_no, CLINIC, &months).await;
    tickets_covering(&f, TOKYO, &b_no, CLINIC, &months).await;
    let found = claims(
        &f,
        TOKYO,
        &[
            (
                "A1",
                &a_no,
                "1970-01-01",
                "2024-01",
                &["2024-01-10", "2024-01-31"],
            ),
            ("A2", &a_no, "1970-01-01", "2024-02", &["2024-02-10"]),
            ("A3", &a_no, "1970-01-01", "2024-03", &["2024-03-01"]),
            ("B1", &b_no, "1970-01-01", "2024-01", &["2024-01-20"]),
            ("B2", &b_no, "1970-01-01", "2024-02", &["2024-02-01"]),
            ("B3", &b_no, "1970-01-01", "2024-03", &["2024-03-20"]),
        ],
    )
    .await;
    let reason = |id: &str| found.iter().find(|r| r.0 == id).and_then(|r| r.1.clone());
    assert_eq!(reason("A1"), None, "earlier period: {found:?}");
    assert_eq!(
        reason("A2").as_deref(),
        Some("22"),
        "the gap is after a 資格喪失日: {found:?}"
    );
    assert_eq!(reason("A3"), None);
    assert_eq!(reason("B1"), None);
    assert_eq!(reason("B2").as_deref(), Some("22"));
    assert_eq!(reason("B3"), None);
}

/// A valid 12-digit 個人番号 from an 11-digit body.
fn individual(body: &str) -> String {
    IndividualNumber::from_body(body)
        .unwrap()
        .as_str()
        .to_string()
}

#[tokio::test]
async fn a_transfer_links_the_person_and_the_old_numbers_answer_3() {
    let f = fixture().await;
    let app = f.app();
    let tokyo = login(&app, "tokyo-cw").await;
    let osaka = login(&app, "osaka-cw").await;
    let clinic = login(&app, "clinic").await;
    let token = server::auth::add_institution_token(&f.db, CLINIC)
        .await
        .unwrap();
    let t = today();
    let number = individual("12345678901");
    let person = |confirm: bool| {
        json!({"name": "転居　三郎", "name_kana": "テンキョ　サブロウ", "sex": "1", "birth_date": "1966-06-06",
               "individual_number": number, "card_held": true, "card_registered": true,
               "confirm_transfer": confirm})
        .to_string()
    };
    // Tokyo: 保護開始 60 days ago; the recipient holds a card issued by Tokyo's record.
    let old = send(
        &app,
        "POST",
        "/api/office/recipients",
        Some(&tokyo),
        Some(&person(false)),
    )
    .await;
    assert_eq!(old.status, StatusCode::CREATED, "{}", old.text);
    let (old_id, old_no) = (
        old.json["id"].as_i64().unwrap(),
        old.json["recipient_number"].as_str().unwrap().to_string(),
    );
    decide(&app, &tokyo, old_id, "start", t - Duration::days(60)).await;
    let card = card_for(&f, TOKYO, &old_no).await;

    // Osaka: the same 個人番号 is found at Tokyo; the caseworker must confirm the 転居.
    let ask = send(
        &app,
        "POST",
        "/api/office/recipients",
        Some(&osaka),
        Some(&person(false)),
    )
    .await;
    assert_eq!(ask.status, StatusCode::CONFLICT, "{}", ask.text);
    assert_eq!(ask.json["code"], "transfer_candidate");
    assert!(ask.text.contains("テスト区福祉事務所"), "{}", ask.text);
    assert!(
        !ask.text.contains(&old_no),
        "never the other office's numbers: {}",
        ask.text
    );
    let mismatched = json!({"name": "転居　三郎", "name_kana": "テンキョ　サブロウ", "sex": "1", "birth_date": "1966-06-07",
                            "individual_number": number, "confirm_transfer": true})
    .to_string();
    let typo = send(
        &app,
        "POST",
        "/api/office/recipients",
        Some(&osaka),
        Some(&mismatched),
    )
    .await;
    assert_eq!(
        typo.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a different 生年月日 is never a 転居: {}",
        typo.text
    );
    assert_eq!(typo.json["fields"][0]["field"], "個人番号");
    let new = send(
        &app,
        "POST",
        "/api/office/recipients",
        Some(&osaka),
        Some(&person(true)),
    )
    .await;
    assert_eq!(new.status, StatusCode::CREATED, "{}", new.text);
    let (new_id, new_no) = (
        new.json["id"].as_i64().unwrap(),
        new.json["recipient_number"].as_str().unwrap().to_string(),
    );
    assert!(!new.text.contains(&old_no));

    // Osaka registers its 保護開始 (10 days ago): Tokyo receives a pending 廃止 the day before.
    let started = decide(&app, &osaka, new_id, "start", t - Duration::days(10)).await;
    assert!(!started.text.contains(&old_no));
    let deadlines = send(
        &app,
        "GET",
        "/api/office/deadlines?all=1",
        Some(&tokyo),
        None,
    )
    .await;
    let pending: Vec<&Value> = deadlines.json["overdue"]
        .as_array()
        .unwrap()
        .iter()
        .chain(deadlines.json["due_today"].as_array().unwrap())
        .filter(|i| i["recipient_id"] == json!(old_id))
        .collect();
    let upcoming = deadlines.json["upcoming"].as_i64().unwrap();
    let event_id = if let Some(item) = pending.first() {
        assert_eq!(item["kind"], "abolish");
        assert_eq!(item["effective_date"], (t - Duration::days(11)).to_string());
        item["event_id"].as_i64().unwrap()
    } else {
        assert!(upcoming >= 1, "{}", deadlines.text);
        let (id,): (i64,) = sqlx::query_as(
            "SELECT id FROM qualification_events WHERE recipient_id = $1 AND status = 'pending'",
        )
        .bind(old_id)
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
        id
    };
    // Until Tokyo registers it, Tokyo's 資格 stands: the old numbers are still eligible.
    assert_eq!(
        by_number(&app, &clinic, TOKYO, &old_no, "1966-06-06")
            .await
            .json["validity"],
        "6"
    );
    let registered = send(
        &app,
        "POST",
        &format!("/api/office/qualification-events/{event_id}/register"),
        Some(&tokyo),
        None,
    )
    .await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.text);
    assert!(
        !registered.text.contains(&new_no),
        "Tokyo never sees Osaka's numbers"
    );

    // The old numbers: 3, with the new office's name and phone, never its numbers.
    let moved = by_number(&app, &clinic, TOKYO, &old_no, "1966-06-06").await;
    assert_eq!(moved.json["validity"], "3", "{}", moved.text);
    assert_eq!(moved.json["office"]["name"], "テスト市福祉事務所");
    assert_eq!(moved.json["office"]["phone"], "06-0000-0000");
    assert_eq!(moved.json["office"]["number"], "");
    assert!(
        !moved.text.contains(&new_no) && !moved.text.contains(OSAKA),
        "{}",
        moved.text
    );
    assert!(moved.json["guidance"]
        .as_str()
        .unwrap()
        .contains("06-0000-0000"));
    // A wrong birth date never reveals a 転居.
    assert_eq!(
        by_number(&app, &clinic, TOKYO, &old_no, "1966-06-07")
            .await
            .json["validity"],
        "4"
    );
    // Before the move the old numbers still cover (offline outbox, 20 days ago).
    assert_eq!(
        offline(
            &app,
            &clinic,
            TOKYO,
            &old_no,
            "1966-06-06",
            t - Duration::days(20)
        )
        .await,
        "6"
    );
    assert_eq!(
        offline(
            &app,
            &clinic,
            TOKYO,
            &old_no,
            "1966-06-06",
            t - Duration::days(5)
        )
        .await,
        "3"
    );
    // onshi XML.
    let (validity, xml) = onshi_xml(&app, &token, TOKYO, &old_no, "1966-06-06").await;
    assert_eq!(validity, "3", "{xml}");
    assert!(!xml.contains(&new_no) && !xml.contains(OSAKA), "{xml}");
    assert!(
        xml.contains("<InsurerName>テスト市福祉事務所</InsurerName>"),
        "{xml}"
    );

    // The card identifies the person: it finds Osaka's record now.
    let carded = by_card(&app, &clinic, &card).await;
    assert_eq!(carded.json["validity"], "6", "{}", carded.text);
    assert_eq!(carded.json["office_number"], OSAKA);
    assert_eq!(carded.json["recipient_number"], new_no.as_str());
    let body = signed(&app, &card).await;
    let portal = send(
        &app,
        "POST",
        "/api/card/login",
        None,
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(portal.status, StatusCode::OK, "{}", portal.text);
    assert_eq!(portal.json["office_number"], OSAKA);
    assert_eq!(portal.json["recipient_number"], new_no.as_str());

    // 閲覧制限 on the new record: nothing at all of the new office.
    let restrict = json!({"restricted": true, "reason": "DV"}).to_string();
    let set = send(
        &app,
        "PUT",
        &format!("/api/office/recipients/{new_id}/restriction"),
        Some(&osaka),
        Some(&restrict),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let hidden = by_number(&app, &clinic, TOKYO, &old_no, "1966-06-06").await;
    assert_eq!(hidden.json["validity"], "3");
    assert!(hidden.json["office"].is_null(), "{}", hidden.text);
    assert!(
        !hidden.text.contains("テスト市") && !hidden.text.contains("06-0000-0000"),
        "{}",
        hidden.text
    );
    let (validity, xml) = onshi_xml(&app, &token, TOKYO, &old_no, "1966-06-06").await;
    assert_eq!(validity, "3");
    assert!(
        !xml.contains("テスト市") && xml.contains("<InsurerName>新しい資格あり</InsurerName>"),
        "{xml}"
    );

    // Each office sees only its own record.
    let tokyo_view = send(
        &app,
        "GET",
        &format!("/api/office/recipients/{old_id}"),
        Some(&tokyo),
        None,
    )
    .await;
    assert!(
        !tokyo_view.text.contains(&new_no) && !tokyo_view.text.contains(OSAKA),
        "{}",
        tokyo_view.text
    );
    let cross = send(
        &app,
        "GET",
        &format!("/api/office/recipients/{old_id}"),
        Some(&osaka),
        None,
    )
    .await;
    assert_eq!(cross.status, StatusCode::NOT_FOUND);

    // 請求前資格確認 at Tokyo: a receipt dated after the move is returned as 資格喪失後.
    let moved_day = (t - Duration::days(5)).to_string();
    let month = &moved_day[..7];
    let found = claims(
        &f,
        TOKYO,
        &[("M1", &old_no, "1966-06-06", month, &[moved_day.as_str()])],
    )
    .await;
    assert_eq!(found[0].1.as_deref(), Some("22"), "{found:?}");
    assert!(found[0].2.contains("転居"), "{found:?}");
}
