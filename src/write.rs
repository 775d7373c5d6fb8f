//! Reading and writing config files without ever losing or corrupting them: the only code that writes
//! files.
//!
//! A [`ConfigFile`] is opened under an exclusive lock (an advisory `flock` on the file's directory, which
//! survives the file being replaced by rename), so concurrent runs on one file are serialised. Writes are
//! atomic: temp file in the same directory → write → owner and mode of the original → fsync → rename →
//! fsync of the directory. When a rename cannot replace the file — a single file bind-mounted into a
//! container (`EBUSY`/`EXDEV`), a directory we may not create files in, or an owner we cannot give the new
//! file — the file is rewritten IN PLACE (same inode, so owner and mode stay): the original content is first
//! saved and fsynced to a journal in the temp directory (with the new content, to recognise what an
//! interrupted write can leave), then the new content is written over the file, truncated and fsynced,
//! then the journal is removed. A run that finds a journal (the previous one was killed mid-write) puts
//! the original back before doing anything else when the file holds what an interrupted write leaves (each
//! byte from the old content, the new one, or a hole), so the file ends as either the old or the new
//! version. A file that holds something else was edited since: it is left alone and the journal kept
//! aside under a `.stale` name. The journal lives in `$TMPDIR`: a run killed mid-write whose temp
//! directory is gone before the next run (a container recreated with its own `/tmp`) leaves a mixed file.
//! Leftover temp files of killed runs are removed by the next run.
//!
//! Symlinks (Kubernetes ConfigMap `..data` links) are resolved and the final target is written. A file
//! changed by someone else between our read and our write is never overwritten.
//!
//! Must not: parse or edit config content (that is `conf`).

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Config files larger than this are refused: odoo.conf files are a few KiB.
pub const MAX_CONFIG_BYTES: u64 = 16 << 20;
/// Suffix of our temp files, so that leftovers of killed runs can be recognised and removed.
const TEMP_SUFFIX: &str = ".odoo-sizer.tmp";
/// Journals of version 1 (original content only) are still recovered.
const JOURNAL_MAGIC_V1: &[u8] = b"odoo-sizer in-place journal v1\n";
const JOURNAL_MAGIC: &[u8] = b"odoo-sizer in-place journal v2\n";
/// How long to wait for another odoo-sizer process working on the same directory.
const LOCK_WAIT: Duration = Duration::from_secs(60);
/// Mode of a config file we create from nothing.
const NEW_FILE_MODE: u32 = 0o644;

/// Why a config file could not be read or written. Every message names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: {size} bytes is above the {} MiB limit for a config file (odoo.conf files are a few KiB); check the path", MAX_CONFIG_BYTES >> 20)]
    TooLarge { path: PathBuf, size: u64 },
    #[error("{path} is a directory, not a config file; give the file's path")]
    IsDirectory { path: PathBuf },
    #[error("{path} is on a read-only file system (a `:ro` mount or a Kubernetes ConfigMap?); write the sized copy elsewhere with --output PATH and start Odoo with `-c PATH` (or ODOO_RC=PATH)")]
    ReadOnly { path: PathBuf },
    #[error("permission denied trying to {action} {path} (running as uid {uid}); run as the file's owner, or write the sized copy elsewhere with --output PATH")]
    PermissionDenied {
        path: PathBuf,
        action: &'static str,
        uid: u32,
    },
    #[error(
        "no space left on the device holding {path}; nothing was changed: free some space and run again"
    )]
    NoSpace { path: PathBuf },
    #[error("{path} was changed by another program while odoo-sizer was working on it; nothing was written: run again")]
    Changed { path: PathBuf },
    #[error("the directory of {path} does not exist; create it or choose another path")]
    NoDirectory { path: PathBuf },
    #[error("another odoo-sizer process has held the lock on {dir} for {seconds} s; if none is running, check what holds it (`fuser {dir}`)")]
    LockTimeout { dir: PathBuf, seconds: u64 },
    #[error("{path} is bind-mounted and cannot be replaced atomically, and no temp directory is writable for the safety journal ({journal}: {source}); set TMPDIR to a writable directory or use --output")]
    NoJournal {
        path: PathBuf,
        journal: PathBuf,
        source: io::Error,
    },
    #[error("cannot {action} {path}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        source: io::Error,
    },
}

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

