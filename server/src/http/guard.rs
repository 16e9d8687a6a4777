//! Requests refused before routing: a URL carrying NUL (`%00`) in its path or query. No
//! route takes one, and PostgreSQL cannot store or compare it in text (a search for
//! `?q=%00` was a 500 there).

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::api::ErrorCode;

use super::error::AppError;

pub async fn refuse_nul(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let carries_nul = |s: &str| {
        s.as_bytes()
            .windows(3)
            .any(|w| w.eq_ignore_ascii_case(b"%00"))
    };
    if carries_nul(uri.path()) || uri.query().is_some_and(carries_nul) {
        return AppError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::Validation,
            "URL に使えない文字（NUL, %00）が含まれています。",
        )
        .into_response();
    }
    next.run(request).await
}
