//! Parsing of the CPU and memory quantities users type (`--cpus`, `--memory`, their env equivalents).
//!
//! Pure functions only. The accepted forms follow the tools the values come from:
//! - CPUs: a decimal (`1.5`, as `docker run --cpus`) or Kubernetes millicores (`1500m`).
//! - Memory: plain bytes (`1073741824`, the Downward API's form), Docker's suffixes `b k m g t p`
//!   (case-insensitive, optionally followed by `i` and/or `b`, powers of 1024 exactly as
//!   `docker run --memory` reads them via go-units `RAMInBytes`), so `1g` = `1G` = `1GiB` = 1 GiB.
//!   Note: `G` follows Docker (GiB), NOT Kubernetes' decimal `G` (10^9).

use std::fmt;

/// Why a quantity was refused; the message lists the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("invalid CPU quantity '{input}': {why}; accepted forms: a decimal number of CPUs such as `2` or `1.5`, or Kubernetes millicores such as `1500m`")]
    Cpus { input: String, why: &'static str },
    #[error("invalid memory quantity '{input}': {why}; accepted forms: plain bytes such as `1073741824`, or a number with a Docker suffix b, k, m, g, t, p (powers of 1024, case-insensitive, `1g` = `1GiB` = 1 GiB), optionally followed by `i`/`b`: `512m`, `1.5g`, `2Gi`, `2GiB`")]
    Memory { input: String, why: &'static str },
}

/// Upper bound accepted for CPU counts: far above any real machine, low enough that arithmetic stays exact.
pub const MAX_CPUS: f64 = 1_048_576.0;

/// A decimal number split into its integer digits and fraction digits, parsed without floating point.
struct Decimal {
    /// value × 10^scale
    scaled: u128,
    scale: u32,
}

fn parse_decimal(s: &str) -> Option<Decimal> {
    let (int_part, frac_part) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int_part.is_empty() || !int_part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac_part.bytes().all(|b| b.is_ascii_digit()) || (s.contains('.') && frac_part.is_empty()) {
        return None;
    }
    // Keep at most 18 fraction digits: beyond that nothing changes a byte count.
    let frac_part = &frac_part[..frac_part.len().min(18)];
    let mut scaled: u128 = 0;
    for b in int_part.bytes().chain(frac_part.bytes()) {
        scaled = scaled.checked_mul(10)?.checked_add(u128::from(b - b'0'))?;
    }
    Some(Decimal {
        scaled,
        scale: frac_part.len() as u32,
    })
}

/// `DIGITS` or `DIGITS.DIGITS`: what `parse_cpus` accepts before its optional `m` (no sign, exponent,
/// `inf` or `nan`, which `f64::from_str` would take).
fn is_plain_decimal(s: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('.') {
        Some((int, frac)) => digits(int) && digits(frac),
        None => digits(s),
    }
}

/// Parses a CPU quantity into a number of CPUs (fractional).
pub fn parse_cpus(input: &str) -> Result<f64, QuantityError> {
    let err = |why| QuantityError::Cpus {
        input: input.to_string(),
        why,
    };
    let s = input.trim();
    if s.is_empty() {
        return Err(err("it is empty"));
    }
    let (number, divisor) = match s.strip_suffix('m') {
        Some(n) => (n, 1000.0),
        None => (s, 1.0),
    };
    if !is_plain_decimal(number) {
        return Err(err("not a non-negative decimal number"));
    }
    // The standard library's conversion is correctly rounded (an integer of more than 2^53 turned into
    // an f64 and then divided by a power of ten is rounded twice, so the number printed back would
    // read as another value), and it takes any number of digits.
    let value = number
        .parse::<f64>()
        .map_err(|_| err("not a non-negative decimal number"))?
        / divisor;
    if !value.is_finite() || value <= 0.0 {
        return Err(err("it must be greater than zero"));
    }
    if value > MAX_CPUS {
        return Err(err("it is larger than any machine"));
    }
    Ok(value)
}

/// Parses a memory quantity into bytes (Docker's binary meaning of every suffix).
pub fn parse_memory(input: &str) -> Result<u64, QuantityError> {
    let err = |why| QuantityError::Memory {
        input: input.to_string(),
        why,
    };
    let s = input.trim();
    if s.is_empty() {
        return Err(err("it is empty"));
    }
    let digits_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, rest) = s.split_at(digits_end);
    // go-units allows one optional space between the number and the unit.
    let unit = rest.strip_prefix(' ').unwrap_or(rest).to_ascii_lowercase();
    let dec = parse_decimal(number).ok_or_else(|| err("it does not start with a number"))?;
    let (letter, tail) = match unit.chars().next() {
        Some(c @ ('k' | 'm' | 'g' | 't' | 'p')) => (Some(c), &unit[1..]),
        _ => (None, unit.as_str()),
    };
    let multiplier: u128 = match letter {
        None => 1,
        Some('k') => 1 << 10,
        Some('m') => 1 << 20,
        Some('g') => 1 << 30,
        Some('t') => 1 << 40,
        _ => 1 << 50,
    };
    let tail_ok = matches!((letter, tail), (_, "" | "b") | (Some(_), "i" | "ib"));
    if !tail_ok {
        return Err(err("unknown unit"));
    }
    let bytes = dec
        .scaled
        .checked_mul(multiplier)
        .map(|v| v / 10u128.pow(dec.scale))
        .ok_or_else(|| err("it is too large"))?;
    if bytes == 0 {
        return Err(err("it must be greater than zero"));
    }
    u64::try_from(bytes)
        .ok()
        .filter(|b| *b <= i64::MAX as u64)
        .ok_or_else(|| err("it is too large"))
}

