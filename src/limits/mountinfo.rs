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
            Some(fields) if keep(fields.fs_type()) => mounts.push(fields.to_mount()),
            Some(_) => {}
            None => bad.push(BadLine {
                line: index + 1,
                text: raw.to_string(),
            }),
        }
    }
    (mounts, bad)
}

/// The fields of one line of the documented shape, still escaped and borrowed from it.
struct Fields<'a> {
    fields: Vec<&'a str>,
    /// Index of the `-` that ends the optional fields.
    separator: usize,
}

impl<'a> Fields<'a> {
    fn of(raw: &'a str) -> Option<Fields<'a>> {
        let fields: Vec<&'a str> = raw.split(' ').filter(|f| !f.is_empty()).collect();
        // At least 6 fixed fields, the separator, then fs type and source.
        let separator = fields.iter().skip(6).position(|f| *f == "-")? + 6;
        fields.get(separator + 2)?;
        let (root, mount_point) = (fields.get(3)?, fields.get(4)?);
        // The root is a path for most file systems but not all (`net:[4026531833]` for nsfs mounts).
        if root.is_empty() || !mount_point.starts_with('/') {
            return None;
        }
        Some(Fields { fields, separator })
    }

    fn field(&self, index: usize) -> &'a str {
        self.fields.get(index).copied().unwrap_or_default()
    }

    fn fs_type(&self) -> &'a str {
        self.field(self.separator + 1)
    }

    fn to_mount(&self) -> Mount {
        // Usually one field: joined (with the spaces WSL puts in them) only when there are several.
        let super_options = match self.fields.get(self.separator + 3..) {
            Some([one]) => unescape(one),
            Some(rest) => unescape(&rest.join(" ")),
            None => String::new(),
        };
        Mount {
            root: unescape(self.field(3)),
            mount_point: unescape(self.field(4)),
            fs_type: unescape(self.fs_type()),
            source: unescape(self.field(self.separator + 2)),
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
