//! The lossless odoo.conf document: a hand-written, linear scanner over the file's bytes that records every
//! line (with its original terminator) and interprets it exactly as CPython 3.11's
//! `configparser.RawConfigParser()._read` would, plus read-only views over the result.
//!
//! Owns: line splitting (universal newlines), the parse state machine, [`Document`] and its views
//! ([`LineRef`], [`EntryRef`], [`Values`]). Must not: edit (see `edit`), mask (see `secret`), or know which
//! keys Odoo has (that is the options table's job).
//!
//! The state machine mirrors `_read` line by line:
//! - a line whose `str.strip()` is empty is blank; it is appended (as an empty part) to the value being read,
//!   if any; a line whose stripped text starts with `#` or `;` is a comment and changes nothing;
//! - a line indented deeper (in code points) than the last non-continuation line continues the current
//!   value, when there is one (an empty key does not count, as `''` is falsy in Python);
//! - otherwise `[name]` (`re.match(r"\[(?P<header>.+)\]")` on the stripped line: the LAST `]` closes it and
//!   anything after it is ignored) starts a section, and anything else is `key <=|:> value` split at the
//!   first delimiter, the key `rstrip()`ed and lower-cased;
//! - the final value is `"\n".join(parts).rstrip()`.
//!
//! Where Python stops at the first fatal error, parsing continues so every problem can be reported: after a
//! duplicate, later values win (what `strict=False` would do); lines before the first header are kept as
//! entries of no section.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::RangeInclusive;

use super::breaks::Breaks;
use super::issue::{Issue, IssueKind, PyErrorClass, PythonError};
use super::pychar;

/// The name of the section whose keys every other section inherits.
pub const DEFAULT_SECTION: &str = "DEFAULT";

/// Byte offsets and line, entry and section numbers in the parsed records: 32 bits halve a line's record
/// (80 → 40 bytes), so that a document takes less memory to build than it did (each of its pages is
/// written once per parse). Documents are at most [`MAX_DOCUMENT_BYTES`] long.
pub(crate) type Idx = u32;

/// The longest input [`Document::parse`] parses: every offset fits an [`Idx`]. Longer input is refused
/// ([`IssueKind::TooLarge`]); odoo-sizer reads config files of at most 16 MiB anyway.
pub const MAX_DOCUMENT_BYTES: usize = Idx::MAX as usize;

/// An offset or number of a document of at most [`MAX_DOCUMENT_BYTES`] (the parser checks the length
/// first, so that every value it stores fits).
fn idx_of(n: usize) -> Idx {
    Idx::try_from(n).unwrap_or(Idx::MAX)
}

/// Size of the chunks CPython's `TextIOWrapper` decodes at a time (`_CHUNK_SIZE`).
const PY_DECODE_CHUNK: usize = 8192;

/// How a line ends in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineEnding {
    Lf,
    CrLf,
    /// A lone carriage return (old Mac files): Python's universal newlines end the line there too.
    Cr,
    /// The last line of a file that does not end with a newline.
    None,
}

impl LineEnding {
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            LineEnding::Lf => b"\n",
            LineEnding::CrLf => b"\r\n",
            LineEnding::Cr => b"\r",
            LineEnding::None => b"",
        }
    }
}

/// What a line is to Python.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Nothing but (Unicode) whitespace.
    Blank,
    /// Stripped text starts with `#` or `;` (at any indentation).
    Comment,
    SectionHeader,
    /// The first line of a `key = value` entry (also an empty key, which is a parse error).
    Entry,
    /// An indented line that Python appends to the previous entry's value.
    Continuation,
    /// No delimiter: part of a `ParsingError` (or of the missing-section-header error before any header).
    Invalid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `Some(entry)` when Python appends this empty line to that entry's value.
    Blank(Option<Idx>),
    Comment,
    Header,
    Entry(Idx),
    Continuation(Idx),
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    /// End of the content, before the terminator. The line starts where the previous one ends (lines are
    /// contiguous, each with its terminator): [`Document::line_start`].
    content_end: Idx,
    pub(crate) ending: LineEnding,
    /// The content after Python's `str.strip()`.
    text_start: Idx,
    text_end: Idx,
    pub(crate) kind: Kind,
    /// Logical section the line belongs to (a header belongs to its own section); `NO_SECTION` before any
    /// header.
    section: Idx,
    pub(crate) utf8: bool,
}

impl Line {
    /// End of the content, before the terminator.
    pub(crate) fn content_end(&self) -> usize {
        self.content_end as usize
    }

    /// End including the terminator.
    pub(crate) fn end(&self) -> usize {
        self.content_end() + self.ending.as_bytes().len()
    }

    /// The content after Python's `str.strip()`.
    pub(crate) fn text_start(&self) -> usize {
        self.text_start as usize
    }

    pub(crate) fn text_end(&self) -> usize {
        self.text_end as usize
    }

    /// Logical section the line belongs to (a header belongs to its own section); `None` before any header.
    pub(crate) fn section(&self) -> Option<usize> {
        (self.section != NO_SECTION).then_some(self.section as usize)
    }
}

/// A section: its name, its first and last header, and its keys. It owns no memory of its own (a section
/// of a few lines used to cost seven allocations): its entries and header lines are the ones that record
/// its id (only rare queries list them), and its keys, Python's dict, are a chain of slots in
/// [`Document`]'s `slot_list`, found through the `slots` index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Section {
    /// The name: `SPAN` (`name_start..name_end` of the source) or an index into `Document::owned` (a name
    /// decoded lossily).
    name_text: Idx,
    name_start: Idx,
    name_end: Idx,
    /// Line index of the first header and of the last (several only for `[DEFAULT]` or a duplicated
    /// section).
    first_header: Idx,
    last_header: Idx,
    /// The first and the last of its slots in `Document::slot_list`, and how many it has.
    first_slot: Idx,
    last_slot: Idx,
    slot_count: Idx,
}

impl Section {
    /// Line index of its last header.
    pub(crate) fn last_header(&self) -> usize {
        self.last_header as usize
    }
}

/// One key of a section in Python's dict, in first-seen order: the entry that wins (the last), the first
/// entry with the key (what a duplicate's report names), and the section's next slot (`NO_SLOT` after its
/// last).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    entry: Idx,
    first: Idx,
    next: Idx,
}

const NO_SLOT: Idx = Idx::MAX;

/// The section of a line or entry before any header (a record's section is an `Idx`, not an
/// `Option<Idx>`: 4 bytes instead of 8 in every line and entry record).
const NO_SECTION: Idx = Idx::MAX;

/// The slots of section `s` in `list`, in Python's order, with their index in `list`.
fn slot_chain<'a>(list: &'a [Slot], s: &Section) -> impl Iterator<Item = (usize, &'a Slot)> + 'a {
    let mut next = s.first_slot as usize;
    let mut left = s.slot_count;
    std::iter::from_fn(move || {
        left = left.checked_sub(1)?;
        let id = next;
        let slot = list.get(id)?;
        next = slot.next as usize;
        Some((id, slot))
    })
}

/// An entry's key or value as Python sees it is a slice of the source in the common case; it is owned (an
/// index into [`Document`]'s `owned` texts) only when Python's view differs from the bytes: a lower-cased
/// key, a value joined from continuation lines, invalid UTF-8 decoded lossily. `SPAN`: the slice.
const SPAN: Idx = Idx::MAX;

/// What an entry's text is read from.
#[derive(Clone, Copy)]
struct Texts<'a> {
    src: &'a Source,
    owned: &'a [String],
}

impl<'a> Texts<'a> {
    fn text(&self, owned: Idx, start: usize, end: usize) -> &'a str {
        match self.owned.get(owned as usize) {
            Some(text) => text,
            None => self.src.str_at(start, end).unwrap_or_default(),
        }
    }

    /// The key as Python sees it (rstripped, lower-cased).
    fn key(&self, e: &Entry) -> &'a str {
        self.text(e.key_text, e.key_start(), e.key_end())
    }

    /// The value as Python returns it (continuations joined, right-stripped).
    fn value(&self, e: &Entry) -> &'a str {
        self.text(e.value_text, e.value_start(), e.value_end())
    }

    /// A section's name.
    fn name(&self, s: &Section) -> &'a str {
        self.text(s.name_text, s.name_start as usize, s.name_end as usize)
    }
}

/// FNV-1a over the bytes of a key or a section name: they are short, and parsing must not be dominated
/// by SipHash. The unit tests keep only its lowest 2 bits, so that keys and section names collide in every
/// test document and the indexes' collision paths run all the time.
#[inline]
fn key_hash(key: &str) -> u64 {
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    if cfg!(test) {
        hash & 3
    } else {
        hash
    }
}

/// FNV-1a as a `Hasher`, for the map of `[DEFAULT]`'s keys that `value_pairs` builds (SipHash would
/// dominate it).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The index's keys are already hashes, folded to 32 bits: they are only spread over the 64 bits the
/// table uses (its control bytes take the top 7 bits) by one multiplication.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// The document's bytes, kept as a `String` when they are valid UTF-8 (nearly always), so that the text of
/// a span is taken without validating it again. Dereferences to the bytes. Made only by [`Source::new`]:
/// `Bytes` always holds invalid UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    Text(String),
    Bytes(Vec<u8>),
}

impl Source {
    /// Takes `bytes` over, as text when they are valid UTF-8.
    fn new(bytes: Vec<u8>) -> Source {
        match String::from_utf8(bytes) {
            Ok(text) => Source::Text(text),
            Err(e) => Source::Bytes(e.into_bytes()),
        }
    }

    /// The bytes, taken over.
    fn into_bytes(self) -> Vec<u8> {
        match self {
            Source::Text(text) => text.into_bytes(),
            Source::Bytes(bytes) => bytes,
        }
    }

