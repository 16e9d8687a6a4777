//! `/office`: the 福祉事務所 home for 地区担当員 and 査察指導員 — the office, its
//! figures, its alerts (`pages::office::AlertsPanel`), and the recipients most recently
//! registered or changed.

use domain::api::{OfficeHome, RecipientSummary};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::components::{
    CheckupDeadlineCard, DateJa, DateRangeJa, LoadError, Loading, PageHeading, Stat,
};
use crate::format::{group_digits, month_label};
use crate::pages::office::{AlertsPanel, DeadlinesPanel};
use crate::session::use_session;

#[component]
pub fn OfficeHome() -> impl IntoView {
    let session = use_session();
    let home = LocalResource::new(move || async move { session.check(api::office_home().await) });
    view! {
        <section class="page">
            <PageHeading title="福祉事務所ホーム" testid="office-home-heading"/>
            {move || match home.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(home)) => view! { <OfficeOverview home=home/> }.into_any(),
                Some(Err(failure)) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| home.refetch())/>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn OfficeOverview(home: OfficeHome) -> impl IntoView {
    let session = use_session();
    let today = session
        .info
        .with_untracked(|info| info.as_ref().map(|info| info.today.clone()));
    let month = today
        .as_deref()
        .map(month_label)
        .unwrap_or_else(|| "今月".to_string());
    let yesterday = today
        .as_deref()
        .and_then(domain::wareki::parse_iso_date)
        .and_then(|today| today.pred_opt())
        .map(domain::wareki::format_date);
    let recent_count = home.recent.len();

    view! {
        <div class="org-card" data-testid="office-card">
            <p class="org-name" data-testid="office-name">{home.office_name.clone()}</p>
            <dl class="org-facts">
                <div><dt>"公費負担者番号"</dt><dd data-testid="office-number">{home.office_number.clone()}</dd></div>
                <div>
                    <dt>"電話番号"</dt>
                    <dd data-testid="office-phone">{home.office_phone.clone()}</dd>
                </div>
            </dl>
        </div>

        <h2>"概要"</h2>
        <dl class="stats">
            <Stat
                label="受給者数（資格あり）"
                value=group_digits(home.recipients_active)
                unit="人"
                note=format!("登録 {}人のうち", group_digits(home.recipients_total))
                testid="count-recipients"
            />
            <Stat
                label="カード未保有"
                value=group_digits(home.recipients_without_card)
                unit="人"
                note="紙の医療券・調剤券の交付が必要です"
                testid="count-without-card"
            />
            <Stat
                label="今月の医療券・調剤券"
                value=group_digits(home.tickets_this_month)
                unit="件"
                note=month
                testid="count-tickets-month"
            />
            <Stat
                label="昨日の資格確認"
                value=group_digits(home.verifications_yesterday)
                unit="件"
                note=yesterday.unwrap_or_default()
                href="/office/feed"
                testid="count-verifications-yesterday"
            />
        </dl>

        <div class="button-row page-actions" data-testid="office-actions">
            <A href="/office/recipients" attr:class="button">"被保護者台帳を検索"</A>
            <A href="/office/recipients/new" attr:class="button">"新規登録"</A>
            <A href="/office/renew" attr:class="button">"翌月分の医療券を一括発行"</A>
        </div>

        <AlertsPanel/>
        <DeadlinesPanel/>
        <CheckupDeadlineCard/>

        <h2 id="recent-title">"最近の受給者"</h2>
        {if home.recent.is_empty() {
            view! { <p class="empty" data-testid="recent-empty">"まだ受給者が登録されていません。"</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap" role="region" aria-labelledby="recent-title" tabindex="0">
                    <table class="table" data-testid="recent-recipients">
                        <caption class="visually-hidden">{format!("最近の受給者 {recent_count}人")}</caption>
                        <thead>
                            <tr>
                                <th scope="col">"受給者番号"</th>
                                <th scope="col">"氏名"</th>
                                <th scope="col">"カナ"</th>
                                <th scope="col">"生年月日"</th>
                                <th scope="col">"資格期間"</th>
                                <th scope="col">"カード"</th>
                                <th scope="col">"閲覧制限"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {home.recent.into_iter().map(|recipient| view! { <RecipientRow recipient=recipient/> }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        }}
    }
}

#[component]
fn RecipientRow(recipient: RecipientSummary) -> impl IntoView {
    view! {
        <tr data-testid="recent-row">
            <td class="number">{recipient.recipient_number}</td>
            <th scope="row" class="name"><A href=format!("/office/recipients/{}", recipient.id)>{recipient.name}</A></th>
            <td class="kana">{recipient.name_kana}</td>
            <td><DateJa iso=recipient.birth_date/></td>
            <td><DateRangeJa from=recipient.qualified_from until=recipient.qualified_until/></td>
            <td>{if recipient.has_card { "あり" } else { "なし" }}</td>
            <td>
                {if recipient.restricted {
                    view! { <span class="badge badge-warn">"制限あり"</span> }.into_any()
                } else {
                    view! { <span class="muted">"なし"</span> }.into_any()
                }}
            </td>
        </tr>
    }
}
