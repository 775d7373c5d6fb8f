//! Fuzz target `quantity`: the `--cpus` / `--memory` parsers (`limits::quantity`).
//!
//! Checks:
//! - the whole input as text: a CPU count is finite, > 0 and at most `MAX_CPUS`; a memory size is > 0
//!   and at most `i64::MAX`; both come back unchanged through their plain decimal form (Rust's shortest
//!   round-trip form for CPUs), a memory size also through every suffix that divides it, and the
//!   human-readable forms never panic;
//! - the first 9 bytes as a number and a unit: `N<unit>` is N × the unit's power of 1024 (refused when
//!   0 or above `i64::MAX`), and `N` millicores are N / 1000 CPUs.
//!
//! libfuzzer: -max_len=256
#![cfg_attr(not(test), no_main)]

use odoo_sizer::limits::quantity::{self, HumanBytes, HumanCpus, MAX_CPUS};

const UNITS: [(&str, u32); 12] = [
    ("", 0),
    ("b", 0),
    ("k", 10),
    ("Ki", 10),
    ("m", 20),
    ("MB", 20),
    ("g", 30),
    ("GiB", 30),
    ("t", 40),
    ("Ti", 40),
    ("p", 50),
    ("PB", 50),
];

/// The whole check; `tests/fuzz_corpus.rs` replays the corpus through it.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);

    match quantity::parse_cpus(&text) {
        Ok(cpus) => {
            assert!(
                cpus.is_finite() && cpus > 0.0 && cpus <= MAX_CPUS,
                "{text:?} gives {cpus}"
            );
            assert_eq!(
                quantity::parse_cpus(&cpus.to_string()),
                Ok(cpus),
                "{text:?} gives {cpus}, which does not parse back"
            );
            let _ = HumanCpus(cpus).to_string();
        }
        Err(e) => assert!(e.to_string().contains("1500m")),
    }

    match quantity::parse_memory(&text) {
        Ok(bytes) => {
            assert!(bytes > 0 && bytes <= i64::MAX as u64, "{text:?} gives {bytes}");
            assert_eq!(quantity::parse_memory(&bytes.to_string()), Ok(bytes));
            for (unit, shift) in UNITS {
                if bytes % (1u64 << shift) == 0 {
                    let written = format!("{}{unit}", bytes >> shift);
                    assert_eq!(quantity::parse_memory(&written), Ok(bytes), "{written}");
                }
            }
            let _ = HumanBytes(bytes).to_string();
        }
        Err(e) => assert!(e.to_string().contains("512m")),
    }

    if let Some((number, rest)) = data.split_first_chunk::<8>() {
        let n = u64::from_le_bytes(*number);
        let (unit, shift) = UNITS[usize::from(rest.first().copied().unwrap_or(0)) % UNITS.len()];
        let want = u128::from(n) << shift;
        let got = quantity::parse_memory(&format!("{n}{unit}"));
        if want == 0 || want > i64::MAX as u128 {
            assert!(got.is_err(), "{n}{unit} gives {got:?}");
        } else {
            assert_eq!(got, Ok(want as u64), "{n}{unit}");
        }

        let milli = n % 2_000_000_000;
        let got = quantity::parse_cpus(&format!("{milli}m"));
        let want = milli as f64 / 1000.0;
        if milli == 0 || want > MAX_CPUS {
            assert!(got.is_err(), "{milli}m gives {got:?}");
        } else {
            assert_eq!(got, Ok(want), "{milli}m");
        }
    }
}

#[cfg(not(test))]
libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