    /// The whole source as text, when it is valid UTF-8.
    fn text(&self) -> Option<&str> {
        match self {
            Source::Text(text) => Some(text),
            Source::Bytes(_) => None,
        }
    }

    /// The text of `start..end` when it is valid UTF-8 (on character boundaries).
    fn str_at(&self, start: usize, end: usize) -> Option<&str> {
        match self {
            Source::Text(text) => text.get(start..end),
            Source::Bytes(bytes) => std::str::from_utf8(bytes.get(start..end)?).ok(),
        }
    }
}

impl std::ops::Deref for Source {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Source::Text(text) => text.as_bytes(),
            Source::Bytes(bytes) => bytes,
        }
    }
}

/// Index of every section's keys: the hash of (section id, key) → the key's slot in `Document::slot_list`.
/// One map for the whole document, sized from the file's length, instead of one growing map per section.
/// Keys are compared on lookup, so a hash collision only costs a linear scan. The section index is the
/// same kind of map: the hash of a name → the section's id. Keys and values are 32 bits (8 bytes a
/// bucket, half the memory of `u64` → `usize`: at 40 000 lines the index is the largest record after the
/// lines).
type Slots = HashMap<u32, Idx, BuildHasherDefault<PassThrough>>;

/// A 64-bit hash folded to an index key.
fn fold(hash: u64) -> u32 {
    (hash ^ (hash >> 32)) as u32
}

