#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, NaiveDate, Utc};

use super::conformance::violations;
use super::read::{decode, parse_tree, Element};
use super::*;
use crate::api::{
    OfficeContact, PersonBlock, Roster, RosterEntry, VerificationMeta, VerificationResult,
};
use crate::codes::{
    Presence, QualificationValidity, ReferenceClass, Sex, SingleOrCombined, TicketType,
    TreatmentType,
};
use crate::numbers::InstitutionCode;
use crate::ticket::Ticket;

const CLINIC: &str = "1311234569";
const PHARMACY: &str = "1341234563";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-04-10T00:15:30Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn sample(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../docs/samples/onshi/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn tree(bytes: &[u8]) -> Element {
    let (text, _) = decode(bytes).unwrap();
    parse_tree(&text).unwrap()
}

/// Every (path, text) of a document, in document order.
fn leaves(e: &Element, prefix: &str, out: &mut Vec<(String, String)>) {
    let path = if prefix.is_empty() {
        e.name.clone()
    } else {
        format!("{prefix}/{}", e.name)
    };
    if e.children.is_empty() {
        out.push((path.clone(), e.text.clone()));
    }
    for c in &e.children {
        leaves(c, &path, out);
    }
}

fn values(bytes: &[u8], path: &str) -> Vec<String> {
    let mut all = Vec::new();
    leaves(&tree(bytes), "", &mut all);
    all.into_iter()
        .filter(|(p, _)| p == path)
        .map(|(_, v)| v)
        .collect()
}

fn value(bytes: &[u8], path: &str) -> Option<String> {
    let v = values(bytes, path);
    assert!(v.len() <= 1, "{path} appears {} times", v.len());
    v.into_iter().next()
}

// ---------------------------------------------------------------- requests

#[test]
fn onshi_xml_reads_the_sample_requests() {
    for (file, office, recipient, birth) in [
        ("verdict1", "12131017", "1234566", "1960-04-01"),
        ("verdict2", "12131017", "0000026", "1950-01-15"),
        ("verdict4", "12131017", "1234566", "1960-04-02"),
        ("verdict6", "12270138", "0000018", "1970-05-05"),
    ] {
        for (enc, encoding) in [("utf8", XmlEncoding::Utf8), ("sjis", XmlEncoding::ShiftJis)] {
            let name = format!("OQSsiquc01req_{file}_{enc}.xml");
            let parsed = read_qualification_request(&sample(&name))
                .unwrap_or_else(|e| panic!("{name}: {}", e.error));
            let r = &parsed.request;
            assert_eq!(parsed.encoding, encoding, "{name}");
            assert_eq!(
                (
                    r.header.institution.as_str(),
                    r.office_number.as_str(),
                    r.recipient_number.as_str(),
                    r.birth_date,
                ),
                (CLINIC, office, recipient, d(birth)),
                "{name}"
            );
            assert!(r
                .header
                .arbitrary_file_identifier
                .as_deref()
                .is_some_and(|id| id.starts_with("REQ-")));
        }
    }
    let bulk = read_bulk_request(&sample("OQSmutic01req_sample_sjis.xml")).unwrap();
    assert_eq!(
        (bulk.request.month.as_str(), bulk.encoding),
        ("2024-04", XmlEncoding::ShiftJis)
    );
    let result = read_bulk_result_request(&sample("OQSmutic02req_sample_sjis.xml")).unwrap();
    assert_eq!(result.request.reception_number, "2024041012345678");
    assert_eq!(result.request.header.arbitrary_file_identifier, None);
}

/// A request built from parts, in UTF-8.
fn request(header: &str, info: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg><MessageHeader>{header}</MessageHeader>\
         <MessageBody><QualificationConfirmSearchInfo>{info}</QualificationConfirmSearchInfo></MessageBody></XmlMsg>"
    )
    .into_bytes()
}

const HEADER: &str = "<MedicalInstitutionCode>1311234569</MedicalInstitutionCode>";
const INFO: &str = "<InsurerNumber>12131017</InsurerNumber><InsuredIdentificationNumber>1234566</InsuredIdentificationNumber><Birthdate>19600401</Birthdate>";

