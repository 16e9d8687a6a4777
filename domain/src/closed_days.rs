//! The office's own 閉庁日 (local holidays such as 市の創立記念日, office closures) as typed
//! or imported: the date (和暦 or 西暦, as every date field) and its name. National holidays,
//! weekends and 年末年始 are known by [`crate::calendar`] and need no entry.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::error::FieldError;
use crate::wareki::parse_date_input;

/// The longest name kept for a closed day (characters).
pub const MAX_REASON_CHARS: usize = 50;

/// One closed day the office adds: the date and what it is (may be empty in an import).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedDay {
    pub date: NaiveDate,
    pub reason: String,
}

fn check_reason(reason: &str) -> Result<String, String> {
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(format!(
            "名称は{MAX_REASON_CHARS}文字以内で入力してください。"
        ));
    }
    if reason.chars().any(char::is_control) {
        return Err("名称に制御文字は使えません。".into());
    }
    Ok(reason.to_string())
}

/// The form's fields and the import's list, as the errors name them.
pub const FIELD_DATE: &str = "日付";
pub const FIELD_REASON: &str = "名称";
pub const FIELD_LINES: &str = "閉庁日の一覧";

/// The form's date and name: both required. Errors name the field ([`FIELD_DATE`],
/// [`FIELD_REASON`]).
pub fn parse_entry(date: &str, reason: &str) -> Result<ClosedDay, Vec<FieldError>> {
    let mut errors = Vec::new();
    let date = parse_date_input(date)
        .map_err(|e| errors.push(FieldError::new(FIELD_DATE, e.message())))
        .ok();
    let reason = match check_reason(reason) {
        Ok(r) if r.is_empty() => {
            errors.push(FieldError::new(
                FIELD_REASON,
                "名称を入力してください（例: 市の創立記念日）。",
            ));
            None
        }
        Ok(r) => Some(r),
        Err(message) => {
            errors.push(FieldError::new(FIELD_REASON, message));
            None
        }
    };
    match (date, reason) {
        (Some(date), Some(reason)) if errors.is_empty() => Ok(ClosedDay { date, reason }),
        _ => Err(errors),
    }
}

/// The most lines an import takes.
pub const MAX_LINES: usize = 1000;

/// An imported list: one date a line, optionally followed by a comma (or tab) and the name;
/// blank lines and lines starting with `#` are skipped; a header line 「日付,名称」 is
/// allowed. All or nothing: any wrong line refuses the whole list, each error naming its
/// line (field [`FIELD_LINES`]).
pub fn parse_list(text: &str) -> Result<Vec<ClosedDay>, Vec<FieldError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut errors = Vec::new();
    let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    let mut days = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() > MAX_LINES {
        return Err(vec![FieldError::new(
            FIELD_LINES,
            format!(
                "一度に取り込めるのは{MAX_LINES}行までです（{}行あります）。",
                lines.len()
            ),
        )]);
    }
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (date_text, reason_text) = match line.split_once([',', '\t', '，']) {
            Some((d, r)) => (d.trim(), r.trim()),
            None => (line, ""),
        };
        let date_text = date_text.trim_matches('"');
        if n == 1 && matches!(date_text, "日付" | "date") {
            continue;
        }
        let reason_text = reason_text.trim_matches('"');
        let date = match parse_date_input(date_text) {
            Ok(d) => d,
            Err(e) => {
                errors.push(FieldError::new(
                    FIELD_LINES,
                    format!("{n}行目「{date_text}」: {}", e.message()),
                ));
                continue;
            }
        };
        let reason = match check_reason(reason_text) {
            Ok(r) => r,
            Err(message) => {
                errors.push(FieldError::new(FIELD_LINES, format!("{n}行目: {message}")));
                continue;
            }
        };
        if let Some(first) = seen.insert(date, n) {
            errors.push(FieldError::new(
                FIELD_LINES,
                format!("{n}行目: {first}行目と同じ日付です。"),
            ));
            continue;
        }
        days.push(ClosedDay { date, reason });
    }
    if errors.is_empty() && days.is_empty() {
        errors.push(FieldError::new(
            FIELD_LINES,
            "日付が1行もありません。1行に1日ずつ入力してください（例: 2025-06-24,市の創立記念日）。",
        ));
    }
    if errors.is_empty() {
        Ok(days)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn entry_takes_wareki_and_requires_a_name() {
        let d = parse_entry("令和7年6月24日", " 市の創立記念日 ").unwrap();
        assert_eq!(d.date, date("2025-06-24"));
        assert_eq!(d.reason, "市の創立記念日");
        let errors = parse_entry("2025-02-30", "").unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, [FIELD_DATE, FIELD_REASON]);
        assert!(errors[0].message.contains("存在しない日付"));
    }

    #[test]
    fn list_reads_dates_names_header_and_comments() {
        let text = "\u{feff}日付,名称\n2025-06-24,市の創立記念日\n\n# comment\nR7.8.14\t庁舎点検\n令和7年12月28日\n";
        let days = parse_list(text).unwrap();
        assert_eq!(
            days,
            vec![
                ClosedDay {
                    date: date("2025-06-24"),
                    reason: "市の創立記念日".into()
                },
                ClosedDay {
                    date: date("2025-08-14"),
                    reason: "庁舎点検".into()
                },
                ClosedDay {
                    date: date("2025-12-28"),
                    reason: String::new()
                },
            ]
        );
    }

    #[test]
    fn list_errors_name_each_line_and_refuse_all() {
        let text = "2025-06-24\nあした\n2025-06-24\n2025-13-01\n";
        let errors = parse_list(text).unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(
            messages[0].starts_with("2行目「あした」: 日付として読めません"),
            "{messages:?}"
        );
        assert_eq!(messages[1], "3行目: 1行目と同じ日付です。");
        assert!(messages[2].starts_with("4行目"), "{messages:?}");
        assert!(parse_list("\n# nothing\n").is_err());
    }
}
