#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::codes::{Presence, SingleOrCombined, TicketType, TreatmentType};

const CLINIC: &str = "1311234569";
const PHARMACY: &str = "1341234563";
const OTHER_CLINIC: &str = "1311234577";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn ticket(institution: &str, from: &str, until: &str) -> Ticket {
    let pharmacy = institution == PHARMACY;
    Ticket {
        ticket_type: if pharmacy {
            TicketType::Dispensing
        } else {
            TicketType::Medical
        },
        issue_number: format!("T-{institution}-{from}"),
        treatment_month: from[..7].to_string(),
        valid_from: d(from),
        valid_until: d(until),
        institution_code: InstitutionCode::parse(institution).unwrap(),
        institution_name: "名称".into(),
        prescriber_code: pharmacy.then(|| InstitutionCode::parse(CLINIC).unwrap()),
        prescriber_name: None,
        treatment_type: if pharmacy {
            TreatmentType::Dispensing
        } else {
            TreatmentType::Outpatient
        },
        injury_names: vec![],
        self_pay_amount: 0,
        single_or_combined: SingleOrCombined::Single,
        social_insurance: Presence::No,
        infection_law: Presence::No,
        elderly_care: Presence::No,
        prefectural_expense: Presence::No,
        district_contact: String::new(),
        handling_contact: String::new(),
        remarks: vec![],
        retroactive_reason: None,
    }
}

fn person(from: Option<&str>, until: Option<&str>, tickets: Vec<Ticket>) -> Registered {
    Registered {
        name: "東京　一郎".into(),
        qualification: Qualification::from_pair(d("1960-04-01"), from.map(d), until.map(d)),
        tickets,
    }
}

fn receipt(
    institution: &str,
    office: &str,
    recipient: &str,
    birth: &str,
    dates: &[&str],
) -> Receipt {
    Receipt {
        line: 2,
        receipt_id: "R0001".into(),
        institution: InstitutionCode::parse(institution).unwrap(),
        month: "2024-04".into(),
        office_number: office.into(),
        recipient_number: recipient.into(),
        name: "東京 一郎".into(),
        birth_date: d(birth),
        points: 1234,
        visit_dates: dates.iter().map(|s| d(s)).collect(),
    }
}

/// (name, receipt, the recipient its number names, the 返戻事由 expected, a word of the detail).
type Case<'a> = (
    &'a str,
    Receipt,
    Option<Registered>,
    Option<ReturnReason>,
    &'a str,
);