/// (name, request bytes, Ok or (error kind, a word of the message), header echoed).
type Case<'a> = (&'a str, Vec<u8>, Result<(), (ErrorKind, &'a str)>, bool);

/// One case: bytes → Ok or the error kind, with a word the message must contain, and
/// whether the header's 医療機関コード is echoed.
fn check_request(name: &str, bytes: &[u8], want: Result<(), (ErrorKind, &str)>, echo: bool) {
    match (read_qualification_request(bytes), want) {
        (Ok(_), Ok(())) => {}
        (Err(rejected), Err((kind, word))) => {
            assert_eq!(rejected.error.kind, kind, "{name}: {}", rejected.error);
            assert!(
                rejected.error.message.contains(word),
                "{name}: {} lacks {word}",
                rejected.error.message
            );
            assert_eq!(rejected.institution_code.is_some(), echo, "{name}");
            // Whatever was wrong, the answer is a conforming error result.
            let context = ResultContext {
                executed_at: at(),
                institution_code: rejected.institution_code.clone(),
                arbitrary_file_identifier: rejected.arbitrary_file_identifier.clone(),
                encoding: rejected.encoding,
            };
            let bytes = error_result(&context, Exchange::Qualification, &rejected.error);
            let mut problems = violations(&bytes, Exchange::Qualification);
            if !echo {
                // Without a valid code in the request there is none to echo.
                problems.retain(|p| !p.contains("MedicalInstitutionCode"));
            }
            assert_eq!(problems, Vec::<String>::new(), "{name}");
            assert_eq!(
                value(&bytes, "XmlMsg/MessageBody/ProcessingResultCode").as_deref(),
                Some(kind.code())
            );
        }
        (got, want) => panic!(
            "{name}: got {:?}, want {want:?}",
            got.map(|p| p.request).map_err(|r| r.error)
        ),
    }
}

#[test]
fn onshi_xml_request_items() {
    use ErrorKind::*;
    let h = HEADER;
    let i = INFO;
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        ("ok", request(h, i), Ok(()), true),
        ("全角 and spaces in numbers are read like the browser", request(h, "<InsurerNumber> １２１３１０１７ </InsurerNumber><InsuredIdentificationNumber>123-4566</InsuredIdentificationNumber><Birthdate>19600401</Birthdate>"), Ok(()), true),
        ("symbol and branch are ignored", request(h, &format!("{i}<InsuredCardSymbol>x</InsuredCardSymbol><InsuredBranchNumber>00</InsuredBranchNumber>")), Ok(()), true),
        ("no institution code", request("", i), Err((MissingItem, "MedicalInstitutionCode")), false),
        ("institution check digit", request("<MedicalInstitutionCode>1311234560</MedicalInstitutionCode>", i), Err((InvalidItem, "検証番号")), false),
        ("office check digit", request(h, &i.replace("12131017", "12131018")), Err((InvalidItem, "InsurerNumber（公費負担者番号）")), true),
        ("医療保険 insurer number", request(h, &i.replace("12131017", "06132013")), Err((InvalidItem, "法別番号")), true),
        ("recipient check digit", request(h, &i.replace("1234566", "1234567")), Err((InvalidItem, "受給者番号")), true),
        ("no birth date", request(h, &i.replace("<Birthdate>19600401</Birthdate>", "")), Err((MissingItem, "Birthdate")), true),
        ("empty birth date", request(h, &i.replace("19600401", "")), Err((MissingItem, "Birthdate")), true),
        ("birth date with hyphens", request(h, &i.replace("19600401", "1960-04-01")), Err((InvalidItem, "YYYYMMDD")), true),
        ("no such date", request(h, &i.replace("19600401", "19600231")), Err((InvalidItem, "存在しない日付")), true),
        ("no search info", format!("<XmlMsg><MessageHeader>{h}</MessageHeader><MessageBody></MessageBody></XmlMsg>").into_bytes(), Err((MissingItem, "QualificationConfirmSearchInfo")), true),
        ("wrong root", b"<?xml version=\"1.0\"?><Foo/>".to_vec(), Err((WrongDocument, "Foo")), false),
        ("identifier with a control character", request(&format!("{h}<ArbitraryFileIdentifier>a&#1;b</ArbitraryFileIdentifier>"), i), Err((InvalidItem, "ArbitraryFileIdentifier")), true),
    ];
    for (name, bytes, want, echo) in cases {
        check_request(name, &bytes, want, echo);
    }
}

