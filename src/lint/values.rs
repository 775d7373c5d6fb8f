//! Rules about `[options]` values: casts Odoo refuses, flags it reads differently from what was meant,
//! `False` for numbers on 19.0, log_handler syntax, and settings that break the multi-process server
//! (time limits, memory limits, a single worker). Casts are [`crate::odoo::cast`], per version.
//!
//! Must not: use the container's limits (that is `container`).

use super::{shown, Findings, IntValue, OptionEntry, Rule, Severity, View};
use crate::limits::quantity::HumanBytes;
use crate::odoo::{cast, Cast, Default, Kind, OdooVersion};

pub(super) fn check(view: &View<'_>, out: &mut Findings) {
    for option in &view.options {
        casts(view, option, out);
    }
    log_handler(view, out);
    multi_process(view, out);
    memory_limits(view, out);
}

fn casts(view: &View<'_>, option: &OptionEntry<'_>, out: &mut Findings) {
    let key = option.key;
    let Some(spec) = view.read_spec(key) else {
        return;
    };
    let version = view.version;
    let meant = option.meant();
    let line = Some(option.line());
    // Formatted only for a finding (most options have none).
    let value = || shown(key, &meant);
    if spec.kind == Kind::Flag {
        return flag(view, option, out);
    }
    match spec.cast(version, &meant) {
        // Python's int() has no size limit; only odoo-sizer's i64 does: Odoo accepts the value.
        Err(e) if e.why.contains("too large for odoo-sizer") => {}
        Err(e) => {
            let (rule, what) = match spec.kind {
                Kind::Int => (Rule::InvalidInt, "an integer"),
                Kind::Float => (Rule::InvalidFloat, "a number"),
                _ => (Rule::InvalidChoice, "one of its choices"),
            };
            // Odoo's own message, to find in its log; it names the value, so never for a secret.
            // For numbers, the cast appends odoo-sizer's reason in parentheses: not Odoo's words.
            let odoo_says = match spec.kind {
                Kind::Int | Kind::Float => e.why.rfind(" (").and_then(|at| e.why.get(..at)),
                _ => Some(e.why.as_str()),
            };
            let why = match odoo_says {
                Some(text) if !option.is_secret() => format!(": \"{text}\""),
                _ => String::new(),
            };
            let fix = match spec.kind {
                Kind::Choice(choices) => format!("write one of: {}", choices.join(", ")),
                Kind::Int => "write a whole number in decimal (e.g. `4`)".to_string(),
                _ => "write a number with a dot for decimals (e.g. `1.5`)".to_string(),
            };
            out.push(
                rule,
                Severity::Error,
                line,
                Some(key),
                format!(
                    "`{key}` must be {what}: Odoo {version} refuses {shown_value} and does not start{why}",
                    shown_value = value()
                ),
                fix,
            );
        }
        Ok(Cast::Default) => false_for_number(view, option, out),
        Ok(_) => {}
    }
}

/// Flags: up to 18.0 never cast (any non-empty text is ON, only `True/true/False/false` are booleans);
/// 19.0 accepts 1/yes/true/on and 0/no/false/off, case-insensitive, and refuses anything else.
fn flag(view: &View<'_>, option: &OptionEntry<'_>, out: &mut Findings) {
    let key = option.key;
    let version = view.version;
    let meant = option.meant();
    let line = Some(option.line());
    // Formatted only for a finding (most options have none).
    let value = || shown(key, &meant);
    let Some(spec) = view.read_spec(key) else {
        return;
    };
    if !version.uses_optparse_casts() {
        if spec.cast(version, &meant).is_err() {
            out.push(
                Rule::InvalidBool,
                Severity::Error,
                line,
                Some(key),
                format!("`{key}` is a flag: Odoo {version} accepts 1/yes/true/on or 0/no/false/off and refuses {shown_value} at start", shown_value = value()),
                "write True or False".to_string(),
            );
        }
        return;
    }
    if matches!(meant.as_ref(), "True" | "true" | "False" | "false") {
        return;
    }
    // What the text means to a reader: 19.0's boolean cast (1/yes/true/on, 0/no/false/off, None), which
    // up to 18.0 is just non-empty text.
    let intent = match cast::cast(key, Kind::Flag, OdooVersion::V19, &meant) {
        Ok(Cast::Bool(b)) => Some(b),
        Ok(Cast::None) => Some(false),
        _ => None,
    };
    if meant.is_empty() {
        out.push(
            Rule::InvalidBool,
            Severity::Warning,
            line,
            Some(key),
            format!("`{key}` is empty: Odoo {version} reads that as OFF, but Odoo 19.0 refuses it"),
            "write False".to_string(),
        );
    } else if intent == Some(true) {
        out.push(
            Rule::InvalidBool,
            Severity::Warning,
            line,
            Some(key),
            format!("`{key}` is ON, but only because Odoo {version} never casts flags and any non-empty text, {shown_value} included, is ON", shown_value = value()),
            "write True".to_string(),
        );
    } else if intent == Some(false) {
        let (rule, effect) = if key == "proxy_mode" {
            (
                Rule::ProxyModeFlag,
                ": Odoo then trusts the X-Forwarded-For/-Host/-Proto headers of every request, which clients can forge when no reverse proxy overwrites them",
            )
        } else {
            (Rule::InvalidBool, "")
        };
        out.push(
            rule,
            Severity::Error,
            line,
            Some(key),
            format!("`{key}` is ON although {shown_value} looks like OFF: Odoo {version} never casts flags, and any non-empty text is ON{effect}", shown_value = value()),
            "write False".to_string(),
        );
    } else {
        out.push(
            Rule::InvalidBool,
            Severity::Error,
            line,
            Some(key),
            format!("`{key}` is a flag and {shown_value} is not True or False: Odoo {version} never casts flags, so it reads any non-empty text as ON (and Odoo 19.0 refuses this one)", shown_value = value()),
            "write True or False".to_string(),
        );
    }
}