impl FileError {
    /// Classifies an I/O error into the message that says what to do.
    fn from_io(path: &Path, action: &'static str, source: io::Error) -> FileError {
        let path = path.to_path_buf();
        match errno_of(&source) {
            Some(libc::EROFS) => FileError::ReadOnly { path },
            // A read-only mount answers EACCES before EROFS when the file is not ours: say read-only.
            Some(libc::EACCES) | Some(libc::EPERM) if on_read_only_mount(&path) => {
                FileError::ReadOnly { path }
            }
            Some(libc::EACCES) | Some(libc::EPERM) => FileError::PermissionDenied {
                path,
                action,
                uid: euid(),
            },
            Some(libc::ENOSPC) | Some(libc::EDQUOT) => FileError::NoSpace { path },
            Some(libc::EISDIR) => FileError::IsDirectory { path },
            _ => FileError::Io { path, action, source },
        }
    }
}

/// True when the file (or, for a missing file, its directory) is on a read-only mount.
fn on_read_only_mount(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let probe = if path.exists() {
        path.to_path_buf()
    } else {
        parent_dir(path)
    };
    let Ok(c_path) = std::ffi::CString::new(probe.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: statvfs writes into the zeroed struct we own; the path is a valid C string.
    unsafe {
        let mut stat: libc::statvfs = std::mem::zeroed();
        libc::statvfs(c_path.as_ptr(), &mut stat) == 0 && stat.f_flag & libc::ST_RDONLY != 0
    }
}

/// The errno behind an I/O error, also when a library wrapped it with context (tempfile adds the path,
/// which hides `raw_os_error`): then the error kind tells.
fn errno_of(error: &io::Error) -> Option<i32> {
    error.raw_os_error().or(match error.kind() {
        io::ErrorKind::ReadOnlyFilesystem => Some(libc::EROFS),
        io::ErrorKind::PermissionDenied => Some(libc::EACCES),
        io::ErrorKind::StorageFull => Some(libc::ENOSPC),
        io::ErrorKind::QuotaExceeded => Some(libc::EDQUOT),
        io::ErrorKind::IsADirectory => Some(libc::EISDIR),
        io::ErrorKind::ResourceBusy => Some(libc::EBUSY),
        io::ErrorKind::CrossesDevices => Some(libc::EXDEV),
        _ => None,
    })
}

type Result<T, E = FileError> = std::result::Result<T, E>;

/// Fault injection for tests (`--features failpoints`, `FAILPOINTS=after-write=return(kill)`): `kill`
/// SIGKILLs the process on the spot (no destructor runs, exactly like `kill -9`); `enospc`, `ebusy`,
/// `exdev`, `erofs`, `eacces` make the step fail with that errno.
#[cfg(feature = "failpoints")]
fn failpoint(name: &str) -> io::Result<()> {
    fail::fail_point!(name, |arg: Option<String>| {
        let errno = match arg.as_deref() {
            Some("kill") => {
                // SAFETY: raising a signal on ourselves has no preconditions; SIGKILL does not return.
                unsafe { libc::raise(libc::SIGKILL) };
                libc::EINTR
            }
            Some("enospc") => libc::ENOSPC,
            Some("ebusy") => libc::EBUSY,
            Some("exdev") => libc::EXDEV,
            Some("erofs") => libc::EROFS,
            Some("eacces") => libc::EACCES,
            _ => libc::EIO,
        };
        Err(io::Error::from_raw_os_error(errno))
    });
    Ok(())
}

#[cfg(not(feature = "failpoints"))]
#[inline(always)]
fn failpoint(_name: &str) -> io::Result<()> {
    Ok(())
}

/// Who owns a file, its permission bits and its identity, taken when it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMeta {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    dev: u64,
    ino: u64,
}

impl FileMeta {
    fn of(meta: &std::fs::Metadata) -> FileMeta {
        FileMeta {
            mode: meta.mode() & 0o7777,
            uid: meta.uid(),
            gid: meta.gid(),
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
}

/// How a file was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WriteMethod {
    /// Temp file + rename: readers see the old or the new file, never a mix.
    Atomic,
    /// Rewritten in place with a journal (bind-mounted single files, owners we cannot reproduce).
    InPlace,
}

/// Something the open had to repair first, reported to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// A previous run was killed during an in-place write; the original content was put back.
    RestoredFromJournal { journal: PathBuf },
    /// A journal of an interrupted in-place write was found, but the file was changed since: it was left
    /// alone and the journal (the content before that run) kept at `kept`.
    KeptStaleJournal { kept: PathBuf },
    /// Temp files left by killed runs were removed.
    RemovedTempFiles(Vec<PathBuf>),
}

