//! The recipient portal (マイナポータル-style): the signed-in recipient's own 資格情報,
//! 医療券・調剤券, 薬剤情報・健診 and 自己情報の提供記録.
//!
//! - `GET /api/me/profile`: 資格, office, 閲覧制限 and what it does;
//! - `GET /api/me/tickets?months=N`: this and past months' tickets (cancelled ones left out);
//! - `GET /api/me/health`: 薬剤情報 and 健診 results with reference ranges;
//! - `GET /api/me/access-log?page=N&own=1`: who accessed the recipient's data, newest first.
//!
//! Scope is `scope::own_recipient`: the recipient id comes from the session only; no
//! parameter names a recipient, and unknown parameters are ignored. Each read is audited
//! as `portal.*` with the recipient as actor; the access log hides those rows (and the
//! recipient's sign-ins) unless `own=1`, so the log reads as "who else looked".

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use domain::api::{
    access_verification_detail, describe_access, describe_roster_reads, parse_access_log_page,
    parse_ticket_months, ticket_month_back, PortalAccessActor, PortalAccessEntry, PortalAccessLog,
    PortalCoverage, PortalHealth, PortalProfile, PortalRestriction, PortalTicket,
    PortalTicketMonth, PortalTickets, PORTAL_ACCESS_LOG_PER_PAGE, PORTAL_RESTRICTED_INSTITUTION,
};

use super::error::AppError;
use super::state::AppState;
use crate::auth::Caller;
use crate::db::{today_jst, Db};
use crate::store::audit::{AccessQuery, AccessRecord, AccessSource};
use crate::store::tickets::{self, StoredTicket};
use crate::{audit, scope, store};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/me/profile", get(profile))
        .route("/api/me/tickets", get(tickets))
        .route("/api/me/health", get(health))
        .route("/api/me/access-log", get(access_log))
}

pub fn operations(g: &mut schemars::generate::SchemaGenerator) -> Vec<super::operation::Operation> {
    use super::operation::Operation;
    const WHO: &str =
        "被保護者（本人のみ。対象はセッションで決まり、URL やパラメータでは指定できません）";
    vec![
        Operation::new("get", "/api/me/profile", "資格情報と閲覧制限", WHO)
            .response::<PortalProfile>(g),
        Operation::new(
            "get",
            "/api/me/tickets",
            "今月と過去の月の医療券・調剤券（?months=1〜24、既定6）",
            WHO,
        )
        .response::<PortalTickets>(g),
        Operation::new("get", "/api/me/health", "薬剤情報と健診結果", WHO)
            .response::<PortalHealth>(g),
        Operation::new(
            "get",
            "/api/me/access-log",
            "自己情報の提供記録（新しい順、?page=1〜、?own=1 で本人の操作も含める）",
            WHO,
        )
        .response::<PortalAccessLog>(g),
    ]
}

type Params = Query<HashMap<String, String>>;

fn param<'a>(params: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    params.get(name).map(String::as_str)
}

