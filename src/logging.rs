//! Logs on stderr (results go to stdout): `warning: ...` lines, colored only when stderr is a terminal,
//! `--color` allows it and `NO_COLOR` is not set (https://no-color.org). `--log-format json` writes one
//! JSON object per line for log collectors.
//!
//! Implemented as a `log` backend so that dependencies logging through `log` end up here too.
//! [`structured`] writes a line with fields (`watch`'s decisions): in JSON they are members of the
//! object, in text the message alone is shown.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

/// When to color stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ColorChoice {
    /// Color when stderr is a terminal and NO_COLOR is unset or empty.
    #[default]
    Auto,
    Always,
    Never,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Copy)]
struct StderrLogger {
    level: log::LevelFilter,
    color: bool,
    format: LogFormat,
}

/// The installed logger's settings, for [`structured`].
static INSTALLED: OnceLock<StderrLogger> = OnceLock::new();

impl StderrLogger {
    /// One line: `{"level", "target", "message", ...fields}` in JSON (a field never replaces those
    /// three), `label: message` in text.
    fn line(
        &self,
        level: log::Level,
        target: &str,
        message: &str,
        fields: Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> String {
        match self.format {
            LogFormat::Json => {
                let mut object = serde_json::Map::new();
                object.insert("level".into(), level.as_str().to_ascii_lowercase().into());
                object.insert("target".into(), target.into());
                object.insert("message".into(), message.into());
                for (key, value) in fields.into_iter().flatten() {
                    object.entry(key.clone()).or_insert_with(|| value.clone());
                }
                serde_json::Value::Object(object).to_string()
            }
            LogFormat::Text => {
                let (label, color) = match level {
                    log::Level::Error => ("error", "\x1b[1;31m"),
                    log::Level::Warn => ("warning", "\x1b[1;33m"),
                    log::Level::Info => ("info", "\x1b[1;36m"),
                    log::Level::Debug => ("debug", "\x1b[2m"),
                    log::Level::Trace => ("trace", "\x1b[2m"),
                };
                if self.color {
                    format!("{color}{label}\x1b[0m: {message}")
                } else {
                    format!("{label}: {message}")
                }
            }
        }
    }
}

/// Logs `message` with `fields` (a JSON object's members) at `level`, when that level is enabled:
/// `--log-format json` adds the fields to the line's object; text shows the message alone, so it
/// must say everything a person needs.
pub fn structured(
    level: log::Level,
    target: &str,
    message: &str,
    fields: &serde_json::Map<String, serde_json::Value>,
) {
    let Some(logger) = INSTALLED.get() else {
        return;
    };
    if level > logger.level {
        return;
    }
    let line = logger.line(level, target, message, Some(fields));
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        // Dependencies (bollard, hyper) only speak at -vv and above.
        metadata.level() <= self.level
            && (metadata.target().starts_with("odoo_sizer") || self.level >= log::LevelFilter::Debug)
    }

    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) || carries_a_body(record.target(), &record.args().to_string()) {
            return;
        }
        let line = self.line(record.level(), record.target(), &record.args().to_string(), None);
        // Nothing sensible can be done when stderr itself is gone.
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}

/// bollard logs whole bodies: every answer of the engine at debug level (`Decoded into string: ...`:
/// container environments, `ps` command lines with `--db_password`) and request bodies at trace level
/// (`request: ...`: the config file written back). They can hold secrets, so they are never shown.
fn carries_a_body(target: &str, message: &str) -> bool {
    target.starts_with("bollard")
        && (message.starts_with("Decoded into string") || message.starts_with("request: "))
}

/// Whether stderr should be colored for this choice and environment.
pub fn use_color(choice: ColorChoice, no_color: Option<&std::ffi::OsStr>, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => no_color.is_none_or(|v| v.is_empty()) && is_terminal,
    }
}

/// Installs the logger. `quiet` keeps errors only; each `-v` adds a level above warnings.
pub fn init(verbose: u8, quiet: bool, color: ColorChoice, format: LogFormat) {
    let level = if quiet {
        log::LevelFilter::Error
    } else {
        match verbose {
            0 => log::LevelFilter::Warn,
            1 => log::LevelFilter::Info,
            2 => log::LevelFilter::Debug,
            _ => log::LevelFilter::Trace,
        }
    };
    let color = use_color(
        color,
        std::env::var_os("NO_COLOR").as_deref(),
        std::io::stderr().is_terminal(),
    );
    // A second initialisation (tests calling commands repeatedly) keeps the first logger.
    let logger = StderrLogger { level, color, format };
    if log::set_boxed_logger(Box::new(logger)).is_ok() {
        log::set_max_level(level);
        let _ = INSTALLED.set(logger);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn engine_bodies_are_never_logged() {
        assert!(carries_a_body(
            "bollard::docker",
            "Decoded into string: {\"Env\":[\"PGPASSWORD=x\"]}"
        ));
        assert!(carries_a_body("bollard::docker", "request: b\"odoo.conf...\""));
        assert!(!carries_a_body(
            "bollard::docker",
            "unix://2f76/containers/x/json"
        ));
        assert!(!carries_a_body("odoo_sizer::commands", "Decoded into string"));
    }

    #[test]
    fn lines_with_fields() {
        let mut fields = serde_json::Map::new();
        fields.insert("container".into(), "odoo1".into());
        fields.insert("message".into(), "must not replace the message".into());
        fields.insert("changes".into(), serde_json::json!([{"key": "workers"}]));
        let json = StderrLogger {
            level: log::LevelFilter::Info,
            color: false,
            format: LogFormat::Json,
        };
        let line = json.line(log::Level::Info, "odoo_sizer::watch", "sized", Some(&fields));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["level"], "info");
        assert_eq!(v["target"], "odoo_sizer::watch");
        assert_eq!(v["message"], "sized");
        assert_eq!(v["container"], "odoo1");
        assert_eq!(v["changes"][0]["key"], "workers");
        assert!(!line.contains('\n'));
        let text = StderrLogger {
            format: LogFormat::Text,
            ..json
        };
        assert_eq!(
            text.line(log::Level::Warn, "t", "refused", Some(&fields)),
            "warning: refused"
        );
    }

    #[test]
    fn no_color_is_respected() {
        assert!(!use_color(ColorChoice::Auto, Some(OsStr::new("1")), true));
        assert!(use_color(ColorChoice::Auto, Some(OsStr::new("")), true));
        assert!(use_color(ColorChoice::Auto, None, true));
        assert!(!use_color(ColorChoice::Auto, None, false));
        assert!(use_color(ColorChoice::Always, Some(OsStr::new("1")), false));
        assert!(!use_color(ColorChoice::Never, None, true));
    }
}
