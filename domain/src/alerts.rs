//! The office's alerts (issue 13 item 1): what the daily feed of a day tells the 福祉事務所 at
//! once, derived with the screening's own rules (`crate::screening::screen`):
//! - 未委託受診: the day's verifications of 資格有効性 6 that no ticket naming the institution
//!   covers — one alert per recipient, institution and date;
//! - 頻回受診: recipients whose visit days at one institution, counting the month up to and
//!   including the day, meet the 頻回受診候補 rule (d(M) ≥ [`MONTH_DAYS`] and the three-month
//!   total ≥ [`THREE_MONTH_DAYS`]) — one alert per recipient, institution and month, whose
//!   days and dates grow as later days are built.
//!
//! [`derive`] is pure: the server reads the month (M−2..M) of the day into a
//! [`ScreeningInput`] and stores what it returns, keyed by [`AlertDraft::key`] so that a
//! rebuilt day never adds an alert twice.
//!
//! [`MONTH_DAYS`]: crate::screening::MONTH_DAYS
//! [`THREE_MONTH_DAYS`]: crate::screening::THREE_MONTH_DAYS

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::screening::{self, Category, ScreeningInput};

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A visit with 資格有効性 6 (未委託・未登録) on the day.
    Unentrusted,
    /// The month-to-date 頻回受診候補 rule reached at one institution.
    FrequentVisits,
}

impl AlertKind {
    pub const ALL: [AlertKind; 2] = [AlertKind::Unentrusted, AlertKind::FrequentVisits];

    /// The code as stored (`unentrusted`, `frequent_visits`).
    pub fn code(self) -> &'static str {
        match self {
            AlertKind::Unentrusted => "unentrusted",
            AlertKind::FrequentVisits => "frequent_visits",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            AlertKind::Unentrusted => "未委託受診",
            AlertKind::FrequentVisits => "頻回受診（月の受診日数）",
        }
    }

    /// The screening 区分 a follow-up recorded from this alert carries.
    pub fn category(self) -> Category {
        match self {
            AlertKind::Unentrusted => Category::Unentrusted,
            AlertKind::FrequentVisits => Category::Frequent,
        }
    }
}

/// One alert as derived from a day, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDraft {
    pub kind: AlertKind,
    pub recipient_number: String,
    pub recipient_name: String,
    pub institution_code: String,
    pub institution_name: String,
    /// The month of the day, `YYYY-MM`.
    pub month: String,
    /// The day whose feed found it.
    pub date: NaiveDate,
    /// 未委託受診: the day; 頻回受診: the visit days of the month so far at the institution.
    pub dates: Vec<NaiveDate>,
    /// The number of `dates` (d(M) so far for 頻回受診).
    pub days_in_month: u32,
    /// 頻回受診: d(M) + d(M−1) + d(M−2); none for 未委託受診.
    pub days_in_three_months: Option<u32>,
}

impl AlertDraft {
    /// What makes an alert the same alert when a day is built again (unique per office):
    /// 未委託受診 per recipient, institution and date; 頻回受診 per recipient, institution and
    /// month.
    pub fn key(&self) -> String {
        match self.kind {
            AlertKind::Unentrusted => format!(
                "{}:{}:{}:{}",
                self.kind.code(),
                self.recipient_number,
                self.institution_code,
                self.date
            ),
            AlertKind::FrequentVisits => format!(
                "{}:{}:{}:{}",
                self.kind.code(),
                self.recipient_number,
                self.institution_code,
                self.month
            ),
        }
    }
}

/// The alerts of `date` from `input`, an office's months M−2..M where M is the month of
/// `date` (`InputBuilder::for_month`): verifications after `date` are left out, so the
/// answer is the same whenever the day is built. Sorted by kind, 受給者番号, 医療機関コード.
pub fn derive(input: &ScreeningInput, date: NaiveDate) -> Vec<AlertDraft> {
    derive_where(input, date, |_| true)
}

