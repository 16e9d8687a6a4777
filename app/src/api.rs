//! The JSON API client: one function per endpoint, request and answer types from
//! `domain::api` (the contract shared with the server), every failure a [`Failure`]
//! that can say in Japanese what went wrong.
//!
//! The API origin is read from `<meta name="onshi-api-origin" content="">` in
//! `index.html`: empty means the server that served the app. When another web server
//! serves `dist/`, set it to the API server's origin (e.g. `https://onshi.example.lg.jp`).

use domain::api::{
    ApiError, CardChallenge, CardLoginRequest, ErrorCode, InstitutionHome, LoginRequest,
    OfficeHome, OperatorHome, RecipientHome, SessionInfo,
};
use domain::error::FieldError;
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use web_sys::RequestCredentials;

/// Why a call did not give the expected answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The server answered with its JSON error.
    Api { status: u16, error: ApiError },
    /// No answer at all: the network is down or the server is not running.
    Unreachable,
    /// An answer that is not what the API sends (a proxy's error page, a version mismatch).
    Unreadable { status: u16 },
}

impl Failure {
    /// The sentence shown to the person at the screen.
    pub fn message(&self) -> String {
        match self {
            Failure::Api { error, .. } => error.message.clone(),
            Failure::Unreachable => {
                "サーバーに接続できません。ネットワークの接続を確認して、もう一度お試しください。".to_string()
            }
            Failure::Unreadable { status } => format!(
                "サーバーから予期しない応答がありました（HTTP {status}）。しばらくしてから、もう一度お試しください。"
            ),
        }
    }

    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Failure::Api { error, .. } => Some(error.code),
            _ => None,
        }
    }

    /// The session is missing or expired: the app must show the sign-in screen.
    pub fn is_unauthenticated(&self) -> bool {
        self.code() == Some(ErrorCode::Unauthenticated)
    }

    /// The records that may be the same person, reported with a `conflict` on registering.
    pub fn duplicates(&self) -> &[domain::api::PossibleDuplicate] {
        match self {
            Failure::Api { error, .. } => &error.duplicates,
            _ => &[],
        }
    }

    /// Field-level problems reported with a `validation` error.
    pub fn fields(&self) -> &[FieldError] {
        match self {
            Failure::Api { error, .. } => &error.fields,
            _ => &[],
        }
    }
}

// ---------------------------------------------------------------- endpoints

/// `POST /api/login`
pub async fn login(request: &LoginRequest) -> Result<SessionInfo, Failure> {
    send_json(Request::post(&url("/api/login")), request).await
}

/// `POST /api/logout`
pub async fn logout() -> Result<(), Failure> {
    let response = send(Request::post(&url("/api/logout"))).await?;
    expect_empty(response).await
}

/// `GET /api/session`
pub async fn session() -> Result<SessionInfo, Failure> {
    get("/api/session").await
}

/// `GET /api/card/challenge`
pub async fn card_challenge() -> Result<CardChallenge, Failure> {
    get("/api/card/challenge").await
}

/// `POST /api/card/login`
pub async fn card_login(request: &CardLoginRequest) -> Result<SessionInfo, Failure> {
    send_json(Request::post(&url("/api/card/login")), request).await
}

/// `GET /api/office/home`
pub async fn office_home() -> Result<OfficeHome, Failure> {
    get("/api/office/home").await
}

/// `GET /api/institution/home`
pub async fn institution_home() -> Result<InstitutionHome, Failure> {
    get("/api/institution/home").await
}

/// `GET /api/me/home`
pub async fn recipient_home() -> Result<RecipientHome, Failure> {
    get("/api/me/home").await
}

/// `GET /api/me/profile`
pub async fn portal_profile() -> Result<domain::api::PortalProfile, Failure> {
    get("/api/me/profile").await
}

/// `GET /api/me/tickets?months=N`
pub async fn portal_tickets(months: u32) -> Result<domain::api::PortalTickets, Failure> {
    get(&format!("/api/me/tickets?months={months}")).await
}

/// `GET /api/me/health`
pub async fn portal_health() -> Result<domain::api::PortalHealth, Failure> {
    get("/api/me/health").await
}

