//! Shared by the benches: realistic generated odoo.conf files and the fixture paths.
//!
//! A generated file looks like a production deployment's: a commented banner, an `[options]` section with
//! the connection settings, the sizing keys odoo-sizer manages (some active, one as a commented default,
//! two missing, so `apply` exercises all three placement rules: update in place, uncomment, add), then
//! documentation blocks in the style of the official sample (`; --option: help`, `; option = default`),
//! then addon sections (`[queue_job_3]`, ...) with their own settings. Every size is made of the same
//! repeating units, so the per-line cost of different sizes is comparable.
//!
//! `bench/odoo.conf` (the ~400-line file of `bench/compare.sh`) is `odoo_conf(400)`; the `conf` bench
//! checks that they are identical.

#![allow(dead_code)]

use std::path::PathBuf;

/// The line counts benchmarked.
pub const SIZES: [usize; 4] = [40, 400, 4_000, 40_000];

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The cgroup fixture tree every whole-process benchmark reads (`--root`): Docker `--cpus=2 --memory=4g`
/// on a cgroup v2 host with a private cgroup namespace.
pub fn cgroup_root() -> PathBuf {
    root().join("bench/cgroup-root")
}

/// Real Odoo options with a one-line help text and their default, for the documentation blocks.
const DOCUMENTED: &[(&str, &str, &str)] = &[
    (
        "admin_passwd",
        "master password protecting the database manager",
        "admin",
    ),
    ("csv_internal_sep", "separator of CSV exports", ","),
    ("db_maxconn", "connection pool size of each process", "64"),
    ("db_name", "database(s) to use, comma-separated", "False"),
    ("db_template", "template for new databases", "template0"),
    (
        "dbfilter",
        "regular expression selecting the databases shown",
        ".*",
    ),
    ("email_from", "sender address of outgoing mail", "False"),
    ("from_filter", "outgoing mail filter", "False"),
    (
        "geoip_city_db",
        "path of the GeoIP city database",
        "/usr/share/GeoIP/GeoLite2-City.mmdb",
    ),
    ("http_port", "HTTP port", "8069"),
    ("import_partial", "file for partial imports", ""),
    (
        "limit_time_real_cron",
        "wall seconds of a cron job, -1 = limit_time_real",
        "-1",
    ),
    ("list_db", "show the database manager", "True"),
    ("log_db", "log to the database as well", "False"),
    ("log_db_level", "level of database logging", "warning"),
    ("log_handler", "logger:LEVEL pairs", ":INFO"),
    ("log_level", "log level", "info"),
    ("logfile", "log file, empty for stderr", "False"),
    ("max_file_upload_size", "largest upload in bytes", "134217728"),
    ("osv_memory_count_limit", "records kept in transient models", "0"),
    ("pg_path", "directory of pg_dump and pg_restore", ""),
    ("pidfile", "file to write the server's PID to", "False"),
    ("reportgz", "compress PDF reports", "False"),
    ("screencasts", "directory of test screencasts", ""),
    ("screenshots", "directory of test screenshots", "/tmp/odoo_tests"),
    (
        "server_wide_modules",
        "modules loaded without a database",
        "base,web",
    ),
    ("smtp_password", "SMTP password", "False"),
    ("smtp_port", "SMTP port", "25"),
    ("smtp_server", "SMTP server", "localhost"),
    ("smtp_ssl", "use SSL for SMTP", "False"),
    ("smtp_user", "SMTP user", "False"),
    ("syslog", "log to syslog", "False"),
    ("test_enable", "run the tests of installed modules", "False"),
    ("transient_age_limit", "hours transient records are kept", "1.0"),
    (
        "translate_modules",
        "modules to export translations for",
        "['all']",
    ),
    ("unaccent", "use the unaccent extension", "False"),
    ("upgrade_path", "paths of upgrade scripts", ""),
    ("without_demo", "skip demo data", "False"),
    ("x_sendfile", "delegate file serving to the web server", "False"),
];

const ADDONS: &[&str] = &[
    "queue_job",
    "fs_storage",
    "auth_oidc",
    "ir.config_parameter",
    "sentry",
    "mail_gateway",
    "report_py3o",
    "base_rest",
];

/// The head of the file: banner and `[options]` with the managed keys.
const HEAD: &str = "\
; odoo.conf of a production deployment, generated for odoo-sizer's benchmarks.
; The entrypoint sizes workers and memory limits from the container's limits at every start.

[options]
; --- connection ---
db_host = postgres
db_port = 5432
db_user = odoo
db_password = change-me
addons_path = /mnt/extra-addons,/mnt/oca/queue,/mnt/oca/server-tools,/usr/lib/python3/dist-packages/odoo/addons
data_dir = /var/lib/odoo
proxy_mode = True
http_interface = 0.0.0.0

