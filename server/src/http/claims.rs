//! 請求前資格確認 (product.md §2 「Also」): the office uploads the 資格情報ファイル (the ZIP as the
//! request body), gets the review back (stored), and downloads the 返戻情報ファイル.
//!
//! - `POST /api/office/claims-check?name=12131017_SHIKAKU_202405.ZIP`
//! - `GET /api/office/claims-check/{id}`
//! - `GET /api/office/claims-check/{id}/return-file`
//!
//! Office scope: a file for another office is refused, a run of another office is a 404.
//! Reading the review is a read of every recipient it names (audit log).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use domain::api::{ClaimsCheckQuery, ClaimsReview};

use super::error::AppError;
use super::state::AppState;
use super::upload;
use crate::auth::Caller;
use crate::db::{today_jst, Db};
use crate::{audit, scope};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/office/claims-check",
            post(upload).layer(DefaultBodyLimit::max(domain::claims::MAX_ZIP_BYTES)),
        )
        .route("/api/office/claims-check/{id}", get(review))
        .route(
            "/api/office/claims-check/{id}/return-file",
            get(return_file),
        )
}

pub fn operations(g: &mut schemars::generate::SchemaGenerator) -> Vec<super::operation::Operation> {
    use super::operation::Operation;
    const WHO: &str = "地区担当員・査察指導員（自福祉事務所）";
    vec![
        Operation::new(
            "post",
            "/api/office/claims-check",
            "請求前資格確認: 本文に資格情報ファイル（XXXXXXXX_SHIKAKU_YYYYMM.ZIP、?name= にファイル名）。レセプトごとの確認結果を返し、保存する",
            WHO,
        )
        .response::<ClaimsReview>(g),
        Operation::new(
            "get",
            "/api/office/claims-check/{id}",
            "請求前資格確認の結果（保存したもの）",
            WHO,
        )
        .response::<ClaimsReview>(g),
        Operation::new(
            "get",
            "/api/office/claims-check/{id}/return-file",
            "返戻情報ファイル（XXXXXXXX_HENREI_YYYYMM.ZIP、中身は CP932 の CSV）",
            WHO,
        )
        .produces("application/zip"),
    ]
}

async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    query: Result<Query<ClaimsCheckQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ClaimsReview>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let [zip, x_zip] = upload::ZIP;
    upload::require_content_type(
        &headers,
        &[zip, x_zip, upload::OCTET_STREAM],
        "資格情報ファイル（.ZIP）",
    )?;
    let Query(query) = query.map_err(|e| AppError::field("クエリ", e.body_text()))?;
    let body = body.map_err(|_| {
        AppError::field(
            "ファイル",
            format!(
                "ファイルを受け取れません（{} バイトまで）。",
                domain::claims::MAX_ZIP_BYTES
            ),
        )
    })?;
    if body.is_empty() {
        return Err(AppError::field(
            "ファイル",
            "資格情報ファイル（.ZIP）を送信してください。",
        ));
    }
    let db = &state.db;
    let checked = crate::claims::check(db, Some(&office), query.name.as_deref(), &body)
        .await?
        .map_err(AppError::validation)?;
    let mut review = checked.review;
    crate::store::claims::insert(&db.pool, &mut review, &caller.actor_id).await?;
    audit::record_many(
        db,
        &caller,
        "claims.check",
        &checked.recipient_ids,
        &format!("請求前資格確認 {}", review.file_name),
    )
    .await?;
    Ok(Json(review))
}

async fn review(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
) -> Result<Json<ClaimsReview>, AppError> {
    let review = stored(&state.db, &caller, path, "請求前資格確認の結果").await?;
    Ok(Json(review))
}

async fn return_file(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
) -> Result<Response, AppError> {
    let review = stored(&state.db, &caller, path, "返戻情報ファイル").await?;
    let (name, bytes) = domain::claims::return_file(&review, today_jst());
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .map_err(|e| anyhow::anyhow!(e))?;
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The caller's office's run `id`, audited as a read of the recipients it names.
async fn stored(
    db: &Db,
    caller: &Caller,
    path: Result<Path<i64>, PathRejection>,
    what: &str,
) -> Result<ClaimsReview, AppError> {
    let office = scope::office(caller)?.to_string();
    let not_found = || AppError::not_found("請求前資格確認の結果");
    let Path(id) = path.map_err(|_| not_found())?;
    let review = crate::store::claims::review_of_office(&db.pool, &office, id)
        .await?
        .ok_or_else(not_found)?;
    let numbers: std::collections::HashSet<&str> = review
        .lines
        .iter()
        .map(|l| l.recipient_number.as_str())
        .collect();
    let ids: Vec<(i64, String)> = crate::store::people::ids_and_numbers(db, &office).await?;
    let ids: Vec<i64> = ids
        .into_iter()
        .filter(|(_, n)| numbers.contains(&n.as_str()))
        .map(|(id, _)| id)
        .collect();
    audit::record_many(
        db,
        caller,
        "claims.read",
        &ids,
        &format!("{what} {}", review.file_name),
    )
    .await?;
    Ok(review)
}
