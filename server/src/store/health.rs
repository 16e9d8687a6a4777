//! 健診情報 and 薬剤情報: the `checkups`, `checkup_items`, `receipt_imports`,
//! `dispensed_drugs` and `drug_master` tables.
//!
//! Writes run inside the caller's transaction (`&mut *tx`): an import writes everything in
//! one. A 健診 is replaced by recipient + 受診日 ([`replace_checkup`]: upsert, items
//! replaced); a receipt's drugs by institution + 診療年月 + recipient + レセプト種別
//! ([`replace_receipt_drugs`]); the 医薬品マスター is upserted by 医薬品コード
//! ([`upsert_drug_master`]). Each file block is one [`insert_receipt_import`]; the seed
//! writes its drugs with [`insert_dispensings`].
//!
//! Reads: [`checkups`] (domain checkups with their items, oldest first, of an office or a
//! recipient), [`checkup_days_of_office`] (the 健診 deadline), and [`dispensings`]
//! ([`DrugRecord`]: a dispensing with what the master and the institutions say about it,
//! oldest first, of a recipient or of an office's 診療年月).

use chrono::NaiveDate;
use sqlx::{AnyConnection, AnyExecutor};

use domain::checkup::{Checkup, CheckupItem, ItemValue, Provider};
use domain::codes::Sex;
use domain::numbers::{PublicPayerNumber, RecipientNumber};
use domain::receipt::{DrugMasterRow, Receipt};

use crate::db::{self, Db, Value};

// ---------------------------------------------------------------- 健診

