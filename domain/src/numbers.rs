//! Number types with check digits (検証番号), parsed from what people type.
//!
//! 公費負担者番号, 受給者番号, 医療機関コード and 保険者番号 share one mod-10 (Luhn-style)
//! rule; 個人番号 uses mod 11 (`domain-reference.md` §2). Parsing first normalizes
//! the input (全角 digits, spaces, hyphens), then checks, in this order: empty →
//! invalid character → length → 法別番号/都道府県番号/点数表番号 → 検証番号.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::error::FieldError;

/// Normalize typed input: 全角 digits → ASCII; remove half/full-width spaces (and any
/// other whitespace), and hyphens/dashes of every kind (-, －, ‐, ‑, ‒, –, —, ―, −, ー, ｰ).
pub fn normalize_digits(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && !is_dash(*c))
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '－' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | 'ー' | 'ｰ'
    )
}

fn digit_values(body: &str) -> Option<Vec<u8>> {
    body.chars()
        .map(|c| c.to_digit(10).and_then(|d| u8::try_from(d).ok()))
        .collect()
}

/// Luhn-style mod-10 検証番号: weights 2,1,2,1… from the rightmost body digit,
/// digit-sum of each product, `(10 - sum % 10) % 10`. `None` if the body is empty
/// or has non-digits.
pub fn luhn_check_digit(body: &str) -> Option<u8> {
    let digits = digit_values(body).filter(|d| !d.is_empty())?;
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let p = u32::from(d) * if i % 2 == 0 { 2 } else { 1 };
            p / 10 + p % 10
        })
        .sum();
    u8::try_from((10 - sum % 10) % 10).ok()
}

/// 個人番号 mod-11 検証番号 over the 11-digit body (weights 6,5,4,3,2,7,6,5,4,3,2
/// left to right; remainder ≤ 1 → 0). `None` unless the body is exactly 11 digits.
pub fn my_number_check_digit(body: &str) -> Option<u8> {
    const WEIGHTS: [u32; 11] = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let digits = digit_values(body).filter(|d| d.len() == WEIGHTS.len())?;
    let sum: u32 = digits
        .iter()
        .zip(WEIGHTS)
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    let r = sum % 11;
    u8::try_from(if r <= 1 { 0 } else { 11 - r }).ok()
}

/// Why a typed number was rejected; [`NumberError::message`] words it in Japanese.
#[rustfmt::skip]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    Empty,
    InvalidCharacter { ch: char },
    /// `expected` like "8桁" or "6桁または8桁".
    WrongLength { expected: &'static str, actual: usize },
    /// `expected` is the correct 検証番号, `actual` the one typed.
    CheckDigit { expected: u8, actual: u8 },
    /// 公費負担者番号 法別番号 must be 12 (生活保護法による医療扶助).
    NotSeikatsuHogo { houbetsu: String },
    /// 都道府県番号 not 01..=47.
    Prefecture { code: String },
    /// 医療機関コード 点数表番号 not one of 0, 1, 3, 4, 5, 6.
    ScoreTable { digit: char },
}

impl NumberError {
    /// A full Japanese sentence for the person who typed the number.
    pub fn message(&self) -> String {
        match self {
            Self::Empty => "番号が入力されていません。".to_string(),
            Self::InvalidCharacter { ch } => {
                format!("数字以外の文字「{ch}」が含まれています。数字だけを入力してください。")
            }
            Self::WrongLength { expected, actual } => {
                format!("桁数が正しくありません（入力: {actual}桁）。{expected}で入力してください。")
            }
            // Never which digit would fit: changing the last digit to it can land on another
            // real person's number. The mistake may be in any digit.
            Self::CheckDigit { .. } => "検証番号が一致しません。番号のどこかに誤りがあります。医療券や保護決定通知書などの書類を見て、番号全体を確かめてください。".to_string(),
            Self::NotSeikatsuHogo { houbetsu } => format!(
                "法別番号が「{houbetsu}」です。医療扶助の公費負担者番号は法別番号「12」（生活保護法）で始まります。"
            ),
            Self::Prefecture { code } => format!(
                "都道府県番号「{code}」は存在しません。01（北海道）から47（沖縄県）までです。"
            ),
            Self::ScoreTable { digit } => format!(
                "点数表番号「{digit}」は使えません。1（医科）、3（歯科）、4（調剤）、6（訪問看護）、5（老人保健施設）、0（助産所）のいずれかです。"
            ),
        }
    }

