//! The verification path made fast (issue 12) without weakening it: the group commit of
//! verifications (`server::recorder`) stores every verification with its audit row and
//! keeps `client_id` the idempotency key, within a batch too; and a session ended by sign-out,
//! by `onshi user revoke-sessions` or a password change (through the database only, as that
//! command does from another process) or by expiry is refused on the very next request —
//! nothing about sessions may be kept in the server's memory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use chrono::Utc;
use common::*;
use serde_json::json;

use domain::codes::{QualificationValidity, ReferenceClass};
use domain::numbers::InstitutionCode;
use server::recorder::{Recorder, Verification};
use server::store::verifications::Source;

async fn count(f: &Fixture, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    n
}

async fn recipient_id(f: &Fixture, number: &str) -> i64 {
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM recipients WHERE recipient_number = $1")
        .bind(number)
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    id
}

async fn clinic_caller(f: &Fixture) -> server::auth::Caller {
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE login = 'clinic'")
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    server::auth::caller_for_user(&f.db, id)
        .await
        .unwrap()
        .unwrap()
}

fn verification(
    caller: &server::auth::Caller,
    client_id: &str,
    recipient: (&str, &str, i64),
) -> Verification {
    Verification {
        client_id: client_id.to_string(),
        verified_at: Utc::now(),
        institution: InstitutionCode::parse(CLINIC).unwrap(),
        office_number: recipient.0.to_string(),
        recipient_number: recipient.1.to_string(),
        reference_class: ReferenceClass::NumberEntry,
        validity: QualificationValidity::ValidUnregistered,
        source: Source::Online,
        caller: caller.clone(),
        audit: Some((recipient.2, format!("テスト {client_id}"))),
        consent: None,
    }
}

/// Verifications sent to the writer together — queued before it runs, so written in one
/// transaction — are each stored with its own audit row; a `client_id` repeated within them
/// is stored once (the first), whatever numbers the repeat names, and answered `None`.
#[tokio::test]
async fn verifications_written_together_are_each_stored_with_their_audit_row_once() {
    let f = fixture().await;
    let caller = clinic_caller(&f).await;
    let tokyo = (TOKYO, "1234566", recipient_id(&f, "1234566").await);
    let osaka = (OSAKA, "0000018", recipient_id(&f, "0000018").await);
    let recorder = Recorder::new(f.db.clone());
    let mut batch = Vec::new();
    for k in 0..20 {
        let who = if k % 2 == 0 { tokyo } else { osaka };
        batch.push(verification(&caller, &format!("batch-{k}"), who));
    }
    // Repeats within the batch: the same verification, and the same id for other numbers.
    batch.push(verification(&caller, "batch-3", osaka));
    batch.push(verification(&caller, "batch-4", osaka));
    let tasks: Vec<_> = batch
        .into_iter()
        .map(|v| {
            let recorder = recorder.clone();
            tokio::spawn(async move { recorder.record(v).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap().unwrap());
    }
    let ids: Vec<i64> = answers[..20]
        .iter()
        .map(|a| a.as_ref().unwrap().0)
        .collect();
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 20, "each verification its own id: {ids:?}");
    assert!(
        answers[20].is_none() && answers[21].is_none(),
        "{answers:?}"
    );
    assert_eq!(count(&f, "SELECT COUNT(*) FROM verifications").await, 20);
    // Each stored as sent: batch-4 (Tokyo) is not replaced by its repeat (Osaka).
    let (office,): (String,) =
        sqlx::query_as("SELECT office_number FROM verifications WHERE client_id = 'batch-4'")
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(office, TOKYO);
    for (k, id) in ids.iter().enumerate() {
        let (stored,): (String,) =
            sqlx::query_as("SELECT client_id FROM verifications WHERE id = $1")
                .bind(*id)
                .fetch_one(&f.db.pool)
                .await
                .unwrap();
        assert_eq!(
            stored,
            format!("batch-{k}"),
            "the id answered is that verification's"
        );
    }
    // One audit row per stored verification, for its recipient, by the clinic.
    let audit: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT recipient_id, actor_label, detail FROM audit_log WHERE action = 'verification' ORDER BY id",
    )
    .fetch_all(&f.db.pool)
    .await
    .unwrap();
    assert_eq!(audit.len(), 20, "{audit:?}");
    for k in 0..20 {
        let who = if k % 2 == 0 { tokyo.2 } else { osaka.2 };
        let row = (who, "テスト内科".to_string(), format!("テスト batch-{k}"));
        assert!(audit.contains(&row), "no audit row {row:?} in {audit:?}");
    }
    // Later, the stored id again: nothing written.
    let again = recorder
        .record(verification(&caller, "batch-0", tokyo))
        .await
        .unwrap();
    assert!(again.is_none());
    assert_eq!(count(&f, "SELECT COUNT(*) FROM verifications").await, 20);
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'verification'"
        )
        .await,
        20
    );
}

