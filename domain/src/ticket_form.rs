//! Issuing and amending a 医療券/調剤券 from what the caseworker typed: parse each item,
//! fill the usual defaults, then check the rules between items ([`check_consistency`]),
//! the recipient's 資格 over the whole 有効期間, and 事後委託.
//!
//! What needs the database (is the institution registered? its name?) is the server's
//! part; everything else is here, so the browser can check a form before it is sent.

use chrono::{Datelike, NaiveDate};

use crate::api::TicketInput;
use crate::error::FieldError;
use crate::numbers::{normalize_digits, InstitutionCode, ScoreTable};
use crate::qualification::QualifiedPeriod;
use crate::text::{check_chars, Lines};
use crate::ticket::{check_consistency, month_bounds, Ticket};
use crate::wareki::{parse_date_input, parse_month_input};

pub const FIELD_MONTH: &str = "診療年月";
pub const FIELD_VALID_FROM: &str = "有効開始日";
pub const FIELD_VALID_UNTIL: &str = "有効終了日";
pub const FIELD_INSTITUTION: &str = "指定医療機関コード";
pub const FIELD_PRESCRIBER: &str = "処方箋発行元医療機関コード";
pub const FIELD_INJURY: &str = "傷病名";
pub const FIELD_AMOUNT: &str = "本人支払額";
pub const FIELD_DISTRICT: &str = "地区担当員名";
pub const FIELD_HANDLING: &str = "取扱担当者名";
pub const FIELD_REMARKS: &str = "備考";
pub const FIELD_RETROACTIVE: &str = "事後委託の理由";

const MAX_INJURY: usize = 50;
const MAX_REMARK: usize = 100;
const MAX_CONTACT: usize = 30;
const MAX_REASON: usize = 100;
const MAX_AMOUNT: i64 = 100_000_000;

/// What the form is checked against besides its own items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketContext {
    /// Today (JST).
    pub today: NaiveDate,
    /// The recipient's 資格取得日..=資格喪失日.
    pub qualification: QualifiedPeriod,
    /// Amending: the ticket as stored (its 診療年月 cannot change, and its own
    /// 有効開始日 is not 事後委託 a second time).
    pub former: Option<Ticket>,
    /// 地区担当員名 when the form leaves it blank (the recipient's caseworker).
    pub district_contact: String,
    /// 取扱担当者名 when the form leaves it blank (the person issuing).
    pub handling_contact: String,
}

