//! 資格情報: 保護開始・再開 (資格取得), 停止・廃止 (資格喪失), the order they may come in,
//! and the registration deadline (product.md §2 I: registered within 2 開庁日 of the decision).
//!
//! A recipient's 資格 is the pair 資格取得日..=資格喪失日 (both inclusive, as the verdict
//! reads it). Each registered decision moves that pair; the history of decisions is kept
//! beside it. Recipients imported from a 生活保護システム may have the pair and no history:
//! the pair is then the starting point.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::OfficeCalendar;
use crate::error::FieldError;

/// 資格情報 are registered within this many 開庁日 after the decision.
pub const REGISTRATION_OPEN_DAYS: u32 = 2;

/// A 資格 decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum QualificationKind {
    /// 保護開始 (資格取得).
    Start,
    /// 保護再開 (資格取得, after 停止).
    Restart,
    /// 停止 (資格喪失).
    Suspend,
    /// 廃止 (資格喪失).
    Abolish,
}

impl QualificationKind {
    pub const ALL: [QualificationKind; 4] =
        [Self::Start, Self::Restart, Self::Suspend, Self::Abolish];

    /// As stored: start, restart, suspend, abolish.
    pub fn code(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Restart => "restart",
            Self::Suspend => "suspend",
            Self::Abolish => "abolish",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Start => "保護開始",
            Self::Restart => "保護再開",
            Self::Suspend => "停止",
            Self::Abolish => "廃止",
        }
    }

    /// 開始・再開 give 資格; 停止・廃止 take it away.
    pub fn grants(self) -> bool {
        matches!(self, Self::Start | Self::Restart)
    }
}

/// Where a recipient's 資格 stands after the registered decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum QualificationStatus {
    /// 未登録: no 資格 registered yet.
    None,
    /// 保護中 (資格あり; the 資格取得日 may still be ahead).
    Active,
    /// 停止中.
    Suspended,
    /// 廃止 (or ended, for a record imported with a 資格喪失日).
    Ended,
}

impl QualificationStatus {
    pub fn label_ja(self) -> &'static str {
        match self {
            Self::None => "資格未登録",
            Self::Active => "保護中",
            Self::Suspended => "停止中",
            Self::Ended => "廃止",
        }
    }
}

/// 資格取得日 and 資格喪失日 as stored with the recipient.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QualifiedPeriod {
    pub from: Option<NaiveDate>,
    /// Inclusive: the person is still covered on this day.
    pub until: Option<NaiveDate>,
}

impl QualifiedPeriod {
    /// Holds 資格 on `date` (both ends inclusive, as `verdict` decides).
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.from
            .is_some_and(|from| from <= date && self.until.is_none_or(|until| date <= until))
    }

    /// Today's status of a recipient, from the stored pair only (for lists).
    pub fn status_on(&self, today: NaiveDate) -> QualificationStatus {
        match (self.from, self.until) {
            (None, _) => QualificationStatus::None,
            (Some(_), Some(until)) if until < today => QualificationStatus::Ended,
            _ => QualificationStatus::Active,
        }
    }
}

/// One covered period of 資格 at one office: 資格取得日 (保護開始・再開日) ..= 資格喪失日
/// (停止・廃止日, inclusive; `None` while 保護 continues).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CoveredPeriod {
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

impl CoveredPeriod {
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.from <= date && self.until.is_none_or(|until| date <= until)
    }
}

/// A person's 資格 at one office as a history: every registered 開始・停止・再開・廃止 (oldest
/// first, as registered), from which the covered periods are derived. A decision never
/// replaces an earlier one, so a date inside an earlier period stays covered after a
/// 停止→再開 or a 廃止→開始.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct QualificationHistory {
    pub decisions: Vec<(QualificationKind, NaiveDate)>,
}

impl QualificationHistory {
    pub fn new(decisions: Vec<(QualificationKind, NaiveDate)>) -> Self {
        Self { decisions }
    }

    /// The covered periods, oldest first. Decisions are checked in order when they are
    /// registered ([`QualificationState::apply`]); read here, an out-of-order decision is
    /// taken as leniently as it can be (a second 開始 while covered starts nothing new, a
    /// 廃止 after a 停止 keeps the 停止日).
    pub fn periods(&self) -> Vec<CoveredPeriod> {
        let mut out: Vec<CoveredPeriod> = Vec::new();
        for &(kind, effective) in &self.decisions {
            let open = out.last_mut().filter(|p| p.until.is_none());
            match (kind.grants(), open) {
                (true, Some(_)) => {}
                (true, None) => out.push(CoveredPeriod {
                    from: effective,
                    until: None,
                }),
                (false, Some(p)) => p.until = Some(effective.max(p.from)),
                (false, None) => {}
            }
        }
        out
    }

