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

use crate::db::{instant_text, now_text, Db};
use crate::store::{institutions, offices, people, users};

pub const SESSION_COOKIE: &str = "onshi_session";
pub const SESSION_HOURS: i64 = 10;
/// Failed sign-ins for one login from one client within [`LOCK_MINUTES`] before that login
/// is locked for that client. Another client (the owner's own PC) can still sign in: a
/// stranger who knows an ID cannot lock its owner out.
pub const MAX_FAILURES: i64 = 5;
/// Failed sign-ins from one client, whatever the logins, within [`LOCK_MINUTES`] before the
/// client may not sign in at all (guessing over many IDs).
pub const MAX_CLIENT_FAILURES: i64 = 20;
/// Failed sign-ins of one login from all clients together within [`LOCK_MINUTES`] before the
/// login is locked everywhere (guessing from many addresses). The lock lapses after
/// [`LOCK_MINUTES`], or the operator lifts it at once with `onshi user unlock`.
pub const MAX_LOGIN_FAILURES: i64 = 50;
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
    users::insert_session(
        db,
        &token_hash(&token),
        role,
        user_id,
        recipient_id,
        &instant_text(now),
        &instant_text(expires),
    )
    .await?;
    Ok(token)
}

pub async fn delete_session(db: &Db, token: &str) -> anyhow::Result<()> {
    users::delete_session(db, &token_hash(token)).await
}

/// End every session of the account `login` (`onshi user revoke-sessions`): how many ended,
/// or `None` if there is no such account. Signing in again does not do this: a 受付 account
/// is used on several reception PCs at once, and one desk signing in must not sign out the
/// others; a password change ([`set_password`]) or the operator ends them all.
pub async fn end_sessions(db: &Db, login: &str) -> anyhow::Result<Option<u64>> {
    match users::credentials(db, login).await? {
        Some(c) => Ok(Some(
            users::delete_sessions_of_user(db, c.user_id, None).await?,
        )),
        None => Ok(None),
    }
}

/// Set a new password for `login` and end every session of the account (whoever knew the
/// old password is signed out everywhere): how many sessions ended, `None` for no account.
pub async fn set_password(db: &Db, login: &str, password: &str) -> anyhow::Result<Option<u64>> {
    let Some(c) = users::credentials(db, login).await? else {
        return Ok(None);
    };
    users::set_password_hash(db, c.user_id, &hash_password(password)?).await?;
    Ok(Some(
        users::delete_sessions_of_user(db, c.user_id, None).await?,
    ))
}

/// Resolve a session cookie token to its caller, if the session is live. One statement reads
/// the session with its account, every request: nothing about sessions is cached in the
/// process, so a sign-out, `onshi user revoke-sessions` or a password change (even from
/// another process) takes effect on the next request.
pub async fn caller_from_session(db: &Db, token: &str) -> anyhow::Result<Option<Caller>> {
    let Some(found) = users::session_with_user(db, &token_hash(token)).await? else {
        return Ok(None);
    };
    let session = &found.session;
    if session.expires_at < instant_text(chrono::Utc::now()) {
        delete_session(db, token).await?;
        return Ok(None);
    }
    let Some(role) = Role::parse(&session.role) else {
        return Ok(None);
    };
    match (session.user_id, session.recipient_id) {
        (Some(user_id), _) => Ok(found
            .user
            .and_then(|user| staff_caller(user_id, user, found.place_name))),
        (None, Some(recipient_id)) if role == Role::Recipient => {
            caller_for_recipient(db, recipient_id).await
        }
        _ => Ok(None),
    }
}

pub async fn caller_for_user(db: &Db, user_id: i64) -> anyhow::Result<Option<Caller>> {
    let Some(user) = users::by_id(db, user_id).await? else {
        return Ok(None);
    };
    let place_name = match (&user.office_number, &user.institution_code) {
        (Some(office), _) => office_name(db, office).await?,
        (None, Some(code)) => institution_name(db, code).await?,
        _ => None,
    };
    Ok(staff_caller(user_id, user, place_name))
}

/// A staff or operator account as the caller; `place_name`: its office's name, else its
/// institution's (the audit log's label; the number or code when not registered).
fn staff_caller(
    user_id: i64,
    user: users::UserRecord,
    place_name: Option<String>,
) -> Option<Caller> {
    let role = Role::parse(&user.role)?;
    let actor_label = match (&user.office_number, &user.institution_code) {
        (Some(office), _) => place_name.unwrap_or_else(|| office.clone()),
        (None, Some(code)) => place_name.unwrap_or_else(|| code.clone()),
        _ => "システム運用者".to_string(),
    };
    Some(Caller {
        role,
        actor_id: user.login,
        display_name: user.display_name,
        user_id: Some(user_id),
        office_number: user.office_number,
        institution_code: user.institution_code,
        recipient_id: None,
        actor_label,
    })
}

