//! The 健診 CSV (`docs/file-layouts.md` §15.2): one row per item, the rows of one checkup
//! (same 公費負担者番号, 受給者番号 and 受診日) repeating the person's columns.
//!
//! 結果 is a number (`22.5`), `未実施`, `測定不能`, `以下` (at or below the lower limit),
//! `以上` (at or above the upper limit), for 尿糖・尿蛋白 `1`–`5` or `－ ± ＋ ＋＋ ＋＋＋`,
//! `CD:{コード体系}:{コード}` for any other coded value and `文字:{text}` for text.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{
    is_item_code, item_def, item_label, normalize_number, Checkup, CheckupItem, ItemKind,
    ItemValue, Provider, DEFAULT_PROGRAM, DEFAULT_REPORT_KIND, OID_URINE_QUALITATIVE, URINE_LABELS,
};
use crate::codes::Sex;
use crate::error::RecordError;
use crate::import::{parse_file, Cells};
use crate::numbers::{PublicPayerNumber, RecipientNumber};

/// The header line, exactly.
pub const CSV_HEADER: &str = "公費負担者番号,受給者番号,氏名,性別,生年月日,受診日,健診機関番号,健診機関名称,項目コード,結果,単位";

struct Row {
    line: usize,
    office: PublicPayerNumber,
    recipient: RecipientNumber,
    name: String,
    sex: Sex,
    birth_date: NaiveDate,
    examined_on: NaiveDate,
    provider_number: Option<String>,
    provider_name: Option<String>,
    code: String,
    value: ItemValue,
}

/// Parse the CSV into checkups (in the order they first appear), or every error.
pub fn parse_csv(text: &str) -> Result<Vec<Checkup>, Vec<RecordError>> {
    parse_csv_with_lines(text).map(|v| v.into_iter().map(|(_, c)| c).collect())
}

/// [`parse_csv`], each checkup with the line of its first row.
pub fn parse_csv_with_lines(text: &str) -> Result<Vec<(usize, Checkup)>, Vec<RecordError>> {
    let rows = parse_file(text, CSV_HEADER, read_row)
        .map_err(|es| es.into_iter().map(RecordError::from).collect::<Vec<_>>())?;
    let mut checkups: Vec<Checkup> = Vec::new();
    let mut first_line: Vec<usize> = Vec::new();
    let mut groups: HashMap<(String, String, NaiveDate), usize> = HashMap::new();
    let mut item_lines: HashMap<(usize, String), usize> = HashMap::new();
    let mut errors = Vec::new();
    for row in rows {
        let key = (
            row.office.as_str().to_string(),
            row.recipient.as_str().to_string(),
            row.examined_on,
        );
        let provider =
            (row.provider_number.is_some() || row.provider_name.is_some()).then(|| Provider {
                number: row.provider_number.clone(),
                name: row.provider_name.clone(),
            });
        let at = match groups.get(&key) {
            Some(&at) => at,
            None => {
                groups.insert(key, checkups.len());
                first_line.push(row.line);
                checkups.push(Checkup {
                    office: row.office.clone(),
                    recipient: row.recipient.clone(),
                    symbol: None,
                    name: row.name.clone(),
                    sex: row.sex,
                    birth_date: row.birth_date,
                    postal_code: None,
                    address: None,
                    examined_on: row.examined_on,
                    report_kind: DEFAULT_REPORT_KIND.to_string(),
                    program: DEFAULT_PROGRAM.to_string(),
                    provider: provider.clone(),
                    items: Vec::new(),
                });
                checkups.len() - 1
            }
        };
        let (Some(checkup), Some(&first)) = (checkups.get_mut(at), first_line.get(at)) else {
            continue;
        };
        let label = checkup.label();
        let mut differs = |field: &str, same: bool| {
            if !same {
                errors.push(
                    RecordError::new(
                        field,
                        format!("{field}が同じ受診者・受診日の{first}行目と違います。"),
                    )
                    .at_line(row.line)
                    .for_record(label.clone()),
                );
            }
        };
        differs("氏名", checkup.name == row.name);
        differs("性別", checkup.sex == row.sex);
        differs("生年月日", checkup.birth_date == row.birth_date);
        differs("健診機関番号", checkup.provider == provider);
        if let Some(previous) = item_lines.insert((at, row.code.clone()), row.line) {
            errors.push(
                RecordError::new(
                    "項目コード",
                    format!(
                        "項目 {}（{}）が{previous}行目にもあります。1回の健診に同じ項目は1つだけです。",
                        row.code,
                        item_label(&row.code)
                    ),
                )
                .at_line(row.line)
                .for_record(label),
            );
            continue;
        }
        checkup.items.push(CheckupItem {
            code: row.code,
            value: row.value,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for checkup in &mut checkups {
        checkup.normalize();
    }
    Ok(first_line.into_iter().zip(checkups).collect())
}

fn read_row(r: &mut Cells<'_>) -> Option<Row> {
    let office = r.number("公費負担者番号", PublicPayerNumber::parse);
    let recipient = r.number("受給者番号", RecipientNumber::parse);
    let name = r.text("氏名");
    let sex = r.code::<Sex>("性別");
    let birth_date = r.date("生年月日");
    let examined_on = r.date("受診日");
    let provider_number = r.opt_text("健診機関番号");
    if let Some(n) = &provider_number {
        if n.len() != 10 || !n.chars().all(|c| c.is_ascii_digit()) {
            r.error(
                "健診機関番号",
                format!("「{n}」は健診機関番号（数字10桁）ではありません。"),
            );
        }
    }
    let provider_name = r.opt_text("健診機関名称");
    let code = r.text("項目コード");
    if let Some(c) = &code {
        if !is_item_code(c) {
            r.error(
                "項目コード",
                format!("「{c}」は項目コード（英数字17桁、例: 9N011000000000001）ではありません。"),
            );
        }
    }
    let raw = r.text("結果");
    let unit = r.opt_text("単位");
    let value = match (&code, &raw) {
        (Some(c), Some(v)) => match read_value(c, v, unit) {
            Ok(value) => Some(value),
            Err(message) => {
                r.error("結果", message);
                None
            }
        },
        _ => None,
    };
    if let (Some(b), Some(e)) = (birth_date, examined_on) {
        if e < b {
            r.error(
                "受診日",
                format!("受診日（{e}）が生年月日（{b}）より前です。"),
            );
        }
    }
    Some(Row {
        line: r.line,
        office: office?,
        recipient: recipient?,
        name: name?,
        sex: sex?,
        birth_date: birth_date?,
        examined_on: examined_on?,
        provider_number,
        provider_name,
        code: code?,
        value: value?,
    })
}

/// 全角 digits, period and minus to ASCII.
fn ascii_number(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            '．' => '.',
            '－' | '−' => '-',
            _ => c,
        })
        .collect()
}

fn urine_code(raw: &str) -> Option<&'static str> {
    let normalized: String = raw
        .chars()
        .map(|c| match c {
            '＋' => '+',
            '－' | '−' | 'ー' | '‐' => '-',
            '１'..='５' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            _ => c,
        })
        .filter(|c| !matches!(c, '(' | ')' | '（' | '）'))
        .collect();
    match normalized.as_str() {
        "1" | "-" => Some("1"),
        "2" | "±" | "+-" => Some("2"),
        "3" | "+" => Some("3"),
        "4" | "++" => Some("4"),
        "5" | "+++" => Some("5"),
        _ => None,
    }
}

