//! Unit tests of the lint rules: positive and negative cases, per version where Odoo's behaviour differs.

use super::*;
use crate::limits::Budget;
use crate::plan::{self, Pin, PlanInput};
use std::collections::BTreeMap;

const GIB: u64 = 1 << 30;

fn v(major: u8) -> OdooVersion {
    OdooVersion::from_major(major).unwrap()
}

fn run_ctx(text: &str, ctx: &Context) -> Report {
    lint(&Document::parse(text.as_bytes()), ctx)
}

fn run(text: &str, major: u8) -> Report {
    run_ctx(text, &Context::new(v(major)))
}

fn container(major: u8, cpus: f64, memory: u64) -> Context {
    Context {
        cpus: Some(cpus),
        memory_bytes: Some(memory),
        ..Context::new(v(major))
    }
}

/// `(line, rule id, severity)` of every finding.
fn found(r: &Report) -> Vec<(Option<usize>, &'static str, Severity)> {
    r.findings
        .iter()
        .map(|f| (f.line, f.rule.id(), f.severity))
        .collect()
}

/// The severity of `rule` on `line`, if reported.
fn at(r: &Report, rule: Rule, line: Option<usize>) -> Option<Severity> {
    r.findings
        .iter()
        .find(|f| f.rule == rule && f.line == line)
        .map(|f| f.severity)
}

fn has(r: &Report, rule: Rule) -> bool {
    r.findings.iter().any(|f| f.rule == rule)
}

fn message(r: &Report, rule: Rule) -> String {
    r.findings
        .iter()
        .find(|f| f.rule == rule)
        .map(|f| format!("{} | {}", f.message, f.fix))
        .unwrap_or_else(|| panic!("no {rule} in {:?}", found(r)))
}

const E: Option<Severity> = Some(Severity::Error);
const W: Option<Severity> = Some(Severity::Warning);

#[test]
fn parse_issues_become_errors_with_their_lines() {
    let r = run(
        "[options]\nworkers = 2\nWorkers = 4\nbad line\n= 5\n[options]\n",
        18,
    );
    assert_eq!(
        found(&r),
        vec![
            (Some(3), "duplicate-key", Severity::Error),
            (Some(4), "parse-error", Severity::Error),
            (Some(5), "parse-error", Severity::Error),
            (Some(6), "duplicate-section", Severity::Error),
        ]
    );
    assert_eq!(r.findings[0].key.as_deref(), Some("workers"));
    assert_eq!(r.python_error.as_deref(), Some("DuplicateOptionError on line 3"));
    let r = run("\u{feff}[options]\nworkers = 2\n", 18);
    assert_eq!(at(&r, Rule::MissingSectionHeader, Some(1)), E);
    assert!(message(&r, Rule::MissingSectionHeader).contains("byte-order mark"));
    let r = run("# c\nworkers = 2\n[options]\n", 18);
    assert_eq!(at(&r, Rule::MissingSectionHeader, Some(2)), E);
    assert_eq!(r.findings[0].key.as_deref(), Some("workers"));
    let r = lint(&Document::parse(b"[options]\n; caf\xe9\n"), &Context::new(v(18)));
    assert_eq!(at(&r, Rule::InvalidUtf8, Some(2)), E);
    // A clean file has nothing.
    assert!(run("[options]\nworkers = 2\n", 18).findings.is_empty());
}

#[test]
fn section_case_is_an_error_only_without_options() {
    let r = run("[Options]\nworkers = 4\n", 18);
    assert_eq!(found(&r), vec![(Some(1), "section-case", Severity::Error)]);
    let r = run("[options]\nworkers = 4\n[ Options ]\nx = 1\n", 18);
    assert_eq!(found(&r), vec![(Some(3), "section-case", Severity::Warning)]);
    // No [options] at all: a warning for the whole file, unless Python already refuses the file.
    for text in [
        "",
        "; only a comment\n",
        "[DEFAULT]\nworkers = 4\n",
        "[queue_job]\nchannels = root:2\n",
    ] {
        let r = run(text, 19);
        assert_eq!(
            found(&r),
            vec![(None, "no-options-section", Severity::Warning)],
            "{text:?}"
        );
    }
    assert!(!has(&run("workers = 4\n", 18), Rule::NoOptionsSection));
    assert!(!has(&run("[Options]\n", 18), Rule::NoOptionsSection));
}

