//! Rows as stored and the views built from them; the office calendar; the numbers the
//! app issues (受給者番号, 交付番号). Every lookup takes the caller's office number.
//! Tickets are read and written by `crate::store::tickets`; this module only shapes them
//! for the office screens ([`ticket_view`]) and answers 404 for another office's id.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AnyConnection;

use domain::api::{
    PaperNeed, QualificationEventView, RecipientDetail, RegistrationState, RestrictionView,
    TicketMonth, TicketView, TransferNote,
};
use domain::calendar::OfficeCalendar;
use domain::numbers::{IndividualNumber, RecipientNumber};
use domain::paper::{paper_reasons, CardStatus};
use domain::qualification::{
    registration_due, DeadlineState, QualificationKind, QualificationStatus, QualifiedPeriod,
};

use crate::db::Db;
use crate::http::error::AppError;
use crate::keys::Keys;
use crate::store::tickets::{self, StoredTicket};

/// Columns of [`RecipientRow`], from `recipients r`.
pub const RECIPIENT_COLUMNS: &str = "r.id, r.office_number, r.recipient_number, r.individual_number, r.name, r.name_kana, \
     r.sex, r.birth_date, r.postal_code, r.address, r.case_number, r.card_held, r.card_registered, r.restricted, \
     r.qualified_from, r.qualified_until, r.created_at, r.updated_at, r.caseworker_login, r.restriction_reason, \
     r.restriction_changed_at, r.restriction_changed_by";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecipientRow {
    pub id: i64,
    pub office_number: String,
    pub recipient_number: String,
    /// Sealed 個人番号 (`Keys::seal`).
    pub individual_number: Option<String>,
    pub name: String,
    pub name_kana: String,
    pub sex: i64,
    pub birth_date: String,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub case_number: Option<String>,
    pub card_held: i64,
    pub card_registered: i64,
    pub restricted: i64,
    pub qualified_from: Option<String>,
    pub qualified_until: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub caseworker_login: Option<String>,
    pub restriction_reason: Option<String>,
    pub restriction_changed_at: Option<String>,
    pub restriction_changed_by: Option<String>,
}

impl RecipientRow {
    pub fn period(&self) -> QualifiedPeriod {
        QualifiedPeriod {
            from: self.qualified_from.as_deref().and_then(parse_date),
            until: self.qualified_until.as_deref().and_then(parse_date),
        }
    }

    pub fn card_status(&self) -> CardStatus {
        CardStatus {
            card_held: self.card_held != 0,
            card_registered: self.card_registered != 0,
            has_individual_number: self.individual_number.is_some(),
        }
    }

    pub fn sex_code(&self) -> String {
        self.sex.to_string()
    }
}

/// The recipient with this id in this office, or 404 (the same for another office's id).
pub async fn recipient(
    conn: &mut AnyConnection,
    office: &str,
    id: i64,
) -> Result<RecipientRow, AppError> {
    let row: Option<RecipientRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RECIPIENT_COLUMNS} FROM recipients r WHERE r.id = $1 AND r.office_number = $2"
    )))
    .bind(id)
    .bind(office)
    .fetch_optional(&mut *conn)
    .await?;
    row.ok_or_else(|| AppError::not_found("受給者"))
}

fn stored<T>(what: &str, value: &str, parsed: Option<T>) -> Result<T, AppError> {
    parsed.ok_or_else(|| AppError::from(anyhow::anyhow!("stored {what} 「{value}」 is not valid")))
}

fn date(value: &str) -> Result<NaiveDate, AppError> {
    stored("date", value, parse_date(value))
}

pub fn parse_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
}

/// The JST date of a stored instant.
pub fn jst_date_of(instant: &str) -> Option<NaiveDate> {
    DateTime::parse_from_rfc3339(instant)
        .ok()
        .map(|t| domain::jst::date_of(t.with_timezone(&Utc)))
}

