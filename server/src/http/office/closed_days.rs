//! `/api/office/closed-days`: the office's own 閉庁日 (`crate::closed_days` decides and audits).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;

use domain::api::{ClosedDayImport, ClosedDayInput, ClosedDayList};

use crate::auth::Caller;
use crate::closed_days;
use crate::http::error::{ApiJson, AppError};
use crate::http::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ClosedDayList>, AppError> {
    Ok(Json(closed_days::list(&state.db, &caller).await?))
}

pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<ClosedDayInput>,
) -> Result<Json<ClosedDayList>, AppError> {
    Ok(Json(
        closed_days::add(&state.db, &caller, &input.date, &input.reason).await?,
    ))
}

pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<ClosedDayList>, AppError> {
    let Ok(Path(date)) = path else {
        return Err(AppError::not_found("閉庁日"));
    };
    Ok(Json(closed_days::remove(&state.db, &caller, &date).await?))
}

pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<ClosedDayImport>,
) -> Result<Json<ClosedDayList>, AppError> {
    Ok(Json(
        closed_days::import(&state.db, &caller, &input.text).await?,
    ))
}