    /// The same message attached to an on-screen field name such as `受給者番号`.
    pub fn to_field_error(&self, field: &str) -> FieldError {
        FieldError::new(field, self.message())
    }
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for NumberError {}

/// 都道府県名, JIS X 0401 order (code 01 = 北海道 … 47 = 沖縄県).
#[rustfmt::skip]
pub const PREFECTURES: [&str; 47] = [
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
];

/// 都道府県名 for a JIS X 0401 code (1..=47).
pub fn prefecture_name(code: u8) -> Option<&'static str> {
    PREFECTURES.get(usize::from(code).checked_sub(1)?).copied()
}

/// Normalize, then check empty → characters → length. `lengths` are the accepted lengths.
fn clean(input: &str, lengths: &[usize], expected: &'static str) -> Result<String, NumberError> {
    let s = normalize_digits(input);
    if s.is_empty() {
        return Err(NumberError::Empty);
    }
    if let Some(ch) = s.chars().find(|c| !c.is_ascii_digit()) {
        return Err(NumberError::InvalidCharacter { ch });
    }
    if !lengths.contains(&s.len()) {
        return Err(NumberError::WrongLength {
            expected,
            actual: s.len(),
        });
    }
    Ok(s)
}

/// Two-digit value at byte offset `at` of an all-ASCII-digit string (0 if out of range).
fn two_digits(s: &str, at: usize) -> u8 {
    s.get(at..at + 2).and_then(|p| p.parse().ok()).unwrap_or(0)
}

fn check_prefecture(s: &str, at: usize) -> Result<(), NumberError> {
    if (1..=47).contains(&two_digits(s, at)) {
        return Ok(());
    }
    let code = s.get(at..at + 2).unwrap_or("").to_string();
    Err(NumberError::Prefecture { code })
}

/// Verify the last digit of `s` with `rule` over the preceding digits.
fn check_last(s: &str, rule: fn(&str) -> Option<u8>) -> Result<(), NumberError> {
    let split = s.len().saturating_sub(1);
    let (body, last) = (s.get(..split).unwrap_or(""), s.get(split..).unwrap_or(""));
    let actual = last.parse::<u8>().unwrap_or(u8::MAX);
    match rule(body) {
        Some(expected) if expected == actual => Ok(()),
        Some(expected) => Err(NumberError::CheckDigit { expected, actual }),
        None => Err(NumberError::InvalidCharacter {
            ch: body.chars().next().unwrap_or(' '),
        }),
    }
}

fn no_parts(_: &str) -> Result<(), NumberError> {
    Ok(())
}

/// 法別番号 12 (生活保護法による医療扶助), then 都道府県番号.
fn payer_parts(s: &str) -> Result<(), NumberError> {
    match s.get(..2).unwrap_or("") {
        "12" => check_prefecture(s, 2),
        other => Err(NumberError::NotSeikatsuHogo {
            houbetsu: other.to_string(),
        }),
    }
}

/// 都道府県番号, then 点数表番号.
fn institution_parts(s: &str) -> Result<(), NumberError> {
    check_prefecture(s, 0)?;
    let digit = s.chars().nth(2).unwrap_or(' ');
    match digit
        .to_digit(10)
        .and_then(|d| ScoreTable::from_code(d as u8))
    {
        Some(_) => Ok(()),
        None => Err(NumberError::ScoreTable { digit }),
    }
}

/// Declares a number type: the struct (serde through its digit string), `FIELD`,
/// `parse`, optionally `from_body`, `as_str`, `FromStr`, `TryFrom<String>`, `Into<String>`.
macro_rules! number_type {
    ($(#[$m:meta])* $name:ident($field:literal, $lens:expr, $label:literal, $parts:expr,
        $rule:expr $(, body $blen:literal)?)) => {
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const FIELD: &'static str = $field;
            /// Parse what a person typed (see [`normalize_digits`]), checking the 検証番号.
            pub fn parse(input: &str) -> Result<Self, NumberError> {
                let s = clean(input, $lens, $label)?;
                $parts(&s)?;
                check_last(&s, $rule)?;
                Ok(Self(s))
            }
            $(
            /// Build from the digits before the 検証番号, computing it.
            pub fn from_body(body: &str) -> Result<Self, NumberError> {
                let s = clean(body, &[$blen], concat!($blen, "桁"))?;
                $parts(&s)?;
                let cd = $rule(&s).unwrap_or(0);
                Ok(Self(format!("{s}{cd}")))
            }
            )?
            /// The plain digits.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl std::str::FromStr for $name {
            type Err = NumberError;
            fn from_str(s: &str) -> Result<Self, NumberError> {
                Self::parse(s)
            }
        }
        impl TryFrom<String> for $name {
            type Error = NumberError;
            fn try_from(s: String) -> Result<Self, NumberError> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(n: $name) -> String {
                n.0
            }
        }
        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({"type": "string", "pattern": "^[0-9]+$", "description": $field})
            }
        }
    };
}

