//! Environment equivalents of the command-line flags.
//!
//! - The list comes from clap's own description of the command line (`odoo_sizer::cli::Cli`): every option
//!   of every command has an `ODOO_SIZER_*` variable named after its long flag, except the few that
//!   `src/cli.rs`'s module doc names (a new flag without a variable fails here until it gets one or is
//!   documented as an exception).
//! - For `plan`, every variable is run end to end: setting it gives exactly the output of passing the
//!   flag (the input's source aside, which names the variable), and that output differs from the run
//!   without it, so a variable that clap or the command ignored would fail.

use clap::CommandFactory;
use std::collections::BTreeSet;
use std::process::Command;

/// Options without an environment variable, by command, as `src/cli.rs`'s module doc lists them
/// (besides `--help`, `--version` and positional arguments, which no command gives one).
const WITHOUT_ENV: &[(&str, &str)] = &[
    ("*", "verbose"),
    ("inspect", "all"),
    ("inspect", "filter"),
    ("inspect", "apply"),
    ("inspect", "reload"),
    ("inspect", "restart"),
];

fn built_command() -> clap::Command {
    let mut cmd = odoo_sizer::cli::Cli::command();
    // Subcommands are `defer`red: build them all so their arguments can be listed.
    cmd.build();
    cmd
}

/// `(long flag, arg id, env var)` of every option of `subcommand`, help/version and positionals excluded.
fn options(cmd: &clap::Command, subcommand: &str) -> Vec<(String, String, Option<String>)> {
    let sub = cmd
        .find_subcommand(subcommand)
        .unwrap_or_else(|| panic!("no subcommand {subcommand}"));
    sub.get_arguments()
        .filter(|a| !a.is_positional())
        .filter(|a| !matches!(a.get_id().as_str(), "help" | "version"))
        .map(|a| {
            let long = a
                .get_long()
                .unwrap_or_else(|| panic!("{subcommand}: {} has no long flag", a.get_id()));
            (
                long.to_string(),
                a.get_id().to_string(),
                a.get_env().map(|e| e.to_string_lossy().into_owned()),
            )
        })
        .collect()
}

