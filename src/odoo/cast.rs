//! How Odoo turns the raw text of an `[options]` value into a Python value, per version, and how
//! odoo-sizer writes values back so that Odoo reads exactly what was planned.
//!
//! Up to 18.0 (`odoo/tools/config.py`, `configmanager.load()` then `_parse_config()`, read in 12.0,
//! 13.0, 14.0, 16.0 and 17.0):
//! - `load()` turns exactly `True`/`true` and `False`/`false` into booleans, for EVERY option; a boolean
//!   is then never cast again (so `workers = True` is the integer 1 and `limit_time_cpu = False` is 0);
//! - int options go through optparse's `check_builtin` → `_parse_num(val, int)`: the radix is chosen
//!   from the UNSTRIPPED text (`0x` → 16, `0b` → 2 with the prefix removed, a leading `0` → 8, else 10)
//!   and Python's `int(val, radix)` does the rest (surrounding whitespace and `_` between digits are
//!   accepted, `4.0`, `""` and `None` are not);
//! - float options use `float()`; choice options must be one of the choices, exactly;
//! - flags (`proxy_mode`, `list_db`, ...) are never cast: any non-empty string is truthy (`0`, `no`).
//!
//! 19.0 (`configmanager.parse()` / `_load_file_options()`): `None` is None for every option; flags accept
//! `1/yes/true/on` and `0/no/false/off` (case-insensitive, not stripped) and reject anything else;
//! `False`/`false` written for a non-boolean option is skipped with a warning, so the DEFAULT applies
//! (`limit_memory_hard = False` is 2560 MiB, not "disabled"); ints use `int(value)` (base 10).
//!
//! Deliberate gap: Python's `int()`/`float()` also accept non-ASCII decimal digits (e.g. Arabic-Indic);
//! they are refused here.

use super::options::Kind;
use super::version::OdooVersion;
use serde::Serialize;
use std::fmt;

/// What Odoo holds after reading one raw value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cast {
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A string kept as is (string options, and flags up to 18.0, which are never cast).
    Str(String),
    /// 19.0: the literal `None`.
    None,
    /// 19.0: `False`/`false` for a non-boolean option: ignored, the option keeps its default.
    Default,
}

impl Cast {
    /// The integer Odoo computes with, when it is one (`True` counts as 1, `False` as 0, as in Python).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Cast::Int(i) => Some(*i),
            Cast::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// Python truthiness (for flags). `Default` has no truth value of its own.
    pub fn truthy(&self) -> Option<bool> {
        match self {
            Cast::Int(i) => Some(*i != 0),
            Cast::Float(f) => Some(*f != 0.0),
            Cast::Bool(b) => Some(*b),
            Cast::Str(s) => Some(!s.is_empty()),
            Cast::None => Some(false),
            Cast::Default => None,
        }
    }
}

/// Odoo would refuse to start with this value (or, for sizing, cannot use it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key} = '{value}' is refused by Odoo {version}: {why}")]
pub struct CastError {
    pub key: String,
    pub value: String,
    pub version: OdooVersion,
    pub why: String,
}