#[test]
fn claims_check_table() {
    use ReturnReason::*;
    let standard = || {
        vec![
            ticket(CLINIC, "2024-04-01", "2024-04-30"),
            ticket(PHARMACY, "2024-04-10", "2024-04-10"),
        ]
    };
    let open = || Some(person(Some("2020-01-01"), None, standard()));
    let office = PublicPayerNumber::parse("12131017").unwrap();
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        ("in order, no 診療日", receipt(CLINIC, "12131017", "1234566", "1960-04-01", &[]), open(), None, ""),
        ("in order, with 診療日", receipt(CLINIC, "12131017", "1234566", "1960-04-01", &["2024-04-01", "2024-04-30"]), open(), None, ""),
        ("another office's number", receipt(CLINIC, "12270138", "1234566", "1960-04-01", &[]), open(), Some(OfficeNumber), "12270138"),
        ("office check digit", receipt(CLINIC, "12131018", "1234566", "1960-04-01", &[]), open(), Some(OfficeNumber), "検証番号"),
        ("recipient check digit", receipt(CLINIC, "12131017", "1234567", "1960-04-01", &[]), open(), Some(RecipientNumber), "検証番号"),
        ("no such recipient", receipt(CLINIC, "12131017", "0000018", "1960-04-01", &[]), None, Some(RecipientNumber), "台帳にいません"),
        ("birth date", receipt(CLINIC, "12131017", "1234566", "1960-04-02", &[]), open(), Some(BirthDate), "1960-04-01"),
        ("after 廃止", receipt(CLINIC, "12131017", "1234566", "1960-04-01", &["2024-04-19", "2024-04-25", "2024-04-26"]), Some(person(Some("2020-01-01"), Some("2024-04-20"), standard())), Some(AfterQualification), "2024-04-25 ほか1日"),
        ("廃止日 itself is covered", receipt(CLINIC, "12131017", "1234566", "1960-04-01", &["2024-04-20"]), Some(person(Some("2020-01-01"), Some("2024-04-20"), standard())), None, ""),
        ("廃止 last month, no 診療日", receipt(CLINIC, "12131017", "1234566", "1960-04-01", &[]), Some(person(Some("2020-01-01"), Some("2024-03-31"), standard())), Some(AfterQualification), "2024-03-31"),
        ("before 開始", receipt(CLINIC, "12131017", "1234566", "1960-04-01", &["2024-04-10"]), Some(person(Some("2024-04-15"), None, standard())), Some(BeforeQualification), "2024-04-15"),
        ("no 資格 registered", receipt(CLINIC, "12131017", "1234566", "1960-04-01", &[]), Some(person(None, None, standard())), Some(BeforeQualification), "登録されていません"),
        ("no ticket at this institution", receipt(OTHER_CLINIC, "12131017", "1234566", "1960-04-01", &["2024-04-10"]), open(), Some(NoTicket), "未委託"),
        ("no ticket, no 診療日", receipt(OTHER_CLINIC, "12131017", "1234566", "1960-04-01", &[]), open(), Some(NoTicket), OTHER_CLINIC),
        ("outside the 調剤券", receipt(PHARMACY, "12131017", "1234566", "1960-04-01", &["2024-04-10", "2024-04-11"]), open(), Some(OutsideTicket), "2024-04-10〜2024-04-10"),
        ("調剤券 covers one day of the month", receipt(PHARMACY, "12131017", "1234566", "1960-04-01", &[]), open(), None, ""),
        ("qualified mid-month, ticket before it", receipt(CLINIC, "12131017", "1234566", "1960-04-01", &[]), Some(person(Some("2024-04-15"), None, vec![ticket(CLINIC, "2024-04-01", "2024-04-10")])), Some(OutsideTicket), "どの日も"),
        ("last month's ticket only", receipt(CLINIC, "12131017", "1234566", "1960-04-01", &[]), Some(person(Some("2020-01-01"), None, vec![ticket(CLINIC, "2024-03-01", "2024-03-31")])), Some(NoTicket), "2024-04"),
    ];
    for (name, r, who, want, word) in cases {
        let got = check_receipt(&r, &office, who.as_ref());
        assert_eq!(got.reason, want, "{name}: {}", got.detail);
        assert!(
            got.detail.contains(word),
            "{name}: {} lacks {word}",
            got.detail
        );
        assert_eq!(got.detail.is_empty(), want.is_none(), "{name}");
    }
    // A name written differently is noted, never returned.
    let mut r = receipt(CLINIC, "12131017", "1234566", "1960-04-01", &[]);
    r.name = "東京　一朗".into();
    let got = check_receipt(&r, &office, open().as_ref());
    assert_eq!(got.reason, None);
    assert!(got.warnings[0].contains("東京　一朗"), "{:?}", got.warnings);
    r.name = "東京一郎".into();
    assert!(
        check_receipt(&r, &office, open().as_ref())
            .warnings
            .is_empty(),
        "spaces do not count"
    );
}

