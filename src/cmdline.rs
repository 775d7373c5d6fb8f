//! Odoo's command line and environment, read the way Odoo reads them (pure: no I/O).
//!
//! Owns: finding Odoo's own arguments inside a container's command (`/entrypoint.sh odoo ...`,
//! `python3 odoo-bin ...`, `tini -- odoo ...`), parsing them with optparse's rules against the table of
//! Odoo's options ([`OPTIONS`]), and the Odoo 19 environment overrides (`ODOO_<OPTION>`, `PG*`).
//! Used by the Docker edge (`inspect`, `watch`) and by `init`.
//! Must not: read files, look at the process environment, or decide what a value should be.
//!
//! # How Odoo parses its command line (`odoo/tools/config.py`, 14.0–19.0, read from the source)
//! Odoo uses `optparse`:
//! - a long option takes its value as `--workers=4` or `--workers 4`; the next argument is taken as the
//!   value even when it starts with `-`;
//! - a short option takes `-c PATH` or `-cPATH`; short flags can be grouped (`-sc PATH`);
//! - a long option may be abbreviated to any unique prefix (`--work=4` is `--workers=4`);
//! - a flag given a value (`--proxy-mode=1`) is an error; `--` ends the options;
//! - the last occurrence wins, except `--log-handler` (and its shortcuts), which accumulate;
//! - arguments that are not options are left over (19 refuses them: "unrecognized parameters").
//!
//! The first argument, when it does not start with `-`, names an Odoo sub-command (`server` is the
//! default; `shell`, `start`, `db`, ...). Command-line hyphens do not map mechanically to config keys
//! (`--db-filter` is `dbfilter`, `--load` is `server_wide_modules`, `--no-http` is `http_enable =
//! False`): [`OPTIONS`] gives each option's key (optparse's `dest`).
//!
//! Odoo 19 also reads `ODOO_<KEY>` for every option that can be set in the file (and `PGHOST`,
//! `PGPORT`, `PGUSER`, `PGPASSWORD`, ... for the database options); those beat the file, the command
//! line beats them ([`env_overrides`]).

use serde::Serialize;

/// What an option does with the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    /// Takes exactly one value (`--workers 4`, `--workers=4`, `-c PATH`, `-cPATH`).
    Value,
    /// Takes a value, and every occurrence is kept (`--log-handler`).
    Append,
    /// Takes no value; sets the key to this constant (`--proxy-mode` → `True`, `--no-http` →
    /// `http_enable = False`).
    Flag(&'static str),
    /// Takes no value; appends this constant to the key (`--log-sql` → `log_handler`).
    AppendConst(&'static str),
    /// Takes a value only when the next argument does not start with `-` (19's `nargs='?'`,
    /// `--without-demo`); otherwise the constant.
    OptionalValue(&'static str),
    /// `--help`, `--version`: Odoo prints and exits; no key.
    Exit,
}

/// One of Odoo's options (the union of 14.0–19.0; where a version matters, `since`/`until` say so).
#[derive(Debug, Clone, Copy)]
pub struct OdooOption {
    /// Long spellings, with their leading `--` (empty for file-only options).
    pub long: &'static [&'static str],
    pub short: Option<char>,
    /// The key in `odoo.conf` / `odoo.tools.config` (optparse's `dest`).
    pub key: &'static str,
    pub arity: Arity,
    /// Can be written in odoo.conf (false for `--config`, `--init`, `--stop-after-init`, ...).
    pub in_file: bool,
    /// Odoo 19's environment variable when it is not `ODOO_<KEY>`; `Some("")` = none.
    pub env: Option<&'static str>,
    /// Holds a password or token: mask it in reports.
    pub secret: bool,
    /// Major versions where the option exists, when it is not every version 14–19.
    pub since: Option<u32>,
    pub until: Option<u32>,
}

const fn opt(
    long: &'static [&'static str],
    short: Option<char>,
    key: &'static str,
    arity: Arity,
) -> OdooOption {
    OdooOption {
        long,
        short,
        key,
        arity,
        in_file: true,
        env: None,
        secret: false,
        since: None,
        until: None,
    }
}

const fn value(long: &'static [&'static str], key: &'static str) -> OdooOption {
    opt(long, None, key, Arity::Value)
}

const fn flag(long: &'static [&'static str], key: &'static str, constant: &'static str) -> OdooOption {
    opt(long, None, key, Arity::Flag(constant))
}

impl OdooOption {
    const fn short(mut self, c: char) -> Self {
        self.short = Some(c);
        self
    }
    const fn cli_only(mut self) -> Self {
        self.in_file = false;
        self.env = Some("");
        self
    }
    const fn env(mut self, name: &'static str) -> Self {
        self.env = Some(name);
        self
    }
    const fn secret(mut self) -> Self {
        self.secret = true;
        self
    }
    const fn since(mut self, major: u32) -> Self {
        self.since = Some(major);
        self
    }
    const fn until(mut self, major: u32) -> Self {
        self.until = Some(major);
        self
    }
    const fn file_only(key: &'static str) -> Self {
        opt(&[], None, key, Arity::Value)
    }

    /// The environment variable Odoo 19 reads for this option, if any.
    pub fn env_name(&self) -> Option<String> {
        match self.env {
            Some("") => None,
            Some(name) => Some(name.to_string()),
            None if self.in_file => Some(format!("ODOO_{}", self.key.to_ascii_uppercase())),
            None => None,
        }
    }

    /// True when the option exists in this major version (unknown version: assume it does).
    pub fn exists_in(&self, major: Option<u32>) -> bool {
        match major {
            None => true,
            Some(m) => self.since.is_none_or(|s| m >= s) && self.until.is_none_or(|u| m <= u),
        }
    }

    fn takes_value(&self) -> bool {
        matches!(self.arity, Arity::Value | Arity::Append | Arity::OptionalValue(_))
    }
}