/// What the office screens show of a stored ticket.
pub fn ticket_view(t: &StoredTicket) -> TicketView {
    let online = t.institution.online_capable;
    // 事後委託 is what the issuer declared with its reason (imported or seeded tickets of
    // past months are not).
    let retroactive = t.ticket.retroactive_reason.is_some();
    TicketView {
        id: t.id,
        recipient_id: t.recipient_id,
        recipient_number: t.holder.recipient_number.clone(),
        recipient_name: t.holder.name.clone(),
        status: t.status,
        institution_online: online,
        paper_reasons: needs(&paper_reasons(t.holder.card, Some(online))),
        retroactive,
        created_at: t.created_at.clone(),
        created_by: t.created_by.clone(),
        updated_at: t.updated_at.clone(),
        updated_by: t.updated_by.clone(),
        cancelled_at: t.cancelled_at.clone(),
        cancelled_by: t.cancelled_by.clone(),
        cancel_reason: t.cancel_reason.clone(),
        renewed_from: t.renewed_from,
        ticket: t.ticket.clone(),
    }
}

pub fn needs(reasons: &[domain::paper::PaperReason]) -> Vec<PaperNeed> {
    reasons.iter().map(|r| r.need()).collect()
}

/// The ticket with this id in this office, or 404 (the same for another office's id).
pub async fn ticket(
    conn: &mut AnyConnection,
    office: &str,
    id: i64,
) -> Result<StoredTicket, AppError> {
    tickets::by_id(&mut *conn, office, id)
        .await?
        .ok_or_else(|| AppError::not_found("医療券・調剤券"))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub recipient_id: i64,
    pub kind: String,
    pub effective_date: String,
    pub decision_date: String,
    pub registered_at: String,
    pub registered_by: String,
    pub status: String,
    pub registration_due: Option<String>,
    pub withdraw_reason: Option<String>,
    /// decision | import | migration | transfer
    pub source: String,
}

pub const EVENT_COLUMNS: &str =
    "e.id, e.recipient_id, e.kind, e.effective_date, e.decision_date, e.registered_at, \
     e.registered_by, e.status, e.registration_due, e.withdraw_reason, e.source";

impl EventRow {
    pub fn kind(&self) -> Result<QualificationKind, AppError> {
        stored(
            "資格異動",
            &self.kind,
            QualificationKind::from_code(&self.kind),
        )
    }

    /// The stored due date, or (seed, import) the one the office calendar gives now.
    pub fn due(&self, calendar: &OfficeCalendar) -> Result<NaiveDate, AppError> {
        match self.registration_due.as_deref() {
            Some(due) => date(due),
            None => Ok(registration_due(calendar, date(&self.decision_date)?)),
        }
    }

    pub fn view(
        &self,
        calendar: &OfficeCalendar,
        today: NaiveDate,
    ) -> Result<QualificationEventView, AppError> {
        let kind = self.kind()?;
        let due = self.due(calendar)?;
        let state = match self.status.as_str() {
            "pending" => RegistrationState::Pending,
            "withdrawn" => RegistrationState::Withdrawn,
            _ => RegistrationState::Registered,
        };
        let registered = state == RegistrationState::Registered;
        // Lateness is judged only for decisions recorded here (seed and imports carry no due date).
        let late = registered
            && self.registration_due.is_some()
            && jst_date_of(&self.registered_at).is_some_and(|d| d > due);
        Ok(QualificationEventView {
            id: self.id,
            kind,
            kind_label: kind.label_ja().into(),
            effective_date: self.effective_date.clone(),
            decision_date: self.decision_date.clone(),
            due_date: due.to_string(),
            state,
            registered_at: registered.then(|| self.registered_at.clone()),
            registered_by: registered.then(|| self.registered_by.clone()),
            registered_late: late,
            deadline: (state == RegistrationState::Pending).then(|| DeadlineState::of(due, today)),
            withdraw_reason: self.withdraw_reason.clone(),
            origin_label: match self.source.as_str() {
                "transfer" => Some("転居先の福祉事務所の保護開始による（移管）".into()),
                "import" | "migration" => {
                    Some("取込（生活保護システムの資格取得日・喪失日）".into())
                }
                _ => None,
            },
        })
    }
}

