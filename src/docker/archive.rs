//! One file read from, and written back into, a container through the archive API
//! (`GET`/`PUT /containers/{id}/archive`), which works on stopped-or-running containers without a shell
//! or `docker exec` in the image.
//!
//! Reading: the engine sends a tar holding the path. It must hold exactly one regular file; a directory,
//! a device, a missing path and a file above [`MAX_FILE_BYTES`] are refused with their own errors, and
//! reading stops as soon as the first header says so (a directory or huge file is never downloaded).
//! A symbolic link comes as a link entry (the engine does not follow the last component): its target
//! is resolved like the kernel would (absolute, or relative to the link's directory) and read in turn,
//! up to [`MAX_LINKS`] hops; the write goes to the resolved file, so the link stays a link.
//! The header's mode, uid, gid and mtime are kept.
//!
//! Writing: a tar whose single entry is the file's name with the original mode, uid and gid (mtime =
//! now), extracted by the engine into the file's directory; the engine applies the header's owner.
//!
//! Owns: the pure tar functions ([`peek_first_entry`], [`parse_single_file`], [`build_single_file`]),
//! container path arithmetic, and the two requests. Must not: parse or edit odoo.conf.

use super::client::Engine;
use super::error::DockerError;
use bollard::query_parameters::{DownloadFromContainerOptions, UploadToContainerOptions};
use futures_util::StreamExt;
use serde::Serialize;
use std::io::Read;

/// Above this size a "config file" is refused unread (odoo.conf files are a few KiB).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Symbolic links followed before giving up.
pub const MAX_LINKS: usize = 8;
/// Room for tar headers (PAX, GNU long names) on top of the content while downloading.
const HEADER_SLACK: u64 = 64 * 1024;
const BLOCK: usize = 512;

/// Ownership, permissions and modification time from a tar header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileMeta {
    /// Permission bits (including setuid/setgid/sticky), without the file type.
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Seconds since the epoch.
    pub mtime: u64,
    pub username: Option<String>,
    pub groupname: Option<String>,
}

/// The single entry of an archive from the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    File { meta: FileMeta, content: Vec<u8> },
    Symlink { target: String },
}

/// Why an archive is not one usable file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Directory,
    /// A hard link, device, fifo, ...
    NotRegular(String),
    /// Above the limit; the size when the header said it.
    TooLarge(Option<u64>),
    Malformed(String),
}

/// What the first real header of a (possibly partial) archive says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peek {
    /// Not enough bytes yet.
    NeedMore,
    /// The first entry: its type and the size of its data in the archive.
    First { kind: tar::EntryType, size: u64 },
    /// The bytes cannot be a tar.
    Malformed(String),
}

fn kind_name(kind: tar::EntryType) -> String {
    match kind {
        tar::EntryType::Link => "hard link".into(),
        tar::EntryType::Char => "character device".into(),
        tar::EntryType::Block => "block device".into(),
        tar::EntryType::Fifo => "fifo".into(),
        tar::EntryType::GNUSparse => "sparse file".into(),
        other => format!("tar entry of type {:?}", other.as_byte() as char),
    }
}

fn is_metadata(kind: tar::EntryType) -> bool {
    matches!(
        kind,
        tar::EntryType::XHeader
            | tar::EntryType::XGlobalHeader
            | tar::EntryType::GNULongName
            | tar::EntryType::GNULongLink
    )
}

/// Looks at the headers received so far and reports the first real entry (metadata headers such as PAX
/// and GNU long names are skipped), so that the download can stop early.
pub fn peek_first_entry(prefix: &[u8]) -> Peek {
    let mut offset = 0usize;
    loop {
        let Some(block) = prefix.get(offset..offset + BLOCK) else {
            return Peek::NeedMore;
        };
        if block.iter().all(|b| *b == 0) {
            return Peek::Malformed("the archive is empty".into());
        }
        let header = tar::Header::from_byte_slice(block);
        let size = match header.entry_size() {
            Ok(size) => size,
            Err(e) => return Peek::Malformed(format!("bad tar header: {e}")),
        };
        let kind = header.entry_type();
        if !is_metadata(kind) {
            return Peek::First { kind, size };
        }
        let padded = size.div_ceil(BLOCK as u64).saturating_mul(BLOCK as u64);
        if padded > HEADER_SLACK {
            return Peek::Malformed(format!("a {size}-byte metadata header"));
        }
        offset += BLOCK + padded as usize;
    }
}

