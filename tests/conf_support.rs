//! Shared helpers for the `conf_*` integration tests: a python3 oracle (one process for the whole test
//! binary, one request per batch of inputs) and the conversion of our parse result into the same shape.
//!
//! Included by the other test files with `#[path = "conf_support.rs"] mod support;`; compiled on its own it
//! only runs its self-check.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use odoo_sizer::conf::{Document, IssueKind, PyErrorClass};
use proptest::prelude::*;
use serde_json::Value;

/// What reading a file gives: Python's exception, or the sections and their values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Error {
        class: String,
        lines: Vec<usize>,
        /// `section` (and `option`) named by the Duplicate*Error exceptions.
        detail: Vec<String>,
    },
    Read {
        sections: Vec<String>,
        defaults: Vec<(String, String)>,
        /// `parser.items(section)`: with DEFAULT inherited.
        items: BTreeMap<String, Vec<(String, String)>>,
        /// `parser._sections[section]`: own keys only.
        own: BTreeMap<String, Vec<(String, String)>>,
    },
}

struct Oracle {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

fn oracle() -> &'static Mutex<Oracle> {
    static ORACLE: OnceLock<Mutex<Oracle>> = OnceLock::new();
    ORACLE.get_or_init(|| {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/rawconfig.py");
        let mut child = Command::new("python3")
            .arg("-I")
            .arg(script)
            .env("PYTHONUTF8", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 is required for the differential tests (it is on every machine this runs on)");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Mutex::new(Oracle {
            _child: child,
            stdin,
            stdout,
        })
    })
}

/// Sends one request and returns the decoded JSON answer.
pub fn request(req: &Value) -> Value {
    let mut o = oracle().lock().unwrap_or_else(|p| p.into_inner());
    let line = serde_json::to_string(req).expect("json");
    writeln!(o.stdin, "{line}").expect("write to python");
    o.stdin.flush().expect("flush");
    let mut answer = String::new();
    o.stdout.read_line(&mut answer).expect("read from python");
    assert!(!answer.is_empty(), "python3 oracle exited");
    serde_json::from_str(&answer).expect("python answer is JSON")
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|kv| {
                    let s = |i: usize| kv.get(i).and_then(Value::as_str).unwrap_or_default().to_string();
                    (s(0), s(1))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn section_map(v: &Value) -> BTreeMap<String, Vec<(String, String)>> {
    v.as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), pairs(v))).collect())
        .unwrap_or_default()
}

fn outcome_from_json(v: &Value) -> Outcome {
    if let Some(class) = v.get("error").and_then(Value::as_str) {
        let lines = v
            .get("lines")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_u64).map(|n| n as usize).collect())
            .unwrap_or_default();
        let detail = ["section", "option"]
            .iter()
            .filter_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_string))
            .collect();
        return Outcome::Error {
            class: class.to_string(),
            lines,
            detail,
        };
    }
    Outcome::Read {
        sections: v
            .get("sections")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default(),
        defaults: pairs(v.get("defaults").unwrap_or(&Value::Null)),
        items: section_map(v.get("items").unwrap_or(&Value::Null)),
        own: section_map(v.get("own").unwrap_or(&Value::Null)),
    }
}

/// Python's outcome for each input, in one request.
pub fn python(inputs: &[Vec<u8>]) -> Vec<Outcome> {
    let req = serde_json::json!({"op": "parse", "inputs": inputs.iter().map(|b| hex(b)).collect::<Vec<_>>()});
    let answer = request(&req);
    let list = answer.as_array().expect("a list of results");
    assert_eq!(list.len(), inputs.len());
    list.iter().map(outcome_from_json).collect()
}

/// Python's outcome for files on disk, read with `RawConfigParser().read([path])` exactly like Odoo.
pub fn python_paths(paths: &[String]) -> Vec<Outcome> {
    let answer = request(&serde_json::json!({"op": "parse_paths", "inputs": paths}));
    answer
        .as_array()
        .expect("a list of results")
        .iter()
        .map(outcome_from_json)
        .collect()
}

/// Our parser's outcome, in the same shape.
pub fn ours(doc: &Document) -> Outcome {
    if let Some(err) = doc.python_error() {
        let first = err.lines.first().copied().unwrap_or(0);
        let detail = match err.class {
            PyErrorClass::DuplicateSection | PyErrorClass::DuplicateOption => doc
                .issues()
                .iter()
                .find(|i| i.line == first && i.kind.python_class() == err.class)
                .map(|i| match &i.kind {
                    IssueKind::DuplicateSection { section, .. } => vec![section.clone()],
                    IssueKind::DuplicateOption { section, key, .. } => vec![section.clone(), key.clone()],
                    _ => vec![],
                })
                .unwrap_or_default(),
            _ => vec![],
        };
        // Python names no line for a decoding error.
        let lines = if err.class == PyErrorClass::UnicodeDecode {
            vec![]
        } else {
            err.lines
        };
        return Outcome::Error {
            class: err.class.python_name().to_string(),
            lines,
            detail,
        };
    }
    let sections: Vec<String> = doc.sections().into_iter().map(str::to_string).collect();
    let values = |s: &str| doc.values(s).map(|v| v.into_pairs()).unwrap_or_default();
    let own = |s: &str| doc.own_values(s).map(|v| v.into_pairs()).unwrap_or_default();
    Outcome::Read {
        defaults: doc.defaults().into_pairs(),
        items: sections.iter().map(|s| (s.clone(), values(s))).collect(),
        own: sections.iter().map(|s| (s.clone(), own(s))).collect(),
        sections,
    }
}

