//! 電子レセプト (レセ電 CSV, 医科・歯科) as far as 薬剤情報 needs it, and the 医薬品マスター
//! that names the drugs. Layouts: `docs/file-layouts.md` §16–§17, `domain-reference.md` §6.1.
//!
//! A file is a sequence of records, one per line (CRLF, Shift_JIS/CP932, comma-separated, no
//! quotes). An `IR` (医療機関情報) opens a block; each `RE` (レセプト共通) opens a receipt,
//! followed by its `HO`/`KO`/`SY`/`SI`/`IY`/`TO`/`CO`… records; `GO` (診療報酬請求書) closes
//! the block with the receipt count. Fields used, and why:
//!
//! | Record | # | Field | Use |
//! |---|---|---|---|
//! | IR | 3 | 都道府県 | 医療機関コード digits 1–2 |
//! | IR | 4 | 点数表 (1 医科, 3 歯科) | 医療機関コード digit 3 |
//! | IR | 5 | 医療機関コード (7 digits) | digits 4–10; the 10-digit code is checked (検証番号) |
//! | IR | 7 | 医療機関名称 | shown when the institution is not registered |
//! | IR | 8 | 請求年月 | kept with the import |
//! | RE | 2 | レセプト番号 | names the receipt in messages |
//! | RE | 3 | レセプト種別 | 入院 / 入院外: part of the receipt's identity |
//! | RE | 4 | 診療年月 | the month the drugs belong to |
//! | RE | 5, 6, 7 | 氏名, 男女区分, 生年月日 | 生年月日 must match the recipient |
//! | KO | 2, 3 | 負担者番号, 受給者番号 | the KO whose 法別番号 is 12 names the recipient |
//! | IY | 2 | 診療識別 | 21 内服 gives days; blank = the previous record's |
//! | IY | 4 | 医薬品コード (9 digits) | the drug |
//! | IY | 5 | 使用量 | quantity as written (内服: per day; 屯服・外用: in all) |
//! | IY | 7 | 回数 | 内服: 日数; blank = the 回数 of the record that closes the 剤 |
//! | IY | 14–44 | 算定日情報 (days 1–31) | the days the drug was given, as evidence |
//! | GO | 2 | 総件数 | must equal the receipts of the block (a truncated file is refused) |
//!
//! Days supplied: for 内服 (診療識別 21) the 所定単位 is 1剤1日分, so 回数 is the number of
//! days. 屯服 (22) and 外用 (23) are counted per 調剤 and have no days; injections and
//! other 診療識別 neither. [UNVERIFIED] against the 記録条件仕様 (not retrieved): that 点数 and
//! 回数 may be left blank on all but the last record of a 剤, and that a blank 診療識別
//! repeats the previous one; both are accepted here.
//!
//! Not read: 調剤 receipts (the `YK` layout of pharmacies) are refused with a message —
//! their layout was not available to this project. So 院外処方 drugs (dispensed by a
//! pharmacy) do not appear; only drugs given at the institution (院内処方) do.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::Sex;
use crate::error::RecordError;
use crate::numbers::{InstitutionCode, PublicPayerNumber, RecipientNumber};
use crate::wareki::Era;

/// 診療識別 21: 内服 (1剤1日分, 回数 = 日数).
pub const CATEGORY_INTERNAL: &str = "21";

/// The name of a 診療識別 of drugs: 21 内服, 22 屯服, 23 外用, 31–33 注射 ([UNVERIFIED]
/// against the 記録条件仕様's code table, which was not retrieved).
pub fn category_label(category: &str) -> String {
    match category {
        "21" => "内服".to_string(),
        "22" => "屯服".to_string(),
        "23" => "外用".to_string(),
        "31" | "32" | "33" => "注射".to_string(),
        other => format!("診療識別 {other}"),
    }
}

const UNRESOLVED_TIMES: &str =
    "回数が空欄で、同じ剤を閉じるレコード（回数のあるレコード）がありません。";