/// Build the ticket, or every problem with the form. `issue_number` is the 交付番号 (for a
/// new ticket the server issues it once the form is accepted, so any placeholder will do).
pub fn build_ticket(
    input: &TicketInput,
    issue_number: &str,
    ctx: &TicketContext,
) -> Result<Ticket, Vec<FieldError>> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut push = |field: &str, message: String| errors.push(FieldError::new(field, message));

    let month = match parse_month_input(&input.treatment_month) {
        Ok((y, m)) => Some(format!("{y:04}-{m:02}")),
        Err(e) => {
            push(FIELD_MONTH, e.month_message());
            None
        }
    };
    if let (Some(month), Some(former)) = (&month, &ctx.former) {
        if *month != former.treatment_month {
            push(
                FIELD_MONTH,
                format!(
                    "診療年月は変更できません（この券は{}分）。取り消して新しく交付してください。",
                    former.treatment_month
                ),
            );
        }
    }
    let bounds = month.as_deref().and_then(month_bounds);
    let valid_from = parse_or_default(&input.valid_from, FIELD_VALID_FROM, &mut push, || {
        bounds.map(|(first, last)| {
            let start = if first <= ctx.today && ctx.today <= last {
                ctx.today
            } else {
                first
            };
            ctx.qualification
                .from
                .filter(|f| *f > start && *f <= last)
                .unwrap_or(start)
        })
    });
    let valid_until = parse_or_default(&input.valid_until, FIELD_VALID_UNTIL, &mut push, || {
        bounds.map(|(first, last)| {
            ctx.qualification
                .until
                .filter(|u| *u >= first && *u < last)
                .unwrap_or(last)
        })
    });
    let institution = match InstitutionCode::parse(&input.institution_code) {
        Ok(code) => Some(code),
        Err(e) => {
            push(FIELD_INSTITUTION, e.message());
            None
        }
    };
    let prescriber = match input
        .prescriber_code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Ok(None),
        Some(typed) => InstitutionCode::parse(typed).map(Some),
    };
    let prescriber = prescriber.unwrap_or_else(|e| {
        push(FIELD_PRESCRIBER, e.message());
        None
    });
    if prescriber
        .as_ref()
        .is_some_and(|p| p.score_table() == ScoreTable::Pharmacy)
    {
        push(
            FIELD_PRESCRIBER,
            "処方箋発行元が薬局（点数表番号4）のコードです。処方箋を発行した医療機関のコードを入力してください。".into(),
        );
    }
    let injury_names = texts(&input.injury_names, FIELD_INJURY, MAX_INJURY, &mut push);
    let remarks = texts(&input.remarks, FIELD_REMARKS, MAX_REMARK, &mut push);
    let self_pay_amount = match parse_amount(&input.self_pay_amount) {
        Ok(n) => n,
        Err(message) => {
            push(FIELD_AMOUNT, message);
            0
        }
    };
    let district_contact = contact(
        &input.district_contact,
        &ctx.district_contact,
        FIELD_DISTRICT,
        &mut push,
    );
    let handling_contact = contact(
        &input.handling_contact,
        &ctx.handling_contact,
        FIELD_HANDLING,
        &mut push,
    );
    let reason = input
        .retroactive_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON)
    {
        push(
            FIELD_RETROACTIVE,
            format!("事後委託の理由は{MAX_REASON}文字以内で入力してください。"),
        );
    } else if let Some(Err(e)) = reason
        .as_deref()
        .map(|r| check_chars(FIELD_RETROACTIVE, r, Lines::One))
    {
        push(FIELD_RETROACTIVE, e.message);
    }

    let (Some(month), Some(valid_from), Some(valid_until), Some(institution_code)) =
        (month, valid_from, valid_until, institution)
    else {
        return Err(errors);
    };
    let ticket = Ticket {
        ticket_type: input.ticket_type,
        issue_number: issue_number.to_string(),
        treatment_month: month,
        valid_from,
        valid_until,
        institution_code,
        institution_name: String::new(),
        prescriber_code: prescriber,
        prescriber_name: None,
        treatment_type: input.treatment_type,
        injury_names,
        self_pay_amount,
        single_or_combined: input.single_or_combined,
        social_insurance: input.social_insurance,
        infection_law: input.infection_law,
        elderly_care: input.elderly_care,
        prefectural_expense: input.prefectural_expense,
        district_contact,
        handling_contact,
        remarks,
        retroactive_reason: reason,
    };
    errors.extend(check_consistency(&ticket));
    errors.extend(check_against(&ticket, ctx));
    // One message per field: the first is the most basic.
    let mut seen = std::collections::HashSet::new();
    errors.retain(|e| seen.insert(e.field.clone()));
    if errors.is_empty() {
        Ok(ticket)
    } else {
        Err(errors)
    }
}

/// 傷病名 for a 医療券, the 資格 over the 有効期間, and 事後委託.
fn check_against(ticket: &Ticket, ctx: &TicketContext) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if ticket.ticket_type == crate::codes::TicketType::Medical && ticket.injury_names.is_empty() {
        errors.push(FieldError::new(
            FIELD_INJURY,
            "医療券には傷病名を1つ以上入力してください。",
        ));
    }
    let q = ctx.qualification;
    let period = match (q.from, q.until) {
        (None, _) => "資格が登録されていません".to_string(),
        (Some(from), None) => format!("資格取得日は{from}"),
        (Some(from), Some(until)) => format!("資格は{from}から{until}まで"),
    };
    for (field, date) in [
        (FIELD_VALID_FROM, ticket.valid_from),
        (FIELD_VALID_UNTIL, ticket.valid_until),
    ] {
        if !q.covers(date) {
            errors.push(FieldError::new(
                field,
                format!("{field}（{date}）に医療扶助の資格がありません（{period}）。有効期間は資格のある期間にしてください。"),
            ));
        }
    }
    // 事後委託: the ticket reaches back before today (and, amending, before its former start).
    let floor = ctx
        .former
        .as_ref()
        .map_or(ctx.today, |f| f.valid_from.min(ctx.today));
    let past = ticket.valid_from < ctx.today;
    match (&ticket.retroactive_reason, ticket.valid_from < floor) {
        (None, true) => errors.push(FieldError::new(
            FIELD_RETROACTIVE,
            format!(
                "有効開始日（{}）が今日より前です。受診後に交付する事後委託として、理由（急病・夜間・休日など）を入力してください。",
                ticket.valid_from
            ),
        )),
        (Some(_), _) if !past => errors.push(FieldError::new(
            FIELD_RETROACTIVE,
            "事後委託の理由は、有効開始日が今日より前の場合にだけ入力します。",
        )),
        _ => {}
    }
    errors
}

