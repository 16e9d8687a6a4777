//! 被保護者台帳: checking a recipient as typed on the office screen, and reading the
//! search box. The browser runs the same checks as the person types; the server runs
//! them again before it writes anything.

use chrono::NaiveDate;

use crate::api::RecipientInput;
use crate::codes::Sex;
use crate::error::FieldError;
use crate::numbers::{normalize_digits, IndividualNumber, NumberError};
use crate::text::{check_chars, Lines};
use crate::wareki::parse_date_input;

/// Field names, as on screen and in error messages.
pub const FIELD_NAME: &str = "氏名";
pub const FIELD_KANA: &str = "氏名カナ";
pub const FIELD_SEX: &str = "性別";
pub const FIELD_BIRTH: &str = "生年月日";
pub const FIELD_POSTAL: &str = "郵便番号";
pub const FIELD_ADDRESS: &str = "住所";
pub const FIELD_CASE: &str = "ケース番号";
pub const FIELD_INDIVIDUAL: &str = "個人番号";
pub const FIELD_CARD_REGISTERED: &str = "利用申込";
pub const FIELD_RECIPIENT_NUMBER: &str = "受給者番号";
pub const FIELD_CASEWORKER: &str = "地区担当員";

const MAX_NAME: usize = 50;
const MAX_ADDRESS: usize = 200;
const MAX_CASE: usize = 20;
/// The oldest birth year accepted (a typo guard, not a rule of law).
const OLDEST_BIRTH_YEAR: i32 = 1890;

/// What to do with the stored 個人番号.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndividualNumberChange {
    /// Leave it as it is (edit with the field absent; on create: none).
    Keep,
    /// Remove it.
    Clear,
    Set(IndividualNumber),
}

/// A recipient that passed every check, normalized for storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientFields {
    pub name: String,
    /// 全角カタカナ, one 全角 space between words.
    pub name_kana: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    /// `NNN-NNNN`.
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub case_number: Option<String>,
    pub individual_number: IndividualNumberChange,
    pub card_held: bool,
    pub card_registered: bool,
}

/// Check every field; all problems at once, one per field, in Japanese.
pub fn validate_recipient(
    input: &RecipientInput,
    today: NaiveDate,
) -> Result<RecipientFields, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = take(&mut errors, check_name(&input.name));
    let name_kana = take(&mut errors, check_kana(&input.name_kana));
    let sex = take(&mut errors, check_sex(&input.sex));
    let birth_date = take(&mut errors, check_birth_date(&input.birth_date, today));
    let postal_code = take(&mut errors, check_postal_code(&input.postal_code));
    let address = take(&mut errors, check_address(&input.address));
    let case_number = take(&mut errors, check_case_number(&input.case_number));
    let individual_number = take(
        &mut errors,
        match input.individual_number.as_deref() {
            None => Ok(IndividualNumberChange::Keep),
            Some(typed) if typed.trim().is_empty() => Ok(IndividualNumberChange::Clear),
            Some(typed) => check_individual_number(typed).map(IndividualNumberChange::Set),
        },
    );
    let card = take(
        &mut errors,
        check_card(input.card_held, input.card_registered),
    );
    match (
        name,
        name_kana,
        sex,
        birth_date,
        postal_code,
        address,
        case_number,
        individual_number,
        card,
    ) {
        (
            Some(name),
            Some(name_kana),
            Some(sex),
            Some(birth_date),
            Some(postal_code),
            Some(address),
            Some(case_number),
            Some(individual_number),
            Some(()),
        ) if errors.is_empty() => Ok(RecipientFields {
            name,
            name_kana,
            sex,
            birth_date,
            postal_code,
            address,
            case_number,
            individual_number,
            card_held: input.card_held,
            card_registered: input.card_registered,
        }),
        _ => Err(errors),
    }
}

