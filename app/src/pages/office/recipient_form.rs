//! `/office/recipients/new` and `/office/recipients/:id/edit`: the 被保護者台帳 form.
//!
//! Every field is checked as it is typed with `domain::recipient` (the server runs the
//! same checks); a 422 from the server lands on its fields, a 409 duplicate asks for a
//! confirmation and is sent again with `confirm_duplicate`.

use domain::api::ErrorCode;
use domain::api::{PossibleDuplicate, RecipientDetail, RecipientInput, Role, StaffMember};
use domain::recipient::{
    check_individual_number, validate_recipient, FIELD_ADDRESS, FIELD_BIRTH, FIELD_CARD_REGISTERED,
    FIELD_CASE, FIELD_CASEWORKER, FIELD_INDIVIDUAL, FIELD_KANA, FIELD_NAME, FIELD_POSTAL,
    FIELD_SEX,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::fields::{today, ErrorSummary, FormState, TextField};
use super::recipient_id;
use crate::api;
use crate::components::{LoadError, Loading, PageHeading};
use crate::session::use_session;

const IDS: &[(&str, &str)] = &[
    (FIELD_NAME, "r-name"),
    (FIELD_KANA, "r-kana"),
    (FIELD_SEX, "r-sex-1"),
    (FIELD_BIRTH, "r-birth"),
    (FIELD_POSTAL, "r-postal"),
    (FIELD_ADDRESS, "r-address"),
    (FIELD_CASE, "r-case"),
    (FIELD_INDIVIDUAL, "r-individual"),
    (FIELD_CARD_REGISTERED, "r-card-registered"),
    (FIELD_CASEWORKER, "r-caseworker"),
];

/// `/office/recipients/new`
/// What the caseworker confirmed after a 409.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Confirm {
    Nothing,
    /// Someone with the same カナ and 生年月日 exists here: a different person.
    Duplicate,
    /// The 個人番号 is registered at another office: the same person moving here (転居).
    Transfer,
}

#[component]
pub fn RecipientNew() -> impl IntoView {
    view! {
        <section class="page">
            <PageHeading title="被保護者の新規登録" testid="recipient-new-heading"/>
            <p class="lead">"受給者番号は登録時にアプリが採番します。"</p>
            <RecipientForm existing=None/>
        </section>
    }
}