#[test]
fn onshi_xml_refuses_hostile_and_broken_input() {
    use ErrorKind::*;
    let billion_laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><XmlMsg><MessageHeader><MedicalInstitutionCode>&lol3;</MedicalInstitutionCode></MessageHeader></XmlMsg>"#;
    let external = r#"<?xml version="1.0"?><!DOCTYPE XmlMsg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><XmlMsg><MessageHeader><MedicalInstitutionCode>&xxe;</MedicalInstitutionCode></MessageHeader></XmlMsg>"#;
    let deep = format!("<XmlMsg>{}{}</XmlMsg>", "<a>".repeat(40), "</a>".repeat(40));
    let wide = format!("<XmlMsg>{}</XmlMsg>", "<a/>".repeat(600));
    let mut huge = request(HEADER, INFO);
    huge.extend(std::iter::repeat_n(b' ', 20 * 1024 * 1024));
    let mut bad_sjis = sample("OQSsiquc01req_verdict1_sjis.xml");
    let comment = bad_sjis.iter().position(|b| *b >= 0x80).unwrap();
    bad_sjis[comment] = 0x81;
    bad_sjis[comment + 1] = 0x20; // a lead byte without its trail byte
    let utf8_declared_sjis = String::from_utf8(sample("OQSsiquc01req_verdict1_utf8.xml"))
        .unwrap()
        .replace("UTF-8", "Shift_JIS")
        .into_bytes();
    let raw_sjis_declared_utf8: Vec<u8> = {
        let raw = sample("OQSsiquc01req_verdict1_sjis.xml");
        let text = encoding_rs::SHIFT_JIS
            .decode(&raw)
            .0
            .replace("Shift_JIS", "UTF-8");
        encoding_rs::SHIFT_JIS.encode(&text).0.into_owned()
    };
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?><XmlMsg/>"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        ("billion laughs", billion_laughs.into(), Err((Forbidden, "DOCTYPE")), false),
        ("external entity", external.into(), Err((Forbidden, "DOCTYPE")), false),
        ("undeclared entity", request("<MedicalInstitutionCode>&xxe;</MedicalInstitutionCode>", INFO), Err((Forbidden, "&xxe;")), false),
        ("20 MB", huge, Err((TooLarge, "大きすぎます")), false),
        ("deep nesting", deep.into_bytes(), Err((TooLarge, "深さ")), false),
        ("many elements", wide.into_bytes(), Err((TooLarge, "要素")), false),
        ("invalid Shift_JIS", bad_sjis, Err((Encoding, "Shift_JIS")), false),
        ("UTF-8 declared as Shift_JIS", utf8_declared_sjis, Err((Encoding, "Shift_JIS")), false),
        ("Shift_JIS declared as UTF-8", raw_sjis_declared_utf8, Err((Encoding, "UTF-8")), false),
        ("UTF-16", utf16, Err((Encoding, "UTF-16")), false),
        ("EUC-JP", b"<?xml version=\"1.0\" encoding=\"EUC-JP\"?><XmlMsg/>".to_vec(), Err((Encoding, "EUC-JP")), false),
        ("empty body", Vec::new(), Err((NotWellFormed, "要素がありません")), false),
        ("not XML", b"hello".to_vec(), Err((NotWellFormed, "要素の外")), false),
        ("binary", vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A], Err((Encoding, "UTF-8")), false),
        ("unclosed", b"<XmlMsg><MessageHeader>".to_vec(), Err((NotWellFormed, "閉じられていない")), false),
        ("mismatched end tag", b"<XmlMsg><A></B></XmlMsg>".to_vec(), Err((NotWellFormed, "一致しません")), false),
        ("two roots", b"<XmlMsg/><XmlMsg/>".to_vec(), Err((NotWellFormed, "ルート要素の後")), false),
        ("broken attribute", b"<XmlMsg a=\"1\" a=\"2\"/>".to_vec(), Err((NotWellFormed, "属性")), false),
    ];
    for (name, bytes, want, echo) in cases {
        check_request(name, &bytes, want, echo);
    }
    // A UTF-8 BOM wins over a wrong declaration, and a BOM-less document without a
    // declaration is UTF-8.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(request(HEADER, INFO));
    assert_eq!(
        read_qualification_request(&bom).unwrap().encoding,
        XmlEncoding::Utf8
    );
    let plain = String::from_utf8(request(HEADER, INFO)).unwrap();
    let plain = plain.split_once("?>").unwrap().1.as_bytes().to_vec();
    assert_eq!(
        read_qualification_request(&plain).unwrap().encoding,
        XmlEncoding::Utf8
    );
    // An error detected after the declaration answers in the declared encoding.
    let sjis_bad =
        read_qualification_request(&sample("OQSsiquc01req_verdict1_sjis.xml")[..200]).unwrap_err();
    assert_eq!(sjis_bad.encoding, XmlEncoding::ShiftJis);
}

#[test]
fn onshi_xml_bulk_request_items() {
    let bulk = |month: &str| {
        format!("<XmlMsg><MessageHeader>{HEADER}</MessageHeader><MessageBody><QualificationConfirmSearchInfo><MedicalTreatmentMonth>{month}</MedicalTreatmentMonth></QualificationConfirmSearchInfo></MessageBody></XmlMsg>")
    };
    assert_eq!(
        read_bulk_request(bulk("202412").as_bytes())
            .unwrap()
            .request
            .month,
        "2024-12"
    );
    for bad in ["202413", "202400", "2024-04", "24041", "000001"] {
        let e = read_bulk_request(bulk(bad).as_bytes()).unwrap_err();
        assert_eq!(e.error.kind, ErrorKind::InvalidItem, "{bad}");
        assert_eq!(e.institution_code.as_deref(), Some(CLINIC));
    }
    let result = |number: &str| {
        format!("<XmlMsg><MessageHeader>{HEADER}</MessageHeader><MessageBody><ReceptionNumber>{number}</ReceptionNumber></MessageBody></XmlMsg>")
    };
    assert!(read_bulk_result_request(result("A1b2").as_bytes()).is_ok());
    for bad in ["../../etc", "12 34", &"9".repeat(33)] {
        let e = read_bulk_result_request(result(bad).as_bytes()).unwrap_err();
        assert_eq!(e.error.kind, ErrorKind::InvalidItem, "{bad}");
    }
    let e = read_bulk_result_request(result("").as_bytes()).unwrap_err();
    assert_eq!(e.error.kind, ErrorKind::MissingItem);
}