/// The binary units of [`HumanBytes`], from 1 KiB.
const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/// Bytes shown to a human: binary units with up to two decimals (`1.50 GiB`), exact bytes below 1 KiB.
pub struct HumanBytes(pub u64);

impl fmt::Display for HumanBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < 1024 {
            return write!(f, "{} B", self.0);
        }
        // Below 2^53 bytes, as f64 they are exact, and so is the value in any unit (a division by a
        // power of two): the hundredths are computed exactly in integers, rounded half to even like
        // `{:.2}` of that f64, without the float formatting machinery (~2 k instructions per value, and
        // `apply` prints some twenty values).
        if self.0 < 1 << 53 {
            let bytes = u128::from(self.0);
            let mut unit = 0;
            while unit < UNITS.len() - 1 && bytes >> (10 * (unit + 2)) != 0 {
                unit += 1;
            }
            let shift = 10 * (unit + 1);
            let scaled = bytes * 100;
            let (mut hundredths, rest) = (scaled >> shift, scaled & ((1 << shift) - 1));
            let half = 1u128 << (shift - 1);
            if rest > half || (rest == half && hundredths % 2 == 1) {
                hundredths += 1;
            }
            let (whole, fraction) = (hundredths / 100, hundredths % 100);
            return match fraction {
                0 => write!(f, "{whole} {}", UNITS[unit]),
                _ if fraction % 10 == 0 => write!(f, "{whole}.{} {}", fraction / 10, UNITS[unit]),
                _ => write!(f, "{whole}.{fraction:02} {}", UNITS[unit]),
            };
        }
        f.write_str(&in_float_units(self.0))
    }
}

/// `bytes` (at least 1 KiB) as an f64 in the largest binary unit that keeps it under 1024, `{:.2}` with the
/// trailing zeros trimmed: what [`HumanBytes`] shows from 2^53 bytes on, and the reference its exact
/// integer path is tested against.
fn in_float_units(bytes: u64) -> String {
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} {}", UNITS[unit])
}

/// A CPU count shown to a human: `1.5`, `2`, `0.25` (no trailing zeros).
pub struct HumanCpus(pub f64);

