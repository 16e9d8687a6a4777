//! The operator's per-office compliance table (on `/operator`): for the chosen month (by
//! default last month and this month so far), each office's 資格 registered late, tickets
//! issued after the decision day and daily feeds never fetched, worst office first, with
//! the cases of one office on demand (受給者番号 only: the operator sees no names).

use domain::api::{ComplianceTable, OfficeCompliance, OfficeComplianceDetail};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, Failure};
use crate::components::{DateJa, LoadError, Loading};
use crate::format::{group_digits, instant_ja};
use crate::session::use_session;

/// The rules, as docs/compliance.md writes them.
#[component]
fn ComplianceHelp() -> impl IntoView {
    view! {
        <details class="help" data-testid="compliance-help">
            <summary>"数え方"</summary>
            <dl>
                <dt>"資格登録の遅れ"</dt>
                <dd>
                    "保護開始・再開・停止・廃止の決定を、決定日から2開庁日目（土日・祝日・年末年始と事務所独自の閉庁日を除く）"
                    "より後に登録したもの、または期限を過ぎてまだ登録していないもの。決定日が期間内のものを数えます。"
                    "転居で届いた廃止は、移管を受けた日から数えます。"
                </dd>
                <dt>"決定日より後の券の発行"</dt>
                <dd>
                    "医療券・調剤券のうち、有効期間の初日が保護開始・再開の決定日以前のもの（その決定で始まる期間を初日から受け持つ券）を、"
                    "決定日より後の日に発行したもの。決定は、券の初日以前に効力が生じた登録済みの開始・再開のうち決定日の最も遅いもの。"
                    "取り消した券と、一括取込みの券は数えません。決定日が期間内のものを数えます。"
                </dd>
                <dt>"日次連携の未取得"</dt>
                <dd>
                    "作成済みの資格確認実績の日次連携を、事務所の職員が一度も開いていない・ダウンロードしていないもの"
                    "（作成日の翌日から数えます）。対象日が期間内のものを数えます。"
                </dd>
            </dl>
        </details>
    }
}

