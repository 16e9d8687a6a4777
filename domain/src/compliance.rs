//! The national operator's compliance rules (docs/compliance.md), one function each, so the
//! server, its tests and the page's help text say the same thing:
//! - 資格登録の遅れ: a 保護開始・再開・停止・廃止 decision registered after its due date (the
//!   2nd 開庁日 after the decision day, by the office's calendar with its own 閉庁日,
//!   `crate::qualification::registration_due`), or not registered and already past it;
//! - 決定日より後の券の発行: a ticket covering a 保護開始・再開 from its start (first valid on or
//!   before the decision day) issued (JST day of its creation) after the decision day;
//! - 日次連携の未取得: a feed built before today (JST) that no one of the office has opened or
//!   downloaded.

use chrono::{Datelike, NaiveDate};

use crate::calendar::OfficeCalendar;
use crate::error::FieldError;

pub const FIELD_MONTH: &str = "対象月";

/// The period of the table: `month` (`YYYY-MM`) up to today at the latest; none: the
/// first day of last month up to today.
pub fn period(month: Option<&str>, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), FieldError> {
    let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let typed = month.map(str::trim).filter(|m| !m.is_empty());
    let Some(typed) = typed else {
        let this_month = first_of(today);
        let last_month = first_of(this_month.pred_opt().unwrap_or(this_month));
        return Ok((last_month, today));
    };
    let refuse = || {
        FieldError::new(
            FIELD_MONTH,
            "対象月は YYYY-MM の形で、今月までの月を指定してください（例: 2024-04）。",
        )
    };
    let from =
        NaiveDate::parse_from_str(&format!("{typed}-01"), "%Y-%m-%d").map_err(|_| refuse())?;
    if typed.len() != 7 || from > today {
        return Err(refuse());
    }
    let next = if from.month() == 12 {
        NaiveDate::from_ymd_opt(from.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(from.year(), from.month() + 1, 1)
    }
    .ok_or_else(refuse)?;
    let last = next.pred_opt().ok_or_else(refuse)?;
    Ok((from, last.min(today)))
}

/// How many 開庁日 a registration is late: `registered_on` (or, not registered yet, today)
/// after `due`; `None` when it is not late.
pub fn registration_open_days_late(
    calendar: &OfficeCalendar,
    due: NaiveDate,
    registered_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<u32> {
    let until = registered_on.unwrap_or(today);
    (until > due).then(|| calendar.open_days_between(due, until))
}

/// The decision day a ticket answers to: the decision day of the 保護開始・再開 it relies on,
/// when the ticket's first valid day is on or before it (the ticket covers the decided period
/// from its start, so it was due on the decision day). A ticket first valid after the
/// decision day (a later month, a later illness) answers to no decision: `None`.
pub fn ticket_decision_day(
    valid_from: NaiveDate,
    decision: Option<NaiveDate>,
) -> Option<NaiveDate> {
    decision.filter(|d| valid_from <= *d)
}

/// Calendar days a ticket was issued after its decision day; `None` when on time.
pub fn ticket_days_late(issued_on: NaiveDate, decision_day: NaiveDate) -> Option<u32> {
    let days = (issued_on - decision_day).num_days();
    (days > 0).then(|| u32::try_from(days).unwrap_or(u32::MAX))
}

/// A feed built on `built_on` (JST) and never fetched counts from the day after its build.
pub fn feed_unfetched(built_on: NaiveDate, fetched: bool, today: NaiveDate) -> bool {
    !fetched && built_on < today
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_default_period_is_last_month_and_this_month_so_far() {
        assert_eq!(
            period(None, d("2025-01-15")).unwrap(),
            (d("2024-12-01"), d("2025-01-15"))
        );
        assert_eq!(
            period(Some("2024-12"), d("2025-01-15")).unwrap(),
            (d("2024-12-01"), d("2024-12-31"))
        );
        assert_eq!(
            period(Some("2025-01"), d("2025-01-15")).unwrap(),
            (d("2025-01-01"), d("2025-01-15"))
        );
        for wrong in ["2025-02", "2025-13", "2025/01", "令和7年", "2025-1"] {
            let e = period(Some(wrong), d("2025-01-15")).unwrap_err();
            assert_eq!(e.field, FIELD_MONTH, "{wrong}");
        }
    }

    #[test]
    fn a_registration_is_late_by_open_days_after_its_due_date() {
        let calendar = OfficeCalendar::default();
        // Friday 2024-05-10 decided: due Tuesday 05-14; registered Thursday 05-16: 2 days late.
        let due = crate::qualification::registration_due(&calendar, d("2024-05-10"));
        assert_eq!(due, d("2024-05-14"));
        assert_eq!(
            registration_open_days_late(&calendar, due, Some(d("2024-05-16")), d("2024-06-01")),
            Some(2)
        );
        assert_eq!(
            registration_open_days_late(&calendar, due, Some(d("2024-05-14")), d("2024-06-01")),
            None
        );
        // Not registered: late as of today.
        assert_eq!(
            registration_open_days_late(&calendar, due, None, d("2024-05-15")),
            Some(1)
        );
        // The office's own 閉庁日 moves the due date.
        let mut closed = OfficeCalendar::default();
        closed.extra_closed.insert(d("2024-05-13"));
        let due = crate::qualification::registration_due(&closed, d("2024-05-10"));
        assert_eq!(due, d("2024-05-15"));
        assert_eq!(
            registration_open_days_late(&closed, due, Some(d("2024-05-15")), d("2024-06-01")),
            None
        );
    }

    #[test]
    fn a_ticket_answers_to_the_decision_it_covers_from_the_start() {
        // 保護開始 effective 04-01, decided 04-10: a ticket from 04-01 is due on 04-10.
        let decided = Some(d("2024-04-10"));
        assert_eq!(ticket_decision_day(d("2024-04-01"), decided), decided);
        assert_eq!(ticket_decision_day(d("2024-04-10"), decided), decided);
        // A ticket first valid after the decision (next month, a later illness): none.
        assert_eq!(ticket_decision_day(d("2024-05-01"), decided), None);
        assert_eq!(ticket_decision_day(d("2024-05-01"), None), None);
        assert_eq!(ticket_days_late(d("2024-04-10"), d("2024-04-10")), None);
        assert_eq!(ticket_days_late(d("2024-04-08"), d("2024-04-10")), None);
        assert_eq!(ticket_days_late(d("2024-04-12"), d("2024-04-10")), Some(2));
    }

    #[test]
    fn a_feed_counts_as_unfetched_from_the_day_after_its_build() {
        assert!(!feed_unfetched(d("2024-05-02"), false, d("2024-05-02")));
        assert!(feed_unfetched(d("2024-05-02"), false, d("2024-05-03")));
        assert!(!feed_unfetched(d("2024-05-02"), true, d("2024-05-03")));
    }
}