fn parse_or_default(
    typed: &str,
    field: &str,
    push: &mut impl FnMut(&str, String),
    default: impl FnOnce() -> Option<NaiveDate>,
) -> Option<NaiveDate> {
    if typed.trim().is_empty() {
        return default();
    }
    match parse_date_input(typed) {
        Ok(date) => Some(date),
        Err(e) => {
            push(field, e.message());
            None
        }
    }
}

/// Trimmed, blanks dropped, each at most `max` characters, one line.
fn texts(
    values: &[String],
    field: &str,
    max: usize,
    push: &mut impl FnMut(&str, String),
) -> Vec<String> {
    let kept: Vec<String> = values
        .iter()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    for (i, v) in kept.iter().enumerate() {
        if v.chars().count() > max {
            push(
                field,
                format!("{field}{}は{max}文字以内で入力してください。", i + 1),
            );
        } else if let Err(e) = check_chars(&format!("{field}{}", i + 1), v, Lines::One) {
            push(field, e.message);
        }
    }
    kept
}

fn contact(typed: &str, default: &str, field: &str, push: &mut impl FnMut(&str, String)) -> String {
    let value = match typed.trim() {
        "" => default.trim(),
        other => other,
    };
    if value.chars().count() > MAX_CONTACT {
        push(
            field,
            format!("{field}は{MAX_CONTACT}文字以内の1行で入力してください。"),
        );
    } else if let Err(e) = check_chars(field, value, Lines::One) {
        push(field, e.message);
    }
    value.to_string()
}

/// 本人支払額 as typed: "0", "1,200", "１２００円", "¥1,200"; "" = 0.
pub fn parse_amount(typed: &str) -> Result<i64, String> {
    if typed.contains(['-', '－', '−', 'ー', '‐']) {
        return Err(format!(
            "「{}」は使えません。0以上の円の金額を数字で入力してください。",
            typed.trim()
        ));
    }
    let cleaned: String = normalize_digits(typed)
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | '円' | '¥' | '￥'))
        .collect();
    if cleaned.is_empty() {
        return Ok(0);
    }
    if !cleaned.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "「{}」は金額として読めません。0以上の円の金額を数字で入力してください。",
            typed.trim()
        ));
    }
    match cleaned.parse::<i64>() {
        Ok(n) if n <= MAX_AMOUNT => Ok(n),
        _ => Err("本人支払額が大きすぎます。金額を確認してください。".to_string()),
    }
}