/// The index key of `key` (hashed as `hash`) in section `sid`.
fn slot_key(sid: usize, hash: u64) -> u32 {
    fold(hash ^ (sid as u64).wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// The parts of a document a key lookup needs (borrowed apart, so that parsing can look up while it
/// adds to the sections).
struct Lookup<'a> {
    texts: Texts<'a>,
    entries: &'a [Entry],
    slots: &'a Slots,
    slot_list: &'a [Slot],
}

impl Lookup<'_> {
    /// The slot of `key` in section `sid`, comparing keys (not just hashes).
    fn slot(&self, sid: usize, section: &Section, key: &str) -> Option<usize> {
        self.slot_hashed(sid, section, key, key_hash(key))
    }

    /// [`Lookup::slot`] with the key's hash already computed.
    fn slot_hashed(&self, sid: usize, section: &Section, key: &str, hash: u64) -> Option<usize> {
        let holds_key = |slot: &Slot| {
            self.entries
                .get(slot.entry as usize)
                .is_some_and(|e| e.section() == Some(sid) && self.texts.key(e) == key)
        };
        let slot = *self.slots.get(&slot_key(sid, hash))? as usize;
        if self.slot_list.get(slot).is_some_and(holds_key) {
            return Some(slot);
        }
        // A collision: the map kept another key's slot. Follow the section's chain.
        slot_chain(self.slot_list, section)
            .find(|(_, s)| holds_key(s))
            .map(|(id, _)| id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    section: Idx,
    line: Idx,
    /// Last line holding a part of the value (the entry line itself, or its last continuation line).
    last_line: Idx,
    /// The key as Python sees it: `SPAN` (`key_start..key_end`) or an index into `Document::owned`.
    key_text: Idx,
    key_start: Idx,
    key_end: Idx,
    delim: Idx,
    /// The value's text on the entry line, stripped.
    value_start: Idx,
    value_end: Idx,
    /// The value as Python returns it (continuations joined, right-stripped): `SPAN`
    /// (`value_start..value_end`) or an index into `Document::owned`.
    value_text: Idx,
    /// Python keeps this entry's value for its key (false for an earlier duplicate, and for an entry
    /// before any header); set once the whole file is parsed.
    effective: bool,
}

impl Entry {
    pub(crate) fn section(&self) -> Option<usize> {
        (self.section != NO_SECTION).then_some(self.section as usize)
    }

    /// Index of the entry's line.
    pub(crate) fn line(&self) -> usize {
        self.line as usize
    }

    /// Last line holding a part of the value (the entry line itself, or its last continuation line).
    pub(crate) fn last_line(&self) -> usize {
        self.last_line as usize
    }

    pub(crate) fn key_start(&self) -> usize {
        self.key_start as usize
    }

    pub(crate) fn key_end(&self) -> usize {
        self.key_end as usize
    }

    /// Offset of the delimiter (`=` or `:`).
    pub(crate) fn delim(&self) -> usize {
        self.delim as usize
    }

    /// The value's text on the entry line, stripped.
    pub(crate) fn value_start(&self) -> usize {
        self.value_start as usize
    }

    pub(crate) fn value_end(&self) -> usize {
        self.value_end as usize
    }

    /// True when Python appends indented lines to the value (only they move `last_line`).
    pub(crate) fn has_continuation(&self) -> bool {
        self.last_line != self.line
    }
}

/// A parsed odoo.conf file that owns every byte of it. Parsing never fails: problems are reported as
/// [`Issue`]s, and [`Document::render`] returns the input unchanged. Parsing is deterministic: documents
/// of the same bytes are equal (`==`), however they were made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub(crate) src: Source,
    pub(crate) lines: Vec<Line>,
    pub(crate) sections: Vec<Section>,
    /// The hash of a section's name → its id (names are compared on lookup).
    section_index: Slots,
    slots: Slots,
    /// Every section's keys (see [`Section`]).
    slot_list: Vec<Slot>,
    pub(crate) entries: Vec<Entry>,
    /// The entries' keys and values that are not slices of the source (see `SPAN`).
    owned: Vec<String>,
    issues: Vec<Issue>,
    /// Where CPython's decoder fails on this file, when it is not valid UTF-8.
    decode_error: Option<DecodeError>,
}

/// A document's record buffers, to parse another document into (see [`Document::replace_checked`]).
#[derive(Default)]
struct Records {
    lines: Vec<Line>,
    sections: Vec<Section>,
    section_index: Slots,
    slots: Slots,
    slot_list: Vec<Slot>,
    entries: Vec<Entry>,
}

impl Records {
    /// Empties every buffer and makes room for the records of a file of `len` bytes without regrowing
    /// (~30 bytes per line, ~64 per key in a typical file).
    fn make_room(&mut self, len: usize) {
        room_for(&mut self.lines, len / 24 + 1);
        self.sections.clear();
        self.section_index.clear();
        self.slots.clear();
        let keys = len / 64 + 1;
        if self.slots.capacity() < keys - keys / 8 {
            self.slots.reserve(keys);
        }
        room_for(&mut self.slot_list, keys);
        room_for(&mut self.entries, keys);
    }
}

/// Empties `records` and makes room for about `n` of them: exactly `n` in a new buffer; a reused buffer
/// is kept as it is when it holds at least 7/8 of `n` (`n` is a rough guess from the file's length, and
/// growing a large buffer for a few more records would move it, or double it).
fn room_for<T>(records: &mut Vec<T>, n: usize) {
    records.clear();
    if records.capacity() < n - n / 8 {
        records.reserve_exact(n);
    }
}

/// What an edit's check (`edit::verify`) needs of the document before the edit: every section's name and
/// own `(key, value)` pairs in Python's order, borrowed from the old bytes. It lets the old document's
/// record buffers be reused for the edited one while the check runs.
pub(crate) struct Snapshot<'a> {
    /// Every section in file order (`[DEFAULT]` too): its name and the end of its pairs in `pairs` (they
    /// start where the previous section's end).
    sections: Vec<(&'a str, usize)>,
    pairs: Vec<(&'a str, &'a str)>,
}

impl<'a> Snapshot<'a> {
    fn new(texts: Texts<'a>, sections: &[Section], slot_list: &[Slot], entries: &[Entry]) -> Snapshot<'a> {
        let mut pairs = Vec::with_capacity(slot_list.len());
        let sections = sections
            .iter()
            .map(|s| {
                let own = slot_chain(slot_list, s).filter_map(|(_, slot)| entries.get(slot.entry as usize));
                pairs.extend(own.map(|e| (texts.key(e), texts.value(e))));
                (texts.name(s), pairs.len())
            })
            .collect();
        Snapshot { sections, pairs }
    }

    /// Every section in file order with its own pairs, `[DEFAULT]` included.
    pub(crate) fn sections(&self) -> impl Iterator<Item = (&'a str, &[(&'a str, &'a str)])> + '_ {
        let mut start = 0;
        self.sections.iter().map(move |&(name, end)| {
            let own = self.pairs.get(start..end).unwrap_or_default();
            start = end;
            (name, own)
        })
    }

    /// Section names as [`Document::sections`] lists them (`DEFAULT` excluded).
    pub(crate) fn names(&self) -> Vec<&'a str> {
        self.sections
            .iter()
            .map(|&(name, _)| name)
            .filter(|n| *n != DEFAULT_SECTION)
            .collect()
    }
}

/// How CPython's incremental UTF-8 decoder meets the first invalid sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DecodeError {
    /// Offset of the first byte that is not part of valid UTF-8.
    offset: usize,
    /// Lines ending at or before this offset were read (and parsed) before the decoder raised.
    lines_read_until: usize,
}

impl DecodeError {
    /// `TextIOWrapper` decodes 8 KiB chunks, each completely before any of its lines is parsed; an
    /// incomplete sequence at a chunk's end waits for the next chunk, and one at the end of the file for
    /// the final decode (after every complete line).
    fn find(src: &[u8]) -> Option<DecodeError> {
        let err = std::str::from_utf8(src).err()?;
        let offset = err.valid_up_to();
        let lines_read_until = match err.error_len() {
            None => offset,
            Some(len) => {
                // A byte that never starts a sequence fails on its own; a bad continuation fails when the
                // byte that breaks the sequence is decoded.
                let never_lead = matches!(src.get(offset), Some(0x80..=0xc1 | 0xf5..=0xff));
                let detected = if never_lead { offset } else { offset + len };
                detected - detected % PY_DECODE_CHUNK
            }
        };
        Some(DecodeError {
            offset,
            lines_read_until,
        })
    }
}

struct Parser {
    /// The document being built; its source is complete from the start. When the source is all valid
    /// UTF-8, every line is valid too (lines end at ASCII bytes), and its pieces are taken without decoding
    /// them again.
    doc: Document,
    cur_section: Option<usize>,
    /// Entry whose value continuation lines extend (Python's truthy `optname`).
    cur_entry: Option<usize>,
    /// Blank lines seen since the last part of `cur_entry`'s value: they become `\n`s only if a
    /// continuation line follows (trailing ones are removed by Python's final `rstrip()`).
    pending_blank: usize,
    indent_level: usize,
    /// A missing-section-header error was reported; lines before the first header are no longer checked.
    reported_orphan: bool,
}

/// `String::from_utf8_lossy`, with the fast validation of `str::from_utf8` for the common valid case.
fn lossy(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// The text of `src[start..end]`: a slice of `text` (the whole input, when valid UTF-8), else decoded
/// lossily as before.
#[inline]
fn piece<'a>(text: Option<&'a str>, src: &'a [u8], start: usize, end: usize) -> Cow<'a, str> {
    match text.and_then(|t| t.get(start..end)) {
        Some(piece) => Cow::Borrowed(piece),
        None => lossy(src.get(start..end).unwrap_or_default()),
    }
}

impl Parser {
    fn line(&mut self, start: usize, content_end: usize, ending: LineEnding) {
        let idx = self.doc.lines.len();
        let src = &self.doc.src;
        let content = src.get(start..content_end).unwrap_or_default();
        let utf8 = src.text().is_some() || std::str::from_utf8(content).is_ok();
        if !utf8 {
            self.doc.issues.push(Issue {
                line: idx + 1,
                kind: IssueKind::InvalidUtf8,
            });
        }
        let (text_start, text_end, indent) = pychar::strip(src, start, content_end);
        let mut line = Line {
            content_end: idx_of(content_end),
            ending,
            text_start: idx_of(text_start),
            text_end: idx_of(text_end),
            kind: Kind::Blank(None),
            section: self.cur_section.map_or(NO_SECTION, idx_of),
            utf8,
        };
        let first = if text_start == text_end {
            None
        } else {
            src.get(text_start).copied()
        };
        match first {
            None => {
                // Empty after strip: part of the current value, if any (empty_lines_in_values=True).
                if let Some(e) = self.cur_entry {
                    self.pending_blank += 1;
                    line.kind = Kind::Blank(Some(idx_of(e)));
                }
            }
            Some(b'#' | b';') => line.kind = Kind::Comment,
            Some(_) => match self.cur_entry {
                Some(e) if indent > self.indent_level => {
                    let part = piece(src.text(), src, text_start, text_end);
                    let owned = &mut self.doc.owned;
                    if let Some(entry) = self.doc.entries.get_mut(e) {
                        if owned.get(entry.value_text as usize).is_none() {
                            // The first continuation: the value becomes owned text.
                            let first = src
                                .str_at(entry.value_start(), entry.value_end())
                                .unwrap_or_default();
                            entry.value_text = idx_of(owned.len());
                            owned.push(first.to_string());
                        }
                        if let Some(value) = owned.get_mut(entry.value_text as usize) {
                            for _ in 0..=self.pending_blank {
                                value.push('\n');
                            }
                            value.push_str(&part);
                        }
                        self.pending_blank = 0;
                        entry.last_line = idx_of(idx);
                    }
                    line.kind = Kind::Continuation(idx_of(e));
                }
                _ => {
                    self.indent_level = indent;
                    line.kind = self.statement(idx, text_start, text_end, utf8);
                    line.section = self.cur_section.map_or(NO_SECTION, idx_of);
                }
            },
        }
        self.doc.lines.push(line);
    }

    /// A non-blank, non-comment, non-continuation line: a header, an option, or an error.
    fn statement(&mut self, idx: usize, ts: usize, te: usize, utf8: bool) -> Kind {
        let src = &self.doc.src;
        let text = src.get(ts..te).unwrap_or_default();
        if let Some(name_end) = header_end(text) {
            self.header(idx, ts + 1, ts + name_end);
            return Kind::Header;
        }
        if self.cur_section.is_none() && !self.reported_orphan {
            self.reported_orphan = true;
            let bom = idx == 0 && text.starts_with("\u{feff}".as_bytes());
            self.doc.issues.push(Issue {
                line: idx + 1,
                kind: IssueKind::MissingSectionHeader { bom },
            });
        }
        let in_section = self.cur_section.is_some();
        let Some(rel) = text.iter().position(|&c| c == b'=' || c == b':') else {
            if in_section {
                self.doc.issues.push(Issue {
                    line: idx + 1,
                    kind: IssueKind::NoDelimiter,
                });
            }
            // Python leaves `optname` alone: a later indented line still continues the previous value.
            return Kind::Invalid;
        };
        let delim = ts + rel;
        let key_end = pychar::rstrip(src, ts, delim);
        let value_start = pychar::lstrip(src, delim + 1, te);
        let raw_key = piece(src.text(), src, ts, key_end);
        let lowered = pychar::lower(&raw_key);
        // A span of a valid line that lower-casing leaves alone is stored as the span; else owned.
        let key_is_span = utf8 && matches!(lowered, Cow::Borrowed(_));
        let key_str: &str = &lowered;
        let empty_key = key_str.is_empty();
        let eid = self.doc.entries.len();
        if in_section && empty_key {
            self.doc.issues.push(Issue {
                line: idx + 1,
                kind: IssueKind::EmptyKey,
            });
        }
        if let Some(sid) = self.cur_section {
            if let Some(section) = self.doc.sections.get_mut(sid) {
                let hash = key_hash(key_str);
                let texts = Texts {
                    src,
                    owned: &self.doc.owned,
                };
                let lookup = Lookup {
                    texts,
                    entries: &self.doc.entries,
                    slots: &self.doc.slots,
                    slot_list: &self.doc.slot_list,
                };
                match lookup.slot_hashed(sid, section, key_str, hash) {
                    Some(slot) => {
                        let first_line = self
                            .doc
                            .slot_list
                            .get(slot)
                            .and_then(|s| self.doc.entries.get(s.first as usize))
                            .map_or(idx + 1, |e| e.line() + 1);
                        self.doc.issues.push(Issue {
                            line: idx + 1,
                            kind: IssueKind::DuplicateOption {
                                section: texts.name(section).to_string(),
                                key: key_str.to_string(),
                                first_line,
                            },
                        });
                        if let Some(s) = self.doc.slot_list.get_mut(slot) {
                            s.entry = idx_of(eid);
                        }
                    }
                    None => {
                        let list = &mut self.doc.slot_list;
                        let slot = list.len();
                        self.doc.slots.entry(slot_key(sid, hash)).or_insert(idx_of(slot));
                        list.push(Slot {
                            entry: idx_of(eid),
                            first: idx_of(eid),
                            next: NO_SLOT,
                        });
                        if section.slot_count == 0 {
                            section.first_slot = idx_of(slot);
                        } else if let Some(last) = list.get_mut(section.last_slot as usize) {
                            last.next = idx_of(slot);
                        }
                        section.last_slot = idx_of(slot);
                        section.slot_count += 1;
                    }
                }
            }
        }
        self.cur_entry = if empty_key { None } else { Some(eid) };
        self.pending_blank = 0;
        let owned = &mut self.doc.owned;
        let key_text = if key_is_span {
            SPAN
        } else {
            owned.push(lowered.into_owned());
            idx_of(owned.len() - 1)
        };
        let value_text = if utf8 {
            SPAN
        } else {
            owned.push(lossy(src.get(value_start..te).unwrap_or_default()).into_owned());
            idx_of(owned.len() - 1)
        };
        self.doc.entries.push(Entry {
            section: self.cur_section.map_or(NO_SECTION, idx_of),
            line: idx_of(idx),
            last_line: idx_of(idx),
            key_text,
            key_start: idx_of(ts),
            key_end: idx_of(key_end),
            delim: idx_of(delim),
            value_start: idx_of(value_start),
            value_end: idx_of(te),
            value_text,
            effective: false,
        });
        Kind::Entry(idx_of(eid))
    }

    /// A header line whose name is `src[start..end]`.
    fn header(&mut self, idx: usize, start: usize, end: usize) {
        let src = &self.doc.src;
        let name = piece(src.text(), src, start, end);
        let hash = key_hash(&name);
        let sid = match self.doc.section_id_hashed(&name, hash) {
            Some(sid) => {
                if let Some(section) = self.doc.sections.get_mut(sid) {
                    if name != DEFAULT_SECTION {
                        let first_line = section.first_header as usize + 1;
                        self.doc.issues.push(Issue {
                            line: idx + 1,
                            kind: IssueKind::DuplicateSection {
                                section: name.into_owned(),
                                first_line,
                            },
                        });
                    }
                    section.last_header = idx_of(idx);
                }
                sid
            }
            None => {
                let sid = self.doc.sections.len();
                self.doc.section_index.entry(fold(hash)).or_insert(idx_of(sid));
                // A name is a span of the source unless it had to be decoded lossily.
                let name_text = match name {
                    Cow::Borrowed(_) => SPAN,
                    Cow::Owned(name) => {
                        self.doc.owned.push(name);
                        idx_of(self.doc.owned.len() - 1)
                    }
                };
                self.doc.sections.push(Section {
                    name_text,
                    name_start: idx_of(start),
                    name_end: idx_of(end),
                    first_header: idx_of(idx),
                    last_header: idx_of(idx),
                    first_slot: NO_SLOT,
                    last_slot: NO_SLOT,
                    slot_count: 0,
                });
                sid
            }
        };
        self.cur_section = Some(sid);
        // "So sections can't start with a continuation line"
        self.cur_entry = None;
        self.pending_blank = 0;
    }
}

/// `re.match(r"\[(?P<header>.+)\]", text)`: the index of the closing `]` (the last one; the name must not
/// be empty), or `None` when the line is not a header.
pub(crate) fn header_end(text: &[u8]) -> Option<usize> {
    if text.first() != Some(&b'[') {
        return None;
    }
    let close = text.iter().rposition(|&c| c == b']')?;
    (close >= 2).then_some(close)
}

impl Document {
    /// Parses a file's bytes. Total: never fails and never panics; see [`Document::issues`].
    pub fn parse(bytes: &[u8]) -> Document {
        Document::parse_owned(bytes.to_vec())
    }

    /// [`Document::parse`] of bytes the document takes over (no copy).
    pub fn parse_owned(bytes: Vec<u8>) -> Document {
        Document::parse_within(bytes, MAX_DOCUMENT_BYTES, Records::default())
    }

    /// Parses `bytes` when they are at most `limit` (at most [`MAX_DOCUMENT_BYTES`]) long; longer input
    /// is kept but not parsed: a document with no lines and one [`IssueKind::TooLarge`], never loadable.
    /// The records go into `records`' buffers (emptied first; empty ones are allocated here).
    fn parse_within(bytes: Vec<u8>, limit: usize, records: Records) -> Document {
        let len = bytes.len();
        let too_large = len > limit.min(MAX_DOCUMENT_BYTES);
        let mut records = records;
        records.make_room(if too_large { 0 } else { len });
        let mut parser = Parser {
            doc: Document::assemble(Source::new(bytes), records),
            cur_section: None,
            cur_entry: None,
            pending_blank: 0,
            indent_level: 0,
            reported_orphan: false,
        };
        if too_large {
            let mut doc = parser.doc;
            doc.issues.push(Issue {
                line: 1,
                kind: IssueKind::TooLarge { bytes: len },
            });
            return doc;
        }
        let mut pos = 0;
        let mut breaks = Breaks::new(&parser.doc.src);
        while pos < len {
            let bytes: &[u8] = &parser.doc.src;
            let (content_end, end, ending) = match breaks.next_from(bytes, pos) {
                None => (len, len, LineEnding::None),
                Some(at) => match (bytes.get(at), bytes.get(at + 1)) {
                    (Some(b'\r'), Some(b'\n')) => (at, at + 2, LineEnding::CrLf),
                    (Some(b'\r'), _) => (at, at + 1, LineEnding::Cr),
                    _ => (at, at + 1, LineEnding::Lf),
                },
            };
            parser.line(pos, content_end, ending);
            pos = end;
        }
        let mut doc = parser.doc;
        if doc.lines.iter().any(|l| !l.utf8) {
            doc.decode_error = DecodeError::find(&doc.src);
        }
        for slot in &doc.slot_list {
            if let Some(entry) = doc.entries.get_mut(slot.entry as usize) {
                entry.effective = true;
            }
        }
        // Python's final `rstrip()`. A span value ends where its line's stripped text ends, so it is
        // stripped already; joined and lossy values are stripped here.
        for entry in &doc.entries {
            if let Some(v) = doc.owned.get_mut(entry.value_text as usize) {
                let kept = v.trim_end_matches(pychar::is_space).len();
                v.truncate(kept);
            }
        }
        doc
    }

    /// Replaces the document by the parse of `bytes` when `check` accepts it, given a snapshot of the
    /// current document; returns the bytes the document had. The new document is parsed into this one's
    /// record buffers, so a large file's records are not allocated (nor their pages touched) a second time.
    /// When `check` refuses, the old bytes are parsed again into the same buffers: parsing is deterministic,
    /// so the document is the one it was.
    pub(crate) fn replace_checked<E>(
        &mut self,
        bytes: Vec<u8>,
        check: impl FnOnce(&Snapshot<'_>, &Document) -> Result<(), E>,
    ) -> Result<Vec<u8>, E> {
        // The placeholder allocates nothing: empty vectors and maps do not allocate.
        let placeholder = Document::assemble(Source::Text(String::new()), Records::default());
        let (src, owned, records) = std::mem::replace(self, placeholder).into_parts();
        let texts = Texts {
            src: &src,
            owned: &owned,
        };
        let snapshot = Snapshot::new(texts, &records.sections, &records.slot_list, &records.entries);
        let new = Document::parse_within(bytes, MAX_DOCUMENT_BYTES, records);
        let verdict = check(&snapshot, &new);
        drop(snapshot);
        match verdict {
            Ok(()) => {
                *self = new;
                Ok(src.into_bytes())
            }
            Err(e) => {
                *self = Document::parse_within(src.into_bytes(), MAX_DOCUMENT_BYTES, new.into_parts().2);
                Err(e)
            }
        }
    }

    /// A document of `src` with the records of `records`, and no owned texts, issues or decoding error yet.
    fn assemble(src: Source, records: Records) -> Document {
        let Records {
            lines,
            sections,
            section_index,
            slots,
            slot_list,
            entries,
        } = records;
        Document {
            src,
            lines,
            sections,
            section_index,
            slots,
            slot_list,
            entries,
            owned: Vec::new(),
            issues: Vec::new(),
            decode_error: None,
        }
    }

    /// The bytes, the owned texts and the record buffers (for another parse).
    fn into_parts(self) -> (Source, Vec<String>, Records) {
        let Document {
            src,
            owned,
            lines,
            sections,
            section_index,
            slots,
            slot_list,
            entries,
            ..
        } = self;
        let records = Records {
            lines,
            sections,
            section_index,
            slots,
            slot_list,
            entries,
        };
        (src, owned, records)
    }

    /// The document's bytes: the parsed input, byte for byte, or the result of the edits made since.
    pub fn render(&self) -> Vec<u8> {
        self.src.to_vec()
    }

    /// The document's bytes, taken over (its records are freed).
    pub fn into_bytes(self) -> Vec<u8> {
        self.src.into_bytes()
    }

    /// The document's bytes without copying.
    pub fn as_bytes(&self) -> &[u8] {
        &self.src
    }

    /// The document as text when it is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        self.src.text()
    }

    /// Every problem found, in line order. Empty when Python reads the file without error.
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// The exception CPython 3.11's `RawConfigParser().read()` raises on this content (decoded as UTF-8 with
    /// universal newlines, as `open()` does in Odoo's containers), or `None` when it reads the file.
    ///
    /// Precedence follows Python: decoding happens in 8 KiB chunks before the lines in them are parsed,
    /// missing-header and duplicate errors are raised at their line, and `ParsingError` (listing every bad
    /// line) only at the end.
    pub fn python_error(&self) -> Option<PythonError> {
        let immediate = self.issues.iter().find(|i| i.kind.is_immediate());
        if let Some(decode) = self.decode_error {
            if let Some(issue) = immediate {
                // A line ending in a lone CR is complete only once the next character is decoded.
                let read = self.lines.get(issue.line.saturating_sub(1)).is_some_and(|l| {
                    l.end() < decode.lines_read_until
                        || (l.end() == decode.lines_read_until && l.ending != LineEnding::Cr)
                });
                if read {
                    return Some(PythonError {
                        class: issue.kind.python_class(),
                        lines: vec![issue.line],
                    });
                }
            }
            let line = self
                .lines
                .iter()
                .position(|l| l.end() > decode.offset)
                .map_or(self.lines.len(), |i| i + 1);
            return Some(PythonError {
                class: PyErrorClass::UnicodeDecode,
                lines: vec![line],
            });
        }
        if let Some(issue) = immediate {
            return Some(PythonError {
                class: issue.kind.python_class(),
                lines: vec![issue.line],
            });
        }
        let parse_lines: Vec<usize> = self
            .issues
            .iter()
            .filter(|i| i.kind.python_class() == PyErrorClass::Parsing)
            .map(|i| i.line)
            .collect();
        (!parse_lines.is_empty()).then_some(PythonError {
            class: PyErrorClass::Parsing,
            lines: parse_lines,
        })
    }

    /// True when Python (hence Odoo) reads the file without an exception.
    pub fn is_loadable(&self) -> bool {
        self.python_error().is_none()
    }

    /// Where line index `idx` starts: where the line before it ends (0 for the first). Not recorded, as it
    /// is this one number away (4 bytes less in every line record).
    pub(crate) fn line_start(&self, idx: usize) -> usize {
        idx.checked_sub(1)
            .and_then(|before| self.lines.get(before))
            .map_or(0, Line::end)
    }

    /// The leading whitespace of line index `idx` in code points (what Python compares for continuation
    /// lines). It is made of whole whitespace characters (see `pychar::strip`), so its code points are its
    /// bytes that do not continue a UTF-8 sequence. Not recorded: only the parser needs it for every line.
    pub(crate) fn line_indent(&self, idx: usize) -> usize {
        let Some(line) = self.lines.get(idx) else {
            return 0;
        };
        let indentation = self
            .src
            .get(self.line_start(idx)..line.text_start())
            .unwrap_or_default();
        indentation
            .iter()
            .filter(|&&b| !(0x80..0xc0).contains(&b))
            .count()
    }

    /// Number of lines (a final newline does not start another line; an empty file has none).
    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// Line `number` (1-based).
    pub fn line(&self, number: usize) -> Option<LineRef<'_>> {
        let idx = number.checked_sub(1)?;
        (idx < self.lines.len()).then_some(LineRef { doc: self, idx })
    }

    /// All lines in order.
    pub fn lines(&self) -> impl Iterator<Item = LineRef<'_>> + '_ {
        (0..self.lines.len()).map(move |idx| LineRef { doc: self, idx })
    }

    /// True when the file ends with a line terminator (an empty file counts as true: nothing is missing).
    pub fn has_final_newline(&self) -> bool {
        self.lines.last().is_none_or(|l| l.ending != LineEnding::None)
    }

    /// The most frequent line terminator (the first seen on a tie), `Lf` when the file has none.
    pub fn line_ending(&self) -> LineEnding {
        let mut counts: [(LineEnding, usize, usize); 3] = [
            (LineEnding::Lf, 0, usize::MAX),
            (LineEnding::CrLf, 0, usize::MAX),
            (LineEnding::Cr, 0, usize::MAX),
        ];
        for (i, line) in self.lines.iter().enumerate() {
            if let Some(c) = counts.iter_mut().find(|c| c.0 == line.ending) {
                c.1 += 1;
                c.2 = c.2.min(i);
            }
        }
        counts
            .iter()
            .filter(|c| c.1 > 0)
            .max_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)))
            .map_or(LineEnding::Lf, |c| c.0)
    }

    /// Section names in file order, as `RawConfigParser.sections()` lists them (`DEFAULT` excluded).
    pub fn sections(&self) -> Vec<&str> {
        let texts = self.texts();
        self.sections
            .iter()
            .map(|s| texts.name(s))
            .filter(|n| *n != DEFAULT_SECTION)
            .collect()
    }

    /// True when a `[name]` header exists (names are case-sensitive: `[Options]` is not `options`).
    pub fn has_section(&self, name: &str) -> bool {
        self.section_id(name).is_some()
    }

    /// 1-based lines of the headers of section `name` (several for `[DEFAULT]` or a duplicated section).
    pub fn header_lines(&self, name: &str) -> Vec<usize> {
        match self.section_id(name) {
            Some(sid) => self.header_lines_where(|s| s == sid),
            None => Vec::new(),
        }
    }

    /// 1-based lines of headers that name `name` up to case and surrounding whitespace without being it,
    /// such as `[Options]` or `[ options ]` for `options` — sections Odoo silently ignores.
    pub fn section_case_mismatches(&self, name: &str) -> Vec<usize> {
        let wanted = pychar::lower(name);
        let texts = self.texts();
        let mismatched: Vec<bool> = self
            .sections
            .iter()
            .map(|s| {
                let n = texts.name(s);
                n != name && pychar::lower(pychar::strip_str(n)) == wanted
            })
            .collect();
        self.header_lines_where(|sid| mismatched.get(sid).copied().unwrap_or(false))
    }

    /// 1-based lines, in file order, of the headers of the sections `wanted` picks by id.
    fn header_lines_where(&self, wanted: impl Fn(usize) -> bool) -> Vec<usize> {
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.kind == Kind::Header && l.section().is_some_and(&wanted))
            .map(|(idx, _)| idx + 1)
            .collect()
    }

    pub(crate) fn section(&self, name: &str) -> Option<&Section> {
        self.sections.get(self.section_id(name)?)
    }

    /// A section's name.
    fn section_name(&self, sid: usize) -> Option<&str> {
        self.sections.get(sid).map(|s| self.texts().name(s))
    }

    pub(crate) fn entry_by_id(&self, id: usize) -> Option<EntryRef<'_>> {
        (id < self.entries.len()).then_some(EntryRef { doc: self, id })
    }

    pub(crate) fn section_id(&self, name: &str) -> Option<usize> {
        self.section_id_hashed(name, key_hash(name))
    }

    /// [`Document::section_id`] with the name's hash already computed.
    fn section_id_hashed(&self, name: &str, hash: u64) -> Option<usize> {
        let texts = self.texts();
        let named = |sid: usize| self.sections.get(sid).is_some_and(|s| texts.name(s) == name);
        let sid = *self.section_index.get(&fold(hash))? as usize;
        if named(sid) {
            return Some(sid);
        }
        // A collision: the index kept another name's section.
        (0..self.sections.len()).find(|&sid| named(sid))
    }

    fn texts(&self) -> Texts<'_> {
        Texts {
            src: &self.src,
            owned: &self.owned,
        }
    }

    fn lookup(&self) -> Lookup<'_> {
        Lookup {
            texts: self.texts(),
            entries: &self.entries,
            slots: &self.slots,
            slot_list: &self.slot_list,
        }
    }

    fn pairs<'a>(&'a self, section: &'a Section) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let texts = self.texts();
        slot_chain(&self.slot_list, section)
            .filter_map(|(_, slot)| self.entries.get(slot.entry as usize))
            .map(move |e| (texts.key(e), texts.value(e)))
    }

    /// The keys of `[DEFAULT]` (`RawConfigParser.defaults()`), empty when there is none.
    pub fn defaults(&self) -> Values {
        self.values(DEFAULT_SECTION).unwrap_or_default()
    }

    /// `dict(parser.items(section))`: the section's keys and values with `[DEFAULT]`'s keys inherited, in
    /// Python's order (DEFAULT keys first). `None` when the section does not exist (Python raises
    /// `NoSectionError`), except for `DEFAULT` itself. When the document has issues this is what Python would
    /// read with `strict=False` (later duplicates win).
    pub fn values(&self, section: &str) -> Option<Values> {
        self.value_pairs(section).map(Values::from_borrowed)
    }

    /// [`Document::values`] without copying: the `(key, value)` pairs Python's `items(section)` returns, in
    /// its order, borrowed from the document.
    pub(crate) fn value_pairs(&self, section: &str) -> Option<Vec<(&str, &str)>> {
        let mut pairs: Vec<(&str, &str)> = self
            .section(DEFAULT_SECTION)
            .map(|s| self.pairs(s).collect())
            .unwrap_or_default();
        if section == DEFAULT_SECTION {
            return Some(pairs);
        }
        let own = self.section(section)?;
        if pairs.is_empty() {
            // The common case (no `[DEFAULT]`): the section's own keys, already unique and in order.
            return Some(self.pairs(own).collect());
        }
        let mut position: HashMap<&str, usize, BuildHasherDefault<Fnv>> =
            pairs.iter().enumerate().map(|(i, &(k, _))| (k, i)).collect();
        for (key, value) in self.pairs(own) {
            match position.get(key) {
                Some(&i) => {
                    if let Some(pair) = pairs.get_mut(i) {
                        pair.1 = value;
                    }
                }
                None => {
                    position.insert(key, pairs.len());
                    pairs.push((key, value));
                }
            }
        }
        Some(pairs)
    }

    /// The section's own `(key, value)` pairs in order, without copying them; none when the section does
    /// not exist.
    pub(crate) fn own_pairs<'a>(&'a self, section: &str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.section(section).into_iter().flat_map(move |s| self.pairs(s))
    }

    /// A lookup of the section's own values by key as Python stores it (lower-cased already: no case
    /// mapping per call); `None` when the section does not exist.
    pub(crate) fn own_lookup<'a>(&'a self, section: &str) -> Option<impl Fn(&str) -> Option<&'a str> + 'a> {
        let id_of = self.own_ids(section)?;
        let texts = self.texts();
        Some(move |key: &str| self.entries.get(id_of(key)?).map(|e| texts.value(e)))
    }

    /// The entry Python keeps for a key of the section (the key as Python stores it), found through the
    /// key index with the section looked up once.
    pub(crate) fn own_ids<'a>(&'a self, section: &str) -> Option<impl Fn(&str) -> Option<usize> + 'a> {
        let sid = self.section_id(section)?;
        let s = self.sections.get(sid)?;
        let lookup = self.lookup();
        Some(move |key: &str| {
            let slot = lookup.slot_list.get(lookup.slot(sid, s, key)?)?;
            Some(slot.entry as usize)
        })
    }

    /// The section's own keys, without inheritance (`parser._sections[section]`).
    pub fn own_values(&self, section: &str) -> Option<Values> {
        let own = self.section(section)?;
        Some(Values::from_borrowed(self.pairs(own).collect()))
    }

    /// The entry Python keeps for `key` in `section` itself (not inherited from `[DEFAULT]`). The key is
    /// lower-cased first, as Python does.
    pub fn entry(&self, section: &str, key: &str) -> Option<EntryRef<'_>> {
        let id = self.own_ids(section)?(&pychar::lower(key))?;
        Some(EntryRef { doc: self, id })
    }

    /// The entry the value of `key` in `values(section)` comes from: the section's own entry, else the one
    /// inherited from `[DEFAULT]` (for line numbers of inherited values).
    pub fn source_entry(&self, section: &str, key: &str) -> Option<EntryRef<'_>> {
        if section != DEFAULT_SECTION && !self.has_section(section) {
            return None;
        }
        self.entry(section, key)
            .or_else(|| self.entry(DEFAULT_SECTION, key))
    }

    /// Every `key = value` line in file order, duplicates and lines before any header included.
    pub fn entries(&self) -> impl Iterator<Item = EntryRef<'_>> + '_ {
        (0..self.entries.len()).map(move |id| EntryRef { doc: self, id })
    }

    /// Every entry of `section` in file order, duplicates included.
    pub fn entries_in(&self, section: &str) -> Vec<EntryRef<'_>> {
        let Some(sid) = self.section_id(section) else {
            return Vec::new();
        };
        self.entries()
            .filter(|e| e.raw().is_some_and(|e| e.section() == Some(sid)))
            .collect()
    }

    /// The inline comment after `key`'s value in `section`, if any (see [`EntryRef::inline_comment`]).
    pub fn inline_comment(&self, section: &str, key: &str) -> Option<InlineComment<'_>> {
        self.entry(section, key)?.inline_comment()
    }

    /// 1-based lines that Python appends to `key`'s value in `section` (empty when none).
    pub fn continuation_lines(&self, section: &str, key: &str) -> Vec<usize> {
        self.entry(section, key)
            .map(|e| e.continuation_lines())
            .unwrap_or_default()
    }
}

