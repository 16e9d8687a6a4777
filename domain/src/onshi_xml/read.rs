//! Reading requests: bytes → text (UTF-8 or Shift_JIS) → a small element tree → one of
//! the three requests, every item checked. Hostile input gets a [`ProcessingError`]:
//! a DOCTYPE is refused outright (so no entity can be declared, internal or external),
//! an undeclared entity reference is an error, and size, depth and element count are capped.

use chrono::NaiveDate;
use quick_xml::events::Event;
use quick_xml::Reader;

use super::{ErrorKind, ProcessingError, XmlEncoding, MAX_REQUEST_BYTES};
use crate::numbers::{InstitutionCode, PublicPayerNumber, RecipientNumber};

/// Deepest element nesting accepted (a request is 4 levels deep).
const MAX_DEPTH: usize = 16;
/// Most elements accepted in one request.
const MAX_ELEMENTS: usize = 500;
/// Longest `ArbitraryFileIdentifier` echoed back.
const MAX_IDENTIFIER_CHARS: usize = 100;
/// Longest `ReceptionNumber`.
const MAX_RECEPTION_NUMBER: usize = 32;

/// `MessageHeader` of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHeader {
    /// `MedicalInstitutionCode`: who asks (must be the token's institution).
    pub institution: InstitutionCode,
    /// `ArbitraryFileIdentifier`: the client's own file id, echoed in the answer.
    pub arbitrary_file_identifier: Option<String>,
}

/// `OQSsiquc01req`: 資格確認 by number entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualificationRequest {
    pub header: RequestHeader,
    /// `InsurerNumber` = 公費負担者番号.
    pub office_number: PublicPayerNumber,
    /// `InsuredIdentificationNumber` = 受給者番号.
    pub recipient_number: RecipientNumber,
    /// `Birthdate` (YYYYMMDD).
    pub birth_date: NaiveDate,
}

/// `OQSmutic01req`: 医療扶助 一括照会 of a 診療年月.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRequest {
    pub header: RequestHeader,
    /// `MedicalTreatmentMonth` (YYYYMM), as `YYYY-MM`.
    pub month: String,
}

/// `OQSmutic02req`: the result of an accepted 一括照会.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkResultRequest {
    pub header: RequestHeader,
    /// `ReceptionNumber` from the acceptance.
    pub reception_number: String,
}

/// A request read, with the encoding to answer in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<T> {
    pub request: T,
    pub encoding: XmlEncoding,
}

/// A request refused, with what is needed to write its error result: the encoding to
/// answer in and, when they could be read and are valid, the header items to echo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub error: ProcessingError,
    pub encoding: XmlEncoding,
    pub institution_code: Option<String>,
    pub arbitrary_file_identifier: Option<String>,
}

impl Rejected {
    fn bare(error: ProcessingError, encoding: XmlEncoding) -> Self {
        Rejected {
            error,
            encoding,
            institution_code: None,
            arbitrary_file_identifier: None,
        }
    }
}

/// Read an `OQSsiquc01req` request.
pub fn read_qualification_request(bytes: &[u8]) -> Result<Parsed<QualificationRequest>, Rejected> {
    read_with(bytes, |root, header| {
        let info = search_info(root)?;
        let office_number = PublicPayerNumber::parse(required(info, "InsurerNumber")?)
            .map_err(|e| invalid("InsurerNumber", "公費負担者番号", e.message()))?;
        let recipient_number =
            RecipientNumber::parse(required(info, "InsuredIdentificationNumber")?)
                .map_err(|e| invalid("InsuredIdentificationNumber", "受給者番号", e.message()))?;
        let birth_date = yyyymmdd("Birthdate", "生年月日", required(info, "Birthdate")?)?;
        Ok(QualificationRequest {
            header,
            office_number,
            recipient_number,
            birth_date,
        })
    })
}

/// Read an `OQSmutic01req` request.
pub fn read_bulk_request(bytes: &[u8]) -> Result<Parsed<BulkRequest>, Rejected> {
    read_with(bytes, |root, header| {
        let info = search_info(root)?;
        let month = yyyymm(required(info, "MedicalTreatmentMonth")?)?;
        Ok(BulkRequest { header, month })
    })
}