/// Casts `raw` as Odoo `version` casts a file value of an option of `kind`.
pub fn cast(key: &str, kind: Kind, version: OdooVersion, raw: &str) -> Result<Cast, CastError> {
    let err = |why: String| CastError {
        key: key.to_string(),
        value: raw.to_string(),
        version,
        why,
    };
    if version.uses_optparse_casts() {
        if raw == "True" || raw == "true" {
            return Ok(Cast::Bool(true));
        }
        if raw == "False" || raw == "false" {
            return Ok(Cast::Bool(false));
        }
        return match kind {
            Kind::Flag | Kind::Str => Ok(Cast::Str(raw.to_string())),
            Kind::Int => optparse_int(raw).map(Cast::Int).map_err(|why| {
                err(format!(
                    "option {key}: invalid integer value: {} ({why})",
                    py_repr(raw)
                ))
            }),
            Kind::Float => python_float(raw).map(Cast::Float).map_err(|why| {
                err(format!(
                    "option {key}: invalid floating-point value: {} ({why})",
                    py_repr(raw)
                ))
            }),
            Kind::Choice(choices) => check_choice(key, choices, raw).map_err(err),
        };
    }
    if raw == "None" {
        return Ok(Cast::None);
    }
    match kind {
        Kind::Flag => match raw.to_ascii_lowercase().as_str() {
            "1" | "yes" | "true" | "on" => Ok(Cast::Bool(true)),
            "0" | "no" | "false" | "off" => Ok(Cast::Bool(false)),
            _ => Err(err(format!(
                "option {key}: invalid boolean value: {} (use True or False)",
                py_repr(raw)
            ))),
        },
        _ if raw == "False" || raw == "false" => Ok(Cast::Default),
        Kind::Str => Ok(Cast::Str(raw.to_string())),
        Kind::Int => python_int(raw, 10).map(Cast::Int).map_err(|why| {
            err(format!(
                "invalid literal for int() with base 10: {} ({why})",
                py_repr(raw)
            ))
        }),
        Kind::Float => python_float(raw).map(Cast::Float).map_err(|why| {
            err(format!(
                "could not convert string to float: {} ({why})",
                py_repr(raw)
            ))
        }),
        Kind::Choice(choices) => check_choice(key, choices, raw).map_err(err),
    }
}

fn check_choice(key: &str, choices: &[&str], raw: &str) -> Result<Cast, String> {
    if choices.contains(&raw) {
        Ok(Cast::Str(raw.to_string()))
    } else {
        let list: Vec<String> = choices.iter().map(|c| py_repr(c)).collect();
        Err(format!(
            "option {key}: invalid choice: {} (choose from {})",
            py_repr(raw),
            list.join(", ")
        ))
    }
}

/// Python's `repr()` of a short string, as Odoo's messages show values.
fn py_repr(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Whitespace as Python's `str.strip()` sees it (Unicode White_Space plus the ASCII separators
/// 0x1C–0x1F).
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// optparse's int checker (CPython `optparse._parse_num(val, int)`), as used up to Odoo 18.0.
pub fn optparse_int(val: &str) -> Result<i64, &'static str> {
    let lower2 = val.get(..2).map(str::to_ascii_lowercase);
    match lower2.as_deref() {
        Some("0x") => python_int(val, 16),
        Some("0b") => {
            let rest = &val[2..];
            python_int(if rest.is_empty() { "0" } else { rest }, 2)
        }
        _ if val.starts_with('0') => python_int(val, 8),
        _ => python_int(val, 10),
    }
}

/// Python's `int(text, base)` for bases 2, 8, 10 and 16: surrounding whitespace, one sign, the base's
/// optional prefix (`0x`, `0o`, `0b`; none for base 10), digits with single `_` between them (also
/// right after a prefix).
pub fn python_int(text: &str, base: u32) -> Result<i64, &'static str> {
    let s = text.trim_matches(is_py_space);
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let prefix = match base {
        16 => Some("0x"),
        8 => Some("0o"),
        2 => Some("0b"),
        _ => None,
    };
    let (digits, after_prefix) = match prefix {
        Some(p) if s.get(..2).is_some_and(|head| head.eq_ignore_ascii_case(p)) => (&s[2..], true),
        _ => (s, false),
    };
    let digits = match digits.strip_prefix('_') {
        Some(rest) if after_prefix => rest,
        _ => digits,
    };
    if digits.is_empty() {
        return Err("no digits");
    }
    let mut value: i128 = 0;
    let mut previous_underscore = false;
    for (i, c) in digits.chars().enumerate() {
        if c == '_' {
            if i == 0 || previous_underscore {
                return Err("misplaced '_'");
            }
            previous_underscore = true;
            continue;
        }
        previous_underscore = false;
        let digit = c.to_digit(base).ok_or("not a digit in this base")?;
        value = value * i128::from(base) + i128::from(digit);
        if value > i128::from(i64::MAX) + 1 {
            return Err("too large for odoo-sizer");
        }
    }
    if previous_underscore {
        return Err("misplaced '_'");
    }
    let value = if negative { -value } else { value };
    i64::try_from(value).map_err(|_| "too large for odoo-sizer")
}