/// Every option of Odoo 14.0–19.0 (`odoo/tools/config.py`), with the key it sets and whether it takes a
/// value. Options that take a value: everything marked [`Arity::Value`]/[`Arity::Append`]; flags:
/// [`Arity::Flag`]/[`Arity::AppendConst`]/[`Arity::Exit`]. File-only options (no command-line
/// spelling) are listed for the Odoo 19 environment overrides.
pub const OPTIONS: &[OdooOption] = &[
    // optparse's own
    opt(&["--help"], Some('h'), "", Arity::Exit).cli_only(),
    opt(&["--version"], None, "", Arity::Exit).cli_only(),
    // Common options
    value(&["--config"], "config")
        .short('c')
        .cli_only()
        .env("ODOO_RC"),
    flag(&["--save"], "save", "True").short('s').cli_only(),
    value(&["--init"], "init").short('i').cli_only(),
    value(&["--update"], "update").short('u').cli_only(),
    value(&["--reinit"], "reinit").cli_only().since(19),
    flag(&["--with-demo"], "with_demo", "True").since(19),
    // ≤ 18 it takes a value (modules or "all"); 19: optional boolean value, stored inverted in with_demo
    opt(
        &["--without-demo"],
        None,
        "without_demo",
        Arity::OptionalValue("True"),
    ),
    flag(&["--skip-auto-install"], "skip_auto_install", "True").since(19),
    value(&["--import-partial"], "import_partial")
        .short('P')
        .cli_only(),
    value(&["--pidfile"], "pidfile"),
    value(&["--addons-path"], "addons_path"),
    value(&["--upgrade-path"], "upgrade_path"),
    value(&["--pre-upgrade-scripts"], "pre_upgrade_scripts").since(16),
    value(&["--load"], "server_wide_modules"),
    value(&["--data-dir"], "data_dir").short('D'),
    // HTTP
    value(&["--http-interface"], "http_interface"),
    value(&["--http-port"], "http_port").short('p'),
    value(&["--longpolling-port"], "longpolling_port").until(17),
    value(&["--gevent-port"], "gevent_port").since(16),
    flag(&["--no-http"], "http_enable", "False"),
    flag(&["--proxy-mode"], "proxy_mode", "True"),
    flag(&["--x-sendfile"], "x_sendfile", "True").since(16),
    value(&["--xmlrpc-interface"], "http_interface").until(14),
    value(&["--xmlrpc-port"], "http_port").until(14),
    flag(&["--no-xmlrpc"], "http_enable", "False").until(14),
    // Web
    value(&["--db-filter"], "dbfilter"),
    // Testing
    value(&["--test-file"], "test_file").cli_only(),
    flag(&["--test-enable"], "test_enable", "True").cli_only(),
    value(&["--test-tags"], "test_tags").cli_only(),
    value(&["--screencasts"], "screencasts"),
    value(&["--screenshots"], "screenshots"),
    // Logging
    value(&["--logfile"], "logfile"),
    flag(&["--syslog"], "syslog", "True"),
    opt(&["--log-handler"], None, "log_handler", Arity::Append),
    opt(
        &["--log-web"],
        None,
        "log_handler",
        Arity::AppendConst("odoo.http:DEBUG"),
    ),
    opt(
        &["--log-sql"],
        None,
        "log_handler",
        Arity::AppendConst("odoo.sql_db:DEBUG"),
    ),
    opt(
        &["--log-request"],
        None,
        "log_handler",
        Arity::AppendConst("odoo.http.rpc.request:DEBUG"),
    )
    .until(17),
    opt(
        &["--log-response"],
        None,
        "log_handler",
        Arity::AppendConst("odoo.http.rpc.response:DEBUG"),
    )
    .until(17),
    value(&["--log-db"], "log_db"),
    value(&["--log-db-level"], "log_db_level"),
    value(&["--log-level"], "log_level"),
    // SMTP
    value(&["--email-from"], "email_from"),
    value(&["--from-filter"], "from_filter").since(15),
    value(&["--smtp"], "smtp_server"),
    value(&["--smtp-port"], "smtp_port"),
    flag(&["--smtp-ssl"], "smtp_ssl", "True"),
    value(&["--smtp-user"], "smtp_user"),
    value(&["--smtp-password"], "smtp_password").secret(),
    value(
        &["--smtp-ssl-certificate-filename"],
        "smtp_ssl_certificate_filename",
    )
    .since(15),
    value(
        &["--smtp-ssl-private-key-filename"],
        "smtp_ssl_private_key_filename",
    )
    .since(15),
    // Database
    value(&["--database"], "db_name").short('d').env("PGDATABASE"),
    value(&["--db_user"], "db_user").short('r').env("PGUSER"),
    value(&["--db_password"], "db_password")
        .short('w')
        .env("PGPASSWORD")
        .secret(),
    value(&["--pg_path"], "pg_path").env("PGPATH"),
    value(&["--db_host"], "db_host").env("PGHOST"),
    value(&["--db_replica_host"], "db_replica_host")
        .env("PGHOST_REPLICA")
        .since(18),
    value(&["--db_port"], "db_port").env("PGPORT"),
    value(&["--db_replica_port"], "db_replica_port")
        .env("PGPORT_REPLICA")
        .since(18),
    value(&["--db_sslmode"], "db_sslmode").env("PGSSLMODE"),
    value(&["--db_app_name"], "db_app_name")
        .env("PGAPPNAME")
        .since(18),
    value(&["--db_maxconn"], "db_maxconn"),
    value(&["--db_maxconn_gevent"], "db_maxconn_gevent").since(17),
    value(&["--db-template"], "db_template").env("PGDATABASE_TEMPLATE"),
    // i18n
    value(&["--load-language"], "load_language"),
    value(&["--language"], "language").short('l').cli_only().until(17),
    value(&["--i18n-export"], "translate_out").cli_only().until(17),
    value(&["--i18n-import"], "translate_in").cli_only().until(17),
    value(&["--modules"], "translate_modules").cli_only().until(17),
    flag(&["--i18n-overwrite"], "overwrite_existing_translations", "True"),
    // Security
    flag(&["--no-database-list"], "list_db", "False"),
    // Advanced
    value(&["--dev"], "dev_mode").env("ODOO_DEV"),
    value(&["--shell-interface"], "shell_interface").until(17),
    flag(&["--stop-after-init"], "stop_after_init", "True").cli_only(),
    value(&["--osv-memory-count-limit"], "osv_memory_count_limit"),
    value(&["--transient-age-limit"], "transient_age_limit"),
    value(&["--max-cron-threads"], "max_cron_threads"),
    value(&["--limit-time-worker-cron"], "limit_time_worker_cron").since(18),
    flag(&["--unaccent"], "unaccent", "True"),
    value(&["--geoip-city-db", "--geoip-db"], "geoip_city_db"),
    value(&["--geoip-country-db"], "geoip_country_db").since(18),
    value(&["--bin-path"], "bin_path"),
    // Multiprocessing
    value(&["--workers"], "workers"),
    value(&["--limit-memory-soft"], "limit_memory_soft"),
    value(&["--limit-memory-soft-gevent"], "limit_memory_soft_gevent").since(18),
    value(&["--limit-memory-hard"], "limit_memory_hard"),
    value(&["--limit-memory-hard-gevent"], "limit_memory_hard_gevent").since(18),
    value(&["--limit-time-cpu"], "limit_time_cpu"),
    value(&["--limit-time-real"], "limit_time_real"),
    value(&["--limit-time-real-cron"], "limit_time_real_cron"),
    value(&["--limit-request"], "limit_request"),
    // File-only options (no command-line spelling; Odoo 19 reads ODOO_<KEY> for them)
    OdooOption::file_only("admin_passwd").secret(),
    OdooOption::file_only("csv_internal_sep"),
    OdooOption::file_only("default_productivity_apps").since(19),
    OdooOption::file_only("import_file_maxbytes").since(19),
    OdooOption::file_only("import_file_timeout").since(19),
    OdooOption::file_only("import_url_regex").since(19),
    OdooOption::file_only("proxy_access_token").secret().since(19),
    OdooOption::file_only("publisher_warranty_url"),
    OdooOption::file_only("reportgz"),
    OdooOption::file_only("websocket_keep_alive_timeout"),
    OdooOption::file_only("websocket_rate_limit_burst"),
    OdooOption::file_only("websocket_rate_limit_delay"),
];

