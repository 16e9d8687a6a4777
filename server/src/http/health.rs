//! 健診情報・薬剤情報 (issue 7):
//! - `POST /api/office/checkups/import`: a 特定健診 CDA archive (zip) or the 健診 CSV, as the
//!   raw request body; `?skip_unmatched=1` leaves out (and lists) records whose recipient is
//!   not found. Every record must belong to the caller's office.
//! - `POST /api/office/receipts/import`: a レセ電 file (CP932), likewise.
//! - `GET /api/office/checkups/export?fiscal_year=2023`: the office's 健診 of a fiscal year
//!   as a CDA archive.
//! - `GET /api/office/checkups/deadline`: last fiscal year's results and the 11月1日 due date.
//! - `GET /api/office/screening/psychotropic?month=YYYY-MM`: the 向精神薬 screen.
//! - `GET /api/verify/{verification_id}/health`: what the recipient agreed, on the card
//!   reader at this visit, to show this institution (never by number entry, never when
//!   未委託, only on the day of the verification).
//!
//! An import answers 200 with a [`HealthImportReport`] whether or not it was accepted: the
//! report is the result (`accepted`, `errors` record by record). Errors of the request itself
//! (no session, wrong role, a body too large) are `ApiError`s as everywhere.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use domain::api::{
    CheckupDeadline, CheckupExportQuery, ClinicHealthView, ErrorCode, HealthImportQuery,
    HealthImportReport, PsychotropicQuery, PsychotropicScreen,
};

use super::error::AppError;
use super::state::AppState;
use super::upload;
use crate::auth::Caller;
use crate::db::today_jst;
use crate::health::{self, Importer, Shown};
use crate::store::{people, verifications};
use crate::{audit, scope};

/// Largest upload: a year of 健診 of a large office, or a month of レセ電.
pub const MAX_UPLOAD_BYTES: usize = 64 << 20;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/office/checkups/import",
            post(import_checkups).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route(
            "/api/office/receipts/import",
            post(import_receipts).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/api/office/checkups/export", get(export))
        .route("/api/office/checkups/deadline", get(deadline))
        .route("/api/office/screening/psychotropic", get(psychotropic))
        .route("/api/verify/{verification_id}/health", get(clinic_view))
}

pub fn operations(g: &mut schemars::generate::SchemaGenerator) -> Vec<super::operation::Operation> {
    use super::operation::Operation;
    vec![
        Operation::new(
            "post",
            "/api/office/checkups/import",
            "健診結果の取り込み（本文は特定健診 CDA アーカイブ（zip）または健診 CSV そのもの。?skip_unmatched=1 で受給者の見つからない記録を除いて取り込む）",
            "地区担当員・査察指導員（自事務所の受給者のみ）",
        )
        .response::<HealthImportReport>(g),
        Operation::new(
            "post",
            "/api/office/receipts/import",
            "薬剤情報の取り込み（本文はレセ電 CSV そのもの、Shift_JIS。?skip_unmatched=1 可）",
            "地区担当員・査察指導員（自事務所の受給者のみ）",
        )
        .response::<HealthImportReport>(g),
        Operation::new(
            "get",
            "/api/office/checkups/export",
            "健診結果の書き出し（特定健診 CDA アーカイブ、?fiscal_year=年度、既定は前年度）",
            "地区担当員・査察指導員（自事務所）",
        )
        .produces("application/zip"),
        Operation::new(
            "get",
            "/api/office/checkups/deadline",
            "前年度の健診結果の登録状況と期限（11月1日）",
            "地区担当員・査察指導員（自事務所）",
        )
        .response::<CheckupDeadline>(g),
        Operation::new(
            "get",
            "/api/office/screening/psychotropic",
            "向精神薬スクリーニング（?month=YYYY-MM、既定は前月）",
            "地区担当員・査察指導員（自事務所）",
        )
        .response::<PsychotropicScreen>(g),
        Operation::new(
            "get",
            "/api/verify/{verification_id}/health",
            "本人同意による薬剤情報・健診情報の閲覧（マイナンバーカードでの資格確認・有効・同意あり、確認当日のみ）",
            "医療機関・薬局 受付（自機関の資格確認）",
        )
        .response::<ClinicHealthView>(g),
    ]
}

