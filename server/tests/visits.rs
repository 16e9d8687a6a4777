//! A recipient's 受診状況 for the caseworker (issue 13 item 2): verifications grouped by
//! month, institution and JST day with the tickets that cover them, 未委託 marked, the
//! `months` parameter, scope (another office's recipient is 404), and the audit row the
//! recipient sees in their 提供記録 as the office's read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::Value;

/// `YYYY-MM` of the month `back` months before this JST month.
fn month(back: u32) -> String {
    domain::api::ticket_month_back(server::db::today_jst(), back)
}

/// A verification of a Tokyo or Osaka recipient at `institution` on `date` (10:00 JST).
async fn verification(
    f: &Fixture,
    key: &str,
    office: &str,
    number: &str,
    institution: &str,
    date: &str,
    validity: u8,
) {
    exec(
        f,
        &format!(
            "INSERT INTO verifications (client_id, verified_at, verified_date, institution_code, office_number, recipient_number, \
             reference_class, validity, offline, source) VALUES ('{key}', '{date}T01:00:00.000000Z', '{date}', \
             '{institution}', '{office}', '{number}', 2, {validity}, 0, 'import')"
        ),
    )
    .await;
}

/// A 医療券 (or, for the pharmacy, a 調剤券) for `recipient` from `from` to `until`.
#[allow(clippy::too_many_arguments)]
async fn ticket(
    f: &Fixture,
    recipient: i64,
    institution: &str,
    issue: &str,
    from: &str,
    until: &str,
    status: &str,
    retroactive: bool,
) {
    let (kind, treatment) = if institution == PHARMACY {
        ("02", "05")
    } else {
        ("01", "02")
    };
    let reason = if retroactive {
        "'夜間の急病'"
    } else {
        "NULL"
    };
    exec(
        f,
        &format!(
            "INSERT INTO tickets (office_number, recipient_id, ticket_type, issue_number, treatment_month, valid_from, valid_until, \
             institution_code, treatment_type, self_pay_amount, single_or_combined, social_insurance, infection_law, elderly_care, \
             prefectural_expense, status, created_at, created_by, retroactive_reason) \
             VALUES ('{TOKYO}', {recipient}, '{kind}', '{issue}', '{}', '{from}', '{until}', '{institution}', '{treatment}', 0, \
             '01', '02', '02', '02', '02', '{status}', '2026-01-01T00:00:00.000000Z', 'test', {reason})",
            &from[..7]
        ),
    )
    .await;
}

fn find<'a>(months: &'a Value, month: &str) -> &'a Value {
    months
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == month)
        .unwrap_or_else(|| panic!("month {month} in {months}"))
}

fn institution<'a>(month: &'a Value, code: &str) -> &'a Value {
    month["institutions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["institution_code"] == code)
        .unwrap_or_else(|| panic!("{code} in {month}"))
}

