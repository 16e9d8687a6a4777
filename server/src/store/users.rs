//! Accounts and their sign-ins: the `users`, `sessions`, `login_failures` and
//! `institution_tokens` tables.
//!
//! Tokens come in already hashed and instants as UTC RFC 3339 text: hashing, password checks,
//! session lifetimes and the lockout rule are `crate::auth`'s. Nothing here decides scope:
//! callers pass the office they are allowed to read.

use sqlx::AnyConnection;

use domain::api::Role;

use crate::db::{Db, DbRow};

/// A staff, institution or operator account as the rest of the server sees it.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub login: String,
    /// As stored; `Role::parse` it.
    pub role: String,
    pub display_name: String,
    pub office_number: Option<String>,
    pub institution_code: Option<String>,
}

/// What a sign-in checks a password against.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user_id: i64,
    pub password_hash: String,
}

/// A stored session.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// As stored; `Role::parse` it.
    pub role: String,
    pub user_id: Option<i64>,
    pub recipient_id: Option<i64>,
    /// UTC RFC 3339.
    pub expires_at: String,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub login: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub display_name: &'a str,
    pub office_number: Option<&'a str>,
    pub institution_code: Option<&'a str>,
    /// UTC RFC 3339.
    pub created_at: &'a str,
}

/// A staff member of an office (地区担当員 or 査察指導員).
#[derive(Debug, Clone)]
pub struct StaffRecord {
    pub login: String,
    pub display_name: String,
    /// As stored; `Role::parse` it.
    pub role: String,
}

/// Add an account; its id.
pub async fn insert(db: &Db, user: &NewUser<'_>) -> anyhow::Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO users (login, password_hash, role, display_name, office_number, institution_code, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(user.login)
    .bind(user.password_hash)
    .bind(user.role.as_str())
    .bind(user.display_name)
    .bind(user.office_number)
    .bind(user.institution_code)
    .bind(user.created_at)
    .fetch_one(&db.pool)
    .await?;
    Ok(id)
}

/// login, role, display_name, office_number, institution_code
type UserRow = (String, String, String, Option<String>, Option<String>);

/// The account with this id, if any.
pub async fn by_id(db: &Db, user_id: i64) -> anyhow::Result<Option<UserRecord>> {
    let row: Option<UserRow> = sqlx::query_as(
        "SELECT login, role, display_name, office_number, institution_code FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(
        |(login, role, display_name, office_number, institution_code)| UserRecord {
            login,
            role,
            display_name,
            office_number,
            institution_code,
        },
    ))
}

/// The id and password hash of the account with this login, if any.
pub async fn credentials(db: &Db, login: &str) -> anyhow::Result<Option<Credentials>> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE login = $1")
            .bind(login)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|(user_id, password_hash)| Credentials {
        user_id,
        password_hash,
    }))
}

/// A 地区担当員's or 査察指導員's display name in this office.
pub async fn staff_name(
    conn: &mut AnyConnection,
    office: &str,
    login: &str,
) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT display_name FROM users WHERE login = $1 AND office_number = $2 \
         AND role IN ('caseworker', 'supervisor')",
    )
    .bind(login)
    .bind(office)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| r.0))
}

/// The office's 地区担当員 and 査察指導員, by role then login.
pub async fn staff(db: &Db, office: &str) -> anyhow::Result<Vec<StaffRecord>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT login, display_name, role FROM users WHERE office_number = $1 \
         AND role IN ('caseworker', 'supervisor') ORDER BY role, login",
    )
    .bind(office)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(login, display_name, role)| StaffRecord {
            login,
            display_name,
            role,
        })
        .collect())
}

/// The office's 地区担当員: (login, display name), by login.
pub async fn caseworkers(
    conn: &mut AnyConnection,
    office: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT login, display_name FROM users WHERE office_number = $1 AND role = 'caseworker' ORDER BY login",
    )
    .bind(office)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows)
}

