//! The realistic fixtures under `tests/fixtures/conf/`: round trip, agreement with python3 (from bytes and
//! through `RawConfigParser().read([path])` like Odoo), what each file is for, and the sizing edit `apply`
//! will make on it.

#[path = "conf_support.rs"]
mod support;

use std::path::PathBuf;

use odoo_sizer::conf::{ChangeKind, Document, EditError, LineEnding, PyErrorClass, MASK};
use support::{python, python_paths, Outcome};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conf")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn all_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("fixture dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".conf"))
        .collect();
    names.sort();
    names
}

/// Python's verdict on each fixture: `None` when it reads the file.
const VERDICTS: &[(&str, Option<(PyErrorClass, usize)>)] = &[
    ("addons-sections.conf", None),
    ("bom.conf", Some((PyErrorClass::MissingSectionHeader, 1))),
    ("continuation.conf", None),
    ("crlf.conf", None),
    ("default-section.conf", None),
    ("doc-block-indented-example.conf", None),
    ("doc-block.conf", None),
    ("duplicate-key.conf", Some((PyErrorClass::DuplicateOption, 6))),
    ("empty.conf", None),
    ("latin1-comment.conf", Some((PyErrorClass::UnicodeDecode, 2))),
    ("lone-cr.conf", None),
    (
        "missing-header.conf",
        Some((PyErrorClass::MissingSectionHeader, 2)),
    ),
    ("no-final-newline.conf", None),
    ("official-18.0.conf", None),
    ("options-wrong-case.conf", None),
    ("secrets.conf", None),
    ("seed-inline-comments.conf", None),
    ("stale-keys.conf", None),
    ("upper-colon.conf", None),
];

/// The keys a sizing plan writes.
const SIZING: &[(&str, &str)] = &[
    ("workers", "5"),
    ("max_cron_threads", "1"),
    ("limit_memory_soft", "629145600"),
    ("limit_memory_hard", "1677721600"),
    ("limit_time_cpu", "600"),
    ("limit_time_real", "1200"),
    ("db_maxconn", "16"),
];

#[test]
fn every_fixture_is_listed_and_there_are_enough() {
    let listed: Vec<String> = VERDICTS.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(all_fixtures(), listed);
    assert!(listed.len() >= 15);
}

#[test]
fn fixtures_round_trip_byte_for_byte() {
    for name in all_fixtures() {
        let bytes = read(&name);
        let doc = Document::parse(&bytes);
        assert_eq!(doc.render(), bytes, "{name}");
        assert_eq!(
            doc.masked().iter().filter(|&&b| b == b'\n').count(),
            bytes.iter().filter(|&&b| b == b'\n').count(),
            "{name}"
        );
    }
}

#[test]
fn fixtures_agree_with_python_and_have_the_expected_verdict() {
    let names = all_fixtures();
    let inputs: Vec<Vec<u8>> = names.iter().map(|n| read(n)).collect();
    let from_bytes = python(&inputs);
    let paths: Vec<String> = names
        .iter()
        .map(|n| dir().join(n).to_string_lossy().into_owned())
        .collect();
    let from_files = python_paths(&paths);
    for (((name, input), by_bytes), by_file) in names.iter().zip(&inputs).zip(from_bytes).zip(from_files) {
        let doc = Document::parse(input);
        let ours = support::ours(&doc);
        assert_eq!(ours, by_bytes, "{name}: bytes");
        assert_eq!(ours, by_file, "{name}: read([path])");
        let verdict = VERDICTS.iter().find(|(n, _)| n == name).and_then(|(_, v)| *v);
        let got = doc
            .python_error()
            .map(|e| (e.class, e.lines.first().copied().unwrap_or(0)));
        assert_eq!(got, verdict, "{name}");
    }
}

#[test]
fn official_default_uncomments_the_commented_defaults() {
    let mut doc = Document::parse(&read("official-18.0.conf"));
    let changes = doc.set_many("options", SIZING.iter().copied()).expect("set");
    assert!(
        changes
            .iter()
            .all(|c| matches!(c.kind, ChangeKind::Uncommented { .. })),
        "{changes:?}"
    );
    let text = doc.as_str().expect("utf-8");
    assert!(
        text.contains("\nworkers = 5\n") && text.contains("\ndb_maxconn = 16\n"),
        "{text}"
    );
    assert_eq!(doc.line_count(), 37, "no line added or removed");
    // The changes are reported in order with unchanged line numbers.
    let workers = changes.iter().find(|c| c.key == "workers").expect("workers");
    assert_eq!((workers.before, workers.after), (Some(31), 31));
}