#[test]
fn continuation_lines_by_what_they_look_like() {
    // A swallowed assignment: error, whatever the key's type.
    let r = run("[options]\naddons_path = /a\n  workers = 4\n", 18);
    assert_eq!(found(&r), vec![(Some(3), "continuation-line", Severity::Error)]);
    assert!(message(&r, Rule::ContinuationLine).contains("the option `workers`"));
    // Any indented line under a typed option: error (the cast fails).
    let r = run("[options]\nworkers = 4\n  and more\n", 18);
    assert_eq!(at(&r, Rule::ContinuationLine, Some(3)), E);
    assert!(
        !has(&r, Rule::InvalidInt),
        "the value before the continuation is fine"
    );
    // Text appended to a string option without a comma: warning; after a comma: a list, fine.
    let r = run("[options]\naddons_path = /a\n\n  (a note)\n", 18);
    assert_eq!(found(&r), vec![(Some(4), "continuation-line", Severity::Warning)]);
    assert!(run("[options]\naddons_path = /a,\n    /b\n", 18)
        .findings
        .is_empty());
    // A value that starts on the next line: one warning on its first line, whatever follows.
    let r = run("[options]\naddons_path =\n    /a,\n    /b\n", 18);
    assert_eq!(found(&r), vec![(Some(3), "continuation-line", Severity::Warning)]);
    assert!(message(&r, Rule::ContinuationLine).contains("leading line break"));
    // `logger:LEVEL` and URLs are not assignments; `:` only counts before a known option.
    let r = run("[options]\nlog_handler = :INFO,\n  werkzeug:WARNING\n", 18);
    assert!(r.findings.is_empty(), "{:?}", found(&r));
    let r = run("[options]\naddons_path = /a\n  workers: 4\n", 18);
    assert_eq!(at(&r, Rule::ContinuationLine, Some(3)), E);
    // Addon sections: only swallowed assignments are reported.
    let r = run(
        "[options]\n[queue_job]\nchannels = root:2\n  jobrunner_db_host = x\n",
        18,
    );
    assert_eq!(at(&r, Rule::ContinuationLine, Some(4)), E);
    assert!(run("[options]\n[queue_job]\nchannels = root:2\n  root.x:1\n", 18)
        .findings
        .is_empty());
    // A flag continued on the next line is a non-empty text: ON up to 18.0, refused by 19.0.
    let r = run("[options]\nproxy_mode = False\n  (off)\n", 18);
    assert!(message(&r, Rule::ContinuationLine).contains("takes as ON"));
    let r = run("[options]\nproxy_mode = False\n  (off)\n", 19);
    assert!(message(&r, Rule::ContinuationLine).contains("refuses"));
}

#[test]
fn inline_comments_are_errors_on_typed_options_only() {
    let r = run("[options]\nworkers = 4 ; four\n", 18);
    assert_eq!(found(&r), vec![(Some(2), "inline-comment", Severity::Error)]);
    assert!(message(&r, Rule::InlineComment).contains("refuses '4 ; four'"));
    assert!(message(&r, Rule::InlineComment).contains("apply --fix"));
    // The value before the comment is still checked.
    let r = run("[options]\nworkers = four ; 4\n", 18);
    assert_eq!(at(&r, Rule::InlineComment, Some(2)), E);
    assert_eq!(at(&r, Rule::InvalidInt, Some(2)), E);
    // Flags: up to 18.0 the text is ON; 19.0 refuses it.
    let r = run("[options]\nproxy_mode = False # off\n", 18);
    assert_eq!(at(&r, Rule::InlineComment, Some(2)), E);
    assert!(message(&r, Rule::InlineComment).contains("which is ON"));
    assert_eq!(
        at(
            &run("[options]\nproxy_mode = False # off\n", 19),
            Rule::InlineComment,
            Some(2)
        ),
        E
    );
    // Strings: a warning naming both values.
    let r = run("[options]\ndbfilter = ^%d$ ; note\n", 18);
    assert_eq!(found(&r), vec![(Some(2), "inline-comment", Severity::Warning)]);
    assert!(message(&r, Rule::InlineComment).contains("'^%d$ ; note' instead of '^%d$'"));
    // No whitespace before `;`: part of the value, no comment.
    assert!(run("[options]\ndbfilter = a;b\n", 18).findings.is_empty());
    // Addon sections: warnings, without the apply hint.
    let r = run("[options]\n[queue_job]\nchannels = root:2 ; two\n", 18);
    assert_eq!(at(&r, Rule::InlineComment, Some(3)), W);
    assert!(!message(&r, Rule::InlineComment).contains("apply"));
    // [DEFAULT] keys are options too, unless [options] overrides them.
    let r = run("[DEFAULT]\nworkers = 4 ; x\n[options]\n", 18);
    assert_eq!(at(&r, Rule::InlineComment, Some(2)), E);
    let r = run("[DEFAULT]\nworkers = 4 ; x\n[options]\nworkers = 2\n", 18);
    assert_eq!(at(&r, Rule::InlineComment, Some(2)), W);
    // A key the version does not read is a string to whoever reads it.
    let r = run("[options]\nlongpolling_port = 8072 ; old\n", 19);
    assert_eq!(at(&r, Rule::InlineComment, Some(2)), W);
}