/// A config file opened for a read-modify-write cycle, holding the directory lock until dropped.
#[derive(Debug)]
pub struct ConfigFile {
    /// The path as given.
    pub path: PathBuf,
    /// The file actually read and written (symlinks resolved).
    pub target: PathBuf,
    /// The current content, `None` when the file does not exist yet.
    pub content: Option<Vec<u8>>,
    /// Owner, mode and identity when read.
    pub meta: Option<FileMeta>,
    /// What had to be repaired before reading.
    pub recoveries: Vec<Recovery>,
    _lock: DirLock,
}

impl ConfigFile {
    /// Locks the file's directory, repairs what killed runs left behind, and reads the file (which may
    /// be missing).
    pub fn open(path: &Path) -> Result<ConfigFile> {
        let target = resolve(path)?;
        let dir = parent_dir(&target);
        let lock = DirLock::acquire(&dir)?;
        let mut recoveries = Vec::new();
        if let Some(recovery) = recover_in_place(&target)? {
            recoveries.push(recovery);
        }
        let removed = remove_stale_temp_files(&target);
        if !removed.is_empty() {
            recoveries.push(Recovery::RemovedTempFiles(removed));
        }
        let (content, meta) = match read_capped(&target)? {
            Some((bytes, meta)) => (Some(bytes), Some(meta)),
            None => (None, None),
        };
        Ok(ConfigFile {
            path: path.to_path_buf(),
            target,
            content,
            meta,
            recoveries,
            _lock: lock,
        })
    }

    /// Replaces the file's content, keeping its owner and mode (or, for a new file, `mode_for_new`, else
    /// 0644). Refuses when the file changed since it was read.
    pub fn replace(&self, content: &[u8], mode_for_new: Option<u32>) -> Result<WriteMethod> {
        failpoint("before-replace").map_err(|e| FileError::from_io(&self.target, "write", e))?;
        self.check_unchanged()?;
        let mode = self
            .meta
            .as_ref()
            .map(|m| m.mode)
            .or(mode_for_new)
            .unwrap_or(NEW_FILE_MODE);
        match write_atomic(&self.target, content, mode, self.meta.as_ref()) {
            Ok(()) => Ok(WriteMethod::Atomic),
            Err(Attempt::Fatal(e)) => Err(e),
            Err(Attempt::NeedsInPlace(reason)) => match (&self.content, &self.meta) {
                (Some(original), Some(_)) => {
                    log::info!("{}: {reason}; rewriting it in place", self.target.display());
                    write_in_place(&self.target, original, content)?;
                    Ok(WriteMethod::InPlace)
                }
                // Nothing to rewrite in place: report why the atomic write failed.
                _ => Err(FileError::from_io(&self.target, "create", reason)),
            },
        }
    }

    fn check_unchanged(&self) -> Result<()> {
        let changed = || FileError::Changed {
            path: self.target.clone(),
        };
        match (&self.meta, read_capped(&self.target)?) {
            (None, None) => Ok(()),
            (Some(before), Some((bytes, now)))
                if before.dev == now.dev
                    && before.ino == now.ino
                    && self.content.as_deref() == Some(&bytes[..]) =>
            {
                Ok(())
            }
            _ => Err(changed()),
        }
    }
}

/// Reads a config file that will not be written (the source of `--output`), with the same size cap.
pub fn read_config(path: &Path) -> Result<Option<(Vec<u8>, FileMeta)>> {
    read_capped(&resolve(path)?)
}

