//! The few Python `str` semantics the odoo.conf parser must reproduce exactly: `str.isspace()` (which is
//! also what `re`'s `\s` and `str.strip()` use), `str.strip()` on byte ranges, and `str.lower()`.
//!
//! Owns: these helpers, working on raw bytes so that offsets stay byte offsets into the file even when a
//! line is not valid UTF-8. Must not: know anything about INI syntax.
//!
//! Python's whitespace set (CPython 3.11, `Py_UNICODE_ISSPACE`) differs from Rust's `char::is_whitespace`:
//! it includes the ASCII information separators U+001C..U+001F. The set is checked against a real
//! `python3` in `tests/conf_differential.rs`.

use std::borrow::Cow;

/// Every character for which CPython 3.11's `str.isspace()` is true.
pub const PY_WHITESPACE: [char; 29] = [
    '\t', '\n', '\u{0b}', '\u{0c}', '\r', '\u{1c}', '\u{1d}', '\u{1e}', '\u{1f}', ' ', '\u{85}', '\u{a0}',
    '\u{1680}', '\u{2000}', '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}',
    '\u{2007}', '\u{2008}', '\u{2009}', '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}',
    '\u{3000}',
];

/// `str.isspace()` for one character.
pub fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1c}'..='\u{1f}'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// Length in bytes of the Python whitespace character encoded at `b[i..]`, or 0 when there is none.
///
/// Works on arbitrary bytes: a whitespace character is recognised by its exact UTF-8 encoding, which
/// agrees with lossy decoding (an invalid byte is never whitespace).
#[inline]
pub fn space_len_at(b: &[u8], i: usize) -> usize {
    let Some(&first) = b.get(i) else { return 0 };
    match first {
        b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f | b' ' => 1,
        0xc2 => match b.get(i + 1) {
            Some(0x85 | 0xa0) => 2,
            _ => 0,
        },
        0xe1 => match (b.get(i + 1), b.get(i + 2)) {
            (Some(0x9a), Some(0x80)) => 3,
            _ => 0,
        },
        0xe2 => match (b.get(i + 1), b.get(i + 2)) {
            (Some(0x80), Some(0x80..=0x8a | 0xa8 | 0xa9 | 0xaf)) | (Some(0x81), Some(0x9f)) => 3,
            _ => 0,
        },
        0xe3 => match (b.get(i + 1), b.get(i + 2)) {
            (Some(0x80), Some(0x80)) => 3,
            _ => 0,
        },
        _ => 0,
    }
}

/// Length in bytes of the Python whitespace character that ends just before `b[end]`, or 0.
#[inline]
pub fn space_len_before(b: &[u8], end: usize) -> usize {
    if end == 0 || end > b.len() {
        return 0;
    }
    // An ASCII byte is never the end of a multi-byte character: only the 1-byte case can match.
    if let Some(&last) = b.get(end - 1) {
        if last.is_ascii() {
            return space_len_at(b, end - 1);
        }
    }
    for len in [1usize, 2, 3] {
        if end >= len && space_len_at(b, end - len) == len {
            return len;
        }
    }
    0
}

/// Python whitespace among ASCII bytes (the 1-byte cases of [`space_len_at`]).
#[inline]
fn is_ascii_space(c: u8) -> bool {
    matches!(c, b'\t'..=b'\r' | 0x1c..=0x1f | b' ')
}

/// The byte range of `b[start..end]` after Python's `str.strip()`, plus the number of characters
/// (code points, as `re` counts them) stripped at the front.
#[inline]
pub fn strip(b: &[u8], start: usize, end: usize) -> (usize, usize, usize) {
    let (s, leading_chars) = lstrip_counting(b, start, end);
    let e = rstrip(b, s, end);
    (s, e, leading_chars)
}

/// [`lstrip`], plus the number of characters stripped.
#[inline]
fn lstrip_counting(b: &[u8], start: usize, end: usize) -> (usize, usize) {
    let mut s = start;
    let mut chars = 0;
    while s < end {
        // ASCII bytes decide alone (most lines); only a non-ASCII byte needs the multi-byte check.
        let n = match b.get(s) {
            Some(&c) if c.is_ascii() => usize::from(is_ascii_space(c)),
            _ => space_len_at(b, s),
        };
        if n == 0 || s + n > end {
            break;
        }
        s += n;
        chars += 1;
    }
    (s, chars)
}

