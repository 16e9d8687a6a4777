//! A small, defensive XML reader (into a tree) and the escaping the writers need.
//!
//! What it refuses, whatever the document says:
//! - a DOCTYPE declaration (no DTD, so no entity can be declared, let alone expanded or
//!   fetched: quick-xml never resolves external entities, and with no DOCTYPE allowed there
//!   is nothing to resolve);
//! - entity references other than the five predefined ones and character references;
//! - documents larger than the caller's limit, nested deeper than [`MAX_DEPTH`], or with
//!   more than [`MAX_ELEMENTS`] elements;
//! - encodings other than UTF-8 and Shift_JIS (CP932), and bytes that are not valid in the
//!   declared one.
//!
//! Names are kept as local names (the namespace prefix is dropped): the 特定健診 documents
//! use one default namespace and `xsi:` only for `xsi:type`.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Deeper than any 特定健診 document (about 12 levels).
pub const MAX_DEPTH: usize = 64;
/// A CDA with every item of the 特定健診 code table has a few thousand elements.
pub const MAX_ELEMENTS: usize = 50_000;

/// Why a document was refused, with the 1-based line where the problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    pub line: Option<usize>,
    pub message: String,
}

impl XmlError {
    fn new(line: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

/// One element: local name, attributes (local names), children, and its text content
/// (the concatenation of its direct text nodes, trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
    /// 1-based line of the start tag.
    pub line: usize,
}

impl Element {
    /// The value of attribute `name` (local name), if present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child element called `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Follow a path of child names from this element.
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        names
            .iter()
            .try_fold(self, |element, name| element.child(name))
    }
}

/// Decode a document's bytes: UTF-8 (BOM allowed) unless the XML declaration names
/// Shift_JIS/CP932. Anything else (UTF-16, EUC-JP, bytes invalid in the encoding) is refused.
pub fn decode(bytes: &[u8]) -> Result<String, XmlError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(XmlError::new(
            None,
            "文字コードが UTF-16 です。UTF-8（または Shift_JIS）の XML にしてください。",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let declared = declared_encoding(bytes);
    let text = match declared.as_deref() {
        None | Some("utf-8") | Some("utf8") => std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|e| {
                XmlError::new(
                    Some(line_at(bytes, e.valid_up_to())),
                    "UTF-8 として正しくないバイト列があります。文字コードを確認してください（UTF-8 で保存してください）。",
                )
            })?,
        Some("shift_jis" | "shift-jis" | "sjis" | "windows-31j" | "cp932" | "ms932") => {
            encoding_rs::SHIFT_JIS
                .decode_without_bom_handling_and_without_replacement(bytes)
                .map(|c| c.into_owned())
                .ok_or_else(|| {
                    XmlError::new(
                        None,
                        "Shift_JIS として正しくないバイト列があります。文字コードを確認してください。",
                    )
                })?
        }
        Some(other) => {
            return Err(XmlError::new(
                Some(1),
                format!("文字コード「{other}」の XML には対応していません。UTF-8 にしてください。"),
            ))
        }
    };
    if text.contains('\0') {
        return Err(XmlError::new(
            None,
            "NUL 文字が含まれています。XML ファイルではないか、文字コードが違います。",
        ));
    }
    Ok(text)
}

/// The `encoding="…"` of the XML declaration, lowercased, if the document starts with one.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = bytes.get(..bytes.len().min(200))?;
    let head = String::from_utf8_lossy(head);
    let decl = head.strip_prefix("<?xml")?;
    let decl = &decl[..decl.find("?>")?];
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].trim().to_ascii_lowercase())
}

fn line_at(bytes: &[u8], offset: usize) -> usize {
    1 + bytes
        .get(..offset.min(bytes.len()))
        .unwrap_or_default()
        .iter()
        .filter(|b| **b == b'\n')
        .count()
}

