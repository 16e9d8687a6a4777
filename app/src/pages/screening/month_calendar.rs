//! One month of one institution as a calendar grid (日〜土), each day with a mark in text
//! as well as colour: ○ a day with a verification, 未 未委託, 事 事後委託.

use chrono::{Datelike, NaiveDate};
use domain::screening::EvidenceMonth;
use leptos::prelude::*;

use crate::format::year_month;

const WEEKDAYS: [&str; 7] = ["日", "月", "火", "水", "木", "金", "土"];

/// What a day of the grid shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    None,
    Visit,
    Unentrusted,
    Retroactive,
}

impl Mark {
    fn of(month: &EvidenceMonth, day: u8) -> Mark {
        if month.unentrusted.contains(&day) {
            Mark::Unentrusted
        } else if month.retroactive.contains(&day) {
            Mark::Retroactive
        } else if month.days.contains(&day) {
            Mark::Visit
        } else {
            Mark::None
        }
    }

    /// (class, visible mark, words for screen readers)
    fn parts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Mark::None => ("cal-day", "", ""),
            Mark::Visit => ("cal-day cal-visit", "○", "受診"),
            Mark::Unentrusted => ("cal-day cal-unentrusted", "未", "未委託の受診"),
            Mark::Retroactive => ("cal-day cal-retroactive", "事", "事後委託の受診"),
        }
    }
}

/// Weeks of the month: `None` for the blanks before day 1 and after the last day.
fn weeks(year: i32, month: u32) -> Vec<[Option<u8>; 7]> {
    let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
        return Vec::new();
    };
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    let last = next.and_then(|n| n.pred_opt()).map_or(28, |d| d.day());
    let offset = first.weekday().num_days_from_sunday() as usize;
    let mut out = Vec::new();
    let mut week = [None; 7];
    for day in 1..=last {
        let slot = (offset + day as usize - 1) % 7;
        if let Some(cell) = week.get_mut(slot) {
            *cell = u8::try_from(day).ok();
        }
        if slot == 6 {
            out.push(week);
            week = [None; 7];
        }
    }
    if week.iter().any(Option::is_some) {
        out.push(week);
    }
    out
}

#[component]
pub fn MonthCalendar(month: EvidenceMonth) -> impl IntoView {
    let Some((year, month_number)) = year_month(&month.month) else {
        return ().into_any();
    };
    let caption = format!("{}年{}月（{}日）", year, month_number, month.days.len());
    let rows = weeks(year, month_number)
        .into_iter()
        .map(|week| {
            let cells = week
                .into_iter()
                .map(|day| match day {
                    None => view! { <td class="cal-blank"></td> }.into_any(),
                    Some(day) => {
                        let (class, mark, words) = Mark::of(&month, day).parts();
                        view! {
                            <td class=class data-day=day>
                                <span class="cal-number">{day}</span>
                                <span class="cal-mark" aria-hidden="true">{mark}</span>
                                {(!words.is_empty()).then(|| view! {
                                    <span class="visually-hidden">{format!("日 {words}")}</span>
                                })}
                            </td>
                        }
                        .into_any()
                    }
                })
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view();
    view! {
        <table class="month-calendar" data-testid="month-calendar" data-month=month.month.clone()>
            <caption>{caption}</caption>
            <thead>
                <tr>{WEEKDAYS.iter().map(|w| view! { <th scope="col" abbr=format!("{w}曜日")>{*w}</th> }).collect_view()}</tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_sunday_and_hold_every_day() {
        // 2026-10-01 is a Thursday.
        let w = weeks(2026, 10);
        assert_eq!(w[0], [None, None, None, None, Some(1), Some(2), Some(3)]);
        let days: Vec<u8> = w.iter().flatten().flatten().copied().collect();
        assert_eq!(days, (1..=31).collect::<Vec<u8>>());
        assert_eq!(weeks(2024, 2).iter().flatten().flatten().count(), 29);
    }
}