fn parse_date(iso: Option<&str>) -> Option<NaiveDate> {
    iso.and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

/// What the recipient's row and office say about coverage.
struct Coverage {
    office_number: String,
    recipient_number: String,
    office_name: String,
    office_phone: String,
    status: PortalCoverage,
    /// 閲覧制限: the portal names no institution (someone else may hold the card).
    restricted: bool,
}

use crate::store::people::{CoverageRow, ProfileRow};

async fn coverage(db: &Db, id: i64, today: NaiveDate) -> Result<Coverage, AppError> {
    let row: Option<CoverageRow> = crate::store::people::coverage(db, id).await?;
    let Some((office_number, recipient_number, from, until, office_name, office_phone, restricted)) =
        row
    else {
        // The session outlived the recipient's record.
        return Err(AppError::unauthenticated());
    };
    Ok(Coverage {
        office_number,
        recipient_number,
        office_name,
        office_phone: office_phone.unwrap_or_default(),
        status: PortalCoverage::on(
            parse_date(from.as_deref()),
            parse_date(until.as_deref()),
            today,
        ),
        restricted: restricted != 0,
    })
}

// ---------------------------------------------------------------- 資格情報

async fn profile(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PortalProfile>, AppError> {
    let id = scope::own_recipient(&caller)?;
    let db = &state.db;
    let today = today_jst();
    let row: Option<ProfileRow> = crate::store::people::profile(db, id).await?;
    let Some((
        name,
        name_kana,
        birth_date,
        office_number,
        recipient_number,
        qualified_from,
        qualified_until,
        card_registered,
        restricted,
        postal_code,
        address,
        office_name,
        office_phone,
        office_address,
    )) = row
    else {
        return Err(AppError::unauthenticated());
    };
    let restricted = restricted != 0;
    let status = PortalCoverage::on(
        parse_date(qualified_from.as_deref()),
        parse_date(qualified_until.as_deref()),
        today,
    );
    // 閲覧制限: the address is not shown here either (someone else may hold the card).
    let address = (!restricted)
        .then(|| match (postal_code, address) {
            (Some(postal), Some(address)) if !postal.is_empty() => {
                Some(format!("〒{postal} {address}"))
            }
            (_, address) => address,
        })
        .flatten();
    audit::record(db, &caller, "portal.profile", Some(id), "").await?;
    Ok(Json(PortalProfile {
        name,
        name_kana,
        birth_date,
        office_number,
        office_name,
        office_phone: office_phone.unwrap_or_default(),
        office_address,
        recipient_number,
        qualified_from,
        qualified_until,
        status,
        status_text: status.plain_ja().to_string(),
        card_registered: card_registered != 0,
        address,
        restriction: PortalRestriction::new(restricted),
        today: today.to_string(),
    }))
}

// ---------------------------------------------------------------- 医療券・調剤券

fn ticket(stored: StoredTicket) -> PortalTicket {
    let t = stored.ticket;
    PortalTicket {
        ticket_type: t.ticket_type.code().to_string(),
        ticket_type_label: t.ticket_type.label_ja().to_string(),
        treatment_type: t.treatment_type.code().to_string(),
        treatment_type_label: t.treatment_type.label_ja().to_string(),
        issue_number: t.issue_number,
        treatment_month: t.treatment_month,
        valid_from: t.valid_from.to_string(),
        valid_until: t.valid_until.to_string(),
        institution_code: t.institution_code.as_str().to_string(),
        institution_name: t.institution_name,
        institution_phone: stored.institution.phone.filter(|p| !p.is_empty()),
        institution_address: stored.institution.address.filter(|a| !a.is_empty()),
        prescriber_name: t.prescriber_name,
        self_pay_amount: t.self_pay_amount,
        retroactive: t.retroactive_reason.is_some(),
    }
}

async fn tickets(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Params,
) -> Result<Json<PortalTickets>, AppError> {
    let id = scope::own_recipient(&caller)?;
    let months =
        parse_ticket_months(param(&params, "months")).map_err(|e| AppError::validation(vec![e]))?;
    let db = &state.db;
    let today = today_jst();
    let coverage = coverage(db, id, today).await?;
    let this_month = ticket_month_back(today, 0);
    let first_month = ticket_month_back(today, months.saturating_sub(1));
    let rows = tickets::active_of_recipient_since(&db.pool, id, &first_month).await?;
    // Every asked-for month appears (empty or not), plus any later month already issued.
    let mut month_list: Vec<String> = (0..months)
        .map(|back| ticket_month_back(today, back))
        .collect();
    for row in &rows {
        if !month_list.contains(&row.ticket.treatment_month) {
            month_list.push(row.ticket.treatment_month.clone());
        }
    }
    month_list.sort_by(|a, b| b.cmp(a));
    let mut grouped: Vec<PortalTicketMonth> = month_list
        .into_iter()
        .map(|month| PortalTicketMonth {
            month,
            tickets: Vec::new(),
        })
        .collect();
    for row in rows {
        if let Some(group) = grouped
            .iter_mut()
            .find(|g| g.month == row.ticket.treatment_month)
        {
            let mut ticket = ticket(row);
            if coverage.restricted {
                ticket.withhold_institution();
            }
            group.tickets.push(ticket);
        }
    }
    audit::record(
        db,
        &caller,
        "portal.tickets",
        Some(id),
        &format!("{first_month}〜{this_month}"),
    )
    .await?;
    Ok(Json(PortalTickets {
        today: today.to_string(),
        this_month,
        months_requested: months,
        months: grouped,
        office_name: coverage.office_name,
        office_phone: coverage.office_phone,
        status: coverage.status,
        restricted: coverage.restricted,
    }))
}

// ---------------------------------------------------------------- 薬剤情報・健診

async fn health(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<PortalHealth>, AppError> {
    let id = scope::own_recipient(&caller)?;
    let db = &state.db;
    let restricted = coverage(db, id, today_jst()).await?.restricted;
    let mut answer = crate::health::portal_health(db, id).await?;
    if restricted {
        answer.withhold_institutions();
    }
    audit::record(db, &caller, "portal.health", Some(id), "").await?;
    Ok(Json(answer))
}

// ---------------------------------------------------------------- 自己情報の提供記録

/// JST date (ISO) and `HH:MM` of a stored instant.
fn jst_date_time(at: &str) -> (String, String, Option<String>) {
    let jst = DateTime::parse_from_rfc3339(at)
        .ok()
        .map(|t| domain::jst::to_jst(t.with_timezone(&Utc)));
    match jst {
        Some(t) => (
            t.date_naive().to_string(),
            t.format("%H:%M").to_string(),
            Some(format!(
                "{}月{}日 {}",
                t.month(),
                t.day(),
                t.format("%H:%M")
            )),
        ),
        None => (at.chars().take(10).collect(), String::new(), None),
    }
}

/// One line of the 提供記録; `this_month`: the JST month of today (`YYYY-MM`).
/// `restricted` (閲覧制限): no institution is named — an institution appears as
/// 「医療機関・薬局」, and the recorded details of others' actions (which may name the
/// institution a ticket is for) are left out.
fn access_entry(record: AccessRecord, this_month: &str, restricted: bool) -> PortalAccessEntry {
    let AccessRecord {
        at,
        actor_role: role,
        actor_label: label,
        action,
        detail,
        source,
        id: _,
    } = record;
    let (date, time, _) = jst_date_time(&at);
    let actor = PortalAccessActor::from_role(&role);
    let label = if restricted && actor == PortalAccessActor::Institution {
        PORTAL_RESTRICTED_INSTITUTION.to_string()
    } else {
        label
    };
    let detail = if restricted && actor != PortalAccessActor::OwnSelf {
        match source {
            AccessSource::Audit => String::new(),
            _ => detail,
        }
    } else {
        detail
    };
    let (what, detail) = match source {
        AccessSource::Verification => {
            let (validity, class) = detail.split_once(':').unwrap_or((detail.as_str(), ""));
            (
                describe_access(&action),
                access_verification_detail(validity, class),
            )
        }
        AccessSource::RosterReads { count, first_at } => {
            let (_, _, first) = jst_date_time(&first_at);
            describe_roster_reads(
                &label,
                &detail,
                this_month,
                count,
                &first.unwrap_or(first_at),
            )
        }
        AccessSource::Audit => (describe_access(&action), detail),
    };
    PortalAccessEntry {
        at,
        date,
        time,
        actor,
        actor_name: match actor {
            PortalAccessActor::OwnSelf => "ご本人".to_string(),
            _ => label,
        },
        what,
        action,
        detail,
    }
}

async fn access_log(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Params,
) -> Result<Json<PortalAccessLog>, AppError> {
    let id = scope::own_recipient(&caller)?;
    let page =
        parse_access_log_page(param(&params, "page")).map_err(|e| AppError::validation(vec![e]))?;
    let include_own = matches!(param(&params, "own"), Some("1" | "true"));
    let db = &state.db;
    let today = today_jst();
    let this_month = domain::ticket::month_of(today);
    let coverage = coverage(db, id, today).await?;
    let query = AccessQuery {
        recipient_id: id,
        office_number: &coverage.office_number,
        recipient_number: &coverage.recipient_number,
        include_own,
    };
    let total = store::audit::count_access(&db.pool, &query).await?;
    let per_page = PORTAL_ACCESS_LOG_PER_PAGE;
    let rows = store::audit::access_page(
        &db.pool,
        &query,
        i64::from(per_page),
        i64::from(page.saturating_sub(1)) * i64::from(per_page),
    )
    .await?;
    let pages = u32::try_from(total.div_ceil(u64::from(per_page)))
        .unwrap_or(u32::MAX)
        .max(1);
    audit::record(
        db,
        &caller,
        "portal.access_log",
        Some(id),
        &format!("{page}ページ目"),
    )
    .await?;
    Ok(Json(PortalAccessLog {
        page,
        per_page,
        total,
        pages,
        include_own,
        entries: rows
            .into_iter()
            .map(|row| access_entry(row, &this_month, coverage.restricted))
            .collect(),
        restricted: coverage.restricted,
    }))
}
