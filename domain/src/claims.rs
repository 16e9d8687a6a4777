//! 請求前資格確認 (product.md §2, report §2.2.16, `domain-reference.md` §6.2): each receipt
//! of the 資格情報ファイル is checked against the 台帳 and the 医療券・調剤券, and the
//! receipts to return go to the 返戻情報ファイル with a 返戻事由コード.
//!
//! The official layouts are not public ([UNVERIFIED], reference §9.3); this project's are in
//! `docs/file-layouts.md` (資格情報ファイル, 返戻情報ファイル). Each visit date is judged by the
//! eligibility function itself ([`decide`]): a receipt is in order when every 診療日 would have
//! verified 1 有効 at that institution — so the check and the clinic's screen never disagree.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::api::{ClaimsLine, ClaimsReview};
use crate::codes::QualificationValidity;
use crate::error::{FieldError, RowError};
use crate::import::parse_file;
use crate::numbers::{normalize_digits, InstitutionCode, PublicPayerNumber};
use crate::ticket::{month_bounds, Ticket};
use crate::verdict::{decide, Qualification};

/// Header of the CSV inside the 資格情報ファイル.
pub const SHIKAKU_HEADER: &str =
    "レセプト番号,医療機関コード,診療年月,公費負担者番号,受給者番号,氏名,生年月日,請求点数,診療日";
/// Header of the 返戻情報ファイル.
pub const HENREI_HEADER: &str = "レセプト番号,医療機関コード,診療年月,公費負担者番号,受給者番号,氏名,生年月日,請求点数,返戻事由コード,返戻事由,詳細";
/// Longest レセプト番号.
const MAX_RECEIPT_ID: usize = 20;

/// 返戻事由コード. [UNVERIFIED] The official codes are not public; these are this project's,
/// grouped 1x 番号・本人, 2x 資格, 3x 医療券.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReturnReason {
    /// 公費負担者番号誤り: not a valid number, or not this office's.
    OfficeNumber,
    /// 受給者番号誤り: not a valid number, or no such recipient in the office.
    RecipientNumber,
    /// 生年月日相違
    BirthDate,
    /// 資格取得前の診療 (or no 資格 registered at all).
    BeforeQualification,
    /// 資格喪失後の診療 (保護の停止・廃止の後).
    AfterQualification,
    /// 医療券・調剤券なし: no ticket names the institution that month (未委託).
    NoTicket,
    /// 医療券・調剤券の有効期間外.
    OutsideTicket,
}

impl ReturnReason {
    pub const ALL: [ReturnReason; 7] = [
        ReturnReason::OfficeNumber,
        ReturnReason::RecipientNumber,
        ReturnReason::BirthDate,
        ReturnReason::BeforeQualification,
        ReturnReason::AfterQualification,
        ReturnReason::NoTicket,
        ReturnReason::OutsideTicket,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReturnReason::OfficeNumber => "11",
            ReturnReason::RecipientNumber => "12",
            ReturnReason::BirthDate => "13",
            ReturnReason::BeforeQualification => "21",
            ReturnReason::AfterQualification => "22",
            ReturnReason::NoTicket => "31",
            ReturnReason::OutsideTicket => "32",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            ReturnReason::OfficeNumber => "公費負担者番号誤り",
            ReturnReason::RecipientNumber => "受給者番号誤り",
            ReturnReason::BirthDate => "生年月日相違",
            ReturnReason::BeforeQualification => "資格取得前の診療",
            ReturnReason::AfterQualification => "資格喪失後の診療",
            ReturnReason::NoTicket => "医療券・調剤券なし（未委託）",
            ReturnReason::OutsideTicket => "医療券・調剤券の有効期間外",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl Serialize for ReturnReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for ReturnReason {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        ReturnReason::from_code(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("返戻事由コード「{s}」は使えません。")))
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for ReturnReason {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ReturnReason".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "enum": ["11", "12", "13", "21", "22", "31", "32"], "description": "返戻事由コード"})
    }
}

// ---------------------------------------------------------------- file names

/// What a 資格情報ファイル's name says: `XXXXXXXX_SHIKAKU_YYYYMM.ZIP`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimsFileName {
    /// XXXXXXXX: the 公費負担者番号 of the office the file is for.
    pub office: PublicPayerNumber,
    /// YYYYMM: 請求年月, as `YYYY-MM`.
    pub billing_month: String,
}

