//! Applying a plan to an odoo.conf document: the refusal rules, `--fix`, the edit and its diff.
//!
//! Pure: bytes in, bytes out. Used unchanged by `apply`, `init`, `inspect --apply` and `watch`, whatever
//! reads and writes the file (a local path, the Docker archive API).
//!
//! The flow is two steps because the plan needs the file's current values:
//! [`Prepared::new`] parses, applies `--fix`, and refuses a file Odoo could not load or would ignore;
//! the caller plans with [`Prepared::current_values`]; [`Prepared::apply`] writes exactly the plan's
//! settings with the document's placement rules (`conf::Document::set_many`).
//!
//! Must not: read or write files, print, or decide sizing.

use crate::conf::{Change, ChangeKind, Document, EditError};
use crate::lint::{self, Rule};
use crate::odoo::OdooVersion;
use crate::plan::Plan;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// The section holding Odoo's server options (case-sensitive).
pub const OPTIONS: &str = "options";

/// One reason Odoo could not start with the file, or would silently ignore it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// Stable id, shared with `lint` where the rule exists there.
    pub rule: &'static str,
    /// 1-based line, when one line is at fault.
    pub line: Option<usize>,
    pub message: String,
    /// What the user should do (empty when the message already says it).
    pub fix: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        write!(f, "{} [{}]", self.message, self.rule)?;
        if !self.fix.is_empty() {
            write!(f, "; fix: {}", self.fix)?;
        }
        Ok(())
    }
}

/// The file is refused: nothing was changed. The message lists every problem with its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Refused {
    pub refusals: Vec<Refusal>,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refusing to edit this file, nothing was changed: Odoo could not start with it or would ignore settings"
        )?;
        for refusal in &self.refusals {
            write!(f, "\n  {refusal}")?;
        }
        Ok(())
    }
}

/// The file's bytes as read, kept without a copy where the document still holds them.
#[derive(Debug, Clone)]
enum Original {
    /// The file does not exist (it will be created).
    Missing,
    /// The bytes of the document that was read: in [`Prepared`], its document; in [`Outcome`], its
    /// document, which the edit left as it was read.
    InDocument,
    /// The bytes themselves: the read document's when the edit changed it (taken over, not copied), or
    /// a copy made when `--fix` changed the document before the edit.
    Bytes(Vec<u8>),
}

/// A document checked and ready for the plan.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The bytes as read.
    original: Original,
    doc: Document,
    version: OdooVersion,
    /// What `--fix` changed.
    pub fixes: Vec<Change>,
    /// Problems that do not stop Odoo but change what it reads (string options with a `; comment`).
    pub warnings: Vec<String>,
}

/// The result of applying a plan.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The bytes as read.
    original: Original,
    pub document: Document,
    /// `--fix` repairs first, then the plan's settings, in order.
    pub changes: Vec<Change>,
    pub warnings: Vec<String>,
}

impl Outcome {
    /// The bytes to write.
    pub fn bytes(&self) -> Vec<u8> {
        self.document.render()
    }

    /// The file's bytes as read (`None`: the file did not exist).
    pub fn original(&self) -> Option<&[u8]> {
        match &self.original {
            Original::Missing => None,
            Original::InDocument => Some(self.document.as_bytes()),
            Original::Bytes(bytes) => Some(bytes),
        }
    }

    /// True when writing would change the file (or create it).
    pub fn changed(&self) -> bool {
        match self.original() {
            Some(before) => before != self.document.as_bytes(),
            None => true,
        }
    }

    /// A unified diff from the original to the result with secret values masked on both sides.
    pub fn masked_diff(&self, name: &str) -> String {
        let before = self
            .original()
            .map(|b| Document::parse(b).masked())
            .unwrap_or_default();
        let after = self.document.masked();
        unified_diff(&before, &after, name)
    }
}

/// A unified diff (`---`/`+++`/`@@`) of two byte strings, lines decoded lossily.
pub fn unified_diff(before: &[u8], after: &[u8], name: &str) -> String {
    let before = String::from_utf8_lossy(before);
    let after = String::from_utf8_lossy(after);
    similar::TextDiff::from_lines(before.as_ref(), after.as_ref())
        .unified_diff()
        .context_radius(2)
        .header(&format!("{name} (current)"), &format!("{name} (sized)"))
        .to_string()
}

