//! `/office/tickets/:id/print`: the paper 医療券・調剤券, laid out like the official form
//! (「医療券・調剤券」 with the unused word struck through, every item, dates in 和暦), on
//! A5 (or B5) from the browser's print dialog. Under 閲覧制限 the server leaves the
//! address out and the form says so.

use domain::api::{PrintItem, TicketPrint};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use super::{not_found, recipient_id};
use crate::api;
use crate::components::{LoadError, Loading, PageHeading};
use crate::session::use_session;

#[component]
pub fn TicketPrintPage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let print = LocalResource::new(move || {
        let id = recipient_id(&params.get());
        async move {
            match id {
                Some(id) => session.check(api::office_ticket_print(id).await),
                None => Err(not_found()),
            }
        }
    });
    view! {
        <section class="page print-page">
            <div class="print-controls">
                <PageHeading title="医療券・調剤券の印刷" testid="print-heading"/>
            </div>
            {move || match print.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(p)) => view! { <PrintView print=p/> }.into_any(),
                Some(Err(failure)) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| print.refetch())/>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn PrintView(print: TicketPrint) -> impl IntoView {
    let size = RwSignal::new("A5");
    let on_print = move |_| {
        if let Some(window) = web_sys::window() {
            // The dialog not opening (a kiosk policy) leaves the form on screen: nothing to do.
            let _ = window.print();
        }
    };
    view! {
        <div class="print-controls">
            {(!print.paper_reasons.is_empty()).then(|| view! {
                <div class="notice" data-testid="print-reasons">
                    <p><strong>"紙の券が必要な理由"</strong></p>
                    <ul>{print.paper_reasons.iter().map(|p| view! { <li>{p.message.clone()}</li> }).collect_view()}</ul>
                </div>
            })}
            <div class="button-row">
                <div class="field">
                    <label for="paper-size">"用紙"</label>
                    <select id="paper-size" data-testid="paper-size"
                        on:change=move |ev| size.set(if event_target_value(&ev) == "B5" { "B5" } else { "A5" })>
                        <option value="A5" selected=true>"A5 縦"</option>
                        <option value="B5">"B5 縦"</option>
                    </select>
                </div>
                <button type="button" class="button button-primary" data-testid="print-button" on:click=on_print>"印刷"</button>
                <A href="/office/recipients" attr:class="button button-quiet">"被保護者台帳へ"</A>
            </div>
        </div>
        // The paper size: the named page `ticket` (A5) or `ticket-b5` (JIS B5), by the form's
        // class `paper-b5` (print.css), never an inline rule (the CSP allows none).
        <Form print=print size=size/>
    }
}

/// The labels the layout places itself; anything else the server adds is printed in 「その他」.
const PLACED: &[&str] = &[
    "医療券・調剤券別",
    "交付番号",
    "診療年月",
    "公費負担者番号",
    "受給者番号",
    "氏名",
    "氏名カナ",
    "性別",
    "生年月日",
    "住所",
    "有効期間",
    "指定医療機関",
    "処方箋発行元医療機関",
    "診療別",
    "傷病名1",
    "傷病名2",
    "傷病名3",
    "本人支払額",
    "単独・併用別",
    "社会保険状況",
    "感染症法第37条の2",
    "後期高齢者医療",
    "都道府県費",
    "地区担当員名",
    "取扱担当者名",
    "備考1",
    "備考2",
    "備考3",
    "事後委託",
    "交付年月日",
];

