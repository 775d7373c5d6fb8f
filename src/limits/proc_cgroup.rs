//! Parsing of `/proc/self/cgroup` (pure).
//!
//! Each line is `HIERARCHY-ID:CONTROLLERS:PATH`. The line is split on the FIRST TWO colons only,
//! because cgroup names may themselves contain `:`. The v2 line is `0::PATH`. v1 controller lists are
//! comma-joined in any order (`cpu,cpuacct` or `cpuacct,cpu`); `name=systemd` is a named hierarchy, not
//! a controller.

/// One line of `/proc/self/cgroup`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupLine {
    /// Hierarchy ID as written (`0` for the unified v2 hierarchy).
    pub hierarchy: String,
    /// Controllers of a v1 hierarchy (`name=...` entries excluded); empty for v2.
    pub controllers: Vec<String>,
    /// The process's cgroup path inside that hierarchy (may contain `:` or start with `/..`).
    pub path: String,
}

impl CgroupLine {
    /// True for the unified (cgroup v2) hierarchy line `0::PATH`.
    pub fn is_unified(&self) -> bool {
        self.hierarchy == "0" && self.controllers.is_empty()
    }

    /// True when this v1 hierarchy carries `controller` (exact name match: `cpu` is not `cpuacct`).
    pub fn has_controller(&self, controller: &str) -> bool {
        !self.is_unified() && self.controllers.iter().any(|c| c == controller)
    }
}

/// A line that could not be parsed, with its 1-based number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub text: String,
}

/// Parses the whole file; malformed lines are returned separately instead of aborting.
pub fn parse(content: &str) -> (Vec<CgroupLine>, Vec<BadLine>) {
    let mut lines = Vec::new();
    let mut bad = Vec::new();
    for (index, raw) in content.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        match parse_line(raw) {
            Some(line) => lines.push(line),
            None => bad.push(BadLine {
                line: index + 1,
                text: raw.to_string(),
            }),
        }
    }
    (lines, bad)
}

/// Parses one line; `None` when it does not have the `ID:CONTROLLERS:PATH` shape.
pub fn parse_line(raw: &str) -> Option<CgroupLine> {
    let mut parts = raw.splitn(3, ':');
    let hierarchy = parts.next()?;
    let controllers = parts.next()?;
    let path = parts.next()?;
    if hierarchy.is_empty() || !hierarchy.bytes().all(|b| b.is_ascii_digit()) || !path.starts_with('/') {
        return None;
    }
    let controllers = controllers
        .split(',')
        .filter(|c| !c.is_empty() && !c.starts_with("name="))
        .map(str::to_string)
        .collect();
    Some(CgroupLine {
        hierarchy: hierarchy.to_string(),
        controllers,
        path: path.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_first_two_colons_only() {
        let line = parse_line("0::/system.slice/my:app.service").unwrap();
        assert!(line.is_unified());
        assert_eq!(line.path, "/system.slice/my:app.service");
    }

    #[test]
    fn v1_controller_lists() {
        let line = parse_line("4:cpuacct,cpu:/docker/abc").unwrap();
        assert!(line.has_controller("cpu"));
        assert!(line.has_controller("cpuacct"));
        assert!(!line.has_controller("cpuset"));
        let named = parse_line("1:name=systemd:/user.slice").unwrap();
        assert!(named.controllers.is_empty());
        assert!(!named.is_unified(), "a named v1 hierarchy is not the unified one");
    }

    #[test]
    fn bad_lines_are_reported_not_fatal() {
        let (lines, bad) = parse("garbage\n4:memory:/x\n\n:cpu:/y\n5:cpu:relative\n");
        assert_eq!(lines.len(), 1);
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![1, 4, 5]);
    }
}
