//! Request fields the office handlers check the same way: required reasons and flags.

use domain::text::{check_chars, Lines};

use crate::http::error::AppError;

/// A required reason (取消理由, 理由 …): trimmed, one line, at most 200 characters.
pub fn required_reason(field: &str, typed: &str) -> Result<String, AppError> {
    let reason = typed.trim();
    if reason.is_empty() {
        return Err(AppError::field(
            field,
            format!("{field}を入力してください。"),
        ));
    }
    if reason.chars().count() > 200 {
        return Err(AppError::field(
            field,
            format!("{field}は200文字以内の1行で入力してください。"),
        ));
    }
    check_chars(field, reason, Lines::One).map_err(|e| AppError::field(field, e.message))?;
    Ok(reason.to_string())
}

/// Query-string flags: "true", "1", "yes".
pub fn flag_param(value: Option<&str>) -> bool {
    matches!(value.map(str::trim), Some("true" | "1" | "yes"))
}
