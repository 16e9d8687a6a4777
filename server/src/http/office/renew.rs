//! Next month's 医療券/調剤券 from this month's, for a whole caseload in one step.
//!
//! The preview computes the plan and a token over it; the commit computes the plan again
//! inside its transaction and writes only if the token still matches, so what is created
//! is exactly what was shown (anything changed in between → 409, preview again).

use std::collections::{HashMap, HashSet};

use axum::extract::State;
use axum::Json;
use base64::Engine as _;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use domain::api::{
    RenewCommit, RenewItem, RenewPreview, RenewRequest, RenewResult, RenewSkip, Role,
};
use domain::ticket::{check_consistency, month_bounds, month_of};
use domain::ticket_form::next_month;
use domain::wareki::parse_month_input;

use super::store::{self, parse_date, Sequence};
use super::tickets::insert_ticket;
use crate::auth::Caller;
use crate::db::today_jst;
use crate::http::error::{ApiJson, AppError};
use crate::http::state::AppState;
use crate::store::tickets::{self, StoredTicket};
use crate::{audit, scope};

const FIELD_FROM: &str = "更新元の診療年月";

struct Plan {
    from: String,
    to: String,
    items: Vec<RenewItem>,
    skipped: Vec<RenewSkip>,
    token: String,
}

/// Whose tickets: a caseworker their own caseload; a supervisor the whole office or the
/// caseload of the caseworker named.
async fn caseload(
    conn: &mut sqlx::AnyConnection,
    caller: &Caller,
    office: &str,
    asked: Option<&str>,
) -> Result<Option<String>, AppError> {
    let asked = asked.map(str::trim).filter(|s| !s.is_empty());
    match (caller.role, asked) {
        (Role::Supervisor, None) => Ok(None),
        (Role::Supervisor, Some(login)) => match store::staff_name(conn, office, login).await? {
            Some(_) => Ok(Some(login.to_string())),
            None => Err(AppError::field(
                "地区担当員",
                format!("「{login}」はこの事務所の職員ではありません。"),
            )),
        },
        (_, Some(login)) if login != caller.actor_id => Err(AppError::forbidden()),
        _ => Ok(Some(caller.actor_id.clone())),
    }
}

fn from_month(typed: Option<&str>, today: NaiveDate) -> Result<String, AppError> {
    match typed.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(month_of(today)),
        Some(typed) => parse_month_input(typed)
            .map(|(y, m)| format!("{y:04}-{m:02}"))
            .map_err(|e| AppError::field(FIELD_FROM, e.month_message())),
    }
}

async fn plan(
    conn: &mut sqlx::AnyConnection,
    caller: &Caller,
    office: &str,
    caseload: Option<&str>,
    from: String,
) -> Result<Plan, AppError> {
    let to = next_month(&from).ok_or_else(|| AppError::field(FIELD_FROM, "存在しない月です。"))?;
    let (to_first, to_last) =
        month_bounds(&to).ok_or_else(|| AppError::field(FIELD_FROM, "存在しない月です。"))?;
    let sources = tickets::renewal_sources(&mut *conn, office, &from, caseload).await?;
    let periods = qualified_periods(conn, office, &sources).await?;
    let existing: HashMap<(i64, String, String, String), String> =
        tickets::active_of_office_month(&mut *conn, office, &to)
            .await?
            .into_iter()
            .map(|t| (renewal_key(&t), t.ticket.issue_number))
            .collect();

    let mut items = Vec::new();
    let mut skipped = Vec::new();
    let mut planned = HashSet::new();
    for source in &sources {
        let skip = |reason: String| RenewSkip {
            source_ticket_id: source.id,
            recipient_id: source.recipient_id,
            recipient_number: source.holder.recipient_number.clone(),
            recipient_name: source.holder.name.clone(),
            institution_name: source.ticket.institution_name.clone(),
            reason,
        };
        let key = renewal_key(source);
        let (from_date, until) = periods
            .get(&source.recipient_id)
            .copied()
            .unwrap_or((None, None));
        let reason = if source.ticket.retroactive_reason.is_some() {
            Some("事後委託の券（受診の後に交付した券）は翌月に引き継ぎません。".to_string())
        } else if let Some(number) = existing.get(&key) {
            Some(format!(
                "翌月分が既に交付されています（交付番号 {number}）。"
            ))
        } else if planned.contains(&key) {
            Some("同じ指定医療機関・診療別の券をこの一覧の上の行で更新します。".to_string())
        } else {
            match (from_date, until) {
                (None, _) => Some("資格が登録されていません。".to_string()),
                (_, Some(until)) if until < to_first => Some(format!(
                    "資格喪失日（{until}）が翌月（{to}）より前のため、翌月分は交付しません。"
                )),
                (Some(f), _) if f > to_last => Some(format!("資格取得日（{f}）が翌月より後です。")),
                _ => None,
            }
        };
        if let Some(reason) = reason {
            skipped.push(skip(reason));
            continue;
        }
        let mut ticket = source.ticket.clone();
        ticket.issue_number = String::new();
        ticket.treatment_month = to.clone();
        ticket.valid_from = from_date.map_or(to_first, |f| f.max(to_first));
        ticket.valid_until = until.map_or(to_last, |u| u.min(to_last));
        ticket.retroactive_reason = None;
        ticket.handling_contact = caller.display_name.clone();
        let mut check = ticket.clone();
        check.issue_number = "（採番前）".to_string();
        if let Some(problem) = check_consistency(&check).into_iter().next() {
            skipped.push(skip(format!("{}: {}", problem.field, problem.message)));
            continue;
        }
        planned.insert(key);
        items.push(RenewItem {
            source_ticket_id: source.id,
            recipient_id: source.recipient_id,
            recipient_number: source.holder.recipient_number.clone(),
            recipient_name: source.holder.name.clone(),
            ticket,
        });
    }
    let token = token(office, caseload, &from, &items)?;
    Ok(Plan {
        from,
        to,
        items,
        skipped,
        token,
    })
}

