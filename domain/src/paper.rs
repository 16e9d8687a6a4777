//! Paper 医療券/調剤券 (product.md §2 I): when paper is still needed, and what the printed
//! form says, with its 和暦 dates.
//!
//! Paper is needed when the institution cannot verify 医療扶助 online, or the recipient
//! cannot be verified by card: no マイナンバーカード, no 利用申込, or no 個人番号 known to
//! link the card to the 資格.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::api::{PaperNeed, PrintItem, TicketPrint};
use crate::codes::{Sex, TicketType};
use crate::ticket::Ticket;
use crate::wareki::{format_wareki, to_wareki};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaperReason {
    /// The 指定医療機関 does not take 医療扶助 online verification.
    InstitutionOffline,
    /// No マイナンバーカード.
    NoCard,
    /// Card held, but not registered for use as 医療券 (利用申込).
    NotRegistered,
    /// No 個人番号 known.
    NoIndividualNumber,
}

impl PaperReason {
    pub fn message_ja(self) -> &'static str {
        match self {
            Self::InstitutionOffline => {
                "指定医療機関が医療扶助のオンライン資格確認に対応していません。"
            }
            Self::NoCard => "マイナンバーカードを持っていません。",
            Self::NotRegistered => {
                "マイナンバーカードの利用申込（医療券としての利用登録）がありません。"
            }
            Self::NoIndividualNumber => {
                "個人番号が登録されていないため、カードと資格を結び付けられません。"
            }
        }
    }

    pub fn need(self) -> PaperNeed {
        PaperNeed {
            reason: self,
            message: self.message_ja().to_string(),
        }
    }
}

/// The recipient's side of the paper question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardStatus {
    pub card_held: bool,
    pub card_registered: bool,
    pub has_individual_number: bool,
}

/// Why paper is needed (empty: online verification is enough). `institution_online` is
/// `None` when no institution is in question (the recipient's own reasons only).
pub fn paper_reasons(card: CardStatus, institution_online: Option<bool>) -> Vec<PaperReason> {
    let mut reasons = Vec::new();
    if institution_online == Some(false) {
        reasons.push(PaperReason::InstitutionOffline);
    }
    if !card.card_held {
        reasons.push(PaperReason::NoCard);
    } else if !card.card_registered {
        reasons.push(PaperReason::NotRegistered);
    }
    if !card.has_individual_number {
        reasons.push(PaperReason::NoIndividualNumber);
    }
    reasons
}

/// 「令和6年4月」 (元年 for the first year); 西暦 before 明治.
pub fn wareki_month(year: i32, month: u32) -> String {
    let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
        return format!("{year}年{month}月");
    };
    match to_wareki(first) {
        Some(w) if w.year == 1 => format!("{}元年{month}月", w.era.name()),
        Some(w) => format!("{}{}年{month}月", w.era.name(), w.year),
        None => format!("{year}年{month}月"),
    }
}

/// The office, as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintOffice {
    pub number: String,
    pub name: String,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

/// The recipient, as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintRecipient {
    pub recipient_number: String,
    pub name: String,
    pub name_kana: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    /// 閲覧制限: the address stays off the paper, which goes to the institution.
    pub restricted: bool,
}

/// The institution, as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintInstitution {
    pub address: Option<String>,
    pub phone: Option<String>,
}

fn code_value(code: &str, label: &str) -> String {
    format!("{code} {label}")
}

