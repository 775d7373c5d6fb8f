//! Fuzz target `detect_tree`: limit detection (`limits::detect`) on a whole fuzzed filesystem root.
//!
//! The input is structured (`arbitrary`): a base tree, optional `--cpus`/`--memory` overrides and a list
//! of edits. The base is one of the fixture trees of `tests/fixtures/cgroup/` (sorted by name; one index
//! past the last is an empty root), so a seed of a single byte `i` is the `i`-th real fixture. Edits
//! write, change one line of, remove, or turn into a directory the proc files and cgroup files
//! (existing ones, new ones beside them, or at fuzzed paths). The tree is written to a temporary
//! directory and `detect` reads it through `FsRoot::at`, as `odoo-sizer detect --root` does.
//!
//! Checks: `detect` never panics; effective CPUs, when known, are finite and > 0; effective bytes, when
//! known, are > 0 and (without a memory override) at most the host's MemTotal when that is known;
//! without overrides each effective value is the smallest of the values found (quota, cpuset, affinity;
//! max, high, MemTotal), with an override it is the override; a quota is > 0 CPUs and equals quota/period; versions are 1 or 2;
//! `budget()`, the text report and the JSON document never panic and agree with the effective values.
//!
//! libfuzzer: -max_len=8192
#![cfg_attr(not(test), no_main)]

use arbitrary::{Arbitrary, Unstructured};
use odoo_sizer::commands::detect::render_text;
use odoo_sizer::limits::{detect, FsRoot, Override, Overrides};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// At most this many edits are applied (the rest of the input is ignored).
const MAX_EDITS: usize = 32;

#[derive(Debug, Arbitrary)]
struct TreeInput {
    base: u8,
    /// Millicores; 0 is no override.
    cpus_override: u32,
    /// MiB; 0 is no override.
    memory_override: u32,
    edits: Vec<Edit>,
}

#[derive(Debug, Arbitrary)]
enum Edit {
    Write(FileRef, Content),
    /// Replaces line `n` (modulo the line count plus one: one past the end appends).
    Line(FileRef, u8, String),
    Remove(FileRef),
    /// A directory where a file is expected: reading it fails.
    Directory(FileRef),
}

/// What to write: the shapes of cgroup and proc values (so that the fuzzer reaches the corners of each
/// value quickly), or raw bytes.
#[derive(Debug, Arbitrary)]
enum Content {
    /// `N\n`
    Number(u64),
    /// `N` with the kernel's wording around it: `max`, `max N`, `N M`, `-1`, `key N`, `MemTotal: N kB`...
    Shaped(Shape, u64, u64),
    Raw(Vec<u8>),
}

#[derive(Debug, Arbitrary, Clone, Copy)]
enum Shape {
    Max,
    MaxPeriod,
    QuotaPeriod,
    MinusOne,
    Negative,
    Stat,
    MemTotal,
    CpuRange,
    CpusAllowed,
    Controllers,
}

impl Content {
    fn bytes(&self) -> Vec<u8> {
        let text = match self {
            Content::Number(n) => format!("{n}\n"),
            Content::Shaped(shape, a, b) => match shape {
                Shape::Max => "max\n".to_string(),
                Shape::MaxPeriod => format!("max {b}\n"),
                Shape::QuotaPeriod => format!("{a} {b}\n"),
                Shape::MinusOne => "-1\n".to_string(),
                Shape::Negative => format!("-{a}\n"),
                Shape::Stat => {
                    format!("cache 0\nhierarchical_memory_limit {a}\nhierarchical_memsw_limit {b}\n")
                }
                Shape::MemTotal => format!("MemTotal: {a} kB\n"),
                Shape::CpuRange => format!("{a}-{b}\n"),
                Shape::CpusAllowed => format!("Name:\todoo\nCpus_allowed_list:\t{a}-{b}\n"),
                Shape::Controllers => "cpuset cpu io memory pids\n".to_string(),
            },
            Content::Raw(bytes) => return bytes.clone(),
        };
        text.into_bytes()
    }
}

#[derive(Debug, Arbitrary)]
enum FileRef {
    ProcCgroup,
    Mountinfo,
    Status,
    Meminfo,
    /// A file of the tree, by index in the sorted list of its files.
    Existing(u16),
    /// A cgroup file in the directory of an existing file.
    Beside(u16, CgroupFile),
    /// A cgroup file in a directory at a fuzzed path.
    At(String, CgroupFile),
}

#[derive(Debug, Arbitrary, Clone, Copy)]
enum CgroupFile {
    CpuMax,
    CfsQuota,
    CfsPeriod,
    MemoryMax,
    MemoryHigh,
    SwapMax,
    LimitInBytes,
    MemswLimit,
    MemoryStat,
    Controllers,
    CpusetCpus,
    CpusetCpusEffective,
    CpusetEffectiveCpus,
}

