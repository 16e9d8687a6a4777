//! `/me/profile`: 資格情報 — who the recipient is registered as, their 資格 and its
//! status in plain words, their office — and 閲覧制限: whether it is set and what it does.

use domain::api::{PortalCoverage, PortalProfile as Profile};
use leptos::prelude::*;

use super::data::{section_view, use_section};
use super::ticket_card::tel_href;
use crate::api;
use crate::components::{DateJa, PageHeading, Ruby};

#[component]
pub fn PortalProfile() -> impl IntoView {
    let profile = use_section(|| "profile".to_string(), api::portal_profile);
    view! {
        <section class="page">
            <PageHeading title="資格情報" testid="portal-profile-heading"/>
            {section_view(profile, |data: Profile| view! { <ProfileBody data=data/> })}
        </section>
    }
}

fn status_class(status: PortalCoverage) -> &'static str {
    match status {
        PortalCoverage::Active => "badge badge-ok",
        PortalCoverage::NotStarted => "badge",
        PortalCoverage::NotRegistered | PortalCoverage::Ended => "badge badge-warn",
    }
}

fn status_label(status: PortalCoverage) -> &'static str {
    match status {
        PortalCoverage::Active => "受けられます",
        PortalCoverage::NotStarted => "開始前",
        PortalCoverage::NotRegistered => "未登録",
        PortalCoverage::Ended => "終了",
    }
}

#[component]
fn ProfileBody(data: Profile) -> impl IntoView {
    let phone_href = tel_href(&data.office_phone);
    let restricted = data.restriction.restricted;
    view! {
        <div class="plain status-line" data-testid="profile-status">
            <span class=status_class(data.status)>{status_label(data.status)}</span>
            " "{data.status_text.clone()}
        </div>

        <h2>"あなたの"<Ruby word="資格" reading="しかく"/></h2>
        <dl class="facts" data-testid="profile-facts">
            <div><dt>"お名前"</dt><dd>{data.name.clone()}<span class="muted">{format!("（{}）", data.name_kana)}</span></dd></div>
            <div><dt>"生年月日"</dt><dd><DateJa iso=data.birth_date.clone()/></dd></div>
            <div>
                <dt><Ruby word="受給者番号" reading="じゅきゅうしゃばんごう"/></dt>
                <dd data-testid="profile-recipient-number">{data.recipient_number.clone()}</dd>
            </div>
            <div>
                <dt><Ruby word="公費負担者番号" reading="こうひふたんしゃばんごう"/></dt>
                <dd data-testid="profile-office-number">{data.office_number.clone()}</dd>
            </div>
            <div>
                <dt>"医療扶助が始まった日（"<Ruby word="資格取得日" reading="しかくしゅとくび"/>"）"</dt>
                <dd>{match data.qualified_from.clone() {
                    Some(from) => view! { <DateJa iso=from/> }.into_any(),
                    None => view! { "登録されていません" }.into_any(),
                }}</dd>
            </div>
            <div>
                <dt>"医療扶助が終わる日（"<Ruby word="資格喪失日" reading="しかくそうしつび"/>"）"</dt>
                <dd>{match data.qualified_until.clone() {
                    Some(until) => view! { <DateJa iso=until/> }.into_any(),
                    None => view! { "決まっていません" }.into_any(),
                }}</dd>
            </div>
            <div>
                <dt>"マイナンバーカードの利用登録"</dt>
                <dd>{if data.card_registered { "登録済み（病院・薬局でカードが医療券の代わりに使えます）" } else { "未登録（福祉事務所に相談してください）" }}</dd>
            </div>
            <div>
                <dt>"住所"</dt>
                <dd data-testid="profile-address">{match data.address.clone() {
                    Some(address) => address,
                    None if restricted => "閲覧制限のため表示しません".to_string(),
                    None => "登録されていません".to_string(),
                }}</dd>
            </div>
        </dl>

        <h2>"担当の"<Ruby word="福祉事務所" reading="ふくしじむしょ"/></h2>
        <dl class="facts">
            <div><dt>"名前"</dt><dd data-testid="profile-office">{data.office_name.clone()}</dd></div>
            <div><dt>"電話番号"</dt><dd><a class="tap" href=phone_href>{data.office_phone.clone()}</a></dd></div>
            {data.office_address.clone().map(|address| view! { <div><dt>"所在地"</dt><dd>{address}</dd></div> })}
        </dl>

        <section
            class=if restricted { "restriction restriction-on" } else { "restriction" }
            aria-labelledby="restriction-title"
            data-testid="restriction"
        >
            <h2 id="restriction-title"><Ruby word="閲覧制限" reading="えつらんせいげん"/></h2>
            <p data-testid="restriction-summary"><strong>{data.restriction.summary.clone()}</strong></p>
            <ul class="restriction-effects">
                {data.restriction.effects.iter().cloned().map(|e| view! { <li>{e}</li> }).collect_view()}
            </ul>
        </section>
    }
}
