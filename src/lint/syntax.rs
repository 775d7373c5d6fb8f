//! Rules about how Python's configparser reads the file: its parse errors, `[Options]`, a missing
//! `[options]`, indented lines swallowed into the previous value, and inline comments kept in values.
//!
//! Must not: judge values (that is `values`) or keys (that is `keys`).

use super::{shown, Findings, Rule, Severity, View, OPTIONS};
use crate::conf::{self, EntryRef, IssueKind};
use crate::odoo::{self, Cast, Kind};

pub(super) fn check(view: &View<'_>, out: &mut Findings) {
    parse_issues(view, out);
    section_case(view, out);
    continuation_lines(view, out);
    inline_comments(view, out);
}

fn parse_issues(view: &View<'_>, out: &mut Findings) {
    for issue in view.doc.issues() {
        let line = Some(issue.line);
        let (rule, key, message, fix) = match &issue.kind {
            IssueKind::InvalidUtf8 => (
                Rule::InvalidUtf8,
                None,
                "this line is not valid UTF-8: Python cannot decode the file (UnicodeDecodeError) and Odoo does not start".to_string(),
                "re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)".to_string(),
            ),
            IssueKind::MissingSectionHeader { bom: true } => (
                Rule::MissingSectionHeader,
                None,
                "the file starts with a UTF-8 byte-order mark, which Python does not skip: the first line is not read as `[options]` and Odoo does not start (MissingSectionHeaderError)".to_string(),
                "save the file as UTF-8 without BOM".to_string(),
            ),
            IssueKind::MissingSectionHeader { bom: false } => (
                Rule::MissingSectionHeader,
                line_key(view, issue.line),
                "this line comes before any [section] header: Odoo does not start (MissingSectionHeaderError)".to_string(),
                "put `[options]` above it (or move it below the `[options]` header)".to_string(),
            ),
            IssueKind::DuplicateSection { section, first_line } => (
                Rule::DuplicateSection,
                None,
                format!("section [{section}] already started on line {first_line}: Odoo does not start (DuplicateSectionError)"),
                format!("merge the two [{section}] sections into one"),
            ),
            IssueKind::DuplicateOption { section, key, first_line } => (
                Rule::DuplicateKey,
                Some(key.clone()),
                format!("`{key}` is already set in [{section}] on line {first_line} (keys ignore case): Odoo does not start (DuplicateOptionError)"),
                format!("delete one of the two `{key}` lines (lines {first_line} and {})", issue.line),
            ),
            IssueKind::NoDelimiter => (
                Rule::ParseError,
                None,
                "this line has no `=` or `:`: Odoo does not start (ParsingError)".to_string(),
                "write it as `key = value`, or start it with `;` to make it a comment".to_string(),
            ),
            IssueKind::TooLarge { bytes } => (
                Rule::TooLarge,
                None,
                format!("the file is {bytes} bytes: more than odoo-sizer parses ({} bytes), so it was not checked", conf::MAX_DOCUMENT_BYTES),
                "check that this is the config file (odoo.conf files are a few KiB)".to_string(),
            ),
            IssueKind::EmptyKey => (
                Rule::ParseError,
                None,
                "this line starts with `=` or `:` (no key): Odoo does not start (ParsingError)".to_string(),
                "add the key before the delimiter, or start the line with `;` to make it a comment".to_string(),
            ),
        };
        out.push(rule, Severity::Error, line, key.as_deref(), message, fix);
    }
}

/// The key of an entry line, for findings about that line.
fn line_key(view: &View<'_>, line: usize) -> Option<String> {
    let entry = view.doc.line(line)?.entry()?;
    (entry.line() == line && !entry.key().is_empty()).then(|| entry.key().to_string())
}