macro_rules! display_plain {
    ($($name:ident),*) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

number_type! {
    /// 公費負担者番号: 法別番号(2)=12 + 都道府県番号(2) + 実施機関番号(3) + 検証番号(1).
    #[derive(Debug)]
    PublicPayerNumber("公費負担者番号", &[8], "8桁", payer_parts, luhn_check_digit, body 7)
}

impl PublicPayerNumber {
    /// 法別番号 (always "12").
    pub fn houbetsu(&self) -> &str {
        self.0.get(..2).unwrap_or("")
    }
    /// 都道府県番号 (1..=47).
    pub fn prefecture_code(&self) -> u8 {
        two_digits(&self.0, 2)
    }
    /// 都道府県名 of the 実施機関.
    pub fn prefecture_name(&self) -> &'static str {
        prefecture_name(self.prefecture_code()).unwrap_or("")
    }
}

number_type! {
    /// 受給者番号: 受給者区分(6) + 検証番号(1).
    #[derive(Debug)]
    RecipientNumber("受給者番号", &[7], "7桁", no_parts, luhn_check_digit, body 6)
}

number_type! {
    /// 医療機関コード (10 digits): 都道府県(2) + 点数表(1) + 郡市区(2) + 医療機関番号(4) +
    /// 検証番号(1); the 検証番号 is computed over all 9 preceding digits.
    #[derive(Debug)]
    InstitutionCode("医療機関コード", &[10], "10桁", institution_parts, luhn_check_digit, body 9)
}

impl InstitutionCode {
    /// 都道府県番号 (1..=47).
    pub fn prefecture_code(&self) -> u8 {
        two_digits(&self.0, 0)
    }
    /// 点数表番号.
    pub fn score_table(&self) -> ScoreTable {
        let code = self.0.chars().nth(2).and_then(|c| c.to_digit(10));
        code.and_then(|c| ScoreTable::from_code(c as u8))
            .unwrap_or(ScoreTable::Medical)
    }
}

/// 点数表番号 of a 医療機関コード.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ScoreTable {
    /// 0 助産所
    Midwifery,
    /// 1 医科
    Medical,
    /// 3 歯科
    Dental,
    /// 4 調剤 (薬局)
    Pharmacy,
    /// 5 老人保健施設
    HealthFacility,
    /// 6 訪問看護ステーション
    VisitingNursing,
}

impl ScoreTable {
    const TABLE: [(Self, u8, &'static str); 6] = [
        (Self::Midwifery, 0, "助産所"),
        (Self::Medical, 1, "医科"),
        (Self::Dental, 3, "歯科"),
        (Self::Pharmacy, 4, "調剤"),
        (Self::HealthFacility, 5, "老人保健施設"),
        (Self::VisitingNursing, 6, "訪問看護"),
    ];
    fn entry(self) -> (Self, u8, &'static str) {
        let found = Self::TABLE.into_iter().find(|e| e.0 == self);
        found.unwrap_or((self, 1, "医科"))
    }
    /// 点数表番号 (0, 1, 3, 4, 5, 6).
    pub fn code(self) -> u8 {
        self.entry().1
    }
    pub fn from_code(c: u8) -> Option<Self> {
        Self::TABLE.into_iter().find(|e| e.1 == c).map(|e| e.0)
    }
    /// 医科, 歯科, 調剤, 訪問看護, 老人保健施設, 助産所.
    pub fn label_ja(self) -> &'static str {
        self.entry().2
    }
    /// Whether a verification here is a 通院日 for 頻回受診 screening (医科・歯科 only, product.md §5).
    pub fn counts_as_visit(self) -> bool {
        matches!(self, Self::Medical | Self::Dental)
    }
}

number_type! {
    /// 保険者番号: 8 digits (法別2 + 都道府県2 + 保険者別3 + 検証1) or 6 digits
    /// (国民健康保険: 都道府県2 + 保険者別3 + 検証1); mod-10 検証番号 either way.
    #[derive(Debug)]
    InsurerNumber("保険者番号", &[6, 8], "6桁または8桁", no_parts, luhn_check_digit)
}