/// The office's 開庁日 calendar: weekends, 祝日, 12/29–1/3 and its own closed days.
pub async fn office_calendar(
    conn: &mut AnyConnection,
    office: &str,
) -> Result<OfficeCalendar, AppError> {
    Ok(crate::store::offices::calendar(conn, office).await?)
}

/// A staff member's display name in this office.
pub async fn staff_name(
    conn: &mut AnyConnection,
    office: &str,
    login: &str,
) -> Result<Option<String>, AppError> {
    Ok(crate::store::users::staff_name(conn, office, login).await?)
}

/// Everything the recipient screen shows.
pub async fn recipient_detail(
    conn: &mut AnyConnection,
    keys: &Keys,
    row: &RecipientRow,
    today: NaiveDate,
) -> Result<RecipientDetail, AppError> {
    let calendar = office_calendar(conn, &row.office_number).await?;
    let events: Vec<EventRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {EVENT_COLUMNS} FROM qualification_events e WHERE e.recipient_id = $1 \
         ORDER BY e.effective_date, e.id"
    )))
    .bind(row.id)
    .fetch_all(&mut *conn)
    .await?;
    let history = events
        .iter()
        .map(|e| e.view(&calendar, today))
        .collect::<Result<Vec<_>, _>>()?;
    let recorded = crate::store::people::history(conn, row.id).await?;
    let periods = recorded.periods();
    let status = if periods.iter().any(|p| p.covers(today) || p.from > today) {
        QualificationStatus::Active
    } else {
        recorded
            .state()
            .map_or(QualificationStatus::None, |state| state.status)
    };
    let mine = periods.first().map(|p| p.from);
    let transfers = crate::store::people::other_offices(conn, row.id)
        .await?
        .into_iter()
        .map(|(office_name, first)| TransferNote {
            direction_label: match (first, mine) {
                (Some(there), Some(here)) if there > here => "転居先".into(),
                (_, None) => "転居元".into(),
                (None, _) => "転居先".into(),
                _ => "転居元".into(),
            },
            office_name,
        })
        .collect();
    let since = first_shown_month(today);
    let tickets =
        tickets::of_recipient_since(&mut *conn, &row.office_number, row.id, &since).await?;
    let mut months: Vec<TicketMonth> = Vec::new();
    for t in &tickets {
        let view = ticket_view(t);
        match months.last_mut() {
            Some(m) if m.month == t.ticket.treatment_month => m.tickets.push(view),
            _ => months.push(TicketMonth {
                month: t.ticket.treatment_month.clone(),
                tickets: vec![view],
            }),
        }
    }
    let caseworker_name = match row.caseworker_login.as_deref() {
        Some(login) => staff_name(conn, &row.office_number, login).await?,
        None => None,
    };
    let restricted = row.restricted != 0;
    Ok(RecipientDetail {
        id: row.id,
        office_number: row.office_number.clone(),
        recipient_number: row.recipient_number.clone(),
        name: row.name.clone(),
        name_kana: row.name_kana.clone(),
        sex: row.sex_code(),
        birth_date: row.birth_date.clone(),
        postal_code: row.postal_code.clone(),
        address: row.address.clone(),
        case_number: row.case_number.clone(),
        individual_number_masked: row
            .individual_number
            .as_deref()
            .map(|sealed| masked(keys, sealed)),
        card_held: row.card_held != 0,
        card_registered: row.card_registered != 0,
        caseworker_login: row.caseworker_login.clone(),
        caseworker_name,
        qualified_from: row.qualified_from.clone(),
        qualified_until: row.qualified_until.clone(),
        qualification_status: status,
        qualification_history: history,
        qualification_periods: periods,
        transfers,
        restriction: RestrictionView {
            restricted,
            reason: row.restriction_reason.clone(),
            changed_at: row.restriction_changed_at.clone(),
            changed_by: row.restriction_changed_by.clone(),
            effects: if restricted {
                restriction_effects()
            } else {
                Vec::new()
            },
        },
        paper_reasons: needs(&paper_reasons(row.card_status(), None)),
        tickets_by_month: months,
        created_at: row.created_at.clone(),
        updated_at: row.updated_at.clone(),
    })
}