fn check_first(kind: tar::EntryType, size: u64, limit: u64) -> Result<(), Problem> {
    match kind {
        tar::EntryType::Regular | tar::EntryType::Continuous if size > limit => {
            Err(Problem::TooLarge(Some(size)))
        }
        tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::Symlink => Ok(()),
        tar::EntryType::Directory => Err(Problem::Directory),
        other => Err(Problem::NotRegular(kind_name(other))),
    }
}

/// Parses a whole archive that must hold exactly one regular file (≤ `limit` bytes) or one symbolic
/// link.
pub fn parse_single_file(tar_bytes: &[u8], limit: u64) -> Result<Entry, Problem> {
    let malformed = |e: std::io::Error| Problem::Malformed(e.to_string());
    let mut archive = tar::Archive::new(tar_bytes);
    let mut entries = archive.entries().map_err(malformed)?;
    let mut found: Option<Entry> = None;
    for entry in entries.by_ref() {
        let mut entry = entry.map_err(malformed)?;
        let header = entry.header();
        let kind = header.entry_type();
        if kind == tar::EntryType::XGlobalHeader {
            continue;
        }
        if found.is_some() {
            return Err(Problem::Malformed("the archive holds more than one entry".into()));
        }
        check_first(kind, entry.size(), limit)?;
        if kind == tar::EntryType::Symlink {
            let target = entry
                .link_name()
                .map_err(malformed)?
                .ok_or_else(|| Problem::Malformed("a symbolic link without a target".into()))?;
            found = Some(Entry::Symlink {
                target: target.to_string_lossy().into_owned(),
            });
            continue;
        }
        let meta = FileMeta {
            mode: header.mode().map_err(malformed)? & 0o7777,
            uid: header.uid().map_err(malformed)?,
            gid: header.gid().map_err(malformed)?,
            mtime: header.mtime().map_err(malformed)?,
            username: header
                .username()
                .ok()
                .flatten()
                .filter(|n| !n.is_empty())
                .map(str::to_string),
            groupname: header
                .groupname()
                .ok()
                .flatten()
                .filter(|n| !n.is_empty())
                .map(str::to_string),
        };
        let mut content = Vec::new();
        (&mut entry)
            .take(limit + 1)
            .read_to_end(&mut content)
            .map_err(malformed)?;
        if content.len() as u64 > limit {
            return Err(Problem::TooLarge(None));
        }
        found = Some(Entry::File { meta, content });
    }
    found.ok_or_else(|| Problem::Malformed("the archive is empty".into()))
}

/// Builds a tar holding one regular file `name` (a bare file name) with `meta`'s mode, uid, gid and
/// user/group names, and `mtime`.
pub fn build_single_file(name: &str, content: &[u8], meta: &FileMeta, mtime: u64) -> Result<Vec<u8>, String> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\0') {
        return Err(format!("'{name}' is not a file name"));
    }
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(content.len() as u64);
    header.set_mode(meta.mode & 0o7777);
    header.set_uid(meta.uid);
    header.set_gid(meta.gid);
    header.set_mtime(mtime);
    if let Some(user) = &meta.username {
        header
            .set_username(user)
            .map_err(|e| format!("user name {user}: {e}"))?;
    }
    if let Some(group) = &meta.groupname {
        header
            .set_groupname(group)
            .map_err(|e| format!("group name {group}: {e}"))?;
    }
    let mut builder = tar::Builder::new(Vec::new());
    builder
        .append_data(&mut header, name, content)
        .map_err(|e| format!("cannot build the archive: {e}"))?;
    builder
        .into_inner()
        .map_err(|e| format!("cannot build the archive: {e}"))
}

