//! Cross-checks of lint's verdicts against python3: each case is read by Python's own `RawConfigParser`,
//! then cast the way Odoo casts it — up to 18.0 with the real optparse type checkers of the standard
//! library (`optparse.Option.TYPE_CHECKER`, what `odoo/tools/config.py` calls) after `load()`'s
//! True/False conversion; for 19.0 with the checks of its rewritten `configmanager.parse()`
//! (`int()`, `float()`, `_check_bool`, `optparse.check_choice`). log_handler values go through the
//! code of `netsvc.init_logger` (and 19.0's `_deduplicate_loggers`) with the real `logging` module.
//! Also checks that Python reads the lint fixtures as our parser does.

#[path = "conf_support.rs"]
mod support;

use odoo_sizer::conf::Document;
use odoo_sizer::lint::{lint, Context, Report, Rule, Severity};
use odoo_sizer::odoo::OdooVersion;
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const ORACLE: &str = r#"
import configparser, json, logging, optparse, sys

def read(text, key):
    p = configparser.RawConfigParser()
    p.read_string(text)
    return p.get('options', key)

def cast18(kind, value, choices):
    # configmanager.load(): exact booleans first, for every option
    if value in ('True', 'true'):
        return True
    if value in ('False', 'false'):
        return False
    if kind == 'flag':
        # store_true/store_false options have no type: _parse_config never casts them
        return value
    opt = optparse.Option('--x', dest='x', type=kind, choices=choices or None)
    return optparse.Option.TYPE_CHECKER[kind](opt, 'x', value)

def check_bool(value):
    if value.lower() in ('1', 'yes', 'true', 'on'):
        return True
    if value.lower() in ('0', 'no', 'false', 'off'):
        return False
    raise optparse.OptionValueError('invalid boolean value: %r' % value)

def cast19(kind, value, choices):
    # configmanager._load_file_options() and parse()
    if kind != 'flag' and value in ('False', 'false'):
        return 'SKIPPED'
    if value == 'None':
        return None
    if kind == 'flag':
        return check_bool(value)
    if kind == 'int':
        return int(value)
    if kind == 'float':
        return float(value)
    opt = optparse.Option('--x', dest='x', type='choice', choices=choices)
    return optparse.check_choice(opt, 'x', value)

def log_handler(family, value):
    if family == 18:
        if value in ('True', 'true'):
            value = True
        elif value in ('False', 'false'):
            value = False
        items = value.split(',')  # _parse_config (a bool has no split)
    else:
        if value == 'None':
            items = None
        elif value in ('False', 'false'):
            items = []  # skipped: the default
        else:
            items = [v for s in value.split(',') if (v := s.strip())]  # _check_comma
        # _postprocess_options: _deduplicate_loggers of default + file handlers
        items = ['{}:{}'.format(l, v) for l, v in dict(it.split(':') for it in [':INFO', *items]).items()]
    for item in items:  # netsvc.init_logger
        loggername, level = item.strip().split(':')
        level = getattr(logging, level, logging.INFO)
        logging.getLogger(loggername).setLevel(level)
    return items

out = []
for case in json.load(sys.stdin):
    value = read(case['text'], case['key'])
    try:
        if case['kind'] == 'log_handler':
            result = log_handler(case['family'], value)
        elif case['family'] == 18:
            result = cast18(case['kind'], value, case.get('choices'))
        else:
            result = cast19(case['kind'], value, case.get('choices'))
        out.append({'fails': False, 'type': type(result).__name__, 'truthy': bool(result), 'value': value})
    except Exception as e:
        out.append({'fails': True, 'error': type(e).__name__ + ': ' + str(e), 'value': value})
print(json.dumps(out))
"#;

