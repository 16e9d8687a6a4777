//! Problems found in a file, one row each: where (file inside the archive, line), which
//! record, which field, and what is wrong.

use domain::error::RecordError;
use leptos::prelude::*;

/// Rows shown at most; the count says how many more there are.
const MAX_ROWS: usize = 500;

#[component]
pub fn RecordErrors(
    errors: Vec<RecordError>,
    caption: &'static str,
    testid: String,
) -> impl IntoView {
    let total = errors.len();
    let more = total.saturating_sub(MAX_ROWS);
    let caption = format!("{caption}（{total}件）");
    let region = caption.clone();
    view! {
        <div class="table-wrap" role="region" aria-label=region tabindex="0">
            <table class="table record-errors" data-testid=testid>
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"場所"</th>
                        <th scope="col">"記録"</th>
                        <th scope="col">"項目"</th>
                        <th scope="col">"内容"</th>
                    </tr>
                </thead>
                <tbody>
                    {errors.into_iter().take(MAX_ROWS).map(|e| view! {
                        <tr data-testid="record-error">
                            <td>{place(e.file.as_deref(), e.line)}</td>
                            <td>{e.record.unwrap_or_else(|| "—".to_string())}</td>
                            <td>{e.field}</td>
                            <td>{e.message}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {(more > 0).then(|| view! {
            <p class="hint">{format!("ほかに {more} 件あります。上の誤りを直してから、もう一度読み取ってください。")}</p>
        })}
    }
}

/// 「DATA/h….xml 17行目」, 「12行目」, or 「ファイル全体」.
fn place(file: Option<&str>, line: Option<usize>) -> String {
    match (file, line) {
        (Some(file), Some(line)) => format!("{file} {line}行目"),
        (Some(file), None) => file.to_string(),
        (None, Some(line)) => format!("{line}行目"),
        (None, None) => "ファイル全体".to_string(),
    }
}
