//! 頻回受診 and 未委託受診 screening (product.md §5): one pure function over an office's
//! verifications, institutions and tickets for a month, compiled natively (the API,
//! `onshi screen`) and to WebAssembly (the caseworker's browser), so both give the same rows.
//!
//! The rules, for recipient r, institution i and month M (JST calendar months):
//! - a *visit day* is a distinct JST date with at least one verification of 資格有効性 1 or 6
//!   at an institution whose 点数表 is 1 (医科) or 3 (歯科); d(M) counts them;
//! - 頻回受診候補: d(M) ≥ 15 and d(M) + d(M−1) + d(M−2) ≥ 40;
//! - 短期集中治療の可能性 (shown apart, not a candidate): d(M) ≥ 15 and the total < 40;
//! - 未委託受診: the dates in M with a verification of 資格有効性 6 (any 点数表, pharmacies
//!   included), leaving out each date that a ticket naming i now covers (事後委託);
//! - 多数医療機関受診 (our rule, not MHLW's): visit days at [`MANY_INSTITUTIONS`] or more
//!   distinct 医科・歯科 institutions in M;
//! - 重複調剤 (our rule): a date in M with verifications of 資格有効性 1 or 6 at
//!   [`DUPLICATE_PHARMACIES`] or more distinct pharmacies (点数表 4);
//! - 重複受診 (our rule): visit days in M at [`DUPLICATE_VISIT_INSTITUTIONS`] or more distinct
//!   institutions of the same 診療別 (医科 or 歯科; the 点数表 of the 医療機関コード).
//!
//! The rules and why their thresholds are what they are: docs/screening.md.
//!
//! These are candidates for the caseworker and the 嘱託医, never decisions: the log does not
//! know the 診療科 or the 傷病 (domain-reference.md §4.1). When the recipient holds exactly one
//! ticket naming the institution that month, the row says so ([`SingleTicket`]): the visit
//! days then belong to that ticket's 傷病.
//!
//! The input is small on purpose (the browser downloads three months of a 100,000-recipient
//! office): recipients, institutions and 傷病名 are tables, and a verification or a ticket
//! refers to them by index, with dates as day numbers from [`ScreeningInput::start`]. In JSON
//! every entry is an array, e.g. a verification is `[recipient, institution, day, "1"]`.
//! [`prune`] keeps only what a month's screening reads (the server sends the pruned input).
//! Three months of a 100,000-recipient office: docs/benchmarks.md.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::QualificationValidity;
use crate::error::FieldError;
use crate::numbers::ScoreTable;

/// d(M) at or above which a recipient–institution pair is screened (頻回受診候補 or 短期集中).
pub const MONTH_DAYS: u32 = 15;
/// d(M) + d(M−1) + d(M−2) at or above which it is a 頻回受診候補.
pub const THREE_MONTH_DAYS: u32 = 40;
/// 多数医療機関受診: this many distinct 医科・歯科 institutions with visit days in the month.
/// Our rule (product.md §5 names the screen, not a number): four clinics in one month is
/// unusual enough to be worth a look, and rare enough not to flood the list.
pub const MANY_INSTITUTIONS: usize = 4;
/// 重複調剤: this many distinct pharmacies on one date.
pub const DUPLICATE_PHARMACIES: usize = 2;
/// 重複受診: this many distinct institutions of one 診療別 (医科 or 歯科) with visit days in the
/// month. Our rule, like [`MANY_INSTITUTIONS`] (docs/screening.md).
pub const DUPLICATE_VISIT_INSTITUTIONS: usize = 3;
/// The header of `onshi screen --format csv` (product.md Appendix A), exactly.
pub const CSV_HEADER: &str = "受給者番号,医療機関コード,区分,当月日数,3か月合計日数,受診日";

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

/// Everything the screening needs for one office and the months M−2..M.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScreeningInput {
    /// 公費負担者番号 of the office whose recipients these are.
    pub office: String,
    /// Day 0 of every day number below (the server sends the first day of M−2).
    pub start: NaiveDate,
    /// Recipients, referred to by index.
    pub recipients: Vec<Recipient>,
    /// Institutions, referred to by index.
    pub institutions: Vec<Institution>,
    /// 傷病名, referred to by index from tickets.
    pub injuries: Vec<String>,
    pub verifications: Vec<Verification>,
    pub tickets: Vec<TicketSpan>,
}

/// A recipient: JSON `["1234566", "佐藤　一郎"]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(from = "(String, String)", into = "(String, String)")]
pub struct Recipient {
    /// 受給者番号.
    pub number: String,
    /// 氏名 (may be empty: a number that is not in the 台帳, e.g. verdict 4).
    pub name: String,
}

/// An institution: JSON `["1311234569", "みなと台中央病院"]`. The 点数表 is digit 3 of the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(from = "(String, String)", into = "(String, String)")]
pub struct Institution {
    /// 医療機関コード.
    pub code: String,
    pub name: String,
}

/// One verification (資格確認実績): JSON `[recipient, institution, day, "1"]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(
    from = "(u32, u32, u16, QualificationValidity)",
    into = "(u32, u32, u16, QualificationValidity)"
)]
pub struct Verification {
    /// Index into [`ScreeningInput::recipients`].
    pub recipient: u32,
    /// Index into [`ScreeningInput::institutions`].
    pub institution: u32,
    /// JST date, as days after [`ScreeningInput::start`].
    pub day: u16,
    /// 資格有効性.
    pub validity: QualificationValidity,
}

/// A 医療券 or 調剤券, as far as screening needs it: JSON
/// `[recipient, institution, valid_from_day, valid_until_day, [injury, …]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(
    from = "(u32, u32, u16, u16, Vec<u32>)",
    into = "(u32, u32, u16, u16, Vec<u32>)"
)]
pub struct TicketSpan {
    pub recipient: u32,
    /// The 指定医療機関 (for a 調剤券, the pharmacy).
    pub institution: u32,
    /// 有効開始日, as a day number.
    pub valid_from: u16,
    /// 有効終了日, as a day number (inclusive).
    pub valid_until: u16,
    /// 傷病名1〜3, as indices into [`ScreeningInput::injuries`].
    pub injuries: Vec<u32>,
}

impl From<(String, String)> for Recipient {
    fn from((number, name): (String, String)) -> Self {
        Self { number, name }
    }
}
impl From<Recipient> for (String, String) {
    fn from(r: Recipient) -> Self {
        (r.number, r.name)
    }
}
impl From<(String, String)> for Institution {
    fn from((code, name): (String, String)) -> Self {
        Self { code, name }
    }
}
impl From<Institution> for (String, String) {
    fn from(i: Institution) -> Self {
        (i.code, i.name)
    }
}
impl From<(u32, u32, u16, QualificationValidity)> for Verification {
    fn from(
        (recipient, institution, day, validity): (u32, u32, u16, QualificationValidity),
    ) -> Self {
        Self {
            recipient,
            institution,
            day,
            validity,
        }
    }
}
impl From<Verification> for (u32, u32, u16, QualificationValidity) {
    fn from(v: Verification) -> Self {
        (v.recipient, v.institution, v.day, v.validity)
    }
}
impl From<(u32, u32, u16, u16, Vec<u32>)> for TicketSpan {
    fn from(
        (recipient, institution, valid_from, valid_until, injuries): (u32, u32, u16, u16, Vec<u32>),
    ) -> Self {
        Self {
            recipient,
            institution,
            valid_from,
            valid_until,
            injuries,
        }
    }
}
impl From<TicketSpan> for (u32, u32, u16, u16, Vec<u32>) {
    fn from(t: TicketSpan) -> Self {
        (
            t.recipient,
            t.institution,
            t.valid_from,
            t.valid_until,
            t.injuries,
        )
    }
}

/// Builds a [`ScreeningInput`] from readable values (numbers, codes, dates), interning the
/// tables. The server builds its answer with it; tests build their cases with it.
#[derive(Debug, Clone)]
pub struct InputBuilder {
    input: ScreeningInput,
    recipients: HashMap<String, u32>,
    institutions: HashMap<String, u32>,
    injuries: HashMap<String, u32>,
}

impl InputBuilder {
    /// Day numbers count from `start`; dates before it (or 65,535 days after) are left out.
    pub fn new(office: &str, start: NaiveDate) -> Self {
        Self {
            input: ScreeningInput {
                office: office.to_string(),
                start,
                recipients: Vec::new(),
                institutions: Vec::new(),
                injuries: Vec::new(),
                verifications: Vec::new(),
                tickets: Vec::new(),
            },
            recipients: HashMap::new(),
            institutions: HashMap::new(),
            injuries: HashMap::new(),
        }
    }

    /// Starting at the first day of M−2, as the screening of `month` needs.
    pub fn for_month(office: &str, month: (i32, u32)) -> Self {
        let start = period(month).map_or(NaiveDate::MIN, |(first, _)| first);
        Self::new(office, start)
    }

    /// The index of a recipient; a non-empty `name` replaces the one recorded so far.
    pub fn recipient(&mut self, number: &str, name: &str) -> u32 {
        intern(
            &mut self.recipients,
            &mut self.input.recipients,
            number,
            name,
            |number, name| Recipient { number, name },
            |r, name| r.name = name,
        )
    }

    /// The index of an institution; a non-empty `name` replaces the one recorded so far.
    pub fn institution(&mut self, code: &str, name: &str) -> u32 {
        intern(
            &mut self.institutions,
            &mut self.input.institutions,
            code,
            name,
            |code, name| Institution { code, name },
            |i, name| i.name = name,
        )
    }

    fn injury(&mut self, name: &str) -> u32 {
        if let Some(&k) = self.injuries.get(name) {
            return k;
        }
        let k = index(self.input.injuries.len());
        self.input.injuries.push(name.to_string());
        self.injuries.insert(name.to_string(), k);
        k
    }

