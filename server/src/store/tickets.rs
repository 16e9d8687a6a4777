//! 医療券・調剤券: the `tickets` table.
//!
//! Every read is [`SELECT`] (one column list: the ticket, its institutions, its recipient's
//! number, name and card status) with a `WHERE` of its own, mapped by [`from_row`]. Every write
//! binds [`ITEMS`] from a [`Ticket`] ([`item_values`]): [`insert`] (issue, renewal),
//! [`upsert_by_issue_number`] (imports), [`insert_many`] (the seed's batch), [`amend`].
//!
//! Callers pass any executor: `&db.pool`, or `&mut *conn` / `&mut *tx` inside a transaction.

use std::sync::LazyLock;

use anyhow::Context as _;
use chrono::NaiveDate;
use sqlx::{AnyConnection, AnyExecutor, Row as _};

use domain::api::TicketStatus;
use domain::codes::{CodeValue, Presence, SingleOrCombined, TicketType, TreatmentType};
use domain::numbers::InstitutionCode;
use domain::paper::CardStatus;
use domain::ticket::Ticket;

use crate::db::{self, DbRow, Value};

// ---------------------------------------------------------------- records

/// A ticket as stored: the domain [`Ticket`] and what only the database knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTicket {
    pub id: i64,
    pub office_number: String,
    pub recipient_id: i64,
    pub ticket: Ticket,
    pub status: TicketStatus,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
    pub cancelled_at: Option<String>,
    pub cancelled_by: Option<String>,
    pub cancel_reason: Option<String>,
    /// The ticket this one continues (next month's renewal).
    pub renewed_from: Option<i64>,
    /// The named institution beyond its code and name (which are in `ticket`).
    pub institution: NamedInstitution,
    /// The recipient the ticket is for, as ticket lists show them.
    pub holder: Holder,
}

impl StoredTicket {
    pub fn is_active(&self) -> bool {
        self.status == TicketStatus::Active
    }
}

/// The ticket's 指定医療機関: whether it verifies online, and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedInstitution {
    pub online_capable: bool,
    pub phone: Option<String>,
    pub address: Option<String>,
}

/// The ticket's recipient: 受給者番号, 氏名 and the card side of the paper question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub recipient_number: String,
    pub name: String,
    pub card: CardStatus,
}

/// A ticket about to be inserted (status `active`). The institution names in `ticket` are
/// not stored: reads take them from `institutions`.
#[derive(Debug, Clone, Copy)]
pub struct NewTicket<'a> {
    pub office_number: &'a str,
    pub recipient_id: i64,
    pub ticket: &'a Ticket,
    /// UTC RFC 3339 (`crate::db::now_text`).
    pub created_at: &'a str,
    /// A staff login, `import`, `seed` …
    pub created_by: &'a str,
    pub renewed_from: Option<i64>,
}

// ---------------------------------------------------------------- columns

/// The items of a [`Ticket`] as stored, in this order: all 25 less the two institution names
/// (from `institutions`), with 傷病名 and 備考 in three columns each.
const ITEMS: [&str; 23] = [
    "ticket_type",
    "issue_number",
    "treatment_month",
    "valid_from",
    "valid_until",
    "institution_code",
    "prescriber_code",
    "treatment_type",
    "injury_name1",
    "injury_name2",
    "injury_name3",
    "self_pay_amount",
    "single_or_combined",
    "social_insurance",
    "infection_law",
    "elderly_care",
    "prefectural_expense",
    "district_contact",
    "handling_contact",
    "remarks1",
    "remarks2",
    "remarks3",
    "retroactive_reason",
];

/// [`ITEMS`] of `t`, in order.
fn item_values(t: &Ticket) -> [Value; 23] {
    let slot = |list: &[String], i: usize| Value::from(list.get(i).cloned());
    [
        t.ticket_type.code().into(),
        t.issue_number.clone().into(),
        t.treatment_month.clone().into(),
        t.valid_from.to_string().into(),
        t.valid_until.to_string().into(),
        t.institution_code.as_str().into(),
        t.prescriber_code
            .as_ref()
            .map(|p| p.as_str().to_string())
            .into(),
        t.treatment_type.code().into(),
        slot(&t.injury_names, 0),
        slot(&t.injury_names, 1),
        slot(&t.injury_names, 2),
        t.self_pay_amount.into(),
        t.single_or_combined.code().into(),
        t.social_insurance.code().into(),
        t.infection_law.code().into(),
        t.elderly_care.code().into(),
        t.prefectural_expense.code().into(),
        t.district_contact.clone().into(),
        t.handling_contact.clone().into(),
        slot(&t.remarks, 0),
        slot(&t.remarks, 1),
        slot(&t.remarks, 2),
        t.retroactive_reason.clone().into(),
    ]
}

