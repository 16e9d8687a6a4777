//! Appendix A exchange files: offices, institutions, recipients, tickets, verification log.
//!
//! Each parser checks every row and returns either every row or every error (line number
//! as in the file, header = line 1; `field` = the Japanese column name), so an import can
//! write all of a file or nothing of it. Checks that need the database (is the office or
//! institution known?) are the server's job. Layouts and rules: `docs/file-layouts.md`.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::codes::{
    CodeValue, Presence, QualificationValidity, ReferenceClass, Sex, SingleOrCombined, TicketType,
    TreatmentType,
};
use crate::error::{FieldError, RowError};
use crate::numbers::{
    IndividualNumber, InstitutionCode, NumberError, PublicPayerNumber, RecipientNumber, ScoreTable,
};
use crate::recipient::normalize_exported_kana;
use crate::text::{check_chars, Lines};

/// The header lines, exactly as Appendix A gives them (also used by exporters).
pub const OFFICES_HEADER: &str = "公費負担者番号,名称,郵便番号,住所,電話番号";
pub const INSTITUTIONS_HEADER: &str =
    "医療機関コード,名称,オンライン資格確認対応,郵便番号,住所,電話番号";
pub const RECIPIENTS_HEADER: &str = "公費負担者番号,受給者番号,個人番号,氏名,氏名カナ,性別,生年月日,郵便番号,住所,資格取得日,資格喪失日,カード利用登録,閲覧制限";
pub const TICKETS_HEADER: &str = "公費負担者番号,受給者番号,医療券・調剤券別,交付番号,診療年月,有効開始日,有効終了日,指定医療機関コード,処方箋発行元医療機関コード,診療別,傷病名1,傷病名2,傷病名3,本人支払額,単独・併用別,社会保険状況,感染症法該当,後期高齢者医療該当,都道府県費該当,地区担当員名,取扱担当者名,備考1,備考2,備考3";
pub const VERIFICATION_LOG_HEADER: &str =
    "資格確認日時,医療機関コード,公費負担者番号,受給者番号,照会区分,資格有効性";

/// `offices.csv`: one 実施機関 (福祉事務所).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeRow {
    pub line: usize,
    pub number: PublicPayerNumber,
    pub name: String,
    /// Always `NNN-NNNN`.
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

/// `institutions.csv`: one 指定医療機関 or 指定薬局 (点数表 = digit 3 of the code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstitutionRow {
    pub line: usize,
    pub code: InstitutionCode,
    pub name: String,
    pub online_capable: bool,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

/// `recipients.csv`: one 被保護者 and their 資格情報.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientRow {
    pub line: usize,
    pub office: PublicPayerNumber,
    pub recipient: RecipientNumber,
    pub individual_number: Option<IndividualNumber>,
    pub name: String,
    pub name_kana: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    /// 資格取得日 (保護開始・再開日).
    pub qualified_from: Option<NaiveDate>,
    /// 資格喪失日 (停止・廃止日).
    pub qualified_until: Option<NaiveDate>,
    /// カード利用登録 (健康保険証利用の申込済み).
    pub card_registered: bool,
    /// 閲覧制限 (DV・虐待).
    pub restricted: bool,
    /// The fields whose value was normalised to the stored form (半角カナ → 全角カタカナ,
    /// 半角スペース → 全角スペース) rather than taken as written: the import report names them.
    pub normalized: Vec<String>,
}

/// How many rows had each field normalised, in column order: the import report's lines, e.g.
/// 「氏名カナ: 3 行（2, 5, 9 行目）の半角カナ・半角スペースを全角に直しました。」.
pub fn normalization_notes(rows: &[RecipientRow]) -> Vec<String> {
    let mut notes = Vec::new();
    for field in RECIPIENTS_HEADER.split(',') {
        let lines: Vec<String> = rows
            .iter()
            .filter(|r| r.normalized.iter().any(|f| f == field))
            .map(|r| r.line.to_string())
            .collect();
        if lines.is_empty() {
            continue;
        }
        const SHOWN: usize = 10;
        let more = if lines.len() > SHOWN { " ほか" } else { "" };
        notes.push(format!(
            "{field}: {} 行（{}{more} 行目）の半角カナ・半角スペースを全角に直しました。",
            lines.len(),
            lines[..lines.len().min(SHOWN)].join(", "),
        ));
    }
    notes
}

/// `tickets.csv`: one 医療券 or 調剤券.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketRow {
    pub line: usize,
    pub office: PublicPayerNumber,
    pub recipient: RecipientNumber,
    pub ticket_type: TicketType,
    pub issue_number: String,
    /// 診療年月 (year, month 1..=12).
    pub treatment_month: (i32, u32),
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// 指定医療機関コード.
    pub institution: InstitutionCode,
    /// 処方箋発行元医療機関コード: present exactly for 調剤券.
    pub prescriber: Option<InstitutionCode>,
    pub treatment_type: TreatmentType,
    /// 傷病名1〜3, in their columns.
    pub injury_names: [Option<String>; 3],
    /// 本人支払額 (円).
    pub self_pay_amount: i64,
    pub single_or_combined: SingleOrCombined,
    pub social_insurance: Presence,
    pub infection_law: Presence,
    pub elderly_care: Presence,
    pub prefectural_expense: Presence,
    pub district_contact: Option<String>,
    pub handling_contact: Option<String>,
    /// 備考1〜3, in their columns.
    pub remarks: [Option<String>; 3],
}

/// `verification-log.csv`: one 資格確認実績.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationRow {
    pub line: usize,
    pub verified_at: DateTime<FixedOffset>,
    pub institution: InstitutionCode,
    pub office: PublicPayerNumber,
    pub recipient: RecipientNumber,
    pub reference: ReferenceClass,
    pub validity: QualificationValidity,
}

/// Decode an uploaded file: UTF-8 (with or without BOM) or CP932/Shift_JIS. The BOM is removed.
pub fn decode_text(bytes: &[u8]) -> Result<String, FieldError> {
    let undecodable = || {
        FieldError::new(
            "ファイル",
            "文字コードを判別できません。UTF-8 または Shift_JIS(CP932) で保存してください。",
        )
    };
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        std::str::from_utf8(rest)
            .map_err(|_| undecodable())?
            .to_string()
    } else if let Ok(utf8) = std::str::from_utf8(bytes) {
        utf8.to_string()
    } else {
        encoding_rs::SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or_else(undecodable)?
            .into_owned()
    };
    // NUL never occurs in text; it means UTF-16 or a binary file (e.g. .xlsx).
    if text.contains('\0') {
        return Err(undecodable());
    }
    Ok(text)
}