/// Follows symlinks to the file that is really read and written. A missing file is fine (it will be
/// created); its directory must exist.
pub fn resolve(path: &Path) -> Result<PathBuf> {
    match std::fs::canonicalize(path) {
        Ok(resolved) => Ok(resolved),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            // A dangling symlink points at the file to create.
            if let Ok(link) = std::fs::read_link(path) {
                let base = parent_dir(path);
                return resolve(&base.join(link));
            }
            let dir = parent_dir(path);
            let name = path.file_name().ok_or_else(|| FileError::IsDirectory {
                path: path.to_path_buf(),
            })?;
            match std::fs::canonicalize(&dir) {
                Ok(dir) => Ok(dir.join(name)),
                Err(_) => Err(FileError::NoDirectory {
                    path: path.to_path_buf(),
                }),
            }
        }
        Err(e) => Err(FileError::from_io(path, "open", e)),
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn read_capped(path: &Path) -> Result<Option<(Vec<u8>, FileMeta)>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FileError::from_io(path, "read", e)),
    };
    let meta = file.metadata().map_err(|e| FileError::from_io(path, "read", e))?;
    if meta.is_dir() {
        return Err(FileError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(FileError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::from_io(path, "read", e))?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(FileError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
        });
    }
    Ok(Some((bytes, FileMeta::of(&meta))))
}

/// An exclusive advisory lock on a directory, released when dropped (or when the process dies).
#[derive(Debug)]
struct DirLock {
    _dir: File,
}

impl DirLock {
    fn acquire(dir: &Path) -> Result<DirLock> {
        DirLock::acquire_within(dir, LOCK_WAIT)
    }

    /// Waits at most `wait` for the lock (tests shorten the wait).
    fn acquire_within(dir: &Path, wait: Duration) -> Result<DirLock> {
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY)
            .open(dir)
            .map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => FileError::NoDirectory {
                    path: dir.to_path_buf(),
                },
                _ => FileError::from_io(dir, "lock", e),
            })?;
        let started = Instant::now();
        let mut announced = false;
        loop {
            // SAFETY: flock on a descriptor we own; no memory is passed.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc == 0 {
                return Ok(DirLock { _dir: file });
            }
            let err = io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EWOULDBLOCK) | Some(libc::EINTR) => {}
                _ => return Err(FileError::from_io(dir, "lock", err)),
            }
            if started.elapsed() > wait {
                return Err(FileError::LockTimeout {
                    dir: dir.to_path_buf(),
                    seconds: wait.as_secs(),
                });
            }
            if !announced {
                log::info!(
                    "waiting for another odoo-sizer process working in {}",
                    dir.display()
                );
                announced = true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Outcome of an atomic attempt that did not succeed.
enum Attempt {
    /// The file cannot be replaced by rename: rewrite it in place instead.
    NeedsInPlace(io::Error),
    Fatal(FileError),
}

fn write_atomic(target: &Path, content: &[u8], mode: u32, meta: Option<&FileMeta>) -> Result<(), Attempt> {
    let dir = parent_dir(target);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let fatal = |action, e: io::Error| Attempt::Fatal(FileError::from_io(target, action, e));
    let mut temp = match tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(TEMP_SUFFIX)
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(&dir)
        .and_then(|t| failpoint("after-temp-create").map(|()| t))
    {
        Ok(t) => t,
        // A directory we may not create files in (e.g. root-owned /etc/odoo with a file owned by us).
        Err(e) if matches!(errno_of(&e), Some(libc::EACCES) | Some(libc::EPERM)) && meta.is_some() => {
            return Err(Attempt::NeedsInPlace(e))
        }
        Err(e) => return Err(fatal("create a temp file next to", e)),
    };
    temp.write_all(content)
        .and_then(|()| temp.flush())
        .and_then(|()| failpoint("after-write"))
        .map_err(|e| fatal("write", e))?;
    if let Some(meta) = meta {
        let file_meta = temp.as_file().metadata().map_err(|e| fatal("write", e))?;
        if file_meta.uid() != meta.uid || file_meta.gid() != meta.gid {
            if let Err(e) = std::os::unix::fs::fchown(temp.as_file(), Some(meta.uid), Some(meta.gid)) {
                // We cannot give a new file the original owner: keep the inode instead.
                return Err(Attempt::NeedsInPlace(e));
            }
        }
    }
    temp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(|e| fatal("set the mode of", e))?;
    temp.as_file()
        .sync_all()
        .and_then(|()| failpoint("after-fsync"))
        .map_err(|e| fatal("write", e))?;
    if let Err(e) = failpoint("rename") {
        return Err(rename_failure(target, e));
    }
    // On error the temp file is removed when `persist`'s error is dropped.
    temp.persist(target)
        .map_err(|e| rename_failure(target, e.error))?;
    failpoint("after-rename").map_err(|e| fatal("write", e))?;
    // The rename is durable only once the directory is.
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| fatal("sync the directory of", e))
}