number_type! {
    /// 個人番号 (マイナンバー, 12 digits, mod-11 検証番号). Display and Debug show only the
    /// last 4 digits so the number never lands in a log by accident; serde carries all 12.
    IndividualNumber("個人番号", &[12], "12桁", no_parts, my_number_check_digit, body 11)
}

impl IndividualNumber {
    /// `********3214`: only the last 4 digits visible.
    pub fn masked(&self) -> String {
        let tail = self.0.get(self.0.len().saturating_sub(4)..).unwrap_or("");
        let stars = "*".repeat(self.0.len().saturating_sub(tail.len()));
        format!("{stars}{tail}")
    }
}

impl fmt::Display for IndividualNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for IndividualNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IndividualNumber({:?})", self.masked())
    }
}

display_plain!(
    PublicPayerNumber,
    RecipientNumber,
    InstitutionCode,
    InsurerNumber
);

#[cfg(test)]
mod tests {
    use super::*;

    type F = fn(&str) -> Result<String, NumberError>;
    fn by_rule(input: &str, rule: fn(&str) -> Option<u8>) -> Result<String, NumberError> {
        let body = input.get(..input.len().saturating_sub(1)).unwrap_or("");
        rule(body)
            .map(|d| format!("{body}{d}"))
            .ok_or(NumberError::Empty)
    }
    // LUHN/MYNO: input is a full number; recompute its last digit from the body.
    const LUHN: F = |s| by_rule(s, luhn_check_digit);
    const MYNO: F = |s| by_rule(s, my_number_check_digit);
    const PAYER: F = |s| PublicPayerNumber::parse(s).map(String::from);
    const PAYER_BODY: F = |s| PublicPayerNumber::from_body(s).map(String::from);
    const RECIP: F = |s| RecipientNumber::parse(s).map(String::from);
    const RECIP_BODY: F = |s| RecipientNumber::from_body(s).map(String::from);
    const INST: F = |s| InstitutionCode::parse(s).map(String::from);
    const INST_BODY: F = |s| InstitutionCode::from_body(s).map(String::from);
    const INSURER: F = |s| InsurerNumber::parse(s).map(String::from);
    const INDIV: F = |s| IndividualNumber::parse(s).map(String::from);
    const INDIV_BODY: F = |s| IndividualNumber::from_body(s).map(String::from);

    /// `want`: Ok(normalized digits) or Err(substring of the Japanese message).
    fn check(f: F, input: &str, want: Result<&str, &str>) {
        match (f(input), want) {
            (Ok(got), Ok(w)) => assert_eq!(got, w, "input {input:?}"),
            (Err(e), Err(w)) => {
                assert!(e.message().contains(w), "input {input:?}: {}", e.message())
            }
            (got, w) => panic!("input {input:?}: got {got:?}, want {w:?}"),
        }
    }

