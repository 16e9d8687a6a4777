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

/// `GET /api/operator/home`
pub async fn operator_home() -> Result<OperatorHome, Failure> {
    get("/api/operator/home").await
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

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
    let response = send(Request::get(&url(path))).await?;
    read_json(response).await
}

async fn send_json<B: Serialize, T: DeserializeOwned>(
    builder: RequestBuilder,
    body: &B,
) -> Result<T, Failure> {
    let request = with_defaults(builder)
        .json(body)
        .map_err(|_| Failure::Unreadable { status: 0 })?;
    let response = request.send().await.map_err(|_| Failure::Unreachable)?;
    read_json(response).await
}

async fn send(builder: RequestBuilder) -> Result<Response, Failure> {
    with_defaults(builder)
        .send()
        .await
        .map_err(|_| Failure::Unreachable)
}

async fn read_json<T: DeserializeOwned>(response: Response) -> Result<T, Failure> {
    let status = response.status();
    if response.ok() {
        response
            .json::<T>()
            .await
            .map_err(|_| Failure::Unreadable { status })
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
