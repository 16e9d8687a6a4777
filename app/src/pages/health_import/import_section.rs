//! One kind of file to import: choose it, read it here in WebAssembly (problems listed by
//! record), send it with a progress bar, show the server's report, and offer to leave out
//! the records whose recipient the office does not have.

use std::collections::BTreeSet;

use domain::api::HealthImportReport;
use domain::checkup::{parse_upload, CheckupFormat, Limits};
use domain::error::RecordError;
use domain::receipt::parse_receipts;
use domain::wareki::format_date;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{File, HtmlInputElement};

use super::record_errors::RecordErrors;
use super::upload_progress::UploadProgress;
use crate::format::group_digits;
use crate::session::use_session;
use crate::upload;

/// What the section imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// 健診結果: 特定健診 CDA archive or 健診 CSV.
    Checkups,
    /// 薬剤情報: レセ電 (医科・歯科).
    Receipts,
}

impl ImportKind {
    /// Prefix of ids and test ids.
    fn key(self) -> &'static str {
        match self {
            ImportKind::Checkups => "checkups",
            ImportKind::Receipts => "receipts",
        }
    }

    fn title(self) -> &'static str {
        match self {
            ImportKind::Checkups => "健診結果（特定健診 CDA アーカイブ・CSV）",
            ImportKind::Receipts => "薬剤情報（レセ電）",
        }
    }

    fn file_label(self) -> &'static str {
        match self {
            ImportKind::Checkups => "健診ファイル（CDA アーカイブの zip または健診 CSV）",
            ImportKind::Receipts => "レセ電ファイル（医科・歯科）",
        }
    }

    fn explanation(self) -> &'static str {
        match self {
            ImportKind::Checkups => "健診機関から届いた特定健診 CDA アーカイブ（zip のまま）か、様式どおりの健診 CSV（UTF-8 または Shift_JIS）を選んでください。同じ受給者・受診日の健診は、新しい内容に置き換えます。",
            ImportKind::Receipts => "医科・歯科のレセ電ファイル（Shift_JIS）を選んでください。調剤レセプトは読み取れません。取り込んだ薬剤情報は、本人のページと、本人が同意した医療機関に表示されます。",
        }
    }

    fn accept(self) -> &'static str {
        match self {
            ImportKind::Checkups => ".zip,.csv,application/zip,text/csv",
            ImportKind::Receipts => ".csv,.uke,.txt,text/csv,text/plain",
        }
    }

    fn path(self, skip_unmatched: bool) -> String {
        let base = match self {
            ImportKind::Checkups => "/api/office/checkups/import",
            ImportKind::Receipts => "/api/office/receipts/import",
        };
        if skip_unmatched {
            format!("{base}?skip_unmatched=1")
        } else {
            base.to_string()
        }
    }

    /// Read the file as the server will: a summary to show, or every problem found.
    fn check(self, bytes: &[u8]) -> Result<Vec<(&'static str, String)>, Vec<RecordError>> {
        match self {
            ImportKind::Checkups => checkup_summary(bytes),
            ImportKind::Receipts => receipt_summary(bytes),
        }
    }
}

fn checkup_summary(bytes: &[u8]) -> Result<Vec<(&'static str, String)>, Vec<RecordError>> {
    let (format, records) = parse_upload(bytes, Limits::DEFAULT)?;
    let people: BTreeSet<(String, String)> = records
        .iter()
        .map(|s| {
            (
                s.checkup.office.as_str().to_string(),
                s.checkup.recipient.as_str().to_string(),
            )
        })
        .collect();
    let first = records.iter().map(|s| s.checkup.examined_on).min();
    let last = records.iter().map(|s| s.checkup.examined_on).max();
    let items: usize = records.iter().map(|s| s.checkup.items.len()).sum();
    let period = match (first, last) {
        (Some(first), Some(last)) if first == last => format_date(first),
        (Some(first), Some(last)) => format!("{} 〜 {}", format_date(first), format_date(last)),
        _ => "—".to_string(),
    };
    Ok(vec![
        (
            "形式",
            match format {
                CheckupFormat::Cda => "特定健診 CDA アーカイブ".to_string(),
                CheckupFormat::Csv => "健診 CSV".to_string(),
            },
        ),
        ("健診", format!("{} 件", group_digits(count(records.len())))),
        (
            "受診者",
            format!("{} 人", group_digits(count(people.len()))),
        ),
        ("受診日", period),
        ("健診項目", format!("{} 項目", group_digits(count(items)))),
    ])
}

