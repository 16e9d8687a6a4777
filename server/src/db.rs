//! The database: SQLite (embedded default) or PostgreSQL (when `DATABASE_URL` names one),
//! through sqlx's `Any` driver so every query is written once.
//!
//! Conventions that make one SQL text work on both: `$1…$n` placeholders, dates as ISO
//! `TEXT`, instants as UTC RFC 3339 `TEXT` from [`now_text`], integers as 64-bit, flags 0/1.

use std::path::Path;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::AnyPool;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Connect to `DATABASE_URL` if given, else to `DATA_DIR/onshi.sqlite3`, and migrate.
    pub async fn open(database_url: Option<&str>, data_dir: &Path) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let (url, backend) = match database_url.filter(|u| !u.trim().is_empty()) {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                (url.to_string(), Backend::Postgres)
            }
            Some(url) if url.starts_with("sqlite:") => (url.to_string(), Backend::Sqlite),
            Some(_) => {
                anyhow::bail!("DATABASE_URL must start with postgres://, postgresql:// or sqlite:")
            }
            None => {
                std::fs::create_dir_all(data_dir).with_context(|| {
                    format!("cannot create data directory {}", data_dir.display())
                })?;
                let file = data_dir.join(SQLITE_FILE);
                (
                    format!("sqlite://{}?mode=rwc", file.display()),
                    Backend::Sqlite,
                )
            }
        };
        let max = match backend {
            Backend::Sqlite => 4,
            Backend::Postgres => 16,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            // sqlx pings each connection it hands out by default: a round trip (to
            // PostgreSQL, or to SQLite's worker thread) before every statement. Only one that
            // sat idle a while is pinged (the database may have restarted meanwhile).
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_WHEN_IDLE {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect(&url)
            .await
            .with_context(|| format!("cannot open the database ({})", redact_url(&url)))?;
        if backend == Backend::Sqlite {
            // WAL lets the verification path read while an import writes.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&pool)
            .await
            .context("database migration failed")?;
        Ok(Db { pool, backend })
    }

    /// Open an existing SQLite file as it is: no migration, no file created (e.g. a backup
    /// being checked before a restore). Close its pool before moving the file.
    pub async fn open_sqlite_file(file: &Path) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        if !file.is_file() {
            anyhow::bail!("{} がありません", file.display());
        }
        let url = format!("sqlite://{}?mode=rw", file.display());
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .with_context(|| format!("cannot open {}", file.display()))?;
        Ok(Db {
            pool,
            backend: Backend::Sqlite,
        })
    }

    /// The database answers (`/healthz`).
    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub fn backend_label(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    pub async fn meta(&self, key: &str) -> anyhow::Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.0))
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM meta WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn count(&self, sql: &'static str) -> anyhow::Result<u64> {
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&self.pool).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// The newest SQLite migration this build knows (the schema version a backup records).
pub fn latest_sqlite_migration() -> i64 {
    SQLITE_MIGRATIONS
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

/// A pooled connection idle this long is pinged before it is used again.
const PING_WHEN_IDLE: std::time::Duration = std::time::Duration::from_secs(30);

/// The SQLite file in a data directory when `DATABASE_URL` is not set.
pub const SQLITE_FILE: &str = "onshi.sqlite3";

/// Never print a password that may sit in a URL.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***@{}", &url[..scheme_end], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// The current instant as stored: UTC, fixed width, so text order is time order.
pub fn now_text() -> String {
    instant_text(chrono::Utc::now())
}

pub fn instant_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Today's date in JST.
pub fn today_jst() -> chrono::NaiveDate {
    domain::jst::date_of(chrono::Utc::now())
}

pub fn flag(row_value: i64) -> bool {
    row_value != 0
}

pub type Row = AnyRow;

/// A value for [`insert_rows`].
#[derive(Debug, Clone)]
pub enum Value {
    Text(String),
    Int(i64),
    /// NULL in a TEXT column.
    Null,
    /// NULL in an integer column (PostgreSQL types parameters).
    NullInt,
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}
impl From<Option<String>> for Value {
    fn from(s: Option<String>) -> Self {
        s.map_or(Value::Null, Value::Text)
    }
}

/// Bind `values` in order to a query (a text written with [`placeholders`]).
pub fn bind_values<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    values: Vec<Value>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for value in values {
        query = match value {
            Value::Text(s) => query.bind(s),
            Value::Int(i) => query.bind(i),
            Value::Null => query.bind(Option::<String>::None),
            Value::NullInt => query.bind(Option::<i64>::None),
        };
    }
    query
}

/// Insert many rows with multi-row `INSERT … VALUES (…), (…)` statements (bulk loads: seed, imports).
pub async fn insert_rows(
    conn: &mut sqlx::AnyConnection,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Value>],
) -> anyhow::Result<()> {
    if columns.is_empty() {
        return Ok(());
    }
    let per_statement = (8000 / columns.len()).max(1);
    for chunk in rows.chunks(per_statement) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut n = 0usize;
        for (i, row) in chunk.iter().enumerate() {
            if row.len() != columns.len() {
                anyhow::bail!(
                    "insert_rows: row has {} values for {} columns",
                    row.len(),
                    columns.len()
                );
            }
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for j in 0..row.len() {
                if j > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                sql.push_str(&format!("${n}"));
            }
            sql.push(')');
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            for value in row {
                query = match value {
                    Value::Text(s) => query.bind(s.clone()),
                    Value::Int(i) => query.bind(*i),
                    Value::Null => query.bind(Option::<String>::None),
                    Value::NullInt => query.bind(Option::<i64>::None),
                };
            }
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// `$first, $first+1, …`: `count` placeholders (an `IN (…)` list, a `VALUES (…)` row).
pub fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}
