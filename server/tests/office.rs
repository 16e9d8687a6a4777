//! The 福祉事務所 portal end to end: 被保護者台帳, 資格 and its deadlines, 医療券/調剤券
//! (issue, amend, cancel, 事後委託, print, renewal), 個人番号 reveal, 閲覧制限, and scope.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use axum::Router;
use chrono::{Datelike, Duration, NaiveDate};
use common::*;
use serde_json::{json, Value};

use domain::calendar::OfficeCalendar;
use domain::numbers::RecipientNumber;
use domain::qualification::registration_due;

/// The fixture's Tokyo recipient (東京　一郎, 1960-04-01, 資格 since 2020-01-01, no card).
const TOKYO_NUMBER: &str = "1234566";

fn today() -> NaiveDate {
    server::db::today_jst()
}

fn month(date: NaiveDate) -> String {
    format!("{:04}-{:02}", date.year(), date.month())
}

fn previous_month(date: NaiveDate) -> String {
    month(date.with_day(1).unwrap() - Duration::days(1))
}

fn next_month(date: NaiveDate) -> String {
    month(date.with_day(28).unwrap() + Duration::days(7))
}

async fn call(app: &Router, method: &str, path: &str, cookie: &str, body: Value) -> Reply {
    let text = body.to_string();
    let body = (method != "GET").then_some(text.as_str());
    send(app, method, path, Some(cookie), body).await
}