/// 19.0 skips `False` for a non-boolean option and uses the default; up to 18.0 it was the boolean
/// False, i.e. 0 / nothing. Reported when the two differ.
fn false_for_number(view: &View<'_>, option: &OptionEntry<'_>, out: &mut Findings) {
    let key = option.key;
    let version = view.version;
    let Some(spec) = view.read_spec(key) else {
        return;
    };
    let (default, fix) = match spec.default_in(version) {
        Default::Int(0) | Default::Unset | Default::Str("") => return,
        Default::Float(0.0) => return,
        Default::Int(d) if key.starts_with("limit_memory") => (
            format!("{d} ({})", HumanBytes(d.max(0) as u64)),
            "write 0 to disable it, or a number".to_string(),
        ),
        Default::Int(d) => (d.to_string(), "write 0 for 0, or the number you want".to_string()),
        Default::Float(f) => (f.to_string(), "write 0 for 0, or the number you want".to_string()),
        Default::Bool(b) => (
            if b { "True" } else { "False" }.to_string(),
            "write the value you want".to_string(),
        ),
        Default::Str(s) => (
            format!("'{s}'"),
            "write the value you want, or remove the line".to_string(),
        ),
        Default::Computed(how) => (
            how.to_string(),
            "write the value you want, or remove the line".to_string(),
        ),
    };
    out.push(
        Rule::FalseForInt,
        Severity::Warning,
        Some(option.line()),
        Some(key),
        format!(
            "Odoo {version} skips `{key} = False` (it is not a boolean option) and uses the default {default}; up to 18.0 {}",
            match spec.kind {
                Kind::Int | Kind::Float => "False meant 0 (off)",
                _ => "it was the boolean False",
            }
        ),
        fix,
    );
}

/// Python's `str.strip()`.
fn py_strip(s: &str) -> &str {
    crate::conf::pychar::strip_str(s)
}

