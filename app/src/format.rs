//! Small display helpers: numbers with separators, yen, code labels.
//! Dates are formatted by `domain::wareki` (see `components::date_ja`).

/// 1234567 → "1,234,567".
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// 本人支払額: 1500 → "1,500円".
pub fn yen(amount: i64) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}{}円", group_digits(amount.unsigned_abs()))
}

/// 医療券・調剤券別 (OQSCD018), from the code table in `domain::codes`.
pub fn ticket_type_label(code: &str) -> &'static str {
    domain::codes::TicketType::from_code(code).map_or("医療券・調剤券", |t| t.label_ja())
}

/// 診療別 (OQSCD019), from the code table in `domain::codes`.
pub fn treatment_type_label(code: &str) -> String {
    domain::codes::TreatmentType::from_code(code)
        .map_or_else(|| format!("区分 {code}"), |t| t.label_ja().to_string())
}

/// "YYYY-MM" or "YYYY-MM-DD" → (year, month), for `domain::wareki::format_month`.
pub fn year_month(iso: &str) -> Option<(i32, u32)> {
    let mut parts = iso.split('-');
    let year = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    Some((year, month))
}

/// This month as "令和6年3月 (2024/03)", from the server's `today`.
pub fn month_label(today_iso: &str) -> String {
    match year_month(today_iso) {
        Some((year, month)) => domain::wareki::format_month(year, month),
        None => "今月".to_string(),
    }
}

/// An instant (RFC 3339) as a JST time of day with its 和暦 date:
/// "2024-04-10T00:15:00Z" → "令和6年4月10日 9:15". Anything else is shown unchanged.
pub fn instant_ja(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(at) => {
            let jst = domain::jst::to_jst(at.with_timezone(&chrono::Utc));
            format!(
                "{} {}",
                domain::wareki::format_wareki(jst.date_naive()),
                clock(&jst)
            )
        }
        Err(_) => rfc3339.to_string(),
    }
}

/// Only the JST time of day of an instant: "9:15".
pub fn time_ja(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(at) => clock(&domain::jst::to_jst(at.with_timezone(&chrono::Utc))),
        Err(_) => rfc3339.to_string(),
    }
}

/// "9:15": hour without padding, minutes with (what `%-H:%M` writes, without chrono's
/// format machinery in the WebAssembly).
pub fn clock(at: &impl chrono::Timelike) -> String {
    format!("{}:{:02}", at.hour(), at.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_grouped_by_three() {
        for (n, want) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (1234567, "1,234,567"),
        ] {
            assert_eq!(group_digits(n), want);
        }
        assert_eq!(yen(-1500), "-1,500円");
    }

    #[test]
    fn instants_are_shown_in_jst() {
        for (at, want) in [
            ("2024-04-10T00:15:00Z", "令和6年4月10日 9:15"),
            ("2024-04-09T15:00:00.123Z", "令和6年4月10日 0:00"),
            ("2024-04-10T09:15:00+09:00", "令和6年4月10日 9:15"),
            ("not a time", "not a time"),
        ] {
            assert_eq!(instant_ja(at), want);
        }
        assert_eq!(time_ja("2024-04-10T00:15:00Z"), "9:15");
        assert_eq!(time_ja("2024-04-10T04:05:00Z"), "13:05");
        assert_eq!(time_ja("2024-04-10T14:59:00Z"), "23:59");
    }

    #[test]
    fn code_labels_come_from_the_domain_code_table() {
        for (code, ticket, treatment) in [
            ("01", "医療券", "入院"),
            ("02", "調剤券", "入院外"),
            ("04", "医療券・調剤券", "調剤"),
            ("05", "医療券・調剤券", "訪問看護"),
            ("9", "医療券・調剤券", "区分 9"),
        ] {
            assert_eq!(ticket_type_label(code), ticket, "{code}");
            assert_eq!(treatment_type_label(code), treatment, "{code}");
        }
    }
}
