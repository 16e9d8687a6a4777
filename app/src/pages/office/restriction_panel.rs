//! 閲覧制限 (DV・虐待 victims): its state, what it does, and switching it with a reason.

use domain::api::{RecipientDetail, RestrictionRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::StaffNames;
use crate::api;
use crate::session::use_session;

#[component]
pub fn RestrictionPanel(
    detail: Memo<Option<RecipientDetail>>,
    updated: Callback<RecipientDetail>,
) -> impl IntoView {
    let session = use_session();
    let staff = StaffNames::load();
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let restricted = move || detail.with(|d| d.as_ref().is_some_and(|d| d.restriction.restricted));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(id) = detail.with_untracked(|d| d.as_ref().map(|d| d.id)) else {
            return;
        };
        let typed = reason.get_untracked();
        if typed.trim().is_empty() {
            error.set(Some("理由を入力してください。".into()));
            return;
        }
        let request = RestrictionRequest {
            restricted: !restricted(),
            reason: typed,
        };
        busy.set(true);
        spawn_local(async move {
            let result = api::office_set_restriction(id, &request).await;
            busy.set(false);
            match session.check(result) {
                Ok(d) => {
                    reason.set(String::new());
                    error.set(None);
                    updated.run(d);
                }
                Err(failure) => error.set(Some(
                    failure
                        .fields()
                        .first()
                        .map(|f| f.message.clone())
                        .unwrap_or_else(|| failure.message()),
                )),
            }
        });
    };

    view! {
        <section class="restriction" class:restriction-on=restricted aria-labelledby="restriction-title" data-testid="restriction">
            <h2 id="restriction-title">"閲覧制限"</h2>
            {move || detail.get().map(|d| {
                let r = d.restriction;
                view! {
                    <p class="status-line" data-testid="restriction-state">
                        {if r.restricted { "閲覧制限あり" } else { "閲覧制限なし" }}
                    </p>
                    {r.reason.map(|reason| view! { <p>"理由: " {reason}</p> })}
                    {r.changed_at.map(|at| {
                        let by = r.changed_by.unwrap_or_default();
                        view! {
                            <p class="hint" data-testid="restriction-changed">
                                {format!("変更: {} ", crate::format::instant_ja(&at))}
                                {move || staff.name(&by)}
                            </p>
                        }
                    })}
                    {(!r.effects.is_empty()).then(|| view! {
                        <ul class="restriction-effects" data-testid="restriction-effects">
                            {r.effects.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}
                        </ul>
                    })}
                }
            })}
            <form class="inline-form" on:submit=on_submit data-testid="restriction-form">
                <div class="field">
                    <label for="restriction-reason">
                        {move || if restricted() { "解除する理由" } else { "閲覧制限をかける理由" }}
                    </label>
                    <input id="restriction-reason" type="text" data-testid="restriction-reason" autocomplete="off"
                        aria-describedby="restriction-reason-error"
                        prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))/>
                    <p class="field-state" id="restriction-reason-error">
                        {move || error.get().map(|m| view! { <span class="field-error" role="alert">{m}</span> })}
                    </p>
                </div>
                <button type="submit" class="button" data-testid="restriction-toggle" disabled=move || busy.get()>
                    {move || if restricted() { "閲覧制限を解除する" } else { "閲覧制限をかける" }}
                </button>
            </form>
        </section>
    }
}