fn rename_failure(target: &Path, e: io::Error) -> Attempt {
    match errno_of(&e) {
        // A single file bind-mounted into a container cannot be replaced by rename.
        Some(libc::EBUSY) | Some(libc::EXDEV) => Attempt::NeedsInPlace(e),
        _ => Attempt::Fatal(FileError::from_io(target, "replace", e)),
    }
}

/// Where the journal of an in-place write of `target` lives.
fn journal_path(target: &Path) -> PathBuf {
    // FNV-1a of the path: stable across runs and processes, no dependency.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in target.as_os_str().as_encoded_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    std::env::temp_dir().join(format!("odoo-sizer-inplace-{hash:016x}.journal"))
}

/// A journal: magic, the target's path, the original's length, the original, the new content.
fn journal_bytes(target: &Path, original: &[u8], new: &[u8]) -> Vec<u8> {
    let mut bytes = journal_header(JOURNAL_MAGIC, target);
    bytes.extend_from_slice(format!("{}\n", original.len()).as_bytes());
    bytes.extend_from_slice(original);
    bytes.extend_from_slice(new);
    bytes
}

fn journal_header(magic: &[u8], target: &Path) -> Vec<u8> {
    let mut bytes = magic.to_vec();
    bytes.extend_from_slice(target.as_os_str().as_encoded_bytes());
    bytes.push(b'\n');
    bytes
}

/// What a journal holds: the original content and, from version 2 on, the content being written.
struct Journal<'a> {
    original: &'a [u8],
    new: Option<&'a [u8]>,
}

fn parse_journal<'a>(bytes: &'a [u8], target: &Path) -> Option<Journal<'a>> {
    if let Some(rest) = bytes.strip_prefix(&journal_header(JOURNAL_MAGIC, target)[..]) {
        let newline = rest.iter().position(|b| *b == b'\n')?;
        let len: usize = std::str::from_utf8(rest.get(..newline)?).ok()?.parse().ok()?;
        let contents = rest.get(newline + 1..)?;
        let (original, new) = (contents.get(..len)?, contents.get(len..)?);
        return Some(Journal {
            original,
            new: Some(new),
        });
    }
    let original = bytes.strip_prefix(&journal_header(JOURNAL_MAGIC_V1, target)[..])?;
    Some(Journal { original, new: None })
}

/// True when `current` is something an in-place write of `new` over `original` can leave when killed (or
/// cut by a power loss) before it finished: a length between the two, and every byte the original's, the
/// new content's, or zero (a hole in a file that was growing).
fn interrupted_write(current: &[u8], original: &[u8], new: &[u8]) -> bool {
    let (shorter, longer) = if original.len() <= new.len() {
        (original.len(), new.len())
    } else {
        (new.len(), original.len())
    };
    (shorter..=longer).contains(&current.len())
        && current
            .iter()
            .enumerate()
            .all(|(i, b)| *b == 0 || original.get(i) == Some(b) || new.get(i) == Some(b))
}

/// Overwrites `target`'s content without replacing its inode, journaling the original first.
fn write_in_place(target: &Path, original: &[u8], content: &[u8]) -> Result<()> {
    let journal = journal_path(target);
    let saved = (|| -> io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&journal)?;
        file.write_all(&journal_bytes(target, original, content))?;
        file.sync_all()?;
        failpoint("inplace-after-journal")
    })();
    if let Err(source) = saved {
        let _ = std::fs::remove_file(&journal);
        return Err(FileError::NoJournal {
            path: target.to_path_buf(),
            journal,
            source,
        });
    }
    overwrite(target, content, true)?;
    remove_journal(&journal)
}

fn remove_journal(journal: &Path) -> Result<()> {
    std::fs::remove_file(journal).map_err(|e| FileError::from_io(journal, "remove", e))
}