/// `/office/recipients/:id/edit`
#[component]
pub fn RecipientEdit() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let id = move || recipient_id(&params.get());
    let detail = LocalResource::new(move || async move {
        match id() {
            Some(id) => session.check(api::office_recipient(id).await),
            None => Err(super::not_found()),
        }
    });
    view! {
        <section class="page">
            <PageHeading title="被保護者情報の修正" testid="recipient-edit-heading"/>
            {move || match detail.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(detail)) => view! { <RecipientForm existing=Some(detail)/> }.into_any(),
                Some(Err(failure)) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| detail.refetch())/>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn RecipientForm(existing: Option<RecipientDetail>) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let today = today();
    let editing_id = existing.as_ref().map(|d| d.id);
    let masked = existing
        .as_ref()
        .and_then(|d| d.individual_number_masked.clone());
    let init = |f: fn(&RecipientDetail) -> Option<String>| {
        RwSignal::new(existing.as_ref().and_then(f).unwrap_or_default())
    };
    let name = init(|d| Some(d.name.clone()));
    let kana = init(|d| Some(d.name_kana.clone()));
    let sex = init(|d| Some(d.sex.clone()));
    let birth = init(|d| Some(d.birth_date.clone()));
    let postal = init(|d| d.postal_code.clone());
    let address = init(|d| d.address.clone());
    let case_number = init(|d| d.case_number.clone());
    let individual = RwSignal::new(String::new());
    let remove_individual = RwSignal::new(false);
    let card_held = RwSignal::new(existing.as_ref().is_some_and(|d| d.card_held));
    let card_registered = RwSignal::new(existing.as_ref().is_some_and(|d| d.card_registered));
    // Create: "" = the caller when a caseworker (the server decides). Edit: "" = unassigned.
    let caseworker = RwSignal::new(
        existing
            .as_ref()
            .and_then(|d| d.caseworker_login.clone())
            .unwrap_or_default(),
    );
    let blank_caseworker = match (&existing, session.role()) {
        (None, Some(Role::Caseworker)) => "自分（ログイン中の地区担当員）",
        _ => "未割当",
    };
    let staff = LocalResource::new(move || async move { api::office_staff().await });

    let form = FormState::new();
    let busy = RwSignal::new(false);
    // 409 conflict: records that may be the same person (and whether one has the same 個人番号).
    let duplicate = RwSignal::new(None::<(String, Vec<PossibleDuplicate>)>);
    // 409 transfer_candidate: the 個人番号 is registered at another office (転居?).
    let transfer = RwSignal::new(None::<String>);

    let input = move |confirm: Confirm| RecipientInput {
        name: name.get(),
        name_kana: kana.get(),
        sex: sex.get(),
        birth_date: birth.get(),
        postal_code: postal.get(),
        address: address.get(),
        case_number: case_number.get(),
        individual_number: match (editing_id, remove_individual.get(), individual.get()) {
            (Some(_), true, _) => Some(String::new()),
            (Some(_), false, typed) if typed.trim().is_empty() => None,
            (_, _, typed) => Some(typed),
        },
        card_held: card_held.get(),
        card_registered: card_registered.get(),
        caseworker_login: match (editing_id, caseworker.get()) {
            (None, login) if login.is_empty() => None,
            (_, login) => Some(login),
        },
        recipient_number: None,
        confirm_duplicate: confirm == Confirm::Duplicate,
        confirm_transfer: confirm == Confirm::Transfer,
    };
    let client = Memo::new(move |_| {
        let Some(today) = today else {
            return Vec::new();
        };
        let mut errors = validate_recipient(&input(Confirm::Nothing), today)
            .err()
            .unwrap_or_default();
        // A half-typed 個人番号 on edit counts even though "" means "keep".
        if editing_id.is_some() && !remove_individual.get() {
            let typed = individual.get();
            if !typed.trim().is_empty() && !errors.iter().any(|e| e.field == FIELD_INDIVIDUAL) {
                if let Err(e) = check_individual_number(&typed) {
                    errors.push(e);
                }
            }
        }
        errors
    });
    let birth_reading = Signal::derive(move || {
        domain::wareki::parse_date_input(&birth.get())
            .ok()
            .map(domain::wareki::format_date)
    });

    let submit = move |confirm: Confirm| {
        form.submitted.set(true);
        form.general.set(None);
        if busy.get_untracked() || !client.with_untracked(Vec::is_empty) {
            return;
        }
        let body = input(confirm);
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = match editing_id {
                Some(id) => api::office_update_recipient(id, &body).await,
                None => api::office_create_recipient(&body).await,
            };
            busy.set(false);
            match session.check(result) {
                // The record's page is the office bundle's: loaded directly (`leave_for`).
                Ok(saved) => {
                    let path = format!("/office/recipients/{}", saved.id);
                    if !crate::app::leave_for(&path) {
                        navigate(&path, Default::default());
                    }
                }
                Err(failure)
                    if failure.code() == Some(ErrorCode::Conflict) && editing_id.is_none() =>
                {
                    duplicate.set(Some((failure.message(), failure.duplicates().to_vec())));
                }
                Err(failure)
                    if failure.code() == Some(ErrorCode::TransferCandidate)
                        && editing_id.is_none() =>
                {
                    transfer.set(Some(failure.message()));
                }
                Err(failure) => form.failed(&failure),
            }
        });
    };
    let submit_first = submit.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        duplicate.set(None);
        transfer.set(None);
        submit_first(Confirm::Nothing);
    };

    let sex_error = Memo::new(move |_| client.with(|c| form.shown(FIELD_SEX, c)));
    let card_error = Memo::new(move |_| client.with(|c| form.shown(FIELD_CARD_REGISTERED, c)));
    let cancel_href = match editing_id {
        Some(id) => format!("/office/recipients/{id}"),
        None => "/office/recipients".to_string(),
    };

    view! {
        <form class="form office-form" novalidate=true on:submit=on_submit data-testid="recipient-form">
            <ErrorSummary form=form client=client ids=IDS/>
            {
                let submit = submit.clone();
                move || transfer.get().map(|message| {
                    let submit = submit.clone();
                    view! {
                        <div class="banner banner-warn" role="alert" data-testid="transfer-warning">
                            <p class="banner-text">{message}</p>
                            <p class="banner-text">"本人の保護決定通知書などで、同じ人であることを確かめてから登録してください。登録すると、資格の履歴はこの事務所の分だけが表示され、マイナンバーカードは引き続き使えます。"</p>
                            <div class="banner-actions">
                                <button type="button" class="button button-primary" data-testid="confirm-transfer" on:click=move |_| submit(Confirm::Transfer)>
                                    "転居（移管）として登録する"
                                </button>
                            </div>
                        </div>
                    }
                })
            }
            {move || duplicate.get().map(|(message, found)| {
                let submit = submit.clone();
                let same_number = found.iter().any(|d| d.same_individual_number);
                view! {
                    <div class="banner banner-error" role="alert" data-testid="duplicate-warning">
                        <p class="banner-text">{message}</p>
                        <DuplicateList found=found/>
                        {(!same_number).then(|| view! {
                            <p class="banner-text">"同じ人を二重に登録していないか確認してください。別の人であれば、このまま登録できます。"</p>
                            <div class="banner-actions">
                                <button type="button" class="button" data-testid="confirm-duplicate" on:click=move |_| submit(Confirm::Duplicate)>
                                    "別の人として登録する"
                                </button>
                            </div>
                        })}
                    </div>
                }
            })}
            <fieldset class="fieldset">
                <legend>"基本情報"</legend>
                <TextField id="r-name" label="氏名" field=FIELD_NAME form=form value=name client=client required=true autocomplete="off"/>
                <TextField id="r-kana" label="氏名カナ" field=FIELD_KANA form=form value=kana client=client required=true
                    hint="全角カタカナ。姓と名の間に空白を入れます（例: サトウ　ハナコ）"/>
                <fieldset class="field radio-group" aria-describedby="r-sex-error">
                    <legend>"性別" <span class="required">"（必須）"</span></legend>
                    <label class="check"><input type="radio" id="r-sex-1" name="r-sex" value="1"
                        prop:checked=move || sex.get() == "1"
                        on:change=move |_| { sex.set("1".into()); form.edited(FIELD_SEX); }/>"男"</label>
                    <label class="check"><input type="radio" id="r-sex-2" name="r-sex" value="2"
                        prop:checked=move || sex.get() == "2"
                        on:change=move |_| { sex.set("2".into()); form.edited(FIELD_SEX); }/>"女"</label>
                    <p class="field-state" id="r-sex-error">
                        {move || sex_error.get().map(|m| view! { <span class="field-error">{m}</span> })}
                    </p>
                </fieldset>
                <TextField id="r-birth" label="生年月日" field=FIELD_BIRTH form=form value=birth client=client required=true
                    hint="西暦でも和暦でも入力できます（例: 1960-04-01、昭和35年4月1日、S35.4.1）" reading=birth_reading/>
            </fieldset>
            <fieldset class="fieldset">
                <legend>"住所・ケース"</legend>
                <TextField id="r-postal" label="郵便番号" field=FIELD_POSTAL form=form value=postal client=client
                    hint="任意。123-4567 または 1234567" inputmode="numeric"/>
                <TextField id="r-address" label="住所" field=FIELD_ADDRESS form=form value=address client=client hint="任意"/>
                <TextField id="r-case" label="ケース番号" field=FIELD_CASE form=form value=case_number client=client
                    hint="任意。英字・数字・ハイフン"/>
                <div class="field">
                    <label for="r-caseworker">"地区担当員"</label>
                    <select id="r-caseworker" data-testid="r-caseworker"
                        prop:value=move || caseworker.get()
                        on:change=move |ev| caseworker.set(event_target_value(&ev))>
                        <option value="">{blank_caseworker}</option>
                        {move || {
                            let current = caseworker.get_untracked();
                            staff.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|m: StaffMember| {
                                let selected = m.login == current;
                                view! { <option value=m.login.clone() selected=selected>{format!("{}（{}）", m.display_name, m.role.label_ja())}</option> }
                            }).collect_view()
                        }}
                    </select>
                </div>
            </fieldset>
            <fieldset class="fieldset">
                <legend>"個人番号・マイナンバーカード"</legend>
                {masked.clone().map(|masked| view! {
                    <p class="hint" data-testid="individual-current">{format!("登録済みの個人番号: {masked}（空欄のままなら変更しません）")}</p>
                })}
                <TextField id="r-individual" label=if editing_id.is_some() { "個人番号（変更する場合）" } else { "個人番号" }
                    field=FIELD_INDIVIDUAL form=form value=individual client=client inputmode="numeric"
                    hint="任意。数字12桁（検証番号を確認します）。画面には下4桁だけ表示されます。"/>
                {masked.map(|_| view! {
                    <label class="check">
                        <input type="checkbox" data-testid="r-individual-remove" bind:checked=remove_individual/>
                        "登録済みの個人番号を削除する"
                    </label>
                })}
                <label class="check">
                    <input type="checkbox" id="r-card-held" data-testid="r-card-held" bind:checked=card_held
                        on:change=move |_| form.edited(FIELD_CARD_REGISTERED)/>
                    "マイナンバーカードを保有"
                </label>
                <label class="check">
                    <input type="checkbox" id="r-card-registered" data-testid="r-card-registered" bind:checked=card_registered
                        aria-describedby="r-card-registered-error"
                        on:change=move |_| form.edited(FIELD_CARD_REGISTERED)/>
                    "利用申込（医療券としての利用登録）済み"
                </label>
                <p class="field-state" id="r-card-registered-error">
                    {move || card_error.get().map(|m| view! { <span class="field-error">{m}</span> })}
                </p>
            </fieldset>
            <div class="button-row">
                <button type="submit" class="button button-primary" data-testid="recipient-submit" disabled=move || busy.get()>
                    {if editing_id.is_some() { "保存する" } else { "登録する" }}
                </button>
                <A href=cancel_href attr:class="button button-quiet">"戻る"</A>
            </div>
        </form>
    }
}

