//! The office's 健診 of one fiscal year written back out as a 特定健診 CDA archive (zip),
//! e.g. to hand to another system or to keep.

use domain::checkup::{fiscal_year, fiscal_year_label};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::download::{save_file, SAVE_FAILED};
use crate::session::use_session;

/// Fiscal years offered: this one and the five before it (last year is chosen first).
const YEARS_OFFERED: i32 = 5;

#[component]
pub fn CheckupExport() -> impl IntoView {
    let session = use_session();
    let this_year = session
        .info
        .with_untracked(|info| {
            info.as_ref()
                .and_then(|info| domain::wareki::parse_iso_date(&info.today))
        })
        .map(fiscal_year);
    let years: Vec<i32> = match this_year {
        Some(year) => (0..=YEARS_OFFERED).map(|back| year - back).collect(),
        None => Vec::new(),
    };
    let chosen = RwSignal::new(this_year.map(|year| year - 1).unwrap_or_default());
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, String>>);

    let export = move |_| {
        let year = chosen.get_untracked();
        busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            let result = match session.check(api::office_checkup_export(year).await) {
                Ok(bytes) => {
                    let name = format!("kenshin-{year}.zip");
                    match save_file(&bytes, &name, "application/zip") {
                        Ok(()) => Ok(format!(
                            "{}の健診結果を「{name}」として保存しました（{} KB）。",
                            fiscal_year_label(year),
                            bytes.len().div_ceil(1024)
                        )),
                        Err(_) => Err(SAVE_FAILED.to_string()),
                    }
                }
                Err(failure) => Err(failure.message()),
            };
            outcome.try_set(Some(result));
            busy.try_set(false);
        });
    };

    view! {
        <section class="import-section" aria-labelledby="checkup-export-title" data-testid="checkup-export">
            <h2 id="checkup-export-title">"健診結果の書き出し（特定健診 CDA アーカイブ）"</h2>
            <p class="hint">"この福祉事務所に登録されている健診結果を、年度（4月〜翌年3月の受診日）ごとに zip で保存します。"</p>
            <div class="button-row">
                <div class="field">
                    <label for="checkup-export-year">"年度"</label>
                    <select
                        id="checkup-export-year"
                        data-testid="checkup-export-year"
                        on:change=move |ev| {
                            if let Ok(year) = event_target_value(&ev).parse::<i32>() {
                                chosen.set(year);
                            }
                        }
                    >
                        {years.into_iter().map(|year| view! {
                            <option value=year.to_string() selected=move || chosen.get() == year>
                                {format!("{}（{year}年度）", fiscal_year_label(year))}
                            </option>
                        }).collect_view()}
                    </select>
                </div>
                <button
                    type="button"
                    class="button"
                    data-testid="checkup-export-button"
                    prop:disabled=move || busy.get()
                    on:click=export
                >
                    {move || if busy.get() { "書き出しています…" } else { "zip で保存" }}
                </button>
            </div>
            {move || outcome.get().map(|result| match result {
                Ok(message) => view! { <p class="notice-ok" role="status" data-testid="checkup-export-done">{message}</p> }.into_any(),
                Err(message) => view! {
                    <div class="banner banner-error" role="alert"><p class="banner-text">{message}</p></div>
                }
                .into_any(),
            })}
        </section>
    }
}