    fn day(&self, date: NaiveDate) -> Option<u16> {
        u16::try_from((date - self.input.start).num_days()).ok()
    }

    /// Add a verification on a JST `date`. `false` when the date is outside the input's range.
    pub fn verification(
        &mut self,
        recipient: &str,
        institution: &str,
        date: NaiveDate,
        validity: QualificationValidity,
    ) -> bool {
        let Some(day) = self.day(date) else {
            return false;
        };
        let recipient = self.recipient(recipient, "");
        let institution = self.institution(institution, "");
        self.input.verifications.push(Verification {
            recipient,
            institution,
            day,
            validity,
        });
        true
    }

    /// Add a verification made at `instant`: it belongs to its JST date.
    pub fn verification_at(
        &mut self,
        recipient: &str,
        institution: &str,
        instant: DateTime<Utc>,
        validity: QualificationValidity,
    ) -> bool {
        let date = crate::jst::date_of(instant);
        self.verification(recipient, institution, date, validity)
    }

    /// Add a ticket naming `institution`, valid `from..=until`, with its 傷病名 (empty ones skipped).
    /// `false` when it lies wholly outside the input's range.
    pub fn ticket(
        &mut self,
        recipient: &str,
        institution: &str,
        from: NaiveDate,
        until: NaiveDate,
        injuries: &[&str],
    ) -> bool {
        let start = self.input.start;
        let last = date_at(start, u16::MAX);
        if until < start || from > last || until < from {
            return false;
        }
        let (Some(valid_from), Some(valid_until)) =
            (self.day(from.max(start)), self.day(until.min(last)))
        else {
            return false;
        };
        let recipient = self.recipient(recipient, "");
        let institution = self.institution(institution, "");
        let injuries = injuries
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| self.injury(s))
            .collect();
        self.input.tickets.push(TicketSpan {
            recipient,
            institution,
            valid_from,
            valid_until,
            injuries,
        });
        true
    }

    pub fn build(self) -> ScreeningInput {
        self.input
    }
}

/// The date of a day number.
pub fn date_at(start: NaiveDate, day: u16) -> NaiveDate {
    start
        .checked_add_days(chrono::Days::new(u64::from(day)))
        .unwrap_or(NaiveDate::MAX)
}

fn index(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

fn intern<T>(
    map: &mut HashMap<String, u32>,
    table: &mut Vec<T>,
    key: &str,
    name: &str,
    make: impl FnOnce(String, String) -> T,
    rename: impl FnOnce(&mut T, String),
) -> u32 {
    if let Some(&k) = map.get(key) {
        if !name.is_empty() {
            if let Some(entry) = table.get_mut(k as usize) {
                rename(entry, name.to_string());
            }
        }
        return k;
    }
    let k = index(table.len());
    table.push(make(key.to_string(), name.to_string()));
    map.insert(key.to_string(), k);
    k
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/// 区分 of a row, serialized as its Appendix A label. Ordered as rows are sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Category {
    /// d(M) ≥ 15 and the three-month total ≥ 40.
    #[serde(rename = "頻回受診候補")]
    Frequent,
    /// d(M) ≥ 15 and the three-month total < 40: shown apart, not a candidate.
    #[serde(rename = "短期集中治療の可能性")]
    ShortIntensive,
    /// Dates in M with 資格有効性 6 that no ticket naming the institution covers.
    #[serde(rename = "未委託受診")]
    Unentrusted,
}

impl Category {
    pub const ALL: [Category; 3] = [
        Category::Frequent,
        Category::ShortIntensive,
        Category::Unentrusted,
    ];

    /// The label, as in the CSV's 区分 column.
    pub fn label_ja(self) -> &'static str {
        match self {
            Category::Frequent => "頻回受診候補",
            Category::ShortIntensive => "短期集中治療の可能性",
            Category::Unentrusted => "未委託受診",
        }
    }
}

/// The screening of one office for one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScreeningResult {
    /// 公費負担者番号.
    pub office: String,
    /// M, `YYYY-MM`.
    pub month: String,
    /// M−2, M−1, M (`YYYY-MM`), the order of every `evidence`.
    pub months: Vec<String>,
    /// Sorted by 受給者番号, 医療機関コード, 区分 (the CSV's order).
    pub rows: Vec<ScreeningRow>,
    /// 多数医療機関受診, sorted by 受給者番号.
    pub many_institutions: Vec<ManyInstitutionsRow>,
    /// 重複調剤 and 重複受診, sorted by 受給者番号, 区分, 診療別.
    #[serde(default)]
    pub duplicates: Vec<DuplicateRow>,
    pub summary: ScreeningSummary,
}

/// 区分 of a [`DuplicateRow`]. Ordered as rows are sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum DuplicateKind {
    /// One date, [`DUPLICATE_PHARMACIES`] or more pharmacies.
    #[serde(rename = "重複調剤")]
    Dispensing,
    /// One month, [`DUPLICATE_VISIT_INSTITUTIONS`] or more institutions of one 診療別.
    #[serde(rename = "重複受診")]
    Visits,
}

impl DuplicateKind {
    pub fn label_ja(self) -> &'static str {
        match self {
            DuplicateKind::Dispensing => "重複調剤",
            DuplicateKind::Visits => "重複受診",
        }
    }
}

/// 重複調剤 or 重複受診 of one recipient in M.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DuplicateRow {
    pub recipient_number: String,
    pub recipient_name: String,
    pub kind: DuplicateKind,
    /// 診療別: 調剤 for 重複調剤, 医科 or 歯科 for 重複受診.
    pub score_table: String,
    /// 重複調剤: the dates with several pharmacies; 重複受診: every visit day at `institutions`.
    pub dates: Vec<NaiveDate>,
    /// The institutions involved (for 重複調剤, the pharmacies of `dates`), sorted by code,
    /// each with its days in M (for 重複調剤, its days among `dates`).
    pub institutions: Vec<InstitutionDays>,
}

/// One recipient, one institution, one 区分.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScreeningRow {
    pub recipient_number: String,
    pub recipient_name: String,
    pub institution_code: String,
    pub institution_name: String,
    pub category: Category,
    /// 当月日数: d(M); for 未委託受診 the number of `dates`.
    pub days_in_month: u32,
    /// 3か月合計日数: d(M) + d(M−1) + d(M−2); none for 未委託受診.
    pub days_in_three_months: Option<u32>,
    /// 受診日: the visit days in M; for 未委託受診 the uncovered dates with 資格有効性 6.
    pub dates: Vec<NaiveDate>,
    /// The calendar of this institution for M−2, M−1, M.
    pub evidence: Vec<EvidenceMonth>,
    /// Set when exactly one ticket names this institution in M.
    pub single_ticket: Option<SingleTicket>,
}

/// One month of one institution's calendar for one recipient. Days are days of the month (1–31).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvidenceMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// Days with a verification of 資格有効性 1 or 6 (visit days when the 点数表 is 医科・歯科).
    pub days: Vec<u8>,
    /// Of those, days with 資格有効性 6 that no ticket naming the institution covers.
    pub unentrusted: Vec<u8>,
    /// Of those, days with 資格有効性 6 that a ticket now covers (事後委託).
    pub retroactive: Vec<u8>,
}

/// The one ticket naming the institution in M: the visit days belong to its 傷病.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SingleTicket {
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// 傷病名 (none for a 調剤券).
    pub injuries: Vec<String>,
}

/// 多数医療機関受診: a recipient with visit days at [`MANY_INSTITUTIONS`] or more institutions in M.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ManyInstitutionsRow {
    pub recipient_number: String,
    pub recipient_name: String,
    /// Sorted by 医療機関コード.
    pub institutions: Vec<InstitutionDays>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstitutionDays {
    pub institution_code: String,
    pub institution_name: String,
    /// d(M) at this institution.
    pub days_in_month: u32,
}

/// Counts for the month (the trend chart).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ScreeningSummary {
    /// Recipients with at least one visit day in M.
    pub recipients_with_visits: u32,
    pub frequent: u32,
    pub short_intensive: u32,
    /// 未委託受診 rows (recipient–institution pairs).
    pub unentrusted: u32,
    /// Dates over all 未委託受診 rows.
    pub unentrusted_dates: u32,
    pub many_institutions: u32,
    /// Recipients with 重複調剤.
    #[serde(default)]
    pub duplicate_dispensing: u32,
    /// 重複受診 rows (recipient–診療別 pairs).
    #[serde(default)]
    pub duplicate_visits: u32,
}

/// Every institution a recipient has verifications at in M−2..M: the candidate's evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstitutionCalendar {
    pub institution_code: String,
    pub institution_name: String,
    /// 点数表 label (医科, 歯科, 調剤, 訪問看護 …).
    pub score_table: String,
    /// Whether its days are visit days (医科・歯科).
    pub counted: bool,
    /// M−2, M−1, M.
    pub evidence: Vec<EvidenceMonth>,
    pub single_ticket: Option<SingleTicket>,
}

// ---------------------------------------------------------------------------------------------
// Months
// ---------------------------------------------------------------------------------------------

/// `YYYY-MM` (also `YYYY-M`, `YYYY/MM`, `YYYYMM`, 全角) → (year, month), with a Japanese error
/// naming `field`.
pub fn parse_month(text: &str, field: &str) -> Result<(i32, u32), FieldError> {
    let bad = || {
        FieldError::new(
            field,
            format!("{field}は YYYY-MM の形で入力してください（例: 2024-04）。"),
        )
    };
    let s: String = text.trim().chars().map(ascii_month_char).collect();
    let (y, m) = match s.split_once('-') {
        Some(parts) => parts,
        None if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) => s.split_at(4),
        None => return Err(bad()),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if y.len() != 4 || !(1..=2).contains(&m.len()) || !digits(y) || !digits(m) {
        return Err(bad());
    }
    let (year, month): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(1..=12).contains(&month) || !(1900..=2999).contains(&year) {
        return Err(bad());
    }
    Ok((year, month))
}