    /// Where the person stands after the whole history (for the next decision).
    pub fn state(&self) -> Result<QualificationState, FieldError> {
        QualificationState::replay(QualifiedPeriod::default(), &self.decisions)
    }

    /// The latest period (資格取得日 and 資格喪失日 as lists show them).
    pub fn current(&self) -> QualifiedPeriod {
        self.periods()
            .last()
            .map_or_else(QualifiedPeriod::default, |p| QualifiedPeriod {
                from: Some(p.from),
                until: p.until,
            })
    }
}

/// Covered periods for a record known only by its 資格取得日/資格喪失日 pair (an exchange
/// file, a roster cached by an older release).
pub fn periods_of_pair(from: Option<NaiveDate>, until: Option<NaiveDate>) -> Vec<CoveredPeriod> {
    from.map(|from| CoveredPeriod { from, until })
        .into_iter()
        .collect()
}

/// The state the next decision is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QualificationState {
    pub status: QualificationStatus,
    pub period: QualifiedPeriod,
    /// 効力発生日 of the latest decision (or of the imported pair): a new decision may not
    /// take effect before it.
    pub latest_effective: Option<NaiveDate>,
}

impl QualificationState {
    /// Where a recipient stands now: the stored 資格取得日/資格喪失日 (which imports may
    /// have set without any decision) and the latest registered decision, which tells a
    /// 停止 from a 廃止.
    pub fn current(
        period: QualifiedPeriod,
        latest: Option<(QualificationKind, NaiveDate)>,
    ) -> Self {
        let status = match (period.from, period.until) {
            (None, _) => QualificationStatus::None,
            (Some(_), None) => QualificationStatus::Active,
            (Some(_), Some(_)) if latest.map(|l| l.0) == Some(QualificationKind::Suspend) => {
                QualificationStatus::Suspended
            }
            (Some(_), Some(_)) => QualificationStatus::Ended,
        };
        let latest_effective = [period.from, period.until, latest.map(|l| l.1)]
            .into_iter()
            .flatten()
            .max();
        Self {
            status,
            period,
            latest_effective,
        }
    }

    /// Decisions (oldest first) applied one by one on top of `base`.
    pub fn replay(
        base: QualifiedPeriod,
        decisions: &[(QualificationKind, NaiveDate)],
    ) -> Result<Self, FieldError> {
        decisions
            .iter()
            .try_fold(Self::current(base, None), |state, &(kind, effective)| {
                state.apply(kind, effective)
            })
    }

    /// The state after one more decision, or why it cannot come now (field 資格異動 or
    /// 効力発生日).
    pub fn apply(self, kind: QualificationKind, effective: NaiveDate) -> Result<Self, FieldError> {
        use QualificationKind as K;
        use QualificationStatus as S;
        let kind_error = |message: &str| Err(FieldError::new(FIELD_KIND, message));
        match (kind, self.status) {
            (K::Start, S::None | S::Ended) | (K::Restart, S::Suspended) => {}
            (K::Suspend, S::Active) | (K::Abolish, S::Active | S::Suspended) => {}
            (K::Start, S::Active) => return kind_error(
                "既に保護中です。保護開始は資格がない人（未登録または廃止後）にだけ登録できます。",
            ),
            (K::Start, S::Suspended) => {
                return kind_error(
                    "停止中です。保護を再び始めるときは「保護再開」を登録してください。",
                )
            }
            (K::Restart, S::Ended) => return kind_error(
                "廃止後は「保護開始」で登録してください。保護再開は停止中の人にだけ登録できます。",
            ),
            (K::Restart, _) => return kind_error("保護再開は停止中の人にだけ登録できます。"),
            (K::Suspend, S::Suspended) => return kind_error("既に停止中です。"),
            (K::Suspend, _) => return kind_error("停止には有効な資格（保護中）が必要です。"),
            (K::Abolish, S::Ended) => return kind_error("既に廃止されています。"),
            (K::Abolish, S::None) => return kind_error("廃止には登録済みの資格が必要です。"),
        }
        if let Some(latest) = self.latest_effective {
            let after_loss = kind.grants() && self.period.until.is_some();
            if after_loss && effective <= latest {
                return Err(FieldError::new(
                    FIELD_EFFECTIVE,
                    format!(
                        "{}日は資格喪失日（{latest}）の翌日以降にしてください（資格喪失日までは資格があります）。",
                        kind.label_ja()
                    ),
                ));
            }
            if effective < latest {
                return Err(FieldError::new(
                    FIELD_EFFECTIVE,
                    format!("効力発生日は直前の資格異動（{latest}）以降の日付にしてください。"),
                ));
            }
        }
        let (status, period) = match kind {
            K::Start | K::Restart => (
                S::Active,
                QualifiedPeriod {
                    from: Some(effective),
                    until: None,
                },
            ),
            // A 廃止 after a 停止 keeps the 停止日: the person has been without 資格 since.
            K::Suspend | K::Abolish => (
                if kind == K::Suspend {
                    S::Suspended
                } else {
                    S::Ended
                },
                QualifiedPeriod {
                    from: self.period.from,
                    until: self.period.until.or(Some(effective)),
                },
            ),
        };
        Ok(Self {
            status,
            period,
            latest_effective: Some(effective),
        })
    }
}

