//! The authorization matrix: every route of the OpenAPI document × every kind of caller ×
//! its own ids, another tenant's ids and ids that do not exist, through the real router on
//! the test database (SQLite, or PostgreSQL when `ONSHI_TEST_PG_ADMIN_URL` is set).
//!
//! `MATRIX` (in `support/routes.rs`, shared with the malformed-input test) is the allowed
//! set, written out: a route added to the router or to the OpenAPI
//! document without a row here fails the test, and so does a router route missing from the
//! document (the route table is read from `server/src/http`). For every caller, another
//! tenant's id gets exactly the bytes a missing id gets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "support/routes.rs"]
mod routes;

use std::collections::BTreeSet;
use std::path::Path;

use axum::http::StatusCode;

use routes::*;

// ------------------------------------------------------------------ the router's routes

/// Every `(method, path)` the router registers, read from the `.route(…)` calls of
/// `server/src/http` (axum does not list a router's routes).
fn routed() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
    let mut files = vec![root];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        for unsupported in [".nest(", ".route_service(", ".nest_service("] {
            assert!(
                !source.contains(unsupported),
                "{}: {unsupported} is not read by this test; teach `routed` about it",
                path.display()
            );
        }
        let mut rest = source.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let args = balanced(rest);
            let (path_expr, method_expr) = split_top_level_comma(args);
            let route_path = route_path(path_expr.trim())
                .unwrap_or_else(|| panic!("cannot read the route path `{path_expr}`"));
            let methods = methods(method_expr);
            assert!(!methods.is_empty(), "no method in `{method_expr}`");
            for m in methods {
                found.insert((m, route_path.clone()));
            }
        }
    }
    found
}

/// The text up to the parenthesis closing the one just opened.
fn balanced(s: &str) -> &str {
    let mut depth = 1;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => {
                depth -= 1;
                if depth == 0 {
                    return &s[..i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced route call")
}

fn split_top_level_comma(s: &str) -> (&str, &str) {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => depth -= 1,
            ',' if depth == 0 => return (&s[..i], &s[i + 1..]),
            _ => {}
        }
    }
    panic!("route call without a method router: {s}")
}

fn route_path(expr: &str) -> Option<String> {
    if let Some(literal) = expr.strip_prefix('"') {
        return literal.strip_suffix('"').map(str::to_string);
    }
    use domain::onshi_xml::Exchange;
    let exchange = match expr {
        "Exchange::Qualification.path()" => Exchange::Qualification,
        "Exchange::BulkRequest.path()" => Exchange::BulkRequest,
        "Exchange::BulkResult.path()" => Exchange::BulkResult,
        _ => return None,
    };
    Some(exchange.path().to_string())
}

/// The HTTP methods of a method router expression (`get(a).post(b).layer(…)`).
fn methods(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut word = String::new();
    for c in expr.chars() {
        match c {
            '(' => {
                if depth == 0 && ["get", "post", "put", "delete", "patch", "any"].contains(&&*word)
                {
                    out.push(word.clone());
                }
                depth += 1;
                word.clear();
            }
            ')' => {
                depth -= 1;
                word.clear();
            }
            c if c.is_alphanumeric() || c == '_' => word.push(c),
            _ => word.clear(),
        }
    }
    out
}

/// The `any` routes of `http/onshi.rs` that answer an unknown request kind.
const ONSHI_CATCH_ALL: [&str; 3] = ["/onshi", "/onshi/", "/onshi/{*kind}"];

fn documented() -> BTreeSet<(String, String)> {
    let mut generator = schemars::generate::SchemaGenerator::default();
    server::http::openapi::operations(&mut generator)
        .into_iter()
        .map(|op| (op.method.to_string(), op.path.to_string()))
        .collect()
}

#[test]
fn the_router_the_openapi_document_and_the_matrix_list_the_same_routes() {
    let mut routed = routed();
    // The catch-all routes under /onshi/ only answer the XML error of an unknown request
    // kind (docs/onshi-xml.md §4); they are not operations of the OpenAPI document. They are
    // listed here exactly, so another `any` route fails this test.
    let catch_all: BTreeSet<(String, String)> = ONSHI_CATCH_ALL
        .iter()
        .map(|p| ("any".to_string(), p.to_string()))
        .collect();
    let any_routes: BTreeSet<(String, String)> =
        routed.iter().filter(|(m, _)| m == "any").cloned().collect();
    assert_eq!(
        any_routes, catch_all,
        "`any` routes other than /onshi/'s catch-all"
    );
    routed.retain(|(m, _)| m != "any");
    let documented = documented();
    let matrix: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(matrix.len(), MATRIX.len(), "a route twice in MATRIX");
    assert!(
        routed.len() > 50,
        "the route table was not read: {routed:?}"
    );
    assert_eq!(
        routed.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routed but not in the OpenAPI document"
    );
    assert_eq!(
        documented.difference(&routed).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "in the OpenAPI document but not routed"
    );
    assert_eq!(
        documented.symmetric_difference(&matrix).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "the OpenAPI document and MATRIX differ"
    );
    for (_, _, row) in MATRIX {
        assert_eq!(row.len(), EVERYONE.len(), "{row}");
    }
}

fn class(status: StatusCode) -> u8 {
    match status.as_u16() {
        200..=299 => b'A',
        401 => b'U',
        403 => b'F',
        404 => b'N',
        _ => b'?',
    }
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_matrix_says() {
    let world = World::new().await;
    let mut failures = Vec::new();
    let mut observed_rows = Vec::new();
    for (method, path, row) in MATRIX {
        let mut observed = String::new();
        for (i, who) in EVERYONE.iter().copied().enumerate() {
            let expected = row.as_bytes()[i];
            if path.contains('{') {
                let missing = world.call(method, path, who, Ids::Missing).await;
                let other = world.call(method, path, who, Ids::Other).await;
                if (other.status, &other.content_type, &other.bytes)
                    != (missing.status, &missing.content_type, &missing.bytes)
                {
                    failures.push(format!(
                        "{who:?} {method} {path}: another tenant's id answers {} {} but a missing id {} {}",
                        other.status,
                        other.text(),
                        missing.status,
                        missing.text()
                    ));
                }
                if expected == b'A' && other.status != StatusCode::NOT_FOUND {
                    failures.push(format!(
                        "{who:?} {method} {path}: another tenant's id answers {} {}",
                        other.status,
                        other.text()
                    ));
                }
            }
            let own = world.call(method, path, who, Ids::Own).await;
            let got = class(own.status);
            observed.push(got as char);
            if got != expected {
                failures.push(format!(
                    "{who:?} {method} {path}: expected {}, got {} {}",
                    expected as char,
                    own.status,
                    own.text()
                ));
            }
        }
        if SESSION_ROUTES.contains(path) {
            world.renew_sessions().await;
        }
        observed_rows.push(format!("(\"{method}\", \"{path}\", \"{observed}\"),"));
    }
    assert!(
        failures.is_empty(),
        "{}\n\nobserved:\n{}",
        failures.join("\n"),
        observed_rows.join("\n")
    );
}
