//! The error type of every command and the documented exit codes.
//!
//! Exit codes (also in README.md and docs/errors.md):
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | a check found something to change or a lint error (`apply --check`, `lint`) |
//! | 2 | bad command line or bad value for a flag / environment variable |
//! | 3 | the container's CPU or memory could not be determined |
//! | 4 | the config file was refused (Odoo could not load it, or would ignore it) |
//! | 5 | a file could not be read or written |
//! | 6 | the Docker engine could not be reached or refused a request |
//! | 7 | some targets failed, others succeeded |

use crate::docker::DockerError;
use crate::limits::UnknownLimit;

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
    /// The Docker engine could not be reached, or refused a request, or a target could not be used.
    #[error(transparent)]
    Docker(#[from] DockerError),
    /// Writing results failed (a closed pipe is not reported: `odoo-sizer plan | head` is fine).
    #[error("cannot write the result to standard output: {0}")]
    Output(#[source] std::io::Error),
}

impl Error {
    pub fn exit(&self) -> Exit {
        match self {
            Error::UnknownLimit(_) => Exit::LimitsUnknown,
            Error::Docker(_) => Exit::Docker,
            Error::Output(_) => Exit::Io,
        }
    }

    /// A closed stdout (the reader went away) is a normal end, not an error.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
