//! onshi XML for レセコン (`docs/onshi-xml.md`): the three exchanges of a 資格確認端末,
//! each a `POST` of the request file's bytes, answered with the result file's bytes.
//!
//! - `POST /onshi/OQSsiquc01req`: 資格確認 by 公費負担者番号 + 受給者番号 + 生年月日. The
//!   verdict is the browser's (`verify::by_number` → `domain::verdict::decide`), recorded
//!   as a 資格確認実績 (照会区分 2) once per request: the idempotency key is a hash of the
//!   institution, the JST date and the request bytes, so a resent file is one verification.
//! - `POST /onshi/OQSmutic01req`: 医療扶助 一括照会 of a 診療年月 → an acceptance with a
//!   `ReceptionNumber`; the result is prepared by a background task into `bulk_requests`
//!   (`store::bulk_requests`).
//! - `POST /onshi/OQSmutic02req`: that result (`SegmentOfResult` 2 while being prepared).
//!
//! Only an institution's bearer token (`onshi institution-token`) is accepted, and its
//! institution must be the request's `MedicalInstitutionCode`. Anything wrong is answered
//! with an XML error result (never a 500 for bad input): 400 malformed, 401 no token,
//! 403 another institution, 404 unknown reception number, 413 too large, 415 not XML.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use axum::Router;
use chrono::{Duration, NaiveDate, Utc};
use rand::Rng as _;
use sha2::{Digest, Sha256};

use domain::api::NumberVerifyRequest;
use domain::numbers::InstitutionCode;
use domain::onshi_xml::{
    self, read::decode, ErrorKind, Exchange, ProcessingError, Rejected, RequestHeader,
    ResultContext, XmlEncoding, MAX_REQUEST_BYTES,
};

use super::state::AppState;
use crate::auth::{self, Caller};
use crate::db::{instant_text, now_text, today_jst, Db};
use crate::store::bulk_requests::{self, BulkResult, BulkState};

/// A 一括照会 still `processing` after this long is prepared again by the next
/// `OQSmutic02req` (its task died with a restarted server).
const STALE_SECONDS: i64 = 60;
/// 一括照会 rows (and their results) are kept this long.
const KEEP_DAYS: i64 = 7;

pub fn router() -> Router<AppState> {
    // Everything under `/onshi/` is answered with an XML result, never the app's HTML page:
    // an unknown request kind (`OQSfoo01req`, `oqssiquc01req`) is `FJ0501` (404), another
    // method than POST on a known kind `FJ0105` (405).
    Router::new()
        .route(
            Exchange::Qualification.path(),
            post(qualification).fallback(wrong_method_for(Exchange::Qualification)),
        )
        .route(
            Exchange::BulkRequest.path(),
            post(bulk_request).fallback(wrong_method_for(Exchange::BulkRequest)),
        )
        .route(
            Exchange::BulkResult.path(),
            post(bulk_result).fallback(wrong_method_for(Exchange::BulkResult)),
        )
        .route("/onshi", any(unsupported_exchange))
        .route("/onshi/", any(unsupported_exchange))
        .route("/onshi/{*kind}", any(unsupported_exchange))
}

/// A path under `/onshi/` that names none of the exchanges.
async fn unsupported_exchange() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        Exchange::Qualification,
        &anonymous(XmlEncoding::Utf8),
        ProcessingError::new(
            ErrorKind::UnsupportedExchange,
            format!(
                "この種類の要求には対応していません。対応しているのは {} です（大文字・小文字も区別します）。",
                Exchange::ALL.map(|e| format!("POST {}", e.path())).join("、")
            ),
        ),
    )
}

/// The handler for another method than POST on `exchange`.
fn wrong_method_for(exchange: Exchange) -> impl Fn() -> std::future::Ready<Response> + Clone {
    move || std::future::ready(wrong_method(exchange))
}

