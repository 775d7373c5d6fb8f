//! Edits on a [`Document`] with `apply`'s placement rules, each returning what changed where.
//!
//! Owns: [`Document::set`], [`Document::set_many`] (and [`Document::set_many_taking_original`]),
//! [`Document::move_inline_comment`], [`Change`] and [`EditError`]. Must not: touch any line it does not
//! need to, or write anything Python would read differently from what was asked. Every edit is planned as
//! line replacements and insertions on the original bytes, re-parsed (into the old document's record
//! buffers), and verified (the new document loads, the edited keys read the requested values and every
//! other section, key and value is unchanged) before it replaces the document; when the check fails the
//! document is the one it was (its bytes are parsed again) and an error is returned.
//!
//! Placement of `set(section, key, value)`:
//! 1. an active `key` in `section` is updated in place: key spelling, case, delimiter and spacing kept;
//! 2. otherwise the last *canonical commented line* for the key in that section is uncommented in place —
//!    `;` or `#` at column 0, at most one space, the key, optional spaces, `=` or `:`, and a non-empty value
//!    that is a single token (no whitespace: `; workers: number of workers` is documentation, not a
//!    commented default) — unless the indented lines after it would become its continuation;
//! 3. otherwise a new line is added right after the last entry of the section (after the header when it
//!    has none), in the style of that entry and with the file's line endings;
//! 4. a missing section is created at the end of the file.
//!
//! A missing final newline stays missing: when a line is added after the last line, that line gets a
//! terminator and the new last line has none.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::document::{Document, EntryRef, Kind, LineEnding, Snapshot, DEFAULT_SECTION};
use super::issue::Issue;
use super::pychar;
use super::secret::{is_secret_key, mask_value};

/// Why an edit was refused. Messages name the line and say what to do; they never contain values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("the file cannot be edited safely because Odoo could not load it: {0}")]
    Unloadable(Issue),
    #[error(
        "line {line}: the value of `{key}` in [{section}] continues on line(s) {lines} (Odoo reads indented \
         lines as part of the value); unindent those lines if they are separate settings, or comment them \
         out with `;`, then try again",
        lines = join(.continuation)
    )]
    Continuation {
        section: String,
        key: String,
        line: usize,
        continuation: Vec<usize>,
    },
    #[error(
        "line {line}: `{key}` has a comment after its value, which Odoo reads as part of the value; move the \
         comment to its own line above (`apply --fix` does this for keys that are not secrets), then try again"
    )]
    InlineComment { key: String, line: usize },
    #[error(
        "line {line}: `{key}` holds a secret, so its inline comment is not moved automatically (it may be part \
         of the secret); edit the line by hand"
    )]
    SecretInlineComment { key: String, line: usize },
    #[error("line {line}: there is no comment after the value of `{key}` to move")]
    NoInlineComment { key: String, line: usize },
    #[error("line {line}: not a `key = value` line in a section; give the line number of the key")]
    NotAnEntry { line: usize },
    #[error("refusing to write `{key}`: the value {reason}")]
    InvalidValue { key: String, reason: &'static str },
    #[error("refusing to write the key `{key}`: it {reason}")]
    InvalidKey { key: String, reason: &'static str },
    #[error("refusing to write the section name `{section}`: it {reason}")]
    InvalidSection { section: String, reason: &'static str },
    #[error("`{key}` is given twice in one edit; give each key once")]
    DuplicateInput { key: String },
    #[error(
        "internal check failed, nothing was changed: {0}; please report this with the file (mask secrets)"
    )]
    Verification(String),
}

fn join(lines: &[usize]) -> String {
    lines.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", ")
}

/// What an edit did, with line numbers so callers can show a diff and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub section: String,
    /// The key (lower-case); empty for [`ChangeKind::SectionCreated`].
    pub key: String,
    pub kind: ChangeKind,
    /// 1-based line in the document before the edit; `None` for an inserted line.
    pub before: Option<usize>,
    /// 1-based line in the document after the edit (the key's line; the header for a new section).
    pub after: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    /// An active key got a new value in place.
    Updated { old_value: String, new_value: String },
    /// A commented default (`; workers = 0`) was uncommented with the new value.
    Uncommented { new_value: String },
    /// A new line; `after_line` is the line of the old document it follows (`None` at the very top or in a
    /// new section).
    Added {
        new_value: String,
        after_line: Option<usize>,
    },
    /// A new `[section]` header at the end of the file.
    SectionCreated,
    /// An inline comment moved to its own line, directly above the key (now at `after`).
    InlineCommentMoved { comment: String },
}

impl Change {
    /// True when the key is a secret: show values with [`mask_value`] (Display does).
    pub fn is_secret(&self) -> bool {
        is_secret_key(&self.key)
    }
}

impl fmt::Display for Change {
    /// A one-line description for people; secret values are masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = &self.key;
        let section = &self.section;
        match &self.kind {
            ChangeKind::Updated { old_value, new_value } => write!(
                f,
                "line {}: [{section}] {key} changed from `{}` to `{}`",
                self.after,
                mask_value(key, old_value),
                mask_value(key, new_value)
            ),
            ChangeKind::Uncommented { new_value } => write!(
                f,
                "line {}: [{section}] {key} = {} (uncommented the commented default on line {})",
                self.after,
                mask_value(key, new_value),
                self.before.unwrap_or(self.after)
            ),
            ChangeKind::Added { new_value, .. } => {
                write!(
                    f,
                    "line {}: [{section}] {key} = {} (added)",
                    self.after,
                    mask_value(key, new_value)
                )
            }
            ChangeKind::SectionCreated => write!(f, "line {}: added the section [{section}]", self.after),
            ChangeKind::InlineCommentMoved { comment } => write!(
                f,
                "line {}: moved the comment `{comment}` after the value of {key} to its own line above",
                self.before.unwrap_or(self.after)
            ),
        }
    }
}

/// A line to insert, and which change it belongs to (to report its new line number).
struct Insert {
    content: Vec<u8>,
    eol: LineEnding,
    change: Option<usize>,
}

/// Line-level edits against the original document.
#[derive(Default)]
struct Plan {
    /// Line index → new content (the original terminator is kept) and the change it belongs to.
    replace: BTreeMap<usize, (Vec<u8>, usize)>,
    /// Position (0..=line count; `i` = before line `i`) → lines to insert there, in order.
    insert: BTreeMap<usize, Vec<Insert>>,
    changes: Vec<Change>,
}