#[test]
fn invalid_int_per_version() {
    // (value, refused up to 18.0, refused by 19.0)
    let cases = [
        ("4", false, false),
        (" 4 ", false, false),
        ("0x10", false, true),
        ("010", false, false),
        ("08", true, false),
        ("1_000", false, false),
        ("-1", false, false),
        ("True", false, true),
        ("False", false, false),
        ("None", true, false),
        ("4.0", true, true),
        ("four", true, true),
        ("", true, true),
        ("99999999999999999999999", false, false),
    ];
    for (value, refused_18, refused_19) in cases {
        let text = format!("[options]\nmax_cron_threads = {value}\n");
        for major in [14, 15, 16, 17, 18] {
            assert_eq!(
                has(&run(&text, major), Rule::InvalidInt),
                refused_18,
                "{value:?} on {major}"
            );
        }
        assert_eq!(
            has(&run(&text, 19), Rule::InvalidInt),
            refused_19,
            "{value:?} on 19"
        );
    }
    let r = run("[options]\nworkers = four\n", 18);
    assert_eq!(at(&r, Rule::InvalidInt, Some(2)), E);
    assert!(message(&r, Rule::InvalidInt).contains("\"option workers: invalid integer value: 'four'\""));
    let r = run("[options]\ntransient_age_limit = 1,5\nlog_level = INFO\n", 16);
    assert_eq!(at(&r, Rule::InvalidFloat, Some(2)), E);
    assert_eq!(at(&r, Rule::InvalidChoice, Some(3)), E);
    assert!(message(&r, Rule::InvalidChoice).contains("choose from 'info'"));
    // Keys the version does not read are not cast.
    assert!(!has(
        &run("[options]\nlongpolling_port = x\n", 18),
        Rule::InvalidInt
    ));
    assert!(has(
        &run("[options]\nlongpolling_port = x\n", 15),
        Rule::InvalidInt
    ));
}

#[test]
fn flags_up_to_18_are_never_cast() {
    let check = |value: &str, major: u8| -> Vec<(Option<usize>, &'static str, Severity)> {
        found(&run(&format!("[options]\nlist_db = {value}\n"), major))
    };
    for ok in ["True", "true", "False", "false"] {
        for major in [14, 18, 19] {
            assert!(check(ok, major).is_empty(), "{ok} on {major}");
        }
    }
    let one = |rule, severity| vec![(Some(2), rule, severity)];
    for major in [14, 16, 18] {
        assert_eq!(check("1", major), one("invalid-bool", Severity::Warning));
        assert_eq!(check("Yes", major), one("invalid-bool", Severity::Warning));
        assert_eq!(check("", major), one("invalid-bool", Severity::Warning));
        assert_eq!(check("0", major), one("invalid-bool", Severity::Error));
        assert_eq!(check("no", major), one("invalid-bool", Severity::Error));
        assert_eq!(check("None", major), one("invalid-bool", Severity::Error));
        assert_eq!(check("maybe", major), one("invalid-bool", Severity::Error));
    }
    for ok in ["1", "Yes", "0", "no", "OFF", "None"] {
        assert!(check(ok, 19).is_empty(), "{ok} on 19");
    }
    assert_eq!(check("", 19), one("invalid-bool", Severity::Error));
    assert_eq!(check("maybe", 19), one("invalid-bool", Severity::Error));
    for off in ["0", "no", "OFF", "None"] {
        let r = run(&format!("[options]\nlist_db = {off}\n"), 18);
        assert!(message(&r, Rule::InvalidBool).contains("looks like OFF"), "{off}");
        let r = run(&format!("[options]\nproxy_mode = {off}\n"), 16);
        assert!(has(&r, Rule::ProxyModeFlag), "{off}");
    }
    // proxy_mode read as ON although written as OFF has its own rule, up to 18.0 only.
    let r = run("[options]\nproxy_mode = off\n", 18);
    assert_eq!(found(&r), vec![(Some(2), "proxy-mode-flag", Severity::Error)]);
    assert!(message(&r, Rule::ProxyModeFlag).contains("X-Forwarded-For"));
    assert!(run("[options]\nproxy_mode = off\n", 19).findings.is_empty());
    assert_eq!(
        found(&run("[options]\nproxy_mode = maybe\n", 18)),
        vec![(Some(2), "invalid-bool", Severity::Error)]
    );
}

