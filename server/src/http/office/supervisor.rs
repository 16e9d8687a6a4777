//! The 査察指導員's view of the whole office: caseload per caseworker, the tickets its staff
//! issued today (not imports), and the 資格 registrations that are overdue or due today.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use chrono::{Duration, NaiveDate, NaiveTime, TimeZone};

use domain::api::{CaseloadRow, SupervisorView, TicketListItem};
use domain::ticket::month_of;

use super::store;
use crate::auth::Caller;
use crate::db::{instant_text, today_jst};
use crate::http::error::AppError;
use crate::http::state::AppState;
use crate::store::{people, tickets};
use crate::{audit, scope};

/// The UTC instants (as stored) where a JST day starts and the next one starts.
fn jst_day_bounds(day: NaiveDate) -> (String, String) {
    let start = domain::jst::offset()
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&chrono::Utc));
    match start {
        Some(start) => (instant_text(start), instant_text(start + Duration::days(1))),
        None => (day.to_string(), (day + Duration::days(1)).to_string()),
    }
}

/// The caseload row of `login` (None: unassigned), created empty when first seen.
fn entry(
    rows: &mut BTreeMap<Option<String>, CaseloadRow>,
    login: Option<String>,
) -> &mut CaseloadRow {
    rows.entry(login.clone()).or_insert_with(|| CaseloadRow {
        display_name: login.clone().unwrap_or_else(|| "未割当".to_string()),
        login,
        recipients: 0,
        active: 0,
        without_card: 0,
        restricted: 0,
        tickets_this_month: 0,
        pending_registrations: 0,
        overdue_registrations: 0,
    })
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

pub async fn view(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SupervisorView>, AppError> {
    let office = scope::supervisor_office(&caller)?.to_string();
    let today = today_jst();
    let today_text = today.to_string();
    let mut conn = state.db.pool.acquire().await?;

    let staff = crate::store::users::caseworkers(&mut conn, &office).await?;
    let mut rows: BTreeMap<Option<String>, CaseloadRow> = BTreeMap::new();
    for (login, name) in staff {
        entry(&mut rows, Some(login)).display_name = name;
    }
    let counts = people::counts_by_caseworker(&mut conn, &office, &today_text).await?;
    for (login, c) in counts {
        let row = entry(&mut rows, login);
        row.recipients = count(c.total);
        row.active = count(c.active);
        row.without_card = count(c.without_card);
        row.restricted = count(c.restricted);
    }
    let per_caseworker =
        tickets::count_active_by_caseworker(&mut *conn, &office, &month_of(today)).await?;
    for (login, n) in per_caseworker {
        entry(&mut rows, login).tickets_this_month = n;
    }
    let calendar = store::office_calendar(&mut conn, &office).await?;
    let deadlines =
        crate::deadlines::pending_with(&mut conn, &office, None, &calendar, today).await?;
    let pending = people::pending_by_caseworker(&mut conn, &office).await?;
    for (login, n) in pending {
        let overdue = deadlines
            .overdue
            .iter()
            .filter(|d| d.caseworker_login == login)
            .count();
        let row = entry(&mut rows, login);
        row.pending_registrations = count(n);
        row.overdue_registrations = u64::try_from(overdue).unwrap_or(0);
    }

    let (start, end) = jst_day_bounds(today);
    let issued = tickets::issued_by_staff_between(&mut *conn, &office, &start, &end).await?;
    drop(conn);
    let mut tickets_issued_today = Vec::with_capacity(issued.len());
    for t in issued {
        let retroactive = t.ticket.retroactive_reason.is_some();
        tickets_issued_today.push(TicketListItem {
            ticket_id: t.id,
            issue_number: t.ticket.issue_number,
            recipient_id: t.recipient_id,
            recipient_number: t.holder.recipient_number,
            recipient_name: t.holder.name,
            ticket_type: t.ticket.ticket_type,
            treatment_type: t.ticket.treatment_type,
            treatment_month: t.ticket.treatment_month,
            institution_code: t.ticket.institution_code.as_str().to_string(),
            institution_name: t.ticket.institution_name,
            status: t.status,
            retroactive,
            created_at: t.created_at,
            created_by: t.created_by,
        });
    }
    let mut ids: Vec<i64> = tickets_issued_today
        .iter()
        .map(|t| t.recipient_id)
        .chain(deadlines.overdue.iter().map(|d| d.recipient_id))
        .chain(deadlines.due_today.iter().map(|d| d.recipient_id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    audit::record_many(
        &state.db,
        &caller,
        "office.supervisor",
        &ids,
        "査察指導員の画面（本日交付の券・資格登録の期限）",
    )
    .await?;
    // Caseworkers by login, then the unassigned.
    let mut caseloads: Vec<CaseloadRow> = rows.into_values().collect();
    caseloads.sort_by_key(|r| (r.login.is_none(), r.login.clone()));
    Ok(Json(SupervisorView {
        today: today_text,
        caseloads,
        tickets_issued_today,
        overdue: deadlines.overdue,
        due_today: deadlines.due_today,
    }))
}
