//! The institution registry as the operator keeps it in the browser: the fields of one
//! 指定医療機関・指定薬局 checked (医療機関コード with its check digit, 名称, 指定年月日, 指定の終了日,
//! 廃止年月日, 郵便番号, 住所, 電話番号), each error naming its field in Japanese, and the
//! changes between two versions as the audit trail shows them (field, before → after).
//! The browser runs the same checks before it sends.

use chrono::NaiveDate;

use crate::api::InstitutionFields;
use crate::error::FieldError;
use crate::numbers::InstitutionCode;
use crate::text::{check_chars, Lines};

pub const FIELD_CODE: &str = "医療機関コード";
pub const FIELD_NAME: &str = "名称";
pub const FIELD_ONLINE: &str = "オンライン資格確認";
pub const FIELD_DESIGNATED_FROM: &str = "指定年月日";
pub const FIELD_DESIGNATED_UNTIL: &str = "指定の終了日";
pub const FIELD_ABOLISHED_ON: &str = "廃止年月日";
pub const FIELD_POSTAL: &str = "郵便番号";
pub const FIELD_ADDRESS: &str = "住所";
pub const FIELD_PHONE: &str = "電話番号";

const MAX_NAME: usize = 100;

/// The checked fields of an institution (the code is the key, checked apart).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InstitutionValues {
    pub name: String,
    pub online_capable: bool,
    pub designated_from: Option<NaiveDate>,
    pub designated_until: Option<NaiveDate>,
    pub abolished_on: Option<NaiveDate>,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

/// One field changed: its label, the value before and after, as shown ('' for none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// 医療機関コード: 10 digits (全角 accepted) with a valid check digit
/// (`crate::numbers::InstitutionCode`).
pub fn check_code(value: &str) -> Result<InstitutionCode, FieldError> {
    InstitutionCode::parse(value.trim())
        .map_err(|e| FieldError::new(FIELD_CODE, format!("{FIELD_CODE}: {}", e.message())))
}

/// 電話番号: digits and hyphens, 10 or 11 digits starting with 0 (全角 accepted); the ASCII
/// form, or the message.
pub fn phone_text(value: &str) -> Result<String, String> {
    let ascii: String = value
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(u32::from(c) - 0xfee0).unwrap_or(c),
            'ー' | '－' | '−' | '‐' => '-',
            _ => c,
        })
        .collect();
    let digits = ascii.chars().filter(char::is_ascii_digit).count();
    let ok = ascii.chars().all(|c| c.is_ascii_digit() || c == '-')
        && ascii.starts_with('0')
        && !ascii.ends_with('-')
        && !ascii.contains("--")
        && (10..=11).contains(&digits);
    if ok {
        Ok(ascii)
    } else {
        Err(format!("「{value}」は電話番号として正しくありません。市外局番から数字10桁または11桁で、区切りはハイフンにしてください（例: 03-1234-5678）。"))
    }
}

fn optional_date(field: &'static str, value: &str) -> Result<Option<NaiveDate>, FieldError> {
    let typed = value.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    crate::wareki::parse_date_input(typed)
        .map(Some)
        .map_err(|e| FieldError::new(field, format!("{field}: {}", e.message())))
}

/// Check every field; all the errors at once, each naming its field.
pub fn validate(fields: &InstitutionFields) -> Result<InstitutionValues, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = fields.name.trim();
    if name.is_empty() {
        errors.push(FieldError::new(FIELD_NAME, "名称を入力してください。"));
    } else if name.chars().count() > MAX_NAME {
        errors.push(FieldError::new(
            FIELD_NAME,
            format!("名称は{MAX_NAME}文字以内で入力してください。"),
        ));
    } else if let Err(e) = check_chars(FIELD_NAME, name, Lines::One) {
        errors.push(e);
    }
    let mut date = |field, value: &str| {
        optional_date(field, value)
            .map_err(|e| errors.push(e))
            .ok()
            .flatten()
    };
    let designated_from = date(FIELD_DESIGNATED_FROM, &fields.designated_from);
    let designated_until = date(FIELD_DESIGNATED_UNTIL, &fields.designated_until);
    let abolished_on = date(FIELD_ABOLISHED_ON, &fields.abolished_on);
    if let (Some(from), Some(until)) = (designated_from, designated_until) {
        if until < from {
            errors.push(FieldError::new(
                FIELD_DESIGNATED_UNTIL,
                format!("指定の終了日（{until}）が指定年月日（{from}）より前です。"),
            ));
        }
    }
    if let (Some(from), Some(abolished)) = (designated_from, abolished_on) {
        if abolished < from {
            errors.push(FieldError::new(
                FIELD_ABOLISHED_ON,
                format!("廃止年月日（{abolished}）が指定年月日（{from}）より前です。"),
            ));
        }
    }
    let postal_code = crate::recipient::check_postal_code(&fields.postal_code)
        .map_err(|e| errors.push(FieldError::new(FIELD_POSTAL, e.message)))
        .ok()
        .flatten();
    let address = crate::recipient::check_address(&fields.address)
        .map_err(|e| errors.push(FieldError::new(FIELD_ADDRESS, e.message)))
        .ok()
        .flatten();
    let phone_typed = fields.phone.trim();
    let phone = if phone_typed.is_empty() {
        None
    } else {
        phone_text(phone_typed)
            .map_err(|m| errors.push(FieldError::new(FIELD_PHONE, m)))
            .ok()
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(InstitutionValues {
        name: name.to_string(),
        online_capable: fields.online_capable,
        designated_from,
        designated_until,
        abolished_on,
        postal_code,
        address,
        phone,
    })
}