/// Writes `content` over the file at offset 0, truncates and fsyncs: same inode, owner and mode.
fn overwrite(target: &Path, content: &[u8], with_failpoints: bool) -> Result<()> {
    let step = |name| if with_failpoints { failpoint(name) } else { Ok(()) };
    let file = OpenOptions::new()
        .write(true)
        .open(target)
        .map_err(|e| FileError::from_io(target, "open for writing", e))?;
    file.write_all_at(content, 0)
        .and_then(|()| step("inplace-after-write"))
        .and_then(|()| file.set_len(content.len() as u64))
        .and_then(|()| file.sync_all())
        .and_then(|()| step("inplace-after-fsync"))
        .map_err(|e| FileError::from_io(target, "write", e))
}

/// Puts back the original content when a previous in-place write was interrupted, unless the file was
/// changed since (then the journal is kept aside and the file left alone).
fn recover_in_place(target: &Path) -> Result<Option<Recovery>> {
    let journal = journal_path(target);
    let bytes = match std::fs::read(&journal) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FileError::from_io(&journal, "read the journal", e)),
    };
    let Some(entry) = parse_journal(&bytes, target) else {
        // Not ours or not for this file (a hash collision): leave it alone.
        log::warn!(
            "{}: not a journal of {}; ignored",
            journal.display(),
            target.display()
        );
        return Ok(None);
    };
    // One byte more than the longer version is enough to tell: such a file is neither, nor a mix.
    let longest = entry.original.len().max(entry.new.map_or(0, <[u8]>::len));
    let current = match File::open(target).and_then(|file| {
        let mut bytes = Vec::new();
        file.take(longest as u64 + 1).read_to_end(&mut bytes)?;
        Ok(bytes)
    }) {
        Ok(current) => Some(current),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(FileError::from_io(target, "read", e)),
    };
    match (&current, entry.new) {
        // Nothing was written yet, or everything was: the run died around its own journal.
        (Some(current), new) if current[..] == *entry.original || new == Some(&current[..]) => {
            remove_journal(&journal)?;
            log::info!(
                "{}: removed the journal of an in-place write that was interrupted before or after changing it ({})",
                target.display(),
                journal.display()
            );
            Ok(None)
        }
        (Some(current), Some(new)) if interrupted_write(current, entry.original, new) => {
            restore(target, entry.original, &journal)
        }
        // Version 1 journals do not hold the new content: restore as they always did.
        (Some(_), None) => restore(target, entry.original, &journal),
        // The file was deleted or rewritten by someone else since the interrupted run.
        _ => {
            let mut kept = journal.clone().into_os_string();
            kept.push(".stale");
            let kept = PathBuf::from(kept);
            std::fs::rename(&journal, &kept).map_err(|e| FileError::from_io(&journal, "rename", e))?;
            log::warn!(
                "{}: a previous run was interrupted while rewriting it in place, but the file was {} since; \
                 it was left as it is, and its content before that run is kept in {}",
                target.display(),
                if current.is_some() { "changed" } else { "removed" },
                kept.display()
            );
            Ok(Some(Recovery::KeptStaleJournal { kept }))
        }
    }
}

fn restore(target: &Path, original: &[u8], journal: &Path) -> Result<Option<Recovery>> {
    overwrite(target, original, false)?;
    remove_journal(journal)?;
    log::warn!(
        "{}: a previous run was interrupted while rewriting it in place; its original content was restored from {}",
        target.display(),
        journal.display()
    );
    Ok(Some(Recovery::RestoredFromJournal {
        journal: journal.to_path_buf(),
    }))
}

