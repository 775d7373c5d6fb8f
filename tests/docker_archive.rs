//! Reading and writing one file through the archive API of the real engine, checked from inside the
//! container with `docker exec` (`cat`, `stat`). Needs the engine and `make test-image`.

mod common;

use common::*;
use odoo_sizer::docker::archive::{read_file, replace_file, write_file, MAX_FILE_BYTES};
use odoo_sizer::docker::{runtime, ConnectOptions, DockerError, Engine};

const CONF: &str = "/etc/odoo/odoo.conf";

fn setup() -> Option<(String, Engine, tokio::runtime::Runtime)> {
    let image = engine_with_image(ODOO_IMAGE_ENV, DEFAULT_ODOO_IMAGE)?;
    let rt = runtime().unwrap();
    let engine = rt.block_on(Engine::connect(&ConnectOptions::from_env())).unwrap();
    Some((image, engine, rt))
}

fn stat(container: &str, path: &str) -> String {
    exec(container, &["stat", "-c", "%a %u %g %F", path])
        .trim()
        .to_string()
}

#[test]
fn read_then_write_back_keeps_mode_and_owner() {
    let Some((image, engine, rt)) = setup() else {
        return;
    };
    let guard = ContainerGuard::new("archive-rw");
    let c = run_container(&guard, &image, &[], &[]);
    // a mode other than the default, to see that it is kept
    exec(&c, &["chmod", "640", CONF]);
    assert_eq!(stat(&c, CONF), "640 101 101 regular file");
    let before = exec(&c, &["cat", CONF]);

    let file = rt.block_on(read_file(&engine, &c, CONF)).unwrap();
    assert_eq!(String::from_utf8(file.content.clone()).unwrap(), before);
    assert_eq!((file.meta.mode, file.meta.uid, file.meta.gid), (0o640, 101, 101));
    assert_eq!(file.path, CONF);
    assert!(file.links.is_empty());
    let mtime_before: u64 = exec(&c, &["stat", "-c", "%Y", CONF]).trim().parse().unwrap();
    assert_eq!(file.meta.mtime, mtime_before);

    let after = format!("{before}workers = 2\nmax_cron_threads = 1\n");
    rt.block_on(write_file(&engine, &c, &file.path, after.as_bytes(), &file.meta))
        .unwrap();
    assert_eq!(exec(&c, &["cat", CONF]), after);
    assert_eq!(stat(&c, CONF), "640 101 101 regular file");
    let mtime_after: u64 = exec(&c, &["stat", "-c", "%Y", CONF]).trim().parse().unwrap();
    assert!(mtime_after >= mtime_before);
    // nothing else appeared in the directory
    assert_eq!(exec(&c, &["ls", "-A", "/etc/odoo"]).trim(), "odoo.conf");

    // the owner and mode come from the header: a different one is applied as given
    let mut other = file.meta.clone();
    other.mode = 0o600;
    other.uid = 0;
    other.gid = 0;
    other.username = None;
    other.groupname = None;
    rt.block_on(write_file(&engine, &c, CONF, b"[options]\n", &other))
        .unwrap();
    assert_eq!(stat(&c, CONF), "600 0 0 regular file");
}

#[test]
fn replace_refuses_a_file_changed_since_it_was_read() {
    let Some((image, engine, rt)) = setup() else {
        return;
    };
    let guard = ContainerGuard::new("archive-replace");
    let c = run_container(&guard, &image, &[], &[]);
    let file = rt.block_on(read_file(&engine, &c, CONF)).unwrap();
    exec(
        &c,
        &["sh", "-c", "echo 'admin_passwd = changed' >> /etc/odoo/odoo.conf"],
    );
    let e = rt
        .block_on(replace_file(&engine, &file, b"[options]\nworkers = 3\n"))
        .unwrap_err();
    assert!(
        matches!(e, DockerError::WriteRefused { ref reason, .. } if reason.contains("changed since it was read")),
        "{e:?}"
    );
    assert!(exec(&c, &["cat", CONF]).contains("admin_passwd = changed"));
    let fresh = rt.block_on(read_file(&engine, &c, CONF)).unwrap();
    rt.block_on(replace_file(&engine, &fresh, b"[options]\nworkers = 3\n"))
        .unwrap();
    assert_eq!(exec(&c, &["cat", CONF]), "[options]\nworkers = 3\n");
    assert_eq!(stat(&c, CONF), "644 101 101 regular file");
}