#[test]
fn onshi_xml_exchange_names() {
    for (name, want) in [
        (
            "OQSsiquc01req_20240410_0001.xml",
            Some(Exchange::Qualification),
        ),
        (
            "OQSmutic01req_202404100001.xml",
            Some(Exchange::BulkRequest),
        ),
        ("OQSmutic02req_202404100002.XML", Some(Exchange::BulkResult)),
        ("OQSsiquc01req_.xml", None),
        ("OQSsiquc01req.xml", None),
        ("OQSsiquc01res_1.xml", None),
        ("YZKsiquc01req_1.xml", None),
        ("OQSmuhvq01req_1.xml", None),
        ("OQSsiquc01req_1.xml.tmp", None),
        ("", None),
    ] {
        assert_eq!(Exchange::from_file_name(name), want, "{name}");
    }
    assert_eq!(
        Exchange::result_file_name("OQSmutic02req_202404100002.xml").as_deref(),
        Some("OQSmutic02res_202404100002.xml")
    );
    assert_eq!(Exchange::result_file_name("other.xml"), None);
    let codes: std::collections::HashSet<&str> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
    assert_eq!(codes.len(), ErrorKind::ALL.len(), "codes are distinct");
}

// ---------------------------------------------------------------- results

/// A ticket with every one of the 26 items filled (a 調剤券, so the prescriber is there).
fn full_ticket(institution: &str, issue: &str) -> Ticket {
    let dispensing = institution == PHARMACY;
    Ticket {
        ticket_type: if dispensing {
            TicketType::Dispensing
        } else {
            TicketType::Medical
        },
        issue_number: issue.into(),
        treatment_month: "2024-04".into(),
        valid_from: d("2024-04-01"),
        valid_until: d("2024-04-30"),
        institution_code: InstitutionCode::parse(institution).unwrap(),
        institution_name: if dispensing {
            "テスト薬局"
        } else {
            "テスト内科"
        }
        .into(),
        prescriber_code: dispensing.then(|| InstitutionCode::parse(CLINIC).unwrap()),
        prescriber_name: dispensing.then(|| "テスト内科".into()),
        treatment_type: if dispensing {
            TreatmentType::Dispensing
        } else {
            TreatmentType::Outpatient
        },
        injury_names: vec![
            "高血圧症".into(),
            "2型糖尿病".into(),
            "腰痛症 <L4&L5>".into(),
        ],
        self_pay_amount: 1200,
        single_or_combined: SingleOrCombined::Single,
        social_insurance: Presence::No,
        infection_law: Presence::No,
        elderly_care: Presence::Yes,
        prefectural_expense: Presence::No,
        district_contact: "山川 太郎".into(),
        handling_contact: "福祉 一郎".into(),
        remarks: vec!["後発医薬品".into(), "備考2".into(), "備考3".into()],
        retroactive_reason: None,
    }
}

fn verification(
    validity: QualificationValidity,
    institution: &str,
    tickets: Vec<Ticket>,
) -> VerificationResult {
    let meta = VerificationMeta {
        verification_id: Some(7),
        client_id: "onshi-test".into(),
        institution_code: institution.into(),
        verified_at: "2024-04-10T00:15:30.000000Z".into(),
        verified_date: d("2024-04-10"),
        reference_class: ReferenceClass::NumberEntry,
        office_number: "12131017".into(),
        recipient_number: "1234566".into(),
        offline: false,
        already_stored: false,
    };
    let disqualified = validity == QualificationValidity::Invalid;
    VerificationResult::new(
        meta,
        validity,
        tickets,
        Some(PersonBlock {
            name: "東京　一郎".into(),
            name_kana: "トウキョウ　イチロウ".into(),
            sex: Sex::Male,
            birth_date: d("1960-04-01"),
            qualified_from: Some(d("2020-01-01")),
            qualified_until: disqualified.then(|| d("2024-03-31")),
        }),
        Some(OfficeContact {
            number: "12131017".into(),
            name: "テスト区福祉事務所".into(),
            phone: "03-0000-0000".into(),
        }),
        None,
    )
}

fn context(encoding: XmlEncoding) -> ResultContext {
    ResultContext {
        executed_at: at(),
        institution_code: Some(CLINIC.into()),
        arbitrary_file_identifier: Some("REQ-0001".into()),
        encoding,
    }
}

fn parsed_request(birth: &str) -> QualificationRequest {
    read_qualification_request(&request(HEADER, &INFO.replace("19600401", birth)))
        .unwrap()
        .request
}