/// Read an `OQSmutic02req` request.
pub fn read_bulk_result_request(bytes: &[u8]) -> Result<Parsed<BulkResultRequest>, Rejected> {
    read_with(bytes, |root, header| {
        let body = body(root)?;
        let number = required(body, "ReceptionNumber")?;
        let ok = number.len() <= MAX_RECEPTION_NUMBER
            && number.chars().all(|c| c.is_ascii_alphanumeric());
        if !ok {
            return Err(invalid(
                "ReceptionNumber",
                "受付番号",
                format!("受付番号は{MAX_RECEPTION_NUMBER}文字以内の英数字です。一括照会の受付結果（OQSmutic01res）の受付番号をそのまま指定してください。"),
            ));
        }
        Ok(BulkResultRequest {
            header,
            reception_number: number.to_string(),
        })
    })
}

/// Decode, parse, read the header, then the body with `body`.
fn read_with<T>(
    bytes: &[u8],
    body: impl FnOnce(&Element, RequestHeader) -> Result<T, ProcessingError>,
) -> Result<Parsed<T>, Rejected> {
    let (text, encoding) = decode(bytes).map_err(|(e, enc)| Rejected::bare(e, enc))?;
    let root = parse_tree(&text).map_err(|e| Rejected::bare(e, encoding))?;
    if root.name != "XmlMsg" {
        return Err(Rejected::bare(
            ProcessingError::new(
                ErrorKind::WrongDocument,
                format!(
                    "ルート要素が「{}」です。onshi の要求は XmlMsg で始まります。",
                    root.name
                ),
            ),
            encoding,
        ));
    }
    // Echo what can be echoed even when the header itself is refused.
    let header_item = |name: &str| root.text_at(&["MessageHeader", name]);
    let echo_code = header_item("MedicalInstitutionCode")
        .and_then(|c| InstitutionCode::parse(c).ok())
        .map(|c| c.as_str().to_string());
    let echo_id = header_item("ArbitraryFileIdentifier")
        .filter(|id| identifier_ok(id))
        .map(str::to_string);
    let rejected = |error| Rejected {
        error,
        encoding,
        institution_code: echo_code.clone(),
        arbitrary_file_identifier: echo_id.clone(),
    };
    let header = read_header(&root).map_err(rejected)?;
    let request = body(&root, header).map_err(rejected)?;
    Ok(Parsed { request, encoding })
}

fn read_header(root: &Element) -> Result<RequestHeader, ProcessingError> {
    let header = root
        .child("MessageHeader")
        .ok_or_else(|| missing("MessageHeader", "ヘッダー部"))?;
    let institution = InstitutionCode::parse(required(header, "MedicalInstitutionCode")?)
        .map_err(|e| invalid("MedicalInstitutionCode", "医療機関コード", e.message()))?;
    let arbitrary_file_identifier = match header.text_at(&["ArbitraryFileIdentifier"]) {
        None => None,
        Some(id) if identifier_ok(id) => Some(id.to_string()),
        Some(_) => {
            return Err(invalid(
                "ArbitraryFileIdentifier",
                "任意のファイル識別子",
                format!("{MAX_IDENTIFIER_CHARS}文字以内で、制御文字を含まない値にしてください。"),
            ))
        }
    };
    Ok(RequestHeader {
        institution,
        arbitrary_file_identifier,
    })
}

fn identifier_ok(id: &str) -> bool {
    id.chars().count() <= MAX_IDENTIFIER_CHARS && !id.chars().any(char::is_control)
}

fn body(root: &Element) -> Result<&Element, ProcessingError> {
    root.child("MessageBody")
        .ok_or_else(|| missing("MessageBody", "本文"))
}

fn search_info(root: &Element) -> Result<&Element, ProcessingError> {
    body(root)?
        .child("QualificationConfirmSearchInfo")
        .ok_or_else(|| missing("QualificationConfirmSearchInfo", "照会条件"))
}