/// One IY record: one drug on one receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrugLine {
    /// Line in the file.
    pub line: usize,
    /// 診療識別 (21 内服, 22 屯服, 23 外用, 3x 注射 …).
    pub category: String,
    /// 医薬品コード (9 digits).
    pub code: String,
    /// 使用量, as written (`"1"`, `"0.5"`, `"1.50"`).
    pub quantity: String,
    /// 回数 (its own, or the closing record's of the 剤).
    pub times: u32,
    /// Days supplied: `Some(回数)` for 内服, else `None`.
    pub supply_days: Option<u32>,
    /// 算定日: the days of the month (1–31) with a count.
    pub days: Vec<u8>,
}

/// One receipt (RE) with what 薬剤情報 needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub line: usize,
    /// レセプト番号.
    pub number: String,
    /// レセプト種別 (e.g. 1212 医科・公費単独・入院外).
    pub kind: String,
    /// 診療年月 (year, month).
    pub treatment_month: (i32, u32),
    pub patient_name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    /// 負担者番号 of the 法別12 KO record.
    pub office: PublicPayerNumber,
    /// 受給者番号 of that KO record.
    pub recipient: RecipientNumber,
    pub drugs: Vec<DrugLine>,
}

impl Receipt {
    /// 「RE（レセプト番号 3、12131017-1234566）」.
    pub fn label(&self) -> String {
        format!(
            "RE（レセプト番号 {}、{}-{}）",
            self.number,
            self.office.as_str(),
            self.recipient.as_str()
        )
    }

    /// 診療年月 as `YYYY-MM`.
    pub fn month_text(&self) -> String {
        format!(
            "{:04}-{:02}",
            self.treatment_month.0, self.treatment_month.1
        )
    }
}

/// One IR … GO block: one institution's receipts of one 請求.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstitutionBlock {
    pub line: usize,
    /// 都道府県 + 点数表 + the 7-digit code of IR, checked.
    pub institution: InstitutionCode,
    pub institution_name: String,
    /// 請求年月 (year, month).
    pub billing_month: (i32, u32),
    pub receipts: Vec<Receipt>,
}

/// A whole レセ電 file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptFile {
    pub blocks: Vec<InstitutionBlock>,
}

impl ReceiptFile {
    pub fn receipts(&self) -> impl Iterator<Item = (&InstitutionBlock, &Receipt)> {
        self.blocks
            .iter()
            .flat_map(|b| b.receipts.iter().map(move |r| (b, r)))
    }
}

/// Upper bound on the size of a レセ電 file (a month of a large hospital is a few MB).
pub const MAX_RECEIPT_FILE_BYTES: usize = 64 << 20;

/// Parse a レセ電 file (CP932 or UTF-8 bytes).
pub fn parse_receipts(bytes: &[u8]) -> Result<ReceiptFile, Vec<RecordError>> {
    if bytes.len() > MAX_RECEIPT_FILE_BYTES {
        return Err(vec![RecordError::new(
            "ファイル",
            format!(
                "ファイルが大きすぎます（{} バイト、上限 {MAX_RECEIPT_FILE_BYTES} バイト）。",
                bytes.len()
            ),
        )]);
    }
    let text = crate::import::decode_text(bytes)
        .map_err(|e| vec![RecordError::new(e.field, e.message)])?;
    let mut parser = Parser::default();
    for (index, line) in split_lines(&text).into_iter().enumerate() {
        let line_no = index + 1;
        let line = line.trim_end_matches('\u{1a}');
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        parser.record(line_no, &fields);
    }
    parser.finish()
}

