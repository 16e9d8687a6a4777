//! The office's own 閉庁日 (`office_closed_days`): every office staff member reads the list;
//! the 査察指導員 adds, removes and imports. Each change is written with its audit row in one
//! transaction. The 2-開庁日 deadlines read the table on every request (`deadlines.rs`), so
//! they follow at once.

use chrono::NaiveDate;
use domain::api::{ClosedDayItem, ClosedDayList, Role};
use domain::calendar::OfficeCalendar;
use domain::closed_days::{parse_entry, parse_list};

use crate::auth::Caller;
use crate::db::{now_text, Db};
use crate::error::ServiceError;
use crate::{audit, scope, store};

/// The caller's office's closed days.
pub async fn list(db: &Db, caller: &Caller) -> Result<ClosedDayList, ServiceError> {
    let office = scope::office(caller)?;
    let mut conn = db.pool.acquire().await?;
    let rows = store::offices::closed_days(&mut conn, office).await?;
    let national = OfficeCalendar::default();
    let (from, to) = (national.year_end_from, national.year_end_to);
    let days = rows
        .into_iter()
        .map(|r| {
            let also = NaiveDate::parse_from_str(&r.date, "%Y-%m-%d")
                .ok()
                .and_then(|d| national.closed_reason(d));
            ClosedDayItem {
                date: r.date,
                reason: r.reason,
                also,
                created_at: r.created_at,
                created_by: r.created_by,
            }
        })
        .collect();
    Ok(ClosedDayList {
        days,
        may_edit: caller.role == Role::Supervisor,
        year_end: format!("{}月{}日〜{}月{}日", from.0, from.1, to.0, to.1),
    })
}

/// Add one day as typed; 409 when the office already has it.
pub async fn add(
    db: &Db,
    caller: &Caller,
    date: &str,
    reason: &str,
) -> Result<ClosedDayList, ServiceError> {
    let office = scope::supervisor_office(caller)?;
    let day = parse_entry(date, reason).map_err(ServiceError::Validation)?;
    let mut tx = db.pool.begin().await?;
    let at = now_text();
    if !store::offices::insert_closed_day(&mut tx, office, &day, &at, &caller.actor_label).await? {
        return Err(ServiceError::Conflict(format!(
            "{} は既に閉庁日として登録されています。",
            domain::wareki::format_date(day.date)
        )));
    }
    let detail = format!("閉庁日を追加: {} {}", day.date, day.reason);
    audit::record_in(&mut tx, caller, "office.closed_day.add", None, &detail).await?;
    tx.commit().await?;
    list(db, caller).await
}

/// Remove one day (ISO date in the path); another office's day answers as one that does not
/// exist.
pub async fn remove(db: &Db, caller: &Caller, date: &str) -> Result<ClosedDayList, ServiceError> {
    let office = scope::supervisor_office(caller)?;
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map_err(|_| ServiceError::NotFound("閉庁日"))?;
    let mut tx = db.pool.begin().await?;
    let Some(reason) = store::offices::delete_closed_day(&mut tx, office, date).await? else {
        return Err(ServiceError::NotFound("閉庁日"));
    };
    let detail = format!("閉庁日を削除: {date} {reason}");
    audit::record_in(&mut tx, caller, "office.closed_day.remove", None, &detail).await?;
    tx.commit().await?;
    list(db, caller).await
}

/// Import a list (one date a line, optionally `,名称`): all or nothing.
pub async fn import(db: &Db, caller: &Caller, text: &str) -> Result<ClosedDayList, ServiceError> {
    let office = scope::supervisor_office(caller)?;
    let days = parse_list(text).map_err(ServiceError::Validation)?;
    let mut tx = db.pool.begin().await?;
    let at = now_text();
    store::offices::upsert_closed_days(&mut tx, office, &days, &at, &caller.actor_label).await?;
    let dates: Vec<String> = days.iter().map(|d| d.date.to_string()).collect();
    let detail = format!("閉庁日を一括登録: {}件 ({})", days.len(), dates.join(", "));
    audit::record_in(&mut tx, caller, "office.closed_day.import", None, &detail).await?;
    tx.commit().await?;
    list(db, caller).await
}
