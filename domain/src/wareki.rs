//! 和暦 (Japanese era dates) ⇄ 西暦, the app-wide display format, and a forgiving
//! parser for the dates people type.
//!
//! Era start dates are common knowledge, not checked against a primary source
//! ([UNVERIFIED], domain-reference.md §8.2): 大正 1912-07-30, 昭和 1926-12-25,
//! 平成 1989-01-08, 令和 2019-05-01.
//!
//! 明治 is simplified. The 改元 (1868-10-23) applied retroactively from 慶応4年1月1日
//! (旧暦) = 1868-01-25, and Japan kept the lunisolar calendar until 明治5年12月2日
//! (1872-12-31). Here 明治 starts on 1868-01-25 and its year is Gregorian year − 1867,
//! with Gregorian month and day, so dates before 1873 differ from historical 旧暦 dates.
//! Earlier dates have no 和暦. None of this matters for living recipients.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A Japanese era (元号), oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Era {
    Meiji,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

/// A constant date; an invalid one fails compilation (only used in `const` items).
const fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => date,
        None => panic!("invalid constant date"),
    }
}

/// Name, initial and first day, in `Era` order.
const ERA_TABLE: [(Era, &str, char, NaiveDate); 5] = [
    (Era::Meiji, "明治", 'M', ymd(1868, 1, 25)),
    (Era::Taisho, "大正", 'T', ymd(1912, 7, 30)),
    (Era::Showa, "昭和", 'S', ymd(1926, 12, 25)),
    (Era::Heisei, "平成", 'H', ymd(1989, 1, 8)),
    (Era::Reiwa, "令和", 'R', ymd(2019, 5, 1)),
];

const ERAS: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

impl Era {
    fn row(self) -> (Era, &'static str, char, NaiveDate) {
        ERA_TABLE[self as usize]
    }

    /// "令和", "平成", ...
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// The letter used in abbreviated dates (R6.3.1): 'M', 'T', 'S', 'H', 'R'.
    pub fn initial(self) -> char {
        self.row().2
    }

    /// First day of the era (元年). See the module docs for 明治.
    pub fn start(self) -> NaiveDate {
        self.row().3
    }

    /// The era that followed, if any.
    pub fn next(self) -> Option<Era> {
        ERAS.iter().copied().find(|e| *e > self)
    }

    /// 「昭和元年12月25日から昭和64年1月7日まで」, 「令和元年5月1日から」: for error messages.
    pub fn span_ja(self) -> String {
        let from = format_wareki(self.start());
        match self.next().and_then(|n| n.start().pred_opt()) {
            Some(last) => format!("{from}から{}まで", format_wareki(last)),
            None => format!("{from}から"),
        }
    }

    /// Whether `date` falls within the era.
    pub fn contains(self, date: NaiveDate) -> bool {
        date >= self.start() && self.next().is_none_or(|n| date < n.start())
    }
}

/// A date in 和暦. `year` is 1 for 元年.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Wareki {
    pub era: Era,
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

/// The 和暦 of a date; `None` before 明治 (1868-01-25, see the module docs).
pub fn to_wareki(date: NaiveDate) -> Option<Wareki> {
    let era = ERAS.iter().rev().copied().find(|e| date >= e.start())?;
    Some(Wareki {
        era,
        year: date.year() - era.start().year() + 1,
        month: date.month(),
        day: date.day(),
    })
}

fn era_year(era: Era, year: i32) -> String {
    if year == 1 {
        format!("{}元", era.name())
    } else {
        format!("{}{}", era.name(), year)
    }
}

/// "令和6年3月1日", with 元年 for the first year ("令和元年5月1日"). Dates before 明治
/// fall back to 西暦 ("1867年1月1日").
pub fn format_wareki(date: NaiveDate) -> String {
    match to_wareki(date) {
        Some(w) => format!("{}年{}月{}日", era_year(w.era, w.year), w.month, w.day),
        None => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
    }
}

