//! 自己情報の提供記録: the `audit_log` table, append-only.
//!
//! [`insert`] writes one row (pass `&db.pool`, or `&mut *tx` to commit it with what it
//! belongs to); [`insert_many`] the same access for many recipients with multi-row
//! statements. `crate::audit` decides what is recorded; this module only writes it.
//!
//! [`insert_roster_read`] writes a 一括照会 read as one row naming the set of recipients it
//! listed (`roster_sets`, migration 0012), the set stored once per institution, month and
//! content.
//!
//! The portal's 自己情報の提供記録 reads a recipient's rows with the verifications that
//! came by import or seed (they have no audit row of their own): [`count_access`],
//! [`access_page`].

use sqlx::{AnyConnection, AnyExecutor};

use crate::db::{insert_rows, Value};

/// One access to record.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// UTC RFC 3339 (`crate::db::now_text`).
    pub at: &'a str,
    pub actor_role: &'a str,
    pub actor_id: &'a str,
    pub actor_label: &'a str,
    pub action: &'a str,
    pub detail: &'a str,
}

const COLUMNS: [&str; 7] = [
    "at",
    "actor_role",
    "actor_id",
    "actor_label",
    "action",
    "recipient_id",
    "detail",
];

/// Write one access to one recipient's data (or to none).
pub async fn insert<'e>(
    exec: impl AnyExecutor<'e>,
    entry: &Entry<'_>,
    recipient_id: Option<i64>,
) -> anyhow::Result<()> {
    sqlx::query(INSERT_ONE)
        .bind(entry.at)
        .bind(entry.actor_role)
        .bind(entry.actor_id)
        .bind(entry.actor_label)
        .bind(entry.action)
        .bind(recipient_id)
        .bind(entry.detail)
        .execute(exec)
        .await?;
    Ok(())
}

