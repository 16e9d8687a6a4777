//! One harness per parser of untrusted input. Each `check` takes any bytes, runs the parser
//! and asserts its invariants: it never panics, an accepted number reads back the same, an
//! accepted file written again reads back the same. The same functions are called by
//! `tests/corpora.rs` (every corpus file, plus seeded mutations, in `cargo test`), by the
//! `soak` binary (`make soak`) and by the libFuzzer targets in `fuzz/libfuzzer/`.

use domain::numbers::{
    IndividualNumber, InstitutionCode, InsurerNumber, PublicPayerNumber, RecipientNumber,
};

/// A harness: its name (also its corpus folder, `fuzz/corpus/<name>/`) and its check.
pub struct Target {
    pub name: &'static str,
    pub check: fn(&[u8]),
}

pub const TARGETS: &[Target] = &[
    Target {
        name: "numbers",
        check: numbers,
    },
    Target {
        name: "csv_imports",
        check: csv_imports,
    },
    Target {
        name: "checkup_cda",
        check: checkup_cda,
    },
    Target {
        name: "onshi_xml",
        check: onshi_xml,
    },
    Target {
        name: "receipts",
        check: receipts,
    },
    Target {
        name: "claims_file",
        check: claims_file,
    },
];

pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// What people type: 公費負担者番号, 受給者番号 (check digits), 医療機関コード, 保険者番号,
/// 個人番号, dates and months in 和暦 or 西暦. An accepted value parses again to itself.
pub fn numbers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for line in text.lines().chain(std::iter::once(text.as_ref())) {
        macro_rules! round_trip {
            ($($t:ty),*) => {$(
                if let Ok(n) = <$t>::parse(line) {
                    let again = <$t>::parse(n.as_str());
                    assert_eq!(again.as_ref().map(|a| a.as_str()), Ok(n.as_str()), "{line:?}");
                } else if let Err(e) = <$t>::parse(line) {
                    assert!(!e.message().is_empty());
                }
            )*};
        }
        round_trip!(
            PublicPayerNumber,
            RecipientNumber,
            InstitutionCode,
            InsurerNumber,
            IndividualNumber
        );
        if let Ok(date) = domain::wareki::parse_date_input(line) {
            let shown = date.format("%Y-%m-%d").to_string();
            assert_eq!(
                domain::wareki::parse_date_input(&shown),
                Ok(date),
                "{line:?}"
            );
        }
        let _ = domain::wareki::parse_month_input(line);
        let _ = domain::receipt::parse_month(line);
        let _ = domain::receipt::parse_date(line);
        let _ = domain::checkup::parse_yyyymmdd(line);
        let _ = domain::checkup::normalize_number(line);
        let _ = domain::claims::parse_file_name(line);
    }
}

/// The Appendix A CSV imports (offices, institutions, recipients, tickets, the
/// verification log), the 健診 CSV and the 資格情報 CSV, after the upload's decoding.
pub fn csv_imports(data: &[u8]) {
    let Ok(text) = domain::import::decode_text(data) else {
        return;
    };
    let _ = domain::import::parse_offices(&text);
    let _ = domain::import::parse_institutions(&text);
    let _ = domain::import::parse_recipients(&text);
    let _ = domain::import::parse_tickets(&text);
    let _ = domain::import::parse_verification_log(&text);
    if let Ok(checkups) = domain::checkup::parse_csv(&text) {
        // What was read is written and read back unchanged.
        let written = domain::checkup::write_csv(&checkups);
        let again = domain::checkup::parse_csv(&written);
        assert_eq!(again.as_ref().ok(), Some(&checkups), "健診 CSV round trip");
    }
    if let Ok(receipts) = domain::claims::parse_receipts(&text) {
        // Compared without their source line (blank lines are not written back).
        let unlined = |mut receipts: Vec<domain::claims::Receipt>| {
            receipts.iter_mut().for_each(|r| r.line = 0);
            receipts
        };
        let written = domain::claims::shikaku_csv(&receipts);
        let again = domain::claims::parse_receipts(&written).map(unlined);
        assert_eq!(
            again.ok(),
            Some(unlined(receipts)),
            "資格情報 CSV round trip"
        );
    }
}

