//! The national operator's routes (システム運用者 only; every other caller 403):
//! - `GET /api/operator/compliance?month=` and `GET /api/operator/compliance/{office}?month=`:
//!   the per-office compliance table and one office's cases (`crate::compliance`);
//! - `GET|POST /api/operator/institutions`, `GET|PUT /api/operator/institutions/{code}`: the
//!   institution registry with its audit trail (`crate::registry`).

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;

use domain::api::{
    ComplianceTable, InstitutionDetail, InstitutionFields, InstitutionRegistry,
    NewInstitutionInput, OfficeComplianceDetail,
};

use super::error::{ApiJson, AppError};
use super::state::AppState;
use crate::auth::Caller;
use crate::{compliance, registry};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/operator/compliance", get(compliance_table))
        .route("/api/operator/compliance/{office}", get(compliance_detail))
        .route(
            "/api/operator/institutions",
            get(institutions).post(add_institution),
        )
        .route(
            "/api/operator/institutions/{code}",
            get(institution).put(edit_institution),
        )
}

pub fn operations(g: &mut schemars::generate::SchemaGenerator) -> Vec<super::operation::Operation> {
    use super::operation::Operation;
    const OPERATOR: &str = "システム運用者";
    vec![
        Operation::new(
            "get",
            "/api/operator/compliance",
            "事務所別の遵守状況（資格登録の遅れ・券の発行遅れ・日次連携の未取得）",
            OPERATOR,
        )
        .response::<ComplianceTable>(g),
        Operation::new(
            "get",
            "/api/operator/compliance/{office}",
            "一事務所の遵守状況の内訳（受給者番号のみ）",
            OPERATOR,
        )
        .response::<OfficeComplianceDetail>(g),
        Operation::new(
            "get",
            "/api/operator/institutions",
            "医療機関・薬局の登録簿を検索",
            OPERATOR,
        )
        .response::<InstitutionRegistry>(g),
        Operation::new(
            "post",
            "/api/operator/institutions",
            "医療機関・薬局を登録",
            OPERATOR,
        )
        .request::<NewInstitutionInput>(g)
        .response::<InstitutionDetail>(g),
        Operation::new(
            "get",
            "/api/operator/institutions/{code}",
            "医療機関・薬局の登録内容と変更履歴",
            OPERATOR,
        )
        .response::<InstitutionDetail>(g),
        Operation::new(
            "put",
            "/api/operator/institutions/{code}",
            "医療機関・薬局の登録内容を変更（指定・オンライン資格確認・廃止）",
            OPERATOR,
        )
        .request::<InstitutionFields>(g)
        .response::<InstitutionDetail>(g),
    ]
}

#[derive(Debug, Deserialize)]
struct MonthQuery {
    month: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

fn bad_query(_: QueryRejection) -> AppError {
    AppError::field("クエリ", "URL のパラメータを読み取れません。")
}

async fn compliance_table(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<MonthQuery>, QueryRejection>,
) -> Result<Json<ComplianceTable>, AppError> {
    crate::scope::operator(&caller)?;
    let Query(query) = query.map_err(bad_query)?;
    Ok(Json(
        compliance::table(&state.db, &caller, query.month.as_deref(), Utc::now()).await?,
    ))
}

async fn compliance_detail(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<MonthQuery>, QueryRejection>,
) -> Result<Json<OfficeComplianceDetail>, AppError> {
    crate::scope::operator(&caller)?;
    let Ok(Path(office)) = path else {
        return Err(AppError::not_found("福祉事務所"));
    };
    let Query(query) = query.map_err(bad_query)?;
    Ok(Json(
        compliance::detail(
            &state.db,
            &caller,
            &office,
            query.month.as_deref(),
            Utc::now(),
        )
        .await?,
    ))
}

async fn institutions(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Json<InstitutionRegistry>, AppError> {
    crate::scope::operator(&caller)?;
    let Query(query) = query.map_err(bad_query)?;
    Ok(Json(
        registry::list(&state.db, &caller, query.q.as_deref().unwrap_or("")).await?,
    ))
}

async fn add_institution(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<NewInstitutionInput>,
) -> Result<Json<InstitutionDetail>, AppError> {
    Ok(Json(registry::add(&state.db, &caller, &input).await?))
}

async fn institution(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<InstitutionDetail>, AppError> {
    crate::scope::operator(&caller)?;
    let Ok(Path(code)) = path else {
        return Err(AppError::not_found("医療機関"));
    };
    Ok(Json(registry::detail(&state.db, &caller, &code).await?))
}

async fn edit_institution(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
    ApiJson(fields): ApiJson<InstitutionFields>,
) -> Result<Json<InstitutionDetail>, AppError> {
    let Ok(Path(code)) = path else {
        return Err(AppError::not_found("医療機関"));
    };
    Ok(Json(
        registry::edit(&state.db, &caller, &code, &fields).await?,
    ))
}
