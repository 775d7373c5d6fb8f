//! What is wrong with an odoo.conf file from the point of view of Python's `configparser`, and which
//! exception CPython 3.11's `RawConfigParser().read()` would raise for it (Odoo then refuses to start).
//!
//! Owns: [`Issue`], [`IssueKind`], [`PythonError`] and their messages (which name the line and the fix).
//! Must not: contain any parsing logic (that lives in `document`), or print values (they may be secrets).

use std::fmt;

/// One problem found while parsing, with its 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct Issue {
    /// 1-based line number (lines end at `\n`, `\r\n` or a lone `\r`, as Python's universal newlines).
    pub line: usize,
    pub kind: IssueKind,
}

/// The kinds of problems, each mapped to the CPython exception it causes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueKind {
    /// A non-blank, non-comment line before any `[section]` header. Python raises
    /// `MissingSectionHeaderError` at the first one; only that one is reported.
    MissingSectionHeader {
        /// The line starts with a UTF-8 byte-order mark (which Python does not treat as whitespace).
        bom: bool,
    },
    /// A section header seen before (`[DEFAULT]` may repeat). Python raises `DuplicateSectionError`.
    DuplicateSection { section: String, first_line: usize },
    /// A key seen before in the same section (keys compare after lower-casing). Python raises
    /// `DuplicateOptionError`.
    DuplicateOption {
        section: String,
        key: String,
        first_line: usize,
    },
    /// A line that is neither blank, a comment, a section header, a continuation nor `key = value`.
    /// Python collects these and raises `ParsingError` at the end of the file.
    NoDelimiter,
    /// A line starting with `=` or `:` (the key is empty). Also part of Python's `ParsingError`.
    EmptyKey,
    /// The line holds bytes that are not valid UTF-8: Python fails with `UnicodeDecodeError`.
    InvalidUtf8,
    /// The input is longer than [`MAX_DOCUMENT_BYTES`](super::MAX_DOCUMENT_BYTES) and was not parsed, so
    /// odoo-sizer cannot tell what Python reads in it (reported on line 1, alone). Not a Python
    /// exception: the file is refused, never guessed at.
    TooLarge { bytes: usize },
}

impl IssueKind {
    /// The CPython exception class this issue leads to.
    pub fn python_class(&self) -> PyErrorClass {
        match self {
            IssueKind::MissingSectionHeader { .. } => PyErrorClass::MissingSectionHeader,
            IssueKind::DuplicateSection { .. } => PyErrorClass::DuplicateSection,
            IssueKind::DuplicateOption { .. } => PyErrorClass::DuplicateOption,
            IssueKind::NoDelimiter | IssueKind::EmptyKey => PyErrorClass::Parsing,
            IssueKind::InvalidUtf8 => PyErrorClass::UnicodeDecode,
            IssueKind::TooLarge { .. } => PyErrorClass::NotParsed,
        }
    }

    /// Python raises these as soon as it reaches the line (later lines are never read).
    pub fn is_immediate(&self) -> bool {
        matches!(
            self,
            IssueKind::MissingSectionHeader { .. }
                | IssueKind::DuplicateSection { .. }
                | IssueKind::DuplicateOption { .. }
                | IssueKind::TooLarge { .. }
        )
    }

    /// A short stable identifier (used by lint rule ids).
    pub fn id(&self) -> &'static str {
        match self {
            IssueKind::MissingSectionHeader { .. } => "missing-section-header",
            IssueKind::DuplicateSection { .. } => "duplicate-section",
            IssueKind::DuplicateOption { .. } => "duplicate-key",
            IssueKind::NoDelimiter | IssueKind::EmptyKey => "parse-error",
            IssueKind::InvalidUtf8 => "invalid-utf8",
            IssueKind::TooLarge { .. } => "too-large",
        }
    }
}

impl fmt::Display for IssueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IssueKind::MissingSectionHeader { bom: true } => write!(
                f,
                "the file starts with a UTF-8 byte-order mark (BOM), which Python does not skip, so the first \
                 line is read as neither a section header nor a comment and Odoo refuses the file \
                 (MissingSectionHeaderError); save the file as UTF-8 without BOM"
            ),
            IssueKind::MissingSectionHeader { bom: false } => write!(
                f,
                "this line comes before any section header and Odoo refuses the file \
                 (MissingSectionHeaderError); put `[options]` above it"
            ),
            IssueKind::DuplicateSection { section, first_line } => write!(
                f,
                "section [{section}] already started on line {first_line} and Odoo refuses duplicate \
                 sections (DuplicateSectionError); merge the two sections into one"
            ),
            IssueKind::DuplicateOption { section, key, first_line } => write!(
                f,
                "`{key}` is already set in [{section}] on line {first_line} and Odoo refuses duplicate \
                 keys (DuplicateOptionError; keys ignore case); delete one of the two lines"
            ),
            IssueKind::NoDelimiter => write!(
                f,
                "this line has no `=` or `:` and Odoo refuses the file (ParsingError); write it as \
                 `key = value`, or start it with `;` to make it a comment"
            ),
            IssueKind::EmptyKey => write!(
                f,
                "this line starts with `=` or `:` (no key) and Odoo refuses the file (ParsingError); add \
                 the key name, or start the line with `;` to make it a comment"
            ),
            IssueKind::InvalidUtf8 => write!(
                f,
                "this line is not valid UTF-8 and Odoo cannot read the file (UnicodeDecodeError); \
                 re-save the file as UTF-8"
            ),
            IssueKind::TooLarge { bytes } => write!(
                f,
                "the input is {bytes} bytes, more than odoo-sizer parses ({} bytes): it was not read; \
                 check that this is the config file",
                super::MAX_DOCUMENT_BYTES
            ),
        }
    }
}

/// The exception classes `RawConfigParser().read()` can end with on a file's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PyErrorClass {
    MissingSectionHeader,
    DuplicateSection,
    DuplicateOption,
    Parsing,
    UnicodeDecode,
    /// Not a Python exception: the input was too large for odoo-sizer to parse
    /// ([`IssueKind::TooLarge`]), so what Python does with it is unknown.
    NotParsed,
}

impl PyErrorClass {
    /// The Python class name, e.g. `DuplicateOptionError`.
    pub fn python_name(self) -> &'static str {
        match self {
            PyErrorClass::MissingSectionHeader => "MissingSectionHeaderError",
            PyErrorClass::DuplicateSection => "DuplicateSectionError",
            PyErrorClass::DuplicateOption => "DuplicateOptionError",
            PyErrorClass::Parsing => "ParsingError",
            PyErrorClass::UnicodeDecode => "UnicodeDecodeError",
            PyErrorClass::NotParsed => "not parsed (too large)",
        }
    }
}

impl fmt::Display for PyErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.python_name())
    }
}

/// The exception Python would raise while reading the file: its class and the line(s) it names
/// (`ParsingError` lists every bad line; the others name one line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonError {
    pub class: PyErrorClass,
    /// 1-based line numbers, ascending.
    pub lines: Vec<usize>,
}

impl fmt::Display for PythonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.lines.iter().map(|l| l.to_string()).collect();
        let plural = if self.lines.len() > 1 { "s" } else { "" };
        write!(f, "{} on line{plural} {}", self.class, lines.join(", "))
    }
}
