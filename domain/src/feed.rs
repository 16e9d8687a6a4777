//! The daily feed (資格確認実績の連携, product.md §2 IV): each morning each 実施機関 receives the
//! previous JST day's verifications of its recipients, as a file in the verification-log
//! layout of Appendix A — the same layout `onshi import verification-log` reads.
//!
//! Also the text encodings offered for every CSV export (UTF-8, or CP932 for Excel).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::{QualificationValidity, ReferenceClass};
use crate::import::VERIFICATION_LOG_HEADER;

/// One line of the feed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    pub verified_at: DateTime<Utc>,
    pub institution_code: String,
    pub office_number: String,
    pub recipient_number: String,
    pub reference: ReferenceClass,
    pub validity: QualificationValidity,
}

/// The feed file: [`VERIFICATION_LOG_HEADER`], one line per entry in the given order,
/// 資格確認日時 in JST with its offset (`2024-04-01T09:12:34+09:00`), `\n` line ends.
pub fn verification_log_csv(entries: &[FeedEntry]) -> String {
    let mut out = String::with_capacity(64 * (entries.len() + 1));
    out.push_str(VERIFICATION_LOG_HEADER);
    out.push('\n');
    for e in entries {
        let at = crate::jst::to_jst(e.verified_at).format("%Y-%m-%dT%H:%M:%S%:z");
        out.push_str(&format!(
            "{at},{},{},{},{},{}\n",
            e.institution_code,
            e.office_number,
            e.recipient_number,
            e.reference.code(),
            e.validity.code()
        ));
    }
    out
}

/// `<公費負担者番号>_<YYYYMMDD>.csv`: the name of an office's feed file for a day.
pub fn feed_file_name(office_number: &str, date: NaiveDate) -> String {
    format!("{office_number}_{}.csv", date.format("%Y%m%d"))
}

/// The day a feed built at `now` covers: the previous JST day.
pub fn feed_date(now: DateTime<Utc>) -> NaiveDate {
    crate::jst::date_of(now) - Duration::days(1)
}

/// The first instant strictly after `now` when the JST clock shows `at`.
pub fn next_run(now: DateTime<Utc>, at: NaiveTime) -> DateTime<Utc> {
    let today = crate::jst::date_of(now);
    let candidate = |date: NaiveDate| {
        date.and_time(at)
            .and_local_timezone(crate::jst::offset())
            .single()
            .map(|t| t.with_timezone(&Utc))
    };
    match candidate(today) {
        Some(t) if t > now => t,
        _ => candidate(today + Duration::days(1)).unwrap_or(now + Duration::days(1)),
    }
}

/// `HH:MM` (24-hour, JST) as typed for `--feed-time`.
pub fn parse_time_of_day(text: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .map_err(|_| format!("時刻は HH:MM（24時間制、日本時間）で指定してください: {text}"))
}

/// The encoding of a CSV download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TextEncoding {
    /// UTF-8 without BOM (the default).
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    /// Shift_JIS with the Windows (CP932) extensions, for Excel.
    #[serde(rename = "cp932")]
    Cp932,
}

