//! Reads the limits from the (possibly fixture) filesystem: the only I/O of `limits`.
//!
//! Implements the algorithm of `shared/docs/cgroup-facts.md`:
//! 1. everything is read below an injectable root ([`FsRoot`]);
//! 2. the cgroup version is decided per controller: a v1 hierarchy line naming the controller plus a
//!    `cgroup` mount carrying it wins; otherwise v2 when a `0::` line and a `cgroup2` mount exist and that
//!    hierarchy offers the controller in `cgroup.controllers`; otherwise the controller is unavailable;
//! 3. the mount whose root is a component-wise ancestor of the process's path is used (preferring
//!    `/sys/fs/cgroup`, then the last listed) and its root is stripped component-wise;
//! 4. a path outside the mount root falls back to the mount point and is flagged `approximate`;
//! 5. the walk goes from the process's cgroup up to the mount point, taking the minimum at each level;
//! 6. CPUs = min(affinity, cpuset, quota) as a fraction; 7. memory = min(max, high, MemTotal), with
//!    v1 `hierarchical_memory_limit`, sentinels by threshold, `memory.high` and swap separate;
//! 8. nothing is cached: every call re-reads (limits change with `docker update`).
//!
//! One controller's failure never hides another: problems become warnings naming the file.

use super::values::{self, CpuQuota};
use super::{mountinfo, proc_cgroup, CpuLimits, Limits, MemoryLimits, Overrides};
use mountinfo::Mount;
use proc_cgroup::CgroupLine;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Files larger than this are not cgroup or proc files: refuse to read further.
const MAX_READ_BYTES: u64 = 16 << 20;

/// The filesystem the limits are read from: `/`, or a directory standing for it (`--root`).
#[derive(Debug, Clone)]
pub struct FsRoot {
    base: Option<PathBuf>,
}

impl FsRoot {
    /// The real filesystem; CPU affinity comes from `sched_getaffinity`.
    pub fn host() -> FsRoot {
        FsRoot { base: None }
    }

    /// A directory standing for `/`; CPU affinity comes from its `proc/self/status`.
    pub fn at(dir: impl Into<PathBuf>) -> FsRoot {
        FsRoot {
            base: Some(dir.into()),
        }
    }

    /// Maps a path as the process sees it to the file to open. `..` components are dropped so a
    /// crafted mountinfo cannot make us read outside the root.
    pub fn resolve(&self, logical: &str) -> PathBuf {
        let mut path = self.base.clone().unwrap_or_else(|| PathBuf::from("/"));
        for component in logical
            .split('/')
            .filter(|c| !c.is_empty() && *c != "." && *c != "..")
        {
            path.push(component);
        }
        path
    }

    /// Reads a small text file (proc and cgroup files are small; anything bigger is refused).
    pub fn read(&self, logical: &str) -> Result<String, String> {
        let file = std::fs::File::open(self.resolve(logical)).map_err(|e| describe_io(logical, &e))?;
        read_opened(logical, file)
    }

    /// [`FsRoot::read`] for a file that may be missing: `Ok(None)` when it does not exist (found by the
    /// `open` itself, not by a `stat` before it). As for a `stat`, a path that cannot be reached (a
    /// component that is a file, a directory that cannot be entered, a symbolic-link loop) is missing too.
    pub fn read_optional(&self, logical: &str) -> Result<Option<String>, String> {
        let path = self.resolve(logical);
        match std::fs::File::open(&path) {
            Ok(file) => read_opened(logical, file).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound || !path.exists() => Ok(None),
            Err(e) => Err(describe_io(logical, &e)),
        }
    }

    fn exists(&self, logical: &str) -> bool {
        self.resolve(logical).exists()
    }

    /// CPUs this process may run on, and where that number came from.
    fn affinity(&self) -> Result<(u32, String), String> {
        if self.base.is_none() {
            if let Some(count) = sched_affinity_count() {
                return Ok((count, "sched_getaffinity".to_string()));
            }
        }
        let status = self.read("/proc/self/status")?;
        values::parse_status_cpus_allowed(&status)
            .map(|n| (n, "/proc/self/status (Cpus_allowed_list)".to_string()))
            .map_err(|why| format!("/proc/self/status: {why}"))
    }
}