/// A readable rendering of an input for failure messages.
pub fn show(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}

/// Asserts that our parser and Python agree on every input (one Python request for all of them).
pub fn assert_agree(inputs: &[Vec<u8>]) {
    let expected = python(inputs);
    for (input, want) in inputs.iter().zip(expected) {
        let doc = Document::parse(input);
        let got = ours(&doc);
        assert_eq!(got, want, "parser disagrees with python3 on {}", show(input));
    }
}

// ---- generators of odoo.conf-like files, biased to the cases Python handles surprisingly --------------

pub fn pick(items: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(items).prop_map(str::to_string)
}

fn indent() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => Just(String::new()),
        2 => pick(&[" ", "  ", "\t", "    "]),
        1 => pick(&["\u{a0}", "\u{3000}", "\u{1c}", "\u{0b}", "\u{0c}", " \u{2003}", "\u{85}"]),
    ]
}

fn space() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(String::new()),
        4 => Just(" ".to_string()),
        1 => pick(&["  ", "\t", "\u{a0}", "\u{2028}", "\u{1f}", " \u{3000}"]),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => pick(&["workers", "Workers", "WORKERS", "limit_time_cpu", "db_maxconn", "max_cron_threads", "a", "b"]),
        2 => pick(&["x-y", "key with space", "ΑΣ", "Σ", "İx", "k\u{200b}", "k]", "\u{feff}k", "\u{a7cb}K", "é"]),
        1 => Just(String::new()),
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => pick(&["4", "0", "root:2", "True", "/mnt/extra-addons", "^%d$"]),
        3 => pick(&["", "4 ; four", "x # y", "; c", "a=b", "a:b", "[v]", "é", "v\u{a0}", "\u{3000}v", "4;x"]),
    ]
}

fn delim() -> impl Strategy<Value = String> {
    prop_oneof![4 => pick(&["=", ":"]), 1 => pick(&["=:", ":=", "=="])]
}

fn section_name() -> impl Strategy<Value = String> {
    pick(&[
        "options",
        "options",
        "Options",
        "DEFAULT",
        "queue_job",
        "a]b",
        " options ",
        "default",
        "x",
    ])
}

/// One line's content (no terminator).
fn line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => (indent(), section_name(), pick(&["", "", " junk", " ; c", "]"]))
            .prop_map(|(i, n, t)| format!("{i}[{n}]{t}").into_bytes()),
        10 => (indent(), key(), space(), delim(), space(), value())
            .prop_map(|(i, k, s1, d, s2, v)| format!("{i}{k}{s1}{d}{s2}{v}").into_bytes()),
        3 => (indent(), pick(&[";", "#"]), pick(&["", " workers = 0", "workers=0", " doc text", " x:"]))
            .prop_map(|(i, p, t)| format!("{i}{p}{t}").into_bytes()),
        3 => pick(&["", "", " ", "\t", "\u{a0}", "\u{3000}", "\u{0c}"]).prop_map(String::into_bytes),
        3 => (pick(&[" ", "  ", "\t", "    ", "\u{3000}"]), pick(&["cont", "more = x", "/b", "# c", "[s]"]))
            .prop_map(|(i, t)| format!("{i}{t}").into_bytes()),
        1 => pick(&["garbage", "[]", "[x", "\u{feff}[options]", "]x["]).prop_map(String::into_bytes),
        1 => pick(&["; caf\u{e9}"]).prop_map(|s| {
            let mut b = s.into_bytes();
            b.push(0xe9); // a Latin-1 byte: invalid UTF-8
            b
        }),
    ]
}

fn ending() -> impl Strategy<Value = &'static [u8]> {
    prop_oneof![8 => Just(&b"\n"[..]), 2 => Just(&b"\r\n"[..]), 1 => Just(&b"\r"[..])]
}

/// A whole file: usually starting with `[options]`, lines with mixed endings, maybe no final newline.
pub fn ini_file() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::bool::weighted(0.8),
        proptest::collection::vec((line(), ending()), 0..16),
        proptest::bool::weighted(0.8),
    )
        .prop_map(|(header, lines, final_newline)| {
            let mut out = Vec::new();
            if header {
                out.extend_from_slice(b"[options]\n");
            }
            let n = lines.len();
            for (i, (content, end)) in lines.into_iter().enumerate() {
                out.extend_from_slice(&content);
                if i + 1 < n || final_newline {
                    out.extend_from_slice(end);
                }
            }
            out
        })
}

#[test]
fn oracle_answers() {
    let out = python(&[b"[options]\nworkers = 4\n".to_vec(), b"workers = 4\n".to_vec()]);
    assert!(matches!(&out[0], Outcome::Read { sections, .. } if sections == &vec!["options".to_string()]));
    assert!(matches!(&out[1], Outcome::Error { class, .. } if class == "MissingSectionHeaderError"));
}
