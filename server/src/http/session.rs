//! Sign-in and sign-out: staff by login ID and password, recipients by the mock マイナンバーカード.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use rand::RngCore;

use domain::api::{CardChallenge, CardLoginRequest, ErrorCode, LoginRequest, Role, SessionInfo};

use super::caller::cookie;
use super::error::{ApiJson, AppError};
use super::state::AppState;
use crate::audit;
use crate::auth::{self, Caller};
use crate::db::{instant_text, today_jst};
use crate::log::untrusted;
use crate::store::cards;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/session", get(session))
        .route("/api/card/challenge", get(card_challenge))
        .route("/api/card/login", post(card_login))
}

pub fn operations(g: &mut schemars::generate::SchemaGenerator) -> Vec<super::operation::Operation> {
    use super::operation::Operation;
    vec![
        Operation::new("post", "/api/login", "職員・医療機関のログイン", "誰でも")
            .request::<LoginRequest>(g)
            .response::<SessionInfo>(g),
        Operation::new("post", "/api/logout", "ログアウト", "ログイン中の誰でも"),
        Operation::new(
            "get",
            "/api/session",
            "現在のセッション",
            "ログイン中の誰でも",
        )
        .response::<SessionInfo>(g),
        Operation::new(
            "get",
            "/api/card/challenge",
            "マイナンバーカードで署名するチャレンジ",
            "誰でも",
        )
        .response::<CardChallenge>(g),
        Operation::new(
            "post",
            "/api/card/login",
            "マイナンバーカードでログイン（被保護者）",
            "誰でも",
        )
        .request::<CardLoginRequest>(g)
        .response::<SessionInfo>(g),
    ]
}

/// How long a card challenge may be answered.
const CHALLENGE_SECONDS: i64 = 120;

/// The client's address for the sign-in limits (`auth::locked`): the TCP peer `onshi serve`
/// records (`ConnectInfo`); empty when unknown (a test calling the router directly).
/// A forwarding header is not trusted: anyone could write one.
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_default(),
        ))
    }
}

async fn login(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, AppError> {
    let login = req.login.trim();
    let mut missing = Vec::new();
    if login.is_empty() {
        missing.push(domain::error::FieldError::new(
            "ログインID",
            "ログインIDを入力してください。",
        ));
    }
    if req.password.is_empty() {
        missing.push(domain::error::FieldError::new(
            "パスワード",
            "パスワードを入力してください。",
        ));
    }
    if !missing.is_empty() {
        return Err(AppError::validation(missing));
    }
    let db = &state.db;
    if let Some(locked) = auth::locked(db, login, &client).await? {
        let minutes = auth::LOCK_MINUTES;
        let message = match locked {
            auth::Locked::Client => format!(
                "この端末からのログインの失敗が多すぎるため、{minutes}分間ログインできません。"
            ),
            auth::Locked::Login => format!(
                "ログインに続けて失敗したため、このIDは{minutes}分間ログインできません。急ぐ場合はシステム運用者に解除を依頼してください。"
            ),
        };
        tracing::info!(?locked, client = %untrusted(&client), "sign-in held back");
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            message,
        ));
    }
    let user_id = match auth::check_password(db, login, &req.password).await? {
        Ok(user_id) => user_id,
        Err(failure) => {
            auth::record_failure(db, login, &client).await?;
            // Structured fields only, the login escaped and cut (`crate::log`); an unknown
            // login is not written at all: it may be a password or a 個人番号 typed there.
            match failure {
                auth::SignInFailure::WrongPassword => {
                    tracing::info!(login = %untrusted(login), "sign-in failed: wrong password")
                }
                auth::SignInFailure::UnknownLogin => tracing::info!(
                    login_chars = login.chars().count(),
                    "sign-in failed: unknown login"
                ),
            }
            return Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                "ログインIDまたはパスワードが違います。",
            ));
        }
    };
    auth::clear_failures(db, login, &client).await?;
    let caller = auth::caller_for_user(db, user_id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let token = auth::create_session(db, caller.role, Some(user_id), None).await?;
    audit::record(db, &caller, "session.login", None, "").await?;
    signed_in(&state, &caller, &token).await
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    if let Some(token) = cookie(&headers, auth::SESSION_COOKIE) {
        auth::delete_session(&state.db, token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&session_cookie(&state, "", 0)).map_err(|e| anyhow::anyhow!(e))?,
    );
    Ok(response)
}