/// Everything the paper form shows, in form order.
pub fn ticket_print(
    ticket: &Ticket,
    issued_on: NaiveDate,
    office: &PrintOffice,
    recipient: &PrintRecipient,
    institution: &PrintInstitution,
    reasons: &[PaperReason],
) -> TicketPrint {
    let (title, struck) = match ticket.ticket_type {
        TicketType::Medical => ("医療券", "調剤券"),
        TicketType::Dispensing => ("調剤券", "医療券"),
    };
    let month = crate::ticket::month_bounds(&ticket.treatment_month)
        .map(|(first, _)| {
            use chrono::Datelike;
            format!("{}分", wareki_month(first.year(), first.month()))
        })
        .unwrap_or_else(|| ticket.treatment_month.clone());
    let valid_from = format_wareki(ticket.valid_from);
    let valid_until = format_wareki(ticket.valid_until);
    let validity = format!("{valid_from}から{valid_until}まで");
    let slot = |list: &[String], i: usize| list.get(i).cloned().unwrap_or_default();
    let mut items = vec![
        (
            "医療券・調剤券別",
            code_value(ticket.ticket_type.code(), ticket.ticket_type.label_ja()),
        ),
        ("交付番号", ticket.issue_number.clone()),
        ("診療年月", month.clone()),
        ("公費負担者番号", office.number.clone()),
        ("受給者番号", recipient.recipient_number.clone()),
        ("氏名", recipient.name.clone()),
        ("氏名カナ", recipient.name_kana.clone()),
        ("性別", recipient.sex.label_ja().to_string()),
        ("生年月日", format_wareki(recipient.birth_date)),
    ];
    if !recipient.restricted {
        let address = [
            recipient.postal_code.as_deref().map(|p| format!("〒{p}")),
            recipient.address.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        items.push(("住所", address));
    }
    items.extend([
        ("有効期間", validity.clone()),
        (
            "指定医療機関",
            format!("{} {}", ticket.institution_code, ticket.institution_name),
        ),
    ]);
    if ticket.ticket_type == TicketType::Dispensing {
        let prescriber = match (&ticket.prescriber_code, &ticket.prescriber_name) {
            (Some(code), Some(name)) => format!("{code} {name}"),
            (Some(code), None) => code.to_string(),
            _ => String::new(),
        };
        items.push(("処方箋発行元医療機関", prescriber));
    }
    items.extend([
        (
            "診療別",
            code_value(
                ticket.treatment_type.code(),
                ticket.treatment_type.label_ja(),
            ),
        ),
        ("傷病名1", slot(&ticket.injury_names, 0)),
        ("傷病名2", slot(&ticket.injury_names, 1)),
        ("傷病名3", slot(&ticket.injury_names, 2)),
        (
            "本人支払額",
            format!("{}円", group_thousands(ticket.self_pay_amount)),
        ),
        (
            "単独・併用別",
            code_value(
                ticket.single_or_combined.code(),
                ticket.single_or_combined.label_ja(),
            ),
        ),
        (
            "社会保険状況",
            code_value(
                ticket.social_insurance.code(),
                ticket.social_insurance.label_ja(),
            ),
        ),
        (
            "感染症法第37条の2",
            code_value(ticket.infection_law.code(), ticket.infection_law.label_ja()),
        ),
        (
            "後期高齢者医療",
            code_value(ticket.elderly_care.code(), ticket.elderly_care.label_ja()),
        ),
        (
            "都道府県費",
            code_value(
                ticket.prefectural_expense.code(),
                ticket.prefectural_expense.label_ja(),
            ),
        ),
        ("地区担当員名", ticket.district_contact.clone()),
        ("取扱担当者名", ticket.handling_contact.clone()),
        ("備考1", slot(&ticket.remarks, 0)),
        ("備考2", slot(&ticket.remarks, 1)),
        ("備考3", slot(&ticket.remarks, 2)),
    ]);
    if let Some(reason) = &ticket.retroactive_reason {
        items.push(("事後委託", reason.clone()));
    }
    items.push(("交付年月日", format_wareki(issued_on)));
    TicketPrint {
        title: title.into(),
        struck_title: struck.into(),
        ticket: ticket.clone(),
        treatment_month_wareki: month,
        valid_from_wareki: valid_from,
        valid_until_wareki: valid_until,
        validity_wareki: validity,
        issued_on: issued_on.to_string(),
        issued_on_wareki: format_wareki(issued_on),
        public_payer_number: office.number.clone(),
        recipient_number: recipient.recipient_number.clone(),
        office_name: office.name.clone(),
        office_postal_code: office.postal_code.clone(),
        office_address: office.address.clone(),
        office_phone: office.phone.clone(),
        recipient_name: recipient.name.clone(),
        recipient_name_kana: recipient.name_kana.clone(),
        recipient_sex_label: recipient.sex.label_ja().into(),
        recipient_birth_date: recipient.birth_date.to_string(),
        recipient_birth_date_wareki: format_wareki(recipient.birth_date),
        recipient_postal_code: (!recipient.restricted)
            .then(|| recipient.postal_code.clone())
            .flatten(),
        recipient_address: (!recipient.restricted)
            .then(|| recipient.address.clone())
            .flatten(),
        restricted: recipient.restricted,
        institution_address: institution.address.clone(),
        institution_phone: institution.phone.clone(),
        prescriber_name: ticket.prescriber_name.clone(),
        items: items
            .into_iter()
            .map(|(label, value)| PrintItem {
                label: label.into(),
                value,
            })
            .collect(),
        paper_reasons: reasons.iter().map(|r| r.need()).collect(),
    }
}

/// 1200 → "1,200".
fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::codes::{Presence, SingleOrCombined, TreatmentType};
    use crate::numbers::InstitutionCode;
    use PaperReason::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn paper_reasons_table() {
        let card = |held, registered, number| CardStatus {
            card_held: held,
            card_registered: registered,
            has_individual_number: number,
        };
        #[rustfmt::skip]
        let cases: &[(CardStatus, Option<bool>, &[PaperReason])] = &[
            (card(true, true, true), Some(true), &[]),
            (card(true, true, true), None, &[]),
            (card(true, true, true), Some(false), &[InstitutionOffline]),
            (card(false, false, true), Some(true), &[NoCard]),
            (card(true, false, true), Some(true), &[NotRegistered]),
            (card(true, true, false), Some(true), &[NoIndividualNumber]),
            (card(false, false, false), Some(false), &[InstitutionOffline, NoCard, NoIndividualNumber]),
        ];
        for (status, online, want) in cases {
            assert_eq!(
                paper_reasons(*status, *online),
                *want,
                "{status:?} {online:?}"
            );
        }
        assert!(NoCard.message_ja().contains("マイナンバーカード"));
    }

    #[test]
    fn paper_wareki_month() {
        #[rustfmt::skip]
        let cases = [
            ((2024, 4), "令和6年4月"), ((2019, 5), "令和元年5月"), ((2019, 4), "平成31年4月"),
            ((1989, 1), "昭和64年1月"), ((1960, 4), "昭和35年4月"), ((2024, 13), "2024年13月"),
        ];
        for ((y, m), want) in cases {
            assert_eq!(wareki_month(y, m), want);
        }
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(-1200), "-1,200");
    }

    fn ticket() -> Ticket {
        Ticket {
            ticket_type: TicketType::Dispensing,
            issue_number: "202404-00001".into(),
            treatment_month: "2024-04".into(),
            valid_from: d("2024-04-10"),
            valid_until: d("2024-04-30"),
            institution_code: InstitutionCode::parse("1341234563").unwrap(),
            institution_name: "テスト薬局".into(),
            prescriber_code: Some(InstitutionCode::parse("1311234569").unwrap()),
            prescriber_name: Some("テスト内科".into()),
            treatment_type: TreatmentType::Dispensing,
            injury_names: vec!["高血圧症".into()],
            self_pay_amount: 1200,
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

    #[test]
    fn paper_print_carries_every_item_in_wareki() {
        let office = PrintOffice {
            number: "12131017".into(),
            name: "テスト区福祉事務所".into(),
            postal_code: Some("105-0011".into()),
            address: Some("東京都テスト区1-1".into()),
            phone: Some("03-0000-0000".into()),
        };
        let mut recipient = PrintRecipient {
            recipient_number: "1234566".into(),
            name: "東京　一郎".into(),
            name_kana: "トウキョウ　イチロウ".into(),
            sex: Sex::Male,
            birth_date: d("1960-04-01"),
            postal_code: Some("105-0011".into()),
            address: Some("東京都テスト区2-2".into()),
            restricted: false,
        };
        let inst = PrintInstitution {
            address: None,
            phone: None,
        };
        let print = ticket_print(
            &ticket(),
            d("2024-04-10"),
            &office,
            &recipient,
            &inst,
            &[NoCard],
        );
        assert_eq!(
            (print.title.as_str(), print.struck_title.as_str()),
            ("調剤券", "医療券")
        );
        assert_eq!(print.treatment_month_wareki, "令和6年4月分");
        assert_eq!(
            print.validity_wareki,
            "令和6年4月10日から令和6年4月30日まで"
        );
        assert_eq!(print.recipient_birth_date_wareki, "昭和35年4月1日");
        assert_eq!(print.issued_on_wareki, "令和6年4月10日");
        let item = |label: &str| {
            print
                .items
                .iter()
                .find(|i| i.label == label)
                .map(|i| i.value.clone())
        };
        assert_eq!(item("診療別").as_deref(), Some("04 調剤"));
        assert_eq!(item("本人支払額").as_deref(), Some("1,200円"));
        assert_eq!(
            item("処方箋発行元医療機関").as_deref(),
            Some("1311234569 テスト内科")
        );
        assert_eq!(
            item("住所").as_deref(),
            Some("〒105-0011 東京都テスト区2-2")
        );
        for label in [
            "傷病名3",
            "備考1",
            "都道府県費",
            "公費負担者番号",
            "受給者番号",
            "交付年月日",
        ] {
            assert!(item(label).is_some(), "{label}");
        }
        assert_eq!(print.paper_reasons.len(), 1);

        recipient.restricted = true;
        let print = ticket_print(&ticket(), d("2024-04-10"), &office, &recipient, &inst, &[]);
        assert!(
            print.restricted
                && print.recipient_address.is_none()
                && print.recipient_postal_code.is_none()
        );
        assert!(print.items.iter().all(|i| i.label != "住所"));
    }
}