fn python(cases: &[Value]) -> Vec<Value> {
    let mut child = Command::new("python3")
        .args(["-I", "-c", ORACLE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 is required for the cross-checks");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(serde_json::to_string(cases).expect("json").as_bytes())
        .expect("write to python");
    let out = child.wait_with_output().expect("python3 output");
    assert!(out.status.success(), "python3 failed");
    let answers: Vec<Value> = serde_json::from_slice(&out.stdout).expect("JSON from python");
    assert_eq!(answers.len(), cases.len());
    answers
}

const INT_VALUES: &[&str] = &[
    "4", " 4 ", "0", "-1", "+4", "0x10", "0X1f", "010", "08", "0o17", "0b11", "0b", "1_000", "_1", "1__0",
    "4.0", "1e3", "", "None", "True", "true", "TRUE", "False", "false", "four", "4 ; four", "4 # four",
    "4;four", "four ; 4", "; 4", "4\n  5",
];
const FLOAT_VALUES: &[&str] = &[
    "1", "1.5", " 1.5", ".5", "1.", "1e3", "1_0.5", "inf", "nan", "-0.25", "1,5", "", "None", "False",
    "True", "0x1", "1.5 ; h",
];
const CHOICE_VALUES: &[&str] = &[
    "info",
    "debug_sql",
    "INFO",
    "Info",
    "verbose",
    "",
    "None",
    "False",
    "info ; x",
];
const FLAG_VALUES: &[&str] = &[
    "True",
    "true",
    "TRUE",
    "False",
    "false",
    "FALSE",
    "1",
    "0",
    "yes",
    "no",
    "on",
    "off",
    "Yes",
    "OFF",
    "",
    "None",
    "maybe",
    "2",
    "False ; x",
    "True # y",
    "False\n  x",
];
const LOG_HANDLER_VALUES: &[&str] = &[
    ":INFO",
    ":INFO,werkzeug:WARNING",
    " :DEBUG , odoo.sql_db:WARN ",
    ":INFO,",
    ",:INFO",
    "werkzeug:WARNING,,odoo:INFO",
    "[':INFO']",
    "['werkzeug:WARNING', ':INFO']",
    "[]",
    "",
    ":INFO,werkzeug:warning",
    ":INFO,werkzeug:debug",
    "a:b:c",
    "odoo",
    "odoo:VERBOSE",
    "odoo: WARNING",
    "True",
    "False",
    "None",
    ":INFO,\n  werkzeug:WARNING",
    ":INFO,\n  werkzeug:WARNING\n  odoo:DEBUG",
    ":INFO ; default",
];

/// Lint's errors (each case's file holds one key, so all of them are about its value).
fn errors_on_value(report: &Report) -> Vec<&'static str> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.rule.id())
        .collect()
}

struct Case {
    kind: &'static str,
    key: &'static str,
    value: &'static str,
    choices: Option<&'static [&'static str]>,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let add = |cases: &mut Vec<Case>, kind, key, values: &[&'static str], choices| {
        for value in values {
            cases.push(Case {
                kind,
                key,
                value,
                choices,
            });
        }
    };
    const LEVELS: &[&str] = &[
        "info",
        "debug_rpc",
        "warn",
        "test",
        "critical",
        "runbot",
        "debug_sql",
        "error",
        "debug",
        "debug_rpc_answer",
        "notset",
    ];
    add(&mut cases, "int", "max_cron_threads", INT_VALUES, None);
    add(&mut cases, "float", "transient_age_limit", FLOAT_VALUES, None);
    add(&mut cases, "choice", "log_level", CHOICE_VALUES, Some(LEVELS));
    add(&mut cases, "flag", "list_db", FLAG_VALUES, None);
    add(&mut cases, "flag", "proxy_mode", FLAG_VALUES, None);
    add(&mut cases, "log_handler", "log_handler", LOG_HANDLER_VALUES, None);
    cases
}

fn text(case: &Case) -> String {
    format!("[options]\n{} = {}\n", case.key, case.value)
}

#[test]
fn casts_agree_with_python() {
    let cases = cases();
    let families = [(18u8, OdooVersion::V18), (19, OdooVersion::V19)];
    let requests: Vec<Value> = families
        .iter()
        .flat_map(|(family, _)| {
            cases.iter().map(move |c| {
                json!({"text": text(c), "key": c.key, "kind": c.kind, "family": family, "choices": c.choices})
            })
        })
        .collect();
    let answers = python(&requests);
    let mut answers = answers.iter();
    let mut checked = 0;
    for (family, version) in families {
        for case in &cases {
            let answer = answers.next().expect("an answer per case");
            let fails = answer["fails"].as_bool().expect("fails");
            // 14.0–18.0 share the optparse casts; check them all against the 18.0 family.
            let versions: Vec<OdooVersion> = if family == 18 {
                (14..=18).filter_map(OdooVersion::from_major).collect()
            } else {
                vec![version]
            };
            for version in versions {
                let doc = Document::parse(text(case).as_bytes());
                let report = lint(&doc, &Context::new(version));
                let errors = errors_on_value(&report);
                let what = format!(
                    "{} = {:?} on {version}: lint {:?}, python {answer}",
                    case.key, case.value, report.findings
                );
                match case.kind {
                    "log_handler" => {
                        let format_error = errors.contains(&"log-handler-format");
                        assert_eq!(format_error, fails, "{what}");
                    }
                    "flag" if family == 18 => {
                        assert!(!fails, "{what}");
                        let is_text = answer["type"] == "str";
                        let reported = !report.findings.is_empty();
                        assert_eq!(reported, is_text, "{what}");
                        // "read as ON although written as OFF": Python indeed holds a truthy text.
                        let said_on = report
                            .findings
                            .iter()
                            .any(|f| f.rule == Rule::ProxyModeFlag || f.message.contains("looks like OFF"));
                        if said_on {
                            assert!(is_text && answer["truthy"] == true, "{what}");
                        }
                        // A warning is only given when Odoo reads what was meant.
                        for f in report.findings.iter().filter(|f| f.severity == Severity::Warning) {
                            let meant_on = ["1", "yes", "true", "on"]
                                .contains(&case.value.to_ascii_lowercase().as_str());
                            assert_eq!(answer["truthy"] == true, meant_on, "{what}: {}", f.message);
                        }
                    }
                    _ => assert_eq!(!errors.is_empty(), fails, "{what}"),
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 500, "{checked}");
}

/// Python reads the lint fixtures exactly as our parser does.
#[test]
fn lint_fixtures_parse_like_python() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conf/lint");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    names.sort();
    assert!(names.len() >= 10);
    let inputs: Vec<Vec<u8>> = names.iter().map(|p| std::fs::read(p).expect("read")).collect();
    support::assert_agree(&inputs);
}