/// Parse `text` (already decoded) into its root element.
pub fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.trim_text(true);
    config.check_end_names = true;
    config.expand_empty_elements = false;

    let mut lines = Lines {
        text,
        offset: 0,
        line: 1,
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        // Where the next event starts: past the whitespace the reader trims.
        let mut position = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        while text
            .as_bytes()
            .get(position)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            position += 1;
        }
        let event = reader.read_event().map_err(|e| {
            let at = usize::try_from(reader.error_position()).unwrap_or(position);
            XmlError::new(Some(lines.at(at)), syntax_message(&e))
        })?;
        match event {
            Event::DocType(_) => {
                return Err(XmlError::new(
                    Some(lines.at(position)),
                    "DOCTYPE 宣言（<!DOCTYPE …>）を含む XML は受け付けません。実体の定義や外部参照は使えません。",
                ))
            }
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(XmlError::new(
                    Some(lines.at(position)),
                    "ルート要素の後に別の要素があります。",
                ));
            }
            Event::Start(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(XmlError::new(
                        Some(lines.at(position)),
                        format!("要素の数が多すぎます（{MAX_ELEMENTS}個まで）。"),
                    ));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::new(
                        Some(lines.at(position)),
                        format!("要素の入れ子が深すぎます（{MAX_DEPTH}段まで）。"),
                    ));
                }
                let line = lines.at(position);
                stack.push(element(&start, line)?);
            }
            Event::Empty(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(XmlError::new(
                        Some(lines.at(position)),
                        format!("要素の数が多すぎます（{MAX_ELEMENTS}個まで）。"),
                    ));
                }
                let line = lines.at(position);
                let done = element(&start, line)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err(XmlError::new(
                        Some(lines.at(position)),
                        "対応する開始タグのない終了タグがあります。",
                    ));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(text) => {
                let value = text.unescape().map_err(|e| {
                    XmlError::new(Some(lines.at(position)), syntax_message(&e))
                })?;
                push_text(&mut stack, &value, lines.at(position))?;
            }
            Event::CData(data) => {
                let value = std::str::from_utf8(data.as_ref()).map_err(|_| {
                    XmlError::new(Some(lines.at(position)), "CDATA の文字コードが不正です。")
                })?;
                push_text(&mut stack, value.trim(), lines.at(position))?;
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::new(
            Some(lines.at(text.len())),
            "XML が途中で終わっています（閉じられていない要素があります）。",
        ));
    }
    root.ok_or_else(|| XmlError::new(Some(1), "XML の要素がありません（空のファイルです）。"))
}

fn push_text(stack: &mut [Element], value: &str, line: usize) -> Result<(), XmlError> {
    if value.is_empty() {
        return Ok(());
    }
    match stack.last_mut() {
        Some(parent) => {
            parent.text.push_str(value);
            Ok(())
        }
        None => Err(XmlError::new(
            Some(line),
            "要素の外に文字があります。XML ファイルではない可能性があります。",
        )),
    }
}

fn element(start: &BytesStart<'_>, line: usize) -> Result<Element, XmlError> {
    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| {
            XmlError::new(
                Some(line),
                format!("要素 <{name}> の属性を読み取れません（{e}）。"),
            )
        })?;
        let key = String::from_utf8_lossy(attribute.key.local_name().as_ref()).into_owned();
        let value = attribute.unescape_value().map_err(|e| {
            XmlError::new(
                Some(line),
                format!("要素 <{name}> の属性 {key}: {}", syntax_message(&e)),
            )
        })?;
        attributes.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
        attributes,
        children: Vec::new(),
        text: String::new(),
        line,
    })
}

