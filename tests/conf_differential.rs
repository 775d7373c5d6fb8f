//! Differential tests: our odoo.conf parser against CPython's `configparser.RawConfigParser()` (python3 on
//! the machine), on a hand-written corpus of tricky files and on generated ones biased to the nasty cases.
//! Compared: the exception class and the lines it names (and the section/option of duplicate errors), or
//! the section list, `defaults()`, `items(section)` and the section's own keys, in order.

#[path = "conf_support.rs"]
mod support;

use odoo_sizer::conf::{pychar, Document};
use proptest::prelude::*;
use support::{assert_agree, ini_file, python, python_paths, request, Outcome};

const CORPUS: &[&str] = &[
    "",
    "\n",
    "[options]",
    "[options]\nworkers = 4\n",
    "[options]\nworkers = 4 ; four\n",
    "[options]\nworkers=4;four\nx = a # b\n",
    "[options]\nWorkers: 4\nWORKERS = 5\n",
    "[options]\nworkers = 4\n  limit_time_cpu = 60\n",
    "[options]\nworkers = 4\n\n  limit_time_cpu = 60\n",
    "[options]\nworkers = 4\n; comment\n  # indented comment\n  limit_time_cpu = 60\n\n\n",
    "[options]\nworkers =\n  4\n",
    "[options]\nworkers =\n\n",
    "[options]\n= x\n",
    "[options]\n: x\n  y\n",
    "[options]\n= a\n= b\n",
    "[options]\nno delimiter\nstill none\n",
    "[options]\nbad\nx = 1\nx = 2\n",
    "workers = 4\n[options]\n",
    "; comment\n\n# other\n[options]\n",
    "  [options]\nx = 1\n",
    "[options]\n  [queue_job]\nchannels = root:2\n",
    "[options]\nx = 1\n  [queue_job]\n",
    "[options] trailing junk\nx = 1\n",
    "[a]b]\nx = 1\n",
    "[]\n",
    "[options]\n[]\n",
    "[]]\nx=1\n",
    "[ options ]\nx = 1\n",
    "[Options]\nworkers = 4\n",
    "[options]\nx = 1\n[options]\ny = 2\n",
    "[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n[options]\na = 3\n",
    "[DEFAULT]\na = 1\n[DEFAULT]\nA = 2\n",
    "[default]\na = 1\n[DEFAULT]\nb = 2\n",
    "[options]\r\nworkers = 4\r\n  cont\r\n",
    "[options]\rworkers = 4\r  cont\r",
    "[options]\r\n\r\nx = 1\r\r\n",
    "[options]\nx = 1\r\n\r  y\n",
    "\u{feff}[options]\nworkers = 4\n",
    "[options]\n\u{feff}workers = 4\n",
    "\u{a0}[options]\u{a0}\n\u{3000}workers\u{2003}=\u{85}4\u{2028}\n",
    "[options]\n\u{1c}x = 1\n\u{1f}\u{1f}y\n",
    "[options]\nx = 1\u{0b}2\u{0c}\n",
    "[options]\nx = 1\n\u{0b}\n  y\n",
    "[options]\nx = 1\n\u{3000}y\n",
    "[options]\n\u{3000}x = 1\n  y\n",
    "[options]\n\u{200b}x = 1\n",
    "[options]\nΣ = 1\nΑΣ = 2\nİ = 3\n",
    "[options]\nkey with spaces = v\n",
    "[options]\nx-y = 1\nx_y = 2\n",
    "[options]\ndbfilter = ^%d$\nlog_handler = [':INFO']\n",
    "[options]\nurl = http://a:b@c/d?e=f\n",
    "[options]\nx=\n",
    "[options]\nx = \t \n",
    "[options]\n  x = 1\n y = 2\n  z\n",
    "[options]\nx = 1\n\t\ty\n",
    "[options]\nx = 1\n  y\ngarbage\n   z\n",
    "[queue_job]\nchannels = root:2\n[options]\nworkers = 2\n",
    "[options]\n;workers = 0\n#workers=0\n; workers:\n",
    "[options]\nadmin_passwd = a;b#c\n",
    "[options]\nx = 1\n[other]\n  y = 2\n",
];

#[test]
fn hand_written_corpus_agrees_with_python() {
    let inputs: Vec<Vec<u8>> = CORPUS.iter().map(|s| s.as_bytes().to_vec()).collect();
    assert_agree(&inputs);
}

#[test]
fn byte_level_corpus_agrees_with_python() {
    let inputs: Vec<Vec<u8>> = vec![
        b"[options]\n; caf\xe9\nworkers = 4\n".to_vec(),
        b"\xff\xfe[\x00o\x00".to_vec(),
        b"[options]\nx = \xe2\x82\n".to_vec(),
        b"[options]\nx = \xed\xa0\x80\n".to_vec(),
        b"[options]\nx = \xc0\xaf\n".to_vec(),
        b"[options]\nx = 1\xe2".to_vec(),
        b"[options]\nx = \x00\n".to_vec(),
        b"workers = 4\n\xff\n".to_vec(),
        // Found by the generator: an incomplete sequence at EOF is only decoded after every complete line.
        b"workers = 4\n; caf\xe9".to_vec(),
        b"[s]\na = 1\na = 2\n; caf\xe9".to_vec(),
        b"[s]\na = 1\na = 2\n; caf\xe9\n".to_vec(),
    ];
    assert_agree(&inputs);
}

