//! `/office/claims?id=N`: 請求前資格確認 (product.md §2 「Also」; layouts: `docs/file-layouts.md`
//! §13 資格情報ファイル, §14 返戻情報ファイル). The caseworker picks the 資格情報ファイル, the
//! server checks every receipt against 資格 and 医療券 and stores the run, and the page shows
//! the review ([`review::ClaimsReviewView`]) with the 返戻情報ファイル to download. `?id=`
//! reopens a stored run (reload, bookmark, back).

mod review;

use domain::api::ClaimsReview;
use domain::error::FieldError;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::{self, Failure};
use crate::components::{Loading, PageHeading};
use crate::format::group_digits;
use crate::session::use_session;
use review::{ClaimsReviewView, REVIEW_HEADING_ID};

/// What went wrong, as shown in the alert: the sentence and, when the server listed several
/// (e.g. every malformed row of the CSV), each of them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    message: String,
    fields: Vec<FieldError>,
}

impl Problem {
    fn say(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            fields: Vec::new(),
        }
    }

    fn from_failure(failure: &Failure) -> Self {
        let fields = failure.fields();
        Self {
            message: failure.message(),
            // A single field is already in the message.
            fields: if fields.len() > 1 {
                fields.to_vec()
            } else {
                Vec::new()
            },
        }
    }
}

#[component]
pub fn ClaimsCheckPage() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let review = RwSignal::new(None::<ClaimsReview>);
    let problem = RwSignal::new(None::<Problem>);
    // What the page is waiting for, said in the busy line; `None` when idle.
    let busy = RwSignal::new(None::<String>);
    // Bytes of the upload sent so far and in all, while a file is being sent.
    let progress = RwSignal::new(None::<(f64, f64)>);
    let file_input = NodeRef::<leptos::html::Input>::new();

    // `?id=N`: the stored run, unless it is the one on screen (just uploaded).
    let wanted = Memo::new(move |_| {
        query
            .with(|q| q.get("id"))
            .map(|id| id.trim().parse::<i64>().map_err(|_| id))
    });
    Effect::new(move |_| {
        let id = match wanted.get() {
            None => {
                review.set(None);
                return;
            }
            Some(Err(_)) => {
                review.set(None);
                problem.set(Some(Problem::say(
                    "確認結果の番号が読めません。アドレスを確認してください。",
                )));
                return;
            }
            Some(Ok(id)) => id,
        };
        if review.with_untracked(|r| r.as_ref().and_then(|r| r.id)) == Some(id) {
            return;
        }
        review.set(None);
        problem.set(None);
        busy.set(Some("保存した確認結果を読み込んでいます…".to_string()));
        spawn_local(async move {
            match session.check(api::office_claims_review(id).await) {
                Ok(stored) => {
                    review.try_set(Some(stored));
                }
                Err(failure) => {
                    problem.try_set(Some(Problem::from_failure(&failure)));
                }
            }
            busy.try_set(None);
        });
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked().is_some() {
            return;
        }
        let file = file_input
            .get_untracked()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        let file = match file.map(|file| checked_file(&file).map(|()| file)) {
            Some(Ok(file)) => file,
            Some(Err(message)) => {
                problem.set(Some(Problem::say(message)));
                focus_file_input(file_input);
                return;
            }
            None => {
                problem.set(Some(Problem::say(
                    "資格情報ファイル（XXXXXXXX_SHIKAKU_YYYYMM.ZIP）を選んでください。",
                )));
                focus_file_input(file_input);
                return;
            }
        };
        problem.set(None);
        busy.set(Some(format!(
            "「{}」（{}）を送信しています…",
            file.name(),
            size_label(file.size())
        )));
        progress.set(Some((0.0, file.size())));
        let navigate = navigate.clone();
        spawn_local(async move {
            let on_progress = move |sent: f64, total: f64| {
                progress.try_set(Some((sent, total)));
                if sent >= total {
                    busy.try_set(Some(
                        "送信しました。レセプトを資格・医療券と照らし合わせています…".to_string(),
                    ));
                }
            };
            let result = api::office_claims_check(&file, on_progress).await;
            progress.try_set(None);
            match session.check(result) {
                Ok(checked) => {
                    let id = checked.id;
                    review.try_set(Some(checked));
                    if let Some(id) = id {
                        navigate(&format!("/office/claims?id={id}"), Default::default());
                    }
                    focus_review_heading();
                }
                Err(failure) => {
                    problem.try_set(Some(Problem::from_failure(&failure)));
                }
            }
            busy.try_set(None);
        });
    };

    view! {
        <section class="page claims-page">
            <PageHeading title="請求前資格確認" testid="claims-heading"/>
            <p class="lead">
                "支払基金から届いた資格情報ファイルのレセプトを、資格と医療券・調剤券に照らして確認します。"
                "返戻するレセプトは返戻情報ファイルとしてダウンロードできます。"
            </p>
            <form
                class="claims-upload"
                data-testid="claims-form"
                on:submit=on_submit
                aria-busy=move || if busy.with(Option::is_some) { "true" } else { "false" }
            >
                <div class="field">
                    <label for="claims-file">"資格情報ファイル（ZIP）"</label>
                    <input
                        id="claims-file"
                        type="file"
                        accept=".zip,.ZIP,application/zip"
                        aria-describedby="claims-file-hint"
                        data-testid="claims-file"
                        node_ref=file_input
                    />
                    <p class="hint" id="claims-file-hint">
                        "ファイル名は「公費負担者番号8桁_SHIKAKU_請求年月6桁.ZIP」（例: 12131017_SHIKAKU_202405.ZIP）。この福祉事務所あてのファイルだけを確認できます。"
                    </p>
                </div>
                <div class="button-row">
                    <button
                        type="submit"
                        class="button button-primary"
                        data-testid="claims-submit"
                        disabled=move || busy.with(Option::is_some)
                    >
                        "アップロードして確認"
                    </button>
                </div>
            </form>
            {move || busy.get().map(|text| view! { <Loading text=text/> })}
            {move || progress.get().map(|(sent, total)| view! { <UploadProgress sent=sent total=total/> })}
            {move || problem.get().map(|problem| view! { <ProblemAlert problem=problem/> })}
            {move || review.get().map(|review| view! { <ClaimsReviewView review=review/> })}
        </section>
    }
}