/// Read `XXXXXXXX_SHIKAKU_YYYYMM.ZIP` (or `.CSV`, the file inside; any case; a directory
/// part is ignored).
pub fn parse_file_name(name: &str) -> Result<ClaimsFileName, FieldError> {
    let field = "ファイル名";
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let bad = || {
        FieldError::new(
            field,
            format!("「{base}」は資格情報ファイルの名前ではありません。「公費負担者番号8桁_SHIKAKU_請求年月6桁.ZIP」（例: 12131017_SHIKAKU_202405.ZIP）です。"),
        )
    };
    let stem = base
        .rsplit_once('.')
        .filter(|(_, ext)| ext.eq_ignore_ascii_case("zip") || ext.eq_ignore_ascii_case("csv"))
        .map(|(stem, _)| stem)
        .ok_or_else(bad)?;
    let parts: Vec<&str> = stem.split('_').collect();
    let [office, kind, month] = parts.as_slice() else {
        return Err(bad());
    };
    if !kind.eq_ignore_ascii_case("SHIKAKU") {
        return Err(bad());
    }
    let office = PublicPayerNumber::parse(office).map_err(|e| {
        FieldError::new(
            field,
            format!("ファイル名の公費負担者番号: {}", e.message()),
        )
    })?;
    let billing_month = yyyymm(month).ok_or_else(bad)?;
    Ok(ClaimsFileName {
        office,
        billing_month,
    })
}

/// `12131017_HENREI_202405.<ext>`: the 返戻情報ファイル for a 資格情報ファイル.
pub fn return_file_name(office: &str, billing_month: &str, extension: &str) -> String {
    format!(
        "{office}_HENREI_{}.{extension}",
        billing_month.replace('-', "")
    )
}

/// `12131017_SHIKAKU_202405.<ext>`.
pub fn shikaku_file_name(office: &str, billing_month: &str, extension: &str) -> String {
    format!(
        "{office}_SHIKAKU_{}.{extension}",
        billing_month.replace('-', "")
    )
}

fn yyyymm(value: &str) -> Option<String> {
    let ok = value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit());
    let month: u32 = value.get(4..)?.parse().ok()?;
    (ok && (1..=12).contains(&month))
        .then(|| format!("{}-{:02}", value.get(..4).unwrap_or(""), month))
}

// ---------------------------------------------------------------- the CSV

/// One receipt (one row of the 資格情報ファイル).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub line: usize,
    pub receipt_id: String,
    pub institution: InstitutionCode,
    /// 診療年月 `YYYY-MM`.
    pub month: String,
    /// 公費負担者番号 as on the receipt (digits normalized, not checked: a wrong number is a
    /// finding, not a file error).
    pub office_number: String,
    /// 受給者番号 as on the receipt (likewise).
    pub recipient_number: String,
    pub name: String,
    pub birth_date: NaiveDate,
    pub points: i64,
    /// 診療日, inside the 診療年月 (empty: not given).
    pub visit_dates: Vec<NaiveDate>,
}