/// 特定健診: one CDA document, or the archive (zip) and the upload reader.
pub fn checkup_cda(data: &[u8]) {
    let limits = domain::checkup::Limits {
        max_archive_bytes: 1 << 20,
        max_entries: 200,
        max_xml_bytes: 256 << 10,
        max_total_bytes: 4 << 20,
    };
    if let Ok(checkup) = domain::checkup::parse_document(data, limits.max_xml_bytes) {
        let date = checkup.examined_on;
        let written = domain::checkup::write_document(&checkup, date);
        let again = domain::checkup::parse_document(written.as_bytes(), usize::MAX);
        assert_eq!(again.as_ref().ok(), Some(&checkup), "CDA round trip");
    }
    let _ = domain::checkup::parse_upload(data, limits);
}

/// onshi XML requests from レセコン: the three request kinds.
pub fn onshi_xml(data: &[u8]) {
    let _ = domain::onshi_xml::read::read_qualification_request(data);
    let _ = domain::onshi_xml::read::read_bulk_request(data);
    let _ = domain::onshi_xml::read::read_bulk_result_request(data);
}

/// レセ電 (receipt files) and the 医薬品マスター.
pub fn receipts(data: &[u8]) {
    let _ = domain::receipt::parse_receipts(data);
    let _ = domain::receipt::parse_drug_master(data);
}

/// The 資格情報ファイル: the ZIP, its one CSV and the file name.
pub fn claims_file(data: &[u8]) {
    if let Ok((name, text)) = domain::claims::read_zip(data) {
        let _ = domain::claims::parse_file_name(&name);
        let _ = domain::claims::parse_receipts(&text);
    }
}

// ---------------------------------------------------------------- mutation

/// A small deterministic PRNG (xorshift64*): the same seed mutates the same way.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            usize::try_from(self.next_u64() % n as u64).unwrap_or(0)
        }
    }
}

/// Tokens the formats give meaning to: separators, markup, digits, encodings' edges.
const TOKENS: &[&[u8]] = &[
    b",",
    b"\"",
    b"\r\n",
    b"\n",
    b"<",
    b">",
    b"</",
    b"/>",
    b"&",
    b"&amp;",
    b"&#0;",
    b"<!DOCTYPE a [<!ENTITY e \"x\">]>",
    b"<![CDATA[",
    b"]]>",
    b"=",
    b"'",
    b"0",
    b"9",
    b"-",
    b"/",
    b".",
    b"R",
    b"H",
    b"S",
    b"T",
    b"\xef\xbb\xbf",
    b"\x82\xa0",
    b"\xff",
    b"\x00",
    b"\x1b",
    b"\xe2\x80\xae",
    b"PK\x03\x04",
    b"99999999999999999999",
    b"-1",
    b"IR",
    b"RE",
    b"IY",
    b"KO",
    b"GO",
    b"\xe4\xbb\xa4\xe5\x92\x8c",
];

/// One random edit of `input`: flip, insert, delete, duplicate, splice a token or a piece of
/// `other`, truncate.
pub fn mutate(input: &[u8], other: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = input.to_vec();
    let edits = 1 + rng.below(4);
    for _ in 0..edits {
        let at = rng.below(out.len() + 1);
        match rng.below(8) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = u8::try_from(rng.below(256)).unwrap_or(0);
            }
            2 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                out.splice(at..at, token.iter().copied());
            }
            3 if !out.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                let start = at.min(end);
                out.drain(start..end);
            }
            4 if !out.is_empty() => {
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(64)).min(out.len());
                let piece = out[start..end].to_vec();
                out.splice(at..at, piece);
            }
            5 if !other.is_empty() => {
                let start = rng.below(other.len());
                let end = (start + 1 + rng.below(256)).min(other.len());
                out.splice(at..at, other[start..end].iter().copied());
            }
            6 => out.truncate(at),
            _ => {
                let digit = b'0' + u8::try_from(rng.below(10)).unwrap_or(0);
                out.insert(at, digit);
            }
        }
    }
    out
}

/// Every file of a corpus folder, sorted by name.
pub fn corpus(dir: &std::path::Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            files.push((name, std::fs::read(&path)?));
        }
    }
    files.sort();
    Ok(files)
}
