//! A Shift_JIS (CP932, WHATWG "Shift_JIS") encoder built from a decoder of two-byte sequences.
//!
//! The server encodes with `encoding_rs` ([`crate::api::encode_cp932`]). In the browser,
//! `encoding_rs::SHIFT_JIS.encode` dispatches over every encoding encoding_rs knows and so
//! brings all their tables (GB18030, Big5, EUC-KR …, about 100 KB gzip) into the reception
//! desk's WebAssembly, for one offline download. The browser already holds the Shift_JIS table
//! in its `TextDecoder`: [`Cp932Encoder::from_decoder`] builds the encoder from it, following
//! the WHATWG Shift_JIS encoder exactly, and the test below checks it gives the same bytes as
//! `encode_cp932` for every character.

use std::collections::HashMap;

/// Encodes text as CP932 the way [`crate::api::encode_cp932`] does (unmappable → 〓).
#[derive(Debug, Clone)]
pub struct Cp932Encoder {
    double: HashMap<char, [u8; 2]>,
}

/// The WHATWG pointers left out of the encoder's index (NEC-selected IBM extensions, encoded
/// by their IBM pointers instead) and the 外字 area decoded to private use, never encoded.
const SKIPPED_POINTERS: std::ops::RangeInclusive<usize> = 8272..=10715;

impl Cp932Encoder {
    /// `decode(lead, trail)`: the one character the two bytes decode to, or `None`.
    pub fn from_decoder(mut decode: impl FnMut(u8, u8) -> Option<char>) -> Self {
        let mut double = HashMap::new();
        for pointer in 0..(188 * 60) {
            if SKIPPED_POINTERS.contains(&pointer) {
                continue;
            }
            let (lead, trail) = (pointer / 188, pointer % 188);
            let lead = lead + if lead < 0x1F { 0x81 } else { 0xC1 };
            let trail = trail + if trail < 0x3F { 0x40 } else { 0x41 };
            let (Ok(lead), Ok(trail)) = (u8::try_from(lead), u8::try_from(trail)) else {
                continue;
            };
            if let Some(c) = decode(lead, trail) {
                // The first pointer of a character is its encoding.
                double.entry(c).or_insert([lead, trail]);
            }
        }
        Cp932Encoder { double }
    }

    /// The bytes of `text`; a character CP932 cannot hold becomes 〓 (0x81 0xAC).
    pub fn encode(&self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len());
        for c in text.chars() {
            let c = if c == '\u{2212}' { '\u{FF0D}' } else { c };
            match u32::from(c) {
                0..=0x80 => out.push(u32::from(c) as u8),
                0xA5 => out.push(0x5C),
                0x203E => out.push(0x7E),
                code @ 0xFF61..=0xFF9F => out.push((code - 0xFF61 + 0xA1) as u8),
                _ => out.extend_from_slice(self.double.get(&c).unwrap_or(&[0x81, 0xAC])),
            }
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::api::encode_cp932;

    fn from_encoding_rs() -> Cp932Encoder {
        Cp932Encoder::from_decoder(|lead, trail| {
            let (text, malformed) = encoding_rs::SHIFT_JIS
                .decode_without_bom_handling_and_without_replacement(&[lead, trail])
                .map_or((String::new(), true), |t| (t.into_owned(), false));
            let mut chars = text.chars();
            match (malformed, chars.next(), chars.next()) {
                (false, Some(c), None) => Some(c),
                _ => None,
            }
        })
    }

    #[test]
    fn every_character_encodes_as_the_servers_encoder_does() {
        let encoder = from_encoding_rs();
        let mut differ = Vec::new();
        for code in (0..=0xFFFF).chain([0x1F600, 0x20B9F, 0x10FFFF]) {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let s = c.to_string();
            if encoder.encode(&s) != encode_cp932(&s) {
                differ.push(format!("U+{code:04X}"));
            }
        }
        assert!(
            differ.is_empty(),
            "{} differ: {:?}",
            differ.len(),
            &differ[..differ.len().min(20)]
        );
        let text = "診療年月,氏名\r\n2026-11,髙橋 ①ｱ−¥~〜\u{E000}😀\r\n";
        assert_eq!(encoder.encode(text), encode_cp932(text));
    }
}
