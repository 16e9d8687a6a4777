//! The eligibility verdict: THE one function that decides 資格有効性 for a verification at a
//! 指定医療機関 or 指定薬局 (product.md §2 III, `domain-reference.md` §3.3, §4.3).
//!
//! The server calls it for card and number-entry verifications and for queued offline
//! verifications it receives later; the browser calls it (in WebAssembly) on its cached
//! roster when the server cannot be reached; the onshi XML endpoint calls it too. So an
//! answer never depends on where it was computed, only on the data it was given.
//!
//! Rules, in order:
//! 1. no recipient with these numbers, or the entered 生年月日 differs from the record's →
//!    4 該当資格なし (the two are indistinguishable: never reveal that a number exists);
//! 2. the date is in none of the covered periods of the office's 資格 history (each
//!    資格取得日..=資格喪失日, both inclusive: the 停止・廃止日 itself is still covered) →
//!    3 無効（新しい資格あり） when the same person holds 資格 on that date at another office
//!    (転居), else 2 無効;
//! 3. at least one ticket names this institution (a 調剤券 names the pharmacy, never the
//!    prescriber) and covers the date → 1 有効 with exactly those tickets
//!    (指定医療機関確認フラグ 0);
//! 4. otherwise → 6 有効（未登録）, shown as 「未委託・未登録」, with no ticket at all.
//!
//! A 事後委託 ticket (registered after the visit) counts like any other: it covers the
//! dates of its 有効期間, whenever it was registered.

use chrono::NaiveDate;

use crate::codes::QualificationValidity;
use crate::numbers::InstitutionCode;
use crate::qualification::{periods_of_pair, CoveredPeriod};
use crate::ticket::Ticket;

/// What the 被保護者台帳 says about the person the numbers name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qualification {
    /// 生年月日 as registered.
    pub birth_date: NaiveDate,
    /// The covered periods at the office whose numbers were entered (or whose record the
    /// card found), derived from its 資格 history (`QualificationHistory::periods`).
    pub periods: Vec<CoveredPeriod>,
    /// The same person's covered periods at other offices (after a 転居). A date covered
    /// there and not here answers 3 無効（新しい資格あり）. Never their numbers.
    pub elsewhere: Vec<CoveredPeriod>,
}

impl Qualification {
    /// A record known only by its 資格取得日/資格喪失日 pair.
    pub fn from_pair(
        birth_date: NaiveDate,
        from: Option<NaiveDate>,
        until: Option<NaiveDate>,
    ) -> Self {
        Self {
            birth_date,
            periods: periods_of_pair(from, until),
            elsewhere: Vec::new(),
        }
    }

    /// Does the person hold 医療扶助 資格 on `date` at this office?
    pub fn is_qualified_on(&self, date: NaiveDate) -> bool {
        self.periods.iter().any(|p| p.covers(date))
    }

    /// Does the person hold 資格 on `date` at another office?
    pub fn is_qualified_elsewhere_on(&self, date: NaiveDate) -> bool {
        self.elsewhere.iter().any(|p| p.covers(date))
    }
}

/// The verdict and what it lets the institution see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub validity: QualificationValidity,
    /// The tickets naming this institution that cover the date, in the order given.
    /// Empty unless `validity` is 1 有効.
    pub tickets: Vec<Ticket>,
}

