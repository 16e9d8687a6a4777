//! The office's own 閉庁日 (add, remove, import) and the 資格確認のご案内: roles, office scope,
//! audit, and the 2-開庁日 deadline lists following a change at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use axum::Router;
use common::*;
use domain::api::Role;
use serde_json::{json, Value};

async fn call(app: &Router, method: &str, path: &str, cookie: &str, body: Value) -> Reply {
    let text = body.to_string();
    let body = (method != "GET" && method != "DELETE").then_some(text.as_str());
    send(app, method, path, Some(cookie), body).await
}

async fn audit_details(f: &Fixture, action: &str) -> Vec<(String, Option<i64>, String)> {
    sqlx::query_as(
        "SELECT actor_id, recipient_id, detail FROM audit_log WHERE action = $1 ORDER BY id",
    )
    .bind(action)
    .fetch_all(&f.db.pool)
    .await
    .unwrap()
}

/// The open days overdue of the one pending 保護開始 (decided 2024-01-05).
async fn open_days_overdue(app: &Router, cookie: &str) -> u64 {
    let d = call(
        app,
        "GET",
        "/api/office/deadlines?all=true",
        cookie,
        Value::Null,
    )
    .await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.text);
    let overdue = d.json["overdue"].as_array().unwrap();
    assert_eq!(overdue.len(), 1, "{}", d.text);
    overdue[0]["open_days_overdue"].as_u64().unwrap()
}

