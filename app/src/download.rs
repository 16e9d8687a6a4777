//! Offering bytes made in the browser as a file download (a Blob and a temporary link).

use wasm_bindgen::{JsCast, JsValue};

/// The sentence shown when the browser refused the download.
pub const SAVE_FAILED: &str =
    "ファイルを保存できませんでした。ブラウザのダウンロード設定を確認してください。";

/// The MIME type of a CSV in UTF-8 or CP932.
pub fn csv_mime(cp932: bool) -> &'static str {
    if cp932 {
        "text/csv;charset=shift_jis"
    } else {
        "text/csv;charset=utf-8"
    }
}

/// Offers `bytes` as a download named `name`.
pub fn save_file(bytes: &[u8], name: &str, mime: &str) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let document = window.document().ok_or(JsValue::NULL)?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    link.set_href(&url);
    link.set_download(name);
    link.set_hidden(true);
    let body = document.body().ok_or(JsValue::NULL)?;
    body.append_child(&link)?;
    link.click();
    link.remove();
    // Revoked once the download has surely started: a busy PC can take seconds to begin it,
    // and a URL revoked before that cancels the download (seen at 1 s under load).
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000)?;
    Ok(())
}
