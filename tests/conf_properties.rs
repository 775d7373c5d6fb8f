//! Properties of the document model: rendering is lossless for arbitrary bytes, and `set_many` on a file
//! Python can read makes Python read exactly the requested values, changes nothing else (values or bytes
//! outside the touched lines), and is idempotent. Edited files are checked with python3 in batches.

#[path = "conf_support.rs"]
mod support;

use std::collections::BTreeMap;

use odoo_sizer::conf::{ChangeKind, Document, EditError, LineKind};
use proptest::prelude::*;
use support::{ini_file, pick, python, show, Outcome};

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn render_of_parse_is_identity_for_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let doc = Document::parse(&bytes);
        prop_assert_eq!(doc.render(), bytes.clone());
        // Masking keeps the line structure.
        let masked = Document::parse(&doc.masked());
        prop_assert_eq!(masked.line_count(), doc.line_count());
        // The views never panic and stay inside the document.
        for line in doc.lines() {
            let _ = (line.kind(), line.text(), line.section(), line.entry().map(|e| e.inline_comment()));
        }
        let _ = (doc.python_error(), doc.sections(), doc.values("options"), doc.line_ending());
    }

    #[test]
    fn render_of_parse_is_identity_for_ini_like_bytes(bytes in ini_file()) {
        prop_assert_eq!(Document::parse(&bytes).render(), bytes);
    }

    /// Where each line starts and its indentation are derived, not recorded: the lines' bytes and
    /// endings put together are the input, and each line's indentation is the number of characters
    /// Python's `lstrip()` removes from it.
    #[test]
    fn lines_and_indentation_are_as_defined(bytes in prop_oneof![
        ini_file(),
        proptest::collection::vec(prop_oneof![Just(b' '), Just(b'\t'), Just(0xc2), Just(0xa0), Just(0xe3), Just(0x80), any::<u8>()], 0..300),
    ]) {
        let doc = Document::parse(&bytes);
        let mut joined = Vec::new();
        for line in doc.lines() {
            let content = line.bytes();
            joined.extend_from_slice(content);
            joined.extend_from_slice(line.ending().as_bytes());
            let (_, _, leading) = odoo_sizer::conf::pychar::strip(content, 0, content.len());
            prop_assert_eq!(line.indent(), leading, "line {} of {}", line.number(), show(&bytes));
        }
        prop_assert_eq!(joined, bytes);
    }

    /// Edits never panic on any input, and a refused edit leaves the document untouched. Whatever the
    /// outcome, the document is exactly the parse of its bytes (edits parse into the old document's
    /// record buffers, and parse the old bytes again when they refuse).
    #[test]
    fn edits_are_total(bytes in prop_oneof![ini_file(), proptest::collection::vec(any::<u8>(), 0..300)], settings in settings()) {
        let mut doc = Document::parse(&bytes);
        if doc.set_many("options", settings.iter().map(|(k, v)| (k.as_str(), v.as_str()))).is_err() {
            prop_assert_eq!(doc.render(), bytes.clone());
        }
        prop_assert_eq!(&doc, &Document::parse(&doc.render()));
        let mut doc = Document::parse(&bytes);
        for line in 0..=doc.line_count() + 1 {
            let before = doc.render();
            if doc.move_inline_comment(line).is_err() {
                prop_assert_eq!(doc.render(), before);
            }
            prop_assert_eq!(&doc, &Document::parse(&doc.render()));
        }
    }
}

fn settings() -> impl Strategy<Value = Vec<(String, String)>> {
    let key = pick(&[
        "workers",
        "max_cron_threads",
        "limit_time_cpu",
        "db_maxconn",
        "a",
        "b",
        "new_key",
        "admin_passwd",
    ]);
    let value = prop_oneof![
        6 => pick(&["4", "600", "0", "True", "root:2"]),
        2 => pick(&["", "a b", "x ; y", "é", "^%d$", "[v]", "=", ":"]),
    ];
    proptest::collection::btree_map(key, value, 1..5).prop_map(|m| m.into_iter().collect())
}

fn own_map(pairs: &[(String, String)]) -> BTreeMap<String, String> {
    pairs.iter().cloned().collect()
}

/// Content (without terminator) of every line not in `skip` (1-based).
fn kept_lines(doc: &Document, skip: &[usize]) -> Vec<Vec<u8>> {
    doc.lines()
        .filter(|l| !skip.contains(&l.number()))
        .map(|l| l.bytes().to_vec())
        .collect()
}

struct Case {
    input: Vec<u8>,
    settings: Vec<(String, String)>,
    output: Vec<u8>,
    created: bool,
}

