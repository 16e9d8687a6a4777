//! `/clinic`: the reception home of a 指定医療機関 or 指定薬局: the way to 資格確認,
//! 一括照会 and 本日の確認 (usable offline), then the institution's figures.

use domain::api::InstitutionHome;
use leptos::prelude::*;

use crate::api;
use crate::components::{LoadError, Loading, PageHeading, Stat};
use crate::format::{group_digits, month_label};
use crate::session::use_session;

#[component]
pub fn ClinicHome() -> impl IntoView {
    let session = use_session();
    let home =
        LocalResource::new(move || async move { session.check(api::institution_home().await) });
    view! {
        <section class="page">
            <PageHeading title="医療機関・薬局 受付ホーム" testid="clinic-home-heading"/>
            <ul class="actions" data-testid="clinic-actions">
                <li>
                    <a class="action" href="/clinic/verify" data-testid="go-verify">
                        <span class="action-title">"資格確認"</span>
                        <span class="action-note">"番号入力・マイナンバーカードで、資格と医療券・調剤券を確認します（番号入力はオフラインでも使えます）。"</span>
                    </a>
                </li>
                <li>
                    <a class="action" href="/clinic/roster" data-testid="go-roster">
                        <span class="action-title">"一括照会"</span>
                        <span class="action-note">"今月この医療機関・薬局あての医療券・調剤券の一覧と、レセコン用のCSVです。"</span>
                    </a>
                </li>
                <li>
                    <a class="action" href="/clinic/today" data-testid="go-today">
                        <span class="action-title">"本日の確認"</span>
                        <span class="action-note">"今日行った資格確認の記録です。"</span>
                    </a>
                </li>
            </ul>
            {move || match home.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(home)) => view! { <ClinicOverview home=home/> }.into_any(),
                Some(Err(failure)) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| home.refetch())/>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn ClinicOverview(home: InstitutionHome) -> impl IntoView {
    let session = use_session();
    let month = session
        .info
        .with_untracked(|info| info.as_ref().map(|info| month_label(&info.today)))
        .unwrap_or_else(|| "今月".to_string());
    let online = home.online_capable;

    view! {
        <div class="org-card" data-testid="institution-card">
            <p class="org-name" data-testid="institution-name">{home.institution_name.clone()}</p>
            <dl class="org-facts">
                <div><dt>"医療機関コード"</dt><dd data-testid="institution-code">{home.institution_code.clone()}</dd></div>
                <div><dt>"点数表"</dt><dd data-testid="institution-score-table">{home.score_table.clone()}</dd></div>
                <div>
                    <dt>"オンライン資格確認"</dt>
                    <dd data-testid="institution-online">
                        {if online {
                            view! { <span class="badge badge-ok">"対応"</span> }.into_any()
                        } else {
                            view! { <span class="badge badge-warn">"未対応"</span> }.into_any()
                        }}
                    </dd>
                </div>
            </dl>
        </div>

        {(!online).then(|| view! {
            <div class="notice" data-testid="clinic-not-online-note">
                <p>
                    "この医療機関・薬局は、オンライン資格確認に未対応として登録されています。"
                    "被保護者には紙の医療券・調剤券が交付されますので、受付では紙の券を確認してください。"
                </p>
                <p>"登録内容が実際と違う場合は、指定を受けた福祉事務所にご連絡ください。"</p>
            </div>
        })}

        <h2>"概要"</h2>
        <dl class="stats">
            <Stat
                label="今月の医療券・調剤券"
                value=group_digits(home.tickets_this_month)
                unit="件"
                note=format!("{month} にこの医療機関を指定したもの")
                testid="count-clinic-tickets-month"
            />
            <Stat
                label="本日の資格確認"
                value=group_digits(home.verifications_today)
                unit="件"
                testid="count-verifications-today"
            />
        </dl>
    }
}
