//! 開庁日 (office open days).
//!
//! 地方自治法 第4条の2: a local body's closed days are Saturdays and Sundays, the
//! holidays of 国民の祝日に関する法律 (祝日法), and the 年末年始 days its 条例 sets
//! (typically 12月29日〜1月3日), and we add office-configured closed days (local
//! holidays such as 沖縄 6/23). See domain-reference.md §8.1.
//!
//! National holidays are computed from the 祝日法 rules, not from a downloaded table:
//! fixed days, the Happy Monday days (2000/2003 on), 春分/秋分 by the usual
//! approximation formula, 振替休日, 国民の休日, and the one-off days (皇室 ceremonies,
//! 2020/2021 Olympic moves). The tests hold the 内閣府 lists for 2019–2026; the rules
//! were also checked once against the whole 内閣府 syukujitsu.csv (1955–2027, every
//! date matches both ways). Names follow the law rather than the CSV's 「休日」.
//! 春分/秋分 are fixed by 官報 only a year ahead, so later years are predictions.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The day of March (`base` = 20.8431) or September (23.2488) of the equinox, by the
/// usual approximation `floor(base + 0.242194 (y − 1980) − floor((y − 1980) / 4))`,
/// valid 1980–2099, with the companion constants for 1900–1979 and 2100–2150.
/// Integer arithmetic in millionths, so every platform agrees.
fn equinox_day(year: i32, spring: bool) -> u32 {
    let y = i64::from(year);
    let (base, leap_correction) = match (year, spring) {
        (..=1979, true) => (20_835_700, (y - 1983) / 4),
        (..=1979, false) => (23_258_800, (y - 1983) / 4),
        (1980..=2099, true) => (20_843_100, (y - 1980).div_euclid(4)),
        (1980..=2099, false) => (23_248_800, (y - 1980).div_euclid(4)),
        (_, true) => (21_851_000, (y - 1980).div_euclid(4)),
        (_, false) => (24_248_800, (y - 1980).div_euclid(4)),
    };
    let micro = base + 242_194 * (y - 1980) - 1_000_000 * leap_correction;
    u32::try_from(micro.div_euclid(1_000_000)).unwrap_or(0)
}

/// A 国民の祝日 itself (the days named in 祝日法 第2条 and the special laws), without
/// 振替休日 and 国民の休日.
fn named_holiday(date: NaiveDate) -> Option<&'static str> {
    let (y, m, d) = (date.year(), date.month(), date.day());
    if (y, m, d) < (1948, 7, 20) {
        return None; // 祝日法 施行
    }
    let monday = |n: u32| date.weekday() == Weekday::Mon && (d - 1) / 7 + 1 == n;
    let name = match (m, d) {
        // One-off days under special laws.
        _ if (y, m, d) == (1959, 4, 10) => "皇太子明仁親王の結婚の儀",
        _ if (y, m, d) == (1989, 2, 24) => "昭和天皇の大喪の礼",
        _ if (y, m, d) == (1990, 11, 12) => "即位礼正殿の儀",
        _ if (y, m, d) == (1993, 6, 9) => "皇太子徳仁親王の結婚の儀",
        _ if (y, m, d) == (2019, 5, 1) => "天皇の即位の日",
        _ if (y, m, d) == (2019, 10, 22) => "即位礼正殿の儀",
        (1, 1) => "元日",
        (1, _) if (y < 2000 && d == 15) || (y >= 2000 && monday(2)) => "成人の日",
        (2, 11) if y >= 1967 => "建国記念の日",
        (2, 23) if y >= 2020 => "天皇誕生日",
        (3, _) if d == equinox_day(y, true) => "春分の日",
        (4, 29) if y <= 1988 => "天皇誕生日",
        (4, 29) if y <= 2006 => "みどりの日",
        (4, 29) => "昭和の日",
        (5, 3) => "憲法記念日",
        (5, 4) if y >= 2007 => "みどりの日",
        (5, 5) => "こどもの日",
        (7, _) if umi_no_hi(y, d, monday(3)) => "海の日",
        (7, 24) if y == 2020 => "スポーツの日",
        (7, 23) if y == 2021 => "スポーツの日",
        (8, _) if yama_no_hi(y, d) => "山の日",
        (9, _) if (1966..=2002).contains(&y) && d == 15 => "敬老の日",
        (9, _) if y >= 2003 && monday(3) => "敬老の日",
        (9, _) if d == equinox_day(y, false) => "秋分の日",
        (10, 10) if (1966..=1999).contains(&y) => "体育の日",
        (10, _) if (2000..=2019).contains(&y) && monday(2) => "体育の日",
        (10, _) if y >= 2022 && monday(2) => "スポーツの日",
        (11, 3) => "文化の日",
        (11, 23) => "勤労感謝の日",
        (12, 23) if (1989..=2018).contains(&y) => "天皇誕生日",
        _ => return None,
    };
    Some(name)
}