/// `log_handler`: up to 18.0 `value.split(',')` (empty items kept), 19.0 the stripped non-empty items;
/// then `netsvc.init_logger` does `loggername, level = item.strip().split(':')` and
/// `logger.setLevel(getattr(logging, level, logging.INFO))`, and 19.0's `_deduplicate_loggers` also
/// `dict(item.split(':'))` — so every item needs exactly one `:`, and a level that names a function of
/// the `logging` module (`warning`, `debug`...) fails in `setLevel`.
fn log_handler(view: &View<'_>, out: &mut Findings) {
    let Some(option) = view.option("log_handler") else {
        return;
    };
    if view.read_spec("log_handler").is_none() {
        return;
    }
    let version = view.version;
    let raw = option.raw;
    if version.uses_optparse_casts() && matches!(raw, "True" | "true" | "False" | "false") {
        // `load()` makes it a boolean, which `_parse_config` cannot split: Odoo fails at start.
        out.push(
            Rule::LogHandlerFormat,
            Severity::Error,
            Some(option.line()),
            Some("log_handler"),
            format!("Odoo {version} reads {} as a boolean, which it cannot split into loggers, and does not start", shown("log_handler", raw)),
            "write `logger:LEVEL,logger:LEVEL` (e.g. `:INFO,werkzeug:WARNING`), or remove the line".to_string(),
        );
        return;
    }
    if !version.uses_optparse_casts() && matches!(raw, "False" | "false") {
        // Skipped for the default (`false-for-int` says so).
        return;
    }
    if !version.uses_optparse_casts() && raw == "None" {
        // 19.0 parses `None` as None, then unpacks it with the other sources' handlers: TypeError.
        out.push(
            Rule::LogHandlerFormat,
            Severity::Error,
            Some(option.line()),
            Some("log_handler"),
            format!("Odoo {version} reads 'None' as no list at all and fails at start when it merges the log handlers (TypeError)"),
            "write `logger:LEVEL,logger:LEVEL` (e.g. `:INFO,werkzeug:WARNING`), or remove the line".to_string(),
        );
        return;
    }
    let items: Vec<&str> = if version.uses_optparse_casts() {
        raw.split(',').collect()
    } else {
        raw.split(',').filter(|s| !py_strip(s).is_empty()).collect()
    };
    let repr = {
        let v = py_strip(raw);
        v.starts_with('[') && v.ends_with(']')
    };
    let mut broken = Vec::new();
    let mut unknown_levels = Vec::new();
    for item in &items {
        let item = py_strip(item);
        let parts: Vec<&str> = item.split(':').collect();
        match parts.as_slice() {
            [_, level] => match level_kind(level) {
                Level::Valid => {}
                Level::Function => broken.push(format!(
                    "{}: `{level}` names a function of Python's logging module, not a level (levels are upper-case)",
                    shown("log_handler", item)
                )),
                Level::Unknown => unknown_levels.push(level.to_string()),
            },
            _ => broken.push(format!(
                "{} has {} `:` instead of one",
                shown("log_handler", item),
                parts.len().saturating_sub(1)
            )),
        }
    }
    let line = Some(option.line());
    if !broken.is_empty() {
        out.push(
            Rule::LogHandlerFormat,
            Severity::Error,
            line,
            Some("log_handler"),
            format!(
                "Odoo {version} splits log_handler at commas into `logger:LEVEL` items and does not start (ValueError/TypeError while setting up logging){}: {}",
                if repr { "; this is a Python list repr" } else { "" },
                broken.join("; ")
            ),
            "write `logger:LEVEL` items separated by commas, levels in upper case, no trailing comma (e.g. `:INFO,werkzeug:WARNING`)".to_string(),
        );
    } else if repr {
        out.push(
            Rule::LogHandlerRepr,
            Severity::Warning,
            line,
            Some("log_handler"),
            format!("{} is the repr of a Python list, not `logger:LEVEL,...`: Odoo {version} sets the level of loggers named like `['` and ignores the intended ones", shown("log_handler", raw)),
            "write the items without brackets and quotes, e.g. `log_handler = :INFO`".to_string(),
        );
    } else if !unknown_levels.is_empty() {
        out.push(
            Rule::LogHandlerFormat,
            Severity::Warning,
            line,
            Some("log_handler"),
            format!(
                "unknown log level{} {}: Odoo {version} silently uses INFO instead",
                if unknown_levels.len() > 1 { "s" } else { "" },
                unknown_levels.join(", ")
            ),
            "use CRITICAL, ERROR, WARNING, INFO, DEBUG or NOTSET".to_string(),
        );
    }
}

enum Level {
    Valid,
    /// `getattr(logging, level)` is a function: `setLevel` raises TypeError.
    Function,
    /// Not an attribute: `getattr` falls back to INFO.
    Unknown,
}

fn level_kind(level: &str) -> Level {
    match level {
        "CRITICAL" | "FATAL" | "ERROR" | "WARNING" | "WARN" | "INFO" | "DEBUG" | "NOTSET" => Level::Valid,
        "critical" | "fatal" | "error" | "warning" | "warn" | "info" | "debug" | "exception" | "log" => {
            Level::Function
        }
        _ => Level::Unknown,
    }
}

