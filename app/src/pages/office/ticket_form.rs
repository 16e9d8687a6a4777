//! `/office/recipients/:id/tickets/new` and `/office/tickets/:id/edit`: the 医療券・調剤券
//! form with every item. It is checked as typed with `domain::ticket_form::build_ticket`
//! (the server builds the ticket with the same function); a 有効開始日 before today is
//! 事後委託 and asks for its reason. A new ticket can come prefilled from an alert's
//! 事後委託 path (`?institution=<医療機関コード>&from=<受診日>`, [`Prefill`]).

use chrono::{Datelike, NaiveDate};
use domain::api::{RecipientDetail, TicketInput, TicketView};
use domain::codes::{Presence, SingleOrCombined, TicketType, TreatmentType};
use domain::error::FieldError;
use domain::qualification::QualifiedPeriod;
use domain::ticket_form::{
    build_ticket, TicketContext, FIELD_AMOUNT, FIELD_DISTRICT, FIELD_HANDLING, FIELD_INJURY,
    FIELD_INSTITUTION, FIELD_MONTH, FIELD_PRESCRIBER, FIELD_REMARKS, FIELD_RETROACTIVE,
    FIELD_VALID_FROM, FIELD_VALID_UNTIL,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use super::fields::{today, ErrorSummary, FormState, TextField};
use super::institution_picker::{option_label, InstitutionPicker};
use super::{not_found, recipient_id};
use crate::api::{self, Failure};
use crate::components::{LoadError, Loading, PageHeading};
use crate::session::use_session;

const IDS: &[(&str, &str)] = &[
    (FIELD_MONTH, "t-month"),
    (FIELD_VALID_FROM, "t-from"),
    (FIELD_VALID_UNTIL, "t-until"),
    (FIELD_INSTITUTION, "t-institution"),
    (FIELD_PRESCRIBER, "t-prescriber"),
    (FIELD_INJURY, "t-injury-1"),
    (FIELD_AMOUNT, "t-amount"),
    (FIELD_DISTRICT, "t-district"),
    (FIELD_HANDLING, "t-handling"),
    (FIELD_REMARKS, "t-remarks-1"),
    (FIELD_RETROACTIVE, "t-retroactive"),
    ("診療別", "t-treatment"),
];

/// A new ticket's values from the URL: an alert's 事後委託 path names the institution and
/// the day of the visit the ticket must cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefill {
    pub institution_code: String,
    pub valid_from: NaiveDate,
}

impl Prefill {
    /// `?institution=&from=`; nothing when either is missing or not valid.
    pub fn from_query(institution: Option<&str>, from: Option<&str>) -> Option<Prefill> {
        let code = domain::numbers::InstitutionCode::parse(institution?.trim()).ok()?;
        let valid_from = domain::wareki::parse_iso_date(from?.trim())?;
        Some(Prefill {
            institution_code: code.as_str().to_string(),
            valid_from,
        })
    }

    /// The form's address for a recipient, prefilled with this.
    pub fn href(&self, recipient_id: i64) -> String {
        format!(
            "/office/recipients/{recipient_id}/tickets/new?institution={}&from={}",
            self.institution_code, self.valid_from
        )
    }

    /// A pharmacy gets a 調剤券, anything else a 医療券.
    pub fn ticket_type(&self) -> TicketType {
        match domain::numbers::InstitutionCode::parse(&self.institution_code) {
            Ok(code) if code.score_table() == domain::numbers::ScoreTable::Pharmacy => {
                TicketType::Dispensing
            }
            _ => TicketType::Medical,
        }
    }
}

/// `/office/recipients/:id/tickets/new`
#[component]
pub fn TicketNew() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let query = use_query_map();
    let prefill = query.with_untracked(|q| {
        Prefill::from_query(q.get("institution").as_deref(), q.get("from").as_deref())
    });
    let loaded = LocalResource::new(move || {
        let id = recipient_id(&params.get());
        async move {
            match id {
                Some(id) => session.check(api::office_recipient(id).await),
                None => Err(not_found()),
            }
        }
    });
    view! {
        <section class="page">
            <PageHeading title="医療券・調剤券の発行" testid="ticket-new-heading"/>
            {move || match loaded.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(recipient)) => view! { <TicketForm recipient=recipient existing=None prefill=prefill.clone()/> }.into_any(),
                Some(Err(failure)) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| loaded.refetch())/>
                }
                .into_any(),
            }}
        </section>
    }
}