/// The 和暦 year of a date: "令和5年", "令和元年", "平成31年" (西暦 before 明治: "1867年").
pub fn format_wareki_year(date: NaiveDate) -> String {
    match to_wareki(date) {
        Some(w) => format!("{}年", era_year(w.era, w.year)),
        None => format!("{}年", date.year()),
    }
}

/// The app-wide display format: "令和6年3月1日 (2024/03/01)".
pub fn format_date(date: NaiveDate) -> String {
    format!(
        "{} ({:04}/{:02}/{:02})",
        format_wareki(date),
        date.year(),
        date.month(),
        date.day()
    )
}

/// "令和6年3月 (2024/03)", in the era of the 1st of that month (1989-01 is 昭和64年1月).
/// An impossible month is shown as "2024/13".
pub fn format_month(year: i32, month: u32) -> String {
    let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
        return format!("{year:04}/{month:02}");
    };
    let label = match to_wareki(first) {
        Some(w) => era_year(w.era, w.year),
        None => year.to_string(),
    };
    format!("{label}年{month}月 ({year:04}/{month:02})")
}

/// Formats an ISO "YYYY-MM-DD" with [`format_date`]; anything else is returned unchanged.
pub fn format_iso_date(iso: &str) -> String {
    match parse_iso_date(iso) {
        Some(date) => format_date(date),
        None => iso.to_string(),
    }
}

/// An ISO date, exactly "YYYY-MM-DD" (what the server and the card write), or `None`.
/// Without chrono's format-string parser, which a `parse_from_str` would put into the
/// browser's WebAssembly (docs/benchmarks.md, "The app's first load").
pub fn parse_iso_date(iso: &str) -> Option<NaiveDate> {
    let b = iso.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    let number = |range: std::ops::Range<usize>| iso[range].parse::<u32>().ok();
    NaiveDate::from_ymd_opt(
        i32::try_from(number(0..4)?).ok()?,
        number(5..7)?,
        number(8..10)?,
    )
}

/// Why typed date input was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateInputError {
    Empty,
    Unrecognized,
    /// Well formed but not a calendar date (2月30日, 13月).
    NoSuchDate,
    /// Outside the era (平成31年5月1日, 令和元年4月1日, 平成0年): which era was typed.
    EraOutOfRange(Era),
}

impl DateInputError {
    /// The message for a date field.
    pub fn message(&self) -> String {
        match self {
            Self::Empty => "日付を入力してください。".into(),
            Self::Unrecognized => {
                "日付として読めません。例: 2024-03-01、令和6年3月1日、R6.3.1".into()
            }
            Self::NoSuchDate => "存在しない日付です。月と日を確認してください。".into(),
            Self::EraOutOfRange(era) => {
                format!("{}の期間外の日付です（{}）。", era.name(), era.span_ja())
            }
        }
    }

    /// The message for a month field ([`parse_month_input`]).
    pub fn month_message(&self) -> String {
        match self {
            Self::Empty => "年月を入力してください。".into(),
            Self::Unrecognized => "年月として読めません。例: 2024-03、令和6年3月、R6.3".into(),
            Self::NoSuchDate => "存在しない月です。".into(),
            Self::EraOutOfRange(era) => {
                format!("{}の期間外の年月です（{}）。", era.name(), era.span_ja())
            }
        }
    }
}

impl std::fmt::Display for DateInputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for DateInputError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Era(Era),
    /// Value and number of digits.
    Num(u32, usize),
    /// 元 (元年).
    Gan,
    Sep(char),
}

/// 全角 → ASCII, dash look-alikes → '-', letters upper-cased, whitespace dropped.
fn normalize(input: &str) -> String {
    input
        .chars()
        .filter_map(|c| {
            let c = match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '\u{2010}'..='\u{2015}' | '\u{2212}' | 'ー' | 'ｰ' => '-',
                _ => c,
            };
            (!c.is_whitespace()).then(|| c.to_ascii_uppercase())
        })
        .collect()
}