/// The first and last day of the month after `month` (`YYYY-MM`).
pub fn next_month(month: &str) -> Option<String> {
    let (_, last) = month_bounds(month)?;
    let next = last.succ_opt()?;
    Some(format!("{:04}-{:02}", next.year(), next.month()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::codes::{Presence, SingleOrCombined, TicketType, TreatmentType};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn input() -> TicketInput {
        TicketInput {
            ticket_type: TicketType::Medical,
            treatment_month: "令和6年6月".into(),
            valid_from: String::new(),
            valid_until: String::new(),
            institution_code: "1311234569".into(),
            prescriber_code: None,
            treatment_type: TreatmentType::Outpatient,
            injury_names: vec!["高血圧症".into(), " ".into()],
            self_pay_amount: "１，２００円".into(),
            single_or_combined: SingleOrCombined::Single,
            social_insurance: Presence::No,
            infection_law: Presence::No,
            elderly_care: Presence::No,
            prefectural_expense: Presence::No,
            district_contact: String::new(),
            handling_contact: String::new(),
            remarks: vec![],
            retroactive_reason: None,
        }
    }

    fn ctx() -> TicketContext {
        TicketContext {
            today: d("2024-06-20"),
            qualification: QualifiedPeriod {
                from: Some(d("2020-01-01")),
                until: None,
            },
            former: None,
            district_contact: "山川 太郎".into(),
            handling_contact: "福祉 一郎".into(),
        }
    }

    #[test]
    fn ticket_form_defaults() {
        let t = build_ticket(&input(), "202406-00001", &ctx()).unwrap();
        assert_eq!(
            (t.treatment_month.as_str(), t.valid_from, t.valid_until),
            ("2024-06", d("2024-06-20"), d("2024-06-30"))
        );
        assert_eq!(t.injury_names, ["高血圧症"]);
        assert_eq!(t.self_pay_amount, 1200);
        assert_eq!(
            (t.district_contact.as_str(), t.handling_contact.as_str()),
            ("山川 太郎", "福祉 一郎")
        );
        // Next month starts on the 1st; 資格 ending mid-month ends the ticket there.
        let mut next = input();
        next.treatment_month = "2024-07".into();
        let mut c = ctx();
        c.qualification.until = Some(d("2024-07-15"));
        let t = build_ticket(&next, "x", &c).unwrap();
        assert_eq!(
            (t.valid_from, t.valid_until),
            (d("2024-07-01"), d("2024-07-15"))
        );
        // 資格 starting later in the month starts the ticket there.
        let mut c = ctx();
        c.qualification.from = Some(d("2024-06-25"));
        let t = build_ticket(&input(), "x", &c).unwrap();
        assert_eq!(t.valid_from, d("2024-06-25"));
    }

    /// `change` breaks the form; the errors' fields must be exactly `fields`, the first
    /// message containing `want`.
    fn check(change: fn(&mut TicketInput, &mut TicketContext), fields: &[&str], want: &str) {
        let (mut i, mut c) = (input(), ctx());
        change(&mut i, &mut c);
        match build_ticket(&i, "x", &c) {
            Ok(t) => assert!(fields.is_empty(), "accepted {t:?}, want {fields:?}"),
            Err(errors) => {
                let got: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(got, fields, "{errors:?}");
                assert!(errors[0].message.contains(want), "{}", errors[0].message);
            }
        }
    }

    #[test]
    fn ticket_form_rules() {
        #[rustfmt::skip]
        type Change = fn(&mut TicketInput, &mut TicketContext);
        let cases: &[(Change, &[&str], &str)] = &[
            (|_, _| {}, &[], ""),
            (
                |i, _| i.treatment_month = "2024-13".into(),
                &[FIELD_MONTH],
                "存在しない月",
            ),
            (
                |i, _| i.valid_from = "2024-06-31".into(),
                &[FIELD_VALID_FROM],
                "存在しない日付",
            ),
            (
                |i, _| i.valid_until = "2024-07-01".into(),
                &[FIELD_VALID_UNTIL],
                "月内",
            ),
            (
                |i, _| {
                    i.valid_from = "2024-06-25".into();
                    i.valid_until = "2024-06-24".into()
                },
                &[FIELD_VALID_UNTIL],
                "有効開始日以降",
            ),
            (
                |i, _| i.institution_code = "1311234568".into(),
                &[FIELD_INSTITUTION],
                "検証番号",
            ),
            (
                |i, _| i.injury_names = vec![],
                &[FIELD_INJURY],
                "傷病名を1つ以上",
            ),
            (
                |i, _| i.injury_names = vec!["a".into(), "b".into(), "c".into(), "d".into()],
                &[FIELD_INJURY],
                "3つまで",
            ),
            (
                |i, _| i.self_pay_amount = "-5".into(),
                &[FIELD_AMOUNT],
                "0以上",
            ),
            (
                |i, _| i.injury_names = vec!["かぜ\u{202e}".into()],
                &[FIELD_INJURY],
                "傷病名1に使えない文字（文字の向きを変える制御文字 U+202E）",
            ),
            (
                |i, _| i.remarks = vec!["".into(), "備考\u{1b}[2J".into()],
                &[FIELD_REMARKS],
                "備考1に使えない文字（制御文字 U+001B）",
            ),
            (
                |i, _| i.district_contact = "山田\0".into(),
                &[FIELD_DISTRICT],
                "地区担当員名に使えない文字",
            ),
            (
                |i, _| {
                    i.valid_from = "R6.6.5".into();
                    i.retroactive_reason = Some("夜間\u{ffff}".into())
                },
                &[FIELD_RETROACTIVE],
                "U+FFFF",
            ),
            (
                |i, _| i.prescriber_code = Some("1311234569".into()),
                &[FIELD_PRESCRIBER],
                "調剤券にだけ",
            ),
            (
                |i, _| {
                    i.ticket_type = TicketType::Dispensing;
                    i.treatment_type = TreatmentType::Dispensing;
                    i.institution_code = "1341234563".into();
                },
                &[FIELD_PRESCRIBER],
                "処方箋発行元の医療機関",
            ),
            (
                |i, _| {
                    i.ticket_type = TicketType::Dispensing;
                    i.treatment_type = TreatmentType::Dispensing;
                    i.institution_code = "1341234563".into();
                    i.prescriber_code = Some("1341234563".into());
                },
                &[FIELD_PRESCRIBER],
                "薬局",
            ),
            (
                |i, _| {
                    i.ticket_type = TicketType::Dispensing;
                    i.treatment_type = TreatmentType::Dispensing;
                    i.institution_code = "1341234563".into();
                    i.prescriber_code = Some("1311234569".into());
                    i.injury_names = vec![];
                },
                &[],
                "",
            ),
            (
                |i, _| i.institution_code = "1341234563".into(),
                &[FIELD_INSTITUTION],
                "薬局には調剤券",
            ),
            // 資格
            (
                |_, c| c.qualification = QualifiedPeriod::default(),
                &[FIELD_VALID_FROM, FIELD_VALID_UNTIL],
                "資格が登録されていません",
            ),
            (
                |i, c| {
                    c.qualification.until = Some(d("2024-06-10"));
                    i.valid_until = "2024-06-30".into()
                },
                &[FIELD_VALID_FROM, FIELD_VALID_UNTIL],
                "資格は2020-01-01から2024-06-10まで",
            ),
            // 事後委託
            (
                |i, _| i.valid_from = "2024-06-05".into(),
                &[FIELD_RETROACTIVE],
                "事後委託",
            ),
            (
                |i, _| {
                    i.valid_from = "R6.6.5".into();
                    i.retroactive_reason = Some("夜間の急病".into())
                },
                &[],
                "",
            ),
            (
                |i, _| i.retroactive_reason = Some("夜間の急病".into()),
                &[FIELD_RETROACTIVE],
                "今日より前の場合にだけ",
            ),
            (
                |i, _| {
                    i.treatment_month = "2024-05".into();
                    i.retroactive_reason = Some("休日の受診".into())
                },
                &[],
                "",
            ),
            (
                |i, _| i.treatment_month = "2024-05".into(),
                &[FIELD_RETROACTIVE],
                "事後委託",
            ),
        ];
        for (change, fields, want) in cases {
            check(*change, fields, want);
        }
    }

    #[test]
    fn ticket_form_amend() {
        let mut c = ctx();
        let mut original_input = input();
        original_input.valid_from = "2024-06-03".into();
        original_input.retroactive_reason = None;
        c.today = d("2024-06-03");
        let original = build_ticket(&original_input, "202406-00001", &c).unwrap();
        // Later, amending the diagnosis keeps the 有効開始日: not 事後委託 again.
        c.today = d("2024-06-20");
        c.former = Some(original.clone());
        let mut amend = original_input.clone();
        amend.injury_names = vec!["高血圧症".into(), "腰痛症".into()];
        let t = build_ticket(&amend, "202406-00001", &c).unwrap();
        assert_eq!(t.injury_names.len(), 2);
        // Reaching further back is.
        amend.valid_from = "2024-06-01".into();
        let errors = build_ticket(&amend, "202406-00001", &c).unwrap_err();
        assert_eq!(errors[0].field, FIELD_RETROACTIVE);
        // The month cannot change.
        amend.valid_from = String::new();
        amend.treatment_month = "2024-07".into();
        let errors = build_ticket(&amend, "202406-00001", &c).unwrap_err();
        assert_eq!(errors[0].field, FIELD_MONTH);
        assert!(errors[0].message.contains("変更できません"));
    }

    #[test]
    fn ticket_form_amounts_and_months() {
        #[rustfmt::skip]
        let cases: &[(&str, Result<i64, &str>)] = &[
            ("", Ok(0)), ("0", Ok(0)), ("1,200", Ok(1200)), ("１２００円", Ok(1200)), ("¥3,000", Ok(3000)),
            ("12.5", Err("読めません")), ("abc", Err("読めません")), ("999999999999", Err("大きすぎます")),
        ];
        for (typed, want) in cases {
            match (parse_amount(typed), want) {
                (Ok(n), Ok(w)) => assert_eq!(n, *w, "{typed}"),
                (Err(e), Err(w)) => assert!(e.contains(w), "{typed}: {e}"),
                (got, want) => panic!("{typed}: {got:?} vs {want:?}"),
            }
        }
        assert_eq!(next_month("2024-12").as_deref(), Some("2025-01"));
        assert_eq!(next_month("2024-06").as_deref(), Some("2024-07"));
        assert_eq!(next_month("2024-13"), None);
    }
}
