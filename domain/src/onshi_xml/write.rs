//! Writing results with the real element names and code values (`domain-reference.md`
//! §1.2, §3.3), shaped by what existing clients require (§3.4):
//!
//! - the header always carries `ProcessExecutionTime` (JST, YYYYMMDDHHmmss),
//!   `QualificationConfirmationDate` (YYYYMMDD), `SegmentOfResult` (1 正常終了, 2 処理中,
//!   9 異常終了) and `CharacterCodeIdentifier` matching the XML declaration;
//! - a 資格確認 answer has exactly one `ResultList/ResultOfQualificationConfirmation`, with
//!   the 医療券・調剤券 nested inside it (`PublicExpenseResultList/MedicalTicketInfo`);
//! - an element with nothing in it is never written (no `<X/>`, no empty container);
//! - dates are YYYYMMDD, `MedicalTreatmentMonth` YYYYMM.
//!
//! What a verdict shows is decided before this module, by
//! [`crate::api::VerificationResult::new`]: tickets only for 1; for 6 (未委託・未登録) and 2
//! the person but no ticket; for 4 nothing about anyone (see [`qualification_result`]).

use chrono::{DateTime, NaiveDate, Utc};

use super::kana::to_half_width_kana;
use super::read::QualificationRequest;
use super::{Exchange, ProcessingError, XmlEncoding};
use crate::api::{Roster, RosterEntry, VerificationResult};
use crate::codes::{QualificationValidity, ReferenceClass, Sex};
use crate::numbers::InstitutionCode;
use crate::ticket::Ticket;
use crate::verdict::decide;

/// `InsuredCardClassification` (OQSCD010) of 医療扶助.
pub const CARD_CLASSIFICATION_MEDICAL_AID: &str = "A1";
/// `InsurerName` of a 3 無効（新しい資格あり） answer when the new office may not be named
/// (閲覧制限).
pub const NEW_QUALIFICATION_TEXT: &str = "新しい資格あり";

/// `Name` and `InsurerName` of a 4 該当資格なし answer: a client requires both to be
/// non-empty, and a 4 may not say whom or which office the numbers belong to.
pub const NOT_FOUND_TEXT: &str = "該当資格なし";
/// `Sex1` (OQSCD007) 3 未設定: the sex of a 4 answer.
const SEX_UNSET: &str = "3";

/// Who answers, when, and in which encoding: the parts of the header that do not depend
/// on the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultContext {
    /// → `ProcessExecutionTime` (written in JST).
    pub executed_at: DateTime<Utc>,
    /// → `MedicalInstitutionCode` (the requester's; omitted when unknown).
    pub institution_code: Option<String>,
    /// → `ArbitraryFileIdentifier`, echoed from the request.
    pub arbitrary_file_identifier: Option<String>,
    pub encoding: XmlEncoding,
}

/// `SegmentOfResult` (OQSCD003).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment {
    Normal,
    Processing,
    Abnormal,
}

impl Segment {
    fn code(self) -> &'static str {
        match self {
            Segment::Normal => "1",
            Segment::Processing => "2",
            // [UNVERIFIED] one layout comment says 3; both code tables say 9.
            Segment::Abnormal => "9",
        }
    }
}

/// The answer to an `OQSsiquc01req`: the verdict of `result` (built by
/// `VerificationResult::new`, so it holds only what the verdict may show).
///
/// For 4 該当資格なし the result echoes only what was sent (numbers and 生年月日), with
/// `Name` and `InsurerName` 「該当資格なし」 and `Sex1` 3 (未設定): a wrong 生年月日 and an
/// unknown number look the same.
pub fn qualification_result(
    context: &ResultContext,
    request: &QualificationRequest,
    result: &VerificationResult,
) -> Vec<u8> {
    let subject = match (&result.person, result.office.as_ref()) {
        // 3 無効（新しい資格あり）: `office` is the office holding the new 資格 (name only, and
        // none under 閲覧制限); `InsurerName` names it, or says only that a new 資格 exists.
        (Some(person), office)
            if result.validity == QualificationValidity::InvalidNewQualification =>
        {
            Subject {
                office_number: &result.office_number,
                recipient_number: &result.recipient_number,
                name: &person.name,
                name_kana: &person.name_kana,
                sex: Some(person.sex),
                birth_date: person.birth_date,
                qualified_from: person.qualified_from,
                qualified_until: person.qualified_until,
                insurer_name: office.map_or(NEW_QUALIFICATION_TEXT, |o| o.name.as_str()),
                tickets: &[],
            }
        }
        (Some(person), Some(office)) if result.validity != QualificationValidity::NotFound => {
            Subject {
                office_number: &result.office_number,
                recipient_number: &result.recipient_number,
                name: &person.name,
                name_kana: &person.name_kana,
                sex: Some(person.sex),
                birth_date: person.birth_date,
                qualified_from: person.qualified_from,
                qualified_until: person.qualified_until,
                insurer_name: &office.name,
                tickets: &result.tickets,
            }
        }
        _ => Subject {
            office_number: request.office_number.as_str(),
            recipient_number: request.recipient_number.as_str(),
            name: NOT_FOUND_TEXT,
            name_kana: "",
            sex: None,
            birth_date: request.birth_date,
            qualified_from: None,
            qualified_until: None,
            insurer_name: NOT_FOUND_TEXT,
            tickets: &[],
        },
    };
    let querying = &result.institution_code;
    let body = branch(
        "MessageBody",
        [
            leaf("ProcessingResultStatus", "1"),
            leaf("ProcessingResultMessage", &result.guidance),
            leaf("QualificationValidity", result.validity.code()),
            branch("ResultList", [subject.node(querying)]),
        ],
    );
    render(
        context,
        [
            header(
                context,
                result.verified_date,
                Some(result.reference_class),
                Segment::Normal,
                None,
            ),
            body,
        ],
    )
}

