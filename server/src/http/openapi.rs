//! `GET /api/openapi.json`: the OpenAPI 3.1 description of every JSON endpoint.
//!
//! Each route module lists its operations next to its routes (`fn operations`, built with
//! [`Operation`] from `operation.rs`), with request and response schemas derived from the
//! shared `domain::api` types (schemars), so the document cannot drift from the code. This
//! module collects them; no route module imports it. `tests/api.rs` checks that every listed
//! operation is routed.

use axum::routing::get;
use axum::{Json, Router};
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{json, Value};

use super::operation::Operation;
use super::state::AppState;
use super::{
    alerts, claims, health, homes, office, onshi, operator, portal, screening, session, verify,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(|| async { Json(document()) }))
}

fn generator() -> SchemaGenerator {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    settings.meta_schema = None;
    settings.into_generator()
}

/// Every operation of every route module. Add a module's `operations` here with its router.
pub fn operations(generator: &mut SchemaGenerator) -> Vec<Operation> {
    let mut all = Vec::new();
    all.extend(session::operations(generator));
    all.extend(alerts::operations(generator));
    all.extend(homes::operations(generator));
    all.extend(health::operations(generator));
    all.extend(office::operations(generator));
    all.extend(onshi::operations(generator));
    all.extend(claims::operations(generator));
    all.extend(portal::operations(generator));
    all.extend(screening::operations(generator));
    all.extend(verify::operations(generator));
    all.extend(operator::operations(generator));
    all.push(Operation::new(
        "get",
        "/api/openapi.json",
        "この OpenAPI 文書",
        "誰でも",
    ));
    all.push(
        Operation::new(
            "get",
            "/healthz",
            "稼働確認（データベースに届けば ok）",
            "誰でも",
        )
        .produces("text/plain"),
    );
    all
}

pub fn document() -> Value {
    let mut generator = generator();
    let error_ref = generator.subschema_for::<domain::api::ApiError>();
    let mut paths = serde_json::Map::new();
    for op in operations(&mut generator) {
        let ok = match (&op.response, op.response_type) {
            (Some(schema), _) => {
                json!({"description": "成功", "content": {"application/json": {"schema": schema}}})
            }
            (None, Some(content_type)) => {
                json!({"description": "成功", "content": {content_type: {}}})
            }
            (None, None) => json!({"description": "成功（本文なし）"}),
        };
        let mut entry = json!({
            "summary": op.summary,
            "description": format!("利用できる役割: {}", op.roles),
            "responses": {
                "200": ok,
                "4XX": {"description": "入力・認証・権限のエラー（日本語のメッセージ付き）", "content": {"application/json": {"schema": error_ref}}}
            }
        });
        if let Some(request) = &op.request {
            entry["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": request}}});
        }
        let path = paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}));
        path[op.method] = entry;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "扶助オン資 API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "医療扶助のオンライン資格確認。認証はセッションCookie（HttpOnly, SameSite=Strict）または医療機関のBearerトークン（onshi institution-token）。"
        },
        "components": {
            "schemas": generator.take_definitions(true),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE},
                "institutionToken": {"type": "http", "scheme": "bearer"}
            }
        },
        "paths": paths,
    })
}