fn wrong_method(exchange: Exchange) -> Response {
    let mut response = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        exchange,
        &anonymous(XmlEncoding::Utf8),
        ProcessingError::new(
            ErrorKind::WrongDocument,
            format!(
                "{}は POST で要求XMLを送信してください。",
                exchange.request_kind()
            ),
        ),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}

/// The context of an answer given before the request's header could be read.
fn anonymous(encoding: XmlEncoding) -> ResultContext {
    ResultContext {
        executed_at: Utc::now(),
        institution_code: None,
        arbitrary_file_identifier: None,
        encoding,
    }
}

pub fn operations(_: &mut schemars::generate::SchemaGenerator) -> Vec<super::operation::Operation> {
    use super::operation::Operation;
    const WHO: &str = "医療機関・薬局のレセコン・資格確認端末（Bearer トークンのみ。トークンの医療機関 = MedicalInstitutionCode）";
    vec![
        Operation::new(
            "post",
            "/onshi/OQSsiquc01req",
            "onshi XML 資格確認（公費負担者番号・受給者番号・生年月日）: 本文は要求XML（Shift_JIS または UTF-8）、応答は同じ文字コードの結果XML",
            WHO,
        )
        .produces("application/xml"),
        Operation::new(
            "post",
            "/onshi/OQSmutic01req",
            "onshi XML 医療扶助 一括照会の要求（MedicalTreatmentMonth）: 応答は受付番号（ReceptionNumber）",
            WHO,
        )
        .produces("application/xml"),
        Operation::new(
            "post",
            "/onshi/OQSmutic02req",
            "onshi XML 一括照会の結果取得（ReceptionNumber）: 作成中は SegmentOfResult 2",
            WHO,
        )
        .produces("application/xml"),
    ]
}

// ---------------------------------------------------------------- handlers