/// Read the CSV (decoded text, UTF-8 or CP932 via `import::decode_text`): every receipt, or
/// every row error. A wrong 公費負担者番号/受給者番号/生年月日 is not a file error: it is what the
/// check is for.
pub fn parse_receipts(text: &str) -> Result<Vec<Receipt>, Vec<RowError>> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    parse_file(text, SHIKAKU_HEADER, |r| {
        let receipt_id = r.text("レセプト番号");
        if let Some(id) = &receipt_id {
            if id.chars().count() > MAX_RECEIPT_ID || id.chars().any(char::is_control) {
                r.error(
                    "レセプト番号",
                    format!("レセプト番号は{MAX_RECEIPT_ID}文字以内にしてください。"),
                );
            } else if let Some(first) = seen.get(id) {
                let message = format!("レセプト番号「{id}」が{first}行目と重複しています。");
                r.error("レセプト番号", message);
            } else {
                seen.insert(id.clone(), r.line);
            }
        }
        let institution = r.number("医療機関コード", InstitutionCode::parse);
        let month_text = r.required("診療年月");
        let month = month_text.and_then(|v| {
            let month = crate::wareki::parse_month_input(v)
                .ok()
                .filter(|_| v.len() == 7 && v.as_bytes().get(4) == Some(&b'-'))
                .map(|(y, m)| format!("{y:04}-{m:02}"));
            if month.is_none() {
                r.error(
                    "診療年月",
                    format!("「{v}」は YYYY-MM（例: 2024-04）で入力してください。"),
                );
            }
            month
        });
        let office_number = r.required("公費負担者番号").map(normalize_digits);
        let recipient_number = r.required("受給者番号").map(normalize_digits);
        let name = r.text("氏名");
        let birth_date = r.date("生年月日");
        let points = r.required("請求点数").and_then(|v| {
            let points = v.parse::<i64>().ok().filter(|p| *p >= 0);
            if points.is_none() {
                r.error(
                    "請求点数",
                    format!("「{v}」は使えません。0以上の整数（点）を入力してください。"),
                );
            }
            points
        });
        let mut visit_dates = Vec::new();
        let bounds = month.as_deref().and_then(month_bounds);
        for part in r
            .get("診療日")
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let date = NaiveDate::parse_from_str(part, "%Y-%m-%d")
                .ok()
                .filter(|_| part.len() == 10);
            match (date, bounds) {
                (None, _) => r.error(
                    "診療日",
                    format!("「{part}」は日付の形式ではありません。YYYY-MM-DD を「;」で区切って入力してください。"),
                ),
                (Some(d), Some((first, last))) if d < first || d > last => r.error(
                    "診療日",
                    format!("診療日 {d} が診療年月の範囲外です。"),
                ),
                (Some(d), _) => {
                    if !visit_dates.contains(&d) {
                        visit_dates.push(d);
                    }
                }
            }
        }
        visit_dates.sort();
        Some(Receipt {
            line: r.line,
            receipt_id: receipt_id?,
            institution: institution?,
            month: month?,
            office_number: office_number?,
            recipient_number: recipient_number?,
            name: name?,
            birth_date: birth_date?,
            points: points?,
            visit_dates,
        })
    })
}

// ---------------------------------------------------------------- the check

/// A recipient as the 台帳 has them, with their tickets in force (any institution) for the
/// months of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub name: String,
    pub qualification: Qualification,
    pub tickets: Vec<Ticket>,
}

/// What the check found for one receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub reason: Option<ReturnReason>,
    pub detail: String,
    pub warnings: Vec<String>,
}

impl Finding {
    fn ok(warnings: Vec<String>) -> Self {
        Finding {
            reason: None,
            detail: String::new(),
            warnings,
        }
    }

    fn returned(reason: ReturnReason, detail: String, warnings: Vec<String>) -> Self {
        Finding {
            reason: Some(reason),
            detail,
            warnings,
        }
    }
}

