use super::*;
use crate::limits::Budget;
use crate::plan::{self, Knobs, PlanInput};

const GIB: u64 = 1 << 30;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/conf")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn sized(original: Option<&[u8]>, version: OdooVersion, fix: bool) -> Result<Outcome, Refused> {
    let prepared = Prepared::new(original, version, fix)?;
    let plan = plan::plan(&PlanInput {
        budget: Budget {
            cpus: 2.0,
            memory_bytes: 4 * GIB,
        },
        version,
        knobs: Knobs::default(),
        pins: Vec::new(),
        current: prepared.current_values(),
    })
    .expect("plan");
    prepared.apply(&plan)
}

fn options(bytes: &[u8]) -> BTreeMap<String, String> {
    Document::parse(bytes)
        .values(OPTIONS)
        .map(|v| v.into_pairs().into_iter().collect())
        .unwrap_or_default()
}

#[test]
fn the_official_default_gets_the_plan_and_keeps_everything_else() {
    let original = fixture("official-18.0.conf");
    let outcome = sized(Some(&original), OdooVersion::V18, false).expect("sized");
    let after = outcome.bytes();
    let values = options(&after);
    assert_eq!(values.get("workers").map(String::as_str), Some("4"));
    assert_eq!(values.get("max_cron_threads").map(String::as_str), Some("1"));
    // Every line of the original is still there, in order (only additions or in-place value changes).
    let before_lines: Vec<&[u8]> = original.split(|b| *b == b'\n').collect();
    let after_text = String::from_utf8_lossy(&after);
    for line in before_lines
        .iter()
        .filter(|l| !l.starts_with(b";") && !l.is_empty())
    {
        assert!(
            after_text.contains(&*String::from_utf8_lossy(line)),
            "lost line {:?}",
            String::from_utf8_lossy(line)
        );
    }
    assert!(outcome.changed());
}

#[test]
fn a_second_application_changes_nothing() {
    let original = fixture("doc-block.conf");
    let first = sized(Some(&original), OdooVersion::V18, false)
        .expect("first")
        .bytes();
    let second = sized(Some(&first), OdooVersion::V18, false).expect("second");
    assert!(!second.changed(), "{}", second.masked_diff("odoo.conf"));
    assert!(second.changes.is_empty());
}

#[test]
fn a_missing_file_is_created_with_an_options_section() {
    let outcome = sized(None, OdooVersion::V17, false).expect("sized");
    let text = String::from_utf8(outcome.bytes()).expect("utf-8");
    assert!(text.starts_with("[options]\n"), "{text}");
    assert!(outcome.changed());
    assert_eq!(
        options(&outcome.bytes()).get("workers").map(String::as_str),
        Some("4")
    );
}

#[test]
fn files_odoo_cannot_load_are_refused_with_their_lines() {
    for (name, rule, line) in [
        ("duplicate-key.conf", "duplicate-key", 6),
        ("missing-header.conf", "missing-section-header", 2),
        ("bom.conf", "missing-section-header", 1),
        ("options-wrong-case.conf", "section-case", 1),
    ] {
        let err = sized(Some(&fixture(name)), OdooVersion::V18, false).unwrap_err();
        assert!(
            err.refusals
                .iter()
                .any(|r| r.rule == rule && r.line == Some(line)),
            "{name}: {err}"
        );
    }
}

#[test]
fn uncastable_integers_are_refused_and_fix_moves_comments() {
    let text = b"[options]\nworkers = 4 ; four\nhttp_port = 8069\n";
    let err = sized(Some(text), OdooVersion::V16, false).unwrap_err();
    assert_eq!(err.refusals[0].rule, "inline-comment");
    assert_eq!(err.refusals[0].line, Some(2));
    let fixed = sized(Some(text), OdooVersion::V16, true).expect("fixed").bytes();
    let fixed = String::from_utf8(fixed).expect("utf-8");
    assert!(fixed.starts_with("[options]\n; four\nworkers = 4\n"), "{fixed}");
    for bad in [
        &b"[options]\nlimit_time_cpu = four\n"[..],
        b"[options]\ndb_maxconn =\n",
    ] {
        let err = sized(Some(bad), OdooVersion::V18, true).unwrap_err();
        assert_eq!(err.refusals[0].rule, "invalid-int", "{err}");
    }
    let err = sized(
        Some(b"[options]\nworkers = 2\nbad\x00\n"),
        OdooVersion::V18,
        false,
    )
    .unwrap_err();
    assert_eq!(err.refusals[0].rule, "binary-file");
}

