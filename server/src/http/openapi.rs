//! `GET /api/openapi.json`: the OpenAPI 3.1 description of every JSON endpoint.
//! Written by hand next to the routes; `tests::every_route_is_described` keeps them in step.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(|| async { Json(document()) }))
}

/// (method, path, summary, roles, request schema, response schema)
pub const OPERATIONS: &[(&str, &str, &str, &str, Option<&str>, &str)] = &[
    (
        "post",
        "/api/login",
        "職員・医療機関のログイン",
        "誰でも",
        Some("LoginRequest"),
        "SessionInfo",
    ),
    (
        "post",
        "/api/logout",
        "ログアウト",
        "ログイン中の誰でも",
        None,
        "Empty",
    ),
    (
        "get",
        "/api/session",
        "現在のセッション",
        "ログイン中の誰でも",
        None,
        "SessionInfo",
    ),
    (
        "get",
        "/api/card/challenge",
        "マイナンバーカードで署名するチャレンジ",
        "誰でも",
        None,
        "CardChallenge",
    ),
    (
        "post",
        "/api/card/login",
        "マイナンバーカードでログイン（被保護者）",
        "誰でも",
        Some("CardLoginRequest"),
        "SessionInfo",
    ),
    (
        "get",
        "/api/office/home",
        "福祉事務所ホーム",
        "地区担当員・査察指導員（自事務所）",
        None,
        "OfficeHome",
    ),
    (
        "get",
        "/api/institution/home",
        "医療機関・薬局ホーム",
        "医療機関・薬局 受付（自機関）",
        None,
        "InstitutionHome",
    ),
    (
        "get",
        "/api/me/home",
        "被保護者ポータルのホーム",
        "被保護者（本人）",
        None,
        "RecipientHome",
    ),
    (
        "get",
        "/api/operator/home",
        "運用者ホーム",
        "システム運用者",
        None,
        "OperatorHome",
    ),
    (
        "get",
        "/api/openapi.json",
        "この OpenAPI 文書",
        "誰でも",
        None,
        "OpenApi",
    ),
];

fn string() -> Value {
    json!({"type": "string"})
}
fn opt_string() -> Value {
    json!({"type": ["string", "null"]})
}
fn int() -> Value {
    json!({"type": "integer", "minimum": 0})
}
fn obj(props: &[(&str, Value)]) -> Value {
    let required: Vec<&str> = props.iter().map(|(k, _)| *k).collect();
    let properties: serde_json::Map<String, Value> = props
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect();
    json!({"type": "object", "properties": properties, "required": required})
}
fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn schemas() -> Value {
    let role = json!({"type": "string", "enum": ["caseworker", "supervisor", "clinic", "recipient", "operator"]});
    let recipient_summary = obj(&[
        ("id", int()),
        ("recipient_number", string()),
        ("name", string()),
        ("name_kana", string()),
        ("birth_date", string()),
        ("qualified_from", opt_string()),
        ("qualified_until", opt_string()),
        ("has_card", json!({"type": "boolean"})),
        ("restricted", json!({"type": "boolean"})),
    ]);
    let ticket_brief = obj(&[
        ("ticket_type", string()),
        ("treatment_month", string()),
        ("institution_code", string()),
        ("institution_name", string()),
        ("treatment_type", string()),
        ("valid_from", string()),
        ("valid_until", string()),
        ("self_pay_amount", json!({"type": "integer"})),
    ]);
    let certificate = obj(&[
        ("format", string()),
        ("serial", string()),
        ("issuer", string()),
        (
            "subject",
            obj(&[
                ("office_number", string()),
                ("recipient_number", string()),
                ("name", string()),
            ]),
        ),
        ("not_before", string()),
        ("not_after", string()),
        ("public_key", string()),
        ("signature", string()),
    ]);
    json!({
        "ApiError": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "enum": ["validation", "unauthenticated", "forbidden", "not_found", "conflict", "rate_limited", "internal"]},
                "message": {"type": "string", "description": "利用者向けの日本語メッセージ"},
                "fields": {"type": "array", "items": obj(&[("field", string()), ("message", string())])}
            },
            "required": ["code", "message"]
        },
        "Empty": {"type": "null"},
        "OpenApi": {"type": "object"},
        "LoginRequest": obj(&[("login", string()), ("password", string())]),
        "CardChallenge": obj(&[("challenge_id", string()), ("challenge", json!({"type": "string", "contentEncoding": "base64"}))]),
        "CardLoginRequest": obj(&[("challenge_id", string()), ("certificate", certificate), ("signature", json!({"type": "string", "contentEncoding": "base64"}))]),
        "SessionInfo": obj(&[
            ("role", role), ("display_name", string()), ("office_number", opt_string()), ("office_name", opt_string()),
            ("institution_code", opt_string()), ("institution_name", opt_string()), ("recipient_number", opt_string()),
            ("today", string()),
        ]),
        "OfficeHome": obj(&[
            ("office_number", string()), ("office_name", string()), ("office_phone", string()),
            ("recipients_active", int()), ("recipients_total", int()), ("recipients_without_card", int()),
            ("tickets_this_month", int()), ("verifications_yesterday", int()),
            ("recent", json!({"type": "array", "items": recipient_summary})),
        ]),
        "InstitutionHome": obj(&[
            ("institution_code", string()), ("institution_name", string()), ("score_table", string()),
            ("online_capable", json!({"type": "boolean"})), ("tickets_this_month", int()), ("verifications_today", int()),
        ]),
        "RecipientHome": obj(&[
            ("name", string()), ("office_number", string()), ("office_name", string()), ("office_phone", string()),
            ("recipient_number", string()), ("qualified_from", opt_string()), ("qualified_until", opt_string()),
            ("tickets_this_month", json!({"type": "array", "items": ticket_brief})),
        ]),
        "OperatorHome": obj(&[
            ("offices", int()), ("institutions", int()), ("recipients", int()), ("tickets", int()),
            ("verifications", int()), ("users", int()), ("database", string()),
        ]),
    })
}

pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, summary, roles, request, response) in OPERATIONS {
        let mut op = json!({
            "summary": summary,
            "description": format!("利用できる役割: {roles}"),
            "responses": {
                "200": {"description": "成功", "content": {"application/json": {"schema": schema_ref(response)}}},
                "4XX": {"description": "入力・認証・権限のエラー", "content": {"application/json": {"schema": schema_ref("ApiError")}}}
            }
        });
        if let Some(request) = request {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": schema_ref(request)}}});
        }
        let entry = paths
            .entry((*path).to_string())
            .or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "扶助オン資 API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "医療扶助のオンライン資格確認。認証はセッションCookie（HttpOnly, SameSite=Strict）または医療機関のBearerトークン（onshi institution-token）。"
        },
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE},
                "institutionToken": {"type": "http", "scheme": "bearer"}
            }
        },
        "paths": paths,
    })
}