/// `GET /api/me/access-log?page=N&own=0|1`
pub async fn portal_access_log(
    page: u32,
    include_own: bool,
) -> Result<domain::api::PortalAccessLog, Failure> {
    let own = u8::from(include_own);
    get(&format!("/api/me/access-log?page={page}&own={own}")).await
}

/// `GET /api/operator/home`
pub async fn operator_home() -> Result<OperatorHome, Failure> {
    get("/api/operator/home").await
}

/// `GET /api/operator/compliance?month=` (none: last month and this month so far)
pub async fn operator_compliance(
    month: Option<&str>,
) -> Result<domain::api::ComplianceTable, Failure> {
    match month {
        Some(m) => {
            get(&format!(
                "/api/operator/compliance?month={}",
                query_value(m)
            ))
            .await
        }
        None => get("/api/operator/compliance").await,
    }
}

/// `GET /api/operator/compliance/{office}?month=`
pub async fn operator_compliance_detail(
    office: &str,
    month: Option<&str>,
) -> Result<domain::api::OfficeComplianceDetail, Failure> {
    let office = query_value(office);
    match month {
        Some(m) => {
            get(&format!(
                "/api/operator/compliance/{office}?month={}",
                query_value(m)
            ))
            .await
        }
        None => get(&format!("/api/operator/compliance/{office}")).await,
    }
}

/// `GET /api/operator/institutions?q=`
pub async fn operator_institutions(q: &str) -> Result<domain::api::InstitutionRegistry, Failure> {
    let q = String::from(js_sys::encode_uri_component(q));
    get(&format!("/api/operator/institutions?q={q}")).await
}

/// `GET /api/operator/institutions/{code}`
pub async fn operator_institution(code: &str) -> Result<domain::api::InstitutionDetail, Failure> {
    get(&format!("/api/operator/institutions/{}", query_value(code))).await
}

/// `POST /api/operator/institutions`
pub async fn operator_add_institution(
    request: &domain::api::NewInstitutionInput,
) -> Result<domain::api::InstitutionDetail, Failure> {
    send_json(Request::post(&url("/api/operator/institutions")), request).await
}

/// `PUT /api/operator/institutions/{code}`
pub async fn operator_edit_institution(
    code: &str,
    request: &domain::api::InstitutionFields,
) -> Result<domain::api::InstitutionDetail, Failure> {
    let path = format!("/api/operator/institutions/{}", query_value(code));
    send_json(Request::put(&url(&path)), request).await
}

// ---------------------------------------------------------------- 資格確認 (reception)

/// How long a reception check waits for the server before it is answered offline.
const VERIFY_TIMEOUT_MS: u32 = 8_000;

/// `POST /api/verify/number`. A server that does not answer within a few seconds counts
/// as unreachable, so the desk falls back to the roster instead of waiting.
pub async fn verify_number(
    request: &domain::api::NumberVerifyRequest,
) -> Result<domain::api::VerificationResult, Failure> {
    send_json_within(
        Request::post(&url("/api/verify/number")),
        request,
        VERIFY_TIMEOUT_MS,
    )
    .await
}

/// `POST /api/verify/card`
pub async fn verify_card(
    request: &domain::api::CardVerifyRequest,
) -> Result<domain::api::VerificationResult, Failure> {
    send_json(Request::post(&url("/api/verify/card")), request).await
}

/// `GET /api/verify/roster?month=YYYY-MM` (this month when `None`).
pub async fn verify_roster(month: Option<&str>) -> Result<domain::api::Roster, Failure> {
    match month {
        Some(month) => get(&format!("/api/verify/roster?month={}", query_value(month))).await,
        None => get("/api/verify/roster").await,
    }
}

/// `GET` a file (CSV, ZIP): its bytes, or the server's error.
async fn get_bytes(path: &str) -> Result<Vec<u8>, Failure> {
    let response = send(Request::get(&url(path))).await?;
    let status = response.status();
    if response.ok() {
        response
            .binary()
            .await
            .map_err(|_| Failure::Unreadable { status })
    } else {
        Err(read_error(response).await)
    }
}