/// Python's `float(text)`: surrounding whitespace, `_` between digits, `inf`/`infinity`/`nan`.
pub fn python_float(text: &str) -> Result<f64, &'static str> {
    let s = text.trim_matches(is_py_space);
    if s.is_empty() {
        return Err("empty");
    }
    let chars: Vec<char> = s.chars().collect();
    let mut cleaned = String::with_capacity(s.len());
    for (i, c) in chars.iter().enumerate() {
        if *c == '_' {
            let before = i.checked_sub(1).and_then(|j| chars.get(j));
            let after = chars.get(i + 1);
            if !(before.is_some_and(char::is_ascii_digit) && after.is_some_and(char::is_ascii_digit)) {
                return Err("misplaced '_'");
            }
            continue;
        }
        if !c.is_ascii() {
            return Err("not a number");
        }
        cleaned.push(*c);
    }
    let body = cleaned.trim_start_matches(['+', '-']);
    let word = body.to_ascii_lowercase();
    let is_word = matches!(word.as_str(), "inf" | "infinity" | "nan");
    let looks_numeric = body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && body.chars().any(|c| c.is_ascii_digit());
    if cleaned.len() - body.len() > 1 || !(is_word || looks_numeric) {
        return Err("not a number");
    }
    cleaned.parse::<f64>().map_err(|_| "not a number")
}

/// A value odoo-sizer plans to write: typed, rendered so that every supported Odoo reads it back as
/// the same Python value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Float(f64),
    /// Written `True`/`False` exactly: the only spellings every version reads as booleans.
    Bool(bool),
    Str(String),
}