/// 全角 digits → ASCII; slashes and dashes of every width → `-`.
fn ascii_month_char(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '/' | '／' | 'ー' | '－' | '−' | '‐' | '–' | '—' => '-',
        _ => c,
    }
}

/// `YYYY-MM`.
pub fn month_label((year, month): (i32, u32)) -> String {
    format!("{year:04}-{month:02}")
}

/// The month `delta` months after (negative: before) `month`; a month outside 1–12 is normalized.
pub fn shift_month((year, month): (i32, u32), delta: i32) -> (i32, u32) {
    let index = i64::from(year) * 12 + i64::from(month) - 1 + i64::from(delta);
    let year = i32::try_from(index.div_euclid(12)).unwrap_or(year);
    let month = u32::try_from(index.rem_euclid(12) + 1).unwrap_or(1);
    (year, month)
}

/// The month of a date.
pub fn month_of(date: NaiveDate) -> (i32, u32) {
    (date.year(), date.month())
}

fn first_day(month: (i32, u32)) -> Option<NaiveDate> {
    let (year, month) = shift_month(month, 0);
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// First day of M−2 and last day of M: the dates the screening of `month` reads.
pub fn period(month: (i32, u32)) -> Option<(NaiveDate, NaiveDate)> {
    let first = first_day(shift_month(month, -2))?;
    let last = first_day(shift_month(month, 1))?.pred_opt()?;
    Some((first, last))
}

// ---------------------------------------------------------------------------------------------
// The screening
// ---------------------------------------------------------------------------------------------

/// M−2, M−1, M as day-number ranges of the input.
struct Frame {
    /// Day numbers of the first days of M−2, M−1, M and M+1.
    bounds: [i64; 4],
    firsts: [NaiveDate; 3],
    labels: [String; 3],
}

impl Frame {
    fn new(start: NaiveDate, month: (i32, u32)) -> Option<Frame> {
        let month = shift_month(month, 0);
        let firsts = [
            first_day(shift_month(month, -2))?,
            first_day(shift_month(month, -1))?,
            first_day(month)?,
        ];
        let next = first_day(shift_month(month, 1))?;
        let offset = |d: NaiveDate| (d - start).num_days();
        Some(Frame {
            bounds: [
                offset(firsts[0]),
                offset(firsts[1]),
                offset(firsts[2]),
                offset(next),
            ],
            labels: firsts.map(month_of).map(month_label),
            firsts,
        })
    }

    /// (month slot 0..3, day of month − 1) of a day number, if it is in M−2..M.
    fn slot(&self, day: u16) -> Option<(usize, u32)> {
        let day = i64::from(day);
        let [b0, b1, b2, b3] = self.bounds;
        if day < b0 || day >= b3 {
            return None;
        }
        let slot = if day < b1 {
            0
        } else if day < b2 {
            1
        } else {
            2
        };
        u32::try_from(day - self.bounds[slot])
            .ok()
            .map(|bit| (slot, bit))
    }

    /// The days of each month covered by `from..=until`, as bit masks.
    fn masks(&self, from: u16, until: u16) -> [u32; 3] {
        let mut out = [0u32; 3];
        for (slot, mask) in out.iter_mut().enumerate() {
            let (lo, hi) = (self.bounds[slot], self.bounds[slot + 1] - 1);
            let from = i64::from(from).max(lo) - lo;
            let until = i64::from(until).min(hi) - lo;
            if from <= until {
                let bits = (1u64 << (until + 1)) - 1;
                let below = (1u64 << from) - 1;
                *mask = u32::try_from(bits & !below).unwrap_or(u32::MAX);
            }
        }
        out
    }

    fn dates(&self, slot: usize, mask: u32) -> Vec<NaiveDate> {
        bits(mask)
            .filter_map(|d| self.firsts[slot].checked_add_days(chrono::Days::new(u64::from(d))))
            .collect()
    }
}

/// The set bits of a mask, lowest first (bit k = day k + 1 of the month).
fn bits(mask: u32) -> impl Iterator<Item = u32> {
    (0..32).filter(move |k| mask & (1 << k) != 0)
}

fn days_of_month(mask: u32) -> Vec<u8> {
    bits(mask)
        .filter_map(|k| u8::try_from(k + 1).ok())
        .collect()
}

/// One recipient's verifications at one institution, as day masks per month.
#[derive(Debug, Clone, Copy)]
struct Acc {
    institution: u32,
    /// Days with 資格有効性 1 or 6.
    eligible: [u32; 3],
    /// Days with 資格有効性 6.
    unregistered: [u32; 3],
}

fn accumulate<'a>(
    frame: &Frame,
    institutions: usize,
    verifications: impl Iterator<Item = &'a Verification>,
    accs: &mut Vec<Acc>,
) {
    for v in verifications {
        if !v.validity.is_eligible() || v.institution as usize >= institutions {
            continue;
        }
        let Some((slot, bit)) = frame.slot(v.day) else {
            continue;
        };
        let position = match accs.iter().position(|a| a.institution == v.institution) {
            Some(p) => p,
            None => {
                accs.push(Acc {
                    institution: v.institution,
                    eligible: [0; 3],
                    unregistered: [0; 3],
                });
                accs.len() - 1
            }
        };
        if let Some(acc) = accs.get_mut(position) {
            acc.eligible[slot] |= 1 << bit;
            if v.validity == QualificationValidity::ValidUnregistered {
                acc.unregistered[slot] |= 1 << bit;
            }
        }
    }
}

/// Items grouped by recipient index (counting sort): `of(r)` lists the item indices of r.
struct ByRecipient {
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl ByRecipient {
    fn new<T>(items: &[T], recipients: usize, key: impl Fn(&T) -> u32) -> Self {
        let mut starts = vec![0u32; recipients + 1];
        for item in items {
            let r = key(item) as usize;
            if r < recipients {
                starts[r + 1] += 1;
            }
        }
        for r in 0..recipients {
            starts[r + 1] += starts[r];
        }
        let mut next = starts.clone();
        let mut order = vec![0u32; starts[recipients] as usize];
        for (k, item) in items.iter().enumerate() {
            let r = key(item) as usize;
            if r < recipients {
                order[next[r] as usize] = index(k);
                next[r] += 1;
            }
        }
        ByRecipient {
            starts,
            items: order,
        }
    }

    fn of(&self, r: usize) -> &[u32] {
        let (from, to) = (self.starts[r] as usize, self.starts[r + 1] as usize);
        &self.items[from..to]
    }
}

/// What the tickets naming one institution say for one recipient.
struct Coverage {
    covered: [u32; 3],
    single: Option<SingleTicket>,
}

fn coverage<'a>(
    input: &ScreeningInput,
    frame: &Frame,
    institution: u32,
    tickets: impl Iterator<Item = &'a TicketSpan>,
) -> Coverage {
    let mut covered = [0u32; 3];
    let mut in_month = Vec::new();
    for t in tickets.filter(|t| t.institution == institution) {
        let masks = frame.masks(t.valid_from, t.valid_until);
        for slot in 0..3 {
            covered[slot] |= masks[slot];
        }
        if masks[2] != 0 {
            in_month.push(t);
        }
    }
    let single = match in_month.as_slice() {
        [t] => Some(SingleTicket {
            valid_from: date_at(input.start, t.valid_from),
            valid_until: date_at(input.start, t.valid_until),
            injuries: t
                .injuries
                .iter()
                .filter_map(|k| input.injuries.get(*k as usize).cloned())
                .collect(),
        }),
        _ => None,
    };
    Coverage { covered, single }
}

fn evidence(frame: &Frame, acc: &Acc, covered: &[u32; 3]) -> Vec<EvidenceMonth> {
    (0..3)
        .map(|slot| EvidenceMonth {
            month: frame.labels[slot].clone(),
            days: days_of_month(acc.eligible[slot]),
            unentrusted: days_of_month(acc.unregistered[slot] & !covered[slot]),
            retroactive: days_of_month(acc.unregistered[slot] & covered[slot]),
        })
        .collect()
}

fn counted(code: &str) -> bool {
    score_table(code).is_some_and(ScoreTable::counts_as_visit)
}

fn score_table(code: &str) -> Option<ScoreTable> {
    let digit = code.as_bytes().get(2)?.checked_sub(b'0')?;
    ScoreTable::from_code(digit)
}