fn read_value(code: &str, raw: &str, unit: Option<String>) -> Result<ItemValue, String> {
    match raw {
        "未実施" => return Ok(ItemValue::NotPerformed),
        "測定不能" => return Ok(ItemValue::Unmeasurable),
        "以下" => return Ok(ItemValue::BelowLimit),
        "以上" => return Ok(ItemValue::AboveLimit),
        _ => {}
    }
    if let Some(text) = raw.strip_prefix("文字:") {
        return Ok(ItemValue::Text {
            text: text.to_string(),
        });
    }
    if let Some(rest) = raw.strip_prefix("CD:") {
        return match rest.rsplit_once(':') {
            Some((system, c)) if !system.is_empty() && !c.is_empty() => Ok(ItemValue::Coded {
                code: c.to_string(),
                code_system: system.to_string(),
            }),
            _ => Err(format!(
                "「{raw}」は CD:{{コード体系}}:{{コード}} の形ではありません。"
            )),
        };
    }
    let keywords = "未実施・測定不能・以下・以上";
    match item_def(code).map(|d| d.kind) {
        Some(ItemKind::Urine) => match urine_code(raw) {
            Some(c) => Ok(ItemValue::Coded {
                code: c.to_string(),
                code_system: OID_URINE_QUALITATIVE.to_string(),
            }),
            None => Err(format!(
                "{}の結果「{raw}」は使えません。1〜5 か －・±・＋・＋＋・＋＋＋、または {keywords} のいずれかを入力してください。",
                item_label(code)
            )),
        },
        _ => match normalize_number(&ascii_number(raw)) {
            Some(value) => Ok(ItemValue::Numeric { value, unit }),
            None => Err(format!(
                "{}の結果「{raw}」は数値ではありません。数値（例: 22.5）か、{keywords} のいずれかを入力してください。",
                item_label(code)
            )),
        },
    }
}

/// Quote a cell if it needs it (RFC 4180).
fn cell(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// Write checkups as the CSV (UTF-8, LF, header first), one row per item.
pub fn write_csv(checkups: &[Checkup]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    for c in checkups {
        for item in &c.items {
            let (value, unit) = match &item.value {
                ItemValue::Numeric { value, unit } => (value.clone(), unit.clone()),
                ItemValue::Coded { code, code_system }
                    if code_system == OID_URINE_QUALITATIVE
                        && item_def(&item.code).map(|d| d.kind) == Some(ItemKind::Urine)
                        && URINE_LABELS.iter().any(|(k, _)| k == code) =>
                {
                    (code.clone(), None)
                }
                ItemValue::Coded { code, code_system } => {
                    (format!("CD:{code_system}:{code}"), None)
                }
                ItemValue::Text { text } => (format!("文字:{text}"), None),
                ItemValue::NotPerformed => ("未実施".to_string(), None),
                ItemValue::Unmeasurable => ("測定不能".to_string(), None),
                ItemValue::BelowLimit => ("以下".to_string(), None),
                ItemValue::AboveLimit => ("以上".to_string(), None),
            };
            let provider = c.provider.as_ref();
            let cells = [
                c.office.as_str().to_string(),
                c.recipient.as_str().to_string(),
                c.name.clone(),
                c.sex.code().to_string(),
                c.birth_date.to_string(),
                c.examined_on.to_string(),
                provider.and_then(|p| p.number.clone()).unwrap_or_default(),
                provider.and_then(|p| p.name.clone()).unwrap_or_default(),
                item.code.clone(),
                value,
                unit.unwrap_or_default(),
            ];
            let line: Vec<String> = cells.iter().map(|v| cell(v)).collect();
            out.push_str(&line.join(","));
            out.push('\n');
        }
    }
    out
}