    #[test]
    fn numbers_table() {
        #[rustfmt::skip]
        let cases: &[(F, &str, Result<&str, &str>)] = &[
            // §2.4 published examples
            (LUHN, "33120015", Ok("33120015")),
            (LUHN, "12345674", Ok("12345674")),
            (LUHN, "54016027", Ok("54016027")),
            (INSURER, "33120015", Ok("33120015")),
            (INSURER, "12345674", Ok("12345674")),
            (LUHN, "0110113719", Ok("0110113719")),
            (INST, "0110113719", Ok("0110113719")),
            // §2.4 computed examples
            (PAYER, "12131017", Ok("12131017")),
            (PAYER, "12270138", Ok("12270138")),
            (PAYER_BODY, "1213101", Ok("12131017")),
            (PAYER_BODY, "1227013", Ok("12270138")),
            (RECIP, "1234566", Ok("1234566")),
            (RECIP, "0000018", Ok("0000018")),
            (RECIP_BODY, "123456", Ok("1234566")),
            (RECIP_BODY, "000001", Ok("0000018")),
            (INST, "1311234569", Ok("1311234569")),
            (INST_BODY, "131123456", Ok("1311234569")),
            // §2.5 個人番号
            (MYNO, "983205673214", Ok("983205673214")),
            (MYNO, "123456789018", Ok("123456789018")),
            (INDIV, "983205673214", Ok("983205673214")),
            (INDIV_BODY, "12345678901", Ok("123456789018")),
            // typed input
            (PAYER, "１２１３１０１７", Ok("12131017")),
            (PAYER, "12-13 101-7", Ok("12131017")),
            (PAYER, "12－13　101ー7", Ok("12131017")),
            (INDIV, "9832 0567 3214", Ok("983205673214")),
            (INSURER, "133033", Ok("133033")),
            // errors, in check order
            (PAYER, "", Err("入力されていません")),
            (RECIP, " - ", Err("入力されていません")),
            (PAYER, "1213101a", Err("数字以外の文字「a」")),
            (INST, "01101l3719", Err("数字以外の文字「l」")),
            (PAYER, "1213101", Err("入力: 7桁）。8桁で入力してください")),
            (INSURER, "1234567", Err("6桁または8桁で入力してください")),
            (INDIV, "98320567321", Err("12桁で入力してください")),
            (PAYER, "54016027", Err("法別番号が「54」です")),
            (PAYER, "12481017", Err("都道府県番号「48」は存在しません")),
            (PAYER, "12001017", Err("都道府県番号「00」")),
            (INST, "4811234569", Err("都道府県番号「48」")),
            (INST, "1321234569", Err("点数表番号「2」は使えません")),
            (INST, "0170113719", Err("点数表番号「7」")),
            (PAYER, "12131013", Err("検証番号が一致しません。")),
            (INST, "0110113712", Err("検証番号が一致しません。")),
            (INSURER, "33120016", Err("検証番号が一致しません。")),
            (INDIV, "983205673215", Err("検証番号が一致しません。")),
            (RECIP, "0000002", Err("検証番号が一致しません。")), // デジタル庁 PMH sample
            (PAYER_BODY, "5401602", Err("法別番号")),
        ];
        for &(f, input, want) in cases {
            check(f, input, want);
        }
    }

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn helpers_and_accessors() -> TestResult {
        assert_eq!(
            normalize_digits("０１２３４５６７８９ ‐‑‒–—―−ｰ"),
            "0123456789"
        );
        assert_eq!(
            (luhn_check_digit(""), luhn_check_digit("12a")),
            (None, None)
        );
        assert_eq!(my_number_check_digit("1234567890"), None);
        assert_eq!(
            prefecture_name(1).zip(prefecture_name(47)),
            Some(("北海道", "沖縄県"))
        );
        assert_eq!((prefecture_name(0), prefecture_name(48)), (None, None));
        let p = PublicPayerNumber::parse("12270138")?;
        assert_eq!(
            (p.houbetsu(), p.prefecture_code(), p.prefecture_name()),
            ("12", 27, "大阪府")
        );
        let i = InstitutionCode::parse("1311234569")?;
        assert_eq!(
            (i.prefecture_code(), i.score_table()),
            (13, ScoreTable::Medical)
        );
        for t in ScoreTable::TABLE.map(|e| e.0) {
            assert_eq!(ScoreTable::from_code(t.code()), Some(t));
        }
        assert_eq!(
            ScoreTable::from_code(4).map(ScoreTable::label_ja),
            Some("調剤")
        );
        assert!(ScoreTable::Dental.counts_as_visit() && !ScoreTable::Pharmacy.counts_as_visit());
        let fe = NumberError::Empty.to_field_error(RecipientNumber::FIELD);
        assert_eq!(fe.field, "受給者番号");
        Ok(())
    }

    #[test]
    fn individual_number_is_masked() -> TestResult {
        let n = IndividualNumber::parse("983205673214")?;
        assert_eq!(
            (n.masked(), n.to_string()),
            ("********3214".into(), "********3214".into())
        );
        assert_eq!(format!("{n:?}"), "IndividualNumber(\"********3214\")");
        Ok(())
    }

    #[test]
    fn serde_round_trip_and_rejection() -> TestResult {
        let p: PublicPayerNumber = serde_json::from_str("\"12-13-101-7\"")?;
        assert_eq!(serde_json::to_string(&p)?, "\"12131017\"");
        let n: IndividualNumber = serde_json::from_str("\"983205673214\"")?;
        assert_eq!(serde_json::to_string(&n)?, "\"983205673214\"");
        let bad = serde_json::from_str::<RecipientNumber>("\"0000002\"");
        assert!(bad.is_err_and(|e| e.to_string().contains("検証番号が一致しません")));
        let bad = serde_json::from_str::<InstitutionCode>("\"1321234569\"");
        assert!(bad.is_err_and(|e| e.to_string().contains("点数表番号")));
        Ok(())
    }
}