/// Write one 健診 of a recipient: upsert by recipient + 受診日, its items replaced.
/// Gives the items written and whether a 健診 already registered was replaced.
pub async fn replace_checkup(
    conn: &mut AnyConnection,
    recipient_id: i64,
    c: &Checkup,
    source: &str,
    at: &str,
    by: &str,
) -> anyhow::Result<(usize, bool)> {
    let provider = c.provider.as_ref();
    let existing: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM checkups WHERE recipient_id = $1 AND examined_on = $2")
            .bind(recipient_id)
            .bind(c.examined_on.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    let (checkup_id,): (i64,) = sqlx::query_as(
        "INSERT INTO checkups (recipient_id, office_number, examined_on, fiscal_year, report_kind, program, \
         provider_number, provider_name, source, imported_at, imported_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (recipient_id, examined_on) DO UPDATE SET office_number = excluded.office_number, \
         fiscal_year = excluded.fiscal_year, report_kind = excluded.report_kind, program = excluded.program, \
         provider_number = excluded.provider_number, provider_name = excluded.provider_name, \
         source = excluded.source, imported_at = excluded.imported_at, imported_by = excluded.imported_by \
         RETURNING id",
    )
    .bind(recipient_id)
    .bind(c.office.as_str())
    .bind(c.examined_on.to_string())
    .bind(i64::from(domain::checkup::fiscal_year(c.examined_on)))
    .bind(&c.report_kind)
    .bind(&c.program)
    .bind(provider.and_then(|p| p.number.clone()))
    .bind(provider.and_then(|p| p.name.clone()))
    .bind(source)
    .bind(at)
    .bind(by)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM checkup_items WHERE checkup_id = $1")
        .bind(checkup_id)
        .execute(&mut *conn)
        .await?;
    let rows: Vec<Vec<Value>> = c
        .items
        .iter()
        .enumerate()
        .map(|(seq, item)| {
            let (value, unit, system) = item.value.to_parts();
            vec![
                checkup_id.into(),
                i64::try_from(seq).unwrap_or(0).into(),
                item.code.as_str().into(),
                item.value.kind().into(),
                value.map(str::to_string).into(),
                unit.map(str::to_string).into(),
                system.map(str::to_string).into(),
            ]
        })
        .collect();
    db::insert_rows(
        conn,
        "checkup_items",
        &[
            "checkup_id",
            "seq",
            "code",
            "kind",
            "value",
            "unit",
            "code_system",
        ],
        &rows,
    )
    .await?;
    Ok((rows.len(), existing.is_some()))
}

/// Whose 健診 [`checkups`] reads.
#[derive(Debug, Clone, Copy)]
pub enum CheckupsOf<'a> {
    Office(&'a str),
    Recipient(i64),
}

type CheckupRow = (
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
);

/// code, kind, value, unit, code_system.
type ItemRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

const CHECKUP_COLUMNS: &str = "c.id, c.recipient_id, c.examined_on, c.report_kind, c.program, c.provider_number, c.provider_name, \
     r.recipient_number, r.name, r.birth_date, r.sex, r.office_number, r.postal_code, r.address";

/// Stored checkups (with their items) of an office or a recipient, of one fiscal year or
/// all, as (recipient id, domain checkup), oldest first.
pub async fn checkups(
    db: &Db,
    of: CheckupsOf<'_>,
    fiscal_year: Option<i32>,
) -> anyhow::Result<Vec<(i64, Checkup)>> {
    let filter = match of {
        CheckupsOf::Office(_) => "c.office_number = $1",
        CheckupsOf::Recipient(_) => "c.recipient_id = $1",
    };
    let sql = format!(
        "SELECT {CHECKUP_COLUMNS} FROM checkups c JOIN recipients r ON r.id = c.recipient_id \
         WHERE {filter} AND ($2 = 0 OR c.fiscal_year = $2) ORDER BY c.examined_on, r.recipient_number, c.id"
    );
    let query = sqlx::query_as::<_, CheckupRow>(sqlx::AssertSqlSafe(sql));
    let query = match of {
        CheckupsOf::Office(office) => query.bind(office.to_string()),
        CheckupsOf::Recipient(id) => query.bind(id),
    };
    let rows = query
        .bind(i64::from(fiscal_year.unwrap_or(0)))
        .fetch_all(&db.pool)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let (
            id,
            recipient_id,
            examined_on,
            report_kind,
            program,
            provider_number,
            provider_name,
            recipient_number,
            name,
            birth_date,
            sex,
            office_number,
            postal_code,
            address,
        ) = row;
        let items: Vec<ItemRow> =
            sqlx::query_as(
                "SELECT code, kind, value, unit, code_system FROM checkup_items WHERE checkup_id = $1 ORDER BY seq",
            )
            .bind(id)
            .fetch_all(&db.pool)
            .await?;
        let items = items
            .into_iter()
            .filter_map(|(code, kind, value, unit, system)| {
                ItemValue::from_parts(&kind, value, unit, system)
                    .map(|value| CheckupItem { code, value })
            })
            .collect();
        let parse_date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d");
        let checkup = Checkup {
            office: PublicPayerNumber::parse(&office_number)
                .map_err(|e| anyhow::anyhow!("stored office number: {}", e.message()))?,
            recipient: RecipientNumber::parse(&recipient_number)
                .map_err(|e| anyhow::anyhow!("stored recipient number: {}", e.message()))?,
            symbol: None,
            name,
            sex: if sex == 2 { Sex::Female } else { Sex::Male },
            birth_date: parse_date(&birth_date)?,
            postal_code,
            address,
            examined_on: parse_date(&examined_on)?,
            report_kind,
            program,
            provider: (provider_number.is_some() || provider_name.is_some()).then_some(Provider {
                number: provider_number,
                name: provider_name,
            }),
            items,
        };
        out.push((recipient_id, checkup));
    }
    Ok(out)
}

/// The office's 健診 of a fiscal year: (recipient id, 受診日 as stored).
pub async fn checkup_days_of_office<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    fiscal_year: i32,
) -> anyhow::Result<Vec<(i64, String)>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT recipient_id, examined_on FROM checkups WHERE office_number = $1 AND fiscal_year = $2",
    )
    .bind(office)
    .bind(i64::from(fiscal_year))
    .fetch_all(exec)
    .await?;
    Ok(rows)
}

// ---------------------------------------------------------------- 薬剤情報

/// One block of a レセ電 file (or the seed's receipt) about to be recorded.
#[derive(Debug, Clone, Copy)]
pub struct NewReceiptImport<'a> {
    pub file_sha256: &'a str,
    pub institution_code: &'a str,
    pub institution_name: &'a str,
    /// 請求年月 `YYYY-MM`.
    pub billing_month: &'a str,
    pub receipts: i64,
    pub drugs: i64,
    pub imported_at: &'a str,
    pub imported_by: &'a str,
}