fn section_case(view: &View<'_>, out: &mut Findings) {
    let doc = view.doc;
    let mismatches = doc.section_case_mismatches(OPTIONS);
    let has_options = doc.has_section(OPTIONS);
    for line in &mismatches {
        let name = doc
            .line(*line)
            .map(|l| String::from_utf8_lossy(l.stripped()).into_owned())
            .unwrap_or_default();
        if has_options {
            out.push(
                Rule::SectionCase,
                Severity::Warning,
                Some(*line),
                None,
                format!("{name} is not [options] (section names are case- and space-sensitive): Odoo ignores the keys under it"),
                "move its keys into [options] and delete the header".to_string(),
            );
        } else {
            out.push(
                Rule::SectionCase,
                Severity::Error,
                Some(*line),
                None,
                format!("{name} is not [options] (section names are case- and space-sensitive) and there is no [options]: Odoo ignores every setting of this file and runs on its defaults"),
                "rename the header to `[options]`".to_string(),
            );
        }
    }
    if !has_options && mismatches.is_empty() && doc.python_error().is_none() {
        out.push(
            Rule::NoOptionsSection,
            Severity::Warning,
            None,
            None,
            "there is no [options] section: Odoo reads no option from this file and runs on its defaults"
                .to_string(),
            "put the server options under an `[options]` header".to_string(),
        );
    }
}

/// Text after the first delimiter of an indented line that looks like a `key = value` the author meant
/// as its own line: an identifier before `=`, or before `:` when it names an Odoo option (so that
/// `werkzeug:WARNING` in a log_handler list or a URL is not mistaken for one).
fn swallowed_key(text: &str) -> Option<&str> {
    let at = text.find(['=', ':'])?;
    let key = conf::pychar::strip_str(text.get(..at)?);
    let delimiter = text.get(at..=at)?;
    let identifier = !key.is_empty()
        && key.chars().any(|c| c.is_ascii_alphabetic())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    let lower = key.to_ascii_lowercase();
    let known = !matches!(
        odoo::status(&lower, odoo::OdooVersion::NEWEST),
        odoo::KeyStatus::Unknown
    ) || odoo::spec(&lower.replace('-', "_")).is_some();
    (identifier && (delimiter == "=" || known)).then_some(key)
}

fn continuation_lines(view: &View<'_>, out: &mut Findings) {
    let doc = view.doc;
    for entry in doc.entries().filter(|e| e.section().is_some()) {
        let lines = entry.continuation_lines();
        if lines.is_empty() {
            continue;
        }
        let key = entry.key();
        let secret = entry.is_secret();
        let option = view.is_option_entry(&entry);
        let typed = option
            && view
                .read_spec(key)
                .is_some_and(|spec| !matches!(spec.kind, Kind::Str));
        let mut previous = String::from_utf8_lossy(entry.first_line_value()).into_owned();
        for (index, line) in lines.into_iter().enumerate() {
            let text = doc
                .line(line)
                .map(|l| String::from_utf8_lossy(l.stripped()).into_owned())
                .unwrap_or_default();
            let after_comma = previous.ends_with(',');
            let previous_was_empty = previous.is_empty();
            let first = index == 0;
            let swallowed = swallowed_key(&text).map(str::to_string);
            previous = text;
            let start = entry.line();
            if let Some(inner) = swallowed {
                let what = if secret {
                    "a `key = value` line".to_string()
                } else {
                    format!("the option `{inner}`")
                };
                out.push(
                    Rule::ContinuationLine,
                    Severity::Error,
                    Some(line),
                    Some(key),
                    format!("this line is indented, so Python appends it to the value of `{key}` (line {start}) instead of reading {what}: {}", consequence(view, &entry)),
                    "remove the indentation at the start of the line".to_string(),
                );
            } else if typed {
                out.push(
                    Rule::ContinuationLine,
                    Severity::Error,
                    Some(line),
                    Some(key),
                    format!("this line is indented, so Python appends it to the value of `{key}` (line {start}): {}", consequence(view, &entry)),
                    "remove the indentation, or start the line with `;` to make it a comment".to_string(),
                );
            } else if option && first && previous_was_empty {
                out.push(
                    Rule::ContinuationLine,
                    Severity::Warning,
                    Some(line),
                    Some(key),
                    format!("the value of `{key}` (line {start}) starts on this indented line, so Python reads it with a leading line break: Odoo strips it from the items of comma-separated lists (addons_path, server_wide_modules), but not from a single value such as a password or a dbfilter"),
                    format!("put the value (or the list's first item) on the `{key}` line itself"),
                );
            } else if option && !after_comma {
                let reads = if secret {
                    "the secret Odoo uses contains a line break and this text (value not shown)".to_string()
                } else {
                    format!("Odoo reads {}", shown(key, entry.value()))
                };
                out.push(
                    Rule::ContinuationLine,
                    Severity::Warning,
                    Some(line),
                    Some(key),
                    format!("this line is indented, so Python appends it to the value of `{key}` (line {start}) after a line break: {reads}"),
                    "if it is a note, unindent it and start it with `;`; if it continues a comma-separated list, end the line above with a comma".to_string(),
                );
            }
        }
    }
}