/// Rules of the multi-process (prefork) server: time limits, limit_request and the PDF worker count.
fn multi_process(view: &View<'_>, out: &mut Findings) {
    let version = view.version;
    let workers = view.int("workers");
    let prefork = match workers.value() {
        Some(w) if w > 0 => Some(true),
        Some(_) => Some(false),
        None => None,
    };
    for key in ["limit_time_cpu", "limit_time_real"] {
        let IntValue::Set { value, line } = view.int(key) else {
            continue;
        };
        if value > 0 {
            continue;
        }
        let effect = if key == "limit_time_cpu" {
            "each worker sets RLIMIT_CPU to the CPU time it has already used, so the kernel kills it at its first request"
        } else {
            "the master's watchdog finds every worker over the limit and kills the workers in a loop"
        };
        match prefork {
            Some(true) => out.push(
                Rule::ZeroTimeLimit,
                Severity::Error,
                Some(line),
                Some(key),
                format!("{key} = {value} is not \"unlimited\" in multi-process mode (workers = {}): {effect}", workers.value().unwrap_or(0)),
                format!("set a positive number of seconds (Odoo {version}'s default: {})", default_of(view, key)),
            ),
            None => out.push(
                Rule::ZeroTimeLimit,
                Severity::Warning,
                Some(line),
                Some(key),
                format!("{key} = {value} is not \"unlimited\" in multi-process mode; if `workers` is meant to be above 0: {effect}"),
                format!("set a positive number of seconds (Odoo {version}'s default: {})", default_of(view, key)),
            ),
            Some(false) => {}
        }
    }
    if let (Some(true), IntValue::Set { value, line }) = (prefork, view.int("limit_request")) {
        if value <= 0 {
            out.push(
                Rule::ZeroLimitRequest,
                Severity::Warning,
                Some(line),
                Some("limit_request"),
                format!("limit_request = {value}: every worker is recycled (a new process forked) after each request"),
                format!("set a positive number (Odoo {version}'s default: {})", default_of(view, "limit_request")),
            );
        }
    }
    if let IntValue::Set { value: 1, line } = workers {
        out.push(
            Rule::SingleWorker,
            Severity::Warning,
            Some(line),
            Some("workers"),
            "workers = 1: Odoo refuses to print PDF reports with fewer than 2 workers (\"at least two workers\")".to_string(),
            "set workers to 2 or more (or 0 for the threaded server)".to_string(),
        );
    }
}

fn default_of(view: &View<'_>, key: &str) -> String {
    view.read_spec(key)
        .and_then(|s| s.default_int(view.version))
        .map_or_else(|| "none".to_string(), |d| d.to_string())
}

/// `limit_memory_soft` must be below `limit_memory_hard` (each per process, virtual memory), and the
/// same for the gevent pair on 18.0+ (each unset one falls back to its non-gevent option).
fn memory_limits(view: &View<'_>, out: &mut Findings) {
    let soft = view.int("limit_memory_soft");
    let hard = view.int("limit_memory_hard");
    soft_above_hard(view, "limit_memory_soft", soft, "limit_memory_hard", hard, out);
    if view.version >= OdooVersion::V18 {
        let soft_g = view.int("limit_memory_soft_gevent");
        let hard_g = view.int("limit_memory_hard_gevent");
        if soft_g.in_file() || hard_g.in_file() {
            let fallback = |g: IntValue, base: IntValue| match g.value() {
                Some(_) => g,
                None if matches!(g, IntValue::Invalid { .. }) => g,
                None => base,
            };
            soft_above_hard(
                view,
                "limit_memory_soft_gevent",
                fallback(soft_g, soft),
                "limit_memory_hard_gevent",
                fallback(hard_g, hard),
                out,
            );
        }
    }
}

fn soft_above_hard(
    view: &View<'_>,
    soft_key: &str,
    soft: IntValue,
    hard_key: &str,
    hard: IntValue,
    out: &mut Findings,
) {
    let (Some(s), Some(h)) = (soft.value(), hard.value()) else {
        return;
    };
    if h <= 0 || s < h {
        return;
    }
    // Reported once, on whichever of the two is written (the soft one when both are).
    let (line, key) = match (soft.line(), hard.line()) {
        (Some(l), _) => (l, soft_key),
        (None, Some(l)) => (l, hard_key),
        (None, None) => return,
    };
    let origin = |v: IntValue| if v.in_file() { "" } else { ", the default" };
    out.push(
        Rule::SoftAboveHard,
        Severity::Error,
        Some(line),
        Some(key),
        format!(
            "{soft_key} ({}{}) is not below {hard_key} ({}{}) in Odoo {}: a process hits MemoryError at the hard limit before it can be recycled at the soft one",
            HumanBytes(s.max(0) as u64),
            origin(soft),
            HumanBytes(h as u64),
            origin(hard),
            view.version
        ),
        format!("set {soft_key} below {hard_key} (Odoo's defaults keep a 4:5 ratio, 2048/2560 MiB)"),
    );
}
