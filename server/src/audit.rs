//! The audit log (自己情報の提供記録): every read or write of personal data, append-only.
//! The recipient sees their own rows in the portal. Never write a 個人番号 or a secret here.
//! This module decides who is recorded; `crate::store::audit` writes the rows.

use domain::api::Role;

use crate::auth::Caller;
use crate::db::{now_text, Db};
use crate::store;
use crate::store::audit::Entry;

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
    record_batch(
        db,
        &[BatchAccess {
            caller,
            action,
            recipient_ids,
            detail,
        }],
    )
    .await
}

/// A 一括照会 read of `institution`'s `month` by `caller` that listed `recipient_ids`: a read
/// of each of them, stored as one row naming the set listed (`store::audit::insert_roster_read`);
/// each recipient's 提供記録 shows it. Nothing listed, nothing read: no row.
pub async fn record_roster_read(
    db: &Db,
    caller: &Caller,
    institution: &str,
    month: &str,
    recipient_ids: &[i64],
    detail: &str,
) -> anyhow::Result<()> {
    if recipient_ids.is_empty() {
        return Ok(());
    }
    let at = now_text();
    let entry = entry_of(&at, caller, "roster", detail);
    let mut tx = db.pool.begin().await?;
    store::audit::insert_roster_read(&mut tx, &entry, institution, month, recipient_ids).await?;
    tx.commit().await?;
    Ok(())
}

/// One access of [`record_batch`]: the same access for each recipient listed.
#[derive(Debug, Clone, Copy)]
pub struct BatchAccess<'a> {
    pub caller: &'a Caller,
    pub action: &'a str,
    pub recipient_ids: &'a [i64],
    pub detail: &'a str,
}

/// Record several accesses in one transaction, all or none: one commit for many (the daily
/// feed's offices; a commit per office was most of its time, docs/benchmarks.md).
pub async fn record_batch(db: &Db, accesses: &[BatchAccess<'_>]) -> anyhow::Result<()> {
    if accesses.iter().all(|a| a.recipient_ids.is_empty()) {
        return Ok(());
    }
    let at = now_text();
    if let Some(fast) = db.sqlite.clone() {
        // On SQLite through a prepared statement on a blocking thread: a national day's feed
        // audits 500,000 recipients (docs/benchmarks.md).
        let owned: Vec<(Caller, String, String, Vec<i64>)> = accesses
            .iter()
            .map(|a| {
                (
                    a.caller.clone(),
                    a.action.to_string(),
                    a.detail.to_string(),
                    a.recipient_ids.to_vec(),
                )
            })
            .collect();
        return fast
            .blocking(move |conn| {
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                for (caller, action, detail, ids) in &owned {
                    let entry = entry_of(&at, caller, action, detail);
                    let entries: Vec<(Entry<'_>, Option<i64>)> =
                        ids.iter().map(|id| (entry, Some(*id))).collect();
                    store::audit::insert_entries_sqlite(&tx, &entries)?;
                }
                tx.commit()?;
                Ok(())
            })
            .await;
    }
    let mut tx = db.pool.begin().await?;
    for access in accesses {
        let entry = entry_of(&at, access.caller, access.action, access.detail);
        store::audit::insert_many(&mut tx, &entry, access.recipient_ids).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The audit entry of `caller`'s access.
fn entry_of<'a>(at: &'a str, caller: &'a Caller, action: &'a str, detail: &'a str) -> Entry<'a> {
    Entry {
        at,
        actor_role: caller.role.as_str(),
        actor_id: &caller.actor_id,
        actor_label: &caller.actor_label,
        action,
        detail,
    }
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
    let at = now_text();
    let entry = Entry {
        at: &at,
        actor_role: role,
        actor_id,
        actor_label,
        action,
        detail,
    };
    store::audit::insert(&db.pool, &entry, recipient_id).await?;
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
    let at = now_text();
    let entry = entry_of(&at, caller, action, detail);
    store::audit::insert(&mut *conn, &entry, recipient_id).await?;
    Ok(())
}

/// The actor the audit log names when a command reads an office's data on its behalf.
pub fn command_caller(office: &str, office_name: &str, command: &str) -> Caller {
    Caller {
        role: Role::Operator,
        actor_id: command.to_string(),
        display_name: command.to_string(),
        user_id: None,
        office_number: Some(office.to_string()),
        institution_code: None,
        recipient_id: None,
        actor_label: format!("{office_name}（{command}）"),
    }
}

/// One access, for [`record_all_in`].
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    pub caller: &'a Caller,
    pub action: &'a str,
    pub recipient_id: Option<i64>,
    pub detail: &'a str,
}

/// [`record_in`] for several accesses at once, in one multi-row statement (the group commit
/// of verifications, `crate::recorder`).
pub async fn record_all_in(
    conn: &mut sqlx::AnyConnection,
    accesses: &[Access<'_>],
) -> anyhow::Result<()> {
    if accesses.is_empty() {
        return Ok(());
    }
    let at = now_text();
    store::audit::insert_entries(conn, &entries(accesses, &at)).await
}

/// [`record_all_in`] in a transaction of [`crate::db::SqliteFast`] (the group commit on
/// SQLite).
pub fn record_all_sqlite(
    tx: &rusqlite::Transaction<'_>,
    accesses: &[Access<'_>],
) -> anyhow::Result<()> {
    let at = now_text();
    store::audit::insert_entries_sqlite(tx, &entries(accesses, &at))
}

fn entries<'a>(accesses: &[Access<'a>], at: &'a str) -> Vec<(Entry<'a>, Option<i64>)> {
    accesses
        .iter()
        .map(|a| (entry_of(at, a.caller, a.action, a.detail), a.recipient_id))
        .collect()
}