fn tokenize(s: &str) -> Option<Vec<Tok>> {
    let mut toks = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_digit() {
            let len = rest
                .find(|ch: char| !ch.is_ascii_digit())
                .unwrap_or(rest.len());
            if len > 8 {
                return None;
            }
            toks.push(Tok::Num(rest[..len].parse().ok()?, len));
            rest = &rest[len..];
            continue;
        }
        if let Some(era) = ERAS.iter().copied().find(|e| rest.starts_with(e.name())) {
            toks.push(Tok::Era(era));
            rest = &rest[era.name().len()..];
            continue;
        }
        toks.push(match c {
            '-' | '/' | '.' | '年' | '月' | '日' => Tok::Sep(c),
            '元' => Tok::Gan,
            '㋿' => Tok::Era(Era::Reiwa),
            '㍻' => Tok::Era(Era::Heisei),
            '㍼' => Tok::Era(Era::Showa),
            '㍽' => Tok::Era(Era::Taisho),
            '㍾' => Tok::Era(Era::Meiji),
            _ => Tok::Era(ERAS.iter().copied().find(|e| e.initial() == c)?),
        });
        rest = &rest[c.len_utf8()..];
    }
    Some(toks)
}

/// Splits `year sep num [sep num] [suffix]` into the year token and the numbers after
/// it. Separators are either one of `-` `/` `.` throughout, or 年 月 (日).
fn fields(toks: &[Tok]) -> Option<(Tok, Vec<(u32, usize)>)> {
    let (&year, mut toks) = toks.split_first()?;
    let kanji = matches!(toks.first(), Some(Tok::Sep('年')));
    let mut nums = Vec::new();
    let mut ascii_sep = None;
    while let Some((&Tok::Sep(sep), after)) = toks.split_first() {
        let expected = if kanji {
            ['年', '月', '日'].get(nums.len()).copied()
        } else {
            Some(*ascii_sep.get_or_insert(sep)).filter(|c| matches!(c, '-' | '/' | '.'))
        };
        if expected != Some(sep) {
            return None;
        }
        match after.split_first() {
            Some((&Tok::Num(v, len), more)) => {
                nums.push((v, len));
                toks = more;
            }
            None if kanji => toks = after,
            _ => return None,
        }
    }
    toks.is_empty().then_some((year, nums))
}

/// Either an era and its year, or a 4-digit 西暦 year.
enum Year {
    Era(Era, u32),
    Western(i32),
}

/// Recognizes `[era] year (separators) numbers`, returning the year and the 1–2 digit
/// numbers that follow it. Compact forms (20240301, R060301, 202403, R0603) are split
/// into two-digit fields.
fn split_input(s: &str, count: usize) -> Result<(Year, Vec<u32>), DateInputError> {
    use DateInputError::Unrecognized;
    let toks = tokenize(s).ok_or(Unrecognized)?;
    let (era, rest) = match toks.split_first() {
        Some((Tok::Era(era), rest)) => (Some(*era), rest),
        _ => (None, toks.as_slice()),
    };
    let compact = |v: u32| {
        (0..count)
            .rev()
            .map(|i| v / 100u32.pow(i as u32) % 100)
            .collect()
    };
    match (era, rest) {
        (None, [Tok::Num(v, len)]) if *len == 4 + 2 * count => {
            let y = *v / 100u32.pow(count as u32);
            Ok((Year::Western(y as i32), compact(*v)))
        }
        (Some(era), [Tok::Num(v, len)]) if *len == 2 + 2 * count => {
            Ok((Year::Era(era, *v / 100u32.pow(count as u32)), compact(*v)))
        }
        _ => {
            let (year, nums) = fields(rest).ok_or(Unrecognized)?;
            if nums.len() != count || nums.iter().any(|(_, len)| *len > 2) {
                return Err(Unrecognized);
            }
            let nums = nums.into_iter().map(|(v, _)| v).collect();
            match (era, year) {
                (Some(era), Tok::Gan) => Ok((Year::Era(era, 1), nums)),
                (Some(era), Tok::Num(v, 1..=2)) => Ok((Year::Era(era, v), nums)),
                (None, Tok::Num(v, 4)) => Ok((Year::Western(v as i32), nums)),
                _ => Err(Unrecognized),
            }
        }
    }
}