impl CgroupFile {
    fn name(self) -> &'static str {
        match self {
            CgroupFile::CpuMax => "cpu.max",
            CgroupFile::CfsQuota => "cpu.cfs_quota_us",
            CgroupFile::CfsPeriod => "cpu.cfs_period_us",
            CgroupFile::MemoryMax => "memory.max",
            CgroupFile::MemoryHigh => "memory.high",
            CgroupFile::SwapMax => "memory.swap.max",
            CgroupFile::LimitInBytes => "memory.limit_in_bytes",
            CgroupFile::MemswLimit => "memory.memsw.limit_in_bytes",
            CgroupFile::MemoryStat => "memory.stat",
            CgroupFile::Controllers => "cgroup.controllers",
            CgroupFile::CpusetCpus => "cpuset.cpus",
            CgroupFile::CpusetCpusEffective => "cpuset.cpus.effective",
            CgroupFile::CpusetEffectiveCpus => "cpuset.effective_cpus",
        }
    }
}

#[derive(Debug, Clone)]
enum Node {
    File(Vec<u8>),
    Dir,
}

/// Relative path (`proc/self/cgroup`) → node.
type Tree = BTreeMap<String, Node>;

/// The fixture trees, read once.
fn fixtures() -> &'static [Tree] {
    static TREES: OnceLock<Vec<Tree>> = OnceLock::new();
    TREES.get_or_init(|| {
        // The fuzz crate and the main crate's tests both compile this file: look upwards.
        let Some(dir) = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|d| d.join("tests/fixtures/cgroup"))
            .find(|d| d.is_dir())
        else {
            return Vec::new();
        };
        let mut scenarios: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default();
        scenarios.sort();
        scenarios
            .iter()
            .map(|scenario| {
                let mut tree = Tree::new();
                collect(scenario, scenario, &mut tree);
                tree.remove("expected.json");
                tree
            })
            .collect()
    })
}

fn collect(root: &Path, dir: &Path, tree: &mut Tree) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            // An empty directory stands where a file is expected (garbage-values' memory.high).
            let empty = std::fs::read_dir(&path).is_ok_and(|mut e| e.next().is_none());
            if let (true, Ok(relative)) = (empty, path.strip_prefix(root)) {
                tree.insert(relative.to_string_lossy().into_owned(), Node::Dir);
            }
            collect(root, &path, tree);
        } else if let (Ok(relative), Ok(bytes)) = (path.strip_prefix(root), std::fs::read(&path)) {
            tree.insert(relative.to_string_lossy().into_owned(), Node::File(bytes));
        }
    }
}

/// A fuzzed directory path made relative and harmless: no `..`, `.`, empty or NUL components, short.
fn sanitize(path: &str) -> String {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != "." && *c != ".." && !c.contains('\0') && c.len() <= 64)
        .take(8)
        .collect::<Vec<_>>()
        .join("/")
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn resolve(tree: &Tree, file: &FileRef) -> Option<String> {
    let existing = |index: u16| {
        let files: Vec<&String> = tree
            .iter()
            .filter(|(_, node)| matches!(node, Node::File(_)))
            .map(|(path, _)| path)
            .collect();
        (!files.is_empty()).then(|| files[usize::from(index) % files.len()].clone())
    };
    let join = |dir: &str, name: &str| {
        if dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        }
    };
    Some(match file {
        FileRef::ProcCgroup => "proc/self/cgroup".into(),
        FileRef::Mountinfo => "proc/self/mountinfo".into(),
        FileRef::Status => "proc/self/status".into(),
        FileRef::Meminfo => "proc/meminfo".into(),
        FileRef::Existing(i) => existing(*i)?,
        FileRef::Beside(i, name) => join(parent(&existing(*i)?), name.name()),
        FileRef::At(dir, name) => join(&sanitize(dir), name.name()),
    })
}