/// Batches per run (`CONF_SET_CASES=1000 cargo test --release --test conf_properties` for a long soak).
fn set_cases() -> u32 {
    std::env::var("CONF_SET_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: set_cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// ~24 batches × 60 files; each batch is checked with one python3 request.
    #[test]
    fn set_many_is_exact_minimal_and_idempotent(
        batch in proptest::collection::vec((ini_file(), settings()), 60)
    ) {
        let mut cases = Vec::new();
        for (input, settings) in batch {
            let mut doc = Document::parse(&input);
            if !doc.is_loadable() {
                continue;
            }
            let before = Document::parse(&input);
            match doc.set_many("options", settings.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
                Err(EditError::Continuation { key, .. }) => {
                    prop_assert!(before.entry("options", &key).is_some_and(|e| e.has_continuation()));
                    prop_assert_eq!(doc.render(), input);
                }
                Err(EditError::InlineComment { key, .. }) => {
                    prop_assert!(before.inline_comment("options", &key).is_some());
                    prop_assert_eq!(doc.render(), input);
                }
                Err(e) => prop_assert!(false, "unexpected refusal {} on {}", e, show(&input)),
                Ok(changes) => {
                    // Bytes outside the touched lines are unchanged.
                    let old_skip: Vec<usize> = changes.iter().filter_map(|c| c.before).collect();
                    let mut new_skip: Vec<usize> = changes.iter().map(|c| c.after).collect();
                    let created = changes.iter().any(|c| c.kind == ChangeKind::SectionCreated);
                    if let Some(header) = changes.iter().find(|c| c.kind == ChangeKind::SectionCreated) {
                        // The blank separator line before a new section.
                        if doc.line(header.after - 1).is_some_and(|l| l.kind() == LineKind::Blank && l.number() > before.line_count()) {
                            new_skip.push(header.after - 1);
                        }
                    }
                    prop_assert_eq!(kept_lines(&before, &old_skip), kept_lines(&doc, &new_skip), "{}", show(&input));
                    // Line endings are kept; only the old last line may gain one (when lines follow it).
                    prop_assert_eq!(doc.has_final_newline(), before.has_final_newline());
                    // Line endings of the kept lines are unchanged, except that the old last line may gain one.
                    let last = before.line_count();
                    let endings_before: Vec<_> =
                        before.lines().filter(|l| !old_skip.contains(&l.number())).map(|l| (l.number(), l.ending())).collect();
                    let endings_after: Vec<_> =
                        doc.lines().filter(|l| !new_skip.contains(&l.number())).map(|l| l.ending()).collect();
                    prop_assert_eq!(endings_before.len(), endings_after.len());
                    for ((number, old), new) in endings_before.iter().zip(&endings_after) {
                        if *number != last {
                            prop_assert_eq!(old, new, "line {} of {}", number, show(&input));
                        }
                    }
                    // Idempotent.
                    let once = doc.render();
                    let again = doc.set_many("options", settings.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                    prop_assert_eq!(again.map(|c| c.len()), Ok(0));
                    prop_assert_eq!(doc.render(), once.clone());
                    cases.push(Case { input, settings, output: once, created });
                }
            }
        }
        // Python reads the requested values and nothing else changed.
        let mut inputs = Vec::new();
        for c in &cases {
            inputs.push(c.input.clone());
            inputs.push(c.output.clone());
        }
        let outcomes = python(&inputs);
        for (c, pair) in cases.iter().zip(outcomes.chunks(2)) {
            let (Some(Outcome::Read { sections: s0, defaults: d0, items: i0, own: o0 }),
                 Some(Outcome::Read { sections: s1, defaults: d1, items: i1, own: o1 })) = (pair.first(), pair.get(1)) else {
                prop_assert!(false, "python refuses {} (edited from {})", show(&c.output), show(&c.input));
                continue;
            };
            let mut want_sections = s0.clone();
            if c.created {
                want_sections.push("options".to_string());
            }
            prop_assert_eq!(s1, &want_sections);
            prop_assert_eq!(d0, d1);
            for s in s0.iter().filter(|s| s.as_str() != "options") {
                prop_assert_eq!(i0.get(s), i1.get(s), "section {} changed", s);
                prop_assert_eq!(o0.get(s), o1.get(s));
            }
            let mut want = own_map(o0.get("options").map(Vec::as_slice).unwrap_or_default());
            for (k, v) in &c.settings {
                want.insert(k.clone(), v.clone());
            }
            let got = own_map(o1.get("options").map(Vec::as_slice).unwrap_or_default());
            prop_assert_eq!(got, want, "{} -> {}", show(&c.input), show(&c.output));
        }
    }
}

#[test]
fn set_covers_all_placements_on_generated_files() {
    // Guard against a generator that never exercises a placement rule.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..600 {
        let Ok(tree) = (ini_file(), settings()).new_tree(&mut runner) else {
            continue;
        };
        let (input, settings) = tree.current();
        let mut doc = Document::parse(&input);
        if let Ok(changes) = doc.set_many("options", settings.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
            for c in changes {
                seen.insert(match c.kind {
                    ChangeKind::Updated { .. } => "updated",
                    ChangeKind::Uncommented { .. } => "uncommented",
                    ChangeKind::Added { .. } => "added",
                    ChangeKind::SectionCreated => "created",
                    ChangeKind::InlineCommentMoved { .. } => "moved",
                });
            }
        }
    }
    for k in ["updated", "uncommented", "added", "created"] {
        assert!(seen.contains(k), "never saw {k}: {seen:?}");
    }
}
