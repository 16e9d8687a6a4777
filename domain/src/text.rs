//! Free text as typed (氏名, 住所, 備考, 理由, メモ …) and read from files: the characters no
//! text field may hold. One rule for every text input, in the browser and on the server:
//!
//! - control characters (C0, DEL, C1: NUL, ESC …); tab and line breaks only in a field that
//!   allows several lines ([`Lines::Many`]);
//! - the Unicode line and paragraph separators (U+2028, U+2029) in a one-line field;
//! - the bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), which
//!   make a name or a note display as something other than what is stored;
//! - the byte order mark and zero-width space (U+FEFF, U+200B), invisible in any display;
//! - noncharacters (U+FDD0–U+FDEF and U+xFFFE, U+xFFFF of every plane), which are not text.
//!
//! Private-use characters stay allowed: 外字 of old systems live there.

use crate::error::FieldError;

/// Whether a field takes several lines (tab, CR and LF allowed) or one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// Why a character is refused, in words for the person who typed it.
fn refusal(c: char, lines: Lines) -> Option<&'static str> {
    let code = u32::from(c);
    match c {
        '\t' | '\n' | '\r' if lines == Lines::Many => None,
        '\t' => Some("タブ"),
        '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}' => Some("改行"),
        _ if c.is_control() => Some("制御文字"),
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}' => {
            Some("文字の向きを変える制御文字")
        }
        '\u{feff}' | '\u{200b}' => Some("見えない文字"),
        '\u{fdd0}'..='\u{fdef}' => Some("文字ではない符号"),
        _ if code & 0xfffe == 0xfffe => Some("文字ではない符号"),
        _ => None,
    }
}

/// The first refused character of `value`, if any.
pub fn forbidden_char(value: &str, lines: Lines) -> Option<char> {
    value.chars().find(|c| refusal(*c, lines).is_some())
}

/// The error for a refused character in `field`, naming the field and the character
/// (by its code point: it may be invisible), or `None` when every character is allowed.
pub fn check_chars(field: &str, value: &str, lines: Lines) -> Result<(), FieldError> {
    match value
        .chars()
        .find_map(|c| refusal(c, lines).map(|why| (c, why)))
    {
        None => Ok(()),
        Some((c, why)) => Err(FieldError::new(field, message(field, c, why, lines))),
    }
}

fn message(field: &str, c: char, why: &str, lines: Lines) -> String {
    let hint = match (why, lines) {
        ("改行" | "タブ", Lines::One) => "1行で入力してください。",
        _ => "その文字を削除して入力し直してください。",
    };
    format!(
        "{field}に使えない文字（{why} U+{:04X}）が含まれています。{hint}",
        u32::from(c)
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn refused_characters_are_named_with_the_field() {
        for (c, why) in [
            ('\0', "制御文字"),
            ('\u{1b}', "制御文字"),
            ('\u{7f}', "制御文字"),
            ('\u{9b}', "制御文字"),
            ('\u{202e}', "文字の向きを変える制御文字"),
            ('\u{2067}', "文字の向きを変える制御文字"),
            ('\u{200f}', "文字の向きを変える制御文字"),
            ('\u{feff}', "見えない文字"),
            ('\u{ffff}', "文字ではない符号"),
            ('\u{fffe}', "文字ではない符号"),
            ('\u{fdd0}', "文字ではない符号"),
            ('\u{10ffff}', "文字ではない符号"),
            ('\u{2028}', "改行"),
        ] {
            for lines in [Lines::One, Lines::Many] {
                let value = format!("山田{c}太郎");
                assert_eq!(forbidden_char(&value, lines), Some(c), "{c:?}");
                let error = check_chars("氏名", &value, lines).unwrap_err();
                assert_eq!(error.field, "氏名");
                assert!(error.message.starts_with("氏名に使えない文字"), "{error}");
                assert!(error.message.contains(why), "{c:?}: {error}");
                assert!(
                    error.message.contains(&format!("U+{:04X}", u32::from(c))),
                    "{error}"
                );
            }
        }
    }

    #[test]
    fn line_breaks_and_tabs_only_where_several_lines_are_allowed() {
        for value in ["一行目\n二行目", "一行目\r\n二行目", "項目\t値"] {
            assert!(check_chars("メモ", value, Lines::Many).is_ok(), "{value:?}");
            let error = check_chars("住所", value, Lines::One).unwrap_err();
            assert!(error.message.contains("1行で入力してください"), "{error}");
        }
    }

    #[test]
    fn ordinary_japanese_text_and_private_use_gaiji_pass() {
        for value in [
            "山田　太郎",
            "髙橋 ①丁目 ﾃｽﾄ 𠮷野家 👨‍👩‍👧",
            "東京都千代田区霞が関1-2-2",
            "\u{e000}外字",
            "",
        ] {
            assert_eq!(forbidden_char(value, Lines::One), None, "{value:?}");
        }
    }
}
