//! The `odoo-sizer` binary: parse the command line, run one command, map the result to an exit code.

use clap::{CommandFactory, FromArgMatches};
use odoo_sizer::cli::Cli;
use odoo_sizer::error::Exit;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Fault injection is compiled into test builds only (`--features failpoints`, env FAILPOINTS).
    #[cfg(feature = "failpoints")]
    let _failpoints = fail::FailScenario::setup();
    let mut matches = Cli::command().get_matches();
    let sources = odoo_sizer::commands::ArgSources::of(&matches);
    let cli = match Cli::from_arg_matches_mut(&mut matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    // watch is a daemon: its decisions (info) show by default.
    let base = u8::from(matches!(cli.command, odoo_sizer::cli::Command::Watch(_)));
    odoo_sizer::logging::init(
        cli.global.verbose.saturating_add(base),
        cli.global.quiet,
        cli.global.color,
        cli.global.log_format,
    );
    match odoo_sizer::commands::run(cli, &sources) {
        Ok(exit) => exit.into(),
        Err(error) if error.is_broken_pipe() => Exit::Success.into(),
        Err(error) => {
            log::error!("{error}");
            error.exit().into()
        }
    }
}
