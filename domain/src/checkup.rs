//! 健診 results (product.md §2 II): the model, the item table, and the two file formats —
//! the 特定健診 HL7 CDA archive (`domain-reference.md` §5) and this project's CSV
//! (`docs/file-layouts.md` §15).
//!
//! A [`Checkup`] is one person's 健診 on one day: who (the recipient key, name, sex, birth
//! date), when (受診日), where (健診機関, if known), and the items as JLAC10 code → value.
//! A value is a number with its unit, a code (尿糖 －…＋＋＋), text, or one of the states the
//! CDA spells out: 未実施 (`negationInd="true"`), 測定不能 (`nullFlavor="NI"`), at or below
//! the input lower limit (`CD` code `L` 「以下」), at or above the upper limit (`H` 「以上」).
//! Those states are kept as such, never turned into numbers, and a CDA or CSV round trip
//! keeps every value exactly as written ("5.60" stays "5.60").
//!
//! Recipient key [UNVERIFIED]: 健康増進法 健診 of 被保護者 have no 保険者番号. This project
//! puts the 公費負担者番号 in the 保険者番号 slot (`patientRole/id` root
//! `1.2.392.200119.6.101`) and the 受給者番号 in 被保険者証等番号 (root `…6.205`), as
//! `domain-reference.md` §5.2 suggests; MHLW's instruction for this case was not found.
//!
//! Everything here is pure: parsers take bytes, writers return bytes; the server and the
//! browser (wasm32) run the same code.

mod csv_file;
mod xml;

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read, Write};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::codes::Sex;
use crate::error::RecordError;
use crate::numbers::{PublicPayerNumber, RecipientNumber};

pub use csv_file::{parse_csv, parse_csv_with_lines, write_csv, CSV_HEADER};
use xml::{escape, Element};

// ---------------------------------------------------------------- OIDs and codes

/// 健診項目 (JLAC10-based 17-character codes); the default `code/@codeSystem` of an observation.
pub const OID_ITEM: &str = "1.2.392.200119.6.1005";
/// 報告区分.
pub const OID_REPORT_KIND: &str = "1.2.392.200119.6.1001";
/// 健診プログラムサービスコード.
pub const OID_PROGRAM: &str = "1.2.392.200119.6.1002";
/// セクション.
pub const OID_SECTION: &str = "1.2.392.200119.6.1010";
/// 保険者番号 (here: 公費負担者番号 [UNVERIFIED], see the module docs).
pub const OID_INSURER: &str = "1.2.392.200119.6.101";
/// 特定健診機関番号 (10 digits).
pub const OID_PROVIDER: &str = "1.2.392.200119.6.102";
/// 被保険者証等記号.
pub const OID_SYMBOL: &str = "1.2.392.200119.6.204";
/// 被保険者証等番号 (here: 受給者番号).
pub const OID_NUMBER: &str = "1.2.392.200119.6.205";
/// 性別.
pub const OID_SEX: &str = "1.2.392.200119.6.1104";
/// HL7 ObservationInterpretation: `L` 以下, `H` 以上.
pub const OID_INTERPRETATION: &str = "2.16.840.1.113883.5.83";
/// 尿定性 result codes 1 －, 2 ±, 3 ＋, 4 ＋＋, 5 ＋＋＋ (ORCA 特定健診 item master [I]).
pub const OID_URINE_QUALITATIVE: &str = "1.2.392.200119.6.2102";
/// Namespace of `ix08_V08.xml` and `su08_V08.xml`.
pub const NS_CHECKUP: &str = "http://tokuteikenshin.jp/checkup/2007";
/// The index file of an archive.
pub const INDEX_FILE: &str = "ix08_V08.xml";
/// The summary file of an archive.
pub const SUMMARY_FILE: &str = "su08_V08.xml";

/// 報告区分 written when a checkup came without one (CSV): 10 特定健診. [UNVERIFIED] which
/// code a 健康増進法 健診 of a 被保護者 should carry was not found.
pub const DEFAULT_REPORT_KIND: &str = "10";
/// 健診プログラム written when none is known: 010 特定健診 [UNVERIFIED] as above.
pub const DEFAULT_PROGRAM: &str = "010";

const URINE_LABELS: [(&str, &str); 5] = [
    ("1", "－"),
    ("2", "±"),
    ("3", "＋"),
    ("4", "＋＋"),
    ("5", "＋＋＋"),
];

// ---------------------------------------------------------------- the item table

/// How an item's result is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A number with a unit (`xsi:type="PQ"`).
    Numeric,
    /// A code of [`OID_URINE_QUALITATIVE`] (`xsi:type="CO"`).
    Urine,
}

/// The range a value should stay in: `low` inclusive, `high` exclusive (as 判定値 read:
/// 「130未満」「40以上」). `high_female` replaces `high` for women (腹囲). `normal_code` is the
/// one code that is normal for a coded item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReferenceRange {
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub high_female: Option<f64>,
    pub normal_code: Option<&'static str>,
    /// Where the numbers come from.
    pub source: &'static str,
}

/// 標準的な健診・保健指導プログラム（令和6年度版）の保健指導判定値, quoted from memory:
/// [UNVERIFIED] the programme text was not retrieved for this project. The same values are
/// used by the portal (`api::checkup_standard_reference`).
pub const SOURCE_GUIDANCE: &str =
    "保健指導判定値（標準的な健診・保健指導プログラム、原典未確認 [UNVERIFIED]）";
/// BMI 18.5–25: 日本肥満学会の判定基準 (普通体重), quoted from memory [UNVERIFIED].
pub const SOURCE_OBESITY: &str = "日本肥満学会の判定基準（普通体重、原典未確認 [UNVERIFIED]）";
/// 尿定性: 「－」 only is normal (common clinical reading) [UNVERIFIED].
pub const SOURCE_URINE: &str = "尿定性は（－）を正常とする一般的な読み方 [UNVERIFIED]";

/// One 健診 item of the table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemDef {
    /// 17-character code (JLAC10-based), `domain-reference.md` §5.3.
    pub code: &'static str,
    /// Item name in Japanese.
    pub name: &'static str,
    /// 測定方法 or variant (実測, 1回目, 電位差法 …). [UNVERIFIED] for the method names of
    /// the laboratory variants: the codes are from ORCA's constants, the labels are ours.
    pub method: &'static str,
    /// 身体計測, 血圧, 血糖, 脂質, 肝機能, 腎機能, 尿検査.
    pub group: &'static str,
    pub kind: ItemKind,
    /// The unit written in the CDA (UCUM spelling as in ORCA's item master [I]).
    pub unit: Option<&'static str>,
    pub reference: Option<ReferenceRange>,
}

/// A unit as people read it: the CDA's UCUM spelling ("mm[Hg]", "kg/m2", "10*3/uL") in
/// the usual print form ("mmHg", "kg/m²", "×10³/μL"). Units already readable are kept.
pub fn display_unit(ucum: &str) -> String {
    let unit = ucum.trim();
    let unit = unit.replace("[Hg]", "Hg").replace("[iU]", "IU");
    let unit = match unit.strip_prefix("10*") {
        Some(rest) => {
            let (power, rest) = rest.split_at(
                rest.find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len()),
            );
            let superscript: String = power.chars().map(superscript_digit).collect();
            format!("×10{superscript}{rest}")
        }
        None => unit,
    };
    // Square and cubic metres, and the micro prefix of litres, grams and moles.
    let unit = unit.replace("m2", "m²").replace("m3", "m³");
    ["uL", "ug", "umol"].iter().fold(unit, |u, micro| {
        u.replace(micro, &micro.replacen('u', "μ", 1))
    })
}

fn superscript_digit(c: char) -> char {
    match c {
        '0' => '⁰',
        '1' => '¹',
        '2' => '²',
        '3' => '³',
        '4' => '⁴',
        '5' => '⁵',
        '6' => '⁶',
        '7' => '⁷',
        '8' => '⁸',
        '9' => '⁹',
        other => other,
    }
}

