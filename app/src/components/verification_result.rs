//! The answer to a 資格確認, readable at a glance: a big verdict banner (colour, icon AND
//! words — never colour alone), what to do, the person, the 福祉事務所 to phone and, for
//! 1 有効 only, this institution's 医療券・調剤券 with every item reception needs.
//!
//! What a result may contain was decided once in `domain::api::VerificationResult::new`;
//! this only shows what is there (for 6 「未委託・未登録」 there is no ticket to show).
//! An offline check the roster could not answer has no verdict: [`UnconfirmedView`] says so
//! and what to do, never 「該当資格なし」.

use domain::api::{
    ConsentRecord, OfficeContact, PersonBlock, UnconfirmedCheck, VerificationResult,
};
use domain::codes::{QualificationValidity, ReferenceClass, TicketType};
use domain::ticket::Ticket;
use leptos::prelude::*;

use crate::components::{ClinicHealthRecords, DateJa, DateRangeJa};
use crate::format::{instant_ja, yen};

/// How a verdict looks: CSS modifier, icon (hidden from screen readers: the words say it).
fn verdict_style(validity: QualificationValidity) -> (&'static str, &'static str) {
    match validity {
        QualificationValidity::Valid => ("verdict-ok", "✓"),
        QualificationValidity::ValidUnregistered => ("verdict-warn", "！"),
        QualificationValidity::Invalid | QualificationValidity::InvalidNewQualification => {
            ("verdict-bad", "✕")
        }
        QualificationValidity::NotFound => ("verdict-none", "？"),
    }
}

#[component]
pub fn VerificationResultView(
    result: VerificationResult,
    /// For an offline answer: when the roster was produced by the server.
    #[prop(default = None)]
    roster_synced_at: Option<String>,
) -> impl IntoView {
    let (style, icon) = verdict_style(result.validity);
    let offline_mark = result.offline.then(|| {
        if result.verification_id.is_some() {
            return "オフライン確認（送信済み・サーバーの判定）".to_string();
        }
        offline_mark(roster_synced_at.as_deref())
    });
    let is_card = result.reference_class == ReferenceClass::Card;
    let valid = result.validity == QualificationValidity::Valid;
    let unregistered = result.validity == QualificationValidity::ValidUnregistered;
    let tickets = result.tickets.clone();
    let how = result.reference_class.label_ja();
    let verified_at = instant_ja(&result.verified_at);
    let record = match (result.verification_id, result.offline) {
        (Some(id), _) => format!("記録番号 {id}"),
        (None, true) => "未送信（通信が戻ったら自動で送信します）".to_string(),
        (None, false) => String::new(),
    };

    view! {
        <section
            class=format!("result {style}")
            data-testid="verify-result"
            data-validity=result.validity.code()
            aria-labelledby="verdict-label"
        >
            <div class="verdict" data-testid="verdict">
                <span class="verdict-icon" aria-hidden="true">{icon}</span>
                <div class="verdict-words">
                    <h2 class="verdict-label" id="verdict-label" data-testid="verdict-label">
                        {result.screen_label.clone()}
                    </h2>
                </div>
                {offline_mark.map(|mark| view! {
                    <p class="verdict-offline" data-testid="offline-mark">{mark}</p>
                })}
            </div>
            <p class="guidance" data-testid="guidance">{result.guidance.clone()}</p>

            <div class="result-body">
                {result.person.clone().map(|person| view! {
                    <PersonFacts
                        person=person
                        office_number=result.office_number.clone()
                        recipient_number=result.recipient_number.clone()
                    />
                })}
                {result.office.clone().map(|office| {
                    let moved = result.validity == QualificationValidity::InvalidNewQualification;
                    view! { <OfficeCall office=office urgent=unregistered moved=moved/> }
                })}
            </div>

            {valid.then(|| view! {
                <h3 class="result-subtitle">
                    {format!("この医療機関・薬局あての医療券・調剤券（本日有効 {}枚）", tickets.len())}
                </h3>
                <ul class="tickets reception-tickets" data-testid="result-tickets">
                    {tickets.into_iter().map(|ticket| view! { <ReceptionTicket ticket=ticket/> }).collect_view()}
                </ul>
            })}

            {match (is_card, result.consent.clone()) {
                (true, Some(consent)) => {
                    // Only a card check with verdict 1 carries a consent (`VerificationResult::new`).
                    let health = (valid && !result.offline && (consent.drug_info || consent.checkup_info))
                        .then_some(result.verification_id)
                        .flatten();
                    view! {
                        <ConsentFacts consent=consent/>
                        {health.map(|id| view! { <ClinicHealthRecords verification_id=id/> })}
                    }
                    .into_any()
                }
                (true, None) if valid => view! {
                    <p class="hint" data-testid="consent-none">"本人同意の記録はありません。"</p>
                }
                .into_any(),
                (false, _) if valid => view! {
                    <p class="hint" data-testid="consent-not-possible">
                        "番号入力での確認では本人同意を得られないため、薬剤情報・健診情報は閲覧できません。"
                    </p>
                }
                .into_any(),
                _ => ().into_any(),
            }}

            <p class="result-meta muted" data-testid="result-meta">
                {format!("{verified_at} ・ {how}")}
                {(!record.is_empty()).then(|| format!(" ・ {record}"))}
                // The onshi code, for whoever compares with the レセコン; the words above say it.
                <span data-testid="validity-code">{format!(" ・ 資格有効性コード {}", result.validity.code())}</span>
            </p>
        </section>
    }
}

