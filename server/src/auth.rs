//! Sign-in, sessions and the caller's identity.
//!
//! Passwords: argon2id. Session and institution tokens: 32 random bytes, stored only
//! as SHA-256 hashes. The browser gets the session in an HttpOnly, SameSite=Strict cookie.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

use domain::api::Role;

use crate::db::{instant_text, Db};

pub const SESSION_COOKIE: &str = "onshi_session";
pub const SESSION_HOURS: i64 = 10;
/// Failed sign-ins for one login within [`LOCK_MINUTES`] before it is locked.
pub const MAX_FAILURES: i64 = 5;
pub const LOCK_MINUTES: i64 = 15;
pub const MIN_PASSWORD_CHARS: usize = 8;

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt_bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A fresh random token (base64url, 43 chars) for cookies and bearer tokens.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
}

/// Who is calling. Built from the session cookie or an institution bearer token;
/// what it may see is decided in [`crate::scope`].
#[derive(Debug, Clone)]
pub struct Caller {
    pub role: Role,
    /// Login ID, 医療機関コード (machine client) or 受給者番号 (recipient): the audit log's "who".
    pub actor_id: String,
    pub display_name: String,
    pub user_id: Option<i64>,
    pub office_number: Option<String>,
    pub institution_code: Option<String>,
    pub recipient_id: Option<i64>,
    /// How the recipient will read "who looked": the office's or institution's name.
    pub actor_label: String,
}

/// Create a session row and return the cookie token.
pub async fn create_session(
    db: &Db,
    role: Role,
    user_id: Option<i64>,
    recipient_id: Option<i64>,
) -> anyhow::Result<String> {
    let token = new_token();
    let now = chrono::Utc::now();
    let expires = now + chrono::Duration::hours(SESSION_HOURS);
    sqlx::query(
        "INSERT INTO sessions (token_hash, role, user_id, recipient_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash(&token))
    .bind(role.as_str())
    .bind(user_id)
    .bind(recipient_id)
    .bind(instant_text(now))
    .bind(instant_text(expires))
    .execute(&db.pool)
    .await?;
    Ok(token)
}

pub async fn delete_session(db: &Db, token: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Resolve a session cookie token to its caller, if the session is live.
pub async fn caller_from_session(db: &Db, token: &str) -> anyhow::Result<Option<Caller>> {
    let row: Option<(String, Option<i64>, Option<i64>, String)> = sqlx::query_as(
        "SELECT role, user_id, recipient_id, expires_at FROM sessions WHERE token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(&db.pool)
    .await?;
    let Some((role, user_id, recipient_id, expires_at)) = row else {
        return Ok(None);
    };
    if expires_at < instant_text(chrono::Utc::now()) {
        delete_session(db, token).await?;
        return Ok(None);
    }
    let Some(role) = Role::parse(&role) else {
        return Ok(None);
    };
    match (user_id, recipient_id) {
        (Some(user_id), _) => caller_for_user(db, user_id).await,
        (None, Some(recipient_id)) if role == Role::Recipient => {
            caller_for_recipient(db, recipient_id).await
        }
        _ => Ok(None),
    }
}

/// login, role, display_name, office_number, institution_code
type UserRow = (String, String, String, Option<String>, Option<String>);

pub async fn caller_for_user(db: &Db, user_id: i64) -> anyhow::Result<Option<Caller>> {
    let row: Option<UserRow> = sqlx::query_as(
        "SELECT login, role, display_name, office_number, institution_code FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some((login, role, display_name, office_number, institution_code)) = row else {
        return Ok(None);
    };
    let Some(role) = Role::parse(&role) else {
        return Ok(None);
    };
    let actor_label = match (&office_number, &institution_code) {
        (Some(office), _) => office_name(db, office)
            .await?
            .unwrap_or_else(|| office.clone()),
        (None, Some(code)) => institution_name(db, code)
            .await?
            .unwrap_or_else(|| code.clone()),
        _ => "システム運用者".to_string(),
    };
    Ok(Some(Caller {
        role,
        actor_id: login,
        display_name,
        user_id: Some(user_id),
        office_number,
        institution_code,
        recipient_id: None,
        actor_label,
    }))
}

pub async fn caller_for_recipient(db: &Db, recipient_id: i64) -> anyhow::Result<Option<Caller>> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT office_number, recipient_number, name FROM recipients WHERE id = $1",
    )
    .bind(recipient_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(office_number, recipient_number, name)| Caller {
        role: Role::Recipient,
        actor_id: recipient_number,
        display_name: name,
        user_id: None,
        office_number: Some(office_number),
        institution_code: None,
        recipient_id: Some(recipient_id),
        actor_label: "ご本人".to_string(),
    }))
}

/// A machine client (レセコン, 資格確認端末 folder exchange) authenticated by its bearer token.
pub async fn caller_from_institution_token(db: &Db, token: &str) -> anyhow::Result<Option<Caller>> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT institution_code FROM institution_tokens WHERE token_hash = $1")
            .bind(token_hash(token))
            .fetch_optional(&db.pool)
            .await?;
    let Some((code,)) = row else { return Ok(None) };
    let name = institution_name(db, &code)
        .await?
        .unwrap_or_else(|| code.clone());
    Ok(Some(Caller {
        role: Role::Clinic,
        actor_id: code.clone(),
        display_name: name.clone(),
        user_id: None,
        office_number: None,
        institution_code: Some(code),
        recipient_id: None,
        actor_label: name,
    }))
}

pub async fn office_name(db: &Db, number: &str) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT name FROM offices WHERE number = $1")
        .bind(number)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| r.0))
}

pub async fn institution_name(db: &Db, code: &str) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT name FROM institutions WHERE code = $1")
        .bind(code)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| r.0))
}

/// Has this login failed too often recently?
pub async fn is_locked(db: &Db, login: &str) -> anyhow::Result<bool> {
    let since = instant_text(chrono::Utc::now() - chrono::Duration::minutes(LOCK_MINUTES));
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM login_failures WHERE login = $1 AND at > $2")
            .bind(login)
            .bind(since)
            .fetch_one(&db.pool)
            .await?;
    Ok(n >= MAX_FAILURES)
}

pub async fn record_failure(db: &Db, login: &str) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO login_failures (login, at) VALUES ($1, $2)")
        .bind(login)
        .bind(crate::db::now_text())
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn clear_failures(db: &Db, login: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE login = $1")
        .bind(login)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Add a staff or operator account (used by `onshi user add` and the demo seed).
pub async fn add_user(
    db: &Db,
    login: &str,
    password: &str,
    role: Role,
    display_name: &str,
    office_number: Option<&str>,
    institution_code: Option<&str>,
) -> anyhow::Result<i64> {
    let hash = hash_password(password)?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (login, password_hash, role, display_name, office_number, institution_code, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(login)
    .bind(hash)
    .bind(role.as_str())
    .bind(display_name)
    .bind(office_number)
    .bind(institution_code)
    .bind(crate::db::now_text())
    .fetch_one(&db.pool)
    .await?;
    Ok(id)
}

pub async fn add_institution_token(db: &Db, institution_code: &str) -> anyhow::Result<String> {
    let token = new_token();
    sqlx::query("INSERT INTO institution_tokens (token_hash, institution_code, created_at) VALUES ($1, $2, $3)")
        .bind(token_hash(&token))
        .bind(institution_code)
        .bind(crate::db::now_text())
        .execute(&db.pool)
        .await?;
    Ok(token)
}