const fn range(low: Option<f64>, high: Option<f64>) -> Option<ReferenceRange> {
    Some(ReferenceRange {
        low,
        high,
        high_female: None,
        normal_code: None,
        source: SOURCE_GUIDANCE,
    })
}

const BMI: Option<ReferenceRange> = Some(ReferenceRange {
    low: Some(18.5),
    high: Some(25.0),
    high_female: None,
    normal_code: None,
    source: SOURCE_OBESITY,
});
const WAIST: Option<ReferenceRange> = Some(ReferenceRange {
    low: None,
    high: Some(85.0),
    high_female: Some(90.0),
    normal_code: None,
    source: SOURCE_GUIDANCE,
});
const URINE: Option<ReferenceRange> = Some(ReferenceRange {
    low: None,
    high: None,
    high_female: None,
    normal_code: Some("1"),
    source: SOURCE_URINE,
});

const fn item(
    code: &'static str,
    name: &'static str,
    method: &'static str,
    group: &'static str,
    unit: &'static str,
    reference: Option<ReferenceRange>,
) -> ItemDef {
    ItemDef {
        code,
        name,
        method,
        group,
        kind: ItemKind::Numeric,
        unit: Some(unit),
        reference,
    }
}

const fn urine(code: &'static str, name: &'static str, method: &'static str) -> ItemDef {
    ItemDef {
        code,
        name,
        method,
        group: "尿検査",
        kind: ItemKind::Urine,
        unit: None,
        reference: URINE,
    }
}

/// The items this project knows by name, in display order (codes: `domain-reference.md` §5.3).
/// Other valid codes are accepted and kept, shown by code.
#[rustfmt::skip]
pub const ITEMS: &[ItemDef] = &[
    item("9N001000000000001", "身長", "", "身体計測", "cm", None),
    item("9N006000000000001", "体重", "", "身体計測", "kg", None),
    item("9N011000000000001", "BMI", "", "身体計測", "kg/m2", BMI),
    item("9N016160100000001", "腹囲", "実測", "身体計測", "cm", WAIST),
    item("9N016160200000001", "腹囲", "自己測定", "身体計測", "cm", WAIST),
    item("9N016160300000001", "腹囲", "自己申告", "身体計測", "cm", WAIST),
    item("9A751000000000001", "収縮期血圧", "1回目", "血圧", "mm[Hg]", range(None, Some(130.0))),
    item("9A752000000000001", "収縮期血圧", "2回目", "血圧", "mm[Hg]", range(None, Some(130.0))),
    item("9A755000000000001", "収縮期血圧", "その他", "血圧", "mm[Hg]", range(None, Some(130.0))),
    item("9A761000000000001", "拡張期血圧", "1回目", "血圧", "mm[Hg]", range(None, Some(85.0))),
    item("9A762000000000001", "拡張期血圧", "2回目", "血圧", "mm[Hg]", range(None, Some(85.0))),
    item("9A765000000000001", "拡張期血圧", "その他", "血圧", "mm[Hg]", range(None, Some(85.0))),
    item("3D010000001926101", "空腹時血糖", "電位差法", "血糖", "mg/dL", range(None, Some(100.0))),
    item("3D010000002227101", "空腹時血糖", "可視吸光光度法", "血糖", "mg/dL", range(None, Some(100.0))),
    item("3D010000001927201", "空腹時血糖", "紫外吸光光度法", "血糖", "mg/dL", range(None, Some(100.0))),
    item("3D010000001999901", "空腹時血糖", "その他", "血糖", "mg/dL", range(None, Some(100.0))),
    item("3D010129901926101", "随時血糖", "電位差法", "血糖", "mg/dL", range(None, Some(100.0))),
    item("3D046000001906202", "HbA1c（NGSP値）", "免疫学的方法", "血糖", "%", range(None, Some(5.6))),
    item("3D046000001920402", "HbA1c（NGSP値）", "HPLC", "血糖", "%", range(None, Some(5.6))),
    item("3D046000001927102", "HbA1c（NGSP値）", "酵素法", "血糖", "%", range(None, Some(5.6))),
    item("3D046000001999902", "HbA1c（NGSP値）", "その他", "血糖", "%", range(None, Some(5.6))),
    item("3F015000002327101", "中性脂肪", "可視吸光光度法", "脂質", "mg/dL", range(None, Some(150.0))),
    item("3F015000002327201", "中性脂肪", "紫外吸光光度法", "脂質", "mg/dL", range(None, Some(150.0))),
    item("3F015000002399901", "中性脂肪", "その他", "脂質", "mg/dL", range(None, Some(150.0))),
    item("3F070000002327101", "HDLコレステロール", "", "脂質", "mg/dL", range(Some(40.0), None)),
    item("3F077000002327101", "LDLコレステロール", "", "脂質", "mg/dL", range(None, Some(120.0))),
    item("3F050000002327101", "総コレステロール", "", "脂質", "mg/dL", None),
    item("3B035000002327201", "AST（GOT）", "", "肝機能", "U/L", range(None, Some(31.0))),
    item("3B045000002327201", "ALT（GPT）", "", "肝機能", "U/L", range(None, Some(31.0))),
    item("3B090000002327101", "γ-GT（γ-GTP）", "", "肝機能", "U/L", range(None, Some(51.0))),
    item("3C015000002327101", "血清クレアチニン", "", "腎機能", "mg/dL", None),
    item("3C020000002327101", "血清尿酸", "", "腎機能", "mg/dL", None),
    urine("1A020000000191111", "尿糖", "機械読み取り"),
    urine("1A020000000190111", "尿糖", "目視法"),
    urine("1A010000000191111", "尿蛋白", "機械読み取り"),
    urine("1A010000000190111", "尿蛋白", "目視法"),
];

/// The table entry of `code`, if the project knows it.
pub fn item_def(code: &str) -> Option<&'static ItemDef> {
    ITEMS.iter().find(|i| i.code == code)
}

/// Position in [`ITEMS`] (unknown codes after every known one).
fn item_order(code: &str) -> usize {
    ITEMS
        .iter()
        .position(|i| i.code == code)
        .unwrap_or(ITEMS.len())
}

/// "収縮期血圧（1回目）", or the code itself for an item not in the table.
pub fn item_label(code: &str) -> String {
    match item_def(code) {
        Some(d) if d.method.is_empty() => d.name.to_string(),
        Some(d) => format!("{}（{}）", d.name, d.method),
        None => format!("項目 {code}"),
    }
}

/// A 17-character item code: digits and upper-case letters.
pub fn is_item_code(code: &str) -> bool {
    code.len() == 17
        && code
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

impl ReferenceRange {
    /// (low, high) for a person of `sex`.
    pub fn bounds(&self, sex: Sex) -> (Option<f64>, Option<f64>) {
        let high = match sex {
            Sex::Female => self.high_female.or(self.high),
            Sex::Male => self.high,
        };
        (self.low, high)
    }

    /// 「130未満」「40以上」「18.5以上25未満」「（－）」.
    pub fn text(&self, sex: Sex) -> String {
        if let Some(code) = self.normal_code {
            return format!("（{}）", urine_label(code).unwrap_or(code));
        }
        let number = |x: f64| {
            let s = format!("{x}");
            s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
        };
        match self.bounds(sex) {
            (Some(low), Some(high)) => format!("{}以上{}未満", number(low), number(high)),
            (Some(low), None) => format!("{}以上", number(low)),
            (None, Some(high)) => format!("{}未満", number(high)),
            (None, None) => String::new(),
        }
    }
}

/// 「－」「±」「＋」「＋＋」「＋＋＋」 for a 尿定性 code.
pub fn urine_label(code: &str) -> Option<&'static str> {
    URINE_LABELS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

// ---------------------------------------------------------------- the model

/// One item's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemValue {
    /// A measured number, exactly as written (`"22.5"`, `"5.60"`), and its unit.
    Numeric { value: String, unit: Option<String> },
    /// A coded result (尿糖 `1`…`5` in [`OID_URINE_QUALITATIVE`]).
    Coded { code: String, code_system: String },
    /// Free text (`xsi:type="ST"`).
    Text { text: String },
    /// 未実施 (`negationInd="true"`).
    NotPerformed,
    /// 測定不能 (`nullFlavor="NI"`).
    Unmeasurable,
    /// At or below the input lower limit (`CD` `L` 「以下」): no number is sent.
    BelowLimit,
    /// At or above the input upper limit (`CD` `H` 「以上」).
    AboveLimit,
}

