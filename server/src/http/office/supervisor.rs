//! The 査察指導員's view of the whole office: caseload per caseworker, the tickets its staff
//! issued today (not imports), and the 資格 registrations that are overdue or due today.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use chrono::{Duration, NaiveDate, NaiveTime, TimeZone};

use domain::api::{CaseloadRow, SupervisorView, TicketListItem};
use domain::codes::{TicketType, TreatmentType};
use domain::ticket::month_of;

use super::qualification::pending_deadlines;
use super::store::{self, TicketRow, TICKET_SELECT};
use crate::auth::Caller;
use crate::db::{instant_text, today_jst};
use crate::http::error::AppError;
use crate::http::state::AppState;
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

    let staff: Vec<(String, String)> = sqlx::query_as(
        "SELECT login, display_name FROM users WHERE office_number = $1 AND role = 'caseworker' ORDER BY login",
    )
    .bind(&office)
    .fetch_all(&mut *conn)
    .await?;
    let mut rows: BTreeMap<Option<String>, CaseloadRow> = BTreeMap::new();
    for (login, name) in staff {
        entry(&mut rows, Some(login)).display_name = name;
    }
    let counts: Vec<(Option<String>, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT caseworker_login, COUNT(*), \
         CAST(COALESCE(SUM(CASE WHEN qualified_from IS NOT NULL AND qualified_from <= $2 \
              AND (qualified_until IS NULL OR qualified_until >= $2) THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN card_held = 0 THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN restricted = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM recipients WHERE office_number = $1 GROUP BY caseworker_login",
    )
    .bind(&office)
    .bind(&today_text)
    .fetch_all(&mut *conn)
    .await?;
    for (login, total, active, without_card, restricted) in counts {
        let row = entry(&mut rows, login);
        row.recipients = count(total);
        row.active = count(active);
        row.without_card = count(without_card);
        row.restricted = count(restricted);
    }
    let tickets: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT r.caseworker_login, COUNT(*) FROM tickets t JOIN recipients r ON r.id = t.recipient_id \
         WHERE t.office_number = $1 AND t.treatment_month = $2 AND t.status = 'active' GROUP BY r.caseworker_login",
    )
    .bind(&office)
    .bind(month_of(today))
    .fetch_all(&mut *conn)
    .await?;
    for (login, n) in tickets {
        entry(&mut rows, login).tickets_this_month = count(n);
    }
    let calendar = store::office_calendar(&mut conn, &office).await?;
    let deadlines = pending_deadlines(&mut conn, &office, None, &calendar, today).await?;
    let pending: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT r.caseworker_login, COUNT(*) FROM qualification_events e JOIN recipients r ON r.id = e.recipient_id \
         WHERE r.office_number = $1 AND e.status = 'pending' GROUP BY r.caseworker_login",
    )
    .bind(&office)
    .fetch_all(&mut *conn)
    .await?;
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
    let issued: Vec<TicketRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{TICKET_SELECT} WHERE t.office_number = $1 AND t.created_at >= $2 AND t.created_at < $3 \
         AND t.created_by IN (SELECT login FROM users WHERE office_number = $1) ORDER BY t.created_at, t.id"
    )))
    .bind(&office)
    .bind(&start)
    .bind(&end)
    .fetch_all(&mut *conn)
    .await?;
    drop(conn);
    let mut tickets_issued_today = Vec::with_capacity(issued.len());
    for t in &issued {
        let view = t.view()?;
        tickets_issued_today.push(TicketListItem {
            ticket_id: t.id,
            issue_number: t.issue_number.clone(),
            recipient_id: t.recipient_id,
            recipient_number: t.recipient_number.clone(),
            recipient_name: t.recipient_name.clone(),
            ticket_type: TicketType::from_code(&t.ticket_type).unwrap_or(TicketType::Medical),
            treatment_type: TreatmentType::from_code(&t.treatment_type)
                .unwrap_or(TreatmentType::Outpatient),
            treatment_month: t.treatment_month.clone(),
            institution_code: t.institution_code.clone(),
            institution_name: t.institution_name.clone(),
            status: view.status,
            retroactive: view.retroactive,
            created_at: t.created_at.clone(),
            created_by: t.created_by.clone(),
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