impl fmt::Display for HumanCpus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!("{:.3}", self.0);
        let text = text.trim_end_matches('0').trim_end_matches('.');
        f.write_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpus_decimal_and_millicores() {
        assert_eq!(parse_cpus("1.5"), Ok(1.5));
        assert_eq!(parse_cpus("2"), Ok(2.0));
        assert_eq!(parse_cpus(" 0.25 "), Ok(0.25));
        assert_eq!(parse_cpus("1500m"), Ok(1.5));
        assert_eq!(parse_cpus("250m"), Ok(0.25));
        assert_eq!(parse_cpus("1000.5m"), Ok(1.0005));
    }

    #[test]
    fn cpus_are_correctly_rounded() {
        // Found by the `quantity` fuzz target: 20 significant digits were rounded twice (to an f64,
        // then by the division), so the value printed back read as a different number.
        let input = "1.4691357802465134890";
        let cpus = parse_cpus(input).unwrap();
        assert_eq!(cpus, input.parse::<f64>().unwrap());
        assert_eq!(parse_cpus(&cpus.to_string()), Ok(cpus));
        assert_eq!(parse_cpus("0.1"), Ok(0.1));
        assert_eq!(parse_cpus("100m"), Ok(0.1));
        // Any number of digits, as before: beyond 18 fraction digits nothing changes.
        assert_eq!(parse_cpus("2.0000000000000000000000000000000000000001"), Ok(2.0));
        assert!(parse_cpus(&format!("{}1", "0".repeat(50))).is_ok());
        assert!(parse_cpus(&"9".repeat(50)).is_err(), "larger than any machine");
    }

    #[test]
    fn cpus_refused() {
        for bad in [
            "", "0", "0m", "-1", "1.", ".5", "1,5", "abc", "1.5 cpus", "1e3", "nan", "inf", "2M",
        ] {
            assert!(parse_cpus(bad).is_err(), "{bad} should be refused");
        }
        let msg = parse_cpus("x").unwrap_err().to_string();
        assert!(msg.contains("1500m") && msg.contains("'x'"), "{msg}");
    }

    #[test]
    fn memory_docker_forms() {
        const GIB: u64 = 1 << 30;
        for (input, want) in [
            ("1073741824", GIB),
            ("1g", GIB),
            ("1G", GIB),
            ("1gb", GIB),
            ("1GB", GIB),
            ("1Gi", GIB),
            ("1GiB", GIB),
            ("1 g", GIB),
            ("512m", 512 << 20),
            ("700M", 700 << 20),
            ("1.5g", GIB + GIB / 2),
            ("64k", 64 << 10),
            ("2Ki", 2048),
            ("1t", 1 << 40),
            ("1p", 1 << 50),
            ("1P", 1 << 50),
            ("2PiB", 2 << 50),
            ("100b", 100),
            ("100", 100),
        ] {
            assert_eq!(parse_memory(input), Ok(want), "{input}");
        }
    }

    #[test]
    fn memory_refused() {
        for bad in [
            "",
            "g",
            "0",
            "0g",
            "-1g",
            "1x",
            "1gig",
            "1 gb b",
            "1e9",
            "1.g",
            "1i",
            "99999999999999999999t",
            "8192p",
        ] {
            assert!(parse_memory(bad).is_err(), "{bad} should be refused");
        }
        let msg = parse_memory("lots").unwrap_err().to_string();
        assert!(msg.contains("512m") && msg.contains("'lots'"), "{msg}");
        assert!(msg.contains("b, k, m, g, t, p"), "every suffix is listed: {msg}");
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn human_bytes_is_the_float_formatting(
            bytes in prop_oneof![
                1024u64..(1 << 53),
                (1u32..53, 0u64..4096, any::<bool>()).prop_map(|(bits, delta, below)| {
                    // Near powers of two: unit boundaries and exact halves of the last digit.
                    let p = 1u64 << bits;
                    (if below { p.saturating_sub(delta) } else { p.saturating_add(delta) }).max(1024)
                }),
            ]
        ) {
            prop_assert_eq!(HumanBytes(bytes).to_string(), in_float_units(bytes));
        }
    }

    #[test]
    fn human_bytes_of_every_size_in_the_first_mebibytes_is_the_float_formatting() {
        for bytes in 1024..(4 << 20) {
            assert_eq!(HumanBytes(bytes).to_string(), in_float_units(bytes), "{bytes}");
        }
    }

    #[test]
    fn human_formats() {
        assert_eq!(HumanBytes(1 << 30).to_string(), "1 GiB");
        assert_eq!(HumanBytes(1536 << 20).to_string(), "1.5 GiB");
        assert_eq!(HumanBytes(512).to_string(), "512 B");
        assert_eq!(HumanBytes(u64::MAX).to_string(), "16 EiB");
        // Rounded half to even, as `{:.2}` of the exact value: 1.125 KiB, 1.375 KiB.
        assert_eq!(HumanBytes(1152).to_string(), "1.12 KiB");
        assert_eq!(HumanBytes(1408).to_string(), "1.38 KiB");
        // 1023.999 KiB rounds to 1024 KiB, as before (the unit is chosen before rounding).
        assert_eq!(HumanBytes((1 << 20) - 1).to_string(), "1024 KiB");
        assert_eq!(HumanCpus(1.5).to_string(), "1.5");
        assert_eq!(HumanCpus(2.0).to_string(), "2");
    }
}