/// What an insert writes: the owner, [`ITEMS`], the record.
static INSERT_COLUMNS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut columns = vec!["office_number", "recipient_id"];
    columns.extend(ITEMS);
    columns.extend(["status", "created_at", "created_by", "renewed_from"]);
    columns
});

/// [`INSERT_COLUMNS`] of `new`, in order.
fn insert_values(new: &NewTicket<'_>) -> Vec<Value> {
    let mut values = vec![new.office_number.into(), new.recipient_id.into()];
    values.extend(item_values(new.ticket));
    values.extend([
        STATUS_ACTIVE.into(),
        new.created_at.into(),
        new.created_by.into(),
        new.renewed_from.map_or(Value::NullInt, Value::Int),
    ]);
    values
}

static INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO tickets ({}) VALUES ({})",
        INSERT_COLUMNS.join(", "),
        db::placeholders(1, INSERT_COLUMNS.len())
    )
});

/// An import replaces the ticket with the same 交付番号 in the office, except what the
/// exchange file does not carry: 事後委託の理由, status and the record (created, renewed).
static UPSERT: LazyLock<String> = LazyLock::new(|| {
    let replaced: Vec<String> = std::iter::once("recipient_id")
        .chain(ITEMS)
        .filter(|c| !matches!(*c, "issue_number" | "retroactive_reason"))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "{} ON CONFLICT (office_number, issue_number) DO UPDATE SET {}",
        *INSERT,
        replaced.join(", ")
    )
});

/// What an amendment may change: [`ITEMS`] but the 交付番号 and 診療年月.
fn amendable(column: &str) -> bool {
    !matches!(column, "issue_number" | "treatment_month")
}

static AMEND: LazyLock<String> = LazyLock::new(|| {
    let mut n = 2;
    let mut set: Vec<String> = ITEMS
        .iter()
        .filter(|c| amendable(c))
        .map(|c| {
            n += 1;
            format!("{c} = ${n}")
        })
        .collect();
    set.push(format!("updated_at = ${}", n + 1));
    set.push(format!("updated_by = ${}", n + 2));
    format!(
        "UPDATE tickets SET {} WHERE id = $1 AND office_number = $2 AND status = 'active'",
        set.join(", ")
    )
});

const STATUS_ACTIVE: &str = "active";

/// Every read: the ticket, its institutions, its recipient's number, name and card status.
const SELECT: &str = "SELECT t.id, t.office_number, t.recipient_id, t.ticket_type, t.issue_number, \
     t.treatment_month, t.valid_from, t.valid_until, t.institution_code, i.name AS institution_name, \
     t.prescriber_code, p.name AS prescriber_name, t.treatment_type, \
     t.injury_name1, t.injury_name2, t.injury_name3, t.self_pay_amount, t.single_or_combined, \
     t.social_insurance, t.infection_law, t.elderly_care, t.prefectural_expense, \
     t.district_contact, t.handling_contact, t.remarks1, t.remarks2, t.remarks3, t.retroactive_reason, \
     t.status, t.created_at, t.created_by, t.updated_at, t.updated_by, \
     t.cancelled_at, t.cancelled_by, t.cancel_reason, t.renewed_from, \
     i.online_capable AS institution_online, i.phone AS institution_phone, i.address AS institution_address, \
     r.recipient_number, r.name AS recipient_name, r.card_held, r.card_registered, \
     CAST(CASE WHEN r.individual_number IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_individual_number \
     FROM tickets t JOIN institutions i ON i.code = t.institution_code \
     LEFT JOIN institutions p ON p.code = t.prescriber_code \
     JOIN recipients r ON r.id = t.recipient_id";

