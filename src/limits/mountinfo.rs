//! Parsing of `/proc/self/mountinfo` (pure), keeping only what cgroup discovery needs.
//!
//! Line format (proc(5)): `ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS`.
//! There are zero or more optional fields, ended by a lone `-`. Paths are octal-escaped (`\040` is a
//! space, `\134` a backslash). Super options may contain spaces (seen on WSL), so everything after the
//! source is kept as one string.

/// One mount, with its paths unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Root of the mount inside its filesystem (for cgroup fs: a cgroup path such as `/docker/<id>`).
    pub root: String,
    /// Where it is mounted in this process's view.
    pub mount_point: String,
    pub fs_type: String,
    pub source: String,
    /// Super options as written (may contain spaces).
    pub super_options: String,
}

impl Mount {
    /// True when the super options name `option` exactly (comma- or space-separated).
    pub fn has_super_option(&self, option: &str) -> bool {
        self.super_options.split([',', ' ']).any(|o| o == option)
    }
}

/// A line that could not be parsed, with its 1-based number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub text: String,
}

/// Parses the whole file; malformed lines are returned separately.
pub fn parse(content: &str) -> (Vec<Mount>, Vec<BadLine>) {
    parse_filtered(content, |_| true)
}

/// [`parse`] keeping only the mounts whose filesystem type is `cgroup` or `cgroup2` (all that cgroup
/// discovery looks at): the other lines are checked for their shape (so malformed lines are reported
/// exactly as by `parse`) but not copied. On a host, most of mountinfo is overlay, nsfs and bind mounts.
pub fn parse_cgroup(content: &str) -> (Vec<Mount>, Vec<BadLine>) {
    parse_filtered(content, |fs_type| {
        let fs_type = unescape_cow(fs_type);
        fs_type == "cgroup" || fs_type == "cgroup2"
    })
}

fn parse_filtered(content: &str, keep: impl Fn(&str) -> bool) -> (Vec<Mount>, Vec<BadLine>) {
    let mut mounts = Vec::new();
    let mut bad = Vec::new();
    for (index, raw) in content.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        match Fields::of(raw) {
            Some(fields) if keep(fields.fs_type) => mounts.push(fields.to_mount()),
            Some(_) => {}
            None => bad.push(BadLine {
                line: index + 1,
                text: raw.to_string(),
            }),
        }
    }
    (mounts, bad)
}

/// The non-empty fields of a line, separated by single spaces (what `split(' ')` without the empty
/// pieces gives), scanned by hand: no vector per line, and the rest of the line stays one slice.
struct Tokens<'a> {
    raw: &'a str,
    pos: usize,
}

impl<'a> Tokens<'a> {
    fn new(raw: &'a str) -> Tokens<'a> {
        Tokens { raw, pos: 0 }
    }

    /// What follows the fields read so far.
    fn rest(&self) -> &'a str {
        self.raw.get(self.pos..).unwrap_or_default()
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.raw.as_bytes();
        while bytes.get(self.pos) == Some(&b' ') {
            self.pos += 1;
        }
        let start = self.pos;
        while matches!(bytes.get(self.pos), Some(&b) if b != b' ') {
            self.pos += 1;
        }
        // Spaces are ASCII: both ends are character boundaries.
        (self.pos > start)
            .then(|| self.raw.get(start..self.pos))
            .flatten()
    }
}

/// The fields of one line of the documented shape that discovery uses, still escaped and borrowed from it.
struct Fields<'a> {
    root: &'a str,
    mount_point: &'a str,
    fs_type: &'a str,
    source: &'a str,
    /// Everything after the source: the super options (one field, or several with spaces on WSL).
    rest: &'a str,
}

impl<'a> Fields<'a> {
    fn of(raw: &'a str) -> Option<Fields<'a>> {
        let mut tokens = Tokens::new(raw);
        // Six fixed fields (the separator is looked for after them), optional fields up to a lone `-`,
        // then fs type and source.
        let _id = tokens.next()?;
        let _parent = tokens.next()?;
        let _dev = tokens.next()?;
        let root = tokens.next()?;
        let mount_point = tokens.next()?;
        let _options = tokens.next()?;
        while tokens.next()? != "-" {}
        let fs_type = tokens.next()?;
        let source = tokens.next()?;
        // The root is a path for most file systems but not all (`net:[4026531833]` for nsfs mounts).
        if !mount_point.starts_with('/') {
            return None;
        }
        Some(Fields {
            root,
            mount_point,
            fs_type,
            source,
            rest: tokens.rest(),
        })
    }

    fn to_mount(&self) -> Mount {
        // Usually one field: joined (with the spaces WSL puts in them) only when there are several.
        let mut rest = Tokens::new(self.rest);
        let super_options = match (rest.next(), rest.next()) {
            (None, _) => String::new(),
            (Some(one), None) => unescape(one),
            (Some(first), Some(second)) => {
                let mut joined = [first, second].join(" ");
                for more in rest {
                    joined.push(' ');
                    joined.push_str(more);
                }
                unescape(&joined)
            }
        };
        Mount {
            root: unescape(self.root),
            mount_point: unescape(self.mount_point),
            fs_type: unescape(self.fs_type),
            source: unescape(self.source),
            super_options,
        }
    }
}

/// Parses one line; `None` when it does not have the documented shape.
pub fn parse_line(raw: &str) -> Option<Mount> {
    Fields::of(raw).map(|f| f.to_mount())
}

/// [`unescape`] without a copy when there is nothing to decode.
fn unescape_cow(field: &str) -> std::borrow::Cow<'_, str> {
    if field.contains('\\') {
        std::borrow::Cow::Owned(unescape(field))
    } else {
        std::borrow::Cow::Borrowed(field)
    }
}