#[test]
fn every_option_has_an_env_equivalent_except_the_documented_ones() {
    let cmd = built_command();
    let doc: String = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/cli.rs"))
        .expect("read src/cli.rs")
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    let subcommands: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .filter(|name| name != "help")
        .collect();
    assert!(subcommands.len() >= 7, "{subcommands:?}");
    let mut exceptions_seen = BTreeSet::new();
    for subcommand in &subcommands {
        for (long, id, env) in options(&cmd, subcommand) {
            let exception = WITHOUT_ENV
                .iter()
                .find(|(s, i)| (*s == "*" || s == subcommand) && *i == id);
            match (exception, env) {
                (Some(e), None) => {
                    exceptions_seen.insert(*e);
                    assert!(
                        doc.contains(&format!("--{long}`")),
                        "{subcommand} --{long} has no environment variable, and src/cli.rs's module doc does not say so"
                    );
                }
                (Some(_), Some(env)) => panic!(
                    "{subcommand} --{long} now has {env}: remove it from WITHOUT_ENV and from src/cli.rs's module doc"
                ),
                (None, None) => panic!(
                    "{subcommand} --{long} has no ODOO_SIZER_* environment variable (add `env = ...`, or document why not in src/cli.rs)"
                ),
                (None, Some(env)) => {
                    let expected = format!("ODOO_SIZER_{}", long.to_ascii_uppercase().replace('-', "_"));
                    assert_eq!(env, expected, "{subcommand} --{long}");
                }
            }
        }
    }
    assert_eq!(
        exceptions_seen.len(),
        WITHOUT_ENV.len(),
        "an exception names no option any more: {WITHOUT_ENV:?} vs {exceptions_seen:?}"
    );
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/cgroup/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Explicit limits and version for `plan`, so that nothing depends on the machine.
const FIXED: [&str; 6] = ["--cpus", "4", "--memory", "8g", "--odoo-version", "18.0"];

/// Exit code, stdout and stderr of `odoo-sizer plan ARGS` with only `env` set.
fn plan(args: &[String], env: Option<(&str, &str)>) -> (Option<i32>, String, String) {
    let args: Vec<&str> = std::iter::once("plan")
        .chain(args.iter().map(String::as_str))
        .collect();
    sizer(&args, env)
}

/// One row: the variable, its value, the flag form of the same value, the base options the row replaces,
/// and what the reference run passes instead (the base value, or nothing).
struct Case {
    env: &'static str,
    value: String,
    flag: Vec<String>,
    drop: &'static [&'static str],
    reference: Vec<String>,
    also: Vec<String>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn every_plan_flag_s_env_var_gives_the_same_plan_as_the_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("odoo.conf");
    std::fs::write(
        &conf,
        "[options]\nworkers = 2\nmax_cron_threads = 2\nlimit_time_real = 0\n",
    )
    .expect("write");
    let conf = conf.display().to_string();
    // The base: explicit limits, version and format.
    let base = strings(&[&FIXED[..], &["--format", "json"]].concat());
    let case = |env, value: &str, flag: &[&str]| Case {
        env,
        value: value.to_string(),
        flag: strings(flag),
        drop: &[],
        reference: Vec::new(),
        also: Vec::new(),
    };
    let conf_format = strings(&["--format", "conf"]);
    let cases = vec![
        case("ODOO_SIZER_USERS", "12", &["--users", "12"]),
        case("ODOO_SIZER_LIGHT_MB", "300", &["--light-mb", "300"]),
        case("ODOO_SIZER_HEAVY_MB", "2048", &["--heavy-mb", "2048"]),
        case("ODOO_SIZER_HEAVY_RATIO", "0.5", &["--heavy-ratio", "0.5"]),
        Case {
            also: strings(&["--users", "12"]),
            ..case("ODOO_SIZER_USERS_PER_WORKER", "2", &["--users-per-worker", "2"])
        },
        case(
            "ODOO_SIZER_PG_MAX_CONNECTIONS",
            "100",
            &["--pg-max-connections", "100"],
        ),
        case("ODOO_SIZER_SET", "workers=3", &["--set", "workers=3"]),
        // Several pins: one per line.
        case(
            "ODOO_SIZER_SET",
            "workers=3\nproxy_mode=True\nlimit_time_cpu=90",
            &[
                "--set",
                "workers=3",
                "--set",
                "proxy_mode=True",
                "--set",
                "limit_time_cpu=90",
            ],
        ),
        case("ODOO_SIZER_CONFIG", &conf, &["--config", &conf]),
        Case {
            drop: &["--cpus"],
            reference: strings(&["--cpus", "4"]),
            ..case("ODOO_SIZER_CPUS", "1500m", &["--cpus", "1500m"])
        },
        Case {
            drop: &["--memory"],
            reference: strings(&["--memory", "8g"]),
            ..case("ODOO_SIZER_MEMORY", "2Gi", &["--memory", "2Gi"])
        },
        Case {
            drop: &["--cpus", "--memory"],
            reference: vec!["--root".into(), fixture("docker-v2-private")],
            ..case(
                "ODOO_SIZER_ROOT",
                &fixture("fractional-cpu"),
                &["--root", &fixture("fractional-cpu")],
            )
        },
        Case {
            drop: &["--odoo-version"],
            reference: strings(&["--odoo-version", "18.0"]),
            ..case("ODOO_SIZER_ODOO_VERSION", "16.0", &["--odoo-version", "16.0"])
        },
        Case {
            drop: &["--format"],
            reference: strings(&["--format", "json"]),
            ..case("ODOO_SIZER_FORMAT", "text", &["--format", "text"])
        },
        // The global options act on stderr: the conf format logs the plan's warnings there.
        Case {
            drop: &["--format"],
            also: conf_format.clone(),
            ..case("ODOO_SIZER_QUIET", "1", &["--quiet"])
        },
        Case {
            drop: &["--format"],
            also: conf_format.clone(),
            ..case("ODOO_SIZER_COLOR", "always", &["--color", "always"])
        },
        Case {
            drop: &["--format"],
            also: conf_format.clone(),
            ..case("ODOO_SIZER_LOG_FORMAT", "json", &["--log-format", "json"])
        },
    ];

    // The table covers every variable clap knows for `plan`, and nothing else.
    let declared: BTreeSet<String> = options(&built_command(), "plan")
        .into_iter()
        .filter_map(|(_, _, env)| env)
        .collect();
    let tested: BTreeSet<String> = cases.iter().map(|c| c.env.to_string()).collect();
    assert_eq!(
        declared, tested,
        "every plan option with an environment variable needs a row here"
    );

    for c in &cases {
        let mut args: Vec<String> = Vec::new();
        for pair in base.chunks(2) {
            if !c.drop.contains(&pair[0].as_str()) {
                args.extend(pair.iter().cloned());
            }
        }
        args.extend(c.also.iter().cloned());
        let with_flag = plan(&[&args[..], &c.flag[..]].concat(), None);
        let with_env = plan(&args, Some((c.env, &c.value)));
        let reference = plan(&[&args[..], &c.reference[..]].concat(), None);
        assert_eq!(with_flag.0, Some(0), "{} via flag: {}", c.env, with_flag.2);
        assert_eq!(with_env.0, Some(0), "{} via env: {}", c.env, with_env.2);
        assert_eq!(reference.0, Some(0), "{} reference: {}", c.env, reference.2);
        // Where the output names a value's source, the variable stands where the flag did.
        let flag_name = &c.flag[0];
        let unsourced = |text: &str| text.replace(c.env, flag_name);
        assert_eq!(
            (unsourced(&with_env.1), unsourced(&with_env.2)),
            (with_flag.1.clone(), with_flag.2.clone()),
            "{}={:?} does not act like {:?}",
            c.env,
            c.value,
            c.flag
        );
        assert_ne!(
            (&with_flag.1, &with_flag.2),
            (&reference.1, &reference.2),
            "{:?} changes nothing: this row cannot fail",
            c.flag
        );
        if with_flag.1.contains(flag_name.as_str()) {
            assert!(
                with_env.1.contains(c.env),
                "{}: the output names the flag as a source but not the variable",
                c.env
            );
        }
    }
}