#[test]
fn false_for_numbers_on_19_only_where_the_meaning_changes() {
    let text = "[options]\nlimit_memory_hard = False\nworkers = False\ndb_port = False\nmax_cron_threads = False\nsmtp_user = False\nsmtp_server = False\n";
    let r = run(text, 19);
    assert_eq!(
        found(&r),
        vec![
            (Some(2), "false-for-int", Severity::Warning),
            (Some(5), "false-for-int", Severity::Warning),
            (Some(7), "false-for-int", Severity::Warning),
        ]
    );
    assert!(message(&r, Rule::FalseForInt).contains("2684354560 (2.5 GiB)"));
    assert!(message(&r, Rule::FalseForInt).contains("write 0 to disable"));
    for major in [14, 18] {
        assert!(run(text, major).findings.is_empty(), "{major}");
    }
}

#[test]
fn key_status_per_version() {
    let key = |k: &str, major: u8| found(&run(&format!("[options]\n{k} = 8072\n"), major));
    let one = |rule| vec![(Some(2), rule, Severity::Warning)];
    assert!(key("longpolling_port", 15).is_empty());
    assert_eq!(key("longpolling_port", 16), one("renamed-key"));
    assert_eq!(key("longpolling_port", 17), one("renamed-key"));
    assert_eq!(key("longpolling_port", 18), one("renamed-key"));
    assert_eq!(key("gevent_port", 15), one("future-key"));
    assert!(
        message(&run("[options]\ngevent_port = 1\n", 15), Rule::FutureKey).contains("use `longpolling_port`")
    );
    assert!(key("gevent_port", 16).is_empty());
    assert_eq!(key("xmlrpc_port", 18), one("renamed-key"));
    assert!(
        message(&run("[options]\nxmlrpc_port = 1\n", 18), Rule::RenamedKey)
            .contains("deprecated alias of `http_port`")
    );
    assert_eq!(key("xmlrpc_port", 19), one("renamed-key"));
    assert_eq!(key("cron_workers", 18), one("renamed-key"));
    assert!(
        message(&run("[options]\ncron_workers = 1\n", 18), Rule::RenamedKey).contains("max_cron_threads")
    );
    assert_eq!(key("debug_mode", 18), one("renamed-key"));
    assert_eq!(key("x-sendfile", 18), one("renamed-key"));
    assert_eq!(key("xmlrpcs", 14), one("removed-key"));
    assert_eq!(key("limit-time-cpu", 18), one("hyphenated-key"));
    assert!(
        message(&run("[options]\nlimit-time-cpu = 1\n", 18), Rule::HyphenatedKey)
            .contains("`limit_time_cpu`")
    );
    assert_eq!(key("no_such_option", 18), one("unknown-key"));
    assert_eq!(key("osv_memory_age_limit", 14), one("renamed-key"));
    assert_eq!(key("osv_memory_age_limit", 17), one("renamed-key"));
    // 19.0 stopped reading some keys from the file without a successor.
    assert_eq!(
        found(&run("[options]\ntest_enable = True\n", 19)),
        one("removed-key")
    );
    assert!(run("[options]\ntest_enable = True\n", 18).findings.is_empty());
    // Keys of addon sections are the addon's business.
    assert!(run("[options]\n[queue_job]\nno_such_option = 1\n", 18)
        .findings
        .is_empty());
}

#[test]
fn zero_time_limits_depend_on_workers() {
    let r = run(
        "[options]\nworkers = 4\nlimit_time_cpu = 0\nlimit_time_real = -1\n",
        18,
    );
    assert_eq!(
        found(&r),
        vec![
            (Some(3), "zero-time-limit", Severity::Error),
            (Some(4), "zero-time-limit", Severity::Error),
        ]
    );
    assert!(run("[options]\nworkers = 0\nlimit_time_cpu = 0\n", 18)
        .findings
        .is_empty());
    assert!(
        run("[options]\nlimit_time_cpu = 0\n", 18).findings.is_empty(),
        "default: threaded"
    );
    let r = run("[options]\nworkers = many\nlimit_time_real = 0\n", 18);
    assert_eq!(at(&r, Rule::ZeroTimeLimit, Some(3)), W);
    // `False` is 0 up to 18.0, the default on 19.0.
    let text = "[options]\nworkers = 2\nlimit_time_cpu = False\n";
    assert_eq!(at(&run(text, 18), Rule::ZeroTimeLimit, Some(3)), E);
    assert!(!has(&run(text, 19), Rule::ZeroTimeLimit));
    let r = run("[options]\nworkers = 2\nlimit_request = 0\n", 16);
    assert_eq!(
        found(&r),
        vec![(Some(3), "zero-limit-request", Severity::Warning)]
    );
    assert!(run("[options]\nlimit_request = 0\n", 16).findings.is_empty());
}