/// Lines ended by CRLF, LF or CR.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes.get(i) {
            Some(b'\r') => {
                lines.push(&text[start..i]);
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            Some(b'\n') => {
                lines.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// A receipt being read: what has been seen so far.
struct Open {
    line: usize,
    number: String,
    kind: String,
    month: Option<(i32, u32)>,
    name: String,
    sex: Option<Sex>,
    birth: Option<NaiveDate>,
    public: Vec<(usize, Option<PublicPayerNumber>, Option<RecipientNumber>)>,
    drugs: Vec<DrugLine>,
    /// Drugs of the open 剤 still waiting for its 回数.
    pending: Vec<usize>,
    category: Option<String>,
    errors_before: usize,
}

struct Block {
    line: usize,
    institution: Option<InstitutionCode>,
    name: String,
    billing: Option<(i32, u32)>,
    receipts: Vec<Receipt>,
    count: usize,
    closed: bool,
}

#[derive(Default)]
struct Parser {
    blocks: Vec<Block>,
    open: Option<Open>,
    errors: Vec<RecordError>,
    seen_receipts: HashSet<(String, String)>,
}

fn field<'a>(fields: &[&'a str], n: usize) -> &'a str {
    fields.get(n - 1).copied().unwrap_or("")
}

impl Parser {
    fn error(&mut self, line: usize, record: Option<String>, field: &str, message: String) {
        let mut e = RecordError::new(field, message).at_line(line);
        if let Some(r) = record {
            e = e.for_record(r);
        }
        self.errors.push(e);
    }

    fn open_label(&self) -> Option<String> {
        self.open
            .as_ref()
            .map(|o| format!("RE（レセプト番号 {}）", o.number))
    }

    fn record(&mut self, line: usize, fields: &[&str]) {
        let id = field(fields, 1);
        match id {
            "IR" => self.ir(line, fields),
            "YK" => self.error(
                line,
                None,
                "レコード識別情報",
                "調剤レセプト（YK 薬局情報レコードで始まるファイル）には対応していません。医科・歯科のレセ電（IR で始まるファイル）を指定してください。".to_string(),
            ),
            "RE" => self.re(line, fields),
            "KO" => self.ko(line, fields),
            "IY" => self.iy(line, fields),
            "SI" | "TO" => self.closing(line, fields),
            "GO" => self.go(line, fields),
            // HO, SN, JD, MF, SY, CO, SJ …: not needed for 薬剤情報 (CO sits inside a 剤
            // without closing it), but they must belong to a block.
            other if other.len() == 2 && other.chars().all(|c| c.is_ascii_uppercase()) => {
                if self.current_block().is_none() {
                    self.error(
                        line,
                        None,
                        "レコード識別情報",
                        format!("{other} レコードの前に IR（医療機関情報）レコードがありません。"),
                    );
                }
            }
            other => self.error(
                line,
                None,
                "レコード識別情報",
                format!("「{other}」はレセ電のレコード識別情報ではありません。レセ電（CSV 形式、Shift_JIS）のファイルか確認してください。"),
            ),
        }
    }

    fn current_block(&mut self) -> Option<&mut Block> {
        self.blocks.last_mut().filter(|b| !b.closed)
    }

    fn ir(&mut self, line: usize, fields: &[&str]) {
        self.close_receipt();
        if let Some(block) = self.blocks.last() {
            if !block.closed {
                let at = block.line;
                self.error(
                    line,
                    None,
                    "GO",
                    format!("{at}行目の IR に対応する GO（診療報酬請求書）レコードがないまま、次の IR が始まっています。"),
                );
            }
        }
        let mut block = Block {
            line,
            institution: None,
            name: field(fields, 7).to_string(),
            billing: None,
            receipts: Vec::new(),
            count: 0,
            closed: false,
        };
        if fields.len() < 8 {
            self.error(
                line,
                None,
                "IR",
                format!(
                    "IR レコードの項目数が {} です（8項目以上必要です）。",
                    fields.len()
                ),
            );
            self.blocks.push(block);
            return;
        }
        let prefecture = field(fields, 3);
        let table = field(fields, 4);
        let local = field(fields, 5);
        let shape_ok = prefecture.len() == 2
            && table.len() == 1
            && local.len() == 7
            && format!("{prefecture}{table}{local}")
                .chars()
                .all(|c| c.is_ascii_digit());
        if !shape_ok {
            self.error(line, None, "IR 医療機関コード", format!("都道府県「{prefecture}」・点数表「{table}」・医療機関コード「{local}」から10桁の医療機関コードを作れません（2桁・1桁・7桁の数字です）。"));
        } else if !matches!(table, "1" | "3") {
            self.error(
                line,
                None,
                "IR 点数表",
                format!("点数表「{table}」のレセプトは扱えません。医科（1）・歯科（3）のレセ電を指定してください。"),
            );
        } else {
            let full = format!("{prefecture}{table}{local}");
            match InstitutionCode::parse(&full) {
                Ok(code) => block.institution = Some(code),
                Err(e) => self.error(
                    line,
                    None,
                    "IR 医療機関コード",
                    format!(
                        "医療機関コード「{full}」（都道府県+点数表+7桁）: {}",
                        e.message()
                    ),
                ),
            }
        }
        match parse_month(field(fields, 8)) {
            Some(m) => block.billing = Some(m),
            None => self.error(
                line,
                None,
                "IR 請求年月",
                format!(
                    "請求年月「{}」が読み取れません（YYYYMM、例: 202405）。",
                    field(fields, 8)
                ),
            ),
        }
        self.blocks.push(block);
    }