/// Check one receipt for `office`; `registered` is the recipient its 受給者番号 names in the
/// office (`None`: no such recipient). In order: 公費負担者番号, 受給者番号, 生年月日, then
/// each 診療日 (or, without 診療日, the days of the month) through [`decide`].
pub fn check_receipt(
    receipt: &Receipt,
    office: &PublicPayerNumber,
    registered: Option<&Registered>,
) -> Finding {
    use ReturnReason::*;
    let none = Vec::new;
    match PublicPayerNumber::parse(&receipt.office_number) {
        Err(e) => {
            return Finding::returned(
                OfficeNumber,
                format!(
                    "公費負担者番号「{}」: {}",
                    receipt.office_number,
                    e.message()
                ),
                none(),
            )
        }
        Ok(n) if n != *office => {
            return Finding::returned(
                OfficeNumber,
                format!(
                    "公費負担者番号「{}」はこの福祉事務所（{}）の番号ではありません。",
                    n.as_str(),
                    office.as_str()
                ),
                none(),
            )
        }
        Ok(_) => {}
    }
    if let Err(e) = crate::numbers::RecipientNumber::parse(&receipt.recipient_number) {
        return Finding::returned(
            RecipientNumber,
            format!(
                "受給者番号「{}」: {}",
                receipt.recipient_number,
                e.message()
            ),
            none(),
        );
    }
    let Some(person) = registered else {
        return Finding::returned(
            RecipientNumber,
            format!(
                "受給者番号「{}」の被保護者は台帳にいません。",
                receipt.recipient_number
            ),
            none(),
        );
    };
    let warnings = name_warnings(&receipt.name, &person.name);
    let registered_birth = person.qualification.birth_date;
    if receipt.birth_date != registered_birth {
        return Finding::returned(
            BirthDate,
            format!(
                "レセプトの生年月日 {} が台帳の生年月日 {registered_birth} と異なります。",
                receipt.birth_date
            ),
            warnings,
        );
    }
    let Some((first, last)) = month_bounds(&receipt.month) else {
        return Finding::ok(warnings);
    };
    let given = !receipt.visit_dates.is_empty();
    let days: Vec<NaiveDate> = if given {
        receipt.visit_dates.clone()
    } else {
        first.iter_days().take_while(|d| *d <= last).collect()
    };
    let verdicts: Vec<(NaiveDate, QualificationValidity)> = days
        .iter()
        .map(|day| {
            let decision = decide(
                Some(&person.qualification),
                receipt.birth_date,
                &person.tickets,
                &receipt.institution,
                *day,
            );
            (*day, decision.validity)
        })
        .collect();
    let valid = |v: &QualificationValidity| *v == QualificationValidity::Valid;
    let failing: Vec<(NaiveDate, QualificationValidity)> = if given {
        verdicts
            .iter()
            .copied()
            .filter(|(_, v)| !valid(v))
            .collect()
    } else if verdicts.iter().any(|(_, v)| valid(v)) {
        Vec::new()
    } else {
        // No day of the month would verify: a 資格 problem if no day is qualified at all,
        // else a ticket problem.
        let unqualified = verdicts.iter().all(|(_, v)| !v.is_eligible());
        verdicts
            .iter()
            .copied()
            .filter(|(_, v)| {
                if unqualified {
                    !v.is_eligible()
                } else {
                    *v == QualificationValidity::ValidUnregistered
                }
            })
            .collect()
    };
    let Some(&(day, verdict)) = failing.first() else {
        return Finding::ok(warnings);
    };
    let dates = describe_dates(&failing, given);
    let q = &person.qualification;
    if !verdict.is_eligible() {
        let moved = verdict == QualificationValidity::InvalidNewQualification;
        // The period that ended last before the day, if any: a day in a gap or after the
        // last period is 資格喪失後; a day before every period is 資格取得前.
        let lost = q
            .periods
            .iter()
            .filter_map(|p| p.until.filter(|until| *until < day))
            .max();
        return match lost {
            Some(until) => Finding::returned(
                AfterQualification,
                if moved {
                    format!("{dates}は資格喪失日（{until}）より後です（転居などで別の福祉事務所に新しい資格があります）。")
                } else {
                    format!("{dates}は資格喪失日（{until}）より後です。")
                },
                warnings,
            ),
            None => {
                let detail = match q.periods.iter().map(|p| p.from).find(|from| day < *from) {
                    Some(from) => format!("{dates}は資格取得日（{from}）より前です。"),
                    None => "資格情報（資格取得日）が登録されていません。".to_string(),
                };
                Finding::returned(BeforeQualification, detail, warnings)
            }
        };
    }
    let month_tickets: Vec<&Ticket> = person
        .tickets
        .iter()
        .filter(|t| t.names(&receipt.institution) && t.treatment_month == receipt.month)
        .collect();
    if month_tickets.is_empty() {
        return Finding::returned(
            NoTicket,
            format!(
                "医療機関 {} あての {} の医療券・調剤券がありません（未委託）。",
                receipt.institution.as_str(),
                receipt.month
            ),
            warnings,
        );
    }
    let periods = month_tickets
        .iter()
        .map(|t| format!("{}〜{}", t.valid_from, t.valid_until))
        .collect::<Vec<_>>()
        .join("、");
    Finding::returned(
        OutsideTicket,
        format!("{dates}は医療券・調剤券の有効期間（{periods}）の外です。"),
        warnings,
    )
}

