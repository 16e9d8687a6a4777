//! `/operator`: what the database holds, each office's compliance and the institution
//! registry, for the システム運用者.

use domain::api::OperatorHome;
use leptos::prelude::*;

use crate::api;
use crate::components::{LoadError, Loading, PageHeading, Stat};
use crate::format::group_digits;
use crate::pages::operator::{CompliancePanel, RegistryPanel};
use crate::session::use_session;

#[component]
pub fn OperatorHome() -> impl IntoView {
    let session = use_session();
    let home = LocalResource::new(move || async move { session.check(api::operator_home().await) });
    view! {
        <section class="page">
            <PageHeading title="システム運用ホーム" testid="operator-home-heading"/>
            {move || match home.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(home)) => view! { <OperatorOverview home=home/> }.into_any(),
                Some(Err(failure)) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| home.refetch())/>
                }
                .into_any(),
            }}
            <CompliancePanel/>
            <RegistryPanel/>
        </section>
    }
}

#[component]
fn OperatorOverview(home: OperatorHome) -> impl IntoView {
    view! {
        <div class="org-card">
            <dl class="org-facts">
                <div><dt>"データベース"</dt><dd data-testid="operator-database">{home.database.clone()}</dd></div>
            </dl>
        </div>
        <h2>"登録件数"</h2>
        <dl class="stats">
            <Stat label="実施機関（福祉事務所）" value=group_digits(home.offices) unit="か所" testid="count-offices"/>
            <Stat label="指定医療機関・薬局" value=group_digits(home.institutions) unit="か所" testid="count-institutions"/>
            <Stat label="受給者" value=group_digits(home.recipients) unit="人" testid="count-recipients"/>
            <Stat label="医療券・調剤券" value=group_digits(home.tickets) unit="件" testid="count-tickets"/>
            <Stat label="資格確認実績" value=group_digits(home.verifications) unit="件" testid="count-verifications"/>
            <Stat label="利用者アカウント" value=group_digits(home.users) unit="件" testid="count-users"/>
        </dl>
        <p class="hint">
            "データの取り込みと日次の実績連携はコマンドラインで行います（"
            <code>"onshi --help"</code>
            "）。"
        </p>
        <p class="hint" data-testid="backup-hint">
            "バックアップは毎日、サーバーを止めずに "
            <code>"onshi backup --out フォルダ"</code>
            " で取れます。復元は "
            <code>"onshi restore --from フォルダ"</code>
            "（サーバーを止めてから。手順は README の「Backup and restore」）。"
        </p>
    }
}