#[test]
fn soft_above_hard_with_defaults_and_gevent() {
    let r = run(
        "[options]\nlimit_memory_soft = 3000000000\nlimit_memory_hard = 3000000000\n",
        18,
    );
    assert_eq!(found(&r), vec![(Some(2), "soft-above-hard", Severity::Error)]);
    // Against the default hard limit (2560 MiB).
    let r = run("[options]\nlimit_memory_soft = 2684354560\n", 16);
    assert_eq!(at(&r, Rule::SoftAboveHard, Some(2)), E);
    assert!(message(&r, Rule::SoftAboveHard).contains("the default"));
    // A hard limit below the default soft one (2048 MiB), reported on the hard limit's line.
    let r = run("[options]\nlimit_memory_hard = 1073741824\n", 16);
    assert_eq!(at(&r, Rule::SoftAboveHard, Some(2)), E);
    assert!(run(
        "[options]\nlimit_memory_soft = 629145600\nlimit_memory_hard = 1677721600\n",
        18
    )
    .findings
    .is_empty());
    // A disabled hard limit has no soft limit above it.
    assert!(run("[options]\nlimit_memory_hard = 0\n", 18).findings.is_empty());
    // The gevent pair on 18.0+, each falling back to its non-gevent option.
    let text = "[options]\nlimit_memory_hard_gevent = 1073741824\n";
    assert_eq!(at(&run(text, 18), Rule::SoftAboveHard, Some(2)), E);
    assert!(!has(&run(text, 17), Rule::SoftAboveHard));
    let text = "[options]\nlimit_memory_soft_gevent = 536870912\nlimit_memory_hard_gevent = 1073741824\n";
    assert!(run(text, 19).findings.is_empty());
}

#[test]
fn single_worker() {
    assert_eq!(
        found(&run("[options]\nworkers = 1\n", 18)),
        vec![(Some(2), "single-worker", Severity::Warning)]
    );
    // `True` is the integer 1 up to 18.0 (and `True == 1` in Python).
    assert!(has(&run("[options]\nworkers = True\n", 18), Rule::SingleWorker));
    assert!(!has(&run("[options]\nworkers = 2\n", 18), Rule::SingleWorker));
    assert!(!has(&run("[options]\n", 18), Rule::SingleWorker));
}

#[test]
fn log_handler_format() {
    let r = run("[options]\nlog_handler = [':INFO']\n", 18);
    assert_eq!(found(&r), vec![(Some(2), "log-handler-repr", Severity::Warning)]);
    assert!(message(&r, Rule::LogHandlerRepr).contains("\"[':INFO']\""));
    let r = run("[options]\nlog_handler = []\n", 18);
    assert_eq!(found(&r), vec![(Some(2), "log-handler-format", Severity::Error)]);
    // A trailing comma is an empty item: fatal up to 18.0, dropped by 19.0.
    let text = "[options]\nlog_handler = :INFO,\n";
    assert_eq!(at(&run(text, 18), Rule::LogHandlerFormat, Some(2)), E);
    assert!(run(text, 19).findings.is_empty());
    let text = "[options]\nlog_handler = :INFO,werkzeug:warning\n";
    assert_eq!(at(&run(text, 19), Rule::LogHandlerFormat, Some(2)), E);
    let text = "[options]\nlog_handler = a:b:c\n";
    assert_eq!(at(&run(text, 16), Rule::LogHandlerFormat, Some(2)), E);
    let r = run("[options]\nlog_handler = :INFO,odoo:VERBOSE\n", 18);
    assert_eq!(
        found(&r),
        vec![(Some(2), "log-handler-format", Severity::Warning)]
    );
    for ok in [":INFO", ":INFO,werkzeug:WARNING", " :DEBUG , odoo.sql_db:WARN "] {
        assert!(
            run(&format!("[options]\nlog_handler = {ok}\n"), 18)
                .findings
                .is_empty(),
            "{ok}"
        );
    }
    assert_eq!(
        at(
            &run("[options]\nlog_handler = False\n", 18),
            Rule::LogHandlerFormat,
            Some(2)
        ),
        E
    );
    assert_eq!(
        at(
            &run("[options]\nlog_handler = None\n", 19),
            Rule::LogHandlerFormat,
            Some(2)
        ),
        E
    );
    // 19.0 skips False for the default handlers.
    assert_eq!(
        found(&run("[options]\nlog_handler = False\n", 19)),
        vec![(Some(2), "false-for-int", Severity::Warning)]
    );
}

