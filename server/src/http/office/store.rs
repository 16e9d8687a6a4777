//! The office screens' views of what the stores read: records and decisions
//! (`crate::store::people`), tickets (`crate::store::tickets`), the office calendar and the
//! numbers the app issues (`crate::store::offices`). Every lookup takes the caller's office
//! number; this module shapes the rows for the screens and answers 404 for another office's id.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AnyConnection;

use domain::api::{
    PaperNeed, QualificationEventView, RecipientDetail, RegistrationState, RestrictionView,
    TicketMonth, TicketView, TransferNote,
};
use domain::calendar::OfficeCalendar;
use domain::numbers::IndividualNumber;
use domain::paper::paper_reasons;
use domain::qualification::{
    registration_due, DeadlineState, QualificationKind, QualificationStatus,
};

use crate::db::Db;
use crate::http::error::AppError;
use crate::keys::Keys;
use crate::store::tickets::{self, StoredTicket};

pub use crate::store::people::{EventRow, RecipientRow};

/// The recipient with this id in this office, or 404 (the same for another office's id).
pub async fn recipient(
    conn: &mut AnyConnection,
    office: &str,
    id: i64,
) -> Result<RecipientRow, AppError> {
    crate::store::people::recipient(conn, office, id)
        .await?
        .ok_or_else(|| AppError::not_found("受給者"))
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

impl EventRow {
    pub fn kind(&self) -> Result<QualificationKind, AppError> {
        stored(
            "資格異動",
            &self.kind,
            QualificationKind::from_code(&self.kind),
        )
    }

    /// A pending decision's due date by the office calendar as it is now; a registered
    /// one's as stored (its lateness was judged by it), or (seed, import) the calendar's.
    pub fn due(&self, calendar: &OfficeCalendar) -> Result<NaiveDate, AppError> {
        if self.status == "pending" {
            if let Some(due) = crate::deadlines::pending_due(
                calendar,
                &self.decision_date,
                &self.source,
                self.recorded_at.as_deref(),
                self.registration_due.as_deref(),
            ) {
                return Ok(due);
            }
        }
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
    let events = crate::store::people::events(conn, row.id).await?;
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
    let transfers = crate::store::people::other_records(conn, row.id)
        .await?
        .into_iter()
        .map(|other| {
            let there = other.periods.first().map(|p| p.from);
            TransferNote {
                direction_label: match (there, mine) {
                    (Some(there), Some(here)) if there > here => "転居先".into(),
                    (_, None) => "転居元".into(),
                    (None, _) => "転居先".into(),
                    _ => "転居元".into(),
                },
                office_name: other.office_name,
            }
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

pub use crate::store::offices::Sequence;

/// Take the office's sequence row for the rest of the transaction; the next value
/// (see [`crate::store::offices::lock_sequence`]).
pub async fn lock_sequence(
    conn: &mut AnyConnection,
    office: &str,
    sequence: Sequence<'_>,
) -> Result<i64, AppError> {
    Ok(crate::store::offices::lock_sequence(conn, office, sequence).await?)
}

/// Issue `count` numbers of `sequence` for the office inside the caller's transaction
/// (see [`crate::store::offices::issue_numbers`]); 409 when none are left.
pub async fn issue_numbers(
    conn: &mut AnyConnection,
    office: &str,
    sequence: Sequence<'_>,
    count: usize,
) -> Result<Vec<String>, AppError> {
    crate::store::offices::issue_numbers(conn, office, sequence, count)
        .await?
        .ok_or_else(|| {
            AppError::conflict("採番できる番号が残っていません。システム運用者に連絡してください。")
        })
}

pub use crate::store::offices::OfficeRow;

pub async fn office_row(db: &Db, office: &str) -> Result<OfficeRow, AppError> {
    crate::store::offices::printed(db, office)
        .await?
        .ok_or_else(|| AppError::not_found("福祉事務所"))
}