/// The trimmed, non-empty text of a required child.
fn required<'a>(parent: &'a Element, name: &'static str) -> Result<&'a str, ProcessingError> {
    parent
        .text_at(&[name])
        .ok_or_else(|| missing(name, item_ja(name)))
}

fn item_ja(name: &str) -> &'static str {
    match name {
        "MedicalInstitutionCode" => "医療機関コード",
        "InsurerNumber" => "公費負担者番号",
        "InsuredIdentificationNumber" => "受給者番号",
        "Birthdate" => "生年月日",
        "MedicalTreatmentMonth" => "診療年月",
        "ReceptionNumber" => "受付番号",
        _ => "項目",
    }
}

fn missing(element: &str, ja: &str) -> ProcessingError {
    ProcessingError::new(
        ErrorKind::MissingItem,
        format!("{element}（{ja}）がありません。"),
    )
}

fn invalid(element: &str, ja: &str, message: impl AsRef<str>) -> ProcessingError {
    ProcessingError::new(
        ErrorKind::InvalidItem,
        format!("{element}（{ja}）: {}", message.as_ref()),
    )
}

/// `YYYYMMDD`, exactly 8 digits.
fn yyyymmdd(element: &str, ja: &str, value: &str) -> Result<NaiveDate, ProcessingError> {
    if value.len() != 8 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(
            element,
            ja,
            format!("「{value}」は YYYYMMDD（西暦8桁）で指定してください。"),
        ));
    }
    NaiveDate::parse_from_str(value, "%Y%m%d")
        .map_err(|_| invalid(element, ja, format!("「{value}」は存在しない日付です。")))
}

/// `YYYYMM`, exactly 6 digits → `YYYY-MM`.
fn yyyymm(value: &str) -> Result<String, ProcessingError> {
    let bad = || {
        invalid(
            "MedicalTreatmentMonth",
            "診療年月",
            format!("「{value}」は YYYYMM（西暦6桁、月は01〜12）で指定してください。"),
        )
    };
    if value.len() != 6 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (year, month) = (
        value.get(..4).ok_or_else(bad)?,
        value.get(4..).ok_or_else(bad)?,
    );
    match month.parse::<u32>() {
        Ok(1..=12) if year != "0000" => Ok(format!("{year}-{month}")),
        _ => Err(bad()),
    }
}

// ---------------------------------------------------------------- decoding

/// Bytes → text. The encoding is the BOM's, else the XML declaration's, else UTF-8 (the
/// XML default). Shift_JIS is decoded as CP932 (Windows-31J: what Windows レセコン write).
/// Bytes invalid in that encoding are an error, never replaced.
pub fn decode(bytes: &[u8]) -> Result<(String, XmlEncoding), (ProcessingError, XmlEncoding)> {
    let guess = declared_label(bytes)
        .and_then(|label| encoding_from_label(&label))
        .unwrap_or(XmlEncoding::Utf8);
    let fail = |kind, message: String| Err((ProcessingError::new(kind, message), guess));
    if bytes.len() > MAX_REQUEST_BYTES {
        return fail(
            ErrorKind::TooLarge,
            format!(
                "要求が大きすぎます（{}バイト）。{}バイト以内にしてください。",
                bytes.len(),
                MAX_REQUEST_BYTES
            ),
        );
    }
    if bytes.starts_with(&[0xFE, 0xFF]) || bytes.starts_with(&[0xFF, 0xFE]) || bytes.contains(&0) {
        return fail(
            ErrorKind::Encoding,
            "UTF-16 には対応していません。Shift_JIS または UTF-8 で送信してください。".into(),
        );
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((text.to_string(), XmlEncoding::Utf8)),
            Err(e) => Err((
                not_decodable(XmlEncoding::Utf8, e.valid_up_to() + 3),
                XmlEncoding::Utf8,
            )),
        };
    }
    let encoding = match declared_label(bytes) {
        None => XmlEncoding::Utf8,
        Some(label) => match encoding_from_label(&label) {
            Some(encoding) => encoding,
            None => {
                return fail(
                    ErrorKind::Encoding,
                    format!("文字コード「{label}」には対応していません。Shift_JIS または UTF-8 で送信してください。"),
                )
            }
        },
    };
    match encoding {
        XmlEncoding::Utf8 => match std::str::from_utf8(bytes) {
            Ok(text) => Ok((text.to_string(), encoding)),
            Err(e) => Err((not_decodable(encoding, e.valid_up_to()), encoding)),
        },
        XmlEncoding::ShiftJis => {
            match encoding_rs::SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes)
            {
                Some(text) => Ok((text.into_owned(), encoding)),
                None => Err((not_decodable(encoding, first_bad_sjis(bytes)), encoding)),
            }
        }
    }
}