/// `GET /api/verify/roster.csv?month=YYYY-MM&encoding=utf-8|cp932`: the file's bytes.
pub async fn verify_roster_csv(month: &str, cp932: bool) -> Result<Vec<u8>, Failure> {
    let encoding = if cp932 { "cp932" } else { "utf-8" };
    let path = format!(
        "/api/verify/roster.csv?month={}&encoding={encoding}",
        query_value(month)
    );
    get_bytes(&path).await
}

/// `POST /api/verify/sync`
pub async fn verify_sync(
    request: &domain::api::SyncRequest,
) -> Result<domain::api::SyncResponse, Failure> {
    send_json_within(
        Request::post(&url("/api/verify/sync")),
        request,
        VERIFY_TIMEOUT_MS * 4,
    )
    .await
}

/// `GET /api/verify/today`
pub async fn verify_today() -> Result<domain::api::TodayVerifications, Failure> {
    get("/api/verify/today").await
}

// ---------------------------------------------------------------- 福祉事務所 (台帳・資格・医療券)

/// `GET /api/office/recipients?q=&page=`
pub async fn office_recipients(q: &str, page: u64) -> Result<domain::api::RecipientPage, Failure> {
    let q = String::from(js_sys::encode_uri_component(q));
    get(&format!("/api/office/recipients?q={q}&page={page}")).await
}

/// `GET /api/office/recipients/{id}`
pub async fn office_recipient(id: i64) -> Result<domain::api::RecipientDetail, Failure> {
    get(&format!("/api/office/recipients/{id}")).await
}

/// `POST /api/office/recipients` (201)
pub async fn office_create_recipient(
    input: &domain::api::RecipientInput,
) -> Result<domain::api::RecipientDetail, Failure> {
    send_json(Request::post(&url("/api/office/recipients")), input).await
}

/// `PUT /api/office/recipients/{id}`
pub async fn office_update_recipient(
    id: i64,
    input: &domain::api::RecipientInput,
) -> Result<domain::api::RecipientDetail, Failure> {
    send_json(
        Request::put(&url(&format!("/api/office/recipients/{id}"))),
        input,
    )
    .await
}

/// `POST /api/office/recipients/{id}/reveal-individual-number` (査察指導員)
pub async fn office_reveal_individual_number(
    id: i64,
    request: &domain::api::RevealRequest,
) -> Result<domain::api::RevealedIndividualNumber, Failure> {
    let path = format!("/api/office/recipients/{id}/reveal-individual-number");
    send_json(Request::post(&url(&path)), request).await
}

/// `PUT /api/office/recipients/{id}/restriction`
pub async fn office_set_restriction(
    id: i64,
    request: &domain::api::RestrictionRequest,
) -> Result<domain::api::RecipientDetail, Failure> {
    let path = format!("/api/office/recipients/{id}/restriction");
    send_json(Request::put(&url(&path)), request).await
}

/// `GET /api/office/staff`
pub async fn office_staff() -> Result<Vec<domain::api::StaffMember>, Failure> {
    get("/api/office/staff").await
}

/// `POST /api/office/recipients/{id}/qualification`
pub async fn office_record_qualification(
    id: i64,
    request: &domain::api::QualificationRequest,
) -> Result<domain::api::RecipientDetail, Failure> {
    let path = format!("/api/office/recipients/{id}/qualification");
    send_json(Request::post(&url(&path)), request).await
}

/// `POST /api/office/qualification-events/{id}/register`
pub async fn office_register_qualification(
    event_id: i64,
) -> Result<domain::api::RecipientDetail, Failure> {
    let path = format!("/api/office/qualification-events/{event_id}/register");
    parse(read_text(send(Request::post(&url(&path))).await?, None).await?)
}

/// `POST /api/office/qualification-events/{id}/withdraw`
pub async fn office_withdraw_qualification(
    event_id: i64,
    request: &domain::api::ReasonRequest,
) -> Result<domain::api::RecipientDetail, Failure> {
    let path = format!("/api/office/qualification-events/{event_id}/withdraw");
    send_json(Request::post(&url(&path)), request).await
}

/// `GET /api/office/deadlines`
pub async fn office_deadlines() -> Result<domain::api::Deadlines, Failure> {
    get("/api/office/deadlines").await
}