impl Prepared {
    /// Parses `original` (`None` = a file to create), applies `--fix` when asked, and refuses a file
    /// Odoo `version` could not load or would ignore.
    pub fn new(original: Option<&[u8]>, version: OdooVersion, fix: bool) -> Result<Prepared, Refused> {
        let bytes = original.unwrap_or_default();
        let nul = find_nul(bytes);
        if let Some(offset) = nul {
            let line = bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
            return Err(Refused {
                refusals: vec![Refusal {
                    rule: "binary-file",
                    line: Some(line),
                    message: "the file contains a NUL byte: it is not a text config file".into(),
                    fix: "check the path; restore the config from a backup if it was overwritten".into(),
                }],
            });
        }
        let mut doc = Document::parse(bytes);
        // Nothing can be edited safely in a file Python cannot parse: refuse before --fix touches it.
        if !doc.is_loadable() {
            return Err(Refused {
                refusals: refusals(&lint::lint(&doc, &lint::Context::new(version))),
            });
        }
        let mut fixes = Vec::new();
        let mut kept = match original {
            Some(_) => Original::InDocument,
            None => Original::Missing,
        };
        if fix {
            let before = doc.as_bytes().to_vec();
            fixes = fix_inline_comments(&mut doc).map_err(|e| Refused {
                refusals: vec![edit_refusal(e)],
            })?;
            if !fixes.is_empty() && original.is_some() {
                kept = Original::Bytes(before);
            }
        }
        let report = lint::lint(&doc, &lint::Context::new(version));
        let refusals = refusals(&report);
        if !refusals.is_empty() {
            return Err(Refused { refusals });
        }
        // A `; comment` after a string value is read as part of it: worth a warning, not a refusal.
        let warnings = report
            .findings
            .iter()
            .filter(|f| f.rule == Rule::InlineComment && f.severity == lint::Severity::Warning)
            .map(|f| match f.line {
                Some(line) => format!("line {line}: {}", f.message),
                None => f.message.clone(),
            })
            .collect();
        Ok(Prepared {
            original: kept,
            doc,
            version,
            fixes,
            warnings,
        })
    }