fn not_decodable(encoding: XmlEncoding, at: usize) -> ProcessingError {
    ProcessingError::new(
        ErrorKind::Encoding,
        format!(
            "{}として読めないバイトがあります（{}バイト目付近）。XML宣言の encoding と実際の文字コードを一致させてください。",
            encoding.label(),
            at + 1
        ),
    )
}

/// Offset of the first byte sequence that is not CP932 (for the error message).
fn first_bad_sjis(bytes: &[u8]) -> usize {
    let mut decoder = encoding_rs::SHIFT_JIS.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len() * 3);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        encoding_rs::DecoderResult::Malformed(bad, _) => read.saturating_sub(usize::from(bad)),
        _ => read,
    }
}

/// The `encoding` of the XML declaration, if the document starts with one.
pub(super) fn declared_label(bytes: &[u8]) -> Option<String> {
    let head = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head = &head[..head.len().min(200)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let decl = head.get(start..)?.strip_prefix(b"<?xml")?;
    let end = decl.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(decl.get(..end)?).ok()?;
    let after = decl.split_once("encoding")?.1.trim_start();
    let after = after.strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = after.get(1..)?.split(quote).next()?;
    Some(value.trim().to_string())
}

fn encoding_from_label(label: &str) -> Option<XmlEncoding> {
    match label.to_ascii_lowercase().as_str() {
        "utf-8" | "utf8" => Some(XmlEncoding::Utf8),
        "shift_jis" | "shift-jis" | "sjis" | "x-sjis" | "windows-31j" | "cp932" | "ms932"
        | "ms_kanji" | "csshiftjis" => Some(XmlEncoding::ShiftJis),
        _ => None,
    }
}

// ---------------------------------------------------------------- element tree

/// An element: its local name, its text (all text nodes joined, trimmed) and its children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The element at a path of child names.
    pub fn at(&self, path: &[&str]) -> Option<&Element> {
        path.iter().try_fold(self, |e, name| e.child(name))
    }

    /// The trimmed text at a path, when not empty.
    pub fn text_at(&self, path: &[&str]) -> Option<&str> {
        self.at(path)
            .map(|e| e.text.trim())
            .filter(|t| !t.is_empty())
    }
}

