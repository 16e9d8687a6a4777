//! The office's alerts (issue 13 item 1), for caseworkers and supervisors of the office:
//! - `GET /api/office/alerts`: open alerts and the latest handled ones (a read of every
//!   recipient listed, audited);
//! - `POST /api/office/alerts/{id}/handle`: mark one 対応済み with what was done.
//!
//! Another office's alert id answers 404, like a missing one. The rules and the storage are
//! `crate::alerts`.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use domain::api::{AlertHandleRequest, AlertList, OfficeAlert};

use super::error::{ApiJson, AppError};
use super::state::AppState;
use crate::auth::Caller;
use crate::{audit, scope};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/office/alerts", get(list))
        .route("/api/office/alerts/{alert_id}/handle", post(handle))
}

pub fn operations(g: &mut schemars::generate::SchemaGenerator) -> Vec<super::operation::Operation> {
    use super::operation::Operation;
    const OFFICE: &str = "地区担当員・査察指導員（自事務所）";
    vec![
        Operation::new(
            "get",
            "/api/office/alerts",
            "アラート（未委託受診・頻回受診）: 未対応と対応済みの履歴",
            OFFICE,
        )
        .response::<AlertList>(g),
        Operation::new(
            "post",
            "/api/office/alerts/{alert_id}/handle",
            "アラートを対応済みにする（対応内容・担当者・日時を記録）",
            OFFICE,
        )
        .request::<AlertHandleRequest>(g)
        .response::<OfficeAlert>(g),
    ]
}

async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<AlertList>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let db = &state.db;
    let (list, ids) = crate::alerts::list(db, &office, &caller.actor_id).await?;
    audit::record_many(
        db,
        &caller,
        "alert.list",
        &ids,
        "アラート（未委託受診・頻回受診）",
    )
    .await?;
    Ok(Json(list))
}

async fn handle(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
    ApiJson(req): ApiJson<AlertHandleRequest>,
) -> Result<Json<OfficeAlert>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let id = path
        .map(|Path(id)| id)
        .map_err(|_| AppError::not_found("アラート"))?;
    let saved = crate::alerts::handle(&state.db, &office, &caller, id, &req).await?;
    Ok(Json(saved))
}
