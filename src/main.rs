//! The `mtlsctl` binary: parse the command line, run it, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use mtlsctl::commands::Cli;

fn main() -> ExitCode {
    mtlsctl::commands::complete_from_env();
    let cli = Cli::parse();
    match mtlsctl::run(cli) {
        Ok(outcome) => outcome.exit_code(),
        Err(err) if mtlsctl::output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            mtlsctl::output::print_error(&err);
            ExitCode::from(1)
        }
    }
}