#[test]
fn claims_file_names() {
    for (name, want) in [
        ("12131017_SHIKAKU_202405.ZIP", Some(("12131017", "2024-05"))),
        ("12131017_shikaku_202405.zip", Some(("12131017", "2024-05"))),
        (
            "C:\\受信\\12131017_SHIKAKU_202412.CSV",
            Some(("12131017", "2024-12")),
        ),
        ("12131017_SHIKAKU_202413.ZIP", None),
        ("12131018_SHIKAKU_202405.ZIP", None),
        ("12131017_HENREI_202405.ZIP", None),
        ("12131017_SHIKAKU_202405.TXT", None),
        ("SHIKAKU.ZIP", None),
    ] {
        let got = parse_file_name(name).ok();
        let got = got
            .as_ref()
            .map(|n| (n.office.as_str(), n.billing_month.as_str()));
        assert_eq!(got, want, "{name}");
    }
    assert!(parse_file_name("12131018_SHIKAKU_202405.ZIP")
        .unwrap_err()
        .message
        .contains("検証番号"));
    assert_eq!(
        return_file_name("12131017", "2024-05", "ZIP"),
        "12131017_HENREI_202405.ZIP"
    );
    assert_eq!(
        shikaku_file_name("12131017", "2024-05", "CSV"),
        "12131017_SHIKAKU_202405.CSV"
    );
}

#[test]
fn claims_csv_parse_and_round_trip() {
    let sample = include_str!("../../docs/samples/claims/12131017_SHIKAKU_202405.CSV");
    let receipts = parse_receipts(sample).unwrap();
    assert_eq!(receipts.len(), 7);
    assert_eq!(receipts[0].receipt_id, "0000001");
    assert_eq!(
        receipts[0].visit_dates,
        vec![d("2024-04-03"), d("2024-04-17")]
    );
    // What the writer writes, the parser reads back (and the sample is what it writes).
    let written = shikaku_csv(&receipts);
    assert_eq!(parse_receipts(&written).unwrap(), receipts);
    assert_eq!(
        written.lines().collect::<Vec<_>>(),
        sample.lines().collect::<Vec<_>>()
    );
    // CP932, as the file comes from a Windows system.
    let cp932 = crate::api::encode_cp932(sample);
    let decoded = crate::import::decode_text(&cp932).unwrap();
    assert_eq!(parse_receipts(&decoded).unwrap(), receipts);

    let header = SHIKAKU_HEADER;
    let row = |cells: &str| format!("{header}\r\n{cells}\r\n");
    for (name, text, field) in [
        ("duplicate id", format!("{header}\r\nA,1311234569,2024-04,12131017,1234566,東京　一郎,1960-04-01,100,\r\nA,1311234569,2024-04,12131017,1234566,東京　一郎,1960-04-01,100,\r\n"), "レセプト番号"),
        ("date outside month", row("A,1311234569,2024-04,12131017,1234566,東京　一郎,1960-04-01,100,2024-05-01"), "診療日"),
        ("bad date", row("A,1311234569,2024-04,12131017,1234566,東京　一郎,1960-04-01,100,2024/04/01"), "診療日"),
        ("month format", row("A,1311234569,202404,12131017,1234566,東京　一郎,1960-04-01,100,"), "診療年月"),
        ("points", row("A,1311234569,2024-04,12131017,1234566,東京　一郎,1960-04-01,-5,"), "請求点数"),
        ("institution", row("A,1311234560,2024-04,12131017,1234566,東京　一郎,1960-04-01,100,"), "医療機関コード"),
        ("birth date", row("A,1311234569,2024-04,12131017,1234566,東京　一郎,S35.4.1,100,"), "生年月日"),
        ("columns", row("A,1311234569,2024-04,12131017,1234566,東京　一郎,1960-04-01,100"), "列数"),
        ("header", "a,b\r\n".to_string(), "見出し行"),
    ] {
        let errors = parse_receipts(&text).unwrap_err();
        assert!(errors.iter().any(|e| e.field == field), "{name}: {errors:?}");
    }
    // A wrong number is not a file error: the check reports it.
    let wrong = parse_receipts(&row(
        "A,1311234569,2024-04,1213101X,12345,東京　一郎,1960-04-01,100,",
    ))
    .unwrap();
    assert_eq!(wrong[0].office_number, "1213101X");
}