/// `/office/tickets/:id/edit`
#[component]
pub fn TicketEdit() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let loaded = LocalResource::new(move || {
        let id = recipient_id(&params.get());
        async move {
            let Some(id) = id else {
                return Err(not_found());
            };
            let ticket = session.check(api::office_ticket(id).await)?;
            let recipient = session.check(api::office_recipient(ticket.recipient_id).await)?;
            Ok::<_, Failure>((recipient, ticket))
        }
    });
    view! {
        <section class="page">
            <PageHeading title="医療券・調剤券の訂正" testid="ticket-edit-heading"/>
            {move || match loaded.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok((recipient, ticket))) => view! { <TicketForm recipient=recipient existing=Some(ticket) prefill=None/> }.into_any(),
                Some(Err(failure)) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| loaded.refetch())/>
                }
                .into_any(),
            }}
        </section>
    }
}

fn nth(list: &[String], i: usize) -> String {
    list.get(i).cloned().unwrap_or_default()
}

fn non_blank(values: [RwSignal<String>; 3]) -> Vec<String> {
    values
        .iter()
        .map(|v| v.get())
        .filter(|v| !v.trim().is_empty())
        .collect()
}

fn parse_iso(iso: &Option<String>) -> Option<NaiveDate> {
    iso.as_deref().and_then(domain::wareki::parse_iso_date)
}