pub fn parse_offices(text: &str) -> Result<Vec<OfficeRow>, Vec<RowError>> {
    let mut seen = HashMap::new();
    parse_file(text, OFFICES_HEADER, |r| {
        let number = r.number("公費負担者番号", PublicPayerNumber::parse);
        let name = r.text("名称");
        let postal_code = r.postal("郵便番号");
        let address = r.opt_text("住所");
        let phone = r.phone("電話番号");
        if let Some(n) = &number {
            r.unique(
                &mut seen,
                "公費負担者番号",
                n.as_str().to_string(),
                n.as_str(),
            );
        }
        Some(OfficeRow {
            line: r.line,
            number: number?,
            name: name?,
            postal_code,
            address,
            phone,
        })
    })
}

pub fn parse_institutions(text: &str) -> Result<Vec<InstitutionRow>, Vec<RowError>> {
    let mut seen = HashMap::new();
    parse_file(text, INSTITUTIONS_HEADER, |r| {
        let code = r.number("医療機関コード", InstitutionCode::parse);
        let name = r.text("名称");
        let online_capable = r.flag("オンライン資格確認対応");
        let postal_code = r.postal("郵便番号");
        let address = r.opt_text("住所");
        let phone = r.phone("電話番号");
        if let Some(c) = &code {
            r.unique(
                &mut seen,
                "医療機関コード",
                c.as_str().to_string(),
                c.as_str(),
            );
        }
        Some(InstitutionRow {
            line: r.line,
            code: code?,
            name: name?,
            online_capable: online_capable?,
            postal_code,
            address,
            phone,
        })
    })
}

pub fn parse_recipients(text: &str) -> Result<Vec<RecipientRow>, Vec<RowError>> {
    let mut seen = HashMap::new();
    let mut seen_individual = HashMap::new();
    parse_file(text, RECIPIENTS_HEADER, |r| {
        let office = r.number("公費負担者番号", PublicPayerNumber::parse);
        let recipient = r.number("受給者番号", RecipientNumber::parse);
        let individual_number = r.opt_number("個人番号", IndividualNumber::parse);
        let name = r.text("氏名");
        let written_kana = r.get("氏名カナ");
        let name_kana = r.kana("氏名カナ");
        let mut normalized = Vec::new();
        if name_kana.as_deref().is_some_and(|k| k != written_kana) {
            normalized.push("氏名カナ".to_string());
        }
        let sex = r.code::<Sex>("性別");
        let birth_date = r.date("生年月日");
        let postal_code = r.postal("郵便番号");
        let address = r.opt_text("住所");
        let qualified_from = r.opt_date("資格取得日");
        let qualified_until = r.opt_date("資格喪失日");
        let card_registered = r.flag("カード利用登録");
        let restricted = r.flag("閲覧制限");
        if let (Some(from), Some(until)) = (qualified_from, qualified_until) {
            if until < from {
                r.error(
                    "資格喪失日",
                    format!("資格喪失日（{until}）が資格取得日（{from}）より前です。"),
                );
            }
        }
        if let (Some(o), Some(n)) = (&office, &recipient) {
            let key = format!("{}-{}", o.as_str(), n.as_str());
            let shown = format!("{}・{}", o.as_str(), n.as_str());
            r.unique(&mut seen, "受給者番号", key, &shown);
        }
        if let (Some(o), Some(i)) = (&office, &individual_number) {
            // Never echo a 個人番号: the message names only the other line.
            if let Some(first) =
                seen_individual.insert(format!("{}-{}", o.as_str(), i.as_str()), r.line)
            {
                r.error(
                    "個人番号",
                    format!("同じ個人番号が{first}行目にもあります。受給者番号は一人に一つです。"),
                );
            }
        }
        Some(RecipientRow {
            line: r.line,
            office: office?,
            recipient: recipient?,
            individual_number,
            name: name?,
            name_kana: name_kana?,
            sex: sex?,
            birth_date: birth_date?,
            postal_code,
            address,
            qualified_from,
            qualified_until,
            card_registered: card_registered?,
            restricted: restricted?,
            normalized,
        })
    })
}

pub fn parse_tickets(text: &str) -> Result<Vec<TicketRow>, Vec<RowError>> {
    let mut seen = HashMap::new();
    parse_file(text, TICKETS_HEADER, |r| {
        let office = r.number("公費負担者番号", PublicPayerNumber::parse);
        let recipient = r.number("受給者番号", RecipientNumber::parse);
        let ticket_type = r.code::<TicketType>("医療券・調剤券別");
        let issue_number = r.text("交付番号");
        let month = r.month("診療年月");
        let valid_from = r.date("有効開始日");
        let valid_until = r.date("有効終了日");
        let institution = r.number("指定医療機関コード", InstitutionCode::parse);
        let prescriber = r.opt_number("処方箋発行元医療機関コード", InstitutionCode::parse);
        let treatment_type = r.code::<TreatmentType>("診療別");
        let injury_names = ["傷病名1", "傷病名2", "傷病名3"].map(|c| r.opt_text(c));
        let self_pay_amount = r.amount("本人支払額");
        let single_or_combined = r.code::<SingleOrCombined>("単独・併用別");
        let social_insurance = r.code::<Presence>("社会保険状況");
        let infection_law = r.code::<Presence>("感染症法該当");
        let elderly_care = r.code::<Presence>("後期高齢者医療該当");
        let prefectural_expense = r.code::<Presence>("都道府県費該当");
        let district_contact = r.opt_text("地区担当員名");
        let handling_contact = r.opt_text("取扱担当者名");
        let remarks = ["備考1", "備考2", "備考3"].map(|c| r.opt_text(c));

        check_validity_period(r, month, valid_from, valid_until);
        if let Some(t) = ticket_type {
            check_ticket_kind(
                r,
                t,
                treatment_type,
                institution.as_ref(),
                prescriber.as_ref(),
            );
        }
        if let (Some(o), Some(n)) = (&office, &issue_number) {
            r.unique(&mut seen, "交付番号", format!("{}-{n}", o.as_str()), n);
        }
        Some(TicketRow {
            line: r.line,
            office: office?,
            recipient: recipient?,
            ticket_type: ticket_type?,
            issue_number: issue_number?,
            treatment_month: month?,
            valid_from: valid_from?,
            valid_until: valid_until?,
            institution: institution?,
            prescriber,
            treatment_type: treatment_type?,
            injury_names,
            self_pay_amount: self_pay_amount?,
            single_or_combined: single_or_combined?,
            social_insurance: social_insurance?,
            infection_law: infection_law?,
            elderly_care: elderly_care?,
            prefectural_expense: prefectural_expense?,
            district_contact,
            handling_contact,
            remarks,
        })
    })
}

pub fn parse_verification_log(text: &str) -> Result<Vec<VerificationRow>, Vec<RowError>> {
    parse_file(text, VERIFICATION_LOG_HEADER, |r| {
        let verified_at = r.timestamp("資格確認日時");
        let institution = r.number("医療機関コード", InstitutionCode::parse);
        let office = r.number("公費負担者番号", PublicPayerNumber::parse);
        let recipient = r.number("受給者番号", RecipientNumber::parse);
        let reference = r.code::<ReferenceClass>("照会区分");
        let validity = r.code::<QualificationValidity>("資格有効性");
        Some(VerificationRow {
            line: r.line,
            verified_at: verified_at?,
            institution: institution?,
            office: office?,
            recipient: recipient?,
            reference: reference?,
            validity: validity?,
        })
    })
}

