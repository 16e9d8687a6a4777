//! Cross-site request forgery: a state-changing request (POST, PUT, PATCH, DELETE) that a
//! browser sent from another site is refused (403) before any handler runs, whatever its
//! cookies. SameSite=Strict on the session cookie is the first defence; this is the second.
//!
//! A browser names where a request comes from: `Origin` on every non-GET `fetch`, form or
//! `XMLHttpRequest`, and `Sec-Fetch-Site` on all of them in current browsers. The request is
//! refused when `Origin` is present and is neither this server (its `Host`) nor one of the
//! `--allow-origin` origins, or is `null` (a sandboxed frame, a `file:` page); or, with no
//! `Origin`, when `Sec-Fetch-Site` says `cross-site` or `same-site` (another port or
//! subdomain). A request with neither header is not from a browser page (レセコン, scripts,
//! the tests) and cookies alone never reach it from another site.
//!
//! `/onshi/` is left out: it takes bearer tokens only, never a cookie, and answers in XML.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::api::ErrorCode;

use super::error::AppError;

/// Origins besides this server's own that may send state-changing requests
/// (`onshi serve --allow-origin`), without a trailing slash.
#[derive(Clone, Default)]
pub struct AllowedOrigins(pub Arc<[String]>);

pub async fn check_origin(
    State(allowed): State<AllowedOrigins>,
    request: Request,
    next: Next,
) -> Response {
    let changes_state = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if changes_state
        && !request.uri().path().starts_with("/onshi/")
        && is_cross_site(request.headers(), &allowed)
    {
        return AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "ほかのサイトから送られた操作は受け付けません。扶助オン資の画面から操作してください。",
        )
        .into_response();
    }
    next.run(request).await
}

fn is_cross_site(headers: &HeaderMap, allowed: &AllowedOrigins) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match text(header::ORIGIN.as_str()) {
        Some(origin) => {
            let origin = origin.trim_end_matches('/');
            let own_host = text(header::HOST.as_str()).unwrap_or("");
            let host_of_origin = origin.split_once("://").map(|(_, host)| host);
            let own = !own_host.is_empty()
                && host_of_origin.is_some_and(|h| h.eq_ignore_ascii_case(own_host));
            !own && !allowed.0.iter().any(|a| a.eq_ignore_ascii_case(origin))
        }
        // No Origin: only the fetch metadata can tell.
        None => matches!(text("sec-fetch-site"), Some("cross-site" | "same-site")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn own_host_and_allowed_origins_pass_others_do_not() {
        let allowed = AllowedOrigins(Arc::from(vec!["https://app.example.jp".to_string()]));
        let host = ("host", "127.0.0.1:8080");
        for (pairs, cross) in [
            (vec![host, ("origin", "http://127.0.0.1:8080")], false),
            (vec![host, ("origin", "https://127.0.0.1:8080/")], false),
            (vec![host, ("origin", "https://app.example.jp")], false),
            (vec![host, ("origin", "https://evil.example")], true),
            (vec![host, ("origin", "http://127.0.0.1:8081")], true),
            (vec![host, ("origin", "null")], true),
            (vec![("origin", "http://127.0.0.1:8080")], true),
            (vec![host], false),
            (vec![host, ("sec-fetch-site", "same-origin")], false),
            (vec![host, ("sec-fetch-site", "none")], false),
            (vec![host, ("sec-fetch-site", "cross-site")], true),
            (vec![host, ("sec-fetch-site", "same-site")], true),
        ] {
            assert_eq!(
                is_cross_site(&headers(&pairs), &allowed),
                cross,
                "{pairs:?}"
            );
        }
    }
}
