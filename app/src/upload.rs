//! Sending a chosen file as the raw request body with upload progress.
//!
//! `fetch` cannot report how much of a request body has been sent, so this one request is an
//! `XMLHttpRequest`: its `upload` object fires `progress` events with the bytes sent. The
//! answer is read like any other API answer (`domain::api::ApiError` on failure).

use domain::api::ApiError;
use serde::de::DeserializeOwned;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, ProgressEvent, XmlHttpRequest};

use crate::api::{self, Failure};

/// The bytes of a chosen file.
pub async fn read_file(file: &File) -> Result<Vec<u8>, JsValue> {
    let buffer = JsFuture::from(file.array_buffer()).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// `POST path` with `file` as the body; `on_progress(sent, total)` is called as the browser
/// sends it (and once more with `total, total` when the server has answered).
pub async fn post_file<T: DeserializeOwned>(
    path: &str,
    file: &File,
    on_progress: impl Fn(f64, f64) + 'static,
) -> Result<T, Failure> {
    let (url, cross_origin) = api::endpoint(path);
    let request = XmlHttpRequest::new().map_err(|_| Failure::Unreachable)?;
    request
        .open("POST", &url)
        .map_err(|_| Failure::Unreachable)?;
    request.set_with_credentials(cross_origin);
    let _ = request.set_request_header("Accept", "application/json");
    let _ = request.set_request_header("Content-Type", "application/octet-stream");

    let total = file.size();
    let on_progress = std::rc::Rc::new(on_progress);
    let report = on_progress.clone();
    // Kept alive (and dropped) by this function: the request is over when it returns.
    let progress = Closure::<dyn Fn(ProgressEvent)>::new(move |event: ProgressEvent| {
        let whole = if event.length_computable() {
            event.total()
        } else {
            total
        };
        report(event.loaded(), whole);
    });
    if let Ok(upload) = request.upload() {
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }

    // load → resolve; error, abort, timeout → reject. The promise's own functions are the
    // handlers, so no other closure has to outlive this call.
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        request.set_onload(Some(&resolve));
        request.set_onerror(Some(&reject));
        request.set_onabort(Some(&reject));
        request.set_ontimeout(Some(&reject));
    });
    request
        .send_with_opt_blob(Some(file))
        .map_err(|_| Failure::Unreachable)?;
    let finished = JsFuture::from(done).await;
    drop(progress);
    if finished.is_err() {
        return Err(Failure::Unreachable);
    }
    on_progress(total, total);

    let status = request.status().unwrap_or(0);
    let body = request.response_text().ok().flatten().unwrap_or_default();
    if (200..300).contains(&status) {
        serde_json::from_str(&body).map_err(|_| Failure::Unreadable { status })
    } else {
        match serde_json::from_str::<ApiError>(&body) {
            Ok(error) => Err(Failure::Api { status, error }),
            Err(_) if matches!(status, 502..=504) => Err(Failure::Unreachable),
            Err(_) => Err(Failure::Unreadable { status }),
        }
    }
}