fn syntax_message(error: &quick_xml::Error) -> String {
    use quick_xml::escape::EscapeError;
    match error {
        quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, entity)) => format!(
            "定義されていない実体参照「&{entity};」があります。実体参照は &lt; &gt; &amp; &quot; &apos; と文字参照だけが使えます。"
        ),
        quick_xml::Error::Escape(e) => format!("実体参照・文字参照が正しくありません（{e}）。"),
        quick_xml::Error::IllFormed(e) => {
            format!("XML の構造が正しくありません（{e}）。途中で切れていないか確認してください。")
        }
        quick_xml::Error::Syntax(e) => {
            format!("XML として読み取れません（{e}）。途中で切れていないか確認してください。")
        }
        other => format!("XML として読み取れません（{other}）。"),
    }
}

/// Byte offsets → 1-based line numbers, for offsets that only grow (or restart lower).
struct Lines<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        let bytes = self.text.as_bytes();
        self.line += bytes
            .get(self.offset..offset)
            .unwrap_or_default()
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.offset = offset;
        self.line
    }
}

/// Escape text for element content and attribute values.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// `Ok(root name)` or the error's (line, message part).
    fn check(input: &str) -> Result<String, (Option<usize>, String)> {
        decode(input.as_bytes())
            .and_then(|t| parse(&t))
            .map(|e| e.name)
            .map_err(|e| (e.line, e.message))
    }

    #[test]
    fn xml_rejects_hostile_and_broken_documents() {
        let billion = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>\n<a>&lol2;</a>";
        let external = "<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<a>&xxe;</a>";
        let cases: &[(&str, Option<usize>, &str)] = &[
            (billion, Some(2), "DOCTYPE"),
            (external, Some(2), "DOCTYPE"),
            ("<a>&xxe;</a>", Some(1), "「&xxe;」"),
            ("<a b=\"&ent;\"/>", Some(1), "「&ent;」"),
            ("<a>\n<b>\n</a>", Some(3), "構造"),
            ("<a>\n<b>", Some(2), "途中で終わって"),
            ("", Some(1), "空のファイル"),
            ("<a/><b/>", Some(1), "ルート要素の後"),
            ("text only", Some(1), "要素の外"),
            (
                "<?xml version=\"1.0\" encoding=\"EUC-JP\"?><a/>",
                Some(1),
                "「euc-jp」",
            ),
        ];
        for (input, line, part) in cases {
            let (got_line, message) = check(input).unwrap_err();
            assert_eq!(got_line, *line, "{input}: {message}");
            assert!(message.contains(part), "{input}: {message}");
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(check(&deep).unwrap_err().1.contains("深すぎ"));
        let many = format!("<a>{}</a>", "<b/>".repeat(MAX_ELEMENTS + 1));
        assert!(check(&many).unwrap_err().1.contains("多すぎ"));
    }

    #[test]
    fn xml_reads_entities_encodings_and_lines() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c -->\n<r x=\"a&amp;b\">\n  <c>&lt;&#x41;&#66;&gt;</c>\n  <d><![CDATA[<raw>]]></d>\n</r>";
        let root = parse(&decode(text.as_bytes()).unwrap()).unwrap();
        assert_eq!(root.attr("x"), Some("a&b"));
        assert_eq!(root.child("c").unwrap().text, "<AB>");
        assert_eq!(root.child("c").unwrap().line, 4);
        assert_eq!(root.child("d").unwrap().text, "<raw>");
        let (sjis, _, _) = encoding_rs::SHIFT_JIS
            .encode("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a>見本①</a>");
        assert_eq!(parse(&decode(&sjis).unwrap()).unwrap().text, "見本①");
        // Shift_JIS bytes in a document that says (or defaults to) UTF-8.
        let (sjis_body, _, _) = encoding_rs::SHIFT_JIS.encode("<a>\n見本</a>");
        let error = decode(&sjis_body).unwrap_err();
        assert_eq!(error.line, Some(2));
        assert!(error.message.contains("UTF-8"));
        let utf16: Vec<u8> = [0xFF, 0xFE, b'<', 0, b'a', 0].to_vec();
        assert!(decode(&utf16).unwrap_err().message.contains("UTF-16"));
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
    }
}
