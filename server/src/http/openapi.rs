//! `GET /api/openapi.json`: the OpenAPI 3.1 description of every JSON endpoint.
//!
//! Each route module lists its operations next to its routes (`fn operations`), with
//! request and response schemas derived from the shared `domain::api` types (schemars),
//! so the document cannot drift from the code. `tests/api.rs` checks that every listed
//! operation is routed.

use axum::routing::get;
use axum::{Json, Router};
use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde_json::{json, Value};

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(|| async { Json(document()) }))
}

/// One documented operation.
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    /// Who may call it, in Japanese (scope is enforced in `crate::scope`).
    pub roles: &'static str,
    pub request: Option<Schema>,
    /// `None`: no JSON body (204, a file, or XML).
    pub response: Option<Schema>,
    /// Content type of a non-JSON response (CSV, XML), if any.
    pub response_type: Option<&'static str>,
}

impl Operation {
    pub fn new(
        method: &'static str,
        path: &'static str,
        summary: &'static str,
        roles: &'static str,
    ) -> Self {
        Self {
            method,
            path,
            summary,
            roles,
            request: None,
            response: None,
            response_type: None,
        }
    }
    pub fn request<T: JsonSchema>(mut self, generator: &mut SchemaGenerator) -> Self {
        self.request = Some(generator.subschema_for::<T>());
        self
    }
    pub fn response<T: JsonSchema>(mut self, generator: &mut SchemaGenerator) -> Self {
        self.response = Some(generator.subschema_for::<T>());
        self
    }
    pub fn produces(mut self, content_type: &'static str) -> Self {
        self.response_type = Some(content_type);
        self
    }
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
    all.extend(super::session::operations(generator));
    all.extend(super::homes::operations(generator));
    all.extend(super::health::operations(generator));
    all.extend(super::office::operations(generator));
    all.extend(super::onshi::operations(generator));
    all.extend(super::claims::operations(generator));
    all.extend(super::portal::operations(generator));
    all.extend(super::screening::operations(generator));
    all.extend(super::verify::operations(generator));
    all.push(Operation::new(
        "get",
        "/api/openapi.json",
        "この OpenAPI 文書",
        "誰でも",
    ));
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
