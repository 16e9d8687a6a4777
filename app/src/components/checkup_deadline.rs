//! The 健診 deadline on the office home (product.md §2 II): how many of last fiscal year's
//! 健診 results are registered, and the 11月1日 due date, with a way to import more.

use domain::api::CheckupDeadline;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api;
use crate::components::{LoadError, Loading};
use crate::format::group_digits;
use crate::session::use_session;

#[component]
pub fn CheckupDeadlineCard() -> impl IntoView {
    let session = use_session();
    let deadline =
        LocalResource::new(
            move || async move { session.check(api::office_checkup_deadline().await) },
        );
    view! {
        <section class="checkup-deadline" aria-labelledby="checkup-deadline-title" data-testid="checkup-deadline">
            <h2 id="checkup-deadline-title">"健診結果の登録期限"</h2>
            {move || match deadline.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Ok(d)) => view! { <DeadlineFacts deadline=d/> }.into_any(),
                Some(Err(failure)) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| deadline.refetch())/>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn DeadlineFacts(deadline: CheckupDeadline) -> impl IntoView {
    let when = if deadline.overdue {
        format!(
            "期限を {}日 過ぎています",
            deadline.days_left.unsigned_abs()
        )
    } else if deadline.days_left == 0 {
        "本日が期限です".to_string()
    } else {
        format!("あと {}日", deadline.days_left)
    };
    let badge = if deadline.overdue || deadline.days_left <= 30 {
        "badge badge-warn"
    } else {
        "badge"
    };
    let share = deadline
        .registered_recipients
        .saturating_mul(100)
        .checked_div(deadline.recipients)
        .map_or_else(|| "—".to_string(), |percent| format!("{percent}%"));
    view! {
        <p data-testid="checkup-deadline-due">
            {format!("{}の健診結果の登録期限: {} ", deadline.fiscal_year_label, deadline.due_date_label)}
            <span class=badge data-testid="checkup-deadline-left">{when}</span>
        </p>
        <dl class="facts">
            <div>
                <dt>"健診が登録された受給者"</dt>
                <dd data-testid="checkup-deadline-registered">
                    {format!(
                        "{}人 / {}人（{share}）",
                        group_digits(deadline.registered_recipients),
                        group_digits(deadline.recipients)
                    )}
                </dd>
            </div>
            <div>
                <dt>"登録済みの健診"</dt>
                <dd data-testid="checkup-deadline-checkups">{format!("{}件", group_digits(deadline.registered_checkups))}</dd>
            </div>
        </dl>
        <p class="hint">{deadline.message}</p>
        <A href="/office/health-import" attr:class="button" attr:data-testid="checkup-deadline-import">
            "健診結果を取り込む"
        </A>
    }
}