/// What 閲覧制限 does (product.md §4), for the screen.
fn restriction_effects() -> Vec<String> {
    [
        "医療機関・薬局の資格確認では、資格の有無と医療券・調剤券は表示されますが、住所・連絡先は表示されません。",
        "紙の医療券・調剤券にも住所を印刷しません。",
        "被保護者ポータルでは、本人が非表示を求めた情報を表示しません。",
        "閲覧はすべて記録され、本人が確認できます。",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

/// `********3214`, or a full mask when the stored value cannot be opened (wrong data.key).
fn masked(keys: &Keys, sealed: &str) -> String {
    match keys
        .open(sealed)
        .ok()
        .and_then(|plain| IndividualNumber::parse(&plain).ok())
    {
        Some(number) => number.masked(),
        None => {
            tracing::warn!("a stored 個人番号 could not be opened");
            "************".to_string()
        }
    }
}

/// The oldest 診療年月 shown on the recipient screen: 12 months back.
fn first_shown_month(today: NaiveDate) -> String {
    let back = today
        .checked_sub_months(chrono::Months::new(12))
        .unwrap_or(today);
    domain::ticket::month_of(back)
}

// ---------------------------------------------------------------- numbers the app issues

/// A per-office number sequence.
#[derive(Debug, Clone, Copy)]
pub enum Sequence<'a> {
    /// 受給者番号: the 6-digit 受給者区分 (+ 検証番号).
    Recipient,
    /// 交付番号 `YYYYMM-NNNNN` of a 診療年月 (`YYYY-MM`).
    Ticket { month: &'a str },
}

impl Sequence<'_> {
    fn key(&self) -> String {
        match self {
            Self::Recipient => "recipient".to_string(),
            Self::Ticket { month } => format!("ticket:{}", month.replace('-', "")),
        }
    }

    fn max(&self) -> i64 {
        match self {
            Self::Recipient => 999_999,
            Self::Ticket { .. } => 99_999,
        }
    }

    /// The number as stored.
    fn text(&self, n: i64) -> Result<String, AppError> {
        match self {
            Self::Recipient => RecipientNumber::from_body(&format!("{n:06}"))
                .map(String::from)
                .map_err(|e| AppError::from(anyhow::anyhow!("受給者区分 {n}: {e}"))),
            Self::Ticket { month } => Ok(format!("{}-{n:05}", month.replace('-', ""))),
        }
    }

    /// The stored numbers in `[lo, hi)` as texts (`lo`, `hi` as [`Self::text`] bounds).
    async fn taken(
        &self,
        conn: &mut AnyConnection,
        office: &str,
        lo: i64,
        hi: i64,
    ) -> Result<BTreeSet<String>, AppError> {
        match self {
            Self::Recipient => {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT recipient_number FROM recipients WHERE office_number = $1 AND recipient_number >= $2 AND recipient_number < $3",
                )
                .bind(office)
                .bind(format!("{lo:06}"))
                .bind(format!("{hi:06}"))
                .fetch_all(&mut *conn)
                .await?;
                Ok(rows.into_iter().map(|r| r.0).collect())
            }
            Self::Ticket { month } => {
                let prefix = month.replace('-', "");
                let lo = format!("{prefix}-{lo:05}");
                let hi = format!("{prefix}-{hi:05}");
                let numbers = tickets::issue_numbers_between(&mut *conn, office, &lo, &hi).await?;
                Ok(numbers.into_iter().collect())
            }
        }
    }

    /// Where a new sequence starts: after the highest number already stored.
    async fn start(&self, conn: &mut AnyConnection, office: &str) -> Result<i64, AppError> {
        let highest: Option<(Option<String>,)> = match self {
            Self::Recipient => {
                sqlx::query_as(
                    "SELECT MAX(recipient_number) FROM recipients WHERE office_number = $1",
                )
                .bind(office)
                .fetch_optional(&mut *conn)
                .await?
            }
            Self::Ticket { month } => {
                let prefix = month.replace('-', "");
                let highest = tickets::max_issue_number_between(
                    &mut *conn,
                    office,
                    &format!("{prefix}-00000"),
                    &format!("{prefix}-99999~"),
                )
                .await?;
                Some((highest,))
            }
        };
        let body = |s: &str| match self {
            Self::Recipient => s.get(..6).and_then(|b| b.parse::<i64>().ok()),
            Self::Ticket { .. } => s
                .get(7..)
                .filter(|n| n.len() == 5)
                .and_then(|n| n.parse::<i64>().ok()),
        };
        let next = highest
            .and_then(|(h,)| h)
            .and_then(|h| body(&h))
            .map_or(1, |n| n + 1);
        Ok(if next > self.max() { 1 } else { next })
    }
}

