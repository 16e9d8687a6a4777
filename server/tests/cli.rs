//! The `onshi` command line as an operator runs it: real binary, real files, real database
//! (SQLite, or PostgreSQL through DATABASE_URL when `make test` provides one).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn samples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/samples")
}

fn onshi(f: &common::Fixture, args: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onshi"));
    cmd.arg("--data").arg(f.dir.path()).args(args);
    cmd.env_remove("DATABASE_URL");
    if let Some(url) = &f.database_url {
        cmd.env("DATABASE_URL", url);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

async fn count(f: &common::Fixture, sql: &'static str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&f.db.pool).await.unwrap();
    n
}

/// A recipients file as a 生活保護システム exports it (CP932, CRLF, 半角カナ and 半角スペース
/// in 氏名カナ): imported, stored in 全角, and the report names the rows normalised. A file
/// with ひらがな in 氏名カナ is still refused whole, with the line and the field.
#[tokio::test]
async fn import_recipients_from_a_real_export_normalises_half_width_kana() {
    let f = common::empty().await;
    for kind in ["offices", "institutions"] {
        let file = samples().join(format!("{kind}.csv"));
        assert!(onshi(&f, &["import", kind, file.to_str().unwrap()], "")
            .status
            .success());
    }
    let bad = samples().join("bad/recipients-export-hiragana-sjis.csv");
    let out = onshi(&f, &["import", "recipients", bad.to_str().unwrap()], "");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("4行目 氏名カナ"), "{err}");
    assert!(err.contains("ひらがなは使えません"), "{err}");
    assert_eq!(count(&f, "SELECT COUNT(*) FROM recipients").await, 0);

    let file = samples().join("recipients-export-sjis.csv");
    let out = onshi(&f, &["import", "recipients", file.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report
            .contains("氏名カナ: 3 行（2, 4, 5 行目）の半角カナ・半角スペースを全角に直しました。"),
        "{report}"
    );
    assert!(report.contains("4 件を取り込みました"), "{report}");
    let kana: Vec<(String,)> =
        sqlx::query_as("SELECT name_kana FROM recipients ORDER BY recipient_number")
            .fetch_all(&f.db.pool)
            .await
            .unwrap();
    let kana: Vec<&str> = kana.iter().map(|(k,)| k.as_str()).collect();
    assert_eq!(
        kana,
        [
            "シケン　タロウ",
            "レイジ　ユリ",
            "カメイ　イチロウ",
            "ミホン　ハナコ"
        ]
    );
}

#[tokio::test]
async fn import_of_the_sample_files_and_a_bad_file_that_writes_nothing() {
    let f = common::empty().await;
    for kind in [
        "offices",
        "institutions",
        "recipients",
        "tickets",
        "verification-log",
    ] {
        let file = samples().join(format!("{kind}.csv"));
        let out = onshi(&f, &["import", kind, file.to_str().unwrap()], "");
        assert!(out.status.success(), "{kind}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("件を取り込みました"), "{kind}");
    }
    let recipients = count(&f, "SELECT COUNT(*) FROM recipients").await;
    assert!(recipients >= 3);
    // 個人番号 is stored encrypted, never as digits.
    let stored: Vec<(Option<String>,)> = sqlx::query_as("SELECT individual_number FROM recipients")
        .fetch_all(&f.db.pool)
        .await
        .unwrap();
    assert!(stored
        .iter()
        .filter_map(|(s,)| s.as_deref())
        .all(|s| !s.contains("983205673214")));
    assert!(stored.iter().any(|(s,)| s.is_some()));

    // Re-importing the log counts nothing twice.
    let before = count(&f, "SELECT COUNT(*) FROM verifications").await;
    let log = samples().join("verification-log.csv");
    assert!(onshi(
        &f,
        &["import", "verification-log", log.to_str().unwrap()],
        ""
    )
    .status
    .success());
    assert_eq!(
        count(&f, "SELECT COUNT(*) FROM verifications").await,
        before
    );

    // One bad check digit on line 3: non-zero exit, line and field named, nothing written.
    let audit_before = count(&f, "SELECT COUNT(*) FROM audit_log").await;
    let fresh = common::empty().await;
    for kind in ["offices", "institutions"] {
        let file = samples().join(format!("{kind}.csv"));
        assert!(onshi(&fresh, &["import", kind, file.to_str().unwrap()], "")
            .status
            .success());
    }
    let bad = samples().join("bad/recipients-bad-check-digit.csv");
    let out = onshi(&fresh, &["import", "recipients", bad.to_str().unwrap()], "");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("3行目 受給者番号"), "{err}");
    assert!(err.contains("検証番号"), "{err}");
    assert!(err.contains("何も取り込んでいません"), "{err}");
    assert_eq!(count(&fresh, "SELECT COUNT(*) FROM recipients").await, 0);
    assert_eq!(
        count(&f, "SELECT COUNT(*) FROM audit_log").await,
        audit_before
    );
}

#[tokio::test]
async fn a_cp932_file_imports_like_utf8() {
    let f = common::empty().await;
    let utf8 = std::fs::read_to_string(samples().join("offices.csv")).unwrap();
    let (cp932, _, errors) = encoding_rs::SHIFT_JIS.encode(&utf8);
    assert!(!errors);
    let path = f.dir.path().join("offices-cp932.csv");
    std::fs::write(&path, &cp932).unwrap();
    let out = onshi(&f, &["import", "offices", path.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let names: Vec<(String,)> = sqlx::query_as("SELECT name FROM offices ORDER BY number")
        .fetch_all(&f.db.pool)
        .await
        .unwrap();
    assert!(
        names.iter().all(|(n,)| n.contains("福祉事務所")),
        "{names:?}"
    );
}

#[tokio::test]
async fn operator_commands_create_accounts_tokens_and_cards() {
    let f = common::fixture().await;
    // user add: password from standard input; a short one is refused.
    let out = onshi(
        &f,
        &[
            "user",
            "add",
            "--role",
            "caseworker",
            "--office",
            "12131017",
            "--login",
            "new-cw",
            "--name",
            "新人 担当",
        ],
        "short\n",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("パスワード"),
        "{}",
        text(&out.stderr)
    );
    let out = onshi(
        &f,
        &[
            "user",
            "add",
            "--role",
            "caseworker",
            "--office",
            "12131017",
            "--login",
            "new-cw",
            "--name",
            "新人 担当",
        ],
        "a long enough pass\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let app = f.app();
    let body = serde_json::json!({"login": "new-cw", "password": "a long enough pass"}).to_string();
    let reply = common::send(&app, "POST", "/api/login", None, Some(&body)).await;
    assert_eq!(reply.status, axum::http::StatusCode::OK);
    assert_eq!(reply.json["display_name"], "新人 担当");
    // An office that does not exist, or a bad check digit, is refused.
    let out = onshi(
        &f,
        &[
            "user",
            "add",
            "--role",
            "caseworker",
            "--office",
            "12131018",
            "--login",
            "x",
            "--name",
            "x",
        ],
        "a long enough pass\n",
    );
    assert!(
        text(&out.stderr).contains("検証番号"),
        "{}",
        text(&out.stderr)
    );

    // institution-token prints a bearer token that authenticates as that institution.
    let out = onshi(&f, &["institution-token", common::CLINIC], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).trim().to_string();
    let request = axum::http::Request::builder()
        .uri("/api/institution/home")
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(app.clone(), request)
        .await
        .unwrap();
    assert_eq!(response.status(), axum::http::StatusCode::OK);

    // card issue: PIN from standard input; the file unlocks with that PIN only.
    let out_file = f.dir.path().join("card.json");
    let out = onshi(
        &f,
        &[
            "card",
            "issue",
            "12131017",
            "1234566",
            "--out",
            out_file.to_str().unwrap(),
        ],
        "2468\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let card = domain::card::parse_card_file(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    assert!(domain::card::unlock(&card, "2468").is_ok());
    assert!(domain::card::unlock(&card, "1234").is_err());
    let out = onshi(
        &f,
        &[
            "card",
            "issue",
            "12131017",
            "1234566",
            "--out",
            out_file.to_str().unwrap(),
        ],
        "12\n",
    );
    assert!(!out.status.success());
}

/// Issue 15 item 6: signing in again keeps the other sessions (two reception PCs on one
/// account); `onshi user password` and `onshi user revoke-sessions` end every session of
/// the account, and only of that account.
#[tokio::test]
async fn a_password_change_or_the_operator_ends_every_session_of_a_user() {
    let f = common::fixture().await;
    let app = f.app();
    let alive = |cookie: String| {
        let app = app.clone();
        async move {
            common::send(&app, "GET", "/api/session", Some(&cookie), None)
                .await
                .status
                == axum::http::StatusCode::OK
        }
    };
    let desk1 = common::login(&app, "clinic").await;
    let desk2 = common::login(&app, "clinic").await;
    let other = common::login(&app, "tokyo-cw").await;
    assert!(
        alive(desk1.clone()).await && alive(desk2.clone()).await,
        "two desks, one account"
    );

    let out = onshi(&f, &["user", "revoke-sessions", "--login", "clinic"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("2件"), "{}", text(&out.stdout));
    assert!(
        !alive(desk1).await && !alive(desk2).await,
        "both desks signed out"
    );
    assert!(alive(other.clone()).await, "another account is untouched");

    let before = common::login(&app, "tokyo-cw").await;
    let out = onshi(&f, &["user", "password", "--login", "tokyo-cw"], "short\n");
    assert!(!out.status.success());
    let out = onshi(
        &f,
        &["user", "password", "--login", "tokyo-cw"],
        "a new long password\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !alive(before).await && !alive(other).await,
        "every session ended"
    );
    let old = serde_json::json!({"login": "tokyo-cw", "password": common::PASSWORD}).to_string();
    let reply = common::send(&app, "POST", "/api/login", None, Some(&old)).await;
    assert_eq!(
        reply.status,
        axum::http::StatusCode::UNAUTHORIZED,
        "the old password is gone"
    );
    let new =
        serde_json::json!({"login": "tokyo-cw", "password": "a new long password"}).to_string();
    let reply = common::send(&app, "POST", "/api/login", None, Some(&new)).await;
    assert_eq!(reply.status, axum::http::StatusCode::OK);

    // A locked login: `onshi user unlock` lets its owner in at once.
    let wrong = serde_json::json!({"login": "clinic", "password": "guess"}).to_string();
    for _ in 0..server::auth::MAX_FAILURES {
        common::send(&app, "POST", "/api/login", None, Some(&wrong)).await;
    }
    let right = serde_json::json!({"login": "clinic", "password": common::PASSWORD}).to_string();
    let reply = common::send(&app, "POST", "/api/login", None, Some(&right)).await;
    assert_eq!(reply.status, axum::http::StatusCode::TOO_MANY_REQUESTS);
    let out = onshi(&f, &["user", "unlock", "--login", "clinic"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let reply = common::send(&app, "POST", "/api/login", None, Some(&right)).await;
    assert_eq!(reply.status, axum::http::StatusCode::OK);

    let out = onshi(&f, &["user", "revoke-sessions", "--login", "nobody"], "");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("nobody"),
        "{}",
        text(&out.stderr)
    );
}

/// `onshi import institutions` leaves the registry's trail as the operator's edits do: every
/// field of a new institution, then only the fields a later file changes, by the import
/// command; a file that changes nothing writes nothing.
#[tokio::test]
async fn import_institutions_writes_the_registry_trail_of_what_changed() {
    let f = common::empty().await;
    let file = samples().join("institutions.csv");
    let out = onshi(&f, &["import", "institutions", file.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let institutions = count(&f, "SELECT COUNT(*) FROM institutions").await;
    assert_eq!(institutions, 7);
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(DISTINCT institution_code) FROM institution_changes \
             WHERE changed_by = 'onshi-import' AND field = '医療機関コード'"
        )
        .await,
        institutions
    );
    let first = count(&f, "SELECT COUNT(*) FROM institution_changes").await;

    // The same file again: nothing changed, nothing written.
    let out = onshi(&f, &["import", "institutions", file.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        count(&f, "SELECT COUNT(*) FROM institution_changes").await,
        first
    );

    // A renamed clinic: one line, 名称, before → after.
    let original = std::fs::read_to_string(&file).unwrap();
    let renamed = original.replace("みどり内科クリニック", "みどり内科・循環器クリニック");
    let changed = f.dir.path().join("institutions-renamed.csv");
    std::fs::write(&changed, renamed).unwrap();
    let out = onshi(
        &f,
        &["import", "institutions", changed.to_str().unwrap()],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT institution_code, field, before_value, after_value FROM institution_changes WHERE id > $1",
    )
    .bind(first)
    .fetch_all(&f.db.pool)
    .await
    .unwrap();
    assert_eq!(
        lines,
        [(
            "1311234569".to_string(),
            "名称".to_string(),
            "みどり内科クリニック".to_string(),
            "みどり内科・循環器クリニック".to_string()
        )]
    );
}
