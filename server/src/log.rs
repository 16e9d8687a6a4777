//! The server's log: one line per event, and nothing a client sends can forge a line, move
//! the cursor of an operator's terminal or fill the disk.
//!
//! Two defences, both always on:
//! - a value that comes from outside (a login ID typed into the sign-in form, a file name …)
//!   goes into a structured field through [`untrusted`]: Debug-escaped (`"\n"` → `\n`, ESC →
//!   `\u{1b}`, U+202E → `\u{202e}`), quoted, and cut to [`MAX_VALUE_CHARS`];
//! - whatever reaches the writer anyway is escaped again line by line by [`SafeLines`]: no
//!   control character but the final newline, no bidi control, and no line over
//!   [`MAX_LINE_BYTES`]. ANSI colours are off, so a terminal receives no escape code at all.
//!
//! Secrets and 個人番号 are never given to the log in the first place (ARCHITECTURE.md).

use std::fmt;
use std::io::{self, Write};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// The longest outside value kept in a log line, in characters.
pub const MAX_VALUE_CHARS: usize = 64;
/// The longest log line written, in bytes (the rest is cut and counted).
pub const MAX_LINE_BYTES: usize = 4096;

/// A value from outside, for a structured log field: `login = %untrusted(login)`.
pub fn untrusted(value: &str) -> Untrusted<'_> {
    Untrusted(value)
}

/// See [`untrusted`].
pub struct Untrusted<'a>(&'a str);

impl fmt::Display for Untrusted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.0.chars().count();
        f.write_str("\"")?;
        for c in self.0.chars().take(MAX_VALUE_CHARS) {
            match c {
                '"' | '\\' => write!(f, "\\{c}")?,
                c if needs_escape(c) => write!(f, "{}", c.escape_unicode())?,
                c => f.write_fmt(format_args!("{c}"))?,
            }
        }
        f.write_str("\"")?;
        if total > MAX_VALUE_CHARS {
            write!(f, "…(+{} chars)", total - MAX_VALUE_CHARS)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Untrusted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Control characters (C0, DEL, C1), bidi controls, line separators, the BOM and zero-width
/// space, and noncharacters: what `domain::text` refuses in a one-line field.
fn needs_escape(c: char) -> bool {
    domain::text::forbidden_char(c.encode_utf8(&mut [0; 4]), domain::text::Lines::One).is_some()
}

/// Escape one formatted log line (without its final newline) and cut it to
/// [`MAX_LINE_BYTES`].
pub fn safe_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len().min(MAX_LINE_BYTES) + 1);
    let mut cut = 0usize;
    for (i, c) in line.char_indices() {
        if out.len() >= MAX_LINE_BYTES {
            cut = line.len() - i;
            break;
        }
        if needs_escape(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    if cut > 0 {
        out.push_str(&format!(" …(+{cut} bytes cut)"));
    }
    out
}

/// A [`MakeWriter`] that hands every event to `inner` as escaped, capped lines.
#[derive(Clone)]
pub struct SafeLines<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for SafeLines<M> {
    type Writer = SafeLineWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        SafeLineWriter {
            inner: self.0.make_writer(),
            buffer: Vec::new(),
        }
    }
}

/// One event's writer: collects the formatted event and writes it, escaped, when dropped.
pub struct SafeLineWriter<W: Write> {
    inner: W,
    buffer: Vec<u8>,
}

impl<W: Write> Write for SafeLineWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        // An event is small; a huge one is cut below anyway, so keep at most a bit more.
        let room = (MAX_LINE_BYTES * 4).saturating_sub(self.buffer.len());
        self.buffer
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> Drop for SafeLineWriter<W> {
    fn drop(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.buffer);
        let text = text.strip_suffix('\n').unwrap_or(&text);
        let mut out = safe_line(text);
        out.push('\n');
        // A log that cannot be written must not take the request down with it.
        let _ = self.inner.write_all(out.as_bytes());
        let _ = self.inner.flush();
    }
}

/// The subscriber of every `onshi` command: `ONSHI_LOG` (default `info`), no ANSI colours,
/// lines through [`SafeLines`] into `writer`.
pub fn subscriber<M>(filter: &str, writer: M) -> impl tracing::Subscriber + Send + Sync
where
    M: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_ansi(false)
        .with_writer(SafeLines(writer))
        .finish()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn an_outside_value_is_escaped_quoted_and_cut() {
        let forged = "admin\n2026-12-04T00:00:00Z  INFO forged line\u{1b}[2J\u{202e}\"";
        let shown = untrusted(forged).to_string();
        assert!(!shown.contains('\n') && !shown.contains('\u{1b}') && !shown.contains('\u{202e}'));
        assert!(shown.starts_with("\"admin\\u{a}2026"), "{shown}");
        assert!(shown.contains("\\u{1b}[2J\\u{202e}\\\""), "{shown}");
        let long = "x".repeat(1_000_000);
        let shown = untrusted(&long).to_string();
        assert_eq!(
            shown,
            format!("\"{}\"…(+{} chars)", "x".repeat(64), 1_000_000 - 64)
        );
    }

    #[test]
    fn a_line_is_escaped_and_capped() {
        assert_eq!(safe_line("a\tb\rc\u{7}d"), "a\\u{9}b\\u{d}c\\u{7}d");
        let long = "あ".repeat(10_000);
        let line = safe_line(&long);
        assert!(line.len() < MAX_LINE_BYTES + 40, "{}", line.len());
        assert!(line.ends_with("bytes cut)"), "{}", &line[line.len() - 30..]);
    }
}