const INSERT_ONE: &str = "INSERT INTO audit_log (at, actor_role, actor_id, actor_label, action, recipient_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Write several accesses in a transaction of [`crate::db::SqliteFast`] (the group commit of
/// verifications on SQLite): one prepared statement, run for each.
pub fn insert_entries_sqlite(
    tx: &rusqlite::Transaction<'_>,
    entries: &[(Entry<'_>, Option<i64>)],
) -> anyhow::Result<()> {
    let mut statement = tx.prepare_cached(INSERT_ONE)?;
    for (entry, recipient_id) in entries {
        statement.execute(rusqlite::params![
            entry.at,
            entry.actor_role,
            entry.actor_id,
            entry.actor_label,
            entry.action,
            recipient_id,
            entry.detail
        ])?;
    }
    Ok(())
}

/// Write the same access once for each recipient, with multi-row statements (a screening
/// of a large office names 100,000 recipients).
pub async fn insert_many(
    conn: &mut AnyConnection,
    entry: &Entry<'_>,
    recipient_ids: &[i64],
) -> anyhow::Result<()> {
    let entries: Vec<(Entry<'_>, Option<i64>)> =
        recipient_ids.iter().map(|id| (*entry, Some(*id))).collect();
    insert_entries(conn, &entries).await
}

/// Write several accesses (each to one recipient or to none) with multi-row statements.
pub async fn insert_entries(
    conn: &mut AnyConnection,
    entries: &[(Entry<'_>, Option<i64>)],
) -> anyhow::Result<()> {
    let rows: Vec<Vec<Value>> = entries
        .iter()
        .map(|(entry, recipient_id)| {
            vec![
                entry.at.into(),
                entry.actor_role.into(),
                entry.actor_id.into(),
                entry.actor_label.into(),
                entry.action.into(),
                recipient_id.map_or(Value::NullInt, Value::Int),
                entry.detail.into(),
            ]
        })
        .collect();
    insert_rows(conn, "audit_log", &COLUMNS, &rows).await
}

/// Write one 一括照会 read of `institution`'s `month` that listed `recipient_ids`: one
/// `audit_log` row (recipient_id NULL) naming the set of recipients, the set written first
/// unless a read of the same institution and month listed the same recipients before (the
/// desk's background refresh of an unchanged roster writes one row). Run it in a
/// transaction: the set, its members and the read commit together.
pub async fn insert_roster_read(
    conn: &mut AnyConnection,
    entry: &Entry<'_>,
    institution: &str,
    month: &str,
    recipient_ids: &[i64],
) -> anyhow::Result<()> {
    let mut ids = recipient_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let digest = roster_digest(&ids);
    let size = i64::try_from(ids.len())?;
    let inserted: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO roster_sets (institution_code, month, digest, size, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(institution)
    .bind(month)
    .bind(&digest)
    .bind(size)
    .bind(entry.at)
    .fetch_optional(&mut *conn)
    .await?;
    let set_id = match inserted {
        Some((id,)) => {
            let rows: Vec<Vec<Value>> = ids
                .iter()
                .map(|recipient| vec![Value::Int(*recipient), Value::Int(id)])
                .collect();
            insert_rows(
                conn,
                "roster_set_members",
                &["recipient_id", "set_id"],
                &rows,
            )
            .await?;
            id
        }
        None => {
            let (id,): (i64,) = sqlx::query_as(
                "SELECT id FROM roster_sets WHERE institution_code = $1 AND month = $2 AND digest = $3",
            )
            .bind(institution)
            .bind(month)
            .bind(&digest)
            .fetch_one(&mut *conn)
            .await?;
            id
        }
    };
    sqlx::query(
        "INSERT INTO audit_log (at, actor_role, actor_id, actor_label, action, recipient_id, detail, roster_set_id) \
         VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)",
    )
    .bind(entry.at)
    .bind(entry.actor_role)
    .bind(entry.actor_id)
    .bind(entry.actor_label)
    .bind(entry.action)
    .bind(entry.detail)
    .bind(set_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The key of a set of recipients: SHA-256 of the sorted ids, as decimal text one per line.
fn roster_digest(sorted_ids: &[i64]) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for id in sorted_ids {
        hash.update(id.to_string().as_bytes());
        hash.update(b"\n");
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------- 自己情報の提供記録

/// Whose 提供記録 to read.
#[derive(Debug, Clone, Copy)]
pub struct AccessQuery<'a> {
    pub recipient_id: i64,
    /// The recipient's current record (公費負担者番号, 受給者番号): verifications are by number.
    pub office_number: &'a str,
    pub recipient_number: &'a str,
    /// Include the recipient's own accesses (actor role `recipient`).
    pub include_own: bool,
}

/// One line of a 提供記録: an audit row, an imported or seeded verification, or every
/// 一括照会 (roster) read of one institution for one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRecord {
    /// UTC RFC 3339 (for roster reads: the latest).
    pub at: String,
    pub actor_role: String,
    pub actor_label: String,
    pub action: String,
    /// An audit row's detail; for a verification `<validity>:<reference_class>` (codes); for
    /// roster reads the 診療年月 `YYYY-MM`.
    pub detail: String,
    pub source: AccessSource,
    pub id: i64,
}

/// Where a 提供記録 line comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessSource {
    /// One `audit_log` row.
    Audit,
    /// A verification without an audit row of its own.
    Verification,
    /// The `roster` audit rows of one institution and 診療年月, one line for all of them
    /// (each read stays in `audit_log`; only the recipient's view is aggregated).
    RosterReads {
        count: u64,
        /// The first read, UTC RFC 3339.
        first_at: String,
    },
}

/// Rows of `audit_log` about the recipient, but the roster reads, one line per institution
/// and month for those (the month is the last 7 characters of their detail, `{what} YYYY-MM`,
/// as `http::verify::audit_roster` writes it; a read is found through the recipient's
/// `roster_set_members`, or, written before migration 0012, by its own `recipient_id`); and the verifications of the 実績ログ that came
/// by import or demo seed (`source` import/seed: they have no audit row of their own; online
/// and offline verifications do, written by `http::verify`).
const ACCESS_UNION: &str = "\
    SELECT a.at AS at, a.at AS first_at, a.actor_role AS actor_role, a.actor_label AS actor_label, \
           a.action AS action, a.detail AS detail, CAST(0 AS BIGINT) AS src, a.id AS id, \
           CAST(1 AS BIGINT) AS n \
    FROM audit_log a WHERE a.recipient_id = $1 AND ($4 = 1 OR a.actor_role <> 'recipient') \
      AND a.action <> 'roster' \
    UNION ALL \
    SELECT MAX(r.at), MIN(r.at), r.actor_role, r.actor_label, 'roster', r.month, \
           CAST(2 AS BIGINT), MAX(r.id), COUNT(*) \
    FROM ( \
        SELECT a.at AS at, a.actor_role AS actor_role, a.actor_label AS actor_label, \
               SUBSTR(a.detail, LENGTH(a.detail) - 6) AS month, a.id AS id \
        FROM audit_log a WHERE a.recipient_id = $1 AND a.action = 'roster' \
        UNION ALL \
        SELECT a.at, a.actor_role, a.actor_label, SUBSTR(a.detail, LENGTH(a.detail) - 6), a.id \
        FROM roster_set_members m JOIN audit_log a ON a.roster_set_id = m.set_id \
        WHERE m.recipient_id = $1 \
    ) r \
    GROUP BY r.actor_role, r.actor_label, r.month \
    UNION ALL \
    SELECT v.verified_at, v.verified_at, 'clinic', COALESCE(i.name, v.institution_code), 'verification', \
           CAST(v.validity AS TEXT) || ':' || CAST(v.reference_class AS TEXT), CAST(1 AS BIGINT), v.id, \
           CAST(1 AS BIGINT) \
    FROM verifications v LEFT JOIN institutions i ON i.code = v.institution_code \
    WHERE v.office_number = $2 AND v.recipient_number = $3 AND v.source IN ('import', 'seed')";

/// How many lines the recipient's 提供記録 has.
pub async fn count_access<'e>(
    exec: impl AnyExecutor<'e>,
    q: &AccessQuery<'_>,
) -> anyhow::Result<u64> {
    let (total,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM ({ACCESS_UNION}) AS x"
    )))
    .bind(q.recipient_id)
    .bind(q.office_number)
    .bind(q.recipient_number)
    .bind(i64::from(q.include_own))
    .fetch_one(exec)
    .await?;
    Ok(u64::try_from(total).unwrap_or(0))
}

/// `limit` lines of the recipient's 提供記録 from `offset`, newest first.
pub async fn access_page<'e>(
    exec: impl AnyExecutor<'e>,
    q: &AccessQuery<'_>,
    limit: i64,
    offset: i64,
) -> anyhow::Result<Vec<AccessRecord>> {
    type AccessRow = (
        String,
        String,
        String,
        String,
        String,
        String,
        i64,
        i64,
        i64,
    );
    let rows: Vec<AccessRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT at, first_at, actor_role, actor_label, action, detail, src, id, n \
         FROM ({ACCESS_UNION}) AS x ORDER BY at DESC, src DESC, id DESC LIMIT $5 OFFSET $6"
    )))
    .bind(q.recipient_id)
    .bind(q.office_number)
    .bind(q.recipient_number)
    .bind(i64::from(q.include_own))
    .bind(limit)
    .bind(offset)
    .fetch_all(exec)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(at, first_at, actor_role, actor_label, action, detail, src, id, n)| AccessRecord {
                at,
                actor_role,
                actor_label,
                action,
                detail,
                source: match src {
                    1 => AccessSource::Verification,
                    2 => AccessSource::RosterReads {
                        count: u64::try_from(n).unwrap_or(0),
                        first_at,
                    },
                    _ => AccessSource::Audit,
                },
                id,
            },
        )
        .collect())
}
