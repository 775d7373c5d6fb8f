//! The error type of every command and the documented exit codes.
//!
//! Exit codes (also in README.md and docs/errors.md, kept in sync by tests/errors_doc.rs):
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | a check found something to change or a lint error (`apply --check`, `lint`, `inspect --check`) |
//! | 2 | bad command line or bad value for a flag / environment variable (including `--set` pins Odoo would
//! |   | refuse, an unsupported `ODOO_VERSION`, a PostgreSQL `--pg-max-connections` too small for the plan) |
//! | 3 | the container's CPU or memory could not be determined |
//! | 4 | the config file was refused (Odoo could not load it, or would ignore it) |
//! | 5 | a file could not be read or written |
//! | 6 | the Docker engine could not be reached or refused a request |
//! | 7 | one or more targets failed; the others were still worked on and reported |
//! | 8 | PostgreSQL did not answer in time (`init --wait-db --strict`; `--pg-max-connections auto` only warns) |
//! | 126, 127 | `init`: COMMAND is not executable / not found (as in shells) |

use crate::docker::DockerError;
use crate::limits::UnknownLimit;
use crate::pg::{PgError, SettingsError};
use crate::plan::PlanError;
use crate::write::FileError;

/// Process exit status, with the documented meaning of each code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    Success = 0,
    Findings = 1,
    Usage = 2,
    LimitsUnknown = 3,
    ConfigRefused = 4,
    Io = 5,
    Docker = 6,
    Partial = 7,
    Database = 8,
    /// `init`: COMMAND exists but cannot be executed (as in shells).
    NotExecutable = 126,
    /// `init`: COMMAND was not found (as in shells).
    NotFound = 127,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}

/// Everything a command can fail with. Each message names the file/flag involved and what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    UnknownLimit(#[from] UnknownLimit),
    #[error(transparent)]
    File(#[from] FileError),
    /// The config file is one Odoo could not load or would ignore: nothing was written.
    #[error("{path}: {refused}")]
    Refused {
        path: String,
        refused: crate::apply::Refused,
    },
    /// The sizing model refused its inputs (a pin, a knob, PostgreSQL's connection budget).
    #[error(transparent)]
    Plan(Box<PlanError>),
    /// An environment variable read outside clap (e.g. the official image's ODOO_VERSION) is unusable.
    #[error("environment variable {name} = '{value}': {why}")]
    Environment {
        name: String,
        value: String,
        why: String,
    },
    /// PostgreSQL could not be reached or refused the session.
    #[error(transparent)]
    Pg(#[from] PgError),
    /// The PostgreSQL connection settings (db_port, PASSWORD_FILE...) cannot be used.
    #[error(transparent)]
    PgSettings(#[from] SettingsError),
    /// The Docker engine could not be reached, or refused a request, or a target could not be used.
    #[error(transparent)]
    Docker(#[from] DockerError),
    /// `init` could not become COMMAND.
    #[error("cannot start `{command}`: {source}; check the command after `--` (PATH, execute permission)")]
    Exec {
        command: String,
        #[source]
        source: std::io::Error,
    },
    /// The config file to check does not exist (`lint`; `apply` creates a missing file instead).
    #[error("{path}: no such config file ({origin}); give the file with --config PATH (or set ODOO_RC)")]
    ConfigNotFound {
        path: std::path::PathBuf,
        /// Where the path came from: `--config`, `ODOO_RC`, or the default.
        origin: String,
    },
    /// Writing results failed (a closed pipe is not reported: `odoo-sizer plan | head` is fine).
    #[error(
        "cannot write the result to standard output: {0}; check where it goes (a full disk, a closed file)"
    )]
    Output(#[source] std::io::Error),
}

impl From<PlanError> for Error {
    fn from(error: PlanError) -> Self {
        Error::Plan(Box::new(error))
    }
}

impl Error {
    pub fn exit(&self) -> Exit {
        match self {
            Error::UnknownLimit(_) => Exit::LimitsUnknown,
            Error::File(_) => Exit::Io,
            Error::Refused { .. } => Exit::ConfigRefused,
            Error::Plan(_) | Error::Environment { .. } => Exit::Usage,
            Error::Pg(_) => Exit::Database,
            Error::PgSettings(SettingsError::PasswordFile { .. }) => Exit::Io,
            Error::PgSettings(e) if e.is_from_config_file() => Exit::ConfigRefused,
            Error::PgSettings(_) => Exit::Usage,
            Error::Docker(_) => Exit::Docker,
            Error::Exec { source, .. } if source.kind() == std::io::ErrorKind::NotFound => Exit::NotFound,
            Error::Exec { .. } => Exit::NotExecutable,
            Error::Output(_) => Exit::Io,
            Error::ConfigNotFound { .. } => Exit::Io,
        }
    }

    /// A closed stdout (the reader went away) is a normal end, not an error.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