/// How much of the file has been sent (the server answers only once it has all of it).
#[component]
fn UploadProgress(sent: f64, total: f64) -> impl IntoView {
    let percent = if total > 0.0 {
        (sent / total * 100.0).clamp(0.0, 100.0).round()
    } else {
        0.0
    };
    view! {
        <div class="field claims-progress">
            <label for="claims-progress">{format!("送信 {percent:.0}%（{} / {}）", size_label(sent), size_label(total))}</label>
            <progress id="claims-progress" data-testid="claims-progress" max="100" value=percent.to_string()></progress>
        </div>
    }
}

#[component]
fn ProblemAlert(problem: Problem) -> impl IntoView {
    view! {
        <div class="banner banner-error" role="alert" data-testid="claims-error">
            <p class="banner-text">{problem.message}</p>
            {(!problem.fields.is_empty()).then(|| view! {
                <ul class="banner-list">
                    {problem
                        .fields
                        .into_iter()
                        .map(|f| view! { <li>{format!("{}: {}", f.field, f.message)}</li> })
                        .collect_view()}
                </ul>
            })}
        </div>
    }
}

/// What can be said about the chosen file before sending it (the server says the rest).
fn checked_file(file: &web_sys::File) -> Result<(), String> {
    domain::claims::parse_file_name(&file.name())
        .map_err(|e| format!("{}: {}", e.field, e.message))?;
    let size = file.size();
    if size <= 0.0 {
        return Err(format!("「{}」は空のファイルです。", file.name()));
    }
    // Exact as f64 (64 MiB).
    let limit = domain::claims::MAX_ZIP_BYTES as f64;
    if size > limit {
        return Err(format!(
            "「{}」は大きすぎます（{}）。{}までのファイルを選んでください。",
            file.name(),
            size_label(size),
            size_label(limit)
        ));
    }
    Ok(())
}

/// 1234567 bytes → "1.2 MB"; small files in KB.
fn size_label(bytes: f64) -> String {
    if bytes >= 1_048_576.0 {
        format!("{:.1} MB", bytes / 1_048_576.0)
    } else if bytes >= 1024.0 {
        format!("{:.0} KB", bytes / 1024.0)
    } else {
        // A whole number of bytes, below 1024.
        format!("{} バイト", group_digits(bytes.max(0.0) as u64))
    }
}

fn focus_file_input(file_input: NodeRef<leptos::html::Input>) {
    if let Some(input) = file_input.get_untracked() {
        let _ = input.focus();
    }
}

/// Once the review is drawn, keyboard and screen-reader users continue from its heading.
fn focus_review_heading() {
    request_animation_frame(|| {
        let heading = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.get_element_by_id(REVIEW_HEADING_ID))
            .and_then(|element| {
                wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element).ok()
            });
        if let Some(heading) = heading {
            let _ = heading.focus();
        }
    });
}