async fn session(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<SessionInfo>, AppError> {
    Ok(axum::Json(session_info(&state, &caller).await?))
}

async fn card_challenge(
    State(state): State<AppState>,
) -> Result<axum::Json<CardChallenge>, AppError> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let challenge = base64::engine::general_purpose::STANDARD.encode(bytes);
    let id = auth::new_token();
    let now = chrono::Utc::now();
    // Old challenges are useless: drop them as we go.
    cards::insert_challenge(
        &state.db,
        &id,
        &challenge,
        &instant_text(now),
        &instant_text(now - chrono::Duration::seconds(CHALLENGE_SECONDS)),
    )
    .await?;
    Ok(axum::Json(CardChallenge {
        challenge_id: id,
        challenge,
    }))
}

/// Check a signed challenge: one use only, fresh, signed by a valid, unrevoked card of the demo CA.
/// Returns the recipient's id. Shared by recipient sign-in and card verification at reception.
pub async fn check_card_signature(
    state: &AppState,
    challenge_id: &str,
    certificate: &domain::card::Certificate,
    signature: &str,
) -> Result<i64, AppError> {
    let db = &state.db;
    let row = cards::take_challenge(db, challenge_id).await?;
    let card_error = |message: String| {
        AppError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            message,
        )
    };
    let Some((challenge, created_at)) = row else {
        return Err(card_error(
            "読み取りの有効時間が過ぎました。もう一度カードを読み取ってください。".into(),
        ));
    };
    if created_at < instant_text(chrono::Utc::now() - chrono::Duration::seconds(CHALLENGE_SECONDS))
    {
        return Err(card_error(
            "読み取りの有効時間が過ぎました。もう一度カードを読み取ってください。".into(),
        ));
    }
    let challenge_bytes = base64::engine::general_purpose::STANDARD
        .decode(challenge)
        .map_err(|e| anyhow::anyhow!("stored challenge: {e}"))?;
    let revoked = cards::is_revoked(db, &certificate.serial).await?;
    let subject = domain::card::verify_signature(
        certificate,
        &state.keys.ca_public_key_b64(),
        &challenge_bytes,
        signature,
        today_jst(),
        |serial| revoked && serial == certificate.serial,
    )
    .map_err(|e| card_error(e.message()))?;
    let holder = cards::holder(
        db,
        &certificate.serial,
        &subject.office_number,
        &subject.recipient_number,
    )
    .await?;
    holder.ok_or_else(|| {
        card_error("このカードは登録されていません。福祉事務所にお問い合わせください。".into())
    })
}

async fn card_login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<CardLoginRequest>,
) -> Result<Response, AppError> {
    let card_record =
        check_card_signature(&state, &req.challenge_id, &req.certificate, &req.signature).await?;
    // The card identifies the person: after a 転居 they sign in to their current record.
    let recipient_id =
        crate::store::people::current_record(&state.db, card_record, today_jst()).await?;
    let caller = auth::caller_for_recipient(&state.db, recipient_id)
        .await?
        .ok_or_else(AppError::unauthenticated)?;
    let token = auth::create_session(&state.db, Role::Recipient, None, Some(recipient_id)).await?;
    audit::record(
        &state.db,
        &caller,
        "session.login",
        Some(recipient_id),
        "マイナンバーカードでログイン",
    )
    .await?;
    signed_in(&state, &caller, &token).await
}

fn session_cookie(state: &AppState, token: &str, max_age: i64) -> String {
    format!(
        "{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        auth::SESSION_COOKIE,
        token,
        max_age,
        if state.secure_cookies { "; Secure" } else { "" }
    )
}

async fn signed_in(state: &AppState, caller: &Caller, token: &str) -> Result<Response, AppError> {
    let info = session_info(state, caller).await?;
    let mut response = axum::Json(info).into_response();
    let cookie = session_cookie(state, token, auth::SESSION_HOURS * 3600);
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| anyhow::anyhow!(e))?,
    );
    Ok(response)
}

pub async fn session_info(state: &AppState, caller: &Caller) -> Result<SessionInfo, AppError> {
    let db = &state.db;
    let office_name = match &caller.office_number {
        Some(n) => auth::office_name(db, n).await?,
        None => None,
    };
    let institution_name = match &caller.institution_code {
        Some(c) => auth::institution_name(db, c).await?,
        None => None,
    };
    Ok(SessionInfo {
        role: caller.role,
        display_name: caller.display_name.clone(),
        office_number: caller.office_number.clone(),
        office_name,
        institution_code: caller.institution_code.clone(),
        institution_name,
        recipient_number: (caller.role == Role::Recipient).then(|| caller.actor_id.clone()),
        today: today_jst().to_string(),
    })
}