/// 有効開始日 ≤ 有効終了日, both inside 診療年月.
fn check_validity_period(
    r: &mut Cells<'_>,
    month: Option<(i32, u32)>,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
) {
    if let (Some(from), Some(until)) = (from, until) {
        if until < from {
            r.error(
                "有効終了日",
                format!("有効終了日（{until}）が有効開始日（{from}）より前です。"),
            );
        }
    }
    let Some((year, month)) = month else { return };
    for (column, date) in [("有効開始日", from), ("有効終了日", until)] {
        if let Some(d) = date.filter(|d| (d.year(), d.month()) != (year, month)) {
            r.error(
                column,
                format!("{column}（{d}）が診療年月（{year:04}-{month:02}）の範囲外です。医療券・調剤券は暦月ごとに交付します。"),
            );
        }
    }
}

/// 調剤券 ⇔ 診療別 04 ⇔ 薬局 (点数表 4) ⇔ 処方箋発行元あり.
fn check_ticket_kind(
    r: &mut Cells<'_>,
    ticket: TicketType,
    treatment: Option<TreatmentType>,
    institution: Option<&InstitutionCode>,
    prescriber: Option<&InstitutionCode>,
) {
    let dispensing = ticket == TicketType::Dispensing;
    if let Some(t) = treatment.filter(|t| (*t == TreatmentType::Dispensing) != dispensing) {
        let want = if dispensing {
            "04（調剤）にしてください"
        } else {
            "04（調剤）以外にしてください"
        };
        r.error(
            "診療別",
            format!(
                "{}の診療別が{}（{}）です。{want}。",
                ticket.label_ja(),
                t.code(),
                t.label_ja()
            ),
        );
    }
    if let Some(table) = institution.map(InstitutionCode::score_table) {
        if (table == ScoreTable::Pharmacy) != dispensing {
            let want = if dispensing {
                "薬局（点数表番号4）"
            } else {
                "薬局（点数表番号4）以外の医療機関"
            };
            r.error(
                "指定医療機関コード",
                format!("{}の指定医療機関は{want}のコードにしてください（この番号は点数表番号{}（{}））。", ticket.label_ja(), table.code(), table.label_ja()),
            );
        }
    }
    let column = "処方箋発行元医療機関コード";
    if dispensing && r.is_empty(column) {
        r.error(column, "調剤券では処方箋発行元医療機関コードが必須です。");
    } else if !dispensing && !r.is_empty(column) {
        r.error(
            column,
            "処方箋発行元医療機関コードは調剤券にだけ記入します。医療券では空欄にしてください。",
        );
    } else if prescriber.is_some_and(|p| p.score_table() == ScoreTable::Pharmacy) {
        r.error(column, "処方箋発行元が薬局（点数表番号4）のコードです。処方箋を発行した医療機関のコードを入力してください。");
    }
}

/// Read a CSV with `header`, run `row` on each data row, collect rows or every error.
pub(crate) fn parse_file<T>(
    text: &str,
    header: &'static str,
    mut row: impl FnMut(&mut Cells<'_>) -> Option<T>,
) -> Result<Vec<T>, Vec<RowError>> {
    let names: Vec<&'static str> = header.split(',').collect();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    let mut header_seen = false;
    let mut lines = LineCounter {
        text,
        byte: 0,
        line: 1,
        after_cr: false,
    };
    for result in reader.records() {
        let record = match result {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.at(p));
                errors.push(row_error(
                    line,
                    "ファイル",
                    "CSV として読み取れません。引用符（\"）の対応を確認してください。",
                ));
                break;
            }
        };
        let line = record.position().map_or(0, |p| lines.at(p));
        if !header_seen {
            header_seen = true;
            match check_header(&record, &names, header) {
                Some(message) => return Err(vec![row_error(line, "見出し行", message)]),
                None => continue,
            }
        }
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue; // a blank row (e.g. ",,,," left by a spreadsheet)
        }
        if record.len() != names.len() {
            let message = format!(
                "列の数が{}個です。見出し行と同じ{}個にしてください（カンマの過不足や、「\"」で囲まれていないカンマがないか確認してください）。",
                record.len(),
                names.len()
            );
            errors.push(row_error(line, "列数", message));
            continue;
        }
        // No cell of any exchange file may carry a control, bidi or noncharacter (`crate::text`).
        let refused: Vec<RowError> = names
            .iter()
            .zip(record.iter())
            .filter_map(|(name, cell)| check_chars(name, cell, Lines::One).err())
            .map(|e| row_error(line, &e.field, e.message))
            .collect();
        if !refused.is_empty() {
            errors.extend(refused);
            continue;
        }
        let mut cells = Cells {
            line,
            names: &names,
            record: &record,
            errors: Vec::new(),
        };
        match row(&mut cells) {
            Some(value) if cells.errors.is_empty() => rows.push(value),
            _ => errors.append(&mut cells.errors),
        }
    }
    if !header_seen {
        errors.push(row_error(
            1,
            "見出し行",
            format!("ファイルが空です。1行目に見出し行「{header}」が必要です。"),
        ));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// `None` if the header row is right; otherwise what is wrong with it.
fn check_header(record: &csv::StringRecord, names: &[&str], header: &str) -> Option<String> {
    let got: Vec<&str> = record.iter().map(str::trim).collect();
    if got == names {
        return None;
    }
    let problem = if let Some(missing) = names.iter().find(|n| !got.contains(n)) {
        format!("列「{missing}」がありません。")
    } else if let Some(extra) = got.iter().find(|g| !names.contains(g)) {
        format!("想定外の列「{extra}」があります。")
    } else if let Some(dup) = got
        .iter()
        .enumerate()
        .find(|(i, g)| got.iter().skip(i + 1).any(|h| h == *g))
    {
        format!("列「{}」が2回あります。", dup.1)
    } else {
        let (i, want) = names
            .iter()
            .zip(&got)
            .enumerate()
            .find(|(_, (n, g))| n != g)
            .map_or((0, ""), |(i, (n, _))| (i, *n));
        format!("列の順序が違います（{}列目は「{want}」です）。", i + 1)
    };
    Some(format!("{problem}見出し行は「{header}」としてください。"))
}

fn row_error(line: usize, field: &str, message: impl Into<String>) -> RowError {
    RowError {
        line,
        field: field.to_string(),
        message: message.into(),
    }
}

/// Line numbers from byte offsets (csv's own line count is off with CRLF). LF, CRLF and a
/// lone CR each end one line; offsets must come in increasing order.
struct LineCounter<'a> {
    text: &'a str,
    byte: usize,
    line: usize,
    after_cr: bool,
}

