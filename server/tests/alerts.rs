//! The office's alerts (issue 13 item 1) on the demo data: what each day's feed build derives
//! (未委託受診 of the day, the month-to-date 頻回受診 rule), that a rebuilt day neither
//! duplicates nor reopens an alert, handling with who, when and what, the scope (another
//! office's alert is 404) and the audit log. SQLite, or PostgreSQL when the tests get one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Command, Stdio};

use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate, Weekday};

use common::{send, Fixture, TOKYO};
use domain::alerts::AlertKind;
use domain::api::{AlertAction, AlertList, OfficeAlert};
use domain::numbers::RecipientNumber;

/// The demo is seeded as of this day: its feed of 2026-11-23 is built, and alerts since
/// 2026-10-01.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}
const YESTERDAY: &str = "2026-11-23";

async fn demo() -> Fixture {
    let f = common::empty().await;
    server::seed::demo(&f.db, &f.keys, f.dir.path(), today())
        .await
        .unwrap();
    f
}

/// 受給者番号 of the k-th demo recipient of the Tokyo office.
fn tokyo(k: u32) -> String {
    RecipientNumber::from_body(&format!("{:06}", 100_001 + k))
        .unwrap()
        .as_str()
        .to_string()
}

/// The seed's 未委託 institution: the first Tokyo 医科 that is not the recipient's clinic
/// (every Tokyo 医科 but the first is "other" for the recipients whose clinic is the first).
async fn unentrusted_institution(f: &Fixture, recipient: &str) -> String {
    let (clinic,): (String,) = sqlx::query_as(
        "SELECT t.institution_code FROM tickets t JOIN recipients r ON r.id = t.recipient_id \
         WHERE r.office_number = $1 AND r.recipient_number = $2 AND t.treatment_month = '2026-10' \
         AND t.treatment_type = '02' AND t.retroactive_reason IS NULL",
    )
    .bind(TOKYO)
    .bind(recipient)
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    server::seed::demo_institutions()
        .unwrap()
        .into_iter()
        .find(|i| i.prefecture == 13 && i.score_table == 1 && i.code != clinic)
        .unwrap()
        .code
}

async fn login(f: &Fixture, login: &str) -> String {
    let body = serde_json::json!({"login": login, "password": server::seed::DEMO_PASSWORD});
    let reply = send(
        &f.app(),
        "POST",
        "/api/login",
        None,
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "login {login}: {}",
        reply.text
    );
    reply.cookie.unwrap()
}

async fn alerts(f: &Fixture, cookie: &str) -> AlertList {
    let reply = send(&f.app(), "GET", "/api/office/alerts", Some(cookie), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    serde_json::from_str(&reply.text).unwrap()
}

async fn count(f: &Fixture) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM office_alerts")
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    n
}

async fn handle(f: &Fixture, cookie: &str, id: i64, body: &str) -> common::Reply {
    send(
        &f.app(),
        "POST",
        &format!("/api/office/alerts/{id}/handle"),
        Some(cookie),
        Some(body),
    )
    .await
}

fn find(list: &[OfficeAlert], kind: AlertKind, number: &str) -> Option<OfficeAlert> {
    list.iter()
        .find(|a| a.kind == kind && a.recipient_number == number)
        .cloned()
}

/// The seed's clinic days: every day but Sunday; the first `n` of them in October 2026.
fn first_open_days(n: usize) -> Vec<String> {
    NaiveDate::from_ymd_opt(2026, 10, 1)
        .unwrap()
        .iter_days()
        .filter(|d| d.weekday() != Weekday::Sun)
        .take(n)
        .map(|d| d.to_string())
        .collect()
}