/// The answer to an `OQSmutic01req`: accepted, with the `ReceptionNumber` to ask for the
/// result with.
pub fn bulk_acceptance(context: &ResultContext, reception_number: &str) -> Vec<u8> {
    let body = branch(
        "MessageBody",
        [
            leaf("ProcessingResultStatus", "1"),
            leaf("ReceptionNumber", reception_number),
        ],
    );
    render(
        context,
        [
            header(context, today(context), None, Segment::Normal, None),
            body,
        ],
    )
}

/// The answer to an `OQSmutic02req` whose result is still being prepared:
/// `SegmentOfResult` 2; the client asks again.
pub fn bulk_in_progress(context: &ResultContext, reception_number: &str) -> Vec<u8> {
    let body = branch(
        "MessageBody",
        [
            leaf("ProcessingResultStatus", "1"),
            leaf(
                "ProcessingResultMessage",
                "一括照会の結果を作成中です。しばらくしてから、もう一度結果を取得してください。",
            ),
            leaf("ReceptionNumber", reception_number),
        ],
    );
    render(
        context,
        [
            header(context, today(context), None, Segment::Processing, None),
            body,
        ],
    )
}

/// The answer to an `OQSmutic02req` whose result is ready: one `BulkConfirmUnit` per
/// recipient named by a ticket of the institution in the month, each with its
/// `ResultOfQualificationConfirmation` and that recipient's tickets nested inside.
/// `ReferenceNumber` is 公費負担者番号 + 受給者番号 (15 digits), stable across months.
pub fn bulk_result(context: &ResultContext, reception_number: &str, roster: &Roster) -> Vec<u8> {
    let institution = InstitutionCode::parse(&roster.institution_code).ok();
    let units = roster.recipients.iter().map(|entry| {
        let validity = institution
            .as_ref()
            .map_or(QualificationValidity::Invalid, |code| {
                bulk_unit_validity(entry, code, &roster.month)
            });
        let subject = Subject {
            office_number: &entry.office_number,
            recipient_number: &entry.recipient_number,
            name: &entry.name,
            name_kana: &entry.name_kana,
            sex: Some(entry.sex),
            birth_date: entry.birth_date,
            qualified_from: entry.qualified_from,
            qualified_until: entry.qualified_until,
            insurer_name: &entry.office_name,
            tickets: &entry.tickets,
        };
        branch(
            "BulkConfirmUnit",
            [
                leaf(
                    "ReferenceNumber",
                    format!("{}{}", entry.office_number, entry.recipient_number),
                ),
                leaf("QualificationValidity", validity.code()),
                subject.node(&roster.institution_code),
            ],
        )
    });
    let message = roster
        .recipients
        .is_empty()
        .then_some("この診療年月にこの医療機関・薬局あての医療券・調剤券はありません。");
    let mut body = vec![
        leaf("ProcessingResultStatus", "1"),
        message.and_then(|m| leaf("ProcessingResultMessage", m)),
        leaf("ReceptionNumber", reception_number),
        leaf("MedicalTreatmentMonth", roster.month.replace('-', "")),
    ];
    body.extend(units);
    render(
        context,
        [
            header(context, today(context), None, Segment::Normal, None),
            branch("MessageBody", body),
        ],
    )
}

