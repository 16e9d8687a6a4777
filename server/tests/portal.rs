//! The recipient portal: a recipient reads only themself whatever the request says, the
//! access log names who looked (a clinic's verification, an office's read), and 閲覧制限
//! is explained to the person it protects and keeps the address from everyone else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use common::*;

fn month(back: u32) -> String {
    domain::api::ticket_month_back(server::db::today_jst(), back)
}

/// A ticket row for `recipient` naming `institution` in `month`.
async fn ticket(
    f: &Fixture,
    office: &str,
    recipient: i64,
    institution: &str,
    month: &str,
    issue: &str,
    status: &str,
) {
    exec(
        f,
        &format!(
            "INSERT INTO tickets (office_number, recipient_id, ticket_type, issue_number, treatment_month, valid_from, valid_until, \
             institution_code, treatment_type, self_pay_amount, single_or_combined, social_insurance, infection_law, elderly_care, \
             prefectural_expense, status, created_at, created_by) \
             VALUES ('{office}', {recipient}, '01', '{issue}', '{month}', '{month}-01', '{month}-28', '{institution}', '02', 1200, \
             '01', '02', '02', '02', '02', '{status}', '2026-01-01T00:00:00.000000Z', 'test')"
        ),
    )
    .await;
}

const ME: [&str; 4] = [
    "/api/me/profile",
    "/api/me/tickets",
    "/api/me/health",
    "/api/me/access-log",
];