#[tokio::test]
async fn the_supervisor_manages_closed_days_and_the_deadlines_follow() {
    let f = fixture().await;
    server::auth::add_user(
        &f.db,
        "osaka-sv",
        PASSWORD,
        Role::Supervisor,
        "osaka-sv",
        Some(OSAKA),
        None,
    )
    .await
    .unwrap();
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let sv = login(&app, "tokyo-sv").await;
    let osaka = login(&app, "osaka-sv").await;
    let clinic = login(&app, "clinic").await;

    // A pending 保護開始 decided long ago: overdue by some 開庁日.
    let created = call(&app, "POST", "/api/office/recipients", &cw, json!({
        "name": "期限　太郎", "name_kana": "キゲン　タロウ", "sex": "1", "birth_date": "1980-01-01"
    }))
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json["id"].as_i64().unwrap();
    let start = json!({"kind": "start", "effective_date": "2024-01-01", "decision_date": "2024-01-05", "register": false});
    let r = call(
        &app,
        "POST",
        &format!("/api/office/recipients/{id}/qualification"),
        &cw,
        start,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let before = open_days_overdue(&app, &cw).await;

    // Everyone in the office reads the list; only the supervisor may change it.
    let list = call(&app, "GET", "/api/office/closed-days", &cw, Value::Null).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.json["may_edit"], false);
    assert_eq!(list.json["days"].as_array().unwrap().len(), 0);
    let day = json!({"date": "令和6年6月24日", "reason": "市の創立記念日"});
    let r = call(&app, "POST", "/api/office/closed-days", &cw, day.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = call(&app, "GET", "/api/office/closed-days", &clinic, Value::Null).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    // Bad input names the field; nothing is written.
    let r = call(
        &app,
        "POST",
        "/api/office/closed-days",
        &sv,
        json!({"date": "令和6年2月30日", "reason": ""}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.json["fields"][0]["field"] == "日付" && r.json["fields"][1]["field"] == "名称",
        "{}",
        r.text
    );
    let r = call(
        &app,
        "POST",
        "/api/office/closed-days",
        &sv,
        json!({"date": 5}),
    )
    .await;
    assert!(r.status.is_client_error(), "{}", r.text);

    // Add (Monday 2024-06-24, an open day): one 開庁日 fewer overdue, at once.
    let r = call(&app, "POST", "/api/office/closed-days", &sv, day.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["may_edit"], true);
    assert_eq!(r.json["days"][0]["date"], "2024-06-24");
    assert_eq!(r.json["days"][0]["reason"], "市の創立記念日");
    assert_eq!(open_days_overdue(&app, &cw).await, before - 1);
    let r = call(&app, "POST", "/api/office/closed-days", &sv, day.clone()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // Another office's supervisor sees none of it and cannot remove it: as for no such day.
    let r = call(&app, "GET", "/api/office/closed-days", &osaka, Value::Null).await;
    assert_eq!(r.json["days"].as_array().unwrap().len(), 0, "{}", r.text);
    let theirs = call(
        &app,
        "DELETE",
        "/api/office/closed-days/2024-06-24",
        &osaka,
        Value::Null,
    )
    .await;
    let none = call(
        &app,
        "DELETE",
        "/api/office/closed-days/2024-06-25",
        &sv,
        Value::Null,
    )
    .await;
    let junk = call(
        &app,
        "DELETE",
        "/api/office/closed-days/yesterday",
        &sv,
        Value::Null,
    )
    .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!((theirs.status, &theirs.json), (none.status, &none.json));
    assert_eq!(junk.status, StatusCode::NOT_FOUND);
    assert_eq!(open_days_overdue(&app, &cw).await, before - 1);

    // An import is all or nothing, each error naming its line.
    let bad = "2024-06-25,庁舎点検\nあした\n2024-06-25\n";
    let r = call(
        &app,
        "POST",
        "/api/office/closed-days/import",
        &sv,
        json!({"text": bad}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("2行目「あした」"), "{}", r.text);
    assert!(r.text.contains("3行目: 1行目と同じ日付です"), "{}", r.text);
    assert_eq!(open_days_overdue(&app, &cw).await, before - 1);
    let good = "日付,名称\n2024-06-25,庁舎点検\nR6.6.26\n";
    let r = call(
        &app,
        "POST",
        "/api/office/closed-days/import",
        &sv,
        json!({"text": good}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["days"].as_array().unwrap().len(), 3, "{}", r.text);
    assert_eq!(open_days_overdue(&app, &cw).await, before - 3);

    // Remove: the deadline is back.
    for date in ["2024-06-24", "2024-06-25", "2024-06-26"] {
        let r = call(
            &app,
            "DELETE",
            &format!("/api/office/closed-days/{date}"),
            &sv,
            Value::Null,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    assert_eq!(open_days_overdue(&app, &cw).await, before);

    // Every change is audited with who (and when).
    let added = audit_details(&f, "office.closed_day.add").await;
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].0, "tokyo-sv");
    assert_eq!(added[0].1, None);
    assert!(
        added[0].2.contains("2024-06-24 市の創立記念日"),
        "{:?}",
        added
    );
    assert_eq!(audit_details(&f, "office.closed_day.import").await.len(), 1);
    assert_eq!(audit_details(&f, "office.closed_day.remove").await.len(), 3);

    // A day closed between the decision and its due date moves the due date, at once, on the
    // deadline list and on the recipient's page (2024-01-08 is 成人の日; the 2 開庁日 after
    // the decision of Friday 2024-01-05 are the 9th and 10th).
    let due_on_list = |d: &Value| d["overdue"][0]["due_date"].as_str().unwrap().to_string();
    let list = call(
        &app,
        "GET",
        "/api/office/deadlines?all=true",
        &cw,
        Value::Null,
    )
    .await;
    assert_eq!(due_on_list(&list.json), "2024-01-10", "{}", list.text);
    let day = json!({"date": "2024-01-09", "reason": "臨時閉庁"});
    let r = call(&app, "POST", "/api/office/closed-days", &sv, day).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let list = call(
        &app,
        "GET",
        "/api/office/deadlines?all=true",
        &cw,
        Value::Null,
    )
    .await;
    assert_eq!(due_on_list(&list.json), "2024-01-11", "{}", list.text);
    let page = call(
        &app,
        "GET",
        &format!("/api/office/recipients/{id}"),
        &cw,
        Value::Null,
    )
    .await;
    assert!(page.text.contains("2024-01-11"), "{}", page.text);
}

#[tokio::test]
async fn the_notice_carries_both_numbers_and_its_read_is_audited() {
    let f = fixture().await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let osaka = login(&app, "osaka-cw").await;
    let (id,): (i64,) =
        sqlx::query_as("SELECT id FROM recipients WHERE recipient_number = '1234566'")
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    let r = call(
        &app,
        "GET",
        &format!("/api/office/recipients/{id}/notice"),
        &cw,
        Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["public_payer_number"], TOKYO);
    assert_eq!(r.json["recipient_number"], "1234566");
    assert_eq!(r.json["recipient_name"], "東京　一郎");
    assert_eq!(r.json["office_name"], "テスト区福祉事務所");
    assert_eq!(r.json["office_phone"], "03-0000-0000");
    let rows = audit_details(&f, "recipient.notice").await;
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].0.as_str(), rows[0].1), ("tokyo-cw", Some(id)));

    // Another office: exactly the answer for an id that does not exist; nothing audited.
    let theirs = call(
        &app,
        "GET",
        &format!("/api/office/recipients/{id}/notice"),
        &osaka,
        Value::Null,
    )
    .await;
    let none = call(
        &app,
        "GET",
        "/api/office/recipients/999999/notice",
        &osaka,
        Value::Null,
    )
    .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!((theirs.status, &theirs.json), (none.status, &none.json));
    assert_eq!(audit_details(&f, "recipient.notice").await.len(), 1);
}

/// The demo has one 閉庁日 of its own (a 区制記念日 on a weekday at least 30 days ahead, so
/// that none of the seeded deadlines moves), shown on the page.
#[tokio::test]
async fn the_demo_seeds_one_office_closed_day_ahead() {
    use chrono::NaiveDate;
    let f = empty().await;
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    server::seed::demo(&f.db, &f.keys, f.dir.path(), today)
        .await
        .unwrap();
    let mut conn = f.db.pool.acquire().await.unwrap();
    let days = server::store::offices::closed_days(&mut conn, TOKYO)
        .await
        .unwrap();
    assert_eq!(days.len(), 1);
    // 2027-10-01 is a Friday.
    assert_eq!(days[0].date, "2027-10-01");
    assert_eq!(days[0].reason, "区制記念日");
    let osaka = server::store::offices::closed_days(&mut conn, OSAKA)
        .await
        .unwrap();
    assert!(osaka.is_empty());
}