/// Exit code, stdout and stderr of `odoo-sizer ARGS` with only `env` set.
fn sizer(args: &[&str], env: Option<(&str, &str)>) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("odoo-sizer"));
    cmd.env_clear().args(args);
    if let Some((name, value)) = env {
        cmd.env(name, value);
    }
    let out = cmd.output().expect("run odoo-sizer");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The global options act the same written before the subcommand's name or after it; `-v` counts add up
/// across both places, and for `--color` and `--log-format` the one after the name wins, a flag at either
/// place over the environment variable.
#[test]
fn global_options_act_the_same_before_and_after_the_subcommand() {
    // `--format conf` logs the plan's warnings on stderr, which the global options act on.
    let base = [&FIXED[..], &["--format", "conf"]].concat();
    let run = |before: &[&str], after: &[&str], env: Option<(&str, &str)>| {
        let args: Vec<&str> = [before, &["plan"], &base, after].concat();
        let out = sizer(&args, env);
        assert_eq!(out.0, Some(0), "{args:?}: {}", out.2);
        out
    };
    let plain = run(&[], &[], None);
    for global in [
        &["--quiet"][..],
        &["--log-format", "json"],
        &["--color", "always"],
        &["-v"],
        &["-vv"],
    ] {
        let after = run(&[], global, None);
        assert_ne!(after, plain, "{global:?} changes nothing: this row cannot fail");
        assert_eq!(run(global, &[], None), after, "{global:?} before the subcommand");
    }
    assert_eq!(run(&["-v"], &["-v"], None), run(&[], &["-vv"], None));
    assert_eq!(run(&["-q"], &["-v"], None), run(&[], &["-q", "-v"], None));
    let json = run(&[], &["--log-format", "json"], None);
    let text = run(&[], &["--log-format", "text"], None);
    assert_ne!(json, text);
    assert_eq!(
        run(&["--log-format", "text"], &["--log-format", "json"], None),
        json
    );
    assert_eq!(
        run(&["--log-format", "json"], &["--log-format", "text"], None),
        text
    );
    let env = Some(("ODOO_SIZER_LOG_FORMAT", "json"));
    assert_eq!(run(&[], &[], env), json);
    assert_eq!(run(&["--log-format", "text"], &[], env), text);
    assert_eq!(run(&[], &["--log-format", "text"], env), text);
}
