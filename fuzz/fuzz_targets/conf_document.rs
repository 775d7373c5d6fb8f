//! Fuzz target `conf_document`: the lossless odoo.conf document (`conf::Document`) and the apply core.
//!
//! Checks, on any bytes:
//! - parsing never panics and rendering an unedited document gives the input back byte for byte;
//! - the masked copy has the same number of lines (so masked diffs line up);
//! - on a file Python can load, setting one key (`workers`, to a value taken from the input) either is
//!   refused with the document untouched, or changes only that key's line (an in-place update or an
//!   uncommented default) or inserts exactly one line (plus, at most, a new `[options]` header and the
//!   terminator of a previous last line that had none); the key then reads back the value, every other
//!   section/key/value is unchanged, and a second `set` changes nothing;
//! - the apply core (`apply::Prepared`) never panics on the input, for every supported version.
//!
//! libfuzzer: -max_len=4096
#![cfg_attr(not(test), no_main)]

use odoo_sizer::apply::Prepared;
use odoo_sizer::conf::{Document, LineEnding};
use odoo_sizer::odoo::OdooVersion;

fn lines(doc: &Document) -> Vec<(Vec<u8>, LineEnding)> {
    doc.lines().map(|l| (l.bytes().to_vec(), l.ending())).collect()
}

fn sections(doc: &Document) -> Vec<(String, Vec<(String, String)>)> {
    let mut all: Vec<(String, Vec<(String, String)>)> = doc
        .sections()
        .into_iter()
        .map(|s| {
            (
                s.to_string(),
                doc.own_values(s).map(|v| v.into_pairs()).unwrap_or_default(),
            )
        })
        .collect();
    all.push(("DEFAULT".into(), doc.defaults().into_pairs()));
    all
}

/// The whole check; `tests/fuzz_corpus.rs` replays the corpus through it.
pub fn check(data: &[u8]) {
    let doc = Document::parse(data);
    assert_eq!(
        doc.render(),
        data,
        "an unedited document must render byte for byte"
    );
    let masked = Document::parse(&doc.masked());
    assert_eq!(
        masked.line_count(),
        doc.line_count(),
        "masking changed the line structure"
    );

    for version in OdooVersion::ALL {
        let _ = Prepared::new(Some(data), version, false);
        let _ = Prepared::new(Some(data), version, true);
    }

    if !doc.is_loadable() {
        return;
    }
    // A small integer from the input, so the value sometimes equals the current one.
    let value = data.iter().fold(0u32, |a, b| a.wrapping_add(u32::from(*b))) % 5;
    let value = value.to_string();
    let before = lines(&doc);
    let mut edited = doc.clone();
    match edited.set("options", "workers", &value) {
        Err(_) => assert_eq!(edited.render(), data, "a refused edit changed the document"),
        Ok(None) => {
            assert_eq!(edited.render(), data);
            assert_eq!(
                doc.values("options")
                    .and_then(|v| v.get("workers").map(String::from)),
                Some(value)
            );
        }
        Ok(Some(change)) => {
            let reparsed = Document::parse(&edited.render());
            assert!(reparsed.is_loadable(), "the edit made the file unloadable");
            assert_eq!(
                reparsed
                    .values("options")
                    .and_then(|v| v.get("workers").map(String::from)),
                Some(value.clone()),
                "workers does not read back"
            );
            // Every other value is unchanged.
            let mut want = sections(&doc);
            let mut got = sections(&reparsed);
            for all in [&mut want, &mut got] {
                for (name, pairs) in all.iter_mut() {
                    if name == "options" {
                        pairs.retain(|(k, _)| k != "workers");
                    }
                }
                all.retain(|(name, pairs)| !(name == "options" && pairs.is_empty()));
            }
            assert_eq!(got, want, "another value changed");
            let after = lines(&reparsed);
            match after.len().checked_sub(before.len()) {
                Some(0) => {
                    let differing: Vec<usize> =
                        (0..before.len()).filter(|i| before[*i] != after[*i]).collect();
                    assert!(
                        differing.len() <= 1,
                        "more than the key's line changed: {differing:?}"
                    );
                    assert!(
                        differing.iter().all(|i| i + 1 == change.after),
                        "{differing:?} vs {change:?}"
                    );
                }
                Some(added) if added <= 3 => {
                    // The `added` lines end at the key's line (a new section's blank line and header
                    // come first). Every other line is unchanged, those after them shifted down, except
                    // that the last line may gain the terminator it lacked.
                    let at = change.after.saturating_sub(added).min(before.len());
                    for (i, b) in before.iter().enumerate() {
                        let a = &after[if i < at { i } else { i + added }];
                        assert!(
                            b.0 == a.0 && (b.1 == a.1 || b.1 == LineEnding::None),
                            "line {} changed",
                            i + 1
                        );
                    }
                }
                _ => panic!("{} lines became {}", before.len(), after.len()),
            }
            let rendered = edited.render();
            assert_eq!(
                edited.set("options", "workers", &value),
                Ok(None),
                "a second set changed something"
            );
            assert_eq!(edited.render(), rendered);
        }
    }
}

#[cfg(not(test))]
libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