/// Screen `input` for `month` (year, month 1–12). Pure and deterministic: the same input gives
/// the same result natively and in WebAssembly.
pub fn screen(input: &ScreeningInput, month: (i32, u32)) -> ScreeningResult {
    let month = shift_month(month, 0);
    let mut result = ScreeningResult {
        office: input.office.clone(),
        month: month_label(month),
        months: (0..3)
            .map(|k| month_label(shift_month(month, k - 2)))
            .collect(),
        rows: Vec::new(),
        many_institutions: Vec::new(),
        duplicates: Vec::new(),
        summary: ScreeningSummary::default(),
    };
    let Some(frame) = Frame::new(input.start, month) else {
        return result;
    };
    let tables: Vec<Option<ScoreTable>> = input
        .institutions
        .iter()
        .map(|i| score_table(&i.code))
        .collect();
    let counts: Vec<bool> = tables
        .iter()
        .map(|t| t.is_some_and(ScoreTable::counts_as_visit))
        .collect();
    let n = input.recipients.len();
    let verifications = ByRecipient::new(&input.verifications, n, |v| v.recipient);
    let tickets = ByRecipient::new(&input.tickets, n, |t| t.recipient);
    let mut accs: Vec<Acc> = Vec::new();
    for (r, recipient) in input.recipients.iter().enumerate() {
        accs.clear();
        let mine = verifications
            .of(r)
            .iter()
            .filter_map(|k| input.verifications.get(*k as usize));
        accumulate(&frame, counts.len(), mine, &mut accs);
        if accs.is_empty() {
            continue;
        }
        let my_tickets = || {
            tickets
                .of(r)
                .iter()
                .filter_map(|k| input.tickets.get(*k as usize))
        };
        let mut visited = Vec::new();
        for acc in &accs {
            let counts_here = counts[acc.institution as usize];
            let days = acc
                .eligible
                .map(|m| if counts_here { m.count_ones() } else { 0 });
            let category = (days[2] >= MONTH_DAYS).then(|| {
                if days.iter().sum::<u32>() >= THREE_MONTH_DAYS {
                    Category::Frequent
                } else {
                    Category::ShortIntensive
                }
            });
            let institution = &input.institutions[acc.institution as usize];
            if days[2] > 0 {
                visited.push(InstitutionDays {
                    institution_code: institution.code.clone(),
                    institution_name: institution.name.clone(),
                    days_in_month: days[2],
                });
            }
            if category.is_none() && acc.unregistered[2] == 0 {
                continue;
            }
            let cover = coverage(input, &frame, acc.institution, my_tickets());
            let row = |category, days_in_month, total, dates| ScreeningRow {
                recipient_number: recipient.number.clone(),
                recipient_name: recipient.name.clone(),
                institution_code: institution.code.clone(),
                institution_name: institution.name.clone(),
                category,
                days_in_month,
                days_in_three_months: total,
                dates,
                evidence: evidence(&frame, acc, &cover.covered),
                single_ticket: cover.single.clone(),
            };
            if let Some(category) = category {
                let total = days.iter().sum::<u32>();
                result.rows.push(row(
                    category,
                    days[2],
                    Some(total),
                    frame.dates(2, acc.eligible[2]),
                ));
            }
            let unentrusted = acc.unregistered[2] & !cover.covered[2];
            if unentrusted != 0 {
                result.rows.push(row(
                    Category::Unentrusted,
                    unentrusted.count_ones(),
                    None,
                    frame.dates(2, unentrusted),
                ));
            }
        }
        if !visited.is_empty() {
            result.summary.recipients_with_visits += 1;
        }
        duplicates(
            &frame,
            input,
            recipient,
            &tables,
            &accs,
            &mut result.duplicates,
        );
        if visited.len() >= MANY_INSTITUTIONS {
            visited.sort_by(|a, b| a.institution_code.cmp(&b.institution_code));
            result.many_institutions.push(ManyInstitutionsRow {
                recipient_number: recipient.number.clone(),
                recipient_name: recipient.name.clone(),
                institutions: visited,
            });
        }
    }
    result.rows.sort_by(|a, b| {
        (&a.recipient_number, &a.institution_code, a.category).cmp(&(
            &b.recipient_number,
            &b.institution_code,
            b.category,
        ))
    });
    result
        .many_institutions
        .sort_by(|a, b| a.recipient_number.cmp(&b.recipient_number));
    // Stable: each recipient's rows are already in 区分, 診療別 order.
    result
        .duplicates
        .sort_by(|a, b| a.recipient_number.cmp(&b.recipient_number));
    let s = &mut result.summary;
    for row in &result.rows {
        match row.category {
            Category::Frequent => s.frequent += 1,
            Category::ShortIntensive => s.short_intensive += 1,
            Category::Unentrusted => {
                s.unentrusted += 1;
                s.unentrusted_dates += row.days_in_month;
            }
        }
    }
    s.many_institutions = index(result.many_institutions.len());
    for row in &result.duplicates {
        match row.kind {
            DuplicateKind::Dispensing => s.duplicate_dispensing += 1,
            DuplicateKind::Visits => s.duplicate_visits += 1,
        }
    }
    result
}

/// 重複調剤 and 重複受診 of one recipient, from their day masks per institution, pushed in
/// the result's order (受給者番号 is the caller's loop; then 区分, then 診療別).
fn duplicates(
    frame: &Frame,
    input: &ScreeningInput,
    recipient: &Recipient,
    tables: &[Option<ScoreTable>],
    accs: &[Acc],
    out: &mut Vec<DuplicateRow>,
) {
    let of_table = |table: ScoreTable| {
        let mut accs: Vec<&Acc> = accs
            .iter()
            .filter(|a| a.eligible[2] != 0 && tables[a.institution as usize] == Some(table))
            .collect();
        accs.sort_by(|a, b| {
            let code = |a: &Acc| &input.institutions[a.institution as usize].code;
            code(a).cmp(code(b))
        });
        accs
    };
    let days_at = |acc: &Acc, mask: u32| InstitutionDays {
        institution_code: input.institutions[acc.institution as usize].code.clone(),
        institution_name: input.institutions[acc.institution as usize].name.clone(),
        days_in_month: (acc.eligible[2] & mask).count_ones(),
    };
    let row = |kind, table: ScoreTable, mask: u32, institutions| DuplicateRow {
        recipient_number: recipient.number.clone(),
        recipient_name: recipient.name.clone(),
        kind,
        score_table: table.label_ja().to_string(),
        dates: frame.dates(2, mask),
        institutions,
    };
    // 重複調剤: the days of M that at least DUPLICATE_PHARMACIES pharmacies have.
    let pharmacies = of_table(ScoreTable::Pharmacy);
    let shared = (0..32u32)
        .map(|bit| 1u32 << bit)
        .filter(|day| {
            pharmacies
                .iter()
                .filter(|a| a.eligible[2] & day != 0)
                .count()
                >= DUPLICATE_PHARMACIES
        })
        .fold(0u32, |mask, day| mask | day);
    if shared != 0 {
        let involved = pharmacies
            .iter()
            .filter(|a| a.eligible[2] & shared != 0)
            .map(|a| days_at(a, shared))
            .collect();
        out.push(row(
            DuplicateKind::Dispensing,
            ScoreTable::Pharmacy,
            shared,
            involved,
        ));
    }
    // 重複受診: DUPLICATE_VISIT_INSTITUTIONS or more institutions of one 診療別.
    for table in [ScoreTable::Medical, ScoreTable::Dental] {
        let visited = of_table(table);
        if visited.len() >= DUPLICATE_VISIT_INSTITUTIONS {
            let mask = visited.iter().fold(0u32, |m, a| m | a.eligible[2]);
            let involved = visited.iter().map(|a| days_at(a, u32::MAX)).collect();
            out.push(row(DuplicateKind::Visits, table, mask, involved));
        }
    }
}

/// What the screening of `month` reads from `input`, re-indexed: the verifications of
/// 資格有効性 1 or 6 in M−2..M; of the tickets naming an institution the recipient has such
/// verifications at, those that overlap M or cover a month with 資格有効性 6 there; and the
/// recipients, institutions and 傷病名 these refer to. [`screen`] and [`recipient_calendar`]
/// answer the same for the pruned input as for the whole; the server sends the pruned one.
pub fn prune(input: &ScreeningInput, month: (i32, u32)) -> ScreeningInput {
    let mut out = ScreeningInput {
        office: input.office.clone(),
        start: input.start,
        recipients: Vec::new(),
        institutions: Vec::new(),
        injuries: Vec::new(),
        verifications: Vec::new(),
        tickets: Vec::new(),
    };
    let Some(frame) = Frame::new(input.start, shift_month(month, 0)) else {
        return out;
    };
    let (n_recipients, n_institutions) = (input.recipients.len(), input.institutions.len());
    // Per recipient–institution pair: the months with 資格有効性 6.
    let mut pairs: HashMap<(u32, u32), [bool; 3]> = HashMap::new();
    let mut kept = Vec::new();
    for v in &input.verifications {
        if !v.validity.is_eligible()
            || v.recipient as usize >= n_recipients
            || v.institution as usize >= n_institutions
        {
            continue;
        }
        let Some((slot, _)) = frame.slot(v.day) else {
            continue;
        };
        let unregistered = pairs.entry((v.recipient, v.institution)).or_default();
        if v.validity == QualificationValidity::ValidUnregistered {
            unregistered[slot] = true;
        }
        kept.push(*v);
    }
    let tickets: Vec<&TicketSpan> = input
        .tickets
        .iter()
        .filter(|t| {
            let Some(unregistered) = pairs.get(&(t.recipient, t.institution)) else {
                return false;
            };
            let masks = frame.masks(t.valid_from, t.valid_until);
            masks[2] != 0 || (0..3).any(|s| masks[s] != 0 && unregistered[s])
        })
        .collect();
    // New indices, in the original order.
    fn renumber(used: &[bool]) -> Vec<u32> {
        let mut next = 0u32;
        used.iter()
            .map(|&u| {
                let k = next;
                next += u32::from(u);
                k
            })
            .collect()
    }
    let mut used_r = vec![false; n_recipients];
    let mut used_i = vec![false; n_institutions];
    let mut used_n = vec![false; input.injuries.len()];
    for v in &kept {
        used_r[v.recipient as usize] = true;
        used_i[v.institution as usize] = true;
    }
    for t in &tickets {
        for &k in &t.injuries {
            if let Some(u) = used_n.get_mut(k as usize) {
                *u = true;
            }
        }
    }
    let (new_r, new_i, new_n) = (renumber(&used_r), renumber(&used_i), renumber(&used_n));
    fn keep<T: Clone>(items: &[T], used: &[bool]) -> Vec<T> {
        let used = used.iter().copied();
        items
            .iter()
            .zip(used)
            .filter(|(_, u)| *u)
            .map(|(t, _)| t.clone())
            .collect()
    }
    out.recipients = keep(&input.recipients, &used_r);
    out.institutions = keep(&input.institutions, &used_i);
    out.injuries = keep(&input.injuries, &used_n);
    out.verifications = kept
        .into_iter()
        .map(|v| Verification {
            recipient: new_r[v.recipient as usize],
            institution: new_i[v.institution as usize],
            ..v
        })
        .collect();
    out.tickets = tickets
        .into_iter()
        .map(|t| TicketSpan {
            recipient: new_r[t.recipient as usize],
            institution: new_i[t.institution as usize],
            valid_from: t.valid_from,
            valid_until: t.valid_until,
            injuries: t
                .injuries
                .iter()
                .filter_map(|&k| new_n.get(k as usize).copied())
                .collect(),
        })
        .collect();
    out
}