const TICKET_ITEMS: [&str; 26] = [
    "TicketType",
    "MedicalTicketValidDate",
    "MedicalTicketExpirationDate",
    "IssueNumber",
    "MedicalTreatmentMonth",
    "DesignatedMedicalInstitutionCode",
    "DesignatedMedicalInstitutionFlag",
    "DesignatedMedicalInstitutionName",
    "PrescriptionIssuerMedicalInstitutionCode",
    "PrescriptionIssuerMedicalInstitutionName",
    "InjuryName1",
    "InjuryName2",
    "InjuryName3",
    "MedicalTreatmentType",
    "SelfPayAmount",
    "DistrictContactName",
    "HandlingContactName",
    "SingleOrCombinedUse",
    "StatusOfSocialInsurance",
    "ConsistencyFlag",
    "StatusOfInfecton",
    "StatusOfElderlyMedicalCare",
    "StatusOfPrefecturalExpenses",
    "Remarks1",
    "Remarks2",
    "Remarks3",
];

const RESULT: &str = "XmlMsg/MessageBody/ResultList/ResultOfQualificationConfirmation";
const TICKET: &str = "XmlMsg/MessageBody/ResultList/ResultOfQualificationConfirmation/PublicExpenseResultList/MedicalTicketInfo";

#[test]
fn onshi_xml_result_for_each_verdict_conforms() {
    use QualificationValidity::*;
    for encoding in [XmlEncoding::Utf8, XmlEncoding::ShiftJis] {
        for (validity, birth) in [
            (Valid, "19600401"),
            (Invalid, "19600401"),
            (NotFound, "19600402"),
            (ValidUnregistered, "19600401"),
        ] {
            let result = verification(validity, CLINIC, vec![full_ticket(CLINIC, "2024-000101")]);
            let bytes = qualification_result(&context(encoding), &parsed_request(birth), &result);
            let name = format!("{validity:?} {encoding:?}");
            assert_eq!(
                violations(&bytes, Exchange::Qualification),
                Vec::<String>::new(),
                "{name}"
            );
            let v = |p: &str| value(&bytes, p);
            assert_eq!(
                v("XmlMsg/MessageBody/QualificationValidity").as_deref(),
                Some(validity.code())
            );
            assert_eq!(
                v("XmlMsg/MessageHeader/ProcessExecutionTime").as_deref(),
                Some("20240410091530"),
                "JST"
            );
            assert_eq!(
                v("XmlMsg/MessageHeader/QualificationConfirmationDate").as_deref(),
                Some("20240410")
            );
            assert_eq!(
                v("XmlMsg/MessageHeader/ReferenceClassification").as_deref(),
                Some("2")
            );
            assert_eq!(
                v("XmlMsg/MessageHeader/SegmentOfResult").as_deref(),
                Some("1")
            );
            assert_eq!(
                v("XmlMsg/MessageHeader/ArbitraryFileIdentifier").as_deref(),
                Some("REQ-0001")
            );
            assert_eq!(
                v("XmlMsg/MessageBody/ProcessingResultStatus").as_deref(),
                Some("1")
            );
            assert_eq!(
                v(&format!("{RESULT}/InsuredCardClassification")).as_deref(),
                Some("A1")
            );
            assert_eq!(
                v(&format!("{RESULT}/InsurerNumber")).as_deref(),
                Some("12131017")
            );
            assert_eq!(
                v(&format!("{RESULT}/InsuredIdentificationNumber")).as_deref(),
                Some("1234566")
            );
            let text = encoding_rs::SHIFT_JIS.decode(&bytes).0.into_owned();
            let text = if encoding == XmlEncoding::Utf8 {
                String::from_utf8(bytes.clone()).unwrap()
            } else {
                text
            };
            assert!(
                text.starts_with(&format!(
                    "<?xml version=\"1.0\" encoding=\"{}\"",
                    encoding.label()
                )),
                "{name}"
            );
            let tickets = values(&bytes, &format!("{TICKET}/IssueNumber"));
            match validity {
                Valid => {
                    assert_eq!(v(&format!("{RESULT}/Name")).as_deref(), Some("東京　一郎"));
                    assert_eq!(
                        v(&format!("{RESULT}/NameKana")).as_deref(),
                        Some("ﾄｳｷｮｳ ｲﾁﾛｳ")
                    );
                    assert_eq!(v(&format!("{RESULT}/Sex1")).as_deref(), Some("1"));
                    assert_eq!(
                        v(&format!("{RESULT}/QualificationDate")).as_deref(),
                        Some("20200101")
                    );
                    assert_eq!(
                        v(&format!("{RESULT}/InsurerName")).as_deref(),
                        Some("テスト区福祉事務所")
                    );
                    assert_eq!(tickets, vec!["2024-000101"]);
                    assert_eq!(
                        v(&format!("{TICKET}/DesignatedMedicalInstitutionFlag")).as_deref(),
                        Some("0")
                    );
                    assert_eq!(
                        v(&format!("{TICKET}/MedicalTreatmentMonth")).as_deref(),
                        Some("202404")
                    );
                    assert_eq!(
                        v(&format!("{TICKET}/InjuryName3")).as_deref(),
                        Some("腰痛症 <L4&L5>"),
                        "escaped and read back"
                    );
                }
                Invalid | InvalidNewQualification => {
                    assert_eq!(
                        v(&format!("{RESULT}/DisqualificationDate")).as_deref(),
                        Some("20240331")
                    );
                    assert!(tickets.is_empty());
                }
                ValidUnregistered => {
                    assert_eq!(v(&format!("{RESULT}/Name")).as_deref(), Some("東京　一郎"));
                    assert!(tickets.is_empty(), "未委託: no ticket");
                    for withheld in [
                        "PublicExpenseResultList",
                        "高血圧症",
                        "テスト内科",
                        "2024-000101",
                        "山川",
                    ] {
                        assert!(!text.contains(withheld), "6 leaks {withheld}");
                    }
                    let message = v("XmlMsg/MessageBody/ProcessingResultMessage").unwrap();
                    assert!(
                        message.contains("未委託・未登録") && message.contains("03-0000-0000"),
                        "{message}"
                    );
                }
                NotFound => {
                    assert_eq!(
                        v(&format!("{RESULT}/Name")).as_deref(),
                        Some("該当資格なし")
                    );
                    assert_eq!(
                        v(&format!("{RESULT}/InsurerName")).as_deref(),
                        Some("該当資格なし")
                    );
                    assert_eq!(v(&format!("{RESULT}/Sex1")).as_deref(), Some("3"));
                    assert_eq!(
                        v(&format!("{RESULT}/Birthdate")).as_deref(),
                        Some("19600402"),
                        "as entered"
                    );
                    for withheld in [
                        "東京",
                        "トウキョウ",
                        "ﾄｳｷｮｳ",
                        "テスト区",
                        "03-0000",
                        "20200101",
                        "19600401",
                    ] {
                        assert!(!text.contains(withheld), "4 leaks {withheld}");
                    }
                }
            }
        }
    }
}