/// A [`StoredTicket`] from a row of [`SELECT`]. Blank optional texts read as absent; 傷病名 and
/// 備考 keep their filled slots, trimmed.
fn from_row(row: &impl DbRow) -> anyhow::Result<StoredTicket> {
    let id: i64 = row.named("id")?;
    read_row(row, id).with_context(|| format!("stored ticket {id}"))
}

fn read_row(row: &impl DbRow, id: i64) -> anyhow::Result<StoredTicket> {
    let text = |c: &str| -> anyhow::Result<String> { row.named::<String>(c) };
    let raw = |c: &str| -> anyhow::Result<Option<String>> { row.named::<Option<String>>(c) };
    let opt = |c: &str| -> anyhow::Result<Option<String>> {
        Ok(raw(c)?.filter(|s| !s.trim().is_empty()))
    };
    let int = |c: &str| -> anyhow::Result<i64> { row.named::<i64>(c) };
    let slots = |columns: [&str; 3]| -> anyhow::Result<Vec<String>> {
        let mut filled = Vec::new();
        for c in columns {
            if let Some(s) = opt(c)? {
                filled.push(s.trim().to_string());
            }
        }
        Ok(filled)
    };
    let ticket = Ticket {
        ticket_type: code::<TicketType>(&text("ticket_type")?)?,
        issue_number: text("issue_number")?,
        treatment_month: text("treatment_month")?,
        valid_from: date(&text("valid_from")?)?,
        valid_until: date(&text("valid_until")?)?,
        institution_code: institution(&text("institution_code")?)?,
        institution_name: text("institution_name")?,
        prescriber_code: opt("prescriber_code")?
            .as_deref()
            .map(institution)
            .transpose()?,
        prescriber_name: opt("prescriber_name")?,
        treatment_type: code::<TreatmentType>(&text("treatment_type")?)?,
        injury_names: slots(["injury_name1", "injury_name2", "injury_name3"])?,
        self_pay_amount: int("self_pay_amount")?,
        single_or_combined: code::<SingleOrCombined>(&text("single_or_combined")?)?,
        social_insurance: code::<Presence>(&text("social_insurance")?)?,
        infection_law: code::<Presence>(&text("infection_law")?)?,
        elderly_care: code::<Presence>(&text("elderly_care")?)?,
        prefectural_expense: code::<Presence>(&text("prefectural_expense")?)?,
        district_contact: opt("district_contact")?.unwrap_or_default(),
        handling_contact: opt("handling_contact")?.unwrap_or_default(),
        remarks: slots(["remarks1", "remarks2", "remarks3"])?,
        retroactive_reason: opt("retroactive_reason")?,
    };
    Ok(StoredTicket {
        id,
        office_number: text("office_number")?,
        recipient_id: int("recipient_id")?,
        ticket,
        status: if text("status")? == STATUS_ACTIVE {
            TicketStatus::Active
        } else {
            TicketStatus::Cancelled
        },
        created_at: text("created_at")?,
        created_by: text("created_by")?,
        updated_at: raw("updated_at")?,
        updated_by: raw("updated_by")?,
        cancelled_at: raw("cancelled_at")?,
        cancelled_by: raw("cancelled_by")?,
        cancel_reason: raw("cancel_reason")?,
        renewed_from: row.named::<Option<i64>>("renewed_from")?,
        institution: NamedInstitution {
            online_capable: int("institution_online")? != 0,
            phone: raw("institution_phone")?,
            address: raw("institution_address")?,
        },
        holder: Holder {
            recipient_number: text("recipient_number")?,
            name: text("recipient_name")?,
            card: CardStatus {
                card_held: int("card_held")? != 0,
                card_registered: int("card_registered")? != 0,
                has_individual_number: int("has_individual_number")? != 0,
            },
        },
    })
}

fn code<T: CodeValue>(value: &str) -> anyhow::Result<T> {
    T::from_code(value).with_context(|| format!("stored {} 「{value}」 is not a code", T::ITEM))
}

fn institution(value: &str) -> anyhow::Result<InstitutionCode> {
    InstitutionCode::parse(value)
        .map_err(|e| anyhow::anyhow!("stored 医療機関コード 「{value}」: {}", e.message()))
}

