//! mtlsctl: a private CA in an OpenSSL `ca` directory, mTLS certificates, CRLs and
//! handshake diagnosis.
//!
//! Layers point down: `commands` (the command line and the verbs, printing
//! through `output` with the flags of `cli`) -> `store`, `pki`, `probe`.
//! `pki` works on bytes and knows nothing of directories; `store` knows the
//! OpenSSL directory layout and nothing of the terminal.

pub mod bytes;
pub mod cli;
pub mod commands;
pub mod generate;
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
    if let Err(e) = no_core_dumps() {
        ctx.warn(format!("cannot disable core dumps ({e}); a crash could write key material to disk"));
    }
    commands::dispatch(&ctx, cli.command)
}

/// Keep private keys and passphrases out of core dumps and away from other
/// processes of the same user: no core file (RLIMIT_CORE 0) and not dumpable
/// (which also makes /proc/<pid>/mem and environ root-only). Done for every
/// verb: nearly all of them load a key (the CA's, a client's for probe, a
/// leaf's for export or renew), and a verb that gains one stays covered.
pub fn no_core_dumps() -> std::io::Result<()> {
    use rustix::process::{DumpableBehavior, Resource, Rlimit, set_dumpable_behavior, setrlimit};
    setrlimit(Resource::Core, Rlimit { current: Some(0), maximum: Some(0) })?;
    set_dumpable_behavior(DumpableBehavior::NotDumpable)?;
    Ok(())
}