impl Value {
    /// The text to put after `key = ` in odoo.conf.
    pub fn render(&self) -> String {
        self.to_string()
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            // Python's repr keeps a `.0` on integral floats; Odoo's float() reads both.
            Value::Float(x) if x.fract() == 0.0 && x.is_finite() => write!(f, "{x:.1}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Str(s) => f.write_str(s),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Float(x) => serializer.serialize_f64(*x),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Str(s) => serializer.serialize_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V18: OdooVersion = OdooVersion::V18;
    const V19: OdooVersion = OdooVersion::V19;

    #[test]
    fn optparse_int_like_cpython() {
        for (input, want) in [
            ("4", 4),
            (" 4 ", 4),
            ("\t4\n", 4),
            ("0x10", 16),
            ("0X1f", 31),
            ("0x_10", 16),
            ("010", 8),
            ("0o17", 15),
            ("0", 0),
            ("00", 0),
            ("0b101", 5),
            ("0B", 0),
            ("0b0b1", 1),
            ("-4", -4),
            ("+4", 4),
            ("1_000", 1000),
            ("0_7", 7),
            ("2147483648", 2_147_483_648),
        ] {
            assert_eq!(optparse_int(input), Ok(want), "{input:?}");
        }
        for bad in [
            "",
            " ",
            "4.0",
            "None",
            "four",
            "4 ; four",
            "08",
            " 0x10",
            "-0x10",
            "1__0",
            "_1",
            "1_",
            "0b_1",
            "0x",
            "4e3",
            "٤",
            "99999999999999999999",
        ] {
            assert!(optparse_int(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn python_int_base_10_like_odoo_19() {
        assert_eq!(python_int(" 42 ", 10), Ok(42));
        assert_eq!(python_int("010", 10), Ok(10));
        assert_eq!(python_int("-1", 10), Ok(-1));
        assert_eq!(python_int("1_024", 10), Ok(1024));
        for bad in ["0x10", "4.0", "", "True", "+-1", "1 2"] {
            assert!(python_int(bad, 10).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn python_float_forms() {
        for (input, want) in [
            ("1.0", 1.0),
            (" 1.5 ", 1.5),
            ("2", 2.0),
            (".5", 0.5),
            ("1.", 1.0),
            ("1e3", 1000.0),
            ("1_0.5", 10.5),
            ("-0.25", -0.25),
        ] {
            assert_eq!(python_float(input), Ok(want), "{input:?}");
        }
        assert!(python_float("inf").is_ok_and(f64::is_infinite));
        assert!(python_float("NaN").is_ok_and(f64::is_nan));
        for bad in ["", "1,5", "1h", "_1", "1_", "e3", "--1", "0x10", "None"] {
            assert!(python_float(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn up_to_18_booleans_and_flags() {
        assert_eq!(cast("workers", Kind::Int, V18, "True"), Ok(Cast::Bool(true)));
        assert_eq!(
            cast("limit_time_cpu", Kind::Int, V18, "False").map(|c| c.as_int()),
            Ok(Some(0))
        );
        assert_eq!(cast("workers", Kind::Int, V18, "0x10"), Ok(Cast::Int(16)));
        assert!(cast("workers", Kind::Int, V18, "TRUE").is_err());
        let e = cast("workers", Kind::Int, V18, "4 ; four")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("option workers: invalid integer value: '4 ; four'"),
            "{e}"
        );
        // Flags are never cast: `0` and `no` are non-empty strings, hence ON.
        for raw in ["0", "no", "off", "False "] {
            let c = cast("proxy_mode", Kind::Flag, V18, raw).unwrap();
            assert_eq!(c.truthy(), Some(true), "{raw}");
        }
        assert_eq!(
            cast("proxy_mode", Kind::Flag, V18, "").unwrap().truthy(),
            Some(false)
        );
        assert_eq!(
            cast("proxy_mode", Kind::Flag, V18, "false").unwrap().truthy(),
            Some(false)
        );
    }

    #[test]
    fn odoo_19_casts() {
        assert_eq!(cast("proxy_mode", Kind::Flag, V19, "on"), Ok(Cast::Bool(true)));
        assert_eq!(cast("proxy_mode", Kind::Flag, V19, "NO"), Ok(Cast::Bool(false)));
        assert!(cast("proxy_mode", Kind::Flag, V19, " yes").is_err());
        assert!(cast("proxy_mode", Kind::Flag, V19, "maybe").is_err());
        assert_eq!(
            cast("limit_memory_hard", Kind::Int, V19, "False"),
            Ok(Cast::Default)
        );
        assert_eq!(cast("workers", Kind::Int, V19, "None"), Ok(Cast::None));
        assert!(cast("workers", Kind::Int, V19, "0x10").is_err());
        assert!(cast("workers", Kind::Int, V19, "True").is_err());
        assert_eq!(cast("workers", Kind::Int, V19, " 4 "), Ok(Cast::Int(4)));
    }

    #[test]
    fn choices() {
        let levels = &["info", "debug"];
        assert!(cast("log_level", Kind::Choice(levels), V18, "info").is_ok());
        let e = cast("log_level", Kind::Choice(levels), V18, "INFO")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("invalid choice: 'INFO' (choose from 'info', 'debug')"),
            "{e}"
        );
    }

    #[test]
    fn rendering() {
        assert_eq!(Value::Bool(true).render(), "True");
        assert_eq!(Value::Bool(false).render(), "False");
        assert_eq!(Value::Int(2_684_354_560).render(), "2684354560");
        assert_eq!(Value::Float(1.0).render(), "1.0");
        assert_eq!(Value::Float(0.2).render(), "0.2");
        assert_eq!(serde_json::to_string(&Value::Int(8)).unwrap(), "8");
        assert_eq!(serde_json::to_string(&Value::Bool(true)).unwrap(), "true");
    }
}