/// The value, or `None` with its error kept.
fn take<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// 氏名: required, at most 50 characters, one line, no control or bidi characters
/// (`crate::text`).
pub fn check_name(value: &str) -> Result<String, FieldError> {
    let name = value.trim();
    if name.is_empty() {
        return Err(FieldError::new(FIELD_NAME, "氏名を入力してください。"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(FieldError::new(
            FIELD_NAME,
            format!("氏名は{MAX_NAME}文字以内で入力してください。"),
        ));
    }
    check_chars(FIELD_NAME, name, Lines::One)?;
    Ok(name.to_string())
}

/// 全角カタカナ (ァ〜ヺ, ヽヾ), 長音 ー, 中点 ・ and the 全角 space.
fn is_kana_name_char(c: char) -> bool {
    matches!(c, 'ァ'..='ヺ' | 'ー' | '・' | 'ヽ' | 'ヾ' | '\u{3000}')
}

/// 氏名カナ: 全角カタカナ, 姓 and 名 separated by a space. Spaces (half or full width)
/// between words become one 全角 space; 半角カナ and ひらがな are refused with a hint (the
/// stored form must be exact). A name written as one word is refused: the form's hint
/// promises the space, and a duplicate check must not depend on it ([`kana_match_key`]).
pub fn check_kana(value: &str) -> Result<String, FieldError> {
    let words: Vec<&str> = value.split(is_space).filter(|w| !w.is_empty()).collect();
    let kana = words.join("\u{3000}");
    if kana.is_empty() {
        return Err(FieldError::new(FIELD_KANA, "氏名カナを入力してください。"));
    }
    if kana.chars().count() > MAX_NAME {
        return Err(FieldError::new(
            FIELD_KANA,
            format!("氏名カナは{MAX_NAME}文字以内で入力してください。"),
        ));
    }
    if let Some(c) = kana.chars().find(|c| !is_kana_name_char(*c)) {
        let hint = match c {
            '\u{ff61}'..='\u{ff9f}' => "半角カナは使えません。",
            'ぁ'..='ゖ' => "ひらがなは使えません。",
            _ => "",
        };
        return Err(FieldError::new(
            FIELD_KANA,
            format!("「{c}」は使えません。{hint}氏名カナは全角カタカナで入力してください。"),
        ));
    }
    if words.len() < 2 {
        return Err(FieldError::new(
            FIELD_KANA,
            "姓と名の間に空白を入れてください（例: サトウ　ハナコ）。",
        ));
    }
    Ok(kana)
}

/// A space between the words of a name: 半角, 全角, or a tab from a pasted cell.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\u{3000}' | '\t')
}

/// 氏名カナ as written elsewhere (an exchange file, a pasted list) in the stored form:
/// 半角カナ and ひらがな become 全角カタカナ, and each run of spaces (半角 or 全角)
/// between words one 全角 space. Other characters are kept: [`check_kana`] judges them.
pub fn normalize_kana_name(value: &str) -> String {
    let full = to_full_width_katakana(value);
    let words: Vec<&str> = full.split(is_space).filter(|w| !w.is_empty()).collect();
    words.join("\u{3000}")
}

/// What two 氏名カナ are compared by when looking for the same person: the normalised
/// kana with every space removed, so シケン タロウ, シケンタロウ and ｼｹﾝ ﾀﾛｳ match.
pub fn kana_match_key(value: &str) -> String {
    to_full_width_katakana(value)
        .chars()
        .filter(|c| !is_space(*c))
        .collect()
}

/// Why a stored record may be the person being registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateReason {
    /// The same 個人番号.
    IndividualNumber,
    /// The same 氏名カナ (spaces and 半角/全角 aside) and the same 生年月日.
    KanaAndBirth,
}