/// The 西暦 year of an era year; `None` for year 0.
fn gregorian_year(era: Era, year: u32) -> Option<i32> {
    (year >= 1).then(|| era.start().year() + year as i32 - 1)
}

/// Normalizes, rejects empty input, and accepts the display format
/// "令和6年3月1日 (2024/03/01)" when both halves agree.
fn parse_input<T: PartialEq>(
    input: &str,
    parse: fn(&str) -> Result<T, DateInputError>,
) -> Result<T, DateInputError> {
    let s = normalize(input);
    if s.is_empty() {
        return Err(DateInputError::Empty);
    }
    let Some((outer, inner)) = s.strip_suffix(')').and_then(|s| s.split_once('(')) else {
        return parse(&s);
    };
    let value = parse(outer)?;
    if parse(inner)? == value {
        Ok(value)
    } else {
        Err(DateInputError::Unrecognized)
    }
}

fn parse_date_normalized(s: &str) -> Result<NaiveDate, DateInputError> {
    use DateInputError::*;
    let (year, nums) = split_input(s, 2)?;
    let (month, day) = (nums[0], nums[1]);
    match year {
        Year::Western(y) => NaiveDate::from_ymd_opt(y, month, day).ok_or(NoSuchDate),
        Year::Era(era, y) => {
            let gy = gregorian_year(era, y).ok_or(EraOutOfRange(era))?;
            let date = NaiveDate::from_ymd_opt(gy, month, day).ok_or(NoSuchDate)?;
            if era.contains(date) {
                Ok(date)
            } else {
                Err(EraOutOfRange(era))
            }
        }
    }
}

/// Parse what people type: 2024-03-01, 2024/3/1, 20240301, 2024年3月1日, 令和6年3月1日,
/// 令和元年5月1日, R6.3.1, R6/3/1, r06.03.01, R060301, H31.4.30, S40.1.2, 昭和40年1月2日,
/// ㋿6年3月1日, with 全角 digits/letters and spaces accepted. The display format
/// "令和6年3月1日 (2024/03/01)" is accepted too when both halves agree.
/// An era date past the era's end (e.g. 平成31年5月1日) or before its start is
/// [`DateInputError::EraOutOfRange`].
pub fn parse_date_input(input: &str) -> Result<NaiveDate, DateInputError> {
    parse_input(input, parse_date_normalized)
}

fn parse_month_normalized(s: &str) -> Result<(i32, u32), DateInputError> {
    use DateInputError::*;
    let (year, nums) = split_input(s, 1)?;
    let month = nums[0];
    if !(1..=12).contains(&month) {
        return Err(NoSuchDate);
    }
    match year {
        Year::Western(y) => Ok((y, month)),
        Year::Era(era, y) => {
            let gy = gregorian_year(era, y).ok_or(EraOutOfRange(era))?;
            let first = NaiveDate::from_ymd_opt(gy, month, 1).ok_or(NoSuchDate)?;
            let last = first
                .checked_add_months(chrono::Months::new(1))
                .and_then(|d| d.pred_opt())
                .ok_or(NoSuchDate)?;
            // The month must share at least one day with the era (1989-01 is both
            // 昭和64年1月 and 平成元年1月; 2019-04 is not 令和).
            if era.contains(first) || era.contains(last) {
                Ok((gy, month))
            } else {
                Err(EraOutOfRange(era))
            }
        }
    }
}