/// 海の日: 7/20 from 1996, the 3rd Monday from 2003, moved for the Olympics in 2020/2021.
fn umi_no_hi(y: i32, d: u32, third_monday: bool) -> bool {
    match y {
        2020 => d == 23,
        2021 => d == 22,
        1996..=2002 => d == 20,
        2003.. => third_monday,
        _ => false,
    }
}

/// 山の日: 8/11 from 2016, moved for the Olympics in 2020/2021.
fn yama_no_hi(y: i32, d: u32) -> bool {
    match y {
        2020 => d == 10,
        2021 => d == 8,
        2016.. => d == 11,
        _ => false,
    }
}

/// The national holiday (国民の祝日 / 振替休日 / 国民の休日) on this date, with its name.
pub fn national_holiday(date: NaiveDate) -> Option<&'static str> {
    if let Some(name) = named_holiday(date) {
        return Some(name);
    }
    let (prev, next) = (date.pred_opt()?, date.succ_opt()?);
    // 振替休日 (from 1973-04-12): a 祝日 on Sunday moves to the next day that is not a
    // 祝日 (from 2007; before, only to the Monday).
    let mut day = prev;
    while named_holiday(day).is_some() {
        if day.weekday() == Weekday::Sun
            && (day.year() >= 2007 || (day == prev && day >= ymd(1973, 4, 12)))
        {
            return Some("振替休日");
        }
        day = day.pred_opt()?;
    }
    // 国民の休日 (from 1985-12-27): a day between two 祝日 (before 2007, not a Sunday).
    if named_holiday(prev).is_some()
        && named_holiday(next).is_some()
        && date >= ymd(1985, 12, 27)
        && (date.year() >= 2007 || date.weekday() != Weekday::Sun)
    {
        return Some("国民の休日");
    }
    None
}

/// Every national holiday of a year, in date order.
pub fn holidays_in_year(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return Vec::new();
    };
    first
        .iter_days()
        .take_while(|d| d.year() == year)
        .filter_map(|d| national_holiday(d).map(|name| (d, name)))
        .collect()
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// An office's closed days beyond weekends and national holidays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeCalendar {
    /// First day of 年末年始, (month, day), inclusive. Usually (12, 29).
    pub year_end_from: (u32, u32),
    /// Last day of 年末年始, (month, day), inclusive. Usually (1, 3). The range wraps
    /// the year end when it is earlier than `year_end_from`.
    pub year_end_to: (u32, u32),
    /// Other closed days (local holidays such as 慰霊の日, office-specific closures).
    pub extra_closed: BTreeSet<NaiveDate>,
}

impl Default for OfficeCalendar {
    /// The typical 条例: 12月29日〜1月3日, no other closed days.
    fn default() -> Self {
        Self {
            year_end_from: (12, 29),
            year_end_to: (1, 3),
            extra_closed: BTreeSet::new(),
        }
    }
}

/// `nth_open_day_after` gives up after this many consecutive closed days, so that a
/// calendar configured with no open day at all cannot loop forever.
const MAX_CLOSED_RUN: u32 = 1000;

