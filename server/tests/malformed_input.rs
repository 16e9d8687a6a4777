//! Malformed input on every route of the OpenAPI document, sent by a caller the route
//! allows (from `MATRIX`): invalid JSON, wrong types, huge and deeply nested bodies, control
//! characters, path traversal and junk in path parameters and queries, and garbage uploads.
//! Nothing answers 5xx; every refusal carries a Japanese message (the `ApiError` JSON on
//! `/api`, the XML error of `docs/onshi-xml.md` on `/onshi`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "support/routes.rs"]
mod routes;

use serde_json::{json, Value};

use routes::*;

/// A refusal's message is Japanese: hiragana, katakana or kanji.
fn japanese(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{3040}'..='\u{30FF}' | '\u{4E00}'..='\u{9FFF}'))
}

struct Checker {
    failures: Vec<String>,
    sent: usize,
}

impl Checker {
    /// No 5xx; a refusal explains itself in Japanese; `must_refuse` inputs are refused.
    fn check(&mut self, what: &str, path: &str, answer: &Answer, must_refuse: bool) {
        self.sent += 1;
        let status = answer.status;
        if status.is_server_error() {
            self.failures
                .push(format!("{what} {path}: {status} {}", answer.text()));
            return;
        }
        // The 健診・レセ電 imports answer a report: refused when `accepted` is false.
        let report = answer.json();
        if status.is_success() && report["accepted"] == json!(false) {
            let message = report["errors"][0]["message"].as_str().unwrap_or("");
            if !japanese(message) {
                self.failures.push(format!(
                    "{what} {path}: refused without a Japanese message: {}",
                    answer.text()
                ));
            }
            return;
        }
        // The outbox sync answers each item: refused when every item is rejected.
        if status.is_success() {
            if let Some(items) = report["items"].as_array() {
                let rejected = |i: &Value| i["status"] == json!("rejected");
                if !items.is_empty() && items.iter().all(rejected) {
                    let message = items[0]["errors"][0]["message"].as_str().unwrap_or("");
                    if !japanese(message) {
                        self.failures.push(format!(
                            "{what} {path}: item refused without a Japanese message: {}",
                            answer.text()
                        ));
                    }
                    return;
                }
            }
        }
        if must_refuse && status.is_success() {
            self.failures.push(format!(
                "{what} {path}: accepted ({status}) {}",
                answer.text()
            ));
        }
        if status.is_client_error() {
            let message = if path.starts_with("/onshi/") {
                String::from_utf8_lossy(&answer.bytes).to_string()
            } else {
                let json = answer.json();
                if !answer.content_type.starts_with("application/json") {
                    self.failures.push(format!(
                        "{what} {path}: {status} answered {} not JSON: {}",
                        answer.content_type,
                        answer.text()
                    ));
                }
                json["message"].as_str().unwrap_or("").to_string()
            };
            let message = decode_sjis_if_needed(&answer.bytes, message);
            if !japanese(&message) {
                self.failures.push(format!(
                    "{what} {path}: {status} without a Japanese message: {}",
                    answer.text()
                ));
            }
        }
    }
}

/// onshi XML answers in the request's encoding: Shift_JIS bytes are not UTF-8 text.
fn decode_sjis_if_needed(bytes: &[u8], text: String) -> String {
    if std::str::from_utf8(bytes).is_ok() {
        return text;
    }
    encoding_rs::SHIFT_JIS.decode(bytes).0.into_owned()
}

/// Each value of a JSON object replaced by one of another type, one field at a time, and
/// the whole body replaced by other JSON types.
fn wrong_types(valid: &Value) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = [json!([]), json!("text"), json!(null), json!(12)]
        .into_iter()
        .map(|v| (format!("body {v}"), v))
        .collect();
    if let Some(object) = valid.as_object() {
        for (field, value) in object {
            let wrong = match value {
                Value::String(_) => vec![json!(12345), json!(["a"]), json!({"a": 1})],
                Value::Number(_) => vec![json!("12"), json!(1e308), json!(-1)],
                Value::Bool(_) => vec![json!("true"), json!(1)],
                Value::Array(_) => vec![json!("a"), json!({}), json!([1, 2])],
                Value::Object(_) => vec![json!("a"), json!([])],
                Value::Null => vec![json!(1)],
            };
            for w in wrong {
                let mut body = valid.clone();
                body[field] = w.clone();
                out.push((format!("{field}={w}"), body));
            }
            let mut missing = valid.clone();
            missing.as_object_mut().unwrap().remove(field);
            out.push((format!("without {field}"), missing));
        }
    }
    out
}