pub async fn caller_for_recipient(db: &Db, recipient_id: i64) -> anyhow::Result<Option<Caller>> {
    let identity = people::identity(db, recipient_id).await?;
    Ok(identity.map(|identity| Caller {
        role: Role::Recipient,
        actor_id: identity.recipient_number,
        display_name: identity.name,
        user_id: None,
        office_number: Some(identity.office_number),
        institution_code: None,
        recipient_id: Some(recipient_id),
        actor_label: "ご本人".to_string(),
    }))
}

/// A machine client (レセコン, 資格確認端末 folder exchange) authenticated by its bearer token.
pub async fn caller_from_institution_token(db: &Db, token: &str) -> anyhow::Result<Option<Caller>> {
    let Some((code, name)) = users::institution_of_token(db, &token_hash(token)).await? else {
        return Ok(None);
    };
    let name = name.unwrap_or_else(|| code.clone());
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

/// The office's name, if it exists (`store::offices::name` for callers holding a `Db`).
pub async fn office_name(db: &Db, number: &str) -> anyhow::Result<Option<String>> {
    let mut conn = db.pool.acquire().await?;
    offices::name(&mut conn, number).await
}

/// The institution's name, if it is registered (`store::institutions::name` for callers
/// holding a `Db`).
pub async fn institution_name(db: &Db, code: &str) -> anyhow::Result<Option<String>> {
    let mut conn = db.pool.acquire().await?;
    institutions::name(&mut conn, code).await
}

/// Why a sign-in is not even tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locked {
    /// This client failed on too many logins ([`MAX_CLIENT_FAILURES`]).
    Client,
    /// This login failed too often from this client ([`MAX_FAILURES`]) or from all
    /// clients together ([`MAX_LOGIN_FAILURES`]).
    Login,
}

/// The login as `login_failures` records it: at most 64 characters (a typed "login" can be a
/// megabyte long; PostgreSQL cannot index such a row), so a long one is counted by its start.
fn failure_key(login: &str) -> String {
    login.chars().take(64).collect()
}

/// Is signing in to `login` from `client` (its address; `""` when unknown) held back?
pub async fn locked(db: &Db, login: &str, client: &str) -> anyhow::Result<Option<Locked>> {
    let since = instant_text(chrono::Utc::now() - chrono::Duration::minutes(LOCK_MINUTES));
    let n = users::failures_since(db, &failure_key(login), client, &since).await?;
    Ok(if n.client_any_login >= MAX_CLIENT_FAILURES {
        Some(Locked::Client)
    } else if n.login_from_client >= MAX_FAILURES || n.login_anywhere >= MAX_LOGIN_FAILURES {
        Some(Locked::Login)
    } else {
        None
    })
}

pub async fn record_failure(db: &Db, login: &str, client: &str) -> anyhow::Result<()> {
    users::insert_failure(db, &failure_key(login), client, &now_text()).await
}

/// After a successful sign-in: forget this client's failures on this login.
pub async fn clear_failures(db: &Db, login: &str, client: &str) -> anyhow::Result<()> {
    users::clear_failures(db, &failure_key(login), Some(client))
        .await
        .map(|_| ())
}

/// `onshi user unlock`: forget every failure of `login`, from every client, so its owner can
/// sign in at once; how many were forgotten.
pub async fn unlock(db: &Db, login: &str) -> anyhow::Result<u64> {
    users::clear_failures(db, &failure_key(login), None).await
}

/// Why a sign-in failed. The answer to the client is the same for both; the log names the
/// login only of an existing account (an unknown "login" is often a password or a number
/// typed into the wrong box).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInFailure {
    UnknownLogin,
    WrongPassword,
}

/// Check a login ID and password: the account's id if they match. An unknown login is
/// checked against a hash nobody knows the password of, so the time taken does not reveal
/// which IDs exist.
pub async fn check_password(
    db: &Db,
    login: &str,
    password: &str,
) -> anyhow::Result<Result<i64, SignInFailure>> {
    match users::credentials(db, login).await? {
        Some(c) if verify_password(password, &c.password_hash) => Ok(Ok(c.user_id)),
        Some(_) => Ok(Err(SignInFailure::WrongPassword)),
        None => {
            let _ = verify_password(password, dummy_hash());
            Ok(Err(SignInFailure::UnknownLogin))
        }
    }
}

/// An argon2id hash nobody knows the password of, for constant-work failures.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&new_token()).unwrap_or_default())
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
    users::insert(
        db,
        &users::NewUser {
            login,
            password_hash: &hash,
            role,
            display_name,
            office_number,
            institution_code,
            created_at: &now_text(),
        },
    )
    .await
}

pub async fn add_institution_token(db: &Db, institution_code: &str) -> anyhow::Result<String> {
    let token = new_token();
    users::insert_institution_token(db, &token_hash(&token), institution_code, &now_text()).await?;
    Ok(token)
}