#[test]
fn doc_blocks_keep_their_keys() {
    let mut doc = Document::parse(&read("doc-block.conf"));
    let before = doc.render();
    doc.set_many("options", SIZING.iter().copied()).expect("set");
    let text = doc.as_str().expect("utf-8");
    // The canonical line under its doc block was uncommented; the heading and the example were not.
    assert!(text.contains("; workers:\n"), "{text}");
    assert!(
        text.contains(";       workers = 9      ; a 4-CPU machine\nworkers = 5\n"),
        "{text}"
    );
    assert_eq!(doc.line_count(), Document::parse(&before).line_count());
}

#[test]
fn indented_example_is_not_swallowed() {
    let mut doc = Document::parse(&read("doc-block-indented-example.conf"));
    let addons = doc
        .values("options")
        .and_then(|v| v.get("addons_path").map(str::to_string));
    assert!(
        addons.as_deref().is_some_and(|v| v.contains("(workers")),
        "the latent bug is real: {addons:?}"
    );
    let changes = doc
        .set_many("options", [("db_maxconn", "16"), ("workers", "5")])
        .expect("set");
    let kinds: Vec<(&str, bool)> = changes
        .iter()
        .map(|c| (c.key.as_str(), matches!(c.kind, ChangeKind::Added { .. })))
        .collect();
    assert_eq!(kinds, vec![("db_maxconn", true), ("workers", false)]);
    assert_eq!(
        doc.values("options")
            .and_then(|v| v.get("addons_path").map(str::to_string)),
        addons
    );
}

#[test]
fn seed_inline_comments_are_detected_refused_and_fixable() {
    let bytes = read("seed-inline-comments.conf");
    let mut doc = Document::parse(&bytes);
    let inline: Vec<(String, usize)> = doc
        .entries()
        .filter_map(|e| e.inline_comment().map(|c| (e.key().to_string(), c.line)))
        .collect();
    let keys: Vec<&str> = inline.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "addons_path",
            "admin_passwd",
            "db_port",
            "db_password",
            "workers",
            "max_cron_threads",
            "limit_time_cpu",
            "dbfilter"
        ]
    );
    let err = doc
        .set_many("options", SIZING.iter().copied())
        .expect_err("refused");
    assert!(matches!(err, EditError::InlineComment { line: 9, .. }), "{err}");
    assert_eq!(doc.render(), bytes);
    // --fix: move every non-secret inline comment, bottom-up so line numbers stay valid.
    for (key, line) in inline.iter().rev() {
        let moved = doc.move_inline_comment(*line);
        if odoo_sizer::conf::is_secret_key(key) {
            assert!(
                matches!(moved, Err(EditError::SecretInlineComment { .. })),
                "{key}"
            );
        } else {
            moved.unwrap_or_else(|e| panic!("{key}: {e}"));
        }
    }
    let text = doc.as_str().expect("utf-8").to_string();
    assert!(
        text.contains("; (2 * CPU) + 1 would be 5\nworkers = 4\n"),
        "{text}"
    );
    assert!(
        text.contains("admin_passwd = Sup3r;Secret ; rotate monthly\n"),
        "secrets untouched"
    );
    doc.set_many("options", SIZING.iter().copied())
        .expect("set after the fix");
    let v = doc.values("options").expect("options");
    assert_eq!(v.get("workers"), Some("5"));
    assert_eq!(v.get("dbfilter"), Some("^%d$"));
    assert!(matches!(&python(&[doc.render()])[0], Outcome::Read { .. }));
}

#[test]
fn continuation_under_a_managed_key_is_refused() {
    let mut doc = Document::parse(&read("continuation.conf"));
    assert_eq!(doc.continuation_lines("options", "addons_path"), vec![3]);
    assert_eq!(doc.continuation_lines("options", "log_handler"), vec![10, 12]);
    let v = doc.values("options").expect("options");
    assert_eq!(v.get("workers"), Some("4\nlimit_time_cpu = 600"));
    assert_eq!(
        v.get("log_handler"),
        Some(":INFO,\nwerkzeug:WARNING\n\nodoo.addons.base.models.ir_cron:DEBUG")
    );
    let err = doc.set("options", "workers", "5").expect_err("refused");
    assert!(
        matches!(err, EditError::Continuation { line: 5, ref continuation, .. } if continuation == &vec![6])
    );
    // A key without continuation is still added after the last entry's last continuation line.
    doc.set("options", "db_maxconn", "16").expect("set");
    assert_eq!(
        doc.line(13).map(|l| l.text().into_owned()).as_deref(),
        Some("db_maxconn = 16")
    );
}

#[test]
fn crlf_lone_cr_and_missing_final_newline_are_kept() {
    let mut doc = Document::parse(&read("crlf.conf"));
    doc.set_many("options", SIZING.iter().copied()).expect("set");
    let bytes = doc.render();
    assert!(
        !bytes.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'),
        "only CRLF"
    );
    assert!(doc.lines().all(|l| l.ending() == LineEnding::CrLf));

    let mut doc = Document::parse(&read("lone-cr.conf"));
    doc.set_many("options", SIZING.iter().copied()).expect("set");
    assert!(!doc.render().contains(&b'\n'));
    assert_eq!(
        doc.values("options")
            .and_then(|v| v.get("max_cron_threads").map(str::to_string))
            .as_deref(),
        Some("1")
    );

    let mut doc = Document::parse(&read("no-final-newline.conf"));
    doc.set_many("options", SIZING.iter().copied()).expect("set");
    assert!(!doc.has_final_newline());
    assert!(doc.as_str().expect("utf-8").ends_with("\nworkers = 5"), "{doc}");
}