#[component]
fn TicketForm(
    recipient: RecipientDetail,
    existing: Option<TicketView>,
    prefill: Option<Prefill>,
) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let today = today();
    let recipient_id = recipient.id;
    let ticket_id = existing.as_ref().map(|v| v.id);
    let former = existing.as_ref().map(|v| v.ticket.clone());
    let f = former.as_ref();

    let p = prefill.as_ref();
    let prefill_notice = p.map(|p| {
        format!(
            "アラートの未委託受診（{}）から、事後委託の券として指定医療機関と有効開始日を入れました。事後委託の理由を入力してください。",
            domain::wareki::format_date(p.valid_from)
        )
    });
    let ticket_type = RwSignal::new(f.map_or_else(
        || p.map_or(TicketType::Medical, Prefill::ticket_type),
        |t| t.ticket_type,
    ));
    let month = RwSignal::new(f.map_or_else(
        || {
            p.map(|p| p.valid_from)
                .or(today)
                .map(|d| format!("{:04}-{:02}", d.year(), d.month()))
                .unwrap_or_default()
        },
        |t| t.treatment_month.clone(),
    ));
    let valid_from = RwSignal::new(
        f.map(|t| t.valid_from.to_string())
            .or_else(|| p.map(|p| p.valid_from.to_string()))
            .unwrap_or_default(),
    );
    let valid_until = RwSignal::new(f.map(|t| t.valid_until.to_string()).unwrap_or_default());
    let institution = RwSignal::new(
        f.map(|t| t.institution_code.as_str().to_string())
            .or_else(|| p.map(|p| p.institution_code.clone()))
            .unwrap_or_default(),
    );
    let institution_name = RwSignal::new(f.map(|t| t.institution_name.clone()).unwrap_or_default());
    // A prefilled institution is shown by its registry entry, as if chosen in the picker.
    if let Some(code) = p.map(|p| p.institution_code.clone()) {
        institution_name.set(code.clone());
        spawn_local(async move {
            if let Ok(list) = api::office_institutions(&code, None).await {
                if let Some(found) = list.items.iter().find(|o| o.code == code) {
                    institution_name.try_set(option_label(found));
                }
            }
        });
    }
    let prescriber = RwSignal::new(
        f.and_then(|t| t.prescriber_code.as_ref())
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
    );
    let prescriber_name = RwSignal::new(
        f.and_then(|t| t.prescriber_name.clone())
            .unwrap_or_default(),
    );
    let treatment = RwSignal::new(f.map_or(TreatmentType::Outpatient, |t| t.treatment_type));
    let injuries =
        [0, 1, 2].map(|i| RwSignal::new(f.map(|t| nth(&t.injury_names, i)).unwrap_or_default()));
    let amount = RwSignal::new(f.map(|t| t.self_pay_amount.to_string()).unwrap_or_default());
    let single = RwSignal::new(f.map_or(SingleOrCombined::Single, |t| t.single_or_combined));
    let social = RwSignal::new(f.is_some_and(|t| t.social_insurance.is_present()));
    let infection = RwSignal::new(f.is_some_and(|t| t.infection_law.is_present()));
    let elderly = RwSignal::new(f.is_some_and(|t| t.elderly_care.is_present()));
    let prefectural = RwSignal::new(f.is_some_and(|t| t.prefectural_expense.is_present()));
    let district = RwSignal::new(f.map(|t| t.district_contact.clone()).unwrap_or_default());
    let handling = RwSignal::new(f.map(|t| t.handling_contact.clone()).unwrap_or_default());
    let remarks =
        [0, 1, 2].map(|i| RwSignal::new(f.map(|t| nth(&t.remarks, i)).unwrap_or_default()));
    let retroactive = RwSignal::new(
        f.and_then(|t| t.retroactive_reason.clone())
            .unwrap_or_default(),
    );

    let input = move || TicketInput {
        ticket_type: ticket_type.get(),
        treatment_month: month.get(),
        valid_from: valid_from.get(),
        valid_until: valid_until.get(),
        institution_code: institution.get(),
        prescriber_code: (ticket_type.get() == TicketType::Dispensing
            && !prescriber.with(String::is_empty))
        .then(|| prescriber.get()),
        treatment_type: treatment.get(),
        injury_names: non_blank(injuries),
        self_pay_amount: amount.get(),
        single_or_combined: single.get(),
        social_insurance: Presence::from_bool(social.get()),
        infection_law: Presence::from_bool(infection.get()),
        elderly_care: Presence::from_bool(elderly.get()),
        prefectural_expense: Presence::from_bool(prefectural.get()),
        district_contact: district.get(),
        handling_contact: handling.get(),
        remarks: non_blank(remarks),
        retroactive_reason: (!retroactive.with(|r| r.trim().is_empty())).then(|| retroactive.get()),
    };
    let context = today.map(|today| TicketContext {
        today,
        qualification: QualifiedPeriod {
            from: parse_iso(&recipient.qualified_from),
            until: parse_iso(&recipient.qualified_until),
        },
        former: former.clone(),
        // Blank contacts are filled in by the server; any name passes the check here.
        district_contact: "地区担当員".into(),
        handling_contact: "取扱担当者".into(),
    });
    let client = Memo::new(move |_| match &context {
        Some(ctx) => build_ticket(&input(), "0", ctx).err().unwrap_or_default(),
        None => Vec::<FieldError>::new(),
    });
    let form = FormState::new();
    let busy = RwSignal::new(false);

    // 事後委託: asked for as soon as the start is before today.
    let needs_reason = Memo::new(move |_| {
        let past = domain::wareki::parse_date_input(&valid_from.get())
            .ok()
            .zip(today)
            .is_some_and(|(from, today)| from < today);
        past || !retroactive.with(String::is_empty)
            || client.with(|c| c.iter().any(|e| e.field == FIELD_RETROACTIVE))
            || form
                .server
                .with(|s| s.iter().any(|e| e.field == FIELD_RETROACTIVE))
    });
    let date_reading = |value: RwSignal<String>| {
        Signal::derive(move || {
            domain::wareki::parse_date_input(&value.get())
                .ok()
                .map(domain::wareki::format_date)
        })
    };
    let month_reading = Signal::derive(move || {
        domain::wareki::parse_month_input(&month.get())
            .ok()
            .map(|(y, m)| domain::wareki::format_month(y, m))
    });
    let institution_error = Memo::new(move |_| client.with(|c| form.shown(FIELD_INSTITUTION, c)));
    let prescriber_error = Memo::new(move |_| client.with(|c| form.shown(FIELD_PRESCRIBER, c)));
    let treatment_error = Memo::new(move |_| client.with(|c| form.shown("診療別", c)));
    let pharmacy_table =
        Signal::derive(move || (ticket_type.get() == TicketType::Dispensing).then_some(4));

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.submitted.set(true);
        form.general.set(None);
        if busy.get_untracked() || !client.with_untracked(Vec::is_empty) {
            return;
        }
        let body = input();
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = match ticket_id {
                Some(id) => api::office_amend_ticket(id, &body).await,
                None => api::office_issue_ticket(recipient_id, &body).await,
            };
            busy.set(false);
            match session.check(result) {
                // The recipient's page confirms it at the ticket (`?issued=` / `?amended=`);
                // it is the office bundle's page: loaded directly (`leave_for`).
                Ok(saved) => {
                    let done = if ticket_id.is_some() {
                        "amended"
                    } else {
                        "issued"
                    };
                    let path = format!("/office/recipients/{recipient_id}?{done}={}", saved.id);
                    if !crate::app::leave_for(&path) {
                        navigate(&path, Default::default());
                    }
                }
                Err(failure) => form.failed(&failure),
            }
        });
    };

    view! {
        <p class="lead" data-testid="ticket-recipient">
            {format!("{}（受給者番号 {}）／ 資格: {}", recipient.name, recipient.recipient_number, recipient.qualification_status.label_ja())}
        </p>
        {prefill_notice.map(|text| view! { <div class="notice" role="note" data-testid="ticket-prefill"><p>{text}</p></div> })}
        <form class="form office-form" novalidate=true on:submit=on_submit data-testid="ticket-form">
            <ErrorSummary form=form client=client ids=IDS/>
            <fieldset class="field radio-group">
                <legend>"券種"</legend>
                {TicketType::ALL.iter().map(|kind| {
                    let kind = *kind;
                    view! {
                        <label class="check">
                            <input type="radio" name="t-type" value=kind.code() data-testid=format!("t-type-{}", kind.code())
                                disabled=ticket_id.is_some()
                                prop:checked=move || ticket_type.get() == kind
                                on:change=move |_| {
                                    ticket_type.set(kind);
                                    treatment.set(if kind == TicketType::Dispensing { TreatmentType::Dispensing } else { TreatmentType::Outpatient });
                                    institution.set(String::new());
                                    institution_name.set(String::new());
                                }/>
                            {kind.label_ja()}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <TextField id="t-month" label="診療年月" field=FIELD_MONTH form=form value=month client=client required=true
                readonly=ticket_id.is_some() hint="例: 2024-04、令和6年4月、R6.4（訂正では変更できません）" reading=month_reading/>
            <div class="field-pair">
                <TextField id="t-from" label="有効開始日" field=FIELD_VALID_FROM form=form value=valid_from client=client
                    hint="空欄: 今日か月初めの遅い方。今日より前は事後委託" reading=date_reading(valid_from)/>
                <TextField id="t-until" label="有効終了日" field=FIELD_VALID_UNTIL form=form value=valid_until client=client
                    hint="空欄: 月末（資格喪失日が先ならその日）" reading=date_reading(valid_until)/>
            </div>
            {move || needs_reason.get().then(|| view! {
                <TextField id="t-retroactive" label="事後委託の理由" field=FIELD_RETROACTIVE form=form value=retroactive client=client
                    required=true hint="受診後の発行（急病・夜間・休日など）の理由"/>
            })}
            <InstitutionPicker id="t-institution" label="指定医療機関" field=FIELD_INSTITUTION form=form
                code=institution name=institution_name table=pharmacy_table error=institution_error/>
            {move || (ticket_type.get() == TicketType::Dispensing).then(|| view! {
                <InstitutionPicker id="t-prescriber" label="処方箋発行元医療機関" field=FIELD_PRESCRIBER form=form
                    code=prescriber name=prescriber_name table=Signal::derive(|| None) error=prescriber_error/>
            })}
            <div class="field">
                <label for="t-treatment">"診療別"</label>
                <select id="t-treatment" data-testid="t-treatment" aria-describedby="t-treatment-error"
                    on:change=move |ev| {
                        if let Some(t) = TreatmentType::from_code(&event_target_value(&ev)) {
                            treatment.set(t);
                        }
                    }>
                    {TreatmentType::ALL.iter().map(|t| {
                        let t = *t;
                        view! { <option value=t.code() selected=move || treatment.get() == t>{format!("{} {}", t.code(), t.label_ja())}</option> }
                    }).collect_view()}
                </select>
                <p class="field-state" id="t-treatment-error">
                    {move || treatment_error.get().map(|m| view! { <span class="field-error">{m}</span> })}
                </p>
            </div>
            <fieldset class="fieldset">
                <legend>"傷病名（医療券は1つ以上）"</legend>
                <TextField id="t-injury-1" label="傷病名1" field=FIELD_INJURY form=form value=injuries[0] client=client/>
                <TextField id="t-injury-2" label="傷病名2" field="傷病名2" form=form value=injuries[1] client=client/>
                <TextField id="t-injury-3" label="傷病名3" field="傷病名3" form=form value=injuries[2] client=client/>
            </fieldset>
            <TextField id="t-amount" label="本人支払額（円）" field=FIELD_AMOUNT form=form value=amount client=client
                inputmode="numeric" hint="空欄は0円。例: 1200、1,200"/>
            <fieldset class="fieldset">
                <legend>"併用・他法"</legend>
                <div class="field radio-group" role="radiogroup" aria-labelledby="t-single-label">
                    <p id="t-single-label" class="label">"単独・併用別"</p>
                    {SingleOrCombined::ALL.iter().map(|s| {
                        let s = *s;
                        view! {
                            <label class="check">
                                <input type="radio" name="t-single" value=s.code()
                                    prop:checked=move || single.get() == s
                                    on:change=move |_| single.set(s)/>
                                {s.label_ja()}
                            </label>
                        }
                    }).collect_view()}
                </div>
                <label class="check"><input type="checkbox" data-testid="t-social" bind:checked=social/>"社会保険あり"</label>
                <label class="check"><input type="checkbox" bind:checked=infection/>"感染症法第37条の2に該当"</label>
                <label class="check"><input type="checkbox" bind:checked=elderly/>"後期高齢者医療に該当"</label>
                <label class="check"><input type="checkbox" bind:checked=prefectural/>"都道府県費に該当"</label>
            </fieldset>
            <fieldset class="fieldset">
                <legend>"担当・備考"</legend>
                <TextField id="t-district" label="地区担当員名" field=FIELD_DISTRICT form=form value=district client=client
                    hint="空欄: 受給者の地区担当員"/>
                <TextField id="t-handling" label="取扱担当者名" field=FIELD_HANDLING form=form value=handling client=client
                    hint="空欄: ログイン中の職員"/>
                <TextField id="t-remarks-1" label="備考1" field=FIELD_REMARKS form=form value=remarks[0] client=client/>
                <TextField id="t-remarks-2" label="備考2" field="備考2" form=form value=remarks[1] client=client/>
                <TextField id="t-remarks-3" label="備考3" field="備考3" form=form value=remarks[2] client=client/>
            </fieldset>
            <div class="button-row">
                <button type="submit" class="button button-primary" data-testid="ticket-submit" disabled=move || busy.get()>
                    {if ticket_id.is_some() { "訂正する" } else { "発行する" }}
                </button>
                <A href=format!("/office/recipients/{recipient_id}") attr:class="button button-quiet">"戻る"</A>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alerts_path_prefills_the_institution_and_the_day() {
        let p = Prefill::from_query(Some("1311234569"), Some("2024-05-10"));
        let p = p.as_ref();
        assert_eq!(p.map(|p| p.institution_code.as_str()), Some("1311234569"));
        assert_eq!(
            p.map(|p| p.valid_from.to_string()).as_deref(),
            Some("2024-05-10")
        );
        assert_eq!(p.map(Prefill::ticket_type), Some(TicketType::Medical));
        assert_eq!(
            p.map(|p| p.href(7)).as_deref(),
            Some("/office/recipients/7/tickets/new?institution=1311234569&from=2024-05-10")
        );
        let pharmacy = Prefill::from_query(Some("1341234563"), Some("2024-05-10"));
        assert_eq!(
            pharmacy.map(|p| p.ticket_type()),
            Some(TicketType::Dispensing)
        );
    }

    #[test]
    fn a_wrong_or_missing_value_prefills_nothing() {
        assert_eq!(
            Prefill::from_query(Some("1311234568"), Some("2024-05-10")),
            None
        );
        assert_eq!(
            Prefill::from_query(Some("1311234569"), Some("2024-13-01")),
            None
        );
        assert_eq!(Prefill::from_query(None, Some("2024-05-10")), None);
        assert_eq!(Prefill::from_query(Some("1311234569"), None), None);
    }
}