#[test]
fn symbolic_links_are_followed_and_stay_links() {
    let Some((image, engine, rt)) = setup() else {
        return;
    };
    let guard = ContainerGuard::new("archive-links");
    let c = run_container(&guard, &image, &[], &[]);
    exec(&c, &["ln", "-s", CONF, "/tmp/link.conf"]);
    exec(&c, &["ln", "-s", "link.conf", "/tmp/chain.conf"]);
    exec(&c, &["ln", "-s", "../etc/odoo/odoo.conf", "/tmp/relative.conf"]);
    exec(&c, &["ln", "-s", "/tmp/loop-b", "/tmp/loop-a"]);
    exec(&c, &["ln", "-s", "/tmp/loop-a", "/tmp/loop-b"]);
    exec(&c, &["ln", "-s", "/nowhere.conf", "/tmp/dangling.conf"]);
    let content = exec(&c, &["cat", CONF]);

    let file = rt.block_on(read_file(&engine, &c, "/tmp/chain.conf")).unwrap();
    assert_eq!(file.path, CONF);
    assert_eq!(file.links, vec!["/tmp/chain.conf", "/tmp/link.conf"]);
    assert_eq!(file.requested, "/tmp/chain.conf");
    assert_eq!(String::from_utf8(file.content.clone()).unwrap(), content);
    assert_eq!((file.meta.uid, file.meta.mode), (101, 0o644));

    let relative = rt.block_on(read_file(&engine, &c, "/tmp/relative.conf")).unwrap();
    assert_eq!(relative.path, CONF);

    rt.block_on(write_file(
        &engine,
        &c,
        &file.path,
        b"[options]\nworkers = 1\n",
        &file.meta,
    ))
    .unwrap();
    assert_eq!(stat(&c, "/tmp/link.conf"), "777 101 101 symbolic link");
    assert_eq!(exec(&c, &["cat", "/tmp/chain.conf"]), "[options]\nworkers = 1\n");

    let e = rt.block_on(read_file(&engine, &c, "/tmp/loop-a")).unwrap_err();
    assert!(matches!(e, DockerError::SymlinkLoop { .. }), "{e:?}");
    let e = rt
        .block_on(read_file(&engine, &c, "/tmp/dangling.conf"))
        .unwrap_err();
    assert_eq!(
        e,
        DockerError::NoSuchPath {
            container: c.clone(),
            path: "/nowhere.conf".into()
        }
    );
}

fn any_meta() -> odoo_sizer::docker::archive::FileMeta {
    odoo_sizer::docker::archive::FileMeta {
        mode: 0o644,
        uid: 101,
        gid: 101,
        mtime: 0,
        username: None,
        groupname: None,
    }
}

