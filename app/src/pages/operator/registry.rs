//! The institution registry on `/operator`: search by code or name, open one to edit it
//! (名称, オンライン資格確認, 指定年月日, 指定の終了日, 廃止年月日, 連絡先) with its audit trail
//! (who, when, field before → after), or add one. The browser runs the same checks as the
//! server (`domain::institution`) before it sends.

use domain::api::{
    InstitutionDetail, InstitutionFields, InstitutionRecord, InstitutionRegistry,
    NewInstitutionInput,
};
use domain::error::FieldError;
use domain::institution as rules;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Failure};
use crate::components::DateJa;
use crate::format::instant_ja;
use crate::pages::office::fields::{ErrorSummary, FormState, TextField};
use crate::session::use_session;

/// What the registry section shows below the search.
#[derive(Clone)]
enum Open {
    Nothing,
    New,
    One(Box<InstitutionDetail>),
}

#[component]
pub fn RegistryPanel() -> impl IntoView {
    let session = use_session();
    let q = RwSignal::new(String::new());
    let list = RwSignal::new(None::<Result<InstitutionRegistry, Failure>>);
    let open = RwSignal::new(Open::Nothing);
    let done = RwSignal::new(None::<String>);
    let search = move || {
        let typed = q.get_untracked();
        spawn_local(async move {
            list.set(Some(
                session.check(api::operator_institutions(&typed).await),
            ));
        });
    };
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        search();
    };
    let opened = Callback::new(
        move |(detail, message): (InstitutionDetail, Option<String>)| {
            done.set(message);
            open.set(Open::One(Box::new(detail)));
        },
    );
    view! {
        <section aria-labelledby="registry-title" data-testid="registry">
            <h2 id="registry-title">"医療機関・薬局の登録簿"</h2>
            <p class="hint">
                "指定医療機関・指定薬局の登録内容を検索し、変更します。変更はすべて、変更者・日時・変更前と変更後が履歴に残ります。"
                "一括の取り込みは "<code>"onshi import institutions"</code>" でも行えます。"
            </p>
            <form class="inline-form" role="search" on:submit=on_search data-testid="registry-search">
                <div class="field">
                    <label for="registry-q">"医療機関コード（先頭から）または名称"</label>
                    <input id="registry-q" type="search" data-testid="registry-q"
                        prop:value=move || q.get() on:input=move |ev| q.set(event_target_value(&ev))/>
                </div>
                <button type="submit" class="button">"検索"</button>
                <button type="button" class="button" data-testid="registry-new"
                    on:click=move |_| { done.set(None); open.set(Open::New); }>"新規登録"</button>
            </form>
            {move || list.get().map(|l| match l {
                Ok(l) => view! { <RegistryList list=l opened=opened/> }.into_any(),
                Err(failure) => view! { <p class="field-error" role="alert">{failure.message()}</p> }.into_any(),
            })}
            <p role="status" class="notice-ok" data-testid="registry-done" hidden=move || done.with(Option::is_none)>
                {move || done.get()}
            </p>
            {move || match open.get() {
                Open::Nothing => ().into_any(),
                Open::New => view! { <InstitutionForm existing=None opened=opened/> }.into_any(),
                Open::One(detail) => {
                    let detail = *detail;
                    view! {
                        <InstitutionForm existing=Some(detail.institution.clone()) opened=opened/>
                        <ChangeTrail detail=detail/>
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

fn or_dash(value: Option<String>) -> AnyView {
    match value {
        Some(d) => view! { <DateJa iso=d/> }.into_any(),
        None => "—".into_any(),
    }
}

#[component]
fn RegistryList(
    list: InstitutionRegistry,
    opened: Callback<(InstitutionDetail, Option<String>)>,
) -> impl IntoView {
    if list.items.is_empty() {
        return view! { <p data-testid="registry-empty">"該当する医療機関・薬局はありません。"</p> }.into_any();
    }
    let count = list.items.len();
    let caption = if count >= list.limit as usize {
        format!("先頭の{count}件（条件を絞ってください）")
    } else {
        format!("{count}件")
    };
    view! {
        <div class="table-wrap" role="region" aria-label="検索結果" tabindex="0">
            <table class="table" data-testid="registry-table">
                <caption>{caption}</caption>
                <thead><tr>
                    <th scope="col">"医療機関コード"</th><th scope="col">"名称"</th><th scope="col">"点数表"</th>
                    <th scope="col">"指定年月日"</th><th scope="col">"オンライン資格確認"</th><th scope="col">"廃止"</th>
                    <th scope="col">"操作"</th>
                </tr></thead>
                <tbody>
                    {list.items.into_iter().map(|i| view! { <RegistryRow item=i opened=opened/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn RegistryRow(
    item: InstitutionRecord,
    opened: Callback<(InstitutionDetail, Option<String>)>,
) -> impl IntoView {
    let session = use_session();
    let error = RwSignal::new(None::<String>);
    let code = item.code.clone();
    let open = move |_| {
        let code = code.clone();
        spawn_local(async move {
            match session.check(api::operator_institution(&code).await) {
                Ok(detail) => opened.run((detail, None)),
                Err(failure) => error.set(Some(failure.message())),
            }
        });
    };
    let label = format!("{} を開く", item.name);
    view! {
        <tr data-testid="registry-row" data-code=item.code.clone()>
            <th scope="row">{item.code.clone()}</th>
            <td>{item.name.clone()}</td>
            <td>{item.score_table.clone()}</td>
            <td>{or_dash(item.designated_from.clone())}</td>
            <td>{if item.online_capable { "対応" } else { "未対応" }}</td>
            <td>{or_dash(item.abolished_on.clone())}</td>
            <td>
                <button type="button" class="button button-quiet" aria-label=label data-testid="registry-open" on:click=open>"開く"</button>
                {move || error.get().map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
            </td>
        </tr>
    }
}

const IDS: &[(&str, &str)] = &[
    (rules::FIELD_CODE, "inst-code"),
    (rules::FIELD_NAME, "inst-name"),
    (rules::FIELD_DESIGNATED_FROM, "inst-designated-from"),
    (rules::FIELD_DESIGNATED_UNTIL, "inst-designated-until"),
    (rules::FIELD_ABOLISHED_ON, "inst-abolished-on"),
    (rules::FIELD_POSTAL, "inst-postal"),
    (rules::FIELD_ADDRESS, "inst-address"),
    (rules::FIELD_PHONE, "inst-phone"),
];

/// The add form (`existing` none) or the edit form of one institution.
#[component]
fn InstitutionForm(
    existing: Option<InstitutionRecord>,
    opened: Callback<(InstitutionDetail, Option<String>)>,
) -> impl IntoView {
    let session = use_session();
    let form = FormState::new();
    let adding = existing.is_none();
    let e = existing.clone();
    let text = |v: Option<String>| RwSignal::new(v.unwrap_or_default());
    let code = RwSignal::new(e.as_ref().map(|i| i.code.clone()).unwrap_or_default());
    let name = RwSignal::new(e.as_ref().map(|i| i.name.clone()).unwrap_or_default());
    let online = RwSignal::new(e.as_ref().is_none_or(|i| i.online_capable));
    let designated_from = text(e.as_ref().and_then(|i| i.designated_from.clone()));
    let designated_until = text(e.as_ref().and_then(|i| i.designated_until.clone()));
    let abolished_on = text(e.as_ref().and_then(|i| i.abolished_on.clone()));
    let postal = text(e.as_ref().and_then(|i| i.postal_code.clone()));
    let address = text(e.as_ref().and_then(|i| i.address.clone()));
    let phone = text(e.as_ref().and_then(|i| i.phone.clone()));
    let busy = RwSignal::new(false);
    let fields = move || InstitutionFields {
        name: name.get(),
        online_capable: online.get(),
        designated_from: designated_from.get(),
        designated_until: designated_until.get(),
        abolished_on: abolished_on.get(),
        postal_code: postal.get(),
        address: address.get(),
        phone: phone.get(),
    };
    let client = Memo::new(move |_| {
        let mut errors: Vec<FieldError> = Vec::new();
        if adding {
            if let Err(e) = rules::check_code(&code.get()) {
                errors.push(e);
            }
        }
        if let Err(more) = rules::validate(&fields()) {
            errors.extend(more);
        }
        errors
    });
    let reading = |value: RwSignal<String>| {
        Signal::derive(move || {
            domain::wareki::parse_date_input(&value.get())
                .ok()
                .map(domain::wareki::format_date)
        })
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.submitted.set(true);
        if !client.with_untracked(Vec::is_empty) {
            return;
        }
        let body = fields_untracked(&fields);
        let typed_code = code.get_untracked();
        busy.set(true);
        spawn_local(async move {
            let answer = if adding {
                let request = NewInstitutionInput {
                    code: typed_code,
                    fields: body,
                };
                session.check(api::operator_add_institution(&request).await)
            } else {
                session.check(api::operator_edit_institution(&typed_code, &body).await)
            };
            busy.set(false);
            match answer {
                Ok(detail) => {
                    let message = format!(
                        "{} {} を{}しました。",
                        detail.institution.code,
                        detail.institution.name,
                        if adding { "登録" } else { "保存" }
                    );
                    opened.run((detail, Some(message)));
                }
                Err(failure) => form.failed(&failure),
            }
        });
    };
    let title = match &existing {
        Some(i) => format!("{} {}", i.code, i.name),
        None => "医療機関・薬局の新規登録".to_string(),
    };
    view! {
        <section aria-labelledby="institution-form-title" data-testid="institution-form">
            <h3 id="institution-form-title">{title}</h3>
            <form on:submit=on_submit novalidate=true>
                <ErrorSummary form=form client=client ids=IDS/>
                <TextField id="inst-code" label="医療機関コード" field=rules::FIELD_CODE form=form value=code client=client
                    required=true readonly=!adding inputmode="numeric"
                    hint="10桁（都道府県2桁・点数表1桁・機関番号6桁・検証番号1桁）。登録後は変えられません"/>
                <TextField id="inst-name" label="名称" field=rules::FIELD_NAME form=form value=name client=client required=true/>
                <label class="check">
                    <input type="checkbox" data-testid="inst-online" bind:checked=online/>
                    "オンライン資格確認に対応"
                </label>
                <TextField id="inst-designated-from" label="指定年月日" field=rules::FIELD_DESIGNATED_FROM form=form
                    value=designated_from client=client hint="例: 令和6年4月1日、R6.4.1、2024-04-01" reading=reading(designated_from)/>
                <TextField id="inst-designated-until" label="指定の終了日" field=rules::FIELD_DESIGNATED_UNTIL form=form
                    value=designated_until client=client hint="指定の有効期間が切れる日など。なければ空欄" reading=reading(designated_until)/>
                <TextField id="inst-abolished-on" label="廃止年月日" field=rules::FIELD_ABOLISHED_ON form=form
                    value=abolished_on client=client hint="廃止したときに入力します。指定年月日より前にはできません" reading=reading(abolished_on)/>
                <TextField id="inst-postal" label="郵便番号" field=rules::FIELD_POSTAL form=form value=postal client=client inputmode="numeric"/>
                <TextField id="inst-address" label="住所" field=rules::FIELD_ADDRESS form=form value=address client=client/>
                <TextField id="inst-phone" label="電話番号" field=rules::FIELD_PHONE form=form value=phone client=client
                    inputmode="tel" hint="例: 03-1234-5678"/>
                <div class="button-row">
                    <button type="submit" class="button button-primary" data-testid="inst-save" disabled=move || busy.get()>
                        {if adding { "登録する" } else { "保存する" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

fn fields_untracked(fields: &impl Fn() -> InstitutionFields) -> InstitutionFields {
    untrack(fields)
}

#[component]
fn ChangeTrail(detail: InstitutionDetail) -> impl IntoView {
    if detail.changes.is_empty() {
        return view! { <p data-testid="change-trail-empty">"変更履歴はありません（一括取り込みのみ）。"</p> }.into_any();
    }
    view! {
        <div class="table-wrap" role="region" aria-label="変更履歴" tabindex="0">
            <table class="table" data-testid="change-trail">
                <caption>"変更履歴（新しい順）"</caption>
                <thead><tr>
                    <th scope="col">"日時"</th><th scope="col">"変更者"</th><th scope="col">"項目"</th>
                    <th scope="col">"変更前"</th><th scope="col">"変更後"</th>
                </tr></thead>
                <tbody>
                    {detail.changes.into_iter().map(|c| view! {
                        <tr data-testid="change-line">
                            <td>{instant_ja(&c.changed_at)}</td>
                            <td>{format!("{}（{}）", c.changed_by_name, c.changed_by)}</td>
                            <th scope="row">{c.field}</th>
                            <td>{if c.before.is_empty() { "（なし）".to_string() } else { c.before }}</td>
                            <td>{if c.after.is_empty() { "（なし）".to_string() } else { c.after }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