#[test]
fn onshi_xml_ticket_has_the_26_items() {
    let result = verification(
        QualificationValidity::Valid,
        PHARMACY,
        vec![
            full_ticket(PHARMACY, "2024-000102"),
            full_ticket(PHARMACY, "2024-000103"),
        ],
    );
    let bytes = qualification_result(
        &ResultContext {
            institution_code: Some(PHARMACY.into()),
            ..context(XmlEncoding::ShiftJis)
        },
        &parsed_request("19600401"),
        &result,
    );
    assert_eq!(
        violations(&bytes, Exchange::Qualification),
        Vec::<String>::new()
    );
    let root = tree(&bytes);
    let list = root
        .at(&[
            "MessageBody",
            "ResultList",
            "ResultOfQualificationConfirmation",
            "PublicExpenseResultList",
        ])
        .unwrap();
    let infos: Vec<&Element> = list.children_named("MedicalTicketInfo").collect();
    assert_eq!(infos.len(), 2);
    for info in infos {
        let names: Vec<&str> = info.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, TICKET_ITEMS, "all 26, in the layout's order");
    }
    assert_eq!(
        values(
            &bytes,
            &format!("{TICKET}/PrescriptionIssuerMedicalInstitutionCode")
        ),
        vec![CLINIC, CLINIC]
    );
    assert_eq!(
        values(&bytes, &format!("{TICKET}/TicketType")),
        vec!["02", "02"]
    );
    assert_eq!(
        values(&bytes, &format!("{TICKET}/MedicalTreatmentType")),
        vec!["04", "04"]
    );
    assert_eq!(
        values(&bytes, &format!("{TICKET}/StatusOfElderlyMedicalCare")),
        vec!["01", "01"]
    );
}

#[test]
fn onshi_xml_characters_shift_jis_cannot_hold() {
    let mut result = verification(
        QualificationValidity::Valid,
        CLINIC,
        vec![full_ticket(CLINIC, "2024-000101")],
    );
    if let Some(p) = result.person.as_mut() {
        p.name = "𠮷田　髙子\u{1}".into();
    }
    let sjis = qualification_result(
        &context(XmlEncoding::ShiftJis),
        &parsed_request("19600401"),
        &result,
    );
    assert_eq!(
        value(&sjis, &format!("{RESULT}/Name")).as_deref(),
        Some("〓田　髙子")
    );
    let utf8 = qualification_result(
        &context(XmlEncoding::Utf8),
        &parsed_request("19600401"),
        &result,
    );
    assert_eq!(
        value(&utf8, &format!("{RESULT}/Name")).as_deref(),
        Some("𠮷田　髙子"),
        "control character dropped"
    );
}

