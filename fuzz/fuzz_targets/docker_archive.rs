//! Fuzz target `docker_archive`: the tar reader of the Docker archive API (`docker::archive`).
//!
//! Checks, on any bytes: `peek_first_entry` and `parse_single_file` never panic; a parsed file is never
//! above the limit; a parsed file rebuilt with `build_single_file` parses back to the same content and
//! ownership/mode (mtime set by the writer).
//!
//! libfuzzer: -max_len=8192
#![cfg_attr(not(test), no_main)]

use odoo_sizer::docker::archive::{build_single_file, parse_single_file, peek_first_entry, Entry};

const LIMIT: u64 = 4096;

/// The whole check; `tests/fuzz_corpus.rs` replays the corpus through it.
pub fn check(data: &[u8]) {
    let _ = peek_first_entry(data);
    let Ok(entry) = parse_single_file(data, LIMIT) else {
        return;
    };
    let Entry::File { meta, content } = entry else {
        return;
    };
    assert!(
        content.len() as u64 <= LIMIT,
        "{} bytes above the limit",
        content.len()
    );
    let Ok(rebuilt) = build_single_file("odoo.conf", &content, &meta, 1_700_000_000) else {
        // Names too long for a plain header are refused by the builder, never written wrong.
        return;
    };
    match parse_single_file(&rebuilt, LIMIT) {
        Ok(Entry::File {
            meta: back,
            content: again,
        }) => {
            assert_eq!(again, content, "content changed through a rebuild");
            assert_eq!((back.mode, back.uid, back.gid), (meta.mode, meta.uid, meta.gid));
            assert_eq!(back.mtime, 1_700_000_000);
        }
        other => panic!("a rebuilt archive does not parse back: {other:?}"),
    }
}

#[cfg(not(test))]
libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