/// Decodes the kernel's octal escapes (`\040`, `\011`, `\012`, `\134`); anything else is kept as is.
pub fn unescape(field: &str) -> String {
    // Nearly every field has no escape at all.
    if !field.contains('\\') {
        return field.to_string();
    }
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 4 <= bytes.len() {
            let digits = &bytes[i + 1..i + 4];
            if digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                let value = u32::from(digits[0] - b'0') * 64
                    + u32::from(digits[1] - b'0') * 8
                    + u32::from(digits[2] - b'0');
                if let Ok(byte) = u8::try_from(value) {
                    out.push(byte);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_fields_and_separator() {
        let m = parse_line(
            "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime shared:9 master:2 - cgroup cgroup rw,cpu",
        )
        .unwrap();
        assert_eq!(m.fs_type, "cgroup");
        assert!(m.has_super_option("cpu"));
        assert!(!m.has_super_option("cpuacct"));
        let none =
            parse_line("41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw").unwrap();
        assert_eq!(none.fs_type, "cgroup2");
    }

    #[test]
    fn escapes_and_spaces_in_super_options() {
        let m = parse_line(r"90 80 0:40 /docker/a\040b /sys/fs/cgroup/cpu\134x rw - cgroup none rw,cpu,cpuacct,release_agent=/x y").unwrap();
        assert_eq!(m.root, "/docker/a b");
        assert_eq!(m.mount_point, r"/sys/fs/cgroup/cpu\x");
        assert_eq!(m.super_options, "rw,cpu,cpuacct,release_agent=/x y");
        assert!(m.has_super_option("cpuacct"));
    }

    /// The scanner against the definition it replaced: split at single spaces, drop empty pieces, the
    /// separator is the first lone `-` after the six fixed fields, fs type and source must follow, the
    /// mount point is a path, and the super options are the remaining pieces joined by one space.
    #[test]
    fn scanning_agrees_with_splitting() {
        use proptest::prelude::*;
        fn reference(raw: &str) -> Option<Mount> {
            let fields: Vec<&str> = raw.split(' ').filter(|f| !f.is_empty()).collect();
            let separator = fields.iter().skip(6).position(|f| *f == "-")? + 6;
            fields.get(separator + 2)?;
            let (root, mount_point) = (fields.get(3)?, fields.get(4)?);
            if root.is_empty() || !mount_point.starts_with('/') {
                return None;
            }
            let rest = fields.get(separator + 3..).unwrap_or_default();
            Some(Mount {
                root: unescape(root),
                mount_point: unescape(mount_point),
                fs_type: unescape(fields.get(separator + 1)?),
                source: unescape(fields.get(separator + 2)?),
                super_options: unescape(&rest.join(" ")),
            })
        }
        // Six fixed fields, optional fields, the separator, fs type, source and super options, each piece
        // drawn from values that make valid, shifted and broken lines likely.
        let field = prop_oneof![
            Just("-"),
            Just(""),
            Just("/"),
            Just("/sys/fs/cgroup"),
            Just("cgroup2"),
            Just("rw,nosuid"),
            Just(r"a\040b"),
            Just("shared:9"),
            Just("0:29"),
            Just("é"),
        ];
        let gap = prop_oneof![Just(" "), Just("  "), Just(" "), Just(" ")];
        proptest!(|(fields in proptest::collection::vec((field, gap), 0..16), mounted in any::<bool>())| {
            let mut raw = String::new();
            for (i, (f, gap)) in fields.iter().enumerate() {
                // Often a path where the mount point goes, so that many lines get past that check.
                raw.push_str(if i == 4 && mounted { "/mnt" } else { f });
                raw.push_str(gap);
            }
            let parsed = parse_line(&raw);
            prop_assert_eq!(&parsed, &reference(&raw), "{:?}", raw);
        });
        // Lines that parse, with one and with several super options.
        let several = "1 2 0:3 / /sys/fs/cgroup rw - cgroup2 none rw  x y";
        assert_eq!(parse_line(several), reference(several));
        assert_eq!(
            parse_line(several).map(|m| m.super_options),
            Some("rw x y".to_string())
        );
    }

    #[test]
    fn malformed_lines() {
        assert!(parse_line("").is_none());
        assert!(
            parse_line("1 2 3 / /x rw cgroup cgroup rw").is_none(),
            "no separator"
        );
        assert!(parse_line("1 2 3 / /x rw -").is_none(), "nothing after separator");
        let ns =
            parse_line("44 27 0:4 net:[4026531833] /run/docker/netns/default rw - nsfs nsfs rw").unwrap();
        assert_eq!(ns.root, "net:[4026531833]");
        assert_eq!(unescape(r"a\0"), r"a\0");
        assert_eq!(unescape(r"\777"), r"\777", "out of byte range is kept");
    }
}
