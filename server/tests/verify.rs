//! 資格確認 at reception end to end (issue 4): number entry and card, the verdicts 1, 6, 2
//! and 4, 未委託 control, consent, idempotency, the offline outbox sync, 一括照会 JSON and CSV,
//! and scope — through the real router and a real database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine as _;
use chrono::{Duration, NaiveDate, Utc};
use common::*;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

/// Another clinic in Tokyo, and its login.
const CLINIC_B: &str = "1311234577";
/// A Tokyo recipient whose 保護 was 廃止 (資格喪失日 = yesterday).
const ENDED: &str = "0000026";
/// A Tokyo recipient under 閲覧制限, with an address that must never reach an institution.
const RESTRICTED: &str = "0000034";
/// Valid check digit, but nobody has this 受給者番号.
const NOBODY: &str = "9999996";

fn today() -> NaiveDate {
    server::db::today_jst()
}

fn month_bounds(d: NaiveDate) -> (NaiveDate, NaiveDate) {
    domain::ticket::month_bounds(&domain::ticket::month_of(d)).unwrap()
}

async fn exec(f: &Fixture, sql: &str, binds: &[&str]) {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    for b in binds {
        q = q.bind(b.to_string());
    }
    q.execute(&f.db.pool).await.expect(sql);
}

/// The common fixture plus a second clinic, a pharmacy login, an ended and a restricted recipient.
async fn setup() -> Fixture {
    let f = fixture().await;
    exec(
        &f,
        "INSERT INTO institutions (code, name, score_table, online_capable) VALUES ($1, '別のクリニック', 1, 1)",
        &[CLINIC_B],
    )
    .await;
    let yesterday = (today() - Duration::days(1)).to_string();
    exec(
        &f,
        "INSERT INTO recipients (office_number, recipient_number, name, name_kana, sex, birth_date, qualified_from, qualified_until, created_at, updated_at) \
         VALUES ('12131017', $1, '廃止　三郎', 'ハイシ　サブロウ', 1, '1950-01-02', '2019-06-01', $2, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')",
        &[ENDED, &yesterday],
    )
    .await;
    exec(
        &f,
        "INSERT INTO recipients (office_number, recipient_number, name, name_kana, sex, birth_date, postal_code, address, restricted, qualified_from, created_at, updated_at) \
         VALUES ('12131017', $1, '秘匿　花子', 'ヒトク　ハナコ', 2, '1985-07-07', '100-0001', '東京都千代田区秘密町1-2-3', 1, '2022-02-01', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')",
        &[RESTRICTED],
    )
    .await;
    common::adopt_pairs(&f).await;
    for (login, inst) in [("clinic-b", CLINIC_B), ("pharmacy", PHARMACY)] {
        server::auth::add_user(
            &f.db,
            login,
            PASSWORD,
            domain::api::Role::Clinic,
            login,
            None,
            Some(inst),
        )
        .await
        .unwrap();
    }
    f
}

/// A ticket for this month: (office, recipient, type 01/02, issue number, institution,
/// prescriber, 診療別, 傷病名1, from, until).
#[allow(clippy::too_many_arguments)]
async fn ticket(
    f: &Fixture,
    office: &str,
    recipient: &str,
    ticket_type: &str,
    issue: &str,
    institution: &str,
    prescriber: Option<&str>,
    treatment: &str,
    injury: Option<&str>,
    from: NaiveDate,
    until: NaiveDate,
) {
    sqlx::query(
        "INSERT INTO tickets (office_number, recipient_id, ticket_type, issue_number, treatment_month, valid_from, valid_until, \
                              institution_code, prescriber_code, treatment_type, injury_name1, self_pay_amount, single_or_combined, \
                              social_insurance, infection_law, elderly_care, prefectural_expense, district_contact, handling_contact, \
                              remarks1, created_at, created_by) \
         VALUES ($1, (SELECT id FROM recipients WHERE office_number = $1 AND recipient_number = $2), $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                 1200, '01', '02', '02', '02', '02', '山川 太郎', '福祉 一郎', '後発医薬品を使用', '2026-01-01T00:00:00.000000Z', 'test')",
    )
    .bind(office)
    .bind(recipient)
    .bind(ticket_type)
    .bind(issue)
    .bind(domain::ticket::month_of(from))
    .bind(from.to_string())
    .bind(until.to_string())
    .bind(institution)
    .bind(prescriber.map(str::to_string))
    .bind(treatment)
    .bind(injury.map(str::to_string))
    .execute(&f.db.pool)
    .await
    .unwrap();
}

/// This month's 医療券 at `institution` for the Tokyo recipient 1234566 (傷病名 高血圧症).
async fn tokyo_ticket_at(f: &Fixture, institution: &str, issue: &str, injury: &str) {
    let (first, last) = month_bounds(today());
    ticket(
        f,
        TOKYO,
        "1234566",
        "01",
        issue,
        institution,
        None,
        "02",
        Some(injury),
        first,
        last,
    )
    .await;
}

fn number(client_id: &str, office: &str, recipient: &str, birth: &str) -> String {
    json!({"client_id": client_id, "office_number": office, "recipient_number": recipient, "birth_date": birth})
        .to_string()
}

async fn verify(app: &axum::Router, who: &str, body: &str) -> Reply {
    send(app, "POST", "/api/verify/number", Some(who), Some(body)).await
}

async fn count(f: &Fixture, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    n
}

fn without(mut v: Value, keys: &[&str]) -> Value {
    for k in keys {
        v.as_object_mut().unwrap().remove(*k);
    }
    v
}

