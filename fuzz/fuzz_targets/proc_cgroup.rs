//! Fuzz target `proc_cgroup`: the `/proc/self/cgroup` parser (`limits::proc_cgroup`).
//!
//! Checks, for any text:
//! - every non-blank line is either a parsed line or a bad line (own text, 1-based number, in order);
//! - every path starts with `/`, every hierarchy ID is decimal digits;
//! - a line is the unified (v2) one iff its hierarchy is `0` and it has no controllers;
//! - controllers are non-empty, never `name=...`, never contain `,` or `:`, and `has_controller` finds
//!   each of them on v1 lines only;
//! - a parsed line written back as `ID:CONTROLLERS:PATH` parses to the same line.
//!
//! libfuzzer: -max_len=4096
#![cfg_attr(not(test), no_main)]

use odoo_sizer::limits::proc_cgroup;

/// The whole check; `tests/fuzz_corpus.rs` replays the corpus through it.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (parsed, bad) = proc_cgroup::parse(&text);
    let lines: Vec<&str> = text.lines().collect();
    let non_blank = lines.iter().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(parsed.len() + bad.len(), non_blank, "lines lost or doubled");

    let mut previous = 0;
    for b in &bad {
        assert!(
            b.line > previous && b.line <= lines.len(),
            "bad line number {}",
            b.line
        );
        assert_eq!(b.text, lines[b.line - 1]);
        assert!(
            proc_cgroup::parse_line(&b.text).is_none(),
            "{:?} is both bad and good",
            b.text
        );
        previous = b.line;
    }

    for line in &parsed {
        assert!(line.path.starts_with('/'), "path {:?}", line.path);
        assert!(
            !line.hierarchy.is_empty() && line.hierarchy.bytes().all(|b| b.is_ascii_digit()),
            "hierarchy {:?}",
            line.hierarchy
        );
        assert_eq!(
            line.is_unified(),
            line.hierarchy == "0" && line.controllers.is_empty(),
            "{line:?}"
        );
        for c in &line.controllers {
            assert!(
                !c.is_empty() && !c.starts_with("name=") && !c.contains([',', ':']),
                "controller {c:?}"
            );
            assert_eq!(line.has_controller(c), !line.is_unified(), "{line:?}");
        }
        let written = format!("{}:{}:{}", line.hierarchy, line.controllers.join(","), line.path);
        assert_eq!(
            proc_cgroup::parse_line(&written).as_ref(),
            Some(line),
            "{written:?} does not parse back"
        );
    }
}

#[cfg(not(test))]
libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