/// The text of an opened proc or cgroup file (at most 16 MiB, UTF-8).
fn read_opened(logical: &str, file: std::fs::File) -> Result<String, String> {
    // proc and cgroup files report no size: start with room for a whole small file, so that it is read in
    // one call instead of growing from 32 bytes.
    let mut bytes = Vec::with_capacity(8192);
    file.take(MAX_READ_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| describe_io(logical, &e))?;
    if bytes.len() as u64 > MAX_READ_BYTES {
        return Err(format!(
            "{logical} is larger than 16 MiB; it cannot be a proc or cgroup file"
        ));
    }
    String::from_utf8(bytes).map_err(|_| format!("{logical} is not valid UTF-8 text"))
}

fn describe_io(logical: &str, error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => format!("{logical} does not exist"),
        std::io::ErrorKind::PermissionDenied => format!("{logical} is not readable (permission denied)"),
        _ => format!("{logical} could not be read: {error}"),
    }
}

/// Number of CPUs in this thread's affinity mask, growing the mask for machines with > 1024 CPUs.
fn sched_affinity_count() -> Option<u32> {
    let mut words = 16usize; // 1024 CPUs, the size of cpu_set_t
    loop {
        let mut mask = vec![0u64; words];
        // SAFETY: the buffer is `words * 8` bytes long, exactly the size passed to the kernel.
        let rc =
            unsafe { libc::sched_getaffinity(0, words * 8, mask.as_mut_ptr().cast::<libc::cpu_set_t>()) };
        if rc == 0 {
            return Some(mask.iter().map(|w| w.count_ones()).sum());
        }
        let einval = std::io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL);
        if !einval || words >= 1 << 14 {
            return None;
        }
        words *= 2;
    }
}

/// Reads every limit below `root` and applies `overrides`. Never fails: what cannot be read becomes a
/// warning, and [`Limits::budget`] says when the result is not enough to size Odoo.
pub fn detect(root: &FsRoot, overrides: &Overrides) -> Limits {
    let mut limits = Limits::default();
    let view = CgroupView::read(root, &mut limits.warnings);
    limits.cpu = read_cpu(root, &view, &mut limits.warnings);
    limits.memory = read_memory(root, &view, &mut limits.warnings);
    limits.approximate = limits.cpu.approximate || limits.memory.approximate;
    limits.apply_overrides(overrides);
    limits
}

/// The parsed `/proc/self/cgroup` and `/proc/self/mountinfo`.
struct CgroupView {
    lines: Vec<CgroupLine>,
    mounts: Vec<Mount>,
    /// The `cgroup.controllers` text of each v2 mount point asked so far (`None`: unreadable), read once
    /// per reading: cpu, cpuset and memory usually share one hierarchy.
    controllers: std::cell::RefCell<Vec<(String, Option<String>)>>,
}

impl CgroupView {
    fn read(root: &FsRoot, warnings: &mut Vec<String>) -> CgroupView {
        let lines = match root.read("/proc/self/cgroup") {
            Ok(text) => {
                let (lines, bad) = proc_cgroup::parse(&text);
                for b in bad {
                    warnings.push(format!(
                        "/proc/self/cgroup line {}: cannot parse '{}'; ignored",
                        b.line, b.text
                    ));
                }
                lines
            }
            Err(why) => {
                warnings.push(format!(
                    "{why}: cgroup limits (cpu and memory) are unknown, the host's values are used"
                ));
                Vec::new()
            }
        };
        let mounts = match root.read("/proc/self/mountinfo") {
            Ok(text) => {
                // Only cgroup mounts are looked at, and only a malformed line that could be one is worth a
                // warning (hosts list hundreds of overlay, nsfs and bind mounts).
                let (mounts, bad) = mountinfo::parse_cgroup(&text);
                for b in bad.into_iter().filter(|b| b.text.contains("cgroup")) {
                    warnings.push(format!(
                        "/proc/self/mountinfo line {}: cannot parse '{}'; ignored",
                        b.line, b.text
                    ));
                }
                mounts
            }
            Err(why) => {
                if !lines.is_empty() {
                    warnings.push(format!(
                        "{why}: cgroup limits (cpu and memory) are unknown, the host's values are used"
                    ));
                }
                Vec::new()
            }
        };
        CgroupView {
            lines,
            mounts,
            controllers: std::cell::RefCell::default(),
        }
    }