/// Field names of a 資格 decision, as on screen.
pub const FIELD_KIND: &str = "資格異動";
pub const FIELD_EFFECTIVE: &str = "効力発生日";
pub const FIELD_DECISION: &str = "決定日";

/// 登録期限: the 2nd 開庁日 after the decision date (a decision on a closed day counts
/// from the next 開庁日 on, like any other).
pub fn registration_due(calendar: &OfficeCalendar, decision_date: NaiveDate) -> NaiveDate {
    calendar.nth_open_day_after(decision_date, REGISTRATION_OPEN_DAYS)
}

/// A pending registration against its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    /// 期限超過.
    Overdue,
    /// 本日期限.
    DueToday,
    /// 期限前.
    Upcoming,
}

impl DeadlineState {
    pub fn of(due: NaiveDate, today: NaiveDate) -> Self {
        match due.cmp(&today) {
            std::cmp::Ordering::Less => Self::Overdue,
            std::cmp::Ordering::Equal => Self::DueToday,
            std::cmp::Ordering::Greater => Self::Upcoming,
        }
    }

    /// The 「超過」 column of a deadline list, `open_days` being the 開庁日 after the due date
    /// up to today: 「本日期限」 only on the due date itself; past it, 「N開庁日」, or — when
    /// only closed days (a weekend, a holiday) have passed since — 「期限超過（期限後は閉庁日）」,
    /// never 「本日期限」 for a date already past.
    pub fn overdue_words(self, open_days: u32) -> String {
        match self {
            Self::DueToday => "本日期限".to_string(),
            Self::Overdue if open_days == 0 => "期限超過（期限後は閉庁日）".to_string(),
            Self::Overdue => format!("{open_days}開庁日"),
            Self::Upcoming => "期限前".to_string(),
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Overdue => "期限超過",
            Self::DueToday => "本日期限",
            Self::Upcoming => "期限前",
        }
    }
}

