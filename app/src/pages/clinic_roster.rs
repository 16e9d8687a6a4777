//! `/clinic/roster`: 一括照会 — every 医療券・調剤券 that names this institution in a 診療年月
//! (this month by default), as a table and as the CSV for the レセコン
//! (`docs/file-layouts.md` §10) in UTF-8 or CP932 (Shift_JIS).
//!
//! This month's roster is the desk's (`reception`): fetched on visiting clinic pages and
//! kept on this PC for offline checks. Another month is fetched when chosen, and kept too.
//! Offline, the kept copy is shown and the CSV is written in the browser from it, with the
//! same domain code as the server (`Roster::to_csv`; CP932 through `crate::cp932`, the same
//! bytes as the server's `encode_cp932`).

use domain::api::Roster;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::api::{self, Failure};
use crate::components::{DateJa, DateRangeJa, ErrorBanner, Loading, PageHeading};
use crate::format::{instant_ja, month_label, yen};
use crate::offline;
use crate::reception::{use_reception, Reception};
use crate::session::use_session;

/// What the table shows.
#[derive(Debug, Clone, PartialEq)]
enum Shown {
    Loading,
    Roster {
        roster: Roster,
        /// A copy kept on this PC (the server was not asked or did not answer).
        kept_copy: bool,
    },
    Missing(String),
}

