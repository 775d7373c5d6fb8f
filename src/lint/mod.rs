//! Lint rules for odoo.conf: what would stop Odoo from starting, make it ignore a setting, read a value
//! other than the one meant, or size it wrongly for its container. A pure function: a parsed
//! [`Document`], an Odoo version and what is known of the container in, [`Finding`]s out.
//!
//! Owns: the rule catalog ([`Rule`], with stable ids, documented in `docs/lint.md`), the findings and
//! their messages, and the text/JSON rendering ([`render`]). Must not: read files, the environment or the
//! machine's limits (the `lint` command passes them in), or print a secret value: every value shown
//! goes through [`crate::conf::mask_value`].
//!
//! Every fact about Odoo comes from the options table ([`crate::odoo`]: types, defaults, versions,
//! renames, casts) and every estimate from the sizing model ([`crate::plan`]), so that `plan`, `apply`
//! and `lint` never disagree. Rules that need the container's limits are skipped when they are unknown,
//! so the verdict on a file never depends on the machine the linter runs on.
//!
//! ```
//! use odoo_sizer::conf::Document;
//! use odoo_sizer::lint::{lint, Context, Severity};
//! use odoo_sizer::odoo::OdooVersion;
//!
//! let doc = Document::parse(b"[options]\nworkers = 4 ; four\n");
//! let report = lint(&doc, &Context::new(OdooVersion::V18));
//! let finding = &report.findings[0];
//! assert_eq!((finding.rule.id(), finding.severity, finding.line), ("inline-comment", Severity::Error, Some(2)));
//! assert!(report.has_errors());
//! ```

// Input-dependent code paths must not be able to panic.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::unreachable
    )
)]

mod container;
mod keys;
pub mod render;
mod syntax;
mod values;

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

use crate::conf::{self, Document, EntryRef, DEFAULT_SECTION};
use crate::odoo::{self, Cast, KeyStatus, OdooVersion, OptionSpec};
use crate::plan::Knobs;

/// The section Odoo reads its options from.
pub const OPTIONS: &str = "options";

/// How bad a finding is: errors stop Odoo or change what it reads; warnings degrade it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// What a rule needs beyond the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Only the file and the Odoo version.
    File,
    /// The container's CPUs.
    Cpus,
    /// The container's memory.
    Memory,
    /// Any container limit (CPUs or memory): the file is meant for a container.
    Container,
    /// PostgreSQL's `max_connections` (`--pg-max-connections`).
    PgMaxConnections,
}

macro_rules! rules {
    ($($variant:ident => $id:literal, $needs:ident, $summary:literal;)*) => {
        /// A lint rule. The ids are a contract (JSON output, `docs/lint.md`, scripts that filter on them).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $($variant,)*
        }

        impl Rule {
            /// Every rule, in the order findings of one line are listed.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The stable id, e.g. `inline-comment`.
            pub fn id(self) -> &'static str {
                match self {
                    $(Rule::$variant => $id,)*
                }
            }

            /// What the rule needs beyond the file; without it the rule is skipped.
            pub fn needs(self) -> Needs {
                match self {
                    $(Rule::$variant => Needs::$needs,)*
                }
            }

            /// One line on what the rule checks.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Rule::$variant => $summary,)*
                }
            }
        }
    };
}