#[tokio::test]
async fn the_feed_raises_yesterdays_unentrusted_visit_and_the_months_visit_rule() {
    let f = demo().await;
    let cookie = login(&f, "tokyo-cw").await;
    let list = alerts(&f, &cookie).await;
    assert!(list.handled.is_empty());
    assert!(
        list.open
            .iter()
            .all(|a| a.recipient_number.starts_with("10")),
        "only Tokyo's recipients"
    );

    // 未委託: recipient 5 at another clinic yesterday evening (and on 10 and 17 October).
    let number = tokyo(5);
    let other = unentrusted_institution(&f, &number).await;
    let yesterday = list
        .open
        .iter()
        .find(|a| a.kind == AlertKind::Unentrusted && a.first_date == YESTERDAY)
        .expect("yesterday's 未委託 alert");
    assert_eq!(yesterday.recipient_number, number);
    assert_eq!(yesterday.institution_code, other);
    assert!(!yesterday.institution_name.is_empty());
    assert_eq!(yesterday.dates, vec![YESTERDAY.to_string()]);
    assert_eq!(yesterday.caseworker_login.as_deref(), Some("tokyo-cw"));
    assert_eq!(yesterday.caseworker_name.as_deref(), Some("山川 太郎"));
    assert!(yesterday.mine, "the caller's own recipient");
    assert!(list.open.iter().any(|a| a.kind == AlertKind::Unentrusted
        && a.recipient_number == number
        && a.dates == ["2026-10-10"]));
    // Recipient 6's first October visit was covered by a 事後委託 ticket: no alert for it.
    assert!(!list
        .open
        .iter()
        .any(|a| a.recipient_number == tokyo(6) && a.dates == ["2026-10-10"]));

    // 頻回受診: recipients 0–2 reached 15 days in October (40 over three months by the 20th):
    // one alert each for the month, with every October visit day.
    for k in 0..3 {
        let alert = find(&list.open, AlertKind::FrequentVisits, &tokyo(k)).expect("頻回受診");
        assert_eq!(alert.month, "2026-10");
        assert_eq!(alert.days_in_month, 20);
        assert_eq!(alert.days_in_three_months, Some(40));
        assert_eq!(alert.dates, first_open_days(20));
        // Found on the 20th visit day (the three-month total reached 40 then).
        assert_eq!(alert.first_date, first_open_days(20)[19]);
    }
    // 短期集中 (recipient 3) is not a 頻回受診候補: no alert.
    assert!(find(&list.open, AlertKind::FrequentVisits, &tokyo(3)).is_none());
    // November: 10 days so far, under the rule.
    assert!(!list
        .open
        .iter()
        .any(|a| a.month == "2026-11" && a.kind == AlertKind::FrequentVisits));

    // The read is a read of every recipient listed.
    let (audited,): (i64,) = sqlx::query_as(
        "SELECT COUNT(DISTINCT recipient_id) FROM audit_log WHERE action = 'alert.list' AND actor_id = 'tokyo-cw'",
    )
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    let mut ids: Vec<i64> = list.open.iter().map(|a| a.recipient_id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(audited, ids.len() as i64);
}

#[tokio::test]
async fn a_rebuilt_day_adds_no_alert_and_reopens_none() {
    let f = demo().await;
    let cookie = login(&f, "tokyo-cw").await;
    let before = count(&f).await;
    let list = alerts(&f, &cookie).await;
    let alert = list
        .open
        .iter()
        .find(|a| a.kind == AlertKind::Unentrusted && a.first_date == YESTERDAY)
        .unwrap()
        .clone();
    let handled = handle(&f, &cookie, alert.id, r#"{"action": "retroactive_ticket"}"#).await;
    assert_eq!(handled.status, StatusCode::OK, "{}", handled.text);

    // The scheduler's morning build again, and the whole seed history again.
    let date = NaiveDate::parse_from_str(YESTERDAY, "%Y-%m-%d").unwrap();
    server::feed::build(&f.db, date).await.unwrap();
    let found = server::alerts::backfill(
        &f.db,
        date.with_day(1).unwrap() - chrono::Months::new(1),
        date,
    )
    .await
    .unwrap();
    assert_eq!(count(&f).await, before, "no alert twice");
    assert_eq!(
        found as i64, before,
        "the seed's history is every alert there is"
    );
    let after = alerts(&f, &cookie).await;
    assert!(after.open.iter().all(|a| a.id != alert.id), "still handled");
    let kept = after.handled.iter().find(|a| a.id == alert.id).unwrap();
    assert_eq!(
        kept.handled.as_ref().unwrap().action,
        AlertAction::RetroactiveTicket
    );
    assert_eq!(after.open.len() + 1, list.open.len());
}

#[tokio::test]
async fn onshi_daily_feed_raises_a_late_unentrusted_visit() {
    let f = demo().await;
    let number = tokyo(4);
    let other = unentrusted_institution(&f, &number).await;
    sqlx::query(
        "INSERT INTO verifications (client_id, verified_at, verified_date, institution_code, office_number, recipient_number, reference_class, validity, offline, source) \
         VALUES ('late-alert', '2026-11-20T12:00:00.000000Z', '2026-11-20', $1, $2, $3, 2, 6, 1, 'offline')",
    )
    .bind(&other)
    .bind(TOKYO)
    .bind(&number)
    .execute(&f.db.pool)
    .await
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onshi"));
    cmd.arg("--data")
        .arg(f.dir.path())
        .args(["daily-feed", "--date", "2026-11-20"]);
    cmd.env_remove("DATABASE_URL");
    if let Some(url) = &f.database_url {
        cmd.env("DATABASE_URL", url);
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cookie = login(&f, "tokyo-sv").await;
    let list = alerts(&f, &cookie).await;
    let late = list
        .open
        .iter()
        .find(|a| a.first_date == "2026-11-20")
        .expect("the late visit's alert");
    assert_eq!(
        (
            late.kind,
            late.recipient_number.as_str(),
            late.institution_code.as_str()
        ),
        (AlertKind::Unentrusted, number.as_str(), other.as_str())
    );
}

#[tokio::test]
async fn handling_records_who_when_and_what_once() {
    let f = demo().await;
    let cookie = login(&f, "tokyo-cw").await;
    let list = alerts(&f, &cookie).await;
    let frequent = find(&list.open, AlertKind::FrequentVisits, &tokyo(0)).unwrap();

    // 対象外 needs its reason; a bad action is refused; nothing is written.
    let reply = handle(&f, &cookie, frequent.id, r#"{"action": "not_applicable"}"#).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert!(reply.text.contains("メモ"), "{}", reply.text);
    let reply = handle(&f, &cookie, frequent.id, r#"{"action": "shout"}"#).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text
    );
    assert_eq!(alerts(&f, &cookie).await.open.len(), list.open.len());

    let reply = handle(
        &f,
        &cookie,
        frequent.id,
        r#"{"action": "attending_doctor", "note": "主治医に通院頻度を確認"}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let saved: OfficeAlert = serde_json::from_str(&reply.text).unwrap();
    let done = saved.handled.unwrap();
    assert_eq!(done.action, AlertAction::AttendingDoctor);
    assert_eq!(done.handled_by, "山川 太郎");
    assert_eq!(done.note, "主治医に通院頻度を確認");
    assert!(chrono::DateTime::parse_from_rfc3339(&done.handled_at).is_ok());

    // It moved to the history, seen by the supervisor too.
    let sv = login(&f, "tokyo-sv").await;
    let after = alerts(&f, &sv).await;
    assert!(
        after.open.iter().all(|a| !a.mine),
        "the supervisor has no caseload"
    );
    assert!(after.open.iter().all(|a| a.id != frequent.id));
    assert_eq!(after.handled[0].id, frequent.id);
    assert_eq!(
        after.handled[0].handled.as_ref().unwrap().handled_by,
        "山川 太郎"
    );

    // The follow-up is on the screening's record of October's candidate.
    let followups: Vec<(String, Option<String>, Option<String>, String)> =
        sqlx::query_as("SELECT month, institution_code, category, action FROM screening_followups")
            .fetch_all(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(
        followups,
        [(
            "2026-10".to_string(),
            Some(frequent.institution_code.clone()),
            Some("頻回受診候補".to_string()),
            "attending_doctor".to_string()
        )]
    );

    // Once only: the second mark is a conflict naming who did it.
    let again = handle(&f, &sv, frequent.id, r#"{"action": "guidance"}"#).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert!(again.text.contains("山川 太郎"), "{}", again.text);

    // The write is in the recipient's 提供記録.
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'alert.handle' AND recipient_id = $1",
    )
    .bind(frequent.recipient_id)
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn another_offices_alert_is_not_found() {
    let f = demo().await;
    let tokyo_cw = login(&f, "tokyo-cw").await;
    let osaka_cw = login(&f, "osaka-cw").await;
    let tokyo_alerts = alerts(&f, &tokyo_cw).await;
    let osaka_alerts = alerts(&f, &osaka_cw).await;
    assert!(
        !osaka_alerts.open.is_empty(),
        "the Osaka office has its own"
    );
    assert!(osaka_alerts
        .open
        .iter()
        .all(|a| a.recipient_number.starts_with("15")));
    let theirs = tokyo_alerts.open[0].id;
    let body = r#"{"action": "guidance"}"#;
    let across = handle(&f, &osaka_cw, theirs, body).await;
    let missing = handle(&f, &osaka_cw, 987_654_321, body).await;
    assert_eq!(across.status, StatusCode::NOT_FOUND);
    assert_eq!((across.status, across.text), (missing.status, missing.text));
    let not_a_number = send(
        &f.app(),
        "POST",
        "/api/office/alerts/x/handle",
        Some(&osaka_cw),
        Some(body),
    )
    .await;
    assert_eq!(not_a_number.status, StatusCode::NOT_FOUND);
    // Still open for Tokyo.
    let again = alerts(&f, &tokyo_cw).await;
    assert!(again.open.iter().any(|a| a.id == theirs));
}

/// Issuing the 事後委託 ticket that covers a 未委託受診 settles its alert, by whoever issued
/// it and naming the 交付番号; a ticket at another institution, or one that leaves the day
/// out, settles nothing. (A 頻回受診 alert asks for a judgement and stays open.)
#[tokio::test]
async fn issuing_the_retroactive_ticket_settles_the_unentrusted_alert_it_covers() {
    let f = demo().await;
    let cookie = login(&f, "tokyo-cw").await;
    let list = alerts(&f, &cookie).await;
    let alert = list
        .open
        .iter()
        .find(|a| a.kind == AlertKind::Unentrusted && a.first_date == YESTERDAY)
        .expect("yesterday's 未委託 alert")
        .clone();
    let frequent_before = list
        .open
        .iter()
        .filter(|a| a.kind == AlertKind::FrequentVisits)
        .count();
    let issue = |institution: &str, from: &str, until: &str| {
        let body = serde_json::json!({
            "ticket_type": "01", "treatment_month": alert.month, "institution_code": institution,
            "valid_from": from, "valid_until": until,
            "treatment_type": "01", "injury_names": ["急性胃腸炎"], "self_pay_amount": "0",
            "single_or_combined": "01", "social_insurance": "02", "infection_law": "02",
            "elderly_care": "02", "prefectural_expense": "02",
            "retroactive_reason": "夜間の急病（救急外来）"
        });
        let path = format!("/api/office/recipients/{}/tickets", alert.recipient_id);
        let f = &f;
        let cookie = cookie.clone();
        async move {
            let reply = send(
                &f.app(),
                "POST",
                &path,
                Some(&cookie),
                Some(&body.to_string()),
            )
            .await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
            reply.json["ticket"]["issue_number"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let still_open = |list: &AlertList| list.open.iter().any(|a| a.id == alert.id);

    // Another institution of the same day, and the right one but ending the day before.
    let elsewhere = server::seed::demo_institutions()
        .unwrap()
        .into_iter()
        .find(|i| i.prefecture == 13 && i.score_table == 1 && i.code != alert.institution_code)
        .unwrap()
        .code;
    issue(&elsewhere, YESTERDAY, YESTERDAY).await;
    issue(&alert.institution_code, "2026-11-01", "2026-11-22").await;
    assert!(still_open(&alerts(&f, &cookie).await));

    // The 事後委託 ticket that covers the day settles it.
    let number = issue(&alert.institution_code, YESTERDAY, "2026-11-30").await;
    let after = alerts(&f, &cookie).await;
    assert!(!still_open(&after));
    let settled = after.handled.iter().find(|a| a.id == alert.id).unwrap();
    let done = settled.handled.as_ref().unwrap();
    assert_eq!(done.action, AlertAction::RetroactiveTicket);
    assert_eq!(done.handled_by, "山川 太郎");
    assert!(done.note.contains(&number), "{}", done.note);
    assert_eq!(
        after
            .open
            .iter()
            .filter(|a| a.kind == AlertKind::FrequentVisits)
            .count(),
        frequent_before
    );
    let (audited,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'alert.handle' AND recipient_id = $1 AND actor_id = 'tokyo-cw'",
    )
    .bind(alert.recipient_id)
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}

/// A day's build reads only the recipients verified that day, for every office at once: on
/// each day of the demo's October and November that gives what screening each office's
/// months (`screening::load`) and keeping those recipients gives. Recipient 7 is added 12
/// days in August, 13 in September and October 1–15 at a clinic: the rule is met on the 15th
/// exactly (15 days, 40 over three months).
#[tokio::test]
async fn a_days_alerts_read_at_once_are_each_offices_own() {
    let f = demo().await;
    let clinic = server::seed::demo_institutions()
        .unwrap()
        .into_iter()
        .rfind(|i| i.prefecture == 13 && i.score_table == 1)
        .unwrap()
        .code;
    let number = tokyo(7);
    for (month, days) in [(8, 12), (9, 13), (10, 15)] {
        for day in 1..=days {
            let date = NaiveDate::from_ymd_opt(2026, month, day).unwrap();
            sqlx::query(
                "INSERT INTO verifications (client_id, verified_at, verified_date, institution_code, office_number, recipient_number, reference_class, validity, offline, source) \
                 VALUES ($1, $2, $3, $4, $5, $6, 2, 1, 0, 'online')",
            )
            .bind(format!("boundary-{date}"))
            .bind(format!("{date}T03:00:00.000000Z"))
            .bind(date.to_string())
            .bind(&clinic)
            .bind(TOKYO)
            .bind(&number)
            .execute(&f.db.pool)
            .await
            .unwrap();
        }
    }
    let mut offices: Vec<String> = server::store::offices::numbers(&f.db)
        .await
        .unwrap()
        .into_iter()
        .collect();
    offices.sort();
    let mut found = 0;
    let first = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    for date in first
        .iter_days()
        .take_while(|d| d.to_string().as_str() <= YESTERDAY)
    {
        let month = domain::screening::month_of(date);
        let mut expected = Vec::new();
        for office in &offices {
            let loaded = server::screening::load(&f.db, office, month).await.unwrap();
            let alerts: Vec<(i64, domain::alerts::AlertDraft)> =
                domain::alerts::derive_day(&loaded.input, date)
                    .into_iter()
                    .filter_map(|a| Some((*loaded.ids.get(&a.recipient_number)?, a)))
                    .collect();
            if !alerts.is_empty() {
                expected.push((office.clone(), alerts));
            }
        }
        let at_once: Vec<_> = server::alerts::derive_day(&f.db, date)
            .await
            .unwrap()
            .into_iter()
            .filter(|day| !day.alerts.is_empty())
            .map(|day| (day.office_number, day.alerts))
            .collect();
        assert_eq!(at_once, expected, "{date}");
        let reached = expected
            .iter()
            .flat_map(|(_, a)| a)
            .any(|(_, a)| a.kind == AlertKind::FrequentVisits && a.recipient_number == number);
        assert_eq!(reached, date.to_string() == "2026-10-15", "{date}");
        found += expected.iter().map(|(_, a)| a.len()).sum::<usize>();
    }
    assert!(found > 10, "the demo's days bring alerts: {found}");
}