impl fmt::Display for Document {
    /// The document as text; bytes that are not UTF-8 are shown as U+FFFD (use [`Document::render`] for
    /// the exact bytes).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.src))
    }
}

/// An ordered `key → value` map, in Python's dict order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values {
    pairs: Vec<(String, String)>,
}

impl Values {
    fn from_borrowed(pairs: Vec<(&str, &str)>) -> Values {
        Values {
            pairs: pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// The value of `key` (keys are lower-case).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// `(key, value)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.pairs.iter().map(|(k, _)| k.as_str())
    }

    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.pairs
    }
}

impl IntoIterator for Values {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;
    fn into_iter(self) -> Self::IntoIter {
        self.pairs.into_iter()
    }
}

/// A view of one line of a [`Document`].
#[derive(Debug, Clone, Copy)]
pub struct LineRef<'a> {
    doc: &'a Document,
    idx: usize,
}

impl<'a> LineRef<'a> {
    fn raw(&self) -> Option<&'a Line> {
        self.doc.lines.get(self.idx)
    }

    /// 1-based line number.
    pub fn number(&self) -> usize {
        self.idx + 1
    }

    pub fn kind(&self) -> LineKind {
        match self.raw().map(|l| l.kind) {
            Some(Kind::Blank(_)) | None => LineKind::Blank,
            Some(Kind::Comment) => LineKind::Comment,
            Some(Kind::Header) => LineKind::SectionHeader,
            Some(Kind::Entry(_)) => LineKind::Entry,
            Some(Kind::Continuation(_)) => LineKind::Continuation,
            Some(Kind::Invalid) => LineKind::Invalid,
        }
    }

    /// The line's bytes without its terminator.
    pub fn bytes(&self) -> &'a [u8] {
        self.raw()
            .and_then(|l| self.doc.src.get(self.doc.line_start(self.idx)..l.content_end()))
            .unwrap_or_default()
    }

    /// The line's text without its terminator (invalid UTF-8 shown as U+FFFD). May hold a secret: use
    /// [`Document::masked_line`] for output.
    pub fn text(&self) -> Cow<'a, str> {
        lossy(self.bytes())
    }

    /// The line after Python's `str.strip()`.
    pub fn stripped(&self) -> &'a [u8] {
        self.raw()
            .and_then(|l| self.doc.src.get(l.text_start()..l.text_end()))
            .unwrap_or_default()
    }

    pub fn ending(&self) -> LineEnding {
        self.raw().map_or(LineEnding::None, |l| l.ending)
    }

    /// Leading whitespace in code points.
    pub fn indent(&self) -> usize {
        self.doc.line_indent(self.idx)
    }

    pub fn is_utf8(&self) -> bool {
        self.raw().is_some_and(|l| l.utf8)
    }

    /// The section this line is in (`None` before the first header).
    pub fn section(&self) -> Option<&'a str> {
        self.doc.section_name(self.raw()?.section()?)
    }

    /// The entry this line starts or continues, or the entry whose value this blank line is appended to.
    pub fn entry(&self) -> Option<EntryRef<'a>> {
        match self.raw()?.kind {
            Kind::Entry(id) | Kind::Continuation(id) | Kind::Blank(Some(id)) => Some(EntryRef {
                doc: self.doc,
                id: id as usize,
            }),
            _ => None,
        }
    }
}