/// Removes temp files that killed runs left next to `target` (only ours: `.NAME.*.odoo-sizer.tmp`).
fn remove_stale_temp_files(target: &Path) -> Vec<PathBuf> {
    let dir = parent_dir(target);
    let Some(name) = target.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            file.starts_with(&prefix) && file.ends_with(TEMP_SUFFIX)
        })
        .filter_map(|e| std::fs::remove_file(e.path()).ok().map(|()| e.path()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_replace_keeps_mode_and_reports_changes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("odoo.conf");
        std::fs::write(&path, b"[options]\n").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        let file = ConfigFile::open(&path).expect("open");
        assert_eq!(file.content.as_deref(), Some(&b"[options]\n"[..]));
        assert_eq!(
            file.replace(b"[options]\nworkers = 2\n", None).expect("replace"),
            WriteMethod::Atomic
        );
        assert_eq!(std::fs::read(&path).expect("read"), b"[options]\nworkers = 2\n");
        let mode = std::fs::metadata(&path).expect("stat").mode() & 0o7777;
        assert_eq!(mode, 0o640);
        // No temp file remains.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .filter_map(|e| e.ok())
            .collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_file_changed_after_reading_is_not_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("odoo.conf");
        std::fs::write(&path, b"[options]\n").expect("write");
        let file = ConfigFile::open(&path).expect("open");
        std::fs::write(&path, b"[options]\nadmin_passwd = changed-by-odoo\n").expect("write");
        let err = file.replace(b"[options]\nworkers = 2\n", None).unwrap_err();
        assert!(matches!(err, FileError::Changed { .. }), "{err}");
        assert_eq!(
            std::fs::read(&path).expect("read"),
            b"[options]\nadmin_passwd = changed-by-odoo\n"
        );
    }

    #[test]
    fn missing_files_are_created_and_symlinks_written_through() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("data").join("odoo.conf");
        std::fs::create_dir(dir.path().join("data")).expect("mkdir");
        let link = dir.path().join("odoo.conf");
        std::os::unix::fs::symlink("data/odoo.conf", &link).expect("symlink");
        let file = ConfigFile::open(&link).expect("open");
        assert!(file.content.is_none());
        file.replace(b"[options]\n", None).expect("create");
        assert!(std::fs::symlink_metadata(&link)
            .expect("lstat")
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).expect("read"), b"[options]\n");
        assert_eq!(
            std::fs::metadata(&real).expect("stat").mode() & 0o777,
            NEW_FILE_MODE
        );
    }

    #[test]
    fn refusals_name_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = ConfigFile::open(dir.path()).unwrap_err();
        assert!(matches!(err, FileError::IsDirectory { .. }), "{err}");
        let err = ConfigFile::open(&dir.path().join("missing-dir/odoo.conf")).unwrap_err();
        assert!(err.to_string().contains("missing-dir"), "{err}");
        let big = dir.path().join("big.conf");
        let f = File::create(&big).expect("create");
        f.set_len(MAX_CONFIG_BYTES + 1).expect("grow");
        let err = ConfigFile::open(&big).unwrap_err();
        assert!(matches!(err, FileError::TooLarge { .. }), "{err}");
    }

    const ORIGINAL: &[u8] = b"[options]\nworkers = 0\n; a comment that makes the old file longer\n";
    const NEW: &[u8] = b"[options]\nworkers = 12\n";

    /// A config at `path` holding `current`, with the journal of an in-place write of NEW over ORIGINAL.
    fn killed_in_place_run(path: &Path, current: &[u8]) {
        std::fs::write(path, current).expect("write");
        std::fs::write(journal_path(path), journal_bytes(path, ORIGINAL, NEW)).expect("journal");
    }

    #[test]
    fn interrupted_in_place_writes_are_rolled_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("odoo.conf");
        // Killed after writing 21 bytes of the new content over the old one (the first 20 are the same).
        let mut mixed = NEW[..21].to_vec();
        mixed.extend_from_slice(&ORIGINAL[21..]);
        killed_in_place_run(&path, &mixed);
        let file = ConfigFile::open(&path).expect("open");
        assert_eq!(file.content.as_deref(), Some(ORIGINAL));
        assert!(matches!(file.recoveries[0], Recovery::RestoredFromJournal { .. }));
        assert!(!journal_path(&path).exists());
    }

    #[test]
    fn every_state_a_killed_in_place_write_leaves_is_recognised() {
        for (original, new) in [(ORIGINAL, NEW), (NEW, ORIGINAL)] {
            for written in 0..=new.len() {
                let mut current = new[..written].to_vec();
                current.extend_from_slice(original.get(written..).unwrap_or_default());
                assert!(interrupted_write(&current, original, new), "{written}");
                // A hole where a growing file was not written yet (power loss).
                if written < current.len() && original.len() <= written {
                    current[written] = 0;
                    assert!(interrupted_write(&current, original, new), "{written}");
                }
            }
        }
        assert!(!interrupted_write(b"[options]\nworkers = 7\n", ORIGINAL, NEW));
        assert!(!interrupted_write(b"", ORIGINAL, NEW));
    }

    #[test]
    fn a_write_that_finished_before_its_journal_was_removed_is_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("odoo.conf");
        killed_in_place_run(&path, NEW);
        let file = ConfigFile::open(&path).expect("open");
        assert_eq!(file.content.as_deref(), Some(NEW));
        assert!(file.recoveries.is_empty());
        assert!(!journal_path(&path).exists());
    }

    #[test]
    fn a_file_edited_after_an_interrupted_run_is_not_reverted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("odoo.conf");
        let edited = b"[options]\nworkers = 7\n; fixed by hand after the crash\n";
        killed_in_place_run(&path, edited);
        let file = ConfigFile::open(&path).expect("open");
        assert_eq!(file.content.as_deref(), Some(&edited[..]));
        let kept = match &file.recoveries[..] {
            [Recovery::KeptStaleJournal { kept }] => kept.clone(),
            other => panic!("{other:?}"),
        };
        assert!(!journal_path(&path).exists());
        // The content before the interrupted run is still there for the user.
        let journal = std::fs::read(&kept).expect("kept journal");
        assert!(journal.windows(ORIGINAL.len()).any(|w| w == ORIGINAL));
        std::fs::remove_file(kept).expect("clean up");
    }

    #[test]
    fn version_1_journals_are_still_restored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("odoo.conf");
        std::fs::write(&path, b"[options]\nworkers = 2\nhalf-written").expect("write");
        let mut journal = journal_header(JOURNAL_MAGIC_V1, &path);
        journal.extend_from_slice(ORIGINAL);
        std::fs::write(journal_path(&path), journal).expect("journal");
        let file = ConfigFile::open(&path).expect("open");
        assert_eq!(file.content.as_deref(), Some(ORIGINAL));
        assert!(matches!(file.recoveries[0], Recovery::RestoredFromJournal { .. }));
        assert!(!journal_path(&path).exists());
    }

    #[test]
    fn in_place_rewrite_keeps_the_inode() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("odoo.conf");
        std::fs::write(
            &path,
            b"[options]\nworkers = 0\n; a long comment that makes the old file longer\n",
        )
        .expect("write");
        let ino = std::fs::metadata(&path).expect("stat").ino();
        write_in_place(
            &path,
            &std::fs::read(&path).expect("read"),
            b"[options]\nworkers = 4\n",
        )
        .expect("in place");
        assert_eq!(std::fs::read(&path).expect("read"), b"[options]\nworkers = 4\n");
        assert_eq!(std::fs::metadata(&path).expect("stat").ino(), ino);
        assert!(!journal_path(&path).exists());
    }

    #[test]
    fn a_lock_held_too_long_times_out_naming_the_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        // Another process's lock: flock locks belong to the open file description, so a second open of
        // the directory in this process conflicts exactly as another odoo-sizer would.
        let holder = DirLock::acquire(dir.path()).expect("first lock");
        let started = Instant::now();
        let err = DirLock::acquire_within(dir.path(), Duration::from_millis(1100)).unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(1100));
        assert!(
            matches!(err, FileError::LockTimeout { seconds: 1, .. }),
            "{err:?}"
        );
        let text = err.to_string();
        let shown = dir.path().display().to_string();
        assert_eq!(
            text,
            format!("another odoo-sizer process has held the lock on {shown} for 1 s; if none is running, check what holds it (`fuser {shown}`)")
        );
        drop(holder);
        assert!(DirLock::acquire_within(dir.path(), Duration::from_millis(1100)).is_ok());
    }

    #[test]
    fn a_missing_directory_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("missing-dir/odoo.conf");
        let err = ConfigFile::open(&path).unwrap_err();
        assert!(matches!(err, FileError::NoDirectory { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "the directory of {} does not exist; create it or choose another path",
                path.display()
            )
        );
    }

    #[test]
    fn stale_temp_files_are_removed_but_not_others() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("odoo.conf");
        std::fs::write(&path, b"[options]\n").expect("write");
        let stale = dir.path().join(".odoo.conf.a1B2c3.odoo-sizer.tmp");
        let foreign = dir.path().join(".odoo.conf.swp");
        std::fs::write(&stale, b"partial").expect("write");
        std::fs::write(&foreign, b"editor").expect("write");
        let file = ConfigFile::open(&path).expect("open");
        assert_eq!(
            file.recoveries,
            vec![Recovery::RemovedTempFiles(vec![stale.clone()])]
        );
        assert!(!stale.exists());
        assert!(foreign.exists());
    }
}