/// Store a session under its token's hash.
pub async fn insert_session(
    db: &Db,
    token_hash: &str,
    role: Role,
    user_id: Option<i64>,
    recipient_id: Option<i64>,
    created_at: &str,
    expires_at: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, role, user_id, recipient_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(role.as_str())
    .bind(user_id)
    .bind(recipient_id)
    .bind(created_at)
    .bind(expires_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A stored session with its account, read in one statement (every request of a signed-in
/// user starts with this).
#[derive(Debug, Clone)]
pub struct SessionWithUser {
    pub session: SessionRecord,
    /// The account of a staff session (`session.user_id`), if it still exists.
    pub user: Option<UserRecord>,
    /// The name of the account's office, else of its institution, if registered.
    pub place_name: Option<String>,
}

/// The session stored under this token hash (expired or not), with its account and the name
/// of the account's office or institution. On SQLite through [`crate::db::SqliteFast`] (every
/// request starts with this), on PostgreSQL through the pool: the same statement.
pub async fn session_with_user(
    db: &Db,
    token_hash: &str,
) -> anyhow::Result<Option<SessionWithUser>> {
    if let Some(fast) = &db.sqlite {
        return fast.with(|conn| {
            let mut statement = conn.prepare_cached(SESSION_WITH_USER)?;
            let mut rows = statement.query([token_hash])?;
            rows.next()?.map(session_from_row).transpose()
        });
    }
    let row = sqlx::query(SESSION_WITH_USER)
        .bind(token_hash)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(session_from_row).transpose()
}

const SESSION_WITH_USER: &str = "SELECT s.role, s.user_id, s.recipient_id, s.expires_at, \
     u.login, u.role, u.display_name, u.office_number, u.institution_code, \
     CASE WHEN u.office_number IS NOT NULL THEN o.name ELSE i.name END \
     FROM sessions s LEFT JOIN users u ON u.id = s.user_id \
     LEFT JOIN offices o ON o.number = u.office_number \
     LEFT JOIN institutions i ON i.code = u.institution_code \
     WHERE s.token_hash = $1";

fn session_from_row(row: &impl DbRow) -> anyhow::Result<SessionWithUser> {
    let login: Option<String> = row.col(4)?;
    let user_role: Option<String> = row.col(5)?;
    let name: Option<String> = row.col(6)?;
    let user = match (login, user_role, name) {
        (Some(login), Some(role), Some(display_name)) => Some(UserRecord {
            login,
            role,
            display_name,
            office_number: row.col(7)?,
            institution_code: row.col(8)?,
        }),
        _ => None,
    };
    Ok(SessionWithUser {
        session: SessionRecord {
            role: row.col(0)?,
            user_id: row.col(1)?,
            recipient_id: row.col(2)?,
            expires_at: row.col(3)?,
        },
        user,
        place_name: row.col(9)?,
    })
}

/// End every session of a user but the one stored under `keep` (if any); how many ended.
pub async fn delete_sessions_of_user(
    db: &Db,
    user_id: i64,
    keep: Option<&str>,
) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

/// Replace a user's password hash.
pub async fn set_password_hash(db: &Db, user_id: i64, password_hash: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn delete_session(db: &Db, token_hash: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Failed sign-ins after `since` (UTC RFC 3339): of this login from this client, of this
/// login from any client, and of this client on any login.
pub async fn failures_since(
    db: &Db,
    login: &str,
    client: &str,
    since: &str,
) -> anyhow::Result<FailureCounts> {
    let (login_from_client, login_anywhere, client_any_login): (i64, i64, i64) = sqlx::query_as(
        "SELECT \
           (SELECT COUNT(*) FROM login_failures WHERE login = $1 AND client = $2 AND at > $3), \
           (SELECT COUNT(*) FROM login_failures WHERE login = $1 AND at > $3), \
           (SELECT COUNT(*) FROM login_failures WHERE client = $2 AND at > $3)",
    )
    .bind(login)
    .bind(client)
    .bind(since)
    .fetch_one(&db.pool)
    .await?;
    Ok(FailureCounts {
        login_from_client,
        login_anywhere,
        client_any_login,
    })
}

/// See [`failures_since`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCounts {
    pub login_from_client: i64,
    pub login_anywhere: i64,
    pub client_any_login: i64,
}

pub async fn insert_failure(db: &Db, login: &str, client: &str, at: &str) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO login_failures (login, client, at) VALUES ($1, $2, $3)")
        .bind(login)
        .bind(client)
        .bind(at)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Forget the failures of a login: from one client, or (`None`) from every client.
pub async fn clear_failures(db: &Db, login: &str, client: Option<&str>) -> anyhow::Result<u64> {
    let done = match client {
        Some(client) => {
            sqlx::query("DELETE FROM login_failures WHERE login = $1 AND client = $2")
                .bind(login)
                .bind(client)
                .execute(&db.pool)
                .await?
        }
        None => {
            sqlx::query("DELETE FROM login_failures WHERE login = $1")
                .bind(login)
                .execute(&db.pool)
                .await?
        }
    };
    Ok(done.rows_affected())
}

/// Store a machine client's bearer token under its hash.
pub async fn insert_institution_token(
    db: &Db,
    token_hash: &str,
    institution_code: &str,
    created_at: &str,
) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO institution_tokens (token_hash, institution_code, created_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(institution_code)
        .bind(created_at)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The 医療機関コード whose token has this hash, with the institution's name if it is
/// registered; in one statement (every onshi XML request starts with this).
pub async fn institution_of_token(
    db: &Db,
    token_hash: &str,
) -> anyhow::Result<Option<(String, Option<String>)>> {
    if let Some(fast) = &db.sqlite {
        // The verification hot path on SQLite (`crate::db::SqliteFast`).
        return fast.with(|conn| {
            let mut statement = conn.prepare_cached(INSTITUTION_OF_TOKEN)?;
            let mut rows = statement.query([token_hash])?;
            match rows.next()? {
                Some(row) => Ok(Some((row.col(0)?, row.col(1)?))),
                None => Ok(None),
            }
        });
    }
    let row: Option<(String, Option<String>)> = sqlx::query_as(INSTITUTION_OF_TOKEN)
        .bind(token_hash)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row)
}

const INSTITUTION_OF_TOKEN: &str = "SELECT t.institution_code, i.name FROM institution_tokens t \
     LEFT JOIN institutions i ON i.code = t.institution_code WHERE t.token_hash = $1";