/// The calendar of every institution `recipient_number` has verifications at in M−2..M,
/// sorted by 医療機関コード: what the browser shows as a candidate's evidence.
pub fn recipient_calendar(
    input: &ScreeningInput,
    recipient_number: &str,
    month: (i32, u32),
) -> Vec<InstitutionCalendar> {
    let month = shift_month(month, 0);
    let (Some(frame), Some(r)) = (
        Frame::new(input.start, month),
        input
            .recipients
            .iter()
            .position(|p| p.number == recipient_number),
    ) else {
        return Vec::new();
    };
    let r = index(r);
    let mut accs = Vec::new();
    let mine = input.verifications.iter().filter(|v| v.recipient == r);
    accumulate(&frame, input.institutions.len(), mine, &mut accs);
    let mut out: Vec<InstitutionCalendar> = accs
        .iter()
        .map(|acc| {
            let institution = &input.institutions[acc.institution as usize];
            let tickets = input.tickets.iter().filter(|t| t.recipient == r);
            let cover = coverage(input, &frame, acc.institution, tickets);
            InstitutionCalendar {
                institution_code: institution.code.clone(),
                institution_name: institution.name.clone(),
                score_table: score_table(&institution.code)
                    .map(|t| t.label_ja().to_string())
                    .unwrap_or_default(),
                counted: counted(&institution.code),
                evidence: evidence(&frame, acc, &cover.covered),
                single_ticket: cover.single,
            }
        })
        .collect();
    out.sort_by(|a, b| a.institution_code.cmp(&b.institution_code));
    out
}

