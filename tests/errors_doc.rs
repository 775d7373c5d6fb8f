//! `docs/errors.md` is the catalogue of every error class. This test keeps it and the code in sync, by a
//! plain text scan of the sources (no parser: the enums are written in one simple style):
//!
//! (a) every variant of the error enums has a row in the document and every row names a variant that
//!     exists; the fixed text of each `#[error("...")]` message appears in its row's message column (a
//!     reworded message must be reworded in the document too); the refusing lint rules of `apply`, its
//!     own refusal ids and the edit errors it maps all have rows;
//! (b) every test the document cites exists (`tests/file.rs::name`, `src/module.rs::tests::name`: a
//!     `#[test] fn name` in that file), and every row cites at least one;
//! (c) the exit codes of README.md's table, of `src/error.rs`'s doc table, of the document's headings and
//!     of `enum Exit` are the same, and each heading names the `Exit` variant with that code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const DOC: &str = "docs/errors.md";

/// The error enums, by file. Each variant is a documented class `Enum::Variant`.
const ENUMS: &[(&str, &str)] = &[
    ("src/error.rs", "Error"),
    ("src/write.rs", "FileError"),
    ("src/docker/error.rs", "DockerError"),
    ("src/pg/mod.rs", "PgError"),
    ("src/pg/settings.rs", "SettingsError"),
    ("src/plan/mod.rs", "PlanError"),
    ("src/limits/quantity.rs", "QuantityError"),
];
/// Error structs (one class each, named by the struct).
const STRUCTS: &[(&str, &str)] = &[("src/limits/mod.rs", "UnknownLimit")];
/// Outcomes that are not error values but have rows: clap's usage errors, `--check`/lint findings and the
/// partial failure of commands working on several targets.
const OUTCOMES: &[&str] = &["clap::Error", "Exit::Findings", "Exit::Partial"];
/// Where `apply` decides its refusals.
const APPLY: &str = "src/apply/mod.rs";

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

// ---- the sources ----

/// One variant and the format string of its `#[error("...")]`, if it has one (not `transparent`).
#[derive(Debug)]
struct Variant {
    name: String,
    message: Option<String>,
}

/// The end of the Rust string literal starting at `start` (a `"`), and its value (escapes undone,
/// `\` + line break + indentation removed).
fn string_literal(text: &str, start: usize) -> (usize, String) {
    assert_eq!(text.as_bytes()[start], b'"');
    let mut value = String::new();
    let mut chars = text[start + 1..].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (start + 1 + i + 1, value),
            '\\' => match chars.next() {
                // A line continuation: the next line's indentation is not part of the string.
                Some((_, '\n')) => {
                    while chars.peek().is_some_and(|(_, w)| w.is_whitespace()) {
                        chars.next();
                    }
                }
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, other)) => value.push(other),
                None => break,
            },
            c => value.push(c),
        }
    }
    panic!("unterminated string literal at byte {start}");
}

/// The first string literal inside an attribute such as `error("...", args)`.
fn first_literal(attribute: &str) -> Option<String> {
    attribute.find('"').map(|at| string_literal(attribute, at).1)
}

/// The variants of `pub enum NAME { ... }` in `text`: identifiers at the enum's own brace level that
/// start with a capital letter, each with the `#[error(...)]` attribute before it.
fn enum_variants(text: &str, name: &str) -> Vec<Variant> {
    let head = format!("pub enum {name} {{");
    let start = text.find(&head).unwrap_or_else(|| panic!("`{head}` not found")) + head.len();
    let bytes = text.as_bytes();
    let mut variants = Vec::new();
    let mut depth = 1;
    let mut error_attr: Option<String> = None;
    let mut i = start;
    while i < bytes.len() {
        let c = bytes[i];
        if text[i..].starts_with("//") {
            i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            continue;
        }
        match c {
            b'"' => {
                i = string_literal(text, i).0;
                continue;
            }
            b'#' if depth == 1 && text[i..].starts_with("#[") => {
                let end = attribute_end(text, i + 1);
                let attribute = &text[i + 2..end];
                if let Some(args) = attribute.trim_start().strip_prefix("error") {
                    error_attr = Some(args.to_string());
                }
                i = end + 1;
                continue;
            }
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return variants;
                }
            }
            c if depth == 1 && c.is_ascii_uppercase() && (i == 0 || !is_ident(bytes[i - 1])) => {
                let end = text[i..]
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                    .map_or(bytes.len(), |n| i + n);
                variants.push(Variant {
                    name: text[i..end].to_string(),
                    message: error_attr.take().and_then(|a| first_literal(&a)),
                });
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    panic!("`{head}` is not closed");
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The index of the `]` closing the `[` at `open`, skipping string literals.
fn attribute_end(text: &str, open: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i = string_literal(text, i).0;
                continue;
            }
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
        i += 1;
    }
    panic!("attribute at byte {open} is not closed");
}

