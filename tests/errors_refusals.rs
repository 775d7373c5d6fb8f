//! Refusals (exit 4): every lint rule `apply` refuses a file for (its `REFUSING_RULES`, read from the
//! source so a new rule cannot go untested), the NUL-byte check and the edit refusals. Each is triggered
//! through `apply`, `plan --config` and `init --strict`: exit 4, the line, the rule id and the fix in the
//! message, and the file untouched; `lint` reports the same rule as an error (exit 1).

use std::collections::BTreeSet;
use std::process::Command;

const LIMITS: [&str; 6] = ["--cpus", "2", "--memory", "4g", "--odoo-version", "18.0"];

/// (rule id, file content, line at fault, a part of the fix).
const CASES: &[(&str, &[u8], usize, &str)] = &[
    (
        "invalid-utf8",
        b"[options]\nworkers = 2\n; caf\xe9\n",
        3,
        "re-save the file as UTF-8",
    ),
    (
        "missing-section-header",
        b"workers = 2\n[options]\n",
        1,
        "put `[options]` above it",
    ),
    (
        "duplicate-section",
        b"[options]\nworkers = 2\n[options]\n",
        3,
        "merge the two [options] sections",
    ),
    (
        "duplicate-key",
        b"[options]\nworkers = 2\nworkers = 3\n",
        3,
        "delete one of the two `workers` lines",
    ),
    (
        "parse-error",
        b"[options]\nthis is not a key\n",
        2,
        "write it as `key = value`",
    ),
    (
        "section-case",
        b"[Options]\nworkers = 2\n",
        1,
        "rename the header to `[options]`",
    ),
    (
        "continuation-line",
        b"[options]\nworkers = 4\n  limit_time_cpu = 60\n",
        3,
        "remove the indentation",
    ),
    (
        "inline-comment",
        b"[options]\nworkers = 4 ; four\n",
        2,
        "`odoo-sizer apply --fix` does it",
    ),
    (
        "invalid-int",
        b"[options]\nlimit_time_cpu = four\n",
        2,
        "write a whole number",
    ),
    (
        "invalid-float",
        b"[options]\ntransient_age_limit = abc\n",
        2,
        "write a number with a dot",
    ),
    (
        "invalid-choice",
        b"[options]\nlog_level = loud\n",
        2,
        "write one of: info",
    ),
    (
        "invalid-bool",
        b"[options]\nlist_db = maybe\n",
        2,
        "write True or False",
    ),
    (
        "log-handler-format",
        b"[options]\nlog_handler = odoo.http\n",
        2,
        "write `logger:LEVEL` items",
    ),
    // Not a lint rule: apply's own check.
    ("binary-file", b"[options]\n\x00\n", 2, "check the path"),
];

/// The ids of `REFUSING_RULES` in src/apply/mod.rs, via the rule table of src/lint/mod.rs.
fn refusing_rule_ids() -> BTreeSet<String> {
    let root = env!("CARGO_MANIFEST_DIR");
    let apply = std::fs::read_to_string(format!("{root}/src/apply/mod.rs")).expect("apply");
    let lint = std::fs::read_to_string(format!("{root}/src/lint/mod.rs")).expect("lint");
    let start = apply.find("const REFUSING_RULES").expect("REFUSING_RULES");
    let end = start + apply[start..].find("];").expect("end");
    apply[start..end]
        .split("Rule::")
        .skip(1)
        .map(|part| {
            let name: String = part.chars().take_while(char::is_ascii_alphanumeric).collect();
            let decl = format!("    {name} => \"");
            let at = lint.find(&decl).expect("rule declared") + decl.len();
            lint[at..at + lint[at..].find('"').expect("id")].to_string()
        })
        .collect()
}

fn sizer() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("odoo-sizer"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1");
    cmd
}

#[test]
fn every_refusing_rule_is_tested() {
    let tested: BTreeSet<String> = CASES.iter().map(|(id, ..)| id.to_string()).collect();
    for id in refusing_rule_ids() {
        assert!(
            tested.contains(&id),
            "REFUSING_RULES has {id}, which this test does not trigger"
        );
    }
}