fn date(value: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").with_context(|| format!("stored date 「{value}」"))
}

/// [`SELECT`] `tail` (`WHERE … ORDER BY …`) with `values` bound in order.
async fn select<'e>(
    exec: impl AnyExecutor<'e>,
    tail: &str,
    values: Vec<Value>,
) -> anyhow::Result<Vec<StoredTicket>> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} {tail}")));
    let rows = db::bind_values(query, values).fetch_all(exec).await?;
    rows.iter().map(from_row).collect()
}

// ---------------------------------------------------------------- writes

/// Insert a ticket; its id.
pub async fn insert<'e>(exec: impl AnyExecutor<'e>, new: &NewTicket<'_>) -> anyhow::Result<i64> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("{} RETURNING id", *INSERT)));
    let row = db::bind_values(query, insert_values(new))
        .fetch_one(exec)
        .await?;
    Ok(row.try_get::<i64, _>(0)?)
}

/// Insert a ticket, or (an import) replace the one with its 交付番号 in its office: every item
/// the exchange file carries and the recipient; the 事後委託の理由, status and record stay.
pub async fn upsert_by_issue_number<'e>(
    exec: impl AnyExecutor<'e>,
    new: &NewTicket<'_>,
) -> anyhow::Result<()> {
    let query = sqlx::query(sqlx::AssertSqlSafe(UPSERT.clone()));
    db::bind_values(query, insert_values(new))
        .execute(exec)
        .await?;
    Ok(())
}

/// Insert many tickets with multi-row statements (the seed's bulk load).
pub async fn insert_many(conn: &mut AnyConnection, new: &[NewTicket<'_>]) -> anyhow::Result<()> {
    let rows: Vec<Vec<Value>> = new.iter().map(insert_values).collect();
    db::insert_rows(conn, "tickets", &INSERT_COLUMNS, &rows).await
}

/// Amend an active ticket of `office` to `ticket` (its 交付番号 and 診療年月 stay); whether a
/// row changed (false: no such active ticket).
pub async fn amend<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    id: i64,
    ticket: &Ticket,
    updated_at: &str,
    updated_by: &str,
) -> anyhow::Result<bool> {
    let mut values = vec![Value::Int(id), office.into()];
    values.extend(
        ITEMS
            .iter()
            .zip(item_values(ticket))
            .filter(|(c, _)| amendable(c))
            .map(|(_, v)| v),
    );
    values.extend([updated_at.into(), updated_by.into()]);
    let query = sqlx::query(sqlx::AssertSqlSafe(AMEND.clone()));
    let done = db::bind_values(query, values).execute(exec).await?;
    Ok(done.rows_affected() > 0)
}

/// 取消 of an active ticket of `office`; whether a row changed.
pub async fn cancel<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    id: i64,
    reason: &str,
    cancelled_at: &str,
    cancelled_by: &str,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE tickets SET status = 'cancelled', cancelled_at = $3, cancelled_by = $4, cancel_reason = $5, \
         updated_at = $3, updated_by = $4 WHERE id = $1 AND office_number = $2 AND status = 'active'",
    )
    .bind(id)
    .bind(office)
    .bind(cancelled_at)
    .bind(cancelled_by)
    .bind(reason)
    .execute(exec)
    .await?;
    Ok(done.rows_affected() > 0)
}

// ---------------------------------------------------------------- reads

/// The ticket with this id in this office (any status).
pub async fn by_id<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    id: i64,
) -> anyhow::Result<Option<StoredTicket>> {
    let found = select(
        exec,
        "WHERE t.id = $1 AND t.office_number = $2",
        vec![id.into(), office.into()],
    )
    .await?;
    Ok(found.into_iter().next())
}

/// A recipient's tickets of `office` (any status) from `since` (`YYYY-MM`) on: newest month
/// first, then by 有効開始日 (the recipient screen).
pub async fn of_recipient_since<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    recipient_id: i64,
    since: &str,
) -> anyhow::Result<Vec<StoredTicket>> {
    select(
        exec,
        "WHERE t.recipient_id = $1 AND t.office_number = $2 AND t.treatment_month >= $3 \
         ORDER BY t.treatment_month DESC, t.valid_from, t.id",
        vec![recipient_id.into(), office.into(), since.into()],
    )
    .await
}