/// The end of `b[start..end]` after Python's `str.rstrip()`.
#[inline]
pub fn rstrip(b: &[u8], start: usize, end: usize) -> usize {
    let mut e = end;
    while e > start {
        let n = match b.get(e - 1) {
            // An ASCII byte is never the end of a multi-byte character.
            Some(&c) if c.is_ascii() => usize::from(is_ascii_space(c)),
            _ => space_len_before(b, e),
        };
        if n == 0 || e - n < start {
            break;
        }
        e -= n;
    }
    e
}

/// The start of `b[start..end]` after Python's `str.lstrip()`.
#[inline]
pub fn lstrip(b: &[u8], start: usize, end: usize) -> usize {
    lstrip_counting(b, start, end).0
}

/// `str.strip()` on a `&str`.
pub fn strip_str(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// Characters whose lower-case mapping Rust knows but CPython 3.11 (Unicode 14.0) does not: they were
/// assigned in Unicode 15 or later, so Python leaves them unchanged. Checked against `python3` in the tests.
fn unknown_to_python(c: char) -> bool {
    matches!(
        c,
        '\u{1c89}'
            | '\u{a7cb}'
            | '\u{a7cc}'
            | '\u{a7ce}'
            | '\u{a7d2}'
            | '\u{a7d4}'
            | '\u{a7da}'
            | '\u{a7dc}'
            | '\u{10d50}'..='\u{10d65}'
            | '\u{16ea0}'..='\u{16eb8}'
    )
}

/// True when every byte is ASCII and none is an upper-case letter: `lower` changes nothing. Eight bytes at
/// a time (keys are checked at every parse; byte by byte this was ~6 instructions per byte).
fn is_ascii_lowercase_only(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = b.chunks_exact(8);
    for chunk in &mut chunks {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            return false;
        };
        let x = u64::from_le_bytes(bytes);
        if x & HIGH != 0 {
            return false;
        }
        // Every byte is below 0x80, so the additions carry into no other byte: the high bit of a byte of
        // `from_a` is set when it is >= b'A', of `past_z` when it is > b'Z'.
        let from_a = x + ONES * u64::from(0x80 - b'A');
        let past_z = x + ONES * u64::from(0x80 - b'Z' - 1);
        if from_a & !past_z & HIGH != 0 {
            return false;
        }
    }
    chunks
        .remainder()
        .iter()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
}