/// Every string of a JSON value with `around` before and after it.
fn around_strings(value: &Value, around: &str) -> Value {
    match value {
        Value::String(s) => Value::String(format!("{around}{s}{around}")),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| around_strings(v, around)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), around_strings(v, around)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Escape, bidi override, a non-character and line breaks.
const CONTROL: &str = "\u{1b}[31m\u{202e}\u{ffff}\r\n\t\u{7f}";

fn has_string(value: &Value) -> bool {
    match value {
        Value::String(_) => true,
        Value::Array(items) => items.iter().any(has_string),
        Value::Object(map) => map.values().any(has_string),
        _ => false,
    }
}

const JSON: &str = "application/json";

/// Bodies that are not JSON at all, or that JSON parsers choke on.
fn broken_json() -> Vec<(&'static str, Vec<u8>)> {
    let depth = 100_000;
    vec![
        ("empty body", Vec::new()),
        ("truncated JSON", br#"{"a": "#.to_vec()),
        ("not JSON", b"login=x&password=y".to_vec()),
        ("invalid UTF-8", b"{\"reason\": \"\xff\xfe\x80\"}".to_vec()),
        ("NUL bytes", b"\0\0\0\0".to_vec()),
        (
            "deeply nested arrays",
            format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes(),
        ),
        (
            "deeply nested objects",
            format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth)).into_bytes(),
        ),
        (
            "huge body (3 MiB string)",
            format!(r#"{{"reason": "{}"}}"#, "あ".repeat(1 << 20)).into_bytes(),
        ),
        (
            "huge number",
            format!("{{\"a\": 1{}}}", "0".repeat(100_000)).into_bytes(),
        ),
    ]
}

/// Junk in place of a path parameter.
const BAD_IDS: &[&str] = &[
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e",
    "..",
    "-1",
    "0",
    "99999999999999999999999",
    "1%00",
    "%E3%81%82",
    "1;DROP%20TABLE%20recipients",
    "%FF",
];

const BAD_QUERY: &str = "?q=%1B%E2%80%AE&month=..%2F..&page=-1&fiscal_year=99999999999999999999&status=%FF&mine=maybe&from_month=13-99&verified_on=x&name=..%2F..%2Fetc%2Fpasswd&skip_unmatched=%00&months=..%2F-1";

fn allowed(row: &str) -> Who {
    let i = row.find('A').expect("someone may call every route");
    EVERYONE[i]
}

#[tokio::test]
async fn malformed_input_never_answers_5xx_and_refuses_in_japanese() {
    let world = World::new().await;
    let mut checker = Checker {
        failures: Vec::new(),
        sent: 0,
    };
    for (method, path, row) in MATRIX {
        let who = allowed(row);
        let verb = method.to_uppercase();
        let valid = world.request(method, path, who, Ids::Own).await;
        let send = |path: String, body: Option<(&'static str, Vec<u8>)>| {
            let auth = valid.auth.clone();
            let verb = verb.clone();
            let world = &world;
            async move { raw(&world.app, &verb, &path, &auth, body).await }
        };

        // Path traversal and junk in each path parameter.
        if path.contains('{') {
            for bad in BAD_IDS {
                let concrete: String = path
                    .split('/')
                    .map(|s| if s.starts_with('{') { *bad } else { s })
                    .collect::<Vec<_>>()
                    .join("/");
                let answer = send(concrete.clone(), valid.body.clone()).await;
                checker.check(&format!("{verb} id {bad}"), &concrete, &answer, true);
            }
            let traversal = path.replace("{id}", "1/../../../etc/passwd");
            let traversal = traversal.replace("{ticket_id}", "1/../../../etc/passwd");
            let answer = send(traversal.clone(), valid.body.clone()).await;
            checker.check(&format!("{verb} raw ../"), &traversal, &answer, true);
        }

        // Junk in the query.
        let (bare, _) = valid.path.split_once('?').unwrap_or((&valid.path, ""));
        let answer = send(format!("{bare}{BAD_QUERY}"), valid.body.clone()).await;
        checker.check(&format!("{verb} bad query"), bare, &answer, false);
        let answer = send(format!("{bare}?q=a%00b"), valid.body.clone()).await;
        checker.check(&format!("{verb} NUL in the query"), bare, &answer, true);

        let Some((content_type, body)) = valid.body.clone() else {
            if SESSION_ROUTES.contains(path) {
                world.renew_sessions().await;
            }
            continue;
        };
        if content_type == JSON {
            let parsed: Value = serde_json::from_slice(&body).unwrap();
            for (what, bytes) in broken_json() {
                let answer = send(valid.path.clone(), Some((JSON, bytes))).await;
                // Where every field is optional (`{}`), unknown fields are ignored: an
                // object the parser reads to its end is a valid request.
                let ignorable = [
                    "empty body",
                    "invalid UTF-8",
                    "deeply nested objects",
                    "huge number",
                ];
                let must_refuse = !(parsed == json!({}) && ignorable.contains(&what));
                checker.check(&format!("{verb} {what}"), path, &answer, must_refuse);
            }
            for (what, wrong) in wrong_types(&parsed) {
                let answer = send(
                    valid.path.clone(),
                    Some((JSON, wrong.to_string().into_bytes())),
                )
                .await;
                checker.check(&format!("{verb} {what}"), path, &answer, false);
            }
            let controlled = around_strings(&parsed, CONTROL);
            let answer = send(
                valid.path.clone(),
                Some((JSON, controlled.to_string().into_bytes())),
            )
            .await;
            // Control, bidi and noncharacters: no field takes them (domain::text).
            checker.check(
                &format!("{verb} control characters"),
                path,
                &answer,
                has_string(&parsed),
            );
            // NUL: PostgreSQL cannot store it in text, so no field may carry one.
            let nul = around_strings(&parsed, "\u{0}");
            let answer = send(
                valid.path.clone(),
                Some((JSON, nul.to_string().into_bytes())),
            )
            .await;
            checker.check(&format!("{verb} NUL"), path, &answer, has_string(&parsed));
            let answer = send(valid.path.clone(), Some(("text/plain", body.clone()))).await;
            checker.check(&format!("{verb} as text/plain"), path, &answer, true);
        } else {
            // Uploads: a file of the wrong kind, garbage, a truncated file, too much.
            let limit = if path.starts_with("/onshi/") {
                domain::onshi_xml::MAX_REQUEST_BYTES
            } else if *path == "/api/office/claims-check" {
                domain::claims::MAX_ZIP_BYTES
            } else {
                server::http::health::MAX_UPLOAD_BYTES
            };
            let nested = format!("<a>{}", "<a>".repeat(100_000)).into_bytes();
            let mut control = b"\0\x1b[31m\xe2\x80\xae".to_vec();
            control.extend_from_slice(&body);
            let uploads: Vec<(&str, &'static str, Vec<u8>)> = vec![
                ("empty upload", content_type, Vec::new()),
                (
                    "garbage upload",
                    content_type,
                    b"\xff\xfe\x00garbage\r\n,,,".to_vec(),
                ),
                (
                    "truncated upload",
                    content_type,
                    body[..body.len() / 2].to_vec(),
                ),
                ("control characters first", content_type, control),
                ("JSON instead", JSON, br#"{"a": 1}"#.to_vec()),
                ("deeply nested", content_type, nested),
                ("over the limit", content_type, vec![b'a'; limit + 1]),
            ];
            for (what, content_type, bytes) in uploads {
                let answer = send(valid.path.clone(), Some((content_type, bytes))).await;
                // A ZIP may carry anything before its first entry (self-extracting archives).
                let must_refuse =
                    !(what == "control characters first" && content_type == "application/zip");
                checker.check(&format!("{verb} {what}"), path, &answer, must_refuse);
            }
        }
        if SESSION_ROUTES.contains(path) {
            world.renew_sessions().await;
        }
    }
    assert!(checker.sent > 500, "only {} requests sent", checker.sent);
    assert!(
        checker.failures.is_empty(),
        "{} of {} requests:\n{}",
        checker.failures.len(),
        checker.sent,
        checker.failures.join("\n")
    );
}

#[test]
fn japanese_means_kana_or_kanji() {
    assert!(japanese("該当する受給者が見つかりません。"));
    assert!(japanese("ログインしてください。"));
    assert!(!japanese("length limit exceeded"));
    assert!(!japanese("Failed to parse the request body as JSON"));
}