fn apply(tree: &mut Tree, edit: &Edit) {
    match edit {
        Edit::Write(file, content) => {
            if let Some(path) = resolve(tree, file) {
                tree.insert(path, Node::File(content.bytes()));
            }
        }
        Edit::Line(file, n, text) => {
            if let Some(path) = resolve(tree, file) {
                let old = match tree.get(&path) {
                    Some(Node::File(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
                    _ => String::new(),
                };
                let mut lines: Vec<&str> = old.lines().collect();
                let at = usize::from(*n) % (lines.len() + 1);
                if at == lines.len() {
                    lines.push(text);
                } else {
                    lines[at] = text;
                }
                let mut content = lines.join("\n");
                content.push('\n');
                tree.insert(path, Node::File(content.into_bytes()));
            }
        }
        Edit::Remove(file) => {
            if let Some(path) = resolve(tree, file) {
                tree.remove(&path);
            }
        }
        Edit::Directory(file) => {
            if let Some(path) = resolve(tree, file) {
                tree.insert(path, Node::Dir);
            }
        }
    }
}

/// Writes the tree below `root`; paths that clash (a file where a directory is needed) are skipped.
fn materialize(tree: &Tree, root: &Path) {
    for (path, node) in tree {
        let full = root.join(path);
        match node {
            Node::Dir => {
                let _ = std::fs::create_dir_all(&full);
            }
            Node::File(bytes) => {
                if full.parent().is_some_and(|p| std::fs::create_dir_all(p).is_ok()) {
                    let _ = std::fs::write(&full, bytes);
                }
            }
        }
    }
}

/// A temporary directory for the tree: in `$TMPDIR` when it is set, else on the `/dev/shm` tmpfs when
/// there is one (several times the executions per second of a disk-backed `/tmp`).
fn scratch_dir() -> std::io::Result<tempfile::TempDir> {
    let shm = Path::new("/dev/shm");
    if std::env::var_os("TMPDIR").is_none() && shm.is_dir() {
        if let Ok(dir) = tempfile::Builder::new().prefix("detect_tree").tempdir_in(shm) {
            return Ok(dir);
        }
    }
    tempfile::tempdir()
}

/// The whole check; `tests/fuzz_corpus.rs` replays the corpus through it.
pub fn check(data: &[u8]) {
    let Ok(input) = TreeInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    #[cfg(test)]
    if std::env::var_os("FUZZ_DEBUG").is_some() {
        eprintln!("{input:#?}");
    }
    let trees = fixtures();
    let mut tree = trees
        .get(usize::from(input.base) % (trees.len() + 1))
        .cloned()
        .unwrap_or_default();
    for edit in input.edits.iter().take(MAX_EDITS) {
        apply(&mut tree, edit);
    }
    let Ok(dir) = scratch_dir() else {
        return;
    };
    materialize(&tree, dir.path());

    let overrides = Overrides {
        cpus: (input.cpus_override > 0).then(|| Override {
            value: f64::from(input.cpus_override) / 1000.0,
            source: "--cpus".into(),
        }),
        memory: (input.memory_override > 0).then(|| Override {
            value: u64::from(input.memory_override) << 20,
            source: "--memory".into(),
        }),
    };
    let limits = detect(&FsRoot::at(dir.path()), &overrides);
    let (cpu, memory) = (&limits.cpu, &limits.memory);

    if let Some(cpus) = cpu.effective_cpus {
        assert!(
            cpus.is_finite() && cpus > 0.0,
            "effective CPUs {cpus}: {limits:#?}"
        );
    }
    if let Some(o) = &overrides.cpus {
        assert_eq!(cpu.effective_cpus, Some(o.value));
    } else if let Some(cpus) = cpu.effective_cpus {
        // The strictest of what was found.
        let found = [
            cpu.quota_cpus,
            cpu.cpuset_cpus.map(f64::from),
            cpu.affinity_cpus.map(f64::from),
        ];
        assert!(found.iter().flatten().all(|c| cpus <= *c), "{limits:#?}");
        assert!(found.iter().flatten().any(|c| cpus == *c), "{limits:#?}");
    }
    if let Some(bytes) = memory.effective_bytes {
        assert!(bytes > 0, "effective bytes 0: {limits:#?}");
        if let (None, Some(host)) = (&overrides.memory, memory.host_total_bytes) {
            assert!(bytes <= host, "{bytes} above MemTotal {host}: {limits:#?}");
        }
    }
    if let Some(o) = &overrides.memory {
        assert_eq!(memory.effective_bytes, Some(o.value));
    } else if let Some(bytes) = memory.effective_bytes {
        let found = [memory.max_bytes, memory.high_bytes, memory.host_total_bytes];
        assert!(found.iter().flatten().all(|b| bytes <= *b), "{limits:#?}");
        assert!(found.iter().flatten().any(|b| bytes == *b), "{limits:#?}");
    }
    if let Some(quota) = cpu.quota_cpus {
        let (Some(q), Some(p)) = (cpu.quota_us, cpu.period_us) else {
            panic!("a quota without its microseconds: {limits:#?}");
        };
        assert!(quota.is_finite() && quota > 0.0 && q > 0 && p > 0, "{limits:#?}");
        assert_eq!(quota, q as f64 / p as f64);
    }
    for version in [cpu.version, memory.version].into_iter().flatten() {
        assert!(version == 1 || version == 2, "cgroup v{version}");
    }
    assert_eq!(limits.approximate, cpu.approximate || memory.approximate);

    match limits.budget() {
        Ok(budget) => {
            assert_eq!(Some(budget.cpus), cpu.effective_cpus);
            assert_eq!(Some(budget.memory_bytes), memory.effective_bytes);
        }
        Err(e) => {
            assert!(cpu.effective_cpus.is_none() || memory.effective_bytes.is_none());
            assert!(!e.to_string().is_empty());
        }
    }
    let _ = render_text(&limits);
    let json = serde_json::to_string(&limits).expect("limits serialize");
    assert!(json.starts_with('{'));
}

#[cfg(not(test))]
libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