impl LineCounter<'_> {
    fn at(&mut self, position: &csv::Position) -> usize {
        let bytes = self.text.as_bytes();
        let mut byte = usize::try_from(position.byte()).unwrap_or(usize::MAX);
        // csv puts the start of a record after blank lines at the first blank line.
        while matches!(bytes.get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        for &b in bytes.get(self.byte..byte).unwrap_or_default() {
            if b == b'\r' || (b == b'\n' && !self.after_cr) {
                self.line += 1;
            }
            self.after_cr = b == b'\r';
        }
        self.byte = self.byte.max(byte);
        self.line
    }
}

/// One data row being checked: cell access by column name, errors collected.
pub(crate) struct Cells<'a> {
    pub(crate) line: usize,
    names: &'a [&'static str],
    record: &'a csv::StringRecord,
    errors: Vec<RowError>,
}

impl<'a> Cells<'a> {
    /// The trimmed cell of column `name` (`""` if empty).
    pub(crate) fn get(&self, name: &str) -> &'a str {
        let index = self.names.iter().position(|n| *n == name);
        debug_assert!(index.is_some(), "unknown column {name}");
        index.and_then(|i| self.record.get(i)).map_or("", str::trim)
    }

    fn is_empty(&self, name: &str) -> bool {
        self.get(name).is_empty()
    }

    pub(crate) fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(row_error(self.line, field, message));
    }

    /// A required cell: `None` (with an error) if empty.
    pub(crate) fn required(&mut self, name: &str) -> Option<&'a str> {
        let value = self.get(name);
        if value.is_empty() {
            self.error(name, format!("{name}が空欄です。必ず入力してください。"));
            return None;
        }
        Some(value)
    }

    pub(crate) fn text(&mut self, name: &str) -> Option<String> {
        self.required(name).map(str::to_string)
    }

    pub(crate) fn opt_text(&self, name: &str) -> Option<String> {
        Some(self.get(name))
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    /// Apply `check` to a non-empty cell; record its error message.
    fn check<T>(
        &mut self,
        name: &str,
        value: &str,
        check: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        check(value)
            .map_err(|message| self.error(name, message))
            .ok()
    }

    pub(crate) fn number<T>(
        &mut self,
        name: &str,
        parse: fn(&str) -> Result<T, NumberError>,
    ) -> Option<T> {
        let value = self.required(name)?;
        self.check(name, value, |v| {
            parse(v).map_err(|e| number_message(name, v, &e))
        })
    }

    pub(crate) fn opt_number<T>(
        &mut self,
        name: &str,
        parse: fn(&str) -> Result<T, NumberError>,
    ) -> Option<T> {
        let value = Some(self.get(name)).filter(|v| !v.is_empty())?;
        self.check(name, value, |v| {
            parse(v).map_err(|e| number_message(name, v, &e))
        })
    }

    pub(crate) fn code<C: CodeValue>(&mut self, name: &str) -> Option<C> {
        let value = self.required(name)?;
        self.check(name, value, |v| {
            // "1" for "01": spreadsheets drop leading zeros.
            C::from_code(v)
                .or_else(|| {
                    (v.len() == 1)
                        .then(|| C::from_code(&format!("0{v}")))
                        .flatten()
                })
                .ok_or_else(|| {
                    format!(
                        "「{v}」は使えません。{} のいずれかを入力してください。",
                        C::choices_ja()
                    )
                })
        })
    }

    fn flag(&mut self, name: &str) -> Option<bool> {
        let value = self.required(name)?;
        self.check(name, value, |v| match v {
            "0" => Ok(false),
            "1" => Ok(true),
            _ => Err(format!(
                "「{v}」は使えません。0（いいえ）または 1（はい）を入力してください。"
            )),
        })
    }

    pub(crate) fn date(&mut self, name: &str) -> Option<NaiveDate> {
        let value = self.required(name)?;
        self.check(name, value, parse_date)
    }

    fn opt_date(&mut self, name: &str) -> Option<NaiveDate> {
        let value = Some(self.get(name)).filter(|v| !v.is_empty())?;
        self.check(name, value, parse_date)
    }

    fn month(&mut self, name: &str) -> Option<(i32, u32)> {
        let value = self.required(name)?;
        self.check(name, value, |v| {
            let parts = digit_groups(v, &[4, 2]);
            match parts.as_deref() {
                Some(&[y, m]) if (1..=12).contains(&m) => Ok((i32::try_from(y).unwrap_or(0), m)),
                Some(_) => Err(format!("「{v}」の月が正しくありません。月は01〜12です。")),
                None => Err(format!(
                    "「{v}」は年月の形式ではありません。YYYY-MM（例: 2024-04）で入力してください。"
                )),
            }
        })
    }

    fn timestamp(&mut self, name: &str) -> Option<DateTime<FixedOffset>> {
        let value = self.required(name)?;
        self.check(name, value, |v| {
            let utc = v.strip_suffix(['Z', 'z']).map(|t| format!("{t}+00:00"));
            let v2 = utc.as_deref().unwrap_or(v);
            DateTime::parse_from_rfc3339(v2)
                .or_else(|_| DateTime::parse_from_str(v2, "%Y-%m-%dT%H:%M%:z"))
                .map_err(|_| format!("「{v}」は日時の形式ではありません。時差付きの ISO 8601（例: 2024-04-01T09:15:00+09:00）で入力してください。"))
        })
    }

    fn amount(&mut self, name: &str) -> Option<i64> {
        let value = self.required(name)?;
        self.check(name, value, |v| {
            if v.starts_with('-') {
                Err(format!("「{v}」は使えません。0以上の金額（円）を入力してください。"))
            } else if !v.chars().all(|c| c.is_ascii_digit()) {
                Err(format!("「{v}」は使えません。金額は半角数字だけで入力してください（カンマや「円」は不要です）。"))
            } else {
                v.parse::<i64>().map_err(|_| format!("「{v}」は大きすぎます。"))
            }
        })
    }

    /// 氏名カナ, normalised where that is unambiguous ([`normalize_exported_kana`]), then
    /// checked: what is still not 全角カタカナ is refused.
    fn kana(&mut self, name: &str) -> Option<String> {
        let value = self.required(name)?;
        let normalized = normalize_exported_kana(value);
        self.check(name, &normalized, |v| match v.chars().find(|c| !is_kana_name_char(*c)) {
            None => Ok(v.to_string()),
            Some(c) => {
                let hint = match c {
                    'ぁ'..='ゖ' => "ひらがなは使えません。",
                    '゛' | '゜' => "濁点・半濁点は前の文字と合わせて一文字にしてください。",
                    _ => "",
                };
                Err(format!("「{c}」は使えません。{hint}{name}は全角カタカナ（全角スペース・ー・「・」を含む）で入力してください。"))
            }
        })
    }

    /// 郵便番号, `NNN-NNNN` or 7 digits (全角 accepted), stored as `NNN-NNNN`.
    fn postal(&mut self, name: &str) -> Option<String> {
        let value = Some(self.get(name)).filter(|v| !v.is_empty())?;
        self.check(name, value, |v| {
            let ascii = to_ascii_digits(v);
            let digits: String = ascii.chars().filter(char::is_ascii_digit).collect();
            let shape_ok = ascii.len() == 7 || (ascii.len() == 8 && ascii.find('-') == Some(3));
            match (digits.get(..3), digits.get(3..)) {
                (Some(a), Some(b)) if shape_ok && digits.len() == 7 => Ok(format!("{a}-{b}")),
                _ => Err(format!("「{v}」は郵便番号の形式ではありません。123-4567 または 1234567 の形で入力してください。")),
            }
        })
    }

    /// 電話番号: digits and hyphens, 10 or 11 digits starting with 0 (全角 accepted).
    fn phone(&mut self, name: &str) -> Option<String> {
        let value = Some(self.get(name)).filter(|v| !v.is_empty())?;
        self.check(name, value, crate::institution::phone_text)
    }

    /// Report `key` if an earlier line had it.
    fn unique(&mut self, seen: &mut HashMap<String, usize>, field: &str, key: String, shown: &str) {
        if let Some(first) = seen.get(&key) {
            let message = format!("{field}「{shown}」が{first}行目と重複しています。");
            self.error(field, message);
        } else {
            seen.insert(key, self.line);
        }
    }
}

