//! The review of one 資格情報ファイル: the counts, the receipts to return (filterable by
//! 返戻事由), the warnings that are not a reason to return (氏名相違), and the
//! 返戻情報ファイル download.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use domain::api::{ClaimsLine, ClaimsReview};
use domain::claims::ReturnReason;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::{ErrorBanner, Stat};
use crate::download::{save_file, SAVE_FAILED};
use crate::format::{group_digits, instant_ja, year_month};
use crate::session::use_session;

/// The review's heading, focused once a check is done.
pub const REVIEW_HEADING_ID: &str = "claims-review-title";

/// At most this many institutions are looked up by code for their names.
const NAME_LOOKUPS: usize = 20;

#[component]
pub fn ClaimsReviewView(review: ClaimsReview) -> impl IntoView {
    let returns: Vec<ClaimsLine> = review.returns().cloned().collect();
    let warned: Vec<ClaimsLine> = review
        .lines
        .iter()
        .filter(|line| !line.warnings.is_empty())
        .cloned()
        .collect();
    let mut reason_counts: BTreeMap<&'static str, (ReturnReason, usize)> = BTreeMap::new();
    for reason in returns.iter().filter_map(|line| line.reason) {
        reason_counts.entry(reason.code()).or_insert((reason, 0)).1 += 1;
    }
    let institution_names = institution_names(&returns);
    let filter = RwSignal::new(None::<ReturnReason>);
    let return_count = review.return_count;
    let warning_count = warned.len();
    let returns = StoredValue::new(returns);
    let billing_month = year_month(&review.billing_month)
        .map(|(year, month)| domain::wareki::format_month(year, month))
        .unwrap_or_else(|| review.billing_month.clone());

    let shown = move || {
        let filter = filter.get();
        returns.with_value(|lines| {
            lines
                .iter()
                .filter(|line| filter.is_none() || line.reason == filter)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let on_filter = move |ev: leptos::ev::Event| {
        filter.set(ReturnReason::from_code(&event_target_value(&ev)));
    };

    view! {
        <section class="claims-review" aria-labelledby=REVIEW_HEADING_ID data-testid="claims-review"
            data-review-id=review.id.map(|id| id.to_string()).unwrap_or_default()>
            <h2 id=REVIEW_HEADING_ID tabindex="-1">"確認結果: " {review.file_name.clone()}</h2>
            <p class="muted" data-testid="claims-meta">
                {format!(
                    "公費負担者番号 {}・請求年月 {}・確認 {}",
                    review.office_number,
                    billing_month,
                    instant_ja(&review.checked_at)
                )}
            </p>
            <dl class="stats">
                <Stat label="受付件数" value=group_digits(review.receipt_count as u64) unit="件" testid="claims-received"/>
                <Stat label="返戻対象" value=group_digits(return_count as u64) unit="件" testid="claims-returns"/>
                <Stat label="警告" value=group_digits(warning_count as u64) unit="件" note="返戻の事由ではありません" testid="claims-warnings"/>
            </dl>
            <DownloadReturnFile review=review.clone()/>

            <h3 id="claims-returns-title">"返戻対象のレセプト"</h3>
            {if return_count == 0 {
                view! {
                    <p class="empty" data-testid="claims-no-returns">
                        "返戻するレセプトはありません。すべてのレセプトが資格・医療券と一致しました。"
                    </p>
                }
                .into_any()
            } else {
                view! {
                    <div class="field claims-filter">
                        <label for="claims-reason-filter">"返戻事由で絞り込む"</label>
                        <select id="claims-reason-filter" data-testid="claims-reason-filter" on:change=on_filter>
                            <option value="">{format!("すべて（{return_count}件）")}</option>
                            {reason_counts
                                .into_values()
                                .map(|(reason, count)| view! {
                                    <option value=reason.code()>
                                        {format!("{} {}（{count}件）", reason.code(), reason.label_ja())}
                                    </option>
                                })
                                .collect_view()}
                        </select>
                    </div>
                    <div class="table-wrap" role="region" aria-labelledby="claims-returns-title" tabindex="0">
                        <table class="table" data-testid="claims-return-table">
                            <caption class="visually-hidden">
                                {move || format!("返戻対象のレセプト（表示 {}件）", shown().len())}
                            </caption>
                            <thead>
                                <tr>
                                    <th scope="col">"レセプト番号"</th>
                                    <th scope="col">"医療機関"</th>
                                    <th scope="col">"診療年月"</th>
                                    <th scope="col">"受給者番号"</th>
                                    <th scope="col">"氏名"</th>
                                    <th scope="col">"請求点数"</th>
                                    <th scope="col">"返戻事由"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {move || shown()
                                    .into_iter()
                                    .map(|line| return_row(line, institution_names))
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}

            <h3 id="claims-warnings-title">"警告（返戻しないもの）"</h3>
            {if warned.is_empty() {
                view! { <p class="empty" data-testid="claims-no-warnings">"警告はありません。"</p> }.into_any()
            } else {
                view! {
                    <p class="hint">"氏名の書き方の違い（異体字・空白など）は返戻の事由にしていません。レセプトと台帳を見比べてください。"</p>
                    <div class="table-wrap" role="region" aria-labelledby="claims-warnings-title" tabindex="0">
                        <table class="table" data-testid="claims-warning-table">
                            <thead>
                                <tr>
                                    <th scope="col">"レセプト番号"</th>
                                    <th scope="col">"受給者番号"</th>
                                    <th scope="col">"氏名（レセプト）"</th>
                                    <th scope="col">"内容"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {warned.into_iter().map(warning_row).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }}
        </section>
    }
}

fn return_row(line: ClaimsLine, names: RwSignal<HashMap<String, String>>) -> impl IntoView {
    let code = line.institution_code.clone();
    let institution = move || names.with(|names| names.get(&code).cloned());
    let month = year_month(&line.month)
        .map(|(year, month)| domain::wareki::format_month(year, month))
        .unwrap_or_else(|| line.month.clone());
    let reason_code = line.reason.map(ReturnReason::code).unwrap_or_default();
    let reason_label = line
        .reason_label
        .clone()
        .or_else(|| line.reason.map(|r| r.label_ja().to_string()))
        .unwrap_or_default();
    view! {
        <tr data-testid="claims-return-row" data-receipt=line.receipt_id.clone() data-reason=reason_code>
            <th scope="row" class="number">{line.receipt_id.clone()}</th>
            <td>
                {institution}
                <span class="muted number">{format!(" {}", line.institution_code)}</span>
            </td>
            <td>{month}</td>
            <td class="number">{line.recipient_number.clone()}</td>
            <td>{line.name.clone()}</td>
            <td class="number">{points_label(line.points)}</td>
            <td>
                <span class="badge badge-bad">{reason_code}</span>
                " "
                <span data-testid="claims-reason-label">{reason_label}</span>
                <br/>
                <span class="muted">{line.detail.clone()}</span>
            </td>
        </tr>
    }
}

fn warning_row(line: ClaimsLine) -> impl IntoView {
    view! {
        <tr data-testid="claims-warning-row" data-receipt=line.receipt_id.clone()>
            <th scope="row" class="number">{line.receipt_id.clone()}</th>
            <td class="number">{line.recipient_number.clone()}</td>
            <td>{line.name.clone()}</td>
            <td>
                {line.warnings.join(" ")}
                {line.reason.map(|reason| view! {
                    <span class="badge badge-bad">{format!("返戻 {}", reason.code())}</span>
                })}
            </td>
        </tr>
    }
}

/// 請求点数 with separators: 12345 → "12,345点".
fn points_label(points: i64) -> String {
    let sign = if points < 0 { "-" } else { "" };
    format!("{sign}{}点", group_digits(points.unsigned_abs()))
}

/// The names of the institutions of the receipts to return, filled in as they are looked
/// up (the review carries only the 医療機関コード). A code that cannot be looked up shows
/// as the code alone.
fn institution_names(returns: &[ClaimsLine]) -> RwSignal<HashMap<String, String>> {
    let names = RwSignal::new(HashMap::new());
    let codes: BTreeSet<String> = returns
        .iter()
        .map(|line| line.institution_code.clone())
        .collect();
    spawn_local(async move {
        for code in codes.into_iter().take(NAME_LOOKUPS) {
            let Ok(list) = api::office_institutions(&code, None).await else {
                return;
            };
            if let Some(found) = list.items.into_iter().find(|i| i.code == code) {
                // The page may be gone by now.
                if names
                    .try_update(|names| names.insert(code, found.name))
                    .is_none()
                {
                    return;
                }
            }
        }
    });
    names
}

/// 「返戻情報ファイルをダウンロード」: the server writes the file; it is saved under the name
/// the server gives, or `XXXXXXXX_HENREI_YYYYMM.ZIP`.
#[component]
fn DownloadReturnFile(review: ClaimsReview) -> impl IntoView {
    let session = use_session();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let fallback_name =
        domain::claims::return_file_name(&review.office_number, &review.billing_month, "ZIP");
    let id = review.id;
    let note = if review.return_count == 0 {
        "返戻対象がないため、見出し行だけのファイルになります。".to_string()
    } else {
        format!(
            "返戻対象 {}件を載せた ZIP（CSV は Shift_JIS）です。",
            review.return_count
        )
    };
    let on_download = move |_| {
        let Some(id) = id else {
            error.set(Some("この確認結果は保存されていないため、返戻情報ファイルを作れません。もう一度アップロードしてください。".to_string()));
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        saved.set(None);
        let fallback_name = fallback_name.clone();
        spawn_local(async move {
            match session.check(api::office_claims_return_file(id).await) {
                Ok((name, bytes)) => {
                    let name = name.unwrap_or(fallback_name);
                    if save_file(&bytes, &name, "application/zip").is_ok() {
                        saved.try_set(Some(format!("「{name}」をダウンロードしました。")));
                    } else {
                        error.try_set(Some(SAVE_FAILED.to_string()));
                    }
                }
                Err(failure) => {
                    error.try_set(Some(failure.message()));
                }
            }
            busy.try_set(false);
        });
    };
    view! {
        <div class="button-row">
            <button
                type="button"
                class="button button-primary"
                data-testid="claims-download"
                disabled=move || busy.get()
                on:click=on_download
            >
                {move || if busy.get() { "作成しています…" } else { "返戻情報ファイルをダウンロード" }}
            </button>
        </div>
        <p class="hint">{note}</p>
        <p class="muted" role="status" data-testid="claims-download-status">{move || saved.get()}</p>
        {move || error.get().map(|message| view! { <ErrorBanner message=message/> })}
    }
}