/// `onshi screen --format csv`: [`CSV_HEADER`], then one line per row in the result's order
/// (受給者番号, 医療機関コード, 区分), `\n` line ends, 受診日 `;`-separated. Byte-for-byte the same
/// wherever it runs.
pub fn to_csv(result: &ScreeningResult) -> String {
    let mut out = String::with_capacity(64 * (result.rows.len() + 1));
    out.push_str(CSV_HEADER);
    out.push('\n');
    for row in &result.rows {
        let dates: Vec<String> = row.dates.iter().map(NaiveDate::to_string).collect();
        let total = row
            .days_in_three_months
            .map(|t| t.to_string())
            .unwrap_or_default();
        let cells = [
            csv_cell(&row.recipient_number),
            csv_cell(&row.institution_code),
            row.category.label_ja().to_string(),
            row.days_in_month.to_string(),
            total,
            dates.join(";"),
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// Quote a cell that needs it (RFC 4180).
fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use QualificationValidity::{Invalid, NotFound, Valid, ValidUnregistered};

    const A: &str = "1234566";
    const B: &str = "0000018";
    const CLINIC: &str = "1311234569";
    const CLINIC2: &str = "1312234568";
    const CLINIC3: &str = "1313234567";
    const CLINIC4: &str = "1314234566";
    const DENTAL: &str = "1331234565";
    const PHARMACY: &str = "1341234563";
    const NURSING: &str = "1361234568";
    const PHARMACY2: &str = "1342234562";
    const DENTAL2: &str = "1332234564";
    const DENTAL3: &str = "1333234563";

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// One step of a case's setup.
    enum Step {
        /// Verifications by (recipient, institution, year, month, days, verdict, times a day).
        Days(
            &'static str,
            &'static str,
            i32,
            u32,
            Vec<u32>,
            QualificationValidity,
            usize,
        ),
        /// One verification at a UTC instant (y, m, d, h).
        At(
            &'static str,
            &'static str,
            (i32, u32, u32, u32),
            QualificationValidity,
        ),
        /// A ticket (recipient, institution, from, until).
        Ticket(&'static str, &'static str, NaiveDate, NaiveDate),
    }
    use Step::{At, Days, Ticket};

    fn run(r: &'static str, i: &'static str, y: i32, m: u32, days: u32) -> Step {
        Days(r, i, y, m, (1..=days).collect(), Valid, 1)
    }

    fn build(month: (i32, u32), steps: &[Step]) -> ScreeningInput {
        let mut b = InputBuilder::for_month("12131017", month);
        for step in steps {
            match step {
                Days(r, i, y, m, days, verdict, times) => {
                    for d in days {
                        for _ in 0..*times {
                            b.verification(r, i, date(*y, *m, *d), *verdict);
                        }
                    }
                }
                At(r, i, (y, m, d, h), verdict) => {
                    let at = Utc.with_ymd_and_hms(*y, *m, *d, *h, 0, 0).unwrap();
                    b.verification_at(r, i, at, *verdict);
                }
                Ticket(r, i, from, until) => {
                    b.ticket(r, i, *from, *until, &["腰痛症"]);
                }
            }
        }
        b.build()
    }

    /// `want`: the CSV lines without the header.
    /// Screen, and check that the pruned input (what the server sends) answers the same.
    fn screened(month: (i32, u32), steps: &[Step]) -> ScreeningResult {
        let input = build(month, steps);
        let result = screen(&input, month);
        let pruned = prune(&input, month);
        assert_eq!(screen(&pruned, month), result, "pruned input");
        for r in &input.recipients {
            assert_eq!(
                recipient_calendar(&pruned, &r.number, month),
                recipient_calendar(&input, &r.number, month),
                "pruned calendar of {}",
                r.number
            );
        }
        assert!(pruned
            .verifications
            .iter()
            .all(|v| v.validity.is_eligible()));
        result
    }

    fn check(name: &str, month: (i32, u32), steps: Vec<Step>, want: &[&str]) {
        let csv = to_csv(&screened(month, &steps));
        let got: Vec<&str> = csv.lines().skip(1).collect();
        assert_eq!(got, want, "{name}");
    }

    /// 頻回/短期 lines without the dates column (its length follows from 当月日数).
    fn counts_only(name: &str, month: (i32, u32), steps: Vec<Step>, want: &[&str]) {
        let result = screened(month, &steps);
        let got: Vec<String> = result
            .rows
            .iter()
            .map(|r| {
                assert_eq!(r.dates.len() as u32, r.days_in_month, "{name}");
                let total = r
                    .days_in_three_months
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                format!(
                    "{} {} {} {} {}",
                    r.recipient_number,
                    r.institution_code,
                    r.category.label_ja(),
                    r.days_in_month,
                    total
                )
            })
            .collect();
        assert_eq!(got, want, "{name}");
    }

    #[rustfmt::skip]
    #[test]
    fn screening_visit_day_rules() {
        let m = (2024, 3);
        counts_only("14 days in M is not screened, even with 40 in total", m, vec![run(A, CLINIC, 2024, 3, 14), run(A, CLINIC, 2024, 2, 26)], &[]);
        counts_only("15 days in M and 40 in total: candidate", m, vec![run(A, CLINIC, 2024, 3, 15), run(A, CLINIC, 2024, 2, 25)], &["1234566 1311234569 頻回受診候補 15 40"]);
        counts_only("15 days in M and 39 in total: short intensive", m, vec![run(A, CLINIC, 2024, 3, 15), run(A, CLINIC, 2024, 2, 24)], &["1234566 1311234569 短期集中治療の可能性 15 39"]);
        counts_only("M-2 counts towards 40", m, vec![run(A, CLINIC, 2024, 3, 15), run(A, CLINIC, 2024, 2, 24), run(A, CLINIC, 2024, 1, 1)], &["1234566 1311234569 頻回受診候補 15 40"]);
        counts_only("M-3 does not count", m, vec![run(A, CLINIC, 2024, 3, 15), run(A, CLINIC, 2023, 12, 31)], &["1234566 1311234569 短期集中治療の可能性 15 15"]);
        counts_only("M+1 does not count", m, vec![run(A, CLINIC, 2024, 3, 14), run(A, CLINIC, 2024, 4, 30)], &[]);
        counts_only("every day of a 31-day month", m, vec![run(A, CLINIC, 2024, 3, 31), run(A, CLINIC, 2024, 2, 9)], &["1234566 1311234569 頻回受診候補 31 40"]);
        counts_only("leap February has 29 days", (2024, 2), vec![run(A, CLINIC, 2024, 2, 29), run(A, CLINIC, 2024, 1, 11)], &["1234566 1311234569 頻回受診候補 29 40"]);
        counts_only("January looks back to November", (2024, 1), vec![run(A, CLINIC, 2024, 1, 15), run(A, CLINIC, 2023, 12, 15), run(A, CLINIC, 2023, 11, 10)], &["1234566 1311234569 頻回受診候補 15 40"]);
        counts_only("February looks back to December", (2024, 2), vec![run(A, CLINIC, 2024, 2, 15), run(A, CLINIC, 2023, 12, 25), run(A, CLINIC, 2023, 11, 30)], &["1234566 1311234569 頻回受診候補 15 40"]);
        counts_only("three verifications a day count once", m, vec![Days(A, CLINIC, 2024, 3, (1..=14).collect(), Valid, 3)], &[]);
        counts_only("two verifications a day on 15 days", m, vec![Days(A, CLINIC, 2024, 3, (1..=15).collect(), Valid, 2)], &["1234566 1311234569 短期集中治療の可能性 15 15"]);
        counts_only("verdict 2 (無効) is not a visit", m, vec![run(A, CLINIC, 2024, 3, 14), Days(A, CLINIC, 2024, 3, vec![20], Invalid, 1)], &[]);
        counts_only("verdict 4 (該当資格なし) is not a visit", m, vec![run(A, CLINIC, 2024, 3, 14), Days(A, CLINIC, 2024, 3, vec![20], NotFound, 1)], &[]);
        counts_only("verdict 2 and 4 on visit days change nothing", m, vec![run(A, CLINIC, 2024, 3, 15), Days(A, CLINIC, 2024, 3, (1..=31).collect(), Invalid, 1), Days(A, CLINIC, 2024, 2, (1..=29).collect(), NotFound, 1)], &["1234566 1311234569 短期集中治療の可能性 15 15"]);
        counts_only("verdict 6 is a visit (and a 未委託 date)", m, vec![run(A, CLINIC, 2024, 3, 14), Days(A, CLINIC, 2024, 3, vec![20], ValidUnregistered, 1)], &["1234566 1311234569 短期集中治療の可能性 15 15", "1234566 1311234569 未委託受診 1 "]);
        counts_only("歯科 counts", m, vec![run(A, DENTAL, 2024, 3, 15)], &["1234566 1331234565 短期集中治療の可能性 15 15"]);
        counts_only("pharmacies do not count", m, vec![run(A, PHARMACY, 2024, 3, 31), run(A, PHARMACY, 2024, 2, 29)], &[]);
        counts_only("訪問看護 does not count", m, vec![run(A, NURSING, 2024, 3, 31), run(A, NURSING, 2024, 2, 29)], &[]);
        counts_only("days are per institution, never summed", m, vec![run(A, CLINIC, 2024, 3, 10), run(A, CLINIC2, 2024, 3, 10)], &[]);
        counts_only("each institution on its own", m, vec![run(A, CLINIC2, 2024, 3, 15), run(A, CLINIC, 2024, 3, 15), run(A, CLINIC, 2024, 2, 25)], &["1234566 1311234569 頻回受診候補 15 40", "1234566 1312234568 短期集中治療の可能性 15 15"]);
        counts_only("per recipient, sorted by 受給者番号", m, vec![run(A, CLINIC, 2024, 3, 15), run(B, CLINIC, 2024, 3, 16)], &["0000018 1311234569 短期集中治療の可能性 16 16", "1234566 1311234569 短期集中治療の可能性 15 15"]);
        // JST: 15:00 UTC is midnight in Tokyo.
        counts_only("15:00 UTC on the last day of February is 1 March in JST", m, vec![Days(A, CLINIC, 2024, 3, (2..=15).collect(), Valid, 1), At(A, CLINIC, (2024, 2, 29, 15), Valid)], &["1234566 1311234569 短期集中治療の可能性 15 15"]);
        counts_only("14:00 UTC on the last day of February is still February", m, vec![Days(A, CLINIC, 2024, 3, (2..=15).collect(), Valid, 1), At(A, CLINIC, (2024, 2, 29, 14), Valid)], &[]);
        counts_only("15:00 UTC on 31 March is April in JST", m, vec![Days(A, CLINIC, 2024, 3, (2..=15).collect(), Valid, 1), At(A, CLINIC, (2024, 3, 31, 15), Valid)], &[]);
        counts_only("two UTC dates on one JST day count once", m, vec![run(A, CLINIC, 2024, 3, 14), At(A, CLINIC, (2024, 3, 19, 16), Valid), At(A, CLINIC, (2024, 3, 20, 2), Valid)], &["1234566 1311234569 短期集中治療の可能性 15 15"]);
    }

    #[rustfmt::skip]
    #[test]
    fn screening_unentrusted_rules() {
        let m = (2024, 3);
        let u = |d: &[u32]| Days(A, CLINIC, 2024, 3, d.to_vec(), ValidUnregistered, 1);
        check("two 未委託 dates", m, vec![u(&[10, 17])], &["1234566,1311234569,未委託受診,2,,2024-03-10;2024-03-17"]);
        check("two verifications on one day: one date", m, vec![Days(A, CLINIC, 2024, 3, vec![10], ValidUnregistered, 3)], &["1234566,1311234569,未委託受診,1,,2024-03-10"]);
        check("事後委託 removes the covered date", m, vec![u(&[10, 17]), Ticket(A, CLINIC, date(2024, 3, 10), date(2024, 3, 10))], &["1234566,1311234569,未委託受診,1,,2024-03-17"]);
        check("a ticket covering both removes the row", m, vec![u(&[10, 17]), Ticket(A, CLINIC, date(2024, 3, 1), date(2024, 3, 31))], &[]);
        check("a ticket ending the day before covers nothing", m, vec![u(&[10]), Ticket(A, CLINIC, date(2024, 3, 1), date(2024, 3, 9))], &["1234566,1311234569,未委託受診,1,,2024-03-10"]);
        check("a ticket starting the day after covers nothing", m, vec![u(&[10]), Ticket(A, CLINIC, date(2024, 3, 11), date(2024, 3, 31))], &["1234566,1311234569,未委託受診,1,,2024-03-10"]);
        check("a ticket naming another institution covers nothing", m, vec![u(&[10]), Ticket(A, CLINIC2, date(2024, 3, 1), date(2024, 3, 31))], &["1234566,1311234569,未委託受診,1,,2024-03-10"]);
        check("another recipient's ticket covers nothing", m, vec![u(&[10]), Ticket(B, CLINIC, date(2024, 3, 1), date(2024, 3, 31))], &["1234566,1311234569,未委託受診,1,,2024-03-10"]);
        check("pharmacies count for 未委託", m, vec![Days(A, PHARMACY, 2024, 3, vec![5], ValidUnregistered, 1)], &["1234566,1341234563,未委託受診,1,,2024-03-05"]);
        check("訪問看護 counts for 未委託", m, vec![Days(A, NURSING, 2024, 3, vec![5], ValidUnregistered, 1)], &["1234566,1361234568,未委託受診,1,,2024-03-05"]);
        check("verdict 1 on the same day does not hide the 6", m, vec![u(&[10]), Days(A, CLINIC, 2024, 3, vec![10], Valid, 1)], &["1234566,1311234569,未委託受診,1,,2024-03-10"]);
        check("verdict 1, 2, 4 alone are not 未委託", m, vec![Days(A, CLINIC, 2024, 3, vec![1], Valid, 1), Days(A, CLINIC, 2024, 3, vec![2], Invalid, 1), Days(A, CLINIC, 2024, 3, vec![3], NotFound, 1)], &[]);
        check("6 in the previous month is not this month's", m, vec![Days(A, CLINIC, 2024, 2, vec![29], ValidUnregistered, 1)], &[]);
        check("6 at 15:00 UTC on 31 March is April's", m, vec![At(A, CLINIC, (2024, 3, 31, 15), ValidUnregistered)], &[]);
        check("6 at 15:00 UTC on 29 February is March's", m, vec![At(A, CLINIC, (2024, 2, 29, 15), ValidUnregistered)], &["1234566,1311234569,未委託受診,1,,2024-03-01"]);
        check("a candidate and 未委託 at one institution: 区分 order", m, vec![Days(A, CLINIC, 2024, 3, (1..=15).collect(), ValidUnregistered, 1), Ticket(A, CLINIC, date(2024, 3, 2), date(2024, 3, 31)), run(A, CLINIC, 2024, 2, 25)],
            &["1234566,1311234569,頻回受診候補,15,40,2024-03-01;2024-03-02;2024-03-03;2024-03-04;2024-03-05;2024-03-06;2024-03-07;2024-03-08;2024-03-09;2024-03-10;2024-03-11;2024-03-12;2024-03-13;2024-03-14;2024-03-15",
              "1234566,1311234569,未委託受診,1,,2024-03-01"]);
        check("sorted by 受給者番号 then 医療機関コード", m, vec![Days(B, PHARMACY, 2024, 3, vec![2], ValidUnregistered, 1), Days(B, CLINIC, 2024, 3, vec![3], ValidUnregistered, 1), u(&[4])],
            &["0000018,1311234569,未委託受診,1,,2024-03-03", "0000018,1341234563,未委託受診,1,,2024-03-02", "1234566,1311234569,未委託受診,1,,2024-03-04"]);
    }

    #[rustfmt::skip]
    #[test]
    fn screening_many_institutions() {
        let m = (2024, 3);
        let one = |i: &'static str| Days(A, i, 2024, 3, vec![4], Valid, 1);
        let many = |steps: Vec<Step>| {
            screened(m, &steps).many_institutions.iter()
                .map(|r| format!("{} {}", r.recipient_number, r.institutions.iter().map(|i| format!("{}:{}", i.institution_code, i.days_in_month)).collect::<Vec<_>>().join(" ")))
                .collect::<Vec<_>>()
        };
        assert_eq!(many(vec![one(CLINIC), one(CLINIC2), one(CLINIC3)]), Vec::<String>::new(), "three is not many");
        assert_eq!(many(vec![one(CLINIC4), one(CLINIC), one(CLINIC2), one(DENTAL), run(A, CLINIC3, 2024, 3, 3)]),
            ["1234566 1311234569:1 1312234568:1 1313234567:3 1314234566:1 1331234565:1"], "five, sorted by code");
        assert_eq!(many(vec![one(CLINIC), one(CLINIC2), one(CLINIC3), one(PHARMACY), one(NURSING)]), Vec::<String>::new(), "pharmacies and 訪問看護 are not counted");
        assert_eq!(many(vec![one(CLINIC), one(CLINIC2), one(CLINIC3), Days(A, CLINIC4, 2024, 2, vec![4], Valid, 1)]), Vec::<String>::new(), "only the month itself");
        assert_eq!(many(vec![one(CLINIC), one(CLINIC2), one(CLINIC3), Days(A, CLINIC4, 2024, 3, vec![4], Invalid, 1)]), Vec::<String>::new(), "verdict 2 is no visit");
        assert_eq!(many(vec![one(CLINIC), one(CLINIC2), one(CLINIC3), Days(A, CLINIC4, 2024, 3, vec![4], ValidUnregistered, 1)]).len(), 1, "verdict 6 is a visit");
    }

    /// 重複調剤 and 重複受診 as `recipient 区分 診療別 dates institution:days …`.
    fn duplicates_of(month: (i32, u32), steps: Vec<Step>) -> Vec<String> {
        screened(month, &steps)
            .duplicates
            .iter()
            .map(|r| {
                let dates: Vec<String> = r.dates.iter().map(|d| d.day().to_string()).collect();
                let places: Vec<String> = r
                    .institutions
                    .iter()
                    .map(|i| format!("{}:{}", i.institution_code, i.days_in_month))
                    .collect();
                format!(
                    "{} {} {} {} {}",
                    r.recipient_number,
                    r.kind.label_ja(),
                    r.score_table,
                    dates.join(";"),
                    places.join(" ")
                )
            })
            .collect()
    }

    #[rustfmt::skip]
    #[test]
    fn screening_duplicate_dispensing() {
        let m = (2024, 3);
        let at = |r, i, days: Vec<u32>| Days(r, i, 2024, 3, days, Valid, 1);
        let none = Vec::<String>::new();
        assert_eq!(duplicates_of(m, vec![at(A, PHARMACY, vec![4]), at(A, PHARMACY2, vec![4, 9])]),
            ["1234566 重複調剤 調剤 4 1341234563:1 1342234562:1"], "two pharmacies on one day");
        assert_eq!(duplicates_of(m, vec![Days(A, PHARMACY, 2024, 3, vec![4], Valid, 2)]), none, "the same pharmacy twice a day is not 重複");
        assert_eq!(duplicates_of(m, vec![at(A, PHARMACY, vec![4]), at(A, PHARMACY2, vec![5])]), none, "different days are not 重複");
        assert_eq!(duplicates_of(m, vec![at(A, PHARMACY, vec![4]), at(A, CLINIC, vec![4])]), none, "a clinic and a pharmacy the same day are a visit and its 処方");
        assert_eq!(duplicates_of(m, vec![Days(A, PHARMACY, 2024, 2, vec![4], Valid, 1), Days(A, PHARMACY2, 2024, 2, vec![4], Valid, 1)]), none, "only the month itself");
        assert_eq!(duplicates_of(m, vec![at(A, PHARMACY, vec![4]), Days(A, PHARMACY2, 2024, 3, vec![4], Invalid, 1)]), none, "verdict 2 is no dispensing");
        assert_eq!(duplicates_of(m, vec![at(A, PHARMACY, vec![4]), Days(A, PHARMACY2, 2024, 3, vec![4], ValidUnregistered, 1)]).len(), 1, "verdict 6 counts");
        assert_eq!(duplicates_of(m, vec![at(A, PHARMACY, vec![4]), at(B, PHARMACY2, vec![4])]), none, "two recipients are not one");
        assert_eq!(duplicates_of(m, vec![at(A, PHARMACY, vec![1, 31]), at(A, PHARMACY2, vec![1, 31])]),
            ["1234566 重複調剤 調剤 1;31 1341234563:2 1342234562:2"], "first and last day of the month");
    }

    #[rustfmt::skip]
    #[test]
    fn screening_duplicate_visits() {
        let m = (2024, 3);
        let at = |i, days: Vec<u32>| Days(A, i, 2024, 3, days, Valid, 1);
        let none = Vec::<String>::new();
        assert_eq!(duplicates_of(m, vec![at(CLINIC, vec![2]), at(CLINIC2, vec![3])]), none, "two clinics are not 重複");
        assert_eq!(duplicates_of(m, vec![at(CLINIC, vec![2]), at(CLINIC2, vec![3]), at(CLINIC3, vec![3, 9])]),
            ["1234566 重複受診 医科 2;3;9 1311234569:1 1312234568:1 1313234567:2"], "three 医科");
        assert_eq!(duplicates_of(m, vec![at(CLINIC, vec![2]), at(CLINIC2, vec![3]), at(DENTAL, vec![4])]), none, "医科 and 歯科 are counted apart");
        assert_eq!(duplicates_of(m, vec![at(DENTAL, vec![2]), at(DENTAL2, vec![2]), at(DENTAL3, vec![5]), at(PHARMACY, vec![7])]),
            ["1234566 重複受診 歯科 2;5 1331234565:1 1332234564:1 1333234563:1"], "three 歯科");
        assert_eq!(duplicates_of(m, vec![at(CLINIC, vec![2]), at(CLINIC2, vec![3]), Days(A, CLINIC3, 2024, 2, vec![4], Valid, 1)]), none, "only the month itself");
        assert_eq!(duplicates_of(m, vec![at(NURSING, vec![2]), at(CLINIC, vec![2]), at(CLINIC2, vec![3])]), none, "訪問看護 is not 医科");
        let summary = screened(m, &[at(CLINIC, vec![2]), at(CLINIC2, vec![3]), at(CLINIC3, vec![3]), at(PHARMACY, vec![3]), at(PHARMACY2, vec![3]), Days(B, PHARMACY, 2024, 3, vec![5], Valid, 1), Days(B, PHARMACY2, 2024, 3, vec![5], Valid, 1)]).summary;
        assert_eq!((summary.duplicate_dispensing, summary.duplicate_visits), (2, 1));
        assert_eq!(duplicates_of(m, vec![Days(B, PHARMACY, 2024, 3, vec![5], Valid, 1), Days(B, PHARMACY2, 2024, 3, vec![5], Valid, 1), at(PHARMACY, vec![3]), at(PHARMACY2, vec![3])]),
            ["0000018 重複調剤 調剤 5 1341234563:1 1342234562:1", "1234566 重複調剤 調剤 3 1341234563:1 1342234562:1"], "sorted by 受給者番号");
    }

    #[test]
    fn screening_single_ticket_note_and_evidence() {
        let m = (2024, 3);
        let mut b = InputBuilder::for_month("12131017", m);
        b.recipient(A, "東京　一郎");
        b.institution(CLINIC, "テスト内科");
        for d in 1..=15 {
            b.verification(A, CLINIC, date(2024, 3, d), Valid);
        }
        for d in [5, 6] {
            b.verification(A, CLINIC, date(2024, 1, d), Valid);
        }
        b.verification(A, CLINIC, date(2024, 2, 7), ValidUnregistered);
        b.verification(A, CLINIC, date(2024, 2, 8), ValidUnregistered);
        b.ticket(
            A,
            CLINIC,
            date(2024, 2, 8),
            date(2024, 2, 8),
            &["急性胃腸炎"],
        );
        b.ticket(
            A,
            CLINIC,
            date(2024, 3, 1),
            date(2024, 3, 31),
            &["腰痛症", "", "高血圧症"],
        );
        b.ticket(A, CLINIC2, date(2024, 3, 1), date(2024, 3, 31), &["不眠症"]);
        let input = b.build();
        let result = screen(&input, m);
        assert_eq!(result.rows.len(), 1);
        let row = &result.rows[0];
        assert_eq!(
            (row.recipient_name.as_str(), row.institution_name.as_str()),
            ("東京　一郎", "テスト内科")
        );
        assert_eq!(row.days_in_three_months, Some(19));
        assert_eq!(
            row.single_ticket,
            Some(SingleTicket {
                valid_from: date(2024, 3, 1),
                valid_until: date(2024, 3, 31),
                injuries: vec!["腰痛症".into(), "高血圧症".into()],
            })
        );
        let months: Vec<&str> = row.evidence.iter().map(|e| e.month.as_str()).collect();
        assert_eq!(months, ["2024-01", "2024-02", "2024-03"]);
        assert_eq!(result.months, ["2024-01", "2024-02", "2024-03"]);
        assert_eq!(row.evidence[0].days, [5, 6]);
        assert_eq!(
            (
                &row.evidence[1].days,
                &row.evidence[1].unentrusted,
                &row.evidence[1].retroactive
            ),
            (&vec![7, 8], &vec![7], &vec![8])
        );
        assert_eq!(row.evidence[2].days, (1..=15).collect::<Vec<u8>>());

        // A second ticket naming the clinic that month: no single ticket to attribute the days to.
        let mut b = InputBuilder::for_month("12131017", m);
        for d in 1..=15 {
            b.verification(A, CLINIC, date(2024, 3, d), Valid);
        }
        b.ticket(A, CLINIC, date(2024, 3, 1), date(2024, 3, 15), &["腰痛症"]);
        b.ticket(A, CLINIC, date(2024, 3, 16), date(2024, 3, 31), &["腰痛症"]);
        b.ticket(A, CLINIC, date(2024, 2, 1), date(2024, 2, 29), &["腰痛症"]);
        assert_eq!(screen(&b.build(), m).rows[0].single_ticket, None);

        // The candidate's calendar: every institution, pharmacies included, sorted by code.
        let mut b = InputBuilder::for_month("12131017", m);
        b.verification(A, PHARMACY, date(2024, 3, 2), Valid);
        b.verification(A, CLINIC, date(2024, 2, 2), Valid);
        b.verification(A, CLINIC, date(2024, 3, 3), Invalid);
        b.verification(B, DENTAL, date(2024, 3, 2), Valid);
        let calendar = recipient_calendar(&b.build(), A, m);
        let got: Vec<(&str, &str, bool)> = calendar
            .iter()
            .map(|c| {
                (
                    c.institution_code.as_str(),
                    c.score_table.as_str(),
                    c.counted,
                )
            })
            .collect();
        assert_eq!(got, [(CLINIC, "医科", true), (PHARMACY, "調剤", false)]);
        assert_eq!(calendar[0].evidence[1].days, [2]);
        assert!(
            calendar[0].evidence[2].days.is_empty(),
            "verdict 2 is not shown"
        );
        assert!(recipient_calendar(&input, "9999999", m).is_empty());
    }

    #[test]
    fn screening_prune_keeps_only_what_the_month_reads() {
        let m = (2024, 3);
        let mut b = InputBuilder::for_month("12131017", m);
        b.recipient(B, "使われない");
        b.institution(NURSING, "使われない");
        b.verification(A, CLINIC, date(2024, 3, 4), Valid);
        b.verification(A, CLINIC, date(2024, 3, 5), Invalid);
        b.verification(A, CLINIC, date(2024, 4, 1), Valid);
        b.verification(A, DENTAL, date(2024, 1, 9), Valid);
        b.verification(A, PHARMACY, date(2024, 2, 7), ValidUnregistered);
        b.verification(B, CLINIC2, date(2024, 3, 5), NotFound);
        b.ticket(A, CLINIC, date(2024, 3, 1), date(2024, 3, 31), &["腰痛症"]);
        b.ticket(A, CLINIC, date(2024, 2, 1), date(2024, 2, 29), &["不要"]);
        b.ticket(A, DENTAL, date(2024, 1, 1), date(2024, 1, 31), &["不要"]);
        b.ticket(A, DENTAL, date(2024, 3, 1), date(2024, 3, 31), &["う蝕"]);
        b.ticket(A, PHARMACY, date(2024, 2, 7), date(2024, 2, 7), &[]);
        b.ticket(A, CLINIC2, date(2024, 3, 1), date(2024, 3, 31), &["不要"]);
        let input = b.build();
        let pruned = prune(&input, m);
        let recipients: Vec<&str> = pruned
            .recipients
            .iter()
            .map(|r| r.number.as_str())
            .collect();
        assert_eq!(recipients, [A]);
        let institutions: Vec<&str> = pruned
            .institutions
            .iter()
            .map(|i| i.code.as_str())
            .collect();
        assert_eq!(
            institutions,
            [CLINIC, DENTAL, PHARMACY],
            "in first-seen order"
        );
        assert_eq!(pruned.verifications.len(), 3, "verdicts 1 and 6 in M−2..M");
        let tickets: Vec<(u32, u16, u16)> = pruned
            .tickets
            .iter()
            .map(|t| (t.institution, t.valid_from, t.valid_until))
            .collect();
        assert_eq!(
            tickets,
            [(0, 60, 90), (1, 60, 90), (2, 37, 37)],
            "M's, and the one covering a 6"
        );
        assert_eq!(pruned.injuries, ["腰痛症", "う蝕"]);
        assert_eq!(screen(&pruned, m), screen(&input, m));
        assert_eq!(
            recipient_calendar(&pruned, A, m),
            recipient_calendar(&input, A, m)
        );
        assert!(prune(&input, (i32::MAX, 1)).verifications.is_empty());
    }

    /// `docs/samples/screening.csv` is what `onshi screen` writes for this case.
    #[rustfmt::skip]
    #[test]
    fn screening_sample_file() {
        let m = (2024, 4);
        let result = screened(m, &[
            Days(B, CLINIC, 2024, 4, (1..=16).collect(), Valid, 1),
            Days(B, CLINIC, 2024, 3, (1..=14).collect(), Valid, 2),
            Days(B, CLINIC, 2024, 2, (1..=10).collect(), Valid, 1),
            Days("0000026", "1331200012", 2024, 4, (8..=22).collect(), Valid, 1),
            Days(B, "1311200032", 2024, 4, vec![2, 20], ValidUnregistered, 1),
            Days(A, "1341200028", 2024, 4, vec![5, 12], ValidUnregistered, 1),
            Days(A, "1341200028", 2024, 4, vec![6, 7], Invalid, 1),
            Ticket(A, "1341200028", date(2024, 4, 12), date(2024, 4, 12)),
        ]);
        assert_eq!(to_csv(&result), include_str!("../../docs/samples/screening.csv"));
    }

    #[test]
    fn screening_csv_format_and_summary() {
        let m = (2024, 3);
        let steps = vec![
            run(A, CLINIC, 2024, 3, 15),
            run(A, CLINIC, 2024, 2, 25),
            run(B, DENTAL, 2024, 3, 16),
            Days(B, PHARMACY, 2024, 3, vec![3, 1], ValidUnregistered, 1),
        ];
        let result = screened(m, &steps);
        let csv = to_csv(&result);
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(CSV_HEADER));
        assert_eq!(
            CSV_HEADER,
            "受給者番号,医療機関コード,区分,当月日数,3か月合計日数,受診日"
        );
        assert!(lines
            .next()
            .unwrap()
            .starts_with("0000018,1331234565,短期集中治療の可能性,16,16,2024-03-01;2024-03-02;"));
        assert_eq!(
            lines.next(),
            Some("0000018,1341234563,未委託受診,2,,2024-03-01;2024-03-03")
        );
        assert!(lines
            .next()
            .unwrap()
            .starts_with("1234566,1311234569,頻回受診候補,15,40,2024-03-01;"));
        assert_eq!(lines.next(), None);
        assert!(csv.ends_with('\n') && !csv.contains('\r'));
        assert_eq!(
            result.summary,
            ScreeningSummary {
                recipients_with_visits: 2,
                frequent: 1,
                short_intensive: 1,
                unentrusted: 1,
                unentrusted_dates: 2,
                many_institutions: 0,
                duplicate_dispensing: 0,
                duplicate_visits: 0,
            }
        );
        assert_eq!(
            to_csv(&screen(&build(m, &[]), m)),
            format!("{CSV_HEADER}\n")
        );
        assert_eq!(csv_cell("a,b\"c"), "\"a,b\"\"c\"");
    }

    #[test]
    fn screening_input_is_compact_json_and_round_trips() {
        let m = (2024, 3);
        let mut b = InputBuilder::for_month("12131017", m);
        b.recipient(A, "東京　一郎");
        b.institution(CLINIC, "テスト内科");
        b.verification(A, CLINIC, date(2024, 1, 2), Valid);
        b.verification(A, PHARMACY, date(2024, 3, 31), ValidUnregistered);
        b.ticket(A, CLINIC, date(2024, 3, 1), date(2024, 3, 31), &["腰痛症"]);
        assert!(
            !b.verification(A, CLINIC, date(2023, 12, 31), Valid),
            "before start"
        );
        assert!(!b.ticket(A, CLINIC, date(2023, 12, 1), date(2023, 12, 31), &[]));
        let input = b.build();
        let json = serde_json::to_string(&input).unwrap();
        assert_eq!(
            json,
            r#"{"office":"12131017","start":"2024-01-01","recipients":[["1234566","東京　一郎"]],"institutions":[["1311234569","テスト内科"],["1341234563",""]],"injuries":["腰痛症"],"verifications":[[0,0,1,"1"],[0,1,90,"6"]],"tickets":[[0,0,60,90,[0]]]}"#
        );
        let back: ScreeningInput = serde_json::from_str(&json).unwrap();
        assert_eq!(back, input);
        let result = screen(&input, m);
        let back: ScreeningResult =
            serde_json::from_str(&serde_json::to_string(&result).unwrap()).unwrap();
        assert_eq!(back, result);
        assert!(serde_json::to_string(&result)
            .unwrap()
            .contains("\"未委託受診\""));
    }

    #[test]
    fn screening_tolerates_bad_indices_and_odd_months() {
        let input = ScreeningInput {
            office: "12131017".into(),
            start: date(2024, 1, 1),
            recipients: vec![Recipient {
                number: A.into(),
                name: String::new(),
            }],
            institutions: vec![Institution {
                code: "x".into(),
                name: String::new(),
            }],
            injuries: vec![],
            verifications: vec![
                Verification {
                    recipient: 7,
                    institution: 0,
                    day: 70,
                    validity: ValidUnregistered,
                },
                Verification {
                    recipient: 0,
                    institution: 9,
                    day: 70,
                    validity: ValidUnregistered,
                },
                Verification {
                    recipient: 0,
                    institution: 0,
                    day: u16::MAX,
                    validity: ValidUnregistered,
                },
                Verification {
                    recipient: 0,
                    institution: 0,
                    day: 70,
                    validity: ValidUnregistered,
                },
            ],
            tickets: vec![TicketSpan {
                recipient: 0,
                institution: 0,
                valid_from: 80,
                valid_until: 70,
                injuries: vec![42],
            }],
        };
        let result = screen(&input, (2024, 3));
        assert_eq!(result.rows.len(), 1, "only the well-formed verification");
        assert_eq!(
            result.rows[0].single_ticket, None,
            "an empty ticket names no month"
        );
        assert_eq!(screen(&input, (2024, 15)).month, "2025-03");
        assert_eq!(screen(&input, (2024, 0)).month, "2023-12");
        assert!(screen(&input, (i32::MAX, 1)).rows.is_empty());
    }

    #[rustfmt::skip]
    #[test]
    fn screening_months() {
        // None: refused with the Japanese message naming the field.
        let cases: &[(&str, Option<(i32, u32)>)] = &[
            ("2024-03", Some((2024, 3))), ("2024-3", Some((2024, 3))), ("2024/03", Some((2024, 3))),
            ("２０２４－０３", Some((2024, 3))), ("202403", Some((2024, 3))), (" 2024-12 ", Some((2024, 12))),
            ("2024-13", None), ("2024-00", None), ("24-03", None), ("", None), ("2024-03-01", None), ("abcd-ef", None),
        ];
        for (text, want) in cases {
            let got = parse_month(text, "対象月").map_err(|e| assert!(e.message.contains("YYYY-MM") && e.field == "対象月"));
            assert_eq!(got.ok(), *want, "{text:?}");
        }
        assert_eq!(shift_month((2024, 1), -2), (2023, 11));
        assert_eq!(shift_month((2024, 12), 1), (2025, 1));
        assert_eq!(month_label(shift_month((2024, 3), -14)), "2023-01");
        assert_eq!(period((2024, 1)), Some((date(2023, 11, 1), date(2024, 1, 31))));
        assert_eq!(period((2024, 4)), Some((date(2024, 2, 1), date(2024, 4, 30))));
        assert_eq!(month_of(date(2024, 2, 29)), (2024, 2));
    }
}