impl ItemValue {
    /// The kind as stored (`numeric`, `coded`, `text`, `not_performed`, `unmeasurable`,
    /// `below_limit`, `above_limit`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Numeric { .. } => "numeric",
            Self::Coded { .. } => "coded",
            Self::Text { .. } => "text",
            Self::NotPerformed => "not_performed",
            Self::Unmeasurable => "unmeasurable",
            Self::BelowLimit => "below_limit",
            Self::AboveLimit => "above_limit",
        }
    }

    /// (value, unit, code system) as stored next to [`ItemValue::kind`].
    pub fn to_parts(&self) -> (Option<&str>, Option<&str>, Option<&str>) {
        match self {
            Self::Numeric { value, unit } => (Some(value), unit.as_deref(), None),
            Self::Coded { code, code_system } => (Some(code), None, Some(code_system)),
            Self::Text { text } => (Some(text), None, None),
            _ => (None, None, None),
        }
    }

    /// The inverse of [`ItemValue::kind`] + [`ItemValue::to_parts`].
    pub fn from_parts(
        kind: &str,
        value: Option<String>,
        unit: Option<String>,
        code_system: Option<String>,
    ) -> Option<Self> {
        Some(match kind {
            "numeric" => Self::Numeric {
                value: value?,
                unit,
            },
            "coded" => Self::Coded {
                code: value?,
                code_system: code_system.unwrap_or_default(),
            },
            "text" => Self::Text { text: value? },
            "not_performed" => Self::NotPerformed,
            "unmeasurable" => Self::Unmeasurable,
            "below_limit" => Self::BelowLimit,
            "above_limit" => Self::AboveLimit,
            _ => return None,
        })
    }

    /// The value as a person reads it: "22.5", "＋", "未実施", "測定不能", "測定下限以下".
    pub fn display(&self) -> String {
        match self {
            Self::Numeric { value, .. } => value.clone(),
            Self::Coded { code, code_system } if code_system == OID_URINE_QUALITATIVE => {
                urine_label(code).unwrap_or(code).to_string()
            }
            Self::Coded { code, .. } => code.clone(),
            Self::Text { text } => text.clone(),
            Self::NotPerformed => "未実施".to_string(),
            Self::Unmeasurable => "測定不能".to_string(),
            Self::BelowLimit => "測定下限以下".to_string(),
            Self::AboveLimit => "測定上限以上".to_string(),
        }
    }

    /// The number, for a numeric value.
    pub fn number(&self) -> Option<f64> {
        match self {
            Self::Numeric { value, .. } => value.parse().ok(),
            _ => None,
        }
    }
}

/// One item of a checkup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckupItem {
    pub code: String,
    pub value: ItemValue,
}

/// The institution that did the 健診 (特定健診機関番号 10 digits, root `…6.102`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provider {
    pub number: Option<String>,
    pub name: Option<String>,
}

/// One person's 健診 on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkup {
    /// 公費負担者番号, from the 保険者番号 slot.
    pub office: PublicPayerNumber,
    /// 受給者番号, from 被保険者証等番号 (`…6.205`).
    pub recipient: RecipientNumber,
    /// 被保険者証等記号 (`…6.204`), if the file had one (kept for the round trip).
    pub symbol: Option<String>,
    pub name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    /// 受診日 (`documentationOf/serviceEvent/effectiveTime`).
    pub examined_on: NaiveDate,
    /// 報告区分 (`ClinicalDocument/code`, 10 = 特定健診).
    pub report_kind: String,
    /// 健診プログラムサービスコード (010 = 特定健診).
    pub program: String,
    pub provider: Option<Provider>,
    /// In [`ITEMS`] order, then unknown codes in code order (see [`Checkup::normalize`]).
    pub items: Vec<CheckupItem>,
}

impl Checkup {
    /// 「受診者 12131017-1234566（受診日 2023-09-12）」: how errors name this checkup.
    pub fn label(&self) -> String {
        record_label(
            self.office.as_str(),
            self.recipient.as_str(),
            Some(self.examined_on),
        )
    }

    /// Items in table order (unknown codes last, by code), units of table items filled in
    /// where the file gave none, numbers written `0.5` rather than `.5`.
    pub fn normalize(&mut self) {
        for item in &mut self.items {
            if let ItemValue::Numeric { value, unit } = &mut item.value {
                if unit.is_none() {
                    *unit = item_def(&item.code)
                        .and_then(|d| d.unit)
                        .map(str::to_string);
                }
                if let Some(n) = normalize_number(value) {
                    *value = n;
                }
            }
        }
        self.items
            .sort_by(|a, b| (item_order(&a.code), &a.code).cmp(&(item_order(&b.code), &b.code)));
    }

    /// The value of item `code`.
    pub fn value(&self, code: &str) -> Option<&ItemValue> {
        self.items.iter().find(|i| i.code == code).map(|i| &i.value)
    }
}

fn record_label(office: &str, recipient: &str, examined_on: Option<NaiveDate>) -> String {
    match examined_on {
        Some(d) => format!("受診者 {office}-{recipient}（受診日 {d}）"),
        None => format!("受診者 {office}-{recipient}"),
    }
}

/// A decimal as written, with an optional `-` and at most one `.`; `.5` becomes `0.5`.
/// `None` if it is not one.
pub fn normalize_number(raw: &str) -> Option<String> {
    let (sign, body) = match raw.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", raw),
    };
    let mut parts = body.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let ok = digits(int)
        && frac.is_none_or(|f| !f.is_empty() && digits(f))
        && !(int.is_empty() && frac.is_none());
    if !ok || body.len() > 20 {
        return None;
    }
    let int = if int.is_empty() { "0" } else { int };
    Some(match frac {
        Some(f) => format!("{sign}{int}.{f}"),
        None => format!("{sign}{int}"),
    })
}

/// 年度 (April–March) of a date: 2024-03-31 → 2023, 2024-04-01 → 2024.
pub fn fiscal_year(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// The due date of a fiscal year's 健診 results (product.md §2 II): 11月1日 after the year
/// ends, i.e. 1 November of `fiscal_year + 1`.
pub fn results_due_date(fiscal_year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(fiscal_year + 1, 11, 1)
}

/// First and last day of a fiscal year.
pub fn fiscal_year_bounds(fiscal_year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(fiscal_year, 4, 1)?,
        NaiveDate::from_ymd_opt(fiscal_year + 1, 3, 31)?,
    ))
}

/// 「令和5年度」. The era is that of 1 May, so 2019年度 is 令和元年度 (as it is officially
/// called, though it began in 平成31年) while 1988年度 stays 昭和63年度.
pub fn fiscal_year_label(fiscal_year: i32) -> String {
    match NaiveDate::from_ymd_opt(fiscal_year, 5, 1).and_then(crate::wareki::to_wareki) {
        Some(w) if w.year == 1 => format!("{}元年度", w.era.name()),
        Some(w) => format!("{}{}年度", w.era.name(), w.year),
        None => format!("{fiscal_year}年度"),
    }
}

// ---------------------------------------------------------------- limits

/// Size limits for an uploaded archive (zip bombs, huge documents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The archive as uploaded.
    pub max_archive_bytes: usize,
    /// Entries in the zip directory (files and folders).
    pub max_entries: usize,
    /// One XML file, uncompressed.
    pub max_xml_bytes: usize,
    /// All files read, uncompressed.
    pub max_total_bytes: usize,
}

impl Limits {
    /// 64 MiB upload, 20,000 entries, 1 MiB per XML, 256 MiB in all: a year of 健診 of a
    /// large office (10,000 people, about 15 KB each) fits with room to spare.
    pub const DEFAULT: Limits = Limits {
        max_archive_bytes: 64 << 20,
        max_entries: 20_000,
        max_xml_bytes: 1 << 20,
        max_total_bytes: 256 << 20,
    };
}