#[test]
fn claims_review_and_return_file() {
    let sample = include_str!("../../docs/samples/claims/12131017_SHIKAKU_202405.CSV");
    let receipts = parse_receipts(sample).unwrap();
    let name = parse_file_name("12131017_SHIKAKU_202405.ZIP").unwrap();
    // The sample's 台帳: 東京 一郎 with April tickets at the clinic and the pharmacy.
    let ichiro = person(
        Some("2020-01-01"),
        None,
        vec![
            ticket(CLINIC, "2024-04-01", "2024-04-30"),
            ticket(PHARMACY, "2024-04-03", "2024-04-03"),
        ],
    );
    let ended = Registered {
        name: "廃止　花子".into(),
        qualification: Qualification::from_pair(
            d("1950-01-15"),
            Some(d("2020-01-01")),
            Some(d("2024-04-15")),
        ),
        tickets: vec![ticket(CLINIC, "2024-04-01", "2024-04-15")],
    };
    let lookup = |n: &str| match n {
        "1234566" => Some(&ichiro),
        "0000026" => Some(&ended),
        _ => None,
    };
    let review = review(
        "12131017_SHIKAKU_202405.ZIP",
        &name,
        "2024-05-10T00:00:00Z",
        &receipts,
        lookup,
    );
    let reasons: Vec<(&str, Option<&str>)> = review
        .lines
        .iter()
        .map(|l| (l.receipt_id.as_str(), l.reason.map(ReturnReason::code)))
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("0000001", None),
            ("0000002", None),
            ("0000003", Some("22")),
            ("0000004", Some("12")),
            ("0000005", Some("13")),
            ("0000006", Some("31")),
            ("0000007", Some("32")),
        ]
    );
    assert_eq!((review.receipt_count, review.return_count), (7, 5));
    let csv = return_csv(&review);
    let expected = include_str!("../../docs/samples/claims/12131017_HENREI_202405.CSV");
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        expected.lines().collect::<Vec<_>>()
    );
    assert!(csv.starts_with(HENREI_HEADER));
    let json = serde_json::to_string(&review).unwrap();
    assert!(json.contains("\"reason\":\"22\""), "{json}");
    let back: ClaimsReview = serde_json::from_str(&json).unwrap();
    assert_eq!(back, review);
}

#[test]
fn claims_zip_round_trip_and_limits() {
    let sample = include_str!("../../docs/samples/claims/12131017_SHIKAKU_202405.CSV");
    let zip = write_zip(
        "12131017_SHIKAKU_202405.CSV",
        &crate::api::encode_cp932(sample),
        d("2024-05-10"),
    );
    assert_eq!(
        write_zip(
            "12131017_SHIKAKU_202405.CSV",
            &crate::api::encode_cp932(sample),
            d("2024-05-10")
        ),
        zip,
        "same bytes every time"
    );
    let (name, text) = read_zip(&zip).unwrap();
    assert_eq!(name, "12131017_SHIKAKU_202405.CSV");
    assert_eq!(text, sample);
    for (what, bytes, word) in [
        (
            "not a zip",
            b"PK\x03\x04garbage".to_vec(),
            "ZIP ファイルとして読み取れません",
        ),
        (
            "no csv",
            write_zip("readme.txt", b"x", d("2024-05-10")),
            "0個",
        ),
        (
            "binary csv",
            write_zip("a.csv", &[0xFF, 0xFE, 0, 0x41], d("2024-05-10")),
            "文字コード",
        ),
    ] {
        let e = read_zip(&bytes).unwrap_err();
        assert!(e.message.contains(word), "{what}: {}", e.message);
    }
    // A bomb: deflated zeros stop at the cap, whatever the size the entry claims.
    let zeros = vec![b'0'; 4 * 1024 * 1024];
    let bomb = write_zip("a.csv", &zeros, d("2024-05-10"));
    assert!(bomb.len() < 64 * 1024);
    let e = read_zip_limited(&bomb, 1024 * 1024).unwrap_err();
    assert!(e.message.contains("大きすぎます"), "{}", e.message);
    assert!(read_zip_limited(&bomb, 8 * 1024 * 1024).is_ok());
}