fn body_error(rejection: BytesRejection) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::Validation,
            format!(
                "ファイルが大きすぎます（上限 {} MB）。年度や月で分けて取り込んでください。",
                MAX_UPLOAD_BYTES >> 20
            ),
        )
    } else {
        AppError::field("ファイル", "送信されたファイルを読み取れません。")
    }
}

fn query_error(_: QueryRejection) -> AppError {
    AppError::validation(vec![domain::error::FieldError::new(
        "条件",
        "URL の条件（? の後ろ）が正しくありません。",
    )])
}

async fn import_with(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    query: Result<Query<HealthImportQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
    receipts: bool,
) -> Result<Json<HealthImportReport>, AppError> {
    let office = scope::office(caller)?.to_string();
    let [zip, x_zip] = upload::ZIP;
    let [csv] = upload::CSV;
    if receipts {
        upload::require_content_type(headers, &[csv, upload::OCTET_STREAM], "レセ電ファイル")?;
    } else {
        upload::require_content_type(
            headers,
            &[zip, x_zip, csv, upload::OCTET_STREAM],
            "健診結果のファイル（特定健診 CDA の zip または健診 CSV）",
        )?;
    }
    let Query(query) = query.map_err(query_error)?;
    let body = body.map_err(body_error)?;
    if body.is_empty() {
        return Err(AppError::field(
            "ファイル",
            "ファイルが空です。取り込むファイルを選んでください。",
        ));
    }
    let importer = Importer {
        caller,
        office: Some(&office),
        skip_unmatched: query.skip_unmatched(),
        today: today_jst(),
    };
    let report = if receipts {
        health::import_receipts(&state.db, &body, &importer).await?
    } else {
        health::import_checkups(&state.db, &body, &importer).await?
    };
    Ok(Json(report))
}