#[test]
fn decode_errors_in_later_chunks_agree_with_python() {
    let padding = |n: usize| format!("; {}\n", "p".repeat(n)).into_bytes();
    let mut cases = Vec::new();
    // An immediate error in the first 8 KiB chunk, an invalid byte in a later one: Python reports the former.
    let mut a = b"[s]\nx = 1\nx = 2\n".to_vec();
    a.extend(padding(9000));
    a.extend(b"\xff\n");
    cases.push(a);
    // Invalid byte in the first chunk: decoding fails before any line is parsed.
    let mut b = b"x = 1\n\xff\n".to_vec();
    b.extend(padding(9000));
    cases.push(b);
    // A parse error (deferred) loses to a decode error anywhere.
    let mut c = b"[s]\nbad\n".to_vec();
    c.extend(padding(20000));
    c.extend(b"\xff");
    cases.push(c);
    // Valid multi-byte characters straddling the 8 KiB boundary.
    let mut d = b"[s]\nx = ".to_vec();
    d.extend("é".repeat(6000).into_bytes());
    d.extend(b"\n");
    cases.push(d);
    assert_agree(&cases);
    // Through real files and `read([path])`, as Odoo does, the outcome is the same.
    let dir = tempfile::tempdir().expect("tempdir");
    let paths: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            let p = dir.path().join(format!("{i}.conf"));
            std::fs::write(&p, bytes).expect("write");
            p.to_string_lossy().into_owned()
        })
        .collect();
    let from_files = python_paths(&paths);
    for (bytes, want) in cases.iter().zip(from_files) {
        assert_eq!(support::ours(&Document::parse(bytes)), want);
    }
}

#[test]
fn whitespace_table_matches_python() {
    let answer = request(&serde_json::json!({"op": "space_table"}));
    let python: Vec<u32> = answer
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v.as_u64())
        .map(|v| v as u32)
        .collect();
    let ours: Vec<u32> = pychar::PY_WHITESPACE.iter().map(|&c| c as u32).collect();
    assert_eq!(ours, python);
}

#[test]
fn lower_matches_python_for_every_code_point() {
    let answer = request(&serde_json::json!({"op": "lower_table"}));
    let python: std::collections::BTreeMap<u32, String> = answer
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|kv| Some((kv.get(0)?.as_u64()? as u32, kv.get(1)?.as_str()?.to_string())))
        .collect();
    for c in (0..=0x10ffffu32).filter_map(char::from_u32) {
        let s = c.to_string();
        let ours = pychar::lower(&s);
        let want = python.get(&(c as u32)).cloned().unwrap_or(s.clone());
        assert_eq!(ours, want, "lower({c:?}) U+{:04X}", c as u32);
    }
    // Final sigma depends on context; check strings too.
    let samples = [
        "ΑΣ",
        "ΑΣ Β",
        "Σ",
        "ΑΣΑ",
        "Α.Σ",
        "Α'Σ",
        "ΑΣ'",
        "ΑΣ\u{a7cb}",
        "\u{a7cb}Σ",
        "İSTANBUL",
        "ǅ",
        "ß",
    ];
    let answer = request(&serde_json::json!({"op": "lower", "inputs": samples}));
    for (s, want) in samples.iter().zip(answer.as_array().expect("list")) {
        assert_eq!(
            pychar::lower(s),
            want.as_str().unwrap_or_default(),
            "lower({s:?})"
        );
    }
}

// ---- generated files (generators in conf_support.rs) ------------------------------------------------

/// Batches per run (`CONF_DIFF_CASES=2000 cargo test --release --test conf_differential` for a long soak).
fn cases() -> u32 {
    std::env::var("CONF_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// About 40 × 50 = 2000 generated files per run, each checked against python3 (one request per batch).
    #[test]
    fn generated_files_agree_with_python(files in proptest::collection::vec(ini_file(), 50)) {
        let expected = python(&files);
        for (input, want) in files.iter().zip(expected) {
            let got = support::ours(&Document::parse(input));
            prop_assert_eq!(got, want, "input: {}", support::show(input));
        }
    }

    /// Arbitrary Unicode text with the structural characters over-represented.
    #[test]
    fn random_text_agrees_with_python(texts in proptest::collection::vec(
        proptest::collection::vec(prop_oneof![
            4 => any::<char>(),
            6 => proptest::sample::select(&['\n', '\r', '=', ':', '[', ']', ';', '#', ' ', '\t', 'a', 'B', '\u{a0}', '\u{85}', '\u{1c}'][..]),
        ], 0..80),
        50,
    )) {
        let inputs: Vec<Vec<u8>> = texts.iter().map(|t| {
            let mut s = String::from("[s]\n");
            s.extend(t.iter());
            s.into_bytes()
        }).collect();
        let expected = python(&inputs);
        for (input, want) in inputs.iter().zip(expected) {
            prop_assert_eq!(support::ours(&Document::parse(input)), want, "input: {}", support::show(input));
        }
    }
}

#[test]
fn generator_covers_the_interesting_outcomes() {
    // Guard against a generator that silently stops producing errors or successes.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let files: Vec<Vec<u8>> = (0..400)
        .map(|_| {
            ini_file()
                .new_tree(&mut runner)
                .map(|t| t.current())
                .unwrap_or_default()
        })
        .collect();
    let outcomes = python(&files);
    let mut kinds = std::collections::BTreeSet::new();
    for o in &outcomes {
        kinds.insert(match o {
            Outcome::Error { class, .. } => class.clone(),
            Outcome::Read { .. } => "ok".to_string(),
        });
    }
    for k in [
        "ok",
        "ParsingError",
        "DuplicateOptionError",
        "DuplicateSectionError",
        "MissingSectionHeaderError",
        "UnicodeDecodeError",
    ] {
        assert!(kinds.contains(k), "generator never produced {k}: {kinds:?}");
    }
    let ok = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Read { .. }))
        .count();
    assert!(
        ok * 5 >= outcomes.len(),
        "too few readable files: {ok}/{}",
        outcomes.len()
    );
}