/// The records that may be the person being registered, each a link to its page.
#[component]
fn DuplicateList(found: Vec<PossibleDuplicate>) -> impl IntoView {
    view! {
        <div class="table-wrap" role="region" aria-label="同じ人かもしれない登録済みの受給者" tabindex="0">
        <table class="table" data-testid="duplicate-list">
            <caption class="visually-hidden">"同じ人かもしれない登録済みの受給者"</caption>
            <thead>
                <tr>
                    <th scope="col">"受給者番号"</th>
                    <th scope="col">"氏名"</th>
                    <th scope="col">"氏名カナ"</th>
                    <th scope="col">"生年月日"</th>
                    <th scope="col">"一致"</th>
                </tr>
            </thead>
            <tbody>
                {found.into_iter().map(|d| {
                    let born = domain::wareki::parse_iso_date(&d.birth_date)
                        .map(domain::wareki::format_date)
                        .unwrap_or_else(|| d.birth_date.clone());
                    let matched = if d.same_individual_number { "個人番号" } else { "氏名カナ・生年月日" };
                    view! {
                        <tr data-testid="duplicate-row">
                            <td class="name-cell">{d.recipient_number.clone()}</td>
                            <td class="name-cell">
                                <a href=format!("/office/recipients/{}", d.id) target="_blank" rel="noopener">{d.name.clone()}</a>
                            </td>
                            <td class="name-cell">{d.name_kana.clone()}</td>
                            <td>{born}</td>
                            <td>{matched}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }
}