rules! {
    TooLarge => "too-large", File, "a file too large for odoo-sizer to parse (4 GiB or more), refused unread";
    InvalidUtf8 => "invalid-utf8", File, "bytes that are not UTF-8: Python cannot decode the file";
    MissingSectionHeader => "missing-section-header", File, "a key, a byte-order mark or text before the first [section]";
    DuplicateSection => "duplicate-section", File, "a section header seen twice";
    DuplicateKey => "duplicate-key", File, "a key set twice in one section (keys ignore case)";
    ParseError => "parse-error", File, "a line that is neither a comment, a header nor `key = value`";
    SectionCase => "section-case", File, "`[Options]` and other spellings of `[options]`, which Odoo ignores";
    NoOptionsSection => "no-options-section", File, "no [options] section at all: every option keeps its default";
    ContinuationLine => "continuation-line", File, "an indented line that Python appends to the previous value";
    InlineComment => "inline-comment", File, "a `; comment` after a value, which Odoo keeps as part of the value";
    InvalidInt => "invalid-int", File, "an integer option whose value Odoo cannot cast";
    InvalidFloat => "invalid-float", File, "a number option whose value Odoo cannot cast";
    InvalidChoice => "invalid-choice", File, "a value that is not one of the option's choices";
    InvalidBool => "invalid-bool", File, "a flag not written True/False (up to 18.0) or refused by 19.0's boolean cast";
    ProxyModeFlag => "proxy-mode-flag", File, "`proxy_mode = 0`/`no`/`off`, which Odoo up to 18.0 reads as ON";
    FalseForInt => "false-for-int", File, "`False` for a non-boolean option: Odoo 19.0 skips it and uses the default";
    UnknownKey => "unknown-key", File, "a key that is not an option of this Odoo version";
    HyphenatedKey => "hyphenated-key", File, "`limit-time-cpu` instead of `limit_time_cpu`: never mapped to the option";
    RenamedKey => "renamed-key", File, "an old name of an option (deprecated alias, ignored or removed)";
    RemovedKey => "removed-key", File, "an option this Odoo version no longer reads, with no successor";
    FutureKey => "future-key", File, "an option that only exists in later Odoo versions";
    ZeroTimeLimit => "zero-time-limit", File, "limit_time_cpu/limit_time_real ≤ 0 in multi-process mode";
    ZeroLimitRequest => "zero-limit-request", File, "limit_request ≤ 0 in multi-process mode";
    SoftAboveHard => "soft-above-hard", File, "limit_memory_soft not below limit_memory_hard";
    SingleWorker => "single-worker", File, "`workers = 1`: Odoo refuses to print PDF reports";
    LogHandlerFormat => "log-handler-format", File, "a log_handler item that is not `logger:LEVEL`";
    LogHandlerRepr => "log-handler-repr", File, "`log_handler = [':INFO']`: a Python list repr, not Odoo's format";
    HttpInterface => "http-interface", Container, "Odoo not listening on every interface of its container";
    HardLimitAboveContainer => "hard-limit-above-container", Memory, "limit_memory_hard disabled or not below the container's memory";
    WorkersAboveCpu => "workers-above-cpu", Cpus, "more worker and cron processes than (2 × CPUs) + 1";
    ThreadedMode => "threaded-mode", Cpus, "the threaded server (`workers = 0`) on a container with 2 CPUs or more";
    MemoryOversubscribed => "memory-oversubscribed", Memory, "the sizing model's memory estimate of the configured processes exceeds the container's memory";
    DbMaxconnOverPg => "db-maxconn-over-pg", PgMaxConnections, "worst-case PostgreSQL connections above max_connections";
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

/// One problem, with the line it is on (`None` for the file as a whole, e.g. a default that does not fit
/// the container), the key concerned, what Odoo does and how to fix it. Never holds a secret value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    /// 1-based line.
    pub line: Option<usize>,
    /// The key as configparser stores it (lower-cased).
    pub key: Option<String>,
    pub message: String,
    pub fix: String,
}

/// What is known beyond the file. Rules whose needs are unknown are skipped (see [`Report::skipped`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    pub version: OdooVersion,
    /// The container's CPUs (fractional), when given or detected.
    pub cpus: Option<f64>,
    /// The container's memory budget in bytes, when given or detected.
    pub memory_bytes: Option<u64>,
    /// PostgreSQL's `max_connections`, when given.
    pub pg_max_connections: Option<u32>,
    /// The sizing model's knobs, for its memory estimate (the official figures by default).
    pub knobs: Knobs,
}

impl Context {
    /// The file alone: container rules are skipped.
    pub fn new(version: OdooVersion) -> Context {
        Context {
            version,
            cpus: None,
            memory_bytes: None,
            pg_max_connections: None,
            knobs: Knobs::default(),
        }
    }