    fn re(&mut self, line: usize, fields: &[&str]) {
        self.close_receipt();
        if self.current_block().is_none() {
            self.error(
                line,
                None,
                "RE",
                "RE（レセプト共通）レコードの前に IR（医療機関情報）レコードがありません。"
                    .to_string(),
            );
            return;
        }
        if let Some(b) = self.current_block() {
            b.count += 1;
        }
        let number = field(fields, 2).to_string();
        let label = Some(format!("RE（レセプト番号 {number}）"));
        let errors_before = self.errors.len();
        if fields.len() < 7 {
            self.error(
                line,
                label.clone(),
                "RE",
                format!(
                    "RE レコードの項目数が {} です（7項目以上必要です）。",
                    fields.len()
                ),
            );
        }
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
            self.error(
                line,
                label.clone(),
                "RE レセプト番号",
                format!("レセプト番号「{number}」は数字ではありません。"),
            );
        }
        let kind = field(fields, 3).to_string();
        if kind.len() != 4 || !kind.chars().all(|c| c.is_ascii_digit()) {
            self.error(
                line,
                label.clone(),
                "RE レセプト種別",
                format!("レセプト種別「{kind}」は4桁の数字ではありません。"),
            );
        }
        let month = parse_month(field(fields, 4));
        if month.is_none() {
            self.error(
                line,
                label.clone(),
                "RE 診療年月",
                format!(
                    "診療年月「{}」が読み取れません（YYYYMM、例: 202404）。",
                    field(fields, 4)
                ),
            );
        }
        let name = field(fields, 5).to_string();
        if name.is_empty() {
            self.error(
                line,
                label.clone(),
                "RE 氏名",
                "氏名が空欄です。".to_string(),
            );
        }
        let sex = Sex::from_code(field(fields, 6));
        if sex.is_none() {
            self.error(
                line,
                label.clone(),
                "RE 男女区分",
                format!(
                    "男女区分「{}」は使えません。1（男）または 2（女）です。",
                    field(fields, 6)
                ),
            );
        }
        let birth = parse_date(field(fields, 7));
        if birth.is_none() {
            self.error(
                line,
                label,
                "RE 生年月日",
                format!(
                    "生年月日「{}」が読み取れません（YYYYMMDD、例: 19520410）。",
                    field(fields, 7)
                ),
            );
        }
        self.open = Some(Open {
            line,
            number,
            kind,
            month,
            name,
            sex,
            birth,
            public: Vec::new(),
            drugs: Vec::new(),
            pending: Vec::new(),
            category: None,
            errors_before,
        });
    }

    fn ko(&mut self, line: usize, fields: &[&str]) {
        let label = self.open_label();
        if self.open.is_none() {
            self.error(
                line,
                None,
                "KO",
                "KO（公費）レコードの前に RE（レセプト共通）レコードがありません。".to_string(),
            );
            return;
        }
        let payer_raw = field(fields, 2);
        let recipient_raw = field(fields, 3);
        if payer_raw.len() != 8 || !payer_raw.chars().all(|c| c.is_ascii_digit()) {
            self.error(
                line,
                label,
                "KO 負担者番号",
                format!("負担者番号「{payer_raw}」は8桁の数字ではありません。"),
            );
            return;
        }
        if !payer_raw.starts_with("12") {
            return; // another 公費 (not 生活保護): not ours to read.
        }
        let payer = match PublicPayerNumber::parse(payer_raw) {
            Ok(p) => Some(p),
            Err(e) => {
                self.error(
                    line,
                    label.clone(),
                    "KO 負担者番号",
                    format!("負担者番号「{payer_raw}」: {}", e.message()),
                );
                None
            }
        };
        let recipient = match RecipientNumber::parse(recipient_raw) {
            Ok(r) => Some(r),
            Err(e) => {
                self.error(
                    line,
                    label,
                    "KO 受給者番号",
                    format!("受給者番号「{recipient_raw}」: {}", e.message()),
                );
                None
            }
        };
        if let Some(open) = self.open.as_mut() {
            open.public.push((line, payer, recipient));
        }
    }

    fn category_of(&mut self, line: usize, fields: &[&str], record: &str) -> Option<String> {
        let raw = field(fields, 2);
        let label = self.open_label();
        if raw.is_empty() {
            let previous = self.open.as_ref().and_then(|o| o.category.clone());
            if previous.is_none() {
                self.error(
                    line,
                    label,
                    &format!("{record} 診療識別"),
                    "診療識別が空欄で、前のレコードにもありません。".to_string(),
                );
            }
            return previous;
        }
        if raw.len() != 2 || !raw.chars().all(|c| c.is_ascii_digit()) {
            self.error(
                line,
                label,
                &format!("{record} 診療識別"),
                format!("診療識別「{raw}」は2桁の数字ではありません。"),
            );
            return None;
        }
        // A new 診療識別 starts a new 剤: nothing may still be waiting for a 回数.
        let mut unresolved = Vec::new();
        if let Some(open) = self.open.as_mut() {
            if open.category.as_deref() != Some(raw) {
                for i in std::mem::take(&mut open.pending) {
                    if let Some(d) = open.drugs.get(i) {
                        unresolved.push(d.line);
                    }
                }
                open.category = Some(raw.to_string());
            }
        }
        for l in unresolved {
            self.error(l, label.clone(), "IY 回数", UNRESOLVED_TIMES.to_string());
        }
        Some(raw.to_string())
    }

    /// 回数 of a record: `Ok(None)` when blank, `Err` when not a number.
    fn times(&mut self, line: usize, fields: &[&str], record: &str) -> Result<Option<u32>, ()> {
        let raw = field(fields, 7);
        if raw.is_empty() {
            return Ok(None);
        }
        match raw.parse::<u32>() {
            Ok(n) if n > 0 && n <= 999 => Ok(Some(n)),
            _ => {
                let label = self.open_label();
                self.error(
                    line,
                    label,
                    &format!("{record} 回数"),
                    format!("回数「{raw}」は1〜999の数字ではありません。"),
                );
                Err(())
            }
        }
    }

    /// SI or TO: they carry no drug but may close a 剤 (its 回数 applies to waiting drugs).
    fn closing(&mut self, line: usize, fields: &[&str]) {
        if self.open.is_none() {
            return;
        }
        let record = field(fields, 1).to_string();
        let _ = self.category_of(line, fields, &record);
        if let Ok(Some(times)) = self.times(line, fields, &record) {
            self.resolve(times);
        }
    }

    fn resolve(&mut self, times: u32) {
        if let Some(open) = self.open.as_mut() {
            for i in std::mem::take(&mut open.pending) {
                if let Some(d) = open.drugs.get_mut(i) {
                    d.times = times;
                    d.supply_days = (d.category == CATEGORY_INTERNAL).then_some(times);
                }
            }
        }
    }

    fn iy(&mut self, line: usize, fields: &[&str]) {
        let label = self.open_label();
        if self.open.is_none() {
            self.error(
                line,
                None,
                "IY",
                "IY（医薬品）レコードの前に RE（レセプト共通）レコードがありません。".to_string(),
            );
            return;
        }
        if fields.len() < 7 {
            self.error(
                line,
                label,
                "IY",
                format!(
                    "IY レコードの項目数が {} です（7項目以上必要です）。",
                    fields.len()
                ),
            );
            return;
        }
        let category = self.category_of(line, fields, "IY");
        let code = field(fields, 4);
        let code_ok = code.len() == 9 && code.chars().all(|c| c.is_ascii_digit());
        if !code_ok {
            self.error(
                line,
                label.clone(),
                "IY 医薬品コード",
                format!("医薬品コード「{code}」は9桁の数字ではありません。"),
            );
        }
        let quantity_raw = field(fields, 5);
        let quantity = normalize_quantity(quantity_raw);
        if quantity.is_none() {
            self.error(
                line,
                label.clone(),
                "IY 使用量",
                format!("使用量「{quantity_raw}」は0以上の数値ではありません。"),
            );
        }
        let points = field(fields, 6);
        if !points.is_empty() && !points.chars().all(|c| c.is_ascii_digit()) {
            self.error(
                line,
                label.clone(),
                "IY 点数",
                format!("点数「{points}」は数字ではありません。"),
            );
        }
        let times = self.times(line, fields, "IY");
        let mut days = Vec::new();
        for day in 1..=31u8 {
            let raw = field(fields, 13 + usize::from(day));
            if raw.is_empty() {
                continue;
            }
            match raw.parse::<u32>() {
                Ok(0) => {}
                Ok(_) => days.push(day),
                Err(_) => self.error(
                    line,
                    label.clone(),
                    &format!("IY 算定日（{day}日）"),
                    format!("算定日情報「{raw}」は数字ではありません。"),
                ),
            }
        }
        let (Some(category), Some(quantity), true, Ok(times)) =
            (category, quantity, code_ok, times)
        else {
            return;
        };
        if let Some(open) = self.open.as_mut() {
            open.drugs.push(DrugLine {
                line,
                supply_days: times.filter(|_| category == CATEGORY_INTERNAL),
                category,
                code: code.to_string(),
                quantity,
                times: times.unwrap_or(0),
                days,
            });
            match times {
                None => open.pending.push(open.drugs.len() - 1),
                Some(t) => self.resolve(t),
            }
        }
    }

    fn go(&mut self, line: usize, fields: &[&str]) {
        self.close_receipt();
        let Some(block) = self.current_block() else {
            self.error(
                line,
                None,
                "GO",
                "GO（診療報酬請求書）レコードに対応する IR レコードがありません。".to_string(),
            );
            return;
        };
        block.closed = true;
        let count = block.count;
        let raw = field(fields, 2);
        match raw.parse::<usize>() {
            Ok(n) if n == count => {}
            Ok(n) => self.error(
                line,
                None,
                "GO 総件数",
                format!("総件数は {n} ですが、RE（レセプト）は {count} 件あります。ファイルが途中で切れていないか確認してください。"),
            ),
            Err(_) => self.error(
                line,
                None,
                "GO 総件数",
                format!("総件数「{raw}」は数字ではありません。"),
            ),
        }
    }

    /// Finish the open receipt: resolve its 剤, find its 法別12 KO, keep it if clean.
    fn close_receipt(&mut self) {
        let Some(open) = self.open.take() else {
            return;
        };
        let label = Some(format!("RE（レセプト番号 {}）", open.number));
        for i in &open.pending {
            if let Some(d) = open.drugs.get(*i) {
                self.error(
                    d.line,
                    label.clone(),
                    "IY 回数",
                    UNRESOLVED_TIMES.to_string(),
                );
            }
        }
        let (payer, recipient) = match open.public.as_slice() {
            [] => {
                self.error(
                    open.line,
                    label,
                    "KO",
                    "生活保護（法別番号12）の KO（公費）レコードがありません。医療扶助のレセプトだけを取り込めます。".to_string(),
                );
                return;
            }
            [(_, p, r)] => (p.clone(), r.clone()),
            [_, (second, ..), ..] => {
                self.error(
                    *second,
                    label,
                    "KO",
                    "法別番号12の KO レコードが2つあります。1枚のレセプトに1つだけです。"
                        .to_string(),
                );
                return;
            }
        };
        if self.errors.len() > open.errors_before {
            return;
        }
        let (Some(office), Some(recipient), Some(month), Some(sex), Some(birth)) =
            (payer, recipient, open.month, open.sex, open.birth)
        else {
            return;
        };
        let receipt = Receipt {
            line: open.line,
            number: open.number,
            kind: open.kind,
            treatment_month: month,
            patient_name: open.name,
            sex,
            birth_date: birth,
            office,
            recipient,
            drugs: open.drugs,
        };
        let block_line = self.blocks.last().map_or(0, |b| b.line);
        if !self
            .seen_receipts
            .insert((block_line.to_string(), receipt.number.clone()))
        {
            self.error(
                receipt.line,
                Some(receipt.label()),
                "RE レセプト番号",
                format!(
                    "レセプト番号 {} が同じ医療機関の中で2回あります。",
                    receipt.number
                ),
            );
            return;
        }
        if let Some(block) = self.current_block() {
            block.receipts.push(receipt);
        }
    }

    fn finish(mut self) -> Result<ReceiptFile, Vec<RecordError>> {
        self.close_receipt();
        if self.blocks.is_empty() && self.errors.is_empty() {
            self.errors.push(RecordError::new(
                "IR",
                "IR（医療機関情報）レコードがありません。レセ電（CSV 形式）のファイルか確認してください。",
            ));
        }
        if let Some(block) = self.blocks.last().filter(|b| !b.closed) {
            let at = block.line;
            self.errors.push(RecordError::new(
                "GO",
                format!("{at}行目の IR に対応する GO（診療報酬請求書）レコードがありません。ファイルが途中で切れていないか確認してください。"),
            ));
        }
        if !self.errors.is_empty() {
            self.errors.sort_by_key(|e| e.line.unwrap_or(usize::MAX));
            return Err(self.errors);
        }
        let blocks = self
            .blocks
            .into_iter()
            .filter_map(|b| {
                Some(InstitutionBlock {
                    line: b.line,
                    institution: b.institution?,
                    institution_name: b.name,
                    billing_month: b.billing?,
                    receipts: b.receipts,
                })
            })
            .collect();
        Ok(ReceiptFile { blocks })
    }
}