/// Record an imported block; gives its id, which its `dispensed_drugs` rows carry.
pub async fn insert_receipt_import(
    conn: &mut AnyConnection,
    new: &NewReceiptImport<'_>,
) -> anyhow::Result<i64> {
    let (import_id,): (i64,) = sqlx::query_as(
        "INSERT INTO receipt_imports (file_sha256, institution_code, institution_name, billing_month, receipts, drugs, imported_at, imported_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(new.file_sha256)
    .bind(new.institution_code)
    .bind(new.institution_name)
    .bind(new.billing_month)
    .bind(new.receipts)
    .bind(new.drugs)
    .bind(new.imported_at)
    .bind(new.imported_by)
    .fetch_one(&mut *conn)
    .await?;
    Ok(import_id)
}

/// One dispensed drug about to be written.
#[derive(Debug, Clone)]
pub struct NewDispensing<'a> {
    pub import_id: i64,
    pub recipient_id: i64,
    pub office_number: &'a str,
    pub institution_code: &'a str,
    /// 診療年月 `YYYY-MM`.
    pub treatment_month: String,
    pub receipt_kind: &'a str,
    pub receipt_number: &'a str,
    pub line: i64,
    pub category: &'a str,
    pub drug_code: &'a str,
    pub quantity: &'a str,
    pub times: i64,
    pub supply_days: Option<i64>,
    /// 算定日, `;`-separated days of the month.
    pub days_of_month: String,
}

const DISPENSING_COLUMNS: [&str; 14] = [
    "import_id",
    "recipient_id",
    "office_number",
    "institution_code",
    "treatment_month",
    "receipt_kind",
    "receipt_number",
    "line",
    "category",
    "drug_code",
    "quantity",
    "times",
    "supply_days",
    "days_of_month",
];

fn dispensing_values(d: &NewDispensing<'_>) -> Vec<Value> {
    vec![
        d.import_id.into(),
        d.recipient_id.into(),
        d.office_number.into(),
        d.institution_code.into(),
        d.treatment_month.as_str().into(),
        d.receipt_kind.into(),
        d.receipt_number.into(),
        d.line.into(),
        d.category.into(),
        d.drug_code.into(),
        d.quantity.into(),
        d.times.into(),
        d.supply_days.map_or(Value::NullInt, Value::Int),
        d.days_of_month.as_str().into(),
    ]
}