fn error_fields(reply: &Reply) -> Vec<String> {
    reply.json["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn recipient_id(f: &Fixture, number: &str) -> i64 {
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM recipients WHERE recipient_number = $1")
        .bind(number)
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    id
}

fn person(name: &str, kana: &str, birth: &str) -> Value {
    json!({"name": name, "name_kana": kana, "sex": "2", "birth_date": birth,
           "postal_code": "105-0011", "address": "東京都テスト区1-2-3"})
}

/// Create a recipient and register 保護開始 on 2024-01-01; its id.
async fn qualified_recipient(app: &Router, cw: &str, name: &str, kana: &str) -> i64 {
    let created = call(
        app,
        "POST",
        "/api/office/recipients",
        cw,
        person(name, kana, "1985-07-07"),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json["id"].as_i64().unwrap();
    let start =
        json!({"kind": "start", "effective_date": "2024-01-01", "decision_date": "2024-01-05"});
    let reply = call(
        app,
        "POST",
        &format!("/api/office/recipients/{id}/qualification"),
        cw,
        start,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    id
}

fn medical_ticket(month: &str, institution: &str) -> Value {
    json!({
        "ticket_type": "01", "treatment_month": month, "institution_code": institution,
        "treatment_type": "02", "injury_names": ["高血圧症"], "self_pay_amount": "0",
        "single_or_combined": "01", "social_insurance": "02", "infection_law": "02",
        "elderly_care": "02", "prefectural_expense": "02"
    })
}

fn dispensing_ticket(month: &str) -> Value {
    json!({
        "ticket_type": "02", "treatment_month": month, "institution_code": PHARMACY,
        "prescriber_code": CLINIC, "treatment_type": "04", "self_pay_amount": "1,200",
        "single_or_combined": "01", "social_insurance": "02", "infection_law": "02",
        "elderly_care": "02", "prefectural_expense": "02"
    })
}

async fn audit_rows(f: &Fixture, action: &str) -> Vec<(Option<i64>, String, String)> {
    sqlx::query_as(
        "SELECT recipient_id, actor_id, detail FROM audit_log WHERE action = $1 ORDER BY id",
    )
    .bind(action)
    .fetch_all(&f.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn creating_a_recipient_checks_each_field_and_issues_a_fixed_number() {
    let f = fixture().await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let base = person("港　花子", "ミナト　ハナコ", "昭和60年7月7日");
    for (field, value, wrong_field, hint) in [
        (
            "individual_number",
            json!("983205673215"),
            "個人番号",
            "検証番号が一致しません",
        ),
        (
            "name_kana",
            json!("ﾐﾅﾄ ﾊﾅｺ"),
            "氏名カナ",
            "半角カナは使えません",
        ),
        (
            "birth_date",
            json!("昭和60年2月30日"),
            "生年月日",
            "存在しない日付",
        ),
        ("birth_date", json!("2099-01-01"), "生年月日", "今日より後"),
        ("sex", json!("3"), "性別", "1（男）または 2（女）"),
        ("postal_code", json!("105-01"), "郵便番号", "郵便番号の形式"),
        // Control, bidi and noncharacters are refused, never stored (issue 15 item 7).
        ("name", json!("港\u{0}花子"), "氏名", "制御文字 U+0000"),
        ("name", json!("港\u{1b}[8m花子"), "氏名", "制御文字 U+001B"),
        (
            "name",
            json!("\u{202e}子花　港"),
            "氏名",
            "文字の向きを変える制御文字 U+202E",
        ),
        ("address", json!("港区\u{ffff}"), "住所", "U+FFFF"),
        (
            "recipient_number",
            json!("1234566"),
            "受給者番号",
            "アプリが採番",
        ),
    ] {
        let mut body = base.clone();
        body[field] = value;
        let reply = call(&app, "POST", "/api/office/recipients", &cw, body).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            reply.text
        );
        assert_eq!(reply.json["code"], "validation");
        assert_eq!(error_fields(&reply), [wrong_field], "{field}");
        assert!(reply.text.contains(hint), "{field}: {}", reply.text);
        assert!(
            !reply.text.contains("98320567321"),
            "個人番号 echoed: {}",
            reply.text
        );
    }
    // Everything wrong at once: one error per field.
    let reply = call(
        &app,
        "POST",
        "/api/office/recipients",
        &cw,
        json!({"name": "", "name_kana": "", "sex": "", "birth_date": ""}),
    )
    .await;
    assert_eq!(
        error_fields(&reply),
        ["氏名", "氏名カナ", "性別", "生年月日"]
    );

    let mut body = base.clone();
    body["individual_number"] = json!("9832-0567-3214");
    body["card_held"] = json!(true);
    body["card_registered"] = json!(true);
    body["case_number"] = json!("c-0101");
    let created = call(&app, "POST", "/api/office/recipients", &cw, body.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let number = created.json["recipient_number"]
        .as_str()
        .unwrap()
        .to_string();
    RecipientNumber::parse(&number).expect("the issued 受給者番号 carries a valid 検証番号");
    assert_eq!(created.json["birth_date"], "1985-07-07");
    assert_eq!(created.json["name_kana"], "ミナト　ハナコ");
    assert_eq!(created.json["case_number"], "C-0101");
    assert_eq!(created.json["caseworker_login"], "tokyo-cw");
    assert_eq!(created.json["individual_number_masked"], "********3214");
    assert_eq!(created.json["qualification_status"], "none");
    assert_eq!(created.json["paper_reasons"], json!([]));
    assert!(!created.text.contains("983205673214"));
    let (stored,): (Option<String>,) =
        sqlx::query_as("SELECT individual_number FROM recipients WHERE recipient_number = $1")
            .bind(&number)
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    assert!(
        stored.is_some_and(|s| !s.contains("983205673214")),
        "個人番号 must be stored encrypted"
    );

    // The same カナ and 生年月日 again: 409 naming the existing number, unless confirmed.
    let again = call(&app, "POST", "/api/office/recipients", &cw, base.clone()).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert!(again.text.contains(&number));
    let mut confirmed = base.clone();
    confirmed["confirm_duplicate"] = json!(true);
    let second = call(&app, "POST", "/api/office/recipients", &cw, confirmed).await;
    assert_eq!(second.status, StatusCode::CREATED);
    let second_number = second.json["recipient_number"].as_str().unwrap();
    assert_ne!(second_number, number);
    RecipientNumber::parse(second_number).unwrap();

    // Spacing and 半角/全角 are no way around the check: ﾐﾅﾄ ﾊﾅｺ is ミナト　ハナコ. The 409
    // lists both records that may be the person. A name in one word breaks the form's rule.
    let mut unspaced = base.clone();
    unspaced["name_kana"] = json!("ミナトハナコ");
    let refused = call(&app, "POST", "/api/office/recipients", &cw, unspaced).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert_eq!(error_fields(&refused), ["氏名カナ"]);
    let mut variant = base.clone();
    variant["name_kana"] = json!("ミナト \u{3000}ハナコ");
    let again = call(&app, "POST", "/api/office/recipients", &cw, variant).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    let listed: Vec<&str> = again.json["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["recipient_number"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 2, "{}", again.text);
    assert!(listed.contains(&number.as_str()) && listed.contains(&second_number));
    assert!(!again.text.contains("983205673214"));
    // Showing the possible duplicates is a read of each: 1 (the first 409) + 2.
    assert_eq!(audit_rows(&f, "recipient.duplicate_check").await.len(), 3);

    // The same 個人番号 under another name and date is the same person: no confirmation
    // registers it twice in one office.
    let mut same_number = person("別名　花子", "ベツメイ　ハナコ", "1990-01-01");
    same_number["individual_number"] = json!("983205673214");
    same_number["confirm_duplicate"] = json!(true);
    let refused = call(&app, "POST", "/api/office/recipients", &cw, same_number).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(
        refused.json["duplicates"][0]["recipient_number"],
        number.as_str()
    );
    assert_eq!(
        refused.json["duplicates"][0]["same_individual_number"],
        true
    );

    // Editing: the number is fixed; other fields change; 個人番号 is kept unless sent.
    let id = created.json["id"].as_i64().unwrap();
    let path = format!("/api/office/recipients/{id}");
    let mut edit = body.clone();
    edit["recipient_number"] = json!("0000018");
    let reply = call(&app, "PUT", &path, &cw, edit).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&reply), ["受給者番号"]);
    let mut edit = body.clone();
    edit["recipient_number"] = json!(number);
    edit["address"] = json!("東京都テスト区9-9");
    edit.as_object_mut().unwrap().remove("individual_number");
    let reply = call(&app, "PUT", &path, &cw, edit).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["recipient_number"], number);
    assert_eq!(reply.json["address"], "東京都テスト区9-9");
    assert_eq!(reply.json["individual_number_masked"], "********3214");
    let mut edit = body.clone();
    edit["individual_number"] = json!("");
    edit["card_held"] = json!(false);
    let reply = call(&app, "PUT", &path, &cw, edit).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "利用申込 without a card"
    );
    assert_eq!(error_fields(&reply), ["利用申込"]);

    let updates = audit_rows(&f, "recipient.update").await;
    assert_eq!(updates.len(), 1);
    assert!(updates[0].2.contains("住所"), "{:?}", updates[0]);
    assert_eq!(audit_rows(&f, "recipient.create").await.len(), 2);
}

#[tokio::test]
async fn the_ledger_is_searched_by_kana_wareki_birth_date_number_and_name() {
    let f = fixture().await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    qualified_recipient(&app, &cw, "東海林　さくら", "ショウジ　サクラ").await;
    let search = |q: &str| format!("/api/office/recipients?q={}", urlencode(q));
    for (q, found, kind) in [
        ("ﾄｳｷｮｳ", TOKYO_NUMBER, "氏名カナ"),
        ("とうきょう　いち", TOKYO_NUMBER, "氏名カナ"),
        ("トウキョウイチロウ", TOKYO_NUMBER, "氏名カナ"),
        ("昭和35年4月1日", TOKYO_NUMBER, "生年月日"),
        ("S35.4.1", TOKYO_NUMBER, "生年月日"),
        ("1960/4/1", TOKYO_NUMBER, "生年月日"),
        ("１２３４５６６", TOKYO_NUMBER, "受給者番号"),
        ("東京", TOKYO_NUMBER, "氏名"),
    ] {
        let reply = call(&app, "GET", &search(q), &cw, Value::Null).await;
        assert_eq!(reply.status, StatusCode::OK, "{q}: {}", reply.text);
        let numbers: Vec<&str> = reply.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["recipient_number"].as_str().unwrap())
            .collect();
        assert_eq!(numbers, [found], "{q}");
        assert!(
            reply.json["searched_as"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k == kind),
            "{q}: {}",
            reply.json["searched_as"]
        );
    }
    let reply = call(&app, "GET", &search("ｼｮｳｼﾞ"), &cw, Value::Null).await;
    assert_eq!(reply.json["items"][0]["name"], "東海林　さくら");
    assert_eq!(reply.json["items"][0]["qualification_status"], "active");
    let all = call(&app, "GET", "/api/office/recipients", &cw, Value::Null).await;
    assert_eq!(all.json["total"], 2);
    let mine = call(
        &app,
        "GET",
        "/api/office/recipients?mine=true",
        &cw,
        Value::Null,
    )
    .await;
    assert_eq!(
        mine.json["total"], 1,
        "only the one created by tokyo-cw is in the caseload"
    );
    let none = call(&app, "GET", &search("ヤマダ"), &cw, Value::Null).await;
    assert_eq!(none.json["total"], 0);
    let bad = call(
        &app,
        "GET",
        "/api/office/recipients?status=sleeping",
        &cw,
        Value::Null,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&bad), ["資格状態"]);
    let bad = call(
        &app,
        "GET",
        "/api/office/recipients?page=zero",
        &cw,
        Value::Null,
    )
    .await;
    assert_eq!(error_fields(&bad), ["ページ"]);
    // Another office never finds them, by any key.
    let osaka = login(&app, "osaka-cw").await;
    for q in ["ﾄｳｷｮｳ", "1234566", "昭和35年4月1日"] {
        let reply = call(&app, "GET", &search(q), &osaka, Value::Null).await;
        assert_eq!(reply.json["total"], 0, "{q}");
    }
    // Each line shown is a read of that recipient.
    let tokyo = recipient_id(&f, TOKYO_NUMBER).await;
    let searches = audit_rows(&f, "recipient.search").await;
    assert!(searches.iter().filter(|r| r.0 == Some(tokyo)).count() >= 8);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn qualification_history_keeps_every_decision_with_its_due_date() {
    let f = fixture().await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let created = call(
        &app,
        "POST",
        "/api/office/recipients",
        &cw,
        person("品川　陽子", "シナガワ　ヨウコ", "1970-01-01"),
    )
    .await;
    let id = created.json["id"].as_i64().unwrap();
    let path = format!("/api/office/recipients/{id}/qualification");
    let decide = |kind: &str, effective: &str, decision: &str| json!({"kind": kind, "effective_date": effective, "decision_date": decision});

    // 停止 needs an active 資格.
    let reply = call(
        &app,
        "POST",
        &path,
        &cw,
        decide("suspend", "2024-04-10", "2024-04-10"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&reply), ["資格異動"]);
    assert!(reply.text.contains("有効な資格"));
    // Dates are checked as typed.
    let reply = call(
        &app,
        "POST",
        &path,
        &cw,
        decide("start", "令和6年4月31日", "2099-01-01"),
    )
    .await;
    assert_eq!(error_fields(&reply), ["効力発生日", "決定日"]);

    // 保護開始 decided on Thursday 2024-05-02: due after ゴールデンウィーク, on 2024-05-08.
    let reply = call(
        &app,
        "POST",
        &path,
        &cw,
        decide("start", "R6.4.1", "2024-05-02"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["qualified_from"], "2024-04-01");
    assert_eq!(reply.json["qualified_until"], Value::Null);
    assert_eq!(reply.json["qualification_status"], "active");
    let first = &reply.json["qualification_history"][0];
    assert_eq!(
        (first["kind"].as_str(), first["due_date"].as_str()),
        (Some("start"), Some("2024-05-08"))
    );
    assert_eq!(first["state"], "registered");
    assert_eq!(
        first["registered_late"], true,
        "registered long after its due date"
    );

    // 停止 decided on Friday 2024-12-27: due after the weekend and 年末年始, on 2025-01-07.
    let reply = call(
        &app,
        "POST",
        &path,
        &cw,
        decide("suspend", "2024-12-31", "2024-12-27"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["qualified_until"], "2024-12-31");
    assert_eq!(reply.json["qualification_status"], "suspended");
    assert_eq!(
        reply.json["qualification_history"][1]["due_date"],
        "2025-01-07"
    );
    // Out of order: 保護開始 while suspended, or a 再開 on the 停止日.
    let reply = call(
        &app,
        "POST",
        &path,
        &cw,
        decide("start", "2025-02-01", "2025-01-20"),
    )
    .await;
    assert!(reply.text.contains("保護再開"), "{}", reply.text);
    let reply = call(
        &app,
        "POST",
        &path,
        &cw,
        decide("restart", "2024-12-31", "2025-01-20"),
    )
    .await;
    assert_eq!(error_fields(&reply), ["効力発生日"]);

    // 再開 recorded only (not registered): the 資格 does not change until it is registered,
    // and it is listed as overdue (decided Monday 2025-01-20 → due Wednesday 2025-01-22).
    let reply = call(&app, "POST", &path, &cw, json!({"kind": "restart", "effective_date": "2025-02-01", "decision_date": "2025-01-20", "register": false})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.json["qualified_until"], "2024-12-31",
        "a recorded decision changes nothing yet"
    );
    let pending = &reply.json["qualification_history"][2];
    assert_eq!(
        (pending["state"].as_str(), pending["deadline"].as_str()),
        (Some("pending"), Some("overdue"))
    );
    assert_eq!(pending["due_date"], "2025-01-22");
    let event_id = pending["id"].as_i64().unwrap();
    let deadlines = call(&app, "GET", "/api/office/deadlines", &cw, Value::Null).await;
    assert_eq!(deadlines.status, StatusCode::OK);
    let overdue = deadlines.json["overdue"].as_array().unwrap();
    assert_eq!(overdue.len(), 1, "{}", deadlines.text);
    assert_eq!(overdue[0]["event_id"], event_id);
    assert_eq!(overdue[0]["due_date"], "2025-01-22");
    assert!(overdue[0]["open_days_overdue"].as_u64().unwrap() > 0);

    // Registering it applies it.
    let reply = call(
        &app,
        "POST",
        &format!("/api/office/qualification-events/{event_id}/register"),
        &cw,
        json!({}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["qualified_from"], "2025-02-01");
    assert_eq!(reply.json["qualified_until"], Value::Null);
    assert_eq!(
        reply.json["qualification_history"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "the history is kept"
    );
    let again = call(
        &app,
        "POST",
        &format!("/api/office/qualification-events/{event_id}/register"),
        &cw,
        json!({}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let deadlines = call(&app, "GET", "/api/office/deadlines", &cw, Value::Null).await;
    assert_eq!(deadlines.json["overdue"], json!([]));

    // A decision due today (when today is a 開庁日) is listed as due today; a recorded
    // decision can be withdrawn with a reason.
    let calendar = OfficeCalendar::default();
    let decided_for_today = (0..15)
        .map(|back| today() - Duration::days(back))
        .find(|d| registration_due(&calendar, *d) == today());
    if let Some(decision) = decided_for_today {
        let reply = call(&app, "POST", &path, &cw, json!({"kind": "abolish", "effective_date": today().to_string(), "decision_date": decision.to_string(), "register": false})).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let deadlines = call(&app, "GET", "/api/office/deadlines", &cw, Value::Null).await;
        assert_eq!(
            deadlines.json["due_today"].as_array().unwrap().len(),
            1,
            "{}",
            deadlines.text
        );
        let event_id = deadlines.json["due_today"][0]["event_id"].as_i64().unwrap();
        let withdraw = format!("/api/office/qualification-events/{event_id}/withdraw");
        let reply = call(&app, "POST", &withdraw, &cw, json!({"reason": " "})).await;
        assert_eq!(error_fields(&reply), ["取り下げの理由"]);
        let reply = call(&app, "POST", &withdraw, &cw, json!({"reason": "入力誤り"})).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let deadlines = call(&app, "GET", "/api/office/deadlines", &cw, Value::Null).await;
        assert_eq!(deadlines.json["due_today"], json!([]));
    } else {
        assert!(
            !calendar.is_open_day(today()),
            "a 開庁日 always has a decision date due on it"
        );
    }
    assert!(audit_rows(&f, "qualification.record")
        .await
        .iter()
        .all(|r| r.0 == Some(id)));
    assert_eq!(audit_rows(&f, "qualification.register").await.len(), 1);
}

async fn verify(app: &Router, clinic: &str, client_id: &str) -> Reply {
    let body = json!({"client_id": client_id, "office_number": TOKYO, "recipient_number": TOKYO_NUMBER, "birth_date": "1960-04-01"});
    call(app, "POST", "/api/verify/number", clinic, body).await
}

#[tokio::test]
async fn an_issued_ticket_is_seen_by_the_clinic_at_once_and_can_be_amended_and_cancelled() {
    let f = fixture().await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let clinic = login(&app, "clinic").await;
    let id = recipient_id(&f, TOKYO_NUMBER).await;
    let this_month = month(today());
    let before = verify(&app, &clinic, "c-before").await;
    assert_eq!(before.json["validity"], "6", "{}", before.text);

    let path = format!("/api/office/recipients/{id}/tickets");
    // Existence checks: a well-formed but unregistered institution.
    let unknown = domain::numbers::InstitutionCode::from_body("131999999").unwrap();
    let reply = call(
        &app,
        "POST",
        &path,
        &cw,
        medical_ticket(&this_month, unknown.as_str()),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert_eq!(error_fields(&reply), ["指定医療機関コード"]);
    assert!(reply.text.contains("登録されていません"));

    let issued = call(
        &app,
        "POST",
        &path,
        &cw,
        medical_ticket(&this_month, CLINIC),
    )
    .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.text);
    let ticket_id = issued.json["id"].as_i64().unwrap();
    let number = issued.json["ticket"]["issue_number"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(number, format!("{}-00001", this_month.replace('-', "")));
    assert_eq!(issued.json["ticket"]["valid_from"], today().to_string());
    assert_eq!(issued.json["ticket"]["institution_name"], "テスト内科");
    assert_eq!(issued.json["status"], "active");
    assert_eq!(issued.json["retroactive"], false);
    let reasons: Vec<&str> = issued.json["paper_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        ["no_card", "no_individual_number"],
        "no card, no 個人番号: paper"
    );

    // In the table for that institution, and in its verification, the moment it is saved.
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tickets WHERE institution_code = $1 AND treatment_month = $2 AND status = 'active'")
        .bind(CLINIC)
        .bind(&this_month)
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let after = verify(&app, &clinic, "c-after").await;
    assert_eq!(after.json["validity"], "1", "{}", after.text);
    assert_eq!(after.json["tickets"][0]["issue_number"], number);

    // The same ticket again: 409.
    let dup = call(
        &app,
        "POST",
        &path,
        &cw,
        medical_ticket(&this_month, CLINIC),
    )
    .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.text);
    assert!(dup.text.contains(&number));
    // A 調剤券 for the pharmacy, prescribed by the clinic.
    let disp = call(&app, "POST", &path, &cw, dispensing_ticket(&this_month)).await;
    assert_eq!(disp.status, StatusCode::CREATED, "{}", disp.text);
    assert_eq!(disp.json["ticket"]["prescriber_name"], "テスト内科");
    assert_eq!(disp.json["ticket"]["self_pay_amount"], 1200);
    assert_eq!(
        disp.json["ticket"]["issue_number"],
        format!("{}-00002", this_month.replace('-', ""))
    );

    // Amend: the diagnoses change; the month cannot.
    let ticket_path = format!("/api/office/tickets/{ticket_id}");
    let mut amended = medical_ticket(&this_month, CLINIC);
    amended["injury_names"] = json!(["高血圧症", "2型糖尿病"]);
    amended["valid_from"] = json!(today().to_string());
    let reply = call(&app, "PUT", &ticket_path, &cw, amended.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.json["ticket"]["injury_names"],
        json!(["高血圧症", "2型糖尿病"])
    );
    assert_eq!(reply.json["ticket"]["issue_number"], number);
    assert_eq!(reply.json["updated_by"], "tokyo-cw");
    let mut moved = amended.clone();
    moved["treatment_month"] = json!(next_month(today()));
    moved["valid_from"] = json!("");
    let reply = call(&app, "PUT", &ticket_path, &cw, moved).await;
    assert_eq!(error_fields(&reply), ["診療年月"]);
    let amends = audit_rows(&f, "ticket.amend").await;
    assert_eq!(amends.len(), 1);
    assert!(amends[0].2.contains("傷病名"), "{:?}", amends[0]);

    // Cancel: a reason is required; then the clinic no longer sees it.
    let cancel = format!("{ticket_path}/cancel");
    let reply = call(&app, "POST", &cancel, &cw, json!({"reason": ""})).await;
    assert_eq!(error_fields(&reply), ["取消理由"]);
    let reply = call(
        &app,
        "POST",
        &cancel,
        &cw,
        json!({"reason": "変更\u{202e}"}),
    )
    .await;
    assert_eq!(error_fields(&reply), ["取消理由"]);
    assert!(reply.text.contains("U+202E"), "{}", reply.text);
    let reply = call(
        &app,
        "POST",
        &cancel,
        &cw,
        json!({"reason": "医療機関の変更"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["status"], "cancelled");
    assert_eq!(reply.json["cancel_reason"], "医療機関の変更");
    let after_cancel = verify(&app, &clinic, "c-cancelled").await;
    assert_eq!(after_cancel.json["validity"], "6", "{}", after_cancel.text);
    assert_eq!(
        call(&app, "PUT", &ticket_path, &cw, amended).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        call(&app, "POST", &cancel, &cw, json!({"reason": "再度"}))
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        call(
            &app,
            "GET",
            &format!("{ticket_path}/print"),
            &cw,
            Value::Null
        )
        .await
        .status,
        StatusCode::CONFLICT
    );

    // The recipient screen lists both, by month.
    let detail = call(
        &app,
        "GET",
        &format!("/api/office/recipients/{id}"),
        &cw,
        Value::Null,
    )
    .await;
    assert_eq!(detail.json["tickets_by_month"][0]["month"], this_month);
    assert_eq!(
        detail.json["tickets_by_month"][0]["tickets"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    for action in ["ticket.create", "ticket.cancel"] {
        assert!(
            audit_rows(&f, action).await.iter().all(|r| r.0 == Some(id)),
            "{action}"
        );
    }
}

#[tokio::test]
async fn a_ticket_dated_back_before_today_is_retroactive_and_needs_its_reason() {
    let f = fixture().await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let id = recipient_id(&f, TOKYO_NUMBER).await;
    let path = format!("/api/office/recipients/{id}/tickets");
    let last_month = previous_month(today());
    let reply = call(
        &app,
        "POST",
        &path,
        &cw,
        medical_ticket(&last_month, CLINIC),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert_eq!(error_fields(&reply), ["事後委託の理由"]);
    let mut body = medical_ticket(&last_month, CLINIC);
    body["retroactive_reason"] = json!("夜間の急病（救急外来）");
    let reply = call(&app, "POST", &path, &cw, body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.json["retroactive"], true);
    assert_eq!(
        reply.json["ticket"]["retroactive_reason"],
        "夜間の急病（救急外来）"
    );
    assert_eq!(
        reply.json["ticket"]["valid_from"],
        format!("{last_month}-01")
    );
    // A reason on a ticket that starts today is refused, and so is a ticket outside the 資格.
    let mut body = medical_ticket(&month(today()), CLINIC);
    body["retroactive_reason"] = json!("急病");
    let reply = call(&app, "POST", &path, &cw, body).await;
    assert_eq!(error_fields(&reply), ["事後委託の理由"]);
    let mut body = medical_ticket("2019-12", CLINIC);
    body["retroactive_reason"] = json!("急病");
    let reply = call(&app, "POST", &path, &cw, body).await;
    assert_eq!(
        error_fields(&reply),
        ["有効開始日", "有効終了日"],
        "{}",
        reply.text
    );
    assert!(reply.text.contains("資格がありません"));
}

#[tokio::test]
async fn next_months_tickets_are_created_exactly_as_previewed() {
    let f = fixture().await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let this_month = month(today());
    let following = next_month(today());
    let a = qualified_recipient(&app, &cw, "大田　太郎", "オオタ　タロウ").await;
    let b = qualified_recipient(&app, &cw, "目黒　次郎", "メグロ　ジロウ").await;
    for (id, body) in [
        (a, medical_ticket(&this_month, CLINIC)),
        (a, dispensing_ticket(&this_month)),
        (b, medical_ticket(&this_month, CLINIC)),
    ] {
        let reply = call(
            &app,
            "POST",
            &format!("/api/office/recipients/{id}/tickets"),
            &cw,
            body,
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
    // B's 保護 is abolished today: no ticket for next month.
    let abolish = json!({"kind": "abolish", "effective_date": today().to_string(), "decision_date": today().to_string()});
    let reply = call(
        &app,
        "POST",
        &format!("/api/office/recipients/{b}/qualification"),
        &cw,
        abolish,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // Not in tokyo-cw's caseload: the fixture recipient's ticket stays out of the plan.
    let tokyo = recipient_id(&f, TOKYO_NUMBER).await;
    let reply = call(
        &app,
        "POST",
        &format!("/api/office/recipients/{tokyo}/tickets"),
        &cw,
        medical_ticket(&this_month, CLINIC),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);

    let preview = call(
        &app,
        "POST",
        "/api/office/tickets/renew/preview",
        &cw,
        json!({}),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    assert_eq!(
        (
            preview.json["from_month"].as_str(),
            preview.json["to_month"].as_str()
        ),
        (Some(this_month.as_str()), Some(following.as_str()))
    );
    let items = preview.json["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "{}", preview.text);
    assert!(items
        .iter()
        .all(|i| i["recipient_id"] == a && i["ticket"]["treatment_month"] == following.as_str()));
    assert!(items
        .iter()
        .all(|i| i["ticket"]["valid_from"] == format!("{following}-01")));
    let skipped = preview.json["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["recipient_id"], b);
    assert!(
        skipped[0]["reason"]
            .as_str()
            .unwrap()
            .contains("資格喪失日"),
        "{}",
        skipped[0]
    );
    let token = preview.json["preview_token"].as_str().unwrap().to_string();

    // A wrong token writes nothing.
    let reply = call(
        &app,
        "POST",
        "/api/office/tickets/renew",
        &cw,
        json!({"preview_token": "x"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let count_next = || async {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM tickets WHERE treatment_month = $1")
                .bind(&following)
                .fetch_one(&f.db.pool)
                .await
                .unwrap();
        n
    };
    assert_eq!(count_next().await, 0);

    let committed = call(
        &app,
        "POST",
        "/api/office/tickets/renew",
        &cw,
        json!({"preview_token": token}),
    )
    .await;
    assert_eq!(committed.status, StatusCode::OK, "{}", committed.text);
    let created = committed.json["created"].as_array().unwrap();
    let previewed: Vec<(Value, Value)> = items
        .iter()
        .map(|i| {
            (
                i["source_ticket_id"].clone(),
                i["ticket"]["institution_code"].clone(),
            )
        })
        .collect();
    let made: Vec<(Value, Value)> = created
        .iter()
        .map(|c| {
            (
                c["renewed_from"].clone(),
                c["ticket"]["institution_code"].clone(),
            )
        })
        .collect();
    assert_eq!(made, previewed, "exactly the previewed set");
    for (c, i) in created.iter().zip(&items) {
        let mut ticket = c["ticket"].clone();
        ticket["issue_number"] = json!("");
        assert_eq!(ticket, i["ticket"], "the ticket as previewed");
        assert!(c["ticket"]["issue_number"]
            .as_str()
            .unwrap()
            .starts_with(&following.replace('-', "")));
    }
    assert_eq!(count_next().await, 2);
    // Committing the same preview twice creates nothing more.
    let again = call(
        &app,
        "POST",
        "/api/office/tickets/renew",
        &cw,
        json!({"preview_token": token}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(count_next().await, 2);
    let preview = call(
        &app,
        "POST",
        "/api/office/tickets/renew/preview",
        &cw,
        json!({}),
    )
    .await;
    assert_eq!(preview.json["items"], json!([]));
    assert!(preview.text.contains("既に交付"));
    // A caseworker renews only their own caseload.
    let reply = call(
        &app,
        "POST",
        "/api/office/tickets/renew/preview",
        &cw,
        json!({"caseworker_login": "someone-else"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // The supervisor sees the whole office: the fixture recipient's ticket too.
    let sv = login(&app, "tokyo-sv").await;
    let preview = call(
        &app,
        "POST",
        "/api/office/tickets/renew/preview",
        &sv,
        json!({}),
    )
    .await;
    let ids: Vec<i64> = preview.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["recipient_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [tokyo]);
    assert_eq!(audit_rows(&f, "ticket.renew").await.len(), 1);
}

#[tokio::test]
async fn revealing_a_number_needs_a_supervisor_and_a_reason_and_is_audited() {
    let f = fixture().await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let sv = login(&app, "tokyo-sv").await;
    let mut body = person("渋谷　恵子", "シブヤ　ケイコ", "1950-03-03");
    body["individual_number"] = json!("123456789018");
    let created = call(&app, "POST", "/api/office/recipients", &cw, body).await;
    let id = created.json["id"].as_i64().unwrap();
    let path = format!("/api/office/recipients/{id}/reveal-individual-number");
    let reply = call(&app, "POST", &path, &cw, json!({"reason": "確認"})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = call(&app, "POST", &path, &sv, json!({"reason": ""})).await;
    assert_eq!(error_fields(&reply), ["理由"]);
    let reply = call(
        &app,
        "POST",
        &path,
        &sv,
        json!({"reason": "中間サーバー登録内容の確認"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["individual_number"], "123456789018");
    let reveals = audit_rows(&f, "individual_number.reveal").await;
    assert_eq!(
        reveals,
        [(
            Some(id),
            "tokyo-sv".to_string(),
            "個人番号を表示（理由: 中間サーバー登録内容の確認）".to_string()
        )]
    );
    // The number itself is in no audit row.
    let (leaks,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%123456789018%'")
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(leaks, 0);
    // No number stored: a clear 404.
    let tokyo = recipient_id(&f, TOKYO_NUMBER).await;
    let reply = call(
        &app,
        "POST",
        &format!("/api/office/recipients/{tokyo}/reveal-individual-number"),
        &sv,
        json!({"reason": "確認"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.text.contains("個人番号が登録されていません"));
}

#[tokio::test]
async fn another_offices_staff_get_the_same_404_as_for_a_missing_id_everywhere() {
    let f = fixture().await;
    let app = f.app();
    server::auth::add_user(
        &f.db,
        "osaka-sv",
        PASSWORD,
        domain::api::Role::Supervisor,
        "osaka-sv",
        Some(OSAKA),
        None,
    )
    .await
    .unwrap();
    let cw = login(&app, "tokyo-cw").await;
    let id = recipient_id(&f, TOKYO_NUMBER).await;
    let this_month = month(today());
    let ticket = call(
        &app,
        "POST",
        &format!("/api/office/recipients/{id}/tickets"),
        &cw,
        medical_ticket(&this_month, CLINIC),
    )
    .await;
    let ticket_id = ticket.json["id"].as_i64().unwrap();
    let pending = call(&app, "POST", &format!("/api/office/recipients/{id}/qualification"), &cw,
        json!({"kind": "suspend", "effective_date": today().to_string(), "decision_date": today().to_string(), "register": false})).await;
    assert_eq!(pending.status, StatusCode::OK, "{}", pending.text);
    let event_id = pending.json["qualification_history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let personal_reads = || async {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE recipient_id IS NOT NULL")
                .fetch_one(&f.db.pool)
                .await
                .unwrap();
        n
    };
    let audit_before = personal_reads().await;

    let missing = 987_654;
    let endpoints = |r: i64, t: i64, e: i64| -> Vec<(&'static str, String, Value)> {
        vec![
            ("GET", format!("/api/office/recipients/{r}"), Value::Null),
            (
                "PUT",
                format!("/api/office/recipients/{r}"),
                person("大阪", "オオサカ", "1970-01-01"),
            ),
            (
                "PUT",
                format!("/api/office/recipients/{r}/restriction"),
                json!({"restricted": true, "reason": "x"}),
            ),
            (
                "POST",
                format!("/api/office/recipients/{r}/qualification"),
                json!({"kind": "abolish", "effective_date": "2030-01-01", "decision_date": "2024-01-01"}),
            ),
            (
                "POST",
                format!("/api/office/recipients/{r}/tickets"),
                medical_ticket(&month(today()), CLINIC),
            ),
            (
                "POST",
                format!("/api/office/qualification-events/{e}/register"),
                json!({}),
            ),
            (
                "POST",
                format!("/api/office/qualification-events/{e}/withdraw"),
                json!({"reason": "x"}),
            ),
            ("GET", format!("/api/office/tickets/{t}"), Value::Null),
            (
                "PUT",
                format!("/api/office/tickets/{t}"),
                medical_ticket(&month(today()), CLINIC),
            ),
            (
                "POST",
                format!("/api/office/tickets/{t}/cancel"),
                json!({"reason": "x"}),
            ),
            ("GET", format!("/api/office/tickets/{t}/print"), Value::Null),
        ]
    };
    for login_name in ["osaka-cw", "osaka-sv"] {
        let osaka = login(&app, login_name).await;
        let theirs = endpoints(id, ticket_id, event_id);
        let absent = endpoints(missing, missing, missing);
        for ((method, path, body), (_, missing_path, _)) in theirs.into_iter().zip(absent) {
            let reply = call(&app, method, &path, &osaka, body.clone()).await;
            let nothing = call(&app, method, &missing_path, &osaka, body).await;
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{login_name} {method} {path}: {}",
                reply.text
            );
            assert_eq!(
                reply.json, nothing.json,
                "{method} {path}: same answer as a missing id"
            );
        }
        let reveal = call(
            &app,
            "POST",
            &format!("/api/office/recipients/{id}/reveal-individual-number"),
            &osaka,
            json!({"reason": "x"}),
        )
        .await;
        let expected = if login_name == "osaka-sv" {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(reveal.status, expected, "{login_name} reveal");
    }
    // Nothing changed, nothing was read.
    let (status,): (String,) = sqlx::query_as("SELECT status FROM tickets WHERE id = $1")
        .bind(ticket_id)
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "active");
    let (restricted, until): (i64, Option<String>) =
        sqlx::query_as("SELECT restricted, qualified_until FROM recipients WHERE id = $1")
            .bind(id)
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    assert_eq!((restricted, until), (0, None));
    assert_eq!(
        personal_reads().await,
        audit_before,
        "the other office read nothing"
    );
    // A non-numeric id is a missing id too; other roles are refused.
    let osaka = login(&app, "osaka-cw").await;
    assert_eq!(
        call(
            &app,
            "GET",
            "/api/office/recipients/abc",
            &osaka,
            Value::Null
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let clinic = login(&app, "clinic").await;
    assert_eq!(
        call(
            &app,
            "GET",
            &format!("/api/office/recipients/{id}"),
            &clinic,
            Value::Null
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_print_data_carries_every_item_in_wareki_and_respects_the_restriction() {
    let f = fixture().await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let id = recipient_id(&f, TOKYO_NUMBER).await;
    sqlx::query("UPDATE recipients SET postal_code = '105-0011', address = '東京都テスト区芝1-1' WHERE id = $1").bind(id).execute(&f.db.pool).await.unwrap();
    let issued = call(
        &app,
        "POST",
        &format!("/api/office/recipients/{id}/tickets"),
        &cw,
        dispensing_ticket(&month(today())),
    )
    .await;
    let ticket_id = issued.json["id"].as_i64().unwrap();
    let print_path = format!("/api/office/tickets/{ticket_id}/print");
    let print = call(&app, "GET", &print_path, &cw, Value::Null).await;
    assert_eq!(print.status, StatusCode::OK, "{}", print.text);
    let p = &print.json;
    assert_eq!(
        (p["title"].as_str(), p["struck_title"].as_str()),
        (Some("調剤券"), Some("医療券"))
    );
    assert_eq!(p["office_name"], "テスト区福祉事務所");
    assert_eq!(p["public_payer_number"], TOKYO);
    assert_eq!(p["recipient_number"], TOKYO_NUMBER);
    assert_eq!(p["recipient_name"], "東京　一郎");
    assert_eq!(p["recipient_name_kana"], "トウキョウ　イチロウ");
    assert_eq!(p["recipient_birth_date_wareki"], "昭和35年4月1日");
    assert_eq!(p["recipient_address"], "東京都テスト区芝1-1");
    let wareki_month = domain::paper::wareki_month(today().year(), today().month());
    assert_eq!(p["treatment_month_wareki"], format!("{wareki_month}分"));
    assert!(p["validity_wareki"]
        .as_str()
        .unwrap()
        .starts_with(&domain::wareki::format_wareki(today())));
    assert_eq!(
        p["issued_on_wareki"],
        domain::wareki::format_wareki(today())
    );
    let items: Vec<(&str, &str)> = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["label"].as_str().unwrap(), i["value"].as_str().unwrap()))
        .collect();
    for (label, value) in [
        ("医療券・調剤券別", "02 調剤券"),
        ("診療別", "04 調剤"),
        ("本人支払額", "1,200円"),
        ("処方箋発行元医療機関", "1311234569 テスト内科"),
        ("生年月日", "昭和35年4月1日"),
        ("単独・併用別", "01 単独"),
        ("社会保険状況", "02 なし"),
    ] {
        assert!(items.contains(&(label, value)), "{label}: {items:?}");
    }
    for label in [
        "傷病名1",
        "傷病名2",
        "傷病名3",
        "備考1",
        "備考2",
        "備考3",
        "地区担当員名",
        "取扱担当者名",
        "交付番号",
        "有効期間",
        "感染症法第37条の2",
        "後期高齢者医療",
        "都道府県費",
    ] {
        assert!(items.iter().any(|(l, _)| *l == label), "{label} missing");
    }
    let reasons: Vec<&str> = p["paper_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"no_card"));
    assert_eq!(audit_rows(&f, "ticket.print").await.len(), 1);

    // 閲覧制限: a reason is required; the paper then carries no address; the audit log the
    // recipient can read does not carry the reason.
    let restriction = format!("/api/office/recipients/{id}/restriction");
    let reply = call(
        &app,
        "PUT",
        &restriction,
        &cw,
        json!({"restricted": true, "reason": ""}),
    )
    .await;
    assert_eq!(error_fields(&reply), ["理由"]);
    let reply = call(
        &app,
        "PUT",
        &restriction,
        &cw,
        json!({"restricted": true, "reason": "DV被害（加害者が同居家族）"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["restriction"]["restricted"], true);
    assert_eq!(
        reply.json["restriction"]["reason"],
        "DV被害（加害者が同居家族）"
    );
    assert!(!reply.json["restriction"]["effects"]
        .as_array()
        .unwrap()
        .is_empty());
    let print = call(&app, "GET", &print_path, &cw, Value::Null).await;
    assert_eq!(print.json["restricted"], true);
    assert_eq!(print.json["recipient_address"], Value::Null);
    assert!(!print.text.contains("東京都テスト区芝1-1"));
    let rows = audit_rows(&f, "recipient.restriction").await;
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].2.contains("DV"), "{:?}", rows[0]);
    let reply = call(
        &app,
        "PUT",
        &restriction,
        &cw,
        json!({"restricted": false, "reason": "転居により解除"}),
    )
    .await;
    assert_eq!(reply.json["restriction"]["restricted"], false);
}

#[tokio::test]
async fn the_supervisor_sees_the_whole_office_and_caseworkers_pick_institutions() {
    let f = fixture().await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let sv = login(&app, "tokyo-sv").await;
    let a = qualified_recipient(&app, &cw, "中野　修", "ナカノ　オサム").await;
    let issued = call(
        &app,
        "POST",
        &format!("/api/office/recipients/{a}/tickets"),
        &cw,
        medical_ticket(&month(today()), CLINIC),
    )
    .await;
    assert_eq!(issued.status, StatusCode::CREATED);
    let overdue = json!({"kind": "suspend", "effective_date": today().to_string(), "decision_date": "2024-05-02", "register": false});
    call(
        &app,
        "POST",
        &format!("/api/office/recipients/{a}/qualification"),
        &cw,
        overdue,
    )
    .await;

    assert_eq!(
        call(&app, "GET", "/api/office/supervisor", &cw, Value::Null)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let view = call(&app, "GET", "/api/office/supervisor", &sv, Value::Null).await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.text);
    let caseloads = view.json["caseloads"].as_array().unwrap();
    let mine = caseloads.iter().find(|c| c["login"] == "tokyo-cw").unwrap();
    assert_eq!(
        (
            mine["recipients"].as_u64(),
            mine["tickets_this_month"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(
        (
            mine["pending_registrations"].as_u64(),
            mine["overdue_registrations"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let unassigned = caseloads.iter().find(|c| c["login"].is_null()).unwrap();
    assert_eq!(
        unassigned["recipients"], 1,
        "the fixture recipient has no caseworker"
    );
    assert_eq!(view.json["tickets_issued_today"][0]["recipient_id"], a);
    assert_eq!(view.json["overdue"][0]["recipient_id"], a);
    assert_eq!(view.json["overdue"][0]["due_date"], "2024-05-08");
    assert!(audit_rows(&f, "office.supervisor")
        .await
        .iter()
        .any(|r| r.0 == Some(a)));

    // 指定医療機関 by code or by name, with online capability and 点数表.
    let by_code = call(
        &app,
        "GET",
        "/api/office/institutions?q=1311",
        &cw,
        Value::Null,
    )
    .await;
    assert_eq!(by_code.json["items"][0]["code"], CLINIC);
    assert_eq!(by_code.json["items"][0]["score_table_label"], "医科");
    let by_name = call(
        &app,
        "GET",
        &format!("/api/office/institutions?q={}", urlencode("薬局")),
        &cw,
        Value::Null,
    )
    .await;
    let codes: Vec<&str> = by_name.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, [PHARMACY]);
    assert_eq!(by_name.json["items"][0]["online_capable"], true);
    let pharmacies = call(
        &app,
        "GET",
        "/api/office/institutions?table=4",
        &cw,
        Value::Null,
    )
    .await;
    assert_eq!(pharmacies.json["items"].as_array().unwrap().len(), 1);
    // An abolished institution is listed after those in force, with its 廃止年月日; one
    // abolished only in the future is in force today.
    exec(
        &f,
        &format!("UPDATE institutions SET abolished_on = '2020-01-01' WHERE code = '{CLINIC}'"),
    )
    .await;
    exec(&f, "INSERT INTO institutions (code, name, score_table, online_capable, abolished_on) VALUES ('1311299990', 'みなと新内科', 1, 1, '2099-01-01')").await;
    let listed = call(
        &app,
        "GET",
        "/api/office/institutions?q=1311",
        &cw,
        Value::Null,
    )
    .await;
    let items: Vec<(&str, &Value)> = listed.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["code"].as_str().unwrap(), &i["abolished_on"]))
        .collect();
    assert_eq!(
        items,
        [
            ("1311299990", &Value::Null),
            (CLINIC, &Value::from("2020-01-01"))
        ]
    );
    exec(
        &f,
        &format!("UPDATE institutions SET abolished_on = NULL WHERE code = '{CLINIC}'"),
    )
    .await;
    let bad = call(
        &app,
        "GET",
        "/api/office/institutions?table=9",
        &cw,
        Value::Null,
    )
    .await;
    assert_eq!(error_fields(&bad), ["点数表"]);
    let staff = call(&app, "GET", "/api/office/staff", &cw, Value::Null).await;
    let logins: Vec<&str> = staff
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["login"].as_str().unwrap())
        .collect();
    assert_eq!(logins, ["tokyo-cw", "tokyo-sv"]);
}

#[tokio::test]
async fn issued_numbers_skip_numbers_already_taken_and_never_repeat() {
    let f = fixture().await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let mut body = person("杉並　茂", "スギナミ　シゲル", "1944-02-02");
    body["confirm_duplicate"] = json!(true);
    let first = call(&app, "POST", "/api/office/recipients", &cw, body.clone()).await;
    let first_number = first.json["recipient_number"].as_str().unwrap().to_string();
    let body_of = |n: &str| n[..6].parse::<u32>().unwrap();
    // An import takes the next 受給者区分: the app skips it.
    let taken = RecipientNumber::from_body(&format!("{:06}", body_of(&first_number) + 1)).unwrap();
    sqlx::query(
        "INSERT INTO recipients (office_number, recipient_number, name, name_kana, sex, birth_date, created_at, updated_at) \
         VALUES ($1, $2, '取込　一人', 'トリコミ　ヒトリ', 1, '1950-01-01', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')",
    )
    .bind(TOKYO)
    .bind(taken.as_str())
    .execute(&f.db.pool)
    .await
    .unwrap();
    let second = call(&app, "POST", "/api/office/recipients", &cw, body.clone()).await;
    assert_eq!(
        body_of(second.json["recipient_number"].as_str().unwrap()),
        body_of(&first_number) + 2
    );

    // Many at once: every one gets its own number.
    let replies = futures_join(&app, &cw, &body, 6).await;
    let mut numbers: Vec<String> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            r.json["recipient_number"].as_str().unwrap().to_string()
        })
        .collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 6);

    // 交付番号: after the highest one of the month already stored (imports).
    let this_month = month(today());
    let prefix = this_month.replace('-', "");
    let id = recipient_id(&f, TOKYO_NUMBER).await;
    for serial in ["00007", "00009"] {
        sqlx::query(
            "INSERT INTO tickets (office_number, recipient_id, ticket_type, issue_number, treatment_month, valid_from, valid_until, \
             institution_code, treatment_type, single_or_combined, social_insurance, infection_law, elderly_care, prefectural_expense, \
             status, created_at, created_by) VALUES ($1, $2, '01', $3, $4, $5, $5, $6, '05', '01', '02', '02', '02', '02', 'cancelled', $7, 'import')",
        )
        .bind(TOKYO)
        .bind(id)
        .bind(format!("{prefix}-{serial}"))
        .bind(&this_month)
        .bind(today().to_string())
        .bind(CLINIC)
        .bind("2026-01-01T00:00:00.000000Z")
        .execute(&f.db.pool)
        .await
        .unwrap();
    }
    let issued = call(
        &app,
        "POST",
        &format!("/api/office/recipients/{id}/tickets"),
        &cw,
        medical_ticket(&this_month, CLINIC),
    )
    .await;
    assert_eq!(
        issued.json["ticket"]["issue_number"],
        format!("{prefix}-00010")
    );
}

async fn futures_join(app: &Router, cw: &str, body: &Value, n: usize) -> Vec<Reply> {
    let mut handles = Vec::new();
    for _ in 0..n {
        let (app, cw, body) = (app.clone(), cw.to_string(), body.clone());
        handles.push(tokio::spawn(async move {
            call(&app, "POST", "/api/office/recipients", &cw, body).await
        }));
    }
    let mut replies = Vec::new();
    for h in handles {
        replies.push(h.await.unwrap());
    }
    replies
}

/// Issue 14 item 2: the deadline lists take "today" as the JST day of the clock they are
/// given. The demo seeded for Saturday 2026-12-05 holds a decision due Friday 2026-12-04; at
/// 00:30 JST on Saturday (Friday 15:30 UTC, whose UTC date is still the due date) it is
/// overdue, nothing is due today, and it never reads 「本日期限」.
#[tokio::test]
async fn deadlines_at_half_past_midnight_jst_are_of_the_jst_day() {
    use chrono::{DateTime, Utc};
    use domain::qualification::DeadlineState;
    let f = empty().await;
    let saturday = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    server::seed::demo(&f.db, &f.keys, f.dir.path(), saturday)
        .await
        .unwrap();
    let at = |text: &str| {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    };
    let mut conn = f.db.pool.acquire().await.unwrap();
    let office = "12131017";

    let night = server::deadlines::pending(&mut conn, office, None, at("2026-12-04T15:30:00Z"))
        .await
        .unwrap();
    assert_eq!(night.today, "2026-12-05", "the JST day, not the UTC date");
    assert!(night.due_today.is_empty(), "{:?}", night.due_today);
    let friday = night
        .overdue
        .iter()
        .find(|d| d.due_date == "2026-12-04")
        .expect("the decision due Friday is overdue on Saturday");
    assert_eq!(friday.state, DeadlineState::Overdue);
    assert_eq!(friday.open_days_overdue, 0);
    let words = friday.state.overdue_words(friday.open_days_overdue);
    assert_ne!(words, "本日期限");
    for item in &night.overdue {
        assert!(item.due_date.as_str() < "2026-12-05", "{item:?}");
        assert_eq!(item.state, DeadlineState::Overdue);
    }

    // A minute before midnight JST on Friday the same decision is due today.
    let evening = server::deadlines::pending(&mut conn, office, None, at("2026-12-04T14:59:00Z"))
        .await
        .unwrap();
    assert_eq!(evening.today, "2026-12-04");
    let due = evening
        .due_today
        .iter()
        .find(|d| d.event_id == friday.event_id)
        .expect("due on Friday itself");
    assert_eq!(due.state.overdue_words(due.open_days_overdue), "本日期限");
}