    /// Where `controller` lives for this process, per the v1-first rule; `None` when unavailable.
    fn locate(&self, root: &FsRoot, controller: &str) -> Option<Location> {
        if let Some(line) = self.lines.iter().find(|l| l.has_controller(controller)) {
            let mounts = self
                .mounts
                .iter()
                .filter(|m| m.fs_type == "cgroup" && m.has_super_option(controller));
            if let Some(location) = Location::choose(1, mounts, &line.path) {
                return Some(location);
            }
        }
        let line = self.lines.iter().find(|l| l.is_unified())?;
        let mounts = self.mounts.iter().filter(|m| m.fs_type == "cgroup2");
        let location = Location::choose(2, mounts, &line.path)?;
        let mut known = self.controllers.borrow_mut();
        if !known.iter().any(|(m, _)| *m == location.mount_point) {
            let text = root
                .read(&join(&location.mount_point, &["cgroup.controllers"]))
                .ok();
            known.push((location.mount_point.clone(), text));
        }
        let offered = known
            .iter()
            .find(|(m, _)| *m == location.mount_point)
            .and_then(|(_, text)| text.as_deref())
            .is_some_and(|text| values::controllers_contain(text, controller));
        offered.then_some(location)
    }
}

/// A controller's hierarchy as seen by this process.
#[derive(Debug)]
struct Location {
    version: u8,
    mount_point: String,
    /// Components of the process's cgroup below the mount root (empty when approximate).
    relative: Vec<String>,
    approximate: bool,
    process_path: String,
    mount_root: String,
}

impl Location {
    fn choose<'m>(
        version: u8,
        mounts: impl Iterator<Item = &'m Mount>,
        process_path: &str,
    ) -> Option<Location> {
        let (mount, relative) = mounts
            .map(|m| (m, strip_root(process_path, &m.root)))
            // Ancestor mounts first, then mounts under /sys/fs/cgroup; max_by_key keeps the LAST of equals.
            .max_by_key(|(m, rel)| (rel.is_some(), under_sys_fs_cgroup(&m.mount_point)))?;
        Some(Location {
            version,
            mount_point: mount.mount_point.clone(),
            approximate: relative.is_none(),
            relative: relative.unwrap_or_default(),
            process_path: process_path.to_string(),
            mount_root: mount.root.clone(),
        })
    }

    /// The process's cgroup directory, then each parent up to the mount point inclusive.
    fn walk(&self) -> Vec<String> {
        (0..=self.relative.len())
            .rev()
            .map(|depth| {
                let parts: Vec<&str> = self.relative[..depth].iter().map(String::as_str).collect();
                join(&self.mount_point, &parts)
            })
            .collect()
    }

    fn leaf(&self) -> String {
        let parts: Vec<&str> = self.relative.iter().map(String::as_str).collect();
        join(&self.mount_point, &parts)
    }

    fn approximate_warning(&self, controller: &str) -> String {
        format!(
            "{controller}: the process's cgroup '{}' is outside the mount root '{}' of {}; limits are read at the mount point and may be approximate",
            self.process_path, self.mount_root, self.mount_point
        )
    }
}

fn under_sys_fs_cgroup(mount_point: &str) -> bool {
    mount_point == "/sys/fs/cgroup" || mount_point.starts_with("/sys/fs/cgroup/")
}