impl OfficeCalendar {
    fn in_year_end(&self, date: NaiveDate) -> bool {
        let md = (date.month(), date.day());
        let (from, to) = (self.year_end_from, self.year_end_to);
        if from <= to {
            from <= md && md <= to
        } else {
            md >= from || md <= to
        }
    }

    fn reason(&self, date: NaiveDate) -> Option<&'static str> {
        if let Some(name) = national_holiday(date) {
            return Some(name);
        }
        match date.weekday() {
            Weekday::Sat => Some("土曜日"),
            Weekday::Sun => Some("日曜日"),
            _ if self.in_year_end(date) => Some("年末年始"),
            _ if self.extra_closed.contains(&date) => Some("閉庁日（事務所設定）"),
            _ => None,
        }
    }

    /// Not Saturday or Sunday, not a national holiday, not in 年末年始, not an extra
    /// closed day.
    pub fn is_open_day(&self, date: NaiveDate) -> bool {
        self.reason(date).is_none()
    }

    /// The n-th 開庁日 strictly after `date` (n ≥ 1; n = 0 returns `date`).
    /// "Registered within 2 開庁日 of the decision" = due on
    /// `nth_open_day_after(decision, 2)`.
    pub fn nth_open_day_after(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let (mut current, mut found, mut closed_run) = (date, 0, 0);
        while found < n && closed_run < MAX_CLOSED_RUN {
            let Some(next) = current.succ_opt() else {
                break;
            };
            current = next;
            if self.is_open_day(current) {
                found += 1;
                closed_run = 0;
            } else {
                closed_run += 1;
            }
        }
        current
    }

    /// The number of 開庁日 d with `from_exclusive < d <= to_inclusive` (0 if `to` is not
    /// after `from`).
    pub fn open_days_between(&self, from_exclusive: NaiveDate, to_inclusive: NaiveDate) -> u32 {
        let count = from_exclusive
            .iter_days()
            .skip(1)
            .take_while(|d| *d <= to_inclusive)
            .filter(|d| self.is_open_day(*d))
            .count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    /// Why the office is closed on this date: the holiday's name first (元日, 振替休日,
    /// 国民の休日, ...), then "土曜日" / "日曜日", "年末年始", "閉庁日（事務所設定）".
    /// `None` on a 開庁日.
    pub fn closed_reason(&self, date: NaiveDate) -> Option<String> {
        self.reason(date).map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    /// The full year must match the 内閣府 list exactly (a missing or extra day fails).
    fn check_year(year: i32, expected: &str) {
        let actual: Vec<String> = holidays_in_year(year)
            .into_iter()
            .map(|(d, name)| format!("{} {name}", d.format("%m-%d")))
            .collect();
        let words: Vec<&str> = expected.split_whitespace().collect();
        let expected: Vec<String> = words.chunks(2).map(|pair| pair.join(" ")).collect();
        assert_eq!(actual, expected, "{year}");
    }

    #[test]
    fn holidays_by_year() {
        check_year(
            2019,
            "
            01-01 元日  01-14 成人の日  02-11 建国記念の日  03-21 春分の日
            04-29 昭和の日  04-30 国民の休日  05-01 天皇の即位の日  05-02 国民の休日
            05-03 憲法記念日  05-04 みどりの日  05-05 こどもの日  05-06 振替休日
            07-15 海の日  08-11 山の日  08-12 振替休日  09-16 敬老の日
            09-23 秋分の日  10-14 体育の日  10-22 即位礼正殿の儀  11-03 文化の日
            11-04 振替休日  11-23 勤労感謝の日
            ",
        );
        check_year(
            2020,
            "
            01-01 元日  01-13 成人の日  02-11 建国記念の日  02-23 天皇誕生日
            02-24 振替休日  03-20 春分の日  04-29 昭和の日  05-03 憲法記念日
            05-04 みどりの日  05-05 こどもの日  05-06 振替休日  07-23 海の日
            07-24 スポーツの日  08-10 山の日  09-21 敬老の日  09-22 秋分の日
            11-03 文化の日  11-23 勤労感謝の日
            ",
        );
        check_year(
            2021,
            "
            01-01 元日  01-11 成人の日  02-11 建国記念の日  02-23 天皇誕生日
            03-20 春分の日  04-29 昭和の日  05-03 憲法記念日  05-04 みどりの日
            05-05 こどもの日  07-22 海の日  07-23 スポーツの日  08-08 山の日
            08-09 振替休日  09-20 敬老の日  09-23 秋分の日  11-03 文化の日
            11-23 勤労感謝の日
            ",
        );
        check_year(
            2024,
            "
            01-01 元日  01-08 成人の日  02-11 建国記念の日  02-12 振替休日
            02-23 天皇誕生日  03-20 春分の日  04-29 昭和の日  05-03 憲法記念日
            05-04 みどりの日  05-05 こどもの日  05-06 振替休日  07-15 海の日
            08-11 山の日  08-12 振替休日  09-16 敬老の日  09-22 秋分の日
            09-23 振替休日  10-14 スポーツの日  11-03 文化の日  11-04 振替休日
            11-23 勤労感謝の日
            ",
        );
        check_year(
            2025,
            "
            01-01 元日  01-13 成人の日  02-11 建国記念の日  02-23 天皇誕生日
            02-24 振替休日  03-20 春分の日  04-29 昭和の日  05-03 憲法記念日
            05-04 みどりの日  05-05 こどもの日  05-06 振替休日  07-21 海の日
            08-11 山の日  09-15 敬老の日  09-23 秋分の日  10-13 スポーツの日
            11-03 文化の日  11-23 勤労感謝の日  11-24 振替休日
            ",
        );
        check_year(
            2026,
            "
            01-01 元日  01-12 成人の日  02-11 建国記念の日  02-23 天皇誕生日
            03-20 春分の日  04-29 昭和の日  05-03 憲法記念日  05-04 みどりの日
            05-05 こどもの日  05-06 振替休日  07-20 海の日  08-11 山の日
            09-21 敬老の日  09-22 国民の休日  09-23 秋分の日  10-12 スポーツの日
            11-03 文化の日  11-23 勤労感謝の日
            ",
        );
    }

    #[test]
    fn single_days() {
        fn check(day: &str, expected: Option<&str>) {
            assert_eq!(national_holiday(date(day)), expected, "{day}");
        }
        // 2021 Olympic moves: the usual days are ordinary days.
        check("2021-07-19", None);
        check("2021-08-11", None);
        check("2021-10-11", None);
        // 天皇誕生日: none in 2019, 12/23 until 2018.
        check("2019-02-23", None);
        check("2019-12-23", None);
        check("2018-12-23", Some("天皇誕生日"));
        check("2018-12-24", Some("振替休日"));
        // 春分/秋分 as published in 官報.
        check("2022-03-21", Some("春分の日"));
        check("2022-09-23", Some("秋分の日"));
        check("2023-03-21", Some("春分の日"));
        check("2023-09-23", Some("秋分の日"));
        check("2027-03-21", Some("春分の日"));
        check("2027-03-22", Some("振替休日"));
        check("2027-09-23", Some("秋分の日"));
        // Earlier rules.
        check("2000-01-10", Some("成人の日"));
        check("1999-01-15", Some("成人の日"));
        check("2003-07-21", Some("海の日"));
        check("2002-07-20", Some("海の日"));
        check("2002-09-15", Some("敬老の日"));
        check("2003-09-15", Some("敬老の日"));
        check("2006-04-29", Some("みどりの日"));
        check("2006-05-04", Some("国民の休日"));
        check("2008-05-06", Some("振替休日"));
        check("2009-09-22", Some("国民の休日"));
        check("2015-09-22", Some("国民の休日"));
        check("2015-05-06", Some("振替休日"));
        check("2016-08-11", Some("山の日"));
        check("2015-08-11", None);
        check("2017-01-02", Some("振替休日"));
        check("2019-10-14", Some("体育の日"));
        check("1989-02-24", Some("昭和天皇の大喪の礼"));
        check("2024-03-01", None);
    }

    #[test]
    fn closed_reasons() {
        let mut cal = OfficeCalendar::default();
        cal.extra_closed.insert(date("2024-06-24"));
        let check = |day: &str, expected: Option<&str>| {
            assert_eq!(cal.closed_reason(date(day)).as_deref(), expected, "{day}");
            assert_eq!(cal.is_open_day(date(day)), expected.is_none(), "{day}");
        };
        check("2024-12-27", None);
        check("2024-12-28", Some("土曜日"));
        check("2024-12-29", Some("日曜日"));
        check("2024-12-30", Some("年末年始"));
        check("2024-12-31", Some("年末年始"));
        check("2025-01-01", Some("元日"));
        check("2025-01-02", Some("年末年始"));
        check("2025-01-03", Some("年末年始"));
        check("2025-01-06", None);
        check("2024-11-03", Some("文化の日"));
        check("2024-09-23", Some("振替休日"));
        check("2026-09-22", Some("国民の休日"));
        check("2024-06-24", Some("閉庁日（事務所設定）"));
        check("2024-06-25", None);

        // A range that does not wrap (e.g. an お盆 closure) and one ending on 1/4.
        let obon = OfficeCalendar {
            year_end_from: (8, 13),
            year_end_to: (8, 15),
            ..cal.clone()
        };
        assert!(!obon.is_open_day(date("2024-08-13")) && obon.is_open_day(date("2024-08-16")));
        assert!(obon.is_open_day(date("2024-12-30")));
        let osaka = OfficeCalendar {
            year_end_from: (12, 30),
            year_end_to: (1, 4),
            ..cal
        };
        assert!(osaka.is_open_day(date("2025-12-29")) && !osaka.is_open_day(date("2027-01-04")));
    }

    #[test]
    fn open_days() {
        let mut cal = OfficeCalendar::default();
        cal.extra_closed.insert(date("2024-03-05"));
        let check = |from: &str, n: u32, expected: &str| {
            assert_eq!(
                cal.nth_open_day_after(date(from), n),
                date(expected),
                "{from} +{n}"
            );
            assert_eq!(
                cal.open_days_between(date(from), date(expected)),
                n,
                "{from}..{expected}"
            );
        };
        check("2024-03-01", 0, "2024-03-01");
        check("2024-03-01", 1, "2024-03-04"); // Fri → Mon
        check("2024-03-01", 2, "2024-03-06"); // 3/5 is an extra closed day
        check("2024-03-02", 1, "2024-03-04"); // decided on a Saturday
        check("2024-04-26", 1, "2024-04-30"); // 4/29 昭和の日
        check("2024-05-02", 1, "2024-05-07"); // 5/3–5/6 Golden Week
        check("2025-05-02", 2, "2025-05-08");
        check("2024-12-27", 1, "2025-01-06"); // 年末年始 + weekend
        check("2024-12-27", 2, "2025-01-07");
        check("2025-01-10", 1, "2025-01-14"); // 1/13 成人の日
        check("2026-09-18", 1, "2026-09-24"); // Silver Week 9/19–9/23
        assert_eq!(
            cal.open_days_between(date("2024-03-08"), date("2024-03-01")),
            0
        );
        // 262 weekdays − 14 weekday holidays − 4 weekday 年末年始 days − 1 extra closed day.
        assert_eq!(
            cal.open_days_between(date("2024-01-01"), date("2024-12-31")),
            243
        );

        // A calendar with no open day terminates instead of looping.
        let closed = OfficeCalendar {
            year_end_from: (1, 1),
            year_end_to: (12, 31),
            ..cal
        };
        assert!(closed.nth_open_day_after(date("2024-01-01"), 1) > date("2026-01-01"));
    }
}
