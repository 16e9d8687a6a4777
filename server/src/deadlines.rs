//! 資格登録の期限: an office's pending 資格 decisions (or a caseworker's caseload) against
//! today — the JST day of `now`, never the UTC date, so between 00:00 and 09:00 JST a row due
//! yesterday is overdue. The clock is the caller's (handlers pass `Utc::now()`; tests pass
//! any instant). A row past its due date is overdue even when only closed days have passed.

use chrono::{DateTime, NaiveDate, Utc};
use domain::api::{DeadlineItem, Deadlines};
use domain::calendar::OfficeCalendar;
use domain::qualification::{registration_due, DeadlineState, QualificationKind};
use sqlx::AnyConnection;

use crate::store;

/// The pending registrations of `office` (of `caseworker`'s caseload and the unassigned,
/// when given) that are overdue or due on the JST day of `now`, and how many are due later.
pub async fn pending(
    conn: &mut AnyConnection,
    office: &str,
    caseworker: Option<&str>,
    now: DateTime<Utc>,
) -> anyhow::Result<Deadlines> {
    let calendar = store::offices::calendar(conn, office).await?;
    pending_with(
        conn,
        office,
        caseworker,
        &calendar,
        domain::jst::date_of(now),
    )
    .await
}

/// As [`pending`], with the office's calendar already read and `today` the JST date.
pub async fn pending_with(
    conn: &mut AnyConnection,
    office: &str,
    caseworker: Option<&str>,
    calendar: &OfficeCalendar,
    today: NaiveDate,
) -> anyhow::Result<Deadlines> {
    let rows = store::people::pending_events(conn, office, caseworker).await?;
    let mut out = Deadlines {
        today: today.to_string(),
        overdue: Vec::new(),
        due_today: Vec::new(),
        upcoming: 0,
    };
    for r in rows {
        let Some(kind) = QualificationKind::from_code(&r.kind) else {
            continue;
        };
        let Some(due) = pending_due(
            calendar,
            &r.decision_date,
            &r.source,
            r.recorded_at.as_deref(),
            r.registration_due.as_deref(),
        ) else {
            continue;
        };
        let state = DeadlineState::of(due, today);
        let item = DeadlineItem {
            event_id: r.event_id,
            recipient_id: r.recipient_id,
            recipient_number: r.recipient_number,
            recipient_name: r.recipient_name,
            caseworker_login: r.caseworker_login,
            kind,
            kind_label: kind.label_ja().into(),
            effective_date: r.effective_date,
            decision_date: r.decision_date,
            due_date: due.to_string(),
            state,
            open_days_overdue: calendar.open_days_between(due, today),
        };
        match state {
            DeadlineState::Overdue => out.overdue.push(item),
            DeadlineState::DueToday => out.due_today.push(item),
            DeadlineState::Upcoming => out.upcoming += 1,
        }
    }
    Ok(out)
}

/// The registration due date of a decision still pending, by the office calendar as it is
/// now: a 閉庁日 added or removed moves it at once. The 2 開庁日 count from the decision date,
/// or, for the pending 廃止 a 転居 leaves at the old office, from the day the new office
/// registered (when the old office learned of it). The stored date is the fallback.
pub fn pending_due(
    calendar: &OfficeCalendar,
    decision_date: &str,
    source: &str,
    recorded_at: Option<&str>,
    stored: Option<&str>,
) -> Option<NaiveDate> {
    let date = |value: &str| NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
    let basis = if source == "transfer" {
        recorded_at
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| domain::jst::date_of(t.with_timezone(&Utc)))
    } else {
        date(decision_date)
    };
    basis
        .map(|basis| registration_due(calendar, basis))
        .or_else(|| stored.and_then(date))
}