#[tokio::test]
async fn number_entry_gives_1_with_this_institutions_tickets_only() {
    let f = setup().await;
    let app = f.app();
    tokyo_ticket_at(&f, CLINIC, "T-0001", "高血圧症").await;
    tokyo_ticket_at(&f, CLINIC_B, "T-0002", "腰痛症").await;
    let clinic = login(&app, "clinic").await;
    let reply = verify(
        &app,
        &clinic,
        &number("c-1", TOKYO, "1234566", "1960-04-01"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let r = &reply.json;
    assert_eq!(r["validity"], "1");
    assert_eq!(r["validity_label"], "有効");
    assert_eq!(r["screen_label"], "有効");
    assert_eq!(r["reference_class"], "2");
    assert_eq!(r["offline"], false);
    assert_eq!(r["already_stored"], false);
    assert!(r["verification_id"].as_i64().is_some());
    assert_eq!(r["verified_date"], today().to_string());
    assert_eq!(r["person"]["name"], "東京　一郎");
    assert_eq!(r["person"]["name_kana"], "トウキョウ　イチロウ");
    assert_eq!(r["person"]["sex"], "1");
    assert_eq!(r["person"]["birth_date"], "1960-04-01");
    assert_eq!(r["person"]["qualified_from"], "2020-01-01");
    assert_eq!(r["office"]["name"], "テスト区福祉事務所");
    assert_eq!(r["office"]["phone"], "03-0000-0000");
    let tickets = r["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 1, "{}", reply.text);
    let t = &tickets[0];
    assert_eq!(t["issue_number"], "T-0001");
    assert_eq!(t["institution_code"], CLINIC);
    assert_eq!(t["institution_name"], "テスト内科");
    assert_eq!(t["treatment_type"], "02");
    assert_eq!(t["injury_names"], json!(["高血圧症"]));
    assert_eq!(t["self_pay_amount"], 1200);
    assert_eq!(t["single_or_combined"], "01");
    assert_eq!(t["social_insurance"], "02");
    assert_eq!(t["remarks"], json!(["後発医薬品を使用"]));
    let (first, last) = month_bounds(today());
    assert_eq!(t["valid_from"], first.to_string());
    assert_eq!(t["valid_until"], last.to_string());
    assert!(
        !reply.text.contains("腰痛症") && !reply.text.contains("別のクリニック"),
        "another institution's ticket leaked: {}",
        reply.text
    );
    // Stored as one 資格確認実績, and audited for the recipient.
    let row: (String, String, String, String, i64, i64, i64, String) = sqlx::query_as(
        "SELECT verified_date, institution_code, office_number, recipient_number, reference_class, validity, offline, source \
         FROM verifications WHERE client_id = 'c-1'",
    )
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            today().to_string(),
            CLINIC.to_string(),
            TOKYO.to_string(),
            "1234566".to_string(),
            2,
            1,
            0,
            "online".to_string()
        )
    );
    let audit: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT a.actor_label, a.action, a.detail FROM audit_log a JOIN recipients r ON r.id = a.recipient_id \
         WHERE r.recipient_number = '1234566' AND a.action = 'verification'",
    )
    .fetch_all(&f.db.pool)
    .await
    .unwrap();
    assert_eq!(
        audit,
        vec![(
            "テスト内科".to_string(),
            "verification".to_string(),
            "有効".to_string()
        )]
    );
}