/// The option spelled `--name` (exact, without abbreviation).
pub fn long_option(name: &str) -> Option<&'static OdooOption> {
    OPTIONS.iter().find(|o| o.long.contains(&name))
}

/// The option setting `key` in the file (the first one when several spellings exist).
pub fn option_for_key(key: &str) -> Option<&'static OdooOption> {
    OPTIONS.iter().find(|o| o.key == key && !o.key.is_empty())
}

/// What reports show instead of a secret value.
pub const MASK: &str = "********";

/// A value Odoo takes from its command line instead of the config file. Serialized with the value
/// masked when it is a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliOverride {
    /// The config key it sets (`limit_memory_hard`).
    pub key: String,
    /// The value as written (flags: the constant they store, e.g. `True`).
    pub value: String,
    /// The option as the user spelled it (`--limit-memory-hard`, `-c`, `--work`).
    pub option: String,
    /// The value is a password or token: mask it in reports.
    pub secret: bool,
}

/// Odoo's command line, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct OdooCommandLine {
    /// Odoo's own arguments (what `odoo`/`odoo-bin` received). Not serialized: it may hold passwords.
    #[serde(skip)]
    pub args: Vec<String>,
    /// The same with the values of secret options (`-w`, `--db_password`, `--smtp-password`) masked:
    /// what reports show (serialized as `args`).
    #[serde(rename = "args")]
    pub args_masked: Vec<String>,
    /// The Odoo sub-command (`server` when none is given).
    pub command: String,
    /// `-c`/`--config` (the last one given).
    pub config: Option<String>,
    /// Every option that sets a key, in command-line order (the last one for a key wins, except
    /// `log_handler`, which accumulates).
    pub options: Vec<CliOverride>,
    /// Arguments that are not options (Odoo 19 refuses them).
    pub positional: Vec<String>,
    /// Things Odoo would refuse: unknown or ambiguous options, a missing value, a value given to a flag.
    pub problems: Vec<String>,
    /// Indices of the arguments holding a secret value (used while parsing).
    #[serde(skip)]
    secret_args: Vec<usize>,
}

impl OdooCommandLine {
    /// The value Odoo uses for `key` from the command line (last occurrence), if it is set there.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|o| o.key == key)
            .map(|o| o.value.as_str())
    }

    /// The keys set on the command line that override odoo.conf, each with its effective value (last
    /// occurrence; `log_handler` values joined with commas), in first-seen order.
    pub fn file_overrides(&self) -> Vec<CliOverride> {
        let mut out: Vec<CliOverride> = Vec::new();
        for o in &self.options {
            let in_file = option_for_key(&o.key).is_some_and(|spec| spec.in_file);
            if !in_file {
                continue;
            }
            match out.iter_mut().find(|seen| seen.key == o.key) {
                Some(seen) if o.key == "log_handler" => {
                    seen.value = format!("{},{}", seen.value, o.value);
                }
                Some(seen) => *seen = o.clone(),
                None => out.push(o.clone()),
            }
        }
        out
    }
}

