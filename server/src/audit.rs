//! The audit log (自己情報の提供記録): every read or write of personal data, append-only.
//! The recipient sees their own rows in the portal. Never write a 個人番号 or a secret here.

use crate::auth::Caller;
use crate::db::{insert_rows, now_text, Db, Value};

/// Record one access to one recipient's data (or to none: `recipient_id = None`).
pub async fn record(
    db: &Db,
    caller: &Caller,
    action: &str,
    recipient_id: Option<i64>,
    detail: &str,
) -> anyhow::Result<()> {
    record_as(
        db,
        caller.role.as_str(),
        &caller.actor_id,
        &caller.actor_label,
        action,
        recipient_id,
        detail,
    )
    .await
}

/// Record the same access for each recipient shown (a list is a read of every line in it).
pub async fn record_many(
    db: &Db,
    caller: &Caller,
    action: &str,
    recipient_ids: &[i64],
    detail: &str,
) -> anyhow::Result<()> {
    if recipient_ids.is_empty() {
        return Ok(());
    }
    let at = now_text();
    // Multi-row INSERTs: a screening of a large office names 100,000 recipients.
    let rows: Vec<Vec<Value>> = recipient_ids
        .iter()
        .map(|id| {
            vec![
                at.as_str().into(),
                caller.role.as_str().into(),
                caller.actor_id.as_str().into(),
                caller.actor_label.as_str().into(),
                action.into(),
                (*id).into(),
                detail.into(),
            ]
        })
        .collect();
    let mut tx = db.pool.begin().await?;
    insert_rows(
        &mut tx,
        "audit_log",
        &[
            "at",
            "actor_role",
            "actor_id",
            "actor_label",
            "action",
            "recipient_id",
            "detail",
        ],
        &rows,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// For actors that are not a signed-in caller (the command line, imports, the seed).
pub async fn record_as(
    db: &Db,
    role: &str,
    actor_id: &str,
    actor_label: &str,
    action: &str,
    recipient_id: Option<i64>,
    detail: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_role, actor_id, actor_label, action, recipient_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(now_text())
    .bind(role)
    .bind(actor_id)
    .bind(actor_label)
    .bind(action)
    .bind(recipient_id)
    .bind(detail)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// [`record`] inside the caller's transaction: the access is logged if and only if what it
/// belongs to is written (a verification and its audit row commit together).
pub async fn record_in(
    conn: &mut sqlx::AnyConnection,
    caller: &Caller,
    action: &str,
    recipient_id: Option<i64>,
    detail: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_role, actor_id, actor_label, action, recipient_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(now_text())
    .bind(caller.role.as_str())
    .bind(&caller.actor_id)
    .bind(&caller.actor_label)
    .bind(action)
    .bind(recipient_id)
    .bind(detail)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