// ---------------------------------------------------------------- one CDA document

/// Parse one `DATA/h….xml` document.
pub fn parse_document(bytes: &[u8], max_bytes: usize) -> Result<Checkup, Vec<RecordError>> {
    if bytes.len() > max_bytes {
        return Err(vec![RecordError::new(
            "ファイル",
            format!(
                "XML が大きすぎます（{} バイト、上限 {max_bytes} バイト）。",
                bytes.len()
            ),
        )]);
    }
    let root = xml::decode(bytes)
        .and_then(|t| xml::parse(&t))
        .map_err(|e| vec![xml_error("XML", e)])?;
    read_document(&root)
}

fn xml_error(field: &str, e: xml::XmlError) -> RecordError {
    let error = RecordError::new(field, e.message);
    match e.line {
        Some(line) => error.at_line(line),
        None => error,
    }
}

/// Collects the problems of one document; each names the element it is about.
struct Problems {
    errors: Vec<RecordError>,
}

impl Problems {
    fn add(&mut self, at: Option<&Element>, field: &str, message: impl Into<String>) {
        let mut error = RecordError::new(field, message);
        if let Some(line) = at.map(|e| e.line) {
            error = error.at_line(line);
        }
        self.errors.push(error);
    }
}

fn read_document(root: &Element) -> Result<Checkup, Vec<RecordError>> {
    let mut p = Problems { errors: Vec::new() };
    if root.name != "ClinicalDocument" {
        p.add(
            Some(root),
            "ClinicalDocument",
            format!(
                "ルート要素が <{}> です。特定健診の CDA は <ClinicalDocument> で始まります。",
                root.name
            ),
        );
        return Err(p.errors);
    }
    let report_kind = root
        .child("code")
        .and_then(|c| c.attr("code"))
        .map(str::to_string);
    if report_kind.is_none() {
        p.add(
            Some(root),
            "報告区分",
            "報告区分（ClinicalDocument/code の code 属性）がありません。",
        );
    }
    let role = root.path(&["recordTarget", "patientRole"]);
    if role.is_none() {
        p.add(
            Some(root),
            "受診者",
            "受診者情報（recordTarget/patientRole）がありません。",
        );
    }
    let id_of = |oid: &str| {
        role.into_iter()
            .flat_map(|r| r.children_named("id"))
            .find(|id| id.attr("root") == Some(oid))
    };
    let office = match id_of(OID_INSURER) {
        None => {
            p.add(role, "公費負担者番号", format!("保険者番号欄（id root=\"{OID_INSURER}\"）がありません。この欄に公費負担者番号を入れてください。"));
            None
        }
        Some(id) => {
            let raw = id.attr("extension").unwrap_or("");
            match PublicPayerNumber::parse(raw) {
                Ok(n) => Some(n),
                Err(e) => {
                    p.add(
                        Some(id),
                        "公費負担者番号",
                        format!(
                            "保険者番号欄の「{raw}」は公費負担者番号として使えません: {}",
                            e.message()
                        ),
                    );
                    None
                }
            }
        }
    };
    let recipient = match id_of(OID_NUMBER) {
        None => {
            p.add(role, "受給者番号", format!("被保険者証等番号欄（id root=\"{OID_NUMBER}\"）がありません。この欄に受給者番号を入れてください。"));
            None
        }
        Some(id) => {
            let raw = id.attr("extension").unwrap_or("");
            match RecipientNumber::parse(raw) {
                Ok(n) => Some(n),
                Err(e) => {
                    p.add(
                        Some(id),
                        "受給者番号",
                        format!("被保険者証等番号欄の「{raw}」: {}", e.message()),
                    );
                    None
                }
            }
        }
    };
    let symbol = id_of(OID_SYMBOL)
        .and_then(|id| id.attr("extension"))
        .map(str::to_string)
        .filter(|s| !s.is_empty());
    let addr = role.and_then(|r| r.child("addr"));
    let postal_code = addr
        .and_then(|a| a.child("postalCode"))
        .map(|p| p.text.clone())
        .filter(|s| !s.is_empty());
    let address = addr.map(|a| a.text.clone()).filter(|s| !s.is_empty());
    let patient = role.and_then(|r| r.child("patient"));
    let name = patient
        .and_then(|pt| pt.child("name"))
        .map(|n| n.text.clone())
        .filter(|s| !s.is_empty());
    if name.is_none() {
        p.add(
            patient.or(role),
            "氏名",
            "受診者の氏名（patient/name）がありません。",
        );
    }
    let sex_element = patient.and_then(|pt| pt.child("administrativeGenderCode"));
    let sex = match sex_element.and_then(|s| s.attr("code")) {
        Some(code) => match Sex::from_code(code) {
            Some(s) => Some(s),
            None => {
                p.add(
                    sex_element,
                    "性別",
                    format!("性別コード「{code}」は使えません。1（男）または 2（女）です。"),
                );
                None
            }
        },
        None => {
            p.add(
                patient.or(role),
                "性別",
                "性別（administrativeGenderCode）がありません。",
            );
            None
        }
    };
    let birth_element = patient.and_then(|pt| pt.child("birthTime"));
    let birth_date = date_attr(
        &mut p,
        birth_element,
        patient.or(role),
        "生年月日",
        "birthTime",
    );
    let event = root.path(&["documentationOf", "serviceEvent"]);
    let examined_element = event.and_then(|e| e.child("effectiveTime"));
    let examined_on = date_attr(
        &mut p,
        examined_element,
        event.or(Some(root)),
        "受診日",
        "documentationOf/serviceEvent/effectiveTime",
    );
    let program = event
        .and_then(|e| e.child("code"))
        .and_then(|c| c.attr("code"))
        .unwrap_or(DEFAULT_PROGRAM)
        .to_string();
    let provider = provider_of(root, event);
    let items = read_items(&mut p, root);

    if !p.errors.is_empty() {
        let label = match (&office, &recipient) {
            (Some(o), Some(r)) => Some(record_label(o.as_str(), r.as_str(), examined_on)),
            _ => None,
        };
        if let Some(label) = label {
            for e in &mut p.errors {
                e.record = Some(label.clone());
            }
        }
        return Err(p.errors);
    }
    match (
        office,
        recipient,
        name,
        sex,
        birth_date,
        examined_on,
        report_kind,
    ) {
        (
            Some(office),
            Some(recipient),
            Some(name),
            Some(sex),
            Some(birth_date),
            Some(examined_on),
            Some(report_kind),
        ) => {
            let mut checkup = Checkup {
                office,
                recipient,
                symbol,
                name,
                sex,
                birth_date,
                postal_code,
                address,
                examined_on,
                report_kind,
                program,
                provider,
                items,
            };
            checkup.normalize();
            Ok(checkup)
        }
        _ => Err(vec![RecordError::new(
            "XML",
            "必要な項目が読み取れませんでした。",
        )]),
    }
}

/// A `value="YYYYMMDD…"` attribute as a date.
fn date_attr(
    p: &mut Problems,
    element: Option<&Element>,
    parent: Option<&Element>,
    field: &str,
    what: &str,
) -> Option<NaiveDate> {
    let Some(element) = element else {
        p.add(parent, field, format!("{field}（{what}）がありません。"));
        return None;
    };
    let raw = element.attr("value").unwrap_or("");
    match parse_yyyymmdd(raw) {
        Some(d) => Some(d),
        None => {
            p.add(
                Some(element),
                field,
                format!(
                    "{field}「{raw}」は日付ではありません。YYYYMMDD（例: 20240601）で書きます。"
                ),
            );
            None
        }
    }
}

/// `YYYYMMDD`, optionally followed by a time (`YYYYMMDDhhmm…`).
pub fn parse_yyyymmdd(raw: &str) -> Option<NaiveDate> {
    let digits = raw.get(..8)?;
    if !raw.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(digits, "%Y%m%d").ok()
}