/// Program names of Odoo's launcher.
const LAUNCHERS: &[&str] = &["odoo", "odoo-bin", "odoo.py", "odoo-server", "openerp-server"];
/// Init processes that run `[options] [--] COMMAND...`.
const INITS: &[&str] = &["tini", "tini-static", "dumb-init", "catatonit", "docker-init"];
/// Tools that run `USER COMMAND...`.
const USER_SWITCHERS: &[&str] = &["gosu", "su-exec"];

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn is_python(name: &str) -> bool {
    let rest = match name.strip_prefix("python") {
        Some(rest) => rest,
        None => return false,
    };
    rest.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// Finds Odoo's own arguments in a container's command (`Path` followed by `Args`): after the launcher
/// (`odoo`, `odoo-bin`, ...), also when it is started by Python, an init (`tini --`), `gosu USER`,
/// `env`, the `odoo-sizer ... --` wrapper, or an entrypoint script that behaves like the official one
/// (`entrypoint.sh odoo ARGS`, `entrypoint.sh -- ARGS` and `entrypoint.sh --opt ...` run Odoo; any
/// other first word is executed as a command). `None` when the command does not run Odoo in a way
/// that can be read (`sh -c "..."`, `sleep 100`).
pub fn odoo_args(argv: &[String]) -> Option<&[String]> {
    // Each step removes at least one word, so this ends.
    let mut rest = argv;
    loop {
        let first = rest.first()?;
        let name = basename(first);
        if LAUNCHERS.contains(&name) {
            return Some(&rest[1..]);
        }
        if is_python(name) {
            let mut i = 1;
            while let Some(arg) = rest.get(i) {
                if arg == "-W" || arg == "-X" {
                    i += 2; // options that take a value
                    continue;
                }
                if arg == "-m" {
                    return match rest.get(i + 1).map(String::as_str) {
                        Some("odoo") => Some(&rest[i + 2..]),
                        _ => None,
                    };
                }
                if arg == "-c" {
                    return None; // python3 -c "code"
                }
                if !arg.starts_with('-') {
                    break;
                }
                i += 1;
            }
            rest = rest.get(i..)?;
            continue;
        }
        if name.contains("entrypoint") {
            match rest.get(1).map(String::as_str) {
                Some("--") | Some("odoo") => return Some(&rest[2..]),
                Some(arg) if arg.starts_with('-') => return Some(&rest[1..]),
                Some(_) => {
                    rest = &rest[1..];
                    continue;
                }
                None => return Some(&rest[1..]), // the official image's default CMD is `odoo`
            }
        }
        if INITS.contains(&name) || name == "odoo-sizer" {
            // odoo-sizer runs what follows `--`; an init runs its first word that is not an option
            // (or what follows `--`)
            let start = if name == "odoo-sizer" {
                rest.iter().position(|a| a == "--")? + 1
            } else {
                let i = rest
                    .iter()
                    .skip(1)
                    .position(|a| a == "--" || !a.starts_with('-'))?
                    + 1;
                if rest[i] == "--" {
                    i + 1
                } else {
                    i
                }
            };
            rest = &rest[start..];
            continue;
        }
        if USER_SWITCHERS.contains(&name) {
            rest = rest.get(2..)?;
            continue;
        }
        if name == "env" {
            let skip = rest
                .iter()
                .skip(1)
                .position(|a| !(a.starts_with('-') || a.contains('=')))?
                + 1;
            rest = &rest[skip..];
            continue;
        }
        return None;
    }
}

/// Parses Odoo's own arguments (what the launcher received) with optparse's rules.
pub fn parse_odoo_args(args: &[String]) -> OdooCommandLine {
    let mut out = OdooCommandLine {
        args: args.to_vec(),
        command: "server".to_string(),
        ..Default::default()
    };
    let mut i = 0;
    // odoo/cli/command.py: a first word that is not an option names the sub-command; a leading
    // `--addons-path=...` may come before it.
    if let Some(first) = args.first() {
        if first.starts_with("--addons-path=") && args.get(1).is_some_and(|a| !a.starts_with('-')) {
            out.command = args[1].clone();
            parse_one(args, 0, &mut out);
            i = 2;
        } else if !first.starts_with('-') {
            out.command = first.clone();
            i = 1;
        }
    }
    while i < args.len() {
        i = parse_one(args, i, &mut out);
    }
    out.args_masked = args.to_vec();
    for index in std::mem::take(&mut out.secret_args) {
        if let Some(arg) = out.args_masked.get_mut(index) {
            *arg = mask_arg(arg);
        }
    }
    out
}

/// `--db_password=x` → `--db_password=********`, `-wx` → `-w********`, `x` → `********`.
fn mask_arg(arg: &str) -> String {
    if arg.starts_with("--") {
        if let Some((name, _)) = arg.split_once('=') {
            return format!("{name}={MASK}");
        }
    } else if arg.starts_with('-') && arg.chars().count() > 2 {
        let head: String = arg.chars().take(2).collect();
        return format!("{head}{MASK}");
    }
    MASK.to_string()
}

/// Masks the values of Odoo's secret options (`-w`, `--db_password`, `--smtp-password`, their unique
/// prefixes such as `--db_pass`) wherever they appear in a list of words, without needing to find Odoo's
/// arguments first: for commands [`odoo_args`] cannot read (`sh -c "odoo --db_password x"`) and for
/// process command lines as `ps` prints them. A word holding spaces is masked word by word (and then
/// shown with single spaces). Over-masking is accepted: a non-Odoo `-w` value is masked too.
pub fn mask_words(words: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut value_next = false;
    for word in words {
        if value_next {
            out.push(MASK.to_string());
            value_next = false;
            continue;
        }
        if word.split_whitespace().nth(1).is_some() {
            let inner: Vec<String> = word.split_whitespace().map(str::to_string).collect();
            let masked = mask_words(&inner);
            out.push(if masked == inner {
                word.clone()
            } else {
                masked.join(" ")
            });
            continue;
        }
        let (masked, takes_next) = mask_word(word);
        value_next = takes_next;
        out.push(masked.unwrap_or_else(|| word.clone()));
    }
    out
}

/// Masks a whole command line as one text (a `ps` line): see [`mask_words`].
pub fn mask_text(text: &str) -> String {
    let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    let masked = mask_words(&words);
    if masked == words {
        text.to_string()
    } else {
        masked.join(" ")
    }
}

/// One word: `Some(masked)` when it carries a secret value itself, and whether the next word is a
/// secret value.
fn mask_word(word: &str) -> (Option<String>, bool) {
    // `PGPASSWORD=x` (after `env`, in a shell script): a variable whose name says it is a secret
    if let Some((name, value)) = word.split_once('=') {
        let is_variable = !name.is_empty()
            && !name.starts_with('-')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if is_variable && !value.is_empty() && crate::odoo::is_secret(name) {
            return (Some(format!("{name}={MASK}")), false);
        }
    }
    if let Some(body) = word.strip_prefix("--") {
        let (name, inline) = match body.split_once('=') {
            Some((n, _)) => (format!("--{n}"), true),
            None => (word.to_string(), false),
        };
        return match match_long(&name) {
            Ok((spec, _)) if spec.secret && inline => (Some(format!("{name}={MASK}")), false),
            Ok((spec, _)) if spec.secret => (None, spec.takes_value()),
            _ => (None, false),
        };
    }
    if word.len() > 1 && word.starts_with('-') {
        let chars: Vec<char> = word[1..].chars().collect();
        for (pos, c) in chars.iter().enumerate() {
            let Some(spec) = OPTIONS.iter().find(|o| o.short == Some(*c)) else {
                return (None, false);
            };
            if spec.takes_value() && !matches!(spec.arity, Arity::OptionalValue(_)) {
                if !spec.secret {
                    return (None, false);
                }
                let head: String = chars[..=pos].iter().collect();
                return if pos + 1 < chars.len() {
                    (Some(format!("-{head}{MASK}")), false)
                } else {
                    (None, true)
                };
            }
        }
    }
    (None, false)
}

/// Reads Odoo's arguments from a whole container command: [`odoo_args`] then [`parse_odoo_args`].
pub fn parse(argv: &[String]) -> Option<OdooCommandLine> {
    odoo_args(argv).map(parse_odoo_args)
}

/// Resolves a long option as optparse does: exact match, else a unique prefix.
fn match_long(name: &str) -> Result<(&'static OdooOption, &'static str), String> {
    let mut exact = None;
    let mut prefixed: Vec<(&'static OdooOption, &'static str)> = Vec::new();
    for o in OPTIONS {
        for spelling in o.long {
            if *spelling == name {
                exact = Some((o, *spelling));
            } else if spelling.starts_with(name) {
                prefixed.push((o, *spelling));
            }
        }
    }
    if let Some(found) = exact {
        return Ok(found);
    }
    match prefixed.as_slice() {
        [] => Err(format!("no such option: {name}")),
        [one] => Ok(*one),
        many => Err(format!(
            "ambiguous option: {name} ({}?)",
            many.iter().map(|(_, s)| *s).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Parses the argument at `i` (and its value), returns the index of the next one.
fn parse_one(args: &[String], i: usize, out: &mut OdooCommandLine) -> usize {
    let arg = &args[i];
    if arg == "--" {
        out.positional.extend(args[i + 1..].iter().cloned());
        return args.len();
    }
    if let Some(body) = arg.strip_prefix("--") {
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (format!("--{n}"), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let (spec, _) = match match_long(&name) {
            Ok(found) => found,
            Err(problem) => {
                out.problems.push(problem);
                return i + 1;
            }
        };
        return apply(spec, &name, inline, args, i + 1, out);
    }
    if arg.len() > 1 && arg.starts_with('-') {
        // a cluster of short options: flags until one that takes a value (the rest, or the next arg)
        let chars: Vec<char> = arg[1..].chars().collect();
        let mut next = i + 1;
        for (pos, c) in chars.iter().enumerate() {
            let Some(spec) = OPTIONS.iter().find(|o| o.short == Some(*c)) else {
                out.problems.push(format!("no such option: -{c}"));
                return next;
            };
            if spec.takes_value() && !matches!(spec.arity, Arity::OptionalValue(_)) {
                let attached: String = chars[pos + 1..].iter().collect();
                let inline = (!attached.is_empty()).then_some(attached);
                return apply(spec, &format!("-{c}"), inline, args, next, out);
            }
            next = apply(spec, &format!("-{c}"), None, args, next, out);
        }
        return next;
    }
    out.positional.push(arg.clone());
    i + 1
}

/// Records one option; `next` is the index after the option word. Returns the index after its value.
fn apply(
    spec: &OdooOption,
    written: &str,
    inline: Option<String>,
    args: &[String],
    next: usize,
    out: &mut OdooCommandLine,
) -> usize {
    let record = |value: String, at: usize, out: &mut OdooCommandLine| {
        if spec.secret {
            out.secret_args.push(at);
        }
        if spec.key == "config" {
            out.config = Some(value.clone());
        }
        if !spec.key.is_empty() {
            out.options.push(CliOverride {
                key: spec.key.to_string(),
                value,
                option: written.to_string(),
                secret: spec.secret,
            });
        }
    };
    match spec.arity {
        Arity::Value | Arity::Append => match inline {
            Some(v) => {
                record(v, next - 1, out);
                next
            }
            None => match args.get(next) {
                Some(v) => {
                    record(v.clone(), next, out);
                    next + 1
                }
                None => {
                    out.problems.push(format!("{written} option requires 1 argument"));
                    next
                }
            },
        },
        Arity::OptionalValue(constant) => match inline {
            Some(v) => {
                record(v, next - 1, out);
                next
            }
            None => match args.get(next) {
                Some(v) if !v.starts_with('-') => {
                    record(v.clone(), next, out);
                    next + 1
                }
                _ => {
                    record(constant.to_string(), next - 1, out);
                    next
                }
            },
        },
        Arity::Flag(constant) | Arity::AppendConst(constant) => {
            if inline.is_some() {
                out.problems
                    .push(format!("{written} option does not take a value"));
            } else {
                record(constant.to_string(), next - 1, out);
            }
            next
        }
        Arity::Exit => {
            out.problems.push(format!("{written} makes Odoo print and exit"));
            next
        }
    }
}

/// A value Odoo 19 takes from its environment instead of the config file. Serialized with the value
/// masked when it is a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvOverride {
    pub key: String,
    pub value: String,
    /// The variable (`ODOO_WORKERS`, `PGHOST`).
    pub variable: String,
    pub secret: bool,
}

impl Serialize for CliOverride {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("CliOverride", 4)?;
        s.serialize_field("key", &self.key)?;
        s.serialize_field("value", if self.secret { MASK } else { &self.value })?;
        s.serialize_field("option", &self.option)?;
        s.serialize_field("secret", &self.secret)?;
        s.end()
    }
}

impl Serialize for EnvOverride {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("EnvOverride", 4)?;
        s.serialize_field("key", &self.key)?;
        s.serialize_field("value", if self.secret { MASK } else { &self.value })?;
        s.serialize_field("variable", &self.variable)?;
        s.serialize_field("secret", &self.secret)?;
        s.end()
    }
}

/// The odoo.conf keys that Odoo 19+ takes from the environment (`NAME=value` entries, as in a
/// container's `Config.Env`). Empty for older versions, which ignore these variables; when the version
/// is unknown, the variables are reported (they would win under 19).
pub fn env_overrides(env: &[String], major: Option<u32>) -> Vec<EnvOverride> {
    if major.is_some_and(|m| m < 19) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for entry in env {
        let Some((name, value)) = entry.split_once('=') else {
            continue;
        };
        let found = OPTIONS
            .iter()
            .filter(|o| o.in_file && !o.key.is_empty())
            .find(|o| o.env_name().as_deref() == Some(name));
        if let Some(spec) = found {
            if out.iter().any(|e: &EnvOverride| e.key == spec.key) {
                continue;
            }
            out.push(EnvOverride {
                key: spec.key.to_string(),
                value: value.to_string(),
                variable: name.to_string(),
                secret: spec.secret,
            });
        }
    }
    out
}

/// The major version in an Odoo version string (`18.0`, `saas~17.4`, `19.0+e`, `17`).
pub fn odoo_major(version: &str) -> Option<u32> {
    let v = version.trim();
    let v = v.strip_prefix("saas~").unwrap_or(v);
    let digits: String = v.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok().filter(|m| *m > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn table_has_unique_spellings_and_keys() {
        let mut seen = std::collections::HashSet::new();
        for o in OPTIONS {
            for l in o.long {
                assert!(l.starts_with("--"), "{l}");
                assert!(seen.insert(l.to_string()), "duplicate {l}");
            }
            if let Some(c) = o.short {
                assert!(seen.insert(format!("-{c}")), "duplicate -{c}");
            }
            if o.long.is_empty() {
                assert!(o.in_file && !o.key.is_empty());
            }
        }
        assert_eq!(long_option("--workers").map(|o| o.key), Some("workers"));
        assert_eq!(
            option_for_key("limit_memory_hard").map(|o| o.long[0]),
            Some("--limit-memory-hard")
        );
    }

    #[test]
    fn finds_odoo_after_launchers_and_wrappers() {
        let cases: &[(&str, Option<&str>)] = &[
            ("/entrypoint.sh odoo -c /x.conf", Some("-c /x.conf")),
            ("/entrypoint.sh -- --workers=2", Some("--workers=2")),
            ("/entrypoint.sh --workers=2", Some("--workers=2")),
            ("/entrypoint.sh", Some("")),
            ("/entrypoint.sh odoo", Some("")),
            ("/entrypoint.sh /usr/bin/odoo --workers 3", Some("--workers 3")),
            ("/entrypoint.sh sleep 100", None),
            ("odoo", Some("")),
            (
                "/usr/bin/odoo server -c /etc/o.conf",
                Some("server -c /etc/o.conf"),
            ),
            ("python3 -u /opt/odoo/odoo-bin --config=/a", Some("--config=/a")),
            ("python3.11 -m odoo --workers 2", Some("--workers 2")),
            ("python3 -c print(1)", None),
            ("tini -- odoo --workers 2", Some("--workers 2")),
            ("/sbin/tini -g -- /entrypoint.sh odoo -c /c", Some("-c /c")),
            ("dumb-init odoo -c /c", Some("-c /c")),
            ("tini odoo -- -c /c", Some("-- -c /c")),
            ("python3 -W ignore /opt/odoo/odoo-bin -c /c", Some("-c /c")),
            ("python3 -W", None),
            ("python3 -X dev -m", None),
            ("gosu odoo /entrypoint.sh odoo -c /c", Some("-c /c")),
            ("env ODOO_RC=/x -i odoo --workers 2", Some("--workers 2")),
            (
                "odoo-sizer entrypoint --apply -- /entrypoint.sh odoo -c /c",
                Some("-c /c"),
            ),
            ("odoo-sizer watch", None),
            ("sh -c odoo", None),
            ("sleep 1000", None),
            ("", None),
        ];
        for (cmd, want) in cases {
            let argv = args(cmd);
            let got = odoo_args(&argv).map(|a| a.join(" "));
            assert_eq!(got.as_deref(), *want, "{cmd}");
        }
    }

    #[test]
    fn config_path_spellings() {
        for (cmd, want) in [
            ("-c /a.conf", "/a.conf"),
            ("-c/a.conf", "/a.conf"),
            ("--config /a.conf", "/a.conf"),
            ("--config=/a.conf", "/a.conf"),
            ("--conf=/a.conf", "/a.conf"),
            ("-c /first -c /last", "/last"),
            ("-sc /a.conf", "/a.conf"),
            ("server --config /a.conf", "/a.conf"),
        ] {
            let parsed = parse_odoo_args(&args(cmd));
            assert_eq!(parsed.config.as_deref(), Some(want), "{cmd}: {parsed:?}");
            assert!(parsed.problems.is_empty(), "{cmd}: {:?}", parsed.problems);
        }
        assert_eq!(parse_odoo_args(&args("--workers 2")).config, None);
    }

    #[test]
    fn hyphenated_options_map_to_config_keys() {
        let p = parse_odoo_args(&args(
            "--workers=2 --limit-memory-hard 2684354560 --db_maxconn=32 --max-cron-threads 1 \
             --limit-time-real-cron=0 --db-filter ^%d$ --load base,web -p 8070 --no-http --proxy-mode",
        ));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.get("workers"), Some("2"));
        assert_eq!(p.get("limit_memory_hard"), Some("2684354560"));
        assert_eq!(p.get("db_maxconn"), Some("32"));
        assert_eq!(p.get("max_cron_threads"), Some("1"));
        assert_eq!(p.get("limit_time_real_cron"), Some("0"));
        assert_eq!(p.get("dbfilter"), Some("^%d$"));
        assert_eq!(p.get("server_wide_modules"), Some("base,web"));
        assert_eq!(p.get("http_port"), Some("8070"));
        assert_eq!(p.get("http_enable"), Some("False"));
        assert_eq!(p.get("proxy_mode"), Some("True"));
        assert_eq!(p.command, "server");
    }

    #[test]
    fn values_starting_with_a_dash_and_last_wins() {
        let p = parse_odoo_args(&args("--limit-time-real-cron -1 --workers 2 --workers=5"));
        assert_eq!(p.get("limit_time_real_cron"), Some("-1"));
        assert_eq!(p.get("workers"), Some("5"));
        let keys: Vec<_> = p.file_overrides().into_iter().map(|o| (o.key, o.value)).collect();
        assert_eq!(
            keys,
            vec![
                ("limit_time_real_cron".to_string(), "-1".to_string()),
                ("workers".to_string(), "5".to_string())
            ]
        );
    }

    #[test]
    fn abbreviations_like_optparse() {
        let p = parse_odoo_args(&args("--work=3 --db_maxconn_g 8"));
        assert_eq!(p.get("workers"), Some("3"));
        assert_eq!(p.get("db_maxconn_gevent"), Some("8"), "{p:?}");
        let p = parse_odoo_args(&args("--db_maxc 8"));
        assert_eq!(
            p.problems,
            vec!["ambiguous option: --db_maxc (--db_maxconn, --db_maxconn_gevent?)"]
        );
        assert_eq!(p.positional, vec!["8"]);
        let p = parse_odoo_args(&args("--limit-memory=1"));
        assert_eq!(p.get("limit_memory_soft"), None);
        assert!(
            p.problems[0].starts_with("ambiguous option: --limit-memory"),
            "{:?}",
            p.problems
        );
        // an exact spelling wins over longer ones it prefixes
        let p = parse_odoo_args(&args("--limit-memory-soft=1"));
        assert_eq!(p.get("limit_memory_soft"), Some("1"));
        assert!(p.problems.is_empty());
    }

    #[test]
    fn problems_odoo_would_refuse() {
        let p = parse_odoo_args(&args("--bogus=1 --proxy-mode=1 -x --workers"));
        assert_eq!(
            p.problems,
            vec![
                "no such option: --bogus",
                "--proxy-mode option does not take a value",
                "no such option: -x",
                "--workers option requires 1 argument",
            ]
        );
        assert!(p.options.is_empty(), "{:?}", p.options);
        let p = parse_odoo_args(&args("--workers 2 stray -- --not-an-option"));
        assert_eq!(p.positional, vec!["stray", "--not-an-option"]);
        assert_eq!(p.get("workers"), Some("2"));
    }

    #[test]
    fn sub_commands_and_addons_path_first() {
        let p = parse_odoo_args(&args("shell -d db1 --workers 0"));
        assert_eq!(p.command, "shell");
        assert_eq!(p.get("db_name"), Some("db1"));
        let p = parse_odoo_args(&args("--addons-path=/a,/b server -c /x"));
        assert_eq!(p.command, "server");
        assert_eq!(p.get("addons_path"), Some("/a,/b"));
        assert_eq!(p.config.as_deref(), Some("/x"));
    }

    #[test]
    fn optional_value_and_append() {
        let p = parse_odoo_args(&args("--without-demo --workers 2"));
        assert_eq!(p.get("without_demo"), Some("True"));
        let p = parse_odoo_args(&args("--without-demo all"));
        assert_eq!(p.get("without_demo"), Some("all"));
        let p = parse_odoo_args(&args("--log-handler a:INFO --log-sql --log-handler=b:DEBUG"));
        let o = p.file_overrides();
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].value, "a:INFO,odoo.sql_db:DEBUG,b:DEBUG");
    }

    #[test]
    fn cli_only_options_do_not_override_the_file() {
        let p = parse_odoo_args(&args(
            "-c /x -i base -u all --stop-after-init -w secret --workers 2",
        ));
        let keys: Vec<_> = p.file_overrides().into_iter().map(|o| o.key).collect();
        assert_eq!(keys, vec!["db_password", "workers"]);
        assert!(p.options.iter().any(|o| o.key == "db_password" && o.secret));
    }

    #[test]
    fn secrets_are_masked_in_what_is_shown() {
        let p = parse_odoo_args(&args(
            "-w pw1 --db_password=pw2 -wpw3 --smtp-password pw4 --workers 2",
        ));
        assert_eq!(
            p.args_masked.join(" "),
            "-w ******** --db_password=******** -w******** --smtp-password ******** --workers 2"
        );
        assert_eq!(p.get("db_password"), Some("pw3"));
        let json = serde_json::to_string(&p).unwrap();
        for pw in ["pw1", "pw2", "pw3", "pw4"] {
            assert!(!json.contains(pw), "{json}");
        }
        assert!(json.contains("--workers"), "{json}");
    }

    #[test]
    fn secrets_are_masked_in_any_list_of_words() {
        let words = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            mask_words(&words("/bin/sh /usr/bin/odoo --db_host db --db_password pw1 --db_pass=pw2 -w pw3 -wpw4 --workers 2"))
                .join(" "),
            "/bin/sh /usr/bin/odoo --db_host db --db_password ******** --db_pass=******** -w ******** -w******** --workers 2"
        );
        // a shell script in one word
        let argv = vec![
            "sh".to_string(),
            "-c".to_string(),
            "exec odoo --db_password pw5  --workers 2".to_string(),
        ];
        let masked = mask_words(&argv);
        assert_eq!(masked[..2], argv[..2]);
        assert_eq!(masked[2], "exec odoo --db_password ******** --workers 2");
        // nothing secret: unchanged, spacing included
        let plain = vec!["sh".to_string(), "-c".to_string(), "sleep  100".to_string()];
        assert_eq!(mask_words(&plain), plain);
        assert_eq!(mask_text("sleep  1000000"), "sleep  1000000");
        assert_eq!(
            mask_text("python3 odoo-bin --smtp-password=pw6 -c /etc/odoo.conf"),
            "python3 odoo-bin --smtp-password=******** -c /etc/odoo.conf"
        );
        // secret variables set on the command line
        assert_eq!(
            mask_text("env PGPASSWORD=pw7 PGHOST=db odoo"),
            "env PGPASSWORD=******** PGHOST=db odoo"
        );
        assert_eq!(mask_text("sh -c SMTP_TOKEN=pw8"), "sh -c SMTP_TOKEN=********");
        assert_eq!(mask_text("--addons-path=/x a=b"), "--addons-path=/x a=b");
        // a secret option at the end, without a value: nothing to mask, no panic
        assert_eq!(mask_text("odoo --db_password"), "odoo --db_password");
        for pw in ["pw1", "pw2", "pw3", "pw4"] {
            assert!(
                !mask_text(&words("odoo --db_password pw1 --db_pass=pw2 -w pw3 -wpw4").join(" "))
                    .contains(pw)
            );
        }
    }

    #[test]
    fn whole_container_commands() {
        let argv = args("/entrypoint.sh odoo --config=/srv/odoo.conf --workers=4 --limit-memory-soft 1000");
        let p = parse(&argv).expect("odoo command line");
        assert_eq!(p.config.as_deref(), Some("/srv/odoo.conf"));
        assert_eq!(p.get("workers"), Some("4"));
        assert_eq!(p.get("limit_memory_soft"), Some("1000"));
        assert_eq!(parse(&args("sleep 1000")), None);
    }

    #[test]
    fn odoo_19_environment() {
        let env: Vec<String> = [
            "PATH=/usr/bin",
            "ODOO_VERSION=19.0",
            "ODOO_RC=/etc/odoo/odoo.conf",
            "ODOO_WORKERS=4",
            "ODOO_LIMIT_MEMORY_SOFT=1000",
            "PGHOST=db",
            "PGPASSWORD=x",
            "ODOO_DEV=all",
            "ODOO_ADMIN_PASSWD=y",
            "ODOO_CONFIG=/nope",
            "ODOO_INIT=base",
            "BROKEN",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let got: Vec<(String, String)> = env_overrides(&env, Some(19))
            .into_iter()
            .map(|e| (e.key, e.variable))
            .collect();
        let want: Vec<(String, String)> = [
            ("workers", "ODOO_WORKERS"),
            ("limit_memory_soft", "ODOO_LIMIT_MEMORY_SOFT"),
            ("db_host", "PGHOST"),
            ("db_password", "PGPASSWORD"),
            ("dev_mode", "ODOO_DEV"),
            ("admin_passwd", "ODOO_ADMIN_PASSWD"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(got, want);
        assert!(env_overrides(&env, Some(18)).is_empty());
        assert_eq!(env_overrides(&env, None).len(), 6);
        assert!(env_overrides(&env, Some(19))
            .iter()
            .any(|e| e.key == "db_password" && e.secret));
    }

    #[test]
    fn major_versions() {
        assert_eq!(odoo_major("18.0"), Some(18));
        assert_eq!(odoo_major("saas~17.4"), Some(17));
        assert_eq!(odoo_major("19.0+e"), Some(19));
        assert_eq!(odoo_major("master"), None);
        assert_eq!(odoo_major(""), None);
        assert!(long_option("--gevent-port").is_some_and(|o| o.exists_in(Some(16)) && !o.exists_in(Some(15))));
    }

    fn word() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let interesting = proptest::sample::select(vec![
            "odoo",
            "/entrypoint.sh",
            "python3",
            "-W",
            "-X",
            "-m",
            "-c",
            "--",
            "tini",
            "gosu",
            "env",
            "odoo-sizer",
            "-",
            "--workers",
            "--work=",
            "-sc",
            "-w",
            "--without-demo",
            "--addons-path=/a",
            "--proxy-mode=1",
            "server",
            "A=B",
            "--log-sql",
            "",
        ])
        .prop_map(str::to_string);
        prop_oneof![interesting, "\\PC{0,8}"]
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_command(words in proptest::collection::vec(word(), 0..8)) {
            if let Some(parsed) = parse(&words) {
                proptest::prop_assert_eq!(parsed.args.len(), parsed.args_masked.len());
            }
            let _ = parse_odoo_args(&words);
            let _ = env_overrides(&words, None);
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "-",
            "--",
            "--=",
            "-=",
            "--workers=",
            "-c",
            "-",
            "---x",
            "-\u{e9}",
            "--\u{e9}=1",
        ] {
            let _ = parse_odoo_args(&[s.to_string()]);
            let _ = parse(&["odoo".to_string(), s.to_string()]);
        }
    }
}