/// Decide eligibility for a verification at `institution` on `date` (a JST calendar date).
///
/// `person`: the record the entered numbers name, `None` when no recipient has them.
/// `entered_birth_date`: what the receptionist typed (for a card, the record's own).
/// `tickets`: the person's tickets (any institution, any month; only the ones in force —
/// cancelled tickets are left out by the caller).
pub fn decide(
    person: Option<&Qualification>,
    entered_birth_date: NaiveDate,
    tickets: &[Ticket],
    institution: &InstitutionCode,
    date: NaiveDate,
) -> Decision {
    let none = |validity| Decision {
        validity,
        tickets: Vec::new(),
    };
    let Some(person) = person.filter(|p| p.birth_date == entered_birth_date) else {
        return none(QualificationValidity::NotFound);
    };
    if !person.is_qualified_on(date) {
        return none(if person.is_qualified_elsewhere_on(date) {
            QualificationValidity::InvalidNewQualification
        } else {
            QualificationValidity::Invalid
        });
    }
    let mine: Vec<Ticket> = tickets
        .iter()
        .filter(|t| t.names(institution) && t.covers(date))
        .cloned()
        .collect();
    if mine.is_empty() {
        none(QualificationValidity::ValidUnregistered)
    } else {
        Decision {
            validity: QualificationValidity::Valid,
            tickets: mine,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::codes::{Presence, SingleOrCombined, TicketType, TreatmentType};
    use crate::qualification::{QualificationHistory, QualificationKind};
    use QualificationValidity::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn code(s: &str) -> InstitutionCode {
        InstitutionCode::parse(s).unwrap()
    }

    const CLINIC: &str = "1311234569";
    const PHARMACY: &str = "1341234563";

    fn other_clinic() -> String {
        InstitutionCode::from_body("131123457")
            .unwrap()
            .as_str()
            .to_string()
    }

    /// A ticket for `inst` valid `from..=until` (a 調剤券 when `inst` is a pharmacy,
    /// prescribed by CLINIC).
    fn ticket(issue: &str, inst: &str, from: &str, until: &str) -> Ticket {
        let institution_code = code(inst);
        let pharmacy = institution_code.score_table() == crate::numbers::ScoreTable::Pharmacy;
        Ticket {
            ticket_type: if pharmacy {
                TicketType::Dispensing
            } else {
                TicketType::Medical
            },
            issue_number: issue.into(),
            treatment_month: from[..7].into(),
            valid_from: d(from),
            valid_until: d(until),
            institution_code,
            institution_name: "名称".into(),
            prescriber_code: pharmacy.then(|| code(CLINIC)),
            prescriber_name: pharmacy.then(|| "テスト内科".into()),
            treatment_type: if pharmacy {
                TreatmentType::Dispensing
            } else {
                TreatmentType::Outpatient
            },
            injury_names: if pharmacy {
                vec![]
            } else {
                vec!["高血圧症".into()]
            },
            self_pay_amount: 0,
            single_or_combined: SingleOrCombined::Single,
            social_insurance: Presence::No,
            infection_law: Presence::No,
            elderly_care: Presence::No,
            prefectural_expense: Presence::No,
            district_contact: "山川 太郎".into(),
            handling_contact: "福祉 一郎".into(),
            remarks: vec![],
            retroactive_reason: None,
        }
    }

    fn person(from: Option<&str>, until: Option<&str>) -> Qualification {
        Qualification::from_pair(d("1960-04-01"), from.map(d), until.map(d))
    }

    /// One case: who, what was typed, which tickets exist, where and when → verdict and
    /// the issue numbers of the tickets shown.
    #[allow(clippy::too_many_arguments)]
    fn check(
        name: &str,
        who: Option<Qualification>,
        birth: &str,
        tickets: &[Ticket],
        at: &str,
        date: &str,
        want: QualificationValidity,
        want_tickets: &[&str],
    ) {
        let got = decide(who.as_ref(), d(birth), tickets, &code(at), d(date));
        let issues: Vec<&str> = got
            .tickets
            .iter()
            .map(|t| t.issue_number.as_str())
            .collect();
        assert_eq!(
            (got.validity, issues.as_slice()),
            (want, want_tickets),
            "{name}"
        );
        if want != Valid {
            assert!(got.tickets.is_empty(), "{name}: only 1 shows tickets");
        }
    }

    /// (name, record, entered 生年月日, tickets, institution, date, verdict, tickets shown)
    type Case<'a> = (
        &'a str,
        Option<Qualification>,
        &'a str,
        Vec<Ticket>,
        &'a str,
        &'a str,
        QualificationValidity,
        Vec<&'a str>,
    );

    #[test]
    fn verdict_table() {
        let open = || Some(person(Some("2024-03-10"), None));
        let closed = || Some(person(Some("2024-03-10"), Some("2024-04-20")));
        let other = other_clinic();
        // March: clinic 3/1–3/31 (but 資格 from 3/10), April: clinic 4/5–4/20.
        let march = ticket("M1", CLINIC, "2024-03-01", "2024-03-31");
        let april = ticket("A1", CLINIC, "2024-04-05", "2024-04-20");
        let april_other = ticket("A2", &other, "2024-04-01", "2024-04-30");
        let april_pharmacy = ticket("A3", PHARMACY, "2024-04-05", "2024-04-20");
        let april_second = ticket("A4", CLINIC, "2024-04-01", "2024-04-30");
        let retro = Ticket {
            retroactive_reason: Some("夜間の急病".into()),
            ..ticket("R1", &other, "2024-04-10", "2024-04-10")
        };
        let all = [
            march.clone(),
            april.clone(),
            april_other.clone(),
            april_pharmacy.clone(),
        ];
        #[rustfmt::skip]
        let cases: Vec<Case> = vec![
            ("no record", None, "1960-04-01", all.to_vec(), CLINIC, "2024-04-10", NotFound, vec![]),
            ("no record, no tickets", None, "1960-04-01", vec![], CLINIC, "2024-04-10", NotFound, vec![]),
            ("wrong birth date", open(), "1960-04-02", all.to_vec(), CLINIC, "2024-04-10", NotFound, vec![]),
            ("wrong birth date, disqualified", closed(), "1961-04-01", all.to_vec(), CLINIC, "2024-05-01", NotFound, vec![]),
            ("no 資格取得日", Some(person(None, None)), "1960-04-01", all.to_vec(), CLINIC, "2024-04-10", Invalid, vec![]),
            ("day before 資格取得日", open(), "1960-04-01", all.to_vec(), CLINIC, "2024-03-09", Invalid, vec![]),
            ("first day of 資格", open(), "1960-04-01", all.to_vec(), CLINIC, "2024-03-10", Valid, vec!["M1"]),
            ("last day of 資格 (喪失日 inclusive)", closed(), "1960-04-01", all.to_vec(), CLINIC, "2024-04-20", Valid, vec!["A1"]),
            ("day after 資格喪失日", closed(), "1960-04-01", all.to_vec(), CLINIC, "2024-04-21", Invalid, vec![]),
            ("disqualified, ticket still covers", closed(), "1960-04-01", vec![april_second.clone()], CLINIC, "2024-04-25", Invalid, vec![]),
            ("day before ticket", open(), "1960-04-01", vec![april.clone()], CLINIC, "2024-04-04", ValidUnregistered, vec![]),
            ("first day of ticket", open(), "1960-04-01", vec![april.clone()], CLINIC, "2024-04-05", Valid, vec!["A1"]),
            ("last day of ticket", open(), "1960-04-01", vec![april.clone()], CLINIC, "2024-04-20", Valid, vec!["A1"]),
            ("day after ticket", open(), "1960-04-01", vec![april.clone()], CLINIC, "2024-04-21", ValidUnregistered, vec![]),
            ("last month's ticket", open(), "1960-04-01", vec![march.clone()], CLINIC, "2024-04-01", ValidUnregistered, vec![]),
            ("no tickets at all", open(), "1960-04-01", vec![], CLINIC, "2024-04-10", ValidUnregistered, vec![]),
            ("only another institution's ticket", open(), "1960-04-01", vec![april_other.clone()], CLINIC, "2024-04-10", ValidUnregistered, vec![]),
            ("the other institution sees its own", open(), "1960-04-01", all.to_vec(), &other, "2024-04-10", Valid, vec!["A2"]),
            ("pharmacy sees its 調剤券", open(), "1960-04-01", all.to_vec(), PHARMACY, "2024-04-10", Valid, vec!["A3"]),
            ("pharmacy without 調剤券", open(), "1960-04-01", vec![april.clone()], PHARMACY, "2024-04-10", ValidUnregistered, vec![]),
            ("prescriber does not match on a 調剤券", open(), "1960-04-01", vec![april_pharmacy.clone()], CLINIC, "2024-04-10", ValidUnregistered, vec![]),
            ("two tickets here, in order", open(), "1960-04-01", vec![april_second.clone(), april.clone(), april_other.clone()], CLINIC, "2024-04-10", Valid, vec!["A4", "A1"]),
            ("事後委託 covers its day", open(), "1960-04-01", vec![retro.clone()], &other, "2024-04-10", Valid, vec!["R1"]),
            ("事後委託 covers only its day", open(), "1960-04-01", vec![retro.clone()], &other, "2024-04-11", ValidUnregistered, vec![]),
        ];
        for (name, who, birth, tickets, at, date, want, want_tickets) in cases {
            check(name, who, birth, &tickets, at, date, want, &want_tickets);
        }
    }

    /// A record whose 資格 comes from a history of decisions here and, after a 転居, there.
    fn history(
        here: &[(QualificationKind, &str)],
        there: &[(QualificationKind, &str)],
    ) -> Qualification {
        let periods = |events: &[(QualificationKind, &str)]| {
            QualificationHistory::new(events.iter().map(|(k, s)| (*k, d(s))).collect()).periods()
        };
        Qualification {
            birth_date: d("1960-04-01"),
            periods: periods(here),
            elsewhere: periods(there),
        }
    }

    #[test]
    fn verdict_over_histories() {
        use QualificationKind::*;
        let tickets = [
            ticket("J1", CLINIC, "2024-01-01", "2024-01-31"),
            ticket("F1", CLINIC, "2024-02-01", "2024-02-29"),
            ticket("M1", CLINIC, "2024-03-01", "2024-03-31"),
            ticket("A1", CLINIC, "2024-04-01", "2024-04-30"),
        ];
        // 開始 1/1 → 停止 1/31 → 再開 3/1
        let suspended = history(
            &[
                (Start, "2024-01-01"),
                (Suspend, "2024-01-31"),
                (Restart, "2024-03-01"),
            ],
            &[],
        );
        // 開始 1/1 → 廃止 1/31 → 開始 3/1
        let reopened = history(
            &[
                (Start, "2024-01-01"),
                (Abolish, "2024-01-31"),
                (Start, "2024-03-01"),
            ],
            &[],
        );
        // 開始 1/1 → 停止 1/15 → 廃止 1/31 (the 停止日 stays the 喪失日)
        let suspended_then_abolished = history(
            &[
                (Start, "2024-01-01"),
                (Suspend, "2024-01-15"),
                (Abolish, "2024-01-31"),
            ],
            &[],
        );
        // 転居: here 開始 1/1 → 廃止 2/29; there 開始 3/1
        let moved = history(
            &[(Start, "2024-01-01"), (Abolish, "2024-02-29")],
            &[(Start, "2024-03-01")],
        );
        // 転居 and the new office has 廃止 too
        let moved_and_ended = history(
            &[(Start, "2024-01-01"), (Abolish, "2024-02-29")],
            &[(Start, "2024-03-01"), (Abolish, "2024-03-31")],
        );
        #[rustfmt::skip]
        let cases: Vec<(&str, &Qualification, &str, QualificationValidity, Vec<&str>)> = vec![
            ("停止→再開: day before 開始", &suspended, "2023-12-31", Invalid, vec![]),
            ("停止→再開: 開始日", &suspended, "2024-01-01", Valid, vec!["J1"]),
            ("停止→再開: earlier period, inside", &suspended, "2024-01-20", Valid, vec!["J1"]),
            ("停止→再開: 停止日 is still covered", &suspended, "2024-01-31", Valid, vec!["J1"]),
            ("停止→再開: day after 停止日 (gap)", &suspended, "2024-02-01", Invalid, vec![]),
            ("停止→再開: gap, last day", &suspended, "2024-02-29", Invalid, vec![]),
            ("停止→再開: 再開日", &suspended, "2024-03-01", Valid, vec!["M1"]),
            ("停止→再開: later", &suspended, "2024-04-15", Valid, vec!["A1"]),
            ("廃止→開始: earlier period", &reopened, "2024-01-10", Valid, vec!["J1"]),
            ("廃止→開始: 廃止日", &reopened, "2024-01-31", Valid, vec!["J1"]),
            ("廃止→開始: gap", &reopened, "2024-02-10", Invalid, vec![]),
            ("廃止→開始: new 開始日", &reopened, "2024-03-01", Valid, vec!["M1"]),
            ("停止→廃止: 停止日", &suspended_then_abolished, "2024-01-15", Valid, vec!["J1"]),
            ("停止→廃止: after 停止, before 廃止", &suspended_then_abolished, "2024-01-20", Invalid, vec![]),
            ("転居: before, at the old office", &moved, "2024-02-29", Valid, vec!["F1"]),
            ("転居: new office's 開始日 → 3", &moved, "2024-03-01", InvalidNewQualification, vec![]),
            ("転居: later → 3", &moved, "2024-04-10", InvalidNewQualification, vec![]),
            ("転居: before any 資格 → 2", &moved, "2023-12-01", Invalid, vec![]),
            ("転居, new office ended: covered there → 3", &moved_and_ended, "2024-03-31", InvalidNewQualification, vec![]),
            ("転居, new office ended: after → 2", &moved_and_ended, "2024-04-01", Invalid, vec![]),
        ];
        for (name, who, date, want, want_tickets) in cases {
            check(
                name,
                Some(who.clone()),
                "1960-04-01",
                &tickets,
                CLINIC,
                date,
                want,
                &want_tickets,
            );
        }
        // The birth date is checked first: a wrong one never reveals a 転居.
        check(
            "転居, wrong birth date",
            Some(moved.clone()),
            "1960-04-02",
            &tickets,
            CLINIC,
            "2024-04-10",
            NotFound,
            &[],
        );
    }

    #[test]
    fn verdict_ticket_contents_are_passed_through() {
        let t = ticket("A1", PHARMACY, "2024-04-01", "2024-04-30");
        let got = decide(
            Some(&person(Some("2020-01-01"), None)),
            d("1960-04-01"),
            std::slice::from_ref(&t),
            &code(PHARMACY),
            d("2024-04-15"),
        );
        assert_eq!(got.tickets, vec![t]);
        assert_eq!(
            got.tickets[0]
                .prescriber_code
                .as_ref()
                .map(InstitutionCode::as_str),
            Some(CLINIC)
        );
    }
}