async fn qualification(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let exchange = Exchange::Qualification;
    let (caller, bytes) = match receive(&state, &headers, body, exchange).await {
        Ok(received) => received,
        Err(response) => return response,
    };
    let parsed = match onshi_xml::read_qualification_request(&bytes) {
        Ok(parsed) => parsed,
        Err(rejected) => return rejected_response(exchange, rejected),
    };
    let request = &parsed.request;
    let context = context(&request.header, parsed.encoding);
    let institution = match same_institution(&caller, &request.header) {
        Ok(code) => code,
        Err(error) => return error_response(StatusCode::FORBIDDEN, exchange, &context, error),
    };
    let verify = NumberVerifyRequest {
        client_id: format!(
            "onshi:{}",
            request_key(institution.as_str(), today_jst(), &bytes)
        ),
        office_number: request.office_number.as_str().to_string(),
        recipient_number: request.recipient_number.as_str().to_string(),
        birth_date: request.birth_date.format("%Y-%m-%d").to_string(),
        verified_at: None,
        offline: false,
    };
    match super::verify::by_number(&state, &caller, &institution, &verify, false).await {
        Ok(result) => xml(
            StatusCode::OK,
            parsed.encoding,
            onshi_xml::qualification_result(&context, request, &result),
        ),
        Err(e) if e.status.is_client_error() => {
            let message = match e.body.fields.as_slice() {
                [] => e.body.message.clone(),
                fields => fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            let error = ProcessingError::new(ErrorKind::InvalidItem, message);
            error_response(StatusCode::BAD_REQUEST, exchange, &context, error)
        }
        Err(e) => internal(exchange, &context, &format!("{e:?}")),
    }
}

async fn bulk_request(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let exchange = Exchange::BulkRequest;
    let (caller, bytes) = match receive(&state, &headers, body, exchange).await {
        Ok(received) => received,
        Err(response) => return response,
    };
    let parsed = match onshi_xml::read_bulk_request(&bytes) {
        Ok(parsed) => parsed,
        Err(rejected) => return rejected_response(exchange, rejected),
    };
    let request = &parsed.request;
    let context = context(&request.header, parsed.encoding);
    let institution = match same_institution(&caller, &request.header) {
        Ok(code) => code,
        Err(error) => return error_response(StatusCode::FORBIDDEN, exchange, &context, error),
    };
    let key = request_key(institution.as_str(), today_jst(), &bytes);
    match accept_bulk(&state.db, &institution, &request.month, &key).await {
        Ok((reception_number, new)) => {
            if new {
                let db = state.db.clone();
                let number = reception_number.clone();
                tokio::spawn(async move {
                    if let Err(e) = prepare_bulk(&db, &number).await {
                        tracing::error!(error = %e, reception = %number, "一括照会の作成に失敗しました");
                    }
                });
            }
            xml(
                StatusCode::OK,
                parsed.encoding,
                onshi_xml::bulk_acceptance(&context, &reception_number),
            )
        }
        Err(e) => internal(exchange, &context, &format!("{e:#}")),
    }
}

async fn bulk_result(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let exchange = Exchange::BulkResult;
    let (caller, bytes) = match receive(&state, &headers, body, exchange).await {
        Ok(received) => received,
        Err(response) => return response,
    };
    let parsed = match onshi_xml::read_bulk_result_request(&bytes) {
        Ok(parsed) => parsed,
        Err(rejected) => return rejected_response(exchange, rejected),
    };
    let request = &parsed.request;
    let context = context(&request.header, parsed.encoding);
    let institution = match same_institution(&caller, &request.header) {
        Ok(code) => code,
        Err(error) => return error_response(StatusCode::FORBIDDEN, exchange, &context, error),
    };
    let number = &request.reception_number;
    let outcome = bulk_outcome(&state.db, &institution, number).await;
    match outcome {
        Ok(BulkOutcome::Unknown) => error_response(
            StatusCode::NOT_FOUND,
            exchange,
            &context,
            ProcessingError::new(
                ErrorKind::UnknownReception,
                format!("受付番号「{number}」の一括照会はありません（受付から{KEEP_DAYS}日を過ぎたものは削除されます）。一括照会を要求し直してください。"),
            ),
        ),
        Ok(BulkOutcome::Processing) => xml(
            StatusCode::OK,
            parsed.encoding,
            onshi_xml::bulk_in_progress(&context, number),
        ),
        Ok(BulkOutcome::Failed) => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            exchange,
            &context,
            ProcessingError::new(
                ErrorKind::Internal,
                "一括照会の結果を作成できませんでした。一括照会を要求し直してください。",
            ),
        ),
        Ok(BulkOutcome::Ready(stored)) => {
            let audited = super::verify::audit_roster(
                &state.db,
                &caller,
                &stored.roster,
                &stored.recipient_ids,
                "一括照会XML",
            )
            .await;
            if let Err(e) = audited {
                return internal(exchange, &context, &format!("{e:?}"));
            }
            xml(
                StatusCode::OK,
                parsed.encoding,
                onshi_xml::bulk_result(&context, number, &stored.roster),
            )
        }
        Err(e) => internal(exchange, &context, &format!("{e:#}")),
    }
}

// ---------------------------------------------------------------- 一括照会 storage

/// Store an accepted 一括照会 and return its reception number, or the number already given
/// to the same request (`false`: nothing new to prepare).
async fn accept_bulk(
    db: &Db,
    institution: &InstitutionCode,
    month: &str,
    key: &str,
) -> anyhow::Result<(String, bool)> {
    let cutoff = instant_text(Utc::now() - Duration::days(KEEP_DAYS));
    bulk_requests::delete_created_before(&db.pool, &cutoff).await?;
    if let Some(number) = bulk_requests::reception_number_by_key(&db.pool, key).await? {
        return Ok((number, false));
    }
    for _ in 0..5 {
        let number = new_reception_number(today_jst());
        let new = bulk_requests::NewBulkRequest {
            reception_number: &number,
            request_key: key,
            institution_code: institution.as_str(),
            month,
            created_at: &now_text(),
        };
        if bulk_requests::insert(&db.pool, &new).await? {
            return Ok((number, true));
        }
        // The same request won a race, or (rarely) the number was taken: look again.
        if let Some(number) = bulk_requests::reception_number_by_key(&db.pool, key).await? {
            return Ok((number, false));
        }
    }
    anyhow::bail!("no free reception number")
}