/// A recipient's active tickets from `since` (`YYYY-MM`) on: newest month first, then by
/// 有効開始日 (the recipient portal).
pub async fn active_of_recipient_since<'e>(
    exec: impl AnyExecutor<'e>,
    recipient_id: i64,
    since: &str,
) -> anyhow::Result<Vec<StoredTicket>> {
    select(
        exec,
        "WHERE t.recipient_id = $1 AND t.treatment_month >= $2 AND t.status = 'active' \
         ORDER BY t.treatment_month DESC, t.valid_from, t.id",
        vec![recipient_id.into(), since.into()],
    )
    .await
}

/// A recipient's active tickets of `month`, by 有効開始日 (the recipient's home).
pub async fn active_of_recipient_in_month<'e>(
    exec: impl AnyExecutor<'e>,
    recipient_id: i64,
    month: &str,
) -> anyhow::Result<Vec<StoredTicket>> {
    select(
        exec,
        "WHERE t.recipient_id = $1 AND t.treatment_month = $2 AND t.status = 'active' \
         ORDER BY t.valid_from, t.id",
        vec![recipient_id.into(), month.into()],
    )
    .await
}

/// A recipient's active tickets naming `institution` in `month`, by 有効開始日: what a
/// verification decides on (`domain::verdict::decide` applies the rule).
pub async fn active_for_verification<'e>(
    exec: impl AnyExecutor<'e>,
    recipient_id: i64,
    institution: &InstitutionCode,
    month: &str,
) -> anyhow::Result<Vec<StoredTicket>> {
    select(
        exec,
        ACTIVE_FOR_VERIFICATION_TAIL,
        vec![
            recipient_id.into(),
            institution.as_str().into(),
            month.into(),
        ],
    )
    .await
}

/// [`active_for_verification`] for a 資格確認: on SQLite through [`crate::db::SqliteFast`]
/// (the verification hot path), else through the pool; the same statement.
pub async fn for_verification(
    db: &db::Db,
    recipient_id: i64,
    institution: &InstitutionCode,
    month: &str,
) -> anyhow::Result<Vec<StoredTicket>> {
    let Some(fast) = &db.sqlite else {
        return active_for_verification(&db.pool, recipient_id, institution, month).await;
    };
    let values: Vec<Value> = vec![
        recipient_id.into(),
        institution.as_str().into(),
        month.into(),
    ];
    static COLUMNS: std::sync::OnceLock<db::ColumnIndex> = std::sync::OnceLock::new();
    fast.with(|conn| select_sqlite(conn, &ACTIVE_FOR_VERIFICATION, &COLUMNS, &values))
}

/// The tickets `sql` (a constant: [`SELECT`] and a filter) finds on a rusqlite connection, the
/// column positions kept in `columns` (a `static` beside the statement).
fn select_sqlite(
    conn: &rusqlite::Connection,
    sql: &str,
    columns: &std::sync::OnceLock<db::ColumnIndex>,
    values: &[Value],
) -> anyhow::Result<Vec<StoredTicket>> {
    let mut statement = conn.prepare_cached(sql)?;
    let columns = db::ColumnIndex::once(columns, &statement);
    let mut rows = statement.query(rusqlite::params_from_iter(values))?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        found.push(from_row(&db::IndexedRow { row, columns })?);
    }
    Ok(found)
}

/// [`SELECT`] with the filter of [`active_for_verification`].
static ACTIVE_FOR_VERIFICATION: LazyLock<String> =
    LazyLock::new(|| format!("{SELECT} {ACTIVE_FOR_VERIFICATION_TAIL}"));

const ACTIVE_FOR_VERIFICATION_TAIL: &str = "WHERE t.recipient_id = $1 AND t.institution_code = $2 AND t.treatment_month = $3 AND t.status = 'active' \
     ORDER BY t.valid_from, t.id";

/// 一括照会: every active ticket naming `institution` in `month`, by office, 受給者番号 and
/// 有効開始日 (one recipient's tickets together).
pub async fn roster<'e>(
    exec: impl AnyExecutor<'e>,
    institution: &InstitutionCode,
    month: &str,
) -> anyhow::Result<Vec<StoredTicket>> {
    select(
        exec,
        ROSTER_TAIL,
        vec![institution.as_str().into(), month.into()],
    )
    .await
}