#[tokio::test]
async fn verdict_6_is_unentrusted_and_withholds_every_ticket_detail() {
    let f = setup().await;
    let app = f.app();
    // The Tokyo recipient holds a ticket for clinic B only.
    tokyo_ticket_at(&f, CLINIC_B, "T-0002", "腰痛症").await;
    let clinic = login(&app, "clinic").await;
    let reply = verify(
        &app,
        &clinic,
        &number("c-6", TOKYO, "1234566", "1960-04-01"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let r = &reply.json;
    assert_eq!(r["validity"], "6");
    assert_eq!(r["validity_label"], "有効（未登録）");
    assert_eq!(r["screen_label"], "未委託・未登録");
    assert_eq!(r["tickets"], json!([]));
    assert!(r["consent"].is_null());
    assert_eq!(r["office"]["phone"], "03-0000-0000");
    let guidance = r["guidance"].as_str().unwrap();
    assert!(
        guidance.contains("03-0000-0000")
            && guidance.contains("照会")
            && guidance.contains("事後委託"),
        "{guidance}"
    );
    for withheld in [
        "腰痛症",
        "別のクリニック",
        CLINIC_B,
        "T-0002",
        "山川",
        "injury",
    ] {
        assert!(
            !reply.text.contains(withheld),
            "6 leaks {withheld}: {}",
            reply.text
        );
    }
    assert_eq!(
        count(&f, "SELECT COUNT(*) FROM verifications WHERE validity = 6").await,
        1
    );
    // Clinic B, which the ticket names, gets 1.
    let b = login(&app, "clinic-b").await;
    let reply = verify(&app, &b, &number("c-6b", TOKYO, "1234566", "1960-04-01")).await;
    assert_eq!(reply.json["validity"], "1");
    assert_eq!(reply.json["tickets"][0]["injury_names"][0], "腰痛症");
}

#[tokio::test]
async fn verdict_2_for_an_ended_qualification() {
    let f = setup().await;
    let app = f.app();
    let (first, last) = month_bounds(today());
    // A ticket that still covers today does not revive an ended 資格.
    ticket(
        &f,
        TOKYO,
        ENDED,
        "01",
        "T-0009",
        CLINIC,
        None,
        "02",
        Some("肺炎"),
        first,
        last,
    )
    .await;
    let clinic = login(&app, "clinic").await;
    let reply = verify(&app, &clinic, &number("c-2", TOKYO, ENDED, "1950-01-02")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["validity"], "2");
    assert_eq!(reply.json["screen_label"], "無効");
    assert_eq!(reply.json["tickets"], json!([]));
    assert_eq!(
        reply.json["person"]["qualified_until"],
        (today() - Duration::days(1)).to_string()
    );
    assert_eq!(reply.json["office"]["name"], "テスト区福祉事務所");
    assert!(!reply.text.contains("肺炎"));
}

#[tokio::test]
async fn verdict_4_is_the_same_for_an_unknown_number_and_a_wrong_birth_date() {
    let f = setup().await;
    let app = f.app();
    tokyo_ticket_at(&f, CLINIC, "T-0001", "高血圧症").await;
    let clinic = login(&app, "clinic").await;
    let wrong = verify(
        &app,
        &clinic,
        &number("c-4a", TOKYO, "1234566", "1960-04-02"),
    )
    .await;
    let nobody = verify(&app, &clinic, &number("c-4b", TOKYO, NOBODY, "1960-04-02")).await;
    assert_eq!(wrong.status, StatusCode::OK, "{}", wrong.text);
    assert_eq!(nobody.status, StatusCode::OK, "{}", nobody.text);
    assert_eq!(wrong.json["validity"], "4");
    assert_eq!(wrong.json["screen_label"], "該当資格なし");
    assert!(wrong.json["person"].is_null() && wrong.json["office"].is_null());
    assert_eq!(wrong.json["tickets"], json!([]));
    for leak in [
        "東京",
        "トウキョウ",
        "1960-04-01",
        "高血圧症",
        "テスト区福祉事務所",
        "03-0000-0000",
    ] {
        assert!(!wrong.text.contains(leak), "4 leaks {leak}: {}", wrong.text);
    }
    let differing = [
        "verification_id",
        "client_id",
        "verified_at",
        "recipient_number",
    ];
    assert_eq!(
        without(wrong.json.clone(), &differing),
        without(nobody.json.clone(), &differing)
    );
    // Both recorded with the numbers as entered.
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT recipient_number, validity FROM verifications ORDER BY id")
            .fetch_all(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(
        rows,
        vec![("1234566".to_string(), 4), (NOBODY.to_string(), 4)]
    );
}

#[tokio::test]
async fn full_width_hyphens_and_wareki_are_accepted() {
    let f = setup().await;
    let app = f.app();
    tokyo_ticket_at(&f, CLINIC, "T-0001", "高血圧症").await;
    let clinic = login(&app, "clinic").await;
    for (id, office, recipient, birth) in [
        (
            "c-w1",
            "１２１３－１０１７",
            "１２３ ４５６６",
            "昭和35年4月1日",
        ),
        ("c-w2", "1213-1017", "123-4566", "S35.4.1"),
        ("c-w3", " 12131017 ", "1234566", "１９６０／４／１"),
    ] {
        let reply = verify(&app, &clinic, &number(id, office, recipient, birth)).await;
        assert_eq!(reply.status, StatusCode::OK, "{id}: {}", reply.text);
        assert_eq!(reply.json["validity"], "1", "{id}");
        assert_eq!(reply.json["office_number"], TOKYO);
        assert_eq!(reply.json["recipient_number"], "1234566");
    }
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT DISTINCT office_number, recipient_number FROM verifications")
            .fetch_all(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(stored, vec![(TOKYO.to_string(), "1234566".to_string())]);
}

#[tokio::test]
async fn a_check_digit_error_is_422_naming_the_field_and_stores_nothing() {
    let f = setup().await;
    let app = f.app();
    let clinic = login(&app, "clinic").await;
    let reply = verify(
        &app,
        &clinic,
        &number("c-e1", TOKYO, "1234567", "1960-04-01"),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert_eq!(reply.json["code"], "validation");
    assert_eq!(reply.json["fields"][0]["field"], "受給者番号");
    assert!(reply.json["message"].as_str().unwrap().contains("検証番号"));
    let reply = verify(
        &app,
        &clinic,
        &number("c-e2", "12131018", "123456", "令和99年1月1日"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = reply.json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["公費負担者番号", "受給者番号", "生年月日"]);
    for body in [
        "{}",
        "{\"client_id\": 5}",
        "not json",
        &json!({"client_id": "", "office_number": TOKYO, "recipient_number": "1234566", "birth_date": "1960-04-01"}).to_string(),
    ] {
        let reply = verify(&app, &clinic, body).await;
        assert!(reply.status.is_client_error(), "{body}: {}", reply.text);
        assert_eq!(reply.json["code"], "validation", "{body}");
    }
    assert_eq!(count(&f, "SELECT COUNT(*) FROM verifications").await, 0);
}

#[tokio::test]
async fn a_pharmacy_sees_its_dispensing_ticket_with_the_prescriber() {
    let f = setup().await;
    let app = f.app();
    let (first, last) = month_bounds(today());
    ticket(
        &f,
        TOKYO,
        "1234566",
        "02",
        "T-0100",
        PHARMACY,
        Some(CLINIC),
        "04",
        None,
        first,
        last,
    )
    .await;
    let pharmacy = login(&app, "pharmacy").await;
    let reply = verify(
        &app,
        &pharmacy,
        &number("p-1", TOKYO, "1234566", "1960-04-01"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["validity"], "1");
    let t = &reply.json["tickets"][0];
    assert_eq!(t["ticket_type"], "02");
    assert_eq!(t["treatment_type"], "04");
    assert_eq!(t["institution_code"], PHARMACY);
    assert_eq!(t["institution_name"], "テスト薬局");
    assert_eq!(t["prescriber_code"], CLINIC);
    assert_eq!(t["prescriber_name"], "テスト内科");
    // The prescriber is not entrusted by a 調剤券: at the clinic it is 6.
    let clinic = login(&app, "clinic").await;
    let reply = verify(
        &app,
        &clinic,
        &number("p-2", TOKYO, "1234566", "1960-04-01"),
    )
    .await;
    assert_eq!(reply.json["validity"], "6");
    assert!(!reply.text.contains("テスト薬局"));
}

#[tokio::test]
async fn a_restricted_recipients_address_never_reaches_the_institution() {
    let f = setup().await;
    let app = f.app();
    let (first, last) = month_bounds(today());
    ticket(
        &f,
        TOKYO,
        RESTRICTED,
        "01",
        "T-0200",
        CLINIC,
        None,
        "02",
        Some("不眠症"),
        first,
        last,
    )
    .await;
    let clinic = login(&app, "clinic").await;
    let reply = verify(
        &app,
        &clinic,
        &number("r-1", TOKYO, RESTRICTED, "1985-07-07"),
    )
    .await;
    assert_eq!(reply.json["validity"], "1", "{}", reply.text);
    let month = domain::ticket::month_of(today());
    let roster = send(
        &app,
        "GET",
        &format!("/api/verify/roster?month={month}"),
        Some(&clinic),
        None,
    )
    .await;
    assert_eq!(roster.json["recipients"][0]["restricted"], true);
    for reply in [&reply, &roster] {
        assert!(!reply.text.contains("秘密町") && !reply.text.contains("100-0001"));
    }
}

#[tokio::test]
async fn the_same_client_id_twice_is_one_verification() {
    let f = setup().await;
    let app = f.app();
    tokyo_ticket_at(&f, CLINIC, "T-0001", "高血圧症").await;
    let clinic = login(&app, "clinic").await;
    let body = number("same-id", TOKYO, "1234566", "1960-04-01");
    let first = verify(&app, &clinic, &body).await;
    let second = verify(&app, &clinic, &body).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    assert_eq!(first.json["already_stored"], false);
    assert_eq!(second.json["already_stored"], true);
    assert_eq!(
        without(first.json.clone(), &["already_stored"]),
        without(second.json.clone(), &["already_stored"])
    );
    assert_eq!(
        verifications_and_audit_rows(&f, "verification").await,
        (1, 1)
    );
    // The answer shows the person again: that read is audited, as a replay.
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'verification.replay'"
        )
        .await,
        1
    );
    // The same id for other numbers, or from another institution, is refused.
    let other = verify(
        &app,
        &clinic,
        &number("same-id", OSAKA, "0000018", "1970-05-05"),
    )
    .await;
    assert_eq!(other.status, StatusCode::CONFLICT, "{}", other.text);
    let b = login(&app, "clinic-b").await;
    let stolen = verify(&app, &b, &body).await;
    assert_eq!(stolen.status, StatusCode::CONFLICT);
    assert!(!stolen.text.contains("東京"));
    assert_eq!(count(&f, "SELECT COUNT(*) FROM verifications").await, 1);
}

#[tokio::test]
async fn an_offline_batch_sent_twice_is_stored_once() {
    let f = setup().await;
    let app = f.app();
    tokyo_ticket_at(&f, CLINIC, "T-0001", "高血圧症").await;
    let clinic = login(&app, "clinic").await;
    let at = (Utc::now() - Duration::minutes(3))
        .with_timezone(&domain::jst::offset())
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string();
    let old = (Utc::now() - Duration::days(40)).to_rfc3339();
    let item = |id: &str, office: &str, recipient: &str, birth: &str, at: &str| {
        json!({"client_id": id, "office_number": office, "recipient_number": recipient,
               "birth_date": birth, "verified_at": at, "offline": true})
    };
    let batch = json!({"items": [
        item("o-1", TOKYO, "1234566", "1960-04-01", &at),
        item("o-2", OSAKA, "0000018", "1970-05-05", &at),
        item("o-3", TOKYO, NOBODY, "1960-04-01", &at),
        item("o-4", TOKYO, "1234566", "1960-04-01", &old),
        item("o-5", TOKYO, "1234567", "1960-04-01", &at),
    ]})
    .to_string();
    let first = send(
        &app,
        "POST",
        "/api/verify/sync",
        Some(&clinic),
        Some(&batch),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let summary = |reply: &Reply| -> Vec<(String, String, Value)> {
        reply.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["client_id"].as_str().unwrap().to_string(),
                    i["status"].as_str().unwrap().to_string(),
                    i["validity"].clone(),
                )
            })
            .collect()
    };
    let s = |v: &str| v.to_string();
    assert_eq!(
        summary(&first),
        vec![
            (s("o-1"), s("stored"), json!("1")),
            (s("o-2"), s("stored"), json!("6")),
            (s("o-3"), s("stored"), json!("4")),
            (s("o-4"), s("rejected"), Value::Null),
            (s("o-5"), s("rejected"), Value::Null),
        ]
    );
    assert_eq!(first.json["items"][3]["errors"][0]["field"], "確認日時");
    assert_eq!(first.json["items"][4]["errors"][0]["field"], "受給者番号");
    assert_eq!(first.json["items"][1]["screen_label"], "未委託・未登録");
    let second = send(
        &app,
        "POST",
        "/api/verify/sync",
        Some(&clinic),
        Some(&batch),
    )
    .await;
    assert_eq!(
        summary(&second)
            .iter()
            .map(|(id, st, _)| (id.clone(), st.clone()))
            .collect::<Vec<_>>(),
        vec![
            (s("o-1"), s("already_stored")),
            (s("o-2"), s("already_stored")),
            (s("o-3"), s("already_stored")),
            (s("o-4"), s("rejected")),
            (s("o-5"), s("rejected")),
        ]
    );
    for i in 0..3 {
        assert_eq!(
            first.json["items"][i]["verification_id"],
            second.json["items"][i]["verification_id"]
        );
    }
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM verifications WHERE offline = 1 AND source = 'offline'"
        )
        .await,
        3
    );
    assert_eq!(count(&f, "SELECT COUNT(*) FROM verifications").await, 3);
    // Stored with the time of the offline check, not of the sync.
    let (verified_at,): (String,) =
        sqlx::query_as("SELECT verified_at FROM verifications WHERE client_id = 'o-1'")
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    let stored = chrono::DateTime::parse_from_rfc3339(&verified_at).unwrap();
    let sent = chrono::DateTime::parse_from_rfc3339(&at).unwrap();
    assert_eq!(stored, sent);
    // One queued item can also go through /number with offline: true.
    let one = item("o-6", TOKYO, "1234566", "1960-04-01", &at).to_string();
    let reply = verify(&app, &clinic, &one).await;
    assert_eq!(reply.json["offline"], true, "{}", reply.text);
    // Stored now: the guidance no longer says it waits to be sent.
    let guidance = reply.json["guidance"].as_str().unwrap();
    assert!(!guidance.contains("自動で送信します"), "{guidance}");
    assert!(reply.json["verification_id"].as_i64().is_some());
    let missing_time = json!({"client_id": "o-7", "office_number": TOKYO, "recipient_number": "1234566", "birth_date": "1960-04-01", "offline": true}).to_string();
    let reply = verify(&app, &clinic, &missing_time).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json["fields"][0]["field"], "確認日時");
    // Too many at once.
    let many: Vec<Value> = (0..=domain::api::SYNC_MAX_ITEMS)
        .map(|i| item(&format!("m-{i}"), TOKYO, "1234566", "1960-04-01", &at))
        .collect();
    let reply = send(
        &app,
        "POST",
        "/api/verify/sync",
        Some(&clinic),
        Some(&json!({"items": many}).to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&f, "SELECT COUNT(*) FROM verifications").await, 4);
}