/// CPython 3.11's `str.lower()`: full Unicode case mapping with the final-sigma rule.
///
/// Rust's `str::to_lowercase` implements the same algorithm; the only differences come from newer Unicode
/// data, handled by splitting at the characters Python does not know (to Python they are unassigned, hence
/// neither cased nor case-ignorable, so they end a word for the final-sigma rule exactly like a string end).
pub fn lower(s: &str) -> Cow<'_, str> {
    // The common case in one pass: ASCII without upper case.
    if is_ascii_lowercase_only(s.as_bytes()) {
        return Cow::Borrowed(s);
    }
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(s.to_ascii_lowercase());
        }
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find(unknown_to_python) {
        let (head, tail) = rest.split_at(pos);
        out.push_str(&head.to_lowercase());
        let mut chars = tail.chars();
        if let Some(sep) = chars.next() {
            out.push(sep);
        }
        rest = chars.as_str();
    }
    out.push_str(&rest.to_lowercase());
    if out == s {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_table_matches_is_space_and_encodings() {
        for c in PY_WHITESPACE {
            assert!(is_space(c), "{c:?}");
            let mut buf = [0u8; 4];
            let enc = c.encode_utf8(&mut buf).as_bytes();
            assert_eq!(space_len_at(enc, 0), enc.len(), "{c:?}");
            assert_eq!(space_len_before(enc, enc.len()), enc.len(), "{c:?}");
        }
        let count = (0..=0x10ffffu32)
            .filter_map(char::from_u32)
            .filter(|&c| is_space(c))
            .count();
        assert_eq!(count, PY_WHITESPACE.len());
    }

    #[test]
    fn byte_scanner_agrees_with_is_space_for_every_char() {
        for c in (0..=0x10ffffu32).filter_map(char::from_u32) {
            let mut buf = [0u8; 4];
            let enc = c.encode_utf8(&mut buf).as_bytes();
            let expect = if is_space(c) { enc.len() } else { 0 };
            assert_eq!(space_len_at(enc, 0), expect, "{c:?}");
            assert_eq!(space_len_before(enc, enc.len()), expect, "{c:?}");
        }
    }

    #[test]
    fn python_whitespace_is_not_rusts() {
        // U+001C..U+001F are whitespace to Python, not to Rust; U+180E and U+200B are neither.
        assert!(is_space('\u{1c}') && !'\u{1c}'.is_whitespace());
        assert!(!is_space('\u{180e}') && !is_space('\u{200b}') && !is_space('\u{feff}'));
    }

    #[test]
    fn strip_counts_leading_chars_and_handles_invalid_bytes() {
        let b = "\u{3000}\t a b \u{a0}".as_bytes();
        let (s, e, n) = strip(b, 0, b.len());
        assert_eq!(&b[s..e], b"a b");
        assert_eq!(n, 3);
        let b = b"\xff \xe2\x80\x80";
        let (s, e, n) = strip(b, 0, b.len());
        assert_eq!((s, e, n), (0, 1, 0));
        // A lone continuation byte is not whitespace even when followed by one.
        let b = b"\x80 ";
        assert_eq!(rstrip(b, 0, b.len()), 1);
        assert_eq!(strip(b"", 0, 0), (0, 0, 0));
        assert_eq!(strip(b"   ", 0, 3), (3, 3, 3));
        assert_eq!(lstrip(b" \x85x", 0, 3), 1, "0x85 alone is not U+0085");
    }

    /// The strip functions (with their ASCII shortcut) against the character-by-character definition:
    /// strip whole Python whitespace characters, found by their exact UTF-8 encoding, from each end.
    #[test]
    fn strip_agrees_with_the_per_character_definition() {
        use proptest::prelude::*;
        fn reference_rstrip(b: &[u8], start: usize, end: usize) -> usize {
            let mut e = end;
            while e > start && space_len_before(b, e) > 0 && e - space_len_before(b, e) >= start {
                e -= space_len_before(b, e);
            }
            e
        }
        fn reference(b: &[u8], start: usize, end: usize) -> (usize, usize, usize) {
            let (mut s, mut n) = (start, 0);
            while s < end && space_len_at(b, s) > 0 && s + space_len_at(b, s) <= end {
                s += space_len_at(b, s);
                n += 1;
            }
            (s, reference_rstrip(b, s, end), n)
        }
        // Pieces that make whitespace, invalid bytes and text likely.
        let piece = prop_oneof![
            Just(&b" "[..]),
            Just(&b"\t"[..]),
            Just(&b"\x1c"[..]),
            Just(&b"\xc2\xa0"[..]),
            Just(&b"\xe3\x80\x80"[..]),
            Just(&b"\xe2\x80\x8a"[..]),
            Just(&b"\x80"[..]),
            Just(&b"\xc2"[..]),
            Just(&b"a"[..]),
            Just(&b"="[..]),
            Just(&b"\xe2\x80"[..]),
        ];
        proptest!(|(parts in proptest::collection::vec(piece, 0..12), cut in any::<(usize, usize)>())| {
            let b: Vec<u8> = parts.concat();
            let (mut start, mut end) = (cut.0 % (b.len() + 1), cut.1 % (b.len() + 1));
            if start > end {
                std::mem::swap(&mut start, &mut end);
            }
            prop_assert_eq!(strip(&b, start, end), reference(&b, start, end));
            prop_assert_eq!(rstrip(&b, start, end), reference_rstrip(&b, start, end));
            prop_assert_eq!(lstrip(&b, start, end), reference(&b, start, end).0);
        });
    }

    #[test]
    fn the_word_check_agrees_with_the_byte_check() {
        use proptest::prelude::*;
        let byte = prop_oneof![
            Just(b'A'),
            Just(b'Z'),
            Just(b'@'),
            Just(b'['),
            Just(b'a'),
            Just(b'z'),
            Just(0x7f),
            Just(0x80),
            Just(0xff),
            any::<u8>(),
        ];
        proptest!(|(b in proptest::collection::vec(byte, 0..40))| {
            let expected = b.iter().all(|c| c.is_ascii() && !c.is_ascii_uppercase());
            prop_assert_eq!(is_ascii_lowercase_only(&b), expected);
        });
        for c in 0..=255u8 {
            let word = [b'a', b'b', b'c', b'd', b'e', b'f', b'g', c];
            assert_eq!(
                is_ascii_lowercase_only(&word),
                c.is_ascii() && !c.is_ascii_uppercase(),
                "{c:#x}"
            );
        }
    }

    #[test]
    fn lower_matches_python_examples() {
        assert_eq!(lower("Workers"), "workers");
        assert_eq!(lower("ΟΔΟΣ"), "οδος");
        assert_eq!(lower("Σ"), "σ");
        assert_eq!(lower("AΣ"), "aς");
        assert_eq!(lower("İ"), "i\u{307}");
        assert_eq!(lower("\u{a7cb}X"), "\u{a7cb}x");
        assert_eq!(lower("AΣ\u{a7cb}"), "aς\u{a7cb}");
        assert!(matches!(lower("plain"), Cow::Borrowed(_)));
    }
}