/// 「2024-04-25」, 「2024-04-25ほか2日」 or 「診療年月のどの日も」.
fn describe_dates(failing: &[(NaiveDate, QualificationValidity)], given: bool) -> String {
    match (given, failing) {
        (false, _) => "診療年月のどの日も".to_string(),
        (true, [(day, _)]) => format!("診療日 {day} "),
        (true, [(day, _), rest @ ..]) => format!("診療日 {day} ほか{}日", rest.len()),
        (true, []) => String::new(),
    }
}

/// Names compared without spaces: a difference is noted, never a reason to return (the
/// same person is written with 異体字, 半角/全角 spaces, …).
fn name_warnings(on_receipt: &str, registered: &str) -> Vec<String> {
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    if squeeze(on_receipt) == squeeze(registered) {
        Vec::new()
    } else {
        vec![format!(
            "氏名がレセプト「{on_receipt}」と台帳「{registered}」で異なります（返戻の事由にはしていません）。"
        )]
    }
}

/// Check every receipt: `lookup` gives the recipient of a (normalized) 受給者番号 in the
/// office named by the file.
pub fn review<'a>(
    file_name: &str,
    name: &ClaimsFileName,
    checked_at: &str,
    receipts: &[Receipt],
    lookup: impl Fn(&str) -> Option<&'a Registered>,
) -> ClaimsReview {
    let lines: Vec<ClaimsLine> = receipts
        .iter()
        .map(|receipt| {
            let finding = check_receipt(receipt, &name.office, lookup(&receipt.recipient_number));
            ClaimsLine {
                line: receipt.line,
                receipt_id: receipt.receipt_id.clone(),
                institution_code: receipt.institution.as_str().to_string(),
                month: receipt.month.clone(),
                office_number: receipt.office_number.clone(),
                recipient_number: receipt.recipient_number.clone(),
                name: receipt.name.clone(),
                birth_date: receipt.birth_date,
                points: receipt.points,
                visit_dates: receipt.visit_dates.clone(),
                reason: finding.reason,
                reason_label: finding.reason.map(|r| r.label_ja().to_string()),
                detail: finding.detail,
                warnings: finding.warnings,
            }
        })
        .collect();
    ClaimsReview {
        id: None,
        file_name: file_name.to_string(),
        office_number: name.office.as_str().to_string(),
        billing_month: name.billing_month.clone(),
        checked_at: checked_at.to_string(),
        receipt_count: lines.len(),
        return_count: lines.iter().filter(|l| l.reason.is_some()).count(),
        lines,
    }
}