/// 「オフライン確認（最終同期 …）」 for an answer from the roster kept on this PC.
fn offline_mark(roster_synced_at: Option<&str>) -> String {
    let when = roster_synced_at
        .map(instant_ja)
        .unwrap_or_else(|| "不明".to_string());
    format!("オフライン確認（最終同期 {when}）")
}

/// An offline check the roster cannot answer: no verdict, what to do, the check waiting to
/// be sent.
#[component]
pub fn UnconfirmedView(
    check: UnconfirmedCheck,
    /// When the roster was produced by the server.
    #[prop(default = None)]
    roster_synced_at: Option<String>,
) -> impl IntoView {
    let verified_at = instant_ja(&check.verified_at);
    view! {
        <section
            class="result verdict-none"
            data-testid="verify-result"
            data-validity="unconfirmed"
            aria-labelledby="verdict-label"
        >
            <div class="verdict" data-testid="verdict">
                <span class="verdict-icon" aria-hidden="true">"？"</span>
                <div class="verdict-words">
                    <h2 class="verdict-label" id="verdict-label" data-testid="verdict-label">
                        {check.screen_label.clone()}
                    </h2>
                </div>
                <p class="verdict-offline" data-testid="offline-mark">
                    {offline_mark(roster_synced_at.as_deref())}
                </p>
            </div>
            <p class="guidance" data-testid="guidance">{check.guidance.clone()}</p>
            <div class="result-body">
                {check.office.clone().map(|office| view! { <OfficeCall office=office urgent=true/> })}
            </div>
            <p class="result-meta muted" data-testid="result-meta">
                {format!(
                    "{verified_at} ・ 番号入力 ・ 公費負担者番号 {} ・ 受給者番号 {} ・ 未送信（通信が戻ったら自動で送信し、サーバーの判定を表示します）",
                    check.office_number, check.recipient_number
                )}
            </p>
        </section>
    }
}

#[component]
fn PersonFacts(
    person: PersonBlock,
    office_number: String,
    recipient_number: String,
) -> impl IntoView {
    view! {
        <div class="person" data-testid="result-person">
            <p class="person-kana" data-testid="result-kana">{person.name_kana}</p>
            <p class="person-name" data-testid="result-name">{person.name}</p>
            <dl class="facts">
                <div><dt>"性別"</dt><dd data-testid="result-sex">{person.sex.label_ja()}</dd></div>
                <div>
                    <dt>"生年月日"</dt>
                    <dd data-testid="result-birth"><DateJa iso=person.birth_date.to_string()/></dd>
                </div>
                <div>
                    <dt>"資格期間"</dt>
                    <dd data-testid="result-period">
                        <DateRangeJa
                            from=person.qualified_from.map(|d| d.to_string())
                            until=person.qualified_until.map(|d| d.to_string())
                        />
                    </dd>
                </div>
                <div><dt>"公費負担者番号"</dt><dd class="number">{office_number}</dd></div>
                <div><dt>"受給者番号"</dt><dd class="number" data-testid="result-recipient-number">{recipient_number}</dd></div>
            </dl>
        </div>
    }
}

#[component]
fn OfficeCall(
    office: OfficeContact,
    urgent: bool,
    /// 3 無効（新しい資格あり）: the office that holds the new 資格 (no numbers are shown).
    #[prop(default = false)]
    moved: bool,
) -> impl IntoView {
    let tel = format!(
        "tel:{}",
        office
            .phone
            .chars()
            .filter(|c| c.is_ascii_digit())
            .collect::<String>()
    );
    let has_phone = !office.phone.trim().is_empty();
    view! {
        <div class=if urgent { "office-call office-call-urgent" } else { "office-call" } data-testid="result-office">
            <p class="office-call-title">{if moved {
                "新しい資格の福祉事務所（照会先）"
            } else if urgent {
                "照会先（電話してください）"
            } else {
                "福祉事務所"
            }}</p>
            <p class="office-call-name" data-testid="result-office-name">{office.name}</p>
            {has_phone.then(|| view! {
                <p class="office-call-phone">
                    "電話 "
                    <a href=tel data-testid="result-office-phone">{office.phone.clone()}</a>
                </p>
            })}
            {(!office.number.is_empty()).then(|| view! {
                <p class="muted">{format!("公費負担者番号 {}", office.number)}</p>
            })}
        </div>
    }
}

