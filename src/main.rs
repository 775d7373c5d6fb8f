//! The `odoo-sizer` binary: parse the command line, run one command, map the result to an exit code.
//!
//! The entry point is the C `main` that glibc calls, not Rust's `fn main`: the binary runs at every
//! container start, and std's runtime set-up before `fn main` was ~15 % of a whole `apply` run's
//! system calls (BENCHMARKS.md, "Third round"). Most of it is the stack-overflow handler's: an alternate
//! signal stack (mmap, mprotect, sigaltstack, and their undoing at exit), and the main thread's guard page,
//! which glibc finds by reading and parsing `/proc/self/maps`. [`startup`] keeps the two parts of that
//! set-up the program relies on; what is left out is the "thread 'main' has overflowed its stack" message
//! (an overflow still stops the process, with SIGSEGV; no parser here recurses on its input) and the name
//! "main" in panic messages (a panic aborts either way).

// The test harness of `cargo test --all-targets` brings its own `main` (the binary has no unit tests: the
// process is tested from outside, tests/cli_*.rs).
#![cfg_attr(not(test), no_main)]
#![cfg_attr(test, allow(dead_code))]

use clap::{CommandFactory, FromArgMatches};
use odoo_sizer::cli::Cli;
use odoo_sizer::commands::ArgSources;
use odoo_sizer::error::Exit;

/// Small allocations from a bump region in front of glibc's malloc (`src/arena.rs`).
#[global_allocator]
static ALLOCATOR: odoo_sizer::arena::StartupArena = odoo_sizer::arena::StartupArena::new();

/// What glibc calls after its own start-up. std reads the arguments and the environment through glibc
/// (`.init_array`), not through `argc`/`argv` here.
#[cfg(not(test))]
#[no_mangle]
pub extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    let exit = match startup() {
        Ok(()) => run(),
        // Nothing can be printed: standard error may be the closed descriptor.
        Err(()) => Exit::Io,
    };
    // What std's runtime does after `fn main`: flush standard output, ignoring errors (the commands write
    // whole lines through it and report their own write errors).
    let _ = std::io::Write::flush(&mut std::io::stdout());
    exit as libc::c_int
}

/// The parts of std's runtime set-up this program relies on, as std does them (`library/std/src/sys/pal/
/// unix/mod.rs`, `init`):
/// - descriptors 0, 1 and 2 are open: a closed one is opened on `/dev/null`, so that a file the program
///   opens can never become its standard output (and be written with the report). Fails, like std,
///   when `/dev/null` cannot be opened.
/// - SIGPIPE is ignored: writing to a closed pipe is the `EPIPE` error that `odoo-sizer plan | head`
///   treats as a normal end, not a signal that kills the process. Children get SIGPIPE back at its default
///   (std's `Command` resets it before `exec`, e.g. for Odoo under `init`).
fn startup() -> Result<(), ()> {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: `fds` is a valid array of 3 pollfd for the duration of the call; the timeout is 0.
    let polled = unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) };
    for pfd in &fds {
        let closed = if polled == -1 {
            // poll may be unavailable (EINVAL, ENOMEM, EAGAIN): ask each descriptor, as std does.
            // SAFETY: F_GETFD only reads the descriptor's flags.
            let failed = unsafe { libc::fcntl(pfd.fd, libc::F_GETFD) } == -1;
            failed && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF)
        } else {
            pfd.revents & libc::POLLNVAL != 0
        };
        // SAFETY: a NUL-terminated path; the descriptor returned is the lowest free one, i.e. `pfd.fd`.
        if closed && unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR, 0) } == -1 {
            return Err(());
        }
    }
    // SAFETY: installs the "ignore" disposition; no handler code runs.
    if unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) } == libc::SIG_ERR {
        return Err(());
    }
    Ok(())
}

fn run() -> Exit {
    // Fault injection is compiled into test builds only (`--features failpoints`, env FAILPOINTS).
    #[cfg(feature = "failpoints")]
    let _failpoints = fail::FailScenario::setup();
    let mut command = Cli::command();
    let mut matches = command
        .try_get_matches_from_mut(std::env::args_os())
        .unwrap_or_else(|error| error.exit());
    let sources = ArgSources::of(&matches);
    let before_name = ArgSources::top_level(&matches);
    let mut cli = match Cli::from_arg_matches_mut(&mut matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    cli.global = cli.effective_global(
        |id| before_name.on_command_line(id),
        |id| sources.on_command_line(id),
    );
    // The command line's definition and what is left of its matches live until the process ends: freeing
    // them one allocation at a time (~70 k instructions, 5 % of an `apply`) would only precede the exit.
    std::mem::forget(command);
    std::mem::forget(matches);
    // watch is a daemon: its decisions (info) show by default.
    let base = u8::from(matches!(cli.command, odoo_sizer::cli::Command::Watch(_)));
    odoo_sizer::logging::init(
        cli.global.verbose.saturating_add(base),
        cli.global.quiet,
        cli.global.color,
        cli.global.log_format,
    );
    match odoo_sizer::commands::run(cli, &sources) {
        Ok(exit) => exit,
        Err(error) if error.is_broken_pipe() => Exit::Success,
        Err(error) => {
            log::error!("{error}");
            error.exit()
        }
    }
}