async fn import_checkups(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    query: Result<Query<HealthImportQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<HealthImportReport>, AppError> {
    import_with(&state, &caller, &headers, query, body, false).await
}

async fn import_receipts(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    query: Result<Query<HealthImportQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<HealthImportReport>, AppError> {
    import_with(&state, &caller, &headers, query, body, true).await
}

/// `?fiscal_year=` → a year, default last fiscal year.
fn fiscal_year_of(raw: Option<&str>) -> Result<i32, AppError> {
    let last = domain::checkup::fiscal_year(today_jst()) - 1;
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(last),
        Some(s) => match s.trim_end_matches("年度").parse::<i32>() {
            Ok(y) if (2008..=2200).contains(&y) => Ok(y),
            _ => Err(AppError::field(
                "年度",
                format!("年度「{s}」は西暦の数字4桁（例: 2023 は2023年4月〜2024年3月）で指定してください。"),
            )),
        },
    }
}

async fn export(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<CheckupExportQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let office = scope::office(&caller)?.to_string();
    let Query(query) = query.map_err(query_error)?;
    let fiscal_year = fiscal_year_of(query.fiscal_year.as_deref())?;
    let (bytes, name, _) =
        health::export_checkups(&state.db, &caller, &office, fiscal_year, today_jst()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

async fn deadline(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<CheckupDeadline>, AppError> {
    let office = scope::office(&caller)?.to_string();
    Ok(Json(
        health::deadline(&state.db, &office, today_jst()).await?,
    ))
}

async fn psychotropic(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<PsychotropicQuery>, QueryRejection>,
) -> Result<Json<PsychotropicScreen>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let Query(query) = query.map_err(query_error)?;
    let month = match query
        .month
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => {
            let today = today_jst();
            let index = chrono::Datelike::year(&today) * 12
                + i32::try_from(chrono::Datelike::month0(&today)).unwrap_or(0)
                - 1;
            (
                index.div_euclid(12),
                u32::try_from(index.rem_euclid(12)).unwrap_or(0) + 1,
            )
        }
        Some(raw) => domain::wareki::parse_month_input(raw)
            .map_err(|e| AppError::field("診療年月", e.month_message()))?,
    };
    Ok(Json(
        health::psychotropic_screen(&state.db, &caller, &office, month).await?,
    ))
}

async fn clinic_view(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<ClinicHealthView>, AppError> {
    let institution = scope::institution(&caller)?.to_string();
    let not_found = || AppError::not_found("資格確認");
    // A path that is not even UTF-8 names nothing either: the same 404, in Japanese.
    let Ok(Path(verification_id)) = path else {
        return Err(not_found());
    };
    let id: i64 = verification_id.trim().parse().map_err(|_| not_found())?;
    let db = &state.db;
    let stored = verifications::by_id(&db.pool, id).await?;
    // Another institution's verification answers as one that does not exist.
    let Some(stored) = stored.filter(|v| v.institution_code == institution) else {
        return Err(not_found());
    };
    let code = stored.institution_code;
    let office = stored.office_number;
    let recipient_number = stored.recipient_number;
    let reference_class = verifications::code_number(stored.reference_class.code());
    let validity = verifications::code_number(stored.validity.code());
    let verified_date = stored.verified_date.to_string();
    let refuse =
        |message: String| AppError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, message);
    if reference_class != 1 {
        return Err(refuse("薬剤情報・健診情報は、マイナンバーカードで資格確認をして本人が同意した場合だけ表示できます。番号入力による確認では表示できません。".to_string()));
    }
    match validity {
        1 => {}
        6 => {
            return Err(refuse(
                "未委託・未登録の医療機関には、薬剤情報・健診情報は表示されません。".to_string(),
            ))
        }
        _ => {
            return Err(refuse(
                "資格が有効と確認できなかったため、薬剤情報・健診情報は表示できません。"
                    .to_string(),
            ))
        }
    }
    let consent = verifications::consent(&db.pool, id).await?;
    let shown = match consent {
        Some(c) if c.drug_info || c.checkup_info => Shown {
            drugs: c.drug_info,
            checkups: c.checkup_info,
        },
        _ => {
            return Err(refuse(
                "本人が薬剤情報・健診情報の閲覧に同意していません。".to_string(),
            ))
        }
    };
    let today = today_jst().to_string();
    if verified_date != today {
        return Err(refuse(format!(
            "同意は資格確認をした日（{verified_date}）だけ有効です。今日の受診では、もう一度マイナンバーカードで資格確認をしてください。"
        )));
    }
    let person = people::names_by_numbers(&db.pool, &office, &recipient_number).await?;
    let Some((recipient_id, name, name_kana)) = person else {
        return Err(not_found());
    };
    let (medications, checkups) = health::records_for(db, recipient_id, shown).await?;
    let what = match (shown.drugs, shown.checkups) {
        (true, true) => "薬剤情報・健診情報",
        (true, false) => "薬剤情報",
        _ => "健診情報",
    };
    audit::record(
        db,
        &caller,
        "health.view",
        Some(recipient_id),
        &format!("{what}（本人同意、資格確認 {id}、{code}）"),
    )
    .await?;
    let note = if medications.is_empty() && checkups.is_empty() {
        format!("本人の同意により{what}を表示します。登録されている記録はありません。")
    } else {
        format!("本人の同意により{what}を表示します（受診当日のみ）。")
    };
    Ok(Json(ClinicHealthView {
        verification_id: id,
        verified_date,
        name,
        name_kana,
        drug_info: shown.drugs,
        checkup_info: shown.checkups,
        medications,
        checkups,
        note,
    }))
}