#[test]
fn container_rules_need_the_limits() {
    let text = "[options]\nworkers = 8\nlimit_memory_hard = 4294967296\nhttp_interface = 127.0.0.1\n";
    let r = run(text, 18);
    assert!(r.findings.is_empty(), "{:?}", found(&r));
    let container_rules: Vec<Rule> = Rule::ALL
        .iter()
        .copied()
        .filter(|r| r.needs() != Needs::File)
        .collect();
    assert_eq!(r.skipped, container_rules);
    let ctx = Context {
        pg_max_connections: Some(100),
        ..container(18, 2.0, 2 * GIB)
    };
    let r = run_ctx(text, &ctx);
    assert!(r.skipped.is_empty());
    assert_eq!(
        found(&r),
        vec![
            (Some(2), "workers-above-cpu", Severity::Warning),
            (Some(2), "memory-oversubscribed", Severity::Warning),
            (Some(2), "db-maxconn-over-pg", Severity::Warning),
            (Some(3), "hard-limit-above-container", Severity::Error),
            (Some(4), "http-interface", Severity::Warning),
        ]
    );
    // Only the CPU: the memory rules stay skipped.
    let cpu_only = Context {
        cpus: Some(2.0),
        ..Context::new(v(18))
    };
    let r = run_ctx(text, &cpu_only);
    assert!(r.skipped.contains(&Rule::HardLimitAboveContainer));
    assert!(has(&r, Rule::WorkersAboveCpu) && !has(&r, Rule::HardLimitAboveContainer));
}

#[test]
fn hard_limit_against_the_container() {
    let ctx = |major| container(major, 4.0, 2 * GIB);
    // The default 2560 MiB is above 2 GiB: reported for the file as a whole.
    let r = run_ctx("[options]\nworkers = 2\n", &ctx(18));
    assert_eq!(at(&r, Rule::HardLimitAboveContainer, None), E);
    assert!(message(&r, Rule::HardLimitAboveContainer).contains("not set"));
    assert!(!has(
        &run_ctx("[options]\n", &container(18, 4.0, 4 * GIB)),
        Rule::HardLimitAboveContainer
    ));
    assert!(!has(
        &run_ctx("[options]\nlimit_memory_hard = 1677721600\n", &ctx(18)),
        Rule::HardLimitAboveContainer
    ));
    assert_eq!(
        at(
            &run_ctx("[options]\nlimit_memory_hard = 2147483648\n", &ctx(18)),
            Rule::HardLimitAboveContainer,
            Some(2)
        ),
        E
    );
    // 0 and (up to 18.0) False disable the limit; on 19.0 False is the default 2560 MiB.
    for (text, major) in [("0", 18), ("0", 19), ("False", 18), ("False", 19)] {
        let r = run_ctx(&format!("[options]\nlimit_memory_hard = {text}\n"), &ctx(major));
        assert_eq!(
            at(&r, Rule::HardLimitAboveContainer, Some(2)),
            E,
            "{text} on {major}"
        );
    }
    let r = run_ctx("[options]\nlimit_memory_hard = False\n", &ctx(18));
    assert!(message(&r, Rule::HardLimitAboveContainer).contains("disables"));
    // The gevent process's own hard limit, in multi-process mode on 18.0+.
    let text =
        "[options]\nworkers = 2\nlimit_memory_hard = 1677721600\nlimit_memory_hard_gevent = 3221225472\n";
    assert_eq!(
        at(&run_ctx(text, &ctx(18)), Rule::HardLimitAboveContainer, Some(4)),
        E
    );
    assert!(!has(&run_ctx(text, &ctx(17)), Rule::HardLimitAboveContainer));
}