#[test]
fn every_refusal_exits_4_naming_the_line_the_rule_and_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("odoo.conf");
    for (rule, content, line, fix) in CASES {
        std::fs::write(&conf, content).expect("write");
        let commands: [Vec<&str>; 3] = [vec!["apply"], vec!["plan"], vec!["init", "--strict"]];
        for command in commands {
            let out = sizer()
                .args(&command)
                .arg("-c")
                .arg(&conf)
                .args(LIMITS)
                .output()
                .expect("run");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(4), "{rule} {command:?}: {stderr}");
            let expected_head = format!(
                "error: {}: refusing to edit this file, nothing was changed: Odoo could not start with it or would ignore settings\n  line {line}: ",
                conf.display()
            );
            assert!(stderr.starts_with(&expected_head), "{rule} {command:?}: {stderr}");
            assert!(
                stderr.contains(&format!(" [{rule}]; fix: ")) && stderr.contains(fix),
                "{rule} {command:?}: {stderr}"
            );
            assert_eq!(
                &std::fs::read(&conf).expect("read")[..],
                *content,
                "{rule}: file touched"
            );
            assert!(out.stdout.is_empty(), "{rule} {command:?}");
        }
        // Without --strict, init starts the command anyway with the file unchanged.
        let out = sizer()
            .args(["init", "-c"])
            .arg(&conf)
            .args(LIMITS)
            .args(["--", "sh", "-c", "echo started"])
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{rule}: {stderr}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("started"));
        assert!(
            stderr.contains("sizing skipped, starting the command with the config unchanged")
                && stderr.contains(&format!("[{rule}]")),
            "{rule}: {stderr}"
        );
        // lint finds the same rule (not binary-file: apply's own check).
        if *rule != "binary-file" {
            let out = sizer()
                .args(["lint", "--format", "json", "--odoo-version", "18.0", "-c"])
                .arg(&conf)
                .output()
                .expect("lint");
            assert_eq!(out.status.code(), Some(1), "{rule}");
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
            assert!(
                report["findings"]
                    .as_array()
                    .expect("findings")
                    .iter()
                    .any(|f| f["rule"] == *rule && f["severity"] == "error" && f["line"] == *line),
                "{rule}: {report:#}"
            );
        }
    }
}

#[test]
fn edit_refusals_name_the_key_and_what_to_do() {
    // Lint only warns about these (string options), but `--set` asks to edit the key: the edit refuses.
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("odoo.conf");
    for (content, rule, message) in [
        (
            &b"[options]\ndbfilter = ^%d$\n  .*\n"[..],
            "continuation-line",
            "the value of `dbfilter` in [options] continues on line(s) 3 (Odoo reads indented lines as part of the value); unindent those lines if they are separate settings, or comment them out with `;`, then try again",
        ),
        (
            b"[options]\ndbfilter = ^%d$ ; note\n",
            "inline-comment",
            "`dbfilter` has a comment after its value, which Odoo reads as part of the value; move the comment to its own line above (`apply --fix` does this for keys that are not secrets), then try again",
        ),
    ] {
        std::fs::write(&conf, content).expect("write");
        let out = sizer()
            .args(["apply", "--set", "dbfilter=^x$", "-c"])
            .arg(&conf)
            .args(LIMITS)
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{rule}: {stderr}");
        assert!(
            stderr.contains(&format!("line 2: {message} [{rule}]")),
            "{rule}: {stderr}"
        );
        assert_eq!(std::fs::read(&conf).expect("read"), content);
    }
    // --fix moves the comment of a string option, so the edit then succeeds.
    let out = sizer()
        .args(["apply", "--fix", "--set", "dbfilter=^x$", "-c"])
        .arg(&conf)
        .args(LIMITS)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(std::fs::read(&conf).expect("read")).expect("utf-8");
    assert!(text.contains("; note\ndbfilter = ^x$\n"), "{text}");
}

#[test]
fn refused_secrets_are_never_shown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("odoo.conf");
    for content in [
        &b"[options]\nadmin_passwd = hunter2\nadmin_passwd = hunter3\n"[..],
        b"[options]\nadmin_passwd = hunter2\n  hunter3\nworkers = x\n",
        b"[options]\nadmin_passwd = hunter2 ; hunter3\n",
        b"[options]\ndb_password = hunter2\n\x00",
    ] {
        std::fs::write(&conf, content).expect("write");
        for args in [
            &["apply", "--set", "admin_passwd=x"][..],
            &["apply", "--fix"],
            &["lint"],
        ] {
            let out = sizer()
                .args(args)
                .arg("-c")
                .arg(&conf)
                .args(LIMITS)
                .output()
                .expect("run");
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                !all.contains("hunter2") && !all.contains("hunter3"),
                "{args:?} leaked a secret: {all}"
            );
        }
    }
}