/// `GET /api/office/institutions?q=&table=` (`table`: 点数表番号, e.g. 4 for pharmacies)
pub async fn office_institutions(
    q: &str,
    table: Option<u8>,
) -> Result<domain::api::InstitutionList, Failure> {
    let q = String::from(js_sys::encode_uri_component(q));
    match table {
        Some(table) => get(&format!("/api/office/institutions?q={q}&table={table}")).await,
        None => get(&format!("/api/office/institutions?q={q}")).await,
    }
}

/// `POST /api/office/recipients/{id}/tickets` (201)
pub async fn office_issue_ticket(
    recipient_id: i64,
    input: &domain::api::TicketInput,
) -> Result<domain::api::TicketView, Failure> {
    let path = format!("/api/office/recipients/{recipient_id}/tickets");
    send_json(Request::post(&url(&path)), input).await
}

/// `GET /api/office/tickets/{id}`
pub async fn office_ticket(ticket_id: i64) -> Result<domain::api::TicketView, Failure> {
    get(&format!("/api/office/tickets/{ticket_id}")).await
}

/// `PUT /api/office/tickets/{id}`
pub async fn office_amend_ticket(
    ticket_id: i64,
    input: &domain::api::TicketInput,
) -> Result<domain::api::TicketView, Failure> {
    send_json(
        Request::put(&url(&format!("/api/office/tickets/{ticket_id}"))),
        input,
    )
    .await
}

/// `POST /api/office/tickets/{id}/cancel`
pub async fn office_cancel_ticket(
    ticket_id: i64,
    request: &domain::api::ReasonRequest,
) -> Result<domain::api::TicketView, Failure> {
    let path = format!("/api/office/tickets/{ticket_id}/cancel");
    send_json(Request::post(&url(&path)), request).await
}

/// `GET /api/office/tickets/{id}/print`
pub async fn office_ticket_print(ticket_id: i64) -> Result<domain::api::TicketPrint, Failure> {
    get(&format!("/api/office/tickets/{ticket_id}/print")).await
}

/// `POST /api/office/tickets/renew/preview`
pub async fn office_renew_preview(
    request: &domain::api::RenewRequest,
) -> Result<domain::api::RenewPreview, Failure> {
    send_json(
        Request::post(&url("/api/office/tickets/renew/preview")),
        request,
    )
    .await
}

/// `POST /api/office/tickets/renew`
pub async fn office_renew_commit(
    request: &domain::api::RenewCommit,
) -> Result<domain::api::RenewResult, Failure> {
    send_json(Request::post(&url("/api/office/tickets/renew")), request).await
}

/// `GET /api/office/supervisor` (査察指導員)
pub async fn office_supervisor() -> Result<domain::api::SupervisorView, Failure> {
    get("/api/office/supervisor").await
}

/// `GET /api/office/recipients/{id}/notice` (資格確認のご案内, audited)
pub async fn office_recipient_notice(id: i64) -> Result<domain::api::RecipientNotice, Failure> {
    get(&format!("/api/office/recipients/{id}/notice")).await
}

/// `GET /api/office/recipients/{id}/visits?months=N`
pub async fn office_recipient_visits(
    id: i64,
    months: u32,
) -> Result<domain::api::RecipientVisits, Failure> {
    get(&format!(
        "/api/office/recipients/{id}/visits?months={months}"
    ))
    .await
}

/// `GET /api/office/closed-days`
pub async fn office_closed_days() -> Result<domain::api::ClosedDayList, Failure> {
    get("/api/office/closed-days").await
}

/// `POST /api/office/closed-days` (査察指導員)
pub async fn office_add_closed_day(
    request: &domain::api::ClosedDayInput,
) -> Result<domain::api::ClosedDayList, Failure> {
    send_json(Request::post(&url("/api/office/closed-days")), request).await
}

/// `POST /api/office/closed-days/import` (査察指導員)
pub async fn office_import_closed_days(
    request: &domain::api::ClosedDayImport,
) -> Result<domain::api::ClosedDayList, Failure> {
    send_json(
        Request::post(&url("/api/office/closed-days/import")),
        request,
    )
    .await
}