/// The `#[error("...")]` message of `pub struct NAME`.
fn struct_message(text: &str, name: &str) -> String {
    let at = text
        .find(&format!("pub struct {name}"))
        .unwrap_or_else(|| panic!("`pub struct {name}` not found"));
    let attr = text[..at]
        .rfind("#[error(")
        .unwrap_or_else(|| panic!("no #[error] before `pub struct {name}`"));
    first_literal(&text[attr..at]).unwrap_or_else(|| panic!("no message for {name}"))
}

/// Every documented class from the sources: `Enum::Variant` (or a struct's name) → its message.
fn classes() -> BTreeMap<String, Option<String>> {
    let mut all = BTreeMap::new();
    for (file, name) in ENUMS {
        let variants = enum_variants(&read(file), name);
        assert!(variants.len() >= 2, "{file}: {name}: {variants:?}");
        for v in variants {
            all.insert(format!("{name}::{}", v.name), v.message);
        }
    }
    for (file, name) in STRUCTS {
        all.insert(name.to_string(), Some(struct_message(&read(file), name)));
    }
    for id in OUTCOMES {
        all.insert(id.to_string(), None);
    }
    all
}

/// The lint rules `apply` refuses a file for, from `const REFUSING_RULES`: `Rule::Name` → `rule-id`.
fn refusing_rules() -> BTreeMap<String, String> {
    let apply = read(APPLY);
    let start = apply
        .find("const REFUSING_RULES")
        .expect("REFUSING_RULES in src/apply/mod.rs");
    let end = start + apply[start..].find("];").expect("end of REFUSING_RULES");
    let lint = read("src/lint/mod.rs");
    let mut rules = BTreeMap::new();
    for part in apply[start..end].split("Rule::").skip(1) {
        let name: String = part.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let decl = format!("    {name} => \"");
        let at = lint
            .find(&decl)
            .unwrap_or_else(|| panic!("Rule::{name} not declared in src/lint/mod.rs"))
            + decl.len();
        let id = &lint[at..at + lint[at..].find('"').expect("rule id")];
        rules.insert(format!("Rule::{name}"), id.to_string());
    }
    assert!(rules.len() >= 10, "{rules:?}");
    rules
}

/// The refusal ids `apply` writes itself (`rule: "binary-file"`, the `("edit", None)` of edit errors) and
/// the edit errors it maps to refusals (`EditError::Continuation { .. } => ...`).
fn apply_refusals() -> (BTreeSet<String>, BTreeSet<String>) {
    let apply = read(APPLY);
    let mapping = &apply[apply.find("fn edit_refusal").expect("fn edit_refusal")..];
    let mapping = &mapping[..mapping.find("\n}\n").expect("end of fn edit_refusal")];
    let mut ids = BTreeSet::new();
    // `rule: "binary-file"` anywhere, `("continuation-line", Some(*line))` in the mapping of edit errors.
    for (text, marker) in [(apply.as_str(), "rule: \""), (mapping, "(\"")] {
        for part in text.split(marker).skip(1) {
            let id: String = part.chars().take_while(|c| *c != '"').collect();
            let kebab = !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c == '-');
            if kebab && part[id.len()..].starts_with("\",") {
                ids.insert(id);
            }
        }
    }
    let mut edits = BTreeSet::new();
    for part in mapping.split("EditError::").skip(1) {
        let name: String = part.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        edits.insert(format!("EditError::{name}"));
    }
    assert!(ids.contains("binary-file") && ids.contains("edit"), "{ids:?}");
    assert!(edits.contains("EditError::Continuation"), "{edits:?}");
    (ids, edits)
}

