//! 受診状況 of one recipient (issue 13, product.md §1.2.3 健康管理支援): the verifications of
//! the last months grouped by month, institution and JST day, each day with the tickets that
//! cover it. Pure: the server reads the rows and passes `today` in.
//!
//! A day at an institution is:
//! - 資格なし when no verification that day found 資格 (資格有効性 2, 3, 4);
//! - 未委託・未登録 when one did (1 or 6) but no active ticket naming the institution holds
//!   the day in its 有効期間 (a 6 nobody followed up, or a ticket cancelled since);
//! - 事後委託 when a 6 is now covered by a ticket (issued after the visit);
//! - 医療券あり otherwise.
//!
//! Visit days are counted as the 頻回受診 screening counts them (`crate::screening`): distinct
//! days with 資格有効性 1 or 6 at a 医科・歯科 institution.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};

use crate::api::{VisitCoverage, VisitDay, VisitInstitution, VisitMonth, VisitTicket};
use crate::codes::QualificationValidity;
use crate::error::FieldError;
use crate::numbers::ScoreTable;
use crate::ticket::{month_bounds, month_of, Ticket};

/// Months shown when `?months=` is absent: this month and the two before (the screening's
/// three months).
pub const VISIT_MONTHS_DEFAULT: u32 = 3;
/// At most a year.
pub const VISIT_MONTHS_MAX: u32 = 12;
/// The name of the `months` parameter in errors.
pub const FIELD_VISIT_MONTHS: &str = "表示する月数";

/// Parses `?months=`: absent or blank → [`VISIT_MONTHS_DEFAULT`]; 1..=[`VISIT_MONTHS_MAX`]
/// (全角 digits accepted).
pub fn parse_visit_months(raw: Option<&str>) -> Result<u32, FieldError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(VISIT_MONTHS_DEFAULT);
    };
    let digits: String = raw
        .chars()
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            c => c,
        })
        .collect();
    let number = digits
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| digits.parse::<u32>().ok())
        .flatten();
    match number {
        Some(n) if (1..=VISIT_MONTHS_MAX).contains(&n) => Ok(n),
        _ => Err(FieldError::new(
            FIELD_VISIT_MONTHS,
            format!("表示する月数は1から{VISIT_MONTHS_MAX}までの数字にしてください（「{}」は指定できません）。", raw.chars().take(20).collect::<String>()),
        )),
    }
}

/// The first day of the month `back` months before the month of `today`.
pub fn first_month(today: NaiveDate, back: u32) -> NaiveDate {
    let index = today.year() * 12 + i32::try_from(today.month0()).unwrap_or(0)
        - i32::try_from(back).unwrap_or(0);
    let month = u32::try_from(index.rem_euclid(12)).unwrap_or(0) + 1;
    NaiveDate::from_ymd_opt(index.div_euclid(12), month, 1).unwrap_or(today)
}

/// One stored verification, as the calendar needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRecord {
    pub institution_code: String,
    /// The JST date of the verification.
    pub date: NaiveDate,
    pub validity: QualificationValidity,
}

/// One of the recipient's active tickets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRecord {
    pub id: i64,
    pub ticket: Ticket,
}

fn score_table(code: &str) -> Option<ScoreTable> {
    let digit = code.as_bytes().get(2)?.checked_sub(b'0')?;
    ScoreTable::from_code(digit)
}

/// The months `today`'s month and the `months − 1` before it, newest first, each with its
/// institutions (by code) and days. `names`: institution names by code (a ticket's name is
/// used when absent, else the code).
pub fn visit_months(
    today: NaiveDate,
    months: u32,
    records: &[VisitRecord],
    tickets: &[TicketRecord],
    names: &HashMap<String, String>,
) -> Vec<VisitMonth> {
    (0..months.max(1))
        .map(|back| month_view(&month_of(first_month(today, back)), records, tickets, names))
        .collect()
}

