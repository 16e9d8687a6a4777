//! onshi XML for レセコン (issue 8): hand-written requests from the real layout
//! (docs/samples/onshi) against the fixture, every answer checked against what existing
//! clients require (`domain::onshi_xml::conformance`, domain-reference.md §3.4); the bulk
//! pair; hostile input; the `onshi terminal` folder exchange end to end; the claims check.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use chrono::NaiveDate;
use http_body_util::BodyExt;
use tower::ServiceExt;

use common::*;
use domain::onshi_xml::conformance::violations;
use domain::onshi_xml::read::{decode, parse_tree, Element};
use domain::onshi_xml::{Exchange, XmlEncoding};

fn sample(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../docs/samples/onshi/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn today() -> NaiveDate {
    server::db::today_jst()
}

fn month_bounds(date: NaiveDate) -> (NaiveDate, NaiveDate) {
    domain::ticket::month_bounds(&domain::ticket::month_of(date)).unwrap()
}

/// A 医療券 (or 調剤券 at a pharmacy) for a recipient of `office`, `from..=until`.
async fn ticket(
    f: &Fixture,
    office: &str,
    recipient: &str,
    issue: &str,
    institution: &str,
    from: NaiveDate,
    until: NaiveDate,
) {
    let pharmacy = institution == PHARMACY;
    sqlx::query(
        "INSERT INTO tickets (office_number, recipient_id, ticket_type, issue_number, treatment_month, valid_from, valid_until, \
                              institution_code, prescriber_code, treatment_type, injury_name1, self_pay_amount, single_or_combined, \
                              social_insurance, infection_law, elderly_care, prefectural_expense, district_contact, handling_contact, \
                              remarks1, created_at, created_by) \
         VALUES ($1, (SELECT id FROM recipients WHERE office_number = $1 AND recipient_number = $2), $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                 1200, '01', '02', '02', '02', '02', '山川 太郎', '福祉 一郎', '後発医薬品を使用', '2026-01-01T00:00:00.000000Z', 'test')",
    )
    .bind(office)
    .bind(recipient)
    .bind(if pharmacy { "02" } else { "01" })
    .bind(issue)
    .bind(domain::ticket::month_of(from))
    .bind(from.to_string())
    .bind(until.to_string())
    .bind(institution)
    .bind(pharmacy.then(|| CLINIC.to_string()))
    .bind(if pharmacy { "04" } else { "02" })
    .bind((!pharmacy).then(|| "高血圧症".to_string()))
    .execute(&f.db.pool)
    .await
    .unwrap();
}

/// The fixture, plus a recipient whose 保護 ended (verdict 2), this month's 医療券 for
/// 東京 一郎 at the clinic (verdict 1), and the clinic's bearer token.
async fn setup() -> (Fixture, String) {
    let f = fixture().await;
    sqlx::query(
        "INSERT INTO recipients (office_number, recipient_number, name, name_kana, sex, birth_date, qualified_from, qualified_until, created_at, updated_at) \
         VALUES ('12131017', '0000026', '廃止　花子', 'ハイシ　ハナコ', 2, '1950-01-15', '2020-01-01', '2023-03-31', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')",
    )
    .execute(&f.db.pool)
    .await
    .unwrap();
    adopt_pairs(&f).await;
    let (first, last) = month_bounds(today());
    ticket(&f, TOKYO, "1234566", "T-0001", CLINIC, first, last).await;
    let token = server::auth::add_institution_token(&f.db, CLINIC)
        .await
        .unwrap();
    (f, token)
}

struct XmlReply {
    status: StatusCode,
    content_type: String,
    bytes: Vec<u8>,
}

impl XmlReply {
    fn root(&self) -> Element {
        let (text, _) = decode(&self.bytes).unwrap_or_else(|e| panic!("{:?}", e.0));
        parse_tree(&text).unwrap()
    }

    fn text(&self, path: &[&str]) -> Option<String> {
        self.root().text_at(path).map(str::to_string)
    }

    fn result_code(&self) -> Option<String> {
        self.text(&["MessageBody", "ProcessingResultCode"])
    }
}

async fn post_xml(
    app: &Router,
    exchange: Exchange,
    token: Option<&str>,
    body: Vec<u8>,
) -> XmlReply {
    let mut builder = Request::builder()
        .method("POST")
        .uri(exchange.path())
        .header(header::CONTENT_TYPE, "application/xml");
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = app
        .clone()
        .oneshot(builder.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    XmlReply {
        status,
        content_type,
        bytes,
    }
}

async fn count(f: &Fixture, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    n
}

const RESULT: [&str; 3] = [
    "MessageBody",
    "ResultList",
    "ResultOfQualificationConfirmation",
];

#[tokio::test]
async fn each_verdict_from_hand_written_requests_in_both_encodings() {
    let (f, token) = setup().await;
    let app = f.app();
    for (file, validity) in [
        ("verdict1", "1"),
        ("verdict2", "2"),
        ("verdict4", "4"),
        ("verdict6", "6"),
    ] {
        for (enc, encoding) in [("utf8", XmlEncoding::Utf8), ("sjis", XmlEncoding::ShiftJis)] {
            let name = format!("OQSsiquc01req_{file}_{enc}.xml");
            let reply = post_xml(&app, Exchange::Qualification, Some(&token), sample(&name)).await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{name}: {}",
                String::from_utf8_lossy(&reply.bytes)
            );
            assert_eq!(reply.content_type, encoding.content_type(), "{name}");
            assert_eq!(
                decode(&reply.bytes).unwrap().1,
                encoding,
                "{name}: answered in the request's encoding"
            );
            assert_eq!(
                violations(&reply.bytes, Exchange::Qualification),
                Vec::<String>::new(),
                "{name}"
            );
            let root = reply.root();
            let text = |path: &[&str]| root.text_at(path).map(str::to_string);
            let result = |item: &str| {
                let mut path = RESULT.to_vec();
                path.push(item);
                text(&path)
            };
            assert_eq!(
                text(&["MessageBody", "QualificationValidity"]).as_deref(),
                Some(validity),
                "{name}"
            );
            assert_eq!(
                text(&["MessageHeader", "MedicalInstitutionCode"]).as_deref(),
                Some(CLINIC)
            );
            assert_eq!(
                text(&["MessageHeader", "ReferenceClassification"]).as_deref(),
                Some("2")
            );
            assert_eq!(
                text(&["MessageHeader", "CharacterCodeIdentifier"]).as_deref(),
                Some(encoding.character_code_identifier())
            );
            assert_eq!(
                text(&["MessageHeader", "QualificationConfirmationDate"]),
                Some(today().format("%Y%m%d").to_string())
            );
            assert!(text(&["MessageHeader", "ArbitraryFileIdentifier"])
                .unwrap()
                .starts_with("REQ-"));
            assert_eq!(result("InsuredCardClassification").as_deref(), Some("A1"));
            let tickets: Vec<String> = root
                .at(&[
                    "MessageBody",
                    "ResultList",
                    "ResultOfQualificationConfirmation",
                    "PublicExpenseResultList",
                ])
                .map(|l| {
                    l.children_named("MedicalTicketInfo")
                        .filter_map(|t| t.text_at(&["IssueNumber"]).map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let body = encoding_rs::SHIFT_JIS.decode(&reply.bytes).0.into_owned();
            let body = if encoding == XmlEncoding::Utf8 {
                String::from_utf8(reply.bytes.clone()).unwrap()
            } else {
                body
            };
            match validity {
                "1" => {
                    assert_eq!(result("Name").as_deref(), Some("東京　一郎"));
                    assert_eq!(result("NameKana").as_deref(), Some("ﾄｳｷｮｳ ｲﾁﾛｳ"));
                    assert_eq!(result("InsurerName").as_deref(), Some("テスト区福祉事務所"));
                    assert_eq!(tickets, vec!["T-0001"]);
                    let ticket = root
                        .at(&[
                            "MessageBody",
                            "ResultList",
                            "ResultOfQualificationConfirmation",
                            "PublicExpenseResultList",
                            "MedicalTicketInfo",
                        ])
                        .unwrap();
                    assert_eq!(
                        ticket.text_at(&["DesignatedMedicalInstitutionFlag"]),
                        Some("0")
                    );
                    assert_eq!(ticket.text_at(&["InjuryName1"]), Some("高血圧症"));
                    assert_eq!(
                        ticket
                            .text_at(&["MedicalTreatmentMonth"])
                            .map(str::to_string),
                        Some(today().format("%Y%m").to_string())
                    );
                }
                "2" => {
                    assert_eq!(result("Name").as_deref(), Some("廃止　花子"));
                    assert_eq!(result("DisqualificationDate").as_deref(), Some("20230331"));
                    assert!(tickets.is_empty());
                }
                "4" => {
                    assert_eq!(result("Name").as_deref(), Some("該当資格なし"));
                    assert_eq!(result("Birthdate").as_deref(), Some("19600402"));
                    for withheld in ["東京", "テスト区", "19600401", "T-0001"] {
                        assert!(!body.contains(withheld), "{name}: 4 leaks {withheld}");
                    }
                }
                "6" => {
                    assert_eq!(result("Name").as_deref(), Some("大阪　花子"));
                    assert!(tickets.is_empty(), "未委託: no ticket");
                    for withheld in [
                        "PublicExpenseResultList",
                        "T-0001",
                        "高血圧症",
                        "テスト内科",
                    ] {
                        assert!(!body.contains(withheld), "{name}: 6 leaks {withheld}");
                    }
                    let message = text(&["MessageBody", "ProcessingResultMessage"]).unwrap();
                    assert!(
                        message.contains("未委託・未登録") && message.contains("06-0000-0000"),
                        "{message}"
                    );
                }
                _ => unreachable!(),
            }
        }
    }
    // Every answer is one 資格確認実績 (照会区分 2, by the clinic), with the verdict.
    let stored = count(&f, "SELECT COUNT(*) FROM verifications WHERE reference_class = 2 AND institution_code = '1311234569' AND client_id LIKE 'onshi:%'").await;
    assert_eq!(stored, 8);
    for (validity, n) in [(1, 2), (2, 2), (4, 2), (6, 2)] {
        let got = count(&f, &format!("SELECT COUNT(*) FROM verifications WHERE validity = {validity} AND client_id LIKE 'onshi:%'")).await;
        assert_eq!(got, n, "verdict {validity}");
    }
    // The same request file sent again is the same verification, answered the same way.
    let again = post_xml(
        &app,
        Exchange::Qualification,
        Some(&token),
        sample("OQSsiquc01req_verdict1_sjis.xml"),
    )
    .await;
    assert_eq!(
        again
            .text(&["MessageBody", "QualificationValidity"])
            .as_deref(),
        Some("1")
    );
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM verifications WHERE client_id LIKE 'onshi:%'"
        )
        .await,
        8
    );
    // The verification shows in the recipient's 自己情報の提供記録 as the clinic's.
    let audited = count(
        &f,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'verification' AND actor_id = '1311234569'",
    )
    .await;
    assert!(audited >= 6, "{audited}");
}

#[tokio::test]
async fn token_and_institution_must_match() {
    let (f, token) = setup().await;
    let app = f.app();
    let request = sample("OQSsiquc01req_verdict1_utf8.xml");
    let none = post_xml(&app, Exchange::Qualification, None, request.clone()).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.result_code().as_deref(), Some("FJ0301"));
    let wrong = post_xml(
        &app,
        Exchange::Qualification,
        Some("not-a-token"),
        request.clone(),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    // A session cookie is not enough: this route is for machine clients.
    let cookie = login(&app, "clinic").await;
    let with_cookie = app
        .clone()
        .oneshot(
            Request::builder()
                .method("POST")
                .uri(Exchange::Qualification.path())
                .header(header::CONTENT_TYPE, "application/xml")
                .header(header::COOKIE, cookie)
                .body(Body::from(request.clone()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(with_cookie.status(), StatusCode::UNAUTHORIZED);
    // The pharmacy's token asking as the clinic.
    let pharmacy = server::auth::add_institution_token(&f.db, PHARMACY)
        .await
        .unwrap();
    let other = post_xml(
        &app,
        Exchange::Qualification,
        Some(&pharmacy),
        request.clone(),
    )
    .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(other.result_code().as_deref(), Some("FJ0302"));
    assert_eq!(
        violations(&other.bytes, Exchange::Qualification),
        Vec::<String>::new()
    );
    for reply in [&none, &wrong, &other] {
        assert!(
            reply
                .text(&["MessageBody", "QualificationValidity"])
                .is_none(),
            "no verdict"
        );
        assert_eq!(
            reply.text(&["MessageHeader", "SegmentOfResult"]).as_deref(),
            Some("9")
        );
    }
    assert_eq!(
        count(&f, "SELECT COUNT(*) FROM verifications").await,
        0,
        "nothing recorded"
    );
    // The right token works.
    let ok = post_xml(&app, Exchange::Qualification, Some(&token), request).await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn hostile_and_malformed_requests_get_an_error_result() {
    let (f, token) = setup().await;
    let app = f.app();
    let laughs = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><XmlMsg><MessageHeader><MedicalInstitutionCode>&lol3;</MedicalInstitutionCode></MessageHeader></XmlMsg>"#.to_vec();
    let external = br#"<?xml version="1.0"?><!DOCTYPE XmlMsg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><XmlMsg>&xxe;</XmlMsg>"#.to_vec();
    let mut huge = sample("OQSsiquc01req_verdict1_utf8.xml");
    huge.extend(std::iter::repeat_n(b' ', 20 * 1024 * 1024));
    let mut bad_sjis = sample("OQSsiquc01req_verdict1_sjis.xml");
    let at = bad_sjis.iter().position(|b| *b >= 0x80).unwrap();
    bad_sjis[at] = 0x81;
    bad_sjis[at + 1] = 0x20;
    let bad_number = String::from_utf8(sample("OQSsiquc01req_verdict1_utf8.xml"))
        .unwrap()
        .replace("1234566", "1234567")
        .into_bytes();
    let future = String::from_utf8(sample("OQSsiquc01req_verdict1_utf8.xml"))
        .unwrap()
        .replace("19600401", "29990101")
        .into_bytes();
    for (name, body, status, code) in [
        ("billion laughs", laughs, StatusCode::BAD_REQUEST, "FJ0102"),
        (
            "external entity",
            external,
            StatusCode::BAD_REQUEST,
            "FJ0102",
        ),
        ("20 MB", huge, StatusCode::PAYLOAD_TOO_LARGE, "FJ0103"),
        (
            "invalid Shift_JIS",
            bad_sjis,
            StatusCode::BAD_REQUEST,
            "FJ0104",
        ),
        (
            "not XML",
            b"\x00\x01\x02garbage".to_vec(),
            StatusCode::BAD_REQUEST,
            "FJ0104",
        ),
        (
            "unclosed",
            b"<XmlMsg><MessageHeader>".to_vec(),
            StatusCode::BAD_REQUEST,
            "FJ0101",
        ),
        ("check digit", bad_number, StatusCode::BAD_REQUEST, "FJ0202"),
        (
            "birth date in the future",
            future,
            StatusCode::BAD_REQUEST,
            "FJ0202",
        ),
    ] {
        let reply = post_xml(&app, Exchange::Qualification, Some(&token), body).await;
        assert_eq!(
            reply.status,
            status,
            "{name}: {}",
            String::from_utf8_lossy(&reply.bytes)
        );
        assert_eq!(reply.result_code().as_deref(), Some(code), "{name}");
        assert!(reply.content_type.starts_with("application/xml"), "{name}");
        let mut problems = violations(&reply.bytes, Exchange::Qualification);
        problems.retain(|p| !p.contains("MedicalInstitutionCode"));
        assert_eq!(problems, Vec::<String>::new(), "{name}");
        let message = reply
            .text(&["MessageBody", "ProcessingResultMessage"])
            .unwrap();
        assert!(
            message
                .chars()
                .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
            "{name}: Japanese message: {message}"
        );
    }
    // JSON sent to the XML route.
    let json = app
        .clone()
        .oneshot(
            Request::builder()
                .method("POST")
                .uri(Exchange::Qualification.path())
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(count(&f, "SELECT COUNT(*) FROM verifications").await, 0);
    // And the server is still there.
    let health = send(&app, "GET", "/healthz", None, None).await;
    assert_eq!(health.status, StatusCode::OK);
}

/// Issue 15 item 8: every answer under `/onshi/` is an XML result — an unknown or
/// wrongly-cased request kind, another method, and a request with no Content-Type.
#[tokio::test]
async fn unknown_kinds_wrong_methods_and_missing_content_type_get_an_xml_error() {
    let (f, token) = setup().await;
    let app = f.app();
    let request = sample("OQSsiquc01req_verdict1_utf8.xml");
    let cases: [(&str, &str, Option<&str>, StatusCode, &str); 7] = [
        (
            "POST",
            "/onshi/OQSfoo01req",
            Some("application/xml"),
            StatusCode::NOT_FOUND,
            "FJ0501",
        ),
        (
            "POST",
            "/onshi/oqssiquc01req",
            Some("application/xml"),
            StatusCode::NOT_FOUND,
            "FJ0501",
        ),
        (
            "POST",
            "/onshi/OQSsiquc01req/extra",
            Some("application/xml"),
            StatusCode::NOT_FOUND,
            "FJ0501",
        ),
        ("GET", "/onshi/", None, StatusCode::NOT_FOUND, "FJ0501"),
        ("GET", "/onshi", None, StatusCode::NOT_FOUND, "FJ0501"),
        (
            "GET",
            "/onshi/OQSsiquc01req",
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            "FJ0105",
        ),
        (
            "POST",
            "/onshi/OQSsiquc01req",
            None,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "FJ0105",
        ),
    ];
    for (method, uri, content_type, status, code) in cases {
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        let response = app
            .clone()
            .oneshot(builder.body(Body::from(request.clone())).unwrap())
            .await
            .unwrap();
        let name = format!("{method} {uri}");
        assert_eq!(response.status(), status, "{name}");
        let content_type = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            content_type.starts_with("application/xml"),
            "{name}: {content_type}"
        );
        let bytes = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        let reply = XmlReply {
            status,
            content_type,
            bytes,
        };
        assert_eq!(reply.result_code().as_deref(), Some(code), "{name}");
        let message = reply
            .text(&["MessageBody", "ProcessingResultMessage"])
            .unwrap();
        assert!(
            message
                .chars()
                .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
            "{name}: Japanese message: {message}"
        );
    }
    assert_eq!(count(&f, "SELECT COUNT(*) FROM verifications").await, 0);
}

/// A Shift_JIS sample with each `from` replaced by `to`, still in Shift_JIS.
fn sjis_sample_with(name: &str, replacements: &[(&str, &str)]) -> Vec<u8> {
    let mut text = encoding_rs::SHIFT_JIS.decode(&sample(name)).0.into_owned();
    for (from, to) in replacements {
        text = text.replace(from, to);
    }
    encoding_rs::SHIFT_JIS.encode(&text).0.into_owned()
}

fn with_reception_number(number: &str) -> Vec<u8> {
    sjis_sample_with(
        "OQSmutic02req_sample_sjis.xml",
        &[("2024041012345678", number)],
    )
}

#[tokio::test]
async fn bulk_request_then_result_with_polling() {
    let (f, token) = setup().await;
    let app = f.app();
    // The sample asks for 2024年4月: two 医療券 at the clinic that month, and one elsewhere.
    ticket(
        &f,
        TOKYO,
        "1234566",
        "B-0401",
        CLINIC,
        d("2024-04-01"),
        d("2024-04-15"),
    )
    .await;
    ticket(
        &f,
        TOKYO,
        "1234566",
        "B-0402",
        CLINIC,
        d("2024-04-16"),
        d("2024-04-30"),
    )
    .await;
    ticket(
        &f,
        OSAKA,
        "0000018",
        "B-0403",
        PHARMACY,
        d("2024-04-01"),
        d("2024-04-30"),
    )
    .await;
    let accepted = post_xml(
        &app,
        Exchange::BulkRequest,
        Some(&token),
        sample("OQSmutic01req_sample_sjis.xml"),
    )
    .await;
    assert_eq!(
        accepted.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&accepted.bytes)
    );
    assert_eq!(
        violations(&accepted.bytes, Exchange::BulkRequest),
        Vec::<String>::new()
    );
    assert_eq!(decode(&accepted.bytes).unwrap().1, XmlEncoding::ShiftJis);
    let number = accepted.text(&["MessageBody", "ReceptionNumber"]).unwrap();
    assert_eq!(number.len(), 16);
    // Sent again (a レセコン retrying): the same reception, nothing new.
    let again = post_xml(
        &app,
        Exchange::BulkRequest,
        Some(&token),
        sample("OQSmutic01req_sample_sjis.xml"),
    )
    .await;
    assert_eq!(
        again.text(&["MessageBody", "ReceptionNumber"]),
        Some(number.clone())
    );
    assert_eq!(count(&f, "SELECT COUNT(*) FROM bulk_requests").await, 1);
    // Poll as a レセコン does: SegmentOfResult 2 until ready.
    let mut result = None;
    for _ in 0..200 {
        let reply = post_xml(
            &app,
            Exchange::BulkResult,
            Some(&token),
            with_reception_number(&number),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(
            violations(&reply.bytes, Exchange::BulkResult),
            Vec::<String>::new()
        );
        match reply.text(&["MessageHeader", "SegmentOfResult"]).as_deref() {
            Some("2") => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            Some("1") => {
                result = Some(reply);
                break;
            }
            other => panic!("SegmentOfResult {other:?}"),
        }
    }
    let result = result.expect("the 一括照会 is ready");
    let root = result.root();
    let units: Vec<&Element> = root
        .at(&["MessageBody"])
        .unwrap()
        .children_named("BulkConfirmUnit")
        .collect();
    assert_eq!(units.len(), 1, "only the clinic's tickets");
    let unit = units[0];
    assert_eq!(unit.text_at(&["ReferenceNumber"]), Some("121310171234566"));
    assert_eq!(unit.text_at(&["QualificationValidity"]), Some("1"));
    let issues: Vec<&str> = unit
        .at(&[
            "ResultOfQualificationConfirmation",
            "PublicExpenseResultList",
        ])
        .unwrap()
        .children_named("MedicalTicketInfo")
        .filter_map(|t| t.text_at(&["IssueNumber"]))
        .collect();
    assert_eq!(issues, vec!["B-0401", "B-0402"]);
    assert_eq!(
        root.text_at(&["MessageBody", "MedicalTreatmentMonth"]),
        Some("202404")
    );
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM audit_log a JOIN roster_set_members m ON m.set_id = a.roster_set_id \
             WHERE a.action = 'roster' AND a.actor_id = '1311234569'"
        )
        .await,
        1
    );
    // Another institution cannot fetch it, and an unknown number is unknown.
    let pharmacy = server::auth::add_institution_token(&f.db, PHARMACY)
        .await
        .unwrap();
    let as_pharmacy = sjis_sample_with(
        "OQSmutic02req_sample_sjis.xml",
        &[("2024041012345678", &number), (CLINIC, PHARMACY)],
    );
    let stolen = post_xml(&app, Exchange::BulkResult, Some(&pharmacy), as_pharmacy).await;
    assert_eq!(
        (stolen.status, stolen.result_code().as_deref()),
        (StatusCode::NOT_FOUND, Some("FJ0401"))
    );
    let unknown = post_xml(
        &app,
        Exchange::BulkResult,
        Some(&token),
        with_reception_number("1"),
    )
    .await;
    assert_eq!(
        (unknown.status, unknown.result_code().as_deref()),
        (StatusCode::NOT_FOUND, Some("FJ0401"))
    );
    // A result still being prepared answers 2; one left behind by a restart is prepared.
    for (number, created_at) in [
        ("9000000000000001", server::db::now_text()),
        (
            "9000000000000002",
            "2020-01-01T00:00:00.000000Z".to_string(),
        ),
    ] {
        sqlx::query("INSERT INTO bulk_requests (reception_number, request_key, institution_code, month, status, created_at) VALUES ($1, $1, $2, '2024-04', 'processing', $3)")
            .bind(number)
            .bind(CLINIC)
            .bind(created_at)
            .execute(&f.db.pool)
            .await
            .unwrap();
    }
    let waiting = post_xml(
        &app,
        Exchange::BulkResult,
        Some(&token),
        with_reception_number("9000000000000001"),
    )
    .await;
    assert_eq!(
        waiting
            .text(&["MessageHeader", "SegmentOfResult"])
            .as_deref(),
        Some("2")
    );
    assert_eq!(
        waiting.text(&["MessageBody", "ReceptionNumber"]).as_deref(),
        Some("9000000000000001")
    );
    let revived = post_xml(
        &app,
        Exchange::BulkResult,
        Some(&token),
        with_reception_number("9000000000000002"),
    )
    .await;
    assert_eq!(
        revived
            .text(&["MessageHeader", "SegmentOfResult"])
            .as_deref(),
        Some("1")
    );
    // A month with nothing: a conforming result without units.
    let may = sjis_sample_with("OQSmutic01req_sample_sjis.xml", &[("202404", "203001")]);
    let empty = post_xml(&app, Exchange::BulkRequest, Some(&token), may).await;
    assert_eq!(empty.status, StatusCode::OK);
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

// ---------------------------------------------------------------- onshi terminal

use server::terminal::{Config, ServerUrl, Terminal};

fn terminal(
    dir: &std::path::Path,
    addr: &str,
    token: &str,
    settle: std::time::Duration,
    give_up: std::time::Duration,
) -> Terminal {
    Terminal::new(Config {
        institution: domain::numbers::InstitutionCode::parse(CLINIC).unwrap(),
        dir: dir.to_path_buf(),
        server: ServerUrl::parse(&format!("http://{addr}")).unwrap(),
        token: token.to_string(),
        settle,
        give_up,
        timeout: std::time::Duration::from_secs(20),
    })
    .unwrap()
}

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn answer(path: &std::path::Path) -> XmlReply {
    XmlReply {
        status: StatusCode::OK,
        content_type: String::new(),
        bytes: std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    }
}

#[tokio::test]
async fn terminal_folder_exchange_end_to_end() {
    let (f, token) = setup().await;
    ticket(
        &f,
        TOKYO,
        "1234566",
        "B-0401",
        CLINIC,
        d("2024-04-01"),
        d("2024-04-30"),
    )
    .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let app = f.app();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let dir = tempfile::tempdir().unwrap();
    let now = std::time::Duration::ZERO;
    let minute = std::time::Duration::from_secs(60);
    let mut t = terminal(dir.path(), &addr, &token, now, minute);
    let req = dir.path().join("req");
    let res = dir.path().join("res");
    // What a レセコン writes: two single checks (Shift_JIS and UTF-8), a bulk request, a
    // kind this service does not offer, and a file that is not a request at all.
    std::fs::write(
        req.join("OQSsiquc01req_20240410_0001.xml"),
        sample("OQSsiquc01req_verdict1_sjis.xml"),
    )
    .unwrap();
    std::fs::write(
        req.join("OQSsiquc01req_20240410_0002.xml"),
        sample("OQSsiquc01req_verdict6_utf8.xml"),
    )
    .unwrap();
    std::fs::write(
        req.join("OQSmutic01req_202404100001.xml"),
        sample("OQSmutic01req_sample_sjis.xml"),
    )
    .unwrap();
    std::fs::write(
        req.join("YZKsiquc01req_20240410_0003.xml"),
        sample("OQSsiquc01req_verdict1_utf8.xml"),
    )
    .unwrap();
    std::fs::write(req.join("memo.txt"), "not a request").unwrap();
    let handled = t.run_once().await.unwrap();
    let names: Vec<(&str, &str, Option<u16>)> = handled
        .iter()
        .map(|h| (h.request.as_str(), h.result.as_str(), h.status))
        .collect();
    assert_eq!(
        names,
        vec![
            (
                "OQSmutic01req_202404100001.xml",
                "OQSmutic01res_202404100001.xml",
                Some(200)
            ),
            (
                "OQSsiquc01req_20240410_0001.xml",
                "OQSsiquc01res_20240410_0001.xml",
                Some(200)
            ),
            (
                "OQSsiquc01req_20240410_0002.xml",
                "OQSsiquc01res_20240410_0002.xml",
                Some(200)
            ),
            (
                "YZKsiquc01req_20240410_0003.xml",
                "YZKsiquc01res_20240410_0003.xml",
                None
            ),
        ]
    );
    assert_eq!(files(&req), vec!["memo.txt"], "handled requests leave req");
    assert_eq!(files(&dir.path().join("done")).len(), 4);
    let one = answer(&res.join("OQSsiquc01res_20240410_0001.xml"));
    assert_eq!(
        violations(&one.bytes, Exchange::Qualification),
        Vec::<String>::new()
    );
    assert_eq!(decode(&one.bytes).unwrap().1, XmlEncoding::ShiftJis);
    assert_eq!(
        one.text(&["MessageBody", "QualificationValidity"])
            .as_deref(),
        Some("1")
    );
    let six = answer(&res.join("OQSsiquc01res_20240410_0002.xml"));
    assert_eq!(
        six.text(&["MessageBody", "QualificationValidity"])
            .as_deref(),
        Some("6")
    );
    let unsupported = answer(&res.join("YZKsiquc01res_20240410_0003.xml"));
    assert_eq!(unsupported.result_code().as_deref(), Some("FJ0501"));
    assert_eq!(
        unsupported
            .text(&["MessageHeader", "MedicalInstitutionCode"])
            .as_deref(),
        Some(CLINIC)
    );
    assert!(
        !files(&res).iter().any(|n| n.starts_with('.')),
        "no temporary file left"
    );
    // The bulk pair through the folders: the レセコン writes OQSmutic02req files until the
    // answer is no longer SegmentOfResult 2.
    let accepted = answer(&res.join("OQSmutic01res_202404100001.xml"));
    let number = accepted.text(&["MessageBody", "ReceptionNumber"]).unwrap();
    let mut result = None;
    for poll in 0..100 {
        let name = format!("OQSmutic02req_20240410{poll:04}.xml");
        std::fs::write(req.join(&name), with_reception_number(&number)).unwrap();
        let handled = t.run_once().await.unwrap();
        assert_eq!(handled.len(), 1);
        let reply = answer(&res.join(&handled[0].result));
        assert_eq!(
            violations(&reply.bytes, Exchange::BulkResult),
            Vec::<String>::new()
        );
        if reply.text(&["MessageHeader", "SegmentOfResult"]).as_deref() == Some("1") {
            result = Some(reply);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let result = result.expect("一括照会 result through the folders");
    assert_eq!(
        result
            .root()
            .at(&["MessageBody"])
            .unwrap()
            .children_named("BulkConfirmUnit")
            .count(),
        1
    );
    // Nothing new: nothing done. A file still being written waits.
    assert!(t.run_once().await.unwrap().is_empty());
    let mut careful = terminal(
        dir.path(),
        &addr,
        &token,
        std::time::Duration::from_secs(3600),
        minute,
    );
    std::fs::write(
        req.join("OQSsiquc01req_20240410_0004.xml"),
        sample("OQSsiquc01req_verdict4_utf8.xml"),
    )
    .unwrap();
    assert!(careful.run_once().await.unwrap().is_empty());
    assert!(files(&req).contains(&"OQSsiquc01req_20240410_0004.xml".to_string()));
    std::fs::remove_file(req.join("OQSsiquc01req_20240410_0004.xml")).unwrap();
    // A restart that finds the same request again (answer written, move lost): the server
    // counts it once.
    let before = count(&f, "SELECT COUNT(*) FROM verifications").await;
    std::fs::write(
        req.join("OQSsiquc01req_20240410_0001.xml"),
        sample("OQSsiquc01req_verdict1_sjis.xml"),
    )
    .unwrap();
    let again = terminal(dir.path(), &addr, &token, now, minute)
        .run_once()
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(
        count(&f, "SELECT COUNT(*) FROM verifications").await,
        before
    );
    assert!(
        files(&dir.path().join("done")).contains(&"OQSsiquc01req_20240410_0001.xml.1".to_string())
    );
    // A wrong token: the server's error result is what the レセコン reads.
    std::fs::write(
        req.join("OQSsiquc01req_20240410_0005.xml"),
        sample("OQSsiquc01req_verdict1_utf8.xml"),
    )
    .unwrap();
    terminal(dir.path(), &addr, "wrong-token", now, minute)
        .run_once()
        .await
        .unwrap();
    assert_eq!(
        answer(&res.join("OQSsiquc01res_20240410_0005.xml"))
            .result_code()
            .as_deref(),
        Some("FJ0301")
    );
    server.abort();
    // The server gone: retried while within give_up, then answered here.
    std::fs::write(
        req.join("OQSsiquc01req_20240410_0006.xml"),
        sample("OQSsiquc01req_verdict1_sjis.xml"),
    )
    .unwrap();
    let mut patient = terminal(dir.path(), &addr, &token, now, minute);
    assert!(
        patient.run_once().await.unwrap().is_empty(),
        "kept for a retry"
    );
    let mut impatient = terminal(dir.path(), &addr, &token, now, std::time::Duration::ZERO);
    let gave_up = impatient.run_once().await.unwrap();
    assert_eq!(gave_up.len(), 1);
    let unreachable = answer(&res.join("OQSsiquc01res_20240410_0006.xml"));
    assert_eq!(unreachable.result_code().as_deref(), Some("FJ0901"));
    assert_eq!(
        decode(&unreachable.bytes).unwrap().1,
        XmlEncoding::ShiftJis,
        "the request's encoding"
    );
    assert_eq!(
        violations(&unreachable.bytes, Exchange::Qualification),
        Vec::<String>::new()
    );
}

// ---------------------------------------------------------------- 請求前資格確認

fn last_month() -> String {
    let (first, _) = month_bounds(today());
    domain::ticket::month_of(first.pred_opt().unwrap())
}

#[tokio::test]
async fn claims_check_finds_every_seeded_problem_in_the_demo_data() {
    let f = empty().await;
    server::seed::demo(&f.db, &f.keys, f.dir.path(), today())
        .await
        .unwrap();
    let month = last_month();
    for office in [TOKYO, OSAKA] {
        let sample = server::claims::sample(&f.db, office, &month).await.unwrap();
        let reasons: std::collections::BTreeSet<&str> =
            sample.seeded.iter().map(|(_, r)| r.code()).collect();
        for code in ["11", "12", "13", "22", "31", "32"] {
            assert!(
                reasons.contains(code),
                "{office}: no {code} seeded: {reasons:?}"
            );
        }
        assert!(
            sample.receipt_count > 100,
            "{office}: {}",
            sample.receipt_count
        );
        let checked =
            server::claims::check(&f.db, Some(office), Some(&sample.file_name), &sample.zip)
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("{e:?}"));
        let found: Vec<(String, domain::claims::ReturnReason)> = checked
            .review
            .returns()
            .map(|l| (l.receipt_id.clone(), l.reason.unwrap()))
            .collect();
        assert_eq!(
            found, sample.seeded,
            "{office}: every seeded problem, and nothing else"
        );
        assert_eq!(checked.review.receipt_count, sample.receipt_count);
    }
    // The same through the API, as the caseworker does in the browser.
    let app = f.app();
    let body = serde_json::json!({"login": "tokyo-cw", "password": server::seed::DEMO_PASSWORD})
        .to_string();
    let cookie = send(&app, "POST", "/api/login", None, Some(&body))
        .await
        .cookie
        .unwrap();
    let sample = server::claims::sample(&f.db, TOKYO, &month).await.unwrap();
    let upload = |cookie: &str, name: &str, body: Vec<u8>| {
        let request = Request::builder()
            .method("POST")
            .uri(format!("/api/office/claims-check?name={name}"))
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/zip")
            .body(Body::from(body))
            .unwrap();
        app.clone().oneshot(request)
    };
    let response = upload(&cookie, &sample.file_name, sample.zip.clone())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let review: serde_json::Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(review["return_count"], sample.seeded.len());
    let id = review["id"].as_i64().unwrap();
    let again = send(
        &app,
        "GET",
        &format!("/api/office/claims-check/{id}"),
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(again.json["file_name"], sample.file_name.as_str());
    let file = app
        .clone()
        .oneshot(
            Request::builder()
                .uri(format!("/api/office/claims-check/{id}/return-file"))
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    let disposition = file
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains(&format!("{TOKYO}_HENREI_")),
        "{disposition}"
    );
    let zip = file.into_body().collect().await.unwrap().to_bytes();
    let (inner, csv) = domain::claims::read_zip(&zip).unwrap();
    assert!(
        inner.ends_with(".CSV") && inner.contains("_HENREI_"),
        "{inner}"
    );
    assert!(csv.starts_with(domain::claims::HENREI_HEADER));
    let listed: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let seeded: Vec<&str> = sample.seeded.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(listed, seeded);
    // Another office's file, another office's run, and not a ZIP.
    let osaka = server::claims::sample(&f.db, OSAKA, &month).await.unwrap();
    let refused = upload(&cookie, &osaka.file_name, osaka.zip).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let osaka_cookie = {
        let body =
            serde_json::json!({"login": "osaka-cw", "password": server::seed::DEMO_PASSWORD})
                .to_string();
        send(&app, "POST", "/api/login", None, Some(&body))
            .await
            .cookie
            .unwrap()
    };
    let hidden = send(
        &app,
        "GET",
        &format!("/api/office/claims-check/{id}"),
        Some(&osaka_cookie),
        None,
    )
    .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let garbage = upload(&cookie, &sample.file_name, b"not a zip".to_vec())
        .await
        .unwrap();
    assert_eq!(garbage.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let clinic = {
        let body = serde_json::json!({"login": "clinic", "password": server::seed::DEMO_PASSWORD})
            .to_string();
        send(&app, "POST", "/api/login", None, Some(&body))
            .await
            .cookie
            .unwrap()
    };
    let forbidden = upload(&clinic, &sample.file_name, sample.zip.clone())
        .await
        .unwrap();
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let audited = count(
        &f,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'claims.check' AND actor_id = 'tokyo-cw'",
    )
    .await;
    assert!(audited > 50, "{audited}");
}

#[tokio::test]
async fn claims_commands_as_an_operator_runs_them() {
    let f = empty().await;
    server::seed::demo(&f.db, &f.keys, f.dir.path(), today())
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let onshi = |args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_onshi"));
        cmd.arg("--data")
            .arg(f.dir.path())
            .args(args)
            .env_remove("DATABASE_URL");
        if let Some(url) = &f.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.output().unwrap()
    };
    let month = last_month();
    let made = onshi(&[
        "claims-sample",
        "--office",
        TOKYO,
        "--month",
        &month,
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let listing = String::from_utf8_lossy(&made.stdout).to_string();
    let zip = files(out.path())
        .into_iter()
        .find(|n| n.contains("_SHIKAKU_"))
        .unwrap();
    let checked = onshi(&[
        "claims-check",
        out.path().join(&zip).to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    let report = String::from_utf8_lossy(&checked.stdout).to_string();
    for line in listing.lines().skip(1) {
        let receipt = line.split_whitespace().next().unwrap();
        assert!(
            report.contains(&format!(" {receipt} ")),
            "{receipt} not reported:\n{report}"
        );
    }
    assert!(
        files(out.path()).iter().any(|n| n.contains("_HENREI_")),
        "{:?}",
        files(out.path())
    );
    assert_eq!(count(&f, "SELECT COUNT(*) FROM claims_checks").await, 1);
    // A file that is not a 資格情報ファイル: exit 2, a message, nothing stored.
    let bad = out.path().join("12131017_SHIKAKU_202405.ZIP");
    std::fs::write(&bad, b"PK broken").unwrap();
    let refused = onshi(&["claims-check", bad.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("ZIP"));
    assert_eq!(count(&f, "SELECT COUNT(*) FROM claims_checks").await, 1);
    let help = onshi(&["terminal", "--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("--institution"));
}