fn receipt_summary(bytes: &[u8]) -> Result<Vec<(&'static str, String)>, Vec<RecordError>> {
    let file = parse_receipts(bytes)?;
    let receipts = file.receipts().count();
    let drugs: usize = file.receipts().map(|(_, r)| r.drugs.len()).sum();
    let months: BTreeSet<String> = file.receipts().map(|(_, r)| r.month_text()).collect();
    let institutions: BTreeSet<String> = file
        .blocks
        .iter()
        .map(|b| b.institution_name.clone())
        .collect();
    Ok(vec![
        (
            "医療機関",
            institutions.into_iter().collect::<Vec<_>>().join("、"),
        ),
        (
            "診療年月",
            months.into_iter().collect::<Vec<_>>().join("、"),
        ),
        ("レセプト", format!("{} 件", group_digits(count(receipts)))),
        ("薬剤（IY）", format!("{} 件", group_digits(count(drugs)))),
    ])
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// The check made in this browser.
#[derive(Debug, Clone)]
enum Check {
    Empty,
    Reading,
    Unreadable,
    Invalid(Vec<RecordError>),
    Ready(Vec<(&'static str, String)>),
}

/// The send to the server.
#[derive(Debug, Clone)]
enum Upload {
    Idle,
    Sending { percent: u32 },
    Answered(HealthImportReport),
    Failed(String),
}

fn percent_of(sent: f64, total: f64) -> u32 {
    if total.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) || !sent.is_finite() {
        return 0;
    }
    // Bounded to 0..=100 before the conversion.
    (sent / total * 100.0).clamp(0.0, 100.0).floor() as u32
}

#[component]
pub fn ImportSection(kind: ImportKind) -> impl IntoView {
    let session = use_session();
    let key = kind.key();
    let file = StoredValue::new_local(None::<File>);
    let file_name = RwSignal::new(None::<String>);
    let check = RwSignal::new(Check::Empty);
    let sending = RwSignal::new(Upload::Idle);
    let skipped_run = RwSignal::new(false);
    // Bumped for each new file: answers about an older file are dropped.
    let generation = StoredValue::new(0u32);

    let on_change = move |ev: leptos::ev::Event| {
        let chosen = ev
            .target()
            .and_then(|target| target.dyn_into::<HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        let this = generation.get_value().wrapping_add(1);
        generation.set_value(this);
        sending.set(Upload::Idle);
        skipped_run.set(false);
        file.set_value(chosen.clone());
        let Some(chosen) = chosen else {
            file_name.set(None);
            check.set(Check::Empty);
            return;
        };
        file_name.set(Some(chosen.name()));
        check.set(Check::Reading);
        spawn_local(async move {
            // Let 「読み取っています」 paint before the parse takes the thread.
            gloo_timers::future::TimeoutFuture::new(0).await;
            let outcome = match upload::read_file(&chosen).await {
                Ok(bytes) => match kind.check(&bytes) {
                    Ok(summary) => Check::Ready(summary),
                    Err(errors) => Check::Invalid(errors),
                },
                Err(_) => Check::Unreadable,
            };
            if generation.try_get_value() == Some(this) {
                check.try_set(outcome);
            }
        });
    };

    let send = move |skip_unmatched: bool| {
        let Some(chosen) = file.get_value() else {
            return;
        };
        let this = generation.get_value();
        skipped_run.set(skip_unmatched);
        sending.set(Upload::Sending { percent: 0 });
        spawn_local(async move {
            let progress = move |sent: f64, total: f64| {
                if generation.try_get_value() != Some(this) {
                    return;
                }
                let now = percent_of(sent, total);
                sending.try_update(|state| {
                    if let Upload::Sending { percent } = state {
                        *percent = (*percent).max(now);
                    }
                });
            };
            let result = upload::post_file::<HealthImportReport>(
                &kind.path(skip_unmatched),
                &chosen,
                progress,
            )
            .await;
            if generation.try_get_value() != Some(this) {
                return;
            }
            sending.try_set(match session.check(result) {
                Ok(report) => Upload::Answered(report),
                Err(failure) => Upload::Failed(failure.message()),
            });
        });
    };

    let title_id = format!("{key}-title");
    let labelled_by = title_id.clone();
    let input_id = format!("{key}-file");
    let label_for = input_id.clone();
    let busy = move || matches!(sending.get(), Upload::Sending { .. });

    view! {
        <section class="import-section" aria-labelledby=labelled_by data-testid=format!("{key}-section")>
            <h2 id=title_id>{kind.title()}</h2>
            <p class="hint">{kind.explanation()}</p>
            <div class="field">
                <label for=label_for>{kind.file_label()}</label>
                <input
                    id=input_id
                    type="file"
                    accept=kind.accept()
                    data-testid=format!("{key}-file")
                    prop:disabled=busy
                    on:change=on_change
                />
            </div>
            {move || match check.get() {
                Check::Empty => ().into_any(),
                Check::Reading => view! {
                    <p class="loading" role="status">
                        <span class="spinner" aria-hidden="true"></span>
                        "この端末でファイルを読み取っています…"
                    </p>
                }
                .into_any(),
                Check::Unreadable => view! {
                    <div class="banner banner-error" role="alert">
                        <p class="banner-text">"ファイルを読み込めませんでした。もう一度選び直してください。"</p>
                    </div>
                }
                .into_any(),
                Check::Invalid(errors) => view! {
                    <div class="banner banner-error" role="alert" data-testid=format!("{key}-invalid")>
                        <p class="banner-text">
                            {format!(
                                "「{}」に {} 件の誤りがあります。このファイルは送信できません。直してから選び直してください。",
                                file_name.get_untracked().unwrap_or_default(),
                                errors.len()
                            )}
                        </p>
                    </div>
                    <RecordErrors
                        errors=errors
                        caption="この端末で見つかった誤り"
                        testid=format!("{key}-local-errors")
                    />
                }
                .into_any(),
                Check::Ready(summary) => view! {
                    <div class="import-preview" data-testid=format!("{key}-preview")>
                        <p>{format!("「{}」を読み取りました。誤りはありません。", file_name.get_untracked().unwrap_or_default())}</p>
                        <dl class="facts">
                            {summary.into_iter().map(|(label, value)| view! {
                                <div><dt>{label}</dt><dd>{value}</dd></div>
                            }).collect_view()}
                        </dl>
                        <div class="button-row">
                            <button
                                type="button"
                                class="button button-primary"
                                data-testid=format!("{key}-upload")
                                prop:disabled=busy
                                on:click=move |_| send(false)
                            >
                                "取り込む"
                            </button>
                        </div>
                    </div>
                }
                .into_any(),
            }}
            {move || match sending.get() {
                Upload::Idle => ().into_any(),
                Upload::Sending { percent } => view! {
                    <UploadProgress percent=percent testid=format!("{key}-progress")/>
                }
                .into_any(),
                Upload::Failed(message) => view! {
                    <div class="banner banner-error" role="alert" data-testid=format!("{key}-failed")>
                        <p class="banner-text">{message}</p>
                    </div>
                }
                .into_any(),
                Upload::Answered(report) => {
                    let offer_skip = !report.accepted
                        && !skipped_run.get_untracked()
                        && report.errors.iter().any(|e| e.field == "受給者番号");
                    view! {
                        <UploadProgress percent=100 testid=format!("{key}-progress")/>
                        <ImportReport report=report testid=format!("{key}-report")/>
                        {offer_skip.then(|| view! {
                            <div class="button-row">
                                <button
                                    type="button"
                                    class="button"
                                    data-testid=format!("{key}-skip-unmatched")
                                    on:click=move |_| send(true)
                                >
                                    "照合できない記録を除いて取り込む"
                                </button>
                            </div>
                            <p class="hint">"受給者が見つからない記録だけを除きます。ほかの誤りがあれば、やはり何も取り込みません。"</p>
                        })}
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

/// The server's answer: what was written, what was left out, every error.
#[component]
fn ImportReport(report: HealthImportReport, testid: String) -> impl IntoView {
    let accepted = report.accepted;
    let unit = if report.format == "rece" {
        "薬剤"
    } else {
        "項目"
    };
    view! {
        <div class="import-report" data-testid=testid data-accepted=accepted.to_string()>
            {if accepted {
                view! { <p class="notice-ok" role="status" data-testid="import-message">{report.message.clone()}</p> }.into_any()
            } else {
                view! {
                    <div class="banner banner-error" role="alert">
                        <p class="banner-text" data-testid="import-message">{report.message.clone()}</p>
                    </div>
                }
                .into_any()
            }}
            <dl class="facts">
                <div><dt>"ファイル内の記録"</dt><dd data-testid="import-records">{format!("{} 件", group_digits(report.records))}</dd></div>
                <div><dt>"取り込んだ記録"</dt><dd data-testid="import-written">{format!("{} 件", group_digits(report.written))}</dd></div>
                {(report.replaced > 0).then(|| view! {
                    <div><dt>"置き換えた健診"</dt><dd data-testid="import-replaced">{format!("{} 件", group_digits(report.replaced))}</dd></div>
                })}
                <div><dt>{format!("取り込んだ{unit}")}</dt><dd>{format!("{} 件", group_digits(report.items))}</dd></div>
            </dl>
            {(!report.skipped.is_empty()).then(|| view! {
                <RecordErrors
                    errors=report.skipped.clone()
                    caption="取り込まなかった記録（受給者が見つかりません）"
                    testid="import-skipped".to_string()
                />
            })}
            {(!report.errors.is_empty()).then(|| view! {
                <RecordErrors
                    errors=report.errors.clone()
                    caption="サーバーで見つかった誤り"
                    testid="import-errors".to_string()
                />
            })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::percent_of;

    #[test]
    fn percent_is_bounded() {
        for (sent, total, expected) in [
            (0.0, 0.0, 0),
            (50.0, 100.0, 50),
            (100.0, 100.0, 100),
            (150.0, 100.0, 100),
            (f64::NAN, 100.0, 0),
            (1.0, 3.0, 33),
        ] {
            assert_eq!(percent_of(sent, total), expected, "{sent}/{total}");
        }
    }
}
