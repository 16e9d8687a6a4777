//! The office's daily feed and screening (product.md §2 IV, §5), for caseworkers and
//! supervisors of the office:
//! - `GET /api/office/feed?date=` and `GET /api/office/feed.csv?date=&encoding=`: a JST day's
//!   verifications of the office's recipients (default: yesterday);
//! - `GET /api/office/screening/data?month=`: the compact input of months M−2..M that the
//!   browser screens in WebAssembly; `GET /api/office/screening/result?month=`: the same
//!   function run here;
//! - `GET/POST /api/office/screening/followups`: what was done about each candidate.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use domain::api::{
    DailyFeed, Followup, FollowupList, FollowupRequest, ScreeningData, ScreeningResult,
};
use domain::error::FieldError;
use domain::feed::TextEncoding;
use domain::screening;

use super::error::{ApiJson, AppError};
use super::state::AppState;
use crate::auth::Caller;
use crate::db::{now_text, today_jst};
use crate::{audit, scope};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/office/feed", get(feed))
        .route("/api/office/feed.csv", get(feed_csv))
        .route("/api/office/screening/data", get(data))
        .route("/api/office/screening/result", get(result))
        .route(
            "/api/office/screening/followups",
            get(list_followups).post(add_followup),
        )
}

pub fn operations(g: &mut schemars::generate::SchemaGenerator) -> Vec<super::operation::Operation> {
    use super::operation::Operation;
    const OFFICE: &str = "地区担当員・査察指導員（自事務所）";
    vec![
        Operation::new(
            "get",
            "/api/office/feed",
            "資格確認実績の日次連携（?date=YYYY-MM-DD、既定は昨日）",
            OFFICE,
        )
        .response::<DailyFeed>(g),
        Operation::new(
            "get",
            "/api/office/feed.csv",
            "日次連携ファイル（verification-log 形式、?date=&encoding=utf-8|cp932）",
            OFFICE,
        )
        .produces("text/csv"),
        Operation::new(
            "get",
            "/api/office/screening/data",
            "スクリーニングの入力（?month=YYYY-MM の前々月〜当月、ブラウザの WebAssembly で判定）",
            OFFICE,
        )
        .response::<ScreeningData>(g),
        Operation::new(
            "get",
            "/api/office/screening/result",
            "頻回受診・未委託受診スクリーニングの結果（サーバーで判定、?month=YYYY-MM）",
            OFFICE,
        )
        .response::<ScreeningResult>(g),
        Operation::new(
            "get",
            "/api/office/screening/followups",
            "候補への対応記録（?month=YYYY-MM、前月分も）",
            OFFICE,
        )
        .response::<FollowupList>(g),
        Operation::new(
            "post",
            "/api/office/screening/followups",
            "候補への対応を記録（主治医確認・嘱託医協議・指導・対象外）",
            OFFICE,
        )
        .request::<FollowupRequest>(g)
        .response::<Followup>(g),
    ]
}

#[derive(Debug, Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct FeedQuery {
    date: Option<String>,
    encoding: Option<String>,
}

fn bad_query(_: QueryRejection) -> AppError {
    AppError::field("クエリ", "URL のパラメータを読み取れません。")
}

/// `?month=YYYY-MM`; default: last month (JST), the latest complete month.
fn month_param(query: Result<Query<MonthQuery>, QueryRejection>) -> Result<(i32, u32), AppError> {
    let Query(query) = query.map_err(bad_query)?;
    match query.month.as_deref().map(str::trim) {
        None | Some("") => Ok(screening::shift_month(screening::month_of(today_jst()), -1)),
        Some(text) => {
            screening::parse_month(text, "対象月").map_err(|e| AppError::validation(vec![e]))
        }
    }
}

/// `?date=YYYY-MM-DD`; default: yesterday (JST).
fn date_param(date: Option<&str>) -> Result<NaiveDate, AppError> {
    match date.map(str::trim) {
        None | Some("") => Ok(today_jst() - Duration::days(1)),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            AppError::validation(vec![FieldError::new(
                "日付",
                "日付は YYYY-MM-DD の形で指定してください（例: 2024-04-01）。",
            )])
        }),
    }
}

