//! `GET /api/office/recipients/{id}/visits?months=N`: one recipient's 受診状況 (the service
//! is `crate::visits`).

use std::collections::HashMap;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;

use domain::api::RecipientVisits;
use domain::visits::{parse_visit_months, FIELD_VISIT_MONTHS};

use super::recipients::path_id;
use crate::auth::Caller;
use crate::db::today_jst;
use crate::http::error::AppError;
use crate::http::state::AppState;
use crate::scope;

pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<RecipientVisits>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let id = path_id(path, "受給者")?;
    let Query(params) = params.map_err(|e| AppError::field(FIELD_VISIT_MONTHS, e.body_text()))?;
    let months = parse_visit_months(params.get("months").map(String::as_str))
        .map_err(|e| AppError::validation(vec![e]))?;
    let visits =
        crate::visits::recipient_visits(&state.db, &caller, &office, id, months, today_jst())
            .await?;
    Ok(Json(visits))
}
