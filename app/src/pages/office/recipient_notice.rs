//! `/office/recipients/:id/notice`: 「医療扶助の資格確認のご案内」 to hand to the recipient,
//! on A4 from the browser's print dialog. It carries the two numbers reception types at the
//! desk (公費負担者番号, 受給者番号), says that a マイナンバーカード can be used, and names the
//! office to call; dates in 和暦 and 西暦. The server records the read in the audit log.

use domain::api::RecipientNotice;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use super::{not_found, recipient_id};
use crate::api;
use crate::components::{LoadError, Loading, PageHeading};
use crate::session::use_session;

#[component]
pub fn RecipientNoticePage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let notice = LocalResource::new(move || {
        let id = recipient_id(&params.get());
        async move {
            match id {
                Some(id) => session.check(api::office_recipient_notice(id).await),
                None => Err(not_found()),
            }
        }
    });
    view! {
        <section class="page print-page">
            <div class="print-controls">
                <PageHeading title="資格確認のご案内の印刷" testid="notice-heading"/>
            </div>
            {move || match notice.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(n)) => view! { <NoticeView notice=n/> }.into_any(),
                Some(Err(failure)) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| notice.refetch())/>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn NoticeView(notice: RecipientNotice) -> impl IntoView {
    let on_print = move |_| {
        if let Some(window) = web_sys::window() {
            // The dialog not opening (a kiosk policy) leaves the notice on screen.
            let _ = window.print();
        }
    };
    let back = format!("/office/recipients/{}", notice.recipient_id);
    let issued = domain::wareki::format_iso_date(&notice.issued_on);
    let qualified = notice
        .qualified_from
        .as_deref()
        .map(domain::wareki::format_iso_date);
    let office_lines: Vec<String> = [
        notice.office_postal_code.as_ref().map(|p| format!("〒{p}")),
        notice.office_address.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let phone = notice.office_phone.clone();
    view! {
        <div class="print-controls">
            <p class="hint">"A4 縦で印刷し、ご本人にお渡しください。印刷の記録は提供記録に残ります。"</p>
            <div class="button-row">
                <button type="button" class="button button-primary" data-testid="notice-print" on:click=on_print>"印刷"</button>
                <A href=back attr:class="button button-quiet">"被保護者の詳細へ"</A>
            </div>
        </div>
        <article class="paper-notice" data-testid="paper-notice" aria-label="資格確認のご案内（印刷される内容）">
            <p class="paper-notice-date" data-testid="notice-date">{issued}</p>
            <p class="paper-notice-to">{format!("{} 様", notice.recipient_name)}</p>
            <p class="paper-notice-from">{notice.office_name.clone()}</p>
            <h2 class="paper-notice-title">"医療扶助の資格確認のご案内"</h2>
            <p>
                "医療機関・薬局の窓口では、医療扶助の資格をオンラインで確認します。"
                "受診のときは、マイナンバーカードをお持ちください。"
                "マイナンバーカードをお持ちでない方や、カードでの確認ができない場合は、"
                "このご案内を窓口でお見せください。窓口の方が下の番号を入力して確認します。"
            </p>
            <table class="paper-notice-numbers" data-testid="notice-numbers">
                <tbody>
                    <tr>
                        <th scope="row">"公費負担者番号"</th>
                        <td data-testid="notice-payer">{notice.public_payer_number.clone()}</td>
                    </tr>
                    <tr>
                        <th scope="row">"受給者番号"</th>
                        <td data-testid="notice-recipient-number">{notice.recipient_number.clone()}</td>
                    </tr>
                    <tr>
                        <th scope="row">"氏名"</th>
                        <td>{notice.recipient_name.clone()}" ("{notice.recipient_name_kana.clone()}")"</td>
                    </tr>
                    {qualified.map(|q| view! {
                        <tr>
                            <th scope="row">"医療扶助の開始日"</th>
                            <td>{q}</td>
                        </tr>
                    })}
                </tbody>
            </table>
            <ul class="paper-notice-points">
                <li>"マイナンバーカードは、医療機関・薬局の顔認証付きカードリーダーで健康保険証として使えます（事前の利用登録が必要です）。"</li>
                <li>"受診する医療機関によっては、これまでどおり医療券・調剤券が必要です。受診の前に福祉事務所へご連絡ください。"</li>
                <li>"このご案内は大切に保管し、他の人に見せたり渡したりしないでください。"</li>
            </ul>
            <section class="paper-notice-contact" data-testid="notice-contact">
                <h3>"お問い合わせ"</h3>
                <p>{notice.office_name}</p>
                {office_lines.into_iter().map(|l| view! { <p>{l}</p> }).collect_view()}
                {phone.map(|p| view! { <p data-testid="notice-phone">{format!("電話 {p}")}</p> })}
            </section>
        </article>
    }
}