/// Take the office's sequence row for the rest of the transaction (creating it after the
/// highest number already stored): on PostgreSQL the row lock, on SQLite the write lock
/// (the first statement writes, so SQLite never has to upgrade a read). Whatever is checked
/// after this (duplicates, a renewal plan) cannot change under a concurrent request for the
/// same numbers until commit. The next value.
pub async fn lock_sequence(
    conn: &mut AnyConnection,
    office: &str,
    sequence: Sequence<'_>,
) -> Result<i64, AppError> {
    let key = sequence.key();
    // 0 marks a row created just now: numbers start at 1.
    sqlx::query(
        "INSERT INTO office_sequences (office_number, kind, next_value) VALUES ($1, $2, 0) \
         ON CONFLICT (office_number, kind) DO NOTHING",
    )
    .bind(office)
    .bind(&key)
    .execute(&mut *conn)
    .await?;
    let (next,): (i64,) = sqlx::query_as(
        "UPDATE office_sequences SET next_value = next_value WHERE office_number = $1 AND kind = $2 RETURNING next_value",
    )
    .bind(office)
    .bind(&key)
    .fetch_one(&mut *conn)
    .await?;
    if next > 0 {
        return Ok(next);
    }
    let start = sequence.start(conn, office).await?;
    sqlx::query(
        "UPDATE office_sequences SET next_value = $3 WHERE office_number = $1 AND kind = $2",
    )
    .bind(office)
    .bind(&key)
    .bind(start)
    .execute(&mut *conn)
    .await?;
    Ok(start)
}

/// Issue `count` numbers of `sequence` for the office, skipping numbers already stored
/// (imports), inside the caller's transaction (see [`lock_sequence`]).
pub async fn issue_numbers(
    conn: &mut AnyConnection,
    office: &str,
    sequence: Sequence<'_>,
    count: usize,
) -> Result<Vec<String>, AppError> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let key = sequence.key();
    let mut next = lock_sequence(conn, office, sequence).await?;
    const WINDOW: i64 = 1000;
    let mut issued = Vec::with_capacity(count);
    let mut scanned = 0i64;
    while issued.len() < count {
        if next > sequence.max() {
            next = 1;
        }
        if scanned > sequence.max() {
            return Err(AppError::conflict(
                "採番できる番号が残っていません。システム運用者に連絡してください。",
            ));
        }
        let hi = (next + WINDOW).min(sequence.max() + 1);
        let taken = sequence.taken(conn, office, next, hi).await?;
        for n in next..hi {
            let text = sequence.text(n)?;
            if !taken.contains(&text) && !issued.contains(&text) {
                issued.push(text);
                if issued.len() == count {
                    next = n + 1;
                    break;
                }
            }
        }
        if issued.len() < count {
            scanned += hi - next;
            next = hi;
        }
    }
    sqlx::query(
        "UPDATE office_sequences SET next_value = $3 WHERE office_number = $1 AND kind = $2",
    )
    .bind(office)
    .bind(&key)
    .bind(next)
    .execute(&mut *conn)
    .await?;
    Ok(issued)
}

/// The office as printed: name, postal code, address, phone.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OfficeRow {
    pub name: String,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

pub async fn office_row(db: &Db, office: &str) -> Result<OfficeRow, AppError> {
    let row: Option<OfficeRow> =
        sqlx::query_as("SELECT name, postal_code, address, phone FROM offices WHERE number = $1")
            .bind(office)
            .fetch_optional(&db.pool)
            .await?;
    row.ok_or_else(|| AppError::not_found("福祉事務所"))
}
