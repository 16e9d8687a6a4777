//! The national operator's compliance table and institution registry (issue 13 item 7):
//! each count by its rule (docs/compliance.md) with the office's own 閉庁日, the drill-down
//! by 受給者番号 only and audited, and the registry's checks and audit trail. SQLite, or
//! PostgreSQL when `ONSHI_TEST_PG_ADMIN_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use axum::Router;
use common::*;
use serde_json::{json, Value};

async fn call(app: &Router, method: &str, path: &str, cookie: &str, body: Value) -> Reply {
    let text = body.to_string();
    let body = (method != "GET" && method != "DELETE").then_some(text.as_str());
    send(app, method, path, Some(cookie), body).await
}

async fn ok(app: &Router, method: &str, path: &str, cookie: &str, body: Value) -> Value {
    let r = call(app, method, path, cookie, body).await;
    assert!(
        r.status.is_success(),
        "{method} {path}: {} {}",
        r.status,
        r.text
    );
    r.json
}

async fn recipient_id(f: &Fixture, office: &str, number: &str) -> i64 {
    let (id,): (i64,) = sqlx::query_as(
        "SELECT id FROM recipients WHERE office_number = $1 AND recipient_number = $2",
    )
    .bind(office)
    .bind(number)
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    id
}

async fn exec(f: &Fixture, sql: &str, binds: &[&str]) {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    for b in binds {
        q = q.bind(b.to_string());
    }
    q.execute(&f.db.pool).await.unwrap();
}