/// Parse decoded text into its root element. Refuses DOCTYPE, undeclared entity
/// references, more than one root, and documents deeper than `MAX_DEPTH` (16) or with more
/// than `MAX_ELEMENTS` (500) elements. Namespace prefixes are dropped (local names).
pub fn parse_tree(text: &str) -> Result<Element, ProcessingError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    let malformed = |at: u64, what: &str| {
        ProcessingError::new(
            ErrorKind::NotWellFormed,
            format!(
                "XMLの形式が正しくありません（{}バイト目付近: {what}）。",
                at + 1
            ),
        )
    };
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| malformed(reader.error_position(), &syntax_ja(&e)))?;
        match event {
            Event::DocType(_) => {
                return Err(ProcessingError::new(
                    ErrorKind::Forbidden,
                    "DOCTYPE（文書型宣言）は使えません。実体の宣言や外部の参照を含む要求は受け付けません。",
                ))
            }
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(malformed(at, "ルート要素の後に要素があります"));
            }
            Event::Start(e) => {
                count += 1;
                if count > MAX_ELEMENTS || stack.len() >= MAX_DEPTH {
                    return Err(too_complex());
                }
                check_attributes(&e).map_err(|what| malformed(at, what))?;
                stack.push(Element {
                    name: local_name(&e),
                    ..Element::default()
                });
            }
            Event::Empty(e) => {
                count += 1;
                if count > MAX_ELEMENTS || stack.len() >= MAX_DEPTH {
                    return Err(too_complex());
                }
                check_attributes(&e).map_err(|what| malformed(at, what))?;
                let element = Element {
                    name: local_name(&e),
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err(malformed(at, "対応する開始タグがありません"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                let Some(current) = stack.last_mut() else {
                    return Err(malformed(at, "要素の外に文字があります"));
                };
                let value = t.unescape().map_err(|e| entity_error(at, &e))?;
                current.text.push_str(&value);
            }
            Event::CData(c) => {
                let Some(current) = stack.last_mut() else {
                    return Err(malformed(at, "要素の外に CDATA があります"));
                };
                let value = std::str::from_utf8(&c).map_err(|_| malformed(at, "CDATA"))?;
                current.text.push_str(value);
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(malformed(
            reader.buffer_position(),
            "閉じられていない要素があります",
        ));
    }
    let mut root = root.ok_or_else(|| malformed(0, "要素がありません"))?;
    trim_all(&mut root);
    Ok(root)
}

fn trim_all(element: &mut Element) {
    let trimmed = element.text.trim();
    if trimmed.len() != element.text.len() {
        element.text = trimmed.to_string();
    }
    element.children.iter_mut().for_each(trim_all);
}

fn too_complex() -> ProcessingError {
    ProcessingError::new(
        ErrorKind::TooLarge,
        format!(
            "要素が多すぎるか、入れ子が深すぎます（要素{MAX_ELEMENTS}個・深さ{MAX_DEPTH}まで）。"
        ),
    )
}

fn local_name(e: &quick_xml::events::BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

fn check_attributes(e: &quick_xml::events::BytesStart<'_>) -> Result<(), &'static str> {
    for attribute in e.attributes() {
        let attribute = attribute.map_err(|_| "属性の書き方")?;
        attribute
            .unescape_value()
            .map_err(|_| "属性の値の実体参照")?;
    }
    Ok(())
}

fn entity_error(at: u64, e: &quick_xml::Error) -> ProcessingError {
    match e {
        quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(_, name)) => {
            ProcessingError::new(
                ErrorKind::Forbidden,
                format!(
                    "実体参照「&{name};」は使えません（{}バイト目付近）。使えるのは &amp; &lt; &gt; &quot; &apos; と文字参照だけです。",
                    at + 1
                ),
            )
        }
        _ => ProcessingError::new(
            ErrorKind::NotWellFormed,
            format!(
                "XMLの形式が正しくありません（{}バイト目付近: 文字参照・実体参照の書き方）。",
                at + 1
            ),
        ),
    }
}

/// quick-xml's syntax errors in a few Japanese words (its own messages are English).
fn syntax_ja(e: &quick_xml::Error) -> String {
    use quick_xml::errors::{IllFormedError, SyntaxError};
    match e {
        quick_xml::Error::Syntax(s) => match s {
            SyntaxError::InvalidBangMarkup => "「<!」の後の書き方".into(),
            SyntaxError::UnclosedPIOrXmlDecl => "閉じられていない処理命令・XML宣言".into(),
            SyntaxError::UnclosedComment => "閉じられていないコメント".into(),
            SyntaxError::UnclosedDoctype => "閉じられていない DOCTYPE".into(),
            SyntaxError::UnclosedCData => "閉じられていない CDATA".into(),
            SyntaxError::UnclosedTag => "閉じられていないタグ".into(),
        },
        quick_xml::Error::IllFormed(i) => match i {
            IllFormedError::MismatchedEndTag { expected, found } => {
                format!("終了タグ「{found}」は開始タグ「{expected}」と一致しません")
            }
            IllFormedError::UnmatchedEndTag(name) => {
                format!("終了タグ「{name}」に対応する開始タグがありません")
            }
            IllFormedError::MissingEndTag(name) => format!("「{name}」の終了タグがありません"),
            _ => "タグの書き方".into(),
        },
        _ => "文書の書き方".into(),
    }
}
