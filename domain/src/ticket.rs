//! 医療券・調剤券: one per 診療年月 (calendar month), naming the entrusted 指定医療機関
//! (or 指定薬局 for a 調剤券), with every item of `domain-reference.md` §1.2.
//!
//! This is the one ticket type: the server stores it, the clinic's result shows it, the
//! onshi XML writes it (`MedicalTicketInfo`), the portal and the paper form print it.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::codes::{Presence, SingleOrCombined, TicketType, TreatmentType};
use crate::error::FieldError;
use crate::numbers::InstitutionCode;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Ticket {
    /// 医療券・調剤券別
    pub ticket_type: TicketType,
    /// 交付番号
    pub issue_number: String,
    /// 診療年月 `YYYY-MM`
    pub treatment_month: String,
    /// 有効開始日
    pub valid_from: NaiveDate,
    /// 有効終了日
    pub valid_until: NaiveDate,
    /// 指定医療機関コード
    pub institution_code: InstitutionCode,
    /// 指定医療機関名
    pub institution_name: String,
    /// 処方箋発行元医療機関コード (調剤券)
    pub prescriber_code: Option<InstitutionCode>,
    pub prescriber_name: Option<String>,
    /// 診療別
    pub treatment_type: TreatmentType,
    /// 傷病名1〜3 (empty slots omitted)
    pub injury_names: Vec<String>,
    /// 本人支払額（円）
    pub self_pay_amount: i64,
    /// 単独・併用別
    pub single_or_combined: SingleOrCombined,
    /// 社会保険状況
    pub social_insurance: Presence,
    /// 感染症法第37条の2の該当状況
    pub infection_law: Presence,
    /// 後期高齢者医療の該当状況
    pub elderly_care: Presence,
    /// 都道府県費の該当状況
    pub prefectural_expense: Presence,
    /// 地区担当員名
    pub district_contact: String,
    /// 取扱担当者名
    pub handling_contact: String,
    /// 備考1〜3 (empty slots omitted)
    pub remarks: Vec<String>,
    /// 事後委託: why the ticket was registered after the visit.
    pub retroactive_reason: Option<String>,
}

impl Ticket {
    /// Is `date` inside the 有効期間 (both ends inclusive)?
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && date <= self.valid_until
    }

    /// Does this ticket entrust `institution`? (A 調剤券 names the pharmacy, not the prescriber.)
    pub fn names(&self, institution: &InstitutionCode) -> bool {
        &self.institution_code == institution
    }
}

/// `YYYY-MM` of a date.
pub fn month_of(date: NaiveDate) -> String {
    format!("{:04}-{:02}", date.year(), date.month())
}

/// First and last day of a `YYYY-MM` month.
pub fn month_bounds(month: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (y, m) = month.split_once('-')?;
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    let first = NaiveDate::from_ymd_opt(y, m, 1)?;
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

/// The rules between items that a ticket must satisfy, as field errors in Japanese.
/// (Each item's own format is checked where it is parsed.)
pub fn check_consistency(ticket: &Ticket) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match month_bounds(&ticket.treatment_month) {
        None => errors.push(FieldError::new(
            "診療年月",
            "診療年月は YYYY-MM の形で入力してください。",
        )),
        Some((first, last)) => {
            if ticket.valid_from < first || ticket.valid_from > last {
                errors.push(FieldError::new(
                    "有効開始日",
                    "有効開始日は診療年月の月内の日付にしてください。",
                ));
            }
            if ticket.valid_until < first || ticket.valid_until > last {
                errors.push(FieldError::new(
                    "有効終了日",
                    "有効終了日は診療年月の月内の日付にしてください。",
                ));
            }
        }
    }
    if ticket.valid_from > ticket.valid_until {
        errors.push(FieldError::new(
            "有効終了日",
            "有効終了日は有効開始日以降にしてください。",
        ));
    }
    let pharmacy = ticket.institution_code.score_table() == crate::numbers::ScoreTable::Pharmacy;
    match ticket.ticket_type {
        TicketType::Dispensing => {
            if !pharmacy {
                errors.push(FieldError::new(
                    "指定医療機関コード",
                    "調剤券の指定医療機関は薬局（点数表 4）にしてください。",
                ));
            }
            if ticket.treatment_type != TreatmentType::Dispensing {
                errors.push(FieldError::new(
                    "診療別",
                    "調剤券の診療別は 04（調剤）です。",
                ));
            }
            if ticket.prescriber_code.is_none() {
                errors.push(FieldError::new(
                    "処方箋発行元医療機関コード",
                    "調剤券には処方箋発行元の医療機関を入力してください。",
                ));
            }
        }
        TicketType::Medical => {
            if pharmacy {
                errors.push(FieldError::new(
                    "指定医療機関コード",
                    "薬局には調剤券を発行してください。",
                ));
            }
            if ticket.treatment_type == TreatmentType::Dispensing {
                errors.push(FieldError::new(
                    "診療別",
                    "医療券の診療別に 04（調剤）は使えません。",
                ));
            }
            if ticket.prescriber_code.is_some() {
                errors.push(FieldError::new(
                    "処方箋発行元医療機関コード",
                    "処方箋発行元は調剤券にだけ入力します。",
                ));
            }
        }
    }
    if ticket.self_pay_amount < 0 {
        errors.push(FieldError::new(
            "本人支払額",
            "本人支払額は0円以上にしてください。",
        ));
    }
    if ticket.injury_names.len() > 3 {
        errors.push(FieldError::new("傷病名", "傷病名は3つまでです。"));
    }
    if ticket.remarks.len() > 3 {
        errors.push(FieldError::new("備考", "備考は3つまでです。"));
    }
    if ticket.issue_number.trim().is_empty() {
        errors.push(FieldError::new("交付番号", "交付番号がありません。"));
    }
    errors
}