/// Normalizes an absolute container path (`//a/./b/../c` → `/a/c`; `..` stops at `/`). `None` for a
/// relative path.
pub fn normalize(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// `/etc/odoo/odoo.conf` → (`/etc/odoo`, `odoo.conf`).
pub fn split_path(path: &str) -> Option<(String, String)> {
    let path = normalize(path)?;
    let (dir, name) = path.rsplit_once('/')?;
    if name.is_empty() {
        return None;
    }
    Some((
        if dir.is_empty() {
            "/".into()
        } else {
            dir.to_string()
        },
        name.to_string(),
    ))
}

/// Where a symbolic link at `link` pointing to `target` leads (the kernel's rule: absolute, or relative
/// to the link's directory).
pub fn resolve_link(link: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return normalize(target);
    }
    let (dir, _) = split_path(link)?;
    normalize(&format!("{dir}/{target}"))
}

/// A file read from a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoteFile {
    pub container: String,
    /// The path asked for.
    pub requested: String,
    /// The file actually read (after symbolic links); writes go here.
    pub path: String,
    /// The links followed, in order (empty when `requested` is the file).
    pub links: Vec<String>,
    #[serde(skip)]
    pub content: Vec<u8>,
    pub meta: FileMeta,
}

fn problem_error(container: &str, path: &str, problem: Problem) -> DockerError {
    let (container, path) = (container.to_string(), path.to_string());
    match problem {
        Problem::Directory => DockerError::IsDirectory { container, path },
        Problem::NotRegular(kind) => DockerError::NotRegularFile {
            container,
            path,
            kind,
        },
        Problem::TooLarge(size) => DockerError::FileTooLarge {
            container,
            path,
            limit: MAX_FILE_BYTES,
            size: size.map(|s| format!(" ({s} bytes)")).unwrap_or_default(),
        },
        Problem::Malformed(reason) => DockerError::BadArchive {
            container,
            path,
            reason,
        },
    }
}

fn is_no_such_container(message: &str) -> bool {
    message.to_ascii_lowercase().starts_with("no such container")
}

/// A 404 of the archive API: the container, or the path in it, does not exist.
fn not_found(container: &str, path: &str, message: &str) -> DockerError {
    if is_no_such_container(message) {
        DockerError::NoSuchContainer {
            name: container.to_string(),
        }
    } else {
        DockerError::NoSuchPath {
            container: container.to_string(),
            path: path.to_string(),
        }
    }
}

/// Maps an archive request's error: 404 is a missing container or a missing path.
fn request_error(
    engine: &Engine,
    container: &str,
    path: &str,
    action: &str,
    err: bollard::errors::Error,
) -> DockerError {
    match err {
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            message,
        } => not_found(container, path, &message),
        // the engine resolves links itself to describe the path, and gives up on loops
        bollard::errors::Error::DockerResponseServerError { message, .. }
            if message.contains("too many links") =>
        {
            DockerError::SymlinkLoop {
                container: container.to_string(),
                path: path.to_string(),
                hops: MAX_LINKS,
            }
        }
        other => engine.error(action, other),
    }
}

/// Downloads the archive of one path, stopping as soon as its first header rules it out.
async fn fetch_entry(engine: &Engine, container: &str, path: &str) -> Result<Entry, DockerError> {
    let options = DownloadFromContainerOptions {
        path: path.to_string(),
    };
    let mut stream = engine.bollard().download_from_container(container, Some(options));
    let action = format!("send {path} from container {container}");
    let mut buf: Vec<u8> = Vec::new();
    let mut first_checked = false;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| request_error(engine, container, path, &action, e))?;
        buf.extend_from_slice(&chunk);
        if !first_checked {
            match peek_first_entry(&buf) {
                Peek::NeedMore => {}
                Peek::First { kind, size } => {
                    check_first(kind, size, MAX_FILE_BYTES).map_err(|p| problem_error(container, path, p))?;
                    first_checked = true;
                }
                Peek::Malformed(reason) => {
                    return Err(problem_error(container, path, Problem::Malformed(reason)))
                }
            }
        }
        if buf.len() as u64 > MAX_FILE_BYTES + HEADER_SLACK {
            return Err(problem_error(container, path, Problem::TooLarge(None)));
        }
    }
    parse_single_file(&buf, MAX_FILE_BYTES).map_err(|p| problem_error(container, path, p))
}

