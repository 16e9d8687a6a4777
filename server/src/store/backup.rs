//! SQL for `onshi backup` / `onshi restore` (SQLite only): an online copy, the schema
//! version and the integrity check.

use std::path::Path;

use crate::db::Db;

/// Write a consistent copy of the whole database to `file` (which must not exist) while
/// others keep reading and writing: `VACUUM INTO` reads one snapshot in one transaction.
pub async fn vacuum_into(db: &Db, file: &Path) -> anyhow::Result<()> {
    let target = file
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("バックアップ先のパスが UTF-8 ではありません"))?;
    sqlx::query("VACUUM INTO $1")
        .bind(target.to_string())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The last migration applied (0 when none).
pub async fn schema_version(db: &Db) -> anyhow::Result<i64> {
    let (v,): (Option<i64>,) =
        sqlx::query_as("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
            .fetch_one(&db.pool)
            .await?;
    Ok(v.unwrap_or(0))
}

/// `PRAGMA integrity_check`: `["ok"]` when the file is sound, else the problems found.
pub async fn integrity_check(db: &Db) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