/// What building `date` brings: [`derive`] for the recipients with a verification of
/// 資格有効性 1 or 6 on `date` only — the same alerts, each as [`derive`] finds it, for those
/// recipients.
///
/// No other recipient can bring anything new. A 未委託受診 alert of `date` needs a
/// verification of 資格有効性 6 on `date`; the screening reads each recipient's own
/// verifications and tickets only, and counts only 資格有効性 1 and 6, so any other recipient
/// has the rows it had on its last such day up to `date`, and its 頻回受診 alert (same key,
/// same days and dates) was found when that day was built. The daily feed therefore reads and screens only the day's recipients
/// (`input` may hold just them) instead of every recipient of the month.
pub fn derive_day(input: &ScreeningInput, date: NaiveDate) -> Vec<AlertDraft> {
    let Some(day) = day_number(input, date) else {
        return Vec::new();
    };
    let mut verified = vec![false; input.recipients.len()];
    for v in input
        .verifications
        .iter()
        .filter(|v| v.day == day && v.validity.is_eligible())
    {
        if let Some(seen) = verified.get_mut(v.recipient as usize) {
            *seen = true;
        }
    }
    derive_where(input, date, |r| {
        verified.get(r as usize).copied().unwrap_or(false)
    })
}

fn day_number(input: &ScreeningInput, date: NaiveDate) -> Option<u16> {
    u16::try_from((date - input.start).num_days()).ok()
}

/// [`derive`] over the recipients (indices) `keep` accepts.
fn derive_where(
    input: &ScreeningInput,
    date: NaiveDate,
    keep: impl Fn(u32) -> bool,
) -> Vec<AlertDraft> {
    let month = screening::month_of(date);
    let Some(last) = day_number(input, date) else {
        return Vec::new();
    };
    let upto = ScreeningInput {
        office: input.office.clone(),
        start: input.start,
        recipients: input.recipients.clone(),
        institutions: input.institutions.clone(),
        injuries: input.injuries.clone(),
        verifications: input
            .verifications
            .iter()
            .filter(|v| v.day <= last && keep(v.recipient))
            .copied()
            .collect(),
        tickets: input
            .tickets
            .iter()
            .filter(|t| keep(t.recipient))
            .cloned()
            .collect(),
    };
    let result = screening::screen(&upto, month);
    let mut drafts: Vec<AlertDraft> = result
        .rows
        .into_iter()
        .filter_map(|row| {
            let (kind, dates, days, total) = match row.category {
                Category::Unentrusted if row.dates.contains(&date) => {
                    (AlertKind::Unentrusted, vec![date], 1, None)
                }
                Category::Frequent => (
                    AlertKind::FrequentVisits,
                    row.dates,
                    row.days_in_month,
                    row.days_in_three_months,
                ),
                _ => return None,
            };
            Some(AlertDraft {
                kind,
                recipient_number: row.recipient_number,
                recipient_name: row.recipient_name,
                institution_code: row.institution_code,
                institution_name: row.institution_name,
                month: result.month.clone(),
                date,
                dates,
                days_in_month: days,
                days_in_three_months: total,
            })
        })
        .collect();
    drafts.sort_by(|a, b| {
        (a.kind, &a.recipient_number, &a.institution_code).cmp(&(
            b.kind,
            &b.recipient_number,
            &b.institution_code,
        ))
    });
    drafts
}