/// A view of one `key = value` entry of a [`Document`].
#[derive(Debug, Clone, Copy)]
pub struct EntryRef<'a> {
    doc: &'a Document,
    id: usize,
}

/// An inline comment after a value (whitespace, then `;` or `#`), which Python keeps as part of the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineComment<'a> {
    /// 1-based line.
    pub line: usize,
    /// The value without the comment (what the user meant).
    pub value: Cow<'a, str>,
    /// The comment from its `;`/`#` to the end of the value, unchanged.
    pub comment: Cow<'a, str>,
    /// Byte offsets in the document: where the whitespace before the comment starts, and the comment.
    pub(crate) value_end: usize,
    pub(crate) comment_start: usize,
}

impl<'a> EntryRef<'a> {
    pub(crate) fn new(doc: &'a Document, id: usize) -> EntryRef<'a> {
        EntryRef { doc, id }
    }

    pub(crate) fn raw(&self) -> Option<&'a Entry> {
        self.doc.entries.get(self.id)
    }

    fn bytes(&self, start: usize, end: usize) -> &'a [u8] {
        self.doc.src.get(start..end).unwrap_or_default()
    }

    /// The key as Python sees it (rstripped, lower-cased).
    pub fn key(&self) -> &'a str {
        self.raw().map_or("", |e| self.doc.texts().key(e))
    }

    /// The key as written in the file.
    pub fn raw_key(&self) -> &'a [u8] {
        self.raw()
            .map_or(&[][..], |e| self.bytes(e.key_start(), e.key_end()))
    }

    /// The section the entry is in; `None` for a line before any header.
    pub fn section(&self) -> Option<&'a str> {
        self.doc.section_name(self.raw()?.section()?)
    }

    /// The value as Python reads it (continuation lines joined with `\n`). May be a secret.
    pub fn value(&self) -> &'a str {
        self.raw().map_or("", |e| self.doc.texts().value(e))
    }

    /// The value's bytes on the entry line, stripped (without continuation lines).
    pub fn first_line_value(&self) -> &'a [u8] {
        self.raw()
            .map_or(&[][..], |e| self.bytes(e.value_start(), e.value_end()))
    }

    /// `=` or `:`.
    pub fn delimiter(&self) -> char {
        self.raw()
            .and_then(|e| self.doc.src.get(e.delim()))
            .map_or('=', |&b| b as char)
    }

    /// The whitespace between the key and the delimiter, as written.
    pub fn space_before_delimiter(&self) -> &'a [u8] {
        self.raw().map_or(&[][..], |e| self.bytes(e.key_end(), e.delim()))
    }

    /// The whitespace between the delimiter and the value, as written (up to the end of the line when the
    /// value is empty).
    pub fn space_after_delimiter(&self) -> &'a [u8] {
        self.raw()
            .map_or(&[][..], |e| self.bytes(e.delim() + 1, e.value_start()))
    }

    /// 1-based line of the key.
    pub fn line(&self) -> usize {
        self.raw().map_or(0, |e| e.line() + 1)
    }

    /// 1-based lines from the key to the last continuation line.
    pub fn lines(&self) -> RangeInclusive<usize> {
        self.raw().map_or(0..=0, |e| e.line() + 1..=e.last_line() + 1)
    }

    /// 1-based lines whose text Python appends to this value (blank and comment lines not included).
    pub fn continuation_lines(&self) -> Vec<usize> {
        let Some(e) = self.raw() else {
            return Vec::new();
        };
        // Between the key's line and the last continuation line, the lines Python appended (not the blank
        // and comment lines among them).
        (e.line() + 1..=e.last_line())
            .filter(|&l| {
                matches!(self.doc.lines.get(l).map(|line| line.kind),
                    Some(Kind::Continuation(c)) if c as usize == self.id)
            })
            .map(|l| l + 1)
            .collect()
    }

    pub fn has_continuation(&self) -> bool {
        self.raw().is_some_and(Entry::has_continuation)
    }

    /// Leading whitespace of the key line, in code points.
    pub fn indent(&self) -> usize {
        self.raw().map_or(0, |e| self.doc.line_indent(e.line()))
    }

    /// False for an earlier duplicate that Python overwrites (and for lines before any header).
    pub fn is_effective(&self) -> bool {
        self.raw().is_some_and(|e| e.effective)
    }

    /// True when the key names a secret (see [`crate::conf::is_secret_key`]).
    pub fn is_secret(&self) -> bool {
        super::secret::is_secret_key(self.key())
    }

    /// A comment after the value on the key line: Python whitespace followed by `;` or `#`, which Python
    /// keeps as part of the value (`workers = 4 ; four` reads `"4 ; four"`). A value that itself starts with
    /// `;` or `#` has no value before it and is not reported here.
    pub fn inline_comment(&self) -> Option<InlineComment<'a>> {
        let e = self.raw()?;
        let src = &self.doc.src;
        let mut i = e.value_start() + 1;
        while i < e.value_end() {
            // Only a `;` or `#` can start a comment: jump to the next one (most values have none).
            i += memchr::memchr2(b';', b'#', src.get(i..e.value_end())?)?;
            if pychar::space_len_before(src, i) > 0 {
                let value_end = pychar::rstrip(src, e.value_start(), i);
                return Some(InlineComment {
                    line: e.line() + 1,
                    value: lossy(self.bytes(e.value_start(), value_end)),
                    comment: lossy(self.bytes(i, e.value_end())),
                    value_end,
                    comment_start: i,
                });
            }
            i += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> Document {
        Document::parse(s.as_bytes())
    }

    fn pairs(v: Option<Values>) -> Vec<(String, String)> {
        v.map(Values::into_pairs).unwrap_or_default()
    }

    fn p(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn class(d: &Document) -> Option<(PyErrorClass, Vec<usize>)> {
        d.python_error().map(|e| (e.class, e.lines))
    }

    #[test]
    fn input_over_the_limit_is_kept_unparsed_and_never_loadable() {
        let text = b"[options]\nworkers = 4\n"; // 22 bytes
        let d = Document::parse_within(text.to_vec(), 21, Records::default());
        assert_eq!(d.render(), text);
        assert_eq!(d.line_count(), 0);
        assert_eq!(d.issues().len(), 1);
        assert_eq!(d.issues()[0].line, 1);
        assert_eq!(d.issues()[0].kind, IssueKind::TooLarge { bytes: 22 });
        assert_eq!(class(&d), Some((PyErrorClass::NotParsed, vec![1])));
        assert!(!d.is_loadable() && d.values("options").is_none());
        // An edit is refused, naming the issue.
        let mut edited = d.clone();
        let err = edited.set("options", "workers", "2");
        assert!(
            matches!(err, Err(crate::conf::EditError::Unloadable(ref i)) if i.kind == IssueKind::TooLarge { bytes: 22 }),
            "{err:?}"
        );
        assert_eq!(edited.render(), text);
        // At the limit it parses.
        let d = Document::parse_within(text.to_vec(), 22, Records::default());
        assert!(d.is_loadable() && d.issues().is_empty());
        assert_eq!(pairs(d.values("options")), p(&[("workers", "4")]));
    }

    /// The records stay small: their size is what parsing a large file costs in memory (BENCHMARKS.md).
    #[test]
    fn record_sizes() {
        // Where a line starts and its indentation are derived (36 bytes before).
        assert_eq!(std::mem::size_of::<Line>(), 28);
        // Offsets only: the rare owned texts are in `Document::owned`, continuation lines are found from the
        // line records (112 bytes before).
        assert_eq!(std::mem::size_of::<Entry>(), 44);
    }

    #[test]
    fn simple_file_and_round_trip() {
        let text = "[options]\nworkers = 4\nmax_cron_threads=1\n";
        let d = doc(text);
        assert_eq!(d.render(), text.as_bytes());
        assert!(d.issues().is_empty());
        assert_eq!(
            pairs(d.values("options")),
            p(&[("workers", "4"), ("max_cron_threads", "1")])
        );
        assert_eq!(d.sections(), vec!["options"]);
        assert_eq!(d.line_count(), 3);
    }

    #[test]
    fn inline_comments_are_not_stripped() {
        let d = doc("[options]\nworkers = 4 ; four\ndbfilter = ^%d$ # x\nx = a;b\n");
        let v = d.values("options").unwrap_or_default();
        assert_eq!(v.get("workers"), Some("4 ; four"));
        assert_eq!(v.get("dbfilter"), Some("^%d$ # x"));
        let c = d.inline_comment("options", "workers").expect("comment");
        assert_eq!((c.line, c.value.as_ref(), c.comment.as_ref()), (2, "4", "; four"));
        let c = d.inline_comment("options", "dbfilter").expect("comment");
        assert_eq!((c.value.as_ref(), c.comment.as_ref()), ("^%d$", "# x"));
        assert!(
            d.inline_comment("options", "x").is_none(),
            "no whitespace before ;"
        );
    }

    #[test]
    fn value_starting_with_comment_char_is_not_an_inline_comment() {
        let d = doc("[options]\nworkers = ; four\n");
        assert_eq!(
            d.values("options").unwrap_or_default().get("workers"),
            Some("; four")
        );
        assert!(d.inline_comment("options", "workers").is_none());
        let d = doc("[options]\nworkers = 4\u{a0}; nbsp\n");
        assert_eq!(
            d.inline_comment("options", "workers")
                .map(|c| c.comment.into_owned())
                .as_deref(),
            Some("; nbsp")
        );
    }

    #[test]
    fn colon_delimiter_first_delimiter_wins_and_keys_lowercase() {
        let d = doc("[queue_job]\nChannels: root:2\nA = b:c\nURL: http://x=1\n");
        let v = d.values("queue_job").unwrap_or_default();
        assert_eq!(v.get("channels"), Some("root:2"));
        assert!(d
            .entry("queue_job", "CHANNELS")
            .is_some_and(|e| e.key() == "channels"));
        assert_eq!(v.get("a"), Some("b:c"));
        assert_eq!(v.get("url"), Some("http://x=1"));
        let e = d.entry("queue_job", "channels").expect("entry");
        assert_eq!(e.raw_key(), b"Channels");
        assert_eq!(e.delimiter(), ':');
        assert_eq!(e.space_before_delimiter(), b"");
        assert_eq!(e.space_after_delimiter(), b" ");
    }

    #[test]
    fn section_header_regex_semantics() {
        let d = doc("[options] junk\na = 1\n[a]b]\nb = 2\n[ sp ]\nc = 3\n");
        assert_eq!(d.sections(), vec!["options", "a]b", " sp "]);
        assert!(d.issues().is_empty());
        // `[]` is not a header: before any section it is the missing-header error.
        let d = doc("[]\n");
        assert_eq!(class(&d), Some((PyErrorClass::MissingSectionHeader, vec![1])));
        let d = doc("[]]\nx=1\n");
        assert_eq!(d.sections(), vec!["]"]);
        // Inside a section, `[]` has no delimiter: a parse error; `[x=1` is an option named `[x`.
        let d = doc("[s]\n[]\n[x=1\n");
        assert_eq!(class(&d), Some((PyErrorClass::Parsing, vec![2])));
        assert_eq!(d.values("s").unwrap_or_default().get("[x"), Some("1"));
    }

    #[test]
    fn continuation_lines_blank_lines_and_comments() {
        let text =
            "[options]\nworkers = 4\n\n  # indented comment\n; comment\n  limit_time_cpu = 60\n\nnext = x\n";
        let d = doc(text);
        let v = d.values("options").unwrap_or_default();
        assert_eq!(v.get("workers"), Some("4\n\nlimit_time_cpu = 60"));
        assert_eq!(v.get("next"), Some("x"));
        let e = d.entry("options", "workers").expect("entry");
        assert_eq!(e.lines(), 2..=6);
        assert_eq!(e.continuation_lines(), vec![6]);
        assert_eq!(d.line(6).map(|l| l.kind()), Some(LineKind::Continuation));
        assert_eq!(
            d.line(3).and_then(|l| l.entry()).map(|e| e.key()),
            Some("workers")
        );
        assert_eq!(d.line(4).map(|l| l.kind()), Some(LineKind::Comment));
        assert_eq!(d.render(), text.as_bytes());
    }

    #[test]
    fn continuation_is_relative_to_the_last_statement_indent() {
        // An indented key line sets the level; a less indented line is a new statement.
        let d = doc("[s]\n    a = 1\n  b = 2\n   c\n");
        let v = d.values("s").unwrap_or_default();
        assert_eq!(v.get("a"), Some("1"));
        assert_eq!(v.get("b"), Some("2\nc"));
        // A header resets: the first line after it is never a continuation.
        let d = doc("[s]\n  a = 1\n");
        assert_eq!(d.values("s").unwrap_or_default().get("a"), Some("1"));
        // Indentation is counted in code points, not bytes: U+3000 is 3 bytes but one character.
        let d = doc("[s]\n\u{3000}a = 1\n  b\n");
        assert_eq!(d.values("s").unwrap_or_default().get("a"), Some("1\nb"));
        let d = doc("[s]\n\u{3000}\u{3000}a = 1\n  b = 2\n");
        assert_eq!(d.values("s").unwrap_or_default().get("b"), Some("2"));
    }

    #[test]
    fn a_bad_line_does_not_end_the_value_but_empty_key_does() {
        let d = doc("[s]\na = 1\ngarbage\n  more\n");
        assert_eq!(d.values("s").unwrap_or_default().get("a"), Some("1\nmore"));
        assert_eq!(class(&d), Some((PyErrorClass::Parsing, vec![3])));
        let d = doc("[s]\n= x\n  b = 2\n");
        assert_eq!(d.values("s").unwrap_or_default().get(""), Some("x"));
        assert_eq!(d.values("s").unwrap_or_default().get("b"), Some("2"));
        assert_eq!(class(&d), Some((PyErrorClass::Parsing, vec![2])));
    }

    #[test]
    fn empty_values_and_values_starting_on_the_next_line() {
        let d = doc("[s]\na =\nb:\n  x\n  y\n\n\n");
        let v = d.values("s").unwrap_or_default();
        assert_eq!(v.get("a"), Some(""));
        assert_eq!(v.get("b"), Some("\nx\ny"));
    }

    #[test]
    fn line_endings_crlf_lone_cr_and_no_final_newline() {
        let text = "[options]\r\nworkers = 4\rmax_cron_threads = 1\nx = 2";
        let d = doc(text);
        assert_eq!(d.render(), text.as_bytes());
        let endings: Vec<LineEnding> = d.lines().map(|l| l.ending()).collect();
        assert_eq!(
            endings,
            vec![LineEnding::CrLf, LineEnding::Cr, LineEnding::Lf, LineEnding::None]
        );
        assert!(!d.has_final_newline());
        let v = d.values("options").unwrap_or_default();
        assert_eq!(v.get("workers"), Some("4"));
        assert_eq!(v.get("x"), Some("2"));
        assert_eq!(doc("a\r\nb\r\n").line_ending(), LineEnding::CrLf);
        assert_eq!(doc("").line_ending(), LineEnding::Lf);
        assert!(doc("").has_final_newline());
        // `\r\r\n` is a lone CR then CRLF: two lines.
        assert_eq!(doc("[s]\r\r\n").line_count(), 2);
    }

    #[test]
    fn default_section_inheritance_and_repetition() {
        let d = doc("[DEFAULT]\na = 1\nb = 2\n[options]\nb = 3\nc = 4\n[DEFAULT]\nd = 5\n");
        assert!(d.issues().is_empty(), "{:?}", d.issues());
        assert_eq!(d.sections(), vec!["options"]);
        assert_eq!(
            pairs(d.values("options")),
            p(&[("a", "1"), ("b", "3"), ("d", "5"), ("c", "4")])
        );
        assert_eq!(pairs(d.own_values("options")), p(&[("b", "3"), ("c", "4")]));
        assert_eq!(
            pairs(Some(d.defaults())),
            p(&[("a", "1"), ("b", "2"), ("d", "5")])
        );
        assert_eq!(
            pairs(d.values("DEFAULT")),
            p(&[("a", "1"), ("b", "2"), ("d", "5")])
        );
        assert!(d.values("missing").is_none());
        assert_eq!(
            d.source_entry("options", "a").map(|e| (e.line(), e.section())),
            Some((2, Some("DEFAULT")))
        );
        assert_eq!(d.source_entry("options", "b").map(|e| e.line()), Some(5));
        assert!(d.source_entry("missing", "a").is_none());
        // A key repeated across two DEFAULT blocks is a duplicate.
        let d = doc("[DEFAULT]\na = 1\n[DEFAULT]\nA = 2\n");
        assert_eq!(class(&d), Some((PyErrorClass::DuplicateOption, vec![4])));
    }

    #[test]
    fn a_section_continued_after_another_keeps_its_keys_in_python_order() {
        // The keys of [options] come from two blocks with [x] between them, and (with the unit tests'
        // 2-bit hashes) more keys than hash values: lookups go through collisions.
        let d = doc("[options]\nb = 1\na = 2\nd = 6\ne = 7\nf = 8\n[x]\nk = 0\n\
             [options]\nc = 3\nB = 4\n[x]\nm = 5\n");
        assert_eq!(
            pairs(d.values("options")),
            p(&[
                ("b", "4"),
                ("a", "2"),
                ("d", "6"),
                ("e", "7"),
                ("f", "8"),
                ("c", "3")
            ])
        );
        assert_eq!(pairs(d.values("x")), p(&[("k", "0"), ("m", "5")]));
        for (key, line) in [("b", 11), ("a", 3), ("d", 4), ("e", 5), ("f", 6), ("c", 10)] {
            assert_eq!(d.entry("options", key).map(|e| e.line()), Some(line), "{key}");
        }
        assert!(d.entry("options", "k").is_none() && d.entry("x", "a").is_none());
        assert_eq!(d.entry("x", "m").and_then(|e| e.section()), Some("x"));
        assert_eq!(d.sections(), vec!["options", "x"]);
        assert_eq!(d.header_lines("options"), vec![1, 9]);
        assert_eq!(d.header_lines("x"), vec![7, 12]);
        let lines = |s: &str| d.entries_in(s).iter().map(|e| e.line()).collect::<Vec<_>>();
        assert_eq!(lines("options"), vec![2, 3, 4, 5, 6, 10, 11]);
        assert_eq!(lines("x"), vec![8, 13]);
        let kinds: Vec<(usize, String)> = d.issues().iter().map(|i| (i.line, i.to_string())).collect();
        assert_eq!(kinds.len(), 3, "{kinds:?}");
        assert!(kinds[0].0 == 9 && kinds[0].1.contains("line 1"), "{kinds:?}");
        assert!(kinds[1].0 == 11 && kinds[1].1.contains("line 2"), "{kinds:?}");
        assert!(kinds[2].0 == 12 && kinds[2].1.contains("line 7"), "{kinds:?}");
    }

    #[test]
    fn sections_are_found_by_name_through_hash_collisions() {
        // Eight sections and (in the unit tests) four hash values.
        let names = ["a", "b", "c", "d", "e", "f", "g", "h"];
        let text: String = names.iter().map(|n| format!("[{n}]\nkey = {n}\n")).collect();
        let d = doc(&text);
        for (i, n) in names.iter().enumerate() {
            assert!(d.has_section(n));
            assert_eq!(d.header_lines(n), vec![2 * i + 1]);
            assert_eq!(pairs(d.values(n)), p(&[("key", n)]));
        }
        assert!(!d.has_section("i") && !d.has_section("A"));
    }

    #[test]
    fn duplicates_are_reported_and_later_values_win() {
        let d = doc("[options]\nworkers = 2\nWorkers = 4\n[options]\nx = 1\n");
        let kinds: Vec<(usize, &'static str)> = d.issues().iter().map(|i| (i.line, i.kind.id())).collect();
        assert_eq!(kinds, vec![(3, "duplicate-key"), (4, "duplicate-section")]);
        assert_eq!(class(&d), Some((PyErrorClass::DuplicateOption, vec![3])));
        assert_eq!(d.values("options").unwrap_or_default().get("workers"), Some("4"));
        let first = d.entries().next().expect("entry");
        assert!(!first.is_effective());
        assert!(d
            .entry("options", "workers")
            .is_some_and(|e| e.is_effective() && e.line() == 3));
        assert_eq!(d.header_lines("options"), vec![1, 4]);
        let msg = d.issues().first().map(|i| i.to_string()).unwrap_or_default();
        assert!(
            msg.contains("line 3") && msg.contains("line 2") && msg.contains("delete one"),
            "{msg}"
        );
    }

    #[test]
    fn error_precedence_follows_python() {
        // ParsingError is deferred: a later duplicate is raised instead.
        let d = doc("[s]\nbad\na = 1\na = 2\n");
        assert_eq!(class(&d), Some((PyErrorClass::DuplicateOption, vec![4])));
        let d = doc("[s]\nbad\n= 1\nworse\n");
        assert_eq!(class(&d), Some((PyErrorClass::Parsing, vec![2, 3, 4])));
        // Two empty keys in one section: the second is a duplicate ('' == '').
        let d = doc("[s]\n= 1\n: 2\n");
        assert_eq!(class(&d), Some((PyErrorClass::DuplicateOption, vec![3])));
        let d = doc("# c\n\nworkers = 4\n[options]\n");
        assert_eq!(class(&d), Some((PyErrorClass::MissingSectionHeader, vec![3])));
        assert_eq!(d.issues().len(), 1);
    }

    #[test]
    fn bom_and_unicode_whitespace() {
        let d = doc("\u{feff}[options]\nworkers = 4\n");
        assert_eq!(class(&d), Some((PyErrorClass::MissingSectionHeader, vec![1])));
        assert!(matches!(
            d.issues().first().map(|i| &i.kind),
            Some(IssueKind::MissingSectionHeader { bom: true })
        ));
        let d = doc("\u{a0}[options]\u{2003}\n\u{1c}workers\u{3000}=\u{85}4\u{2028}\n");
        assert!(d.issues().is_empty(), "{:?}", d.issues());
        assert_eq!(d.values("options").unwrap_or_default().get("workers"), Some("4"));
        // Vertical tab and form feed do not end lines for Python's file iteration.
        let d = doc("[s]\na = 1\u{0b}2\u{0c}\n");
        assert_eq!(d.values("s").unwrap_or_default().get("a"), Some("1\u{0b}2"));
        assert_eq!(d.line_count(), 2);
        // Zero-width space is not whitespace: it is part of the key.
        let d = doc("[s]\n\u{200b}a = 1\n");
        assert!(d.values("s").unwrap_or_default().contains_key("\u{200b}a"));
    }

    #[test]
    fn invalid_utf8_survives_and_is_reported() {
        let bytes = b"[options]\n; caf\xe9\nworkers = 4\n";
        let d = Document::parse(bytes);
        assert_eq!(d.render(), bytes.to_vec());
        assert_eq!(d.issues().len(), 1);
        assert_eq!(
            d.issues().first().map(|i| (i.line, i.kind.clone())),
            Some((2, IssueKind::InvalidUtf8))
        );
        assert_eq!(class(&d), Some((PyErrorClass::UnicodeDecode, vec![2])));
        assert_eq!(d.values("options").unwrap_or_default().get("workers"), Some("4"));
        assert!(d.as_str().is_none());
        assert!(d.to_string().contains('\u{fffd}'));
    }

    #[test]
    fn decode_error_in_a_later_chunk_loses_to_an_earlier_fatal_error() {
        let mut bytes = b"[s]\na = 1\na = 2\n".to_vec();
        bytes.extend(std::iter::repeat_n(b'#', 9000));
        bytes.extend(b"\n\xff\n");
        let d = Document::parse(&bytes);
        assert_eq!(class(&d), Some((PyErrorClass::DuplicateOption, vec![3])));
        let mut bytes = b"[s]\na = 1\na = 2\n\xff\n".to_vec();
        bytes.extend(std::iter::repeat_n(b'#', 9000));
        assert_eq!(
            class(&Document::parse(&bytes)).map(|c| c.0),
            Some(PyErrorClass::UnicodeDecode)
        );
    }

    #[test]
    fn incomplete_sequence_at_the_end_is_found_only_after_every_complete_line() {
        // `\xe9` could start a 3-byte sequence: the decoder waits for more, so line 1 is parsed first.
        let d = Document::parse(b"x = 1\n; caf\xe9");
        assert_eq!(class(&d), Some((PyErrorClass::MissingSectionHeader, vec![1])));
        // Followed by a newline it is invalid at once, before any line of the chunk is parsed.
        let d = Document::parse(b"x = 1\n; caf\xe9\n");
        assert_eq!(class(&d), Some((PyErrorClass::UnicodeDecode, vec![2])));
    }

    #[test]
    fn section_case_mismatch() {
        let d = doc("[Options]\nworkers = 4\n[ options ]\n");
        assert!(!d.has_section("options"));
        assert_eq!(d.section_case_mismatches("options"), vec![1, 3]);
        assert!(doc("[options]\n").section_case_mismatches("options").is_empty());
    }

    #[test]
    fn empty_and_whitespace_only_inputs() {
        for text in ["", "\n", "\r\n\r", "   ", "; only a comment"] {
            let d = doc(text);
            assert!(d.issues().is_empty(), "{text:?}");
            assert!(d.sections().is_empty());
            assert_eq!(d.render(), text.as_bytes());
        }
    }
}