/// `DELETE /api/office/closed-days/{date}` (査察指導員)
pub async fn office_remove_closed_day(date: &str) -> Result<domain::api::ClosedDayList, Failure> {
    let path = format!("/api/office/closed-days/{date}");
    parse(read_text(send(Request::delete(&url(&path))).await?, None).await?)
}

// ---------------------------------------------------------------- 日次連携・スクリーニング

/// `GET /api/office/feed?date=YYYY-MM-DD` (yesterday when `None`).
pub async fn office_feed(date: Option<&str>) -> Result<domain::api::DailyFeed, Failure> {
    match date {
        Some(date) => get(&format!("/api/office/feed?date={}", query_value(date))).await,
        None => get("/api/office/feed").await,
    }
}

/// `GET /api/office/feed.csv?date=YYYY-MM-DD&encoding=utf-8|cp932`: the file's bytes.
pub async fn office_feed_csv(date: &str, cp932: bool) -> Result<Vec<u8>, Failure> {
    let encoding = if cp932 { "cp932" } else { "utf-8" };
    let path = format!(
        "/api/office/feed.csv?date={}&encoding={encoding}",
        query_value(date)
    );
    get_bytes(&path).await
}

/// `GET /api/office/screening/data?month=YYYY-MM`, as the body's text: the caller parses it
/// (and times the parse) itself, in WebAssembly.
pub async fn office_screening_data_text(month: &str) -> Result<String, Failure> {
    let path = format!("/api/office/screening/data?month={}", query_value(month));
    let response = send(Request::get(&url(&path))).await?;
    let status = response.status();
    if response.ok() {
        response
            .text()
            .await
            .map_err(|_| Failure::Unreadable { status })
    } else {
        Err(read_error(response).await)
    }
}

/// `GET /api/office/screening/result?month=YYYY-MM` (the server's run of the same screening).
pub async fn office_screening_result(month: &str) -> Result<domain::api::ScreeningResult, Failure> {
    get(&format!(
        "/api/office/screening/result?month={}",
        query_value(month)
    ))
    .await
}

/// `GET /api/office/screening/followups?month=YYYY-MM`
pub async fn office_followups(month: &str) -> Result<domain::api::FollowupList, Failure> {
    get(&format!(
        "/api/office/screening/followups?month={}",
        query_value(month)
    ))
    .await
}

/// `POST /api/office/screening/followups`
pub async fn office_add_followup(
    request: &domain::api::FollowupRequest,
) -> Result<domain::api::Followup, Failure> {
    send_json(
        Request::post(&url("/api/office/screening/followups")),
        request,
    )
    .await
}

/// `GET /api/office/alerts`
pub async fn office_alerts() -> Result<domain::api::AlertList, Failure> {
    get("/api/office/alerts").await
}

/// `POST /api/office/alerts/{id}/handle`
pub async fn office_handle_alert(
    id: i64,
    request: &domain::api::AlertHandleRequest,
) -> Result<domain::api::OfficeAlert, Failure> {
    send_json(
        Request::post(&url(&format!("/api/office/alerts/{id}/handle"))),
        request,
    )
    .await
}

// ---------------------------------------------------------------- 請求前資格確認

/// `POST /api/office/claims-check?name=…` with the 資格情報ファイル itself as the body;
/// `on_progress(sent, total)` follows the upload (`crate::upload`).
pub async fn office_claims_check(
    file: &web_sys::File,
    on_progress: impl Fn(f64, f64) + 'static,
) -> Result<domain::api::ClaimsReview, Failure> {
    let name = String::from(js_sys::encode_uri_component(&file.name()));
    let path = format!("/api/office/claims-check?name={name}");
    crate::upload::post_file(&path, file, on_progress).await
}

/// `GET /api/office/claims-check/{id}`
pub async fn office_claims_review(id: i64) -> Result<domain::api::ClaimsReview, Failure> {
    get(&format!("/api/office/claims-check/{id}")).await
}

