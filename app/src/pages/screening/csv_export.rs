//! The month's CSV (product.md Appendix A, `domain::screening::to_csv`), written here from
//! the browser's own result, in UTF-8 or CP932 (for Excel): byte for byte what
//! `onshi screen --format csv` writes.

use domain::feed::TextEncoding;
use domain::screening::{month_label, to_csv};
use leptos::prelude::*;

use super::ScreenedRef;
use crate::components::ErrorBanner;
use crate::download::{csv_mime, save_file, SAVE_FAILED};

#[component]
pub fn CsvExport(screened: ScreenedRef) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let rows = screened.result.rows.len();
    let download = move |cp932: bool| {
        let encoding = if cp932 {
            TextEncoding::Cp932
        } else {
            TextEncoding::Utf8
        };
        let bytes = encoding.encode(&to_csv(&screened.result));
        let suffix = if cp932 { "-sjis" } else { "" };
        let name = format!(
            "screening-{}-{}{suffix}.csv",
            screened.result.office,
            month_label(screened.month)
        );
        match save_file(&bytes, &name, csv_mime(cp932)) {
            Ok(()) => error.set(None),
            Err(_) => error.set(Some(SAVE_FAILED.to_string())),
        }
    };
    view! {
        <div class="button-row screening-downloads">
            <button
                type="button"
                class="button button-primary"
                data-testid="screening-csv-utf8"
                on:click={
                    let download = download.clone();
                    move |_| download(false)
                }
            >
                {format!("CSV（UTF-8）をダウンロード（全{rows}行）")}
            </button>
            <button
                type="button"
                class="button"
                data-testid="screening-csv-cp932"
                on:click=move |_| download(true)
            >
                "CSV（Shift_JIS / CP932）をダウンロード"
            </button>
        </div>
        {move || error.get().map(|message| view! { <ErrorBanner message=message/> })}
    }
}