    /// Whether the context holds what `needs` asks for.
    pub fn has(&self, needs: Needs) -> bool {
        match needs {
            Needs::File => true,
            Needs::Cpus => self.cpus.is_some(),
            Needs::Memory => self.memory_bytes.is_some(),
            Needs::Container => self.cpus.is_some() || self.memory_bytes.is_some(),
            Needs::PgMaxConnections => self.pg_max_connections.is_some(),
        }
    }
}

/// The result of [`lint`].
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub version: OdooVersion,
    /// Sorted by line (file-wide findings last), then in [`Rule::ALL`] order.
    pub findings: Vec<Finding>,
    /// Rules not checked because the context lacks what they need.
    pub skipped: Vec<Rule>,
    /// The exception Python's configparser raises on the file, if any (Odoo then does not start).
    pub python_error: Option<String>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }
}

/// Runs every rule the context allows on the document.
pub fn lint(doc: &Document, ctx: &Context) -> Report {
    let view = View::new(doc, ctx.version);
    let mut out = Findings::default();
    syntax::check(&view, &mut out);
    keys::check(&view, &mut out);
    values::check(&view, &mut out);
    container::check(&view, ctx, &mut out);
    let mut findings: Vec<Finding> = out.0.into_iter().filter(|f| ctx.has(f.rule.needs())).collect();
    findings.sort_by_key(|f| (f.line.is_none(), f.line, f.rule));
    Report {
        version: ctx.version,
        findings,
        skipped: Rule::ALL
            .iter()
            .copied()
            .filter(|r| !ctx.has(r.needs()))
            .collect(),
        python_error: doc.python_error().map(|e| e.to_string()),
    }
}

/// Findings being collected.
#[derive(Debug, Default)]
pub(crate) struct Findings(Vec<Finding>);

impl Findings {
    pub(crate) fn push(
        &mut self,
        rule: Rule,
        severity: Severity,
        line: Option<usize>,
        key: Option<&str>,
        message: String,
        fix: String,
    ) {
        self.0.push(Finding {
            rule,
            severity,
            line,
            key: key.map(str::to_string),
            message,
            fix,
        });
    }
}

/// A value as Odoo's messages show it (Python's `repr()` of a string), or [`conf::MASK`] for a non-empty
/// value of a secret key.
pub(crate) fn shown(key: &str, value: &str) -> String {
    py_repr(&conf::mask_value(key, value))
}

/// Python's `repr()` of a `str`: single quotes unless the text holds `'` and no `"`.
pub(crate) fn py_repr(value: &str) -> String {
    let quote = if value.contains('\'') && !value.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// One `[options]` key as Odoo reads it: its own entry, or one inherited from `[DEFAULT]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OptionEntry<'a> {
    pub(crate) key: &'a str,
    /// The value Odoo reads (continuation lines joined, inline comments included).
    pub(crate) raw: &'a str,
    pub(crate) entry: EntryRef<'a>,
}

impl<'a> OptionEntry<'a> {
    pub(crate) fn line(&self) -> usize {
        self.entry.line()
    }

    /// The value the user meant: without an inline comment and without continuation lines (those are
    /// reported by their own rules; the value checks look at what remains).
    pub(crate) fn meant(&self) -> Cow<'a, str> {
        if let Some(comment) = self.entry.inline_comment() {
            return comment.value;
        }
        if self.entry.has_continuation() {
            return String::from_utf8_lossy(self.entry.first_line_value());
        }
        Cow::Borrowed(self.raw)
    }

    pub(crate) fn is_secret(&self) -> bool {
        conf::is_secret_key(self.key)
    }
}

/// An integer option as Odoo resolves it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum IntValue {
    /// Not in the file (or not read by this version): the version's default (`None` when unset).
    Default(Option<i64>),
    /// In the file and castable (`True`/`False` count as 1/0 up to 18.0, as in Python).
    Set { value: i64, line: usize },
    /// `False` in the file, which Odoo 19.0 skips: the default applies.
    Skipped { default: Option<i64>, line: usize },
    /// In the file, but Odoo refuses it or cannot compute with it.
    Invalid { line: usize },
}