#[component]
fn ConsentFacts(consent: ConsentRecord) -> impl IntoView {
    let word = |yes: bool| if yes { "同意あり" } else { "同意なし" };
    view! {
        <div class="consent-facts" data-testid="result-consent">
            <h3 class="result-subtitle">"本人同意（この受診に限り・記録済み）"</h3>
            <dl class="facts">
                <div><dt>"薬剤情報"</dt><dd data-testid="consent-drug-state">{word(consent.drug_info)}</dd></div>
                <div><dt>"健診情報"</dt><dd data-testid="consent-checkup-state">{word(consent.checkup_info)}</dd></div>
            </dl>
        </div>
    }
}

/// One 医療券・調剤券 as reception reads it.
#[component]
fn ReceptionTicket(ticket: Ticket) -> impl IntoView {
    let dispensing = ticket.ticket_type == TicketType::Dispensing;
    let injuries = if ticket.injury_names.is_empty() {
        "—".to_string()
    } else {
        ticket.injury_names.join("、")
    };
    let pay = if ticket.self_pay_amount == 0 {
        "0円（窓口負担なし）".to_string()
    } else {
        format!("{}（窓口で徴収）", yen(ticket.self_pay_amount))
    };
    let other_laws: Vec<&str> = [
        (ticket.infection_law.is_present(), "感染症法第37条の2"),
        (ticket.elderly_care.is_present(), "後期高齢者医療"),
        (ticket.prefectural_expense.is_present(), "都道府県費"),
    ]
    .into_iter()
    .filter_map(|(present, name)| present.then_some(name))
    .collect();
    let other_laws = if other_laws.is_empty() {
        "なし".to_string()
    } else {
        other_laws.join("、")
    };
    let prescriber =
        ticket
            .prescriber_code
            .as_ref()
            .map(|code| match ticket.prescriber_name.as_deref() {
                Some(name) => format!("{name}（{}）", code.as_str()),
                None => code.as_str().to_string(),
            });
    let remarks = ticket.remarks.clone();
    view! {
        <li class="ticket reception-ticket" data-testid="result-ticket">
            <p class="ticket-kind">
                <span class="badge" data-testid="ticket-type">{ticket.ticket_type.label_ja()}</span>
                " "
                <strong data-testid="ticket-treatment">{ticket.treatment_type.label_ja()}</strong>
                " ・ 交付番号 "
                <span class="number">{ticket.issue_number.clone()}</span>
            </p>
            <p class="ticket-institution">{ticket.institution_name.clone()}</p>
            <dl class="ticket-details">
                <div>
                    <dt>"有効期間"</dt>
                    <dd><DateRangeJa from=Some(ticket.valid_from.to_string()) until=Some(ticket.valid_until.to_string())/></dd>
                </div>
                {dispensing.then(|| view! {
                    <div>
                        <dt>"処方箋発行元"</dt>
                        <dd data-testid="ticket-prescriber">{prescriber.clone().unwrap_or_else(|| "未登録".to_string())}</dd>
                    </div>
                })}
                {(!dispensing).then(|| view! {
                    <div><dt>"傷病名"</dt><dd data-testid="ticket-injuries">{injuries.clone()}</dd></div>
                })}
                <div><dt>"本人支払額"</dt><dd data-testid="ticket-self-pay">{pay}</dd></div>
                <div><dt>"単独・併用"</dt><dd data-testid="ticket-single">{ticket.single_or_combined.label_ja()}</dd></div>
                <div><dt>"社会保険"</dt><dd data-testid="ticket-insurance">{ticket.social_insurance.label_ja()}</dd></div>
                <div><dt>"他法"</dt><dd>{other_laws}</dd></div>
                <div>
                    <dt>"備考"</dt>
                    <dd data-testid="ticket-remarks">
                        {if remarks.is_empty() { "なし".to_string() } else { remarks.join(" ／ ") }}
                    </dd>
                </div>
                {ticket.retroactive_reason.clone().map(|reason| view! {
                    <div><dt>"事後委託"</dt><dd>{reason}</dd></div>
                })}
                <div>
                    <dt>"担当"</dt>
                    <dd>{format!("地区担当員 {} ・ 取扱担当者 {}", ticket.district_contact, ticket.handling_contact)}</dd>
                </div>
            </dl>
        </li>
    }
}