#[component]
fn Form(print: TicketPrint, size: RwSignal<&'static str>) -> impl IntoView {
    let items = print.items.clone();
    let item = move |label: &str| {
        items
            .iter()
            .find(|i| i.label == label)
            .map(|i| i.value.clone())
            .unwrap_or_default()
    };
    let others: Vec<PrintItem> = print
        .items
        .iter()
        .filter(|i| !PLACED.contains(&i.label.as_str()))
        .cloned()
        .collect();
    let medical_first = print.title == "医療券";
    let (first, second) = if medical_first {
        (
            view! { <span>{print.title.clone()}</span> }.into_any(),
            view! { <s class="struck">{print.struck_title.clone()}</s> }.into_any(),
        )
    } else {
        (
            view! { <s class="struck">{print.struck_title.clone()}</s> }.into_any(),
            view! { <span>{print.title.clone()}</span> }.into_any(),
        )
    };
    let address = if print.restricted {
        "（閲覧制限のため記載しません）".to_string()
    } else {
        item("住所")
    };
    let dispensing = print.ticket.ticket_type == domain::codes::TicketType::Dispensing;
    let office_line = [
        print.office_postal_code.clone().map(|p| format!("〒{p}")),
        print.office_address.clone(),
        print.office_phone.clone().map(|p| format!("電話 {p}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("　");
    let injuries = [1, 2, 3].map(|i| format!("({i}) {}", item(&format!("傷病名{i}"))));
    let remarks = [1, 2, 3]
        .map(|i| item(&format!("備考{i}")))
        .into_iter()
        .filter(|r| !r.is_empty())
        .collect::<Vec<_>>();
    let retroactive = item("事後委託");

    view! {
        <article class="paper-ticket" class:paper-b5=move || size.get() == "B5" data-testid="paper-ticket"
            aria-label=format!("{}（印刷用）", print.title)>
            <header class="paper-head">
                <h2 class="paper-title" data-testid="paper-title">{first}"・"{second}</h2>
                <p class="paper-month">{format!("（{}）", print.treatment_month_wareki)}</p>
            </header>
            <table class="paper-grid">
                <colgroup>
                    <col class="paper-col-label"/>
                    <col class="paper-col-value"/>
                    <col class="paper-col-label-short"/>
                    <col class="paper-col-value-short"/>
                    <col class="paper-col-label-short"/>
                    <col class="paper-col-value"/>
                </colgroup>
                <tbody>
                    <tr>
                        <th scope="row">"公費負担者番号"</th>
                        <td class="digits" data-testid="paper-office-number">{print.public_payer_number.clone()}</td>
                        <th scope="row">"有効期間"</th>
                        <td colspan="3" data-testid="paper-validity">{print.validity_wareki.clone()}</td>
                    </tr>
                    <tr>
                        <th scope="row">"受給者番号"</th>
                        <td class="digits" data-testid="paper-recipient-number">{print.recipient_number.clone()}</td>
                        <th scope="row">"交付番号"</th>
                        <td colspan="3" class="digits">{item("交付番号")}</td>
                    </tr>
                    <tr>
                        <th scope="row">"氏名"</th>
                        <td data-testid="paper-name">
                            <span class="paper-kana">{print.recipient_name_kana.clone()}</span>
                            <span class="paper-name">{print.recipient_name.clone()}</span>
                        </td>
                        <th scope="row">"性別"</th>
                        <td class="paper-code">{print.recipient_sex_label.clone()}</td>
                        <th scope="row">"生年月日"</th>
                        <td class="paper-code" data-testid="paper-birth">{print.recipient_birth_date_wareki.clone()}</td>
                    </tr>
                    <tr>
                        <th scope="row">"居住地"</th>
                        <td colspan="5" data-testid="paper-address">{address}</td>
                    </tr>
                    <tr>
                        <th scope="row">{if dispensing { "指定薬局名" } else { "指定医療機関名" }}</th>
                        <td colspan="5" data-testid="paper-institution">
                            {item("指定医療機関")}
                            {print.institution_address.clone().map(|a| view! { <span class="paper-small">{a}</span> })}
                        </td>
                    </tr>
                    {dispensing.then(|| view! {
                        <tr>
                            <th scope="row">"処方箋発行元"</th>
                            <td colspan="5">{item("処方箋発行元医療機関")}</td>
                        </tr>
                    })}
                    <tr>
                        <th scope="row">"傷病名"</th>
                        <td colspan="3" class="paper-injuries">
                            {injuries.into_iter().map(|i| view! { <span class="paper-line">{i}</span> }).collect_view()}
                        </td>
                        <th scope="row">"診療別"</th>
                        <td class="paper-code">{item("診療別")}</td>
                    </tr>
                    <tr>
                        <th scope="row">"本人支払額"</th>
                        <td class="paper-code">{item("本人支払額")}</td>
                        <th scope="row">"単独・"<wbr/>"併用別"</th>
                        <td class="paper-code">{item("単独・併用別")}</td>
                        <th scope="row">"社会保険"</th>
                        <td class="paper-code">{item("社会保険状況")}</td>
                    </tr>
                    <tr>
                        <th scope="row">"感染症法"<wbr/>"第37条の2"</th>
                        <td class="paper-code">{item("感染症法第37条の2")}</td>
                        <th scope="row">"後期高齢者"<wbr/>"医療"</th>
                        <td class="paper-code">{item("後期高齢者医療")}</td>
                        <th scope="row">"都道府県費"</th>
                        <td class="paper-code">{item("都道府県費")}</td>
                    </tr>
                    <tr>
                        <th scope="row">"地区担当員"</th>
                        <td>{item("地区担当員名")}</td>
                        <th scope="row">"取扱担当者"</th>
                        <td colspan="3">{item("取扱担当者名")}</td>
                    </tr>
                    <tr>
                        <th scope="row">"備考"</th>
                        <td colspan="5" class="paper-remarks">
                            {remarks.into_iter().map(|r| view! { <span class="paper-line">{r}</span> }).collect_view()}
                            {(!retroactive.is_empty()).then(|| view! {
                                <span class="paper-line">{format!("事後委託（{retroactive}）")}</span>
                            })}
                            {others.into_iter().map(|o| view! {
                                <span class="paper-line">{format!("{}: {}", o.label, o.value)}</span>
                            }).collect_view()}
                        </td>
                    </tr>
                </tbody>
            </table>
            <footer class="paper-foot">
                <p>{format!("上記のとおり{}を交付します。", print.title)}</p>
                <p data-testid="paper-issued">{format!("交付年月日　{}", print.issued_on_wareki)}</p>
                <p class="paper-office" data-testid="paper-office">{format!("{}　福祉事務所長", print.office_name)}</p>
                {(!office_line.is_empty()).then(|| view! { <p class="paper-small">{office_line}</p> })}
                <p class="paper-seal" aria-hidden="true">"印"</p>
            </footer>
        </article>
    }
}
