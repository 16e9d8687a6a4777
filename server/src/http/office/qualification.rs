//! 資格情報: 保護開始・再開・停止・廃止. A decision is registered at once (資格取得日 and
//! 資格喪失日 change, verification follows) or recorded first and registered later; either
//! way it is due 2 開庁日 after the decision, and pending decisions past or at their due
//! date are listed for the caseworker and the supervisor.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use domain::api::{Deadlines, QualificationRequest, ReasonRequest, RecipientDetail, Role};
use domain::qualification::{
    parse_decision_dates, registration_due, QualificationKind, QualificationState,
};

use super::input::{flag_param, required_reason};
use super::recipients::path_id;
use super::store::{self, recipient_detail, EventRow, RecipientRow};
use crate::auth::Caller;
use crate::db::{now_text, today_jst};
use crate::http::error::{ApiJson, AppError};
use crate::http::state::AppState;
use crate::store as stores;
use crate::{audit, scope};

/// Check `kind` at `effective` against where the record's 資格 history stands now.
async fn next_state(
    conn: &mut sqlx::AnyConnection,
    row: &RecipientRow,
    kind: QualificationKind,
    effective: NaiveDate,
) -> Result<QualificationState, AppError> {
    let history = stores::people::history(conn, row.id).await?;
    history
        .state()
        .and_then(|state| state.apply(kind, effective))
        .map_err(|e| AppError::validation(vec![e]))
}

fn describe(kind: QualificationKind, effective: NaiveDate, decision: NaiveDate) -> String {
    format!(
        "{}（効力発生日 {effective}、決定日 {decision}）",
        kind.label_ja()
    )
}

pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
    ApiJson(request): ApiJson<QualificationRequest>,
) -> Result<Json<RecipientDetail>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let id = path_id(path, "受給者")?;
    let today = today_jst();
    let mut tx = state.db.pool.begin().await?;
    let row = store::recipient(&mut tx, &office, id).await?;
    let (effective, decision) =
        parse_decision_dates(&request.effective_date, &request.decision_date, today)
            .map_err(AppError::validation)?;
    let calendar = store::office_calendar(&mut tx, &office).await?;
    let due = registration_due(&calendar, decision);
    // Checked now even when only recorded, so a decision that cannot be registered is
    // refused while the caseworker still has the file open.
    next_state(&mut tx, &row, request.kind, effective).await?;
    let now = now_text();
    let status = if request.register {
        "registered"
    } else {
        "pending"
    };
    let event_id = stores::people::insert_decision(
        &mut tx,
        &stores::people::NewDecision {
            recipient_id: id,
            kind: request.kind,
            effective,
            decision,
            status,
            registration_due: Some(due),
            at: &now,
            by: &caller.actor_id,
            source: "decision",
            linked_event_id: None,
        },
    )
    .await?;
    let moved_from = if request.register {
        stores::people::refresh_current_period(&mut tx, id, &now).await?;
        crate::transfer::on_registered(
            &mut tx,
            id,
            &office,
            event_id,
            request.kind,
            effective,
            today,
            &now,
        )
        .await?
    } else {
        None
    };
    tx.commit().await?;
    let what = describe(request.kind, effective, decision);
    let detail_text = if request.register {
        match &moved_from {
            Some(office) => format!("資格を登録: {what}（転居: {office} に廃止の決定を通知）"),
            None => format!("資格を登録: {what}"),
        }
    } else {
        format!("資格の決定を記録（登録期限 {due}）: {what}")
    };
    audit::record(
        &state.db,
        &caller,
        "qualification.record",
        Some(id),
        &detail_text,
    )
    .await?;
    let mut conn = state.db.pool.acquire().await?;
    let row = store::recipient(&mut conn, &office, id).await?;
    Ok(Json(
        recipient_detail(&mut conn, &state.keys, &row, today).await?,
    ))
}