fn roster() -> Roster {
    let person =
        |recipient: &str, name: &str, kana: &str, sex: Sex, birth: &str, until: Option<&str>| {
            RosterEntry {
                office_number: "12131017".into(),
                office_name: "テスト区福祉事務所".into(),
                office_phone: "03-0000-0000".into(),
                recipient_number: recipient.into(),
                name: name.into(),
                name_kana: kana.into(),
                sex,
                birth_date: d(birth),
                qualified_from: Some(d("2020-01-01")),
                qualified_until: until.map(d),
                periods: vec![],
                restricted: false,
                tickets: vec![],
            }
        };
    let mut one = person(
        "1234566",
        "東京　一郎",
        "トウキョウ　イチロウ",
        Sex::Male,
        "1960-04-01",
        None,
    );
    one.tickets = vec![
        full_ticket(CLINIC, "2024-000101"),
        full_ticket(CLINIC, "2024-000104"),
    ];
    let mut late = full_ticket(CLINIC, "2024-000105");
    late.valid_from = d("2024-04-21");
    let mut ended = person(
        "0000026",
        "廃止　花子",
        "ハイシ　ハナゴ",
        Sex::Female,
        "1950-01-15",
        Some("2024-04-20"),
    );
    ended.tickets = vec![late];
    Roster {
        institution_code: CLINIC.into(),
        institution_name: "テスト内科".into(),
        month: "2024-04".into(),
        generated_at: "2024-04-10T00:00:00.000000Z".into(),
        recipients: vec![one, ended],
    }
}

#[test]
fn onshi_xml_bulk_results_conform() {
    for encoding in [XmlEncoding::Utf8, XmlEncoding::ShiftJis] {
        let c = context(encoding);
        let accepted = bulk_acceptance(&c, "2024041012345678");
        assert_eq!(
            violations(&accepted, Exchange::BulkRequest),
            Vec::<String>::new()
        );
        assert_eq!(
            value(&accepted, "XmlMsg/MessageBody/ReceptionNumber").as_deref(),
            Some("2024041012345678")
        );
        let waiting = bulk_in_progress(&c, "2024041012345678");
        assert_eq!(
            violations(&waiting, Exchange::BulkResult),
            Vec::<String>::new()
        );
        assert_eq!(
            value(&waiting, "XmlMsg/MessageHeader/SegmentOfResult").as_deref(),
            Some("2")
        );
        let done = bulk_result(&c, "2024041012345678", &roster());
        assert_eq!(
            violations(&done, Exchange::BulkResult),
            Vec::<String>::new()
        );
        let root = tree(&done);
        let units: Vec<&Element> = root
            .at(&["MessageBody"])
            .unwrap()
            .children_named("BulkConfirmUnit")
            .collect();
        assert_eq!(units.len(), 2);
        let unit = |i: usize, path: &[&str]| units[i].text_at(path).map(str::to_string);
        assert_eq!(
            unit(0, &["ReferenceNumber"]).as_deref(),
            Some("121310171234566")
        );
        assert_eq!(unit(0, &["QualificationValidity"]).as_deref(), Some("1"));
        assert_eq!(
            unit(1, &["QualificationValidity"]).as_deref(),
            Some("2"),
            "its only ticket starts after 廃止"
        );
        let tickets = |i: usize| {
            units[i]
                .at(&[
                    "ResultOfQualificationConfirmation",
                    "PublicExpenseResultList",
                ])
                .map_or(0, |l| l.children_named("MedicalTicketInfo").count())
        };
        assert_eq!(
            (tickets(0), tickets(1)),
            (2, 1),
            "tickets nested in each unit's result"
        );
        assert_eq!(
            unit(1, &["ResultOfQualificationConfirmation", "NameKana"]).as_deref(),
            Some("ﾊｲｼ ﾊﾅｺﾞ")
        );
        assert_eq!(
            value(&done, "XmlMsg/MessageBody/MedicalTreatmentMonth").as_deref(),
            Some("202404")
        );
        let empty = bulk_result(
            &c,
            "1",
            &Roster {
                recipients: vec![],
                ..roster()
            },
        );
        assert_eq!(
            violations(&empty, Exchange::BulkResult),
            Vec::<String>::new()
        );
        assert!(value(&empty, "XmlMsg/MessageBody/ProcessingResultMessage").is_some());
    }
}

#[test]
fn onshi_xml_conformance_catches_what_clients_reject() {
    let good = qualification_result(
        &context(XmlEncoding::Utf8),
        &parsed_request("19600401"),
        &verification(
            QualificationValidity::Valid,
            CLINIC,
            vec![full_ticket(CLINIC, "2024-000101")],
        ),
    );
    let text = String::from_utf8(good).unwrap();
    for (name, broken, word) in [
        ("no declaration", text.split_once("?>\n").unwrap().1.to_string(), "XML宣言"),
        ("empty container", text.replace("<InsurerName>", "<ElderlyRecipientCertificateInfo/><InsurerName>"), "空の要素"),
        ("two results", text.replace("</ResultList>", "<ResultOfQualificationConfirmation><Name>x</Name></ResultOfQualificationConfirmation></ResultList>"), "ちょうど1件"),
        ("no name", text.replace("<Name>東京　一郎</Name>", ""), "Name がありません"),
        ("wrong identifier", text.replace("<CharacterCodeIdentifier>0<", "<CharacterCodeIdentifier>1<"), "一致しません"),
        ("date with hyphens", text.replace("<Birthdate>19600401<", "<Birthdate>1960-04-01<"), "YYYYMMDD"),
        ("ticket outside the result", text.replace("</ResultList>", "</ResultList><MedicalTicketInfo><TicketType>01</TicketType></MedicalTicketInfo>"), "MedicalTicketInfo"),
        ("unknown segment", text.replace("<SegmentOfResult>1<", "<SegmentOfResult>3<"), "SegmentOfResult"),
    ] {
        let problems = violations(broken.as_bytes(), Exchange::Qualification);
        assert!(problems.iter().any(|p| p.contains(word)), "{name}: {problems:?}");
    }
}