/// Whether a stored record (`kana`, `birth`, and whether its 個人番号 equals the new one)
/// may be the person being registered as `new_kana` born `new_birth`.
pub fn possible_duplicate(
    new_kana: &str,
    new_birth: NaiveDate,
    kana: &str,
    birth: NaiveDate,
    same_individual_number: bool,
) -> Option<DuplicateReason> {
    if same_individual_number {
        Some(DuplicateReason::IndividualNumber)
    } else if birth == new_birth && kana_match_key(kana) == kana_match_key(new_kana) {
        Some(DuplicateReason::KanaAndBirth)
    } else {
        None
    }
}

/// 性別: "1" 男 or "2" 女 (the words 男 / 女 are accepted too).
pub fn check_sex(value: &str) -> Result<Sex, FieldError> {
    match value.trim() {
        "1" | "１" | "男" => Ok(Sex::Male),
        "2" | "２" | "女" => Ok(Sex::Female),
        "" => Err(FieldError::new(FIELD_SEX, "性別を選んでください。")),
        other => Err(FieldError::new(
            FIELD_SEX,
            format!("性別「{other}」は使えません。1（男）または 2（女）を選んでください。"),
        )),
    }
}

/// 生年月日: a date as people type it (西暦 or 和暦), not in the future.
pub fn check_birth_date(value: &str, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    let date = parse_date_input(value).map_err(|e| FieldError::new(FIELD_BIRTH, e.message()))?;
    if date > today {
        return Err(FieldError::new(
            FIELD_BIRTH,
            format!("生年月日（{date}）が今日より後です。"),
        ));
    }
    if chrono::Datelike::year(&date) < OLDEST_BIRTH_YEAR {
        return Err(FieldError::new(
            FIELD_BIRTH,
            format!("生年月日（{date}）が古すぎます。年を確認してください。"),
        ));
    }
    Ok(date)
}

/// 郵便番号 (optional): `NNN-NNNN` or 7 digits, 全角 accepted; stored as `NNN-NNNN`.
pub fn check_postal_code(value: &str) -> Result<Option<String>, FieldError> {
    let typed = value.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let ascii = to_ascii(typed).replace(['ー', '−', '‐'], "-");
    let digits: String = ascii.chars().filter(char::is_ascii_digit).collect();
    let shape_ok = (ascii.len() == 7 && digits.len() == 7)
        || (ascii.len() == 8 && digits.len() == 7 && ascii.find('-') == Some(3));
    match (digits.get(..3), digits.get(3..)) {
        (Some(a), Some(b)) if shape_ok => Ok(Some(format!("{a}-{b}"))),
        _ => Err(FieldError::new(
            FIELD_POSTAL,
            format!("「{typed}」は郵便番号の形式ではありません。123-4567 または 1234567 の形で入力してください。"),
        )),
    }
}

/// 住所 (optional): at most 200 characters, one line, no control or bidi characters.
pub fn check_address(value: &str) -> Result<Option<String>, FieldError> {
    let address = value.trim();
    if address.is_empty() {
        return Ok(None);
    }
    if address.chars().count() > MAX_ADDRESS {
        return Err(FieldError::new(
            FIELD_ADDRESS,
            format!("住所は{MAX_ADDRESS}文字以内で入力してください。"),
        ));
    }
    check_chars(FIELD_ADDRESS, address, Lines::One)?;
    Ok(Some(address.to_string()))
}

/// ケース番号 (optional): letters, digits and hyphens (全角 accepted), at most 20.
pub fn check_case_number(value: &str) -> Result<Option<String>, FieldError> {
    let ascii = to_ascii(value.trim());
    if ascii.is_empty() {
        return Ok(None);
    }
    if let Some(c) = ascii
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(FieldError::new(
            FIELD_CASE,
            format!("「{c}」は使えません。ケース番号は英字・数字・ハイフンで入力してください。"),
        ));
    }
    if ascii.len() > MAX_CASE {
        return Err(FieldError::new(
            FIELD_CASE,
            format!("ケース番号は{MAX_CASE}文字以内で入力してください。"),
        ));
    }
    Ok(Some(ascii.to_uppercase()))
}