/// `QualificationValidity` of one 一括照会 unit: 1 有効 when, on some day of the month,
/// [`decide`] gives 1 for the institution (the person is qualified on a day one of the
/// tickets covers), else 2 無効 (every ticket falls outside the 資格).
pub fn bulk_unit_validity(
    entry: &RosterEntry,
    institution: &InstitutionCode,
    month: &str,
) -> QualificationValidity {
    let Some((first, last)) = crate::ticket::month_bounds(month) else {
        return QualificationValidity::Invalid;
    };
    let qualification = entry.qualification();
    let valid = first.iter_days().take_while(|d| *d <= last).any(|day| {
        decide(
            Some(&qualification),
            entry.birth_date,
            &entry.tickets,
            institution,
            day,
        )
        .validity
            == QualificationValidity::Valid
    });
    if valid {
        QualificationValidity::Valid
    } else {
        QualificationValidity::Invalid
    }
}

/// An error result: `SegmentOfResult` 9 with `ErrorCode`/`ErrorMessage` in the header, and
/// `ProcessingResultStatus` 2 with `ProcessingResultCode`/`ProcessingResultMessage` in the
/// body (clients read one or the other). No `ResultList`.
pub fn error_result(
    context: &ResultContext,
    exchange: Exchange,
    error: &ProcessingError,
) -> Vec<u8> {
    let reference = (exchange == Exchange::Qualification).then_some(ReferenceClass::NumberEntry);
    let body = branch(
        "MessageBody",
        [
            leaf("ProcessingResultStatus", "2"),
            leaf("ProcessingResultCode", error.kind.code()),
            leaf("ProcessingResultMessage", &error.message),
        ],
    );
    render(
        context,
        [
            header(
                context,
                today(context),
                reference,
                Segment::Abnormal,
                Some(error),
            ),
            body,
        ],
    )
}

// ---------------------------------------------------------------- parts

/// Whom a `ResultOfQualificationConfirmation` is about.
struct Subject<'a> {
    office_number: &'a str,
    recipient_number: &'a str,
    name: &'a str,
    name_kana: &'a str,
    /// `None`: 3 未設定.
    sex: Option<Sex>,
    birth_date: NaiveDate,
    qualified_from: Option<NaiveDate>,
    qualified_until: Option<NaiveDate>,
    insurer_name: &'a str,
    tickets: &'a [Ticket],
}

impl Subject<'_> {
    /// `ResultOfQualificationConfirmation`, tickets nested inside. `querying` is the
    /// institution asking (for `DesignatedMedicalInstitutionFlag`).
    fn node(&self, querying: &str) -> Option<Node> {
        branch(
            "ResultOfQualificationConfirmation",
            [
                leaf("InsuredCardClassification", CARD_CLASSIFICATION_MEDICAL_AID),
                leaf("InsurerNumber", self.office_number),
                leaf("InsuredIdentificationNumber", self.recipient_number),
                leaf("Name", self.name),
                leaf("NameKana", to_half_width_kana(self.name_kana)),
                leaf("Sex1", self.sex.map_or(SEX_UNSET, Sex::code)),
                leaf("Birthdate", yyyymmdd(self.birth_date)),
                self.qualified_from
                    .and_then(|d| leaf("QualificationDate", yyyymmdd(d))),
                self.qualified_until
                    .and_then(|d| leaf("DisqualificationDate", yyyymmdd(d))),
                leaf("InsurerName", self.insurer_name),
                branch(
                    "PublicExpenseResultList",
                    self.tickets.iter().map(|t| ticket_info(t, querying)),
                ),
            ],
        )
    }
}