/// Write dispensed drugs (the seed's batch; imports use [`replace_receipt_drugs`]).
pub async fn insert_dispensings(
    conn: &mut AnyConnection,
    new: &[NewDispensing<'_>],
) -> anyhow::Result<()> {
    let rows: Vec<Vec<Value>> = new.iter().map(dispensing_values).collect();
    db::insert_rows(conn, "dispensed_drugs", &DISPENSING_COLUMNS, &rows).await
}

/// Replace a receipt's drugs (institution + 診療年月 + recipient + レセプト種別) by its IY
/// records, under the import `import_id`. Gives the drugs written.
pub async fn replace_receipt_drugs(
    conn: &mut AnyConnection,
    import_id: i64,
    recipient_id: i64,
    institution_code: &str,
    r: &Receipt,
) -> anyhow::Result<usize> {
    sqlx::query(
        "DELETE FROM dispensed_drugs WHERE institution_code = $1 AND treatment_month = $2 \
         AND recipient_id = $3 AND receipt_kind = $4",
    )
    .bind(institution_code)
    .bind(r.month_text())
    .bind(recipient_id)
    .bind(&r.kind)
    .execute(&mut *conn)
    .await?;
    let new: Vec<NewDispensing<'_>> = r
        .drugs
        .iter()
        .map(|d| NewDispensing {
            import_id,
            recipient_id,
            office_number: r.office.as_str(),
            institution_code,
            treatment_month: r.month_text(),
            receipt_kind: r.kind.as_str(),
            receipt_number: r.number.as_str(),
            line: i64::try_from(d.line).unwrap_or(0),
            category: d.category.as_str(),
            drug_code: d.code.as_str(),
            quantity: d.quantity.as_str(),
            times: i64::from(d.times),
            supply_days: d.supply_days.map(i64::from),
            days_of_month: d
                .days
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(";"),
        })
        .collect();
    insert_dispensings(conn, &new).await?;
    Ok(new.len())
}

/// Upsert 医薬品マスター rows by 医薬品コード.
pub async fn upsert_drug_master(
    conn: &mut AnyConnection,
    rows: &[DrugMasterRow],
    at: &str,
) -> anyhow::Result<()> {
    for r in rows {
        sqlx::query(
            "INSERT INTO drug_master (code, name, unit, controlled, yj_code, generic_name, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
             unit = excluded.unit, controlled = excluded.controlled, yj_code = excluded.yj_code, \
             generic_name = excluded.generic_name, updated_at = excluded.updated_at",
        )
        .bind(&r.code)
        .bind(&r.name)
        .bind(&r.unit)
        .bind(&r.controlled)
        .bind(&r.yj_code)
        .bind(&r.generic_name)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// One stored dispensing with what the master and the institutions say about it.
#[derive(Debug, Clone)]
pub struct DrugRecord {
    pub recipient_id: i64,
    pub institution_code: String,
    /// The registered institution's name, else the one in the imported file.
    pub institution_name: String,
    pub treatment_month: String,
    pub category: String,
    pub drug_code: String,
    pub quantity: String,
    pub times: i64,
    pub supply_days: Option<i64>,
    pub days_of_month: String,
    pub name: Option<String>,
    pub unit: Option<String>,
    pub controlled: Option<String>,
    pub yj_code: Option<String>,
    pub generic_name: Option<String>,
}

type DrugRow = (
    i64,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

/// Whose dispensings [`dispensings`] reads.
#[derive(Debug, Clone, Copy)]
pub enum DispensingsOf<'a> {
    Recipient(i64),
    /// An office's dispensings of a 診療年月 (`YYYY-MM`).
    OfficeMonth(&'a str, &'a str),
}

/// Stored dispensings, oldest first (診療年月, institution, as written).
pub async fn dispensings<'e>(
    exec: impl AnyExecutor<'e>,
    of: DispensingsOf<'_>,
) -> anyhow::Result<Vec<DrugRecord>> {
    let filter = match of {
        DispensingsOf::Recipient(_) => "d.recipient_id = $1",
        DispensingsOf::OfficeMonth(..) => "d.office_number = $1 AND d.treatment_month = $2",
    };
    let sql = format!(
        "SELECT d.recipient_id, d.institution_code, i.name, d.treatment_month, d.category, d.drug_code, d.quantity, \
         d.times, d.supply_days, d.days_of_month, m.name, m.unit, m.controlled, m.yj_code, m.generic_name, ri.institution_name \
         FROM dispensed_drugs d JOIN receipt_imports ri ON ri.id = d.import_id \
         LEFT JOIN institutions i ON i.code = d.institution_code \
         LEFT JOIN drug_master m ON m.code = d.drug_code \
         WHERE {filter} ORDER BY d.treatment_month, d.institution_code, d.id"
    );
    let query = sqlx::query_as::<_, DrugRow>(sqlx::AssertSqlSafe(sql));
    let query = match of {
        DispensingsOf::Recipient(id) => query.bind(id),
        DispensingsOf::OfficeMonth(office, month) => {
            query.bind(office.to_string()).bind(month.to_string())
        }
    };
    let rows = query.fetch_all(exec).await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                recipient_id,
                institution_code,
                registered_name,
                treatment_month,
                category,
                drug_code,
                quantity,
                times,
                supply_days,
                days_of_month,
                name,
                unit,
                controlled,
                yj_code,
                generic_name,
                file_name,
            )| DrugRecord {
                recipient_id,
                institution_name: registered_name.unwrap_or(file_name),
                institution_code,
                treatment_month,
                category,
                drug_code,
                quantity,
                times,
                supply_days,
                days_of_month,
                name,
                unit,
                controlled,
                yj_code,
                generic_name,
            },
        )
        .collect())
}