/// Reads one regular file (following symbolic links) from a container.
pub async fn read_file(engine: &Engine, container: &str, path: &str) -> Result<RemoteFile, DockerError> {
    let bad_path = |reason: &str| DockerError::BadArchive {
        container: container.to_string(),
        path: path.to_string(),
        reason: reason.to_string(),
    };
    let not_absolute = || DockerError::NotAbsolute {
        container: container.to_string(),
        path: path.to_string(),
    };
    let mut current = normalize(path).ok_or_else(not_absolute)?;
    let mut links: Vec<String> = Vec::new();
    loop {
        match fetch_entry(engine, container, &current).await? {
            Entry::File { meta, content } => {
                return Ok(RemoteFile {
                    container: container.to_string(),
                    requested: path.to_string(),
                    path: current,
                    links,
                    content,
                    meta,
                })
            }
            Entry::Symlink { target } => {
                let next = resolve_link(&current, &target)
                    .ok_or_else(|| bad_path("a symbolic link leads nowhere"))?;
                log::debug!("{container}: {current} is a symbolic link to {target}, reading {next}");
                links.push(current);
                if links.len() > MAX_LINKS || links.contains(&next) {
                    return Err(DockerError::SymlinkLoop {
                        container: container.to_string(),
                        path: path.to_string(),
                        hops: MAX_LINKS,
                    });
                }
                current = next;
            }
        }
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Adds what to do to the engine's refusals that have a known cause.
fn write_refusal(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    let advice = if lower.contains("read-only") {
        Some("The container's root filesystem is read-only: keep odoo.conf on a volume, or change it where it comes from")
    } else if lower.contains("device or resource busy") {
        Some(
            "The file is bind-mounted on its own, and the archive API cannot replace a mount point: edit the \
             file on the host (`docker inspect` shows its source), or mount its directory instead",
        )
    } else if lower.contains("permission denied") {
        Some("The engine could not write there (check the mount's permissions)")
    } else {
        None
    };
    match advice {
        Some(a) => format!("{message}. {a}"),
        None => message.to_string(),
    }
}

/// Writes `content` to `path` in the container with `meta`'s mode, uid and gid (mtime = now), by
/// extracting a one-entry tar into the file's directory.
pub async fn write_file(
    engine: &Engine,
    container: &str,
    path: &str,
    content: &[u8],
    meta: &FileMeta,
) -> Result<(), DockerError> {
    let refused = |reason: String| DockerError::WriteRefused {
        container: container.to_string(),
        path: path.to_string(),
        reason,
    };
    let (dir, name) = split_path(path).ok_or_else(|| DockerError::NotAbsolute {
        container: container.to_string(),
        path: path.to_string(),
    })?;
    let archive = build_single_file(&name, content, meta, now()).map_err(refused)?;
    let options = UploadToContainerOptions {
        path: dir.clone(),
        no_overwrite_dir_non_dir: Some("true".into()),
        copy_uidgid: None,
    };
    let action = format!("write {path} in container {container}");
    engine
        .bollard()
        .upload_to_container(container, Some(options), bollard::body_full(archive.into()))
        .await
        .map_err(|e| match e {
            bollard::errors::Error::DockerResponseServerError {
                status_code: 404,
                message,
            } => not_found(container, &dir, &message),
            bollard::errors::Error::DockerResponseServerError { message, .. } => {
                refused(write_refusal(message.trim()))
            }
            other => engine.error(&action, other),
        })
}

/// Writes `content` over a file read earlier, unless it changed since (Odoo rewrites its config when
/// the master password is changed): re-reads it and refuses with [`DockerError::WriteRefused`] when
/// the content, mode or owner differ. The write keeps the original mode, uid and gid.
pub async fn replace_file(engine: &Engine, original: &RemoteFile, content: &[u8]) -> Result<(), DockerError> {
    let current = read_file(engine, &original.container, &original.path).await?;
    let same_meta = (current.meta.mode, current.meta.uid, current.meta.gid)
        == (original.meta.mode, original.meta.uid, original.meta.gid);
    if current.content != original.content || !same_meta {
        return Err(DockerError::WriteRefused {
            container: original.container.clone(),
            path: original.path.clone(),
            reason:
                "it changed since it was read (by Odoo or someone else); run again to work on the new content"
                    .into(),
        });
    }
    write_file(
        engine,
        &original.container,
        &original.path,
        content,
        &original.meta,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> FileMeta {
        FileMeta {
            mode: 0o640,
            uid: 101,
            gid: 101,
            mtime: 1_700_000_000,
            username: Some("odoo".into()),
            groupname: Some("odoo".into()),
        }
    }

    fn tar_with(entries: &[(&str, tar::EntryType, &[u8], Option<&str>)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, kind, data, link) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(*kind);
            h.set_size(data.len() as u64);
            h.set_mode(0o755);
            h.set_uid(0);
            h.set_gid(0);
            h.set_mtime(0);
            if let Some(l) = link {
                h.set_link_name(l).unwrap();
            }
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn build_then_parse_round_trip_keeps_meta() {
        let content = b"[options]\nworkers = 4 ; four\n";
        let t = build_single_file("odoo.conf", content, &meta(), 1_800_000_000).unwrap();
        assert_eq!(t.len() % 512, 0);
        match parse_single_file(&t, MAX_FILE_BYTES).unwrap() {
            Entry::File { meta: m, content: c } => {
                assert_eq!(c, content);
                assert_eq!((m.mode, m.uid, m.gid, m.mtime), (0o640, 101, 101, 1_800_000_000));
                assert_eq!(m.username.as_deref(), Some("odoo"));
            }
            other => panic!("{other:?}"),
        }
        // the entry is named by the bare file name, so it lands in the PUT's directory
        let mut a = tar::Archive::new(t.as_slice());
        let names: Vec<String> = a
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["odoo.conf"]);
        // special bits survive, the file type does not leak into the mode
        let special = FileMeta {
            mode: 0o104755,
            ..meta()
        };
        let t = build_single_file("x", b"", &special, 0).unwrap();
        assert!(
            matches!(parse_single_file(&t, 10).unwrap(), Entry::File { meta: m, .. } if m.mode == 0o4755)
        );
        // long names use GNU extensions and still parse
        let long = "n".repeat(150);
        let t = build_single_file(&long, b"x", &meta(), 0).unwrap();
        assert!(matches!(
            peek_first_entry(&t),
            Peek::First {
                kind: tar::EntryType::Regular,
                size: 1
            }
        ));
        assert!(matches!(parse_single_file(&t, 10).unwrap(), Entry::File { .. }));
    }

    #[test]
    fn bad_names_are_refused() {
        for name in ["", ".", "..", "a/b", "/abs", "nul\0"] {
            assert!(build_single_file(name, b"", &meta(), 0).is_err(), "{name:?}");
        }
    }

    #[test]
    fn refusals() {
        let dir = tar_with(&[
            ("odoo", tar::EntryType::Directory, b"", None),
            ("odoo/odoo.conf", tar::EntryType::Regular, b"x", None),
        ]);
        assert_eq!(parse_single_file(&dir, MAX_FILE_BYTES), Err(Problem::Directory));
        assert!(matches!(
            peek_first_entry(&dir),
            Peek::First {
                kind: tar::EntryType::Directory,
                ..
            }
        ));

        let two = tar_with(&[
            ("a", tar::EntryType::Regular, b"1", None),
            ("b", tar::EntryType::Regular, b"2", None),
        ]);
        assert!(
            matches!(parse_single_file(&two, MAX_FILE_BYTES), Err(Problem::Malformed(m)) if m.contains("more than one"))
        );

        let fifo = tar_with(&[("p", tar::EntryType::Fifo, b"", None)]);
        assert_eq!(
            parse_single_file(&fifo, MAX_FILE_BYTES),
            Err(Problem::NotRegular("fifo".into()))
        );
        let hard = tar_with(&[("h", tar::EntryType::Link, b"", Some("other"))]);
        assert_eq!(
            parse_single_file(&hard, MAX_FILE_BYTES),
            Err(Problem::NotRegular("hard link".into()))
        );

        let big = tar_with(&[("big", tar::EntryType::Regular, &[b'x'; 100], None)]);
        assert_eq!(parse_single_file(&big, 99), Err(Problem::TooLarge(Some(100))));
        assert!(parse_single_file(&big, 100).is_ok());

        assert!(matches!(parse_single_file(&[], 10), Err(Problem::Malformed(_))));
        assert!(matches!(
            parse_single_file(&[0u8; 1024], 10),
            Err(Problem::Malformed(_))
        ));
        assert!(matches!(
            parse_single_file(&[7u8; 700], 10),
            Err(Problem::Malformed(_))
        ));
        let mut truncated = build_single_file("f", &[b'y'; 2000], &meta(), 0).unwrap();
        truncated.truncate(1024);
        assert!(matches!(
            parse_single_file(&truncated, MAX_FILE_BYTES),
            Err(Problem::Malformed(_))
        ));
    }

    #[test]
    fn symlinks_are_reported_with_their_target() {
        let link = tar_with(&[(
            "odoo.conf",
            tar::EntryType::Symlink,
            b"",
            Some("../conf/real.conf"),
        )]);
        assert_eq!(
            parse_single_file(&link, MAX_FILE_BYTES),
            Ok(Entry::Symlink {
                target: "../conf/real.conf".into()
            })
        );
        assert_eq!(
            resolve_link("/etc/odoo/odoo.conf", "../conf/real.conf").as_deref(),
            Some("/etc/conf/real.conf")
        );
        assert_eq!(
            resolve_link("/etc/odoo/odoo.conf", "/run/secrets/odoo.conf").as_deref(),
            Some("/run/secrets/odoo.conf")
        );
        assert_eq!(
            resolve_link("/etc/odoo/odoo.conf", "real.conf").as_deref(),
            Some("/etc/odoo/real.conf")
        );
        assert_eq!(resolve_link("/a.conf", "../../x").as_deref(), Some("/x"));
    }

    #[test]
    fn peeking_stops_early() {
        // the header of a 1 GiB file is enough to refuse it
        let mut h = tar::Header::new_gnu();
        h.set_path("huge.conf").unwrap();
        h.set_size(1 << 30);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        let first = h.as_bytes().to_vec();
        assert_eq!(peek_first_entry(&first[..100]), Peek::NeedMore);
        assert_eq!(
            peek_first_entry(&first),
            Peek::First {
                kind: tar::EntryType::Regular,
                size: 1 << 30
            }
        );
        assert_eq!(
            check_first(tar::EntryType::Regular, 1 << 30, MAX_FILE_BYTES),
            Err(Problem::TooLarge(Some(1 << 30)))
        );
        assert!(matches!(peek_first_entry(&[0u8; 512]), Peek::Malformed(_)));
        // a PAX header first: skipped
        let mut pax = tar::Builder::new(Vec::new());
        pax.append_pax_extensions([("path", b"some/long/name".as_slice())])
            .unwrap();
        let mut h = tar::Header::new_ustar();
        h.set_size(3);
        h.set_entry_type(tar::EntryType::Regular);
        pax.append_data(&mut h, "n", b"abc".as_slice()).unwrap();
        let bytes = pax.into_inner().unwrap();
        assert_eq!(peek_first_entry(&bytes[..512]), Peek::NeedMore);
        assert_eq!(
            peek_first_entry(&bytes),
            Peek::First {
                kind: tar::EntryType::Regular,
                size: 3
            }
        );
    }

    #[test]
    fn paths() {
        assert_eq!(
            normalize("//etc/./odoo/../odoo/odoo.conf").as_deref(),
            Some("/etc/odoo/odoo.conf")
        );
        assert_eq!(normalize("/..").as_deref(), Some("/"));
        assert_eq!(normalize("etc/odoo"), None);
        assert_eq!(
            split_path("/etc/odoo/odoo.conf"),
            Some(("/etc/odoo".into(), "odoo.conf".into()))
        );
        assert_eq!(split_path("/odoo.conf"), Some(("/".into(), "odoo.conf".into())));
        assert_eq!(split_path("/"), None);
        assert_eq!(split_path("odoo.conf"), None);
        assert!(write_refusal("container rootfs is marked read-only").contains("volume"));
        assert!(write_refusal("unlinkat /x: device or resource busy").contains("bind-mounted"));
        assert_eq!(write_refusal("other"), "other");
    }
}
