//! Secrets in odoo.conf: which keys hold them, and masked copies of a document or line for anything that
//! is shown to a person or stored (diffs, logs, JSON, error messages).
//!
//! Owns: [`is_secret_key`], [`mask_value`], [`Document::masked`], [`Document::masked_line`].
//! Must not: change the document itself (masking always returns a copy).

use std::borrow::Cow;

use super::document::{Document, Idx, Kind};
use super::pychar;

/// What a masked value is replaced with.
pub const MASK: &str = "********";

/// True for keys whose values must never be shown: `admin_passwd`, `db_password`, `smtp_password` and any
/// key containing `passw`, `secret` or `token` (case-insensitive).
pub fn is_secret_key(key: &str) -> bool {
    let key = pychar::lower(key);
    // A window scan: `str::contains` sets up a two-way searcher per call, which costs more than scanning
    // a key of a few dozen bytes (this runs for every key `lint` and the masking look at).
    let has = |word: &[u8]| key.as_bytes().windows(word.len()).any(|w| w == word);
    matches!(key.as_ref(), "admin_passwd" | "db_password" | "smtp_password")
        || has(b"passw")
        || has(b"secret")
        || has(b"token")
}

/// `value`, or [`MASK`] when `key` is a secret and the value is not empty (an empty value reveals nothing
/// and tells the reader the secret is unset).
pub fn mask_value<'a>(key: &str, value: &'a str) -> Cow<'a, str> {
    if is_secret_key(key) && !value.is_empty() {
        Cow::Borrowed(MASK)
    } else {
        Cow::Borrowed(value)
    }
}

fn splice(content: &[u8], from: usize, to: usize) -> Cow<'_, [u8]> {
    let mut out = Vec::with_capacity(content.len() + MASK.len());
    out.extend_from_slice(content.get(..from).unwrap_or_default());
    out.extend_from_slice(MASK.as_bytes());
    out.extend_from_slice(content.get(to..).unwrap_or_default());
    Cow::Owned(out)
}

/// For a comment line such as `; admin_passwd = admin`: the byte range (relative to `content`) of a value
/// that follows a secret key.
fn commented_secret_value(content: &[u8]) -> Option<(usize, usize)> {
    let len = content.len();
    let mut i = pychar::lstrip(content, 0, len);
    while matches!(content.get(i), Some(b'#' | b';')) {
        i += 1;
    }
    let key_start = pychar::lstrip(content, i, len);
    let rel = content
        .get(key_start..)?
        .iter()
        .position(|&c| c == b'=' || c == b':')?;
    let delim = key_start + rel;
    let key_end = pychar::rstrip(content, key_start, delim);
    let key = String::from_utf8_lossy(content.get(key_start..key_end)?);
    let (vs, ve, _) = pychar::strip(content, delim + 1, len);
    (is_secret_key(&key) && vs < ve).then_some((vs, ve))
}

impl Document {
    /// The content (without terminator) of line index `idx` with secret values replaced by [`MASK`].
    fn masked_content(&self, idx: usize) -> Cow<'_, [u8]> {
        let Some(line) = self.lines.get(idx) else {
            return Cow::Borrowed(&[]);
        };
        let start = self.line_start(idx);
        let content = self.src.get(start..line.content_end()).unwrap_or_default();
        let rel = |abs: usize| abs.saturating_sub(start);
        let secret_entry = |e: Idx| self.entry_by_id(e as usize).is_some_and(|e| e.is_secret());
        match line.kind {
            Kind::Entry(e) if secret_entry(e) => match self.entries.get(e as usize) {
                Some(entry) if entry.value_start() < entry.value_end() => {
                    splice(content, rel(entry.value_start()), rel(entry.value_end()))
                }
                _ => Cow::Borrowed(content),
            },
            Kind::Continuation(e) if secret_entry(e) => {
                splice(content, rel(line.text_start()), rel(line.text_end()))
            }
            Kind::Comment => match commented_secret_value(content) {
                Some((from, to)) => splice(content, from, to),
                None => Cow::Borrowed(content),
            },
            Kind::Invalid => {
                let text = String::from_utf8_lossy(content);
                if !is_secret_key(&text) {
                    return Cow::Borrowed(content);
                }
                // `admin_passwd hunter2`: keep the first word, mask the rest (or everything if one word).
                let (ts, te) = (rel(line.text_start()), rel(line.text_end()));
                let mut i = ts;
                while i < te && pychar::space_len_at(content, i) == 0 {
                    i += 1;
                }
                let from = if i < te {
                    pychar::lstrip(content, i, te)
                } else {
                    ts
                };
                splice(content, from, te)
            }
            _ => Cow::Borrowed(content),
        }
    }

    /// A copy of the document with every secret value replaced by [`MASK`]: values of secret keys
    /// (including their continuation lines), commented-out secret assignments (`; admin_passwd = admin`),
    /// and unparsable lines that mention a secret. Line structure and terminators are unchanged, so the
    /// masked copies of two documents can be diffed line by line.
    pub fn masked(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.src.len());
        for (idx, line) in self.lines.iter().enumerate() {
            out.extend_from_slice(&self.masked_content(idx));
            out.extend_from_slice(line.ending.as_bytes());
        }
        out
    }

    /// Line `number` (1-based), masked like [`Document::masked`], as text without its terminator.
    pub fn masked_line(&self, number: usize) -> Option<String> {
        let idx = number.checked_sub(1).filter(|&i| i < self.lines.len())?;
        Some(String::from_utf8_lossy(&self.masked_content(idx)).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys() {
        for k in [
            "admin_passwd",
            "db_password",
            "smtp_password",
            "ADMIN_PASSWD",
            "my_secret",
            "api_token",
            "passwd",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in ["workers", "db_user", "smtp_user", "pass", "tok"] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn mask_value_keeps_empty_and_public_values() {
        assert_eq!(mask_value("db_password", "odoo"), MASK);
        assert_eq!(mask_value("db_password", ""), "");
        assert_eq!(mask_value("workers", "4"), "4");
    }

    #[test]
    fn masked_document() {
        let text =
            "[options]\r\nadmin_passwd = hunter2 ; old\r\ndb_password:\r\n  p2\r\n; smtp_password = s3\r\n\
                    ;; API_TOKEN: abc\r\nworkers = 4\r\nsecret_word\r\ndb_passwd hunter3\r\nx = y";
        let d = Document::parse(text.as_bytes());
        let masked = String::from_utf8(d.masked()).unwrap_or_default();
        let expect = "[options]\r\nadmin_passwd = ********\r\ndb_password:\r\n  ********\r\n; smtp_password = ********\r\n\
                      ;; API_TOKEN: ********\r\nworkers = 4\r\n********\r\ndb_passwd ********\r\nx = y";
        assert_eq!(masked, expect);
        assert_eq!(d.masked_line(2).as_deref(), Some("admin_passwd = ********"));
        assert_eq!(d.masked_line(7).as_deref(), Some("workers = 4"));
        assert_eq!(d.masked_line(99), None);
        assert_eq!(d.render(), text.as_bytes(), "masking never changes the document");
    }

    #[test]
    fn masks_secrets_before_any_section_and_in_default() {
        let d = Document::parse(b"db_password = x\n[DEFAULT]\nsmtp_password = y\n");
        assert_eq!(
            d.masked(),
            b"db_password = ********\n[DEFAULT]\nsmtp_password = ********\n".to_vec()
        );
    }
}