#[tokio::test]
async fn a_recipient_reads_only_themself_whatever_the_request_names() {
    let f = fixture().await;
    let app = f.app();
    let tokyo = recipient_id(&f, TOKYO, "1234566").await;
    let osaka = recipient_id(&f, OSAKA, "0000018").await;
    exec(&f, "INSERT INTO institutions (code, name, score_table, online_capable, phone) VALUES ('2711234563', 'なにわ北クリニック', 1, 1, '06-1111-2222')").await;
    ticket(&f, TOKYO, tokyo, CLINIC, &month(0), "T-1", "active").await;
    ticket(&f, TOKYO, tokyo, CLINIC, &month(2), "T-2", "active").await;
    ticket(&f, TOKYO, tokyo, PHARMACY, &month(0), "T-3", "cancelled").await;
    ticket(&f, OSAKA, osaka, "2711234563", &month(0), "O-1", "active").await;
    ticket(&f, OSAKA, osaka, "2711234563", &month(1), "O-2", "active").await;

    let me = card_session(&f, &app, TOKYO, "1234566").await;

    // This month and the five before, newest first; the cancelled ticket is left out.
    let reply = send(&app, "GET", "/api/me/tickets", Some(&me), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let months = reply.json["months"].as_array().unwrap();
    assert_eq!(months.len(), 6);
    assert_eq!(months[0]["month"], month(0));
    assert_eq!(reply.json["this_month"], month(0));
    let this_month = months[0]["tickets"].as_array().unwrap();
    assert_eq!(this_month.len(), 1, "{}", reply.text);
    assert_eq!(this_month[0]["institution_name"], "テスト内科");
    assert_eq!(this_month[0]["institution_code"], CLINIC);
    assert_eq!(this_month[0]["treatment_type_label"], "入院外");
    assert_eq!(this_month[0]["ticket_type_label"], "医療券");
    assert_eq!(this_month[0]["self_pay_amount"], 1200);
    assert_eq!(months[1]["tickets"].as_array().unwrap().len(), 0);
    assert_eq!(months[2]["tickets"][0]["issue_number"], "T-2");
    assert_eq!(reply.json["office_phone"], "03-0000-0000");
    let one = send(&app, "GET", "/api/me/tickets?months=1", Some(&me), None).await;
    assert_eq!(one.json["months"].as_array().unwrap().len(), 1);

    // Whatever names another recipient in the query is ignored: the answer is still mine.
    let others = format!(
        "recipient_id={osaka}&id={osaka}&office_number={OSAKA}&recipient_number=0000018&office={OSAKA}&me={osaka}"
    );
    for path in ME {
        let plain = send(&app, "GET", path, Some(&me), None).await;
        assert_eq!(plain.status, StatusCode::OK, "{path}: {}", plain.text);
        let sep = if path.contains('?') { '&' } else { '?' };
        let tampered = send(
            &app,
            "GET",
            &format!("{path}{sep}{others}"),
            Some(&me),
            None,
        )
        .await;
        assert_eq!(tampered.status, StatusCode::OK, "{path}: {}", tampered.text);
        for text in [&plain.text, &tampered.text] {
            for leak in [
                "大阪",
                "0000018",
                OSAKA,
                "なにわ北クリニック",
                "O-1",
                "テスト市福祉事務所",
            ] {
                assert!(!text.contains(leak), "{path} leaked {leak}: {text}");
            }
        }
        if path != "/api/me/access-log" {
            // (The log itself grows with each read when own rows are asked for; here they are not.)
            assert_eq!(plain.json, tampered.json, "{path}");
        }
        // An id in the path is no route at all.
        for suffix in [format!("/{osaka}"), format!("/{tokyo}")] {
            let by_id = send(&app, "GET", &format!("{path}{suffix}"), Some(&me), None).await;
            assert_eq!(by_id.status, StatusCode::NOT_FOUND, "{path}{suffix}");
        }
    }
    let profile = send(&app, "GET", "/api/me/profile", Some(&me), None).await;
    assert_eq!(profile.json["recipient_number"], "1234566");
    assert_eq!(profile.json["office_name"], "テスト区福祉事務所");
    assert_eq!(profile.json["status"], "active");

    // Other roles are refused; no session is 401.
    let cw = login(&app, "tokyo-cw").await;
    let clinic = login(&app, "clinic").await;
    let op = login(&app, "operator").await;
    for path in ME {
        for cookie in [&cw, &clinic, &op] {
            let reply = send(&app, "GET", path, Some(cookie), None).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(reply.json["code"], "forbidden");
        }
        let reply = send(&app, "GET", path, None, None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
    }

    // Bad parameters are a Japanese 422 naming the field, never a 500.
    for query in [
        "months=0",
        "months=25",
        "months=abc",
        "months=-3",
        "months=1e3",
    ] {
        let reply = send(
            &app,
            "GET",
            &format!("/api/me/tickets?{query}"),
            Some(&me),
            None,
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            reply.text
        );
        assert_eq!(reply.json["fields"][0]["field"], "表示する月数");
    }
    for query in ["page=0", "page=x", "page=%FF"] {
        let reply = send(
            &app,
            "GET",
            &format!("/api/me/access-log?{query}"),
            Some(&me),
            None,
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            reply.text
        );
        assert_eq!(reply.json["fields"][0]["field"], "ページ");
    }

    // The Osaka recipient sees their own tickets, and none of mine.
    let them = card_session(&f, &app, OSAKA, "0000018").await;
    let reply = send(&app, "GET", "/api/me/tickets?months=3", Some(&them), None).await;
    assert_eq!(
        reply.json["months"][0]["tickets"][0]["institution_name"],
        "なにわ北クリニック"
    );
    assert_eq!(
        reply.json["months"][0]["tickets"][0]["institution_phone"],
        "06-1111-2222"
    );
    assert!(!reply.text.contains("テスト内科") && !reply.text.contains("T-1"));

    // Every read was audited as the recipient's own portal use.
    let (reads,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE recipient_id = $1 AND actor_role = 'recipient' AND action LIKE 'portal.%'",
    )
    .bind(tokyo)
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    assert!(reads >= 10, "portal reads audited: {reads}");
}

#[tokio::test]
async fn the_access_log_names_the_clinic_that_verified_and_the_office_that_read() {
    let f = fixture().await;
    let app = f.app();
    let tokyo = recipient_id(&f, TOKYO, "1234566").await;
    let me = card_session(&f, &app, TOKYO, "1234566").await;

    // The office opens its home, which lists the recipient.
    let cw = login(&app, "tokyo-cw").await;
    assert_eq!(
        send(&app, "GET", "/api/office/home", Some(&cw), None)
            .await
            .status,
        StatusCode::OK
    );
    // Another office's read of its own people is not in this log.
    let osaka_cw = login(&app, "osaka-cw").await;
    send(&app, "GET", "/api/office/home", Some(&osaka_cw), None).await;
    // A clinic verifies by number (a second, later access).
    let clinic = login(&app, "clinic").await;
    let body = serde_json::json!({
        "client_id": "portal-test-1",
        "office_number": TOKYO,
        "recipient_number": "1234566",
        "birth_date": "1960-04-01",
    })
    .to_string();
    let verified = send(
        &app,
        "POST",
        "/api/verify/number",
        Some(&clinic),
        Some(&body),
    )
    .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
    // A verification that came in the national 実績ログ (import): no audit row of its own.
    exec(
        &f,
        &format!(
            "INSERT INTO verifications (client_id, verified_at, verified_date, institution_code, office_number, recipient_number, \
             reference_class, validity, offline, source) VALUES ('import:1', '2020-02-03T01:30:00.000000Z', '2020-02-03', \
             '{PHARMACY}', '{TOKYO}', '1234566', 2, 1, 0, 'import')"
        ),
    )
    .await;

    let log = send(&app, "GET", "/api/me/access-log", Some(&me), None).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    let entries = log.json["entries"].as_array().unwrap();
    let summary: Vec<(String, String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_string(),
                e["actor_name"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "institution".into(),
                "テスト内科".into(),
                "verification".into()
            ),
            (
                "office".into(),
                "テスト区福祉事務所".into(),
                "recipient.list".into()
            ),
            (
                "system".into(),
                "システム運用者".into(),
                "card.issue".into()
            ),
            (
                "institution".into(),
                "テスト薬局".into(),
                "verification".into()
            ),
        ],
        "{}",
        log.text
    );
    assert_eq!(
        entries[0]["what"],
        "資格確認（医療扶助を受けられるかの確認）"
    );
    assert_eq!(entries[0]["detail"], verified.json["validity_label"]);
    assert_eq!(entries[1]["what"], "受給者一覧での表示");
    // The imported one: JST date and time, and its verdict and route in words.
    assert_eq!(entries[2]["what"], "マイナンバーカード（練習用）の発行");
    assert_eq!(entries[3]["date"], "2020-02-03");
    assert_eq!(entries[3]["time"], "10:30");
    assert_eq!(entries[3]["detail"], "有効（番号入力）");
    assert_eq!(log.json["include_own"], false);
    assert_eq!(log.json["total"], 4);

    // With own=1 the recipient's sign-in and portal reads appear, labelled ご本人.
    let own = send(&app, "GET", "/api/me/access-log?own=1", Some(&me), None).await;
    let own_entries = own.json["entries"].as_array().unwrap();
    assert!(own_entries.len() > 4);
    let mine: Vec<&serde_json::Value> = own_entries
        .iter()
        .filter(|e| e["actor"] == "own_self")
        .collect();
    assert!(mine.iter().all(|e| e["actor_name"] == "ご本人"));
    assert!(mine.iter().any(|e| e["action"] == "session.login"));
    assert!(mine.iter().any(|e| e["action"] == "portal.access_log"));
    let times: Vec<&str> = own_entries
        .iter()
        .map(|e| e["at"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");

    // Paging: 30 a page.
    for k in 0..40 {
        server::audit::record_as(
            &f.db,
            "caseworker",
            "tokyo-cw",
            "テスト区福祉事務所",
            "recipient.read",
            Some(tokyo),
            &format!("{k}"),
        )
        .await
        .unwrap();
    }
    let first = send(&app, "GET", "/api/me/access-log?page=1", Some(&me), None).await;
    let second = send(&app, "GET", "/api/me/access-log?page=2", Some(&me), None).await;
    assert_eq!(first.json["pages"], 2);
    assert_eq!(first.json["entries"].as_array().unwrap().len(), 30);
    assert_eq!(second.json["entries"].as_array().unwrap().len(), 14);
    assert_eq!(first.json["entries"][0]["detail"], "39");
    assert_eq!(
        first.json["entries"][0]["what"],
        "登録情報（氏名・住所など）の表示"
    );
    let beyond = send(&app, "GET", "/api/me/access-log?page=9", Some(&me), None).await;
    assert_eq!(beyond.status, StatusCode::OK);
    assert_eq!(beyond.json["entries"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_restricted_recipient_sees_the_restriction_explained_and_their_address_shown_to_no_one() {
    let f = fixture().await;
    let app = f.app();
    exec(&f, "UPDATE recipients SET restricted = 1, postal_code = '105-0011', address = '東京都テスト区秘密町1-2-3' WHERE recipient_number = '1234566'").await;
    exec(&f, "UPDATE recipients SET postal_code = '530-0001', address = '大阪府テスト市公開町4-5-6' WHERE recipient_number = '0000018'").await;
    let me = card_session(&f, &app, TOKYO, "1234566").await;

    let profile = send(&app, "GET", "/api/me/profile", Some(&me), None).await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.text);
    assert_eq!(profile.json["restriction"]["restricted"], true);
    assert_eq!(
        profile.json["restriction"]["summary"],
        "あなたの情報には閲覧制限がかかっています。"
    );
    let effects = profile.json["restriction"]["effects"].as_array().unwrap();
    assert!(effects
        .iter()
        .any(|e| e.as_str().unwrap().contains("住所や連絡先は表示されません")));
    assert!(effects
        .iter()
        .any(|e| e.as_str().unwrap().contains("提供記録")));
    assert!(profile.json["address"].is_null());
    assert!(!profile.text.contains("秘密町"));

    // Unrestricted: the address is shown, and the screen says how to ask for a restriction.
    let them = card_session(&f, &app, OSAKA, "0000018").await;
    let theirs = send(&app, "GET", "/api/me/profile", Some(&them), None).await;
    assert_eq!(theirs.json["restriction"]["restricted"], false);
    assert_eq!(
        theirs.json["address"],
        "〒530-0001 大阪府テスト市公開町4-5-6"
    );
    assert!(theirs.json["restriction"]["effects"][0]
        .as_str()
        .unwrap()
        .contains("福祉事務所に相談"));

    // A clinic verifying the restricted recipient sees no address, and the access is logged.
    let clinic = login(&app, "clinic").await;
    let body = serde_json::json!({
        "client_id": "portal-restricted-1",
        "office_number": TOKYO,
        "recipient_number": "1234566",
        "birth_date": "1960-04-01",
    })
    .to_string();
    let verified = send(
        &app,
        "POST",
        "/api/verify/number",
        Some(&clinic),
        Some(&body),
    )
    .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
    assert!(!verified.text.contains("秘密町") && !verified.text.contains("105-0011"));
    // 閲覧制限: the 提供記録 says an institution looked, not which one.
    let log = send(&app, "GET", "/api/me/access-log", Some(&me), None).await;
    assert_eq!(log.json["entries"][0]["actor_name"], "医療機関・薬局");

    // 薬剤情報・健診: nothing registered for this recipient, and the page says so.
    let health = send(&app, "GET", "/api/me/health", Some(&me), None).await;
    assert_eq!(health.status, StatusCode::OK, "{}", health.text);
    assert_eq!(health.json["medications"], serde_json::json!([]));
    assert_eq!(health.json["checkups"], serde_json::json!([]));
    assert!(health.json["note"].as_str().unwrap().contains("まだ"));
}

/// Every portal answer of `me` (home, tickets, 薬剤・健診, 提供記録 with the recipient's own
/// use included) as one text.
async fn portal_answers(app: &axum::Router, me: &str) -> Vec<(String, serde_json::Value, String)> {
    let mut out = Vec::new();
    for path in [
        "/api/me/home",
        "/api/me/tickets",
        "/api/me/health",
        "/api/me/access-log",
    ] {
        let reply = send(app, "GET", path, Some(me), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        out.push((path.to_string(), reply.json, reply.text));
    }
    out
}

#[tokio::test]
async fn under_restriction_the_portal_names_no_institution_and_says_why() {
    let f = fixture().await;
    let app = f.app();
    let id = recipient_id(&f, TOKYO, "1234566").await;
    exec(&f, "UPDATE institutions SET address = '東京都テスト区診療所通り7-8', phone = '03-7777-8888' WHERE code = '1311234569'").await;
    exec(
        &f,
        "UPDATE institutions SET address = '東京都テスト区薬局坂9-9' WHERE code = '1341234563'",
    )
    .await;
    ticket(&f, TOKYO, id, CLINIC, &month(0), "R-1", "active").await;
    // 薬剤情報 dispensed by the pharmacy, a 健診 at a named provider.
    exec(&f, "INSERT INTO receipt_imports (id, file_sha256, institution_code, institution_name, billing_month, receipts, drugs, imported_at, imported_by) \
              VALUES (90, 'x', '1341234563', 'テスト薬局', '2026-01', 1, 1, '2026-01-01T00:00:00Z', 'test')").await;
    exec(&f, &format!("INSERT INTO dispensed_drugs (import_id, recipient_id, office_number, institution_code, treatment_month, receipt_kind, receipt_number, line, category, drug_code, quantity, times, supply_days, days_of_month) \
              VALUES (90, {id}, '{TOKYO}', '1341234563', '{}', '1', '1', 1, '21', '620000001', '1', 7, 7, '3')", month(1))).await;
    exec(&f, &format!("INSERT INTO checkups (recipient_id, office_number, examined_on, fiscal_year, report_kind, program, provider_number, provider_name, source, imported_at, imported_by) \
              VALUES ({id}, '{TOKYO}', '2025-06-01', 2025, '1', '010', '1310000001', '秘密健診センター', 'seed', '2026-01-01T00:00:00Z', 'test')")).await;
    // Someone else's action whose recorded detail names the institution, and a clinic's verification.
    exec(&f, &format!("INSERT INTO audit_log (at, actor_role, actor_id, actor_label, action, recipient_id, detail) \
              VALUES ('2026-01-02T00:00:00.000000Z', 'caseworker', 'cw1', 'テスト福祉事務所', 'ticket.create', {id}, '交付: 医療券 R-1 テスト内科')")).await;
    let clinic = login(&app, "clinic").await;
    let body = serde_json::json!({
        "client_id": "portal-restricted-names-1",
        "office_number": TOKYO,
        "recipient_number": "1234566",
        "birth_date": "1960-04-01",
    })
    .to_string();
    let verified = send(
        &app,
        "POST",
        "/api/verify/number",
        Some(&clinic),
        Some(&body),
    )
    .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
    let me = card_session(&f, &app, TOKYO, "1234566").await;
    const NAMES: [&str; 7] = [
        "テスト内科",
        "テスト薬局",
        "秘密健診センター",
        "診療所通り",
        "薬局坂",
        "03-7777-8888",
        CLINIC,
    ];

    // Not restricted: each place names the institution.
    let open = portal_answers(&app, &me).await;
    for (path, json, text) in &open {
        assert_eq!(json["restricted"], false, "{path}");
        let named = match path.as_str() {
            "/api/me/health" => text.contains("テスト薬局") && text.contains("秘密健診センター"),
            _ => text.contains("テスト内科"),
        };
        assert!(
            named,
            "{path} names the institution when not restricted: {text}"
        );
    }
    let tickets = &open[1].1["months"][0]["tickets"][0];
    assert_eq!(
        tickets["institution_address"],
        "東京都テスト区診療所通り7-8"
    );

    // 閲覧制限: no name, code, phone or address anywhere; the answers say it is restricted.
    exec(
        &f,
        "UPDATE recipients SET restricted = 1 WHERE recipient_number = '1234566'",
    )
    .await;
    let closed = portal_answers(&app, &me).await;
    for (path, json, text) in &closed {
        assert_eq!(json["restricted"], true, "{path}");
        for name in NAMES {
            assert!(
                !text.contains(name),
                "{path} shows {name} under 閲覧制限: {text}"
            );
        }
    }
    let ticket = &closed[1].1["months"][0]["tickets"][0];
    assert_eq!(ticket["institution_name"], "閲覧制限中のため表示しません");
    assert!(ticket["institution_address"].is_null() && ticket["institution_phone"].is_null());
    assert_eq!(
        closed[0].1["tickets_this_month"][0]["institution_name"],
        "閲覧制限中のため表示しません"
    );
    // The medicine and the 健診 stay, without their places.
    let health = &closed[2].1;
    assert_eq!(health["medications"].as_array().unwrap().len(), 1);
    assert_eq!(
        health["medications"][0]["dispenser_name"],
        "閲覧制限中のため表示しません"
    );
    assert_eq!(health["checkups"].as_array().unwrap().len(), 1);
    assert!(health["checkups"][0]["institution_name"].is_null());
    // 提供記録: the clinic is 「医療機関・薬局」, the office is still named.
    let entries = closed[3].1["entries"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "verification" && e["actor_name"] == "医療機関・薬局"),
        "{entries:?}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "ticket.create" && e["actor_name"] == "テスト福祉事務所"),
        "{entries:?}"
    );
}

#[tokio::test]
async fn tickets_say_when_coverage_has_ended() {
    let f = fixture().await;
    let app = f.app();
    exec(
        &f,
        "UPDATE recipients SET qualified_until = '2021-03-31' WHERE recipient_number = '1234566'",
    )
    .await;
    adopt_pairs(&f).await;
    let me = card_session(&f, &app, TOKYO, "1234566").await;
    let reply = send(&app, "GET", "/api/me/tickets", Some(&me), None).await;
    assert_eq!(reply.json["status"], "ended");
    assert!(reply.json["months"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["tickets"] == serde_json::json!([])));
    let profile = send(&app, "GET", "/api/me/profile", Some(&me), None).await;
    assert_eq!(profile.json["status"], "ended");
    assert!(profile.json["status_text"]
        .as_str()
        .unwrap()
        .contains("終わっています"));
}

/// Issue 12: a 一括照会 read is one audit row naming the set of recipients it listed. It is in
/// the 提供記録 of exactly those recipients: one listed only by a later read sees that read
/// only; reads of an unchanged roster share their set.
#[tokio::test]
async fn a_roster_read_is_in_the_access_log_of_exactly_the_recipients_it_listed() {
    let f = fixture().await;
    let app = f.app();
    let tokyo = recipient_id(&f, TOKYO, "1234566").await;
    let osaka = recipient_id(&f, OSAKA, "0000018").await;
    ticket(&f, TOKYO, tokyo, CLINIC, &month(0), "2099-S0001", "active").await;
    let clinic = login(&app, "clinic").await;
    let read = |app: &axum::Router| {
        let app = app.clone();
        let clinic = clinic.clone();
        async move {
            let reply = send(&app, "GET", "/api/verify/roster", Some(&clinic), None).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            reply.json["recipients"].as_array().unwrap().len()
        }
    };
    assert_eq!(read(&app).await, 1);
    assert_eq!(read(&app).await, 1);
    // A ticket for a recipient of another office naming the same clinic: the next read lists both.
    ticket(&f, OSAKA, osaka, CLINIC, &month(0), "2099-S0002", "active").await;
    assert_eq!(read(&app).await, 2);

    let roster_lines = |office: &'static str, number: &'static str| {
        let app = app.clone();
        let f = &f;
        async move {
            let me = card_session(f, &app, office, number).await;
            let log = send(&app, "GET", "/api/me/access-log", Some(&me), None).await;
            assert_eq!(log.status, StatusCode::OK, "{}", log.text);
            log.json["entries"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["action"] == "roster")
                .map(|e| e["detail"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    let tokyo_lines = roster_lines(TOKYO, "1234566").await;
    assert_eq!(tokyo_lines.len(), 1, "{tokyo_lines:?}");
    assert!(tokyo_lines[0].contains("3回"), "{tokyo_lines:?}");
    let osaka_lines = roster_lines(OSAKA, "0000018").await;
    assert_eq!(osaka_lines.len(), 1, "{osaka_lines:?}");
    // One read: no count.
    assert_eq!(osaka_lines[0], "一括照会", "{osaka_lines:?}");

    // Three reads, two sets: the unchanged roster's second read wrote one row.
    let count = |sql: &'static str| {
        let pool = f.db.pool.clone();
        async move {
            let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await.unwrap();
            n
        }
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM audit_log WHERE action = 'roster'").await,
        3
    );
    assert_eq!(count("SELECT COUNT(*) FROM roster_sets").await, 2);
    assert_eq!(count("SELECT COUNT(*) FROM roster_set_members").await, 3);
}

/// Issue 14 item 3: the clinic's desk refreshes its 一括照会 roster in the background; each
/// read stays in the audit log, but the recipient's 提供記録 shows one line per institution
/// and month (「テスト内科が今月の医療券・調剤券を確認しました」), and each real verification
/// as its own line.
#[tokio::test]
async fn roster_reads_are_one_line_per_institution_and_month_and_every_read_stays_audited() {
    let f = fixture().await;
    let app = f.app();
    let tokyo = recipient_id(&f, TOKYO, "1234566").await;
    ticket(&f, TOKYO, tokyo, CLINIC, &month(0), "2099-R0001", "active").await;
    ticket(&f, TOKYO, tokyo, CLINIC, &month(1), "2099-R0002", "active").await;
    let me = card_session(&f, &app, TOKYO, "1234566").await;

    let clinic = login(&app, "clinic").await;
    for path in [
        "/api/verify/roster".to_string(),
        "/api/verify/roster".to_string(),
        "/api/verify/roster".to_string(),
        "/api/verify/roster".to_string(),
        "/api/verify/roster.csv".to_string(),
        format!("/api/verify/roster?month={}", month(1)),
    ] {
        let read = send(&app, "GET", &path, Some(&clinic), None).await;
        assert_eq!(read.status, StatusCode::OK, "{path}: {}", read.text);
    }
    let body = serde_json::json!({
        "client_id": "portal-roster-1",
        "office_number": TOKYO,
        "recipient_number": "1234566",
        "birth_date": "1960-04-01",
    })
    .to_string();
    let verified = send(
        &app,
        "POST",
        "/api/verify/number",
        Some(&clinic),
        Some(&body),
    )
    .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text);
    let read = send(&app, "GET", "/api/verify/roster", Some(&clinic), None).await;
    assert_eq!(read.status, StatusCode::OK);

    let log = send(&app, "GET", "/api/me/access-log", Some(&me), None).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    let entries = log.json["entries"].as_array().unwrap();
    let roster: Vec<&serde_json::Value> =
        entries.iter().filter(|e| e["action"] == "roster").collect();
    assert_eq!(roster.len(), 2, "{}", log.text);
    assert_eq!(
        roster[0]["what"],
        "テスト内科が今月の医療券・調剤券を確認しました"
    );
    assert_eq!(roster[0]["actor_name"], "テスト内科");
    assert!(
        roster[0]["detail"].as_str().unwrap().contains("6回"),
        "{}",
        roster[0]
    );
    let last_month = roster[1]["what"].as_str().unwrap();
    assert!(
        last_month.starts_with("テスト内科が")
            && last_month.ends_with("月分の医療券・調剤券を確認しました"),
        "{last_month}"
    );
    // The latest read dates the month's line; the verification is its own line.
    let verifications: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| e["action"] == "verification")
        .collect();
    assert_eq!(verifications.len(), 1, "{}", log.text);
    assert_eq!(
        verifications[0]["what"],
        "資格確認（医療扶助を受けられるかの確認）"
    );
    assert_eq!(log.json["total"].as_u64().unwrap(), entries.len() as u64);

    // Every read is still in the audit log for the office and the operator.
    let (reads,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log a JOIN roster_set_members m ON m.set_id = a.roster_set_id \
         WHERE m.recipient_id = $1 AND a.action = 'roster'",
    )
    .bind(tokyo)
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    assert_eq!(reads, 7);
}