#[test]
fn a_managed_key_with_a_continuation_is_refused() {
    let text = b"[options]\nworkers = 4\n  limit_time_cpu = 60\n";
    let err = sized(Some(text), OdooVersion::V18, false).unwrap_err();
    assert!(
        err.refusals.iter().any(|r| r.rule == "continuation-line"),
        "{err}"
    );
}

#[test]
fn string_options_with_comments_are_warned_not_refused() {
    let text = b"[options]\ndbfilter = ^%d$ ; note\nadmin_passwd = s3cret ; old\n";
    let outcome = sized(Some(text), OdooVersion::V18, false).expect("sized");
    assert!(
        outcome
            .warnings
            .iter()
            .any(|w| w.contains("line 2") && w.contains("; note")),
        "{:?}",
        outcome.warnings
    );
    assert!(
        outcome
            .warnings
            .iter()
            .all(|w| !w.contains("s3cret") && !w.contains("; old")),
        "{:?}",
        outcome.warnings
    );
}

#[test]
fn diffs_mask_secrets() {
    let text = b"[options]\nadmin_passwd = s3cret\ndb_password = hunter2\n; workers = 0\n";
    let outcome = sized(Some(text), OdooVersion::V18, false).expect("sized");
    let diff = outcome.masked_diff("odoo.conf");
    assert!(diff.contains("+workers = 4"), "{diff}");
    assert!(!diff.contains("s3cret") && !diff.contains("hunter2"), "{diff}");
}

#[test]
fn crlf_and_missing_final_newline_are_kept() {
    let original = fixture("crlf.conf");
    let after = sized(Some(&original), OdooVersion::V18, false)
        .expect("sized")
        .bytes();
    assert!(
        !after.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'),
        "a bare LF appeared"
    );
    let original = fixture("no-final-newline.conf");
    let after = sized(Some(&original), OdooVersion::V18, false)
        .expect("sized")
        .bytes();
    assert_ne!(after.last(), Some(&b'\n'));
}

#[test]
fn find_nul_finds_the_first_nul_byte() {
    assert_eq!(super::find_nul(b""), None);
    assert_eq!(super::find_nul(b"[options]\nworkers = 2\n"), None);
    assert_eq!(super::find_nul(b"\0"), Some(0));
    assert_eq!(super::find_nul(b"ab\0c\0"), Some(2));
    // Past the first vector widths, and at the very end.
    let mut long = vec![b'x'; 1000];
    long.push(0);
    assert_eq!(super::find_nul(&long), Some(1000));
    long[517] = 0;
    assert_eq!(super::find_nul(&long), Some(517));
    assert_eq!(super::find_nul(&long[518..]), Some(482));
}

#[test]
fn the_original_is_the_bytes_as_read_in_every_case() {
    // Edited: the bytes that were read, not the result.
    let read = fixture("official-18.0.conf");
    let edited = sized(Some(&read), OdooVersion::V18, false).expect("edited");
    assert_eq!(edited.original(), Some(&read[..]));
    assert_ne!(edited.document.as_bytes(), &read[..]);
    // Already sized: nothing changed, the original is the document's bytes.
    let result = edited.bytes();
    let again = sized(Some(&result), OdooVersion::V18, false).expect("again");
    assert_eq!(again.original(), Some(&result[..]));
    assert!(!again.changed());
    // --fix changed the document before the plan: the original is still the file as read, also when the
    // plan itself then changes nothing.
    let commented = b"[options]\nworkers = 4 ; four\n";
    let fixed = sized(Some(commented), OdooVersion::V16, true).expect("fixed");
    assert_eq!(fixed.original(), Some(&commented[..]));
    assert!(fixed.changed());
    let mut already_sized = sized(None, OdooVersion::V16, false).expect("created").bytes();
    already_sized.extend_from_slice(b"log_level = info ; chatty\n");
    let only_fixed = sized(Some(&already_sized), OdooVersion::V16, true).expect("only fixed");
    assert!(
        only_fixed.changes.iter().all(|c| c.key == "log_level"),
        "{:?}",
        only_fixed.changes
    );
    assert_eq!(only_fixed.original(), Some(&already_sized[..]));
    assert!(only_fixed.changed());
    // A missing file has no original.
    let created = sized(None, OdooVersion::V18, false).expect("created");
    assert_eq!(created.original(), None);
    assert!(created.changed());
}