/// What Odoo does with the joined value of an option entry.
fn consequence(view: &View<'_>, entry: &EntryRef<'_>) -> String {
    let key = entry.key();
    let version = view.version;
    if entry.is_secret() {
        return format!("the value of `{key}` (a secret, not shown) then includes this line");
    }
    if !view.is_option_entry(entry) {
        return format!(
            "[{}] gets {}",
            entry.section().unwrap_or(""),
            shown(key, entry.value())
        );
    }
    let Some(spec) = view.read_spec(key) else {
        return format!("`{key}` reads {}", shown(key, entry.value()));
    };
    match spec.cast(version, entry.value()) {
        Err(_) => format!(
            "`{key}` reads {}, which Odoo {version} refuses at start",
            shown(key, entry.value())
        ),
        Ok(Cast::Str(_)) if spec.kind == Kind::Flag => format!(
            "`{key}` reads {}, a non-empty text that Odoo {version} takes as ON",
            shown(key, entry.value())
        ),
        Ok(_) => format!("`{key}` reads {}", shown(key, entry.value())),
    }
}

fn inline_comments(view: &View<'_>, out: &mut Findings) {
    let version = view.version;
    for entry in view
        .doc
        .entries()
        .filter(|e| e.section().is_some() && (e.is_effective() || view.is_option_entry(e)))
    {
        let Some(comment) = entry.inline_comment() else {
            continue;
        };
        let key = entry.key();
        let line = Some(comment.line);
        if entry.is_secret() {
            out.push(
                Rule::InlineComment,
                Severity::Warning,
                line,
                Some(key),
                format!("the value of `{key}` (a secret, not shown) contains whitespace then `;` or `#`: Python keeps everything after it as part of the value, so if that is a comment the secret Odoo uses is wrong"),
                "if it is a comment, move it to its own line above (odoo-sizer never moves text of secret keys)".to_string(),
            );
            continue;
        }
        let option = view.is_option_entry(&entry);
        let spec = if option { view.read_spec(key) } else { None };
        let raw = entry.value();
        let fix = if entry.section() == Some(OPTIONS) {
            format!(
                "move `{}` to its own line above (`odoo-sizer apply --fix` does it)",
                comment.comment
            )
        } else {
            format!("move `{}` to its own line above", comment.comment)
        };
        match spec {
            Some(spec) if !matches!(spec.kind, Kind::Str) => {
                let effect = match spec.cast(version, raw) {
                    Err(_) => format!("Odoo {version} refuses {} at start", shown(key, raw)),
                    Ok(cast) => match cast.truthy() {
                        Some(true) => format!(
                            "Odoo {version} reads {} as a non-empty text, which is ON",
                            shown(key, raw)
                        ),
                        _ => format!("Odoo {version} reads {}", shown(key, raw)),
                    },
                };
                out.push(
                    Rule::InlineComment,
                    Severity::Error,
                    line,
                    Some(key),
                    format!("configparser keeps inline comments in values: {effect}"),
                    fix,
                );
            }
            _ => {
                let whose = if option {
                    format!("Odoo {version} reads `{key}`")
                } else {
                    format!("[{}] gets `{key}`", entry.section().unwrap_or(""))
                };
                out.push(
                    Rule::InlineComment,
                    Severity::Warning,
                    line,
                    Some(key),
                    format!(
                        "configparser keeps inline comments in values: {whose} as {} instead of {}",
                        shown(key, raw),
                        shown(key, &comment.value)
                    ),
                    fix,
                );
            }
        }
    }
}