/// Components of `path` below `root`, compared component-wise (`/docker/01ab` is not under
/// `/docker/01abcd`); `None` when `path` is not under `root` or climbs out with `..`.
fn strip_root(path: &str, root: &str) -> Option<Vec<String>> {
    let components = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .map(str::to_string)
            .collect()
    };
    let path = components(path);
    let root = components(root);
    if path.iter().any(|c| c == "..") || path.len() < root.len() || path[..root.len()] != root[..] {
        return None;
    }
    Some(path[root.len()..].to_vec())
}

fn join(base: &str, parts: &[&str]) -> String {
    let mut out = base.trim_end_matches('/').to_string();
    for part in parts {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The strictest value found so far and the file it came from.
struct Strictest<T> {
    best: Option<(T, String)>,
}

impl<T: PartialOrd + Copy> Strictest<T> {
    fn new() -> Self {
        Strictest { best: None }
    }

    fn offer(&mut self, value: T, source: String) {
        if self.best.as_ref().is_none_or(|(b, _)| value < *b) {
            self.best = Some((value, source));
        }
    }

    fn value(&self) -> Option<T> {
        self.best.as_ref().map(|(v, _)| *v)
    }
}

/// Reads an optional value file: missing → `None` silently; unparsable → warning and `None`.
fn read_value<T>(
    root: &FsRoot,
    path: &str,
    parse: impl Fn(&str) -> Result<Option<T>, String>,
    warnings: &mut Vec<String>,
) -> Option<T> {
    value_of(root.read_optional(path), path, parse, warnings)
}

/// The value of an optional file already read: missing → `None`; unreadable or unparsable → warning and
/// `None`.
fn value_of<T>(
    read: Result<Option<String>, String>,
    path: &str,
    parse: impl Fn(&str) -> Result<Option<T>, String>,
    warnings: &mut Vec<String>,
) -> Option<T> {
    match read {
        Ok(None) => None,
        Ok(Some(text)) => match parse(&text) {
            Ok(value) => value,
            Err(why) => {
                warnings.push(format!("{path}: {why}; treated as no limit at this level"));
                None
            }
        },
        Err(why) => {
            warnings.push(format!("{why}; treated as no limit at this level"));
            None
        }
    }
}

fn read_cpu(root: &FsRoot, view: &CgroupView, warnings: &mut Vec<String>) -> CpuLimits {
    let mut cpu = CpuLimits::default();
    // Every quota on the walk, with its file; the strictest one is the limit.
    let mut quotas: Vec<(CpuQuota, String)> = Vec::new();

    match view.locate(root, "cpu") {
        Some(location) => {
            cpu.version = Some(location.version);
            cpu.cgroup_path = Some(location.leaf());
            cpu.approximate = location.approximate;
            if location.approximate {
                warnings.push(location.approximate_warning("cpu"));
            }
            check_mount_point(root, &location, "cpu", warnings);
            for dir in location.walk() {
                let found = if location.version == 2 {
                    let path = join(&dir, &["cpu.max"]);
                    read_value(root, &path, values::parse_cpu_max, warnings).map(|q| (q, path))
                } else {
                    read_v1_quota(root, &dir, warnings)
                };
                quotas.extend(found);
            }
        }
        None if !view.lines.is_empty() => warnings.push(
            "cpu: no cgroup hierarchy offers the cpu controller (no v1 `cpu` hierarchy and no cgroup2 hierarchy listing it); CPU quota unknown, the CPU affinity is used".into(),
        ),
        None => {}
    }

    // Candidates for the effective count, in order of preference on ties: the granted quota first.
    let mut effective: Strictest<f64> = Strictest::new();
    if let Some((quota, path)) = quotas
        .into_iter()
        .min_by(|a, b| a.0.cpus().total_cmp(&b.0.cpus()))
    {
        cpu.quota_cpus = Some(quota.cpus());
        cpu.quota_us = Some(quota.quota_us);
        cpu.period_us = Some(quota.period_us);
        effective.offer(quota.cpus(), path);
    }
    if let Some(location) = view.locate(root, "cpuset") {
        let dir = location.leaf();
        let own = if location.version == 2 {
            "cpuset.cpus.effective"
        } else {
            "cpuset.effective_cpus"
        };
        // The first of the two files that exists is the one read (a missing file is no warning).
        for file in [own, "cpuset.cpus"] {
            let path = join(&dir, &[file]);
            let read = root.read_optional(&path);
            if matches!(read, Ok(None)) {
                continue;
            }
            cpu.cpuset_cpus = value_of(read, &path, |t| values::parse_cpu_list(t).map(Some), warnings);
            if let Some(count) = cpu.cpuset_cpus {
                effective.offer(f64::from(count), path);
            }
            break;
        }
    }
    match root.affinity() {
        Ok((count, source)) => {
            cpu.affinity_cpus = Some(count);
            effective.offer(f64::from(count), source);
        }
        Err(why) => warnings.push(format!("cpu affinity unknown: {why}")),
    }
    if let Some((value, source)) = effective.best {
        cpu.effective_cpus = Some(value);
        cpu.source = Some(source);
    }
    cpu
}

/// v1: `cpu.cfs_quota_us` with its `cpu.cfs_period_us` at one level.
fn read_v1_quota(root: &FsRoot, dir: &str, warnings: &mut Vec<String>) -> Option<(CpuQuota, String)> {
    let quota_path = join(dir, &["cpu.cfs_quota_us"]);
    let quota_us = read_value(root, &quota_path, values::parse_v1_quota, warnings)?;
    let period_path = join(dir, &["cpu.cfs_period_us"]);
    let period_us = read_value(root, &period_path, |t| values::parse_v1_period(t).map(Some), warnings)
        .unwrap_or_else(|| {
            warnings.push(format!(
                "{period_path}: no usable period next to the quota in {quota_path}; the kernel default {} µs is assumed",
                values::DEFAULT_CPU_PERIOD_US
            ));
            values::DEFAULT_CPU_PERIOD_US
        });
    Some((CpuQuota { quota_us, period_us }, quota_path))
}

fn check_mount_point(root: &FsRoot, location: &Location, controller: &str, warnings: &mut Vec<String>) {
    if !root.exists(&location.mount_point) {
        warnings.push(format!(
            "{controller}: the cgroup mount point {} named by /proc/self/mountinfo does not exist; no {controller} limit can be read",
            location.mount_point
        ));
    }
}

fn read_memory(root: &FsRoot, view: &CgroupView, warnings: &mut Vec<String>) -> MemoryLimits {
    let mut memory = MemoryLimits::default();
    let mut max: Strictest<u64> = Strictest::new();
    let mut high: Strictest<u64> = Strictest::new();
    let mut swap: Strictest<u64> = Strictest::new();
    let mut memsw: Strictest<u64> = Strictest::new();

    match view.locate(root, "memory") {
        Some(location) => {
            memory.version = Some(location.version);
            memory.cgroup_path = Some(location.leaf());
            memory.approximate = location.approximate;
            if location.approximate {
                warnings.push(location.approximate_warning("memory"));
            }
            check_mount_point(root, &location, "memory", warnings);
            for dir in location.walk() {
                if location.version == 2 {
                    for (file, best, is_limit) in [("memory.max", &mut max, true), ("memory.high", &mut high, true), ("memory.swap.max", &mut swap, false)] {
                        let path = join(&dir, &[file]);
                        let parse = |t: &str| memory_limit(values::parse_v2_bytes(t), is_limit);
                        if let Some(v) = read_value(root, &path, parse, warnings) {
                            best.offer(v, path);
                        }
                    }
                } else {
                    for (file, best, is_limit) in [("memory.limit_in_bytes", &mut max, true), ("memory.memsw.limit_in_bytes", &mut memsw, false)] {
                        let path = join(&dir, &[file]);
                        let parse = |t: &str| memory_limit(values::parse_v1_bytes(t), is_limit);
                        if let Some(v) = read_value(root, &path, parse, warnings) {
                            best.offer(v, path);
                        }
                    }
                }
            }
            if location.version == 1 {
                // The kernel's own view of every ancestor, including those this process cannot see.
                let stat = join(&location.leaf(), &["memory.stat"]);
                for (key, best, is_limit) in [("hierarchical_memory_limit", &mut max, true), ("hierarchical_memsw_limit", &mut memsw, false)] {
                    let parse = |t: &str| memory_limit(values::parse_memory_stat(t, key), is_limit);
                    if let Some(v) = read_value(root, &stat, parse, warnings) {
                        best.offer(v, format!("{stat} ({key})"));
                    }
                }
                if let (Some(total), Some(limit)) = (memsw.value(), max.value()) {
                    memory.swap_max_bytes = Some(total.saturating_sub(limit));
                }
            } else {
                memory.swap_max_bytes = swap.value();
            }
        }
        None if !view.lines.is_empty() => warnings.push(
            "memory: no cgroup hierarchy offers the memory controller (no v1 `memory` hierarchy and no cgroup2 hierarchy listing it); memory limit unknown, the host's MemTotal is used".into(),
        ),
        None => {}
    }
    memory.max_bytes = max.value();
    memory.high_bytes = high.value();

    let mut effective = Strictest::new();
    if let Some((v, source)) = max.best {
        effective.offer(v, source);
    }
    if let Some((v, source)) = high.best {
        effective.offer(v, source);
    }
    let from_proc = root
        .read("/proc/meminfo")
        .and_then(|text| values::parse_meminfo_total(&text).map_err(|why| format!("/proc/meminfo: {why}")));
    // Without /proc (a sandbox that does not mount it), the real filesystem still has sysinfo(2).
    let from_sysinfo = || root.base.is_none().then(sysinfo_total_ram).flatten();
    if let Some((total, source)) = host_memory(from_proc, from_sysinfo, warnings) {
        memory.host_total_bytes = Some(total);
        effective.offer(total, source.to_string());
    }
    if let Some((v, source)) = effective.best {
        memory.effective_bytes = Some(v);
        memory.source = Some(source);
    }
    memory
}

/// The machine's memory and where it came from: `MemTotal` of `/proc/meminfo`, else `sysinfo` (the same
/// kernel figure, `totalram`) with a warning, else unknown with a warning.
fn host_memory(
    from_proc: Result<u64, String>,
    from_sysinfo: impl FnOnce() -> Option<u64>,
    warnings: &mut Vec<String>,
) -> Option<(u64, &'static str)> {
    match from_proc {
        Ok(total) => Some((total, "/proc/meminfo (MemTotal)")),
        Err(why) => match from_sysinfo() {
            Some(total) => {
                warnings.push(format!("{why}; host memory taken from sysinfo(2) instead"));
                Some((total, "sysinfo(2) (totalram)"))
            }
            None => {
                warnings.push(format!("host memory unknown: {why}"));
                None
            }
        },
    }
}

/// `totalram` of `sysinfo(2)` in bytes: what `/proc/meminfo` shows as `MemTotal`.
fn sysinfo_total_ram() -> Option<u64> {
    // SAFETY: `sysinfo` only writes the struct it is given, which is zero-initialised plain data.
    let mut info: libc::sysinfo = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a `libc::sysinfo`.
    if unsafe { libc::sysinfo(&mut info) } != 0 {
        return None;
    }
    info.totalram.checked_mul(u64::from(info.mem_unit))
}

/// Refuses a memory limit (`memory.max`, `memory.high`, `memory.limit_in_bytes`,
/// `hierarchical_memory_limit`; `is_limit`) of 0 bytes: no running process can be in such a cgroup (v1
/// refuses a limit below the usage, v2 reclaims or OOM-kills on the first page charged), so the value
/// is not real and must not become a memory budget of 0. Swap values of 0 are real and pass.
fn memory_limit(parsed: Result<Option<u64>, String>, is_limit: bool) -> Result<Option<u64>, String> {
    match parsed {
        Ok(Some(0)) if is_limit => Err("a memory limit of 0 bytes, which no running process can have".into()),
        other => other,
    }
}

/// Convenience for callers holding a path.
pub fn detect_at(root: Option<&Path>, overrides: &Overrides) -> Limits {
    let fs = match root {
        Some(dir) => FsRoot::at(dir),
        None => FsRoot::host(),
    };
    detect(&fs, overrides)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_root_is_component_wise() {
        assert_eq!(strip_root("/docker/01abcd", "/docker/01ab"), None);
        assert_eq!(
            strip_root("/docker/01ab/x", "/docker/01ab"),
            Some(vec!["x".to_string()])
        );
        assert_eq!(strip_root("/docker/01ab", "/docker/01ab/"), Some(vec![]));
        assert_eq!(strip_root("/", "/"), Some(vec![]));
        assert_eq!(strip_root("/../x", "/"), None);
        assert_eq!(strip_root("/a", "/a/b"), None);
    }

    #[test]
    fn walk_goes_up_to_the_mount_point() {
        let location = Location {
            version: 2,
            mount_point: "/sys/fs/cgroup".into(),
            relative: vec!["a".into(), "b".into()],
            approximate: false,
            process_path: "/a/b".into(),
            mount_root: "/".into(),
        };
        assert_eq!(
            location.walk(),
            vec!["/sys/fs/cgroup/a/b", "/sys/fs/cgroup/a", "/sys/fs/cgroup"]
        );
    }

    fn write_tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, content).unwrap();
        }
        dir
    }

    /// Found by the `detect_tree` fuzz target: a `memory.limit_in_bytes` of 0 became an effective
    /// memory of 0 bytes.
    #[test]
    fn a_memory_limit_of_zero_is_not_a_budget() {
        const PROC: [(&str, &str); 2] = [
            ("proc/self/status", "Cpus_allowed_list:\t0-3\n"),
            ("proc/meminfo", "MemTotal: 16777216 kB\n"),
        ];
        let v2 = write_tree(&[
            PROC[0],
            PROC[1],
            ("proc/self/cgroup", "0::/\n"),
            (
                "proc/self/mountinfo",
                "31 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
            ),
            ("sys/fs/cgroup/cgroup.controllers", "cpu memory\n"),
            ("sys/fs/cgroup/memory.max", "0\n"),
            ("sys/fs/cgroup/memory.high", "0\n"),
            ("sys/fs/cgroup/memory.swap.max", "0\n"),
        ]);
        let v1 = write_tree(&[
            PROC[0],
            PROC[1],
            ("proc/self/cgroup", "4:memory:/\n"),
            (
                "proc/self/mountinfo",
                "41 31 0:41 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
            ),
            ("sys/fs/cgroup/memory/memory.limit_in_bytes", "0\n"),
            (
                "sys/fs/cgroup/memory/memory.stat",
                "hierarchical_memory_limit 0\n",
            ),
        ]);
        for (dir, files) in [
            (
                &v2,
                &["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.high"][..],
            ),
            (
                &v1,
                &[
                    "/sys/fs/cgroup/memory/memory.limit_in_bytes",
                    "/sys/fs/cgroup/memory/memory.stat",
                ][..],
            ),
        ] {
            let limits = detect(&FsRoot::at(dir.path()), &Overrides::default());
            assert_eq!(limits.memory.effective_bytes, Some(16 << 30), "{limits:#?}");
            assert_eq!(limits.memory.max_bytes, None);
            for file in files {
                assert!(
                    limits
                        .warnings
                        .iter()
                        .any(|w| w.starts_with(file) && w.contains("0 bytes")),
                    "no warning about {file}: {:?}",
                    limits.warnings
                );
            }
        }
        let v2 = detect(&FsRoot::at(v2.path()), &Overrides::default());
        assert_eq!(v2.memory.swap_max_bytes, Some(0), "no swap is a real value");
    }

    /// An optional file whose path cannot be reached is missing, as a `stat` said before the reader
    /// opened files directly: here the process's cgroup `/a` is a file, not a directory, so every
    /// `/sys/fs/cgroup/a/...` fails with ENOTDIR, silently; a file that exists but cannot be read still
    /// warns (a directory where `memory.max` should be).
    #[test]
    fn an_unreachable_optional_file_is_missing_and_an_unreadable_one_warns() {
        let tree = |memory_max_is_a_directory: bool| {
            let dir = write_tree(&[
                ("proc/self/status", "Cpus_allowed_list:\t0-3\n"),
                ("proc/meminfo", "MemTotal: 16777216 kB\n"),
                ("proc/self/cgroup", "0::/a\n"),
                (
                    "proc/self/mountinfo",
                    "31 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
                ),
                ("sys/fs/cgroup/cgroup.controllers", "cpuset cpu memory\n"),
                ("sys/fs/cgroup/a", "not a directory\n"),
            ]);
            if memory_max_is_a_directory {
                std::fs::create_dir(dir.path().join("sys/fs/cgroup/memory.max")).unwrap();
            }
            dir
        };
        let unreachable = tree(false);
        let limits = detect(&FsRoot::at(unreachable.path()), &Overrides::default());
        assert!(limits.warnings.is_empty(), "{:?}", limits.warnings);
        assert_eq!(limits.memory.effective_bytes, Some(16 << 30));
        assert_eq!(limits.cpu.effective_cpus, Some(4.0));

        let unreadable = tree(true);
        let limits = detect(&FsRoot::at(unreadable.path()), &Overrides::default());
        assert_eq!(
            limits.warnings.len(),
            1,
            "one warning, about memory.max: {:?}",
            limits.warnings
        );
        assert!(limits.warnings[0].starts_with("/sys/fs/cgroup/memory.max could not be read"));

        // A required file on such a path says why it could not be read, not that it does not exist.
        let root = FsRoot::at(unreachable.path());
        assert_eq!(root.read_optional("/sys/fs/cgroup/a/memory.max"), Ok(None));
        let error = root.read("/sys/fs/cgroup/a/memory.max").unwrap_err();
        assert!(
            error.starts_with("/sys/fs/cgroup/a/memory.max could not be read"),
            "{error}"
        );
    }

    #[test]
    fn host_memory_falls_back_to_sysinfo_only_when_proc_fails() {
        let mut warnings = Vec::new();
        let proc_ok = host_memory(
            Ok(1 << 30),
            || panic!("sysinfo asked although /proc answered"),
            &mut warnings,
        );
        assert_eq!(proc_ok, Some((1 << 30, "/proc/meminfo (MemTotal)")));
        assert!(warnings.is_empty());

        let missing = || Err("/proc/meminfo does not exist".to_string());
        assert_eq!(
            host_memory(missing(), || Some(2 << 30), &mut warnings),
            Some((2 << 30, "sysinfo(2) (totalram)"))
        );
        assert_eq!(
            warnings,
            ["/proc/meminfo does not exist; host memory taken from sysinfo(2) instead"]
        );

        warnings.clear();
        assert_eq!(host_memory(missing(), || None, &mut warnings), None);
        assert_eq!(warnings, ["host memory unknown: /proc/meminfo does not exist"]);
    }

    #[test]
    fn sysinfo_gives_what_proc_meminfo_calls_mem_total() {
        let text = std::fs::read_to_string("/proc/meminfo").expect("this machine has /proc");
        let from_proc = values::parse_meminfo_total(&text).expect("MemTotal");
        assert_eq!(sysinfo_total_ram(), Some(from_proc));
    }

    #[test]
    fn a_root_directory_never_falls_back_to_this_machine() {
        // `--root` stands for another machine: its missing /proc/meminfo must not become ours.
        let dir = tempfile::tempdir().expect("tempdir");
        let limits = detect(&FsRoot::at(dir.path()), &Overrides::default());
        assert_eq!(limits.memory.host_total_bytes, None);
        assert!(limits
            .warnings
            .iter()
            .any(|w| w.starts_with("host memory unknown")));
    }

    #[test]
    fn resolve_never_leaves_the_root() {
        let root = FsRoot::at("/fixture");
        assert_eq!(
            root.resolve("/../../etc/passwd"),
            PathBuf::from("/fixture/etc/passwd")
        );
    }
}