/// The number type's own sentence, plus the value typed, except for 個人番号, which is
/// never echoed (nor its correct 検証番号).
fn number_message(name: &str, value: &str, error: &NumberError) -> String {
    if name == IndividualNumber::FIELD {
        return match error {
            NumberError::CheckDigit { .. } => {
                "検証番号が一致しません。個人番号を確認してください。".to_string()
            }
            other => other.message(),
        };
    }
    let mut message = format!("「{value}」: {}", error.message());
    if matches!(error, NumberError::WrongLength { .. }) && value.chars().all(|c| c.is_ascii_digit())
    {
        message.push_str("表計算ソフトで先頭の0が消えていないか確認してください。");
    }
    message
}

/// `YYYY-MM-DD`, a real date.
fn parse_date(value: &str) -> Result<NaiveDate, String> {
    match digit_groups(value, &[4, 2, 2]).as_deref() {
        Some(&[y, m, d]) => i32::try_from(y)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
            .ok_or_else(|| format!("「{value}」は存在しない日付です。")),
        _ => Err(format!("「{value}」は日付の形式ではありません。YYYY-MM-DD（例: 2024-04-01）で入力してください。")),
    }
}

/// `value` split at `-` into groups of exactly `widths` ASCII digits, as numbers.
fn digit_groups(value: &str, widths: &[usize]) -> Option<Vec<u32>> {
    let parts: Vec<&str> = value.split('-').collect();
    if parts.len() != widths.len() {
        return None;
    }
    parts
        .iter()
        .zip(widths)
        .map(|(p, w)| {
            (p.len() == *w && p.chars().all(|c| c.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
        })
        .collect()
}

/// 全角 digits and hyphen-like characters to ASCII (for 郵便番号 and 電話番号).
fn to_ascii_digits(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            '－' | '‐' | '−' | '―' | 'ー' => '-',
            _ => c,
        })
        .collect()
}