/// Check the dates of a decision as typed: 効力発生日 and 決定日 (not in the future).
/// Dates come in through `wareki::parse_date_input`.
pub fn parse_decision_dates(
    effective: &str,
    decision: &str,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), Vec<FieldError>> {
    let parse = |field: &str, value: &str| {
        crate::wareki::parse_date_input(value).map_err(|e| FieldError::new(field, e.message()))
    };
    let effective = parse(FIELD_EFFECTIVE, effective);
    let decision = parse(FIELD_DECISION, decision).and_then(|d| {
        if d > today {
            Err(FieldError::new(
                FIELD_DECISION,
                format!("決定日（{d}）が今日（{today}）より後です。決定した日を入力してください。"),
            ))
        } else {
            Ok(d)
        }
    });
    match (effective, decision) {
        (Ok(e), Ok(d)) => Ok((e, d)),
        (e, d) => Err([e.err(), d.err()].into_iter().flatten().collect()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use QualificationKind::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn qualification_registration_due_skips_closed_days() {
        let mut local = OfficeCalendar::default();
        local.extra_closed.insert(d("2024-06-24"));
        #[rustfmt::skip]
        let cases: &[(&OfficeCalendar, &str, &str)] = &[
            (&OfficeCalendar::default(), "2024-06-18", "2024-06-20"), // Tue → Thu
            (&OfficeCalendar::default(), "2024-06-20", "2024-06-24"), // Thu → Fri, Mon
            (&OfficeCalendar::default(), "2024-06-21", "2024-06-25"), // Fri → over the weekend
            (&OfficeCalendar::default(), "2024-06-22", "2024-06-25"), // decided on a Saturday
            (&OfficeCalendar::default(), "2024-05-02", "2024-05-08"), // ゴールデンウィーク 5/3〜5/6
            (&OfficeCalendar::default(), "2024-12-27", "2025-01-07"), // 年末年始 12/29〜1/3 and a weekend
            (&OfficeCalendar::default(), "2021-07-21", "2021-07-27"), // 2021 海の日・スポーツの日 7/22, 7/23
            (&OfficeCalendar::default(), "2019-04-26", "2019-05-08"), // 2019 10連休
            (&local, "2024-06-21", "2024-06-26"),                   // office closed day 6/24
        ];
        for &(calendar, decision, due) in cases {
            assert_eq!(
                registration_due(calendar, d(decision)),
                d(due),
                "decided {decision}"
            );
        }
    }

    #[test]
    fn qualification_deadline_state() {
        let today = d("2024-06-20");
        assert_eq!(
            DeadlineState::of(d("2024-06-19"), today),
            DeadlineState::Overdue
        );
        assert_eq!(DeadlineState::of(today, today), DeadlineState::DueToday);
        assert_eq!(
            DeadlineState::of(d("2024-06-21"), today),
            DeadlineState::Upcoming
        );
        assert_eq!(DeadlineState::Overdue.label_ja(), "期限超過");
    }

    #[test]
    fn qualification_overdue_words_on_a_closed_day() {
        let calendar = OfficeCalendar::default();
        // Due Friday 2026-12-04; on Saturday at 00:30 JST (Friday 15:30 UTC) it is overdue
        // though no 開庁日 has passed since: never 「本日期限」.
        let due = d("2026-12-04");
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-04T15:30:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let today = crate::jst::date_of(now);
        assert_eq!(today, d("2026-12-05"));
        let state = DeadlineState::of(due, today);
        assert_eq!(state, DeadlineState::Overdue);
        let open = calendar.open_days_between(due, today);
        assert_eq!(open, 0);
        assert_eq!(state.overdue_words(open), "期限超過（期限後は閉庁日）");
        // Monday: one 開庁日 past; the due date itself: 本日期限.
        let monday = d("2026-12-07");
        let open = calendar.open_days_between(due, monday);
        assert_eq!(
            DeadlineState::of(due, monday).overdue_words(open),
            "1開庁日"
        );
        assert_eq!(DeadlineState::of(due, due).overdue_words(0), "本日期限");
    }

    /// `want`: Ok((from, until, status)) or Err(substring of the message).
    fn check(
        base: (&str, &str),
        decisions: &[(QualificationKind, &str)],
        want: Result<(&str, &str, QualificationStatus), &str>,
    ) {
        let opt = |s: &str| (!s.is_empty()).then(|| d(s));
        let base = QualifiedPeriod {
            from: opt(base.0),
            until: opt(base.1),
        };
        let decisions: Vec<_> = decisions.iter().map(|(k, s)| (*k, d(s))).collect();
        match (QualificationState::replay(base, &decisions), want) {
            (Ok(state), Ok((from, until, status))) => {
                assert_eq!(
                    state.period,
                    QualifiedPeriod {
                        from: opt(from),
                        until: opt(until)
                    },
                    "{decisions:?}"
                );
                assert_eq!(state.status, status, "{decisions:?}");
            }
            (Err(e), Err(w)) => assert!(e.message.contains(w), "{decisions:?}: {}", e.message),
            (got, want) => panic!("{decisions:?}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn qualification_decisions_in_order() {
        use QualificationStatus as S;
        #[rustfmt::skip]
        type Case<'a> = ((&'a str, &'a str), &'a [(QualificationKind, &'a str)], Result<(&'a str, &'a str, S), &'a str>);
        let cases: &[Case] = &[
            (("", ""), &[], Ok(("", "", S::None))),
            (
                ("", ""),
                &[(Start, "2024-04-01")],
                Ok(("2024-04-01", "", S::Active)),
            ),
            (
                ("", ""),
                &[(Start, "2024-04-01"), (Suspend, "2024-05-10")],
                Ok(("2024-04-01", "2024-05-10", S::Suspended)),
            ),
            (
                ("", ""),
                &[
                    (Start, "2024-04-01"),
                    (Suspend, "2024-05-10"),
                    (Restart, "2024-06-01"),
                ],
                Ok(("2024-06-01", "", S::Active)),
            ),
            (
                ("", ""),
                &[
                    (Start, "2024-04-01"),
                    (Suspend, "2024-05-10"),
                    (Abolish, "2024-06-30"),
                ],
                Ok(("2024-04-01", "2024-05-10", S::Ended)),
            ),
            (
                ("", ""),
                &[
                    (Start, "2024-04-01"),
                    (Abolish, "2024-06-30"),
                    (Start, "2025-01-06"),
                ],
                Ok(("2025-01-06", "", S::Active)),
            ),
            // imported pair, no history yet
            (("2020-01-01", ""), &[], Ok(("2020-01-01", "", S::Active))),
            (
                ("2020-01-01", ""),
                &[(Suspend, "2024-05-10")],
                Ok(("2020-01-01", "2024-05-10", S::Suspended)),
            ),
            (
                ("2020-01-01", "2023-03-31"),
                &[(Start, "2024-04-01")],
                Ok(("2024-04-01", "", S::Active)),
            ),
            // refused
            (
                ("", ""),
                &[(Suspend, "2024-05-10")],
                Err("停止には有効な資格"),
            ),
            (
                ("", ""),
                &[(Abolish, "2024-05-10")],
                Err("廃止には登録済みの資格"),
            ),
            (
                ("", ""),
                &[(Restart, "2024-05-10")],
                Err("停止中の人にだけ"),
            ),
            (
                ("", ""),
                &[(Start, "2024-04-01"), (Start, "2024-05-01")],
                Err("既に保護中"),
            ),
            (
                ("", ""),
                &[
                    (Start, "2024-04-01"),
                    (Suspend, "2024-05-10"),
                    (Start, "2024-06-01"),
                ],
                Err("「保護再開」"),
            ),
            (
                ("", ""),
                &[
                    (Start, "2024-04-01"),
                    (Abolish, "2024-05-10"),
                    (Restart, "2024-06-01"),
                ],
                Err("「保護開始」"),
            ),
            (
                ("", ""),
                &[
                    (Start, "2024-04-01"),
                    (Suspend, "2024-05-10"),
                    (Suspend, "2024-05-20"),
                ],
                Err("既に停止中"),
            ),
            (
                ("", ""),
                &[(Start, "2024-04-01"), (Suspend, "2024-03-31")],
                Err("直前の資格異動（2024-04-01）以降"),
            ),
            (
                ("", ""),
                &[
                    (Start, "2024-04-01"),
                    (Suspend, "2024-05-10"),
                    (Restart, "2024-05-10"),
                ],
                Err("翌日以降"),
            ),
            (
                ("2020-01-01", "2023-03-31"),
                &[(Start, "2023-03-01")],
                Err("翌日以降"),
            ),
        ];
        for (base, decisions, want) in cases {
            check(*base, decisions, *want);
        }
    }

    #[test]
    fn qualification_period_and_codes() {
        let p = QualifiedPeriod {
            from: Some(d("2024-04-01")),
            until: Some(d("2024-05-10")),
        };
        assert!(p.covers(d("2024-04-01")) && p.covers(d("2024-05-10")));
        assert!(!p.covers(d("2024-03-31")) && !p.covers(d("2024-05-11")));
        assert_eq!(p.status_on(d("2024-05-10")), QualificationStatus::Active);
        assert_eq!(p.status_on(d("2024-05-11")), QualificationStatus::Ended);
        assert_eq!(
            QualifiedPeriod::default().status_on(d("2024-05-11")),
            QualificationStatus::None
        );
        for k in QualificationKind::ALL {
            assert_eq!(QualificationKind::from_code(k.code()), Some(k));
        }
        assert_eq!(serde_json::to_string(&Suspend).unwrap(), "\"suspend\"");
    }

    #[test]
    fn qualification_decision_dates() {
        let today = d("2024-06-20");
        assert_eq!(
            parse_decision_dates("R6.6.1", "令和6年6月20日", today),
            Ok((d("2024-06-01"), d("2024-06-20")))
        );
        let errors = parse_decision_dates("2024-02-30", "2024-06-21", today).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, [FIELD_EFFECTIVE, FIELD_DECISION]);
        assert!(errors[1].message.contains("今日（2024-06-20）より後"));
    }
}