fn provider_of(root: &Element, event: Option<&Element>) -> Option<Provider> {
    let organizations = [
        event.and_then(|e| e.path(&["performer", "assignedEntity", "representedOrganization"])),
        root.path(&["author", "assignedAuthor", "representedOrganization"]),
    ];
    organizations.into_iter().flatten().find_map(|org| {
        let number = org
            .children_named("id")
            .find(|id| id.attr("root") == Some(OID_PROVIDER))
            .and_then(|id| id.attr("extension"))
            .map(str::to_string)
            .filter(|s| !s.is_empty());
        let name = org
            .child("name")
            .map(|n| n.text.clone())
            .filter(|s| !s.is_empty());
        (number.is_some() || name.is_some()).then_some(Provider { number, name })
    })
}

/// Every observation with an item code, in any section, including the grouped ones
/// (`observation/entryRelationship/observation`).
fn read_items(p: &mut Problems, root: &Element) -> Vec<CheckupItem> {
    let mut observations = Vec::new();
    if let Some(body) = root.path(&["component", "structuredBody"]) {
        for section in body
            .children_named("component")
            .filter_map(|c| c.child("section"))
        {
            for entry in section.children_named("entry") {
                for observation in entry.children_named("observation") {
                    collect_observations(observation, &mut observations);
                }
            }
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut items = Vec::new();
    for observation in observations {
        let Some(item) = read_observation(p, observation) else {
            continue;
        };
        if let Some(first) = seen.insert(item.code.clone(), observation.line) {
            p.add(
                Some(observation),
                "項目コード",
                format!(
                    "項目 {}（{}）が{}行目にもあります。1回の健診に同じ項目は1つだけです。",
                    item.code,
                    item_label(&item.code),
                    first
                ),
            );
            continue;
        }
        items.push(item);
    }
    items
}

fn collect_observations<'a>(observation: &'a Element, out: &mut Vec<&'a Element>) {
    let code = observation.child("code");
    if code.and_then(|c| c.attr("code")).is_some() {
        out.push(observation);
    }
    for relationship in observation.children_named("entryRelationship") {
        for inner in relationship.children_named("observation") {
            collect_observations(inner, out);
        }
    }
}

fn read_observation(p: &mut Problems, observation: &Element) -> Option<CheckupItem> {
    let code_element = observation.child("code")?;
    let code = code_element.attr("code")?.to_string();
    let field = format!("項目 {code}");
    if !is_item_code(&code) {
        p.add(
            Some(code_element),
            "項目コード",
            format!("項目コード「{code}」は17桁の英数字ではありません。"),
        );
        return None;
    }
    if let Some(system) = code_element.attr("codeSystem").filter(|s| *s != OID_ITEM) {
        p.add(
            Some(code_element),
            &field,
            format!("項目コードのコード体系「{system}」は扱えません（{OID_ITEM} だけです）。"),
        );
        return None;
    }
    if observation.attr("negationInd") == Some("true") {
        return Some(CheckupItem {
            code,
            value: ItemValue::NotPerformed,
        });
    }
    let Some(value) = observation.child("value") else {
        p.add(
            Some(observation),
            &field,
            format!(
                "{}の結果（value）がありません。未実施なら negationInd=\"true\" を付けます。",
                item_label(&code)
            ),
        );
        return None;
    };
    if let Some(flavor) = value.attr("nullFlavor") {
        if flavor == "NI" {
            return Some(CheckupItem {
                code,
                value: ItemValue::Unmeasurable,
            });
        }
        p.add(
            Some(value),
            &field,
            format!("nullFlavor「{flavor}」は扱えません。測定不能は nullFlavor=\"NI\" です。"),
        );
        return None;
    }
    let data_type = value.attr("type").unwrap_or("");
    let parsed = match data_type {
        "PQ" | "INT" | "REAL" => {
            let raw = value.attr("value").unwrap_or("");
            match normalize_number(raw) {
                Some(number) => Some(ItemValue::Numeric {
                    value: number,
                    unit: value
                        .attr("unit")
                        .map(str::to_string)
                        .filter(|u| !u.is_empty()),
                }),
                None => {
                    p.add(
                        Some(value),
                        &field,
                        format!("{}の値「{raw}」は数値ではありません。", item_label(&code)),
                    );
                    None
                }
            }
        }
        "CD" | "CO" | "CV" | "CE" => {
            let system = value.attr("codeSystem").unwrap_or("").to_string();
            match value.attr("code") {
                Some("L") if system == OID_INTERPRETATION => Some(ItemValue::BelowLimit),
                Some("H") if system == OID_INTERPRETATION => Some(ItemValue::AboveLimit),
                Some(c) if !c.is_empty() => Some(ItemValue::Coded {
                    code: c.to_string(),
                    code_system: system,
                }),
                _ => {
                    p.add(
                        Some(value),
                        &field,
                        format!("{}のコード（code 属性）がありません。", item_label(&code)),
                    );
                    None
                }
            }
        }
        "ST" => Some(ItemValue::Text {
            text: value.text.clone(),
        }),
        other => {
            p.add(
                Some(value),
                &field,
                format!(
                    "結果の型 xsi:type=\"{other}\" は扱えません（PQ, CD, CO, ST のいずれかです）。"
                ),
            );
            None
        }
    };
    parsed.map(|value| CheckupItem { code, value })
}

// ---------------------------------------------------------------- writing one document

/// Write one checkup as a CDA document (UTF-8). `document_date` is the 文書発行日.
pub fn write_document(checkup: &Checkup, document_date: NaiveDate) -> String {
    let mut x = String::with_capacity(8192);
    let ymd = |d: NaiveDate| d.format("%Y%m%d").to_string();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str("<ClinicalDocument xmlns=\"urn:hl7-org:v3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"urn:hl7-org:v3 ../XSD/hc08_V08.xsd\">\n");
    x.push_str("  <typeId root=\"2.16.840.1.113883.1.3\" extension=\"POCD_HD000040\"/>\n");
    x.push_str("  <id nullFlavor=\"NI\"/>\n");
    x.push_str(&format!(
        "  <code code=\"{}\" codeSystem=\"{OID_REPORT_KIND}\"/>\n",
        escape(&checkup.report_kind)
    ));
    x.push_str(&format!(
        "  <effectiveTime value=\"{}\"/>\n",
        ymd(document_date)
    ));
    x.push_str("  <confidentialityCode code=\"N\" codeSystem=\"2.16.840.1.113883.5.25\"/>\n");
    x.push_str("  <recordTarget>\n    <patientRole>\n");
    x.push_str("      <!-- 保険者番号欄: 公費負担者番号 -->\n");
    x.push_str(&format!(
        "      <id extension=\"{}\" root=\"{OID_INSURER}\"/>\n",
        checkup.office.as_str()
    ));
    if let Some(symbol) = &checkup.symbol {
        x.push_str(&format!(
            "      <id extension=\"{}\" root=\"{OID_SYMBOL}\"/>\n",
            escape(symbol)
        ));
    }
    x.push_str("      <!-- 被保険者証等番号欄: 受給者番号 -->\n");
    x.push_str(&format!(
        "      <id extension=\"{}\" root=\"{OID_NUMBER}\"/>\n",
        checkup.recipient.as_str()
    ));
    match (&checkup.address, &checkup.postal_code) {
        (None, None) => x.push_str("      <addr nullFlavor=\"NI\"/>\n"),
        (address, postal) => {
            x.push_str("      <addr>");
            x.push_str(&escape(address.as_deref().unwrap_or("")));
            if let Some(postal) = postal {
                x.push_str(&format!("<postalCode>{}</postalCode>", escape(postal)));
            }
            x.push_str("</addr>\n");
        }
    }
    x.push_str("      <patient>\n");
    x.push_str(&format!("        <name>{}</name>\n", escape(&checkup.name)));
    x.push_str(&format!(
        "        <administrativeGenderCode code=\"{}\" codeSystem=\"{OID_SEX}\"/>\n",
        checkup.sex.code()
    ));
    x.push_str(&format!(
        "        <birthTime value=\"{}\"/>\n",
        ymd(checkup.birth_date)
    ));
    x.push_str("      </patient>\n    </patientRole>\n  </recordTarget>\n");
    let organization = |indent: &str| {
        let mut o = format!("{indent}<representedOrganization>\n");
        match checkup.provider.as_ref().and_then(|p| p.number.as_ref()) {
            Some(n) => o.push_str(&format!(
                "{indent}  <id extension=\"{}\" root=\"{OID_PROVIDER}\"/>\n",
                escape(n)
            )),
            None => o.push_str(&format!("{indent}  <id nullFlavor=\"NI\"/>\n")),
        }
        if let Some(name) = checkup.provider.as_ref().and_then(|p| p.name.as_ref()) {
            o.push_str(&format!("{indent}  <name>{}</name>\n", escape(name)));
        }
        o.push_str(&format!("{indent}</representedOrganization>\n"));
        o
    };
    x.push_str("  <author>\n");
    x.push_str(&format!("    <time value=\"{}\"/>\n", ymd(document_date)));
    x.push_str("    <assignedAuthor>\n      <id nullFlavor=\"NI\"/>\n");
    x.push_str(&organization("      "));
    x.push_str("    </assignedAuthor>\n  </author>\n");
    x.push_str("  <custodian>\n    <assignedCustodian>\n      <representedCustodianOrganization>\n        <id nullFlavor=\"NI\"/>\n      </representedCustodianOrganization>\n    </assignedCustodian>\n  </custodian>\n");
    x.push_str("  <documentationOf>\n    <serviceEvent>\n");
    x.push_str(&format!(
        "      <code code=\"{}\" codeSystem=\"{OID_PROGRAM}\"/>\n",
        escape(&checkup.program)
    ));
    x.push_str(&format!(
        "      <effectiveTime value=\"{}\"/>\n",
        ymd(checkup.examined_on)
    ));
    x.push_str("      <performer typeCode=\"PRF\">\n        <assignedEntity>\n          <id nullFlavor=\"NI\"/>\n");
    x.push_str(&organization("          "));
    x.push_str("        </assignedEntity>\n      </performer>\n");
    x.push_str("    </serviceEvent>\n  </documentationOf>\n");
    x.push_str("  <component>\n    <structuredBody>\n");
    let (known, other): (Vec<&CheckupItem>, Vec<&CheckupItem>) = checkup
        .items
        .iter()
        .partition(|i| item_def(&i.code).is_some());
    for (code, title, items) in [
        ("01010", "検査・問診結果セクション", known),
        ("01990", "任意追加項目", other),
    ] {
        if items.is_empty() && code == "01990" {
            continue;
        }
        x.push_str("      <component>\n        <section>\n");
        x.push_str(&format!(
            "          <code code=\"{code}\" codeSystem=\"{OID_SECTION}\" displayName=\"{title}\"/>\n"
        ));
        x.push_str("          <text/>\n");
        for item in items {
            write_observation(&mut x, item);
        }
        x.push_str("        </section>\n      </component>\n");
    }
    x.push_str("    </structuredBody>\n  </component>\n</ClinicalDocument>\n");
    x
}

fn write_observation(x: &mut String, item: &CheckupItem) {
    let negation = if item.value == ItemValue::NotPerformed {
        " negationInd=\"true\""
    } else {
        ""
    };
    x.push_str(&format!(
        "          <entry>\n            <!-- {} -->\n            <observation classCode=\"OBS\" moodCode=\"EVN\"{negation}>\n",
        escape(&item_label(&item.code)).replace("--", "- -")
    ));
    x.push_str(&format!(
        "              <code code=\"{}\"/>\n",
        escape(&item.code)
    ));
    let value = match &item.value {
        ItemValue::Numeric { value, unit } => Some(match unit {
            Some(u) => format!(
                "<value xsi:type=\"PQ\" value=\"{}\" unit=\"{}\"/>",
                escape(value),
                escape(u)
            ),
            None => format!("<value xsi:type=\"PQ\" value=\"{}\"/>", escape(value)),
        }),
        ItemValue::Coded { code, code_system } => Some(format!(
            "<value xsi:type=\"CO\" code=\"{}\" codeSystem=\"{}\"/>",
            escape(code),
            escape(code_system)
        )),
        ItemValue::Text { text } => Some(format!("<value xsi:type=\"ST\">{}</value>", escape(text))),
        ItemValue::NotPerformed => None,
        ItemValue::Unmeasurable => Some(format!(
            "<value xsi:type=\"{}\" nullFlavor=\"NI\"/>",
            match item_def(&item.code).map(|d| d.kind) {
                Some(ItemKind::Urine) => "CO",
                _ => "PQ",
            }
        )),
        ItemValue::BelowLimit => Some(format!(
            "<value xsi:type=\"CD\" code=\"L\" codeSystem=\"{OID_INTERPRETATION}\" displayName=\"以下\"/>"
        )),
        ItemValue::AboveLimit => Some(format!(
            "<value xsi:type=\"CD\" code=\"H\" codeSystem=\"{OID_INTERPRETATION}\" displayName=\"以上\"/>"
        )),
    };
    if let Some(value) = value {
        x.push_str(&format!("              {value}\n"));
    }
    x.push_str("            </observation>\n          </entry>\n");
}

// ---------------------------------------------------------------- archives

/// A party of the index: OID root (`…6.101` 保険者, `…6.102` 健診機関, `…6.103` 代行機関,
/// `…6.105` 地方公共団体) and its number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub root: String,
    pub extension: String,
}