#[test]
fn upper_case_keys_are_updated_in_their_own_style() {
    let mut doc = Document::parse(&read("upper-colon.conf"));
    doc.set_many("options", SIZING.iter().copied()).expect("set");
    let text = doc.as_str().expect("utf-8");
    for line in [
        "WORKERS: 5",
        "Max_Cron_Threads: 1",
        "Limit_Memory_Soft : 629145600",
        "DB_MAXCONN:16",
        "limit_time_cpu:600",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
    }
}

#[test]
fn wrong_case_section_and_other_sections() {
    let doc = Document::parse(&read("options-wrong-case.conf"));
    assert!(!doc.has_section("options"));
    assert_eq!(doc.section_case_mismatches("options"), vec![1]);

    let mut doc = Document::parse(&read("addons-sections.conf"));
    let before_queue = doc.values("queue_job");
    doc.set_many("options", SIZING.iter().copied()).expect("set");
    assert_eq!(doc.values("queue_job"), before_queue);
    assert_eq!(
        doc.values("queue_job")
            .and_then(|v| v.get("channels").map(str::to_string))
            .as_deref(),
        Some("root:2,root.mail:1")
    );
    assert_eq!(
        doc.sections(),
        vec!["options", "queue_job", "ir.config_parameter"]
    );
}

#[test]
fn default_section_values_are_inherited() {
    let doc = Document::parse(&read("default-section.conf"));
    let v = doc.values("options").expect("options");
    assert_eq!(v.get("db_host"), Some("postgres"));
    assert_eq!(v.get("db_user"), Some("odoo_prod"));
    assert_eq!(v.get("log_level"), Some("info"));
}

#[test]
fn secrets_are_masked_everywhere() {
    let bytes = read("secrets.conf");
    let doc = Document::parse(&bytes);
    let masked = String::from_utf8(doc.masked()).expect("utf-8");
    for secret in [
        "aGFzaA",
        "battery",
        "sm:tp=pass",
        "old-token-value",
        "ghp_",
        "aws/secret/key",
    ] {
        assert!(!masked.contains(secret), "{secret} leaked:\n{masked}");
    }
    assert_eq!(masked.matches(MASK).count(), 6, "{masked}");
    assert!(masked.contains("db_user = odoo\n") && masked.contains("smtp_user = mailer\n"));
    assert_eq!(masked.lines().count(), doc.line_count());
}

#[test]
fn refused_fixtures_are_not_edited() {
    for name in [
        "duplicate-key.conf",
        "missing-header.conf",
        "bom.conf",
        "latin1-comment.conf",
    ] {
        let bytes = read(name);
        let mut doc = Document::parse(&bytes);
        let err = doc.set_many("options", SIZING.iter().copied()).expect_err(name);
        assert!(matches!(err, EditError::Unloadable(_)), "{name}: {err}");
        assert!(err.to_string().contains("line "), "{name}: {err}");
        assert_eq!(doc.render(), bytes, "{name}");
    }
}

#[test]
fn sizing_edit_on_every_loadable_fixture_reads_back_in_python_and_is_idempotent() {
    let mut edited = Vec::new();
    for name in all_fixtures() {
        let mut doc = Document::parse(&read(&name));
        if !doc.is_loadable() {
            continue;
        }
        match doc.set_many("options", SIZING.iter().copied()) {
            Ok(_) => {}
            Err(EditError::InlineComment { .. } | EditError::Continuation { .. }) => continue,
            Err(e) => panic!("{name}: {e}"),
        }
        let once = doc.render();
        assert_eq!(
            doc.set_many("options", SIZING.iter().copied()).map(|c| c.len()),
            Ok(0),
            "{name}"
        );
        assert_eq!(doc.render(), once, "{name}");
        edited.push((name, once));
    }
    assert!(edited.len() >= 12, "{}", edited.len());
    let outcomes = python(&edited.iter().map(|(_, b)| b.clone()).collect::<Vec<_>>());
    for ((name, _), outcome) in edited.iter().zip(outcomes) {
        let Outcome::Read { items, .. } = outcome else {
            panic!("{name}: python refuses the edited file: {outcome:?}")
        };
        let options = items
            .get("options")
            .unwrap_or_else(|| panic!("{name}: no [options]"));
        for (k, v) in SIZING {
            assert!(options.iter().any(|(ok, ov)| ok == k && ov == v), "{name}: {k}");
        }
    }
}