#[component]
pub fn ClinicRoster() -> impl IntoView {
    let Some(reception) = use_reception() else {
        return ().into_any();
    };
    let this_month = domain::ticket::month_of(reception.today());
    let month_input = RwSignal::new(this_month.clone());
    let month = RwSignal::new(this_month.clone());
    let other = RwSignal::new(Shown::Loading);
    let download_error = RwSignal::new(None::<String>);
    let downloading = RwSignal::new(false);
    let session = use_session();

    // Another month than this one: fetch it (or read the kept copy).
    Effect::new(move |_| {
        let chosen = month.get();
        if chosen == domain::ticket::month_of(reception.today()) {
            return;
        }
        other.set(Shown::Loading);
        spawn_local(async move {
            let shown = load_month(reception, session, &chosen).await;
            // The choice may have changed meanwhile: show only the latest.
            if month.get_untracked() == chosen {
                other.set(shown);
            }
        });
    });

    let shown = Memo::new(move |_| {
        let chosen = month.get();
        if chosen == domain::ticket::month_of(reception.today()) {
            match reception.roster.get() {
                Some(kept) if kept.roster.month == chosen => Shown::Roster {
                    kept_copy: !kept.fresh,
                    roster: kept.roster,
                },
                _ if reception.roster_loading.get() => Shown::Loading,
                _ => Shown::Missing(
                    "今月の名簿をまだ受け取っていません。「名簿を更新」を押してください。"
                        .to_string(),
                ),
            }
        } else {
            other.get()
        }
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let typed = month_input.get_untracked();
        match domain::wareki::parse_month_input(&typed) {
            Ok((y, m)) => {
                download_error.set(None);
                month.set(format!("{y:04}-{m:02}"));
            }
            Err(e) => download_error.set(Some(e.month_message())),
        }
    };

    let download = move |cp932: bool| {
        if downloading.get_untracked() {
            return;
        }
        let Shown::Roster { roster, .. } = shown.get_untracked() else {
            return;
        };
        downloading.set(true);
        download_error.set(None);
        spawn_local(async move {
            let bytes = match session.check(api::verify_roster_csv(&roster.month, cp932).await) {
                Ok(bytes) => Ok(bytes),
                // Offline: the same file, written here from the kept roster.
                Err(Failure::Unreachable) => {
                    reception.reachable.set(false);
                    let text = roster.to_csv();
                    if cp932 {
                        crate::cp932::encode(&text).ok_or_else(|| {
                            "このブラウザでは Shift_JIS (CP932) のファイルを作れません。UTF-8 をお使いください。"
                                .to_string()
                        })
                    } else {
                        Ok(text.into_bytes())
                    }
                }
                Err(failure) => Err(failure.message()),
            };
            match bytes {
                Ok(bytes) => {
                    let suffix = if cp932 { "-sjis" } else { "" };
                    let name = format!(
                        "roster-{}-{}{suffix}.csv",
                        roster.institution_code, roster.month
                    );
                    let mime = if cp932 {
                        "text/csv;charset=shift_jis"
                    } else {
                        "text/csv;charset=utf-8"
                    };
                    if save_file(&bytes, &name, mime).is_err() {
                        download_error.set(Some(
                            "ファイルを保存できませんでした。ブラウザのダウンロード設定を確認してください。"
                                .to_string(),
                        ));
                    }
                }
                Err(message) => download_error.set(Some(message)),
            }
            downloading.set(false);
        });
    };

    view! {
        <section class="page roster-page">
            <PageHeading title="一括照会（医療券・調剤券の一覧）" testid="roster-heading"/>
            <form class="roster-controls" on:submit=on_submit data-testid="roster-month-form">
                <div class="field">
                    <label for="roster-month">"診療年月"</label>
                    <input
                        id="roster-month"
                        type="month"
                        data-testid="roster-month"
                        prop:value=move || month_input.get()
                        on:input=move |ev| month_input.set(event_target_value(&ev))
                    />
                </div>
                <button type="submit" class="button" data-testid="roster-show">"表示"</button>
                <div class="button-row roster-downloads">
                    <button
                        type="button"
                        class="button button-primary"
                        data-testid="roster-csv-utf8"
                        disabled=move || downloading.get() || !matches!(shown.get(), Shown::Roster { .. })
                        on:click=move |_| download(false)
                    >
                        "CSV（UTF-8）をダウンロード"
                    </button>
                    <button
                        type="button"
                        class="button"
                        data-testid="roster-csv-cp932"
                        disabled=move || downloading.get() || !matches!(shown.get(), Shown::Roster { .. })
                        on:click=move |_| download(true)
                    >
                        "CSV（Shift_JIS / CP932）をダウンロード"
                    </button>
                </div>
            </form>
            {move || download_error.get().map(|message| view! { <ErrorBanner message=message/> })}
            {move || match shown.get() {
                Shown::Loading => view! { <Loading text="名簿を読み込んでいます…"/> }.into_any(),
                Shown::Missing(message) => view! { <p class="empty" data-testid="roster-missing">{message}</p> }.into_any(),
                Shown::Roster { roster, kept_copy } => view! { <RosterTable roster=roster kept_copy=kept_copy/> }.into_any(),
            }}
        </section>
    }
    .into_any()
}

async fn load_month(reception: Reception, session: crate::session::Session, month: &str) -> Shown {
    match session.check(api::verify_roster(Some(month)).await) {
        Ok(roster) => {
            reception.server_answered();
            reception.keep_roster(roster.clone()).await;
            Shown::Roster {
                roster,
                kept_copy: false,
            }
        }
        Err(failure) => {
            if failure == Failure::Unreachable {
                reception.reachable.set(false);
            }
            let code = session
                .info
                .with_untracked(|info| info.as_ref().and_then(|i| i.institution_code.clone()))
                .unwrap_or_default();
            match offline::clinic::load_roster(&code, month).await {
                Ok(Some(saved)) if failure == Failure::Unreachable => Shown::Roster {
                    roster: saved.data,
                    kept_copy: true,
                },
                _ => Shown::Missing(failure.message()),
            }
        }
    }
}

#[component]
fn RosterTable(roster: Roster, kept_copy: bool) -> impl IntoView {
    let tickets: usize = roster.recipients.iter().map(|r| r.tickets.len()).sum();
    let people = roster.recipients.len();
    let month = month_label(&format!("{}-01", roster.month));
    let synced = instant_ja(&roster.generated_at);
    let rows: Vec<_> = roster
        .recipients
        .iter()
        .flat_map(|r| r.tickets.iter().map(move |t| (r.clone(), t.clone())))
        .collect();
    view! {
        <p class="roster-summary" data-testid="roster-summary">
            <strong>{format!("{month}: {people}人・{tickets}枚")}</strong>
            {format!("（{} {}、最終同期 {synced}）", roster.institution_name, roster.institution_code)}
        </p>
        {kept_copy.then(|| view! {
            <p class="notice" data-testid="roster-kept-copy">
                {format!("サーバーに接続できないため、この端末に保存した名簿（最終同期 {synced}）を表示しています。")}
            </p>
        })}
        {if rows.is_empty() {
            view! {
                <p class="empty" data-testid="roster-empty">"この月にこの医療機関・薬局あての医療券・調剤券はありません。"</p>
            }
            .into_any()
        } else {
            view! {
                <div class="table-wrap" tabindex="0" role="region" aria-label="一括照会の一覧">
                    <table class="table roster-table" data-testid="roster-table">
                        <thead>
                            <tr>
                                <th scope="col">"受給者番号"</th>
                                <th scope="col">"氏名（カナ）"</th>
                                <th scope="col">"性別"</th>
                                <th scope="col">"生年月日"</th>
                                <th scope="col">"券・診療別"</th>
                                <th scope="col">"有効期間"</th>
                                <th scope="col">"傷病名 / 処方箋発行元"</th>
                                <th scope="col">"本人支払額"</th>
                                <th scope="col">"単独・併用"</th>
                                <th scope="col">"福祉事務所"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows.into_iter().map(|(person, ticket)| {
                                let detail = match (&ticket.prescriber_name, &ticket.prescriber_code) {
                                    (Some(name), _) => format!("処方箋発行元: {name}"),
                                    (None, Some(code)) => format!("処方箋発行元: {}", code.as_str()),
                                    (None, None) if ticket.injury_names.is_empty() => "—".to_string(),
                                    (None, None) => ticket.injury_names.join("、"),
                                };
                                view! {
                                    <tr data-testid="roster-row">
                                        <th scope="row" class="number">
                                            {person.recipient_number.clone()}
                                            <span class="muted">{format!(" ({})", person.office_number)}</span>
                                        </th>
                                        <td>
                                            {person.name.clone()}
                                            <br/>
                                            <span class="muted">{person.name_kana.clone()}</span>
                                        </td>
                                        <td>{person.sex.label_ja()}</td>
                                        <td><DateJa iso=person.birth_date.to_string()/></td>
                                        <td>{format!("{} {}", ticket.ticket_type.label_ja(), ticket.treatment_type.label_ja())}</td>
                                        <td>
                                            <DateRangeJa
                                                from=Some(ticket.valid_from.to_string())
                                                until=Some(ticket.valid_until.to_string())
                                            />
                                        </td>
                                        <td>{detail}</td>
                                        <td class="number">{yen(ticket.self_pay_amount)}</td>
                                        <td>{ticket.single_or_combined.label_ja()}</td>
                                        <td>
                                            {person.office_name.clone()}
                                            <br/>
                                            <span class="muted">{person.office_phone.clone()}</span>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        }}
    }
}

/// Offers `bytes` as a download named `name` (a Blob and a temporary link).
fn save_file(bytes: &[u8], name: &str, mime: &str) -> Result<(), wasm_bindgen::JsValue> {
    let window = web_sys::window().ok_or(wasm_bindgen::JsValue::NULL)?;
    let document = window.document().ok_or(wasm_bindgen::JsValue::NULL)?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    link.set_href(&url);
    link.set_download(name);
    link.set_hidden(true);
    let body = document.body().ok_or(wasm_bindgen::JsValue::NULL)?;
    body.append_child(&link)?;
    link.click();
    link.remove();
    // Revoked on the next turn, once the download has started.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 1000)?;
    Ok(())
}
