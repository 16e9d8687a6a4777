//! Test fixtures shared by the integration tests: a fresh database per test — SQLite in a
//! temporary directory, or, when `ONSHI_TEST_PG_ADMIN_URL` is set (by `make test`), a new
//! PostgreSQL database created for the test — and a small set of offices, institutions,
//! recipients and accounts.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;

use domain::api::Role;
use server::db::Db;
use server::http::AppState;
use server::keys::Keys;

pub const PASSWORD: &str = "correct horse";
pub const TOKYO: &str = "12131017";
pub const OSAKA: &str = "12270138";
pub const CLINIC: &str = "1311234569";
pub const PHARMACY: &str = "1341234563";

pub struct Fixture {
    pub db: Db,
    pub keys: Arc<Keys>,
    pub dir: tempfile::TempDir,
    pub database_url: Option<String>,
    /// One verification writer per database, as `onshi serve` has (every `app()` shares it).
    pub recorder: server::recorder::Recorder,
}

impl Fixture {
    pub fn app(&self) -> Router {
        self.app_with_static(None)
    }

    pub fn app_with_static(&self, static_dir: Option<std::path::PathBuf>) -> Router {
        server::http::app(AppState {
            db: self.db.clone(),
            keys: self.keys.clone(),
            static_dir,
            secure_cookies: false,
            recorder: self.recorder.clone(),
        })
    }
}

/// A new, empty PostgreSQL database when `ONSHI_TEST_PG_ADMIN_URL` is set (its URL), else
/// `None` (SQLite in the test's directory).
pub async fn fresh_database_url() -> Option<String> {
    let admin = std::env::var("ONSHI_TEST_PG_ADMIN_URL")
        .ok()
        .filter(|s| !s.is_empty())?;
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to test PostgreSQL");
    let name = format!(
        "onshi_test_{}",
        server::auth::new_token()
            .to_lowercase()
            .replace(['-', '_'], "")
            .chars()
            .take(20)
            .collect::<String>()
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .expect("admin url has a database");
    Some(format!("{base}/{name}"))
}

pub async fn empty() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let database_url = fresh_database_url().await;
    let db = Db::open(database_url.as_deref(), dir.path())
        .await
        .expect("open database");
    let keys = Arc::new(Keys::load_or_create(dir.path()).expect("keys"));
    Fixture {
        recorder: server::recorder::Recorder::new(db.clone()),
        db,
        keys,
        dir,
        database_url,
    }
}

/// Two offices, a clinic and a pharmacy, one recipient in each office, and an account per role.
pub async fn fixture() -> Fixture {
    let f = empty().await;
    let exec = |sql: &'static str| {
        let pool = f.db.pool.clone();
        async move { sqlx::query(sql).execute(&pool).await.expect(sql) }
    };
    exec("INSERT INTO offices (number, name, phone) VALUES ('12131017', 'テスト区福祉事務所', '03-0000-0000')").await;
    exec("INSERT INTO offices (number, name, phone) VALUES ('12270138', 'テスト市福祉事務所', '06-0000-0000')").await;
    exec("INSERT INTO institutions (code, name, score_table, online_capable) VALUES ('1311234569', 'テスト内科', 1, 1)").await;
    exec("INSERT INTO institutions (code, name, score_table, online_capable) VALUES ('1341234563', 'テスト薬局', 4, 1)").await;
    exec(
        "INSERT INTO recipients (office_number, recipient_number, name, name_kana, sex, birth_date, qualified_from, created_at, updated_at) \
         VALUES ('12131017', '1234566', '東京　一郎', 'トウキョウ　イチロウ', 1, '1960-04-01', '2020-01-01', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')",
    )
    .await;
    exec(
        "INSERT INTO recipients (office_number, recipient_number, name, name_kana, sex, birth_date, qualified_from, created_at, updated_at) \
         VALUES ('12270138', '0000018', '大阪　花子', 'オオサカ　ハナコ', 2, '1970-05-05', '2021-01-01', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')",
    )
    .await;
    adopt_pairs(&f).await;
    for (login, role, office, inst) in [
        ("tokyo-cw", Role::Caseworker, Some(TOKYO), None),
        ("tokyo-sv", Role::Supervisor, Some(TOKYO), None),
        ("osaka-cw", Role::Caseworker, Some(OSAKA), None),
        ("clinic", Role::Clinic, None, Some(CLINIC)),
        ("operator", Role::Operator, None, None),
    ] {
        server::auth::add_user(&f.db, login, PASSWORD, role, login, office, inst)
            .await
            .expect("add user");
    }
    f
}

/// After recipients were written with SQL here: their 資格取得日/資格喪失日 pair becomes
/// their 資格 history, as an import would make it.
pub async fn adopt_pairs(f: &Fixture) {
    let mut conn = f.db.pool.acquire().await.expect("connection");
    server::store::people::adopt_pairs(&mut conn, "2026-01-01T00:00:00.000000Z")
        .await
        .expect("adopt pairs");
}

pub struct Reply {
    pub status: StatusCode,
    pub json: serde_json::Value,
    pub text: String,
    pub cookie: Option<String>,
    pub content_type: String,
}

pub async fn send(
    app: &Router,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<&str>,
) -> Reply {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(c) = cookie {
        builder = builder.header(header::COOKIE, c);
    }
    if body.is_some() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    let request = builder
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).to_string();
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    Reply {
        status,
        json,
        text,
        cookie,
        content_type,
    }
}

/// Sign in and return the session cookie (`name=value`).
pub async fn login(app: &Router, login: &str) -> String {
    let body = serde_json::json!({"login": login, "password": PASSWORD}).to_string();
    let reply = send(app, "POST", "/api/login", None, Some(&body)).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "login {login}: {}",
        reply.text
    );
    reply.cookie.expect("session cookie")
}

/// Sign in as a recipient with a freshly issued mock card; returns the session cookie.
pub async fn card_session(f: &Fixture, app: &Router, office: &str, number: &str) -> String {
    use base64::Engine as _;
    let json = server::cards::issue(
        &f.db,
        &f.keys,
        office,
        number,
        "4321",
        server::db::today_jst(),
    )
    .await
    .unwrap();
    let card = domain::card::parse_card_file(&json).unwrap();
    let challenge = send(app, "GET", "/api/card/challenge", None, None).await;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(challenge.json["challenge"].as_str().unwrap())
        .unwrap();
    let unlocked = domain::card::unlock(&card, "4321").unwrap();
    let body = serde_json::json!({
        "challenge_id": challenge.json["challenge_id"],
        "certificate": unlocked.certificate(),
        "signature": unlocked.sign(&bytes),
    })
    .to_string();
    let reply = send(app, "POST", "/api/card/login", None, Some(&body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.cookie.unwrap()
}

/// Run one SQL statement the test writes itself.
pub async fn exec(f: &Fixture, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&f.db.pool)
        .await
        .expect(sql);
}

/// The id of the record `number` of `office`.
pub async fn recipient_id(f: &Fixture, office: &str, number: &str) -> i64 {
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

/// How many verifications are stored, and how many `audit_log` rows say `action`.
pub async fn verifications_and_audit_rows(f: &Fixture, action: &str) -> (i64, i64) {
    let (verifications,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM verifications")
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    let (audited,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    (verifications, audited)
}