/// A renewal's identity within a month: recipient, institution, 券種, 診療別.
fn renewal_key(t: &StoredTicket) -> (i64, String, String, String) {
    (
        t.recipient_id,
        t.ticket.institution_code.as_str().to_string(),
        t.ticket.ticket_type.code().to_string(),
        t.ticket.treatment_type.code().to_string(),
    )
}

/// The 資格 period of each recipient of `sources` (資格取得日, 資格喪失日), by id.
async fn qualified_periods(
    conn: &mut sqlx::AnyConnection,
    office: &str,
    sources: &[StoredTicket],
) -> Result<HashMap<i64, (Option<NaiveDate>, Option<NaiveDate>)>, AppError> {
    let mut ids: Vec<i64> = sources.iter().map(|t| t.recipient_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut periods = HashMap::with_capacity(ids.len());
    for (id, from, until) in crate::store::people::stored_periods(conn, office, &ids).await? {
        periods.insert(
            id,
            (
                from.as_deref().and_then(parse_date),
                until.as_deref().and_then(parse_date),
            ),
        );
    }
    Ok(periods)
}

/// SHA-256 over what the commit would write, base64url.
fn token(
    office: &str,
    caseload: Option<&str>,
    from: &str,
    items: &[RenewItem],
) -> Result<String, AppError> {
    let canonical = serde_json::to_vec(&(office, caseload, from, items))
        .map_err(|e| AppError::from(anyhow::anyhow!("renew token: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(canonical)))
}

fn recipients_of(items: &[RenewItem]) -> Vec<i64> {
    let mut ids: Vec<i64> = items.iter().map(|i| i.recipient_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<RenewRequest>,
) -> Result<Json<RenewPreview>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let from = from_month(request.from_month.as_deref(), today_jst())?;
    let mut conn = state.db.pool.acquire().await?;
    let load = caseload(
        &mut conn,
        &caller,
        &office,
        request.caseworker_login.as_deref(),
    )
    .await?;
    let plan = plan(&mut conn, &caller, &office, load.as_deref(), from).await?;
    drop(conn);
    let mut ids = recipients_of(&plan.items);
    ids.extend(plan.skipped.iter().map(|s| s.recipient_id));
    ids.sort_unstable();
    ids.dedup();
    audit::record_many(
        &state.db,
        &caller,
        "ticket.renew.preview",
        &ids,
        &format!(
            "翌月分（{}）の医療券・調剤券の一括交付をプレビュー",
            plan.to
        ),
    )
    .await?;
    Ok(Json(RenewPreview {
        from_month: plan.from,
        to_month: plan.to,
        items: plan.items,
        skipped: plan.skipped,
        preview_token: plan.token,
    }))
}

pub async fn commit(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<RenewCommit>,
) -> Result<Json<RenewResult>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let from = from_month(request.from_month.as_deref(), today_jst())?;
    let mut tx = state.db.pool.begin().await?;
    let load = caseload(
        &mut tx,
        &caller,
        &office,
        request.caseworker_login.as_deref(),
    )
    .await?;
    let plan = plan(&mut tx, &caller, &office, load.as_deref(), from).await?;
    if plan.token != request.preview_token.trim() {
        return Err(AppError::conflict(
            "プレビューの後で医療券・調剤券または資格が変わりました。もう一度プレビューして確認してください。",
        ));
    }
    let numbers = store::issue_numbers(
        &mut tx,
        &office,
        Sequence::Ticket { month: &plan.to },
        plan.items.len(),
    )
    .await?;
    let mut created_ids = Vec::with_capacity(plan.items.len());
    for (item, number) in plan.items.iter().zip(numbers) {
        let mut ticket = item.ticket.clone();
        ticket.issue_number = number;
        let id = insert_ticket(
            &mut tx,
            &office,
            item.recipient_id,
            &ticket,
            &caller.actor_id,
            Some(item.source_ticket_id),
        )
        .await?;
        created_ids.push(id);
    }
    tx.commit().await?;
    audit::record_many(
        &state.db,
        &caller,
        "ticket.renew",
        &recipients_of(&plan.items),
        &format!("翌月分（{}）の医療券・調剤券を一括交付", plan.to),
    )
    .await?;
    let mut conn = state.db.pool.acquire().await?;
    let mut created = Vec::with_capacity(created_ids.len());
    for id in created_ids {
        created.push(store::ticket_view(
            &store::ticket(&mut conn, &office, id).await?,
        ));
    }
    Ok(Json(RenewResult {
        to_month: plan.to,
        created,
    }))
}
