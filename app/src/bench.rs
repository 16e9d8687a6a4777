//! `make bench` (scripts/bench.sh, tests/bench/screening_wasm.mjs) times the screening in
//! this WebAssembly through the wasm-bindgen glue every app page loads
//! (`window.wasmBindings.bench_screen`). The pages never call it; it runs exactly what the
//! caseworker screen runs: parse [`ScreeningData`]'s `input`, `screen`, `to_csv`.

use domain::api::ScreeningInput;
use domain::screening::{parse_month, screen, to_csv};
use wasm_bindgen::prelude::*;

/// Parses `input_json` (a `ScreeningInput`, or the whole `/api/office/screening/data` body)
/// and screens `month` (`YYYY-MM`) `runs` times. Answers JSON:
/// `{"parse_ms": …, "screen_ms": [..], "csv": "…"}`; an error is thrown as a JS string.
#[wasm_bindgen]
pub fn bench_screen(input_json: &str, month: &str, runs: u32) -> Result<String, JsValue> {
    let month = parse_month(month, "月").map_err(|e| JsValue::from_str(&e.message))?;
    let started = now();
    let input = parse_input(input_json).map_err(|e| JsValue::from_str(&e))?;
    let parse_ms = now() - started;
    let mut screen_ms = Vec::new();
    let mut csv = String::new();
    for _ in 0..runs.max(1) {
        let started = now();
        let result = screen(&input, month);
        screen_ms.push(now() - started);
        csv = to_csv(&result);
    }
    let answer = serde_json::json!({ "parse_ms": parse_ms, "screen_ms": screen_ms, "csv": csv });
    Ok(answer.to_string())
}

fn parse_input(json: &str) -> Result<ScreeningInput, String> {
    #[derive(serde::Deserialize)]
    struct Wrapped {
        input: ScreeningInput,
    }
    match serde_json::from_str::<ScreeningInput>(json) {
        Ok(input) => Ok(input),
        Err(plain) => serde_json::from_str::<Wrapped>(json)
            .map(|w| w.input)
            .map_err(|_| plain.to_string()),
    }
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}
