//! 医療機関・薬局 as sign-in and sessions see them: names from `institutions`.

use sqlx::AnyConnection;

/// The institution's name, if it is registered.
pub async fn name(conn: &mut AnyConnection, code: &str) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT name FROM institutions WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.0))
}

/// The first (by code) 医科 institution (点数表 1) whose code starts with `prefix`, other
/// than `code` (the demo's second clinic).
pub async fn other_clinic(
    conn: &mut AnyConnection,
    code: &str,
    prefix: &str,
) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT code FROM institutions WHERE score_table = 1 AND code <> $1 AND code LIKE $2 ORDER BY code",
    )
    .bind(code)
    .bind(format!("{prefix}%"))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| r.0))
}