async fn feed(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<FeedQuery>, QueryRejection>,
) -> Result<Json<DailyFeed>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let Query(query) = query.map_err(bad_query)?;
    let date = date_param(query.date.as_deref())?;
    let db = &state.db;
    let rows = crate::feed::rows(db, &office, date).await?;
    let mut ids: Vec<i64> = rows.iter().filter_map(|r| r.recipient_id).collect();
    ids.sort_unstable();
    ids.dedup();
    audit::record_many(
        db,
        &caller,
        "feed.read",
        &ids,
        &format!("資格確認実績の日次連携（{date}）"),
    )
    .await?;
    crate::feed::fetched(db, &caller, &office, date).await?;
    Ok(Json(DailyFeed {
        built: crate::store::feeds::build_of(&db.pool, &office, date).await?,
        office_number: office,
        date: date.to_string(),
        rows,
    }))
}

async fn feed_csv(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<FeedQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let office = scope::office(&caller)?.to_string();
    let Query(query) = query.map_err(bad_query)?;
    let date = date_param(query.date.as_deref())?;
    let encoding = match query.encoding.as_deref().map(str::trim) {
        None | Some("") => TextEncoding::Utf8,
        Some(text) => TextEncoding::parse(text).ok_or_else(|| {
            AppError::field(
                "文字コード",
                "文字コードは utf-8 または cp932 を指定してください。",
            )
        })?,
    };
    let db = &state.db;
    let (entries, ids) = crate::feed::day_file(db, &office, date).await?;
    audit::record_many(
        db,
        &caller,
        "feed.download",
        &ids,
        &format!("資格確認実績の日次連携ファイル（{date}）"),
    )
    .await?;
    crate::feed::fetched(db, &caller, &office, date).await?;
    let body = encoding.encode(&domain::feed::verification_log_csv(&entries));
    let file = domain::feed::feed_file_name(&office, date);
    let content_type = format!("text/csv; charset={}", encoding.charset());
    let disposition = format!("attachment; filename=\"{file}\"");
    let mut response = body.into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_DISPOSITION, disposition),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    Ok(response)
}

async fn data(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<MonthQuery>, QueryRejection>,
) -> Result<Json<ScreeningData>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let month = month_param(query)?;
    let db = &state.db;
    let loaded = crate::screening::load(db, &office, month).await?;
    audit::record_many(
        db,
        &caller,
        "screening.data",
        &loaded.all_ids(),
        &format!(
            "頻回受診・未委託受診スクリーニングの資格確認実績（{}）",
            screening::month_label(month)
        ),
    )
    .await?;
    Ok(Json(ScreeningData {
        month: screening::month_label(month),
        generated_at: now_text(),
        input: loaded.input,
    }))
}

async fn result(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<MonthQuery>, QueryRejection>,
) -> Result<Json<ScreeningResult>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let month = month_param(query)?;
    let db = &state.db;
    let loaded = crate::screening::load(db, &office, month).await?;
    let result = screening::screen(&loaded.input, month);
    audit::record_many(
        db,
        &caller,
        "screening.result",
        &loaded.ids_in(&result),
        &format!("頻回受診・未委託受診スクリーニング（{}）", result.month),
    )
    .await?;
    Ok(Json(result))
}

async fn list_followups(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<MonthQuery>, QueryRejection>,
) -> Result<Json<FollowupList>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let month = month_param(query)?;
    let previous_month = screening::shift_month(month, -1);
    let db = &state.db;
    let (followups, mut ids) = crate::screening::followups(db, &office, month).await?;
    let (previous, previous_ids) = crate::screening::followups(db, &office, previous_month).await?;
    ids.extend(previous_ids);
    ids.sort_unstable();
    ids.dedup();
    audit::record_many(db, &caller, "screening.followup.list", &ids, "").await?;
    Ok(Json(FollowupList {
        month: screening::month_label(month),
        previous_month: screening::month_label(previous_month),
        followups,
        previous,
    }))
}

async fn add_followup(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<FollowupRequest>,
) -> Result<Json<Followup>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let db = &state.db;
    let (saved, recipient_id) = crate::screening::add_followup(db, &office, &caller, &req).await?;
    audit::record(
        db,
        &caller,
        "screening.followup.create",
        Some(recipient_id),
        &format!("{} {}", saved.month, saved.action.label_ja()),
    )
    .await?;
    Ok(Json(saved))
}