/// [`roster`] for a clinic's 一括照会: on SQLite through [`crate::db::SqliteFast`] on a
/// blocking thread (a thousand tickets of 45 columns, without sqlx's per-row hand-over), else
/// through the pool; the same statement.
pub async fn roster_of(
    db: &db::Db,
    institution: &InstitutionCode,
    month: &str,
) -> anyhow::Result<Vec<StoredTicket>> {
    let Some(fast) = db.sqlite.clone() else {
        return roster(&db.pool, institution, month).await;
    };
    let values: Vec<Value> = vec![institution.as_str().into(), month.into()];
    static COLUMNS: std::sync::OnceLock<db::ColumnIndex> = std::sync::OnceLock::new();
    fast.blocking(move |conn| select_sqlite(conn, &ROSTER, &COLUMNS, &values))
        .await
}

const ROSTER_TAIL: &str =
    "WHERE t.institution_code = $1 AND t.treatment_month = $2 AND t.status = 'active' \
     ORDER BY r.office_number, r.recipient_number, t.valid_from, t.id";

/// [`SELECT`] with the filter of [`roster`].
static ROSTER: LazyLock<String> = LazyLock::new(|| format!("{SELECT} {ROSTER_TAIL}"));

/// An office's active tickets of `month`, by recipient id and 有効開始日.
pub async fn active_of_office_month<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    month: &str,
) -> anyhow::Result<Vec<StoredTicket>> {
    select(
        exec,
        "WHERE t.office_number = $1 AND t.treatment_month = $2 AND t.status = 'active' \
         ORDER BY t.recipient_id, t.valid_from, t.id",
        vec![office.into(), month.into()],
    )
    .await
}

/// An office's active tickets of `month` to renew, of one caseworker's caseload if given:
/// by the recipients' カナ氏名, then recipient and ticket id.
pub async fn renewal_sources<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    month: &str,
    caseworker: Option<&str>,
) -> anyhow::Result<Vec<StoredTicket>> {
    let mut tail =
        "WHERE t.office_number = $1 AND t.treatment_month = $2 AND t.status = 'active'".to_string();
    let mut values = vec![office.into(), month.into()];
    if let Some(login) = caseworker {
        tail.push_str(" AND r.caseworker_login = $3");
        values.push(login.into());
    }
    tail.push_str(" ORDER BY r.name_kana, r.id, t.id");
    select(exec, &tail, values).await
}

/// The tickets of `office` created in `[from, until)` (stored instants) by the office's own
/// staff (not imports or the seed), oldest first.
pub async fn issued_by_staff_between<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    from: &str,
    until: &str,
) -> anyhow::Result<Vec<StoredTicket>> {
    select(
        exec,
        "WHERE t.office_number = $1 AND t.created_at >= $2 AND t.created_at < $3 \
         AND t.created_by IN (SELECT login FROM users WHERE office_number = $1) ORDER BY t.created_at, t.id",
        vec![office.into(), from.into(), until.into()],
    )
    .await
}

/// An office's active tickets of any of `months`, by 受給者番号, institution and 有効開始日
/// (the screening's input).
pub async fn active_of_office_in_months<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    months: &[String],
) -> anyhow::Result<Vec<StoredTicket>> {
    if months.is_empty() {
        return Ok(Vec::new());
    }
    let tail = format!(
        "WHERE t.office_number = $1 AND t.status = 'active' AND t.treatment_month IN ({}) \
         ORDER BY r.recipient_number, t.institution_code, t.valid_from, t.id",
        db::placeholders(2, months.len())
    );
    let mut values = vec![office.into()];
    values.extend(months.iter().map(|m| Value::from(m.as_str())));
    select(exec, &tail, values).await
}