/// `ix08_V08.xml`: 交換用基本情報.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveIndex {
    /// 種別 (1–13). [UNVERIFIED] the meaning of each value was not retrieved; ORCA writes
    /// sender and receiver roots by it (1, 6: from a 健診機関; 8: 保険者 → 保険者).
    pub interaction_type: String,
    pub creation_date: NaiveDate,
    pub sender: Party,
    pub receiver: Option<Party>,
    /// 実施区分 (1 = 特定健診).
    pub service_event_type: String,
    /// The number of DATA and CLAIMS files (ORCA writes 2 × examinees: one of each).
    pub total_record_count: u64,
}

/// A whole archive: its index and every checkup of its `DATA/` folder, in file-name order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckupArchive {
    pub index: ArchiveIndex,
    pub checkups: Vec<Checkup>,
    /// The `DATA/` file of each checkup (same order); ignored by [`write_archive`].
    #[serde(default)]
    pub files: Vec<String>,
}

/// `interactionType` this project writes: 8, 保険者 → 保険者 (sender and receiver both
/// root `…6.101`, as ORCA's `Index.java` assigns roots) [UNVERIFIED].
pub const EXPORT_INTERACTION_TYPE: &str = "8";

/// Does `bytes` look like a zip archive (rather than a CSV)?
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

fn archive_error(message: impl Into<String>) -> Vec<RecordError> {
    vec![RecordError::new("アーカイブ", message)]
}

/// Read an entry, refusing more than `cap` bytes whatever the zip header claims.
fn read_capped(reader: &mut impl Read, cap: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    reader
        .take(u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut data)?;
    Ok((data.len() <= cap).then_some(data))
}