/// A verification the database refuses fails alone: sent with others at once (in one batch
/// when the writer takes them together, whose transaction then fails), every other one is
/// stored with its audit row and answered, and the refused one gets its error. The refusal
/// is a trigger made for the test (nothing a request can send makes a write fail).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verification_the_database_refuses_fails_alone() {
    let f = fixture().await;
    let refusal: &[&'static str] = if f.db.backend_label() == "SQLite" {
        &[
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON verifications \
           WHEN NEW.client_id = 'poison' BEGIN SELECT RAISE(ABORT, 'poison'); END",
        ]
    } else {
        &[
            "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN \
             IF NEW.client_id = 'poison' THEN RAISE EXCEPTION 'poison'; END IF; RETURN NEW; \
             END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON verifications \
             FOR EACH ROW EXECUTE FUNCTION refuse_poison()",
        ]
    };
    for sql in refusal {
        sqlx::query(*sql).execute(&f.db.pool).await.unwrap();
    }
    let caller = clinic_caller(&f).await;
    let tokyo = (TOKYO, "1234566", recipient_id(&f, "1234566").await);
    let recorder = Recorder::new(f.db.clone());
    let mut ids: Vec<String> = (0..12).map(|k| format!("fine-{k}")).collect();
    ids.insert(5, "poison".to_string());
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let recorder = recorder.clone();
            let v = verification(&caller, id, tokyo);
            tokio::spawn(async move { recorder.record(v).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    for (id, answer) in ids.iter().zip(&answers) {
        if id == "poison" {
            assert!(answer.is_err(), "{id}: {answer:?}");
        } else {
            assert!(
                matches!(answer, Ok(Some(_))),
                "{id} stored and answered: {answer:?}"
            );
        }
    }
    assert_eq!(
        verifications_and_audit_rows(&f, "verification").await,
        (12, 12)
    );
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM verifications WHERE client_id = 'poison'"
        )
        .await,
        0
    );
}

/// Many desks at once, each request sent twice at the same time (a retry racing the first):
/// every verification stored once, both answers name the same record, one of them
/// `already_stored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_verifications_and_their_retries_are_stored_once_each() {
    let f = fixture().await;
    let app = f.app();
    let clinic = login(&app, "clinic").await;
    let mut tasks = Vec::new();
    for k in 0..24 {
        let (office, number, birth) = if k % 2 == 0 {
            (TOKYO, "1234566", "1960-04-01")
        } else {
            (OSAKA, "0000018", "1970-05-05")
        };
        let body = json!({"client_id": format!("desk-{k}"), "office_number": office,
                          "recipient_number": number, "birth_date": birth})
        .to_string();
        for _ in 0..2 {
            let (app, clinic, body) = (app.clone(), clinic.clone(), body.clone());
            tasks.push(tokio::spawn(async move {
                send(
                    &app,
                    "POST",
                    "/api/verify/number",
                    Some(&clinic),
                    Some(&body),
                )
                .await
            }));
        }
    }
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.unwrap());
    }
    for pair in replies.chunks(2) {
        for r in pair {
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
        assert_eq!(
            pair[0].json["verification_id"], pair[1].json["verification_id"],
            "a retry answers the same record"
        );
        let stored: Vec<bool> = pair
            .iter()
            .map(|r| r.json["already_stored"].as_bool().unwrap())
            .collect();
        assert!(
            stored == [false, true] || stored == [true, false],
            "{stored:?}"
        );
        assert_eq!(pair[0].json["person"], pair[1].json["person"]);
    }
    assert_eq!(
        verifications_and_audit_rows(&f, "verification").await,
        (24, 24)
    );
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'verification.replay'"
        )
        .await,
        24
    );
}

fn number_body(client_id: &str) -> String {
    json!({"client_id": client_id, "office_number": TOKYO,
           "recipient_number": "1234566", "birth_date": "1960-04-01"})
    .to_string()
}

async fn verify_status(app: &axum::Router, cookie: &str, client_id: &str) -> StatusCode {
    send(
        app,
        "POST",
        "/api/verify/number",
        Some(cookie),
        Some(&number_body(client_id)),
    )
    .await
    .status
}

