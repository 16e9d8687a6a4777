//! Day boundaries are JST (Asia/Tokyo, UTC+9, no DST) whatever the server's zone.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// UTC+9. Japan has had no daylight saving time since 1951.
#[allow(clippy::unwrap_used)] // 9 h is a constant well inside FixedOffset's ±24 h range.
pub fn offset() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).unwrap()
}

/// The JST calendar date of an instant.
pub fn date_of(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&offset()).date_naive()
}

/// The instant in JST (for display and for file timestamps with `+09:00`).
pub fn to_jst(instant: DateTime<Utc>) -> DateTime<FixedOffset> {
    instant.with_timezone(&offset())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn jst_day_boundary() {
        let late_utc = Utc.with_ymd_and_hms(2024, 2, 29, 15, 0, 0).single();
        let before = Utc.with_ymd_and_hms(2024, 2, 29, 14, 59, 59).single();
        assert_eq!(late_utc.map(date_of), NaiveDate::from_ymd_opt(2024, 3, 1));
        assert_eq!(before.map(date_of), NaiveDate::from_ymd_opt(2024, 2, 29));
    }
}
