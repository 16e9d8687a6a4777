//! Serving the built SPA: files from `dist/`, `index.html` for app routes (paths without a
//! file extension), and a real 404 for a missing asset or an unknown API path.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use super::error::AppError;
use super::state::AppState;

pub async fn serve(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with("/api/") || path == "/api" {
        return AppError::not_found("API").into_response();
    }
    let Some(dir) = state.static_dir.clone() else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let last = path.rsplit('/').next().unwrap_or("");
    let is_asset = last.contains('.');
    if is_asset {
        let mut response = match ServeDir::new(&dir).oneshot(request).await {
            Ok(r) => r.map(Body::new),
            Err(never) => match never {},
        };
        // The service worker must be revalidated on every load so updates are seen.
        if last == "sw.js" {
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        }
        return response;
    }
    match tokio::fs::read(dir.join("index.html")).await {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => (
            StatusCode::NOT_FOUND,
            "index.html not found: build the app with `make build`",
        )
            .into_response(),
    }
}
