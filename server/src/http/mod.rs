//! The HTTP surface: one module per route group, each with `fn router() -> Router<AppState>`,
//! merged once in [`app`]. `app` is what `onshi serve` runs and what the tests drive with
//! `tower::ServiceExt::oneshot`.

mod caller;
pub mod claims;
pub mod error;
mod guard;
pub mod health;
pub mod homes;
pub mod office;
pub mod onshi;
pub mod openapi;
pub mod operation;
pub mod portal;
pub mod screening;
pub mod session;
pub mod spa;
pub mod state;
pub mod verify;

use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

use error::AppError;
pub use state::AppState;

pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .merge(session::router())
        .merge(homes::router())
        .merge(health::router())
        .merge(office::router())
        .merge(onshi::router())
        .merge(claims::router())
        .merge(portal::router())
        .merge(screening::router())
        .merge(verify::router())
        .merge(openapi::router());
    Router::new()
        .route("/healthz", get(healthz))
        .merge(api)
        .fallback(spa::serve)
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