/// A decision of this office, or 404.
async fn event(
    conn: &mut sqlx::AnyConnection,
    office: &str,
    event_id: i64,
) -> Result<EventRow, AppError> {
    stores::people::event(conn, office, event_id)
        .await?
        .ok_or_else(|| AppError::not_found("資格異動"))
}

fn must_be_pending(event: &EventRow) -> Result<(), AppError> {
    match event.status.as_str() {
        "pending" => Ok(()),
        "registered" => Err(AppError::conflict("この決定は既に登録されています。")),
        _ => Err(AppError::conflict("この決定は取り下げられています。")),
    }
}

pub async fn register(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
) -> Result<Json<RecipientDetail>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let event_id = path_id(path, "資格異動")?;
    let today = today_jst();
    let mut tx = state.db.pool.begin().await?;
    let ev = event(&mut tx, &office, event_id).await?;
    must_be_pending(&ev)?;
    let row = store::recipient(&mut tx, &office, ev.recipient_id).await?;
    let kind = ev.kind()?;
    let effective = store::parse_date(&ev.effective_date)
        .ok_or_else(|| AppError::from(anyhow::anyhow!("stored effective_date")))?;
    next_state(&mut tx, &row, kind, effective).await?;
    let now = now_text();
    stores::people::register_event(&mut tx, event_id, &now, &caller.actor_id).await?;
    stores::people::refresh_current_period(&mut tx, row.id, &now).await?;
    crate::transfer::on_registered(
        &mut tx, row.id, &office, event_id, kind, effective, today, &now,
    )
    .await?;
    tx.commit().await?;
    let decision = store::parse_date(&ev.decision_date).unwrap_or(effective);
    audit::record(
        &state.db,
        &caller,
        "qualification.register",
        Some(row.id),
        &format!(
            "記録済みの決定の資格を登録: {}",
            describe(kind, effective, decision)
        ),
    )
    .await?;
    let mut conn = state.db.pool.acquire().await?;
    let row = store::recipient(&mut conn, &office, row.id).await?;
    Ok(Json(
        recipient_detail(&mut conn, &state.keys, &row, today).await?,
    ))
}

pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
    ApiJson(request): ApiJson<ReasonRequest>,
) -> Result<Json<RecipientDetail>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let event_id = path_id(path, "資格異動")?;
    let mut conn = state.db.pool.acquire().await?;
    let ev = event(&mut conn, &office, event_id).await?;
    must_be_pending(&ev)?;
    let reason = required_reason("取り下げの理由", &request.reason)?;
    stores::people::withdraw_event(&mut conn, event_id, &reason).await?;
    let row = store::recipient(&mut conn, &office, ev.recipient_id).await?;
    let detail = recipient_detail(&mut conn, &state.keys, &row, today_jst()).await?;
    drop(conn);
    audit::record(
        &state.db,
        &caller,
        "qualification.withdraw",
        Some(row.id),
        "記録済み（未登録）の資格の決定を取り下げ",
    )
    .await?;
    Ok(Json(detail))
}

#[derive(Debug, Default, Deserialize)]
pub struct DeadlineParams {
    all: Option<String>,
}

pub async fn deadlines(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<DeadlineParams>, QueryRejection>,
) -> Result<Json<Deadlines>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let Query(params) = params.map_err(|e| AppError::field("検索条件", e.body_text()))?;
    let whole_office = caller.role == Role::Supervisor || flag_param(params.all.as_deref());
    let caseworker = (!whole_office).then_some(caller.actor_id.as_str());
    let mut conn = state.db.pool.acquire().await?;
    let list = crate::deadlines::pending(&mut conn, &office, caseworker, Utc::now()).await?;
    drop(conn);
    let ids: Vec<i64> = list
        .overdue
        .iter()
        .chain(&list.due_today)
        .map(|i| i.recipient_id)
        .collect();
    audit::record_many(
        &state.db,
        &caller,
        "qualification.deadlines",
        &ids,
        "資格登録の期限一覧",
    )
    .await?;
    Ok(Json(list))
}