// ---- the document ----

/// One table row of the document.
#[derive(Debug)]
struct Row {
    line: usize,
    /// The backquoted names of its first cell.
    ids: Vec<String>,
    cells: Vec<String>,
    /// The `## Exit ...` heading it is under.
    section: String,
}

/// The spans between single or double backquotes in `text`.
fn code_spans(text: &str) -> Vec<String> {
    let mut spans = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let ticks = rest[open..].chars().take_while(|c| *c == '`').count();
        let fence = "`".repeat(ticks);
        let body = &rest[open + ticks..];
        let Some(close) = body.find(&fence) else { break };
        spans.push(body[..close].trim().to_string());
        rest = &body[close + ticks..];
    }
    spans
}

/// Splits a table line into cells on `|` that are not escaped as `\|`.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                out.last_mut().expect("a cell").push('|');
            }
            '|' => out.push(String::new()),
            c => out.last_mut().expect("a cell").push(c),
        }
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

fn rows(doc: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut section = String::new();
    for (n, line) in doc.lines().enumerate() {
        if let Some(heading) = line.strip_prefix("## ") {
            section = heading.to_string();
            continue;
        }
        if !line.starts_with('|') || line.starts_with("|--") || line.starts_with("|:-") {
            continue;
        }
        let cells = cells(line);
        let ids = code_spans(&cells[0]);
        rows.push(Row {
            line: n + 1,
            ids,
            cells,
            section: section.clone(),
        });
    }
    rows
}

/// Collapses every run of whitespace to one space.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The literal parts of a format string: the text between `{...}` placeholders (`{{`/`}}` are braces).
fn fragments(format: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('{', Some('{')) | ('}', Some('}')) => {
                chars.next();
                parts.last_mut().expect("a part").push(c);
            }
            ('{', _) => {
                for inner in chars.by_ref() {
                    if inner == '}' {
                        break;
                    }
                }
                parts.push(String::new());
            }
            _ => parts.last_mut().expect("a part").push(c),
        }
    }
    parts
        .into_iter()
        .map(|p| squeeze(&p))
        .filter(|p| p.chars().filter(|c| c.is_alphanumeric()).count() >= 2)
        .collect()
}

/// `tests/x.rs::name` and `src/a/b.rs::tests::name` cited anywhere in `text`.
fn test_refs(text: &str) -> Vec<String> {
    code_spans(text)
        .into_iter()
        .filter(|s| {
            (s.starts_with("tests/") || s.starts_with("src/"))
                && s.contains(".rs::")
                && !s.contains(char::is_whitespace)
        })
        .collect()
}

/// Whether `file` has a test function `name` (`#[test]` among the attributes right above it).
fn has_test(file: &str, name: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(Path::new(ROOT).join(file)) else {
        return false;
    };
    let lines: Vec<&str> = text.lines().collect();
    lines.iter().enumerate().any(|(i, line)| {
        let t = line.trim_start();
        let decl = t.starts_with(&format!("fn {name}(")) || t.starts_with(&format!("async fn {name}("));
        decl && lines[i.saturating_sub(4)..i]
            .iter()
            .any(|l| l.trim_start().starts_with("#[test]") || l.trim_start().starts_with("#[tokio::test"))
    })
}

// ---- the checks ----