async fn card_for(f: &Fixture, office: &str, recipient: &str) -> domain::card::UnlockedCard {
    let json = server::cards::issue(&f.db, &f.keys, office, recipient, "4321", today())
        .await
        .unwrap();
    let card = domain::card::parse_card_file(&json).unwrap();
    domain::card::unlock(&card, "4321").unwrap()
}

fn card_body(
    client_id: &str,
    card: &domain::card::UnlockedCard,
    challenge: &Reply,
    consent: Value,
) -> String {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(challenge.json["challenge"].as_str().unwrap())
        .unwrap();
    json!({
        "client_id": client_id,
        "challenge_id": challenge.json["challenge_id"],
        "certificate": card.certificate(),
        "signature": card.sign(&bytes),
        "consent": consent,
    })
    .to_string()
}

async fn verify_card(
    app: &axum::Router,
    who: &str,
    client_id: &str,
    card: &domain::card::UnlockedCard,
    consent: Value,
) -> Reply {
    let challenge = send(app, "GET", "/api/card/challenge", None, None).await;
    let body = card_body(client_id, card, &challenge, consent);
    send(app, "POST", "/api/verify/card", Some(who), Some(&body)).await
}

#[tokio::test]
async fn card_verification_records_the_consent() {
    let f = setup().await;
    let app = f.app();
    tokyo_ticket_at(&f, CLINIC, "T-0001", "高血圧症").await;
    let card = card_for(&f, TOKYO, "1234566").await;
    let clinic = login(&app, "clinic").await;
    let challenge = send(&app, "GET", "/api/card/challenge", None, None).await;
    let body = card_body(
        "k-1",
        &card,
        &challenge,
        json!({"drug_info": true, "checkup_info": false}),
    );
    let reply = send(&app, "POST", "/api/verify/card", Some(&clinic), Some(&body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["validity"], "1");
    assert_eq!(reply.json["reference_class"], "1");
    assert_eq!(reply.json["person"]["name"], "東京　一郎");
    assert_eq!(reply.json["tickets"][0]["issue_number"], "T-0001");
    assert_eq!(reply.json["consent"]["drug_info"], true);
    assert_eq!(reply.json["consent"]["checkup_info"], false);
    let id = reply.json["verification_id"].as_i64().unwrap();
    let consent: (i64, i64, i64) =
        sqlx::query_as("SELECT verification_id, drug_info, checkup_info FROM consents")
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(consent, (id, 1, 0));
    let (reference,): (i64,) =
        sqlx::query_as("SELECT reference_class FROM verifications WHERE id = $1")
            .bind(id)
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(reference, 1);
    // A retry after a lost answer: the challenge is spent, the first result stands.
    let again = send(&app, "POST", "/api/verify/card", Some(&clinic), Some(&body)).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.json["verification_id"], id);
    assert_eq!(again.json["already_stored"], true);
    assert_eq!(again.json["consent"], reply.json["consent"]);
    assert_eq!(count(&f, "SELECT COUNT(*) FROM consents").await, 1);
    assert_eq!(count(&f, "SELECT COUNT(*) FROM verifications").await, 1);
    // A replayed challenge with a new client id is refused.
    let replayed = body.replace("\"k-1\"", "\"k-1b\"");
    let reply = send(
        &app,
        "POST",
        "/api/verify/card",
        Some(&clinic),
        Some(&replayed),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert_eq!(reply.json["fields"][0]["field"], "マイナンバーカード");
    // At an institution no ticket names (6), no consent is recorded, whatever was agreed.
    let b = login(&app, "clinic-b").await;
    let reply = verify_card(
        &app,
        &b,
        "k-2",
        &card,
        json!({"drug_info": true, "checkup_info": true}),
    )
    .await;
    assert_eq!(reply.json["validity"], "6", "{}", reply.text);
    assert!(reply.json["consent"].is_null());
    assert_eq!(reply.json["tickets"], json!([]));
    assert_eq!(count(&f, "SELECT COUNT(*) FROM consents").await, 1);
    // The clinic's list of today shows both routes, newest first, with the consent.
    let list = send(&app, "GET", "/api/verify/today", Some(&clinic), None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.json["date"], today().to_string());
    assert_eq!(list.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.json["items"][0]["consent"]["drug_info"], true);
    assert_eq!(list.json["items"][0]["name"], "東京　一郎");
}

#[tokio::test]
async fn a_revoked_card_is_refused() {
    let f = setup().await;
    let app = f.app();
    tokyo_ticket_at(&f, CLINIC, "T-0001", "高血圧症").await;
    let card = card_for(&f, TOKYO, "1234566").await;
    server::cards::revoke(&f.db, &card.certificate().serial)
        .await
        .unwrap();
    let clinic = login(&app, "clinic").await;
    let reply = verify_card(&app, &clinic, "k-r", &card, json!({"drug_info": true})).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert_eq!(reply.json["fields"][0]["field"], "マイナンバーカード");
    assert!(
        reply.json["message"].as_str().unwrap().contains("失効"),
        "{}",
        reply.text
    );
    assert_eq!(count(&f, "SELECT COUNT(*) FROM verifications").await, 0);
    assert_eq!(count(&f, "SELECT COUNT(*) FROM consents").await, 0);
    // The receptionist stays signed in.
    let home = send(&app, "GET", "/api/institution/home", Some(&clinic), None).await;
    assert_eq!(home.status, StatusCode::OK);
}

#[tokio::test]
async fn only_institutions_verify_and_each_reads_only_its_own_roster() {
    let f = setup().await;
    let app = f.app();
    tokyo_ticket_at(&f, CLINIC, "T-0001", "高血圧症").await;
    let month = domain::ticket::month_of(today());
    let body = number("s-1", TOKYO, "1234566", "1960-04-01");
    let sync = json!({"items": []}).to_string();
    let card = card_for(&f, TOKYO, "1234566").await;
    let me = {
        let challenge = send(&app, "GET", "/api/card/challenge", None, None).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(challenge.json["challenge"].as_str().unwrap())
            .unwrap();
        let login = json!({"challenge_id": challenge.json["challenge_id"], "certificate": card.certificate(), "signature": card.sign(&bytes)}).to_string();
        send(&app, "POST", "/api/card/login", None, Some(&login))
            .await
            .cookie
            .unwrap()
    };
    let cw = login(&app, "tokyo-cw").await;
    let sv = login(&app, "tokyo-sv").await;
    let op = login(&app, "operator").await;
    let requests: Vec<(&str, String, Option<&str>)> = vec![
        (
            "POST",
            "/api/verify/number".to_string(),
            Some(body.as_str()),
        ),
        ("POST", "/api/verify/sync".to_string(), Some(sync.as_str())),
        ("GET", format!("/api/verify/roster?month={month}"), None),
        ("GET", "/api/verify/roster.csv".to_string(), None),
        ("GET", "/api/verify/today".to_string(), None),
    ];
    for (method, path, body) in &requests {
        let anonymous = send(&app, method, path, None, *body).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{path}");
        for who in [&cw, &sv, &op, &me] {
            let reply = send(&app, method, path, Some(who), *body).await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{path}: {}",
                reply.text
            );
        }
    }
    assert_eq!(count(&f, "SELECT COUNT(*) FROM verifications").await, 0);
    // Clinic B's roster does not list clinic A's recipients.
    let b = login(&app, "clinic-b").await;
    let roster = send(
        &app,
        "GET",
        &format!("/api/verify/roster?month={month}"),
        Some(&b),
        None,
    )
    .await;
    assert_eq!(roster.status, StatusCode::OK, "{}", roster.text);
    assert_eq!(roster.json["institution_code"], CLINIC_B);
    assert_eq!(roster.json["recipients"], json!([]));
    let csv = send(&app, "GET", "/api/verify/roster.csv", Some(&b), None).await;
    assert_eq!(csv.text.lines().count(), 1, "{}", csv.text);
    // A machine client with clinic A's bearer token reads clinic A's roster.
    let token = server::auth::add_institution_token(&f.db, CLINIC)
        .await
        .unwrap();
    let request = Request::builder()
        .uri(format!("/api/verify/roster?month={month}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let roster: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(roster["recipients"][0]["recipient_number"], "1234566");
}

#[tokio::test]
async fn roster_json_and_cp932_csv_for_the_month() {
    let f = setup().await;
    let app = f.app();
    tokyo_ticket_at(&f, CLINIC, "T-0001", "高血圧症").await;
    let (first, last) = month_bounds(today());
    ticket(
        &f,
        OSAKA,
        "0000018",
        "01",
        "T-0300",
        CLINIC,
        None,
        "02",
        Some("髙血圧①"),
        first,
        last,
    )
    .await;
    // Last month's ticket and another institution's are not in this month's roster.
    let last_month = first - Duration::days(1);
    let (lm_first, lm_last) = month_bounds(last_month);
    ticket(
        &f,
        TOKYO,
        "1234566",
        "01",
        "T-0000",
        CLINIC,
        None,
        "02",
        Some("感冒"),
        lm_first,
        lm_last,
    )
    .await;
    tokyo_ticket_at(&f, CLINIC_B, "T-0002", "腰痛症").await;
    let clinic = login(&app, "clinic").await;
    let roster = send(&app, "GET", "/api/verify/roster", Some(&clinic), None).await;
    assert_eq!(roster.status, StatusCode::OK, "{}", roster.text);
    let month = domain::ticket::month_of(today());
    assert_eq!(roster.json["month"], month);
    assert_eq!(roster.json["institution_name"], "テスト内科");
    let entries = roster.json["recipients"].as_array().unwrap();
    let numbers: Vec<&str> = entries
        .iter()
        .map(|e| e["recipient_number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["1234566", "0000018"]);
    assert_eq!(entries[0]["birth_date"], "1960-04-01");
    assert_eq!(entries[0]["office_phone"], "03-0000-0000");
    assert_eq!(entries[0]["tickets"].as_array().unwrap().len(), 1);
    assert!(!roster.text.contains("腰痛症") && !roster.text.contains("感冒"));
    // The roster answers an offline check exactly as the server does.
    let parsed: domain::api::Roster = serde_json::from_value(roster.json.clone()).unwrap();
    let entry = domain::api::NumberVerifyRequest {
        client_id: "x".into(),
        office_number: TOKYO.into(),
        recipient_number: "1234566".into(),
        birth_date: "1960-04-01".into(),
        verified_at: None,
        offline: false,
    }
    .check(today())
    .unwrap();
    let domain::api::DeskAnswer::Verdict(offline) =
        parsed.verify_offline("x", &entry, "2000-01-01T00:00:00Z", today())
    else {
        panic!("the roster holds 1234566")
    };
    let online = verify(&app, &clinic, &number("x", TOKYO, "1234566", "1960-04-01")).await;
    assert_eq!(
        serde_json::to_value(&offline.tickets).unwrap(),
        online.json["tickets"]
    );
    assert_eq!(online.json["validity"], json!(offline.validity));
    // The previous month by 和暦 or 西暦.
    let lm = domain::ticket::month_of(last_month);
    let previous = send(
        &app,
        "GET",
        &format!("/api/verify/roster?month={lm}"),
        Some(&clinic),
        None,
    )
    .await;
    assert_eq!(
        previous.json["recipients"][0]["tickets"][0]["issue_number"],
        "T-0000"
    );
    let bad = send(
        &app,
        "GET",
        "/api/verify/roster?month=2024-13",
        Some(&clinic),
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json["fields"][0]["field"], "診療年月");
    // CSV in CP932.
    let request = Request::builder()
        .uri(format!(
            "/api/verify/roster.csv?month={month}&encoding=cp932"
        ))
        .header(header::COOKIE, &clinic)
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=Shift_JIS");
    assert!(headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains(&format!("roster-{CLINIC}-{month}.csv")));
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    let (text, _, malformed) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!malformed);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], domain::api::ROSTER_CSV_HEADER.join(","));
    assert!(lines[1].contains("東京　一郎") && lines[1].contains("高血圧症"));
    assert!(lines[2].contains("大阪　花子") && lines[2].contains("髙血圧①"));
    assert!(lines[1].starts_with(&format!("{month},{TOKYO},1234566,")));
    // UTF-8 by default; an unknown encoding is refused.
    let utf8 = send(
        &app,
        "GET",
        &format!("/api/verify/roster.csv?month={month}"),
        Some(&clinic),
        None,
    )
    .await;
    assert_eq!(utf8.content_type, "text/csv; charset=utf-8");
    assert_eq!(utf8.text, text);
    let bad = send(
        &app,
        "GET",
        "/api/verify/roster.csv?encoding=latin1",
        Some(&clinic),
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Each roster read is audited for every recipient listed: one row per read naming the
    // set of recipients it listed.
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM audit_log a JOIN roster_set_members m ON m.set_id = a.roster_set_id \
             WHERE a.action = 'roster' AND a.actor_id = 'clinic'"
        )
        .await,
        // JSON this month (2), JSON last month (1), CSV cp932 (2), CSV utf-8 (2).
        7
    );
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'roster' AND actor_id = 'clinic'"
        )
        .await,
        4
    );
}