#[test]
fn cpu_rules() {
    let ctx = |cpus| container(18, cpus, 64 * GIB);
    // (2 × 2) + 1 = 5 processes.
    assert!(!has(
        &run_ctx("[options]\nworkers = 4\nmax_cron_threads = 1\n", &ctx(2.0)),
        Rule::WorkersAboveCpu
    ));
    let r = run_ctx("[options]\nworkers = 4\n", &ctx(2.0));
    assert_eq!(
        at(&r, Rule::WorkersAboveCpu, Some(2)),
        W,
        "default max_cron_threads is 2"
    );
    assert!(message(&r, Rule::WorkersAboveCpu).contains("= 6 processes"));
    // 1.5 CPUs: (2 × 1.5) + 1 = 4.
    assert!(has(
        &run_ctx("[options]\nworkers = 4\nmax_cron_threads = 1\n", &ctx(1.5)),
        Rule::WorkersAboveCpu
    ));
    // The threaded server on 2 CPUs or more.
    let r = run_ctx("[options]\n", &ctx(2.0));
    assert_eq!(at(&r, Rule::ThreadedMode, None), W);
    assert_eq!(
        at(
            &run_ctx("[options]\nworkers = 0\n", &ctx(2.0)),
            Rule::ThreadedMode,
            Some(2)
        ),
        W
    );
    assert!(!has(&run_ctx("[options]\n", &ctx(1.5)), Rule::ThreadedMode));
    assert!(!has(
        &run_ctx("[options]\nworkers = 2\n", &ctx(2.0)),
        Rule::ThreadedMode
    ));
    // An unreadable workers value: no guess.
    assert!(!has(
        &run_ctx("[options]\nworkers = x\n", &ctx(2.0)),
        Rule::ThreadedMode
    ));
}

#[test]
fn memory_estimate_is_the_plans() {
    let knobs = Knobs::default();
    for (workers, cron, memory) in [
        (0u32, 2u32, 4 * GIB),
        (2, 1, 4 * GIB),
        (8, 1, 8 * GIB),
        (16, 2, 32 * GIB),
    ] {
        let input = PlanInput {
            budget: Budget {
                cpus: 4.0,
                memory_bytes: memory,
            },
            version: v(18),
            knobs: knobs.clone(),
            pins: vec![
                pin("workers", workers),
                pin("max_cron_threads", cron),
                pin("db_maxconn", 16),
            ],
            current: BTreeMap::new(),
        };
        let estimate = plan::plan(&input).expect("plan").estimate;
        assert_eq!(
            plan::estimated_ram(&knobs, workers, cron),
            estimate.ram_bytes,
            "{workers}+{cron}"
        );
        let gevent = if workers > 0 { 16 } else { 0 };
        assert_eq!(
            plan::worst_case_connections(workers, cron, 16, gevent),
            estimate.postgres_connections,
            "{workers}+{cron}"
        );
    }
    // 8 + 2 workers ≈ 3.6 GiB: over 2 GiB, under 4 GiB.
    let text = "[options]\nworkers = 8\nmax_cron_threads = 2\nlimit_memory_hard = 1073741824\n";
    assert_eq!(
        at(
            &run_ctx(text, &container(18, 16.0, 2 * GIB)),
            Rule::MemoryOversubscribed,
            Some(2)
        ),
        W
    );
    assert!(!has(
        &run_ctx(text, &container(18, 16.0, 4 * GIB)),
        Rule::MemoryOversubscribed
    ));
}

fn pin(key: &str, value: u32) -> Pin {
    Pin {
        key: key.to_string(),
        value: value.to_string(),
        origin: "test".to_string(),
        from_environment: false,
    }
}

#[test]
fn postgres_connections() {
    let pg = |max| Context {
        pg_max_connections: Some(max),
        ..Context::new(v(18))
    };
    // (4 + 1) × 16 + 16 + 1 = 97: fits 100 − 3 exactly.
    let text = "[options]\nworkers = 4\nmax_cron_threads = 1\ndb_maxconn = 16\n";
    assert!(!has(&run_ctx(text, &pg(100)), Rule::DbMaxconnOverPg));
    let r = run_ctx(text, &pg(99));
    assert_eq!(at(&r, Rule::DbMaxconnOverPg, Some(4)), W);
    assert!(message(&r, Rule::DbMaxconnOverPg).contains("97 PostgreSQL connections"));
    // db_maxconn_gevent counts from 17.0 only.
    let text = "[options]\nworkers = 4\nmax_cron_threads = 1\ndb_maxconn = 16\ndb_maxconn_gevent = 2\n";
    assert!(!has(&run_ctx(text, &pg(90)), Rule::DbMaxconnOverPg));
    assert!(has(
        &run_ctx(
            text,
            &Context {
                version: v(16),
                ..pg(90)
            }
        ),
        Rule::DbMaxconnOverPg
    ));
    // Threaded: one pool plus the cron LISTEN connection.
    assert!(!has(&run_ctx("[options]\n", &pg(68)), Rule::DbMaxconnOverPg));
    assert!(has(&run_ctx("[options]\n", &pg(67)), Rule::DbMaxconnOverPg));
}

