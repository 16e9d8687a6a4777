//! `/office/recipients`: the 被保護者台帳 search. One box takes 受給者番号, カナ, 氏名,
//! 生年月日 (西暦 or 和暦) or ケース番号; the query lives in the address (`?q=&page=`) so
//! back and reload keep it.

use domain::api::{RecipientListItem, RecipientPage};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api;
use crate::components::{DateJa, DateRangeJa, LoadError, Loading, PageHeading};
use crate::format::group_digits;
use crate::session::use_session;

#[component]
pub fn RecipientSearch() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let q = move || query.with(|m| m.get("q").unwrap_or_default());
    let page = move || {
        query
            .with(|m| m.get("page"))
            .and_then(|p| p.parse::<u64>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    };
    let typed = RwSignal::new(q());
    let results = LocalResource::new(move || {
        let (q, page) = (q(), page());
        async move { session.check(api::office_recipients(&q, page).await) }
    });
    let go = move |q: String, page: u64| {
        let q = String::from(js_sys::encode_uri_component(q.trim()));
        navigate(
            &format!("/office/recipients?q={q}&page={page}"),
            Default::default(),
        );
    };
    let go_submit = go.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        go_submit(typed.get_untracked(), 1);
    };

    view! {
        <section class="page">
            <PageHeading title="被保護者台帳" testid="recipients-heading"/>
            <div class="button-row page-actions">
                <A href="/office/recipients/new" attr:class="button button-primary" attr:data-testid="new-recipient">"新規登録"</A>
            </div>
            <form class="form search-form" role="search" on:submit=on_submit data-testid="recipient-search">
                <div class="field">
                    <label for="recipient-q">"検索"</label>
                    <div class="search-row">
                        <input id="recipient-q" type="search" data-testid="recipient-q" autocomplete="off"
                            aria-describedby="recipient-q-hint"
                            prop:value=move || typed.get()
                            on:input=move |ev| typed.set(event_target_value(&ev))/>
                        <button type="submit" class="button">"検索"</button>
                    </div>
                    <p class="hint" id="recipient-q-hint">
                        "受給者番号・氏名カナ・氏名・生年月日（例: 昭和35年4月1日、S35.4.1、1960-04-01）・ケース番号のどれでも探せます。空欄なら全員を表示します。"
                    </p>
                </div>
            </form>
            {move || match results.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(page)) => {
                    let go = go.clone();
                    view! { <Results page=page q=q() go=Callback::new(move |(q, p)| go(q, p))/> }.into_any()
                }
                Some(Err(failure)) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| results.refetch())/>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn Results(page: RecipientPage, q: String, go: Callback<(String, u64)>) -> impl IntoView {
    let pages = page.total.div_ceil(page.per_page.max(1)).max(1);
    let current = page.page;
    let searched = if page.searched_as.is_empty() {
        "全員".to_string()
    } else {
        page.searched_as.join("・")
    };
    let status = format!(
        "{}件（{}として検索）{}/{}ページ",
        group_digits(page.total),
        searched,
        current,
        pages
    );
    let (q_prev, q_next) = (q.clone(), q);
    view! {
        <p class="status-line" role="status" data-testid="search-status">{status}</p>
        {if page.items.is_empty() {
            view! { <p class="empty" data-testid="search-empty">"該当する受給者はいません。"</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap" role="region" aria-labelledby="results-caption" tabindex="0">
                    <table class="table" data-testid="recipient-results">
                        <caption id="results-caption">"検索結果"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"受給者番号"</th>
                                <th scope="col">"氏名"</th>
                                <th scope="col">"カナ"</th>
                                <th scope="col">"生年月日"</th>
                                <th scope="col">"ケース番号"</th>
                                <th scope="col">"資格"</th>
                                <th scope="col">"カード"</th>
                                <th scope="col">"注意"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {page.items.into_iter().map(|item| view! { <ResultRow item=item/> }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        }}
        {(pages > 1).then(|| view! {
            <nav class="pager" aria-label="ページ送り">
                <button type="button" class="button" disabled={current <= 1}
                    on:click=move |_| go.run((q_prev.clone(), current.saturating_sub(1).max(1)))>"前へ"</button>
                <p class="pager-status">{format!("{current} / {pages} ページ")}</p>
                <button type="button" class="button" disabled={current >= pages}
                    on:click=move |_| go.run((q_next.clone(), current + 1))>"次へ"</button>
            </nav>
        })}
    }
}

#[component]
fn ResultRow(item: RecipientListItem) -> impl IntoView {
    let href = format!("/office/recipients/{}", item.id);
    let card = match (item.card_held, item.card_registered) {
        (true, true) => "保有・利用申込済",
        (true, false) => "保有（利用申込なし）",
        _ => "なし",
    };
    view! {
        <tr data-testid="recipient-row">
            <td class="number">{item.recipient_number}</td>
            <th scope="row" class="name name-cell"><A href=href>{item.name}</A></th>
            <td class="kana name-cell">{item.name_kana}</td>
            <td><DateJa iso=item.birth_date/></td>
            <td>{item.case_number.unwrap_or_default()}</td>
            <td>
                {item.qualification_status.label_ja()}
                <br/>
                <DateRangeJa from=item.qualified_from until=item.qualified_until/>
            </td>
            <td>{card}</td>
            <td>
                {item.restricted.then(|| view! { <span class="badge badge-warn">"閲覧制限"</span> })}
                {item.pending_registration.then(|| view! { <span class="badge badge-bad">"資格登録待ち"</span> })}
            </td>
        </tr>
    }
}
