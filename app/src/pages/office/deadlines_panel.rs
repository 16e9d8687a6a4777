//! 「期限超過・本日期限」 on the office home: 資格 decisions whose registration (due
//! 2 開庁日 after the decision) is overdue or due today, each linking to its recipient.

use domain::api::DeadlineItem;
use leptos::prelude::*;
use leptos_router::components::A;

use super::StaffNames;
use crate::api;
use crate::components::{DateJa, LoadError, Loading};
use crate::session::use_session;

#[component]
pub fn DeadlinesPanel() -> impl IntoView {
    let session = use_session();
    let deadlines =
        LocalResource::new(move || async move { session.check(api::office_deadlines().await) });
    let staff = StaffNames::load();
    view! {
        <section class="deadlines" aria-labelledby="deadlines-title" data-testid="deadlines">
            <h2 id="deadlines-title">"期限超過・本日期限"</h2>
            {move || match deadlines.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(d)) => {
                    let upcoming = d.upcoming;
                    if d.overdue.is_empty() && d.due_today.is_empty() {
                        view! {
                            <p class="notice-ok" data-testid="deadlines-none">
                                {format!("期限超過・本日期限の資格登録はありません（期限前 {upcoming}件）。")}
                            </p>
                        }
                        .into_any()
                    } else {
                        view! {
                            <DeadlineTable title="期限超過" items=d.overdue testid="deadlines-overdue" staff=staff/>
                            <DeadlineTable title="本日期限" items=d.due_today testid="deadlines-today" staff=staff/>
                            <p class="hint">{format!("期限前の資格登録待ち: {upcoming}件")}</p>
                        }
                        .into_any()
                    }
                }
                Some(Err(failure)) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| deadlines.refetch())/>
                }
                .into_any(),
            }}
        </section>
    }
}

/// One list of pending registrations (also used by the supervisor's page).
#[component]
pub fn DeadlineTable(
    title: &'static str,
    items: Vec<DeadlineItem>,
    testid: &'static str,
    staff: StaffNames,
) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="muted" data-testid=testid>{format!("{title}: なし")}</p> }
            .into_any();
    }
    let caption = format!("{title}（{}件）", items.len());
    let region_label = caption.clone();
    view! {
        <div class="table-wrap" role="region" aria-label=region_label tabindex="0">
            <table class="table" data-testid=testid>
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"受給者"</th>
                        <th scope="col">"異動"</th>
                        <th scope="col">"効力発生日"</th>
                        <th scope="col">"決定日"</th>
                        <th scope="col">"登録期限"</th>
                        <th scope="col">"超過"</th>
                        <th scope="col">"地区担当員"</th>
                    </tr>
                </thead>
                <tbody>
                    {items.into_iter().map(|item| {
                        let href = format!("/office/recipients/{}", item.recipient_id);
                        let overdue = item.state.overdue_words(item.open_days_overdue);
                        view! {
                            <tr data-testid="deadline-row">
                                <th scope="row">
                                    <A href=href>{format!("{} {}", item.recipient_number, item.recipient_name)}</A>
                                </th>
                                <td>{item.kind_label}</td>
                                <td><DateJa iso=item.effective_date/></td>
                                <td><DateJa iso=item.decision_date/></td>
                                <td><DateJa iso=item.due_date/></td>
                                <td data-testid="deadline-overdue">{overdue}</td>
                                <td class="name-cell" data-testid="deadline-caseworker">{move || match &item.caseworker_login {
                                    Some(login) => staff.name(login),
                                    None => "未割当".into(),
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