/// Dates as stored: `YYYY-MM-DD` joined by commas.
pub fn dates_text(dates: &[NaiveDate]) -> String {
    dates
        .iter()
        .map(NaiveDate::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// [`dates_text`] read back; unreadable entries are left out.
pub fn parse_dates(text: &str) -> Vec<NaiveDate> {
    text.split(',')
        .filter_map(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .collect()
}

/// Does a ticket naming `institution` from `from` to `until` settle an open alert? Only a
/// 未委託受診 at that institution whose every visit day the ticket covers (事後委託); a
/// 頻回受診 alert asks for a judgement, not a ticket.
pub fn ticket_settles(
    kind: AlertKind,
    alert_institution: &str,
    dates: &[NaiveDate],
    institution: &str,
    from: NaiveDate,
    until: NaiveDate,
) -> bool {
    kind == AlertKind::Unentrusted
        && alert_institution == institution
        && !dates.is_empty()
        && dates.iter().all(|d| from <= *d && *d <= until)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::codes::QualificationValidity::{Valid, ValidUnregistered};
    use crate::screening::InputBuilder;

    const A: &str = "1234566";
    const B: &str = "0000018";
    const CLINIC: &str = "1311234569";
    const OTHER: &str = "1312234568";

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// A visits CLINIC 20 days in March and April and every weekday of May from the 1st;
    /// B visits OTHER unentrusted on May 10 and 13 (a ticket covers the 13th).
    fn input() -> ScreeningInput {
        let mut b = InputBuilder::for_month("12345678", (2024, 5));
        b.recipient(A, "佐藤　一郎");
        b.recipient(B, "鈴木　花子");
        b.institution(CLINIC, "みなと台中央病院");
        b.institution(OTHER, "さくら内科");
        for (m, days) in [(3, 1..=20), (4, 1..=20)] {
            for d in days {
                b.verification(A, CLINIC, date(2024, m, d), Valid);
            }
        }
        for d in 1..=31 {
            b.verification(A, CLINIC, date(2024, 5, d), Valid);
        }
        b.verification(B, OTHER, date(2024, 5, 10), ValidUnregistered);
        b.verification(B, OTHER, date(2024, 5, 13), ValidUnregistered);
        b.ticket(
            B,
            OTHER,
            date(2024, 5, 13),
            date(2024, 5, 31),
            &["急性胃腸炎"],
        );
        b.build()
    }

    #[test]
    fn the_day_of_an_unentrusted_visit_alerts_that_visit_only() {
        let input = input();
        let on_10 = derive(&input, date(2024, 5, 10));
        assert_eq!(on_10.len(), 1, "{on_10:?}");
        let alert = &on_10[0];
        assert_eq!(alert.kind, AlertKind::Unentrusted);
        assert_eq!(
            (
                alert.recipient_number.as_str(),
                alert.recipient_name.as_str()
            ),
            (B, "鈴木　花子")
        );
        assert_eq!(alert.institution_name, "さくら内科");
        assert_eq!(alert.dates, vec![date(2024, 5, 10)]);
        assert_eq!(alert.key(), format!("unentrusted:{B}:{OTHER}:2024-05-10"));
        // The day after has no new 未委託; the 13th is covered by a ticket (事後委託).
        assert!(derive(&input, date(2024, 5, 11)).is_empty());
        assert!(derive(&input, date(2024, 5, 13))
            .iter()
            .all(|a| a.kind != AlertKind::Unentrusted));
    }

    #[test]
    fn the_visit_rule_counts_the_month_up_to_the_day() {
        let input = input();
        // 14 days by the 14th: not yet (d(M) ≥ 15 is the rule).
        assert!(derive(&input, date(2024, 5, 14)).is_empty());
        let on_15 = derive(&input, date(2024, 5, 15));
        assert_eq!(on_15.len(), 1, "{on_15:?}");
        let alert = &on_15[0];
        assert_eq!(alert.kind, AlertKind::FrequentVisits);
        assert_eq!(alert.days_in_month, 15);
        assert_eq!(alert.days_in_three_months, Some(55));
        assert_eq!(alert.dates.first(), Some(&date(2024, 5, 1)));
        assert_eq!(alert.dates.last(), Some(&date(2024, 5, 15)));
        assert_eq!(alert.key(), format!("frequent_visits:{A}:{CLINIC}:2024-05"));
        // A later day is the same alert (same key) with more days.
        let on_20 = derive(&input, date(2024, 5, 20));
        assert_eq!(on_20[0].key(), alert.key());
        assert_eq!(on_20[0].days_in_month, 20);
    }

    #[test]
    fn short_intensive_treatment_is_not_an_alert() {
        let mut b = InputBuilder::for_month("12345678", (2024, 5));
        for d in 1..=16 {
            b.verification(A, CLINIC, date(2024, 5, d), Valid);
        }
        assert!(derive(&b.build(), date(2024, 5, 20)).is_empty());
    }

    /// An office of 40 recipients over March–May 2024 from a fixed pseudo-random sequence:
    /// every fourth a regular of CLINIC (20 days in March and April, most weekdays of May:
    /// 頻回受診 by mid-May, then days without a visit), every fourth but one a May-only
    /// regular (短期集中), the rest a few visits anywhere, some of 資格有効性 6 (未委託), 2 or 4,
    /// and 事後委託 tickets covering part of May at OTHER.
    fn generated() -> ScreeningInput {
        let mut seed: u64 = 0x5eed_a1e7;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        const DENTAL: &str = "1331234567";
        const PHARMACY: &str = "1341234566";
        let places = [CLINIC, OTHER, DENTAL, PHARMACY];
        let mut b = InputBuilder::for_month("12345678", (2024, 5));
        for (code, name) in [
            (CLINIC, "みなと台中央病院"),
            (OTHER, "さくら内科"),
            (DENTAL, "あおば歯科"),
            (PHARMACY, "ひかり薬局"),
        ] {
            b.institution(code, name);
        }
        for k in 0..40u32 {
            let number = format!("{:07}", 1_000 + k);
            b.recipient(&number, &format!("受給者{k}"));
            let months = [(3, 31), (4, 30), (5, 31)];
            for (m, last) in months {
                for d in 1..=last {
                    let day = date(2024, m, d);
                    let visits = match k % 4 {
                        0 if m < 5 => d <= 20,
                        0 | 1 if m == 5 => next(10) < 7,
                        _ => next(10) == 0,
                    };
                    if !visits {
                        continue;
                    }
                    let (place, validity) = match k % 4 {
                        0 | 1 => (CLINIC, Valid),
                        _ => {
                            let place = places[next(4) as usize];
                            let validity = match next(10) {
                                0..=2 => ValidUnregistered,
                                3 => crate::codes::QualificationValidity::Invalid,
                                4 => crate::codes::QualificationValidity::NotFound,
                                _ => Valid,
                            };
                            (place, validity)
                        }
                    };
                    b.verification(&number, place, day, validity);
                }
            }
            if k % 3 == 0 {
                let from = 1 + u32::try_from(next(20)).unwrap();
                b.ticket(
                    &number,
                    OTHER,
                    date(2024, 5, from),
                    date(2024, 5, from + 10),
                    &["急性胃腸炎"],
                );
            }
        }
        b.build()
    }

    #[test]
    fn the_days_recipients_bring_every_alert_the_day_can_bring() {
        let input = generated();
        // The alert of each key as the day-by-day derivation last found (stored) it.
        let mut stored: std::collections::HashMap<String, AlertDraft> = Default::default();
        let mut carried = 0;
        for date in date(2024, 5, 1).iter_days().take(31) {
            let day = u16::try_from((date - input.start).num_days()).unwrap();
            let verified: std::collections::HashSet<&str> = input
                .verifications
                .iter()
                .filter(|v| v.day == day && v.validity.is_eligible())
                .map(|v| input.recipients[v.recipient as usize].number.as_str())
                .collect();
            let whole = derive(&input, date);
            let of_day = derive_day(&input, date);
            // The day's recipients: exactly what the whole office's derivation finds for them.
            let expected: Vec<AlertDraft> = whole
                .iter()
                .filter(|a| verified.contains(a.recipient_number.as_str()))
                .cloned()
                .collect();
            assert_eq!(of_day, expected, "{date}");
            // Everyone else: an alert already found on an earlier day, the same but its day.
            for alert in whole
                .iter()
                .filter(|a| !verified.contains(a.recipient_number.as_str()))
            {
                let earlier = stored
                    .get(&alert.key())
                    .unwrap_or_else(|| panic!("{date}: {alert:?} was never found"));
                assert!(earlier.date < date);
                assert_eq!(
                    &AlertDraft {
                        date,
                        ..earlier.clone()
                    },
                    alert
                );
                carried += 1;
            }
            for alert in of_day {
                stored.insert(alert.key(), alert);
            }
        }
        let kinds: std::collections::HashSet<AlertKind> = stored.values().map(|a| a.kind).collect();
        assert_eq!(kinds.len(), 2, "both kinds found: {kinds:?}");
        assert!(
            carried > 0,
            "some days had 頻回受診 of recipients not verified that day"
        );
    }

    #[test]
    fn dates_round_trip_as_text() {
        let dates = vec![date(2024, 5, 1), date(2024, 5, 2)];
        assert_eq!(dates_text(&dates), "2024-05-01,2024-05-02");
        assert_eq!(parse_dates(&dates_text(&dates)), dates);
        assert!(parse_dates("").is_empty());
    }

    #[test]
    fn kinds_round_trip_as_codes() {
        for kind in AlertKind::ALL {
            assert_eq!(AlertKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(AlertKind::from_code("other"), None);
    }

    #[test]
    fn a_ticket_settles_an_unentrusted_visit_it_covers_at_its_institution_only() {
        let day = [date(2024, 5, 10)];
        let may = (date(2024, 5, 1), date(2024, 5, 31));
        let settles = |kind, at: &str, dates: &[NaiveDate], (from, until)| {
            ticket_settles(kind, at, dates, CLINIC, from, until)
        };
        assert!(settles(AlertKind::Unentrusted, CLINIC, &day, may));
        assert!(settles(
            AlertKind::Unentrusted,
            CLINIC,
            &day,
            (date(2024, 5, 10), date(2024, 5, 10))
        ));
        // Another institution, a day outside, no day, or a 頻回受診 alert: not settled.
        assert!(!settles(AlertKind::Unentrusted, OTHER, &day, may));
        assert!(!settles(
            AlertKind::Unentrusted,
            CLINIC,
            &day,
            (date(2024, 5, 11), date(2024, 5, 31))
        ));
        assert!(!settles(AlertKind::Unentrusted, CLINIC, &[], may));
        assert!(!settles(AlertKind::FrequentVisits, CLINIC, &day, may));
    }
}