#[tokio::test]
async fn todays_list_is_newest_first_and_names_nobody_for_verdict_4() {
    let f = setup().await;
    let app = f.app();
    tokyo_ticket_at(&f, CLINIC, "T-0001", "高血圧症").await;
    let clinic = login(&app, "clinic").await;
    verify(
        &app,
        &clinic,
        &number("t-1", TOKYO, "1234566", "1960-04-01"),
    )
    .await;
    verify(
        &app,
        &clinic,
        &number("t-2", OSAKA, "0000018", "1970-05-05"),
    )
    .await;
    verify(
        &app,
        &clinic,
        &number("t-3", TOKYO, "1234566", "1999-09-09"),
    )
    .await;
    // Someone else's verification and yesterday's are not listed.
    let b = login(&app, "clinic-b").await;
    verify(&app, &b, &number("t-4", TOKYO, "1234566", "1960-04-01")).await;
    let yesterday = today() - Duration::days(1);
    exec(
        &f,
        "INSERT INTO verifications (client_id, verified_at, verified_date, institution_code, office_number, recipient_number, reference_class, validity, offline, source) \
         VALUES ('old', '2000-01-01T00:00:00.000000Z', $1, $2, '12131017', '1234566', 2, 1, 0, 'seed')",
        &[&yesterday.to_string(), CLINIC],
    )
    .await;
    let list = send(&app, "GET", "/api/verify/today", Some(&clinic), None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let items = list.json["items"].as_array().unwrap();
    let seen: Vec<(&str, &str, Value)> = items
        .iter()
        .map(|i| {
            (
                i["recipient_number"].as_str().unwrap(),
                i["validity"].as_str().unwrap(),
                i["name"].clone(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("1234566", "4", Value::Null),
            ("0000018", "6", json!("大阪　花子")),
            ("1234566", "1", json!("東京　一郎")),
        ]
    );
    assert_eq!(items[1]["screen_label"], "未委託・未登録");
}

/// On SQLite the verification path reads through its own driver (`server::db::SqliteFast`),
/// and reads exactly what the pool reads: the caller's session, the person with the 資格
/// history, the tickets. (PostgreSQL has no such driver: everything goes through the pool.)
#[tokio::test]
async fn on_sqlite_the_verification_path_reads_what_the_pool_reads() {
    let f = setup().await;
    if f.database_url.is_some() {
        assert!(f.db.sqlite.is_none());
        return;
    }
    assert!(
        f.db.sqlite.is_some(),
        "SQLite verifies through server::db::SqliteFast"
    );
    let pool_only = server::db::Db {
        sqlite: None,
        ..f.db.clone()
    };
    tokyo_ticket_at(&f, CLINIC, "T-FAST-1", "高血圧症").await;
    tokyo_ticket_at(&f, CLINIC, "T-FAST-2", "糖尿病").await;
    let app = f.app();
    let cookie = login(&app, "clinic").await;
    let token = cookie.split_once('=').unwrap().1;
    let hash = server::auth::token_hash(token);
    let both = |fast: &dyn std::fmt::Debug, pool: &dyn std::fmt::Debug| {
        assert_eq!(format!("{fast:?}"), format!("{pool:?}"));
    };

    use server::store::{people, tickets, users};
    let fast = users::session_with_user(&f.db, &hash).await.unwrap();
    let pool = users::session_with_user(&pool_only, &hash).await.unwrap();
    assert!(fast.as_ref().is_some_and(|s| s.user.is_some()), "{fast:?}");
    both(&fast, &pool);
    let missing = users::session_with_user(&f.db, "no such hash")
        .await
        .unwrap();
    assert!(missing.is_none());
    let bearer = server::auth::add_institution_token(&f.db, CLINIC)
        .await
        .unwrap();
    let bearer = server::auth::token_hash(&bearer);
    let fast = users::institution_of_token(&f.db, &bearer).await.unwrap();
    let pool = users::institution_of_token(&pool_only, &bearer)
        .await
        .unwrap();
    assert_eq!(
        fast,
        Some((CLINIC.to_string(), Some("テスト内科".to_string())))
    );
    assert_eq!(fast, pool);

    for number in ["1234566", ENDED, RESTRICTED, "9999999"] {
        let fast = people::verified_with_history_by_numbers(&f.db, TOKYO, number)
            .await
            .unwrap();
        let pool = people::verified_with_history_by_numbers(&pool_only, TOKYO, number)
            .await
            .unwrap();
        both(&fast, &pool);
    }
    let (record, history) = people::verified_with_history_by_numbers(&f.db, TOKYO, "1234566")
        .await
        .unwrap()
        .unwrap();
    assert!(!history.periods().is_empty(), "{history:?}");

    let clinic = domain::numbers::InstitutionCode::parse(CLINIC).unwrap();
    let month = domain::ticket::month_of(today());
    let fast = tickets::for_verification(&f.db, record.id, &clinic, &month)
        .await
        .unwrap();
    let pool = tickets::for_verification(&pool_only, record.id, &clinic, &month)
        .await
        .unwrap();
    assert_eq!(fast.len(), 2, "{fast:?}");
    assert_eq!(fast, pool);

    // The 一括照会's tickets, records and histories too.
    let fast = tickets::roster_of(&f.db, &clinic, &month).await.unwrap();
    let pool = tickets::roster_of(&pool_only, &clinic, &month)
        .await
        .unwrap();
    assert_eq!(fast.len(), 2, "{fast:?}");
    assert_eq!(fast, pool);
    let ids = [record.id];
    let fast = server::store::people::verified_by_ids(&f.db, &ids)
        .await
        .unwrap();
    let pool = server::store::people::verified_by_ids(&pool_only, &ids)
        .await
        .unwrap();
    assert_eq!(fast.len(), 1);
    assert_eq!(format!("{fast:?}"), format!("{pool:?}"));
    let fast = server::store::people::histories(&f.db, &ids).await.unwrap();
    let pool = server::store::people::histories(&pool_only, &ids)
        .await
        .unwrap();
    assert!(!fast[&record.id].periods().is_empty());
    assert_eq!(
        format!("{:?}", fast[&record.id]),
        format!("{:?}", pool[&record.id])
    );
}
