//! The Odoo major versions odoo-sizer knows (12.0 to 19.0) and how users spell them.

use std::fmt;
use std::str::FromStr;

/// A supported Odoo major version. Ordered, so `version >= OdooVersion::V16` reads naturally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OdooVersion(u8);

impl OdooVersion {
    pub const V12: OdooVersion = OdooVersion(12);
    pub const V13: OdooVersion = OdooVersion(13);
    pub const V14: OdooVersion = OdooVersion(14);
    pub const V15: OdooVersion = OdooVersion(15);
    pub const V16: OdooVersion = OdooVersion(16);
    pub const V17: OdooVersion = OdooVersion(17);
    pub const V18: OdooVersion = OdooVersion(18);
    pub const V19: OdooVersion = OdooVersion(19);

    /// The oldest and newest versions whose options are in the table.
    pub const OLDEST: OdooVersion = OdooVersion::V12;
    pub const NEWEST: OdooVersion = OdooVersion::V19;

    /// Every supported version, oldest first.
    pub const ALL: [OdooVersion; 8] = [
        OdooVersion::V12,
        OdooVersion::V13,
        OdooVersion::V14,
        OdooVersion::V15,
        OdooVersion::V16,
        OdooVersion::V17,
        OdooVersion::V18,
        OdooVersion::V19,
    ];

    /// The version with this major number, when supported.
    pub fn from_major(major: u8) -> Option<OdooVersion> {
        (OdooVersion::OLDEST.0..=OdooVersion::NEWEST.0)
            .contains(&major)
            .then_some(OdooVersion(major))
    }

    pub fn major(self) -> u8 {
        self.0
    }

    /// Up to 18.0 the file is cast by optparse's checkers after `load()` turned exactly
    /// `True/true/False/false` into booleans; 19.0 rewrote `odoo/tools/config.py` with its own casts.
    pub fn uses_optparse_casts(self) -> bool {
        self <= OdooVersion::V18
    }
}

impl fmt::Display for OdooVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.0", self.0)
    }
}

/// Why a version string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Odoo version '{input}': {why}; supported: 12.0 to 19.0, written `18.0` or `18` (the official image's ODOO_VERSION is `18.0`)")]
pub struct VersionError {
    pub input: String,
    pub why: &'static str,
}

impl FromStr for OdooVersion {
    type Err = VersionError;

    /// Accepts `18`, `18.0` (surrounding whitespace ignored). Minor releases such as `saas~17.2` or
    /// `17.2` are refused: their option sets are not the major's.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |why| VersionError {
            input: input.to_string(),
            why,
        };
        let text = input.trim();
        let major = match text.split_once('.') {
            Some((major, "0")) => major,
            Some(_) => return Err(err("only major versions such as `17.0` are supported")),
            None => text,
        };
        if major.is_empty() || !major.bytes().all(|b| b.is_ascii_digit()) || major.len() > 3 {
            return Err(err("not a version number"));
        }
        let number: u16 = major.parse().map_err(|_| err("not a version number"))?;
        u8::try_from(number)
            .ok()
            .and_then(OdooVersion::from_major)
            .ok_or_else(|| err("this version is not supported"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        assert_eq!("18.0".parse(), Ok(OdooVersion::V18));
        assert_eq!("18".parse(), Ok(OdooVersion::V18));
        assert_eq!(" 12.0\n".parse(), Ok(OdooVersion::V12));
        assert_eq!("19".parse(), Ok(OdooVersion::V19));
        for bad in [
            "",
            "11.0",
            "20",
            "18.1",
            "saas~17.2",
            "v18",
            "18.0.0",
            "1e1",
            "-18",
            "0018x",
            "256",
        ] {
            assert!(bad.parse::<OdooVersion>().is_err(), "{bad}");
        }
        let msg = "20.0".parse::<OdooVersion>().unwrap_err().to_string();
        assert!(msg.contains("12.0 to 19.0") && msg.contains("'20.0'"), "{msg}");
    }

    #[test]
    fn order_and_display() {
        assert!(OdooVersion::V16 < OdooVersion::V17);
        assert_eq!(OdooVersion::V17.to_string(), "17.0");
        assert_eq!(OdooVersion::ALL.len(), 8);
        assert!(OdooVersion::ALL.windows(2).all(|w| w[0] < w[1]));
        assert!(OdooVersion::V18.uses_optparse_casts());
        assert!(!OdooVersion::V19.uses_optparse_casts());
    }
}