/// The table's line of `office` for `month`.
async fn line(app: &Router, operator: &str, month: &str, office: &str) -> Value {
    let table = ok(
        app,
        "GET",
        &format!("/api/operator/compliance?month={month}"),
        operator,
        Value::Null,
    )
    .await;
    table["offices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["office_number"] == office)
        .cloned()
        .unwrap()
}

async fn decide(
    app: &Router,
    cw: &str,
    id: i64,
    kind: &str,
    effective: &str,
    decided: &str,
    register: bool,
) -> i64 {
    let body = json!({"kind": kind, "effective_date": effective, "decision_date": decided, "register": register});
    let r = ok(
        app,
        "POST",
        &format!("/api/office/recipients/{id}/qualification"),
        cw,
        body,
    )
    .await;
    r["qualification_history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn late_registrations_count_by_the_office_calendar_with_its_own_closed_days() {
    let f = fixture().await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let osaka = login(&app, "osaka-cw").await;
    let operator = login(&app, "operator").await;
    let tokyo_id = recipient_id(&f, TOKYO, "1234566").await;
    let osaka_id = recipient_id(&f, OSAKA, "0000018").await;

    // 停止 decided Friday 2024-05-10, due Tuesday 05-14, registered on 05-14: on time.
    let suspend = decide(
        &app,
        &cw,
        tokyo_id,
        "suspend",
        "2024-05-10",
        "2024-05-10",
        true,
    )
    .await;
    // 再開 decided Monday 05-20, due Wednesday 05-22, registered Thursday 05-23: 1 開庁日 late.
    let restart = decide(
        &app,
        &cw,
        tokyo_id,
        "restart",
        "2024-05-20",
        "2024-05-20",
        true,
    )
    .await;
    let set_registered =
        "UPDATE qualification_events SET registered_at = $1 WHERE id = CAST($2 AS BIGINT)";
    exec(
        &f,
        set_registered,
        &["2024-05-14T08:00:00.000000Z", &suspend.to_string()],
    )
    .await;
    exec(
        &f,
        set_registered,
        &["2024-05-23T01:00:00.000000Z", &restart.to_string()],
    )
    .await;
    // Osaka: a 停止 decided 05-10 and never registered: overdue as of today.
    decide(
        &app,
        &osaka,
        osaka_id,
        "suspend",
        "2024-05-10",
        "2024-05-10",
        false,
    )
    .await;

    let tokyo = line(&app, &operator, "2024-05", TOKYO).await;
    assert_eq!(tokyo["late_registrations"], 1, "{tokyo}");
    let detail = ok(
        &app,
        "GET",
        &format!("/api/operator/compliance/{TOKYO}?month=2024-05"),
        &operator,
        Value::Null,
    )
    .await;
    let late = &detail["registrations"][0];
    assert_eq!(late["recipient_number"], "1234566");
    assert_eq!(late["kind_label"], "保護再開");
    assert_eq!(late["due_date"], "2024-05-22");
    assert_eq!(late["registered_on"], "2024-05-23");
    assert_eq!(late["open_days_late"], 1);
    let osaka_line = line(&app, &operator, "2024-05", OSAKA).await;
    assert_eq!(osaka_line["late_registrations"], 1, "{osaka_line}");
    let osaka_detail = ok(
        &app,
        "GET",
        &format!("/api/operator/compliance/{OSAKA}?month=2024-05"),
        &operator,
        Value::Null,
    )
    .await;
    assert_eq!(
        osaka_detail["registrations"][0]["registered_on"],
        Value::Null
    );

    // The Tokyo office closed on Tuesday 05-21: the 再開 was due 05-23, registered in time.
    let mut conn = f.db.pool.acquire().await.unwrap();
    let day = domain::closed_days::ClosedDay {
        date: "2024-05-21".parse().unwrap(),
        reason: "庁舎点検".into(),
    };
    server::store::offices::insert_closed_day(
        &mut conn,
        TOKYO,
        &day,
        "2024-04-01T00:00:00Z",
        "tokyo-sv",
    )
    .await
    .unwrap();
    drop(conn);
    let tokyo = line(&app, &operator, "2024-05", TOKYO).await;
    assert_eq!(tokyo["late_registrations"], 0, "{tokyo}");
    // Another month holds none of these.
    assert_eq!(
        line(&app, &operator, "2024-06", OSAKA).await["late_registrations"],
        0
    );
}

#[tokio::test]
async fn tickets_issued_after_the_decision_day_they_cover_are_counted() {
    let f = fixture().await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let operator = login(&app, "operator").await;
    let created = ok(&app, "POST", "/api/office/recipients", &cw, json!({
        "name": "発行　太郎", "name_kana": "ハッコウ　タロウ", "sex": "1", "birth_date": "1970-01-01"
    }))
    .await;
    let id = created["id"].as_i64().unwrap();
    // 保護開始 effective 05-01, decided 05-10.
    decide(&app, &cw, id, "start", "2024-05-01", "2024-05-10", true).await;
    let month = domain::api::ticket_month_back(server::db::today_jst(), 0);
    let ticket = json!({
        "ticket_type": "01", "treatment_month": month, "institution_code": CLINIC,
        "treatment_type": "02", "injury_names": ["高血圧症"], "self_pay_amount": "0",
        "single_or_combined": "01", "social_insurance": "02", "infection_law": "02",
        "elderly_care": "02", "prefectural_expense": "02"
    });
    let mut ids = Vec::new();
    // One ticket per 診療別 (an overlapping one is refused).
    for treatment in ["01", "02", "03", "05"] {
        let mut ticket = ticket.clone();
        ticket["treatment_type"] = json!(treatment);
        let t = ok(
            &app,
            "POST",
            &format!("/api/office/recipients/{id}/tickets"),
            &cw,
            ticket,
        )
        .await;
        ids.push(t["id"].as_i64().unwrap().to_string());
    }
    // As if issued then: from the start, three days after the decision (late); from the
    // start on the decision day (on time); from June (answers to no decision); and a late
    // one cancelled.
    let set = "UPDATE tickets SET valid_from = $1, created_at = $2 WHERE id = CAST($3 AS BIGINT)";
    exec(
        &f,
        set,
        &["2024-05-01", "2024-05-13T01:00:00.000000Z", &ids[0]],
    )
    .await;
    exec(
        &f,
        set,
        &["2024-05-01", "2024-05-10T06:00:00.000000Z", &ids[1]],
    )
    .await;
    exec(
        &f,
        set,
        &["2024-06-01", "2024-06-20T01:00:00.000000Z", &ids[2]],
    )
    .await;
    exec(
        &f,
        set,
        &["2024-05-01", "2024-05-20T01:00:00.000000Z", &ids[3]],
    )
    .await;
    let tokyo = line(&app, &operator, "2024-05", TOKYO).await;
    assert_eq!(tokyo["late_tickets"], 2, "{tokyo}");
    ok(
        &app,
        "POST",
        &format!("/api/office/tickets/{}/cancel", ids[3]),
        &cw,
        json!({"reason": "誤発行"}),
    )
    .await;
    let tokyo = line(&app, &operator, "2024-05", TOKYO).await;
    assert_eq!(tokyo["late_tickets"], 1, "{tokyo}");
    // The 保護開始 itself was registered today, long after its deadline.
    assert_eq!(tokyo["late_registrations"], 1, "{tokyo}");
    assert_eq!(tokyo["total"], 2);
    let detail = ok(
        &app,
        "GET",
        &format!("/api/operator/compliance/{TOKYO}?month=2024-05"),
        &operator,
        Value::Null,
    )
    .await;
    let late = &detail["tickets"][0];
    assert_eq!(late["ticket_type_label"], "医療券");
    assert_eq!(late["decision_date"], "2024-05-10");
    assert_eq!(late["issued_on"], "2024-05-13");
    assert_eq!(late["days_late"], 3);
    assert_eq!(late["retroactive"], false);
    assert_eq!(
        line(&app, &operator, "2024-06", TOKYO).await["late_tickets"],
        0
    );
}

#[tokio::test]
async fn feeds_the_office_never_fetched_are_counted_until_it_opens_or_downloads_them() {
    let f = fixture().await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let operator = login(&app, "operator").await;
    let mut conn = f.db.pool.acquire().await.unwrap();
    for (date, built) in [
        ("2024-05-02", "2024-05-02T21:00:00.000000Z"),
        ("2024-05-03", "2024-05-03T21:00:00.000000Z"),
    ] {
        server::store::feeds::record(&mut conn, TOKYO, date, 0, built)
            .await
            .unwrap();
    }
    // Yesterday's feed built just now: not yet late.
    let yesterday = server::db::today_jst() - chrono::Duration::days(1);
    server::store::feeds::record(
        &mut conn,
        TOKYO,
        &yesterday.to_string(),
        0,
        &server::db::now_text(),
    )
    .await
    .unwrap();
    drop(conn);
    assert_eq!(
        line(&app, &operator, "2024-05", TOKYO).await["unfetched_feeds"],
        2
    );
    let table = ok(
        &app,
        "GET",
        "/api/operator/compliance",
        &operator,
        Value::Null,
    )
    .await;
    let tokyo = table["offices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["office_number"] == TOKYO)
        .unwrap();
    assert_eq!(tokyo["unfetched_feeds"], 0, "{table}");

    // Opening a day's feed fetches it; so does downloading its file.
    ok(
        &app,
        "GET",
        "/api/office/feed?date=2024-05-02",
        &cw,
        Value::Null,
    )
    .await;
    assert_eq!(
        line(&app, &operator, "2024-05", TOKYO).await["unfetched_feeds"],
        1
    );
    let detail = ok(
        &app,
        "GET",
        &format!("/api/operator/compliance/{TOKYO}?month=2024-05"),
        &operator,
        Value::Null,
    )
    .await;
    assert_eq!(detail["feeds"][0]["feed_date"], "2024-05-03");
    let csv = call(
        &app,
        "GET",
        "/api/office/feed.csv?date=2024-05-03",
        &cw,
        Value::Null,
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        line(&app, &operator, "2024-05", TOKYO).await["unfetched_feeds"],
        0
    );
    let (by,): (Option<String>,) =
        sqlx::query_as("SELECT fetched_by FROM daily_feeds WHERE feed_date = '2024-05-02'")
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(by.as_deref(), Some("tokyo-cw"));
}

#[tokio::test]
async fn the_table_is_worst_first_and_the_drill_down_names_no_one() {
    let f = fixture().await;
    let app = f.app();
    let osaka = login(&app, "osaka-cw").await;
    let operator = login(&app, "operator").await;
    let osaka_id = recipient_id(&f, OSAKA, "0000018").await;
    decide(
        &app,
        &osaka,
        osaka_id,
        "suspend",
        "2024-05-10",
        "2024-05-10",
        false,
    )
    .await;
    let table = ok(
        &app,
        "GET",
        "/api/operator/compliance?month=2024-05",
        &operator,
        Value::Null,
    )
    .await;
    let order: Vec<&str> = table["offices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["office_number"].as_str().unwrap())
        .collect();
    assert_eq!(order, [OSAKA, TOKYO], "{table}");
    assert_eq!(
        (table["from"].as_str(), table["to"].as_str()),
        (Some("2024-05-01"), Some("2024-05-31"))
    );

    let detail = call(
        &app,
        "GET",
        &format!("/api/operator/compliance/{OSAKA}?month=2024-05"),
        &operator,
        Value::Null,
    )
    .await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.text.contains("0000018"), "{}", detail.text);
    assert!(
        !detail.text.contains("大阪"),
        "a name in the drill-down: {}",
        detail.text
    );
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'operator.compliance' AND recipient_id = $1",
    )
    .bind(osaka_id)
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    assert_eq!(n, 1);

    let wrong = call(
        &app,
        "GET",
        "/api/operator/compliance?month=2024-5x",
        &operator,
        Value::Null,
    )
    .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.text
    );
    assert_eq!(wrong.json["fields"][0]["field"], "対象月", "{}", wrong.text);
    let missing = call(
        &app,
        "GET",
        "/api/operator/compliance/99999999",
        &operator,
        Value::Null,
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let cw = login(&app, "tokyo-cw").await;
    let refused = call(&app, "GET", "/api/operator/compliance", &cw, Value::Null).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

fn fields() -> Value {
    json!({"name": "みなと内科", "online_capable": true, "designated_from": "令和6年4月1日",
           "designated_until": "", "abolished_on": "", "postal_code": "1050011",
           "address": "東京都港区芝公園1-1", "phone": "03-1234-5678"})
}

async fn institution_count(f: &Fixture) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM institutions")
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn the_operator_keeps_the_registry_and_every_change_is_in_its_audit_trail() {
    let f = fixture().await;
    let app = f.app();
    let operator = login(&app, "operator").await;
    let before = institution_count(&f).await;

    // A wrong check digit, a bad date, a bad phone: all named, nothing written.
    let mut bad = fields();
    bad["code"] = json!("1311234560");
    bad["designated_until"] = json!("令和6年2月30日");
    bad["phone"] = json!("12-34");
    let r = call(&app, "POST", "/api/operator/institutions", &operator, bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let named: Vec<&str> = r.json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        named,
        ["医療機関コード", "指定の終了日", "電話番号"],
        "{}",
        r.text
    );
    assert!(
        r.json["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("検証番号"),
        "{}",
        r.text
    );
    assert_eq!(institution_count(&f).await, before);

    // Added: 点数表 from the code, the trail one line per field given.
    let mut new = fields();
    new["code"] = json!("1311111114");
    let added = call(
        &app,
        "POST",
        "/api/operator/institutions",
        &operator,
        new.clone(),
    )
    .await;
    if added.status == StatusCode::UNPROCESSABLE_ENTITY {
        panic!("{}", added.text);
    }
    let added = added.json;
    assert_eq!(added["institution"]["score_table"], "医科");
    assert_eq!(added["institution"]["designated_from"], "2024-04-01");
    assert_eq!(added["institution"]["postal_code"], "105-0011");
    let trail = added["changes"].as_array().unwrap();
    assert!(trail
        .iter()
        .any(|c| c["field"] == "医療機関コード" && c["after"] == "1311111114"));
    assert!(trail
        .iter()
        .all(|c| c["changed_by"] == "operator" && c["before"] == ""));
    // The same code twice: refused, naming the code.
    let twice = call(&app, "POST", "/api/operator/institutions", &operator, new).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(twice.json["fields"][0]["field"], "医療機関コード");

    // Edited: no longer online, 廃止 on 令和7年3月31日.
    let mut edit = fields();
    edit["online_capable"] = json!(false);
    edit["abolished_on"] = json!("令和7年3月31日");
    let edited = ok(
        &app,
        "PUT",
        "/api/operator/institutions/1311111114",
        &operator,
        edit.clone(),
    )
    .await;
    assert_eq!(edited["institution"]["abolished_on"], "2025-03-31");
    assert_eq!(edited["institution"]["online_capable"], false);
    let newest: Vec<(String, String, String)> = edited["changes"].as_array().unwrap()[..2]
        .iter()
        .map(|c| {
            (
                c["field"].as_str().unwrap().into(),
                c["before"].as_str().unwrap().into(),
                c["after"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        newest,
        [
            (
                "廃止年月日".to_string(),
                String::new(),
                "2025-03-31".to_string()
            ),
            (
                "オンライン資格確認".to_string(),
                "対応".to_string(),
                "未対応".to_string()
            ),
        ]
    );
    let lines = edited["changes"].as_array().unwrap().len();
    // The same again: nothing changes, nothing is added to the trail.
    let same = ok(
        &app,
        "PUT",
        "/api/operator/institutions/1311111114",
        &operator,
        edit.clone(),
    )
    .await;
    assert_eq!(same["changes"].as_array().unwrap().len(), lines);
    // 廃止 before 指定: refused, nothing half-written.
    let mut wrong = edit;
    wrong["abolished_on"] = json!("2024-03-31");
    wrong["name"] = json!("別の名前");
    let r = call(
        &app,
        "PUT",
        "/api/operator/institutions/1311111114",
        &operator,
        wrong,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json["fields"][0]["field"], "廃止年月日", "{}", r.text);
    let stored = ok(
        &app,
        "GET",
        "/api/operator/institutions/1311111114",
        &operator,
        Value::Null,
    )
    .await;
    assert_eq!(stored["institution"]["name"], "みなと内科");
    assert_eq!(stored["changes"].as_array().unwrap().len(), lines);

    // Search by name and by the code's first digits; an unknown code is not found.
    let found = ok(
        &app,
        "GET",
        "/api/operator/institutions?q=%E3%81%BF%E3%81%AA%E3%81%A8",
        &operator,
        Value::Null,
    )
    .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    let by_code = ok(
        &app,
        "GET",
        "/api/operator/institutions?q=13111",
        &operator,
        Value::Null,
    )
    .await;
    assert_eq!(by_code["items"][0]["code"], "1311111114");
    let missing = call(
        &app,
        "GET",
        "/api/operator/institutions/1319999999",
        &operator,
        Value::Null,
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // The office's institution search reads the same table.
    let cw = login(&app, "tokyo-cw").await;
    let office = ok(
        &app,
        "GET",
        "/api/office/institutions?q=13111",
        &cw,
        Value::Null,
    )
    .await;
    assert!(office.to_string().contains("1311111114"), "{office}");
    // A 廃止 institution takes no new ticket reaching its 廃止年月日.
    let tokyo_id = recipient_id(&f, TOKYO, "1234566").await;
    let month = domain::api::ticket_month_back(server::db::today_jst(), 0);
    let ticket = json!({
        "ticket_type": "01", "treatment_month": month, "institution_code": "1311111114",
        "treatment_type": "02", "injury_names": ["高血圧症"], "self_pay_amount": "0",
        "single_or_combined": "01", "social_insurance": "02", "infection_law": "02",
        "elderly_care": "02", "prefectural_expense": "02"
    });
    let path = format!("/api/office/recipients/{tokyo_id}/tickets");
    let r = call(&app, "POST", &path, &cw, ticket.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        r.json["fields"][0]["field"], "指定医療機関コード",
        "{}",
        r.text
    );
    assert!(r.text.contains("廃止"), "{}", r.text);
    // Not abolished any more (an entry corrected): the ticket is issued.
    let mut reopened = fields();
    reopened["online_capable"] = json!(false);
    ok(
        &app,
        "PUT",
        "/api/operator/institutions/1311111114",
        &operator,
        reopened,
    )
    .await;
    ok(&app, "POST", &path, &cw, ticket).await;
    let refused = call(
        &app,
        "PUT",
        "/api/operator/institutions/1311111114",
        &cw,
        fields(),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
