//! The `Caller` extractor: who is asking, from the session cookie or a bearer token.
//! `Caller` itself, and how sessions and tokens are checked, are `crate::auth`'s.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::error::AppError;
use super::state::AppState;
use crate::auth::{self, Caller};

/// Read one cookie from the request.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Every endpoint that touches data takes a `Caller`: a session cookie, or an
/// institution's bearer token for machine clients. No caller → 401.
impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(token) = cookie(&parts.headers, auth::SESSION_COOKIE) {
            if let Some(caller) = auth::caller_from_session(&state.db, token).await? {
                return Ok(caller);
            }
        }
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if let Some(token) = bearer {
            if let Some(caller) =
                auth::caller_from_institution_token(&state.db, token.trim()).await?
            {
                return Ok(caller);
            }
        }
        Err(AppError::unauthenticated())
    }
}
