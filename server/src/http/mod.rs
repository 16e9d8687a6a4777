//! The HTTP surface: one module per route group, each with `fn router() -> Router<AppState>`,
//! merged once in [`app`]. `app` is what `onshi serve` runs and what the tests drive with
//! `tower::ServiceExt::oneshot`.

pub mod alerts;
mod caller;
pub mod claims;
pub mod csrf;
pub mod error;
mod guard;
pub mod health;
pub mod homes;
pub mod listen;
pub mod office;
pub mod onshi;
pub mod openapi;
pub mod operation;
pub mod operator;
pub mod portal;
pub mod screening;
pub mod session;
pub mod spa;
pub mod state;
pub mod upload;
pub mod verify;

use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

use error::AppError;
pub use state::AppState;

pub fn app(state: AppState) -> Router {
    app_with_origins(state, &[])
}

/// [`app`], taking state-changing requests also from the `--allow-origin` origins
/// (`csrf.rs`; the CORS layer for them is [`cors`]).
pub fn app_with_origins(state: AppState, allow_origins: &[String]) -> Router {
    let allowed = csrf::AllowedOrigins(
        allow_origins
            .iter()
            .map(|o| o.trim_end_matches('/').to_string())
            .collect(),
    );
    let api = Router::new()
        .merge(session::router())
        .merge(alerts::router())
        .merge(homes::router())
        .merge(health::router())
        .merge(office::router())
        .merge(onshi::router())
        .merge(claims::router())
        .merge(portal::router())
        .merge(screening::router())
        .merge(verify::router())
        .merge(operator::router())
        .merge(openapi::router());
    Router::new()
        .route("/healthz", get(healthz))
        .merge(api)
        .fallback(spa::serve)
        .layer(axum::middleware::from_fn_with_state(
            allowed,
            csrf::check_origin,
        ))
        .layer(axum::middleware::from_fn(guard::refuse_nul))
        // The wasm bundle is ~700 KB raw, ~280 KB gzipped: old reception PCs on slow lines notice.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        // No external origin, no inline script but the app's start (its hash, `spa.rs`),
        // never in a frame (`frame-ancestors` and, for older browsers, X-Frame-Options).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(spa::BASE_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .with_state(state)
}

/// CORS for an app bundle served from another origin: only the listed origins, with credentials.
pub fn cors(origins: &[String]) -> anyhow::Result<tower_http::cors::CorsLayer> {
    let origins = origins
        .iter()
        .map(|o| {
            HeaderValue::from_str(o.trim_end_matches('/'))
                .map_err(|_| anyhow::anyhow!("--allow-origin: not a valid origin: {o}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(tower_http::cors::CorsLayer::new()
        .allow_origin(origins)
        .allow_credentials(true)
        .allow_methods([
            axum::http::Method::GET,
            axum::http::Method::POST,
            axum::http::Method::PUT,
            axum::http::Method::DELETE,
        ])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION]))
}

async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<&'static str, AppError> {
    state.db.ping().await?;
    Ok("ok")
}