/// `GET /api/office/claims-check/{id}/return-file`: the file name the server gave (from
/// `Content-Disposition`, when it can be read) and the ZIP's bytes.
pub async fn office_claims_return_file(id: i64) -> Result<(Option<String>, Vec<u8>), Failure> {
    let path = format!("/api/office/claims-check/{id}/return-file");
    let response = send(Request::get(&url(&path))).await?;
    let status = response.status();
    if !response.ok() {
        return Err(read_error(response).await);
    }
    let name = response
        .headers()
        .get("content-disposition")
        .and_then(|value| disposition_file_name(&value));
    let bytes = response
        .binary()
        .await
        .map_err(|_| Failure::Unreadable { status })?;
    Ok((name, bytes))
}

/// `attachment; filename="12131017_HENREI_202405.ZIP"` → the name, without any folder part
/// and only when it is a plain file name.
fn disposition_file_name(header: &str) -> Option<String> {
    let value = header
        .split(';')
        .filter_map(|part| part.trim().split_once('='))
        .find(|(key, _)| key.trim().eq_ignore_ascii_case("filename"))
        .map(|(_, value)| value.trim().trim_matches('"'))?;
    let name = value.rsplit(['/', '\\']).next()?.trim();
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    (plain && !name.is_empty() && !name.starts_with('.')).then(|| name.to_string())
}

// ---------------------------------------------------------------- 健診・薬剤情報

/// `GET /api/office/checkups/deadline`
pub async fn office_checkup_deadline() -> Result<domain::api::CheckupDeadline, Failure> {
    get("/api/office/checkups/deadline").await
}

/// `GET /api/office/checkups/export?fiscal_year=YYYY`: the CDA archive's bytes.
pub async fn office_checkup_export(fiscal_year: i32) -> Result<Vec<u8>, Failure> {
    let path = format!("/api/office/checkups/export?fiscal_year={fiscal_year}");
    get_bytes(&path).await
}

/// `GET /api/office/screening/psychotropic?month=YYYY-MM`
pub async fn office_psychotropic(month: &str) -> Result<domain::api::PsychotropicScreen, Failure> {
    get(&format!(
        "/api/office/screening/psychotropic?month={}",
        query_value(month)
    ))
    .await
}

/// `GET /api/verify/{id}/health` (the clinic's view with the recipient's consent).
pub async fn verify_health(verification_id: i64) -> Result<domain::api::ClinicHealthView, Failure> {
    get(&format!("/api/verify/{verification_id}/health")).await
}

/// The full address of an API path, and whether the session cookie must be sent across
/// origins: for requests made without `gloo_net` (an upload with progress, `upload.rs`).
pub fn endpoint(path: &str) -> (String, bool) {
    (url(path), !api_origin().is_empty())
}

// ---------------------------------------------------------------- plumbing

fn api_origin() -> String {
    web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| {
            document
                .query_selector(r#"meta[name="onshi-api-origin"]"#)
                .ok()
                .flatten()
        })
        .and_then(|meta| meta.get_attribute("content"))
        .map(|origin| origin.trim().trim_end_matches('/').to_string())
        .unwrap_or_default()
}

fn url(path: &str) -> String {
    format!("{}{path}", api_origin())
}

/// The session cookie must travel with every call. Same origin: `same-origin`. A
/// configured API origin is another origin, where only `include` sends the cookie
/// (and the server must answer CORS with credentials for this app's origin).
fn with_defaults(builder: RequestBuilder) -> RequestBuilder {
    let credentials = if api_origin().is_empty() {
        RequestCredentials::SameOrigin
    } else {
        RequestCredentials::Include
    };
    builder
        .credentials(credentials)
        .header("Accept", "application/json")
}

// Each call is a generic shell around non-generic futures: the request, the wait and the
// reading of the answer are compiled once, only the JSON (de)serialization once per type
// (`docs/benchmarks.md`, "The app's first load": an async fn generic over its answer was
// compiled again, await points and all, for every answer type).

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
    parse(get_text(path).await?)
}

async fn send_json<B: Serialize, T: DeserializeOwned>(
    builder: RequestBuilder,
    body: &B,
) -> Result<T, Failure> {
    parse(post_text(builder, to_json(body)?, None).await?)
}

/// A successful answer's status and body, not yet parsed.
struct Answer {
    status: u16,
    text: String,
}