/// `MedicalTicketInfo`: the 26 items of `domain-reference.md` §1.2, empty ones omitted.
fn ticket_info(t: &Ticket, querying: &str) -> Option<Node> {
    let nth = |v: &[String], i: usize| v.get(i).cloned().unwrap_or_default();
    let flag = if t.institution_code.as_str() == querying {
        "0"
    } else {
        "1"
    };
    branch(
        "MedicalTicketInfo",
        [
            leaf("TicketType", t.ticket_type.code()),
            leaf("MedicalTicketValidDate", yyyymmdd(t.valid_from)),
            leaf("MedicalTicketExpirationDate", yyyymmdd(t.valid_until)),
            leaf("IssueNumber", &t.issue_number),
            leaf("MedicalTreatmentMonth", t.treatment_month.replace('-', "")),
            leaf(
                "DesignatedMedicalInstitutionCode",
                t.institution_code.as_str(),
            ),
            leaf("DesignatedMedicalInstitutionFlag", flag),
            leaf("DesignatedMedicalInstitutionName", &t.institution_name),
            t.prescriber_code
                .as_ref()
                .and_then(|c| leaf("PrescriptionIssuerMedicalInstitutionCode", c.as_str())),
            t.prescriber_name
                .as_ref()
                .and_then(|n| leaf("PrescriptionIssuerMedicalInstitutionName", n)),
            leaf("InjuryName1", nth(&t.injury_names, 0)),
            leaf("InjuryName2", nth(&t.injury_names, 1)),
            leaf("InjuryName3", nth(&t.injury_names, 2)),
            leaf("MedicalTreatmentType", t.treatment_type.code()),
            leaf("SelfPayAmount", t.self_pay_amount.to_string()),
            leaf("DistrictContactName", &t.district_contact),
            leaf("HandlingContactName", &t.handling_contact),
            leaf("SingleOrCombinedUse", t.single_or_combined.code()),
            leaf("StatusOfSocialInsurance", t.social_insurance.code()),
            // [UNVERIFIED] OQSCD022 lists only 1 不整合あり; the 台帳 holds no cross-check
            // with 医療保険, so nothing inconsistent is known: 0.
            leaf("ConsistencyFlag", "0"),
            leaf("StatusOfInfecton", t.infection_law.code()),
            leaf("StatusOfElderlyMedicalCare", t.elderly_care.code()),
            leaf("StatusOfPrefecturalExpenses", t.prefectural_expense.code()),
            leaf("Remarks1", nth(&t.remarks, 0)),
            leaf("Remarks2", nth(&t.remarks, 1)),
            leaf("Remarks3", nth(&t.remarks, 2)),
        ],
    )
}

fn header(
    context: &ResultContext,
    confirmation_date: NaiveDate,
    reference: Option<ReferenceClass>,
    segment: Segment,
    error: Option<&ProcessingError>,
) -> Option<Node> {
    let executed = crate::jst::to_jst(context.executed_at);
    branch(
        "MessageHeader",
        [
            leaf(
                "ProcessExecutionTime",
                executed.format("%Y%m%d%H%M%S").to_string(),
            ),
            leaf("QualificationConfirmationDate", yyyymmdd(confirmation_date)),
            context
                .institution_code
                .as_ref()
                .and_then(|c| leaf("MedicalInstitutionCode", c)),
            context
                .arbitrary_file_identifier
                .as_ref()
                .and_then(|id| leaf("ArbitraryFileIdentifier", id)),
            reference.and_then(|r| leaf("ReferenceClassification", r.code())),
            leaf("SegmentOfResult", segment.code()),
            error.and_then(|e| leaf("ErrorCode", e.kind.code())),
            error.and_then(|e| leaf("ErrorMessage", &e.message)),
            leaf(
                "CharacterCodeIdentifier",
                context.encoding.character_code_identifier(),
            ),
        ],
    )
}

fn today(context: &ResultContext) -> NaiveDate {
    crate::jst::date_of(context.executed_at)
}

fn yyyymmdd(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

// ---------------------------------------------------------------- a small writer

/// An element with text, or with children. Built only through [`leaf`] and [`branch`],
/// which return `None` for an element that would be empty.
enum Node {
    Leaf(&'static str, String),
    Branch(&'static str, Vec<Node>),
}

fn leaf(name: &'static str, value: impl AsRef<str>) -> Option<Node> {
    let value = value.as_ref().trim();
    (!value.is_empty()).then(|| Node::Leaf(name, value.to_string()))
}

fn branch(name: &'static str, children: impl IntoIterator<Item = Option<Node>>) -> Option<Node> {
    let children: Vec<Node> = children.into_iter().flatten().collect();
    (!children.is_empty()).then_some(Node::Branch(name, children))
}

/// `XmlMsg` with `children`, behind the declaration of `context.encoding`, encoded in it.
fn render(context: &ResultContext, children: [Option<Node>; 2]) -> Vec<u8> {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"{}\" standalone=\"no\"?>\n",
        context.encoding.label()
    );
    if let Some(root) = branch("XmlMsg", children) {
        write_node(&mut out, &root, 0);
    }
    context.encoding.encode(&out)
}

fn write_node(out: &mut String, node: &Node, depth: usize) {
    let indent = "  ".repeat(depth);
    match node {
        Node::Leaf(name, value) => {
            out.push_str(&format!("{indent}<{name}>"));
            escape_into(out, value);
            out.push_str(&format!("</{name}>\n"));
        }
        Node::Branch(name, children) => {
            out.push_str(&format!("{indent}<{name}>\n"));
            for child in children {
                write_node(out, child, depth + 1);
            }
            out.push_str(&format!("{indent}</{name}>\n"));
        }
    }
}

/// Escape text content; characters XML 1.0 cannot hold (C0 controls but tab and line
/// ends, U+FFFE, U+FFFF) are dropped.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() && u32::from(c) < 0x20 => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}
