//! CP932 (Shift_JIS) for the files the reception desk writes offline, with the browser's own
//! Shift_JIS table (`TextDecoder`) instead of `encoding_rs`, whose dispatch over every
//! encoding would bring all their tables into this WebAssembly (`domain::cp932`). The bytes
//! are those of `domain::api::encode_cp932`, which the server uses.

use std::cell::OnceCell;

use domain::cp932::Cp932Encoder;
use web_sys::{TextDecoder, TextDecoderOptions};

thread_local! {
    /// Built on first use (some 11,000 two-byte decodes), then kept.
    static ENCODER: OnceCell<Option<Cp932Encoder>> = const { OnceCell::new() };
}

/// `text` as CP932 (a character CP932 cannot hold becomes 〓); `None` when this browser has
/// no Shift_JIS decoder.
pub fn encode(text: &str) -> Option<Vec<u8>> {
    ENCODER.with(|cell| {
        cell.get_or_init(build)
            .as_ref()
            .map(|encoder| encoder.encode(text))
    })
}

fn build() -> Option<Cp932Encoder> {
    let options = TextDecoderOptions::new();
    options.set_fatal(true);
    let decoder = TextDecoder::new_with_label_and_options("shift_jis", &options).ok()?;
    Some(Cp932Encoder::from_decoder(|lead, trail| {
        let text = decoder.decode_with_u8_array(&[lead, trail]).ok()?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        }
    }))
}