/// 個人番号: 12 digits with its mod-11 検証番号. The message never repeats the number
/// nor the correct 検証番号.
pub fn check_individual_number(value: &str) -> Result<IndividualNumber, FieldError> {
    IndividualNumber::parse(value).map_err(|e| {
        let message = match e {
            NumberError::CheckDigit { .. } => {
                "検証番号が一致しません。個人番号を確認してください。".to_string()
            }
            NumberError::InvalidCharacter { .. } => {
                "数字以外の文字が含まれています。個人番号は数字12桁で入力してください。".to_string()
            }
            other => other.message(),
        };
        FieldError::new(FIELD_INDIVIDUAL, message)
    })
}

/// 利用申込 needs a card.
pub fn check_card(card_held: bool, card_registered: bool) -> Result<(), FieldError> {
    if card_registered && !card_held {
        return Err(FieldError::new(
            FIELD_CARD_REGISTERED,
            "利用申込はマイナンバーカードを持っている場合だけ「済」にできます。",
        ));
    }
    Ok(())
}

/// 全角 ASCII (！〜～) → ASCII, 全角 space → space.
fn to_ascii(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(u32::from(c) - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// 半角カナ (with ﾞ ﾟ combined) and ひらがな → 全角カタカナ; everything else unchanged.
pub fn to_full_width_katakana(value: &str) -> String {
    full_width_katakana(value, true)
}

/// 氏名カナ as a 生活保護システム exports it, in the stored form where the change is
/// unambiguous: 半角カナ → 全角カタカナ (ｶﾞ → ガ, ﾊﾟ → パ), and each run of spaces (半角 or
/// 全角) between words → one 全角 space, none at either end. ひらがな and every other
/// character are kept as they are: the check refuses them, since they may be the wrong column.
pub fn normalize_exported_kana(value: &str) -> String {
    let full = full_width_katakana(value, false);
    let words: Vec<&str> = full.split(is_space).filter(|w| !w.is_empty()).collect();
    words.join("\u{3000}")
}

/// 半角カナ (with ﾞ ﾟ combined), and ひらがな when `hiragana`, → 全角カタカナ.
fn full_width_katakana(value: &str, hiragana: bool) -> String {
    const HALF: &str = "｡｢｣､･ｦｧｨｩｪｫｬｭｮｯｰｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝﾞﾟ";
    const FULL: &str = "。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン゛゜";
    let mut out: Vec<char> = Vec::with_capacity(value.len());
    for c in value.chars() {
        let mapped = match c {
            'ぁ'..='ゖ' | 'ゝ' | 'ゞ' if hiragana => {
                char::from_u32(u32::from(c) + 0x60).unwrap_or(c)
            }
            '\u{ff61}'..='\u{ff9f}' => HALF
                .chars()
                .position(|h| h == c)
                .and_then(|i| FULL.chars().nth(i))
                .unwrap_or(c),
            _ => c,
        };
        // Combine a voiced / semi-voiced mark with the kana before it.
        let combined = match (mapped, out.last().copied()) {
            ('゛', Some('ウ')) => Some('ヴ'),
            ('゛', Some('ワ')) => Some('ヷ'),
            ('゛', Some('ヲ')) => Some('ヺ'),
            ('゛', Some(p)) if voiceable(p) => char::from_u32(u32::from(p) + 1),
            ('゜', Some(p))
                if ('ハ'..='ホ').contains(&p) && (u32::from(p) - u32::from('ハ')) % 3 == 0 =>
            {
                char::from_u32(u32::from(p) + 2)
            }
            _ => None,
        };
        match combined {
            Some(v) => {
                out.pop();
                out.push(v);
            }
            None => out.push(mapped),
        }
    }
    out.into_iter().collect()
}

/// カ〜ト (unvoiced ones) and ハ〜ホ take a 濁点 as the next code point.
fn voiceable(c: char) -> bool {
    let unvoiced_ka_to = "カキクケコサシスセソタチツテト";
    let unvoiced_ha = "ハヒフヘホ";
    unvoiced_ka_to.contains(c) || unvoiced_ha.contains(c)
}

/// What the 台帳 search box was read as. Every part that is `Some` is tried (OR).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecipientQuery {
    /// 受給者番号, whole or its first digits.
    pub recipient_number_prefix: Option<String>,
    /// 氏名カナ prefix, 全角カタカナ without spaces (compare with spaces removed).
    pub kana_prefix: Option<String>,
    /// Part of the 氏名, without spaces (compare with spaces removed).
    pub name_contains: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// ケース番号, exact (upper case).
    pub case_number: Option<String>,
}

impl RecipientQuery {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The Japanese names of what will be searched, for the screen.
    pub fn searched_as(&self) -> Vec<String> {
        [
            (
                self.recipient_number_prefix.is_some(),
                FIELD_RECIPIENT_NUMBER,
            ),
            (self.kana_prefix.is_some(), FIELD_KANA),
            (self.name_contains.is_some(), FIELD_NAME),
            (self.birth_date.is_some(), FIELD_BIRTH),
            (self.case_number.is_some(), FIELD_CASE),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| name.to_string())
        .collect()
    }
}

/// Read one search box: 受給者番号 (1–7 digits), カナ (全角・半角・ひらがな, prefix),
/// 氏名 (part), 生年月日 (西暦 or 和暦), ケース番号.
pub fn parse_search(q: &str) -> RecipientQuery {
    let typed = q.trim();
    if typed.is_empty() {
        return RecipientQuery::default();
    }
    let mut query = RecipientQuery::default();
    let digits = normalize_digits(typed);
    let all_digits = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
    if all_digits && digits.len() <= 7 {
        query.recipient_number_prefix = Some(digits.clone());
    }
    if let Ok(date) = parse_date_input(typed) {
        query.birth_date = Some(date);
    }
    let compact: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    let kana = to_full_width_katakana(&compact);
    if kana
        .chars()
        .all(|c| is_kana_name_char(c) && c != '\u{3000}')
    {
        query.kana_prefix = Some(kana);
    }
    let looks_like_name = compact
        .chars()
        .any(|c| !(c.is_ascii() || ('\u{ff01}'..='\u{ff9f}').contains(&c)));
    if looks_like_name && query.birth_date.is_none() {
        query.name_contains = Some(compact.clone());
    }
    let case = to_ascii(&compact);
    if !case.is_empty() && case.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        query.case_number = Some(case.to_uppercase());
    }
    query
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn today() -> NaiveDate {
        d("2024-06-20")
    }

    fn valid() -> RecipientInput {
        RecipientInput {
            name: " 東京　一郎 ".into(),
            name_kana: "トウキョウ イチロウ".into(),
            sex: "1".into(),
            birth_date: "昭和35年4月1日".into(),
            postal_code: "１０５００１１".into(),
            address: "東京都テスト区1-1".into(),
            case_number: "ｃ００１２".into(),
            individual_number: Some("9832 0567 3214".into()),
            card_held: true,
            card_registered: true,
            ..RecipientInput::default()
        }
    }

    #[test]
    fn recipient_valid_input_is_normalized() {
        let fields = validate_recipient(&valid(), today()).unwrap();
        assert_eq!(fields.name, "東京　一郎");
        assert_eq!(fields.name_kana, "トウキョウ　イチロウ");
        assert_eq!(fields.sex, Sex::Male);
        assert_eq!(fields.birth_date, d("1960-04-01"));
        assert_eq!(fields.postal_code.as_deref(), Some("105-0011"));
        assert_eq!(fields.case_number.as_deref(), Some("C0012"));
        assert_eq!(
            fields.individual_number,
            IndividualNumberChange::Set(IndividualNumber::parse("983205673214").unwrap())
        );
        let mut keep = valid();
        keep.individual_number = None;
        assert_eq!(
            validate_recipient(&keep, today())
                .unwrap()
                .individual_number,
            IndividualNumberChange::Keep
        );
        keep.individual_number = Some(" ".into());
        assert_eq!(
            validate_recipient(&keep, today())
                .unwrap()
                .individual_number,
            IndividualNumberChange::Clear
        );
    }

    /// One broken field → exactly that field, with a message containing `want`.
    fn check(change: fn(&mut RecipientInput), field: &str, want: &str) {
        let mut input = valid();
        change(&mut input);
        let errors = validate_recipient(&input, today()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, field, "{errors:?}");
        assert!(
            errors[0].message.contains(want),
            "{}: {}",
            field,
            errors[0].message
        );
    }

    #[test]
    fn recipient_field_errors() {
        #[rustfmt::skip]
        type Case = (fn(&mut RecipientInput), &'static str, &'static str);
        let cases: &[Case] = &[
            (
                |i| i.name = "　".into(),
                FIELD_NAME,
                "氏名を入力してください",
            ),
            (|i| i.name = "あ".repeat(51), FIELD_NAME, "50文字以内"),
            (|i| i.name = "東京\n一郎".into(), FIELD_NAME, "改行"),
            (|i| i.name = "東京\0一郎".into(), FIELD_NAME, "U+0000"),
            (
                |i| i.name = "東京\u{1b}[31m一郎".into(),
                FIELD_NAME,
                "制御文字 U+001B",
            ),
            (
                |i| i.name = "東京\u{202e}郎一".into(),
                FIELD_NAME,
                "向きを変える",
            ),
            (
                |i| i.address = "千代田区\u{ffff}".into(),
                FIELD_ADDRESS,
                "U+FFFF",
            ),
            (
                |i| i.address = "千代田区\u{2066}1-2".into(),
                FIELD_ADDRESS,
                "U+2066",
            ),
            (
                |i| i.address = "千代田区\n1-2".into(),
                FIELD_ADDRESS,
                "1行で",
            ),
            (
                |i| i.name_kana = "".into(),
                FIELD_KANA,
                "氏名カナを入力してください",
            ),
            (
                |i| i.name_kana = "ﾄｳｷｮｳ ｲﾁﾛｳ".into(),
                FIELD_KANA,
                "半角カナは使えません",
            ),
            (
                |i| i.name_kana = "とうきょう".into(),
                FIELD_KANA,
                "ひらがなは使えません",
            ),
            (
                |i| i.name_kana = "トウキョウ1".into(),
                FIELD_KANA,
                "「1」は使えません",
            ),
            (|i| i.sex = "".into(), FIELD_SEX, "選んでください"),
            (|i| i.sex = "3".into(), FIELD_SEX, "「3」は使えません"),
            (
                |i| i.birth_date = "".into(),
                FIELD_BIRTH,
                "日付を入力してください",
            ),
            (
                |i| i.birth_date = "昭和35年2月30日".into(),
                FIELD_BIRTH,
                "存在しない日付",
            ),
            (
                |i| i.birth_date = "令和7年1月1日".into(),
                FIELD_BIRTH,
                "今日より後",
            ),
            (
                |i| i.birth_date = "1800-01-01".into(),
                FIELD_BIRTH,
                "古すぎます",
            ),
            (
                |i| i.birth_date = "ひなまつり".into(),
                FIELD_BIRTH,
                "日付として読めません",
            ),
            (
                |i| i.postal_code = "105-001".into(),
                FIELD_POSTAL,
                "郵便番号の形式ではありません",
            ),
            (
                |i| i.address = "a".repeat(201),
                FIELD_ADDRESS,
                "200文字以内",
            ),
            (
                |i| i.case_number = "C 0012".into(),
                FIELD_CASE,
                "「 」は使えません",
            ),
            (|i| i.case_number = "C".repeat(21), FIELD_CASE, "20文字以内"),
            (
                |i| i.individual_number = Some("983205673215".into()),
                FIELD_INDIVIDUAL,
                "検証番号が一致しません。個人番号を確認",
            ),
            (
                |i| i.individual_number = Some("98320567321".into()),
                FIELD_INDIVIDUAL,
                "12桁で入力してください",
            ),
            (
                |i| i.individual_number = Some("98320567321x".into()),
                FIELD_INDIVIDUAL,
                "数字以外",
            ),
            (
                |i| {
                    i.card_held = false;
                    i.card_registered = true;
                },
                FIELD_CARD_REGISTERED,
                "マイナンバーカードを持っている場合だけ",
            ),
        ];
        for (change, field, want) in cases {
            check(*change, field, want);
        }
    }

    #[test]
    fn recipient_individual_number_is_never_echoed() {
        let mut input = valid();
        input.individual_number = Some("983205673215".into());
        let errors = validate_recipient(&input, today()).unwrap_err();
        let text = format!("{errors:?}");
        assert!(
            !text.contains("98320567321") && !text.contains("正しくは"),
            "{text}"
        );
    }

    #[test]
    fn recipient_all_errors_at_once() {
        let input = RecipientInput::default();
        let fields: Vec<String> = validate_recipient(&input, today())
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, [FIELD_NAME, FIELD_KANA, FIELD_SEX, FIELD_BIRTH]);
    }

    #[test]
    fn exported_kana_half_width_becomes_full_width_with_marks_composed() {
        assert_eq!(normalize_exported_kana("ｶﾞﾄｳ ﾊﾟｸ"), "ガトウ　パク");
        assert_eq!(normalize_exported_kana("ｳﾞｨｰﾗ ｷｮｳｺ"), "ヴィーラ　キョウコ");
        assert_eq!(normalize_exported_kana("ｼﾞｭﾝｲﾁ"), "ジュンイチ");
        // A mark that cannot compose stays (the check refuses it, as it should).
        assert_eq!(normalize_exported_kana("ｱﾞ"), "ア゛");
    }

    #[test]
    fn exported_kana_spaces_collapse_to_one_full_width_space() {
        assert_eq!(normalize_exported_kana("シケン タロウ"), "シケン　タロウ");
        assert_eq!(
            normalize_exported_kana(" シケン  \u{3000} タロウ "),
            "シケン　タロウ"
        );
        assert_eq!(normalize_exported_kana("シケン　タロウ"), "シケン　タロウ");
        assert_eq!(normalize_exported_kana("ｼｹﾝ\tﾀﾛｳ"), "シケン　タロウ");
    }

    #[test]
    fn exported_kana_keeps_hiragana_and_other_characters_for_the_check() {
        assert_eq!(normalize_exported_kana("みほん　はなこ"), "みほん　はなこ");
        assert_eq!(normalize_exported_kana("ﾐﾎﾝ1"), "ミホン1");
        assert_eq!(normalize_exported_kana("見本 花子"), "見本　花子");
        // The match key and the registration form still read ひらがな.
        assert_eq!(normalize_kana_name("みほん はなこ"), "ミホン　ハナコ");
    }

    #[test]
    fn recipient_kana_needs_a_space_between_sei_and_mei() {
        assert_eq!(check_kana("シケン タロウ").unwrap(), "シケン　タロウ");
        assert_eq!(check_kana(" シケン　　タロウ ").unwrap(), "シケン　タロウ");
        let error = check_kana("シケンタロウ").unwrap_err();
        assert_eq!(error.field, FIELD_KANA);
        assert!(
            error.message.contains("姓と名の間に空白"),
            "{}",
            error.message
        );
    }

    #[test]
    fn recipient_kana_normalised_for_comparison() {
        #[rustfmt::skip]
        let same = [
            "シケン タロウ", "シケン　タロウ", "シケンタロウ", "ｼｹﾝ ﾀﾛｳ", "ｼｹﾝﾀﾛｳ", "しけん　たろう", " シケン\tタロウ ",
        ];
        for kana in same {
            assert_eq!(kana_match_key(kana), "シケンタロウ", "{kana}");
        }
        assert_ne!(
            kana_match_key("シケン ジロウ"),
            kana_match_key("シケンタロウ")
        );
        assert_eq!(normalize_kana_name("ｼｹﾝ  ﾀﾛｳ"), "シケン　タロウ");
        assert_eq!(normalize_kana_name("ｶﾞｸ ﾊﾟﾝ"), "ガク　パン");
        assert_eq!(normalize_kana_name("シケン　タロウ"), "シケン　タロウ");
    }

    #[test]
    fn recipient_possible_duplicate() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let born = d("1950-02-03");
        assert_eq!(
            possible_duplicate("シケンタロウ", born, "シケン　タロウ", born, false),
            Some(DuplicateReason::KanaAndBirth)
        );
        assert_eq!(
            possible_duplicate(
                "シケンタロウ",
                born,
                "シケン　タロウ",
                d("1950-02-04"),
                false
            ),
            None
        );
        assert_eq!(
            possible_duplicate("シケン ジロウ", born, "シケン　タロウ", born, false),
            None
        );
        // The same 個人番号 is the same person whatever the name and date say.
        assert_eq!(
            possible_duplicate("ベツ　ジン", born, "シケン　タロウ", d("1960-01-01"), true),
            Some(DuplicateReason::IndividualNumber)
        );
    }

    #[test]
    fn recipient_katakana_conversion() {
        #[rustfmt::skip]
        let cases = [
            ("ﾄｳｷｮｳ", "トウキョウ"), ("ｶﾞｷﾞﾊﾟﾋﾟｳﾞ", "ガギパピヴ"), ("ﾀﾞｲｽｹ", "ダイスケ"),
            ("やまだ はなこ", "ヤマダ ハナコ"), ("ゔぁ", "ヴァ"), ("ﾎﾟﾝ", "ポン"), ("ｱﾞ", "ア゛"),
            ("東京", "東京"),
        ];
        for (input, want) in cases {
            assert_eq!(to_full_width_katakana(input), want, "{input}");
        }
    }

    fn query(
        number: Option<&str>,
        kana: Option<&str>,
        name: Option<&str>,
        birth: Option<&str>,
        case: Option<&str>,
    ) -> RecipientQuery {
        RecipientQuery {
            recipient_number_prefix: number.map(Into::into),
            kana_prefix: kana.map(Into::into),
            name_contains: name.map(Into::into),
            birth_date: birth.map(d),
            case_number: case.map(Into::into),
        }
    }

    #[test]
    fn recipient_search_is_read_every_plausible_way() {
        #[rustfmt::skip]
        let cases: &[(&str, RecipientQuery)] = &[
            ("", RecipientQuery::default()),
            ("1234566", query(Some("1234566"), None, None, None, Some("1234566"))),
            ("１２３", query(Some("123"), None, None, None, Some("123"))),
            ("ﾄｳｷｮｳ", query(None, Some("トウキョウ"), None, None, None)),
            ("トウキョウ イチ", query(None, Some("トウキョウイチ"), Some("トウキョウイチ"), None, None)),
            ("とうきょう", query(None, Some("トウキョウ"), Some("とうきょう"), None, None)),
            ("東京　一郎", query(None, None, Some("東京一郎"), None, None)),
            ("昭和35年4月1日", query(None, None, None, Some("1960-04-01"), None)),
            ("S35.4.1", query(None, None, None, Some("1960-04-01"), None)),
            ("1960-04-01", query(None, None, None, Some("1960-04-01"), Some("1960-04-01"))),
            ("c00012", query(None, None, None, None, Some("C00012"))),
        ];
        for (q, want) in cases {
            assert_eq!(&parse_search(q), want, "{q}");
        }
        assert_eq!(
            query(Some("1"), Some("ア"), None, Some("2024-01-01"), None).searched_as(),
            [FIELD_RECIPIENT_NUMBER, FIELD_KANA, FIELD_BIRTH]
        );
    }
}