async fn get_text(path: &str) -> Result<Answer, Failure> {
    let response = send(Request::get(&url(path))).await?;
    read_text(response, None).await
}

/// Sends `body` as JSON; with `timeout_ms`, gives up after it ([`Failure::Unreachable`]).
async fn post_text(
    builder: RequestBuilder,
    body: String,
    timeout_ms: Option<u32>,
) -> Result<Answer, Failure> {
    let controller = timeout_ms.and_then(|_| web_sys::AbortController::new().ok());
    let signal = controller.as_ref().map(web_sys::AbortController::signal);
    // Dropping the timer (when this function returns) cancels it.
    let _timer = controller.zip(timeout_ms).map(|(controller, timeout_ms)| {
        gloo_timers::callback::Timeout::new(timeout_ms, move || controller.abort())
    });
    let request = with_defaults(builder)
        .abort_signal(signal.as_ref())
        .header("Content-Type", "application/json")
        .body(body)
        .map_err(|_| Failure::Unreadable { status: 0 })?;
    let response = request.send().await.map_err(|_| Failure::Unreachable)?;
    read_text(response, signal.as_ref()).await
}

fn to_json<B: Serialize>(body: &B) -> Result<String, Failure> {
    serde_json::to_string(body).map_err(|_| Failure::Unreadable { status: 0 })
}

fn parse<T: DeserializeOwned>(answer: Answer) -> Result<T, Failure> {
    serde_json::from_str(&answer.text).map_err(|_| Failure::Unreadable {
        status: answer.status,
    })
}

async fn send(builder: RequestBuilder) -> Result<Response, Failure> {
    with_defaults(builder)
        .send()
        .await
        .map_err(|_| Failure::Unreachable)
}

/// The body of a successful answer, or the [`Failure`] an error answer says. An answer cut
/// off by `signal` (a timeout) is as good as no answer.
async fn read_text(
    response: Response,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<Answer, Failure> {
    let status = response.status();
    if response.ok() {
        match response.text().await {
            Ok(text) => Ok(Answer { status, text }),
            Err(_) if signal.is_some_and(web_sys::AbortSignal::aborted) => {
                Err(Failure::Unreachable)
            }
            Err(_) => Err(Failure::Unreadable { status }),
        }
    } else {
        Err(read_error(response).await)
    }
}

async fn expect_empty(response: Response) -> Result<(), Failure> {
    if response.ok() {
        Ok(())
    } else {
        Err(read_error(response).await)
    }
}

async fn read_error(response: Response) -> Failure {
    let status = response.status();
    match response.json::<ApiError>().await {
        Ok(error) => Failure::Api { status, error },
        // A gateway that answers 502/503/504 with its own page: the server is not reachable.
        Err(_) if matches!(status, 502..=504) => Failure::Unreachable,
        Err(_) => Failure::Unreadable { status },
    }
}

/// Like [`send_json`], but gives up after `timeout_ms` (then [`Failure::Unreachable`]).
async fn send_json_within<B: Serialize, T: DeserializeOwned>(
    builder: RequestBuilder,
    body: &B,
    timeout_ms: u32,
) -> Result<T, Failure> {
    parse(post_text(builder, to_json(body)?, Some(timeout_ms)).await?)
}

/// A value for a query string: only the characters a month or code may hold are kept.
fn query_value(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::disposition_file_name;

    #[test]
    fn the_file_name_is_read_from_content_disposition() {
        let check = |header: &str, want: Option<&str>| {
            assert_eq!(disposition_file_name(header).as_deref(), want, "{header}");
        };
        let name = "12131017_HENREI_202405.ZIP";
        check(&format!(r#"attachment; filename="{name}""#), Some(name));
        check(&format!("attachment; filename={name}"), Some(name));
        check(r#"attachment; FILENAME="a.zip""#, Some("a.zip"));
        check(r#"attachment; filename="../../etc/x.zip""#, Some("x.zip"));
        check(r#"attachment; filename="C:\temp\x.zip""#, Some("x.zip"));
        check(r#"attachment; filename=".hidden""#, None);
        check(r#"attachment; filename="返戻.zip""#, None);
        check(r#"attachment; filename="""#, None);
        check("attachment", None);
    }
}