#[test]
fn what_is_not_one_regular_file_is_refused() {
    let Some((image, engine, rt)) = setup() else {
        return;
    };
    let guard = ContainerGuard::new("archive-refusals");
    let c = run_container(&guard, &image, &[], &[]);
    exec(&c, &["mkfifo", "/tmp/fifo"]);
    exec(
        &c,
        &["dd", "if=/dev/zero", "of=/tmp/big.conf", "bs=1048576", "count=17"],
    );
    exec(
        &c,
        &[
            "dd",
            "if=/dev/zero",
            "of=/tmp/limit.conf",
            &format!("bs={MAX_FILE_BYTES}"),
            "count=1",
        ],
    );

    let err = |path: &str| rt.block_on(read_file(&engine, &c, path)).unwrap_err();
    assert_eq!(
        err("/etc/odoo"),
        DockerError::IsDirectory {
            container: c.clone(),
            path: "/etc/odoo".into()
        }
    );
    assert!(matches!(err("/"), DockerError::IsDirectory { .. }));
    let e = err("/etc/odoo/nope.conf");
    assert_eq!(
        e,
        DockerError::NoSuchPath {
            container: c.clone(),
            path: "/etc/odoo/nope.conf".into()
        }
    );
    assert!(e.to_string().contains("does not exist in the container"), "{e}");
    let e = err("/tmp/big.conf");
    assert!(
        matches!(e, DockerError::FileTooLarge { ref size, .. } if size == " (17825792 bytes)"),
        "{e:?}"
    );
    assert!(e.to_string().contains("larger than 16777216 bytes"), "{e}");
    let e = err("/tmp/fifo");
    assert!(
        matches!(e, DockerError::NotRegularFile { ref kind, .. } if kind == "fifo"),
        "{e:?}"
    );
    assert_eq!(
        err("relative/odoo.conf"),
        DockerError::NotAbsolute {
            container: c.clone(),
            path: "relative/odoo.conf".into()
        }
    );
    let e = rt
        .block_on(write_file(&engine, &c, "odoo.conf", b"", &any_meta()))
        .unwrap_err();
    assert_eq!(
        e,
        DockerError::NotAbsolute {
            container: c.clone(),
            path: "odoo.conf".into()
        }
    );
    // exactly at the limit is fine
    let at_limit = rt.block_on(read_file(&engine, &c, "/tmp/limit.conf")).unwrap();
    assert_eq!(at_limit.content.len() as u64, MAX_FILE_BYTES);

    let e = rt
        .block_on(read_file(&engine, "sizer-no-such-container-xyz", CONF))
        .unwrap_err();
    assert_eq!(
        e,
        DockerError::NoSuchContainer {
            name: "sizer-no-such-container-xyz".into()
        }
    );
}

#[test]
fn writes_the_engine_refuses() {
    let Some((image, engine, rt)) = setup() else {
        return;
    };
    let guard = ContainerGuard::new("archive-write-refusals");
    let meta = {
        let c = run_container(&guard, &image, &[], &[]);
        let file = rt.block_on(read_file(&engine, &c, CONF)).unwrap();
        // a directory that does not exist
        let e = rt
            .block_on(write_file(&engine, &c, "/nowhere/odoo.conf", b"x", &file.meta))
            .unwrap_err();
        assert_eq!(
            e,
            DockerError::NoSuchPath {
                container: c.clone(),
                path: "/nowhere".into()
            }
        );
        // a directory where the file should be
        let e = rt
            .block_on(write_file(&engine, &c, "/etc/odoo", b"x", &file.meta))
            .unwrap_err();
        assert!(matches!(e, DockerError::WriteRefused { .. }), "{e:?}");
        assert_eq!(stat(&c, "/etc/odoo"), "755 101 101 directory");
        file.meta
    };

    // a read-only root filesystem
    let ro = run_container(&guard, &image, &["--read-only", "--tmpfs", "/tmp"], &[]);
    let e = rt
        .block_on(write_file(&engine, &ro, CONF, b"[options]\n", &meta))
        .unwrap_err();
    assert!(
        matches!(e, DockerError::WriteRefused { ref reason, .. } if reason.contains("read-only")),
        "{e:?}"
    );

    // a config bind-mounted on its own: readable; the engine cannot replace a mount point
    let dir = tempfile::tempdir().unwrap();
    let host_file = dir.path().join("odoo.conf");
    std::fs::write(&host_file, "[options]\nworkers = 2\n").unwrap();
    let mount = format!("{}:{CONF}", host_file.display());
    let bound = run_container(&guard, &image, &["-v", &mount], &[]);
    let file = rt.block_on(read_file(&engine, &bound, CONF)).unwrap();
    assert_eq!(file.content, b"[options]\nworkers = 2\n");
    let e = rt
        .block_on(write_file(
            &engine,
            &bound,
            CONF,
            b"[options]\nworkers = 3\n",
            &file.meta,
        ))
        .unwrap_err();
    assert!(
        matches!(e, DockerError::WriteRefused { ref reason, .. } if reason.contains("device or resource busy. The file is bind-mounted")),
        "{e:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&host_file).unwrap(),
        "[options]\nworkers = 2\n"
    );
}
