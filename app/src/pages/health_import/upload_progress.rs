//! How much of the file has been sent: a determinate progress bar with its percentage in
//! words, announced politely to screen readers.

use leptos::prelude::*;

#[component]
pub fn UploadProgress(percent: u32, testid: String) -> impl IntoView {
    let percent = percent.min(100);
    let text = if percent >= 100 {
        "送信しました（100%）".to_string()
    } else {
        format!("送信しています… {percent}%")
    };
    view! {
        <div class="upload-progress" data-testid=testid aria-busy=(percent < 100).to_string()>
            <div
                class="progress-track"
                role="progressbar"
                aria-label="ファイルの送信"
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=percent.to_string()
                aria-valuetext=text.clone()
            >
                // `style:` sets the property through the CSSOM: the CSP allows no style attribute.
                <div class="progress-fill" style:width=format!("{percent}%")></div>
            </div>
            <p class="muted" role="status">{text}</p>
        </div>
    }
}