    /// The current `[options]` values as Odoo reads them (`[DEFAULT]` keys included), for the plan.
    pub fn current_values(&self) -> BTreeMap<String, String> {
        self.doc
            .value_pairs(OPTIONS)
            .map(|pairs| {
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The version the file was checked for.
    pub fn version(&self) -> OdooVersion {
        self.version
    }

    /// Writes exactly the plan's settings into `[options]`.
    pub fn apply(self, plan: &Plan) -> Result<Outcome, Refused> {
        let rendered: Vec<(&str, String)> = plan.settings.iter().map(|s| (s.key, s.value.render())).collect();
        let mut document = self.doc;
        // The document that was read gives its bytes to the outcome (no copy).
        let (changes, before) = document
            .set_many_taking_original(OPTIONS, rendered.iter().map(|(k, v)| (*k, v.as_str())))
            .map_err(|e| Refused {
                refusals: vec![edit_refusal(e)],
            })?;
        let original = match (self.original, before) {
            (Original::InDocument, Some(bytes)) => Original::Bytes(bytes),
            (kept, _) => kept,
        };
        let mut all = self.fixes;
        all.extend(changes);
        Ok(Outcome {
            original,
            document,
            changes: all,
            warnings: self.warnings,
        })
    }
}

/// The offset of the first NUL byte. glibc's `memchr` (vectorized for the CPU) scans a file's bytes ~10x
/// faster than core's portable word-at-a-time search, which was ~3 % of an `apply`'s instructions.
fn find_nul(bytes: &[u8]) -> Option<usize> {
    // SAFETY: `memchr` reads at most `bytes.len()` bytes from the start of the slice, which are valid for
    // reads; it returns null or a pointer into them.
    let found = unsafe { libc::memchr(bytes.as_ptr().cast(), 0, bytes.len()) };
    (!found.is_null()).then(|| found as usize - bytes.as_ptr() as usize)
}

/// `--fix`: moves every inline comment in `[options]` (except on secret keys) to its own line above.
fn fix_inline_comments(doc: &mut Document) -> Result<Vec<Change>, EditError> {
    let lines: Vec<usize> = doc
        .entries_in(OPTIONS)
        .into_iter()
        .filter(|e| e.is_effective() && !e.is_secret() && e.inline_comment().is_some())
        .map(|e| e.line())
        .collect();
    let mut changes = Vec::new();
    // Bottom-up, so earlier line numbers stay valid after each inserted line.
    for line in lines.into_iter().rev() {
        changes.push(doc.move_inline_comment(line)?);
    }
    changes.reverse();
    Ok(changes)
}

/// The lint rules whose errors mean Odoo could not start with the file, or would ignore its settings;
/// the other errors (a zero time limit, soft above hard) are the plan's to repair.
const REFUSING_RULES: [Rule; 13] = [
    Rule::InvalidUtf8,
    Rule::MissingSectionHeader,
    Rule::DuplicateSection,
    Rule::DuplicateKey,
    Rule::ParseError,
    Rule::SectionCase,
    Rule::ContinuationLine,
    Rule::InlineComment,
    Rule::InvalidInt,
    Rule::InvalidFloat,
    Rule::InvalidChoice,
    Rule::InvalidBool,
    Rule::LogHandlerFormat,
];

fn refusals(report: &lint::Report) -> Vec<Refusal> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == lint::Severity::Error && REFUSING_RULES.contains(&f.rule))
        .map(|f| Refusal {
            rule: f.rule.id(),
            line: f.line,
            message: f.message.clone(),
            fix: f.fix.clone(),
        })
        .collect()
}

fn edit_refusal(error: EditError) -> Refusal {
    let (rule, line) = match &error {
        EditError::Continuation { line, .. } => ("continuation-line", Some(*line)),
        EditError::InlineComment { line, .. } => ("inline-comment", Some(*line)),
        EditError::SecretInlineComment { line, .. } => ("inline-comment", Some(*line)),
        EditError::Unloadable(issue) => (issue.kind.id(), Some(issue.line)),
        _ => ("edit", None),
    };
    let text = error.to_string();
    // The edit's messages start with `line N: `, which the refusal shows itself.
    let message = match line {
        Some(n) => text
            .strip_prefix(&format!("line {n}: "))
            .map(str::to_string)
            .unwrap_or(text),
        None => text,
    };
    Refusal {
        rule,
        line,
        message,
        fix: String::new(),
    }
}

/// One change for reports: the key, where, what, and why (the plan's reason). Secret values masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeReport {
    pub key: String,
    pub line: usize,
    pub action: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
    pub reason: Option<String>,
}

/// Describes `changes` for output, joining each with the plan's reason.
pub fn report_changes(changes: &[Change], plan: &Plan) -> Vec<ChangeReport> {
    let masked = |key: &str, value: &str| crate::conf::mask_value(key, value).into_owned();
    changes
        .iter()
        .map(|change| {
            let key = change.key.clone();
            let reason = plan.get(&key).map(|s| s.reason.clone());
            let (action, old, new) = match &change.kind {
                ChangeKind::Updated { old_value, new_value } => (
                    "updated",
                    Some(masked(&key, old_value)),
                    Some(masked(&key, new_value)),
                ),
                ChangeKind::Uncommented { new_value } => ("uncommented", None, Some(masked(&key, new_value))),
                ChangeKind::Added { new_value, .. } => ("added", None, Some(masked(&key, new_value))),
                ChangeKind::SectionCreated => ("section-created", None, None),
                ChangeKind::InlineCommentMoved { comment } => ("comment-moved", None, Some(comment.clone())),
            };
            ChangeReport {
                key,
                line: change.after,
                action,
                old,
                new,
                reason: if matches!(change.kind, ChangeKind::InlineCommentMoved { .. }) {
                    Some("--fix: Odoo does not strip comments after values".into())
                } else {
                    reason
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