/// The 返戻情報ファイル's CSV: [`HENREI_HEADER`], then one row per receipt to return, in file
/// order. Text with CRLF line ends (written in CP932 by the server).
pub fn return_csv(review: &ClaimsReview) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = writer.write_record(HENREI_HEADER.split(','));
    for l in review.returns() {
        let reason = l
            .reason
            .map(|r| (r.code(), r.label_ja()))
            .unwrap_or_default();
        let _ = writer.write_record([
            l.receipt_id.as_str(),
            &l.institution_code,
            &l.month,
            &l.office_number,
            &l.recipient_number,
            &l.name,
            &l.birth_date.to_string(),
            &l.points.to_string(),
            reason.0,
            reason.1,
            &l.detail,
        ]);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// The 資格情報ファイル's CSV for `receipts` (the sample generator and tests write it).
pub fn shikaku_csv(receipts: &[Receipt]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = writer.write_record(SHIKAKU_HEADER.split(','));
    for r in receipts {
        let dates = r
            .visit_dates
            .iter()
            .map(NaiveDate::to_string)
            .collect::<Vec<_>>()
            .join(";");
        let _ = writer.write_record([
            r.receipt_id.as_str(),
            r.institution.as_str(),
            &r.month,
            &r.office_number,
            &r.recipient_number,
            &r.name,
            &r.birth_date.to_string(),
            &r.points.to_string(),
            &dates,
        ]);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

// ---------------------------------------------------------------- the ZIP

/// The largest 資格情報ファイル accepted (compressed).
pub const MAX_ZIP_BYTES: usize = 64 * 1024 * 1024;
/// The largest CSV inside it (uncompressed: a ZIP bomb stops here).
pub const MAX_CSV_BYTES: u64 = 256 * 1024 * 1024;

/// The one CSV inside a 資格情報ファイル: its name and its text (UTF-8 or CP932 decoded).
/// Folders are ignored; anything but exactly one `.CSV` entry is an error.
pub fn read_zip(bytes: &[u8]) -> Result<(String, String), FieldError> {
    read_zip_limited(bytes, MAX_CSV_BYTES)
}

fn read_zip_limited(bytes: &[u8], max_csv_bytes: u64) -> Result<(String, String), FieldError> {
    use std::io::Read as _;
    let field = "ファイル";
    let fail = |message: String| FieldError::new(field, message);
    if bytes.len() > MAX_ZIP_BYTES {
        return Err(fail(format!(
            "ファイルが大きすぎます（{} バイト、上限 {} バイト）。",
            bytes.len(),
            MAX_ZIP_BYTES
        )));
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| {
        fail("ZIP ファイルとして読み取れません。支払基金から受け取った資格情報ファイル（.ZIP）をそのまま指定してください。".into())
    })?;
    let csv: Vec<(usize, String)> = (0..zip.len())
        .filter_map(|i| zip.name_for_index(i).map(|n| (i, n.to_string())))
        .filter(|(_, n)| !n.ends_with('/') && n.to_ascii_lowercase().ends_with(".csv"))
        .collect();
    let [(index, name)] = csv.as_slice() else {
        return Err(fail(format!(
            "ZIP の中に CSV ファイルがちょうど1つあるはずですが、{}個あります。",
            csv.len()
        )));
    };
    let entry = zip.by_index(*index).map_err(|_| {
        fail("ZIP の中のファイルを読み取れません（暗号化された ZIP は使えません）。".into())
    })?;
    let mut data = Vec::new();
    entry
        .take(max_csv_bytes + 1)
        .read_to_end(&mut data)
        .map_err(|_| fail("ZIP を展開できません（壊れているか、途中で切れています）。".into()))?;
    if data.len() as u64 > max_csv_bytes {
        return Err(fail(format!(
            "展開後の CSV が大きすぎます（上限 {max_csv_bytes} バイト）。"
        )));
    }
    let text = crate::import::decode_text(&data)?;
    let base = name.rsplit('/').next().unwrap_or(name).to_string();
    Ok((base, text))
}

/// A ZIP holding one file, deflated and dated `date` (so the same input gives the same bytes).
pub fn write_zip(entry_name: &str, content: &[u8], date: NaiveDate) -> Vec<u8> {
    use chrono::Datelike as _;
    use std::io::Write as _;
    let stamp = zip::DateTime::from_date_and_time(
        u16::try_from(date.year().clamp(1980, 2107)).unwrap_or(1980),
        u8::try_from(date.month()).unwrap_or(1),
        u8::try_from(date.day()).unwrap_or(1),
        0,
        0,
        0,
    )
    .unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(stamp)
        .unix_permissions(0o644);
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let written = out
        .start_file(entry_name, options)
        .and_then(|()| out.write_all(content).map_err(zip::result::ZipError::from))
        .and_then(|()| out.finish());
    // Writing to memory cannot fail.
    written.map(std::io::Cursor::into_inner).unwrap_or_default()
}

/// The 返戻情報ファイル of a review: `XXXXXXXX_HENREI_YYYYMM.ZIP` holding
/// `XXXXXXXX_HENREI_YYYYMM.CSV` in CP932 — its name and bytes.
pub fn return_file(review: &ClaimsReview, date: NaiveDate) -> (String, Vec<u8>) {
    let csv = crate::api::encode_cp932(&return_csv(review));
    let inner = return_file_name(&review.office_number, &review.billing_month, "CSV");
    (
        return_file_name(&review.office_number, &review.billing_month, "ZIP"),
        write_zip(&inner, &csv, date),
    )
}

#[cfg(test)]
#[path = "claims_tests.rs"]
mod tests;