fn month_view(
    month: &str,
    records: &[VisitRecord],
    tickets: &[TicketRecord],
    names: &HashMap<String, String>,
) -> VisitMonth {
    let (first, last) = month_bounds(month).unwrap_or_default();
    let label = domain_month_label(first);
    // institution → date → (verifications, results)
    let mut by_place: BTreeMap<&str, BTreeMap<NaiveDate, (u32, BTreeSet<QualificationValidity>)>> =
        BTreeMap::new();
    for r in records.iter().filter(|r| first <= r.date && r.date <= last) {
        let day = by_place
            .entry(r.institution_code.as_str())
            .or_default()
            .entry(r.date)
            .or_default();
        day.0 += 1;
        day.1.insert(r.validity);
    }
    let in_month: Vec<&TicketRecord> = tickets
        .iter()
        .filter(|t| t.ticket.valid_from <= last && first <= t.ticket.valid_until)
        .collect();
    for t in &in_month {
        by_place
            .entry(t.ticket.institution_code.as_str())
            .or_default();
    }
    let mut visit_dates = BTreeSet::new();
    let mut unentrusted_dates = BTreeSet::new();
    let institutions = by_place
        .into_iter()
        .map(|(code, days)| {
            let mut own: Vec<&TicketRecord> = in_month
                .iter()
                .copied()
                .filter(|t| t.ticket.institution_code.as_str() == code)
                .collect();
            own.sort_by(|a, b| {
                (a.ticket.valid_from, &a.ticket.issue_number)
                    .cmp(&(b.ticket.valid_from, &b.ticket.issue_number))
            });
            let counted = score_table(code).is_some_and(ScoreTable::counts_as_visit);
            let days: Vec<VisitDay> = days
                .into_iter()
                .map(|(date, (verifications, results))| {
                    let covered_by: Vec<String> = own
                        .iter()
                        .filter(|t| t.ticket.covers(date))
                        .map(|t| t.ticket.issue_number.clone())
                        .collect();
                    let eligible = results.iter().any(|v| v.is_eligible());
                    let coverage = if !eligible {
                        VisitCoverage::NotEligible
                    } else if covered_by.is_empty() {
                        VisitCoverage::Unentrusted
                    } else if results.contains(&QualificationValidity::ValidUnregistered) {
                        VisitCoverage::Retroactive
                    } else {
                        VisitCoverage::Covered
                    };
                    if eligible && counted {
                        visit_dates.insert(date);
                    }
                    if coverage == VisitCoverage::Unentrusted {
                        unentrusted_dates.insert(date);
                    }
                    VisitDay {
                        date: date.to_string(),
                        day: date.day(),
                        verifications,
                        results: results
                            .into_iter()
                            .map(|v| v.screen_label_ja().to_string())
                            .collect(),
                        coverage,
                        covered_by,
                    }
                })
                .collect();
            let name = names
                .get(code)
                .cloned()
                .or_else(|| own.first().map(|t| t.ticket.institution_name.clone()))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| code.to_string());
            VisitInstitution {
                institution_code: code.to_string(),
                institution_name: name,
                score_table: score_table(code)
                    .map(|t| t.label_ja().to_string())
                    .unwrap_or_default(),
                counted,
                days,
                tickets: own
                    .iter()
                    .map(|t| VisitTicket {
                        ticket_id: t.id,
                        issue_number: t.ticket.issue_number.clone(),
                        ticket_type_label: t.ticket.ticket_type.label_ja().to_string(),
                        treatment_type_label: t.ticket.treatment_type.label_ja().to_string(),
                        valid_from: t.ticket.valid_from.to_string(),
                        valid_until: t.ticket.valid_until.to_string(),
                        retroactive: t.ticket.retroactive_reason.is_some(),
                    })
                    .collect(),
            }
        })
        .collect();
    VisitMonth {
        month: month.to_string(),
        label,
        visit_days: u32::try_from(visit_dates.len()).unwrap_or(u32::MAX),
        unentrusted_days: u32::try_from(unentrusted_dates.len()).unwrap_or(u32::MAX),
        institutions,
    }
}

