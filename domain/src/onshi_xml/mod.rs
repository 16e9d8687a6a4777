//! onshi-compatible XML (`domain-reference.md` §3): what a レセコン sends and what it gets
//! back, with the real element names and code values. Layouts, samples and every choice
//! made where the sources are silent or disagree: `docs/onshi-xml.md`.
//!
//! - [`read`]: bytes → request. UTF-8 or Shift_JIS (CP932) by BOM or XML declaration,
//!   nothing over [`MAX_REQUEST_BYTES`], no DOCTYPE, no entity but the five predefined ones;
//!   every problem is a [`ProcessingError`] with a Japanese message, never a panic.
//! - [`write`]: verdict, 一括照会 acceptance and result, error result → bytes in the
//!   request's encoding, declared in the XML declaration and in `CharacterCodeIdentifier`.
//! - [`conformance`]: what existing onshi clients require of a result (§3.4), as a checker
//!   the tests run on every result written.
//!
//! The three exchanges are named after the file names a real 資格確認端末 uses
//! ([`Exchange`]); the HTTP routes and the `onshi terminal` folder exchange use the same names.

pub mod conformance;
mod kana;
pub mod read;
pub mod write;

#[cfg(test)]
mod tests;

pub use read::{
    read_bulk_request, read_bulk_result_request, read_qualification_request, BulkRequest,
    BulkResultRequest, Parsed, QualificationRequest, Rejected, RequestHeader,
};
pub use write::{
    bulk_acceptance, bulk_in_progress, bulk_result, bulk_unit_validity, error_result,
    qualification_result, ResultContext,
};

/// The largest request accepted. A real request is well under 2 KB; anything larger is
/// refused before it is parsed.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// The encoding of a request, and of its answer (a result is written in the encoding of
/// the request it answers, so a client that wrote Shift_JIS reads Shift_JIS back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlEncoding {
    Utf8,
    /// Shift_JIS as Windows writes it (CP932 / Windows-31J).
    ShiftJis,
}

impl XmlEncoding {
    /// As written in the XML declaration.
    pub fn label(self) -> &'static str {
        match self {
            XmlEncoding::Utf8 => "UTF-8",
            XmlEncoding::ShiftJis => "Shift_JIS",
        }
    }

    /// `CharacterCodeIdentifier` (OQSCD005). [UNVERIFIED] The two public code tables
    /// disagree (0/1 vs 1/2); this follows the one that matches the layout comment quoted
    /// by [JS-A] and `hangilc/myclinic-ts`: `0` UTF-8, `1` Shift_JIS.
    pub fn character_code_identifier(self) -> &'static str {
        match self {
            XmlEncoding::Utf8 => "0",
            XmlEncoding::ShiftJis => "1",
        }
    }

    /// The inverse of [`XmlEncoding::character_code_identifier`].
    pub fn from_character_code_identifier(code: &str) -> Option<Self> {
        match code {
            "0" => Some(XmlEncoding::Utf8),
            "1" => Some(XmlEncoding::ShiftJis),
            _ => None,
        }
    }

    /// The HTTP `Content-Type` of a result in this encoding.
    pub fn content_type(self) -> &'static str {
        match self {
            XmlEncoding::Utf8 => "application/xml; charset=UTF-8",
            XmlEncoding::ShiftJis => "application/xml; charset=Shift_JIS",
        }
    }

    /// Encode a document. In Shift_JIS a character CP932 cannot hold becomes 〓.
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            XmlEncoding::Utf8 => text.as_bytes().to_vec(),
            XmlEncoding::ShiftJis => crate::api::encode_cp932(text),
        }
    }
}

/// One request/answer pair of the interface, named by its request file prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exchange {
    /// `OQSsiquc01req_` → `OQSsiquc01res_`: one 資格確認 by 公費負担者番号, 受給者番号 and
    /// 生年月日 ([UNVERIFIED] name inferred from the face reader's `OQSsiquc01res_`).
    Qualification,
    /// `OQSmutic01req_` → `OQSmutic01res_`: 医療扶助 一括照会 for a 診療年月; the answer
    /// is an acceptance carrying a `ReceptionNumber`.
    BulkRequest,
    /// `OQSmutic02req_` → `OQSmutic02res_`: the 一括照会 result for a `ReceptionNumber`
    /// (`SegmentOfResult` 2 while it is being prepared).
    BulkResult,
}

impl Exchange {
    pub const ALL: [Exchange; 3] = [
        Exchange::Qualification,
        Exchange::BulkRequest,
        Exchange::BulkResult,
    ];