/// 全角カタカナ (ァ〜ヺ, ヽヾ), 長音 ー, 中点 ・ and the 全角 space.
fn is_kana_name_char(c: char) -> bool {
    matches!(c, 'ァ'..='ヺ' | 'ー' | '・' | 'ヽ' | 'ヾ' | '\u{3000}')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const OFFICES: &str = include_str!("../../docs/samples/offices.csv");
    const INSTITUTIONS: &str = include_str!("../../docs/samples/institutions.csv");
    const RECIPIENTS: &str = include_str!("../../docs/samples/recipients.csv");
    const TICKETS: &str = include_str!("../../docs/samples/tickets.csv");
    const VERIFICATION_LOG: &str = include_str!("../../docs/samples/verification-log.csv");
    const BAD_RECIPIENTS: &str =
        include_str!("../../docs/samples/bad/recipients-bad-check-digit.csv");

    /// Parse `text` as `kind`; the row count or the errors.
    fn run(kind: &str, text: &str) -> Result<usize, Vec<RowError>> {
        match kind {
            "offices" => parse_offices(text).map(|v| v.len()),
            "institutions" => parse_institutions(text).map(|v| v.len()),
            "recipients" => parse_recipients(text).map(|v| v.len()),
            "tickets" => parse_tickets(text).map(|v| v.len()),
            "log" => parse_verification_log(text).map(|v| v.len()),
            _ => Err(vec![]),
        }
    }

    /// (header, one valid data row) of each kind: the samples' first row.
    fn base(kind: &str) -> (&'static str, &'static str) {
        let sample = match kind {
            "offices" => OFFICES,
            "institutions" => INSTITUTIONS,
            "recipients" => RECIPIENTS,
            "tickets" => TICKETS,
            _ => VERIFICATION_LOG,
        };
        let mut lines = sample.lines();
        (lines.next().unwrap_or(""), lines.next().unwrap_or(""))
    }

    /// A file of `kind` with one data row (line 2): the base row with `changes` applied.
    fn file(kind: &str, changes: &[(&str, &str)]) -> String {
        let (header, row) = base(kind);
        let names: Vec<&str> = header.split(',').collect();
        let mut cells: Vec<String> = row.split(',').map(str::to_string).collect();
        for (column, value) in changes {
            let i = names
                .iter()
                .position(|n| n == column)
                .unwrap_or_else(|| panic!("{column}"));
            cells[i] = value.to_string();
        }
        format!("{header}\n{}\n", cells.join(","))
    }

    fn errors_of(kind: &str, text: &str) -> Vec<RowError> {
        run(kind, text).err().unwrap_or_default()
    }

    #[test]
    fn import_samples_parse() {
        let offices = parse_offices(OFFICES).unwrap();
        assert_eq!(offices.len(), 2);
        assert_eq!(offices[1].number.as_str(), "12270138");
        assert_eq!(offices[1].line, 3);
        assert_eq!(offices[0].phone.as_deref(), Some("03-0000-1101"));

        let institutions = parse_institutions(INSTITUTIONS).unwrap();
        assert_eq!(institutions.len(), 7);
        assert!(!institutions[3].online_capable);
        assert_eq!(institutions[4].postal_code, None);
        assert_eq!(institutions[2].code.score_table(), ScoreTable::Pharmacy);

        let recipients = parse_recipients(RECIPIENTS).unwrap();
        assert_eq!(recipients.len(), 5);
        let first = &recipients[0];
        assert_eq!(first.recipient.as_str(), "1234566");
        assert_eq!(
            first.individual_number.as_ref().map(|n| n.as_str()),
            Some("983205673214")
        );
        assert_eq!(
            (first.sex, first.card_registered, first.restricted),
            (Sex::Female, true, false)
        );
        assert_eq!(
            first.birth_date,
            NaiveDate::from_ymd_opt(1952, 4, 10).unwrap()
        );
        assert!(recipients[2].restricted);
        assert_eq!(
            recipients[3].qualified_until,
            NaiveDate::from_ymd_opt(2024, 3, 31)
        );

        let tickets = parse_tickets(TICKETS).unwrap();
        assert_eq!(tickets.len(), 5);
        assert_eq!(
            tickets[0].injury_names,
            [Some("高血圧症".into()), Some("2型糖尿病".into()), None]
        );
        assert_eq!(tickets[0].treatment_month, (2024, 4));
        assert_eq!(tickets[1].ticket_type, TicketType::Dispensing);
        assert_eq!(
            tickets[1].prescriber.as_ref().map(|p| p.as_str()),
            Some("1311234569")
        );
        assert_eq!(tickets[3].self_pay_amount, 1200);
        assert_eq!(
            tickets[4].remarks[0].as_deref(),
            Some("紹介元: ひかり診療所, 4/15 救急搬送")
        );
        assert_eq!(tickets[4].social_insurance, Presence::Yes);

        let log = parse_verification_log(VERIFICATION_LOG).unwrap();
        assert_eq!(log.len(), 6);
        assert_eq!(log[2].validity, QualificationValidity::ValidUnregistered);
        assert_eq!(log[2].reference, ReferenceClass::NumberEntry);
        assert_eq!(log[0].verified_at.to_rfc3339(), "2024-04-01T09:12:34+09:00");
    }

    #[test]
    fn import_bad_sample_has_one_error_on_line_3() {
        let errors = parse_recipients(BAD_RECIPIENTS).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            (errors[0].line, errors[0].field.as_str()),
            (3, "受給者番号")
        );
        assert!(
            errors[0].message.contains("検証番号"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn import_recipients_normalises_exported_kana_and_says_which_rows() {
        let text = format!(
            "{RECIPIENTS_HEADER}\n\
             12131017,1234566,,見本　花子,ﾐﾎﾝ ﾊﾅｺ,2,1952-04-10,,,2023-10-02,,1,0\n\
             12131017,0000018,,試験　太郎,シケン　タロウ,1,1948-11-03,,,2024-01-15,,0,0\n\
             12131017,0000026,,具志堅　ぱく,ｸﾞｼｹﾝ  ﾊﾟｸ,1,1950-01-01,,,2024-01-15,,0,0\n\
             12131017,0000034,,試験　次郎,シケン ジロウ,1,1950-01-01,,,2024-01-15,,0,0\n"
        );
        let rows = parse_recipients(&text).unwrap();
        let kana: Vec<&str> = rows.iter().map(|r| r.name_kana.as_str()).collect();
        assert_eq!(
            kana,
            [
                "ミホン　ハナコ",
                "シケン　タロウ",
                "グシケン　パク",
                "シケン　ジロウ"
            ]
        );
        let normalized: Vec<usize> = rows
            .iter()
            .filter(|r| !r.normalized.is_empty())
            .map(|r| r.line)
            .collect();
        assert_eq!(normalized, [2, 4, 5]);
        assert_eq!(
            normalization_notes(&rows),
            ["氏名カナ: 3 行（2, 4, 5 行目）の半角カナ・半角スペースを全角に直しました。"]
        );
    }

    #[test]
    fn import_row_rules() {
        // (file, changes to its base row, expected errors on line 2: (field, message part))
        type Case = (
            &'static str,
            &'static [(&'static str, &'static str)],
            &'static [(&'static str, &'static str)],
        );
        let cases: &[Case] = &[
            (
                "offices",
                &[("公費負担者番号", "12131018")],
                &[("公費負担者番号", "検証番号")],
            ),
            (
                "offices",
                &[("公費負担者番号", "")],
                &[("公費負担者番号", "空欄")],
            ),
            (
                "offices",
                &[("公費負担者番号", "1213101")],
                &[("公費負担者番号", "先頭の0")],
            ),
            ("offices", &[("名称", "")], &[("名称", "空欄")]),
            (
                "offices",
                &[("郵便番号", "100-00000")],
                &[("郵便番号", "「100-00000」")],
            ),
            (
                "offices",
                &[("郵便番号", "10-00000")],
                &[("郵便番号", "123-4567")],
            ),
            (
                "offices",
                &[("電話番号", "03(0000)1101")],
                &[("電話番号", "ハイフン")],
            ),
            (
                "offices",
                &[("電話番号", "03-0000-110")],
                &[("電話番号", "10桁")],
            ),
            (
                "recipients",
                &[("氏名", "東京\u{ffff}一郎")],
                &[("氏名", "氏名に使えない文字（文字ではない符号 U+FFFF）")],
            ),
            (
                "institutions",
                &[("名称", "\u{202e}院病")],
                &[("名称", "U+202E")],
            ),
            (
                "tickets",
                &[("備考1", "\u{1b}]0;x\u{7}"), ("地区担当員名", "\0")],
                &[("地区担当員名", "U+0000"), ("備考1", "U+001B")],
            ),
            (
                "institutions",
                &[("医療機関コード", "1311234568")],
                &[("医療機関コード", "検証番号")],
            ),
            (
                "institutions",
                &[("オンライン資格確認対応", "2")],
                &[("オンライン資格確認対応", "0（いいえ）または 1")],
            ),
            (
                "institutions",
                &[("オンライン資格確認対応", "")],
                &[("オンライン資格確認対応", "空欄")],
            ),
            (
                "recipients",
                &[("受給者番号", "1234567")],
                &[("受給者番号", "「1234567」")],
            ),
            (
                "recipients",
                &[("個人番号", "983205673215")],
                &[("個人番号", "検証番号")],
            ),
            ("recipients", &[("氏名", " ")], &[("氏名", "空欄")]),
            (
                "recipients",
                &[("氏名カナ", "ﾐﾎﾝ ﾊﾅｺ2")],
                &[("氏名カナ", "「2」は使えません")],
            ),
            (
                "recipients",
                &[("氏名カナ", "みほん　はなこ")],
                &[("氏名カナ", "ひらがな")],
            ),
            (
                "recipients",
                &[("氏名カナ", "ｱﾞｲ ﾊﾅｺ")],
                &[("氏名カナ", "濁点・半濁点")],
            ),
            (
                "recipients",
                &[("性別", "3")],
                &[("性別", "1（男）、2（女）")],
            ),
            (
                "recipients",
                &[("生年月日", "1952/04/10")],
                &[("生年月日", "YYYY-MM-DD")],
            ),
            (
                "recipients",
                &[("生年月日", "1953-02-29")],
                &[("生年月日", "存在しない日付")],
            ),
            ("recipients", &[("生年月日", "")], &[("生年月日", "空欄")]),
            (
                "recipients",
                &[("資格取得日", "2023-13-01")],
                &[("資格取得日", "存在しない")],
            ),
            (
                "recipients",
                &[("資格喪失日", "2023-10-01")],
                &[("資格喪失日", "資格取得日（2023-10-02）より前")],
            ),
            (
                "recipients",
                &[("カード利用登録", "はい")],
                &[("カード利用登録", "「はい」")],
            ),
            ("recipients", &[("閲覧制限", "")], &[("閲覧制限", "空欄")]),
            (
                "recipients",
                &[("受給者番号", "1234567"), ("性別", "0"), ("閲覧制限", "2")],
                &[
                    ("受給者番号", "検証番号"),
                    ("性別", "「0」"),
                    ("閲覧制限", "「2」"),
                ],
            ),
            (
                "tickets",
                &[("医療券・調剤券別", "03")],
                &[("医療券・調剤券別", "01（医療券）、02（調剤券）")],
            ),
            ("tickets", &[("交付番号", "")], &[("交付番号", "空欄")]),
            (
                "tickets",
                &[("診療年月", "2024/04")],
                &[("診療年月", "YYYY-MM")],
            ),
            (
                "tickets",
                &[("診療年月", "2024-13")],
                &[("診療年月", "01〜12")],
            ),
            (
                "tickets",
                &[("診療年月", "2024-05")],
                &[("有効開始日", "範囲外"), ("有効終了日", "範囲外")],
            ),
            (
                "tickets",
                &[("有効終了日", "2024-05-01")],
                &[("有効終了日", "診療年月（2024-04）の範囲外")],
            ),
            (
                "tickets",
                &[("有効開始日", "2024-04-20"), ("有効終了日", "2024-04-10")],
                &[("有効終了日", "有効開始日（2024-04-20）より前")],
            ),
            (
                "tickets",
                &[("有効開始日", "2024-04-31")],
                &[("有効開始日", "存在しない日付")],
            ),
            (
                "tickets",
                &[("処方箋発行元医療機関コード", "1311234569")],
                &[("処方箋発行元医療機関コード", "医療券では空欄")],
            ),
            (
                "tickets",
                &[("診療別", "04")],
                &[("診療別", "04（調剤）以外")],
            ),
            ("tickets", &[("診療別", "06")], &[("診療別", "01（入院）")]),
            (
                "tickets",
                &[("指定医療機関コード", "1341200028")],
                &[("指定医療機関コード", "薬局（点数表番号4）以外")],
            ),
            (
                "tickets",
                &[("医療券・調剤券別", "02")],
                &[
                    ("診療別", "04（調剤）にしてください"),
                    ("指定医療機関コード", "点数表番号1（医科）"),
                    ("処方箋発行元医療機関コード", "必須"),
                ],
            ),
            (
                "tickets",
                &[
                    ("医療券・調剤券別", "02"),
                    ("診療別", "04"),
                    ("指定医療機関コード", "1341200028"),
                    ("処方箋発行元医療機関コード", "1341200028"),
                ],
                &[("処方箋発行元医療機関コード", "薬局")],
            ),
            (
                "tickets",
                &[("本人支払額", "-100")],
                &[("本人支払額", "0以上")],
            ),
            (
                "tickets",
                &[("本人支払額", "1000円")],
                &[("本人支払額", "半角数字")],
            ),
            ("tickets", &[("本人支払額", "")], &[("本人支払額", "空欄")]),
            (
                "tickets",
                &[("単独・併用別", "3")],
                &[("単独・併用別", "01（単独）、02（併用）")],
            ),
            (
                "tickets",
                &[("社会保険状況", "00")],
                &[("社会保険状況", "01（あり）、02（なし）")],
            ),
            (
                "tickets",
                &[("感染症法該当", "")],
                &[("感染症法該当", "空欄")],
            ),
            (
                "tickets",
                &[("後期高齢者医療該当", "あり")],
                &[("後期高齢者医療該当", "「あり」")],
            ),
            (
                "tickets",
                &[("都道府県費該当", "03")],
                &[("都道府県費該当", "「03」")],
            ),
            (
                "log",
                &[("資格確認日時", "2024-04-01 09:12:34")],
                &[("資格確認日時", "ISO 8601")],
            ),
            (
                "log",
                &[("資格確認日時", "2024-04-01T09:12:34")],
                &[("資格確認日時", "時差付き")],
            ),
            (
                "log",
                &[("医療機関コード", "131123456")],
                &[("医療機関コード", "10桁")],
            ),
            (
                "log",
                &[("公費負担者番号", "13131017")],
                &[("公費負担者番号", "法別番号")],
            ),
            (
                "log",
                &[("照会区分", "3")],
                &[("照会区分", "1（マイナンバーカード）、2（番号入力）")],
            ),
            (
                "log",
                &[("資格有効性", "5")],
                &[("資格有効性", "6（有効（未登録））")],
            ),
        ];
        for (kind, changes, expected) in cases {
            let errors = errors_of(kind, &file(kind, changes));
            let got: Vec<(usize, &str)> =
                errors.iter().map(|e| (e.line, e.field.as_str())).collect();
            let want: Vec<(usize, &str)> = expected.iter().map(|(f, _)| (2, *f)).collect();
            assert_eq!(got, want, "{kind} {changes:?}: {errors:?}");
            for (error, (_, part)) in errors.iter().zip(expected.iter()) {
                assert!(
                    error.message.contains(part),
                    "{kind} {changes:?}: {} lacks {part}",
                    error.message
                );
            }
        }
    }

    #[test]
    fn import_accepts_lenient_forms() {
        let text = file(
            "offices",
            &[
                ("郵便番号", "１０００００１"),
                ("電話番号", "０３－００００－１１０１"),
                ("名称", "  みどり区福祉事務所　"),
            ],
        );
        let row = parse_offices(&text).unwrap().remove(0);
        assert_eq!(row.postal_code.as_deref(), Some("100-0001"));
        assert_eq!(row.phone.as_deref(), Some("03-0000-1101"));
        assert_eq!(row.name, "みどり区福祉事務所");
        let text = file(
            "tickets",
            &[
                ("医療券・調剤券別", "1"),
                ("診療別", "2"),
                ("公費負担者番号", " 1213-1017 "),
            ],
        );
        let row = parse_tickets(&text).unwrap().remove(0);
        assert_eq!(
            (row.ticket_type, row.treatment_type),
            (TicketType::Medical, TreatmentType::Outpatient)
        );
        assert_eq!(row.office.as_str(), "12131017");
        let text = file("log", &[("資格確認日時", "2024-04-01T00:12Z")]);
        let row = parse_verification_log(&text).unwrap().remove(0);
        assert_eq!(row.verified_at.to_rfc3339(), "2024-04-01T00:12:00+00:00");
    }

    #[test]
    fn import_individual_number_is_never_echoed() {
        for bad in ["983205673215", "98320567321", "9832O5673214"] {
            let errors = errors_of("recipients", &file("recipients", &[("個人番号", bad)]));
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].field, "個人番号");
            assert!(
                !errors[0].message.contains("98320"),
                "{}",
                errors[0].message
            );
            assert!(
                !errors[0].message.contains("正しくは"),
                "{}",
                errors[0].message
            );
        }
        let (header, row) = base("recipients");
        let other = row.replace("1234566", "0000018");
        let errors = errors_of("recipients", &format!("{header}\n{row}\n{other}\n"));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].field.as_str()), (3, "個人番号"));
        assert!(errors[0].message.contains("2行目") && !errors[0].message.contains("983205673214"));
    }

    #[test]
    fn import_duplicates() {
        let cases: &[(&str, &str, &str)] = &[
            ("offices", "公費負担者番号", "「12131017」が2行目と重複"),
            (
                "institutions",
                "医療機関コード",
                "「1311234569」が2行目と重複",
            ),
            (
                "recipients",
                "受給者番号",
                "「12131017・1234566」が2行目と重複",
            ),
            ("tickets", "交付番号", "「2024-000101」が2行目と重複"),
        ];
        for (kind, field, part) in cases {
            let (header, row) = base(kind);
            // Recipients: a second row for the same person must not also trip the 個人番号 check.
            let again = row.replace("983205673214", "");
            let errors = errors_of(kind, &format!("{header}\n{row}\n{again}\n{again}\n"));
            let got: Vec<(usize, &str)> =
                errors.iter().map(|e| (e.line, e.field.as_str())).collect();
            assert_eq!(got, [(3, *field), (4, *field)], "{kind}: {errors:?}");
            assert!(errors[0].message.contains(part), "{}", errors[0].message);
        }
        // The same 交付番号 at another office is another ticket (the sample has one).
        let (header, row) = base("tickets");
        let osaka = row.replace("12131017", "12270138");
        assert_eq!(
            run("tickets", &format!("{header}\n{row}\n{osaka}\n")),
            Ok(2)
        );
    }

    #[test]
    fn import_header_rules() {
        let row = base("offices").1;
        let cases: &[(&str, &str)] = &[
            (
                "公費負担者番号,名称,郵便番号,住所",
                "列「電話番号」がありません",
            ),
            (
                "公費負担者番号,名称,郵便番号,住所,電話番号,FAX",
                "想定外の列「FAX」",
            ),
            (
                "公費負担者番号,名称,郵便番号,住所,電話",
                "列「電話番号」がありません",
            ),
            (
                "名称,公費負担者番号,郵便番号,住所,電話番号",
                "列の順序が違います（1列目は「公費負担者番号」",
            ),
            (
                "公費負担者番号,名称,郵便番号,住所,電話番号,名称",
                "列「名称」が2回",
            ),
            (RECIPIENTS_HEADER, "列「名称」がありません"),
        ];
        for (header, part) in cases {
            let errors = errors_of("offices", &format!("{header}\n{row}\n12131018,x,,,\n"));
            assert_eq!(errors.len(), 1, "{header}: {errors:?}");
            assert_eq!((errors[0].line, errors[0].field.as_str()), (1, "見出し行"));
            assert!(errors[0].message.contains(part), "{}", errors[0].message);
            assert!(errors[0].message.contains(OFFICES_HEADER));
        }
        assert_eq!(
            run("offices", ""),
            Err(vec![row_error(
                1,
                "見出し行",
                format!("ファイルが空です。1行目に見出し行「{OFFICES_HEADER}」が必要です。")
            )])
        );
        for kind in ["offices", "institutions", "recipients", "tickets", "log"] {
            let header = base(kind).0;
            assert_eq!(run(kind, header), Ok(0), "{kind}");
            assert_eq!(run(kind, &format!("\u{feff}{header}\r\n")), Ok(0), "{kind}");
        }
    }

    #[test]
    fn import_reports_every_bad_row_with_file_line_numbers() {
        let (header, row) = base("offices");
        let crlf = format!(
            "\r\n{header}\r\n{row}\r\n12131018,x,,,\r\n,,,,\r\n\r\n{row},extra\r\n\"12270138\",\"ひかり\n市\",,,\r\n12270138,,,,\r\n"
        );
        // line 1 empty; 2 header; 3 ok; 4 check digit; 5 blank cells, skipped; 6 empty;
        // 7 column count; 8–9 one quoted two-line row (a line break in a name is refused);
        // 10 empty name.
        let want = [
            (4, "公費負担者番号"),
            (7, "列数"),
            (8, "名称"),
            (10, "名称"),
        ];
        for text in [
            crlf.clone(),
            crlf.replace("\r\n", "\n"),
            crlf.replace("\r\n", "\r"),
        ] {
            let errors = errors_of("offices", &text);
            let got: Vec<(usize, &str)> =
                errors.iter().map(|e| (e.line, e.field.as_str())).collect();
            assert_eq!(got, want, "{text:?}: {errors:?}");
            assert!(errors[1].message.contains("列の数が6個") && errors[1].message.contains("5個"));
            assert!(
                errors[2].message.contains("改行 U+000A"),
                "{}",
                errors[2].message
            );
        }
    }

    #[test]
    fn import_crlf_and_bom_samples() {
        for (kind, sample) in [
            ("offices", OFFICES),
            ("recipients", RECIPIENTS),
            ("tickets", TICKETS),
            ("log", VERIFICATION_LOG),
        ] {
            let crlf = format!("\u{feff}{}", sample.replace('\n', "\r\n"));
            assert_eq!(run(kind, &crlf), run(kind, sample), "{kind}");
            let decoded = decode_text(crlf.as_bytes()).unwrap();
            assert!(!decoded.starts_with('\u{feff}'));
            assert_eq!(run(kind, &decoded), run(kind, sample), "{kind}");
        }
        assert_eq!(
            parse_recipients(&RECIPIENTS.replace('\n', "\r\n")).unwrap(),
            parse_recipients(RECIPIENTS).unwrap()
        );
    }

    #[test]
    fn import_decode_cp932() {
        let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(TICKETS);
        assert!(!unmappable);
        assert!(
            std::str::from_utf8(&sjis).is_err(),
            "really Shift_JIS bytes"
        );
        let text = decode_text(&sjis).unwrap();
        assert!(text.starts_with(TICKETS_HEADER));
        assert_eq!(
            parse_tickets(&text).unwrap(),
            parse_tickets(TICKETS).unwrap()
        );
        // CP932 extensions (NEC/IBM): ① and 髙.
        assert_eq!(decode_text(b"\x87\x40\xfb\xfc").unwrap(), "①髙");
        assert_eq!(decode_text(b"").unwrap(), "");
    }

    #[test]
    fn import_decode_rejects_unknown_encodings() {
        let utf16 = [0xFF, 0xFE, 0x6C, 0x51, 0x2C, 0x00];
        let ascii_utf16 = [b'a', 0, b'b', 0];
        let bad_after_bom = [0xEF, 0xBB, 0xBF, 0x82, 0xA0];
        for bytes in [
            &utf16[..],
            &ascii_utf16[..],
            &bad_after_bom[..],
            &[0x81, 0x20, 0xFF][..],
        ] {
            let error = decode_text(bytes).unwrap_err();
            assert_eq!(error.field, "ファイル");
            assert!(error.message.contains("Shift_JIS(CP932)"));
        }
    }
}
