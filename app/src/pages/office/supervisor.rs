//! `/office/supervisor` (査察指導員): the whole office — caseload per 地区担当員, tickets
//! issued today, and 資格 registrations overdue or due today.

use domain::api::{SupervisorView, TicketStatus};
use leptos::prelude::*;
use leptos_router::components::A;

use super::deadlines_panel::DeadlineTable;
use super::StaffNames;
use crate::api;
use crate::components::{LoadError, Loading, PageHeading};
use crate::format::{group_digits, time_ja};
use crate::session::use_session;

#[component]
pub fn SupervisorPage() -> impl IntoView {
    let session = use_session();
    let view_data =
        LocalResource::new(move || async move { session.check(api::office_supervisor().await) });
    view! {
        <section class="page">
            <PageHeading title="査察指導員の画面" testid="supervisor-heading"/>
            {move || match view_data.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(v)) => view! { <Overview view=v/> }.into_any(),
                Some(Err(failure)) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| view_data.refetch())/>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn Overview(view: SupervisorView) -> impl IntoView {
    let issued = view.tickets_issued_today.len();
    let staff = StaffNames::load();
    view! {
        <p class="lead">{format!("{} 現在", domain::wareki::format_iso_date(&view.today))}</p>
        <h2>"担当別の状況"</h2>
        <div class="table-wrap" role="region" aria-label="担当別の状況" tabindex="0">
            <table class="table" data-testid="caseloads">
                <caption>"地区担当員ごとの受給者と券"</caption>
                <thead><tr>
                    <th scope="col">"地区担当員"</th><th scope="col">"受給者"</th><th scope="col">"資格あり"</th>
                    <th scope="col">"カードなし"</th><th scope="col">"閲覧制限"</th><th scope="col">"今月の券"</th>
                    <th scope="col">"登録待ち"</th><th scope="col">"期限超過"</th>
                </tr></thead>
                <tbody>
                    {view.caseloads.into_iter().map(|row| view! {
                        <tr>
                            <th scope="row">{row.display_name}</th>
                            <td class="number">{group_digits(row.recipients)}</td>
                            <td class="number">{group_digits(row.active)}</td>
                            <td class="number">{group_digits(row.without_card)}</td>
                            <td class="number">{group_digits(row.restricted)}</td>
                            <td class="number">{group_digits(row.tickets_this_month)}</td>
                            <td class="number">{group_digits(row.pending_registrations)}</td>
                            <td class="number">{group_digits(row.overdue_registrations)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>

        <h2>{format!("本日交付の医療券・調剤券（{issued}件）")}</h2>
        {if issued == 0 {
            view! { <p class="empty" data-testid="issued-today-empty">"本日交付した券はありません。"</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap" role="region" aria-label="本日交付の券" tabindex="0">
                    <table class="table" data-testid="issued-today">
                        <caption>"本日交付の券"</caption>
                        <thead><tr>
                            <th scope="col">"時刻"</th><th scope="col">"交付番号"</th><th scope="col">"受給者"</th>
                            <th scope="col">"券種"</th><th scope="col">"指定医療機関"</th><th scope="col">"状態"</th><th scope="col">"交付者"</th>
                        </tr></thead>
                        <tbody>
                            {view.tickets_issued_today.into_iter().map(|t| view! {
                                <tr>
                                    <td>{time_ja(&t.created_at)}</td>
                                    <td class="number">{t.issue_number}</td>
                                    <th scope="row"><A href=format!("/office/recipients/{}", t.recipient_id)>{format!("{} {}", t.recipient_number, t.recipient_name)}</A></th>
                                    <td>{t.ticket_type.label_ja()}{t.retroactive.then_some("（事後委託）")}</td>
                                    <td>{t.institution_name}</td>
                                    <td>{if t.status == TicketStatus::Active { "有効" } else { "取消" }}</td>
                                    <td class="name-cell" data-testid="issued-by">{move || staff.name(&t.created_by)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        }}

        <h2>"資格登録の期限"</h2>
        <DeadlineTable title="期限超過" items=view.overdue testid="supervisor-overdue" staff=staff/>
        <DeadlineTable title="本日期限" items=view.due_today testid="supervisor-due-today" staff=staff/>
    }
}