fn shown_date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn shown_flag(online: bool) -> String {
    if online { "対応" } else { "未対応" }.to_string()
}

/// Each field's label and value as the audit trail shows it.
fn shown(v: &InstitutionValues) -> [(&'static str, String); 8] {
    [
        (FIELD_NAME, v.name.clone()),
        (FIELD_ONLINE, shown_flag(v.online_capable)),
        (FIELD_DESIGNATED_FROM, shown_date(v.designated_from)),
        (FIELD_DESIGNATED_UNTIL, shown_date(v.designated_until)),
        (FIELD_ABOLISHED_ON, shown_date(v.abolished_on)),
        (FIELD_POSTAL, v.postal_code.clone().unwrap_or_default()),
        (FIELD_ADDRESS, v.address.clone().unwrap_or_default()),
        (FIELD_PHONE, v.phone.clone().unwrap_or_default()),
    ]
}

/// The fields that differ, in form order; `before` `None`: a new institution (every field
/// given, and 医療機関コード itself).
pub fn changes(
    code: &InstitutionCode,
    before: Option<&InstitutionValues>,
    after: &InstitutionValues,
) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let after_shown = shown(after);
    match before {
        None => {
            out.push(FieldChange {
                field: FIELD_CODE,
                before: String::new(),
                after: code.as_str().to_string(),
            });
            for (field, value) in after_shown {
                // 未対応 is the state of nothing, but it is shown: the operator chose it.
                if !value.is_empty() {
                    out.push(FieldChange {
                        field,
                        before: String::new(),
                        after: value,
                    });
                }
            }
        }
        Some(before) => {
            for ((field, old), (_, new)) in shown(before).into_iter().zip(after_shown) {
                if old != new {
                    out.push(FieldChange {
                        field,
                        before: old,
                        after: new,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn fields() -> InstitutionFields {
        InstitutionFields {
            name: "みなと内科クリニック".into(),
            online_capable: true,
            designated_from: "令和6年4月1日".into(),
            designated_until: String::new(),
            abolished_on: String::new(),
            postal_code: "１０５００１１".into(),
            address: "東京都港区芝公園1-1".into(),
            phone: "０３－１２３４－５６７８".into(),
        }
    }

    #[test]
    fn valid_fields_are_normalised() {
        let v = validate(&fields()).unwrap();
        assert_eq!(v.designated_from, NaiveDate::from_ymd_opt(2024, 4, 1));
        assert_eq!(v.postal_code.as_deref(), Some("105-0011"));
        assert_eq!(v.phone.as_deref(), Some("03-1234-5678"));
    }

    #[test]
    fn each_error_names_its_field() {
        let mut f = fields();
        f.name = " ".into();
        f.designated_until = "2020-01-01".into();
        f.abolished_on = "令和6年2月30日".into();
        f.phone = "12345".into();
        let errors = validate(&f).unwrap_err();
        let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            named,
            [
                FIELD_NAME,
                FIELD_ABOLISHED_ON,
                FIELD_DESIGNATED_UNTIL,
                FIELD_PHONE
            ]
        );
        assert!(errors[1].message.contains("廃止年月日"));
    }

    #[test]
    fn abolished_before_designation_is_refused() {
        let mut f = fields();
        f.abolished_on = "2024-03-31".into();
        let errors = validate(&f).unwrap_err();
        assert_eq!(errors[0].field, FIELD_ABOLISHED_ON);
    }

    #[test]
    fn a_wrong_check_digit_names_the_code() {
        let e = check_code("1311234560").unwrap_err();
        assert_eq!(e.field, FIELD_CODE);
        assert!(e.message.contains("検証番号"), "{}", e.message);
        assert!(check_code("1311234569").is_ok());
    }

    #[test]
    fn changes_list_only_what_differs() {
        let code = check_code("1311234569").unwrap();
        let before = validate(&fields()).unwrap();
        let mut after = before.clone();
        after.online_capable = false;
        after.abolished_on = NaiveDate::from_ymd_opt(2025, 3, 31);
        let c = changes(&code, Some(&before), &after);
        assert_eq!(
            c,
            vec![
                FieldChange {
                    field: FIELD_ONLINE,
                    before: "対応".into(),
                    after: "未対応".into()
                },
                FieldChange {
                    field: FIELD_ABOLISHED_ON,
                    before: String::new(),
                    after: "2025-03-31".into()
                },
            ]
        );
        let added = changes(&code, None, &before);
        assert_eq!(added[0].field, FIELD_CODE);
        assert!(added.iter().all(|c| c.before.is_empty()));
    }
}
