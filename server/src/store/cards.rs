//! Mock マイナンバーカード and the challenges they sign: the `cards` and `card_challenges`
//! tables.
//!
//! Instants are UTC RFC 3339 text. How long a challenge may be answered, and what a valid
//! signature is, are the callers' (`crate::cards`, the sign-in and verification handlers).

use sqlx::AnyConnection;

use crate::db::Db;

/// Record an issued card.
pub async fn insert(
    conn: &mut AnyConnection,
    serial: &str,
    recipient_id: i64,
    issued_at: &str,
    not_after: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO cards (serial, recipient_id, issued_at, not_after) VALUES ($1, $2, $3, $4)",
    )
    .bind(serial)
    .bind(recipient_id)
    .bind(issued_at)
    .bind(not_after)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Revoke a card that is not yet revoked; how many were (0 or 1).
pub async fn revoke(db: &Db, serial: &str, at: &str) -> anyhow::Result<u64> {
    let result =
        sqlx::query("UPDATE cards SET revoked_at = $1 WHERE serial = $2 AND revoked_at IS NULL")
            .bind(at)
            .bind(serial)
            .execute(&db.pool)
            .await?;
    Ok(result.rows_affected())
}

/// Is the card with this serial revoked? (An unknown serial is not.)
pub async fn is_revoked(db: &Db, serial: &str) -> anyhow::Result<bool> {
    let revoked: Vec<(String,)> =
        sqlx::query_as("SELECT serial FROM cards WHERE serial = $1 AND revoked_at IS NOT NULL")
            .bind(serial)
            .fetch_all(&db.pool)
            .await?;
    Ok(revoked.iter().any(|(s,)| s == serial))
}

/// The record the card with this serial was issued to, if it is the record with these
/// numbers.
pub async fn holder(
    db: &Db,
    serial: &str,
    office_number: &str,
    recipient_number: &str,
) -> anyhow::Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT r.id FROM cards c JOIN recipients r ON r.id = c.recipient_id \
         WHERE c.serial = $1 AND r.office_number = $2 AND r.recipient_number = $3",
    )
    .bind(serial)
    .bind(office_number)
    .bind(recipient_number)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| r.0))
}

/// Store a challenge, first dropping those created before `stale_before` (useless by now):
/// one transaction, one commit.
pub async fn insert_challenge(
    db: &Db,
    id: &str,
    challenge: &str,
    created_at: &str,
    stale_before: &str,
) -> anyhow::Result<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM card_challenges WHERE created_at < $1")
        .bind(stale_before)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO card_challenges (id, challenge, created_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(challenge)
        .bind(created_at)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Take a challenge out: (challenge, created_at), if it existed. One statement deletes and
/// returns it, so of requests racing with the same challenge only one gets it.
pub async fn take_challenge(db: &Db, id: &str) -> anyhow::Result<Option<(String, String)>> {
    let row: Option<(String, String)> =
        sqlx::query_as("DELETE FROM card_challenges WHERE id = $1 RETURNING challenge, created_at")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row)
}
