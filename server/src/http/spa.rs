//! Serving the built SPA: files from `dist/`, for app routes (paths without a file extension)
//! the page of the bundle that shows them (`<name>.html` of [`Bundle::for_path`]: the
//! reception desk, the office, the portal … each load only their own WebAssembly), and a
//! real 404 for a missing asset or an unknown API path.
//!
//! Every answer of the server carries [`content_security_policy`] (set in `http/mod.rs`):
//! nothing from another origin, no inline script or style, no frames, no plugins. The one
//! inline script the app needs — the module Trunk writes into each page to start its
//! WebAssembly — is allowed by its SHA-256, computed from the page being served, so an
//! edited page (`onshi-api-origin`) or a new build needs no configuration.
//! `'wasm-unsafe-eval'` lets the page compile its WebAssembly and nothing else.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use domain::bundle::Bundle;
use sha2::{Digest, Sha256};
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
    // A bundle's page itself (`/office.html`: what the service worker caches for that
    // bundle's routes) is served as a page, with the page's policy.
    let page = if let Some(name) = last.strip_suffix(".html") {
        match Bundle::ALL.into_iter().find(|b| b.name() == name) {
            Some(bundle) if path == format!("/{last}") => Some(bundle),
            _ => None,
        }
    } else if last.contains('.') {
        None
    } else {
        Some(Bundle::for_path(&path))
    };
    let Some(bundle) = page else {
        // A file's `.gz` copy written by scripts/build-app.sh (gzip -9) is sent as it is to
        // a browser that accepts gzip (the compression layer leaves an encoded answer alone).
        let files = ServeDir::new(&dir).precompressed_gzip();
        let mut response = match files.oneshot(request).await {
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
    };
    match tokio::fs::read(dir.join(format!("{}.html", bundle.name()))).await {
        Ok(bytes) => {
            let policy = content_security_policy(&inline_script_hashes(&bytes));
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/html; charset=utf-8"),
                    ),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                    (
                        header::CONTENT_SECURITY_POLICY,
                        HeaderValue::from_str(&policy)
                            .unwrap_or(HeaderValue::from_static(BASE_POLICY)),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Err(_) => (
            StatusCode::NOT_FOUND,
            "the app's pages are not built: run `make app` (scripts/build-app.sh)",
        )
            .into_response(),
    }
}

/// The policy of every answer that is not a page (no inline script at all).
pub const BASE_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; worker-src 'self'; \
manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

/// [`BASE_POLICY`] with the inline scripts of the page allowed by their hashes
/// (`'sha256-…'`, as [`inline_script_hashes`] gives them).
pub fn content_security_policy(script_hashes: &[String]) -> String {
    let mut script_src = "script-src 'self' 'wasm-unsafe-eval'".to_string();
    for hash in script_hashes {
        script_src.push_str(&format!(" '{hash}'"));
    }
    BASE_POLICY.replacen("script-src 'self' 'wasm-unsafe-eval'", &script_src, 1)
}

/// `sha256-<base64>` of the text of each inline `<script>` (one without `src`) of a page.
pub fn inline_script_hashes(html: &[u8]) -> Vec<String> {
    let html = String::from_utf8_lossy(html);
    let lower = html.to_ascii_lowercase();
    let mut hashes = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<script").map(|i| at + i) {
        let Some(open_end) = lower[start..].find('>').map(|i| start + i + 1) else {
            break;
        };
        let Some(close) = lower[open_end..].find("</script").map(|i| open_end + i) else {
            break;
        };
        if !lower[start..open_end].contains(" src=") {
            let digest = Sha256::digest(html[open_end..close].as_bytes());
            hashes.push(format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        at = close;
    }
    hashes
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let page = b"<head><script type=\"module\">init();</script>\
            <script src=\"/a.js\"></script><SCRIPT>x</SCRIPT></head>";
        let hashes = inline_script_hashes(page);
        let sha = |s: &str| {
            format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
            )
        };
        assert_eq!(hashes, [sha("init();"), sha("x")]);
        let policy = content_security_policy(&hashes);
        assert!(
            policy.contains(&format!(
                "script-src 'self' 'wasm-unsafe-eval' '{}' '{}';",
                hashes[0], hashes[1]
            )),
            "{policy}"
        );
        assert!(policy.ends_with("frame-ancestors 'none'"));
    }
}