/// 使用量: a non-negative decimal (`.5` → `0.5`).
fn normalize_quantity(raw: &str) -> Option<String> {
    if raw.starts_with('-') {
        return None;
    }
    crate::checkup::normalize_number(raw)
}

/// The era of a レセ電 年号区分 digit: 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和 ([UNVERIFIED] 5).
fn era_of(digit: char) -> Option<Era> {
    Some(match digit {
        '1' => Era::Meiji,
        '2' => Era::Taisho,
        '3' => Era::Showa,
        '4' => Era::Heisei,
        '5' => Era::Reiwa,
        _ => return None,
    })
}

/// `YYYYMM` (西暦, current layout) or `GYYMM` (和暦, older layouts).
pub fn parse_month(raw: &str) -> Option<(i32, u32)> {
    if !raw.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (year, month) = match raw.len() {
        6 => (
            raw.get(..4)?.parse::<i32>().ok()?,
            raw.get(4..)?.parse::<u32>().ok()?,
        ),
        5 => {
            let era = era_of(raw.chars().next()?)?;
            let yy = raw.get(1..3)?.parse::<i32>().ok()?;
            (
                chrono::Datelike::year(&era.start()) + yy - 1,
                raw.get(3..)?.parse::<u32>().ok()?,
            )
        }
        _ => return None,
    };
    ((1..=12).contains(&month) && (1900..=2200).contains(&year)).then_some((year, month))
}