/// Parse a month: 2024-03, 2024/3, 202403, 2024年3月, 令和6年3月, 令和元年5月, R6.3,
/// R0603 → (year, month). The display format "令和6年3月 (2024/03)" is accepted too.
pub fn parse_month_input(input: &str) -> Result<(i32, u32), DateInputError> {
    parse_input(input, parse_month_normalized)
}

#[cfg(test)]
mod tests {
    use super::*;
    use DateInputError::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        ymd(y, m, day)
    }

    #[test]
    fn wareki_year_of_a_date() {
        assert_eq!(format_wareki_year(d(2023, 6, 1)), "令和5年");
        assert_eq!(format_wareki_year(d(2019, 5, 1)), "令和元年");
        assert_eq!(format_wareki_year(d(2019, 4, 30)), "平成31年");
        assert_eq!(format_wareki_year(d(1914, 5, 6)), "大正3年");
    }

    #[test]
    fn eras() {
        assert!(ERAS.iter().enumerate().all(|(i, e)| ERA_TABLE[i].0 == *e));
        assert_eq!((Era::Reiwa.name(), Era::Reiwa.initial()), ("令和", 'R'));
        assert_eq!((Era::Meiji.name(), Era::Meiji.initial()), ("明治", 'M'));
        assert_eq!(Era::Heisei.start(), d(1989, 1, 8));
        assert_eq!(Era::Heisei.next(), Some(Era::Reiwa));
        assert_eq!(Era::Reiwa.next(), None);
    }

    #[test]
    fn formatting() {
        fn check(date: NaiveDate, expected: &str) {
            assert_eq!(format_wareki(date), expected, "{date}");
        }
        check(d(1868, 1, 24), "1868年1月24日");
        check(d(1868, 1, 25), "明治元年1月25日");
        check(d(1912, 7, 29), "明治45年7月29日");
        check(d(1912, 7, 30), "大正元年7月30日");
        check(d(1926, 12, 24), "大正15年12月24日");
        check(d(1926, 12, 25), "昭和元年12月25日");
        check(d(1965, 1, 2), "昭和40年1月2日");
        check(d(1989, 1, 7), "昭和64年1月7日");
        check(d(1989, 1, 8), "平成元年1月8日");
        check(d(1990, 1, 1), "平成2年1月1日");
        check(d(2019, 4, 30), "平成31年4月30日");
        check(d(2019, 5, 1), "令和元年5月1日");
        check(d(2024, 3, 1), "令和6年3月1日");
        check(d(2024, 12, 31), "令和6年12月31日");

        assert_eq!(to_wareki(d(1868, 1, 24)), None);
        let w = to_wareki(d(1989, 1, 7)).map(|w| (w.era, w.year, w.month, w.day));
        assert_eq!(w, Some((Era::Showa, 64, 1, 7)));
        assert_eq!(format_date(d(2024, 3, 1)), "令和6年3月1日 (2024/03/01)");
        assert_eq!(format_date(d(2019, 5, 1)), "令和元年5月1日 (2019/05/01)");
        assert_eq!(format_month(2024, 3), "令和6年3月 (2024/03)");
        assert_eq!(format_month(2019, 4), "平成31年4月 (2019/04)");
        assert_eq!(format_month(2019, 5), "令和元年5月 (2019/05)");
        assert_eq!(format_month(1989, 1), "昭和64年1月 (1989/01)");
        assert_eq!(format_month(1989, 2), "平成元年2月 (1989/02)");
        assert_eq!(format_month(2024, 13), "2024/13");
        assert_eq!(format_iso_date("2024-03-01"), "令和6年3月1日 (2024/03/01)");
        let bad = [
            "",
            "2024-3-1",
            "2024-02-30",
            "2024-03-01T0",
            "令和6年",
            " 2024-03-01",
        ];
        assert!(bad.iter().all(|b| format_iso_date(b) == *b));
        // The dates the server and the card write, and only those: what
        // `parse_from_str(…, "%Y-%m-%d")` gave for them, without its format-string parser.
        for iso in [
            "2024-02-29",
            "2024-03-01",
            "1926-12-25",
            "0001-01-01",
            "9999-12-31",
        ] {
            assert_eq!(
                parse_iso_date(iso),
                NaiveDate::parse_from_str(iso, "%Y-%m-%d").ok(),
                "{iso}"
            );
            assert!(parse_iso_date(iso).is_some(), "{iso}");
        }
        for wrong in bad
            .iter()
            .chain(&["2023-02-29", "2024-00-10", "2024-13-01", "+2024-01-01"])
        {
            assert_eq!(parse_iso_date(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn parse_dates() {
        fn check(input: &str, expected: Result<NaiveDate, DateInputError>) {
            assert_eq!(parse_date_input(input), expected, "{input:?}");
        }
        let mar1 = Ok(d(2024, 3, 1));
        check("2024-03-01", mar1.clone());
        check("2024/3/1", mar1.clone());
        check("2024.3.1", mar1.clone());
        check("20240301", mar1.clone());
        check("2024年3月1日", mar1.clone());
        check("令和6年3月1日", mar1.clone());
        check("令和6年3月1", mar1.clone());
        check("R6.3.1", mar1.clone());
        check("R6/3/1", mar1.clone());
        check("R6-3-1", mar1.clone());
        check("r06.03.01", mar1.clone());
        check("R060301", mar1.clone());
        check("㋿6年3月1日", mar1.clone());
        check("２０２４－０３－０１", mar1.clone());
        check("２０２４ー０３ー０１", mar1.clone());
        check("令和６年３月１日", mar1.clone());
        check("ｒ６．３．１", mar1.clone());
        check("Ｒ６／３／１", mar1.clone());
        check(" 令和 6 年 3 月 1 日　", mar1.clone());
        check("令和6年3月1日 (2024/03/01)", mar1.clone());
        check("令和６年３月１日（２０２４/０３/０１）", mar1);
        check("令和元年5月1日", Ok(d(2019, 5, 1)));
        check("R1.5.1", Ok(d(2019, 5, 1)));
        check("R元.5.1", Ok(d(2019, 5, 1)));
        check("H31.4.30", Ok(d(2019, 4, 30)));
        check("平成31年4月30日", Ok(d(2019, 4, 30)));
        check("H元.1.8", Ok(d(1989, 1, 8)));
        check("S64.1.7", Ok(d(1989, 1, 7)));
        check("S40.1.2", Ok(d(1965, 1, 2)));
        check("昭和40年1月2日", Ok(d(1965, 1, 2)));
        check("㍼40年1月2日", Ok(d(1965, 1, 2)));
        check("T15.12.24", Ok(d(1926, 12, 24)));
        check("M45.7.29", Ok(d(1912, 7, 29)));
        check("2024-02-29", Ok(d(2024, 2, 29)));

        check("", Err(Empty));
        check("　 ", Err(Empty));
        check("abc", Err(Unrecognized));
        check("2024-03", Err(Unrecognized));
        check("24/3/1", Err(Unrecognized));
        check("2024/3-1", Err(Unrecognized));
        check("2024年3/1", Err(Unrecognized));
        check("2024-03-01T09:00", Err(Unrecognized));
        check("2024-003-01", Err(Unrecognized));
        check("R6", Err(Unrecognized));
        check("X6.3.1", Err(Unrecognized));
        check("6.3.1", Err(Unrecognized));
        check("R123.3.1", Err(Unrecognized));
        check("2024年元月1日", Err(Unrecognized));
        check("123456789", Err(Unrecognized));
        check("令和6年3月1日 (2024/03/02)", Err(Unrecognized));
        check("2023-02-29", Err(NoSuchDate));
        check("2024-13-01", Err(NoSuchDate));
        check("2024-00-10", Err(NoSuchDate));
        check("R6.2.30", Err(NoSuchDate));
        check("平成31年5月1日", Err(EraOutOfRange(Era::Heisei)));
        check("H32.1.1", Err(EraOutOfRange(Era::Heisei)));
        check("令和元年4月30日", Err(EraOutOfRange(Era::Reiwa)));
        check("S64.1.8", Err(EraOutOfRange(Era::Showa)));
        check("H0.1.1", Err(EraOutOfRange(Era::Heisei)));
        check("明治元年1月1日", Err(EraOutOfRange(Era::Meiji)));
    }

    #[test]
    fn parse_months() {
        fn check(input: &str, expected: Result<(i32, u32), DateInputError>) {
            assert_eq!(parse_month_input(input), expected, "{input:?}");
        }
        check("2024-03", Ok((2024, 3)));
        check("2024/3", Ok((2024, 3)));
        check("202403", Ok((2024, 3)));
        check("2024年3月", Ok((2024, 3)));
        check("令和6年3月", Ok((2024, 3)));
        check("R6.3", Ok((2024, 3)));
        check("R0603", Ok((2024, 3)));
        check("ｒ６．３", Ok((2024, 3)));
        check("令和6年3月 (2024/03)", Ok((2024, 3)));
        check("令和元年5月", Ok((2019, 5)));
        check("平成31年4月", Ok((2019, 4)));
        check("昭和64年1月", Ok((1989, 1)));
        check("平成元年1月", Ok((1989, 1)));
        check("", Err(Empty));
        check("2024-03-01", Err(Unrecognized));
        check("R6", Err(Unrecognized));
        check("2024-13", Err(NoSuchDate));
        check("R6.0", Err(NoSuchDate));
        check("平成31年5月", Err(EraOutOfRange(Era::Heisei)));
        check("令和元年4月", Err(EraOutOfRange(Era::Reiwa)));
        check("昭和64年2月", Err(EraOutOfRange(Era::Showa)));
    }

    #[test]
    fn display_format_round_trips() {
        let mut date = d(1900, 1, 1);
        while date < d(2031, 1, 1) {
            assert_eq!(parse_date_input(&format_date(date)), Ok(date));
            assert_eq!(parse_date_input(&format_wareki(date)), Ok(date));
            let month = (date.year(), date.month());
            assert_eq!(
                parse_month_input(&format_month(month.0, month.1)),
                Ok(month)
            );
            date = date + chrono::Days::new(13);
        }
    }

    #[test]
    fn messages() {
        assert_eq!(
            Unrecognized.message(),
            "日付として読めません。例: 2024-03-01、令和6年3月1日、R6.3.1"
        );
        for e in [Empty, Unrecognized, NoSuchDate, EraOutOfRange(Era::Showa)] {
            assert!(!e.message().is_empty() && !e.month_message().is_empty());
            assert_eq!(e.to_string(), e.message());
        }
        // The message names the era typed and its span (S64.1.8 is 平成元年1月8日).
        assert_eq!(
            EraOutOfRange(Era::Showa).message(),
            "昭和の期間外の日付です（昭和元年12月25日から昭和64年1月7日まで）。"
        );
        assert_eq!(
            EraOutOfRange(Era::Reiwa).message(),
            "令和の期間外の日付です（令和元年5月1日から）。"
        );
        // Every era from 明治 is read, on its boundaries.
        for (typed, iso) in [
            ("大正14年3月1日", "1925-03-01"),
            ("T15.12.24", "1926-12-24"),
            ("大正元年7月30日", "1912-07-30"),
            ("明治45年7月29日", "1912-07-29"),
            ("M33.1.1", "1900-01-01"),
            ("昭和元年12月25日", "1926-12-25"),
        ] {
            assert_eq!(
                parse_date_input(typed).map(|d| d.to_string()),
                Ok(iso.to_string()),
                "{typed}"
            );
        }
        assert_eq!(
            parse_date_input("大正15年12月25日"),
            Err(EraOutOfRange(Era::Taisho))
        );
    }
}
