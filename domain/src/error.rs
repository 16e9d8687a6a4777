use serde::{Deserialize, Serialize};

/// One problem with one input field, worded for the person who typed it.
///
/// `field` is the Japanese item name as printed on screen or in the file header
/// (e.g. `受給者番号`), `message` a full Japanese sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A problem in one row of an imported file (1-based line number, header = line 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RowError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}行目 {}: {}", self.line, self.field, self.message)
    }
}

/// A problem in one record of a file that is not one-row-per-record CSV: a document inside
/// a 特定健診 archive, a レセ電 record, a group of 健診 CSV rows. Located as precisely as the
/// format allows; every part but `field` and `message` may be unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecordError {
    /// The file inside an archive (`…/DATA/h….xml`); `None` for the uploaded file itself.
    pub file: Option<String>,
    /// 1-based line in `file` (or in the uploaded file).
    pub line: Option<usize>,
    /// The record in words: 「受診者 12131017-1234566（受診日 2023-09-12）」, 「RE（レセプト番号 3）」.
    pub record: Option<String>,
    pub field: String,
    pub message: String,
}

impl RecordError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: None,
            line: None,
            record: None,
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    pub fn for_record(mut self, record: impl Into<String>) -> Self {
        self.record = Some(record.into());
        self
    }
}

impl From<RowError> for RecordError {
    fn from(e: RowError) -> Self {
        Self::new(e.field, e.message).at_line(e.line)
    }
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file} ")?;
        }
        if let Some(line) = self.line {
            write!(f, "{line}行目 ")?;
        }
        if let Some(record) = &self.record {
            write!(f, "{record} ")?;
        }
        write!(f, "{}: {}", self.field, self.message)
    }
}
