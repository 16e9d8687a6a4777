//! The database: SQLite (embedded default) or PostgreSQL (when `DATABASE_URL` names one),
//! through sqlx's `Any` driver so every query is written once.
//!
//! Conventions that make one SQL text work on both: `$1…$n` placeholders, dates as ISO
//! `TEXT`, instants as UTC RFC 3339 `TEXT` from [`now_text`], integers as 64-bit, flags 0/1.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
    /// On SQLite, the verification hot path's own connections to the same file
    /// ([`SqliteFast`]); `None` on PostgreSQL (and for a file opened as it is).
    pub sqlite: Option<Arc<SqliteFast>>,
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
        let sqlite = match backend {
            Backend::Sqlite => sqlite_file(&url).map(SqliteFast::open).transpose()?,
            Backend::Postgres => None,
        };
        Ok(Db {
            pool,
            backend,
            sqlite: sqlite.map(Arc::new),
        })
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
            sqlite: None,
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

/// The file a `sqlite:` URL names (`None` for an in-memory database).
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| PathBuf::from(path))
}

/// The SQLite driver of the verification hot path (the caller, the person and tickets, the
/// group commit's writes): `rusqlite` connections to the same file as the sqlx pool, used
/// synchronously, each with its prepared statements cached. Through sqlx every statement is
/// a round trip to the connection's worker thread (channels, a context switch each way) and
/// a row conversion by the `Any` driver: most of the CPU of a verification (`perf`,
/// docs/benchmarks.md). A point read here takes microseconds, less than handing it to
/// another thread, so reads run on the calling task's thread; the group commit's writes run
/// on a blocking thread (`crate::recorder`). Same settings as sqlx's connections: WAL (set by
/// [`Db::open`]), `foreign_keys = ON`, `synchronous = FULL` (durable once committed), a busy
/// timeout for the write lock both drivers take. The SQL stays in the stores.
pub struct SqliteFast {
    file: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

/// Connections [`SqliteFast`] keeps open when idle.
const SQLITE_FAST_IDLE: usize = 8;

impl SqliteFast {
    fn open(file: PathBuf) -> anyhow::Result<SqliteFast> {
        let fast = SqliteFast {
            file,
            idle: Mutex::new(Vec::new()),
        };
        let first = fast
            .connect()
            .with_context(|| format!("cannot open {}", fast.file.display()))?;
        fast.idle_connections().push(first);
        Ok(fast)
    }

    fn connect(&self) -> rusqlite::Result<rusqlite::Connection> {
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(
            &self.file,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(conn)
    }

    fn idle_connections(&self) -> std::sync::MutexGuard<'_, Vec<rusqlite::Connection>> {
        // A panic while the list was held cannot leave it inconsistent.
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Run `f` on a connection of the pool (opened if none is idle). Blocking: a short read
    /// may run on an async task's thread; a write (it waits for the disk) on a blocking one.
    pub fn with<R>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> anyhow::Result<R>,
    ) -> anyhow::Result<R> {
        let taken = self.idle_connections().pop();
        let mut conn = match taken {
            Some(conn) => conn,
            None => self.connect()?,
        };
        let result = f(&mut conn);
        // A connection is given back only outside a transaction (a failed one rolled back).
        if conn.is_autocommit() {
            let mut idle = self.idle_connections();
            if idle.len() < SQLITE_FAST_IDLE {
                idle.push(conn);
            }
        }
        result
    }

    /// [`SqliteFast::with`] on a blocking thread, awaited: for a read of many rows or a write
    /// (it waits for the disk), which must not hold an async task's thread.
    pub async fn blocking<R: Send + 'static>(
        self: Arc<Self>,
        f: impl FnOnce(&mut rusqlite::Connection) -> anyhow::Result<R> + Send + 'static,
    ) -> anyhow::Result<R> {
        tokio::task::spawn_blocking(move || self.with(f)).await?
    }
}

/// A column of a row read by either driver (sqlx's `Any` or [`SqliteFast`]'s rusqlite): a
/// store maps its rows once, for both.
pub trait DbRow {
    fn col<T: Column>(&self, index: usize) -> anyhow::Result<T>;
    fn named<T: Column>(&self, name: &str) -> anyhow::Result<T>;
}

/// A value both drivers decode.
pub trait Column:
    for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql
{
}

impl<T> Column for T where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql
{
}

impl DbRow for AnyRow {
    fn col<T: Column>(&self, index: usize) -> anyhow::Result<T> {
        Ok(sqlx::Row::try_get(self, index)?)
    }
    fn named<T: Column>(&self, name: &str) -> anyhow::Result<T> {
        Ok(sqlx::Row::try_get(self, name)?)
    }
}

impl DbRow for rusqlite::Row<'_> {
    fn col<T: Column>(&self, index: usize) -> anyhow::Result<T> {
        Ok(self.get(index)?)
    }
    fn named<T: Column>(&self, name: &str) -> anyhow::Result<T> {
        Ok(self.get(name)?)
    }
}

/// A rusqlite row whose columns are found by name through its statement's [`ColumnIndex`]:
/// rusqlite alone compares the name with every column name of the statement for each value
/// (nearly half of a thousand-ticket 一括照会's CPU, docs/benchmarks.md).
pub struct IndexedRow<'a, 'r> {
    pub row: &'a rusqlite::Row<'r>,
    pub columns: &'a ColumnIndex,
}