; --- multi-processing (rewritten by the entrypoint) ---
; workers: HTTP worker processes; 0 runs the threaded server.
workers = 0
; max_cron_threads: cron worker processes (threads in threaded mode).
max_cron_threads = 2
; Memory limits are per process and measured on virtual memory (VMS).
limit_memory_soft = 2147483648
limit_memory_hard = 2684354560
; Time limits per request, in seconds.
limit_time_cpu = 60
limit_time_real = 120
limit_request = 65536
; Port of the gevent process (/websocket must be routed to it).
; gevent_port = 8072
";

/// A realistic odoo.conf of exactly `lines` lines (at least the head's).
pub fn odoo_conf(lines: usize) -> String {
    let mut out: Vec<String> = HEAD.lines().map(str::to_string).collect();
    // Half of the rest documents options in [options], the other half is addon sections.
    let doc_lines = lines.saturating_sub(out.len()) / 2;
    let mut i = 0usize;
    while out.len() + 5 <= HEAD.lines().count() + doc_lines {
        let (name, help, default) = DOCUMENTED[i % DOCUMENTED.len()];
        // Keys repeat after one round of the table: number them so the section stays loadable.
        let key = if i < DOCUMENTED.len() {
            name.to_string()
        } else {
            format!("{name}_{}", i / DOCUMENTED.len())
        };
        out.push(String::new());
        out.push(format!("; --{key}: {help}."));
        out.push(format!(
            ";   Default: {default}. See odoo-bin --help for details."
        ));
        out.push(format!("; {key} = {default}"));
        if i.is_multiple_of(3) {
            out.push(format!("{key} = {default}"));
        } else {
            out.push(format!("; ({key} is left at its default)"));
        }
        i += 1;
    }
    let mut j = 0usize;
    while out.len() < lines {
        let addon = ADDONS[j % ADDONS.len()];
        out.push(String::new());
        out.push(format!("[{addon}_{j}]"));
        out.push(format!("; settings of the {addon} addon, instance {j}"));
        out.push(format!("host = {addon}-{j}.internal.example.com"));
        out.push(format!("port = {}", 8000 + j % 1000));
        out.push("channels = root:2,root.mail:1,root.report:1".to_string());
        out.push("timeout = 30".to_string());
        out.push(format!(
            "enabled = {}",
            if j.is_multiple_of(2) { "True" } else { "False" }
        ));
        j += 1;
    }
    out.truncate(lines.max(HEAD.lines().count()));
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// A mountinfo of `n` mounts in the shape of a busy Docker host: overlay roots with long option strings,
/// bind mounts, nsfs, escaped paths, and the cgroup mounts (v1 controllers and the unified hierarchy).
pub fn mountinfo_of(n: usize) -> String {
    let mut out = String::new();
    let cgroups = [
        "cpu,cpuacct",
        "cpuset",
        "memory",
        "pids",
        "blkio",
        "devices",
        "freezer",
        "net_cls,net_prio",
    ];
    for (i, c) in cgroups.iter().enumerate() {
        out.push_str(&format!(
            "{} 31 0:{} / /sys/fs/cgroup/{c} rw,nosuid,nodev,noexec,relatime shared:{} - cgroup cgroup rw,{c}\n",
            40 + i,
            30 + i,
            10 + i
        ));
    }
    out.push_str("48 31 0:38 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n");
    let mut i = 0;
    while cgroups.len() + 1 + i < n {
        let id = 100 + i;
        let line = match i % 4 {
            0 => format!(
                "{id} 27 0:{} / /var/lib/docker/overlay2/{i:064x}/merged rw,relatime shared:{id} - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A{i:025}:/var/lib/docker/overlay2/l/B{i:025},upperdir=/var/lib/docker/overlay2/{i:064x}/diff,workdir=/var/lib/docker/overlay2/{i:064x}/work\n",
                200 + i
            ),
            1 => format!("{id} 27 0:4 net:[40265{i:05}] /run/docker/netns/{i:012x} rw - nsfs nsfs rw\n"),
            2 => format!(
                "{id} 27 254:1 /var/lib/kubelet/pods/{i:08x}/volumes/kubernetes.io~configmap/odoo\\040conf /var/lib/kubelet/pods/{i:08x}/volumes/odoo rw,relatime shared:1 master:1 - ext4 /dev/vda1 rw,discard,errors=remount-ro\n"
            ),
            _ => format!("{id} 27 0:{} / /var/lib/kubelet/pods/{i:08x}/volumes/kubernetes.io~projected/kube-api-access rw,relatime - tmpfs tmpfs rw,size=3873280k,inode64\n", 300 + i),
        };
        out.push_str(&line);
        i += 1;
    }
    out
}
