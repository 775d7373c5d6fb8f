//! Fuzz target `mountinfo`: the `/proc/self/mountinfo` parser (`limits::mountinfo`).
//!
//! Checks, for any text:
//! - every non-blank line is either a parsed mount or a bad line, bad lines carry their own text and
//!   1-based number, in order, and `parse_line` refuses them;
//! - every mount's root and mount point start with `/`, its type and source are not empty;
//! - a mount written back as the kernel writes it (octal escapes) parses to the same mount;
//! - `unescape` undoes the kernel's escaping of any text.
//!
//! libfuzzer: -max_len=4096
#![cfg_attr(not(test), no_main)]

use odoo_sizer::limits::mountinfo::{self, Mount};

/// The kernel's escaping of mountinfo fields (`mangle()` in fs/proc_namespace.c): space, tab, newline
/// and backslash as three octal digits.
fn escape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    for c in field.chars() {
        match c {
            ' ' | '\t' | '\n' | '\\' => out.push_str(&format!("\\{:03o}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn render(m: &Mount) -> String {
    let mut line = format!(
        "36 35 98:0 {} {} rw,noatime master:1 - {} {}",
        escape(&m.root),
        escape(&m.mount_point),
        escape(&m.fs_type),
        escape(&m.source)
    );
    if !m.super_options.is_empty() {
        line.push(' ');
        line.push_str(&escape(&m.super_options));
    }
    line
}

/// The whole check; `tests/fuzz_corpus.rs` replays the corpus through it.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (mounts, bad) = mountinfo::parse(&text);
    let lines: Vec<&str> = text.lines().collect();
    let non_blank = lines.iter().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(mounts.len() + bad.len(), non_blank, "lines lost or doubled");

    let mut previous = 0;
    for b in &bad {
        assert!(
            b.line > previous && b.line <= lines.len(),
            "bad line number {}",
            b.line
        );
        assert_eq!(b.text, lines[b.line - 1]);
        assert!(
            mountinfo::parse_line(&b.text).is_none(),
            "{:?} is both bad and good",
            b.text
        );
        previous = b.line;
    }

    for m in &mounts {
        // Roots are paths except for some file systems (`net:[4026531833]` for nsfs).
        assert!(!m.root.is_empty(), "empty root in {m:?}");
        assert!(m.mount_point.starts_with('/'), "mount point {:?}", m.mount_point);
        assert!(!m.fs_type.is_empty() && !m.source.is_empty(), "{m:?}");
        let line = render(m);
        assert_eq!(
            mountinfo::parse_line(&line).as_ref(),
            Some(m),
            "{line:?} does not parse back"
        );
        for option in m.super_options.split([',', ' ']) {
            assert!(m.has_super_option(option), "{option:?} in {:?}", m.super_options);
        }
    }

    assert_eq!(mountinfo::unescape(&escape(&text)), text);
}

#[cfg(not(test))]
libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