#[test]
fn every_error_class_has_a_row_and_every_row_a_class() {
    let doc = read(DOC);
    let rows = rows(&doc);
    let classes = classes();
    let rules = refusing_rules();
    let (refusal_ids, edit_errors) = apply_refusals();
    let documented: BTreeMap<&str, &Row> = rows
        .iter()
        .flat_map(|r| r.ids.iter().map(move |id| (id.as_str(), r)))
        .collect();
    let mut problems = Vec::new();

    for id in classes.keys().chain(rules.keys()).chain(edit_errors.iter()) {
        if !documented.contains_key(id.as_str()) {
            problems.push(format!("{id}: no row in {DOC}"));
        }
    }
    for id in &refusal_ids {
        if !documented.contains_key(id.as_str()) {
            problems.push(format!("refusal `{id}` (src/apply/mod.rs): no row in {DOC}"));
        }
    }
    // Documented but gone: every `Enum::Variant` of a first column must exist.
    let known_prefixes: BTreeSet<&str> = ENUMS
        .iter()
        .map(|(_, e)| *e)
        .chain(["Rule", "EditError", "Exit", "clap"])
        .collect();
    for row in &rows {
        for id in &row.ids {
            let Some((prefix, _)) = id.split_once("::") else {
                continue;
            };
            if !known_prefixes.contains(prefix) {
                continue;
            }
            let exists = classes.contains_key(id)
                || rules.contains_key(id)
                || edit_errors.contains(id)
                || (prefix == "Exit" && exit_variants().contains_key(id.trim_start_matches("Exit::")));
            if !exists {
                problems.push(format!(
                    "{DOC}:{}: `{id}` is documented but not in the code",
                    row.line
                ));
            }
        }
    }
    // A refusing rule's row names its id as printed (`[duplicate-key]`).
    for (rule, id) in &rules {
        if let Some(row) = documented.get(rule.as_str()) {
            if !row.ids.contains(id) {
                problems.push(format!(
                    "{DOC}:{}: the row of {rule} must name `{id}` in its first column",
                    row.line
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_message_is_the_codes_message() {
    let doc = read(DOC);
    let rows = rows(&doc);
    let mut problems = Vec::new();
    let mut checked = 0;
    // The edit errors apply maps to refusals print their own message too.
    let (_, edit_errors) = apply_refusals();
    let edit_messages = enum_variants(&read("src/conf/edit.rs"), "EditError")
        .into_iter()
        .map(|v| (format!("EditError::{}", v.name), v.message))
        .filter(|(id, _)| edit_errors.contains(id));
    for (id, message) in classes().into_iter().chain(edit_messages) {
        let Some(message) = message else { continue };
        let Some(row) = rows.iter().find(|r| r.ids.contains(&id)) else {
            continue; // reported by the test above
        };
        let documented = squeeze(row.cells.get(1).map(String::as_str).unwrap_or_default());
        for fragment in fragments(&message) {
            if !documented.contains(&fragment) {
                problems.push(format!(
                    "{DOC}:{}: the message of {id} lacks {fragment:?} (the code says {message:?})",
                    row.line
                ));
            }
        }
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} messages checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_cited_test_exists_and_every_row_cites_one() {
    let doc = read(DOC);
    let mut problems = Vec::new();
    let refs = test_refs(&doc);
    assert!(refs.len() >= 80, "only {} test references", refs.len());
    for reference in &refs {
        let (file, path) = reference.split_once(".rs::").expect("a reference");
        let file = format!("{file}.rs");
        let name = path.rsplit("::").next().expect("a name");
        if !has_test(&file, name) {
            problems.push(format!("`{reference}`: no #[test] fn {name} in {file}"));
        }
    }
    for row in rows(&doc) {
        let cites = row.cells.iter().any(|c| !test_refs(c).is_empty());
        if !row.ids.is_empty() && row.section.starts_with("Exit") && !cites {
            problems.push(format!("{DOC}:{}: {:?} cites no test", row.line, row.ids));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `enum Exit`: variant → code.
fn exit_variants() -> BTreeMap<String, u8> {
    let text = read("src/error.rs");
    let start = text.find("pub enum Exit {").expect("enum Exit");
    let body = &text[start..start + text[start..].find('}').expect("end of Exit")];
    body.lines()
        .filter_map(|l| {
            let (name, code) = l.trim().trim_end_matches(',').split_once(" = ")?;
            Some((name.to_string(), code.parse().ok()?))
        })
        .collect()
}

/// The codes in the first column of a Markdown table (`126, 127` is two codes).
fn codes_of_table<'a>(lines: impl Iterator<Item = &'a str>) -> BTreeSet<u8> {
    lines
        .filter_map(|l| l.trim().strip_prefix('|'))
        .filter_map(|l| l.split('|').next())
        .flat_map(|cell| cell.split(',').map(str::trim).filter_map(|c| c.parse().ok()))
        .collect()
}

#[test]
fn exit_codes_agree_everywhere() {
    let exits = exit_variants();
    let code: BTreeSet<u8> = exits.values().copied().collect();
    assert!(code.len() >= 10, "{exits:?}");

    let readme = read("README.md");
    let table = &readme[readme.find("## Exit codes").expect("README: ## Exit codes")..];
    let table = table.lines().skip(1).skip_while(|l| !l.starts_with('|'));
    let readme_codes = codes_of_table(table.take_while(|l| l.starts_with('|')));

    let error_rs = read("src/error.rs");
    let doc_table = error_rs
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .skip_while(|l| !l.trim_start().starts_with('|'))
        .take_while(|l| l.trim_start().starts_with('|'));
    let error_rs_codes = codes_of_table(doc_table);

    let doc = read(DOC);
    let mut doc_codes = BTreeSet::new();
    let mut problems = Vec::new();
    for heading in doc.lines().filter_map(|l| l.strip_prefix("## Exit ")) {
        let list = heading.split('—').next().unwrap_or_default();
        let numbers: Vec<u8> = list.split(',').filter_map(|n| n.trim().parse().ok()).collect();
        assert!(
            !numbers.is_empty(),
            "{DOC}: heading `## Exit {heading}` has no code"
        );
        // The heading names the Exit variant of each of its codes.
        for n in &numbers {
            let variant = exits
                .iter()
                .find(|(_, c)| *c == n)
                .map(|(v, _)| v.as_str())
                .unwrap_or("?");
            if !heading.contains(&format!("`Exit::{variant}`")) {
                problems.push(format!(
                    "{DOC}: `## Exit {heading}` must name `Exit::{variant}` (code {n})"
                ));
            }
        }
        doc_codes.extend(numbers);
    }
    for (what, codes) in [
        ("README.md's exit code table", &readme_codes),
        ("src/error.rs's doc table", &error_rs_codes),
        ("the `## Exit` headings of docs/errors.md", &doc_codes),
    ] {
        if codes != &code {
            problems.push(format!("{what}: {codes:?}, but enum Exit has {code:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---- the scanner itself ----

#[test]
fn the_scanner_reads_variants_messages_and_placeholders() {
    let text = r##"
/// Doc.
#[derive(Debug)]
pub enum Sample {
    /// A variant with `{braces}` in its doc.
    #[error("{path}: too big ({} MiB), see {{here}}", LIMIT >> 20)]
    TooBig { path: PathBuf, size: u64 },
    #[error(
        "one \"quoted\" line that \
         continues"
    )]
    Continued(String),
    #[error(transparent)]
    Wrapped(#[from] Inner),
    Plain,
}
pub enum Other { X }
"##;
    let v = enum_variants(text, "Sample");
    let names: Vec<&str> = v.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["TooBig", "Continued", "Wrapped", "Plain"]);
    assert_eq!(
        v[0].message.as_deref(),
        Some("{path}: too big ({} MiB), see {{here}}")
    );
    assert_eq!(
        v[1].message.as_deref(),
        Some("one \"quoted\" line that continues")
    );
    assert_eq!(v[2].message, None);
    assert_eq!(v[3].message, None);
    assert_eq!(
        fragments("{path}: too big ({} MiB), see {{here}}"),
        [": too big (", "MiB), see {here}"]
    );
    assert_eq!(code_spans("`A::B` and ``x `y` z``"), ["A::B", "x `y` z"]);
    assert_eq!(cells("| `a` | b \\| c | d |"), ["`a`", "b | c", "d"]);
    assert_eq!(
        test_refs("`tests/a.rs::b`, `src/x/y.rs::tests::z`, `src/x.rs`"),
        ["tests/a.rs::b", "src/x/y.rs::tests::z"]
    );
}