impl Plan {
    /// Renders the edited bytes, fills in every change's `after` line and returns the number of lines the
    /// result must have (checked after re-parsing, so reported line numbers are right).
    fn render(&mut self, doc: &Document) -> (Vec<u8>, usize) {
        let mut out = Vec::with_capacity(doc.src.len() + 256);
        let mut next_line = 1usize;
        let count = doc.lines.len();
        let mut pos = 0usize;
        while pos <= count {
            // Lines up to the next edit are copied in one piece: lines are contiguous in the source, each
            // with its terminator.
            let next_insert = self.insert.range(pos..).next().map_or(count, |(k, _)| *k);
            let next_replace = self.replace.range(pos..).next().map_or(count, |(k, _)| *k);
            let next = next_insert.min(next_replace).min(count);
            if next > pos {
                let start = doc.line_start(pos);
                let end = doc.lines.get(next - 1).map_or(start, |l| l.end());
                out.extend_from_slice(doc.src.get(start..end).unwrap_or_default());
                next_line += next - pos;
                pos = next;
                continue;
            }
            if let Some(inserts) = self.insert.get(&pos) {
                let at_end = pos == count;
                if at_end && count > 0 && doc.lines.last().is_some_and(|l| l.ending == LineEnding::None) {
                    // The old last line gets a terminator; the new last line goes without one.
                    out.extend_from_slice(inserts.first().map_or(LineEnding::Lf, |i| i.eol).as_bytes());
                }
                for (n, ins) in inserts.iter().enumerate() {
                    out.extend_from_slice(&ins.content);
                    let last_of_file = at_end && n + 1 == inserts.len();
                    let keep_missing = last_of_file && count > 0 && !doc.has_final_newline();
                    if !keep_missing {
                        out.extend_from_slice(ins.eol.as_bytes());
                    }
                    if let Some(c) = ins.change.and_then(|c| self.changes.get_mut(c)) {
                        c.after = next_line;
                    }
                    next_line += 1;
                }
            }
            let Some(line) = doc.lines.get(pos) else {
                pos += 1;
                continue;
            };
            match self.replace.get(&pos) {
                Some((content, change)) => {
                    out.extend_from_slice(content);
                    if let Some(c) = self.changes.get_mut(*change) {
                        c.after = next_line;
                    }
                }
                None => out.extend_from_slice(
                    doc.src
                        .get(doc.line_start(pos)..line.content_end())
                        .unwrap_or_default(),
                ),
            }
            out.extend_from_slice(line.ending.as_bytes());
            next_line += 1;
            pos += 1;
        }
        (out, next_line - 1)
    }
}

/// A canonical commented line: where its value is, relative to the line start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Canonical {
    /// Bytes of the comment prefix to drop (`;` or `#`, plus one optional space).
    prefix: usize,
    delim: usize,
    value_start: usize,
    value_end: usize,
}

/// The canonical commented line `content` and its key as written, when that key may be one of `keys`
/// (the caller compares the lower-cased key; a key that is none of them in any case is rejected early).
fn canonical_parts<'c>(content: &'c [u8], keys: &[&str]) -> Option<(Canonical, &'c str)> {
    let len = content.len();
    if !matches!(content.first(), Some(b';' | b'#')) {
        return None;
    }
    let prefix = if content.get(1) == Some(&b' ') { 2 } else { 1 };
    let first = *content.get(prefix)?;
    if pychar::space_len_at(content, prefix) > 0 || first == b';' || first == b'#' || first == b'[' {
        return None;
    }
    // The key begins here. An ASCII character lower-cases to an ASCII character (in Python too), so a key
    // beginning with one whose lower case begins none of `keys` is none of them. Most comment lines
    // (prose, other keys) end here, before the search for a delimiter.
    let lower_first = first.to_ascii_lowercase();
    if first.is_ascii() && !keys.iter().any(|k| k.as_bytes().first() == Some(&lower_first)) {
        return None;
    }
    let delim = prefix
        + content
            .get(prefix..)?
            .iter()
            .position(|&c| c == b'=' || c == b':')?;
    let key_end = pychar::rstrip(content, prefix, delim);
    let raw = content.get(prefix..key_end)?;
    // An ASCII key lower-cases to one of `keys` only if it equals it up to ASCII case: skip the rest.
    if raw.is_ascii() && !keys.iter().any(|k| raw.eq_ignore_ascii_case(k.as_bytes())) {
        return None;
    }
    let raw_key = std::str::from_utf8(raw).ok()?;
    let (value_start, value_end, _) = pychar::strip(content, delim + 1, len);
    let value = content.get(value_start..value_end)?;
    if value.is_empty() || (value_start..value_end).any(|i| pychar::space_len_at(content, i) > 0) {
        return None;
    }
    let canonical = Canonical {
        prefix,
        delim,
        value_start,
        value_end,
    };
    Some((canonical, raw_key))
}