fn domain_month_label(first: NaiveDate) -> String {
    crate::wareki::format_month(first.year(), first.month())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::codes::{Presence, SingleOrCombined, TicketType, TreatmentType};
    use crate::numbers::InstitutionCode;

    const CLINIC: &str = "1311234569";
    const PHARMACY: &str = "1341234563";

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn seen(code: &str, m: u32, d: u32, validity: QualificationValidity) -> VisitRecord {
        VisitRecord {
            institution_code: code.to_string(),
            date: date(m, d),
            validity,
        }
    }

    fn ticket(id: i64, code: &str, from: NaiveDate, until: NaiveDate, late: bool) -> TicketRecord {
        TicketRecord {
            id,
            ticket: Ticket {
                ticket_type: TicketType::Medical,
                issue_number: format!("2026{id:06}"),
                treatment_month: month_of(from),
                valid_from: from,
                valid_until: until,
                institution_code: InstitutionCode::parse(code).unwrap(),
                institution_name: "券の名前".to_string(),
                prescriber_code: None,
                prescriber_name: None,
                treatment_type: TreatmentType::Outpatient,
                injury_names: Vec::new(),
                self_pay_amount: 0,
                single_or_combined: SingleOrCombined::Single,
                social_insurance: Presence::No,
                infection_law: Presence::No,
                elderly_care: Presence::No,
                prefectural_expense: Presence::No,
                district_contact: String::new(),
                handling_contact: String::new(),
                remarks: Vec::new(),
                retroactive_reason: late.then(|| "夜間の急病".to_string()),
            },
        }
    }

    #[test]
    fn months_parameter() {
        assert_eq!(parse_visit_months(None), Ok(3));
        assert_eq!(parse_visit_months(Some(" ")), Ok(3));
        assert_eq!(parse_visit_months(Some("１２")), Ok(12));
        for bad in ["0", "13", "-1", "x", "99999999999999999999"] {
            let e = parse_visit_months(Some(bad)).unwrap_err();
            assert_eq!(e.field, FIELD_VISIT_MONTHS, "{bad}");
            assert!(e.message.contains("1から12"), "{bad}");
        }
    }

    #[test]
    fn days_grouped_with_their_tickets_and_unentrusted_marked() {
        use QualificationValidity::*;
        let records = vec![
            seen(CLINIC, 10, 5, Valid),
            seen(CLINIC, 10, 5, Valid),
            seen(CLINIC, 10, 20, ValidUnregistered),
            seen(CLINIC, 10, 21, ValidUnregistered),
            seen(CLINIC, 9, 30, Invalid),
            seen(PHARMACY, 10, 5, Valid),
            seen(PHARMACY, 8, 1, Valid),
        ];
        let tickets = vec![
            ticket(1, CLINIC, date(10, 1), date(10, 19), false),
            ticket(2, CLINIC, date(10, 20), date(10, 20), true),
        ];
        let names = HashMap::from([(CLINIC.to_string(), "テスト内科".to_string())]);
        let months = visit_months(date(11, 3), 3, &records, &tickets, &names);
        let labels: Vec<&str> = months.iter().map(|m| m.month.as_str()).collect();
        assert_eq!(labels, ["2026-11", "2026-10", "2026-09"]);
        assert!(months[0].institutions.is_empty());
        let october = &months[1];
        assert_eq!(october.label, "令和8年10月 (2026/10)");
        // 5, 20, 21 at the clinic; the pharmacy's 5th is not a visit day.
        assert_eq!(october.visit_days, 3);
        // The clinic's 21st and the pharmacy's 5th.
        assert_eq!(october.unentrusted_days, 2);
        let clinic = &october.institutions[0];
        assert_eq!(clinic.institution_name, "テスト内科");
        assert!(clinic.counted);
        assert_eq!(clinic.tickets.len(), 2);
        assert!(clinic.tickets[1].retroactive);
        let marks: Vec<(u32, VisitCoverage, Vec<String>)> = clinic
            .days
            .iter()
            .map(|d| (d.day, d.coverage, d.covered_by.clone()))
            .collect();
        assert_eq!(
            marks,
            vec![
                (5, VisitCoverage::Covered, vec!["2026000001".to_string()]),
                (
                    20,
                    VisitCoverage::Retroactive,
                    vec!["2026000002".to_string()]
                ),
                (21, VisitCoverage::Unentrusted, vec![]),
            ]
        );
        assert_eq!(clinic.days[0].verifications, 2);
        // A pharmacy no ticket names: its eligible day is 未委託, named by its code.
        let pharmacy = &october.institutions[1];
        assert_eq!(pharmacy.institution_name, PHARMACY);
        assert!(!pharmacy.counted);
        assert_eq!(pharmacy.days[0].coverage, VisitCoverage::Unentrusted);
        let september = &months[2];
        assert_eq!(september.visit_days, 0);
        assert_eq!(
            september.institutions[0].days[0].coverage,
            VisitCoverage::NotEligible
        );
        assert_eq!(september.institutions[0].days[0].results, vec!["無効"]);
        // August is outside three months.
        assert!(months.iter().all(|m| m.month != "2026-08"));
        assert_eq!(
            visit_months(date(11, 3), 4, &records, &tickets, &names)[3].month,
            "2026-08"
        );
    }

    #[test]
    fn first_month_crosses_years() {
        assert_eq!(first_month(date(2, 10), 0), date(2, 1));
        assert_eq!(
            first_month(date(2, 10), 3),
            NaiveDate::from_ymd_opt(2025, 11, 1).unwrap()
        );
    }
}
