//! mtlsctl: a private CA in an OpenSSL `ca` directory, mTLS certificates, CRLs and
//! handshake diagnosis.
//!
//! Layers point down: `commands` (the command line and the verbs, printing
//! through `output` with the flags of `cli`) -> `store`, `pki`, `probe`.
//! `pki` works on bytes and knows nothing of directories; `store` knows the
//! OpenSSL directory layout and nothing of the terminal.

pub mod cli;
pub mod commands;
pub mod generate;
#[cfg(test)]
mod hardening_props;
pub mod ocsp;
pub mod output;
pub mod pki;
pub mod probe;
pub mod prompt;
pub mod store;

use std::process::ExitCode;

/// What a command concluded, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Done,
    /// Exit 3: a negative answer (verify found the certificate invalid, probe found mTLS failing).
    Negative,
}

impl Outcome {
    pub fn exit_code(self) -> ExitCode {
        match self {
            Self::Done => ExitCode::SUCCESS,
            Self::Negative => ExitCode::from(3),
        }
    }
}

/// Run a parsed command line.
pub fn run(cli: commands::Cli) -> anyhow::Result<Outcome> {
    let ctx = output::Ctx::new(&cli.global);
    commands::dispatch(&ctx, cli.command)
}