impl TextEncoding {
    /// `utf-8`/`utf8` or `cp932`/`shift_jis`/`sjis` (any case); `None` otherwise.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Some(Self::Utf8),
            "cp932" | "shift-jis" | "sjis" | "windows-31j" => Some(Self::Cp932),
            _ => None,
        }
    }

    /// The `charset` parameter of the Content-Type.
    pub fn charset(self) -> &'static str {
        match self {
            Self::Utf8 => "utf-8",
            Self::Cp932 => "Shift_JIS",
        }
    }

    /// The bytes of `text`. In CP932 a character it cannot hold becomes 〓, as in every CP932
    /// export ([`crate::api::encode_cp932`]); digits, dates and the Appendix A headers always fit.
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Self::Utf8 => text.as_bytes().to_vec(),
            Self::Cp932 => crate::api::encode_cp932(text),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn feed_file_round_trips_through_the_importer() {
        let entries = vec![
            FeedEntry {
                verified_at: utc(2024, 3, 31, 15, 5),
                institution_code: "1311234569".into(),
                office_number: "12131017".into(),
                recipient_number: "1234566".into(),
                reference: ReferenceClass::Card,
                validity: QualificationValidity::Valid,
            },
            FeedEntry {
                verified_at: utc(2024, 4, 1, 0, 30),
                institution_code: "1341234563".into(),
                office_number: "12131017".into(),
                recipient_number: "0000018".into(),
                reference: ReferenceClass::NumberEntry,
                validity: QualificationValidity::ValidUnregistered,
            },
        ];
        let csv = verification_log_csv(&entries);
        assert_eq!(
            csv,
            "資格確認日時,医療機関コード,公費負担者番号,受給者番号,照会区分,資格有効性\n\
             2024-04-01T00:05:00+09:00,1311234569,12131017,1234566,1,1\n\
             2024-04-01T09:30:00+09:00,1341234563,12131017,0000018,2,6\n"
        );
        let rows = crate::import::parse_verification_log(&csv).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].verified_at, entries[0].verified_at);
        assert_eq!(rows[1].validity, QualificationValidity::ValidUnregistered);
        assert_eq!(
            verification_log_csv(&[]),
            format!("{VERIFICATION_LOG_HEADER}\n")
        );
    }

    #[rustfmt::skip]
    #[test]
    fn feed_schedule() {
        let six = NaiveTime::from_hms_opt(6, 0, 0).unwrap();
        // (now UTC, next run UTC): 06:00 JST is 21:00 UTC the day before.
        let cases = [
            (utc(2024, 3, 31, 20, 59), utc(2024, 3, 31, 21, 0)),
            (utc(2024, 3, 31, 21, 0), utc(2024, 4, 1, 21, 0)),
            (utc(2024, 3, 31, 21, 1), utc(2024, 4, 1, 21, 0)),
            (utc(2024, 3, 31, 15, 0), utc(2024, 3, 31, 21, 0)),
            (utc(2024, 3, 31, 14, 59), utc(2024, 3, 31, 21, 0)),
            (utc(2024, 12, 31, 22, 0), utc(2025, 1, 1, 21, 0)),
        ];
        for (now, want) in cases {
            assert_eq!(next_run(now, six), want, "{now}");
        }
        assert_eq!(feed_date(utc(2024, 3, 31, 21, 0)), NaiveDate::from_ymd_opt(2024, 3, 31).unwrap(), "06:00 JST on 1 April");
        assert_eq!(feed_date(utc(2024, 3, 31, 14, 59)), NaiveDate::from_ymd_opt(2024, 3, 30).unwrap());
        assert_eq!(parse_time_of_day("06:00"), Ok(six));
        assert_eq!(parse_time_of_day(" 23:59 ").map(|t| t.to_string()), Ok("23:59:00".into()));
        assert!(parse_time_of_day("24:00").unwrap_err().contains("HH:MM"));
        assert!(parse_time_of_day("6").is_err());
        assert_eq!(feed_file_name("12131017", NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()), "12131017_20261123.csv");
    }

    #[test]
    fn feed_encodings() {
        assert_eq!(TextEncoding::parse("UTF-8"), Some(TextEncoding::Utf8));
        assert_eq!(TextEncoding::parse("Shift_JIS"), Some(TextEncoding::Cp932));
        assert_eq!(TextEncoding::parse("cp932"), Some(TextEncoding::Cp932));
        assert_eq!(TextEncoding::parse("latin1"), None);
        let header = VERIFICATION_LOG_HEADER;
        let sjis = TextEncoding::Cp932.encode(header);
        assert_ne!(sjis, header.as_bytes());
        assert_eq!(crate::import::decode_text(&sjis).unwrap(), header);
        assert_eq!(TextEncoding::Utf8.encode(header), header.as_bytes());
        assert_eq!(
            TextEncoding::Cp932.encode("①髙"),
            encoding_rs::SHIFT_JIS.encode("①髙").0.to_vec()
        );
        assert_eq!(TextEncoding::Cp932.encode("a😀"), b"a\x81\xac", "〓");
        assert_eq!(TextEncoding::Cp932.charset(), "Shift_JIS");
        assert_eq!(
            serde_json::to_string(&TextEncoding::Cp932).unwrap(),
            "\"cp932\""
        );
    }
}