#[component]
pub fn CompliancePanel() -> impl IntoView {
    let session = use_session();
    let month = RwSignal::new(String::new());
    let table = RwSignal::new(None::<Result<ComplianceTable, Failure>>);
    let shown_month = RwSignal::new(None::<String>);
    let load = move || {
        let typed = month.get_untracked();
        let chosen = (!typed.trim().is_empty()).then_some(typed);
        spawn_local(async move {
            let answer = session.check(api::operator_compliance(chosen.as_deref()).await);
            if answer.is_ok() {
                shown_month.set(chosen);
            }
            table.set(Some(answer));
        });
    };
    load();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        load();
    };
    view! {
        <section aria-labelledby="compliance-title" data-testid="compliance">
            <h2 id="compliance-title">"事務所別の遵守状況"</h2>
            <ComplianceHelp/>
            <form class="inline-form" on:submit=on_submit data-testid="compliance-form">
                <div class="field">
                    <label for="compliance-month">"対象月"</label>
                    <input id="compliance-month" type="month" data-testid="compliance-month"
                        aria-describedby="compliance-month-hint"
                        prop:value=move || month.get() on:input=move |ev| month.set(event_target_value(&ev))/>
                    <p class="hint" id="compliance-month-hint">"空欄: 先月と今月（今日まで）"</p>
                </div>
                <button type="submit" class="button">"表示"</button>
            </form>
            {move || match table.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(failure)) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| load())/>
                }
                .into_any(),
                Some(Ok(t)) => view! { <ComplianceView table=t month=shown_month.get_untracked()/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn ComplianceView(table: ComplianceTable, month: Option<String>) -> impl IntoView {
    let detail = RwSignal::new(None::<Result<OfficeComplianceDetail, Failure>>);
    let caption = format!(
        "{} 〜 {}（多い順）",
        domain::wareki::format_iso_date(&table.from),
        domain::wareki::format_iso_date(&table.to)
    );
    let region = caption.clone();
    let month = StoredValue::new(month);
    view! {
        <div class="table-wrap" role="region" aria-label=region tabindex="0">
            <table class="table" data-testid="compliance-table">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"福祉事務所"</th>
                        <th scope="col" class="num">"資格登録の遅れ"</th>
                        <th scope="col" class="num">"決定日より後の券の発行"</th>
                        <th scope="col" class="num">"日次連携の未取得"</th>
                        <th scope="col" class="num">"計"</th>
                        <th scope="col">"内訳"</th>
                    </tr>
                </thead>
                <tbody>
                    {table.offices.into_iter().map(|o| view! { <OfficeRow office=o month=month detail=detail/> }).collect_view()}
                </tbody>
            </table>
        </div>
        {move || detail.get().map(|d| match d {
            Ok(d) => view! { <OfficeDetail detail=d/> }.into_any(),
            Err(failure) => view! { <p class="field-error" role="alert">{failure.message()}</p> }.into_any(),
        })}
    }
}

#[component]
fn OfficeRow(
    office: OfficeCompliance,
    month: StoredValue<Option<String>>,
    detail: RwSignal<Option<Result<OfficeComplianceDetail, Failure>>>,
) -> impl IntoView {
    let session = use_session();
    let number = office.office_number.clone();
    let open = move |_| {
        let number = number.clone();
        let month = month.get_value();
        spawn_local(async move {
            let answer =
                session.check(api::operator_compliance_detail(&number, month.as_deref()).await);
            detail.set(Some(answer));
        });
    };
    let label = format!("{} の内訳", office.office_name);
    view! {
        <tr data-testid="compliance-row" data-office=office.office_number.clone()>
            <th scope="row">{format!("{} {}", office.office_number, office.office_name)}</th>
            <td class="num" data-testid="late-registrations">{group_digits(office.late_registrations)}</td>
            <td class="num" data-testid="late-tickets">{group_digits(office.late_tickets)}</td>
            <td class="num" data-testid="unfetched-feeds">{group_digits(office.unfetched_feeds)}</td>
            <td class="num" data-testid="compliance-total">{group_digits(office.total)}</td>
            <td>
                <button type="button" class="button button-quiet" aria-label=label
                    data-testid="compliance-open" disabled=office.total == 0 on:click=open>"内訳"</button>
            </td>
        </tr>
    }
}

#[component]
fn OfficeDetail(detail: OfficeComplianceDetail) -> impl IntoView {
    let title = format!("{} {} の内訳", detail.office_number, detail.office_name);
    let registrations = (!detail.registrations.is_empty()).then(|| {
        view! {
            <div class="table-wrap" role="region" aria-label="資格登録の遅れ" tabindex="0">
                <table class="table" data-testid="detail-registrations">
                    <caption>{format!("資格登録の遅れ（{}件）", detail.registrations.len())}</caption>
                    <thead><tr>
                        <th scope="col">"受給者番号"</th><th scope="col">"決定"</th><th scope="col">"決定日"</th>
                        <th scope="col">"登録期限"</th><th scope="col">"登録日"</th><th scope="col" class="num">"遅れ（開庁日）"</th>
                    </tr></thead>
                    <tbody>
                        {detail.registrations.into_iter().map(|r| view! {
                            <tr>
                                <th scope="row">{r.recipient_number}</th>
                                <td>{r.kind_label}</td>
                                <td><DateJa iso=r.decision_date/></td>
                                <td><DateJa iso=r.due_date/></td>
                                <td>{match r.registered_on {
                                    Some(d) => view! { <DateJa iso=d/> }.into_any(),
                                    None => view! { <span class="badge badge-warn">"未登録"</span> }.into_any(),
                                }}</td>
                                <td class="num">{r.open_days_late}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
    });
    let tickets = (!detail.tickets.is_empty()).then(|| {
        view! {
            <div class="table-wrap" role="region" aria-label="決定日より後の券の発行" tabindex="0">
                <table class="table" data-testid="detail-tickets">
                    <caption>{format!("決定日より後の券の発行（{}件）", detail.tickets.len())}</caption>
                    <thead><tr>
                        <th scope="col">"受給者番号"</th><th scope="col">"券"</th><th scope="col">"交付番号"</th>
                        <th scope="col">"有効期間の初日"</th><th scope="col">"決定日"</th><th scope="col">"発行日"</th>
                        <th scope="col" class="num">"遅れ（日）"</th>
                    </tr></thead>
                    <tbody>
                        {detail.tickets.into_iter().map(|t| view! {
                            <tr>
                                <th scope="row">{t.recipient_number}</th>
                                <td>{t.ticket_type_label}{t.retroactive.then_some("（事後委託）")}</td>
                                <td>{t.issue_number}</td>
                                <td><DateJa iso=t.valid_from/></td>
                                <td><DateJa iso=t.decision_date/></td>
                                <td><DateJa iso=t.issued_on/></td>
                                <td class="num">{t.days_late}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
    });
    let feeds = (!detail.feeds.is_empty()).then(|| {
        view! {
            <div class="table-wrap" role="region" aria-label="日次連携の未取得" tabindex="0">
                <table class="table" data-testid="detail-feeds">
                    <caption>{format!("日次連携の未取得（{}件）", detail.feeds.len())}</caption>
                    <thead><tr>
                        <th scope="col">"対象日"</th><th scope="col" class="num">"資格確認の件数"</th><th scope="col">"作成"</th>
                    </tr></thead>
                    <tbody>
                        {detail.feeds.into_iter().map(|f| view! {
                            <tr>
                                <th scope="row"><DateJa iso=f.feed_date/></th>
                                <td class="num">{group_digits(f.verification_count)}</td>
                                <td>{instant_ja(&f.built_at)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
    });
    view! {
        <section aria-labelledby="compliance-detail-title" data-testid="compliance-detail">
            <h3 id="compliance-detail-title" tabindex="-1">{title}</h3>
            <p class="hint">"受給者は受給者番号のみで示します。この内訳の閲覧は、受給者ごとに提供記録に残ります。"</p>
            {registrations}
            {tickets}
            {feeds}
        </section>
    }
}