/// (day, coverage, covering 交付番号, verifications) of each day.
fn days(institution: &Value) -> Vec<(u64, String, Vec<String>, u64)> {
    institution["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["day"].as_u64().unwrap(),
                d["coverage"].as_str().unwrap().to_string(),
                d["covered_by"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n.as_str().unwrap().to_string())
                    .collect(),
                d["verifications"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn issue_numbers(institution: &Value) -> Vec<(String, bool)> {
    institution["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["issue_number"].as_str().unwrap().to_string(),
                t["retroactive"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// The Tokyo recipient's story: last month a clinic visit with its 医療券 (twice that day),
/// a 事後委託 day, a 未委託 day, and a pharmacy whose 調剤券 was cancelled; this month a visit
/// with this month's ticket; four months ago a visit outside the default three months. The
/// Osaka recipient's verification at the same clinic never shows.
async fn story(f: &Fixture) -> i64 {
    let id = recipient_id(f, TOKYO, "1234566").await;
    let osaka = recipient_id(f, OSAKA, "0000018").await;
    let (last, this, old) = (month(1), month(0), month(3));
    let at = |m: &str, d: &str| format!("{m}-{d}");
    ticket(
        f,
        id,
        CLINIC,
        "1000000001",
        &at(&last, "01"),
        &at(&last, "09"),
        "active",
        false,
    )
    .await;
    ticket(
        f,
        id,
        CLINIC,
        "1000000002",
        &at(&last, "10"),
        &at(&last, "10"),
        "active",
        true,
    )
    .await;
    ticket(
        f,
        id,
        PHARMACY,
        "1000000003",
        &at(&last, "01"),
        &at(&last, "28"),
        "cancelled",
        false,
    )
    .await;
    ticket(
        f,
        id,
        CLINIC,
        "1000000004",
        &at(&this, "01"),
        &at(&this, "28"),
        "active",
        false,
    )
    .await;
    ticket(
        f,
        osaka,
        CLINIC,
        "2000000001",
        &at(&last, "01"),
        &at(&last, "28"),
        "active",
        false,
    )
    .await;
    for (key, institution, date, validity) in [
        ("v1", CLINIC, at(&last, "05"), 1),
        ("v2", CLINIC, at(&last, "05"), 1),
        ("v3", CLINIC, at(&last, "10"), 6),
        ("v4", CLINIC, at(&last, "12"), 6),
        ("v5", PHARMACY, at(&last, "05"), 1),
        ("v6", CLINIC, at(&this, "01"), 1),
        ("v7", CLINIC, at(&old, "03"), 1),
    ] {
        verification(f, key, TOKYO, "1234566", institution, &date, validity).await;
    }
    verification(f, "o1", OSAKA, "0000018", CLINIC, &at(&last, "06"), 1).await;
    id
}

#[tokio::test]
async fn visits_are_grouped_by_institution_and_day_with_their_tickets() {
    let f = fixture().await;
    let id = story(&f).await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let reply = send(
        &app,
        "GET",
        &format!("/api/office/recipients/{id}/visits"),
        Some(&cw),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = &reply.json;
    assert_eq!(body["months_requested"], 3);
    assert_eq!(body["recipient_number"], "1234566");
    let listed: Vec<&str> = body["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["month"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [month(0), month(1), month(2)]);

    let last = find(&body["months"], &month(1));
    let clinic = institution(last, CLINIC);
    assert_eq!(clinic["institution_name"], "テスト内科");
    assert_eq!(clinic["score_table"], "医科");
    assert_eq!(
        days(clinic),
        vec![
            (5, "covered".into(), vec!["1000000001".into()], 2),
            (10, "retroactive".into(), vec!["1000000002".into()], 1),
            (12, "unentrusted".into(), vec![], 1),
        ]
    );
    assert_eq!(
        issue_numbers(clinic),
        vec![("1000000001".into(), false), ("1000000002".into(), true)]
    );
    // The pharmacy's 調剤券 was cancelled: its day is 未委託, and no ticket is listed.
    let pharmacy = institution(last, PHARMACY);
    assert_eq!(days(pharmacy), vec![(5, "unentrusted".into(), vec![], 1)]);
    assert!(issue_numbers(pharmacy).is_empty());
    // Visit days count 医科・歯科 only (5, 10, 12); 未委託 days count every institution (12 and
    // the pharmacy's 5).
    assert_eq!(last["visit_days"], 3);
    assert_eq!(last["unentrusted_days"], 2);

    let this = find(&body["months"], &month(0));
    assert_eq!(
        days(institution(this, CLINIC)),
        vec![(1, "covered".into(), vec!["1000000004".into()], 1)]
    );
    assert_eq!(this["visit_days"], 1);
    // Nothing of the Osaka recipient, nothing of four months ago.
    assert!(!reply.text.contains("2000000001"));
    assert!(!reply.text.contains(&format!("{}-03", month(3))));
    assert_eq!(body["health"]["available"], true);
    assert_eq!(body["restricted"], false);

    // ?months=4 reaches the old visit; the supervisor may read it too.
    let sv = login(&app, "tokyo-sv").await;
    let four = send(
        &app,
        "GET",
        &format!("/api/office/recipients/{id}/visits?months=4"),
        Some(&sv),
        None,
    )
    .await;
    assert_eq!(four.status, StatusCode::OK, "{}", four.text);
    assert_eq!(four.json["months"].as_array().unwrap().len(), 4);
    let old = find(&four.json["months"], &month(3));
    assert_eq!(days(institution(old, CLINIC))[0].0, 3);
}

#[tokio::test]
async fn a_bad_months_parameter_is_refused_in_japanese_naming_the_field() {
    let f = fixture().await;
    let id = recipient_id(&f, TOKYO, "1234566").await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    for bad in ["0", "13", "abc", "-1", "1.5", "99999999999999999999"] {
        let reply = send(
            &app,
            "GET",
            &format!("/api/office/recipients/{id}/visits?months={bad}"),
            Some(&cw),
            None,
        )
        .await;
        assert!(reply.status.is_client_error(), "{bad}: {}", reply.status);
        assert_eq!(reply.json["fields"][0]["field"], "表示する月数", "{bad}");
        let message = reply.json["message"].as_str().unwrap();
        assert!(message.contains("1から12までの数字"), "{bad}: {message}");
    }
    let twelve = send(
        &app,
        "GET",
        &format!("/api/office/recipients/{id}/visits?months=１２"),
        Some(&cw),
        None,
    )
    .await;
    assert_eq!(twelve.status, StatusCode::OK, "{}", twelve.text);
    assert_eq!(twelve.json["months"].as_array().unwrap().len(), 12);
}

#[tokio::test]
async fn another_offices_recipient_is_not_found_and_other_roles_are_refused() {
    let f = fixture().await;
    let tokyo = story(&f).await;
    let osaka = recipient_id(&f, OSAKA, "0000018").await;
    let app = f.app();
    let osaka_cw = login(&app, "osaka-cw").await;
    let tokyo_cw = login(&app, "tokyo-cw").await;
    for (cookie, id) in [
        (&osaka_cw, tokyo),
        (&tokyo_cw, osaka),
        (&tokyo_cw, 987_654_321),
    ] {
        let reply = send(
            &app,
            "GET",
            &format!("/api/office/recipients/{id}/visits"),
            Some(cookie),
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
        assert!(!reply.text.contains("テスト内科"));
    }
    let clinic = login(&app, "clinic").await;
    let reply = send(
        &app,
        "GET",
        &format!("/api/office/recipients/{tokyo}/visits"),
        Some(&clinic),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // Nothing read, nothing recorded.
    let (reads,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'visits.read'")
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(reads, 0);
}

#[tokio::test]
async fn every_read_is_in_the_recipients_access_log_as_the_offices_and_restriction_hides_nothing_here(
) {
    let f = fixture().await;
    let id = story(&f).await;
    exec(
        &f,
        &format!("UPDATE recipients SET restricted = 1 WHERE id = {id}"),
    )
    .await;
    let app = f.app();
    let cw = login(&app, "tokyo-cw").await;
    let path = format!("/api/office/recipients/{id}/visits");
    for _ in 0..2 {
        let reply = send(&app, "GET", &path, Some(&cw), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        // 閲覧制限 limits the portal; the office still sees where the recipient was seen.
        assert_eq!(reply.json["restricted"], true);
        assert!(reply.text.contains("テスト内科"));
    }
    let (reads, role): (i64, String) = sqlx::query_as(
        "SELECT COUNT(*), MIN(actor_role) FROM audit_log WHERE action = 'visits.read' AND recipient_id = $1",
    )
    .bind(id)
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    assert_eq!((reads, role.as_str()), (2, "caseworker"));

    let me = card_session(&f, &app, TOKYO, "1234566").await;
    let log = send(&app, "GET", "/api/me/access-log", Some(&me), None).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    let reads: Vec<&Value> = log.json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "visits.read")
        .collect();
    assert_eq!(reads.len(), 2, "{}", log.text);
    for entry in reads {
        assert_eq!(entry["actor"], "office");
        assert_eq!(entry["actor_name"], "テスト区福祉事務所");
        assert_eq!(
            entry["what"],
            "受診状況（資格確認の記録・医療券・薬剤情報・健診結果）の表示"
        );
    }
}
