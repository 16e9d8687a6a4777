//! Raw-body uploads (a file as the request body): each route names the content types it
//! takes. A form (`application/x-www-form-urlencoded`, `multipart/form-data`) or `text/plain`
//! — what another site can send without asking — or no type at all is refused with 415.

use axum::http::{header, HeaderMap, StatusCode};
use domain::api::ErrorCode;

use super::error::AppError;

/// What the app sends (`app/src/upload.rs`) and what any client may send for a file.
pub const OCTET_STREAM: &str = "application/octet-stream";
/// A ZIP file (`application/x-zip-compressed` is what Windows browsers name it).
pub const ZIP: [&str; 2] = ["application/zip", "application/x-zip-compressed"];
/// A CSV file.
pub const CSV: [&str; 1] = ["text/csv"];

/// The request's media type must be one of `allowed`; `what` names the file in the message.
pub fn require_content_type(
    headers: &HeaderMap,
    allowed: &[&str],
    what: &str,
) -> Result<(), AppError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    match media_type {
        Some(t) if allowed.contains(&t.as_str()) => Ok(()),
        _ => Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::Validation,
            format!(
                "{what}はファイルそのものを Content-Type: {} で送信してください。",
                allowed.join(" または ")
            ),
        )),
    }
}