/// Parse a 特定健診 archive: `ix08_V08.xml`, optional `su08_V08.xml`, `DATA/h*.xml`
/// (and `CLAIMS/`, counted only), at the root or inside one top folder.
pub fn parse_archive(bytes: &[u8], limits: Limits) -> Result<CheckupArchive, Vec<RecordError>> {
    if bytes.len() > limits.max_archive_bytes {
        return Err(archive_error(format!(
            "ファイルが大きすぎます（{} バイト、上限 {} バイト）。年度や月で分けて取り込んでください。",
            bytes.len(),
            limits.max_archive_bytes
        )));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        archive_error(format!(
            "ZIP ファイルとして読み取れません（壊れているか、途中で切れています: {e}）。"
        ))
    })?;
    if zip.len() > limits.max_entries {
        return Err(archive_error(format!(
            "ZIP の中のファイルが多すぎます（{} 個、上限 {} 個）。",
            zip.len(),
            limits.max_entries
        )));
    }
    let names: Vec<String> = (0..zip.len())
        .map(|i| zip.name_for_index(i).unwrap_or("").to_string())
        .collect();
    let index_names: Vec<&String> = names
        .iter()
        .filter(|n| n.rsplit('/').next() == Some(INDEX_FILE))
        .collect();
    let prefix = match index_names.as_slice() {
        [] => {
            return Err(archive_error(format!(
                "{INDEX_FILE}（交換用基本情報ファイル）がありません。特定健診の CDA アーカイブ（ix08_V08.xml, su08_V08.xml, DATA/）を指定してください。"
            )))
        }
        [one] => one[..one.len() - INDEX_FILE.len()].to_string(),
        _ => {
            return Err(archive_error(format!(
                "{INDEX_FILE} が複数あります。1つのアーカイブには1つだけです。"
            )))
        }
    };
    if prefix.matches('/').count() > 1 {
        return Err(archive_error(format!(
            "{INDEX_FILE} の場所（{prefix}）が深すぎます。ZIP の最上位か、その下の1つのフォルダーに置いてください。"
        )));
    }
    let mut seen = HashSet::new();
    let mut data_files = Vec::new();
    let mut claim_files = 0u64;
    let mut summary_index = None;
    let mut index_index = None;
    for (i, name) in names.iter().enumerate() {
        if !seen.insert(name.clone()) {
            return Err(archive_error(format!(
                "ZIP の中に同じ名前のファイル「{name}」が2つあります。"
            )));
        }
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        if rest == INDEX_FILE {
            index_index = Some(i);
        } else if rest == SUMMARY_FILE {
            summary_index = Some(i);
        } else if let Some(file) = rest.strip_prefix("DATA/") {
            if !file.is_empty()
                && !file.contains('/')
                && file.to_ascii_lowercase().ends_with(".xml")
            {
                data_files.push((name.clone(), i));
            }
        } else if let Some(file) = rest.strip_prefix("CLAIMS/") {
            if !file.is_empty()
                && !file.contains('/')
                && file.to_ascii_lowercase().ends_with(".xml")
            {
                claim_files += 1;
            }
        }
    }
    data_files.sort();
    let mut total = 0usize;
    let mut read = |zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
                    i: usize,
                    name: &str|
     -> Result<Vec<u8>, Vec<RecordError>> {
        let mut entry = zip.by_index(i).map_err(|e| {
            vec![RecordError::new(
                "ファイル",
                format!("読み取れません（{e}）。暗号化された ZIP は使えません。"),
            )
            .in_file(name)]
        })?;
        let data = read_capped(&mut entry, limits.max_xml_bytes)
            .map_err(|e| {
                vec![RecordError::new(
                    "ファイル",
                    format!("展開できません（ZIP が壊れているか、途中で切れています: {e}）。"),
                )
                .in_file(name)]
            })?
            .ok_or_else(|| {
                vec![RecordError::new(
                    "ファイル",
                    format!(
                        "展開後の大きさが上限（{} バイト）を超えます。",
                        limits.max_xml_bytes
                    ),
                )
                .in_file(name)]
            })?;
        total += data.len();
        if total > limits.max_total_bytes {
            return Err(vec![RecordError::new(
                "アーカイブ",
                format!(
                    "展開後の合計が上限（{} バイト）を超えます。",
                    limits.max_total_bytes
                ),
            )
            .in_file(name)]);
        }
        Ok(data)
    };

    let index_name = format!("{prefix}{INDEX_FILE}");
    let index_at = index_index.unwrap_or(0);
    let index_bytes = read(&mut zip, index_at, &index_name)?;
    let index = parse_index(&index_bytes).map_err(|es| {
        es.into_iter()
            .map(|e| e.in_file(index_name.clone()))
            .collect::<Vec<_>>()
    })?;
    let data_count = u64::try_from(data_files.len()).unwrap_or(u64::MAX);
    let mut errors = Vec::new();
    if index.total_record_count != data_count + claim_files {
        errors.push(
            RecordError::new(
                "totalRecordCount",
                format!(
                    "交換用基本情報の総ファイル数（totalRecordCount）は {} ですが、DATA に {data_count} 件、CLAIMS に {claim_files} 件（計 {} 件）あります。ファイルが欠けていないか確認してください。",
                    index.total_record_count,
                    data_count + claim_files
                ),
            )
            .in_file(index_name.clone()),
        );
    }
    if let Some(i) = summary_index {
        let name = format!("{prefix}{SUMMARY_FILE}");
        let summary = read(&mut zip, i, &name)?;
        match parse_summary_count(&summary) {
            Ok(count) if count == data_count => {}
            Ok(count) => errors.push(
                RecordError::new(
                    "totalSubjectCount",
                    format!("集計情報の受診者数（totalSubjectCount）は {count} ですが、DATA には {data_count} 件あります。"),
                )
                .in_file(name),
            ),
            Err(es) => errors.extend(es.into_iter().map(|e| e.in_file(name.clone()))),
        }
    }
    let mut checkups = Vec::new();
    let mut files = Vec::new();
    let mut keys: HashMap<(String, String, NaiveDate), String> = HashMap::new();
    for (name, i) in &data_files {
        let bytes = read(&mut zip, *i, name)?;
        match parse_document(&bytes, limits.max_xml_bytes) {
            Ok(checkup) => {
                let key = (
                    checkup.office.as_str().to_string(),
                    checkup.recipient.as_str().to_string(),
                    checkup.examined_on,
                );
                if let Some(first) = keys.insert(key, name.clone()) {
                    errors.push(
                        RecordError::new(
                            "受診日",
                            format!("同じ受診者・同じ受診日の健診が {first} にもあります。"),
                        )
                        .in_file(name.clone())
                        .for_record(checkup.label()),
                    );
                }
                checkups.push(checkup);
                files.push(name.clone());
            }
            Err(es) => errors.extend(es.into_iter().map(|e| e.in_file(name.clone()))),
        }
    }
    if errors.is_empty() {
        Ok(CheckupArchive {
            index,
            checkups,
            files,
        })
    } else {
        Err(errors)
    }
}

fn parse_index(bytes: &[u8]) -> Result<ArchiveIndex, Vec<RecordError>> {
    let root = xml::decode(bytes)
        .and_then(|t| xml::parse(&t))
        .map_err(|e| vec![xml_error("XML", e)])?;
    let mut p = Problems { errors: Vec::new() };
    if root.name != "index" {
        p.add(
            Some(&root),
            "index",
            format!(
                "ルート要素が <{}> です。交換用基本情報は <index> です。",
                root.name
            ),
        );
        return Err(p.errors);
    }
    let mut attr = |path: &[&str], name: &str, field: &str| -> Option<String> {
        let value = root
            .path(path)
            .and_then(|e| e.attr(name))
            .map(str::to_string);
        if value.is_none() {
            p.add(
                Some(&root),
                field,
                format!("{}（{}）がありません。", field, path.join("/")),
            );
        }
        value
    };
    let interaction_type = attr(&["interactionType"], "code", "種別");
    let creation = attr(&["creationTime"], "value", "作成日");
    let sender_root = attr(&["sender", "id"], "root", "送信機関");
    let sender_ext = attr(&["sender", "id"], "extension", "送信機関");
    let service_event_type = attr(&["serviceEventType"], "code", "実施区分");
    let total = attr(&["totalRecordCount"], "value", "総ファイル数");
    let receiver = root.path(&["receiver", "id"]).map(|id| Party {
        root: id.attr("root").unwrap_or("").to_string(),
        extension: id.attr("extension").unwrap_or("").to_string(),
    });
    let creation_date = creation.as_deref().and_then(|c| {
        let d = parse_yyyymmdd(c);
        if d.is_none() {
            p.add(
                root.child("creationTime"),
                "作成日",
                format!("作成日「{c}」は YYYYMMDD ではありません。"),
            );
        }
        d
    });
    let total_record_count = total.as_deref().and_then(|t| {
        let n = t.parse::<u64>().ok();
        if n.is_none() {
            p.add(
                root.child("totalRecordCount"),
                "総ファイル数",
                format!("総ファイル数「{t}」は数ではありません。"),
            );
        }
        n
    });
    match (
        interaction_type,
        creation_date,
        sender_root,
        sender_ext,
        service_event_type,
        total_record_count,
    ) {
        (Some(i), Some(c), Some(sr), Some(se), Some(s), Some(t)) if p.errors.is_empty() => {
            Ok(ArchiveIndex {
                interaction_type: i,
                creation_date: c,
                sender: Party {
                    root: sr,
                    extension: se,
                },
                receiver,
                service_event_type: s,
                total_record_count: t,
            })
        }
        _ => Err(p.errors),
    }
}