impl IntValue {
    pub(crate) fn value(self) -> Option<i64> {
        match self {
            IntValue::Default(v) | IntValue::Skipped { default: v, .. } => v,
            IntValue::Set { value, .. } => Some(value),
            IntValue::Invalid { .. } => None,
        }
    }

    pub(crate) fn line(self) -> Option<usize> {
        match self {
            IntValue::Default(_) => None,
            IntValue::Set { line, .. } | IntValue::Skipped { line, .. } | IntValue::Invalid { line } => {
                Some(line)
            }
        }
    }

    /// True when the key is written in the file.
    pub(crate) fn in_file(self) -> bool {
        self.line().is_some()
    }
}

/// The document as Odoo sees it for one version: the effective `[options]` (with `[DEFAULT]` inherited).
pub(crate) struct View<'a> {
    pub(crate) doc: &'a Document,
    pub(crate) version: OdooVersion,
    /// Effective `[options]` keys in Python's order; empty when there is no `[options]` section
    /// (Odoo then reads nothing: `NoSectionError` is caught).
    pub(crate) options: Vec<OptionEntry<'a>>,
}

impl<'a> View<'a> {
    pub(crate) fn new(doc: &'a Document, version: OdooVersion) -> View<'a> {
        let mut options = Vec::new();
        if doc.has_section(OPTIONS) {
            // `values()` gives Python's keys and order; the entries give lines and raw text.
            let pairs = doc.value_pairs(OPTIONS).unwrap_or_default();
            for (key, _) in pairs {
                if let Some(entry) = doc.source_entry(OPTIONS, key) {
                    options.push(OptionEntry {
                        key: entry.key(),
                        raw: entry.value(),
                        entry,
                    });
                }
            }
        }
        View {
            doc,
            version,
            options,
        }
    }

    pub(crate) fn option(&self, key: &str) -> Option<&OptionEntry<'a>> {
        self.options.iter().find(|o| o.key == key)
    }

    /// True when this entry is read as an Odoo option (in `[options]`, or inherited from `[DEFAULT]`
    /// without being overridden).
    pub(crate) fn is_option_entry(&self, entry: &EntryRef<'_>) -> bool {
        match entry.section() {
            Some(OPTIONS) => entry.is_effective(),
            Some(DEFAULT_SECTION) => self
                .option(entry.key())
                .is_some_and(|o| o.entry.line() == entry.line()),
            _ => false,
        }
    }

    /// The table entry of `key` when this version reads it from the file (as an option or an alias).
    pub(crate) fn read_spec(&self, key: &str) -> Option<&'static OptionSpec> {
        match odoo::status(key, self.version) {
            KeyStatus::Active(spec) | KeyStatus::Alias { spec, .. } => Some(spec),
            _ => None,
        }
    }

    /// How Odoo resolves the integer option `key` (which must be in the table).
    pub(crate) fn int(&self, key: &str) -> IntValue {
        let Some(spec) = self.read_spec(key) else {
            return IntValue::Default(None);
        };
        let default = spec.default_int(self.version);
        let Some(option) = self.option(key) else {
            return IntValue::Default(default);
        };
        let line = option.line();
        match spec.cast(self.version, &option.meant()) {
            Ok(Cast::Default) => IntValue::Skipped { default, line },
            Ok(cast) => match cast.as_int() {
                Some(value) => IntValue::Set { value, line },
                None => IntValue::Invalid { line },
            },
            Err(_) => IntValue::Invalid { line },
        }
    }

    /// `workers` as a process count: `Some(n)` when Odoo's value is known and not negative.
    pub(crate) fn workers(&self) -> Option<u32> {
        count(self.int("workers"))
    }

    /// `max_cron_threads` as a process count.
    pub(crate) fn cron(&self) -> Option<u32> {
        count(self.int("max_cron_threads"))
    }
}

/// A process count from an integer option; counts beyond a million are not meaningful and are capped
/// so that no sum overflows.
fn count(v: IntValue) -> Option<u32> {
    v.value().filter(|n| *n >= 0).map(|n| n.min(1_000_000) as u32)
}

#[cfg(test)]
mod tests;