/// Sign-out: the very next request with that cookie is refused, and stores nothing.
#[tokio::test]
async fn a_signed_out_session_is_refused_on_the_next_request() {
    let f = fixture().await;
    let app = f.app();
    let clinic = login(&app, "clinic").await;
    let other_desk = login(&app, "clinic").await;
    assert_eq!(verify_status(&app, &clinic, "s-1").await, StatusCode::OK);
    let out = send(&app, "POST", "/api/logout", Some(&clinic), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(
        verify_status(&app, &clinic, "s-2").await,
        StatusCode::UNAUTHORIZED
    );
    // Another desk signed in to the same account goes on.
    assert_eq!(
        verify_status(&app, &other_desk, "s-3").await,
        StatusCode::OK
    );
    assert_eq!(count(&f, "SELECT COUNT(*) FROM verifications").await, 2);
}

/// `onshi user revoke-sessions` and `onshi user password` run in another process: they reach
/// the server only through the database, and still end its sessions at once.
#[tokio::test]
async fn sessions_ended_in_the_database_are_refused_on_the_next_request() {
    let f = fixture().await;
    let app = f.app();
    let desk_a = login(&app, "clinic").await;
    let desk_b = login(&app, "clinic").await;
    for (k, desk) in [&desk_a, &desk_b].into_iter().enumerate() {
        assert_eq!(
            verify_status(&app, desk, &format!("r-{k}")).await,
            StatusCode::OK
        );
    }
    assert_eq!(
        server::auth::end_sessions(&f.db, "clinic").await.unwrap(),
        Some(2)
    );
    for desk in [&desk_a, &desk_b] {
        assert_eq!(
            verify_status(&app, desk, "r-after").await,
            StatusCode::UNAUTHORIZED
        );
    }
    let desk_c = login(&app, "clinic").await;
    assert_eq!(verify_status(&app, &desk_c, "p-0").await, StatusCode::OK);
    server::auth::set_password(&f.db, "clinic", "a new password")
        .await
        .unwrap();
    assert_eq!(
        verify_status(&app, &desk_c, "p-1").await,
        StatusCode::UNAUTHORIZED
    );
    // A session past its time, and a removed account.
    let desk_d = {
        let body = json!({"login": "clinic", "password": "a new password"}).to_string();
        let reply = send(&app, "POST", "/api/login", None, Some(&body)).await;
        reply.cookie.unwrap()
    };
    assert_eq!(verify_status(&app, &desk_d, "e-0").await, StatusCode::OK);
    sqlx::query("UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000000Z'")
        .execute(&f.db.pool)
        .await
        .unwrap();
    assert_eq!(
        verify_status(&app, &desk_d, "e-1").await,
        StatusCode::UNAUTHORIZED
    );
    let desk_e = {
        let body = json!({"login": "clinic", "password": "a new password"}).to_string();
        send(&app, "POST", "/api/login", None, Some(&body))
            .await
            .cookie
            .unwrap()
    };
    assert_eq!(verify_status(&app, &desk_e, "d-0").await, StatusCode::OK);
    sqlx::query("UPDATE users SET institution_code = $1 WHERE login = 'clinic'")
        .bind(PHARMACY)
        .execute(&f.db.pool)
        .await
        .unwrap();
    // The account now belongs to the pharmacy: its next verification is the pharmacy's.
    let moved = send(
        &app,
        "POST",
        "/api/verify/number",
        Some(&desk_e),
        Some(&number_body("d-1")),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert_eq!(moved.json["institution_code"], PHARMACY);
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM verifications WHERE client_id LIKE 'e-1' OR client_id LIKE 'r-after' OR client_id = 'p-1'"
        )
        .await,
        0
    );
}

/// A card's challenge is answered once: of verifications racing with the same signed
/// challenge (a replayed reader message), exactly one is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_card_challenge_is_used_by_one_of_the_requests_racing_with_it() {
    use base64::Engine as _;
    let f = fixture().await;
    let app = f.app();
    let clinic = login(&app, "clinic").await;
    let today = server::db::today_jst();
    let file = server::cards::issue(&f.db, &f.keys, TOKYO, "1234566", "4321", today)
        .await
        .unwrap();
    let card =
        domain::card::unlock(&domain::card::parse_card_file(&file).unwrap(), "4321").unwrap();
    for round in 0..5 {
        let challenge = send(&app, "GET", "/api/card/challenge", None, None).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(challenge.json["challenge"].as_str().unwrap())
            .unwrap();
        let signature = card.sign(&bytes);
        let mut tasks = Vec::new();
        for k in 0..8 {
            let body = json!({
                "client_id": format!("race-{round}-{k}"),
                "challenge_id": challenge.json["challenge_id"],
                "certificate": card.certificate(),
                "signature": signature,
            })
            .to_string();
            let (app, clinic) = (app.clone(), clinic.clone());
            tasks.push(tokio::spawn(async move {
                send(&app, "POST", "/api/verify/card", Some(&clinic), Some(&body)).await
            }));
        }
        let mut ok = 0;
        for task in tasks {
            let reply = task.await.unwrap();
            match reply.status {
                StatusCode::OK => ok += 1,
                StatusCode::UNPROCESSABLE_ENTITY => {
                    assert!(
                        reply.text.contains("もう一度カードを読み取って"),
                        "{}",
                        reply.text
                    );
                }
                other => panic!("{other}: {}", reply.text),
            }
        }
        assert_eq!(ok, 1, "round {round}: one challenge, one verification");
    }
    assert_eq!(count(&f, "SELECT COUNT(*) FROM verifications").await, 5);
}