/// The 交付番号 of another active ticket of the recipient with the same 診療年月, institution,
/// 券種 and 診療別 whose 有効期間 overlaps `ticket`'s (`except`: the ticket being amended).
pub async fn overlapping<'e>(
    exec: impl AnyExecutor<'e>,
    recipient_id: i64,
    ticket: &Ticket,
    except: Option<i64>,
) -> anyhow::Result<Option<String>> {
    let same: Option<(String,)> = sqlx::query_as(
        "SELECT issue_number FROM tickets WHERE recipient_id = $1 AND treatment_month = $2 AND institution_code = $3 \
         AND ticket_type = $4 AND treatment_type = $5 AND status = 'active' AND valid_from <= $6 AND valid_until >= $7 \
         AND id <> $8 LIMIT 1",
    )
    .bind(recipient_id)
    .bind(&ticket.treatment_month)
    .bind(ticket.institution_code.as_str())
    .bind(ticket.ticket_type.code())
    .bind(ticket.treatment_type.code())
    .bind(ticket.valid_until.to_string())
    .bind(ticket.valid_from.to_string())
    .bind(except.unwrap_or(0))
    .fetch_optional(exec)
    .await?;
    Ok(same.map(|(n,)| n))
}

/// The distinct institutions of `score_table` named by a recipient's tickets of `month` (any
/// status).
pub async fn institutions_of_recipient_month<'e>(
    exec: impl AnyExecutor<'e>,
    recipient_id: i64,
    month: &str,
    score_table: i64,
) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT t.institution_code FROM tickets t JOIN institutions i ON i.code = t.institution_code \
         WHERE t.recipient_id = $1 AND t.treatment_month = $2 AND i.score_table = $3 ORDER BY t.institution_code",
    )
    .bind(recipient_id)
    .bind(month)
    .bind(score_table)
    .fetch_all(exec)
    .await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

// ---------------------------------------------------------------- 交付番号

/// The 交付番号 of `office` in `[lo, hi)` (any status: a number is never issued twice).
pub async fn issue_numbers_between<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    lo: &str,
    hi: &str,
) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT issue_number FROM tickets WHERE office_number = $1 AND issue_number >= $2 AND issue_number < $3",
    )
    .bind(office)
    .bind(lo)
    .bind(hi)
    .fetch_all(exec)
    .await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

/// The highest 交付番号 of `office` in `[lo, hi)`.
pub async fn max_issue_number_between<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    lo: &str,
    hi: &str,
) -> anyhow::Result<Option<String>> {
    let row: Option<(Option<String>,)> = sqlx::query_as(
        "SELECT MAX(issue_number) FROM tickets WHERE office_number = $1 AND issue_number >= $2 AND issue_number < $3",
    )
    .bind(office)
    .bind(lo)
    .bind(hi)
    .fetch_optional(exec)
    .await?;
    Ok(row.and_then(|(n,)| n))
}

// ---------------------------------------------------------------- counts

/// Every ticket stored.
pub async fn count_all<'e>(exec: impl AnyExecutor<'e>) -> anyhow::Result<u64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM tickets")
        .fetch_one(exec)
        .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// An office's active tickets of `month`.
pub async fn count_active_of_office_month<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    month: &str,
) -> anyhow::Result<u64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM tickets WHERE office_number = $1 AND treatment_month = $2 AND status = 'active'",
    )
    .bind(office)
    .bind(month)
    .fetch_one(exec)
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The active tickets naming `institution` in `month`.
pub async fn count_active_at_institution_month<'e>(
    exec: impl AnyExecutor<'e>,
    institution: &str,
    month: &str,
) -> anyhow::Result<u64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM tickets WHERE institution_code = $1 AND treatment_month = $2 AND status = 'active'",
    )
    .bind(institution)
    .bind(month)
    .fetch_one(exec)
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// An office's active tickets of `month` per caseworker of their recipients (None: unassigned).
pub async fn count_active_by_caseworker<'e>(
    exec: impl AnyExecutor<'e>,
    office: &str,
    month: &str,
) -> anyhow::Result<Vec<(Option<String>, u64)>> {
    let rows: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT r.caseworker_login, COUNT(*) FROM tickets t JOIN recipients r ON r.id = t.recipient_id \
         WHERE t.office_number = $1 AND t.treatment_month = $2 AND t.status = 'active' GROUP BY r.caseworker_login",
    )
    .bind(office)
    .bind(month)
    .fetch_all(exec)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(login, n)| (login, u64::try_from(n).unwrap_or(0)))
        .collect())
}