/// 16 digits: the JST date and 8 random digits.
fn new_reception_number(today: NaiveDate) -> String {
    let n: u32 = rand::thread_rng().gen_range(0..100_000_000);
    format!("{}{n:08}", today.format("%Y%m%d"))
}

/// Build the 一括照会 of a stored request and mark it ready (or failed).
pub async fn prepare_bulk(db: &Db, reception_number: &str) -> anyhow::Result<()> {
    let Some(pending) = bulk_requests::processing(&db.pool, reception_number).await? else {
        return Ok(());
    };
    let (code, month) = (pending.institution_code, pending.month);
    let roster = match InstitutionCode::parse(&code) {
        Ok(institution) => super::verify::load_roster(db, &institution, &month)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}")),
        Err(e) => Err(anyhow::anyhow!("stored 医療機関コード {code}: {e}")),
    };
    match roster {
        Ok((roster, recipient_ids)) => {
            let result = BulkResult {
                roster,
                recipient_ids,
            };
            bulk_requests::mark_ready(&db.pool, reception_number, &result, &now_text()).await?;
            Ok(())
        }
        Err(e) => {
            bulk_requests::mark_failed(&db.pool, reception_number, &now_text()).await?;
            Err(e)
        }
    }
}

enum BulkOutcome {
    Unknown,
    Processing,
    Failed,
    Ready(BulkResult),
}

async fn bulk_outcome(
    db: &Db,
    institution: &InstitutionCode,
    number: &str,
) -> anyhow::Result<BulkOutcome> {
    let mut row = bulk_requests::by_reception_number(&db.pool, number).await?;
    if let Some(stored) = &row {
        let stale = instant_text(Utc::now() - Duration::seconds(STALE_SECONDS));
        if stored.is_processing() && stored.created_at < stale {
            // The task that should have prepared it is gone (a restart): do it now.
            prepare_bulk(db, number).await.ok();
            row = bulk_requests::by_reception_number(&db.pool, number).await?;
        }
    }
    Ok(match row {
        // Another institution's number is answered like one that does not exist.
        None => BulkOutcome::Unknown,
        Some(stored) if stored.institution_code != institution.as_str() => BulkOutcome::Unknown,
        Some(stored) => match stored.state()? {
            BulkState::Ready(result) => BulkOutcome::Ready(result),
            BulkState::Processing => BulkOutcome::Processing,
            BulkState::Failed => BulkOutcome::Failed,
        },
    })
}

// ---------------------------------------------------------------- common