/// A statement's column names and their positions.
pub struct ColumnIndex(std::collections::HashMap<String, usize>);

impl ColumnIndex {
    /// The index of a statement whose SQL is a constant, built at its first use and kept in
    /// `cell` (a `static` beside the statement): its columns never change.
    pub fn once<'c>(
        cell: &'c std::sync::OnceLock<ColumnIndex>,
        statement: &rusqlite::Statement<'_>,
    ) -> &'c ColumnIndex {
        cell.get_or_init(|| ColumnIndex::of(statement))
    }

    pub fn of(statement: &rusqlite::Statement<'_>) -> ColumnIndex {
        ColumnIndex(
            statement
                .column_names()
                .into_iter()
                .enumerate()
                .map(|(i, name)| (name.to_string(), i))
                .collect(),
        )
    }
}

impl DbRow for IndexedRow<'_, '_> {
    fn col<T: Column>(&self, index: usize) -> anyhow::Result<T> {
        Ok(self.row.get(index)?)
    }
    fn named<T: Column>(&self, name: &str) -> anyhow::Result<T> {
        match self.columns.0.get(name) {
            Some(index) => Ok(self.row.get(*index)?),
            None => Ok(self.row.get(name)?),
        }
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Null | Value::NullInt => ToSqlOutput::Borrowed(ValueRef::Null),
        })
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

/// `t` as stored: `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds), as chrono's
/// `%Y-%m-%dT%H:%M:%S%.6fZ` writes it, without parsing that format string on every write
/// (each verification writes several; `perf`, docs/benchmarks.md).
pub fn instant_text(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike as _, Timelike as _};
    let nanos = t.nanosecond();
    // A leap second is kept by chrono as a nanosecond count of 1e9 or more: `%S` shows 60.
    let leap = u32::from(nanos >= 1_000_000_000);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second() + leap,
        (nanos % 1_000_000_000) / 1_000
    )
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

/// Bound values per bulk statement on SQLite. Binding is quadratic in a statement's
/// parameters there (sqlx looks each one up by index with `sqlite3_bind_parameter_name`, a
/// linear scan of the statement's parameter list): at 8,000 a statement it took most of the
/// national seed's time (`perf`, docs/benchmarks.md "National seed").
pub const SQLITE_BULK_PARAMETERS: usize = 256;
/// Bound values per bulk statement on PostgreSQL (one round trip each; below its 65,535).
pub const POSTGRES_BULK_PARAMETERS: usize = 8000;

/// How many rows of `columns` values one multi-row `INSERT` of [`insert_rows`] carries on
/// the backend named `backend_name` (sqlx's `AnyConnection::backend_name`); at least one.
pub fn rows_per_statement(backend_name: &str, columns: usize) -> usize {
    let parameters = if backend_name.eq_ignore_ascii_case("sqlite") {
        SQLITE_BULK_PARAMETERS
    } else {
        POSTGRES_BULK_PARAMETERS
    };
    (parameters / columns.max(1)).max(1)
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
    let per_statement = rows_per_statement(conn.backend_name(), columns.len());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instant_text_writes_what_chronos_format_writes() -> anyhow::Result<()> {
        use chrono::{NaiveDate, TimeZone as _};
        let mut instants = Vec::new();
        for (y, m, d, h, min, sec) in [
            (2026, 12, 5, 0, 0, 0),
            (1, 1, 1, 23, 59, 59),
            (9999, 12, 31, 9, 5, 7),
        ] {
            let t = chrono::Utc.with_ymd_and_hms(y, m, d, h, min, sec).single();
            instants.push(t.context("a valid instant")?);
        }
        // Sub-second digits, truncated (not rounded) to microseconds, and a leap second.
        for nanos in [
            1,
            999,
            1_000,
            123_456_789,
            999_999_999,
            1_000_000_000,
            1_999_999_999,
        ] {
            let t = NaiveDate::from_ymd_opt(2016, 12, 31)
                .and_then(|d| d.and_hms_nano_opt(23, 59, 59, nanos))
                .context("a valid instant")?;
            instants.push(chrono::Utc.from_utc_datetime(&t));
        }
        for t in instants {
            assert_eq!(
                instant_text(t),
                t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                "{t:?}"
            );
        }
        Ok(())
    }

    #[test]
    fn a_bulk_statement_on_sqlite_binds_few_parameters() {
        // Tickets (29 columns), audit rows (7), recipients (10), one very wide row.
        for columns in [29, 7, 10, 1] {
            let rows = rows_per_statement("SQLite", columns);
            assert!(rows >= 1);
            // Well below the 8,000 that made the national seed spend 86 % of its time binding.
            assert!(rows * columns <= 512, "{rows} rows of {columns} on SQLite");
        }
        assert_eq!(rows_per_statement("SQLite", 1000), 1);
    }

    #[test]
    fn a_bulk_statement_on_postgres_stays_large() {
        assert_eq!(rows_per_statement("PostgreSQL", 10), 800);
        assert!(rows_per_statement("PostgreSQL", 7) * 7 <= POSTGRES_BULK_PARAMETERS);
    }
}
