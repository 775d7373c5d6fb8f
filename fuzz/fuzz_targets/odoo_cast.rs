//! Fuzz target `odoo_cast`: how Odoo casts option values (`odoo::cast`).
//!
//! The first byte picks an Odoo version; the rest is the raw value. Checks:
//! - `cast` never panics, for every option of that version (every kind, every choice list), and what it
//!   returns agrees with the lower-level casts (`optparse_int` up to 18.0, `int(value)` in 19.0,
//!   `float()`);
//! - `optparse_int` and `python_int` (bases 2, 8, 10, 16) agree with a reference written from
//!   CPython's grammar (`optparse._parse_num`, `int(x, base)` with PEP 515 underscores), and
//!   `python_float` with one written from `float()`'s grammar;
//! - every integer and every finite float read back, rendered by `Value::render`, casts to the same
//!   value in every version: what `plan` writes is what Odoo reads.
//!
//! libfuzzer: -max_len=128
#![cfg_attr(not(test), no_main)]

use odoo_sizer::odoo::cast::{optparse_int, python_float, python_int};
use odoo_sizer::odoo::options::options_of;
use odoo_sizer::odoo::{Cast, Kind, OdooVersion, Value};

/// Whitespace as CPython's `str.strip()` and `int()` see it.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `digit (["_"] digit)*` for the digits `ok` accepts.
fn digit_groups(s: &str, ok: impl Fn(char) -> bool) -> bool {
    !s.is_empty() && s.split('_').all(|g| !g.is_empty() && g.chars().all(&ok))
}

/// CPython's `int(text, base)`, ASCII digits only, results outside i64 refused.
fn reference_int(text: &str, base: u32) -> Option<i64> {
    let s = text.trim_matches(is_py_space);
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let prefix = match base {
        2 => "0b",
        8 => "0o",
        16 => "0x",
        _ => "",
    };
    let body = match s.get(..2) {
        Some(head) if !prefix.is_empty() && head.eq_ignore_ascii_case(prefix) => {
            let rest = &s[2..];
            rest.strip_prefix('_').unwrap_or(rest)
        }
        _ => s,
    };
    if !digit_groups(body, |c| c.is_digit(base)) {
        return None;
    }
    let digits: String = body.chars().filter(|c| *c != '_').collect();
    let magnitude = i128::from_str_radix(&digits, base).ok()?;
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// CPython's `optparse._parse_num(val, int)`.
fn reference_optparse_int(val: &str) -> Option<i64> {
    let lower = val.to_ascii_lowercase();
    if lower.starts_with("0x") {
        reference_int(val, 16)
    } else if lower.starts_with("0b") {
        reference_int(if val.len() == 2 { "0" } else { &val[2..] }, 2)
    } else if val.starts_with('0') {
        reference_int(val, 8)
    } else {
        reference_int(val, 10)
    }
}

/// CPython's `float(text)`: `[sign] (inf | infinity | nan | number)` with PEP 515 underscores, where
/// `number = (digits ["." [digits]] | "." digits) [("e" | "E") [sign] digits]`.
fn reference_float(text: &str) -> Option<f64> {
    let s = text.trim_matches(is_py_space);
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let digits = |p: &str| digit_groups(p, |c| c.is_ascii_digit());
    let valid = if matches!(body.to_ascii_lowercase().as_str(), "inf" | "infinity" | "nan") {
        true
    } else {
        let (mantissa, exponent) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], Some(&body[i + 1..])),
            None => (body, None),
        };
        let mantissa_ok = match mantissa.split_once('.') {
            Some((int, frac)) => {
                (digits(int) && (frac.is_empty() || digits(frac))) || (int.is_empty() && digits(frac))
            }
            None => digits(mantissa),
        };
        let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
        mantissa_ok && exponent_ok
    };
    if !valid {
        return None;
    }
    let cleaned: String = s.chars().filter(|c| *c != '_').collect();
    cleaned.parse().ok()
}

fn same_float(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// The whole check; `tests/fuzz_corpus.rs` replays the corpus through it.
pub fn check(data: &[u8]) {
    let Some((selector, raw)) = data.split_first() else {
        return;
    };
    let version = OdooVersion::ALL[usize::from(*selector) % OdooVersion::ALL.len()];
    let raw = String::from_utf8_lossy(raw);
    let raw = raw.as_ref();

    let int = optparse_int(raw).ok();
    assert_eq!(int, reference_optparse_int(raw), "optparse_int({raw:?})");
    for base in [2, 8, 10, 16] {
        assert_eq!(
            python_int(raw, base).ok(),
            reference_int(raw, base),
            "python_int({raw:?}, {base})"
        );
    }
    let float = python_float(raw).ok();
    match (float, reference_float(raw)) {
        (Some(a), Some(b)) => assert!(same_float(a, b), "python_float({raw:?}) = {a}, not {b}"),
        (a, b) => assert_eq!(
            a.is_some(),
            b.is_some(),
            "python_float({raw:?}) = {a:?}, not {b:?}"
        ),
    }

    for spec in options_of(version) {
        let cast = spec.cast(version, raw);
        match (&cast, spec.kind) {
            (Ok(Cast::Int(i)), Kind::Int) if version.uses_optparse_casts() => {
                assert_eq!(Some(*i), int, "{} = {raw:?} in {version}", spec.key)
            }
            (Ok(Cast::Int(i)), Kind::Int) => assert_eq!(python_int(raw, 10), Ok(*i)),
            (Ok(Cast::Float(x)), Kind::Float) => {
                assert!(float.is_some_and(|f| same_float(f, *x)), "{} = {raw:?}", spec.key)
            }
            (Ok(Cast::Str(s)), Kind::Choice(choices)) => assert!(choices.contains(&s.as_str())),
            (Ok(Cast::Int(_) | Cast::Float(_)), kind) => panic!("{kind:?} option cast to {cast:?}"),
            (Ok(_), _) => {}
            (Err(e), _) => assert!(e.to_string().contains(spec.key), "{e}"),
        }
    }

    for v in OdooVersion::ALL {
        if let Some(i) = int {
            let written = Value::Int(i).render();
            assert_eq!(
                odoo_sizer::odoo::cast::cast("workers", Kind::Int, v, &written),
                Ok(Cast::Int(i)),
                "{written:?} in {v}"
            );
        }
        if let Some(x) = float.filter(|x| x.is_finite()) {
            let written = Value::Float(x).render();
            assert_eq!(
                odoo_sizer::odoo::cast::cast("x", Kind::Float, v, &written),
                Ok(Cast::Float(x)),
                "{written:?} in {v}"
            );
        }
    }
}

#[cfg(not(test))]
libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
