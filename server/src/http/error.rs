//! Errors as the API answers them: a closed set of codes with a Japanese message.
//! Internal causes go to the server log (without personal data), never to the client.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::api::{ApiError, ErrorCode};
use domain::error::FieldError;

use crate::error::ServiceError;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub body: ApiError,
    cause: Option<anyhow::Error>,
}

impl AppError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ApiError {
                code,
                message: message.into(),
                fields: Vec::new(),
                duplicates: Vec::new(),
            },
            cause: None,
        }
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "ログインしてください。",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "この操作を行う権限がありません。",
        )
    }

    /// `what` is the Japanese noun, e.g. 「受給者」.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("該当する{what}が見つかりません。"),
        )
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, ErrorCode::Conflict, message)
    }

    pub fn validation(fields: Vec<FieldError>) -> Self {
        let message = match fields.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => "入力内容に誤りがあります。各項目のメッセージを確認してください。".to_string(),
        };
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: ApiError {
                code: ErrorCode::Validation,
                message,
                fields,
                duplicates: Vec::new(),
            },
            cause: None,
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }
}

impl From<anyhow::Error> for AppError {
    fn from(cause: anyhow::Error) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "サーバーで問題が発生しました。時間をおいて再度お試しください。",
        );
        e.cause = Some(cause);
        e
    }
}

/// A service's error as the API answers it: the same status, code and message as the
/// constructor of the same name.
impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Unauthenticated => Self::unauthenticated(),
            ServiceError::Forbidden => Self::forbidden(),
            ServiceError::NotFound(what) => Self::not_found(what),
            ServiceError::Conflict(message) => Self::conflict(message),
            ServiceError::Validation(fields) => Self::validation(fields),
            ServiceError::Internal(cause) => Self::from(cause),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(cause: sqlx::Error) -> Self {
        Self::from(anyhow::Error::from(cause))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Some(cause) = &self.cause {
            tracing::error!(error = %cause, "internal error");
        }
        (self.status, axum::Json(self.body)).into_response()
    }
}

/// `Json<T>` whose rejections are [`AppError`]s in Japanese: malformed input is a 4xx, never a 500.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::Validation,
                "Content-Type: application/json で送信してください。",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        ErrorCode::Validation,
                        "送信されたデータが大きすぎます。",
                    )
                } else {
                    AppError::new(
                        StatusCode::BAD_REQUEST,
                        ErrorCode::Validation,
                        "送信されたデータを読み取れません（途中で切れています）。",
                    )
                }
            })?;
        // NUL is in no field of any request, and PostgreSQL cannot store it in text: refuse
        // it here, naming the field, before it reaches a query.
        if let Some(path) = nul_field(&bytes) {
            let label = field_label(&path);
            let refused = domain::text::check_chars(&label, "\0", domain::text::Lines::One)
                .err()
                .map(|e| e.message)
                .unwrap_or_else(|| format!("{label}に使えない文字（U+0000）が含まれています。"));
            return Err(AppError::field(&label, refused));
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The words for a JSON field of a request, as the screens name it (the key's last segment);
/// a key of no screen keeps its path.
fn field_label(path: &str) -> String {
    use domain::recipient as r;
    let key = path.rsplit(['.', ']']).next().unwrap_or(path);
    let label = match key {
        "name" => r::FIELD_NAME,
        "name_kana" => r::FIELD_KANA,
        "sex" => r::FIELD_SEX,
        "birth_date" => r::FIELD_BIRTH,
        "postal_code" => r::FIELD_POSTAL,
        "address" => r::FIELD_ADDRESS,
        "case_number" => r::FIELD_CASE,
        "individual_number" => r::FIELD_INDIVIDUAL,
        "recipient_number" => r::FIELD_RECIPIENT_NUMBER,
        "office_number" => "公費負担者番号",
        "client_id" => domain::api::FIELD_CLIENT_ID,
        "login" => "ログインID",
        "password" => "パスワード",
        "pin" => "暗証番号",
        "reason" => "理由",
        "note" | "notes" => "メモ",
        "remarks" => domain::ticket_form::FIELD_REMARKS,
        "injury" | "injury_name" => domain::ticket_form::FIELD_INJURY,
        _ if path.is_empty() || path == "本文" => "本文",
        _ => return format!("項目「{path}」"),
    };
    label.to_string()
}

/// The path (`items[0].client_id`) of the first string or key holding a NUL, if the body
/// is JSON with one (JSON can only carry it escaped, as `\u0000`).
fn nul_field(bytes: &[u8]) -> Option<String> {
    fn walk(value: &serde_json::Value, path: &str) -> Option<String> {
        let here = || {
            if path.is_empty() {
                "本文".to_string()
            } else {
                path.to_string()
            }
        };
        match value {
            serde_json::Value::String(s) if s.contains('\0') => Some(here()),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| walk(v, &format!("{path}[{i}]"))),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
                let at = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if k.contains('\0') {
                    Some(here())
                } else {
                    walk(v, &at)
                }
            }),
            _ => None,
        }
    }
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    walk(&value, "")
}

fn json_rejection(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Validation,
            "Content-Type: application/json で送信してください。",
        ),
        JsonRejection::JsonDataError(e) => AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Validation,
            format!("送信された項目が正しくありません（{}）。", e.body_text()),
        ),
        _ => AppError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::Validation,
            "送信されたデータを読み取れません（JSON の形式が正しくありません）。",
        ),
    }
}