#[test]
fn http_interface_in_a_container() {
    let ctx = |major| Context {
        memory_bytes: Some(8 * GIB),
        ..Context::new(v(major))
    };
    for ok in ["0.0.0.0", "::"] {
        assert!(!has(
            &run_ctx(&format!("[options]\nhttp_interface = {ok}\n"), &ctx(19)),
            Rule::HttpInterface
        ));
    }
    let r = run_ctx("[options]\nhttp_interface = 127.0.0.1\n", &ctx(18));
    assert_eq!(at(&r, Rule::HttpInterface, Some(2)), W);
    // Empty means every interface up to 18.0; 19.0 warns that 20.0 will listen on 127.0.0.1.
    assert!(!has(
        &run_ctx("[options]\nhttp_interface =\n", &ctx(18)),
        Rule::HttpInterface
    ));
    assert!(!has(&run_ctx("[options]\n", &ctx(18)), Rule::HttpInterface));
    assert_eq!(
        at(
            &run_ctx("[options]\nhttp_interface =\n", &ctx(19)),
            Rule::HttpInterface,
            Some(2)
        ),
        W
    );
    assert_eq!(
        at(&run_ctx("[options]\n", &ctx(19)), Rule::HttpInterface, None),
        W
    );
}

#[test]
fn secrets_never_appear() {
    let secrets = [
        "hunter2-admin",
        "rotated-note",
        "pg-secret-value",
        "smtp-secret-value",
        "swallowed-host-value",
        "api-token-value",
        "ldap-secret-value",
        "proxy-token-value",
        "early-secret",
    ];
    let text = "db_password = early-secret\n[options]\nadmin_passwd = hunter2-admin ; rotated-note\ndb_password:\n    pg-secret-value\nsmtp_password = smtp-secret-value\n    db_host = swallowed-host-value\napi_token = api-token-value\nldap-password = ldap-secret-value\nproxy_access_token = proxy-token-value\n[DEFAULT]\nsmtp_password = smtp-secret-value ; x\n";
    for major in 12..=19 {
        let ctx = Context {
            pg_max_connections: Some(10),
            ..container(major, 1.0, GIB)
        };
        let r = run_ctx(text, &ctx);
        assert!(!r.findings.is_empty());
        for f in &r.findings {
            for secret in secrets {
                assert!(
                    !f.message.contains(secret) && !f.fix.contains(secret),
                    "{secret} in {f:?}"
                );
            }
        }
    }
}

#[test]
fn findings_are_sorted_file_wide_last() {
    let r = run_ctx(
        "[options]\nworkers = 1\nlimit_time_real = 0\nlog_handler = [':INFO']\n",
        &container(18, 4.0, 2 * GIB),
    );
    let lines: Vec<Option<usize>> = r.findings.iter().map(|f| f.line).collect();
    assert_eq!(lines, vec![Some(2), Some(3), Some(4), None]);
    assert_eq!(r.errors(), 2);
    assert_eq!(r.warnings(), 2);
}

#[test]
fn rule_ids_are_unique_kebab_case_and_documented() {
    let docs = include_str!("../../docs/lint.md");
    let mut seen = std::collections::BTreeSet::new();
    for rule in Rule::ALL {
        let id = rule.id();
        assert!(seen.insert(id), "duplicate {id}");
        assert!(
            id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{id}"
        );
        assert!(
            docs.contains(&format!("### `{id}`")),
            "docs/lint.md lacks a section for {id}"
        );
        assert!(!rule.summary().is_empty());
    }
    assert_eq!(Rule::ALL.len(), seen.len());
}

#[test]
fn shown_is_python_repr_and_masks_secrets() {
    assert_eq!(shown("workers", "4 ; four"), "'4 ; four'");
    assert_eq!(shown("log_handler", "[':INFO']"), "\"[':INFO']\"");
    assert_eq!(shown("x", "a'b\"c\n"), "'a\\'b\"c\\n'");
    assert_eq!(shown("db_password", "hunter2"), "'********'");
    assert_eq!(shown("db_password", ""), "''");
}
