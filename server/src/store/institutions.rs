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