fn parse_summary_count(bytes: &[u8]) -> Result<u64, Vec<RecordError>> {
    let root = xml::decode(bytes)
        .and_then(|t| xml::parse(&t))
        .map_err(|e| vec![xml_error("XML", e)])?;
    let raw = root
        .child("totalSubjectCount")
        .and_then(|e| e.attr("value"));
    match raw.map(|r| (r, r.parse::<u64>())) {
        Some((_, Ok(n))) if root.name == "summary" => Ok(n),
        Some((r, Err(_))) => Err(vec![RecordError::new(
            "totalSubjectCount",
            format!("受診者数「{r}」は数ではありません。"),
        )]),
        _ => Err(vec![RecordError::new(
            "totalSubjectCount",
            "集計情報（<summary>/totalSubjectCount）が読み取れません。",
        )]),
    }
}

/// `{sender}_{receiver}_{YYYYMMDD}1_1`: the folder (and zip) name, as ORCA names archives.
pub fn archive_name(index: &ArchiveIndex) -> String {
    let receiver = index.receiver.as_ref().map_or("", |r| r.extension.as_str());
    format!(
        "{}_{}_{}1_1",
        index.sender.extension,
        receiver,
        index.creation_date.format("%Y%m%d")
    )
}

/// Write an archive: `{name}/ix08_V08.xml`, `{name}/su08_V08.xml` and one
/// `{name}/DATA/h{sender}{YYYYMMDD}11{6 digits}.xml` per checkup, deflated, every entry
/// dated `index.creation_date` so the same input gives the same bytes. No `XSD/` folder
/// (the schemas are MHLW's to distribute) and no `CLAIMS/` (no 決済情報).
/// `index.total_record_count` is recomputed.
pub fn write_archive(archive: &CheckupArchive) -> Result<Vec<u8>, zip::result::ZipError> {
    let index = ArchiveIndex {
        total_record_count: u64::try_from(archive.checkups.len()).unwrap_or(u64::MAX),
        ..archive.index.clone()
    };
    let folder = archive_name(&index);
    let date = index.creation_date;
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
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    out.start_file(format!("{folder}/{INDEX_FILE}"), options)?;
    out.write_all(write_index(&index).as_bytes())?;
    out.start_file(format!("{folder}/{SUMMARY_FILE}"), options)?;
    out.write_all(write_summary(&index, archive.checkups.len()).as_bytes())?;
    for (n, checkup) in archive.checkups.iter().enumerate() {
        let name = format!(
            "{folder}/DATA/h{}{}11{:06}.xml",
            index.sender.extension,
            date.format("%Y%m%d"),
            n + 1
        );
        out.start_file(name, options)?;
        out.write_all(write_document(checkup, date).as_bytes())?;
    }
    Ok(out.finish()?.into_inner())
}

const SCHEMA_HEAD: &str = "xmlns=\"http://tokuteikenshin.jp/checkup/2007\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";

/// `ix08_V08.xml`.
pub fn write_index(index: &ArchiveIndex) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<index {SCHEMA_HEAD} xsi:schemaLocation=\"{NS_CHECKUP} ./XSD/ix08_V08.xsd\">\n"
    ));
    x.push_str(&format!(
        "  <interactionType code=\"{}\"/>\n",
        escape(&index.interaction_type)
    ));
    x.push_str(&format!(
        "  <creationTime value=\"{}\"/>\n",
        index.creation_date.format("%Y%m%d")
    ));
    x.push_str(&format!(
        "  <sender>\n    <id root=\"{}\" extension=\"{}\"/>\n  </sender>\n",
        escape(&index.sender.root),
        escape(&index.sender.extension)
    ));
    if let Some(r) = &index.receiver {
        x.push_str(&format!(
            "  <receiver>\n    <id root=\"{}\" extension=\"{}\"/>\n  </receiver>\n",
            escape(&r.root),
            escape(&r.extension)
        ));
    }
    x.push_str(&format!(
        "  <serviceEventType code=\"{}\"/>\n",
        escape(&index.service_event_type)
    ));
    x.push_str(&format!(
        "  <totalRecordCount value=\"{}\"/>\n</index>\n",
        index.total_record_count
    ));
    x
}

/// `su08_V08.xml`: the subject count; the amounts are 0 (this project bills nothing).
pub fn write_summary(index: &ArchiveIndex, subjects: usize) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<summary {SCHEMA_HEAD} xsi:schemaLocation=\"{NS_CHECKUP} ./XSD/su08_V08.xsd\">\n"
    ));
    x.push_str(&format!(
        "  <serviceEventType code=\"{}\"/>\n",
        escape(&index.service_event_type)
    ));
    x.push_str(&format!("  <totalSubjectCount value=\"{subjects}\"/>\n"));
    x.push_str("  <totalCostAmount value=\"0\"/>\n  <totalPaymentAmount value=\"0\"/>\n  <totalClaimAmount value=\"0\"/>\n</summary>\n");
    x
}

/// The index of an office's export: 保険者 → 保険者 (both the office's 公費負担者番号).
pub fn export_index(office: &PublicPayerNumber, creation_date: NaiveDate) -> ArchiveIndex {
    let party = Party {
        root: OID_INSURER.to_string(),
        extension: office.as_str().to_string(),
    };
    ArchiveIndex {
        interaction_type: EXPORT_INTERACTION_TYPE.to_string(),
        creation_date,
        sender: party.clone(),
        receiver: Some(party),
        service_event_type: "1".to_string(),
        total_record_count: 0,
    }
}

// ---------------------------------------------------------------- either format

/// The format an upload was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckupFormat {
    /// 特定健診 CDA archive (zip).
    Cda,
    /// This project's CSV (UTF-8 or CP932).
    Csv,
}

/// A checkup and where it came from: the `DATA/` file of an archive, or the CSV line of
/// its first row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced {
    pub file: Option<String>,
    pub line: Option<usize>,
    pub checkup: Checkup,
}

impl Sourced {
    /// An error about this checkup, located and naming it.
    pub fn error(&self, field: &str, message: impl Into<String>) -> RecordError {
        RecordError {
            file: self.file.clone(),
            line: self.line,
            record: Some(self.checkup.label()),
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// Read an upload by its content: a zip is a CDA archive, anything else must be the CSV.
pub fn parse_upload(
    bytes: &[u8],
    limits: Limits,
) -> Result<(CheckupFormat, Vec<Sourced>), Vec<RecordError>> {
    if is_zip(bytes) {
        let archive = parse_archive(bytes, limits)?;
        let sourced = archive
            .checkups
            .into_iter()
            .zip(archive.files)
            .map(|(checkup, file)| Sourced {
                file: Some(file),
                line: None,
                checkup,
            })
            .collect();
        Ok((CheckupFormat::Cda, sourced))
    } else {
        if bytes.len() > limits.max_archive_bytes {
            return Err(vec![RecordError::new(
                "ファイル",
                format!(
                    "ファイルが大きすぎます（{} バイト、上限 {} バイト）。",
                    bytes.len(),
                    limits.max_archive_bytes
                ),
            )]);
        }
        let text = crate::import::decode_text(bytes)
            .map_err(|e| vec![RecordError::new(e.field, e.message)])?;
        let sourced = parse_csv_with_lines(&text)?
            .into_iter()
            .map(|(line, checkup)| Sourced {
                file: None,
                line: Some(line),
                checkup,
            })
            .collect();
        Ok((CheckupFormat::Csv, sourced))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