fn validate_value(key: &str, value: &str) -> Result<(), EditError> {
    // Printable ASCII that neither starts nor ends with a space passes every check below.
    let plain = value.bytes().all(|b| (b' '..=b'~').contains(&b));
    if plain && !value.starts_with(' ') && !value.ends_with(' ') {
        return Ok(());
    }
    let reason = if value.contains(['\n', '\r']) {
        Some("contains a line break; Odoo would read the next line as a new line of the file")
    } else if value.contains([
        '\u{0b}', '\u{0c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}', '\u{2029}',
    ]) {
        Some("contains a line-separator character (U+000B, U+000C, U+001C–U+001E, U+0085, U+2028 or U+2029)")
    } else if pychar::strip_str(value).len() != value.len() {
        Some("starts or ends with whitespace, which Odoo strips when it reads the file")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(EditError::InvalidValue {
            key: key.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

fn validate_key(key: &str) -> Result<(), EditError> {
    // The usual option names (lower-case ASCII letters, digits, `_`, `.`, `-`) pass every check below.
    let plain = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-');
    if !key.is_empty() && key.bytes().all(plain) {
        return Ok(());
    }
    let reason = if key.is_empty() {
        Some("is empty")
    } else if pychar::lower(key) != key {
        Some("is not lower-case (Odoo lower-cases keys; pass the lower-case form)")
    } else if key.contains(['=', ':']) {
        Some("contains `=` or `:`, which end a key")
    } else if key.starts_with(['[', ';', '#']) {
        Some("starts with `[`, `;` or `#`, which would make it a section header or a comment")
    } else if pychar::strip_str(key).len() != key.len() {
        Some("starts or ends with whitespace")
    } else if key.contains(|c: char| c.is_control() || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')) {
        Some("contains a control or line-separator character")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(EditError::InvalidKey {
            key: key.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

fn validate_section(section: &str) -> Result<(), EditError> {
    let reason = if section.is_empty() {
        Some("is empty")
    } else if section.contains(|c: char| c.is_control() || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')) {
        Some("contains a control or line-separator character")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(EditError::InvalidSection {
            section: section.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Leading whitespace of `s` when it is plain spaces and tabs, else `fallback`.
fn plain_space<'a>(s: &'a [u8], fallback: &'a [u8]) -> &'a [u8] {
    if s.iter().all(|&b| b == b' ' || b == b'\t') {
        s
    } else {
        fallback
    }
}

impl Document {
    fn ensure_loadable(&self) -> Result<(), EditError> {
        let Some(err) = self.python_error() else {
            return Ok(());
        };
        let line = err.lines.first().copied().unwrap_or(0);
        let issue = self
            .issues()
            .iter()
            .find(|i| i.line == line && i.kind.python_class() == err.class)
            .or_else(|| self.issues().first())
            .cloned();
        match issue {
            Some(issue) => Err(EditError::Unloadable(issue)),
            None => Err(EditError::Verification(format!("Python would raise {err}"))),
        }
    }

    fn line_content(&self, idx: usize) -> &[u8] {
        self.lines
            .get(idx)
            .and_then(|l| self.src.get(self.line_start(idx)..l.content_end()))
            .unwrap_or_default()
    }

    /// Sets `key` to `value` in `section` with the placement rules of `apply` (see the module docs).
    /// Returns `None` when the key already has that value (so a second run changes nothing).
    pub fn set(&mut self, section: &str, key: &str, value: &str) -> Result<Option<Change>, EditError> {
        let mut changes = self.set_many(section, [(key, value)])?;
        Ok(changes.pop())
    }

    /// Sets several keys of one section in one edit: all are placed against the current document, applied
    /// together, and verified together; on any error nothing changes. Returns the changes in line order of
    /// the new document (keys whose value is already right produce none).
    pub fn set_many<I, K, V>(&mut self, section: &str, settings: I) -> Result<Vec<Change>, EditError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Ok(self.set_many_taking_original(section, settings)?.0)
    }

    /// [`Document::set_many`] that also returns the bytes the document had before the edit, taken over
    /// rather than copied (`None` when every key already had its value, and nothing changed): for a caller
    /// that needs them too (`apply`'s diff).
    pub fn set_many_taking_original<I, K, V>(
        &mut self,
        section: &str,
        settings: I,
    ) -> Result<(Vec<Change>, Option<Vec<u8>>), EditError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let given: Vec<(K, V)> = settings.into_iter().collect();
        let settings: Vec<(&str, &str)> = given.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect();
        let Some((mut plan, created)) = self.plan_many(section, &settings)? else {
            return Ok((Vec::new(), None));
        };
        let before = self.replace_planned(&mut plan, section, &settings, created)?;
        let mut changes = plan.changes;
        changes.sort_by_key(|c| c.after);
        Ok((changes, Some(before)))
    }

    /// Renders `plan` and replaces the document by the result when it has the planned number of lines and
    /// [`verify`] accepts it; returns the bytes before the edit. On an error nothing changes.
    fn replace_planned(
        &mut self,
        plan: &mut Plan,
        section: &str,
        expected: &[(&str, &str)],
        created: bool,
    ) -> Result<Vec<u8>, EditError> {
        let (bytes, lines) = plan.render(self);
        self.replace_checked(bytes, |before, after| {
            check_line_count(after, lines)?;
            verify(before, after, section, expected, created)
        })
    }

    /// The line edits that give the keys of `section` the values of `settings` (see the module docs),
    /// and whether they create the section; `None` when every key already has its value.
    fn plan_many(&self, section: &str, settings: &[(&str, &str)]) -> Result<Option<(Plan, bool)>, EditError> {
        self.ensure_loadable()?;
        validate_section(section)?;
        // Ordered, not hashed: a std hash set seeds itself from the kernel (a getrandom call) at first use.
        let mut seen = BTreeSet::new();
        for &(key, value) in settings {
            validate_key(key)?;
            validate_value(key, value)?;
            if !seen.insert(key) {
                return Err(EditError::DuplicateInput { key: key.to_string() });
            }
        }

        let mut plan = Plan::default();
        let mut added: Vec<(&str, &str)> = Vec::new();
        let sid = self.section_id(section);
        // Each key's active entry, with the section looked up once (the keys are lower-case: validated).
        let id_of = self.own_ids(section);
        let existing: Vec<Option<EntryRef<'_>>> = settings
            .iter()
            .map(|&(key, _)| self.entry_by_id(id_of.as_ref()?(key)?))
            .collect();
        // The commented defaults of the keys that have no active entry, found in one pass.
        let missing: Vec<&str> = settings
            .iter()
            .zip(&existing)
            .filter(|(_, entry)| entry.is_none())
            .map(|(&(key, _), _)| key)
            .collect();
        let mut canonicals = match sid {
            Some(sid) => self.find_canonicals(sid, &missing),
            None => Vec::new(),
        };
        let mut canonical_of = |key: &str| {
            let slot = missing.iter().position(|k| *k == key)?;
            canonicals.get_mut(slot).and_then(Option::take)
        };
        for (&(key, value), entry) in settings.iter().zip(existing) {
            if let Some(entry) = entry {
                if entry.has_continuation() {
                    return Err(EditError::Continuation {
                        section: section.to_string(),
                        key: key.to_string(),
                        line: entry.line(),
                        continuation: entry.continuation_lines(),
                    });
                }
                if entry.value() == value {
                    continue;
                }
                if entry.inline_comment().is_some() {
                    return Err(EditError::InlineComment {
                        key: key.to_string(),
                        line: entry.line(),
                    });
                }
                let idx = entry.line().saturating_sub(1);
                let content = self.updated_entry_line(idx, value);
                plan.replace.insert(idx, (content, plan.changes.len()));
                plan.changes.push(Change {
                    section: section.to_string(),
                    key: key.to_string(),
                    kind: ChangeKind::Updated {
                        old_value: entry.value().to_string(),
                        new_value: value.to_string(),
                    },
                    before: Some(idx + 1),
                    after: 0,
                });
            } else if let Some((idx, canonical)) = canonical_of(key) {
                let content = self.line_content(idx);
                let mut new = Vec::with_capacity(content.len() + value.len());
                let body = |from: usize, to: usize| content.get(from..to).unwrap_or_default();
                if value.is_empty() {
                    new.extend_from_slice(body(canonical.prefix, canonical.delim + 1));
                } else {
                    new.extend_from_slice(body(canonical.prefix, canonical.value_start));
                    new.extend_from_slice(value.as_bytes());
                }
                new.extend_from_slice(body(canonical.value_end, content.len()));
                plan.replace.insert(idx, (new, plan.changes.len()));
                plan.changes.push(Change {
                    section: section.to_string(),
                    key: key.to_string(),
                    kind: ChangeKind::Uncommented {
                        new_value: value.to_string(),
                    },
                    before: Some(idx + 1),
                    after: 0,
                });
            } else {
                added.push((key, value));
            }
        }
        let created = !added.is_empty() && sid.is_none();
        if !added.is_empty() {
            match sid {
                Some(sid) => self.plan_additions(&mut plan, sid, section, &added),
                None => self.plan_new_section(&mut plan, section, &added),
            }
        }
        Ok((!plan.changes.is_empty()).then_some((plan, created)))
    }

    /// The entry line `idx` with its value replaced, everything else on the line kept.
    fn updated_entry_line(&self, idx: usize, value: &str) -> Vec<u8> {
        let Some(Kind::Entry(e)) = self.lines.get(idx).map(|l| l.kind) else {
            return Vec::new();
        };
        let (Some(line), Some(entry)) = (self.lines.get(idx), self.entries.get(e as usize)) else {
            return Vec::new();
        };
        let start = self.line_start(idx);
        let at = |abs: usize| self.src.get(start..abs).unwrap_or_default();
        let rest = |abs: usize| self.src.get(abs..line.content_end()).unwrap_or_default();
        let mut out = Vec::with_capacity(line.content_end().saturating_sub(start) + value.len());
        if entry.value_start() == entry.value_end() {
            // `key =` or `key = ` (trailing spaces are the separator): add a space in the file's style.
            out.extend_from_slice(at(entry.delim() + 1));
            if !value.is_empty() {
                let after = self
                    .src
                    .get(entry.delim() + 1..line.content_end())
                    .unwrap_or_default();
                let before = self.src.get(entry.key_end()..entry.delim()).unwrap_or_default();
                let sep: &[u8] = if !after.is_empty() {
                    after
                } else if !before.is_empty() {
                    b" "
                } else {
                    b""
                };
                out.extend_from_slice(sep);
                out.extend_from_slice(value.as_bytes());
            }
        } else if value.is_empty() {
            out.extend_from_slice(at(entry.delim() + 1));
            out.extend_from_slice(rest(entry.value_end()));
        } else {
            out.extend_from_slice(at(entry.value_start()));
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(rest(entry.value_end()));
        }
        out
    }

    /// For each of `keys`, the last canonical commented line for it in section `sid` that is safe to
    /// uncomment: one pass over the lines for all keys (each line names one key).
    fn find_canonicals(&self, sid: usize, keys: &[&str]) -> Vec<Option<(usize, Canonical)>> {
        let mut found: Vec<Option<(usize, Canonical)>> = vec![None; keys.len()];
        if keys.is_empty() {
            return found;
        }
        for (idx, line) in self.lines.iter().enumerate() {
            if line.section() != Some(sid)
                || line.kind != Kind::Comment
                || line.text_start() != self.line_start(idx)
            {
                continue;
            }
            let Some((canonical, raw_key)) = canonical_parts(self.line_content(idx), keys) else {
                continue;
            };
            let lowered = pychar::lower(raw_key);
            let Some(slot) = keys.iter().position(|k| *k == lowered) else {
                continue;
            };
            if self.uncomment_is_safe(idx) {
                if let Some(f) = found.get_mut(slot) {
                    *f = Some((idx, canonical));
                }
            }
        }
        found
    }

    /// Uncommenting line `idx` puts a statement at column 0: every following indented line up to the next
    /// statement (blank and comment lines do not count) would become its continuation.
    fn uncomment_is_safe(&self, idx: usize) -> bool {
        for (next, line) in self.lines.iter().enumerate().skip(idx + 1) {
            match line.kind {
                Kind::Blank(_) | Kind::Comment => continue,
                _ => return self.line_indent(next) == 0,
            }
        }
        true
    }

    /// Plans new lines after the last entry of an existing section (after its header when it has none).
    fn plan_additions(&self, plan: &mut Plan, sid: usize, section: &str, added: &[(&str, &str)]) {
        let Some(sec) = self.sections.get(sid) else { return };
        // Entries are in file order: the section's last is the last one that records it.
        let last_entry = self.entries.iter().rev().find(|e| e.section() == Some(sid));
        let (anchor, style_line) = match last_entry {
            Some(e) => (e.last_line(), Some(e)),
            None => (sec.last_header(), None),
        };
        let pos = anchor + 1;
        // Indentation: the anchor entry's (so nothing after it changes meaning), deepened to the next
        // statement's when that one is indented further (it would otherwise continue the new value).
        let indentation = |idx: usize| {
            let text_start = self.lines.get(idx).map_or(0, |l| l.text_start());
            self.src.get(self.line_start(idx)..text_start).unwrap_or_default()
        };
        let mut indent: &[u8] = style_line.map_or(b"", |e| indentation(e.line()));
        let indent_chars = style_line.map_or(0, |e| self.line_indent(e.line()));
        if let Some(next) = (pos..self.lines.len()).find(|&i| {
            self.lines
                .get(i)
                .is_some_and(|l| !matches!(l.kind, Kind::Blank(_) | Kind::Comment))
        }) {
            if self.line_indent(next) > indent_chars {
                indent = indentation(next);
            }
        }
        let (before, delim, after): (&[u8], &[u8], &[u8]) = match style_line {
            Some(e) if e.value_start() < e.value_end() => (
                plain_space(self.src.get(e.key_end()..e.delim()).unwrap_or_default(), b" "),
                self.src.get(e.delim()..e.delim() + 1).unwrap_or(b"="),
                plain_space(
                    self.src.get(e.delim() + 1..e.value_start()).unwrap_or_default(),
                    b" ",
                ),
            ),
            _ => (b" ", b"=", b" "),
        };
        let eol = match self.lines.get(anchor).map(|l| l.ending) {
            Some(LineEnding::None) | None => self.line_ending(),
            Some(ending) => ending,
        };
        let list = plan.insert.entry(pos).or_default();
        for (key, value) in added {
            let mut content = Vec::with_capacity(indent.len() + key.len() + value.len() + 3);
            content.extend_from_slice(indent);
            content.extend_from_slice(key.as_bytes());
            content.extend_from_slice(before);
            content.extend_from_slice(delim);
            if !value.is_empty() {
                content.extend_from_slice(after);
                content.extend_from_slice(value.as_bytes());
            }
            list.push(Insert {
                content,
                eol,
                change: Some(plan.changes.len()),
            });
            plan.changes.push(Change {
                section: section.to_string(),
                key: key.to_string(),
                kind: ChangeKind::Added {
                    new_value: value.to_string(),
                    after_line: Some(anchor + 1),
                },
                before: None,
                after: 0,
            });
        }
    }

    /// Plans a new `[section]` with the keys at the end of the file, after a blank line.
    fn plan_new_section(&self, plan: &mut Plan, section: &str, added: &[(&str, &str)]) {
        // The last line's own ending: after a lone CR, an empty line ending in LF would merge into CRLF.
        let eol = match self.lines.last().map(|l| l.ending) {
            Some(LineEnding::None) | None => self.line_ending(),
            Some(ending) => ending,
        };
        let pos = self.lines.len();
        let list = plan.insert.entry(pos).or_default();
        if self.lines.last().is_some_and(|l| l.text_start() != l.text_end()) {
            list.push(Insert {
                content: Vec::new(),
                eol,
                change: None,
            });
        }
        list.push(Insert {
            content: format!("[{section}]").into_bytes(),
            eol,
            change: Some(plan.changes.len()),
        });
        plan.changes.push(Change {
            section: section.to_string(),
            key: String::new(),
            kind: ChangeKind::SectionCreated,
            before: None,
            after: 0,
        });
        for (key, value) in added {
            let content = if value.is_empty() {
                format!("{key} =")
            } else {
                format!("{key} = {value}")
            };
            list.push(Insert {
                content: content.into_bytes(),
                eol,
                change: Some(plan.changes.len()),
            });
            plan.changes.push(Change {
                section: section.to_string(),
                key: key.to_string(),
                kind: ChangeKind::Added {
                    new_value: value.to_string(),
                    after_line: None,
                },
                before: None,
                after: 0,
            });
        }
    }

    /// Moves the comment after the value on line `line` (1-based, the key's line) to its own line directly
    /// above, at the key's indentation, text unchanged: `workers = 4 ; four` becomes `; four` then
    /// `workers = 4`. Refused for secret keys (the "comment" may be part of the secret) and for values that
    /// continue on indented lines.
    pub fn move_inline_comment(&mut self, line: usize) -> Result<Change, EditError> {
        self.ensure_loadable()?;
        let idx = line.checked_sub(1).ok_or(EditError::NotAnEntry { line })?;
        let Some(Kind::Entry(e)) = self.lines.get(idx).map(|l| l.kind) else {
            return Err(EditError::NotAnEntry { line });
        };
        let entry = super::document::EntryRef::new(self, e as usize);
        let (Some(section), Some(l)) = (entry.section(), self.lines.get(idx)) else {
            return Err(EditError::NotAnEntry { line });
        };
        let key = entry.key().to_string();
        if entry.is_secret() {
            return Err(EditError::SecretInlineComment { key, line });
        }
        if entry.has_continuation() {
            return Err(EditError::Continuation {
                section: section.to_string(),
                key,
                line,
                continuation: entry.continuation_lines(),
            });
        }
        let Some(comment) = entry.inline_comment() else {
            return Err(EditError::NoInlineComment { key, line });
        };
        let new_value = comment.value.to_string();
        let section = section.to_string();
        let mut plan = Plan::default();
        let start = self.line_start(idx);
        let mut comment_line = self.src.get(start..l.text_start()).unwrap_or_default().to_vec();
        comment_line.extend_from_slice(
            self.src
                .get(comment.comment_start..l.content_end())
                .unwrap_or_default(),
        );
        let eol = if l.ending == LineEnding::None {
            self.line_ending()
        } else {
            l.ending
        };
        plan.insert.entry(idx).or_default().push(Insert {
            content: comment_line,
            eol,
            change: None,
        });
        let entry_line = self
            .src
            .get(start..comment.value_end)
            .unwrap_or_default()
            .to_vec();
        plan.replace.insert(idx, (entry_line, 0));
        plan.changes.push(Change {
            section: section.clone(),
            key: key.clone(),
            kind: ChangeKind::InlineCommentMoved {
                comment: comment.comment.to_string(),
            },
            before: Some(line),
            after: 0,
        });
        self.replace_planned(&mut plan, &section, &[(key.as_str(), new_value.as_str())], false)?;
        plan.changes
            .pop()
            .ok_or_else(|| EditError::Verification("no change recorded".to_string()))
    }
}

fn check_line_count(edited: &Document, expected: usize) -> Result<(), EditError> {
    if edited.line_count() == expected {
        Ok(())
    } else {
        Err(EditError::Verification(format!(
            "the edited file has {} lines instead of {expected} (line endings merged)",
            edited.line_count()
        )))
    }
}

/// The value the edit gives `key`, if it sets it.
fn value_in<'a>(expected: &[(&str, &'a str)], key: &str) -> Option<&'a str> {
    expected.iter().find(|(k, _)| *k == key).map(|&(_, v)| v)
}

/// The common case of the edited section, shown in one walk without key lookups: `after` reads
/// `before`'s keys in their order, each with the edit's value or else its old one, and among them exactly
/// the edit's keys that `before` lacks, with the edit's values. `false` only means "not shown this way":
/// the comparison as maps decides (and names what differs).
fn same_in_order(
    before: &[(&str, &str)],
    after: &Document,
    section: &str,
    expected: &[(&str, &str)],
) -> bool {
    let edit_value = |k: &str| value_in(expected, k);
    let mut old = before.iter().peekable();
    // Edited keys met among `before`'s, and keys met that are not `before`'s next one.
    let (mut kept, mut new) = (0, 0);
    for (k, v) in after.own_pairs(section) {
        match old.next_if(|&&(old_key, _)| old_key == k) {
            Some(&(_, old_value)) => {
                let edit = edit_value(k);
                kept += usize::from(edit.is_some());
                if edit.unwrap_or(old_value) != v {
                    return false;
                }
            }
            // A key `before` has elsewhere is never met in order afterwards: `old` is then not used up.
            None if edit_value(k) == Some(v) => new += 1,
            None => return false,
        }
    }
    old.next().is_none() && kept + new == expected.len()
}

/// Checks that `after` loads, that `section` holds the `expected` values and that every other section, key
/// and value (including `[DEFAULT]`) reads exactly as `before` (the document before the edit) did.
fn verify(
    before: &Snapshot<'_>,
    after: &Document,
    section: &str,
    expected: &[(&str, &str)],
    created: bool,
) -> Result<(), EditError> {
    if let Some(err) = after.python_error() {
        return Err(EditError::Verification(format!(
            "the edited file would raise {err}"
        )));
    }
    let mut sections: Vec<&str> = before.names();
    let created_section = created && section != DEFAULT_SECTION;
    if created_section {
        sections.push(section);
    }
    if after.sections() != sections {
        return Err(EditError::Verification(
            "the edit would change the list of sections".to_string(),
        ));
    }
    // Every section with its keys before the edit; a section the edit creates, and `[DEFAULT]` when
    // there was none, had no keys.
    let no_default = !before.sections().any(|(name, _)| name == DEFAULT_SECTION);
    let none: &[(&str, &str)] = &[];
    let unseen = [(created_section, section), (no_default, DEFAULT_SECTION)]
        .into_iter()
        .filter_map(|(absent, name)| absent.then_some((name, none)));
    for (name, own) in before.sections().chain(unseen) {
        if name == section {
            verify_edited(own, after, section, expected)?;
        } else if !own.iter().copied().eq(after.own_pairs(name)) {
            return Err(EditError::Verification(format!(
                "the edit would change values in [{name}]"
            )));
        }
    }
    Ok(())
}

/// The part of [`verify`] for the edited section, whose keys were `before`.
fn verify_edited(
    before: &[(&str, &str)],
    after: &Document,
    section: &str,
    expected: &[(&str, &str)],
) -> Result<(), EditError> {
    if same_in_order(before, after, section, expected) {
        return Ok(());
    }
    // Compared as maps: every key Python reads after the edit has the edit's value, else the value it had
    // before, and no key is missing. A section's keys are unique, and so are the edit's (checked by
    // set_many).
    let edit_value = |k: &str| value_in(expected, k);
    let before_values: BTreeMap<&str, &str> = before.iter().copied().collect();
    let before_value = |k: &str| before_values.get(k).copied();
    let want = |k: &str| edit_value(k).or_else(|| before_value(k));
    let mut differ: BTreeSet<&str> = BTreeSet::new();
    let mut read = 0;
    for (k, v) in after.own_pairs(section) {
        read += 1;
        if want(k) != Some(v) {
            differ.insert(k);
        }
    }
    let added = expected.iter().filter(|(k, _)| before_value(k).is_none()).count();
    if !differ.is_empty() || read != before.len() + added {
        // Some key may be gone too (an extra key and a missing one keep the count): name them.
        let after_lookup = after.own_lookup(section);
        let gone = before
            .iter()
            .chain(expected)
            .map(|&(k, _)| k)
            .filter(|k| after_lookup.as_ref().and_then(|get| get(k)).is_none());
        differ.extend(gone);
    }
    if differ.is_empty() {
        return Ok(());
    }
    Err(EditError::Verification(format!(
        "after the edit Python would read other values in [{section}] for: {}",
        differ
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `verify` of `after` against `before` with the edit `expected` in [options].
    /// `verify` of `after` against `before` with the edit `expected` in [options], as edits run it: the
    /// document `before` is replaced only when the check accepts `after`, and is left as it was otherwise.
    fn verified(before: &str, after: &str, expected: &[(&str, &str)]) -> Result<(), String> {
        verified_in("options", false, before, after, expected)
    }

    /// [`verified`] of an edit of `section`, which creates it when `created`.
    fn verified_in(
        section: &str,
        created: bool,
        before: &str,
        after: &str,
        expected: &[(&str, &str)],
    ) -> Result<(), String> {
        let mut doc = Document::parse(before.as_bytes());
        let result = doc.replace_checked(after.as_bytes().to_vec(), |b, a| {
            verify(b, a, section, expected, created)
        });
        let now = if result.is_ok() { after } else { before };
        assert_eq!(doc.as_str(), Some(now), "the document after the check");
        assert_eq!(
            doc,
            Document::parse(now.as_bytes()),
            "every record as parsed from the bytes"
        );
        match result {
            Ok(old) => {
                assert_eq!(old, before.as_bytes(), "the bytes before the edit are returned");
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn verification_accepts_exactly_the_intended_values() {
        let before = "[options]\nworkers = 2\nlog_level = info\n[x]\na = 1\n";
        let after = "[options]\nworkers = 4\nlog_level = info\nmax_cron_threads = 1\n[x]\na = 1\n";
        let edit = [("workers", "4"), ("max_cron_threads", "1")];
        assert_eq!(verified(before, after, &edit), Ok(()));
        // Keys in another order are the same map.
        let reordered = "[options]\nlog_level = info\nmax_cron_threads = 1\nworkers = 4\n[x]\na = 1\n";
        assert_eq!(verified(before, reordered, &edit), Ok(()));
    }

    #[test]
    fn verification_names_what_python_would_read_differently() {
        let before = "[options]\nworkers = 2\nlog_level = info\n[x]\na = 1\n";
        let edit = [("workers", "4"), ("max_cron_threads", "1")];
        let cases = [
            // A wrong value for an edited key.
            (
                "[options]\nworkers = 5\nlog_level = info\nmax_cron_threads = 1\n[x]\na = 1\n",
                "`workers`",
            ),
            // An untouched key lost.
            (
                "[options]\nworkers = 4\nmax_cron_threads = 1\n[x]\na = 1\n",
                "`log_level`",
            ),
            // An untouched key changed.
            (
                "[options]\nworkers = 4\nlog_level = debug\nmax_cron_threads = 1\n[x]\na = 1\n",
                "`log_level`",
            ),
            // A new key never written.
            (
                "[options]\nworkers = 4\nlog_level = info\n[x]\na = 1\n",
                "`max_cron_threads`",
            ),
            // A key nobody asked for, and one missing: the count is the same, both are named.
            (
                "[options]\nworkers = 4\nmax_cron_threads = 1\nbogus = 1\n[x]\na = 1\n",
                "`bogus`, `log_level`",
            ),
            // A key nobody asked for in place of a new key: the count is the same too.
            (
                "[options]\nworkers = 4\nlog_level = info\nbogus = 1\n[x]\na = 1\n",
                "`bogus`, `max_cron_threads`",
            ),
        ];
        for (after, named) in cases {
            let err = verified(before, after, &edit).expect_err(after);
            assert!(
                err.contains(&format!("[options] for: {named};")),
                "{after:?}: {err}"
            );
        }
        let other = verified(
            before,
            "[options]\nworkers = 4\nlog_level = info\nmax_cron_threads = 1\n[x]\na = 2\n",
            &edit,
        );
        assert!(other.is_err_and(|e| e.contains("change values in [x]")));
        let sections = verified(
            before,
            "[options]\nworkers = 4\nlog_level = info\nmax_cron_threads = 1\n",
            &edit,
        );
        assert!(sections.is_err_and(|e| e.contains("list of sections")));
    }

    /// A section the edit creates, and a `[DEFAULT]` the file did not have, are checked against no keys.
    #[test]
    fn verification_checks_sections_the_file_did_not_have() {
        let before = "[x]\na = 1\n";
        let edit = [("workers", "4")];
        let created = |after: &str| verified_in("options", true, before, after, &edit);
        assert_eq!(created("[x]\na = 1\n\n[options]\nworkers = 4\n"), Ok(()));
        let wrong = created("[x]\na = 1\n\n[options]\nworkers = 5\n");
        assert!(wrong.is_err_and(|e| e.contains("[options] for: `workers`")));
        let extra = created("[x]\na = 1\n\n[options]\nworkers = 4\nbogus = 1\n");
        assert!(extra.is_err_and(|e| e.contains("[options] for: `bogus`")));
        // `[DEFAULT]` keys appearing in an edit of another section.
        let default = verified(
            "[options]\nworkers = 2\n",
            "[DEFAULT]\nx = 1\n[options]\nworkers = 4\n",
            &edit,
        );
        assert!(default.is_err_and(|e| e.contains("change values in [DEFAULT]")));
        // An edit of `[DEFAULT]` that creates it.
        let new_default =
            |after: &str| verified_in(DEFAULT_SECTION, true, "[options]\nworkers = 2\n", after, &edit);
        assert_eq!(
            new_default("[options]\nworkers = 2\n\n[DEFAULT]\nworkers = 4\n"),
            Ok(())
        );
        let wrong_default = new_default("[options]\nworkers = 2\n\n[DEFAULT]\nworkers = 5\n");
        assert!(wrong_default.is_err_and(|e| e.contains("[DEFAULT] for: `workers`")));
    }

    /// `canonical_parts` without its early rejection of lines that cannot begin with one of the keys.
    fn canonical_parts_by_definition<'c>(content: &'c [u8], keys: &[&str]) -> Option<(Canonical, &'c str)> {
        let prefix = match content {
            [b';' | b'#', b' ', ..] => 2,
            [b';' | b'#', ..] => 1,
            _ => return None,
        };
        let first = *content.get(prefix)?;
        if pychar::space_len_at(content, prefix) > 0 || matches!(first, b';' | b'#' | b'[') {
            return None;
        }
        let delim = prefix
            + content
                .get(prefix..)?
                .iter()
                .position(|&c| c == b'=' || c == b':')?;
        let raw_key =
            std::str::from_utf8(content.get(prefix..pychar::rstrip(content, prefix, delim))?).ok()?;
        let (value_start, value_end, _) = pychar::strip(content, delim + 1, content.len());
        let value = content.get(value_start..value_end)?;
        if value.is_empty() || (value_start..value_end).any(|i| pychar::space_len_at(content, i) > 0) {
            return None;
        }
        // The caller keeps the line only when the lower-cased key is one of `keys`.
        keys.contains(&pychar::lower(raw_key).as_ref()).then_some((
            Canonical {
                prefix,
                delim,
                value_start,
                value_end,
            },
            raw_key,
        ))
    }

    proptest::proptest! {
        /// The early rejection only drops lines whose key is none of the keys (Unicode case included:
        /// the Kelvin sign lower-cases to `k`, also as the first character).
        #[test]
        fn canonical_lines_are_found_as_defined(
            prefix in proptest::sample::select(vec!["", ";", "#", "; ", "#  ", ";;", "; ["]),
            key in proptest::sample::select(vec![
                "workers", "WORKERS", "wor\u{212A}ers", "work", "Work", "worker", "workers_x", "wörk", "other",
                "", " workers", "workers two", "keep", "\u{212A}eep", "KEEP",
            ]),
            space in proptest::sample::select(vec!["", " ", "\t", " \u{a0}"]),
            delim in proptest::sample::select(vec!["", "=", ":", " = "]),
            value in proptest::sample::select(vec!["", "4", "4 ", "4 4", "\u{e9}", " x"]),
        ) {
            let line = format!("{prefix}{key}{space}{delim}{value}");
            let keys = ["workers", "work", "keep"];
            let found = canonical_parts(line.as_bytes(), &keys)
                .filter(|(_, raw)| keys.contains(&pychar::lower(raw).as_ref()));
            let expected = canonical_parts_by_definition(line.as_bytes(), &keys);
            proptest::prop_assert_eq!(found, expected, "{:?}", line);
        }
    }

    #[test]
    fn edits_parse_into_the_old_records_without_growing_them() {
        let mut text = String::from("[options]\nworkers = 2\n");
        // Lines of ~30 bytes, as in real files: the line buffer is sized exactly by its guess.
        for i in 0..2000 {
            text.push_str(&format!(
                "; the comment number {i:05}\nkey_{i:05} = a value, {i:05}\n"
            ));
        }
        let mut d = Document::parse(text.as_bytes());
        let lines = (d.lines.as_ptr(), d.lines.capacity());
        assert_eq!(lines.1, text.len() / 24 + 1, "the guess, not grown");
        let entries = (d.entries.as_ptr(), d.entries.capacity());
        // 115 more bytes: the buffers' size guess from the length (a line per 24 bytes) grows by 4 or 5.
        let path = "/mnt/extra-addons/".repeat(5) + &"x".repeat(10);
        let changes = d.set_many("options", [("workers", "4"), ("addons_path", &path)]);
        assert_eq!(changes.map(|c| c.len()), Ok(2));
        assert_eq!(d.as_bytes().len(), text.len() + 115);
        assert_eq!(d.line_count(), 4003, "one line added");
        // The same buffers, neither moved nor grown for the few more records the edit brings.
        assert_eq!((d.lines.as_ptr(), d.lines.capacity()), lines);
        assert_eq!((d.entries.as_ptr(), d.entries.capacity()), entries);
    }

    fn edit(text: &str, settings: &[(&str, &str)]) -> (String, Vec<Change>) {
        let mut d = Document::parse(text.as_bytes());
        let changes = d
            .set_many("options", settings.iter().copied())
            .unwrap_or_else(|e| panic!("{e}"));
        (String::from_utf8(d.render()).unwrap_or_default(), changes)
    }

    fn set_err(text: &str, key: &str, value: &str) -> EditError {
        let mut d = Document::parse(text.as_bytes());
        match d.set("options", key, value) {
            Err(e) => {
                assert_eq!(
                    d.render(),
                    text.as_bytes(),
                    "a refused edit leaves the document untouched"
                );
                e
            }
            Ok(c) => panic!("expected an error, got {c:?}"),
        }
    }

    #[test]
    fn updates_an_active_key_in_place_keeping_its_style() {
        let (out, changes) = edit("[options]\nWorkers:4\nx = 1\n", &[("workers", "8")]);
        assert_eq!(out, "[options]\nWorkers:8\nx = 1\n");
        assert_eq!(changes.len(), 1);
        let c = &changes[0];
        assert_eq!((c.before, c.after), (Some(2), 2));
        assert_eq!(
            c.kind,
            ChangeKind::Updated {
                old_value: "4".into(),
                new_value: "8".into()
            }
        );
        let (out, _) = edit("[options]\n  workers   =   4   \r\n", &[("workers", "16")]);
        assert_eq!(out, "[options]\n  workers   =   16   \r\n");
    }

    #[test]
    fn empty_values_get_a_separator_in_the_files_style() {
        assert_eq!(
            edit("[options]\nworkers =\n", &[("workers", "2")]).0,
            "[options]\nworkers = 2\n"
        );
        assert_eq!(
            edit("[options]\nworkers=\n", &[("workers", "2")]).0,
            "[options]\nworkers=2\n"
        );
        assert_eq!(
            edit("[options]\nworkers = \n", &[("workers", "2")]).0,
            "[options]\nworkers = 2\n"
        );
        assert_eq!(
            edit("[options]\nworkers = 2\n", &[("workers", "")]).0,
            "[options]\nworkers =\n"
        );
    }

    #[test]
    fn unchanged_value_is_a_no_op() {
        let text = "[options]\nworkers = 4\n";
        let (out, changes) = edit(text, &[("workers", "4")]);
        assert_eq!(out, text);
        assert!(changes.is_empty());
    }

    #[test]
    fn uncomments_the_last_canonical_commented_line() {
        let text = "[options]\naddons_path = /a\n; workers: number of workers\n; workers = 0\n;workers=1\n\
                    # workers = 2\n;  workers = 3\n; workers: several words here\n";
        let (out, changes) = edit(text, &[("workers", "4")]);
        assert_eq!(
            out,
            "[options]\naddons_path = /a\n; workers: number of workers\n; workers = 0\n;workers=1\n\
             workers = 4\n;  workers = 3\n; workers: several words here\n"
        );
        assert_eq!(
            changes[0].kind,
            ChangeKind::Uncommented {
                new_value: "4".into()
            }
        );
        assert_eq!((changes[0].before, changes[0].after), (Some(6), 6));
    }

    #[test]
    fn headings_and_indented_examples_are_never_uncommented() {
        let text =
            "[options]\naddons_path = /a\n; workers:\n    ; workers = 4\n ; workers = 2\n;; workers = 1\n";
        let (out, changes) = edit(text, &[("workers", "3")]);
        assert_eq!(out, "[options]\naddons_path = /a\nworkers = 3\n; workers:\n    ; workers = 4\n ; workers = 2\n;; workers = 1\n");
        assert_eq!(
            changes[0].kind,
            ChangeKind::Added {
                new_value: "3".into(),
                after_line: Some(2)
            }
        );
        assert_eq!((changes[0].before, changes[0].after), (None, 3));
    }

    #[test]
    fn never_uncomments_into_a_continuation() {
        // `    /b` continues addons_path across the comment; uncommenting would make it workers' value.
        let text = "[options]\naddons_path = /a\n; workers = 0\n    /b\n";
        let mut d = Document::parse(text.as_bytes());
        assert!(d.is_loadable(), "{:?}", d.issues());
        let change = d.set("options", "workers", "2").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(change.map(|c| c.kind), Some(ChangeKind::Added { .. })));
        assert_eq!(
            d.as_str(),
            Some("[options]\naddons_path = /a\n; workers = 0\n    /b\nworkers = 2\n")
        );
        let v = d.values("options").unwrap_or_default();
        assert_eq!(
            (v.get("workers"), v.get("addons_path")),
            (Some("2"), Some("/a\n/b"))
        );
        // An earlier safe canonical line is used instead of the unsafe last one.
        let text = "[options]\naddons_path = /a\n; workers = 1\nx = 2\n; workers = 0\n    /b\n";
        let mut d = Document::parse(text.as_bytes());
        let change = d.set("options", "workers", "5").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(change.map(|c| (c.before, c.after)), Some((Some(3), 3)));
        assert_eq!(
            d.as_str(),
            Some("[options]\naddons_path = /a\nworkers = 5\nx = 2\n; workers = 0\n    /b\n")
        );
    }

    #[test]
    fn adds_after_the_last_entry_with_the_files_line_endings() {
        let text =
            "[options]\r\naddons_path=/a\r\n\r\n; trailing doc\r\n[queue_job]\r\nchannels = root:2\r\n";
        let (out, changes) = edit(text, &[("workers", "4"), ("max_cron_threads", "1")]);
        assert_eq!(
            out,
            "[options]\r\naddons_path=/a\r\nworkers=4\r\nmax_cron_threads=1\r\n\r\n; trailing doc\r\n\
             [queue_job]\r\nchannels = root:2\r\n"
        );
        let afters: Vec<usize> = changes.iter().map(|c| c.after).collect();
        assert_eq!(afters, vec![3, 4]);
    }

    #[test]
    fn adds_after_continuation_lines_and_after_a_bare_header() {
        let text = "[options]\naddons_path = /a,\n    /b\nlast = 1\n    more\n";
        let (out, _) = edit(text, &[("workers", "4")]);
        assert_eq!(
            out,
            "[options]\naddons_path = /a,\n    /b\nlast = 1\n    more\nworkers = 4\n"
        );
        let (out, _) = edit("[options]\n; doc\n", &[("workers", "4")]);
        assert_eq!(out, "[options]\nworkers = 4\n; doc\n");
    }

    #[test]
    fn missing_final_newline_stays_missing() {
        let (out, _) = edit("[options]\nx = 1", &[("workers", "4")]);
        assert_eq!(out, "[options]\nx = 1\nworkers = 4");
        let (out, _) = edit("[options]\r\nx = 1", &[("workers", "4")]);
        assert_eq!(out, "[options]\r\nx = 1\r\nworkers = 4");
        let (out, _) = edit("[options]\nx = 1\n; workers = 0", &[("workers", "4")]);
        assert_eq!(out, "[options]\nx = 1\nworkers = 4");
        let (out, _) = edit("[a]\nx = 1", &[("workers", "4")]);
        assert_eq!(out, "[a]\nx = 1\n\n[options]\nworkers = 4");
        // A line added in the middle never touches the final line.
        let (out, _) = edit("[options]\nx = 1\n[b]\ny = 2", &[("workers", "4")]);
        assert_eq!(out, "[options]\nx = 1\nworkers = 4\n[b]\ny = 2");
    }

    #[test]
    fn adds_after_a_bare_last_header_without_newline() {
        assert_eq!(edit("[options]", &[("workers", "4")]).0, "[options]\nworkers = 4");
        assert_eq!(
            edit("[options]\r\n", &[("workers", "4")]).0,
            "[options]\r\nworkers = 4\r\n"
        );
    }

    #[test]
    fn creates_the_section_when_absent() {
        let (out, changes) = edit("", &[("workers", "4")]);
        assert_eq!(out, "[options]\nworkers = 4\n");
        assert_eq!(changes[0].kind, ChangeKind::SectionCreated);
        assert_eq!((changes[0].after, changes[1].after), (1, 2));
        let (out, _) = edit("[Options]\r\nworkers = 2\r\n", &[("workers", "4")]);
        assert_eq!(
            out,
            "[Options]\r\nworkers = 2\r\n\r\n[options]\r\nworkers = 4\r\n"
        );
        let (out, _) = edit("; just comments\n\n", &[("workers", "4")]);
        assert_eq!(out, "; just comments\n\n[options]\nworkers = 4\n");
    }

    #[test]
    fn lone_cr_files_get_lone_cr_lines() {
        // An empty separator line ending in LF after a lone CR would merge into one CRLF terminator.
        let (out, changes) = edit("[a]\nx = 1\r", &[("workers", "4")]);
        assert_eq!(out, "[a]\nx = 1\r\r[options]\rworkers = 4\r");
        assert_eq!(changes.iter().map(|c| c.after).collect::<Vec<_>>(), vec![4, 5]);
        let (out, _) = edit("[options]\rx = 1\r", &[("workers", "4")]);
        assert_eq!(out, "[options]\rx = 1\rworkers = 4\r");
    }

    #[test]
    fn added_line_is_indented_so_the_next_statement_is_not_swallowed() {
        let text = "[options]\n  [other]\nx = 1\n";
        let mut d = Document::parse(text.as_bytes());
        d.set("options", "workers", "4").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.as_str(), Some("[options]\n  workers = 4\n  [other]\nx = 1\n"));
        assert_eq!(d.values("other").unwrap_or_default().get("x"), Some("1"));
    }

    #[test]
    fn refusals() {
        let e = set_err("[options]\nworkers = 4\n  8\n", "workers", "2");
        assert!(
            matches!(e, EditError::Continuation { line: 2, ref continuation, .. } if continuation == &vec![3])
        );
        assert!(
            e.to_string().contains("line 2") && e.to_string().contains("3"),
            "{e}"
        );
        let e = set_err("[options]\nworkers = 4 ; four\n", "workers", "2");
        assert!(matches!(e, EditError::InlineComment { line: 2, .. }), "{e}");
        let e = set_err("[options]\nworkers = 4\nworkers = 5\n", "workers", "2");
        assert!(matches!(e, EditError::Unloadable(_)), "{e}");
        assert!(e.to_string().contains("line 3"), "{e}");
        for bad in ["a\nb", "a\rb", " 4", "4 ", "4\u{2028}"] {
            assert!(
                matches!(
                    set_err("[options]\n", "workers", bad),
                    EditError::InvalidValue { .. }
                ),
                "{bad:?}"
            );
        }
        for bad in ["", "Workers", "a=b", "a:b", "[a]", ";a", " a", "a\tb\n"] {
            assert!(
                matches!(set_err("[options]\n", bad, "1"), EditError::InvalidKey { .. }),
                "{bad:?}"
            );
        }
        let mut d = Document::parse(b"[options]\n");
        let e = d.set_many("options", [("workers", "1"), ("workers", "2")]);
        assert!(matches!(e, Err(EditError::DuplicateInput { .. })));
        assert!(matches!(
            d.set("", "workers", "1"),
            Err(EditError::InvalidSection { .. })
        ));
    }

    #[test]
    fn set_is_idempotent() {
        for text in [
            "",
            "[options]\n; workers = 0\n",
            "[options]\nx=1",
            "[a]\r\nb = 1\r\n",
        ] {
            let mut d = Document::parse(text.as_bytes());
            d.set_many("options", [("workers", "4"), ("limit_time_cpu", "600")])
                .unwrap_or_else(|e| panic!("{e}"));
            let once = d.render();
            let again = d.set_many("options", [("workers", "4"), ("limit_time_cpu", "600")]);
            assert_eq!(again.map(|c| c.len()), Ok(0));
            assert_eq!(d.render(), once);
        }
    }

    #[test]
    fn moves_an_inline_comment_above() {
        let text = "[options]\r\n  workers = 4 ; four workers  \r\nx = 1";
        let mut d = Document::parse(text.as_bytes());
        let c = d.move_inline_comment(2).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            d.as_str(),
            Some("[options]\r\n  ; four workers  \r\n  workers = 4\r\nx = 1")
        );
        assert_eq!((c.before, c.after), (Some(2), 3));
        assert_eq!(
            c.kind,
            ChangeKind::InlineCommentMoved {
                comment: "; four workers".into()
            }
        );
        assert_eq!(d.values("options").unwrap_or_default().get("workers"), Some("4"));
        // Last line without a newline.
        let mut d = Document::parse(b"[options]\nworkers = 4 # x");
        d.move_inline_comment(2).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(d.as_str(), Some("[options]\n# x\nworkers = 4"));
    }

    #[test]
    fn move_inline_comment_refusals() {
        let mut d = Document::parse(b"[options]\nadmin_passwd = a ;b\nworkers = 4\nx = 1 ; y\n  z\n");
        assert!(matches!(
            d.move_inline_comment(2),
            Err(EditError::SecretInlineComment { .. })
        ));
        assert!(matches!(
            d.move_inline_comment(3),
            Err(EditError::NoInlineComment { .. })
        ));
        assert!(matches!(
            d.move_inline_comment(1),
            Err(EditError::NotAnEntry { .. })
        ));
        assert!(matches!(
            d.move_inline_comment(0),
            Err(EditError::NotAnEntry { .. })
        ));
        assert!(matches!(
            d.move_inline_comment(4),
            Err(EditError::Continuation { .. })
        ));
        let e = d
            .move_inline_comment(2)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!e.contains("a ;b"), "never prints the secret: {e}");
    }

    #[test]
    fn change_descriptions_mask_secrets() {
        let mut d = Document::parse(b"[options]\nadmin_passwd = old\n");
        let c = d
            .set("options", "admin_passwd", "new")
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!());
        let s = c.to_string();
        assert!(
            !s.contains("old") && !s.contains("new") && s.contains("********"),
            "{s}"
        );
    }

    #[test]
    fn other_sections_are_untouched_and_default_is_editable() {
        let text = "[DEFAULT]\na = 1\n[options]\nb = 2\n[DEFAULT]\nc = 3\n";
        let mut d = Document::parse(text.as_bytes());
        d.set("DEFAULT", "z", "9").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            d.as_str(),
            Some("[DEFAULT]\na = 1\n[options]\nb = 2\n[DEFAULT]\nc = 3\nz = 9\n")
        );
        assert_eq!(d.values("options").unwrap_or_default().get("z"), Some("9"));
    }
}