/// `YYYYMMDD` (西暦) or `GYYMMDD` (和暦).
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    if !raw.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    match raw.len() {
        8 => NaiveDate::parse_from_str(raw, "%Y%m%d").ok(),
        7 => {
            let era = era_of(raw.chars().next()?)?;
            let yy = raw.get(1..3)?.parse::<i32>().ok()?;
            let month = raw.get(3..5)?.parse::<u32>().ok()?;
            let day = raw.get(5..)?.parse::<u32>().ok()?;
            let date =
                NaiveDate::from_ymd_opt(chrono::Datelike::year(&era.start()) + yy - 1, month, day)?;
            era.contains(date).then_some(date)
        }
        _ => None,
    }
}

// ---------------------------------------------------------------- 医薬品マスター

/// One drug of the 医薬品マスター (社会保険診療報酬支払基金 基本マスター, y.csv layout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrugMasterRow {
    pub line: usize,
    /// 医薬品コード (column 3).
    pub code: String,
    /// 医薬品名・規格名 漢字名称 (column 5).
    pub name: String,
    /// 単位 漢字名称 (column 10): 錠, ｇ, カプセル …
    pub unit: Option<String>,
    /// 麻薬・毒薬・覚醒剤原料・向精神薬 (column 14): 0 none, 1 麻薬, 2 毒薬, 3 覚醒剤原料,
    /// 5 向精神薬 ([UNVERIFIED] code values; the column name is from the master's header).
    pub controlled: String,
    /// 薬価基準収載医薬品コード (YJ, 12 characters; column 32).
    pub yj_code: Option<String>,
    /// 一般名処方の標準的な記載 (column 38, newer layouts only).
    pub generic_name: Option<String>,
}

