//! 医療機関・薬局: the `institutions` table (names for sign-in and sessions, the office's
//! search, the institution's home).

use std::collections::HashSet;

use chrono::NaiveDate;
use sqlx::AnyConnection;

use crate::db::{insert_rows, Db, Value};

/// The institution's name, if it is registered.
pub async fn name(conn: &mut AnyConnection, code: &str) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT name FROM institutions WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.0))
}

/// An institution as the office's search lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InstitutionRow {
    pub code: String,
    pub name: String,
    pub score_table: i64,
    pub online_capable: i64,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// 廃止年月日 (`YYYY-MM-DD`), if abolished.
    pub abolished_on: Option<String>,
}

/// What the institution search looks for.
#[derive(Debug, Clone, Copy)]
pub enum Search<'a> {
    Everything,
    /// Codes beginning with these digits.
    CodePrefix(&'a str),
    /// Names containing this text.
    NameContains(&'a str),
}

/// Up to `limit` institutions matching `search` (and of `score_table`, when given), by code;
/// with `in_force_first`, those in force on that day first, then those abolished on or
/// before it.
pub async fn search(
    db: &Db,
    search: Search<'_>,
    score_table: Option<u8>,
    in_force_first: Option<NaiveDate>,
    limit: i64,
) -> anyhow::Result<Vec<InstitutionRow>> {
    let mut sql = "SELECT code, name, score_table, online_capable, address, phone, abolished_on FROM institutions WHERE 1 = 1".to_string();
    let mut binds: Vec<String> = Vec::new();
    match search {
        Search::Everything => {}
        Search::CodePrefix(digits) => {
            sql.push_str(" AND code LIKE $1");
            binds.push(format!("{digits}%"));
        }
        Search::NameContains(typed) => {
            sql.push_str(" AND name LIKE $1 ESCAPE '\\'");
            let escaped = typed
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            binds.push(format!("%{escaped}%"));
        }
    }
    if let Some(t) = score_table {
        sql.push_str(&format!(" AND score_table = {t}"));
    }
    if let Some(day) = in_force_first {
        sql.push_str(&format!(
            " ORDER BY CASE WHEN abolished_on IS NOT NULL AND abolished_on <= '{}' THEN 1 ELSE 0 END, code",
            day.format("%Y-%m-%d")
        ));
    } else {
        sql.push_str(" ORDER BY code");
    }
    sql.push_str(&format!(" LIMIT {limit}"));
    let mut query = sqlx::query_as::<_, InstitutionRow>(sqlx::AssertSqlSafe(sql));
    for b in binds {
        query = query.bind(b);
    }
    Ok(query.fetch_all(&db.pool).await?)
}

/// The institution's name, 点数表 and whether it verifies online, if it is registered.
pub async fn home_row(db: &Db, code: &str) -> anyhow::Result<Option<(String, i64, i64)>> {
    let row: Option<(String, i64, i64)> = sqlx::query_as(
        "SELECT name, score_table, online_capable FROM institutions WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row)
}

/// Every institution stored.
pub async fn count_all(db: &Db) -> anyhow::Result<u64> {
    db.count("SELECT COUNT(*) FROM institutions").await
}

/// The codes of every institution of this 点数表, in order.
pub async fn codes_of_score_table(db: &Db, score_table: u8) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT code FROM institutions WHERE score_table = $1 ORDER BY code")
            .bind(i64::from(score_table))
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The codes of every institution stored.
pub async fn codes(db: &Db) -> anyhow::Result<HashSet<String>> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT code FROM institutions")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Insert the institution, or update the one with its code (点数表 from the code).
pub async fn upsert(
    conn: &mut AnyConnection,
    r: &domain::import::InstitutionRow,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO institutions (code, name, score_table, online_capable, postal_code, address, phone) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, score_table = excluded.score_table, \
         online_capable = excluded.online_capable, postal_code = excluded.postal_code, \
         address = excluded.address, phone = excluded.phone",
    )
    .bind(r.code.as_str())
    .bind(&r.name)
    .bind(i64::from(r.code.score_table().code()))
    .bind(i64::from(r.online_capable))
    .bind(&r.postal_code)
    .bind(&r.address)
    .bind(&r.phone)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An institution to insert (the seed).
#[derive(Debug, Clone)]
pub struct NewInstitution {
    pub code: String,
    pub name: String,
    pub score_table: u8,
    pub online_capable: bool,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

/// Insert institutions, many rows a statement.
pub async fn insert_many(
    conn: &mut AnyConnection,
    institutions: &[NewInstitution],
) -> anyhow::Result<()> {
    let rows: Vec<Vec<Value>> = institutions
        .iter()
        .map(|i| {
            vec![
                i.code.clone().into(),
                i.name.clone().into(),
                i64::from(i.score_table).into(),
                i64::from(i.online_capable).into(),
                i.postal_code.clone().into(),
                i.address.clone().into(),
                i.phone.clone().into(),
            ]
        })
        .collect();
    insert_rows(
        conn,
        "institutions",
        &[
            "code",
            "name",
            "score_table",
            "online_capable",
            "postal_code",
            "address",
            "phone",
        ],
        &rows,
    )
    .await
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

// ---------------------------------------------------------------- the operator's registry

/// An institution as the registry keeps it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegistryRow {
    pub code: String,
    pub name: String,
    pub score_table: i64,
    pub online_capable: i64,
    pub designated_from: Option<String>,
    pub designated_until: Option<String>,
    pub abolished_on: Option<String>,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

const REGISTRY_COLUMNS: &str =
    "code, name, score_table, online_capable, designated_from, designated_until, \
     abolished_on, postal_code, address, phone";

impl RegistryRow {
    /// The stored fields as the domain checks them (a date that does not read is none).
    pub fn values(&self) -> domain::institution::InstitutionValues {
        let date = |v: &Option<String>| {
            v.as_deref()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        };
        domain::institution::InstitutionValues {
            name: self.name.clone(),
            online_capable: self.online_capable != 0,
            designated_from: date(&self.designated_from),
            designated_until: date(&self.designated_until),
            abolished_on: date(&self.abolished_on),
            postal_code: self.postal_code.clone(),
            address: self.address.clone(),
            phone: self.phone.clone(),
        }
    }
}

/// One institution of the registry.
pub async fn registry_row(
    conn: &mut AnyConnection,
    code: &str,
) -> anyhow::Result<Option<RegistryRow>> {
    let sql = format!("SELECT {REGISTRY_COLUMNS} FROM institutions WHERE code = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Up to `limit` institutions of the registry matching `search`, by code.
pub async fn registry_search(
    db: &Db,
    search: Search<'_>,
    limit: i64,
) -> anyhow::Result<Vec<RegistryRow>> {
    let codes: Vec<String> = self::search(db, search, None, None, limit)
        .await?
        .into_iter()
        .map(|r| r.code)
        .collect();
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {REGISTRY_COLUMNS} FROM institutions WHERE code IN ({}) ORDER BY code",
        crate::db::placeholders(1, codes.len())
    );
    let mut query = sqlx::query_as::<_, RegistryRow>(sqlx::AssertSqlSafe(sql));
    for c in &codes {
        query = query.bind(c);
    }
    Ok(query.fetch_all(&db.pool).await?)
}

fn date_text(d: Option<chrono::NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// Add an institution (its 点数表 from the code); false when the code is taken.
pub async fn insert_one(
    conn: &mut AnyConnection,
    code: &domain::numbers::InstitutionCode,
    v: &domain::institution::InstitutionValues,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO institutions (code, name, score_table, online_capable, designated_from, designated_until, \
         abolished_on, postal_code, address, phone) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (code) DO NOTHING",
    )
    .bind(code.as_str())
    .bind(&v.name)
    .bind(i64::from(code.score_table().code()))
    .bind(i64::from(v.online_capable))
    .bind(date_text(v.designated_from))
    .bind(date_text(v.designated_until))
    .bind(date_text(v.abolished_on))
    .bind(&v.postal_code)
    .bind(&v.address)
    .bind(&v.phone)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replace the fields of an institution (not its code); false when it is not stored.
pub async fn update_one(
    conn: &mut AnyConnection,
    code: &str,
    v: &domain::institution::InstitutionValues,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE institutions SET name = $2, online_capable = $3, designated_from = $4, designated_until = $5, \
         abolished_on = $6, postal_code = $7, address = $8, phone = $9 WHERE code = $1",
    )
    .bind(code)
    .bind(&v.name)
    .bind(i64::from(v.online_capable))
    .bind(date_text(v.designated_from))
    .bind(date_text(v.designated_until))
    .bind(date_text(v.abolished_on))
    .bind(&v.postal_code)
    .bind(&v.address)
    .bind(&v.phone)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Who changed an institution, and when (UTC RFC 3339).
pub struct ChangeAuthor<'a> {
    pub at: &'a str,
    pub login: &'a str,
    pub name: &'a str,
}

/// Append the audit trail of one change.
pub async fn insert_changes(
    conn: &mut AnyConnection,
    code: &str,
    changes: &[domain::institution::FieldChange],
    by: &ChangeAuthor<'_>,
) -> anyhow::Result<()> {
    let rows: Vec<Vec<Value>> = changes
        .iter()
        .map(|c| {
            vec![
                code.to_string().into(),
                c.field.to_string().into(),
                c.before.clone().into(),
                c.after.clone().into(),
                by.at.to_string().into(),
                by.login.to_string().into(),
                by.name.to_string().into(),
            ]
        })
        .collect();
    insert_rows(
        conn,
        "institution_changes",
        &[
            "institution_code",
            "field",
            "before_value",
            "after_value",
            "changed_at",
            "changed_by",
            "changed_by_name",
        ],
        &rows,
    )
    .await
}

/// One line of an institution's audit trail.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChangeRow {
    pub changed_at: String,
    pub changed_by: String,
    pub changed_by_name: String,
    pub field: String,
    pub before_value: String,
    pub after_value: String,
}

/// The audit trail of an institution, newest first.
pub async fn changes(conn: &mut AnyConnection, code: &str) -> anyhow::Result<Vec<ChangeRow>> {
    Ok(sqlx::query_as(
        "SELECT changed_at, changed_by, changed_by_name, field, before_value, after_value \
         FROM institution_changes WHERE institution_code = $1 ORDER BY id DESC",
    )
    .bind(code)
    .fetch_all(&mut *conn)
    .await?)
}

/// The institution's 廃止年月日, if it is registered and abolished.
pub async fn abolished_on(
    conn: &mut AnyConnection,
    code: &str,
) -> anyhow::Result<Option<chrono::NaiveDate>> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT abolished_on FROM institutions WHERE code = $1")
            .bind(code)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row
        .and_then(|r| r.0)
        .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()))
}