/// The body (at most [`MAX_REQUEST_BYTES`]) and the institution caller of its bearer token.
async fn receive(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    exchange: Exchange,
) -> Result<(Caller, Bytes), Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    // No Content-Type is refused too (docs/onshi-xml.md §1): a form or a script's plain text
    // sent by a browser is never taken for a request file.
    if !matches!(
        content_type.as_deref(),
        Some("application/xml" | "text/xml" | "application/octet-stream")
    ) {
        return Err(error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            exchange,
            &anonymous(XmlEncoding::Utf8),
            ProcessingError::new(
                ErrorKind::WrongDocument,
                "Content-Type: application/xml で要求XMLを送信してください。",
            ),
        ));
    }
    let too_large = |encoding| {
        error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            exchange,
            &anonymous(encoding),
            ProcessingError::new(
                ErrorKind::TooLarge,
                format!("要求が大きすぎます。{MAX_REQUEST_BYTES}バイト以内にしてください。"),
            ),
        )
    };
    let bytes = axum::body::to_bytes(body, MAX_REQUEST_BYTES + 1)
        .await
        .map_err(|_| too_large(XmlEncoding::Utf8))?;
    let encoding = match decode(&bytes) {
        Ok((_, encoding)) | Err((_, encoding)) => encoding,
    };
    if bytes.len() > MAX_REQUEST_BYTES {
        return Err(too_large(encoding));
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let caller = match token {
        Some(token) => auth::caller_from_institution_token(&state.db, token).await,
        None => Ok(None),
    };
    match caller {
        Ok(Some(caller)) => Ok((caller, bytes)),
        Ok(None) => Err(error_response(
            StatusCode::UNAUTHORIZED,
            exchange,
            &anonymous(encoding),
            ProcessingError::new(
                ErrorKind::Unauthenticated,
                "医療機関のトークンがないか、正しくありません。Authorization: Bearer に onshi institution-token で発行したトークンを指定してください。",
            ),
        )),
        Err(e) => Err(internal(exchange, &anonymous(encoding), &format!("{e:#}"))),
    }
}

/// The token's institution must be the request's `MedicalInstitutionCode`.
fn same_institution(
    caller: &Caller,
    header: &RequestHeader,
) -> Result<InstitutionCode, ProcessingError> {
    match caller.institution_code.as_deref() {
        Some(code) if code == header.institution.as_str() => Ok(header.institution.clone()),
        Some(code) => Err(ProcessingError::new(
            ErrorKind::InstitutionMismatch,
            format!(
                "MedicalInstitutionCode（{}）がトークンの医療機関（{code}）と一致しません。自機関の医療機関コードで照会してください。",
                header.institution.as_str()
            ),
        )),
        None => Err(ProcessingError::new(
            ErrorKind::Unauthenticated,
            "医療機関のトークンではありません。",
        )),
    }
}

/// Hex SHA-256 (first 20 bytes) of the institution, the JST date and the request bytes.
fn request_key(institution: &str, date: NaiveDate, bytes: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(institution.as_bytes());
    hash.update(b"\n");
    hash.update(date.to_string().as_bytes());
    hash.update(b"\n");
    hash.update(bytes);
    hash.finalize()
        .iter()
        .take(20)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn context(header: &RequestHeader, encoding: XmlEncoding) -> ResultContext {
    ResultContext {
        executed_at: Utc::now(),
        institution_code: Some(header.institution.as_str().to_string()),
        arbitrary_file_identifier: header.arbitrary_file_identifier.clone(),
        encoding,
    }
}

fn rejected_response(exchange: Exchange, rejected: Rejected) -> Response {
    let status = match rejected.error.kind {
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    let context = ResultContext {
        executed_at: Utc::now(),
        institution_code: rejected.institution_code,
        arbitrary_file_identifier: rejected.arbitrary_file_identifier,
        encoding: rejected.encoding,
    };
    error_response(status, exchange, &context, rejected.error)
}

fn error_response(
    status: StatusCode,
    exchange: Exchange,
    context: &ResultContext,
    error: ProcessingError,
) -> Response {
    xml(
        status,
        context.encoding,
        onshi_xml::error_result(context, exchange, &error),
    )
}

/// A fault on our side: logged (no personal data: the cause is a database or code error),
/// answered with an error result.
fn internal(exchange: Exchange, context: &ResultContext, cause: &str) -> Response {
    tracing::error!(
        cause,
        exchange = exchange.request_kind(),
        "onshi XML internal error"
    );
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        exchange,
        context,
        ProcessingError::new(
            ErrorKind::Internal,
            "サーバーで問題が発生しました。時間をおいて再度お試しください。",
        ),
    )
}

fn xml(status: StatusCode, encoding: XmlEncoding, bytes: Vec<u8>) -> Response {
    let mut response = (status, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(encoding.content_type()),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