    /// The request kind as in the file name and the HTTP path: `OQSsiquc01req`.
    pub fn request_kind(self) -> &'static str {
        match self {
            Exchange::Qualification => "OQSsiquc01req",
            Exchange::BulkRequest => "OQSmutic01req",
            Exchange::BulkResult => "OQSmutic02req",
        }
    }

    /// The HTTP route: `POST /onshi/OQSsiquc01req`.
    pub fn path(self) -> &'static str {
        match self {
            Exchange::Qualification => "/onshi/OQSsiquc01req",
            Exchange::BulkRequest => "/onshi/OQSmutic01req",
            Exchange::BulkResult => "/onshi/OQSmutic02req",
        }
    }

    /// Japanese name for messages and logs.
    pub fn label_ja(self) -> &'static str {
        match self {
            Exchange::Qualification => "資格確認",
            Exchange::BulkRequest => "一括照会の要求",
            Exchange::BulkResult => "一括照会の結果取得",
        }
    }

    /// The exchange a request file belongs to: `OQSsiquc01req_<anything>.xml` (the
    /// extension in any case). `None` for any other name.
    pub fn from_file_name(name: &str) -> Option<Exchange> {
        let stem = strip_xml_extension(name)?;
        Exchange::ALL.into_iter().find(|e| {
            stem.strip_prefix(e.request_kind())
                .and_then(|rest| rest.strip_prefix('_'))
                .is_some_and(|rest| !rest.is_empty())
        })
    }

    /// The answer's file name: the request's name with `req_` → `res_`
    /// (`OQSsiquc01req_20240410_0001.xml` → `OQSsiquc01res_20240410_0001.xml`).
    pub fn result_file_name(request_file_name: &str) -> Option<String> {
        let at = request_file_name.find("req_")?;
        let mut name = request_file_name.to_string();
        name.replace_range(at..at + 4, "res_");
        Some(name)
    }
}

fn strip_xml_extension(name: &str) -> Option<&str> {
    let split = name.len().checked_sub(4)?;
    let (stem, ext) = (name.get(..split)?, name.get(split..)?);
    ext.eq_ignore_ascii_case(".xml").then_some(stem)
}

/// Why a request could not be answered: `ProcessingResultCode` and `ErrorCode` of the error
/// result. [UNVERIFIED] The official codes (別紙6-1) are not public; these are this service's
/// own, prefixed `FJ` (扶助オン資) so they cannot be mistaken for official ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not well-formed XML.
    NotWellFormed,
    /// A DOCTYPE (and so any entity declaration) or an undeclared entity reference.
    Forbidden,
    /// Over [`MAX_REQUEST_BYTES`].
    TooLarge,
    /// Not UTF-8 or Shift_JIS, or bytes invalid in the declared encoding.
    Encoding,
    /// Well-formed, but not the request this exchange takes (root, body).
    WrongDocument,
    /// A required item is missing or empty.
    MissingItem,
    /// An item's value is invalid (check digit, date, month).
    InvalidItem,
    /// No bearer token, or an unknown one.
    Unauthenticated,
    /// The token's institution is not `MedicalInstitutionCode`.
    InstitutionMismatch,
    /// No 一括照会 with this `ReceptionNumber` for this institution.
    UnknownReception,
    /// The request file is not one of the exchanges offered (terminal).
    UnsupportedExchange,
    /// The server could not be reached or answered something that is not a result (terminal).
    Unreachable,
    /// A fault on the server's side.
    Internal,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 13] = [
        ErrorKind::NotWellFormed,
        ErrorKind::Forbidden,
        ErrorKind::TooLarge,
        ErrorKind::Encoding,
        ErrorKind::WrongDocument,
        ErrorKind::MissingItem,
        ErrorKind::InvalidItem,
        ErrorKind::Unauthenticated,
        ErrorKind::InstitutionMismatch,
        ErrorKind::UnknownReception,
        ErrorKind::UnsupportedExchange,
        ErrorKind::Unreachable,
        ErrorKind::Internal,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::NotWellFormed => "FJ0101",
            ErrorKind::Forbidden => "FJ0102",
            ErrorKind::TooLarge => "FJ0103",
            ErrorKind::Encoding => "FJ0104",
            ErrorKind::WrongDocument => "FJ0105",
            ErrorKind::MissingItem => "FJ0201",
            ErrorKind::InvalidItem => "FJ0202",
            ErrorKind::Unauthenticated => "FJ0301",
            ErrorKind::InstitutionMismatch => "FJ0302",
            ErrorKind::UnknownReception => "FJ0401",
            ErrorKind::UnsupportedExchange => "FJ0501",
            ErrorKind::Unreachable => "FJ0901",
            ErrorKind::Internal => "FJ0902",
        }
    }

    /// What the code means, for the documentation table.
    pub fn label_ja(self) -> &'static str {
        match self {
            ErrorKind::NotWellFormed => "XMLの形式誤り",
            ErrorKind::Forbidden => "DOCTYPE・実体参照の使用",
            ErrorKind::TooLarge => "サイズ超過",
            ErrorKind::Encoding => "文字コード誤り",
            ErrorKind::WrongDocument => "要求の種類・構造の誤り",
            ErrorKind::MissingItem => "必須項目なし",
            ErrorKind::InvalidItem => "項目の値の誤り",
            ErrorKind::Unauthenticated => "認証エラー",
            ErrorKind::InstitutionMismatch => "医療機関コード不一致",
            ErrorKind::UnknownReception => "受付番号なし",
            ErrorKind::UnsupportedExchange => "未対応の要求種別",
            ErrorKind::Unreachable => "サーバーに接続できない",
            ErrorKind::Internal => "サーバー内部エラー",
        }
    }
}

/// A request that cannot be answered with a verdict: the code and a Japanese message for
/// the receptionist (`ProcessingResultMessage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessingError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ProcessingError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ProcessingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind.code(), self.message)
    }
}

impl std::error::Error for ProcessingError {}