#[test]
fn onshi_xml_bulk_unit_validity() {
    let clinic = InstitutionCode::parse(CLINIC).unwrap();
    let r = roster();
    let mut entry = r.recipients[0].clone();
    assert_eq!(
        bulk_unit_validity(&entry, &clinic, "2024-04"),
        QualificationValidity::Valid
    );
    assert_eq!(
        bulk_unit_validity(&entry, &clinic, "2024-05"),
        QualificationValidity::Invalid,
        "no ticket covers May"
    );
    assert_eq!(
        bulk_unit_validity(&entry, &clinic, "bad"),
        QualificationValidity::Invalid
    );
    entry.qualified_until = Some(d("2024-03-31"));
    assert_eq!(
        bulk_unit_validity(&entry, &clinic, "2024-04"),
        QualificationValidity::Invalid
    );
    entry.qualified_until = Some(d("2024-04-01"));
    assert_eq!(
        bulk_unit_validity(&entry, &clinic, "2024-04"),
        QualificationValidity::Valid,
        "喪失日 itself is covered"
    );
}

/// The result samples in docs/samples/onshi are what this writer produces
/// (`UPDATE_SAMPLES=1 cargo test -p domain onshi_xml` rewrites them).
#[test]
fn onshi_xml_result_samples_are_current() {
    let request = parsed_request("19600401");
    let valid = verification(
        QualificationValidity::Valid,
        CLINIC,
        vec![full_ticket(CLINIC, "2024-000101")],
    );
    let unregistered = verification(QualificationValidity::ValidUnregistered, CLINIC, vec![]);
    let error = ProcessingError::new(
        ErrorKind::InvalidItem,
        "InsuredIdentificationNumber（受給者番号）: 検証番号が一致しません。番号のどこかに誤りがあります。医療券や保護決定通知書などの書類を見て、番号全体を確かめてください。",
    );
    let files: Vec<(&str, Vec<u8>, Exchange)> = vec![
        (
            "OQSsiquc01res_verdict1_utf8.xml",
            qualification_result(&context(XmlEncoding::Utf8), &request, &valid),
            Exchange::Qualification,
        ),
        (
            "OQSsiquc01res_verdict6_sjis.xml",
            qualification_result(&context(XmlEncoding::ShiftJis), &request, &unregistered),
            Exchange::Qualification,
        ),
        (
            "OQSsiquc01res_error_utf8.xml",
            error_result(&context(XmlEncoding::Utf8), Exchange::Qualification, &error),
            Exchange::Qualification,
        ),
        (
            "OQSmutic01res_sample_sjis.xml",
            bulk_acceptance(
                &ResultContext {
                    arbitrary_file_identifier: Some("BULK-202404".into()),
                    ..context(XmlEncoding::ShiftJis)
                },
                "2024041012345678",
            ),
            Exchange::BulkRequest,
        ),
        (
            "OQSmutic02res_processing_sjis.xml",
            bulk_in_progress(
                &ResultContext {
                    arbitrary_file_identifier: None,
                    ..context(XmlEncoding::ShiftJis)
                },
                "2024041012345678",
            ),
            Exchange::BulkResult,
        ),
        (
            "OQSmutic02res_sample_sjis.xml",
            bulk_result(
                &ResultContext {
                    arbitrary_file_identifier: None,
                    ..context(XmlEncoding::ShiftJis)
                },
                "2024041012345678",
                &roster(),
            ),
            Exchange::BulkResult,
        ),
    ];
    let update = std::env::var_os("UPDATE_SAMPLES").is_some();
    for (name, bytes, exchange) in files {
        assert_eq!(violations(&bytes, exchange), Vec::<String>::new(), "{name}");
        let path = format!(
            "{}/../docs/samples/onshi/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        if update {
            std::fs::write(&path, &bytes).unwrap();
        }
        // Compared as text, line by line: a checkout may change line ends.
        let text = |b: &[u8]| {
            let (text, _) = decode(b).unwrap();
            text.lines().map(str::to_string).collect::<Vec<_>>()
        };
        assert_eq!(
            text(&sample(name)),
            text(&bytes),
            "{name} (UPDATE_SAMPLES=1 to rewrite)"
        );
        assert_eq!(
            decode(&sample(name)).unwrap().1,
            decode(&bytes).unwrap().1,
            "{name}: encoding"
        );
    }
}