/// The value of column 14 that marks a 向精神薬 [UNVERIFIED].
pub const CONTROLLED_PSYCHOTROPIC: &str = "5";

/// Parse the 医薬品マスター CSV (CP932 or UTF-8; quoted or not; with or without a header
/// line). Only rows of マスター種別 `Y` are read.
pub fn parse_drug_master(bytes: &[u8]) -> Result<Vec<DrugMasterRow>, Vec<RecordError>> {
    if bytes.len() > MAX_RECEIPT_FILE_BYTES {
        return Err(vec![RecordError::new(
            "ファイル",
            "ファイルが大きすぎます。",
        )]);
    }
    let text = crate::import::decode_text(bytes)
        .map_err(|e| vec![RecordError::new(e.field, e.message)])?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut codes = HashSet::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(
                    RecordError::new("ファイル", format!("CSV として読み取れません（{e}）。"))
                        .at_line(line),
                );
                break;
            }
        };
        let get = |n: usize| record.get(n - 1).map(str::trim).unwrap_or("");
        let code = get(3);
        let code_ok = code.len() == 9 && code.chars().all(|c| c.is_ascii_digit());
        if line == 1 && get(2) != "Y" {
            continue; // a header line (マスター種別 is `Y` on every data row)
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() < 32 {
            errors.push(
                RecordError::new(
                    "列数",
                    format!(
                        "列の数が {} です。医薬品マスターは32列以上あります（支払基金の医薬品マスターの形式で保存してください）。",
                        record.len()
                    ),
                )
                .at_line(line),
            );
            continue;
        }
        if get(2) != "Y" {
            continue;
        }
        if !code_ok {
            errors.push(
                RecordError::new(
                    "医薬品コード",
                    format!("医薬品コード「{code}」は9桁の数字ではありません。"),
                )
                .at_line(line),
            );
            continue;
        }
        if get(5).is_empty() {
            errors.push(
                RecordError::new("医薬品名", "医薬品名（漢字名称）が空欄です。").at_line(line),
            );
            continue;
        }
        if !codes.insert(code.to_string()) {
            errors.push(
                RecordError::new(
                    "医薬品コード",
                    format!("医薬品コード {code} が2回あります。"),
                )
                .at_line(line),
            );
            continue;
        }
        let opt = |n: usize| Some(get(n).to_string()).filter(|s| !s.is_empty());
        rows.push(DrugMasterRow {
            line,
            code: code.to_string(),
            name: get(5).to_string(),
            unit: opt(10),
            controlled: opt(14).unwrap_or_else(|| "0".to_string()),
            yj_code: opt(32),
            generic_name: opt(38),
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
